//! "Referenced by": for every entity, what points at it — articles (links, recommendations),
//! paths (step references, actions, conditions), rules (patterns, conditions, Markdown links)
//! and components (`part_of`, `derived`).

use std::collections::HashMap;

use crate::model::*;

/// A reference target without its anchor.
fn key(r: &Ref) -> Ref {
    match r {
        Ref::Path(p, _) => Ref::Path(*p, None),
        Ref::Article(a, _) => Ref::Article(*a, None),
        other => other.clone(),
    }
}

#[derive(Debug, Default)]
pub struct Backlinks {
    map: HashMap<Ref, Vec<Ref>>,
}

impl Backlinks {
    pub fn build(cat: &Catalog) -> Backlinks {
        let mut b = Backlinks::default();
        let mut comps = Vec::new();
        for (i, c) in cat.components.iter().enumerate() {
            let me = Ref::Component(CompIdx(i as u32));
            if let Some(p) = c.part_of {
                b.add(&me, Ref::Component(p));
            }
            if let Some(d) = &c.derived {
                comps.clear();
                d.components(&mut comps);
                for x in &comps {
                    b.add(&me, Ref::Component(*x));
                }
            }
            for (r, _) in &c.links {
                b.add(&me, r.clone());
            }
        }
        for (i, bl) in cat.blockers.iter().enumerate() {
            let me = Ref::Blocker(BlockerIdx(i as u32));
            comps.clear();
            bl.when.components(&mut comps);
            comps.extend(bl.blocks.targets.iter().map(|(c, _)| *c));
            comps.extend(bl.breaks.iter().copied());
            for x in &comps {
                b.add(&me, Ref::Component(*x));
            }
            for (r, _) in &bl.links {
                b.add(&me, r.clone());
            }
        }
        for (i, p) in cat.prerequisites.iter().enumerate() {
            let me = Ref::Prerequisite(PrereqIdx(i as u32));
            comps.clear();
            p.when.components(&mut comps);
            p.requires.components(&mut comps);
            comps.extend(p.for_.targets.iter().map(|(c, _)| *c));
            for x in &comps {
                b.add(&me, Ref::Component(*x));
            }
            for (r, _) in &p.links {
                b.add(&me, r.clone());
            }
        }
        for (i, p) in cat.paths.iter().enumerate() {
            let me = Ref::Path(PathIdx(i as u32), None);
            comps.clear();
            p.applies_to.components(&mut comps);
            for s in &p.steps {
                comps.extend(s.action.targets().iter().map(|(c, _)| *c));
                s.when.components(&mut comps);
                for (r, _) in &s.refs {
                    b.add(&me, r.clone());
                }
            }
            for g in &p.goal {
                g.require.components(&mut comps);
                comps.extend(g.keeps.iter().copied());
            }
            for x in &comps {
                b.add(&me, Ref::Component(*x));
            }
            for (r, _) in &p.links {
                b.add(&me, r.clone());
            }
        }
        for (i, a) in cat.articles.iter().enumerate() {
            let me = Ref::Article(ArticleIdx(i as u32), None);
            for t in article_targets(a) {
                b.add(&me, t);
            }
        }
        for v in b.map.values_mut() {
            v.sort_by(order);
            v.dedup();
        }
        b
    }

    /// Replaces what one article links to (an article edit): drops its old edges, adds the new.
    pub fn replace_article(&mut self, me: ArticleIdx, old: &Article, new: &Article) {
        let from = Ref::Article(me, None);
        for t in article_targets(old) {
            if let Some(v) = self.map.get_mut(&key(&t)) {
                v.retain(|r| *r != from);
            }
        }
        for t in article_targets(new) {
            let t = key(&t);
            if t == from {
                continue;
            }
            let v = self.map.entry(t).or_default();
            if !v.contains(&from) {
                v.push(from.clone());
                v.sort_by(order);
            }
        }
    }

    fn add(&mut self, from: &Ref, to: Ref) {
        let to = key(&to);
        if &to == from {
            return;
        }
        self.map.entry(to).or_default().push(from.clone());
    }

    /// What references `r`, articles first.
    pub fn of(&self, r: &Ref) -> &[Ref] {
        self.map.get(&key(r)).map_or(&[], Vec::as_slice)
    }
}

/// What an article links to or recommends.
pub fn article_targets(a: &Article) -> Vec<Ref> {
    let mut v: Vec<Ref> = a.links.iter().map(|(r, _)| key(r)).collect();
    v.extend(a.recommends.iter().map(|(p, _)| Ref::Path(*p, None)));
    v.sort_by(order);
    v.dedup();
    v
}

fn order(a: &Ref, b: &Ref) -> std::cmp::Ordering {
    (kind_rank(a), ref_index(a)).cmp(&(kind_rank(b), ref_index(b)))
}

fn ref_index(r: &Ref) -> u32 {
    match r {
        Ref::Component(c) => c.0,
        Ref::Blocker(b) => b.0,
        Ref::Prerequisite(p) => p.0,
        Ref::Path(p, _) => p.0,
        Ref::Article(a, _) => a.0,
    }
}

fn kind_rank(r: &Ref) -> u8 {
    match r {
        Ref::Article(..) => 0,
        Ref::Path(..) => 1,
        Ref::Blocker(_) => 2,
        Ref::Prerequisite(_) => 3,
        Ref::Component(_) => 4,
    }
}

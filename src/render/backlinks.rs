//! "Referenced by": for every entity, what points at it — articles (links, recommendations),
//! paths (step references, actions, conditions), rules (patterns, conditions, Markdown links)
//! and components (`part_of`, `derived`).

use std::collections::HashMap;

use crate::markdown;
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
        let md_links = |md: &Markdown| -> Vec<Ref> {
            if md.is_empty() {
                return Vec::new();
            }
            markdown::scan(&md.text).links.iter().filter_map(|l| cat.lookup(&l.dest)).collect()
        };
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
            for r in md_links(&c.description) {
                b.add(&me, r);
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
            for md in [&bl.symptoms, &bl.explanation, &bl.resolution] {
                for r in md_links(md) {
                    b.add(&me, r);
                }
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
            for md in [&p.explanation, &p.how] {
                for r in md_links(md) {
                    b.add(&me, r);
                }
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
                for md in [&s.instructions, &s.verify, &s.rollback] {
                    for r in md_links(md) {
                        b.add(&me, r);
                    }
                }
            }
            for g in &p.goal {
                g.require.components(&mut comps);
                comps.extend(g.keeps.iter().copied());
            }
            for x in &comps {
                b.add(&me, Ref::Component(*x));
            }
            for r in md_links(&p.description) {
                b.add(&me, r);
            }
        }
        for (i, a) in cat.articles.iter().enumerate() {
            let me = Ref::Article(ArticleIdx(i as u32), None);
            for (r, _) in &a.links {
                b.add(&me, r.clone());
            }
            for (p, _) in &a.recommends {
                b.add(&me, Ref::Path(*p, None));
            }
        }
        for v in b.map.values_mut() {
            v.sort_by_key(|r| (kind_rank(r), format!("{r:?}")));
            v.dedup();
        }
        b
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

fn kind_rank(r: &Ref) -> u8 {
    match r {
        Ref::Article(..) => 0,
        Ref::Path(..) => 1,
        Ref::Blocker(_) => 2,
        Ref::Prerequisite(_) => 3,
        Ref::Component(_) => 4,
    }
}

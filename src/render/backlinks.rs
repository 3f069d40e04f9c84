//! "Referenced by": for every entity, what points at it — articles (links, recommendations),
//! paths (step references, actions, conditions), rules and effects (patterns, conditions,
//! Markdown links), named conditions, and components (`part_of`, `derived`).

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

/// What a condition names directly: components, facts, named conditions.
pub fn cond_refs(c: &Cond, out: &mut Vec<Ref>) {
    match c {
        Cond::Present(x) | Cond::Versions(x, ..) | Cond::Phase(x, ..) | Cond::Broken(x) => out.push(Ref::Component(*x)),
        Cond::Num(f, ..) | Cond::OneOf(f, _) | Cond::Has(f, _) => out.push(Ref::Fact(*f)),
        Cond::NumFacts(a, _, b) => out.extend([Ref::Fact(*a), Ref::Fact(*b)]),
        Cond::Named(n) => out.push(Ref::Condition(*n)),
        Cond::Not(c) => cond_refs(c, out),
        Cond::And(cs) | Cond::Or(cs) => cs.iter().for_each(|c| cond_refs(c, out)),
        Cond::True | Cond::False | Cond::Role(_) => {}
    }
}

/// What an action or pattern names: components and facts.
fn action_refs(a: &Action, out: &mut Vec<Ref>) {
    out.extend(a.targets().iter().map(|(c, _)| Ref::Component(*c)));
    out.extend(a.fact().map(Ref::Fact));
}

fn pattern_refs(p: &Pattern, out: &mut Vec<Ref>) {
    out.extend(p.targets.iter().map(|(c, _)| Ref::Component(*c)));
    out.extend(p.facts.iter().map(|f| Ref::Fact(*f)));
}

impl Backlinks {
    pub fn build(cat: &Catalog) -> Backlinks {
        let mut b = Backlinks::default();
        let mut to: Vec<Ref> = Vec::new();
        let add_all = |b: &mut Backlinks, me: &Ref, to: &mut Vec<Ref>, links: &[(Ref, crate::diag::Span)]| {
            for t in to.drain(..) {
                b.add(me, t);
            }
            for (r, _) in links {
                b.add(me, r.clone());
            }
        };
        for (i, c) in cat.components.iter().enumerate() {
            let me = Ref::Component(CompIdx(i as u32));
            to.extend(c.part_of.map(Ref::Component));
            if let Some(d) = &c.derived {
                cond_refs(d, &mut to);
            }
            add_all(&mut b, &me, &mut to, &c.links);
        }
        for (i, f) in cat.facts.iter().enumerate() {
            let me = Ref::Fact(FactIdx(i as u32));
            add_all(&mut b, &me, &mut to, &f.links);
        }
        for (i, n) in cat.conditions.iter().enumerate() {
            let me = Ref::Condition(NamedIdx(i as u32));
            cond_refs(&n.when, &mut to);
            add_all(&mut b, &me, &mut to, &n.links);
        }
        for (i, bl) in cat.blockers.iter().enumerate() {
            let me = Ref::Blocker(BlockerIdx(i as u32));
            cond_refs(&bl.when, &mut to);
            pattern_refs(&bl.blocks, &mut to);
            to.extend(bl.breaks.iter().map(|c| Ref::Component(*c)));
            add_all(&mut b, &me, &mut to, &bl.links);
        }
        for (i, p) in cat.prerequisites.iter().enumerate() {
            let me = Ref::Prerequisite(PrereqIdx(i as u32));
            cond_refs(&p.when, &mut to);
            cond_refs(&p.requires, &mut to);
            pattern_refs(&p.for_, &mut to);
            add_all(&mut b, &me, &mut to, &p.links);
        }
        for (i, e) in cat.effects.iter().enumerate() {
            let me = Ref::Effect(EffectIdx(i as u32));
            cond_refs(&e.when, &mut to);
            pattern_refs(&e.on, &mut to);
            for a in &e.does {
                action_refs(a, &mut to);
            }
            add_all(&mut b, &me, &mut to, &e.links);
        }
        for (i, p) in cat.paths.iter().enumerate() {
            let me = Ref::Path(PathIdx(i as u32), None);
            cond_refs(&p.applies_to, &mut to);
            for s in &p.steps {
                action_refs(&s.action, &mut to);
                cond_refs(&s.when, &mut to);
                cond_refs(&s.if_, &mut to);
                for (r, _) in &s.refs {
                    to.push(r.clone());
                }
            }
            for g in &p.goal {
                cond_refs(&g.require, &mut to);
                to.extend(g.keeps.iter().map(|c| Ref::Component(*c)));
            }
            add_all(&mut b, &me, &mut to, &p.links);
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
        Ref::Fact(f) => f.0,
        Ref::Condition(c) => c.0,
        Ref::Effect(e) => e.0,
    }
}

fn kind_rank(r: &Ref) -> u8 {
    match r {
        Ref::Article(..) => 0,
        Ref::Path(..) => 1,
        Ref::Blocker(_) => 2,
        Ref::Prerequisite(_) => 3,
        Ref::Effect(_) => 4,
        Ref::Condition(_) => 5,
        Ref::Component(_) => 6,
        Ref::Fact(_) => 7,
    }
}

//! The encoding of starting states as Boolean variables.
//!
//! A path can only observe some attributes of its hosts: those its conditions, its actions and
//! the rules its actions can trigger read or change, closed under constraints, derived
//! components and `part_of`. Those are *tracked*; every other attribute is absent (or unset)
//! and cannot change the outcome. Each tracked attribute of each existing host becomes a few
//! variables:
//!
//! - a component: its code in binary, `0` absent and `v + 1` for version `v` (`1` for present
//!   unversioned); plus a broken bit where the path's starting conditions or the catalog's
//!   constraints ask `is broken` (elsewhere, nothing is broken when a path starts);
//! - a number fact: the interval its value falls in between the constants the catalog compares
//!   it with (code `2i + 1` below the `i`-th constant, `2i + 2` equal to it), so only the
//!   constants that matter make the domain; pairs of facts compared with each other get two
//!   more bits saying how they compare when both fall in the same open interval;
//! - an enumerated fact: its value's index plus one; a set fact: one bit per member.
//!
//! Derived components are not variables: they follow from the others. New hosts have no
//! variables: they start from constants.

use std::collections::HashMap;

use crate::model::*;

/// Where one attribute's variables are, for one existing host.
#[derive(Clone, Debug)]
pub enum Slot {
    /// Code bits, least significant first, and the broken bit if it is free.
    Comp {
        bits: Vec<u16>,
        broken: Option<u16>,
        domain: u32,
    },
    Code {
        bits: Vec<u16>,
        domain: u32,
    },
    Members {
        bits: Vec<u16>,
    },
}

/// How two number facts compare when both hold starting values in the same open interval:
/// two bits, `00` less, `01` equal, `10` greater.
#[derive(Clone, Debug)]
pub struct Relation {
    pub a: FactIdx,
    pub b: FactIdx,
    pub bits: [u16; 2],
}

/// The variables of a path's starting states.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    /// Tracked attributes, in variable order.
    pub attrs: Vec<Attr>,
    /// Per existing host (in `path.hosts` order of existing hosts): its slots.
    pub hosts: Vec<HostSlots>,
    pub num_vars: u16,
}

#[derive(Clone, Debug, Default)]
pub struct HostSlots {
    /// The host's index in `path.hosts`.
    pub host: usize,
    pub slots: HashMap<Attr, Slot>,
    pub relations: Vec<Relation>,
}

/// Bits needed for codes `0..domain`.
pub fn bits_for(domain: u32) -> usize {
    (32 - domain.saturating_sub(1).leading_zeros()) as usize
}

/// The number of codes a number fact's values fall into: unset, and each interval and point.
pub fn number_domain(f: &Fact) -> u32 {
    2 * f.cuts.len() as u32 + 2
}

/// The code of a concrete number: `2i + 1` below the `i`-th cut, `2i + 2` on it.
pub fn number_code(f: &Fact, n: Num) -> u32 {
    let i = f.cuts.partition_point(|c| *c < n);
    if f.cuts.get(i) == Some(&n) { 2 * i as u32 + 2 } else { 2 * i as u32 + 1 }
}

/// A representative value of a number code (the inverse of [`number_code`] up to the
/// interval): the cut itself, or a value inside the open interval that reads naturally — not
/// negative where the interval allows it, since most quantities (sizes, counts) are not.
pub fn number_value(f: &Fact, code: u32) -> Option<Num> {
    if code == 0 {
        return None;
    }
    if code % 2 == 0 {
        return Some(f.cuts[code as usize / 2 - 1]);
    }
    let i = (code as usize - 1) / 2;
    let (lo, hi) = interval(f, code);
    Some(Num(match (i, f.cuts.len()) {
        (_, 0) => lo,
        (i, k) if i == k => hi,
        _ => (lo + hi) / 2.0,
    }))
}

/// The starting conditions of a path: the ones that decide which states exist.
pub fn start_conditions(path: &MigrationPath) -> Vec<&Cond> {
    let mut v = vec![&path.applies_to];
    v.extend(path.hosts.iter().map(|h| &h.applies_to));
    v
}

/// The attributes a path can observe (see the module documentation), in first-mention order.
pub fn tracked(cat: &Catalog, path: &MigrationPath, extra: &[&Cond]) -> Vec<Attr> {
    let mut out: Vec<Attr> = Vec::new();
    let add = |a: Attr, out: &mut Vec<Attr>| {
        if !out.contains(&a) {
            out.push(a)
        }
    };
    let add_action = |a: &Action, out: &mut Vec<Attr>| {
        for (c, _) in a.targets() {
            add(Attr::Comp(c), out);
        }
        if let Some(f) = a.fact() {
            add(Attr::Fact(f), out);
        }
    };
    for c in start_conditions(path) {
        c.attrs(cat, &mut out);
    }
    // A component that can be broken at the start makes the outcome `broken` unless repaired.
    for c in broken_free(cat, start_conditions(path)) {
        add(Attr::Comp(c), &mut out);
    }
    for c in extra {
        c.attrs(cat, &mut out);
    }
    for o in &path.outcome {
        o.when.attrs(cat, &mut out);
    }
    for h in &path.hosts {
        for s in &h.starts_with {
            match s {
                Setting::Comp(c, _) | Setting::Broken(c) => add(Attr::Comp(*c), &mut out),
                Setting::Fact(f, _) => add(Attr::Fact(*f), &mut out),
            }
        }
    }
    for s in &path.steps {
        s.when.attrs(cat, &mut out);
        s.if_.attrs(cat, &mut out);
        add_action(&s.action, &mut out);
        let (bs, ps, es) = crate::eval::candidate_rules(cat, &s.action);
        for b in bs {
            let b = &cat.blockers[b.idx()];
            if b.blocks.may_match(&s.action) {
                b.when.attrs(cat, &mut out);
                for c in &b.breaks {
                    add(Attr::Comp(*c), &mut out);
                }
            }
        }
        for p in ps {
            let p = &cat.prerequisites[p.idx()];
            if p.for_.may_match(&s.action) {
                p.when.attrs(cat, &mut out);
                p.requires.attrs(cat, &mut out);
            }
        }
        for e in es {
            let e = &cat.effects[e.idx()];
            if e.on.may_match(&s.action) {
                e.when.attrs(cat, &mut out);
                for a in &e.does {
                    add_action(a, &mut out);
                }
            }
        }
    }
    for g in &path.goal {
        g.when.attrs(cat, &mut out);
        g.require.attrs(cat, &mut out);
        for k in &g.keeps {
            add(Attr::Comp(*k), &mut out);
        }
    }
    close(cat, &mut out);
    out
}

/// Closes a set of attributes under everything that ties real hosts' attributes together, so
/// that the states over the set are exactly the real states seen through it (see
/// [`Ties`]): the groups are computed once per catalog, so this is linear in the set.
pub fn close(cat: &Catalog, out: &mut Vec<Attr>) {
    cat.ties.close(out);
}

impl Layout {
    /// Allocates variables for the tracked attributes of every existing host, attribute by
    /// attribute so one attribute's copies on several hosts sit together.
    pub fn new(cat: &Catalog, path: &MigrationPath, attrs: Vec<Attr>) -> Layout {
        let broken_free = broken_free(cat, start_conditions(path));
        let existing: Vec<usize> = path.hosts.iter().enumerate().filter(|(_, h)| h.existing).map(|(i, _)| i).collect();
        Layout::build(cat, attrs, &existing, &broken_free)
    }

    /// One host with `attrs`, for questions about conditions alone.
    pub fn single(cat: &Catalog, attrs: Vec<Attr>, about: &Cond) -> Layout {
        let broken_free = broken_free(cat, [about]);
        Layout::build(cat, attrs, &[0], &broken_free)
    }

    fn build(cat: &Catalog, attrs: Vec<Attr>, existing: &[usize], broken_free: &[CompIdx]) -> Layout {
        let mut hosts: Vec<HostSlots> =
            existing.iter().map(|&h| HostSlots { host: h, slots: HashMap::new(), relations: Vec::new() }).collect();
        let mut next: u16 = 0;
        let mut take = |n: usize| -> Vec<u16> {
            let v: Vec<u16> = (next..next + n as u16).collect();
            next += n as u16;
            v
        };
        for a in &attrs {
            for hs in hosts.iter_mut() {
                let slot = match a {
                    Attr::Comp(c) => {
                        let comp = &cat.components[c.idx()];
                        if comp.derived.is_some() {
                            continue;
                        }
                        let domain = comp.versions.len().max(1) as u32 + 1;
                        let bits = take(bits_for(domain));
                        let broken = broken_free.contains(c).then(|| take(1)[0]);
                        Slot::Comp { bits, broken, domain }
                    }
                    Attr::Fact(f) => {
                        let fact = &cat.facts[f.idx()];
                        match &fact.ty {
                            FactType::Number { .. } => {
                                let domain = number_domain(fact);
                                Slot::Code { bits: take(bits_for(domain)), domain }
                            }
                            FactType::Enum { values } => {
                                let domain = values.len() as u32 + 1;
                                Slot::Code { bits: take(bits_for(domain)), domain }
                            }
                            FactType::Set { values } => Slot::Members { bits: take(values.len()) },
                        }
                    }
                };
                hs.slots.insert(*a, slot);
            }
            // Relations between this fact and tracked facts before it.
            if let Attr::Fact(f) = a {
                for g in &cat.facts[f.idx()].compared_with {
                    let earlier = attrs.iter().take_while(|x| *x != a).any(|x| *x == Attr::Fact(*g));
                    if earlier {
                        for hs in hosts.iter_mut() {
                            let b = take(2);
                            hs.relations.push(Relation { a: *g, b: *f, bits: [b[0], b[1]] });
                        }
                    }
                }
            }
        }
        Layout { attrs, hosts, num_vars: next }
    }
}

/// The components that may start broken: those whose `is broken` the starting conditions or
/// a constraint read.
fn broken_free<'c>(cat: &Catalog, start: impl IntoIterator<Item = &'c Cond>) -> Vec<CompIdx> {
    let mut out = cat.ties.broken.clone();
    for c in start {
        c.broken_reads(cat, &mut out);
    }
    out
}

/// The value of a code slot in a valuation.
pub fn read_code(bits: &[u16], value: &dyn Fn(u16) -> bool) -> u32 {
    bits.iter().enumerate().fold(0, |acc, (i, b)| acc | ((value(*b) as u32) << i))
}

/// The concrete starting states of the existing hosts a valuation stands for.
pub fn decode(cat: &Catalog, layout: &Layout, value: &dyn Fn(u16) -> bool) -> Vec<crate::eval::HostState> {
    let mut out = Vec::new();
    for hs in &layout.hosts {
        let mut s = crate::eval::HostState::default();
        for a in &layout.attrs {
            let Some(slot) = hs.slots.get(a) else { continue };
            match (a, slot) {
                (Attr::Comp(c), Slot::Comp { bits, broken, .. }) => {
                    let code = read_code(bits, value);
                    if code > 0 {
                        s.present.insert(*c, code as Ver - 1);
                        if broken.is_some_and(value) {
                            s.broken.insert(*c);
                        }
                    }
                }
                (Attr::Fact(f), Slot::Code { bits, .. }) => {
                    let code = read_code(bits, value);
                    let fact = &cat.facts[f.idx()];
                    let v = match fact.ty {
                        FactType::Number { .. } => number_value(fact, code).map(Value::Num),
                        _ => (code > 0).then(|| Value::Enum(code - 1)),
                    };
                    if let Some(v) = v {
                        s.facts.insert(*f, v);
                    }
                }
                (Attr::Fact(f), Slot::Members { bits }) => {
                    let ms: Vec<u32> =
                        bits.iter().enumerate().filter(|(_, b)| value(**b)).map(|(i, _)| i as u32).collect();
                    s.facts.insert(*f, Value::Set(ms));
                }
                _ => {}
            }
        }
        spread_related(cat, hs, &mut s, value);
        out.push(s);
    }
    out
}

/// Facts that compare with each other and fall in the same open interval take distinct values
/// inside it, ordered as their relation bits say (equal ones share a value).
fn spread_related(cat: &Catalog, hs: &HostSlots, s: &mut crate::eval::HostState, value: &dyn Fn(u16) -> bool) {
    let rel = |a: FactIdx, b: FactIdx| -> Option<std::cmp::Ordering> {
        hs.relations.iter().find_map(|r| {
            let code = (value(r.bits[0]) as u8) | ((value(r.bits[1]) as u8) << 1);
            let ord = match code {
                0 => std::cmp::Ordering::Less,
                1 => std::cmp::Ordering::Equal,
                _ => std::cmp::Ordering::Greater,
            };
            if r.a == a && r.b == b {
                Some(ord)
            } else if r.a == b && r.b == a {
                Some(ord.reverse())
            } else {
                None
            }
        })
    };
    let mut groups: HashMap<(u32, Vec<u64>), Vec<FactIdx>> = HashMap::new();
    for r in &hs.relations {
        for f in [r.a, r.b] {
            let fact = &cat.facts[f.idx()];
            let Some(Value::Num(n)) = s.facts.get(&f) else { continue };
            let code = number_code(fact, *n);
            if code % 2 == 1 {
                let key = (code, fact.cuts.iter().map(|c| c.0.to_bits()).collect());
                let g = groups.entry(key).or_default();
                if !g.contains(&f) {
                    g.push(f);
                }
            }
        }
    }
    for ((code, _), mut members) in groups {
        if members.len() < 2 {
            continue;
        }
        members.sort_by(|a, b| rel(*a, *b).unwrap_or_else(|| a.cmp(b)));
        let fact = &cat.facts[members[0].idx()];
        let (lo, hi) = interval(fact, code);
        let mut rank = 0usize;
        let mut ranks = Vec::new();
        for (i, f) in members.iter().enumerate() {
            if i > 0 && rel(members[i - 1], *f) != Some(std::cmp::Ordering::Equal) {
                rank += 1;
            }
            ranks.push(rank);
        }
        let n = rank + 2;
        let unit = unit_of(fact);
        // Evenly spaced, in whole units where those still fall strictly inside and apart.
        let exact: Vec<f64> = (0..=rank).map(|r| lo + (hi - lo) * (r + 1) as f64 / n as f64).collect();
        let round: Vec<f64> = exact.iter().map(|x| (x / unit).round() * unit).collect();
        let fits = round.iter().all(|x| *x > lo && *x < hi) && round.windows(2).all(|w| w[0] < w[1]);
        let values = if fits { round } else { exact };
        for (f, r) in members.iter().zip(ranks) {
            s.facts.insert(*f, Value::Num(Num(values[r])));
        }
    }
}

/// The open interval of an odd code, made finite at the ends (below a positive first cut it
/// starts at 0).
fn interval(f: &Fact, code: u32) -> (f64, f64) {
    let i = (code as usize - 1) / 2;
    let k = f.cuts.len();
    // One of the fact's own units, so examples read `10 GB` rather than a few bytes.
    let unit = unit_of(f);
    if k == 0 {
        return (0.0, 100.0 * unit);
    }
    let c = |j: usize| f.cuts[j].0;
    let pad = |x: f64| x.abs().max(unit);
    if i == 0 {
        let lo = if c(0) > 0.0 { 0.0 } else { c(0) - pad(c(0)) };
        (lo, c(0))
    } else if i == k {
        (c(k - 1), c(k - 1) + pad(c(k - 1)))
    } else {
        (c(i - 1), c(i))
    }
}

/// The size of one of a number fact's units in base units (1 without a unit).
fn unit_of(f: &Fact) -> f64 {
    match &f.ty {
        FactType::Number { scale, .. } => *scale,
        _ => 1.0,
    }
}

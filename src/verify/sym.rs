//! Symbolic host states: every attribute a function of the starting-state variables. The
//! operations here mirror `eval` one for one — conditions, pattern matches, actions — but on
//! binary decision diagrams, so one evaluation decides every starting state at once.

use std::collections::HashMap;

use biodivine_lib_bdd::{Bdd, BddVariable, BddVariableSet, op_function};

use super::encode::{self, Layout, Slot, bits_for, number_code};
use crate::expr::Verb;
use crate::model::*;

/// The largest diagram one operation may produce. Real catalogs stay in the thousands of
/// nodes; this only stops a pathological one from taking the machine.
pub const NODE_LIMIT: usize = 4_000_000;

/// The BDD operations, with the node budget.
pub struct Engine<'a> {
    pub cat: &'a Catalog,
    pub vars: BddVariableSet,
    t: Bdd,
    f: Bdd,
    limit: usize,
    /// What was being evaluated when the budget ran out.
    pub blown: Option<String>,
    /// What is being evaluated now (a step, a rule), for the budget's message.
    pub context: String,
    /// The largest diagram seen, for the benchmark.
    pub peak: usize,
}

impl<'a> Engine<'a> {
    pub fn new(cat: &'a Catalog, num_vars: u16, limit: usize) -> Engine<'a> {
        let vars = BddVariableSet::new_anonymous(num_vars);
        Engine { cat, t: vars.mk_true(), f: vars.mk_false(), vars, limit, blown: None, context: String::new(), peak: 0 }
    }

    pub fn tt(&self) -> Bdd {
        self.t.clone()
    }

    pub fn ff(&self) -> Bdd {
        self.f.clone()
    }

    pub fn var(&self, v: u16) -> Bdd {
        self.vars.mk_var(BddVariable::from_index(v as usize))
    }

    fn check(&mut self, r: Option<Bdd>) -> Bdd {
        match r {
            Some(r) => {
                self.peak = self.peak.max(r.size());
                r
            }
            None => {
                if self.blown.is_none() {
                    self.blown = Some(self.context.clone());
                }
                self.ff()
            }
        }
    }

    pub fn and(&mut self, a: &Bdd, b: &Bdd) -> Bdd {
        if self.blown.is_some() || a.is_false() || b.is_false() {
            return self.ff();
        }
        if a.is_true() {
            return b.clone();
        }
        if b.is_true() {
            return a.clone();
        }
        let r = Bdd::binary_op_with_limit(self.limit, a, b, op_function::and);
        self.check(r)
    }

    pub fn or(&mut self, a: &Bdd, b: &Bdd) -> Bdd {
        if self.blown.is_some() {
            return self.ff();
        }
        if a.is_true() || b.is_true() {
            return self.tt();
        }
        if a.is_false() {
            return b.clone();
        }
        if b.is_false() {
            return a.clone();
        }
        let r = Bdd::binary_op_with_limit(self.limit, a, b, op_function::or);
        self.check(r)
    }

    pub fn not(&mut self, a: &Bdd) -> Bdd {
        if self.blown.is_some() {
            return self.ff();
        }
        a.not()
    }

    pub fn and_not(&mut self, a: &Bdd, b: &Bdd) -> Bdd {
        if self.blown.is_some() || a.is_false() || b.is_true() {
            return self.ff();
        }
        if b.is_false() {
            return a.clone();
        }
        let r = Bdd::binary_op_with_limit(self.limit, a, b, op_function::and_not);
        self.check(r)
    }

    pub fn imp(&mut self, a: &Bdd, b: &Bdd) -> Bdd {
        let na = self.not(a);
        self.or(&na, b)
    }

    /// `g ? a : b`.
    pub fn ite(&mut self, g: &Bdd, a: &Bdd, b: &Bdd) -> Bdd {
        if g.is_true() {
            return a.clone();
        }
        if g.is_false() {
            return b.clone();
        }
        let x = self.and(g, a);
        let y = self.and_not(b, g);
        self.or(&x, &y)
    }

    pub fn any(&mut self, xs: &[Bdd]) -> Bdd {
        let mut acc = self.ff();
        for x in xs {
            acc = self.or(&acc, x);
        }
        acc
    }

    // ----- codes -------------------------------------------------------------------------------

    /// The code equals `k`.
    pub fn eq(&mut self, code: &[Bdd], k: u32) -> Bdd {
        if (k as u64) >> code.len().min(32) != 0 && code.len() < 32 {
            return self.ff();
        }
        let mut acc = self.tt();
        for (i, b) in code.iter().enumerate() {
            let bit = if (k >> i) & 1 == 1 { b.clone() } else { self.not(b) };
            acc = self.and(&acc, &bit);
        }
        acc
    }

    /// The code is one of `ks`.
    pub fn one_of(&mut self, code: &[Bdd], ks: impl IntoIterator<Item = u32>) -> Bdd {
        let mut acc = self.ff();
        for k in ks {
            let e = self.eq(code, k);
            acc = self.or(&acc, &e);
        }
        acc
    }

    /// The code is not zero (present, set).
    pub fn nonzero(&mut self, code: &[Bdd]) -> Bdd {
        self.any(code)
    }

    /// A constant code of `width` bits.
    pub fn constant(&self, k: u32, width: usize) -> Vec<Bdd> {
        (0..width).map(|i| if (k >> i) & 1 == 1 { self.tt() } else { self.ff() }).collect()
    }

    /// Under `g`, the code becomes `k` (widening it if needed).
    pub fn assign(&mut self, code: &mut Vec<Bdd>, k: u32, g: &Bdd) {
        let width = code.len().max(bits_for(k + 1));
        code.resize(width, self.ff());
        for (i, bit) in code.iter_mut().enumerate() {
            let c = if (k >> i) & 1 == 1 { self.t.clone() } else { self.f.clone() };
            *bit = self.ite(g, &c, bit);
        }
    }

    /// Under `g`, `code` becomes `from`.
    pub fn copy(&mut self, code: &mut Vec<Bdd>, from: &[Bdd], g: &Bdd) {
        let width = code.len().max(from.len());
        code.resize(width, self.ff());
        for (i, bit) in code.iter_mut().enumerate() {
            let src = from.get(i).cloned().unwrap_or_else(|| self.ff());
            *bit = self.ite(g, &src, bit);
        }
    }

    pub fn count(&self, b: &Bdd) -> num_bigint::BigInt {
        if self.vars.num_vars() == 0 {
            return num_bigint::BigInt::from(b.is_true() as u8);
        }
        b.exact_cardinality()
    }
}

/// One component on one host.
#[derive(Clone, Debug)]
pub struct SymComp {
    pub code: Vec<Bdd>,
    pub broken: Bdd,
}

/// One fact on one host.
#[derive(Clone, Debug)]
pub enum SymFact {
    Code(Vec<Bdd>),
    Members(Vec<Bdd>),
}

/// One host, symbolically.
#[derive(Clone, Debug, Default)]
pub struct SymHost {
    pub comps: HashMap<CompIdx, SymComp>,
    pub facts: HashMap<FactIdx, SymFact>,
    /// How pairs of number facts compare in the same open interval (starting values).
    pub rel: HashMap<(FactIdx, FactIdx), [Bdd; 2]>,
    pub role: Option<RoleIdx>,
}

impl Engine<'_> {
    /// The starting state of an existing host from its variables, derived components settled.
    pub fn existing_host(&mut self, layout: &Layout, slot_of: usize, role: Option<RoleIdx>) -> SymHost {
        let hs = &layout.hosts[slot_of];
        let mut h = SymHost { role, ..SymHost::default() };
        for (a, slot) in &hs.slots {
            match (a, slot) {
                (Attr::Comp(c), Slot::Comp { bits, broken, .. }) => {
                    let code = bits.iter().map(|b| self.var(*b)).collect();
                    let broken = broken.map_or_else(|| self.ff(), |b| self.var(b));
                    h.comps.insert(*c, SymComp { code, broken });
                }
                (Attr::Fact(f), Slot::Code { bits, .. }) => {
                    h.facts.insert(*f, SymFact::Code(bits.iter().map(|b| self.var(*b)).collect()));
                }
                (Attr::Fact(f), Slot::Members { bits }) => {
                    h.facts.insert(*f, SymFact::Members(bits.iter().map(|b| self.var(*b)).collect()));
                }
                _ => {}
            }
        }
        for r in &hs.relations {
            h.rel.insert((r.a, r.b), [self.var(r.bits[0]), self.var(r.bits[1])]);
        }
        self.settle(&mut h, &layout.attrs);
        h
    }

    /// A new host: empty but for its `starts_with` settings and the facts' defaults.
    pub fn new_host(&mut self, host: &Host, attrs: &[Attr]) -> SymHost {
        let mut s = crate::eval::HostState::default();
        for x in &host.starts_with {
            s.apply_setting(x);
        }
        s.fill_defaults(self.cat);
        let mut h = self.constant_host(&s);
        h.role = host.role;
        self.settle(&mut h, attrs);
        h
    }

    /// A concrete state as constants.
    pub fn constant_host(&mut self, s: &crate::eval::HostState) -> SymHost {
        let cat = self.cat;
        let mut h = SymHost { role: s.role, ..SymHost::default() };
        for (c, v) in &s.present {
            let domain = cat.components[c.idx()].versions.len().max(1) as u32 + 1;
            let code = self.constant(*v as u32 + 1, bits_for(domain));
            let broken = if s.broken.contains(c) { self.tt() } else { self.ff() };
            h.comps.insert(*c, SymComp { code, broken });
        }
        for (f, v) in &s.facts {
            let fact = &cat.facts[f.idx()];
            let sf = match (&fact.ty, v) {
                (FactType::Number { .. }, Value::Num(n)) => {
                    SymFact::Code(self.constant(number_code(fact, *n), bits_for(encode::number_domain(fact))))
                }
                (FactType::Enum { values }, Value::Enum(i)) => {
                    SymFact::Code(self.constant(i + 1, bits_for(values.len() as u32 + 1)))
                }
                (FactType::Set { values }, Value::Set(ms)) => SymFact::Members(
                    (0..values.len()).map(|i| if ms.contains(&(i as u32)) { self.tt() } else { self.ff() }).collect(),
                ),
                _ => continue,
            };
            h.facts.insert(*f, sf);
        }
        h
    }

    /// Derived components follow their conditions (in declaration order, twice, as `eval`).
    pub fn settle(&mut self, h: &mut SymHost, attrs: &[Attr]) {
        let cat = self.cat;
        for _ in 0..2 {
            for &c in &cat.derived {
                if !attrs.contains(&Attr::Comp(c)) {
                    continue;
                }
                let Some(d) = &cat.components[c.idx()].derived else { continue };
                let holds = self.cond(d, h);
                let old_broken = h.comps.get(&c).map_or_else(|| self.ff(), |x| x.broken.clone());
                let broken = self.and(&old_broken, &holds);
                // Present (version 0, code 1) exactly when the condition holds.
                h.comps.insert(c, SymComp { code: vec![holds], broken });
            }
        }
    }

    // ----- conditions ------------------------------------------------------------------------

    fn code_of(&self, h: &SymHost, c: CompIdx) -> Vec<Bdd> {
        h.comps.get(&c).map(|x| x.code.clone()).unwrap_or_default()
    }

    pub fn present(&mut self, h: &SymHost, c: CompIdx) -> Bdd {
        let code = self.code_of(h, c);
        self.nonzero(&code)
    }

    /// The condition, on a host.
    pub fn cond(&mut self, cond: &Cond, h: &SymHost) -> Bdd {
        let cat = self.cat;
        match cond {
            Cond::True => self.tt(),
            Cond::False => self.ff(),
            Cond::Present(c) => self.present(h, *c),
            Cond::Versions(c, lo, hi) => {
                let code = self.code_of(h, *c);
                self.one_of(&code, (*lo as u32 + 1)..=(*hi as u32 + 1))
            }
            Cond::Phase(c, _, vs) => {
                let code = self.code_of(h, *c);
                self.one_of(&code, vs.iter().map(|v| *v as u32 + 1))
            }
            Cond::Broken(c) => {
                let p = self.present(h, *c);
                let b = h.comps.get(c).map_or_else(|| self.ff(), |x| x.broken.clone());
                self.and(&p, &b)
            }
            Cond::Num(f, op, k) => {
                let Some(SymFact::Code(code)) = h.facts.get(f).cloned() else { return self.ff() };
                let fact = &cat.facts[f.idx()];
                let point = number_code(fact, *k);
                let domain = encode::number_domain(fact);
                self.one_of(&code, (1..domain).filter(|x| op.holds(x.cmp(&point))))
            }
            Cond::NumFacts(a, op, b) => self.compare_facts(h, *a, *op, *b),
            Cond::OneOf(f, vs) => {
                let Some(SymFact::Code(code)) = h.facts.get(f).cloned() else { return self.ff() };
                self.one_of(&code, vs.iter().map(|v| v + 1))
            }
            Cond::Has(f, m) => match h.facts.get(f) {
                Some(SymFact::Members(bits)) => bits.get(*m as usize).cloned().unwrap_or_else(|| self.ff()),
                _ => self.ff(),
            },
            Cond::Role(rs) => {
                if h.role.is_some_and(|r| rs.contains(&r)) {
                    self.tt()
                } else {
                    self.ff()
                }
            }
            Cond::Named(n) => match cat.conditions.get(n.idx()) {
                Some(nc) => self.cond(&nc.when, h),
                None => self.ff(),
            },
            Cond::Not(c) => {
                let x = self.cond(c, h);
                self.not(&x)
            }
            Cond::And(cs) => {
                let mut acc = self.tt();
                for c in cs {
                    let x = self.cond(c, h);
                    acc = self.and(&acc, &x);
                    if acc.is_false() {
                        break;
                    }
                }
                acc
            }
            Cond::Or(cs) => {
                let mut acc = self.ff();
                for c in cs {
                    let x = self.cond(c, h);
                    acc = self.or(&acc, &x);
                    if acc.is_true() {
                        break;
                    }
                }
                acc
            }
        }
    }

    fn compare_facts(&mut self, h: &SymHost, a: FactIdx, op: CmpOp, b: FactIdx) -> Bdd {
        let (Some(SymFact::Code(ca)), Some(SymFact::Code(cb))) = (h.facts.get(&a).cloned(), h.facts.get(&b).cloned())
        else {
            return self.ff();
        };
        let domain =
            encode::number_domain(&self.cat.facts[a.idx()]).max(encode::number_domain(&self.cat.facts[b.idx()]));
        // How a compares with b when both are in the same open interval.
        let rel_holds = match (h.rel.get(&(a, b)), h.rel.get(&(b, a))) {
            (Some(r), _) => Some((r.clone(), false)),
            (None, Some(r)) => Some((r.clone(), true)),
            _ => None,
        };
        let mut acc = self.ff();
        for i in 1..domain {
            let ea = self.eq(&ca, i);
            if ea.is_false() {
                continue;
            }
            let mut inner = self.ff();
            for j in 1..domain {
                let holds = if i != j {
                    if op.holds(i.cmp(&j)) { self.tt() } else { self.ff() }
                } else if i % 2 == 0 {
                    if op.holds(std::cmp::Ordering::Equal) { self.tt() } else { self.ff() }
                } else {
                    match &rel_holds {
                        Some((r, reversed)) => {
                            // 00 less, 01 equal, 10 greater (of the pair's first against its second).
                            let less = {
                                let n0 = self.not(&r[0]);
                                let n1 = self.not(&r[1]);
                                self.and(&n0, &n1)
                            };
                            let equal = self.and_not(&r[0], &r[1]);
                            let greater = self.and_not(&r[1], &r[0]);
                            let (lt, gt) = if *reversed { (greater, less) } else { (less, greater) };
                            let mut x = self.ff();
                            for (ord, b) in [
                                (std::cmp::Ordering::Less, lt),
                                (std::cmp::Ordering::Equal, equal),
                                (std::cmp::Ordering::Greater, gt),
                            ] {
                                if op.holds(ord) {
                                    x = self.or(&x, &b);
                                }
                            }
                            x
                        }
                        None => self.ff(),
                    }
                };
                if holds.is_false() {
                    continue;
                }
                let eb = self.eq(&cb, j);
                let both = self.and(&eb, &holds);
                inner = self.or(&inner, &both);
            }
            let x = self.and(&ea, &inner);
            acc = self.or(&acc, &x);
        }
        acc
    }

    // ----- patterns and actions ----------------------------------------------------------------

    /// Does `pattern` match `action` on host `h`? The static part (verbs, components, methods)
    /// is decided now; a version range on the present version is a diagram.
    pub fn matches(&mut self, pattern: &Pattern, action: &Action, via: Option<MethodIdx>, h: &SymHost) -> Bdd {
        if !pattern.takes_method(via) {
            return self.ff();
        }
        if let Action::Set(f, _) = action {
            return if pattern.takes(Verb::Set) && pattern.facts.contains(f) { self.tt() } else { self.ff() };
        }
        let candidates: Vec<CompIdx> = match action {
            Action::Replace { old, new, .. } => {
                let mut v = Vec::new();
                if pattern.takes(Verb::Replace) {
                    v.extend([*old, *new]);
                }
                if pattern.takes(Verb::Install) {
                    v.push(*new);
                }
                if pattern.verbs.contains(&Verb::Remove) {
                    v.push(*old);
                }
                v
            }
            a if pattern.takes(a.verb()) => a.targets().into_iter().map(|(c, _)| c).collect(),
            _ => return self.ff(),
        };
        let mut acc = self.ff();
        for (pc, range) in &pattern.targets {
            if !candidates.contains(pc) {
                continue;
            }
            let Some((lo, hi)) = range else { return self.tt() };
            let named = action.targets().into_iter().find(|(x, _)| x == pc).and_then(|(_, v)| v);
            let named = match action {
                Action::Replace { old, .. } if old == pc => None,
                _ => named,
            };
            let x = match named {
                Some(v) => {
                    if *lo <= v && v <= *hi {
                        self.tt()
                    } else {
                        self.ff()
                    }
                }
                None => {
                    let code = self.code_of(h, *pc);
                    self.one_of(&code, (*lo as u32 + 1)..=(*hi as u32 + 1))
                }
            };
            acc = self.or(&acc, &x);
        }
        acc
    }

    /// Where the action cannot be done on these hosts (before it is done).
    pub fn impossible(&mut self, action: &Action, hosts: &[SymHost], on: Option<HostIdx>) -> Bdd {
        let cat = self.cat;
        let h = |on: Option<HostIdx>| on.map(|x| x.idx());
        match action {
            Action::Manual | Action::Set(..) | Action::Break(_) => self.ff(),
            Action::Install(items) => {
                let Some(hi) = h(on) else { return self.tt() };
                let with: Vec<CompIdx> = items.iter().map(|(c, _)| *c).collect();
                // Each item checks its parent on the host as it is then: earlier items of the
                // same action may have wiped it (a clean install).
                let mut host = hosts[hi].clone();
                let mut acc = self.ff();
                for (c, v) in items {
                    if let Some(parent) = cat.components[c.idx()].part_of {
                        if !with.contains(&parent) {
                            let p = self.present(&host, parent);
                            let np = self.not(&p);
                            acc = self.or(&acc, &np);
                        }
                    }
                    let t = self.tt();
                    self.install_one(&mut host, *c, v.unwrap_or(0), &t);
                }
                acc
            }
            Action::Remove(_) => self.ff(),
            Action::Upgrade(c, v) | Action::Downgrade(c, v) => {
                let Some(hi) = h(on) else { return self.tt() };
                let code = self.code_of(&hosts[hi], *c);
                let domain = cat.components[c.idx()].versions.len() as u32 + 1;
                let target = *v as u32 + 1;
                let bad: Vec<u32> = if matches!(action, Action::Upgrade(..)) {
                    std::iter::once(0).chain(target..domain).collect()
                } else {
                    (0..=target).collect()
                };
                self.one_of(&code, bad)
            }
            Action::Repair(items) => {
                let Some(hi) = h(on) else { return self.tt() };
                let mut acc = self.ff();
                for c in items {
                    let p = self.present(&hosts[hi], *c);
                    let np = self.not(&p);
                    acc = self.or(&acc, &np);
                }
                acc
            }
            Action::Replace { old, new, ver } => {
                let Some(hi) = h(on) else { return self.tt() };
                let p = self.present(&hosts[hi], *old);
                let mut acc = self.not(&p);
                if let Some(parent) = cat.components[new.idx()].part_of {
                    let mut host = hosts[hi].clone();
                    let t = self.tt();
                    self.remove_with_parts(&mut host, *old, &t);
                    let pp = self.present(&host, parent);
                    let npp = self.not(&pp);
                    acc = self.or(&acc, &npp);
                }
                let _ = ver;
                acc
            }
            Action::Move { comps, from, .. } => {
                let mut acc = self.ff();
                for c in comps {
                    let p = self.present(&hosts[from.idx()], *c);
                    let np = self.not(&p);
                    acc = self.or(&acc, &np);
                }
                acc
            }
        }
    }

    fn comp_entry<'h>(&self, h: &'h mut SymHost, c: CompIdx) -> &'h mut SymComp {
        let (f, domain) = (self.ff(), self.cat.components[c.idx()].versions.len().max(1) as u32 + 1);
        h.comps.entry(c).or_insert_with(|| SymComp { code: vec![f.clone(); bits_for(domain)], broken: f })
    }

    /// Under `g`, a clean install: what does not survive a reinstall goes.
    fn wipe(&mut self, h: &mut SymHost, g: &Bdd) {
        let cat = self.cat;
        let comps: Vec<CompIdx> = h.comps.keys().copied().collect();
        for c in comps {
            if cat.components[c.idx()].survives_reinstall {
                continue;
            }
            let mut x = h.comps.get(&c).cloned().unwrap_or_else(|| SymComp { code: Vec::new(), broken: self.ff() });
            self.assign(&mut x.code, 0, g);
            x.broken = self.and_not(&x.broken, g);
            h.comps.insert(c, x);
        }
        let facts: Vec<FactIdx> = h.facts.keys().copied().collect();
        for f in facts {
            let fact = &cat.facts[f.idx()];
            if fact.survives_reinstall {
                continue;
            }
            let default = fact.default.clone();
            self.set_fact(h, f, default.as_ref(), g);
        }
        for (i, fact) in cat.facts.iter().enumerate() {
            let f = FactIdx(i as u32);
            if !fact.survives_reinstall && !h.facts.contains_key(&f) {
                if let Some(d) = fact.default.clone() {
                    self.set_fact(h, f, Some(&d), g);
                }
            }
        }
    }

    /// Under `g`, a fact becomes `v` (or unset).
    fn set_fact(&mut self, h: &mut SymHost, f: FactIdx, v: Option<&Value>, g: &Bdd) {
        let fact = &self.cat.facts[f.idx()];
        match &fact.ty {
            FactType::Set { values } => {
                let mut bits = match h.facts.get(&f) {
                    Some(SymFact::Members(b)) => b.clone(),
                    _ => vec![self.ff(); values.len()],
                };
                for (i, bit) in bits.iter_mut().enumerate() {
                    let on = matches!(v, Some(Value::Set(ms)) if ms.contains(&(i as u32)));
                    let c = if on { self.tt() } else { self.ff() };
                    *bit = self.ite(g, &c, bit);
                }
                h.facts.insert(f, SymFact::Members(bits));
            }
            ty => {
                let code_value = match (ty, v) {
                    (FactType::Number { .. }, Some(Value::Num(n))) => number_code(fact, *n),
                    (FactType::Enum { .. }, Some(Value::Enum(i))) => i + 1,
                    _ => 0,
                };
                let width = bits_for(match ty {
                    FactType::Enum { values } => values.len() as u32 + 1,
                    _ => encode::number_domain(fact),
                });
                let mut code = match h.facts.get(&f) {
                    Some(SymFact::Code(c)) => c.clone(),
                    _ => vec![self.ff(); width],
                };
                self.assign(&mut code, code_value, g);
                h.facts.insert(f, SymFact::Code(code));
            }
        }
    }

    fn remove_with_parts(&mut self, h: &mut SymHost, c: CompIdx, g: &Bdd) {
        let cat = self.cat;
        if let Some(x) = h.comps.get(&c).cloned() {
            let mut x = x;
            self.assign(&mut x.code, 0, g);
            x.broken = self.and_not(&x.broken, g);
            h.comps.insert(c, x);
        }
        for p in cat.parts.get(c.idx()).cloned().unwrap_or_default() {
            self.remove_with_parts(h, p, g);
        }
    }

    /// Under `g`, install `c` at version `v`, as `eval::install_one` does.
    fn install_one(&mut self, h: &mut SymHost, c: CompIdx, v: Ver, g: &Bdd) {
        let cat = self.cat;
        let code = self.code_of(h, c);
        let same = self.eq(&code, v as u32 + 1);
        let change = self.and_not(g, &same);
        if cat.components[c.idx()].kind == ComponentKind::Os {
            // Another OS present, or this one at another version: a clean install.
            let mut other = self.ff();
            let oses: Vec<CompIdx> =
                h.comps.keys().copied().filter(|x| cat.components[x.idx()].kind == ComponentKind::Os).collect();
            for x in oses {
                let p = self.present(h, x);
                other = self.or(&other, &p);
            }
            let wipe = self.and(&change, &other);
            if !wipe.is_false() {
                self.wipe(h, &wipe);
            }
        }
        let entry = self.comp_entry(h, c).clone();
        let mut entry = entry;
        self.assign(&mut entry.code, v as u32 + 1, &change);
        entry.broken = self.and_not(&entry.broken, &change);
        h.comps.insert(c, entry);
    }

    /// Under `g`, the action's effect (where it is possible: `g` excludes the impossible).
    pub fn apply(&mut self, action: &Action, hosts: &mut [SymHost], on: Option<HostIdx>, g: &Bdd, attrs: &[Attr]) {
        if g.is_false() {
            return;
        }
        let Some(hi) = on.map(|x| x.idx()) else { return };
        match action {
            Action::Manual => return,
            Action::Install(items) => {
                for (c, v) in items {
                    self.install_one(&mut hosts[hi], *c, v.unwrap_or(0), g);
                }
            }
            Action::Remove(items) => {
                for c in items {
                    let p = self.present(&hosts[hi], *c);
                    let gc = self.and(g, &p);
                    self.remove_with_parts(&mut hosts[hi], *c, &gc);
                }
            }
            Action::Upgrade(c, v) | Action::Downgrade(c, v) => {
                let mut e = self.comp_entry(&mut hosts[hi], *c).clone();
                self.assign(&mut e.code, *v as u32 + 1, g);
                hosts[hi].comps.insert(*c, e);
            }
            Action::Repair(items) => {
                for c in items {
                    let mut e = self.comp_entry(&mut hosts[hi], *c).clone();
                    e.broken = self.and_not(&e.broken, g);
                    hosts[hi].comps.insert(*c, e);
                }
            }
            Action::Break(items) => {
                for c in items {
                    let p = self.present(&hosts[hi], *c);
                    let gp = self.and(g, &p);
                    let mut e = self.comp_entry(&mut hosts[hi], *c).clone();
                    e.broken = self.or(&e.broken, &gp);
                    hosts[hi].comps.insert(*c, e);
                }
            }
            Action::Replace { old, new, ver } => {
                self.remove_with_parts(&mut hosts[hi], *old, g);
                self.install_one(&mut hosts[hi], *new, ver.unwrap_or(0), g);
            }
            Action::Move { comps, from, to } => {
                let (fi, ti) = (from.idx(), to.idx());
                for c in comps {
                    let src = self.comp_entry(&mut hosts[fi], *c).clone();
                    let mut dst = self.comp_entry(&mut hosts[ti], *c).clone();
                    self.copy(&mut dst.code, &src.code, g);
                    let moved_broken = self.and(g, &src.broken);
                    dst.broken = self.or(&dst.broken, &moved_broken);
                    hosts[ti].comps.insert(*c, dst);
                    let mut s = src;
                    self.assign(&mut s.code, 0, g);
                    s.broken = self.and_not(&s.broken, g);
                    hosts[fi].comps.insert(*c, s);
                }
                self.settle(&mut hosts[fi], attrs);
                self.settle(&mut hosts[ti], attrs);
                return;
            }
            Action::Set(f, op) => match op {
                SetOp::Assign(v) => self.set_fact(&mut hosts[hi], *f, Some(v), g),
                SetOp::Add(m) | SetOp::Drop(m) => {
                    let n = self.cat.facts[f.idx()].ty.values().len();
                    let mut bits = match hosts[hi].facts.get(f) {
                        Some(SymFact::Members(b)) => b.clone(),
                        _ => vec![self.ff(); n],
                    };
                    if let Some(bit) = bits.get_mut(*m as usize) {
                        *bit = if matches!(op, SetOp::Add(_)) { self.or(bit, g) } else { self.and_not(bit, g) };
                    }
                    hosts[hi].facts.insert(*f, SymFact::Members(bits));
                }
            },
        }
        self.settle(&mut hosts[hi], attrs);
    }
}

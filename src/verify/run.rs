//! A path, run symbolically: the same steps as `eval::simulate_hosts`, each a function of the
//! starting-state variables, so the outcome of every starting state comes out as a diagram.

use biodivine_lib_bdd::Bdd;

use super::encode::{self, Layout, Slot};
use super::sym::{Engine, SymHost};
use crate::eval;
use crate::model::*;

/// Why a path stops at a step, in the order `eval` reports it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stop {
    Prereq(PrereqIdx),
    Blocker(BlockerIdx),
    Impossible,
}

/// What happened at one step, over all starting states (each set within the domain).
#[derive(Clone, Debug, Default)]
pub struct StepInfo {
    /// States in which the step was attempted (not stopped before, `when` and `if` held).
    pub ran: Option<Bdd>,
    /// Why the path stops here, and where.
    pub stops: Vec<(Stop, Bdd)>,
    /// Blockers of every severity that fire here, and where.
    pub fires: Vec<(BlockerIdx, Bdd)>,
    /// Prerequisites in scope here (met or not), and where.
    pub in_scope: Vec<(PrereqIdx, Bdd)>,
    pub effects: Vec<(EffectIdx, Bdd)>,
    /// Watched blockers whose condition held before the step and not after it, and where.
    pub cleared: Vec<(BlockerIdx, Bdd)>,
}

/// The result of running one path symbolically.
pub struct Run<'a> {
    pub eng: Engine<'a>,
    pub layout: Layout,
    /// The real starting states: encodings valid, `applies_to`, constraints, `part_of`.
    pub domain: Bdd,
    /// Per outcome (in `Outcome` order), the starting states that end so, within the domain.
    pub outcomes: Vec<(Outcome, Bdd)>,
    pub steps: Vec<StepInfo>,
    /// The existing hosts' starting states, for conditions asked later (articles' scopes).
    pub start: Vec<SymHost>,
    /// The first existing host, by its index among `start`.
    pub source: usize,
}

impl Run<'_> {
    pub fn outcome(&self, o: Outcome) -> Bdd {
        self.outcomes.iter().find(|(x, _)| *x == o).map(|(_, b)| b.clone()).unwrap_or_else(|| self.eng.ff())
    }

    /// A condition on the first existing host's starting state.
    pub fn on_start(&mut self, c: &Cond) -> Bdd {
        let h = self.start[self.source].clone();
        self.eng.cond(c, &h)
    }

    /// The starting states of a valuation, for replaying it concretely: the readable one
    /// (fewest things present) among those in `set`.
    pub fn witness(&self, set: &Bdd) -> Option<Vec<eval::HostState>> {
        let v = set.most_negative_valuation()?;
        let value = |b: u16| v.value(biodivine_lib_bdd::BddVariable::from_index(b as usize));
        Some(encode::decode(self.eng.cat, &self.layout, &value))
    }

    /// The symbolic outcome of concrete starting states (for the property test).
    pub fn classify(&self, starts: &[eval::HostState]) -> Option<Outcome> {
        let mut v = biodivine_lib_bdd::BddValuation::all_false(self.layout.num_vars);
        for (hs, s) in self.layout.hosts.iter().zip(starts) {
            for (a, slot) in &hs.slots {
                let set = |v: &mut biodivine_lib_bdd::BddValuation, bits: &[u16], code: u32| {
                    for (i, b) in bits.iter().enumerate() {
                        v.set_value(biodivine_lib_bdd::BddVariable::from_index(*b as usize), (code >> i) & 1 == 1);
                    }
                };
                match (a, slot) {
                    (Attr::Comp(c), Slot::Comp { bits, broken, .. }) => {
                        set(&mut v, bits, s.version_of(*c).map_or(0, |x| x as u32 + 1));
                        if let Some(b) = broken {
                            v.set_value(biodivine_lib_bdd::BddVariable::from_index(*b as usize), s.broken.contains(c));
                        }
                    }
                    (Attr::Fact(f), Slot::Code { bits, .. }) => {
                        let fact = &self.eng.cat.facts[f.idx()];
                        let code = match s.facts.get(f) {
                            Some(Value::Num(n)) => encode::number_code(fact, *n),
                            Some(Value::Enum(i)) => i + 1,
                            _ => 0,
                        };
                        set(&mut v, bits, code);
                    }
                    (Attr::Fact(f), Slot::Members { bits }) => {
                        let ms = match s.facts.get(f) {
                            Some(Value::Set(ms)) => ms.clone(),
                            _ => Vec::new(),
                        };
                        for (i, b) in bits.iter().enumerate() {
                            v.set_value(
                                biodivine_lib_bdd::BddVariable::from_index(*b as usize),
                                ms.contains(&(i as u32)),
                            );
                        }
                    }
                    _ => {}
                }
            }
            for r in &hs.relations {
                let (Some(Value::Num(x)), Some(Value::Num(y))) = (s.facts.get(&r.a), s.facts.get(&r.b)) else {
                    continue;
                };
                let fact = &self.eng.cat.facts[r.a.idx()];
                let (ca, cb) = (encode::number_code(fact, *x), encode::number_code(fact, *y));
                let code = if ca == cb && ca % 2 == 1 {
                    match x.cmp(y) {
                        std::cmp::Ordering::Less => 0,
                        std::cmp::Ordering::Equal => 1,
                        std::cmp::Ordering::Greater => 2,
                    }
                } else {
                    0
                };
                v.set_value(biodivine_lib_bdd::BddVariable::from_index(r.bits[0] as usize), code & 1 == 1);
                v.set_value(biodivine_lib_bdd::BddVariable::from_index(r.bits[1] as usize), code & 2 == 2);
            }
        }
        if !self.domain.eval_in(&v) {
            return None;
        }
        self.outcomes.iter().find(|(_, b)| b.eval_in(&v)).map(|(o, _)| *o)
    }
}

/// The budget ran out: the path's rules interact too much to decide within it.
#[derive(Clone, Debug)]
pub struct TooLarge {
    /// What was being evaluated: the step and rule.
    pub at: String,
    pub nodes: usize,
}

/// Runs `path` for every starting state; `extra` conditions (an article's scope) are tracked
/// too, so they can be asked afterwards with [`Run::on_start`].
pub fn run<'a>(cat: &'a Catalog, path: &MigrationPath, extra: &[&Cond], limit: usize) -> Result<Run<'a>, TooLarge> {
    let attrs = encode::tracked(cat, path, extra);
    let layout = Layout::new(cat, path, attrs);
    if layout.num_vars >= u16::MAX - 2 {
        return Err(TooLarge { at: "allocating the starting-state variables".into(), nodes: 0 });
    }
    let mut eng = Engine::new(cat, layout.num_vars, limit);
    let attrs = layout.attrs.clone();
    // Starting states.
    let mut hosts: Vec<SymHost> = Vec::new();
    let mut start: Vec<SymHost> = Vec::new();
    let mut slot = 0;
    for h in &path.hosts {
        if h.existing {
            let sh = eng.existing_host(&layout, slot, h.role);
            slot += 1;
            start.push(sh.clone());
            hosts.push(sh);
        } else {
            hosts.push(eng.new_host(h, &attrs));
        }
    }
    let source = 0;
    eng.context = "the starting states (`applies_to` and constraints)".into();
    let domain = domain(&mut eng, path, &layout, &start);
    let watched = eval::relevant_blockers(cat, path);
    let mut alive = domain.clone();
    let mut unsupported = eng.ff();
    let mut steps = Vec::with_capacity(path.steps.len());
    for (i, step) in path.steps.iter().enumerate() {
        eng.context = format!("step {} `{}`", i + 1, step.id);
        let mut info = StepInfo::default();
        let when = eng.cond(&step.when, &start[source]);
        let mut run = eng.and(&alive, &when);
        if let Some(h) = eval::if_host(path, step) {
            if step.if_ != Cond::True {
                let c = eng.cond(&step.if_, &hosts[h.idx()]);
                run = eng.and(&run, &c);
            }
        }
        if run.is_false() {
            steps.push(info);
            continue;
        }
        info.ran = Some(run.clone());
        let on = eval::rule_host(step);
        let before = on.map(|h| hosts[h.idx()].clone());
        let mut stop = eng.ff();
        let mut breaks: Vec<(BlockerIdx, Bdd)> = Vec::new();
        let mut effects: Vec<(EffectIdx, Bdd)> = Vec::new();
        if let (Some(h), false) = (&before, matches!(step.action, Action::Manual)) {
            let (bs, ps, es) = eval::candidate_rules(cat, &step.action);
            for p in ps {
                let pr = &cat.prerequisites[p.idx()];
                eng.context = format!("step {} `{}`, prerequisite `{}`", i + 1, step.id, pr.id);
                let m = eng.matches(&pr.for_, &step.action, step.via, h);
                if m.is_false() {
                    continue;
                }
                let w = eng.cond(&pr.when, h);
                let m = eng.and(&m, &w);
                let scope = eng.and(&run, &m);
                if scope.is_false() {
                    continue;
                }
                let req = eng.cond(&pr.requires, h);
                let unmet = eng.and_not(&scope, &req);
                info.in_scope.push((p, scope));
                if !unmet.is_false() {
                    stop = eng.or(&stop, &unmet);
                    info.stops.push((Stop::Prereq(p), unmet));
                }
            }
            for b in bs {
                let bl = &cat.blockers[b.idx()];
                eng.context = format!("step {} `{}`, blocker `{}`", i + 1, step.id, bl.id);
                let m = eng.matches(&bl.blocks, &step.action, step.via, h);
                if m.is_false() {
                    continue;
                }
                let w = eng.cond(&bl.when, h);
                let m = eng.and(&m, &w);
                let fire = eng.and(&run, &m);
                if fire.is_false() {
                    continue;
                }
                info.fires.push((b, fire.clone()));
                match bl.severity {
                    BlockerSeverity::Hard => {
                        stop = eng.or(&stop, &fire);
                        info.stops.push((Stop::Blocker(b), fire));
                    }
                    BlockerSeverity::Breaks => breaks.push((b, fire)),
                    BlockerSeverity::Unsupported => {
                        let x = eng.and_not(&fire, &stop);
                        unsupported = eng.or(&unsupported, &x);
                    }
                    BlockerSeverity::Warning => {}
                }
            }
            for e in es {
                let ef = &cat.effects[e.idx()];
                eng.context = format!("step {} `{}`, effect `{}`", i + 1, step.id, ef.id);
                let m = eng.matches(&ef.on, &step.action, step.via, h);
                if m.is_false() {
                    continue;
                }
                let w = eng.cond(&ef.when, h);
                let m = eng.and(&m, &w);
                let fire = eng.and(&run, &m);
                if !fire.is_false() {
                    effects.push((e, fire));
                }
            }
        }
        eng.context = format!("step {} `{}`", i + 1, step.id);
        // An action that cannot be done stops the path where no rule did.
        let not_stopped = eng.and_not(&run, &stop);
        let imp = eng.impossible(&step.action, &hosts, step.host.or(on));
        let imp = eng.and(&not_stopped, &imp);
        if !imp.is_false() {
            stop = eng.or(&stop, &imp);
            info.stops.push((Stop::Impossible, imp));
        }
        let go = eng.and_not(&run, &stop);
        alive = eng.and_not(&alive, &stop);
        if go.is_false() {
            steps.push(info);
            continue;
        }
        // Blockers whose condition this step may change: what it touches, or everything for a
        // clean install.
        let watch: Vec<(BlockerIdx, Bdd)> = match &before {
            Some(h) => {
                let changed = changed_attrs(cat, &step.action, &effects);
                watched
                    .iter()
                    .filter(|b| reads_any(cat, &cat.blockers[b.idx()].when, changed.as_deref()))
                    .map(|b| {
                        let w = eng.cond(&cat.blockers[b.idx()].when, h);
                        (*b, w)
                    })
                    .collect()
            }
            None => Vec::new(),
        };
        eng.apply(&step.action, &mut hosts, step.host.or(on), &go, &attrs);
        if let Some(h) = on {
            for (e, fire) in &effects {
                let ge = eng.and_not(fire, &stop);
                for a in &cat.effects[e.idx()].does {
                    // An effect does what it can; what it cannot do is not done.
                    let imp = eng.impossible(a, &hosts, Some(h));
                    let g = eng.and_not(&ge, &imp);
                    eng.apply(a, &mut hosts, Some(h), &g, &attrs);
                }
                info.effects.push((*e, ge));
            }
            for (b, fire) in &breaks {
                let gb = eng.and_not(fire, &stop);
                for c in &cat.blockers[b.idx()].breaks {
                    let p = eng.present(&hosts[h.idx()], *c);
                    let x = eng.and(&gb, &p);
                    if let Some(e) = hosts[h.idx()].comps.get(c).cloned() {
                        let mut e = e;
                        e.broken = eng.or(&e.broken, &x);
                        hosts[h.idx()].comps.insert(*c, e);
                    }
                }
            }
            for (b, was) in watch {
                let now = eng.cond(&cat.blockers[b.idx()].when, &hosts[h.idx()]);
                let gone = eng.and_not(&was, &now);
                let cleared = eng.and(&go, &gone);
                if !cleared.is_false() {
                    info.cleared.push((b, cleared));
                }
            }
        }
        steps.push(info);
    }
    eng.context = "the goals".into();
    // Goals, read at the end; `when` and `keeps` on the start.
    let mut goal_ok = eng.tt();
    for g in &path.goal {
        let applies = eng.cond(&g.when, &start[source]);
        let mut req = eng.cond(&g.require, &hosts[g.host.idx()]);
        for c in &g.keeps {
            let had = eng.present(&start[source], *c);
            let has = eng.present(&hosts[g.host.idx()], *c);
            let k = eng.imp(&had, &has);
            req = eng.and(&req, &k);
        }
        let ok = eng.imp(&applies, &req);
        goal_ok = eng.and(&goal_ok, &ok);
    }
    let mut any_broken = eng.ff();
    for h in &hosts {
        for c in h.comps.values() {
            let p = eng.nonzero(&c.code);
            let b = eng.and(&c.broken, &p);
            any_broken = eng.or(&any_broken, &b);
        }
    }
    let blocked = eng.and_not(&domain, &alive);
    let broken = eng.and(&alive, &any_broken);
    let fine = eng.and_not(&alive, &any_broken);
    let incomplete = eng.and_not(&fine, &goal_ok);
    let reached = eng.and(&fine, &goal_ok);
    let unsup = eng.and(&reached, &unsupported);
    let supported = eng.and_not(&reached, &unsupported);
    if let Some(at) = eng.blown.clone() {
        return Err(TooLarge { at, nodes: limit });
    }
    // Per-step sets kept within the domain (they already are: `alive` starts as the domain).
    let outcomes = vec![
        (Outcome::Supported, supported),
        (Outcome::Unsupported, unsup),
        (Outcome::Broken, broken),
        (Outcome::Blocked, blocked),
        (Outcome::Incomplete, incomplete),
    ];
    Ok(Run { eng, layout, domain, outcomes, steps, start, source })
}

/// What an action (and its effects) may change on its host; `None` for a clean install, which
/// may change anything.
fn changed_attrs(cat: &Catalog, action: &Action, effects: &[(EffectIdx, Bdd)]) -> Option<Vec<Attr>> {
    let mut out = Vec::new();
    let actions = std::iter::once(action).chain(effects.iter().flat_map(|(e, _)| cat.effects[e.idx()].does.iter()));
    for a in actions {
        for (c, _) in a.targets() {
            if cat.components[c.idx()].kind == ComponentKind::Os
                && matches!(a, Action::Install(_) | Action::Replace { .. })
            {
                return None;
            }
            let mut stack = vec![c];
            while let Some(x) = stack.pop() {
                out.push(Attr::Comp(x));
                stack.extend(cat.parts.get(x.idx()).into_iter().flatten());
            }
        }
        if let Some(f) = a.fact() {
            out.push(Attr::Fact(f));
        }
    }
    Some(out)
}

/// Does `c` read one of `attrs` (or a derived component, which anything may change)?
fn reads_any(cat: &Catalog, c: &Cond, attrs: Option<&[Attr]>) -> bool {
    let Some(attrs) = attrs else { return true };
    let mut read = Vec::new();
    c.attrs(cat, &mut read);
    read.iter().any(|a| attrs.contains(a) || matches!(a, Attr::Comp(x) if cat.components[x.idx()].derived.is_some()))
}

/// The real starting states: valid encodings, `part_of`, relations, the hosts' conditions and
/// every constraint on every existing host.
fn domain(eng: &mut Engine, path: &MigrationPath, layout: &Layout, start: &[SymHost]) -> Bdd {
    let mut d = eng.tt();
    let mut existing = 0;
    for h in path.hosts.iter() {
        if !h.existing {
            continue;
        }
        let own = if existing == 0 { &path.applies_to } else { &h.applies_to };
        let x = host_domain(eng, &layout.hosts[existing], &start[existing], own, Constraints::Bearing(&layout.attrs));
        d = eng.and(&d, &x);
        existing += 1;
    }
    d
}

/// Which constraints a domain takes in.
pub(super) enum Constraints<'a> {
    None,
    /// Those that bear on these tracked attributes.
    Bearing(&'a [Attr]),
}

/// One existing host's real starting states: valid codes, `part_of`, relation bits, `own`
/// and constraints.
pub(super) fn host_domain(
    eng: &mut Engine,
    hs: &encode::HostSlots,
    sh: &SymHost,
    own: &Cond,
    constraints: Constraints,
) -> Bdd {
    let cat = eng.cat;
    let mut d = eng.tt();
    for (a, slot) in &hs.slots {
        let valid = match (a, slot) {
            (Attr::Comp(c), Slot::Comp { bits, broken, domain }) => {
                let code: Vec<Bdd> = bits.iter().map(|b| eng.var(*b)).collect();
                let mut ok = eng.one_of(&code, 0..*domain);
                if let Some(b) = broken {
                    let bv = eng.var(*b);
                    let p = eng.nonzero(&code);
                    let x = eng.imp(&bv, &p);
                    ok = eng.and(&ok, &x);
                }
                if let Some(parent) = cat.components[c.idx()].part_of {
                    let p = eng.nonzero(&code);
                    let pp = eng.present(sh, parent);
                    let x = eng.imp(&p, &pp);
                    ok = eng.and(&ok, &x);
                }
                ok
            }
            (Attr::Fact(_), Slot::Code { bits, domain }) => {
                let code: Vec<Bdd> = bits.iter().map(|b| eng.var(*b)).collect();
                eng.one_of(&code, 1..*domain)
            }
            _ => eng.tt(),
        };
        d = eng.and(&d, &valid);
    }
    // Relation bits: free only where both facts fall in one open interval.
    for r in &hs.relations {
        let (Some(Slot::Code { bits: ba, domain }), Some(Slot::Code { bits: bb, .. })) =
            (hs.slots.get(&Attr::Fact(r.a)), hs.slots.get(&Attr::Fact(r.b)))
        else {
            continue;
        };
        let ca: Vec<Bdd> = ba.iter().map(|b| eng.var(*b)).collect();
        let cb: Vec<Bdd> = bb.iter().map(|b| eng.var(*b)).collect();
        let (r0, r1) = (eng.var(r.bits[0]), eng.var(r.bits[1]));
        let invalid = eng.and(&r0, &r1);
        let n0 = eng.not(&r0);
        let n1 = eng.not(&r1);
        let zero = eng.and(&n0, &n1);
        let mut same_open = eng.ff();
        for k in (1..*domain).filter(|k| k % 2 == 1) {
            let x = eng.eq(&ca, k);
            let y = eng.eq(&cb, k);
            let xy = eng.and(&x, &y);
            same_open = eng.or(&same_open, &xy);
        }
        let canonical = eng.or(&same_open, &zero);
        let ok = eng.and_not(&canonical, &invalid);
        d = eng.and(&d, &ok);
    }
    let c = eng.cond(own, sh);
    d = eng.and(&d, &c);
    // Constraints about attributes the path never observes say nothing about its states (those
    // attributes are free in real hosts, not absent): only the ones that bear on a tracked
    // attribute narrow the domain, and those brought all their attributes along.
    let tracked = match constraints {
        Constraints::None => return d,
        Constraints::Bearing(t) => t,
    };
    for k in cat.ties.bearing(tracked) {
        let c = eng.cond(&cat.constraints[k].require, sh);
        d = eng.and(&d, &c);
    }
    d
}

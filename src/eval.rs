//! The concrete evaluator: host state, the effect of actions, and the step-by-step simulation
//! of a path from given starting states. Pure: no I/O, no diagnostics. `plan`, the assistant,
//! the support matrix and the witness replays of `check` call these functions; the symbolic
//! engine (`verify`) decides the same semantics for every starting state at once, and a
//! property test holds the two to each other.
//!
//! Semantics, in one place (docs/authoring.md says the same for authors):
//!
//! - **Which state each condition reads.** A path's `applies_to`, a step's `when`, an outcome
//!   case's `when` and a goal's `when` read the first existing host as the path starts. A
//!   step's `if` reads the step's host (for a step without one, the first existing host) just
//!   before the step, after everything earlier steps did. A rule's `when` and a
//!   prerequisite's `requires` read the host the action runs on (for `move`, the destination)
//!   just before the action; so does an effect's `when`. A goal's `require` reads its host at
//!   the end. Constraints read every existing host at the start. A derived component follows
//!   its condition on its own host after every change.
//! - **A step.** Skipped if its `when` or `if` does not hold. Otherwise, before the action:
//!   every prerequisite whose pattern matches and whose `when` holds must have `requires` hold,
//!   and every blocker whose pattern matches and whose `when` holds fires. An unmet
//!   prerequisite or a `hard` blocker stops the path (`blocked`), every one of them reported;
//!   an action that cannot be done (upgrading what is not there, a part without its parent)
//!   stops it too. Then the action is applied, then the effects whose pattern matched and whose
//!   `when` held (in catalog order; an effect never stops a path and never triggers rules),
//!   then `breaks` blockers mark their components broken where present. `unsupported`
//!   blockers mark the result unsupported; warnings are recorded.
//! - **Patterns.** A verb matches itself; `any` matches every verb but `remove` (and `manual`);
//!   `install` patterns also match the new side of a `replace`, `remove` patterns its old side.
//!   A version range is checked against the version the action names, else the one present.
//!   A pattern with `via` matches only actions done by one of its methods.
//! - **Actions.** Installing an `os` component where another OS or another version is present
//!   is a clean install: everything that does not survive a reinstall goes (hardware and
//!   firmware stay, and whatever is declared `survives_reinstall`), facts that do not survive
//!   go back to their default. Installing what is there, removing what is not, and repairing
//!   what is not broken change nothing. Removing a component removes its parts. `upgrade`
//!   goes to a later version, `downgrade` to an earlier one; `repair` unbreaks; `replace`
//!   removes one component and installs another as one action; `set` changes a fact.
//! - **Outcome**, in this order: stopped → `blocked`; anything broken on any host → `broken`;
//!   a goal not met → `incomplete`; an `unsupported` blocker fired → `unsupported`; else
//!   `supported`.
//! - **Facts a host does not give** take the fact's `default`; without one they are unset,
//!   and every comparison with an unset fact is false.

use std::collections::{BTreeMap, BTreeSet};

use crate::expr::Verb;
use crate::model::*;

/// What is present on one host.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostState {
    /// Present components and their version (0 for unversioned ones).
    pub present: BTreeMap<CompIdx, Ver>,
    pub broken: BTreeSet<CompIdx>,
    pub facts: BTreeMap<FactIdx, Value>,
    /// The host's role in the path being simulated.
    pub role: Option<RoleIdx>,
}

impl HostView for HostState {
    fn version_of(&self, c: CompIdx) -> Option<Ver> {
        self.present.get(&c).copied()
    }
    fn is_broken(&self, c: CompIdx) -> bool {
        self.broken.contains(&c)
    }
    fn fact(&self, f: FactIdx) -> Option<&Value> {
        self.facts.get(&f)
    }
    fn role(&self) -> Option<RoleIdx> {
        self.role
    }
}

impl HostState {
    pub fn version_of(&self, c: CompIdx) -> Option<Ver> {
        self.present.get(&c).copied()
    }

    pub fn holds(&self, cat: &Catalog, cond: &Cond) -> bool {
        cond.holds(cat, self)
    }

    /// Puts a setting on the host.
    pub fn apply_setting(&mut self, s: &Setting) {
        match s {
            Setting::Comp(c, v) => {
                self.present.insert(*c, *v);
            }
            Setting::Fact(f, v) => {
                self.facts.insert(*f, v.clone());
            }
            Setting::Broken(c) => {
                self.broken.insert(*c);
            }
        }
    }

    /// Facts the host does not give take their default.
    pub fn fill_defaults(&mut self, cat: &Catalog) {
        for (i, f) in cat.facts.iter().enumerate() {
            if let Some(d) = &f.default {
                self.facts.entry(FactIdx(i as u32)).or_insert_with(|| d.clone());
            }
        }
    }

    /// `windows-server@2003, exchange-2007@sp1, ram = 8 GB` in catalog order.
    pub fn describe(&self, cat: &Catalog) -> String {
        if self.present.is_empty() && self.facts.is_empty() {
            return "an empty host".to_string();
        }
        let comps = self.present.iter().map(|(c, v)| {
            let label = cat.components[c.idx()].label(*v);
            if self.broken.contains(c) { format!("{label} (broken)") } else { label }
        });
        let facts = self.facts.iter().map(|(f, v)| {
            let fact = &cat.facts[f.idx()];
            format!("{} = {}", fact.id, fact.show(v))
        });
        comps.chain(facts).collect::<Vec<_>>().join(", ")
    }

    /// Recomputes derived components (in declaration order, twice so one derived component
    /// may depend on another declared later).
    pub fn settle(&mut self, cat: &Catalog) {
        for _ in 0..2 {
            for &c in &cat.derived {
                let Some(d) = &cat.components[c.idx()].derived else { continue };
                if d.holds(cat, self) {
                    self.present.entry(c).or_insert(0);
                } else {
                    self.present.remove(&c);
                    self.broken.remove(&c);
                }
            }
        }
    }

    fn remove_with_parts(&mut self, cat: &Catalog, c: CompIdx) {
        self.present.remove(&c);
        self.broken.remove(&c);
        for p in cat.parts.get(c.idx()).into_iter().flatten() {
            if self.present.contains_key(p) {
                self.remove_with_parts(cat, *p);
            }
        }
    }

    /// A clean install of the operating system: what does not survive a reinstall goes.
    fn wipe(&mut self, cat: &Catalog) {
        self.present.retain(|c, _| cat.components[c.idx()].survives_reinstall);
        let present = &self.present;
        self.broken.retain(|c| present.contains_key(c));
        self.facts.retain(|f, _| cat.facts[f.idx()].survives_reinstall);
        for (i, f) in cat.facts.iter().enumerate() {
            if !f.survives_reinstall {
                if let Some(d) = &f.default {
                    self.facts.insert(FactIdx(i as u32), d.clone());
                }
            }
        }
    }
}

/// One thing that happened during a simulation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The step's `when` does not hold for this starting state.
    Skipped {
        step: usize,
    },
    /// The step's `if` does not hold on its host at that point.
    SkippedIf {
        step: usize,
    },
    Applied {
        step: usize,
    },
    /// The action changed nothing (removing what is absent, installing what is there).
    NoOp {
        step: usize,
        why: String,
    },
    PrereqUnmet {
        step: usize,
        prereq: PrereqIdx,
        /// A later step (that applies to this state) which would have established it: the
        /// steps are in the wrong order.
        satisfied_later: Option<usize>,
    },
    Blocked {
        step: usize,
        blocker: BlockerIdx,
    },
    Broke {
        step: usize,
        blocker: BlockerIdx,
        comps: Vec<CompIdx>,
    },
    Unsupported {
        step: usize,
        blocker: BlockerIdx,
    },
    Warned {
        step: usize,
        blocker: BlockerIdx,
    },
    /// An effect happened along with the step's action.
    Effect {
        step: usize,
        effect: EffectIdx,
    },
    /// The action cannot be carried out in this state.
    Impossible {
        step: usize,
        why: String,
    },
}

impl Event {
    pub fn step(&self) -> usize {
        match self {
            Event::Skipped { step }
            | Event::SkippedIf { step }
            | Event::Applied { step }
            | Event::NoOp { step, .. }
            | Event::PrereqUnmet { step, .. }
            | Event::Blocked { step, .. }
            | Event::Broke { step, .. }
            | Event::Unsupported { step, .. }
            | Event::Warned { step, .. }
            | Event::Effect { step, .. }
            | Event::Impossible { step, .. } => *step,
        }
    }

    /// The rule this event is about, if any.
    pub fn rule(&self) -> Option<Ref> {
        match self {
            Event::PrereqUnmet { prereq, .. } => Some(Ref::Prerequisite(*prereq)),
            Event::Blocked { blocker, .. }
            | Event::Broke { blocker, .. }
            | Event::Unsupported { blocker, .. }
            | Event::Warned { blocker, .. } => Some(Ref::Blocker(*blocker)),
            Event::Effect { effect, .. } => Some(Ref::Effect(*effect)),
            _ => None,
        }
    }

    /// One line for a trace.
    pub fn describe(&self, cat: &Catalog, path: &MigrationPath) -> String {
        let step = |i: &usize| {
            let s = &path.steps[*i];
            format!("step {} `{}`", i + 1, s.id)
        };
        match self {
            Event::Skipped { step: i } => format!("{}: skipped (its `when` does not hold here)", step(i)),
            Event::SkippedIf { step: i } => format!("{}: skipped (its `if` does not hold at that point)", step(i)),
            Event::Applied { step: i } => {
                let s = &path.steps[*i];
                format!("{}: {}", step(i), s.action.describe(cat, &path.hosts))
            }
            Event::NoOp { step: i, why } => format!("{}: no change ({why})", step(i)),
            Event::PrereqUnmet { step: i, prereq, satisfied_later } => {
                let p = &cat.prerequisites[prereq.idx()];
                let mut s =
                    format!("{}: prerequisite `{}` not met: needs `{}`", step(i), p.id, p.requires.display(cat));
                if let Some(j) = satisfied_later {
                    s.push_str(&format!(", which only the later {} establishes", step(j)));
                }
                s
            }
            Event::Blocked { step: i, blocker } => {
                let b = &cat.blockers[blocker.idx()];
                format!("{}: hard blocker `{}`: {}", step(i), b.id, b.title)
            }
            Event::Broke { step: i, blocker, comps } => format!(
                "{}: `{}` breaks {}",
                step(i),
                cat.blockers[blocker.idx()].id,
                comps.iter().map(|c| format!("`{}`", cat.components[c.idx()].id)).collect::<Vec<_>>().join(", ")
            ),
            Event::Unsupported { step: i, blocker } => {
                format!("{}: `{}` makes the result unsupported", step(i), cat.blockers[blocker.idx()].id)
            }
            Event::Warned { step: i, blocker } => format!("{}: warning `{}`", step(i), cat.blockers[blocker.idx()].id),
            Event::Effect { step: i, effect } => {
                let e = &cat.effects[effect.idx()];
                let does: Vec<String> = e.does.iter().map(|a| a.describe(cat, &path.hosts)).collect();
                format!("{}: effect `{}`: {}", step(i), e.id, does.join(", "))
            }
            Event::Impossible { step: i, why } => format!("{}: impossible: {why}", step(i)),
        }
    }
}

/// The result of running a path from one starting state.
#[derive(Clone, Debug)]
pub struct Simulation {
    /// The first existing host's starting state (settled).
    pub start: HostState,
    pub outcome: Outcome,
    pub events: Vec<Event>,
    /// The step where a blocked path stopped.
    pub stopped_at: Option<usize>,
    /// Final state of every host (in `path.hosts` order).
    pub end: Vec<HostState>,
    /// Goal requirements that do not hold at the end, described.
    pub unmet_goals: Vec<String>,
    /// Watched blockers whose condition held before a step and no longer after it: the step
    /// cleared them (only filled by [`simulate_watching`]).
    pub cleared: Vec<(usize, BlockerIdx)>,
    /// `(step, prerequisite)`: prerequisites that applied to a step (their scope held), met or not.
    pub in_scope: Vec<(usize, PrereqIdx)>,
    /// The hosts before the first step and after every step (only filled by [`simulate_traced`]).
    pub snapshots: Vec<Vec<HostState>>,
}

impl Simulation {
    /// The events that decided the outcome (what stopped, broke or voided support).
    pub fn decisive(&self) -> Vec<&Event> {
        self.events
            .iter()
            .filter(|e| match self.outcome {
                Outcome::Blocked => {
                    matches!(e, Event::Blocked { .. } | Event::PrereqUnmet { .. } | Event::Impossible { .. })
                }
                Outcome::Broken => matches!(e, Event::Broke { .. }),
                Outcome::Unsupported => matches!(e, Event::Unsupported { .. }),
                _ => false,
            })
            .collect()
    }

    /// Steps that ran (neither their `when` nor their `if` failed), in order.
    pub fn applicable_steps(&self) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        for e in &self.events {
            if !matches!(e, Event::Skipped { .. } | Event::SkippedIf { .. }) && !out.contains(&e.step()) {
                out.push(e.step());
            }
        }
        out
    }
}

/// Which side of an action a pattern matched, and the version that side has.
fn side_version(action: &Action, c: CompIdx, state: &HostState) -> Option<Ver> {
    let named = action.targets().into_iter().find(|(x, _)| *x == c).and_then(|(_, v)| v);
    match action {
        Action::Replace { old, .. } if *old == c => state.version_of(c),
        _ => named.or_else(|| state.version_of(c)),
    }
}

/// Does `pattern` match `action`, done by `via`, on a host in `state`?
pub fn pattern_matches(pattern: &Pattern, action: &Action, via: Option<MethodIdx>, state: &HostState) -> bool {
    if !pattern.takes_method(via) {
        return false;
    }
    if let Action::Set(f, _) = action {
        return pattern.takes(Verb::Set) && pattern.facts.contains(f);
    }
    // The components this pattern may match on, per the verbs it takes (replace has sides).
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
        _ => return false,
    };
    pattern.targets.iter().any(|(pc, range)| {
        candidates.contains(pc)
            && match range {
                None => true,
                Some((lo, hi)) => side_version(action, *pc, state).is_some_and(|v| *lo <= v && v <= *hi),
            }
    })
}

/// The prerequisites, blockers and effects that concern an action on a host in `state`.
#[derive(Default)]
pub struct Verdict {
    /// Prerequisites whose pattern matches and whose scope holds, met or not.
    pub in_scope: Vec<PrereqIdx>,
    pub unmet: Vec<PrereqIdx>,
    pub hard: Vec<BlockerIdx>,
    pub breaks: Vec<BlockerIdx>,
    pub unsupported: Vec<BlockerIdx>,
    pub warnings: Vec<BlockerIdx>,
    pub effects: Vec<EffectIdx>,
}

/// The rules indexed under what an action touches: candidates to check, each once, in
/// catalog order.
pub fn candidate_rules(cat: &Catalog, action: &Action) -> (Vec<BlockerIdx>, Vec<PrereqIdx>, Vec<EffectIdx>) {
    let mut b: Vec<BlockerIdx> = Vec::new();
    let mut p: Vec<PrereqIdx> = Vec::new();
    let mut e: Vec<EffectIdx> = Vec::new();
    for (c, _) in action.targets() {
        b.extend(&cat.blockers_by_component[c.idx()]);
        p.extend(&cat.prereqs_by_component[c.idx()]);
        e.extend(&cat.effects_by_component[c.idx()]);
    }
    if let Some(f) = action.fact() {
        b.extend(&cat.blockers_by_fact[f.idx()]);
        p.extend(&cat.prereqs_by_fact[f.idx()]);
        e.extend(&cat.effects_by_fact[f.idx()]);
    }
    b.sort();
    b.dedup();
    p.sort();
    p.dedup();
    e.sort();
    e.dedup();
    (b, p, e)
}

/// Evaluates the rules for one action on one host, before the action.
pub fn judge(cat: &Catalog, action: &Action, via: Option<MethodIdx>, state: &HostState) -> Verdict {
    let mut v = Verdict::default();
    if matches!(action, Action::Manual) {
        return v;
    }
    let (blockers, prereqs, effects) = candidate_rules(cat, action);
    for p in prereqs {
        let pr = &cat.prerequisites[p.idx()];
        if pattern_matches(&pr.for_, action, via, state) && pr.when.holds(cat, state) {
            v.in_scope.push(p);
            if !pr.requires.holds(cat, state) {
                v.unmet.push(p);
            }
        }
    }
    for b in blockers {
        let bl = &cat.blockers[b.idx()];
        if pattern_matches(&bl.blocks, action, via, state) && bl.when.holds(cat, state) {
            match bl.severity {
                BlockerSeverity::Hard => v.hard.push(b),
                BlockerSeverity::Breaks => v.breaks.push(b),
                BlockerSeverity::Unsupported => v.unsupported.push(b),
                BlockerSeverity::Warning => v.warnings.push(b),
            }
        }
    }
    for e in effects {
        let ef = &cat.effects[e.idx()];
        if pattern_matches(&ef.on, action, via, state) && ef.when.holds(cat, state) {
            v.effects.push(e);
        }
    }
    v
}

/// Installs one component on a host (part of an install or a replace).
fn install_one(cat: &Catalog, h: &mut HostState, c: CompIdx, v: Ver, with: &[CompIdx]) -> Result<bool, String> {
    let comp = &cat.components[c.idx()];
    if let Some(parent) = comp.part_of {
        if h.version_of(parent).is_none() && !with.contains(&parent) {
            return Err(format!(
                "`{}` is part of `{}`, which is not installed",
                comp.id,
                cat.components[parent.idx()].id
            ));
        }
    }
    if h.version_of(c) == Some(v) {
        return Ok(false);
    }
    // A different OS, or another version of this one, is a clean install.
    if comp.kind == ComponentKind::Os
        && h.present.iter().any(|(x, xv)| cat.components[x.idx()].kind == ComponentKind::Os && (*x != c || *xv != v))
    {
        h.wipe(cat);
    }
    h.present.insert(c, v);
    h.broken.remove(&c);
    Ok(true)
}

/// Applies an action's effect. Returns why it cannot be done (and then changes nothing), or a
/// note when it is a no-op.
pub fn apply(
    cat: &Catalog,
    action: &Action,
    hosts: &mut [HostState],
    on: Option<HostIdx>,
) -> Result<Option<String>, String> {
    let saved: Vec<HostState> = hosts.to_vec();
    let result = apply_in_place(cat, action, hosts, on);
    if result.is_err() {
        hosts.clone_from_slice(&saved);
    }
    result
}

fn apply_in_place(
    cat: &Catalog,
    action: &Action,
    hosts: &mut [HostState],
    on: Option<HostIdx>,
) -> Result<Option<String>, String> {
    let comp = |c: &CompIdx| &cat.components[c.idx()];
    let host_of = |on: Option<HostIdx>| on.map(|h| h.idx()).ok_or_else(|| "the step names no host".to_string());
    let result = match action {
        Action::Manual => return Ok(None),
        Action::Install(items) => {
            let h = &mut hosts[host_of(on)?];
            let with: Vec<CompIdx> = items.iter().map(|(c, _)| *c).collect();
            let mut changed = false;
            for (c, v) in items {
                changed |= install_one(cat, h, *c, v.unwrap_or(0), &with)?;
            }
            Ok((!changed).then(|| "already installed".to_string()))
        }
        Action::Remove(items) => {
            let h = &mut hosts[host_of(on)?];
            let mut changed = false;
            for c in items {
                if h.version_of(*c).is_some() {
                    h.remove_with_parts(cat, *c);
                    changed = true;
                }
            }
            Ok((!changed).then(|| "not installed".to_string()))
        }
        Action::Upgrade(c, v) | Action::Downgrade(c, v) => {
            let up = matches!(action, Action::Upgrade(..));
            let h = &mut hosts[host_of(on)?];
            match h.version_of(*c) {
                None => Err(format!(
                    "`{}` is not installed, so it cannot be {}d",
                    comp(c).id,
                    if up { "upgrade" } else { "downgrade" }
                )),
                Some(cur) if up && cur >= *v => Err(format!(
                    "`{}` is already at `{}`; an upgrade must go to a later version",
                    comp(c).id,
                    comp(c).label(cur)
                )),
                Some(cur) if !up && cur <= *v => Err(format!(
                    "`{}` is at `{}`; a downgrade must go to an earlier version",
                    comp(c).id,
                    comp(c).label(cur)
                )),
                Some(_) => {
                    h.present.insert(*c, *v);
                    Ok(None)
                }
            }
        }
        Action::Repair(items) => {
            let h = &mut hosts[host_of(on)?];
            if let Some(c) = items.iter().find(|c| h.version_of(**c).is_none()) {
                return Err(format!("`{}` is not installed, so it cannot be repaired", comp(c).id));
            }
            let mut changed = false;
            for c in items {
                changed |= h.broken.remove(c);
            }
            Ok((!changed).then(|| "not broken".to_string()))
        }
        Action::Break(items) => {
            let h = &mut hosts[host_of(on)?];
            for c in items {
                if h.version_of(*c).is_some() {
                    h.broken.insert(*c);
                }
            }
            Ok(None)
        }
        Action::Replace { old, new, ver } => {
            let h = &mut hosts[host_of(on)?];
            if h.version_of(*old).is_none() {
                return Err(format!("`{}` is not installed, so it cannot be replaced", comp(old).id));
            }
            h.remove_with_parts(cat, *old);
            install_one(cat, h, *new, ver.unwrap_or(0), &[])?;
            Ok(None)
        }
        Action::Move { comps, from, to } => {
            for c in comps {
                if hosts[from.idx()].version_of(*c).is_none() {
                    return Err(format!("`{}` is not on the source host", comp(c).id));
                }
            }
            for c in comps {
                let v = hosts[from.idx()].present.remove(c).unwrap_or(0);
                let was_broken = hosts[from.idx()].broken.remove(c);
                hosts[to.idx()].present.insert(*c, v);
                if was_broken {
                    hosts[to.idx()].broken.insert(*c);
                }
            }
            hosts[from.idx()].settle(cat);
            hosts[to.idx()].settle(cat);
            return Ok(None);
        }
        Action::Set(f, op) => {
            let h = &mut hosts[host_of(on)?];
            let before = h.facts.get(f).cloned();
            match op {
                SetOp::Assign(v) => {
                    h.facts.insert(*f, v.clone());
                }
                SetOp::Add(m) => {
                    let mut ms = match h.facts.get(f) {
                        Some(Value::Set(ms)) => ms.clone(),
                        _ => Vec::new(),
                    };
                    if !ms.contains(m) {
                        ms.push(*m);
                        ms.sort();
                    }
                    h.facts.insert(*f, Value::Set(ms));
                }
                SetOp::Drop(m) => {
                    if let Some(Value::Set(ms)) = h.facts.get_mut(f) {
                        ms.retain(|x| x != m);
                    }
                }
            }
            let same = h.facts.get(f).cloned() == before;
            Ok(same.then(|| "already so".to_string()))
        }
    };
    if let Some(h) = on {
        hosts[h.idx()].settle(cat);
    }
    result
}

/// The host an action's rules are judged on.
pub fn rule_host(step: &Step) -> Option<HostIdx> {
    match &step.action {
        Action::Move { to, .. } => Some(*to),
        _ => step.host,
    }
}

/// The host a step's `if` reads: the rule host, else the first existing host.
pub fn if_host(path: &MigrationPath, step: &Step) -> Option<HostIdx> {
    rule_host(step).or_else(|| path.source_host())
}

/// The starting state of every host of a path: existing hosts from `starts` (in order; a
/// missing one takes the first's state), new hosts empty but for `starts_with` and defaults.
pub fn initial_hosts(cat: &Catalog, path: &MigrationPath, starts: &[HostState]) -> Vec<HostState> {
    let mut existing = starts.iter();
    let first = starts.first().cloned().unwrap_or_default();
    path.hosts
        .iter()
        .map(|h| {
            let mut s = if h.existing {
                existing.next().cloned().unwrap_or_else(|| first.clone())
            } else {
                let mut s = HostState::default();
                for x in &h.starts_with {
                    s.apply_setting(x);
                }
                s.fill_defaults(cat);
                s
            };
            s.role = h.role;
            s.settle(cat);
            s
        })
        .collect()
}

/// Runs `path` from `start` (the state of its first existing host; other existing hosts start
/// the same; new hosts start empty).
pub fn simulate(cat: &Catalog, path: &MigrationPath, start: &HostState) -> Simulation {
    simulate_hosts(cat, path, std::slice::from_ref(start), &[])
}

/// The blockers a path's actions can trigger: the ones worth watching for "cleared by".
pub fn relevant_blockers(cat: &Catalog, path: &MigrationPath) -> Vec<BlockerIdx> {
    let mut out: Vec<BlockerIdx> = Vec::new();
    for s in &path.steps {
        let (bs, _, _) = candidate_rules(cat, &s.action);
        for b in bs {
            let blocks = &cat.blockers[b.idx()].blocks;
            if blocks.may_match(&s.action) && blocks.takes_method(s.via) && !out.contains(&b) {
                out.push(b);
            }
        }
    }
    out.sort();
    out
}

/// [`simulate`], also recording which of `watch` each step clears.
pub fn simulate_watching(cat: &Catalog, path: &MigrationPath, start: &HostState, watch: &[BlockerIdx]) -> Simulation {
    simulate_hosts(cat, path, std::slice::from_ref(start), watch)
}

/// The simulation itself, from the starting states of the existing hosts.
pub fn simulate_hosts(cat: &Catalog, path: &MigrationPath, starts: &[HostState], watch: &[BlockerIdx]) -> Simulation {
    run(cat, path, starts, watch, false)
}

/// [`simulate_hosts`], keeping the hosts' state after every step (to find which step caused a
/// later failure).
pub fn simulate_traced(cat: &Catalog, path: &MigrationPath, starts: &[HostState]) -> Simulation {
    run(cat, path, starts, &[], true)
}

fn run(cat: &Catalog, path: &MigrationPath, starts: &[HostState], watch: &[BlockerIdx], trace: bool) -> Simulation {
    let mut hosts = initial_hosts(cat, path, starts);
    let mut snapshots = Vec::new();
    if trace {
        snapshots.push(hosts.clone());
    }
    let source = path.source_host().unwrap_or(HostIdx(0));
    let start = hosts.get(source.idx()).cloned().unwrap_or_default();
    let mut events = Vec::new();
    let mut stopped_at = None;
    let mut unsupported = false;
    let mut cleared = Vec::new();
    let mut in_scope = Vec::new();
    for (i, step) in path.steps.iter().enumerate() {
        if trace && i > 0 {
            snapshots.push(hosts.clone());
        }
        if !step.when.holds(cat, &start) {
            events.push(Event::Skipped { step: i });
            continue;
        }
        if let Some(h) = if_host(path, step) {
            if !step.if_.holds(cat, &hosts[h.idx()]) {
                events.push(Event::SkippedIf { step: i });
                continue;
            }
        }
        let on = rule_host(step);
        let verdict = match on {
            Some(h) => judge(cat, &step.action, step.via, &hosts[h.idx()]),
            None => Verdict::default(),
        };
        in_scope.extend(verdict.in_scope.iter().map(|p| (i, *p)));
        let mut stop = false;
        for p in &verdict.unmet {
            let satisfied_later = later_step_establishing(cat, path, &start, i, &cat.prerequisites[p.idx()].requires);
            events.push(Event::PrereqUnmet { step: i, prereq: *p, satisfied_later });
            stop = true;
        }
        for b in &verdict.hard {
            events.push(Event::Blocked { step: i, blocker: *b });
            stop = true;
        }
        for b in &verdict.warnings {
            events.push(Event::Warned { step: i, blocker: *b });
        }
        if stop {
            stopped_at = Some(i);
            break;
        }
        let watched_before: Vec<bool> = match on {
            Some(h) if !watch.is_empty() => {
                watch.iter().map(|b| cat.blockers[b.idx()].when.holds(cat, &hosts[h.idx()])).collect()
            }
            _ => Vec::new(),
        };
        match apply(cat, &step.action, &mut hosts, step.host.or(on)) {
            Err(why) => {
                events.push(Event::Impossible { step: i, why });
                stopped_at = Some(i);
                break;
            }
            Ok(Some(why)) => events.push(Event::NoOp { step: i, why }),
            Ok(None) => events.push(Event::Applied { step: i }),
        }
        if let Some(h) = on {
            for e in &verdict.effects {
                for a in &cat.effects[e.idx()].does {
                    // An effect never stops a path: what cannot be done is simply not done.
                    let _ = apply(cat, a, &mut hosts, Some(h));
                }
                events.push(Event::Effect { step: i, effect: *e });
            }
            for b in &verdict.breaks {
                let host = &mut hosts[h.idx()];
                let comps: Vec<CompIdx> =
                    cat.blockers[b.idx()].breaks.iter().copied().filter(|c| host.version_of(*c).is_some()).collect();
                host.broken.extend(comps.iter().copied());
                events.push(Event::Broke { step: i, blocker: *b, comps });
            }
            for (b, before) in watch.iter().zip(&watched_before) {
                if *before && !cat.blockers[b.idx()].when.holds(cat, &hosts[h.idx()]) {
                    cleared.push((i, *b));
                }
            }
        }
        for b in &verdict.unsupported {
            events.push(Event::Unsupported { step: i, blocker: *b });
            unsupported = true;
        }
    }
    let unmet_goals = if stopped_at.is_none() { unmet_goals(cat, path, &start, &hosts) } else { Vec::new() };
    let outcome = if stopped_at.is_some() {
        Outcome::Blocked
    } else if hosts.iter().any(|h| h.broken.iter().any(|c| h.present.contains_key(c))) {
        Outcome::Broken
    } else if !unmet_goals.is_empty() {
        Outcome::Incomplete
    } else if unsupported {
        Outcome::Unsupported
    } else {
        Outcome::Supported
    };
    Simulation { start, outcome, events, stopped_at, end: hosts, unmet_goals, cleared, in_scope, snapshots }
}

/// The first later step (applicable to `start`) whose action installs or upgrades a component
/// that `requires` asks for.
fn later_step_establishing(
    cat: &Catalog,
    path: &MigrationPath,
    start: &HostState,
    after: usize,
    requires: &Cond,
) -> Option<usize> {
    let mut wanted = Vec::new();
    requires.required_components(cat, &mut wanted);
    path.steps.iter().enumerate().skip(after + 1).find_map(|(j, s)| {
        if !s.when.holds(cat, start) {
            return None;
        }
        let provides = match &s.action {
            Action::Install(items) => items.iter().any(|(c, _)| wanted.contains(c)),
            Action::Upgrade(c, _) | Action::Downgrade(c, _) => wanted.contains(c),
            Action::Replace { new, .. } => wanted.contains(new),
            Action::Move { comps, .. } => comps.iter().any(|c| wanted.contains(c)),
            _ => false,
        };
        provides.then_some(j)
    })
}

fn unmet_goals(cat: &Catalog, path: &MigrationPath, start: &HostState, hosts: &[HostState]) -> Vec<String> {
    let mut out = Vec::new();
    for g in &path.goal {
        if !g.when.holds(cat, start) {
            continue;
        }
        let host = &hosts[g.host.idx()];
        let hid = &path.hosts[g.host.idx()].id;
        if !g.require.holds(cat, host) {
            out.push(format!("`{hid}` should have `{}` but has {}", g.require.display(cat), host.describe(cat)));
        }
        for c in &g.keeps {
            if start.version_of(*c).is_some() && host.version_of(*c).is_none() {
                out.push(format!(
                    "`{hid}` should keep `{}`, which the existing host had, but it is gone",
                    cat.components[c.idx()].id
                ));
            }
        }
    }
    out
}

/// A real host: every constraint holds and no part is present without its parent.
pub fn admissible(cat: &Catalog, state: &HostState) -> bool {
    state.present.keys().all(|c| match cat.components[c.idx()].part_of {
        Some(p) => state.version_of(p).is_some(),
        None => true,
    }) && cat.constraints.iter().all(|k| k.require.holds(cat, state))
}

/// The constraints a state violates (for `plan`, which takes states from users).
pub fn violated_constraints<'a>(cat: &'a Catalog, state: &HostState) -> Vec<&'a Constraint> {
    cat.constraints.iter().filter(|k| !k.require.holds(cat, state)).collect()
}

/// A support matrix cell: what happens to one host in one situation, with every rule that
/// decides it. Prerequisites of an action are reported, not treated as blocking: they can be
/// met first.
#[derive(Clone, Debug, Default)]
pub struct Cell {
    /// `None` when no real host is in the cell (the constraints rule it out) or the path does
    /// not apply to it; `note` says which.
    pub outcome: Option<Outcome>,
    pub note: Option<String>,
    /// Every rule that decided it, the strongest first: hard blockers and unmet prerequisites
    /// that stopped a path, then what broke, then what left it unsupported.
    pub decided_by: Vec<Ref>,
    /// Prerequisites an action needs that the host does not meet yet.
    pub prerequisites: Vec<PrereqIdx>,
    pub warnings: Vec<BlockerIdx>,
    /// Blockers a path that works deals with on the way: cleared before they fire, or broke
    /// something that a later step repaired.
    pub handled: Vec<BlockerIdx>,
    /// No real host is in the cell: the catalog's constraints rule out its state.
    pub impossible: bool,
}

impl Cell {
    fn impossible(cat: &Catalog, host: &HostState) -> Option<Cell> {
        if admissible(cat, host) {
            return None;
        }
        let why = violated_constraints(cat, host)
            .first()
            .map_or_else(|| "a part without its parent".to_string(), |k| k.why.clone());
        Some(Cell { note: Some(format!("No such host: {why}")), impossible: true, ..Cell::default() })
    }
}

/// The host of a `component` × `platform` matrix: `with`, the platform's version, and what
/// the constraints say every such host has.
fn versions_host(platform: CompIdx, w: Ver, with: &[Setting]) -> HostState {
    let mut host = HostState::default();
    for s in with {
        host.apply_setting(s);
    }
    host.present.insert(platform, w);
    host
}

/// Installing `component@v` on a host that runs `platform@w` and has `with`.
pub fn matrix_cell(cat: &Catalog, component: CompIdx, v: Ver, platform: CompIdx, w: Ver, with: &[Setting]) -> Cell {
    let mut host = versions_host(platform, w, with);
    complete(cat, &mut host);
    Cell::impossible(cat, &host).unwrap_or_else(|| {
        let version = cat.components[component.idx()].is_versioned().then_some(v);
        action_cell(cat, &Action::Install(vec![(component, version)]), None, &host)
    })
}

/// `platform` goes from the version before `w` to `w` on a host where `component@v` is
/// installed (and `with` holds).
pub fn upgrade_cell(cat: &Catalog, component: CompIdx, v: Ver, platform: CompIdx, w: Ver, with: &[Setting]) -> Cell {
    let mut host = versions_host(platform, w.saturating_sub(1), with);
    host.present.insert(component, v);
    complete(cat, &mut host);
    Cell::impossible(cat, &host).unwrap_or_else(|| action_cell(cat, &Action::Upgrade(platform, w), None, &host))
}

/// An explicit cell: the row's starting state, the column's path or action.
pub fn explicit_cell(cat: &Catalog, row: &MatrixRow, column: &MatrixColumn) -> Cell {
    let mut host = HostState::default();
    for s in &row.has {
        host.apply_setting(s);
    }
    host.settle(cat);
    if let Some(c) = Cell::impossible(cat, &host) {
        return c;
    }
    match &column.does {
        ColumnDoes::Action(a, via) => action_cell(cat, a, *via, &host),
        ColumnDoes::Path(p) => {
            let path = &cat.paths[p.idx()];
            if !path.applies_to.holds(cat, &host) {
                let note = format!("The path is only for hosts with {}", path.applies_to.display(cat));
                return Cell { note: Some(note), ..Cell::default() };
            }
            path_cell(cat, path, &host)
        }
    }
}

fn path_cell(cat: &Catalog, path: &MigrationPath, host: &HostState) -> Cell {
    let sim = simulate_watching(cat, path, host, &relevant_blockers(cat, path));
    let mut cell = Cell { outcome: Some(sim.outcome), ..Cell::default() };
    if sim.outcome == Outcome::Supported {
        for (step, b) in &sim.cleared {
            let fired_here = sim.events.iter().any(|e| {
                e.step() == *step
                    && matches!(e, Event::Warned { blocker, .. } | Event::Broke { blocker, .. }
                        | Event::Unsupported { blocker, .. } | Event::Blocked { blocker, .. } if blocker == b)
            });
            if !fired_here && !cell.handled.contains(b) {
                cell.handled.push(*b);
            }
        }
    }
    let push = |r: Ref, rank: u8, list: &mut Vec<(u8, Ref)>| {
        if !list.iter().any(|(_, x)| *x == r) {
            list.push((rank, r));
        }
    };
    let mut ranked = Vec::new();
    for e in &sim.events {
        match e {
            Event::Blocked { blocker, .. } => push(Ref::Blocker(*blocker), 0, &mut ranked),
            Event::PrereqUnmet { prereq, .. } => push(Ref::Prerequisite(*prereq), 0, &mut ranked),
            Event::Broke { blocker, .. } if sim.outcome == Outcome::Broken => {
                push(Ref::Blocker(*blocker), 1, &mut ranked)
            }
            Event::Broke { blocker, .. } if sim.outcome == Outcome::Supported && !cell.handled.contains(blocker) => {
                cell.handled.push(*blocker)
            }
            Event::Unsupported { blocker, .. } => push(Ref::Blocker(*blocker), 2, &mut ranked),
            Event::Warned { blocker, .. } if !cell.warnings.contains(blocker) => cell.warnings.push(*blocker),
            Event::Impossible { why, .. } => cell.note = Some(why.clone()),
            _ => {}
        }
    }
    ranked.sort_by_key(|(rank, _)| *rank);
    cell.decided_by = ranked.into_iter().map(|(_, r)| r).collect();
    if sim.outcome == Outcome::Incomplete && !sim.unmet_goals.is_empty() {
        cell.note = Some(sim.unmet_goals.join("; "));
    }
    cell
}

/// Adds what the catalog's constraints say a real host must have (e.g. every Exchange 2007
/// server has PowerShell): for each violated constraint, the first component under an even
/// number of `not`s whose addition satisfies it without breaking another. Greedy and bounded;
/// what it cannot satisfy stays as it is.
pub fn complete(cat: &Catalog, host: &mut HostState) {
    host.settle(cat);
    for _ in 0..32 {
        let violated = |h: &HostState| cat.constraints.iter().filter(|k| !k.require.holds(cat, h)).count();
        let before = violated(host);
        let Some(k) = cat.constraints.iter().find(|k| !k.require.holds(cat, host)) else { return };
        let mut candidates = Vec::new();
        k.require.positive_components(cat, &mut candidates);
        let fix = candidates.into_iter().filter(|c| host.version_of(*c).is_none()).find_map(|c| {
            let mut trial = host.clone();
            trial.present.insert(c, cat.components[c.idx()].max_ver());
            trial.settle(cat);
            (k.require.holds(cat, &trial) && violated(&trial) < before).then_some(trial)
        });
        match fix {
            Some(t) => *host = t,
            None => return,
        }
    }
}

fn action_cell(cat: &Catalog, action: &Action, via: Option<MethodIdx>, host: &HostState) -> Cell {
    let verdict = judge(cat, action, via, host);
    let outcome = if !verdict.hard.is_empty() {
        Outcome::Blocked
    } else if !verdict.breaks.is_empty() {
        Outcome::Broken
    } else if !verdict.unsupported.is_empty() {
        Outcome::Unsupported
    } else {
        Outcome::Supported
    };
    let decided_by =
        verdict.hard.iter().chain(&verdict.breaks).chain(&verdict.unsupported).map(|b| Ref::Blocker(*b)).collect();
    Cell {
        outcome: Some(outcome),
        note: None,
        decided_by,
        prerequisites: verdict.unmet,
        warnings: verdict.warnings,
        handled: Vec::new(),
        impossible: false,
    }
}

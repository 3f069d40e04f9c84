//! The evaluator: host state, the effect of actions, and the step-by-step simulation of a path
//! against blockers and prerequisites. Pure: no I/O, no diagnostics. `check`, `plan`, the
//! support matrix and the site's assistant all call these functions, so there is one set of
//! semantics.
//!
//! Semantics, in one place:
//! - Before a step's action, on the host it runs on (the destination for `move`): every
//!   prerequisite whose pattern matches and whose `when` holds must have `requires` hold; every
//!   blocker whose pattern matches and whose `when` holds fires.
//! - A hard blocker, an unmet prerequisite or an impossible action (upgrading what is not
//!   there, installing a part without its parent) stops the path: `blocked`.
//! - `breaks` blockers mark their components broken after the action; `unsupported` ones mark
//!   the result unsupported; warnings are recorded.
//! - Installing a different version of an `os` component is a clean install: the host loses
//!   everything else. Removing a component removes its parts. Derived components follow their
//!   condition after every action.
//! - At the end: anything broken → `broken`; else goal unmet → `incomplete`; else any
//!   `unsupported` → `unsupported`; else `supported`.

use std::collections::{BTreeMap, BTreeSet};

use crate::expr::Verb;
use crate::model::*;

/// What is present on one host.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostState {
    /// Present components and their version (0 for unversioned ones).
    pub present: BTreeMap<CompIdx, Ver>,
    pub broken: BTreeSet<CompIdx>,
}

impl HostState {
    pub fn version_of(&self, c: CompIdx) -> Option<Ver> {
        self.present.get(&c).copied()
    }

    pub fn holds(&self, cond: &Cond) -> bool {
        cond.eval(&|c| self.version_of(c))
    }

    /// `windows-server@2003, exchange-2007@sp1, mailbox` in catalog order.
    pub fn describe(&self, cat: &Catalog) -> String {
        if self.present.is_empty() {
            return "an empty host".to_string();
        }
        self.present
            .iter()
            .map(|(c, v)| {
                let label = cat.components[c.idx()].label(*v);
                if self.broken.contains(c) { format!("{label} (broken)") } else { label }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Recomputes derived components (in declaration order, twice so one derived component
    /// may depend on another declared later).
    pub fn settle(&mut self, cat: &Catalog) {
        for _ in 0..2 {
            for &c in &cat.derived {
                let Some(d) = &cat.components[c.idx()].derived else { continue };
                if self.holds(d) {
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
        let parts: Vec<CompIdx> =
            self.present.keys().copied().filter(|p| cat.components[p.idx()].part_of == Some(c)).collect();
        for p in parts {
            self.remove_with_parts(cat, p);
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
            | Event::Applied { step }
            | Event::NoOp { step, .. }
            | Event::PrereqUnmet { step, .. }
            | Event::Blocked { step, .. }
            | Event::Broke { step, .. }
            | Event::Unsupported { step, .. }
            | Event::Warned { step, .. }
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
                format!(
                    "{}: hard blocker `{}`: {}",
                    step(i),
                    cat.blockers[blocker.idx()].id,
                    cat.blockers[blocker.idx()].title
                )
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
            Event::Impossible { step: i, why } => format!("{}: impossible: {why}", step(i)),
        }
    }
}

/// The result of running a path from one starting state.
#[derive(Clone, Debug)]
pub struct Simulation {
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

    /// Steps that ran (their `when` held), in order.
    pub fn applicable_steps(&self) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        for e in &self.events {
            if !matches!(e, Event::Skipped { .. }) && !out.contains(&e.step()) {
                out.push(e.step());
            }
        }
        out
    }
}

/// Does `pattern` match `action` run on a host in `state`?
pub fn pattern_matches(pattern: &Pattern, action: &Action, state: &HostState) -> bool {
    if pattern.verb != Verb::Any && pattern.verb != action.verb() {
        return false;
    }
    let targets = action.targets();
    pattern.targets.iter().any(|(pc, range)| {
        targets.iter().any(|(ac, av)| {
            if pc != ac {
                return false;
            }
            match range {
                None => true,
                Some((lo, hi)) => av.or_else(|| state.version_of(*ac)).is_some_and(|v| *lo <= v && v <= *hi),
            }
        })
    })
}

/// The prerequisites and blockers that concern an action on a host in `state`.
#[derive(Default)]
pub struct Verdict {
    /// Prerequisites whose pattern matches and whose scope holds, met or not.
    pub in_scope: Vec<PrereqIdx>,
    pub unmet: Vec<PrereqIdx>,
    pub hard: Vec<BlockerIdx>,
    pub breaks: Vec<BlockerIdx>,
    pub unsupported: Vec<BlockerIdx>,
    pub warnings: Vec<BlockerIdx>,
}

/// Evaluates the rules for one action on one host, before the action.
pub fn judge(cat: &Catalog, action: &Action, state: &HostState) -> Verdict {
    let mut v = Verdict::default();
    let mut seen_p = BTreeSet::new();
    let mut seen_b = BTreeSet::new();
    for (c, _) in action.targets() {
        for &p in &cat.prereqs_by_component[c.idx()] {
            if !seen_p.insert(p) {
                continue;
            }
            let pr = &cat.prerequisites[p.idx()];
            if pattern_matches(&pr.for_, action, state) && state.holds(&pr.when) {
                v.in_scope.push(p);
                if !state.holds(&pr.requires) {
                    v.unmet.push(p);
                }
            }
        }
        for &b in &cat.blockers_by_component[c.idx()] {
            if !seen_b.insert(b) {
                continue;
            }
            let bl = &cat.blockers[b.idx()];
            if pattern_matches(&bl.blocks, action, state) && state.holds(&bl.when) {
                match bl.severity {
                    BlockerSeverity::Hard => v.hard.push(b),
                    BlockerSeverity::Breaks => v.breaks.push(b),
                    BlockerSeverity::Unsupported => v.unsupported.push(b),
                    BlockerSeverity::Warning => v.warnings.push(b),
                }
            }
        }
    }
    v
}

/// Applies an action's effect. Returns why it cannot be done, or a note when it is a no-op.
pub fn apply(
    cat: &Catalog,
    action: &Action,
    hosts: &mut [HostState],
    on: Option<HostIdx>,
) -> Result<Option<String>, String> {
    let comp = |c: &CompIdx| &cat.components[c.idx()];
    match action {
        Action::Manual => Ok(None),
        Action::Install(items) => {
            let h = &mut hosts[on.ok_or("no host")?.idx()];
            let mut changed = false;
            for (c, v) in items {
                let v = v.unwrap_or(0);
                let kind = comp(c).kind;
                // Parts installed in the same action as their parent are fine.
                if let Some(parent) = comp(c).part_of {
                    if h.version_of(parent).is_none() && !items.iter().any(|(x, _)| *x == parent) {
                        return Err(format!(
                            "`{}` is part of `{}`, which is not installed",
                            comp(c).id,
                            comp(&parent).id
                        ));
                    }
                }
                match h.version_of(*c) {
                    Some(cur) if cur == v => continue,
                    Some(_) if kind == ComponentKind::Os => {
                        // A clean install of another OS version wipes the host.
                        h.present.clear();
                        h.broken.clear();
                    }
                    _ => {}
                }
                h.present.insert(*c, v);
                h.broken.remove(c);
                changed = true;
            }
            h.settle(cat);
            Ok((!changed).then(|| "already installed".to_string()))
        }
        Action::Remove(items) => {
            let h = &mut hosts[on.ok_or("no host")?.idx()];
            let mut changed = false;
            for c in items {
                if h.version_of(*c).is_some() {
                    h.remove_with_parts(cat, *c);
                    changed = true;
                }
            }
            h.settle(cat);
            Ok((!changed).then(|| "not installed".to_string()))
        }
        Action::Upgrade(c, v) => {
            let h = &mut hosts[on.ok_or("no host")?.idx()];
            match h.version_of(*c) {
                None => Err(format!("`{}` is not installed, so it cannot be upgraded", comp(c).id)),
                Some(cur) if cur >= *v => Err(format!(
                    "`{}` is already at `{}`; an upgrade must go to a later version",
                    comp(c).id,
                    comp(c).label(cur)
                )),
                Some(_) => {
                    h.present.insert(*c, *v);
                    h.settle(cat);
                    Ok(None)
                }
            }
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
            Ok(None)
        }
    }
}

/// The host an action's rules are judged on.
fn rule_host(step: &Step) -> Option<HostIdx> {
    match &step.action {
        Action::Move { to, .. } => Some(*to),
        _ => step.host,
    }
}

/// Runs `path` from `start` (the state of its existing host; other hosts start empty).
pub fn simulate(cat: &Catalog, path: &MigrationPath, start: &HostState) -> Simulation {
    simulate_watching(cat, path, start, &[])
}

/// The blockers a path's actions can trigger: the ones worth watching for "cleared by".
pub fn relevant_blockers(cat: &Catalog, path: &MigrationPath) -> Vec<BlockerIdx> {
    let mut out: Vec<BlockerIdx> = Vec::new();
    for s in &path.steps {
        for (c, _) in s.action.targets() {
            for b in &cat.blockers_by_component[c.idx()] {
                let v = cat.blockers[b.idx()].blocks.verb;
                if (v == Verb::Any || v == s.action.verb()) && !out.contains(b) {
                    out.push(*b);
                }
            }
        }
    }
    out
}

/// [`simulate`], also recording which of `watch` each step clears.
pub fn simulate_watching(cat: &Catalog, path: &MigrationPath, start: &HostState, watch: &[BlockerIdx]) -> Simulation {
    let source = path.source_host();
    let mut hosts = vec![HostState::default(); path.hosts.len()];
    let mut start = start.clone();
    start.settle(cat);
    if let Some(s) = source {
        hosts[s.idx()] = start.clone();
    }
    let mut events = Vec::new();
    let mut stopped_at = None;
    let mut unsupported = false;
    let mut cleared = Vec::new();
    let mut in_scope = Vec::new();
    for (i, step) in path.steps.iter().enumerate() {
        if !start.holds(&step.when) {
            events.push(Event::Skipped { step: i });
            continue;
        }
        let on = rule_host(step);
        let verdict = match on {
            Some(h) if step.action != Action::Manual => judge(cat, &step.action, &hosts[h.idx()]),
            _ => Verdict::default(),
        };
        in_scope.extend(verdict.in_scope.iter().map(|p| (i, *p)));
        let mut stop = false;
        for p in &verdict.unmet {
            let satisfied_later = later_step_establishing(path, &start, i, &cat.prerequisites[p.idx()].requires);
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
                watch.iter().map(|b| hosts[h.idx()].holds(&cat.blockers[b.idx()].when)).collect()
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
            for (b, before) in watch.iter().zip(&watched_before) {
                if *before && !hosts[h.idx()].holds(&cat.blockers[b.idx()].when) {
                    cleared.push((i, *b));
                }
            }
        }
        if let Some(h) = on {
            for b in &verdict.breaks {
                let host = &mut hosts[h.idx()];
                let comps: Vec<CompIdx> =
                    cat.blockers[b.idx()].breaks.iter().copied().filter(|c| host.version_of(*c).is_some()).collect();
                host.broken.extend(comps.iter().copied());
                events.push(Event::Broke { step: i, blocker: *b, comps });
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
    } else if hosts.iter().any(|h| !h.broken.is_empty()) {
        Outcome::Broken
    } else if !unmet_goals.is_empty() {
        Outcome::Incomplete
    } else if unsupported {
        Outcome::Unsupported
    } else {
        Outcome::Supported
    };
    Simulation { start, outcome, events, stopped_at, end: hosts, unmet_goals, cleared, in_scope }
}

/// The first later step (applicable to `start`) whose action installs or upgrades a component
/// that `requires` asks for.
fn later_step_establishing(path: &MigrationPath, start: &HostState, after: usize, requires: &Cond) -> Option<usize> {
    let mut wanted = Vec::new();
    requires.required_components(&mut wanted);
    path.steps.iter().enumerate().skip(after + 1).find_map(|(j, s)| {
        if !start.holds(&s.when) {
            return None;
        }
        let provides = match &s.action {
            Action::Install(items) => items.iter().any(|(c, _)| wanted.contains(c)),
            Action::Upgrade(c, _) => wanted.contains(c),
            Action::Move { comps, .. } => comps.iter().any(|c| wanted.contains(c)),
            _ => false,
        };
        provides.then_some(j)
    })
}

fn unmet_goals(cat: &Catalog, path: &MigrationPath, start: &HostState, hosts: &[HostState]) -> Vec<String> {
    let mut out = Vec::new();
    for g in &path.goal {
        if !start.holds(&g.when) {
            continue;
        }
        let host = &hosts[g.host.idx()];
        let hid = &path.hosts[g.host.idx()].id;
        if !host.holds(&g.require) {
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

/// Why starting states could not be enumerated.
#[derive(Clone, Debug)]
pub struct TooLarge {
    pub count: u128,
    /// The components enumerated and the size of each one's domain, largest first.
    pub components: Vec<(CompIdx, usize)>,
}

/// Components whose presence can change what a path does, for enumerating its starting states.
pub fn relevant_components(cat: &Catalog, path: &MigrationPath, extra: Option<&Cond>) -> Vec<CompIdx> {
    let mut out = Vec::new();
    path.applies_to.components(&mut out);
    for c in &path.outcome {
        c.when.components(&mut out);
    }
    for s in &path.steps {
        s.when.components(&mut out);
    }
    for g in &path.goal {
        g.when.components(&mut out);
        for k in &g.keeps {
            if !out.contains(k) {
                out.push(*k);
            }
        }
    }
    if let Some(e) = extra {
        e.components(&mut out);
    }
    // The scope conditions of every rule the path's actions can trigger. (Not `requires`:
    // a path must establish its prerequisites itself rather than rely on luck.)
    for s in &path.steps {
        for (c, _) in s.action.targets() {
            for b in &cat.blockers_by_component[c.idx()] {
                let bl = &cat.blockers[b.idx()];
                if bl.blocks.verb == Verb::Any || bl.blocks.verb == s.action.verb() {
                    bl.when.components(&mut out);
                }
            }
            for p in &cat.prereqs_by_component[c.idx()] {
                let pr = &cat.prerequisites[p.idx()];
                if pr.for_.verb == Verb::Any || pr.for_.verb == s.action.verb() {
                    pr.when.components(&mut out);
                }
            }
        }
    }
    // A constraint that touches these components brings in the ones whose absence could
    // violate it (those under an even number of `not`s); absence satisfies the others best.
    loop {
        let before = out.len();
        for k in &cat.constraints {
            let mut mentioned = Vec::new();
            k.require.components(&mut mentioned);
            if mentioned.iter().any(|c| out.contains(c)) {
                let mut positive = Vec::new();
                k.require.positive_components(&mut positive);
                for c in positive {
                    if !out.contains(&c) {
                        out.push(c);
                    }
                }
            }
        }
        // A part is only meaningful with its parent.
        for i in 0..out.len() {
            if let Some(p) = cat.components[out[i].idx()].part_of {
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        if out.len() == before {
            break;
        }
    }
    out.retain(|c| cat.components[c.idx()].derived.is_none());
    out.sort();
    out
}

/// Every concrete starting state of the existing host that `path.applies_to` (and `extra`, if
/// given) admits and that satisfies the catalog's constraints.
pub fn starting_states(
    cat: &Catalog,
    path: &MigrationPath,
    extra: Option<&Cond>,
    max: u64,
) -> Result<Vec<HostState>, TooLarge> {
    let comps = relevant_components(cat, path, extra);
    let scope = match extra {
        Some(e) => Cond::and(path.applies_to.clone(), e.clone()),
        None => path.applies_to.clone(),
    };
    enumerate(cat, &comps, &scope, max)
}

/// Every assignment of `comps` (absent or one of their versions) satisfying `scope`, the
/// constraints and `part_of`, with derived components settled.
pub fn enumerate(cat: &Catalog, comps: &[CompIdx], scope: &Cond, max: u64) -> Result<Vec<HostState>, TooLarge> {
    let domains: Vec<usize> = comps.iter().map(|c| cat.components[c.idx()].versions.len().max(1) + 1).collect();
    let count: u128 = domains.iter().map(|d| *d as u128).product();
    if count > max as u128 {
        let mut components: Vec<(CompIdx, usize)> = comps.iter().copied().zip(domains.iter().copied()).collect();
        components.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        return Err(TooLarge { count, components });
    }
    // Constraints that mention none of the enumerated components have the same value for
    // every candidate (all their components absent): decide them once.
    let mut relevant: Vec<&Cond> = Vec::new();
    let mut mentioned = Vec::new();
    for k in &cat.constraints {
        mentioned.clear();
        k.require.components(&mut mentioned);
        if mentioned.iter().any(|c| comps.contains(c) || cat.components[c.idx()].derived.is_some()) {
            relevant.push(&k.require);
        } else if !HostState::default().holds(&k.require) {
            return Ok(Vec::new());
        }
    }
    let mut out = Vec::new();
    let mut digits = vec![0usize; comps.len()];
    loop {
        let mut state = HostState::default();
        for (i, d) in digits.iter().enumerate() {
            if *d > 0 {
                state.present.insert(comps[i], (*d - 1) as Ver);
            }
        }
        state.settle(cat);
        let parts_ok = state.present.keys().all(|c| match cat.components[c.idx()].part_of {
            Some(p) => state.version_of(p).is_some(),
            None => true,
        });
        if parts_ok && state.holds(scope) && relevant.iter().all(|k| state.holds(k)) {
            out.push(state);
        }
        // Odometer increment.
        let mut i = 0;
        loop {
            if i == digits.len() {
                return Ok(out);
            }
            digits[i] += 1;
            if digits[i] < domains[i] {
                break;
            }
            digits[i] = 0;
            i += 1;
        }
    }
}

/// A real host: every constraint holds and no part is present without its parent.
pub fn admissible(cat: &Catalog, state: &HostState) -> bool {
    state.present.keys().all(|c| match cat.components[c.idx()].part_of {
        Some(p) => state.version_of(p).is_some(),
        None => true,
    }) && cat.constraints.iter().all(|k| state.holds(&k.require))
}

/// The constraints a state violates (for `plan`, which takes states from users).
pub fn violated_constraints<'a>(cat: &'a Catalog, state: &HostState) -> Vec<&'a Constraint> {
    cat.constraints.iter().filter(|k| !state.holds(&k.require)).collect()
}

/// Can `cond` hold on some host (ignoring constraints)? `None` when too many components to try.
pub fn satisfiable(cat: &Catalog, cond: &Cond) -> Option<bool> {
    let mut comps = Vec::new();
    cond.components(&mut comps);
    let domains: Vec<usize> = comps.iter().map(|c| cat.components[c.idx()].versions.len().max(1) + 1).collect();
    let count: u128 = domains.iter().map(|d| *d as u128).product();
    if count > 1 << 16 {
        return None;
    }
    let mut digits = vec![0usize; comps.len()];
    loop {
        let f = |c: CompIdx| {
            comps.iter().position(|x| *x == c).and_then(|i| (digits[i] > 0).then(|| (digits[i] - 1) as Ver))
        };
        if cond.eval(&f) {
            return Some(true);
        }
        let mut i = 0;
        loop {
            if i == digits.len() {
                return Some(false);
            }
            digits[i] += 1;
            if digits[i] < domains[i] {
                break;
            }
            digits[i] = 0;
            i += 1;
        }
    }
}

/// A support matrix cell: what happens when `component@v` is installed on a clean host that
/// runs `platform@w`. Prerequisites are reported, not treated as blocking: they can be met.
#[derive(Clone, Debug)]
pub struct Cell {
    pub outcome: Outcome,
    /// The rules that decided it (blockers), or prerequisites that apply.
    pub decided_by: Vec<Ref>,
    pub prerequisites: Vec<PrereqIdx>,
}

pub fn matrix_cell(cat: &Catalog, component: CompIdx, v: Ver, platform: CompIdx, w: Ver) -> Cell {
    let mut host = HostState::default();
    host.present.insert(platform, w);
    host.settle(cat);
    cell(cat, &Action::Install(vec![(component, Some(v))]), &host)
}

/// A cell of the "upgrade the platform in place" matrix: `platform` goes from the version
/// before `w` to `w` on a host where `component@v` is installed.
pub fn upgrade_cell(cat: &Catalog, component: CompIdx, v: Ver, platform: CompIdx, w: Ver) -> Cell {
    let mut host = HostState::default();
    host.present.insert(platform, w.saturating_sub(1));
    host.present.insert(component, v);
    complete(cat, &mut host);
    cell(cat, &Action::Upgrade(platform, w), &host)
}

/// Adds what the catalog's constraints say a real host must have (e.g. every Exchange 2007
/// server has PowerShell): for each violated constraint, the first component under an even
/// number of `not`s whose addition satisfies it without breaking another. Greedy and bounded;
/// what it cannot satisfy stays as it is.
pub fn complete(cat: &Catalog, host: &mut HostState) {
    host.settle(cat);
    for _ in 0..32 {
        let violated = |h: &HostState| cat.constraints.iter().filter(|k| !h.holds(&k.require)).count();
        let before = violated(host);
        let Some(k) = cat.constraints.iter().find(|k| !host.holds(&k.require)) else { return };
        let mut candidates = Vec::new();
        k.require.positive_components(&mut candidates);
        let fix = candidates.into_iter().filter(|c| host.version_of(*c).is_none()).find_map(|c| {
            let mut trial = host.clone();
            trial.present.insert(c, cat.components[c.idx()].max_ver());
            trial.settle(cat);
            (trial.holds(&k.require) && violated(&trial) < before).then_some(trial)
        });
        match fix {
            Some(t) => *host = t,
            None => return,
        }
    }
}

fn cell(cat: &Catalog, action: &Action, host: &HostState) -> Cell {
    let verdict = judge(cat, action, host);
    let blockers = |bs: &[BlockerIdx]| bs.iter().map(|b| Ref::Blocker(*b)).collect::<Vec<_>>();
    let (outcome, decided_by) = if !verdict.hard.is_empty() {
        (Outcome::Blocked, blockers(&verdict.hard))
    } else if !verdict.breaks.is_empty() {
        (Outcome::Broken, blockers(&verdict.breaks))
    } else if !verdict.unsupported.is_empty() {
        (Outcome::Unsupported, blockers(&verdict.unsupported))
    } else {
        (Outcome::Supported, Vec::new())
    };
    Cell { outcome, decided_by, prerequisites: verdict.unmet }
}

//! What the engine says about each path, summarised for pages: how many starting states there
//! are, the outcomes grouped by what decided them (a count and one readable example each),
//! which blockers each step clears in the states where the path works, which fire where.

use rayon::prelude::*;

use crate::eval::{self, HostState};
use crate::model::*;
use crate::verify;

/// At most this many outcome groups per path: a person reads a screenful, not a state space.
pub const MAX_GROUPS: usize = 12;

#[derive(Clone, Debug)]
pub struct OutcomeGroup {
    pub outcome: Outcome,
    /// How many starting states, formatted (`1,024`).
    pub count: String,
    pub example: HostState,
    pub decided_by: Vec<Ref>,
    pub stopped_at: Option<usize>,
    /// Minutes of the example's steps.
    pub minutes: u32,
}

#[derive(Clone, Debug, Default)]
pub struct PathSummary {
    /// How many starting states the path admits, formatted; "0" when it applies to none.
    pub states: String,
    pub none: bool,
    pub too_large: bool,
    pub groups: Vec<OutcomeGroup>,
    /// Groups left out beyond [`MAX_GROUPS`] (their states are in `check --format json`).
    pub more_groups: usize,
    /// `(step, blocker)`: in states where the path works, the step makes the blocker's
    /// condition stop holding.
    pub clears: Vec<(usize, BlockerIdx)>,
    /// `(step, blocker)`: the step makes the blocker's condition stop holding in some starting
    /// state, whether or not the path works there (what an anti-path sidesteps).
    pub sidesteps: Vec<(usize, BlockerIdx)>,
    /// `(step, blocker)`: the blocker fires at that step in some starting state.
    pub fires: Vec<(usize, BlockerIdx)>,
    /// Shortest and longest total of the step estimates over the starting states that run the
    /// path to the end; `None` when none does (or the totals were too many to follow).
    pub minutes: Option<(u32, u32)>,
    /// `(step, prerequisite)`: in scope at that step for some starting state.
    pub prereqs: Vec<(usize, PrereqIdx)>,
    /// `(step, prerequisite)`: unmet at that step for some starting state that gets there.
    /// A prerequisite in scope but never unmet is one the path itself ensures.
    pub prereqs_unmet: Vec<(usize, PrereqIdx)>,
}

pub fn analyze(cat: &Catalog) -> Vec<PathSummary> {
    cat.paths.par_iter().map(|p| analyze_path(cat, p)).collect()
}

pub fn analyze_path(cat: &Catalog, path: &MigrationPath) -> PathSummary {
    let Ok(mut run) = verify::run(cat, path, &[], verify::sym::NODE_LIMIT) else {
        return PathSummary { too_large: true, ..PathSummary::default() };
    };
    let total = run.eng.count(&run.domain);
    let mut s =
        PathSummary { states: crate::check::states(&total), none: run.domain.is_false(), ..PathSummary::default() };
    if s.none {
        return s;
    }
    let works = run.outcome(Outcome::Supported);
    for (i, info) in run.steps.clone().iter().enumerate() {
        for (b, _) in &info.fires {
            s.fires.push((i, *b));
        }
        for (p, _) in &info.in_scope {
            s.prereqs.push((i, *p));
        }
        for (stop, _) in &info.stops {
            if let verify::Stop::Prereq(p) = stop {
                s.prereqs_unmet.push((i, *p));
            }
        }
        // Clearing means the step makes the condition go away in a state where the path
        // works *without* the blocker firing at that very step first.
        for (b, set) in &info.cleared {
            let mut x = set.clone();
            for (_, at) in info.fires.iter().filter(|(f, _)| f == b) {
                x = run.eng.and_not(&x, at);
            }
            if !x.is_false() {
                s.sidesteps.push((i, *b));
            }
            if !run.eng.and(&x, &works).is_false() {
                s.clears.push((i, *b));
            }
        }
    }
    s.fires.sort();
    s.fires.dedup();
    s.prereqs.sort();
    s.prereqs.dedup();
    s.prereqs_unmet.sort();
    s.prereqs_unmet.dedup();
    s.clears.sort();
    s.clears.dedup();
    s.sidesteps.sort();
    s.sidesteps.dedup();
    // Groups: blocked by where and why it stops; the other outcomes by the first rule that
    // decided them.
    let mut sets: Vec<(Outcome, biodivine_lib_bdd::Bdd)> = Vec::new();
    for (o, set) in run.outcomes.clone() {
        if set.is_false() {
            continue;
        }
        let mut rest = set.clone();
        for info in run.steps.clone() {
            let mut causes: Vec<biodivine_lib_bdd::Bdd> = match o {
                Outcome::Blocked => {
                    let mut c = info.stops.clone();
                    c.sort_by(|a, b| a.0.cmp(&b.0));
                    c.into_iter().map(|(_, b)| b).collect()
                }
                Outcome::Broken => info
                    .fires
                    .iter()
                    .filter(|(b, _)| cat.blockers[b.idx()].severity == BlockerSeverity::Breaks)
                    .map(|(_, b)| b.clone())
                    .collect(),
                Outcome::Unsupported => info
                    .fires
                    .iter()
                    .filter(|(b, _)| cat.blockers[b.idx()].severity == BlockerSeverity::Unsupported)
                    .map(|(_, b)| b.clone())
                    .collect(),
                _ => Vec::new(),
            };
            for c in causes.drain(..) {
                let g = run.eng.and(&rest, &c);
                if !g.is_false() {
                    rest = run.eng.and_not(&rest, &g);
                    sets.push((o, g));
                }
            }
        }
        if !rest.is_false() {
            sets.push((o, rest));
        }
    }
    s.more_groups = sets.len().saturating_sub(MAX_GROUPS);
    for (o, set) in sets.into_iter().take(MAX_GROUPS) {
        let Some(starts) = run.witness(&set) else { continue };
        let sim = eval::simulate_hosts(cat, path, &starts, &[]);
        let total: u32 = path
            .steps
            .iter()
            .enumerate()
            .filter(|(i, _)| sim.applicable_steps().contains(i) && sim.stopped_at.is_none_or(|stop| *i <= stop))
            .filter_map(|(_, step)| step.duration)
            .sum();
        let count =
            crate::check::states(&run.eng.count(&set)).replace(" starting states", "").replace(" starting state", "");
        s.groups.push(OutcomeGroup {
            outcome: o,
            count,
            example: sim.start.clone(),
            decided_by: sim.decisive().iter().filter_map(|e| e.rule()).collect(),
            stopped_at: sim.stopped_at,
            minutes: total,
        });
    }
    s.minutes = minutes_range(&mut run, path);
    s
}

/// At most this many distinct totals while [`minutes_range`] splits the states.
const MAX_TOTALS: usize = 4096;

/// The shortest and the longest time the path takes, exactly, over the starting states that
/// run it to the end (every outcome but blocked): the states are split by which estimated
/// steps run, and states with the same total so far are kept together, so the work grows
/// with the number of distinct totals, not with the states. `None` when no state gets to the
/// end, or when the totals are too many to follow.
fn minutes_range(run: &mut verify::Run, path: &MigrationPath) -> Option<(u32, u32)> {
    let blocked = run.outcome(Outcome::Blocked);
    let to_the_end = run.eng.and_not(&run.domain, &blocked);
    if to_the_end.is_false() {
        return None;
    }
    let mut totals: Vec<(u32, biodivine_lib_bdd::Bdd)> = vec![(0, to_the_end)];
    for (step, info) in path.steps.iter().zip(&run.steps) {
        let (Some(d), Some(ran)) = (step.duration.filter(|d| *d > 0), &info.ran) else { continue };
        let mut next: Vec<(u32, biodivine_lib_bdd::Bdd)> = Vec::with_capacity(totals.len() * 2);
        for (m, set) in &totals {
            for (m, part) in [(m.saturating_add(d), run.eng.and(set, ran)), (*m, run.eng.and_not(set, ran))] {
                if part.is_false() {
                    continue;
                }
                match next.iter_mut().find(|(n, _)| *n == m) {
                    Some((_, same)) => *same = run.eng.or(same, &part),
                    None => next.push((m, part)),
                }
            }
        }
        if next.len() > MAX_TOTALS {
            return None;
        }
        totals = next;
    }
    let lo = totals.iter().map(|(m, _)| *m).min()?;
    let hi = totals.iter().map(|(m, _)| *m).max()?;
    Some((lo, hi))
}

//! What the evaluator says about each path, summarised for pages: how many starting states
//! were simulated, the outcomes grouped with an example and the deciding rules, which blockers
//! each step clears and which fire.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::eval::{self, Event, HostState};
use crate::model::*;

#[derive(Clone, Debug)]
pub struct OutcomeGroup {
    pub outcome: Outcome,
    pub count: usize,
    pub example: HostState,
    pub decided_by: Vec<Ref>,
    pub stopped_at: Option<usize>,
}

#[derive(Clone, Debug, Default)]
pub struct PathSummary {
    pub states: usize,
    pub too_large: bool,
    pub groups: Vec<OutcomeGroup>,
    /// `(step, blocker)`: the step makes the blocker's condition stop holding.
    pub clears: Vec<(usize, BlockerIdx)>,
    /// `(step, blocker)`: the blocker fires at that step in some starting state.
    pub fires: Vec<(usize, BlockerIdx)>,
    /// Shortest and longest total of the step estimates over the starting states.
    pub minutes: (u32, u32),
    /// `(step, prerequisite)`: in scope at that step for some starting state.
    pub prereqs: Vec<(usize, PrereqIdx)>,
}

pub fn analyze(cat: &Catalog, max_states: u64) -> Vec<PathSummary> {
    cat.paths.par_iter().map(|p| analyze_path(cat, p, max_states)).collect()
}

fn analyze_path(cat: &Catalog, path: &MigrationPath, max_states: u64) -> PathSummary {
    let Ok(states) = eval::starting_states(cat, path, None, max_states) else {
        return PathSummary { too_large: true, ..PathSummary::default() };
    };
    let watch = eval::relevant_blockers(cat, path);
    let mut groups: BTreeMap<(Outcome, Option<usize>, Vec<String>), OutcomeGroup> = BTreeMap::new();
    let mut clears = Vec::new();
    let mut fires = Vec::new();
    let mut minutes = (u32::MAX, 0);
    let mut prereqs = Vec::new();
    for s in &states {
        let sim = eval::simulate_watching(cat, path, s, &watch);
        let total: u32 = path
            .steps
            .iter()
            .enumerate()
            .filter(|(i, step)| sim.start.holds(&step.when) && sim.stopped_at.is_none_or(|stop| *i <= stop))
            .filter_map(|(_, step)| step.duration)
            .sum();
        minutes = (minutes.0.min(total), minutes.1.max(total));
        for c in &sim.cleared {
            if !clears.contains(c) {
                clears.push(*c);
            }
        }
        for p in &sim.in_scope {
            if !prereqs.contains(p) {
                prereqs.push(*p);
            }
        }
        for e in &sim.events {
            let hit = match e {
                Event::Blocked { step, blocker }
                | Event::Broke { step, blocker, .. }
                | Event::Unsupported { step, blocker }
                | Event::Warned { step, blocker } => Some((*step, *blocker)),
                _ => None,
            };
            if let Some(h) = hit {
                if !fires.contains(&h) {
                    fires.push(h);
                }
            }
        }
        let decided_by: Vec<Ref> = sim.decisive().iter().filter_map(|e| e.rule()).collect();
        let key = (sim.outcome, sim.stopped_at, decided_by.iter().map(|r| cat.ref_label(r)).collect());
        groups.entry(key).and_modify(|g| g.count += 1).or_insert(OutcomeGroup {
            outcome: sim.outcome,
            count: 1,
            example: sim.start.clone(),
            decided_by,
            stopped_at: sim.stopped_at,
        });
    }
    clears.sort();
    fires.sort();
    prereqs.sort();
    let mut groups: Vec<OutcomeGroup> = groups.into_values().collect();
    groups.sort_by(|a, b| b.count.cmp(&a.count).then(a.outcome.cmp(&b.outcome)));
    if states.is_empty() {
        minutes = (0, 0);
    }
    PathSummary { states: states.len(), too_large: false, groups, clears, fires, minutes, prereqs }
}

//! The path diagram: the steps as a chain of boxes, each a link to its step, coloured by the
//! host it runs on, listing the blockers it clears (and, on anti-paths, the ones it runs
//! into). Runs of steps from one procedure collapse into one box.
//!
//! A path is a straight line, so the chain is plain HTML drawn by the theme (see `path.html`
//! and `.flow` in the style sheet) rather than a graph layout: titles wrap instead of being
//! cut, the text is the page's size on every screen, the boxes are links, and dark mode and
//! print follow the page's colours.

use super::analysis::PathSummary;
use crate::model::*;

/// One box of the chain: one step, or a run of consecutive steps from one procedure on one
/// host.
#[derive(Debug)]
pub struct FlowNode {
    /// Indices of the first and last step in the box.
    pub first: usize,
    pub last: usize,
    /// The step's title, or the procedure's for a run.
    pub title: String,
    pub host: Option<HostIdx>,
    /// Every step in the box applies only to some starting states.
    pub conditional: bool,
    /// Blockers a step in the box clears, in step order, each once.
    pub clears: Vec<BlockerIdx>,
    /// On an anti-path, blockers a step in the box runs into.
    pub hits: Vec<BlockerIdx>,
}

/// The chain of boxes for a path.
pub fn flow(path: &MigrationPath, summary: &PathSummary) -> Vec<FlowNode> {
    let host_of = |s: &Step| match &s.action {
        Action::Move { to, .. } => Some(*to),
        _ => s.host,
    };
    let mut out: Vec<FlowNode> = Vec::new();
    for (i, s) in path.steps.iter().enumerate() {
        if let (Some(proc_), Some(last)) = (&s.procedure, out.last_mut()) {
            let prev = &path.steps[last.last];
            if prev.procedure.as_ref() == Some(proc_) && host_of(prev) == host_of(s) && last.last + 1 == i {
                last.last = i;
                last.title = proc_.1.clone();
                last.conditional &= s.is_conditional();
                continue;
            }
        }
        out.push(FlowNode {
            first: i,
            last: i,
            title: s.title.clone(),
            host: host_of(s),
            conditional: s.is_conditional(),
            clears: Vec::new(),
            hits: Vec::new(),
        });
    }
    let mut listed: Vec<BlockerIdx> = Vec::new();
    for node in &mut out {
        let inside = |st: &usize| (node.first..=node.last).contains(st);
        for (_, b) in summary.clears.iter().filter(|(st, _)| inside(st)) {
            if !listed.contains(b) {
                listed.push(*b);
                node.clears.push(*b);
            }
        }
        if path.is_anti_path() {
            for (_, b) in summary.fires.iter().filter(|(st, _)| inside(st)) {
                if !listed.contains(b) {
                    listed.push(*b);
                    node.hits.push(*b);
                }
            }
        }
    }
    out
}

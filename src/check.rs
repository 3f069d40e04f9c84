//! `check`: the rules compiled into checks. Decides every path for all of its starting states
//! at once (`verify`), proves articles only recommend paths that work where they apply, and
//! looks at the rule graph (prerequisite cycles, conditions that never hold, rules nothing can
//! trigger, unexplained blockers). Every mismatch comes with the exact number of starting
//! states it concerns and one of them replayed by the concrete evaluator as a trace.

use std::collections::{HashMap, HashSet};

use biodivine_lib_bdd::Bdd;
use rayon::prelude::*;

use crate::diag::{Code, Diagnostic, Span};
use crate::eval::{self, Event, HostState, Simulation};
use crate::model::*;
use crate::verify::{self, Run, Stop};

/// Knobs from `book.toml`'s `[check]`.
#[derive(Clone, Copy, Debug)]
pub struct CheckOptions {
    /// The largest diagram one operation may build (nodes).
    pub node_limit: usize,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions { node_limit: verify::sym::NODE_LIMIT }
    }
}

/// How many starting states of one path end in each outcome (the ones with any), in `Outcome`
/// order; `None` when the path was too large to decide.
#[derive(Clone, Debug)]
pub struct Tally {
    pub path: PathIdx,
    pub counts: Option<Vec<(Outcome, num_bigint::BigInt)>>,
}

/// Every semantic finding about a resolved catalog, and the outcome tally of each path the
/// simulation decided. `resolved_cleanly` says whether loading and resolving reported no
/// errors: paths or articles that failed to resolve are missing from the model, so "nothing
/// explains this blocker" would be a false alarm.
pub fn check(
    cat: &Catalog,
    rules_complete: bool,
    resolved_cleanly: bool,
    opts: CheckOptions,
) -> (Vec<Diagnostic>, Vec<Tally>) {
    let mut diags = Vec::new();
    let mut tallies = Vec::new();
    if rules_complete {
        // One diagram per path serves its own check and every article scope that reads
        // nothing the path does not already track.
        let pairs = recommended(cat, None);
        let per_path: Vec<PathFindings> = cat
            .paths
            .par_iter()
            .enumerate()
            .map(|(i, p)| {
                let mine: Vec<usize> = (0..pairs.len()).filter(|k| pairs[*k].0.idx() == i).collect();
                let scopes: Vec<Option<&Cond>> = mine.iter().map(|k| pairs[*k].1).collect();
                let mut base = verify::run(cat, p, &[], opts.node_limit);
                let (diags, counts) = match &mut base {
                    Ok(run) => {
                        let counts = run
                            .outcomes
                            .iter()
                            .filter(|(_, set)| !set.is_false())
                            .map(|(o, set)| (*o, run.eng.count(set)))
                            .collect();
                        (check_path(cat, p, run), Some(counts))
                    }
                    Err(t) => (vec![too_large(p, p.applies_span, t)], None),
                };
                let verdicts = path_verdicts(cat, p, &scopes, Some(base), opts);
                let tally = Tally { path: PathIdx(i as u32), counts };
                (diags, mine.into_iter().zip(verdicts).collect::<Vec<_>>(), tally)
            })
            .collect();
        let mut verdicts: Vec<Option<Verdict>> = (0..pairs.len()).map(|_| None).collect();
        for (d, v, tally) in per_path {
            diags.extend(d);
            tallies.push(tally);
            for (k, verdict) in v {
                verdicts[k] = Some(verdict);
            }
        }
        diags.extend(recommendation_diags(cat, None, &pairs, verdicts.into_iter().flatten().collect()));
    }
    if resolved_cleanly {
        diags.extend(unexplained_blockers(cat));
        diags.extend(untriggered_rules(cat));
    }
    diags.extend(prerequisite_cycles(cat));
    diags.extend(never_holds(cat));
    diags.extend(contradicting_constraints(cat));
    (diags, tallies)
}

/// Constraints that cannot all hold together leave no real host at all, and every path would
/// be decided over nothing. Each group of constraints that share attributes is checked once.
fn contradicting_constraints(cat: &Catalog) -> Vec<Diagnostic> {
    let mut roles: Vec<Option<RoleIdx>> = vec![None];
    roles.extend((0..cat.roles.len()).map(|r| Some(RoleIdx(r as u32))));
    let mut out = Vec::new();
    for group in cat.ties.constraints.iter().filter(|g| g.len() > 1) {
        let all = Cond::And(group.iter().map(|k| cat.constraints[*k].require.clone()).collect());
        let consistent = roles.iter().any(|r| !matches!(verify::satisfiable_as(cat, &all, false, *r), Ok(false)));
        if !consistent {
            let first = &cat.constraints[group[0]];
            let mut d =
                Diagnostic::error(Code::NeverApplies, first.span, "these constraints cannot all hold on one host")
                    .with_note("no real host satisfies them together, so no path has a starting state")
                    .with_hint("one of them is wrong; constraints state facts every real host satisfies");
            for k in &group[1..] {
                d = d.with_secondary(cat.constraints[*k].span, "together with this one");
            }
            out.push(d);
        }
    }
    out
}

fn too_large(path: &MigrationPath, span: Span, t: &verify::TooLarge) -> Diagnostic {
    Diagnostic::error(
        Code::StateSpaceTooLarge,
        span,
        format!("the rules of path `{}` interact too much to decide within the budget", path.id),
    )
    .with_note(format!("the diagram of its starting states grew past {} nodes while evaluating {}", t.nodes, t.at))
    .with_hint("a rule whose condition relates many facts at once makes the diagram large: split it into simpler rules, or split the path")
}

/// `N starting state(s)`, with a thousands separator for big numbers.
pub fn states(n: &num_bigint::BigInt) -> String {
    if *n == num_bigint::BigInt::from(1) {
        "1 starting state".to_string()
    } else {
        format!("{} starting states", thousands(n))
    }
}

/// A count with a thousands separator: `2,742,681,600`.
pub fn thousands(n: &num_bigint::BigInt) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn check_path(cat: &Catalog, path: &MigrationPath, run: &mut Run) -> Vec<Diagnostic> {
    if run.domain.is_false() {
        return vec![
            Diagnostic::warning(
                Code::NeverApplies,
                path.applies_span,
                format!("path `{}` applies to no real starting state", path.id),
            )
            .with_hint("`applies_to` contradicts itself or the catalog's constraints"),
        ];
    }
    let mut diags = Vec::new();
    let mut covered = run.eng.ff();
    for case in &path.outcome {
        let when = run.on_start(&case.when);
        let fresh = run.eng.and_not(&when, &covered);
        covered = run.eng.or(&covered, &when);
        let region = run.eng.and(&run.domain, &fresh);
        let expected = run.outcome(case.expect);
        let wrong = run.eng.and_not(&region, &expected);
        if wrong.is_false() {
            continue;
        }
        for (actual, set) in run.outcomes.clone() {
            let m = run.eng.and(&wrong, &set);
            if m.is_false() {
                continue;
            }
            for (group, stop_step) in groups(run, &m, actual) {
                let others = match stop_step {
                    Some(k) => stopping_rules(cat, run, &group, k),
                    None => Vec::new(),
                };
                let count = run.eng.count(&group);
                if let Some(starts) = run.witness(&group) {
                    let sim = eval::simulate_traced(cat, path, &starts);
                    diags.push(mismatch(cat, path, case.expect, &sim, &count, others));
                }
            }
        }
    }
    let uncovered = run.eng.and_not(&run.domain, &covered);
    if !uncovered.is_false() {
        let mut d = Diagnostic::error(
            Code::OutcomeMismatch,
            path.outcome_span,
            format!("no `outcome` case of path `{}` covers {}", path.id, states(&run.eng.count(&uncovered))),
        )
        .with_hint("end the list of cases with one that has no `when`");
        if let Some(w) = run.witness(&uncovered) {
            d = d.with_note(format!("for example: {}", w[0].describe(cat)));
        }
        diags.push(d);
    }
    diags
}

/// The groups a set of starting states falls into: for `blocked`, by the step that stops the
/// path and the first rule that stops it there (the order `eval` reports them in); otherwise
/// one group.
fn groups(run: &mut Run, set: &Bdd, outcome: Outcome) -> Vec<(Bdd, Option<usize>)> {
    if outcome != Outcome::Blocked {
        return vec![(set.clone(), None)];
    }
    let mut out = Vec::new();
    let mut rest = set.clone();
    for (i, info) in run.steps.clone().iter().enumerate() {
        let mut causes = info.stops.clone();
        causes.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, stop) in causes {
            let g = run.eng.and(&rest, &stop);
            if g.is_false() {
                continue;
            }
            rest = run.eng.and_not(&rest, &g);
            out.push((g, Some(i)));
        }
    }
    if !rest.is_false() {
        out.push((rest, None));
    }
    out
}

/// The rules that stop step `step` somewhere in `set`, each with how many states.
fn stopping_rules(cat: &Catalog, run: &mut Run, set: &Bdd, step: usize) -> Vec<String> {
    let mut out = Vec::new();
    for (cause, b) in run.steps[step].stops.clone() {
        let x = run.eng.and(set, &b);
        if x.is_false() {
            continue;
        }
        let what = match cause {
            Stop::Prereq(p) => format!("prerequisite `{}`", cat.prerequisites[p.idx()].id),
            Stop::Blocker(b) => format!("blocker `{}`", cat.blockers[b.idx()].id),
            Stop::Impossible => "the action itself".to_string(),
        };
        out.push(format!("{what} ({})", states(&run.eng.count(&x))));
    }
    out
}

/// The earlier step whose change made step `k`'s failing rule fail: the failure did not hold
/// on the hosts before that step and holds after it.
fn cause(cat: &Catalog, path: &MigrationPath, sim: &Simulation, k: usize, event: &Event) -> Option<usize> {
    let step = &path.steps[k];
    let on = eval::rule_host(step)?.idx();
    let fails = |hosts: &[HostState]| -> bool {
        let h = &hosts[on];
        match event {
            Event::PrereqUnmet { prereq, .. } => {
                let p = &cat.prerequisites[prereq.idx()];
                eval::pattern_matches(&p.for_, &step.action, step.via, h)
                    && p.when.holds(cat, h)
                    && !p.requires.holds(cat, h)
            }
            Event::Blocked { blocker, .. } => {
                let b = &cat.blockers[blocker.idx()];
                eval::pattern_matches(&b.blocks, &step.action, step.via, h) && b.when.holds(cat, h)
            }
            Event::Impossible { .. } => {
                let mut hs = hosts.to_vec();
                eval::apply(cat, &step.action, &mut hs, step.host.or(Some(HostIdx(on as u32)))).is_err()
            }
            _ => false,
        }
    };
    // snapshots[j] is the hosts before step j.
    (0..k).rev().find(|&j| {
        let (Some(before), Some(after)) = (sim.snapshots.get(j), sim.snapshots.get(j + 1)) else { return false };
        !fails(before) && fails(after)
    })
}

fn mismatch(
    cat: &Catalog,
    path: &MigrationPath,
    expected: Outcome,
    sim: &Simulation,
    count: &num_bigint::BigInt,
    others: Vec<String>,
) -> Diagnostic {
    let n = states(count);
    // A prerequisite that a later step provides is an ordering mistake: say so directly.
    let paradox = sim.events.iter().find_map(|e| match e {
        Event::PrereqUnmet { step, prereq, satisfied_later: Some(later) } => Some((*step, *prereq, *later)),
        _ => None,
    });
    let mut d = if let Some((step, prereq, later)) = paradox {
        let p = &cat.prerequisites[prereq.idx()];
        let s = &path.steps[step];
        let l = &path.steps[later];
        Diagnostic::error(
            Code::PrerequisiteParadox,
            s.action_span.unwrap_or(s.span),
            format!(
                "prerequisite paradox in path `{}`: step `{}` needs `{}` (prerequisite `{}`), but only the later step `{}` provides it",
                path.id,
                s.id,
                p.requires.display(cat),
                p.id,
                l.id
            ),
        )
        .with_label(format!("needs `{}` here", p.requires.display(cat)))
        .with_secondary(l.action_span.unwrap_or(l.span), "established only here, later")
        .with_hint(format!("move step `{}` after step `{}`", s.id, l.id))
    } else {
        let decisive: Vec<&Event> = sim.decisive();
        let surfaced = match sim.stopped_at {
            Some(i) => path.steps[i].action_span.unwrap_or(path.steps[i].span),
            None => path.outcome_span,
        };
        let caused_by = match (sim.stopped_at, decisive.first()) {
            (Some(k), Some(e)) => cause(cat, path, sim, k, e),
            _ => None,
        };
        let primary = match caused_by {
            Some(j) => path.steps[j].action_span.unwrap_or(path.steps[j].span),
            None => surfaced,
        };
        let mut d = Diagnostic::error(
            Code::OutcomeMismatch,
            primary,
            format!(
                "path `{}` is declared `{}` but simulates as `{}` in {n}",
                path.id,
                expected.as_str(),
                sim.outcome.as_str()
            ),
        );
        let rules: Vec<String> = decisive.iter().filter_map(|e| e.rule()).map(|r| cat.ref_label(&r)).collect();
        let what = match rules.len() {
            0 if sim.outcome == Outcome::Blocked => "decided by the action itself".to_string(),
            0 => String::new(),
            _ => format!("decided by {}", rules.join(", ")),
        };
        if let Some(j) = caused_by {
            let k = sim.stopped_at.unwrap_or(j);
            d = d.with_label(format!("this step makes step {} `{}` fail", k + 1, path.steps[k].id)).with_secondary(
                surfaced,
                if what.is_empty() { "fails here".to_string() } else { format!("fails here, {what}") },
            );
        } else if !what.is_empty() {
            d = d.with_label(what);
        }
        if sim.stopped_at.is_some() {
            d = d.with_secondary(path.outcome_span, "declared outcome");
        }
        d.with_hint(match (expected, sim.outcome) {
            (Outcome::Supported, Outcome::Blocked) => "add the step that clears this blocker or establishes the prerequisite before this step, or narrow `applies_to`",
            (Outcome::Supported, Outcome::Incomplete) => "add the steps that reach the goal, or correct the goal",
            (Outcome::Supported, Outcome::Broken) => "the path leaves components broken; fix the steps or declare the outcome",
            (_, Outcome::Supported) => "the rules no longer stop this path: check the blocker's condition, or declare it `supported`",
            _ => "either the rules or the declared `outcome` are wrong",
        })
    };
    d.notes.push(format!("starting state: {}", sim.start.describe(cat)));
    if others.len() > 1 {
        d.notes.push(format!("in these starting states the step is stopped by: {}", others.join("; ")));
    }
    let trace: Vec<String> =
        sim.events.iter().filter(|e| !matches!(e, Event::Skipped { .. })).map(|e| e.describe(cat, path)).collect();
    // Long traces help nobody: the last steps before the decision matter most.
    let shown = if trace.len() > 12 { &trace[trace.len() - 12..] } else { &trace[..] };
    let mut t = String::from("trace:");
    if trace.len() > shown.len() {
        t.push_str(&format!("\n  … {} earlier events", trace.len() - shown.len()));
    }
    for line in shown {
        t.push_str("\n  ");
        t.push_str(line);
    }
    for g in &sim.unmet_goals {
        t.push_str("\n  goal not met: ");
        t.push_str(g);
    }
    d.notes.push(t);
    d
}

/// Content checks for some articles only (a session re-checks what an edit touched).
pub fn check_articles(cat: &Catalog, opts: CheckOptions, only: &[ArticleIdx]) -> Vec<Diagnostic> {
    recommendations(cat, opts, Some(only))
}

fn recommendations(cat: &Catalog, opts: CheckOptions, only: Option<&[ArticleIdx]>) -> Vec<Diagnostic> {
    let pairs = recommended(cat, only);
    let verdicts: Vec<Verdict> = pairs
        .par_iter()
        .flat_map_iter(|(p, scope)| {
            let path = &cat.paths[p.idx()];
            path_verdicts(cat, path, &[*scope], None, opts)
        })
        .collect();
    recommendation_diags(cat, only, &pairs, verdicts)
}

/// The distinct (path, article scope) pairs the chosen articles recommend.
fn recommended<'a>(cat: &'a Catalog, only: Option<&[ArticleIdx]>) -> Vec<(PathIdx, Option<&'a Cond>)> {
    let mut pairs: Vec<(PathIdx, Option<&Cond>)> = Vec::new();
    let mut seen = HashSet::new();
    for (i, a) in cat.articles.iter().enumerate() {
        if only.is_some_and(|o| !o.contains(&ArticleIdx(i as u32))) {
            continue;
        }
        for (p, _) in &a.recommends {
            let key = (*p, a.applies_to.as_ref());
            if seen.insert(key) {
                pairs.push(key);
            }
        }
    }
    pairs
}

/// A path's own diagnostics, and the verdicts on the article scopes that recommend it (by
/// their index among all pairs).
type PathFindings = (Vec<Diagnostic>, Vec<(usize, Verdict)>, Tally);

/// What the rules say of a path where an article applies.
enum Verdict {
    TooLarge(verify::TooLarge),
    AppliesNowhere,
    Works,
    /// The outcome of an example, the example, its deciding event, and how many more.
    Fails(Outcome, String, Option<String>, num_bigint::BigInt),
}

/// The verdict on one path for each scope. `base` is the path's own run (no extra
/// conditions), made when first needed; a scope that tracks nothing more is decided on it, any other gets a run of
/// its own, so the answer is the same either way.
fn path_verdicts<'a>(
    cat: &'a Catalog,
    path: &MigrationPath,
    scopes: &[Option<&Cond>],
    mut base: Option<Result<Run<'a>, verify::TooLarge>>,
    opts: CheckOptions,
) -> Vec<Verdict> {
    let base_attrs: HashSet<Attr> = verify::encode::tracked(cat, path, &[]).into_iter().collect();
    scopes
        .iter()
        .map(|scope| {
            let extra: Vec<&Cond> = scope.iter().copied().collect();
            let mut own;
            let run = if verify::encode::tracked(cat, path, &extra).iter().all(|a| base_attrs.contains(a)) {
                match base.get_or_insert_with(|| verify::run(cat, path, &[], opts.node_limit)) {
                    Ok(r) => r,
                    Err(t) => return Verdict::TooLarge(t.clone()),
                }
            } else {
                own = match verify::run(cat, path, &extra, opts.node_limit) {
                    Ok(r) => r,
                    Err(t) => return Verdict::TooLarge(t),
                };
                &mut own
            };
            verdict(cat, path, run, *scope)
        })
        .collect()
}

fn verdict(cat: &Catalog, path: &MigrationPath, run: &mut Run, scope: Option<&Cond>) -> Verdict {
    let region = match scope {
        Some(c) => {
            let s = run.on_start(c);
            run.eng.and(&run.domain, &s)
        }
        None => run.domain.clone(),
    };
    if region.is_false() {
        return Verdict::AppliesNowhere;
    }
    let works = run.outcome(Outcome::Supported);
    let failing = run.eng.and_not(&region, &works);
    if failing.is_false() {
        return Verdict::Works;
    }
    let count = run.eng.count(&failing);
    let Some(starts) = run.witness(&failing) else { return Verdict::Works };
    let sim = eval::simulate_hosts(cat, path, &starts, &[]);
    let why = sim.decisive().first().map(|e| e.describe(cat, path));
    Verdict::Fails(sim.outcome, sim.start.describe(cat), why, count)
}

/// The recommendation diagnostics of the chosen articles, from the verdict of each pair.
fn recommendation_diags(
    cat: &Catalog,
    only: Option<&[ArticleIdx]>,
    pairs: &[(PathIdx, Option<&Cond>)],
    verdicts: Vec<Verdict>,
) -> Vec<Diagnostic> {
    let chosen = |i: usize| only.is_none_or(|o| o.contains(&ArticleIdx(i as u32)));
    let lookup: HashMap<(PathIdx, Option<&Cond>), &Verdict> = pairs.iter().copied().zip(verdicts.iter()).collect();
    let mut out = Vec::new();
    for article in cat.articles.iter().enumerate().filter(|(i, _)| chosen(*i)).map(|(_, a)| a) {
        for (p, span) in &article.recommends {
            let path = &cat.paths[p.idx()];
            match lookup[&(*p, article.applies_to.as_ref())] {
                Verdict::TooLarge(t) => out.push(too_large(path, *span, t)),
                Verdict::Works => {}
                Verdict::AppliesNowhere => out.push(
                    Diagnostic::error(
                        Code::RecommendsFailingPath,
                        *span,
                        format!("article `{}` recommends `{}`, which applies to none of the environments the article covers", article.slug, path.id),
                    )
                    .with_hint("compare the article's `applies_to` with the path's"),
                ),
                Verdict::Fails(outcome, example, why, count) => {
                    let mut d = Diagnostic::error(
                        Code::RecommendsFailingPath,
                        *span,
                        format!("article `{}` recommends path `{}`, but the rules say it is `{}` for {} the article covers", article.slug, path.id, outcome.as_str(), states(count)),
                    )
                    .with_note(format!("for example: {example}"));
                    if let Some(w) = why {
                        d = d.with_note(w.clone());
                    }
                    out.push(d.with_hint("narrow the article's `applies_to`, or recommend a path that works there"));
                }
            }
        }
    }
    out
}

pub fn unexplained_blockers(cat: &Catalog) -> Vec<Diagnostic> {
    let mut explained = HashSet::new();
    for p in &cat.paths {
        for s in &p.steps {
            for (r, _) in &s.refs {
                if let Ref::Blocker(b) = r {
                    explained.insert(*b);
                }
            }
        }
    }
    for a in &cat.articles {
        for (r, _) in &a.links {
            if let Ref::Blocker(b) = r {
                explained.insert(*b);
            }
        }
    }
    cat.blockers
        .iter()
        .enumerate()
        .filter(|(i, _)| !explained.contains(&BlockerIdx(*i as u32)))
        .map(|(_, b)| {
            Diagnostic::warning(
                Code::UnexplainedBlocker,
                b.span,
                format!("blocker `{}` is not explained by any path step or article", b.id),
            )
            .with_hint(format!("reference it from a step (`rules: [blocker:{}]`) or link it from an article", b.id))
        })
        .collect()
}

/// Rules that no step of any path can trigger: their verb and components match no action.
/// Worth knowing (a typo in a pattern looks exactly like this), though `plan` still reports
/// blockers whose condition holds on a host.
fn untriggered_rules(cat: &Catalog) -> Vec<Diagnostic> {
    if cat.paths.is_empty() {
        return Vec::new();
    }
    // The steps' actions under each component and fact they touch: a pattern can only match
    // an action that shares one with it.
    let mut by_comp: HashMap<CompIdx, Vec<&Action>> = HashMap::new();
    let mut by_fact: HashMap<FactIdx, Vec<&Action>> = HashMap::new();
    for a in cat.paths.iter().flat_map(|p| p.steps.iter().map(|s| &s.action)) {
        for (c, _) in a.targets() {
            by_comp.entry(c).or_default().push(a);
        }
        if let Some(f) = a.fact() {
            by_fact.entry(f).or_default().push(a);
        }
    }
    let triggered = |pat: &Pattern| {
        let comps = pat.targets.iter().filter_map(|(c, _)| by_comp.get(c));
        let facts = pat.facts.iter().filter_map(|f| by_fact.get(f));
        comps.chain(facts).flatten().any(|a| pat.may_match(a))
    };
    let mut out = Vec::new();
    let mut warn = |span: Span, what: String, pattern: &Pattern| {
        out.push(
            Diagnostic::warning(
                Code::NeverApplies,
                pattern.span,
                format!("{what}: no step of any path does `{}`", pattern.text),
            )
            .with_secondary(span, "declared here")
            .with_hint("check the pattern's verb and components, or add the path that performs this action"),
        );
    };
    for b in &cat.blockers {
        if !triggered(&b.blocks) {
            warn(b.span, format!("blocker `{}` never fires in any path", b.id), &b.blocks);
        }
    }
    for p in &cat.prerequisites {
        if !triggered(&p.for_) {
            warn(p.span, format!("prerequisite `{}` never applies in any path", p.id), &p.for_);
        }
    }
    for e in &cat.effects {
        if !triggered(&e.on) {
            warn(e.span, format!("effect `{}` never happens in any path", e.id), &e.on);
        }
    }
    out
}

/// Install prerequisites form a graph from the component being installed to the components it
/// requires; a cycle means none of them can be installed first.
fn prerequisite_cycles(cat: &Catalog) -> Vec<Diagnostic> {
    let n = cat.components.len();
    let mut edges: Vec<Vec<(usize, PrereqIdx)>> = vec![Vec::new(); n];
    for (i, p) in cat.prerequisites.iter().enumerate() {
        if !p.for_.takes(crate::expr::Verb::Install) {
            continue;
        }
        let mut req = Vec::new();
        p.requires.required_components(cat, &mut req);
        for (c, _) in &p.for_.targets {
            for r in &req {
                edges[c.idx()].push((r.idx(), PrereqIdx(i as u32)));
            }
        }
    }
    // Iterative DFS with colours; each cycle reported once, at its smallest component.
    let mut colour = vec![0u8; n];
    let mut reported: HashSet<Vec<usize>> = HashSet::new();
    let mut diags = Vec::new();
    for root in 0..n {
        if colour[root] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        let mut on_path: Vec<(usize, Option<PrereqIdx>)> = vec![(root, None)];
        colour[root] = 1;
        while let Some((node, next)) = stack.last().copied() {
            if next < edges[node].len() {
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                }
                let (to, via) = edges[node][next];
                if colour[to] == 1 {
                    let pos = on_path.iter().position(|(c, _)| *c == to).unwrap_or(0);
                    let mut cycle: Vec<(usize, Option<PrereqIdx>)> = on_path[pos..].to_vec();
                    cycle.push((to, Some(via)));
                    let mut key: Vec<usize> = cycle.iter().map(|(c, _)| *c).collect();
                    key.sort();
                    key.dedup();
                    if reported.insert(key) {
                        let names: Vec<&str> = cycle.iter().map(|(c, _)| cat.components[*c].id.as_str()).collect();
                        let prereqs: Vec<String> = cycle
                            .iter()
                            .filter_map(|(_, p)| p.map(|p| format!("`{}`", cat.prerequisites[p.idx()].id)))
                            .collect();
                        let p = &cat.prerequisites[via.idx()];
                        diags.push(
                            Diagnostic::error(
                                Code::PrerequisiteCycle,
                                p.span,
                                format!("prerequisites form a cycle: {}", names.join(" → ")),
                            )
                            .with_note(format!("through {}", prereqs.join(", ")))
                            .with_hint("one of these prerequisites must not require the other; break the cycle"),
                        );
                    }
                } else if colour[to] == 0 {
                    colour[to] = 1;
                    stack.push((to, 0));
                    on_path.push((to, Some(via)));
                }
            } else {
                colour[node] = 2;
                stack.pop();
                on_path.pop();
            }
        }
    }
    diags
}

/// Conditions that can never hold: contradictions in themselves, and rules whose condition no
/// real host (one that satisfies the constraints) can meet.
fn never_holds(cat: &Catalog) -> Vec<Diagnostic> {
    let mut items: Vec<(&Cond, Span, String, bool)> = Vec::new();
    for b in &cat.blockers {
        items.push((&b.when, b.when_span.unwrap_or(b.span), format!("the condition of blocker `{}`", b.id), true));
    }
    for p in &cat.prerequisites {
        items.push((&p.when, p.when_span.unwrap_or(p.span), format!("the scope of prerequisite `{}`", p.id), true));
        items.push((&p.requires, p.requires_span, format!("what prerequisite `{}` requires", p.id), false));
    }
    for e in &cat.effects {
        items.push((&e.when, e.when_span.unwrap_or(e.span), format!("the condition of effect `{}`", e.id), true));
    }
    for k in &cat.constraints {
        items.push((&k.require, k.span, "this constraint".to_string(), false));
    }
    for n in &cat.conditions {
        items.push((&n.when, n.when_span, format!("named condition `{}`", n.id), false));
    }
    // Catalogs repeat conditions (`os@v1` scopes dozens of rules): decide each one once.
    #[derive(Clone, Copy)]
    enum Verdict {
        Holds,
        Never,
        NeverOnRealHost,
    }
    let mut distinct: Vec<(&Cond, bool)> = Vec::new();
    let mut seen: HashMap<(&Cond, bool), usize> = HashMap::new();
    for (cond, _, _, real_hosts) in &items {
        if **cond != Cond::True {
            seen.entry((*cond, *real_hosts)).or_insert_with(|| {
                distinct.push((*cond, *real_hosts));
                distinct.len() - 1
            });
        }
    }
    let verdicts: Vec<Verdict> = distinct
        .par_iter()
        .map(|(cond, real_hosts)| match verify::satisfiable(cat, cond, false) {
            Ok(false) => Verdict::Never,
            Err(_) => Verdict::Holds,
            Ok(true) if *real_hosts && !cat.constraints.is_empty() => match verify::satisfiable(cat, cond, true) {
                Ok(false) => Verdict::NeverOnRealHost,
                _ => Verdict::Holds,
            },
            Ok(true) => Verdict::Holds,
        })
        .collect();
    items
        .into_iter()
        .filter_map(|(cond, span, what, real_hosts)| match verdicts[*seen.get(&(cond, real_hosts))?] {
            Verdict::Holds => None,
            Verdict::Never => Some(
                Diagnostic::warning(Code::NeverApplies, span, format!("{what} can never hold"))
                    .with_hint("it contradicts itself, so the rule never applies"),
            ),
            Verdict::NeverOnRealHost => Some(
                Diagnostic::warning(Code::NeverApplies, span, format!("{what} can never hold on a real host"))
                    .with_note("the catalog's constraints rule out every host it describes")
                    .with_hint("check the condition against the constraints (`constraints:`), or drop the rule"),
            ),
        })
        .collect()
}

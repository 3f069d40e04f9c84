//! `check`: the rules compiled into checks. Simulates every path from every starting state it
//! admits, proves articles only recommend paths that work where they apply, and looks at the
//! rule graph (prerequisite cycles, conditions that never hold, unexplained blockers).

use std::collections::{BTreeMap, HashMap, HashSet};

use rayon::prelude::*;

use crate::diag::{Code, Diagnostic, Span};
use crate::eval::{self, Event, HostState, Simulation};
use crate::model::*;

/// Knobs from `book.toml`'s `[check]`.
#[derive(Clone, Copy, Debug)]
pub struct CheckOptions {
    pub max_states: u64,
}

/// Every semantic finding about a resolved catalog. `resolved_cleanly` says whether loading and
/// resolving reported no errors: paths or articles that failed to resolve are missing from the
/// model, so "nothing explains this blocker" would be a false alarm.
pub fn check(cat: &Catalog, rules_complete: bool, resolved_cleanly: bool, opts: CheckOptions) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    if rules_complete {
        let per_path: Vec<Vec<Diagnostic>> = cat.paths.par_iter().map(|p| check_path(cat, p, opts)).collect();
        diags.extend(per_path.into_iter().flatten());
        diags.extend(check_recommendations(cat, opts));
    }
    if resolved_cleanly {
        diags.extend(unexplained_blockers(cat));
    }
    diags.extend(prerequisite_cycles(cat));
    diags.extend(never_holds(cat));
    diags
}

fn too_large(cat: &Catalog, path: &MigrationPath, span: Span, t: &eval::TooLarge, max: u64) -> Diagnostic {
    let top: Vec<String> =
        t.components.iter().take(6).map(|(c, n)| format!("`{}` ({n} values)", cat.components[c.idx()].id)).collect();
    Diagnostic::error(
        Code::StateSpaceTooLarge,
        span,
        format!("path `{}` admits {} starting states to simulate; the limit is {max}", path.id, t.count),
    )
    .with_note(format!("enumerated components, largest first: {}", top.join(", ")))
    .with_hint("narrow `applies_to`, split the path, or raise `max-states` under [check] in book.toml")
}

/// A group of starting states that fail the same way.
struct Mismatch {
    expected: Outcome,
    sim: Simulation,
    count: usize,
}

fn check_path(cat: &Catalog, path: &MigrationPath, opts: CheckOptions) -> Vec<Diagnostic> {
    let states = match eval::starting_states(cat, path, None, opts.max_states) {
        Ok(s) => s,
        Err(t) => return vec![too_large(cat, path, path.applies_span, &t, opts.max_states)],
    };
    if states.is_empty() {
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
    let mut groups: BTreeMap<(Outcome, Outcome, Option<usize>, String), Mismatch> = BTreeMap::new();
    let mut uncovered: Option<(HostState, usize)> = None;
    for state in &states {
        let sim = eval::simulate(cat, path, state);
        let lookup = |c: CompIdx| sim.start.version_of(c);
        let Some(case) = path.expected(&lookup) else {
            let e = uncovered.get_or_insert((state.clone(), 0));
            e.1 += 1;
            continue;
        };
        if case.expect == sim.outcome {
            continue;
        }
        let rule = sim.decisive().first().and_then(|e| e.rule()).map(|r| cat.ref_label(&r)).unwrap_or_default();
        let key = (case.expect, sim.outcome, sim.stopped_at, rule);
        groups.entry(key).and_modify(|m| m.count += 1).or_insert(Mismatch { expected: case.expect, sim, count: 1 });
    }
    if let Some((state, n)) = uncovered {
        diags.push(
            Diagnostic::error(
                Code::OutcomeMismatch,
                path.outcome_span,
                format!("no `outcome` case of path `{}` covers {n} starting state(s)", path.id),
            )
            .with_note(format!("for example: {}", state.describe(cat)))
            .with_hint("end the list of cases with one that has no `when`"),
        );
    }
    for m in groups.into_values() {
        diags.push(mismatch(cat, path, &m));
    }
    diags
}

fn mismatch(cat: &Catalog, path: &MigrationPath, m: &Mismatch) -> Diagnostic {
    let sim = &m.sim;
    let states = if m.count == 1 { "1 starting state".to_string() } else { format!("{} starting states", m.count) };
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
        let span = match sim.stopped_at {
            Some(i) => path.steps[i].action_span.unwrap_or(path.steps[i].span),
            None => path.outcome_span,
        };
        let mut d = Diagnostic::error(
            Code::OutcomeMismatch,
            span,
            format!(
                "path `{}` is declared `{}` but simulates as `{}` in {states}",
                path.id,
                m.expected.as_str(),
                sim.outcome.as_str()
            ),
        );
        if let Some(first) = sim.decisive().first() {
            let what = match first.rule() {
                Some(r) => format!("decided by {}", cat.ref_label(&r)),
                None => "decided by the action itself".to_string(),
            };
            d = d.with_label(what);
        }
        if sim.stopped_at.is_some() {
            d = d.with_secondary(path.outcome_span, "declared outcome");
        }
        d.with_hint(match (m.expected, sim.outcome) {
            (Outcome::Supported, Outcome::Blocked) => "add the step that clears this blocker or establishes the prerequisite before this step, or narrow `applies_to`",
            (Outcome::Supported, Outcome::Incomplete) => "add the steps that reach the goal, or correct the goal",
            (Outcome::Supported, Outcome::Broken) => "the path leaves components broken; fix the steps or declare the outcome",
            (_, Outcome::Supported) => "the rules no longer stop this path: check the blocker's condition, or declare it `supported`",
            _ => "either the rules or the declared `outcome` are wrong",
        })
    };
    d.notes.push(format!("starting state: {}", sim.start.describe(cat)));
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

fn check_recommendations(cat: &Catalog, opts: CheckOptions) -> Vec<Diagnostic> {
    recommendations(cat, opts, None)
}

/// Content checks for some articles only (a session re-checks what an edit touched).
pub fn check_articles(cat: &Catalog, opts: CheckOptions, only: &[ArticleIdx]) -> Vec<Diagnostic> {
    recommendations(cat, opts, Some(only))
}

fn recommendations(cat: &Catalog, opts: CheckOptions, only: Option<&[ArticleIdx]>) -> Vec<Diagnostic> {
    let chosen = |i: usize| only.is_none_or(|o| o.contains(&ArticleIdx(i as u32)));
    // Many articles recommend the same path for the same environments: simulate each
    // (path, scope) pair once.
    let mut pairs: Vec<(PathIdx, Option<&Cond>)> = Vec::new();
    for a in cat.articles.iter().enumerate().filter(|(i, _)| chosen(*i)).map(|(_, a)| a) {
        for (p, _) in &a.recommends {
            let key = (*p, a.applies_to.as_ref());
            if !pairs.contains(&key) {
                pairs.push(key);
            }
        }
    }
    type Verdict = Result<Vec<Simulation>, eval::TooLarge>;
    let verdicts: Vec<Verdict> = pairs
        .par_iter()
        .map(|(p, scope)| {
            let path = &cat.paths[p.idx()];
            let states = eval::starting_states(cat, path, *scope, opts.max_states)?;
            Ok(states.iter().map(|s| eval::simulate(cat, path, s)).collect())
        })
        .collect();
    let lookup: HashMap<(PathIdx, Option<&Cond>), &Verdict> = pairs.iter().copied().zip(verdicts.iter()).collect();
    let mut out = Vec::new();
    for article in cat.articles.iter().enumerate().filter(|(i, _)| chosen(*i)).map(|(_, a)| a) {
        for (p, span) in &article.recommends {
            let path = &cat.paths[p.idx()];
            let sims = match lookup[&(*p, article.applies_to.as_ref())] {
                Ok(s) => s,
                Err(t) => {
                    out.push(too_large(cat, path, *span, t, opts.max_states));
                    continue;
                }
            };
            if sims.is_empty() {
                out.push(
                    Diagnostic::error(
                        Code::RecommendsFailingPath,
                        *span,
                        format!("article `{}` recommends `{}`, which applies to none of the environments the article covers", article.slug, path.id),
                    )
                    .with_hint("compare the article's `applies_to` with the path's"),
                );
                continue;
            }
            let mut failing = sims.iter().filter(|s| s.outcome != Outcome::Supported);
            let Some(first) = failing.next() else { continue };
            let more = failing.count();
            let mut d = Diagnostic::error(
                Code::RecommendsFailingPath,
                *span,
                format!("article `{}` recommends path `{}`, but the rules say it is `{}` for some environments the article covers", article.slug, path.id, first.outcome.as_str()),
            )
            .with_note(format!("for example: {}", first.start.describe(cat)));
            if let Some(e) = first.decisive().first() {
                d = d.with_note(e.describe(cat, path));
            }
            if more > 0 {
                d = d.with_note(format!("and {more} more starting state(s)"));
            }
            out.push(d.with_hint("narrow the article's `applies_to`, or recommend a path that works there"));
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

/// Install prerequisites form a graph from the component being installed to the components it
/// requires; a cycle means none of them can be installed first.
fn prerequisite_cycles(cat: &Catalog) -> Vec<Diagnostic> {
    let n = cat.components.len();
    let mut edges: Vec<Vec<(usize, PrereqIdx)>> = vec![Vec::new(); n];
    for (i, p) in cat.prerequisites.iter().enumerate() {
        if !matches!(p.for_.verb, crate::expr::Verb::Install | crate::expr::Verb::Any) {
            continue;
        }
        let mut req = Vec::new();
        p.requires.required_components(&mut req);
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
                stack.last_mut().expect("non-empty").1 += 1;
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

fn never_holds(cat: &Catalog) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut check = |cond: &Cond, span: Option<Span>, fallback: Span, what: String| {
        if eval::satisfiable(cat, cond) == Some(false) {
            diags.push(
                Diagnostic::warning(Code::NeverApplies, span.unwrap_or(fallback), format!("{what} can never hold"))
                    .with_hint("it contradicts itself, so the rule never applies"),
            );
        }
    };
    for b in &cat.blockers {
        check(&b.when, b.when_span, b.span, format!("the condition of blocker `{}`", b.id));
    }
    for p in &cat.prerequisites {
        check(&p.when, p.when_span, p.span, format!("the scope of prerequisite `{}`", p.id));
        check(&p.requires, Some(p.requires_span), p.span, format!("what prerequisite `{}` requires", p.id));
    }
    for k in &cat.constraints {
        check(&k.require, Some(k.span), k.span, "this constraint".to_string());
    }
    diags
}

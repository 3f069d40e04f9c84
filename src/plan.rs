//! `plan`: one environment, assessed by the same evaluator that checks the catalog — which
//! blockers apply to it, which paths work from exactly this state (viable first), and where the
//! others fail. The site's assistant precomputes `assess` for every combination of answers, so
//! the CLI and the browser give the same answer by construction.

use std::path::Path;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::catalog::load::{self, Origin};
use crate::catalog::raw::S;
use crate::catalog::resolve;
use crate::diag::{Code, Diagnostic, SourceMap, Span};
use crate::eval::{self, Event, HostState, Simulation};
use crate::model::*;

/// An environment file, as written.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "pathbook environment")]
pub struct RawEnvironment {
    /// The servers to assess.
    pub hosts: Vec<RawEnvHost>,
    /// Where you want to get, e.g. `exchange-2007@sp1 and windows-server@2008`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub target: Option<S>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawEnvHost {
    #[schemars(with = "String")]
    pub id: S,
    #[serde(default)]
    pub title: Option<String>,
    /// What the host has: `component`, `component@version` (roles are components), and facts
    /// as `fact = value` if you like them here rather than under `facts`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub components: Vec<S>,
    /// Typed facts: `ram: 8 GB`, `arch: x86_64`, `repos: (baseos, appstream)`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub facts: BTreeMap<String, S>,
    /// Components that are installed but broken.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub broken: Vec<S>,
}

#[derive(Clone, Debug)]
pub struct EnvHost {
    pub id: String,
    pub title: String,
    pub state: HostState,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Environment {
    pub hosts: Vec<EnvHost>,
    pub target: Option<Cond>,
}

/// The environment file schema, draft-07, as `pathbook schema --env` prints it.
pub fn environment_schema() -> serde_json::Value {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let schema = generator.into_root_schema_for::<RawEnvironment>();
    serde_json::to_value(schema).unwrap_or_default()
}

/// Reads and resolves an environment file against the catalog; every problem is located.
pub fn load_environment(
    path: &Path,
    root: &Path,
    cat: &mut Catalog,
    sources: &mut SourceMap,
) -> Result<Environment, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let Some(file) = load::read_file(path, root, sources, &mut diags) else { return Err(diags) };
    let origin = Origin { file, base: 0 };
    if sources.get(file).text.trim().is_empty() {
        return Err(vec![
            Diagnostic::error(Code::Shape, Span::file_start(file), "empty environment file")
                .with_hint("list `hosts:` with their `components:`"),
        ]);
    }
    let raw: RawEnvironment =
        load::parse_yaml(&sources.get(file).text.clone(), origin, sources).map_err(|d| vec![d])?;
    let mut hosts: Vec<EnvHost> = Vec::new();
    let sources: &SourceMap = sources;
    let mut one = resolve::OneOff::new(cat, sources);
    for h in &raw.hosts {
        let span = origin.span(sources, &h.id.referenced, h.id.value.len());
        if hosts.iter().any(|x| x.id == h.id.value) {
            diags.push(Diagnostic::error(Code::DuplicateId, span, format!("host `{}` is listed twice", h.id.value)));
        }
        let mut state = HostState::default();
        for c in &h.components {
            match one.setting(origin, c) {
                Ok(x) => state.apply_setting(&x),
                Err(d) => diags.push(d),
            }
        }
        for (id, value) in &h.facts {
            let vspan = origin.span(sources, &value.referenced, value.value.len());
            match one.catalog().fact_ids.get(id).copied() {
                Some(_) => {
                    let text = S {
                        value: format!("{id} = {}", value.value),
                        referenced: value.referenced,
                        defined: value.defined,
                    };
                    match one.setting(origin, &text) {
                        Ok(x) => state.apply_setting(&x),
                        Err(mut d) => {
                            d.span = vspan;
                            diags.push(d)
                        }
                    }
                }
                None => {
                    let mut d = Diagnostic::error(Code::UnknownComponent, vspan, format!("unknown fact `{id}`"));
                    if let Some(sg) = resolve::suggest(id, one.catalog().fact_ids.keys().map(String::as_str)) {
                        d = d.with_hint(format!("did you mean `{sg}`?"));
                    }
                    diags.push(d);
                }
            }
        }
        for b in &h.broken {
            let text = S { value: format!("{} is broken", b.value), referenced: b.referenced, defined: b.defined };
            match one.setting(origin, &text) {
                Ok(x) => state.apply_setting(&x),
                Err(mut d) => {
                    d.span = origin.span(sources, &b.referenced, b.value.len());
                    diags.push(d)
                }
            }
        }
        state.fill_defaults(one.catalog());
        state.settle(one.catalog());
        hosts.push(EnvHost {
            id: h.id.value.clone(),
            title: h.title.clone().unwrap_or_else(|| h.id.value.clone()),
            state,
            span,
        });
    }
    if raw.hosts.is_empty() {
        diags.push(Diagnostic::error(Code::Shape, Span::file_start(file), "the environment lists no hosts"));
    }
    let target = match &raw.target {
        Some(t) => match one.condition(origin, t) {
            Ok(c) => Some(c),
            Err(ds) => {
                diags.extend(ds);
                None
            }
        },
        None => None,
    };
    one.finish(cat);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags);
    }
    Ok(Environment { hosts, target })
}

/// A blocker that matters for the host: it fires in a path that applies to it, or such a path
/// clears it before it can.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BlockerHit {
    pub id: String,
    pub title: String,
    pub severity: &'static str,
    pub summary: String,
    pub resolution: String,
    pub sources: Vec<String>,
    /// What the applicable paths do about it, one entry per path and step.
    pub handled: Vec<Handling>,
}

/// One applicable path meeting one blocker.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Handling {
    /// `cleared` (a step of a working path removes its condition first), `stops`, `breaks`,
    /// `unsupported` or `warns`.
    pub kind: &'static str,
    pub path: String,
    pub path_title: String,
    /// 1-based, the path's own numbering.
    pub step: usize,
    pub step_title: String,
    /// The same, as one line for a terminal.
    pub text: String,
}

/// A prerequisite an applicable path cannot meet on the host.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PrereqHit {
    pub id: String,
    pub title: String,
    /// What must hold, as written in the catalog.
    pub requires: String,
    pub how: String,
    /// `path:ID step N`, one per path it stops.
    pub stops: Vec<String>,
}

/// One reason a path stops at a step.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reason {
    /// `blocker:ID` / `prerequisite:ID`, or none for an impossible action or an unmet goal.
    pub rule: Option<String>,
    pub rule_title: Option<String>,
    pub why: String,
    /// What to do about it (the blocker's resolution or the prerequisite's how-to), as text.
    pub what_to_do: String,
}

/// Where a path stops working: the step, and every reason there.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Failure {
    /// 1-based step number in the path (the path's own numbering).
    pub step: usize,
    pub step_id: String,
    pub step_title: String,
    /// The first reason's rule, title and text (also in `reasons`).
    pub rule: Option<String>,
    pub rule_title: Option<String>,
    pub why: String,
    pub reasons: Vec<Reason>,
}

/// One applicable path, simulated from the host's exact state.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PathResult {
    pub id: String,
    pub title: String,
    pub outcome: &'static str,
    /// Works (outcome `supported`) and reaches the target.
    pub viable: bool,
    /// 1-based numbers of the steps that apply to this host (the path's own numbering).
    pub steps: Vec<usize>,
    /// How many steps the path has in all.
    pub total_steps: usize,
    pub minutes: u32,
    /// `minutes`, for people: "2 h 30 min".
    pub duration: String,
    /// The path's declared ranking: lower preference first, then lower risk, then shorter
    /// downtime.
    pub preference: i64,
    pub risk: &'static str,
    pub downtime: Option<String>,
    pub fails_at: Option<Failure>,
    /// `(1-based step, prerequisite id)` in scope for this host.
    pub prerequisites: Vec<(usize, String)>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HostAssessment {
    pub host: String,
    pub title: String,
    /// The host's components, described.
    pub state: String,
    /// The host already satisfies the environment's target: nothing to do.
    pub at_target: bool,
    /// Constraints this host contradicts (usually a typo in the environment).
    pub warnings: Vec<String>,
    pub blockers: Vec<BlockerHit>,
    /// Prerequisites that stop an applicable path here.
    pub prerequisites: Vec<PrereqHit>,
    /// Paths whose `applies_to` admits the host: viable first, then by preference, risk,
    /// downtime and the number of steps.
    pub paths: Vec<PathResult>,
}

/// The whole answer for one host.
pub fn assess(cat: &Catalog, host: &str, title: &str, state: &HostState, target: Option<&Cond>) -> HostAssessment {
    let mut state = state.clone();
    state.settle(cat);
    let warnings = eval::violated_constraints(cat, &state).iter().map(|k| k.why.clone()).collect();
    let at_target = target.is_some_and(|t| state.holds(cat, t));
    let applicable: Vec<&MigrationPath> = cat.paths.iter().filter(|p| state.holds(cat, &p.applies_to)).collect();
    let sims: Vec<Simulation> =
        applicable.iter().map(|p| eval::simulate_watching(cat, p, &state, &eval::relevant_blockers(cat, p))).collect();
    // Blockers that fire or are cleared in an applicable path, and what each path does.
    let mut handled: BTreeMap<BlockerIdx, Vec<Handling>> = BTreeMap::new();
    let mut unmet: BTreeMap<PrereqIdx, Vec<String>> = BTreeMap::new();
    for (p, sim) in applicable.iter().zip(&sims) {
        let step = |i: usize| format!("step {} `{}`", i + 1, p.steps[i].id);
        let entry = |kind: &'static str, i: usize, text: String| Handling {
            kind,
            path: p.id.clone(),
            path_title: p.title.clone(),
            step: i + 1,
            step_title: p.steps[i].title.clone(),
            text,
        };
        for e in &sim.events {
            let (b, h) = match e {
                Event::Blocked { step: i, blocker } => {
                    (*blocker, entry("stops", *i, format!("stops path:{} at {}", p.id, step(*i))))
                }
                Event::Broke { step: i, blocker, comps } => {
                    let what: Vec<&str> = comps.iter().map(|c| cat.components[c.idx()].id.as_str()).collect();
                    let text = format!("breaks {} at {} of path:{}", what.join(", "), step(*i), p.id);
                    (*blocker, entry("breaks", *i, text))
                }
                Event::Unsupported { step: i, blocker } => {
                    let text = format!("leaves path:{} unsupported from {}", p.id, step(*i));
                    (*blocker, entry("unsupported", *i, text))
                }
                Event::Warned { step: i, blocker } => {
                    (*blocker, entry("warns", *i, format!("applies at {} of path:{}", step(*i), p.id)))
                }
                Event::PrereqUnmet { step: i, prereq, .. } => {
                    unmet.entry(*prereq).or_default().push(format!("path:{} {}", p.id, step(*i)));
                    continue;
                }
                _ => continue,
            };
            handled.entry(b).or_default().push(h);
        }
        // "Cleared by" only where the path works: a step of a path that fails clears nothing.
        // A step clears a blocker it does not itself run into.
        if sim.outcome == Outcome::Supported {
            let fired_at = |i: usize, b: BlockerIdx| {
                sim.events.iter().any(|e| e.step() == i && matches!(e.rule(), Some(Ref::Blocker(x)) if x == b))
            };
            for (i, b) in sim.cleared.iter().filter(|(i, b)| !fired_at(*i, *b)) {
                let text = format!("cleared by {} of path:{}", step(*i), p.id);
                handled.entry(*b).or_default().push(entry("cleared", *i, text));
            }
        }
    }
    let mut blockers: Vec<(&Blocker, BlockerHit)> = handled
        .into_iter()
        .map(|(bi, handled)| {
            let b = &cat.blockers[bi.idx()];
            let hit = BlockerHit {
                id: b.id.clone(),
                title: b.title.clone(),
                severity: b.severity.as_str(),
                summary: b.summary.clone(),
                resolution: text_of(&b.resolution.text),
                sources: b.sources.iter().map(source_line).collect(),
                handled,
            };
            (b, hit)
        })
        .collect();
    blockers.sort_by(|a, b| (a.0.severity, &a.0.title).cmp(&(b.0.severity, &b.0.title)));
    let prerequisites = unmet
        .into_iter()
        .map(|(pi, stops)| {
            let p = &cat.prerequisites[pi.idx()];
            PrereqHit {
                id: p.id.clone(),
                title: p.title.clone(),
                requires: p.requires.display(cat).to_string(),
                how: text_of(&p.how.text),
                stops,
            }
        })
        .collect();
    let mut paths: Vec<(&MigrationPath, PathResult)> =
        applicable.iter().zip(&sims).map(|(p, sim)| (*p, path_result(cat, p, sim, target))).collect();
    // Among the paths that fail here, a documented anti-path comes last: the ones meant to work
    // are what a reader can still fix their way onto.
    paths.sort_by(|(pa, a), (pb, b)| {
        let key = |p: &MigrationPath, r: &PathResult| (!r.viable, p.is_anti_path());
        (key(pa, a), pa.preference, pa.risk, pa.downtime.unwrap_or(u32::MAX), a.steps.len(), a.minutes, &a.id).cmp(&(
            key(pb, b),
            pb.preference,
            pb.risk,
            pb.downtime.unwrap_or(u32::MAX),
            b.steps.len(),
            b.minutes,
            &b.id,
        ))
    });
    HostAssessment {
        host: host.to_string(),
        title: title.to_string(),
        state: state.describe(cat),
        at_target,
        warnings,
        blockers: blockers.into_iter().map(|(_, h)| h).collect(),
        prerequisites,
        paths: paths.into_iter().map(|(_, r)| r).collect(),
    }
}

/// Markdown as plain text for a terminal: paragraphs and code lines kept apart.
fn text_of(markdown: &str) -> String {
    crate::markdown::to_text(markdown).trim().to_string()
}

fn source_line(s: &Source) -> String {
    let mut t = s.title.clone();
    if let Some(id) = &s.id {
        t.push_str(&format!(" ({id})"));
    }
    if let Some(url) = &s.url {
        t.push_str(&format!(" — {url}"));
    }
    t
}

fn path_result(cat: &Catalog, p: &MigrationPath, sim: &Simulation, target: Option<&Cond>) -> PathResult {
    let steps: Vec<usize> = sim.applicable_steps().into_iter().map(|i| i + 1).collect();
    let minutes = steps.iter().filter_map(|n| p.steps[n - 1].duration).sum();
    let reached = target.is_none_or(|t| sim.end.iter().any(|h| h.holds(cat, t)));
    let viable = sim.outcome == Outcome::Supported && reached;
    let fails_at = if viable { None } else { failure(cat, p, sim, reached) };
    let mut prerequisites: Vec<(usize, String)> =
        sim.in_scope.iter().map(|(i, pr)| (i + 1, cat.prerequisites[pr.idx()].id.clone())).collect();
    prerequisites.dedup();
    PathResult {
        id: p.id.clone(),
        title: p.title.clone(),
        outcome: sim.outcome.as_str(),
        viable,
        steps,
        total_steps: p.steps.len(),
        minutes,
        duration: format_minutes(minutes),
        preference: p.preference,
        risk: p.risk.as_str(),
        downtime: p.downtime.map(|m| if m == 0 { "none".to_string() } else { format_minutes(m) }),
        fails_at,
        prerequisites,
    }
}

/// Where and why a path does not work for this host: every decisive event at the step where it
/// stops (or, for paths that run to the end, at the first step that broke or voided support).
fn failure(cat: &Catalog, p: &MigrationPath, sim: &Simulation, reached: bool) -> Option<Failure> {
    let decisive = sim.decisive();
    let Some(first) = decisive.first() else {
        let why = if !sim.unmet_goals.is_empty() {
            sim.unmet_goals.join("; ")
        } else if !reached {
            "the path does not reach the target".to_string()
        } else {
            format!("the path ends {}", sim.outcome.as_str())
        };
        let last = p.steps.len().saturating_sub(1);
        let reason = Reason { rule: None, rule_title: None, why: why.clone(), what_to_do: String::new() };
        return Some(Failure {
            step: last + 1,
            step_id: p.steps.get(last).map(|s| s.id.clone()).unwrap_or_default(),
            step_title: p.steps.get(last).map(|s| s.title.clone()).unwrap_or_default(),
            rule: None,
            rule_title: None,
            why,
            reasons: vec![reason],
        });
    };
    let step = first.step();
    let reasons: Vec<Reason> = decisive
        .iter()
        .filter(|e| e.step() == step)
        .map(|e| {
            let rule = e.rule();
            let what_to_do = match &rule {
                Some(Ref::Blocker(b)) => text_of(&cat.blockers[b.idx()].resolution.text),
                Some(Ref::Prerequisite(x)) => text_of(&cat.prerequisites[x.idx()].how.text),
                _ => String::new(),
            };
            Reason {
                rule: rule.as_ref().map(|r| cat.ref_label(r)),
                rule_title: rule.as_ref().map(|r| cat.ref_title(r).to_string()),
                why: strip_step(e.describe(cat, p), step, &p.steps[step].id),
                what_to_do,
            }
        })
        .collect();
    let head = reasons.first().cloned()?;
    Some(Failure {
        step: step + 1,
        step_id: p.steps[step].id.clone(),
        step_title: p.steps[step].title.clone(),
        rule: head.rule,
        rule_title: head.rule_title,
        why: head.why,
        reasons,
    })
}

/// `Event::describe` opens with the step; the failure names it already.
fn strip_step(why: String, step: usize, id: &str) -> String {
    let prefix = format!("step {} `{id}`: ", step + 1);
    why.strip_prefix(&prefix).map(str::to_string).unwrap_or(why)
}

/// `title (id)`, or just the id when the host has no title of its own.
pub fn host_label(h: &HostAssessment) -> String {
    if h.title == h.host { h.host.clone() } else { format!("{} ({})", h.title, h.host) }
}

/// Text indented by `pad` on every line after the first, so multi-line resolutions and code
/// stay readable in a terminal.
fn indent(text: &str, pad: &str) -> String {
    text.lines().map(str::trim_end).filter(|l| !l.trim().is_empty()).collect::<Vec<_>>().join(&format!("\n{pad}"))
}

/// One path's line in the report, and where it fails.
fn path_lines(out: &mut String, i: usize, p: &PathResult) {
    let mut facts = Vec::new();
    if let Some(f) = &p.fails_at {
        facts.push(format!("{} at step {} of {} `{}`", p.outcome, f.step, p.total_steps, f.step_id));
    } else {
        facts.push(format!("{} of {} steps apply", p.steps.len(), p.total_steps));
        if p.minutes > 0 {
            facts.push(format!("about {}", p.duration));
        }
        facts.push(format!("risk {}", p.risk));
        if let Some(d) = &p.downtime {
            facts.push(format!("downtime {d}"));
        }
    }
    // A path that runs to the end is not one that "does not work": say what it ends as.
    let mark = match (p.viable, p.outcome) {
        (true, _) => "works",
        (false, "blocked") => "does not work",
        (false, outcome) => outcome,
    };
    out.push_str(&format!("    {}. [{mark}] {} (path:{}) — {}\n", i + 1, p.title, p.id, facts.join(", ")));
    if let Some(f) = &p.fails_at {
        for r in &f.reasons {
            out.push_str(&format!("         - {}\n", indent(&r.why, "           ")));
        }
    }
}

/// The assessment as a human-readable report.
pub fn report_text(hosts: &[HostAssessment]) -> String {
    let mut out = String::new();
    for h in hosts {
        out.push_str(&format!("{}\n  has: {}\n", host_label(h), h.state));
        if h.at_target {
            out.push_str("  already at the target: nothing to do\n");
        }
        for w in &h.warnings {
            out.push_str(&format!("  warning: this host contradicts a catalog constraint: {w}\n"));
        }
        out.push_str("\n  Blockers that apply:\n");
        if h.blockers.is_empty() {
            out.push_str("    none\n");
        }
        for b in &h.blockers {
            out.push_str(&format!("    [{}] {} (blocker:{})\n", b.severity, b.title, b.id));
            if !b.summary.is_empty() {
                out.push_str(&format!("        {}\n", b.summary));
            }
            for x in &b.handled {
                out.push_str(&format!("        - {}\n", x.text));
            }
            if !b.resolution.is_empty() {
                out.push_str(&format!("        what to do: {}\n", indent(&b.resolution, "          ")));
            }
            for src in &b.sources {
                out.push_str(&format!("        source: {src}\n"));
            }
        }
        if !h.prerequisites.is_empty() {
            out.push_str("\n  Prerequisites not met:\n");
            for p in &h.prerequisites {
                out.push_str(&format!("    {} (prerequisite:{}) — needs `{}`\n", p.title, p.id, p.requires));
                for x in &p.stops {
                    out.push_str(&format!("        - stops {x}\n"));
                }
                if !p.how.is_empty() {
                    out.push_str(&format!("        how: {}\n", indent(&p.how, "          ")));
                }
            }
        }
        out.push_str("\n  Paths, best first:\n");
        if h.paths.is_empty() {
            out.push_str(if h.at_target { "    none needed\n" } else { "    no path applies to this host\n" });
        }
        for (i, p) in h.paths.iter().enumerate() {
            path_lines(&mut out, i, p);
        }
        out.push('\n');
    }
    out
}

/// Why a host gets no tailored runbook of `path`: it does not work there. Says where it
/// fails, every reason, what to do, and the paths that do work.
/// Why a host gets no runbook for the path asked for, with what works for it instead.
#[derive(Clone, Debug, Serialize)]
pub struct Refusal {
    pub host: String,
    pub host_label: String,
    pub path: String,
    /// "does not work here: blocked at step 15 of 18 “Run pg_upgrade --clone”", "is not
    /// needed: the host is already at the target", …
    pub headline: String,
    pub reasons: Vec<Reason>,
    /// `(id, title)` of the paths that do work for the host, best first.
    pub working: Vec<(String, String)>,
    /// All of it as plain text, for the terminal and `text` reports.
    pub text: String,
}

pub fn refusal(h: &HostAssessment, path: &str) -> Refusal {
    let result = h.paths.iter().find(|p| p.id == path);
    let headline = match result {
        None if h.at_target => "is not needed: the host is already at the target".to_string(),
        None => "does not apply to this host".to_string(),
        Some(p) => match &p.fails_at {
            Some(f) => {
                format!("does not work here: {} at step {} of {}, “{}”", p.outcome, f.step, p.total_steps, f.step_title)
            }
            None => format!("ends {} here", p.outcome),
        },
    };
    let reasons = result.and_then(|p| p.fails_at.as_ref()).map(|f| f.reasons.clone()).unwrap_or_default();
    let working: Vec<(String, String)> =
        h.paths.iter().filter(|p| p.viable).map(|p| (p.id.clone(), p.title.clone())).collect();
    let mut text = format!("NO RUNBOOK for {}: path `{path}` {headline}.\n", host_label(h));
    for r in &reasons {
        text.push_str(&format!("  - {}\n", indent(&r.why, "    ")));
        if !r.what_to_do.is_empty() {
            text.push_str(&format!("    what to do: {}\n", indent(&r.what_to_do, "      ")));
        }
    }
    if working.is_empty() {
        text.push_str("  No path works for this host as it is.\n");
    } else {
        let list: Vec<String> = working.iter().map(|(id, title)| format!("{title} (path:{id})")).collect();
        text.push_str(&format!("  Paths that work for it: {}.\n", list.join("; ")));
    }
    Refusal {
        host: h.host.clone(),
        host_label: host_label(h),
        path: path.to_string(),
        headline,
        reasons,
        working,
        text,
    }
}

/// [`refusal`] as plain text.
pub fn refusal_text(h: &HostAssessment, path: &str) -> String {
    refusal(h, path).text
}

/// One combination of assistant answers and the host it describes.
#[derive(Clone, Debug)]
pub struct Case {
    /// `answer|answer+answer|…`: one part per question, several answers joined by `+`.
    pub key: String,
    /// The selected answer indices, per question.
    pub answers: Vec<Vec<usize>>,
    pub state: HostState,
}

/// Every combination of the assistant's answers (the resolver bounded their number).
pub fn assistant_cases(cat: &Catalog, a: &Assistant) -> Vec<Case> {
    // Per question: the list of possible selections.
    let options: Vec<Vec<Vec<usize>>> = a
        .questions
        .iter()
        .map(|q| {
            if q.multiple {
                (0..1usize << q.answers.len())
                    .map(|mask| (0..q.answers.len()).filter(|i| mask & (1 << i) != 0).collect())
                    .collect()
            } else {
                (0..q.answers.len()).map(|i| vec![i]).collect()
            }
        })
        .collect();
    let mut out = Vec::new();
    let mut digits = vec![0usize; options.len()];
    loop {
        let answers: Vec<Vec<usize>> = digits.iter().zip(&options).map(|(d, o)| o[*d].clone()).collect();
        let mut state = HostState::default();
        for x in &a.base {
            state.apply_setting(x);
        }
        for (q, picked) in a.questions.iter().zip(&answers) {
            for i in picked {
                for x in &q.answers[*i].sets {
                    state.apply_setting(x);
                }
            }
        }
        state.fill_defaults(cat);
        state.settle(cat);
        let key = a
            .questions
            .iter()
            .zip(&answers)
            .map(|(q, picked)| picked.iter().map(|i| q.answers[*i].id.as_str()).collect::<Vec<_>>().join("+"))
            .collect::<Vec<_>>()
            .join("|");
        out.push(Case { key, answers, state });
        let mut i = 0;
        loop {
            if i == digits.len() {
                return out;
            }
            digits[i] += 1;
            if digits[i] < options[i].len() {
                break;
            }
            digits[i] = 0;
            i += 1;
        }
    }
}

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
use crate::eval::{self, HostState};
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

/// A blocker whose condition holds on the host.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BlockerHit {
    pub id: String,
    pub title: String,
    pub severity: &'static str,
    pub summary: String,
    pub resolution: String,
    pub sources: Vec<String>,
}

/// Where a path stops working.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Failure {
    /// 1-based step number in the path.
    pub step: usize,
    pub step_id: String,
    pub step_title: String,
    /// `blocker:ID` / `prerequisite:ID`, or none for an impossible action or an unmet goal.
    pub rule: Option<String>,
    pub rule_title: Option<String>,
    pub why: String,
}

/// One applicable path, simulated from the host's exact state.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PathResult {
    pub id: String,
    pub title: String,
    pub outcome: &'static str,
    /// Works (outcome `supported`) and reaches the target.
    pub viable: bool,
    /// 1-based numbers of the steps that apply to this host.
    pub steps: Vec<usize>,
    pub minutes: u32,
    /// `minutes`, for people: "2 h 30 min".
    pub duration: String,
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
    /// Constraints this host contradicts (usually a typo in the environment).
    pub warnings: Vec<String>,
    pub blockers: Vec<BlockerHit>,
    /// Paths whose `applies_to` admits the host: viable first, shortest first.
    pub paths: Vec<PathResult>,
}

/// The whole answer for one host.
pub fn assess(cat: &Catalog, host: &str, title: &str, state: &HostState, target: Option<&Cond>) -> HostAssessment {
    let mut state = state.clone();
    state.settle(cat);
    let warnings = eval::violated_constraints(cat, &state).iter().map(|k| k.why.clone()).collect();
    let mut blockers: Vec<(&Blocker, BlockerHit)> = cat
        .blockers
        .iter()
        .filter(|b| state.holds(cat, &b.when))
        .map(|b| {
            let hit = BlockerHit {
                id: b.id.clone(),
                title: b.title.clone(),
                severity: b.severity.as_str(),
                summary: b.summary.clone(),
                resolution: crate::markdown::to_text(&b.resolution.text).trim().to_string(),
                sources: b
                    .sources
                    .iter()
                    .map(|s| {
                        let mut t = s.title.clone();
                        if let Some(id) = &s.id {
                            t.push_str(&format!(" ({id})"));
                        }
                        if let Some(url) = &s.url {
                            t.push_str(&format!(" — {url}"));
                        }
                        t
                    })
                    .collect(),
            };
            (b, hit)
        })
        .collect();
    blockers.sort_by(|a, b| (a.0.severity, &a.0.title).cmp(&(b.0.severity, &b.0.title)));
    let mut paths: Vec<PathResult> = cat
        .paths
        .iter()
        .filter(|p| state.holds(cat, &p.applies_to))
        .map(|p| path_result(cat, p, &state, target))
        .collect();
    paths.sort_by(|a, b| {
        (!a.viable, a.steps.len(), a.minutes, &a.id).cmp(&(!b.viable, b.steps.len(), b.minutes, &b.id))
    });
    HostAssessment {
        host: host.to_string(),
        title: title.to_string(),
        state: state.describe(cat),
        warnings,
        blockers: blockers.into_iter().map(|(_, h)| h).collect(),
        paths,
    }
}

fn path_result(cat: &Catalog, p: &MigrationPath, state: &HostState, target: Option<&Cond>) -> PathResult {
    let sim = eval::simulate(cat, p, state);
    let steps: Vec<usize> = sim.applicable_steps().into_iter().map(|i| i + 1).collect();
    let minutes = steps.iter().filter_map(|n| p.steps[n - 1].duration).sum();
    let reached = target.is_none_or(|t| sim.end.iter().any(|h| h.holds(cat, t)));
    let viable = sim.outcome == Outcome::Supported && reached;
    let fails_at = if sim.outcome == Outcome::Supported && reached {
        None
    } else if let Some(e) = sim.decisive().first() {
        let step = e.step();
        let rule = e.rule();
        Some(Failure {
            step: step + 1,
            step_id: p.steps[step].id.clone(),
            step_title: p.steps[step].title.clone(),
            rule: rule.as_ref().map(|r| cat.ref_label(r)),
            rule_title: rule.as_ref().map(|r| cat.ref_title(r).to_string()),
            why: strip_step(e.describe(cat, p), step, &p.steps[step].id),
        })
    } else {
        let why = if sim.unmet_goals.is_empty() {
            "the path does not reach the target".to_string()
        } else {
            sim.unmet_goals.join("; ")
        };
        let last = p.steps.len().saturating_sub(1);
        Some(Failure {
            step: last + 1,
            step_id: p.steps.get(last).map(|s| s.id.clone()).unwrap_or_default(),
            step_title: p.steps.get(last).map(|s| s.title.clone()).unwrap_or_default(),
            rule: None,
            rule_title: None,
            why,
        })
    };
    let mut prerequisites: Vec<(usize, String)> =
        sim.in_scope.iter().map(|(i, pr)| (i + 1, cat.prerequisites[pr.idx()].id.clone())).collect();
    prerequisites.dedup();
    PathResult {
        id: p.id.clone(),
        title: p.title.clone(),
        outcome: sim.outcome.as_str(),
        viable,
        steps,
        minutes,
        duration: format_minutes(minutes),
        fails_at,
        prerequisites,
    }
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

/// The assessment as a human-readable report.
pub fn report_text(hosts: &[HostAssessment]) -> String {
    let mut out = String::new();
    for h in hosts {
        out.push_str(&format!("{}\n  has: {}\n", host_label(h), h.state));
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
            if !b.resolution.is_empty() {
                out.push_str(&format!("        what to do: {}\n", b.resolution));
            }
            for src in &b.sources {
                out.push_str(&format!("        source: {src}\n"));
            }
        }
        out.push_str("\n  Paths:\n");
        if h.paths.is_empty() {
            out.push_str("    no path applies to this host\n");
        }
        for (i, p) in h.paths.iter().enumerate() {
            let mark = if p.viable { "ok " } else { "no " };
            out.push_str(&format!(
                "    {}. [{mark}] {} (path:{}) — {}, {} steps, about {}\n",
                i + 1,
                p.title,
                p.id,
                p.outcome,
                p.steps.len(),
                p.duration
            ));
            if let Some(f) = &p.fails_at {
                out.push_str(&format!("         fails at step {} `{}`: {}\n", f.step, f.step_id, f.why));
            }
        }
        out.push('\n');
    }
    out
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

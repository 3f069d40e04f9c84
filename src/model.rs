//! The resolved model of DESIGN.md §3: what the rest of the pipeline works on.
//!
//! Every id here has been checked, every condition parsed and every reference turned into a
//! typed index, so later stages never re-validate. Values keep the [`Span`] they came from so
//! the checker can still point at the source.

use std::collections::HashMap;
use std::fmt;

use crate::diag::{FileId, Span};
use crate::expr::Verb;
pub use crate::markdown::Heading;

macro_rules! index_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);
        impl $name {
            pub fn idx(self) -> usize {
                self.0 as usize
            }
        }
    };
}

index_type!(
    /// A component, by its position in [`Catalog::components`].
    CompIdx
);
index_type!(BlockerIdx);
index_type!(PrereqIdx);
index_type!(PathIdx);
index_type!(ArticleIdx);
index_type!(
    /// A host of one path, by its position in [`Path::hosts`].
    HostIdx
);

/// A version of a component, by its position in the declared order (`rtm` < `sp1`).
pub type Ver = u16;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ComponentKind {
    /// An operating system. Installing a different version on a host is a clean install.
    Os,
    Application,
    Feature,
    Service,
    Role,
    Data,
    Other,
}

impl ComponentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ComponentKind::Os => "operating system",
            ComponentKind::Application => "application",
            ComponentKind::Feature => "feature",
            ComponentKind::Service => "service",
            ComponentKind::Role => "server role",
            ComponentKind::Data => "data",
            ComponentKind::Other => "other",
        }
    }
}

/// A citation: title plus URL and/or document id (KB number).
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// What the source is called, e.g. "KB 935197: …".
    pub title: String,
    /// Where to read it.
    #[serde(default)]
    pub url: Option<String>,
    /// A document id such as `KB 951402` or `bb691354`.
    #[serde(default)]
    pub id: Option<String>,
    /// What this source says that matters here; marks unverified facts.
    #[serde(default)]
    pub note: Option<String>,
}

/// Markdown text from the catalog, with where it starts.
#[derive(Clone, Debug, Default)]
pub struct Markdown {
    pub text: String,
    pub span: Option<Span>,
}

impl Markdown {
    pub fn is_empty(&self) -> bool {
        self.text.trim().is_empty()
    }
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Version {
    pub id: String,
    pub title: String,
}

#[derive(Clone, Debug)]
pub struct Component {
    pub id: String,
    pub span: Span,
    pub title: String,
    pub kind: ComponentKind,
    pub versions: Vec<Version>,
    /// Removed with its parent; cannot be installed without it.
    pub part_of: Option<CompIdx>,
    /// Present exactly when this condition holds (e.g. a service the OS provides).
    pub derived: Option<Cond>,
    pub summary: String,
    pub description: Markdown,
    pub also_known_as: Vec<String>,
    pub tags: Vec<String>,
    pub sources: Vec<Source>,
    /// Rule links in the description.
    pub links: Vec<(Ref, Span)>,
}

impl Component {
    pub fn is_versioned(&self) -> bool {
        !self.versions.is_empty()
    }

    /// `exchange-2007@sp1`, or just the id for unversioned components.
    pub fn label(&self, ver: Ver) -> String {
        match self.versions.get(ver as usize) {
            Some(v) => format!("{}@{}", self.id, v.id),
            None => self.id.clone(),
        }
    }

    pub fn max_ver(&self) -> Ver {
        self.versions.len().saturating_sub(1) as Ver
    }
}

/// A resolved condition over one host's state.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Cond {
    True,
    /// The component is present, at any version.
    Present(CompIdx),
    /// The component is present at a version in `lo..=hi` (declared order).
    Versions(CompIdx, Ver, Ver),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
}

impl Cond {
    /// Every component the condition mentions.
    pub fn components(&self, out: &mut Vec<CompIdx>) {
        match self {
            Cond::True => {}
            Cond::Present(c) | Cond::Versions(c, ..) if !out.contains(c) => out.push(*c),
            Cond::Present(_) | Cond::Versions(..) => {}
            Cond::Not(c) => c.components(out),
            Cond::And(cs) | Cond::Or(cs) => cs.iter().for_each(|c| c.components(out)),
        }
    }

    /// Components the condition requires to be present (positive atoms under `and` only):
    /// what a prerequisite asks to be installed first.
    pub fn required_components(&self, out: &mut Vec<CompIdx>) {
        match self {
            Cond::Present(c) | Cond::Versions(c, ..) if !out.contains(c) => out.push(*c),
            Cond::And(cs) => cs.iter().for_each(|c| c.required_components(out)),
            _ => {}
        }
    }

    /// Components that occur under an even number of `not`s: the ones whose absence can make
    /// the condition false.
    pub fn positive_components(&self, out: &mut Vec<CompIdx>) {
        fn walk(c: &Cond, positive: bool, out: &mut Vec<CompIdx>) {
            match c {
                Cond::True => {}
                Cond::Present(x) | Cond::Versions(x, ..) => {
                    if positive && !out.contains(x) {
                        out.push(*x)
                    }
                }
                Cond::Not(c) => walk(c, !positive, out),
                Cond::And(cs) | Cond::Or(cs) => cs.iter().for_each(|c| walk(c, positive, out)),
            }
        }
        walk(self, true, out)
    }

    pub fn and(a: Cond, b: Cond) -> Cond {
        match (a, b) {
            (Cond::True, x) | (x, Cond::True) => x,
            (Cond::And(mut xs), Cond::And(ys)) => {
                xs.extend(ys);
                Cond::And(xs)
            }
            (Cond::And(mut xs), y) => {
                xs.push(y);
                Cond::And(xs)
            }
            (x, y) => Cond::And(vec![x, y]),
        }
    }

    /// Evaluates against a lookup of the present version of each component.
    pub fn eval(&self, version_of: &impl Fn(CompIdx) -> Option<Ver>) -> bool {
        match self {
            Cond::True => true,
            Cond::Present(c) => version_of(*c).is_some(),
            Cond::Versions(c, lo, hi) => version_of(*c).is_some_and(|v| *lo <= v && v <= *hi),
            Cond::Not(c) => !c.eval(version_of),
            Cond::And(cs) => cs.iter().all(|c| c.eval(version_of)),
            Cond::Or(cs) => cs.iter().any(|c| c.eval(version_of)),
        }
    }

    /// Renders back to the condition language, with ids from the catalog.
    pub fn display<'a>(&'a self, catalog: &'a Catalog) -> CondDisplay<'a> {
        CondDisplay { cond: self, catalog, top: true }
    }
}

pub struct CondDisplay<'a> {
    cond: &'a Cond,
    catalog: &'a Catalog,
    top: bool,
}

impl<'a> fmt::Display for CondDisplay<'a> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sub = |c: &'a Cond| CondDisplay { cond: c, catalog: self.catalog, top: false };
        let comps = &self.catalog.components;
        match self.cond {
            Cond::True => f.write_str("always"),
            Cond::Present(c) => f.write_str(&comps[c.idx()].id),
            Cond::Versions(c, lo, hi) => {
                let comp = &comps[c.idx()];
                let v = |i: &Ver| comp.versions[*i as usize].id.as_str();
                if lo == hi {
                    write!(f, "{}@{}", comp.id, v(lo))
                } else if *hi == comp.max_ver() {
                    write!(f, "{}@>={}", comp.id, v(lo))
                } else if *lo == 0 {
                    write!(f, "{}@<={}", comp.id, v(hi))
                } else {
                    write!(f, "{}@{}..{}", comp.id, v(lo), v(hi))
                }
            }
            Cond::Not(c) => write!(f, "not {}", sub(c)),
            Cond::And(cs) | Cond::Or(cs) => {
                let op = if matches!(self.cond, Cond::And(_)) { " and " } else { " or " };
                let paren = !self.top;
                if paren {
                    f.write_str("(")?;
                }
                for (i, c) in cs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(op)?;
                    }
                    write!(f, "{}", sub(c))?;
                }
                if paren {
                    f.write_str(")")?;
                }
                Ok(())
            }
        }
    }
}

/// What a step does to a host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Install components; a versioned component names its version.
    Install(Vec<(CompIdx, Option<Ver>)>),
    Remove(Vec<CompIdx>),
    Upgrade(CompIdx, Ver),
    Move {
        comps: Vec<CompIdx>,
        from: HostIdx,
        to: HostIdx,
    },
    /// Instructions only, no change to the modelled state.
    Manual,
}

impl Action {
    pub fn verb(&self) -> Verb {
        match self {
            Action::Install(_) => Verb::Install,
            Action::Remove(_) => Verb::Remove,
            Action::Upgrade(..) => Verb::Upgrade,
            Action::Move { .. } => Verb::Move,
            Action::Manual => Verb::Manual,
        }
    }

    /// The components the action touches, with the version it names (install, upgrade).
    pub fn targets(&self) -> Vec<(CompIdx, Option<Ver>)> {
        match self {
            Action::Install(cs) => cs.clone(),
            Action::Remove(cs) | Action::Move { comps: cs, .. } => cs.iter().map(|c| (*c, None)).collect(),
            Action::Upgrade(c, v) => vec![(*c, Some(*v))],
            Action::Manual => Vec::new(),
        }
    }

    pub fn describe(&self, catalog: &Catalog, hosts: &[Host]) -> String {
        let comps = &catalog.components;
        let label = |(c, v): &(CompIdx, Option<Ver>)| match v {
            Some(v) => comps[c.idx()].label(*v),
            None => comps[c.idx()].id.clone(),
        };
        match self {
            Action::Install(cs) => format!("install {}", cs.iter().map(label).collect::<Vec<_>>().join(" ")),
            Action::Remove(cs) => {
                format!("remove {}", cs.iter().map(|c| comps[c.idx()].id.as_str()).collect::<Vec<_>>().join(" "))
            }
            Action::Upgrade(c, v) => format!("upgrade {}", comps[c.idx()].label(*v)),
            Action::Move { comps: cs, from, to } => format!(
                "move {} from {} to {}",
                cs.iter().map(|c| comps[c.idx()].id.as_str()).collect::<Vec<_>>().join(" "),
                hosts[from.idx()].id,
                hosts[to.idx()].id
            ),
            Action::Manual => "manual".to_string(),
        }
    }
}

/// What a blocker blocks or a prerequisite is for: a verb and the components it concerns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    pub verb: Verb,
    /// Components with an optional version range (declared order, inclusive).
    pub targets: Vec<(CompIdx, Option<(Ver, Ver)>)>,
    pub span: Span,
    /// The pattern as written, for display.
    pub text: String,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum BlockerSeverity {
    /// The action cannot proceed.
    Hard,
    /// The action proceeds but leaves the listed components broken.
    Breaks,
    /// The action works, but the vendor will not support the result.
    Unsupported,
    /// Worth knowing; changes nothing.
    Warning,
}

impl BlockerSeverity {
    pub fn as_str(self) -> &'static str {
        match self {
            BlockerSeverity::Hard => "hard",
            BlockerSeverity::Breaks => "breaks",
            BlockerSeverity::Unsupported => "unsupported",
            BlockerSeverity::Warning => "warning",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Blocker {
    pub id: String,
    pub span: Span,
    pub title: String,
    pub severity: BlockerSeverity,
    pub blocks: Pattern,
    pub when: Cond,
    pub when_span: Option<Span>,
    pub breaks: Vec<CompIdx>,
    pub summary: String,
    pub symptoms: Markdown,
    pub explanation: Markdown,
    pub resolution: Markdown,
    pub tags: Vec<String>,
    pub sources: Vec<Source>,
    /// Rule links in the Markdown fields.
    pub links: Vec<(Ref, Span)>,
}

#[derive(Clone, Debug)]
pub struct Prerequisite {
    pub id: String,
    pub span: Span,
    pub title: String,
    pub for_: Pattern,
    pub when: Cond,
    pub when_span: Option<Span>,
    pub requires: Cond,
    pub requires_span: Span,
    pub summary: String,
    pub explanation: Markdown,
    pub how: Markdown,
    pub tags: Vec<String>,
    pub sources: Vec<Source>,
    /// Rule links in the Markdown fields.
    pub links: Vec<(Ref, Span)>,
}

/// A fact about real starting states (e.g. every Exchange 2007 server has PowerShell); the
/// validator only simulates starting states that satisfy every constraint.
#[derive(Clone, Debug)]
pub struct Constraint {
    pub require: Cond,
    pub span: Span,
    pub why: String,
}

#[derive(Clone, Debug)]
pub struct Host {
    pub id: String,
    pub span: Span,
    pub title: String,
    /// Existing hosts start in the path's `applies_to` state; new hosts start empty.
    pub existing: bool,
}

#[derive(Clone, Debug)]
pub struct GoalReq {
    pub host: HostIdx,
    /// Evaluated on the starting state of the existing host.
    pub when: Cond,
    pub require: Cond,
    /// Components that, if present on the existing host at the start, must be on `host` at the end.
    pub keeps: Vec<CompIdx>,
    pub span: Span,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Reaches the goal with nothing broken and nothing unsupported.
    Supported,
    /// Reaches the goal, but an `unsupported` blocker fired on the way.
    Unsupported,
    /// Leaves components broken.
    Broken,
    /// Stopped by a hard blocker, a missing prerequisite, or an impossible action.
    Blocked,
    /// Finishes without reaching its goal (simulation result only; never declared).
    #[serde(skip)]
    Incomplete,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Supported => "supported",
            Outcome::Unsupported => "unsupported",
            Outcome::Broken => "broken",
            Outcome::Blocked => "blocked",
            Outcome::Incomplete => "incomplete",
        }
    }
}

#[derive(Clone, Debug)]
pub struct OutcomeCase {
    pub when: Cond,
    pub expect: Outcome,
    pub span: Span,
}

/// A typed reference to something with a page.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ref {
    Component(CompIdx),
    Blocker(BlockerIdx),
    Prerequisite(PrereqIdx),
    Path(PathIdx, Option<String>),
    Article(ArticleIdx, Option<String>),
}

#[derive(Clone, Debug)]
pub struct Step {
    /// Unique within its path; also the HTML anchor.
    pub id: String,
    pub span: Span,
    pub title: String,
    pub host: Option<HostIdx>,
    pub action: Action,
    pub action_span: Option<Span>,
    /// Evaluated on the starting state of the existing host.
    pub when: Cond,
    pub instructions: Markdown,
    pub verify: Markdown,
    pub rollback: Markdown,
    /// Minutes.
    pub duration: Option<u32>,
    pub refs: Vec<(Ref, Span)>,
    /// The procedure this step came from, if it was included with `use`: `(id, title)`.
    pub procedure: Option<(String, String)>,
}

#[derive(Clone, Debug)]
pub struct MigrationPath {
    pub id: String,
    pub span: Span,
    pub title: String,
    pub summary: String,
    pub description: Markdown,
    pub applies_to: Cond,
    pub applies_span: Span,
    pub hosts: Vec<Host>,
    pub goal: Vec<GoalReq>,
    pub outcome: Vec<OutcomeCase>,
    pub outcome_span: Span,
    pub steps: Vec<Step>,
    pub tags: Vec<String>,
    pub sources: Vec<Source>,
    /// Rule links in the description and the steps' Markdown.
    pub links: Vec<(Ref, Span)>,
}

impl MigrationPath {
    /// The host whose state `applies_to` describes.
    pub fn source_host(&self) -> Option<HostIdx> {
        self.hosts.iter().position(|h| h.existing).map(|i| HostIdx(i as u32))
    }

    /// The outcome the path declares for a starting state.
    pub fn expected(&self, version_of: &impl Fn(CompIdx) -> Option<Ver>) -> Option<&OutcomeCase> {
        self.outcome.iter().find(|c| c.when.eval(version_of))
    }

    /// True when the path is documented as failing everywhere (an anti-path).
    pub fn is_anti_path(&self) -> bool {
        self.outcome.iter().all(|c| c.expect != Outcome::Supported)
    }

    pub fn total_minutes(&self) -> u32 {
        self.steps.iter().filter_map(|s| s.duration).sum()
    }
}

/// A slice of a source file's text that shares the file's buffer.
#[derive(Clone, Debug, Default)]
pub struct SharedText {
    text: std::sync::Arc<str>,
    range: std::ops::Range<usize>,
}

impl SharedText {
    /// The text of `text` from `start` on (empty if `start` is not a character boundary).
    pub fn tail(text: std::sync::Arc<str>, start: usize) -> SharedText {
        let start = if text.is_char_boundary(start) { start.min(text.len()) } else { text.len() };
        let end = text.len();
        SharedText { text, range: start..end }
    }
}

impl std::ops::Deref for SharedText {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text[self.range.clone()]
    }
}

#[derive(Clone, Debug)]
pub struct Article {
    /// Path under `content/` without `.md`, `/`-separated: the article's id.
    pub slug: String,
    pub file: FileId,
    pub span: Span,
    pub title: String,
    pub summary: String,
    pub applies_to: Option<Cond>,
    pub applies_span: Option<Span>,
    pub recommends: Vec<(PathIdx, Span)>,
    pub tags: Vec<String>,
    pub sources: Vec<Source>,
    pub weight: i64,
    pub updated: Option<String>,
    /// The Markdown body (after the front matter), shared with the source map, not copied.
    pub body: SharedText,
    /// Byte offset of the body in the file.
    pub body_offset: usize,
    pub headings: Vec<Heading>,
    /// Resolved links to catalog entities and other articles, with where they are.
    pub links: Vec<(Ref, Span)>,
}

/// A file next to the articles (an image, a file to download), published as is under
/// `articles/`.
#[derive(Clone, Debug)]
pub struct Attachment {
    /// Where it is published: `articles/guides/diagram.png`.
    pub rel: String,
    /// Where it is on disk (inside the project: the loader checked).
    pub path: std::path::PathBuf,
    /// Its entry in the source map (no text), so diagnostics can point at it.
    pub file: FileId,
}

/// The whole knowledge base, resolved.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    pub components: Vec<Component>,
    pub blockers: Vec<Blocker>,
    pub prerequisites: Vec<Prerequisite>,
    pub constraints: Vec<Constraint>,
    pub paths: Vec<MigrationPath>,
    pub articles: Vec<Article>,
    pub component_ids: HashMap<String, CompIdx>,
    pub blocker_ids: HashMap<String, BlockerIdx>,
    pub prereq_ids: HashMap<String, PrereqIdx>,
    pub path_ids: HashMap<String, PathIdx>,
    pub article_ids: HashMap<String, ArticleIdx>,
    /// For each component, the blockers whose pattern names it (the evaluator's index).
    pub blockers_by_component: Vec<Vec<BlockerIdx>>,
    pub prereqs_by_component: Vec<Vec<PrereqIdx>>,
    /// Components with a `derived` condition, in declaration order (what `settle` recomputes).
    pub derived: Vec<CompIdx>,
    /// For each component, the components declared `part_of` it.
    pub parts: Vec<Vec<CompIdx>>,
    pub matrices: Vec<Matrix>,
    pub assistant: Option<Assistant>,
    pub attachments: Vec<Attachment>,
}

/// The site's upgrade assistant, resolved.
#[derive(Clone, Debug)]
pub struct Assistant {
    pub title: String,
    pub intro: String,
    pub base: Vec<(CompIdx, Ver)>,
    pub target: Option<Cond>,
    pub questions: Vec<Question>,
    pub max_combinations: u64,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Question {
    pub id: String,
    pub text: String,
    pub help: String,
    pub multiple: bool,
    pub answers: Vec<Answer>,
}

#[derive(Clone, Debug)]
pub struct Answer {
    pub id: String,
    pub label: String,
    pub sets: Vec<(CompIdx, Ver)>,
}

/// A support matrix declared in the catalog: versions of `component` (rows) against versions
/// of `platform` (columns), each cell decided by simulating an install.
#[derive(Clone, Debug)]
pub struct Matrix {
    pub title: String,
    pub component: CompIdx,
    pub platform: CompIdx,
    pub span: Span,
}

impl Catalog {
    pub fn component(&self, id: &str) -> Option<&Component> {
        self.component_ids.get(id).map(|c| &self.components[c.idx()])
    }

    pub fn blocker(&self, id: &str) -> Option<&Blocker> {
        self.blocker_ids.get(id).map(|b| &self.blockers[b.idx()])
    }

    pub fn path(&self, id: &str) -> Option<&MigrationPath> {
        self.path_ids.get(id).map(|p| &self.paths[p.idx()])
    }

    /// Resolves `kind:id[#anchor]` without reporting anything (the checker already did).
    pub fn lookup(&self, dest: &str) -> Option<Ref> {
        let (scheme, id, anchor) = crate::markdown::split_ref(dest)?;
        let anchor = anchor.map(str::to_string);
        match scheme {
            "component" => self.component_ids.get(id).map(|c| Ref::Component(*c)),
            "blocker" => self.blocker_ids.get(id).map(|b| Ref::Blocker(*b)),
            "prerequisite" => self.prereq_ids.get(id).map(|p| Ref::Prerequisite(*p)),
            "path" => self.path_ids.get(id).map(|p| Ref::Path(*p, anchor)),
            _ => self.article_ids.get(id).map(|a| Ref::Article(*a, anchor)),
        }
    }

    /// `kind:id` as written in references and links.
    pub fn ref_label(&self, r: &Ref) -> String {
        match r {
            Ref::Component(c) => format!("component:{}", self.components[c.idx()].id),
            Ref::Blocker(b) => format!("blocker:{}", self.blockers[b.idx()].id),
            Ref::Prerequisite(p) => format!("prerequisite:{}", self.prerequisites[p.idx()].id),
            Ref::Path(p, a) => with_anchor(format!("path:{}", self.paths[p.idx()].id), a),
            Ref::Article(x, a) => with_anchor(format!("article:{}", self.articles[x.idx()].slug), a),
        }
    }

    pub fn ref_title(&self, r: &Ref) -> &str {
        match r {
            Ref::Component(c) => &self.components[c.idx()].title,
            Ref::Blocker(b) => &self.blockers[b.idx()].title,
            Ref::Prerequisite(p) => &self.prerequisites[p.idx()].title,
            Ref::Path(p, _) => &self.paths[p.idx()].title,
            Ref::Article(a, _) => &self.articles[a.idx()].title,
        }
    }
}

fn with_anchor(s: String, a: &Option<String>) -> String {
    match a {
        Some(a) => format!("{s}#{a}"),
        None => s,
    }
}

/// Formats minutes as `1 h 30 min`.
pub fn format_minutes(m: u32) -> String {
    match (m / 60, m % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

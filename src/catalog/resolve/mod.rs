//! Resolve: raw YAML and front matter → the typed [`Catalog`]. Checks ids (unique, declared),
//! parses every condition, pattern, action and duration, expands procedures, and turns every
//! reference into a typed index. Problems become diagnostics; what resolves cleanly is kept, so
//! one typo does not hide every other finding.
//!
//! One file per concern, in the order `resolve` runs them: [`ids`] (declare every id),
//! [`facts`] (components, facts, lists, methods, named conditions), [`conditions`] (the
//! condition language against the catalog), [`actions`] (actions, patterns, settings,
//! durations), [`rules`] (blockers, prerequisites, effects, constraints, matrices, the
//! assistant, Markdown in rules), [`paths`] (paths, steps, procedures), [`articles`], and
//! [`references`] (links, the evaluator's indices).

mod actions;
mod articles;
mod conditions;
mod facts;
mod ids;
mod matrices;
mod paths;
mod references;
mod rules;

use std::collections::HashMap;
use std::path::Path;

use super::load::{Loaded, Origin};
use super::raw::{RawProcedure, S};
use crate::diag::{Code, Diagnostic, SourceMap, Span};
use crate::model::*;

pub use actions::parse_duration;
pub use articles::reresolve_articles;

/// The resolved catalog and whether it is whole.
#[derive(Debug)]
pub struct Resolved {
    pub catalog: Catalog,
    /// False when a component, rule, constraint or procedure failed to resolve: simulating paths
    /// against a partial rule set would report mismatches that are not real.
    pub rules_complete: bool,
}

/// Ids are what conditions and links are made of: keep them tokenisable and URL-safe.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_' || c == '.')
        && id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && !id.contains("..")
        && !crate::expr::KEYWORDS.contains(&id)
        && id != "role"
}

/// The closest candidate by edit distance, if it is close enough to be a typo.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    /// Edit distance counting a swap of two neighbours as one edit (`brtfs` → `btrfs`).
    fn distance(a: &str, b: &str) -> usize {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, cell) in d[0].iter_mut().enumerate() {
            *cell = j;
        }
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut v = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    v = v.min(d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
            }
        }
        d[a.len()][b.len()]
    }
    // Long ids differ from their typos by a few characters; one pass over the candidates,
    // skipping those whose length alone rules them out.
    let max = |len: usize| (len / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| c.len().abs_diff(name.len()) <= max(name.len().max(c.len())))
        .map(|c| (distance(name, c), c))
        .filter(|(d, c)| *d <= max(name.len().max(c.len())))
        .min()
        .map(|(_, c)| c)
}

pub(crate) struct Declared {
    pub span: Span,
}

/// Every id a catalog declares, by kind, with where.
#[derive(Default)]
pub(crate) struct Ids {
    pub components: HashMap<String, Declared>,
    pub facts: HashMap<String, Declared>,
    pub lists: HashMap<String, Declared>,
    pub conditions: HashMap<String, Declared>,
    pub methods: HashMap<String, Declared>,
    pub blockers: HashMap<String, Declared>,
    pub prereqs: HashMap<String, Declared>,
    pub effects: HashMap<String, Declared>,
    pub procedures: HashMap<String, Declared>,
    pub paths: HashMap<String, Declared>,
    pub articles: HashMap<String, Declared>,
}

/// A reference whose target may not exist yet when it is read.
enum Pending {
    StepRule {
        path: PathIdx,
        step: usize,
        text: String,
        span: Span,
    },
    ArticleLink {
        article: ArticleIdx,
        text: String,
        span: Span,
        is_image: bool,
    },
    Recommends {
        article: ArticleIdx,
        text: String,
        span: Span,
    },
    /// A link inside a rule's Markdown field.
    RuleLink {
        owner: Owner,
        text: String,
        span: Span,
    },
}

/// The entity a Markdown field belongs to.
#[derive(Clone, Copy)]
enum Owner {
    Component(CompIdx),
    Blocker(BlockerIdx),
    Prerequisite(PrereqIdx),
    Path(PathIdx),
    Fact(FactIdx),
    Condition(NamedIdx),
    Effect(EffectIdx),
    /// A procedure no path uses: checked, but its links go nowhere.
    Nowhere,
}

/// A role named in a condition, checked against the roles paths declare once all are read.
struct RoleUse {
    role: RoleIdx,
    span: Span,
}

pub(crate) struct Resolver<'a> {
    sources: &'a SourceMap,
    content_dir: &'a Path,
    diags: Vec<Diagnostic>,
    cat: Catalog,
    ids: Ids,
    rules_complete: bool,
    pending: Vec<Pending>,
    /// A rule file failed to load: its ids are missing, so "unknown id" reports would be echoes
    /// of that one error rather than findings of their own.
    load_failed: bool,
    /// Roles used in conditions, and roles declared by path hosts.
    role_uses: Vec<RoleUse>,
    roles_declared: Vec<bool>,
    /// Named conditions as written, resolved on first use (they may refer to each other).
    named_raw: Vec<(Origin, S)>,
    named_state: Vec<NamedState>,
    /// The last answer of [`Resolver::sub`]'s "is this value the source text verbatim?": asked
    /// once per atom of a condition, it compared the whole text each time (a 2 MB condition
    /// spent minutes in `memcmp`).
    verbatim: std::cell::Cell<Option<(Span, usize, usize, bool)>>,
    /// Articles scanned in earlier builds (none when re-resolving edited ones).
    scans: Option<&'a crate::markdown::ScanMemo>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum NamedState {
    Unresolved,
    InProgress,
    Done,
    Failed,
}

/// Resolves everything loaded. `load_failed` says a rule file could not be parsed; then
/// references to unknown ids are not reported (they are most likely defined in that file).
/// `as_of` is the day support phases are computed for.
pub fn resolve(
    loaded: &Loaded,
    sources: &SourceMap,
    content_dir: &Path,
    load_failed: bool,
    as_of: Date,
    scans: &crate::markdown::ScanMemo,
) -> (Resolved, Vec<Diagnostic>) {
    let mut r = Resolver::new(sources, content_dir, Catalog { as_of: Some(as_of), ..Catalog::default() });
    r.load_failed = load_failed;
    r.scans = Some(scans);
    r.declare(loaded);
    r.components(loaded);
    r.facts(loaded);
    r.named_conditions(loaded);
    r.derived_components(loaded);
    r.rules(loaded);
    r.articles(&loaded.articles);
    let procedures: HashMap<&str, (Origin, &RawProcedure)> = loaded
        .files
        .iter()
        .flat_map(|f| f.doc.procedures.iter().map(move |p| (p.id.value.as_str(), (f.origin, p))))
        .collect();
    let mut used = std::collections::HashSet::new();
    for f in &loaded.files {
        for p in &f.doc.paths {
            r.path(f.origin, p, &procedures, &mut used);
        }
    }
    r.unused_procedures(loaded, &procedures, &used);
    r.matrices(loaded);
    r.check_roles();
    r.finish_references();
    r.build_indices();
    r.cat.attachments = loaded.attachments.clone();
    let Resolver { cat, diags, rules_complete, .. } = r;
    (Resolved { catalog: cat, rules_complete }, diags)
}

impl<'a> Resolver<'a> {
    fn new(sources: &'a SourceMap, content_dir: &'a Path, cat: Catalog) -> Resolver<'a> {
        Resolver {
            sources,
            content_dir,
            diags: Vec::new(),
            cat,
            ids: Ids::default(),
            rules_complete: true,
            pending: Vec::new(),
            load_failed: false,
            role_uses: Vec::new(),
            roles_declared: Vec::new(),
            named_raw: Vec::new(),
            named_state: Vec::new(),
            verbatim: std::cell::Cell::new(None),
            scans: None,
        }
    }

    fn span(&self, origin: Origin, s: &S) -> Span {
        origin.span(self.sources, &s.referenced, s.value.len())
    }

    fn err(&mut self, d: Diagnostic) {
        if self.load_failed && matches!(d.code, Code::UnknownComponent | Code::UnresolvedReference) {
            return;
        }
        self.diags.push(d);
    }

    /// Maps a range inside a string value to the file, when the value is written verbatim.
    fn sub(&self, span: Span, value: &str, range: std::ops::Range<usize>) -> Span {
        let key = (span, value.as_ptr() as usize, value.len());
        let verbatim = match self.verbatim.get() {
            Some((s, p, l, v)) if (s, p, l) == key => v,
            _ => {
                let v = (span.end - span.start) as usize == value.len() && self.sources.text(span) == value;
                self.verbatim.set(Some((key.0, key.1, key.2, v)));
                v
            }
        };
        if verbatim { span.slice(range) } else { span }
    }

    fn error_count(&self) -> usize {
        self.diags.iter().filter(|d| d.is_error()).count()
    }

    /// True if this is the definition that owns the id (not a duplicate).
    fn owns(&self, table: &HashMap<String, Declared>, span: Span, id: &str) -> bool {
        table.get(id).is_some_and(|d| d.span == span)
    }

    fn markdown(&self, origin: Origin, s: &Option<S>) -> Markdown {
        match s {
            Some(s) => Markdown { text: s.value.clone(), span: Some(self.span(origin, s)) },
            None => Markdown::default(),
        }
    }

    fn sources_warning(&mut self, span: Span, kind: &str, id: &str, sources: &[Source]) {
        self.source_urls(span, sources);
        if sources.is_empty() {
            self.err(
                Diagnostic::warning(Code::MissingSources, span, format!("{kind} `{id}` cites no sources")).with_hint(
                    "add `sources:` with a title and a URL or document id (e.g. a KB article) so readers can verify it",
                ),
            );
        }
    }

    /// A source's `url` becomes a link on every page that cites it: http(s) only.
    fn source_urls(&mut self, span: Span, sources: &[Source]) {
        for s in sources {
            let Some(url) = &s.url else { continue };
            let lower = url.trim_start().to_ascii_lowercase();
            if !(lower.starts_with("https://") || lower.starts_with("http://")) {
                let at = self.locate_in_file(span, url);
                self.err(
                    Diagnostic::error(
                        Code::BadLink,
                        at,
                        format!(
                            "source URL `{}` is not an http(s) address",
                            url.chars().take(60).collect::<String>().escape_debug()
                        ),
                    )
                    .with_hint("write the full address, starting with https://; a document number goes in `id`"),
                );
            }
        }
    }

    /// Finds `needle` in the file after `span.start` (Markdown fields are often block scalars
    /// whose offsets do not map one to one), falling back to the field itself.
    fn locate_in_file(&self, span: Span, needle: &str) -> Span {
        let text = &self.sources.get(span.file).text;
        match text.get(span.start as usize..).and_then(|t| t.find(needle)) {
            Some(i) if !needle.is_empty() => {
                let start = span.start as usize + i;
                Span::new(span.file, start..start + needle.len())
            }
            _ => span,
        }
    }
}

/// A resolver over a resolved catalog, for one-off resolutions (environment files, edited
/// articles): every id is declared from the catalog itself.
fn over_catalog<'a>(cat: &mut Catalog, sources: &'a SourceMap, content_dir: &'a Path) -> Resolver<'a> {
    let mut r = Resolver::new(sources, content_dir, std::mem::take(cat));
    let declare = |map: &mut HashMap<String, Declared>, id: &str, span: Span| {
        map.insert(id.to_string(), Declared { span });
    };
    let c = &r.cat;
    let ids = &mut r.ids;
    for x in &c.components {
        declare(&mut ids.components, &x.id, x.span);
    }
    for x in &c.facts {
        declare(&mut ids.facts, &x.id, x.span);
    }
    for x in &c.lists {
        declare(&mut ids.lists, &x.id, x.span);
    }
    for x in &c.conditions {
        declare(&mut ids.conditions, &x.id, x.span);
    }
    for x in &c.methods {
        declare(&mut ids.methods, &x.id, x.span);
    }
    for x in &c.blockers {
        declare(&mut ids.blockers, &x.id, x.span);
    }
    for x in &c.prerequisites {
        declare(&mut ids.prereqs, &x.id, x.span);
    }
    for x in &c.effects {
        declare(&mut ids.effects, &x.id, x.span);
    }
    for x in &c.paths {
        declare(&mut ids.paths, &x.id, x.span);
    }
    for x in &c.articles {
        declare(&mut ids.articles, &x.slug, x.span);
    }
    r.named_state = vec![NamedState::Done; r.cat.conditions.len()];
    r.roles_declared = vec![true; r.cat.roles.len()];
    r
}

/// A resolver over a resolved catalog for one-off settings and conditions (environment files,
/// assistant answers): the catalog's ids are declared once, however many it resolves. The
/// catalog is lent to it and given back by [`OneOff::finish`].
pub struct OneOff<'a> {
    r: Resolver<'a>,
}

impl<'a> OneOff<'a> {
    pub fn new(cat: &mut Catalog, sources: &'a SourceMap) -> OneOff<'a> {
        OneOff { r: over_catalog(cat, sources, Path::new("")) }
    }

    /// The catalog, while it is lent.
    pub fn catalog(&self) -> &Catalog {
        &self.r.cat
    }

    /// One condition (`target:` in an environment file).
    pub fn condition(&mut self, o: Origin, s: &S) -> Result<Cond, Vec<Diagnostic>> {
        let before = self.r.diags.len();
        let result = self.r.cond(o, s).map(|(c, _)| c);
        let diags: Vec<Diagnostic> = self.r.diags.drain(before..).collect();
        match result {
            Some(c) if !diags.iter().any(Diagnostic::is_error) => Ok(c),
            _ => Err(diags),
        }
    }

    /// One thing a host has: `component`, `component@version`, `fact = value`,
    /// `component is broken`.
    pub fn setting(&mut self, o: Origin, s: &S) -> Result<Setting, Diagnostic> {
        let before = self.r.diags.len();
        let span = self.r.span(o, s);
        let result = self.r.setting(&s.value, span);
        let mut diags = self.r.diags.drain(before..);
        match (result, diags.next()) {
            (Some(x), None) => Ok(x),
            (_, Some(d)) => Err(d),
            (None, None) => Err(Diagnostic::error(Code::BadCondition, span, "invalid setting")),
        }
    }

    /// Gives the catalog back.
    pub fn finish(self, cat: &mut Catalog) {
        *cat = self.r.cat;
    }
}

/// Resolves one condition against a resolved catalog.
pub fn condition(cat: &mut Catalog, sources: &SourceMap, o: Origin, s: &S) -> Result<Cond, Vec<Diagnostic>> {
    let mut one = OneOff::new(cat, sources);
    let result = one.condition(o, s);
    one.finish(cat);
    result
}

/// Resolves one setting against a resolved catalog (see [`OneOff::setting`]).
pub fn setting(cat: &mut Catalog, sources: &SourceMap, o: Origin, s: &S) -> Result<Setting, Diagnostic> {
    let mut one = OneOff::new(cat, sources);
    let result = one.setting(o, s);
    one.finish(cat);
    result
}

fn origin_span(r: &Resolver, o: Origin, loc: &serde_saphyr::Location) -> Span {
    o.span(r.sources, loc, 1)
}

fn host_list(hosts: &[Host]) -> String {
    hosts.iter().map(|h| format!("`{}`", h.id)).collect::<Vec<_>>().join(", ")
}

fn unknown_host(name: &str, span: Span, hosts: &[Host]) -> Diagnostic {
    let mut d = Diagnostic::error(Code::UnknownHost, span, format!("unknown host `{name}`"));
    d = match suggest(name, hosts.iter().map(|h| h.id.as_str())) {
        Some(s) => d.with_hint(format!("did you mean `{s}`? this path declares {}", host_list(hosts))),
        None => d.with_hint(format!("this path declares {}", host_list(hosts))),
    };
    d
}

/// `javascript:`, `data:` and every other scheme a browser might run or open locally.
fn forbidden_link(dest: &str, scheme: &str, span: Span) -> Diagnostic {
    let shown: String = dest.chars().take(60).collect();
    Diagnostic::error(
        Code::BadLink,
        span,
        format!("links may not use the `{}:` scheme (`{}`)", scheme.escape_debug(), shown.escape_debug()),
    )
    .with_hint("use https://, http://, mailto:, a relative link, or `blocker:ID`, `path:ID`, `article:SLUG` …")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_catch_typos_only() {
        let ids = ["powershell", "windows-server", "exchange-2007", "btrfs"];
        assert_eq!(suggest("powershel", ids), Some("powershell"));
        assert_eq!(suggest("windows-sever", ids), Some("windows-server"));
        assert_eq!(suggest("brtfs", ids), Some("btrfs"));
        assert_eq!(suggest("zzz", ids), None);
    }

    #[test]
    fn ids() {
        assert!(valid_id("exchange-2007"));
        assert!(!valid_id("Exchange"));
        assert!(!valid_id("and"));
        assert!(!valid_id("in"));
        assert!(!valid_id("role"));
        assert!(!valid_id("a..b"));
        assert!(!valid_id("-x"));
    }
}

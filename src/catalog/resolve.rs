//! Resolve: raw YAML and front matter → the typed [`Catalog`]. Checks ids (unique, declared),
//! parses every condition, pattern, action and duration, expands procedures, and turns every
//! reference into a typed index. Problems become diagnostics; what resolves cleanly is kept, so
//! one typo does not hide every other finding.

use std::collections::HashMap;
use std::path::Path;

use super::load::{Loaded, LoadedArticle, Origin};
use super::raw::{RawOutcome, RawProcedure, RawStep, S};
use crate::diag::{Code, Diagnostic, FileId, SourceMap, Span};
use crate::expr::{self, Atom, CondAst, Verb, VersionSpec};
use crate::markdown;
use crate::model::*;

/// The resolved catalog and whether it is whole.
#[derive(Debug)]
pub struct Resolved {
    pub catalog: Catalog,
    /// False when a component, rule, constraint or procedure failed to resolve: simulating paths
    /// against a partial rule set would report mismatches that are not real.
    pub rules_complete: bool,
}

/// The most answer combinations an assistant may have: each is assessed at build time and
/// shipped to every reader's browser.
pub const MAX_COMBINATIONS: u64 = 100_000;

/// Ids are what conditions and links are made of: keep them tokenisable and URL-safe.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_' || c == '.')
        && id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && !id.contains("..")
        && !matches!(id, "and" | "or" | "not" | "from" | "to")
}

/// The closest candidate by edit distance, if it is close enough to be a typo.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    fn distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut cur = vec![i + 1];
            for (j, cb) in b.iter().enumerate() {
                cur.push((prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1));
            }
            prev = cur;
        }
        prev[b.len()]
    }
    candidates
        .into_iter()
        .map(|c| (distance(name, c), c))
        .filter(|(d, c)| *d <= (name.len().max(c.len()) / 3).max(1))
        .min()
        .map(|(_, c)| c)
}

struct Declared {
    span: Span,
}

#[derive(Default)]
struct Ids {
    components: HashMap<String, Declared>,
    blockers: HashMap<String, Declared>,
    prereqs: HashMap<String, Declared>,
    procedures: HashMap<String, Declared>,
    paths: HashMap<String, Declared>,
    articles: HashMap<String, Declared>,
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
}

struct Resolver<'a> {
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
}

/// Resolves everything loaded. `load_failed` says a file could not be parsed; then references
/// to unknown ids are not reported (they are most likely defined in that file).
pub fn resolve(
    loaded: &Loaded,
    sources: &SourceMap,
    content_dir: &Path,
    load_failed: bool,
) -> (Resolved, Vec<Diagnostic>) {
    let mut r = Resolver {
        sources,
        content_dir,
        diags: Vec::new(),
        cat: Catalog::default(),
        ids: Ids::default(),
        rules_complete: true,
        pending: Vec::new(),
        load_failed,
    };
    r.declare(loaded);
    r.components(loaded);
    r.rules(loaded);
    r.articles(&loaded.articles);
    let procedures: HashMap<&str, (Origin, &RawProcedure)> = loaded
        .files
        .iter()
        .flat_map(|f| f.doc.procedures.iter().map(move |p| (p.id.value.as_str(), (f.origin, p))))
        .collect();
    for f in &loaded.files {
        for p in &f.doc.paths {
            r.path(f.origin, p, &procedures);
        }
    }
    r.finish_references();
    r.build_indices();
    r.cat.attachments = loaded.attachments.clone();
    let Resolver { cat, diags, rules_complete, .. } = r;
    (Resolved { catalog: cat, rules_complete }, diags)
}

impl<'a> Resolver<'a> {
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
        if (span.end - span.start) as usize == value.len() && self.sources.text(span) == value {
            span.slice(range)
        } else {
            span
        }
    }

    // ----- ids -------------------------------------------------------------------------------

    fn declare(&mut self, loaded: &Loaded) {
        for f in &loaded.files {
            let o = f.origin;
            for c in &f.doc.components {
                self.declare_one(o, &c.id, "component", |ids| &mut ids.components);
            }
            for b in &f.doc.blockers {
                self.declare_one(o, &b.id, "blocker", |ids| &mut ids.blockers);
            }
            for p in &f.doc.prerequisites {
                self.declare_one(o, &p.id, "prerequisite", |ids| &mut ids.prereqs);
            }
            for p in &f.doc.procedures {
                self.declare_one(o, &p.id, "procedure", |ids| &mut ids.procedures);
            }
            for p in &f.doc.paths {
                self.declare_one(o, &p.id, "path", |ids| &mut ids.paths);
            }
        }
        for a in &loaded.articles {
            let span = Span::file_start(a.origin.file);
            self.ids.articles.insert(a.slug.clone(), Declared { span });
        }
        // Declared but broken, like a component that failed to resolve: already reported.
        for slug in &loaded.failed_articles {
            self.ids.articles.entry(slug.clone()).or_insert(Declared { span: Span::file_start(FileId(0)) });
        }
    }

    fn declare_one(
        &mut self,
        o: Origin,
        id: &S,
        kind: &str,
        table: impl Fn(&mut Ids) -> &mut HashMap<String, Declared>,
    ) {
        let span = self.span(o, id);
        if !valid_id(&id.value) {
            self.err(
                Diagnostic::error(Code::Shape, span, format!("`{}` is not a valid {kind} id", id.value))
                    .with_hint("ids use lowercase letters, digits, `-`, `_` and `.`, start with a letter or digit, and are not `and`, `or`, `not`, `from` or `to`"),
            );
            if matches!(kind, "component" | "blocker" | "prerequisite" | "procedure") {
                self.rules_complete = false;
            }
        }
        let map = table(&mut self.ids);
        if let Some(first) = map.get(&id.value) {
            let first = first.span;
            self.err(
                Diagnostic::error(Code::DuplicateId, span, format!("{kind} `{}` is defined twice", id.value))
                    .with_label("second definition")
                    .with_secondary(first, "first defined here")
                    .with_hint("ids are global across all files under rules/; rename one of them"),
            );
            if matches!(kind, "component" | "blocker" | "prerequisite" | "procedure") {
                self.rules_complete = false;
            }
        } else {
            map.insert(id.value.clone(), Declared { span });
        }
    }

    /// True if this is the definition that owns the id (not a duplicate).
    fn owns(&self, table: &HashMap<String, Declared>, span: Span, id: &str) -> bool {
        table.get(id).is_some_and(|d| d.span == span)
    }

    // ----- components ------------------------------------------------------------------------

    fn components(&mut self, loaded: &Loaded) {
        // First pass: ids and versions, so conditions in the second pass can refer to any component.
        let mut raw = Vec::new();
        for f in &loaded.files {
            for c in &f.doc.components {
                let span = self.span(f.origin, &c.id);
                if !self.owns(&self.ids.components, span, &c.id.value) {
                    continue;
                }
                let mut versions: Vec<Version> = Vec::new();
                let mut seen = std::collections::HashSet::new();
                for v in &c.versions {
                    let vspan = self.span(f.origin, v);
                    if !seen.insert(v.value.as_str()) {
                        self.err(Diagnostic::error(
                            Code::DuplicateId,
                            vspan,
                            format!("version `{}` is listed twice", v.value),
                        ));
                        self.rules_complete = false;
                        continue;
                    }
                    if v.value.is_empty()
                        || !v.value.chars().all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch))
                        || v.value.contains("..")
                    {
                        self.err(
                            Diagnostic::error(Code::Shape, vspan, format!("`{}` is not a valid version", v.value))
                                .with_hint("versions use letters, digits, `-`, `_` and single `.`"),
                        );
                        self.rules_complete = false;
                        continue;
                    }
                    let title = c.version_titles.get(&v.value).cloned().unwrap_or_else(|| v.value.clone());
                    versions.push(Version { id: v.value.clone(), title });
                }
                for key in c.version_titles.keys() {
                    if !versions.iter().any(|v| &v.id == key) {
                        self.err(
                            Diagnostic::error(
                                Code::UnknownVersion,
                                span,
                                format!("`version_titles` names `{key}`, which `{}` does not list", c.id.value),
                            )
                            .with_hint("every key of version_titles must appear in versions"),
                        );
                        self.rules_complete = false;
                    }
                }
                self.source_urls(span, &c.sources);
                let idx = CompIdx(self.cat.components.len() as u32);
                self.cat.component_ids.insert(c.id.value.clone(), idx);
                self.cat.components.push(Component {
                    id: c.id.value.clone(),
                    span,
                    title: c.title.clone(),
                    kind: c.kind,
                    versions,
                    part_of: None,
                    derived: None,
                    summary: c.summary.clone().unwrap_or_default(),
                    description: self.markdown(f.origin, &c.description),
                    also_known_as: c.also_known_as.clone(),
                    tags: c.tags.clone(),
                    sources: c.sources.clone(),
                    links: Vec::new(),
                });
                raw.push((f.origin, idx, c));
            }
        }
        for (origin, idx, c) in raw {
            if let Some(p) = &c.part_of {
                let span = self.span(origin, p);
                if let Some(parent) = self.component_ref(&p.value, span) {
                    if parent == idx {
                        self.err(Diagnostic::error(Code::Shape, span, "a component cannot be part of itself"));
                        self.rules_complete = false;
                    } else {
                        self.cat.components[idx.idx()].part_of = Some(parent);
                    }
                } else {
                    self.rules_complete = false;
                }
            }
            if let Some(d) = &c.derived {
                match self.cond(origin, d) {
                    Some((cond, _)) => self.cat.components[idx.idx()].derived = Some(cond),
                    None => self.rules_complete = false,
                }
            }
        }
        self.check_part_of_cycles();
    }

    fn check_part_of_cycles(&mut self) {
        for start in 0..self.cat.components.len() {
            let mut seen = vec![start];
            let mut cur = start;
            while let Some(p) = self.cat.components[cur].part_of {
                if seen.contains(&p.idx()) {
                    let c = &self.cat.components[start];
                    let d = Diagnostic::error(
                        Code::PrerequisiteCycle,
                        c.span,
                        format!("`part_of` goes round in a circle from `{}`", c.id),
                    )
                    .with_note(format!(
                        "cycle: {}",
                        seen.iter().map(|i| self.cat.components[*i].id.as_str()).collect::<Vec<_>>().join(" → ")
                    ));
                    self.err(d);
                    self.cat.components[start].part_of = None;
                    self.rules_complete = false;
                    break;
                }
                seen.push(p.idx());
                cur = p.idx();
            }
        }
    }

    fn component_ref(&mut self, id: &str, span: Span) -> Option<CompIdx> {
        if let Some(c) = self.cat.component_ids.get(id) {
            return Some(*c);
        }
        if self.ids.components.contains_key(id) {
            return None; // declared but broken: already reported
        }
        let mut d = Diagnostic::error(Code::UnknownComponent, span, format!("unknown component `{id}`"));
        if let Some(s) = suggest(id, self.cat.component_ids.keys().map(String::as_str)) {
            d = d.with_hint(format!("did you mean `{s}`?"));
        } else {
            d = d.with_hint("declare it under `components:` in a file in rules/");
        }
        self.err(d);
        None
    }

    fn markdown(&self, origin: Origin, s: &Option<S>) -> Markdown {
        match s {
            Some(s) => Markdown { text: s.value.clone(), span: Some(self.span(origin, s)) },
            None => Markdown::default(),
        }
    }

    // ----- conditions, patterns, actions ------------------------------------------------------

    fn cond(&mut self, origin: Origin, s: &S) -> Option<(Cond, Span)> {
        let span = self.span(origin, s);
        match expr::parse_condition(&s.value) {
            Err(e) => {
                let at = self.sub(span, &s.value, e.range.clone());
                let mut d = Diagnostic::error(Code::BadCondition, at, format!("invalid condition: {}", e.message));
                if let Some(h) = e.hint {
                    d = d.with_hint(h);
                }
                self.err(d);
                None
            }
            Ok(ast) => self.cond_ast(&ast, span, &s.value).map(|c| (c, span)),
        }
    }

    fn cond_ast(&mut self, ast: &CondAst, span: Span, value: &str) -> Option<Cond> {
        Some(match ast {
            CondAst::Atom(a) => self.atom(a, span, value)?,
            CondAst::Not(c) => Cond::Not(Box::new(self.cond_ast(c, span, value)?)),
            CondAst::And(cs) | CondAst::Or(cs) => {
                // Resolve every operand so each unknown id is reported, not just the first.
                let parts: Vec<_> = cs.iter().map(|c| self.cond_ast(c, span, value)).collect();
                let parts: Option<Vec<_>> = parts.into_iter().collect();
                if matches!(ast, CondAst::And(_)) { Cond::And(parts?) } else { Cond::Or(parts?) }
            }
        })
    }

    fn atom(&mut self, a: &Atom, span: Span, value: &str) -> Option<Cond> {
        let id_span = self.sub(span, value, a.id.range.clone());
        let c = self.component_ref(&a.id.text, id_span)?;
        let Some(spec) = &a.spec else {
            return Some(Cond::Present(c));
        };
        let (lo, hi) = self.version_range(c, spec, span, value)?;
        if lo > hi {
            let at = self.sub(span, value, a.range.clone());
            self.err(
                Diagnostic::warning(
                    Code::NeverApplies,
                    at,
                    "this version range contains no version, so the atom never holds",
                )
                .with_hint(format!("`{}` has versions {}", a.id.text, self.version_list(c))),
            );
            return Some(Cond::Not(Box::new(Cond::True)));
        }
        Some(Cond::Versions(c, lo, hi))
    }

    fn version_list(&self, c: CompIdx) -> String {
        let comp = &self.cat.components[c.idx()];
        if comp.versions.is_empty() {
            return "none".to_string();
        }
        comp.versions.iter().map(|v| format!("`{}`", v.id)).collect::<Vec<_>>().join(" < ")
    }

    fn version(&mut self, c: CompIdx, w: &expr::Word, span: Span, value: &str) -> Option<Ver> {
        let comp = &self.cat.components[c.idx()];
        if let Some(i) = comp.versions.iter().position(|v| v.id == w.text) {
            return Some(i as Ver);
        }
        let at = self.sub(span, value, w.range.clone());
        let d = if comp.versions.is_empty() {
            Diagnostic::error(
                Code::UnknownVersion,
                at,
                format!("`{}` has no versions, so it cannot be `@{}`", comp.id, w.text),
            )
            .with_hint(format!("write just `{}`", comp.id))
        } else {
            let mut d =
                Diagnostic::error(Code::UnknownVersion, at, format!("`{}` has no version `{}`", comp.id, w.text));
            let hint = match suggest(&w.text, comp.versions.iter().map(|v| v.id.as_str())) {
                Some(s) => format!("did you mean `{s}`? declared versions: {}", self.version_list(c)),
                None => format!("declared versions: {}", self.version_list(c)),
            };
            d = d.with_hint(hint);
            d
        };
        self.err(d);
        None
    }

    /// An inclusive range of version indices; `lo > hi` means empty.
    fn version_range(&mut self, c: CompIdx, spec: &VersionSpec, span: Span, value: &str) -> Option<(Ver, Ver)> {
        let max = self.cat.components[c.idx()].max_ver();
        Some(match spec {
            VersionSpec::Eq(v) => {
                let v = self.version(c, v, span, value)?;
                (v, v)
            }
            VersionSpec::Ge(v) => (self.version(c, v, span, value)?, max),
            VersionSpec::Gt(v) => (self.version(c, v, span, value)? + 1, max),
            VersionSpec::Le(v) => (0, self.version(c, v, span, value)?),
            VersionSpec::Lt(v) => {
                let v = self.version(c, v, span, value)?;
                if v == 0 { (1, 0) } else { (0, v - 1) }
            }
            VersionSpec::Between(lo, hi) => {
                let (l, h) = (self.version(c, lo, span, value), self.version(c, hi, span, value));
                let (l, h) = (l?, h?);
                if l > h {
                    let at = self.sub(span, value, lo.range.start..hi.range.end);
                    self.err(
                        Diagnostic::error(Code::UnknownVersion, at, format!("`{}..{}` is backwards", lo.text, hi.text))
                            .with_hint(format!("versions are ordered as declared: {}", self.version_list(c))),
                    );
                    return None;
                }
                (l, h)
            }
        })
    }

    fn pattern(&mut self, origin: Origin, s: &S) -> Option<Pattern> {
        let span = self.span(origin, s);
        let ast = match expr::parse_action(&s.value, true) {
            Ok(a) => a,
            Err(e) => {
                let at = self.sub(span, &s.value, e.range.clone());
                let mut d = Diagnostic::error(Code::BadAction, at, format!("invalid action pattern: {}", e.message));
                if let Some(h) = e.hint {
                    d = d.with_hint(h);
                }
                self.err(d);
                return None;
            }
        };
        let mut targets = Vec::new();
        let mut ok = true;
        for t in &ast.targets {
            let id_span = self.sub(span, &s.value, t.id.range.clone());
            let Some(c) = self.component_ref(&t.id.text, id_span) else {
                ok = false;
                continue;
            };
            let range = match &t.spec {
                Some(spec) => match self.version_range(c, spec, span, &s.value) {
                    Some(r) => Some(r),
                    None => {
                        ok = false;
                        continue;
                    }
                },
                None => None,
            };
            targets.push((c, range));
        }
        ok.then(|| Pattern { verb: ast.verb, targets, span, text: s.value.clone() })
    }

    fn action(&mut self, origin: Origin, s: &S, hosts: &[Host]) -> Option<Action> {
        let span = self.span(origin, s);
        let value = s.value.as_str();
        let ast = match expr::parse_action(value, false) {
            Ok(a) => a,
            Err(e) => {
                let at = self.sub(span, value, e.range.clone());
                let mut d = Diagnostic::error(Code::BadAction, at, format!("invalid action: {}", e.message));
                if let Some(h) = e.hint {
                    d = d.with_hint(h);
                }
                self.err(d);
                return None;
            }
        };
        let mut comps = Vec::new();
        let mut ok = true;
        for t in &ast.targets {
            let id_span = self.sub(span, value, t.id.range.clone());
            let Some(c) = self.component_ref(&t.id.text, id_span) else {
                ok = false;
                continue;
            };
            let comp = &self.cat.components[c.idx()];
            if comp.derived.is_some() && ast.verb != Verb::Move {
                let d = Diagnostic::error(
                    Code::BadAction,
                    id_span,
                    format!("`{}` is derived; steps cannot {} it", comp.id, ast.verb.as_str()),
                )
                .with_hint(
                    "a derived component follows its `derived` condition; change what the condition mentions instead",
                );
                self.err(d);
                ok = false;
                continue;
            }
            let ver = match (&t.spec, ast.verb) {
                (Some(VersionSpec::Eq(w)), Verb::Install | Verb::Upgrade) => match self.version(c, w, span, value) {
                    Some(v) => Some(v),
                    None => {
                        ok = false;
                        continue;
                    }
                },
                (Some(_), _) => {
                    let at = self.sub(span, value, t.range.clone());
                    self.err(Diagnostic::error(
                        Code::BadAction,
                        at,
                        format!("`{}` takes component ids without versions", ast.verb.as_str()),
                    ));
                    ok = false;
                    continue;
                }
                (None, Verb::Install | Verb::Upgrade) if comp.is_versioned() => {
                    let at = self.sub(span, value, t.range.clone());
                    let d = Diagnostic::error(
                        Code::UnknownVersion,
                        at,
                        format!("say which version of `{}` to {}", comp.id, ast.verb.as_str()),
                    )
                    .with_hint(format!(
                        "for example `{}`; declared versions: {}",
                        comp.label(comp.max_ver()),
                        self.version_list(c)
                    ));
                    self.err(d);
                    ok = false;
                    continue;
                }
                (None, Verb::Upgrade) => {
                    let at = self.sub(span, value, t.range.clone());
                    self.err(
                        Diagnostic::error(
                            Code::UnknownVersion,
                            at,
                            format!("`{}` has no versions to upgrade between", comp.id),
                        )
                        .with_hint("use `install` or `remove`"),
                    );
                    ok = false;
                    continue;
                }
                (None, _) => None,
            };
            comps.push((c, ver));
        }
        let mut host = |w: &Option<expr::Word>| -> Option<HostIdx> {
            let w = w.as_ref()?;
            let at = self.sub(span, value, w.range.clone());
            match hosts.iter().position(|h| h.id == w.text) {
                Some(i) => Some(HostIdx(i as u32)),
                None => {
                    self.err(unknown_host(&w.text, at, hosts));
                    None
                }
            }
        };
        let from = host(&ast.from);
        let to = host(&ast.to);
        if !ok {
            return None;
        }
        Some(match ast.verb {
            Verb::Install => Action::Install(comps),
            Verb::Remove => Action::Remove(comps.into_iter().map(|(c, _)| c).collect()),
            Verb::Upgrade => {
                let (c, v) = comps.into_iter().next()?;
                Action::Upgrade(c, v?)
            }
            Verb::Move => {
                let (from, to) = (from?, to?);
                if from == to {
                    self.err(Diagnostic::error(Code::BadAction, span, "a move needs two different hosts"));
                    return None;
                }
                Action::Move { comps: comps.into_iter().map(|(c, _)| c).collect(), from, to }
            }
            Verb::Manual | Verb::Any => Action::Manual,
        })
    }

    fn duration(&mut self, origin: Origin, s: &S) -> Option<u32> {
        let span = self.span(origin, s);
        match parse_duration(&s.value) {
            Some(m) => Some(m),
            None => {
                self.err(
                    Diagnostic::error(Code::BadDuration, span, format!("cannot read `{}` as a duration", s.value))
                        .with_hint("write minutes and hours like `15m`, `1h` or `1h30m`"),
                );
                None
            }
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

    // ----- rules -----------------------------------------------------------------------------

    fn rules(&mut self, loaded: &Loaded) {
        for f in &loaded.files {
            let o = f.origin;
            for b in &f.doc.blockers {
                let span = self.span(o, &b.id);
                if !self.owns(&self.ids.blockers, span, &b.id.value) {
                    continue;
                }
                let blocks = self.pattern(o, &b.blocks);
                let when = match &b.when {
                    Some(w) => self.cond(o, w).map(|(c, s)| (c, Some(s))),
                    None => Some((Cond::True, None)),
                };
                let mut breaks = Vec::new();
                let mut ok = blocks.is_some() && when.is_some();
                for c in &b.breaks {
                    let s = self.span(o, c);
                    match self.component_ref(&c.value, s) {
                        Some(c) => breaks.push(c),
                        None => ok = false,
                    }
                }
                let severity = b.severity.value;
                let sev_span = origin_span(self, o, &b.severity.referenced);
                if severity == BlockerSeverity::Breaks && b.breaks.is_empty() {
                    self.err(
                        Diagnostic::error(Code::Shape, sev_span, "a `breaks` blocker must say what it breaks")
                            .with_hint("add `breaks: [component-id, …]`"),
                    );
                    ok = false;
                }
                if severity != BlockerSeverity::Breaks && !b.breaks.is_empty() {
                    self.err(
                        Diagnostic::error(
                            Code::Shape,
                            sev_span,
                            format!("a `{}` blocker cannot list `breaks`", severity.as_str()),
                        )
                        .with_hint("use `severity: breaks`, or drop `breaks`"),
                    );
                    ok = false;
                }
                self.sources_warning(span, "blocker", &b.id.value, &b.sources);
                if !ok {
                    self.rules_complete = false;
                    continue;
                }
                let (when, when_span) = when.expect("checked");
                let idx = BlockerIdx(self.cat.blockers.len() as u32);
                self.cat.blocker_ids.insert(b.id.value.clone(), idx);
                let blocker = Blocker {
                    id: b.id.value.clone(),
                    span,
                    title: b.title.clone(),
                    severity,
                    blocks: blocks.expect("checked"),
                    when,
                    when_span,
                    breaks,
                    summary: b.summary.clone().unwrap_or_default(),
                    symptoms: self.markdown(o, &b.symptoms),
                    explanation: self.markdown(o, &b.explanation),
                    resolution: self.markdown(o, &b.resolution),
                    tags: b.tags.clone(),
                    sources: b.sources.clone(),
                    links: Vec::new(),
                };
                for md in [&blocker.symptoms, &blocker.explanation, &blocker.resolution] {
                    self.scan_rule_markdown(md, Owner::Blocker(idx));
                }
                self.cat.blockers.push(blocker);
            }
            for p in &f.doc.prerequisites {
                let span = self.span(o, &p.id);
                if !self.owns(&self.ids.prereqs, span, &p.id.value) {
                    continue;
                }
                let for_ = self.pattern(o, &p.for_);
                let when = match &p.when {
                    Some(w) => self.cond(o, w).map(|(c, s)| (c, Some(s))),
                    None => Some((Cond::True, None)),
                };
                let requires = self.cond(o, &p.requires);
                self.sources_warning(span, "prerequisite", &p.id.value, &p.sources);
                let (Some(for_), Some((when, when_span)), Some((requires, requires_span))) = (for_, when, requires)
                else {
                    self.rules_complete = false;
                    continue;
                };
                let idx = PrereqIdx(self.cat.prerequisites.len() as u32);
                self.cat.prereq_ids.insert(p.id.value.clone(), idx);
                let prereq = Prerequisite {
                    id: p.id.value.clone(),
                    span,
                    title: p.title.clone(),
                    for_,
                    when,
                    when_span,
                    requires,
                    requires_span,
                    summary: p.summary.clone().unwrap_or_default(),
                    explanation: self.markdown(o, &p.explanation),
                    how: self.markdown(o, &p.how),
                    tags: p.tags.clone(),
                    sources: p.sources.clone(),
                    links: Vec::new(),
                };
                for md in [&prereq.explanation, &prereq.how] {
                    self.scan_rule_markdown(md, Owner::Prerequisite(idx));
                }
                self.cat.prerequisites.push(prereq);
            }
            for c in &f.doc.constraints {
                match self.cond(o, &c.require) {
                    Some((require, span)) => {
                        self.cat.constraints.push(Constraint { require, span, why: c.why.clone() })
                    }
                    None => self.rules_complete = false,
                }
            }
            if let Some(a) = &f.doc.assistant {
                self.assistant(o, a);
            }
            for m in &f.doc.matrices {
                let cs = self.span(o, &m.component);
                let ps = self.span(o, &m.platform);
                let (Some(component), Some(platform)) =
                    (self.component_ref(&m.component.value, cs), self.component_ref(&m.platform.value, ps))
                else {
                    continue;
                };
                let mut ok = true;
                for (c, s) in [(component, cs), (platform, ps)] {
                    if !self.cat.components[c.idx()].is_versioned() {
                        self.err(Diagnostic::error(
                            Code::UnknownVersion,
                            s,
                            "a support matrix needs a component with versions",
                        ));
                        ok = false;
                    }
                }
                if ok {
                    self.cat.matrices.push(Matrix { title: m.title.clone(), component, platform, span: cs });
                }
            }
        }
        for c in 0..self.cat.components.len() {
            let md = self.cat.components[c].description.clone();
            self.scan_rule_markdown(&md, Owner::Component(CompIdx(c as u32)));
        }
    }

    /// `component` / `component@version` items; a bad one is reported and clears `ok`.
    fn settings(&mut self, o: Origin, items: &[S], ok: &mut bool) -> Vec<(CompIdx, Ver)> {
        let mut out = Vec::new();
        for item in items {
            match setting(&self.cat, self.sources, o, item) {
                Ok(x) => out.push(x),
                Err(d) => {
                    self.err(d);
                    *ok = false;
                }
            }
        }
        out
    }

    fn assistant(&mut self, o: Origin, a: &super::raw::RawAssistant) {
        let span = a.questions.first().map_or(Span::file_start(o.file), |q| self.span(o, &q.id));
        if self.cat.assistant.is_some() {
            self.err(
                Diagnostic::error(Code::Assistant, span, "a second `assistant:`")
                    .with_hint("declare the assistant in one catalog file"),
            );
            return;
        }
        let mut ok = true;
        let base = self.settings(o, &a.base, &mut ok);
        let target = match &a.target {
            Some(t) => match self.cond(o, t) {
                Some((c, _)) => Some(c),
                None => {
                    ok = false;
                    None
                }
            },
            None => None,
        };
        let mut questions: Vec<Question> = Vec::new();
        let mut qspans: Vec<Span> = Vec::new();
        for q in &a.questions {
            let qspan = self.span(o, &q.id);
            qspans.push(qspan);
            if questions.iter().any(|x| x.id == q.id.value) {
                self.err(Diagnostic::error(
                    Code::DuplicateId,
                    qspan,
                    format!("question `{}` is asked twice", q.id.value),
                ));
                ok = false;
            }
            if q.answers.is_empty() {
                self.err(Diagnostic::error(
                    Code::Assistant,
                    qspan,
                    format!("question `{}` has no answers", q.id.value),
                ));
                ok = false;
            }
            let mut answers: Vec<Answer> = Vec::new();
            for ans in &q.answers {
                let aspan = self.span(o, &ans.id);
                if answers.iter().any(|x| x.id == ans.id.value) {
                    self.err(Diagnostic::error(
                        Code::DuplicateId,
                        aspan,
                        format!("answer `{}` appears twice", ans.id.value),
                    ));
                    ok = false;
                }
                let sets = self.settings(o, &ans.sets, &mut ok);
                answers.push(Answer { id: ans.id.value.clone(), label: ans.label.clone(), sets });
            }
            questions.push(Question {
                id: q.id.value.clone(),
                text: q.text.clone(),
                help: q.help.clone().unwrap_or_default(),
                multiple: q.multiple,
                answers,
            });
        }
        let max = match &a.max_combinations {
            Some(m) if m.value > MAX_COMBINATIONS || m.value == 0 => {
                let at = origin_span(self, o, &m.referenced);
                self.err(
                    Diagnostic::error(
                        Code::Assistant,
                        at,
                        format!("`max_combinations` is {}; it must be between 1 and {MAX_COMBINATIONS}", m.value),
                    )
                    .with_note("every combination is assessed at build time and shipped to readers' browsers")
                    .with_hint("ask fewer questions at once, or split a multiple-choice question"),
                );
                ok = false;
                MAX_COMBINATIONS
            }
            Some(m) => m.value,
            None => 4096,
        };
        let choices =
            |q: &Question| if q.multiple { 1u128 << q.answers.len().min(100) } else { q.answers.len().max(1) as u128 };
        let count: u128 = questions.iter().map(choices).fold(1u128, |a, b| a.saturating_mul(b));
        if count > max as u128 {
            let mut parts: Vec<(u128, String)> = questions
                .iter()
                .map(|q| {
                    let n = choices(q);
                    (
                        n,
                        format!(
                            "`{}` ({}{} answers → {n})",
                            q.id,
                            if q.multiple { "any of " } else { "" },
                            q.answers.len()
                        ),
                    )
                })
                .collect();
            // Point at the question that multiplies the space the most; name them all, largest first.
            let widest = (0..questions.len()).max_by_key(|i| choices(&questions[*i])).unwrap_or(0);
            let span = qspans.get(widest).copied().unwrap_or(span);
            parts.sort_by_key(|p| std::cmp::Reverse(p.0));
            let parts: Vec<String> = parts.into_iter().map(|(_, p)| p).collect();
            self.err(
                Diagnostic::error(
                    Code::Assistant,
                    span,
                    format!("the assistant's answers make {count} combinations; the limit is {max}"),
                )
                .with_note(format!("questions: {}", parts.join(", ")))
                .with_hint("split a multiple-choice question, drop answers, or raise `max_combinations`"),
            );
            ok = false;
        }
        if ok {
            self.cat.assistant = Some(Assistant {
                title: a.title.clone().unwrap_or_else(|| "Upgrade assistant".to_string()),
                intro: a.intro.clone().unwrap_or_default(),
                base,
                target,
                questions,
                max_combinations: max,
                span,
            });
        }
    }

    fn scan_rule_markdown(&mut self, md: &Markdown, owner: Owner) {
        let Some(span) = md.span else { return };
        let scan = markdown::scan(&md.text);
        let spans: Vec<Span> = scan
            .bad_ids
            .iter()
            .map(|(_, r)| r)
            .chain(scan.large_code.iter().map(|(_, r)| r))
            .map(|r| self.locate_in_file(span, &md.text[r.clone()]))
            .collect();
        self.markdown_findings(&scan, &spans);
        for link in scan.links {
            let at = self.locate_in_file(span, &link.dest);
            match markdown::classify(&link.dest) {
                markdown::Dest::Catalog => self.pending.push(Pending::RuleLink { owner, text: link.dest, span: at }),
                markdown::Dest::Forbidden(scheme) => self.err(forbidden_link(&link.dest, &scheme, at)),
                markdown::Dest::Relative => self.err(
                    Diagnostic::error(
                        Code::BadLink,
                        at,
                        format!("`{}` is a relative link, which has no page to be relative to here", link.dest),
                    )
                    .with_hint("catalog text appears on several pages; link articles as `article:SLUG` and other sites with https://"),
                ),
                markdown::Dest::Web | markdown::Dest::Fragment => {}
            }
        }
    }

    /// What every Markdown text is checked for besides its links: heading ids that are not
    /// safe in an attribute, and code blocks too large to highlight.
    /// `spans` locates the bad ids, then the large blocks, in the file.
    fn markdown_findings(&mut self, scan: &markdown::Scan, spans: &[Span]) {
        let mut at = spans.iter().copied();
        for (id, _) in &scan.bad_ids {
            let Some(span) = at.next() else { return };
            let d = Diagnostic::error(
                Code::BadAnchor,
                span,
                if id.contains('=') || !id.starts_with('.') && id.contains(char::is_whitespace) {
                    format!(
                        "heading attribute `{}` is not allowed; headings take only `{{#id}}` and `{{.class}}`",
                        id.escape_debug()
                    )
                } else {
                    format!(
                        "heading id `{}` has characters outside letters, digits, `-`, `_` and `.`",
                        id.escape_debug()
                    )
                },
            )
            .with_hint("ids become attributes and link targets; write something like `{#notes}`");
            self.err(d);
        }
        for (len, _) in &scan.large_code {
            let Some(span) = at.next() else { return };
            let d = Diagnostic::warning(
                Code::Budget,
                span,
                format!("this code block ({} KiB) is shown without highlighting", len.div_ceil(1024)),
            )
            .with_note(format!(
                "blocks over {} KiB or with a line over {} characters are not highlighted",
                markdown::MAX_HIGHLIGHT_BYTES / 1024,
                markdown::MAX_HIGHLIGHT_LINE
            ))
            .with_hint("attach the file instead (it is published next to the article) and show an excerpt");
            self.err(d);
        }
    }

    /// Finds `needle` in the file after `span.start` (Markdown fields are often block scalars
    /// whose offsets do not map one to one), falling back to the field itself.
    fn locate_in_file(&self, span: Span, needle: &str) -> Span {
        let text = &self.sources.get(span.file).text;
        match text.get(span.start as usize..).and_then(|t| t.find(needle)) {
            Some(i) => {
                let start = span.start as usize + i;
                Span::new(span.file, start..start + needle.len())
            }
            None => span,
        }
    }

    // ----- articles --------------------------------------------------------------------------

    fn articles(&mut self, articles: &[LoadedArticle]) {
        // Scanning Markdown is the expensive part and independent per article.
        let scans: Vec<markdown::Scan> = {
            use rayon::prelude::*;
            articles
                .par_iter()
                .map(|a| if a.front.draft { markdown::Scan::default() } else { markdown::scan(a.body(self.sources)) })
                .collect()
        };
        for (a, scan) in articles.iter().zip(scans) {
            if a.front.draft {
                continue;
            }
            let idx = ArticleIdx(self.cat.articles.len() as u32);
            let article = self.article(a, scan, idx);
            self.cat.article_ids.insert(a.slug.clone(), idx);
            self.cat.articles.push(article);
        }
    }

    /// One article, with its links queued for resolution once every id is known.
    fn article(&mut self, a: &LoadedArticle, scan: markdown::Scan, idx: ArticleIdx) -> Article {
        let file = a.origin.file;
        let title_span = self.front_title_span(a);
        let (applies_to, applies_span) = match &a.front.applies_to {
            Some(s) => self.cond(a.origin, s).map(|(c, sp)| (Some(c), Some(sp))).unwrap_or((None, None)),
            None => (None, None),
        };
        self.source_urls(Span::new(file, a.origin.base..a.origin.base), &a.front.sources);
        for r in &a.front.recommends {
            let span = self.span(a.origin, r);
            self.pending.push(Pending::Recommends { article: idx, text: r.value.clone(), span });
        }
        let base = a.body_offset;
        let spans: Vec<Span> = scan
            .bad_ids
            .iter()
            .map(|(_, r)| r)
            .chain(scan.large_code.iter().map(|(_, r)| r))
            .map(|r| Span::new(file, base + r.start..base + r.end))
            .collect();
        self.markdown_findings(&scan, &spans);
        for link in &scan.links {
            let span = Span::new(file, a.body_offset + link.range.start..a.body_offset + link.range.end);
            self.pending.push(Pending::ArticleLink {
                article: idx,
                text: link.dest.clone(),
                span,
                is_image: link.is_image,
            });
        }
        Article {
            slug: a.slug.clone(),
            file,
            span: title_span,
            title: a.front.title.clone(),
            summary: a.front.summary.clone().unwrap_or_default(),
            applies_to,
            applies_span,
            recommends: Vec::new(),
            tags: a.front.tags.clone(),
            sources: a.front.sources.clone(),
            weight: a.front.weight,
            updated: a.front.updated.clone(),
            body: SharedText::tail(self.sources.get(file).text.clone(), a.body_offset),
            body_offset: a.body_offset,
            headings: scan.headings,
            links: Vec::new(),
        }
    }

    fn front_title_span(&self, a: &LoadedArticle) -> Span {
        let text = &self.sources.get(a.origin.file).text;
        match text[a.origin.base..].find("title:") {
            Some(i) => Span::new(a.origin.file, a.origin.base + i..a.origin.base + i + 5),
            None => Span::file_start(a.origin.file),
        }
    }

    // ----- paths -----------------------------------------------------------------------------

    fn path(&mut self, o: Origin, p: &super::raw::RawPath, procedures: &HashMap<&str, (Origin, &RawProcedure)>) {
        let span = self.span(o, &p.id);
        if !self.owns(&self.ids.paths, span, &p.id.value) {
            return;
        }
        let errors_before = self.error_count();
        let mut hosts: Vec<Host> = Vec::new();
        for h in &p.hosts {
            let hspan = self.span(o, &h.id);
            if !valid_id(&h.id.value) {
                self.err(Diagnostic::error(Code::Shape, hspan, format!("`{}` is not a valid host id", h.id.value)));
            } else if hosts.iter().any(|x| x.id == h.id.value) {
                self.err(Diagnostic::error(
                    Code::DuplicateId,
                    hspan,
                    format!("host `{}` is declared twice in this path", h.id.value),
                ));
            }
            hosts.push(Host { id: h.id.value.clone(), span: hspan, title: h.title.clone(), existing: h.existing });
        }
        let existing = hosts.iter().filter(|h| h.existing).count();
        if existing != 1 {
            self.err(
                Diagnostic::error(
                    Code::Shape,
                    span,
                    format!("path `{}` has {existing} existing hosts; it needs exactly one", p.id.value),
                )
                .with_hint(
                    "mark the host whose state `applies_to` describes with `existing: true`; other hosts start empty",
                ),
            );
        }
        let applies = self.cond(o, &p.applies_to);
        let mut goal = Vec::new();
        for g in &p.goal {
            let hspan = self.span(o, &g.host);
            let host = match hosts.iter().position(|h| h.id == g.host.value) {
                Some(i) => Some(HostIdx(i as u32)),
                None => {
                    self.err(unknown_host(&g.host.value, hspan, &hosts));
                    None
                }
            };
            let when = match &g.when {
                Some(w) => self.cond(o, w).map(|x| x.0),
                None => Some(Cond::True),
            };
            let require = match &g.require {
                Some(w) => self.cond(o, w).map(|x| x.0),
                None => Some(Cond::True),
            };
            let mut keeps = Vec::new();
            for k in &g.keeps {
                let ks = self.span(o, k);
                if let Some(c) = self.component_ref(&k.value, ks) {
                    keeps.push(c);
                }
            }
            if g.require.is_none() && g.keeps.is_empty() {
                self.err(Diagnostic::error(Code::Shape, hspan, "a goal needs `require`, `keeps`, or both"));
            }
            if let (Some(host), Some(when), Some(require)) = (host, when, require) {
                goal.push(GoalReq { host, when, require, keeps, span: hspan });
            }
        }
        let outcome_span = origin_span(self, o, &p.outcome.referenced);
        let outcome = match &p.outcome.value {
            RawOutcome::One(x) => vec![OutcomeCase { when: Cond::True, expect: *x, span: outcome_span }],
            RawOutcome::Cases(cases) => {
                let mut out = Vec::new();
                for c in cases {
                    let cspan = origin_span(self, o, &c.referenced);
                    let when = match &c.value.when {
                        Some(w) => self.cond(o, w).map(|x| x.0),
                        None => Some(Cond::True),
                    };
                    if let Some(when) = when {
                        out.push(OutcomeCase { when, expect: c.value.expect.value, span: cspan });
                    }
                }
                if out.is_empty() {
                    self.err(Diagnostic::error(Code::Shape, outcome_span, "`outcome` lists no cases"));
                }
                out
            }
        };
        let mut steps = Vec::new();
        let mut step_refs = Vec::new();
        for s in &p.steps {
            self.step_entry(o, s, &hosts, procedures, None, &mut steps, &mut step_refs);
        }
        for (i, a) in steps.iter().enumerate() {
            if let Some(first) = steps[..i].iter().find(|b: &&Step| b.id == a.id) {
                let d = Diagnostic::error(
                    Code::DuplicateId,
                    a.span,
                    format!("step `{}` appears twice in path `{}`", a.id, p.id.value),
                )
                .with_secondary(first.span, "first here")
                .with_hint("step ids are anchors on the path page and must be unique within the path");
                self.err(d);
            }
        }
        if p.steps.is_empty() {
            self.err(Diagnostic::error(Code::Shape, span, format!("path `{}` has no steps", p.id.value)));
        }
        self.sources_warning(span, "path", &p.id.value, &p.sources);
        if self.error_count() > errors_before {
            return;
        }
        let Some((applies_to, applies_span)) = applies else { return };
        let idx = PathIdx(self.cat.paths.len() as u32);
        for (step, rule) in step_refs {
            if let (text, Some(sspan)) = rule {
                self.pending.push(Pending::StepRule { path: idx, step, text, span: sspan });
            }
        }
        let path = MigrationPath {
            id: p.id.value.clone(),
            span,
            title: p.title.clone(),
            summary: p.summary.clone().unwrap_or_default(),
            description: self.markdown(o, &p.description),
            applies_to,
            applies_span,
            hosts,
            goal,
            outcome,
            outcome_span,
            steps,
            tags: p.tags.clone(),
            sources: p.sources.clone(),
            links: Vec::new(),
        };
        self.scan_rule_markdown(&path.description, Owner::Path(idx));
        for s in &path.steps {
            for md in [&s.instructions, &s.verify, &s.rollback] {
                self.scan_rule_markdown(md, Owner::Path(idx));
            }
        }
        self.cat.path_ids.insert(path.id.clone(), idx);
        self.cat.paths.push(path);
    }

    fn error_count(&self) -> usize {
        self.diags.iter().filter(|d| d.is_error()).count()
    }

    /// One entry of a `steps:` list: a step, or `use: PROCEDURE` expanded in place.
    #[allow(clippy::too_many_arguments)]
    fn step_entry(
        &mut self,
        o: Origin,
        s: &serde_saphyr::Spanned<RawStep>,
        hosts: &[Host],
        procedures: &HashMap<&str, (Origin, &RawProcedure)>,
        via: Option<(&str, &str, Option<HostIdx>, &Cond)>,
        out: &mut Vec<Step>,
        refs: &mut Vec<(usize, (String, Option<Span>))>,
    ) {
        let raw = &s.value;
        let entry_span = origin_span(self, o, &s.referenced);
        let host = match &raw.host {
            Some(h) => {
                let hspan = self.span(o, h);
                if via.is_some() {
                    self.err(
                        Diagnostic::error(Code::Shape, hspan, "steps inside a procedure do not name a host")
                            .with_hint("the `use:` entry that includes the procedure gives the host"),
                    );
                    None
                } else {
                    match hosts.iter().position(|x| x.id == h.value) {
                        Some(i) => Some(HostIdx(i as u32)),
                        None => {
                            self.err(unknown_host(&h.value, hspan, hosts));
                            None
                        }
                    }
                }
            }
            None => via.and_then(|v| v.2),
        };
        let when = match &raw.when {
            Some(w) => self.cond(o, w).map(|x| x.0).unwrap_or(Cond::True),
            None => Cond::True,
        };
        let when = match via {
            Some((_, _, _, outer)) => Cond::and(outer.clone(), when),
            None => when,
        };
        if let Some(u) = &raw.use_ {
            let uspan = self.span(o, u);
            if via.is_some() {
                self.err(Diagnostic::error(Code::Shape, uspan, "procedures cannot include other procedures"));
                return;
            }
            let extra = raw.id.is_some() as u8
                + raw.title.is_some() as u8
                + raw.action.is_some() as u8
                + raw.instructions.is_some() as u8
                + raw.verify.is_some() as u8
                + raw.rollback.is_some() as u8
                + raw.duration.is_some() as u8
                + (!raw.rules.is_empty()) as u8;
            if extra > 0 {
                self.err(
                    Diagnostic::error(Code::Shape, uspan, "a `use:` entry takes only `host` and `when`")
                        .with_hint("put the other fields on the procedure's steps"),
                );
            }
            let Some((po, proc_)) = procedures.get(u.value.as_str()) else {
                let mut d =
                    Diagnostic::error(Code::UnresolvedReference, uspan, format!("unknown procedure `{}`", u.value));
                if let Some(sug) = suggest(&u.value, procedures.keys().copied()) {
                    d = d.with_hint(format!("did you mean `{sug}`?"));
                }
                self.err(d);
                return;
            };
            for ps in &proc_.steps {
                self.step_entry(
                    *po,
                    ps,
                    hosts,
                    procedures,
                    Some((&proc_.id.value, &proc_.title, host, &when)),
                    out,
                    refs,
                );
            }
            return;
        }
        let Some(id) = &raw.id else {
            self.err(
                Diagnostic::error(Code::Shape, entry_span, "step has no `id`")
                    .with_hint("give every step a short id such as `remove-powershell`; it becomes the step's anchor"),
            );
            return;
        };
        let id_span = self.span(o, id);
        if !valid_id(&id.value) {
            self.err(Diagnostic::error(Code::Shape, id_span, format!("`{}` is not a valid step id", id.value)));
        }
        let Some(title) = raw.title.clone() else {
            self.err(Diagnostic::error(Code::Shape, id_span, format!("step `{}` has no `title`", id.value)));
            return;
        };
        let action_span = raw.action.as_ref().map(|a| self.span(o, a));
        let action = match &raw.action {
            Some(a) => match self.action(o, a, hosts) {
                Some(a) => a,
                None => return,
            },
            None => Action::Manual,
        };
        let needs_host = !matches!(action, Action::Manual | Action::Move { .. });
        if needs_host && host.is_none() && raw.host.is_none() {
            let at = action_span.unwrap_or(id_span);
            self.err(
                Diagnostic::error(
                    Code::UnknownHost,
                    at,
                    format!("step `{}` changes a host but does not say which", id.value),
                )
                .with_hint(format!("add `host:` with one of {}", host_list(hosts))),
            );
            return;
        }
        let duration = raw.duration.as_ref().and_then(|d| self.duration(o, d));
        let index = out.len();
        for r in &raw.rules {
            refs.push((index, (r.value.clone(), Some(self.span(o, r)))));
        }
        out.push(Step {
            id: id.value.clone(),
            span: id_span,
            title,
            host,
            action,
            action_span,
            when,
            instructions: self.markdown(o, &raw.instructions),
            verify: self.markdown(o, &raw.verify),
            rollback: self.markdown(o, &raw.rollback),
            duration,
            refs: Vec::new(),
            procedure: via.map(|v| (v.0.to_string(), v.1.to_string())),
        });
    }

    // ----- references ------------------------------------------------------------------------

    fn finish_references(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        for p in pending {
            match p {
                Pending::StepRule { path, step, text, span } => {
                    let r = if markdown::split_ref(&text).is_some() {
                        self.reference(&text, span)
                    } else {
                        self.err(
                            Diagnostic::error(
                                Code::UnresolvedReference,
                                span,
                                format!("`{text}` is not a rule reference"),
                            )
                            .with_hint(
                                "write `blocker:ID`, `prerequisite:ID`, `component:ID`, `path:ID` or `article:SLUG`",
                            ),
                        );
                        None
                    };
                    if let Some(r) = r {
                        self.cat.paths[path.idx()].steps[step].refs.push((r, span));
                    }
                }
                Pending::RuleLink { owner, text, span } => {
                    if let Some(r) = self.reference(&text, span) {
                        let links = match owner {
                            Owner::Component(c) => &mut self.cat.components[c.idx()].links,
                            Owner::Blocker(b) => &mut self.cat.blockers[b.idx()].links,
                            Owner::Prerequisite(p) => &mut self.cat.prerequisites[p.idx()].links,
                            Owner::Path(p) => &mut self.cat.paths[p.idx()].links,
                        };
                        links.push((r, span));
                    }
                }
                Pending::Recommends { article, text, span } => {
                    let target = text.strip_prefix("path:").unwrap_or(&text);
                    match self.cat.path_ids.get(target) {
                        Some(p) => self.cat.articles[article.idx()].recommends.push((*p, span)),
                        None if self.ids.paths.contains_key(target) => {}
                        None => {
                            let mut d = Diagnostic::error(
                                Code::UnresolvedReference,
                                span,
                                format!("`recommends` names unknown path `{target}`"),
                            );
                            if let Some(s) = suggest(target, self.ids.paths.keys().map(String::as_str)) {
                                d = d.with_hint(format!("did you mean `{s}`?"));
                            }
                            self.err(d);
                        }
                    }
                }
                Pending::ArticleLink { article, text, span, is_image } => {
                    if markdown::split_ref(&text).is_some() {
                        if let Some(r) = self.reference(&text, span) {
                            self.cat.articles[article.idx()].links.push((r, span));
                        }
                    } else if let Some(r) = self.relative_link(article, &text, span, is_image) {
                        self.cat.articles[article.idx()].links.push((r, span));
                    }
                }
            }
        }
    }

    /// Resolves `kind:id[#anchor]`, reporting what does not resolve.
    fn reference(&mut self, text: &str, span: Span) -> Option<Ref> {
        let (scheme, id, anchor) = markdown::split_ref(text)?;
        let anchor_owned = anchor.map(str::to_string);
        let (found, declared) = match scheme {
            "component" => {
                (self.cat.component_ids.get(id).map(|c| Ref::Component(*c)), self.ids.components.contains_key(id))
            }
            "blocker" => (self.cat.blocker_ids.get(id).map(|c| Ref::Blocker(*c)), self.ids.blockers.contains_key(id)),
            "prerequisite" => {
                (self.cat.prereq_ids.get(id).map(|c| Ref::Prerequisite(*c)), self.ids.prereqs.contains_key(id))
            }
            "path" => (
                self.cat.path_ids.get(id).map(|c| Ref::Path(*c, anchor_owned.clone())),
                self.ids.paths.contains_key(id),
            ),
            _ => (
                self.cat.article_ids.get(id).map(|c| Ref::Article(*c, anchor_owned.clone())),
                self.ids.articles.contains_key(id),
            ),
        };
        let Some(r) = found else {
            if !declared {
                // Suggestions cost a scan of every id: only on the error path.
                let table = match scheme {
                    "component" => &self.ids.components,
                    "blocker" => &self.ids.blockers,
                    "prerequisite" => &self.ids.prereqs,
                    "path" => &self.ids.paths,
                    _ => &self.ids.articles,
                };
                let mut d = Diagnostic::error(
                    Code::UnresolvedReference,
                    span,
                    format!("`{text}` does not resolve: there is no {scheme} `{id}`"),
                );
                if let Some(s) = suggest(id, table.keys().map(String::as_str)) {
                    d = d.with_hint(format!("did you mean `{scheme}:{s}`?"));
                }
                self.err(d);
            }
            return None;
        };
        if let Some(anchor) = anchor {
            let anchors: Vec<String> = match &r {
                Ref::Path(p, _) => self.cat.paths[p.idx()].steps.iter().map(|s| s.id.clone()).collect(),
                Ref::Article(a, _) => self.cat.articles[a.idx()].headings.iter().map(|h| h.id.clone()).collect(),
                _ => {
                    self.err(Diagnostic::error(
                        Code::UnresolvedReference,
                        span,
                        format!("`{scheme}:` links take no `#anchor`"),
                    ));
                    return None;
                }
            };
            if !anchors.iter().any(|a| a == anchor) {
                let mut d = Diagnostic::error(
                    Code::UnresolvedReference,
                    span,
                    format!("`{text}`: no anchor `#{anchor}` on that page"),
                );
                if let Some(s) = suggest(anchor, anchors.iter().map(String::as_str)) {
                    d = d.with_hint(format!("did you mean `#{s}`?"));
                } else if !anchors.is_empty() {
                    d = d.with_hint(format!(
                        "anchors there: {}",
                        anchors.iter().take(8).map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
                    ));
                }
                self.err(d);
                return None;
            }
        }
        Some(r)
    }

    /// A relative link in an article: another article (`other.md#x`) or a file under content/.
    fn relative_link(&mut self, article: ArticleIdx, dest: &str, span: Span, is_image: bool) -> Option<Ref> {
        if dest.is_empty() || dest.starts_with('#') {
            if let Some(anchor) = dest.strip_prefix('#') {
                let a = &self.cat.articles[article.idx()];
                if !anchor.is_empty() && !a.headings.iter().any(|h| h.id == anchor) {
                    self.err(Diagnostic::error(
                        Code::UnresolvedReference,
                        span,
                        format!("no heading with id `#{anchor}` in this article"),
                    ));
                }
            }
            return None;
        }
        match markdown::classify(dest) {
            markdown::Dest::Relative => {}
            markdown::Dest::Forbidden(scheme) => {
                self.err(forbidden_link(dest, &scheme, span));
                return None;
            }
            _ => return None, // external
        }
        let (file_part, anchor) = match dest.split_once('#') {
            Some((f, a)) => (f, Some(a)),
            None => (dest, None),
        };
        let file_part = file_part.split('?').next().unwrap_or(file_part);
        let slug = self.cat.articles[article.idx()].slug.clone();
        let base_dir: Vec<&str> = slug.split('/').collect();
        let mut parts: Vec<String> = if file_part.starts_with('/') {
            Vec::new()
        } else {
            base_dir[..base_dir.len() - 1].iter().map(|s| s.to_string()).collect()
        };
        for seg in file_part.split('/') {
            match seg {
                "" | "." => {}
                ".." => {
                    if parts.pop().is_none() {
                        self.err(
                            Diagnostic::error(
                                Code::BadLink,
                                span,
                                format!("`{dest}` points outside the content directory"),
                            )
                            .with_hint("links in articles stay inside content/"),
                        );
                        return None;
                    }
                }
                s => parts.push(s.to_string()),
            }
        }
        let target = parts.join("/");
        if let Some(stem) = target.strip_suffix(".md") {
            return match self.cat.article_ids.get(stem) {
                Some(a) => {
                    let r = Ref::Article(*a, anchor.map(str::to_string));
                    if let Some(anchor) = anchor {
                        if !self.cat.articles[a.idx()].headings.iter().any(|h| h.id == anchor) {
                            self.err(Diagnostic::error(
                                Code::UnresolvedReference,
                                span,
                                format!("`{dest}`: no heading `#{anchor}` there"),
                            ));
                            return None;
                        }
                    }
                    Some(r)
                }
                None if self.ids.articles.contains_key(stem) => None,
                None => {
                    self.err(Diagnostic::error(
                        Code::BadLink,
                        span,
                        format!("`{dest}` links to an article that does not exist"),
                    ));
                    None
                }
            };
        }
        if !self.content_dir.join(&target).is_file() {
            let what = if is_image { "image" } else { "file" };
            self.err(
                Diagnostic::error(Code::BadLink, span, format!("`{dest}`: no such {what} under the content directory"))
                    .with_hint("files next to articles are published with them; check the name"),
            );
        }
        None
    }

    fn build_indices(&mut self) {
        let n = self.cat.components.len();
        self.cat.derived =
            (0..n).filter(|i| self.cat.components[*i].derived.is_some()).map(|i| CompIdx(i as u32)).collect();
        self.cat.blockers_by_component = vec![Vec::new(); n];
        self.cat.prereqs_by_component = vec![Vec::new(); n];
        self.cat.parts = vec![Vec::new(); n];
        for (i, c) in self.cat.components.iter().enumerate() {
            if let Some(p) = c.part_of {
                self.cat.parts[p.idx()].push(CompIdx(i as u32));
            }
        }
        for (i, b) in self.cat.blockers.iter().enumerate() {
            for (c, _) in &b.blocks.targets {
                self.cat.blockers_by_component[c.idx()].push(BlockerIdx(i as u32));
            }
        }
        for (i, p) in self.cat.prerequisites.iter().enumerate() {
            for (c, _) in &p.for_.targets {
                self.cat.prereqs_by_component[c.idx()].push(PrereqIdx(i as u32));
            }
        }
    }
}

/// Re-resolves edited articles in place against an unchanged rule set (same files, same
/// slugs, none became a draft): their front matter, headings and links, plus every link
/// elsewhere that points at one of their headings. Returns the diagnostics of all of that.
pub fn reresolve_articles(
    cat: &mut Catalog,
    sources: &SourceMap,
    content_dir: &Path,
    changed: &[(ArticleIdx, LoadedArticle)],
) -> Vec<Diagnostic> {
    let mut ids = Ids::default();
    let declare = |map: &mut HashMap<String, Declared>, id: &str, span: Span| {
        map.insert(id.to_string(), Declared { span });
    };
    for c in &cat.components {
        declare(&mut ids.components, &c.id, c.span);
    }
    for b in &cat.blockers {
        declare(&mut ids.blockers, &b.id, b.span);
    }
    for p in &cat.prerequisites {
        declare(&mut ids.prereqs, &p.id, p.span);
    }
    for p in &cat.paths {
        declare(&mut ids.paths, &p.id, p.span);
    }
    for a in &cat.articles {
        declare(&mut ids.articles, &a.slug, a.span);
    }
    let mut r = Resolver {
        sources,
        content_dir,
        diags: Vec::new(),
        cat: std::mem::take(cat),
        ids,
        rules_complete: true,
        pending: Vec::new(),
        load_failed: false,
    };
    for (idx, a) in changed {
        let scan = markdown::scan(a.body(sources));
        let article = r.article(a, scan, *idx);
        r.cat.articles[idx.idx()] = article;
    }
    r.finish_references();
    // Links elsewhere into an edited article's headings may have lost their target.
    let edited: Vec<ArticleIdx> = changed.iter().map(|(i, _)| *i).collect();
    let into_edited = |(r, _): &&(Ref, Span)| matches!(r, Ref::Article(t, Some(_)) if edited.contains(t));
    let mut incoming: Vec<(Ref, Span)> = Vec::new();
    for (i, a) in r.cat.articles.iter().enumerate() {
        if !edited.contains(&ArticleIdx(i as u32)) {
            incoming.extend(a.links.iter().filter(into_edited).cloned());
        }
    }
    for p in &r.cat.paths {
        incoming.extend(p.links.iter().filter(into_edited).cloned());
        for s in &p.steps {
            incoming.extend(s.refs.iter().filter(into_edited).cloned());
        }
    }
    let rule_links = r.cat.components.iter().map(|c| &c.links).chain(r.cat.blockers.iter().map(|b| &b.links));
    for links in rule_links.chain(r.cat.prerequisites.iter().map(|p| &p.links)) {
        incoming.extend(links.iter().filter(into_edited).cloned());
    }
    for (target, span) in incoming {
        if let Ref::Article(t, Some(anchor)) = &target {
            if edited.contains(t) && !r.cat.articles[t.idx()].headings.iter().any(|h| &h.id == anchor) {
                let d = Diagnostic::error(
                    Code::UnresolvedReference,
                    span,
                    format!("`{}`: no anchor `#{anchor}` on that page", r.cat.ref_label(&target)),
                )
                .with_hint("the heading was renamed or removed");
                r.diags.push(d);
            }
        }
    }
    *cat = r.cat;
    r.diags
}

/// Resolves one condition against a resolved catalog (environment files for `plan`).
pub fn condition(cat: &mut Catalog, sources: &SourceMap, o: Origin, s: &S) -> Result<Cond, Vec<Diagnostic>> {
    let mut r = Resolver {
        sources,
        content_dir: Path::new(""),
        diags: Vec::new(),
        cat: std::mem::take(cat),
        ids: Ids::default(),
        rules_complete: true,
        pending: Vec::new(),
        load_failed: false,
    };
    let result = r.cond(o, s).map(|(c, _)| c);
    *cat = r.cat;
    match result {
        Some(c) if !r.diags.iter().any(Diagnostic::is_error) => Ok(c),
        _ => Err(r.diags),
    }
}

/// One `component` or `component@version` a host has (assistant answers, plan environments).
pub fn setting(cat: &Catalog, sources: &SourceMap, o: Origin, s: &S) -> Result<(CompIdx, Ver), Diagnostic> {
    let span = o.span(sources, &s.referenced, s.value.len());
    let value = s.value.as_str();
    let sub = |r: std::ops::Range<usize>| {
        if (span.end - span.start) as usize == value.len() { span.slice(r) } else { span }
    };
    let atom = match expr::parse_condition(value) {
        Ok(CondAst::Atom(a)) => a,
        Ok(_) => {
            return Err(Diagnostic::error(Code::BadCondition, span, format!("`{value}` is not one component"))
                .with_hint("write `component` or `component@version`"));
        }
        Err(e) => {
            return Err(Diagnostic::error(
                Code::BadCondition,
                sub(e.range),
                format!("invalid component: {}", e.message),
            ));
        }
    };
    let id_span = sub(atom.id.range.clone());
    let Some(&c) = cat.component_ids.get(&atom.id.text) else {
        let mut d = Diagnostic::error(Code::UnknownComponent, id_span, format!("unknown component `{}`", atom.id.text));
        if let Some(sg) = suggest(&atom.id.text, cat.component_ids.keys().map(String::as_str)) {
            d = d.with_hint(format!("did you mean `{sg}`?"));
        }
        return Err(d);
    };
    let comp = &cat.components[c.idx()];
    match (&atom.spec, comp.is_versioned()) {
        (None, false) => Ok((c, 0)),
        (Some(VersionSpec::Eq(w)), true) => match comp.versions.iter().position(|v| v.id == w.text) {
            Some(v) => Ok((c, v as Ver)),
            None => Err(Diagnostic::error(
                Code::UnknownVersion,
                sub(w.range.clone()),
                format!("`{}` has no version `{}`", comp.id, w.text),
            )
            .with_hint(format!(
                "declared versions: {}",
                comp.versions.iter().map(|v| format!("`{}`", v.id)).collect::<Vec<_>>().join(" < ")
            ))),
        },
        (None, true) => {
            Err(Diagnostic::error(Code::UnknownVersion, id_span, format!("say which version of `{}`", comp.id))
                .with_hint(format!("for example `{}`", comp.label(comp.max_ver()))))
        }
        (Some(_), false) => Err(Diagnostic::error(
            Code::UnknownVersion,
            sub(atom.range.clone()),
            format!("`{}` has no versions", comp.id),
        )
        .with_hint(format!("write just `{}`", comp.id))),
        (Some(_), true) => {
            Err(Diagnostic::error(Code::UnknownVersion, sub(atom.range.clone()), "name one exact version")
                .with_hint(format!("for example `{}`", comp.label(comp.max_ver()))))
        }
    }
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

/// `15m`, `1h`, `1h30m`, `90 min`, `2 h` → minutes.
pub fn parse_duration(s: &str) -> Option<u32> {
    let s = s.trim().to_ascii_lowercase();
    if s.is_empty() {
        return None;
    }
    let mut total: u32 = 0;
    let mut rest = s.as_str();
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let n: u32 = rest[..digits].parse().ok()?;
        rest = rest[digits..].trim_start();
        let unit_len = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        let factor = match unit {
            "h" | "hr" | "hrs" | "hour" | "hours" => 60,
            "m" | "min" | "mins" | "minute" | "minutes" => 1,
            "d" | "day" | "days" => 24 * 60,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(factor)?)?;
        rest = rest[unit_len..].trim_start();
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("15m"), Some(15));
        assert_eq!(parse_duration("1h30m"), Some(90));
        assert_eq!(parse_duration("2 h"), Some(120));
        assert_eq!(parse_duration("90 min"), Some(90));
        assert_eq!(parse_duration("1d"), Some(1440));
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("15"), None);
        assert_eq!(parse_duration("99999999999h"), None);
    }

    #[test]
    fn suggestions_catch_typos_only() {
        let ids = ["powershell", "windows-server", "exchange-2007"];
        assert_eq!(suggest("powershel", ids), Some("powershell"));
        assert_eq!(suggest("windows-sever", ids), Some("windows-server"));
        assert_eq!(suggest("zzz", ids), None);
    }

    #[test]
    fn ids() {
        assert!(valid_id("exchange-2007"));
        assert!(!valid_id("Exchange"));
        assert!(!valid_id("and"));
        assert!(!valid_id("a..b"));
        assert!(!valid_id("-x"));
    }
}

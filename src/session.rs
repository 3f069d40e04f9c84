//! A session: a project kept in memory between builds, so an edit costs what it touches.
//!
//! `build` opens a session once and writes its pages; `serve` keeps one open and feeds it the
//! files the watcher reports. [`Session::update`] picks the cheapest correct way to apply a
//! set of changed files:
//!
//! - **articles only** (existing Markdown files edited): re-parse those files, re-resolve those
//!   articles against the unchanged rules, re-check them, and re-render the pages that show
//!   them — the article, what it links to (their "Referenced by"), what links to it when its
//!   title changed, the lists, its tags, its neighbours and its search shard;
//! - **theme only**: recompile the templates and re-render every page from the model in memory;
//! - **anything else** (rules, `book.toml`, files added or removed): reload, re-parsing only the
//!   files whose text changed, and re-render the pages whose entities changed.
//!
//! The pages of the last good build stay in place until a new build succeeds.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::catalog::load::{self, ParseCache};
use crate::catalog::resolve;
use crate::check;
use crate::diag::{Code, Diagnostic, Span};
use crate::model::*;
use crate::project::Project;
use crate::render::backlinks::article_targets;
use crate::render::highlight::Highlighter;
use crate::render::search::SearchMemo;
use crate::render::{PageKey, RenderState, Renderer};

/// How an update was applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateKind {
    /// Nothing that matters changed (e.g. a file saved without changes).
    Unchanged,
    Articles,
    Theme,
    Full,
}

#[derive(Debug)]
pub struct Update {
    pub kind: UpdateKind,
    /// Files written (pages and assets) by this update.
    pub rendered: usize,
    pub elapsed: Duration,
    /// Whether the served pages now reflect the sources.
    pub ok: bool,
    /// Time per phase of the fast path (for `PATHBOOK_TIMINGS` and the benchmark).
    pub phases: Vec<(&'static str, Duration)>,
}

/// The pages of a site: output path → bytes.
pub type Pages = HashMap<String, Arc<[u8]>>;

pub struct Session {
    pub root: PathBuf,
    pub project: Project,
    cache: ParseCache,
    hl: Highlighter,
    /// What the search index computed, kept between builds.
    search: SearchMemo,
    state: Option<RenderState>,
    /// The last good site.
    pub pages: Arc<Pages>,
    /// False when the sources have errors that `pages` does not reflect.
    pub fresh: bool,
    /// Bumped whenever `pages` changes.
    pub generation: u64,
    /// Files the project was loaded from, to tell edits from additions and removals.
    known: HashSet<PathBuf>,
    /// An edit changed what the search index holds; [`Session::refresh_search`] redoes it.
    search_stale: bool,
}

/// The project at `root` loaded and checked (re-parsing only files `parsed` does not hold),
/// and the files it was loaded from.
fn load_project(
    root: &Path,
    parsed: &mut ParseCache,
    overrides: &crate::config::Overrides,
) -> (Project, HashSet<PathBuf>) {
    let mut project = Project::open_cached(root, parsed, overrides);
    project.run_checks();
    let known = project.sources.files().map(|(_, f)| f.path.clone()).collect();
    (project, known)
}

impl Session {
    /// Loads, checks and (if there are no errors) renders the whole site.
    pub fn open(root: &Path) -> Session {
        Session::open_with(root, &crate::config::Overrides::default())
    }

    /// [`Session::open`] with command-line overrides (kept for every reload).
    pub fn open_with(root: &Path, overrides: &crate::config::Overrides) -> Session {
        Session::open_cached(root, overrides, None)
    }

    /// [`Session::open_with`], reusing what an earlier run saved in `cache` (a folder from
    /// [`crate::cache::dir_for`]; see [`Session::save_cache`]).
    pub fn open_cached(root: &Path, overrides: &crate::config::Overrides, cache: Option<&Path>) -> Session {
        let mut parsed = ParseCache::default();
        if let Some(dir) = cache {
            // Resolving reads it: before the project loads.
            parsed.scans.load(&crate::cache::scan_file(dir));
        }
        // The other cache files are read while the project loads: neither needs the other.
        let ((hl, search, highlighter, cached), (project, known)) = rayon::join(
            || {
                let started = Instant::now();
                let mut hl = Highlighter::new();
                let highlighter = started.elapsed();
                let mut search = SearchMemo::default();
                if let Some(dir) = cache {
                    hl.load(&crate::cache::highlight_file(dir));
                    search.load(&crate::cache::search_file(dir));
                }
                (hl, search, highlighter, started.elapsed() - highlighter)
            },
            || load_project(root, &mut parsed, overrides),
        );
        let mut s = Session {
            root: root.to_path_buf(),
            project,
            cache: parsed,
            hl,
            search,
            state: None,
            pages: Arc::new(Pages::new()),
            fresh: false,
            generation: 0,
            known,
            search_stale: false,
        };
        s.render_loaded();
        s.project.timings.insert(0, ("syntaxes", highlighter));
        s.project.timings.insert(1, ("cache", cached));
        s
    }

    /// Saves what the next run can reuse into the cache folder `dir`.
    pub fn save_cache(&self, dir: &Path) -> std::io::Result<()> {
        self.hl.save(&crate::cache::highlight_file(dir))?;
        self.search.save(&crate::cache::search_file(dir))?;
        self.cache.scans.save(&crate::cache::scan_file(dir))
    }

    /// Re-indexes the site for search if an edit made the index stale. Returns whether the
    /// pages changed. `serve` calls this after telling the browser to reload.
    pub fn refresh_search(&mut self) -> bool {
        if !std::mem::take(&mut self.search_stale) || !self.fresh {
            return false;
        }
        let Some(state) = self.state.as_ref() else { return false };
        let renderer = Renderer::new(&self.project.catalog, &self.hl, state).with_search_memo(&self.search);
        match renderer.render_keys(&[PageKey::SearchIndex]) {
            Ok(pages) => {
                let map = Arc::make_mut(&mut self.pages);
                // The index may now have fewer parts or chunks than before.
                map.retain(|p, _| !p.starts_with("assets/search/"));
                for (p, b) in pages {
                    map.insert(p, b);
                }
                true
            }
            Err(_) => false,
        }
    }

    pub fn has_errors(&self) -> bool {
        self.project.diags.has_errors()
    }

    /// Applies changed files (edited, added or removed) and reports what it did.
    pub fn update(&mut self, changed: &[PathBuf]) -> Update {
        let start = Instant::now();
        let Some(config) = self.project.config.clone() else {
            return self.full_timed(start);
        };
        let (rules, content, theme) = (config.rules_dir(), config.content_dir(), config.theme_dir());
        let mut articles = Vec::new();
        let mut statics = Vec::new();
        let mut themed = false;
        let mut other = false;
        for path in changed {
            let path = if path.is_absolute() { path.clone() } else { self.root.join(path) };
            if is_scratch(&path) {
                continue;
            }
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if path.starts_with(&content) && ext == "md" {
                if self.known.contains(&path) && path.is_file() {
                    articles.push(path);
                } else {
                    other = true; // an article added or removed
                }
            } else if path.starts_with(&content) {
                // Only a known attachment edited in place takes the fast path; a new or
                // removed file is checked like any other input (its type, where it leads).
                match self.project.catalog.attachments.iter().find(|a| a.path == path) {
                    Some(a) if path.is_file() => statics.push(a.clone()),
                    _ => other = true,
                }
            } else if path.starts_with(&theme) {
                themed = true;
            } else if path.starts_with(&rules) || path == self.root.join(crate::config::CONFIG_FILE) {
                other = true;
            }
        }
        articles.sort();
        articles.dedup();
        if other || !self.fresh || self.state.is_none() {
            return self.full_timed(start);
        }
        let mut rendered = 0;
        if themed {
            rendered += self.rethemed();
            if !self.fresh {
                return Update {
                    kind: UpdateKind::Theme,
                    rendered,
                    elapsed: start.elapsed(),
                    ok: false,
                    phases: Vec::new(),
                };
            }
        }
        let kind = if themed { UpdateKind::Theme } else { UpdateKind::Unchanged };
        let mut update = if articles.is_empty() {
            Update { kind, rendered, elapsed: Duration::ZERO, ok: true, phases: Vec::new() }
        } else {
            let mut u = self.articles(&articles);
            u.rendered += rendered;
            u
        };
        if !statics.is_empty() && self.fresh {
            let pages = Arc::make_mut(&mut self.pages);
            match read_attachments(&statics) {
                Ok(files) => {
                    update.rendered += files.len();
                    pages.extend(files);
                }
                Err(_) => return self.full_timed(start),
            }
            self.generation += 1;
            if update.kind == UpdateKind::Unchanged {
                update.kind = UpdateKind::Articles;
            }
        }
        update.elapsed = start.elapsed();
        update
    }

    fn full_timed(&mut self, start: Instant) -> Update {
        let rendered = self.full();
        Update { kind: UpdateKind::Full, rendered, elapsed: start.elapsed(), ok: self.fresh, phases: Vec::new() }
    }

    /// Reloads everything (re-parsing only changed files) and re-renders what changed.
    fn full(&mut self) -> usize {
        let overrides = self.project.overrides.clone();
        (self.project, self.known) = load_project(&self.root, &mut self.cache, &overrides);
        self.render_loaded()
    }

    /// Re-renders what changed in the project just loaded.
    fn render_loaded(&mut self) -> usize {
        if self.has_errors() {
            self.fresh = false;
            return 0;
        }
        let Some(config) = self.project.config.clone() else {
            self.fresh = false;
            return 0;
        };
        let revision = crate::revision::catalog_revision(&self.project.sources, &config.rules_dir());
        let state = match RenderState::new(&self.project.catalog, &config, revision, &mut self.project.sources) {
            Ok(s) => s,
            Err(d) => {
                self.project.diags.push(d);
                self.fresh = false;
                return 0;
            }
        };
        let t = Instant::now();
        let renderer = Renderer::new(&self.project.catalog, &self.hl, &state).with_search_memo(&self.search);
        let pages = match renderer.render_all() {
            Ok(p) => p,
            Err(msg) => {
                self.template_failure(msg);
                return 0;
            }
        };
        let mut map: Pages = pages.into_iter().collect();
        match read_attachments(&self.project.catalog.attachments) {
            Ok(files) => map.extend(files),
            Err((path, e)) => {
                let name = crate::diag::display_name(&config.root, &path);
                let file = self.project.sources.add(name, path, "");
                self.project.diags.push(Diagnostic::error(
                    Code::FileError,
                    Span::file_start(file),
                    format!("cannot read this attachment: {e}"),
                ));
                self.fresh = false;
                return 0;
            }
        }
        self.project.timings.push(("render", t.elapsed()));
        let n = map.len();
        self.pages = Arc::new(map);
        self.state = Some(state);
        self.fresh = true;
        self.generation += 1;
        n
    }

    fn template_failure(&mut self, msg: String) {
        let file = self.project.sources.add("(theme)", "(theme)", "");
        self.project.diags.push(
            Diagnostic::error(Code::Template, Span::file_start(file), format!("template failed to render: {msg}"))
                .with_hint("a template refers to a value the page does not have; compare it with the built-in theme"),
        );
        self.fresh = false;
    }

    /// Templates or theme assets changed: recompile and re-render everything from memory.
    fn rethemed(&mut self) -> usize {
        let Some(config) = self.project.config.clone() else { return 0 };
        let Some(state) = self.state.as_mut() else { return 0 };
        // Drop earlier template diagnostics: they are about the old templates.
        self.project.diags.items.retain(|d| d.code != Code::Template);
        match crate::render::compile_theme(&config, &mut self.project.sources) {
            Ok((theme, tera)) => {
                state.theme = theme;
                state.tera = tera;
            }
            Err(d) => {
                self.project.diags.push(d);
                self.fresh = false;
                return 0;
            }
        }
        let renderer = Renderer::new(&self.project.catalog, &self.hl, state).with_search_memo(&self.search);
        // The search index and the sitemap do not depend on templates.
        let keys: Vec<PageKey> =
            renderer.all_keys().into_iter().filter(|k| !matches!(k, PageKey::SearchIndex | PageKey::Sitemap)).collect();
        match renderer.render_keys(&keys) {
            Ok(pages) => {
                let n = pages.len();
                let map = Arc::make_mut(&mut self.pages);
                for (p, b) in pages {
                    map.insert(p, b);
                }
                self.generation += 1;
                n
            }
            Err(msg) => {
                self.template_failure(msg);
                0
            }
        }
    }

    /// Existing articles edited: the fast path.
    fn articles(&mut self, paths: &[PathBuf]) -> Update {
        let start = Instant::now();
        let Some(config) = self.project.config.clone() else { return self.full_timed(start) };
        let content = config.content_dir();
        let mut changed: Vec<(ArticleIdx, load::LoadedArticle)> = Vec::new();
        let mut changed_files = Vec::new();
        let mut failures = Vec::new();
        for path in paths {
            let Ok(bytes) = std::fs::read(path) else { return self.full_timed(start) };
            let Ok(text) = String::from_utf8(bytes) else { return self.full_timed(start) };
            let Some(file) = self.project.sources.find_path(path) else { return self.full_timed(start) };
            if *self.project.sources.get(file).text == *text {
                continue;
            }
            self.project.sources.replace(file, text);
            changed_files.push(file);
            match load::load_article(file, &content, &self.project.sources) {
                Ok(a) if !a.front.draft => match self.project.catalog.article_ids.get(&a.slug) {
                    Some(idx) => changed.push((*idx, a)),
                    None => return self.full_timed(start),
                },
                Ok(_) => return self.full_timed(start), // became a draft: it leaves the site
                Err(d) => failures.push(d),
            }
        }
        let mut phases = Vec::new();
        let mut clock = Instant::now();
        let mut lap = |name: &'static str, phases: &mut Vec<(&'static str, Duration)>| {
            phases.push((name, clock.elapsed()));
            clock = Instant::now();
        };
        lap("parse", &mut phases);
        if changed_files.is_empty() {
            return Update {
                kind: UpdateKind::Unchanged,
                rendered: 0,
                elapsed: start.elapsed(),
                ok: true,
                phases: Vec::new(),
            };
        }
        let opts = self.project.check_options();
        let cat = &mut self.project.catalog;
        let old_order = article_order(cat);
        let had_tags = crate::render::pages::has_tags(cat);
        let old: Vec<Article> = changed.iter().map(|(i, _)| cat.articles[i.idx()].clone()).collect();
        let mut new_diags = resolve::reresolve_articles(cat, &self.project.sources, &content, &changed);
        new_diags.extend(failures);
        lap("resolve", &mut phases);
        let edited: Vec<ArticleIdx> = changed.iter().map(|(i, _)| *i).collect();
        new_diags.extend(check::check_articles(cat, opts, &edited));
        new_diags.extend(check::unexplained_blockers(cat));
        new_diags.extend(crate::render::addresses::collisions(cat, &self.project.sources));
        lap("check", &mut phases);
        // Keep what was said about other files; replace what concerns the edited ones, and
        // what is recomputed for the whole catalog.
        let diags = &mut self.project.diags;
        diags.items.retain(|d| {
            !changed_files.contains(&d.span.file) && !matches!(d.code, Code::UnexplainedBlocker | Code::Collision)
        });
        diags.extend(new_diags);
        diags.sort(&self.project.sources);
        if self.has_errors() {
            self.fresh = false;
            return Update { kind: UpdateKind::Articles, rendered: 0, elapsed: start.elapsed(), ok: false, phases };
        }

        // The first tag, or the last one gone: every page's navigation changes.
        if crate::render::pages::has_tags(&self.project.catalog) != had_tags {
            return self.full_timed(start);
        }
        let Some(state) = self.state.as_mut() else { return self.full_timed(start) };
        let cat = &self.project.catalog;
        let new_order = article_order(cat);
        let mut keys: BTreeSet<PageKey> = BTreeSet::new();
        for ((idx, _), old) in changed.iter().zip(&old) {
            let new = &cat.articles[idx.idx()];
            state.backlinks.replace_article(*idx, old, new);
            keys.insert(PageKey::Article(new.slug.clone()));
            // What it links to lists it (by title) under "Referenced by".
            let (was, is) = (article_targets(old), article_targets(new));
            if was != is || old.title != new.title {
                for t in was.iter().chain(&is) {
                    keys.insert(page_key(cat, t));
                }
            }
            let me = Ref::Article(*idx, None);
            // Runbooks that link here carry this article in their revision.
            for src in state.backlinks.of(&me) {
                if let Ref::Path(p, _) = src {
                    keys.insert(PageKey::Runbook(cat.paths[p.idx()].id.clone()));
                    keys.insert(PageKey::AllRunbooks);
                }
            }
            let meta = old.title != new.title
                || old.summary != new.summary
                || old.weight != new.weight
                || old.tags != new.tags;
            if meta {
                for src in state.backlinks.of(&me) {
                    keys.insert(page_key(cat, src));
                }
                keys.extend([PageKey::List("articles"), PageKey::Home, PageKey::Tags]);
                for t in old.tags.iter().chain(&new.tags) {
                    keys.insert(PageKey::Tag(t.clone()));
                }
                if old.tags != new.tags {
                    keys.insert(PageKey::Sitemap);
                }
                for order in [&old_order, &new_order] {
                    if let Some(pos) = order.iter().position(|a| a == idx) {
                        for n in [pos.checked_sub(1), Some(pos + 1)].into_iter().flatten() {
                            if let Some(a) = order.get(n) {
                                keys.insert(PageKey::Article(cat.articles[a.idx()].slug.clone()));
                            }
                        }
                    }
                }
            }
        }
        lap("plan", &mut phases);
        let renderer = Renderer::new(cat, &self.hl, state).with_search_memo(&self.search);
        // Document numbers and term statistics span the whole site, so an edited article
        // means re-indexing it all: that waits until the edited page has been reloaded
        // (`refresh_search`), where it costs the author nothing.
        if !changed.is_empty() {
            self.search_stale = true;
        }
        let keys: Vec<PageKey> = keys.into_iter().collect();
        // A tag nobody carries any more loses its page.
        let live_tags = renderer.tag_names();
        let gone: Vec<String> = keys
            .iter()
            .filter_map(|k| match k {
                PageKey::Tag(t) if !live_tags.contains(t) => Some(crate::render::links::tag_url(t)),
                _ => None,
            })
            .collect();
        match renderer.render_keys(&keys) {
            Ok(pages) => {
                let n = pages.len();
                let map = Arc::make_mut(&mut self.pages);
                for g in &gone {
                    map.remove(g);
                }
                for (p, b) in pages {
                    map.insert(p, b);
                }
                self.generation += 1;
                self.fresh = true;
                lap("render", &mut phases);
                Update { kind: UpdateKind::Articles, rendered: n, elapsed: start.elapsed(), ok: true, phases }
            }
            Err(msg) => {
                self.template_failure(msg);
                Update { kind: UpdateKind::Articles, rendered: 0, elapsed: start.elapsed(), ok: false, phases }
            }
        }
    }
}

/// The site's reading order, the renderer's own ([`crate::render::pages::reading_order`]).
fn article_order(cat: &Catalog) -> Vec<ArticleIdx> {
    crate::render::pages::reading_order(cat).into_iter().map(|i| ArticleIdx(i as u32)).collect()
}

/// The page that shows an entity.
pub fn page_key(cat: &Catalog, r: &Ref) -> PageKey {
    match r {
        Ref::Component(c) => PageKey::Component(cat.components[c.idx()].id.clone()),
        Ref::Blocker(b) => PageKey::Blocker(cat.blockers[b.idx()].id.clone()),
        Ref::Prerequisite(p) => PageKey::Prerequisite(cat.prerequisites[p.idx()].id.clone()),
        Ref::Path(p, _) => PageKey::Path(cat.paths[p.idx()].id.clone()),
        Ref::Article(a, _) => PageKey::Article(cat.articles[a.idx()].slug.clone()),
        Ref::Fact(f) => PageKey::Fact(cat.facts[f.idx()].id.clone()),
        Ref::Condition(c) => PageKey::Condition(cat.conditions[c.idx()].id.clone()),
        Ref::Effect(e) => PageKey::Effect(cat.effects[e.idx()].id.clone()),
    }
}

/// Editor droppings: swap files, backups, the temporary files of atomic saves.
pub fn is_scratch(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name == "4913" // vim's probe file
        || name.contains(".pathbook-")
}

/// An attachment that could not be read, and why.
type Unreadable = (PathBuf, std::io::Error);
/// A published file: its path in the site and its bytes.
type Published = (String, Arc<[u8]>);

/// Reads attachments in parallel, or says which one cannot be read.
fn read_attachments(list: &[Attachment]) -> Result<Vec<Published>, Unreadable> {
    use rayon::prelude::*;
    list.par_iter()
        .map(|a| match std::fs::read(&a.path) {
            Ok(bytes) => Ok((a.rel.clone(), Arc::from(bytes))),
            Err(e) => Err((a.path.clone(), e)),
        })
        .collect()
}

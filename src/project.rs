//! A project on disk: `book.toml`, the catalog and the articles, loaded, resolved and
//! (optionally) checked. Every command starts here.

use std::path::{Path, PathBuf};

use crate::catalog;
use crate::check::{self, CheckOptions};
use crate::config::{Config, Overrides};
use crate::diag::{Diagnostics, SourceMap};
use crate::model::Catalog;

#[derive(Debug)]
pub struct Project {
    pub root: PathBuf,
    /// `None` when `book.toml` is missing or invalid (then `diags` says why).
    pub config: Option<Config>,
    pub sources: SourceMap,
    pub catalog: Catalog,
    /// False when rules failed to resolve, so path simulation was skipped.
    pub rules_complete: bool,
    pub diags: Diagnostics,
    /// What each path's simulation decided, after [`Project::run_checks`] (empty before, or
    /// when rules failed to load).
    pub tallies: Vec<check::Tally>,
    /// How long each stage took, in order (`PATHBOOK_TIMINGS=1` prints them).
    pub timings: Vec<(&'static str, std::time::Duration)>,
    /// What the command line overrides, kept for reloads.
    pub overrides: Overrides,
}

impl Project {
    /// Loads and resolves everything; problems are collected in `diags`.
    pub fn open(root: &Path) -> Project {
        Project::open_cached(root, &mut catalog::load::ParseCache::default(), &Overrides::default())
    }

    /// A project with nothing loaded yet, for a caller that loads it next.
    pub fn unloaded(root: &Path, overrides: &Overrides) -> Project {
        Project {
            root: root.to_path_buf(),
            config: None,
            sources: SourceMap::default(),
            catalog: Catalog::default(),
            rules_complete: false,
            diags: Diagnostics::default(),
            tallies: Vec::new(),
            timings: Vec::new(),
            overrides: overrides.clone(),
        }
    }

    /// [`Project::open`], re-parsing only files whose text is not in `cache`.
    pub fn open_cached(root: &Path, cache: &mut catalog::load::ParseCache, overrides: &Overrides) -> Project {
        let mut timings = Vec::new();
        let mut clock = std::time::Instant::now();
        let mut lap = |name: &'static str, timings: &mut Vec<(&'static str, std::time::Duration)>| {
            timings.push((name, clock.elapsed()));
            clock = std::time::Instant::now();
        };
        let mut sources = SourceMap::default();
        let mut diags = Diagnostics::default();
        let config = match Config::load(root, &mut sources) {
            Ok((c, warnings)) => {
                diags.extend(warnings);
                c
            }
            Err(ds) => {
                diags.extend(ds);
                return Project {
                    root: root.to_path_buf(),
                    config: None,
                    sources,
                    catalog: Catalog::default(),
                    rules_complete: false,
                    diags,
                    tallies: Vec::new(),
                    timings,
                    overrides: overrides.clone(),
                };
            }
        };
        let (loaded, load_diags) =
            catalog::load::load_cached(&config.rules_dir(), &config.content_dir(), root, &mut sources, cache);
        diags.extend(load_diags);
        lap("load", &mut timings);
        // A rule file that failed to parse takes its ids with it: simulating the rest would
        // report mismatches caused by the missing rules. A broken article does not.
        let load_failed = loaded.rules_failed;
        let as_of = config.as_of(overrides);
        let (resolved, resolve_diags) =
            catalog::resolve(&loaded, &sources, &config.content_dir(), load_failed, as_of, &cache.scans);
        diags.extend(resolve_diags);
        lap("resolve", &mut timings);
        Project {
            root: root.to_path_buf(),
            config: Some(config),
            sources,
            catalog: resolved.catalog,
            rules_complete: resolved.rules_complete && !load_failed,
            diags,
            tallies: Vec::new(),
            timings,
            overrides: overrides.clone(),
        }
    }

    /// Opens and runs every check of DESIGN.md §4.
    pub fn check(root: &Path) -> Project {
        Project::check_with(root, &Overrides::default())
    }

    /// [`Project::check`] with command-line overrides.
    pub fn check_with(root: &Path, overrides: &Overrides) -> Project {
        let mut p = Project::open_cached(root, &mut catalog::load::ParseCache::default(), overrides);
        p.run_checks();
        p
    }

    /// Runs every check of DESIGN.md §4 on an opened project.
    pub fn run_checks(&mut self) {
        let p = self;
        let start = std::time::Instant::now();
        if let Some(config) = &p.config {
            let opts = p.check_options();
            let clean = !p.diags.has_errors();
            let (found, tallies) = check::check(&p.catalog, p.rules_complete, clean, opts);
            p.diags.extend(found);
            p.tallies = tallies;
            p.diags.extend(crate::render::addresses::collisions(&p.catalog, &p.sources));
            // A theme override that does not compile would only fail at `build`; say so now.
            if config.theme_dir().is_dir() {
                if let Err(d) = crate::render::compile_theme(config, &mut p.sources) {
                    p.diags.push(d);
                }
            }
        }
        p.diags.sort(&p.sources);
        p.timings.push(("check", start.elapsed()));
    }

    pub fn check_options(&self) -> CheckOptions {
        let limit = self.config.as_ref().and_then(|c| c.check.max_nodes);
        CheckOptions { node_limit: limit.unwrap_or(crate::verify::sym::NODE_LIMIT).max(16) }
    }

    pub fn deny_warnings(&self) -> bool {
        self.config.as_ref().is_some_and(|c| c.check.deny_warnings)
    }
}

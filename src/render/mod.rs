//! The render stage: the resolved catalog → every file of the site, in memory. Pages render in
//! parallel; the syntax set and the templates load once. Nothing here touches the output
//! directory (that is `site`'s job).

pub mod addresses;
pub mod analysis;
pub mod assistant;
pub mod backlinks;
pub mod diagram;
mod grammars;
pub mod highlight;
pub mod links;
pub mod md;
pub mod pages;
pub mod runbook;
pub mod search;
pub mod theme;
mod walk;

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use crate::config::Config;
use crate::diag::{Code, Diagnostic, SourceMap, Span, display_name};
use crate::model::*;
use analysis::PathSummary;
use backlinks::Backlinks;
use highlight::Highlighter;
use pages::PageOut;

/// A rendered output file: its path under the site and its bytes, shared with `serve`.
pub type Page = (String, Arc<[u8]>);
use theme::Theme;

/// The site's fixed navigation: a handful of sections, never a list of every page, so the
/// output grows linearly with the number of pages.
pub const NAV: [(&str, &str); 8] = [
    ("Paths", "paths/index.html"),
    ("Blockers", "blockers/index.html"),
    ("Prerequisites", "prerequisites/index.html"),
    ("Components", "components/index.html"),
    ("Articles", "articles/index.html"),
    ("Matrix", "matrix.html"),
    ("Assistant", "assistant.html"),
    ("Tags", "tags/index.html"),
];

/// Escapes text for HTML content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Site-wide values every template sees as `site`.
#[derive(Clone, Debug, Serialize)]
pub struct SiteVm {
    pub title: String,
    pub description: String,
    pub language: String,
    pub owner: Option<String>,
    /// Short hash of the catalog and articles the site was built from.
    pub revision: String,
    /// Build date, `YYYY-MM-DD` (honours `SOURCE_DATE_EPOCH`).
    pub generated: String,
    pub version: &'static str,
    pub site_url: Option<String>,
    /// `[vocabulary]`: what a path runs on, as pages say it.
    pub vocab: VocabVm,
}

/// The vocabulary in the forms templates need: `server`, `servers`, `Server`, `Servers`.
#[derive(Clone, Debug, Serialize)]
pub struct VocabVm {
    pub host: String,
    pub hosts: String,
    #[serde(rename = "Host")]
    pub host_capital: String,
    #[serde(rename = "Hosts")]
    pub hosts_capital: String,
}

impl VocabVm {
    pub fn new(v: &crate::config::Vocabulary) -> VocabVm {
        let capital = |s: &str| {
            let mut c = s.chars();
            c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
        };
        let (host, hosts) = (v.host.trim().to_string(), v.hosts.trim().to_string());
        VocabVm { host_capital: capital(&host), hosts_capital: capital(&hosts), host, hosts }
    }
}

/// What rendering needs besides the catalog, kept between builds by a session: templates,
/// theme files, site values, backlinks and the per-path analysis.
pub struct RenderState {
    pub tera: tera::Tera,
    pub theme: Theme,
    pub site: SiteVm,
    /// `site` as a template value, made once: every page's context holds it.
    site_value: tera::Value,
    pub backlinks: Backlinks,
    /// What the engine says about each path, computed when a page first asks (a runbook
    /// needs its own path's, not the whole catalog's).
    pub analysis: Vec<std::sync::OnceLock<PathSummary>>,
    /// Whether runbook pages are part of the site (path pages link to them).
    pub runbooks: bool,
}

impl RenderState {
    /// Loads the theme's templates (a template that does not parse is a located diagnostic) and
    /// computes backlinks and the path analysis.
    pub fn new(
        cat: &Catalog,
        config: &Config,
        revision: String,
        sources: &mut SourceMap,
    ) -> Result<RenderState, Diagnostic> {
        let (theme, tera) = compile_theme(config, sources)?;
        let site = site_vm(config, revision);
        Ok(RenderState {
            tera,
            theme,
            site_value: tera::Value::from_serializable(&site),
            site,
            backlinks: Backlinks::build(cat),
            analysis: (0..cat.paths.len()).map(|_| std::sync::OnceLock::new()).collect(),
            runbooks: true,
        })
    }
}

pub fn site_vm(config: &Config, revision: String) -> SiteVm {
    SiteVm {
        title: config.book.title.clone(),
        description: config.book.description.clone(),
        language: config.book.language.clone(),
        owner: config.site.owner.clone(),
        revision,
        generated: today(),
        version: env!("CARGO_PKG_VERSION"),
        site_url: config.site.site_url.clone(),
        vocab: VocabVm::new(&config.vocabulary),
    }
}

/// Renders pages of one catalog with one state; cheap to make, borrowed for one build.
pub struct Renderer<'a> {
    pub cat: &'a Catalog,
    pub hl: &'a Highlighter,
    pub tera: &'a tera::Tera,
    pub theme: &'a Theme,
    pub site: &'a SiteVm,
    site_value: &'a tera::Value,
    pub backlinks: &'a Backlinks,
    analysis: &'a [std::sync::OnceLock<PathSummary>],
    pub runbooks: bool,
    /// What earlier builds indexed for search, when the caller keeps it.
    pub search_memo: Option<&'a search::SearchMemo>,
    /// Computed once per renderer, on first use (pages render in parallel).
    pub(crate) article_order: std::sync::OnceLock<Vec<usize>>,
    pub(crate) article_positions: std::sync::OnceLock<Vec<usize>>,
    pub(crate) tag_map: std::sync::OnceLock<std::collections::BTreeMap<String, Vec<Ref>>>,
}

impl<'a> Renderer<'a> {
    /// What the engine says about path `i`.
    pub fn summary(&self, i: usize) -> &PathSummary {
        self.analysis[i].get_or_init(|| analysis::analyze_path(self.cat, &self.cat.paths[i]))
    }

    /// Every path's summary, computed in parallel where not yet known.
    pub fn summaries(&self) -> Vec<&PathSummary> {
        use rayon::prelude::*;
        (0..self.cat.paths.len()).into_par_iter().map(|i| self.summary(i)).collect()
    }

    pub fn new(cat: &'a Catalog, hl: &'a Highlighter, state: &'a RenderState) -> Renderer<'a> {
        Renderer {
            cat,
            hl,
            tera: &state.tera,
            theme: &state.theme,
            site: &state.site,
            site_value: &state.site_value,
            backlinks: &state.backlinks,
            analysis: &state.analysis,
            runbooks: state.runbooks,
            search_memo: None,
            article_order: Default::default(),
            article_positions: Default::default(),
            tag_map: Default::default(),
        }
    }

    /// This renderer, indexing for search with what earlier builds kept in `memo`.
    pub fn with_search_memo(mut self, memo: &'a search::SearchMemo) -> Renderer<'a> {
        self.search_memo = Some(memo);
        self
    }

    /// Every page of the site, as keys.
    pub fn all_keys(&self) -> Vec<PageKey> {
        let cat = self.cat;
        // The longest single tasks first, so they run beside the pages instead of after them.
        let mut keys = vec![PageKey::SearchIndex];
        if cat.assistant.is_some() {
            keys.push(PageKey::AssistantData);
        }
        keys.extend([PageKey::Home, PageKey::Search, PageKey::NotFound, PageKey::Tags, PageKey::Assets]);
        if !cat.matrices.is_empty() {
            keys.push(PageKey::Matrix);
        }
        keys.extend(list_kinds(cat).into_iter().map(PageKey::List));
        keys.extend(cat.components.iter().map(|c| PageKey::Component(c.id.clone())));
        keys.extend(cat.blockers.iter().map(|b| PageKey::Blocker(b.id.clone())));
        keys.extend(cat.prerequisites.iter().map(|p| PageKey::Prerequisite(p.id.clone())));
        keys.extend(cat.paths.iter().map(|p| PageKey::Path(p.id.clone())));
        keys.extend(cat.articles.iter().map(|a| PageKey::Article(a.slug.clone())));
        keys.extend(cat.facts.iter().map(|f| PageKey::Fact(f.id.clone())));
        keys.extend(cat.conditions.iter().map(|c| PageKey::Condition(c.id.clone())));
        keys.extend(cat.effects.iter().map(|e| PageKey::Effect(e.id.clone())));
        keys.extend(self.tag_names().into_iter().map(PageKey::Tag));
        if self.runbooks {
            keys.extend(cat.paths.iter().map(|p| PageKey::Runbook(p.id.clone())));
            keys.push(PageKey::AllRunbooks);
        }
        if cat.assistant.is_some() {
            keys.push(PageKey::Assistant);
        }
        keys.push(PageKey::Sitemap);
        keys
    }

    /// Every file of the site.
    pub fn render_all(&self) -> Result<Vec<Page>, String> {
        self.render_keys(&self.all_keys())
    }

    /// Renders the given pages in parallel. A key whose entity no longer exists renders nothing.
    pub fn render_keys(&self, keys: &[PageKey]) -> Result<Vec<Page>, String> {
        let cat = self.cat;
        let profile = std::env::var_os("PATHBOOK_TIMINGS").is_some().then(|| std::sync::Mutex::new(BTreeMap::new()));
        let rendered: Vec<Result<Vec<Page>, String>> = keys
            .par_iter()
            .map(|key| {
                let start = std::time::Instant::now();
                let one = |r: Result<PageOut, String>| r.map(|p| vec![p]);
                let out = match key {
                    PageKey::Home => one(self.home_page()),
                    PageKey::List(k) => one(self.list_page(k)),
                    PageKey::Component(id) => {
                        cat.component_ids.get(id).map_or(Ok(vec![]), |c| one(self.component_page(c.idx())))
                    }
                    PageKey::Blocker(id) => {
                        cat.blocker_ids.get(id).map_or(Ok(vec![]), |b| one(self.blocker_page(b.idx())))
                    }
                    PageKey::Prerequisite(id) => {
                        cat.prereq_ids.get(id).map_or(Ok(vec![]), |p| one(self.prerequisite_page(p.idx())))
                    }
                    PageKey::Path(id) => cat.path_ids.get(id).map_or(Ok(vec![]), |p| one(self.path_page(p.idx()))),
                    PageKey::Article(slug) => {
                        cat.article_ids.get(slug).map_or(Ok(vec![]), |a| one(self.article_page(a.idx())))
                    }
                    PageKey::Fact(id) => cat.fact_ids.get(id).map_or(Ok(vec![]), |f| one(self.fact_page(f.idx()))),
                    PageKey::Condition(id) => {
                        cat.condition_ids.get(id).map_or(Ok(vec![]), |c| one(self.condition_page(c.idx())))
                    }
                    PageKey::Effect(id) => {
                        cat.effect_ids.get(id).map_or(Ok(vec![]), |e| one(self.effect_page(e.idx())))
                    }
                    PageKey::Runbook(id) => {
                        cat.path_ids.get(id).map_or(Ok(vec![]), |p| one(self.runbook_page(p.idx())))
                    }
                    PageKey::AllRunbooks => one(self.runbooks_all_page()),
                    PageKey::Matrix => one(self.matrix_page()),
                    PageKey::Assistant => one(self.assistant_page()),
                    PageKey::AssistantData => Ok(vec![self.assistant_data()]),
                    PageKey::Tags => one(self.tags_index_page()),
                    PageKey::Tag(t) => self.tag_page(t).map(|p| p.into_iter().collect()),
                    PageKey::Search => one(self.search_page()),
                    PageKey::NotFound => one(self.not_found_page()),
                    PageKey::Sitemap => Ok(vec![self.sitemap(&self.all_page_paths())]),
                    PageKey::SearchIndex => Ok(self.search_index()),
                    PageKey::Assets => {
                        // Pages link one style sheet (`site_css`); `highlight.css` stays on its
                        // own for themes that link it.
                        let mut v = vec![("assets/highlight.css".to_string(), self.hl.css().into_bytes())];
                        for (name, bytes) in self.theme.statics() {
                            let bytes =
                                if name == "style.css" { self.site_css(true).into_bytes() } else { bytes.to_vec() };
                            v.push((format!("assets/{name}"), bytes));
                        }
                        Ok(v)
                    }
                };
                if let Some(profile) = &profile
                    && let Ok(mut p) = profile.lock()
                {
                    let e: &mut (usize, std::time::Duration) = p.entry(key.kind()).or_default();
                    e.0 += 1;
                    e.1 += start.elapsed();
                }
                // Shared bytes made here, in parallel, while the page is hot in the cache.
                out.map(|pages| pages.into_iter().map(|(p, b)| (p, Arc::from(b))).collect::<Vec<Page>>())
            })
            .collect();
        if let Some(profile) = profile
            && let Ok(p) = profile.into_inner()
        {
            for (kind, (n, t)) in p {
                eprintln!("timing: render {kind:<14} {:>8.1} ms cpu for {n} keys", t.as_secs_f64() * 1000.0);
            }
        }
        let mut out = Vec::new();
        for r in rendered {
            out.extend(r?);
        }
        Ok(out)
    }

    /// Output paths of every HTML page, for the sitemap.
    fn all_page_paths(&self) -> Vec<String> {
        let cat = self.cat;
        let mut out = vec!["index.html".to_string(), "search.html".to_string(), "tags/index.html".to_string()];
        if !cat.matrices.is_empty() {
            out.push("matrix.html".to_string());
        }
        out.extend(list_kinds(cat).iter().map(|k| format!("{k}/index.html")));
        let refs = (0..cat.components.len())
            .map(|i| Ref::Component(CompIdx(i as u32)))
            .chain((0..cat.blockers.len()).map(|i| Ref::Blocker(BlockerIdx(i as u32))))
            .chain((0..cat.prerequisites.len()).map(|i| Ref::Prerequisite(PrereqIdx(i as u32))))
            .chain((0..cat.paths.len()).map(|i| Ref::Path(PathIdx(i as u32), None)))
            .chain((0..cat.articles.len()).map(|i| Ref::Article(ArticleIdx(i as u32), None)))
            .chain((0..cat.facts.len()).map(|i| Ref::Fact(FactIdx(i as u32))))
            .chain((0..cat.conditions.len()).map(|i| Ref::Condition(NamedIdx(i as u32))))
            .chain((0..cat.effects.len()).map(|i| Ref::Effect(EffectIdx(i as u32))));
        out.extend(refs.map(|r| links::url(cat, &r)));
        out.extend(self.tag_names().iter().map(|t| links::tag_url(t)));
        if self.runbooks {
            out.extend(cat.paths.iter().map(links::runbook_url));
            out.push("runbooks/all.html".into());
        }
        if cat.assistant.is_some() {
            out.push("assistant.html".into());
        }
        out
    }
}

/// The index pages, one per kind.
pub const LIST_KINDS: [&str; 8] =
    ["components", "blockers", "prerequisites", "paths", "articles", "facts", "conditions", "effects"];

/// The index pages this catalog has: the kinds of the first release always, the newer kinds
/// (facts, named conditions, side effects) only when the catalog declares some.
pub fn list_kinds(cat: &Catalog) -> Vec<&'static str> {
    LIST_KINDS
        .into_iter()
        .filter(|k| match *k {
            "facts" => !cat.facts.is_empty(),
            "conditions" => !cat.conditions.is_empty(),
            "effects" => !cat.effects.is_empty(),
            _ => true,
        })
        .collect()
}

/// One page (or a few files) of the site, by what it shows. Sessions use keys to re-render
/// only what a change touches.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PageKey {
    Home,
    List(&'static str),
    Component(String),
    Blocker(String),
    Prerequisite(String),
    Path(String),
    Article(String),
    Fact(String),
    Condition(String),
    Effect(String),
    Runbook(String),
    AllRunbooks,
    Matrix,
    Assistant,
    AssistantData,
    Tags,
    Tag(String),
    Search,
    NotFound,
    Sitemap,
    /// The search index: its manifest, term parts and result chunks.
    SearchIndex,
    Assets,
}

impl PageKey {
    /// The kind of page, for timings.
    pub fn kind(&self) -> &'static str {
        match self {
            PageKey::Home => "home",
            PageKey::List(_) => "list",
            PageKey::Component(_) => "component",
            PageKey::Blocker(_) => "blocker",
            PageKey::Prerequisite(_) => "prerequisite",
            PageKey::Path(_) => "path",
            PageKey::Article(_) => "article",
            PageKey::Fact(_) => "fact",
            PageKey::Condition(_) => "condition",
            PageKey::Effect(_) => "effect",
            PageKey::Runbook(_) => "runbook",
            PageKey::AllRunbooks => "all-runbooks",
            PageKey::Matrix => "matrix",
            PageKey::Assistant | PageKey::AssistantData => "assistant",
            PageKey::Tags | PageKey::Tag(_) => "tag",
            PageKey::Search | PageKey::SearchIndex => "search",
            PageKey::NotFound => "404",
            PageKey::Sitemap => "sitemap",
            PageKey::Assets => "assets",
        }
    }
}

/// Loads the theme (built-in, overridden by the project's files) and compiles its templates.
pub fn compile_theme(config: &Config, sources: &mut SourceMap) -> Result<(Theme, tera::Tera), Diagnostic> {
    let theme = Theme::load(&config.theme_dir(), &config.root, sources)?;
    let mut tera = tera::Tera::new();
    let mut templates = Vec::new();
    for (name, bytes, origin) in theme.templates() {
        let text = String::from_utf8_lossy(bytes).into_owned();
        templates.push((name.to_string(), text, origin.map(|p| p.to_path_buf())));
    }
    if let Err(e) = tera.add_raw_templates(templates.iter().map(|(n, t, _)| (n.as_str(), t.as_str()))) {
        return Err(template_error(&e, &templates, config, sources));
    }
    Ok((theme, tera))
}

fn template_error(
    e: &tera::Error,
    templates: &[(String, String, Option<std::path::PathBuf>)],
    config: &Config,
    sources: &mut SourceMap,
) -> Diagnostic {
    let (name, message, range) = match e.kind() {
        tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => {
            (r.filename().to_string(), r.message().to_string(), Some(r.span().range.clone()))
        }
        other => (String::new(), other.to_string(), None),
    };
    let found = templates.iter().find(|(n, ..)| *n == name);
    let (file_name, path, text) = match found {
        Some((_, text, Some(p))) => (display_name(&config.root, p), p.clone(), text.clone()),
        Some((n, text, None)) => (format!("(built-in theme) templates/{n}"), std::path::PathBuf::from(n), text.clone()),
        None => (format!("templates/{name}"), std::path::PathBuf::from(&name), String::new()),
    };
    let file = sources.add(file_name, path, text);
    let span = match range {
        Some(r) => Span::new(file, r),
        None => Span::file_start(file),
    };
    Diagnostic::error(Code::Template, span, format!("template error: {message}"))
        .with_hint("fix the template in your theme folder, or delete it to fall back to the built-in one")
}

/// Today's date as `YYYY-MM-DD`, from `SOURCE_DATE_EPOCH` when set (reproducible builds).
pub fn today() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.parse::<i64>().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
    });
    civil_date(secs.div_euclid(86_400))
}

/// Days since 1970-01-01 → `YYYY-MM-DD` (Howard Hinnant's civil-from-days).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    format!("{:04}-{:02}-{:02}", if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(20_781), "2026-11-24");
        assert_eq!(civil_date(11_016), "2000-02-29");
    }

    #[test]
    fn escaping() {
        assert_eq!(escape_html("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }
}

//! The render stage: the resolved catalog → every file of the site, in memory. Pages render in
//! parallel; the syntax set and the templates load once. Nothing here touches the output
//! directory (that is `site`'s job).

pub mod analysis;
pub mod backlinks;
pub mod diagram;
pub mod highlight;
pub mod links;
pub mod md;
pub mod pages;
pub mod runbook;
pub mod search;
pub mod theme;

use rayon::prelude::*;
use serde::Serialize;

use crate::config::Config;
use crate::diag::{Code, Diagnostic, SourceMap, Span, display_name};
use crate::model::Catalog;
use analysis::PathSummary;
use backlinks::Backlinks;
use highlight::Highlighter;
use pages::PageOut;
use theme::Theme;

/// The site's fixed navigation: a handful of sections, never a list of every page, so the
/// output grows linearly with the number of pages.
pub const NAV: [(&str, &str); 7] = [
    ("Paths", "paths/index.html"),
    ("Blockers", "blockers/index.html"),
    ("Prerequisites", "prerequisites/index.html"),
    ("Components", "components/index.html"),
    ("Articles", "articles/index.html"),
    ("Matrix", "matrix.html"),
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
}

pub struct Renderer<'a> {
    pub cat: &'a Catalog,
    pub hl: &'a Highlighter,
    pub tera: tera::Tera,
    pub theme: Theme,
    pub site: SiteVm,
    pub backlinks: Backlinks,
    pub analysis: Vec<PathSummary>,
    /// Whether runbook pages are part of the site (path pages link to them).
    pub runbooks: bool,
}

impl<'a> Renderer<'a> {
    /// Loads the theme's templates; a template that does not parse is a located diagnostic.
    pub fn new(
        cat: &'a Catalog,
        config: &Config,
        hl: &'a Highlighter,
        revision: String,
        sources: &mut SourceMap,
    ) -> Result<Renderer<'a>, Diagnostic> {
        let (theme, tera) = compile_theme(config, sources)?;
        let site = SiteVm {
            title: config.book.title.clone(),
            description: config.book.description.clone(),
            language: config.book.language.clone(),
            owner: config.site.owner.clone(),
            revision,
            generated: today(),
            version: env!("CARGO_PKG_VERSION"),
            site_url: config.site.site_url.clone(),
        };
        Ok(Renderer {
            cat,
            hl,
            tera,
            theme,
            site,
            backlinks: Backlinks::build(cat),
            analysis: analysis::analyze(cat, config.check.max_states),
            runbooks: true,
        })
    }

    /// Every file of the site: pages in parallel, then assets.
    pub fn render_all(&self) -> Result<Vec<PageOut>, String> {
        enum Job {
            Home,
            List(&'static str),
            Component(usize),
            Blocker(usize),
            Prereq(usize),
            Path(usize),
            Article(usize),
            Matrix,
            Search,
            NotFound,
            Runbook(usize),
            AllRunbooks,
        }
        let cat = self.cat;
        let mut jobs = vec![Job::Home, Job::Matrix, Job::Search, Job::NotFound];
        jobs.extend(["components", "blockers", "prerequisites", "paths", "articles"].map(Job::List));
        jobs.extend((0..cat.components.len()).map(Job::Component));
        jobs.extend((0..cat.blockers.len()).map(Job::Blocker));
        jobs.extend((0..cat.prerequisites.len()).map(Job::Prereq));
        jobs.extend((0..cat.paths.len()).map(Job::Path));
        jobs.extend((0..cat.articles.len()).map(Job::Article));
        if self.runbooks {
            jobs.extend((0..cat.paths.len()).map(Job::Runbook));
            jobs.push(Job::AllRunbooks);
        }
        let mut pages: Vec<Result<PageOut, String>> = jobs
            .par_iter()
            .map(|job| match job {
                Job::Home => self.home_page(),
                Job::List(k) => self.list_page(k),
                Job::Component(i) => self.component_page(*i),
                Job::Blocker(i) => self.blocker_page(*i),
                Job::Prereq(i) => self.prerequisite_page(*i),
                Job::Path(i) => self.path_page(*i),
                Job::Article(i) => self.article_page(*i),
                Job::Matrix => self.matrix_page(),
                Job::Search => self.search_page(),
                Job::NotFound => self.not_found_page(),
                Job::Runbook(i) => self.runbook_page(*i),
                Job::AllRunbooks => self.runbooks_all_page(),
            })
            .collect();
        pages.extend(self.tag_pages());
        let mut out: Vec<PageOut> = pages.into_iter().collect::<Result<_, _>>()?;
        let names: Vec<String> = out.iter().map(|(p, _)| p.clone()).collect();
        out.push(self.sitemap(&names));
        out.push(("assets/search-index.js".into(), self.search_index()));
        out.push(("assets/highlight.css".into(), self.hl.css().into_bytes()));
        for (name, bytes) in self.theme.statics() {
            out.push((format!("assets/{name}"), bytes.to_vec()));
        }
        Ok(out)
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

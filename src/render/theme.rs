//! The theme: Tera templates and static assets. The default theme (`themes/default/`) is
//! compiled into the binary so a project without a theme folder still builds; a project's own
//! theme folder overrides it file by file, like mdBook's `theme/` and Zola's `templates/`.

use std::path::Path;

use crate::diag::{Code, Diagnostic, SourceMap, Span, display_name};

macro_rules! embed {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_bytes!(concat!("../../themes/default/", $path)))),*]
    };
}

/// Every file of the default theme, by path relative to the theme folder.
pub static DEFAULT: &[(&str, &[u8])] = embed!(
    "templates/base.html",
    "templates/macros.html",
    "templates/index.html",
    "templates/list.html",
    "templates/component.html",
    "templates/blocker.html",
    "templates/prerequisite.html",
    "templates/fact.html",
    "templates/condition.html",
    "templates/effect.html",
    "templates/path.html",
    "templates/article.html",
    "templates/matrix.html",
    "templates/tags.html",
    "templates/tag.html",
    "templates/search.html",
    "templates/404.html",
    "templates/runbook.html",
    "templates/assistant.html",
    "templates/plan.html",
    "static/style.css",
    "static/pathbook.js",
    "static/elasticlunr.min.js",
);

/// A theme: the default files with a project's overrides applied.
#[derive(Clone, Debug)]
pub struct Theme {
    /// `(relative path, bytes, where it came from for diagnostics)`.
    pub files: Vec<(String, Vec<u8>, Option<std::path::PathBuf>)>,
}

impl Theme {
    /// The default theme, overridden by files in `dir` (if it exists).
    pub fn load(dir: &Path, root: &Path, sources: &mut SourceMap) -> Result<Theme, Diagnostic> {
        let mut files: Vec<(String, Vec<u8>, Option<std::path::PathBuf>)> =
            DEFAULT.iter().map(|(p, b)| (p.to_string(), b.to_vec(), None)).collect();
        if dir.is_dir() {
            // The same walk as the catalog's: links that leave the project are not followed.
            let mut problems = Vec::new();
            let found = crate::catalog::load::walk_files(dir, root, sources, &mut problems, |_| true);
            if let Some(first) = problems.into_iter().next() {
                return Err(first);
            }
            for path in found {
                let rel = path.strip_prefix(dir).unwrap_or(&path);
                let rel = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
                let bytes = std::fs::read(&path).map_err(|err| {
                    let f = sources.add(display_name(root, &path), &path, "");
                    Diagnostic::error(Code::FileError, Span::file_start(f), format!("cannot read: {err}"))
                })?;
                match files.iter_mut().find(|(p, ..)| *p == rel) {
                    Some(slot) => *slot = (rel, bytes, Some(path.clone())),
                    None => files.push((rel, bytes, Some(path.clone()))),
                }
            }
        }
        Ok(Theme { files })
    }

    pub fn templates(&self) -> impl Iterator<Item = (&str, &[u8], Option<&Path>)> {
        self.files
            .iter()
            .filter_map(|(p, b, src)| p.strip_prefix("templates/").map(|name| (name, b.as_slice(), src.as_deref())))
    }

    pub fn statics(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.files.iter().filter_map(|(p, b, _)| p.strip_prefix("static/").map(|name| (name, b.as_slice())))
    }
}

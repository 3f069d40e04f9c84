//! `book.toml`: the project's configuration, mdBook-style. Unknown keys are errors, so a typo
//! never silently falls back to a default.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diag::{Code, Diagnostic, SourceMap, Span};

pub const CONFIG_FILE: &str = "book.toml";

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    pub book: BookConfig,
    #[serde(default)]
    pub build: BuildConfig,
    #[serde(default)]
    pub site: SiteConfig,
    #[serde(default)]
    pub check: CheckConfig,
    /// The project root (where `book.toml` is); not read from the file.
    #[serde(skip)]
    pub root: PathBuf,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BookConfig {
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default)]
    pub authors: Vec<String>,
}

fn default_language() -> String {
    "en".to_string()
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BuildConfig {
    /// Where `build` writes the site, relative to the root.
    #[serde(default = "default_build_dir")]
    pub build_dir: PathBuf,
    #[serde(default = "default_rules_dir")]
    pub rules_dir: PathBuf,
    #[serde(default = "default_content_dir")]
    pub content_dir: PathBuf,
    /// A folder whose templates and assets override the built-in theme, file by file.
    #[serde(default = "default_theme_dir")]
    pub theme_dir: PathBuf,
}

impl Default for BuildConfig {
    fn default() -> Self {
        BuildConfig {
            build_dir: default_build_dir(),
            rules_dir: default_rules_dir(),
            content_dir: default_content_dir(),
            theme_dir: default_theme_dir(),
        }
    }
}

fn default_build_dir() -> PathBuf {
    "book".into()
}
fn default_rules_dir() -> PathBuf {
    "rules".into()
}
fn default_content_dir() -> PathBuf {
    "content".into()
}
fn default_theme_dir() -> PathBuf {
    "theme".into()
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SiteConfig {
    /// Absolute URL the site is published at (for sitemap.xml). Links stay relative regardless.
    #[serde(default)]
    pub site_url: Option<String>,
    /// Who owns this knowledge base; printed on runbooks.
    #[serde(default)]
    pub owner: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CheckConfig {
    /// The most starting states one path may admit before `check` refuses to enumerate them.
    #[serde(default = "default_max_states")]
    pub max_states: u64,
    #[serde(default)]
    pub deny_warnings: bool,
}

impl Default for CheckConfig {
    fn default() -> Self {
        CheckConfig { max_states: default_max_states(), deny_warnings: false }
    }
}

fn default_max_states() -> u64 {
    65_536
}

impl Config {
    /// Reads `book.toml` from `root`. Every failure is a located diagnostic.
    pub fn load(root: &Path, sources: &mut SourceMap) -> Result<Config, Diagnostic> {
        let path = root.join(CONFIG_FILE);
        let text = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) => {
                let file = sources.add(CONFIG_FILE, &path, "");
                let what = if e.kind() == std::io::ErrorKind::NotFound {
                    format!("no `{CONFIG_FILE}` in {}", root.display())
                } else {
                    format!("cannot read `{CONFIG_FILE}`: {e}")
                };
                return Err(Diagnostic::error(Code::Config, Span::file_start(file), what).with_hint(
                    "run pathbook in the project root, pass `--root DIR`, or create a book.toml with at least:\n\n[book]\ntitle = \"My knowledge base\"",
                ));
            }
        };
        let text = match String::from_utf8(text) {
            Ok(t) => t,
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                let file = sources.add(CONFIG_FILE, &path, String::from_utf8_lossy(e.as_bytes()).into_owned());
                return Err(Diagnostic::error(
                    Code::FileError,
                    Span::new(file, at..at + 1),
                    "book.toml is not valid UTF-8",
                ));
            }
        };
        let file = sources.add(CONFIG_FILE, &path, text.as_str());
        let mut config: Config = toml::from_str(&text).map_err(|e| {
            let span = e.span().map_or(Span::file_start(file), |r| Span::new(file, r));
            let message = e.message().trim().to_string();
            let mut d = Diagnostic::error(Code::Config, span, format!("invalid book.toml: {message}"));
            if message.contains("unknown field") {
                d = d.with_hint("see README.md for the keys book.toml accepts");
            }
            d
        })?;
        config.root = root.to_path_buf();
        Ok(config)
    }

    pub fn rules_dir(&self) -> PathBuf {
        self.root.join(&self.build.rules_dir)
    }

    pub fn content_dir(&self) -> PathBuf {
        self.root.join(&self.build.content_dir)
    }

    pub fn build_dir(&self) -> PathBuf {
        self.root.join(&self.build.build_dir)
    }

    pub fn theme_dir(&self) -> PathBuf {
        self.root.join(&self.build.theme_dir)
    }
}

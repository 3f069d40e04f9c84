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
    #[serde(default)]
    pub vocabulary: Vocabulary,
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

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CheckConfig {
    /// No longer limits anything: `check` decides every starting state symbolically. Read so
    /// that older `book.toml` files still load, with a warning.
    #[serde(default)]
    pub max_states: Option<u64>,
    #[serde(default)]
    pub deny_warnings: bool,
    /// The largest decision diagram one operation of the engine may build, in nodes (default
    /// 4,000,000, a few tens of megabytes). Real catalogs stay in the thousands.
    #[serde(default)]
    pub max_nodes: Option<usize>,
    /// The day support phases (`is end-of-life`) are computed for, `YYYY-MM-DD`; default today.
    /// Pin it to make a build reproducible.
    #[serde(default)]
    pub as_of: Option<String>,
}

/// The words pages use for what a path runs on: `server`/`servers` by default; a database
/// knowledge base may say `cluster`, an endpoint one `device`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Vocabulary {
    #[serde(default = "default_host")]
    pub host: String,
    #[serde(default = "default_hosts")]
    pub hosts: String,
}

impl Default for Vocabulary {
    fn default() -> Self {
        Vocabulary { host: default_host(), hosts: default_hosts() }
    }
}

fn default_host() -> String {
    "server".to_string()
}
fn default_hosts() -> String {
    "servers".to_string()
}

/// What the command line overrides in `book.toml`.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `--as-of`.
    pub as_of: Option<crate::model::Date>,
}

/// Today, in UTC.
pub fn today() -> crate::model::Date {
    jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date()
}

impl Config {
    /// Reads `book.toml` from `root` and checks what it points at. Every failure is a located
    /// diagnostic.
    /// With the warnings it raised, or every problem when one is an error.
    pub fn load(root: &Path, sources: &mut SourceMap) -> Result<(Config, Vec<Diagnostic>), Vec<Diagnostic>> {
        let config = Config::parse(root, sources).map_err(|d| vec![d])?;
        let file = sources.find_path(&root.join(CONFIG_FILE)).unwrap_or(crate::diag::FileId(0));
        let problems = config.validate(sources, file);
        if problems.iter().any(Diagnostic::is_error) { Err(problems) } else { Ok((config, problems)) }
    }

    /// The folders must stay inside the project (a theme folder of `/etc` would publish it),
    /// and `site-url` lands in attributes and links, so it must be a plain http(s) URL.
    fn validate(&self, sources: &SourceMap, file: crate::diag::FileId) -> Vec<Diagnostic> {
        let text = sources.get(file).text.clone();
        let at = |key: &str| match find_key(&text, key) {
            Some(r) => Span::new(file, r),
            None => Span::file_start(file),
        };
        let mut out = Vec::new();
        let root = std::fs::canonicalize(&self.root).unwrap_or_else(|_| self.root.clone());
        for (key, dir) in [
            ("build-dir", &self.build.build_dir),
            ("rules-dir", &self.build.rules_dir),
            ("content-dir", &self.build.content_dir),
            ("theme-dir", &self.build.theme_dir),
        ] {
            // The build directory may be anywhere (a web server's folder); `build` guards it.
            if key == "build-dir" {
                continue;
            }
            let joined = self.root.join(dir);
            let real = std::fs::canonicalize(&joined).unwrap_or_else(|_| lexical(&joined));
            if !real.starts_with(&root) {
                out.push(
                    Diagnostic::error(
                        Code::Config,
                        at(key),
                        format!("`{key}` must be inside the project, but {} is not", dir.display()),
                    )
                    .with_hint(
                        "pathbook reads only files inside the project folder; copy the files in, or move book.toml up",
                    ),
                );
            }
        }
        if self.check.max_states.is_some() {
            out.push(
                Diagnostic::warning(Code::Config, at("max-states"), "`max-states` no longer limits anything")
                    .with_note("`check` decides every starting state of a path at once, however many there are")
                    .with_hint("delete the line"),
            );
        }
        if let Some(d) = &self.check.as_of {
            if d.trim().parse::<crate::model::Date>().is_err() {
                out.push(
                    Diagnostic::error(
                        Code::Config,
                        at("as-of"),
                        format!("`as-of` is not a date: `{}`", d.escape_debug()),
                    )
                    .with_hint("write it as YYYY-MM-DD"),
                );
            }
        }
        for (key, word) in [("host", &self.vocabulary.host), ("hosts", &self.vocabulary.hosts)] {
            let w = word.trim();
            if w.is_empty() || w.chars().count() > 40 || w.chars().any(char::is_control) {
                out.push(
                    Diagnostic::error(
                        Code::Config,
                        at(key),
                        format!("`{key}` must be a short word, 1 to 40 characters"),
                    )
                    .with_hint("e.g. `host = \"cluster\"` and `hosts = \"clusters\"`"),
                );
            }
        }
        if let Some(url) = &self.site.site_url {
            if let Err(why) = check_site_url(url) {
                out.push(
                    Diagnostic::error(Code::Config, at("site-url"), format!("`site-url` {why}")).with_hint(
                        "write the address the site is published at, e.g. `https://support.example.com/kb/`",
                    ),
                );
            }
        }
        out
    }

    /// Parses `book.toml`.
    fn parse(root: &Path, sources: &mut SourceMap) -> Result<Config, Diagnostic> {
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

    /// The evaluation date: the override, else `as-of`, else today.
    pub fn as_of(&self, overrides: &Overrides) -> crate::model::Date {
        overrides
            .as_of
            .or_else(|| self.check.as_of.as_deref().and_then(|d| d.trim().parse().ok()))
            .unwrap_or_else(today)
    }
}

/// A path with `.` and `..` taken out, for paths that do not exist yet.
fn lexical(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Where `key = ` is in the file, for pointing at it.
fn find_key(text: &str, key: &str) -> Option<std::ops::Range<usize>> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(key) {
            if rest.trim_start().starts_with('=') {
                let start = offset + (line.len() - trimmed.len());
                return Some(start..start + key.len());
            }
        }
        offset += line.len();
    }
    None
}

/// `site-url` ends up in `href` attributes, the sitemap and printed runbooks: it must be an
/// absolute http(s) URL made of characters that need no escaping anywhere.
pub fn check_site_url(url: &str) -> Result<(), String> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).ok_or_else(|| {
        format!("must start with `https://` or `http://`, not `{}`", url.chars().take(40).collect::<String>())
    })?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() {
        return Err("has no host name".to_string());
    }
    if let Some(bad) = url.chars().find(|c| !(c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&()*+,;=%".contains(*c))) {
        return Err(format!("contains {bad:?}, which a URL cannot hold unescaped"));
    }
    if url.contains(['\'', '(', ')']) {
        return Err("contains quotes or parentheses; percent-encode them".to_string());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_urls() {
        assert!(check_site_url("https://support.example.com/kb/").is_ok());
        assert!(check_site_url("http://localhost:8080").is_ok());
        assert!(check_site_url("javascript:alert(1)").is_err());
        assert!(check_site_url("https://x.example/\"onmouseover=\"alert(1)").is_err());
        assert!(check_site_url("https://x.example/<script>").is_err());
        assert!(check_site_url("https://").is_err());
        assert!(check_site_url("//x.example/").is_err());
    }

    #[test]
    fn keys_are_found_at_the_start_of_their_line() {
        let text = "[build]\n# theme-dir = \"x\"\ntheme-dir = \"/etc\"\n";
        let r = find_key(text, "theme-dir").unwrap();
        assert_eq!(&text[r.clone()], "theme-dir");
        assert_eq!(r.start, text.rfind("theme-dir").unwrap());
    }
}

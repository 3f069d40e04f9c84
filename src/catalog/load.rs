//! Loading: walk `rules/` and `content/`, read every file into the source map, parse YAML
//! (with spans) and split article front matter from bodies. Nothing here knows what an id
//! means; that is `resolve`'s job.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde_saphyr::{DefaultMessageFormatter, Error as YamlError, Localizer, MessageFormatter, SnippetMode};

use super::raw::{CatalogFile, FrontMatter};
use crate::diag::{Code, Diagnostic, FileId, SourceFile, SourceMap, Span, display_name};
use crate::model::Attachment;

/// Where a YAML document sits inside its file (front matter starts after the `---` line).
#[derive(Clone, Copy, Debug)]
pub struct Origin {
    pub file: FileId,
    pub base: usize,
}

impl Origin {
    /// The span of a `Spanned` value. Quoted scalars are shifted past their opening quote, so
    /// offsets into the string (a token in a condition) land on the right column.
    pub fn span(&self, sources: &SourceMap, loc: &serde_saphyr::Location, len_hint: usize) -> Span {
        let text = &sources.get(self.file).text;
        let sub = &text[self.base.min(text.len())..];
        let start = match loc.span().byte_offset() {
            Some(b) => b as usize,
            None => offset_in(sub, loc.line() as usize, loc.column() as usize),
        };
        let len = loc.span().byte_len().map_or(len_hint, |l| l as usize);
        let mut start = self.base + start;
        let mut end = start + len;
        if matches!(text.as_bytes().get(start), Some(b'"' | b'\'')) && len >= 2 {
            start += 1;
            end -= 1;
        }
        Span::new(self.file, start.min(text.len())..end.min(text.len()))
    }
}

/// A parsed catalog file.
#[derive(Debug)]
pub struct LoadedFile {
    pub origin: Origin,
    pub doc: Arc<CatalogFile>,
}

/// An article, split but not yet resolved.
#[derive(Debug, Clone)]
pub struct LoadedArticle {
    pub origin: Origin,
    pub slug: String,
    pub front: Arc<FrontMatter>,
    /// Byte offset of the Markdown body in the file.
    pub body_offset: usize,
}

impl LoadedArticle {
    pub fn body<'a>(&self, sources: &'a SourceMap) -> &'a str {
        let text = &sources.get(self.origin.file).text;
        text.get(self.body_offset..).unwrap_or("")
    }
}

/// Parsed documents from earlier loads, by path and content hash. Parsing is most of the cost
/// of loading, and a parsed document does not depend on its place in the source map, so a
/// session re-parses only files whose text changed.
#[derive(Debug, Default)]
pub struct ParseCache {
    rules: HashMap<PathBuf, (u64, Arc<CatalogFile>)>,
    articles: HashMap<PathBuf, (u64, Arc<FrontMatter>, usize, usize)>,
    /// Articles' headings and links, by their text (kept on disk between builds too).
    pub scans: crate::markdown::ScanMemo,
}

pub fn text_hash(text: &str) -> u64 {
    // A fixed-seed fast hash: the whole content tree goes through here on every build, and
    // SipHash (the std default) cost more than parsing the YAML it guards.
    use std::hash::BuildHasher;
    foldhash::quality::FixedState::with_seed(0x7061_7468_626f_6f6b).hash_one(text)
}

#[derive(Debug, Default)]
pub struct Loaded {
    pub files: Vec<LoadedFile>,
    pub articles: Vec<LoadedArticle>,
    pub attachments: Vec<Attachment>,
    /// A rule file could not be read or parsed: its ids are missing, so simulating paths
    /// would report mismatches caused by the missing rules. (A broken article does not count.)
    pub rules_failed: bool,
    /// Slugs of articles that failed to load.
    pub failed_articles: Vec<String>,
}

/// Reads every catalog file and article. Problems become diagnostics; the rest still loads.
pub fn load(rules_dir: &Path, content_dir: &Path, root: &Path, sources: &mut SourceMap) -> (Loaded, Vec<Diagnostic>) {
    load_cached(rules_dir, content_dir, root, sources, &mut ParseCache::default())
}

/// [`load`], reusing (and filling) `cache` for files whose text has not changed.
pub fn load_cached(
    rules_dir: &Path,
    content_dir: &Path,
    root: &Path,
    sources: &mut SourceMap,
    cache: &mut ParseCache,
) -> (Loaded, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut loaded = Loaded::default();

    if !rules_dir.is_dir() {
        let file = sources.add(display_name(root, rules_dir), rules_dir, "");
        diags.push(
            Diagnostic::error(Code::FileError, Span::file_start(file), "the rules directory does not exist")
                .with_hint("create it, or set `rules-dir` under [build] in book.toml"),
        );
    }
    let rule_files = read_tree(rules_dir, root, &["yaml", "yml"], sources, &mut diags);
    let parsed: Vec<_> = rule_files
        .par_iter()
        .map(|&file| {
            let origin = Origin { file, base: 0 };
            let src = sources.get(file);
            let hash = text_hash(&src.text);
            if let Some((h, doc)) = cache.rules.get(&src.path) {
                if *h == hash {
                    return (hash, Ok(LoadedFile { origin, doc: doc.clone() }));
                }
            }
            let text = &src.text;
            if text.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) {
                let d = Diagnostic::error(Code::FileError, Span::file_start(file), "empty catalog file")
                    .with_hint("add `components:`, `blockers:`, `prerequisites:` or `paths:`, or delete the file");
                return (hash, Err(d));
            }
            (
                hash,
                parse_yaml::<CatalogFile>(text, origin, sources).map(|doc| LoadedFile { origin, doc: Arc::new(doc) }),
            )
        })
        .collect();
    for (hash, p) in parsed {
        match p {
            Ok(f) => {
                cache.rules.insert(sources.get(f.origin.file).path.clone(), (hash, f.doc.clone()));
                loaded.files.push(f);
            }
            Err(d) => diags.push(d),
        }
    }
    loaded.rules_failed = diags.iter().any(Diagnostic::is_error);

    if content_dir.is_dir() {
        let (md, other): (Vec<PathBuf>, Vec<PathBuf>) =
            walk_files(content_dir, root, sources, &mut diags, |_| true).into_iter().partition(|p| has_ext(p, &["md"]));
        let md_files = read_files(&md, root, sources, &mut diags);
        loaded.attachments = attachments(other, content_dir, root, sources, &mut diags);
        let parsed: Vec<_> = md_files
            .par_iter()
            .map(|&file| {
                let src = sources.get(file);
                let hash = text_hash(&src.text);
                if let Some((h, front, base, body_offset)) = cache.articles.get(&src.path) {
                    if *h == hash {
                        if let Ok(slug) = slug_for(&src.path, content_dir) {
                            let origin = Origin { file, base: *base };
                            return (
                                hash,
                                Ok(LoadedArticle { origin, slug, front: front.clone(), body_offset: *body_offset }),
                            );
                        }
                    }
                }
                (hash, load_article(file, content_dir, sources))
            })
            .collect();
        for (hash, p) in parsed {
            match p {
                Ok(a) => {
                    let path = sources.get(a.origin.file).path.clone();
                    cache.articles.insert(path, (hash, a.front.clone(), a.origin.base, a.body_offset));
                    loaded.articles.push(a);
                }
                Err(d) => {
                    // Its slug still exists: links to it are not errors of their own.
                    if let Ok(slug) = slug_for(&sources.get(d.span.file).path, content_dir) {
                        loaded.failed_articles.push(slug);
                    }
                    diags.push(d)
                }
            }
        }
    }
    (loaded, diags)
}

/// Walks a directory and adds the files with one of `exts` to the source map, in a stable order.
fn read_tree(
    dir: &Path,
    root: &Path,
    exts: &[&str],
    sources: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Vec<FileId> {
    let found = walk_files(dir, root, sources, diags, |p| has_ext(p, exts));
    read_files(&found, root, sources, diags)
}

/// Reads and prepares files in parallel, then registers them in order so file ids stay stable.
fn read_files(paths: &[PathBuf], root: &Path, sources: &mut SourceMap, diags: &mut Vec<Diagnostic>) -> Vec<FileId> {
    let prepared: Vec<Prepared> = paths.par_iter().map(|p| prepare(p, std::fs::read(p), root)).collect();
    prepared.into_iter().filter_map(|p| add_prepared(p, sources, diags)).collect()
}

fn has_ext(path: &Path, exts: &[&str]) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| exts.contains(&e))
}

/// The project root with symlinks resolved: what every input must stay inside.
pub fn real_root(root: &Path) -> PathBuf {
    std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf())
}

/// Every file under `dir` that `keep` accepts, following symlinks that stay inside the project
/// (loops and links that lead outside it are reported, not followed), hidden files and editor
/// droppings skipped. Each file is listed once however many links reach it.
pub fn walk_files(
    dir: &Path,
    root: &Path,
    sources: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
    keep: impl Fn(&Path) -> bool,
) -> Vec<PathBuf> {
    let mut found = Vec::new();
    if !dir.exists() {
        return found;
    }
    let real_root = real_root(root);
    let mut escapes: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut through_symlink = false;
    let walker = walkdir::WalkDir::new(dir).follow_links(true).sort_by_file_name().into_iter().filter_entry(|e| {
        if e.depth() > 0 && is_ignored(e.file_name()) {
            return false;
        }
        // A link is followed only where it stays in the project: `content/x -> /etc/shadow`
        // must not be published, nor `/etc/ssl` walked.
        if e.path_is_symlink() {
            match std::fs::canonicalize(e.path()) {
                Ok(target) if !target.starts_with(&real_root) => {
                    escapes.push((e.path().to_path_buf(), target));
                    return false;
                }
                _ => {}
            }
        }
        true
    });
    let mut errors = Vec::new();
    for entry in walker {
        match entry {
            Ok(e) => {
                if e.path_is_symlink() {
                    through_symlink = true;
                }
                if e.file_type().is_file() && keep(e.path()) {
                    found.push(e.path().to_path_buf());
                }
            }
            Err(e) => errors.push(e),
        }
    }
    for (link, target) in escapes {
        let file = sources.add(display_name(root, &link), &link, "");
        diags.push(
            Diagnostic::error(
                Code::FileError,
                Span::file_start(file),
                format!("this symlink leads outside the project, to {}", target.display()),
            )
            .with_hint("pathbook reads only files inside the project folder; copy the file in instead of linking it"),
        );
    }
    for e in errors {
        let path = e.path().map(Path::to_path_buf).unwrap_or_else(|| dir.to_path_buf());
        let file = sources.add(display_name(root, &path), &path, "");
        let (msg, hint) = if let Some(ancestor) = e.loop_ancestor() {
            (
                format!("symlink loop: this link points back to {}", display_name(root, ancestor)),
                "remove the link or point it outside its own ancestors",
            )
        } else {
            (format!("cannot read: {e}"), "check the file's permissions")
        };
        diags.push(Diagnostic::error(Code::FileError, Span::file_start(file), msg).with_hint(hint));
    }
    // A file reached twice through symlinks is one file, not a duplicate definition; only a
    // walk that followed a link pays for the check.
    if through_symlink {
        found.retain(|p| seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())));
    }
    found
}

/// File types a browser runs as a document in the site's origin when a reader opens them.
/// Published, they would let an attachment run script on the support site.
const ACTIVE_TYPES: [&str; 14] =
    ["html", "htm", "xhtml", "xht", "shtml", "svg", "svgz", "xml", "xsl", "xslt", "js", "mjs", "mht", "mhtml"];

/// The attachments among the files under `content_dir`; refused types are reported at their file.
fn attachments(
    files: Vec<PathBuf>,
    content_dir: &Path,
    root: &Path,
    sources: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Attachment> {
    let mut out = Vec::new();
    for path in files {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        if ACTIVE_TYPES.contains(&ext.as_str()) {
            let file = sources.add(display_name(root, &path), &path, "");
            diags.push(
                Diagnostic::error(
                    Code::BadLink,
                    Span::file_start(file),
                    format!("`.{ext}` files are not published: opened from the site, a browser would run them as a page"),
                )
                .with_hint("convert it to an image (PNG, JPEG, WebP) or put it in a .zip, or move it out of the content folder"),
            );
            continue;
        }
        let rel = path.strip_prefix(content_dir).unwrap_or(&path);
        let rel: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        let file = sources.add(display_name(root, &path), &path, "");
        out.push(Attachment { rel: format!("articles/{}", rel.join("/")), path, file });
    }
    out
}

/// A file read from disk, checked and indexed, not yet in the source map.
struct Prepared {
    file: SourceFile,
    problem: Option<Problem>,
}

enum Problem {
    /// Not UTF-8: the offset of the first invalid byte (the text is the lossy decoding).
    NotUtf8(usize),
    Unreadable(String),
}

/// The part of [`register`] that does not touch the source map, so it can run in parallel.
fn prepare(path: &Path, bytes: std::io::Result<Vec<u8>>, root: &Path) -> Prepared {
    let (text, problem): (Arc<str>, _) = match bytes {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(mut text) => {
                if text.starts_with('\u{feff}') {
                    text.replace_range(..3, "");
                }
                (text.into(), None)
            }
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                (String::from_utf8_lossy(e.as_bytes()).into_owned().into(), Some(Problem::NotUtf8(at)))
            }
        },
        Err(e) => ("".into(), Some(Problem::Unreadable(e.to_string()))),
    };
    Prepared { file: SourceFile::new(display_name(root, path), path.to_path_buf(), text), problem }
}

fn add_prepared(p: Prepared, sources: &mut SourceMap, diags: &mut Vec<Diagnostic>) -> Option<FileId> {
    let file = sources.push(p.file);
    match p.problem {
        None => return Some(file),
        Some(Problem::NotUtf8(at)) => diags.push(
            Diagnostic::error(Code::FileError, Span::new(file, at..at + 1), "file is not valid UTF-8")
                .with_label("first invalid byte")
                .with_hint("save the file as UTF-8"),
        ),
        Some(Problem::Unreadable(e)) => {
            diags.push(Diagnostic::error(Code::FileError, Span::file_start(file), format!("cannot read: {e}")))
        }
    }
    None
}

/// Editor droppings and hidden files never count as content.
fn is_ignored(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".tmp")
}

/// Reads one file as UTF-8 into the source map.
pub fn read_file(path: &Path, root: &Path, sources: &mut SourceMap, diags: &mut Vec<Diagnostic>) -> Option<FileId> {
    register(path, std::fs::read(path), root, sources, diags)
}

/// Adds a file's bytes to the source map as UTF-8, or reports why it cannot be.
fn register(
    path: &Path,
    bytes: std::io::Result<Vec<u8>>,
    root: &Path,
    sources: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Option<FileId> {
    add_prepared(prepare(path, bytes, root), sources, diags)
}

/// Splits and parses one article file.
pub fn load_article(file: FileId, content_dir: &Path, sources: &SourceMap) -> Result<LoadedArticle, Diagnostic> {
    let src = sources.get(file);
    let slug = slug_for(&src.path, content_dir).map_err(|msg| {
        Diagnostic::error(Code::BadLink, Span::file_start(file), msg)
            .with_hint("article file names become URLs: use letters, digits, `-`, `_` and `/` only")
    })?;
    let text = &src.text;
    let Some(rest) = text.strip_prefix("---").filter(|r| r.starts_with('\n') || r.starts_with("\r\n")) else {
        return Err(Diagnostic::error(Code::FrontMatter, Span::file_start(file), "article has no front matter")
            .with_hint("start the file with a YAML block:\n---\ntitle: My article\n---"));
    };
    let fm_start = text.len() - rest.len() + if rest.starts_with("\r\n") { 2 } else { 1 };
    let fm_end = find_closing_fence(&text[fm_start..]).map(|e| fm_start + e).ok_or_else(|| {
        Diagnostic::error(Code::FrontMatter, Span::new(file, 0..3), "front matter is never closed")
            .with_label("opened here")
            .with_hint("end the front matter with a line containing only `---`")
    })?;
    let yaml = &text[fm_start..fm_end];
    let origin = Origin { file, base: fm_start };
    if yaml.trim().is_empty() {
        return Err(Diagnostic::error(Code::FrontMatter, Span::new(file, 0..3), "front matter is empty")
            .with_hint("give the article at least a `title:`"));
    }
    let front = parse_yaml::<FrontMatter>(yaml, origin, sources).map_err(|mut d| {
        if d.code == Code::Shape || d.code == Code::UnknownKey || d.code == Code::YamlSyntax {
            d.message = format!("front matter: {}", d.message);
        }
        d
    })?;
    let after_fence = fm_end + text[fm_end..].find('\n').map_or(text.len() - fm_end, |i| i + 1);
    let body_offset = after_fence.min(text.len());
    Ok(LoadedArticle { origin, slug, front: Arc::new(front), body_offset })
}

fn find_closing_fence(s: &str) -> Option<usize> {
    let mut pos = 0;
    for line in s.split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Some(pos);
        }
        pos += line.len();
    }
    None
}

/// `content/guides/foo.md` → `guides/foo`.
pub fn slug_for(path: &Path, content_dir: &Path) -> Result<String, String> {
    let rel = path.strip_prefix(content_dir).unwrap_or(path).with_extension("");
    let mut parts = Vec::new();
    for c in rel.components() {
        let s = c.as_os_str().to_string_lossy();
        let ok = !s.is_empty()
            && s.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_' || ch == '.')
            && !s.starts_with('.');
        if !ok {
            return Err(format!("file name `{s}` cannot become a URL"));
        }
        parts.push(s.into_owned());
    }
    Ok(parts.join("/"))
}

/// How much one YAML file may hold. Catalogs and environment files are flat lists that can
/// be large (200,000 rules, 30,000 hosts), so the counts are generous; what stays tight is
/// what only an attack needs: deep nesting and alias expansion (serde-saphyr's defaults).
pub const MAX_NODES: usize = 20_000_000;
const MAX_EVENTS: usize = 60_000_000;
const MAX_SCALAR_BYTES: usize = 512 * 1024 * 1024;
/// The deepest nesting a file may have; real catalogs need fewer than ten levels.
pub const MAX_DEPTH: usize = 64;

/// Parses one YAML document into `T`, turning any error into a located diagnostic.
pub fn parse_yaml<T: DeserializeOwned>(text: &str, origin: Origin, sources: &SourceMap) -> Result<T, Diagnostic> {
    let budget = serde_saphyr::budget! {
        max_nodes: MAX_NODES,
        max_events: MAX_EVENTS,
        max_total_scalar_bytes: MAX_SCALAR_BYTES,
        max_depth: MAX_DEPTH,
    };
    let options = serde_saphyr::options! { with_snippet: false, budget: budget };
    serde_saphyr::from_str_with_options::<T>(text, options).map_err(|e| yaml_diagnostic(&e, text, origin, sources))
}

/// The library's budget and duplicate-key errors, said in our words with the real limit.
fn own_words(e: &YamlError) -> Option<(String, &'static str)> {
    use serde_saphyr::budget::BudgetBreach as B;
    let mut inner = e.without_snippet();
    while let YamlError::AliasError { error, .. } = inner {
        inner = error.without_snippet();
    }
    Some(match inner {
        YamlError::DuplicateMappingKey { key, .. } => (
            match key {
                Some(k) => format!("the key `{}` appears twice in this mapping", k.escape_debug()),
                None => "a key appears twice in this mapping".to_string(),
            },
            "delete one of the two; which one wins is not something YAML readers agree on",
        ),
        YamlError::Budget { breach, .. } => match breach {
            B::Nodes { .. } | B::Events { .. } => (
                format!("this file holds more than {MAX_NODES} YAML values, the most one file may hold"),
                "split it into several files (catalog files under rules/ can be any number; ids are global)",
            ),
            B::ScalarBytes { .. } => (
                format!("this file holds more than {} MiB of text", MAX_SCALAR_BYTES / (1024 * 1024)),
                "split it into several files",
            ),
            B::Depth { depth } => (
                format!("the YAML is nested {depth} levels deep; the limit is {MAX_DEPTH}"),
                "catalog entries are a few levels deep at most; look for a runaway indentation or `[` nesting",
            ),
            B::Aliases { .. } | B::Anchors { .. } | B::AliasAnchorRatio { .. } | B::MergeKeys { .. } => (
                "the file expands YAML aliases (`*name`) far more than a catalog needs".to_string(),
                "write the values out, or use fewer aliases; this limit stops alias bombs",
            ),
            _ => return None,
        },
        YamlError::AliasExpansionLimitExceeded { .. }
        | YamlError::AliasReplayLimitExceeded { .. }
        | YamlError::AliasReplayStackDepthExceeded { .. } => (
            "the file expands YAML aliases (`*name`) far more than a catalog needs".to_string(),
            "write the values out, or use fewer aliases; this limit stops alias bombs",
        ),
        _ => return None,
    })
}

/// Drops the " at line X, column Y" suffix: our diagnostics print locations themselves.
struct NoLocation;

impl Localizer for NoLocation {
    fn attach_location<'b>(&self, base: Cow<'b, str>, _loc: serde_saphyr::Location) -> Cow<'b, str> {
        base
    }
}

struct Plain;

impl MessageFormatter for Plain {
    fn localizer(&self) -> &dyn Localizer {
        &NoLocation
    }

    fn format_message<'a>(&self, err: &'a YamlError) -> Cow<'a, str> {
        DefaultMessageFormatter.format_message(err)
    }
}

fn yaml_diagnostic(e: &YamlError, text: &str, origin: Origin, sources: &SourceMap) -> Diagnostic {
    let message =
        e.render_with_options(serde_saphyr::render_options! { formatter: &Plain, snippets: SnippetMode::Off });
    let message = message.trim().trim_start_matches("error: ").to_string();
    let span = match e.location() {
        Some(loc) if loc.line() > 0 => {
            let at = match loc.span().byte_offset() {
                Some(b) => b as usize,
                None => offset_in(text, loc.line() as usize, loc.column() as usize),
            };
            let at = (origin.base + at).min(sources.get(origin.file).text.len());
            Span::new(origin.file, at..at + 1)
        }
        _ => Span::file_start(origin.file),
    };
    let (code, hint) = classify(e, &message);
    let (message, hint) = match own_words(e) {
        Some((m, h)) => (m, Some(h)),
        None => (message, hint),
    };
    let mut d = Diagnostic::error(code, span, message);
    if let Some(h) = hint {
        d = d.with_hint(h);
    }
    d
}

fn classify(e: &YamlError, message: &str) -> (Code, Option<&'static str>) {
    let mut inner = e.without_snippet();
    while let YamlError::AliasError { error, .. } = inner {
        inner = error.without_snippet();
    }
    let lower = message.to_ascii_lowercase();
    match inner {
        YamlError::SerdeUnknownField { .. } => {
            (Code::UnknownKey, Some("check the spelling; `pathbook schema` lists every key"))
        }
        YamlError::Budget { .. }
        | YamlError::AliasExpansionLimitExceeded { .. }
        | YamlError::AliasReplayLimitExceeded { .. }
        | YamlError::AliasReplayStackDepthExceeded { .. } => {
            (Code::YamlLimit, Some("catalog files are small and flat; remove the deep nesting or alias expansion"))
        }
        _ if lower.contains("recursion limit") || lower.contains("budget") || lower.contains("depth") => {
            (Code::YamlLimit, Some("catalog files are small and flat; remove the deep nesting or alias expansion"))
        }
        YamlError::SerdeInvalidType { .. }
        | YamlError::SerdeInvalidValue { .. }
        | YamlError::SerdeInvalidLength { .. }
        | YamlError::SerdeUnknownVariant { .. }
        | YamlError::SerdeMissingField { .. }
        | YamlError::NullIntoString { .. }
        | YamlError::InvalidScalar { .. }
        | YamlError::InvalidBooleanStrict { .. }
        | YamlError::DuplicateMappingKey { .. }
        | YamlError::UnexpectedValueForUnitEnumVariant { .. }
        | YamlError::Unexpected { .. } => (Code::Shape, Some("`pathbook schema` describes the shape of every key")),
        YamlError::Message { .. }
            if lower.contains("expected") || lower.contains("invalid") || lower.contains("missing") =>
        {
            (Code::Shape, None)
        }
        _ => (
            Code::YamlSyntax,
            Some("check indentation, and quote values that contain `: ` or start with `*`, `&`, `!` or `@`"),
        ),
    }
}

/// Byte offset of a 1-based line/character column inside `text`.
pub fn offset_in(text: &str, line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let line_text = &text[start..];
    let line_text = &line_text[..line_text.find('\n').unwrap_or(line_text.len())];
    start + line_text.char_indices().nth(column.saturating_sub(1)).map_or(line_text.len(), |(i, _)| i)
}

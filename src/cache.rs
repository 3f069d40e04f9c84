//! Where a project's build cache lives: what a build computed that the next one can reuse
//! (the highlighted code blocks, see [`crate::render::highlight::Highlighter::load`], what
//! the search index made of each text, see [`crate::render::search::SearchMemo::load`], and
//! each article's headings and links, see [`crate::markdown::ScanMemo::load`]).
//!
//! Never inside the project, so it is never committed or published: `PATHBOOK_CACHE_DIR`
//! if set, else the user's cache folder (`$XDG_CACHE_HOME/pathbook`, `~/.cache/pathbook`,
//! `%LOCALAPPDATA%\pathbook\cache`), one folder per project, named by a hash of the project's
//! real path. Everything read from it is checked before use, and it only ever holds files
//! pathbook wrote, each replaced atomically. A folder no build has used for a month is
//! removed by the next build of another project ([`prune_unused`]), only if it holds nothing
//! else.

use std::hash::BuildHasher;
use std::path::{Path, PathBuf};

/// The cache folder for the project at `root`, or `None` when no cache folder is known.
pub fn dir_for(root: &Path) -> Option<PathBuf> {
    let base = match std::env::var_os("PATHBOOK_CACHE_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => user_cache()?,
    };
    let real = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let id = foldhash::quality::FixedState::with_seed(0x7061_7468_626f_6f6b).hash_one(real.as_os_str());
    Some(base.join(format!("{id:016x}")))
}

/// The file of highlighted blocks in a project's cache folder.
pub fn highlight_file(dir: &Path) -> PathBuf {
    dir.join("highlight.bin")
}

/// The file of search index entries in a project's cache folder.
pub fn search_file(dir: &Path) -> PathBuf {
    dir.join("search.bin")
}

/// The file of Markdown scans (headings and links of each article) in a project's cache folder.
pub fn scan_file(dir: &Path) -> PathBuf {
    dir.join("scan.bin")
}

/// How every cache file begins (see [`stamp`]).
const STAMP_START: &str = "pathbook ";

/// The first line of a cache file of `kind`, and a second naming this very binary: a file
/// another build of pathbook wrote is not read (what it computed may differ).
pub fn stamp(kind: &str) -> Option<String> {
    let exe = std::env::current_exe().and_then(std::fs::metadata).ok()?;
    let time = exe.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(format!("{STAMP_START}{kind} 1\n{} {} {}\n", env!("CARGO_PKG_VERSION"), exe.len(), time.as_nanos()))
}

/// A 128-bit key for `value` (two 64-bit hashes under the seeds `tag` makes), for a cache
/// file's entries: long enough that two texts of one site never share one by chance.
pub fn key128(tag: u64, value: impl std::hash::Hash) -> u128 {
    let half = |seed| foldhash::quality::FixedState::with_seed(seed).hash_one(&value);
    (u128::from(half(tag | 1)) << 64) | u128::from(half(tag | 2))
}

/// Appends `field` with its length in front, as [`take_field`] reads it.
pub fn put_field(out: &mut Vec<u8>, field: &[u8]) -> std::io::Result<()> {
    let len = u32::try_from(field.len()).map_err(|_| std::io::Error::other("cache entry too large"))?;
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(field);
    Ok(())
}

/// The next length-prefixed UTF-8 field of `rest`; `None` if the file ends or is damaged.
pub fn take_field(rest: &mut &[u8]) -> Option<String> {
    let (len, tail) = rest.split_first_chunk::<4>()?;
    let len = u32::from_le_bytes(*len) as usize;
    let (field, tail) = tail.split_at_checked(len)?;
    *rest = tail;
    String::from_utf8(field.to_vec()).ok()
}

/// Appends `n` as eight bytes, as [`take_number`] reads it.
pub fn put_number(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u64).to_le_bytes());
}

/// The next number [`put_number`] wrote; `None` if the file ends (or holds one too large).
pub fn take_number(rest: &mut &[u8]) -> Option<usize> {
    let (n, tail) = rest.split_first_chunk::<8>()?;
    *rest = tail;
    usize::try_from(u64::from_le_bytes(*n)).ok()
}

/// Writes `bytes` to `path` atomically: a concurrent build reads the old file or the new one.
pub fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut file, bytes)?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// How long a project's cache folder may go unused before another project's build removes it.
pub const UNUSED_FOR: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 3600);

/// Marks the cache folder `dir` as used now, so [`prune_unused`] leaves it alone. A build
/// that computed nothing new does not rewrite the cache files, so their times alone would say
/// "unused" about a project built every day.
pub fn touch(dir: &Path) {
    let _ = std::fs::File::open(dir).and_then(|f| f.set_modified(std::time::SystemTime::now()));
}

/// Removes the cache folders beside `keep` (in the same base folder) that no build has used
/// for [`UNUSED_FOR`]: a project that was moved or deleted leaves one behind. Only a real
/// folder (not a link) named like [`dir_for`] names them, holding nothing but the cache files
/// pathbook writes — each a plain file that starts as they do, or an empty temporary file
/// of an interrupted write — is removed, file by file; anything else is left where it is.
/// Returns how many folders were removed.
pub fn prune_unused(keep: &Path) -> usize {
    let Some(base) = keep.parent() else { return 0 };
    let Ok(entries) = std::fs::read_dir(base) else { return 0 };
    let now = std::time::SystemTime::now();
    let old = |m: &std::fs::Metadata| {
        m.modified().ok().and_then(|t| now.duration_since(t).ok()).is_some_and(|age| age > UNUSED_FOR)
    };
    let mut removed = 0;
    for e in entries.flatten() {
        let dir = e.path();
        let name = e.file_name();
        let ours_by_name = name
            .to_str()
            .is_some_and(|n| n.len() == 16 && n.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        // `symlink_metadata`: a link named like a cache folder is never followed.
        let Ok(meta) = std::fs::symlink_metadata(&dir) else { continue };
        if !ours_by_name || !meta.is_dir() || dir == keep || !old(&meta) {
            continue;
        }
        let Some(files) = cache_files(&dir) else { continue };
        if !files.iter().all(|(_, m)| old(m)) {
            continue;
        }
        if files.iter().all(|(f, _)| std::fs::remove_file(f).is_ok()) && std::fs::remove_dir(&dir).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// The files of a cache folder with their metadata, or `None` when it holds anything
/// pathbook would not have written there.
fn cache_files(dir: &Path) -> Option<Vec<(PathBuf, std::fs::Metadata)>> {
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir).ok()? {
        let e = e.ok()?;
        let path = e.path();
        let meta = std::fs::symlink_metadata(&path).ok()?;
        let name = e.file_name();
        let name = name.to_str()?;
        if !meta.is_file() {
            return None;
        }
        let ours = match name {
            "highlight.bin" | "search.bin" | "scan.bin" => starts_like_ours(&path),
            // `replace`'s temporary file, left by a write that never finished.
            _ if name.starts_with(".tmp") => meta.len() == 0 || starts_like_ours(&path),
            _ => false,
        };
        if !ours {
            return None;
        }
        files.push((path, meta));
    }
    Some(files)
}

/// Whether the file at `path` begins as every cache file does (see [`stamp`]).
fn starts_like_ours(path: &Path) -> bool {
    use std::io::Read as _;
    let mut head = [0u8; STAMP_START.len()];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head)).is_ok() && head == STAMP_START.as_bytes()
}

/// pathbook's folder in the user's cache folder.
fn user_cache() -> Option<PathBuf> {
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if cfg!(windows) {
        return var("LOCALAPPDATA").map(|d| d.join("pathbook").join("cache"));
    }
    var("XDG_CACHE_HOME").or_else(|| var("HOME").map(|h| h.join(".cache"))).map(|d| d.join("pathbook"))
}

//! Where a project's build cache lives: what a build computed that the next one can reuse
//! (the highlighted code blocks, see [`crate::render::highlight::Highlighter::load`], what
//! the search index made of each text, see [`crate::render::search::SearchMemo::load`], and
//! each article's headings and links, see [`crate::markdown::ScanMemo::load`]).
//!
//! Never inside the project, so it is never committed or published: `PATHBOOK_CACHE_DIR`
//! if set, else the user's cache folder (`$XDG_CACHE_HOME/pathbook`, `~/.cache/pathbook`,
//! `%LOCALAPPDATA%\pathbook\cache`), one folder per project, named by a hash of the project's
//! real path. Everything read from it is checked before use, and it only ever holds files
//! pathbook wrote, each replaced atomically.

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

/// The first line of a cache file of `kind`, and a second naming this very binary: a file
/// another build of pathbook wrote is not read (what it computed may differ).
pub fn stamp(kind: &str) -> Option<String> {
    let exe = std::env::current_exe().and_then(std::fs::metadata).ok()?;
    let time = exe.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(format!("pathbook {kind} 1\n{} {} {}\n", env!("CARGO_PKG_VERSION"), exe.len(), time.as_nanos()))
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

/// pathbook's folder in the user's cache folder.
fn user_cache() -> Option<PathBuf> {
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if cfg!(windows) {
        return var("LOCALAPPDATA").map(|d| d.join("pathbook").join("cache"));
    }
    var("XDG_CACHE_HOME").or_else(|| var("HOME").map(|h| h.join(".cache"))).map(|d| d.join("pathbook"))
}

//! Where a project's build cache lives: what a build computed that the next one can reuse
//! (today the highlighted code blocks, see [`crate::render::highlight::Highlighter::load`]).
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

/// pathbook's folder in the user's cache folder.
fn user_cache() -> Option<PathBuf> {
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if cfg!(windows) {
        return var("LOCALAPPDATA").map(|d| d.join("pathbook").join("cache"));
    }
    var("XDG_CACHE_HOME").or_else(|| var("HOME").map(|h| h.join(".cache"))).map(|d| d.join("pathbook"))
}

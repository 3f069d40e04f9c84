//! `build`: check, render, and write the site atomically — everything goes into a temporary
//! directory beside the build directory, which is swapped in only when every file is written.
//! A failed build leaves the previous site exactly as it was.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::session::Session;

/// Marks a directory as pathbook output, so `build` never replaces anything else.
pub const MARKER: &str = ".pathbook-build";

#[derive(Debug)]
pub struct BuildReport {
    pub pages: usize,
    pub files: usize,
    pub bytes: u64,
    pub elapsed: Duration,
    pub out_dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The knowledge base has errors; they are in the project's diagnostics.
    #[error("the knowledge base has errors")]
    Invalid,
    #[error("{0}")]
    Render(String),
    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },
    #[error("{0}")]
    Refused(String),
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> BuildError {
    let context = context.into();
    move |source| BuildError::Io { context, source }
}

/// Writes a session's site into the configured build directory (or `out`), atomically.
pub fn build(session: &Session, out: Option<&Path>) -> Result<BuildReport, BuildError> {
    let start = Instant::now();
    if !session.fresh {
        return Err(BuildError::Invalid);
    }
    let Some(config) = session.project.config.as_ref() else { return Err(BuildError::Invalid) };
    // Borrowed, not copied: at 10,000 articles the pages are hundreds of megabytes.
    let mut files: Vec<(&str, &[u8])> = session.pages.iter().map(|(p, b)| (p.as_str(), &b[..])).collect();
    files.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let out_dir = out.map(Path::to_path_buf).unwrap_or_else(|| config.build_dir());
    write_atomically(&out_dir, &config.root, &files)?;
    Ok(BuildReport {
        pages: files.iter().filter(|(p, _)| p.ends_with(".html")).count(),
        files: files.len(),
        bytes: files.iter().map(|(_, b)| b.len() as u64).sum(),
        elapsed: start.elapsed(),
        out_dir,
    })
}

/// Deletes a directory tree, its top-level entries in parallel (a large site is tens of
/// thousands of files, and unlinking them one by one was a third of a build).
fn remove_tree(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        let entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        entries.par_iter().for_each(|p| {
            let _ = if p.is_dir() { std::fs::remove_dir_all(p) } else { std::fs::remove_file(p) };
        });
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// Writes `files` into a fresh directory beside `out`, then swaps it in.
pub fn write_atomically(out: &Path, root: &Path, files: &[(&str, &[u8])]) -> Result<(), BuildError> {
    let abs = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let root_abs = abs(root);
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io(format!("creating {}", parent.display())))?;
    if out.exists() {
        let out_abs = abs(out);
        if root_abs.starts_with(&out_abs) {
            return Err(BuildError::Refused(format!(
                "refusing to build into {}: it contains the project itself",
                out.display()
            )));
        }
        let empty = std::fs::read_dir(out).map(|mut d| d.next().is_none()).unwrap_or(false);
        if !empty && !out.join(MARKER).exists() {
            return Err(BuildError::Refused(format!(
                "refusing to replace {}: it is not empty and was not written by pathbook (no {MARKER} file)",
                out.display()
            )));
        }
    }
    for (p, _) in files {
        if p.split('/').any(|s| s == ".." || s.is_empty()) || p.starts_with('/') {
            return Err(BuildError::Refused(format!("refusing to write outside the build directory: {p}")));
        }
    }
    let tmp = tempfile::Builder::new()
        .prefix(".pathbook-tmp-")
        .tempdir_in(parent)
        .map_err(io(format!("creating a temporary directory in {}", parent.display())))?;
    let base = tmp.path().to_path_buf();
    // Each directory once, parents first, then the files in parallel.
    let dirs: BTreeSet<&str> = files.iter().filter_map(|(rel, _)| rel.rsplit_once('/').map(|(d, _)| d)).collect();
    for d in &dirs {
        let dir = base.join(d);
        std::fs::create_dir_all(&dir).map_err(io(format!("creating {}", dir.display())))?;
    }
    files.par_iter().try_for_each(|(rel, bytes)| {
        let dest = base.join(rel);
        std::fs::write(&dest, bytes).map_err(io(format!("writing {}", dest.display())))
    })?;
    std::fs::write(base.join(MARKER), "written by pathbook; safe to delete with the whole directory\n")
        .map_err(io("writing the build marker"))?;
    let staged = tmp.keep();
    // The swap: move the old site aside, move the new one in, then delete the old one.
    let old = if out.exists() {
        let aside = parent.join(format!(".pathbook-old-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&aside);
        if let Err(e) = std::fs::rename(out, &aside) {
            let _ = std::fs::remove_dir_all(&staged);
            return Err(io(format!("moving the previous site {} aside", out.display()))(e));
        }
        Some(aside)
    } else {
        None
    };
    if let Err(e) = std::fs::rename(&staged, out) {
        if let Some(aside) = &old {
            let _ = std::fs::rename(aside, out);
        }
        let _ = std::fs::remove_dir_all(&staged);
        return Err(io(format!("moving the new site into {}", out.display()))(e));
    }
    if let Some(aside) = old {
        remove_tree(&aside);
    }
    Ok(())
}

//! `build`: check, render, and write the site atomically — everything goes into a temporary
//! directory beside the build directory, which is swapped in only when every file is written.
//! A failed build leaves the previous site exactly as it was.
//!
//! What `build` may touch is narrow on purpose. The build directory is resolved through
//! symlinks first (`book -> /var/www/kb` builds into `/var/www/kb`, and the link stays). It may
//! neither hold nor sit inside the project's sources. A directory that is not empty must carry
//! the marker of an earlier build, which lists every file that build wrote: only those are
//! replaced or removed, and every other file (`.htaccess`, `CNAME`, a colleague's notes) is
//! carried over into the new site. Staging folders that an interrupted build left behind are
//! removed by the next one.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::session::Session;

/// Marks a directory as pathbook output and lists what the build wrote, so `build` never
/// replaces or deletes anything else.
pub const MARKER: &str = ".pathbook-build";
/// The first line of the marker; the files the build wrote follow, one per line.
const MARKER_HEADER: &str = "written by pathbook; these files are its output (anything else here is kept):";
/// Marks a staging or set-aside folder as ours, with the process that made it.
const STAGING_MARKER: &str = ".pathbook-staging";
const TMP_PREFIX: &str = ".pathbook-tmp-";
const OLD_PREFIX: &str = ".pathbook-old-";

#[derive(Debug)]
pub struct BuildReport {
    pub pages: usize,
    pub files: usize,
    pub bytes: u64,
    /// Files that were byte-for-byte the previous build's, kept rather than written again.
    pub unchanged: usize,
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
    let protected = Protected::of(config);
    let unchanged = write_atomically(&out_dir, &protected, &files)?;
    Ok(BuildReport {
        pages: files.iter().filter(|(p, _)| p.ends_with(".html")).count(),
        files: files.len(),
        bytes: files.iter().map(|(_, b)| b.len() as u64).sum(),
        unchanged,
        elapsed: start.elapsed(),
        out_dir,
    })
}

/// The folders a build may never write into or replace: the project and its sources.
#[derive(Clone, Debug)]
pub struct Protected {
    pub root: PathBuf,
    /// `(what, folder)`: rules, content and theme, where they exist.
    pub sources: Vec<(&'static str, PathBuf)>,
}

impl Protected {
    pub fn of(config: &crate::config::Config) -> Protected {
        let sources = [("rules", config.rules_dir()), ("content", config.content_dir()), ("theme", config.theme_dir())]
            .into_iter()
            .filter(|(_, p)| p.exists())
            .map(|(what, p)| (what, real(&p)))
            .collect();
        Protected { root: real(&config.root), sources }
    }
}

/// A path with symlinks resolved; for a path that does not exist yet, its parent's.
fn real(p: &Path) -> PathBuf {
    if let Ok(r) = std::fs::canonicalize(p) {
        return r;
    }
    match (p.parent(), p.file_name()) {
        (Some(parent), Some(name)) if !parent.as_os_str().is_empty() => real(parent).join(name),
        _ => std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()),
    }
}

/// Deletes a directory tree, its top-level entries in parallel (a large site is tens of
/// thousands of files, and unlinking them one by one was a third of a build). Links are
/// removed, never followed.
fn remove_tree(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        let entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        entries.par_iter().for_each(|p| {
            let is_dir = p.symlink_metadata().is_ok_and(|m| m.is_dir());
            let _ = if is_dir { std::fs::remove_dir_all(p) } else { std::fs::remove_file(p) };
        });
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// Where `out` really is. A symlink is followed (its target is the site, the link stays); a
/// link to nowhere is refused rather than guessed at.
fn resolve_out(out: &Path) -> Result<PathBuf, BuildError> {
    if out.symlink_metadata().is_ok_and(|m| m.file_type().is_symlink()) && !out.exists() {
        let target = std::fs::read_link(out).map(|t| t.display().to_string()).unwrap_or_default();
        return Err(BuildError::Refused(format!(
            "refusing to build into {}: it is a symlink to {target}, which does not exist",
            out.display()
        )));
    }
    let target = real(out);
    if target.exists() && !target.is_dir() {
        return Err(BuildError::Refused(format!("refusing to build into {}: it is a file", out.display())));
    }
    Ok(target)
}

/// Refuses a build directory that holds the project or a source folder, or sits inside one.
fn check_location(out: &Path, target: &Path, protected: &Protected) -> Result<(), BuildError> {
    if protected.root.starts_with(target) {
        return Err(BuildError::Refused(format!(
            "refusing to build into {}: it contains the project itself",
            out.display()
        )));
    }
    for (what, dir) in &protected.sources {
        if dir.starts_with(target) || target.starts_with(dir) {
            let how = if dir.starts_with(target) { "contains" } else { "is inside" };
            return Err(BuildError::Refused(format!(
                "refusing to build into {}: it {how} the {what} folder {}; a rebuild would replace sources with output",
                out.display(),
                dir.display()
            )));
        }
    }
    Ok(())
}

/// The files an earlier build wrote into `dir`, from its marker. `None` when `dir` is not
/// pathbook output; an empty list for a marker that predates the list.
fn previous_output(dir: &Path) -> Option<BTreeSet<String>> {
    let text = std::fs::read_to_string(dir.join(MARKER)).ok()?;
    Some(text.lines().skip(1).filter(|l| !l.is_empty()).map(str::to_string).collect())
}

/// Is `pid` a process that is still running? Unknown platforms say yes, which only means a
/// stale folder waits until it is an hour old.
fn alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") { Path::new(&format!("/proc/{pid}")).exists() } else { true }
}

/// Removes staging and set-aside folders that interrupted builds left in `parent`: only
/// folders that carry our staging marker, and only when the build that made them is gone.
pub fn clean_stale(parent: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(parent) else { return 0 };
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(TMP_PREFIX).or_else(|| name.strip_prefix(OLD_PREFIX)) else { continue };
        let path = e.path();
        let ours = path.join(STAGING_MARKER).is_file() || (name.starts_with(OLD_PREFIX) && path.join(MARKER).is_file());
        if !e.file_type().is_ok_and(|t| t.is_dir()) || !ours {
            continue;
        }
        let pid: Option<u32> = rest.split('-').next().and_then(|p| p.parse().ok());
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > Duration::from_secs(3600));
        let gone = match pid {
            Some(pid) if pid == std::process::id() => false,
            Some(pid) => !alive(pid) || old,
            None => old,
        };
        if gone {
            remove_tree(&path);
            removed += 1;
        }
    }
    removed
}

/// Makes a marked staging folder in `parent`.
fn staging_dir(parent: &Path, prefix: &str) -> Result<PathBuf, BuildError> {
    let dir = tempfile::Builder::new()
        .prefix(&format!("{prefix}{}-", std::process::id()))
        .tempdir_in(parent)
        .map_err(io(format!("creating a temporary directory in {}", parent.display())))?
        .keep();
    std::fs::write(
        dir.join(STAGING_MARKER),
        "a pathbook build in progress; removed by the next build if left behind\n",
    )
    .map_err(io("writing the staging marker"))?;
    Ok(dir)
}

/// Entries of the old site that the earlier build did not write, relative paths, topmost
/// first: a directory none of whose contents pathbook wrote is one entry.
fn foreign_entries(dir: &Path, ours: &BTreeSet<String>, new: &BTreeSet<&str>) -> Vec<String> {
    // Directories that hold output, old or new: their other contents are looked at one by one.
    let mut holds_output: BTreeSet<String> = BTreeSet::new();
    for f in ours.iter().map(String::as_str).chain(new.iter().copied()) {
        let mut d = f;
        while let Some((parent, _)) = d.rsplit_once('/') {
            holds_output.insert(parent.to_string());
            d = parent;
        }
    }
    let mut out = Vec::new();
    let mut stack = vec![String::new()];
    while let Some(rel) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(dir.join(&rel)) else { continue };
        let mut names: Vec<String> = entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        for name in names {
            let path = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
            if path == MARKER || ours.contains(&path) {
                continue;
            }
            let is_dir = dir.join(&path).symlink_metadata().is_ok_and(|m| m.is_dir());
            if is_dir && holds_output.contains(&path) {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// Moves `rel` from one tree to the other, making parent folders as needed.
fn carry(from: &Path, to: &Path, rel: &str) -> std::io::Result<()> {
    let dest = to.join(rel);
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::rename(from.join(rel), dest)
}

/// Writes `files` into a fresh directory beside the build directory, carries over what an
/// earlier build did not write, then swaps it in. Returns how many files were unchanged.
///
/// A file that is byte-for-byte what the previous build wrote at the same place is hard-linked
/// into the new site instead of written: the previous site stays untouched until the swap, and
/// on a disk a link and the later removal of a still-linked name cost a fraction of writing the
/// file and freeing the old one (a one-page edit of a 10,000-page site rewrites one page). The
/// file keeps its modification time, which is what `rsync` and friends look at.
pub fn write_atomically(out: &Path, protected: &Protected, files: &[(&str, &[u8])]) -> Result<usize, BuildError> {
    for (p, _) in files {
        if p.split('/').any(|s| s == ".." || s == "." || s.is_empty()) || p.starts_with('/') || p.contains('\\') {
            return Err(BuildError::Refused(format!("refusing to write outside the build directory: {p}")));
        }
    }
    let target = resolve_out(out)?;
    check_location(out, &target, protected)?;
    let parent = target.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("/"));
    std::fs::create_dir_all(&parent).map_err(io(format!("creating {}", parent.display())))?;
    clean_stale(&parent);
    let new: BTreeSet<&str> = files.iter().map(|(p, _)| *p).collect();
    let mut ours = BTreeSet::new();
    let mut foreign = Vec::new();
    if target.exists() {
        let empty = std::fs::read_dir(&target).map(|mut d| d.next().is_none()).unwrap_or(false);
        match previous_output(&target) {
            // A marker from before the list: the pages this build writes were surely ours.
            Some(list) if list.is_empty() => ours = new.iter().map(|p| p.to_string()).collect(),
            Some(list) => ours = list,
            None if empty => {}
            None => {
                return Err(BuildError::Refused(format!(
                    "refusing to replace {}: it is not empty and was not written by pathbook (no {MARKER} file); \
                     to publish into it anyway and keep what is there, create an empty {MARKER} file in it",
                    out.display()
                )));
            }
        }
        foreign = foreign_entries(&target, &ours, &new);
        // A file of someone else's where a page goes: ask, do not overwrite.
        for f in &foreign {
            let prefix = format!("{f}/");
            if new.contains(f.as_str()) || new.range(prefix.as_str()..).next().is_some_and(|n| n.starts_with(&prefix)) {
                return Err(BuildError::Refused(format!(
                    "refusing to replace {}: pathbook did not write it, and the new site has a page there",
                    target.join(f).display()
                )));
            }
        }
    }
    let staged = staging_dir(&parent, TMP_PREFIX)?;
    let fail = |e: BuildError| {
        remove_tree(&staged);
        e
    };
    // Each directory once, parents first, then the files in parallel.
    let dirs: BTreeSet<&str> = files.iter().filter_map(|(rel, _)| rel.rsplit_once('/').map(|(d, _)| d)).collect();
    for d in &dirs {
        let dir = staged.join(d);
        std::fs::create_dir_all(&dir).map_err(io(format!("creating {}", dir.display()))).map_err(fail)?;
    }
    let unchanged = std::sync::atomic::AtomicUsize::new(0);
    let kept = |rel: &str, bytes: &[u8], dest: &Path| {
        if !ours.contains(rel) {
            return false;
        }
        let old = target.join(rel);
        // Only a plain file the previous build wrote, never a link someone put in its place.
        let plain = old.symlink_metadata().is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64);
        plain && std::fs::read(&old).is_ok_and(|b| b == bytes) && std::fs::hard_link(&old, dest).is_ok()
    };
    files
        .par_iter()
        .try_for_each(|(rel, bytes)| {
            let dest = staged.join(rel);
            if kept(rel, bytes, &dest) {
                unchanged.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                return Ok(());
            }
            std::fs::write(&dest, bytes).map_err(io(format!("writing {}", dest.display())))
        })
        .map_err(fail)?;
    let mut manifest = String::with_capacity(files.len() * 32);
    manifest.push_str(MARKER_HEADER);
    manifest.push('\n');
    for (p, _) in files {
        manifest.push_str(p);
        manifest.push('\n');
    }
    std::fs::write(staged.join(MARKER), manifest).map_err(io("writing the build marker")).map_err(fail)?;
    // Someone else's files move into the new site; on any failure they move back.
    let mut carried: Vec<&str> = Vec::new();
    for f in &foreign {
        if let Err(e) = carry(&target, &staged, f) {
            for c in carried.iter().rev() {
                let _ = carry(&staged, &target, c);
            }
            return Err(fail(io(format!("keeping {}", target.join(f).display()))(e)));
        }
        carried.push(f);
    }
    let put_back = |site: &Path| {
        for c in carried.iter().rev() {
            let _ = carry(&staged, site, c);
        }
    };
    let _ = std::fs::remove_file(staged.join(STAGING_MARKER));
    // The swap: move the old site aside, move the new one in, then delete the old one (which
    // now holds only files pathbook wrote).
    let aside = if target.exists() {
        let aside = staging_dir(&parent, OLD_PREFIX).map_err(|e| {
            put_back(&target);
            fail(e)
        })?;
        let _ = std::fs::remove_dir(&aside).or_else(|_| std::fs::remove_dir_all(&aside));
        if let Err(e) = std::fs::rename(&target, &aside) {
            put_back(&target);
            return Err(fail(io(format!("moving the previous site {} aside", out.display()))(e)));
        }
        let _ = std::fs::write(aside.join(STAGING_MARKER), "the previous site, being removed\n");
        Some(aside)
    } else {
        None
    };
    if let Err(e) = std::fs::rename(&staged, &target) {
        if let Some(aside) = &aside {
            let _ = std::fs::remove_file(aside.join(STAGING_MARKER));
            let _ = std::fs::rename(aside, &target);
        }
        put_back(&target);
        return Err(fail(io(format!("moving the new site into {}", out.display()))(e)));
    }
    if let Some(aside) = aside {
        remove_tree(&aside);
    }
    Ok(unchanged.into_inner())
}

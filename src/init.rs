//! `pathbook init`: a small, commented knowledge base that checks clean with
//! `--deny-warnings` and builds, to start from instead of deleting the shipped one.

use std::path::{Path, PathBuf};

/// The files `init` writes, relative to the new project's folder.
fn files() -> Vec<(&'static str, String)> {
    let schema = serde_json::to_string_pretty(&crate::catalog::raw::catalog_schema()).unwrap_or_default();
    vec![
        ("book.toml", include_str!("init/book.toml").to_string()),
        ("rules/catalog.yaml", include_str!("init/catalog.yaml").to_string()),
        ("content/before-you-upgrade.md", include_str!("init/welcome.md").to_string()),
        ("schema/catalog.schema.json", schema + "\n"),
    ]
}

/// Writes the starter knowledge base into `dir` (created if missing). Refuses, writing
/// nothing, when any of its files already exists — including as a symlink or a folder.
pub fn init(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let files = files();
    let taken: Vec<String> = files
        .iter()
        .map(|(rel, _)| dir.join(rel))
        .filter(|p| p.symlink_metadata().is_ok())
        .map(|p| p.display().to_string())
        .collect();
    if !taken.is_empty() {
        return Err(format!(
            "{} already exist(s); init writes into an empty project only: {}",
            taken.len(),
            taken.join(", ")
        ));
    }
    let mut written = Vec::new();
    for (rel, text) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        // `create_new` never follows or replaces anything that appeared meanwhile.
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        std::io::Write::write_all(&mut f, text.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

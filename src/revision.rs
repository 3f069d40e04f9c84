//! Revisions: short content hashes that say which rules a page or a printed runbook came from.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::diag::SourceMap;

/// The catalog revision: a hash of every file under `rules/`. It identifies the rules a site
/// or a printed runbook came from; runbooks add the articles they link to (see
/// `render::runbook`), so an edit to an unrelated article does not change them.
pub fn catalog_revision(sources: &SourceMap, rules_dir: &Path) -> String {
    let mut h = Sha256::new();
    for (_, f) in sources.files() {
        if !f.path.starts_with(rules_dir) {
            continue;
        }
        h.update(f.name.as_bytes());
        h.update([0]);
        h.update(f.text.as_bytes());
        h.update([0]);
    }
    short_hash(h)
}

/// The first 12 hex digits of a digest.
pub fn short_hash(h: Sha256) -> String {
    h.finalize().iter().take(6).map(|b| format!("{b:02x}")).collect()
}

//! The benchmark corpus is a valid knowledge base of the promised shape: it passes `check`,
//! builds, and is the same for the same seed. (The benchmark itself is `cargo bench --bench
//! build`; nothing here is timed.)

mod common;

use std::path::Path;
use std::process::Command;

use pathbook::corpus::{self, Spec};

fn files(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().strip_prefix(root).unwrap().display().to_string(), std::fs::read(e.path()).unwrap()))
        .collect();
    out.sort();
    out
}

#[test]
fn the_generated_corpus_checks_clean_and_builds() {
    let dir = tempfile::tempdir().unwrap();
    let kb = dir.path().join("kb");
    let stats = corpus::generate(&Spec { articles: 120, rules: 150, seed: 7 }, &kb).unwrap();
    assert!(stats.rules >= 150);

    let check = Command::new(common::BIN)
        .arg("--root")
        .arg(&kb)
        .args(["check", "--format", "json", "--deny-warnings"])
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(check.stdout.is_empty(), "no diagnostics at all: {}", String::from_utf8_lossy(&check.stdout));

    let site = dir.path().join("site");
    let build = Command::new(common::BIN).arg("--root").arg(&kb).args(["build", "--out"]).arg(&site).output().unwrap();
    assert!(build.status.success(), "{}", String::from_utf8_lossy(&build.stderr));
    let html = files(&site).into_iter().filter(|(f, _)| f.ends_with(".html")).count();
    assert!(html > 120 + 150, "{html} pages");

    // The articles have the promised shape: about 4 KB, two code blocks in two languages,
    // rule links, a table — and no two code blocks alike.
    let articles: Vec<(String, Vec<u8>)> = files(&kb.join("content"));
    assert_eq!(articles.len(), 120);
    let mut blocks = std::collections::BTreeSet::new();
    for (name, bytes) in &articles {
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!((3500..6000).contains(&text.len()), "{name}: {} bytes", text.len());
        assert!(text.contains("```powershell"), "{name}");
        assert!(text.contains("```xml") || text.contains("```ini"), "{name}");
        assert!(text.contains("](blocker:") && text.contains("](path:"), "{name}");
        assert!(text.contains("|---|"), "{name}");
        for block in text.split("```").skip(1).step_by(2) {
            assert!(blocks.insert(block.to_string()), "{name}: a code block repeats");
        }
    }
    // Paths of 5–30 steps.
    let rules: String = files(&kb.join("rules")).into_iter().map(|(_, b)| String::from_utf8(b).unwrap()).collect();
    let project = pathbook::Project::check(&kb);
    let lengths: Vec<usize> = project.catalog.paths.iter().map(|p| p.steps.len()).collect();
    assert!(lengths.iter().all(|n| (5..=30).contains(n)), "{lengths:?}");
    assert!(rules.contains("blocks: upgrade"));
}

#[test]
fn the_same_seed_gives_the_same_corpus() {
    let dir = tempfile::tempdir().unwrap();
    let spec = Spec { articles: 30, rules: 40, seed: 3 };
    corpus::generate(&spec, &dir.path().join("a")).unwrap();
    corpus::generate(&spec, &dir.path().join("b")).unwrap();
    corpus::generate(&Spec { seed: 4, ..spec }, &dir.path().join("c")).unwrap();
    assert_eq!(files(&dir.path().join("a")), files(&dir.path().join("b")));
    assert_ne!(files(&dir.path().join("a")), files(&dir.path().join("c")));
}

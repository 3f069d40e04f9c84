//! The benchmark corpus is a valid knowledge base of the promised shape: it passes `check`,
//! builds, and is the same for the same seed. (The benchmark itself is `cargo bench --bench
//! build`; nothing here is timed.)

mod common;

use std::path::Path;
use std::process::Command;

use pathbook::corpus::{self, Inhibitors, Spec};

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
    // No diagnostics at all: the only line is the summary, and it counts what was checked.
    let stdout = String::from_utf8_lossy(&check.stdout);
    let lines: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    assert_eq!(lines[0]["type"], "summary");
    assert_eq!((lines[0]["errors"].as_u64(), lines[0]["warnings"].as_u64()), (Some(0), Some(0)));
    assert!(lines[0]["articles"].as_u64() >= Some(120), "{stdout}");

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

    // The home page shows the first twelve paths and blockers, then the way to all of them.
    let home = scraper::Html::parse_document(&std::fs::read_to_string(site.join("index.html")).unwrap());
    let count = |css: &str| home.select(&scraper::Selector::parse(css).unwrap()).count();
    let (paths, blockers) = (project.catalog.paths.len(), project.catalog.blockers.len());
    assert!((1..=12).contains(&paths) && blockers > 12, "{paths} paths, {blockers} blockers");
    assert_eq!((count(".card li.kind-path"), count(".card li.kind-blocker")), (paths, 12));
    let text: String = home.root_element().text().collect();
    assert!(!text.contains("paths →") && text.contains(&format!("All {blockers} blockers →")));
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

/// Drops the steps with these ids from a generated inhibitor catalog.
fn drop_steps(root: &Path, ids: &[&str]) {
    let file = root.join("rules/catalog.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    let mut out = String::new();
    let mut skipping = false;
    for line in text.lines() {
        if let Some(id) = line.strip_prefix("      - id: ") {
            skipping = ids.contains(&id);
        } else if !line.starts_with("        ") {
            skipping = false;
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    std::fs::write(&file, out).unwrap();
}

/// `check --format json` on `root`: exit success and the PB011 mismatches' state counts, in
/// order, with the rule each names.
fn mismatches(root: &Path) -> (bool, Vec<(u128, String)>) {
    let out = Command::new(common::BIN).arg("--root").arg(root).args(["check", "--format", "json"]).output().unwrap();
    let mut found = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["code"] != "PB011" {
            continue;
        }
        let message = v["message"].as_str().unwrap();
        let count = message.rsplit(" in ").next().unwrap().trim_end_matches(" starting states").replace(',', "");
        found.push((count.parse().unwrap(), v["label"].as_str().unwrap_or_default().to_string()));
    }
    (out.status.success(), found)
}

#[test]
fn the_inhibitor_catalog_checks_clean_and_its_counts_are_exact() {
    let dir = tempfile::tempdir().unwrap();
    let kb = dir.path().join("inhibitors");
    corpus::generate_inhibitors(&Inhibitors { n: 60, interacting: 6 }, &kb).unwrap();
    let check = Command::new(common::BIN).arg("--root").arg(&kb).args(["check", "--deny-warnings"]).output().unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));

    // Package 40 is independent of everything: left in place, it blocks exactly the half of
    // the starting states that have it.
    let one = dir.path().join("one");
    corpus::generate_inhibitors(&Inhibitors { n: 60, interacting: 6 }, &one).unwrap();
    drop_steps(&one, &["remove-pkg-40"]);
    let (ok, found) = mismatches(&one);
    assert!(!ok);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].1.contains("blocker:pkg-40-inhibits"), "{found:?}");
    let half = found[0].0;

    // Packages 40 and 41 left in place: the first blocks the same half, the second the quarter
    // that has it but not package 40 — counts the engine must get exactly right at 2^60 states.
    let two = dir.path().join("two");
    corpus::generate_inhibitors(&Inhibitors { n: 60, interacting: 6 }, &two).unwrap();
    drop_steps(&two, &["remove-pkg-40", "remove-pkg-41"]);
    let (ok, found) = mismatches(&two);
    assert!(!ok);
    assert_eq!(found.len(), 2, "{found:?}");
    let by = |rule: &str| found.iter().find(|(_, l)| l.contains(rule)).map(|(n, _)| *n);
    assert_eq!(by("blocker:pkg-40-inhibits"), Some(half), "{found:?}");
    assert_eq!(by("blocker:pkg-41-inhibits"), Some(half / 2), "{found:?}");
    assert!(half >= 1u128 << 59, "at least half of 2^60 package states: {half}");

    // Without the clean-up of /var, the space prerequisite stops the upgrade wherever
    // `free-space` is below 5 GB (or unknown).
    let space = dir.path().join("space");
    corpus::generate_inhibitors(&Inhibitors { n: 60, interacting: 6 }, &space).unwrap();
    drop_steps(&space, &["clean-var"]);
    let (ok, found) = mismatches(&space);
    assert!(!ok);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].1.contains("prerequisite:upgrade-needs-space"), "{found:?}");
    assert!(found[0].0 < 2 * half, "only part of the states: {found:?}");
}

#[test]
fn a_corpus_never_replaces_a_folder_it_did_not_write() {
    let dir = tempfile::tempdir().unwrap();
    let mine = dir.path().join("notes");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("todo.md"), "mine").unwrap();
    let err = corpus::generate_inhibitors(&Inhibitors { n: 3, interacting: 0 }, &mine).unwrap_err();
    assert!(err.to_string().contains("not empty"), "{err}");
    assert_eq!(std::fs::read_to_string(mine.join("todo.md")).unwrap(), "mine");
    // A generated corpus is replaced on the next run.
    let kb = dir.path().join("kb");
    corpus::generate_inhibitors(&Inhibitors { n: 3, interacting: 0 }, &kb).unwrap();
    corpus::generate(&Spec { articles: 3, rules: 3, seed: 1 }, &kb).unwrap();
    assert!(kb.join("content").read_dir().unwrap().next().is_some());
}

#[test]
fn the_generated_environment_plans_every_host() {
    let dir = tempfile::tempdir().unwrap();
    let kb = dir.path().join("kb");
    let stats = corpus::generate(&Spec { articles: 20, rules: 60, seed: 3 }, &kb).unwrap();
    std::fs::write(kb.join("hosts.yaml"), corpus::environment(stats.families, 25, 3)).unwrap();
    let out = Command::new(common::BIN)
        .current_dir(&kb)
        .args(["plan", "--env", "hosts.yaml", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hosts = v["hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), 25);
    for h in hosts {
        let viable = h["paths"].as_array().unwrap().iter().filter(|p| p["viable"] == true).count();
        assert!(viable >= 1, "every generated host has a working path: {h}");
    }
}

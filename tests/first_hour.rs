//! A new author's first hour, through the binary: `init` gives a knowledge base that checks
//! clean and builds, `list` shows what is in a catalog, `explain` teaches a code with an
//! example, and `check` speaks the formats CI understands (JSON with a summary, SARIF 2.1.0,
//! GitHub annotations).

mod common;

use std::process::Command;

use common::{BIN, Kb, repo};
use serde_json::Value;

fn run_in(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(BIN).current_dir(dir).args(args).output().expect("run pathbook")
}

#[test]
fn init_writes_a_knowledge_base_that_checks_clean_builds_and_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    // As the README says: in an empty folder, no flags.
    let out = run_in(dir.path(), &["init"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for f in ["book.toml", "rules/catalog.yaml", "content/before-you-upgrade.md", "schema/catalog.schema.json"] {
        assert!(dir.path().join(f).is_file(), "{f}");
    }
    let check = run_in(dir.path(), &["check", "--deny-warnings"]);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    assert!(String::from_utf8_lossy(&check.stderr).contains("no problems"));
    let build = run_in(dir.path(), &["build"]);
    assert!(build.status.success(), "{}", String::from_utf8_lossy(&build.stderr));
    assert!(dir.path().join("book/paths/in-place-upgrade.html").is_file());
    assert!(dir.path().join("book/runbooks/in-place-upgrade.html").is_file());
    // The schema it wrote is the one the binary prints, so editors complete what check accepts.
    let schema = run_in(dir.path(), &["schema"]);
    let written: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("schema/catalog.schema.json")).unwrap()).unwrap();
    assert_eq!(written, serde_json::from_slice::<Value>(&schema.stdout).unwrap());

    // A second init touches nothing and says why.
    std::fs::write(dir.path().join("rules/catalog.yaml"), "mine").unwrap();
    let again = run_in(dir.path(), &["init"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exist"));
    assert_eq!(std::fs::read_to_string(dir.path().join("rules/catalog.yaml")).unwrap(), "mine");

    // Into a named folder that does not exist yet.
    let fresh = dir.path().join("kb");
    let out = run_in(dir.path(), &["init", "kb"]);
    assert!(out.status.success());
    assert!(fresh.join("book.toml").is_file());
}

#[test]
fn init_refuses_a_symlink_where_a_file_would_go() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "keep me").unwrap();
    std::os::unix::fs::symlink(&victim, dir.path().join("book.toml")).unwrap();
    let out = run_in(dir.path(), &["init"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    assert!(!dir.path().join("rules").exists(), "nothing written");
}

#[test]
fn list_shows_ids_titles_and_outcomes_as_text_and_json() {
    let out = Command::new(BIN).arg("--root").arg(repo()).args(["list", "paths"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().any(|l| l.starts_with("in-place-os-upgrade") && l.contains("[blocked/broken]")), "{text}");
    assert!(text.lines().any(|l| l.starts_with("new-server-move-mailbox") && l.ends_with("[supported]")), "{text}");

    let out = Command::new(BIN).arg("--root").arg(repo()).args(["list", "--format", "json"]).output().unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let project = pathbook::Project::check(&repo());
    assert_eq!(json["paths"].as_array().unwrap().len(), project.catalog.paths.len());
    assert_eq!(json["blockers"].as_array().unwrap().len(), project.catalog.blockers.len());
    assert_eq!(json["articles"].as_array().unwrap().len(), project.catalog.articles.len());
    let in_place = json["paths"].as_array().unwrap().iter().find(|p| p["id"] == "in-place-os-upgrade").unwrap();
    assert_eq!(in_place["works"], false);
}

#[test]
fn explain_gives_an_example_and_the_fix_for_every_code() {
    let all = Command::new(BIN).arg("explain").output().unwrap();
    let listed = String::from_utf8_lossy(&all.stdout);
    let codes: Vec<&str> = listed.lines().filter_map(|l| l.split_whitespace().next()).collect();
    assert!(codes.len() >= 29, "{listed}");
    for code in codes {
        let out = Command::new(BIN).args(["explain", code]).output().unwrap();
        assert!(out.status.success(), "{code}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("For example:") && text.contains("Fix: "), "{code}: {text}");
    }
    let unknown = Command::new(BIN).args(["explain", "PB999"]).output().unwrap();
    assert_eq!(unknown.status.code(), Some(2));
}

/// A catalog with one error that has a secondary place (a prerequisite established only by a
/// later step) and one warning.
fn broken_kb() -> Kb {
    let kb = Kb::new();
    kb.write(
        "rules/catalog.yaml",
        r#"components:
  - {id: os, title: OS, kind: os, versions: ["1", "2"], sources: [{title: t}]}
  - {id: tool, title: Tool, sources: [{title: t}]}
  - {id: lonely, title: Lonely, sources: [{title: t}]}
prerequisites:
  - id: upgrade-needs-tool
    title: The upgrade needs the tool
    for: upgrade os@2
    requires: tool
    sources: [{title: t}]
blockers:
  - id: never-explained
    title: Nobody explains this
    severity: warning
    blocks: install lonely
    sources: [{title: t}]
paths:
  - id: up
    title: Up
    applies_to: os@1 and not tool
    outcome: supported
    sources: [{title: t}]
    steps:
      - {id: upgrade, title: Upgrade, action: upgrade os@2, rules: [prerequisite:upgrade-needs-tool]}
      - {id: add-tool, title: Add the tool, action: install tool}
"#,
    );
    kb
}

#[test]
fn json_ends_with_a_summary_and_keeps_secondary_places() {
    let kb = broken_kb();
    let out = kb.run(&["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let summary = lines.last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["paths"], 1);
    assert!(summary["errors"].as_u64().unwrap() >= 1 && summary["warnings"].as_u64().unwrap() >= 1, "{summary}");
    let paradox = lines.iter().find(|l| l["code"] == "PB012").expect("the paradox");
    let secondary = paradox["secondary"].as_array().unwrap();
    assert!(
        secondary.iter().any(|s| s["file"] == "rules/catalog.yaml" && s["line"].as_u64() == Some(25)),
        "the later step that establishes it is kept: {paradox}"
    );
}

#[test]
fn sarif_is_2_1_0_with_rules_results_and_regions() {
    let kb = broken_kb();
    let out = kb.run(&["check", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1));
    let sarif: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(sarif["version"], "2.1.0");
    assert!(sarif["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "pathbook");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        // What SARIF 2.1.0 requires of a result, and what code scanning reads.
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"], "ruleIndex points at the rule");
        assert!(["error", "warning", "note", "none"].contains(&r["level"].as_str().unwrap()));
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "rules/catalog.yaml");
        let region = &loc["region"];
        let (sl, sc) = (region["startLine"].as_u64().unwrap(), region["startColumn"].as_u64().unwrap());
        let (el, ec) = (region["endLine"].as_u64().unwrap(), region["endColumn"].as_u64().unwrap());
        assert!(sl >= 1 && sc >= 1 && (el, ec) >= (sl, sc + 1).min((el, ec)) && el >= sl, "{region}");
    }
    let paradox = results.iter().find(|r| r["ruleId"] == "PB012").unwrap();
    assert!(!paradox["relatedLocations"].as_array().unwrap().is_empty());
}

#[test]
fn github_annotations_name_the_file_from_where_the_command_runs() {
    let kb = broken_kb();
    // Run from the repository root of a project kept in `docs/`.
    let repo_root = tempfile::tempdir().unwrap();
    let docs = repo_root.path().join("docs");
    common::copy_tree(kb.path(), &docs);
    let out = Command::new(BIN)
        .current_dir(repo_root.path())
        .args(["--root", "docs", "check", "--format", "github"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().any(|l| l.starts_with("::error file=docs/rules/catalog.yaml,line=")), "{text}");
    assert!(text.lines().any(|l| l.starts_with("::warning file=docs/rules/catalog.yaml,line=")), "{text}");
    assert!(text.lines().all(|l| l.starts_with("::error ") || l.starts_with("::warning ")), "{text}");
    assert!(!text.lines().any(|l| l.matches("::").count() != 2), "messages are escaped: {text}");
}

#[test]
fn a_link_whose_target_has_spaces_is_a_located_warning_not_silent_text() {
    let kb = broken_kb();
    kb.write(
        "content/notes.md",
        "---\ntitle: Notes\nsummary: s\nsources: [{title: t}]\n---\n\nSee [the apps](after.md#Runtimes and apps) first.\n",
    );
    let (_, diags) = kb.check_json();
    let d = diags.iter().find(|d| d.file == "content/notes.md" && d.code == "PB023").expect("the spaced link");
    assert_eq!((d.severity.as_str(), d.line, d.column), ("warning", 7, 15), "{d:?}");
}

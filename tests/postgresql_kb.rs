//! The second knowledge base, PostgreSQL major upgrades (`examples/postgresql-major-upgrade`),
//! driven through the binary the way its README tells a user to: it checks clean, builds, and
//! `plan --env servers.yaml` ranks the methods for each database server from its own numbers
//! (sizes with units), sets (filesystems, extensions) and support dates.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{BIN, Kb, repo};
use serde_json::Value;

fn example() -> PathBuf {
    repo().join("examples/postgresql-major-upgrade")
}

fn run_in(root: &Path, args: &[&str]) -> Output {
    Command::new(BIN).arg("--root").arg(root).args(args).output().expect("run pathbook")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `plan --env servers.yaml --format json` for the example as shipped, plus `extra` flags.
fn plan_json(root: &Path, extra: &[&str]) -> Value {
    let env = root.join("servers.yaml");
    let mut args = vec!["plan", "--env", env.to_str().expect("utf-8 path"), "--format", "json"];
    args.extend_from_slice(extra);
    let out = run_in(root, &args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("plan --format json prints JSON")
}

fn host<'a>(plan: &'a Value, id: &str) -> &'a Value {
    plan["hosts"].as_array().expect("hosts").iter().find(|h| h["host"] == id).unwrap_or_else(|| panic!("no host {id}"))
}

/// The host's paths in the order the plan ranks them, with whether each works.
fn ranking(h: &Value) -> Vec<(String, bool)> {
    h["paths"]
        .as_array()
        .expect("paths")
        .iter()
        .map(|p| (p["id"].as_str().expect("id").to_string(), p["viable"].as_bool().expect("viable")))
        .collect()
}

fn viable(h: &Value) -> Vec<String> {
    ranking(h).into_iter().filter(|(_, ok)| *ok).map(|(id, _)| id).collect()
}

/// The rule that stopped `path` on this host (`kind:id`), if it failed.
fn stopped_by(h: &Value, path: &str) -> Option<String> {
    let p = h["paths"].as_array()?.iter().find(|p| p["id"] == path)?;
    p["fails_at"]["rule"].as_str().map(str::to_string)
}

fn blockers(h: &Value) -> Vec<String> {
    h["blockers"].as_array().expect("blockers").iter().map(|b| b["id"].as_str().expect("id").to_string()).collect()
}

#[test]
fn the_example_checks_clean_and_builds_from_its_folder() {
    let out = Command::new(BIN).current_dir(example()).arg("check").output().expect("run pathbook");
    assert!(out.status.success(), "{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stderr).into_owned() + &stdout(&out);
    assert!(said.contains("6 paths") && said.contains("no problems"), "{said}");

    let kb = Kb::new();
    let site = kb.path().join("site");
    let out = run_in(&example(), &["build", "--out", site.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for page in ["index.html", "assistant.html", "paths/pg-upgrade-link.html", "runbooks/pg-upgrade-link.html"] {
        assert!(site.join(page).is_file(), "{page} is built");
    }
    // The book's own word for what a path runs on, not the Exchange default.
    let assistant = std::fs::read_to_string(site.join("assistant.html")).expect("assistant page");
    assert!(assistant.contains("data-host=\"database server\""), "the vocabulary reaches the page");
}

#[test]
fn each_server_gets_the_methods_its_numbers_sets_and_versions_allow_best_first() {
    let plan = plan_json(&example(), &[]);

    // 800 GB of data and 300 GB free on plain XFS: neither clone nor copy; link mode is best.
    let orders = host(&plan, "orders-db");
    assert_eq!(viable(orders), ["pg-upgrade-link", "logical-replication-new-server", "dump-restore-new-server"]);
    assert_eq!(stopped_by(orders, "pg-upgrade-copy").as_deref(), Some("prerequisite:copy-mode-needs-space"));
    assert_eq!(stopped_by(orders, "pg-upgrade-clone").as_deref(), Some("prerequisite:clone-mode-needs-reflinks"));
    assert_eq!(stopped_by(orders, "package-upgrade-in-place").as_deref(), Some("blocker:package-upgrade-cannot-start"));
    // Link mode works, but it leaves the standbys behind: the plan says so where it applies.
    let standby = orders["blockers"]
        .as_array()
        .expect("blockers")
        .iter()
        .find(|b| b["id"] == "standbys-left-behind")
        .expect("the standby blocker applies to a primary with standbys");
    assert!(
        standby["handled"]
            .as_array()
            .expect("handled")
            .iter()
            .any(|h| h["kind"] == "breaks" && h["path"] == "pg-upgrade-link"),
        "{standby}"
    );

    // 2 TB of data and 3 TB free on btrfs: units compare as sizes, so every pg_upgrade mode works,
    // and clone — same downtime as link, lower risk — comes first.
    let analytics = host(&plan, "analytics-db");
    assert_eq!(viable(analytics)[..3], ["pg-upgrade-clone", "pg-upgrade-copy", "pg-upgrade-link"]);

    // 9.6 cannot publish: logical replication is refused for the version, not the disk.
    let crm = host(&plan, "legacy-crm");
    assert_eq!(
        stopped_by(crm, "logical-replication-new-server").as_deref(),
        Some("prerequisite:publication-needs-version-10")
    );
    assert!(viable(crm).contains(&"pg-upgrade-copy".to_string()), "120 GB free holds a 40 GB copy");

    // A reflink-capable filesystem is a member of the set clone mode needs.
    let events = host(&plan, "events-db");
    assert_eq!(viable(events)[0], "pg-upgrade-clone");
    assert_eq!(stopped_by(events, "pg-upgrade-copy").as_deref(), Some("prerequisite:copy-mode-needs-space"));

    // Failures never rank above a method that works.
    for h in plan["hosts"].as_array().expect("hosts") {
        let r = ranking(h);
        let first_failure = r.iter().position(|(_, ok)| !ok).unwrap_or(r.len());
        assert!(r[first_failure..].iter().all(|(_, ok)| !ok), "{}: {r:?}", h["host"]);
    }
}

#[test]
fn end_of_life_follows_the_day_the_plan_is_made_for() {
    // PostgreSQL 14 leaves support in November 2026; 9.6 left it in 2021.
    let before = plan_json(&example(), &["--as-of", "2026-06-01"]);
    let after = plan_json(&example(), &["--as-of", "2026-12-01"]);
    let eol = "end-of-life-version".to_string();
    assert!(!blockers(host(&before, "orders-db")).contains(&eol), "14 is supported in June 2026");
    assert!(blockers(host(&after, "orders-db")).contains(&eol), "14 is past its end in December 2026");
    assert!(blockers(host(&before, "legacy-crm")).contains(&eol));
    assert!(!blockers(host(&after, "events-db")).contains(&eol), "16 is supported until 2028");
}

#[test]
fn freeing_disk_space_turns_copy_mode_on_for_that_server_only() {
    let kb = Kb::copy_of(&example());
    kb.edit("servers.yaml", "free-space: 300 GB", "free-space: 0.9 TB");
    let plan = plan_json(kb.path(), &[]);
    assert!(viable(host(&plan, "orders-db")).contains(&"pg-upgrade-copy".to_string()), "0.9 TB > 800 GB");
    assert_eq!(
        stopped_by(host(&plan, "queue-db"), "pg-upgrade-copy").as_deref(),
        Some("prerequisite:copy-mode-needs-space")
    );
}

#[test]
fn a_runbook_for_a_method_one_server_cannot_use_is_refused_for_that_server() {
    let kb = Kb::new();
    let env = example().join("servers.yaml");
    let out = run_in(
        &example(),
        &["plan", "--env", env.to_str().expect("utf-8"), "--path", "pg-upgrade-clone", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let produced: Vec<(String, bool)> = json["runbooks"]
        .as_array()
        .expect("runbooks")
        .iter()
        .map(|r| (r["host"].as_str().expect("host").to_string(), r["produced"].as_bool().expect("produced")))
        .collect();
    assert_eq!(
        produced,
        [
            ("orders-db".to_string(), false),
            ("analytics-db".to_string(), true),
            ("legacy-crm".to_string(), false),
            ("events-db".to_string(), true),
            ("queue-db".to_string(), false),
        ]
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no runbook for 3 of 5"), "{stderr}");

    // The printable page says the same above the steps, and names what works instead.
    let page = kb.path().join("clone.html");
    let out = run_in(
        &example(),
        &[
            "plan",
            "--env",
            env.to_str().expect("utf-8"),
            "--path",
            "pg-upgrade-clone",
            "--format",
            "html",
            "-o",
            page.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let html = std::fs::read_to_string(&page).expect("the page is written for the servers it fits");
    assert!(html.contains("plan-refusal"), "the refusal is on the page");
    assert!(html.contains("pg-upgrade-link"), "it names a method that works for the refused servers");
}

#[test]
fn a_server_already_on_the_target_is_told_so_and_offered_nothing() {
    let kb = Kb::copy_of(&example());
    kb.write(
        "servers.yaml",
        "target: postgresql@18\nhosts:\n  - id: done\n    components: [postgresql@18, databases]\n    facts: {data-size: 10 GB, free-space: 50 GB, filesystem: ext4}\n",
    );
    let plan = plan_json(kb.path(), &[]);
    let done = host(&plan, "done");
    assert_eq!(done["at_target"], true);
    assert!(viable(done).is_empty(), "nothing to run: {:?}", ranking(done));
    let env = kb.path().join("servers.yaml");
    let out = run_in(kb.path(), &["plan", "--env", env.to_str().expect("utf-8")]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.contains("already at the target"), "{text}");
    assert!(!text.contains("no path applies"), "{text}");
}

#[test]
fn a_warning_about_an_action_no_path_performs_is_not_listed() {
    let kb = Kb::copy_of(&example());
    // A warning that would hold on every server, about an action no path takes.
    kb.write(
        "rules/extra.yaml",
        "blockers:\n  - id: downgrade-warning\n    title: Downgrading loses data\n    severity: warning\n    blocks: downgrade postgresql\n    summary: Never listed, since no path downgrades.\n    sources: [{title: t}]\n",
    );
    let plan = plan_json(kb.path(), &[]);
    for h in plan["hosts"].as_array().expect("hosts") {
        assert!(!blockers(h).contains(&"downgrade-warning".to_string()), "{}", h["host"]);
        // Every blocker that is listed says where a path meets it or what clears it.
        for b in h["blockers"].as_array().expect("blockers") {
            assert!(!b["handled"].as_array().expect("handled").is_empty(), "{}: {}", h["host"], b["id"]);
        }
    }
}

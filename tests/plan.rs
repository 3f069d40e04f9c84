//! `pathbook plan` on the shipped knowledge base, driven through the binary with environment
//! files: which blockers apply to a server, which paths work from exactly its state, and what
//! the tailored runbook contains. Then the environment file's own diagnostics.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

use common::{BIN, repo};
use scraper::{Html, Selector};
use serde_json::Value;

const TARGET: &str = "exchange-2007@sp1 and windows-server@2008";

fn plan(env: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--root")
        .arg(repo())
        .args(["plan", "--env"])
        .arg(env)
        .args(args)
        .output()
        .expect("run pathbook")
}

/// Writes an environment with one host and returns `plan --format json`'s assessment of it.
fn assess(dir: &Path, components: &[&str]) -> Value {
    let env = dir.join("env.yaml");
    std::fs::write(
        &env,
        format!("target: {TARGET}\nhosts:\n  - id: server\n    components: [{}]\n", components.join(", ")),
    )
    .unwrap();
    let out = plan(&env, &["--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).expect("plan --format json prints JSON");
    json["hosts"][0].clone()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap().to_string()).collect()
}

fn texts(html: &str, css: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel).map(|e| e.text().collect::<String>().trim().to_string()).collect()
}

struct Case {
    name: &'static str,
    components: &'static [&'static str],
    /// Blockers that must be listed, and ones that must not.
    blockers: &'static [&'static str],
    not_blockers: &'static [&'static str],
    /// The paths that work, in the order shown.
    viable: &'static [&'static str],
    /// The in-place upgrade's outcome and the rule it fails on.
    in_place: (&'static str, &'static str),
    /// The environment contradicts a catalog constraint.
    warns: bool,
    /// For `--path new-server-move-mailbox`: step titles that must and must not be in the
    /// tailored runbook.
    runbook_has: &'static [&'static str],
    runbook_lacks: &'static [&'static str],
}

const BASE_SP1: &[&str] = &["windows-server@2003", "exchange-2007@sp1", "powershell", "domain-member"];

const CASES: &[Case] = &[
    Case {
        name: "standalone Mailbox SP1 on 2003 with PowerShell",
        components: &[
            "windows-server@2003",
            "exchange-2007@sp1",
            "powershell",
            "domain-member",
            "mailbox",
            "mailbox-databases",
        ],
        blockers: &[
            "powershell-blocks-os-upgrade",
            "exchange-services-need-ntlmssp",
            "os-upgrade-under-exchange-unsupported",
        ],
        not_blockers: &["mixed-os-cluster", "third-party-apps-on-2008"],
        viable: &["new-server-database-portability", "new-server-move-mailbox", "rebuild-same-hardware"],
        in_place: ("broken", "blocker:removing-powershell-breaks-exchange"),
        warns: false,
        runbook_has: &["Move the mailboxes", "Add the IIS 7 components"],
        runbook_lacks: &[
            "Add AD LDS for the Edge Transport role",
            "Add Desktop Experience",
            "Point clients and mail flow",
        ],
    },
    Case {
        name: "the same server without PowerShell",
        components: &["windows-server@2003", "exchange-2007@sp1", "domain-member", "mailbox", "mailbox-databases"],
        blockers: &["exchange-services-need-ntlmssp", "os-upgrade-under-exchange-unsupported"],
        not_blockers: &["powershell-blocks-os-upgrade"],
        viable: &["new-server-database-portability", "new-server-move-mailbox", "rebuild-same-hardware"],
        // Nothing stops Windows Setup now: the upgrade runs and breaks Exchange.
        in_place: ("broken", "blocker:exchange-services-need-ntlmssp"),
        warns: true,
        runbook_has: &["Move the mailboxes"],
        runbook_lacks: &["Add AD LDS for the Edge Transport role"],
    },
    Case {
        name: "Edge Transport",
        components: &["windows-server@2003", "exchange-2007@sp1", "powershell", "edge-transport"],
        blockers: &["powershell-blocks-os-upgrade"],
        not_blockers: &["mixed-os-cluster"],
        viable: &["new-server-move-mailbox", "rebuild-same-hardware"],
        in_place: ("broken", "blocker:removing-powershell-breaks-exchange"),
        warns: false,
        runbook_has: &["Add AD LDS for the Edge Transport role", "Point clients and mail flow"],
        runbook_lacks: &["Add Desktop Experience", "Move the mailboxes", "Add the IIS 7 components"],
    },
    Case {
        name: "Unified Messaging",
        components: &["windows-server@2003", "exchange-2007@sp1", "powershell", "domain-member", "unified-messaging"],
        blockers: &["powershell-blocks-os-upgrade"],
        not_blockers: &["mixed-os-cluster"],
        viable: &["new-server-move-mailbox", "rebuild-same-hardware"],
        in_place: ("broken", "blocker:removing-powershell-breaks-exchange"),
        warns: false,
        runbook_has: &["Add Desktop Experience", "Point clients and mail flow"],
        runbook_lacks: &["Add AD LDS for the Edge Transport role", "Move the mailboxes"],
    },
    Case {
        name: "clustered mailbox server",
        components: &[
            "windows-server@2003",
            "exchange-2007@sp1",
            "powershell",
            "domain-member",
            "clustered-mailbox",
            "mailbox-databases",
        ],
        blockers: &["mixed-os-cluster", "powershell-blocks-os-upgrade"],
        not_blockers: &["third-party-apps-on-2008"],
        viable: &["new-server-database-portability", "new-server-move-mailbox", "rebuild-same-hardware"],
        in_place: ("blocked", "blocker:mixed-os-cluster"),
        warns: false,
        runbook_has: &["Add Failover Clustering", "Move the mailboxes"],
        runbook_lacks: &["Add AD LDS for the Edge Transport role"],
    },
    Case {
        name: "Exchange RTM",
        components: &[
            "windows-server@2003",
            "exchange-2007@rtm",
            "powershell",
            "domain-member",
            "hub-transport",
            "client-access",
        ],
        blockers: &["powershell-blocks-os-upgrade", "exchange-services-need-ntlmssp"],
        not_blockers: &["mixed-os-cluster"],
        viable: &["new-server-move-mailbox", "rebuild-same-hardware"],
        in_place: ("broken", "blocker:removing-powershell-breaks-exchange"),
        warns: false,
        runbook_has: &["Point clients and mail flow", "Add the IIS 7 components"],
        runbook_lacks: &["Move the mailboxes", "Add AD LDS for the Edge Transport role"],
    },
];

#[test]
fn plan_answers_each_kind_of_server() {
    let dir = tempfile::tempdir().unwrap();
    for case in CASES {
        let host = assess(dir.path(), case.components);
        let name = case.name;

        let blockers = ids(&host["blockers"]);
        for b in case.blockers {
            assert!(blockers.iter().any(|x| x == b), "{name}: blocker {b} missing from {blockers:?}");
        }
        for b in case.not_blockers {
            assert!(!blockers.iter().any(|x| x == b), "{name}: blocker {b} should not apply: {blockers:?}");
        }
        // Every blocker comes with why, what to do and where it is written down.
        for b in host["blockers"].as_array().unwrap() {
            assert!(!b["summary"].as_str().unwrap().is_empty(), "{name}: {b}");
            assert!(!b["resolution"].as_str().unwrap().is_empty(), "{name}: {b}");
            assert!(!b["sources"].as_array().unwrap().is_empty(), "{name}: {b}");
        }
        assert_eq!(
            !host["warnings"].as_array().unwrap().is_empty(),
            case.warns,
            "{name}: warnings {}",
            host["warnings"]
        );

        // Viable paths first, ranked by steps then time; the failing ones after, with where.
        let paths = host["paths"].as_array().unwrap();
        let viable: Vec<&str> =
            paths.iter().filter(|p| p["viable"] == true).map(|p| p["id"].as_str().unwrap()).collect();
        assert_eq!(viable, case.viable, "{name}");
        let first_failing = paths.iter().position(|p| p["viable"] == false).unwrap_or(paths.len());
        assert!(paths[first_failing..].iter().all(|p| p["viable"] == false), "{name}: viable paths come first");
        let ranks: Vec<(usize, u64)> = paths[..first_failing]
            .iter()
            .map(|p| (p["steps"].as_array().unwrap().len(), p["minutes"].as_u64().unwrap()))
            .collect();
        assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{name}: ranked by steps and time: {ranks:?}");
        let in_place = paths.iter().find(|p| p["id"] == "in-place-os-upgrade").expect("the in-place path applies");
        assert_eq!(in_place["outcome"], case.in_place.0, "{name}");
        assert_eq!(in_place["fails_at"]["rule"], case.in_place.1, "{name}: {}", in_place["fails_at"]);
        assert!(in_place["fails_at"]["step"].as_u64().unwrap() >= 1);

        // The tailored runbook for one path: only the steps and prerequisites for this server.
        let out = plan(&dir.path().join("env.yaml"), &["--path", "new-server-move-mailbox", "--format", "html"]);
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        let html = String::from_utf8(out.stdout).unwrap();
        let titles = texts(&html, ".rb-step-title");
        for t in case.runbook_has {
            assert!(titles.iter().any(|x| x.starts_with(t)), "{name}: no step {t:?} in {titles:?}");
        }
        for t in case.runbook_lacks {
            assert!(!titles.iter().any(|x| x.starts_with(t)), "{name}: step {t:?} should be left out: {titles:?}");
        }
        let planned = paths.iter().find(|p| p["id"] == "new-server-move-mailbox").unwrap();
        assert_eq!(
            titles.len(),
            planned["steps"].as_array().unwrap().len(),
            "{name}: the runbook has the planned steps"
        );
        let numbers = texts(&html, ".rb-step .rb-n");
        let expected: Vec<String> = (1..=titles.len()).map(|n| format!("{n}.")).collect();
        assert_eq!(numbers, expected, "{name}: steps are numbered 1..n");
        assert!(!html.contains("Only when"), "{name}: conditions are decided for this server, not printed");
        assert!(texts(&html, ".rb-env").iter().any(|t| t.contains("Tailored for")), "{name}");
        let total = texts(&html, ".rb-total");
        let minutes = planned["minutes"].as_u64().unwrap() as u32;
        assert_eq!(total, [pathbook::model::format_minutes(minutes)], "{name}: total time of the tailored steps");
    }
}

#[test]
fn the_edge_runbook_lists_ad_lds_and_not_desktop_experience_among_prerequisites() {
    let dir = tempfile::tempdir().unwrap();
    let host = assess(dir.path(), &["windows-server@2003", "exchange-2007@sp1", "powershell", "edge-transport"]);
    let planned = host["paths"].as_array().unwrap().iter().find(|p| p["id"] == "new-server-move-mailbox").unwrap();
    let prereqs: BTreeSet<&str> =
        planned["prerequisites"].as_array().unwrap().iter().map(|p| p[1].as_str().unwrap()).collect();
    assert!(prereqs.contains("edge-transport-needs-ad-lds"), "{prereqs:?}");
    assert!(!prereqs.contains("unified-messaging-needs-desktop-experience"), "{prereqs:?}");

    // The Markdown checklist (text format) says the same.
    let out = plan(&dir.path().join("env.yaml"), &["--path", "new-server-move-mailbox"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("needs AD LDS"), "{text}");
    assert!(!text.contains("Desktop Experience"), "{text}");
}

#[test]
fn several_hosts_in_one_environment_are_assessed_separately() {
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join("env.yaml");
    let hosts = [
        ("mbx", "mailbox, mailbox-databases"),
        ("cms", "clustered-mailbox, mailbox-databases"),
        ("edge", "edge-transport"),
    ];
    let mut yaml = format!("target: {TARGET}\nhosts:\n");
    for (id, roles) in hosts {
        yaml.push_str(&format!("  - id: {id}\n    components: [{}, {roles}]\n", BASE_SP1.join(", ")));
    }
    std::fs::write(&env, yaml).unwrap();
    let out = plan(&env, &["--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        ids(&json["hosts"].as_array().unwrap().iter().map(|h| serde_json::json!({"id": h["host"]})).collect()),
        ["mbx", "cms", "edge"]
    );
    let cluster_blocked = |h: &Value| ids(&h["blockers"]).contains(&"mixed-os-cluster".to_string());
    let flags: Vec<bool> = json["hosts"].as_array().unwrap().iter().map(cluster_blocked).collect();
    assert_eq!(flags, [false, true, false]);

    // Text and HTML reports name every host; `--path` makes one tailored runbook per host.
    let text = String::from_utf8(plan(&env, &[]).stdout).unwrap();
    for (id, _) in hosts {
        assert!(text.lines().any(|l| l == id), "host {id} in the text report:\n{text}");
    }
    let html = String::from_utf8(plan(&env, &["--format", "html"]).stdout).unwrap();
    assert_eq!(texts(&html, ".plan-host").len(), 3);
    assert!(!html.contains("<link"), "the HTML report is self-contained");
    let runbooks =
        String::from_utf8(plan(&env, &["--path", "rebuild-same-hardware", "--format", "html"]).stdout).unwrap();
    assert_eq!(texts(&runbooks, "article.runbook").len(), 3);
    // The clustered host's runbook reinstalls Windows clean; the others upgrade it.
    let docs = Html::parse_document(&runbooks);
    let article = Selector::parse("article.runbook").unwrap();
    let step = Selector::parse(".rb-step-title").unwrap();
    let per_host: Vec<Vec<String>> =
        docs.select(&article).map(|a| a.select(&step).map(|s| s.text().collect::<String>()).collect()).collect();
    let clean = |steps: &Vec<String>| steps.iter().any(|s| s.contains("on each cluster node"));
    assert_eq!(per_host.iter().map(clean).collect::<Vec<_>>(), [false, true, false], "{per_host:#?}");
}

#[test]
fn a_path_that_does_not_apply_or_does_not_exist_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    assess(dir.path(), &["windows-server@2003", "exchange-2007@sp1", "powershell", "edge-transport"]);
    let env = dir.path().join("env.yaml");
    let out = plan(&env, &["--path", "new-server-database-portability"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("applies to none of the environment's hosts"));
    let out = plan(&env, &["--path", "no-such-path"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("rebuild-same-hardware"), "lists the paths there are");
}

/// `file:line:col` of the first diagnostic on stderr.
fn location(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("--> "))
        .unwrap_or_else(|| panic!("no location in:\n{stderr}"))
        .to_string()
}

#[test]
fn environment_files_get_located_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join("env.yaml");
    let name = env.display().to_string();
    let cases: &[(&str, &str, &str, &str)] = &[
        // (file, message, line:col, code)
        (
            "hosts:\n  - id: a\n    components: [windows-server@2003, mailbx]\n",
            "unknown component `mailbx`",
            "3:39",
            "PB005",
        ),
        (
            "hosts:\n  - id: a\n    components: [windows-server@2003, exchange-2007@sp2]\n",
            "no version `sp2`",
            "3:53",
            "PB006",
        ),
        ("hosts:\n  - id: a\n    components: [windows-server]\n", "say which version", "3:18", "PB006"),
        (
            "hosts:\n  - id: a\n    components: [powershell]\n    role: mailbox\n",
            "unknown field `role`",
            "4:5",
            "PB003",
        ),
        (
            "hosts:\n  - id: a\n    components: [powershell]\n  - id: a\n    components: [powershell]\n",
            "listed twice",
            "4:9",
            "PB004",
        ),
        (
            "target: exchange-2007@sp1 and and windows-server@2008\nhosts:\n  - id: a\n    components: [powershell]\n",
            "",
            "1:",
            "PB007",
        ),
        ("hosts: [\n", "", "1:8", "PB001"),
        ("hosts: []\n", "lists no hosts", "1:1", "PB002"),
        ("", "empty environment file", "1:1", "PB002"),
    ];
    for (text, message, at, code) in cases {
        std::fs::write(&env, text).unwrap();
        let out = plan(&env, &[]);
        assert_eq!(out.status.code(), Some(1), "{text:?}: {}", String::from_utf8_lossy(&out.stderr));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{text:?}: {stderr}");
        assert!(stderr.contains(&format!("[{code}]")), "{text:?}: {stderr}");
        let loc = location(&out);
        assert!(loc.starts_with(&format!("{name}:{at}")), "{text:?}: at {loc}, expected {at}");
        assert!(out.stdout.is_empty(), "no plan is printed for a bad environment");
    }
    // A file that is not there is an I/O failure.
    let out = plan(&dir.path().join("missing.yaml"), &[]);
    assert_eq!(out.status.code(), Some(2));
}

/// Hundreds of tailored runbooks are streamed into the file as they are rendered: every host
/// gets its runbook, in the environment's order, the file is readable like any other, and no
/// temporary file is left beside it.
#[test]
fn many_tailored_runbooks_stream_into_one_file_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join("env.yaml");
    let mut yaml = format!("target: {TARGET}\nhosts:\n");
    for i in 0..150 {
        let role = if i % 2 == 0 { "mailbox, mailbox-databases" } else { "hub-transport" };
        yaml.push_str(&format!(
            "  - id: srv-{i:03}\n    components: [exchange-2007@sp1, windows-server@2003, powershell, domain-member, {role}]\n"
        ));
    }
    std::fs::write(&env, yaml).unwrap();
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let file = out_dir.join("runbooks.html");
    let out = plan(&env, &["--path", "new-server-move-mailbox", "--format", "html", "-o", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let html = std::fs::read_to_string(&file).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    // "Tailored for: srv-007: exchange-2007@sp1, …" — the host of each runbook, in file order.
    let hosts: Vec<String> = texts(&html, ".rb-env")
        .iter()
        .filter_map(|t| {
            t.split_whitespace().find(|w| w.starts_with("srv-")).map(|w| w.trim_end_matches(':').to_string())
        })
        .collect();
    let expected: Vec<String> = (0..150).map(|i| format!("srv-{i:03}")).collect();
    assert_eq!(hosts, expected, "one runbook per host, in the environment's order");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o644);
    assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), 1, "no temporary file left");
}

#[test]
fn a_failing_anti_path_ranks_below_the_paths_meant_to_work_and_says_how_it_ends() {
    // Exchange without a role: no path works, and the in-place upgrade (an anti-path) breaks
    // Exchange while the supported paths end short of the target.
    let dir = tempfile::tempdir().unwrap();
    let host = assess(dir.path(), &["windows-server@2003", "exchange-2007@sp1"]);
    let paths = host["paths"].as_array().unwrap();
    assert!(paths.iter().all(|p| p["viable"] == false), "{paths:?}");
    assert_eq!(ids(&host["paths"]).last().map(String::as_str), Some("in-place-os-upgrade"));
    let out = plan(&dir.path().join("env.yaml"), &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    let marks: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim_start().split_once(". [").and_then(|(_, rest)| rest.split_once(']')))
        .map(|(mark, _)| mark)
        .collect();
    assert_eq!(marks, ["incomplete", "incomplete", "broken"], "{text}");
    let html = plan(&dir.path().join("env.yaml"), &["--format", "html"]);
    let html = String::from_utf8_lossy(&html.stdout);
    assert!(html.contains("— from step 2 of 4") && html.contains("— falls short after step"), "{html}");
    assert!(!html.contains("stops at step"), "only a blocked path stops");
}

//! The shipped Exchange 2007 / Windows Server 2008 knowledge base: it checks clean, every path
//! simulates to its documented outcome for every role, the in-place upgrade fails for the
//! seed's reasons, and mutations of it are caught where they are made.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{Kb, locate, repo};
use pathbook::Project;
use pathbook::eval::{self, Event, HostState};
use pathbook::model::{Catalog, MatrixKind, MigrationPath, Outcome, Ref};

const ROLES: [&str; 7] = [
    "mailbox",
    "clustered-mailbox",
    "hub-transport",
    "client-access",
    "unified-messaging",
    "edge-transport",
    "management-tools",
];

fn shipped() -> Project {
    let p = Project::check(&repo());
    assert!(p.diags.is_empty(), "shipped knowledge base has diagnostics: {:#?}", p.diags.items);
    p
}

fn path<'a>(cat: &'a Catalog, id: &str) -> &'a MigrationPath {
    cat.path(id).unwrap_or_else(|| panic!("no path {id}"))
}

/// A host state from `id` / `id@version` labels.
fn state(cat: &Catalog, items: &[&str]) -> HostState {
    let mut s = HostState::default();
    for item in items {
        let (id, ver) = item.split_once('@').map_or((*item, None), |(a, b)| (a, Some(b)));
        let c = cat.component_ids[id];
        let v =
            ver.map_or(0, |v| cat.components[c.idx()].versions.iter().position(|x| x.id == v).expect("version") as u16);
        s.present.insert(c, v);
    }
    s.settle(cat);
    s
}

fn blocker(cat: &Catalog, id: &str) -> Ref {
    Ref::Blocker(cat.blocker_ids[id])
}

/// Outcome per role over every starting state the path admits.
fn outcomes_by_role(cat: &Catalog, p: &MigrationPath) -> BTreeMap<&'static str, BTreeSet<Outcome>> {
    let states = pathbook::verify::starting_states(cat, p, 1 << 16)
        .expect("enumerable")
        .into_iter()
        .map(|mut h| h.remove(0))
        .collect::<Vec<_>>();
    assert!(!states.is_empty());
    let mut out: BTreeMap<&str, BTreeSet<Outcome>> = BTreeMap::new();
    for s in &states {
        let sim = eval::simulate(cat, p, s);
        for role in ROLES {
            if s.version_of(cat.component_ids[role]).is_some() {
                out.entry(role).or_default().insert(sim.outcome);
            }
        }
    }
    out
}

#[test]
fn the_shipped_knowledge_base_checks_clean_with_deny_warnings() {
    let out = std::process::Command::new(common::BIN)
        .args(["--root"])
        .arg(repo())
        .args(["check", "--deny-warnings"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no problems"), "{err}");
}

#[test]
fn supported_paths_work_for_every_role_they_apply_to() {
    let p = shipped();
    let cat = &p.catalog;
    let all: BTreeSet<&str> = ROLES.into_iter().collect();
    let mailbox_servers: BTreeSet<&str> =
        ["mailbox", "clustered-mailbox", "hub-transport", "client-access", "unified-messaging"].into_iter().collect();
    for (id, roles) in [
        ("new-server-move-mailbox", &all),
        ("new-server-database-portability", &mailbox_servers),
        ("rebuild-same-hardware", &all),
    ] {
        let by_role = outcomes_by_role(cat, path(cat, id));
        let covered: BTreeSet<&str> = by_role.keys().copied().collect();
        assert_eq!(&covered, roles, "roles simulated for {id}");
        for (role, outcomes) in &by_role {
            assert_eq!(outcomes, &BTreeSet::from([Outcome::Supported]), "{id} for {role}");
        }
    }
    // Database portability needs a mailbox role on the server: hub-only servers are not in scope.
    let db = path(cat, "new-server-database-portability");
    let states = pathbook::verify::starting_states(cat, db, 1 << 16)
        .unwrap()
        .into_iter()
        .map(|mut h| h.remove(0))
        .collect::<Vec<_>>();
    assert!(states.iter().all(|s| s.version_of(cat.component_ids["mailbox-databases"]).is_some()));
}

#[test]
fn the_in_place_upgrade_is_blocked_on_clusters_and_broken_everywhere_else() {
    let p = shipped();
    let cat = &p.catalog;
    let by_role = outcomes_by_role(cat, path(cat, "in-place-os-upgrade"));
    assert_eq!(by_role.len(), ROLES.len());
    for (role, outcomes) in by_role {
        let expected = if role == "clustered-mailbox" { Outcome::Blocked } else { Outcome::Broken };
        assert_eq!(outcomes, BTreeSet::from([expected]), "in-place upgrade for {role}");
    }
}

#[test]
fn the_in_place_upgrade_fails_for_the_seeds_reasons_powershell_first_then_ntlmssp() {
    let p = shipped();
    let cat = &p.catalog;
    let anti = path(cat, "in-place-os-upgrade");
    let standalone =
        state(cat, &["windows-server@2003", "exchange-2007@sp1", "mailbox", "mailbox-databases", "powershell"]);
    let sim = eval::simulate(cat, anti, &standalone);
    assert_eq!(sim.outcome, Outcome::Broken);
    let fired: Vec<(String, Ref)> =
        sim.events.iter().filter_map(|e| e.rule().map(|r| (anti.steps[e.step()].id.clone(), r))).collect();
    let ps = fired
        .iter()
        .position(|(s, r)| s == "remove-powershell" && *r == blocker(cat, "removing-powershell-breaks-exchange"));
    let ntlm =
        fired.iter().position(|(s, r)| s == "upgrade-windows" && *r == blocker(cat, "exchange-services-need-ntlmssp"));
    let unsupported = fired.iter().position(|(_, r)| *r == blocker(cat, "os-upgrade-under-exchange-unsupported"));
    assert!(ps.is_some() && ntlm.is_some() && unsupported.is_some(), "{fired:?}");
    assert!(ps < ntlm, "PowerShell comes first: {fired:?}");
    // NtLmSsp is gone after the upgrade: the service the Exchange services wait for.
    assert!(sim.end[0].version_of(cat.component_ids["ntlmssp"]).is_none());

    // Without removing PowerShell, Windows Setup refuses: the first wall.
    let mut keep_powershell = anti.clone();
    keep_powershell.steps.retain(|s| s.id != "remove-powershell");
    let sim = eval::simulate(cat, &keep_powershell, &standalone);
    assert_eq!(sim.outcome, Outcome::Blocked);
    assert_eq!(
        sim.decisive()[0],
        &Event::Blocked { step: 0, blocker: cat.blocker_ids["powershell-blocks-os-upgrade"] }
    );

    // A clustered mailbox server stops at Windows Setup.
    let cms = state(
        cat,
        &["windows-server@2003", "exchange-2007@sp1", "clustered-mailbox", "mailbox-databases", "powershell"],
    );
    let sim = eval::simulate(cat, anti, &cms);
    assert_eq!(sim.outcome, Outcome::Blocked);
    assert!(sim.decisive().iter().any(|e| e.rule() == Some(blocker(cat, "mixed-os-cluster"))));
}

#[test]
fn exchange_rtm_is_covered_and_rtm_cannot_go_on_2008() {
    let p = shipped();
    let cat = &p.catalog;
    let rebuild = path(cat, "rebuild-same-hardware");
    let states = pathbook::verify::starting_states(cat, rebuild, 1 << 16)
        .unwrap()
        .into_iter()
        .map(|mut h| h.remove(0))
        .collect::<Vec<_>>();
    let ex = cat.component_ids["exchange-2007"];
    let versions: BTreeSet<u16> = states.iter().filter_map(|s| s.version_of(ex)).collect();
    assert_eq!(versions, BTreeSet::from([0, 1]), "both RTM and SP1 starting states are simulated");
    let MatrixKind::Versions { component, platform, with } = &cat.matrices[0].kind else {
        panic!("the shipped matrix tabulates versions")
    };
    let rtm_on_2008 = eval::matrix_cell(cat, *component, 0, *platform, 1, with);
    assert_eq!(rtm_on_2008.outcome, Some(Outcome::Blocked));
    assert_eq!(rtm_on_2008.decided_by, vec![blocker(cat, "exchange-rtm-not-on-2008")]);
    let sp1_on_2008 = eval::matrix_cell(cat, *component, 1, *platform, 1, with);
    assert_eq!(sp1_on_2008.outcome, Some(Outcome::Supported));
    // Upgrading Windows in place under Exchange: every rule that decides it, not the first.
    let in_place = eval::upgrade_cell(cat, *component, 1, *platform, 1, with);
    assert_eq!(in_place.outcome, Some(Outcome::Blocked));
    assert!(in_place.decided_by.len() >= 2, "{:?}", in_place.decided_by);
}

// ----- mutations of a copy of the shipped catalog ------------------------------------------------

#[test]
fn dropping_remove_powershell_from_the_rebuild_path_names_the_powershell_blocker() {
    let kb = Kb::shipped();
    let text = kb.read("rules/paths.yaml");
    let start = text.find("      - id: remove-powershell\n        title: Remove Windows PowerShell 1.0").expect("step");
    let end = start + text[start..].find("      - id: remove-third-party").expect("next step");
    kb.write("rules/paths.yaml", format!("{}{}", &text[..start], &text[end..]));
    let (status, diags) = kb.check_json();
    assert_eq!(status, 1);
    let d = diags.iter().find(|d| d.code == "PB011").expect("a mismatch");
    assert!(
        d.message.contains("`rebuild-same-hardware` is declared `supported` but simulates as `blocked`"),
        "{}",
        d.message
    );
    assert_eq!(d.label.as_deref(), Some("decided by blocker:powershell-blocks-os-upgrade"));
    let upgrade = locate(&kb.read("rules/paths.yaml"), "action: upgrade windows-server@2008", 0);
    assert_eq!((d.file.as_str(), d.line, d.column), ("rules/paths.yaml", upgrade.0, upgrade.1 + 8));
}

#[test]
fn prerequisite_installs_before_the_os_upgrade_are_the_prerequisite_paradox() {
    let kb = Kb::shipped();
    let text = kb.read("rules/paths.yaml");
    let rebuild = text.find("  - id: rebuild-same-hardware").expect("path");
    let use_prepare = "      - use: prepare-windows-2008-host\n        host: server\n\n";
    let at = rebuild + text[rebuild..].find(use_prepare).expect("use");
    let without = format!("{}{}", &text[..at], &text[at + use_prepare.len()..]);
    let upgrade = without.find("      - id: upgrade-windows\n        title: Upgrade the server").expect("upgrade step");
    kb.write("rules/paths.yaml", format!("{}{}{}", &without[..upgrade], use_prepare, &without[upgrade..]));
    let (status, diags) = kb.check_json();
    assert_eq!(status, 1);
    let paradox: Vec<_> = diags.iter().filter(|d| d.code == "PB012").collect();
    assert!(!paradox.is_empty(), "{diags:#?}");
    for d in &paradox {
        assert!(d.message.contains("prerequisite paradox in path `rebuild-same-hardware`"), "{}", d.message);
        assert!(d.message.contains("`features-need-windows-2008`"), "{}", d.message);
        assert!(
            d.message.contains("only the later step `upgrade-windows`")
                || d.message.contains("only the later step `clean-install-windows`")
        );
        assert_eq!(d.file, "rules/procedures.yaml", "points at the step that needs the feature");
    }
    assert!(diags.iter().all(|d| d.code != "PB011"), "the paradox is reported as such, not as a plain mismatch");
}

/// YAML keys whose values are conditions, actions, patterns or id lists.
const REFERENCE_KEYS: [&str; 15] = [
    "when",
    "sets",
    "base",
    "target",
    "requires",
    "require",
    "applies_to",
    "action",
    "blocks",
    "for",
    "breaks",
    "keeps",
    "part_of",
    "derived",
    "component",
];

/// Every place `id` is used as a component reference in the catalog files.
fn component_uses(kb: &Kb, id: &str) -> BTreeSet<(String, u64, u64)> {
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(kb.path().join("rules")).unwrap() {
        let path = entry.unwrap().path();
        let name = format!("rules/{}", path.file_name().unwrap().to_string_lossy());
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, line) in text.lines().enumerate() {
            let trimmed = line.trim_start().trim_start_matches("- ");
            let Some((key, value)) = trimmed.split_once(':') else { continue };
            if !REFERENCE_KEYS.contains(&key) {
                continue;
            }
            let value_start = line.len() - value.len();
            for (off, _) in value.match_indices(id) {
                let before = value[..off].chars().last();
                let after = value[off + id.len()..].chars().next();
                let boundary = |c: Option<char>| !c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                if boundary(before) && boundary(after) {
                    let col = line[..value_start + off].chars().count() as u64 + 1;
                    out.insert((name.clone(), i as u64 + 1, col));
                }
            }
        }
    }
    out
}

#[test]
fn deleting_a_component_reports_every_dangling_use_with_its_location() {
    let kb = Kb::shipped();
    let text = kb.read("rules/components.yaml");
    let start = text.find("  - id: powershell\n").expect("component");
    let end = start + 1 + text[start + 1..].find("\n  - id: ").expect("next component") + 1;
    kb.write("rules/components.yaml", format!("{}{}", &text[..start], &text[end..]));
    let expected = component_uses(&kb, "powershell");
    assert!(expected.len() >= 8, "the catalog uses powershell in many places: {expected:?}");
    let (status, diags) = kb.check_json();
    assert_eq!(status, 1);
    let reported: BTreeSet<(String, u64, u64)> = diags
        .iter()
        .filter(|d| d.code == "PB005" && d.message == "unknown component `powershell`")
        .map(|d| d.at())
        .collect();
    assert_eq!(reported, expected);
    assert!(diags.iter().all(|d| d.code != "PB011"), "no simulation runs on a broken rule set");
    assert!(diags.iter().all(|d| d.code == "PB005"), "nothing cascades from the one mistake: {diags:#?}");
}

// ----- schema ------------------------------------------------------------------------------------

#[test]
fn committed_schemas_match_the_binary() {
    for (file, args) in [
        ("schema/catalog.schema.json", &["schema"][..]),
        ("schema/front-matter.schema.json", &["schema", "--front-matter"][..]),
        ("schema/environment.schema.json", &["schema", "--env"][..]),
    ] {
        let out = std::process::Command::new(common::BIN).args(args).output().unwrap();
        let committed = std::fs::read_to_string(repo().join(file)).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            committed,
            "{file} is stale: run `pathbook {}` > {file}",
            args.join(" ")
        );
    }
}

#[test]
fn every_shipped_file_validates_against_the_schema_and_references_it() {
    let catalog: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join("schema/catalog.schema.json")).unwrap()).unwrap();
    let front: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join("schema/front-matter.schema.json")).unwrap())
            .unwrap();
    let catalog = jsonschema::draft7::new(&catalog).expect("catalog schema compiles");
    let front = jsonschema::draft7::new(&front).expect("front matter schema compiles");
    let mut files = 0;
    for e in walkdir::WalkDir::new(repo().join("rules")) {
        let e = e.unwrap();
        if e.path().extension().is_some_and(|x| x == "yaml") {
            let text = std::fs::read_to_string(e.path()).unwrap();
            assert!(
                text.starts_with("# yaml-language-server: $schema=../schema/catalog.schema.json"),
                "{} should reference the schema",
                e.path().display()
            );
            let value: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
            let errors: Vec<String> =
                catalog.iter_errors(&value).map(|e| format!("{} at {}", e, e.instance_path())).collect();
            assert!(errors.is_empty(), "{}: {errors:#?}", e.path().display());
            files += 1;
        }
    }
    assert!(files >= 5);
    for e in walkdir::WalkDir::new(repo().join("content")) {
        let e = e.unwrap();
        if e.path().extension().is_some_and(|x| x == "md") {
            let text = std::fs::read_to_string(e.path()).unwrap();
            let fm = text.strip_prefix("---\n").and_then(|t| t.split_once("\n---\n")).expect("front matter").0;
            let value: serde_json::Value = serde_saphyr::from_str(fm).unwrap();
            let errors: Vec<String> = front.iter_errors(&value).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{}: {errors:#?}", e.path().display());
        }
    }
    // The schema rejects what the loader rejects.
    let bad: serde_json::Value =
        serde_saphyr::from_str("components:\n  - id: x\n    title: X\n    colour: red\n").unwrap();
    assert!(!catalog.is_valid(&bad));
}

#[test]
fn at_least_six_articles_cover_the_required_topics() {
    let p = shipped();
    let slugs: BTreeSet<&str> = p.catalog.articles.iter().map(|a| a.slug.as_str()).collect();
    for required in [
        "in-place-upgrade-story",
        "prerequisite-paradox",
        "clustered-mailbox-servers",
        "recover-after-in-place-upgrade",
        "choosing-a-path",
        "prerequisites-by-role",
    ] {
        assert!(slugs.contains(required), "missing article {required}");
    }
    let by_role = &p.catalog.articles[p.catalog.article_ids["prerequisites-by-role"].idx()];
    for cmd in [
        "ServerManagerCmd -i PowerShell",
        "ServerManagerCmd -i ADLDS",
        "ServerManagerCmd -i Desktop-Experience",
        "ServerManagerCmd -i RSAT-ADDS",
    ] {
        assert!(by_role.body.contains(cmd), "prerequisites-by-role lacks {cmd}");
    }
    // Every rule cites a source.
    assert!(p.catalog.blockers.iter().all(|b| !b.sources.is_empty()));
    assert!(p.catalog.prerequisites.iter().all(|b| !b.sources.is_empty()));
    assert!(p.catalog.paths.iter().all(|b| !b.sources.is_empty()));
}

#[test]
fn check_says_how_every_starting_state_of_each_path_ends_and_the_counts_are_exact() {
    let o = std::process::Command::new(common::BIN).current_dir(repo()).arg("check").output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stderr = String::from_utf8_lossy(&o.stderr);
    let project = Project::check(&repo());
    let cat = &project.catalog;
    let tally = stderr.split("paths, decided for every starting state:\n").nth(1).expect("the tally");
    for path in &cat.paths {
        // Every starting state, simulated one by one.
        let mut counts: BTreeMap<Outcome, usize> = BTreeMap::new();
        for starts in pathbook::verify::starting_states(cat, path, 1 << 20).unwrap() {
            *counts.entry(eval::simulate_hosts(cat, path, &starts, &[]).outcome).or_default() += 1;
        }
        let expected = counts.iter().map(|(o, n)| format!("{} {}", o.as_str(), n)).collect::<Vec<_>>().join(", ");
        let line = tally.lines().find(|l| l.split_whitespace().next() == Some(&path.id)).expect("a line per path");
        assert_eq!(line.split_whitespace().skip(1).collect::<Vec<_>>().join(" "), expected, "{}", path.id);
    }
}

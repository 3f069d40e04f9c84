//! The site's upgrade assistant: the answers the build precomputed for every combination are
//! exactly what `pathbook plan` says for the same server, and each tailored runbook link can
//! be assembled from the runbook page it points at.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use common::{BIN, Kb, repo};
use scraper::{Html, Selector};
use serde_json::Value;

fn build(root: &Path, out: &Path) {
    let o = Command::new(BIN).arg("--root").arg(root).args(["build", "--out"]).arg(out).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// `window.pathbookAssistant = {…};` → the object.
fn assistant_data(site: &Path) -> Value {
    let js = std::fs::read_to_string(site.join("assets/assistant-data.js")).expect("assistant data is written");
    let json = js
        .trim()
        .strip_prefix("window.pathbookAssistant = ")
        .and_then(|s| s.strip_suffix(';'))
        .expect("one assignment");
    serde_json::from_str(json).expect("valid JSON")
}

/// Every combination of answers: its key and the components it puts on the server.
fn combinations(data: &Value) -> Vec<(String, Vec<String>)> {
    let base: Vec<String> = data["base"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
    let mut combos: Vec<(Vec<String>, Vec<String>)> = vec![(Vec::new(), base)];
    for q in data["questions"].as_array().unwrap() {
        let answers = q["answers"].as_array().unwrap();
        let picks: Vec<Vec<&Value>> = if q["multiple"] == true {
            (0..1usize << answers.len())
                .map(|mask| answers.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, a)| a).collect())
                .collect()
        } else {
            answers.iter().map(|a| vec![a]).collect()
        };
        let mut next = Vec::new();
        for (key, comps) in &combos {
            for pick in &picks {
                let mut key = key.clone();
                key.push(pick.iter().map(|a| a["id"].as_str().unwrap()).collect::<Vec<_>>().join("+"));
                let mut comps = comps.clone();
                for a in pick {
                    for c in a["sets"].as_array().unwrap() {
                        let c = c.as_str().unwrap().to_string();
                        if !comps.contains(&c) {
                            comps.push(c);
                        }
                    }
                }
                next.push((key, comps));
            }
        }
        combos = next;
    }
    combos.into_iter().map(|(k, c)| (k.join("|"), c)).collect()
}

/// The precomputed answer for one key, in `plan --format json`'s shape (minus the host's name).
fn stored(data: &Value, key: &str) -> Value {
    let n = data["index"][key].as_u64().unwrap_or_else(|| panic!("no answer for {key}")) as usize;
    let r = &data["results"][n];
    // Every list in a result holds indices into a shared table of the data.
    let look = |list: &Value, table: &str| -> Vec<Value> {
        list.as_array().unwrap().iter().map(|i| data[table][i.as_u64().unwrap() as usize].clone()).collect()
    };
    let blockers: Vec<Value> = look(&r["blockers"], "blocker_ids")
        .iter()
        .zip(look(&r["handled"], "handled"))
        .map(|(id, handled)| {
            let mut b = data["blockers"][id.as_str().unwrap()].clone();
            b["handled"] = handled;
            b
        })
        .collect();
    serde_json::json!({
        "warnings": look(&r["warnings"], "warnings"),
        "at_target": r["at_target"],
        "blockers": blockers,
        "prerequisites": look(&r["prerequisites"], "prerequisites"),
        "paths": look(&r["paths"], "paths"),
    })
}

#[test]
fn every_precomputed_answer_equals_plan_for_the_same_server() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    build(&repo(), &site);
    let data = assistant_data(&site);
    let combos = combinations(&data);
    // Every combination is there, and nothing else.
    let keys: BTreeSet<&str> = data["index"].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, combos.iter().map(|(k, _)| k.as_str()).collect::<BTreeSet<_>>());
    assert!(combos.len() >= 1000, "the shipped assistant covers {} combinations", combos.len());

    // One environment file with a host per combination: one `plan` run answers them all.
    let target = data["target"].as_str().unwrap();
    let mut env = format!("target: {target}\nhosts:\n");
    for (i, (_, comps)) in combos.iter().enumerate() {
        env.push_str(&format!("  - id: case-{i}\n    components: [{}]\n", comps.join(", ")));
    }
    let env_file = dir.path().join("all.yaml");
    std::fs::write(&env_file, env).unwrap();
    let out = Command::new(BIN)
        .arg("--root")
        .arg(repo())
        .args(["plan", "--format", "json", "--env"])
        .arg(&env_file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let hosts = plan["hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), combos.len());
    let mut differing = Vec::new();
    for ((key, _), host) in combos.iter().zip(hosts) {
        let expected = serde_json::json!({
            "warnings": host["warnings"],
            "at_target": host["at_target"],
            "blockers": host["blockers"],
            "prerequisites": host["prerequisites"],
            "paths": host["paths"],
        });
        if stored(&data, key) != expected {
            differing.push(key.clone());
        }
    }
    assert!(
        differing.is_empty(),
        "{} combinations differ from plan, e.g. {:?}",
        differing.len(),
        &differing[..differing.len().min(5)]
    );

    // The answers are not all alike: the questions matter.
    let distinct: BTreeSet<String> = combos.iter().map(|(k, _)| stored(&data, k).to_string()).collect();
    assert!(distinct.len() > 50, "{} distinct answers", distinct.len());

    // Each viable path's tailored runbook is assembled from the runbook page: every step and
    // prerequisite the answer names is on that page, marked for the script. (Answers that
    // contradict the catalog's constraints get no tailored runbook.)
    let mut pages: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    let consistent: BTreeSet<u64> = data["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["warnings"].as_array().unwrap().is_empty())
        .flat_map(|r| r["paths"].as_array().unwrap().iter().map(|i| i.as_u64().unwrap()))
        .collect();
    assert!(consistent.len() > 20, "{} path results for consistent answers", consistent.len());
    for p in consistent.iter().map(|i| &data["paths"][*i as usize]).filter(|p| p["viable"] == true) {
        let id = p["id"].as_str().unwrap().to_string();
        let (steps, prereqs) = pages.entry(id.clone()).or_insert_with(|| {
            let html = std::fs::read_to_string(site.join(format!("runbooks/{id}.html"))).unwrap();
            let doc = Html::parse_document(&html);
            let attr = |css: &str, name: &str| -> BTreeSet<String> {
                let sel = Selector::parse(css).unwrap();
                doc.select(&sel).filter_map(|e| e.value().attr(name).map(str::to_string)).collect()
            };
            (attr(".rb-step", "data-step"), attr(".rb-prereq", "data-prereq"))
        });
        for s in p["steps"].as_array().unwrap() {
            assert!(steps.contains(&s.to_string()), "step {s} of {id} is on its runbook page");
        }
        for pr in p["prerequisites"].as_array().unwrap() {
            assert!(prereqs.contains(pr[1].as_str().unwrap()), "prerequisite {} of {id} is on its runbook page", pr[1]);
        }
    }
}

#[test]
fn a_catalog_without_an_assistant_has_no_assistant_page() {
    let kb = Kb::new();
    kb.write(
        "rules/base.yaml",
        "components:\n  - id: os\n    title: OS\n    versions: [v1, v2]\n    sources: [{title: t}]\n",
    );
    let site = kb.path().join("out");
    build(kb.path(), &site);
    assert!(!site.join("assistant.html").exists());
    assert!(!site.join("assets/assistant-data.js").exists());
    let home = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(!home.contains("assistant.html"), "no menu entry for a page that is not there");
}

#[test]
fn answers_and_labels_from_the_catalog_are_escaped() {
    let kb = Kb::new();
    kb.write(
        "rules/base.yaml",
        r#"components:
  - id: os
    title: OS
    versions: [v1, v2]
    sources: [{title: t}]
  - id: app
    title: App
    sources: [{title: t}]
assistant:
  title: "<script>alert(1)</script> helper"
  base: [os@v1]
  questions:
    - id: q
      text: "Is <b>app</b> there? </script><script>alert(2)</script>"
      answers:
        - id: "yes"
          label: "Yes <img src=x onerror=alert(3)>"
          sets: [app]
        - id: "no"
          label: "No"
"#,
    );
    let site = kb.path().join("out");
    build(kb.path(), &site);
    let page = std::fs::read_to_string(site.join("assistant.html")).unwrap();
    assert!(!page.contains("<script>alert"), "{page}");
    assert!(!page.contains("<img src=x"), "{page}");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; helper"));
    let data = std::fs::read_to_string(site.join("assets/assistant-data.js")).unwrap();
    assert!(!data.contains("</script>"), "the data cannot close a script element");
    assert_eq!(assistant_data(&site)["index"].as_object().unwrap().len(), 2);
}

/// For every kind of host the assistants of both shipped knowledge bases can describe, and
/// every path that applies to it, what `plan` (and so the assistant page, by the test above)
/// says about the path is what the symbolic engine that proves the site's claims says.
#[test]
fn plan_and_the_engine_agree_for_every_host_kind_of_both_knowledge_bases() {
    use pathbook::model::Outcome;
    for root in [repo(), repo().join("examples/postgresql-major-upgrade")] {
        let project = pathbook::Project::check(&root);
        assert!(project.diags.is_empty(), "{}: {:#?}", root.display(), project.diags.items);
        let cat = &project.catalog;
        let a = cat.assistant.as_ref().expect("an assistant");
        let runs: Vec<_> = cat
            .paths
            .iter()
            .map(|p| pathbook::verify::run(cat, p, &[], pathbook::verify::sym::NODE_LIMIT).expect("small enough"))
            .collect();
        let cases = pathbook::plan::assistant_cases(cat, a);
        let mut compared = 0;
        let mut outcomes = BTreeSet::new();
        for case in &cases {
            if !pathbook::eval::admissible(cat, &case.state) {
                continue; // contradictory answers: the page warns instead of answering
            }
            let h = pathbook::plan::assess(cat, "h", "H", &case.state, a.target.as_ref());
            for (p, run) in cat.paths.iter().zip(&runs) {
                let said = h.paths.iter().find(|r| r.id == p.id);
                let engine = run.classify(std::slice::from_ref(&case.state));
                match (said, engine) {
                    (Some(r), Some(o)) => {
                        assert_eq!(r.outcome, o.as_str(), "{}: {} on {}", root.display(), p.id, case.key);
                        // A path is offered only when the engine says it is supported.
                        assert!(!r.viable || o == Outcome::Supported, "{} offered on {}", p.id, case.key);
                        outcomes.insert(o.as_str());
                        compared += 1;
                    }
                    (None, None) => {}
                    (said, engine) => panic!(
                        "{}: {} on {}: plan {:?}, engine {:?}",
                        root.display(),
                        p.id,
                        case.key,
                        said.map(|r| r.outcome),
                        engine
                    ),
                }
            }
        }
        assert!(compared > 100, "{}: {compared} comparisons", root.display());
        assert!(outcomes.len() >= 2, "{}: more than one outcome seen: {outcomes:?}", root.display());
    }
}

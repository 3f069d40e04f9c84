//! One fixture per diagnostic code, driven through the binary: each asserts the code, the file,
//! the line and the column. Then the hostile inputs: each must give a located diagnostic and
//! exit 1, never a panic.

mod common;

use common::{Kb, locate};

/// A small valid knowledge base that every fixture starts from.
const BASE: &str = r#"components:
  - id: os
    title: OS
    kind: os
    versions: [v1, v2]
    sources: [{title: t}]
  - id: app
    title: App
    sources: [{title: t}]
  - id: feat
    title: Feature
    kind: feature
    sources: [{title: t}]
blockers:
  - id: app-blocks
    title: App blocks the upgrade
    severity: hard
    blocks: upgrade os@v2
    when: app
    sources: [{title: t}]
prerequisites:
  - id: feat-needs-v2
    title: Feature needs v2
    for: install feat
    requires: os@v2
    sources: [{title: t}]
paths:
  - id: up
    title: Upgrade
    applies_to: os@v1 and not app
    hosts: [{id: h, title: H, existing: true}]
    goal: [{host: h, require: os@v2 and feat}]
    outcome: supported
    sources: [{title: t}]
    steps:
      - id: s1
        title: Upgrade the OS
        host: h
        action: upgrade os@v2
        duration: 30m
        rules: [blocker:app-blocks]
      - id: s2
        title: Add the feature
        host: h
        action: install feat
"#;

fn base() -> Kb {
    let kb = Kb::new();
    kb.write("rules/base.yaml", BASE);
    kb
}

/// Runs check and returns the single diagnostic with `code`, asserting exit status 1 (errors)
/// or 0 (warnings only).
fn expect(kb: &Kb, code: &str) -> common::Diag {
    let (status, diags) = kb.check_json();
    let found: Vec<_> = diags.iter().filter(|d| d.code == code).collect();
    assert!(!found.is_empty(), "no {code} in {diags:#?}");
    let d = found[0].clone();
    let errors = diags.iter().any(|d| d.severity == "error");
    assert_eq!(status, if errors { 1 } else { 0 }, "exit status for {diags:#?}");
    d
}

/// Location just after the first `prefix` in the file.
fn after(kb: &Kb, file: &str, prefix: &str) -> (String, u64, u64) {
    let (f, l, c) = at(kb, file, prefix);
    (f, l, c + prefix.len() as u64)
}

/// Location of `needle` in the file as the fixture wrote it.
fn at(kb: &Kb, file: &str, needle: &str) -> (String, u64, u64) {
    let (l, c) = locate(&kb.read(file), needle, 0);
    (file.to_string(), l, c)
}

#[test]
fn the_base_fixture_is_clean() {
    let (status, diags) = base().check_json();
    assert_eq!(status, 0);
    assert!(diags.is_empty(), "{diags:#?}");
}

#[test]
fn pb001_yaml_syntax() {
    let kb = base();
    kb.write("rules/bad.yaml", "components:\n  - id: x\n    title: X\n   - id: y\n");
    let d = expect(&kb, "PB001");
    assert_eq!((d.file.as_str(), d.line), ("rules/bad.yaml", 4));
}

#[test]
fn pb002_wrong_type() {
    let kb = base();
    kb.write("rules/bad.yaml", "components:\n  - id: x\n    title: [1, 2]\n");
    let d = expect(&kb, "PB002");
    assert_eq!(d.at(), at(&kb, "rules/bad.yaml", "[1, 2]"));
}

#[test]
fn pb002_bad_enum_value() {
    let kb = base();
    kb.write("rules/bad.yaml", "components:\n  - id: x\n    title: X\n    kind: gadget\n");
    let d = expect(&kb, "PB002");
    assert_eq!(d.at(), at(&kb, "rules/bad.yaml", "gadget"));
}

#[test]
fn pb003_unknown_key() {
    let kb = base();
    kb.write("rules/bad.yaml", "components:\n  - id: x\n    title: X\n    colour: red\n");
    let d = expect(&kb, "PB003");
    assert_eq!(d.at(), at(&kb, "rules/bad.yaml", "colour"));
    assert!(d.message.contains("colour"));
}

#[test]
fn pb004_duplicate_id_across_files() {
    let kb = base();
    kb.write("rules/more.yaml", "components:\n  - id: app\n    title: Again\n    sources: [{title: t}]\n");
    let d = expect(&kb, "PB004");
    assert_eq!(d.at(), at(&kb, "rules/more.yaml", "app"));
}

#[test]
fn pb005_unknown_component_points_into_the_condition() {
    let kb = base();
    kb.edit("rules/base.yaml", "    when: app\n", "    when: os@v1 and apq\n");
    let d = expect(&kb, "PB005");
    assert_eq!(d.at(), at(&kb, "rules/base.yaml", "apq"));
    assert_eq!(d.hint.as_deref(), Some("did you mean `app`?"));
}

#[test]
fn pb006_unknown_version() {
    let kb = base();
    kb.edit("rules/base.yaml", "action: upgrade os@v2", "action: upgrade os@v3");
    let d = expect(&kb, "PB006");
    assert_eq!(d.at(), at(&kb, "rules/base.yaml", "v3"));
    assert!(d.hint.as_deref().unwrap_or("").contains("`v1` < `v2`"));
}

#[test]
fn pb007_bad_condition() {
    let kb = base();
    kb.edit("rules/base.yaml", "applies_to: os@v1 and not app", "applies_to: \"os@v1 and (not app\"");
    let d = expect(&kb, "PB007");
    // The parser wants a `)` at the end of the string: the column right after `app`.
    let (file, line, col) = at(&kb, "rules/base.yaml", "not app\"");
    assert_eq!(d.at(), (file, line, col + "not app".len() as u64));
}

#[test]
fn pb008_bad_action() {
    let kb = base();
    kb.edit("rules/base.yaml", "action: install feat", "action: explode feat");
    let d = expect(&kb, "PB008");
    assert_eq!(d.at(), at(&kb, "rules/base.yaml", "explode"));
}

#[test]
fn pb009_unknown_host() {
    let kb = base();
    kb.edit(
        "rules/base.yaml",
        "        host: h\n        action: install feat",
        "        host: hh\n        action: install feat",
    );
    let d = expect(&kb, "PB009");
    assert_eq!(d.at(), at(&kb, "rules/base.yaml", "hh"));
}

#[test]
fn pb010_bad_duration() {
    let kb = base();
    kb.edit("rules/base.yaml", "duration: 30m", "duration: soon");
    let d = expect(&kb, "PB010");
    assert_eq!(d.at(), at(&kb, "rules/base.yaml", "soon"));
}

#[test]
fn pb011_outcome_mismatch_points_at_the_blocked_step() {
    let kb = base();
    kb.edit("rules/base.yaml", "applies_to: os@v1 and not app", "applies_to: os@v1");
    let d = expect(&kb, "PB011");
    assert_eq!(d.at(), after(&kb, "rules/base.yaml", "action: "));
    assert!(d.message.contains("declared `supported` but simulates as `blocked`"), "{}", d.message);
    assert!(d.notes.iter().any(|n| n.contains("starting state: os@v1, app")), "{:?}", d.notes);
}

#[test]
fn pb012_prerequisite_paradox() {
    let kb = base();
    // Swap the two steps: the feature before the OS it needs.
    let text = kb.read("rules/base.yaml");
    let i = text.find("      - id: s1").unwrap();
    let j = text.find("      - id: s2").unwrap();
    let swapped = format!("{}{}{}", &text[..i], &text[j..], &text[i..j]);
    kb.write("rules/base.yaml", swapped);
    let d = expect(&kb, "PB012");
    assert_eq!(d.at(), after(&kb, "rules/base.yaml", "action: "));
    assert!(d.message.contains("only the later step `s1` provides it"), "{}", d.message);
}

#[test]
fn pb013_rules_that_interact_past_the_budget() {
    // A blocker whose condition pairs every `a` with a `b` while `applies_to` mentions all the
    // `a`s first: the classic diagram that grows with every pair. Under a tiny budget it is
    // refused, naming the step and the rule.
    let kb = base();
    let n = 8;
    let comps: String =
        (0..n).map(|i| format!("  - {{id: a{i}, title: A{i}}}\n  - {{id: b{i}, title: B{i}}}\n")).collect();
    let any_a: Vec<String> = (0..n).map(|i| format!("a{i}")).collect();
    let pairs: Vec<String> = (0..n).map(|i| format!("(a{i} and b{i})")).collect();
    kb.write(
        "rules/pairs.yaml",
        format!(
            "components:\n{comps}blockers:\n  - id: pairs\n    title: Pairs\n    severity: hard\n    blocks: install feat\n    when: {}\n    sources: [{{title: t}}]\n",
            pairs.join(" or ")
        ),
    );
    kb.edit(
        "rules/base.yaml",
        "applies_to: os@v1 and not app",
        &format!("applies_to: os@v1 and not app and ({})", any_a.join(" or ")),
    );
    kb.write("book.toml", "[book]\ntitle = \"F\"\n[check]\nmax-nodes = 40\n");
    let d = expect(&kb, "PB013");
    assert_eq!(d.at(), at(&kb, "rules/base.yaml", "os@v1 and not app"));
    assert!(d.notes.iter().any(|n| n.contains("blocker `pairs`")), "names the rule: {d:?}");
    // With the default budget the same catalog is decided.
    kb.write("book.toml", "[book]\ntitle = \"F\"\n");
    let (_, diags) = kb.check_json();
    assert!(diags.iter().all(|d| d.code != "PB013"), "{diags:#?}");
}

#[test]
fn max_states_is_read_with_a_warning_that_it_no_longer_limits_anything() {
    let kb = base();
    kb.write("book.toml", "[book]\ntitle = \"F\"\n[check]\nmax-states = 2\n");
    let (status, diags) = kb.check_json();
    assert_eq!(status, 0);
    let d = diags.iter().find(|d| d.code == "PB020").expect("a warning");
    assert_eq!((d.severity.as_str(), d.line), ("warning", 4));
}

#[test]
fn pb014_article_recommends_a_failing_path() {
    let kb = base();
    // The path now admits servers with `app` and declares itself blocked there.
    kb.edit("rules/base.yaml", "applies_to: os@v1 and not app", "applies_to: os@v1");
    kb.edit("rules/base.yaml", "outcome: supported", "outcome: [{when: app, expect: blocked}, {expect: supported}]");
    kb.write("content/fine.md", "---\ntitle: Fine\napplies_to: not app\nrecommends: [up]\n---\n\nUse it.\n");
    kb.write("content/guide.md", "---\ntitle: Guide\napplies_to: os@v1\nrecommends: [up]\n---\n\nUse it.\n");
    let d = expect(&kb, "PB014");
    assert_eq!(d.at(), at(&kb, "content/guide.md", "up]"));
    assert!(d.notes.iter().any(|n| n.contains("app-blocks")), "{:?}", d.notes);
    let (_, diags) = kb.check_json();
    assert_eq!(diags.iter().filter(|d| d.code == "PB014").count(), 1, "fine.md is scoped right: {diags:#?}");
}

#[test]
fn pb015_unexplained_blocker_is_a_warning() {
    let kb = base();
    kb.edit("rules/base.yaml", "        rules: [blocker:app-blocks]\n", "");
    let d = expect(&kb, "PB015");
    assert_eq!(d.severity, "warning");
    assert_eq!(d.at(), at(&kb, "rules/base.yaml", "app-blocks"));
    // Warnings fail only with --deny-warnings.
    assert_eq!(kb.run(&["check", "--deny-warnings"]).status.code(), Some(1));
}

#[test]
fn pb016_prerequisite_cycle() {
    let kb = base();
    kb.write(
        "rules/cycle.yaml",
        "prerequisites:\n  - id: a-needs-b\n    title: A needs B\n    for: install app\n    requires: feat\n    sources: [{title: t}]\n  - id: b-needs-a\n    title: B needs A\n    for: install feat\n    requires: app\n    sources: [{title: t}]\n",
    );
    let d = expect(&kb, "PB016");
    assert_eq!(d.file, "rules/cycle.yaml");
    assert!(d.message.contains("app") && d.message.contains("feat"), "{}", d.message);
    assert!(
        [locate(&kb.read("rules/cycle.yaml"), "a-needs-b", 0), locate(&kb.read("rules/cycle.yaml"), "b-needs-a", 0)]
            .contains(&(d.line, d.column))
    );
}

#[test]
fn pb017_condition_that_never_holds() {
    let kb = base();
    kb.edit("rules/base.yaml", "    when: app\n", "    when: app and not app\n");
    let d = expect(&kb, "PB017");
    assert_eq!(d.at(), at(&kb, "rules/base.yaml", "app and not app"));
}

#[test]
fn pb017_a_rule_the_constraints_make_impossible_and_one_no_path_triggers() {
    let kb = base();
    // Every real host with the app runs v2; a blocker for the app on v1 can never fire.
    kb.write(
        "rules/more.yaml",
        "constraints:\n  - require: not app or os@v2\n    why: the app only runs on v2\nblockers:\n  - id: app-on-v1\n    title: App on v1\n    severity: hard\n    blocks: upgrade os@v2\n    when: app and os@v1\n    sources: [{title: t}]\n  - id: never-removed\n    title: Never removed\n    severity: warning\n    blocks: remove feat\n    sources: [{title: t}]\n",
    );
    let (_, diags) = kb.check_json();
    let impossible = diags
        .iter()
        .find(|d| d.code == "PB017" && d.message.contains("`app-on-v1` can never hold on a real host"))
        .unwrap_or_else(|| panic!("{diags:#?}"));
    assert_eq!(impossible.at(), at(&kb, "rules/more.yaml", "app and os@v1"));
    assert!(impossible.notes.iter().any(|n| n.contains("constraints")), "{impossible:?}");
    let untriggered = diags
        .iter()
        .find(|d| d.code == "PB017" && d.message.contains("`never-removed` never fires"))
        .unwrap_or_else(|| panic!("{diags:#?}"));
    assert_eq!(untriggered.at(), at(&kb, "rules/more.yaml", "remove feat"));
}

#[test]
fn a_procedure_no_path_uses_is_still_checked_at_each_mistake() {
    let kb = base();
    kb.write(
        "rules/procs.yaml",
        "procedures:\n  - id: unused\n    title: Unused\n    steps:\n      - id: a\n        title: A\n        action: install brtfs\n        duration: 5q\n        rules: [blocker:no-such-blocker]\n",
    );
    let (status, diags) = kb.check_json();
    assert_eq!(status, 1);
    let find = |code: &str| diags.iter().find(|d| d.code == code).unwrap_or_else(|| panic!("no {code}: {diags:#?}"));
    assert_eq!(find("PB005").at(), at(&kb, "rules/procs.yaml", "brtfs"));
    assert_eq!(find("PB010").at(), at(&kb, "rules/procs.yaml", "5q"));
    assert_eq!(find("PB018").at(), at(&kb, "rules/procs.yaml", "blocker:no-such-blocker"));
}

#[test]
fn pb018_dangling_rule_link_in_an_article() {
    let kb = base();
    kb.write("content/guide.md", "---\ntitle: Guide\n---\n\nSee [the blocker](blocker:app-blcks).\n");
    let d = expect(&kb, "PB018");
    assert_eq!(d.at(), at(&kb, "content/guide.md", "blocker:app-blcks"));
    assert_eq!(d.hint.as_deref(), Some("did you mean `blocker:app-blocks`?"));
}

#[test]
fn pb018_anchor_that_does_not_exist() {
    let kb = base();
    kb.write("content/guide.md", "---\ntitle: Guide\n---\n\nSee [step](path:up#s9).\n");
    let d = expect(&kb, "PB018");
    assert_eq!(d.at(), at(&kb, "content/guide.md", "path:up#s9"));
}

#[test]
fn pb019_non_utf8_file_points_at_the_byte() {
    let kb = base();
    kb.write("rules/latin1.yaml", b"components:\n  - id: x\n    title: Caf\xe9\n".as_slice());
    let d = expect(&kb, "PB019");
    assert_eq!(d.at(), ("rules/latin1.yaml".to_string(), 3, 15));
}

#[test]
fn pb020_config_unknown_key() {
    let kb = base();
    kb.write("book.toml", "[book]\ntitle = \"F\"\n\n[build]\nbuild-dri = \"out\"\n");
    let d = expect(&kb, "PB020");
    assert_eq!(d.at(), at(&kb, "book.toml", "build-dri"));
}

#[test]
fn pb021_article_without_front_matter() {
    let kb = base();
    kb.write("content/guide.md", "# Guide\n\nNo front matter.\n");
    let d = expect(&kb, "PB021");
    assert_eq!(d.at(), ("content/guide.md".to_string(), 1, 1));
}

#[test]
fn pb021_unknown_front_matter_key() {
    let kb = base();
    kb.write("content/guide.md", "---\ntitle: Guide\nauthor: me\n---\nText\n");
    let (_, diags) = kb.check_json();
    let d = diags.iter().find(|d| d.message.contains("author")).expect("unknown key reported");
    assert_eq!(d.code, "PB003");
    assert_eq!(d.at(), at(&kb, "content/guide.md", "author"));
}

#[test]
fn pb022_missing_sources() {
    let kb = base();
    kb.edit("rules/base.yaml", "    when: app\n    sources: [{title: t}]\n", "    when: app\n");
    let d = expect(&kb, "PB022");
    assert_eq!(d.at(), at(&kb, "rules/base.yaml", "app-blocks"));
}

#[test]
fn pb023_link_escaping_the_content_directory() {
    let kb = base();
    kb.write("content/guide.md", "---\ntitle: Guide\n---\n\n[secrets](../../etc/passwd.md)\n");
    let d = expect(&kb, "PB023");
    assert_eq!(d.at(), at(&kb, "content/guide.md", "../../etc/passwd.md"));
}

#[test]
fn pb024_deep_nesting() {
    let kb = base();
    let deep = format!("components: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    kb.write("rules/deep.yaml", deep);
    let d = expect(&kb, "PB024");
    assert_eq!((d.file.as_str(), d.line), ("rules/deep.yaml", 1));
}

#[test]
fn pb025_template_that_does_not_parse() {
    let kb = base();
    kb.write(
        "theme/templates/blocker.html",
        "{% extends \"base.html\" %}\n{% block content %}\n  {% if %}\n{% endblock content %}\n",
    );
    let d = expect(&kb, "PB025");
    assert_eq!((d.file.as_str(), d.line), ("theme/templates/blocker.html", 3));
}

#[test]
fn pb026_assistant_with_too_many_combinations() {
    let kb = base();
    let answers: String = (0..13).map(|i| format!("        - {{id: a{i}, label: A{i}, sets: [feat]}}\n")).collect();
    kb.write(
        "rules/assistant.yaml",
        format!(
            "assistant:\n  base: [os@v1]\n  questions:\n    - id: small\n      text: Small?\n      answers:\n        - {{id: y, label: Y}}\n        - {{id: n, label: N}}\n    - id: features\n      text: Which?\n      multiple: true\n      answers:\n{answers}"
        ),
    );
    let d = expect(&kb, "PB026");
    // 2 × 2^13 = 16384 > 4096: it points at the question that multiplies the space the most.
    assert_eq!(d.at(), at(&kb, "rules/assistant.yaml", "features"));
    assert!(d.message.contains("16384 combinations"), "{}", d.message);
    let out = kb.run(&["check"]);
    let human = String::from_utf8_lossy(&out.stderr);
    assert!(human.contains("`features` (any of 13 answers → 8192)"), "{human}");
    assert!(human.contains("max_combinations"), "{human}");
}

#[test]
fn pb027_heading_id_outside_the_safe_set() {
    let kb = base();
    kb.write("content/guide.md", "---\ntitle: Guide\n---\n\n## Notes {#notes\"x}\n");
    let d = expect(&kb, "PB027");
    assert_eq!(d.at(), at(&kb, "content/guide.md", "{#notes"));
}

#[test]
fn pb028_code_block_too_large_to_highlight() {
    let kb = base();
    let line = format!("Get-Item {}\n", "x".repeat(5000));
    kb.write("content/guide.md", format!("---\ntitle: Guide\n---\n\nText.\n\n```powershell\n{line}```\n"));
    let d = expect(&kb, "PB028");
    assert_eq!(d.severity, "warning");
    assert_eq!(d.at(), at(&kb, "content/guide.md", "```powershell"));
}

#[test]
fn pb029_two_things_at_one_address() {
    let kb = base();
    kb.write("content/guide.md", "---\ntitle: Guide\ntags: [Upgrade, upgrade]\n---\n\nText.\n");
    let d = expect(&kb, "PB029");
    assert_eq!(d.at(), at(&kb, "content/guide.md", "upgrade]"));
}

#[test]
fn every_code_has_a_fixture() {
    // Keep this list in step with the tests above: adding a code means adding its fixture.
    let covered = [
        "PB001", "PB002", "PB003", "PB004", "PB005", "PB006", "PB007", "PB008", "PB009", "PB010", "PB011", "PB012",
        "PB013", "PB014", "PB015", "PB016", "PB017", "PB018", "PB019", "PB020", "PB021", "PB022", "PB023", "PB024",
        "PB025", "PB026", "PB027", "PB028", "PB029",
    ];
    let all: Vec<&str> = pathbook::diag::Code::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(all, covered);
}

// ----- hostile input ----------------------------------------------------------------------------

fn assert_located_failure(kb: &Kb, file: &str) -> Vec<common::Diag> {
    let (status, diags) = kb.check_json();
    assert_eq!(status, 1, "{diags:#?}");
    let d = diags.iter().find(|d| d.file == file).unwrap_or_else(|| panic!("no diagnostic for {file}: {diags:#?}"));
    assert!(d.line >= 1 && d.column >= 1);
    diags
}

#[test]
fn alias_bomb_is_refused() {
    let kb = base();
    let mut bomb = String::from(
        "---\ntitle: Bomb\nextra:\n  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (name, prev) in [("b", "a"), ("c", "b"), ("d", "c"), ("e", "d"), ("f", "e"), ("g", "f"), ("h", "g"), ("i", "h")]
    {
        bomb.push_str(&format!("  {name}: &{name} [{}]\n", vec![format!("*{prev}"); 9].join(",")));
    }
    bomb.push_str("---\nBody\n");
    kb.write("content/bomb.md", bomb);
    let start = std::time::Instant::now();
    let diags = assert_located_failure(&kb, "content/bomb.md");
    assert!(diags.iter().any(|d| d.code == "PB024"), "{diags:#?}");
    // Not a timing assertion on speed: a bomb that expanded would take minutes and gigabytes.
    assert!(start.elapsed().as_secs() < 60);
}

#[test]
fn deep_block_nesting_is_refused() {
    let kb = base();
    let deep: String = (0..10_000).map(|i| format!("{}- \n", " ".repeat(i * 2))).collect();
    kb.write("rules/deep.yaml", format!("components:\n{deep}"));
    assert_located_failure(&kb, "rules/deep.yaml");
}

#[test]
fn empty_file_is_reported() {
    let kb = base();
    kb.write("rules/empty.yaml", "");
    let diags = assert_located_failure(&kb, "rules/empty.yaml");
    assert!(diags.iter().any(|d| d.code == "PB019" && d.message.contains("empty")));
}

#[cfg(unix)]
#[test]
fn symlink_loop_is_reported() {
    let kb = base();
    std::os::unix::fs::symlink(".", kb.path().join("rules/loop")).unwrap();
    let diags = assert_located_failure(&kb, "rules/loop");
    assert!(diags.iter().any(|d| d.code == "PB019" && d.message.contains("symlink loop")), "{diags:#?}");
}

#[test]
fn missing_book_toml_is_a_usage_error_that_points_at_init() {
    let kb = base();
    kb.remove("book.toml");
    for command in [&["check"][..], &["check", "--format", "json"], &["build"], &["list"], &["plan", "--env", "x.yaml"]]
    {
        let out = kb.run(command);
        assert_eq!(out.status.code(), Some(2), "{command:?}: a usage error, as documented");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("no `book.toml`") && err.contains("pathbook init"), "{command:?}: {err}");
        assert!(!err.contains("-->"), "{command:?}: no snippet of a file that does not exist: {err}");
    }
    assert!(!kb.path().join("book").exists(), "nothing was written");
}

#[test]
fn malformed_yaml_does_not_hide_other_files() {
    let kb = base();
    kb.write("rules/bad.yaml", "components: [\n");
    kb.write("rules/other.yaml", "components:\n  - id: y\n    title: Y\n    colour: blue\n");
    let (status, diags) = kb.check_json();
    assert_eq!(status, 1);
    assert!(diags.iter().any(|d| d.file == "rules/bad.yaml"));
    assert!(diags.iter().any(|d| d.file == "rules/other.yaml" && d.code == "PB003"));
}

#[test]
fn a_file_that_does_not_parse_does_not_cascade_into_unknown_ids() {
    let kb = base();
    // The blocker's file breaks; the path's reference to it must not be reported as well.
    let text = kb.read("rules/base.yaml");
    let (rules, paths) = text.split_at(text.find("paths:").unwrap());
    kb.write("rules/base.yaml", format!("{rules}  - id: [broken\n"));
    kb.write("rules/paths.yaml", paths);
    let (status, diags) = kb.check_json();
    assert_eq!(status, 1);
    assert!(diags.iter().all(|d| d.file == "rules/base.yaml"), "{diags:#?}");
}

#[test]
fn hostile_strings_in_ids_are_rejected_with_a_location() {
    let kb = base();
    kb.write("rules/bad.yaml", "components:\n  - id: \"<script>alert(1)</script>\"\n    title: X\n");
    let d = expect(&kb, "PB002");
    assert_eq!(d.at(), at(&kb, "rules/bad.yaml", "<script>"));
}

#[test]
fn human_output_is_rustc_style() {
    let kb = base();
    kb.edit("rules/base.yaml", "    when: app\n", "    when: os@v1 and apq\n");
    let out = kb.run(&["check", "--color", "never"]);
    let err = String::from_utf8_lossy(&out.stderr);
    let (l, c) = locate(&kb.read("rules/base.yaml"), "apq", 0);
    assert!(err.contains("error[PB005]: unknown component `apq`"), "{err}");
    assert!(err.contains(&format!("--> rules/base.yaml:{l}:{c}")), "{err}");
    assert!(err.contains("help: did you mean `app`?"), "{err}");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn usage_errors_exit_2() {
    let kb = base();
    assert_eq!(kb.run(&["check", "--format", "xml"]).status.code(), Some(2));
    assert_eq!(kb.run(&["explain", "PB999"]).status.code(), Some(2));
    let out = kb.run(&["explain", "pb011"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("PB011: "));
}

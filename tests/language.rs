//! The condition language, construct by construct, through `pathbook check`: each one
//! evaluates (a path whose outcome depends on it checks clean, and the opposite claim is
//! caught with a counterexample), and each one written wrong is a located error.

mod common;

use common::Kb;

/// A catalog where a blocker's condition decides whether the upgrade is blocked. `{WHEN}` is
/// the construct under test; the path claims `blocked` exactly when it holds.
const TEMPLATE: &str = r#"components:
  - id: os
    title: OS
    kind: os
    versions: [v1, v2]
    lifecycle:
      v1: {released: 2010-01-01, support_ends: 2020-01-01}
      v2: {released: 2019-01-01, support_ends: 2090-01-01}
    sources: [{title: t}]
  - id: tpm
    title: TPM
    kind: hardware
    sources: [{title: t}]
facts:
  - id: ram
    title: Memory
    type: number
    unit: GB
    kind: hardware
  - id: cpu
    title: Processor family
    type: enum
    values: [a, b, c]
  - id: repos
    title: Enabled repositories
    type: set
    values: [x, y, z]
lists:
  - id: good-cpus
    title: Supported processors
    of: cpu
    values: [a, b]
conditions:
  - id: eligible
    title: Meets the requirements
    when: tpm and ram >= 4GB
blockers:
  - id: stop
    title: The construct stops the upgrade
    severity: hard
    blocks: upgrade os@v2
    when: {WHEN}
    sources: [{title: t}]
paths:
  - id: up
    title: Upgrade in place
    applies_to: os@v1
    outcome:
      - when: {WHEN}
        expect: {FIRST}
      - expect: {SECOND}
    sources: [{title: t}]
    steps:
      - id: upgrade
        title: Upgrade
        action: upgrade os@v2
        rules: [blocker:stop]
"#;

fn catalog(when: &str, first: &str, second: &str) -> String {
    TEMPLATE.replace("{WHEN}", when).replace("{FIRST}", first).replace("{SECOND}", second)
}

/// The 1-based line of the blocker's `when:` in the template.
fn when_line() -> u64 {
    TEMPLATE.lines().position(|l| l == "    when: {WHEN}").expect("the blocker's when") as u64 + 1
}

#[test]
fn each_construct_evaluates_and_the_opposite_claim_is_caught() {
    let constructs = [
        "not tpm",
        "ram < 4GB",
        "ram < 4096 MB",
        "not ram >= 0.004 TB",
        "cpu in (c)",
        "not cpu in good-cpus",
        "cpu != a and cpu != b",
        "repos has x",
        "repos has any (x, y)",
        "repos has all (x, y)",
        "not eligible",
        "os is end-of-life and not tpm",
    ];
    for when in constructs {
        let kb = Kb::new();
        kb.write("book.toml", "[book]\ntitle = \"Fixture\"\n[check]\nas-of = \"2026-11-26\"\n");
        kb.write("rules/catalog.yaml", catalog(when, "blocked", "supported"));
        let (code, diags) = kb.check_json();
        let errors: Vec<_> = diags.iter().filter(|d| d.severity == "error").collect();
        assert!(code == 0 && errors.is_empty(), "`{when}` should check clean: {errors:#?}");

        kb.write("rules/catalog.yaml", catalog(when, "supported", "blocked"));
        let (code, diags) = kb.check_json();
        assert_eq!(code, 1, "`{when}`: the opposite claim must fail");
        let mismatch = diags.iter().find(|d| d.code == "PB011").unwrap_or_else(|| panic!("`{when}`: {diags:#?}"));
        assert!(
            mismatch.notes.iter().any(|n| n.contains("starting state")),
            "`{when}`: a counterexample is given: {mismatch:#?}"
        );
    }
}

#[test]
fn each_construct_written_wrong_is_located() {
    // (condition, diagnostic code, what the message or hint must mention)
    let wrong = [
        ("ram < 4MHz", "PB007", "hertz"),
        ("ram < 4 parsecs", "PB007", "`parsecs` is not a unit"),
        ("cpu in (a, d)", "PB006", "`d` is not a value of `cpu`"),
        ("cpu in bad-cpus", "PB018", "did you mean `good-cpus`"),
        ("repos has w", "PB006", "`w` is not a value of `repos`"),
        ("repos > 3", "PB007", "repos has"),
        ("os is dead", "PB007", "end-of-life"),
        ("os@v9", "PB006", "declared versions"),
        ("eligble", "PB005", "did you mean `eligible`"),
        ("tpm and", "PB007", "found the end"),
    ];
    for (when, code, mention) in wrong {
        let kb = Kb::new();
        kb.write("rules/catalog.yaml", catalog(when, "blocked", "supported"));
        let (exit, diags) = kb.check_json();
        assert_eq!(exit, 1, "`{when}` must fail");
        let d = diags
            .iter()
            .find(|d| d.code == code && d.line == when_line())
            .unwrap_or_else(|| panic!("`{when}`: no {code} at line {}: {diags:#?}", when_line()));
        assert!(d.column >= 11, "`{when}`: the column points into the condition: {d:?}");
        let said = format!("{} {}", d.message, d.hint.clone().unwrap_or_default());
        assert!(said.contains(mention), "`{when}`: {said}");
    }
}

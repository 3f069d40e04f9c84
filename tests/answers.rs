//! What the built site and the runbooks tell a reader, checked against what the rules say:
//! support matrices (versions, explicit cells, impossible cells, none at all), one badge per
//! outcome kind, and Markdown runbooks whose links work outside the site.

mod common;

use std::path::Path;

use common::Kb;
use scraper::{Html, Selector};

/// A hardware-eligibility domain in miniature: an OS whose version 2 needs a TPM, an app that
/// breaks on it, and a constraint (version 2 never runs on a machine without firmware).
const CATALOG: &str = r#"components:
  - id: os
    title: OS
    kind: os
    versions: [v1, v2]
    sources: [{title: t}]
  - id: tpm
    title: TPM
    kind: hardware
    sources: [{title: t}]
  - id: firmware
    title: UEFI firmware
    kind: firmware
    sources: [{title: t}]
  - id: legacy-app
    title: Legacy app
    sources: [{title: t}]
constraints:
  - require: not os@v2 or firmware
    why: v2 only boots from UEFI
blockers:
  - id: needs-tpm
    title: v2 needs a TPM
    severity: hard
    blocks: upgrade os@v2
    when: not tpm
    sources: [{title: t}]
  - id: needs-uefi
    title: v2 needs UEFI
    severity: hard
    blocks: upgrade os@v2
    when: not firmware
    sources: [{title: t}]
  - id: legacy-app-breaks
    title: The legacy app breaks on v2
    severity: breaks
    blocks: upgrade os@v2
    when: legacy-app
    breaks: [legacy-app]
    sources: [{title: t}]
  - id: v1-apps-unsupported
    title: Apps installed on v1 are out of support
    severity: unsupported
    blocks: install legacy-app
    when: os@v1
    sources: [{title: t}]
paths:
  - id: upgrade
    title: Upgrade in place
    applies_to: os@v1
    outcome:
      - when: tpm and firmware and not legacy-app
        expect: supported
      - when: tpm and firmware
        expect: broken
      - expect: blocked
    sources: [{title: t}]
    steps:
      - id: up
        title: Upgrade the OS
        action: upgrade os@v2
        rules: [blocker:needs-tpm, blocker:needs-uefi, blocker:legacy-app-breaks]
  - id: stay
    title: Stay on v1 forever
    applies_to: os@v1 and not tpm
    outcome: unsupported
    sources: [{title: t}]
    steps:
      - id: app
        title: Install the app anyway
        action: install legacy-app
"#;

const MATRIX: &str = r#"matrices:
  - title: Can this machine take v2
    summary: Each kind of machine against the upgrade.
    rows:
      - {label: Modern PC, has: [os@v1, tpm, firmware]}
      - {label: Old BIOS PC with a TPM, has: [os@v1, tpm]}
      - {label: Modern PC with the legacy app, has: [os@v1, tpm, firmware, legacy-app]}
      - {label: Already on v2 without UEFI, has: [os@v2]}
      - {label: Already on v2, has: [os@v2, firmware]}
    columns:
      - {label: In place, path: upgrade}
      - {label: The bare OS upgrade, action: upgrade os@v2}
  - title: OS versions on eligible hardware
    component: legacy-app
    platform: os
    with: [tpm, firmware]
"#;

fn kb(with_matrix: bool) -> Kb {
    let kb = Kb::new();
    kb.write("rules/catalog.yaml", CATALOG);
    if with_matrix {
        kb.write("rules/matrices.yaml", MATRIX);
    }
    kb
}

fn build(kb: &Kb) -> std::path::PathBuf {
    let out = kb.path().join("site");
    let o = kb.run(&["build", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

fn page(out: &Path, rel: &str) -> Html {
    Html::parse_document(&std::fs::read_to_string(out.join(rel)).unwrap_or_else(|_| panic!("no {rel}")))
}

fn text(e: scraper::ElementRef) -> String {
    e.text().collect::<Vec<_>>().join(" ").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The first table's cells, row by row, as text.
fn cells(doc: &Html, table: usize) -> Vec<Vec<String>> {
    let t = doc.select(&Selector::parse("table.matrix").unwrap()).nth(table).expect("a matrix table");
    t.select(&Selector::parse("tbody tr").unwrap())
        .map(|r| r.select(&Selector::parse("td").unwrap()).map(text).collect())
        .collect()
}

#[test]
fn explicit_cells_name_every_deciding_rule_and_say_which_hosts_cannot_exist() {
    let kb = kb(true);
    let out = build(&kb);
    let doc = page(&out, "matrix.html");
    let rows = cells(&doc, 0);
    assert_eq!(rows.len(), 5);
    // A compliant machine works: no rule stops it (the old matrix said Blocked for compliant
    // hardware because it only ever looked at the column's component).
    assert!(rows[0][0].starts_with("Supported"), "{:?}", rows[0]);
    assert!(rows[0][1].starts_with("Supported"), "{:?}", rows[0]);
    // Without UEFI: blocked, and the cell names the rule.
    assert!(rows[1][0].starts_with("Blocked") && rows[1][0].contains("v2 needs UEFI"), "{:?}", rows[1]);
    // The legacy app: broken, named.
    assert!(rows[2][0].starts_with("Broken") && rows[2][0].contains("legacy app breaks"), "{:?}", rows[2]);
    // v2 without UEFI violates the constraint: impossible, with the catalog's reason.
    assert!(
        rows[3].iter().all(|c| c.starts_with("Impossible") && c.contains("v2 only boots from UEFI")),
        "{:?}",
        rows[3]
    );
    // Already on v2: the path does not apply (it is for v1).
    assert!(rows[4][0].starts_with("Does not apply"), "{:?}", rows[4]);

    // The versions form with `with`: on eligible hardware, upgrading the OS under the app is
    // Broken (not Blocked), and the cell names the rule.
    let upgrade = cells(&doc, 2);
    assert!(upgrade[0][0].starts_with("Broken") && upgrade[0][0].contains("legacy app breaks"), "{upgrade:?}");
    let caption = text(doc.select(&Selector::parse("table.matrix caption").unwrap()).nth(1).unwrap());
    assert!(caption.contains("tpm") && caption.contains("firmware"), "{caption}");
}

#[test]
fn every_rule_that_decides_a_cell_is_named_not_only_the_first() {
    let kb = kb(true);
    kb.write(
        "rules/matrices.yaml",
        "matrices:\n  - title: Old machine\n    rows:\n      - {label: No TPM and no UEFI, has: [os@v1]}\n    columns:\n      - {label: Upgrade, action: upgrade os@v2}\n",
    );
    let out = build(&kb);
    let row = &cells(&page(&out, "matrix.html"), 0)[0];
    assert!(row[0].contains("v2 needs a TPM") && row[0].contains("v2 needs UEFI"), "{row:?}");
}

#[test]
fn a_catalog_without_matrices_has_no_matrix_page_and_no_link_to_one() {
    let kb = kb(false);
    let out = build(&kb);
    assert!(!out.join("matrix.html").exists());
    for entry in walkdir::WalkDir::new(&out).into_iter().flatten() {
        if entry.path().extension().is_some_and(|e| e == "html") {
            let html = std::fs::read_to_string(entry.path()).unwrap();
            assert!(!html.contains("matrix.html"), "{} links the missing matrix", entry.path().display());
        }
    }
}

#[test]
fn a_matrix_column_with_both_a_path_and_an_action_is_a_located_error() {
    let kb = kb(false);
    kb.write(
        "rules/matrices.yaml",
        "matrices:\n  - title: Bad\n    rows:\n      - {label: A, has: [os@v1]}\n    columns:\n      - {label: Both, path: upgrade, action: upgrade os@v2}\n      - {label: Nowhere, path: no-such-path}\n",
    );
    let (code, diags) = kb.check_json();
    assert_eq!(code, 1);
    let both = diags.iter().find(|d| d.message.contains("exactly one of `path` or `action`")).expect("{diags:?}");
    assert_eq!((both.line, both.column), (6, 17), "at the column's label: {both:?}");
    let missing = diags.iter().find(|d| d.message.contains("no path `no-such-path`")).expect("the unknown path");
    assert!(missing.file.ends_with("matrices.yaml") && missing.line == 7, "{missing:?}");
}

#[test]
fn each_outcome_kind_has_its_own_badge() {
    let kb = kb(false);
    let out = build(&kb);
    let big = Selector::parse(".badge.big").unwrap();
    let badge = |rel: &str| text(page(&out, rel).select(&big).next().expect("a badge"));
    // Cases that differ with one of them supported: conditional, never "Supported".
    assert_eq!(badge("paths/upgrade.html"), "Conditional");
    // Unsupported is its own word, not "Does not work".
    assert_eq!(badge("paths/stay.html"), "Unsupported");
}

#[test]
fn markdown_runbooks_link_to_the_published_site_or_say_the_text() {
    let kb = Kb::shipped();
    let md = |kb: &Kb| {
        let o = kb.run(&["runbook", "in-place-os-upgrade", "--format", "md"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let plain = md(&kb);
    assert!(!plain.contains("](article:") && !plain.contains("](path:"), "no dead catalog links");
    assert!(plain.contains("recovering after an in-place upgrade"), "the link text stays");

    let toml = kb.read("book.toml");
    let with_url = if toml.contains("[site]") {
        toml.replace("[site]", "[site]\nsite-url = \"https://kb.example.com/exchange/\"")
    } else {
        format!("{toml}\n[site]\nsite-url = \"https://kb.example.com/exchange/\"\n")
    };
    kb.write("book.toml", with_url);
    let linked = md(&kb);
    assert!(
        linked.contains(
            "[recovering after an in-place upgrade](<https://kb.example.com/exchange/articles/recover-after-in-place-upgrade.html>)"
        ),
        "{}",
        linked.lines().filter(|l| l.contains("recovering")).collect::<Vec<_>>().join("\n")
    );
    // Code blocks are not links and stay as written.
    assert_eq!(plain.matches("```").count(), linked.matches("```").count());
}

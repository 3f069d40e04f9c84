//! Runbooks: the site's pages, the standalone files and the printed PDFs, checked against the
//! catalog they come from.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Kb, repo};
use pathbook::Project;
use pathbook::eval;
use pathbook::model::{Catalog, MigrationPath, PrereqIdx};
use scraper::{Html, Selector};

fn build(root: &Path, out: &Path) {
    let o = Command::new(common::BIN).arg("--root").arg(root).args(["build", "--out"]).arg(out).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn texts(doc: &Html, css: &str) -> Vec<String> {
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel).map(|e| e.text().collect::<String>().trim().to_string()).collect()
}

/// Every prerequisite the evaluator finds in scope for some starting state of the path.
fn prerequisites_in_scope(cat: &Catalog, path: &MigrationPath) -> BTreeSet<PrereqIdx> {
    let states = pathbook::verify::starting_states(cat, path, 1 << 16)
        .unwrap()
        .into_iter()
        .map(|mut h| h.remove(0))
        .collect::<Vec<_>>();
    states.iter().flat_map(|s| eval::simulate(cat, path, s).in_scope.into_iter().map(|(_, p)| p)).collect()
}

#[test]
fn every_shipped_runbook_has_its_steps_in_order_the_right_total_and_every_prerequisite() {
    let project = Project::check(&repo());
    let cat = &project.catalog;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    build(&repo(), &out);
    for path in &cat.paths {
        let file = out.join(format!("runbooks/{}.html", path.id));
        let doc = Html::parse_document(&std::fs::read_to_string(&file).unwrap());
        let titles = texts(&doc, ".rb-step-title");
        let expected: Vec<String> = path.steps.iter().map(|s| s.title.clone()).collect();
        assert_eq!(titles, expected, "{}: step titles in order", path.id);
        let numbers = texts(&doc, ".rb-step .rb-n");
        assert_eq!(numbers, (1..=path.steps.len()).map(|n| format!("{n}.")).collect::<Vec<_>>());
        // The total is the sum of the steps' estimates.
        let total = Selector::parse(".rb-total").unwrap();
        let minutes: u32 = doc.select(&total).next().unwrap().value().attr("data-minutes").unwrap().parse().unwrap();
        let sum: u32 = path.steps.iter().filter_map(|s| s.duration).sum();
        assert_eq!(minutes, sum, "{}", path.id);
        assert!(sum > 0);
        // Every prerequisite in scope is on the checklist, linked.
        let links = Selector::parse(".rb-checklist a").unwrap();
        let listed: BTreeSet<String> =
            doc.select(&links).filter_map(|a| a.value().attr("href").map(str::to_string)).collect();
        let wanted = prerequisites_in_scope(cat, path);
        assert!(!wanted.is_empty() || path.is_anti_path(), "{} has prerequisites in scope", path.id);
        for p in wanted {
            let href = format!("../prerequisites/{}.html", cat.prerequisites[p.idx()].id);
            assert!(listed.contains(&href), "{}: prerequisite {href} missing from {listed:?}", path.id);
        }
        // Each step has a checkbox and boxes for initials and time; a sign-off table closes it.
        assert_eq!(doc.select(&Selector::parse(".rb-step .box").unwrap()).count(), path.steps.len());
        assert_eq!(doc.select(&Selector::parse(".rb-step .rb-signoff-line").unwrap()).count(), path.steps.len());
        assert_eq!(texts(&doc, ".rb-signoff tbody th"), ["Implemented by", "Verified by", "Approved by"]);
        // The back-out plan lists the rollbacks last step first.
        let backout = texts(&doc, ".rb-backout-item > strong");
        let with_rollback: Vec<String> = path
            .steps
            .iter()
            .enumerate()
            .rev()
            .filter(|(_, s)| !s.rollback.is_empty())
            .map(|(i, _)| format!("Undo step {}", i + 1))
            .collect();
        assert_eq!(backout, with_rollback, "{}", path.id);
        // The path page links here.
        let page = std::fs::read_to_string(out.join(format!("paths/{}.html", path.id))).unwrap();
        assert!(page.contains(&format!("href=\"../runbooks/{}.html\"", path.id)));
    }
}

#[test]
fn the_print_all_page_keeps_ids_unique_and_links_in_page() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    build(&repo(), &out);
    let html = std::fs::read_to_string(out.join("runbooks/all.html")).unwrap();
    let doc = Html::parse_document(&html);
    let sel = Selector::parse("[id]").unwrap();
    let mut seen = HashMap::new();
    for e in doc.select(&sel) {
        let id = e.value().attr("id").unwrap().to_string();
        *seen.entry(id).or_insert(0) += 1;
    }
    let dupes: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(dupes.is_empty(), "duplicate ids: {dupes:?}");
    let anchors = Selector::parse("a[href^='#']").unwrap();
    let mut count = 0;
    for a in doc.select(&anchors) {
        let target = &a.value().attr("href").unwrap()[1..];
        assert!(seen.contains_key(target), "in-page link to missing #{target}");
        count += 1;
    }
    assert!(count > 40, "back-out items and the contents link in-page ({count})");
    assert!(seen.contains_key("rebuild-same-hardware--step-4"));
}

#[test]
fn the_revision_changes_when_a_rule_changes_and_only_then() {
    let kb = Kb::shipped();
    let revision = |kb: &Kb, name: &str| {
        let out = kb.path().join(name);
        build(kb.path(), &out);
        let doc =
            Html::parse_document(&std::fs::read_to_string(out.join("runbooks/rebuild-same-hardware.html")).unwrap());
        texts(&doc, ".rb-revision").remove(0)
    };
    let first = revision(&kb, "a");
    assert_eq!(revision(&kb, "b"), first, "same catalog, same revision");
    kb.edit(
        "rules/blockers.yaml",
        "summary: Check with each vendor before the operating system changes under their software.",
        "summary: Check with each vendor first.",
    );
    let changed = revision(&kb, "c");
    assert_ne!(changed, first);
    assert_eq!(changed.len(), 12);
}

#[test]
fn markdown_runbook_is_a_checklist() {
    let o = Command::new(common::BIN)
        .arg("--root")
        .arg(repo())
        .args(["runbook", "new-server-move-mailbox", "--format", "md"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let md = String::from_utf8(o.stdout).unwrap();
    let project = Project::check(&repo());
    let path = project.catalog.path("new-server-move-mailbox").unwrap();
    let mut at = 0;
    for (i, s) in path.steps.iter().enumerate() {
        let line = format!("- [ ] **{}. {}**", i + 1, s.title);
        let found = md[at..].find(&line).unwrap_or_else(|| panic!("missing or out of order: {line}"));
        at += found;
    }
    assert!(md.contains("## Sign-off") && md.contains("| Approved by | | | |"));
    assert!(md.contains("## Back-out plan"));
    // The Markdown parses as task lists.
    let parser = pulldown_cmark::Parser::new_ext(&md, pulldown_cmark::Options::ENABLE_TASKLISTS);
    let tasks = parser.filter(|e| matches!(e, pulldown_cmark::Event::TaskListMarker(false))).count();
    assert!(tasks >= path.steps.len());
}

#[test]
fn unknown_path_and_missing_chromium_are_usage_errors() {
    let o = Command::new(common::BIN).arg("--root").arg(repo()).args(["runbook", "no-such-path"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("paths: new-server-move-mailbox"));
    let o = Command::new(common::BIN)
        .arg("--root")
        .arg(repo())
        .args(["runbook", "rebuild-same-hardware", "--format", "pdf", "-o", "/tmp/never.pdf"])
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no Chromium found") && err.contains("apt-get install chromium"), "{err}");
}

#[test]
fn standalone_html_needs_nothing_else() {
    let o = Command::new(common::BIN)
        .arg("--root")
        .arg(repo())
        .args(["runbook", "rebuild-same-hardware", "--format", "html"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let html = String::from_utf8(o.stdout).unwrap();
    let doc = Html::parse_document(&html);
    let external = Selector::parse("link[rel=stylesheet], script[src]").unwrap();
    assert_eq!(doc.select(&external).count(), 0, "CSS and highlighting are inlined");
    assert!(html.contains(".hl-"), "highlighting CSS travels with the file");
    let links = Selector::parse("a[href]").unwrap();
    for a in doc.select(&links) {
        let href = a.value().attr("href").unwrap();
        assert!(
            href.starts_with('#') || href.starts_with("https://") || href.starts_with("http://"),
            "dangling link {href}"
        );
    }
}

// ----- printing -----------------------------------------------------------------------------------

fn have(tool: &str) -> bool {
    Command::new(tool).arg("-v").output().is_ok()
}

/// Code lines from a step's Markdown: what an engineer types.
fn commands(md: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_code = false;
    for line in md.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code && !line.trim().is_empty() {
            out.push(line.trim().to_string());
        }
    }
    out
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// A word of a PDF and its box: `(text, xmin, ymin, xmax, ymax)`.
type Word = (String, f64, f64, f64, f64);

/// Per page, the lowest edge of body text (below the running header, above the footer), as
/// a fraction of the page height: how far down the page the content reaches.
fn filled(pdf: &Path) -> Vec<f64> {
    let o = Command::new("pdftotext").arg("-bbox").arg(pdf).arg("-").output().unwrap();
    let doc = Html::parse_document(&String::from_utf8_lossy(&o.stdout));
    let num = |e: &scraper::ElementRef, a: &str| e.value().attr(a).unwrap_or("0").parse::<f64>().unwrap_or(0.0);
    let mut out = Vec::new();
    for p in doc.select(&Selector::parse("page").unwrap()) {
        let h = num(&p, "height");
        let bottom = p
            .select(&Selector::parse("word").unwrap())
            .filter(|w| num(w, "ymin") > 50.0 && num(w, "ymax") < h - 50.0)
            .map(|w| num(&w, "ymax"))
            .fold(0.0, f64::max);
        out.push(bottom / h);
    }
    out
}

/// `(page width, page height, words)` from `pdftotext -bbox`.
fn words(pdf: &Path) -> (f64, f64, Vec<Word>) {
    let o = Command::new("pdftotext").arg("-bbox").arg(pdf).arg("-").output().unwrap();
    let html = String::from_utf8_lossy(&o.stdout).to_string();
    let doc = Html::parse_document(&html);
    let page = Selector::parse("page").unwrap();
    let word = Selector::parse("word").unwrap();
    let mut dims = (0.0, 0.0);
    let mut out = Vec::new();
    let num = |e: &scraper::ElementRef, a: &str| e.value().attr(a).unwrap_or("0").parse::<f64>().unwrap_or(0.0);
    for p in doc.select(&page) {
        dims = (num(&p, "width"), num(&p, "height"));
        for w in p.select(&word) {
            out.push((w.text().collect(), num(&w, "xmin"), num(&w, "ymin"), num(&w, "xmax"), num(&w, "ymax")));
        }
    }
    (dims.0, dims.1, out)
}

#[test]
fn runbooks_print_to_pdf_on_a4_and_letter_with_nothing_cut_off() {
    let chromium = pathbook::pdf::find_chromium(None);
    if chromium.is_err() || !have("pdftotext") || !have("pdftoppm") {
        let msg = "printing tests need chromium and poppler-utils (apt-get install chromium poppler-utils)";
        assert!(std::env::var_os("CI").is_none(), "{msg}");
        eprintln!("SKIPPED: {msg}");
        return;
    }
    let project = Project::check(&repo());
    let artifacts = common::browser::artifacts().join("runbooks");
    std::fs::create_dir_all(&artifacts).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for path in &project.catalog.paths {
        for (paper, (w, h)) in [("a4", (595.0, 842.0)), ("letter", (612.0, 792.0))] {
            let pdf: PathBuf = dir.path().join(format!("{}-{paper}.pdf", path.id));
            let o = Command::new(common::BIN)
                .arg("--root")
                .arg(repo())
                .args(["runbook", &path.id, "--format", "pdf", "--paper", paper, "-o"])
                .arg(&pdf)
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            let (pw, ph, words) = words(&pdf);
            assert!((pw - w).abs() < 2.0 && (ph - h).abs() < 2.0, "{} {paper}: page is {pw}x{ph}", path.id);
            // Nothing runs off the paper.
            for (text, x0, y0, x1, y1) in &words {
                assert!(
                    *x0 >= 0.0 && *x1 <= pw + 0.5 && *y0 >= 0.0 && *y1 <= ph + 0.5,
                    "{} {paper}: `{text}` is off the page",
                    path.id
                );
            }
            // The continuation mark is print decoration, not part of a command.
            let all = squash(&words.iter().map(|w| w.0.as_str()).collect::<Vec<_>>().join("")).replace('↩', "");
            for s in &path.steps {
                assert!(all.contains(&squash(&s.title)), "{} {paper}: step title `{}` missing", path.id, s.title);
                for c in commands(&s.instructions.text) {
                    assert!(all.contains(&squash(&c)), "{} {paper}: command `{c}` missing or cut", path.id);
                }
            }
            assert!(all.contains("Page1of"), "{} {paper}: page numbers in the running footer", path.id);
            // Every page says which catalog it came from, and a failing path says so on every
            // page, not only the first.
            let pages = Command::new("pdftotext").arg(&pdf).arg("-").output().unwrap();
            let text = String::from_utf8_lossy(&pages.stdout).into_owned();
            for (n, page) in text.split('\u{c}').filter(|p| !p.trim().is_empty()).enumerate() {
                assert!(page.contains("catalog "), "{} {paper}: page {} has no catalog revision", path.id, n + 1);
                assert_eq!(
                    page.contains("do not run"),
                    path.is_anti_path(),
                    "{} {paper}: page {}: the warning follows the path's outcome",
                    path.id,
                    n + 1
                );
            }
            // A command too long for the paper breaks after a space and says it goes on.
            let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
            for s in &path.steps {
                for c in commands(&s.instructions.text).iter().filter(|c| c.chars().count() > 66) {
                    let marked = lines.iter().any(|l| {
                        l.ends_with('↩')
                            && !l.trim_end_matches('↩').trim().is_empty()
                            && squash(c).starts_with(&squash(l.trim_end_matches('↩')))
                    });
                    assert!(marked, "{} {paper}: `{c}` wraps without a continuation mark", path.id);
                }
            }
            // Every back-out number prints whole: "Undo step 10", not ".0".
            let html = dir.path().join(format!("{}.html", path.id));
            let o = Command::new(common::BIN)
                .arg("--root")
                .arg(repo())
                .args(["runbook", &path.id, "-o"])
                .arg(&html)
                .output()
                .unwrap();
            assert!(o.status.success());
            let doc = Html::parse_document(&std::fs::read_to_string(&html).unwrap());
            for n in texts(&doc, ".rb-backout-item .rb-n") {
                assert!(all.contains(&format!("Undostep{n}—")), "{} {paper}: back-out step {n} is cut", path.id);
            }
            // Steps continue across pages rather than leave half a page empty.
            let fill = filled(&pdf);
            for (n, f) in fill.iter().enumerate().take(fill.len().saturating_sub(1)) {
                assert!(
                    *f >= 0.5,
                    "{} {paper}: page {} of {} is more than half blank ({f:.2} filled)",
                    path.id,
                    n + 1,
                    fill.len()
                );
            }
            if paper == "a4" {
                let prefix = artifacts.join(&path.id);
                let o = Command::new("pdftoppm").args(["-png", "-r", "50"]).arg(&pdf).arg(&prefix).output().unwrap();
                assert!(o.status.success());
            }
        }
    }
}

/// Collapses runs of whitespace, as a reader sees text.
fn words_of(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn steps_that_depend_on_earlier_steps_say_so_in_every_form_of_the_runbook() {
    let kb = Kb::new();
    kb.write("rules/catalog.yaml", common::STEPWISE_CATALOG);
    let o = kb.run_here(&["build"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = |rel: &str| Html::parse_document(&kb.read(&format!("book/{rel}")));
    let facts = |doc: &Html, css: &str| -> Vec<(String, String)> {
        let dl = Selector::parse(css).unwrap();
        let (dt, dd) = (Selector::parse("dt").unwrap(), Selector::parse("dd").unwrap());
        let list = doc.select(&dl).next().unwrap_or_else(|| panic!("no {css}"));
        let terms = list.select(&dt).map(|e| words_of(&e.text().collect::<String>()));
        terms.zip(list.select(&dd).map(|e| words_of(&e.text().collect::<String>()))).collect()
    };
    let fact = |facts: &[(String, String)], term: &str| {
        facts.iter().find(|(t, _)| t == term).map(|(_, d)| d.clone()).unwrap_or_else(|| panic!("no {term}: {facts:?}"))
    };

    // The path page: each step's own condition and undo window; the diagram stars the three
    // conditional steps; no "about 0 min" when no step gives a duration.
    let path = page("paths/fix-then-upgrade.html");
    let convert = facts(&path, "#convert .step-facts");
    assert!(fact(&convert, "Only if").starts_with("partition-style = mbr"), "{convert:?}");
    assert!(fact(&convert, "Undo window").starts_with("none"), "{convert:?}");
    let uefi = facts(&path, "#switch-to-uefi .step-facts");
    assert!(fact(&uefi, "Only if").starts_with("not uefi"), "{uefi:?}");
    assert_eq!(fact(&uefi, "Undo window"), "2 d after the step; later it cannot be rolled back");
    assert!(!facts(&path, "#upgrade .step-facts").iter().any(|(t, _)| t == "Only if"));
    assert_eq!(texts(&path, ".flow-when").len(), 3);
    let head = texts(&path, ".entity-head .muted").join(" ");
    assert!(head.contains("4 steps") && !head.contains("min"), "{head}");

    // The runbook page.
    let rb = page("runbooks/fix-then-upgrade.html");
    let steps: Vec<Vec<(String, String)>> =
        (1..=4).map(|n| facts(&rb, &format!(".rb-step[data-step='{n}'] .rb-step-facts"))).collect();
    assert!(fact(&steps[0], "Only if").starts_with("partition-style = mbr — check just before this step"));
    assert!(fact(&steps[2], "Only if").starts_with("not tpm"));
    assert_eq!(fact(&steps[0], "Undo window"), "none: once done, this step cannot be rolled back");
    assert_eq!(texts(&rb, ".rb-no-way-back").len(), 1, "only the step with no way back is marked");
    assert_eq!(texts(&rb, ".rb-undo-window").len(), 2, "both back-out entries give their window");
    assert!(texts(&rb, ".rb-total").is_empty(), "no total without estimates");
    let estimate = texts(&rb, ".rb-facts tr").into_iter().find(|t| t.starts_with("Time estimate"));
    assert!(estimate.as_deref().is_some_and(|t| t.contains("none given")), "{estimate:?}");
    let prereqs = texts(&rb, ".rb-prereq").into_iter().map(|t| words_of(&t)).collect::<Vec<_>>();
    let line = |title: &str| prereqs.iter().find(|p| p.starts_with(title)).cloned().unwrap_or_default();
    assert!(line("The converter needs an MBR disk").ends_with("(holds whenever step 1 runs: nothing to check)"));
    assert!(line("UEFI boots only from a GPT disk").contains("(established by step 1)"), "{prereqs:?}");
    assert!(line("Setup needs room").ends_with("(not established by this runbook — check it now)"));
    let blockers = texts(&rb, ".rb-blockers li").into_iter().map(|t| words_of(&t)).collect::<Vec<_>>();
    assert_eq!(blockers, ["Hard block The hardware is not ready (cleared by step 2 or step 3)"]);

    // The Markdown checklist says the same.
    let o = kb.run_here(&["runbook", "fix-then-upgrade", "--format", "md"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let md = String::from_utf8(o.stdout).unwrap();
    for expected in [
        "- Total time estimate: none given (4 steps, none with a duration)",
        "needs `partition-style = mbr` (holds whenever step 1 runs: nothing to check)",
        "needs `partition-style = gpt` (established by step 1)",
        "- The hardware is not ready [Hard block] (cleared by step 2 or step 3)",
        "  - Only if, just before this step: `partition-style = mbr`",
        "  - Only if, just before this step: `not uefi`",
        "  - Undo window: none: once done, this step cannot be rolled back",
        "   Undo window: 2 d after the step; later it cannot be rolled back.",
    ] {
        assert!(md.contains(expected), "missing {expected:?} in\n{md}");
    }
    assert!(!md.contains("bypass"), "a blocker of another method is not this path's:\n{md}");
}

/// What a path page's header says the path takes, worked out by brute force: every starting
/// state simulated, the estimates of the steps that run summed, over the states that get to
/// the end. `None` when the path has too many states to list.
fn time_by_brute_force(cat: &Catalog, path: &MigrationPath, host: &str) -> Option<String> {
    use pathbook::model::{Outcome, format_minutes};
    let limit = 200_000;
    let states = pathbook::verify::starting_states(cat, path, limit)?;
    if states.len() == limit {
        return None;
    }
    let totals: Vec<u32> = states
        .iter()
        .map(|starts| eval::simulate_hosts(cat, path, starts, &[]))
        .filter(|sim| sim.outcome != Outcome::Blocked)
        .map(|sim| sim.applicable_steps().iter().filter_map(|&i| path.steps[i].duration).sum())
        .collect();
    Some(match (totals.iter().min(), totals.iter().max()) {
        (Some(lo), Some(hi)) if lo != hi => {
            format!("{} to {}, depending on the {host}", format_minutes(*lo), format_minutes(*hi))
        }
        (Some(lo), _) => format!("about {}", format_minutes(*lo)),
        (None, _) => format!("about {}", format_minutes(path.total_minutes())),
    })
}

#[test]
fn a_path_pages_time_estimate_is_exact_over_the_hosts_that_get_to_the_end() {
    // The fixture's steps, each with an estimate: which run depends on the machine.
    let stepwise = Kb::new();
    stepwise.write("rules/catalog.yaml", common::STEPWISE_CATALOG);
    for (action, duration) in [
        ("set partition-style = gpt", "30m"),
        ("install uefi", "15m"),
        ("install tpm", "10m"),
        ("upgrade os@2 via assistant", "1h"),
    ] {
        let line = format!("        action: {action}\n");
        stepwise.edit("rules/catalog.yaml", &line, &format!("{line}        duration: {duration}\n"));
    }
    let mut compared = Vec::new();
    for root in [repo(), stepwise.path().to_path_buf()] {
        let project = Project::check(&root);
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        build(&root, &out);
        for path in &project.catalog.paths {
            let expected = time_by_brute_force(&project.catalog, path, "server")
                .unwrap_or_else(|| panic!("{}: too many states to list", path.id));
            let doc =
                Html::parse_document(&std::fs::read_to_string(out.join(format!("paths/{}.html", path.id))).unwrap());
            let head = texts(&doc, ".entity-head .muted").join(" ");
            assert!(head.ends_with(&format!("steps · {expected}")), "{}: {head:?}, expected {expected:?}", path.id);
            compared.push(expected);
        }
    }
    assert_eq!(compared.len(), 4 + 1);
    // The fixture: only the upgrade on a ready machine, all four on an MBR disk without TPM.
    assert_eq!(compared[4], "1 h to 1 h 55 min, depending on the server");
}

//! Incremental updates must give exactly the site a full build gives. Each test edits a copy
//! of the shipped knowledge base through a session and compares every file with a fresh build.

mod common;

use std::path::PathBuf;

use common::Kb;
use pathbook::session::{Session, UpdateKind};

/// Every file of the session's site equals the file of a fresh build of the same sources.
fn assert_same_as_fresh(s: &Session, what: &str) {
    let fresh = Session::open(&s.root);
    assert!(fresh.fresh, "{what}: a fresh build fails: {:?}", fresh.project.diags.items);
    let mut a: Vec<&String> = s.pages.keys().collect();
    let mut b: Vec<&String> = fresh.pages.keys().collect();
    a.sort();
    b.sort();
    assert_eq!(a, b, "{what}: different sets of files");
    let different: Vec<&String> = a.iter().copied().filter(|p| s.pages[*p] != fresh.pages[*p]).collect();
    assert!(different.is_empty(), "{what}: stale after the incremental update: {different:?}");
}

/// An edit as `serve` handles it: update the pages, then (after the browser reloads)
/// re-index the site for search.
fn edit(kb: &Kb, s: &mut Session, file: &str, from: &str, to: &str) -> pathbook::session::Update {
    kb.edit(file, from, to);
    let u = s.update(&[kb.path().join(file)]);
    s.refresh_search();
    u
}

#[test]
fn the_search_index_follows_an_edit_once_the_page_has_reloaded() {
    let kb = Kb::shipped();
    let mut s = Session::open(kb.path());
    let article = "content/clustered-mailbox-servers.md";
    let has_word = |s: &Session| {
        s.pages.iter().any(|(p, b)| p.starts_with("assets/search/t") && String::from_utf8_lossy(b).contains("zanzibar"))
    };
    assert!(!has_word(&s));
    kb.edit(
        article,
        "cannot run nodes on two\nWindows versions",
        "cannot run nodes on two\nWindows versions in zanzibar",
    );
    let u = s.update(&[kb.path().join(article)]);
    assert!(u.ok && u.kind == UpdateKind::Articles);
    assert!(!has_word(&s), "the page comes first; the index is redone after it");
    assert!(s.refresh_search(), "an edit makes the index stale");
    assert!(has_word(&s));
    assert!(!s.refresh_search(), "nothing left to redo");
    assert_same_as_fresh(&s, "after re-indexing");
}

#[test]
fn article_edits_take_the_fast_path_and_match_a_full_build() {
    let kb = Kb::shipped();
    let mut s = Session::open(kb.path());
    assert!(s.fresh);
    let article = "content/clustered-mailbox-servers.md";

    // A body edit.
    let u = edit(
        &kb,
        &mut s,
        article,
        "cannot run nodes on two\nWindows versions",
        "cannot run nodes on two\nWindows versions at once",
    );
    assert_eq!(u.kind, UpdateKind::Articles);
    assert!(u.ok && u.rendered < 20, "a body edit re-renders a handful of files, not {}", u.rendered);
    assert_same_as_fresh(&s, "body edit");

    // A title change: lists, tags, neighbours and everything linking here change too.
    let u = edit(
        &kb,
        &mut s,
        article,
        "title: Clustered mailbox servers (SCC and CCR)",
        "title: Clustered mailbox servers, SCC and CCR",
    );
    assert_eq!(u.kind, UpdateKind::Articles);
    assert_same_as_fresh(&s, "title edit");

    // A new link: the target's "Referenced by" gains this article.
    let u = edit(
        &kb,
        &mut s,
        article,
        "## What does not",
        "See also [PowerShell](blocker:powershell-blocks-os-upgrade).\n\n## What does not",
    );
    assert_eq!(u.kind, UpdateKind::Articles);
    assert_same_as_fresh(&s, "new link");

    // Tags and weight.
    let u = edit(&kb, &mut s, article, "tags: [clustering]", "tags: [clustering, new-tag]\n");
    assert!(u.ok);
    assert_same_as_fresh(&s, "tags");
    let u = edit(&kb, &mut s, article, "weight: 30", "weight: 2");
    assert!(u.ok);
    assert_same_as_fresh(&s, "weight");
}

#[test]
fn a_broken_edit_keeps_the_last_good_site_and_the_fix_restores_it() {
    let kb = Kb::shipped();
    let mut s = Session::open(kb.path());
    let before = s.pages.clone();
    let article = "content/choosing-a-path.md";
    let u = edit(&kb, &mut s, article, "[Why](in-place-upgrade-story.md)", "[Why](blocker:nope)");
    assert!(!u.ok && !s.fresh);
    let d = s.project.diags.items.iter().find(|d| d.is_error()).expect("an error");
    assert_eq!(s.project.sources.locate(d.span).file, article);
    assert_eq!(*s.pages, *before, "the last good site stays served");
    let u = edit(&kb, &mut s, article, "[Why](blocker:nope)", "[Why](in-place-upgrade-story.md)");
    assert!(u.ok && s.fresh, "{:?}", s.project.diags.items);
    assert!(!s.has_errors());
    assert_same_as_fresh(&s, "after the fix");
}

#[test]
fn removing_a_heading_that_others_link_to_is_reported_where_the_link_is() {
    let kb = Kb::shipped();
    let mut s = Session::open(kb.path());
    // recover-after-in-place-upgrade.md links to in-place-upgrade-story.md#wall-three-nothing-repairs-it.
    let u =
        edit(&kb, &mut s, "content/in-place-upgrade-story.md", "## Wall three: nothing repairs it", "## Wall three");
    assert_eq!(u.kind, UpdateKind::Articles);
    assert!(!u.ok);
    let files: Vec<String> = s.project.diags.items.iter().map(|d| s.project.sources.locate(d.span).file).collect();
    assert!(files.contains(&"content/recover-after-in-place-upgrade.md".to_string()), "{files:?}");
}

#[test]
fn rule_and_theme_edits_match_a_full_build() {
    let kb = Kb::shipped();
    let mut s = Session::open(kb.path());
    let u = edit(
        &kb,
        &mut s,
        "rules/blockers.yaml",
        "Check with each vendor before the operating system changes under their software.",
        "Ask each vendor first.",
    );
    assert_eq!(u.kind, UpdateKind::Full);
    assert!(u.ok);
    assert_same_as_fresh(&s, "rule edit");
    let u = edit(
        &kb,
        &mut s,
        "themes/default/templates/blocker.html",
        "<h2 id=\"symptoms\">Symptoms</h2>",
        "<h2 id=\"symptoms\">What you see</h2>",
    );
    assert_eq!(u.kind, UpdateKind::Theme);
    assert!(u.ok);
    assert!(std::str::from_utf8(&s.pages["blockers/mixed-os-cluster.html"]).unwrap().contains("What you see"));
    assert_same_as_fresh(&s, "theme edit");
}

#[test]
fn adding_and_removing_articles_and_unchanged_saves() {
    let kb = Kb::shipped();
    let mut s = Session::open(kb.path());
    kb.write(
        "content/new-one.md",
        "---\ntitle: A new article\ntags: [start-here]\n---\n\nHello [there](choosing-a-path.md).\n",
    );
    let u = s.update(&[kb.path().join("content/new-one.md")]);
    assert_eq!(u.kind, UpdateKind::Full);
    assert!(s.pages.contains_key("articles/new-one.html"));
    assert_same_as_fresh(&s, "added");
    let touched: PathBuf = kb.path().join("content/new-one.md");
    let u = s.update(std::slice::from_ref(&touched));
    assert_eq!(u.kind, UpdateKind::Unchanged, "saving without changes re-renders nothing");
    std::fs::remove_file(&touched).unwrap();
    let u = s.update(&[touched]);
    assert_eq!(u.kind, UpdateKind::Full);
    assert!(!s.pages.contains_key("articles/new-one.html"));
    assert_same_as_fresh(&s, "removed");
    let u = s.update(&[kb.path().join("content/.choosing-a-path.md.swp"), kb.path().join("book/index.html")]);
    assert_eq!(u.kind, UpdateKind::Unchanged, "editor droppings and output files are ignored");
}

#[test]
fn the_first_tag_changes_every_pages_navigation_in_a_live_session() {
    let kb = common::Kb::new();
    for i in 0..3 {
        kb.write(&format!("content/note-{i}.md"), format!("---\ntitle: Note {i}\n---\n\nText {i}.\n"));
    }
    let mut s = Session::open(kb.path());
    assert!(s.fresh, "{:?}", s.project.diags.items);
    let tags_link = |s: &Session| String::from_utf8_lossy(&s.pages["articles/note-0.html"]).contains(">Tags</a>");
    assert!(!tags_link(&s));
    let u = edit(&kb, &mut s, "content/note-2.md", "title: Note 2\n", "title: Note 2\ntags: [restore]\n");
    assert!(u.ok);
    assert!(tags_link(&s), "a page the edit did not touch links the tags now");
    assert_same_as_fresh(&s, "first tag");
    let u = edit(&kb, &mut s, "content/note-2.md", "tags: [restore]\n", "");
    assert!(u.ok);
    assert!(!tags_link(&s));
    assert_same_as_fresh(&s, "last tag gone");
}

#[test]
fn a_live_session_orders_numbered_titles_as_a_full_build_does() {
    let kb = common::Kb::new();
    for t in ["Package 10", "Package 2", "Package 1"] {
        let slug = t.to_lowercase().replace(' ', "-");
        kb.write(&format!("content/{slug}.md"), format!("---\ntitle: {t}\n---\n\nText.\n"));
    }
    let mut s = Session::open(kb.path());
    assert!(s.fresh, "{:?}", s.project.diags.items);
    // Package 2 moves past Package 10: the neighbours on both sides change.
    let u = edit(&kb, &mut s, "content/package-2.md", "title: Package 2\n", "title: Package 11\n");
    assert!(u.ok && u.kind == UpdateKind::Articles);
    assert!(String::from_utf8_lossy(&s.pages["articles/package-10.html"]).contains("Package 11 →"));
    assert_same_as_fresh(&s, "a numbered title moved");
}

//! `pathbook serve` as an author uses it: edit, see it; break it, see why; fix it, see it gone.

mod common;

use std::time::Duration;

use common::Kb;
use common::server::{Launch, Server};

const ARTICLE: &str = "content/choosing-a-path.md";

#[test]
fn edits_show_up_and_broken_edits_show_an_overlay_until_fixed() {
    let kb = Kb::shipped();
    let server = Server::start(&kb);
    let (status, page) = server.get("/articles/choosing-a-path.html");
    assert_eq!(status, 200);
    assert!(page.contains("Three paths get Exchange 2007 SP1"));
    assert!(page.contains("/__pathbook/live.js"), "pages carry the live-reload script");
    assert_eq!(server.get("/").0, 200);
    assert_eq!(server.get("/no/such/page.html").0, 404);

    // An edit shows up without a restart.
    kb.edit(ARTICLE, "Three paths get Exchange 2007 SP1", "Three tested paths get Exchange 2007 SP1");
    let took = server
        .wait(5, "the edit to be served", |s| s.get("/articles/choosing-a-path.html").1.contains("Three tested paths"));
    eprintln!("edit visible after {took:?}");
    let generation = server.status()["generation"].as_u64().unwrap();

    // A broken reference: the overlay data names the file and line; the old page stays.
    kb.edit(ARTICLE, "[Why](in-place-upgrade-story.md)", "[Why](blocker:no-such-blocker)");
    server.wait(5, "the error to be reported", |s| !s.status()["errors"].as_array().unwrap().is_empty());
    let status = server.status();
    let e = &status["errors"][0];
    let (line, col) = common::locate(&kb.read(ARTICLE), "blocker:no-such-blocker", 0);
    assert_eq!(e["file"], ARTICLE);
    assert_eq!((e["line"].as_u64(), e["column"].as_u64()), (Some(line), Some(col)));
    assert_eq!(e["code"], "PB018");
    assert!(
        e["rendered"].as_str().unwrap().contains(&format!("--> {ARTICLE}:{line}:{col}")),
        "rendered like the terminal"
    );
    let page = server.get("/articles/choosing-a-path.html").1;
    assert!(
        page.contains("Three tested paths") && !page.contains("no-such-blocker"),
        "the last good page is still served"
    );
    assert_eq!(status["generation"].as_u64(), Some(generation));
    assert!(server.log().iter().any(|l| l.contains("error[PB018]")), "the terminal shows the same diagnostics");

    // The fix clears the errors and publishes a new generation.
    kb.edit(ARTICLE, "[Why](blocker:no-such-blocker)", "[Why](in-place-upgrade-story.md)");
    server.wait(5, "the fix", |s| {
        let st = s.status();
        st["errors"].as_array().unwrap().is_empty() && st["generation"].as_u64() > Some(generation)
    });
}

#[test]
fn a_rename_save_and_a_vim_save_each_trigger_exactly_one_rebuild() {
    let kb = Kb::shipped();
    let server = Server::start(&kb);
    let builds = |s: &Server| s.status()["builds"].as_u64().unwrap();
    let path = kb.path().join(ARTICLE);
    let dir = path.parent().unwrap().to_path_buf();

    // Write-to-temp-and-rename (most editors, and `sed -i`).
    let b0 = builds(&server);
    let text = kb.read(ARTICLE).replace("## At a glance", "## At a glance (renamed save)");
    let tmp = dir.join(".choosing-a-path.md.tmp1234");
    std::fs::write(&tmp, &text).unwrap();
    std::fs::rename(&tmp, &path).unwrap();
    server.wait(5, "the rebuild", |s| builds(s) > b0);
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(builds(&server), b0 + 1, "one rebuild for a rename-save");
    assert!(server.get("/articles/choosing-a-path.html").1.contains("At a glance (renamed save)"));

    // Vim with backups: probe file 4913, rename the original to a backup, write, delete backup.
    let b1 = builds(&server);
    std::fs::write(dir.join("4913"), "").unwrap();
    std::fs::remove_file(dir.join("4913")).unwrap();
    let backup = dir.join("choosing-a-path.md~");
    std::fs::rename(&path, &backup).unwrap();
    std::fs::write(&path, text.replace("(renamed save)", "(vim save)")).unwrap();
    std::fs::remove_file(&backup).unwrap();
    server.wait(5, "the rebuild", |s| builds(s) > b1);
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(builds(&server), b1 + 1, "one rebuild for a vim save");
    assert!(server.get("/articles/choosing-a-path.html").1.contains("At a glance (vim save)"));
}

#[test]
fn ctrl_c_stops_cleanly() {
    let kb = Kb::shipped();
    let mut server = Server::start(&kb);
    assert_eq!(server.get("/").0, 200);
    let status = server.interrupt();
    assert!(status.success(), "exit status {status:?}");
    let leftovers: Vec<_> = std::fs::read_dir(kb.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".pathbook") || n == "book")
        .collect();
    assert!(leftovers.is_empty(), "serve leaves nothing behind: {leftovers:?}");
}

#[test]
fn rule_edits_and_theme_edits_are_served_too() {
    let kb = Kb::shipped();
    let server = Server::start(&kb);
    kb.edit(
        "rules/blockers.yaml",
        "title: Failover clusters cannot mix Windows Server 2003 and 2008 nodes",
        "title: Failover clusters cannot mix 2003 and 2008 nodes",
    );
    server.wait(10, "the rule edit", |s| {
        s.get("/blockers/mixed-os-cluster.html").1.contains("cannot mix 2003 and 2008 nodes")
    });
    kb.edit(
        "themes/default/templates/blocker.html",
        "<h2 id=\"resolution\">Resolution</h2>",
        "<h2 id=\"resolution\">What to do</h2>",
    );
    server.wait(10, "the template edit", |s| s.get("/blockers/mixed-os-cluster.html").1.contains("What to do"));
}

/// Live preview shipped broken for a relative root: the watcher reports absolute paths and
/// they were compared with `./content`. Every way of naming the root must rebuild on an edit.
#[test]
fn every_way_of_naming_the_root_rebuilds_on_an_edit() {
    for how in [Launch::RelativeRoot, Launch::AbsoluteRoot] {
        let kb = Kb::shipped();
        let server = Server::launch(&kb, how);
        assert!(server.get("/articles/choosing-a-path.html").1.contains("Three paths get Exchange 2007 SP1"));
        kb.edit(ARTICLE, "Three paths get Exchange 2007 SP1", "Three checked paths get Exchange 2007 SP1");
        server.wait(10, &format!("the edit to be served ({how:?})"), |s| {
            s.get("/articles/choosing-a-path.html").1.contains("Three checked paths")
        });
        // A rule edit takes the other path through the session.
        let before = server.status()["generation"].as_u64().unwrap();
        kb.edit("rules/blockers.yaml", "title: Windows PowerShell blocks", "title: PowerShell 1.0 blocks");
        server.wait(10, &format!("the rule edit to be served ({how:?})"), |s| {
            s.status()["generation"].as_u64() > Some(before)
                && s.get("/blockers/powershell-blocks-os-upgrade.html").1.contains("PowerShell 1.0 blocks")
        });
    }
}

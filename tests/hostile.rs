//! Hostile input, one case per class of harm: output that could delete what pathbook did not
//! write, input read from outside the project, script injected into a page, a runbook or a
//! PDF, silent collisions, unbounded work, and errors that mislead. Everything runs through the
//! real binary, mostly the way the README tells a user to (in the project folder).

mod common;

use std::path::Path;

use common::Kb;

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link).expect("symlink");
}

// ----- output: never delete what pathbook did not write -----------------------------------------

#[cfg(unix)]
#[test]
fn a_symlinked_build_dir_keeps_the_link_and_every_foreign_file() {
    let kb = Kb::shipped();
    let www = tempfile::tempdir().unwrap();
    let site = www.path().join("kb");
    std::fs::create_dir(&site).unwrap();
    symlink(&site, &kb.path().join("book"));
    // Published once into an empty folder, then the web server's files were added to it.
    assert!(kb.run_here(&["build"]).status.success());
    std::fs::write(site.join(".htaccess"), "Options -Indexes\n").unwrap();
    std::fs::write(site.join("CNAME"), "kb.example.com\n").unwrap();
    std::fs::create_dir(site.join(".well-known")).unwrap();
    std::fs::write(site.join(".well-known/security.txt"), "Contact: x\n").unwrap();
    for round in 0..2 {
        let o = kb.run_here(&["build"]);
        assert!(o.status.success(), "round {round}: {}", stderr(&o));
        let link = kb.path().join("book");
        assert!(link.symlink_metadata().unwrap().file_type().is_symlink(), "the link is still a link");
        assert!(site.join("index.html").is_file(), "the site is in the link's target");
        assert_eq!(std::fs::read_to_string(site.join(".htaccess")).unwrap(), "Options -Indexes\n");
        assert_eq!(std::fs::read_to_string(site.join("CNAME")).unwrap(), "kb.example.com\n");
        assert!(site.join(".well-known/security.txt").is_file());
    }
    // A folder that pathbook never wrote is not adopted silently.
    let other = www.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("notes.txt"), "mine").unwrap();
    let o = kb.run_here(&["build", "--out", other.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("was not written by pathbook"), "{}", stderr(&o));
    assert_eq!(std::fs::read_dir(&other).unwrap().count(), 1);
    std::fs::remove_dir_all(&other).unwrap();
    // Nothing left behind beside the site.
    let names: Vec<String> = std::fs::read_dir(www.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["kb"]);
}

#[test]
fn a_foreign_file_where_a_page_goes_is_refused_not_overwritten() {
    let kb = Kb::shipped();
    assert!(kb.run_here(&["build"]).status.success());
    // A colleague's file sits where a page added later will go: pathbook did not write it,
    // so it is not pathbook's to replace.
    std::fs::write(kb.path().join("book/articles/new-guide.html"), "a colleague's page").unwrap();
    kb.write("content/new-guide.md", "---\ntitle: New guide\n---\nText.\n");
    let o = kb.run_here(&["build"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("pathbook did not write it"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(kb.path().join("book/articles/new-guide.html")).unwrap(), "a colleague's page");
}

#[test]
fn output_inside_or_around_a_source_folder_is_refused() {
    // build-dir holding the content: the second build used to delete every article.
    let kb = Kb::shipped();
    std::fs::rename(kb.path().join("content"), kb.path().join("docs-content")).unwrap();
    std::fs::create_dir(kb.path().join("docs")).unwrap();
    std::fs::rename(kb.path().join("docs-content"), kb.path().join("docs/content")).unwrap();
    kb.write(
        "book.toml",
        kb.read("book.toml").replace("build-dir = \"book\"", "build-dir = \"docs\"\ncontent-dir = \"docs/content\""),
    );
    for _ in 0..2 {
        let o = kb.run_here(&["build"]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("contains the content folder"), "{}", stderr(&o));
    }
    assert!(kb.path().join("docs/content/choosing-a-path.md").is_file(), "the articles are still there");

    // A build directory inside content/ would republish the previous site every build.
    let kb = Kb::shipped();
    let o = kb.run_here(&["build", "--out", "content/site"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("is inside the content folder"), "{}", stderr(&o));
    assert!(!kb.path().join("content/site").exists());
    // And the rules and theme folders likewise.
    let o = kb.run_here(&["build", "--out", "rules"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(kb.path().join("rules/blockers.yaml").is_file());
    let o = kb.run_here(&["build", "--out", "themes"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(kb.path().join("themes/default/templates/base.html").is_file());
}

#[test]
fn staging_folders_of_interrupted_builds_are_cleaned_up_and_nothing_else() {
    let kb = Kb::shipped();
    assert!(kb.run_here(&["build"]).status.success());
    // What `kill -9` in the middle of a build leaves: a staging folder, and the previous site
    // set aside, both named after a process that no longer runs.
    let dead = "4000000"; // above any pid a Linux kernel hands out
    for name in [format!(".pathbook-tmp-{dead}-a1b2c3"), format!(".pathbook-old-{dead}-d4e5f6")] {
        kb.write(&format!("{name}/.pathbook-staging"), "");
        kb.write(&format!("{name}/index.html"), "half a site");
    }
    kb.write(&format!(".pathbook-old-{dead}-g7h8i9/.pathbook-build"), "written by pathbook\n");
    // Look-alikes that are not ours.
    kb.write(".pathbook-tmp-notes/keep.txt", "mine");
    kb.write(".pathbook-old-1/keep.txt", "mine");
    let o = kb.run_here(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut left: Vec<String> = std::fs::read_dir(kb.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".pathbook"))
        .collect();
    left.sort();
    assert_eq!(left, [".pathbook-old-1", ".pathbook-tmp-notes"]);
    assert!(kb.path().join(".pathbook-tmp-notes/keep.txt").is_file());
}

#[cfg(unix)]
#[test]
fn a_build_killed_midway_leaves_nothing_the_next_build_does_not_clean() {
    let kb = Kb::shipped();
    assert!(kb.run_here(&["build"]).status.success());
    // Kill builds at different moments; whatever each leaves, one good build cleans it.
    for delay_ms in [5, 20, 40, 80] {
        let mut child = std::process::Command::new(common::BIN)
            .current_dir(kb.path())
            .arg("build")
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
    }
    let o = kb.run_here(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let left: Vec<String> = std::fs::read_dir(kb.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".pathbook"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    assert!(kb.path().join("book/index.html").is_file());
}

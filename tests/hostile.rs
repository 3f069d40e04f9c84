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

// ----- script injection: refused at check, never live on a page ---------------------------------

/// A heading id that closes its attribute and runs script when the page loads.
const BAD_ID: &str = r#"## Notes {#notes"/autofocus/onfocus="window.__pwned=1}"#;

/// One Markdown payload of every kind in every field kind that takes Markdown, plus a source
/// URL and a heading id; `payload` is one line of Markdown.
fn injected_kb(payload: &str) -> Kb {
    let kb = Kb::new();
    let md = serde_json::to_string(&format!("Text.\n\n{payload}\n")).unwrap();
    kb.write(
        "rules/x.yaml",
        format!(
            r#"components:
  - id: os
    title: OS
    kind: os
    versions: [v1, v2]
    description: {md}
blockers:
  - id: b
    title: B
    severity: warning
    blocks: upgrade os@v2
    when: os@v1
    symptoms: {md}
    explanation: {md}
    resolution: {md}
    sources: [{{title: t, url: "https://example.com"}}]
prerequisites:
  - id: pr
    title: P
    for: upgrade os@v2
    requires: os
    explanation: {md}
    how: {md}
    sources: [{{title: t, url: "https://example.com"}}]
paths:
  - id: p
    title: P
    description: {md}
    applies_to: os@v1
    hosts: [{{id: h, title: H, existing: true}}]
    goal: [{{host: h, require: os@v2}}]
    outcome: supported
    sources: [{{title: t, url: "https://example.com"}}]
    steps:
      - id: s
        title: S
        host: h
        action: upgrade os@v2
        instructions: {md}
        verify: {md}
        rollback: {md}
        rules: [blocker:b]
"#
        ),
    );
    kb.write("content/a.md", format!("---\ntitle: A\n---\n\nIntro.\n\n{payload}\n"));
    kb
}

#[test]
fn unsafe_heading_ids_and_link_schemes_are_located_errors_in_every_field() {
    let payloads = [
        BAD_ID.to_string(),
        "## Notes {onfocus=window.__pwned=1 autofocus=1}".to_string(),
        "[click](javascript:window.__pwned=1)".to_string(),
        "[click](JaVaScRiPt:window.__pwned=1)".to_string(),
        "[click](<java\tscript:window.__pwned=1>)".to_string(),
        "[click](data:text/html;base64,PHNjcmlwdD4=)".to_string(),
        "![img](vbscript:x)".to_string(),
        "[local](file:///etc/passwd)".to_string(),
    ];
    // component description, 3 blocker fields, 2 prerequisite fields, path description, 3 step
    // fields, the article.
    let fields = 11;
    for payload in &payloads {
        let kb = injected_kb(payload);
        let (code, diags) = kb.check_json();
        assert_eq!(code, 1, "{payload}: {diags:?}");
        let expected = if payload.starts_with("##") { "PB027" } else { "PB023" };
        let hits: Vec<_> = diags.iter().filter(|d| d.code == expected).collect();
        assert_eq!(hits.len(), fields, "{payload}: every field is reported: {diags:#?}");
        for d in &hits {
            assert!(d.line > 0 && d.column > 0, "located: {d:?}");
            let text = kb.read(&d.file);
            let line = text.lines().nth(d.line as usize - 1).unwrap_or("");
            let needle = if expected == "PB027" {
                "Notes {"
            } else {
                payload.split('(').nth(1).unwrap_or("").trim_start_matches('<').get(..4).unwrap_or("")
            };
            assert!(line.contains(needle), "{payload}: {d:?} points at {line:?}");
        }
        // Nothing is built.
        let o = kb.run_here(&["build"]);
        assert_eq!(o.status.code(), Some(1));
        assert!(!kb.path().join("book").exists());
    }
}

#[test]
fn source_urls_and_site_url_must_be_http() {
    let kb = injected_kb("Fine.");
    kb.write(
        "rules/y.yaml",
        "components:\n  - id: c\n    title: C\n    sources: [{title: t, url: \"javascript:alert(1)\"}]\n",
    );
    kb.write("book.toml", "[book]\ntitle = \"F\"\n\n[site]\nsite-url = \"javascript:alert(document.domain)//\"\n");
    let o = kb.run_here(&["check"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("error[PB020]: `site-url` must start with `https://`"), "{err}");
    assert!(err.contains("--> book.toml:5:1"), "located at the key: {err}");
    kb.write(
        "book.toml",
        "[book]\ntitle = \"F\"\n\n[site]\nsite-url = \"https://x.example/\\\"><script>alert(1)</script>\"\n",
    );
    let err = stderr(&kb.run_here(&["check"]));
    assert!(err.contains("`site-url` contains"), "{err}");
    kb.write("book.toml", "[book]\ntitle = \"F\"\n");
    let (code, diags) = kb.check_json();
    assert_eq!(code, 1);
    let d = diags.iter().find(|d| d.code == "PB023").expect("the source URL is reported");
    assert_eq!(d.file, "rules/y.yaml");
    assert_eq!(d.line, 4);
}

#[test]
fn a_theme_folder_or_content_link_outside_the_project_is_refused() {
    let kb = Kb::shipped();
    kb.write("book.toml", kb.read("book.toml").replace("theme-dir = \"themes/default\"", "theme-dir = \"/etc\""));
    let o = kb.run_here(&["check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("`theme-dir` must be inside the project"), "{}", stderr(&o));
    assert!(stderr(&o).contains("--> book.toml:"), "{}", stderr(&o));
}

#[cfg(unix)]
#[test]
fn symlinks_that_leave_the_project_are_not_followed_or_published() {
    let kb = Kb::shipped();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "root:x:0:0").unwrap();
    std::fs::create_dir(outside.path().join("ssl")).unwrap();
    std::fs::write(outside.path().join("ssl/key.pem"), "PRIVATE KEY").unwrap();
    symlink(&outside.path().join("secret.txt"), &kb.path().join("content/x.txt"));
    symlink(&outside.path().join("ssl"), &kb.path().join("content/certs"));
    // A link that stays inside is fine.
    symlink(&kb.path().join("content/choosing-a-path.md"), &kb.path().join("rules-link-inside.md"));
    let (code, diags) = kb.check_json();
    assert_eq!(code, 1);
    let files: Vec<&str> = diags.iter().filter(|d| d.code == "PB019").map(|d| d.file.as_str()).collect();
    assert_eq!(files, ["content/certs", "content/x.txt"], "{diags:?}");
    assert!(diags.iter().all(|d| d.message.contains("outside the project") || d.code != "PB019"));
    let o = kb.run_here(&["build"]);
    assert_eq!(o.status.code(), Some(1));
    // Nothing was published; and `serve` serves only what a build would write.
    assert!(!kb.path().join("book").exists());
}

#[test]
fn active_attachments_and_address_collisions_are_located_errors() {
    let kb = Kb::shipped();
    kb.write("content/choosing-a-path.html", "<script>alert(1)</script>");
    kb.write("content/diagram.svg", "<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>");
    kb.write("content/index.md", "---\ntitle: Index\n---\nHello.\n");
    kb.write("content/notes.png", [0x89u8, b'P', b'N', b'G']);
    kb.write("content/tagged.md", "---\ntitle: Tagged\ntags: [Exchange, exchange, C++, C]\n---\nText.\n");
    kb.write("rules/more.yaml", "components:\n  - id: index\n    title: Index\n");
    let (code, diags) = kb.check_json();
    assert_eq!(code, 1, "{diags:#?}");
    let has = |code: &str, file: &str, words: &str| {
        diags.iter().any(|d| d.code == code && d.file == file && d.message.contains(words))
    };
    assert!(has("PB023", "content/choosing-a-path.html", "`.html` files are not published"), "{diags:#?}");
    assert!(has("PB023", "content/diagram.svg", "`.svg` files are not published"), "{diags:#?}");
    assert!(has("PB029", "content/index.md", "would be published at `articles/index.html`"), "{diags:#?}");
    assert!(
        diags.iter().any(|d| d.code == "PB029"
            && d.file == "content/tagged.md"
            && d.message.contains("`exchange`")
            && d.message.contains("`Exchange`")),
        "{diags:#?}"
    );
    assert!(has("PB029", "content/tagged.md", "tags `C` and `C++`"), "{diags:#?}");
    assert!(has("PB029", "rules/more.yaml", "a component cannot be called `index`"), "{diags:#?}");
    assert!(!diags.iter().any(|d| d.file == "content/notes.png"), "a PNG is a fine attachment");
}

// ----- pages load in a real browser and no injected script runs ---------------------------------

const HOSTILE: &str =
    r#""><img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script> ' onmouseover='window.__pwned=3"#;

#[test]
fn hostile_text_never_runs_in_a_browser_a_runbook_or_a_pdf() {
    let kb = Kb::new();
    let t = serde_json::to_string(HOSTILE).unwrap();
    let md = serde_json::to_string(&format!(
        "## {HOSTILE}\n\n[{HOSTILE}](https://example.com \"{}\")\n\n`{HOSTILE}`\n",
        HOSTILE.replace('"', "\\\"")
    ))
    .unwrap();
    kb.write(
        "rules/x.yaml",
        format!(
            r#"components:
  - id: os
    title: {t}
    kind: os
    versions: [v1, v2]
    version_titles: {{v2: {t}}}
    summary: {t}
    description: {md}
    also_known_as: [{t}]
    tags: [{t}]
blockers:
  - id: b
    title: {t}
    severity: warning
    blocks: upgrade os@v2
    when: os@v1
    summary: {t}
    symptoms: {md}
    resolution: {md}
    sources: [{{title: {t}, id: {t}, note: {t}, url: "https://example.com/?{HOSTILE_URL}"}}]
paths:
  - id: p
    title: {t}
    summary: {t}
    description: {md}
    applies_to: os@v1
    hosts: [{{id: h, title: {t}, existing: true}}]
    goal: [{{host: h, require: os@v2}}]
    outcome: supported
    sources: [{{title: {t}}}]
    steps:
      - id: s
        title: {t}
        host: h
        action: upgrade os@v2
        instructions: {md}
        verify: {md}
        rollback: {md}
        rules: [blocker:b]
"#,
            HOSTILE_URL = "a=%22%3E%3Cscript%3E"
        ),
    );
    kb.write(
        "book.toml",
        format!(
            "[book]\ntitle = {}\ndescription = {}\n\n[site]\nowner = {}\n",
            toml(HOSTILE),
            toml(HOSTILE),
            toml(HOSTILE)
        ),
    );
    kb.write(
        "content/a.md",
        format!(
            "---\ntitle: {t}\nsummary: {t}\ntags: [{t}]\n---\n\n{}\n",
            serde_json::from_str::<String>(&md).unwrap()
        ),
    );
    let o = kb.run_here(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The HTML of every page: no live markup from the payload.
    let book = kb.path().join("book");
    let mut pages = Vec::new();
    for e in walkdir::WalkDir::new(&book).into_iter().flatten() {
        if e.path().extension().is_some_and(|x| x == "html") {
            let html = std::fs::read_to_string(e.path()).unwrap();
            let name = e.path().strip_prefix(&book).unwrap().display().to_string();
            assert_no_live_payload(&name, &html);
            pages.push(name);
        }
    }
    // The standalone runbook and the Markdown checklist.
    let html = String::from_utf8(kb.run_here(&["runbook", "p"]).stdout).unwrap();
    assert!(html.contains("<html"));
    assert_no_live_payload("standalone runbook", &html);
    let md = String::from_utf8(kb.run_here(&["runbook", "p", "--format", "md"]).stdout).unwrap();
    assert!(!md.contains("javascript:"));
    std::fs::write(kb.path().join("standalone.html"), &html).unwrap();

    // In Chromium: load every page and the standalone runbook; nothing ran, nothing injected.
    let Some(browser) = common::browser::Browser::start() else { return };
    let mut urls: Vec<String> = pages.iter().map(|p| format!("file://{}", book.join(p).display())).collect();
    urls.push(format!("file://{}", kb.path().join("standalone.html").display()));
    for url in &urls {
        browser.goto(url);
        // Hover and focus every element, as a reader would, so handlers would fire.
        let fired = browser.eval(
            "document.querySelectorAll('*').forEach(e => { e.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})); if (e.focus) e.focus(); });\
             return [window.__pwned === undefined, document.querySelectorAll('[onerror],[onmouseover],[onfocus],[autofocus]').length, document.querySelectorAll('script:not([src])').length];",
        );
        assert_eq!(fired[0], serde_json::json!(true), "{url}: injected script ran");
        assert_eq!(fired[1], serde_json::json!(0), "{url}: injected handler attributes");
    }
    // The PDF is printed with JavaScript off, and its text carries the payload as text.
    if std::process::Command::new("pdftotext").arg("-v").output().is_ok() {
        let pdf = kb.path().join("p.pdf");
        let o = kb.run_here(&["runbook", "p", "--format", "pdf", "-o", "p.pdf"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let text = std::process::Command::new("pdftotext").arg(&pdf).arg("-").output().unwrap();
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(text.contains("onerror="), "the payload is printed as text: {text}");
    }
}

/// Parsed as a browser parses it: no element carries the payload as markup, an attribute or
/// a script (as text, escaped, it is everywhere, which is right).
fn assert_no_live_payload(name: &str, html: &str) {
    let doc = scraper::Html::parse_document(html);
    for el in doc.root_element().descendants().filter_map(scraper::ElementRef::wrap) {
        let v = el.value();
        assert!(!(v.name() == "img" && v.attr("src") == Some("x")), "{name}: a live <img>");
        for (attr, value) in v.attrs() {
            assert!(
                !(attr.starts_with("on") || attr == "autofocus"),
                "{name}: handler {attr}={value:?} on <{}>",
                v.name()
            );
            assert!(
                !value.contains("__pwned") || attr != "href" || !value.contains("javascript"),
                "{name}: {attr}={value:?}"
            );
        }
        if v.name() == "script" {
            assert!(!el.inner_html().contains("__pwned"), "{name}: a live <script>");
        }
    }
}

fn toml(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

// ----- unbounded work -------------------------------------------------------------------------------

#[test]
fn a_huge_hostile_code_block_is_shown_plain_with_a_located_warning() {
    let kb = Kb::shipped();
    let nested = format!("echo {}x{}\n", "$(".repeat(1000), ")".repeat(1000));
    let block = format!("```bash\n{}```\n", nested.repeat(60));
    kb.write("content/huge.md", format!("---\ntitle: Huge\n---\n\nBefore.\n\n{block}\nAfter.\n"));
    let (code, diags) = kb.check_json();
    assert_eq!(code, 0, "{diags:?}");
    let d = diags.iter().find(|d| d.code == "PB028").expect("a budget warning");
    assert_eq!((d.file.as_str(), d.line), ("content/huge.md", 7));
    let started = std::time::Instant::now();
    let o = kb.run_here(&["build"]);
    assert!(o.status.success());
    // Not a timing assertion of speed, a bound on a hang: the old highlighter ran for minutes.
    assert!(started.elapsed() < std::time::Duration::from_secs(120));
    let page = kb.read("book/articles/huge.html");
    assert!(page.contains("echo $($($("), "shown as plain, escaped text");
}

#[test]
fn deeply_indented_yaml_builds_and_is_shown_whole() {
    // 300 levels of block sequence: tree-sitter-yaml's scanner would overflow its state buffer
    // and abort the process; such a block goes to the other highlighter.
    let kb = Kb::shipped();
    let deep: String = (0..3).map(|i| format!("{}<b>x{i}</b>\n", "- ".repeat(300))).collect();
    let shallow = "key: [1, 2]\n";
    kb.write("content/deep.md", format!("---\ntitle: Deep\n---\n\n```yaml\n{deep}```\n\n```yaml\n{shallow}```\n"));
    let o = kb.run_here(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = kb.read("book/articles/deep.html");
    for i in 0..3 {
        assert!(page.contains(&format!("&lt;b&gt;x{i}&lt;/b&gt;")), "level {i} shown, escaped");
    }
    assert!(!page.contains("<b>x"), "no markup from the code");
    assert!(page.contains("<span class=\"hl-nt\">key</span>"), "the short block is highlighted");
}

#[test]
fn max_combinations_has_a_ceiling_with_a_located_error() {
    let kb = Kb::shipped();
    kb.edit("rules/assistant.yaml", "assistant:\n", "assistant:\n  max_combinations: 100000000\n");
    let (code, diags) = kb.check_json();
    assert_eq!(code, 1);
    let d = diags.iter().find(|d| d.code == "PB026").expect("PB026");
    assert_eq!(d.file, "rules/assistant.yaml");
    assert!(d.message.contains("between 1 and 100000"), "{d:?}");
    assert_eq!(
        d.line,
        1 + kb.read("rules/assistant.yaml").lines().position(|l| l.contains("max_combinations")).unwrap() as u64
    );
}

#[test]
fn the_preview_answers_only_to_its_own_host_names() {
    let kb = Kb::shipped();
    let server = common::server::Server::start(&kb);
    let get = |host: &str| {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        write!(s, "GET /index.html HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
        let mut buf = String::new();
        s.read_to_string(&mut buf).unwrap();
        buf.split_whitespace().nth(1).unwrap_or("").to_string()
    };
    assert_eq!(get(&format!("127.0.0.1:{}", server.port)), "200");
    assert_eq!(get(&format!("localhost:{}", server.port)), "200");
    assert_eq!(get(&format!("attacker.example:{}", server.port)), "421");
    assert_eq!(get("rebind.attacker.example"), "421");
}

// ----- errors that mislead ----------------------------------------------------------------------

#[test]
fn library_limits_and_duplicate_keys_are_said_in_our_words() {
    let kb = Kb::new();
    kb.write("rules/a.yaml", "components:\n  - id: a\n    title: A\n    title: B\n");
    let (_, diags) = kb.check_json();
    let d = diags.iter().find(|d| d.file == "rules/a.yaml").unwrap();
    assert_eq!(d.message, "the key `title` appears twice in this mapping");
    assert!(!format!("{d:?}").contains("DuplicateKeyPolicy"));
    // A flat file of many rules is not an attack: it loads.
    let mut big = String::from("components:\n");
    for i in 0..60_000 {
        big.push_str(&format!("  - id: c{i}\n    title: C{i}\n"));
    }
    kb.remove("rules/a.yaml");
    kb.write("rules/big.yaml", &big);
    let (code, diags) = kb.check_json();
    assert_eq!(code, 0, "{diags:?}");
}

#[test]
fn one_bad_article_file_name_does_not_turn_off_path_simulation() {
    let kb = Kb::shipped();
    kb.write("content/bad name!.md", "---\ntitle: X\n---\n");
    // A real mismatch elsewhere must still be found.
    kb.edit(
        "rules/paths.yaml",
        "        host: server\n        action: remove powershell\n        duration: 10m\n        instructions: |\n",
        "        host: server\n        duration: 10m\n        instructions: |\n",
    );
    let o = kb.run_here(&["check"]);
    let err = stderr(&o);
    assert!(err.contains("cannot become a URL"), "{err}");
    assert!(err.contains("PB011") || err.contains("PB012"), "simulation still runs: {err}");
    assert!(!err.contains("path simulation was skipped"), "{err}");
}

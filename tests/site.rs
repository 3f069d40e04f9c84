//! `pathbook build`, driven through the binary and checked on its output: every internal link and
//! fragment resolves, the site works under a sub-path behind a real static server, hostile text
//! renders as text, a failed build leaves the previous site untouched, and themes override.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::{Path, PathBuf};

use common::{Kb, repo};
use scraper::{Html, Selector};

fn build(root: &Path, out: &Path) -> std::process::Output {
    std::process::Command::new(common::BIN)
        .arg("--root")
        .arg(root)
        .args(["build", "--out"])
        .arg(out)
        .output()
        .expect("run pathbook build")
}

/// Builds the shipped knowledge base once per test into a fresh directory.
fn built_shipped() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let o = build(&repo(), &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (dir, out)
}

fn html_files(out: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(out)
        .into_iter()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .map(|e| e.into_path())
        .collect()
}

fn is_external(link: &str) -> bool {
    link.starts_with("http://")
        || link.starts_with("https://")
        || link.starts_with("mailto:")
        || link.starts_with("data:")
}

/// `href`/`src` values of a document.
fn links(doc: &Html) -> Vec<String> {
    let sel = Selector::parse("[href], [src]").unwrap();
    doc.select(&sel)
        .flat_map(|e| [e.value().attr("href"), e.value().attr("src")])
        .flatten()
        .map(str::to_string)
        .collect()
}

fn ids(doc: &Html) -> BTreeSet<String> {
    let sel = Selector::parse("[id]").unwrap();
    doc.select(&sel).filter_map(|e| e.value().attr("id").map(str::to_string)).collect()
}

/// Joins a relative link onto a `/`-separated path and normalises `.` and `..`.
fn join(base_file: &str, link: &str) -> String {
    let mut parts: Vec<&str> = if link.starts_with('/') {
        Vec::new()
    } else {
        let mut p: Vec<&str> = base_file.split('/').collect();
        p.pop();
        p
    };
    for seg in link.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

#[test]
fn every_internal_link_and_fragment_resolves() {
    let (_dir, out) = built_shipped();
    let files = html_files(&out);
    assert!(files.len() > 60, "expected a full site, got {} pages", files.len());
    let mut id_cache: HashMap<PathBuf, BTreeSet<String>> = HashMap::new();
    let mut checked = 0;
    let mut problems = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&out).unwrap().to_string_lossy().replace('\\', "/");
        if rel == "404.html" {
            continue; // served at any depth; it links from the site root on purpose
        }
        let doc = Html::parse_document(&std::fs::read_to_string(file).unwrap());
        for link in links(&doc) {
            if is_external(&link) {
                continue;
            }
            assert!(!link.starts_with('/'), "{rel}: root-absolute link {link} breaks sub-path hosting");
            let (path_part, fragment) = match link.split_once('#') {
                Some((p, f)) => (p.to_string(), Some(f.to_string())),
                None => (link.clone(), None),
            };
            let path_part = path_part.split('?').next().unwrap_or("").to_string();
            let target_rel = if path_part.is_empty() { rel.clone() } else { join(&rel, &path_part) };
            let target = out.join(&target_rel);
            checked += 1;
            if !target.is_file() {
                problems.push(format!("{rel}: {link} → missing {target_rel}"));
                continue;
            }
            if let Some(f) = fragment.filter(|f| !f.is_empty()) {
                let ids = id_cache
                    .entry(target.clone())
                    .or_insert_with(|| ids(&Html::parse_document(&std::fs::read_to_string(&target).unwrap())));
                if !ids.contains(&f) {
                    problems.push(format!("{rel}: {link} → no id `{f}` in {target_rel}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{} broken of {checked} links:\n{}", problems.len(), problems.join("\n"));
    assert!(checked > 1000, "checked only {checked} links");
}

#[test]
fn the_site_has_every_page_kind() {
    let (_dir, out) = built_shipped();
    for page in [
        "index.html",
        "404.html",
        "sitemap.xml",
        "matrix.html",
        "search.html",
        "tags/index.html",
        "components/index.html",
        "components/powershell.html",
        "blockers/index.html",
        "blockers/powershell-blocks-os-upgrade.html",
        "prerequisites/index.html",
        "prerequisites/edge-transport-needs-ad-lds.html",
        "paths/index.html",
        "paths/rebuild-same-hardware.html",
        "articles/index.html",
        "articles/choosing-a-path.html",
        "assets/style.css",
        "assets/highlight.css",
        "assets/pathbook.js",
        "assets/search-index.js",
        "assets/elasticlunr.min.js",
        "assistant.html",
        "assets/assistant-data.js",
    ] {
        assert!(out.join(page).is_file(), "missing {page}");
    }
    let sitemap = std::fs::read_to_string(out.join("sitemap.xml")).unwrap();
    for page in ["assistant.html", "runbooks/all.html", "paths/rebuild-same-hardware.html"] {
        assert!(sitemap.contains(&format!("<loc>{page}</loc>")), "{page} in the sitemap");
    }
    // Path pages carry their diagram, steps with anchors, and prev/next step links.
    let path = std::fs::read_to_string(out.join("paths/rebuild-same-hardware.html")).unwrap();
    let doc = Html::parse_document(&path);
    // The diagram: one box per step (or procedure run), each linking to its step, full titles.
    let boxes: Vec<_> = doc.select(&Selector::parse("figure.flow .flow-node").unwrap()).collect();
    let cat = pathbook::project::Project::check(&repo()).catalog;
    let p = cat.paths.iter().find(|p| p.id == "rebuild-same-hardware").unwrap();
    assert!(!boxes.is_empty() && boxes.len() <= p.steps.len());
    let a = Selector::parse("a.flow-box").unwrap();
    for b in &boxes {
        let href = b.select(&a).next().and_then(|a| a.value().attr("href")).unwrap();
        let id = href.strip_prefix('#').unwrap();
        assert!(p.steps.iter().any(|s| s.id == id), "box links to a step: {href}");
        assert!(!b.text().collect::<String>().contains('…'), "titles are not cut");
    }
    let powershell = boxes
        .iter()
        .find(|b| b.select(&a).next().and_then(|a| a.value().attr("href")) == Some("#remove-powershell"))
        .expect("a box for the step that removes PowerShell");
    let clears: Vec<_> = powershell.select(&Selector::parse(".flow-clear a").unwrap()).collect();
    assert_eq!(
        clears.iter().map(|a| a.value().attr("href").unwrap()).collect::<Vec<_>>(),
        ["../blockers/powershell-blocks-os-upgrade.html"],
        "the diagram shows and links what that step clears"
    );
    let step = Selector::parse("li.step#remove-powershell a[rel=next]").unwrap();
    assert_eq!(doc.select(&step).next().and_then(|a| a.value().attr("href")), Some("#remove-third-party"));
    // The matrix cell for RTM on 2008 links to the rule that decides it.
    let matrix = std::fs::read_to_string(out.join("matrix.html")).unwrap();
    assert!(matrix.contains("href=\"blockers/exchange-rtm-not-on-2008.html\""));
    // Every heading in an article has an anchor.
    let article =
        Html::parse_document(&std::fs::read_to_string(out.join("articles/in-place-upgrade-story.html")).unwrap());
    let headings = Selector::parse(".prose h2").unwrap();
    for h in article.select(&headings) {
        let id = h.value().attr("id").expect("heading id");
        assert!(h.inner_html().contains(&format!("href=\"#{id}\"")), "anchor link on {id}");
    }
}

#[test]
fn referenced_by_lists_what_links_here() {
    let (_dir, out) = built_shipped();
    let doc =
        Html::parse_document(&std::fs::read_to_string(out.join("blockers/powershell-blocks-os-upgrade.html")).unwrap());
    let sel = Selector::parse("section.referenced-by a").unwrap();
    let hrefs: BTreeSet<String> = doc.select(&sel).filter_map(|a| a.value().attr("href").map(str::to_string)).collect();
    for expected in [
        "../articles/in-place-upgrade-story.html",
        "../paths/rebuild-same-hardware.html",
        "../paths/in-place-os-upgrade.html",
        "../components/powershell.html",
    ] {
        assert!(hrefs.contains(expected), "{expected} missing from {hrefs:?}");
    }
    // A page in the same folder is named alone, in the list and in the pager.
    let article = std::fs::read_to_string(out.join("articles/choosing-a-path.html")).unwrap();
    assert!(article.contains("<li class=\"kind-article\"><a href=\"in-place-upgrade-story.html\">"), "{article}");
    assert!(article.contains("<a href=\"prerequisites-by-role.html\" rel=\"next\">"), "{article}");
}

#[test]
fn highlighted_code_and_search_index() {
    let (_dir, out) = built_shipped();
    let page = std::fs::read_to_string(out.join("articles/prerequisites-by-role.html")).unwrap();
    // ServerManagerCmd is a console tool: its blocks are labelled and coloured as cmd, so
    // feature names like `Web-Server` are not split into "operators".
    assert!(page.contains("<pre class=\"code\" data-lang=\"cmd\" data-label=\"cmd\">"));
    assert!(!page.contains("data-lang=\"powershell\""), "no ServerManagerCmd block labelled PowerShell");
    assert!(page.contains("<pre class=\"code\" data-lang=\"xml\" data-label=\"XML\">"));
    let blocker = std::fs::read_to_string(out.join("blockers/powershell-blocks-os-upgrade.html")).unwrap();
    assert!(blocker.contains("<pre class=\"code\" data-lang=\"powershell\" data-label=\"PowerShell\">"));
    assert!(page.contains("class=\"hl-"), "tokens carry CSS classes");
    // Pages link one style sheet, and it carries the highlighting rules, light and dark.
    let css = std::fs::read_to_string(out.join("assets/style.css")).unwrap();
    assert!(css.contains("html[data-theme=\"dark\"] .hl-"), "dark highlighting");
    let own = std::fs::read_to_string(out.join("assets/highlight.css")).unwrap();
    assert!(css.starts_with(&own), "style.css starts with the highlighting rules: a theme's own win");
    for page in [&page, &blocker] {
        assert_eq!(page.matches("rel=\"stylesheet\"").count(), 1, "one style sheet per page");
    }
    // Every class a page uses is in the stylesheet, and a token carries one class, not a
    // scope path (`hl-keyword hl-operator hl-powershell`).
    for class in blocker.split("class=\"hl-").skip(1).filter_map(|s| s.split('"').next()) {
        assert!(!class.contains(' '), "one class per token: hl-{class}");
        assert!(css.contains(&format!(".hl-{class} ")), "hl-{class} is styled");
    }
    // What only works with scripts (the search box, the theme switch, the menu button) is
    // added by the script, not repeated in every page; the browser tests use all three.
    for page in [&page, &blocker] {
        assert!(!page.contains("id=\"search-input\"") && !page.contains("id=\"theme-toggle\""));
        assert!(!page.contains("nav-toggle"), "the menu button is the script's");
    }
    // The index: a manifest, term parts in term order, result documents in chunks.
    let script_json = |file: &str| -> serde_json::Value {
        let text = std::fs::read_to_string(out.join(file)).unwrap();
        let json = text.split_once(" = ").unwrap().1.trim().strip_suffix(';').unwrap();
        serde_json::from_str(json).unwrap()
    };
    let manifest = script_json("assets/search-index.js");
    let parts: Vec<&str> = manifest["parts"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    let (count, chunk) = (manifest["docs"].as_u64().unwrap() as usize, manifest["chunk"].as_u64().unwrap() as usize);
    let mut previous_last = String::new();
    for (n, first) in parts.iter().enumerate() {
        let text = std::fs::read_to_string(out.join(format!("assets/search/t{n}.js"))).unwrap();
        let v: serde_json::Value =
            serde_json::from_str(text.split_once("] = ").unwrap().1.trim().strip_suffix(';').unwrap()).unwrap();
        let terms = v.as_object().unwrap();
        let keys: Vec<&String> = terms.keys().collect();
        assert_eq!(keys.first().map(|k| k.as_str()), Some(*first), "the manifest names each part by its first term");
        assert!(previous_last.as_str() < first.to_string().as_str(), "parts are in term order");
        previous_last = keys.last().unwrap().to_string();
        for postings in terms.values() {
            let p = common::postings_numbers(postings.as_str().unwrap());
            assert!(p.len() % 2 == 0 && !p.is_empty(), "gap, weight, …");
            assert!(p.iter().skip(1).step_by(2).all(|w| *w > 0), "every weight counts");
            let last: u64 = p.iter().step_by(2).sum();
            assert!((last as usize) < count, "postings point at documents");
        }
    }
    let mut docs = Vec::new();
    for n in 0..count.div_ceil(chunk) {
        let text = std::fs::read_to_string(out.join(format!("assets/search/d{n}.js"))).unwrap();
        let v: serde_json::Value =
            serde_json::from_str(text.split_once("] = ").unwrap().1.trim().strip_suffix(';').unwrap()).unwrap();
        docs.extend(v.as_array().unwrap().clone());
    }
    assert_eq!(docs.len(), count);
    let kinds: BTreeSet<&str> = docs.iter().map(|d| d[2].as_str().unwrap()).collect();
    assert_eq!(kinds, BTreeSet::from(["article", "blocker", "component", "path", "prerequisite", "section", "step"]));
    assert!(
        docs.iter().any(|d| d[1].as_str().unwrap().starts_with("articles/prerequisites-by-role.html#")),
        "sections link to headings"
    );
    // Rule ids are searchable but are not part of what a reader sees under a result.
    for d in docs.iter().filter(|d| d[2] != "section" && d[2] != "article" && d[2] != "step") {
        let url = d[1].as_str().unwrap();
        let id = url.rsplit('/').next().unwrap().trim_end_matches(".html");
        let teaser = d[3].as_str().unwrap().trim_end_matches('…');
        assert!(
            !(teaser.ends_with(id) || (id.contains('-') && teaser.contains(id))),
            "teaser of {url} shows its id: {teaser}"
        );
    }
}

#[test]
fn output_makes_no_network_requests() {
    let (_dir, out) = built_shipped();
    for file in html_files(&out) {
        let doc = Html::parse_document(&std::fs::read_to_string(&file).unwrap());
        let sel = Selector::parse("script[src], link[href], img[src], iframe, object, embed").unwrap();
        for e in doc.select(&sel) {
            let v = e.value();
            let url = v.attr("src").or(v.attr("href")).unwrap_or("");
            let is_hyperlink = v.name() == "link" && v.attr("rel") != Some("stylesheet");
            assert!(is_hyperlink || !url.contains("//"), "{}: loads {url}", file.display());
        }
    }
    for asset in ["assets/style.css", "assets/pathbook.js"] {
        let text = std::fs::read_to_string(out.join(asset)).unwrap();
        assert!(
            !text.contains("http://") && !text.contains("https://") && !text.contains("@import"),
            "{asset} fetches something"
        );
    }
}

// ----- a real static server under a sub-path --------------------------------------------------

fn http_get(port: u16, path: &str) -> (u16, Vec<u8>) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(buf.len());
    let head = String::from_utf8_lossy(&buf[..split]).to_string();
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut body = buf[(split + 4).min(buf.len())..].to_vec();
    if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    (status, body)
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else { return out };
        let n = usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16).unwrap_or(0);
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + n]);
        b = &b[eol + 2 + n + 2..];
    }
}

#[test]
fn crawled_under_a_sub_path_every_page_is_reachable() {
    let (_dir, out) = built_shipped();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = axum::Router::new().nest_service("/kb", tower_http::services::ServeDir::new(&out));
    rt.spawn(async move { axum::serve(listener, app).await });

    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut queue = VecDeque::from(["/kb/index.html".to_string()]);
    let mut bad: BTreeMap<String, u16> = BTreeMap::new();
    while let Some(url) = queue.pop_front() {
        if !seen.insert(url.clone()) {
            continue;
        }
        let (status, body) = http_get(port, &url);
        if status != 200 {
            bad.insert(url, status);
            continue;
        }
        if url.ends_with(".html") {
            let doc = Html::parse_document(&String::from_utf8_lossy(&body));
            for link in links(&doc) {
                if is_external(&link) || link.starts_with('#') {
                    continue;
                }
                let path = link.split('#').next().unwrap().split('?').next().unwrap();
                let next = format!("/{}", join(url.trim_start_matches('/'), path));
                assert!(next.starts_with("/kb/"), "{url} links out of the sub-path: {link}");
                queue.push_back(next);
            }
        }
    }
    assert!(bad.is_empty(), "not 200: {bad:?}");
    let all: BTreeSet<String> = html_files(&out)
        .iter()
        .map(|f| format!("/kb/{}", f.strip_prefix(&out).unwrap().to_string_lossy()))
        .filter(|u| u != "/kb/404.html")
        .collect();
    let unreachable: Vec<&String> = all.difference(&seen).collect();
    assert!(unreachable.is_empty(), "pages not reachable from the home page: {unreachable:?}");
    // The search index and the scripts it needs are served too.
    assert_eq!(http_get(port, "/kb/assets/search-index.js").0, 200);
    assert_eq!(http_get(port, "/kb/assets/search/t0.js").0, 200);
    assert_eq!(http_get(port, "/kb/assets/search/d0.js").0, 200);
    assert_eq!(http_get(port, "/kb/assets/elasticlunr.min.js").0, 200);
}

// ----- escaping --------------------------------------------------------------------------------

const HOSTILE: &str = r#"<script>alert("x")</script> & "quotes" {{ config }} {% raw %}"#;

#[test]
fn hostile_text_renders_as_text() {
    let kb = Kb::new();
    let title = serde_json::to_string(HOSTILE).unwrap();
    kb.write(
        "rules/x.yaml",
        format!(
            r#"components:
  - id: os
    title: {title}
    kind: os
    versions: [v1, v2]
    summary: {title}
    description: {title}
    also_known_as: [{title}]
    sources: [{{title: {title}, url: "https://example.com/?q=\"><script>alert(1)</script>"}}]
blockers:
  - id: b
    title: {title}
    severity: hard
    blocks: upgrade os@v2
    when: os@v1
    summary: {title}
    symptoms: {title}
    explanation: "<img src=x onerror=alert(1)>"
    sources: [{{title: {title}}}]
paths:
  - id: p
    title: {title}
    applies_to: os@v1
    hosts: [{{id: h, title: {title}, existing: true}}]
    goal: [{{host: h, require: os@v1}}]
    outcome: supported
    sources: [{{title: t}}]
    steps:
      - id: s
        title: {title}
        host: h
        instructions: {title}
        rules: [blocker:b]
"#
        ),
    );
    kb.write("book.toml", format!("[book]\ntitle = {}\n", toml_string(HOSTILE)));
    kb.write(
        "content/a.md",
        format!(
            "---\ntitle: {title}\nsummary: {title}\ntags: [{title}]\n---\n\n{HOSTILE}\n\n<script>alert(2)</script>\n"
        ),
    );
    let out = kb.path().join("out");
    let o = build(kb.path(), &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut pages = 0;
    for file in html_files(&out) {
        let html = std::fs::read_to_string(&file).unwrap();
        let name = file.display().to_string();
        assert!(!html.contains("<script>alert"), "{name}: live script");
        assert!(!html.contains("<img src=x"), "{name}: live markup");
        assert!(!html.contains("javascript:alert"), "{name}: javascript: URL");
        if html.contains("&lt;script&gt;alert") {
            pages += 1;
            assert!(
                html.contains("{{ config }}") && html.contains("{% raw %}"),
                "{name}: template syntax shown literally"
            );
            assert!(html.contains("&amp;") && (html.contains("&quot;quotes&quot;") || html.contains("\"quotes\"")));
        }
    }
    assert!(pages >= 5, "the hostile title appears, escaped, on the entity pages ({pages})");
    for e in std::fs::read_dir(out.join("assets/search")).unwrap() {
        let index = std::fs::read_to_string(e.unwrap().path()).unwrap();
        assert!(!index.contains("</script>"), "search data cannot close a script element");
    }
}

fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

// ----- atomicity --------------------------------------------------------------------------------

fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect()
}

#[test]
fn a_failed_build_leaves_the_previous_site_untouched() {
    let kb = Kb::shipped();
    let out = kb.path().join("site");
    assert!(build(kb.path(), &out).status.success());
    let before = snapshot(&out);
    assert!(before.len() > 60);
    let article = "content/choosing-a-path.md";
    kb.write(article, kb.read(article) + "\nSee [this](blocker:no-such-blocker).\n");
    let o = build(kb.path(), &out);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    let (line, col) = common::locate(&kb.read(article), "blocker:no-such-blocker", 0);
    assert!(err.contains(&format!("--> {article}:{line}:{col}")), "{err}");
    assert!(err.contains("previous site was left untouched"), "{err}");
    assert_eq!(snapshot(&out), before, "output changed after a failed build");
    let leftovers: Vec<_> = std::fs::read_dir(kb.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".pathbook"))
        .collect();
    assert!(leftovers.is_empty(), "temporary directories left behind: {leftovers:?}");
}

#[test]
fn a_successful_rebuild_replaces_the_site_and_never_touches_foreign_directories() {
    let kb = Kb::shipped();
    let out = kb.path().join("site");
    assert!(build(kb.path(), &out).status.success());
    std::fs::write(out.join("notes.html"), "a colleague's page").unwrap();
    // An article that goes away takes its page with it; a file pathbook did not write stays.
    assert!(out.join("articles/platform-support.html").exists());
    kb.remove("content/platform-support.md");
    assert!(build(kb.path(), &out).status.success());
    assert!(!out.join("articles/platform-support.html").exists(), "the new site replaces the old one");
    assert_eq!(std::fs::read_to_string(out.join("notes.html")).unwrap(), "a colleague's page");
    // A directory pathbook did not write is refused, not deleted.
    let foreign = kb.path().join("precious");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
    let o = build(kb.path(), &foreign);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("refusing to replace"));
    assert_eq!(std::fs::read_to_string(foreign.join("notes.txt")).unwrap(), "mine");
    // Nor the project itself.
    let o = build(kb.path(), kb.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(kb.path().join("book.toml").exists());
}

#[test]
fn a_rebuild_keeps_unchanged_files_and_writes_what_changed() {
    let kb = Kb::shipped();
    let out = kb.path().join("site");
    assert!(build(kb.path(), &out).status.success());
    let page = "articles/choosing-a-path.html";
    let untouched = "blockers/powershell-blocks-os-upgrade.html";
    // Someone swapped a page for a link to a file with the very same bytes: the next site has
    // a file of its own there, not the link.
    let elsewhere = kb.path().join("elsewhere.html");
    std::fs::copy(out.join(untouched), &elsewhere).unwrap();
    std::fs::remove_file(out.join(untouched)).unwrap();
    std::os::unix::fs::symlink(&elsewhere, out.join(untouched)).unwrap();
    kb.edit("content/choosing-a-path.md", "the data intact", "with the data intact");
    let o = build(kb.path(), &out);
    assert!(o.status.success());
    let report = String::from_utf8_lossy(&o.stderr);
    let unchanged: usize = report
        .split_once(" unchanged)")
        .and_then(|(before, _)| before.rsplit(", ").next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the report counts unchanged files: {report}"));
    // The edited page, what lists or indexes its text, the link that was swapped and the
    // marker are written; everything else is kept.
    let site = snapshot(&out);
    assert!(unchanged > 0 && unchanged < site.len() - 2, "{unchanged} of {} unchanged: {report}", site.len());
    assert!(String::from_utf8_lossy(&site[page]).contains("with the data intact"));
    assert!(out.join(untouched).symlink_metadata().unwrap().is_file(), "the link was replaced by a file");
    // The result is exactly a fresh build.
    let fresh = kb.path().join("fresh");
    assert!(build(kb.path(), &fresh).status.success());
    let mut fresh = snapshot(&fresh);
    fresh.remove(".pathbook-build");
    let mut site = site;
    site.remove(".pathbook-build");
    assert!(site == fresh, "a rebuild over the old site is the fresh site");
    assert_eq!(std::fs::read(&elsewhere).unwrap(), std::fs::read(out.join(untouched)).unwrap());
}

// ----- themes -----------------------------------------------------------------------------------

#[test]
fn a_project_theme_overrides_templates_one_by_one() {
    let kb = Kb::shipped();
    let base = std::fs::read_to_string(repo().join("themes/default/templates/blocker.html")).unwrap();
    kb.write("book.toml", kb.read("book.toml").replace("theme-dir = \"themes/default\"", "theme-dir = \"my-theme\""));
    kb.write("my-theme/templates/blocker.html", base.replace("<h1>", "<h1 data-custom=\"yes\">"));
    kb.write("my-theme/static/extra.css", "body { }");
    let out = kb.path().join("site");
    let o = build(kb.path(), &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        std::fs::read_to_string(out.join("blockers/mixed-os-cluster.html")).unwrap().contains("data-custom=\"yes\"")
    );
    assert!(!std::fs::read_to_string(out.join("paths/rebuild-same-hardware.html")).unwrap().contains("data-custom"));
    assert!(out.join("assets/extra.css").is_file());
    // A template that does not parse is a located diagnostic, and nothing is written.
    kb.write(
        "my-theme/templates/path.html",
        "{% extends \"base.html\" %}\n{% block content %}\n{% if %}\n{% endblock content %}\n",
    );
    let before = snapshot(&out);
    let o = build(kb.path(), &out);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("error[PB025]") && err.contains("--> my-theme/templates/path.html:3:"), "{err}");
    assert_eq!(snapshot(&out), before);
}

#[test]
fn a_project_without_a_theme_folder_uses_the_built_in_theme() {
    let kb = Kb::shipped();
    kb.write("book.toml", kb.read("book.toml").replace("theme-dir = \"themes/default\"\n", ""));
    let out = kb.path().join("site");
    let o = build(kb.path(), &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let built_in = snapshot(&out);
    // Compared as a flag: a diff of two style sheets as byte arrays helps nobody.
    // The site's style sheet is the highlighting rules, then the theme's.
    let mut css = built_in["assets/highlight.css"].clone();
    css.push(b'\n');
    css.extend_from_slice(&std::fs::read(repo().join("themes/default/static/style.css")).unwrap());
    let same = built_in["assets/style.css"] == css;
    assert!(same, "the embedded theme is the repository's theme (rebuild after editing themes/default)");
}

#[test]
fn every_default_theme_file_is_embedded() {
    let embedded: BTreeSet<&str> = pathbook::render::theme::DEFAULT.iter().map(|(p, _)| *p).collect();
    let on_disk: BTreeSet<String> = walkdir::WalkDir::new(repo().join("themes/default"))
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(repo().join("themes/default")).unwrap().to_string_lossy().replace('\\', "/"))
        .collect();
    let on_disk: BTreeSet<&str> = on_disk.iter().map(String::as_str).collect();
    assert_eq!(embedded, on_disk, "add new theme files to the list in src/render/theme.rs");
}

/// Whatever a blocker page lists under "Cleared by" is a step of a path that works for some
/// starting state; a runbook of a path that never works credits no step with clearing anything.
/// Crawled on both shipped knowledge bases.
#[test]
fn no_page_credits_a_failing_path_with_clearing_a_blocker() {
    let sel = |s: &str| Selector::parse(s).unwrap();
    let (h3, big) = (sel("h3"), sel(".badge.big"));
    for root in [repo(), repo().join("examples/postgresql-major-upgrade")] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        let o = build(&root, &out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let badge_of = |path_page: &Path| -> String {
            let doc = Html::parse_document(&std::fs::read_to_string(path_page).unwrap());
            doc.select(&big).next().map(|b| b.text().collect::<String>()).unwrap_or_default()
        };
        let mut credited = 0;
        for page in html_files(&out.join("blockers")) {
            let doc = Html::parse_document(&std::fs::read_to_string(&page).unwrap());
            for h in doc.select(&h3).filter(|h| h.text().collect::<String>() == "Cleared by") {
                let list = h.next_siblings().find_map(scraper::ElementRef::wrap).expect("a list after the heading");
                for a in list.select(&sel("a")) {
                    let href = a.value().attr("href").unwrap();
                    let target = page.parent().unwrap().join(href.split('#').next().unwrap());
                    let badge = badge_of(&target);
                    assert!(
                        badge == "Supported" || badge == "Conditional",
                        "{} credits {href} ({badge}) with clearing it",
                        page.display()
                    );
                    credited += 1;
                }
            }
        }
        assert!(credited > 0, "{}: some blocker is cleared by a working path", root.display());
        // Verification tables are summaries for people: a screenful, never a state space.
        for page in html_files(&out.join("paths")) {
            let doc = Html::parse_document(&std::fs::read_to_string(&page).unwrap());
            for t in doc.select(&sel("table.verified")) {
                let rows = t.select(&sel("tbody tr")).count();
                assert!((1..50).contains(&rows), "{}: {rows} rows", page.display());
            }
        }
        for page in html_files(&out.join("runbooks")) {
            let text = std::fs::read_to_string(&page).unwrap();
            if text.contains("Blockers this path runs into") && !text.contains("rb-contents") {
                assert!(!text.contains("(cleared by"), "{} is a path that never works", page.display());
            }
        }
    }
}

/// The texts of the links under `css` in one page of a built site.
fn link_texts(out: &Path, page: &str, css: &str) -> Vec<String> {
    let doc = Html::parse_document(&std::fs::read_to_string(out.join(page)).unwrap());
    doc.select(&Selector::parse(css).unwrap()).map(|a| a.text().collect::<String>()).collect()
}

#[test]
fn a_site_of_articles_alone_leads_to_its_articles_not_to_empty_sections() {
    // A team that starts with articles and adds rules later: no "0 migration paths", no
    // navigation into empty lists.
    let kb = Kb::new();
    for i in 0..15 {
        kb.write(&format!("content/note-{i:02}.md"), format!("---\ntitle: Note {i:02}\n---\n\nText {i}.\n"));
    }
    let o = kb.run_here(&["build"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = kb.path().join("book");
    assert_eq!(link_texts(&out, "articles/note-03.html", "#mainnav a"), ["Articles"]);
    assert_eq!(link_texts(&out, "articles/note-03.html", ".footer a"), ["Search"]);
    let page = std::fs::read_to_string(out.join("articles/note-03.html")).unwrap();
    assert!(!page.contains("catalog revision"), "no catalog, no revision");
    let home = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(!home.contains("0 migration paths") && !home.contains("What blocks an upgrade"), "{home}");
    assert_eq!(link_texts(&out, "index.html", ".counts a"), ["15 articles"]);
    // The reading order's first twelve, then the way to the rest.
    let listed = link_texts(&out, "index.html", ".card .link-list a");
    assert_eq!(listed.len(), 12, "{listed:?}");
    assert_eq!(listed[0], "Note 00");
    assert!(home.contains("All 15 articles →"));
    // One card alone takes the page's width; no hint meant for authors is shown to readers.
    assert!(home.contains("<div class=\"grid-1\">") && !home.contains("start-here"), "{home}");
    // The empty sections keep their pages: an old link still lands.
    assert!(out.join("paths/index.html").is_file() && out.join("tags/index.html").is_file());
    let search = std::fs::read_to_string(out.join("search.html")).unwrap();
    assert!(search.contains("listed under <a href=\"articles/index.html\">Articles</a>"));

    // The first tag puts the tag pages in every page's navigation and footer.
    kb.edit("content/note-07.md", "title: Note 07\n", "title: Note 07\ntags: [restore]\n");
    let o = kb.run_here(&["build"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for page in ["index.html", "articles/note-03.html", "articles/index.html", "search.html"] {
        assert_eq!(link_texts(&out, page, "#mainnav a"), ["Articles", "Tags"], "{page}");
        assert_eq!(link_texts(&out, page, ".footer a"), ["Search", "Tags"], "{page}");
    }

    // One of a kind is counted as one.
    let one = Kb::new();
    one.write("content/only.md", "---\ntitle: Only\n---\n\nText.\n");
    let o = one.run_here(&["build"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(link_texts(&one.path().join("book"), "index.html", ".counts a"), ["1 article"]);

    // The shipped knowledge base has every section, and shows every one.
    let (_dir, shipped) = built_shipped();
    assert_eq!(
        link_texts(&shipped, "articles/choosing-a-path.html", "#mainnav a"),
        ["Paths", "Blockers", "Prerequisites", "Components", "Articles", "Matrix", "Assistant", "Tags"]
    );
    assert_eq!(
        link_texts(&shipped, "articles/choosing-a-path.html", ".footer a"),
        ["Search", "Tags", "Support matrix", "All runbooks"]
    );
    assert!(std::fs::read_to_string(shipped.join("index.html")).unwrap().contains("catalog revision <code>"));
}

#[test]
fn numbers_in_titles_are_listed_by_value() {
    let kb = Kb::new();
    for t in ["Package 10", "Package 2", "Package 1", "Package 9.5"] {
        let slug = t.to_lowercase().replace([' ', '.'], "-");
        kb.write(&format!("content/{slug}.md"), format!("---\ntitle: {t}\n---\n\nText.\n"));
    }
    let o = kb.run_here(&["build"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = kb.path().join("book");
    let order = ["Package 1", "Package 2", "Package 9.5", "Package 10"];
    assert_eq!(link_texts(&out, "articles/index.html", "main .link-list a"), order);
    // The pager walks the same order.
    assert_eq!(link_texts(&out, "articles/package-9-5.html", ".pager a"), ["← Package 2", "Package 10 →"]);
}

#[test]
fn the_number_of_starting_states_depends_on_the_rules_not_on_the_assistants_answers() {
    let kb = Kb::new();
    kb.write("rules/catalog.yaml", common::STEPWISE_CATALOG);
    let states = |kb: &Kb| {
        let o = kb.run_here(&["build"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let page = kb.read("book/paths/fix-then-upgrade.html");
        let at = page.find("Decided for <strong>").expect("the simulation summary") + "Decided for <strong>".len();
        page[at..].split('<').next().unwrap_or_default().to_string()
    };
    let before = states(&kb);
    assert!(before.ends_with(" starting states"), "{before}");
    // An assistant whose answers name other amounts of free space distinguishes no more
    // states: its answers are looked up, not reasoned about.
    kb.write(
        "rules/assistant.yaml",
        r#"
assistant:
  title: Ready?
  base: [os@1]
  target: os@2
  questions:
    - id: space
      text: Free space?
      answers:
        - {id: lots, label: Lots, sets: [free-space = 500 GB]}
        - {id: some, label: Some, sets: [free-space = 30 GB]}
        - {id: little, label: Little, sets: [free-space = 5 GB]}
"#,
    );
    assert_eq!(states(&kb), before);
    assert!(kb.read("book/assets/assistant-data.js").contains("lots"), "the assistant is built");
}

#[test]
fn a_path_that_gets_there_unsupported_is_a_last_resort_not_a_failure() {
    let kb = Kb::new();
    let bypass = r#"
  - id: bypass
    title: Upgrade past the hardware checks
    applies_to: os@1 and (not uefi or not tpm)
    goal:
      - require: os@2
    outcome:
      - when: free-space >= 20GB
        expect: unsupported
      - expect: blocked
    steps:
      - id: upgrade
        title: Run setup from the bypass media
        action: upgrade os@2 via media-bypass
        rules: [blocker:bypass-unsupported]
"#;
    kb.write("rules/catalog.yaml", format!("{}{bypass}", common::STEPWISE_CATALOG));
    let o = kb.run_here(&["build"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = |rel: &str, css: &str| -> Vec<String> {
        let doc = Html::parse_document(&kb.read(&format!("book/{rel}")));
        let sel = Selector::parse(css).unwrap();
        doc.select(&sel)
            .map(|e| e.text().collect::<Vec<_>>().join(" ").split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    };
    assert_eq!(text("paths/bypass.html", ".entity-head .badge"), ["Unsupported at best"]);
    let warning = text("paths/bypass.html", ".entity-head .warning-box");
    assert!(warning.len() == 1 && warning[0].starts_with("A last resort."), "{warning:?}");
    assert_eq!(text("paths/bypass.html", ".entity-head a.button"), ["Printable runbook"]);
    let runbook = text("runbooks/bypass.html", ".warning-box");
    assert!(runbook.len() == 1 && runbook[0].starts_with("A last resort."), "{runbook:?}");
    assert!(!kb.read("book/runbooks/bypass.html").contains("Do not run this"));
    // The path meant to work keeps its own badge beside it on the home page.
    let home = text("index.html", "li .badge");
    assert!(home.contains(&"Unsupported at best".to_string()) && home.contains(&"Conditional".to_string()), "{home:?}");
    let o = kb.run_here(&["runbook", "bypass", "--format", "md"]);
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .contains("> **A last resort.** The rules say this path gets there at best unsupported.")
    );
}

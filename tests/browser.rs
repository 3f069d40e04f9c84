//! The built site in a real browser (headless Chromium), opened from disk as a reader would:
//! search, follow a result, and look at what is there. Screenshots land in
//! `target/test-artifacts/` for a human to look at.

mod common;

use common::browser::Browser;
use common::repo;

fn build_site() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let o = std::process::Command::new(common::BIN)
        .arg("--root")
        .arg(repo())
        .args(["build", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (dir, out)
}

#[test]
fn search_from_disk_then_follow_the_first_result_to_the_blocker() {
    let Some(b) = Browser::start() else { return };
    let (_dir, out) = build_site();
    let home = format!("file://{}", out.join("index.html").display());
    b.goto(&home);
    b.wait_for("#search-input", 10);
    b.screenshot("home.png");

    // "/" focuses the search box, as on most documentation sites.
    b.keys("/");
    b.wait_until(5, "search focus", |b| b.eval("return document.activeElement.id") == "search-input");
    b.keys("PowerShell");
    let first = b.wait_for("#search-results a[role=option]", 10);
    let results = b.find_all("#search-results a[role=option]");
    assert!(results.len() >= 3, "several results for PowerShell");
    assert!(
        b.text(&first).contains("Windows PowerShell blocks the in-place upgrade"),
        "first result: {}",
        b.text(&first)
    );
    b.screenshot("search.png");
    b.click(&first);
    b.wait_until(10, "the blocker page", |b| b.url().ends_with("blockers/powershell-blocks-os-upgrade.html"));

    // The blocker page: "Referenced by" lists the article and paths that point here.
    let referenced = b.find_all("section.referenced-by li a");
    let titles: Vec<String> = referenced.iter().map(|e| b.text(e)).collect();
    assert!(
        titles.iter().any(|t| t.contains("Why an in-place Windows upgrade under Exchange 2007 fails")),
        "{titles:?}"
    );
    assert!(titles.iter().any(|t| t.starts_with("Same hardware")), "{titles:?}");
    // The PowerShell block is highlighted: tokens are styled spans with a real colour.
    let token = b.wait_for("pre.code[data-lang=powershell] span[class*='hl-']", 5);
    assert!(!b.text(&token).is_empty());
    let colours = b.eval(
        "const spans = document.querySelectorAll(\"pre.code[data-lang=powershell] span[class*='hl-']\");\
         return new Set(Array.from(spans).map(s => getComputedStyle(s).color)).size;",
    );
    assert!(colours.as_u64().unwrap_or(0) >= 3, "tokens are coloured by kind: {colours} distinct colours");
    b.screenshot("blocker.png");

    // A path page with its diagram.
    b.goto(&format!("file://{}", out.join("paths/rebuild-same-hardware.html").display()));
    b.wait_for(".flow-box", 10);
    // The diagram's text is the page's size, not a scaled-down drawing.
    let sizes = b.eval(
        "const t = parseFloat(getComputedStyle(document.querySelector('.flow-title')).fontSize);\
         const p = parseFloat(getComputedStyle(document.querySelector('.prose p, main p')).fontSize);\
         return [t, p];",
    );
    let sizes: Vec<f64> = sizes.as_array().unwrap().iter().filter_map(|v| v.as_f64()).collect();
    assert!(sizes[0] >= sizes[1] * 0.95, "diagram text {} px against body text {} px", sizes[0], sizes[1]);
    b.screenshot("path.png");

    // Dark mode: the toggle switches and the choice survives a reload.
    let toggle = b.wait_for("#theme-toggle", 5);
    let before = b.eval("return getComputedStyle(document.body).backgroundColor");
    b.click(&toggle);
    let after = b.eval("return getComputedStyle(document.body).backgroundColor");
    assert_ne!(before, after);
    b.goto(&format!("file://{}", out.join("blockers/mixed-os-cluster.html").display()));
    b.wait_for("main", 5);
    assert_eq!(b.eval("return getComputedStyle(document.body).backgroundColor"), after, "theme choice persists");
    b.screenshot("blocker-dark.png");
}

#[test]
fn the_search_page_lists_results_and_links_to_headings() {
    let Some(b) = Browser::start() else { return };
    let (_dir, out) = build_site();
    b.goto(&format!("file://{}?q=ServerManagerCmd", out.join("search.html").display()));
    b.wait_for("#search-page-results li a", 10);
    let hrefs: Vec<String> = b.find_all("#search-page-results li a").iter().filter_map(|e| b.attr(e, "href")).collect();
    assert!(hrefs.iter().any(|h| h.contains("articles/prerequisites-by-role.html#")), "{hrefs:?}");
}

#[test]
fn small_screens_get_a_menu_button() {
    let Some(b) = Browser::start() else { return };
    let (_dir, out) = build_site();
    b.resize(390, 844);
    b.goto(&format!("file://{}", out.join("articles/choosing-a-path.html").display()));
    let button = b.wait_for(".nav-toggle", 5);
    assert_eq!(b.eval("return getComputedStyle(document.getElementById('mainnav')).display"), "none");
    b.click(&button);
    assert_eq!(b.eval("return getComputedStyle(document.getElementById('mainnav')).display"), "block");
    let overflow = b.eval("return document.documentElement.scrollWidth > window.innerWidth");
    assert_eq!(overflow, false, "no horizontal scrolling on a phone");
    b.screenshot("article-mobile.png");
    // Without the script there is no button to open the menu, so the sections stay listed.
    let page = std::fs::read_to_string(out.join("articles/choosing-a-path.html")).unwrap();
    let script = "<script src=\"../assets/pathbook.js\"></script>";
    assert!(page.contains(script) && !page.contains("nav-toggle"), "the button is the script's");
    std::fs::write(out.join("articles/no-script.html"), page.replace(script, "")).unwrap();
    b.goto(&format!("file://{}", out.join("articles/no-script.html").display()));
    b.wait_for("#mainnav a", 5);
    assert!(b.find(".nav-toggle").is_none());
    assert_eq!(b.eval("return getComputedStyle(document.getElementById('mainnav')).display"), "block");
    let shown = "return Array.from(document.querySelectorAll('#mainnav a')).filter(a => a.getBoundingClientRect().height > 0).length";
    let links = b.find_all("#mainnav a").len();
    assert!(links > 3, "{links} sections");
    assert_eq!(b.eval(shown), links, "every section is there to follow");
}

#[test]
fn an_open_page_reloads_itself_after_an_edit_and_shows_errors_over_the_page() {
    let Some(b) = Browser::start() else { return };
    let kb = common::Kb::shipped();
    let server = common::server::Server::start(&kb);
    let url = format!("http://127.0.0.1:{}/articles/choosing-a-path.html", server.port);
    b.goto(&url);
    b.wait_for("h1", 10);
    // Wait for the live-reload connection, then mark this document.
    b.wait_until(10, "the event stream", |b| b.eval("return typeof EventSource") == "function");
    std::thread::sleep(std::time::Duration::from_millis(500));
    b.eval("window.__before_edit = true; return 1");
    kb.edit(
        "content/choosing-a-path.md",
        "title: Choosing a migration path",
        "title: Choosing a migration path (edited live)",
    );
    b.wait_until(10, "the page to reload by itself", |b| {
        b.eval("return document.querySelector('h1').textContent") == "Choosing a migration path (edited live)"
    });
    assert_eq!(b.eval("return window.__before_edit === undefined"), true, "a new document, not a patched one");

    // A broken edit: the overlay appears over the (still served) page.
    kb.edit("content/choosing-a-path.md", "[Why](in-place-upgrade-story.md)", "[Why](blocker:no-such-blocker)");
    let overlay = b.wait_for("#pathbook-overlay .pathbook-location", 10);
    assert!(b.text(&overlay).starts_with("content/choosing-a-path.md:"), "{}", b.text(&overlay));
    b.screenshot("serve-overlay.png");
    // Each error is said once (message, location, then the snippet), and the overlay can be
    // dismissed to look at the page under it.
    let said = b.eval("return document.getElementById('pathbook-overlay').textContent");
    let said = said.as_str().unwrap();
    let boxes = b.find_all("#pathbook-overlay .pathbook-error").len();
    assert!(boxes >= 1);
    assert_eq!(said.matches("error[").count(), boxes, "{said}");
    b.keys("\u{e00c}");
    b.wait_until(5, "Escape to dismiss the overlay", |b| b.find("#pathbook-overlay").is_none());
    kb.edit("content/choosing-a-path.md", "[Why](blocker:no-such-blocker)", "[Why](in-place-upgrade-story.md)");
    b.wait_until(10, "the overlay to go", |b| b.find("#pathbook-overlay").is_none() && b.find("h1").is_some());
}

#[test]
fn the_assistant_answers_questions_and_tailors_the_runbook() {
    let Some(b) = Browser::start() else { return };
    let (_dir, out) = build_site();
    b.goto(&format!("file://{}", out.join("assistant.html").display()));
    b.wait_for("#assistant-results .assistant-waiting", 10);
    let shown = |b: &Browser, css: &str| -> Vec<String> {
        b.find_all(css).iter().filter_map(|e| b.attr(e, "data-id")).collect()
    };
    let answer = |b: &Browser, question: &str, value: &str| {
        let input = b
            .find(&format!("fieldset[data-question='{question}'] input[value='{value}']"))
            .unwrap_or_else(|| panic!("no answer {question}={value}"));
        b.click(&input);
    };
    // What the page shows is exactly the precomputed answer for the chosen key.
    let expected = |b: &Browser| -> (Vec<String>, Vec<String>) {
        let v = b.eval(
            "const d = window.pathbookAssistant; const key = document.getElementById('assistant-results').dataset.key;\
             const r = d.results[d.index[key]];\
             return [r.blockers.map(i => d.blocker_ids[i]), r.paths.map(i => d.paths[i]).filter(p => p.viable).map(p => p.id)];",
        );
        let list =
            |x: &serde_json::Value| x.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect();
        (list(&v[0]), list(&v[1]))
    };

    // Nothing is assumed: the page waits until every single-choice question is answered.
    assert!(b.find("#assistant-results .assistant-path").is_none(), "no answer before the questions");
    assert!(b.find("fieldset input:checked").is_none(), "no answer is pre-selected");
    answer(&b, "version", "sp1");
    answer(&b, "roles", "mailbox");
    answer(&b, "powershell", "yes");
    b.wait_for(".assistant-waiting", 5);
    assert!(b.text(&b.find(".assistant-waiting").expect("waiting")).contains("1 more question"));
    answer(&b, "third-party", "no");
    b.wait_for("#assistant-results .assistant-path", 5);

    // A standalone Mailbox server on Exchange 2007 SP1 with PowerShell.
    let blockers = shown(&b, ".assistant-blocker");
    assert!(blockers.contains(&"powershell-blocks-os-upgrade".to_string()), "{blockers:?}");
    assert!(!blockers.contains(&"mixed-os-cluster".to_string()), "{blockers:?}");
    let viable = shown(&b, ".assistant-path.viable");
    assert_eq!(viable, ["new-server-database-portability", "new-server-move-mailbox", "rebuild-same-hardware"]);
    assert_eq!((blockers.clone(), viable.clone()), expected(&b));
    b.screenshot("assistant-mailbox.png");

    // A clustered mailbox server: the cluster blocker appears and the in-place path is blocked.
    answer(&b, "roles", "mailbox");
    answer(&b, "roles", "clustered-mailbox");
    b.wait_until(5, "the cluster blocker", |b| {
        shown(b, ".assistant-blocker").contains(&"mixed-os-cluster".to_string())
    });
    let in_place = b.find(".assistant-path[data-id='in-place-os-upgrade']").expect("the in-place path is listed");
    assert!(b.text(&in_place).contains("Blocked"), "{}", b.text(&in_place));
    assert!(b.text(&in_place).contains("Failover clusters cannot mix"), "{}", b.text(&in_place));
    assert_eq!((shown(&b, ".assistant-blocker"), shown(&b, ".assistant-path.viable")), expected(&b));
    assert!(b.url().contains("roles=clustered-mailbox"), "the answers are in the address: {}", b.url());

    // Edge Transport: no mailbox data to move, and the runbook needs AD LDS.
    answer(&b, "roles", "clustered-mailbox");
    answer(&b, "roles", "edge-transport");
    b.wait_until(5, "Edge answers", |b| !shown(b, ".assistant-blocker").contains(&"mixed-os-cluster".to_string()));
    assert_eq!(shown(&b, ".assistant-path.viable"), ["new-server-move-mailbox", "rebuild-same-hardware"]);
    assert!(b.find(".assistant-warnings").is_none(), "consistent answers raise no warning");
    b.screenshot("assistant-edge.png");
    let link =
        b.find(".assistant-path[data-id='new-server-move-mailbox'] a.runbook-link").expect("a tailored runbook link");
    b.click(&link);
    b.wait_until(10, "the runbook", |b| b.url().contains("runbooks/new-server-move-mailbox.html?steps="));
    b.wait_for(".rb-tailored:not([hidden])", 5);
    // Each answer on its own line, the question apart from the answer.
    let answers: Vec<String> = b.find_all(".rb-tailored .rb-answers li strong").iter().map(|e| b.text(e)).collect();
    assert!(answers.contains(&"Edge Transport".to_string()), "{answers:?}");
    assert!(answers.len() >= 3, "{answers:?}");
    // The toolbar stays one line on a desktop screen.
    let toolbar = b.eval("return document.querySelector('.runbook-toolbar').getBoundingClientRect().height");
    assert!(toolbar.as_f64().unwrap_or(999.0) < 60.0, "toolbar {toolbar} px high");
    let visible: Vec<String> = b
        .eval("return Array.from(document.querySelectorAll('.rb-step')).filter(s => !s.hidden).map(s => s.querySelector('.rb-step-title').textContent)")
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    assert!(visible.iter().any(|t| t.starts_with("Add AD LDS")), "{visible:?}");
    assert!(!visible.iter().any(|t| t.contains("Desktop Experience")), "{visible:?}");
    assert!(!visible.iter().any(|t| t.starts_with("Move the mailboxes")), "{visible:?}");
    let numbers = b.eval(
        "return Array.from(document.querySelectorAll('.rb-step')).filter(s => !s.hidden).map(s => s.querySelector('.rb-n').textContent)",
    );
    let expected_numbers: Vec<String> = (1..=visible.len()).map(|n| format!("{n}.")).collect();
    assert_eq!(numbers, serde_json::json!(expected_numbers), "the steps are renumbered");
    assert_eq!(b.eval("return document.querySelector('.rb-count').textContent"), visible.len().to_string());
    let prereqs = b.eval(
        "return Array.from(document.querySelectorAll('.rb-prereq')).filter(p => getComputedStyle(p).display !== 'none').map(p => p.dataset.prereq)",
    );
    let prereqs: Vec<&str> = prereqs.as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    assert!(prereqs.contains(&"edge-transport-needs-ad-lds"), "{prereqs:?}");
    assert!(!prereqs.contains(&"unified-messaging-needs-desktop-experience"), "{prereqs:?}");
    b.screenshot("runbook-tailored.png");
}

#[test]
fn the_search_page_counts_everything_groups_shared_steps_and_finds_ids_as_people_type_them() {
    let Some(b) = Browser::start() else { return };
    let (_dir, out) = build_site();
    let page = |q: &str| format!("file://{}?q={q}", out.join("search.html").display());

    // "KB951402" as one word finds the article that cites "KB 951402".
    b.goto(&page("KB951402"));
    b.wait_for("#search-page-results .search-count", 10);
    let count = b.text(&b.find(".search-count").expect("a count"));
    assert!(!count.starts_with("0 "), "{count}");

    // "rollback" finds the steps' "Roll back" sections, not "rolling upgrade"; one step shared
    // by several paths is one result that says so, and the count is the real number, not a cap.
    b.goto(&page("rollback"));
    b.wait_for("#search-page-results li a", 10);
    let kinds: Vec<String> = b.find_all("#search-page-results .r-kind").iter().take(5).map(|e| b.text(e)).collect();
    assert!(
        kinds.iter().all(|k| k.eq_ignore_ascii_case("step")),
        "the best results are steps with a roll-back section: {kinds:?}"
    );
    assert!(
        !b.text(&b.find("#search-page-results").unwrap()).to_lowercase().contains("rolling"),
        "no \"rolling\" for rollback"
    );
    let titles: Vec<String> = b.find_all("#search-page-results .r-title").iter().map(|e| b.text(e)).collect();
    let mut unique = titles.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), titles.len(), "no result twice: {titles:?}");
    let shown = b.find_all("#search-page-results li").len();
    let count = b.text(&b.find(".search-count").expect("a count"));
    let total: usize = count.split_whitespace().next().unwrap().parse().unwrap();
    assert!(total >= shown && shown > 0, "{count} / {shown} shown");
    // Kind, title and teaser are laid out apart, not one run of bold underlined text.
    let kind = b.find("#search-page-results .r-kind").expect("a kind");
    assert_eq!(
        b.eval("return getComputedStyle(document.querySelector('#search-page-results .r-kind')).display"),
        "block"
    );
    assert_ne!(
        b.eval("return getComputedStyle(document.querySelector('#search-page-results .r-teaser')).fontWeight"),
        "700"
    );
    assert!(!b.text(&kind).is_empty());
    assert!(
        !b.eval("return document.querySelector('#search-page-results').textContent.includes('`')").as_bool().unwrap()
    );
    b.screenshot("search-page.png");
}

/// Serves the built site as a static web server would (its 404 page for anything missing),
/// under `sub_path` or at the root; the runtime must outlive the test's requests.
fn serve_with_404(out: &std::path::Path, sub_path: Option<&str>) -> (tokio::runtime::Runtime, u16) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    let site = tower_http::services::ServeDir::new(out)
        .not_found_service(tower_http::services::ServeFile::new(out.join("404.html")));
    let app = match sub_path {
        Some(p) => axum::Router::new().nest_service(p, site),
        None => axum::Router::new().fallback_service(site),
    };
    rt.spawn(async move { axum::serve(listener, app).await });
    (rt, port)
}

#[test]
fn the_404_page_works_under_a_sub_path_without_site_url() {
    let Some(b) = Browser::start() else { return };
    let (_dir, out) = build_site();
    let (_rt, port) = serve_with_404(&out, Some("/kb"));

    b.goto(&format!("http://127.0.0.1:{port}/kb/blockers/no-such-blocker.html"));
    b.wait_for("h1", 10);
    assert_eq!(b.eval("return document.querySelector('h1').textContent"), "Page not found");
    // Styled (the style sheet is inlined), and every link finds the site under /kb/.
    assert_ne!(b.eval("return getComputedStyle(document.querySelector('.topbar')).display"), "inline");
    b.wait_until(10, "the links to point at the site root", |b| {
        b.eval("return document.querySelector('a.button').getAttribute('href')") == "/kb/index.html"
    });
    let hrefs = b.eval("return Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))");
    for h in hrefs.as_array().unwrap().iter().map(|h| h.as_str().unwrap()) {
        assert!(h.starts_with("/kb/") || h.starts_with('#') || h.starts_with("http"), "{h}");
    }
    b.wait_until(10, "the site's script to load", |b| b.find("#search-input").is_some());
    b.screenshot("404-sub-path.png");
}

#[test]
fn the_404_page_never_takes_its_links_or_script_from_another_site() {
    let Some(b) = Browser::start() else { return };
    let (_dir, out) = build_site();
    let (rt, port) = serve_with_404(&out, None);
    // Another site that answers anything, to any origin.
    let other = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let other_port = other.local_addr().unwrap().port();
    let evil = axum::Router::new().fallback(|| async { ([("access-control-allow-origin", "*")], "alert(1)") });
    rt.spawn(async move { axum::serve(other, evil).await });
    // A protocol-relative path: a naive "parent folder" of it is the other site.
    b.goto(&format!("http://127.0.0.1:{port}//127.0.0.1:{other_port}/x/nope.html"));
    b.wait_for("h1", 10);
    b.wait_until(10, "the links to be fixed", |b| {
        b.eval("return document.querySelector('a.button').getAttribute('href')")
            .as_str()
            .is_some_and(|h| h.starts_with('/'))
    });
    let srcs = b.eval(
        "return Array.from(document.querySelectorAll('a[href], script[src]')).map(e => e.href || e.src).filter(u => u.startsWith('http'))",
    );
    for u in srcs.as_array().unwrap().iter().map(|u| u.as_str().unwrap()) {
        assert!(u.starts_with(&format!("http://127.0.0.1:{port}/")), "{u} leaves the site");
    }
}

/// axe-core, vendored (tests/vendor/README.md says where it comes from).
const AXE: &str = include_str!("vendor/axe.min.js");

/// Every page type, in light and dark, through axe-core: no violation of impact serious or
/// critical, none of the rules a review found broken, and at 1280, 1024 and 390 px no page is
/// wider than the screen.
#[test]
fn every_page_type_passes_axe_in_light_and_dark_and_fits_a_phone() {
    let Some(b) = Browser::start() else { return };
    let (_dir, out) = build_site();
    let pages = [
        "index.html",
        "paths/index.html",
        "paths/new-server-move-mailbox.html",
        "paths/in-place-os-upgrade.html",
        "blockers/index.html",
        "blockers/powershell-blocks-os-upgrade.html",
        "prerequisites/client-access-iis.html",
        "components/client-access.html",
        "articles/in-place-upgrade-story.html",
        "matrix.html",
        "assistant.html",
        "search.html?q=powershell",
        "tags/index.html",
        "tags/anti-path.html",
        "runbooks/new-server-move-mailbox.html",
        "404.html",
    ];
    // Rules the review found broken, reported whatever axe rates their impact.
    let named = [
        "aria-required-parent",
        "aria-required-children",
        "aria-input-field-name",
        "landmark-unique",
        "empty-table-header",
        "color-contrast",
        "scrollable-region-focusable",
    ];
    let mut problems = Vec::new();
    for page in pages {
        let (file, query) = page.split_once('?').map_or((page, ""), |(f, q)| (f, q));
        assert!(out.join(file).is_file(), "{file} exists");
        let url = format!("file://{}{}{query}", out.join(file).display(), if query.is_empty() { "" } else { "?" });
        for theme in ["light", "dark"] {
            b.resize(1280, 1000);
            b.goto(&url);
            b.wait_for("main, body", 10);
            b.eval(&format!("document.documentElement.dataset.theme = '{theme}'; return 1"));
            if page.starts_with("search.html") {
                b.wait_for("#search-page-results li", 10);
            }
            b.eval(&format!("{AXE}\n;return 1"));
            let found = b.eval_async(
                "const done = arguments[arguments.length - 1];\
                 axe.run(document, { resultTypes: ['violations'] }).then(r => done(r.violations.map(v =>\
                   ({ id: v.id, impact: v.impact, nodes: v.nodes.length, target: String(v.nodes[0] && v.nodes[0].target) }))));",
            );
            for v in found.as_array().expect("axe's violations") {
                let id = v["id"].as_str().unwrap_or_default();
                let impact = v["impact"].as_str().unwrap_or_default();
                if matches!(impact, "serious" | "critical") || named.contains(&id) {
                    problems.push(format!("{page} ({theme}): {id} [{impact}] ×{} e.g. {}", v["nodes"], v["target"]));
                }
            }
        }
        // A desktop, a small laptop (where the top bar is tightest) and a phone.
        for (width, height) in [(1280, 900), (1024, 768), (390, 844)] {
            b.resize(width, height);
            b.goto(&url);
            b.wait_for("main, body", 10);
            let widths = b.eval("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]");
            let (scroll, client) = (widths[0].as_u64().unwrap_or(0), widths[1].as_u64().unwrap_or(0));
            if scroll > client {
                let culprits = b.eval(
                    "const w = document.documentElement.clientWidth;\
                     return Array.from(document.querySelectorAll('body *'))\
                       .filter(e => e.getBoundingClientRect().right > w + 1 && !Array.from(e.children).some(c => c.getBoundingClientRect().right > w + 1))\
                       .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).replace(/ /g, '.') : ''));",
                );
                problems.push(format!("{page}: {scroll} px wide on a {client} px screen, because of {culprits}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// At scale the index is split: a query downloads the manifest, the parts its terms fall in
/// and the result chunks it shows — not the whole index — and still finds and ranks.
#[test]
fn a_query_loads_only_the_parts_of_the_index_it_needs() {
    let Some(b) = Browser::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let kb = dir.path().join("kb");
    pathbook::corpus::generate(&pathbook::corpus::Spec { articles: 600, rules: 400, seed: 11 }, &kb).unwrap();
    let out = dir.path().join("site");
    let o = std::process::Command::new(common::BIN)
        .arg("--root")
        .arg(&kb)
        .args(["build", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let parts: Vec<std::path::PathBuf> = std::fs::read_dir(out.join("assets/search"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with('t'))
        .collect();
    assert!(parts.len() >= 8, "a corpus this size has several parts: {}", parts.len());
    let all_bytes: u64 =
        std::fs::read_dir(out.join("assets/search")).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum();

    b.goto(&format!("file://{}?q=PowerShell", out.join("search.html").display()));
    b.wait_for("#search-page-results li a", 10);
    let count = b.text(&b.find(".search-count").expect("a count"));
    let total: usize = count.split_whitespace().next().unwrap().parse().unwrap();
    assert!(total > 20, "every page with a PowerShell block: {count}");
    let loaded = b.eval(
        "return Array.from(document.querySelectorAll('script[src*=\"assets/search/\"]')).map(s => decodeURI(s.src))",
    );
    let loaded: Vec<String> = loaded
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().trim_start_matches("file://").to_string())
        .collect();
    let term_parts: Vec<&String> = loaded.iter().filter(|s| s.rsplit('/').next().unwrap().starts_with('t')).collect();
    assert!(!term_parts.is_empty() && term_parts.len() <= 2, "one term, one or two parts: {term_parts:?}");
    let bytes: u64 = loaded.iter().map(|p| std::fs::metadata(p).unwrap().len()).sum();
    assert!(bytes * 4 < all_bytes, "a query loaded {bytes} of the index's {all_bytes} bytes");
    eprintln!("query loaded {bytes} of {all_bytes} bytes in {} files; {count}", loaded.len());

    // The page reads the postings as the build wrote them: for a number that only a few
    // documents far apart contain, it lists exactly those, best weight first.
    let json = |file: &std::path::Path| -> serde_json::Value {
        let text = std::fs::read_to_string(file).unwrap();
        serde_json::from_str(text.split_once("] = ").unwrap().1.trim().strip_suffix(';').unwrap()).unwrap()
    };
    let mut terms: std::collections::BTreeMap<String, Vec<u64>> = std::collections::BTreeMap::new();
    for p in &parts {
        for (t, postings) in json(p).as_object().unwrap() {
            terms.insert(t.clone(), common::postings_numbers(postings.as_str().unwrap()));
        }
    }
    let (term, numbers) = terms
        .iter()
        .find(|(t, n)| {
            let gaps: Vec<u64> = n.iter().step_by(2).copied().collect();
            t.len() >= 3
                && t.bytes().all(|b| b.is_ascii_digit())
                && (3..=20).contains(&gaps.len())
                && gaps.iter().skip(1).any(|g| *g >= 32)
                && terms.keys().filter(|k| k.starts_with(t.as_str())).count() == 1
        })
        .expect("a number a few documents far apart contain");
    let mut expected: Vec<(u64, u64)> = Vec::new();
    let mut doc = 0;
    for p in numbers.chunks(2) {
        doc += p[0];
        expected.push((p[1], doc));
    }
    expected.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let url = |d: u64| -> String {
        let chunk = json(&out.join(format!("assets/search/d{}.js", d / 16)));
        chunk[(d % 16) as usize][1].as_str().unwrap().to_string()
    };
    let expected: Vec<String> = expected.iter().map(|(_, d)| url(*d)).collect();
    b.goto(&format!("file://{}?q={term}", out.join("search.html").display()));
    b.wait_for("#search-page-results li a", 10);
    let listed = b.eval(
        "return Array.from(document.querySelectorAll('#search-page-results li a')).map(a => a.getAttribute('href'))",
    );
    let listed: Vec<String> = listed.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    assert_eq!(listed, expected, "results for {term}");
}

#[test]
fn a_tailored_runbook_names_only_the_kept_steps_that_clear_a_blocker() {
    let Some(b) = Browser::start() else { return };
    let kb = common::Kb::new();
    kb.write("rules/catalog.yaml", common::STEPWISE_CATALOG);
    let o = kb.run_here(&["build"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let file = kb.path().join("book/runbooks/fix-then-upgrade.html");
    let cleared =
        "return Array.from(document.querySelectorAll('.rb-cleared')).filter(c => !c.hidden).map(c => c.textContent)";
    // The whole runbook: either firmware step may clear it, depending on the machine.
    b.goto(&format!("file://{}", file.display()));
    b.wait_for(".rb-blockers", 5);
    assert_eq!(b.eval(cleared), serde_json::json!(["(cleared by step 2 or step 3)"]));
    // A machine that is already UEFI: step 2 is left out, the TPM step becomes step 2.
    b.goto(&format!("file://{}?steps=1,3,4", file.display()));
    b.wait_for(".rb-tailored:not([hidden])", 5);
    assert_eq!(b.eval(cleared), serde_json::json!(["(cleared by step 2)"]));
    // Neither firmware step: nothing left that clears it, so the note goes.
    b.goto(&format!("file://{}?steps=1,4", file.display()));
    b.wait_for(".rb-tailored:not([hidden])", 5);
    assert_eq!(b.eval(cleared), serde_json::json!([]));
}

//! `serve`: live preview. A session keeps the site in memory; a watcher feeds it changed files;
//! the HTTP server serves the last good pages and tells browsers (server-sent events) to reload
//! once a rebuild is complete, or to show the diagnostics when it failed.
//!
//! Nothing is written to disk: there is no half-written site to serve and no temporary
//! directory to clean up on Ctrl-C.

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use notify::EventKind;
use notify::event::{AccessKind, AccessMode};
use notify_debouncer_full::DebounceEventResult;
use serde::Serialize;
use tokio::sync::broadcast;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

use crate::diag::{self, Severity, Style};
use crate::session::{Pages, Session, UpdateKind, is_scratch};

#[derive(Clone, Debug)]
pub struct Options {
    pub bind: IpAddr,
    pub port: u16,
    pub open: bool,
    /// Poll the file system instead of using its change events (network drives, some VMs).
    pub poll: bool,
    pub style: Style,
    /// Host names the preview answers to besides `localhost` and IP addresses.
    pub allow_hosts: Vec<String>,
    pub overrides: crate::config::Overrides,
}

/// One diagnostic as the browser overlay shows it.
#[derive(Clone, Debug, Serialize)]
struct OverlayDiag {
    code: &'static str,
    severity: Severity,
    file: String,
    line: usize,
    column: usize,
    message: String,
    hint: Option<String>,
    /// The same text the terminal shows, without colour.
    rendered: String,
}

/// What the server hands out, swapped whole after every rebuild.
struct Snapshot {
    pages: Arc<Pages>,
    generation: u64,
    /// Rebuilds attempted since start (watcher batches that reached the session).
    builds: u64,
    errors: Arc<Vec<OverlayDiag>>,
    title: String,
}

#[derive(Clone, Debug)]
enum Notice {
    Reload(u64),
    Errors(Arc<Vec<OverlayDiag>>),
}

struct Shared {
    snapshot: RwLock<Snapshot>,
    notices: broadcast::Sender<Notice>,
}

fn overlay_diags(session: &Session) -> Vec<OverlayDiag> {
    let p = &session.project;
    p.diags
        .items
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            let loc = p.sources.locate(d.span);
            OverlayDiag {
                code: d.code.as_str(),
                severity: d.severity,
                file: loc.file,
                line: loc.line,
                column: loc.column,
                message: d.message.clone(),
                hint: d.hint.clone(),
                rendered: diag::render_one_plain(d, &p.sources),
            }
        })
        .collect()
}

fn print_diagnostics(session: &Session, style: Style) {
    let p = &session.project;
    if !p.diags.is_empty() {
        eprint!("{}", diag::render_human(&p.diags.items, &p.sources, style));
    }
}

/// Builds, serves and rebuilds until Ctrl-C.
pub fn serve(root: &Path, opts: Options) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    // Reads the build cache (never writes it): the first render reuses the last build's highlighting.
    let session = Session::open_cached(root, &opts.overrides, crate::cache::dir_for(root).as_deref());
    print_diagnostics(&session, opts.style);
    let title = session.project.config.as_ref().map_or_else(|| "pathbook".to_string(), |c| c.book.title.clone());
    if session.fresh {
        eprintln!("built {} files in {:.2} s", session.pages.len(), started.elapsed().as_secs_f64());
    } else {
        eprintln!(
            "the knowledge base has {} error(s); serving them until they are fixed",
            session.project.diags.error_count()
        );
    }
    let (notices, _) = broadcast::channel(64);
    let shared = Arc::new(Shared {
        snapshot: RwLock::new(Snapshot {
            pages: session.pages.clone(),
            generation: session.generation,
            builds: 0,
            errors: Arc::new(if session.fresh { Vec::new() } else { overlay_diags(&session) }),
            title,
        }),
        notices,
    });

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind(SocketAddr::new(opts.bind, opts.port)))?;
    let addr = listener.local_addr()?;
    let url = format!("http://{addr}/");
    eprintln!("serving at {url} (Ctrl-C to stop)");

    let watched = watched_dirs(&session);
    let (tx, rx) = std::sync::mpsc::channel::<DebounceEventResult>();
    let _watcher = watch(&watched, opts.poll, tx)?;
    let rebuild_shared = shared.clone();
    let style = opts.style;
    let ignore: Vec<PathBuf> = session
        .project
        .config
        .as_ref()
        .map(|c| vec![c.build_dir(), c.root.join("target"), c.root.join(".git")])
        .unwrap_or_default();
    std::thread::spawn(move || rebuild_loop(session, rx, rebuild_shared, style, ignore));

    if opts.open {
        open_browser(&url);
    }
    let allowed = Arc::new(opts.allow_hosts.iter().map(|h| h.to_ascii_lowercase()).collect::<Vec<_>>());
    let app = Router::new()
        .route("/__pathbook/events", get(events))
        .route("/__pathbook/status", get(status))
        .route("/__pathbook/live.js", get(live_js))
        .fallback(get(page))
        .layer(axum::middleware::from_fn(move |req: axum::extract::Request, next: axum::middleware::Next| {
            let allowed = allowed.clone();
            async move {
                let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
                if host_allowed(host, &allowed) {
                    next.run(req).await
                } else {
                    (
                        StatusCode::MISDIRECTED_REQUEST,
                        "pathbook serve answers only to localhost, IP addresses and --allow-host names\n",
                    )
                        .into_response()
                }
            }
        }))
        .with_state(shared);
    runtime.block_on(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
                eprintln!("\nstopped");
            })
            .await
    })?;
    // Open event streams would keep the runtime busy; they carry nothing worth waiting for.
    runtime.shutdown_timeout(Duration::from_millis(200));
    Ok(())
}

/// Is `host` (a `Host` header) a name the preview may answer to? A web page on another site
/// can make a browser send requests here under its own domain name pointed at 127.0.0.1 (DNS
/// rebinding) and read the answers; it cannot make the `Host` header say `localhost` or an IP
/// address, so those are accepted, and any other name only when the user allowed it.
pub fn host_allowed(host: &str, allowed: &[String]) -> bool {
    let host = host.trim().to_ascii_lowercase();
    let name = if let Some(rest) = host.strip_prefix('[') {
        // [::1]:3000
        match rest.split_once(']') {
            Some((ip, _)) => return ip.parse::<std::net::Ipv6Addr>().is_ok(),
            None => return false,
        }
    } else {
        host.rsplit_once(':')
            .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
            .map_or(host.as_str(), |(h, _)| h)
    };
    if name.is_empty() {
        return false;
    }
    name == "localhost"
        || name.ends_with(".localhost")
        || name.parse::<std::net::Ipv4Addr>().is_ok()
        || allowed.iter().any(|a| a == name)
}

/// The folders whose files make the site, plus the root for `book.toml`.
fn watched_dirs(session: &Session) -> Vec<(PathBuf, notify::RecursiveMode)> {
    let mut out = vec![(session.root.clone(), notify::RecursiveMode::NonRecursive)];
    if let Some(c) = &session.project.config {
        for dir in [c.rules_dir(), c.content_dir(), c.theme_dir()] {
            if dir.is_dir() {
                out.push((dir, notify::RecursiveMode::Recursive));
            }
        }
    }
    out
}

/// Either kind of debouncer, kept alive by the caller.
enum Watcher {
    Native(notify_debouncer_full::Debouncer<notify::RecommendedWatcher, notify_debouncer_full::RecommendedCache>),
    Poll(notify_debouncer_full::Debouncer<notify::PollWatcher, notify_debouncer_full::NoCache>),
}

fn watch(
    dirs: &[(PathBuf, notify::RecursiveMode)],
    poll: bool,
    tx: std::sync::mpsc::Sender<DebounceEventResult>,
) -> anyhow::Result<Watcher> {
    // Long enough to gather one save's burst (temp file, rename, backup removal) into one
    // batch; short enough to feel instant.
    let debounce = Duration::from_millis(60);
    let mut w = if poll {
        let config =
            notify::Config::default().with_poll_interval(Duration::from_millis(250)).with_compare_contents(true);
        Watcher::Poll(notify_debouncer_full::new_debouncer_opt(
            debounce,
            None,
            tx,
            notify_debouncer_full::NoCache,
            config,
        )?)
    } else {
        Watcher::Native(notify_debouncer_full::new_debouncer(debounce, None, tx)?)
    };
    for (dir, mode) in dirs {
        match &mut w {
            Watcher::Native(d) => d.watch(dir, *mode)?,
            Watcher::Poll(d) => d.watch(dir, *mode)?,
        }
    }
    Ok(w)
}

fn rebuild_loop(
    mut session: Session,
    rx: std::sync::mpsc::Receiver<DebounceEventResult>,
    shared: Arc<Shared>,
    style: Style,
    ignore: Vec<PathBuf>,
) {
    while let Ok(batch) = rx.recv() {
        let Ok(events) = batch else { continue };
        let mut paths: BTreeSet<PathBuf> = BTreeSet::new();
        for e in events {
            // Opening or reading a file changes nothing; a finished write does.
            if matches!(e.kind, EventKind::Access(a) if a != AccessKind::Close(AccessMode::Write)) {
                continue;
            }
            for p in &e.paths {
                if is_scratch(p) || ignore.iter().any(|i| p.starts_with(i)) {
                    continue;
                }
                paths.insert(p.clone());
            }
        }
        if paths.is_empty() {
            continue;
        }
        let paths: Vec<PathBuf> = paths.into_iter().collect();
        let update = session.update(&paths);
        if update.kind == UpdateKind::Unchanged {
            continue;
        }
        let mut snap = shared.snapshot.write().unwrap_or_else(|p| p.into_inner());
        snap.builds += 1;
        if update.ok {
            print_diagnostics(&session, style);
            eprintln!(
                "rebuilt ({:?}) {} file(s) in {:.0} ms",
                update.kind,
                update.rendered,
                update.elapsed.as_secs_f64() * 1e3
            );
            snap.pages = session.pages.clone();
            snap.generation = session.generation;
            snap.errors = Arc::new(Vec::new());
            let _ = shared.notices.send(Notice::Reload(snap.generation));
            // The search index after the reload, with the snapshot unlocked meanwhile.
            drop(snap);
            if session.refresh_search() {
                shared.snapshot.write().unwrap_or_else(|p| p.into_inner()).pages = session.pages.clone();
            }
        } else {
            print_diagnostics(&session, style);
            eprintln!(
                "rebuild failed: {} error(s); still serving the last good site",
                session.project.diags.error_count()
            );
            snap.errors = Arc::new(overlay_diags(&session));
            let _ = shared.notices.send(Notice::Errors(snap.errors.clone()));
        }
    }
}

#[derive(Serialize)]
struct StatusJson {
    generation: u64,
    builds: u64,
    errors: Vec<OverlayDiag>,
}

async fn status(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    let json = {
        let s = shared.snapshot.read().unwrap_or_else(|p| p.into_inner());
        StatusJson { generation: s.generation, builds: s.builds, errors: s.errors.to_vec() }
    };
    no_store(axum::Json(json).into_response())
}

async fn events(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    let hello = {
        let (generation, errors) = {
            let s = shared.snapshot.read().unwrap_or_else(|p| p.into_inner());
            (s.generation, s.errors.clone())
        };
        let data = serde_json::json!({ "generation": generation, "errors": *errors }).to_string();
        Event::default().event("hello").data(data)
    };
    let updates = BroadcastStream::new(shared.notices.subscribe()).filter_map(|n| match n {
        Ok(Notice::Reload(g)) => Some(Event::default().event("reload").data(g.to_string())),
        Ok(Notice::Errors(list)) => {
            Some(Event::default().event("errors").data(serde_json::to_string(&*list).unwrap_or_default()))
        }
        Err(_) => None,
    });
    let stream = tokio_stream::once(hello).chain(updates).map(Ok::<Event, std::convert::Infallible>);
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

async fn live_js() -> impl IntoResponse {
    no_store(([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], LIVE_JS).into_response())
}

fn no_store(mut r: Response) -> Response {
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn page(State(shared): State<Arc<Shared>>, uri: Uri) -> Response {
    let (pages, generation, broken, title) = {
        let s = shared.snapshot.read().unwrap_or_else(|p| p.into_inner());
        (s.pages.clone(), s.generation, !s.errors.is_empty(), s.title.clone())
    };
    let raw = uri.path().trim_start_matches('/');
    let decoded = percent_decode(raw);
    let mut key = if decoded.is_empty() || decoded.ends_with('/') { format!("{decoded}index.html") } else { decoded };
    if !pages.contains_key(&key) && pages.contains_key(&format!("{key}/index.html")) {
        key = format!("{key}/index.html");
    }
    let (status, body, key) = match pages.get(&key) {
        Some(b) => (StatusCode::OK, b.clone(), key),
        None => match pages.get("404.html") {
            Some(b) => (StatusCode::NOT_FOUND, b.clone(), "404.html".to_string()),
            None => {
                // No good build yet: a page that only carries the overlay.
                let html = format!(
                    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{}</title></head><body><p>{}</p></body></html>",
                    crate::render::escape_html(&title),
                    if broken {
                        "The knowledge base has errors; they are listed over this page."
                    } else {
                        "Not found."
                    }
                );
                (StatusCode::NOT_FOUND, Arc::from(html.into_bytes()), "index.html".to_string())
            }
        },
    };
    let mime = mime_for(&key);
    let bytes: Vec<u8> = if mime.starts_with("text/html") { inject_live(&body, generation) } else { body.to_vec() };
    let mut r = (status, [(header::CONTENT_TYPE, mime)], bytes).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Adds the live-reload script before `</body>`, tagged with the generation it came from.
fn inject_live(html: &[u8], generation: u64) -> Vec<u8> {
    let tag = format!("<script src=\"/__pathbook/live.js\" data-generation=\"{generation}\" defer></script>");
    let text = String::from_utf8_lossy(html);
    match text.rfind("</body>") {
        Some(i) => format!("{}{}{}", &text[..i], tag, &text[i..]).into_bytes(),
        None => format!("{text}{tag}").into_bytes(),
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(v) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn mime_for(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "xml" => "application/xml",
        "json" => "application/json",
        "pdf" => "application/pdf",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn open_browser(url: &str) {
    let cmd = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if std::process::Command::new(cmd).arg(url).spawn().is_err() {
        eprintln!("could not start a browser; open {url} yourself");
    }
}

/// The browser side: reload when a rebuild finished, show diagnostics when it failed.
const LIVE_JS: &str = r#"(function () {
  "use strict";
  var me = document.currentScript;
  var generation = Number(me && me.getAttribute("data-generation")) || 0;
  var overlay = null;

  function clear() {
    if (overlay) { overlay.remove(); overlay = null; }
  }

  function show(errors) {
    clear();
    if (!errors.length) { return; }
    overlay = document.createElement("div");
    overlay.id = "pathbook-overlay";
    overlay.setAttribute("role", "alertdialog");
    overlay.setAttribute("aria-label", "Build errors");
    overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;background:rgba(16,18,24,.94);" +
      "color:#f2f4f8;font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;padding:2rem";
    var head = document.createElement("div");
    head.style.cssText = "font:600 1.1rem system-ui,sans-serif;margin-bottom:1rem;color:#ff8a80";
    head.textContent = errors.length + " error" + (errors.length === 1 ? "" : "s") +
      " — the last good version of the site is still served. Fix the source and it reloads by itself.";
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "Dismiss (Esc)";
    close.style.cssText = "float:right;font:600 .9rem system-ui,sans-serif;background:#2b313c;color:#f2f4f8;border:1px solid #4a5363;border-radius:6px;padding:.3rem .7rem;cursor:pointer";
    close.addEventListener("click", clear);
    overlay.appendChild(close);
    overlay.appendChild(head);
    errors.forEach(function (e) {
      var box = document.createElement("div");
      box.className = "pathbook-error";
      box.style.cssText = "border-left:4px solid #ff5252;background:#1d2129;padding:.8rem 1rem;margin:0 0 1rem;border-radius:4px";
      var title = document.createElement("div");
      title.style.cssText = "font-weight:700;color:#ffb4ab";
      title.textContent = "error[" + e.code + "]: " + e.message;
      var where = document.createElement("div");
      where.className = "pathbook-location";
      where.style.cssText = "color:#9fb3c8";
      where.textContent = e.file + ":" + e.line + ":" + e.column;
      var pre = document.createElement("pre");
      pre.style.cssText = "white-space:pre-wrap;margin:.6rem 0 0;color:#e2e7ee";
      // The terminal's text starts with the message and the location shown just above:
      // keep only the snippet and the help under them, so nothing is said twice.
      var lines = e.rendered.split("\n");
      var from = lines.length > 1 && lines[1].indexOf("-->") >= 0 ? 2 : 1;
      pre.textContent = lines.slice(from).join("\n");
      box.appendChild(title);
      box.appendChild(where);
      box.appendChild(pre);
      overlay.appendChild(box);
    });
    document.body.appendChild(overlay);
    close.focus();
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && overlay) { clear(); }
  });

  function connect() {
    var es = new EventSource("/__pathbook/events");
    es.addEventListener("hello", function (ev) {
      var d = JSON.parse(ev.data);
      if (d.generation > generation && !d.errors.length) { location.reload(); return; }
      show(d.errors);
    });
    es.addEventListener("reload", function () { location.reload(); });
    es.addEventListener("errors", function (ev) { show(JSON.parse(ev.data)); });
    es.onerror = function () { es.close(); setTimeout(connect, 1000); };
  }
  connect();
})();
"#;

#[cfg(test)]
mod tests {
    use super::host_allowed;

    #[test]
    fn only_loopback_names_addresses_and_allowed_hosts_are_answered() {
        for ok in ["127.0.0.1:3000", "localhost:3000", "LOCALHOST", "[::1]:3000", "kb.localhost:8080", "10.0.0.5:3000"]
        {
            assert!(host_allowed(ok, &[]), "{ok}");
        }
        for bad in
            ["attacker.example:3000", "attacker.example", "", "localhost.attacker.example", "[::1", "127.0.0.1.nip.io"]
        {
            assert!(!host_allowed(bad, &[]), "{bad}");
        }
        assert!(host_allowed("preview.corp:3000", &["preview.corp".to_string()]));
    }
}

//! Printing HTML to PDF with a locally installed headless Chromium. pathbook never downloads a
//! browser: it finds one on `PATH` (or is told where it is) and says how to install it if not.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error(
        "no Chromium found on PATH (looked for chromium, chromium-browser, google-chrome).\n\
         Install it (Debian/Ubuntu: `apt-get install chromium`; macOS: install Google Chrome) or pass \
         `--chromium /path/to/chromium`. Without it, use `--format html` and print from any browser."
    )]
    NotFound,
    #[error("{0} does not exist")]
    Missing(PathBuf),
    #[error("Chromium failed to print: {0}")]
    Failed(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

const NAMES: [&str; 6] =
    ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "chromium.exe"];

/// The Chromium to use: the one given, or the first on `PATH`.
pub fn find_chromium(given: Option<&Path>) -> Result<PathBuf, PdfError> {
    if let Some(p) = given {
        return if p.is_file() { Ok(p.to_path_buf()) } else { Err(PdfError::Missing(p.to_path_buf())) };
    }
    let path = std::env::var_os("PATH").ok_or(PdfError::NotFound)?;
    std::env::split_paths(&path)
        .flat_map(|dir| NAMES.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
        .ok_or(PdfError::NotFound)
}

/// A document, not an application: no script, plugin or request may run while it is printed
/// (Chromium runs here without its sandbox, and `--disable-javascript` does not stop scripts in
/// headless printing; a Content-Security-Policy in the page does).
pub const NO_SCRIPT_CSP: &str = "<meta http-equiv=\"Content-Security-Policy\" content=\"script-src 'none'; object-src 'none'; base-uri 'none'; connect-src 'none'; frame-src 'none'; form-action 'none'\">";

/// `html` with [`NO_SCRIPT_CSP`] as the first thing in its head.
pub fn without_scripts(html: &str) -> String {
    if html.contains(NO_SCRIPT_CSP) {
        return html.to_string();
    }
    match html.find("<head>") {
        Some(i) => format!("{}{NO_SCRIPT_CSP}{}", &html[..i + 6], &html[i + 6..]),
        None => format!("{NO_SCRIPT_CSP}{html}"),
    }
}

/// Prints a self-contained HTML document to `out`, with scripts off.
pub fn print(html: &str, out: &Path, chromium: &Path) -> Result<(), PdfError> {
    let work = tempfile::tempdir()?;
    let page = work.path().join("runbook.html");
    std::fs::write(&page, without_scripts(html))?;
    let out_abs = if out.is_absolute() { out.to_path_buf() } else { std::env::current_dir()?.join(out) };
    let _ = std::fs::remove_file(&out_abs);
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-pdf-header-footer",
            "--disable-javascript",
        ])
        .arg(format!("--user-data-dir={}", work.path().join("profile").display()))
        .arg(format!("--print-to-pdf={}", out_abs.display()))
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        if let Some(status) = child.try_wait()? {
            if out_abs.is_file() && std::fs::metadata(&out_abs)?.len() > 0 {
                return Ok(());
            }
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                use std::io::Read;
                let _ = e.read_to_string(&mut err);
            }
            return Err(PdfError::Failed(format!("exit {status}; {}", err.lines().last().unwrap_or(""))));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err(PdfError::Failed("timed out after 180 s".into()));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

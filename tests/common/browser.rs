//! A small WebDriver client for headless Chromium (Debian's `chromium` + `chromium-driver`).
//! When `CI` is set a missing browser fails the test; locally it is skipped with a message.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
    /// One browser at a time: several headless Chromiums on a 2-core machine starve each other.
    _turn: std::sync::MutexGuard<'static, ()>,
}

static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn find_binary(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for n in names {
            let p = dir.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Where screenshots go: `target/test-artifacts/` (never committed).
pub fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap_or(Path::new("target")).join("test-artifacts");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session, or explains why not.
    pub fn start() -> Option<Browser> {
        let chromium = find_binary(&["chromium", "chromium-browser", "google-chrome"]);
        let driver = find_binary(&["chromedriver"]);
        let (Some(chromium), Some(driver)) = (chromium, driver) else {
            let msg = "headless Chromium and chromedriver are needed for browser tests (Debian: apt-get install chromium chromium-driver)";
            if std::env::var_os("CI").is_some() {
                panic!("{msg}");
            }
            eprintln!("SKIPPED: {msg}");
            return None;
        };
        let turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let mut b = Browser { driver: child, port, session: String::new(), _turn: turn };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = tempfile::tempdir().unwrap().keep();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000",
                         "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--allow-file-access-from-files", format!("--user-data-dir={}", profile.display())]
            }
        }}});
        let v = b.call("POST", "/session", Some(caps));
        b.session = v["sessionId"].as_str().expect("a session").to_string();
        Some(b)
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        // A connection reset before any response byte means chromedriver never saw the command.
        for attempt in 0..3 {
            match self.try_call(method, path, &body) {
                Ok(v) => return v,
                Err(e) if attempt < 2 => {
                    eprintln!("chromedriver: {e}; retrying");
                    std::thread::sleep(Duration::from_millis(300));
                }
                Err(e) => panic!("chromedriver: {e}"),
            }
        }
        unreachable!()
    }

    fn try_call(&self, method: &str, path: &str, body: &str) -> std::io::Result<Value> {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.port))?;
        s.set_read_timeout(Some(Duration::from_secs(60)))?;
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )?;
        // chromedriver keeps connections alive whatever we ask: read exactly Content-Length.
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        let (head_end, length) = loop {
            let n = s.read(&mut chunk)?;
            if n == 0 {
                return Err(std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "closed before responding"));
            }
            buf.extend_from_slice(&chunk[..n]);
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..i]).to_ascii_lowercase();
                let len = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap_or(0)))
                    .unwrap_or(0);
                break (i + 4, len);
            }
        };
        while buf.len() < head_end + length {
            let n = s.read(&mut chunk).expect("chromedriver body");
            assert!(n > 0, "chromedriver closed the connection early");
            buf.extend_from_slice(&chunk[..n]);
        }
        let v: Value = serde_json::from_slice(&buf[head_end..head_end + length]).unwrap_or(Value::Null);
        Ok(v.get("value").cloned().unwrap_or(v))
    }

    fn s(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    pub fn goto(&self, url: &str) {
        self.call("POST", &self.s("/url"), Some(json!({"url": url})));
    }

    pub fn url(&self) -> String {
        self.call("GET", &self.s("/url"), None).as_str().unwrap_or_default().to_string()
    }

    /// The first element matching `css`, if any.
    pub fn find(&self, css: &str) -> Option<String> {
        let v = self.call("POST", &self.s("/element"), Some(json!({"using": "css selector", "value": css})));
        v.get(ELEMENT).and_then(|e| e.as_str()).map(str::to_string)
    }

    pub fn find_all(&self, css: &str) -> Vec<String> {
        let v = self.call("POST", &self.s("/elements"), Some(json!({"using": "css selector", "value": css})));
        v.as_array()
            .map(|a| a.iter().filter_map(|e| e[ELEMENT].as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    }

    /// Waits until `css` matches, up to `secs`.
    pub fn wait_for(&self, css: &str, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(e) = self.find(css) {
                return e;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {css} on {}", self.url());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn wait_until(&self, secs: u64, what: &str, mut ok: impl FnMut(&Browser) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while !ok(self) {
            assert!(Instant::now() < deadline, "timed out waiting for {what} on {}", self.url());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn type_into(&self, element: &str, text: &str) {
        self.call("POST", &self.s(&format!("/element/{element}/value")), Some(json!({"text": text})));
    }

    pub fn click(&self, element: &str) {
        self.call("POST", &self.s(&format!("/element/{element}/click")), Some(json!({})));
    }

    pub fn text(&self, element: &str) -> String {
        self.call("GET", &self.s(&format!("/element/{element}/text")), None).as_str().unwrap_or_default().to_string()
    }

    pub fn attr(&self, element: &str, name: &str) -> Option<String> {
        self.call("GET", &self.s(&format!("/element/{element}/attribute/{name}")), None).as_str().map(str::to_string)
    }

    /// Runs JavaScript in the page and returns its result.
    pub fn eval(&self, script: &str) -> Value {
        self.call("POST", &self.s("/execute/sync"), Some(json!({"script": script, "args": []})))
    }

    /// Runs asynchronous JavaScript: the script calls its last argument with the result.
    pub fn eval_async(&self, script: &str) -> Value {
        self.call("POST", &self.s("/execute/async"), Some(json!({"script": script, "args": []})))
    }

    pub fn keys(&self, text: &str) {
        let actions: Vec<Value> = text
            .chars()
            .flat_map(|c| [json!({"type": "keyDown", "value": c}), json!({"type": "keyUp", "value": c})])
            .collect();
        self.call(
            "POST",
            &self.s("/actions"),
            Some(json!({"actions": [{"type": "key", "id": "kb", "actions": actions}]})),
        );
    }

    /// Saves a PNG screenshot of the viewport under `target/test-artifacts/`.
    pub fn screenshot(&self, name: &str) -> PathBuf {
        let b64 = self.call("GET", &self.s("/screenshot"), None);
        let bytes = decode_base64(b64.as_str().unwrap_or_default());
        assert!(bytes.starts_with(b"\x89PNG"), "not a PNG");
        let path = artifacts().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    pub fn resize(&self, width: u32, height: u32) {
        self.call("POST", &self.s("/window/rect"), Some(json!({"width": width, "height": height})));
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            self.call("DELETE", &self.s(""), None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn decode_base64(s: &str) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let Some(v) = val(c) else { continue };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

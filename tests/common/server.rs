//! A running `pathbook serve` for tests.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::Kb;

/// A running `pathbook serve` on a free port.
pub struct Server {
    child: Child,
    pub port: u16,
    log: Arc<Mutex<Vec<String>>>,
}

/// How the server is started: the README's way (in the project folder, no `--root`), or with a
/// `--root` that is relative to the working directory, or absolute.
#[derive(Clone, Copy, Debug)]
pub enum Launch {
    InProject,
    RelativeRoot,
    AbsoluteRoot,
}

impl Server {
    /// `pathbook serve` as the README shows it: started in the project folder.
    pub fn start(kb: &Kb) -> Server {
        Server::launch(kb, Launch::InProject)
    }

    pub fn launch(kb: &Kb, how: Launch) -> Server {
        let mut cmd = Command::new(super::BIN);
        match how {
            Launch::InProject => {
                cmd.current_dir(kb.path());
            }
            Launch::RelativeRoot => {
                let parent = kb.path().parent().expect("a temporary directory has a parent");
                let name = kb.path().file_name().expect("a temporary directory has a name");
                cmd.current_dir(parent).arg("--root").arg(std::path::Path::new(".").join(name));
            }
            Launch::AbsoluteRoot => {
                cmd.arg("--root").arg(kb.path());
            }
        }
        let mut child = cmd
            .args(["--color", "never", "serve", "--port", "0"])
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("start serve");
        let log = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        let port = loop {
            let found = log.lock().unwrap().iter().find_map(|l| {
                l.strip_prefix("serving at http://127.0.0.1:")
                    .and_then(|r| r.split('/').next())
                    .and_then(|p| p.parse().ok())
            });
            if let Some(p) = found {
                break p;
            }
            assert!(Instant::now() < deadline, "serve did not start: {:?}", log.lock().unwrap());
            std::thread::sleep(Duration::from_millis(50));
        };
        Server { child, port, log }
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).unwrap();
        let text = String::from_utf8_lossy(&buf).to_string();
        let status = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
        (status, body)
    }

    pub fn status(&self) -> Value {
        serde_json::from_str(&self.get("/__pathbook/status").1).expect("status JSON")
    }

    /// Polls until `ok` holds, up to `secs`.
    pub fn wait(&self, secs: u64, what: &str, mut ok: impl FnMut(&Server) -> bool) -> Duration {
        let start = Instant::now();
        while !ok(self) {
            assert!(
                start.elapsed() < Duration::from_secs(secs),
                "timed out waiting for {what}; log: {:?}",
                self.log.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
        start.elapsed()
    }

    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    pub fn interrupt(&mut self) -> std::process::ExitStatus {
        Command::new("kill").args(["-INT", &self.child.id().to_string()]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            assert!(Instant::now() < deadline, "serve did not stop on Ctrl-C");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

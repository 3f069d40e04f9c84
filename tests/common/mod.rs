//! The test harness (Hugo-style): a knowledge base written inline, or a copy of the shipped
//! one, in a temporary directory, driven through the real `pathbook` binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub mod browser;
pub mod server;

pub const BIN: &str = env!("CARGO_BIN_EXE_pathbook");

/// The repository root, where the shipped knowledge base lives.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub struct Kb {
    pub dir: tempfile::TempDir,
}

impl Kb {
    /// An empty project with a minimal book.toml.
    pub fn new() -> Kb {
        let kb = Kb { dir: tempfile::tempdir().expect("tempdir") };
        kb.write("book.toml", "[book]\ntitle = \"Fixture\"\n");
        std::fs::create_dir_all(kb.path().join("rules")).expect("mkdir");
        kb
    }

    /// A copy of the shipped knowledge base (rules, content, book.toml, schema, themes).
    pub fn shipped() -> Kb {
        let kb = Kb { dir: tempfile::tempdir().expect("tempdir") };
        for entry in ["book.toml", "rules", "content", "schema", "themes"] {
            copy_tree(&repo().join(entry), &kb.path().join(entry));
        }
        kb
    }

    /// A copy of the folder `dir` (a project such as one of the examples).
    pub fn copy_of(dir: &Path) -> Kb {
        let kb = Kb { dir: tempfile::tempdir().expect("tempdir") };
        copy_tree(dir, kb.path());
        kb
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: impl AsRef<[u8]>) -> &Kb {
        let p = self.path().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, text).expect("write");
        self
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).expect("read")
    }

    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.path().join(rel)).expect("remove");
    }

    /// Replaces `from` with `to` in a file, asserting `from` is there exactly once.
    pub fn edit(&self, rel: &str, from: &str, to: &str) {
        let text = self.read(rel);
        assert_eq!(text.matches(from).count(), 1, "expected exactly one {from:?} in {rel}");
        self.write(rel, text.replacen(from, to, 1));
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN).arg("--root").arg(self.path()).args(args).output().expect("run pathbook")
    }

    /// Runs pathbook the way the README tells a user to: in the project folder, no `--root`.
    pub fn run_here(&self, args: &[&str]) -> Output {
        Command::new(BIN).current_dir(self.path()).args(args).output().expect("run pathbook")
    }

    /// `pathbook check --format json`: exit code and parsed diagnostics.
    pub fn check_json(&self) -> (i32, Vec<Diag>) {
        let out = self.run(&["check", "--format", "json"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "pathbook panicked:\n{stderr}");
        let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
            .collect();
        // The last line is always the summary, and its counts match the diagnostics.
        let summary = lines.last().expect("a summary line");
        assert_eq!(summary["type"], "summary", "{summary}");
        let diags: Vec<Diag> = lines[..lines.len() - 1].iter().cloned().map(Diag::from).collect();
        let errors = diags.iter().filter(|d| d.severity == "error").count() as u64;
        assert_eq!(summary["errors"].as_u64(), Some(errors), "{summary}");
        assert_eq!(summary["warnings"].as_u64(), Some(diags.len() as u64 - errors), "{summary}");
        (out.status.code().unwrap_or(-1), diags)
    }
}

/// One diagnostic from `--format json`.
#[derive(Clone, Debug)]
pub struct Diag {
    pub code: String,
    pub severity: String,
    pub file: String,
    pub line: u64,
    pub column: u64,
    pub message: String,
    pub label: Option<String>,
    pub hint: Option<String>,
    pub notes: Vec<String>,
}

impl From<Value> for Diag {
    fn from(v: Value) -> Diag {
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
        Diag {
            code: s("code"),
            severity: s("severity"),
            file: s("file"),
            line: v["line"].as_u64().unwrap_or(0),
            column: v["column"].as_u64().unwrap_or(0),
            message: s("message"),
            label: v["label"].as_str().map(str::to_string),
            hint: v["hint"].as_str().map(str::to_string),
            notes: v["notes"]
                .as_array()
                .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
                .unwrap_or_default(),
        }
    }
}

impl Diag {
    pub fn at(&self) -> (String, u64, u64) {
        (self.file.clone(), self.line, self.column)
    }
}

pub fn copy_tree(from: &Path, to: &Path) {
    if from.is_file() {
        std::fs::copy(from, to).expect("copy");
        return;
    }
    for e in walkdir::WalkDir::new(from) {
        let e = e.expect("walk");
        let rel = e.path().strip_prefix(from).expect("prefix");
        let dest = to.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
        } else {
            std::fs::copy(e.path(), &dest).expect("copy");
        }
    }
}

/// 1-based line and column of the `nth` (0-based) occurrence of `needle` in `text`.
pub fn locate(text: &str, needle: &str, nth: usize) -> (u64, u64) {
    let (offset, _) = text.match_indices(needle).nth(nth).unwrap_or_else(|| panic!("{needle:?} not found"));
    let before = &text[..offset];
    let line = before.matches('\n').count() as u64 + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() as u64 + 1;
    (line, col)
}

/// A term's postings as the index ships them: base-32 digits, least significant first, a
/// digit from the second half of the alphabet saying more follow (`pathbook.js` reads them).
pub fn postings_numbers(s: &str) -> Vec<u64> {
    const DIGITS: &str = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_";
    let (mut out, mut n, mut scale) = (Vec::new(), 0u64, 1u64);
    for c in s.chars() {
        let d = DIGITS.find(c).unwrap_or_else(|| panic!("{c:?} is not a digit in {s}")) as u64;
        n += (d % 32) * scale;
        if d < 32 {
            out.push(n);
            (n, scale) = (0, 1);
        } else {
            scale *= 32;
        }
    }
    assert_eq!(scale, 1, "a number cut off at the end of {s}");
    out
}

/// A path whose steps depend on what earlier steps did (`if:`), with undo windows, no time
/// estimates, a prerequisite the path ensures, one an earlier step establishes and one it does not, a blocker two steps clear
/// and one that concerns another method: everything a runbook must say about such a path.
pub const STEPWISE_CATALOG: &str = r#"
components:
  - {id: os, title: Operating system, kind: os, versions: ["1", "2"]}
  - {id: uefi, title: UEFI firmware, kind: firmware}
  - {id: tpm, title: TPM enabled, kind: firmware}
  - {id: user-data, title: User files, kind: data}
facts:
  - {id: partition-style, title: Partition style, type: enum, values: [mbr, gpt], default: mbr}
  - {id: free-space, title: Free space, type: number, unit: GB}
methods:
  - {id: assistant, title: The upgrade assistant}
  - {id: media-bypass, title: Setup media with the bypass}
constraints:
  - require: not uefi or partition-style = gpt
    why: UEFI boots from GPT.
blockers:
  - id: hardware-not-ready
    title: The hardware is not ready
    severity: hard
    blocks: upgrade os@2 via assistant
    when: not uefi or not tpm
    resolution: Switch the firmware to UEFI and enable the TPM.
  - id: bypass-unsupported
    title: A bypassed upgrade is unsupported
    severity: unsupported
    blocks: upgrade os@2 via media-bypass
    when: not uefi or not tpm
    resolution: Do not bypass.
prerequisites:
  - id: converter-needs-mbr
    title: The converter needs an MBR disk
    for: set partition-style
    requires: partition-style = mbr
  - id: uefi-needs-gpt
    title: UEFI boots only from a GPT disk
    for: install uefi
    requires: partition-style = gpt
  - id: room-for-setup
    title: Setup needs room
    for: upgrade os@2
    requires: free-space >= 20GB
paths:
  - id: fix-then-upgrade
    title: Fix the firmware, then upgrade
    applies_to: os@1
    goal:
      - require: os@2
        keeps: [user-data]
    outcome:
      - when: free-space >= 20GB
        expect: supported
      - expect: blocked
    steps:
      - id: convert
        title: Convert the disk to GPT
        if: partition-style = mbr
        action: set partition-style = gpt
        rollback: Restore the disk image.
        rollback_window: 0m
      - id: switch-to-uefi
        title: Switch the firmware to UEFI
        if: not uefi
        action: install uefi
        rollback: Switch back to legacy boot.
        rollback_window: 2d
      - id: enable-tpm
        title: Enable the TPM
        if: not tpm
        action: install tpm
      - id: upgrade
        title: Upgrade the operating system
        action: upgrade os@2 via assistant
        rules: [blocker:hardware-not-ready]
"#;

//! What one search query downloads: `cargo bench --bench search`.
//!
//! Generates the rule corpus `cargo bench --bench build` uses (N articles, N rules, seed 42),
//! builds it with the release binary, opens `search.html?q=…` from `file://` in headless
//! Chromium (Debian's `chromium` and `chromium-driver`) for each query, waits for the result
//! count, and adds up the files the page loaded: the scripts of the search index it asked
//! for (manifest, term parts, result chunks), and every script beside them. Prints one
//! table. Without a browser it says so and stops.
//!
//! Options (after `--`): `--sizes 1000,10000`, `--dir DIR` (where the corpora and sites go;
//! default a temporary directory on tmpfs where there is one).

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "../tests/common/browser.rs"]
mod browser;
#[path = "support/mod.rs"]
#[allow(dead_code)] // the other benchmarks use the rest
mod support;

const QUERIES: [&str; 5] = ["PowerShell", "rollback", "certificate replica", "snapshot", "KB951402"];

fn options() -> (Vec<usize>, Option<PathBuf>) {
    let (mut sizes, mut dir) = (vec![1000, 10_000], None);
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--sizes" => {
                sizes = it.next().unwrap_or_default().split(',').filter_map(|s| s.trim().parse().ok()).collect()
            }
            "--dir" => dir = it.next().map(PathBuf::from),
            _ => {} // `cargo bench` passes `--bench`
        }
    }
    (sizes, dir)
}

fn size_of(dir: &Path) -> (usize, u64) {
    let mut files = 0;
    let mut bytes = 0;
    for e in std::fs::read_dir(dir).expect("the index folder").flatten() {
        files += 1;
        bytes += e.metadata().map_or(0, |m| m.len());
    }
    (files, bytes)
}

fn kb(bytes: u64) -> String {
    format!("{:.0} KB", bytes as f64 / 1000.0)
}

fn main() {
    let (sizes, dir) = options();
    let Some(b) = browser::Browser::start() else {
        println!("note: no headless Chromium, nothing measured");
        return;
    };
    let scratch = support::scratch();
    let base = dir.unwrap_or_else(|| scratch.path().to_path_buf());
    let mut table = String::from(
        "| articles | query | results | index files loaded | index bytes loaded | of the whole index | every script loaded |\n|---:|---|---:|---:|---:|---:|---:|\n",
    );
    for n in sizes {
        let kb_dir = base.join(format!("search-{n}"));
        let out = base.join(format!("search-{n}-site"));
        let _ = std::fs::remove_dir_all(&kb_dir);
        pathbook::corpus::generate(&pathbook::corpus::Spec { articles: n, rules: n, seed: 42 }, &kb_dir)
            .expect("generate the corpus");
        let o = Command::new(support::BIN).arg("--root").arg(&kb_dir).args(["build", "--out"]).arg(&out).output();
        let o = o.expect("run pathbook");
        assert!(o.status.success(), "build failed:\n{}", String::from_utf8_lossy(&o.stderr));
        let (_, index_bytes) = size_of(&out.join("assets/search"));
        let index_bytes = index_bytes + std::fs::metadata(out.join("assets/search-index.js")).map_or(0, |m| m.len());
        for q in QUERIES {
            let url = format!("file://{}?q={}", out.join("search.html").display(), q.replace(' ', "%20"));
            b.goto(&url);
            let count = b.wait_for(".search-count", 60);
            let results = b.text(&count).split_whitespace().next().unwrap_or("?").to_string();
            let loaded =
                b.eval("return Array.from(document.querySelectorAll('script[src]')).map(s => decodeURI(s.src))");
            let loaded: Vec<PathBuf> = loaded
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str())
                        .map(|s| PathBuf::from(s.trim_start_matches("file://")))
                        .collect()
                })
                .unwrap_or_default();
            let bytes = |p: &PathBuf| std::fs::metadata(p).map_or(0, |m| m.len());
            let is_index =
                |p: &&PathBuf| p.starts_with(out.join("assets/search")) || p.ends_with("assets/search-index.js");
            let index: Vec<&PathBuf> = loaded.iter().filter(is_index).collect();
            let index_loaded: u64 = index.iter().map(|p| bytes(p)).sum();
            let all: u64 = loaded.iter().map(bytes).sum();
            table.push_str(&format!(
                "| {n} | {q} | {results} | {} | {} | {:.1} % | {} |\n",
                index.len(),
                kb(index_loaded),
                index_loaded as f64 * 100.0 / index_bytes as f64,
                kb(all),
            ));
        }
        eprintln!(
            "{n} articles: the whole index is {} in {} files",
            kb(index_bytes),
            size_of(&out.join("assets/search")).0 + 1
        );
    }
    print!("{table}");
}

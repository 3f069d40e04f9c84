//! The verifier's scaling benchmark: `cargo bench --bench engine` (release profile).
//!
//! For each N (default 10, 50, 100, 200, 500) it generates the inhibitor catalog of
//! `pathbook::corpus::generate_inhibitors` — N packages that each block an in-place upgrade and
//! one path that removes whichever are present, plus six interacting pairs and a number, an
//! enumeration and a set fact — and times `pathbook check` on it with the real binary: wall
//! time and peak memory (median of the runs). Such a path has at least 2^N starting states; an
//! enumerating checker doubles its work with every package, the symbolic one should not. The
//! growth between sizes is printed as an exponent k in time ∝ N^k.
//!
//! Options (after `--`): `--sizes 10,50,100,200,500`, `--runs 5`, `--interacting 6`,
//! `--json PATH` (default `target/bench/engine.json`).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use pathbook::corpus::{self, Inhibitors};

#[path = "support/mod.rs"]
#[allow(dead_code)] // the other benchmarks use the rest
mod support;
use support::{median, ms, run};

struct Options {
    sizes: Vec<usize>,
    runs: usize,
    interacting: usize,
    json: PathBuf,
}

fn options() -> Options {
    let mut o = Options {
        sizes: vec![10, 50, 100, 200, 500],
        runs: 5,
        interacting: 6,
        json: PathBuf::from("target/bench/engine.json"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--sizes" => {
                o.sizes = it.next().unwrap_or_default().split(',').filter_map(|s| s.trim().parse().ok()).collect();
            }
            "--runs" => o.runs = it.next().and_then(|s| s.parse().ok()).unwrap_or(5).max(1),
            "--interacting" => o.interacting = it.next().and_then(|s| s.parse().ok()).unwrap_or(6),
            "--json" => o.json = PathBuf::from(it.next().unwrap_or_default()),
            // `cargo bench` passes `--bench`; filters are not used here.
            _ => {}
        }
    }
    o
}

struct Row {
    n: usize,
    check: Duration,
    peak_mib: f64,
    verify_ms: f64,
}

fn main() {
    let o = options();
    let scratch = tempfile::tempdir().expect("temporary directory");
    let mut rows: Vec<Row> = Vec::new();
    for &n in &o.sizes {
        let dir = scratch.path().join(format!("inhibitors-{n}"));
        corpus::generate_inhibitors(&Inhibitors { n, interacting: o.interacting }, &dir).expect("generate");
        let runs: Vec<_> = (0..o.runs).map(|_| run(&["check", "--deny-warnings"], &dir)).collect();
        let peak = runs.iter().map(|r| r.max_rss_bytes).max().unwrap_or(0);
        let verify: Vec<f64> =
            runs.iter().filter_map(|r| r.phases.iter().find(|(p, _)| p == "check").map(|(_, ms)| *ms)).collect();
        let mut verify_sorted = verify.clone();
        verify_sorted.sort_by(f64::total_cmp);
        let row = Row {
            n,
            check: median(runs.iter().map(|r| r.wall).collect()),
            peak_mib: peak as f64 / (1024.0 * 1024.0),
            verify_ms: verify_sorted.get(verify_sorted.len() / 2).copied().unwrap_or(0.0),
        };
        eprintln!("N = {n}: check {:.0} ms, peak {:.1} MiB", ms(row.check), row.peak_mib);
        rows.push(row);
    }

    let mut table = String::new();
    let _ = writeln!(
        table,
        "| inhibitors N | starting states (at least) | check (wall) | of which verification | peak memory | growth k (time ∝ N^k) |"
    );
    let _ = writeln!(table, "|---:|---:|---:|---:|---:|---:|");
    for (i, r) in rows.iter().enumerate() {
        let k = match i {
            0 => "–".to_string(),
            _ => {
                let p = &rows[i - 1];
                let k = (ms(r.check) / ms(p.check)).ln() / (r.n as f64 / p.n as f64).ln();
                format!("{k:.2}")
            }
        };
        let _ = writeln!(
            table,
            "| {} | 2^{} | {:.0} ms | {:.0} ms | {:.1} MiB | {} |",
            r.n,
            r.n,
            ms(r.check),
            r.verify_ms,
            r.peak_mib,
            k
        );
    }
    println!("{table}");

    let json = serde_json::json!({
        "machine": { "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1), "os": std::env::consts::OS },
        "runs": o.runs,
        "interacting": o.interacting,
        "rows": rows.iter().map(|r| serde_json::json!({
            "inhibitors": r.n,
            "check_ms": ms(r.check),
            "verify_ms": r.verify_ms,
            "peak_rss_mib": r.peak_mib,
        })).collect::<Vec<_>>(),
    });
    if let Some(dir) = o.json.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    match std::fs::write(&o.json, serde_json::to_string_pretty(&json).unwrap_or_default()) {
        Ok(()) => eprintln!("wrote {}", o.json.display()),
        Err(e) => eprintln!("could not write {}: {e}", o.json.display()),
    }
}

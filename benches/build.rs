//! The build benchmark: `cargo bench --bench build` (release profile).
//!
//! For each size (default 1,000 and 10,000 articles, with as many rules) it generates the
//! corpus of `pathbook::corpus`, then measures with the real binary: `check`, `plan --env`
//! for 1,000 hosts and full `build` wall time, the build's peak memory (the child's max RSS), output bytes and time per page;
//! and in process, through the same `Session` that `serve` uses: the rebuild after editing one
//! article. A baseline measured in the same run puts the build in proportion: reading every
//! article, rendering it with pulldown-cmark alone and writing it out (in parallel) — the least
//! any generator must do with this corpus.
//!
//! Options (after `--`): `--sizes 1000,10000`, `--runs 3`, `--json PATH` (default
//! `target/bench/build.json`), `--keep DIR` (put the corpora and sites there and leave them;
//! by default they go to a temporary directory on tmpfs, `/dev/shm`, where there is one).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pathbook::corpus::{self, Spec};
use pathbook::session::Session;
use rayon::prelude::*;

#[path = "support/mod.rs"]
#[allow(dead_code)] // the peer benchmark reads CPU time too
mod support;
use support::{median, ms, run, settle};

/// Hosts in the environment `plan` is timed with.
const PLAN_HOSTS: usize = 1000;

struct Options {
    sizes: Vec<usize>,
    runs: usize,
    json: PathBuf,
    keep: Option<PathBuf>,
}

fn options() -> Options {
    let mut o =
        Options { sizes: vec![1000, 10_000], runs: 3, json: PathBuf::from("target/bench/build.json"), keep: None };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--sizes" => {
                o.sizes = it.next().unwrap_or_default().split(',').filter_map(|s| s.trim().parse().ok()).collect();
            }
            "--runs" => o.runs = it.next().and_then(|s| s.parse().ok()).unwrap_or(3).max(1),
            "--json" => o.json = PathBuf::from(it.next().unwrap_or_default()),
            "--keep" => o.keep = it.next().map(PathBuf::from),
            // `cargo bench` passes `--bench`; filters are not used here.
            _ => {}
        }
    }
    o
}

/// The least a generator must do: read each article, Markdown → HTML, write it.
fn baseline(corpus: &Path, out: &Path) -> Duration {
    let start = Instant::now();
    let files: Vec<PathBuf> = walkdir::WalkDir::new(corpus.join("content"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| e.into_path())
        .collect();
    std::fs::create_dir_all(out).expect("baseline dir");
    files.par_iter().enumerate().for_each(|(i, f)| {
        let text = std::fs::read_to_string(f).expect("read article");
        let mut html = String::with_capacity(text.len() * 2);
        pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new(&text));
        std::fs::write(out.join(format!("{i}.html")), html).expect("write");
    });
    start.elapsed()
}

/// Appends a sentence to `n` different articles, one update each, as a save in `serve` would.
fn incremental(corpus: &Path, n: usize) -> (Vec<Duration>, String) {
    let mut session = Session::open(corpus);
    assert!(!session.has_errors(), "the corpus checks clean");
    let articles: Vec<PathBuf> = walkdir::WalkDir::new(corpus.join("content"))
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| e.into_path())
        .collect();
    let step = (articles.len() / n).max(1);
    let mut times = Vec::new();
    let mut kind = String::new();
    for (k, file) in articles.iter().step_by(step).take(n).enumerate() {
        let mut text = std::fs::read_to_string(file).expect("read");
        let _ = write!(text, "\nEdited in benchmark run {k}: the service restarts cleanly.\n");
        std::fs::write(file, text).expect("write");
        let update = session.update(std::slice::from_ref(file));
        assert!(update.ok, "the edit keeps the corpus valid");
        times.push(update.elapsed);
        kind = format!("{:?}", update.kind);
    }
    (times, kind)
}

/// Bytes and count of the HTML pages, and bytes of everything.
fn output_size(site: &Path) -> (u64, u64, u64) {
    let (mut html, mut pages, mut all) = (0, 0, 0);
    for e in walkdir::WalkDir::new(site).into_iter().filter_map(Result::ok).filter(|e| e.file_type().is_file()) {
        let len = e.metadata().map(|m| m.len()).unwrap_or(0);
        all += len;
        if e.path().extension().is_some_and(|x| x == "html") {
            html += len;
            pages += 1;
        }
    }
    (html, pages, all)
}

struct Row {
    articles: usize,
    rules: usize,
    pages: u64,
    check: Duration,
    /// `plan --env` with [`PLAN_HOSTS`] hosts.
    plan: Duration,
    build: Duration,
    peak_mib: f64,
    per_page_us: f64,
    bytes_per_page: u64,
    site_mib: f64,
    incremental_median: Duration,
    incremental_max: Duration,
    incremental_kind: String,
    baseline: Duration,
    /// Phases of the median build.
    phases: Vec<(String, f64)>,
}

fn main() {
    let o = options();
    // Corpora and sites go to tmpfs unless `--keep` says otherwise (see `support::scratch`).
    let scratch = support::scratch();
    let base_dir = o.keep.clone().unwrap_or_else(|| scratch.path().to_path_buf());
    eprintln!("corpora and sites in {}", base_dir.display());
    let mut rows = Vec::new();
    for &n in &o.sizes {
        let corpus_dir = base_dir.join(format!("corpus-{n}"));
        let site = base_dir.join(format!("site-{n}"));
        let t = Instant::now();
        let stats = corpus::generate(&Spec { articles: n, rules: n, seed: 42 }, &corpus_dir).expect("generate corpus");
        eprintln!(
            "{n}: generated {} rules, {} articles in {:.1} s",
            stats.rules,
            stats.articles,
            t.elapsed().as_secs_f64()
        );

        let check = median((0..o.runs).map(|_| run(&["check"], &corpus_dir).wall).collect());
        // `plan` for an environment of 1,000 hosts spread over the families.
        let hosts = corpus_dir.join("hosts.yaml");
        std::fs::write(&hosts, corpus::environment(stats.families, PLAN_HOSTS, 42)).expect("write hosts");
        let hosts_arg = hosts.to_str().expect("utf-8 path");
        let plan = median((0..o.runs).map(|_| run(&["plan", "--env", hosts_arg], &corpus_dir).wall).collect());
        // Interleaved, so that build and baseline see the same state of the machine.
        let mut builds = Vec::new();
        let mut baselines = Vec::new();
        let mut peak = 0;
        for i in 0..o.runs {
            // Cold: no build cache, no previous site to keep unchanged files from (removed only
            // if it is a pathbook site: `--keep` may name a folder with other things in it).
            if site.join(".pathbook-build").is_file() {
                let _ = std::fs::remove_dir_all(&site);
            }
            settle();
            let r = run(&["build", "--no-cache", "--out", site.to_str().expect("utf-8 path")], &corpus_dir);
            peak = peak.max(r.max_rss_bytes);
            builds.push(r);
            settle();
            baselines.push(baseline(&corpus_dir, &base_dir.join(format!("baseline-{n}-{i}"))));
        }
        builds.sort_by_key(|r| r.wall);
        let median_build = builds.swap_remove(builds.len() / 2);
        let build = median_build.wall;
        let phases = median_build.phases;
        let baseline = median(baselines);
        let (html, pages, all) = output_size(&site);
        let (inc, kind) = incremental(&corpus_dir, 7);
        let row = Row {
            articles: n,
            rules: stats.rules,
            pages,
            check,
            plan,
            build,
            peak_mib: peak as f64 / (1024.0 * 1024.0),
            per_page_us: build.as_secs_f64() * 1e6 / pages.max(1) as f64,
            bytes_per_page: html / pages.max(1),
            site_mib: all as f64 / (1024.0 * 1024.0),
            incremental_median: median(inc.clone()),
            incremental_max: inc.iter().copied().max().unwrap_or_default(),
            incremental_kind: kind,
            baseline,
            phases,
        };
        eprintln!(
            "{n}: check {:.0} ms, build {:.0} ms, incremental {:.1} ms",
            ms(row.check),
            ms(row.build),
            ms(row.incremental_median)
        );
        rows.push(row);
    }

    let mut table = String::new();
    let _ = writeln!(
        table,
        "| articles | rules | pages | check | plan (1,000 hosts) | build | peak memory | per page | bytes/page | site | incremental (median / max of 7) | baseline (read + pulldown-cmark + write) | build ÷ baseline |"
    );
    let _ = writeln!(table, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        let _ = writeln!(
            table,
            "| {} | {} | {} | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} MiB | {:.0} µs | {} B | {:.0} MiB | {:.1} / {:.1} ms | {:.0} ms | {:.1}× |",
            r.articles,
            r.rules,
            r.pages,
            ms(r.check),
            ms(r.plan),
            ms(r.build),
            r.peak_mib,
            r.per_page_us,
            r.bytes_per_page,
            r.site_mib,
            ms(r.incremental_median),
            ms(r.incremental_max),
            ms(r.baseline),
            r.build.as_secs_f64() / r.baseline.as_secs_f64().max(1e-9)
        );
    }
    if let (Some(a), Some(b)) = (rows.first(), rows.last())
        && rows.len() > 1
    {
        let _ = writeln!(
            table,
            "\nbytes/page at {} vs {} articles: {:+.1} %; time/page: {:+.1} %",
            b.articles,
            a.articles,
            (b.bytes_per_page as f64 / a.bytes_per_page as f64 - 1.0) * 100.0,
            (b.per_page_us / a.per_page_us - 1.0) * 100.0
        );
    }
    for r in &rows {
        let phases: Vec<String> = r.phases.iter().map(|(p, ms)| format!("{p} {ms:.0} ms")).collect();
        let _ = writeln!(table, "phases of the median build at {} articles: {}", r.articles, phases.join(", "));
    }
    println!("{table}");

    let json = serde_json::json!({
        "directory": base_dir.display().to_string(),
        "machine": { "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1), "os": std::env::consts::OS },
        "runs": o.runs,
        "rows": rows.iter().map(|r| serde_json::json!({
            "articles": r.articles,
            "rules": r.rules,
            "pages": r.pages,
            "check_ms": ms(r.check),
            "plan_hosts": PLAN_HOSTS,
            "plan_ms": ms(r.plan),
            "build_ms": ms(r.build),
            "build_peak_rss_mib": r.peak_mib,
            "time_per_page_us": r.per_page_us,
            "html_bytes_per_page": r.bytes_per_page,
            "site_mib": r.site_mib,
            "incremental_median_ms": ms(r.incremental_median),
            "incremental_max_ms": ms(r.incremental_max),
            "incremental_kind": r.incremental_kind,
            "baseline_ms": ms(r.baseline),
            "build_over_baseline": r.build.as_secs_f64() / r.baseline.as_secs_f64().max(1e-9),
            "build_phases_ms": r.phases.iter().map(|(p, ms)| (p.clone(), serde_json::json!(ms))).collect::<serde_json::Map<_, _>>(),
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

//! pathbook against its peers on one corpus: `cargo bench --bench peers`.
//!
//! Generates the same documentation pages for pathbook, Hugo and mdBook — about 4 KB of
//! Markdown each, a PowerShell block and an XML or INI block on every page, links between
//! pages — and times a full, cold build of each (clean output directory every run, the runs
//! alternating between tools so they see the same machine). A peer that is not on `PATH` is
//! skipped with a note. Prints wall time (median, min, max), CPU time (user + system, median),
//! output bytes per page (the files' lengths) and disk per page (the blocks the site takes,
//! folders included), and each tool against pathbook: the ratio of the medians, the
//! median of the per-round ratios ("paired": each round runs every tool once, so a VM that
//! slows down for a minute slows both sides of a pair) and the ratio of CPU times.
//! pathbook's cold builds run with `--no-cache`; the row `pathbook warm` is the
//! edit-and-rebuild loop: one page changed, the build cache filled by an earlier build, the
//! previous site in place.
//!
//! Options (after `--`): `--sizes 1000,10000`, `--runs 3`, `--dir DIR` (where the corpora and
//! sites go; default a temporary directory on tmpfs, `/dev/shm`, where there is one — pass a
//! directory on disk to measure the disk too), `--skip-mdbook-above N` (default 2000: mdBook
//! needs minutes and gigabytes at 10,000 pages).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

#[path = "support/mod.rs"]
#[allow(dead_code)] // the other benchmarks use the rest
mod support;
use support::{BIN, Cost, measure, median, settle};

struct Options {
    sizes: Vec<usize>,
    runs: usize,
    dir: Option<PathBuf>,
    mdbook_max: usize,
}

fn options() -> Options {
    let mut o = Options { sizes: vec![1000, 10_000], runs: 3, dir: None, mdbook_max: 2000 };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--sizes" => {
                o.sizes = it.next().unwrap_or_default().split(',').filter_map(|s| s.trim().parse().ok()).collect()
            }
            "--runs" => o.runs = it.next().and_then(|s| s.parse().ok()).unwrap_or(3).max(1),
            "--dir" => o.dir = it.next().map(PathBuf::from),
            "--skip-mdbook-above" => o.mdbook_max = it.next().and_then(|s| s.parse().ok()).unwrap_or(2000),
            _ => {} // cargo passes `--bench`
        }
    }
    o
}

/// A small deterministic generator (xorshift), so every tool gets the very same text.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const WORDS: &[&str] = &[
    "server",
    "mailbox",
    "database",
    "upgrade",
    "cluster",
    "service",
    "certificate",
    "replica",
    "backup",
    "restore",
    "domain",
    "forest",
    "policy",
    "registry",
    "driver",
    "firmware",
    "window",
    "rollback",
    "agent",
    "queue",
    "transport",
    "directory",
    "snapshot",
    "volume",
    "schema",
    "session",
    "listener",
    "endpoint",
];

/// One page: its title and its Markdown body, with links written by `link(target, text)`.
fn page(i: usize, n: usize, link: &dyn Fn(usize) -> String) -> (String, String) {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15 ^ (i as u64 + 1));
    let title = format!("Page {i}: {} {}", WORDS[r.below(WORDS.len())], WORDS[r.below(WORDS.len())]);
    let mut md = String::new();
    while md.len() < 3300 {
        let words: Vec<&str> = (0..40 + r.below(30)).map(|_| WORDS[r.below(WORDS.len())]).collect();
        let _ = writeln!(md, "{}.\n", words.join(" "));
        if md.len() > 1200 && !md.contains("```powershell") {
            let _ = writeln!(
                md,
                "```powershell\nGet-Service -Name MSExchange{i} | Where-Object {{ $_.Status -ne 'Running' }} | Start-Service\nSet-ItemProperty -Path 'HKLM:\\SOFTWARE\\Example\\{i}' -Name Enabled -Value 1\n```\n"
            );
        }
    }
    if i % 2 == 0 {
        let _ = writeln!(
            md,
            "```xml\n<configuration>\n  <appSettings>\n    <add key=\"page\" value=\"{i}\" />\n  </appSettings>\n</configuration>\n```\n"
        );
    } else {
        let _ = writeln!(md, "```ini\n[settings]\npage = {i}\nenabled = true\n```\n");
    }
    let _ = writeln!(md, "See also {}, {} and {}.", link((i + 1) % n), link((i + 7) % n), link((i * 31 + 3) % n));
    (title, md)
}

/// Marks a directory this benchmark wrote; any other is never removed.
const MARKER: &str = ".pathbook-peers";

/// Writes the corpus for all three tools under `dir`.
fn generate(n: usize, dir: &Path) {
    // A previous run's corpus is replaced; a directory of someone else's is left alone.
    // (`remove_dir_all` removes a symlink itself, never what it points to.)
    if dir.symlink_metadata().is_ok() {
        assert!(
            dir.join(MARKER).is_file(),
            "{} exists and was not written by this benchmark; pick another --dir",
            dir.display()
        );
        std::fs::remove_dir_all(dir).expect("remove the previous corpus");
    }
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(MARKER), "written by `cargo bench --bench peers`\n").unwrap();
    // pathbook: a knowledge base with no rules, only articles.
    let pb = dir.join("pathbook");
    std::fs::create_dir_all(pb.join("content/pages")).unwrap();
    std::fs::create_dir_all(pb.join("rules")).unwrap();
    std::fs::write(pb.join("book.toml"), "[book]\ntitle = \"Peer corpus\"\n").unwrap();
    // Hugo: a minimal theme of two layouts; highlighting on (Hugo's default, with classes).
    let hugo = dir.join("hugo");
    std::fs::create_dir_all(hugo.join("content/pages")).unwrap();
    std::fs::create_dir_all(hugo.join("layouts/_default")).unwrap();
    std::fs::write(
        hugo.join("hugo.toml"),
        "baseURL = 'https://example.org/'\ntitle = 'Peer corpus'\ndisableKinds = ['taxonomy', 'term', 'RSS', 'sitemap']\n[markup.highlight]\nnoClasses = false\n",
    )
    .unwrap();
    std::fs::write(
        hugo.join("layouts/_default/single.html"),
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{ .Title }}</title></head><body><main><h1>{{ .Title }}</h1>{{ .Content }}</main></body></html>\n",
    )
    .unwrap();
    std::fs::write(
        hugo.join("layouts/_default/list.html"),
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{ .Title }}</title></head><body><ul>{{ range .Pages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul></body></html>\n",
    )
    .unwrap();
    // mdBook: every page in the summary.
    let mdbook = dir.join("mdbook");
    std::fs::create_dir_all(mdbook.join("src")).unwrap();
    std::fs::write(mdbook.join("book.toml"), "[book]\ntitle = \"Peer corpus\"\n").unwrap();
    let mut summary = String::from("# Summary\n\n");
    for i in 0..n {
        let (title, pb_md) = page(i, n, &|t| format!("[page {t}](page-{t}.md)"));
        std::fs::write(
            pb.join(format!("content/pages/page-{i}.md")),
            format!("---\ntitle: \"{title}\"\nsummary: \"Generated page {i}.\"\n---\n\n{pb_md}"),
        )
        .unwrap();
        let (_, hugo_md) = page(i, n, &|t| format!("[page {t}](/pages/page-{t}/)"));
        std::fs::write(
            hugo.join(format!("content/pages/page-{i}.md")),
            format!("---\ntitle: \"{title}\"\n---\n\n{hugo_md}"),
        )
        .unwrap();
        let (_, mdbook_md) = page(i, n, &|t| format!("[page {t}](page-{t}.md)"));
        std::fs::write(mdbook.join(format!("src/page-{i}.md")), format!("# {title}\n\n{mdbook_md}")).unwrap();
        let _ = writeln!(summary, "- [{title}](page-{i}.md)");
    }
    std::fs::write(mdbook.join("src/SUMMARY.md"), summary).unwrap();
}

fn on_path(tool: &str) -> bool {
    let flag = if tool == "hugo" { "version" } else { "--version" };
    Command::new(tool).arg(flag).output().is_ok_and(|o| o.status.success())
}

/// One build and what it cost. Cold (the output directory removed first, no build cache) except
/// for `pathbook warm`, which edits one page and rebuilds over its previous site.
fn build(tool: &str, root: &Path, out: &Path) -> Cost {
    if tool == "pathbook warm" {
        let page = root.join("content/pages/page-1.md");
        let text = std::fs::read_to_string(&page).expect("read page 1");
        let edited = match text.strip_suffix("\nEdited.\n") {
            Some(t) => format!("{t}\n"),
            None => format!("{text}\nEdited.\n"),
        };
        std::fs::write(&page, edited).expect("edit page 1");
    } else {
        let _ = std::fs::remove_dir_all(out);
    }
    settle();
    let mut cmd = match tool {
        "pathbook" => {
            let mut c = Command::new(BIN);
            c.arg("--root").arg(root).arg("build").arg("--no-cache").arg("--out").arg(out);
            c
        }
        "pathbook warm" => {
            let mut c = Command::new(BIN);
            c.arg("--root").arg(root).arg("build").arg("--out").arg(out);
            c.env("PATHBOOK_CACHE_DIR", out.with_extension("cache"));
            c
        }
        "hugo" => {
            let mut c = Command::new("hugo");
            c.arg("--quiet").arg("--source").arg(root).arg("--destination").arg(out);
            c
        }
        _ => {
            let mut c = Command::new("mdbook");
            c.arg("build").arg(root).arg("--dest-dir").arg(out);
            c
        }
    };
    measure(&mut cmd).0
}

fn bytes(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

/// What the site takes on disk: the blocks allocated to every file and folder, as
/// `du --block-size=1` counts them. A site with a folder per page (Hugo's pretty URLs) pays
/// a block for each folder; small files round up to whole blocks.
fn disk(dir: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt as _;
    walkdir::WalkDir::new(dir).into_iter().flatten().filter_map(|e| e.metadata().ok()).map(|m| m.blocks() * 512).sum()
}

fn median_f64(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn main() {
    let o = options();
    let scratch = support::scratch();
    // Absolute: Hugo resolves a relative `--destination` against its `--source`.
    let base = o.dir.clone().unwrap_or_else(|| scratch.path().to_path_buf());
    std::fs::create_dir_all(&base).expect("create --dir");
    let base = std::path::absolute(&base).expect("absolute --dir");
    eprintln!("corpora and sites in {}", base.display());
    let mut table = String::from(
        "| pages | tool | build (median) | min – max | CPU (median) | bytes/page | disk/page | time ÷ pathbook | paired | CPU ÷ pathbook | bytes ÷ pathbook | disk ÷ pathbook |\n|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for &n in &o.sizes {
        let dir = base.join(format!("peers-{n}"));
        generate(n, &dir);
        let mut tools = vec!["pathbook", "pathbook warm"];
        for peer in ["hugo", "mdbook"] {
            if !on_path(peer) {
                eprintln!("note: `{peer}` is not on PATH; skipped");
            } else if peer == "mdbook" && n > o.mdbook_max {
                eprintln!("note: mdBook skipped at {n} pages (over --skip-mdbook-above {})", o.mdbook_max);
            } else {
                tools.push(peer);
            }
        }
        // runs[k][i]: tool k's cost in round i (every tool once per round, in turn).
        let mut runs: Vec<Vec<Cost>> = tools.iter().map(|_| Vec::new()).collect();
        let mut sizes = vec![0u64; tools.len()];
        let mut disks = vec![0u64; tools.len()];
        let source = |tool: &str| dir.join(tool.split(' ').next().unwrap_or(tool));
        let output = |tool: &str| dir.join(format!("out-{}", tool.replace(' ', "-")));
        // The warm loop starts from a built site and a filled cache.
        build("pathbook warm", &source("pathbook warm"), &output("pathbook warm"));
        for _ in 0..o.runs {
            for (k, tool) in tools.iter().enumerate() {
                let out = output(tool);
                runs[k].push(build(tool, &source(tool), &out));
                sizes[k] = bytes(&out);
                disks[k] = disk(&out);
            }
        }
        let walls = |k: usize| runs[k].iter().map(|c| c.wall).collect::<Vec<_>>();
        let cpus = |k: usize| runs[k].iter().map(|c| c.cpu).collect::<Vec<_>>();
        let (base_wall, base_cpu) = (median(walls(0)), median(cpus(0)));
        for (k, tool) in tools.iter().enumerate() {
            let (wall, cpu) = (median(walls(k)), median(cpus(k)));
            let mut sorted = walls(k);
            sorted.sort();
            // The ratio of each round's two builds, which ran a minute apart at most: a VM
            // that slows down for a while slows both.
            let paired = median_f64(
                runs[k].iter().zip(&runs[0]).map(|(t, p)| t.wall.as_secs_f64() / p.wall.as_secs_f64()).collect(),
            );
            let per_page = sizes[k] / n as u64;
            let disk_per_page = disks[k] / n as u64;
            let _ = writeln!(
                table,
                "| {n} | {tool} | {} | {} – {} | {} | {per_page} | {disk_per_page} | {:.2} | {paired:.2} | {:.2} | {:.2} | {:.2} |",
                secs(wall),
                secs(sorted[0]),
                secs(sorted[sorted.len() - 1]),
                secs(cpu),
                wall.as_secs_f64() / base_wall.as_secs_f64(),
                cpu.as_secs_f64() / base_cpu.as_secs_f64(),
                sizes[k] as f64 / sizes[0].max(1) as f64,
                disks[k] as f64 / disks[0].max(1) as f64
            );
        }
        eprintln!("{n} pages done");
    }
    println!("{table}");
}

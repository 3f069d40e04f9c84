//! The two highlighting engines side by side: for each language, the nanoseconds per byte of
//! code that syntect (two-face's grammars, onig) and tree-sitter take for the same blocks,
//! through the same `Highlighter::block` the site uses (token HTML and line wrapping
//! included). Every block is new to the highlighter, so none is served from its memo; lines
//! without the copy's number repeat, as they do across a site, and syntect reuses its parse
//! of those (tree-sitter parses whole blocks). The first round also pays for compiling the
//! grammars' patterns, so the fastest of three counts.
//!
//! `cargo bench --bench highlight [-- --blocks N]`

use std::time::{Duration, Instant};

use pathbook::render::highlight::Highlighter;

// The allocator the binary uses: highlighting allocates per token.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A block per language in the shape support articles have, `{i}` made unique per copy.
const SAMPLES: &[(&str, &str)] = &[
    (
        "powershell",
        "Get-Service -Name MSExchange{i} | Where-Object { $_.Status -ne 'Running' } | Start-Service\n\
         $servers = Get-ExchangeServer | Where-Object { $_.AdminDisplayVersion -like 'Version 8*' }\n\
         Set-ItemProperty -Path 'HKLM:\\SOFTWARE\\Example\\{i}' -Name Enabled -Value 1 # {i}\n",
    ),
    (
        "cmd",
        "@echo off\nset SRC=C:\\Program Files\\Exchange{i}\\Bin\n\
         if exist \"%SRC%\\setup.com\" (call \"%SRC%\\setup.com\" /mode:upgrade) else echo missing {i}\n",
    ),
    (
        "yaml",
        "id: exchange-{i}\nrequires:\n  - os: windows-server-2008\n    version: \">= 6.0\"\nnotes: \"x64 only\" # {i}\n",
    ),
    ("json", "{\"id\": \"exchange-{i}\", \"requires\": [{\"os\": \"windows\", \"version\": 6.0}], \"x64\": true}\n"),
    (
        "bash",
        "for host in $(cat servers-{i}.txt); do ssh \"$host\" 'sudo leapp preupgrade' || echo \"failed: $host\"; done\n",
    ),
    (
        "xml",
        "<configuration>\n  <appSettings>\n    <add key=\"page\" value=\"{i}\" />\n  </appSettings>\n</configuration>\n",
    ),
    ("ini", "[settings]\npage = {i}\nenabled = true\n"),
];

fn main() {
    let mut args = std::env::args().skip(1);
    let mut blocks = 2000;
    while let Some(a) = args.next() {
        if a == "--blocks" {
            blocks = args.next().and_then(|n| n.parse().ok()).unwrap_or(blocks);
        }
    }
    let engines = [("syntect", Highlighter::syntect_only()), ("default", Highlighter::new())];
    println!("| language | syntect ns/byte | default ns/byte | syntect ÷ default |\n|---|---:|---:|---:|");
    for (lang, sample) in SAMPLES {
        // Three rounds, the engines taking turns; the fastest round of each counts.
        let mut per_byte = [f64::INFINITY; 2];
        for round in 0..3 {
            for (e, (_, hl)) in engines.iter().enumerate() {
                // New code every round: nothing is served from the highlighter's memo.
                let code: Vec<String> =
                    (0..blocks).map(|i| sample.replace("{i}", &format!("{round}x{e}x{i}"))).collect();
                let bytes: usize = code.iter().map(String::len).sum();
                let start = Instant::now();
                for c in &code {
                    std::hint::black_box(hl.block(lang, c));
                }
                let took: Duration = start.elapsed();
                per_byte[e] = per_byte[e].min(took.as_secs_f64() * 1e9 / bytes as f64);
            }
        }
        println!("| {lang} | {:.0} | {:.0} | {:.1}× |", per_byte[0], per_byte[1], per_byte[0] / per_byte[1]);
    }
}

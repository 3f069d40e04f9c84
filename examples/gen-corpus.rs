//! Generates a large, valid knowledge base of realistic shape for benchmarks.
//!
//! `cargo run --release --example gen-corpus -- --articles 10000 --rules 10000 --out /tmp/kb`
//!
//! Deterministic for a given `--seed`; see `pathbook::corpus` for what it contains.

use std::path::PathBuf;
use std::process::ExitCode;

use pathbook::corpus::{self, Spec};

fn main() -> ExitCode {
    let mut spec = Spec::default();
    let mut out = PathBuf::from("corpus");
    let mut it = std::env::args().skip(1);
    let usage = "usage: gen-corpus --articles N --rules M --out DIR [--seed S]";
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        let number = value.parse::<u64>();
        match (flag.as_str(), number) {
            ("--articles", Ok(n)) => spec.articles = n as usize,
            ("--rules", Ok(n)) => spec.rules = n as usize,
            ("--seed", Ok(n)) => spec.seed = n,
            ("--out", _) if !value.is_empty() => out = PathBuf::from(value),
            _ => {
                eprintln!("gen-corpus: bad argument `{flag} {value}`\n{usage}");
                return ExitCode::from(2);
            }
        }
    }
    match corpus::generate(&spec, &out) {
        Ok(s) => {
            eprintln!(
                "generated {} families ({} rules), {} articles in {}",
                s.families,
                s.rules,
                s.articles,
                out.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen-corpus: {}: {e}", out.display());
            ExitCode::from(2)
        }
    }
}

//! Generates a large, valid knowledge base of realistic shape for benchmarks.
//!
//! `cargo run --release --example gen-corpus -- --articles 10000 --rules 10000 --out /tmp/kb`
//! (add `--hosts 1000` for an environment file `hosts.yaml` beside it, for `plan --env`), or
//! `… -- --inhibitors 200 --interacting 6 --out /tmp/inh` for a catalog of independent
//! upgrade inhibitors on one path.
//!
//! Deterministic for a given `--seed`; see `pathbook::corpus` for what it contains.

use std::path::PathBuf;
use std::process::ExitCode;

use pathbook::corpus::{self, Inhibitors, Spec};

fn main() -> ExitCode {
    let mut spec = Spec::default();
    let mut out = PathBuf::from("corpus");
    let mut hosts = 0;
    let mut inhibitors: Option<Inhibitors> = None;
    let mut it = std::env::args().skip(1);
    let usage = "usage: gen-corpus --articles N --rules M [--hosts H] --out DIR [--seed S]\n       gen-corpus --inhibitors N [--interacting K] --out DIR";
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        let number = value.parse::<u64>();
        match (flag.as_str(), number) {
            ("--articles", Ok(n)) => spec.articles = n as usize,
            ("--rules", Ok(n)) => spec.rules = n as usize,
            ("--seed", Ok(n)) => spec.seed = n,
            ("--hosts", Ok(n)) => hosts = n as usize,
            ("--inhibitors", Ok(n)) => inhibitors.get_or_insert(Inhibitors { n: 0, interacting: 0 }).n = n as usize,
            ("--interacting", Ok(n)) => {
                inhibitors.get_or_insert(Inhibitors { n: 0, interacting: 0 }).interacting = n as usize
            }
            ("--out", _) if !value.is_empty() => out = PathBuf::from(value),
            _ => {
                eprintln!("gen-corpus: bad argument `{flag} {value}`\n{usage}");
                return ExitCode::from(2);
            }
        }
    }
    if let Some(i) = inhibitors {
        return match corpus::generate_inhibitors(&i, &out) {
            Ok(()) => {
                eprintln!("generated {} inhibitors ({} interacting pairs) in {}", i.n, i.interacting, out.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("gen-corpus: {}: {e}", out.display());
                ExitCode::from(2)
            }
        };
    }
    match corpus::generate(&spec, &out) {
        Ok(s) => {
            if hosts > 0 {
                if let Err(e) =
                    std::fs::write(out.join("hosts.yaml"), corpus::environment(s.families, hosts, spec.seed))
                {
                    eprintln!("gen-corpus: {}: {e}", out.display());
                    return ExitCode::from(2);
                }
            }
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

//! What the benchmarks share: running the real binary as a child and reading its wall time,
//! peak memory and `PATHBOOK_TIMINGS` phases.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_pathbook");

/// Wall time and peak resident memory of one child process.
pub struct Run {
    pub wall: Duration,
    pub max_rss_bytes: u64,
    /// `timing: <phase> <ms> ms` lines of `PATHBOOK_TIMINGS=1`, in order.
    pub phases: Vec<(String, f64)>,
}

/// A scratch folder for corpora and sites: on tmpfs (`/dev/shm`) where there is one, since a
/// VM's disk can take 20 µs or 400 µs to create a file from one minute to the next and that
/// would drown what is being measured. A `--dir`/`--keep` on a disk measures the disk too.
pub fn scratch() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() { tempfile::tempdir_in(shm) } else { tempfile::tempdir() }.expect("temporary directory")
}

/// Flushes dirty pages first, so one run does not pay for the previous run's writes.
pub fn settle() {
    // SAFETY: sync(2) takes no arguments and cannot fail.
    unsafe { libc::sync() };
}

// The child is reaped by `wait4`, which std's `Child::wait` cannot do: it drops the rusage.
#[allow(clippy::zombie_processes)]
pub fn run(args: &[&str], root: &Path) -> Run {
    use std::io::Read as _;
    settle();
    let start = Instant::now();
    let mut child = Command::new(BIN)
        .arg("--root")
        .arg(root)
        .args(args)
        .env("PATHBOOK_TIMINGS", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start pathbook");
    let pid = child.id() as libc::pid_t;
    // Read to the end first (the child exits), then reap it with its rusage.
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    let mut status = 0;
    // SAFETY: an all-zero `rusage` is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet waited for; the pointers are to live locals.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    assert_eq!(waited, pid, "wait4");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "pathbook {args:?} failed on {}:\n{stderr}",
        root.display()
    );
    let phases = stderr
        .lines()
        .filter_map(|l| {
            let mut w = l.strip_prefix("timing: ")?.split_whitespace();
            let name = w.next()?;
            let ms = w.next()?.parse().ok()?;
            (w.next() == Some("ms") && w.next().is_none()).then(|| (name.to_string(), ms))
        })
        .collect();
    Run { wall, max_rss_bytes: usage.ru_maxrss as u64 * 1024, phases }
}

pub fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

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

/// What one finished child cost: wall time, CPU time (user + system) and peak resident memory.
pub struct Cost {
    pub wall: Duration,
    pub cpu: Duration,
    pub max_rss_bytes: u64,
}

/// Runs `cmd` to the end (stdout discarded) and returns what it cost and its stderr; panics,
/// with the stderr, if it fails.
// The child is reaped by `wait4`, which std's `Child::wait` cannot do: it drops the rusage.
#[allow(clippy::zombie_processes)]
pub fn measure(cmd: &mut Command) -> (Cost, String) {
    use std::io::Read as _;
    let start = Instant::now();
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start {:?}: {e}", cmd.get_program()));
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
        "{:?} {:?} failed:\n{stderr}",
        cmd.get_program(),
        cmd.get_args().collect::<Vec<_>>()
    );
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    let cpu = time(usage.ru_utime) + time(usage.ru_stime);
    (Cost { wall, cpu, max_rss_bytes: usage.ru_maxrss as u64 * 1024 }, stderr)
}

/// Runs pathbook with `args` on the project at `root`, with `PATHBOOK_TIMINGS` on.
pub fn run(args: &[&str], root: &Path) -> Run {
    settle();
    let mut cmd = Command::new(BIN);
    cmd.arg("--root").arg(root).args(args).env("PATHBOOK_TIMINGS", "1");
    let (cost, stderr) = measure(&mut cmd);
    let phases = stderr
        .lines()
        .filter_map(|l| {
            let mut w = l.strip_prefix("timing: ")?.split_whitespace();
            let name = w.next()?;
            let ms = w.next()?.parse().ok()?;
            (w.next() == Some("ms") && w.next().is_none()).then(|| (name.to_string(), ms))
        })
        .collect();
    Run { wall: cost.wall, max_rss_bytes: cost.max_rss_bytes, phases }
}

pub fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

//! The `pathbook` binary: parses arguments and calls the library. Exit codes: 0 clean,
//! 1 when the knowledge base has errors, 2 on usage or I/O failure.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use pathbook::Project;
use pathbook::config::Overrides;

/// mimalloc: rendering allocates many small strings on every core at once, and glibc's
/// allocator spent about a sixth of a large build in its own bookkeeping and locks. Built
/// without transparent huge pages (`no_thp`): asking the kernel for them made it compact and
/// zero memory in the middle of a run, a third of `check`'s time in some runs and none in others.
/// It also stands in for `malloc` and `free` (`override`), so the C code linked in — tree-sitter's
/// parser above all, which allocates a node per token — uses it too: 4 % fewer instructions on a
/// cold build of the 1,000-page peer corpus, and 10–17 % less user CPU at 10,000 pages.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use pathbook::catalog::raw;
use pathbook::diag::{self, Code, Style};

#[derive(Parser)]
#[command(name = "pathbook", version, about = "Upgrade and migration knowledge as data: validated, published, printable.", long_about = None)]
struct Cli {
    /// The project root (the folder with book.toml).
    #[arg(short = 'C', long, global = true, default_value = ".")]
    root: PathBuf,
    /// When to colour diagnostics.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// The day support phases (`is end-of-life`) are computed for, YYYY-MM-DD (default:
    /// `as-of` in book.toml, else today).
    #[arg(long, global = true, value_name = "DATE", value_parser = parse_date)]
    as_of: Option<pathbook::model::Date>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Human,
    /// One JSON object per diagnostic, then a `summary` object.
    Json,
    /// SARIF 2.1.0, for code-scanning services.
    Sarif,
    /// GitHub Actions workflow commands: annotations on the files.
    Github,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum RunbookFormat {
    Html,
    Md,
    Pdf,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum PlanFormat {
    Text,
    Json,
    Html,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Paper {
    A4,
    Letter,
}

#[derive(Subcommand)]
enum Command {
    /// Validate the catalog and articles: shape, references, path simulation, content and graph
    /// checks. Prints every problem with file:line:col; exits 1 on errors.
    Check {
        /// `human` (rustc-style), `json` (one object per line, then a summary), `sarif`
        /// (SARIF 2.1.0) or `github` (Actions annotations).
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Treat warnings as errors.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Check, then build the support site into the build directory (book/ by default). The
    /// previous site is replaced only when the whole new one is written.
    Build {
        /// Write the site here instead of the configured build directory.
        #[arg(short, long)]
        out: Option<PathBuf>,
        /// Neither read nor write the build cache (highlighted code kept between builds in
        /// the user's cache folder, or `PATHBOOK_CACHE_DIR`).
        #[arg(long)]
        no_cache: bool,
    },
    /// Print one path's runbook: a standalone HTML file, a Markdown checklist, or a PDF
    /// (printed by a local headless Chromium).
    Runbook {
        /// The path's id (see `paths/` in the built site, or `pathbook check`).
        path: String,
        #[arg(long, value_enum, default_value_t = RunbookFormat::Html)]
        format: RunbookFormat,
        /// Where to write it (default: standard output; for PDF, PATH-ID.pdf).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Paper size for printing.
        #[arg(long, value_enum, default_value_t = Paper::A4)]
        paper: Paper,
        /// The Chromium binary for `--format pdf` (default: found on PATH).
        #[arg(long)]
        chromium: Option<PathBuf>,
    },
    /// Live preview: build, serve over HTTP, rebuild on every save and reload the browser. A
    /// broken edit shows its diagnostics over every page while the last good site stays up.
    Serve {
        /// Port to listen on (0 picks a free one).
        #[arg(short, long, default_value_t = 3000)]
        port: u16,
        /// Address to listen on; the default only accepts connections from this machine.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Open the site in the default browser.
        #[arg(long)]
        open: bool,
        /// Poll for changes instead of using file system events (network drives, some VMs).
        #[arg(long)]
        poll: bool,
        /// Also answer to this host name (the preview answers to localhost and IP addresses
        /// only, so other sites cannot read it through DNS rebinding). Repeatable.
        #[arg(long = "allow-host", value_name = "NAME")]
        allow_hosts: Vec<String>,
    },
    /// Assess one environment: which blockers apply, which paths work from exactly this state
    /// (viable first), and — with `--path` — a runbook with only the steps that apply.
    Plan {
        /// The environment file (YAML: `hosts:` with their `components:`, and a `target:`).
        #[arg(long)]
        env: PathBuf,
        #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
        format: PlanFormat,
        /// A path to tailor a runbook for (text: Markdown checklist; html: printable page).
        #[arg(long)]
        path: Option<String>,
        /// Where to write it (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Paper size of the HTML runbook.
        #[arg(long, value_enum, default_value_t = Paper::A4)]
        paper: Paper,
    },
    /// Print the JSON Schema (draft-07) of catalog files, for editor completion.
    Schema {
        /// Print the schema of article front matter instead.
        #[arg(long, conflicts_with = "env")]
        front_matter: bool,
        /// Print the schema of environment files (`plan --env`) instead.
        #[arg(long)]
        env: bool,
    },
    /// Explain a diagnostic code, e.g. `pathbook explain PB011`: what it means, an example that
    /// triggers it, and the fix. Without a code, list them all.
    Explain { code: Option<String> },
    /// Start a knowledge base: book.toml, a small commented catalog, an article and the
    /// catalog's JSON Schema. Refuses to overwrite anything.
    Init {
        /// The folder to create it in (default: the `--root` folder).
        dir: Option<PathBuf>,
    },
    /// List what the catalog holds: ids, titles and, for paths, the declared outcome.
    List {
        /// What to list (default: everything).
        #[arg(value_enum)]
        kind: Option<ListKind>,
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ListKind {
    Paths,
    Blockers,
    Prerequisites,
    Components,
    Facts,
    Articles,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ListFormat {
    Text,
    Json,
}

fn indent_block(text: &str) -> String {
    text.lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
}

/// `pathbook list`: one line per item (or JSON), grouped by kind.
fn list(cat: &pathbook::model::Catalog, kind: Option<ListKind>, format: ListFormat) -> String {
    use pathbook::model::Outcome;
    let want = |k: ListKind| kind.is_none_or(|x| x == k);
    let mut groups: Vec<(&str, Vec<serde_json::Value>)> = Vec::new();
    if want(ListKind::Paths) {
        let items = cat
            .paths
            .iter()
            .map(|p| {
                let outcomes: Vec<&str> = p.outcome.iter().map(|c| c.expect.as_str()).collect();
                let works = p.outcome.iter().any(|c| c.expect == Outcome::Supported);
                serde_json::json!({ "id": p.id, "title": p.title, "outcome": outcomes.join("/"), "works": works })
            })
            .collect();
        groups.push(("paths", items));
    }
    if want(ListKind::Blockers) {
        let items = cat
            .blockers
            .iter()
            .map(|b| serde_json::json!({ "id": b.id, "title": b.title, "severity": b.severity.as_str() }))
            .collect();
        groups.push(("blockers", items));
    }
    let plain = |id: &str, title: &str| serde_json::json!({ "id": id, "title": title });
    if want(ListKind::Prerequisites) {
        groups.push(("prerequisites", cat.prerequisites.iter().map(|p| plain(&p.id, &p.title)).collect()));
    }
    if want(ListKind::Components) {
        groups.push(("components", cat.components.iter().map(|c| plain(&c.id, &c.title)).collect()));
    }
    if want(ListKind::Facts) {
        groups.push(("facts", cat.facts.iter().map(|f| plain(&f.id, &f.title)).collect()));
    }
    if want(ListKind::Articles) {
        groups.push(("articles", cat.articles.iter().map(|a| plain(&a.slug, &a.title)).collect()));
    }
    match format {
        ListFormat::Json => {
            let map: serde_json::Map<String, serde_json::Value> =
                groups.into_iter().map(|(k, v)| (k.to_string(), serde_json::Value::Array(v))).collect();
            format!("{}\n", serde_json::Value::Object(map))
        }
        ListFormat::Text => {
            let mut out = String::new();
            let many = groups.len() > 1;
            for (k, items) in groups {
                if many {
                    out.push_str(&format!("{k} ({}):\n", items.len()));
                }
                let width = items.iter().filter_map(|i| i["id"].as_str()).map(str::len).max().unwrap_or(0);
                for i in &items {
                    let id = i["id"].as_str().unwrap_or_default();
                    let title = i["title"].as_str().unwrap_or_default();
                    let extra = i["outcome"]
                        .as_str()
                        .or(i["severity"].as_str())
                        .map(|x| format!("  [{x}]"))
                        .unwrap_or_default();
                    out.push_str(&format!("{}{id:<width$}  {title}{extra}\n", if many { "  " } else { "" }));
                }
            }
            out
        }
    }
}

fn parse_date(s: &str) -> Result<pathbook::model::Date, String> {
    s.trim().parse().map_err(|_| format!("`{s}` is not a date; write YYYY-MM-DD"))
}

fn print_timings(project: &Project) {
    if std::env::var_os("PATHBOOK_TIMINGS").is_some() {
        for (stage, t) in &project.timings {
            eprintln!("timing: {stage:<10} {:>8.1} ms", t.as_secs_f64() * 1e3);
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn style(choice: ColorChoice) -> Style {
    match choice {
        ColorChoice::Always => Style::Color,
        ColorChoice::Never => Style::Plain,
        ColorChoice::Auto => {
            if std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
                Style::Color
            } else {
                Style::Plain
            }
        }
    }
}

/// Loads and resolves the project without proving it (that is `check`'s job): what `runbook`
/// and `plan` need. Prints the errors; `None` when there are some.
fn opened_project(
    root: &std::path::Path,
    color: ColorChoice,
    overrides: &Overrides,
) -> anyhow::Result<Option<Project>> {
    let project = Project::open_cached(root, &mut pathbook::catalog::load::ParseCache::default(), overrides);
    print_errors(&project, color)?;
    Ok((!project.diags.has_errors()).then_some(project))
}

fn print_errors(project: &Project, color: ColorChoice) -> anyhow::Result<()> {
    let errors: Vec<diag::Diagnostic> = project.diags.items.iter().filter(|d| d.is_error()).cloned().collect();
    if !errors.is_empty() {
        std::io::stderr().write_all(diag::render_human(&errors, &project.sources, style(color)).as_bytes())?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn runbook(
    root: &std::path::Path,
    color: ColorChoice,
    overrides: &Overrides,
    path_id: &str,
    format: RunbookFormat,
    output: Option<PathBuf>,
    paper: Paper,
    chromium: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    use pathbook::render::runbook::{Spec, markdown};
    let Some(mut project) = opened_project(root, color, overrides)? else {
        eprintln!("runbook not written: the knowledge base has errors");
        return Ok(ExitCode::from(if project_missing(root) { 2 } else { 1 }));
    };
    let Some(&idx) = project.catalog.path_ids.get(path_id) else {
        let ids: Vec<&str> = project.catalog.paths.iter().map(|p| p.id.as_str()).collect();
        eprintln!("error: no path `{path_id}`; paths: {}", ids.join(", "));
        return Ok(ExitCode::from(2));
    };
    let Some(config) = project.config.clone() else { return Ok(ExitCode::from(1)) };
    let hl = pathbook::render::highlight::Highlighter::new();
    let revision = pathbook::revision::catalog_revision(&project.sources, &config.rules_dir());
    let state = match pathbook::render::RenderState::new(&project.catalog, &config, revision, &mut project.sources) {
        Ok(s) => s,
        Err(d) => {
            std::io::stderr().write_all(diag::render_human(&[d], &project.sources, style(color)).as_bytes())?;
            return Ok(ExitCode::from(1));
        }
    };
    let renderer = pathbook::render::Renderer::new(&project.catalog, &hl, &state);
    let spec = Spec::whole(&project.catalog, idx);
    let paper = if paper == Paper::Letter { "letter" } else { "A4" };
    match format {
        RunbookFormat::Md => {
            let vm = renderer.runbook_vm(&spec, "", "");
            write_out(output.as_deref(), markdown(&vm).as_bytes())?;
        }
        RunbookFormat::Html => {
            let html = renderer.runbook_standalone(&spec, paper).map_err(anyhow::Error::msg)?;
            write_out(output.as_deref(), html.as_bytes())?;
        }
        RunbookFormat::Pdf => {
            let chromium = match pathbook::pdf::find_chromium(chromium) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(ExitCode::from(2));
                }
            };
            let html = renderer.runbook_standalone(&spec, paper).map_err(anyhow::Error::msg)?;
            let out = output.unwrap_or_else(|| PathBuf::from(format!("{path_id}.pdf")));
            pathbook::pdf::print(&html, &out, &chromium)?;
            eprintln!("wrote {}", out.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[allow(clippy::too_many_arguments)]
fn plan(
    root: &std::path::Path,
    color: ColorChoice,
    overrides: &Overrides,
    env: &std::path::Path,
    format: PlanFormat,
    path_id: Option<String>,
    output: Option<PathBuf>,
    paper: Paper,
) -> anyhow::Result<ExitCode> {
    use pathbook::model::PathIdx;
    use pathbook::render::runbook::{Spec, markdown};
    // The catalog is loaded and resolved, not proved (`check` does that); the environment
    // file's own mistakes are reported first.
    let mut project = Project::open_cached(root, &mut pathbook::catalog::load::ParseCache::default(), overrides);
    if project.config.is_none() {
        print_errors(&project, color)?;
        eprintln!("no plan: no knowledge base here");
        return Ok(ExitCode::from(2));
    }
    let env_path = if env.is_absolute() { env.to_path_buf() } else { std::env::current_dir()?.join(env) };
    let environment =
        match pathbook::plan::load_environment(&env_path, root, &mut project.catalog, &mut project.sources) {
            Ok(e) => e,
            Err(diags) => {
                std::io::stderr().write_all(diag::render_human(&diags, &project.sources, style(color)).as_bytes())?;
                eprintln!("no plan: the environment file has errors");
                // A file that cannot be read is an I/O failure (2), like `check`'s.
                let io = diags.iter().all(|d| d.code == pathbook::diag::Code::FileError);
                return Ok(ExitCode::from(if io { 2 } else { 1 }));
            }
        };
    if project.diags.has_errors() {
        print_errors(&project, color)?;
        eprintln!("no plan: the knowledge base has errors");
        return Ok(ExitCode::from(1));
    }
    let cat = &project.catalog;
    let assessments: Vec<pathbook::plan::HostAssessment> = environment
        .hosts
        .iter()
        .map(|h| pathbook::plan::assess(cat, &h.id, &h.title, &h.state, environment.target.as_ref()))
        .collect();
    let chosen: Option<PathIdx> = match &path_id {
        Some(id) => match cat.path_ids.get(id) {
            Some(p) => Some(*p),
            None => {
                let ids: Vec<&str> = cat.paths.iter().map(|p| p.id.as_str()).collect();
                eprintln!("error: no path `{id}`; paths: {}", ids.join(", "));
                return Ok(ExitCode::from(2));
            }
        },
        None => None,
    };
    // One tailored runbook per host the chosen path works on; for every other host, the
    // reason it gets none.
    let mut specs: Vec<Spec> = Vec::new();
    let mut refused: Vec<pathbook::plan::Refusal> = Vec::new();
    let mut runbooks_json = Vec::new();
    if let Some(pi) = chosen {
        let pid = &cat.paths[pi.idx()].id;
        for a in &assessments {
            let result = a.paths.iter().find(|r| &r.id == pid);
            match result {
                Some(r) if r.viable => {
                    let prerequisites = r
                        .prerequisites
                        .iter()
                        .filter_map(|(n, id)| cat.prereq_ids.get(id).map(|p| (n - 1, *p)))
                        .collect();
                    specs.push(Spec {
                        path: pi,
                        steps: r.steps.iter().map(|n| n - 1).collect(),
                        environment: Some(format!("{}: {}", pathbook::plan::host_label(a), a.state)),
                        prerequisites: Some(prerequisites),
                    });
                    runbooks_json.push(serde_json::json!({ "host": a.host, "path": pid, "produced": true }));
                }
                _ => {
                    refused.push(pathbook::plan::refusal(a, pid));
                    runbooks_json.push(serde_json::json!({
                        "host": a.host,
                        "path": pid,
                        "produced": false,
                        "applies": result.is_some(),
                        "fails_at": result.and_then(|r| r.fails_at.clone()),
                        "working_paths": a.paths.iter().filter(|p| p.viable).map(|p| p.id.clone()).collect::<Vec<_>>(),
                    }));
                }
            }
        }
        if assessments.iter().all(|a| a.paths.iter().all(|r| &r.id != pid)) {
            let ids: Vec<&str> = cat.paths.iter().map(|p| p.id.as_str()).collect();
            eprintln!("error: path `{pid}` applies to none of the environment's hosts; paths: {}", ids.join(", "));
        }
    }
    let renderer_parts =
        || -> anyhow::Result<(pathbook::render::highlight::Highlighter, pathbook::render::RenderState)> {
            let config = project.config.clone().ok_or_else(|| anyhow::anyhow!("no configuration"))?;
            let revision = pathbook::revision::catalog_revision(&project.sources, &config.rules_dir());
            let mut sources = pathbook::diag::SourceMap::default();
            let state = pathbook::render::RenderState::new(cat, &config, revision, &mut sources)
                .map_err(|d| anyhow::anyhow!(d.message))?;
            Ok((pathbook::render::highlight::Highlighter::new(), state))
        };
    let paper = if paper == Paper::Letter { "letter" } else { "A4" };
    // JSON and the host report are one document; runbooks, one per host, are streamed.
    match format {
        PlanFormat::Json => {
            let mut json = serde_json::json!({ "hosts": assessments });
            if chosen.is_some() {
                json["runbooks"] = serde_json::Value::Array(runbooks_json);
            }
            write_out(output.as_deref(), serde_json::to_string_pretty(&json)?.as_bytes())?;
        }
        PlanFormat::Text => {
            let parts = if specs.is_empty() { None } else { Some(renderer_parts()?) };
            stream_out(output.as_deref(), &mut |w| {
                let io = |e: std::io::Error| e.to_string();
                for r in &refused {
                    writeln!(w, "{}", r.text).map_err(io)?;
                }
                w.write_all(pathbook::plan::report_text(&assessments).as_bytes()).map_err(io)?;
                if let Some((hl, state)) = &parts {
                    let renderer = pathbook::render::Renderer::new(cat, hl, state);
                    for spec in &specs {
                        writeln!(w, "{}", markdown(&renderer.runbook_vm(spec, "", ""))).map_err(io)?;
                    }
                }
                Ok(())
            })?;
        }
        PlanFormat::Html => {
            let (hl, state) = renderer_parts()?;
            let renderer = pathbook::render::Renderer::new(cat, &hl, &state);
            if specs.is_empty() {
                let page = renderer
                    .plan_report(&assessments, environment.target.as_ref(), &refused)
                    .map_err(anyhow::Error::msg)?;
                write_out(output.as_deref(), page.as_bytes())?;
            } else {
                // Thousands of hosts make a page of hundreds of megabytes: stream it.
                stream_out(output.as_deref(), &mut |w| renderer.write_runbooks_standalone(&specs, paper, &refused, w))?;
            }
        }
    }
    if !refused.is_empty() {
        // Said on stderr too when the report went to a file or a pipe, so whoever ran the
        // command sees it.
        if output.is_some() || !std::io::IsTerminal::is_terminal(&std::io::stdout()) {
            for r in &refused {
                eprint!("{}", r.text);
            }
        }
        eprintln!("error: no runbook for {} of {} host(s)", refused.len(), assessments.len());
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// No `book.toml` where we looked: a usage mistake (exit 2), not a broken knowledge base.
fn project_missing(root: &std::path::Path) -> bool {
    !root.join(pathbook::config::CONFIG_FILE).is_file()
}

fn write_out(output: Option<&std::path::Path>, bytes: &[u8]) -> anyhow::Result<()> {
    match output {
        Some(p) => std::fs::write(p, bytes).map_err(|e| anyhow::anyhow!("writing {}: {e}", p.display())),
        None => Ok(std::io::stdout().write_all(bytes)?),
    }
}

/// Writes what `write` produces as it produces it: to standard output, or to a temporary file
/// beside `output` that replaces it only when complete (a failure leaves no half-written file).
fn stream_out(
    output: Option<&std::path::Path>,
    write: &mut dyn FnMut(&mut dyn Write) -> Result<(), String>,
) -> anyhow::Result<()> {
    match output {
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            write(&mut out).map_err(anyhow::Error::msg)?;
            Ok(out.flush()?)
        }
        Some(p) => {
            let dir = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
            let tmp =
                tempfile::NamedTempFile::new_in(dir).map_err(|e| anyhow::anyhow!("writing {}: {e}", p.display()))?;
            let mut out = std::io::BufWriter::new(tmp);
            write(&mut out).map_err(anyhow::Error::msg)?;
            let tmp = out.into_inner().map_err(|e| anyhow::anyhow!("writing {}: {e}", p.display()))?;
            // A temporary file is private; the report is not: the mode of the file it
            // replaces, else what a plain write would give.
            let mode = std::fs::metadata(p)
                .map(|m| m.permissions())
                .unwrap_or_else(|_| std::os::unix::fs::PermissionsExt::from_mode(0o644));
            std::fs::set_permissions(tmp.path(), mode).map_err(|e| anyhow::anyhow!("writing {}: {e}", p.display()))?;
            tmp.persist(p).map_err(|e| anyhow::anyhow!("writing {}: {e}", p.display()))?;
            Ok(())
        }
    }
}

/// The end of a one-shot command: the process exits next, and the OS takes its memory back
/// at once, while dropping a large site (hundreds of thousands of allocations) took a tenth
/// of a build.
fn exit_without_freeing<T>(value: T) {
    std::mem::forget(value);
}

/// The project root as an absolute path with symlinks resolved, decided once here: the watcher
/// reports absolute paths, and every stage below compares paths against the root, so a
/// relative `.` would make every change look unrelated.
fn project_root(given: &std::path::Path) -> PathBuf {
    std::fs::canonicalize(given).unwrap_or_else(|_| std::path::absolute(given).unwrap_or_else(|_| given.to_path_buf()))
}

/// What `check` decided for each path, one line each: the outcomes over every starting state.
fn write_tallies(
    out: &mut impl Write,
    cat: &pathbook::model::Catalog,
    tallies: &[pathbook::check::Tally],
) -> std::io::Result<()> {
    const SHOWN: usize = 40;
    if tallies.is_empty() {
        return Ok(());
    }
    writeln!(out, "paths, decided for every starting state:")?;
    let width = tallies.iter().take(SHOWN).map(|t| cat.paths[t.path.idx()].id.chars().count()).max().unwrap_or(0);
    for t in tallies.iter().take(SHOWN) {
        let text = match &t.counts {
            Some(counts) if counts.is_empty() => "no starting state".to_string(),
            Some(counts) => counts
                .iter()
                .map(|(o, n)| format!("{} {}", o.as_str(), pathbook::check::thousands(n)))
                .collect::<Vec<_>>()
                .join(", "),
            None => "not decided: too large (see the error above)".to_string(),
        };
        writeln!(out, "  {:width$}  {text}", cat.paths[t.path.idx()].id)?;
    }
    if tallies.len() > SHOWN {
        writeln!(out, "  … and {} more (`pathbook list` names them all)", tallies.len() - SHOWN)?;
    }
    Ok(())
}

fn run(mut cli: Cli) -> anyhow::Result<ExitCode> {
    cli.root = project_root(&cli.root);
    let overrides = Overrides { as_of: cli.as_of };
    let needs_project = !matches!(cli.command, Command::Init { .. } | Command::Schema { .. } | Command::Explain { .. });
    if needs_project && project_missing(&cli.root) {
        // Not a located problem in a file: there is no file. Usage error, exit 2.
        eprintln!(
            "error: no `{}` in {}\n  = help: run pathbook in the project folder, pass `--root DIR`, or start one with `pathbook init`",
            pathbook::config::CONFIG_FILE,
            cli.root.display()
        );
        return Ok(ExitCode::from(2));
    }
    match cli.command {
        Command::Check { format, deny_warnings } => {
            let project = Project::check_with(&cli.root, &overrides);
            print_timings(&project);
            let items = &project.diags.items;
            match format {
                Format::Json => {
                    let lines = pathbook::report::json_lines(items, &project.sources, &project.catalog);
                    std::io::stdout().write_all(lines.as_bytes())?;
                }
                Format::Sarif => {
                    let sarif = pathbook::report::sarif(items, &project.sources);
                    std::io::stdout().write_all(serde_json::to_string_pretty(&sarif)?.as_bytes())?;
                    println!();
                }
                Format::Github => {
                    // File names relative to where the command runs (the repository root in
                    // a workflow), so the annotations land on the right files.
                    let prefix = std::env::current_dir()
                        .ok()
                        .and_then(|cwd| cwd.canonicalize().ok())
                        .and_then(|cwd| project.root.strip_prefix(cwd).ok().map(|p| p.to_string_lossy().into_owned()))
                        .unwrap_or_default();
                    let lines = pathbook::report::github(items, &project.sources, &prefix);
                    std::io::stdout().write_all(lines.as_bytes())?;
                }
                Format::Human => {
                    let mut err = std::io::stderr().lock();
                    err.write_all(diag::render_human(items, &project.sources, style(cli.color)).as_bytes())?;
                    let (e, w) = (project.diags.error_count(), project.diags.warning_count());
                    let c = &project.catalog;
                    write_tallies(&mut err, c, &project.tallies)?;
                    if e == 0 && w == 0 {
                        writeln!(
                            err,
                            "checked {} components, {} blockers, {} prerequisites, {} paths, {} articles: no problems",
                            c.components.len(),
                            c.blockers.len(),
                            c.prerequisites.len(),
                            c.paths.len(),
                            c.articles.len()
                        )?;
                    } else {
                        writeln!(err, "{e} error(s), {w} warning(s)")?;
                        if project.config.is_some() && !project.rules_complete && e > 0 {
                            writeln!(
                                err,
                                "note: path simulation was skipped because rules failed to load; fix the errors above and run again"
                            )?;
                        }
                    }
                }
            }
            let deny = deny_warnings || project.deny_warnings();
            let failed = project.diags.has_errors() || (deny && project.diags.warning_count() > 0);
            exit_without_freeing(project);
            Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
        Command::Build { out, no_cache } => {
            let started = std::time::Instant::now();
            let cache = if no_cache { None } else { pathbook::cache::dir_for(&cli.root) };
            let session = pathbook::session::Session::open_cached(&cli.root, &overrides, cache.as_deref());
            let result = pathbook::site::build(&session, out.as_deref());
            if let (Ok(_), Some(dir)) = (&result, &cache) {
                // A cache that cannot be written only makes the next build slower.
                if let Err(e) = session.save_cache(dir) {
                    eprintln!("note: could not save the build cache in {}: {e}", dir.display());
                }
                pathbook::cache::touch(dir);
                pathbook::cache::prune_unused(dir);
            }
            let project = &session.project;
            let mut timings = project.timings.clone();
            if let Ok(r) = &result {
                timings.push(("write", r.elapsed));
            }
            if std::env::var_os("PATHBOOK_TIMINGS").is_some() {
                for (stage, t) in &timings {
                    eprintln!("timing: {stage:<10} {:>8.1} ms", t.as_secs_f64() * 1e3);
                }
            }
            let mut err = std::io::stderr().lock();
            err.write_all(diag::render_human(&project.diags.items, &project.sources, style(cli.color)).as_bytes())?;
            let code = match result {
                Ok(r) => {
                    writeln!(
                        err,
                        "built {} pages ({} files, {:.1} MB{}) into {} in {:.2} s",
                        r.pages,
                        r.files,
                        r.bytes as f64 / 1e6,
                        if r.unchanged > 0 { format!(", {} unchanged", r.unchanged) } else { String::new() },
                        r.out_dir.display(),
                        started.elapsed().as_secs_f64()
                    )?;
                    Ok(ExitCode::SUCCESS)
                }
                Err(pathbook::site::BuildError::Invalid) => {
                    writeln!(
                        err,
                        "build failed: {} error(s); the previous site was left untouched",
                        project.diags.error_count()
                    )?;
                    Ok(ExitCode::from(1))
                }
                Err(e) => {
                    writeln!(err, "error: {e}")?;
                    Ok(ExitCode::from(2))
                }
            };
            exit_without_freeing(session);
            code
        }
        Command::Serve { port, bind, open, poll, allow_hosts } => {
            let opts =
                pathbook::serve::Options { bind, port, open, poll, style: style(cli.color), allow_hosts, overrides };
            pathbook::serve::serve(&cli.root, opts)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Plan { env, format, path, output, paper } => {
            plan(&cli.root, cli.color, &overrides, &env, format, path, output, paper)
        }
        Command::Runbook { path, format, output, paper, chromium } => {
            runbook(&cli.root, cli.color, &overrides, &path, format, output, paper, chromium.as_deref())
        }
        Command::Schema { front_matter, env } => {
            let schema = if front_matter {
                raw::front_matter_schema()
            } else if env {
                pathbook::plan::environment_schema()
            } else {
                raw::catalog_schema()
            };
            println!("{}", serde_json::to_string_pretty(&schema)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Init { dir } => {
            let dir = dir.unwrap_or_else(|| cli.root.clone());
            match pathbook::init::init(&dir) {
                Ok(written) => {
                    for f in &written {
                        println!("wrote {}", f.display());
                    }
                    let shown = dir.display().to_string();
                    let cd = if shown == "." { String::new() } else { format!("cd {shown} && ") };
                    println!("next: {cd}pathbook serve   (live preview), or pathbook check / pathbook build");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    Ok(ExitCode::from(2))
                }
            }
        }
        Command::List { kind, format } => {
            let project = Project::check_with(&cli.root, &overrides);
            if project.config.is_none() || !project.rules_complete {
                std::io::stderr().write_all(
                    diag::render_human(&project.diags.items, &project.sources, style(cli.color)).as_bytes(),
                )?;
                return Ok(ExitCode::from(if project.config.is_none() { 2 } else { 1 }));
            }
            std::io::stdout().write_all(list(&project.catalog, kind, format).as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { code: None } => {
            for c in Code::ALL {
                println!("{}  {}", c.as_str(), c.summary());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { code: Some(code) } => match Code::parse(&code) {
            Some(c) => {
                println!("{}: {}", c.as_str(), c.summary());
                let x = c.example();
                println!("\nFor example:\n\n{}\n\nFix: {}", indent_block(x.input), x.fix);
                Ok(ExitCode::SUCCESS)
            }
            None => {
                eprintln!(
                    "error: unknown code `{code}`; codes run from PB001 to {}",
                    Code::ALL[Code::ALL.len() - 1].as_str()
                );
                Ok(ExitCode::from(2))
            }
        },
    }
}

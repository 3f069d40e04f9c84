//! A generated knowledge base of realistic shape, for benchmarks and scale tests.
//!
//! Deterministic for a given seed. The catalog is organised in product families: each has an
//! OS with versions, an application with versions and parts, features that block the OS
//! upgrade or are prerequisites of the new application version, and migration paths of 5–30
//! steps that clear the blockers and establish the prerequisites, so `check` accepts it.
//! Articles are about 4 KB each, with headings, lists, a table, rule links, links to other
//! articles and two code blocks that differ in every article (PowerShell, and XML or INI).

use std::fmt::Write as _;
use std::path::Path;

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    pub articles: usize,
    /// Blockers plus prerequisites (at least this many; families come whole).
    pub rules: usize,
    pub seed: u64,
}

impl Default for Spec {
    fn default() -> Self {
        Spec { articles: 1000, rules: 1000, seed: 42 }
    }
}

/// What was generated.
#[derive(Clone, Copy, Debug)]
pub struct Stats {
    pub families: usize,
    pub rules: usize,
    pub articles: usize,
}

/// A small, seedable PRNG (SplitMix64): the corpus must be reproducible, and this is not
/// worth a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const WORDS: &[&str] = &[
    "server",
    "upgrade",
    "service",
    "database",
    "cluster",
    "replica",
    "gateway",
    "certificate",
    "mailbox",
    "transport",
    "connector",
    "schema",
    "directory",
    "backup",
    "restore",
    "failover",
    "node",
    "agent",
    "policy",
    "quota",
    "indexer",
    "journal",
    "archive",
    "queue",
    "listener",
    "endpoint",
    "store",
    "domain",
    "forest",
    "volume",
    "snapshot",
    "patch",
    "rollback",
    "window",
    "change",
    "outage",
    "driver",
    "firmware",
    "registry",
    "module",
    "runtime",
    "framework",
    "metabase",
    "binding",
    "protocol",
    "handshake",
    "session",
    "token",
    "secret",
    "vault",
    "audit",
    "report",
];

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(rng.pick(WORDS));
    }
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str() + ".",
        None => s,
    }
}

/// Legacy add-ons per family: each blocker concerns one of them, which keeps the number of
/// starting states per path small (as in real catalogs: many rules, few independent switches).
const LEGACY: usize = 2;

/// One product family: an OS, an application, and `features` blockers plus as many prerequisites.
struct Family {
    id: usize,
    features: usize,
}

/// Writes the corpus into `out`, which must be empty, missing, or an earlier generated corpus.
pub fn generate(a: &Spec, out: &Path) -> std::io::Result<Stats> {
    let mut rng = Rng(a.seed);
    prepare_out(out)?;

    // Each family holds `features` blockers and `features` prerequisites: 2 rules per feature.
    let mut families = Vec::new();
    let mut rules = 0;
    while rules < a.rules {
        let features = 1 + rng.below(26); // paths of 5..=30 steps
        families.push(Family { id: families.len(), features });
        rules += 2 * features;
    }

    let per_file = 50;
    for (chunk_no, chunk) in families.chunks(per_file).enumerate() {
        let mut y = String::from("# yaml-language-server: $schema=../schema/catalog.schema.json\ncomponents:\n");
        for f in chunk {
            let n = f.id;
            let _ = write!(
                y,
                "  - id: os-{n}\n    title: Operating system {n}\n    kind: os\n    versions: [v1, v2]\n    summary: {}\n    sources: [{{title: Vendor platform guide {n}, url: \"https://example.com/os/{n}\"}}]\n",
                sentence(&mut rng, 10)
            );
            let _ = write!(
                y,
                "  - id: app-{n}\n    title: Application {n}\n    kind: application\n    versions: [a, b]\n    summary: {}\n    sources: [{{title: Vendor support matrix {n}, id: DOC-{n}}}]\n",
                sentence(&mut rng, 10)
            );
            let _ = write!(y, "  - id: role-{n}\n    title: Role {n}\n    kind: role\n    part_of: app-{n}\n");
            let _ = write!(y, "  - id: data-{n}\n    title: Data {n}\n    kind: data\n");
            for k in 0..LEGACY {
                let _ = write!(y, "  - id: legacy-{n}-{k}\n    title: Legacy add-on {n}.{k}\n    kind: feature\n");
            }
            for k in 0..f.features {
                let _ = write!(y, "  - id: feat-{n}-{k}\n    title: Feature {n}.{k}\n    kind: feature\n");
            }
        }
        y.push_str("constraints:\n");
        for f in chunk {
            let n = f.id;
            let _ = write!(y, "  - require: not role-{n} or data-{n}\n    why: Role {n} always holds its data.\n");
        }
        y.push_str("blockers:\n");
        for f in chunk {
            let n = f.id;
            for k in 0..f.features {
                let sev = ["hard", "hard", "breaks", "unsupported"][k % 4];
                let breaks = if sev == "breaks" { format!("\n    breaks: [app-{n}]") } else { String::new() };
                let _ = write!(
                    y,
                    "  - id: legacy-{n}-{k}-blocks-upgrade\n    title: Legacy add-on {n}.{} blocks the OS upgrade (case {k})\n    severity: {sev}\n    blocks: upgrade os-{n}@v2\n    when: legacy-{n}-{} and os-{n}@v1{breaks}\n    summary: {}\n    explanation: |\n      {}\n      {}\n    resolution: |\n      Remove it first: [the path](path:migrate-{n}).\n    sources: [{{title: Known issue {n}-{k}, url: \"https://example.com/kb/{n}{k}\"}}]\n",
                    k % LEGACY,
                    k % LEGACY,
                    sentence(&mut rng, 12),
                    sentence(&mut rng, 25),
                    sentence(&mut rng, 25)
                );
            }
        }
        y.push_str("prerequisites:\n");
        for f in chunk {
            let n = f.id;
            for k in 0..f.features {
                let _ = write!(
                    y,
                    "  - id: app-{n}-needs-feat-{k}\n    title: Application {n} version b needs feature {n}.{k}\n    for: upgrade app-{n}@b\n    when: os-{n}@v2\n    requires: feat-{n}-{k}\n    summary: {}\n    how: |\n      ```powershell\n      Install-WindowsFeature Feat-{n}-{k} -IncludeManagementTools\n      ```\n    sources: [{{title: Installation guide {n}, id: DOC-{n}-{k}}}]\n",
                    sentence(&mut rng, 12)
                );
            }
        }
        y.push_str("paths:\n");
        for f in chunk {
            let n = f.id;
            let _ = write!(
                y,
                "  - id: migrate-{n}\n    title: Migrate family {n} to the new platform\n    summary: {}\n    applies_to: app-{n}@a and os-{n}@v1\n    hosts: [{{id: server, title: The server, existing: true}}]\n    goal:\n      - host: server\n        require: app-{n}@b and os-{n}@v2\n        keeps: [role-{n}, data-{n}]\n    outcome: supported\n    sources: [{{title: Migration guide {n}, url: \"https://example.com/migrate/{n}\"}}]\n    steps:\n",
                sentence(&mut rng, 14)
            );
            for k in 0..LEGACY {
                let _ = write!(
                    y,
                    "      - id: remove-legacy-{k}\n        title: Remove legacy add-on {k}\n        host: server\n        when: legacy-{n}-{k}\n        action: remove legacy-{n}-{k}\n        duration: 10m\n        instructions: |\n          {}\n        verify: Gone from the installed programs list.\n        rollback: Reinstall it.\n        rules: [{}]\n",
                    sentence(&mut rng, 16),
                    (0..f.features)
                        .filter(|b| b % LEGACY == k)
                        .map(|b| format!("blocker:legacy-{n}-{b}-blocks-upgrade"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            let _ = write!(
                y,
                "      - id: upgrade-os\n        title: Upgrade the operating system\n        host: server\n        action: upgrade os-{n}@v2\n        duration: 1h\n        instructions: |\n          {}\n        verify: The new version reports itself.\n        rollback: Restore the system image.\n",
                sentence(&mut rng, 16)
            );
            for k in 0..f.features {
                let _ = write!(
                    y,
                    "      - id: add-feat-{k}\n        title: Add feature {k}\n        host: server\n        action: install feat-{n}-{k}\n        duration: 5m\n        rules: [prerequisite:app-{n}-needs-feat-{k}]\n"
                );
            }
            let _ = write!(
                y,
                "      - id: install-app\n        title: Install application version b\n        host: server\n        action: upgrade app-{n}@b\n        duration: 45m\n        instructions: |\n          ```cmd\n          setup.exe /mode:upgrade /family:{n}\n          ```\n"
            );
        }
        std::fs::write(out.join(format!("rules/family-{chunk_no:04}.yaml")), y)?;
    }

    // The `upgrade app` step needs prerequisites for `install`: patterns use `install app@b`,
    // so the generated paths upgrade rather than install; the prerequisites still show on pages.
    let fams = families.len();
    for i in 0..a.articles {
        let f = &families[i % fams];
        let n = f.id;
        let dir = out.join(format!("content/section-{:03}", i / 100));
        std::fs::create_dir_all(&dir)?;
        let mut md = String::new();
        let _ = write!(
            md,
            "---\ntitle: \"Article {i}: {}\"\nsummary: {}\napplies_to: app-{n}@a and os-{n}@v1\nrecommends: [migrate-{n}]\ntags: [family-{}, {}]\nweight: {}\n---\n\n",
            sentence(&mut rng, 5).trim_end_matches('.'),
            sentence(&mut rng, 14),
            n % 50,
            rng.pick(WORDS),
            rng.below(100)
        );
        let _ =
            write!(md, "{}\n\n", [sentence(&mut rng, 30), sentence(&mut rng, 30), sentence(&mut rng, 20)].join(" "));
        let _ = write!(md, "## Background\n\n{}\n\n", [sentence(&mut rng, 30), sentence(&mut rng, 30)].join(" "));
        let k = rng.below(f.features);
        let _ = write!(
            md,
            "The [upgrade blocker](blocker:legacy-{n}-{k}-blocks-upgrade) and the [prerequisite](prerequisite:app-{n}-needs-feat-{k}) decide the order; follow [the migration](path:migrate-{n}#upgrade-os).\n\n"
        );
        let other = rng.below(a.articles);
        let _ = write!(md, "See also [article {other}](../section-{:03}/article-{other}.md).\n\n", other / 100);
        md.push_str("## Checklist\n\n");
        for _ in 0..5 {
            let _ = writeln!(md, "- {}", sentence(&mut rng, 10));
        }
        md.push_str("\n## Reference\n\n| Setting | Value | Notes |\n|---|---|---|\n");
        for r in 0..6 {
            let _ = writeln!(md, "| {}-{i}-{r} | {} | {} |", rng.pick(WORDS), rng.below(10_000), sentence(&mut rng, 6));
        }
        let _ = write!(
            md,
            "\n## Commands\n\n```powershell\n# article {i}\nGet-Service -Name Svc{i}* | Where-Object {{ $_.Status -ne 'Running' }} | Start-Service\nSet-ItemProperty -Path HKLM:\\Software\\Vendor{n}\\Article{i} -Name Value{} -Value {}\nRestart-Computer -ComputerName srv{i} -Wait -For PowerShell -Timeout {}\n```\n\n",
            rng.below(1000),
            rng.below(1000),
            rng.below(600)
        );
        if i % 2 == 0 {
            let _ = write!(
                md,
                "```xml\n<configuration article=\"{i}\">\n  <setting name=\"{}\" value=\"{}\" />\n  <setting name=\"{}\" value=\"{}\" />\n</configuration>\n```\n\n",
                rng.pick(WORDS),
                rng.below(100_000),
                rng.pick(WORDS),
                rng.below(100_000)
            );
        } else {
            let _ = write!(
                md,
                "```ini\n; article {i}\n[{}]\n{}={}\n{}={}\n```\n\n",
                rng.pick(WORDS),
                rng.pick(WORDS),
                rng.below(100_000),
                rng.pick(WORDS),
                rng.below(100_000)
            );
        }
        md.push_str("## Notes\n\n");
        while md.len() < 4000 {
            let _ = write!(md, "{}\n\n", [sentence(&mut rng, 25), sentence(&mut rng, 25)].join(" "));
        }
        std::fs::write(dir.join(format!("article-{i}.md")), md)?;
    }
    Ok(Stats { families: families.len(), rules, articles: a.articles })
}

/// A catalog in the shape of an in-place OS upgrade tool's inhibitor list (Leapp's, for one):
/// `n` packages, each present or not on a host, each blocking the OS upgrade, and one path
/// that removes whichever are present (a step guarded by `when`) before it upgrades. Every
/// package doubles the starting states, so the catalog measures how the verifier grows with
/// independent findings. `interacting` pairs of packages are tied together (one removal takes
/// another along, one package needs another, one must go before another), and three facts
/// add a number, an enumeration and a set to what the verifier decides.
#[derive(Clone, Copy, Debug)]
pub struct Inhibitors {
    pub n: usize,
    pub interacting: usize,
}

/// Writes an [`Inhibitors`] catalog into `out`, which must be empty, missing, or an earlier
/// generated corpus (it is never asked to delete anything else).
/// Where the inhibitor catalog says its rules come from.
const SOURCES: &str = "\n    sources: [{title: Upgrade inhibitors, url: \"https://example.com/inhibitors\"}]";

pub fn generate_inhibitors(spec: &Inhibitors, out: &Path) -> std::io::Result<()> {
    prepare_out(out)?;
    let n = spec.n.max(2);
    let pairs = spec.interacting.min(n / 2);
    let mut y = String::from("# A generated catalog: independent upgrade inhibitors.\ncomponents:\n");
    y.push_str("  - id: os\n    title: Enterprise Linux\n    kind: os\n    versions: [el8, el9]\n");
    for k in 0..n {
        let _ = write!(y, "  - id: pkg-{k}\n    title: Package {k}\n    kind: application\n");
    }
    y.push_str(
        "facts:\n  - id: free-space\n    title: Free space on /var\n    type: number\n    unit: GB\n    kind: setting\n\
         \x20 - id: boot-mode\n    title: Boot mode\n    type: enum\n    values: [bios, uefi]\n\
         \x20 - id: kernel-modules\n    title: Loaded kernel modules\n    type: set\n    values: [floppy, pata-legacy, btrfs]\n    kind: setting\n",
    );
    // Pair i ties packages 2i and 2i+1, in one of three ways.
    let (mut constraints, mut prerequisites, mut effects) = (String::new(), String::new(), String::new());
    for i in 0..pairs {
        let (a, b) = (2 * i, 2 * i + 1);
        match i % 3 {
            0 => {
                let _ = write!(
                    effects,
                    "  - id: pkg-{a}-takes-pkg-{b}\n    title: Removing package {a} removes package {b}\n    on: remove pkg-{a}\n    when: pkg-{b}\n    does: [remove pkg-{b}]{SOURCES}\n"
                );
            }
            1 => {
                let _ = write!(
                    constraints,
                    "  - require: not pkg-{a} or pkg-{b}\n    why: Package {a} depends on package {b}.\n"
                );
            }
            _ => {
                let _ = write!(
                    prerequisites,
                    "  - id: pkg-{b}-after-pkg-{a}\n    title: Package {a} goes before package {b}\n    for: remove pkg-{b}\n    requires: not pkg-{a}{SOURCES}\n"
                );
            }
        }
    }
    let _ = write!(
        prerequisites,
        "  - id: upgrade-needs-space\n    title: The upgrade needs 5 GB free on /var\n    for: upgrade os@el9\n    requires: free-space >= 5GB{SOURCES}\n"
    );
    if !constraints.is_empty() {
        y.push_str("constraints:\n");
        y.push_str(&constraints);
    }
    y.push_str("prerequisites:\n");
    y.push_str(&prerequisites);
    if !effects.is_empty() {
        y.push_str("effects:\n");
        y.push_str(&effects);
    }
    y.push_str("blockers:\n");
    for k in 0..n {
        let _ = write!(
            y,
            "  - id: pkg-{k}-inhibits\n    title: Package {k} inhibits the upgrade\n    severity: hard\n    blocks: upgrade os@el9\n    when: pkg-{k}{SOURCES}\n"
        );
    }
    y.push_str(
        "  - id: floppy-on-bios\n    title: The floppy module on a BIOS host stops the new kernel from booting\n    severity: hard\n    blocks: upgrade os@el9\n    when: boot-mode = bios and kernel-modules has floppy\n    sources: [{title: Upgrade inhibitors, url: \"https://example.com/inhibitors\"}]\n",
    );
    let _ = write!(
        y,
        "paths:\n  - id: in-place\n    title: In-place upgrade\n    applies_to: os@el8\n    hosts: [{{id: server, title: The server, existing: true}}]\n    goal:\n      - host: server\n        require: os@el9\n    outcome: supported{SOURCES}\n    steps:\n",
    );
    for k in 0..n {
        let _ = write!(
            y,
            "      - id: remove-pkg-{k}\n        title: Remove package {k}\n        host: server\n        when: pkg-{k}\n        action: remove pkg-{k}\n        rules: [blocker:pkg-{k}-inhibits]\n"
        );
    }
    y.push_str(
        "      - id: unload-floppy\n        title: Unload the floppy module\n        host: server\n        when: kernel-modules has floppy\n        action: set kernel-modules - floppy\n        rules: [blocker:floppy-on-bios]\n\
         \x20     - id: clean-var\n        title: Clean /var\n        host: server\n        when: free-space < 5GB\n        action: set free-space = 20GB\n        rules: [prerequisite:upgrade-needs-space]\n\
         \x20     - id: upgrade\n        title: Upgrade to EL9\n        host: server\n        action: upgrade os@el9\n",
    );
    std::fs::write(out.join("rules/catalog.yaml"), y)
}

/// A marker in every generated corpus, so regenerating one may replace it.
const MARKER: &str = ".pathbook-corpus";

/// Makes `out` ready for a corpus: creates it, or empties it when it holds an earlier one.
/// Anything else with files in it is refused.
fn prepare_out(out: &Path) -> std::io::Result<()> {
    if out.join(MARKER).is_file() {
        std::fs::remove_dir_all(out)?;
    } else if std::fs::read_dir(out).map(|mut d| d.next().is_some()).unwrap_or(false) {
        return Err(std::io::Error::other(format!(
            "{} is not empty and holds no generated corpus; choose an empty folder",
            out.display()
        )));
    }
    std::fs::create_dir_all(out.join("rules"))?;
    std::fs::create_dir_all(out.join("content"))?;
    std::fs::write(out.join(MARKER), "generated by pathbook::corpus; regenerating replaces this folder\n")?;
    std::fs::write(
        out.join("book.toml"),
        "[book]\ntitle = \"Generated corpus\"\ndescription = \"A generated knowledge base for benchmarks.\"\n",
    )
}

/// An environment file for a corpus of `families` product families (see [`generate`]): `hosts`
/// servers, each on one family's old versions with a random choice of its legacy add-ons, for
/// `pathbook plan --env`.
pub fn environment(families: usize, hosts: usize, seed: u64) -> String {
    let mut rng = Rng(seed);
    let mut y = String::from("hosts:\n");
    for h in 0..hosts {
        let n = h % families.max(1);
        let _ = write!(y, "  - id: srv-{h:05}\n    components: [os-{n}@v1, app-{n}@a");
        for k in 0..LEGACY {
            if rng.below(2) == 0 {
                let _ = write!(y, ", legacy-{n}-{k}");
            }
        }
        y.push_str("]\n");
    }
    y
}

//! The symbolic engine against the concrete evaluator, on thousands of random small catalogs:
//! every action kind, `when` and `if` guards, blockers of every severity, prerequisites,
//! effects, constraints, named conditions, typed facts, parts, derived components, clean
//! installs, several hosts. For each path, every starting state is enumerated over *all* the
//! catalog's attributes (not only the ones the engine tracks) and simulated concretely; the
//! engine must give each the same outcome, count them exactly, and its witness of each
//! outcome must replay to that outcome.
//!
//! Seeded and bounded, so CI time is fixed and a failure replays: it prints the seed and the
//! catalog.

use std::collections::BTreeMap;

use pathbook::catalog::load::{Loaded, LoadedFile, Origin, parse_yaml};
use pathbook::catalog::raw::CatalogFile;
use pathbook::diag::SourceMap;
use pathbook::eval::{self, HostState};
use pathbook::model::*;
use pathbook::verify;

/// xorshift64*: small, seeded, good enough to spread catalogs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

struct Comp {
    id: String,
    versions: Vec<String>,
    kind: &'static str,
}

struct Fact {
    id: String,
    ty: &'static str,
    values: Vec<String>,
}

/// A random catalog, as YAML.
fn random_catalog(rng: &mut Rng) -> String {
    let n_comps = 3 + rng.below(4);
    let mut comps: Vec<Comp> = Vec::new();
    for i in 0..n_comps {
        let versions = match rng.below(3) {
            0 => Vec::new(),
            1 => vec!["v1".into(), "v2".into()],
            _ => vec!["v1".into(), "v2".into(), "v3".into()],
        };
        let kind = match (i, rng.below(6)) {
            (0, _) => "os",
            (_, 0) => "hardware",
            (_, 1) => "data",
            (_, 2) => "feature",
            _ => "application",
        };
        let versions = if kind == "os" && versions.is_empty() { vec!["v1".into(), "v2".into()] } else { versions };
        comps.push(Comp { id: format!("c{i}"), versions, kind });
    }
    let mut facts: Vec<Fact> = Vec::new();
    for i in 0..rng.below(3) {
        let (ty, values) = match rng.below(3) {
            0 => ("number", Vec::new()),
            1 => ("enum", vec!["x".into(), "y".into(), "z".into()]),
            _ => ("set", vec!["p".into(), "q".into()]),
        };
        facts.push(Fact { id: format!("f{i}"), ty, values });
    }
    let named: Vec<String> = (0..rng.below(2)).map(|i| format!("n{i}")).collect();
    let mut y = String::from("components:\n");
    let derived = n_comps > 3 && rng.chance(30);
    for (i, c) in comps.iter().enumerate() {
        y.push_str(&format!("  - id: {}\n    title: {}\n    kind: {}\n", c.id, c.id, c.kind));
        if !c.versions.is_empty() {
            y.push_str(&format!("    versions: [{}]\n", c.versions.join(", ")));
            if rng.chance(30) {
                // v1 is past its end, v2 in extended support, the rest current (as of 2026-01-01).
                y.push_str("    lifecycle:\n      v1: {released: 2010-01-01, support_ends: 2015-01-01, extended_ends: 2020-01-01}\n      v2: {released: 2015-01-01, support_ends: 2025-01-01, extended_ends: 2030-01-01}\n");
            }
        }
        if i == 2 && rng.chance(30) {
            y.push_str("    part_of: c1\n");
        }
        if i == n_comps - 1 && derived {
            y.push_str(&format!("    derived: {}\n", cond(rng, &comps[..n_comps - 1], &facts, &[], 1)));
        }
        if c.kind == "data" && rng.chance(50) {
            y.push_str("    survives_reinstall: true\n");
        }
    }
    // The derived component is never an action's target.
    let movable: Vec<&Comp> = if derived { comps[..n_comps - 1].iter().collect() } else { comps.iter().collect() };
    y.push_str("methods:\n  - {id: media, title: Media}\n  - {id: update, title: Update}\n");
    if !facts.is_empty() {
        y.push_str("facts:\n");
        for f in &facts {
            y.push_str(&format!("  - id: {}\n    title: {}\n    type: {}\n", f.id, f.id, f.ty));
            if f.ty == "number" {
                y.push_str("    unit: GB\n");
            } else {
                y.push_str(&format!("    values: [{}]\n", f.values.join(", ")));
            }
            if rng.chance(30) {
                y.push_str("    kind: setting\n");
            }
            if rng.chance(40) {
                let d = match f.ty {
                    "number" => format!("{}", 2 * rng.below(4)),
                    "enum" => f.values[0].clone(),
                    _ => "(p)".into(),
                };
                y.push_str(&format!("    default: \"{d}\"\n"));
            }
        }
    }
    if !named.is_empty() {
        y.push_str("conditions:\n");
        for n in &named {
            y.push_str(&format!("  - id: {n}\n    title: {n}\n    when: {}\n", cond(rng, &comps, &facts, &[], 2)));
        }
    }
    let ids: Vec<&Comp> = movable.clone();
    let sev = ["hard", "breaks", "unsupported", "warning"];
    let n_blockers = rng.below(5);
    if n_blockers > 0 {
        y.push_str("blockers:\n");
        for i in 0..n_blockers {
            let s = *rng.pick(&sev);
            y.push_str(&format!(
                "  - id: b{i}\n    title: b{i}\n    severity: {s}\n    blocks: {}\n    when: {}\n    sources: [{{title: t}}]\n",
                pattern(rng, &ids, &facts),
                cond(rng, &comps, &facts, &named, 2)
            ));
            if s == "breaks" {
                y.push_str(&format!("    breaks: [{}]\n", rng.pick(&comps).id));
            }
        }
    }
    let n_pre = rng.below(3);
    if n_pre > 0 {
        y.push_str("prerequisites:\n");
        for i in 0..n_pre {
            y.push_str(&format!(
                "  - id: p{i}\n    title: p{i}\n    for: {}\n    when: {}\n    requires: {}\n    sources: [{{title: t}}]\n",
                pattern(rng, &ids, &facts),
                cond(rng, &comps, &facts, &named, 1),
                cond(rng, &comps, &facts, &named, 1)
            ));
        }
    }
    let n_eff = rng.below(3);
    if n_eff > 0 {
        y.push_str("effects:\n");
        for i in 0..n_eff {
            let does = (0..1 + rng.below(2))
                .map(|_| action(rng, &ids, &facts, None))
                .map(|a| if a == "manual" { format!("remove {}", ids[0].id) } else { a })
                .map(|a| format!("\"{a}\""))
                .collect::<Vec<_>>();
            y.push_str(&format!(
                "  - id: e{i}\n    title: e{i}\n    on: {}\n    when: {}\n    does: [{}]\n    sources: [{{title: t}}]\n",
                pattern(rng, &ids, &facts),
                cond(rng, &comps, &facts, &named, 1),
                does.join(", ")
            ));
        }
    }
    if rng.chance(40) {
        y.push_str("constraints:\n");
        for _ in 0..1 + rng.below(2) {
            y.push_str(&format!("  - require: {}\n    why: w\n", cond(rng, &comps, &facts, &named, 1)));
        }
    }
    y.push_str("paths:\n");
    for p in 0..1 + rng.below(2) {
        let two_existing = rng.chance(25);
        let new_host = rng.chance(50);
        let mut hosts = vec!["h0"];
        let role = if p == 0 || rng.chance(50) { ", role: primary" } else { "" };
        y.push_str(&format!("  - id: path{p}\n    title: P\n    applies_to: {}\n    hosts:\n      - {{id: h0, title: H, existing: true{role}}}\n", cond(rng, &comps, &facts, &named, 2)));
        if two_existing {
            hosts.push("h1");
            y.push_str(&format!(
                "      - {{id: h1, title: H1, existing: true, role: replica, applies_to: \"{}\"}}\n",
                cond(rng, &comps, &facts, &[], 1)
            ));
        }
        if new_host {
            hosts.push("hn");
            let starts = if rng.chance(50) {
                format!(", starts_with: [\"{}\"]", setting(rng, &movable, &facts))
            } else {
                String::new()
            };
            y.push_str(&format!("      - {{id: hn, title: New{starts}}}\n"));
        }
        y.push_str(&format!(
            "    goal:\n      - {{host: {}, require: \"{}\"}}\n",
            rng.pick(&hosts),
            cond(rng, &comps, &facts, &named, 1)
        ));
        y.push_str("    outcome: supported\n    sources: [{title: t}]\n    steps:\n");
        for s in 0..2 + rng.below(5) {
            let host = *rng.pick(&hosts);
            let mut act = action(rng, &ids, &facts, Some(&hosts));
            if act != "manual" && rng.chance(25) {
                act.push_str(if rng.chance(50) { " via media" } else { " via update" });
            }
            y.push_str(&format!(
                "      - id: s{s}\n        title: S\n        host: {host}\n        action: \"{act}\"\n"
            ));
            if rng.chance(30) {
                y.push_str(&format!("        when: \"{}\"\n", cond(rng, &comps, &facts, &named, 1)));
            }
            if rng.chance(25) {
                y.push_str(&format!("        if: \"{}\"\n", cond(rng, &comps, &facts, &named, 1)));
            }
        }
    }
    y
}

fn atom(rng: &mut Rng, comps: &[Comp], facts: &[Fact], named: &[String]) -> String {
    if !named.is_empty() && rng.chance(10) {
        return rng.pick(named).clone();
    }
    if rng.chance(5) {
        return (*rng.pick(&["role = primary", "role != primary", "role in (primary)"])).to_string();
    }
    if rng.chance(8) {
        let c = rng.pick(comps);
        if !c.versions.is_empty() {
            return format!("{} is {}", c.id, rng.pick(&["end-of-life", "supported", "extended", "mainstream"]));
        }
    }
    if !facts.is_empty() && rng.chance(30) {
        let f = rng.pick(facts);
        return match f.ty {
            "number" => {
                let op = *rng.pick(&[">=", "<", "=", ">", "<=", "!="]);
                if facts.iter().filter(|g| g.ty == "number").count() > 1 && rng.chance(30) {
                    let g =
                        facts.iter().find(|g| g.ty == "number" && g.id != f.id).map_or(f.id.clone(), |g| g.id.clone());
                    format!("{} {op} {g}", f.id)
                } else {
                    format!("{} {op} {}GB", f.id, 2 * rng.below(4))
                }
            }
            "enum" => match rng.below(3) {
                0 => format!("{} = {}", f.id, rng.pick(&f.values)),
                1 => format!("{} != {}", f.id, rng.pick(&f.values)),
                _ => format!("{} in ({}, {})", f.id, f.values[0], f.values[1]),
            },
            _ => match rng.below(2) {
                0 => format!("{} has {}", f.id, rng.pick(&f.values)),
                _ => format!("{} has any (p, q)", f.id),
            },
        };
    }
    let c = rng.pick(comps);
    if !c.versions.is_empty() && rng.chance(50) {
        match rng.below(3) {
            0 => format!("{}@{}", c.id, rng.pick(&c.versions)),
            1 => format!("{}@>={}", c.id, rng.pick(&c.versions)),
            _ => format!("{}@<{}", c.id, c.versions[c.versions.len() - 1]),
        }
    } else if rng.chance(15) {
        format!("{} is broken", c.id)
    } else {
        c.id.clone()
    }
}

fn cond(rng: &mut Rng, comps: &[Comp], facts: &[Fact], named: &[String], depth: usize) -> String {
    if depth == 0 || rng.chance(40) {
        let a = atom(rng, comps, facts, named);
        return if rng.chance(25) { format!("not {a}") } else { a };
    }
    let op = if rng.chance(50) { "and" } else { "or" };
    format!("({} {op} {})", cond(rng, comps, facts, named, depth - 1), cond(rng, comps, facts, named, depth - 1))
}

fn pattern(rng: &mut Rng, comps: &[&Comp], facts: &[Fact]) -> String {
    if !facts.is_empty() && rng.chance(15) {
        return format!("set {}", rng.pick(facts).id);
    }
    let verbs =
        ["install", "remove", "upgrade", "downgrade", "repair", "replace", "any", "install|upgrade", "remove|repair"];
    let v = *rng.pick(&verbs);
    let c = rng.pick(comps);
    let via = if rng.chance(20) { *rng.pick(&[" via media", " via (media, update)", " via update"]) } else { "" };
    if !c.versions.is_empty() && rng.chance(40) {
        format!("{v} {}@>={}{via}", c.id, rng.pick(&c.versions))
    } else {
        format!("{v} {}{via}", c.id)
    }
}

fn comp_at(rng: &mut Rng, c: &Comp) -> String {
    if c.versions.is_empty() { c.id.clone() } else { format!("{}@{}", c.id, rng.pick(&c.versions)) }
}

fn action(rng: &mut Rng, comps: &[&Comp], facts: &[Fact], hosts: Option<&[&str]>) -> String {
    let c = *rng.pick(comps);
    match rng.below(if hosts.is_some_and(|h| h.len() > 1) { 10 } else { 9 }) {
        0 | 1 => format!("install {}", comp_at(rng, c)),
        2 => format!("remove {}", c.id),
        3 if !c.versions.is_empty() => format!("upgrade {}@{}", c.id, rng.pick(&c.versions)),
        4 if !c.versions.is_empty() => format!("downgrade {}@{}", c.id, rng.pick(&c.versions)),
        5 => format!("repair {}", c.id),
        6 => {
            let d = *rng.pick(comps);
            if d.id == c.id { format!("remove {}", c.id) } else { format!("replace {} with {}", c.id, comp_at(rng, d)) }
        }
        7 if !facts.is_empty() => {
            let f = rng.pick(facts);
            match f.ty {
                "number" => format!("set {} = {}GB", f.id, 2 * rng.below(4)),
                "enum" => format!("set {} = {}", f.id, rng.pick(&f.values)),
                _ if rng.chance(50) => format!("set {} + {}", f.id, rng.pick(&f.values)),
                _ => format!("set {} - {}", f.id, rng.pick(&f.values)),
            }
        }
        8 if hosts.is_none() => format!("break {}", c.id),
        9 => {
            let h = hosts.unwrap_or(&["h0"]);
            format!("move {} from {} to {}", c.id, h[0], h[h.len() - 1])
        }
        _ => "manual".into(),
    }
}

fn setting(rng: &mut Rng, comps: &[&Comp], facts: &[Fact]) -> String {
    if !facts.is_empty() && rng.chance(50) {
        let f = rng.pick(facts);
        return match f.ty {
            "number" => format!("{} = {}GB", f.id, 2 * rng.below(4)),
            "enum" => format!("{} = {}", f.id, rng.pick(&f.values)),
            _ => format!("{} = (p)", f.id),
        };
    }
    let c = *rng.pick(comps);
    comp_at(rng, c)
}

/// The catalog, resolved in memory; `None` when the generator wrote something the resolver
/// refuses (a random catalog is not always valid: that is fine, it is skipped).
fn resolve(yaml: &str) -> Option<Catalog> {
    let mut sources = SourceMap::default();
    let file = sources.add("rules/x.yaml", "/kb/rules/x.yaml", yaml);
    let origin = Origin { file, base: 0 };
    let doc: CatalogFile = parse_yaml(yaml, origin, &sources).ok()?;
    let loaded = Loaded { files: vec![LoadedFile { origin, doc: std::sync::Arc::new(doc) }], ..Loaded::default() };
    let day = Date::constant(2026, 1, 1);
    let (r, diags) = pathbook::catalog::resolve(
        &loaded,
        &sources,
        std::path::Path::new("/kb/content"),
        false,
        day,
        &Default::default(),
    );
    if diags.iter().any(|d| d.is_error()) || !r.rules_complete {
        return None;
    }
    Some(r.catalog)
}

/// Every value an attribute of an existing host can take, concretely: absent and each version
/// of a component; for a number a value in each interval and on each constant (and two more
/// inside each interval, so facts compared with each other come out less, equal and greater);
/// each value of an enumeration; each subset of a set.
/// An attribute and the values it can take: facts' values, or components' versions.
type Domain = (Attr, Vec<Option<Value>>, Vec<Option<Ver>>);

fn domains(cat: &Catalog) -> Vec<Domain> {
    let mut out = Vec::new();
    for (i, c) in cat.components.iter().enumerate() {
        if c.derived.is_some() {
            continue;
        }
        let mut vs: Vec<Option<Ver>> = vec![None];
        vs.extend((0..c.versions.len().max(1)).map(|v| Some(v as Ver)));
        out.push((Attr::Comp(CompIdx(i as u32)), Vec::new(), vs));
    }
    for (i, f) in cat.facts.iter().enumerate() {
        let vals: Vec<Option<Value>> = match &f.ty {
            FactType::Number { .. } => {
                let domain = verify::encode::number_domain(f);
                let mut v = Vec::new();
                for code in 1..domain {
                    let Some(n) = verify::encode::number_value(f, code) else { continue };
                    v.push(Some(Value::Num(n)));
                    if code % 2 == 1 && !f.compared_with.is_empty() {
                        v.push(Some(Value::Num(Num(n.0 + 0.25))));
                    }
                }
                v
            }
            FactType::Enum { values } => (0..values.len()).map(|v| Some(Value::Enum(v as u32))).collect(),
            FactType::Set { values } => (0..1u32 << values.len())
                .map(|m| Some(Value::Set((0..values.len() as u32).filter(|b| m & (1 << b) != 0).collect())))
                .collect(),
        };
        out.push((Attr::Fact(FactIdx(i as u32)), vals, Vec::new()));
    }
    out
}

/// Every state of one host over `domains`, with broken variants for `broken`.
fn host_states(cat: &Catalog, domains: &[Domain], broken: &[CompIdx], limit: usize) -> Option<Vec<HostState>> {
    let mut states = vec![HostState::default()];
    for (attr, vals, vers) in domains {
        let mut next = Vec::new();
        for s in &states {
            match attr {
                Attr::Comp(c) => {
                    for v in vers {
                        let mut t = s.clone();
                        if let Some(v) = v {
                            t.present.insert(*c, *v);
                            if broken.contains(c) {
                                let mut b = t.clone();
                                b.broken.insert(*c);
                                next.push(b);
                            }
                        }
                        next.push(t);
                    }
                }
                Attr::Fact(f) => {
                    for v in vals {
                        let mut t = s.clone();
                        if let Some(v) = v {
                            t.facts.insert(*f, v.clone());
                        }
                        next.push(t);
                    }
                }
            }
        }
        if next.len() > limit {
            return None;
        }
        states = next;
    }
    for s in &mut states {
        s.settle(cat);
    }
    Some(states)
}

fn broken_mentioned(cat: &Catalog, c: &Cond, out: &mut Vec<CompIdx>) {
    match c {
        Cond::Broken(x) => out.push(*x),
        Cond::Named(n) => broken_mentioned(cat, &cat.conditions[n.idx()].when, out),
        Cond::Not(c) => broken_mentioned(cat, c, out),
        Cond::And(cs) | Cond::Or(cs) => cs.iter().for_each(|c| broken_mentioned(cat, c, out)),
        _ => {}
    }
}

fn constraints_consistent(cat: &Catalog) -> bool {
    if cat.constraints.is_empty() {
        return true;
    }
    let all = Cond::And(cat.constraints.iter().map(|k| k.require.clone()).collect());
    let mut roles: Vec<Option<RoleIdx>> = vec![None];
    roles.extend((0..cat.roles.len()).map(|r| Some(RoleIdx(r as u32))));
    roles.iter().all(|r| matches!(verify::satisfiable_as(cat, &all, false, *r), Ok(true)))
}

fn admissible(cat: &Catalog, path: &MigrationPath, starts: &[HostState]) -> bool {
    let existing: Vec<&Host> = path.hosts.iter().filter(|h| h.existing).collect();
    starts.iter().zip(&existing).enumerate().all(|(i, (s, h))| {
        let mut s = s.clone();
        s.role = h.role;
        s.settle(cat);
        let own = if i == 0 { &path.applies_to } else { &h.applies_to };
        eval::admissible(cat, &s) && own.holds(cat, &s)
    })
}

/// Catalogs per test; four tests run in parallel. `PATHBOOK_ENGINE_CASES` raises it (a release
/// run of 40,000 catalogs takes about a minute and a half).
fn cases() -> u64 {
    std::env::var("PATHBOOK_ENGINE_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1000)
}

#[test]
fn the_engine_agrees_with_the_concrete_evaluator_on_random_catalogs_1() {
    agree(0);
}

#[test]
fn the_engine_agrees_with_the_concrete_evaluator_on_random_catalogs_2() {
    agree(1);
}

#[test]
fn the_engine_agrees_with_the_concrete_evaluator_on_random_catalogs_3() {
    agree(2);
}

#[test]
fn the_engine_agrees_with_the_concrete_evaluator_on_random_catalogs_4() {
    agree(3);
}

/// The `part`-th quarter of the seeds.
fn agree(part: u64) {
    let catalogs = cases();
    let mut checked = 0;
    let mut states_checked = 0u64;
    let mut outcomes_seen: BTreeMap<Outcome, usize> = BTreeMap::new();
    for seed in part * catalogs + 1..=(part + 1) * catalogs {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let yaml = random_catalog(&mut rng);
        let Some(cat) = resolve(&yaml) else { continue };
        // The engine assumes the constraints can hold together (`check` reports them when
        // they cannot): catalogs where they cannot are not its business.
        if !constraints_consistent(&cat) {
            continue;
        }
        for path in &cat.paths {
            let run = match verify::run(&cat, path, &[], verify::sym::NODE_LIMIT) {
                Ok(r) => r,
                Err(t) => panic!("seed {seed}: budget on a tiny catalog: {t:?}\n{yaml}"),
            };
            // Nothing is broken when a path starts, except what its conditions or the
            // constraints ask about.
            let mut broken = Vec::new();
            broken_mentioned(&cat, &path.applies_to, &mut broken);
            for h in &path.hosts {
                broken_mentioned(&cat, &h.applies_to, &mut broken);
            }
            for k in &cat.constraints {
                broken_mentioned(&cat, &k.require, &mut broken);
            }
            let doms = domains(&cat);
            let _ = &doms;
            let Some(one) = host_states(&cat, &doms, &broken, 3000) else { continue };
            let n_existing = path.hosts.iter().filter(|h| h.existing).count();
            let combos: Vec<Vec<HostState>> = if n_existing == 1 {
                one.iter().map(|s| vec![s.clone()]).collect()
            } else {
                if one.len() * one.len() > 6000 {
                    continue;
                }
                one.iter().flat_map(|a| one.iter().map(move |b| vec![a.clone(), b.clone()])).collect()
            };
            let tracked = &run.layout.attrs;
            // A state as the engine sees it: only what it tracks.
            let project = |starts: &[HostState]| -> Vec<HostState> {
                starts
                    .iter()
                    .map(|s| {
                        let mut p = s.clone();
                        p.present.retain(|c, _| {
                            tracked.contains(&Attr::Comp(*c)) && cat.components[c.idx()].derived.is_none()
                        });
                        p.broken.retain(|c| tracked.contains(&Attr::Comp(*c)));
                        p.facts.retain(|f, _| tracked.contains(&Attr::Fact(*f)));
                        p
                    })
                    .collect()
            };
            let mut projections = std::collections::BTreeSet::new();
            for starts in &combos {
                if !admissible(&cat, path, starts) {
                    continue;
                }
                let sim = eval::simulate_hosts(&cat, path, starts, &[]);
                let sym = run.classify(starts);
                assert_eq!(
                    sym,
                    Some(sim.outcome),
                    "seed {seed}, path `{}`: the engine says {sym:?}, the evaluator {:?} from {:?}\ntrace: {:#?}\n{yaml}",
                    path.id,
                    sim.outcome,
                    starts.iter().map(|s| s.describe(&cat)).collect::<Vec<_>>(),
                    sim.events.iter().map(|e| e.describe(&cat, path)).collect::<Vec<_>>()
                );
                states_checked += 1;
                *outcomes_seen.entry(sim.outcome).or_default() += 1;
                // States that differ only in what the engine does not track count once.
                projections.insert(project(starts));
            }
            if !cat.facts.iter().any(|f| !f.compared_with.is_empty()) {
                let total = run.eng.count(&run.domain);
                let count = projections.len() as u64;
                assert_eq!(total, count.into(), "seed {seed}, path `{}`: count of starting states\n{yaml}", path.id);
            }
            for (o, set) in &run.outcomes {
                if set.is_false() {
                    continue;
                }
                let w = run.witness(set).expect("a witness of a non-empty set");
                let sim = eval::simulate_hosts(&cat, path, &w, &[]);
                assert_eq!(
                    sim.outcome, *o,
                    "seed {seed}, path `{}`: the witness of {o:?} replays as {:?}\n{yaml}",
                    path.id, sim.outcome
                );
            }
            checked += 1;
        }
    }
    eprintln!("{checked} paths, {states_checked} starting states; outcomes {outcomes_seen:?}");
    assert!(checked > catalogs as usize / 3, "most random catalogs resolve: {checked} of {catalogs}");
    for o in [Outcome::Supported, Outcome::Blocked, Outcome::Broken, Outcome::Incomplete, Outcome::Unsupported] {
        assert!(outcomes_seen.get(&o).copied().unwrap_or(0) > 0, "every outcome is exercised: {outcomes_seen:?}");
    }
}

//! The resolved model of DESIGN.md §3: what the rest of the pipeline works on.
//!
//! Every id here has been checked, every condition parsed and every reference turned into a
//! typed index, so later stages never re-validate. Values keep the [`Span`] they came from so
//! the checker can still point at the source.

use std::collections::HashMap;
use std::fmt;

use crate::diag::{FileId, Span};
use crate::expr::Verb;
pub use crate::markdown::Heading;

macro_rules! index_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);
        impl $name {
            pub fn idx(self) -> usize {
                self.0 as usize
            }
        }
    };
}

index_type!(
    /// A component, by its position in [`Catalog::components`].
    CompIdx
);
index_type!(BlockerIdx);
index_type!(PrereqIdx);
index_type!(PathIdx);
index_type!(ArticleIdx);
index_type!(
    /// A host of one path, by its position in [`MigrationPath::hosts`].
    HostIdx
);
index_type!(
    /// A typed fact (number, enumeration, set), by its position in [`Catalog::facts`].
    FactIdx
);
index_type!(ListIdx);
index_type!(
    /// A named condition, by its position in [`Catalog::conditions`].
    NamedIdx
);
index_type!(EffectIdx);
index_type!(MethodIdx);
index_type!(
    /// A host role (`primary`, `replica`), interned in [`Catalog::roles`].
    RoleIdx
);

/// A version of a component, by its position in the declared order (`rtm` < `sp1`).
pub type Ver = u16;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ComponentKind {
    /// An operating system. Installing a different version on a host is a clean install.
    Os,
    Application,
    Feature,
    Service,
    Role,
    Data,
    /// A physical part of the host (a TPM chip, a disk): a clean install keeps it.
    Hardware,
    /// Firmware and its settings (UEFI, Secure Boot): a clean install keeps it.
    Firmware,
    /// A setting of the operating system (SELinux mode, a registry value): a clean install
    /// resets it.
    Setting,
    Other,
}

impl ComponentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ComponentKind::Os => "operating system",
            ComponentKind::Application => "application",
            ComponentKind::Feature => "feature",
            ComponentKind::Service => "service",
            ComponentKind::Role => "role",
            ComponentKind::Data => "data",
            ComponentKind::Hardware => "hardware",
            ComponentKind::Firmware => "firmware",
            ComponentKind::Setting => "setting",
            ComponentKind::Other => "other",
        }
    }

    /// Whether a clean install of the operating system keeps it, unless the catalog says
    /// otherwise for one component or fact.
    pub fn survives_reinstall(self) -> bool {
        matches!(self, ComponentKind::Hardware | ComponentKind::Firmware)
    }
}

/// A citation: title plus URL and/or document id (KB number).
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// What the source is called, e.g. "KB 935197: …".
    pub title: String,
    /// Where to read it.
    #[serde(default)]
    pub url: Option<String>,
    /// A document id such as `KB 951402` or `bb691354`.
    #[serde(default)]
    pub id: Option<String>,
    /// What this source says that matters here; marks unverified facts.
    #[serde(default)]
    pub note: Option<String>,
}

/// Markdown text from the catalog, with where it starts.
#[derive(Clone, Debug, Default)]
pub struct Markdown {
    pub text: String,
    pub span: Option<Span>,
}

impl Markdown {
    pub fn is_empty(&self) -> bool {
        self.text.trim().is_empty()
    }
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Version {
    pub id: String,
    pub title: String,
    /// Lifecycle dates, where the catalog gives them.
    pub released: Option<Date>,
    /// End of (mainstream) support.
    pub support_ends: Option<Date>,
    /// End of extended support, after which the version is end-of-life.
    pub extended_ends: Option<Date>,
}

/// A calendar day (no time of day, no time zone): lifecycle dates and the evaluation date.
pub type Date = jiff::civil::Date;

/// Where a version is in its vendor's support lifecycle on a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    Unreleased,
    /// Released, in (mainstream) support.
    Mainstream,
    /// Mainstream support ended; extended support goes on.
    Extended,
    EndOfLife,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Unreleased => "unreleased",
            Phase::Mainstream => "mainstream",
            Phase::Extended => "extended",
            Phase::EndOfLife => "end-of-life",
        }
    }
}

impl Version {
    /// The phase on `day`. A version with no dates is taken as in mainstream support.
    pub fn phase(&self, day: Date) -> Phase {
        if self.released.is_some_and(|r| day < r) {
            return Phase::Unreleased;
        }
        match (self.support_ends, self.extended_ends) {
            (_, Some(e)) if day >= e => Phase::EndOfLife,
            (Some(s), Some(_)) if day >= s => Phase::Extended,
            (Some(s), None) if day >= s => Phase::EndOfLife,
            _ => Phase::Mainstream,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Component {
    pub id: String,
    pub span: Span,
    pub title: String,
    pub kind: ComponentKind,
    pub versions: Vec<Version>,
    /// Removed with its parent; cannot be installed without it.
    pub part_of: Option<CompIdx>,
    /// Kept by a clean install of the operating system (hardware, firmware, or declared so).
    pub survives_reinstall: bool,
    /// Present exactly when this condition holds (e.g. a service the OS provides).
    pub derived: Option<Cond>,
    pub summary: String,
    pub description: Markdown,
    pub also_known_as: Vec<String>,
    pub tags: Vec<String>,
    pub sources: Vec<Source>,
    /// Rule links in the description.
    pub links: Vec<(Ref, Span)>,
}

impl Component {
    pub fn is_versioned(&self) -> bool {
        !self.versions.is_empty()
    }

    /// `exchange-2007@sp1`, or just the id for unversioned components.
    pub fn label(&self, ver: Ver) -> String {
        match self.versions.get(ver as usize) {
            Some(v) => format!("{}@{}", self.id, v.id),
            None => self.id.clone(),
        }
    }

    pub fn max_ver(&self) -> Ver {
        self.versions.len().saturating_sub(1) as Ver
    }
}

/// A number as facts hold it, in the base unit of its dimension (bytes, seconds, …). Ordered
/// and hashed by its bits so states can be compared and grouped.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct Num(pub f64);

impl PartialEq for Num {
    fn eq(&self, other: &Self) -> bool {
        self.0.total_cmp(&other.0).is_eq()
    }
}
impl Eq for Num {}
impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Num {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}
impl std::hash::Hash for Num {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.to_bits().hash(state)
    }
}

/// The value of a fact on a host.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Value {
    Num(Num),
    /// An enumerated fact: the index of its value.
    Enum(u32),
    /// A set-valued fact: the indices of its members, sorted.
    Set(Vec<u32>),
}

/// What a fact holds.
#[derive(Clone, Debug, PartialEq)]
pub enum FactType {
    /// A number; `unit` is how it is written and shown (`GB`), `scale` that unit's size in
    /// the dimension's base unit.
    Number { unit: Option<String>, dimension: Option<&'static str>, scale: f64 },
    /// One of `values`.
    Enum { values: Vec<String> },
    /// Any subset of `values`.
    Set { values: Vec<String> },
}

impl FactType {
    pub fn name(&self) -> &'static str {
        match self {
            FactType::Number { .. } => "number",
            FactType::Enum { .. } => "enumeration",
            FactType::Set { .. } => "set",
        }
    }

    pub fn values(&self) -> &[String] {
        match self {
            FactType::Enum { values } | FactType::Set { values } => values,
            FactType::Number { .. } => &[],
        }
    }
}

/// A typed fact about a host: a threshold (`ram`), an enumeration (`arch`), a set (`repos`).
#[derive(Clone, Debug)]
pub struct Fact {
    pub id: String,
    pub span: Span,
    pub title: String,
    pub ty: FactType,
    pub kind: ComponentKind,
    /// Kept by a clean install of the operating system.
    pub survives_reinstall: bool,
    /// The value on a host that does not say (new hosts, environment files), if any.
    pub default: Option<Value>,
    /// Numbers: every constant the catalog compares this fact with (base unit, sorted): the
    /// engine only needs to know which interval between them a value is in.
    pub cuts: Vec<Num>,
    /// Numbers: the facts this one is compared with (`free >= data`).
    pub compared_with: Vec<FactIdx>,
    pub summary: String,
    pub description: Markdown,
    pub tags: Vec<String>,
    pub sources: Vec<Source>,
    pub links: Vec<(Ref, Span)>,
}

impl Fact {
    /// A value as the catalog writes it: `8 GB`, `x86_64`, `{epel, crb}`.
    pub fn show(&self, v: &Value) -> String {
        match (&self.ty, v) {
            (FactType::Number { unit, scale, .. }, Value::Num(n)) => {
                let x = n.0 / scale;
                // `+ 0.0` turns a negative zero into zero.
                let x = if (x - x.round()).abs() < 1e-9 { format!("{}", x.round() + 0.0) } else { format!("{x}") };
                match unit {
                    Some(u) => format!("{x} {u}"),
                    None => x,
                }
            }
            (FactType::Enum { values }, Value::Enum(i)) => values.get(*i as usize).cloned().unwrap_or_default(),
            (FactType::Set { values }, Value::Set(m)) => {
                let names: Vec<&str> = m.iter().filter_map(|i| values.get(*i as usize).map(String::as_str)).collect();
                format!("{{{}}}", names.join(", "))
            }
            _ => "?".to_string(),
        }
    }

    /// A constant in base units, shown in the fact's unit.
    pub fn show_num(&self, n: f64) -> String {
        self.show(&Value::Num(Num(n)))
    }
}

/// A named list of values of one fact (`supported-cpus`).
#[derive(Clone, Debug)]
pub struct ValueList {
    pub id: String,
    pub span: Span,
    pub title: String,
    pub of: FactIdx,
    /// Indices into the fact's values.
    pub members: Vec<u32>,
    pub summary: String,
    pub sources: Vec<Source>,
}

/// A condition with a name, written once and used anywhere (`win11-hardware-ok`).
#[derive(Clone, Debug)]
pub struct NamedCondition {
    pub id: String,
    pub span: Span,
    pub title: String,
    pub when: Cond,
    pub when_span: Span,
    pub summary: String,
    pub description: Markdown,
    pub tags: Vec<String>,
    pub sources: Vec<Source>,
    pub links: Vec<(Ref, Span)>,
}

/// How an action is done (Windows Update, installation media, a registry override).
#[derive(Clone, Debug)]
pub struct Method {
    pub id: String,
    pub span: Span,
    pub title: String,
    pub summary: String,
}

/// What an action also does, beyond its target (an upgrade that sets SELinux to permissive).
#[derive(Clone, Debug)]
pub struct Effect {
    pub id: String,
    pub span: Span,
    pub title: String,
    pub on: Pattern,
    /// Read on the host before the action.
    pub when: Cond,
    pub when_span: Option<Span>,
    /// Applied after the action, in order.
    pub does: Vec<Action>,
    pub does_span: Span,
    pub summary: String,
    pub explanation: Markdown,
    pub tags: Vec<String>,
    pub sources: Vec<Source>,
    pub links: Vec<(Ref, Span)>,
}

/// Comparison operators on numbers, shared with the syntax.
pub use crate::expr::CmpOp;

/// A resolved condition over one host's state.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Cond {
    True,
    False,
    /// The component is present, at any version.
    Present(CompIdx),
    /// The component is present at a version in `lo..=hi` (declared order).
    Versions(CompIdx, Ver, Ver),
    /// The component is present at a version in a support phase (on the evaluation date); the
    /// versions that are in it, computed once.
    Phase(CompIdx, Vec<Phase>, Vec<Ver>),
    /// The component is present and broken.
    Broken(CompIdx),
    /// A number fact compared with a constant (base unit).
    Num(FactIdx, CmpOp, Num),
    /// Two number facts compared.
    NumFacts(FactIdx, CmpOp, FactIdx),
    /// An enumerated fact holds one of these values (`=`, `in`; `!=` is its negation).
    OneOf(FactIdx, Vec<u32>),
    /// A set fact contains this member.
    Has(FactIdx, u32),
    /// The host's role in its path is one of these.
    Role(Vec<RoleIdx>),
    /// A named condition.
    Named(NamedIdx),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
}

/// What a condition can read on a host.
pub trait HostView {
    fn version_of(&self, c: CompIdx) -> Option<Ver>;
    fn is_broken(&self, c: CompIdx) -> bool;
    fn fact(&self, f: FactIdx) -> Option<&Value>;
    fn role(&self) -> Option<RoleIdx>;
}

/// An attribute of a host that conditions read and actions change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Attr {
    Comp(CompIdx),
    Fact(FactIdx),
}

impl Cond {
    /// Every component the condition mentions (named conditions included).
    pub fn components(&self, cat: &Catalog, out: &mut Vec<CompIdx>) {
        let mut attrs = Vec::new();
        self.attrs(cat, &mut attrs);
        for a in attrs {
            if let Attr::Comp(c) = a {
                if !out.contains(&c) {
                    out.push(c);
                }
            }
        }
    }

    /// The components whose `is broken` the condition reads, named conditions expanded.
    pub fn broken_reads(&self, cat: &Catalog, out: &mut Vec<CompIdx>) {
        match self {
            Cond::Broken(x) if !out.contains(x) => out.push(*x),
            Cond::Named(n) => {
                if let Some(nc) = cat.conditions.get(n.idx()) {
                    nc.when.broken_reads(cat, out)
                }
            }
            Cond::Not(c) => c.broken_reads(cat, out),
            Cond::And(cs) | Cond::Or(cs) => cs.iter().for_each(|c| c.broken_reads(cat, out)),
            _ => {}
        }
    }

    /// Every attribute the condition reads, named conditions expanded.
    pub fn attrs(&self, cat: &Catalog, out: &mut Vec<Attr>) {
        let push = |a: Attr, out: &mut Vec<Attr>| {
            if !out.contains(&a) {
                out.push(a)
            }
        };
        match self {
            Cond::True | Cond::False | Cond::Role(_) => {}
            Cond::Present(c) | Cond::Versions(c, ..) | Cond::Phase(c, ..) | Cond::Broken(c) => {
                push(Attr::Comp(*c), out)
            }
            Cond::Num(f, ..) | Cond::OneOf(f, _) | Cond::Has(f, _) => push(Attr::Fact(*f), out),
            Cond::NumFacts(a, _, b) => {
                push(Attr::Fact(*a), out);
                push(Attr::Fact(*b), out);
            }
            Cond::Named(n) => {
                if let Some(nc) = cat.conditions.get(n.idx()) {
                    nc.when.attrs(cat, out)
                }
            }
            Cond::Not(c) => c.attrs(cat, out),
            Cond::And(cs) | Cond::Or(cs) => cs.iter().for_each(|c| c.attrs(cat, out)),
        }
    }

    /// Components the condition requires to be present (positive atoms under `and` only):
    /// what a prerequisite asks to be installed first.
    pub fn required_components(&self, cat: &Catalog, out: &mut Vec<CompIdx>) {
        match self {
            Cond::Present(c) | Cond::Versions(c, ..) | Cond::Phase(c, ..) if !out.contains(c) => out.push(*c),
            Cond::And(cs) => cs.iter().for_each(|c| c.required_components(cat, out)),
            Cond::Named(n) => {
                if let Some(nc) = cat.conditions.get(n.idx()) {
                    nc.when.required_components(cat, out)
                }
            }
            _ => {}
        }
    }

    /// Components that occur under an even number of `not`s: the ones whose absence can make
    /// the condition false.
    pub fn positive_components(&self, cat: &Catalog, out: &mut Vec<CompIdx>) {
        fn walk(cat: &Catalog, c: &Cond, positive: bool, out: &mut Vec<CompIdx>) {
            match c {
                Cond::Present(x) | Cond::Versions(x, ..) | Cond::Phase(x, ..) | Cond::Broken(x)
                    if positive && !out.contains(x) =>
                {
                    out.push(*x)
                }
                Cond::Named(n) => {
                    if let Some(nc) = cat.conditions.get(n.idx()) {
                        walk(cat, &nc.when, positive, out)
                    }
                }
                Cond::Not(c) => walk(cat, c, !positive, out),
                Cond::And(cs) | Cond::Or(cs) => cs.iter().for_each(|c| walk(cat, c, positive, out)),
                _ => {}
            }
        }
        walk(cat, self, true, out)
    }

    pub fn and(a: Cond, b: Cond) -> Cond {
        match (a, b) {
            (Cond::True, x) | (x, Cond::True) => x,
            (Cond::And(mut xs), Cond::And(ys)) => {
                xs.extend(ys);
                Cond::And(xs)
            }
            (Cond::And(mut xs), y) => {
                xs.push(y);
                Cond::And(xs)
            }
            (x, y) => Cond::And(vec![x, y]),
        }
    }

    /// Evaluates on a host.
    pub fn holds(&self, cat: &Catalog, h: &impl HostView) -> bool {
        match self {
            Cond::True => true,
            Cond::False => false,
            Cond::Present(c) => h.version_of(*c).is_some(),
            Cond::Versions(c, lo, hi) => h.version_of(*c).is_some_and(|v| *lo <= v && v <= *hi),
            Cond::Phase(c, _, vs) => h.version_of(*c).is_some_and(|v| vs.contains(&v)),
            Cond::Broken(c) => h.version_of(*c).is_some() && h.is_broken(*c),
            Cond::Num(f, op, k) => match h.fact(*f) {
                Some(Value::Num(n)) => op.holds(n.cmp(k)),
                _ => false,
            },
            Cond::NumFacts(a, op, b) => match (h.fact(*a), h.fact(*b)) {
                (Some(Value::Num(x)), Some(Value::Num(y))) => op.holds(x.cmp(y)),
                _ => false,
            },
            Cond::OneOf(f, vs) => matches!(h.fact(*f), Some(Value::Enum(v)) if vs.contains(v)),
            Cond::Has(f, m) => matches!(h.fact(*f), Some(Value::Set(ms)) if ms.contains(m)),
            Cond::Role(rs) => h.role().is_some_and(|r| rs.contains(&r)),
            Cond::Named(n) => cat.conditions.get(n.idx()).is_some_and(|nc| nc.when.holds(cat, h)),
            Cond::Not(c) => !c.holds(cat, h),
            Cond::And(cs) => cs.iter().all(|c| c.holds(cat, h)),
            Cond::Or(cs) => cs.iter().any(|c| c.holds(cat, h)),
        }
    }

    /// Renders back to the condition language, with ids from the catalog.
    pub fn display<'a>(&'a self, catalog: &'a Catalog) -> CondDisplay<'a> {
        CondDisplay { cond: self, catalog, top: true }
    }
}

pub struct CondDisplay<'a> {
    cond: &'a Cond,
    catalog: &'a Catalog,
    top: bool,
}

/// `@v`, `@>=v`, `@<=v` or `@lo..hi` for a version range of a component.
pub fn version_spec(comp: &Component, lo: Ver, hi: Ver) -> String {
    let v = |i: Ver| comp.versions.get(i as usize).map_or("?", |v| v.id.as_str());
    if lo == hi {
        format!("@{}", v(lo))
    } else if hi == comp.max_ver() {
        format!("@>={}", v(lo))
    } else if lo == 0 {
        format!("@<={}", v(hi))
    } else {
        format!("@{}..{}", v(lo), v(hi))
    }
}

impl<'a> fmt::Display for CondDisplay<'a> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sub = |c: &'a Cond| CondDisplay { cond: c, catalog: self.catalog, top: false };
        let cat = self.catalog;
        let comps = &cat.components;
        let fact = |i: &FactIdx| &cat.facts[i.idx()];
        let values = |fi: &FactIdx, vs: &[u32]| {
            let ty = &fact(fi).ty;
            vs.iter().filter_map(|v| ty.values().get(*v as usize).map(String::as_str)).collect::<Vec<_>>().join(", ")
        };
        match self.cond {
            Cond::True => f.write_str("always"),
            Cond::False => f.write_str("never"),
            Cond::Present(c) => f.write_str(&comps[c.idx()].id),
            Cond::Versions(c, lo, hi) => {
                let comp = &comps[c.idx()];
                write!(f, "{}{}", comp.id, version_spec(comp, *lo, *hi))
            }
            Cond::Phase(c, phases, _) => {
                let names: Vec<&str> = phases.iter().map(|p| p.as_str()).collect();
                let word =
                    if phases.len() == 2 && phases.contains(&Phase::Mainstream) && phases.contains(&Phase::Extended) {
                        "supported".to_string()
                    } else {
                        names.join(" or ")
                    };
                write!(f, "{} is {word}", comps[c.idx()].id)
            }
            Cond::Broken(c) => write!(f, "{} is broken", comps[c.idx()].id),
            Cond::Num(fi, op, k) => write!(f, "{} {} {}", fact(fi).id, op.as_str(), fact(fi).show_num(k.0)),
            Cond::NumFacts(a, op, b) => write!(f, "{} {} {}", fact(a).id, op.as_str(), fact(b).id),
            Cond::OneOf(fi, vs) if vs.len() == 1 => write!(f, "{} = {}", fact(fi).id, values(fi, vs)),
            Cond::OneOf(fi, vs) => write!(f, "{} in ({})", fact(fi).id, values(fi, vs)),
            Cond::Has(fi, m) => write!(f, "{} has {}", fact(fi).id, values(fi, &[*m])),
            Cond::Role(rs) if rs.len() == 1 => write!(f, "role = {}", cat.roles[rs[0].idx()]),
            Cond::Role(rs) => {
                write!(f, "role in ({})", rs.iter().map(|r| cat.roles[r.idx()].as_str()).collect::<Vec<_>>().join(", "))
            }
            Cond::Named(n) => f.write_str(&cat.conditions[n.idx()].id),
            Cond::Not(c) => write!(f, "not {}", sub(c)),
            Cond::And(cs) | Cond::Or(cs) => {
                let op = if matches!(self.cond, Cond::And(_)) { " and " } else { " or " };
                let paren = !self.top;
                if paren {
                    f.write_str("(")?;
                }
                for (i, c) in cs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(op)?;
                    }
                    write!(f, "{}", sub(c))?;
                }
                if paren {
                    f.write_str(")")?;
                }
                Ok(())
            }
        }
    }
}

/// What a `set` action does to a fact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetOp {
    Assign(Value),
    /// Add a member to a set fact.
    Add(u32),
    /// Take a member out of a set fact.
    Drop(u32),
}

/// What a step (or an effect) does to a host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Install components; a versioned component names its version.
    Install(Vec<(CompIdx, Option<Ver>)>),
    Remove(Vec<CompIdx>),
    /// To a later version, in place.
    Upgrade(CompIdx, Ver),
    /// To an earlier version, in place (a rollback).
    Downgrade(CompIdx, Ver),
    /// Components that are present become unbroken.
    Repair(Vec<CompIdx>),
    /// One component out and another in, as one action.
    Replace {
        old: CompIdx,
        new: CompIdx,
        ver: Option<Ver>,
    },
    Move {
        comps: Vec<CompIdx>,
        from: HostIdx,
        to: HostIdx,
    },
    Set(FactIdx, SetOp),
    /// Effects only: the components become broken.
    Break(Vec<CompIdx>),
    /// Instructions only, no change to the modelled state.
    Manual,
}

impl Action {
    pub fn verb(&self) -> Verb {
        match self {
            Action::Install(_) => Verb::Install,
            Action::Remove(_) => Verb::Remove,
            Action::Upgrade(..) => Verb::Upgrade,
            Action::Downgrade(..) => Verb::Downgrade,
            Action::Repair(_) => Verb::Repair,
            Action::Replace { .. } => Verb::Replace,
            Action::Move { .. } => Verb::Move,
            Action::Set(..) => Verb::Set,
            Action::Break(_) => Verb::Break,
            Action::Manual => Verb::Manual,
        }
    }

    /// The components the action touches, with the version it names (install, upgrade,
    /// downgrade, the new side of a replace).
    pub fn targets(&self) -> Vec<(CompIdx, Option<Ver>)> {
        match self {
            Action::Install(cs) => cs.clone(),
            Action::Remove(cs) | Action::Repair(cs) | Action::Break(cs) | Action::Move { comps: cs, .. } => {
                cs.iter().map(|c| (*c, None)).collect()
            }
            Action::Upgrade(c, v) | Action::Downgrade(c, v) => vec![(*c, Some(*v))],
            Action::Replace { old, new, ver } => vec![(*old, None), (*new, *ver)],
            Action::Set(..) | Action::Manual => Vec::new(),
        }
    }

    /// The fact a `set` changes.
    pub fn fact(&self) -> Option<FactIdx> {
        match self {
            Action::Set(f, _) => Some(*f),
            _ => None,
        }
    }

    pub fn describe(&self, catalog: &Catalog, hosts: &[Host]) -> String {
        let comps = &catalog.components;
        let label = |(c, v): &(CompIdx, Option<Ver>)| match v {
            Some(v) => comps[c.idx()].label(*v),
            None => comps[c.idx()].id.clone(),
        };
        let ids = |cs: &[CompIdx]| cs.iter().map(|c| comps[c.idx()].id.as_str()).collect::<Vec<_>>().join(" ");
        match self {
            Action::Install(cs) => format!("install {}", cs.iter().map(label).collect::<Vec<_>>().join(" ")),
            Action::Remove(cs) => format!("remove {}", ids(cs)),
            Action::Repair(cs) => format!("repair {}", ids(cs)),
            Action::Break(cs) => format!("break {}", ids(cs)),
            Action::Upgrade(c, v) => format!("upgrade {}", comps[c.idx()].label(*v)),
            Action::Downgrade(c, v) => format!("downgrade {}", comps[c.idx()].label(*v)),
            Action::Replace { old, new, ver } => {
                format!("replace {} with {}", comps[old.idx()].id, label(&(*new, *ver)))
            }
            Action::Move { comps: cs, from, to } => format!(
                "move {} from {} to {}",
                ids(cs),
                hosts.get(from.idx()).map_or("?", |h| h.id.as_str()),
                hosts.get(to.idx()).map_or("?", |h| h.id.as_str())
            ),
            Action::Set(f, op) => {
                let fact = &catalog.facts[f.idx()];
                let member = |m: &u32| fact.ty.values().get(*m as usize).cloned().unwrap_or_default();
                match op {
                    SetOp::Assign(v) => format!("set {} = {}", fact.id, fact.show(v)),
                    SetOp::Add(m) => format!("set {} + {}", fact.id, member(m)),
                    SetOp::Drop(m) => format!("set {} - {}", fact.id, member(m)),
                }
            }
            Action::Manual => "manual".to_string(),
        }
    }
}

/// What a blocker blocks, a prerequisite is for or an effect follows: verbs, the components
/// (or facts) they concern, and how the action is done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    /// One or more verbs; `[Any]` matches every change except removal.
    pub verbs: Vec<Verb>,
    /// Components with an optional version range (declared order, inclusive).
    pub targets: Vec<(CompIdx, Option<(Ver, Ver)>)>,
    /// Facts, for `set` patterns.
    pub facts: Vec<FactIdx>,
    /// Methods; empty matches every method (and none).
    pub via: Vec<MethodIdx>,
    pub span: Span,
    /// The pattern as written, for display.
    pub text: String,
}

impl Pattern {
    /// Does the pattern's verb list take this verb? `any` takes every change but removal.
    pub fn takes(&self, verb: Verb) -> bool {
        self.verbs
            .iter()
            .any(|v| *v == verb || (*v == Verb::Any && !matches!(verb, Verb::Remove | Verb::Manual | Verb::Break)))
    }

    /// Does the pattern take an action done by `via`? Without methods it takes every method,
    /// and an action that names none.
    pub fn takes_method(&self, via: Option<MethodIdx>) -> bool {
        self.via.is_empty() || via.is_some_and(|m| self.via.contains(&m))
    }

    /// Could this pattern match some action of `verb` on component `c`, whatever the state
    /// (the verb and the component agree; versions are looked at later, methods by
    /// [`Pattern::takes_method`])?
    pub fn may_match(&self, action: &Action) -> bool {
        let verb = action.verb();
        match action {
            Action::Replace { old, new, .. } => {
                (self.takes(Verb::Replace) && self.targets.iter().any(|(c, _)| c == old || c == new))
                    || (self.takes(Verb::Install) && self.targets.iter().any(|(c, _)| c == new))
                    || (self.verbs.contains(&Verb::Remove) && self.targets.iter().any(|(c, _)| c == old))
            }
            Action::Set(f, _) => self.takes(Verb::Set) && self.facts.contains(f),
            _ => self.takes(verb) && action.targets().iter().any(|(a, _)| self.targets.iter().any(|(c, _)| c == a)),
        }
    }
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum BlockerSeverity {
    /// The action cannot proceed.
    Hard,
    /// The action proceeds but leaves the listed components broken.
    Breaks,
    /// The action works, but the vendor will not support the result.
    Unsupported,
    /// Worth knowing; changes nothing.
    Warning,
}

impl BlockerSeverity {
    pub fn as_str(self) -> &'static str {
        match self {
            BlockerSeverity::Hard => "hard",
            BlockerSeverity::Breaks => "breaks",
            BlockerSeverity::Unsupported => "unsupported",
            BlockerSeverity::Warning => "warning",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Blocker {
    pub id: String,
    pub span: Span,
    pub title: String,
    pub severity: BlockerSeverity,
    pub blocks: Pattern,
    pub when: Cond,
    pub when_span: Option<Span>,
    pub breaks: Vec<CompIdx>,
    pub summary: String,
    pub symptoms: Markdown,
    pub explanation: Markdown,
    pub resolution: Markdown,
    pub tags: Vec<String>,
    pub sources: Vec<Source>,
    /// Rule links in the Markdown fields.
    pub links: Vec<(Ref, Span)>,
}

#[derive(Clone, Debug)]
pub struct Prerequisite {
    pub id: String,
    pub span: Span,
    pub title: String,
    pub for_: Pattern,
    pub when: Cond,
    pub when_span: Option<Span>,
    pub requires: Cond,
    pub requires_span: Span,
    pub summary: String,
    pub explanation: Markdown,
    pub how: Markdown,
    pub tags: Vec<String>,
    pub sources: Vec<Source>,
    /// Rule links in the Markdown fields.
    pub links: Vec<(Ref, Span)>,
}

/// A fact about real starting states (e.g. every Exchange 2007 server has PowerShell); the
/// validator only simulates starting states that satisfy every constraint.
#[derive(Clone, Debug)]
pub struct Constraint {
    pub require: Cond,
    pub span: Span,
    pub why: String,
}

/// Something a host has, as environment files, new hosts and assistant answers say it:
/// `os@v2`, `ram = 8 GB`, `exchange is broken`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Setting {
    Comp(CompIdx, Ver),
    Fact(FactIdx, Value),
    Broken(CompIdx),
}

#[derive(Clone, Debug)]
pub struct Host {
    pub id: String,
    pub span: Span,
    pub title: String,
    /// Existing hosts start in a state their conditions admit; new hosts start empty but for
    /// `starts_with`.
    pub existing: bool,
    /// What the host is in the path (`primary`, `replica`); conditions can ask `role = …`.
    pub role: Option<RoleIdx>,
    /// An existing host other than the first: the states it may start in (the first host's
    /// are the path's `applies_to`).
    pub applies_to: Cond,
    /// A new host: what it starts with (new hardware's facts, say).
    pub starts_with: Vec<Setting>,
}

#[derive(Clone, Debug)]
pub struct GoalReq {
    pub host: HostIdx,
    /// Evaluated on the starting state of the existing host.
    pub when: Cond,
    pub require: Cond,
    /// Components that, if present on the existing host at the start, must be on `host` at the end.
    pub keeps: Vec<CompIdx>,
    pub span: Span,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Reaches the goal with nothing broken and nothing unsupported.
    Supported,
    /// Reaches the goal, but an `unsupported` blocker fired on the way.
    Unsupported,
    /// Leaves components broken.
    Broken,
    /// Stopped by a hard blocker, a missing prerequisite, or an impossible action.
    Blocked,
    /// Finishes without reaching its goal.
    Incomplete,
}

/// How risky a path is, as its authors judge it; `plan` ranks by it after preference.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Deserialize,
    serde::Serialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Risk {
    Low,
    #[default]
    Medium,
    High,
}

impl Risk {
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Low => "low",
            Risk::Medium => "medium",
            Risk::High => "high",
        }
    }
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Supported => "supported",
            Outcome::Unsupported => "unsupported",
            Outcome::Broken => "broken",
            Outcome::Blocked => "blocked",
            Outcome::Incomplete => "incomplete",
        }
    }
}

#[derive(Clone, Debug)]
pub struct OutcomeCase {
    pub when: Cond,
    pub expect: Outcome,
    pub span: Span,
}

/// A typed reference to something with a page.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ref {
    Component(CompIdx),
    Blocker(BlockerIdx),
    Prerequisite(PrereqIdx),
    Path(PathIdx, Option<String>),
    Article(ArticleIdx, Option<String>),
    Fact(FactIdx),
    Condition(NamedIdx),
    Effect(EffectIdx),
}

#[derive(Clone, Debug)]
pub struct Step {
    /// Unique within its path; also the HTML anchor.
    pub id: String,
    pub span: Span,
    pub title: String,
    pub host: Option<HostIdx>,
    pub action: Action,
    pub action_span: Option<Span>,
    /// How the action is done, if the catalog says.
    pub via: Option<MethodIdx>,
    /// Read on the starting state of the first existing host: which environments the step is
    /// for.
    pub when: Cond,
    /// Read on the step's host just before the step, after everything earlier steps did.
    pub if_: Cond,
    pub if_span: Option<Span>,
    /// How long after the step it can still be undone (minutes), where that is limited.
    pub rollback_window: Option<u32>,
    pub instructions: Markdown,
    pub verify: Markdown,
    pub rollback: Markdown,
    /// Minutes.
    pub duration: Option<u32>,
    pub refs: Vec<(Ref, Span)>,
    /// The procedure this step came from, if it was included with `use`: `(id, title)`.
    pub procedure: Option<(String, String)>,
}

impl Step {
    /// Does the step run for some hosts only (a `when` or an `if`)?
    pub fn is_conditional(&self) -> bool {
        self.when != Cond::True || self.if_ != Cond::True
    }

    /// How long the step stays undoable, in words, when the catalog says (`rollback_window`).
    pub fn undo_window(&self) -> Option<String> {
        self.rollback_window.map(|m| match m {
            0 => "none: once done, this step cannot be rolled back".to_string(),
            m => format!("{} after the step; later it cannot be rolled back", format_span(m)),
        })
    }
}

#[derive(Clone, Debug)]
pub struct MigrationPath {
    pub id: String,
    pub span: Span,
    pub title: String,
    pub summary: String,
    pub description: Markdown,
    pub applies_to: Cond,
    pub applies_span: Span,
    pub hosts: Vec<Host>,
    pub goal: Vec<GoalReq>,
    pub outcome: Vec<OutcomeCase>,
    pub outcome_span: Span,
    pub steps: Vec<Step>,
    /// Lower comes first when several paths work (default 50).
    pub preference: i64,
    pub risk: Risk,
    /// How long users are without the service (minutes), if the catalog says.
    pub downtime: Option<u32>,
    pub tags: Vec<String>,
    pub sources: Vec<Source>,
    /// Rule links in the description and the steps' Markdown.
    pub links: Vec<(Ref, Span)>,
}

impl MigrationPath {
    /// The host whose state `applies_to` describes.
    pub fn source_host(&self) -> Option<HostIdx> {
        self.hosts.iter().position(|h| h.existing).map(|i| HostIdx(i as u32))
    }

    /// The outcome the path declares for a starting state of its first existing host.
    pub fn expected(&self, cat: &Catalog, start: &impl HostView) -> Option<&OutcomeCase> {
        self.outcome.iter().find(|c| c.when.holds(cat, start))
    }

    /// True when the path is documented as failing everywhere (an anti-path).
    pub fn is_anti_path(&self) -> bool {
        self.outcome.iter().all(|c| c.expect != Outcome::Supported)
    }

    /// An anti-path whose best declared outcome is `unsupported`: it gets there, but leaves
    /// the result out of support (a registry bypass, an unsupported tool) — a last resort, not
    /// a failure.
    pub fn is_last_resort(&self) -> bool {
        self.is_anti_path() && self.outcome.iter().any(|c| c.expect == Outcome::Unsupported)
    }

    pub fn total_minutes(&self) -> u32 {
        self.steps.iter().filter_map(|s| s.duration).sum()
    }
}

/// A slice of a source file's text that shares the file's buffer.
#[derive(Clone, Debug, Default)]
pub struct SharedText {
    text: std::sync::Arc<str>,
    range: std::ops::Range<usize>,
}

impl SharedText {
    /// The text of `text` from `start` on (empty if `start` is not a character boundary).
    pub fn tail(text: std::sync::Arc<str>, start: usize) -> SharedText {
        let start = if text.is_char_boundary(start) { start.min(text.len()) } else { text.len() };
        let end = text.len();
        SharedText { text, range: start..end }
    }
}

impl std::ops::Deref for SharedText {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text[self.range.clone()]
    }
}

#[derive(Clone, Debug)]
pub struct Article {
    /// Path under `content/` without `.md`, `/`-separated: the article's id.
    pub slug: String,
    pub file: FileId,
    pub span: Span,
    pub title: String,
    pub summary: String,
    pub applies_to: Option<Cond>,
    pub applies_span: Option<Span>,
    pub recommends: Vec<(PathIdx, Span)>,
    pub tags: Vec<String>,
    pub sources: Vec<Source>,
    pub weight: i64,
    pub updated: Option<String>,
    /// The Markdown body (after the front matter), shared with the source map, not copied.
    pub body: SharedText,
    /// Byte offset of the body in the file.
    pub body_offset: usize,
    pub headings: Vec<Heading>,
    /// Resolved links to catalog entities and other articles, with where they are.
    pub links: Vec<(Ref, Span)>,
    /// The body's text split at headings, when the scan that found the headings kept it (see
    /// [`crate::markdown::Scan::sections`]); the search index takes it.
    pub sections: Handover<crate::markdown::Sections>,
}

/// A value one stage leaves for one later stage, which takes it (and so frees it as soon as
/// it is used, not when the catalog goes): shared by the clones of what holds it.
#[derive(Clone, Debug)]
pub struct Handover<T>(std::sync::Arc<std::sync::Mutex<Option<std::sync::Arc<T>>>>);

impl<T> Handover<T> {
    pub fn new(value: Option<std::sync::Arc<T>>) -> Handover<T> {
        Handover(std::sync::Arc::new(std::sync::Mutex::new(value)))
    }

    /// The value, if it is still here; after this it is not.
    pub fn take(&self) -> Option<std::sync::Arc<T>> {
        self.0.lock().ok()?.take()
    }
}

/// A file next to the articles (an image, a file to download), published as is under
/// `articles/`.
#[derive(Clone, Debug)]
pub struct Attachment {
    /// Where it is published: `articles/guides/diagram.png`.
    pub rel: String,
    /// Where it is on disk (inside the project: the loader checked).
    pub path: std::path::PathBuf,
    /// Its entry in the source map (no text), so diagnostics can point at it.
    pub file: FileId,
}

/// The whole knowledge base, resolved.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    pub components: Vec<Component>,
    pub blockers: Vec<Blocker>,
    pub prerequisites: Vec<Prerequisite>,
    pub constraints: Vec<Constraint>,
    pub paths: Vec<MigrationPath>,
    pub articles: Vec<Article>,
    pub component_ids: HashMap<String, CompIdx>,
    pub blocker_ids: HashMap<String, BlockerIdx>,
    pub prereq_ids: HashMap<String, PrereqIdx>,
    pub path_ids: HashMap<String, PathIdx>,
    pub article_ids: HashMap<String, ArticleIdx>,
    /// For each component, the blockers whose pattern names it (the evaluator's index).
    pub blockers_by_component: Vec<Vec<BlockerIdx>>,
    pub prereqs_by_component: Vec<Vec<PrereqIdx>>,
    /// Components with a `derived` condition, in declaration order (what `settle` recomputes).
    pub derived: Vec<CompIdx>,
    /// For each component, the components declared `part_of` it.
    pub parts: Vec<Vec<CompIdx>>,
    pub matrices: Vec<Matrix>,
    pub assistant: Option<Assistant>,
    pub attachments: Vec<Attachment>,
    pub facts: Vec<Fact>,
    pub lists: Vec<ValueList>,
    pub conditions: Vec<NamedCondition>,
    pub effects: Vec<Effect>,
    pub methods: Vec<Method>,
    /// Host roles named by paths, interned.
    pub roles: Vec<String>,
    pub fact_ids: HashMap<String, FactIdx>,
    pub list_ids: HashMap<String, ListIdx>,
    pub condition_ids: HashMap<String, NamedIdx>,
    pub effect_ids: HashMap<String, EffectIdx>,
    pub method_ids: HashMap<String, MethodIdx>,
    /// For each fact, the blockers, prerequisites and effects whose `set` pattern names it.
    pub blockers_by_fact: Vec<Vec<BlockerIdx>>,
    pub prereqs_by_fact: Vec<Vec<PrereqIdx>>,
    pub effects_by_fact: Vec<Vec<EffectIdx>>,
    pub effects_by_component: Vec<Vec<EffectIdx>>,
    /// The day support phases are computed for (`--as-of`, default today).
    pub as_of: Option<Date>,
    /// Which attributes real hosts tie together (the engine's closure, computed once).
    pub ties: Ties,
}

/// Attributes that constraints, parts, derived components and comparisons tie together, in
/// connected groups: a path that observes one attribute of a group must observe all of it for
/// its states to be the real ones. Computed once per catalog.
#[derive(Clone, Debug, Default)]
pub struct Ties {
    /// The group of each attribute that is in one.
    pub group: HashMap<Attr, u32>,
    /// Each group's attributes.
    pub members: Vec<Vec<Attr>>,
    /// Each group's constraints (indices into `Catalog::constraints`).
    pub constraints: Vec<Vec<usize>>,
    /// Constraints that read no attribute (only the host's role): they bear on every state.
    pub unread: Vec<usize>,
    /// Components whose `is broken` some constraint reads.
    pub broken: Vec<CompIdx>,
}

impl Ties {
    /// `attrs` with every attribute of the groups they touch, in first-mention order.
    pub fn close(&self, attrs: &mut Vec<Attr>) {
        let mut seen: std::collections::HashSet<u32> = std::collections::HashSet::new();
        let mut i = 0;
        while i < attrs.len() {
            if let Some(g) = self.group.get(&attrs[i]) {
                if seen.insert(*g) {
                    for a in &self.members[*g as usize] {
                        if !attrs.contains(a) {
                            attrs.push(*a);
                        }
                    }
                }
            }
            i += 1;
        }
    }

    /// The constraints that bear on states over `attrs` (closed with [`Ties::close`]): those of
    /// the groups the attributes are in and those that read none, in catalog order.
    pub fn bearing(&self, attrs: &[Attr]) -> Vec<usize> {
        let mut out = self.unread.clone();
        for g in self.touched(attrs) {
            out.extend(&self.constraints[g as usize]);
        }
        out.sort_unstable();
        out
    }

    /// The groups `attrs` touch.
    pub fn touched(&self, attrs: &[Attr]) -> Vec<u32> {
        let mut out: Vec<u32> = attrs.iter().filter_map(|a| self.group.get(a).copied()).collect();
        out.sort();
        out.dedup();
        out
    }
}

/// The site's upgrade assistant, resolved.
#[derive(Clone, Debug)]
pub struct Assistant {
    pub title: String,
    pub intro: String,
    pub base: Vec<Setting>,
    pub target: Option<Cond>,
    pub questions: Vec<Question>,
    pub max_combinations: u64,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Question {
    pub id: String,
    pub text: String,
    pub help: String,
    pub multiple: bool,
    pub answers: Vec<Answer>,
}

#[derive(Clone, Debug)]
pub struct Answer {
    pub id: String,
    pub label: String,
    pub sets: Vec<Setting>,
}

/// A support matrix declared in the catalog, each cell decided by the evaluator.
#[derive(Clone, Debug)]
pub struct Matrix {
    pub title: String,
    pub summary: String,
    pub kind: MatrixKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum MatrixKind {
    /// Versions of `component` (rows) against versions of `platform` (columns), on hosts that
    /// also have `with`: installing the component, and upgrading the platform under it.
    Versions { component: CompIdx, platform: CompIdx, with: Vec<Setting> },
    /// Rows that are starting states, columns that are paths or actions.
    Cells { rows: Vec<MatrixRow>, columns: Vec<MatrixColumn> },
}

#[derive(Clone, Debug)]
pub struct MatrixRow {
    pub label: String,
    pub has: Vec<Setting>,
}

#[derive(Clone, Debug)]
pub struct MatrixColumn {
    pub label: String,
    pub does: ColumnDoes,
}

#[derive(Clone, Debug)]
pub enum ColumnDoes {
    Path(PathIdx),
    Action(Action, Option<MethodIdx>),
}

impl Catalog {
    pub fn component(&self, id: &str) -> Option<&Component> {
        self.component_ids.get(id).map(|c| &self.components[c.idx()])
    }

    pub fn blocker(&self, id: &str) -> Option<&Blocker> {
        self.blocker_ids.get(id).map(|b| &self.blockers[b.idx()])
    }

    pub fn path(&self, id: &str) -> Option<&MigrationPath> {
        self.path_ids.get(id).map(|p| &self.paths[p.idx()])
    }

    pub fn fact(&self, id: &str) -> Option<&Fact> {
        self.fact_ids.get(id).map(|f| &self.facts[f.idx()])
    }

    /// Resolves `kind:id[#anchor]` without reporting anything (the checker already did).
    pub fn lookup(&self, dest: &str) -> Option<Ref> {
        let (scheme, id, anchor) = crate::markdown::split_ref(dest)?;
        let anchor = anchor.map(str::to_string);
        match scheme {
            "component" => self.component_ids.get(id).map(|c| Ref::Component(*c)),
            "blocker" => self.blocker_ids.get(id).map(|b| Ref::Blocker(*b)),
            "prerequisite" => self.prereq_ids.get(id).map(|p| Ref::Prerequisite(*p)),
            "path" => self.path_ids.get(id).map(|p| Ref::Path(*p, anchor)),
            "fact" => self.fact_ids.get(id).map(|f| Ref::Fact(*f)),
            "condition" => self.condition_ids.get(id).map(|c| Ref::Condition(*c)),
            "effect" => self.effect_ids.get(id).map(|e| Ref::Effect(*e)),
            _ => self.article_ids.get(id).map(|a| Ref::Article(*a, anchor)),
        }
    }

    /// `kind:id` as written in references and links.
    pub fn ref_label(&self, r: &Ref) -> String {
        match r {
            Ref::Component(c) => format!("component:{}", self.components[c.idx()].id),
            Ref::Blocker(b) => format!("blocker:{}", self.blockers[b.idx()].id),
            Ref::Prerequisite(p) => format!("prerequisite:{}", self.prerequisites[p.idx()].id),
            Ref::Path(p, a) => with_anchor(format!("path:{}", self.paths[p.idx()].id), a),
            Ref::Article(x, a) => with_anchor(format!("article:{}", self.articles[x.idx()].slug), a),
            Ref::Fact(f) => format!("fact:{}", self.facts[f.idx()].id),
            Ref::Condition(c) => format!("condition:{}", self.conditions[c.idx()].id),
            Ref::Effect(e) => format!("effect:{}", self.effects[e.idx()].id),
        }
    }

    pub fn ref_title(&self, r: &Ref) -> &str {
        match r {
            Ref::Component(c) => &self.components[c.idx()].title,
            Ref::Blocker(b) => &self.blockers[b.idx()].title,
            Ref::Prerequisite(p) => &self.prerequisites[p.idx()].title,
            Ref::Path(p, _) => &self.paths[p.idx()].title,
            Ref::Article(a, _) => &self.articles[a.idx()].title,
            Ref::Fact(f) => &self.facts[f.idx()].title,
            Ref::Condition(c) => &self.conditions[c.idx()].title,
            Ref::Effect(e) => &self.effects[e.idx()].title,
        }
    }
}

fn with_anchor(s: String, a: &Option<String>) -> String {
    match a {
        Some(a) => format!("{s}#{a}"),
        None => s,
    }
}

/// A span that may run to days: `7 d`, `1 d 6 h`, else as [`format_minutes`].
pub fn format_span(m: u32) -> String {
    match (m / 1440, m % 1440) {
        (0, _) => format_minutes(m),
        (d, 0) => format!("{d} d"),
        (d, r) => format!("{d} d {}", format_minutes(r)),
    }
}

/// Formats minutes as `1 h 30 min`.
pub fn format_minutes(m: u32) -> String {
    match (m / 60, m % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

//! The catalog as written: serde types for one YAML file under `rules/` and for article front
//! matter. Values that diagnostics point at are `Spanned`; the JSON Schema (`pathbook schema`)
//! is derived from these types, so the schema and the loader cannot drift apart.

use std::borrow::Cow;
use std::collections::BTreeMap;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::model::{BlockerSeverity, ComponentKind, Outcome, Risk, Source};

pub type S = Spanned<String>;

/// One catalog file. Every section is optional; ids are global across files.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "pathbook catalog file")]
pub struct CatalogFile {
    /// Anything that can be present on a host: an OS, an application, a feature, a service,
    /// a server role, data, hardware, firmware.
    #[serde(default)]
    pub components: Vec<RawComponent>,
    /// Typed facts about a host: numbers with units (`ram`), enumerations (`arch`), sets
    /// (`repos`).
    #[serde(default)]
    pub facts: Vec<RawFact>,
    /// Named lists of values of one fact (`supported-cpus`), for `fact in list`.
    #[serde(default)]
    pub lists: Vec<RawList>,
    /// Conditions with a name, usable in any condition by their id.
    #[serde(default)]
    pub conditions: Vec<RawNamedCondition>,
    /// Ways an action can be done (`windows-update`, `media`), for `… via METHOD`.
    #[serde(default)]
    pub methods: Vec<RawMethod>,
    /// Facts every real starting state satisfies; the validator only simulates states that do.
    #[serde(default)]
    pub constraints: Vec<RawConstraint>,
    /// What stops or breaks an action, and when.
    #[serde(default)]
    pub blockers: Vec<RawBlocker>,
    /// What must hold before an action, and when.
    #[serde(default)]
    pub prerequisites: Vec<RawPrerequisite>,
    /// What an action also does, and when (an upgrade that switches SELinux to permissive).
    #[serde(default)]
    pub effects: Vec<RawEffect>,
    /// Step lists shared by several paths (`- use: procedure-id` in a path's steps).
    #[serde(default)]
    pub procedures: Vec<RawProcedure>,
    /// Migration paths: ordered steps from a starting environment to a goal.
    #[serde(default)]
    pub paths: Vec<RawPath>,
    /// Support matrices shown on the site, computed by the evaluator.
    #[serde(default)]
    pub matrices: Vec<RawMatrix>,
    /// The site's upgrade assistant: questions whose answers describe a host. At most one file
    /// declares it.
    #[serde(default)]
    pub assistant: Option<RawAssistant>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAssistant {
    #[serde(default)]
    pub title: Option<String>,
    /// Markdown shown above the questions.
    #[serde(default)]
    pub intro: Option<String>,
    /// What every answer starts from, e.g. `[windows-server@2003]` (settings as in `sets`).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub base: Vec<S>,
    /// Where the reader wants to get: a path is viable when this holds on a host at its end.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub target: Option<S>,
    pub questions: Vec<RawQuestion>,
    /// The most answer combinations the build evaluates (default 4096, at most 100,000).
    #[serde(default)]
    #[schemars(with = "Option<u64>", range(min = 1, max = 100000))]
    pub max_combinations: Option<Spanned<u64>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawQuestion {
    #[schemars(with = "String")]
    pub id: S,
    pub text: String,
    #[serde(default)]
    pub help: Option<String>,
    /// Several answers may be picked (checkboxes); otherwise exactly one (radio buttons).
    #[serde(default)]
    pub multiple: bool,
    pub answers: Vec<RawAnswer>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAnswer {
    #[schemars(with = "String")]
    pub id: S,
    pub label: String,
    /// What this answer puts on the host: `component`, `component@version`, `fact = value`
    /// or `component is broken`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub sets: Vec<S>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawComponent {
    /// Global id: lowercase letters, digits and `-`.
    #[schemars(with = "String")]
    pub id: S,
    pub title: String,
    #[serde(default = "default_kind")]
    pub kind: ComponentKind,
    /// Versions in ascending order; conditions compare by this order, not by semver.
    #[serde(default)]
    #[schemars(schema_with = "versions_schema")]
    pub versions: Vec<S>,
    /// Display names for versions, e.g. `sp1: Service Pack 1`.
    #[serde(default)]
    pub version_titles: BTreeMap<String, String>,
    /// Support dates per version, e.g. `11: {released: 2018-10-18, support_ends: 2023-11-09}`;
    /// conditions can then ask `postgresql is end-of-life` (on the evaluation date).
    #[serde(default)]
    pub lifecycle: BTreeMap<String, RawLifecycle>,
    /// Whether a clean install of the OS keeps it (default: only hardware and firmware do).
    #[serde(default)]
    pub survives_reinstall: Option<bool>,
    /// The component this one is part of: removed with it, installable only where it is.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub part_of: Option<S>,
    /// A condition: the component is present exactly when it holds (e.g. a service that only one
    /// OS version provides). Derived components are never installed or removed by steps.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub derived: Option<S>,
    /// One line shown in lists.
    #[serde(default)]
    pub summary: Option<String>,
    /// Markdown.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub description: Option<S>,
    /// Other names people search for (e.g. ADAM for AD LDS).
    #[serde(default)]
    pub also_known_as: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub sources: Vec<Source>,
}

/// Versions are strings, but YAML reads `2003` as a number; both are fine.
fn versions_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "array",
        "items": { "type": ["string", "number"] },
        "uniqueItems": true
    })
}

fn default_kind() -> ComponentKind {
    ComponentKind::Other
}

/// A version's support dates (`YYYY-MM-DD`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLifecycle {
    #[serde(default)]
    #[schemars(with = "Option<String>", regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub released: Option<S>,
    /// End of (mainstream) support.
    #[serde(default)]
    #[schemars(with = "Option<String>", regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub support_ends: Option<S>,
    /// End of extended support; after it the version is end-of-life.
    #[serde(default)]
    #[schemars(with = "Option<String>", regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub extended_ends: Option<S>,
}

/// What a fact holds.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RawFactType {
    /// A number, with an optional `unit` (GB, GiB, MHz, h, %, …).
    Number,
    /// One of `values`.
    Enum,
    /// Any subset of `values`.
    Set,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFact {
    #[schemars(with = "String")]
    pub id: S,
    pub title: String,
    #[serde(rename = "type")]
    #[schemars(with = "RawFactType")]
    pub ty: Spanned<RawFactType>,
    /// Numbers: the unit values are written and shown in (`GB`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub unit: Option<S>,
    /// Enumerations and sets: the possible values.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub values: Vec<S>,
    /// What kind of thing it describes; decides whether a clean install keeps it (hardware
    /// and firmware are kept; the default for facts is `hardware`).
    #[serde(default)]
    pub kind: Option<ComponentKind>,
    #[serde(default)]
    pub survives_reinstall: Option<bool>,
    /// The value a host has when it does not say: `8 GB`, `x86_64`, `(a, b)`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub default: Option<S>,
    #[serde(default)]
    pub summary: Option<String>,
    /// Markdown.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub description: Option<S>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub sources: Vec<Source>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawList {
    #[schemars(with = "String")]
    pub id: S,
    pub title: String,
    /// The fact whose values it lists.
    #[schemars(with = "String")]
    pub of: S,
    #[schemars(with = "Vec<String>")]
    pub values: Vec<S>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub sources: Vec<Source>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawNamedCondition {
    #[schemars(with = "String")]
    pub id: S,
    pub title: String,
    /// The condition; other conditions use it by its id.
    #[schemars(with = "String")]
    pub when: S,
    #[serde(default)]
    pub summary: Option<String>,
    /// Markdown.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub description: Option<S>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub sources: Vec<Source>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMethod {
    #[schemars(with = "String")]
    pub id: S,
    pub title: String,
    #[serde(default)]
    pub summary: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawEffect {
    #[schemars(with = "String")]
    pub id: S,
    pub title: String,
    /// The action pattern it follows, e.g. `upgrade rhel@8`.
    #[schemars(with = "String")]
    pub on: S,
    /// The condition on the host, before the action, under which it happens.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub when: Option<S>,
    /// What happens as well, after the action, in order: `set selinux = permissive`,
    /// `remove unsigned-packages`, `break legacy-agent`, …
    #[schemars(with = "Vec<String>")]
    pub does: Vec<S>,
    #[serde(default)]
    pub summary: Option<String>,
    /// Markdown.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub explanation: Option<S>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub sources: Vec<Source>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawConstraint {
    /// A condition every real starting state satisfies.
    #[schemars(with = "String")]
    pub require: S,
    /// Why it holds (shown when a plan's environment violates it).
    pub why: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBlocker {
    #[schemars(with = "String")]
    pub id: S,
    pub title: String,
    /// `hard` stops the action; `breaks` lets it proceed and breaks `breaks`; `unsupported`
    /// works but voids vendor support; `warning` informs.
    #[schemars(with = "BlockerSeverity")]
    pub severity: Spanned<BlockerSeverity>,
    /// The action pattern it blocks, e.g. `upgrade windows-server@2008`.
    #[schemars(with = "String")]
    pub blocks: S,
    /// The condition on the host, before the action, under which it fires.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub when: Option<S>,
    /// Components left broken (severity `breaks`).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub breaks: Vec<S>,
    #[serde(default)]
    pub summary: Option<String>,
    /// Markdown: what the engineer sees.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub symptoms: Option<S>,
    /// Markdown: why it happens.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub explanation: Option<S>,
    /// Markdown: what to do instead.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub resolution: Option<S>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub sources: Vec<Source>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPrerequisite {
    #[schemars(with = "String")]
    pub id: S,
    pub title: String,
    /// The action pattern it guards, e.g. `install edge-transport`.
    #[serde(rename = "for")]
    #[schemars(with = "String")]
    pub for_: S,
    /// Scope: the prerequisite applies only when this holds on the host before the action.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub when: Option<S>,
    /// What must hold on the host before the action.
    #[schemars(with = "String")]
    pub requires: S,
    #[serde(default)]
    pub summary: Option<String>,
    /// Markdown: why it is needed.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub explanation: Option<S>,
    /// Markdown: how to satisfy it, with commands.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub how: Option<S>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub sources: Vec<Source>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawProcedure {
    #[schemars(with = "String")]
    pub id: S,
    pub title: String,
    #[serde(default)]
    pub summary: Option<String>,
    /// Steps without `host`: the `use` site supplies it.
    #[schemars(with = "Vec<RawStep>")]
    pub steps: Vec<Spanned<RawStep>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPath {
    #[schemars(with = "String")]
    pub id: S,
    pub title: String,
    #[serde(default)]
    pub summary: Option<String>,
    /// Markdown.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub description: Option<S>,
    /// The starting environments: a condition on the existing host.
    #[schemars(with = "String")]
    pub applies_to: S,
    /// The hosts the path works on. Leave out for a path on one existing host (it is then
    /// called `host`).
    #[serde(default)]
    pub hosts: Vec<RawHost>,
    /// Lower comes first when several paths work for a host (default 50).
    #[serde(default)]
    pub preference: Option<i64>,
    /// `low`, `medium` (default) or `high`.
    #[serde(default)]
    pub risk: Option<Risk>,
    /// How long users are without the service, e.g. `2h`, or `none`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub downtime: Option<S>,
    /// What must hold at the end, per host.
    #[serde(default)]
    pub goal: Vec<RawGoal>,
    /// `supported`, `unsupported`, `broken`, `blocked`, `incomplete`, or a list of `when` →
    /// `expect` cases (first match wins; a case without `when` matches everything).
    #[schemars(with = "RawOutcome")]
    pub outcome: Spanned<RawOutcome>,
    #[schemars(with = "Vec<RawStep>")]
    pub steps: Vec<Spanned<RawStep>>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub sources: Vec<Source>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawHost {
    #[schemars(with = "String")]
    pub id: S,
    pub title: String,
    /// Existing hosts start in a state `applies_to` admits; new hosts start empty.
    #[serde(default)]
    pub existing: bool,
    /// The host's role in the path; conditions can ask `role = …`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub role: Option<S>,
    /// A second existing host: the states it may start in.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub applies_to: Option<S>,
    /// A new host: what it starts with (`ram = 16 GB`, `tpm@2.0`).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub starts_with: Vec<S>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawGoal {
    /// Which host the goal is about; leave out on a path with one host.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub host: Option<S>,
    /// Only for starting states where this holds (on the existing host).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub when: Option<S>,
    /// What must hold on `host` at the end.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub require: Option<S>,
    /// Components that, if the existing host had them at the start, `host` must have at the end.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub keeps: Vec<S>,
}

/// One step of a path or procedure, or `use: PROCEDURE` to include a procedure's steps.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    /// Unique within the path; becomes the step's anchor.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub id: Option<S>,
    /// Include a procedure here (then only `host`, `when` and `if` may accompany it).
    #[serde(default, rename = "use")]
    #[schemars(with = "Option<String>")]
    pub use_: Option<S>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub host: Option<S>,
    /// `install C@v …`, `remove C …`, `upgrade C@v`, `downgrade C@v`, `repair C`, `replace A
    /// with B@v`, `move C … from H to H`, `set F = v`, or `manual`; `… via METHOD`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub action: Option<S>,
    /// Only for starting states where this holds (read on the first existing host's state at
    /// the start of the path).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub when: Option<S>,
    /// Only if this holds on the step's host just before the step (after the earlier steps).
    #[serde(default, rename = "if")]
    #[schemars(with = "Option<String>")]
    pub if_: Option<S>,
    /// How long after the step it can still be rolled back, e.g. `10d`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub rollback_window: Option<S>,
    /// Markdown: what to do, with commands in fenced code blocks.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub instructions: Option<S>,
    /// Markdown: how to tell it worked.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub verify: Option<S>,
    /// Markdown: how to undo it.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub rollback: Option<S>,
    /// Estimate such as `15m`, `1h`, `1h30m`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub duration: Option<S>,
    /// References to rules: `blocker:ID`, `prerequisite:ID`, `component:ID`, `article:SLUG`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub rules: Vec<S>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawOutcomeCase {
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub when: Option<S>,
    #[schemars(with = "Outcome")]
    pub expect: Spanned<Outcome>,
}

/// A path's expected outcome: one value, or cases by starting state.
#[derive(Debug)]
pub enum RawOutcome {
    One(Outcome),
    Cases(Vec<Spanned<RawOutcomeCase>>),
}

impl<'de> Deserialize<'de> for RawOutcome {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Hand-written rather than `#[serde(untagged)]`: untagged buffering loses the spans
        // of the cases' `when` conditions.
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawOutcome;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "`supported`, `unsupported`, `broken`, `blocked`, `incomplete`, or a list of `when`/`expect` cases",
                )
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawOutcome, A::Error> {
                let mut cases = Vec::new();
                while let Some(c) = seq.next_element()? {
                    cases.push(c);
                }
                Ok(RawOutcome::Cases(cases))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawOutcome, E> {
                Outcome::deserialize(de::value::StrDeserializer::<E>::new(v)).map(RawOutcome::One)
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for RawOutcome {
    fn schema_name() -> Cow<'static, str> {
        "RawOutcome".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let one = generator.subschema_for::<Outcome>();
        let case = generator.subschema_for::<RawOutcomeCase>();
        json_schema!({
            "description": "One outcome, or a list of `when` → `expect` cases (first match wins).",
            "oneOf": [one, { "type": "array", "items": case, "minItems": 1 }]
        })
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMatrix {
    #[schemars(with = "String")]
    pub title: S,
    /// Markdown shown above the table.
    #[serde(default)]
    pub summary: Option<String>,
    /// Rows: the versions of this component (with `platform`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub component: Option<S>,
    /// Columns: the versions of this platform component (with `component`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub platform: Option<S>,
    /// What every host of a `component` × `platform` table has besides them, e.g.
    /// `[tpm@2.0, secure-boot-capable, ram = 8 GB]` (settings as in the assistant's `sets`).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub with: Vec<S>,
    /// Explicit rows: each a starting state (instead of `component` and `platform`).
    #[serde(default)]
    pub rows: Vec<RawMatrixRow>,
    /// Explicit columns: each a path to run or an action to try on the row's state.
    #[serde(default)]
    pub columns: Vec<RawMatrixColumn>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMatrixRow {
    #[schemars(with = "String")]
    pub label: S,
    /// What the host has: `component`, `component@version`, `fact = value`.
    #[schemars(with = "Vec<String>")]
    pub has: Vec<S>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMatrixColumn {
    #[schemars(with = "String")]
    pub label: S,
    /// A path simulated from the row's state (for one-host paths).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub path: Option<S>,
    /// One action tried on the row's state, e.g. `upgrade windows@11 via setup`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub action: Option<S>,
}

/// Front matter of an article in `content/`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "pathbook article front matter")]
pub struct FrontMatter {
    pub title: String,
    #[serde(default)]
    pub summary: Option<String>,
    /// The environments the article is about (a condition).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub applies_to: Option<S>,
    /// Path ids the article recommends; `check` proves each works where the article applies.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub recommends: Vec<S>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub sources: Vec<Source>,
    /// Lower weights list first.
    #[serde(default)]
    pub weight: i64,
    /// Date of the last review, free text (`2026-11-24`).
    #[serde(default)]
    pub updated: Option<String>,
    /// Drafts are checked but not published.
    #[serde(default)]
    pub draft: bool,
    /// Free-form data for custom templates.
    #[serde(default)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// The catalog file schema, draft-07, as `pathbook schema` prints it.
pub fn catalog_schema() -> serde_json::Value {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let schema = generator.into_root_schema_for::<CatalogFile>();
    serde_json::to_value(schema).unwrap_or_default()
}

/// The front matter schema, draft-07.
pub fn front_matter_schema() -> serde_json::Value {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let schema = generator.into_root_schema_for::<FrontMatter>();
    serde_json::to_value(schema).unwrap_or_default()
}

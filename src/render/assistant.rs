//! The assistant page and its precomputed answers, and the HTML report of `plan`. The page's
//! script only looks answers up: every one was computed here by `plan::assess`.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use serde::Serialize;

use super::Renderer;
use super::links::cond_html;
use super::pages::PageOut;
use crate::model::{Assistant, Catalog, Cond, Setting};
use crate::plan::{self, BlockerHit, Handling, HostAssessment, PathResult, PrereqHit};

#[derive(Serialize)]
struct AnswerVm<'a> {
    id: &'a str,
    label: &'a str,
    /// What the answer puts on the host, as `component@version` labels.
    sets: Vec<String>,
}

#[derive(Serialize)]
struct QuestionVm<'a> {
    id: &'a str,
    text: &'a str,
    help: &'a str,
    multiple: bool,
    answers: Vec<AnswerVm<'a>>,
}

impl Renderer<'_> {
    fn questions(&self) -> Vec<QuestionVm<'_>> {
        let Some(a) = &self.cat.assistant else { return Vec::new() };
        a.questions
            .iter()
            .map(|q| QuestionVm {
                id: &q.id,
                text: &q.text,
                help: &q.help,
                multiple: q.multiple,
                answers: q
                    .answers
                    .iter()
                    .map(|x| AnswerVm {
                        id: &x.id,
                        label: &x.label,
                        sets: x.sets.iter().map(|x| setting_label(self.cat, x)).collect(),
                    })
                    .collect(),
            })
            .collect()
    }

    /// `assistant.html`.
    pub fn assistant_page(&self) -> Result<PageOut, String> {
        let Some(a) = &self.cat.assistant else { return Err("no assistant".into()) };
        let path = "assistant.html".to_string();
        let mut ids = crate::markdown::HeadingIds::default();
        let intro = if a.intro.trim().is_empty() {
            String::new()
        } else {
            super::md::to_html(&a.intro, &super::md::Ctx { cat: self.cat, hl: self.hl, root: "" }, &mut ids)
        };
        let mut ctx = self.context(
            &path,
            &a.title,
            "assistant",
            &format!(
                "Answer a few questions about a {}: see what blocks it and which paths work.",
                self.site.vocab.host
            ),
            &[],
        );
        ctx.insert("title", &a.title);
        ctx.insert("intro_html", &intro);
        ctx.insert("target_html", &a.target.as_ref().map(|t| cond_html(self.cat, t, "")));
        ctx.insert("questions", &self.questions());
        self.render("assistant.html", path, &ctx)
    }

    /// `assets/assistant-data.js`: every combination of answers, assessed by `plan::assess`.
    /// Blockers and paths are described once; identical results are stored once.
    pub fn assistant_data(&self) -> PageOut {
        let file = "assets/assistant-data.js".to_string();
        let Some(a) = &self.cat.assistant else { return (file, Vec::new()) };
        let data = assistant_json(self.cat, a, self.questions(), self.root_labels(a));
        let json = serde_json::to_string(&data).unwrap_or_else(|_| "{}".into()).replace('<', "\\u003c");
        (file, format!("window.pathbookAssistant = {json};\n").into_bytes())
    }

    fn root_labels(&self, a: &Assistant) -> Vec<String> {
        a.base.iter().map(|x| setting_label(self.cat, x)).collect()
    }

    /// `plan`'s HTML report (`plan --format html` without `--path`); `refused` explains runbooks that were asked for and not produced.
    pub fn plan_report(
        &self,
        hosts: &[HostAssessment],
        target: Option<&Cond>,
        refused: &[crate::plan::Refusal],
    ) -> Result<String, String> {
        let mut ctx = self.context("plan.html", "Upgrade plan", "plan", "", &[]);
        ctx.insert("inline_css", &self.inline_css(false));
        ctx.insert("hosts", hosts);
        ctx.insert("refused", refused);
        ctx.insert("target", &target.map(|t| t.display(self.cat).to_string()));
        self.render("plan.html", "plan.html".into(), &ctx).map(|(_, b)| String::from_utf8_lossy(&b).into_owned())
    }
}

/// One combination's answer, as the page stores it: `plan::assess` without the host's name and
/// description (the page describes the host from the answers), blockers by id, paths as
/// indices into a shared list of path results (most combinations share most of them).
#[derive(Debug, PartialEq, Serialize)]
struct StoredResult {
    /// Indices into the shared `warnings`.
    warnings: Vec<usize>,
    at_target: bool,
    /// Indices into `blocker_ids`.
    blockers: Vec<usize>,
    /// Per blocker (as in `blockers`): what the paths do about it for this host, as an index
    /// into the shared `handled` lists.
    handled: Vec<usize>,
    /// Indices into the shared `prerequisites` list.
    prerequisites: Vec<usize>,
    paths: Vec<usize>,
}

/// A run of text, a link when `h` is set (relative to the site's root, or an absolute web
/// address), code when `c` is set: what the page needs to rebuild a resolution with its links
/// and code, built from DOM nodes, never from HTML.
#[derive(Debug, PartialEq, Serialize)]
struct Seg {
    t: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    h: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    c: bool,
}

/// Markdown as [`Seg`]s: paragraphs and list items become line breaks (`\n`), links keep their
/// target if it is a catalog reference or a web address.
fn segments(cat: &Catalog, markdown: &str) -> Vec<Seg> {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let mut out: Vec<Seg> = Vec::new();
    let mut href: Option<String> = None;
    let push = |out: &mut Vec<Seg>, t: &str, h: &Option<String>, c: bool| match out.last_mut() {
        Some(last) if last.h == *h && last.c == c => last.t.push_str(t),
        _ => out.push(Seg { t: t.to_string(), h: h.clone(), c }),
    };
    for event in Parser::new_ext(markdown, crate::markdown::options()) {
        match event {
            Event::Start(Tag::Link { dest_url, .. }) => {
                href = match crate::markdown::classify(&dest_url) {
                    crate::markdown::Dest::Catalog => cat.lookup(&dest_url).map(|r| super::links::url(cat, &r)),
                    crate::markdown::Dest::Web => Some(dest_url.to_string()),
                    _ => None,
                };
            }
            Event::End(TagEnd::Link) => href = None,
            Event::Text(t) => push(&mut out, &t, &href, false),
            Event::Code(t) => push(&mut out, &t, &href, true),
            Event::SoftBreak => push(&mut out, " ", &href, false),
            Event::HardBreak => push(&mut out, "\n", &href, false),
            Event::Start(Tag::Item) => push(&mut out, "• ", &None, false),
            Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::CodeBlock | TagEnd::Heading(_)) => {
                push(&mut out, "\n", &None, false)
            }
            _ => {}
        }
    }
    while out.last().is_some_and(|s| s.t.trim().is_empty()) {
        out.pop();
    }
    out
}

#[derive(Serialize)]
struct AssistantData<'a> {
    base: Vec<String>,
    target: Option<String>,
    questions: Vec<QuestionVm<'a>>,
    blockers: BTreeMap<String, BlockerHit>,
    /// What to do about each blocker and prerequisite (`blocker:ID`, `prerequisite:ID`), with
    /// its links.
    what_to_do: BTreeMap<String, Vec<Seg>>,
    paths: Vec<PathResult>,
    /// Distinct warnings about contradictory answers; results point into it.
    warnings: Vec<String>,
    /// The ids of the blockers results name, each once.
    blocker_ids: Vec<String>,
    /// Distinct lists of what the paths do about a blocker; results point into it.
    handled: Vec<Vec<Handling>>,
    /// Distinct unmet prerequisites with how they stop paths; results point into it.
    prerequisites: Vec<PrereqHit>,
    results: Vec<StoredResult>,
    index: BTreeMap<String, usize>,
}

/// Hands out one index per distinct value.
struct Pool<T> {
    items: Vec<T>,
    seen: HashMap<String, usize>,
}

impl<T: Serialize> Pool<T> {
    fn new() -> Self {
        Pool { items: Vec::new(), seen: HashMap::new() }
    }

    fn intern(&mut self, item: T) -> usize {
        let key = serde_json::to_string(&item).unwrap_or_default();
        *self.seen.entry(key).or_insert_with(|| {
            self.items.push(item);
            self.items.len() - 1
        })
    }
}

fn assistant_json<'a>(
    cat: &Catalog,
    a: &Assistant,
    questions: Vec<QuestionVm<'a>>,
    base: Vec<String>,
) -> AssistantData<'a> {
    let cases = plan::assistant_cases(cat, a);
    let assessed: Vec<HostAssessment> =
        cases.par_iter().map(|c| plan::assess(cat, "server", "The server", &c.state, a.target.as_ref())).collect();
    let mut blockers = BTreeMap::new();
    let mut paths = Pool::new();
    let mut results = Pool::new();
    let mut warnings = Pool::new();
    let mut blocker_ids = Pool::new();
    let mut handled = Pool::new();
    let mut prerequisites = Pool::new();
    let mut index = BTreeMap::new();
    for (case, h) in cases.iter().zip(assessed) {
        let stored = StoredResult {
            warnings: h.warnings.into_iter().map(|w| warnings.intern(w)).collect(),
            at_target: h.at_target,
            blockers: h.blockers.iter().map(|b| blocker_ids.intern(b.id.clone())).collect(),
            handled: h.blockers.iter().map(|b| handled.intern(b.handled.clone())).collect(),
            prerequisites: h.prerequisites.into_iter().map(|p| prerequisites.intern(p)).collect(),
            paths: h.paths.into_iter().map(|p| paths.intern(p)).collect(),
        };
        for b in h.blockers {
            blockers.entry(b.id.clone()).or_insert(BlockerHit { handled: Vec::new(), ..b });
        }
        index.insert(case.key.clone(), results.intern(stored));
    }
    let mut what_to_do = BTreeMap::new();
    for b in &cat.blockers {
        what_to_do.insert(format!("blocker:{}", b.id), segments(cat, &b.resolution.text));
    }
    for p in &cat.prerequisites {
        what_to_do.insert(format!("prerequisite:{}", p.id), segments(cat, &p.how.text));
    }
    what_to_do.retain(|_, v| !v.is_empty());
    AssistantData {
        what_to_do,
        base,
        target: a.target.as_ref().map(|t| t.display(cat).to_string()),
        questions,
        blockers,
        paths: paths.items,
        warnings: warnings.items,
        blocker_ids: blocker_ids.items,
        handled: handled.items,
        prerequisites: prerequisites.items,
        results: results.items,
        index,
    }
}

/// A setting as the catalog writes it: `os@v2`, `ram = 8 GB`, `x is broken`.
pub fn setting_label(cat: &Catalog, s: &Setting) -> String {
    match s {
        Setting::Comp(c, v) => cat.components[c.idx()].label(*v),
        Setting::Fact(f, v) => {
            let fact = &cat.facts[f.idx()];
            format!("{} = {}", fact.id, fact.show(v))
        }
        Setting::Broken(c) => format!("{} is broken", cat.components[c.idx()].id),
    }
}

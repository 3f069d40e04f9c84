//! Printable runbooks: one per path, one for all paths, and tailored ones for one environment
//! (from `plan`). One view model serves the site page, the standalone HTML file, the PDF and
//! the Markdown checklist, so they never disagree.

use std::collections::BTreeSet;

use serde::Serialize;

use super::Renderer;
use super::links::{self, action_html, cond_html, root_for};
use super::md::{self, Ctx};
use super::pages::{Badge, LinkVm, path_badge};
use crate::markdown::HeadingIds;
use crate::model::*;

/// What to print: a path, which of its steps, and for whom.
#[derive(Clone, Debug)]
pub struct Spec {
    pub path: PathIdx,
    /// Indices of the steps to include, in order (all of them for the generic runbook).
    pub steps: Vec<usize>,
    /// For a tailored runbook: the environment it was made for, described.
    pub environment: Option<String>,
    /// `(step, prerequisite)` known to apply (tailored runbooks); `None`: every one the
    /// simulations found in scope for some starting state.
    pub prerequisites: Option<Vec<(usize, PrereqIdx)>>,
}

impl Spec {
    pub fn whole(cat: &Catalog, path: PathIdx) -> Spec {
        Spec { path, steps: (0..cat.paths[path.idx()].steps.len()).collect(), environment: None, prerequisites: None }
    }
}

#[derive(Debug, Serialize)]
pub struct PrereqVm {
    pub id: String,
    pub title: String,
    pub href: String,
    pub host: String,
    pub when_html: Option<String>,
    pub requires_html: String,
    pub requires_text: String,
    /// The step of this runbook that establishes it, if any.
    pub established_by: Option<String>,
    /// Not established by a step, yet it holds in every starting state that reaches its step
    /// (the step's own condition, `applies_to` or the constraints see to it): nothing to check.
    pub ensured: bool,
    /// The first step it applies to.
    pub before_step: usize,
    /// The same two steps as 1-based positions in the whole path (for tailoring in the browser).
    pub before_orig: usize,
    pub established_orig: Option<usize>,
}

#[derive(Debug, Serialize)]
pub struct BlockerLine {
    pub title: String,
    pub href: String,
    pub severity: Badge,
    /// The blocker's summary; empty when it has none (the title says it all).
    pub why: String,
    /// The steps that clear it, each for some starting states: `(printed number, 1-based
    /// position in the path)`, in order.
    pub cleared: Vec<(usize, usize)>,
    /// Where the path meets it (it fires there for some starting state), when it is not
    /// cleared: the step's printed number and its 1-based position in the path.
    pub fires_at: Option<String>,
    pub fires_orig: Option<usize>,
    /// A step that makes the blocker's condition go away although the path does not work
    /// there (how an anti-path gets past it), when it is neither cleared nor met.
    pub sidestepped_at: Option<String>,
    pub sidestepped_orig: Option<usize>,
}

impl BlockerLine {
    /// What the path does about the blocker, in words: cleared, met, or avoided.
    fn note(&self) -> String {
        match (self.cleared.is_empty(), &self.fires_at) {
            (false, _) => format!(
                "cleared by {}",
                self.cleared.iter().map(|(n, _)| format!("step {n}")).collect::<Vec<_>>().join(" or ")
            ),
            (true, Some(at)) => format!("applies at {at}"),
            (true, None) => match &self.sidestepped_at {
                Some(at) => format!("sidestepped at {at}, which does not make the path work"),
                None => "avoided: this path never does what it blocks".into(),
            },
        }
    }
}

#[derive(Debug, Serialize)]
pub struct StepVm {
    pub n: usize,
    /// 1-based position in the whole path (`n` counts only the steps printed).
    pub orig: usize,
    pub minutes: u32,
    pub anchor: String,
    pub title: String,
    pub host: Option<String>,
    pub action_html: Option<String>,
    pub action_text: Option<String>,
    pub when_html: Option<String>,
    pub when_text: Option<String>,
    /// The step's `if`, read just before it (left out of a tailored runbook, which already
    /// dropped the steps it skips).
    pub if_html: Option<String>,
    pub if_text: Option<String>,
    /// How long the step stays undoable, when the catalog says; `no_way_back` when never.
    pub undo: Option<String>,
    pub no_way_back: bool,
    pub instructions_html: String,
    pub verify_html: String,
    pub rollback_html: String,
    pub duration: Option<String>,
    pub refs: Vec<LinkVm>,
    /// Raw Markdown, for the Markdown checklist.
    #[serde(skip)]
    pub md: (String, String, String),
}

#[derive(Debug, Serialize)]
pub struct BackoutVm {
    pub n: usize,
    pub orig: usize,
    pub anchor: String,
    pub title: String,
    pub rollback_html: String,
    pub undo: Option<String>,
    #[serde(skip)]
    pub rollback_md: String,
}

#[derive(Debug, Serialize)]
pub struct RunbookVm {
    pub id: String,
    /// Prefix for every id in this runbook (unique ids on the print-all page).
    pub prefix: String,
    pub kb_title: String,
    pub title: String,
    pub summary: String,
    pub path_href: String,
    pub anti_path: bool,
    /// At best unsupported: a last resort rather than a failure.
    pub last_resort: bool,
    pub badge: Badge,
    pub environment: Option<String>,
    pub applies_html: String,
    pub applies_text: String,
    pub goal: Vec<String>,
    pub hosts: Vec<(String, String)>,
    pub total_minutes: u32,
    pub total: String,
    /// Does any step of the runbook give a duration? Without one there is no estimate.
    pub estimated: bool,
    pub range: Option<String>,
    /// [`Renderer::runbook_revision`]: the rules and the articles this runbook links to.
    pub revision: String,
    /// The whole catalog's revision, as every page's footer shows it.
    pub catalog_revision: String,
    pub generated: String,
    pub owner: Option<String>,
    pub prerequisites: Vec<PrereqVm>,
    pub blockers: Vec<BlockerLine>,
    pub steps: Vec<StepVm>,
    pub backout: Vec<BackoutVm>,
    pub sources: Vec<(String, Option<String>, Option<String>)>,
}

impl Renderer<'_> {
    pub fn runbook_vm(&self, spec: &Spec, root: &str, prefix: &str) -> RunbookVm {
        let cat = self.cat;
        let pi = spec.path;
        let path = &cat.paths[pi.idx()];
        let ctx = Ctx { cat, hl: self.hl, root };
        let mut ids = HeadingIds::default();
        let anchor = |i: usize| format!("{prefix}step-{}", i + 1);
        let number: std::collections::HashMap<usize, usize> =
            spec.steps.iter().enumerate().map(|(n, s)| (*s, n + 1)).collect();
        let portable = |t: &str| links::portable_markdown(cat, t, self.site.site_url.as_deref());
        let render = |m: &Markdown, ids: &mut HeadingIds| {
            if m.is_empty() { String::new() } else { md::to_html(&m.text, &ctx, ids) }
        };
        let host_title = |s: &Step| {
            s.host
                .or(match &s.action {
                    Action::Move { to, .. } => Some(*to),
                    _ => None,
                })
                .map(|h| path.hosts[h.idx()].title.clone())
        };

        let steps: Vec<StepVm> = spec
            .steps
            .iter()
            .map(|&i| {
                let s = &path.steps[i];
                StepVm {
                    n: number[&i],
                    orig: i + 1,
                    minutes: s.duration.unwrap_or(0),
                    anchor: anchor(number[&i] - 1),
                    title: s.title.clone(),
                    host: host_title(s),
                    action_html: (s.action != Action::Manual)
                        .then(|| action_html(cat, &s.action, s.via, &path.hosts, root)),
                    action_text: (s.action != Action::Manual).then(|| s.action.describe(cat, &path.hosts)),
                    when_html: (spec.environment.is_none() && s.when != Cond::True)
                        .then(|| cond_html(cat, &s.when, root)),
                    when_text: (spec.environment.is_none() && s.when != Cond::True)
                        .then(|| s.when.display(cat).to_string()),
                    if_html: (spec.environment.is_none() && s.if_ != Cond::True).then(|| cond_html(cat, &s.if_, root)),
                    if_text: (spec.environment.is_none() && s.if_ != Cond::True)
                        .then(|| s.if_.display(cat).to_string()),
                    undo: s.undo_window(),
                    no_way_back: s.rollback_window == Some(0),
                    instructions_html: render(&s.instructions, &mut ids),
                    verify_html: render(&s.verify, &mut ids),
                    rollback_html: render(&s.rollback, &mut ids),
                    duration: s.duration.map(format_minutes),
                    refs: s.refs.iter().map(|(r, _)| self.link(r, root)).collect(),
                    md: (portable(&s.instructions.text), portable(&s.verify.text), portable(&s.rollback.text)),
                }
            })
            .collect();

        // Every prerequisite in scope at a step of this runbook (from the simulations), per host.
        let in_scope: Vec<(usize, PrereqIdx)> = match &spec.prerequisites {
            Some(list) => list.to_vec(),
            None => self.summary(pi.idx()).prereqs.clone(),
        };
        let mut prerequisites = Vec::new();
        let mut seen = BTreeSet::new();
        for &(i, p) in &in_scope {
            let Some(n) = number.get(&i) else { continue };
            let s = &path.steps[i];
            let host = host_title(s).unwrap_or_default();
            if !seen.insert((p, host.clone())) {
                continue;
            }
            let pr = &cat.prerequisites[p.idx()];
            let mut wanted = Vec::new();
            pr.requires.required_components(cat, &mut wanted);
            let mut reads = Vec::new();
            pr.requires.attrs(cat, &mut reads);
            // Never unmet where the step runs: the path sees to it, one way or another.
            let never_unmet = {
                let summary = self.summary(pi.idx());
                !summary.too_large && !summary.prereqs_unmet.contains(&(i, p))
            };
            // An earlier step that installs what it needs, or (when the path sees to it) sets a
            // fact it reads.
            let established = spec.steps.iter().take_while(|&&j| j != i).find(|&&j| {
                let a = &path.steps[j].action;
                match a {
                    Action::Install(_) | Action::Upgrade(..) | Action::Move { .. } => {
                        a.targets().iter().any(|(c, _)| wanted.contains(c))
                    }
                    Action::Set(f, _) => never_unmet && reads.contains(&Attr::Fact(*f)),
                    _ => false,
                }
            });
            prerequisites.push(PrereqVm {
                id: pr.id.clone(),
                title: pr.title.clone(),
                href: format!("{root}{}", links::url(cat, &Ref::Prerequisite(p))),
                host,
                when_html: (spec.environment.is_none() && pr.when != Cond::True)
                    .then(|| cond_html(cat, &pr.when, root)),
                requires_html: cond_html(cat, &pr.requires, root),
                requires_text: pr.requires.display(cat).to_string(),
                established_by: established.map(|j| format!("step {}", number[j])),
                ensured: established.is_none() && never_unmet,
                before_step: *n,
                before_orig: i + 1,
                established_orig: established.map(|j| j + 1),
            });
        }
        prerequisites.sort_by_key(|p| p.before_step);

        // Blockers the path clears, and the ones its steps name.
        let summary = self.summary(pi.idx());
        let mut blockers: Vec<BlockerLine> = Vec::new();
        let mut add_blocker = |b: BlockerIdx, cleared_at: Option<usize>| {
            let bl = &cat.blockers[b.idx()];
            let cleared: Vec<(usize, usize)> = cleared_at.map(|i| (number[&i], i + 1)).into_iter().collect();
            if let Some(existing) = blockers.iter_mut().find(|x| x.title == bl.title) {
                for c in cleared {
                    if !existing.cleared.contains(&c) {
                        existing.cleared.push(c);
                    }
                }
                return;
            }
            let at = |list: &[(usize, BlockerIdx)]| {
                list.iter().find(|(i, f)| *f == b && number.contains_key(i)).map(|(i, _)| *i)
            };
            let fires = at(&summary.fires);
            let sidestepped = if fires.is_none() && cleared_at.is_none() { at(&summary.sidesteps) } else { None };
            blockers.push(BlockerLine {
                title: bl.title.clone(),
                href: format!("{root}{}", links::url(cat, &Ref::Blocker(b))),
                severity: super::pages::severity_badge(bl.severity),
                why: bl.summary.clone(),
                cleared,
                fires_at: fires.map(|i| format!("step {}", number[&i])),
                fires_orig: fires.map(|i| i + 1),
                sidestepped_at: sidestepped.map(|i| format!("step {}", number[&i])),
                sidestepped_orig: sidestepped.map(|i| i + 1),
            });
        };
        for (step, b) in &summary.clears {
            if number.contains_key(step) {
                add_blocker(*b, Some(*step));
            }
        }
        for &i in &spec.steps {
            for (r, _) in &path.steps[i].refs {
                if let Ref::Blocker(b) = r {
                    add_blocker(*b, None);
                }
            }
        }

        let backout: Vec<BackoutVm> = steps
            .iter()
            .rev()
            .filter(|s| !s.rollback_html.is_empty())
            .map(|s| BackoutVm {
                n: s.n,
                orig: s.orig,
                anchor: s.anchor.clone(),
                title: s.title.clone(),
                rollback_html: s.rollback_html.clone(),
                undo: s.undo.clone(),
                rollback_md: s.md.2.clone(),
            })
            .collect();
        let total_minutes: u32 = spec.steps.iter().filter_map(|&i| path.steps[i].duration).sum();
        // Only conditional steps make one runbook's time differ between hosts.
        let marks: Vec<&str> = [
            ("“only when”", steps.iter().any(|s| s.when_html.is_some())),
            ("“only if”", steps.iter().any(|s| s.if_html.is_some())),
        ]
        .into_iter()
        .filter_map(|(mark, used)| used.then_some(mark))
        .collect();
        let range = summary.minutes.filter(|(lo, hi)| !marks.is_empty() && lo != hi).map(|(lo, hi)| {
            format!(
                "Steps marked {} apply to some {}: one {} takes {} to {}.",
                marks.join(" or "),
                self.site.vocab.hosts,
                self.site.vocab.host,
                format_minutes(lo),
                format_minutes(hi)
            )
        });
        RunbookVm {
            id: path.id.clone(),
            prefix: prefix.to_string(),
            kb_title: self.site.title.clone(),
            title: path.title.clone(),
            summary: path.summary.clone(),
            path_href: format!("{root}{}", links::url(cat, &Ref::Path(pi, None))),
            anti_path: path.is_anti_path(),
            last_resort: path.is_last_resort(),
            badge: path_badge(path),
            environment: spec.environment.clone(),
            applies_html: cond_html(cat, &path.applies_to, root),
            applies_text: path.applies_to.display(cat).to_string(),
            goal: path
                .goal
                .iter()
                .map(|g| {
                    let mut s = format!("{}: {}", path.hosts[g.host.idx()].title, g.require.display(cat));
                    if !g.keeps.is_empty() {
                        s.push_str(&format!(
                            "; keeps {}",
                            g.keeps.iter().map(|c| cat.components[c.idx()].id.as_str()).collect::<Vec<_>>().join(", ")
                        ));
                    }
                    s
                })
                .collect(),
            hosts: path.hosts.iter().map(|h| (h.id.clone(), h.title.clone())).collect(),
            total_minutes,
            total: format_minutes(total_minutes),
            estimated: spec.steps.iter().any(|&i| path.steps[i].duration.is_some()),
            range,
            revision: self.runbook_revision(pi),
            catalog_revision: self.site.revision.clone(),
            generated: self.site.generated.clone(),
            owner: self.site.owner.clone(),
            prerequisites,
            blockers,
            steps,
            backout,
            sources: path.sources.iter().map(|s| (s.title.clone(), s.url.clone(), s.id.clone())).collect(),
        }
    }

    /// The catalog revision combined with the articles this path's runbook links to: it
    /// changes exactly when something the runbook shows may have changed.
    pub fn runbook_revision(&self, pi: PathIdx) -> String {
        use sha2::Digest;
        let cat = self.cat;
        let path = &cat.paths[pi.idx()];
        let mut articles: Vec<ArticleIdx> = path
            .links
            .iter()
            .chain(path.steps.iter().flat_map(|s| s.refs.iter()))
            .filter_map(|(r, _)| if let Ref::Article(a, _) = r { Some(*a) } else { None })
            .collect();
        articles.sort();
        articles.dedup();
        let mut h = sha2::Sha256::new();
        h.update(self.site.revision.as_bytes());
        for a in articles {
            let a = &cat.articles[a.idx()];
            h.update(a.slug.as_bytes());
            h.update(a.title.as_bytes());
            h.update(a.body.as_bytes());
        }
        crate::revision::short_hash(h)
    }

    /// The bottom line of every printed page: which catalog and day it came from, and for a
    /// tailored runbook which host.
    fn printed_from(&self, host: Option<&str>) -> String {
        let mut s = format!("catalog {} · {}", self.site.revision, self.site.generated);
        if let Some(h) = host {
            s.push_str(&format!(" · for {h}"));
        }
        s
    }

    /// `runbooks/<id>.html`.
    pub fn runbook_page(&self, i: usize) -> Result<super::pages::PageOut, String> {
        let cat = self.cat;
        let p = &cat.paths[i];
        let path = links::runbook_url(p);
        let root = root_for(&path);
        let vm = self.runbook_vm(&Spec::whole(cat, PathIdx(i as u32)), &root, "");
        let title = format!("Runbook: {}", p.title);
        let mut ctx = self.context(&path, &title, "runbook", &p.summary, &[("Runbooks", "runbooks/all.html")]);
        ctx.insert("runbooks", &vec![vm]);
        ctx.insert("standalone", &false);
        ctx.insert("inline_css", "");
        let warning = print_warning(p);
        ctx.insert("page_css", &page_css(&title, "A4", &self.printed_from(None), warning));
        self.render("runbook.html", path, &ctx)
    }

    /// `runbooks/all.html`: every runbook on one page, ids prefixed so they stay unique.
    pub fn runbooks_all_page(&self) -> Result<super::pages::PageOut, String> {
        let cat = self.cat;
        let path = "runbooks/all.html".to_string();
        let root = root_for(&path);
        let mut order: Vec<usize> = (0..cat.paths.len()).collect();
        order.sort_by_key(|i| (cat.paths[*i].is_anti_path(), *i));
        let vms: Vec<RunbookVm> = order
            .iter()
            .map(|i| self.runbook_vm(&Spec::whole(cat, PathIdx(*i as u32)), &root, &format!("{}--", cat.paths[*i].id)))
            .collect();
        let title = "All runbooks".to_string();
        let mut ctx = self.context(&path, &title, "runbook", "Every runbook, ready to print.", &[]);
        ctx.insert("runbooks", &vms);
        ctx.insert("standalone", &false);
        ctx.insert("inline_css", "");
        ctx.insert(
            "page_css",
            &page_css(&format!("{} — runbooks", self.site.title), "A4", &self.printed_from(None), None),
        );
        self.render("runbook.html", path, &ctx)
    }

    /// A self-contained HTML runbook: CSS inlined; links to the site point at `site-url` when
    /// one is configured and are plain text otherwise (there is no site next to the file).
    pub fn runbook_standalone(&self, spec: &Spec, paper: &str) -> Result<String, String> {
        self.runbooks_standalone(std::slice::from_ref(spec), paper, &[])
    }

    /// Several runbooks in one self-contained file (a tailored runbook per host of a plan).
    /// One self-contained HTML file with every runbook in `specs`; `refused` explains the
    /// runbooks that were asked for and not produced (shown first).
    pub fn runbooks_standalone(
        &self,
        specs: &[Spec],
        paper: &str,
        refused: &[crate::plan::Refusal],
    ) -> Result<String, String> {
        let mut out = Vec::new();
        self.write_runbooks_standalone(specs, paper, refused, &mut out)?;
        String::from_utf8(out).map_err(|e| e.to_string())
    }

    /// [`Renderer::runbooks_standalone`], written as it is rendered: the head and the contents,
    /// then the runbooks a batch at a time (rendered in parallel, written in order), then the
    /// end. Memory stays at one batch, whatever the number of hosts.
    pub fn write_runbooks_standalone(
        &self,
        specs: &[Spec],
        paper: &str,
        refused: &[crate::plan::Refusal],
        out: &mut dyn std::io::Write,
    ) -> Result<(), String> {
        use rayon::prelude::*;
        const BATCH: usize = 64;
        let cat = self.cat;
        let Some(first) = specs.first() else { return Err("no runbook to print".into()) };
        let p = &cat.paths[first.path.idx()];
        let root =
            self.site.site_url.as_deref().map(|u| if u.ends_with('/') { u.to_string() } else { format!("{u}/") });
        let prefix = |i: usize| if specs.len() > 1 { format!("rb{}--", i + 1) } else { String::new() };
        let title = match &first.environment {
            Some(_) => format!("Runbook: {} (tailored)", p.title),
            None => format!("Runbook: {}", p.title),
        };
        #[derive(Serialize)]
        struct ContentsVm {
            prefix: String,
            title: String,
            environment: Option<String>,
            badge: Badge,
        }
        let contents: Vec<ContentsVm> = specs
            .iter()
            .enumerate()
            .map(|(i, spec)| {
                let path = &cat.paths[spec.path.idx()];
                ContentsVm {
                    prefix: prefix(i),
                    title: path.title.clone(),
                    environment: spec.environment.clone(),
                    badge: path_badge(path),
                }
            })
            .collect();
        let mut ctx = self.context("runbook.html", &title, "runbook", &p.summary, &[]);
        ctx.insert("contents", &contents);
        ctx.insert("several", &(specs.len() > 1));
        ctx.insert("refused", refused);
        ctx.insert("standalone", &true);
        ctx.insert("inline_css", &self.inline_css(true));
        let host = first.environment.as_deref().filter(|_| specs.len() == 1).map(|e| e.split(": ").next().unwrap_or(e));
        let warning = if specs.len() == 1 { print_warning(p) } else { None };
        ctx.insert("page_css", &page_css(&title, paper, &self.printed_from(host), warning));
        // A runbook file is handed around and opened anywhere: nothing in it runs, and links
        // that would lead nowhere next to the file are plain text.
        let finish = |html: String| if root.is_some() { html } else { unlink_relative(&html) };
        // The runbooks need the site, not the head's style sheet and contents: a small context.
        let mut body_ctx = self.context("runbook.html", &title, "runbook", &p.summary, &[]);
        body_ctx.insert("standalone", &true);
        let chunk = |ctx: &mut tera::Context, part: &str| -> Result<String, String> {
            ctx.insert("chunk", part);
            self.render("runbook.html", "runbook.html".into(), ctx)
                .map(|(_, b)| String::from_utf8_lossy(&b).into_owned())
        };
        let io = |e: std::io::Error| e.to_string();
        let head = chunk(&mut ctx, "head")?;
        out.write_all(crate::pdf::without_scripts(&finish(head)).as_bytes()).map_err(io)?;
        for (b, batch) in specs.chunks(BATCH).enumerate() {
            let parts: Vec<Result<String, String>> = batch
                .par_iter()
                .enumerate()
                .map(|(j, spec)| {
                    let vm = self.runbook_vm(spec, root.as_deref().unwrap_or(""), &prefix(b * BATCH + j));
                    let mut c = body_ctx.clone();
                    c.insert("runbooks", &[vm]);
                    chunk(&mut c, "body").map(&finish)
                })
                .collect();
            for part in parts {
                out.write_all(part?.as_bytes()).map_err(io)?;
            }
        }
        let tail = chunk(&mut ctx, "tail")?;
        out.write_all(finish(tail).as_bytes()).map_err(io)?;
        Ok(())
    }
}

/// Drops relative `href`s from `<a …>` tags: in a lone file those links lead nowhere, so they
/// become plain text (in-page `#` links and absolute URLs stay).
fn unlink_relative(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find("<a ") {
        out.push_str(&rest[..i]);
        let Some(end) = rest[i..].find('>').map(|e| i + e) else { break };
        let tag = &rest[i..end];
        match tag.find(" href=\"") {
            Some(h) => {
                let value_start = h + 7;
                let value_end = tag[value_start..].find('"').map_or(tag.len(), |e| value_start + e);
                let href = &tag[value_start..value_end];
                if href.starts_with('#') || href.contains("://") || href.starts_with("mailto:") {
                    out.push_str(tag);
                } else {
                    out.push_str(&tag[..h]);
                    out.push_str(&tag[(value_end + 1).min(tag.len())..]);
                }
            }
            None => out.push_str(tag),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// `@page` rules: paper size, margins, running header and page numbers (CSS paged media).
/// The printed page: paper size, and on every page the title (top left), what it was made
/// from (bottom left: `footer`, e.g. the catalog revision, date and host) and the page number;
/// for a path that fails, a warning top right on every page, not only the first.
pub fn page_css(title: &str, paper: &str, footer: &str, warning: Option<&str>) -> String {
    let size = match paper.to_ascii_lowercase().as_str() {
        "letter" => "letter",
        _ => "A4",
    };
    let warn = warning.map_or(String::new(), |w| {
        format!(
            "@top-right {{ content: \"{}\"; font: 700 8pt system-ui, sans-serif; color: #8c1d13; }} ",
            css_string(w)
        )
    });
    format!(
        "@page {{ size: {size}; margin: 16mm 14mm 18mm; \
         @top-left {{ content: \"{}\"; font: 8pt system-ui, sans-serif; color: #444; }} {warn}\
         @bottom-left {{ content: \"{}\"; font: 8pt system-ui, sans-serif; color: #444; }} \
         @bottom-right {{ content: \"Page \" counter(page) \" of \" counter(pages); font: 8pt system-ui, sans-serif; color: #444; }} }}",
        css_string(title),
        css_string(footer)
    )
}

/// Escapes text for a CSS string inside a `<style>` element.
fn css_string(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("\\3c "),
            '>' => out.push_str("\\3e "),
            '&' => out.push_str("\\26 "),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// What the printed pages of a path that should not be run say in their margin.
fn print_warning(p: &MigrationPath) -> Option<&'static str> {
    if p.is_last_resort() {
        Some("Last resort — leaves you unsupported")
    } else {
        p.is_anti_path().then_some("Documented failure — do not run")
    }
}

/// The runbook as a Markdown checklist (for ticket systems).
pub fn markdown(vm: &RunbookVm) -> String {
    let mut out = String::new();
    let line = |out: &mut String, s: &str| {
        out.push_str(s);
        out.push('\n');
    };
    line(&mut out, &format!("# Runbook: {}", vm.title));
    line(&mut out, "");
    if vm.last_resort {
        line(&mut out, "> **A last resort.** The rules say this path gets there at best unsupported.");
        line(&mut out, "");
    } else if vm.anti_path {
        line(&mut out, "> **Do not run this.** It is a documented anti-path: the rules say it fails.");
        line(&mut out, "");
    }
    if let Some(env) = &vm.environment {
        line(&mut out, &format!("Tailored for: {env}"));
        line(&mut out, "");
    }
    line(&mut out, &format!("- Applies to: `{}`", vm.applies_text));
    for g in &vm.goal {
        line(&mut out, &format!("- Goal: {g}"));
    }
    if vm.estimated {
        line(&mut out, &format!("- Total time estimate: {} ({} steps)", vm.total, vm.steps.len()));
    } else {
        line(&mut out, &format!("- Total time estimate: none given ({} steps, none with a duration)", vm.steps.len()));
    }
    line(
        &mut out,
        &format!(
            "- Knowledge base: {} (catalog revision `{}`, this runbook's rules and linked articles `{}`, generated {})",
            vm.kb_title, vm.catalog_revision, vm.revision, vm.generated
        ),
    );
    line(&mut out, "- Owner: ______  Change record: ______  Window: ______");
    line(&mut out, "");
    if !vm.prerequisites.is_empty() {
        line(&mut out, "## Before you start");
        line(&mut out, "");
        for p in &vm.prerequisites {
            let est = match (&p.established_by, p.ensured) {
                (Some(s), _) => format!(" (established by {s})"),
                (None, true) => format!(" (holds whenever step {} runs: nothing to check)", p.before_step),
                (None, false) => String::new(),
            };
            line(&mut out, &format!("- [ ] {} — on {}: needs `{}`{est}", p.title, p.host, p.requires_text));
        }
        line(&mut out, "");
    }
    if !vm.blockers.is_empty() {
        line(&mut out, if vm.anti_path { "## Blockers this path runs into" } else { "## Blockers on this path" });
        line(&mut out, "");
        for b in &vm.blockers {
            let why = if b.why.is_empty() { String::new() } else { format!(": {}", b.why) };
            line(&mut out, &format!("- {} [{}]{why} ({})", b.title, b.severity.text, b.note()));
        }
        line(&mut out, "");
    }
    line(&mut out, "## Steps");
    line(&mut out, "");
    for s in &vm.steps {
        let mut head = format!("- [ ] **{}. {}**", s.n, s.title);
        let mut facts = Vec::new();
        if let Some(h) = &s.host {
            facts.push(h.clone());
        }
        if let Some(d) = &s.duration {
            facts.push(d.clone());
        }
        if !facts.is_empty() {
            head.push_str(&format!(" ({})", facts.join(", ")));
        }
        line(&mut out, &head);
        let indent = |text: &str| {
            text.lines()
                .map(|l| if l.is_empty() { String::new() } else { format!("  {l}") })
                .collect::<Vec<_>>()
                .join("\n")
        };
        if let Some(w) = &s.when_text {
            line(&mut out, &format!("  - Only when: `{w}`"));
        }
        if let Some(w) = &s.if_text {
            line(&mut out, &format!("  - Only if, just before this step: `{w}`"));
        }
        if let Some(a) = &s.action_text {
            line(&mut out, &format!("  - Action: `{a}`"));
        }
        if let Some(u) = &s.undo {
            line(&mut out, &format!("  - Undo window: {u}"));
        }
        for (label, text) in [("", &s.md.0), ("Verify:", &s.md.1), ("Roll back:", &s.md.2)] {
            if text.trim().is_empty() {
                continue;
            }
            line(&mut out, "");
            if !label.is_empty() {
                line(&mut out, &format!("  **{label}**"));
                line(&mut out, "");
            }
            line(&mut out, &indent(text.trim_end()));
        }
        line(&mut out, "");
        line(&mut out, "  Done by: ______ at ______");
        line(&mut out, "");
    }
    if !vm.backout.is_empty() {
        line(&mut out, "## Back-out plan (reverse order)");
        line(&mut out, "");
        for (k, b) in vm.backout.iter().enumerate() {
            line(&mut out, &format!("{}. Undo step {} — {}", k + 1, b.n, b.title));
            line(&mut out, "");
            if let Some(u) = &b.undo {
                line(&mut out, &format!("   Undo window: {u}."));
                line(&mut out, "");
            }
            let text = b.rollback_md.trim_end();
            line(
                &mut out,
                &text
                    .lines()
                    .map(|l| if l.is_empty() { String::new() } else { format!("   {l}") })
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
            line(&mut out, "");
        }
        line(&mut out, "");
    }
    line(&mut out, "## Sign-off");
    line(&mut out, "");
    line(&mut out, "| Role | Name | Signature | Date |");
    line(&mut out, "|---|---|---|---|");
    for role in ["Implemented by", "Verified by", "Approved by"] {
        line(&mut out, &format!("| {role} | | | |"));
    }
    out
}

//! One function per page kind: builds the page's view model (plain data, HTML pre-rendered
//! only where it comes from Markdown or the condition language) and hands it to its template.

use serde::Serialize;

use super::links::{self, action_html, cond_html, pattern_html, root_for};
use super::md::{self, Ctx};
use super::{Renderer, escape_html};
use crate::eval;
use crate::markdown::HeadingIds;
use crate::model::*;

#[derive(Clone, Debug, Serialize)]
pub struct Badge {
    pub text: String,
    pub class: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct LinkVm {
    pub title: String,
    pub href: String,
    pub kind: &'static str,
    pub id: String,
    pub summary: String,
    pub badge: Option<Badge>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Group {
    pub title: String,
    pub items: Vec<LinkVm>,
}

#[derive(Debug, Serialize)]
struct SourceVm<'a> {
    title: &'a str,
    url: Option<&'a str>,
    id: Option<&'a str>,
    note: Option<&'a str>,
}

fn sources(s: &[Source]) -> Vec<SourceVm<'_>> {
    s.iter()
        .map(|s| SourceVm {
            title: &s.title,
            url: s.url.as_deref().filter(|u| u.starts_with("https://") || u.starts_with("http://")),
            id: s.id.as_deref(),
            note: s.note.as_deref(),
        })
        .collect()
}

pub fn severity_badge(s: BlockerSeverity) -> Badge {
    let text = match s {
        BlockerSeverity::Hard => "Hard block",
        BlockerSeverity::Breaks => "Breaks",
        BlockerSeverity::Unsupported => "Unsupported",
        BlockerSeverity::Warning => "Warning",
    };
    Badge { text: text.into(), class: format!("sev-{}", s.as_str()) }
}

pub fn outcome_badge(o: Outcome) -> Badge {
    let text = match o {
        Outcome::Supported => "Supported",
        Outcome::Unsupported => "Unsupported",
        Outcome::Broken => "Broken",
        Outcome::Blocked => "Blocked",
        Outcome::Incomplete => "Incomplete",
    };
    Badge { text: text.into(), class: format!("out-{}", o.as_str()) }
}

/// A path's declared outcome as one badge: the outcome when every case agrees; "Does not
/// work" when the cases differ but none is supported (an anti-path that fails in several
/// ways); "Conditional" when it works for some starting states only.
pub fn path_badge(p: &MigrationPath) -> Badge {
    let mut kinds = p.outcome.iter().map(|c| c.expect);
    match kinds.next() {
        Some(first) if kinds.all(|k| k == first) => outcome_badge(first),
        Some(_) if p.is_last_resort() => Badge { text: "Unsupported at best".into(), class: "out-unsupported".into() },
        Some(_) if p.is_anti_path() => Badge { text: "Does not work".into(), class: "out-blocked".into() },
        Some(_) => Badge { text: "Conditional".into(), class: "out-conditional".into() },
        None => outcome_badge(Outcome::Supported),
    }
}

/// How many paths and blockers the home page lists before "all of them".
const HOME_ITEMS: usize = 12;

/// A rendered page: where it goes and its bytes.
pub type PageOut = (String, Vec<u8>);

impl Renderer<'_> {
    pub fn link(&self, r: &Ref, root: &str) -> LinkVm {
        let cat = self.cat;
        let (summary, badge) = match r {
            Ref::Component(c) => (cat.components[c.idx()].summary.clone(), None),
            Ref::Blocker(b) => {
                let b = &cat.blockers[b.idx()];
                (b.summary.clone(), Some(severity_badge(b.severity)))
            }
            Ref::Prerequisite(p) => (cat.prerequisites[p.idx()].summary.clone(), None),
            Ref::Path(p, None) => {
                let p = &cat.paths[p.idx()];
                (p.summary.clone(), Some(path_badge(p)))
            }
            Ref::Path(_, Some(_)) => (String::new(), None),
            Ref::Article(a, _) => (cat.articles[a.idx()].summary.clone(), None),
            Ref::Fact(f) => (cat.facts[f.idx()].summary.clone(), None),
            Ref::Condition(c) => (cat.conditions[c.idx()].summary.clone(), None),
            Ref::Effect(e) => (cat.effects[e.idx()].summary.clone(), None),
        };
        let mut title = cat.ref_title(r).to_string();
        if let Ref::Path(p, Some(anchor)) = r {
            if let Some(s) = cat.paths[p.idx()].steps.iter().find(|s| &s.id == anchor) {
                title = format!("{title} — {}", s.title);
            }
        }
        LinkVm {
            title,
            href: format!("{root}{}", links::url(cat, r)),
            kind: links::kind_of(r),
            id: cat.ref_label(r),
            summary,
            badge,
        }
    }

    /// [`Renderer::link`] as written on the page at `page`: a page in its folder or below it
    /// is named from there (see [`links::near`]).
    fn link_from(&self, r: &Ref, root: &str, page: &str) -> LinkVm {
        let mut l = self.link(r, root);
        l.href = links::near(l.href, root, page);
        l
    }

    fn md(&self, text: &Markdown, root: &str, ids: &mut HeadingIds) -> String {
        if text.is_empty() {
            return String::new();
        }
        md::to_html(&text.text, &Ctx { cat: self.cat, hl: self.hl, root }, ids)
    }

    fn referenced_by(&self, r: &Ref, root: &str) -> Vec<Group> {
        let here = links::url(self.cat, r);
        let mut groups: Vec<Group> = Vec::new();
        for from in self.backlinks.of(r) {
            let title = match from {
                Ref::Article(..) => "Articles",
                Ref::Path(..) => "Migration paths",
                Ref::Blocker(_) => "Blockers",
                Ref::Prerequisite(_) => "Prerequisites",
                Ref::Component(_) => "Components",
                Ref::Fact(_) => "Facts",
                Ref::Condition(_) => "Named conditions",
                Ref::Effect(_) => "Side effects",
            };
            let item = self.link_from(from, root, &here);
            match groups.iter_mut().find(|g| g.title == title) {
                Some(g) => g.items.push(item),
                None => groups.push(Group { title: title.into(), items: vec![item] }),
            }
        }
        groups
    }

    fn tags(&self, tags: &[String], root: &str) -> Vec<LinkVm> {
        tags.iter()
            .map(|t| LinkVm {
                title: t.clone(),
                href: format!("{root}{}", links::tag_url(t)),
                kind: "tag",
                id: t.clone(),
                summary: String::new(),
                badge: None,
            })
            .collect()
    }

    /// The context every template gets.
    pub fn context(
        &self,
        path: &str,
        title: &str,
        kind: &str,
        description: &str,
        crumbs: &[(&str, &str)],
    ) -> tera::Context {
        let root = root_for(path);
        let mut ctx = tera::Context::new();
        #[derive(Serialize)]
        struct Nav {
            title: &'static str,
            href: String,
            active: bool,
        }
        #[derive(Serialize)]
        struct Crumb {
            title: String,
            href: String,
        }
        #[derive(Serialize)]
        struct PageVm<'a> {
            title: &'a str,
            kind: &'a str,
            description: &'a str,
            path: &'a str,
        }
        let section = path.split('/').next().unwrap_or("");
        let nav: Vec<Nav> = super::NAV
            .iter()
            .filter(|(_, href)| self.section_has_pages(href))
            .map(|(title, href)| Nav {
                title,
                href: format!("{root}{href}"),
                active: href.split('/').next() == Some(section) && !section.ends_with(".html") || *href == path,
            })
            .collect();
        let crumbs: Vec<Crumb> =
            crumbs.iter().map(|(t, h)| Crumb { title: t.to_string(), href: format!("{root}{h}") }).collect();
        ctx.insert("root", &root);
        // Made once (see `RenderState`): the same value `insert` would make, shared, not copied.
        ctx.insert_value("site", self.site_value.clone());
        ctx.insert("page", &PageVm { title, kind, description, path });
        ctx.insert("nav", &nav);
        ctx.insert("breadcrumbs", &crumbs);
        ctx.insert("has_matrix", &!self.cat.matrices.is_empty());
        ctx.insert("has_tags", &self.section_has_pages("tags/index.html"));
        // A site of articles alone has no catalog whose revision the footer could name.
        ctx.insert("has_rules", &!self.cat.components.is_empty());
        ctx.insert("has_runbooks", &self.section_has_pages("runbooks/all.html"));
        ctx
    }

    /// Whether the section at `href` (an entry of [`super::NAV`], or the page of all runbooks)
    /// lists anything. An empty section keeps its page, so old links still land, but the
    /// navigation and the footer leave it out: a knowledge base of articles alone shows no
    /// "Paths" that leads to an empty list.
    pub fn section_has_pages(&self, href: &str) -> bool {
        let cat = self.cat;
        match href {
            "paths/index.html" => !cat.paths.is_empty(),
            "blockers/index.html" => !cat.blockers.is_empty(),
            "prerequisites/index.html" => !cat.prerequisites.is_empty(),
            "components/index.html" => !cat.components.is_empty(),
            "articles/index.html" => !cat.articles.is_empty(),
            "matrix.html" => !cat.matrices.is_empty(),
            "assistant.html" => cat.assistant.is_some(),
            "tags/index.html" => !self.tag_map().is_empty(),
            "runbooks/all.html" => self.runbooks && !cat.paths.is_empty(),
            _ => true,
        }
    }

    // ----- entity pages ---------------------------------------------------------------------

    pub fn component_page(&self, i: usize) -> Result<PageOut, String> {
        let cat = self.cat;
        let c = &cat.components[i];
        let me = Ref::Component(CompIdx(i as u32));
        let path = links::url(cat, &me);
        let root = root_for(&path);
        let mut ids = HeadingIds::default();
        let parts: Vec<LinkVm> =
            cat.parts.get(i).into_iter().flatten().map(|p| self.link(&Ref::Component(*p), &root)).collect();
        #[derive(Serialize)]
        struct VersionVm<'a> {
            id: &'a str,
            title: &'a str,
            released: Option<String>,
            support_ends: Option<String>,
            extended_ends: Option<String>,
            phase: Option<&'static str>,
        }
        let dated =
            c.versions.iter().any(|v| v.released.is_some() || v.support_ends.is_some() || v.extended_ends.is_some());
        let as_of = cat.as_of;
        let versions: Vec<VersionVm> = c
            .versions
            .iter()
            .map(|v| VersionVm {
                id: &v.id,
                title: &v.title,
                released: v.released.map(|d| d.to_string()),
                support_ends: v.support_ends.map(|d| d.to_string()),
                extended_ends: v.extended_ends.map(|d| d.to_string()),
                phase: if dated { as_of.map(|d| v.phase(d).as_str()) } else { None },
            })
            .collect();
        #[derive(Serialize)]
        struct Vm<'a> {
            id: &'a str,
            title: &'a str,
            kind: &'a str,
            summary: &'a str,
            description_html: String,
            versions: Vec<VersionVm<'a>>,
            lifecycle: bool,
            as_of: Option<String>,
            survives_reinstall: bool,
            part_of: Option<LinkVm>,
            parts: Vec<LinkVm>,
            derived_html: Option<String>,
            also_known_as: &'a [String],
            tags: Vec<LinkVm>,
            sources: Vec<SourceVm<'a>>,
        }
        let vm = Vm {
            id: &c.id,
            title: &c.title,
            kind: c.kind.as_str(),
            summary: &c.summary,
            description_html: self.md(&c.description, &root, &mut ids),
            versions,
            lifecycle: dated,
            as_of: as_of.map(|d| d.to_string()),
            survives_reinstall: c.survives_reinstall,
            part_of: c.part_of.map(|p| self.link(&Ref::Component(p), &root)),
            parts,
            derived_html: c.derived.as_ref().map(|d| cond_html(cat, d, &root)),
            also_known_as: &c.also_known_as,
            tags: self.tags(&c.tags, &root),
            sources: sources(&c.sources),
        };
        let mut ctx =
            self.context(&path, &c.title, "component", &c.summary, &[("Components", "components/index.html")]);
        ctx.insert("component", &vm);
        ctx.insert("referenced_by", &self.referenced_by(&me, &root));
        self.render("component.html", path, &ctx)
    }

    pub fn fact_page(&self, i: usize) -> Result<PageOut, String> {
        let cat = self.cat;
        let f = &cat.facts[i];
        let me = Ref::Fact(FactIdx(i as u32));
        let path = links::url(cat, &me);
        let root = root_for(&path);
        let mut ids = HeadingIds::default();
        for r in ["thresholds", "lists", "sources", "referenced-by"] {
            ids.reserve(r);
        }
        #[derive(Serialize)]
        struct Threshold {
            value: String,
            rules: Vec<LinkVm>,
        }
        #[derive(Serialize)]
        struct ListVm<'a> {
            id: &'a str,
            title: &'a str,
            values: Vec<&'a str>,
        }
        #[derive(Serialize)]
        struct Vm<'a> {
            id: &'a str,
            title: &'a str,
            type_name: &'static str,
            kind: &'static str,
            unit: Option<&'a str>,
            values: &'a [String],
            default: Option<String>,
            survives: bool,
            compared_with: Vec<LinkVm>,
            thresholds: Vec<Threshold>,
            lists: Vec<ListVm<'a>>,
            summary: &'a str,
            description_html: String,
            tags: Vec<LinkVm>,
            sources: Vec<SourceVm<'a>>,
        }
        let unit = match &f.ty {
            FactType::Number { unit, .. } => unit.as_deref(),
            _ => None,
        };
        let thresholds = thresholds(cat, FactIdx(i as u32))
            .into_iter()
            .map(|(n, refs)| Threshold {
                value: f.show_num(n.0),
                rules: refs.iter().map(|r| self.link(r, &root)).collect(),
            })
            .collect();
        let lists = cat
            .lists
            .iter()
            .filter(|l| l.of.idx() == i)
            .map(|l| ListVm {
                id: &l.id,
                title: &l.title,
                values: l.members.iter().filter_map(|m| f.ty.values().get(*m as usize).map(String::as_str)).collect(),
            })
            .collect();
        let vm = Vm {
            id: &f.id,
            title: &f.title,
            type_name: f.ty.name(),
            kind: f.kind.as_str(),
            unit,
            values: f.ty.values(),
            default: f.default.as_ref().map(|d| f.show(d)),
            survives: f.survives_reinstall,
            compared_with: f.compared_with.iter().map(|g| self.link(&Ref::Fact(*g), &root)).collect(),
            thresholds,
            lists,
            summary: &f.summary,
            description_html: self.md(&f.description, &root, &mut ids),
            tags: self.tags(&f.tags, &root),
            sources: sources(&f.sources),
        };
        let mut ctx = self.context(&path, &f.title, "fact", &f.summary, &[("Facts", "facts/index.html")]);
        ctx.insert("fact", &vm);
        ctx.insert("referenced_by", &self.referenced_by(&me, &root));
        self.render("fact.html", path, &ctx)
    }

    pub fn condition_page(&self, i: usize) -> Result<PageOut, String> {
        let cat = self.cat;
        let c = &cat.conditions[i];
        let me = Ref::Condition(NamedIdx(i as u32));
        let path = links::url(cat, &me);
        let root = root_for(&path);
        let mut ids = HeadingIds::default();
        for r in ["sources", "referenced-by"] {
            ids.reserve(r);
        }
        #[derive(Serialize)]
        struct Vm<'a> {
            id: &'a str,
            title: &'a str,
            summary: &'a str,
            when_html: String,
            description_html: String,
            tags: Vec<LinkVm>,
            sources: Vec<SourceVm<'a>>,
        }
        let vm = Vm {
            id: &c.id,
            title: &c.title,
            summary: &c.summary,
            when_html: cond_html(cat, &c.when, &root),
            description_html: self.md(&c.description, &root, &mut ids),
            tags: self.tags(&c.tags, &root),
            sources: sources(&c.sources),
        };
        let mut ctx =
            self.context(&path, &c.title, "condition", &c.summary, &[("Named conditions", "conditions/index.html")]);
        ctx.insert("condition", &vm);
        ctx.insert("referenced_by", &self.referenced_by(&me, &root));
        self.render("condition.html", path, &ctx)
    }

    pub fn effect_page(&self, i: usize) -> Result<PageOut, String> {
        let cat = self.cat;
        let e = &cat.effects[i];
        let me = Ref::Effect(EffectIdx(i as u32));
        let path = links::url(cat, &me);
        let root = root_for(&path);
        let mut ids = HeadingIds::default();
        for r in ["explanation", "in-paths", "sources", "referenced-by"] {
            ids.reserve(r);
        }
        #[derive(Serialize)]
        struct Vm<'a> {
            id: &'a str,
            title: &'a str,
            summary: &'a str,
            on_html: String,
            when_html: Option<String>,
            does_html: Vec<String>,
            explanation_html: String,
            happens_in: Vec<LinkVm>,
            tags: Vec<LinkVm>,
            sources: Vec<SourceVm<'a>>,
        }
        let mut happens_in = Vec::new();
        for (pi, p) in cat.paths.iter().enumerate() {
            for s in &p.steps {
                if e.on.may_match(&s.action) {
                    happens_in.push(self.link(&Ref::Path(PathIdx(pi as u32), Some(s.id.clone())), &root));
                }
            }
        }
        let vm = Vm {
            id: &e.id,
            title: &e.title,
            summary: &e.summary,
            on_html: pattern_html(cat, &e.on, &root),
            when_html: (e.when != Cond::True).then(|| cond_html(cat, &e.when, &root)),
            does_html: e.does.iter().map(|a| action_html(cat, a, None, &[], &root)).collect(),
            explanation_html: self.md(&e.explanation, &root, &mut ids),
            happens_in,
            tags: self.tags(&e.tags, &root),
            sources: sources(&e.sources),
        };
        let mut ctx = self.context(&path, &e.title, "effect", &e.summary, &[("Side effects", "effects/index.html")]);
        ctx.insert("effect", &vm);
        ctx.insert("referenced_by", &self.referenced_by(&me, &root));
        self.render("effect.html", path, &ctx)
    }

    pub fn blocker_page(&self, i: usize) -> Result<PageOut, String> {
        let cat = self.cat;
        let b = &cat.blockers[i];
        let me = Ref::Blocker(BlockerIdx(i as u32));
        let path = links::url(cat, &me);
        let root = root_for(&path);
        let mut ids = HeadingIds::default();
        for r in ["symptoms", "explanation", "resolution", "sources", "referenced-by", "in-paths"] {
            ids.reserve(r);
        }
        let (fires, clears) = self.rule_activity(BlockerIdx(i as u32), &root);
        #[derive(Serialize)]
        struct Vm<'a> {
            id: &'a str,
            title: &'a str,
            severity: Badge,
            summary: &'a str,
            blocks_html: String,
            when_html: String,
            breaks: Vec<LinkVm>,
            symptoms_html: String,
            explanation_html: String,
            resolution_html: String,
            tags: Vec<LinkVm>,
            sources: Vec<SourceVm<'a>>,
            fires_in: Vec<LinkVm>,
            cleared_by: Vec<LinkVm>,
        }
        let vm = Vm {
            id: &b.id,
            title: &b.title,
            severity: severity_badge(b.severity),
            summary: &b.summary,
            blocks_html: pattern_html(cat, &b.blocks, &root),
            when_html: cond_html(cat, &b.when, &root),
            breaks: b.breaks.iter().map(|c| self.link(&Ref::Component(*c), &root)).collect(),
            symptoms_html: self.md(&b.symptoms, &root, &mut ids),
            explanation_html: self.md(&b.explanation, &root, &mut ids),
            resolution_html: self.md(&b.resolution, &root, &mut ids),
            tags: self.tags(&b.tags, &root),
            sources: sources(&b.sources),
            fires_in: fires,
            cleared_by: clears,
        };
        let mut ctx = self.context(&path, &b.title, "blocker", &b.summary, &[("Blockers", "blockers/index.html")]);
        ctx.insert("blocker", &vm);
        ctx.insert("referenced_by", &self.referenced_by(&me, &root));
        self.render("blocker.html", path, &ctx)
    }

    /// Where the evaluator sees a blocker fire, and which steps clear it.
    fn rule_activity(&self, b: BlockerIdx, root: &str) -> (Vec<LinkVm>, Vec<LinkVm>) {
        let mut fires = Vec::new();
        let mut clears = Vec::new();
        for (pi, summary) in self.summaries().into_iter().enumerate() {
            let path = &self.cat.paths[pi];
            for (step, x) in &summary.fires {
                if *x == b {
                    let r = Ref::Path(PathIdx(pi as u32), Some(path.steps[*step].id.clone()));
                    fires.push(self.link(&r, root));
                }
            }
            for (step, x) in &summary.clears {
                if *x == b {
                    let r = Ref::Path(PathIdx(pi as u32), Some(path.steps[*step].id.clone()));
                    clears.push(self.link(&r, root));
                }
            }
        }
        (fires, clears)
    }

    pub fn prerequisite_page(&self, i: usize) -> Result<PageOut, String> {
        let cat = self.cat;
        let p = &cat.prerequisites[i];
        let me = Ref::Prerequisite(PrereqIdx(i as u32));
        let path = links::url(cat, &me);
        let root = root_for(&path);
        let mut ids = HeadingIds::default();
        for r in ["why", "how", "sources", "referenced-by"] {
            ids.reserve(r);
        }
        #[derive(Serialize)]
        struct Vm<'a> {
            id: &'a str,
            title: &'a str,
            summary: &'a str,
            for_html: String,
            when_html: Option<String>,
            requires_html: String,
            explanation_html: String,
            how_html: String,
            tags: Vec<LinkVm>,
            sources: Vec<SourceVm<'a>>,
        }
        let vm = Vm {
            id: &p.id,
            title: &p.title,
            summary: &p.summary,
            for_html: pattern_html(cat, &p.for_, &root),
            when_html: (p.when != Cond::True).then(|| cond_html(cat, &p.when, &root)),
            requires_html: cond_html(cat, &p.requires, &root),
            explanation_html: self.md(&p.explanation, &root, &mut ids),
            how_html: self.md(&p.how, &root, &mut ids),
            tags: self.tags(&p.tags, &root),
            sources: sources(&p.sources),
        };
        let mut ctx =
            self.context(&path, &p.title, "prerequisite", &p.summary, &[("Prerequisites", "prerequisites/index.html")]);
        ctx.insert("prerequisite", &vm);
        ctx.insert("referenced_by", &self.referenced_by(&me, &root));
        self.render("prerequisite.html", path, &ctx)
    }

    pub fn path_page(&self, i: usize) -> Result<PageOut, String> {
        let cat = self.cat;
        let p = &cat.paths[i];
        let me = Ref::Path(PathIdx(i as u32), None);
        let path = links::url(cat, &me);
        let root = root_for(&path);
        let mut ids = HeadingIds::default();
        for r in ["overview", "diagram", "verified", "steps", "sources", "referenced-by"] {
            ids.reserve(r);
        }
        for s in &p.steps {
            ids.reserve(&s.id);
        }
        let summary = self.summary(i);
        #[derive(Serialize)]
        struct StepNav {
            href: String,
            title: String,
        }
        #[derive(Serialize)]
        struct StepVm<'a> {
            n: usize,
            id: &'a str,
            title: &'a str,
            host: Option<&'a str>,
            action_html: Option<String>,
            when_html: Option<String>,
            if_html: Option<String>,
            undo: Option<String>,
            instructions_html: String,
            verify_html: String,
            rollback_html: String,
            duration: Option<String>,
            refs: Vec<LinkVm>,
            clears: Vec<LinkVm>,
            procedure: Option<&'a str>,
            prev: Option<StepNav>,
            next: Option<StepNav>,
        }
        let steps: Vec<StepVm> = p
            .steps
            .iter()
            .enumerate()
            .map(|(n, s)| StepVm {
                n: n + 1,
                id: &s.id,
                title: &s.title,
                host: s.host.map(|h| p.hosts[h.idx()].title.as_str()).or_else(|| match &s.action {
                    Action::Move { to, .. } => Some(p.hosts[to.idx()].title.as_str()),
                    _ => None,
                }),
                action_html: (s.action != Action::Manual).then(|| action_html(cat, &s.action, s.via, &p.hosts, &root)),
                when_html: (s.when != Cond::True).then(|| cond_html(cat, &s.when, &root)),
                if_html: (s.if_ != Cond::True).then(|| cond_html(cat, &s.if_, &root)),
                undo: s.undo_window(),
                instructions_html: self.md(&s.instructions, &root, &mut ids),
                verify_html: self.md(&s.verify, &root, &mut ids),
                rollback_html: self.md(&s.rollback, &root, &mut ids),
                duration: s.duration.map(format_minutes),
                refs: s.refs.iter().map(|(r, _)| self.link(r, &root)).collect(),
                clears: summary
                    .clears
                    .iter()
                    .filter(|(step, _)| *step == n)
                    .map(|(_, b)| self.link(&Ref::Blocker(*b), &root))
                    .collect(),
                procedure: s.procedure.as_ref().map(|p| p.1.as_str()),
                prev: (n > 0)
                    .then(|| StepNav { href: format!("#{}", p.steps[n - 1].id), title: p.steps[n - 1].title.clone() }),
                next: p.steps.get(n + 1).map(|x| StepNav { href: format!("#{}", x.id), title: x.title.clone() }),
            })
            .collect();
        #[derive(Serialize)]
        struct HostVm<'a> {
            id: &'a str,
            title: &'a str,
            existing: bool,
            /// Its colour in the diagram.
            lane: usize,
        }
        #[derive(Serialize)]
        struct GoalVm<'a> {
            host: &'a str,
            when_html: Option<String>,
            require_html: Option<String>,
            keeps: Vec<LinkVm>,
        }
        #[derive(Serialize)]
        struct CaseVm {
            when_html: Option<String>,
            expect: Badge,
        }
        #[derive(Serialize)]
        struct GroupVm {
            outcome: Badge,
            count: String,
            example: String,
            decided_by: Vec<LinkVm>,
            stopped_at: Option<StepNav>,
        }
        /// A box of the path diagram.
        #[derive(Serialize)]
        struct FlowVm<'a> {
            href: String,
            numbers: String,
            title: String,
            /// Id (shown) and title (the tooltip) of the host it runs on.
            host: Option<&'a str>,
            host_title: Option<&'a str>,
            lane: usize,
            conditional: bool,
            clears: Vec<LinkVm>,
            hits: Vec<LinkVm>,
        }
        #[derive(Serialize)]
        struct Vm<'a> {
            id: &'a str,
            title: &'a str,
            summary: &'a str,
            badge: Badge,
            anti_path: bool,
            last_resort: bool,
            description_html: String,
            applies_html: String,
            hosts: Vec<HostVm<'a>>,
            goal: Vec<GoalVm<'a>>,
            outcome: Vec<CaseVm>,
            /// `None` when no step gives a duration.
            total: Option<String>,
            steps: Vec<StepVm<'a>>,
            flow: Vec<FlowVm<'a>>,
            states: String,
            groups: Vec<GroupVm>,
            runbook: Option<String>,
            tags: Vec<LinkVm>,
            sources: Vec<SourceVm<'a>>,
        }
        let vm = Vm {
            id: &p.id,
            title: &p.title,
            summary: &p.summary,
            badge: path_badge(p),
            anti_path: p.is_anti_path(),
            last_resort: p.is_last_resort(),
            description_html: self.md(&p.description, &root, &mut ids),
            applies_html: cond_html(cat, &p.applies_to, &root),
            hosts: p
                .hosts
                .iter()
                .enumerate()
                .map(|(i, h)| HostVm { id: &h.id, title: &h.title, existing: h.existing, lane: i % 4 + 1 })
                .collect(),
            goal: p
                .goal
                .iter()
                .map(|g| GoalVm {
                    host: &p.hosts[g.host.idx()].title,
                    when_html: (g.when != Cond::True).then(|| cond_html(cat, &g.when, &root)),
                    require_html: (g.require != Cond::True).then(|| cond_html(cat, &g.require, &root)),
                    keeps: g.keeps.iter().map(|c| self.link(&Ref::Component(*c), &root)).collect(),
                })
                .collect(),
            outcome: p
                .outcome
                .iter()
                .map(|c| CaseVm {
                    when_html: (c.when != Cond::True).then(|| cond_html(cat, &c.when, &root)),
                    expect: outcome_badge(c.expect),
                })
                .collect(),
            total: p.steps.iter().any(|s| s.duration.is_some()).then(|| match summary.minutes {
                // No state gets to the end (an anti-path): the steps as written.
                None => format!("about {}", format_minutes(p.total_minutes())),
                Some((lo, hi)) if lo == hi => format!("about {}", format_minutes(lo)),
                Some((lo, hi)) => {
                    format!(
                        "{} to {}, depending on the {}",
                        format_minutes(lo),
                        format_minutes(hi),
                        self.site.vocab.host
                    )
                }
            }),
            steps,
            flow: super::diagram::flow(p, summary)
                .into_iter()
                .map(|n| FlowVm {
                    href: format!("#{}", p.steps[n.first].id),
                    numbers: if n.first == n.last {
                        format!("{}", n.first + 1)
                    } else {
                        format!("{}–{}", n.first + 1, n.last + 1)
                    },
                    title: n.title,
                    host: n.host.map(|h| p.hosts[h.idx()].id.as_str()),
                    host_title: n.host.map(|h| p.hosts[h.idx()].title.as_str()),
                    lane: n.host.map_or(0, |h| h.idx() % 4 + 1),
                    conditional: n.conditional,
                    clears: n.clears.iter().map(|b| self.link(&Ref::Blocker(*b), &root)).collect(),
                    hits: n.hits.iter().map(|b| self.link(&Ref::Blocker(*b), &root)).collect(),
                })
                .collect(),
            states: summary.states.clone(),
            groups: summary
                .groups
                .iter()
                .map(|g| GroupVm {
                    outcome: outcome_badge(g.outcome),
                    count: g.count.clone(),
                    example: g.example.describe(cat),
                    decided_by: g.decided_by.iter().map(|r| self.link(r, &root)).collect(),
                    stopped_at: g.stopped_at.map(|s| StepNav {
                        href: format!("#{}", p.steps[s].id),
                        title: format!("{}. {}", s + 1, p.steps[s].title),
                    }),
                })
                .collect(),
            runbook: self.runbooks.then(|| format!("{root}{}", links::runbook_url(p))),
            tags: self.tags(&p.tags, &root),
            sources: sources(&p.sources),
        };
        let mut ctx = self.context(&path, &p.title, "path", &p.summary, &[("Migration paths", "paths/index.html")]);
        ctx.insert("path", &vm);
        ctx.insert("referenced_by", &self.referenced_by(&me, &root));
        self.render("path.html", path, &ctx)
    }

    pub fn article_page(&self, i: usize) -> Result<PageOut, String> {
        let cat = self.cat;
        let a = &cat.articles[i];
        let me = Ref::Article(ArticleIdx(i as u32), None);
        let path = links::url(cat, &me);
        let root = root_for(&path);
        // Same ids as the checker computed, so `article:x#heading` links land.
        let mut ids = HeadingIds::default();
        let body_html = md::to_html(&a.body, &Ctx { cat, hl: self.hl, root: &root }, &mut ids);
        #[derive(Serialize)]
        struct Toc<'a> {
            level: u8,
            text: &'a str,
            id: &'a str,
        }
        #[derive(Serialize)]
        struct Vm<'a> {
            slug: &'a str,
            title: &'a str,
            summary: &'a str,
            body_html: String,
            toc: Vec<Toc<'a>>,
            applies_html: Option<String>,
            recommends: Vec<LinkVm>,
            updated: Option<&'a str>,
            tags: Vec<LinkVm>,
            sources: Vec<SourceVm<'a>>,
            prev: Option<LinkVm>,
            next: Option<LinkVm>,
        }
        let order = self.article_order();
        let pos = self.article_position(i);
        let neighbour =
            |j: Option<usize>| j.map(|j| self.link_from(&Ref::Article(ArticleIdx(j as u32), None), &root, &path));
        let vm = Vm {
            slug: &a.slug,
            title: &a.title,
            summary: &a.summary,
            body_html,
            toc: a
                .headings
                .iter()
                .filter(|h| h.level <= 3)
                .map(|h| Toc { level: h.level, text: &h.text, id: &h.id })
                .collect(),
            applies_html: a.applies_to.as_ref().map(|c| cond_html(cat, c, &root)),
            recommends: a.recommends.iter().map(|(p, _)| self.link(&Ref::Path(*p, None), &root)).collect(),
            updated: a.updated.as_deref(),
            tags: self.tags(&a.tags, &root),
            sources: sources(&a.sources),
            prev: neighbour(pos.checked_sub(1).map(|k| order[k])),
            next: neighbour(order.get(pos + 1).copied()),
        };
        let mut ctx = self.context(&path, &a.title, "article", &a.summary, &[("Articles", "articles/index.html")]);
        ctx.insert("article", &vm);
        ctx.insert("referenced_by", &self.referenced_by(&me, &root));
        self.render("article.html", path, &ctx)
    }

    /// Articles in reading order ([`reading_order`]), worked out once per renderer.
    pub fn article_order(&self) -> &[usize] {
        self.article_order.get_or_init(|| reading_order(self.cat))
    }

    // ----- index pages ----------------------------------------------------------------------

    pub fn list_page(&self, kind: &str) -> Result<PageOut, String> {
        let cat = self.cat;
        let path = format!("{kind}/index.html");
        let root = root_for(&path);
        let (title, intro, refs): (&str, &str, Vec<Ref>) = match kind {
            "components" => (
                "Components",
                "Everything that can be present on a host: operating systems, applications, features, services, roles and data.",
                (0..cat.components.len()).map(|i| Ref::Component(CompIdx(i as u32))).collect(),
            ),
            "blockers" => ("Blockers", "What stops an action, breaks something, or voids support — and when.", {
                let mut v: Vec<usize> = (0..cat.blockers.len()).collect();
                v.sort_by(|a, b| blocker_order(&cat.blockers[*a], &cat.blockers[*b]));
                v.into_iter().map(|i| Ref::Blocker(BlockerIdx(i as u32))).collect()
            }),
            "prerequisites" => (
                "Prerequisites",
                "What must be in place before an action, and when it applies.",
                (0..cat.prerequisites.len()).map(|i| Ref::Prerequisite(PrereqIdx(i as u32))).collect(),
            ),
            "facts" => (
                "Facts",
                "Typed facts about a host — numbers with units, enumerations, sets — and the thresholds the rules compare them with.",
                (0..cat.facts.len()).map(|i| Ref::Fact(FactIdx(i as u32))).collect(),
            ),
            "conditions" => (
                "Named conditions",
                "Conditions written once and used by name in rules and paths.",
                (0..cat.conditions.len()).map(|i| Ref::Condition(NamedIdx(i as u32))).collect(),
            ),
            "effects" => (
                "Side effects",
                "What an action also does, beyond its target.",
                (0..cat.effects.len()).map(|i| Ref::Effect(EffectIdx(i as u32))).collect(),
            ),
            "paths" => (
                "Migration paths",
                "Ordered steps from a starting environment to a goal, each simulated against every rule.",
                {
                    let mut v: Vec<usize> = (0..cat.paths.len()).collect();
                    v.sort_by_key(|i| (cat.paths[*i].is_anti_path(), *i));
                    v.into_iter().map(|i| Ref::Path(PathIdx(i as u32), None)).collect()
                },
            ),
            _ => (
                "Articles",
                "Background, decisions and procedures, written by the support team.",
                self.article_order().iter().map(|i| Ref::Article(ArticleIdx(*i as u32), None)).collect(),
            ),
        };
        let items: Vec<LinkVm> = refs.iter().map(|r| self.link_from(r, &root, &path)).collect();
        let mut ctx = self.context(&path, title, "list", intro, &[]);
        ctx.insert("heading", title);
        ctx.insert("intro", intro);
        ctx.insert("items", &items);
        ctx.insert("list_kind", kind);
        self.render("list.html", path, &ctx)
    }

    pub fn home_page(&self) -> Result<PageOut, String> {
        let cat = self.cat;
        let path = "index.html".to_string();
        let root = String::new();
        let start_here: Vec<LinkVm> = self
            .article_order()
            .iter()
            .filter(|i| cat.articles[**i].tags.iter().any(|t| t == "start-here"))
            .take(HOME_ITEMS)
            .map(|i| self.link(&Ref::Article(ArticleIdx(*i as u32), None), &root))
            .collect();
        let mut paths: Vec<usize> = (0..cat.paths.len()).collect();
        paths.sort_by_key(|i| (cat.paths[*i].is_anti_path(), *i));
        let paths: Vec<LinkVm> =
            paths.into_iter().take(HOME_ITEMS).map(|i| self.link(&Ref::Path(PathIdx(i as u32), None), &root)).collect();
        let mut blockers: Vec<usize> = (0..cat.blockers.len()).collect();
        blockers.sort_by(|a, b| blocker_order(&cat.blockers[*a], &cat.blockers[*b]));
        let blockers: Vec<LinkVm> = blockers
            .into_iter()
            .take(HOME_ITEMS)
            .map(|i| self.link(&Ref::Blocker(BlockerIdx(i as u32)), &root))
            .collect();
        // With no article tagged `start-here`, the home page starts with the reading order.
        let articles: Vec<LinkVm> = if start_here.is_empty() {
            let order = self.article_order();
            order
                .iter()
                .take(HOME_ITEMS)
                .map(|i| self.link(&Ref::Article(ArticleIdx(*i as u32), None), &root))
                .collect()
        } else {
            Vec::new()
        };
        #[derive(Serialize)]
        struct Count {
            label: &'static str,
            n: usize,
            href: &'static str,
        }
        // Only what the knowledge base has: no "0 migration paths" on a site of articles.
        let mut counts = Vec::new();
        for (one, many, n, href) in [
            ("migration path", "migration paths", cat.paths.len(), "paths/index.html"),
            ("blocker", "blockers", cat.blockers.len(), "blockers/index.html"),
            ("prerequisite", "prerequisites", cat.prerequisites.len(), "prerequisites/index.html"),
            ("component", "components", cat.components.len(), "components/index.html"),
            ("article", "articles", cat.articles.len(), "articles/index.html"),
            ("fact", "facts", cat.facts.len(), "facts/index.html"),
            ("named condition", "named conditions", cat.conditions.len(), "conditions/index.html"),
            ("side effect", "side effects", cat.effects.len(), "effects/index.html"),
        ] {
            if n > 0 {
                counts.push(Count { label: if n == 1 { one } else { many }, n, href });
            }
        }
        let mut ctx = self.context(&path, &self.site.title, "home", &self.site.description, &[]);
        ctx.insert("counts", &counts);
        ctx.insert("start_here", &start_here);
        ctx.insert("paths", &paths);
        ctx.insert("blockers", &blockers);
        ctx.insert("articles", &articles);
        ctx.insert("path_count", &cat.paths.len());
        ctx.insert("blocker_count", &cat.blockers.len());
        ctx.insert("article_count", &cat.articles.len());
        ctx.insert("more_paths", &cat.paths.len().saturating_sub(HOME_ITEMS));
        ctx.insert("more_blockers", &cat.blockers.len().saturating_sub(HOME_ITEMS));
        ctx.insert("more_articles", &cat.articles.len().saturating_sub(HOME_ITEMS));
        self.render("index.html", path, &ctx)
    }

    pub fn matrix_page(&self) -> Result<PageOut, String> {
        let cat = self.cat;
        let path = "matrix.html".to_string();
        let root = String::new();
        #[derive(Serialize)]
        struct CellVm {
            badge: Badge,
            note: Option<String>,
            rules: Vec<LinkVm>,
            prerequisites: Vec<LinkVm>,
            warnings: Vec<LinkVm>,
            handled: Vec<LinkVm>,
        }
        #[derive(Serialize)]
        struct RowVm {
            label: String,
            href: Option<String>,
            has: Vec<String>,
            cells: Vec<CellVm>,
        }
        #[derive(Serialize)]
        struct ColumnVm {
            label: String,
            href: Option<String>,
        }
        #[derive(Serialize)]
        struct MatrixVm {
            title: String,
            summary: String,
            caption: String,
            columns: Vec<ColumnVm>,
            rows: Vec<RowVm>,
        }
        let cell = |c: eval::Cell| CellVm {
            badge: match c.outcome {
                Some(o) => outcome_badge(o),
                None if c.impossible => Badge { text: "Impossible".into(), class: "out-none".into() },
                None => Badge { text: "Does not apply".into(), class: "out-none".into() },
            },
            note: c.note,
            rules: c.decided_by.iter().map(|r| self.link(r, &root)).collect(),
            prerequisites: c.prerequisites.iter().map(|p| self.link(&Ref::Prerequisite(*p), &root)).collect(),
            warnings: c.warnings.iter().map(|b| self.link(&Ref::Blocker(*b), &root)).collect(),
            handled: c.handled.iter().map(|b| self.link(&Ref::Blocker(*b), &root)).collect(),
        };
        let column = |label: String| ColumnVm { label, href: None };
        let mut out = Vec::new();
        for m in &cat.matrices {
            match &m.kind {
                MatrixKind::Versions { component, platform, with } => {
                    let (component, platform) = (*component, *platform);
                    let comp = &cat.components[component.idx()];
                    let plat = &cat.components[platform.idx()];
                    let also = if with.is_empty() {
                        String::new()
                    } else {
                        let labels: Vec<String> =
                            with.iter().map(|s| super::assistant::setting_label(cat, s)).collect();
                        format!(" that also has {}", labels.join(", "))
                    };
                    // An unversioned component is one row.
                    let versions = comp.versions.len().max(1);
                    let row = |v: usize, cells: Vec<CellVm>| RowVm {
                        label: comp.versions.get(v).map_or_else(|| comp.title.clone(), |x| x.title.clone()),
                        href: Some(format!("{root}components/{}.html", comp.id)),
                        has: Vec::new(),
                        cells,
                    };
                    let install_rows = (0..versions)
                        .map(|v| {
                            let cells = (0..plat.versions.len())
                                .map(|w| cell(eval::matrix_cell(cat, component, v as Ver, platform, w as Ver, with)))
                                .collect();
                            row(v, cells)
                        })
                        .collect();
                    out.push(MatrixVm {
                        title: m.title.clone(),
                        summary: m.summary.clone(),
                        caption: format!("Installing {} on a {} host{also}", comp.title, plat.title),
                        columns: plat.versions.iter().map(|v| column(v.title.clone())).collect(),
                        rows: install_rows,
                    });
                    if plat.versions.len() > 1 {
                        let upgrade_rows = (0..versions)
                            .map(|v| {
                                let cells = (1..plat.versions.len())
                                    .map(|w| {
                                        cell(eval::upgrade_cell(cat, component, v as Ver, platform, w as Ver, with))
                                    })
                                    .collect();
                                row(v, cells)
                            })
                            .collect();
                        out.push(MatrixVm {
                            title: format!("{}: upgrading {} in place", m.title, plat.title),
                            summary: String::new(),
                            caption: format!(
                                "Upgrading {} in place while {} is installed, on a host{also} and what the catalog's constraints say every such host has",
                                plat.title, comp.title
                            ),
                            columns: plat.versions[1..].iter().map(|v| column(format!("→ {}", v.title))).collect(),
                            rows: upgrade_rows,
                        });
                    }
                }
                MatrixKind::Cells { rows, columns } => {
                    let rows = rows
                        .iter()
                        .map(|r| RowVm {
                            label: r.label.clone(),
                            href: None,
                            has: r.has.iter().map(|s| super::assistant::setting_label(cat, s)).collect(),
                            cells: columns.iter().map(|c| cell(eval::explicit_cell(cat, r, c))).collect(),
                        })
                        .collect();
                    out.push(MatrixVm {
                        title: m.title.clone(),
                        summary: m.summary.clone(),
                        caption: "Each row a starting state; each cell what the column's path or action does to it"
                            .into(),
                        columns: columns
                            .iter()
                            .map(|c| ColumnVm {
                                label: c.label.clone(),
                                href: match c.does {
                                    ColumnDoes::Path(p) => Some(self.link(&Ref::Path(p, None), &root).href),
                                    ColumnDoes::Action(..) => None,
                                },
                            })
                            .collect(),
                        rows,
                    });
                }
            }
        }
        let mut ctx =
            self.context(&path, "Support matrix", "matrix", "What runs on what, computed from the rules.", &[]);
        ctx.insert("matrices", &out);
        self.render("matrix.html", path, &ctx)
    }

    /// An article's place in the reading order.
    pub fn article_position(&self, i: usize) -> usize {
        let positions = self.article_positions.get_or_init(|| {
            let mut pos = vec![0; self.cat.articles.len()];
            for (p, a) in self.article_order().iter().enumerate() {
                pos[*a] = p;
            }
            pos
        });
        positions.get(i).copied().unwrap_or(0)
    }

    /// Every tag with what carries it, articles first (computed once per renderer).
    fn tag_map(&self) -> &std::collections::BTreeMap<String, Vec<Ref>> {
        self.tag_map.get_or_init(|| self.compute_tag_map())
    }

    fn compute_tag_map(&self) -> std::collections::BTreeMap<String, Vec<Ref>> {
        let cat = self.cat;
        let mut tags: std::collections::BTreeMap<String, Vec<Ref>> = std::collections::BTreeMap::new();
        let mut add = |ts: &[String], r: Ref| {
            for t in ts {
                tags.entry(t.clone()).or_default().push(r.clone());
            }
        };
        for &i in self.article_order() {
            add(&cat.articles[i].tags, Ref::Article(ArticleIdx(i as u32), None));
        }
        for (i, p) in cat.paths.iter().enumerate() {
            add(&p.tags, Ref::Path(PathIdx(i as u32), None));
        }
        for (i, b) in cat.blockers.iter().enumerate() {
            add(&b.tags, Ref::Blocker(BlockerIdx(i as u32)));
        }
        for (i, p) in cat.prerequisites.iter().enumerate() {
            add(&p.tags, Ref::Prerequisite(PrereqIdx(i as u32)));
        }
        for (i, c) in cat.components.iter().enumerate() {
            add(&c.tags, Ref::Component(CompIdx(i as u32)));
        }
        // A live session asks `has_tags` whether an edit changed this (every page's navigation
        // depends on it): the two must agree.
        debug_assert_eq!(tags.is_empty(), !has_tags(cat), "has_tags and the tag pages disagree");
        tags
    }

    pub fn tag_names(&self) -> Vec<String> {
        self.tag_map().keys().cloned().collect()
    }

    pub fn tags_index_page(&self) -> Result<PageOut, String> {
        #[derive(Serialize)]
        struct TagVm {
            name: String,
            href: String,
            count: usize,
        }
        let index: Vec<TagVm> = self
            .tag_map()
            .iter()
            .map(|(t, rs)| TagVm { name: t.clone(), href: format!("../{}", links::tag_url(t)), count: rs.len() })
            .collect();
        let mut ctx = self.context("tags/index.html", "Tags", "tags", "Everything by topic.", &[]);
        ctx.insert("tags", &index);
        self.render("tags.html", "tags/index.html".into(), &ctx)
    }

    /// One tag's page, or nothing if no entity carries the tag any more.
    pub fn tag_page(&self, t: &str) -> Result<Option<PageOut>, String> {
        let tags = self.tag_map();
        let Some(rs) = tags.get(t) else { return Ok(None) };
        let path = links::tag_url(t);
        let root = root_for(&path);
        let items: Vec<LinkVm> = rs.iter().map(|r| self.link(r, &root)).collect();
        let title = format!("Tagged “{t}”");
        let mut ctx = self.context(&path, &title, "tag", &title, &[("Tags", "tags/index.html")]);
        ctx.insert("tag", t);
        ctx.insert("items", &items);
        self.render("tag.html", path, &ctx).map(Some)
    }

    /// The site's style sheet: the highlighting rules when `code`, then the theme's
    /// `style.css` (so a theme's own `.hl-*` rules win). `assets/style.css` is this with the
    /// rules; see [`Renderer::inline_css`] for pages that carry it.
    pub fn site_css(&self, code: bool) -> String {
        let mut css = if code { self.hl.css() + "\n" } else { String::new() };
        for (name, bytes) in self.theme.statics() {
            if name == "style.css" {
                css.push_str(&String::from_utf8_lossy(bytes));
            }
        }
        css
    }

    /// [`Renderer::site_css`], ready to sit inside a `<style>` element: pages that must stand
    /// alone (a 404 served anywhere, a runbook file, a plan report) carry it instead of
    /// linking it.
    pub fn inline_css(&self, code: bool) -> String {
        self.site_css(code).replace("</", "<\\/")
    }

    pub fn search_page(&self) -> Result<PageOut, String> {
        let ctx = self.context("search.html", "Search", "search", "Search the knowledge base.", &[]);
        self.render("search.html", "search.html".into(), &ctx)
    }

    pub fn not_found_page(&self) -> Result<PageOut, String> {
        // Served for any missing URL, at any depth: links must be absolute to work, so they use
        // `site-url` when configured and fall back to the site root.
        // Served for any missing URL, at any depth. With `site-url` the links are absolute.
        // Without it they are relative (right when the file is opened from disk at the top of
        // the site), the style sheet is inlined so the page is never unstyled, and a small
        // script finds the site root among the address's ancestors and fixes the links.
        let mut ctx = self.context("404.html", "Page not found", "404", "", &[]);
        let base = match &self.site.site_url {
            Some(u) => {
                let path =
                    u.split_once("://").map_or(u.as_str(), |(_, rest)| rest.find('/').map_or("/", |i| &rest[i..]));
                if path.ends_with('/') { path.to_string() } else { format!("{path}/") }
            }
            None => String::new(),
        };
        ctx.insert("probe_root", &self.site.site_url.is_none());
        ctx.insert("root", &base);
        ctx.insert("inline_css", &self.inline_css(false));
        self.render("404.html", "404.html".into(), &ctx)
    }

    pub fn sitemap(&self, pages: &[String]) -> PageOut {
        let base = self.site.site_url.clone().unwrap_or_default();
        let base = if base.is_empty() || base.ends_with('/') { base } else { format!("{base}/") };
        let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        if base.is_empty() {
            xml.push_str("<!-- Set `site-url` under [site] in book.toml to get absolute URLs here. -->\n");
        }
        xml.push_str("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
        for p in pages {
            if p.ends_with(".html") && p != "404.html" {
                xml.push_str(&format!("  <url><loc>{}{}</loc></url>\n", escape_html(&base), escape_html(p)));
            }
        }
        xml.push_str("</urlset>\n");
        ("sitemap.xml".to_string(), xml.into_bytes())
    }

    pub fn render(&self, template: &str, path: String, ctx: &tera::Context) -> Result<PageOut, String> {
        match self.tera.render(template, ctx) {
            Ok(html) => Ok((path, html.into_bytes())),
            Err(e) => Err(format!("{template}: {e}")),
        }
    }
}

/// How titles are listed: numbers in them by value ("Package 2" before "Package 10",
/// "PostgreSQL 9.6" before "PostgreSQL 10"), otherwise as written; titles that compare equal
/// that way by their bytes, so the order never depends on input order. A unit test holds it
/// to a total order (`sort_by` may panic on one that is not).
pub fn title_order(a: &str, b: &str) -> std::cmp::Ordering {
    alphanumeric_sort::compare_str(a, b).then_with(|| a.cmp(b))
}

/// The site's reading order of articles (lists, the pager): by weight, then by title. A live
/// session finds an edited article's neighbours with the same function.
pub fn reading_order(cat: &Catalog) -> Vec<usize> {
    let mut order: Vec<usize> = (0..cat.articles.len()).collect();
    order.sort_by(|a, b| {
        let (x, y) = (&cat.articles[*a], &cat.articles[*b]);
        x.weight.cmp(&y.weight).then_with(|| title_order(&x.title, &y.title))
    });
    order
}

/// Blockers as lists show them: the most severe first, then by title.
fn blocker_order(a: &Blocker, b: &Blocker) -> std::cmp::Ordering {
    a.severity.cmp(&b.severity).then_with(|| title_order(&a.title, &b.title))
}

/// Whether anything in the catalog carries a tag: the same things the tag pages list
/// (`compute_tag_map` asserts so in debug builds, which the tests run).
pub fn has_tags(cat: &Catalog) -> bool {
    cat.articles.iter().any(|a| !a.tags.is_empty())
        || cat.paths.iter().any(|p| !p.tags.is_empty())
        || cat.blockers.iter().any(|b| !b.tags.is_empty())
        || cat.prerequisites.iter().any(|p| !p.tags.is_empty())
        || cat.components.iter().any(|c| !c.tags.is_empty())
}

/// The constants a number fact is compared with, and which rules compare it so.
fn thresholds(cat: &Catalog, f: FactIdx) -> Vec<(Num, Vec<Ref>)> {
    fn walk(c: &Cond, f: FactIdx, found: &mut Vec<Num>) {
        match c {
            Cond::Num(g, _, k) if *g == f => found.push(*k),
            Cond::Not(c) => walk(c, f, found),
            Cond::And(cs) | Cond::Or(cs) => cs.iter().for_each(|c| walk(c, f, found)),
            _ => {}
        }
    }
    let mut out: std::collections::BTreeMap<Num, Vec<Ref>> = std::collections::BTreeMap::new();
    let mut add = |conds: &[&Cond], r: Ref| {
        let mut found = Vec::new();
        for c in conds {
            walk(c, f, &mut found);
        }
        for k in found {
            let v = out.entry(k).or_default();
            if !v.contains(&r) {
                v.push(r.clone());
            }
        }
    };
    for (i, b) in cat.blockers.iter().enumerate() {
        add(&[&b.when], Ref::Blocker(BlockerIdx(i as u32)));
    }
    for (i, p) in cat.prerequisites.iter().enumerate() {
        add(&[&p.when, &p.requires], Ref::Prerequisite(PrereqIdx(i as u32)));
    }
    for (i, e) in cat.effects.iter().enumerate() {
        add(&[&e.when], Ref::Effect(EffectIdx(i as u32)));
    }
    for (i, n) in cat.conditions.iter().enumerate() {
        add(&[&n.when], Ref::Condition(NamedIdx(i as u32)));
    }
    for (i, p) in cat.paths.iter().enumerate() {
        let mut conds: Vec<&Cond> = vec![&p.applies_to];
        conds.extend(p.steps.iter().flat_map(|s| [&s.when, &s.if_]));
        conds.extend(p.goal.iter().map(|g| &g.require));
        add(&conds, Ref::Path(PathIdx(i as u32), None));
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::title_order;
    use std::cmp::Ordering;

    #[test]
    fn title_order_is_a_total_order_so_sorting_never_panics() {
        // Every title of up to three symbols from an alphabet of letters, digits (Arabic-Indic
        // ones too), leading zeros, spaces and separators, sorted; then every pair must agree
        // with the sorted order (a comparison that is not a total order makes `sort_by` panic).
        let alphabet = ["a", "B", "0", "1", "9", "٣", " ", ".", "-"];
        let mut titles = vec![String::new()];
        for _ in 0..3 {
            let longer: Vec<String> = titles
                .iter()
                .filter(|t| t.chars().count() == titles.last().map_or(0, |l| l.chars().count()))
                .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
                .collect();
            titles.extend(longer);
        }
        assert_eq!(titles.len(), 1 + 9 + 81 + 729);
        titles.sort_by(|a, b| title_order(a, b));
        for (i, a) in titles.iter().enumerate() {
            for b in &titles[i + 1..] {
                assert_eq!(title_order(a, b), Ordering::Less, "{a:?} sorts before {b:?}");
                assert_eq!(title_order(b, a), Ordering::Greater);
            }
        }
        assert_eq!(title_order("Package 9.5", "Package 10"), Ordering::Less);
    }
}

//! Rules: blockers, prerequisites, effects and constraints; the
//! assistant's questions; and the Markdown inside rules (links, anchors, code blocks).

use super::actions::ActionSite;
use super::{Owner, Pending, Resolver, forbidden_link, origin_span};
use crate::catalog::load::{Loaded, Origin};
use crate::catalog::raw::RawAssistant;
use crate::diag::{Code, Diagnostic, Span};
use crate::markdown;
use crate::model::*;

/// The most answer combinations an assistant may have: each is assessed at build time and
/// shipped to every reader's browser.
pub const MAX_COMBINATIONS: u64 = 100_000;

impl Resolver<'_> {
    pub(super) fn rules(&mut self, loaded: &Loaded) {
        for f in &loaded.files {
            let o = f.origin;
            for b in &f.doc.blockers {
                let span = self.span(o, &b.id);
                if !self.owns(&self.ids.blockers, span, &b.id.value) {
                    continue;
                }
                let blocks = self.pattern(o, &b.blocks);
                let when = match &b.when {
                    Some(w) => self.cond(o, w).map(|(c, s)| (c, Some(s))),
                    None => Some((Cond::True, None)),
                };
                let mut breaks = Vec::new();
                let mut ok = blocks.is_some() && when.is_some();
                for c in &b.breaks {
                    let s = self.span(o, c);
                    match self.component_ref(&c.value, s) {
                        Some(c) => breaks.push(c),
                        None => ok = false,
                    }
                }
                let severity = b.severity.value;
                let sev_span = origin_span(self, o, &b.severity.referenced);
                if severity == BlockerSeverity::Breaks && b.breaks.is_empty() {
                    self.err(
                        Diagnostic::error(Code::Shape, sev_span, "a `breaks` blocker must say what it breaks")
                            .with_hint("add `breaks: [component-id, …]`"),
                    );
                    ok = false;
                }
                if severity != BlockerSeverity::Breaks && !b.breaks.is_empty() {
                    self.err(
                        Diagnostic::error(
                            Code::Shape,
                            sev_span,
                            format!("a `{}` blocker cannot list `breaks`", severity.as_str()),
                        )
                        .with_hint("use `severity: breaks`, or drop `breaks`"),
                    );
                    ok = false;
                }
                self.sources_warning(span, "blocker", &b.id.value, &b.sources);
                let (Some(blocks), Some((when, when_span)), true) = (blocks, when, ok) else {
                    self.rules_complete = false;
                    continue;
                };
                let idx = BlockerIdx(self.cat.blockers.len() as u32);
                self.cat.blocker_ids.insert(b.id.value.clone(), idx);
                let blocker = Blocker {
                    id: b.id.value.clone(),
                    span,
                    title: b.title.clone(),
                    severity,
                    blocks,
                    when,
                    when_span,
                    breaks,
                    summary: b.summary.clone().unwrap_or_default(),
                    symptoms: self.markdown(o, &b.symptoms),
                    explanation: self.markdown(o, &b.explanation),
                    resolution: self.markdown(o, &b.resolution),
                    tags: b.tags.clone(),
                    sources: b.sources.clone(),
                    links: Vec::new(),
                };
                for md in [&blocker.symptoms, &blocker.explanation, &blocker.resolution] {
                    self.scan_rule_markdown(md, Owner::Blocker(idx));
                }
                self.cat.blockers.push(blocker);
            }
            for p in &f.doc.prerequisites {
                let span = self.span(o, &p.id);
                if !self.owns(&self.ids.prereqs, span, &p.id.value) {
                    continue;
                }
                let for_ = self.pattern(o, &p.for_);
                let when = match &p.when {
                    Some(w) => self.cond(o, w).map(|(c, s)| (c, Some(s))),
                    None => Some((Cond::True, None)),
                };
                let requires = self.cond(o, &p.requires);
                self.sources_warning(span, "prerequisite", &p.id.value, &p.sources);
                let (Some(for_), Some((when, when_span)), Some((requires, requires_span))) = (for_, when, requires)
                else {
                    self.rules_complete = false;
                    continue;
                };
                let idx = PrereqIdx(self.cat.prerequisites.len() as u32);
                self.cat.prereq_ids.insert(p.id.value.clone(), idx);
                let prereq = Prerequisite {
                    id: p.id.value.clone(),
                    span,
                    title: p.title.clone(),
                    for_,
                    when,
                    when_span,
                    requires,
                    requires_span,
                    summary: p.summary.clone().unwrap_or_default(),
                    explanation: self.markdown(o, &p.explanation),
                    how: self.markdown(o, &p.how),
                    tags: p.tags.clone(),
                    sources: p.sources.clone(),
                    links: Vec::new(),
                };
                for md in [&prereq.explanation, &prereq.how] {
                    self.scan_rule_markdown(md, Owner::Prerequisite(idx));
                }
                self.cat.prerequisites.push(prereq);
            }
            for e in &f.doc.effects {
                let span = self.span(o, &e.id);
                if !self.owns(&self.ids.effects, span, &e.id.value) {
                    continue;
                }
                let on = self.pattern(o, &e.on);
                let when = match &e.when {
                    Some(w) => self.cond(o, w).map(|(c, s)| (c, Some(s))),
                    None => Some((Cond::True, None)),
                };
                let mut does = Vec::new();
                let mut ok = true;
                for a in &e.does {
                    match self.action(o, a, &[], ActionSite::Effect) {
                        Some((a, _)) => does.push(a),
                        None => ok = false,
                    }
                }
                let does_span = e.does.first().map_or(span, |a| self.span(o, a));
                if e.does.is_empty() {
                    self.err(
                        Diagnostic::error(Code::Shape, span, format!("effect `{}` does nothing", e.id.value))
                            .with_hint("list what happens under `does:`, e.g. `set selinux = permissive`"),
                    );
                    ok = false;
                }
                self.sources_warning(span, "effect", &e.id.value, &e.sources);
                let (Some(on), Some((when, when_span)), true) = (on, when, ok) else {
                    self.rules_complete = false;
                    continue;
                };
                let idx = EffectIdx(self.cat.effects.len() as u32);
                self.cat.effect_ids.insert(e.id.value.clone(), idx);
                let effect = Effect {
                    id: e.id.value.clone(),
                    span,
                    title: e.title.clone(),
                    on,
                    when,
                    when_span,
                    does,
                    does_span,
                    summary: e.summary.clone().unwrap_or_default(),
                    explanation: self.markdown(o, &e.explanation),
                    tags: e.tags.clone(),
                    sources: e.sources.clone(),
                    links: Vec::new(),
                };
                self.scan_rule_markdown(&effect.explanation, Owner::Effect(idx));
                self.cat.effects.push(effect);
            }
            for c in &f.doc.constraints {
                match self.cond(o, &c.require) {
                    Some((require, span)) => {
                        self.cat.constraints.push(Constraint { require, span, why: c.why.clone() })
                    }
                    None => self.rules_complete = false,
                }
            }
            if let Some(a) = &f.doc.assistant {
                self.assistant(o, a);
            }
        }
    }

    fn assistant(&mut self, o: Origin, a: &RawAssistant) {
        let span = a.questions.first().map_or(Span::file_start(o.file), |q| self.span(o, &q.id));
        if self.cat.assistant.is_some() {
            self.err(
                Diagnostic::error(Code::Assistant, span, "a second `assistant:`")
                    .with_hint("declare the assistant in one catalog file"),
            );
            return;
        }
        let mut ok = true;
        let base = self.settings(o, &a.base, &mut ok);
        let target = match &a.target {
            Some(t) => match self.cond(o, t) {
                Some((c, _)) => Some(c),
                None => {
                    ok = false;
                    None
                }
            },
            None => None,
        };
        let mut questions: Vec<Question> = Vec::new();
        let mut qspans: Vec<Span> = Vec::new();
        for q in &a.questions {
            let qspan = self.span(o, &q.id);
            qspans.push(qspan);
            if questions.iter().any(|x| x.id == q.id.value) {
                self.err(Diagnostic::error(
                    Code::DuplicateId,
                    qspan,
                    format!("question `{}` is asked twice", q.id.value),
                ));
                ok = false;
            }
            if q.answers.is_empty() {
                self.err(Diagnostic::error(
                    Code::Assistant,
                    qspan,
                    format!("question `{}` has no answers", q.id.value),
                ));
                ok = false;
            }
            let mut answers: Vec<Answer> = Vec::new();
            for ans in &q.answers {
                let aspan = self.span(o, &ans.id);
                if answers.iter().any(|x| x.id == ans.id.value) {
                    self.err(Diagnostic::error(
                        Code::DuplicateId,
                        aspan,
                        format!("answer `{}` appears twice", ans.id.value),
                    ));
                    ok = false;
                }
                let sets = self.settings(o, &ans.sets, &mut ok);
                answers.push(Answer { id: ans.id.value.clone(), label: ans.label.clone(), sets });
            }
            questions.push(Question {
                id: q.id.value.clone(),
                text: q.text.clone(),
                help: q.help.clone().unwrap_or_default(),
                multiple: q.multiple,
                answers,
            });
        }
        let max = match &a.max_combinations {
            Some(m) if m.value > MAX_COMBINATIONS || m.value == 0 => {
                let at = origin_span(self, o, &m.referenced);
                self.err(
                    Diagnostic::error(
                        Code::Assistant,
                        at,
                        format!("`max_combinations` is {}; it must be between 1 and {MAX_COMBINATIONS}", m.value),
                    )
                    .with_note("every combination is assessed at build time and shipped to readers' browsers")
                    .with_hint("ask fewer questions at once, or split a multiple-choice question"),
                );
                ok = false;
                MAX_COMBINATIONS
            }
            Some(m) => m.value,
            None => 4096,
        };
        let choices =
            |q: &Question| if q.multiple { 1u128 << q.answers.len().min(100) } else { q.answers.len().max(1) as u128 };
        let count: u128 = questions.iter().map(choices).fold(1u128, |a, b| a.saturating_mul(b));
        if count > max as u128 {
            let mut parts: Vec<(u128, String)> = questions
                .iter()
                .map(|q| {
                    let n = choices(q);
                    (
                        n,
                        format!(
                            "`{}` ({}{} answers → {n})",
                            q.id,
                            if q.multiple { "any of " } else { "" },
                            q.answers.len()
                        ),
                    )
                })
                .collect();
            // Point at the question that multiplies the space the most; name them all, largest first.
            let widest = (0..questions.len()).max_by_key(|i| choices(&questions[*i])).unwrap_or(0);
            let span = qspans.get(widest).copied().unwrap_or(span);
            parts.sort_by_key(|p| std::cmp::Reverse(p.0));
            let parts: Vec<String> = parts.into_iter().map(|(_, p)| p).collect();
            self.err(
                Diagnostic::error(
                    Code::Assistant,
                    span,
                    format!("the assistant's answers make {count} combinations; the limit is {max}"),
                )
                .with_note(format!("questions: {}", parts.join(", ")))
                .with_hint("split a multiple-choice question, drop answers, or raise `max_combinations`"),
            );
            ok = false;
        }
        if ok {
            self.cat.assistant = Some(Assistant {
                title: a.title.clone().unwrap_or_else(|| "Upgrade assistant".to_string()),
                intro: a.intro.clone().unwrap_or_default(),
                base,
                target,
                questions,
                max_combinations: max,
                span,
            });
        }
    }

    pub(super) fn scan_rule_markdown(&mut self, md: &Markdown, owner: Owner) {
        let Some(span) = md.span else { return };
        let scan = markdown::scan(&md.text);
        let spans: Vec<Span> = scan
            .bad_ids
            .iter()
            .map(|(_, r)| r)
            .chain(scan.large_code.iter().map(|(_, r)| r))
            .map(|r| self.locate_in_file(span, &md.text[r.clone()]))
            .collect();
        self.markdown_findings(&scan, &spans);
        for link in scan.links {
            let at = self.locate_in_file(span, &link.dest);
            match markdown::classify(&link.dest) {
                markdown::Dest::Catalog => self.pending.push(Pending::RuleLink { owner, text: link.dest, span: at }),
                markdown::Dest::Forbidden(scheme) => self.err(forbidden_link(&link.dest, &scheme, at)),
                markdown::Dest::Relative => self.err(
                    Diagnostic::error(
                        Code::BadLink,
                        at,
                        format!("`{}` is a relative link, which has no page to be relative to here", link.dest),
                    )
                    .with_hint("catalog text appears on several pages; link articles as `article:SLUG` and other sites with https://"),
                ),
                markdown::Dest::Web | markdown::Dest::Fragment => {}
            }
        }
    }

    /// What every Markdown text is checked for besides its links: heading ids that are not
    /// safe in an attribute, and code blocks too large to highlight.
    /// `spans` locates the bad ids, then the large blocks, in the file.
    pub(super) fn markdown_findings(&mut self, scan: &markdown::Scan, spans: &[Span]) {
        let mut at = spans.iter().copied();
        for (id, _) in &scan.bad_ids {
            let Some(span) = at.next() else { return };
            let d = Diagnostic::error(
                Code::BadAnchor,
                span,
                if id.contains('=') || !id.starts_with('.') && id.contains(char::is_whitespace) {
                    format!(
                        "heading attribute `{}` is not allowed; headings take only `{{#id}}` and `{{.class}}`",
                        id.escape_debug()
                    )
                } else {
                    format!(
                        "heading id `{}` has characters outside letters, digits, `-`, `_` and `.`",
                        id.escape_debug()
                    )
                },
            )
            .with_hint("ids become attributes and link targets; write something like `{#notes}`");
            self.err(d);
        }
        for (len, _) in &scan.large_code {
            let Some(span) = at.next() else { return };
            let d = Diagnostic::warning(
                Code::Budget,
                span,
                format!("this code block ({} KiB) is shown without highlighting", len.div_ceil(1024)),
            )
            .with_note(format!(
                "blocks over {} KiB or with a line over {} characters are not highlighted",
                markdown::MAX_HIGHLIGHT_BYTES / 1024,
                markdown::MAX_HIGHLIGHT_LINE
            ))
            .with_hint("attach the file instead (it is published next to the article) and show an excerpt");
            self.err(d);
        }
    }
}

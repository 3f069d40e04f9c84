//! Migration paths: hosts and their roles, goals, outcomes, ranking, and steps, with
//! procedures expanded in place (procedures may include procedures). Procedures no path uses
//! are checked on their own, so a broken one is found before someone uses it.

use std::collections::{HashMap, HashSet};

use super::actions::ActionSite;
use super::{Owner, Pending, Resolver, host_list, origin_span, suggest, unknown_host, valid_id};
use crate::catalog::load::{Loaded, Origin};
use crate::catalog::raw::{RawOutcome, RawPath, RawProcedure, RawStep};
use crate::diag::{Code, Diagnostic, Span};
use crate::model::*;

/// Where a step list is being expanded.
struct Expansion<'p> {
    /// Procedures being expanded, outermost first: `(id, title)`, to catch cycles.
    stack: Vec<(&'p str, &'p str)>,
    /// The host and conditions the enclosing `use:` entries give.
    host: Option<HostIdx>,
    when: Cond,
    if_: Cond,
    /// Expanding a procedure no path uses: no hosts to check against.
    unhosted: bool,
}

type Procedures<'p> = HashMap<&'p str, (Origin, &'p RawProcedure)>;

impl Resolver<'_> {
    pub(super) fn path<'p>(
        &mut self,
        o: Origin,
        p: &'p RawPath,
        procedures: &Procedures<'p>,
        used: &mut HashSet<&'p str>,
    ) {
        let span = self.span(o, &p.id);
        if !self.owns(&self.ids.paths, span, &p.id.value) {
            return;
        }
        let errors_before = self.error_count();
        let mut hosts: Vec<Host> = Vec::new();
        for h in &p.hosts {
            let hspan = self.span(o, &h.id);
            if !valid_id(&h.id.value) {
                self.err(Diagnostic::error(
                    Code::Shape,
                    hspan,
                    format!("`{}` is not a valid host id", h.id.value.escape_debug()),
                ));
            } else if hosts.iter().any(|x| x.id == h.id.value) {
                self.err(Diagnostic::error(
                    Code::DuplicateId,
                    hspan,
                    format!("host `{}` is declared twice in this path", h.id.value),
                ));
            }
            let role = h.role.as_ref().map(|r| {
                if !valid_id(&r.value) {
                    let rs = self.span(o, r);
                    self.err(Diagnostic::error(
                        Code::Shape,
                        rs,
                        format!("`{}` is not a valid role", r.value.escape_debug()),
                    ));
                }
                let idx = self.intern_role(&r.value);
                self.roles_declared[idx.idx()] = true;
                idx
            });
            let first_existing = h.existing && !hosts.iter().any(|x| x.existing);
            let applies_to = match (&h.applies_to, h.existing) {
                (Some(a), true) if !first_existing => self.cond(o, a).map_or(Cond::True, |c| c.0),
                (Some(a), _) => {
                    let at = self.span(o, a);
                    let why = if h.existing {
                        "the first existing host starts as the path's `applies_to` says"
                    } else {
                        "a new host starts empty; say what it has with `starts_with`"
                    };
                    self.err(Diagnostic::error(
                        Code::Shape,
                        at,
                        format!("`applies_to` on host `{}`: {why}", h.id.value),
                    ));
                    Cond::True
                }
                (None, _) => Cond::True,
            };
            let mut ok = true;
            let starts_with = if h.existing && !h.starts_with.is_empty() {
                let at = self.span(o, &h.starts_with[0]);
                self.err(
                    Diagnostic::error(
                        Code::Shape,
                        at,
                        "an existing host starts as it is; `starts_with` is for new hosts",
                    )
                    .with_hint("describe existing hosts with `applies_to`"),
                );
                Vec::new()
            } else {
                self.settings(o, &h.starts_with, &mut ok)
            };
            hosts.push(Host {
                id: h.id.value.clone(),
                span: hspan,
                title: h.title.clone(),
                existing: h.existing,
                role,
                applies_to,
                starts_with,
            });
        }
        if p.hosts.is_empty() {
            // One existing host, implied: the common case needs no `hosts:` at all.
            hosts.push(Host {
                id: "host".into(),
                span,
                title: "The host".into(),
                existing: true,
                role: None,
                applies_to: Cond::True,
                starts_with: Vec::new(),
            });
        }
        if !hosts.iter().any(|h| h.existing) {
            self.err(
                Diagnostic::error(Code::Shape, span, format!("path `{}` has no existing host", p.id.value)).with_hint(
                    "mark the host whose state `applies_to` describes with `existing: true`; other hosts start empty",
                ),
            );
        }
        let applies = self.cond(o, &p.applies_to);
        let goal = self.goals(o, p, &hosts);
        let outcome_span = origin_span(self, o, &p.outcome.referenced);
        let outcome = match &p.outcome.value {
            RawOutcome::One(x) => vec![OutcomeCase { when: Cond::True, expect: *x, span: outcome_span }],
            RawOutcome::Cases(cases) => {
                let mut out = Vec::new();
                for c in cases {
                    let cspan = origin_span(self, o, &c.referenced);
                    let when = match &c.value.when {
                        Some(w) => self.cond(o, w).map(|x| x.0),
                        None => Some(Cond::True),
                    };
                    if let Some(when) = when {
                        out.push(OutcomeCase { when, expect: c.value.expect.value, span: cspan });
                    }
                }
                if out.is_empty() {
                    self.err(Diagnostic::error(Code::Shape, outcome_span, "`outcome` lists no cases"));
                }
                out
            }
        };
        let downtime = p.downtime.as_ref().and_then(|d| self.duration(o, d));
        let mut steps = Vec::new();
        let mut step_refs = Vec::new();
        let mut ctx = Expansion { stack: Vec::new(), host: None, when: Cond::True, if_: Cond::True, unhosted: false };
        for s in &p.steps {
            self.step_entry(o, s, &hosts, procedures, &mut ctx, &mut steps, &mut step_refs, used);
        }
        for (i, a) in steps.iter().enumerate() {
            if let Some(first) = steps[..i].iter().find(|b: &&Step| b.id == a.id) {
                let d = Diagnostic::error(Code::DuplicateId, a.span, format!("step `{}` appears twice in path `{}`", a.id, p.id.value))
                    .with_secondary(first.span, "first here")
                    .with_hint("step ids are anchors on the path page and must be unique within the path; a procedure used twice needs different step ids");
                self.err(d);
            }
        }
        if p.steps.is_empty() {
            self.err(Diagnostic::error(Code::Shape, span, format!("path `{}` has no steps", p.id.value)));
        }
        self.sources_warning(span, "path", &p.id.value, &p.sources);
        if self.error_count() > errors_before {
            return;
        }
        let Some((applies_to, applies_span)) = applies else { return };
        let idx = PathIdx(self.cat.paths.len() as u32);
        for (step, (text, sspan)) in step_refs {
            self.pending.push(Pending::StepRule { path: idx, step, text, span: sspan });
        }
        let path = MigrationPath {
            id: p.id.value.clone(),
            span,
            title: p.title.clone(),
            summary: p.summary.clone().unwrap_or_default(),
            description: self.markdown(o, &p.description),
            applies_to,
            applies_span,
            hosts,
            goal,
            outcome,
            outcome_span,
            steps,
            preference: p.preference.unwrap_or(50),
            risk: p.risk.unwrap_or_default(),
            downtime,
            tags: p.tags.clone(),
            sources: p.sources.clone(),
            links: Vec::new(),
        };
        self.scan_rule_markdown(&path.description, Owner::Path(idx));
        for s in &path.steps {
            for md in [&s.instructions, &s.verify, &s.rollback] {
                self.scan_rule_markdown(md, Owner::Path(idx));
            }
        }
        self.cat.path_ids.insert(path.id.clone(), idx);
        self.cat.paths.push(path);
    }

    fn goals(&mut self, o: Origin, p: &RawPath, hosts: &[Host]) -> Vec<GoalReq> {
        let mut goal = Vec::new();
        for g in &p.goal {
            let (hspan, host) = match &g.host {
                Some(named) => {
                    let hspan = self.span(o, named);
                    match hosts.iter().position(|h| h.id == named.value) {
                        Some(i) => (hspan, Some(HostIdx(i as u32))),
                        None => {
                            self.err(unknown_host(&named.value, hspan, hosts));
                            (hspan, None)
                        }
                    }
                }
                None => {
                    let hspan = g.require.as_ref().map_or_else(|| self.span(o, &p.id), |r| self.span(o, r));
                    if hosts.len() == 1 {
                        (hspan, Some(HostIdx(0)))
                    } else {
                        self.err(
                            Diagnostic::error(Code::UnknownHost, hspan, "which host is this goal about?")
                                .with_hint("a path with several hosts names the host of each goal: `host: ID`"),
                        );
                        (hspan, None)
                    }
                }
            };
            let when = match &g.when {
                Some(w) => self.cond(o, w).map(|x| x.0),
                None => Some(Cond::True),
            };
            let require = match &g.require {
                Some(w) => self.cond(o, w).map(|x| x.0),
                None => Some(Cond::True),
            };
            let mut keeps = Vec::new();
            for k in &g.keeps {
                let ks = self.span(o, k);
                if let Some(c) = self.component_ref(&k.value, ks) {
                    keeps.push(c);
                }
            }
            if g.require.is_none() && g.keeps.is_empty() {
                self.err(Diagnostic::error(Code::Shape, hspan, "a goal needs `require`, `keeps`, or both"));
            }
            if let (Some(host), Some(when), Some(require)) = (host, when, require) {
                goal.push(GoalReq { host, when, require, keeps, span: hspan });
            }
        }
        goal
    }

    /// Procedures no path uses are resolved once on their own: their components, rules,
    /// conditions and durations are checked; hosts are not known, so not checked.
    pub(super) fn unused_procedures<'p>(
        &mut self,
        loaded: &'p Loaded,
        procedures: &Procedures<'p>,
        used: &HashSet<&'p str>,
    ) {
        for f in &loaded.files {
            for p in &f.doc.procedures {
                let span = self.span(f.origin, &p.id);
                if used.contains(p.id.value.as_str()) || !self.owns(&self.ids.procedures, span, &p.id.value) {
                    continue;
                }
                let mut ctx = Expansion {
                    stack: vec![(p.id.value.as_str(), p.title.as_str())],
                    host: Some(HostIdx(0)),
                    when: Cond::True,
                    if_: Cond::True,
                    unhosted: true,
                };
                let mut steps = Vec::new();
                let mut refs = Vec::new();
                let mut also_used = HashSet::new();
                for s in &p.steps {
                    self.step_entry(f.origin, s, &[], procedures, &mut ctx, &mut steps, &mut refs, &mut also_used);
                }
                for (_, (text, sspan)) in refs {
                    if crate::markdown::split_ref(&text).is_none() {
                        self.err(Diagnostic::error(
                            Code::UnresolvedReference,
                            sspan,
                            format!("`{text}` is not a rule reference"),
                        ));
                    } else {
                        self.reference(&text, sspan);
                    }
                }
                for s in &steps {
                    for md in [&s.instructions, &s.verify, &s.rollback] {
                        self.scan_rule_markdown(md, Owner::Nowhere);
                    }
                }
            }
        }
    }

    /// One entry of a `steps:` list: a step, or `use: PROCEDURE` expanded in place.
    #[allow(clippy::too_many_arguments)]
    fn step_entry<'p>(
        &mut self,
        o: Origin,
        s: &'p serde_saphyr::Spanned<RawStep>,
        hosts: &[Host],
        procedures: &Procedures<'p>,
        ctx: &mut Expansion<'p>,
        out: &mut Vec<Step>,
        refs: &mut Vec<(usize, (String, Span))>,
        used: &mut HashSet<&'p str>,
    ) {
        let raw = &s.value;
        let entry_span = origin_span(self, o, &s.referenced);
        let inside = !ctx.stack.is_empty();
        let host = match &raw.host {
            Some(h) => {
                let hspan = self.span(o, h);
                if inside && raw.use_.is_none() {
                    self.err(
                        Diagnostic::error(Code::Shape, hspan, "steps inside a procedure do not name a host")
                            .with_hint("the `use:` entry that includes the procedure gives the host"),
                    );
                    None
                } else if ctx.unhosted {
                    ctx.host
                } else {
                    match hosts.iter().position(|x| x.id == h.value) {
                        Some(i) => Some(HostIdx(i as u32)),
                        None => {
                            self.err(unknown_host(&h.value, hspan, hosts));
                            None
                        }
                    }
                }
            }
            // A path with one host needs no `host:` on its steps.
            None => ctx.host.or_else(|| (hosts.len() == 1 && !ctx.unhosted).then_some(HostIdx(0))),
        };
        let when = match &raw.when {
            Some(w) => self.cond(o, w).map(|x| x.0).unwrap_or(Cond::True),
            None => Cond::True,
        };
        let when = Cond::and(ctx.when.clone(), when);
        let (if_, if_span) = match &raw.if_ {
            Some(w) => match self.cond(o, w) {
                Some((c, sp)) => (c, Some(sp)),
                None => (Cond::True, None),
            },
            None => (Cond::True, None),
        };
        let if_ = Cond::and(ctx.if_.clone(), if_);
        if let Some(u) = &raw.use_ {
            let uspan = self.span(o, u);
            let extra = raw.id.is_some() as u8
                + raw.title.is_some() as u8
                + raw.action.is_some() as u8
                + raw.instructions.is_some() as u8
                + raw.verify.is_some() as u8
                + raw.rollback.is_some() as u8
                + raw.duration.is_some() as u8
                + raw.rollback_window.is_some() as u8
                + (!raw.rules.is_empty()) as u8;
            if extra > 0 {
                self.err(
                    Diagnostic::error(Code::Shape, uspan, "a `use:` entry takes only `host`, `when` and `if`")
                        .with_hint("put the other fields on the procedure's steps"),
                );
            }
            let Some(&(po, proc_)) = procedures.get(u.value.as_str()) else {
                let mut d =
                    Diagnostic::error(Code::UnresolvedReference, uspan, format!("unknown procedure `{}`", u.value));
                if let Some(sug) = suggest(&u.value, procedures.keys().copied()) {
                    d = d.with_hint(format!("did you mean `{sug}`?"));
                }
                self.err(d);
                return;
            };
            if let Some(pos) = ctx.stack.iter().position(|(id, _)| *id == proc_.id.value) {
                let chain: Vec<&str> =
                    ctx.stack[pos..].iter().map(|(id, _)| *id).chain([proc_.id.value.as_str()]).collect();
                self.err(
                    Diagnostic::error(
                        Code::PrerequisiteCycle,
                        uspan,
                        format!("procedure `{}` includes itself", proc_.id.value),
                    )
                    .with_note(format!("through {}", chain.join(" → ")))
                    .with_hint("a procedure cannot use itself, directly or through others"),
                );
                self.rules_complete = false;
                return;
            }
            used.insert(proc_.id.value.as_str());
            let saved = (ctx.host, ctx.when.clone(), ctx.if_.clone());
            ctx.stack.push((proc_.id.value.as_str(), proc_.title.as_str()));
            ctx.host = host;
            ctx.when = when;
            ctx.if_ = if_;
            for ps in &proc_.steps {
                self.step_entry(po, ps, hosts, procedures, ctx, out, refs, used);
            }
            ctx.stack.pop();
            (ctx.host, ctx.when, ctx.if_) = saved;
            return;
        }
        let Some(id) = &raw.id else {
            self.err(
                Diagnostic::error(Code::Shape, entry_span, "step has no `id`")
                    .with_hint("give every step a short id such as `remove-powershell`; it becomes the step's anchor"),
            );
            return;
        };
        let id_span = self.span(o, id);
        if !valid_id(&id.value) {
            self.err(Diagnostic::error(
                Code::Shape,
                id_span,
                format!("`{}` is not a valid step id", id.value.escape_debug()),
            ));
        }
        let Some(title) = raw.title.clone() else {
            self.err(Diagnostic::error(Code::Shape, id_span, format!("step `{}` has no `title`", id.value)));
            return;
        };
        let action_span = raw.action.as_ref().map(|a| self.span(o, a));
        let site = if ctx.unhosted { ActionSite::Unhosted } else { ActionSite::Step };
        // Everything on the step is checked even when its action is wrong: one mistake should
        // not hide the next.
        let duration = raw.duration.as_ref().and_then(|d| self.duration(o, d));
        let rollback_window = raw.rollback_window.as_ref().and_then(|d| self.duration(o, d));
        let (action, via) = match &raw.action {
            Some(a) => match self.action(o, a, hosts, site) {
                Some(a) => a,
                None => {
                    for r in &raw.rules {
                        let rspan = self.span(o, r);
                        if crate::markdown::split_ref(&r.value).is_some() {
                            self.reference(&r.value, rspan);
                        }
                    }
                    return;
                }
            },
            None => (Action::Manual, None),
        };
        let needs_host = !matches!(action, Action::Manual | Action::Move { .. });
        if needs_host && host.is_none() && raw.host.is_none() {
            let at = action_span.unwrap_or(id_span);
            self.err(
                Diagnostic::error(
                    Code::UnknownHost,
                    at,
                    format!("step `{}` changes a host but does not say which", id.value),
                )
                .with_hint(format!("add `host:` with one of {}", host_list(hosts))),
            );
            return;
        }
        let index = out.len();
        for r in &raw.rules {
            refs.push((index, (r.value.clone(), self.span(o, r))));
        }
        out.push(Step {
            id: id.value.clone(),
            span: id_span,
            title,
            host,
            action,
            action_span,
            via,
            when,
            if_,
            if_span,
            rollback_window,
            instructions: self.markdown(o, &raw.instructions),
            verify: self.markdown(o, &raw.verify),
            rollback: self.markdown(o, &raw.rollback),
            duration,
            refs: Vec::new(),
            procedure: ctx.stack.first().map(|(id, title)| (id.to_string(), title.to_string())),
        });
    }
}

//! What a host can have: components (versions, lifecycle dates, parts, derived presence),
//! typed facts (numbers with units, enumerations, sets), named value lists, methods, and
//! named conditions.

use super::{NamedState, Owner, Resolver};
use crate::catalog::load::{Loaded, Origin};
use crate::catalog::raw::{RawComponent, RawFactType, S};
use crate::diag::{Code, Diagnostic, Span};
use crate::model::*;

impl Resolver<'_> {
    pub(super) fn components(&mut self, loaded: &Loaded) {
        // First pass: ids and versions, so conditions later can refer to any component.
        let mut raw: Vec<(Origin, CompIdx, &RawComponent)> = Vec::new();
        for f in &loaded.files {
            for c in &f.doc.components {
                let span = self.span(f.origin, &c.id);
                if !self.owns(&self.ids.components, span, &c.id.value) {
                    continue;
                }
                let versions = self.versions(f.origin, c, span);
                self.source_urls(span, &c.sources);
                let idx = CompIdx(self.cat.components.len() as u32);
                self.cat.component_ids.insert(c.id.value.clone(), idx);
                self.cat.components.push(Component {
                    id: c.id.value.clone(),
                    span,
                    title: c.title.clone(),
                    kind: c.kind,
                    versions,
                    part_of: None,
                    survives_reinstall: c.survives_reinstall.unwrap_or(c.kind.survives_reinstall()),
                    derived: None,
                    summary: c.summary.clone().unwrap_or_default(),
                    description: self.markdown(f.origin, &c.description),
                    also_known_as: c.also_known_as.clone(),
                    tags: c.tags.clone(),
                    sources: c.sources.clone(),
                    links: Vec::new(),
                });
                raw.push((f.origin, idx, c));
            }
        }
        for (origin, idx, c) in raw {
            if let Some(p) = &c.part_of {
                let span = self.span(origin, p);
                if let Some(parent) = self.component_ref(&p.value, span) {
                    if parent == idx {
                        self.err(Diagnostic::error(Code::Shape, span, "a component cannot be part of itself"));
                        self.rules_complete = false;
                    } else {
                        self.cat.components[idx.idx()].part_of = Some(parent);
                    }
                } else {
                    self.rules_complete = false;
                }
            }
        }
        self.check_part_of_cycles();
    }

    /// A component's versions, titles and lifecycle dates, checked.
    fn versions(&mut self, o: Origin, c: &RawComponent, span: Span) -> Vec<Version> {
        let mut versions: Vec<Version> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for v in &c.versions {
            let vspan = self.span(o, v);
            if !seen.insert(v.value.as_str()) {
                let first = c.versions.iter().find(|x| x.value == v.value).map(|x| self.span(o, x));
                let mut d =
                    Diagnostic::error(Code::DuplicateId, vspan, format!("version `{}` is listed twice", v.value));
                if let Some(first) = first {
                    d = d.with_secondary(first, "first listed here");
                }
                self.err(d);
                self.rules_complete = false;
                continue;
            }
            if v.value.is_empty()
                || !v.value.chars().all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch))
                || v.value.contains("..")
            {
                self.err(
                    Diagnostic::error(
                        Code::Shape,
                        vspan,
                        format!("`{}` is not a valid version", v.value.escape_debug()),
                    )
                    .with_hint("versions use letters, digits, `-`, `_` and single `.`"),
                );
                self.rules_complete = false;
                continue;
            }
            let title = c.version_titles.get(&v.value).cloned().unwrap_or_else(|| v.value.clone());
            versions.push(Version {
                id: v.value.clone(),
                title,
                released: None,
                support_ends: None,
                extended_ends: None,
            });
        }
        for key in c.version_titles.keys() {
            if !versions.iter().any(|v| &v.id == key) {
                self.err(
                    Diagnostic::error(
                        Code::UnknownVersion,
                        span,
                        format!("`version_titles` names `{key}`, which `{}` does not list", c.id.value),
                    )
                    .with_hint("every key of version_titles must appear in versions"),
                );
                self.rules_complete = false;
            }
        }
        for (key, l) in &c.lifecycle {
            let Some(i) = versions.iter().position(|v| &v.id == key) else {
                self.err(
                    Diagnostic::error(
                        Code::UnknownVersion,
                        span,
                        format!("`lifecycle` names `{key}`, which `{}` does not list", c.id.value),
                    )
                    .with_hint("every key of lifecycle must appear in versions"),
                );
                continue;
            };
            versions[i].released = l.released.as_ref().and_then(|d| self.date(o, d));
            versions[i].support_ends = l.support_ends.as_ref().and_then(|d| self.date(o, d));
            versions[i].extended_ends = l.extended_ends.as_ref().and_then(|d| self.date(o, d));
        }
        self.version_order(o, c, &versions);
        versions
    }

    /// Versions are ordered as declared. Numeric versions declared newest first are almost
    /// always a mistake that would make every `@>=` mean its opposite: say so once, at the list.
    fn version_order(&mut self, o: Origin, c: &RawComponent, versions: &[Version]) {
        let nums: Vec<f64> = versions.iter().filter_map(|v| v.id.parse::<f64>().ok()).collect();
        let by_number = nums.len() == versions.len() && nums.len() > 1 && nums.windows(2).all(|w| w[0] > w[1]);
        // Release dates say the same for names that are not numbers (`rtm`, `sp1`).
        let dates: Vec<Date> = versions.iter().filter_map(|v| v.released).collect();
        let by_date = dates.len() > 1 && dates.windows(2).all(|w| w[0] > w[1]);
        if by_number || by_date {
            let at = c.versions.first().map_or_else(|| self.span(o, &c.id), |v| self.span(o, v));
            self.err(
                Diagnostic::error(Code::Shape, at, format!("the versions of `{}` are listed newest first", c.id.value))
                    .with_note("versions are ordered as declared: `@>=` and `upgrade` read this list left to right")
                    .with_hint("list them oldest first"),
            );
            self.rules_complete = false;
        }
    }

    fn date(&mut self, o: Origin, s: &S) -> Option<Date> {
        match s.value.trim().parse::<Date>() {
            Ok(d) => Some(d),
            Err(_) => {
                let span = self.span(o, s);
                self.err(
                    Diagnostic::error(Code::Shape, span, format!("`{}` is not a date", s.value.escape_debug()))
                        .with_hint("write dates as YYYY-MM-DD, e.g. 2026-11-12"),
                );
                None
            }
        }
    }

    fn check_part_of_cycles(&mut self) {
        for start in 0..self.cat.components.len() {
            let mut seen = vec![start];
            let mut cur = start;
            while let Some(p) = self.cat.components[cur].part_of {
                if seen.contains(&p.idx()) {
                    let c = &self.cat.components[start];
                    let d = Diagnostic::error(
                        Code::PrerequisiteCycle,
                        c.span,
                        format!("`part_of` goes round in a circle from `{}`", c.id),
                    )
                    .with_note(format!(
                        "cycle: {}",
                        seen.iter().map(|i| self.cat.components[*i].id.as_str()).collect::<Vec<_>>().join(" → ")
                    ));
                    self.err(d);
                    self.cat.components[start].part_of = None;
                    self.rules_complete = false;
                    break;
                }
                seen.push(p.idx());
                cur = p.idx();
            }
        }
    }

    /// Derived components: their conditions may name anything, so they come after facts and
    /// named conditions are known.
    pub(super) fn derived_components(&mut self, loaded: &Loaded) {
        for f in &loaded.files {
            for c in &f.doc.components {
                let (Some(d), Some(&idx)) = (&c.derived, self.cat.component_ids.get(&c.id.value)) else { continue };
                if self.cat.components[idx.idx()].span != self.span(f.origin, &c.id) {
                    continue;
                }
                match self.cond(f.origin, d) {
                    Some((cond, _)) => self.cat.components[idx.idx()].derived = Some(cond),
                    None => self.rules_complete = false,
                }
            }
        }
        for c in 0..self.cat.components.len() {
            let md = self.cat.components[c].description.clone();
            self.scan_rule_markdown(&md, Owner::Component(CompIdx(c as u32)));
        }
    }

    pub(super) fn component_ref(&mut self, id: &str, span: Span) -> Option<CompIdx> {
        if let Some(c) = self.cat.component_ids.get(id) {
            return Some(*c);
        }
        if self.ids.components.contains_key(id) {
            return None; // declared but broken: already reported
        }
        let d = if self.ids.facts.contains_key(id) || self.ids.conditions.contains_key(id) {
            let what = if self.ids.facts.contains_key(id) { "a fact" } else { "a named condition" };
            Diagnostic::error(Code::UnknownComponent, span, format!("`{id}` is {what}, not a component"))
                .with_hint("only components can be installed, removed or upgraded; facts change with `set`")
        } else {
            let d = Diagnostic::error(Code::UnknownComponent, span, format!("unknown component `{id}`"));
            match super::suggest(id, self.cat.component_ids.keys().map(String::as_str)) {
                Some(s) => d.with_hint(format!("did you mean `{s}`?")),
                None => d.with_hint("declare it under `components:` in a file in rules/"),
            }
        };
        self.err(d);
        None
    }

    pub(super) fn fact_ref(&mut self, id: &str, span: Span) -> Option<FactIdx> {
        if let Some(f) = self.cat.fact_ids.get(id) {
            return Some(*f);
        }
        if self.ids.facts.contains_key(id) {
            return None;
        }
        let mut d = Diagnostic::error(Code::UnknownComponent, span, format!("unknown fact `{id}`"));
        d = match super::suggest(id, self.cat.fact_ids.keys().map(String::as_str)) {
            Some(s) => d.with_hint(format!("did you mean `{s}`?")),
            None => d.with_hint("declare it under `facts:` in a file in rules/"),
        };
        self.err(d);
        None
    }

    pub(super) fn facts(&mut self, loaded: &Loaded) {
        for f in &loaded.files {
            let o = f.origin;
            for x in &f.doc.facts {
                let span = self.span(o, &x.id);
                if !self.owns(&self.ids.facts, span, &x.id.value) {
                    continue;
                }
                let ty_span = super::origin_span(self, o, &x.ty.referenced);
                let mut ok = true;
                let values: Vec<String> = x.values.iter().map(|v| v.value.clone()).collect();
                let ty = match x.ty.value {
                    RawFactType::Number => {
                        if !x.values.is_empty() {
                            self.err(
                                Diagnostic::error(Code::Shape, ty_span, "a number fact has no `values`")
                                    .with_hint("use `type: enum` for a fixed list of values"),
                            );
                            ok = false;
                        }
                        let (unit, dimension, scale) = match &x.unit {
                            Some(u) => {
                                match crate::expr::unit(&u.value) {
                                    Some((dim, scale)) => (Some(u.value.clone()), Some(dim), scale),
                                    None => {
                                        let us = self.span(o, u);
                                        self.err(
                                        Diagnostic::error(Code::Shape, us, format!("unknown unit `{}`", u.value.escape_debug()))
                                            .with_hint("units: B, KB, MB, GB, TB, KiB, MiB, GiB, TiB, s, min, h, d, MHz, GHz, %"),
                                    );
                                        ok = false;
                                        (None, None, 1.0)
                                    }
                                }
                            }
                            None => (None, None, 1.0),
                        };
                        FactType::Number { unit, dimension, scale }
                    }
                    RawFactType::Enum | RawFactType::Set => {
                        if x.unit.is_some() {
                            self.err(Diagnostic::error(Code::Shape, ty_span, "only number facts have a `unit`"));
                            ok = false;
                        }
                        if values.is_empty() {
                            self.err(Diagnostic::error(
                                Code::Shape,
                                ty_span,
                                format!("fact `{}` lists no `values`", x.id.value),
                            ));
                            ok = false;
                        }
                        let mut seen = std::collections::HashSet::new();
                        for v in &x.values {
                            if !seen.insert(v.value.as_str()) {
                                let vs = self.span(o, v);
                                self.err(Diagnostic::error(
                                    Code::DuplicateId,
                                    vs,
                                    format!("value `{}` is listed twice", v.value),
                                ));
                                ok = false;
                            } else if !super::valid_id(&v.value)
                                && !v.value.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                            {
                                let vs = self.span(o, v);
                                self.err(
                                    Diagnostic::error(
                                        Code::Shape,
                                        vs,
                                        format!("`{}` is not a valid value", v.value.escape_debug()),
                                    )
                                    .with_hint("values use letters, digits, `-`, `_` and `.`"),
                                );
                                ok = false;
                            }
                        }
                        if x.ty.value == RawFactType::Enum {
                            FactType::Enum { values }
                        } else {
                            FactType::Set { values }
                        }
                    }
                };
                let kind = x.kind.unwrap_or(ComponentKind::Hardware);
                let idx = FactIdx(self.cat.facts.len() as u32);
                self.source_urls(span, &x.sources);
                self.cat.fact_ids.insert(x.id.value.clone(), idx);
                self.cat.facts.push(Fact {
                    id: x.id.value.clone(),
                    span,
                    title: x.title.clone(),
                    ty,
                    kind,
                    survives_reinstall: x.survives_reinstall.unwrap_or(kind.survives_reinstall()),
                    default: None,
                    cuts: Vec::new(),
                    compared_with: Vec::new(),
                    summary: x.summary.clone().unwrap_or_default(),
                    description: self.markdown(o, &x.description),
                    tags: x.tags.clone(),
                    sources: x.sources.clone(),
                    links: Vec::new(),
                });
                if !ok {
                    self.rules_complete = false;
                }
                if let Some(d) = &x.default {
                    let dspan = self.span(o, d);
                    match self.fact_value(idx, &d.value, dspan) {
                        Some(v) => self.cat.facts[idx.idx()].default = Some(v),
                        None => self.rules_complete = false,
                    }
                }
                let md = self.cat.facts[idx.idx()].description.clone();
                self.scan_rule_markdown(&md, Owner::Fact(idx));
            }
        }
        for f in &loaded.files {
            let o = f.origin;
            for l in &f.doc.lists {
                let span = self.span(o, &l.id);
                if !self.owns(&self.ids.lists, span, &l.id.value) {
                    continue;
                }
                let of_span = self.span(o, &l.of);
                let Some(of) = self.fact_ref(&l.of.value, of_span) else {
                    self.rules_complete = false;
                    continue;
                };
                if matches!(self.cat.facts[of.idx()].ty, FactType::Number { .. }) {
                    self.err(
                        Diagnostic::error(
                            Code::Shape,
                            of_span,
                            "a list is of an enumeration or set fact, not a number",
                        )
                        .with_hint("compare numbers with `>=`, `<` …"),
                    );
                    self.rules_complete = false;
                    continue;
                }
                let mut members = Vec::new();
                for v in &l.values {
                    let vs = self.span(o, v);
                    if let Some(m) = self.member(of, &v.value, vs) {
                        if !members.contains(&m) {
                            members.push(m);
                        }
                    } else {
                        self.rules_complete = false;
                    }
                }
                if self.cat.facts[of.idx()].ty.values().contains(&l.id.value) {
                    self.err(
                        Diagnostic::error(
                            Code::DuplicateId,
                            span,
                            format!("`{}` is both a list and a value of `{}`", l.id.value, l.of.value),
                        )
                        .with_hint("rename the list"),
                    );
                }
                self.source_urls(span, &l.sources);
                let idx = ListIdx(self.cat.lists.len() as u32);
                self.cat.list_ids.insert(l.id.value.clone(), idx);
                self.cat.lists.push(ValueList {
                    id: l.id.value.clone(),
                    span,
                    title: l.title.clone(),
                    of,
                    members,
                    summary: l.summary.clone().unwrap_or_default(),
                    sources: l.sources.clone(),
                });
            }
            for m in &f.doc.methods {
                let span = self.span(o, &m.id);
                if !self.owns(&self.ids.methods, span, &m.id.value) {
                    continue;
                }
                let idx = MethodIdx(self.cat.methods.len() as u32);
                self.cat.method_ids.insert(m.id.value.clone(), idx);
                self.cat.methods.push(Method {
                    id: m.id.value.clone(),
                    span,
                    title: m.title.clone(),
                    summary: m.summary.clone().unwrap_or_default(),
                });
            }
        }
    }

    /// The index of `value` among a fact's values, or a located error with a suggestion.
    pub(super) fn member(&mut self, f: FactIdx, value: &str, span: Span) -> Option<u32> {
        let fact = &self.cat.facts[f.idx()];
        if let Some(i) = fact.ty.values().iter().position(|v| v == value) {
            return Some(i as u32);
        }
        let values = fact.ty.values();
        let mut d = Diagnostic::error(
            Code::UnknownVersion,
            span,
            format!("`{}` is not a value of `{}`", value.escape_debug(), fact.id),
        );
        d = match super::suggest(value, values.iter().map(String::as_str)) {
            Some(s) => d.with_hint(format!("did you mean `{s}`?")),
            None => d.with_hint(format!(
                "`{}` takes {}{}",
                fact.id,
                values.iter().take(12).map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", "),
                if values.len() > 12 { ", …" } else { "" }
            )),
        };
        self.err(d);
        None
    }

    pub(super) fn named_conditions(&mut self, loaded: &Loaded) {
        for f in &loaded.files {
            let o = f.origin;
            for c in &f.doc.conditions {
                let span = self.span(o, &c.id);
                if !self.owns(&self.ids.conditions, span, &c.id.value) {
                    continue;
                }
                self.source_urls(span, &c.sources);
                let idx = NamedIdx(self.cat.conditions.len() as u32);
                self.cat.condition_ids.insert(c.id.value.clone(), idx);
                let when_span = self.span(o, &c.when);
                self.cat.conditions.push(NamedCondition {
                    id: c.id.value.clone(),
                    span,
                    title: c.title.clone(),
                    when: Cond::True,
                    when_span,
                    summary: c.summary.clone().unwrap_or_default(),
                    description: self.markdown(o, &c.description),
                    tags: c.tags.clone(),
                    sources: c.sources.clone(),
                    links: Vec::new(),
                });
                self.named_raw.push((o, c.when.clone()));
                self.named_state.push(NamedState::Unresolved);
            }
        }
        for i in 0..self.cat.conditions.len() {
            self.resolve_named(NamedIdx(i as u32), None);
            let md = self.cat.conditions[i].description.clone();
            self.scan_rule_markdown(&md, Owner::Condition(NamedIdx(i as u32)));
        }
    }

    /// Resolves a named condition (once); `from` is the span that asked, for a cycle report.
    /// False when it failed or is part of a cycle.
    pub(super) fn resolve_named(&mut self, n: NamedIdx, from: Option<Span>) -> bool {
        match self.named_state.get(n.idx()).copied() {
            Some(NamedState::Done) => return true,
            Some(NamedState::Failed) | None => return false,
            Some(NamedState::InProgress) => {
                let nc = &self.cat.conditions[n.idx()];
                let d = Diagnostic::error(
                    Code::PrerequisiteCycle,
                    from.unwrap_or(nc.when_span),
                    format!("named condition `{}` refers to itself", nc.id),
                )
                .with_secondary(nc.span, "defined here")
                .with_hint("a named condition cannot use itself, directly or through others");
                self.err(d);
                self.named_state[n.idx()] = NamedState::Failed;
                self.rules_complete = false;
                return false;
            }
            Some(NamedState::Unresolved) => {}
        }
        self.named_state[n.idx()] = NamedState::InProgress;
        let (o, s) = self.named_raw[n.idx()].clone();
        let resolved = self.cond(o, &s);
        match (resolved, self.named_state[n.idx()]) {
            (Some((c, _)), NamedState::InProgress) => {
                self.cat.conditions[n.idx()].when = c;
                self.named_state[n.idx()] = NamedState::Done;
                true
            }
            _ => {
                self.named_state[n.idx()] = NamedState::Failed;
                self.rules_complete = false;
                false
            }
        }
    }
}

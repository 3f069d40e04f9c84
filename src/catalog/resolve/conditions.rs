//! The condition language against the catalog: what each atom's subject is (a component, a
//! fact, a named condition, the host's role), and whether what is said about it makes sense
//! for its kind. Every mistake is located inside the condition string.

use super::{Resolver, RoleUse, suggest};
use crate::catalog::load::Origin;
use crate::catalog::raw::S;
use crate::diag::{Code, Diagnostic, Span};
use crate::expr::{self, Atom, AtomKind, CmpOp, CondAst, ListAst, Quant, ValueAst, VersionSpec};
use crate::model::*;

impl Resolver<'_> {
    pub(super) fn cond(&mut self, origin: Origin, s: &S) -> Option<(Cond, Span)> {
        let span = self.span(origin, s);
        self.cond_text(&s.value, span).map(|c| (c, span))
    }

    /// A condition written as `value`, located at `span`.
    pub(super) fn cond_text(&mut self, value: &str, span: Span) -> Option<Cond> {
        match expr::parse_condition(value) {
            Err(e) => {
                let at = self.sub(span, value, e.range.clone());
                let mut d = Diagnostic::error(Code::BadCondition, at, format!("invalid condition: {}", e.message));
                if let Some(h) = e.hint {
                    d = d.with_hint(h);
                }
                self.err(d);
                None
            }
            Ok(ast) => self.cond_ast(&ast, span, value),
        }
    }

    fn cond_ast(&mut self, ast: &CondAst, span: Span, value: &str) -> Option<Cond> {
        Some(match ast {
            CondAst::Atom(a) => self.atom(a, span, value)?,
            CondAst::Not(c) => Cond::Not(Box::new(self.cond_ast(c, span, value)?)),
            CondAst::And(cs) | CondAst::Or(cs) => {
                // Resolve every operand so each unknown id is reported, not just the first.
                let parts: Vec<_> = cs.iter().map(|c| self.cond_ast(c, span, value)).collect();
                let parts: Option<Vec<_>> = parts.into_iter().collect();
                if matches!(ast, CondAst::And(_)) { Cond::And(parts?) } else { Cond::Or(parts?) }
            }
        })
    }

    fn atom(&mut self, a: &Atom, span: Span, value: &str) -> Option<Cond> {
        let id_span = self.sub(span, value, a.id.range.clone());
        let at = self.sub(span, value, a.range.clone());
        let name = a.id.text.as_str();
        if name == "role" {
            return self.role_atom(a, span, value);
        }
        if let Some(&c) = self.cat.component_ids.get(name) {
            return self.component_atom(c, a, span, value);
        }
        if let Some(&f) = self.cat.fact_ids.get(name) {
            return self.fact_atom(f, a, span, value);
        }
        if let Some(&n) = self.cat.condition_ids.get(name) {
            if !matches!(a.kind, AtomKind::Bare) {
                self.err(
                    Diagnostic::error(
                        Code::BadCondition,
                        at,
                        format!("`{name}` is a named condition: it holds or not"),
                    )
                    .with_hint(format!("write just `{name}`, or `not {name}`")),
                );
                return None;
            }
            return self.resolve_named(n, Some(id_span)).then_some(Cond::Named(n));
        }
        if self.ids.components.contains_key(name)
            || self.ids.facts.contains_key(name)
            || self.ids.conditions.contains_key(name)
        {
            return None; // declared but broken: reported where it is declared
        }
        let candidates = self
            .cat
            .component_ids
            .keys()
            .chain(self.cat.fact_ids.keys())
            .chain(self.cat.condition_ids.keys())
            .map(String::as_str);
        // Say "fact" only to catalogs that have them.
        let what = match (self.ids.facts.is_empty(), self.ids.conditions.is_empty()) {
            (true, true) => "component",
            (false, true) => "component or fact",
            (true, false) => "component or condition",
            (false, false) => "component, fact or condition",
        };
        let mut d = Diagnostic::error(Code::UnknownComponent, id_span, format!("unknown {what} `{name}`"));
        d = match suggest(name, candidates) {
            Some(s) => d.with_hint(format!("did you mean `{s}`?")),
            None if self.ids.facts.is_empty() => d.with_hint("declare it under `components:` in a file in rules/"),
            None => d.with_hint("declare it under `components:` or `facts:` in a file in rules/"),
        };
        self.err(d);
        None
    }

    fn component_atom(&mut self, c: CompIdx, a: &Atom, span: Span, value: &str) -> Option<Cond> {
        let at = self.sub(span, value, a.range.clone());
        let comp_id = self.cat.components[c.idx()].id.clone();
        match &a.kind {
            AtomKind::Bare => Some(Cond::Present(c)),
            AtomKind::Version(spec) => {
                let (lo, hi) = self.version_range(c, spec, span, value)?;
                if lo > hi {
                    self.err(
                        Diagnostic::warning(
                            Code::NeverApplies,
                            at,
                            "this version range contains no version, so the atom never holds",
                        )
                        .with_hint(format!("`{comp_id}` has versions {}", self.version_list(c))),
                    );
                    return Some(Cond::False);
                }
                Some(Cond::Versions(c, lo, hi))
            }
            AtomKind::Is(w) => {
                let ws = self.sub(span, value, w.range.clone());
                let phases = match w.text.as_str() {
                    "broken" => return Some(Cond::Broken(c)),
                    "supported" => vec![Phase::Mainstream, Phase::Extended],
                    "mainstream" => vec![Phase::Mainstream],
                    "extended" => vec![Phase::Extended],
                    "end-of-life" | "eol" => vec![Phase::EndOfLife],
                    "unreleased" => vec![Phase::Unreleased],
                    other => {
                        self.err(
                            Diagnostic::error(Code::BadCondition, ws, format!("`is {other}` means nothing here"))
                                .with_hint("write `is broken`, `is supported`, `is mainstream`, `is extended`, `is end-of-life` or `is unreleased`"),
                        );
                        return None;
                    }
                };
                let dated = self.cat.components[c.idx()]
                    .versions
                    .iter()
                    .any(|v| v.released.is_some() || v.support_ends.is_some() || v.extended_ends.is_some());
                if !dated {
                    self.err(
                        Diagnostic::warning(
                            Code::NeverApplies,
                            at,
                            format!(
                                "`{comp_id}` has no lifecycle dates, so every version counts as in mainstream support"
                            ),
                        )
                        .with_hint(format!(
                            "add `lifecycle:` to `{comp_id}` with `released`, `support_ends` and `extended_ends` dates"
                        )),
                    );
                }
                let day = self.cat.as_of.unwrap_or(Date::constant(2000, 1, 1));
                let vers: Vec<Ver> = self.cat.components[c.idx()]
                    .versions
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| phases.contains(&v.phase(day)))
                    .map(|(i, _)| i as Ver)
                    .collect();
                Some(Cond::Phase(c, phases, vers))
            }
            AtomKind::Cmp(..) | AtomKind::In(_) | AtomKind::Has(..) => {
                self.err(
                    Diagnostic::error(
                        Code::BadCondition,
                        at,
                        format!("`{comp_id}` is a component: it is present or not, at a version"),
                    )
                    .with_hint(format!("write `{comp_id}`, `{comp_id}@version` or `{comp_id}@>=version`")),
                );
                None
            }
        }
    }

    fn fact_atom(&mut self, f: FactIdx, a: &Atom, span: Span, value: &str) -> Option<Cond> {
        let at = self.sub(span, value, a.range.clone());
        let fact_id = self.cat.facts[f.idx()].id.clone();
        let ty = self.cat.facts[f.idx()].ty.clone();
        let example = match &ty {
            FactType::Number { unit, .. } => format!("`{fact_id} >= 4{}`", unit.as_deref().unwrap_or("")),
            FactType::Enum { values } => format!("`{fact_id} = {}`", values.first().map_or("x", String::as_str)),
            FactType::Set { values } => format!("`{fact_id} has {}`", values.first().map_or("x", String::as_str)),
        };
        let wrong = |r: &mut Self, what: &str| {
            r.err(
                Diagnostic::error(
                    Code::BadCondition,
                    at,
                    format!(
                        "`{fact_id}` is {} fact: {what}",
                        match ty {
                            FactType::Number { .. } => "a number",
                            FactType::Enum { .. } => "an enumerated",
                            FactType::Set { .. } => "a set",
                        }
                    ),
                )
                .with_hint(format!("for example {example}")),
            );
            None
        };
        match (&a.kind, &ty) {
            (AtomKind::Bare, _) => wrong(self, "say what about it"),
            (AtomKind::Version(_) | AtomKind::Is(_), _) => wrong(self, "it has no versions"),
            (AtomKind::Cmp(op, v), FactType::Number { .. }) => {
                if !expr::is_numeric(&v.word.text) {
                    // Another number fact: `free >= data`.
                    let other_span = self.sub(span, value, v.word.range.clone());
                    let other = self.fact_ref(&v.word.text, other_span)?;
                    let (d1, d2) = (dimension(&self.cat.facts[f.idx()].ty), dimension(&self.cat.facts[other.idx()].ty));
                    if !matches!(self.cat.facts[other.idx()].ty, FactType::Number { .. }) || d1 != d2 {
                        self.err(
                            Diagnostic::error(
                                Code::BadCondition,
                                at,
                                format!("`{fact_id}` and `{}` cannot be compared", v.word.text),
                            )
                            .with_hint("compare numbers of the same kind of unit (sizes with sizes, times with times)"),
                        );
                        return None;
                    }
                    if other == f {
                        self.err(Diagnostic::warning(Code::NeverApplies, at, "a fact compared with itself"));
                    }
                    return Some(Cond::NumFacts(f, *op, other));
                }
                let n = self.number(f, v, span, value)?;
                Some(Cond::Num(f, *op, Num(n)))
            }
            (AtomKind::Cmp(op, v), FactType::Enum { .. }) => {
                let vs = self.sub(span, value, v.range());
                if !matches!(op, CmpOp::Eq | CmpOp::Ne) {
                    self.err(
                        Diagnostic::error(Code::BadCondition, at, format!("the values of `{fact_id}` have no order"))
                            .with_hint("compare with `=` or `!=`, or use `in (a, b)`"),
                    );
                    return None;
                }
                let m = self.member(f, &v.word.text, vs)?;
                let c = Cond::OneOf(f, vec![m]);
                Some(if *op == CmpOp::Ne { Cond::Not(Box::new(c)) } else { c })
            }
            (AtomKind::In(list), FactType::Enum { .. }) => {
                let ms = self.list_members(f, list, span, value)?;
                Some(Cond::OneOf(f, ms))
            }
            (AtomKind::Has(quant, list), FactType::Set { .. }) => {
                let ms = match (quant, list) {
                    // `has x`: a member, or every member of a named list.
                    (Quant::One, ListAst::Named(w)) if !self.cat.list_ids.contains_key(&w.text) => {
                        let ws = self.sub(span, value, w.range.clone());
                        vec![self.member(f, &w.text, ws)?]
                    }
                    _ => self.list_members(f, list, span, value)?,
                };
                let parts: Vec<Cond> = ms.into_iter().map(|m| Cond::Has(f, m)).collect();
                Some(match quant {
                    Quant::Any if parts.len() != 1 => Cond::Or(parts),
                    _ if parts.len() == 1 => parts.into_iter().next().unwrap_or(Cond::True),
                    _ => Cond::And(parts),
                })
            }
            (AtomKind::Cmp(..), FactType::Set { .. }) | (AtomKind::In(_), FactType::Set { .. }) => {
                wrong(self, "ask what it has")
            }
            (AtomKind::Has(..), _) => wrong(self, "it is not a set"),
            (AtomKind::In(_), FactType::Number { .. }) => wrong(self, "compare it with `>=`, `<`, …"),
        }
    }

    /// A number written in a condition or setting, converted to the fact's base unit.
    pub(super) fn number(&mut self, f: FactIdx, v: &ValueAst, span: Span, value: &str) -> Option<f64> {
        let at = self.sub(span, value, v.range());
        let FactType::Number { unit, dimension, scale } = self.cat.facts[f.idx()].ty.clone() else { return None };
        let fact_id = self.cat.facts[f.idx()].id.clone();
        let Some((n, suffix)) = expr::split_number(&v.word.text) else {
            self.err(Diagnostic::error(
                Code::BadCondition,
                at,
                format!("`{}` is not a number", v.word.text.escape_debug()),
            ));
            return None;
        };
        let written = v.unit.as_ref().map(|u| u.text.as_str()).unwrap_or(suffix);
        if written.is_empty() {
            return Some(n * scale);
        }
        match expr::unit(written) {
            Some((dim, factor)) if Some(dim) == dimension => Some(n * factor),
            Some((dim, _)) => {
                self.err(
                    Diagnostic::error(
                        Code::BadCondition,
                        at,
                        format!("`{fact_id}` is measured in {}, not in {dim}", dimension.unwrap_or("plain numbers")),
                    )
                    .with_hint(match &unit {
                        Some(u) => format!("write the number in `{u}` or a unit of the same kind"),
                        None => "write a plain number".to_string(),
                    }),
                );
                None
            }
            None => {
                self.err(
                    Diagnostic::error(Code::BadCondition, at, format!("unknown unit `{}`", written.escape_debug()))
                        .with_hint("units: B, KB, MB, GB, TB, KiB, MiB, GiB, TiB, s, min, h, d, MHz, GHz, %"),
                );
                None
            }
        }
    }

    /// The members a list names, as indices into the fact's values.
    fn list_members(&mut self, f: FactIdx, list: &ListAst, span: Span, value: &str) -> Option<Vec<u32>> {
        match list {
            ListAst::Named(w) => {
                let ws = self.sub(span, value, w.range.clone());
                let Some(&l) = self.cat.list_ids.get(&w.text) else {
                    if self.ids.lists.contains_key(&w.text) {
                        return None;
                    }
                    let mut d = Diagnostic::error(Code::UnresolvedReference, ws, format!("unknown list `{}`", w.text));
                    if let Some(s) = suggest(&w.text, self.cat.list_ids.keys().map(String::as_str)) {
                        d = d.with_hint(format!("did you mean `{s}`?"));
                    } else {
                        d = d.with_hint("declare it under `lists:`, or write the values out: `(a, b)`");
                    }
                    self.err(d);
                    return None;
                };
                let list = &self.cat.lists[l.idx()];
                if list.of != f {
                    let (lid, of) = (list.id.clone(), self.cat.facts[list.of.idx()].id.clone());
                    self.err(Diagnostic::error(Code::BadCondition, ws, format!("list `{lid}` lists values of `{of}`")));
                    return None;
                }
                Some(list.members.clone())
            }
            ListAst::Items(items, _) => {
                let mut out = Vec::new();
                let mut ok = true;
                for v in items {
                    let vs = self.sub(span, value, v.range());
                    match self.member(f, &v.word.text, vs) {
                        Some(m) if !out.contains(&m) => out.push(m),
                        Some(_) => {}
                        None => ok = false,
                    }
                }
                ok.then_some(out)
            }
        }
    }

    fn role_atom(&mut self, a: &Atom, span: Span, value: &str) -> Option<Cond> {
        let at = self.sub(span, value, a.range.clone());
        let words: Vec<(String, Span)> = match &a.kind {
            AtomKind::Cmp(CmpOp::Eq | CmpOp::Ne, v) => {
                vec![(v.word.text.clone(), self.sub(span, value, v.word.range.clone()))]
            }
            AtomKind::In(ListAst::Items(items, _)) => {
                items.iter().map(|v| (v.word.text.clone(), self.sub(span, value, v.word.range.clone()))).collect()
            }
            _ => {
                self.err(
                    Diagnostic::error(Code::BadCondition, at, "`role` is the host's role in its path")
                        .with_hint("write `role = replica` or `role in (primary, replica)`"),
                );
                return None;
            }
        };
        let mut roles = Vec::new();
        for (w, ws) in words {
            let r = self.intern_role(&w);
            self.role_uses.push(RoleUse { role: r, span: ws });
            roles.push(r);
        }
        let c = Cond::Role(roles);
        Some(if matches!(a.kind, AtomKind::Cmp(CmpOp::Ne, _)) { Cond::Not(Box::new(c)) } else { c })
    }

    pub(super) fn intern_role(&mut self, name: &str) -> RoleIdx {
        match self.cat.roles.iter().position(|r| r == name) {
            Some(i) => RoleIdx(i as u32),
            None => {
                self.cat.roles.push(name.to_string());
                self.roles_declared.push(false);
                RoleIdx(self.cat.roles.len() as u32 - 1)
            }
        }
    }

    /// Roles asked about in conditions must be roles some path gives a host.
    pub(super) fn check_roles(&mut self) {
        let uses = std::mem::take(&mut self.role_uses);
        for u in uses {
            if self.roles_declared.get(u.role.idx()).copied().unwrap_or(false) {
                continue;
            }
            let name = self.cat.roles[u.role.idx()].clone();
            let declared: Vec<&str> = self
                .cat
                .roles
                .iter()
                .enumerate()
                .filter(|(i, _)| self.roles_declared.get(*i).copied().unwrap_or(false))
                .map(|(_, r)| r.as_str())
                .collect();
            let mut d =
                Diagnostic::error(Code::UnresolvedReference, u.span, format!("no path gives a host the role `{name}`"));
            d = match suggest(&name, declared.iter().copied()) {
                Some(s) => d.with_hint(format!("did you mean `{s}`?")),
                None => d.with_hint("give a path's host `role: …`"),
            };
            self.err(d);
        }
    }

    pub(super) fn version_list(&self, c: CompIdx) -> String {
        let comp = &self.cat.components[c.idx()];
        if comp.versions.is_empty() {
            return "none".to_string();
        }
        comp.versions.iter().map(|v| format!("`{}`", v.id)).collect::<Vec<_>>().join(" < ")
    }

    pub(super) fn version(&mut self, c: CompIdx, w: &expr::Word, span: Span, value: &str) -> Option<Ver> {
        let comp = &self.cat.components[c.idx()];
        if let Some(i) = comp.versions.iter().position(|v| v.id == w.text) {
            return Some(i as Ver);
        }
        let at = self.sub(span, value, w.range.clone());
        let d = if comp.versions.is_empty() {
            Diagnostic::error(
                Code::UnknownVersion,
                at,
                format!("`{}` has no versions, so it cannot be `@{}`", comp.id, w.text),
            )
            .with_hint(format!("write just `{}`", comp.id))
        } else {
            let d = Diagnostic::error(Code::UnknownVersion, at, format!("`{}` has no version `{}`", comp.id, w.text));
            let hint = match suggest(&w.text, comp.versions.iter().map(|v| v.id.as_str())) {
                Some(s) => format!("did you mean `{s}`? declared versions: {}", self.version_list(c)),
                None => format!("declared versions: {}", self.version_list(c)),
            };
            d.with_hint(hint)
        };
        self.err(d);
        None
    }

    /// An inclusive range of version indices; `lo > hi` means empty.
    pub(super) fn version_range(
        &mut self,
        c: CompIdx,
        spec: &VersionSpec,
        span: Span,
        value: &str,
    ) -> Option<(Ver, Ver)> {
        let max = self.cat.components[c.idx()].max_ver();
        Some(match spec {
            VersionSpec::Eq(v) => {
                let v = self.version(c, v, span, value)?;
                (v, v)
            }
            VersionSpec::Ge(v) => (self.version(c, v, span, value)?, max),
            VersionSpec::Gt(v) => (self.version(c, v, span, value)? + 1, max),
            VersionSpec::Le(v) => (0, self.version(c, v, span, value)?),
            VersionSpec::Lt(v) => {
                let v = self.version(c, v, span, value)?;
                if v == 0 { (1, 0) } else { (0, v - 1) }
            }
            VersionSpec::Between(lo, hi) => {
                let (l, h) = (self.version(c, lo, span, value), self.version(c, hi, span, value));
                let (l, h) = (l?, h?);
                if l > h {
                    let at = self.sub(span, value, lo.range.start..hi.range.end);
                    self.err(
                        Diagnostic::error(Code::UnknownVersion, at, format!("`{}..{}` is backwards", lo.text, hi.text))
                            .with_hint(format!("versions are ordered as declared: {}", self.version_list(c))),
                    );
                    return None;
                }
                (l, h)
            }
        })
    }

    /// A value of a fact as written in a setting or default: `8 GB`, `x86_64`, `(a, b)`.
    pub(super) fn fact_value(&mut self, f: FactIdx, text: &str, span: Span) -> Option<Value> {
        // The `set` action's syntax, so settings, defaults and actions read values one way.
        let src = format!("set {} = {text}", self.cat.facts[f.idx()].id);
        let offset = src.len() - text.len();
        let ast = match expr::parse_action(&src, false) {
            Ok(a) => a,
            Err(e) => {
                let r = e.range.start.saturating_sub(offset)..e.range.end.saturating_sub(offset);
                let at = self.sub(span, text, r);
                self.err(Diagnostic::error(Code::BadCondition, at, format!("invalid value: {}", e.message)));
                return None;
            }
        };
        let Some(expr::SetAst::Assign(list)) = ast.set else { return None };
        self.assigned_value(f, &list, span, text, offset)
    }

    /// The value of `set F = …`; ranges in `list` are `offset` past the start of `value`.
    pub(super) fn assigned_value(
        &mut self,
        f: FactIdx,
        list: &ListAst,
        span: Span,
        value: &str,
        offset: usize,
    ) -> Option<Value> {
        let shift = |r: std::ops::Range<usize>| r.start.saturating_sub(offset)..r.end.saturating_sub(offset);
        let fact_id = self.cat.facts[f.idx()].id.clone();
        match (&self.cat.facts[f.idx()].ty.clone(), list) {
            (FactType::Number { .. }, ListAst::Items(items, _)) if items.len() == 1 => {
                let v = ValueAst {
                    word: expr::Word { text: items[0].word.text.clone(), range: shift(items[0].word.range.clone()) },
                    unit: items[0]
                        .unit
                        .as_ref()
                        .map(|u| expr::Word { text: u.text.clone(), range: shift(u.range.clone()) }),
                };
                self.number(f, &v, span, value).map(|n| Value::Num(Num(n)))
            }
            (FactType::Enum { .. }, ListAst::Items(items, _)) if items.len() == 1 => {
                let at = self.sub(span, value, shift(items[0].range()));
                self.member(f, &items[0].word.text, at).map(Value::Enum)
            }
            (FactType::Set { .. }, ListAst::Items(items, _)) => {
                let mut ms = Vec::new();
                for v in items {
                    let at = self.sub(span, value, shift(v.range()));
                    let m = self.member(f, &v.word.text, at)?;
                    if !ms.contains(&m) {
                        ms.push(m);
                    }
                }
                ms.sort();
                Some(Value::Set(ms))
            }
            (FactType::Set { .. }, ListAst::Named(w)) => {
                let at = self.sub(span, value, shift(w.range.clone()));
                match self.cat.list_ids.get(&w.text) {
                    Some(l) if self.cat.lists[l.idx()].of == f => {
                        let mut ms = self.cat.lists[l.idx()].members.clone();
                        ms.sort();
                        Some(Value::Set(ms))
                    }
                    _ => self.member(f, &w.text, at).map(|m| Value::Set(vec![m])),
                }
            }
            _ => {
                self.err(
                    Diagnostic::error(Code::BadCondition, span, format!("`{fact_id}` takes one value"))
                        .with_hint("only set facts take a list: `(a, b)`"),
                );
                None
            }
        }
    }
}

fn dimension(ty: &FactType) -> Option<&'static str> {
    match ty {
        FactType::Number { dimension, .. } => *dimension,
        _ => None,
    }
}

//! Actions (what a step or an effect does), action patterns (what a rule is about), settings
//! (what a host has) and durations, checked against the catalog.

use super::{Resolver, suggest, unknown_host};
use crate::catalog::load::Origin;
use crate::catalog::raw::S;
use crate::diag::{Code, Diagnostic, Span};
use crate::expr::{self, ActionAst, AtomKind, SetAst, Verb, VersionSpec};
use crate::model::*;

/// Where an action is written, which decides what it may do.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum ActionSite {
    /// A step of a path, with its hosts.
    Step,
    /// A step of a procedure no path uses: hosts are not known.
    Unhosted,
    /// What an effect does: no `move`, no method, may `break`.
    Effect,
}

impl Resolver<'_> {
    pub(super) fn pattern(&mut self, origin: Origin, s: &S) -> Option<Pattern> {
        let span = self.span(origin, s);
        let value = s.value.as_str();
        let ast = match expr::parse_action(value, true) {
            Ok(a) => a,
            Err(e) => {
                let at = self.sub(span, value, e.range.clone());
                let mut d = Diagnostic::error(Code::BadAction, at, format!("invalid action pattern: {}", e.message));
                if let Some(h) = e.hint {
                    d = d.with_hint(h);
                }
                self.err(d);
                return None;
            }
        };
        let mut targets = Vec::new();
        let mut facts = Vec::new();
        let mut ok = true;
        let only_set = ast.verbs == [Verb::Set];
        for t in &ast.targets {
            let id_span = self.sub(span, value, t.id.range.clone());
            if let Some(&f) = self.cat.fact_ids.get(&t.id.text) {
                if !ast.verbs.contains(&Verb::Set) && !ast.verbs.contains(&Verb::Any) {
                    self.err(
                        Diagnostic::error(
                            Code::BadAction,
                            id_span,
                            format!("`{}` is a fact; only `set` changes it", t.id.text),
                        )
                        .with_hint(format!("write `set {}`", t.id.text)),
                    );
                    ok = false;
                    continue;
                }
                if t.spec().is_some() {
                    self.err(Diagnostic::error(Code::BadAction, id_span, "facts have no versions"));
                    ok = false;
                    continue;
                }
                facts.push(f);
                continue;
            }
            if only_set {
                if self.fact_ref(&t.id.text, id_span).is_none() {
                    ok = false;
                }
                continue;
            }
            let Some(c) = self.component_ref(&t.id.text, id_span) else {
                ok = false;
                continue;
            };
            let range = match t.spec() {
                Some(spec) => match self.version_range(c, spec, span, value) {
                    Some(r) => Some(r),
                    None => {
                        ok = false;
                        continue;
                    }
                },
                None => None,
            };
            targets.push((c, range));
        }
        let via = self.methods(&ast, span, value, &mut ok);
        ok.then(|| Pattern { verbs: ast.verbs.clone(), targets, facts, via, span, text: s.value.clone() })
    }

    fn methods(&mut self, ast: &ActionAst, span: Span, value: &str, ok: &mut bool) -> Vec<MethodIdx> {
        let mut out = Vec::new();
        for w in &ast.via {
            let at = self.sub(span, value, w.range.clone());
            match self.cat.method_ids.get(&w.text) {
                Some(m) => out.push(*m),
                None if self.ids.methods.contains_key(&w.text) => *ok = false,
                None => {
                    let mut d =
                        Diagnostic::error(Code::UnresolvedReference, at, format!("unknown method `{}`", w.text));
                    d = match suggest(&w.text, self.cat.method_ids.keys().map(String::as_str)) {
                        Some(s) => d.with_hint(format!("did you mean `{s}`?")),
                        None => d.with_hint("declare it under `methods:` in a file in rules/"),
                    };
                    self.err(d);
                    *ok = false;
                }
            }
        }
        out
    }

    /// An action and its method.
    pub(super) fn action(
        &mut self,
        origin: Origin,
        s: &S,
        hosts: &[Host],
        site: ActionSite,
    ) -> Option<(Action, Option<MethodIdx>)> {
        let span = self.span(origin, s);
        let value = s.value.as_str();
        let ast = match expr::parse_action(value, false) {
            Ok(a) => a,
            Err(e) => {
                let at = self.sub(span, value, e.range.clone());
                let mut d = Diagnostic::error(Code::BadAction, at, format!("invalid action: {}", e.message));
                if let Some(h) = e.hint {
                    d = d.with_hint(h);
                }
                self.err(d);
                return None;
            }
        };
        let verb = ast.verb();
        let verb_at = self.sub(span, value, ast.verb_range.clone());
        match (verb, site) {
            (Verb::Break, ActionSite::Step | ActionSite::Unhosted) => {
                self.err(
                    Diagnostic::error(Code::BadAction, verb_at, "steps do not `break` things")
                        .with_hint("breakage comes from a `breaks` blocker or an effect's `break`"),
                );
                return None;
            }
            (Verb::Move | Verb::Manual, ActionSite::Effect) => {
                self.err(Diagnostic::error(Code::BadAction, verb_at, format!("an effect cannot `{}`", verb.as_str())));
                return None;
            }
            _ => {}
        }
        if site == ActionSite::Effect && !ast.via.is_empty() {
            self.err(Diagnostic::error(Code::BadAction, span, "an effect's actions take no method"));
            return None;
        }
        let mut ok = true;
        let via = self.methods(&ast, span, value, &mut ok).into_iter().next();
        if verb == Verb::Set {
            let t = &ast.targets[0];
            let id_span = self.sub(span, value, t.id.range.clone());
            let f = self.fact_ref(&t.id.text, id_span)?;
            let is_set = matches!(self.cat.facts[f.idx()].ty, FactType::Set { .. });
            let op = match ast.set.as_ref()? {
                SetAst::Assign(list) => SetOp::Assign(self.assigned_value(f, list, span, value, 0)?),
                SetAst::Add(m) | SetAst::Drop(m) if !is_set => {
                    let at = self.sub(span, value, m.range());
                    self.err(Diagnostic::error(
                        Code::BadAction,
                        at,
                        format!("`{}` is not a set; write `set {} = …`", t.id.text, t.id.text),
                    ));
                    return None;
                }
                SetAst::Add(m) => {
                    let at = self.sub(span, value, m.range());
                    SetOp::Add(self.member(f, &m.word.text, at)?)
                }
                SetAst::Drop(m) => {
                    let at = self.sub(span, value, m.range());
                    SetOp::Drop(self.member(f, &m.word.text, at)?)
                }
            };
            return ok.then_some((Action::Set(f, op), via));
        }
        let mut comps = Vec::new();
        let mut items: Vec<&expr::Atom> = ast.targets.iter().collect();
        if let Some(w) = &ast.with {
            items.push(w);
        }
        for (i, t) in items.iter().enumerate() {
            let id_span = self.sub(span, value, t.id.range.clone());
            let Some(c) = self.component_ref(&t.id.text, id_span) else {
                ok = false;
                continue;
            };
            let comp = &self.cat.components[c.idx()];
            if comp.derived.is_some() && verb != Verb::Move {
                let d = Diagnostic::error(
                    Code::BadAction,
                    id_span,
                    format!("`{}` is derived; steps cannot {} it", comp.id, verb.as_str()),
                )
                .with_hint(
                    "a derived component follows its `derived` condition; change what the condition mentions instead",
                );
                self.err(d);
                ok = false;
                continue;
            }
            // The component an action puts in place names its version: install, upgrade,
            // downgrade, and the new side of a replace.
            let puts =
                matches!(verb, Verb::Install | Verb::Upgrade | Verb::Downgrade) || (verb == Verb::Replace && i == 1);
            let ver = match (t.spec(), puts) {
                (Some(VersionSpec::Eq(w)), true) => match self.version(c, w, span, value) {
                    Some(v) => Some(v),
                    None => {
                        ok = false;
                        continue;
                    }
                },
                (Some(_), _) => {
                    let at = self.sub(span, value, t.range.clone());
                    self.err(Diagnostic::error(
                        Code::BadAction,
                        at,
                        format!("`{}` takes component ids without versions", verb.as_str()),
                    ));
                    ok = false;
                    continue;
                }
                (None, true) if comp.is_versioned() => {
                    let at = self.sub(span, value, t.range.clone());
                    let d = Diagnostic::error(
                        Code::UnknownVersion,
                        at,
                        format!("say which version of `{}` to {}", comp.id, verb.as_str()),
                    )
                    .with_hint(format!(
                        "for example `{}`; declared versions: {}",
                        comp.label(comp.max_ver()),
                        self.version_list(c)
                    ));
                    self.err(d);
                    ok = false;
                    continue;
                }
                (None, true) if matches!(verb, Verb::Upgrade | Verb::Downgrade) => {
                    let at = self.sub(span, value, t.range.clone());
                    self.err(
                        Diagnostic::error(
                            Code::UnknownVersion,
                            at,
                            format!("`{}` has no versions to {} between", comp.id, verb.as_str()),
                        )
                        .with_hint("use `install` or `remove`"),
                    );
                    ok = false;
                    continue;
                }
                (None, _) => None,
            };
            comps.push((c, ver));
        }
        let host = |r: &mut Self, w: &Option<expr::Word>| -> Option<HostIdx> {
            let w = w.as_ref()?;
            let at = r.sub(span, value, w.range.clone());
            if site == ActionSite::Unhosted {
                return Some(HostIdx(0));
            }
            match hosts.iter().position(|h| h.id == w.text) {
                Some(i) => Some(HostIdx(i as u32)),
                None => {
                    r.err(unknown_host(&w.text, at, hosts));
                    None
                }
            }
        };
        let from = host(self, &ast.from);
        let to = host(self, &ast.to);
        if !ok {
            return None;
        }
        let plain = |cs: Vec<(CompIdx, Option<Ver>)>| cs.into_iter().map(|(c, _)| c).collect::<Vec<_>>();
        let action = match verb {
            Verb::Install => Action::Install(comps),
            Verb::Remove => Action::Remove(plain(comps)),
            Verb::Repair => Action::Repair(plain(comps)),
            Verb::Break => Action::Break(plain(comps)),
            Verb::Upgrade | Verb::Downgrade => {
                let (c, v) = comps.into_iter().next()?;
                if verb == Verb::Upgrade { Action::Upgrade(c, v?) } else { Action::Downgrade(c, v?) }
            }
            Verb::Replace => {
                let mut it = comps.into_iter();
                let (old, _) = it.next()?;
                let (new, ver) = it.next()?;
                if old == new {
                    self.err(
                        Diagnostic::error(Code::BadAction, span, "`replace` needs two different components")
                            .with_hint("to change versions, use `upgrade` or `downgrade`"),
                    );
                    return None;
                }
                Action::Replace { old, new, ver }
            }
            Verb::Move => {
                let (from, to) = (from?, to?);
                if from == to && site != ActionSite::Unhosted {
                    self.err(Diagnostic::error(Code::BadAction, span, "a move needs two different hosts"));
                    return None;
                }
                Action::Move { comps: plain(comps), from, to }
            }
            Verb::Set | Verb::Manual | Verb::Any => Action::Manual,
        };
        Some((action, via))
    }

    /// One thing a host has: `component`, `component@version`, `fact = value`,
    /// `component is broken`.
    pub(super) fn setting(&mut self, value: &str, span: Span) -> Option<Setting> {
        // `fact = value`, read the way `set fact = value` reads it (sets take `(a, b)`).
        if let Some((lhs, rhs)) = value.split_once('=') {
            let id = lhs.trim();
            if !lhs.ends_with(['<', '>', '!']) && !rhs.starts_with('=') {
                if let Some(&f) = self.cat.fact_ids.get(id) {
                    let eq = lhs.len() + 1;
                    let lead = rhs.len() - rhs.trim_start().len();
                    let vspan = self.sub(span, value, eq + lead..value.len());
                    return self.fact_value(f, rhs.trim(), vspan).map(|v| Setting::Fact(f, v));
                }
            }
        }
        let ast = match expr::parse_condition(value) {
            Ok(expr::CondAst::Atom(a)) => a,
            Ok(_) => {
                self.err(
                    Diagnostic::error(Code::BadCondition, span, format!("`{value}` is not one thing a host has"))
                        .with_hint("write `component`, `component@version`, `fact = value` or `component is broken`"),
                );
                return None;
            }
            Err(e) => {
                let at = self.sub(span, value, e.range.clone());
                self.err(Diagnostic::error(Code::BadCondition, at, format!("invalid setting: {}", e.message)));
                return None;
            }
        };
        let id_span = self.sub(span, value, ast.id.range.clone());
        if let Some(&f) = self.cat.fact_ids.get(&ast.id.text) {
            let fact = &self.cat.facts[f.idx()];
            self.err(
                Diagnostic::error(Code::BadCondition, span, format!("say what `{}` is: `{} = …`", fact.id, fact.id))
                    .with_hint(match &fact.ty {
                        FactType::Set { .. } => format!("for example `{} = (a, b)`", fact.id),
                        _ => format!(
                            "for example `{} = {}`",
                            fact.id,
                            fact.ty.values().first().map_or("8", String::as_str)
                        ),
                    }),
            );
            return None;
        }
        let c = self.component_ref(&ast.id.text, id_span)?;
        let comp = &self.cat.components[c.idx()];
        let (cid, versioned) = (comp.id.clone(), comp.is_versioned());
        match (&ast.kind, versioned) {
            (AtomKind::Bare, false) => Some(Setting::Comp(c, 0)),
            (AtomKind::Version(VersionSpec::Eq(w)), true) => {
                self.version(c, w, span, value).map(|v| Setting::Comp(c, v))
            }
            (AtomKind::Is(w), _) if w.text == "broken" => Some(Setting::Broken(c)),
            (AtomKind::Bare, true) => {
                let comp = &self.cat.components[c.idx()];
                self.err(
                    Diagnostic::error(Code::UnknownVersion, id_span, format!("say which version of `{cid}`"))
                        .with_hint(format!("for example `{}`", comp.label(comp.max_ver()))),
                );
                None
            }
            (AtomKind::Version(_), false) => {
                let at = self.sub(span, value, ast.range.clone());
                self.err(
                    Diagnostic::error(Code::UnknownVersion, at, format!("`{cid}` has no versions"))
                        .with_hint(format!("write just `{cid}`")),
                );
                None
            }
            _ => {
                let at = self.sub(span, value, ast.range.clone());
                let comp = &self.cat.components[c.idx()];
                self.err(
                    Diagnostic::error(Code::UnknownVersion, at, "name one exact version")
                        .with_hint(format!("for example `{}`", comp.label(comp.max_ver()))),
                );
                None
            }
        }
    }

    /// A list of settings; a bad one is reported and clears `ok`.
    pub(super) fn settings(&mut self, o: Origin, items: &[S], ok: &mut bool) -> Vec<Setting> {
        let mut out = Vec::new();
        for item in items {
            let span = self.span(o, item);
            match self.setting(&item.value, span) {
                Some(x) => out.push(x),
                None => *ok = false,
            }
        }
        out
    }

    pub(super) fn duration(&mut self, origin: Origin, s: &S) -> Option<u32> {
        let span = self.span(origin, s);
        match parse_duration(&s.value) {
            Some(m) => Some(m),
            None => {
                self.err(
                    Diagnostic::error(
                        Code::BadDuration,
                        span,
                        format!("cannot read `{}` as a duration", s.value.escape_debug()),
                    )
                    .with_hint("write minutes, hours and days like `15m`, `1h`, `1h30m` or `10d`"),
                );
                None
            }
        }
    }
}

/// `15m`, `1h`, `1h30m`, `90 min`, `2 h`, `10d`, `none` → minutes.
pub fn parse_duration(s: &str) -> Option<u32> {
    let s = s.trim().to_ascii_lowercase();
    if s.is_empty() {
        return None;
    }
    if s == "none" || s == "0" {
        return Some(0);
    }
    let mut total: u32 = 0;
    let mut rest = s.as_str();
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let n: u32 = rest[..digits].parse().ok()?;
        rest = rest[digits..].trim_start();
        let unit_len = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        let factor = match unit {
            "h" | "hr" | "hrs" | "hour" | "hours" => 60,
            "m" | "min" | "mins" | "minute" | "minutes" => 1,
            "d" | "day" | "days" => 24 * 60,
            "w" | "week" | "weeks" => 7 * 24 * 60,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(factor)?)?;
        rest = rest[unit_len..].trim_start();
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("15m"), Some(15));
        assert_eq!(parse_duration("1h30m"), Some(90));
        assert_eq!(parse_duration("2 h"), Some(120));
        assert_eq!(parse_duration("90 min"), Some(90));
        assert_eq!(parse_duration("1d"), Some(1440));
        assert_eq!(parse_duration("10d"), Some(14400));
        assert_eq!(parse_duration("none"), Some(0));
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("15"), None);
        assert_eq!(parse_duration("5q"), None);
        assert_eq!(parse_duration("99999999999h"), None);
    }
}

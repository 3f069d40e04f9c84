//! References between things: rule links in Markdown, step `rules:`, article links and
//! `recommends`, checked once every id is known; then the indices the evaluator uses.

use super::{Owner, Pending, Resolver, forbidden_link, suggest};
use crate::diag::{Code, Diagnostic, Span};
use crate::markdown;
use crate::model::*;

impl Resolver<'_> {
    pub(super) fn finish_references(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        for p in pending {
            match p {
                Pending::StepRule { path, step, text, span } => {
                    let r = if markdown::split_ref(&text).is_some() {
                        self.reference(&text, span)
                    } else {
                        self.err(
                            Diagnostic::error(
                                Code::UnresolvedReference,
                                span,
                                format!("`{text}` is not a rule reference"),
                            )
                            .with_hint(
                                "write `blocker:ID`, `prerequisite:ID`, `effect:ID`, `component:ID`, `fact:ID`, `condition:ID`, `path:ID` or `article:SLUG`",
                            ),
                        );
                        None
                    };
                    if let Some(r) = r {
                        self.cat.paths[path.idx()].steps[step].refs.push((r, span));
                    }
                }
                Pending::RuleLink { owner, text, span } => {
                    if let Some(r) = self.reference(&text, span) {
                        let links = match owner {
                            Owner::Component(c) => &mut self.cat.components[c.idx()].links,
                            Owner::Blocker(b) => &mut self.cat.blockers[b.idx()].links,
                            Owner::Prerequisite(p) => &mut self.cat.prerequisites[p.idx()].links,
                            Owner::Path(p) => &mut self.cat.paths[p.idx()].links,
                            Owner::Fact(f) => &mut self.cat.facts[f.idx()].links,
                            Owner::Condition(c) => &mut self.cat.conditions[c.idx()].links,
                            Owner::Effect(e) => &mut self.cat.effects[e.idx()].links,
                            Owner::Nowhere => continue,
                        };
                        links.push((r, span));
                    }
                }
                Pending::Recommends { article, text, span } => {
                    let target = text.strip_prefix("path:").unwrap_or(&text);
                    match self.cat.path_ids.get(target) {
                        Some(p) => self.cat.articles[article.idx()].recommends.push((*p, span)),
                        None if self.ids.paths.contains_key(target) => {}
                        None => {
                            let mut d = Diagnostic::error(
                                Code::UnresolvedReference,
                                span,
                                format!("`recommends` names unknown path `{target}`"),
                            );
                            if let Some(s) = suggest(target, self.ids.paths.keys().map(String::as_str)) {
                                d = d.with_hint(format!("did you mean `{s}`?"));
                            }
                            self.err(d);
                        }
                    }
                }
                Pending::ArticleLink { article, text, span, is_image } => {
                    if markdown::split_ref(&text).is_some() {
                        if let Some(r) = self.reference(&text, span) {
                            self.cat.articles[article.idx()].links.push((r, span));
                        }
                    } else if let Some(r) = self.relative_link(article, &text, span, is_image) {
                        self.cat.articles[article.idx()].links.push((r, span));
                    }
                }
            }
        }
    }

    /// Resolves `kind:id[#anchor]`, reporting what does not resolve.
    pub(super) fn reference(&mut self, text: &str, span: Span) -> Option<Ref> {
        let (scheme, id, anchor) = markdown::split_ref(text)?;
        let anchor_owned = anchor.map(str::to_string);
        let (found, declared) = match scheme {
            "component" => {
                (self.cat.component_ids.get(id).map(|c| Ref::Component(*c)), self.ids.components.contains_key(id))
            }
            "blocker" => (self.cat.blocker_ids.get(id).map(|c| Ref::Blocker(*c)), self.ids.blockers.contains_key(id)),
            "prerequisite" => {
                (self.cat.prereq_ids.get(id).map(|c| Ref::Prerequisite(*c)), self.ids.prereqs.contains_key(id))
            }
            "path" => (
                self.cat.path_ids.get(id).map(|c| Ref::Path(*c, anchor_owned.clone())),
                self.ids.paths.contains_key(id),
            ),
            "fact" => (self.cat.fact_ids.get(id).map(|c| Ref::Fact(*c)), self.ids.facts.contains_key(id)),
            "condition" => {
                (self.cat.condition_ids.get(id).map(|c| Ref::Condition(*c)), self.ids.conditions.contains_key(id))
            }
            "effect" => (self.cat.effect_ids.get(id).map(|c| Ref::Effect(*c)), self.ids.effects.contains_key(id)),
            _ => (
                self.cat.article_ids.get(id).map(|c| Ref::Article(*c, anchor_owned.clone())),
                self.ids.articles.contains_key(id),
            ),
        };
        let Some(r) = found else {
            if !declared {
                // Suggestions cost a scan of every id: only on the error path.
                let table = match scheme {
                    "component" => &self.ids.components,
                    "blocker" => &self.ids.blockers,
                    "prerequisite" => &self.ids.prereqs,
                    "path" => &self.ids.paths,
                    "fact" => &self.ids.facts,
                    "condition" => &self.ids.conditions,
                    "effect" => &self.ids.effects,
                    _ => &self.ids.articles,
                };
                let mut d = Diagnostic::error(
                    Code::UnresolvedReference,
                    span,
                    format!("`{text}` does not resolve: there is no {scheme} `{id}`"),
                );
                if let Some(s) = suggest(id, table.keys().map(String::as_str)) {
                    d = d.with_hint(format!("did you mean `{scheme}:{s}`?"));
                }
                self.err(d);
            }
            return None;
        };
        if let Some(anchor) = anchor {
            let anchors: Vec<String> = match &r {
                Ref::Path(p, _) => self.cat.paths[p.idx()].steps.iter().map(|s| s.id.clone()).collect(),
                Ref::Article(a, _) => self.cat.articles[a.idx()].headings.iter().map(|h| h.id.clone()).collect(),
                _ => {
                    self.err(Diagnostic::error(
                        Code::UnresolvedReference,
                        span,
                        format!("`{scheme}:` links take no `#anchor`"),
                    ));
                    return None;
                }
            };
            if !anchors.iter().any(|a| a == anchor) {
                let mut d = Diagnostic::error(
                    Code::UnresolvedReference,
                    span,
                    format!("`{text}`: no anchor `#{anchor}` on that page"),
                );
                if let Some(s) = suggest(anchor, anchors.iter().map(String::as_str)) {
                    d = d.with_hint(format!("did you mean `#{s}`?"));
                } else if !anchors.is_empty() {
                    let more =
                        if anchors.len() > 8 { format!(", … ({} in all)", anchors.len()) } else { String::new() };
                    d = d.with_hint(format!(
                        "anchors there: {}{more}",
                        anchors.iter().take(8).map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
                    ));
                }
                self.err(d);
                return None;
            }
        }
        Some(r)
    }

    /// A relative link in an article: another article (`other.md#x`) or a file under content/.
    fn relative_link(&mut self, article: ArticleIdx, dest: &str, span: Span, is_image: bool) -> Option<Ref> {
        if dest.is_empty() || dest.starts_with('#') {
            if let Some(anchor) = dest.strip_prefix('#') {
                let a = &self.cat.articles[article.idx()];
                if !anchor.is_empty() && !a.headings.iter().any(|h| h.id == anchor) {
                    self.err(Diagnostic::error(
                        Code::UnresolvedReference,
                        span,
                        format!("no heading with id `#{anchor}` in this article"),
                    ));
                }
            }
            return None;
        }
        match markdown::classify(dest) {
            markdown::Dest::Relative => {}
            markdown::Dest::Forbidden(scheme) => {
                self.err(forbidden_link(dest, &scheme, span));
                return None;
            }
            _ => return None, // external
        }
        let (file_part, anchor) = match dest.split_once('#') {
            Some((f, a)) => (f, Some(a)),
            None => (dest, None),
        };
        let file_part = file_part.split('?').next().unwrap_or(file_part);
        let slug = self.cat.articles[article.idx()].slug.clone();
        let base_dir: Vec<&str> = slug.split('/').collect();
        let mut parts: Vec<String> = if file_part.starts_with('/') {
            Vec::new()
        } else {
            base_dir[..base_dir.len() - 1].iter().map(|s| s.to_string()).collect()
        };
        for seg in file_part.split('/') {
            match seg {
                "" | "." => {}
                ".." => {
                    if parts.pop().is_none() {
                        self.err(
                            Diagnostic::error(
                                Code::BadLink,
                                span,
                                format!("`{dest}` points outside the content directory"),
                            )
                            .with_hint("links in articles stay inside content/"),
                        );
                        return None;
                    }
                }
                s => parts.push(s.to_string()),
            }
        }
        let target = parts.join("/");
        if let Some(stem) = target.strip_suffix(".md") {
            return match self.cat.article_ids.get(stem) {
                Some(a) => {
                    let r = Ref::Article(*a, anchor.map(str::to_string));
                    if let Some(anchor) = anchor {
                        if !self.cat.articles[a.idx()].headings.iter().any(|h| h.id == anchor) {
                            self.err(Diagnostic::error(
                                Code::UnresolvedReference,
                                span,
                                format!("`{dest}`: no heading `#{anchor}` there"),
                            ));
                            return None;
                        }
                    }
                    Some(r)
                }
                None if self.ids.articles.contains_key(stem) => None,
                None => {
                    self.err(Diagnostic::error(
                        Code::BadLink,
                        span,
                        format!("`{dest}` links to an article that does not exist"),
                    ));
                    None
                }
            };
        }
        if !self.content_dir.join(&target).is_file() {
            let what = if is_image { "image" } else { "file" };
            self.err(
                Diagnostic::error(Code::BadLink, span, format!("`{dest}`: no such {what} under the content directory"))
                    .with_hint("files next to articles are published with them; check the name"),
            );
        }
        None
    }

    /// The indices the evaluator looks rules up by, and what the engine needs to know about
    /// numbers: every constant a fact is compared with, and which facts are compared.
    pub(super) fn build_indices(&mut self) {
        let cat = &mut self.cat;
        let n = cat.components.len();
        let nf = cat.facts.len();
        cat.derived = (0..n).filter(|i| cat.components[*i].derived.is_some()).map(|i| CompIdx(i as u32)).collect();
        cat.blockers_by_component = vec![Vec::new(); n];
        cat.prereqs_by_component = vec![Vec::new(); n];
        cat.effects_by_component = vec![Vec::new(); n];
        cat.blockers_by_fact = vec![Vec::new(); nf];
        cat.prereqs_by_fact = vec![Vec::new(); nf];
        cat.effects_by_fact = vec![Vec::new(); nf];
        cat.parts = vec![Vec::new(); n];
        for (i, c) in cat.components.iter().enumerate() {
            if let Some(p) = c.part_of {
                cat.parts[p.idx()].push(CompIdx(i as u32));
            }
        }
        for (i, b) in cat.blockers.iter().enumerate() {
            for (c, _) in &b.blocks.targets {
                cat.blockers_by_component[c.idx()].push(BlockerIdx(i as u32));
            }
            for f in &b.blocks.facts {
                cat.blockers_by_fact[f.idx()].push(BlockerIdx(i as u32));
            }
        }
        for (i, p) in cat.prerequisites.iter().enumerate() {
            for (c, _) in &p.for_.targets {
                cat.prereqs_by_component[c.idx()].push(PrereqIdx(i as u32));
            }
            for f in &p.for_.facts {
                cat.prereqs_by_fact[f.idx()].push(PrereqIdx(i as u32));
            }
        }
        for (i, e) in cat.effects.iter().enumerate() {
            for (c, _) in &e.on.targets {
                cat.effects_by_component[c.idx()].push(EffectIdx(i as u32));
            }
            for f in &e.on.facts {
                cat.effects_by_fact[f.idx()].push(EffectIdx(i as u32));
            }
        }
        number_cuts(cat);
        cat.ties = ties(cat);
    }
}

/// The connected groups of attributes: joined by sharing a constraint (a derived component
/// there stands for its inputs), by `part_of` (a part needs its parent), by a derived
/// component's condition, and by a comparison of two numbers.
fn ties(cat: &Catalog) -> Ties {
    let mut index: std::collections::HashMap<Attr, usize> = std::collections::HashMap::new();
    let mut attrs: Vec<Attr> = Vec::new();
    let mut parent: Vec<usize> = Vec::new();
    fn id(
        a: Attr,
        index: &mut std::collections::HashMap<Attr, usize>,
        attrs: &mut Vec<Attr>,
        parent: &mut Vec<usize>,
    ) -> usize {
        *index.entry(a).or_insert_with(|| {
            attrs.push(a);
            parent.push(parent.len());
            parent.len() - 1
        })
    }
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    let union = |a: Attr,
                 b: Attr,
                 index: &mut std::collections::HashMap<Attr, usize>,
                 attrs: &mut Vec<Attr>,
                 parent: &mut Vec<usize>| {
        let (x, y) = (id(a, index, attrs, parent), id(b, index, attrs, parent));
        let (rx, ry) = (find(parent, x), find(parent, y));
        if rx != ry {
            parent[rx] = ry;
        }
    };
    let expanded = |c: &Cond| -> Vec<Attr> {
        let mut read = Vec::new();
        c.attrs(cat, &mut read);
        let mut i = 0;
        while i < read.len() {
            if let Attr::Comp(x) = read[i] {
                if let Some(d) = &cat.components[x.idx()].derived {
                    d.attrs(cat, &mut read);
                }
            }
            i += 1;
        }
        read
    };
    let mut constraint_attrs: Vec<Vec<Attr>> = Vec::new();
    for k in &cat.constraints {
        let read = expanded(&k.require);
        for w in read.windows(2) {
            union(w[0], w[1], &mut index, &mut attrs, &mut parent);
        }
        if let Some(first) = read.first() {
            id(*first, &mut index, &mut attrs, &mut parent);
        }
        constraint_attrs.push(read);
    }
    for (i, c) in cat.components.iter().enumerate() {
        let me = Attr::Comp(CompIdx(i as u32));
        if let Some(p) = c.part_of {
            union(me, Attr::Comp(p), &mut index, &mut attrs, &mut parent);
        }
        if let Some(d) = &c.derived {
            let mut read = Vec::new();
            d.attrs(cat, &mut read);
            for a in read {
                union(me, a, &mut index, &mut attrs, &mut parent);
            }
        }
    }
    for (i, f) in cat.facts.iter().enumerate() {
        for g in &f.compared_with {
            union(Attr::Fact(FactIdx(i as u32)), Attr::Fact(*g), &mut index, &mut attrs, &mut parent);
        }
    }
    let mut roots: std::collections::HashMap<usize, u32> = std::collections::HashMap::new();
    let mut t = Ties::default();
    for (i, a) in attrs.iter().enumerate() {
        let r = find(&mut parent, i);
        let g = *roots.entry(r).or_insert_with(|| {
            t.members.push(Vec::new());
            t.constraints.push(Vec::new());
            t.members.len() as u32 - 1
        });
        t.members[g as usize].push(*a);
        t.group.insert(*a, g);
    }
    for (k, read) in constraint_attrs.iter().enumerate() {
        match read.first().and_then(|a| t.group.get(a)) {
            Some(g) => t.constraints[*g as usize].push(k),
            None => t.unread.push(k),
        }
    }
    for k in &cat.constraints {
        k.require.broken_reads(cat, &mut t.broken);
    }
    t
}

/// For each number fact, the constants the catalog compares it with or sets it to, and the
/// facts it is compared with. Facts compared with each other share one set of constants, so
/// their intervals line up.
fn number_cuts(cat: &mut Catalog) {
    let nf = cat.facts.len();
    let mut cuts: Vec<Vec<Num>> = vec![Vec::new(); nf];
    let mut pairs: Vec<(FactIdx, FactIdx)> = Vec::new();
    fn walk(c: &Cond, cuts: &mut [Vec<Num>], pairs: &mut Vec<(FactIdx, FactIdx)>) {
        match c {
            Cond::Num(f, _, k) => cuts[f.idx()].push(*k),
            Cond::NumFacts(a, _, b) => pairs.push((*a, *b)),
            Cond::Not(c) => walk(c, cuts, pairs),
            Cond::And(cs) | Cond::Or(cs) => cs.iter().for_each(|c| walk(c, cuts, pairs)),
            _ => {}
        }
    }
    let setting = |s: &Setting, cuts: &mut [Vec<Num>]| {
        if let Setting::Fact(f, Value::Num(n)) = s {
            cuts[f.idx()].push(*n);
        }
    };
    let mut conds: Vec<&Cond> = Vec::new();
    conds.extend(cat.components.iter().filter_map(|c| c.derived.as_ref()));
    conds.extend(cat.conditions.iter().map(|c| &c.when));
    conds.extend(cat.blockers.iter().map(|b| &b.when));
    conds.extend(cat.prerequisites.iter().flat_map(|p| [&p.when, &p.requires]));
    conds.extend(cat.effects.iter().map(|e| &e.when));
    conds.extend(cat.constraints.iter().map(|k| &k.require));
    for p in &cat.paths {
        conds.push(&p.applies_to);
        conds.extend(p.outcome.iter().map(|o| &o.when));
        conds.extend(p.goal.iter().flat_map(|g| [&g.when, &g.require]));
        conds.extend(p.hosts.iter().map(|h| &h.applies_to));
        conds.extend(p.steps.iter().flat_map(|s| [&s.when, &s.if_]));
    }
    conds.extend(cat.articles.iter().filter_map(|a| a.applies_to.as_ref()));
    if let Some(a) = &cat.assistant {
        conds.extend(a.target.as_ref());
    }
    for c in conds {
        walk(c, &mut cuts, &mut pairs);
    }
    let actions = cat
        .paths
        .iter()
        .flat_map(|p| p.steps.iter().map(|s| &s.action))
        .chain(cat.effects.iter().flat_map(|e| e.does.iter()));
    for a in actions {
        if let Action::Set(f, SetOp::Assign(Value::Num(n))) = a {
            cuts[f.idx()].push(*n);
        }
    }
    for p in &cat.paths {
        for h in &p.hosts {
            h.starts_with.iter().for_each(|s| setting(s, &mut cuts));
        }
    }
    for (i, f) in cat.facts.iter().enumerate() {
        if let Some(Value::Num(n)) = &f.default {
            cuts[i].push(*n);
        }
    }
    // Facts compared with each other: one shared set of constants per connected group.
    let mut group: Vec<usize> = (0..nf).collect();
    fn find(g: &mut [usize], x: usize) -> usize {
        let mut r = x;
        while g[r] != r {
            r = g[r];
        }
        g[x] = r;
        r
    }
    for (a, b) in &pairs {
        let (ra, rb) = (find(&mut group, a.idx()), find(&mut group, b.idx()));
        group[ra] = rb;
    }
    let mut shared: std::collections::HashMap<usize, Vec<Num>> = std::collections::HashMap::new();
    for (i, c) in cuts.iter().enumerate() {
        let r = find(&mut group, i);
        shared.entry(r).or_default().extend(c.iter().copied());
    }
    for i in 0..nf {
        let r = find(&mut group, i);
        let mut c = shared.get(&r).cloned().unwrap_or_default();
        c.sort();
        c.dedup();
        cat.facts[i].cuts = c;
        cat.facts[i].compared_with.clear();
    }
    for (a, b) in pairs {
        if a != b {
            if !cat.facts[a.idx()].compared_with.contains(&b) {
                cat.facts[a.idx()].compared_with.push(b);
            }
            if !cat.facts[b.idx()].compared_with.contains(&a) {
                cat.facts[b.idx()].compared_with.push(a);
            }
        }
    }
}

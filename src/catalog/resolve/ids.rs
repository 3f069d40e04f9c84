//! Declaring ids before anything refers to them: duplicates reported once, at the second
//! definition, and names that conditions use (components, facts, named conditions) unique
//! across those three kinds.

use std::collections::HashMap;

use super::{Declared, Ids, Resolver, valid_id};
use crate::catalog::load::{Loaded, Origin};
use crate::catalog::raw::S;
use crate::diag::{Code, Diagnostic, FileId, Span};

/// Kinds whose failure to declare makes the rule set incomplete.
const RULE_KINDS: [&str; 9] =
    ["component", "fact", "list", "condition", "method", "blocker", "prerequisite", "effect", "procedure"];

impl Resolver<'_> {
    pub(super) fn declare(&mut self, loaded: &Loaded) {
        for f in &loaded.files {
            let o = f.origin;
            let d = &f.doc;
            for c in &d.components {
                self.declare_one(o, &c.id, "component", |ids| &mut ids.components);
            }
            for x in &d.facts {
                self.declare_one(o, &x.id, "fact", |ids| &mut ids.facts);
            }
            for x in &d.lists {
                self.declare_one(o, &x.id, "list", |ids| &mut ids.lists);
            }
            for x in &d.conditions {
                self.declare_one(o, &x.id, "condition", |ids| &mut ids.conditions);
            }
            for x in &d.methods {
                self.declare_one(o, &x.id, "method", |ids| &mut ids.methods);
            }
            for b in &d.blockers {
                self.declare_one(o, &b.id, "blocker", |ids| &mut ids.blockers);
            }
            for p in &d.prerequisites {
                self.declare_one(o, &p.id, "prerequisite", |ids| &mut ids.prereqs);
            }
            for x in &d.effects {
                self.declare_one(o, &x.id, "effect", |ids| &mut ids.effects);
            }
            for p in &d.procedures {
                self.declare_one(o, &p.id, "procedure", |ids| &mut ids.procedures);
            }
            for p in &d.paths {
                self.declare_one(o, &p.id, "path", |ids| &mut ids.paths);
            }
        }
        for a in &loaded.articles {
            let span = Span::file_start(a.origin.file);
            self.ids.articles.insert(a.slug.clone(), Declared { span });
        }
        // Declared but broken, like a component that failed to resolve: already reported.
        for slug in &loaded.failed_articles {
            self.ids.articles.entry(slug.clone()).or_insert(Declared { span: Span::file_start(FileId(0)) });
        }
        self.shared_names();
    }

    /// A condition names components, facts and named conditions alike: one id may be only one
    /// of them.
    fn shared_names(&mut self) {
        let mut seen: Vec<(&str, &str, Span)> = Vec::new();
        for (kind, table) in
            [("component", &self.ids.components), ("fact", &self.ids.facts), ("condition", &self.ids.conditions)]
        {
            for (id, d) in table {
                seen.push((kind, id.as_str(), d.span));
            }
        }
        seen.sort_by(|a, b| a.1.cmp(b.1).then(a.2.file.cmp(&b.2.file)).then(a.2.start.cmp(&b.2.start)));
        let mut found = Vec::new();
        for w in seen.windows(2) {
            if w[0].1 == w[1].1 {
                found.push(
                    Diagnostic::error(
                        Code::DuplicateId,
                        w[1].2,
                        format!("`{}` is both a {} and a {}", w[1].1, w[0].0, w[1].0),
                    )
                    .with_secondary(w[0].2, format!("the {} is declared here", w[0].0))
                    .with_hint("conditions name components, facts and named conditions alike; rename one"),
                );
            }
        }
        if !found.is_empty() {
            self.rules_complete = false;
        }
        for d in found {
            self.err(d);
        }
    }

    fn declare_one(
        &mut self,
        o: Origin,
        id: &S,
        kind: &str,
        table: impl Fn(&mut Ids) -> &mut HashMap<String, Declared>,
    ) {
        let span = self.span(o, id);
        if !valid_id(&id.value) {
            self.err(
                Diagnostic::error(Code::Shape, span, format!("`{}` is not a valid {kind} id", id.value.escape_debug()))
                    .with_hint("ids use lowercase letters, digits, `-`, `_` and `.`, start with a letter or digit, and are not a keyword (`and`, `or`, `not`, `in`, `has`, `is`, `via`, `role`, …)"),
            );
            if RULE_KINDS.contains(&kind) {
                self.rules_complete = false;
            }
        }
        let map = table(&mut self.ids);
        if let Some(first) = map.get(&id.value) {
            let first = first.span;
            self.err(
                Diagnostic::error(Code::DuplicateId, span, format!("{kind} `{}` is defined twice", id.value))
                    .with_label("second definition")
                    .with_secondary(first, "first defined here")
                    .with_hint("ids are global across all files under rules/; rename one of them"),
            );
            if RULE_KINDS.contains(&kind) {
                self.rules_complete = false;
            }
        } else {
            map.insert(id.value.clone(), Declared { span });
        }
    }
}

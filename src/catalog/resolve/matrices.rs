//! Support matrices: a component's versions against a platform's, or explicit rows (starting
//! states) against columns (paths or actions). Resolved after the paths, which columns name.

use super::Resolver;
use super::actions::ActionSite;
use crate::catalog::load::Loaded;
use crate::catalog::raw::RawMatrix;
use crate::diag::{Code, Diagnostic, Span};
use crate::model::*;

impl Resolver<'_> {
    pub(super) fn matrices(&mut self, loaded: &Loaded) {
        for f in &loaded.files {
            for m in &f.doc.matrices {
                if let Some(kind) = self.matrix_kind(f.origin, m) {
                    let span = self.span(f.origin, &m.title);
                    let summary = m.summary.clone().unwrap_or_default();
                    self.cat.matrices.push(Matrix { title: m.title.value.clone(), summary, kind, span });
                }
            }
        }
    }

    fn matrix_kind(&mut self, o: crate::catalog::load::Origin, m: &RawMatrix) -> Option<MatrixKind> {
        let explicit = !m.rows.is_empty() || !m.columns.is_empty();
        let title = self.span(o, &m.title);
        let shape = |at: Span, msg: &str, hint: &str| {
            Diagnostic::error(Code::Shape, at, format!("matrix `{}`: {msg}", m.title.value)).with_hint(hint.to_string())
        };
        match (&m.component, &m.platform, explicit) {
            (Some(c), Some(p), false) => {
                let (cs, ps) = (self.span(o, c), self.span(o, p));
                let component = self.component_ref(&c.value, cs);
                let platform = self.component_ref(&p.value, ps);
                let (component, platform) = (component?, platform?);
                let mut ok = true;
                if !self.cat.components[platform.idx()].is_versioned() {
                    self.err(
                        Diagnostic::error(Code::UnknownVersion, ps, "the columns need a platform with versions")
                            .with_hint("for other situations, name them as explicit `rows` and `columns`"),
                    );
                    ok = false;
                }
                let with = self.settings(o, &m.with, &mut ok);
                ok.then_some(MatrixKind::Versions { component, platform, with })
            }
            (None, None, true) => {
                if m.rows.is_empty() || m.columns.is_empty() {
                    self.err(shape(title, "explicit cells need both `rows` and `columns`", "add at least one of each"));
                    return None;
                }
                if !m.with.is_empty() {
                    let at = self.span(o, &m.with[0]);
                    self.err(shape(
                        at,
                        "`with` belongs to a `component` × `platform` matrix",
                        "put what every row has into each row's `has`",
                    ));
                }
                let mut ok = true;
                let rows = m
                    .rows
                    .iter()
                    .map(|r| MatrixRow { label: r.label.value.clone(), has: self.settings(o, &r.has, &mut ok) })
                    .collect();
                let mut columns = Vec::new();
                for c in &m.columns {
                    let does = match (&c.path, &c.action) {
                        (Some(p), None) => {
                            let span = self.span(o, p);
                            match self.cat.path_ids.get(p.value.as_str()).copied() {
                                Some(idx)
                                    if self.cat.paths[idx.idx()].hosts.iter().filter(|h| h.existing).count() <= 1 =>
                                {
                                    Some(ColumnDoes::Path(idx))
                                }
                                Some(_) => {
                                    self.err(
                                        Diagnostic::error(Code::Shape, span, "a matrix column runs a path from one existing host")
                                            .with_hint("this path starts from several existing hosts; use an `action` column, or `pathbook plan` with an environment file"),
                                    );
                                    None
                                }
                                None => {
                                    self.err(Diagnostic::error(
                                        Code::UnresolvedReference,
                                        span,
                                        format!("no path `{}`", p.value),
                                    ));
                                    None
                                }
                            }
                        }
                        (None, Some(a)) => match self.action(o, a, &[], ActionSite::Unhosted) {
                            Some((Action::Move { .. }, _)) => {
                                let span = self.span(o, a);
                                self.err(
                                    Diagnostic::error(
                                        Code::BadAction,
                                        span,
                                        "a matrix cell has one host: nothing to `move` to",
                                    )
                                    .with_hint("use a path column for a move between hosts"),
                                );
                                None
                            }
                            Some((action, via)) => Some(ColumnDoes::Action(action, via)),
                            None => None,
                        },
                        _ => {
                            let at = self.span(o, &c.label);
                            self.err(shape(
                                at,
                                &format!("column `{}` needs exactly one of `path` or `action`", c.label.value),
                                "for example `path: in-place-upgrade` or `action: upgrade os@2008`",
                            ));
                            None
                        }
                    };
                    match does {
                        Some(does) => columns.push(MatrixColumn { label: c.label.value.clone(), does }),
                        None => ok = false,
                    }
                }
                ok.then_some(MatrixKind::Cells { rows, columns })
            }
            _ => {
                self.err(shape(
                    title,
                    "give either `component` and `platform`, or `rows` and `columns`",
                    "`component`/`platform` tabulate versions; `rows`/`columns` name starting states and paths or actions",
                ));
                None
            }
        }
    }
}

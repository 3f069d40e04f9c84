//! Where things are published, and what would land on one address. Two pages at one address
//! means one silently replaces the other, so `check` reports every such pair at the entity
//! that claims the address second.

use std::collections::HashMap;

use super::links;
use crate::diag::{Code, Diagnostic, SourceMap, Span};
use crate::model::*;

/// Ids that name the list page of their kind, or the page of all runbooks.
const RESERVED: [(&str, &str); 2] = [("index", "the list page"), ("all", "the page of all runbooks")];

/// Every address two sources could both claim, with who claims it and where.
pub fn collisions(cat: &Catalog, sources: &SourceMap) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // Address → who is published there, and where that is written (none for fixed pages).
    let mut claimed: HashMap<String, (String, Option<Span>)> = HashMap::new();
    // The fixed pages claim their addresses before anything else.
    for kind in super::LIST_KINDS {
        claimed.insert(format!("{kind}/index.html"), (format!("the list of {kind}"), None));
    }
    claimed.insert("tags/index.html".into(), ("the list of tags".into(), None));
    claimed.insert("runbooks/all.html".into(), ("the page of all runbooks".into(), None));
    for (kind, id, span) in entity_ids(cat) {
        if let Some((_, what)) = RESERVED.iter().find(|(r, _)| *r == id) {
            let address = match kind {
                "path" if id == "all" => "runbooks/all.html".to_string(),
                _ => format!("{kind}s/{id}.html"),
            };
            if claimed.contains_key(&address) {
                out.push(
                    Diagnostic::error(
                        Code::Collision,
                        span,
                        format!("a {kind} cannot be called `{id}`: its page would replace {what} at `{address}`"),
                    )
                    .with_hint("choose another id"),
                );
            }
        }
    }
    for a in &cat.articles {
        let who = format!("article `{}`", a.slug);
        out.extend(claim(&mut claimed, format!("articles/{}.html", a.slug), who, a.span));
    }
    for at in &cat.attachments {
        let who = format!("attachment `{}`", at.rel);
        out.extend(claim(&mut claimed, at.rel.clone(), who, Span::file_start(at.file)));
    }
    // Tags: one page per slug, so spellings that differ only in case or punctuation collide.
    let mut spellings: HashMap<String, (String, Span)> = HashMap::new();
    for (tag, span) in tag_uses(cat, sources) {
        let slug = crate::markdown::slugify(&tag);
        match spellings.get(&slug) {
            Some((first, first_span)) if *first != tag => out.push(
                Diagnostic::error(
                    Code::Collision,
                    span,
                    format!("tags `{tag}` and `{first}` would share one page, `{}`", links::tag_url(&tag)),
                )
                .with_secondary(*first_span, format!("`{first}` is used here"))
                .with_hint(format!("spell the tag one way everywhere, e.g. `{first}`")),
            ),
            Some(_) => {}
            None => {
                if slug == "index" {
                    out.push(
                        Diagnostic::error(
                            Code::Collision,
                            span,
                            format!("tag `{tag}` would replace the list of tags at `tags/index.html`"),
                        )
                        .with_hint("choose another tag"),
                    );
                }
                spellings.insert(slug, (tag, span));
            }
        }
    }
    out
}

/// Claims `address` for `who`; the diagnostic when someone has it already.
fn claim(
    claimed: &mut HashMap<String, (String, Option<Span>)>,
    address: String,
    who: String,
    span: Span,
) -> Option<Diagnostic> {
    let Some((first, first_span)) = claimed.get(&address) else {
        claimed.insert(address, (who, Some(span)));
        return None;
    };
    let mut d = Diagnostic::error(
        Code::Collision,
        span,
        format!("{who} would be published at `{address}`, where {first} already is"),
    )
    .with_hint("rename one of them");
    if let Some(f) = first_span {
        d = d.with_secondary(*f, "published there first");
    }
    Some(d)
}

fn entity_ids(cat: &Catalog) -> impl Iterator<Item = (&'static str, &str, Span)> {
    let c = cat.components.iter().map(|x| ("component", x.id.as_str(), x.span));
    let b = cat.blockers.iter().map(|x| ("blocker", x.id.as_str(), x.span));
    let p = cat.prerequisites.iter().map(|x| ("prerequisite", x.id.as_str(), x.span));
    let w = cat.paths.iter().map(|x| ("path", x.id.as_str(), x.span));
    c.chain(b).chain(p).chain(w)
}

/// Every tag with where it is written (found after its entity's span, else the entity).
fn tag_uses(cat: &Catalog, sources: &SourceMap) -> Vec<(String, Span)> {
    let find = |span: Span, tag: &str| {
        let text = &sources.get(span.file).text;
        text.get(span.start as usize..)
            .and_then(|t| t.find(tag))
            .map(|i| Span::new(span.file, span.start as usize + i..span.start as usize + i + tag.len()))
            .unwrap_or(span)
    };
    let mut out = Vec::new();
    let mut add = |tags: &[String], span: Span| {
        for t in tags {
            out.push((t.clone(), find(span, t)));
        }
    };
    for x in &cat.components {
        add(&x.tags, x.span);
    }
    for x in &cat.blockers {
        add(&x.tags, x.span);
    }
    for x in &cat.prerequisites {
        add(&x.tags, x.span);
    }
    for x in &cat.paths {
        add(&x.tags, x.span);
    }
    for x in &cat.articles {
        add(&x.tags, Span::file_start(x.file));
    }
    out
}

//! Markdown → HTML for pages: rule links become relative links, `.md` links become `.html`,
//! headings get ids and anchors, fenced code is highlighted, and raw HTML is shown as text
//! (everything authors write is escaped; content cannot inject markup or script).

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Parser, Tag, TagEnd};

use super::highlight::Highlighter;
use super::links;
use crate::markdown::{Dest, HeadingIds, options};
use crate::model::Catalog;

/// Everything the renderer needs to know about the page the Markdown lands on.
pub struct Ctx<'a> {
    pub cat: &'a Catalog,
    pub hl: &'a Highlighter,
    /// Prefix from this page to the site root (`""`, `"../"`, …).
    pub root: &'a str,
}

/// Renders Markdown; heading ids come from `ids`, which the caller shares across one page.
pub fn to_html(text: &str, ctx: &Ctx, ids: &mut HeadingIds) -> String {
    let mut events: Vec<Event> = Vec::new();
    let mut code: Option<(String, String)> = None;
    let mut heading: Option<(usize, Option<String>)> = None;
    let mut heading_text = String::new();
    for event in Parser::new_ext(text, options()) {
        if let Some((_, buf)) = code.as_mut() {
            match event {
                Event::Text(t) => buf.push_str(&t),
                Event::End(TagEnd::CodeBlock) => {
                    let (lang, buf) = code.take().expect("in a code block");
                    events.push(Event::Html(CowStr::from(ctx.hl.block(&lang, &buf).to_string())));
                }
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info.split_whitespace().next().unwrap_or("").to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                code = Some((lang, String::new()));
            }
            Event::Start(Tag::Heading { level, id, classes, .. }) => {
                heading = Some((events.len(), id.map(|s| s.to_string())));
                heading_text.clear();
                // Only ids and safe classes: `{onfocus=…}` attributes are never written (check
                // reports them).
                let classes = classes.into_iter().filter(|c| crate::markdown::valid_anchor(c)).collect();
                events.push(Event::Start(Tag::Heading { level, id: None, classes, attrs: Vec::new() }));
            }
            Event::End(TagEnd::Heading(level)) => {
                if let Some((at, explicit)) = heading.take() {
                    let id = ids.next(&heading_text, explicit.as_deref());
                    if let Event::Start(Tag::Heading { id: slot, .. }) = &mut events[at] {
                        *slot = Some(CowStr::from(id.clone()));
                    }
                    events.push(Event::Html(CowStr::from(format!(
                        "<a class=\"anchor\" href=\"#{}\" aria-label=\"Link to this section\">#</a>",
                        super::escape_html(&id)
                    ))));
                }
                events.push(Event::End(TagEnd::Heading(level)));
            }
            Event::Text(t) => {
                if heading.is_some() {
                    heading_text.push_str(&t);
                }
                events.push(Event::Text(t));
            }
            Event::Code(t) => {
                if heading.is_some() {
                    heading_text.push_str(&t);
                }
                events.push(Event::Code(t));
            }
            // Raw HTML is shown, not interpreted.
            Event::Html(t) | Event::InlineHtml(t) => events.push(Event::Text(t)),
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
                let dest = rewrite(ctx, &dest_url);
                events.push(Event::Start(Tag::Link { link_type, dest_url: CowStr::from(dest), title, id }));
            }
            Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
                let dest = rewrite(ctx, &dest_url);
                events.push(Event::Start(Tag::Image { link_type, dest_url: CowStr::from(dest), title, id }));
            }
            other => events.push(other),
        }
    }
    let mut out = String::with_capacity(text.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut out, events.into_iter());
    out
}

/// Where a link in content points on the built site. Only http(s), mailto, in-page and
/// relative destinations are published; `check` reports any other scheme, and whatever gets
/// past it still never becomes a live link.
fn rewrite(ctx: &Ctx, dest: &str) -> String {
    match crate::markdown::classify(dest) {
        Dest::Catalog => {
            return match ctx.cat.lookup(dest) {
                Some(r) => format!("{}{}", ctx.root, links::url(ctx.cat, &r)),
                None => "#".to_string(),
            };
        }
        Dest::Forbidden(_) => return "#".to_string(),
        Dest::Web | Dest::Fragment => return dest.to_string(),
        Dest::Relative => {}
    }
    // Relative links between articles: `other.md#x` → `other.html#x` (same layout on disk).
    let (file, anchor) = match dest.split_once('#') {
        Some((f, a)) => (f, Some(a)),
        None => (dest, None),
    };
    let file = match file.strip_suffix(".md") {
        Some(stem) => format!("{stem}.html"),
        None => file.to_string(),
    };
    match anchor {
        Some(a) => format!("{file}#{a}"),
        None => file,
    }
}

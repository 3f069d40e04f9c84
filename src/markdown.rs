//! Markdown analysis shared by `resolve` and the renderer: the parser options, heading ids and
//! the links a text contains. Both stages use these functions, so an anchor the checker accepts
//! is an anchor the page has.

use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// The Markdown dialect: CommonMark plus tables, footnotes, strikethrough, task lists and
/// `{#id}` heading attributes.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// `Prerequisites by role (2008)` → `prerequisites-by-role-2008`.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut dash = false;
    for ch in text.chars().flat_map(char::to_lowercase) {
        if ch.is_alphanumeric() {
            out.push(ch);
            dash = false;
        } else if (ch.is_whitespace() || ch == '-' || ch == '_') && !out.is_empty() && !dash {
            out.push('-');
            dash = true;
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() { "section".to_string() } else { out }
}

/// Hands out unique heading ids within one page: `setup`, `setup-1`, `setup-2`.
#[derive(Default)]
pub struct HeadingIds {
    seen: HashMap<String, usize>,
}

impl HeadingIds {
    /// Ids the page itself uses (steps, fixed sections) so headings never collide with them.
    pub fn reserve(&mut self, id: &str) {
        self.seen.entry(id.to_string()).or_insert(0);
    }

    pub fn next(&mut self, text: &str, explicit: Option<&str>) -> String {
        let base = explicit.map_or_else(|| slugify(text), str::to_string);
        let Some(&start) = self.seen.get(&base) else {
            self.seen.insert(base.clone(), 0);
            return base;
        };
        let mut n = start;
        loop {
            n += 1;
            let candidate = format!("{base}-{n}");
            if !self.seen.contains_key(&candidate) {
                self.seen.insert(base, n);
                self.seen.insert(candidate.clone(), 0);
                return candidate;
            }
        }
    }
}

/// A heading of an article, with the id its page gives it.
#[derive(Clone, Debug)]
pub struct Heading {
    pub level: u8,
    pub text: String,
    pub id: String,
}

/// A link in Markdown: its destination and where the destination text is.
#[derive(Clone, Debug)]
pub struct LinkRef {
    pub dest: String,
    /// Byte range of the destination in the text when it can be found, else of the whole link.
    pub range: Range<usize>,
    pub is_image: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Scan {
    pub headings: Vec<Heading>,
    pub links: Vec<LinkRef>,
}

/// Headings (with their page ids) and links of a Markdown text.
pub fn scan(text: &str) -> Scan {
    let mut out = Scan::default();
    let mut ids = HeadingIds::default();
    let mut heading: Option<(u8, Option<String>, String)> = None;
    for (event, range) in Parser::new_ext(text, options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                heading = Some((level_num(level), id.map(|s| s.to_string()), String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, explicit, text)) = heading.take() {
                    let id = ids.next(&text, explicit.as_deref());
                    out.headings.push(Heading { level, text: text.trim().to_string(), id });
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, _, h)) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::Start(tag @ (Tag::Link { .. } | Tag::Image { .. })) => {
                let (is_image, dest) = match tag {
                    Tag::Image { dest_url, .. } => (true, dest_url.to_string()),
                    Tag::Link { dest_url, .. } => (false, dest_url.to_string()),
                    _ => continue,
                };
                let within = &text[range.clone()];
                let range = match within.rfind(dest.as_str()) {
                    Some(i) if !dest.is_empty() => range.start + i..range.start + i + dest.len(),
                    _ => range,
                };
                out.links.push(LinkRef { dest, range, is_image });
            }
            _ => {}
        }
    }
    out
}

pub fn level_num(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// The link schemes that point into the knowledge base.
pub const SCHEMES: [&str; 5] = ["component", "blocker", "prerequisite", "path", "article"];

/// Splits `blocker:foo#bar` into (`blocker`, `foo`, `Some("bar")`) if it uses one of our schemes.
pub fn split_ref(dest: &str) -> Option<(&str, &str, Option<&str>)> {
    let (scheme, rest) = dest.split_once(':')?;
    if !SCHEMES.contains(&scheme) {
        return None;
    }
    Some(match rest.split_once('#') {
        Some((id, anchor)) => (scheme, id, Some(anchor)),
        None => (scheme, rest, None),
    })
}

/// Plain text of Markdown, for search and descriptions.
pub fn to_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for event in Parser::new_ext(text, options()) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::CodeBlock | TagEnd::TableCell,
            ) => out.push(' '),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_unique_ids() {
        assert_eq!(slugify("Prerequisites by role (2008)"), "prerequisites-by-role-2008");
        assert_eq!(slugify("  What's new?  "), "whats-new");
        assert_eq!(slugify("!!!"), "section");
        let mut ids = HeadingIds::default();
        ids.reserve("steps");
        assert_eq!(ids.next("Steps", None), "steps-1");
        assert_eq!(ids.next("Setup", None), "setup");
        assert_eq!(ids.next("Setup", None), "setup-1");
        assert_eq!(ids.next("x", Some("custom")), "custom");
    }

    #[test]
    fn scan_finds_headings_and_link_destinations() {
        let text = "# Intro\n\nSee [the blocker](blocker:powershell) and ![x](img.png).\n\n## Intro {#again}\n";
        let s = scan(text);
        assert_eq!(s.headings.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(), ["intro", "again"]);
        assert_eq!(s.links.len(), 2);
        assert_eq!(&text[s.links[0].range.clone()], "blocker:powershell");
        assert!(s.links[1].is_image);
        assert_eq!(split_ref("path:p#step-2"), Some(("path", "p", Some("step-2"))));
        assert_eq!(split_ref("https://example.com"), None);
    }
}

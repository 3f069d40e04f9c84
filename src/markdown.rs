//! Markdown analysis shared by `resolve` and the renderer: the parser options, heading ids and
//! the links a text contains. Both stages use these functions, so an anchor the checker accepts
//! is an anchor the page has.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex};

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

    /// The next id for a heading: its explicit `{#id}` when that is safe, else its slug.
    pub fn next(&mut self, text: &str, explicit: Option<&str>) -> String {
        let base = explicit.filter(|id| valid_anchor(id)).map_or_else(|| slugify(text), str::to_string);
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
    /// Explicit heading ids (`{#id}`) outside the safe set, and heading attributes other
    /// than ids and classes (`{onfocus=…}`), with where they are written.
    pub bad_ids: Vec<(String, Range<usize>)>,
    /// Fenced code blocks too large to highlight, with where they start.
    pub large_code: Vec<(usize, Range<usize>)>,
    /// `[text](target with spaces)`: Markdown shows it as text, not as a link.
    pub spaced_links: Vec<Range<usize>>,
    /// The text split at headings, as [`sections`] splits it, taken in the same pass so that
    /// search does not parse the article a third time. Never stored in the build cache: a
    /// scan read from there has none, and search splits the text itself.
    pub sections: Option<Arc<Sections>>,
}

/// A text split at headings: `(heading id, heading text, section text)`, the part before the
/// first heading first (with no id and no heading).
pub type Sections = Vec<(Option<String>, String, String)>;

/// [`Sections`] as the text's events come: plain text (code included) goes to the current
/// section, a break or the end of a block is a space, and a heading starts a section.
struct SectionSplitter {
    out: Sections,
    ids: HeadingIds,
    heading: Option<(Option<String>, String)>,
}

impl SectionSplitter {
    fn new() -> SectionSplitter {
        SectionSplitter { out: vec![(None, String::new(), String::new())], ids: HeadingIds::default(), heading: None }
    }

    fn event(&mut self, event: &Event) {
        match event {
            Event::Start(Tag::Heading { id, .. }) => {
                self.heading = Some((id.as_ref().map(|s| s.to_string()), String::new()))
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((explicit, h)) = self.heading.take() {
                    let id = self.ids.next(&h, explicit.as_deref());
                    self.out.push((Some(id), h, String::new()));
                }
            }
            Event::Text(t) | Event::Code(t) => match self.heading.as_mut() {
                Some((_, h)) => h.push_str(t),
                None => {
                    if let Some(last) = self.out.last_mut() {
                        last.2.push_str(t);
                    }
                }
            },
            Event::SoftBreak | Event::HardBreak | Event::End(_) if self.heading.is_none() => {
                if let Some(last) = self.out.last_mut() {
                    last.2.push(' ');
                }
            }
            _ => {}
        }
    }
}

/// `text` split at headings (see [`Sections`]).
pub fn sections(text: &str) -> Sections {
    let mut split = SectionSplitter::new();
    for event in Parser::new_ext(text, options()) {
        split.event(&event);
    }
    split.out
}

/// The scans of earlier builds, so a rebuild parses only the articles that changed: by a
/// 128-bit hash of the text scanned. An entry is used only if it could be a scan of that
/// text (every range inside it on character boundaries, every link written where it says,
/// every heading id safe in an attribute), so a damaged or tampered cache can at worst
/// misplace a diagnostic or misname a heading; it never adds markup, and every link it holds
/// is in the text and is resolved like any other.
#[derive(Debug, Default)]
pub struct ScanMemo {
    stored: HashMap<u128, Arc<Scan>>,
    /// Every scan asked for in this run, for [`ScanMemo::save`].
    used: Mutex<HashMap<u128, Arc<Scan>>>,
}

impl ScanMemo {
    /// The scan of `text`: from an earlier build, or an earlier load in this process (a
    /// `serve` reload), when it holds one; else scanned now.
    pub fn scan(&self, text: &str) -> Scan {
        let key = scan_key(text);
        let stored = self.stored.get(&key).filter(|s| s.fits(text)).cloned();
        let earlier = || self.used.lock().ok().and_then(|used| used.get(&key).cloned());
        // A fresh scan's sections go to the caller alone: kept here, they would outlive their use.
        let mut sections = None;
        let scan = stored.or_else(earlier).unwrap_or_else(|| {
            let mut fresh = scan(text);
            sections = fresh.sections.take();
            Arc::new(fresh)
        });
        let mut copy = Scan::clone(&scan);
        copy.sections = sections;
        if let Ok(mut used) = self.used.lock() {
            used.insert(key, scan);
        }
        copy
    }

    /// Reads what [`ScanMemo::save`] wrote. A missing file, one from another build of
    /// pathbook, or a damaged one is ignored (whole, from the first damage on).
    pub fn load(&mut self, path: &std::path::Path) {
        let Ok(bytes) = std::fs::read(path) else { return };
        let Some(stamp) = crate::cache::stamp("scan") else { return };
        let Some(mut rest) = bytes.strip_prefix(stamp.as_bytes()) else { return };
        while !rest.is_empty() {
            let Some((key, scan)) = read_entry(&mut rest) else { break };
            self.stored.insert(key, Arc::new(scan));
        }
    }

    /// Writes the scans used in this run (only those, so the file never outgrows the site),
    /// atomically.
    pub fn save(&self, path: &std::path::Path) -> std::io::Result<()> {
        let used = self.used.lock().map_err(|_| std::io::Error::other("scan memo poisoned"))?;
        if used.len() == self.stored.len() && used.keys().all(|k| self.stored.contains_key(k)) {
            return Ok(());
        }
        let Some(stamp) = crate::cache::stamp("scan") else { return Ok(()) };
        let mut out = Vec::from(stamp.as_bytes());
        let mut entries: Vec<_> = used.iter().collect();
        entries.sort_unstable_by_key(|(k, _)| **k);
        for (key, scan) in entries {
            out.extend_from_slice(&key.to_le_bytes());
            write_scan(&mut out, scan)?;
        }
        crate::cache::replace(path, &out)
    }
}

/// The memo's key for a text.
fn scan_key(text: &str) -> u128 {
    crate::cache::key128(0x7363_616e_0000_0000, text)
}

fn write_scan(out: &mut Vec<u8>, s: &Scan) -> std::io::Result<()> {
    use crate::cache::{put_field, put_number};
    let range = |out: &mut Vec<u8>, r: &Range<usize>| {
        put_number(out, r.start);
        put_number(out, r.end);
    };
    put_number(out, s.headings.len());
    for h in &s.headings {
        put_number(out, usize::from(h.level));
        put_field(out, h.text.as_bytes())?;
        put_field(out, h.id.as_bytes())?;
    }
    put_number(out, s.links.len());
    for l in &s.links {
        put_field(out, l.dest.as_bytes())?;
        range(out, &l.range);
        put_number(out, usize::from(l.is_image));
    }
    put_number(out, s.bad_ids.len());
    for (text, r) in &s.bad_ids {
        put_field(out, text.as_bytes())?;
        range(out, r);
    }
    put_number(out, s.large_code.len());
    for (len, r) in &s.large_code {
        put_number(out, *len);
        range(out, r);
    }
    put_number(out, s.spaced_links.len());
    for r in &s.spaced_links {
        range(out, r);
    }
    Ok(())
}

/// One entry as [`ScanMemo::save`] wrote it; `None` at damage. A count is never trusted for
/// an allocation: each item is read before it is kept.
fn read_entry(rest: &mut &[u8]) -> Option<(u128, Scan)> {
    use crate::cache::{take_field, take_number};
    let (key, tail) = rest.split_first_chunk::<16>()?;
    *rest = tail;
    let key = u128::from_le_bytes(*key);
    let range = |rest: &mut &[u8]| Some(take_number(rest)?..take_number(rest)?);
    let mut s = Scan::default();
    for _ in 0..take_number(rest)? {
        let level = u8::try_from(take_number(rest)?).ok()?;
        s.headings.push(Heading { level, text: take_field(rest)?, id: take_field(rest)? });
    }
    for _ in 0..take_number(rest)? {
        let dest = take_field(rest)?;
        let range = range(rest)?;
        s.links.push(LinkRef { dest, range, is_image: take_number(rest)? != 0 });
    }
    for _ in 0..take_number(rest)? {
        let text = take_field(rest)?;
        s.bad_ids.push((text, range(rest)?));
    }
    for _ in 0..take_number(rest)? {
        let len = take_number(rest)?;
        s.large_code.push((len, range(rest)?));
    }
    for _ in 0..take_number(rest)? {
        s.spaced_links.push(range(rest)?);
    }
    Some((key, s))
}

impl Scan {
    /// Whether this could be a scan of `text`: every range inside it on character
    /// boundaries, every link's destination written within its range, every heading level a
    /// heading's and every heading id one [`HeadingIds`] could give (letters, digits, `-`,
    /// `_` and `.`: nothing that leaves an attribute).
    fn fits(&self, text: &str) -> bool {
        let inside = |r: &Range<usize>| r.start <= r.end && text.get(r.clone()).is_some();
        let id = |id: &str| !id.is_empty() && id.chars().all(|c| c.is_alphanumeric() || "-_.".contains(c));
        self.headings.iter().all(|h| (1..=6).contains(&h.level) && id(&h.id))
            && self.links.iter().all(|l| text.get(l.range.clone()).is_some_and(|at| at.contains(l.dest.as_str())))
            && self.bad_ids.iter().all(|(_, r)| inside(r))
            && self.large_code.iter().all(|(_, r)| inside(r))
            && self.spaced_links.iter().all(inside)
    }
}

/// Ids that become attributes and URL fragments: letters, digits, `-`, `_` and `.`, so an id
/// can never close an attribute or start script, whatever page or PDF it lands in.
pub fn valid_anchor(id: &str) -> bool {
    !id.is_empty() && id.len() <= 128 && id.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// The largest fenced code block the site highlights; larger ones are shown as plain text.
pub const MAX_HIGHLIGHT_BYTES: usize = 64 * 1024;
/// The longest line a highlighted block may have (a grammar's cost grows with line length).
pub const MAX_HIGHLIGHT_LINE: usize = 4 * 1024;

/// Whether a code block is small enough to highlight.
pub fn highlightable(code: &str) -> bool {
    code.len() <= MAX_HIGHLIGHT_BYTES && code.lines().all(|l| l.len() <= MAX_HIGHLIGHT_LINE)
}

/// What a link destination is, decided the way a browser reads URLs (case-insensitive scheme;
/// tabs, newlines and leading control characters ignored), so `JaVa\tScript:` is caught too.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dest {
    /// `blocker:ID`, `path:ID#step`, …
    Catalog,
    /// `#heading` on the same page.
    Fragment,
    /// A path relative to the page: `other.md#x`, `img/diagram.png`.
    Relative,
    /// `http:`, `https:`, `mailto:` or scheme-relative `//host/…`.
    Web,
    /// Any other scheme (`javascript:`, `data:`, `file:`, `vbscript:`): never published.
    Forbidden(String),
}

pub fn classify(dest: &str) -> Dest {
    if split_ref(dest).is_some() {
        return Dest::Catalog;
    }
    let cleaned: String =
        dest.trim_start_matches(|c: char| c <= ' ').chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    if cleaned.starts_with('#') {
        return Dest::Fragment;
    }
    if cleaned.starts_with("//") {
        return Dest::Web;
    }
    let scheme_end = cleaned.find(':');
    let first_special = cleaned.find(['/', '?', '#']);
    match scheme_end {
        Some(i) if first_special.is_none_or(|j| i < j) => {
            let scheme = &cleaned[..i];
            let is_scheme = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
            if !is_scheme {
                return Dest::Forbidden(scheme.to_string());
            }
            match scheme.to_ascii_lowercase().as_str() {
                "http" | "https" | "mailto" => Dest::Web,
                other => Dest::Forbidden(other.to_string()),
            }
        }
        _ => Dest::Relative,
    }
}

/// Headings (with their page ids), links, unsafe heading ids and oversized code blocks of a
/// Markdown text.
pub fn scan(text: &str) -> Scan {
    let mut out = Scan::default();
    let mut ids = HeadingIds::default();
    let mut heading: Option<(u8, Option<String>, String)> = None;
    let mut code: Option<(usize, String)> = None;
    let mut split = SectionSplitter::new();
    for (event, range) in Parser::new_ext(text, options()).into_offset_iter() {
        split.event(&event);
        if let Some((start, buf)) = code.as_mut() {
            match event {
                Event::Text(t) => buf.push_str(&t),
                Event::End(TagEnd::CodeBlock) => {
                    if !highlightable(buf) {
                        let first_line = text[*start..].find('\n').map_or(text.len(), |i| *start + i);
                        out.large_code.push((buf.len(), *start..first_line));
                    }
                    code = None;
                }
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(Tag::CodeBlock(_)) => code = Some((range.start, String::new())),
            Event::Start(Tag::Heading { level, id, classes, attrs }) => {
                let explicit = id.map(|s| s.to_string());
                let within = &text[range.clone()];
                let at = within.rfind('{').map_or(range.clone(), |i| range.start + i..range.end);
                // One entry per heading, naming everything wrong with its `{…}`.
                let mut wrong: Vec<String> = Vec::new();
                if let Some(id) = explicit.as_deref().filter(|id| !valid_anchor(id)) {
                    wrong.push(id.to_string());
                }
                wrong.extend(classes.iter().filter(|c| !valid_anchor(c)).map(|c| format!(".{c}")));
                wrong.extend(attrs.iter().map(|(k, v)| match v {
                    Some(v) => format!("{k}={v}"),
                    None => k.to_string(),
                }));
                if !wrong.is_empty() {
                    out.bad_ids.push((wrong.join(" "), at));
                }
                let explicit = explicit.filter(|id| valid_anchor(id));
                heading = Some((level_num(level), explicit, String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, explicit, text)) = heading.take() {
                    let id = ids.next(&text, explicit.as_deref());
                    out.headings.push(Heading { level, text: text.trim().to_string(), id });
                }
            }
            Event::Text(t) => {
                if let Some((_, _, h)) = heading.as_mut() {
                    h.push_str(&t);
                }
                if let Some(r) = spaced_link(text, range.clone()) {
                    out.spaced_links.push(r);
                }
            }
            Event::Code(t) => {
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
    out.sections = Some(Arc::new(split.out));
    out
}

/// In a run of plain text, `](target with spaces)` right after a `]`: the author meant a link
/// (the target looks like a file, an anchor or a catalog reference), Markdown made it text.
fn spaced_link(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    let src = &text[range.clone()];
    // `]` found by `memchr`, then `(` after it: most text has neither, and a two-byte
    // substring search costs more to set up than this whole scan.
    let bracket = src.match_indices(']').map(|(i, _)| i).find(|&i| src.as_bytes().get(i + 1) == Some(&b'('));
    let open = match bracket {
        Some(i) => i + 1,
        None if src.starts_with('(') && text[..range.start].ends_with(']') => 0,
        None => return None,
    };
    let rest = &src[open + 1..];
    let close = rest.find(')')?;
    let target = &rest[..close];
    let looks_like_link = target.contains(".md") || target.contains('#') || target.contains(':');
    let spaced = target.trim().contains(char::is_whitespace);
    (looks_like_link && spaced).then(|| range.start + open..range.start + open + close + 2)
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
pub const SCHEMES: [&str; 8] =
    ["component", "blocker", "prerequisite", "path", "article", "fact", "condition", "effect"];

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
    fn a_link_target_with_spaces_is_found_where_it_is_written() {
        let text = "See [the apps](after.md#Runtimes and apps) and [x](https://example.com).\n\n`[a](b c.md)`\n";
        let scan = scan(text);
        assert_eq!(scan.spaced_links.len(), 1, "{:?}", scan.spaced_links);
        assert_eq!(&text[scan.spaced_links[0].clone()], "(after.md#Runtimes and apps)");
        // Plain prose in parentheses is not a link.
        assert!(super::scan("A note [sic] (see below for more).").spaced_links.is_empty());
        // The first `]` right before a `(` opens the target, after any other `]`.
        let text = "Odd ]] and ]](d e.md#f g).";
        let found = super::scan(text).spaced_links;
        assert_eq!(found.iter().map(|r| &text[r.clone()]).collect::<Vec<_>>(), ["(d e.md#f g)"]);
    }

    /// The scan splits the text into sections exactly as splitting it on its own does: on
    /// samples with every kind of block, and on every article of the shipped knowledge base.
    #[test]
    fn the_scan_splits_sections_as_the_text_alone_splits() {
        let mut texts: Vec<String> = [
            "",
            "No heading at all,\nsoft break.  \nHard break.",
            "Intro\n\n# One\n\ntext `code` *em*\n\n## One\n\n### `Two` words {#custom}\n\nmore",
            "Setext\n======\n\nbody\n\n- a\n- b\n\n| x | y |\n|---|---|\n| 1 | 2 |\n",
            "```powershell\nGet-Service # not a heading\n```\n\n# After code {#bad\"id}\n\n<b>raw</b> html\n",
            "# Dup\n\n# Dup\n\n# Dup-1\n\n> quote\n> more\n\n1. one\n2. two [link](x.md#a)\n",
            "    indented code\n\n# Ü nïcode ∑\n\nfootnote[^1]\n\n[^1]: the note\n",
        ]
        .map(String::from)
        .to_vec();
        let content = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
        for entry in walkdir::WalkDir::new(&content).into_iter().flatten() {
            if entry.path().extension().is_some_and(|e| e == "md") {
                texts.push(std::fs::read_to_string(entry.path()).expect("read an article"));
            }
        }
        assert!(texts.len() > 10, "the shipped articles were not found under {}", content.display());
        for text in &texts {
            let scanned = scan(text).sections.expect("a fresh scan keeps its sections");
            assert_eq!(*scanned, sections(text), "{text:?}");
        }
    }

    /// The memo hands a fresh scan's sections to its caller and keeps none: they are used
    /// once, and kept they would stay in memory for the whole build.
    #[test]
    fn the_scan_memo_hands_sections_over_and_keeps_none() {
        let memo = ScanMemo::default();
        let text = "Intro\n\n# Step\n\nDo it.\n";
        let first = memo.scan(text).sections.expect("a fresh scan has sections");
        assert_eq!(first.len(), 2);
        assert!(memo.scan(text).sections.is_none(), "the memo kept the sections");
        assert_eq!(Arc::strong_count(&first), 1);
    }

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

    #[test]
    fn unsafe_heading_ids_are_reported_and_never_used() {
        let text = "# Notes {#notes\"/autofocus/onfocus=\"alert(1)}\n\n## Fine {#fine_1.2}\n";
        let s = scan(text);
        assert_eq!(s.bad_ids.len(), 1);
        assert!(text[s.bad_ids[0].1.clone()].starts_with("{#notes"));
        assert_eq!(s.headings.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(), ["notes", "fine_1.2"]);
    }

    #[test]
    fn link_schemes_are_read_like_a_browser_reads_them() {
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " javascript:x",
            "java\tscript:x",
            "\u{1}javascript:x",
            "data:text/html,x",
            "vbscript:x",
            "file:///etc/passwd",
        ] {
            assert!(matches!(classify(bad), Dest::Forbidden(_)), "{bad:?}");
        }
        assert_eq!(classify("https://example.com/a:b"), Dest::Web);
        assert_eq!(classify("MAILTO:x@example.com"), Dest::Web);
        assert_eq!(classify("//cdn.example.com/x"), Dest::Web);
        assert_eq!(classify("other.md#a:b"), Dest::Relative);
        assert_eq!(classify("dir/file:name.png"), Dest::Relative);
        assert_eq!(classify("#top"), Dest::Fragment);
        assert_eq!(classify("blocker:x"), Dest::Catalog);
        assert!(matches!(classify("Blocker:x"), Dest::Forbidden(_)));
    }
}

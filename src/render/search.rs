//! The offline search index: elasticlunr (built here by elasticlunr-rs, queried in the browser
//! by elasticlunr.js). It ships as a script that assigns a global, because `fetch` of a JSON
//! file is refused on `file://`. Articles are indexed per section so results land on the
//! heading that matched.

use elasticlunr::IndexBuilder;
use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use serde::Serialize;

use super::{Renderer, md};
use crate::markdown::{HeadingIds, options};
use crate::model::*;

/// One search result target: `[title, url, kind, teaser]` in the shipped JSON.
#[derive(Serialize)]
struct Doc(String, String, &'static str, String);

const TEASER: usize = 160;

fn teaser(text: &str) -> String {
    let t = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.chars().count() <= TEASER {
        return t;
    }
    let cut: String = t.chars().take(TEASER).collect();
    match cut.rfind(' ') {
        Some(i) => format!("{}…", &cut[..i]),
        None => format!("{cut}…"),
    }
}

/// An article's text split at headings: `(heading id, heading text, section text)`.
fn sections(text: &str) -> Vec<(Option<String>, String, String)> {
    let mut out: Vec<(Option<String>, String, String)> = vec![(None, String::new(), String::new())];
    let mut ids = HeadingIds::default();
    let mut heading: Option<(Option<String>, String)> = None;
    for event in Parser::new_ext(text, options()) {
        match event {
            Event::Start(Tag::Heading { id, .. }) => heading = Some((id.map(|s| s.to_string()), String::new())),
            Event::End(TagEnd::Heading(_)) => {
                if let Some((explicit, h)) = heading.take() {
                    let id = ids.next(&h, explicit.as_deref());
                    out.push((Some(id), h, String::new()));
                }
            }
            Event::Text(t) | Event::Code(t) => match heading.as_mut() {
                Some((_, h)) => h.push_str(&t),
                None => {
                    let last = out.last_mut().expect("never empty");
                    last.2.push_str(&t);
                }
            },
            Event::SoftBreak | Event::HardBreak | Event::End(_) if heading.is_none() => {
                out.last_mut().expect("never empty").2.push(' ');
            }
            _ => {}
        }
    }
    out
}

/// Entities per shard: an edit re-indexes one shard, and shards stay big enough for their
/// term statistics (and so scores) to be comparable.
const PER_SHARD: usize = 400;

/// FNV-1a: a stable hash, so an entity stays in its shard from one build to the next.
fn stable_hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl Renderer<'_> {
    fn entity_count(&self) -> usize {
        let c = self.cat;
        c.blockers.len() + c.paths.len() + c.prerequisites.len() + c.articles.len() + c.components.len()
    }

    pub fn search_shards(&self) -> usize {
        self.entity_count().div_ceil(PER_SHARD).max(1)
    }

    /// The shard an entity's documents live in.
    pub fn shard_of(&self, r: &Ref) -> usize {
        let key = self.cat.ref_label(&match r {
            Ref::Path(p, _) => Ref::Path(*p, None),
            Ref::Article(a, _) => Ref::Article(*a, None),
            other => other.clone(),
        });
        (stable_hash(&key) % self.search_shards() as u64) as usize
    }

    /// `assets/search-index.js`: how many shards to load.
    pub fn search_manifest(&self) -> super::pages::PageOut {
        let body = format!("window.pathbookSearch = {{\"shards\": {}}};\n", self.search_shards());
        ("assets/search-index.js".into(), body.into_bytes())
    }

    /// `assets/search/N.js`: one shard's elasticlunr index and result documents.
    pub fn search_shard(&self, n: usize) -> super::pages::PageOut {
        let cat = self.cat;
        let mut docs: Vec<Doc> = Vec::new();
        let mut bodies: Vec<String> = Vec::new();
        let mut push = |title: String, url: String, kind: &'static str, body: String| {
            docs.push(Doc(title, url, kind, teaser(&body)));
            bodies.push(body);
        };
        let text = |m: &Markdown| if m.is_empty() { String::new() } else { md::to_text(&m.text) };
        let mine = |r: &Ref| self.shard_of(r) == n;
        for (i, b) in cat.blockers.iter().enumerate() {
            let r = Ref::Blocker(BlockerIdx(i as u32));
            if !mine(&r) {
                continue;
            }
            let body = [b.summary.clone(), text(&b.symptoms), text(&b.explanation), text(&b.resolution), b.id.clone()]
                .join(" ");
            push(b.title.clone(), super::links::url(cat, &r), "blocker", body);
        }
        for (i, p) in cat.paths.iter().enumerate() {
            let r = Ref::Path(PathIdx(i as u32), None);
            if !mine(&r) {
                continue;
            }
            let mut body = vec![p.summary.clone(), text(&p.description)];
            for s in &p.steps {
                body.push(s.title.clone());
            }
            push(p.title.clone(), super::links::url(cat, &r), "path", body.join(" "));
            for s in &p.steps {
                let r = Ref::Path(PathIdx(i as u32), Some(s.id.clone()));
                let body = [text(&s.instructions), text(&s.verify)].join(" ");
                push(format!("{} — {}", s.title, p.title), super::links::url(cat, &r), "step", body);
            }
        }
        for (i, p) in cat.prerequisites.iter().enumerate() {
            let r = Ref::Prerequisite(PrereqIdx(i as u32));
            if !mine(&r) {
                continue;
            }
            let body = [p.summary.clone(), text(&p.explanation), text(&p.how), p.id.clone()].join(" ");
            push(p.title.clone(), super::links::url(cat, &r), "prerequisite", body);
        }
        for (i, a) in cat.articles.iter().enumerate() {
            let r = Ref::Article(ArticleIdx(i as u32), None);
            if !mine(&r) {
                continue;
            }
            let url = super::links::url(cat, &r);
            for (k, (id, heading, body)) in sections(&a.body).into_iter().enumerate() {
                match id {
                    None => push(a.title.clone(), url.clone(), "article", format!("{} {}", a.summary, body)),
                    Some(id) if k > 0 => {
                        push(format!("{} — {}", heading.trim(), a.title), format!("{url}#{id}"), "section", body)
                    }
                    Some(_) => {}
                }
            }
        }
        for (i, c) in cat.components.iter().enumerate() {
            let r = Ref::Component(CompIdx(i as u32));
            if !mine(&r) {
                continue;
            }
            let body = [c.summary.clone(), text(&c.description), c.also_known_as.join(" "), c.id.clone()].join(" ");
            push(c.title.clone(), super::links::url(cat, &r), "component", body);
        }
        let mut index = IndexBuilder::new().save_docs(false).add_fields(["title", "body"]).build();
        for (i, (d, body)) in docs.iter().zip(&bodies).enumerate() {
            index.add_doc(&i.to_string(), [d.0.as_str(), body.as_str()]);
        }
        let docs_json = serde_json::to_string(&docs).unwrap_or_else(|_| "[]".into());
        // `<` only occurs inside JSON strings, where `\u003c` means the same; this way the data
        // can never close a script element, even if a theme inlines it.
        let body = format!(
            "(window.pathbookSearchShards = window.pathbookSearchShards || {{}})[{n}] = {{\"index\": {}, \"docs\": {}}};\n",
            index.to_json(),
            docs_json
        )
        .replace('<', "\\u003c");
        (format!("assets/search/{n}.js"), body.into_bytes())
    }
}

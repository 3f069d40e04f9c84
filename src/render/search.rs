//! The offline search index: elasticlunr (built here by elasticlunr-rs, queried in the browser
//! by elasticlunr.js). It ships as a script that assigns a global, because `fetch` of a JSON
//! file is refused on `file://`. Articles are indexed per section so results land on the
//! heading that matched.

use std::collections::{BTreeMap, HashMap};

use elasticlunr::{Language, lang::English};
use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use serde::Serialize;

use super::Renderer;
use crate::markdown::{HeadingIds, options};
use crate::model::*;

/// One search result target: `[title, url, kind, teaser]` in the shipped JSON.
#[derive(Serialize)]
struct Doc(String, String, &'static str, String);

/// One shard as shipped: its documents, and their terms in a compact form that the theme's
/// script expands into an elasticlunr.js index with `addToken`. The terms are what
/// elasticlunr-rs's English pipeline (tokenizer, trimmer, stop words, stemmer — the same as
/// elasticlunr.js's) makes of each field; elasticlunr's own serialisation spells every term as
/// a tree of one-letter objects and every posting as `"12":{"tf":1.0}`, about six times the
/// size of this, and a reader downloads every shard.
#[derive(Serialize)]
struct Shard {
    docs: Vec<Doc>,
    /// `[title terms, body terms]` per document: elasticlunr's field-length norm.
    lengths: Vec<[usize; 2]>,
    /// `[title, body]`: term → the documents it occurs in, `n` or `[n, count]`.
    terms: [BTreeMap<String, Vec<Posting>>; 2],
}

#[derive(Serialize)]
#[serde(untagged)]
enum Posting {
    Once(usize),
    Often([usize; 2]),
}

impl Shard {
    fn new(docs: Vec<Doc>, bodies: &[String]) -> Shard {
        let lang = English::new();
        let pipeline = lang.make_pipeline();
        let mut memo: HashMap<String, Option<String>> = HashMap::new();
        let mut lengths = Vec::with_capacity(docs.len());
        let mut terms: [BTreeMap<String, Vec<Posting>>; 2] = Default::default();
        for (i, (doc, body)) in docs.iter().zip(bodies).enumerate() {
            let mut length = [0; 2];
            for (field, text) in [doc.0.as_str(), body.as_str()].into_iter().enumerate() {
                let tokens: Vec<String> = lang
                    .tokenize(text)
                    .into_iter()
                    .filter_map(|raw| {
                        // The pipeline works token by token; a shard has a few thousand
                        // distinct words, each stemmed once.
                        memo.entry(raw).or_insert_with_key(|raw| pipeline.run(vec![raw.clone()]).pop()).clone()
                    })
                    .collect();
                let mut counts: BTreeMap<String, usize> = BTreeMap::new();
                for t in &tokens {
                    *counts.entry(t.clone()).or_default() += 1;
                }
                // A body is indexed as a set of terms (see `distinct_words`): a word that
                // occurs in two spellings ("PowerShell", "PowerShell's") counts once.
                if field == 1 {
                    counts.values_mut().for_each(|c| *c = 1);
                    length[field] = counts.len();
                } else {
                    length[field] = tokens.len();
                }
                for (term, count) in counts {
                    let posting = if count == 1 { Posting::Once(i) } else { Posting::Often([i, count]) };
                    terms[field].entry(term).or_default().push(posting);
                }
            }
            lengths.push(length);
        }
        Shard { docs, lengths, terms }
    }
}

const TEASER: usize = 140;

fn teaser(text: &str) -> String {
    // Words up to just past the limit; the rest of a long section cannot show.
    let mut t = String::new();
    for w in text.split_whitespace() {
        if t.chars().count() > TEASER {
            break;
        }
        if !t.is_empty() {
            t.push(' ');
        }
        t.push_str(w);
    }
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
const PER_SHARD: usize = 100;

/// Characters of distinct words indexed per document (a section, a step, an entity). Titles
/// and headings are always indexed in full. A browser downloads the whole index, so its size
/// is what a reader pays for.
const BODY_CHARS: usize = 600;

/// The distinct words of a text, in order of first appearance, up to [`BODY_CHARS`].
/// elasticlunr scores term frequency as √tf, so repeated words add more to the index's size
/// than to its ranking; every word stays findable.
fn distinct_words(text: &str) -> String {
    let mut seen = std::collections::HashSet::new();
    let mut out = String::with_capacity(text.len().min(BODY_CHARS + 16));
    for w in text.split_whitespace() {
        let key = w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
        if key.is_empty() || !seen.insert(key) {
            continue;
        }
        if out.len() + w.len() + 1 > BODY_CHARS {
            break;
        }
        out.push_str(w);
        out.push(' ');
    }
    out
}

/// FNV-1a over several pieces: a stable hash, so an entity stays in its shard from one build
/// to the next.
fn stable_hash(pieces: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for s in pieces {
        for b in s.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

impl Renderer<'_> {
    fn entity_count(&self) -> usize {
        let c = self.cat;
        c.blockers.len()
            + c.paths.len()
            + c.prerequisites.len()
            + c.articles.len()
            + c.components.len()
            + c.facts.len()
            + c.conditions.len()
            + c.effects.len()
    }

    pub fn search_shards(&self) -> usize {
        self.entity_count().div_ceil(PER_SHARD).max(1)
    }

    /// The shard an entity's documents live in.
    pub fn shard_of(&self, r: &Ref) -> usize {
        let cat = self.cat;
        let (kind, id) = match r {
            Ref::Component(c) => ("component:", cat.components[c.idx()].id.as_str()),
            Ref::Blocker(b) => ("blocker:", cat.blockers[b.idx()].id.as_str()),
            Ref::Prerequisite(p) => ("prerequisite:", cat.prerequisites[p.idx()].id.as_str()),
            Ref::Path(p, _) => ("path:", cat.paths[p.idx()].id.as_str()),
            Ref::Article(a, _) => ("article:", cat.articles[a.idx()].slug.as_str()),
            Ref::Fact(f) => ("fact:", cat.facts[f.idx()].id.as_str()),
            Ref::Condition(c) => ("condition:", cat.conditions[c.idx()].id.as_str()),
            Ref::Effect(e) => ("effect:", cat.effects[e.idx()].id.as_str()),
        };
        (stable_hash(&[kind, id]) % self.search_shards() as u64) as usize
    }

    /// Every entity grouped by shard, computed once per renderer.
    fn shard_members(&self) -> &[Vec<Ref>] {
        self.shards.get_or_init(|| {
            let cat = self.cat;
            let mut out = vec![Vec::new(); self.search_shards()];
            let refs = (0..cat.blockers.len())
                .map(|i| Ref::Blocker(BlockerIdx(i as u32)))
                .chain((0..cat.paths.len()).map(|i| Ref::Path(PathIdx(i as u32), None)))
                .chain((0..cat.prerequisites.len()).map(|i| Ref::Prerequisite(PrereqIdx(i as u32))))
                .chain((0..cat.articles.len()).map(|i| Ref::Article(ArticleIdx(i as u32), None)))
                .chain((0..cat.components.len()).map(|i| Ref::Component(CompIdx(i as u32))))
                .chain((0..cat.facts.len()).map(|i| Ref::Fact(FactIdx(i as u32))))
                .chain((0..cat.conditions.len()).map(|i| Ref::Condition(NamedIdx(i as u32))))
                .chain((0..cat.effects.len()).map(|i| Ref::Effect(EffectIdx(i as u32))));
            for r in refs {
                let n = self.shard_of(&r);
                out[n].push(r);
            }
            out
        })
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
        // `id` (a rule's id, so that searching for it finds the rule) is indexed first, before
        // the body's word budget runs out, and stays out of the teaser.
        let mut push = |title: String, url: String, kind: &'static str, id: &str, body: String| {
            docs.push(Doc(title, url, kind, teaser(&body)));
            bodies.push(if id.is_empty() { distinct_words(&body) } else { distinct_words(&format!("{id} {body}")) });
        };
        let text = |m: &Markdown| if m.is_empty() { String::new() } else { crate::markdown::to_text(&m.text) };
        let members = self.shard_members().get(n).cloned().unwrap_or_default();
        for r in &members {
            match r {
                Ref::Blocker(b) => {
                    let b = &cat.blockers[b.idx()];
                    let body =
                        [b.summary.clone(), text(&b.symptoms), text(&b.explanation), text(&b.resolution)].join(" ");
                    push(b.title.clone(), super::links::url(cat, r), "blocker", &b.id, body);
                }
                Ref::Path(pi, _) => {
                    let p = &cat.paths[pi.idx()];
                    let mut body = vec![p.summary.clone(), text(&p.description)];
                    for s in &p.steps {
                        body.push(s.title.clone());
                    }
                    push(p.title.clone(), super::links::url(cat, r), "path", &p.id, body.join(" "));
                    for s in &p.steps {
                        let step = Ref::Path(*pi, Some(s.id.clone()));
                        let body = [text(&s.instructions), text(&s.verify)].join(" ");
                        push(format!("{} — {}", s.title, p.title), super::links::url(cat, &step), "step", "", body);
                    }
                }
                Ref::Prerequisite(p) => {
                    let p = &cat.prerequisites[p.idx()];
                    let body = [p.summary.clone(), text(&p.explanation), text(&p.how)].join(" ");
                    push(p.title.clone(), super::links::url(cat, r), "prerequisite", &p.id, body);
                }
                Ref::Article(a, _) => {
                    // The article's own document holds its summary, headings and introduction;
                    // every section is a document of its own, so a match on a word lands on the
                    // heading above it and each word is indexed once.
                    let a = &cat.articles[a.idx()];
                    let url = super::links::url(cat, r);
                    let sections = sections(&a.body);
                    let mut intro = a.summary.clone();
                    for (i, (_, heading, body)) in sections.iter().enumerate() {
                        intro.push(' ');
                        intro.push_str(if i == 0 { body } else { heading });
                    }
                    push(a.title.clone(), url.clone(), "article", "", intro);
                    for (id, heading, body) in sections.iter().skip(1) {
                        if let Some(id) = id {
                            let title = format!("{} — {}", heading.trim(), a.title);
                            push(title, format!("{url}#{id}"), "section", "", body.clone());
                        }
                    }
                }
                Ref::Component(c) => {
                    let c = &cat.components[c.idx()];
                    let body = [c.summary.clone(), text(&c.description), c.also_known_as.join(" ")].join(" ");
                    push(c.title.clone(), super::links::url(cat, r), "component", &c.id, body);
                }
                Ref::Fact(f) => {
                    let f = &cat.facts[f.idx()];
                    let body = [f.summary.clone(), text(&f.description), f.ty.values().join(" ")].join(" ");
                    push(f.title.clone(), super::links::url(cat, r), "fact", &f.id, body);
                }
                Ref::Condition(c) => {
                    let c = &cat.conditions[c.idx()];
                    let body = [c.summary.clone(), text(&c.description)].join(" ");
                    push(c.title.clone(), super::links::url(cat, r), "condition", &c.id, body);
                }
                Ref::Effect(e) => {
                    let e = &cat.effects[e.idx()];
                    let body = [e.summary.clone(), text(&e.explanation)].join(" ");
                    push(e.title.clone(), super::links::url(cat, r), "effect", &e.id, body);
                }
            }
        }
        let shard = Shard::new(docs, &bodies);
        let json = serde_json::to_string(&shard).unwrap_or_else(|_| "{}".into());
        // `<` only occurs inside JSON strings, where `\u003c` means the same; this way the data
        // can never close a script element, even if a theme inlines it.
        let body = format!("(window.pathbookSearchShards = window.pathbookSearchShards || {{}})[{n}] = {json};\n")
            .replace('<', "\\u003c");
        (format!("assets/search/{n}.js"), body.into_bytes())
    }
}

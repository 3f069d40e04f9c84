//! The offline search index, split so that a query downloads only what it needs.
//!
//! Terms are what elasticlunr-rs's English pipeline (tokenizer, trimmer, stop words, stemmer)
//! makes of each document; the browser runs elasticlunr.js's identical pipeline on the query.
//! The index ships as scripts that assign globals, because `fetch` is refused on `file://`:
//!
//! - `assets/search-index.js`: the manifest — document count, chunk size, and the first term
//!   of each part;
//! - `assets/search/t<N>.js`: part N, terms in order with their postings: gap, weight, gap,
//!   weight, … (each document as its distance from the previous one, the weight already
//!   holding the field boost (title ×3), length norm and kind of page), written as one string
//!   of base-32 digits (see [`push_number`]): most postings take two characters, not five;
//! - `assets/search/d<N>.js`: result documents `[title, url, kind, teaser, also]`, in chunks,
//!   loaded only for the results shown.
//!
//! A query loads the parts its terms fall in (the terms a typed prefix begins sit together in
//! term order, which is what search-as-you-type needs), scores with the manifest's document
//! count, then loads the document chunks of the best results. Articles are indexed per
//! section so results land on the heading that matched.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use elasticlunr::{Language, lang::English};
use serde::Serialize;

use super::Renderer;
use crate::markdown::Sections;
use crate::model::*;

/// One search result: `[title, url, kind, teaser, also]` in the shipped JSON, `also` being how
/// many other paths share this very step.
#[derive(Serialize)]
struct Doc(String, String, &'static str, String, usize);

/// How a kind of page ranks: knowledge (what blocks, what to do) above reference pages.
fn kind_weight(kind: &str) -> f64 {
    match kind {
        "blocker" => 1.8,
        "path" => 1.4,
        "article" => 1.3,
        "prerequisite" => 1.2,
        "section" => 1.1,
        "step" => 0.9,
        "component" => 0.6,
        _ => 1.0,
    }
}

/// Documents per result chunk (`d<N>.js`): a page of results loads a few small files.
const DOCS_PER_CHUNK: usize = 16;

/// The size of a part of the term index: a query loads one or a few.
const PART_BYTES: usize = 32 * 1024;

/// The digits of the postings strings: a digit's value is its position modulo 32, and one
/// from the second half says that more digits of the same number follow. Every character is
/// plain in a JSON string and in a script element.
const DIGITS: &[u8; 64] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_";

/// Appends `n` in base 32, least significant digit first (`theme/pathbook.js` reads it back):
/// a number under 32 is one character, under 1,024 two.
fn push_number(out: &mut String, mut n: u32) {
    loop {
        let digit = (n & 31) as usize;
        n >>= 5;
        if n == 0 {
            out.push(DIGITS[digit] as char);
            return;
        }
        out.push(DIGITS[32 + digit] as char);
    }
}

/// One term's postings as shipped: gap and weight of each document, as digits.
fn encoded(postings: &[(u32, u32)]) -> String {
    let mut out = String::with_capacity(postings.len() * 2 + 2);
    let mut last = 0;
    for (d, w) in postings {
        push_number(&mut out, d - last);
        push_number(&mut out, *w);
        last = *d;
    }
    out
}

/// Every term's postings: term → `(document, weight × 100)`, in document order.
type Postings = BTreeMap<String, Vec<(u32, u32)>>;

/// One chunk's terms, and its postings `(term's number in the chunk, document, weight)`.
type ChunkPostings = (Vec<String>, Vec<(u32, u32, u32)>);

/// The terms of every document, weighted as elasticlunr scores a field (√tf over √length),
/// title ×3, times the kind of page.
fn postings(docs: &[Doc], bodies: &[String]) -> Postings {
    use rayon::prelude::*;
    // Each chunk of documents numbers its own terms, so a token is lowercased, stemmed and
    // hashed once per chunk and a posting is three numbers until the chunks are joined.
    let chunks: Vec<ChunkPostings> = docs
        .par_chunks(256)
        .zip(bodies.par_chunks(256))
        .enumerate()
        .map(|(c, (docs, bodies))| {
            let lang = English::new();
            let pipeline = lang.make_pipeline();
            // Token as written → its term's number (`None`: a stop word).
            let mut memo: foldhash::HashMap<String, Option<u32>> = foldhash::HashMap::default();
            let mut numbers: foldhash::HashMap<String, u32> = foldhash::HashMap::default();
            let mut terms: Vec<String> = Vec::new();
            let mut out = Vec::new();
            let mut tokens: Vec<u32> = Vec::new();
            let mut weights: Vec<(u32, f64)> = Vec::new();
            for (i, (doc, body)) in docs.iter().zip(bodies).enumerate() {
                let n = (c * 256 + i) as u32;
                weights.clear();
                for (boost, text, distinct) in [(3.0, doc.0.as_str(), false), (1.0, body.as_str(), true)] {
                    tokens.clear();
                    for raw in lang.tokenize(text) {
                        let term = *memo.entry(raw).or_insert_with_key(|raw| {
                            let stem = pipeline.run(vec![raw.clone()]).pop()?;
                            let next = terms.len() as u32;
                            Some(*numbers.entry(stem).or_insert_with_key(|stem| {
                                terms.push(stem.clone());
                                next
                            }))
                        });
                        tokens.extend(term);
                    }
                    let total = tokens.len();
                    tokens.sort_unstable();
                    let mut counts: Vec<(u32, usize)> = Vec::new();
                    for t in &tokens {
                        match counts.last_mut() {
                            Some((last, count)) if last == t => *count += 1,
                            _ => counts.push((*t, 1)),
                        }
                    }
                    // A body is indexed as a set of terms (see `distinct_words`).
                    let length = if distinct { counts.len() } else { total };
                    if length == 0 {
                        continue;
                    }
                    for (term, count) in counts {
                        let tf = if distinct { 1.0 } else { (count as f64).sqrt() };
                        weights.push((term, boost * tf / (length as f64).sqrt()));
                    }
                }
                // The title's share first, then the body's, as the sum was always taken.
                weights.sort_by_key(|(term, _)| *term);
                let kind = kind_weight(doc.2);
                let mut k = 0;
                while k < weights.len() {
                    let term = weights[k].0;
                    let mut w = 0.0;
                    while k < weights.len() && weights[k].0 == term {
                        w += weights[k].1;
                        k += 1;
                    }
                    out.push((term, n, ((w * kind * 100.0).round() as u32).max(1)));
                }
            }
            (terms, out)
        })
        .collect();
    // Joined in document order: each chunk's terms are looked up once, not each posting.
    let mut index: foldhash::HashMap<String, usize> = foldhash::HashMap::default();
    let mut lists: Vec<Vec<(u32, u32)>> = Vec::new();
    for (terms, out) in chunks {
        let at: Vec<usize> = terms
            .into_iter()
            .map(|term| {
                let next = lists.len();
                *index.entry(term).or_insert_with(|| {
                    lists.push(Vec::new());
                    next
                })
            })
            .collect();
        for (term, doc, w) in out {
            lists[at[term as usize]].push((doc, w));
        }
    }
    let mut lists: Vec<Option<Vec<(u32, u32)>>> = lists.into_iter().map(Some).collect();
    index.into_iter().map(|(term, i)| (term, lists[i].take().unwrap_or_default())).collect()
}

/// The terms cut into parts of about [`PART_BYTES`] each, in term order: a part holds every
/// term from its first up to the next part's first, so the terms that begin with what a
/// reader typed sit in one part, or a few neighbouring ones.
fn parts(terms: Vec<(&str, String)>) -> Vec<Vec<(&str, String)>> {
    let mut out: Vec<Vec<(&str, String)>> = vec![Vec::new()];
    let mut bytes = 0;
    for (t, postings) in terms {
        let size = t.len() + postings.len() + 6;
        if bytes > 0 && bytes + size > PART_BYTES {
            out.push(Vec::new());
            bytes = 0;
        }
        bytes += size;
        out.last_mut().expect("never empty").push((t, postings));
    }
    out
}

/// A script of JSON data. `<` only occurs inside JSON strings, where `\u003c` means the same;
/// so the data can never close a script element.
fn script(js: String) -> Vec<u8> {
    js.replace('<', "\\u003c").into_bytes()
}

/// A script that files `json` under `key` in the global `pathbookSearchParts`.
fn part_script(key: &str, json: &str) -> Vec<u8> {
    script(format!("(window.pathbookSearchParts = window.pathbookSearchParts || {{}})[\"{key}\"] = {json};\n"))
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

/// Phrases people also write as one word: a text with the phrase is found by the word too.
const JOINED: [(&str, &str); 3] = [("roll back", "rollback"), ("back out", "backout"), ("fail over", "failover")];

/// The one-word form of each [`JOINED`] phrase the texts contain (in any case), each after a
/// space.
fn joined_words(texts: &[&str]) -> String {
    // The phrases are ASCII: lowering ASCII letters alone finds them in any case.
    let lower: Vec<String> = texts.iter().map(|t| t.to_ascii_lowercase()).collect();
    let has = |phrase: &str| lower.iter().any(|t| t.contains(phrase));
    JOINED.iter().filter(|(phrase, _)| has(phrase)).map(|(_, word)| format!(" {word}")).collect()
}

/// The words of `text` between whitespace, as [`str::split_whitespace`] cuts them; ASCII text
/// (most of it) a byte at a time, twice as fast as decoding characters.
fn words(text: &str) -> Words<'_> {
    if text.is_ascii() { Words::Ascii { text, at: 0 } } else { Words::Other(text.split_whitespace()) }
}

enum Words<'a> {
    /// ASCII text, and how far into it the words have been taken.
    Ascii {
        text: &'a str,
        at: usize,
    },
    Other(std::str::SplitWhitespace<'a>),
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        match self {
            Words::Other(split) => split.next(),
            Words::Ascii { text, at } => {
                // ASCII whitespace as `split_whitespace` sees it; all of it is below `!`.
                let space = |b: u8| b <= b' ' && matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
                let bytes = text.as_bytes();
                let start = *at + bytes.get(*at..)?.iter().position(|&b| !space(b))?;
                let end = bytes[start..].iter().position(|&b| space(b)).map_or(bytes.len(), |n| start + n);
                *at = end;
                // Every byte is a character: any cut is on a boundary.
                text.get(start..end)
            }
        }
    }
}

/// Characters of distinct words indexed per document (a section, a step, an entity). Titles
/// and headings are always indexed in full. A browser downloads the whole index, so its size
/// is what a reader pays for.
const BODY_CHARS: usize = 600;

/// The distinct words of a text, in order of first appearance, up to [`BODY_CHARS`].
/// elasticlunr scores term frequency as √tf, so repeated words add more to the index's size
/// than to its ranking; every word stays findable.
fn distinct_words(texts: &[&str]) -> String {
    let mut seen: foldhash::HashSet<String> = foldhash::HashSet::default();
    let mut out = String::with_capacity(BODY_CHARS + 16);
    // Most words of a long text were seen before: look them up without allocating.
    let mut key = String::new();
    // The same word spelt the same way was settled already.
    let mut spellings: foldhash::HashSet<&str> = foldhash::HashSet::with_capacity_and_hasher(256, Default::default());
    // Recent spellings, checked before the set: a text says its common words again and
    // again, and comparing one slot is cheaper. A slot is picked by one number made of the
    // word's first seven bytes and its length; a word of up to seven bytes (most of them) is
    // that number alone.
    let mut recent_short = [0u64; 128];
    let mut recent: [&str; 128] = [""; 128];
    for w in texts.iter().flat_map(|t| words(t)) {
        let bytes = w.as_bytes();
        let mut packed = [0u8; 8];
        let head = bytes.len().min(7);
        packed[..head].copy_from_slice(&bytes[..head]);
        packed[7] = bytes.len().min(255) as u8;
        let number = u64::from_le_bytes(packed);
        let slot = (number.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 57) as usize;
        if bytes.len() < 8 {
            if recent_short[slot] == number {
                continue;
            }
            recent_short[slot] = number;
        } else {
            if recent[slot] == w {
                continue;
            }
            recent[slot] = w;
        }
        if !spellings.insert(w) {
            continue;
        }
        key.clear();
        let word = w.trim_matches(|c: char| !c.is_alphanumeric());
        if word.is_ascii() {
            key.push_str(word);
            key.make_ascii_lowercase();
        } else {
            key.push_str(&word.to_lowercase());
        }
        if key.is_empty() || seen.contains(key.as_str()) {
            continue;
        }
        seen.insert(key.clone());
        if out.len() + w.len() + 1 > BODY_CHARS {
            break;
        }
        out.push_str(w);
        out.push(' ');
    }
    out
}

/// A document's text: as found, or already worked out (an article's, see `article_docs`).
enum Text {
    Raw { id: String, body: String },
    Ready { teaser: String, words: String },
}

/// What the index made of each text in earlier builds, so a rebuild after a one-page edit
/// re-reads only what changed: per article, its documents (title, URL, teaser, indexed
/// words of the article and of each section); per other document, its teaser and words.
/// Keyed by a 128-bit hash of everything the entry was computed from.
///
/// Entries are text that only ever reaches the index as JSON strings, like the texts they
/// came from; a damaged or foreign file is ignored as a whole.
#[derive(Default)]
pub struct SearchMemo {
    stored: foldhash::HashMap<u128, Arc<[String]>>,
    used: Mutex<foldhash::HashMap<u128, Arc<[String]>>>,
    /// Whether `stored` is the whole file, undamaged.
    intact: bool,
}

impl SearchMemo {
    /// Reads what [`SearchMemo::save`] wrote. Returns how many entries were read.
    pub fn load(&mut self, path: &std::path::Path) -> usize {
        let Ok(bytes) = std::fs::read(path) else { return 0 };
        let Some(stamp) = crate::cache::stamp("search memo") else { return 0 };
        let Some(mut rest) = bytes.strip_prefix(stamp.as_bytes()) else { return 0 };
        let mut stored = foldhash::HashMap::default();
        while !rest.is_empty() {
            let entry = (|| {
                let (key, tail) = rest.split_first_chunk::<16>()?;
                let (count, tail) = tail.split_first_chunk::<4>()?;
                rest = tail;
                let count = u32::from_le_bytes(*count) as usize;
                // Every field takes at least its four length bytes: a count past that is damage.
                let fields = (0..count.min(rest.len() / 4 + 1))
                    .map(|_| crate::cache::take_field(&mut rest))
                    .collect::<Option<Vec<String>>>()?;
                (fields.len() == count).then(|| (u128::from_le_bytes(*key), fields))
            })();
            let Some((key, fields)) = entry else { return 0 };
            stored.insert(key, fields.into());
        }
        self.stored = stored;
        self.intact = true;
        self.stored.len()
    }

    /// Writes the entries this build used (and only those) for the next build; nothing when
    /// they are exactly what was read.
    pub fn save(&self, path: &std::path::Path) -> std::io::Result<()> {
        let used = self.used.lock().map_err(|_| std::io::Error::other("search memo poisoned"))?;
        if used.is_empty()
            || (self.intact && used.len() == self.stored.len() && used.keys().all(|k| self.stored.contains_key(k)))
        {
            return Ok(());
        }
        let Some(stamp) = crate::cache::stamp("search memo") else { return Ok(()) };
        let mut entries: Vec<_> = used.iter().collect();
        entries.sort_unstable_by_key(|(key, _)| **key);
        let mut out = Vec::from(stamp.as_bytes());
        for (key, fields) in entries {
            out.extend_from_slice(&key.to_le_bytes());
            let count = u32::try_from(fields.len()).map_err(|_| std::io::Error::other("search entry too large"))?;
            out.extend_from_slice(&count.to_le_bytes());
            for field in fields.iter() {
                crate::cache::put_field(&mut out, field.as_bytes())?;
            }
        }
        crate::cache::replace(path, &out)
    }

    /// The entry for `key`, from an earlier build or computed now.
    fn get(&self, key: u128, compute: impl FnOnce() -> Vec<String>) -> Arc<[String]> {
        let entry = match self.stored.get(&key) {
            Some(hit) => hit.clone(),
            None => compute().into(),
        };
        if let Ok(mut used) = self.used.lock() {
            used.insert(key, entry.clone());
        }
        entry
    }
}

/// A 128-bit key for the texts an entry is computed from (in order; each text's length is
/// part of it, so no two lists of texts run together).
fn memo_key(texts: &[&str]) -> u128 {
    crate::cache::key128(0x7365_6172_6368_0000, texts)
}

/// An article's documents, as [`SearchMemo`] keeps them: title, URL, teaser and words of
/// each, the article's own first, then one per section with a heading id.
fn article_docs(title: &str, summary: &str, url: &str, body: &str, split: Option<&Sections>) -> Vec<String> {
    let own;
    let sections = match split {
        Some(s) => s,
        None => {
            own = crate::markdown::sections(body);
            &own
        }
    };
    let mut intro = summary.to_string();
    for (i, (_, heading, text)) in sections.iter().enumerate() {
        intro.push(' ');
        intro.push_str(if i == 0 { text } else { heading });
    }
    let mut out = Vec::with_capacity(4 * sections.len());
    let mut push = |title: String, url: String, body: &str| {
        let words = distinct_words(&["", &joined_words(&[&title, body]), body]);
        out.extend([title, url, teaser(body), words]);
    };
    push(title.to_string(), url.to_string(), &intro);
    for (id, heading, text) in sections.iter().skip(1) {
        if let Some(id) = id {
            push(format!("{} — {title}", heading.trim()), format!("{url}#{id}"), text);
        }
    }
    out
}

impl Renderer<'_> {
    /// What `compute` makes of `texts`: from the search memo when this renderer has one.
    fn memoised(&self, texts: &[&str], compute: impl FnOnce() -> Vec<String>) -> Arc<[String]> {
        match self.search_memo {
            Some(memo) => memo.get(memo_key(texts), compute),
            None => compute().into(),
        }
    }

    /// The whole index: the manifest, the term parts and the result chunks.
    pub fn search_index(&self) -> Vec<super::pages::PageOut> {
        let (docs, bodies) = self.search_docs();
        let terms = postings(&docs, &bodies);
        let parts = parts(terms.iter().map(|(t, p)| (t.as_str(), encoded(p))).collect());
        let mut out = Vec::with_capacity(parts.len() + docs.len() / DOCS_PER_CHUNK + 2);
        let manifest = serde_json::json!({
            "docs": docs.len(),
            "chunk": DOCS_PER_CHUNK,
            "parts": parts.iter().map(|ts| ts.first().map(|(t, _)| *t).unwrap_or_default()).collect::<Vec<_>>(),
        });
        out.push(("assets/search-index.js".into(), script(format!("window.pathbookSearch = {manifest};\n"))));
        for (n, ts) in parts.iter().enumerate() {
            let mut json = String::from("{");
            for (i, (t, postings)) in ts.iter().enumerate() {
                if i > 0 {
                    json.push(',');
                }
                json.push_str(&serde_json::to_string(t).unwrap_or_default());
                // Digits only: nothing in them needs escaping.
                json.push_str(":\"");
                json.push_str(postings);
                json.push('"');
            }
            json.push('}');
            out.push((format!("assets/search/t{n}.js"), part_script(&format!("t{n}"), &json)));
        }
        for (n, chunk) in docs.chunks(DOCS_PER_CHUNK).enumerate() {
            let json = serde_json::to_string(chunk).unwrap_or_else(|_| "[]".into());
            out.push((format!("assets/search/d{n}.js"), part_script(&format!("d{n}"), &json)));
        }
        out
    }

    /// Every search result document, and the text indexed for it. One step that several
    /// paths share is one document that says so.
    fn search_docs(&self) -> (Vec<Doc>, Vec<String>) {
        use rayon::prelude::*;
        let cat = self.cat;
        // Documents as found: title, URL, kind, id and body; their teasers and indexed words
        // are worked out in parallel at the end.
        let mut found: Vec<(String, String, &'static str, Text)> = Vec::new();
        let mut push = |title: String, url: String, kind: &'static str, text: Text| {
            found.push((title, url, kind, text));
            found.len() - 1
        };
        let raw = |id: &str, body: String| Text::Raw { id: id.to_string(), body };
        // Articles (most of a large site) whole, in parallel, each from the memo if unchanged.
        let articles: Vec<Arc<[String]>> = cat
            .articles
            .par_iter()
            .enumerate()
            .map(|(i, a)| {
                let url = super::links::url(cat, &Ref::Article(ArticleIdx(i as u32), None));
                let sections = a.sections.take();
                let compute = || article_docs(&a.title, &a.summary, &url, &a.body, sections.as_deref());
                self.memoised(&["article", &a.title, &a.summary, &url, &a.body], compute)
            })
            .collect();
        let text = |m: &Markdown| if m.is_empty() { String::new() } else { crate::markdown::to_text(&m.text) };
        let refs: Vec<Ref> = (0..cat.blockers.len())
            .map(|i| Ref::Blocker(BlockerIdx(i as u32)))
            .chain((0..cat.paths.len()).map(|i| Ref::Path(PathIdx(i as u32), None)))
            .chain((0..cat.prerequisites.len()).map(|i| Ref::Prerequisite(PrereqIdx(i as u32))))
            .chain((0..cat.articles.len()).map(|i| Ref::Article(ArticleIdx(i as u32), None)))
            .chain((0..cat.components.len()).map(|i| Ref::Component(CompIdx(i as u32))))
            .chain((0..cat.facts.len()).map(|i| Ref::Fact(FactIdx(i as u32))))
            .chain((0..cat.conditions.len()).map(|i| Ref::Condition(NamedIdx(i as u32))))
            .chain((0..cat.effects.len()).map(|i| Ref::Effect(EffectIdx(i as u32))))
            .collect();
        // A step several paths share (same title, same instructions) is one result.
        let mut steps: HashMap<(String, String), usize> = HashMap::new();
        let mut also: Vec<usize> = Vec::new();
        for r in &refs {
            match r {
                Ref::Blocker(b) => {
                    let b = &cat.blockers[b.idx()];
                    let body =
                        [b.summary.clone(), text(&b.symptoms), text(&b.explanation), text(&b.resolution)].join(" ");
                    push(b.title.clone(), super::links::url(cat, r), "blocker", raw(&b.id, body));
                }
                Ref::Path(pi, _) => {
                    let p = &cat.paths[pi.idx()];
                    let mut body = vec![p.summary.clone(), text(&p.description)];
                    for s in &p.steps {
                        body.push(s.title.clone());
                    }
                    push(p.title.clone(), super::links::url(cat, r), "path", raw(&p.id, body.join(" ")));
                    for s in &p.steps {
                        let step = Ref::Path(*pi, Some(s.id.clone()));
                        let mut body = [text(&s.instructions), text(&s.verify)].join(" ");
                        if !s.rollback.is_empty() {
                            body = format!("{body} Roll back: {}", text(&s.rollback));
                        }
                        match steps.entry((s.title.clone(), body)) {
                            std::collections::hash_map::Entry::Occupied(e) => also.push(*e.get()),
                            std::collections::hash_map::Entry::Vacant(e) => {
                                let body = e.key().1.clone();
                                let title = format!("{} — {}", s.title, p.title);
                                e.insert(push(title, super::links::url(cat, &step), "step", raw("", body)));
                            }
                        }
                    }
                }
                Ref::Prerequisite(p) => {
                    let p = &cat.prerequisites[p.idx()];
                    let body = [p.summary.clone(), text(&p.explanation), text(&p.how)].join(" ");
                    push(p.title.clone(), super::links::url(cat, r), "prerequisite", raw(&p.id, body));
                }
                Ref::Article(a_idx, _) => {
                    // The article's own document holds its summary, headings and introduction;
                    // every section is a document of its own, so a match on a word lands on the
                    // heading above it and each word is indexed once (see `article_docs`).
                    for (i, doc) in articles[a_idx.idx()].chunks_exact(4).enumerate() {
                        let [title, url, teaser, words] = doc else { continue };
                        let text = Text::Ready { teaser: teaser.clone(), words: words.clone() };
                        push(title.clone(), url.clone(), if i == 0 { "article" } else { "section" }, text);
                    }
                }
                Ref::Component(c) => {
                    let c = &cat.components[c.idx()];
                    let body = [c.summary.clone(), text(&c.description), c.also_known_as.join(" ")].join(" ");
                    push(c.title.clone(), super::links::url(cat, r), "component", raw(&c.id, body));
                }
                Ref::Fact(f) => {
                    let f = &cat.facts[f.idx()];
                    let body = [f.summary.clone(), text(&f.description), f.ty.values().join(" ")].join(" ");
                    push(f.title.clone(), super::links::url(cat, r), "fact", raw(&f.id, body));
                }
                Ref::Condition(c) => {
                    let c = &cat.conditions[c.idx()];
                    let body = [c.summary.clone(), text(&c.description)].join(" ");
                    push(c.title.clone(), super::links::url(cat, r), "condition", raw(&c.id, body));
                }
                Ref::Effect(e) => {
                    let e = &cat.effects[e.idx()];
                    let body = [e.summary.clone(), text(&e.explanation)].join(" ");
                    push(e.title.clone(), super::links::url(cat, r), "effect", raw(&e.id, body));
                }
            }
        }
        // `id` (a rule's id, so that searching for it finds the rule) and any joined phrase
        // are indexed first, before the body's word budget runs out, and stay out of the teaser.
        let (mut docs, bodies): (Vec<Doc>, Vec<String>) = found
            .into_par_iter()
            .map(|(title, url, kind, text)| {
                let (teaser, words) = match text {
                    Text::Ready { teaser, words } => (teaser, words),
                    Text::Raw { id, body } => {
                        let compute = || {
                            let joined = joined_words(&[&title, &body]);
                            vec![teaser(&body), distinct_words(&[&id, &joined, &body])]
                        };
                        let entry = self.memoised(&["doc", kind, &id, &title, &body], compute);
                        match &*entry {
                            [teaser, words] => (teaser.clone(), words.clone()),
                            _ => (String::new(), String::new()),
                        }
                    }
                };
                (Doc(title, url, kind, teaser, 0), words)
            })
            .unzip();
        for d in also {
            docs[d].4 += 1;
        }
        (docs, bodies)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_cut_where_split_whitespace_cuts() {
        for text in [
            "Roll back  the\tupgrade\r\nnow",
            "\u{b}vertical\u{c}form feed\u{b}",
            " leading and trailing ",
            "",
            "non\u{a0}breaking — and ünïcode\u{2003}em space",
            "a\u{85}next line",
        ] {
            assert_eq!(words(text).collect::<Vec<_>>(), text.split_whitespace().collect::<Vec<_>>(), "{text:?}");
        }
    }

    #[test]
    fn a_teaser_is_the_text_up_to_its_limit_in_characters_cut_at_a_word() {
        assert_eq!(teaser("  Short\n text\tstays  whole "), "Short text stays whole");
        for word in ["word", "éé", "∑∑∑∑∑∑∑", "x"] {
            let text = vec![word; 200].join(" \n");
            let t = teaser(&text);
            let shown = t.strip_suffix('…').expect("a long text is cut");
            assert!(shown.chars().count() <= TEASER, "{t}");
            // At most the word that ends exactly at the limit is left out with the rest.
            assert!(shown.chars().count() + 2 * (word.chars().count() + 1) > TEASER, "cut too early: {t}");
            assert_eq!(shown, vec![word; shown.split(' ').count()].join(" "), "cut inside a word: {t}");
        }
        // One word longer than the limit is cut inside it.
        let long = "y".repeat(300);
        assert_eq!(teaser(&long), format!("{}…", "y".repeat(TEASER)));
        // Exactly at the limit: whole.
        let exact = format!("{} {}", "a".repeat(70), "b".repeat(TEASER - 71));
        assert_eq!(teaser(&exact), exact);
    }

    /// The reader of `theme/pathbook.js`, in Rust: digits back to numbers.
    fn decoded(s: &str) -> Vec<u32> {
        let (mut out, mut n, mut shift) = (Vec::new(), 0u32, 0);
        for c in s.bytes() {
            let d = DIGITS.iter().position(|x| *x == c).expect("a digit") as u32;
            n |= (d & 31) << shift;
            if d < 32 {
                out.push(n);
                (n, shift) = (0, 0);
            } else {
                shift += 5;
            }
        }
        assert_eq!(shift, 0, "a number is never cut off");
        out
    }

    #[test]
    fn postings_are_written_as_digits_that_read_back_as_gaps_and_weights() {
        assert_eq!(DIGITS.iter().collect::<std::collections::BTreeSet<_>>().len(), 64);
        assert!(DIGITS.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_'));
        let postings = [(0, 18), (1, 18), (2, 213), (33, 1), (1057, 31), (40_000, 32), (40_001, u32::MAX)];
        let s = encoded(&postings);
        // The common case, a gap of 1 and a weight under 32, is two characters.
        assert_eq!(&s[..4], "0i1i");
        let numbers = decoded(&s);
        let mut d = 0;
        let back: Vec<(u32, u32)> = numbers
            .chunks(2)
            .map(|p| {
                d += p[0];
                (d, p[1])
            })
            .collect();
        assert_eq!(back, postings);
    }

    #[test]
    fn distinct_words_keep_first_spellings_across_the_texts() {
        let words = distinct_words(&["exchange-2007", " rollback", "Setup, setup SETUP (setup) Mailbox; mailbox"]);
        assert_eq!(words, "exchange-2007 rollback Setup, Mailbox; ");
        // The budget stops at a word boundary.
        let long: String = (0..500).map(|i| format!("w{i} ")).collect();
        let out = distinct_words(&[&long]);
        assert!(out.len() <= BODY_CHARS && out.ends_with(' ') && out.starts_with("w0 w1 "), "{out}");
    }

    #[test]
    fn joined_phrases_are_found_in_any_case_in_any_text() {
        assert_eq!(joined_words(&["How to ROLL BACK", "then fail over"]), " rollback failover");
        assert_eq!(joined_words(&["Title", "Back Out of it"]), " backout");
        assert_eq!(joined_words(&["rollback already", "roll-back"]), "");
    }
}

//! Syntax highlighting at build time: syntect with two-face's syntaxes (onig engine), and for
//! the languages its grammars are slow at, tree-sitter ([`super::grammars`]); emitted as CSS
//! classes so one stylesheet serves light and dark. The syntax set loads once per process
//! and identical blocks are highlighted once.
//!
//! A token gets one short class for its kind (`hl-k` keyword, `hl-s` string, … — the names
//! Pygments and Chroma use), taken from the innermost scope that names a kind, rather than
//! every atom of every scope it sits in: a PowerShell line is a third of the bytes, and the
//! stylesheet is the two themes' colour for each kind. Kinds both themes leave in the text
//! colour get no span at all.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use syntect::highlighting::{FontStyle, Style, Theme};
use syntect::parsing::{ParseState, Scope, ScopeStack, ScopeStackOp, SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

use super::escape_html;
use super::grammars::{Grammar, Grammars};

/// Token kinds: the scope prefix that names one, and its class (without the `hl-` prefix).
/// For each scope the first prefix that matches wins, so the specific come before the general.
const KINDS: &[(&str, &str)] = &[
    ("comment", "c"),
    ("constant.character.escape", "se"),
    ("string", "s"),
    ("constant.numeric", "m"),
    ("constant.language", "kc"),
    ("constant", "no"),
    ("keyword.operator", "o"),
    ("keyword", "k"),
    ("storage", "kt"),
    ("entity.name.function", "nf"),
    ("support.function", "nb"),
    ("support.variable", "vs"),
    ("entity.name.tag", "nt"),
    ("entity.other.attribute-name", "na"),
    ("entity.name", "nc"),
    ("entity", "ne"),
    ("support", "bp"),
    ("variable.parameter", "vp"),
    ("variable", "nv"),
    ("invalid", "err"),
    ("markup.heading", "gh"),
    ("markup.bold", "gs"),
    ("markup.italic", "ge"),
    ("punctuation", "p"),
];

/// The class of every kind (without the `hl-` prefix).
#[cfg(test)]
pub(super) fn kind_classes() -> Vec<&'static str> {
    KINDS.iter().map(|(_, class)| *class).collect()
}

/// Lines syntect parsed on one thread, for the next block that has one of them, by the line's
/// text: the parse state before it, the operations it gave and the state after. syntect's
/// parse of a line depends on nothing else, so a line met again in the same state (a closing
/// tag, a section header, the command every runbook starts with) is not parsed again. Kept
/// with the highlighter that filled it (another's syntax set numbers contexts its own way),
/// and emptied when it holds [`LINE_MEMO_LINES`] lines or [`LINE_MEMO_BYTES`] of their text.
#[derive(Default)]
struct LineMemo {
    owner: usize,
    lines: foldhash::HashMap<String, Vec<Parsed>>,
    size: usize,
    bytes: usize,
}

/// One line as syntect parsed it from one state.
struct Parsed {
    before: ParseState,
    ops: Vec<(usize, ScopeStackOp)>,
    after: ParseState,
}

const LINE_MEMO_LINES: usize = 8192;
const LINE_MEMO_BYTES: usize = 4 << 20;

thread_local! {
    static LINES: std::cell::RefCell<LineMemo> = std::cell::RefCell::new(LineMemo::default());
}

/// Tells highlighters apart, for [`LineMemo`]; 0 is no highlighter.
static HIGHLIGHTERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);

/// The verdict of each scope looked up so far (`None`: it says nothing).
type Verdicts = foldhash::HashMap<Scope, Option<Verdict>>;

/// What one scope says about a token's kind.
#[derive(Clone, Copy)]
enum Verdict {
    /// This kind (an index into [`KINDS`]).
    Kind(usize),
    /// Looks through to the enclosing scope: the quotes of a string are the string's colour,
    /// the `$` of a variable the variable's.
    Enclosing,
}

pub struct Highlighter {
    syntaxes: SyntaxSet,
    /// The languages tree-sitter highlights instead of syntect.
    grammars: Grammars,
    /// Token HTML from an earlier run ([`Highlighter::load`]), each entry checked against its
    /// code, by [`stored_key`].
    stored: foldhash::HashMap<String, Arc<str>>,
    /// Token HTML of every block highlighted in this run, for [`Highlighter::save`].
    used: Mutex<foldhash::HashMap<String, Arc<str>>>,
    /// Blocks of this run that were not in the store.
    missed: std::sync::atomic::AtomicUsize,
    /// The store file read whole, every entry kept.
    store_intact: bool,
    /// [`KINDS`] as scopes, with `punctuation.definition` first (it looks through).
    verdicts: Vec<(Scope, Verdict)>,
    /// This highlighter among others, for [`LineMemo`].
    id: usize,
    /// How each of [`KINDS`] looks in the light and the dark theme (`None`: like plain text).
    styles: Vec<[Option<Style>; 2]>,
    /// Kinds that both themes colour like plain text: emitted without a span.
    plain: Vec<bool>,
    cache: Mutex<HashMap<u64, Arc<str>>>,
    /// Blocks that ran out of time and were shown plain.
    over_budget: std::sync::atomic::AtomicUsize,
}

/// The most time one block may take to highlight. Ordinary blocks take well under a
/// millisecond; this only stops pathological input.
const TIME_BUDGET: std::time::Duration = std::time::Duration::from_secs(1);

impl std::fmt::Debug for Highlighter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Highlighter").finish_non_exhaustive()
    }
}

impl Default for Highlighter {
    fn default() -> Self {
        Highlighter::new()
    }
}

/// What people write after the fence, mapped to what syntect calls it.
fn canonical(lang: &str) -> &str {
    match lang {
        "pwsh" | "ps" | "posh" => "powershell",
        "batch" | "bat" | "cmd" | "dos" => "bat",
        "reg" | "registry" => "ini",
        "yml" => "yaml",
        "shell" | "sh" | "console" => "bash",
        other => other,
    }
}

/// The label shown on a code block.
pub fn display_name(lang: &str) -> &'static str {
    match canonical(&lang.to_ascii_lowercase()) {
        "powershell" => "PowerShell",
        "bat" => "cmd",
        "xml" => "XML",
        "ini" if lang.eq_ignore_ascii_case("reg") || lang.eq_ignore_ascii_case("registry") => ".reg",
        "ini" => "INI",
        "yaml" => "YAML",
        "json" => "JSON",
        "bash" => "shell",
        _ => "",
    }
}

impl Highlighter {
    pub fn new() -> Highlighter {
        let mut verdicts = Vec::with_capacity(KINDS.len() + 1);
        for looks_through in ["punctuation.definition", "punctuation.separator.decimal"] {
            verdicts.extend(Scope::new(looks_through).ok().map(|s| (s, Verdict::Enclosing)));
        }
        for (i, (prefix, _)) in KINDS.iter().enumerate() {
            verdicts.extend(Scope::new(prefix).ok().map(|s| (s, Verdict::Kind(i))));
        }
        let (light, dark) = themes();
        let styles: Vec<[Option<Style>; 2]> =
            (0..KINDS.len()).map(|i| [kind_style(&light, i), kind_style(&dark, i)]).collect();
        let plain = styles.iter().map(|s| s.iter().all(Option::is_none)).collect();
        Highlighter {
            syntaxes: two_face::syntax::extra_newlines(),
            grammars: Grammars::new(),
            stored: foldhash::HashMap::default(),
            used: Mutex::new(foldhash::HashMap::default()),
            missed: std::sync::atomic::AtomicUsize::new(0),
            store_intact: false,
            id: HIGHLIGHTERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            verdicts,
            styles,
            plain,
            cache: Mutex::new(HashMap::new()),
            over_budget: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// A highlighter that uses syntect for every language, for comparing the engines
    /// (`cargo bench --bench highlight`).
    #[doc(hidden)]
    pub fn syntect_only() -> Highlighter {
        Highlighter { grammars: Grammars::none(), ..Highlighter::new() }
    }

    /// How many blocks ran out of time and were shown without highlighting.
    pub fn over_budget(&self) -> usize {
        self.over_budget.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn syntax(&self, lang: &str) -> Option<&SyntaxReference> {
        let lang = lang.trim().to_ascii_lowercase();
        if lang.is_empty() || matches!(lang.as_str(), "text" | "plain" | "txt" | "plaintext") {
            return None;
        }
        self.syntaxes.find_syntax_by_token(canonical(&lang))
    }

    /// What highlights `code` in `lang`: a tree-sitter grammar where there is one that takes
    /// it, else syntect.
    fn engine(&self, lang: &str, code: &str) -> Option<Engine<'_>> {
        match self.grammars.name_for(canonical(&lang.trim().to_ascii_lowercase()), code) {
            Some((lang, name)) => Some(Engine::Tree { lang, name }),
            None => self.syntax(lang).map(Engine::Regex),
        }
    }

    /// The compiled tree-sitter grammar for `lang` (compiled on first use: a warm build
    /// whose blocks are all stored never compiles one).
    fn grammar(&self, lang: &str) -> Option<&Grammar> {
        let colour = |class: &'static str| {
            let i = KINDS.iter().position(|(_, c)| *c == class)?;
            (!self.plain[i]).then_some(class)
        };
        self.grammars.get(lang, colour)
    }

    /// A `<pre>` block. Unknown languages render as escaped plain code, never an error.
    pub fn block(&self, lang: &str, code: &str) -> Arc<str> {
        let key = {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            (lang, code).hash(&mut h);
            h.finish()
        };
        if let Some(hit) = self.cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return hit;
        }
        let html: Arc<str> = self.render_block(lang, code).into();
        if let Ok(mut c) = self.cache.lock() {
            c.insert(key, html.clone());
        }
        html
    }

    fn render_block(&self, lang: &str, code: &str) -> String {
        let lang_attr = escape_html(lang.trim());
        let label = display_name(lang);
        // Grammars are regular expressions run per line with a stack of contexts: a huge block,
        // a very long line or deeply nested input can take minutes. Past the size budget
        // (which `check` reports) or the time budget the block is shown plain.
        let engine = self.engine(lang, code).filter(|_| crate::markdown::highlightable(code));
        let inner: Arc<str> = match engine {
            Some(engine) => self.stored_tokens(engine, code).unwrap_or_else(|| {
                self.over_budget.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                escape_html(code).into()
            }),
            None => escape_html(code).into(),
        };
        let label_attr = if label.is_empty() { String::new() } else { format!(" data-label=\"{label}\"") };
        let inner = wrap_lines(&inner);
        format!("<pre class=\"code\" data-lang=\"{lang_attr}\"{label_attr}><code>{inner}</code></pre>\n")
    }

    /// [`Highlighter::tokens`], from the store when an earlier run highlighted the same code.
    fn stored_tokens(&self, engine: Engine<'_>, code: &str) -> Option<Arc<str>> {
        let name = match engine {
            Engine::Regex(syntax) => &syntax.name,
            Engine::Tree { name, .. } => name,
        };
        let key = stored_key(name, code);
        let tokens = match self.stored.get(&key) {
            Some(hit) => hit.clone(),
            None => {
                self.missed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                match engine {
                    Engine::Regex(syntax) => self.tokens(syntax, code)?.into(),
                    Engine::Tree { lang, .. } => match self.grammar(lang) {
                        Some(grammar) => tree_tokens(grammar, code)?.into(),
                        // A query that does not compile is a broken dependency (the tests
                        // compile every one); syntect still has the language.
                        None => self.tokens(self.syntax(lang)?, code)?.into(),
                    },
                }
            }
        };
        if let Ok(mut used) = self.used.lock() {
            used.insert(key, tokens.clone());
        }
        Some(tokens)
    }

    /// Reads the blocks an earlier run saved with [`Highlighter::save`]. A missing file, one
    /// from another build of pathbook, or a damaged one is ignored; an entry whose HTML is not
    /// exactly its code's text in `hl-` spans is dropped, so a tampered cache can at worst
    /// colour code wrongly, never add markup. Returns how many blocks were read.
    pub fn load(&mut self, path: &std::path::Path) -> usize {
        let Ok(bytes) = std::fs::read(path) else { return 0 };
        let Some(stamp) = store_stamp() else { return 0 };
        let Some(mut rest) = bytes.strip_prefix(stamp.as_bytes()) else { return 0 };
        let take = crate::cache::take_field;
        let mut intact = true;
        while !rest.is_empty() {
            let (Some(key), Some(html)) = (take(&mut rest), take(&mut rest)) else {
                intact = false;
                break;
            };
            let faithful = key.split_once('\0').is_some_and(|(_, code)| spans_of(&html, code));
            if faithful {
                self.stored.insert(key, html.into());
            } else {
                intact = false;
            }
        }
        self.store_intact = intact;
        self.stored.len()
    }

    /// Writes every block highlighted in this run (and only those, so the file never grows
    /// past one site's code) for the next run's [`Highlighter::load`]; atomically, so a
    /// concurrent build reads the old file or the new one.
    pub fn save(&self, path: &std::path::Path) -> std::io::Result<()> {
        let used = self.used.lock().map_err(|_| std::io::Error::other("highlighter poisoned"))?;
        // Every block came from an intact store that held nothing else: the file is already this.
        let missed = self.missed.load(std::sync::atomic::Ordering::Relaxed);
        if self.store_intact && missed == 0 && used.len() == self.stored.len() {
            return Ok(());
        }
        let mut entries: Vec<_> = used.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let Some(stamp) = store_stamp() else { return Ok(()) };
        let mut out = Vec::from(stamp.as_bytes());
        for (key, html) in entries {
            crate::cache::put_field(&mut out, key.as_bytes())?;
            crate::cache::put_field(&mut out, html.as_bytes())?;
        }
        crate::cache::replace(path, &out)
    }

    /// The highlighted HTML of a block: each token that is not plain text in one
    /// `<span class="hl-…">`, neighbours of one kind in one span, whitespace left outside
    /// spans unless it sits between two tokens of one kind. `None` when the grammar fails or
    /// the block runs out of time.
    fn tokens(&self, syntax: &SyntaxReference, code: &str) -> Option<String> {
        let started = std::time::Instant::now();
        let mut state = ParseState::new(syntax);
        let mut stack = ScopeStack::new();
        let mut out = Spans::for_code(code);
        // A block has a few dozen distinct scopes and looks each up many times.
        let mut seen = Verdicts::default();
        for line in LinesWithEndings::from(code) {
            let ops = self.parse_line(&mut state, line)?;
            let mut kind = self.kind_of(&stack, &mut seen);
            let mut at = 0;
            for (i, op) in &ops {
                if *i > at {
                    out.push(&line[at..*i], kind);
                    at = *i;
                }
                stack.apply(op).ok()?;
                kind = self.kind_of(&stack, &mut seen);
            }
            out.push(&line[at..], kind);
            if started.elapsed() > TIME_BUDGET {
                return None;
            }
        }
        Some(out.finish())
    }

    /// syntect's operations for `line` parsed from `state`, which moves past it: from this
    /// thread's [`LineMemo`] when the line was parsed from the same state before.
    fn parse_line(&self, state: &mut ParseState, line: &str) -> Option<Vec<(usize, ScopeStackOp)>> {
        let hit = LINES.with_borrow(|memo| {
            let parsed = memo.lines.get(line).filter(|_| memo.owner == self.id)?;
            let parsed = parsed.iter().find(|p| p.before == *state)?;
            Some((parsed.ops.clone(), parsed.after.clone()))
        });
        if let Some((ops, after)) = hit {
            *state = after;
            return Some(ops);
        }
        let before = state.clone();
        let ops = state.parse_line(line, &self.syntaxes).ok()?;
        LINES.with_borrow_mut(|memo| {
            if memo.owner != self.id || memo.size >= LINE_MEMO_LINES || memo.bytes >= LINE_MEMO_BYTES {
                *memo = LineMemo { owner: self.id, ..LineMemo::default() };
            }
            memo.bytes += line.len();
            let parsed = Parsed { before, ops: ops.clone(), after: state.clone() };
            memo.lines.entry(line.to_string()).or_default().push(parsed);
            memo.size += 1;
        });
        Some(ops)
    }

    /// The class of a token under `stack`, innermost scope first; `None` for plain text.
    /// `seen` remembers each scope's verdict for the next lookup.
    fn kind_of(&self, stack: &ScopeStack, seen: &mut Verdicts) -> Option<&'static str> {
        for scope in stack.as_slice().iter().rev() {
            let verdict = *seen.entry(*scope).or_insert_with(|| {
                self.verdicts.iter().find(|(prefix, _)| prefix.is_prefix_of(*scope)).map(|(_, v)| *v)
            });
            match verdict {
                Some(Verdict::Kind(i)) => return (!self.plain[i]).then_some(KINDS[i].1),
                Some(Verdict::Enclosing) | None => {}
            }
        }
        None
    }

    /// Highlighting CSS: each kind in the light theme by default, in the dark one for
    /// `data-theme="dark"` and for readers whose system prefers dark (unless they chose
    /// light). Printed code is always dark on light.
    pub fn css(&self) -> String {
        let rules = |theme: usize, scope: &str| {
            let mut css = String::new();
            for (i, (_, class)) in KINDS.iter().enumerate() {
                if self.plain[i] || KINDS[..i].iter().any(|(_, c)| c == class) {
                    continue;
                }
                let declarations = self.styles[i][theme].map_or_else(
                    || "color: inherit; font-weight: normal; font-style: normal;".to_string(),
                    |style| declarations(style, CODE_BACKGROUND[theme]),
                );
                css.push_str(&format!("{scope}.hl-{class} {{ {declarations} }}\n"));
            }
            css
        };
        let mut out = String::from(
            "/* Generated by pathbook from syntect themes: InspiredGitHub (light), OneHalfDark (dark). */\n",
        );
        out.push_str(&rules(0, ""));
        out.push_str("@media screen {\n");
        out.push_str(&rules(1, "html[data-theme=\"dark\"] "));
        out.push_str("}\n@media screen and (prefers-color-scheme: dark) {\n");
        out.push_str(&rules(1, "html:not([data-theme=\"light\"]) "));
        out.push_str("}\n");
        out
    }
}

/// Which engine highlights a block.
#[derive(Clone, Copy)]
enum Engine<'a> {
    Regex(&'a SyntaxReference),
    /// A tree-sitter grammar: the canonical language and the name its blocks are stored under.
    Tree {
        lang: &'static str,
        name: &'static str,
    },
}

/// [`Highlighter::tokens`] for a tree-sitter grammar: the same spans, from its captures.
fn tree_tokens(grammar: &Grammar, code: &str) -> Option<String> {
    let tokens = grammar.tokens(code, std::time::Instant::now() + TIME_BUDGET)?;
    let mut out = Spans::for_code(code);
    for (text, kind) in tokens {
        // The emitter takes at most one newline, at the end; a comment or string can span lines.
        for line in text.split_inclusive('\n') {
            out.push(line, kind);
        }
    }
    Some(out.finish())
}

/// A stored block's key: the grammar's name and the code.
fn stored_key(syntax: &str, code: &str) -> String {
    format!("{syntax}\0{code}")
}

/// The first bytes of a store: its format and the exact build of pathbook that wrote it (the
/// executable's size and time), so a rebuilt binary never reuses another's colours. `None`
/// when the executable cannot be told apart: then nothing is stored.
fn store_stamp() -> Option<String> {
    crate::cache::stamp("highlight store")
}

/// Whether `html` is exactly `code`, escaped, with some of it in `<span class="hl-…">` of a
/// known kind (not nested): the only shape [`Highlighter::tokens`] writes.
fn spans_of(html: &str, code: &str) -> bool {
    let mut rest = html;
    let mut expect = code;
    let mut open = false;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("</span>") {
            if !std::mem::replace(&mut open, false) {
                return false;
            }
            rest = after;
        } else if let Some(after) = rest.strip_prefix("<span class=\"hl-") {
            let Some((class, after)) = after.split_once("\">") else { return false };
            if open || !KINDS.iter().any(|(_, c)| *c == class) {
                return false;
            }
            open = true;
            rest = after;
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            if end == 0 {
                return false;
            }
            let mut text = &rest[..end];
            rest = &rest[end..];
            while let Some(c) = text.chars().next() {
                let (plain, len) = match c {
                    '&' => {
                        let Some(entity) = ENTITIES.iter().find(|(e, _)| text.starts_with(e)) else { return false };
                        (entity.1, entity.0.len())
                    }
                    '>' | '"' | '\'' => return false,
                    c => (c, c.len_utf8()),
                };
                let Some(after) = expect.strip_prefix(plain) else { return false };
                expect = after;
                text = &text[len..];
            }
        }
    }
    !open && expect.is_empty()
}

/// What [`escape_html`] writes, and for what.
const ENTITIES: [(&str, char); 5] = [("&amp;", '&'), ("&lt;", '<'), ("&gt;", '>'), ("&quot;", '"'), ("&#39;", '\'')];

/// Highlighted HTML being written: the kind of the open span, and whitespace held back until
/// the next token says whether it belongs inside that span.
struct Spans {
    html: String,
    open: Option<&'static str>,
    pending: String,
}

impl Spans {
    fn for_code(code: &str) -> Spans {
        Spans { html: String::with_capacity(code.len() * 2), open: None, pending: String::new() }
    }

    fn push(&mut self, text: &str, kind: Option<&'static str>) {
        // A line ends outside every span: the line wrapper and the print breaks see text.
        let (text, newline) = match text.strip_suffix('\n') {
            Some(t) => (t, true),
            None => (text, false),
        };
        if text.chars().all(char::is_whitespace) {
            self.pending.push_str(text);
        } else {
            if kind != self.open {
                self.close();
                self.html.push_str(&escape_html(&self.pending));
                self.pending.clear();
                if let Some(k) = kind {
                    self.html.push_str("<span class=\"hl-");
                    self.html.push_str(k);
                    self.html.push_str("\">");
                }
                self.open = kind;
            } else {
                self.html.push_str(&escape_html(&self.pending));
                self.pending.clear();
            }
            self.html.push_str(&escape_html(text));
        }
        if newline {
            self.close();
            self.html.push_str(&escape_html(&self.pending));
            self.pending.clear();
            self.html.push('\n');
        }
    }

    fn close(&mut self) {
        if self.open.take().is_some() {
            self.html.push_str("</span>");
        }
    }

    fn finish(mut self) -> String {
        self.close();
        self.html.push_str(&escape_html(&self.pending));
        self.html
    }
}

/// The light and the dark theme.
fn themes() -> (Theme, Theme) {
    let themes = two_face::theme::extra();
    let light = themes.get(two_face::theme::EmbeddedThemeName::InspiredGithub).clone();
    let dark = themes.get(two_face::theme::EmbeddedThemeName::OneHalfDark).clone();
    (light, dark)
}

/// How `theme` colours kind `i`, or `None` when it is plain text there.
fn kind_style(theme: &Theme, i: usize) -> Option<Style> {
    let scope = Scope::new(KINDS[i].0).ok()?;
    let style = syntect::highlighting::Highlighter::new(theme).style_for_stack(&[scope]);
    let text = theme.settings.foreground;
    (Some(style.foreground) != text || !style.font_style.is_empty()).then_some(style)
}

/// The background of a code block in the light and the dark theme (`--code-bg` in the
/// default theme's `style.css`).
const CODE_BACKGROUND: [[u8; 3]; 2] = [[0xf4, 0xf6, 0xf9], [0x12, 0x19, 0x22]];

/// The contrast a token's colour keeps against [`CODE_BACKGROUND`]: WCAG AA for text.
const MIN_CONTRAST: f64 = 4.5;

/// WCAG relative luminance of an sRGB colour.
fn luminance([r, g, b]: [u8; 3]) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.039_28 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

/// WCAG contrast ratio of two colours.
fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (a, b) = (luminance(a), luminance(b));
    (a.max(b) + 0.05) / (a.min(b) + 0.05)
}

/// `colour`, moved towards black on a light background (white on a dark one) just far enough
/// to be read: a theme's pale comment grey is 2.9:1 on the code background.
fn readable(colour: [u8; 3], background: [u8; 3]) -> [u8; 3] {
    let towards: f64 = if luminance(background) > 0.5 { 0.0 } else { 255.0 };
    (0..=20)
        .map(|step| {
            let t = f64::from(step) / 20.0;
            colour.map(|c| (f64::from(c) + (towards - f64::from(c)) * t).round() as u8)
        })
        .find(|c| contrast(*c, background) >= MIN_CONTRAST)
        .unwrap_or(colour)
}

/// A style as CSS declarations on `background` (which stays the page's), its colour
/// [`readable`] there.
fn declarations(style: Style, background: [u8; 3]) -> String {
    let c = style.foreground;
    // A translucent colour is taken as blended over the background.
    let alpha = f64::from(c.a) / 255.0;
    let rgb = [c.r, c.g, c.b];
    let blended =
        std::array::from_fn(|i| (f64::from(rgb[i]) * alpha + f64::from(background[i]) * (1.0 - alpha)).round() as u8);
    let [r, g, b] = readable(blended, background);
    let mut out = format!("color: #{r:02x}{g:02x}{b:02x};");
    let has = |f| style.font_style.contains(f);
    // Stated either way: the dark rules must undo what the light ones set.
    out.push_str(if has(FontStyle::BOLD) { " font-weight: bold;" } else { " font-weight: normal;" });
    out.push_str(if has(FontStyle::ITALIC) { " font-style: italic;" } else { " font-style: normal;" });
    if has(FontStyle::UNDERLINE) {
        out.push_str(" text-decoration: underline;");
    }
    out
}

/// Puts each source line in `<span class="ln">`, closing the highlighter's open spans at the
/// end of a line and reopening them on the next, so a printed runbook can indent the
/// continuation of a wrapped line (it then never reads as a new command). The newline stays
/// after the line's span, so copied text is unchanged. `html` is the highlighter's own
/// output (or escaped text): only `<span …>`, `</span>`, text and newlines.
///
/// A line longer than [`PRINT_COLUMNS`] also gets an empty `<span class="cont">` after the
/// space where it should break on paper: print CSS turns it into a continuation mark and a
/// line break (screens wrap where they like and never show it).
fn wrap_lines(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 8);
    let mut open: Vec<&str> = Vec::new();
    let mut line = LineBreaks::default();
    out.push_str("<span class=\"ln\">");
    let mut rest = html;
    while let Some(i) = rest.find(['<', '\n']) {
        line.text(&mut out, &rest[..i]);
        rest = &rest[i..];
        if let Some(after) = rest.strip_prefix("</span>") {
            out.push_str("</span>");
            open.pop();
            rest = after;
        } else if rest.starts_with("<span") {
            let end = rest.find('>').map_or(rest.len(), |e| e + 1);
            out.push_str(&rest[..end]);
            open.push(&rest[..end]);
            rest = &rest[end..];
        } else if let Some(after) = rest.strip_prefix('\n') {
            out.push_str(&"</span>".repeat(open.len()));
            out.push_str("</span>\n");
            line = LineBreaks::default();
            rest = after;
            // What follows the last newline only closes spans already closed above.
            if rest.trim_start_matches("</span>").is_empty() {
                return out;
            }
            out.push_str("<span class=\"ln\">");
            for tag in &open {
                out.push_str(tag);
            }
        } else {
            // Any other `<` cannot come from the highlighter or the escaper; keep it as is.
            out.push('<');
            rest = &rest[1..];
        }
    }
    line.text(&mut out, rest);
    out.push_str(&"</span>".repeat(open.len()));
    out.push_str("</span>");
    out
}

/// Columns of code that fit across a printed runbook step on A4 and Letter (the narrower),
/// at the print code size, with room for the mark.
const PRINT_COLUMNS: usize = 66;

/// Where one source line breaks on paper: counts visible columns (an entity is one) and
/// remembers the last space after the line's indentation.
#[derive(Default)]
struct LineBreaks {
    /// Columns since the line (or its last break) began.
    col: usize,
    /// Byte offset in the output just after the last breakable space, and the column there.
    space: Option<(usize, usize)>,
    /// Continuation lines are indented, so they hold a little less.
    broken: bool,
}

impl LineBreaks {
    const MARK: &'static str = "<span class=\"cont\" aria-hidden=\"true\"></span>";

    /// Appends `text`, with a mark where the line breaks on paper. The text goes out in runs
    /// between marks rather than a character at a time.
    fn text(&mut self, out: &mut String, text: &str) {
        let bytes = text.as_bytes();
        // `text[..flushed]` is in `out`: the byte at `j >= flushed` will land at
        // `out.len() + j - flushed`.
        let mut flushed = 0;
        let mut i = 0;
        while i < bytes.len() {
            let next = match bytes[i] {
                // An entity is one column.
                b'&' => text[i..].find(';').map_or(i + 1, |e| i + e + 1),
                b if b < 0x80 => i + 1,
                b if b < 0xE0 => i + 2,
                b if b < 0xF0 => i + 3,
                _ => i + 4,
            };
            self.col += 1;
            if bytes[i] == b' ' && self.col > 8 {
                self.space = Some((out.len() + next - flushed, self.col));
            }
            let width = if self.broken { PRINT_COLUMNS - 3 } else { PRINT_COLUMNS };
            if self.col > width
                && let Some((at, col)) = self.space.take()
            {
                out.push_str(&text[flushed..next]);
                flushed = next;
                out.insert_str(at, Self::MARK);
                self.col -= col;
                self.broken = true;
            }
            i = next;
        }
        out.push_str(&text[flushed..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Per theme, whether kind `kind` (an index into [`KINDS`]) looks otherwise than the
    /// theme's colour and font style for the full scope `stack`.
    fn differs(
        themes: &[&Theme; 2],
        full: &[syntect::highlighting::Highlighter<'_>; 2],
        stack: &ScopeStack,
        kind: Option<usize>,
    ) -> [bool; 2] {
        std::array::from_fn(|t| {
            let want = full[t].style_for_stack(stack.as_slice());
            let want = (Some(want.foreground) != themes[t].settings.foreground || !want.font_style.is_empty())
                .then_some((want.foreground, want.font_style));
            let got = kind.and_then(|i| kind_style(themes[t], i)).map(|s| (s.foreground, s.font_style));
            want != got
        })
    }

    /// Characters of `code` whose colour or font style under the token's kind differs from
    /// what the theme gives its full scope stack, per theme; and the characters looked at.
    fn unfaithful(h: &Highlighter, lang: &str, code: &str) -> ([usize; 2], usize) {
        let (light, dark) = themes();
        let themes = [&light, &dark];
        let full = themes.map(syntect::highlighting::Highlighter::new);
        let mut state = ParseState::new(h.syntax(lang).expect(lang));
        let mut stack = ScopeStack::new();
        let (mut wrong, mut total) = ([0; 2], 0);
        let mut compare = |text: &str, stack: &ScopeStack| {
            let n = text.trim().chars().count();
            total += n;
            let kind = h.kind_of(stack, &mut Verdicts::default()).and_then(|k| KINDS.iter().position(|(_, c)| *c == k));
            for (t, differs) in differs(&themes, &full, stack, kind).into_iter().enumerate() {
                if differs {
                    wrong[t] += n;
                }
            }
        };
        for line in LinesWithEndings::from(code) {
            let mut at = 0;
            for (i, op) in state.parse_line(line, &h.syntaxes).unwrap() {
                compare(&line[at..i], &stack);
                at = i;
                stack.apply(&op).unwrap();
            }
            compare(&line[at..], &stack);
        }
        (wrong, total)
    }

    #[test]
    fn kinds_keep_the_themes_colours() {
        let h = Highlighter::new();
        let sample = SAMPLE.split("```").skip(1).step_by(2);
        let (mut wrong, mut total) = ([0; 2], 0);
        for block in sample {
            let (lang, code) = block.split_once('\n').unwrap();
            let (w, t) = unfaithful(&h, lang, code);
            assert!(t > 20, "{lang}: {t} characters");
            wrong = [wrong[0] + w[0], wrong[1] + w[1]];
            total += t;
        }
        // A few characters differ where a theme colours by context (a JSON key, a drive
        // inside a variable); everything else is the theme's own colour.
        for (theme, w) in ["light", "dark"].iter().zip(wrong) {
            assert!(w * 100 <= total * 3, "{theme}: {w} of {total} characters coloured differently");
        }
    }

    /// Per theme, the characters of `code` that the tree-sitter grammar colours differently
    /// from the theme's colour for syntect's full scope stack; and the characters looked at.
    fn tree_unfaithful(h: &Highlighter, lang: &str, code: &str) -> ([usize; 2], usize) {
        let (light, dark) = themes();
        let themes = [&light, &dark];
        let full = themes.map(syntect::highlighting::Highlighter::new);
        let Some(Engine::Tree { lang: canonical, .. }) = h.engine(lang, code) else {
            panic!("{lang} is not tree-sitter's")
        };
        let grammar = h.grammar(canonical).expect("compiles");
        let far = std::time::Instant::now() + std::time::Duration::from_secs(60);
        // The tree-sitter kind of every byte.
        let mut kinds = Vec::new();
        for (text, kind) in grammar.tokens(code, far).unwrap() {
            kinds.extend(std::iter::repeat_n(kind, text.len()));
        }
        let mut state = ParseState::new(h.syntax(lang).expect(lang));
        let mut stack = ScopeStack::new();
        let (mut wrong, mut total) = ([0; 2], 0);
        let mut offset = 0;
        let mut compare = |text: &str, at: usize, stack: &ScopeStack| {
            for (i, _) in text.char_indices().filter(|(_, c)| !c.is_whitespace()) {
                total += 1;
                let kind = kinds[at + i].and_then(|k| KINDS.iter().position(|(_, c)| *c == k));
                for (t, differs) in differs(&themes, &full, stack, kind).into_iter().enumerate() {
                    if differs {
                        wrong[t] += 1;
                    }
                }
            }
        };
        for line in LinesWithEndings::from(code) {
            let mut at = 0;
            for (i, op) in state.parse_line(line, &h.syntaxes).unwrap() {
                compare(&line[at..i], offset + at, &stack);
                at = i;
                stack.apply(&op).unwrap();
            }
            compare(&line[at..], offset + at, &stack);
            offset += line.len();
        }
        (wrong, total)
    }

    #[test]
    fn tree_sitter_grammars_colour_much_as_the_themes_do() {
        let h = Highlighter::new();
        let (mut wrong, mut total) = ([0; 2], 0);
        let mut languages = Vec::new();
        for block in SAMPLE.split("```").skip(1).step_by(2) {
            let (lang, code) = block.split_once('\n').unwrap();
            if !matches!(h.engine(lang, code), Some(Engine::Tree { .. })) {
                continue;
            }
            let (w, t) = tree_unfaithful(&h, lang, code);
            eprintln!("{lang}: {w:?} of {t} characters coloured otherwise than the themes colour syntect's scopes");
            if lang == "powershell" {
                // The language of the shipped catalogs: within a tenth, in both themes.
                assert!(w.iter().all(|w| w * 10 <= t), "{lang}: {w:?} of {t}");
            }
            wrong = [wrong[0] + w[0], wrong[1] + w[1]];
            total += t;
            languages.push(lang);
        }
        assert_eq!(languages, ["powershell", "cmd", "yaml", "json", "bash"]);
        // The grammars draw lines differently (tree-sitter's batch grammar colours commands
        // and `echo` that syntect's leaves plain; a JSON key is a key, not a string); overall
        // four characters in five look as they did.
        for (theme, w) in ["light", "dark"].iter().zip(wrong) {
            assert!(w * 5 <= total, "{theme}: {w} of {total} characters coloured differently");
        }
    }

    /// Code in every language the catalogs use, with the constructs a theme colours.
    const SAMPLE: &str = r#"```powershell
# Stop the service first
$svc = Get-Service -Name "MSExchangeIS" -ErrorAction SilentlyContinue
if ($svc.Status -eq 'Running') { Stop-Service $svc -Force; Write-Host "stopped $($svc.Name)" }
foreach ($db in Get-MailboxDatabase) { Move-Mailbox -TargetDatabase $db.Identity -Confirm:$false }
[System.Environment]::OSVersion.Version | Format-List
function Test-It([string]$Path) { return Test-Path $Path }
$env:PATH += ";C:\Tools"; $count = 42 * 3
```
```cmd
@echo off
REM install prerequisites
ServerManagerCmd -i PowerShell
set PATH=%PATH%;C:\Tools
if errorlevel 1 goto :fail
for %%f in (*.log) do echo %%f
:fail
exit /b 1
```
```xml
<?xml version="1.0" encoding="utf-8"?>
<!-- a comment -->
<configuration>
  <appSettings>
    <add key="Enabled" value="true" />
  </appSettings>
  <![CDATA[ raw ]]>
</configuration>
```
```reg
Windows Registry Editor Version 5.00
; comment
[HKEY_LOCAL_MACHINE\SOFTWARE\Example]
"Enabled"=dword:00000001
"Name"="value"
```
```yaml
# comment
key: value
list:
  - 1
  - "quoted"
enabled: true
anchor: &a { x: 1.5 }
```
```json
{"a": 1, "b": [true, null, "s\n"], "c": {"d": -2.5e3}}
```
```bash
#!/bin/sh
for f in *.txt; do echo "$f" | grep -v foo > /dev/null; done
export X=1
```
"#;

    /// [`LineBreaks::text`] as first written, a character at a time: the reference the
    /// run-wise version must equal.
    fn breaks_by_character(line: &mut LineBreaks, out: &mut String, text: &str) {
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '&' {
                let end = text[i..].find(';').map_or(i + 1, |e| i + e + 1);
                out.push_str(&text[i..end]);
                while chars.peek().is_some_and(|(j, _)| *j < end) {
                    chars.next();
                }
            } else {
                out.push(c);
            }
            line.col += 1;
            if c == ' ' && line.col > 8 {
                line.space = Some((out.len(), line.col));
            }
            let width = if line.broken { PRINT_COLUMNS - 3 } else { PRINT_COLUMNS };
            if line.col > width
                && let Some((at, col)) = line.space.take()
            {
                out.insert_str(at, LineBreaks::MARK);
                line.col -= col;
                line.broken = true;
            }
        }
    }

    #[test]
    fn print_breaks_fall_where_the_character_wise_reference_puts_them() {
        let words = ["Set-Item", " ", "-Path", "&amp;", "&#39;x&#39;", "é", "∑∑", "🦀", "&", "a;b", "  ", "HKLM:\\X"];
        // Lines of many lengths and mixes, each fed in one to three pieces as the spans cut it.
        for seed in 0..400u32 {
            let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
            let mut next = || {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as usize
            };
            let line: String = (0..next() % 60).map(|_| words[next() % words.len()]).collect();
            let cuts: Vec<usize> = {
                let mut c: Vec<usize> =
                    (0..next() % 3).map(|_| next() % (line.len() + 1)).filter(|&c| line.is_char_boundary(c)).collect();
                c.sort_unstable();
                c
            };
            let (mut a, mut b) = (LineBreaks::default(), LineBreaks::default());
            let (mut got, mut want) = (String::from("<p>"), String::from("<p>"));
            let mut from = 0;
            for &cut in cuts.iter().chain([&line.len()]) {
                a.text(&mut got, &line[from..cut]);
                breaks_by_character(&mut b, &mut want, &line[from..cut]);
                from = cut;
            }
            assert_eq!(got, want, "{line:?} cut at {cuts:?}");
        }
    }

    #[test]
    fn long_lines_get_a_print_break_after_a_space_and_short_ones_none() {
        // 76 columns (the entity is one): one break, after `-Name `.
        let long = format!("Set-Thing -Name &amp;{}", "a".repeat(59));
        let out = wrap_lines(&long);
        assert_eq!(out.matches("class=\"cont\"").count(), 1, "{out}");
        // The break follows the space before the word that would overflow.
        assert!(out.contains(&format!("-Name {}&amp;", LineBreaks::MARK)), "{out}");
        assert!(!wrap_lines("Get-Service -Name MSExchangeIS").contains("cont"));
        // Removing the marks gives back the text.
        assert_eq!(out.replace(LineBreaks::MARK, ""), format!("<span class=\"ln\">{long}</span>"));
    }

    #[test]
    fn a_line_parsed_before_is_reused_only_from_the_same_state() {
        let h = Highlighter::new();
        // `<a href="x">` inside a comment, then on its own: one line, two parse states.
        let commented = h.block("xml", "<!--\n<a href=\"x\">\n-->\n");
        let alone = h.block("xml", "<a href=\"x\">\n");
        assert!(!commented.contains("hl-nt"), "{commented}");
        assert!(alone.contains("<span class=\"hl-nt\">a</span>"), "{alone}");
        // Each block as a highlighter that never saw the other makes it.
        assert_eq!(*alone, *Highlighter::new().block("xml", "<a href=\"x\">\n"));
        let again = h.block("xml", "<!--\n<a href=\"x\">\n-->\n<b/>\n");
        assert_eq!(*again, *Highlighter::new().block("xml", "<!--\n<a href=\"x\">\n-->\n<b/>\n"));
    }

    #[test]
    fn languages_highlight_as_classes_and_unknown_ones_stay_plain() {
        let h = Highlighter::new();
        let ps = h.block("powershell", "Get-Service MSExchange* | Format-Table\n");
        assert!(ps.contains("class=\"hl-"), "{ps}");
        assert!(ps.contains("data-label=\"PowerShell\""));
        for block in SAMPLE.split("```").skip(1).step_by(2) {
            let (lang, code) = block.split_once('\n').unwrap();
            let html = h.block(lang, code);
            assert!(html.matches("<span class=\"hl-").count() >= 5, "{lang} highlights: {html}");
        }
        let unknown = h.block("klingon", "<script>alert(1)</script>\n");
        assert!(unknown.contains("&lt;script&gt;"));
        assert!(!unknown.contains("hl-"));
        let attr = h.block("\"><script>", "x\n");
        assert!(!attr.contains("<script>"), "{attr}");
    }

    #[test]
    fn hostile_blocks_are_shown_plain_within_the_budget() {
        let h = Highlighter::new();
        let nested = format!("echo {}x{}\n", "$(".repeat(1000), ")".repeat(1000)).repeat(20);
        let start = std::time::Instant::now();
        let out = h.block("bash", &nested);
        assert!(start.elapsed() < std::time::Duration::from_secs(10), "took {:?}", start.elapsed());
        assert!(out.contains("$($($("));
        let huge = "ls $(pwd)\n".repeat(20_000);
        let out = h.block("bash", &huge);
        assert!(!out.contains("hl-"), "over the size budget: plain");
    }

    #[test]
    fn only_the_code_in_known_spans_passes_as_stored_html() {
        let code = "a <b> & 'c'\n";
        let h = Highlighter::new();
        let tokens = h.tokens(h.syntax("powershell").unwrap(), code).unwrap();
        assert!(spans_of(&tokens, code), "{tokens}");
        for bad in [
            "a &lt;b&gt; &amp; &#39;c&#39;",                        // text missing
            "a <b> & 'c'\n",                                        // unescaped
            "<span class=\"hl-k\">a &lt;b&gt; &amp; &#39;c&#39;\n", // never closed
            "<span class=\"hl-k\"><span class=\"hl-s\">a</span></span> &lt;b&gt; &amp; &#39;c&#39;\n",
            "</span>a &lt;b&gt; &amp; &#39;c&#39;\n",
            "<span class=\"hl-k\" onclick=\"x\">a</span> &lt;b&gt; &amp; &#39;c&#39;\n",
            "a &lt;b&gt; &amp; &#39;c&#39;\n<br>",
            "a &lt;b&gt; &amp &#39;c&#39;\n",
        ] {
            assert!(!spans_of(bad, code), "{bad}");
        }
        assert!(spans_of("<span class=\"hl-k\">a</span> &lt;b&gt; &amp; &#39;c&#39;\n", code));
    }

    #[test]
    fn identical_blocks_are_computed_once() {
        let h = Highlighter::new();
        let a = h.block("powershell", "Get-Date\n");
        let b = h.block("powershell", "Get-Date\n");
        assert!(Arc::ptr_eq(&a, &b));
    }

    #[test]
    fn each_line_is_wrapped_with_its_spans_closed_and_reopened() {
        let h = Highlighter::new();
        let html = h.block("powershell", "Get-Mailbox -Server EX1 |\n  Move-Mailbox -TargetDatabase \"DB 2\"\n");
        let code = html.split("<code>").nth(1).and_then(|c| c.split("</code>").next()).unwrap();
        assert_eq!(code.matches("<span").count(), code.matches("</span>").count(), "{code}");
        assert_eq!(code.matches("<span class=\"ln\">").count(), 2, "{code}");
        // The text, tags removed and entities kept, is exactly the source.
        let mut text = String::new();
        let mut inside = false;
        for c in code.chars() {
            match c {
                '<' => inside = true,
                '>' => inside = false,
                _ if !inside => text.push(c),
                _ => {}
            }
        }
        assert_eq!(text, "Get-Mailbox -Server EX1 |\n  Move-Mailbox -TargetDatabase &quot;DB 2&quot;\n");
        assert_eq!(super::wrap_lines("a\nb"), "<span class=\"ln\">a</span>\n<span class=\"ln\">b</span>");
    }

    #[test]
    fn css_has_light_and_dark() {
        let css = Highlighter::new().css();
        assert!(css.contains(".hl-"));
        assert!(css.contains("html[data-theme=\"dark\"] .hl-"));
        assert!(css.contains("prefers-color-scheme: dark"));
    }

    #[test]
    fn every_token_colour_is_readable_on_the_code_background() {
        let css = Highlighter::new().css();
        let mut checked = 0;
        for rule in css.lines().filter(|l| l.contains(".hl-")) {
            let theme = usize::from(rule.contains("data-theme"));
            let Some(hex) = rule.split("color: #").nth(1) else { continue };
            let hex = &hex[..6];
            let rgb = std::array::from_fn(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap());
            let ratio = contrast(rgb, CODE_BACKGROUND[theme]);
            assert!(ratio >= MIN_CONTRAST, "{rule}: {ratio:.2}");
            checked += 1;
        }
        assert!(checked > 20, "{css}");
        // The light theme's comment grey was 2.9:1; it is darkened just enough, not to black.
        let comment = readable([0x96, 0x98, 0x96], CODE_BACKGROUND[0]);
        assert!(contrast(comment, CODE_BACKGROUND[0]) < MIN_CONTRAST + 1.0, "{comment:?}");
    }
}

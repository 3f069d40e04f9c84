//! The condition language and the action syntax, as text: tokenising and parsing into syntax
//! trees that keep byte ranges, so every later diagnostic can point into the string. Knows
//! nothing about the catalog: whether `ram` is a component or a number is `resolve`'s question.
//!
//! Conditions combine atoms with `and`, `or`, `not` and parentheses (`not` binds tightest,
//! then `and`, then `or`). Atoms:
//!
//! | atom | meaning |
//! |---|---|
//! | `os`, `os@v2`, `os@>=v2`, `os@v1..v3` | a component is present (at a version) |
//! | `eligible` | a named condition |
//! | `os is broken`, `os is end-of-life` | broken; the present version's support phase |
//! | `ram >= 4GB`, `ram < 4 GB`, `free != 0`, `free >= data` | a number against a constant or another number |
//! | `arch = x86_64`, `arch != s390x`, `arch in (x86_64, aarch64)`, `cpu in supported-cpus` | an enumerated fact |
//! | `repos has epel`, `repos has any (a, b)`, `repos has all required-repos` | a set-valued fact |
//! | `role = replica` | the role of the host in its path |
//!
//! Actions: `install C[@v] …`, `remove C …`, `upgrade C@v`, `downgrade C@v`, `repair C …`,
//! `replace A with B[@v]`, `move C … from H to H`, `set F = value` (`set F + m`, `set F - m`
//! for sets), `manual`; any of them `… via METHOD`. Effects may also `break C …`. Action
//! patterns (what a blocker blocks, what a prerequisite is for) name one verb, several
//! (`install|upgrade`) or `any` (every change except removal), version specs as in conditions,
//! and optionally `via METHOD` or `via (m1, m2)`.

use std::ops::Range;

/// A syntax error with the byte range it concerns (relative to the parsed string).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub range: Range<usize>,
    pub hint: Option<String>,
}

impl SyntaxError {
    fn new(message: impl Into<String>, range: Range<usize>) -> SyntaxError {
        SyntaxError { message: message.into(), range, hint: None }
    }

    fn hint(mut self, hint: impl Into<String>) -> SyntaxError {
        self.hint = Some(hint.into());
        self
    }
}

/// A word with where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub range: Range<usize>,
}

/// How a version is constrained in an atom or pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VersionSpec {
    Eq(Word),
    Ge(Word),
    Gt(Word),
    Le(Word),
    Lt(Word),
    Between(Word, Word),
}

/// A comparison between a fact and a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Lt,
    Le,
    Eq,
    Ne,
    Ge,
    Gt,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Ge => ">=",
            CmpOp::Gt => ">",
        }
    }

    /// Does `a OP b` hold, for an ordering of `a` against `b`?
    pub fn holds(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            CmpOp::Lt => ord == Less,
            CmpOp::Le => ord != Greater,
            CmpOp::Eq => ord == Equal,
            CmpOp::Ne => ord != Equal,
            CmpOp::Ge => ord != Less,
            CmpOp::Gt => ord == Greater,
        }
    }
}

/// A value in a comparison or list: a word (`x86_64`, `4GB`, `1.5`), with a separate unit
/// word when written apart (`4 GB`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueAst {
    pub word: Word,
    pub unit: Option<Word>,
}

impl ValueAst {
    pub fn range(&self) -> Range<usize> {
        self.word.range.start..self.unit.as_ref().map_or(self.word.range.end, |u| u.range.end)
    }
}

/// A list of values: a named list or one written out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListAst {
    Named(Word),
    Items(Vec<ValueAst>, Range<usize>),
}

/// `has`, `has any`, `has all`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Quant {
    /// `has x`: one member (or, with a list, every member, like `all`).
    One,
    Any,
    All,
}

/// What an atom says about its subject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AtomKind {
    /// `id`: a component is present, or a named condition holds.
    Bare,
    /// `id@spec`.
    Version(VersionSpec),
    /// `id is word`: `broken`, or a support phase.
    Is(Word),
    /// `id OP value`.
    Cmp(CmpOp, ValueAst),
    /// `id in list`.
    In(ListAst),
    /// `id has [any|all] list-or-value`.
    Has(Quant, ListAst),
}

/// One atom: a subject and what is said about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Atom {
    pub id: Word,
    pub kind: AtomKind,
    /// The whole atom, for diagnostics about it as a unit.
    pub range: Range<usize>,
}

impl Atom {
    /// The version spec, for atoms written `id@spec`.
    pub fn spec(&self) -> Option<&VersionSpec> {
        match &self.kind {
            AtomKind::Version(s) => Some(s),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CondAst {
    Atom(Atom),
    Not(Box<CondAst>),
    And(Vec<CondAst>),
    Or(Vec<CondAst>),
}

impl CondAst {
    /// Every atom in the condition, in source order.
    pub fn atoms(&self) -> Vec<&Atom> {
        let mut out = Vec::new();
        fn walk<'a>(c: &'a CondAst, out: &mut Vec<&'a Atom>) {
            match c {
                CondAst::Atom(a) => out.push(a),
                CondAst::Not(c) => walk(c, out),
                CondAst::And(cs) | CondAst::Or(cs) => cs.iter().for_each(|c| walk(c, out)),
            }
        }
        walk(self, &mut out);
        out
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verb {
    Install,
    Remove,
    Upgrade,
    Downgrade,
    Repair,
    Replace,
    Move,
    Set,
    /// Effects only: mark components broken.
    Break,
    Manual,
    /// Patterns only: every verb that changes something, except `remove` (and `break`).
    Any,
}

impl Verb {
    pub const ACTIONS: [Verb; 9] = [
        Verb::Install,
        Verb::Remove,
        Verb::Upgrade,
        Verb::Downgrade,
        Verb::Repair,
        Verb::Replace,
        Verb::Move,
        Verb::Set,
        Verb::Manual,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Install => "install",
            Verb::Remove => "remove",
            Verb::Upgrade => "upgrade",
            Verb::Downgrade => "downgrade",
            Verb::Repair => "repair",
            Verb::Replace => "replace",
            Verb::Move => "move",
            Verb::Set => "set",
            Verb::Break => "break",
            Verb::Manual => "manual",
            Verb::Any => "any",
        }
    }

    fn parse(w: &str) -> Option<Verb> {
        Some(match w {
            "install" => Verb::Install,
            "remove" => Verb::Remove,
            "upgrade" => Verb::Upgrade,
            "downgrade" => Verb::Downgrade,
            "repair" => Verb::Repair,
            "replace" => Verb::Replace,
            "move" => Verb::Move,
            "set" => Verb::Set,
            "break" => Verb::Break,
            "manual" => Verb::Manual,
            "any" => Verb::Any,
            _ => return None,
        })
    }
}

/// What a `set` action does to a fact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetAst {
    /// `set F = value` or `set F = (a, b)`.
    Assign(ListAst),
    /// `set F + member`.
    Add(ValueAst),
    /// `set F - member`.
    Drop(ValueAst),
}

/// A parsed action or action pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionAst {
    /// One verb for an action; one or more for a pattern (`install|upgrade`).
    pub verbs: Vec<Verb>,
    pub verb_range: Range<usize>,
    pub targets: Vec<Atom>,
    pub from: Option<Word>,
    pub to: Option<Word>,
    /// `replace A with B`: the B.
    pub with: Option<Atom>,
    /// `set F …`.
    pub set: Option<SetAst>,
    /// `via METHOD` (an action names one; a pattern may name several).
    pub via: Vec<Word>,
}

impl ActionAst {
    pub fn verb(&self) -> Verb {
        self.verbs.first().copied().unwrap_or(Verb::Manual)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Ident(String),
    And,
    Or,
    Not,
    LParen,
    RParen,
    At,
    Op(&'static str),
    DotDot,
    Comma,
    Pipe,
    Plus,
    Bad(char),
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' || c == '%'
}

/// Words that are part of the language and can never be ids.
pub const KEYWORDS: [&str; 11] = ["and", "or", "not", "from", "to", "in", "has", "is", "with", "via", "any"];

fn tokenize(src: &str) -> Vec<(Tok, Range<usize>)> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < src.len() {
        let c = src[i..].chars().next().unwrap_or(' ');
        let start = i;
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        let two = src.get(i..i + 2).unwrap_or("");
        let tok = match c {
            '(' => {
                i += 1;
                Tok::LParen
            }
            ')' => {
                i += 1;
                Tok::RParen
            }
            '@' => {
                i += 1;
                Tok::At
            }
            ',' => {
                i += 1;
                Tok::Comma
            }
            '|' if two != "||" => {
                i += 1;
                Tok::Pipe
            }
            '+' => {
                i += 1;
                Tok::Plus
            }
            '!' if two == "!=" => {
                i += 2;
                Tok::Op("!=")
            }
            '>' | '<' if two.ends_with('=') => {
                i += 2;
                Tok::Op(if c == '>' { ">=" } else { "<=" })
            }
            '>' => {
                i += 1;
                Tok::Op(">")
            }
            '<' => {
                i += 1;
                Tok::Op("<")
            }
            '=' => {
                i += if two == "==" { 2 } else { 1 };
                Tok::Op("=")
            }
            '.' if two == ".." => {
                i += 2;
                Tok::DotDot
            }
            c if is_ident_char(c) => {
                // An identifier, version or number; `..` ends it so `rtm..sp1` splits.
                while i < src.len() {
                    let ch = bytes[i] as char;
                    if ch == '.' && bytes.get(i + 1) == Some(&b'.') {
                        break;
                    }
                    if !(ch.is_ascii() && is_ident_char(ch)) {
                        break;
                    }
                    i += 1;
                }
                match &src[start..i] {
                    "and" => Tok::And,
                    "or" => Tok::Or,
                    "not" => Tok::Not,
                    w => Tok::Ident(w.to_string()),
                }
            }
            other => {
                i += other.len_utf8();
                Tok::Bad(other)
            }
        };
        out.push((tok, start..i));
    }
    out
}

/// Does a word start like a number (`4`, `4GB`, `1.5`, `-2`)?
pub fn is_numeric(w: &str) -> bool {
    let w = w.strip_prefix('-').unwrap_or(w);
    w.chars().next().is_some_and(|c| c.is_ascii_digit())
}

struct Parser<'a> {
    src: &'a str,
    toks: Vec<(Tok, Range<usize>)>,
    pos: usize,
    depth: usize,
}

/// Deep nesting is hostile input, not a real condition; refuse it before the stack suffers.
const MAX_DEPTH: usize = 64;

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Parser<'a> {
        Parser { src, toks: tokenize(src), pos: 0, depth: 0 }
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(t, _)| t)
    }

    fn peek_word(&self) -> Option<&str> {
        match self.peek() {
            Some(Tok::Ident(w)) => Some(w.as_str()),
            _ => None,
        }
    }

    fn range(&self) -> Range<usize> {
        self.toks.get(self.pos).map_or(self.src.len()..self.src.len(), |(_, r)| r.clone())
    }

    fn last_end(&self) -> usize {
        self.toks.get(self.pos.wrapping_sub(1)).map_or(0, |(_, r)| r.end)
    }

    fn bump(&mut self) -> Option<(Tok, Range<usize>)> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn unexpected(&self, expected: &str) -> SyntaxError {
        match self.toks.get(self.pos) {
            None => SyntaxError::new(format!("expected {expected}, found the end"), self.range()),
            Some((Tok::Bad(c), r)) => {
                let err = SyntaxError::new(format!("unexpected character `{c}`"), r.clone());
                match c {
                    '&' => err.hint("write `and`"),
                    '|' => err.hint("write `or`"),
                    '!' => err.hint("write `not`, or `!=` to compare"),
                    _ => err.hint("ids may contain letters, digits, `-`, `_` and `.`"),
                }
            }
            Some((Tok::Pipe, r)) => SyntaxError::new("unexpected `|`", r.clone())
                .hint("in a condition write `or`; `|` joins verbs in an action pattern (`install|upgrade`)"),
            Some((Tok::Ident(w), r)) if matches!(w.as_str(), "AND" | "OR" | "NOT" | "And" | "Or" | "Not") => {
                SyntaxError::new(format!("expected {expected}, found `{w}`"), r.clone())
                    .hint(format!("operators are lowercase: write `{}`", w.to_ascii_lowercase()))
            }
            Some((_, r)) => {
                SyntaxError::new(format!("expected {expected}, found `{}`", &self.src[r.clone()]), r.clone())
            }
        }
    }

    fn or(&mut self) -> Result<CondAst, SyntaxError> {
        let mut items = vec![self.and()?];
        while self.peek() == Some(&Tok::Or) {
            self.bump();
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 { items.pop().expect("one item") } else { CondAst::Or(items) })
    }

    fn and(&mut self) -> Result<CondAst, SyntaxError> {
        let mut items = vec![self.unary()?];
        while self.peek() == Some(&Tok::And) {
            self.bump();
            items.push(self.unary()?);
        }
        Ok(if items.len() == 1 { items.pop().expect("one item") } else { CondAst::And(items) })
    }

    fn unary(&mut self) -> Result<CondAst, SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(SyntaxError::new(format!("condition nested more than {MAX_DEPTH} levels deep"), self.range()));
        }
        let result = match self.peek() {
            Some(Tok::Not) => {
                self.bump();
                self.unary().map(|c| CondAst::Not(Box::new(c)))
            }
            Some(Tok::LParen) => {
                let (_, open) = self.bump().expect("peeked");
                let inner = self.or()?;
                if self.peek() == Some(&Tok::RParen) {
                    self.bump();
                    Ok(inner)
                } else {
                    Err(self.unexpected("`)`").hint(format!(
                        "the `(` at column {} is never closed",
                        self.src[..open.start].chars().count() + 1
                    )))
                }
            }
            Some(Tok::Ident(_)) => self.atom(false).map(CondAst::Atom),
            _ => Err(self.unexpected("a component or fact, `not` or `(`")),
        };
        self.depth -= 1;
        result
    }

    fn word(&mut self, what: &str) -> Result<Word, SyntaxError> {
        match self.peek() {
            Some(Tok::Ident(_)) => {
                let (Tok::Ident(text), range) = self.bump().expect("peeked") else { unreachable!() };
                Ok(Word { text, range })
            }
            _ => Err(self.unexpected(what)),
        }
    }

    /// A value: a word, and for a number a unit written apart (`4 GB`).
    fn value(&mut self, what: &str) -> Result<ValueAst, SyntaxError> {
        let word = self.word(what)?;
        let unit = match self.peek_word() {
            Some(u)
                if is_numeric(&word.text)
                    && word.text.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-')
                    && is_unit(u) =>
            {
                Some(self.word("a unit")?)
            }
            Some(u) if is_numeric(&word.text) && u != "and" && u != "or" => {
                return Err(SyntaxError::new(format!("`{u}` is not a unit"), self.range())
                    .hint("units: B, KB, MB, GB, TB, KiB, MiB, GiB, TiB, ms, s, min, h, d, Hz, MHz, GHz, %"));
            }
            _ => None,
        };
        Ok(ValueAst { word, unit })
    }

    /// `name` or `(v, v, …)`.
    fn list(&mut self, what: &str) -> Result<ListAst, SyntaxError> {
        if self.peek() == Some(&Tok::LParen) {
            let (_, open) = self.bump().expect("peeked");
            let mut items = vec![self.value("a value")?];
            while self.peek() == Some(&Tok::Comma) {
                self.bump();
                items.push(self.value("a value after `,`")?);
            }
            if self.peek() != Some(&Tok::RParen) {
                return Err(self.unexpected("`,` or `)`").hint("write a list as `(a, b, c)`"));
            }
            let (_, close) = self.bump().expect("peeked");
            return Ok(ListAst::Items(items, open.start..close.end));
        }
        Ok(ListAst::Named(self.word(what)?))
    }

    /// An atom; `pattern` atoms take only `id` and `id@spec`.
    fn atom(&mut self, pattern: bool) -> Result<Atom, SyntaxError> {
        let id = self.word("a component or fact")?;
        if KEYWORDS.contains(&id.text.as_str()) && id.text != "any" {
            return Err(SyntaxError::new(format!("`{}` is a keyword, not an id", id.text), id.range.clone()));
        }
        let start = id.range.start;
        let kind = match self.peek() {
            Some(Tok::At) => {
                self.bump();
                AtomKind::Version(self.version_spec()?)
            }
            Some(Tok::Op(op)) if !pattern => {
                let op = match *op {
                    "<" => CmpOp::Lt,
                    "<=" => CmpOp::Le,
                    "=" => CmpOp::Eq,
                    "!=" => CmpOp::Ne,
                    ">=" => CmpOp::Ge,
                    _ => CmpOp::Gt,
                };
                self.bump();
                AtomKind::Cmp(op, self.value("a value to compare with")?)
            }
            Some(Tok::Ident(w)) if !pattern && w == "is" => {
                self.bump();
                AtomKind::Is(self.word("`broken` or a support phase after `is`").map_err(|e| {
                    e.hint("write `is broken`, `is supported`, `is extended`, `is end-of-life` or `is unreleased`")
                })?)
            }
            Some(Tok::Ident(w)) if !pattern && w == "in" => {
                self.bump();
                AtomKind::In(self.list("a list after `in`")?)
            }
            Some(Tok::Ident(w)) if !pattern && w == "has" => {
                self.bump();
                let quant = match self.peek_word() {
                    Some("any") => {
                        self.bump();
                        Quant::Any
                    }
                    Some("all") => {
                        self.bump();
                        Quant::All
                    }
                    _ => Quant::One,
                };
                AtomKind::Has(quant, self.list("a member or list after `has`")?)
            }
            _ => AtomKind::Bare,
        };
        Ok(Atom { id, kind, range: start..self.last_end() })
    }

    fn version_spec(&mut self) -> Result<VersionSpec, SyntaxError> {
        if let Some(Tok::Op(op)) = self.peek() {
            let op = *op;
            self.bump();
            let v = self.word("a version after the comparison")?;
            return Ok(match op {
                ">=" => VersionSpec::Ge(v),
                ">" => VersionSpec::Gt(v),
                "<=" => VersionSpec::Le(v),
                "<" => VersionSpec::Lt(v),
                "!=" => {
                    return Err(SyntaxError::new("`@!=` is not a version spec", v.range).hint("write `not id@version`"));
                }
                _ => VersionSpec::Eq(v),
            });
        }
        let v = self.word("a version after `@`")?;
        if self.peek() == Some(&Tok::DotDot) {
            self.bump();
            let hi = self.word("a version after `..`")?;
            return Ok(VersionSpec::Between(v, hi));
        }
        Ok(VersionSpec::Eq(v))
    }
}

/// Units a number may carry; `resolve` converts between those of one dimension.
pub fn is_unit(w: &str) -> bool {
    unit(w).is_some()
}

/// The dimension of a unit and its size in the dimension's base unit.
pub fn unit(w: &str) -> Option<(&'static str, f64)> {
    const K: f64 = 1000.0;
    const KI: f64 = 1024.0;
    Some(match w {
        "B" | "bytes" => ("bytes", 1.0),
        "KB" | "kB" => ("bytes", K),
        "MB" => ("bytes", K * K),
        "GB" => ("bytes", K * K * K),
        "TB" => ("bytes", K * K * K * K),
        "PB" => ("bytes", K * K * K * K * K),
        "KiB" => ("bytes", KI),
        "MiB" => ("bytes", KI * KI),
        "GiB" => ("bytes", KI * KI * KI),
        "TiB" => ("bytes", KI * KI * KI * KI),
        "PiB" => ("bytes", KI * KI * KI * KI * KI),
        "ms" => ("seconds", 0.001),
        "s" | "sec" | "seconds" => ("seconds", 1.0),
        "min" | "minutes" => ("seconds", 60.0),
        "h" | "hours" => ("seconds", 3600.0),
        "d" | "days" => ("seconds", 86400.0),
        "Hz" => ("hertz", 1.0),
        "kHz" => ("hertz", K),
        "MHz" => ("hertz", K * K),
        "GHz" => ("hertz", K * K * K),
        "%" | "percent" => ("percent", 1.0),
        _ => return None,
    })
}

/// Splits `4GB` / `1.5` / `64` into its number and the unit written after it.
pub fn split_number(w: &str) -> Option<(f64, &str)> {
    let end = w
        .char_indices()
        .find(|(i, c)| !(c.is_ascii_digit() || *c == '.' || (*i == 0 && *c == '-')))
        .map_or(w.len(), |(i, _)| i);
    let n: f64 = w[..end].parse().ok()?;
    n.is_finite().then_some((n, &w[end..]))
}

/// Parses a condition.
pub fn parse_condition(src: &str) -> Result<CondAst, SyntaxError> {
    let mut p = Parser::new(src);
    if p.toks.is_empty() {
        return Err(SyntaxError::new("empty condition", 0..src.len())
            .hint("leave the key out instead, or write a condition such as `windows-server@2003`"));
    }
    let c = p.or()?;
    if p.pos < p.toks.len() {
        let mut e = p.unexpected("`and`, `or` or the end of the condition");
        if e.hint.is_none() {
            e = e.hint("combine atoms with `and` / `or`; to name a version write `id@version` without spaces");
        }
        return Err(e);
    }
    Ok(c)
}

/// Parses an action (`pattern == false`) or an action pattern (`pattern == true`).
pub fn parse_action(src: &str, pattern: bool) -> Result<ActionAst, SyntaxError> {
    let mut p = Parser::new(src);
    let verbs = if pattern {
        "a verb (`install`, `remove`, `upgrade`, `downgrade`, `repair`, `replace`, `move`, `set`), several joined by `|`, or `any`"
    } else {
        "a verb: `install`, `remove`, `upgrade`, `downgrade`, `repair`, `replace`, `move`, `set` or `manual`"
    };
    let head = p.word(verbs).map_err(|e| e.hint(format!("start with {verbs}")))?;
    let mut verb_list = Vec::new();
    let mut verb_range = head.range.clone();
    let mut next = Some(head);
    while let Some(w) = next.take() {
        let verb = match Verb::parse(&w.text) {
            Some(Verb::Any) if !pattern => None,
            Some(Verb::Manual) if pattern => None,
            Some(Verb::Break) if pattern => None,
            v => v,
        };
        let Some(verb) = verb else {
            return Err(
                SyntaxError::new(format!("unknown verb `{}`", w.text), w.range.clone()).hint(format!("use {verbs}"))
            );
        };
        verb_list.push(verb);
        verb_range.end = w.range.end;
        if pattern && p.peek() == Some(&Tok::Pipe) {
            p.bump();
            next = Some(p.word("a verb after `|`")?);
        } else if !pattern && p.peek() == Some(&Tok::Pipe) {
            return Err(SyntaxError::new("an action has one verb", p.range()).hint("use one step per action"));
        }
    }
    if verb_list.contains(&Verb::Any) && verb_list.len() > 1 {
        return Err(SyntaxError::new("`any` cannot be combined with other verbs", verb_range));
    }
    let verb = verb_list[0];
    let mut action = ActionAst {
        verbs: verb_list,
        verb_range: verb_range.clone(),
        targets: Vec::new(),
        from: None,
        to: None,
        with: None,
        set: None,
        via: Vec::new(),
    };
    if verb == Verb::Manual {
        if p.pos < p.toks.len() {
            return Err(SyntaxError::new("`manual` takes no arguments", p.range())
                .hint("describe what to do in the step's `instructions`"));
        }
        return Ok(action);
    }
    let stop = |w: &str| matches!(w, "from" | "to" | "with" | "via");
    while let Some(w) = p.peek_word() {
        if stop(w) {
            break;
        }
        let atom = p.atom(true)?;
        if !pattern {
            match atom.spec() {
                None | Some(VersionSpec::Eq(_)) => {}
                Some(_) => {
                    return Err(SyntaxError::new("an action names one exact version", atom.range.clone())
                        .hint("write `component@version`; comparisons belong in conditions and patterns"));
                }
            }
        }
        action.targets.push(atom);
        if action.verbs.contains(&Verb::Set) && !pattern {
            break;
        }
    }
    if action.targets.is_empty() {
        return Err(p.unexpected("a component or fact").hint(format!("for example `{} powershell`", verb.as_str())));
    }
    if verb == Verb::Set && !pattern {
        let set = match p.peek() {
            Some(Tok::Op("=")) => {
                p.bump();
                if p.peek() == Some(&Tok::LParen) {
                    SetAst::Assign(p.list("a value")?)
                } else {
                    SetAst::Assign(ListAst::Items(vec![p.value("a value")?], p.range()))
                }
            }
            Some(Tok::Plus) => {
                p.bump();
                SetAst::Add(p.value("a member to add")?)
            }
            Some(Tok::Ident(w)) if w == "-" => {
                p.bump();
                SetAst::Drop(p.value("a member to take out")?)
            }
            _ => {
                return Err(p
                    .unexpected("`=`, `+` or `-`")
                    .hint("write `set fact = value`, `set set-fact + member` or `set set-fact - member`"));
            }
        };
        action.set = Some(set);
    }
    if verb == Verb::Replace && !pattern {
        match p.bump() {
            Some((Tok::Ident(w), _)) if w == "with" => {}
            Some((_, r)) => {
                return Err(SyntaxError::new("expected `with`", r).hint("write `replace OLD with NEW[@version]`"));
            }
            None => {
                return Err(SyntaxError::new("expected `with NEW`", src.len()..src.len())
                    .hint("write `replace OLD with NEW[@version]`"));
            }
        }
        let with = p.atom(true)?;
        if !matches!(with.spec(), None | Some(VersionSpec::Eq(_))) {
            return Err(SyntaxError::new("an action names one exact version", with.range.clone()));
        }
        action.with = Some(with);
        if action.targets.len() > 1 {
            return Err(SyntaxError::new(
                "`replace` takes one component on each side",
                action.targets[1].range.clone(),
            ));
        }
    }
    if verb == Verb::Move && !pattern {
        for (key, slot) in [("from", 0), ("to", 1)] {
            match p.bump() {
                Some((Tok::Ident(w), _)) if w == key => {}
                Some((_, r)) => {
                    return Err(SyntaxError::new(format!("expected `{key}`"), r)
                        .hint("write `move COMPONENT from HOST to HOST`"));
                }
                None => {
                    return Err(SyntaxError::new(format!("expected `{key} HOST`"), src.len()..src.len())
                        .hint("write `move COMPONENT from HOST to HOST`"));
                }
            }
            let host = p.word("a host id")?;
            if slot == 0 {
                action.from = Some(host);
            } else {
                action.to = Some(host);
            }
        }
    }
    if p.peek_word() == Some("via") {
        p.bump();
        if pattern && p.peek() == Some(&Tok::LParen) {
            match p.list("methods")? {
                ListAst::Items(items, _) => action.via = items.into_iter().map(|v| v.word).collect(),
                ListAst::Named(w) => action.via = vec![w],
            }
        } else {
            action.via = vec![p.word("a method after `via`")?];
        }
    }
    if p.pos < p.toks.len() {
        return Err(p.unexpected("the end of the action").hint(match verb {
            Verb::Upgrade | Verb::Downgrade => "`upgrade` and `downgrade` take one `component@version`",
            Verb::Move if pattern => "a move pattern names components only: `move mailbox-databases`",
            _ => "separate components with spaces; a method goes last: `… via media`",
        }));
    }
    if matches!(verb, Verb::Upgrade | Verb::Downgrade) && action.targets.len() > 1 && !pattern {
        return Err(SyntaxError::new(
            format!("`{}` takes one component", verb.as_str()),
            action.targets[1].range.clone(),
        )
        .hint("use one step per upgrade"));
    }
    Ok(action)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(c: &CondAst, src: &str) -> String {
        match c {
            CondAst::Atom(a) => src[a.range.clone()].to_string(),
            CondAst::Not(c) => format!("(not {})", show(c, src)),
            CondAst::And(cs) => format!("({})", cs.iter().map(|c| show(c, src)).collect::<Vec<_>>().join(" and ")),
            CondAst::Or(cs) => format!("({})", cs.iter().map(|c| show(c, src)).collect::<Vec<_>>().join(" or ")),
        }
    }

    #[test]
    fn precedence_is_not_then_and_then_or() {
        let src = "a or not b and c@>=sp1 or (d or e@rtm..sp1)";
        let c = parse_condition(src).unwrap();
        assert_eq!(show(&c, src), "(a or ((not b) and c@>=sp1) or (d or e@rtm..sp1))");
    }

    #[test]
    fn version_specs_parse_with_their_ranges() {
        let src = "exchange-2007@>=sp1";
        let CondAst::Atom(a) = parse_condition(src).unwrap() else { panic!() };
        assert_eq!(a.id.text, "exchange-2007");
        let Some(VersionSpec::Ge(v)) = a.spec() else { panic!() };
        assert_eq!((v.text.as_str(), v.range.clone()), ("sp1", 16..19));
        let CondAst::Atom(a) = parse_condition("os@1.0..2.0").unwrap() else { panic!() };
        assert!(matches!(a.spec(), Some(VersionSpec::Between(l, h)) if l.text == "1.0" && h.text == "2.0"));
    }

    #[test]
    fn typed_atoms_parse() {
        let src = "ram >= 4 GB and disk>=64GB and free >= data and arch in (x86_64, aarch64) and cpu in ok-cpus \
                   and repos has any (a, b) and repos has epel and not os is end-of-life and x is broken and role = replica and arch != s390x";
        let c = parse_condition(src).unwrap();
        let atoms = c.atoms();
        assert_eq!(atoms.len(), 11);
        assert!(
            matches!(&atoms[0].kind, AtomKind::Cmp(CmpOp::Ge, v) if v.word.text == "4" && v.unit.as_ref().unwrap().text == "GB")
        );
        assert_eq!(&src[atoms[0].range.clone()], "ram >= 4 GB");
        assert!(matches!(&atoms[1].kind, AtomKind::Cmp(CmpOp::Ge, v) if v.word.text == "64GB" && v.unit.is_none()));
        assert!(matches!(&atoms[2].kind, AtomKind::Cmp(CmpOp::Ge, v) if v.word.text == "data"));
        assert!(matches!(&atoms[3].kind, AtomKind::In(ListAst::Items(items, _)) if items.len() == 2));
        assert!(matches!(&atoms[4].kind, AtomKind::In(ListAst::Named(w)) if w.text == "ok-cpus"));
        assert!(matches!(&atoms[5].kind, AtomKind::Has(Quant::Any, _)));
        assert!(matches!(&atoms[6].kind, AtomKind::Has(Quant::One, ListAst::Named(w)) if w.text == "epel"));
        assert!(matches!(&atoms[7].kind, AtomKind::Is(w) if w.text == "end-of-life"));
        assert!(matches!(&atoms[10].kind, AtomKind::Cmp(CmpOp::Ne, _)));
        assert_eq!(split_number("4GB"), Some((4.0, "GB")));
        assert_eq!(split_number("1.5"), Some((1.5, "")));
        assert_eq!(split_number("x86"), None);
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = parse_condition("a and (b or c").unwrap_err();
        assert_eq!(e.range, 13..13);
        assert!(e.hint.unwrap().contains("column 7"));
        let e = parse_condition("a && b").unwrap_err();
        assert_eq!(e.range, 2..3);
        assert_eq!(e.hint.as_deref(), Some("write `and`"));
        let e = parse_condition("a b").unwrap_err();
        assert_eq!(e.range, 2..3);
        let e = parse_condition("a AND b").unwrap_err();
        assert!(e.hint.unwrap().contains("lowercase"), "uppercase operators get a hint");
        let e = parse_condition("a | b").unwrap_err();
        assert!(e.hint.unwrap().contains("`or`"));
        assert!(parse_condition("   ").is_err());
        assert!(parse_condition("a@").is_err());
        assert!(parse_condition("not").is_err());
        assert!(parse_condition("ram >=").is_err());
        assert!(parse_condition("arch in (a,").is_err());
    }

    #[test]
    fn hostile_nesting_is_refused_not_overflowed() {
        let src = format!("{}a{}", "(".repeat(100_000), ")".repeat(100_000));
        let e = parse_condition(&src).unwrap_err();
        assert!(e.message.contains("nested"));
        let src = format!("{}a", "not ".repeat(100_000));
        assert!(parse_condition(&src).is_err());
    }

    #[test]
    fn actions_parse() {
        let a = parse_action("install web-server web-metabase exchange-2007@sp1", false).unwrap();
        assert_eq!(a.verb(), Verb::Install);
        assert_eq!(a.targets.len(), 3);
        let a = parse_action("move mailbox-databases from old to new", false).unwrap();
        assert_eq!(a.from.unwrap().text, "old");
        assert_eq!(a.to.unwrap().text, "new");
        assert_eq!(parse_action("manual", false).unwrap().verb(), Verb::Manual);
        assert!(parse_action("upgrade windows-server@>=2008", false).is_err());
        assert!(parse_action("upgrade windows-server@>=2008", true).is_ok());
        assert!(parse_action("move x from old", false).is_err());
        assert!(parse_action("explode x", false).unwrap_err().message.contains("unknown verb"));
        assert!(parse_action("any exchange-2007", true).is_ok());
        assert!(parse_action("manual", true).is_err());
        assert!(parse_action("install", false).is_err());
        let a = parse_action("upgrade windows@11 via media", false).unwrap();
        assert_eq!(a.via[0].text, "media");
        let a = parse_action("install|upgrade windows@11 via (media, windows-update)", true).unwrap();
        assert_eq!(a.verbs, [Verb::Install, Verb::Upgrade]);
        assert_eq!(a.via.len(), 2);
        assert!(parse_action("install|upgrade windows@11", false).is_err());
        let a = parse_action("replace iptables with nftables@1.0", false).unwrap();
        assert_eq!(a.with.unwrap().id.text, "nftables");
        let a = parse_action("set selinux = permissive", false).unwrap();
        assert!(matches!(a.set, Some(SetAst::Assign(ListAst::Items(ref v, _))) if v[0].word.text == "permissive"));
        let a = parse_action("set repos + epel", false).unwrap();
        assert!(matches!(a.set, Some(SetAst::Add(_))));
        let a = parse_action("set repos - epel", false).unwrap();
        assert!(matches!(a.set, Some(SetAst::Drop(_))));
        let a = parse_action("set ram = 8 GB", false).unwrap();
        assert!(matches!(a.set, Some(SetAst::Assign(ListAst::Items(ref v, _))) if v[0].unit.is_some()));
        assert_eq!(parse_action("downgrade pg@15", false).unwrap().verb(), Verb::Downgrade);
        assert_eq!(parse_action("repair exchange", false).unwrap().verb(), Verb::Repair);
        assert!(parse_action("break exchange", true).is_err());
    }
}

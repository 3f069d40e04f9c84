//! The condition language and the action syntax, as text: tokenising and parsing into syntax
//! trees that keep byte ranges, so every later diagnostic can point into the string.
//!
//! Conditions: `exchange-2007@>=sp1 and windows-server@2003 and not clustered-mailbox`.
//! Atoms are `id`, `id@v`, `id@>=v` (also `>`, `<`, `<=`, `=`) and `id@v1..v2`; combined with
//! `and`, `or`, `not` and parentheses (`not` binds tightest, then `and`, then `or`).
//!
//! Actions: `install C[@v] …`, `remove C …`, `upgrade C@v`, `move C … from H to H`, `manual`.
//! Action patterns (what a blocker blocks, what a prerequisite is for) use the same verbs plus
//! `any`, and version specs as in conditions: `upgrade windows-server@>=2008`.

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

/// `id` or `id@spec`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Atom {
    pub id: Word,
    pub spec: Option<VersionSpec>,
    /// The whole atom, for diagnostics about it as a unit.
    pub range: Range<usize>,
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verb {
    Install,
    Remove,
    Upgrade,
    Move,
    Manual,
    /// Patterns only: matches every verb.
    Any,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Install => "install",
            Verb::Remove => "remove",
            Verb::Upgrade => "upgrade",
            Verb::Move => "move",
            Verb::Manual => "manual",
            Verb::Any => "any",
        }
    }
}

/// A parsed action or action pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionAst {
    pub verb: Verb,
    pub verb_range: Range<usize>,
    pub targets: Vec<Atom>,
    pub from: Option<Word>,
    pub to: Option<Word>,
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
    Bad(char),
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'
}

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
                // An identifier or version; `..` ends it so `rtm..sp1` splits.
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

    fn range(&self) -> Range<usize> {
        self.toks.get(self.pos).map_or(self.src.len()..self.src.len(), |(_, r)| r.clone())
    }

    fn bump(&mut self) -> Option<(Tok, Range<usize>)> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn unexpected(&self, expected: &str) -> SyntaxError {
        match self.toks.get(self.pos) {
            None => SyntaxError::new(format!("expected {expected}, found the end of the condition"), self.range()),
            Some((Tok::Bad(c), r)) => {
                let err = SyntaxError::new(format!("unexpected character `{c}`"), r.clone());
                match c {
                    '&' => err.hint("write `and`"),
                    '|' => err.hint("write `or`"),
                    '!' => err.hint("write `not`"),
                    _ => err.hint("ids may contain letters, digits, `-`, `_` and `.`"),
                }
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
            Some(Tok::Ident(_)) => self.atom().map(CondAst::Atom),
            _ => Err(self.unexpected("a component id, `not` or `(`")),
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

    fn atom(&mut self) -> Result<Atom, SyntaxError> {
        let id = self.word("a component id")?;
        let start = id.range.start;
        let spec = if self.peek() == Some(&Tok::At) {
            self.bump();
            Some(self.version_spec()?)
        } else {
            None
        };
        let end = self.toks.get(self.pos.wrapping_sub(1)).map_or(id.range.end, |(_, r)| r.end);
        Ok(Atom { id, spec, range: start..end })
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
        "`install`, `remove`, `upgrade`, `move` or `any`"
    } else {
        "`install`, `remove`, `upgrade`, `move` or `manual`"
    };
    let head = p.word(&format!("a verb: {verbs}")).map_err(|e| e.hint(format!("start with {verbs}")))?;
    let verb = match head.text.as_str() {
        "install" => Verb::Install,
        "remove" => Verb::Remove,
        "upgrade" => Verb::Upgrade,
        "move" => Verb::Move,
        "manual" if !pattern => Verb::Manual,
        "any" if pattern => Verb::Any,
        other => {
            return Err(
                SyntaxError::new(format!("unknown verb `{other}`"), head.range.clone()).hint(format!("use {verbs}"))
            );
        }
    };
    let mut action = ActionAst { verb, verb_range: head.range.clone(), targets: Vec::new(), from: None, to: None };
    if verb == Verb::Manual {
        if p.pos < p.toks.len() {
            return Err(SyntaxError::new("`manual` takes no arguments", p.range())
                .hint("describe what to do in the step's `instructions`"));
        }
        return Ok(action);
    }
    while let Some(Tok::Ident(w)) = p.peek() {
        if verb == Verb::Move && (w == "from" || w == "to") {
            break;
        }
        let atom = p.atom()?;
        if !pattern {
            match &atom.spec {
                None | Some(VersionSpec::Eq(_)) => {}
                Some(_) => {
                    return Err(SyntaxError::new("an action names one exact version", atom.range.clone())
                        .hint("write `component@version`; comparisons belong in conditions and patterns"));
                }
            }
        }
        action.targets.push(atom);
    }
    if action.targets.is_empty() {
        return Err(p.unexpected("a component id").hint(format!("for example `{} powershell`", verb.as_str())));
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
    if p.pos < p.toks.len() {
        return Err(p.unexpected("the end of the action").hint(match verb {
            Verb::Upgrade => "`upgrade` takes one `component@version`",
            Verb::Move if pattern => "a move pattern names components only: `move mailbox-databases`",
            _ => "separate components with spaces",
        }));
    }
    if verb == Verb::Upgrade && action.targets.len() > 1 && !pattern {
        return Err(SyntaxError::new("`upgrade` takes one component", action.targets[1].range.clone())
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
        let Some(VersionSpec::Ge(v)) = a.spec else { panic!() };
        assert_eq!((v.text.as_str(), v.range), ("sp1", 16..19));
        let CondAst::Atom(a) = parse_condition("os@1.0..2.0").unwrap() else { panic!() };
        assert!(matches!(a.spec, Some(VersionSpec::Between(ref l, ref h)) if l.text == "1.0" && h.text == "2.0"));
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
        assert!(parse_condition("   ").is_err());
        assert!(parse_condition("a@").is_err());
        assert!(parse_condition("not").is_err());
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
        assert_eq!(a.verb, Verb::Install);
        assert_eq!(a.targets.len(), 3);
        let a = parse_action("move mailbox-databases from old to new", false).unwrap();
        assert_eq!(a.from.unwrap().text, "old");
        assert_eq!(a.to.unwrap().text, "new");
        assert_eq!(parse_action("manual", false).unwrap().verb, Verb::Manual);
        assert!(parse_action("upgrade windows-server@>=2008", false).is_err());
        assert!(parse_action("upgrade windows-server@>=2008", true).is_ok());
        assert!(parse_action("move x from old", false).is_err());
        assert!(parse_action("explode x", false).unwrap_err().message.contains("unknown verb"));
        assert!(parse_action("any exchange-2007", true).is_ok());
        assert!(parse_action("manual", true).is_err());
        assert!(parse_action("install", false).is_err());
    }
}

//! Highlight queries answered by one walk of the tree, for queries simple enough.
//!
//! Tree-sitter's query engine keeps state for every pattern that could start at every node,
//! and pays about 2,000 instructions a node for it even when each pattern names a single node.
//! Most of a highlight query is such patterns: `"if" @keyword`, `(comment) @comment`, and a
//! few of one node under another, `(command command_name: (command_name) @function)`. A query
//! made only of those is read here into tables by node kind, and one walk of the tree with a
//! [`tree_sitter::TreeCursor`] looks each node up. A query using anything else (predicates,
//! wildcards, quantifiers, anchors, deeper nesting) is not read, and the query engine runs it.
//! The tests check that both give the same captures.

use std::ops::Range;
use std::time::Instant;

use tree_sitter::{Language, Tree};

/// One node a pattern names: a kind, named (`(comment)`) or anonymous (`"if"`).
#[derive(Debug, PartialEq)]
struct NodeName {
    kind: String,
    named: bool,
}

/// One pattern of a simple query: one of `nodes` (an alternation names several), under a
/// parent of kind `parent` (through `field` when given) if there is one, captured as `capture`.
#[derive(Debug, PartialEq)]
struct Pattern<'q> {
    parent: Option<(&'q str, Option<&'q str>)>,
    nodes: Vec<NodeName>,
    capture: &'q str,
}

#[derive(Debug, PartialEq)]
enum Lexeme<'q> {
    Open,
    Close,
    OpenAlternation,
    CloseAlternation,
    Literal(String),
    Name(&'q str),
    Field(&'q str),
    Capture(&'q str),
}

/// The lexemes of a query, or `None` at anything a simple query does not use (`#`, `!`, `*`,
/// `+`, `?`, `.`, an unknown escape).
fn lex(query: &str) -> Option<Vec<Lexeme<'_>>> {
    let name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    let mut out = Vec::new();
    let mut rest = query;
    while let Some(c) = rest.chars().next() {
        match c {
            c if c.is_whitespace() => rest = &rest[c.len_utf8()..],
            ';' => rest = rest.find('\n').map_or("", |end| &rest[end..]),
            '(' | ')' | '[' | ']' => {
                out.push(match c {
                    '(' => Lexeme::Open,
                    ')' => Lexeme::Close,
                    '[' => Lexeme::OpenAlternation,
                    _ => Lexeme::CloseAlternation,
                });
                rest = &rest[1..];
            }
            '"' => {
                let mut text = String::new();
                let mut chars = rest[1..].char_indices();
                let end = loop {
                    match chars.next()? {
                        (i, '"') => break i + 2,
                        (_, '\\') => text.push(match chars.next()?.1 {
                            c @ ('"' | '\\') => c,
                            'n' => '\n',
                            'r' => '\r',
                            't' => '\t',
                            '0' => '\0',
                            _ => return None,
                        }),
                        (_, c) => text.push(c),
                    }
                };
                out.push(Lexeme::Literal(text));
                rest = &rest[end..];
            }
            '@' => {
                let len = rest[1..].find(|c: char| !name_char(c)).unwrap_or(rest.len() - 1);
                out.push(Lexeme::Capture(rest.get(1..1 + len).filter(|n| !n.is_empty())?));
                rest = &rest[1 + len..];
            }
            c if name_char(c) => {
                let len = rest.find(|c: char| !name_char(c)).unwrap_or(rest.len());
                let name = &rest[..len];
                rest = &rest[len..];
                match rest.strip_prefix(':') {
                    Some(after) => {
                        out.push(Lexeme::Field(name));
                        rest = after;
                    }
                    None => out.push(Lexeme::Name(name)),
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

/// The patterns of `query` if every one is simple (see the module), else `None`.
fn patterns(query: &str) -> Option<Vec<Pattern<'_>>> {
    let lexemes = lex(query)?;
    let mut it = lexemes.into_iter().peekable();
    // A node kind: visible, not the wildcard.
    let kind = |name: &str| (!name.starts_with('_')).then(|| name.to_string());
    let mut out = Vec::new();
    while let Some(first) = it.next() {
        let (parent, nodes) = match first {
            Lexeme::Literal(kind) => (None, vec![NodeName { kind, named: false }]),
            Lexeme::OpenAlternation => {
                let mut nodes = Vec::new();
                loop {
                    match it.next()? {
                        Lexeme::Literal(kind) => nodes.push(NodeName { kind, named: false }),
                        Lexeme::Open => match (it.next()?, it.next()?) {
                            (Lexeme::Name(name), Lexeme::Close) => {
                                nodes.push(NodeName { kind: kind(name)?, named: true })
                            }
                            _ => return None,
                        },
                        Lexeme::CloseAlternation if !nodes.is_empty() => break,
                        _ => return None,
                    }
                }
                (None, nodes)
            }
            Lexeme::Open => {
                let Lexeme::Name(name) = it.next()? else { return None };
                match it.next()? {
                    Lexeme::Close => (None, vec![NodeName { kind: kind(name)?, named: true }]),
                    // One child, which is what is captured: `(parent field: (child) @c)`.
                    next => {
                        let (field, child) = match next {
                            Lexeme::Field(field) => (Some(field), it.next()?),
                            child => (None, child),
                        };
                        let node = match child {
                            Lexeme::Literal(kind) => NodeName { kind, named: false },
                            Lexeme::Open => match (it.next()?, it.next()?) {
                                (Lexeme::Name(child), Lexeme::Close) => NodeName { kind: kind(child)?, named: true },
                                _ => return None,
                            },
                            _ => return None,
                        };
                        let Lexeme::Capture(capture) = it.next()? else { return None };
                        let Lexeme::Close = it.next()? else { return None };
                        kind(name)?;
                        out.push(Pattern { parent: Some((name, field)), nodes: vec![node], capture });
                        continue;
                    }
                }
            }
            _ => return None,
        };
        let Lexeme::Capture(capture) = it.next()? else { return None };
        out.push(Pattern { parent, nodes, capture });
    }
    // A second capture on one pattern would be a lexeme this loop does not start with.
    Some(out)
}

/// A simple query as tables by node kind: per kind alone, and per (parent kind, kind), the
/// pattern index and kind of the last coloured pattern that names it.
pub(super) struct Table {
    alone: Vec<Option<Found>>,
    /// Per field (0: any field or none), in the order the patterns come.
    under: foldhash::HashMap<(u16, u16), Vec<(u16, Found)>>,
}

/// A pattern's index and the kind it colours with.
type Found = (usize, &'static str);

impl Table {
    /// The table for `query` in `language`, colouring each capture as `colour` says (`None`:
    /// not coloured, as if not captured). `None` when the query is not simple, or names a kind
    /// or field the language lacks (the query engine then runs it and reports the error).
    pub(super) fn new(
        language: &Language,
        query: &str,
        colour: impl Fn(&str) -> Option<&'static str>,
    ) -> Option<Table> {
        let mut table = Table { alone: vec![None; language.node_kind_count()], under: Default::default() };
        for (i, pattern) in patterns(query)?.into_iter().enumerate() {
            let field = match pattern.parent {
                Some((_, Some(field))) => language.field_id_for_name(field)?.get(),
                _ => 0,
            };
            let parent = match pattern.parent {
                Some((parent, _)) => Some(known(language, parent, true)?),
                None => None,
            };
            let ids = pattern.nodes.iter().map(|n| known(language, &n.kind, n.named)).collect::<Option<Vec<_>>>()?;
            let Some(kind) = colour(pattern.capture) else { continue };
            for id in ids {
                match parent {
                    // Later patterns overwrite earlier ones: the last one wins.
                    None => *table.alone.get_mut(usize::from(id))? = Some((i, kind)),
                    Some(parent) => table.under.entry((parent, id)).or_default().push((field, (i, kind))),
                }
            }
        }
        Some(table)
    }

    /// The pattern and kind for a node of kind `id`, under a node of kind `parent`, in the
    /// field `field` says (asked only when a pattern names one: it costs a lookup).
    fn find(&self, parent: Option<u16>, id: u16, field: impl FnOnce() -> u16) -> Option<Found> {
        let alone = self.alone.get(usize::from(id)).copied().flatten();
        let Some(under) = parent.and_then(|parent| self.under.get(&(parent, id))) else { return alone };
        let field = if under.iter().any(|(f, _)| *f != 0) { field() } else { 0 };
        let matching = under.iter().filter(|(f, _)| *f == 0 || *f == field).map(|(_, found)| *found);
        alone.into_iter().chain(matching).max_by_key(|(pattern, _)| *pattern)
    }

    /// Every coloured capture in `tree`, in document order (an enclosing node before the nodes
    /// inside it): byte range, kind and pattern index. `None` past `deadline`.
    pub(super) fn captures(&self, tree: &Tree, deadline: Instant) -> Option<Vec<(Range<usize>, &'static str, usize)>> {
        let mut out = Vec::new();
        let mut cursor = tree.walk();
        // Kinds of the nodes above the cursor, innermost last.
        let mut parents: Vec<u16> = Vec::new();
        let mut visited = 0u32;
        loop {
            let node = cursor.node();
            let id = node.kind_id();
            let field = || cursor.field_id().map_or(0, |f| f.get());
            if let Some((pattern, kind)) = self.find(parents.last().copied(), id, field) {
                out.push((node.byte_range(), kind, pattern));
            }
            visited += 1;
            if visited % 1024 == 0 && Instant::now() > deadline {
                return None;
            }
            if cursor.goto_first_child() {
                parents.push(id);
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    return Some(out);
                }
                parents.pop();
            }
        }
    }
}

/// The id of a node kind `language` has (and can produce: visible), or `None`.
fn known(language: &Language, kind: &str, named: bool) -> Option<u16> {
    let id = language.id_for_node_kind(kind, named);
    (id != 0 && language.node_kind_is_visible(id)).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_patterns_are_read_and_anything_else_is_refused() {
        let query = r#"
            ; keywords
            "if" @keyword
            "\\" @operator
            (comment) @comment
            [ "(" ")" (semicolon) ] @punctuation
            (command command_name: (command_name) @function)
            (member_access (member_name) @property)
            (pair "=" @operator)
        "#;
        let read = patterns(query).expect("simple");
        assert_eq!(read.len(), 7);
        assert_eq!(read[1].nodes, [NodeName { kind: "\\".into(), named: false }]);
        assert_eq!(read[3].nodes.len(), 3);
        assert_eq!(read[4].parent, Some(("command", Some("command_name"))));
        assert_eq!(read[4].capture, "function");
        assert_eq!(read[6].nodes, [NodeName { kind: "=".into(), named: false }]);
        for refused in [
            r#"((word) @c (#match? @c "^-"))"#,
            "(pair key: (_) @key)",
            "(comment)+ @c",
            "(a (b (c) @x))",
            "(a) @x @y",
            "(a (b) @x (c) @y)",
            "(a !field) @x",
            "(a . (b) @x)",
            "(_expression) @x",
            r#""\q" @x"#,
            r#""open @x"#,
            "(a) @",
            "(a)",
        ] {
            assert_eq!(patterns(refused), None, "{refused}");
        }
    }
}

//! Tree-sitter grammars for the languages syntect's regular-expression grammars are slow at.
//!
//! syntect runs every pattern of the current context at every position of a line; for
//! PowerShell (one 742-character pattern of command verbs is 40 % of it), cmd, YAML, JSON and
//! shell that is 500–1,600 ns a byte, against 200–480 ns for a tree-sitter parse and its
//! highlight query (`cargo bench --bench highlight`); PowerShell's query is simple enough to
//! be answered by a walk of the tree instead (see [`super::walk`]). XML and INI
//! stay with syntect, which is as fast there. A grammar's captures (`@function`,
//! `@string.special.key` …) become the same short kinds syntect's scopes do, so one stylesheet
//! colours both.

use std::ops::ControlFlow;
use std::sync::OnceLock;
use std::time::Instant;

use streaming_iterator::StreamingIterator;
use tree_sitter::{Language, ParseOptions, Parser, Query, QueryCursor, QueryCursorOptions};

use super::walk::Table;

/// Capture names, most specific first, and the kind (a class of `KINDS`) each becomes; a
/// capture matches the first name it equals or starts with followed by a dot. Captures no
/// name covers (`@embedded`, `@array`) colour nothing.
const CAPTURES: &[(&str, &str)] = &[
    ("comment", "c"),
    ("string.special.key", "nt"),
    ("string.special", "se"),
    ("string.escape", "se"),
    ("escape", "se"),
    ("string", "s"),
    ("number", "m"),
    ("float", "m"),
    ("boolean", "kc"),
    ("constant.builtin", "kc"),
    ("constant", "no"),
    ("operator", "o"),
    ("keyword", "k"),
    ("type", "kt"),
    ("function.builtin", "nb"),
    ("function", "nb"),
    ("label", "ne"),
    ("tag", "nt"),
    ("attribute", "na"),
    ("property", "nt"),
    ("variable.parameter", "vp"),
    ("variable.builtin", "vs"),
    ("variable", "nv"),
    ("punctuation", "p"),
    ("delimiter", "p"),
];

/// One language: how pathbook names it (after [`super::highlight`]'s aliases), the name its
/// stored blocks are filed under, and the grammar with its highlight query.
struct Spec {
    lang: &'static str,
    name: &'static str,
    /// Captures this grammar means otherwise than [`CAPTURES`] says.
    captures: &'static [(&'static str, &'static str)],
    /// Whether the grammar's C code is safe on `code` (else syntect highlights it).
    takes: fn(&str) -> bool,
    language: fn() -> Language,
    query: &'static str,
}

const SPECS: &[Spec] = &[
    Spec {
        lang: "powershell",
        name: "tree-sitter PowerShell",
        // `.Status`: a member, which the themes leave in the text colour, not a mapping key.
        captures: &[("property", "nv")],
        takes: |_| true,
        language: || tree_sitter_powershell::LANGUAGE.into(),
        query: tree_sitter_powershell::HIGHLIGHTS_QUERY,
    },
    Spec {
        lang: "bat",
        name: "tree-sitter batch",
        captures: &[],
        takes: |_| true,
        language: || tree_sitter_batch::LANGUAGE.into(),
        query: tree_sitter_batch::HIGHLIGHTS_QUERY,
    },
    Spec {
        lang: "yaml",
        name: "tree-sitter YAML",
        captures: &[],
        // The scanner keeps a stack of indentation levels and, 254 levels deep, writes its
        // state two bytes past tree-sitter's 1,024-byte buffer and aborts the process. A level
        // starts further right than the one before, or at the same column once (a sequence
        // under a key), so lines under 120 characters keep it under 240 levels.
        takes: |code| code.lines().all(|line| line.chars().count() < 120),
        language: || tree_sitter_yaml::LANGUAGE.into(),
        query: tree_sitter_yaml::HIGHLIGHTS_QUERY,
    },
    Spec {
        lang: "json",
        name: "tree-sitter JSON",
        captures: &[],
        takes: |_| true,
        language: || tree_sitter_json::LANGUAGE.into(),
        query: tree_sitter_json::HIGHLIGHTS_QUERY,
    },
    Spec {
        lang: "bash",
        name: "tree-sitter bash",
        captures: &[],
        takes: |_| true,
        language: || tree_sitter_bash::LANGUAGE.into(),
        query: tree_sitter_bash::HIGHLIGHT_QUERY,
    },
];

/// A grammar ready to highlight with: its query read into tables when it is simple enough
/// (see [`super::walk`]), else compiled, each capture's kind looked up.
pub(super) struct Grammar {
    language: Language,
    matcher: Matcher,
}

/// How a grammar's highlight query is answered.
enum Matcher {
    /// One walk of the tree, looking each node up.
    Walk(Table),
    /// The query engine, with the kind's class per capture index (`None`: not coloured).
    Query { query: Query, kinds: Vec<Option<&'static str>> },
}

thread_local! {
    static PARSER: std::cell::RefCell<Parser> = std::cell::RefCell::new(Parser::new());
}

/// The grammars, each compiled the first time a block asks for it (a site without shell
/// code never pays for the shell query).
pub(super) struct Grammars {
    compiled: Vec<OnceLock<Option<Grammar>>>,
}

impl Grammars {
    pub(super) fn new() -> Grammars {
        Grammars { compiled: SPECS.iter().map(|_| OnceLock::new()).collect() }
    }

    /// No grammars: syntect highlights everything.
    pub(super) fn none() -> Grammars {
        Grammars { compiled: SPECS.iter().map(|_| OnceLock::from(None)).collect() }
    }

    /// The grammar's language and the name a block of `lang` (a canonical name) is stored
    /// under when a tree-sitter grammar highlights it, which it does if it has one and may
    /// parse `code`. Compiles nothing.
    pub(super) fn name_for(&self, lang: &str, code: &str) -> Option<(&'static str, &'static str)> {
        let i = SPECS.iter().position(|s| s.lang == lang)?;
        // Switched off (`Grammars::none`), or a query that did not compile.
        if matches!(self.compiled[i].get(), Some(None)) {
            return None;
        }
        (SPECS[i].takes)(code).then_some((SPECS[i].lang, SPECS[i].name))
    }

    /// The grammar for `lang` (a canonical name), if tree-sitter highlights it. `colour` says
    /// which class a kind is written as (`None` for kinds the themes leave plain).
    pub(super) fn get(&self, lang: &str, colour: impl Fn(&'static str) -> Option<&'static str>) -> Option<&Grammar> {
        let i = SPECS.iter().position(|s| s.lang == lang)?;
        let spec = &SPECS[i];
        self.compiled[i].get_or_init(|| Grammar::new(spec, colour, true)).as_ref()
    }
}

impl Grammar {
    /// The grammar of `spec`, its query walked when simple enough and `walk` allows.
    fn new(spec: &Spec, colour: impl Fn(&'static str) -> Option<&'static str>, walk: bool) -> Option<Grammar> {
        let language = (spec.language)();
        let kind = |c: &str| kind_of(spec.captures, c).or_else(|| kind_of(CAPTURES, c)).and_then(&colour);
        if let Some(table) = Table::new(&language, spec.query, kind).filter(|_| walk) {
            return Some(Grammar { language, matcher: Matcher::Walk(table) });
        }
        // The queries ship with their grammars and are tested: a failure here is a
        // broken dependency, and the block is then shown by syntect instead.
        let query = Query::new(&language, spec.query).ok()?;
        let kinds = query.capture_names().iter().map(|c| kind(c)).collect();
        Some(Grammar { language, matcher: Matcher::Query { query, kinds } })
    }
}

/// The kind a capture name stands for in `table`.
fn kind_of(table: &[(&str, &'static str)], capture: &str) -> Option<&'static str> {
    table
        .iter()
        .find(|(name, _)| capture.strip_prefix(name).is_some_and(|rest| rest.is_empty() || rest.starts_with('.')))
        .map(|(_, kind)| *kind)
}

/// A stretch of source text and its kind, in order; together they are the whole code.
pub(super) type Token<'a> = (&'a str, Option<&'static str>);

impl Grammar {
    /// `code` cut into tokens, each the innermost coloured capture around it. `None` when the
    /// parse or the query runs past `deadline`.
    pub(super) fn tokens<'a>(&self, code: &'a str, deadline: Instant) -> Option<Vec<Token<'a>>> {
        let late = || if Instant::now() > deadline { ControlFlow::Break(()) } else { ControlFlow::Continue(()) };
        let mut in_time = |_: &_| late();
        let bytes = code.as_bytes();
        // A parser per thread, kept between blocks rather than made for each.
        let tree = PARSER.with_borrow_mut(|parser| {
            parser.set_language(&self.language).ok()?;
            let tree = parser.parse_with_options(
                &mut |at, _| bytes.get(at..).unwrap_or_default(),
                None,
                Some(ParseOptions::new().progress_callback(&mut in_time)),
            );
            // A parse stopped early would resume from where it stopped on the next call.
            parser.reset();
            tree
        })?;
        let mut out = Tokens { code, at: 0, open: Vec::new(), tokens: Vec::new() };
        // The last capture: its range and pattern.
        let mut last: Option<(std::ops::Range<usize>, usize)> = None;
        let mut take = |range: std::ops::Range<usize>, kind, pattern| {
            // One node (or nodes of one extent) caught by several patterns takes the last
            // pattern's kind: these queries put the general pattern first (`(string_scalar)
            // @string`) and the particular after (a mapping key).
            if let Some((r, p)) = &last
                && *r == range
            {
                if pattern >= *p {
                    out.recolour(range.end, kind);
                    last = Some((range, pattern));
                }
                return Some(());
            }
            out.until(range.start)?;
            out.open(range.end, kind);
            last = Some((range, pattern));
            Some(())
        };
        match &self.matcher {
            Matcher::Walk(table) => {
                for (range, kind, pattern) in table.captures(&tree, deadline)? {
                    take(range, kind, pattern)?;
                }
            }
            Matcher::Query { query, kinds } => {
                let mut in_time = |_: &_| late();
                let mut cursor = QueryCursor::new();
                let mut captures = cursor.captures_with_options(
                    query,
                    tree.root_node(),
                    bytes,
                    QueryCursorOptions::new().progress_callback(&mut in_time),
                );
                while let Some((found, i)) = captures.next() {
                    let capture = found.captures.get(*i)?;
                    let Some(kind) = kinds.get(capture.index as usize).copied().flatten() else { continue };
                    take(capture.node.byte_range(), kind, found.pattern_index)?;
                }
            }
        }
        // A query stopped by the deadline ends early, and would leave the rest plain.
        if Instant::now() > deadline {
            return None;
        }
        out.until(code.len())?;
        Some(out.tokens)
    }
}

/// Tokens being cut: the captures still open around the current position, innermost last.
struct Tokens<'a> {
    code: &'a str,
    at: usize,
    /// End and kind of each open capture; ends never grow towards the top.
    open: Vec<(usize, &'static str)>,
    tokens: Vec<Token<'a>>,
}

impl<'a> Tokens<'a> {
    /// Emits the text up to `to`, each stretch in the kind of the innermost capture over it.
    fn until(&mut self, to: usize) -> Option<()> {
        while self.at < to {
            while self.open.last().is_some_and(|(end, _)| *end <= self.at) {
                self.open.pop();
            }
            let (end, kind) = match self.open.last() {
                Some((end, kind)) => ((*end).min(to), Some(*kind)),
                None => (to, None),
            };
            self.tokens.push((self.code.get(self.at..end)?, kind));
            self.at = end;
        }
        Some(())
    }

    /// The capture just opened, ending at `end`, is of `kind` after all.
    fn recolour(&mut self, end: usize, kind: &'static str) {
        if let Some(open) = self.open.iter_mut().rev().find(|(e, _)| *e == end) {
            open.1 = kind;
        }
    }

    /// A capture starting here and ending at `end`, placed inside every open one that ends no
    /// sooner (captures of one start come in either order).
    fn open(&mut self, end: usize, kind: &'static str) {
        let at = self.open.iter().rposition(|(e, _)| *e >= end).map_or(0, |p| p + 1);
        self.open.insert(at, (end, kind));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_grammar_compiles_and_its_captures_mostly_have_kinds() {
        for spec in SPECS {
            let g = Grammar::new(spec, Some, false).unwrap_or_else(|| panic!("{} query", spec.lang));
            let Matcher::Query { query, kinds } = &g.matcher else { panic!("{}: not compiled", spec.lang) };
            let coloured = kinds.iter().filter(|k| k.is_some()).count();
            assert!(coloured * 2 >= kinds.len(), "{}: {:?}", spec.lang, query.capture_names());
        }
        // Every kind named is one the highlighter styles (and the cache check accepts).
        let known = super::super::highlight::kind_classes();
        for (capture, kind) in CAPTURES.iter().chain(SPECS.iter().flat_map(|s| s.captures)) {
            assert!(known.contains(kind), "{capture} → {kind}");
        }
        assert_eq!(kind_of(CAPTURES, "string.special.key"), Some("nt"));
        assert_eq!(kind_of(CAPTURES, "stringy"), None);
        assert_eq!(kind_of(CAPTURES, "function.method"), Some("nb"));
    }

    #[test]
    fn tokens_cover_the_code_exactly_with_the_innermost_kind() {
        let grammars = Grammars::new();
        let g = grammars.get("powershell", Some).unwrap();
        let code = "Get-Service -Name \"MS$x\" | Where-Object { $_.Status -ne 'Running' } # done\n";
        let far = Instant::now() + std::time::Duration::from_secs(60);
        let tokens = g.tokens(code, far).unwrap();
        assert_eq!(tokens.iter().map(|t| t.0).collect::<String>(), code);
        let kind = |text: &str| tokens.iter().find(|t| t.0 == text).map(|t| t.1);
        assert_eq!(kind("Get-Service"), Some(Some("nb")), "{tokens:?}");
        assert_eq!(kind("'Running'"), Some(Some("s")), "{tokens:?}");
        assert_eq!(kind("-ne"), Some(Some("o")), "{tokens:?}");
        assert_eq!(kind("# done"), Some(Some("c")), "{tokens:?}");
        // Past the deadline nothing is returned, rather than a half-coloured block.
        assert!(g.tokens(code, Instant::now() - std::time::Duration::from_millis(1)).is_none());
    }

    /// PowerShell in the shapes support articles use, and some it rarely sees.
    const POWERSHELL: &[&str] = &[
        "Get-Service -Name MSExchange912 | Where-Object { $_.Status -ne 'Running' } | Start-Service\n",
        "Set-ItemProperty -Path 'HKLM:\\SOFTWARE\\Example\\912' -Name Enabled -Value 1\n",
        "$servers = Get-ExchangeServer | Where-Object { $_.AdminDisplayVersion -like 'Version 8*' }\n",
        "function Test-Upgrade([string]$Name, [int]$Tries = 3) {\n  param($x)\n  if ($x -gt 1 -and -not $y) { return $true } elseif ($z) { break } else { throw \"no\" }\n}\n",
        "foreach ($s in $servers) { $s.Name.ToUpper(); [System.IO.Path]::Combine($a, 'b') }\n",
        "try { & $exe /quiet 2>&1 | Out-File log.txt } catch { Write-Error $_ } finally { exit 1 }\n",
        "$h = @{ Name = 'x'; Count = 0x1F + 2.5e3 }; $a = @(1, 2, 3) -join ','\n",
        "<# block\ncomment #> # line comment\n$text = @\"\nhere $string\n\"@\n",
        "switch -Regex ($v) { '^a' { 'A' } default { $null } }\n",
        "while ($i -lt 10) { $i++ ; $i *= 2 ; $i -= 1 ; $i % 3 ; $i / 4 ; 1..5 }\n",
        "Invoke-Command -ComputerName $c -ScriptBlock { Get-Process | Sort-Object CPU -Descending | Select-Object -First 5 }\n",
        "\"unterminated\n$(\n@'\n",
        "((((((((((x))))))))))\n",
        "",
        "\u{202e}é ∑ $ñ = 'ü'\r\n",
    ];

    /// Every grammar whose query is answered by a walk of the tree: the walk's tokens and the
    /// query engine's are the same, on the samples and on random soup of the grammar's words.
    #[test]
    fn a_walked_query_colours_exactly_as_the_query_engine() {
        let walked: Vec<_> = SPECS
            .iter()
            .filter_map(|spec| Some((spec, Grammar::new(spec, Some, true)?, Grammar::new(spec, Some, false)?)))
            .filter(|(_, walk, _)| matches!(walk.matcher, Matcher::Walk(_)))
            .collect();
        // PowerShell's query is simple; the ones with predicates and wildcards are not.
        let langs: Vec<_> = walked.iter().map(|(spec, ..)| spec.lang).collect();
        assert_eq!(langs, ["powershell"]);
        let far = Instant::now() + std::time::Duration::from_secs(60);
        let same = |walk: &Grammar, query: &Grammar, code: &str| {
            assert_eq!(walk.tokens(code, far), query.tokens(code, far), "{code:?}");
        };
        for (_, walk, query) in &walked {
            for code in POWERSHELL {
                same(walk, query, code);
            }
        }
        // Soup: pieces of every sample and the query's own words, in random order.
        let (_, walk, query) = &walked[0];
        let pieces: Vec<String> = POWERSHELL
            .iter()
            .flat_map(|s| s.split_inclusive([' ', '\n', '(', '{', '.']))
            .map(str::to_string)
            .chain(tree_sitter_powershell::HIGHLIGHTS_QUERY.split('"').skip(1).step_by(2).map(|w| format!("{w} ")))
            .collect();
        let config = proptest::test_runner::Config { cases: 300, failure_persistence: None, ..Default::default() };
        proptest::proptest!(config, |(picks in proptest::collection::vec(0..pieces.len(), 0..40))| {
            let code: String = picks.iter().map(|&i| pieces[i].as_str()).collect();
            same(walk, query, &code);
        });
    }

    #[test]
    fn hostile_code_comes_back_whole_or_not_at_all() {
        let grammars = Grammars::new();
        let far = Instant::now() + std::time::Duration::from_secs(60);
        let deep = |open: &str, close: &str| format!("{}x{}\n", open.repeat(2000), close.repeat(2000));
        let cases = [
            ("json", deep("[", "]")),
            ("json", "{\"a\": \"</code><script>alert(1)</script>\"}\n".to_string()),
            ("yaml", deep("- ", "")),
            ("yaml", (0..300).map(|i| format!("{}- x\n", " ".repeat(i))).collect()),
            ("yaml", (0..58).map(|i| format!("{}- x\n", "  ".repeat(i))).collect()),
            // As deep as a line under 120 characters goes: a sequence under each key.
            ("yaml", (0..58).map(|i| format!("{}k{i}:\n{}- \n", "  ".repeat(i), "  ".repeat(i))).collect()),
            ("yaml", format!("{}x\n", "- ".repeat(59))),
            ("yaml", format!("{}x{}\n", "{a: ".repeat(20), "}".repeat(20))),
            ("yaml", deep("{a: ", "}")),
            ("powershell", deep("(", ")")),
            ("powershell", "\"unterminated\n$(\n@'\n".to_string()),
            ("bash", deep("$(", ")")),
            ("bat", "%%%\x00\u{202e}é\r\n".repeat(200)),
        ];
        let mut checked = Vec::new();
        for (lang, code) in cases {
            if grammars.name_for(lang, &code).is_none() {
                continue;
            }
            let g = grammars.get(lang, Some).unwrap();
            // Whatever the grammar makes of it, the tokens are exactly the code, in order.
            let tokens = g.tokens(&code, far).unwrap_or_else(|| panic!("{lang}: {code:.40}"));
            assert_eq!(tokens.iter().map(|t| t.0).collect::<String>(), code, "{lang}");
            checked.push(lang);
        }
        // The YAML that would overflow the scanner goes to syntect; the rest is parsed.
        assert_eq!(
            checked,
            ["json", "json", "yaml", "yaml", "yaml", "yaml", "powershell", "powershell", "bash", "bat"]
        );
    }
}

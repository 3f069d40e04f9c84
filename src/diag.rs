//! Diagnostics: the one type for everything a user can get wrong, the source map that locates
//! it, and its two renderings (rustc-style for people, JSON lines for machines).

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde::Serialize;

/// Index of a file in the [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, range: Range<usize>) -> Span {
        Span { file, start: range.start as u32, end: range.end as u32 }
    }

    /// The empty span at the start of a file, for problems with the file as a whole.
    pub fn file_start(file: FileId) -> Span {
        Span { file, start: 0, end: 0 }
    }

    /// A sub-range of this span, `range` being relative to its start.
    pub fn slice(self, range: Range<usize>) -> Span {
        let start = (self.start as usize + range.start).min(self.end.max(self.start) as usize);
        let end = (self.start as usize + range.end).min(self.end.max(self.start) as usize);
        Span { file: self.file, start: start as u32, end: end.max(start) as u32 }
    }

    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// One loaded source file: its path as shown to the user, and its text.
#[derive(Debug)]
pub struct SourceFile {
    /// Path relative to the project root, with `/` separators, as diagnostics print it.
    pub name: String,
    /// Absolute or root-joined path on disk.
    pub path: PathBuf,
    pub text: Arc<str>,
    line_starts: Vec<u32>,
}

impl SourceFile {
    /// A file ready to be added with [`SourceMap::push`]; building one scans the text, so
    /// loaders build them in parallel.
    pub fn new(name: String, path: PathBuf, text: Arc<str>) -> SourceFile {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i as u32 + 1));
        SourceFile { name, path, text, line_starts }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s as usize <= offset) - 1;
        let start = self.line_starts[line] as usize;
        let col = self.text.get(start..offset).map_or(offset - start, |s| s.chars().count());
        (line + 1, col + 1)
    }

    /// Byte offset of a 1-based line and character column; clamps to the file.
    pub fn offset_of(&self, line: usize, column: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let start = start as usize;
        let line_text = &self.text[start..];
        let line_text = &line_text[..line_text.find('\n').unwrap_or(line_text.len())];
        let col = line_text.char_indices().nth(column.saturating_sub(1)).map_or(line_text.len(), |(i, _)| i);
        start + col
    }
}

/// All files the run has read, so a [`Span`] can be turned into `file:line:col` and a snippet.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn add(&mut self, name: impl Into<String>, path: impl Into<PathBuf>, text: impl Into<Arc<str>>) -> FileId {
        let id = FileId(self.files.len() as u32);
        self.files.push(SourceFile::new(name.into(), path.into(), text.into()));
        id
    }

    pub fn push(&mut self, file: SourceFile) -> FileId {
        let id = FileId(self.files.len() as u32);
        self.files.push(file);
        id
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(i as u32), f))
    }

    /// The file read from `path`, if any.
    pub fn find_path(&self, path: &Path) -> Option<FileId> {
        self.files.iter().position(|f| f.path == path).map(|i| FileId(i as u32))
    }

    /// Replaces a file's text (an edit), keeping its id so spans elsewhere stay valid.
    pub fn replace(&mut self, id: FileId, text: impl Into<Arc<str>>) {
        let f = &self.files[id.0 as usize];
        self.files[id.0 as usize] = SourceFile::new(f.name.clone(), f.path.clone(), text.into());
    }

    pub fn find(&self, name: &str) -> Option<FileId> {
        self.files.iter().position(|f| f.name == name).map(|i| FileId(i as u32))
    }

    pub fn text(&self, span: Span) -> &str {
        self.get(span.file).text.get(span.range()).unwrap_or("")
    }

    /// `file:line:col` of a span's start.
    pub fn locate(&self, span: Span) -> Location {
        let file = self.get(span.file);
        let (line, column) = file.line_col(span.start as usize);
        let (end_line, end_column) = file.line_col(span.end as usize);
        Location { file: file.name.clone(), line, column, end_line, end_column }
    }
}

/// A resolved position, as printed and as emitted in JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// Stable diagnostic codes. Never renumber: users grep for them and `--format json` consumers
/// match on them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Code {
    /// YAML that does not parse.
    YamlSyntax,
    /// A value of the wrong type or shape, or a missing required field.
    Shape,
    /// A key the schema does not know.
    UnknownKey,
    /// Two definitions with one id.
    DuplicateId,
    /// A component id that is not declared.
    UnknownComponent,
    /// A version the component does not declare, or a version on an unversioned component.
    UnknownVersion,
    /// A condition that does not parse.
    BadCondition,
    /// An action or action pattern that does not parse or makes no sense.
    BadAction,
    /// A host that the path does not declare.
    UnknownHost,
    /// A duration that does not parse.
    BadDuration,
    /// A path whose simulated outcome differs from the declared one.
    OutcomeMismatch,
    /// A prerequisite needed before a step that only a later step establishes.
    PrerequisiteParadox,
    /// Too many starting states to simulate.
    StateSpaceTooLarge,
    /// An article recommends a path for environments where it fails.
    RecommendsFailingPath,
    /// A blocker that no path or article explains.
    UnexplainedBlocker,
    /// Prerequisites that require each other.
    PrerequisiteCycle,
    /// A condition that can never hold, or a path that applies to nothing.
    NeverApplies,
    /// A reference (rule link, step reference, anchor, page) that does not resolve.
    UnresolvedReference,
    /// A file that cannot be read: missing, not UTF-8, empty, a symlink loop.
    FileError,
    /// `book.toml` missing or invalid.
    Config,
    /// Article front matter missing, unterminated or invalid.
    FrontMatter,
    /// A rule or path without sources.
    MissingSources,
    /// A link in content that leaves the project or points at nothing.
    BadLink,
    /// YAML that exceeds resource limits (alias bombs, nesting depth).
    YamlLimit,
    /// A theme template that does not parse or render.
    Template,
    /// The assistant's questions or answers do not make sense (too many combinations, a
    /// question without answers, a second assistant).
    Assistant,
    /// A heading id with characters outside the safe set.
    BadAnchor,
    /// Work over a budget: a code block too large to highlight, a diagram too large to decide.
    Budget,
    /// Two things that would be published at one address.
    Collision,
}

impl Code {
    pub const ALL: [Code; 29] = [
        Code::YamlSyntax,
        Code::Shape,
        Code::UnknownKey,
        Code::DuplicateId,
        Code::UnknownComponent,
        Code::UnknownVersion,
        Code::BadCondition,
        Code::BadAction,
        Code::UnknownHost,
        Code::BadDuration,
        Code::OutcomeMismatch,
        Code::PrerequisiteParadox,
        Code::StateSpaceTooLarge,
        Code::RecommendsFailingPath,
        Code::UnexplainedBlocker,
        Code::PrerequisiteCycle,
        Code::NeverApplies,
        Code::UnresolvedReference,
        Code::FileError,
        Code::Config,
        Code::FrontMatter,
        Code::MissingSources,
        Code::BadLink,
        Code::YamlLimit,
        Code::Template,
        Code::Assistant,
        Code::BadAnchor,
        Code::Budget,
        Code::Collision,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::YamlSyntax => "PB001",
            Code::Shape => "PB002",
            Code::UnknownKey => "PB003",
            Code::DuplicateId => "PB004",
            Code::UnknownComponent => "PB005",
            Code::UnknownVersion => "PB006",
            Code::BadCondition => "PB007",
            Code::BadAction => "PB008",
            Code::UnknownHost => "PB009",
            Code::BadDuration => "PB010",
            Code::OutcomeMismatch => "PB011",
            Code::PrerequisiteParadox => "PB012",
            Code::StateSpaceTooLarge => "PB013",
            Code::RecommendsFailingPath => "PB014",
            Code::UnexplainedBlocker => "PB015",
            Code::PrerequisiteCycle => "PB016",
            Code::NeverApplies => "PB017",
            Code::UnresolvedReference => "PB018",
            Code::FileError => "PB019",
            Code::Config => "PB020",
            Code::FrontMatter => "PB021",
            Code::MissingSources => "PB022",
            Code::BadLink => "PB023",
            Code::YamlLimit => "PB024",
            Code::Template => "PB025",
            Code::Assistant => "PB026",
            Code::BadAnchor => "PB027",
            Code::Budget => "PB028",
            Code::Collision => "PB029",
        }
    }

    /// A minimal input that triggers the code and how to fix it, for `pathbook explain`.
    pub fn example(self) -> Example {
        let (input, fix) = match self {
            Code::YamlSyntax => (
                "components:\n  - id: os\n    title: OS\n   - id: app",
                "Indent list items of one list alike (the `-` of `app` sits one space left).",
            ),
            Code::Shape => (
                "paths:\n  - id: up\n    title: Up\n    steps: []",
                "Add the missing key (`applies_to`, `outcome`); `pathbook schema` lists what each entry needs.",
            ),
            Code::UnknownKey => (
                "blockers:\n  - id: b\n    titel: Blocked",
                "Correct the spelling (`title`); editors with the catalog schema flag it as you type.",
            ),
            Code::DuplicateId => (
                "components:\n  - {id: os, title: OS}\n  - {id: os, title: Windows}",
                "Rename one of them; ids are global across every file under rules/.",
            ),
            Code::UnknownComponent => (
                "blockers:\n  - id: b\n    blocks: install app\n    when: brtfs",
                "Use a declared id (did you mean `btrfs`?) or declare it under `components:` or `facts:`.",
            ),
            Code::UnknownVersion => (
                "when: os@2019   # os declares versions [2016, 2022]",
                "Name a declared version, or add it to the component's `versions` (oldest first).",
            ),
            Code::BadCondition => {
                ("when: tpm AND ram >= 4GB", "Write `and`, `or`, `not` in lower case; group with parentheses.")
            }
            Code::BadAction => (
                "action: upgrade os 2022",
                "Write `upgrade os@2022`; actions are `install`, `remove`, `upgrade`, `downgrade`, `repair`, `replace A with B`, `move … from H to H`, `set F = v`, `manual`.",
            ),
            Code::UnknownHost => (
                "steps:\n  - {id: s, title: S, host: nwe, action: install os@2}",
                "Name a host from the path's `hosts:` list, or drop `host:` on a one-host path.",
            ),
            Code::BadDuration => ("duration: 1.5 hours", "Write `1h30m`, `90m` or `2d`."),
            Code::OutcomeMismatch => (
                "outcome: supported   # but a hard blocker fires when `legacy-agent` is present",
                "Read the counterexample and trace under the error: add the step that clears the blocker, narrow `applies_to`, or declare `outcome:` cases (`- when: legacy-agent` / `expect: blocked`).",
            ),
            Code::PrerequisiteParadox => (
                "steps:\n  - action: install exchange   # needs powershell\n  - action: install powershell",
                "Move the step that establishes the prerequisite before the step that needs it.",
            ),
            Code::StateSpaceTooLarge => (
                "a path whose conditions defeat the symbolic engine's node budget",
                "Split the path, or express the starting states with fewer interacting conditions; `[check] max-states` raises the budget.",
            ),
            Code::RecommendsFailingPath => (
                "recommends: [in-place-upgrade]   # in an article whose applies_to includes blocked hosts",
                "Recommend a path that works for the article's `applies_to`, or narrow `applies_to`.",
            ),
            Code::UnexplainedBlocker => (
                "a blocker that no step's `rules:` and no article links",
                "Reference it from the step that deals with it (`rules: [blocker:ID]`) or link it from an article.",
            ),
            Code::PrerequisiteCycle => (
                "a requires b, b requires a (both `for: install`)",
                "Break the cycle: one of them must be installable without the other.",
            ),
            Code::NeverApplies => {
                ("when: os@1 and os@2", "Fix the condition so some real host can satisfy it; constraints count too.")
            }
            Code::UnresolvedReference => (
                "[see the path](path:in-place-upgarde)",
                "Point at an existing id (`pathbook list` shows them), step or heading.",
            ),
            Code::FileError => {
                ("rules/empty.yaml is empty, or not UTF-8", "Save it as UTF-8 with content, or delete it.")
            }
            Code::Config => (
                "no book.toml in the folder given to --root",
                "Run pathbook in the project folder, pass `--root DIR`, or start one with `pathbook init`.",
            ),
            Code::FrontMatter => (
                "---\ntitle: Missing end",
                "Close the front matter with a `---` line; `pathbook schema --front-matter` lists its keys.",
            ),
            Code::MissingSources => (
                "blockers:\n  - id: b\n    title: B\n    blocks: install x",
                "Add `sources:` with a title and a URL or document id.",
            ),
            Code::BadLink => (
                "[notes](../../etc/passwd)",
                "Link inside the project: another article (`other.md`), a catalog id, or an attachment under content/.",
            ),
            Code::YamlLimit => (
                "a: &a [*a, *a, *a, …]   # an alias bomb",
                "Write the data out; aliases and nesting are bounded so a file cannot exhaust memory.",
            ),
            Code::Template => (
                "{{ page.title   (in a theme template)",
                "Fix the template at the line shown, or delete the override to use the built-in one.",
            ),
            Code::Assistant => (
                "a multiple-choice question with 20 answers (2^20 combinations)",
                "Split the question, or raise `max_combinations` (at most 100,000).",
            ),
            Code::BadAnchor => {
                ("## Install {#step one}", "Use letters, digits, `-`, `_` and `.` in heading ids: `{#step-one}`.")
            }
            Code::Budget => (
                "a 5 MB code block",
                "Split it or move it to an attachment; it is shown without highlighting meanwhile.",
            ),
            Code::Collision => (
                "content/tags/index.html next to the generated tag index",
                "Rename the file or the tag so each address is published once.",
            ),
        };
        Example { input, fix }
    }

    /// One sentence for `pathbook explain` and the docs.
    pub fn summary(self) -> &'static str {
        match self {
            Code::YamlSyntax => "The file is not valid YAML.",
            Code::Shape => "A value has the wrong type or shape, or a required field is missing.",
            Code::UnknownKey => "A key that the catalog schema does not define (often a typo).",
            Code::DuplicateId => "Two definitions share one id; ids are global across all files.",
            Code::UnknownComponent => "A condition, action or list names a component that is not declared.",
            Code::UnknownVersion => {
                "A version that the component does not declare, or a version on a component without versions."
            }
            Code::BadCondition => "A condition does not parse.",
            Code::BadAction => "An action or action pattern does not parse or cannot apply.",
            Code::UnknownHost => "A step or goal names a host that its path does not declare.",
            Code::BadDuration => "A duration does not parse; write it like `15m`, `1h` or `1h30m`.",
            Code::OutcomeMismatch => {
                "Simulating a path from some starting state gives a different outcome than the path declares."
            }
            Code::PrerequisiteParadox => {
                "A step needs a prerequisite that only a later step of the same path establishes."
            }
            Code::StateSpaceTooLarge => "A path's conditions admit too many starting states to simulate.",
            Code::RecommendsFailingPath => {
                "An article recommends a path for environments where the rules say it fails."
            }
            Code::UnexplainedBlocker => {
                "No path step and no article refers to this blocker, so readers never learn about it."
            }
            Code::PrerequisiteCycle => "Prerequisites require each other, so none of them can ever be installed first.",
            Code::NeverApplies => "A condition can never hold, so the rule or path never applies.",
            Code::UnresolvedReference => {
                "A reference to a rule, path, article, host, step or heading that does not exist."
            }
            Code::FileError => "A file cannot be read: missing, not UTF-8, empty, or a symlink loop.",
            Code::Config => "`book.toml` is missing or invalid.",
            Code::FrontMatter => "An article's front matter is missing, unterminated or invalid.",
            Code::MissingSources => "A rule or path cites no sources.",
            Code::BadLink => "A link in an article leaves the project or points at a file that does not exist.",
            Code::YamlLimit => "The YAML exceeds a resource limit (alias expansion, nesting depth, size).",
            Code::Template => "A theme template does not parse or fails to render.",
            Code::Assistant => {
                "The assistant's questions or answers do not make sense, or they have too many combinations to evaluate."
            }
            Code::BadAnchor => {
                "A heading id uses characters other than letters, digits, `-`, `_` and `.`; ids become attributes and URL fragments, so nothing else is allowed."
            }
            Code::Budget => {
                "Something is too large to process in full, such as a code block too big to highlight; it is shown or checked in a simpler way."
            }
            Code::Collision => {
                "Two things would be published at the same address, such as an attachment named like a generated page, or two tags that differ only in case."
            }
        }
    }

    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL.into_iter().find(|c| c.as_str().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secondary location with its own label ("defined here", "used here").
#[derive(Clone, Debug)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// What `pathbook explain` shows under the summary.
pub struct Example {
    pub input: &'static str,
    pub fix: &'static str,
}

/// A problem in the user's input, with where it is and what to do about it.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// Where the problem is. Every diagnostic has one; file-level problems use the file start.
    pub span: Span,
    /// Text under the primary caret, if different from the message.
    pub label: Option<String>,
    pub secondary: Vec<Label>,
    /// Extra lines: a simulation trace, the starting state.
    pub notes: Vec<String>,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            span,
            label: None,
            secondary: Vec::new(),
            notes: Vec::new(),
            hint: None,
        }
    }

    pub fn warning(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(code, span, message) }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label { span, message: message.into() });
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A collection of diagnostics, sorted for stable output.
#[derive(Debug, Default)]
pub struct Diagnostics {
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn extend(&mut self, ds: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(ds);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Sorts by file, position, then code, and drops exact duplicates.
    pub fn sort(&mut self, sources: &SourceMap) {
        self.items.sort_by(|a, b| {
            let fa = &sources.get(a.span.file).name;
            let fb = &sources.get(b.span.file).name;
            (fa, a.span.start, a.code, &a.message).cmp(&(fb, b.span.start, b.code, &b.message))
        });
        self.items.dedup_by(|a, b| a.span == b.span && a.code == b.code && a.message == b.message);
    }
}

/// How diagnostics are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    Color,
}

/// Renders diagnostics rustc-style with source snippets.
pub fn render_human(diags: &[Diagnostic], sources: &SourceMap, style: Style) -> String {
    let renderer = match style {
        Style::Plain => Renderer::plain(),
        Style::Color => Renderer::styled(),
    };
    let mut out = String::new();
    for d in diags {
        out.push_str(&renderer.render(&report(d, sources)));
        out.push_str("\n\n");
    }
    out
}

/// Renders one diagnostic rustc-style, without colour (for the browser overlay).
pub fn render_one_plain(d: &Diagnostic, sources: &SourceMap) -> String {
    Renderer::plain().render(&report(d, sources))
}

fn report<'a>(d: &'a Diagnostic, sources: &'a SourceMap) -> Vec<Group<'a>> {
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let file = sources.get(d.span.file);
    let label = d.label.as_deref().unwrap_or("");
    let same_file: Vec<&Label> = d.secondary.iter().filter(|l| l.span.file == d.span.file).collect();
    // Only the lines the annotations touch go to the renderer: handing it the whole file
    // made each diagnostic cost the file's length (10,000 diagnostics in a 1 MB environment
    // file took a minute).
    let ranges: Vec<Range<usize>> = std::iter::once(clamp(d.span.range(), &file.text))
        .chain(same_file.iter().map(|l| clamp(l.span.range(), &file.text)))
        .collect();
    let (window, first_line) = lines_around(&file.text, &ranges, |o| file.line_col(o).0);
    let shift = |r: Range<usize>| r.start - window.start..r.end - window.start;
    let mut snippet = Snippet::source(&file.text[window.clone()])
        .path(file.name.as_str())
        .line_start(first_line)
        .fold(true)
        .annotation(AnnotationKind::Primary.span(shift(ranges[0].clone())).label(label));
    for (l, r) in same_file.iter().zip(&ranges[1..]) {
        snippet = snippet.annotation(AnnotationKind::Context.span(shift(r.clone())).label(l.message.as_str()));
    }
    let mut title = level.primary_title(d.message.as_str()).id(d.code.as_str()).element(snippet);
    for l in d.secondary.iter().filter(|l| l.span.file != d.span.file) {
        let f = sources.get(l.span.file);
        let r = clamp(l.span.range(), &f.text);
        let (window, first_line) = lines_around(&f.text, std::slice::from_ref(&r), |o| f.line_col(o).0);
        title = title.element(
            Snippet::source(&f.text[window.clone()])
                .path(f.name.as_str())
                .line_start(first_line)
                .fold(true)
                .annotation(
                    AnnotationKind::Context
                        .span(r.start - window.start..r.end - window.start)
                        .label(l.message.as_str()),
                ),
        );
    }
    for n in &d.notes {
        title = title.element(Level::NOTE.message(n.as_str()));
    }
    if let Some(h) = &d.hint {
        title = title.element(Level::HELP.message(h.as_str()));
    }
    vec![title]
}

/// The whole lines that hold `ranges` (byte offsets on char boundaries), and the 1-based number
/// of the first.
fn lines_around(text: &str, ranges: &[Range<usize>], line_of: impl Fn(usize) -> usize) -> (Range<usize>, usize) {
    let lo = ranges.iter().map(|r| r.start).min().unwrap_or(0);
    let hi = ranges.iter().map(|r| r.end).max().unwrap_or(0);
    let start = text[..lo].rfind('\n').map_or(0, |i| i + 1);
    let end = text[hi..].find('\n').map_or(text.len(), |i| hi + i);
    (start..end, line_of(start))
}

/// annotate-snippets panics on ranges outside the text or inside a UTF-8 sequence.
fn clamp(r: Range<usize>, text: &str) -> Range<usize> {
    let fix = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = fix(r.start);
    let end = fix(r.end).max(start);
    start..end
}

/// The JSON object emitted per diagnostic by `--format json`.
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic {
    /// Always `diagnostic` (the last line of `check --format json` is a `summary`).
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub code: &'static str,
    pub severity: Severity,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub message: String,
    /// What the source snippet's caret says (e.g. which rule decided a simulation).
    pub label: Option<String>,
    pub hint: Option<String>,
    pub notes: Vec<String>,
    /// Other places the diagnostic points at ("established only here").
    pub secondary: Vec<JsonLabel>,
}

#[derive(Debug, Serialize)]
pub struct JsonLabel {
    #[serde(flatten)]
    pub location: Location,
    pub message: String,
}

impl JsonDiagnostic {
    pub fn new(d: &Diagnostic, sources: &SourceMap) -> JsonDiagnostic {
        let loc = sources.locate(d.span);
        JsonDiagnostic {
            kind: "diagnostic",
            code: d.code.as_str(),
            severity: d.severity,
            file: loc.file,
            line: loc.line,
            column: loc.column,
            end_line: loc.end_line,
            end_column: loc.end_column,
            message: d.message.clone(),
            label: d.label.clone(),
            hint: d.hint.clone(),
            notes: d.notes.clone(),
            secondary: d
                .secondary
                .iter()
                .map(|l| JsonLabel { location: sources.locate(l.span), message: l.message.clone() })
                .collect(),
        }
    }
}

/// One JSON object per line, one line per diagnostic.
pub fn render_json(diags: &[Diagnostic], sources: &SourceMap) -> String {
    let mut out = String::new();
    for d in diags {
        // Serialising plain strings and numbers cannot fail.
        if let Ok(line) = serde_json::to_string(&JsonDiagnostic::new(d, sources)) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// Display name of a path relative to the project root, with `/` separators.
pub fn display_name(root: &Path, path: &Path) -> String {
    match path.strip_prefix(root) {
        Ok(rel) => rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/"),
        // Outside the project (an environment file given to `plan`): the path as given.
        Err(_) => path.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let mut map = SourceMap::default();
        let id = map.add("a.yaml", "a.yaml", "ab\nçé: x\n");
        let f = map.get(id);
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        // "çé" is four bytes, two characters: ':' is at byte 7, column 3.
        assert_eq!(f.line_col(7), (2, 3));
        assert_eq!(f.offset_of(2, 3), 7);
    }

    #[test]
    fn codes_are_unique_and_parse_back() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.as_str()), "duplicate code {c}");
            assert_eq!(Code::parse(c.as_str()), Some(c));
        }
    }
}

//! Syntax highlighting at build time: syntect with two-face's syntaxes (onig engine), emitted as
//! CSS classes so one stylesheet serves light and dark. The syntax set loads once per process
//! and identical blocks are highlighted once.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use syntect::html::{ClassStyle, ClassedHTMLGenerator, css_for_theme_with_class_style};
use syntect::parsing::{SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

use super::escape_html;

const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

pub struct Highlighter {
    syntaxes: SyntaxSet,
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
        Highlighter {
            syntaxes: two_face::syntax::extra_newlines(),
            cache: Mutex::new(HashMap::new()),
            over_budget: std::sync::atomic::AtomicUsize::new(0),
        }
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
        let syntax = self.syntax(lang).filter(|_| crate::markdown::highlightable(code));
        let inner = match syntax {
            Some(syntax) => {
                let started = std::time::Instant::now();
                let mut generator = ClassedHTMLGenerator::new_with_class_style(syntax, &self.syntaxes, CLASS_STYLE);
                let mut ok = true;
                for line in LinesWithEndings::from(code) {
                    if generator.parse_html_for_line_which_includes_newline(line).is_err()
                        || started.elapsed() > TIME_BUDGET
                    {
                        ok = false;
                        break;
                    }
                }
                if ok {
                    generator.finalize()
                } else {
                    self.over_budget.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    escape_html(code)
                }
            }
            None => escape_html(code),
        };
        let label_attr = if label.is_empty() { String::new() } else { format!(" data-label=\"{label}\"") };
        let inner = wrap_lines(&inner);
        format!("<pre class=\"code\" data-lang=\"{lang_attr}\"{label_attr}><code>{inner}</code></pre>\n")
    }

    /// Highlighting CSS: a light theme by default, a dark one for `data-theme="dark"` and for
    /// readers whose system prefers dark (unless they chose light).
    pub fn css(&self) -> String {
        let themes = two_face::theme::extra();
        let light = themes.get(two_face::theme::EmbeddedThemeName::InspiredGithub);
        let dark = themes.get(two_face::theme::EmbeddedThemeName::OneHalfDark);
        let light_css = css_for_theme_with_class_style(light, CLASS_STYLE).unwrap_or_default();
        let dark_css = css_for_theme_with_class_style(dark, CLASS_STYLE).unwrap_or_default();
        let mut out = String::from(
            "/* Generated by pathbook from syntect themes: InspiredGitHub (light), OneHalfDark (dark). */\n",
        );
        out.push_str(&strip_backgrounds(&light_css));
        // Dark colours only on screen: printed code is always dark on light.
        out.push_str("\n@media screen {\n");
        out.push_str(&scope(&strip_backgrounds(&dark_css), "html[data-theme=\"dark\"]"));
        out.push_str("}\n@media screen and (prefers-color-scheme: dark) {\n");
        out.push_str(&scope(&strip_backgrounds(&dark_css), "html:not([data-theme=\"light\"])"));
        out.push_str("}\n");
        out
    }
}

/// The page's own code-block colours decide the background; themes only colour tokens.
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

    fn text(&mut self, out: &mut String, text: &str) {
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '&' {
                // An entity is one column.
                let end = text[i..].find(';').map_or(i + 1, |e| i + e + 1);
                out.push_str(&text[i..end]);
                while chars.peek().is_some_and(|(j, _)| *j < end) {
                    chars.next();
                }
            } else {
                out.push(c);
            }
            self.col += 1;
            if c == ' ' && self.col > 8 {
                self.space = Some((out.len(), self.col));
            }
            let width = if self.broken { PRINT_COLUMNS - 3 } else { PRINT_COLUMNS };
            if self.col > width {
                if let Some((at, col)) = self.space.take() {
                    out.insert_str(at, Self::MARK);
                    self.col -= col;
                    self.broken = true;
                }
            }
        }
    }
}

fn strip_backgrounds(css: &str) -> String {
    css.lines().filter(|l| !l.trim_start().starts_with("background-color")).collect::<Vec<_>>().join("\n")
}

/// Prefixes every selector of a flat stylesheet with `scope`.
fn scope(css: &str, scope: &str) -> String {
    let mut out = String::new();
    for rule in css.split('}') {
        let Some((selectors, body)) = rule.split_once('{') else { continue };
        let selectors = selectors.trim();
        if selectors.is_empty() {
            continue;
        }
        let scoped: Vec<String> = selectors
            .split(',')
            .map(|s| s.trim())
            .filter(|s| !s.is_empty() && !s.starts_with("/*"))
            .map(|s| format!("{scope} {s}"))
            .collect();
        if scoped.is_empty() {
            continue;
        }
        out.push_str(&scoped.join(", "));
        out.push_str(" {");
        out.push_str(body);
        out.push_str("}\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn languages_highlight_as_classes_and_unknown_ones_stay_plain() {
        let h = Highlighter::new();
        let ps = h.block("powershell", "Get-Service MSExchange* | Format-Table\n");
        assert!(ps.contains("class=\"hl-"), "{ps}");
        assert!(ps.contains("data-label=\"PowerShell\""));
        for lang in ["cmd", "xml", "ini", "reg", "yaml", "json"] {
            assert!(h.block(lang, "a = <b>\n").contains("hl-"), "{lang} highlights");
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
}

//! Bounded, seeded fuzzing of the parsers that take text straight from authors: the condition
//! and action syntax, the front-matter splitter, the Markdown renderer and the highlighters.
//! Each runs a fixed number of generated cases from a fixed seed, so CI time is bounded and a
//! failure replays. The property: no panic, and no author text ever becomes live markup.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

use pathbook::diag::SourceMap;
use pathbook::markdown::{Dest, classify};

fn config(cases: u32) -> Config {
    Config { cases, rng_seed: RngSeed::Fixed(0x7061_7468_626f_6f6b), failure_persistence: None, ..Config::default() }
}

/// Pieces of the condition and action languages, plus things that are not.
fn condition_text() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("os".to_string()),
        Just("exchange-2007".to_string()),
        Just("@".to_string()),
        Just(">=".to_string()),
        Just("<".to_string()),
        Just("..".to_string()),
        Just(" and ".to_string()),
        Just(" or ".to_string()),
        Just("not ".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just(",".to_string()),
        Just(" in ".to_string()),
        Just(" has ".to_string()),
        Just(" is ".to_string()),
        Just("=".to_string()),
        Just("!=".to_string()),
        Just("4GB".to_string()),
        Just("1.5".to_string()),
        Just(" from h to ".to_string()),
        Just("install ".to_string()),
        Just("é".to_string()),
        Just("\u{200b}".to_string()),
        "[ -~]{0,4}",
    ];
    prop_oneof![prop::collection::vec(token, 0..40).prop_map(|v| v.concat()), "\\PC{0,120}"]
}

fn markdown_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<script>window.__pwned=1</script>".to_string()),
        Just("\"><img src=x onerror=alert(1)>".to_string()),
        Just("[a](javascript:alert(1))".to_string()),
        Just("[a](JaVaScRiPt:alert(1))".to_string()),
        Just("[a](&#106;avascript:alert(1))".to_string()),
        Just("<javascript:alert(1)>".to_string()),
        Just("[r]: javascript:alert(1)\n".to_string()),
        Just("[r]".to_string()),
        Just("![i](data:text/html,x)".to_string()),
        Just("[ok](https://example.com \"t\\\" onmouseover=x\")".to_string()),
        Just("## Heading {#id\"x onfocus=alert(1)}\n".to_string()),
        Just("# Title {#ok-id}\n".to_string()),
        Just("```powershell\nGet-Item \"x\" <b>\n```\n".to_string()),
        Just("```\"><script>\nx\n```\n".to_string()),
        Just("`code <b>`".to_string()),
        Just("<!-- c -->".to_string()),
        Just("| a | b |\n|---|---|\n| <i> | x |\n".to_string()),
        Just("[^1]\n\n[^1]: note <b>\n".to_string()),
        Just("- [ ] task\n".to_string()),
        Just("\n\n".to_string()),
        Just("[x](blocker:nope#a\"b)".to_string()),
        "[ -~]{0,12}",
        "\\PC{0,12}",
    ];
    prop::collection::vec(piece, 0..16).prop_map(|v| v.concat())
}

fn front_matter_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("---".to_string()),
        Just("---\n".to_string()),
        Just("\r\n".to_string()),
        Just("\n".to_string()),
        Just("\u{feff}".to_string()),
        Just("title: T\n".to_string()),
        Just("title: [\n".to_string()),
        Just("tags: [a, b]\n".to_string()),
        Just("applies_to: os@v1\n".to_string()),
        Just("draft: true\n".to_string()),
        Just("&a [*a, *a]\n".to_string()),
        Just("é".to_string()),
        "[ -~]{0,10}",
    ];
    prop::collection::vec(piece, 0..14).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(config(4000))]

    #[test]
    fn conditions_and_actions_parse_or_fail_cleanly(src in condition_text()) {
        for result in [pathbook::expr::parse_condition(&src).map(|_| ()).map_err(|e| e.range)] {
            if let Err(range) = result {
                prop_assert!(range.start <= range.end && range.end <= src.len(), "{src:?}: {range:?}");
                prop_assert!(src.is_char_boundary(range.start) && src.is_char_boundary(range.end));
            }
        }
        for pattern in [false, true] {
            if let Err(e) = pathbook::expr::parse_action(&src, pattern) {
                prop_assert!(e.range.end <= src.len() && src.is_char_boundary(e.range.start));
            }
        }
    }
}

proptest! {
    #![proptest_config(config(3000))]

    #[test]
    fn front_matter_splits_or_is_reported(text in front_matter_text()) {
        let dir = std::path::Path::new("/kb/content");
        let mut sources = SourceMap::default();
        let file = sources.add("content/a.md", dir.join("a.md"), text.as_str());
        match pathbook::catalog::load::load_article(file, dir, &sources) {
            Ok(a) => {
                prop_assert!(a.body_offset <= text.len() && text.is_char_boundary(a.body_offset));
            }
            Err(d) => {
                prop_assert!(d.span.end as usize <= text.len());
            }
        }
    }
}

proptest! {
    #![proptest_config(config(3000))]

    #[test]
    fn markdown_never_becomes_live_markup(text in markdown_text()) {
        let cat = pathbook::model::Catalog::default();
        let hl = highlighter();
        let ctx = pathbook::render::md::Ctx { cat: &cat, hl, root: "../" };
        let html = pathbook::render::md::to_html(&text, &ctx, &mut pathbook::markdown::HeadingIds::default());
        let doc = scraper::Html::parse_fragment(&html);
        for el in doc.root_element().descendants().filter_map(scraper::ElementRef::wrap) {
            let v = el.value();
            prop_assert!(!matches!(v.name(), "script" | "iframe" | "object" | "embed" | "img" if v.name() != "img" || v.attr("src") == Some("x")),
                "{text:?} gave <{}>", v.name());
            for (name, value) in v.attrs() {
                prop_assert!(!name.starts_with("on"), "{text:?} gave {name}={value:?}");
                if matches!(name, "href" | "src") {
                    prop_assert!(!matches!(classify(value), Dest::Forbidden(_)), "{text:?} gave {name}={value:?}");
                }
                if name == "id" {
                    prop_assert!(value.chars().all(|c| c.is_alphanumeric() || "-_.".contains(c)), "{text:?} gave id={value:?}");
                }
            }
        }
        // And the scan that `check` runs sees what the renderer sees, without panicking.
        let scan = pathbook::markdown::scan(&text);
        for (_, r) in scan.bad_ids.iter().chain([].iter()) {
            prop_assert!(r.end <= text.len());
        }
    }
}

fn highlighter() -> &'static pathbook::render::highlight::Highlighter {
    static HL: std::sync::OnceLock<pathbook::render::highlight::Highlighter> = std::sync::OnceLock::new();
    HL.get_or_init(pathbook::render::highlight::Highlighter::new)
}

/// Pieces of code in the languages highlighting knows, their delimiters unbalanced on purpose,
/// with indentation and nesting that grammars keep state for.
fn code_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("- ".to_string()),
        Just("  ".to_string()),
        Just("key: ".to_string()),
        Just("? ".to_string()),
        Just("|\n".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("\"".to_string()),
        Just("'".to_string()),
        Just("$(".to_string()),
        Just(")".to_string()),
        Just("@'\n".to_string()),
        Just("<<EOF\n".to_string()),
        Just("EOF\n".to_string()),
        Just("%PATH%".to_string()),
        Just("rem ".to_string()),
        Just("# ".to_string()),
        Just("Get-Service -Name x | ".to_string()),
        Just("<a b=\"c\">".to_string()),
        Just("</script>".to_string()),
        Just("&amp;".to_string()),
        Just("\r\n".to_string()),
        Just("\n".to_string()),
        Just("\t".to_string()),
        Just("é\u{202e}\u{0}".to_string()),
        "[ -~]{0,8}",
    ];
    prop::collection::vec(piece, 0..120).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(config(1500))]

    #[test]
    fn highlighted_code_is_the_code_in_spans(code in code_text(), lang in prop::sample::select(
        vec!["powershell", "cmd", "yaml", "json", "bash", "xml", "ini", "reg"])) {
        let html = highlighter().block(lang, &code);
        let inner = html.split_once("<code>").and_then(|(_, c)| c.rsplit_once("</code>")).map(|(c, _)| c);
        prop_assert!(inner.is_some(), "{html}");
        // Tags removed and entities read, the block is exactly the code.
        let mut text = String::new();
        let mut rest = inner.unwrap_or_default();
        while let Some(i) = rest.find(['<', '&']) {
            text.push_str(&rest[..i]);
            rest = &rest[i..];
            if rest.starts_with('<') {
                let end = rest.find('>').map_or(rest.len(), |e| e + 1);
                let tag = &rest[..end];
                prop_assert!(tag == "</span>" || tag.starts_with("<span class=\""), "{lang} {code:?}: {tag}");
                rest = &rest[end..];
            } else {
                let end = rest.find(';').map_or(rest.len(), |e| e + 1);
                let c = match &rest[..end] {
                    "&amp;" => '&', "&lt;" => '<', "&gt;" => '>', "&quot;" => '"', "&#39;" => '\'',
                    other => return Err(TestCaseError::fail(format!("{lang} {code:?}: entity {other}"))),
                };
                text.push(c);
                rest = &rest[end..];
            }
        }
        text.push_str(rest);
        prop_assert_eq!(text, code, "{}", lang);
    }
}

//! `check`'s machine-readable reports: JSON lines ending in a summary, SARIF 2.1.0 for code
//! scanning, and GitHub Actions workflow commands for inline annotations. The human form is
//! `diag::render_human`.

use serde_json::{Value, json};

use crate::diag::{self, Code, Diagnostic, Severity, SourceMap};
use crate::model::Catalog;

/// What was checked and what was found: the last line of `check --format json`.
pub fn summary(diags: &[Diagnostic], cat: &Catalog) -> Value {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    json!({
        "type": "summary",
        "errors": errors,
        "warnings": diags.len() - errors,
        "components": cat.components.len(),
        "facts": cat.facts.len(),
        "blockers": cat.blockers.len(),
        "prerequisites": cat.prerequisites.len(),
        "paths": cat.paths.len(),
        "articles": cat.articles.len(),
    })
}

/// One diagnostic per line, then the summary.
pub fn json_lines(diags: &[Diagnostic], sources: &SourceMap, cat: &Catalog) -> String {
    let mut out = diag::render_json(diags, sources);
    out.push_str(&summary(diags, cat).to_string());
    out.push('\n');
    out
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// The whole message a person should read: message, hint and notes.
fn full_text(d: &Diagnostic) -> String {
    let mut text = d.message.clone();
    if let Some(h) = &d.hint {
        text.push_str(&format!("\nhelp: {h}"));
    }
    for n in &d.notes {
        text.push_str(&format!("\nnote: {n}"));
    }
    text
}

fn region(loc: &diag::Location) -> Value {
    json!({
        "startLine": loc.line,
        "startColumn": loc.column,
        "endLine": loc.end_line,
        "endColumn": loc.end_column.max(if loc.end_line == loc.line { loc.column + 1 } else { 1 }),
    })
}

/// SARIF 2.1.0: one run, every code as a rule, every diagnostic as a result with its file
/// relative to the project root and its secondary places as related locations.
pub fn sarif(diags: &[Diagnostic], sources: &SourceMap) -> Value {
    let rules: Vec<Value> = Code::ALL
        .iter()
        .map(|c| {
            json!({
                "id": c.as_str(),
                "name": format!("{c:?}"),
                "shortDescription": { "text": c.summary() },
                "help": { "text": format!("{}\n\n`pathbook explain {}` shows an example and the fix.", c.summary(), c.as_str()) },
            })
        })
        .collect();
    let results: Vec<Value> = diags
        .iter()
        .map(|d| {
            let loc = sources.locate(d.span);
            let related: Vec<Value> = d
                .secondary
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let at = sources.locate(l.span);
                    json!({
                        "id": i,
                        "message": { "text": l.message },
                        "physicalLocation": {
                            "artifactLocation": { "uri": at.file, "uriBaseId": "PROJECTROOT" },
                            "region": region(&at),
                        },
                    })
                })
                .collect();
            let rule_index = Code::ALL.iter().position(|c| *c == d.code).unwrap_or(0);
            let mut r = json!({
                "ruleId": d.code.as_str(),
                "ruleIndex": rule_index,
                "level": level(d.severity),
                "message": { "text": full_text(d) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": loc.file, "uriBaseId": "PROJECTROOT" },
                        "region": region(&loc),
                    },
                }],
            });
            if !related.is_empty() {
                r["relatedLocations"] = Value::Array(related);
            }
            r
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "pathbook",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/pathbook/pathbook",
                "rules": rules,
            }},
            "originalUriBaseIds": { "PROJECTROOT": { "description": { "text": "The folder with book.toml" } } },
            "results": results,
        }],
    })
}

/// Escapes a workflow command's message (`%`, CR, LF) or property (also `:` and `,`).
fn escape(s: &str, property: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' if property => out.push_str("%3A"),
            ',' if property => out.push_str("%2C"),
            _ => out.push(c),
        }
    }
    out
}

/// `::error file=…,line=…::message` lines: GitHub Actions turns them into annotations on the
/// changed files. `prefix` is the project folder relative to the repository root ("" when
/// they are the same), so the annotation lands on the right file.
pub fn github(diags: &[Diagnostic], sources: &SourceMap, prefix: &str) -> String {
    let mut out = String::new();
    for d in diags {
        let loc = sources.locate(d.span);
        let file =
            if prefix.is_empty() { loc.file.clone() } else { format!("{}/{}", prefix.trim_end_matches('/'), loc.file) };
        out.push_str(&format!(
            "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            level(d.severity),
            escape(&file, true),
            loc.line,
            loc.column,
            loc.end_line,
            loc.end_column,
            escape(&format!("{} {}", d.code.as_str(), d.code.summary()), true),
            escape(&full_text(d), false),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn workflow_commands_cannot_be_broken_out_of() {
        assert_eq!(escape("a\n::error::x", false), "a%0A::error::x");
        assert_eq!(escape("a,b:c%", true), "a%2Cb%3Ac%25");
    }
}

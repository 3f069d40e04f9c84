//! The site's URL scheme and HTML for references. Every URL here is relative to the site root;
//! pages prefix it with their own `root` (`../` per level) so the output works from `file://`,
//! from `/` and from any sub-path ([`near`] shortens a link to the page's own folder or
//! below). Every id and title that lands in an attribute or text goes
//! through `escape_html`, ids included (they are validated, but the discipline is one rule).

use crate::model::*;

use super::escape_html as esc;

/// URL of an entity page, relative to the site root.
pub fn url(cat: &Catalog, r: &Ref) -> String {
    let with = |base: String, a: &Option<String>| match a {
        Some(a) => format!("{base}#{a}"),
        None => base,
    };
    match r {
        Ref::Component(c) => format!("components/{}.html", cat.components[c.idx()].id),
        Ref::Blocker(b) => format!("blockers/{}.html", cat.blockers[b.idx()].id),
        Ref::Prerequisite(p) => format!("prerequisites/{}.html", cat.prerequisites[p.idx()].id),
        Ref::Path(p, a) => with(format!("paths/{}.html", cat.paths[p.idx()].id), a),
        Ref::Article(x, a) => with(format!("articles/{}.html", cat.articles[x.idx()].slug), a),
        Ref::Fact(f) => format!("facts/{}.html", cat.facts[f.idx()].id),
        Ref::Condition(c) => format!("conditions/{}.html", cat.conditions[c.idx()].id),
        Ref::Effect(e) => format!("effects/{}.html", cat.effects[e.idx()].id),
    }
}

pub fn runbook_url(path: &MigrationPath) -> String {
    format!("runbooks/{}.html", path.id)
}

pub fn tag_url(tag: &str) -> String {
    format!("tags/{}.html", crate::markdown::slugify(tag))
}

/// `../../` for `a/b/page.html`.
pub fn root_for(page: &str) -> String {
    "../".repeat(page.matches('/').count())
}

/// `href` (a page's `root` followed by a URL from the site root) as written on the page at
/// `page`: a file in the page's own folder or below it is named from there (`page-2.html`
/// rather than `../../articles/pages/page-2.html`, `pages/page-2.html` from
/// `articles/index.html`); anything else is left as it is.
pub fn near(href: String, root: &str, page: &str) -> String {
    let Some((dir, _)) = page.rsplit_once('/') else { return href };
    match href.strip_prefix(root).and_then(|h| h.strip_prefix(dir)).and_then(|h| h.strip_prefix('/')) {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') && !rest.split('/').any(|s| s == "..") => {
            rest.to_string()
        }
        _ => href,
    }
}

/// What kind of page a reference is, as shown in lists.
pub fn kind_of(r: &Ref) -> &'static str {
    match r {
        Ref::Component(_) => "component",
        Ref::Blocker(_) => "blocker",
        Ref::Prerequisite(_) => "prerequisite",
        Ref::Path(..) => "path",
        Ref::Article(..) => "article",
        Ref::Fact(_) => "fact",
        Ref::Condition(_) => "condition",
        Ref::Effect(_) => "effect",
    }
}

/// A link to an entity, showing its id; the title on hover.
fn id_link(href: &str, id: &str, title: &str, root: &str) -> String {
    format!("<a class=\"cid\" href=\"{}{}\" title=\"{}\">{}</a>", esc(root), esc(href), esc(title), esc(id))
}

fn comp_link(cat: &Catalog, c: CompIdx, root: &str) -> String {
    let comp = &cat.components[c.idx()];
    id_link(&url(cat, &Ref::Component(c)), &comp.id, &comp.title, root)
}

fn fact_link(cat: &Catalog, f: FactIdx, root: &str) -> String {
    let fact = &cat.facts[f.idx()];
    id_link(&url(cat, &Ref::Fact(f)), &fact.id, &fact.title, root)
}

fn op(word: &str) -> String {
    format!("<span class=\"op\">{}</span>", esc(word))
}

fn ver(cat: &Catalog, c: CompIdx, v: Ver) -> &str {
    cat.components[c.idx()].versions.get(v as usize).map_or("?", |x| x.id.as_str())
}

fn values(cat: &Catalog, f: FactIdx, vs: &[u32]) -> String {
    let ty = &cat.facts[f.idx()].ty;
    vs.iter().filter_map(|v| ty.values().get(*v as usize)).map(|v| esc(v)).collect::<Vec<_>>().join(", ")
}

/// A condition in the condition language, with every component, fact and named condition
/// linked.
pub fn cond_html(cat: &Catalog, cond: &Cond, root: &str) -> String {
    fn go(cat: &Catalog, cond: &Cond, root: &str, top: bool, out: &mut String) {
        match cond {
            Cond::True => out.push_str("always"),
            Cond::False => out.push_str("never"),
            Cond::Present(c) => out.push_str(&comp_link(cat, *c, root)),
            Cond::Versions(c, lo, hi) => {
                out.push_str(&comp_link(cat, *c, root));
                let spec = version_spec(&cat.components[c.idx()], *lo, *hi);
                out.push_str(&format!("<span class=\"ver\">{}</span>", esc(&spec)));
            }
            Cond::Phase(c, ..) | Cond::Broken(c) => {
                let text = cond.display(cat).to_string();
                let rest = text.strip_prefix(cat.components[c.idx()].id.as_str()).unwrap_or("");
                out.push_str(&comp_link(cat, *c, root));
                out.push(' ');
                out.push_str(&op(rest.trim()));
            }
            Cond::Num(f, o, k) => {
                out.push_str(&fact_link(cat, *f, root));
                out.push_str(&format!(
                    " {} <span class=\"ver\">{}</span>",
                    op(o.as_str()),
                    esc(&cat.facts[f.idx()].show_num(k.0))
                ));
            }
            Cond::NumFacts(a, o, b) => {
                out.push_str(&format!("{} {} {}", fact_link(cat, *a, root), op(o.as_str()), fact_link(cat, *b, root)));
            }
            Cond::OneOf(f, vs) if vs.len() == 1 => {
                out.push_str(&format!(
                    "{} {} <span class=\"ver\">{}</span>",
                    fact_link(cat, *f, root),
                    op("="),
                    values(cat, *f, vs)
                ));
            }
            Cond::OneOf(f, vs) => {
                out.push_str(&format!(
                    "{} {} <span class=\"ver\">({})</span>",
                    fact_link(cat, *f, root),
                    op("in"),
                    values(cat, *f, vs)
                ));
            }
            Cond::Has(f, m) => {
                out.push_str(&format!(
                    "{} {} <span class=\"ver\">{}</span>",
                    fact_link(cat, *f, root),
                    op("has"),
                    values(cat, *f, &[*m])
                ));
            }
            Cond::Role(rs) => {
                let names: Vec<String> = rs.iter().map(|r| esc(&cat.roles[r.idx()])).collect();
                if names.len() == 1 {
                    out.push_str(&format!("role {} <span class=\"ver\">{}</span>", op("="), names[0]));
                } else {
                    out.push_str(&format!("role {} <span class=\"ver\">({})</span>", op("in"), names.join(", ")));
                }
            }
            Cond::Named(n) => {
                let nc = &cat.conditions[n.idx()];
                out.push_str(&id_link(&url(cat, &Ref::Condition(*n)), &nc.id, &nc.title, root));
            }
            Cond::Not(c) => {
                out.push_str(&op("not"));
                out.push(' ');
                go(cat, c, root, false, out);
            }
            Cond::And(cs) | Cond::Or(cs) => {
                let word = if matches!(cond, Cond::And(_)) { "and" } else { "or" };
                if !top {
                    out.push('(');
                }
                for (i, c) in cs.iter().enumerate() {
                    if i > 0 {
                        out.push_str(&format!(" {} ", op(word)));
                    }
                    go(cat, c, root, false, out);
                }
                if !top {
                    out.push(')');
                }
            }
        }
    }
    let mut out = String::new();
    go(cat, cond, root, true, &mut out);
    format!("<code class=\"cond\">{out}</code>")
}

/// `via METHOD`, the method's title on hover.
fn via_html(cat: &Catalog, m: Option<MethodIdx>) -> String {
    match m {
        Some(m) => {
            let method = &cat.methods[m.idx()];
            format!(" {} <span class=\"method\" title=\"{}\">{}</span>", op("via"), esc(&method.title), esc(&method.id))
        }
        None => String::new(),
    }
}

/// An action with its components linked.
pub fn action_html(cat: &Catalog, action: &Action, via: Option<MethodIdx>, hosts: &[Host], root: &str) -> String {
    let item = |(c, v): &(CompIdx, Option<Ver>)| match v {
        Some(v) => format!("{}<span class=\"ver\">@{}</span>", comp_link(cat, *c, root), esc(ver(cat, *c, *v))),
        None => comp_link(cat, *c, root),
    };
    let verb = |v: &str| format!("<span class=\"verb\">{}</span>", esc(v));
    let host = |h: &HostIdx| esc(hosts.get(h.idx()).map_or("?", |x| x.id.as_str()));
    let inner = match action {
        Action::Manual => return "<span class=\"manual\">manual step</span>".to_string(),
        Action::Move { comps, from, to } => format!(
            "{} {} {} {} {} {}",
            verb("move"),
            comps.iter().map(|c| comp_link(cat, *c, root)).collect::<Vec<_>>().join(" "),
            op("from"),
            host(from),
            op("to"),
            host(to)
        ),
        Action::Replace { old, new, ver: v } => {
            format!("{} {} {} {}", verb("replace"), comp_link(cat, *old, root), op("with"), item(&(*new, *v)))
        }
        Action::Set(f, o) => {
            let fact = &cat.facts[f.idx()];
            let rhs = match o {
                SetOp::Assign(v) => format!("{} <span class=\"ver\">{}</span>", op("="), esc(&fact.show(v))),
                SetOp::Add(m) => format!("{} <span class=\"ver\">{}</span>", op("+"), values(cat, *f, &[*m])),
                SetOp::Drop(m) => format!("{} <span class=\"ver\">{}</span>", op("-"), values(cat, *f, &[*m])),
            };
            format!("{} {} {rhs}", verb("set"), fact_link(cat, *f, root))
        }
        other => format!(
            "{} {}",
            verb(other.verb().as_str()),
            other.targets().iter().map(item).collect::<Vec<_>>().join(" ")
        ),
    };
    format!("<code class=\"action\">{inner}{}</code>", via_html(cat, via))
}

/// An action pattern with its components linked.
pub fn pattern_html(cat: &Catalog, p: &Pattern, root: &str) -> String {
    let mut targets: Vec<String> = p
        .targets
        .iter()
        .map(|(c, range)| match range {
            None => comp_link(cat, *c, root),
            Some((lo, hi)) => {
                let spec = version_spec(&cat.components[c.idx()], *lo, *hi);
                format!("{}<span class=\"ver\">{}</span>", comp_link(cat, *c, root), esc(&spec))
            }
        })
        .collect();
    targets.extend(p.facts.iter().map(|f| fact_link(cat, *f, root)));
    let verbs: Vec<String> = p.verbs.iter().map(|v| esc(v.as_str())).collect();
    let mut via = String::new();
    if !p.via.is_empty() {
        let ms: Vec<String> = p
            .via
            .iter()
            .map(|m| {
                let method = &cat.methods[m.idx()];
                format!("<span class=\"method\" title=\"{}\">{}</span>", esc(&method.title), esc(&method.id))
            })
            .collect();
        via = format!(" {} {}", op("via"), if ms.len() == 1 { ms[0].clone() } else { format!("({})", ms.join(", ")) });
    }
    format!("<code class=\"action\"><span class=\"verb\">{}</span> {}{via}</code>", verbs.join("|"), targets.join(" "))
}

/// Markdown for outside the site (a ticket, a chat message): catalog links point at the
/// published page under `site_url`, or become their plain text when there is none; links to
/// the web stay; anything relative to a page becomes plain text. Code is left alone.
pub fn portable_markdown(cat: &Catalog, text: &str, site_url: Option<&str>) -> String {
    use crate::markdown::{Dest, classify, options};
    use pulldown_cmark::{Event, LinkType, Parser, Tag};
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    for (event, range) in Parser::new_ext(text, options()).into_offset_iter() {
        let Event::Start(Tag::Link { link_type, dest_url, .. }) = event else { continue };
        let source = &text[range.clone()];
        let label = match link_type {
            LinkType::Inline => source.strip_prefix('[').and_then(|s| s.rfind("](").map(|i| &s[..i])),
            LinkType::Reference | LinkType::Collapsed | LinkType::Shortcut => {
                source.strip_prefix('[').and_then(|s| s.find(']').map(|i| &s[..i]))
            }
            _ => None,
        };
        let Some(label) = label else { continue };
        let target = match classify(&dest_url) {
            Dest::Web => continue,
            Dest::Catalog => cat.lookup(&dest_url).zip(site_url).map(|(r, base)| {
                let base = base.trim_end_matches('/');
                format!("{base}/{}", url(cat, &r))
            }),
            _ => None,
        };
        edits.push((range, target.map_or_else(|| label.to_string(), |t| format!("[{label}](<{t}>)"))));
    }
    let mut out = text.to_string();
    for (range, with) in edits.into_iter().rev() {
        out.replace_range(range, &with);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::near;

    #[test]
    fn a_page_in_the_same_folder_or_below_is_named_from_there_and_nothing_else_is_shortened() {
        let from = "articles/pages/page-1.html";
        let near = |href: &str| near(href.to_string(), "../../", from);
        assert_eq!(near("../../articles/pages/page-2.html"), "page-2.html");
        assert_eq!(near("../../articles/pages/page-2.html#steps"), "page-2.html#steps");
        assert_eq!(near("../../articles/index.html"), "../../articles/index.html");
        assert_eq!(near("../../articles/pages/deeper/page.html"), "deeper/page.html");
        assert_eq!(near("../../articles/pagesx/page.html"), "../../articles/pagesx/page.html");
        assert_eq!(near("../../articles/pages/"), "../../articles/pages/");
        let from_list = |href: &str| super::near(href.to_string(), "../", "articles/index.html");
        assert_eq!(from_list("../articles/pages/page-2.html"), "pages/page-2.html");
        assert_eq!(from_list("../paths/a.html"), "../paths/a.html");
        // A page at the top has no folder to share.
        assert_eq!(super::near("paths/a.html".into(), "", "index.html"), "paths/a.html");
    }
}

//! The site's URL scheme and HTML for references. Every URL here is relative to the site root;
//! pages prefix it with their own `root` (`../` per level) so the output works from `file://`,
//! from `/` and from any sub-path.

use crate::model::*;

use super::escape_html;

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

/// What kind of page a reference is, as shown in lists.
pub fn kind_of(r: &Ref) -> &'static str {
    match r {
        Ref::Component(_) => "component",
        Ref::Blocker(_) => "blocker",
        Ref::Prerequisite(_) => "prerequisite",
        Ref::Path(..) => "path",
        Ref::Article(..) => "article",
    }
}

fn comp_link(cat: &Catalog, c: CompIdx, root: &str) -> String {
    let comp = &cat.components[c.idx()];
    format!(
        "<a class=\"cid\" href=\"{root}components/{id}.html\" title=\"{title}\">{id}</a>",
        id = comp.id,
        title = escape_html(&comp.title)
    )
}

fn ver(cat: &Catalog, c: CompIdx, v: Ver) -> &str {
    &cat.components[c.idx()].versions[v as usize].id
}

/// A condition in the condition language, with every component id linked.
pub fn cond_html(cat: &Catalog, cond: &Cond, root: &str) -> String {
    fn go(cat: &Catalog, cond: &Cond, root: &str, top: bool, out: &mut String) {
        match cond {
            Cond::True => out.push_str("always"),
            Cond::Present(c) => out.push_str(&comp_link(cat, *c, root)),
            Cond::Versions(c, lo, hi) => {
                out.push_str(&comp_link(cat, *c, root));
                let max = cat.components[c.idx()].max_ver();
                let spec = if lo == hi {
                    format!("@{}", ver(cat, *c, *lo))
                } else if *hi == max {
                    format!("@&gt;={}", ver(cat, *c, *lo))
                } else if *lo == 0 {
                    format!("@&lt;={}", ver(cat, *c, *hi))
                } else {
                    format!("@{}..{}", ver(cat, *c, *lo), ver(cat, *c, *hi))
                };
                out.push_str(&format!("<span class=\"ver\">{spec}</span>"));
            }
            Cond::Not(c) => {
                out.push_str("<span class=\"op\">not</span> ");
                go(cat, c, root, false, out);
            }
            Cond::And(cs) | Cond::Or(cs) => {
                let op = if matches!(cond, Cond::And(_)) { "and" } else { "or" };
                if !top {
                    out.push('(');
                }
                for (i, c) in cs.iter().enumerate() {
                    if i > 0 {
                        out.push_str(&format!(" <span class=\"op\">{op}</span> "));
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

/// An action with its components linked.
pub fn action_html(cat: &Catalog, action: &Action, hosts: &[Host], root: &str) -> String {
    let item = |(c, v): &(CompIdx, Option<Ver>)| match v {
        Some(v) => format!("{}<span class=\"ver\">@{}</span>", comp_link(cat, *c, root), ver(cat, *c, *v)),
        None => comp_link(cat, *c, root),
    };
    let inner = match action {
        Action::Manual => return "<span class=\"manual\">manual step</span>".to_string(),
        Action::Move { comps, from, to } => format!(
            "<span class=\"verb\">move</span> {} <span class=\"op\">from</span> {} <span class=\"op\">to</span> {}",
            comps.iter().map(|c| comp_link(cat, *c, root)).collect::<Vec<_>>().join(" "),
            escape_html(&hosts[from.idx()].id),
            escape_html(&hosts[to.idx()].id)
        ),
        other => format!(
            "<span class=\"verb\">{}</span> {}",
            other.verb().as_str(),
            other.targets().iter().map(item).collect::<Vec<_>>().join(" ")
        ),
    };
    format!("<code class=\"action\">{inner}</code>")
}

/// An action pattern with its components linked.
pub fn pattern_html(cat: &Catalog, p: &Pattern, root: &str) -> String {
    let targets: Vec<String> = p
        .targets
        .iter()
        .map(|(c, range)| match range {
            None => comp_link(cat, *c, root),
            Some((lo, hi)) => {
                let max = cat.components[c.idx()].max_ver();
                let spec = if lo == hi {
                    format!("@{}", ver(cat, *c, *lo))
                } else if *hi == max {
                    format!("@&gt;={}", ver(cat, *c, *lo))
                } else {
                    format!("@{}..{}", ver(cat, *c, *lo), ver(cat, *c, *hi))
                };
                format!("{}<span class=\"ver\">{spec}</span>", comp_link(cat, *c, root))
            }
        })
        .collect();
    format!("<code class=\"action\"><span class=\"verb\">{}</span> {}</code>", p.verb.as_str(), targets.join(" "))
}

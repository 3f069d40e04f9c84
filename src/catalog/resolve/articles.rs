//! Articles: front matter, headings and links, resolved against the catalog; and the fast
//! path that re-resolves edited articles in place.

use std::path::Path;

use super::{Pending, Resolver};
use crate::catalog::load::LoadedArticle;
use crate::diag::{Code, Diagnostic, SourceMap, Span};
use crate::markdown;
use crate::model::*;

impl Resolver<'_> {
    pub(super) fn articles(&mut self, articles: &[LoadedArticle]) {
        // Scanning Markdown is the expensive part and independent per article.
        let scans: Vec<markdown::Scan> = {
            use rayon::prelude::*;
            let memo = self.scans;
            let scan = |text: &str| match memo {
                Some(memo) => memo.scan(text),
                None => markdown::scan(text),
            };
            articles
                .par_iter()
                .map(|a| if a.front.draft { markdown::Scan::default() } else { scan(a.body(self.sources)) })
                .collect()
        };
        for (a, scan) in articles.iter().zip(scans) {
            if a.front.draft {
                continue;
            }
            let idx = ArticleIdx(self.cat.articles.len() as u32);
            let article = self.article(a, scan, idx);
            self.cat.article_ids.insert(a.slug.clone(), idx);
            self.cat.articles.push(article);
        }
    }

    /// One article, with its links queued for resolution once every id is known.
    pub(super) fn article(&mut self, a: &LoadedArticle, scan: markdown::Scan, idx: ArticleIdx) -> Article {
        let file = a.origin.file;
        let title_span = self.front_title_span(a);
        let (applies_to, applies_span) = match &a.front.applies_to {
            Some(s) => self.cond(a.origin, s).map(|(c, sp)| (Some(c), Some(sp))).unwrap_or((None, None)),
            None => (None, None),
        };
        self.source_urls(Span::new(file, a.origin.base..a.origin.base), &a.front.sources);
        for r in &a.front.recommends {
            let span = self.span(a.origin, r);
            self.pending.push(Pending::Recommends { article: idx, text: r.value.clone(), span });
        }
        let base = a.body_offset;
        let spans: Vec<Span> = scan
            .bad_ids
            .iter()
            .map(|(_, r)| r)
            .chain(scan.large_code.iter().map(|(_, r)| r))
            .map(|r| Span::new(file, base + r.start..base + r.end))
            .collect();
        self.markdown_findings(&scan, &spans);
        for r in &scan.spaced_links {
            self.err(
                Diagnostic::warning(
                    Code::BadLink,
                    Span::new(file, base + r.start..base + r.end),
                    "this link's target has spaces, so Markdown shows it as text, not a link",
                )
                .with_hint(
                    "write the target without spaces (heading ids use `-`: `#runtimes-and-apps`), or wrap it in `<…>`",
                ),
            );
        }
        for link in &scan.links {
            let span = Span::new(file, a.body_offset + link.range.start..a.body_offset + link.range.end);
            self.pending.push(Pending::ArticleLink {
                article: idx,
                text: link.dest.clone(),
                span,
                is_image: link.is_image,
            });
        }
        Article {
            slug: a.slug.clone(),
            file,
            span: title_span,
            title: a.front.title.clone(),
            summary: a.front.summary.clone().unwrap_or_default(),
            applies_to,
            applies_span,
            recommends: Vec::new(),
            tags: a.front.tags.clone(),
            sources: a.front.sources.clone(),
            weight: a.front.weight,
            updated: a.front.updated.clone(),
            body: SharedText::tail(self.sources.get(file).text.clone(), a.body_offset),
            body_offset: a.body_offset,
            headings: scan.headings,
            links: Vec::new(),
            sections: Handover::new(scan.sections),
        }
    }

    fn front_title_span(&self, a: &LoadedArticle) -> Span {
        let text = &self.sources.get(a.origin.file).text;
        match text[a.origin.base..].find("title:") {
            Some(i) => Span::new(a.origin.file, a.origin.base + i..a.origin.base + i + 5),
            None => Span::file_start(a.origin.file),
        }
    }
}

/// Re-resolves edited articles in place against an unchanged rule set (same files, same
/// slugs, none became a draft): their front matter, headings and links, plus every link
/// elsewhere that points at one of their headings. Returns the diagnostics of all of that.
pub fn reresolve_articles(
    cat: &mut Catalog,
    sources: &SourceMap,
    content_dir: &Path,
    changed: &[(ArticleIdx, LoadedArticle)],
) -> Vec<Diagnostic> {
    let mut r = super::over_catalog(cat, sources, content_dir);
    for (idx, a) in changed {
        let scan = markdown::scan(a.body(sources));
        let article = r.article(a, scan, *idx);
        r.cat.articles[idx.idx()] = article;
    }
    r.finish_references();
    // Links elsewhere into an edited article's headings may have lost their target.
    let edited: Vec<ArticleIdx> = changed.iter().map(|(i, _)| *i).collect();
    let into_edited = |(r, _): &&(Ref, Span)| matches!(r, Ref::Article(t, Some(_)) if edited.contains(t));
    let mut incoming: Vec<(Ref, Span)> = Vec::new();
    for (i, a) in r.cat.articles.iter().enumerate() {
        if !edited.contains(&ArticleIdx(i as u32)) {
            incoming.extend(a.links.iter().filter(into_edited).cloned());
        }
    }
    for p in &r.cat.paths {
        incoming.extend(p.links.iter().filter(into_edited).cloned());
        for s in &p.steps {
            incoming.extend(s.refs.iter().filter(into_edited).cloned());
        }
    }
    let rule_links = r.cat.components.iter().map(|c| &c.links).chain(r.cat.blockers.iter().map(|b| &b.links));
    let rule_links = rule_links
        .chain(r.cat.prerequisites.iter().map(|p| &p.links))
        .chain(r.cat.facts.iter().map(|f| &f.links))
        .chain(r.cat.conditions.iter().map(|c| &c.links))
        .chain(r.cat.effects.iter().map(|e| &e.links));
    for links in rule_links {
        incoming.extend(links.iter().filter(into_edited).cloned());
    }
    for (target, span) in incoming {
        if let Ref::Article(t, Some(anchor)) = &target {
            if edited.contains(t) && !r.cat.articles[t.idx()].headings.iter().any(|h| &h.id == anchor) {
                let d = Diagnostic::error(
                    Code::UnresolvedReference,
                    span,
                    format!("`{}`: no anchor `#{anchor}` on that page", r.cat.ref_label(&target)),
                )
                .with_hint("the heading was renamed or removed");
                r.diags.push(d);
            }
        }
    }
    *cat = r.cat;
    r.diags
}

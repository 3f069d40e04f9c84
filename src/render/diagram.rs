//! The path diagram: an SVG drawn at build time with layout-rs. Steps in order, coloured by
//! host, listing the blockers each step clears (and, on anti-paths, the ones it runs into).
//! Runs of steps from one procedure collapse into one box.

use layout::backends::svg::SVGWriter;
use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::geometry::Point;
use layout::core::style::StyleAttr;
use layout::std_shapes::shapes::{Arrow, Element, ShapeKind};
use layout::topo::layout::VisualGraph;

use super::analysis::PathSummary;
use super::escape_html;
use crate::model::*;

const HOST_FILLS: [u32; 4] = [0xdbe8fbff, 0xdaf2e0ff, 0xf3e6fbff, 0xfdf0d5ff];
const BLOCKER_FILL: u32 = 0xfde2e1ff;
const LINE: u32 = 0x40506aff;

fn label(s: &str, max: usize) -> String {
    if s.chars().count() <= max { s.to_string() } else { format!("{}…", s.chars().take(max - 1).collect::<String>()) }
}

/// A box sized for its text (layout-rs's own estimate runs wide for proportional fonts).
fn node(lines: &[String], fill: u32, stroke: u32, stroke_width: usize) -> Element {
    let look = StyleAttr::new(Color::new(stroke), stroke_width, Some(Color::new(fill)), 6, 13);
    let widest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let size = Point::new((widest as f64 * 6.9 + 28.).max(140.), 16. + 18. * lines.len() as f64);
    Element::create(ShapeKind::new_box(&lines.join("\n")), look, Orientation::TopToBottom, size)
}

/// The SVG markup (inline in the path page), or an empty string if layout fails.
pub fn svg(cat: &Catalog, path: &MigrationPath, summary: &PathSummary) -> String {
    // layout-rs is a third-party layout engine fed with user data: never let it take the build down.
    std::panic::catch_unwind(|| draw(cat, path, summary)).unwrap_or_default()
}

/// A node of the diagram: one step, or a run of consecutive steps from one procedure.
struct Node {
    first: usize,
    last: usize,
    title: String,
    host: Option<HostIdx>,
    conditional: bool,
}

fn nodes(path: &MigrationPath) -> Vec<Node> {
    let host_of = |s: &Step| match &s.action {
        Action::Move { to, .. } => Some(*to),
        _ => s.host,
    };
    let mut out: Vec<Node> = Vec::new();
    for (i, s) in path.steps.iter().enumerate() {
        if let (Some(proc_), Some(last)) = (&s.procedure, out.last_mut()) {
            let prev = &path.steps[last.last];
            if prev.procedure.as_ref() == Some(proc_) && host_of(prev) == host_of(s) && last.last + 1 == i {
                last.last = i;
                last.title = proc_.1.clone();
                last.conditional &= s.when != Cond::True;
                continue;
            }
        }
        out.push(Node {
            first: i,
            last: i,
            title: s.title.clone(),
            host: host_of(s),
            conditional: s.when != Cond::True,
        });
    }
    out
}

fn draw(cat: &Catalog, path: &MigrationPath, summary: &PathSummary) -> String {
    let mut g = VisualGraph::new(Orientation::TopToBottom);
    let mut prev = None;
    for node_def in nodes(path) {
        let prefix = node_def.host.map(|h| format!("[{}] ", path.hosts[h.idx()].id)).unwrap_or_default();
        let numbers = if node_def.first == node_def.last {
            format!("{}.", node_def.first + 1)
        } else {
            format!("{}–{}.", node_def.first + 1, node_def.last + 1)
        };
        let when = if node_def.conditional { " *" } else { "" };
        let mut lines = vec![format!("{prefix}{numbers} {}{when}", label(&node_def.title, 52))];
        let in_node = |st: &usize| (node_def.first..=node_def.last).contains(st);
        // Blockers the step clears (and, on anti-paths, the ones it runs into) go inside its box:
        // as separate nodes, the layered layout pushes them into the chain's ranks.
        let mut listed: Vec<BlockerIdx> = Vec::new();
        let mut list = |pairs: &[(usize, BlockerIdx)], verb: &str, lines: &mut Vec<String>| {
            for (_, b) in pairs.iter().filter(|(st, _)| in_node(st)) {
                if !listed.contains(b) {
                    listed.push(*b);
                    let b = &cat.blockers[b.idx()];
                    lines.push(format!("{verb} {}: {}", b.severity.as_str(), label(&b.title, 50)));
                }
            }
        };
        list(&summary.clears, "✓ clears", &mut lines);
        let cleared = lines.len() > 1;
        if path.is_anti_path() {
            list(&summary.fires, "✗ hits", &mut lines);
        }
        let hits = path.is_anti_path() && lines.len() > 1 + usize::from(cleared);
        let fill = if hits {
            BLOCKER_FILL
        } else {
            node_def.host.map_or(0xeeeeeeff, |h| HOST_FILLS[h.idx() % HOST_FILLS.len()])
        };
        let (stroke, width) = if hits {
            (0xb42318ff, 2)
        } else if cleared {
            (0x1a7f37ff, 2)
        } else {
            (LINE, 1)
        };
        let n = g.add_node(node(&lines, fill, stroke, width));
        if let Some(p) = prev {
            g.add_edge(Arrow::simple(""), p, n);
        }
        prev = Some(n);
    }
    if g.num_nodes() == 0 {
        return String::new();
    }
    let mut writer = SVGWriter::new();
    g.do_it(false, false, false, &mut writer);
    let svg = writer.finalize();
    finish(&svg, &path.title)
}

/// The box around every node (layout-rs's own view box leaves large empty margins).
fn bounding_box(svg: &str) -> Option<(f64, f64, f64, f64)> {
    let attr = |tag: &str, name: &str| -> Option<f64> {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        tag[at..].split('"').next()?.trim().parse().ok()
    };
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for piece in svg.split("<rect").skip(1) {
        let tag = piece.split('>').next()?;
        let (x, y, w, h) = (attr(tag, "x")?, attr(tag, "y")?, attr(tag, "width")?, attr(tag, "height")?);
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x + w);
        y1 = y1.max(y + h);
    }
    (x1 > x0).then_some((x0 - 16., y0 - 16., x1 - x0 + 32., y1 - y0 + 32.))
}

/// layout-rs writes its font classes from a hash map, in a different order each run; sort them
/// so the same catalog always gives the same bytes.
fn sort_style_lines(svg: &str) -> String {
    let (Some(open), Some(close)) = (svg.find("<style>"), svg.find("</style>")) else { return svg.to_string() };
    if close < open {
        return svg.to_string();
    }
    let inner = &svg[open + 7..close];
    let mut lines: Vec<&str> = inner.lines().collect();
    lines.sort_unstable();
    format!("{}<style>{}\n</style>{}", &svg[..open], lines.join("\n"), &svg[close + 8..])
}

/// Makes the SVG scale with the page, use the page's font, and describe itself.
fn finish(svg: &str, title: &str) -> String {
    let svg = sort_style_lines(svg);
    let svg = svg.replace("font-family: Times, serif", "font-family: system-ui, -apple-system, 'Segoe UI', sans-serif");
    let Some(start) = svg.find("<svg") else { return String::new() };
    let Some(end) = svg[start..].find('>').map(|e| start + e) else { return String::new() };
    let head = &svg[start..end];
    let _ = head;
    let Some((x, y, w, h)) = bounding_box(&svg) else { return String::new() };
    let view_box = format!("{x:.0} {y:.0} {w:.0} {h:.0}");
    let width = format!("{w:.0}");
    let new_head = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"diagram\" viewBox=\"{view_box}\" style=\"max-width:{width}px\" role=\"img\" aria-label=\"Diagram of the steps of {}\"",
        escape_html(title)
    );
    format!("{}{}", new_head, &svg[end..])
}

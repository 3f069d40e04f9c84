/* pathbook default theme: theme toggle, menu, copy buttons and offline search.
 * No network: the search index is a local script, loaded on first use, so it works from
 * file:// and from any sub-path. Everything from the index is inserted as text, never HTML. */
(function () {
  "use strict";
  var html = document.documentElement;
  var root = html.getAttribute("data-root") || "";
  /* What a path runs on, in the knowledge base's words (`[vocabulary]` in book.toml). */
  var HOST = html.getAttribute("data-host") || "server";

  /* ---- the search box and the theme switch ----
   * Both work only with scripts, so the script adds them to the top bar rather than every
   * page carrying the same markup (a standalone runbook, which runs no script, shows neither). */
  var bar = document.querySelector(".topbar-inner");
  if (bar && !document.getElementById("search-input")) {
    bar.insertAdjacentHTML("beforeend",
      '<div class="search" role="search" aria-label="Site">' +
      '<label class="visually-hidden" for="search-input">Search the knowledge base</label>' +
      '<input id="search-input" type="search" placeholder="Search…  /" autocomplete="off" spellcheck="false"' +
      ' aria-controls="search-results" aria-describedby="search-help">' +
      '<span id="search-help" class="visually-hidden">Type to search; use the arrow keys to pick a result and Enter to open it.</span>' +
      '<div id="search-results" class="search-results" role="listbox" aria-label="Search results" hidden></div>' +
      '</div>' +
      '<button id="theme-toggle" class="theme-toggle" type="button" aria-label="Switch between light and dark theme" title="Light / dark">' +
      '<span aria-hidden="true">◐</span></button>');
  }

  /* ---- light / dark ---- */
  var toggle = document.getElementById("theme-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      var current = html.getAttribute("data-theme");
      if (!current) {
        current = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
      }
      var next = current === "dark" ? "light" : "dark";
      html.setAttribute("data-theme", next);
      try { localStorage.setItem("pathbook-theme", next); } catch (e) { /* private mode */ }
    });
  }

  /* ---- print buttons (no inline handlers anywhere in the theme) ---- */
  Array.prototype.forEach.call(document.querySelectorAll("[data-action=print]"), function (b) {
    b.addEventListener("click", function () { window.print(); });
  });

  /* ---- menu on small screens: the button exists only where this script can work it, and
     only then does a small screen fold the sections away (without scripts they stay listed) ---- */
  var nav = document.getElementById("mainnav");
  if (nav && nav.parentNode) {
    var navToggle = document.createElement("button");
    navToggle.type = "button";
    navToggle.className = "nav-toggle";
    navToggle.setAttribute("aria-controls", "mainnav");
    navToggle.setAttribute("aria-expanded", "false");
    navToggle.textContent = "Menu";
    nav.parentNode.insertBefore(navToggle, nav);
    nav.parentNode.classList.add("has-menu-button");
    navToggle.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      navToggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  /* ---- copy buttons on code blocks ---- */
  Array.prototype.forEach.call(document.querySelectorAll("pre.code"), function (pre) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    button.textContent = "Copy";
    button.addEventListener("click", function () {
      var text = pre.querySelector("code").innerText;
      var done = function () { button.textContent = "Copied"; setTimeout(function () { button.textContent = "Copy"; }, 1500); };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(done, function () { selectText(pre); });
      } else {
        selectText(pre);
      }
    });
    pre.appendChild(button);
  });
  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node.querySelector("code"));
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  /* ---- search ----
     The index is split (see src/render/search.rs): a manifest, term parts by prefix, and
     result documents in chunks. A query loads the parts of its own terms, then the chunks of
     the results it shows; everything loads as scripts, which work from file:// as well. */
  var KIND_LABEL = { blocker: "blocker", path: "path", article: "article", prerequisite: "prerequisite", section: "article", component: "component", step: "step" };
  var loading = null;
  var parts = {};

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = src;
      s.onload = resolve;
      s.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(s);
    });
  }

  /* The manifest and the query pipeline (elasticlunr.js's, the same as the index's). */
  function loadIndex() {
    if (!loading) {
      loading = (window.elasticlunr ? Promise.resolve() : loadScript(root + "assets/elasticlunr.min.js"))
        .then(function () { return window.pathbookSearch ? null : loadScript(root + "assets/search-index.js"); })
        .then(function () { return window.pathbookSearch; });
    }
    return loading;
  }

  /* A term's postings as shipped: base-32 digits, least significant first; a digit from the
     second half of DIGITS says more of the same number follow (src/render/search.rs writes
     them). Read back into [gap, weight, gap, weight, …]. */
  var DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_";
  var DIGIT = {};
  for (var k = 0; k < DIGITS.length; k++) DIGIT[DIGITS.charCodeAt(k)] = k;
  function numbers(s) {
    var out = [], n = 0, scale = 1;
    for (var i = 0; i < s.length; i++) {
      var d = DIGIT[s.charCodeAt(i)];
      n += (d & 31) * scale;
      if (d < 32) {
        out.push(n);
        n = 0;
        scale = 1;
      } else {
        scale *= 32;
      }
    }
    return out;
  }

  /* One part of the index (`t3`, `d0`), loaded once. */
  function part(name) {
    if (!parts[name]) {
      parts[name] = loadScript(root + "assets/search/" + name + ".js").then(function () {
        return (window.pathbookSearchParts || {})[name];
      });
    }
    return parts[name];
  }

  /* The query's terms as the index spells them: tokenized, trimmed, stop words out, stemmed. */
  function queryTerms(q) {
    var lunr = window.elasticlunr;
    var out = [];
    lunr.tokenizer(q).forEach(function (t) {
      t = lunr.stemmer(lunr.stopWordFilter(lunr.trimmer(t)) || "");
      if (t && out.indexOf(t) < 0) out.push(t);
    });
    return out;
  }

  /* What a support engineer types, widened to what the pages say: `KB951402` also as
     `KB 951402` and `951402`; "roll back" typed apart also as `rollback`. The index files a
     text that says "roll back" under `rollback` too (src/render/search.rs), so `rollback` is
     never split here, which would find every "rolling". */
  var SYNONYMS = { rollback: "roll back", backout: "back out", failover: "fail over" };
  function expand(query) {
    var extra = [];
    query.split(/\s+/).forEach(function (w) {
      var m = /^([a-z]+)[-_]?(\d+)$/i.exec(w);
      if (m) extra.push(m[1] + " " + m[2]);
    });
    Object.keys(SYNONYMS).forEach(function (k) {
      if (query.toLowerCase().indexOf(SYNONYMS[k]) >= 0) extra.push(k);
    });
    return extra.length ? query + " " + extra.join(" ") : query;
  }

  /* Every match, best first: `{ total, results }` with the best `limit` results filled in.
     A term also matches the longer terms it begins (search as you type), a little less. */
  function search(data, query, limit) {
    var terms = queryTerms(expand(query));
    /* Part i holds the terms from parts[i] up to parts[i + 1]. A term of three letters or
       more also matches the terms it begins; a shorter one only itself, so typing "s" does not
       load every part that starts with s. */
    var names = [];
    terms.forEach(function (t) {
      var hi = t.length >= 3 ? t + "\uffff" : t;
      data.parts.forEach(function (first, i) {
        var next = data.parts[i + 1];
        if (first <= hi && (next === undefined || next > t) && names.indexOf("t" + i) < 0) names.push("t" + i);
      });
    });
    return Promise.all(names.map(part)).then(function (loaded) {
      var score = {};
      terms.forEach(function (t) {
        loaded.forEach(function (shard) {
          Object.keys(shard || {}).forEach(function (key) {
            if (key.indexOf(t) !== 0 || (key !== t && t.length < 3)) return;
            var postings = shard[key];
            if (typeof postings === "string") postings = shard[key] = numbers(postings);
            var df = postings.length / 2;
            var idf = 1 + Math.log(data.docs / (df + 1));
            var penalty = key === t ? 1 : 1 / Math.log(Math.max(3, key.length - t.length));
            for (var k = 0, d = 0; k < postings.length; k += 2) {
              d += postings[k];
              score[d] = (score[d] || 0) + postings[k + 1] / 100 * idf * penalty;
            }
          });
        });
      });
      var ranked = Object.keys(score).map(Number).sort(function (a, b) { return score[b] - score[a] || a - b; });
      var best = ranked.slice(0, limit);
      var chunks = [];
      best.forEach(function (d) {
        var c = "d" + Math.floor(d / data.chunk);
        if (chunks.indexOf(c) < 0) chunks.push(c);
      });
      return Promise.all(chunks.map(part)).then(function () {
        var results = best.map(function (d) {
          var doc = window.pathbookSearchParts["d" + Math.floor(d / data.chunk)][d % data.chunk];
          return { title: doc[0], url: doc[1], kind: doc[2], teaser: (doc[3] || "").replace(/`/g, ""), also: doc[4] || 0 };
        });
        return { total: ranked.length, results: results };
      });
    });
  }

  function resultLink(r, withTeaser) {
    var a = document.createElement("a");
    a.href = root + r.url;
    a.setAttribute("role", "option");
    var kind = document.createElement("span");
    kind.className = "r-kind";
    kind.textContent = KIND_LABEL[r.kind] || r.kind;
    var title = document.createElement("span");
    title.className = "r-title";
    title.appendChild(kind);
    title.appendChild(document.createTextNode(r.title));
    a.appendChild(title);
    if (withTeaser && r.teaser) {
      var t = document.createElement("span");
      t.className = "r-teaser";
      t.textContent = r.teaser;
      a.appendChild(t);
    }
    if (r.also) {
      var also = document.createElement("span");
      also.className = "r-also";
      also.textContent = "The same step is in " + r.also + " other path" + (r.also === 1 ? "" : "s") + ".";
      a.appendChild(also);
    }
    return a;
  }

  var input = document.getElementById("search-input");
  var box = document.getElementById("search-results");
  var selected = -1;

  function select(i) {
    var links = box.querySelectorAll("a");
    if (!links.length) { return; }
    selected = (i + links.length) % links.length;
    Array.prototype.forEach.call(links, function (a, j) { a.setAttribute("aria-selected", j === selected ? "true" : "false"); });
    links[selected].scrollIntoView({ block: "nearest" });
  }

  function show(query) {
    if (!query.trim()) { box.hidden = true; box.textContent = ""; return; }
    loadIndex().then(function (data) { return search(data, query, 10); }).then(function (found) {
      if (input.value !== query) { return; }
      var results = found.results;
      box.textContent = "";
      selected = -1;
      if (!results.length) {
        var empty = document.createElement("div");
        empty.className = "r-empty";
        empty.textContent = "No results for “" + query + "”";
        box.appendChild(empty);
      }
      results.forEach(function (r) { box.appendChild(resultLink(r, true)); });
      if (results.length) {
        var all = document.createElement("a");
        all.href = root + "search.html?q=" + encodeURIComponent(query);
        all.className = "r-all";
        all.textContent = "All results →";
        box.appendChild(all);
      }
      box.hidden = false;
    }, function (err) {
      box.textContent = "Search is unavailable: " + err.message;
      box.hidden = false;
    });
  }

  if (input && box) {
    input.addEventListener("focus", function () { loadIndex(); });
    input.addEventListener("input", function () { show(input.value); });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") { e.preventDefault(); select(selected + 1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); select(selected - 1); }
      else if (e.key === "Enter") {
        var links = box.querySelectorAll("a");
        var target = links[selected >= 0 ? selected : 0];
        if (target) { e.preventDefault(); window.location.href = target.href; }
      } else if (e.key === "Escape") { box.hidden = true; input.blur(); }
    });
    document.addEventListener("click", function (e) {
      if (!box.contains(e.target) && e.target !== input) { box.hidden = true; }
    });
    document.addEventListener("keydown", function (e) {
      var tag = (e.target && e.target.tagName) || "";
      if (e.key === "/" && tag !== "INPUT" && tag !== "TEXTAREA" && tag !== "SELECT") {
        e.preventDefault();
        input.focus();
      }
    });
  }

  /* ---- the search page ---- */
  var pageInput = document.getElementById("search-page-input");
  var pageResults = document.getElementById("search-page-results");
  if (pageInput && pageResults) {
    var q = new URLSearchParams(window.location.search).get("q") || "";
    pageInput.value = q;
    if (q) {
      loadIndex().then(function (data) { return search(data, q, 100); }).then(function (found) {
        var results = found.results;
        var heading = document.createElement("p");
        heading.className = "muted search-count";
        heading.textContent = found.total + " result" + (found.total === 1 ? "" : "s") + " for “" + q + "”" +
          (found.total > results.length ? ", the best " + results.length + " shown" : "");
        pageResults.appendChild(heading);
        var list = document.createElement("ol");
        list.className = "search-page-results";
        results.forEach(function (r) {
          var li = document.createElement("li");
          var a = resultLink(r, true);
          a.removeAttribute("role");
          li.appendChild(a);
          list.appendChild(li);
        });
        pageResults.appendChild(list);
      });
    }
  }

  /* ---- the upgrade assistant ----
     Every combination of answers was assessed at build time by the same evaluator that checks
     the paths (assets/assistant-data.js). This code only looks the answers up and shows them. */
  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined) n.textContent = text;
    return n;
  }
  function link(href, text) {
    var a = el("a", "", text);
    a.href = href;
    return a;
  }

  function initAssistant() {
    var form = document.getElementById("assistant-form");
    var out = document.getElementById("assistant-results");
    var data = window.pathbookAssistant;
    if (!form || !out) return;
    if (!data) {
      out.textContent = "The assistant's answers (assets/assistant-data.js) did not load.";
      return;
    }
    var fields = Array.prototype.slice.call(form.querySelectorAll("fieldset[data-question]"));

    function chosen() {
      return fields.map(function (f) {
        return Array.prototype.filter.call(f.querySelectorAll("input"), function (i) { return i.checked; })
          .map(function (i) { return i.value; });
      });
    }
    function key(ch) { return ch.map(function (ids) { return ids.join("+"); }).join("|"); }
    function labels(ch) {
      var parts = [];
      data.questions.forEach(function (q, i) {
        var names = q.answers.filter(function (a) { return ch[i].indexOf(a.id) >= 0; }).map(function (a) { return a.label; });
        parts.push(q.text.replace(/\?$/, "") + ": " + (names.length ? names.join(", ") : "none"));
      });
      return parts;
    }
    function components(ch) {
      var list = data.base.slice();
      data.questions.forEach(function (q, i) {
        q.answers.forEach(function (a) {
          if (ch[i].indexOf(a.id) >= 0) a.sets.forEach(function (c) { if (list.indexOf(c) < 0) list.push(c); });
        });
      });
      return list;
    }

    /* Answers live in the address (#version=sp1&roles=mailbox+hub-transport) so a result can be
       bookmarked, shared, and survives the back button. */
    function readHash() {
      var params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
      if (!Array.from(params.keys()).length) return;
      fields.forEach(function (f) {
        var q = f.getAttribute("data-question");
        if (!params.has(q)) return;
        var want = params.get(q).split(" ").join("+").split("+");
        Array.prototype.forEach.call(f.querySelectorAll("input"), function (i) { i.checked = want.indexOf(i.value) >= 0; });
      });
    }
    function writeHash(ch) {
      var params = fields.map(function (f, i) { return f.getAttribute("data-question") + "=" + ch[i].join("+"); }).join("&");
      if (window.history && window.history.replaceState) window.history.replaceState(null, "", "#" + params);
    }

    /* Words the site uses for outcomes, so a badge here reads like a badge on a page. */
    var OUTCOME = { supported: "Supported", blocked: "Blocked", broken: "Broken", unsupported: "Unsupported", incomplete: "Incomplete" };
    var HANDLED = { cleared: "Cleared by", stops: "Stops", breaks: "Breaks things at", unsupported: "Unsupported from", warns: "Applies at" };

    /* Text with `code` spans, as nodes. */
    function withCode(text) {
      var f = document.createDocumentFragment();
      text.split("`").forEach(function (part, i) {
        if (part) f.appendChild(i % 2 ? el("code", "", part) : document.createTextNode(part));
      });
      return f;
    }
    /* A resolution or how-to with its links and code, from segments (never from HTML). */
    function rich(segs) {
      var f = document.createDocumentFragment();
      segs.forEach(function (s) {
        s.t.split("\n").forEach(function (line, i) {
          if (i > 0) f.appendChild(document.createElement("br"));
          if (!line) return;
          var node = s.c ? el("code", "", line) : document.createTextNode(line);
          if (s.h && /^(https?:|mailto:|[a-z]+\/)/.test(s.h)) {
            var a = link(/^[a-z]+:/.test(s.h) ? s.h : root + s.h, "");
            a.appendChild(node);
            f.appendChild(a);
          } else {
            f.appendChild(node);
          }
        });
      });
      return f;
    }
    /* The rule's resolution or how-to, with its links, under `li`. */
    function whatToDo(li, label, rule) {
      var segs = data.what_to_do[rule];
      if (!segs) return;
      var d = el("div", "muted what-to-do", label);
      d.appendChild(rich(segs));
      li.appendChild(d);
    }
    function ruleLink(rule, title) {
      var r = rule ? rule.split(":") : null;
      if (r && r.length === 2 && title) return link(root + r[0] + "s/" + r[1] + ".html", title);
      return null;
    }
    function unanswered(ch) {
      return data.questions.filter(function (q, i) { return !q.multiple && !ch[i].length; }).length;
    }

    function show() {
      var ch = chosen();
      out.textContent = "";
      var left = unanswered(ch);
      if (left) {
        out.removeAttribute("data-key");
        out.appendChild(el("p", "muted assistant-waiting", left === data.questions.filter(function (q) { return !q.multiple; }).length
          ? "Answer the questions to see what blocks this " + HOST + " and which paths work."
          : "Answer " + left + " more question" + (left === 1 ? "" : "s") + " to see the result."));
        return;
      }
      writeHash(ch);
      var n = data.index[key(ch)];
      if (n === undefined) {
        out.appendChild(el("p", "warning-box", "No precomputed answer for this combination."));
        return;
      }
      var r = data.results[n];
      out.setAttribute("data-key", key(ch));

      var you = el("section", "card assistant-server");
      you.appendChild(el("h2", "", "Your " + HOST));
      var ul = el("ul", "assistant-answers");
      labels(ch).forEach(function (t) { ul.appendChild(el("li", "", t)); });
      you.appendChild(ul);
      var has = el("p", "muted");
      has.appendChild(document.createTextNode("As an environment file for "));
      has.appendChild(el("code", "", "pathbook plan"));
      has.appendChild(document.createTextNode(": "));
      has.appendChild(el("code", "env-components", "components: [" + components(ch).join(", ") + "]"));
      you.appendChild(has);
      if (r.at_target) you.appendChild(el("p", "ok-box", "This " + HOST + " is already where the upgrade leads: nothing to do."));
      out.appendChild(you);

      if (r.warnings.length) {
        var w = el("div", "warning-box assistant-warnings");
        w.setAttribute("role", "note");
        w.appendChild(el("strong", "", "These answers contradict the rules — check them: "));
        r.warnings.forEach(function (n) { w.appendChild(el("div", "", data.warnings[n])); });
        out.appendChild(w);
      }

      var bs = el("section", "card assistant-blockers");
      bs.appendChild(el("h2", "", "What blocks this " + HOST + " (" + r.blockers.length + ")"));
      if (!r.blockers.length) bs.appendChild(el("p", "muted", "No blocker applies."));
      var bl = el("ul", "link-list");
      r.blockers.forEach(function (n, k) {
        var id = data.blocker_ids[n];
        var b = data.blockers[id];
        var li = el("li", "assistant-blocker");
        li.setAttribute("data-id", id);
        li.appendChild(el("span", "badge sev-" + b.severity, b.severity.charAt(0).toUpperCase() + b.severity.slice(1)));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(link(root + "blockers/" + id + ".html", b.title));
        if (b.summary) li.appendChild(el("div", "summary", b.summary));
        var handled = data.handled[r.handled[k]] || [];
        if (handled.length) {
          var hl = el("ul", "assistant-handled muted");
          handled.forEach(function (h) {
            var hi = el("li", "", (HANDLED[h.kind] || h.kind) + " step " + h.step + " “" + h.step_title + "” of ");
            hi.appendChild(link(root + "paths/" + h.path + ".html", h.path_title));
            hl.appendChild(hi);
          });
          li.appendChild(hl);
        }
        whatToDo(li, "What to do: ", "blocker:" + id);
        bl.appendChild(li);
      });
      bs.appendChild(bl);
      out.appendChild(bs);

      if (r.prerequisites.length) {
        var pq = el("section", "card assistant-prerequisites");
        pq.appendChild(el("h2", "", "Prerequisites this " + HOST + " does not meet yet (" + r.prerequisites.length + ")"));
        var pqu = el("ul", "link-list");
        r.prerequisites.forEach(function (i) {
          var x = data.prerequisites[i];
          var li = el("li", "assistant-prerequisite");
          li.setAttribute("data-id", x.id);
          li.appendChild(link(root + "prerequisites/" + x.id + ".html", x.title));
          var needs = el("div", "summary", "Needs ");
          needs.appendChild(el("code", "", x.requires));
          needs.appendChild(document.createTextNode(x.stops.length === 1 ? "; without it one path stops." : "; without it " + x.stops.length + " paths stop."));
          li.appendChild(needs);
          whatToDo(li, "How: ", "prerequisite:" + x.id);
          pqu.appendChild(li);
        });
        pq.appendChild(pqu);
        out.appendChild(pq);
      }

      var ps = el("section", "card assistant-paths");
      var paths = r.paths.map(function (i) { return data.paths[i]; });
      var viable = paths.filter(function (p) { return p.viable; });
      ps.appendChild(el("h2", "", viable.length ? "Paths that work (" + viable.length + "), best first" : "No path works for this " + HOST));
      var pl = el("ol", "link-list");
      paths.forEach(function (p) {
        var li = el("li", "assistant-path " + (p.viable ? "viable" : "not-viable"));
        li.setAttribute("data-id", p.id);
        li.appendChild(el("span", "badge out-" + (p.viable ? "supported" : p.outcome), p.viable ? "Works" : (OUTCOME[p.outcome] || p.outcome)));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(link(root + "paths/" + p.id + ".html", p.title));
        if (p.fails_at) {
          var f = p.fails_at;
          /* Only a blocked path stops; the others run to the end and end badly from a step on. */
          var where = p.outcome === "blocked" ? "Stops at step " : p.outcome === "incomplete" ? "Falls short after step " : "From step ";
          var fails = el("div", "fails", where + f.step + " of " + p.total_steps + ", “" + f.step_title + "”:");
          var rl = el("ul", "assistant-reasons");
          f.reasons.forEach(function (x) {
            var ri = el("li", "");
            var a = ruleLink(x.rule, x.rule_title);
            if (a) ri.appendChild(a); else ri.appendChild(withCode(x.why));
            if (x.rule) whatToDo(ri, "What to do: ", x.rule);
            rl.appendChild(ri);
          });
          fails.appendChild(rl);
          li.appendChild(fails);
        } else {
          var facts = [p.steps.length + " of " + p.total_steps + " steps"];
          if (p.minutes) facts.push("about " + p.duration);
          facts.push("risk " + p.risk);
          if (p.downtime) facts.push("downtime " + p.downtime);
          li.appendChild(el("span", "muted", " — " + facts.join(", ")));
        }
        if (p.viable && r.warnings.length) {
          /* A runbook tailored to a server the rules say cannot exist would be guesswork. */
          li.appendChild(el("div", "muted", "No tailored runbook for answers that contradict the rules; correct them above, or see the general runbook."));
        } else if (p.viable) {
          var q = new URLSearchParams();
          q.set("steps", p.steps.join(","));
          q.set("prereqs", p.prerequisites.map(function (x) { return x[1]; }).join(","));
          /* One `for` per answer, so the runbook can list them, not run them together. */
          labels(ch).forEach(function (t) { q.append("for", t); });
          var rb = link(root + "runbooks/" + p.id + ".html?" + q.toString(), "Printable runbook for this " + HOST);
          rb.className = "button runbook-link";
          var d = el("div", "");
          d.appendChild(rb);
          li.appendChild(d);
        }
        pl.appendChild(li);
      });
      ps.appendChild(pl);
      out.appendChild(ps);
    }

    readHash();
    form.addEventListener("change", show);
    window.addEventListener("hashchange", function () { readHash(); show(); });
    show();
  }

  /* ---- a runbook tailored to one server: ?steps=1,3,4&prereqs=a,b&for=… ----
     The assistant links here with the steps and prerequisites the build computed for that
     server; everything else is hidden and the steps are renumbered. */
  function tailorRunbook() {
    var params = new URLSearchParams(window.location.search);
    if (!params.has("steps")) return;
    var doc = document.querySelector(".runbook");
    if (!doc) return;
    var keep = params.get("steps").split(",").filter(Boolean);
    var prereqs = (params.get("prereqs") || "").split(",").filter(Boolean);
    var number = {};
    var minutes = 0;
    var n = 0;
    Array.prototype.forEach.call(doc.querySelectorAll(".rb-step"), function (li) {
      var step = li.getAttribute("data-step");
      if (keep.indexOf(step) < 0) { li.hidden = true; return; }
      n += 1;
      number[step] = n;
      minutes += parseInt(li.getAttribute("data-minutes") || "0", 10);
      var num = li.querySelector(".rb-n");
      if (num) num.textContent = n + ".";
      Array.prototype.forEach.call(li.querySelectorAll(".rb-when"), function (w) { w.hidden = true; });
    });
    Array.prototype.forEach.call(doc.querySelectorAll(".rb-backout-item"), function (li) {
      var step = li.getAttribute("data-step");
      if (!number[step]) { li.hidden = true; return; }
      li.querySelector(".rb-n").textContent = number[step];
    });
    Array.prototype.forEach.call(doc.querySelectorAll(".rb-prereq"), function (li) {
      if (prereqs.indexOf(li.getAttribute("data-prereq")) < 0) li.hidden = true;
    });
    Array.prototype.forEach.call(doc.querySelectorAll(".rb-est"), function (e) {
      var step = e.getAttribute("data-est");
      if (number[step]) {
        e.textContent = e.textContent.replace(/step \d+/, "step " + number[step]);
      } else {
        e.hidden = true;
        var missing = e.parentNode.querySelector(".rb-noest");
        if (missing) missing.hidden = false;
      }
    });
    /* "cleared by step 2 or step 3": say only the steps this runbook keeps. */
    Array.prototype.forEach.call(doc.querySelectorAll(".rb-cleared"), function (c) {
      var kept = Array.prototype.filter.call(c.querySelectorAll(".rb-est"), function (e) { return !e.hidden; })
        .map(function (e) { return e.textContent; });
      if (kept.length) c.textContent = "(cleared by " + kept.join(" or ") + ")";
      else c.hidden = true;
    });
    var h = Math.floor(minutes / 60), m = minutes % 60;
    var total = doc.querySelector(".rb-total");
    if (total) {
      total.textContent = h && m ? h + " h " + m + " min" : h ? h + " h" : m + " min";
      total.setAttribute("data-minutes", String(minutes));
    }
    var count = doc.querySelector(".rb-count");
    if (count) count.textContent = String(n);
    var range = doc.querySelector(".rb-range");
    if (range) range.hidden = true;
    var tailored = doc.querySelector(".rb-tailored");
    if (tailored) {
      tailored.hidden = false;
      var answers = params.getAll("for");
      var into = tailored.querySelector(".rb-for");
      if (answers.length > 1) {
        var list = document.createElement("ul");
        list.className = "rb-answers";
        answers.forEach(function (t) {
          var li = document.createElement("li"), cut = t.indexOf(": ");
          if (cut > 0) {
            li.appendChild(document.createElement("span")).textContent = t.slice(0, cut) + ": ";
            li.firstChild.className = "muted";
            li.appendChild(document.createElement("strong")).textContent = t.slice(cut + 2);
          } else {
            li.textContent = t;
          }
          list.appendChild(li);
        });
        into.replaceWith(list);
      } else {
        into.textContent = answers[0] || "one " + HOST;
      }
    }
    document.title = document.title.replace(/^/, "(tailored) ");
  }

  document.addEventListener("DOMContentLoaded", function () {
    initAssistant();
    tailorRunbook();
  });
})();

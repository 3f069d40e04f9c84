/* pathbook default theme: theme toggle, menu, copy buttons and offline search.
 * No network: the search index is a local script, loaded on first use, so it works from
 * file:// and from any sub-path. Everything from the index is inserted as text, never HTML. */
(function () {
  "use strict";
  var html = document.documentElement;
  var root = html.getAttribute("data-root") || "";

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

  /* ---- menu on small screens ---- */
  var navToggle = document.querySelector(".nav-toggle");
  var nav = document.getElementById("mainnav");
  if (navToggle && nav) {
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

  /* ---- search ---- */
  // Knowledge (what blocks, what to do) ranks above reference pages (the component glossary).
  var KIND_WEIGHT = { blocker: 1.8, path: 1.4, article: 1.3, prerequisite: 1.2, section: 1.1, step: 0.9, component: 0.6 };
  var KIND_LABEL = { blocker: "blocker", path: "path", article: "article", prerequisite: "prerequisite", section: "article", component: "component", step: "step" };
  var loading = null;

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = src;
      s.onload = resolve;
      s.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(s);
    });
  }

  /* The index ships in shards (assets/search/N.js) so that one edit re-indexes one shard. */
  function loadIndex() {
    if (!loading) {
      loading = (window.elasticlunr ? Promise.resolve() : loadScript(root + "assets/elasticlunr.min.js"))
        .then(function () { return window.pathbookSearch ? null : loadScript(root + "assets/search-index.js"); })
        .then(function () {
          var wanted = [];
          for (var i = 0; i < window.pathbookSearch.shards; i++) {
            if (!(window.pathbookSearchShards && window.pathbookSearchShards[i])) {
              wanted.push(loadScript(root + "assets/search/" + i + ".js"));
            }
          }
          return Promise.all(wanted);
        })
        .then(function () {
          var data = window.pathbookSearch;
          if (!data.loaded) {
            data.loaded = [];
            for (var i = 0; i < data.shards; i++) {
              var shard = window.pathbookSearchShards[i];
              data.loaded.push({ idx: window.elasticlunr.Index.load(shard.index), docs: shard.docs });
            }
          }
          return data;
        });
    }
    return loading;
  }

  function search(data, query, limit) {
    var results = [];
    data.loaded.forEach(function (shard) {
      var hits = shard.idx.search(query, { fields: { title: { boost: 3 }, body: { boost: 1 } }, bool: "OR", expand: true });
      hits.forEach(function (h) {
        var d = shard.docs[Number(h.ref)];
        results.push({ title: d[0], url: d[1], kind: d[2], teaser: d[3], score: h.score * (KIND_WEIGHT[d[2]] || 1) });
      });
    });
    results.sort(function (a, b) { return b.score - a.score; });
    return results.slice(0, limit);
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
    loadIndex().then(function (data) {
      if (input.value !== query) { return; }
      var results = search(data, query, 10);
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
      loadIndex().then(function (data) {
        var results = search(data, q, 50);
        var heading = document.createElement("p");
        heading.className = "muted";
        heading.textContent = results.length + " result" + (results.length === 1 ? "" : "s") + " for “" + q + "”";
        pageResults.appendChild(heading);
        var list = document.createElement("ul");
        list.className = "link-list";
        results.forEach(function (r) {
          var li = document.createElement("li");
          li.appendChild(resultLink(r, true));
          list.appendChild(li);
        });
        pageResults.appendChild(list);
      });
    }
  }
})();

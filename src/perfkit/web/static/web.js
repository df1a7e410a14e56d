"use strict";
// perfkit web: the header (sample type, granularity, search box, Refine menu), node selection,
// the call graph's pan, zoom and click-to-focus, the top table's sorting and peek's "show all".
// Every change of settings is a new URL with pprof's query parameters, so any view can be
// bookmarked or shared.
(function () {
  var nodes = JSON.parse(document.getElementById("pk-nodes").textContent);
  var path = document.body.getAttribute("data-path");
  var search = document.getElementById("search");
  var selected = new Map(); // node index -> element
  var regexpMode = false; // the search box, not the selection, says what Refine applies to

  // ---------------------------------------------------------------- URLs
  function currentParams() {
    return new URLSearchParams(window.location.search);
  }
  function urlWith(base, changes) {
    var p = currentParams();
    Object.keys(changes).forEach(function (k) {
      if (changes[k] === null || changes[k] === "") p.delete(k);
      else p.set(k, changes[k]);
    });
    var q = p.toString();
    return base + (q ? "?" + q : "");
  }
  function go(changes) {
    window.location.assign(urlWith(path, changes));
  }
  // a regex matching the text literally, escaped as pprof's UI escapes names
  function quote(text) {
    return text.replace(/[\\.?+*[\](){}|^$]/g, "\\$&");
  }
  function selectionRegex() {
    return Array.from(selected.keys()).map(function (i) { return quote(nodes[i]); }).join("|");
  }
  // what Refine and the view links apply: the selection, else the search box
  function activeRegex() {
    return regexpMode || selected.size === 0 ? search.value : selectionRegex();
  }

  // ---------------------------------------------------------------- pickers
  function onChange(id, param) {
    var el = document.getElementById(id);
    if (el) el.addEventListener("change", function () { var c = {}; c[param] = el.value; go(c); });
  }
  onChange("sample", "si");
  onChange("granularity", "g");

  // ---------------------------------------------------------------- search box
  var flame = document.querySelector("#flame svg");
  var searchTimer = null;
  function highlight() {
    searchTimer = null;
    var re = null;
    search.classList.remove("bad");
    if (search.value !== "") {
      try {
        re = new RegExp(search.value);
      } catch (err) {
        search.classList.add("bad");
        return;
      }
    }
    if (flame && flame.perfkitFlame) {
      if (re) flame.perfkitFlame.search(search.value);
      else flame.perfkitFlame.clearSearch();
    }
    for (var i = 0; i < nodes.length; i++) {
      var el = document.getElementById("node" + i);
      if (el) el.classList.toggle("hit", re !== null && nodes[i] !== "" && re.test(nodes[i]));
    }
  }
  search.addEventListener("input", function () {
    regexpMode = true;
    if (searchTimer !== null) clearTimeout(searchTimer);
    searchTimer = setTimeout(highlight, 250);
    updateRefine();
  });
  search.addEventListener("keydown", function (e) {
    if (e.key !== "Enter") return;
    e.preventDefault();
    try {
      new RegExp(search.value);
    } catch (err) {
      search.classList.add("bad");
      return;
    }
    go({ f: search.value });
  });
  if (search.value !== "") highlight();

  // ---------------------------------------------------------------- selection
  function toggle(i, el) {
    regexpMode = false;
    if (selected.has(i)) {
      selected.delete(i);
      el.classList.remove("selected");
    } else {
      selected.set(i, el);
      el.classList.add("selected");
    }
    updateRefine();
  }

  // ---------------------------------------------------------------- Refine menu and view links
  var refine = document.getElementById("refine");
  function updateRefine() {
    var empty = activeRegex() === "";
    refine.querySelectorAll("a[data-param]").forEach(function (a) { a.classList.toggle("disabled", empty); });
  }
  refine.querySelector(".menu-name").addEventListener("click", function () { refine.classList.toggle("open"); });
  document.addEventListener("mousedown", function (e) {
    if (!refine.contains(e.target)) refine.classList.remove("open");
  });
  refine.querySelectorAll("a[data-param]").forEach(function (a) {
    a.addEventListener("click", function (e) {
      e.preventDefault();
      var param = a.getAttribute("data-param"), re = activeRegex();
      if (re === "") return;
      var old = currentParams().get(param);
      // focus, show and show-from replace; ignore and hide add to what is already there (as pprof)
      if ((param === "i" || param === "h") && old) re = re + "|" + old;
      var change = {};
      change[param] = re;
      go(change);
    });
  });
  updateRefine();
  // a view link carries the selection as its focus, so "select, then Source" shows it
  document.querySelectorAll("#views a.view-link").forEach(function (a) {
    function carry() {
      if (selected.size === 0) return;
      a.href = urlWith(a.getAttribute("href").split("?")[0], { f: selectionRegex() });
    }
    a.addEventListener("mouseenter", carry);
    a.addEventListener("focus", carry);
    a.addEventListener("mousedown", carry);
  });

  // ---------------------------------------------------------------- call graph: pan, zoom, click
  var svg = document.querySelector("#graph svg");
  if (svg) initGraph(svg);

  function initGraph(svg) {
    var vb = svg.viewBox.baseVal;
    var initial = { x: vb.x, y: vb.y, width: vb.width, height: vb.height };
    var start = null, moved = false;

    function toSvg(clientX, clientY) {
      var p = svg.createSVGPoint();
      p.x = clientX;
      p.y = clientY;
      return p.matrixTransform(svg.getScreenCTM().inverse());
    }
    function zoom(factor, at) {
      var w = vb.width / factor, h = vb.height / factor;
      if (w < initial.width / 20 || w > initial.width * 5) return;
      vb.x = at.x - (at.x - vb.x) / factor;
      vb.y = at.y - (at.y - vb.y) / factor;
      vb.width = w;
      vb.height = h;
    }
    function centre() {
      return { x: vb.x + vb.width / 2, y: vb.y + vb.height / 2 };
    }
    svg.addEventListener("wheel", function (e) {
      e.preventDefault();
      zoom(e.deltaY < 0 ? 1.15 : 1 / 1.15, toSvg(e.clientX, e.clientY));
    }, { passive: false });
    svg.addEventListener("mousedown", function (e) {
      if (e.button !== 0) return;
      e.preventDefault();
      start = { x: e.clientX, y: e.clientY, vx: vb.x, vy: vb.y };
      moved = false;
    });
    window.addEventListener("mousemove", function (e) {
      if (!start) return;
      var dx = e.clientX - start.x, dy = e.clientY - start.y;
      if (!moved && Math.abs(dx) + Math.abs(dy) < 4) return;
      moved = true;
      svg.classList.add("panning");
      var perPixel = 1 / svg.getScreenCTM().a;
      vb.x = start.vx - dx * perPixel;
      vb.y = start.vy - dy * perPixel;
    });
    window.addEventListener("mouseup", function (e) {
      if (!start) return;
      start = null;
      svg.classList.remove("panning");
      if (!moved) clickNode(e);
    });
    function clickNode(e) {
      var g = e.target.closest ? e.target.closest("g.node") : null;
      if (!g || !/^node\d+$/.test(g.id)) return;
      var i = parseInt(g.id.slice(4), 10);
      if (!(i > 0 && i < nodes.length) || nodes[i] === "") return;
      if (e.shiftKey || e.ctrlKey || e.metaKey) toggle(i, g);
      else go({ f: quote(nodes[i]) });
    }
    function button(id, fn) {
      var b = document.getElementById(id);
      if (b) b.addEventListener("click", fn);
    }
    button("zoom-in", function () { zoom(1.3, centre()); });
    button("zoom-out", function () { zoom(1 / 1.3, centre()); });
    button("zoom-fit", function () {
      vb.x = initial.x;
      vb.y = initial.y;
      vb.width = initial.width;
      vb.height = initial.height;
    });
  }

  // ---------------------------------------------------------------- top table: select, focus, sort
  var table = document.getElementById("toptable");
  if (table) initTop(table);
  var peek = document.getElementById("peektable");
  if (peek) initPeek(peek);

  function percent(value, total) {
    var r = total ? Math.abs(value / total) * 100 : 0;
    if (r >= 99.95 && r <= 100.05) return "100%";
    if (r >= 1) return r.toFixed(2) + "%";
    return String(parseFloat(r.toPrecision(2))) + "%";
  }
  function initTop(table) {
    var body = table.tBodies[0];
    var total = parseFloat(table.getAttribute("data-total")) || 0;
    var column = "flat", descending = true;
    function rowIndex(tr) {
      return parseInt(tr.getAttribute("data-index"), 10);
    }
    body.addEventListener("click", function (e) {
      var tr = e.target.closest("tr");
      if (tr) toggle(rowIndex(tr), tr);
    });
    body.addEventListener("dblclick", function (e) {
      var tr = e.target.closest("tr");
      if (tr) go({ f: quote(nodes[rowIndex(tr)]) });
    });
    function value(tr, key) {
      if (key === "name") return tr.querySelector("td.name").textContent;
      return Math.abs(parseFloat(tr.getAttribute("data-" + key)));
    }
    function sortBy(key) {
      if (key === column) descending = !descending;
      else {
        column = key;
        descending = key !== "name";
      }
      var rows = Array.from(body.rows);
      rows.sort(function (a, b) {
        var va = value(a, key), vb = value(b, key);
        var c = va < vb ? -1 : va > vb ? 1 : rowIndex(a) - rowIndex(b);
        return descending && va !== vb ? -c : c;
      });
      var sum = 0;
      rows.forEach(function (tr) {
        sum += parseFloat(tr.getAttribute("data-flat"));
        tr.querySelector("td.sum").textContent = percent(sum, total);
        body.appendChild(tr);
      });
      table.querySelectorAll("th").forEach(function (th) {
        var on = th.getAttribute("data-sort") === key;
        th.classList.toggle("sorted", on);
        th.classList.toggle("ascending", on && !descending);
      });
    }
    table.querySelectorAll("th[data-sort]").forEach(function (th) {
      th.addEventListener("click", function () { sortBy(th.getAttribute("data-sort")); });
    });
  }

  // ---------------------------------------------------------------- peek
  // A block lists its heaviest callers and callees; "show all" fetches the rest (same origin,
  // same query) and puts them in place of the row that summed them.
  function initPeek(table) {
    table.addEventListener("click", function (e) {
      var a = e.target.closest("a.show-all");
      if (!a) return;
      e.preventDefault();
      var row = a.closest("tr");
      a.textContent = "loading…";
      fetch(a.href, { credentials: "same-origin" })
        .then(function (r) {
          if (!r.ok) throw new Error(r.status + " " + r.statusText);
          return r.text();
        })
        .then(function (rows) {
          row.insertAdjacentHTML("afterend", rows);
          row.remove();
        })
        .catch(function (err) {
          a.textContent = "show all (failed: " + err.message + ")";
        });
    });
  }
})();

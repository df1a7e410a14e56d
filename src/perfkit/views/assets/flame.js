"use strict";
// perfkit flame graph behaviour: tooltip, zoom, search.  Inlined by perfkit.views.flamegraph,
// which wraps it as (function (D) { ... })(data).  D.nodes holds, per frame in document order,
// [name index, depth, gap from the previous sibling's end, value (, base value)]; D.names holds
// [function, file, line, origin].  Everything is looked up inside this <svg> only, so several
// graphs can share one HTML page.
var NS = "http://www.w3.org/2000/svg";
var script = document.currentScript;
if (!script) {
  var scripts = document.getElementsByTagName("script");
  script = scripts[scripts.length - 1];
}
var svg = script.ownerSVGElement || script.parentNode;
function find(selector) { return svg.querySelector(selector); }
var framesG = find(".frames"), tip = find(".tip"), tipRect = tip.querySelector("rect");
var tipText = tip.querySelector("text"), details = find(".details"), matchedText = find(".matched");
var unzoomButton = find(".unzoom"), searchButton = find(".search");

var gs = [];
for (var c = framesG.firstChild; c; c = c.nextSibling) {
  if (c.nodeType === 1) gs.push(c);
}
var S = D.stride, raw = D.nodes, n = raw.length / S, names = D.names;
var NAME = [], DEP = [], X0 = [], V = [], B = [], PARENT = [];
var cursor = [0], lastAt = [];
for (var i = 0; i < n; i++) {
  var k = i * S, d = raw[k + 1];
  NAME.push(raw[k]);
  DEP.push(d);
  V.push(raw[k + 3]);
  B.push(D.diff ? raw[k + 4] : 0);
  var x0 = (cursor[d] || 0) + raw[k + 2];
  X0.push(x0);
  cursor[d] = x0 + raw[k + 3];
  cursor[d + 1] = x0;
  PARENT.push(d > 0 ? lastAt[d - 1] : -1);
  lastAt[d] = i;
  gs[i].pkIndex = i;
}
var plotWidth = D.width - 2 * D.pad;

// ------------------------------------------------------------------ values, as perfkit.views.units
var SCALES = {
  time: [[1e9, "s"], [1e6, "ms"], [1e3, "us"], [1, "ns"]],
  bytes: [[1099511627776, "TB"], [1073741824, "GB"], [1048576, "MB"], [1024, "kB"], [1, "B"]]
};
function formatValue(v) {
  if (D.unit === "count") {
    return String(v) + " " + (D.type === "samples" || D.type === "sample" ? "samples" : D.type);
  }
  var base = v * D.factor, scales = SCALES[D.unit], size = Math.abs(base);
  for (var s = 0; s < scales.length; s++) {
    if (size >= scales[s][0] || s === scales.length - 1) {
      var text = (base / scales[s][0]).toFixed(2);
      if (text.slice(-3) === ".00") text = text.slice(0, -3);
      return text === "0" || text === "-0" ? "0" : text + scales[s][1];
    }
  }
  return String(v);
}
function formatPercent(v, total) {
  var r = total ? Math.abs(v / total) * 100 : 0;
  if (r >= 99.995 && r <= 100.005) return "100%";
  if (r >= 1 || r === 0) return r.toFixed(2) + "%";
  return r.toFixed(Math.max(2, 1 - Math.floor(Math.log(r) / Math.LN10))) + "%";
}
function where(j) {
  var nm = names[NAME[j]];
  if (nm[3] === "root") return "all stacks";
  if (!nm[1]) return "native code (no file)";
  return nm[1] + (nm[2] ? ":" + nm[2] : "");
}
function change(j) {
  if (!B[j]) return "new";
  var r = ((V[j] - B[j]) / B[j]) * 100;
  return (r > 0 ? "+" : "") + r.toFixed(1) + "%";
}
function describe(j) {
  var lines = [names[NAME[j]][0], where(j), formatValue(V[j]) + " (" + formatPercent(V[j], D.total) + " of total)"];
  if (D.diff) lines.push("base " + formatValue(B[j]) + " \u2192 " + formatValue(V[j]) + " (" + change(j) + ")");
  return lines;
}

// ------------------------------------------------------------------ labels
function fit(name, width) {
  var chars = Math.floor(width / (D.fontSize * D.fontWidth));
  if (chars < 3) return "";
  return name.length <= chars ? name : name.slice(0, chars - 2) + "..";
}
// Only the frames a zoom shows are touched (a subtree is a contiguous run in document order,
// ancestors a chain of parents); the container's "zoomed" class hides the rest in one go.  So
// zooming and resetting cost the size of the subtree, not of the whole graph.
var original = [], moved = [], shown = [], zoomed = -1;
function place(j, x, w) {
  var g = gs[j], r = g.firstChild, t = r.nextSibling, label = fit(names[NAME[j]][0], w);
  if (!original[j]) {
    original[j] = [r.getAttribute("x"), r.getAttribute("width"), t ? t.getAttribute("x") : null, t ? t.textContent : null];
    moved.push(j);
  }
  r.setAttribute("x", x.toFixed(1));
  r.setAttribute("width", w.toFixed(1));
  if (label) {
    if (!t) {
      t = document.createElementNS(NS, "text");
      t.setAttribute("y", String(parseFloat(r.getAttribute("y")) + 10.5));
      g.appendChild(t);
    }
    t.setAttribute("x", (x + 3).toFixed(1));
    t.textContent = label;
  } else if (t) {
    t.textContent = "";
  }
}
function unmark() {
  for (var k = 0; k < shown.length; k++) {
    gs[shown[k]].classList.remove("show");
    gs[shown[k]].classList.remove("parent");
  }
  shown = [];
}
function zoom(i) {
  unmark();
  var start = X0[i], depth = DEP[i], scale = plotWidth / V[i];
  for (var j = i; j < n && (j === i || DEP[j] > depth); j++) {
    place(j, D.pad + (X0[j] - start) * scale, V[j] * scale);
    gs[j].classList.add("show");
    shown.push(j);
  }
  for (var a = PARENT[i]; a >= 0; a = PARENT[a]) {
    place(a, D.pad, plotWidth);
    gs[a].classList.add("show");
    gs[a].classList.add("parent");
    shown.push(a);
  }
  framesG.classList.add("zoomed");
  zoomed = i;
  unzoomButton.classList.remove("hide");
}
function unzoom() {
  unmark();
  framesG.classList.remove("zoomed");
  for (var k = 0; k < moved.length; k++) {
    var j = moved[k], g = gs[j], r = g.firstChild, t = r.nextSibling, o = original[j];
    r.setAttribute("x", o[0]);
    r.setAttribute("width", o[1]);
    if (o[2] === null) {
      if (t) g.removeChild(t);
    } else {
      t.setAttribute("x", o[2]);
      t.textContent = o[3];
    }
    original[j] = null;
  }
  moved = [];
  zoomed = -1;
  unzoomButton.classList.add("hide");
}

// ------------------------------------------------------------------ search
var searching = false, lastTerm = "", hits = [];
function search(term) {
  var re;
  try {
    re = new RegExp(term);
  } catch (err) {
    matchedText.textContent = "Not a regular expression: " + term;
    return -1;
  }
  clearSearch();
  var sum = 0, end = -1;
  for (var j = 0; j < n; j++) {
    var nm = names[NAME[j]];
    if (DEP[j] > 0 && (re.test(nm[0]) || (nm[1] !== "" && re.test(nm[1] + ":" + nm[2])))) {
      gs[j].classList.add("hit");
      hits.push(j);
      // frames come parent first and left to right: a match inside a counted one is not counted again
      if (X0[j] >= end) {
        sum += V[j];
        end = X0[j] + V[j];
      }
    }
  }
  searching = true;
  lastTerm = term;
  searchButton.textContent = "Reset Search";
  searchButton.classList.add("on");
  matchedText.textContent = "Matched: " + formatPercent(sum, D.total);
  return sum;
}
function clearSearch() {
  for (var k = 0; k < hits.length; k++) gs[hits[k]].classList.remove("hit");
  hits = [];
  searching = false;
  searchButton.textContent = "Search";
  searchButton.classList.remove("on");
  matchedText.textContent = " ";
}
function askSearch() {
  var term = window.prompt("Search frames (regular expression on function or file:line):", lastTerm);
  if (term) search(term);
}

// ------------------------------------------------------------------ tooltip
var tipFor = -1;
function frameOf(el) {
  while (el && el !== framesG) {
    if (el.pkIndex !== undefined) return el.pkIndex;
    el = el.parentNode;
  }
  return -1;
}
function hideTip() {
  tip.classList.add("hide");
  tipFor = -1;
  details.textContent = " ";
}
function showTip(j, e) {
  if (j !== tipFor) {
    var lines = describe(j);
    while (tipText.firstChild) tipText.removeChild(tipText.firstChild);
    for (var l = 0; l < lines.length; l++) {
      var span = document.createElementNS(NS, "tspan");
      span.setAttribute("x", "6");
      span.setAttribute("y", String(16 + 15 * l));
      span.textContent = lines[l];
      tipText.appendChild(span);
    }
    tip.classList.remove("hide");
    var box = tipText.getBBox();
    tipRect.setAttribute("width", String(Math.ceil(box.width + 12)));
    tipRect.setAttribute("height", String(15 * lines.length + 8));
    details.textContent = lines[0] + " (" + lines[1] + "): " + lines[2];
    tipFor = j;
  }
  var p = svg.createSVGPoint();
  p.x = e.clientX;
  p.y = e.clientY;
  var m = svg.getScreenCTM();
  if (m) p = p.matrixTransform(m.inverse());
  var w = parseFloat(tipRect.getAttribute("width")), h = parseFloat(tipRect.getAttribute("height"));
  var x = p.x + 12, y = p.y + 16;
  if (x + w > D.width - 2) x = Math.max(2, p.x - 12 - w);
  if (y + h > D.height - 2) y = Math.max(2, p.y - 8 - h);
  tip.setAttribute("transform", "translate(" + x.toFixed(1) + "," + y.toFixed(1) + ")");
}

// ------------------------------------------------------------------ wiring
framesG.addEventListener("click", function (e) {
  var j = frameOf(e.target);
  if (j < 0) return;
  if (DEP[j] === 0) unzoom();
  else zoom(j);
});
framesG.addEventListener("mousemove", function (e) {
  var j = frameOf(e.target);
  if (j < 0) hideTip();
  else showTip(j, e);
});
framesG.addEventListener("mouseleave", hideTip);
unzoomButton.addEventListener("click", unzoom);
searchButton.addEventListener("click", function () {
  if (searching) clearSearch();
  else askSearch();
});
if (svg === document.documentElement) {
  // a standalone graph owns the keyboard: Ctrl-F searches, Escape resets
  document.addEventListener("keydown", function (e) {
    if ((e.ctrlKey || e.metaKey) && (e.key === "f" || e.keyCode === 70)) {
      e.preventDefault();
      askSearch();
    } else if (e.key === "Escape") {
      unzoom();
      clearSearch();
    }
  });
}
svg.perfkitFlame = { zoom: zoom, unzoom: unzoom, search: search, clearSearch: clearSearch, zoomed: function () { return zoomed; } };

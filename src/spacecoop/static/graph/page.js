
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("spacecoop-data").textContent);
  (function unpack() {  // each string and each claim's evidence travel once (render._packed)
    if (!DATA.packed) { return; }
    var S = DATA.strings;
    var pairs = function (list) { return list.map(function (p) { return [S[p[0]], S[p[1]]]; }); };
    DATA.nodes.forEach(function (n) { n.info = pairs(n.info); });
    DATA.edges.forEach(function (e) {
      e.info = pairs(e.info);
      e.links = e.links.map(function (a) {
        var l = { kind: S[a[0]], via: S[a[1]], date: S[a[2]], certainty: S[a[3]], detail: S[a[4]] };
        if (a.length > 5) { l.level = S[a[5]]; }
        return l;
      });
    });
  })();
  var ORDER = ["contradicted", "disputed", "hedged", "unconfirmed", "reported", "stated", "confirmed"];
  var relColor = {};
  DATA.relations.forEach(function (r) { relColor[r.name] = r.color; });

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }
  function leastCertain(list) {
    for (var i = 0; i < ORDER.length; i++) { if (list.indexOf(ORDER[i]) >= 0) { return ORDER[i]; } }
    return list.length ? list[0] : "";
  }
  function startOf(d) {  // a claimed date read as its first day: 2021 -> 2021-01-01
    if (!d) { return ""; }
    if (d.length === 4) { return d + "-01-01"; }
    if (d.length === 7) { return d + "-01"; }
    return d.slice(0, 10);
  }

  document.getElementById("title").textContent = DATA.title;
  document.title = DATA.title;

  // ---------------------------------------------------------------- data sets
  var nodeById = {};
  DATA.nodes.forEach(function (n) { nodeById[n.id] = n; });
  var edgeById = {};
  DATA.edges.forEach(function (e) { edgeById[e.id] = e; });

  function edgeStyle(e, links) {
    var kinds = [], certs = [];
    links.forEach(function (l) { kinds.push(l.kind || e.relation); if (l.certainty) { certs.push(l.certainty); } });
    var cert = leastCertain(certs);
    var kind = kinds.indexOf("membership") >= 0 ? "membership" :
      (kinds.indexOf("co-development") >= 0 ? "co-development" : (kinds[0] || e.relation));
    var color = relColor[kind] || relColor[e.relation] || "#8c8c8c";
    var dashes = false, width = 1 + Math.min(6, Math.log2(1 + links.length));
    var other = e.relation === "involvement" || e.relation === "involved-in";
    if (other) { width = 1; dashes = [2, 3]; }  // a tie that is not national membership
    else if (e.relation === "membership" || e.relation === "participates-in") { width += 1.5; }
    if (cert === "contradicted" || cert === "disputed") { color = DATA.contradictedColor; dashes = [3, 4]; width += 1; }
    else if (cert === "hedged" || cert === "unconfirmed") { dashes = [8, 6]; }
    return { color: { color: color, highlight: color, hover: color, opacity: kind === "co-membership" ? 0.45 : 0.9 },
             dashes: dashes, width: width };
  }

  // On the canvas a bloc goes by its short name (APSCO, not the Asia-Pacific Space Cooperation
  // Organization); the panels, the search and the filters keep the full one.
  var shortOf = {};
  DATA.blocs.forEach(function (b) { if (b.short && b.short.length < b.label.length) { shortOf[b.id] = b.short; } });
  var canvasLabel = {};
  DATA.nodes.forEach(function (n) { canvasLabel[n.id] = shortOf[n.id] || n.label; });
  var visNodes = DATA.nodes.map(function (n) {
    return { id: n.id, label: canvasLabel[n.id], x: n.x, y: n.y, shape: n.shape, size: n.size, value: n.size,
             color: { background: n.color, border: n.bloc ? "#7a1f1f" : "#3a3a3a",
                      highlight: { background: n.color, border: "#000" }, hover: { background: n.color, border: "#000" } },
             borderWidth: n.bloc ? 2 : 1 };
  });
  var visEdges = DATA.edges.map(function (e) {
    var s = edgeStyle(e, e.links);
    return { id: e.id, from: e.from, to: e.to, color: s.color, dashes: s.dashes, width: s.width,
             arrows: DATA.directed ? { to: { enabled: true, scaleFactor: 0.5 } } : undefined };
  });
  var nodes = new vis.DataSet(visNodes);
  var edges = new vis.DataSet(visEdges);
  var big = DATA.nodes.length > 1500;
  var network = new vis.Network(document.getElementById("network"), { nodes: nodes, edges: edges }, {
    physics: { enabled: false },
    layout: { improvedLayout: false, randomSeed: 0 },
    interaction: { hover: true, tooltipDelay: 120, hideEdgesOnDrag: big, hideEdgesOnZoom: big, multiselect: true },
    // Labels grow with the node (blocs and hubs largest) and a label too small to read at the
    // current zoom is not drawn, so the first view shows legible labels, not a heap of them;
    // zooming in brings the rest.
    nodes: { font: { size: 13, face: "system-ui, sans-serif", strokeWidth: 3, strokeColor: "#ffffff" },
             scaling: { min: 8, max: 40, label: { enabled: true, min: 22, max: 44, drawThreshold: 8, maxVisible: 32 } } },
    edges: { smooth: false, selectionWidth: 2 }
  });

  // ---------------------------------------------------------------- legend
  var legend = document.getElementById("legend");
  DATA.kinds.forEach(function (k) {
    var item = el("div", null, "legend-item");
    var sw = el("span", null, "swatch " + k.shape);
    sw.style.background = k.color;
    item.appendChild(sw);
    item.appendChild(el("span", k.label + " (" + k.count + ")"));
    legend.appendChild(item);
  });
  var rlegend = document.getElementById("relation-legend");
  function lineItem(text, color, cls) {
    var item = el("div", null, "legend-item");
    var ln = el("span", null, "line" + (cls ? " " + cls : ""));
    ln.style.borderTopColor = color;
    item.appendChild(ln);
    item.appendChild(el("span", text));
    rlegend.appendChild(item);
  }
  var RELATION_WORDS = {
    "membership": "national member of a bloc (thick)",
    "participates-in": "member in its own name (thick)",
    "involvement": "other tie: sub-national groups, organisations, applicants (thin, dotted)",
    "involved-in": "other tie: sub-national, organisation, applicant (thin, dotted)"
  };
  DATA.relations.forEach(function (r) { lineItem(RELATION_WORDS[r.name] || r.name.replace(/-/g, " "), r.color,
    (r.name === "involvement" || r.name === "involved-in") ? "dotted" : ""); });
  lineItem("hedged or unconfirmed (a claim hedges it)", "#555", "dashed");
  lineItem("contradicted or disputed", DATA.contradictedColor, "dotted");

  // ---------------------------------------------------------------- filters
  var kindBox = document.getElementById("kind-filters");
  var kindOn = {};
  DATA.linkKinds.forEach(function (k) {
    kindOn[k] = DATA.hiddenKinds.indexOf(k) < 0;
    var lab = el("label");
    var cb = el("input"); cb.type = "checkbox"; cb.checked = kindOn[k]; cb.dataset.kind = k;
    cb.addEventListener("change", function () { kindOn[k] = cb.checked; applyFilters(); });
    lab.appendChild(cb); lab.appendChild(el("span", k));
    kindBox.appendChild(lab);
  });
  var blocBox = document.getElementById("bloc-filters");
  var blocOn = {};
  if (!DATA.blocs.length) { blocBox.appendChild(el("div", "no blocs in this view", "hint")); }
  DATA.blocs.forEach(function (b) {
    blocOn[b.id] = true;
    var lab = el("label");
    var cb = el("input"); cb.type = "checkbox"; cb.checked = true; cb.dataset.bloc = b.id;
    cb.addEventListener("change", function () { blocOn[b.id] = cb.checked; applyFilters(); });
    lab.appendChild(cb); lab.appendChild(el("span", b.short === b.label ? b.label : b.short + " — " + b.label));
    blocBox.appendChild(lab);
  });
  var dateInput = document.getElementById("asof");
  var slider = document.getElementById("asof-slider");
  var undated = document.getElementById("undated");
  var hideLonely = document.getElementById("hide-lonely");
  var dateLabel = document.getElementById("date-label");
  slider.min = 0; slider.max = DATA.dates.length; slider.value = DATA.dates.length;
  slider.disabled = DATA.dates.length === 0;
  slider.addEventListener("input", function () {
    var i = parseInt(slider.value, 10);
    dateInput.value = i >= DATA.dates.length ? "" : startOf(DATA.dates[i]);
    applyFilters();
  });
  function moveSlider() {  // the date box moves the slider to the last date on or before it
    var d = dateInput.value || "";
    if (!d) { slider.value = DATA.dates.length; return; }
    var i = 0;
    while (i < DATA.dates.length && startOf(DATA.dates[i]) <= d) { i++; }
    slider.value = Math.max(0, i - 1);
  }
  dateInput.addEventListener("change", function () { moveSlider(); applyFilters(); });
  dateInput.addEventListener("input", function () { moveSlider(); applyFilters(); });
  undated.addEventListener("change", applyFilters);
  hideLonely.addEventListener("change", applyFilters);

  var TIES = ["membership", "involvement", "co-membership", "participates-in", "involved-in"];
  function linkVisible(l, e, asof) {
    if (kindOn[l.kind || e.relation] === false) { return false; }
    if (l.via && blocOn[l.via] === false) { return false; }
    if (asof) {
      // an undated tie to a bloc is never a member on a date: shown only on request (and marked);
      // other undated links (co-development, carriage) are no claim about time and stay
      if (!l.date) { return undated.checked || TIES.indexOf(l.kind || e.relation) < 0; }
      if (startOf(l.date) > asof) { return false; }
    }
    return true;
  }

  var state = { visibleNodes: DATA.nodes.length, visibleEdges: DATA.edges.length, asof: "" };
  function applyFilters() {
    var asof = dateInput.value || "";
    state.asof = asof;
    dateLabel.textContent = asof ? "as of " + asof : "all dates";
    var edgeUpdates = [], shown = {}, hadEdge = {}, visibleEdges = 0;
    DATA.edges.forEach(function (e) {
      hadEdge[e.from] = true; hadEdge[e.to] = true;
      var live = e.links.filter(function (l) { return linkVisible(l, e, asof); });
      var hide = !!(live.length === 0 || (nodeById[e.from].bloc && blocOn[e.from] === false) ||
        (nodeById[e.to].bloc && blocOn[e.to] === false));
      if (!hide) { shown[e.from] = true; shown[e.to] = true; visibleEdges++; }
      var s = edgeStyle(e, live.length ? live : e.links);
      var undatedOnly = !!asof && live.length > 0 && live.every(function (l) {
        return !l.date && TIES.indexOf(l.kind || e.relation) >= 0; });
      if (undatedOnly) { s.dashes = [1, 5]; s.color = { color: "#9d9d9d", highlight: "#555", hover: "#555", opacity: 0.8 }; }
      edgeUpdates.push({ id: e.id, hidden: hide, color: s.color, dashes: s.dashes, width: s.width,
                         label: undatedOnly ? "undated" : undefined, font: { size: 9, color: "#777" } });
    });
    var nodeUpdates = [], visibleNodes = 0;
    DATA.nodes.forEach(function (n) {
      var hide = !!((n.bloc && blocOn[n.id] === false) || (hideLonely.checked && hadEdge[n.id] && !shown[n.id]));
      if (!hide) { visibleNodes++; }
      nodeUpdates.push({ id: n.id, hidden: hide });
    });
    edges.update(edgeUpdates);
    nodes.update(nodeUpdates);
    state.visibleNodes = visibleNodes; state.visibleEdges = visibleEdges;
    document.getElementById("counts").textContent =
      DATA.nodeCount + " nodes, " + DATA.edgeCount + " edges; showing " + visibleNodes + " nodes, " +
      visibleEdges + " edges";
  }

  function fitVisible() {
    // vis-network's own fit() leaves out nodes without edges: name the nodes to fit
    var ids = nodes.getIds({ filter: function (n) { return !n.hidden; } });
    network.fit({ nodes: ids, animation: false });
  }

  // ---------------------------------------------------------------- search
  var search = document.getElementById("search");
  var list = document.getElementById("search-list");
  DATA.nodes.slice(0, 5000).forEach(function (n) { var o = document.createElement("option"); o.value = n.label; list.appendChild(o); });
  function doSearch() {
    var q = search.value.trim().toLowerCase();
    var status = document.getElementById("search-status");
    if (!q) { network.unselectAll(); status.textContent = ""; state.matches = []; return []; }
    var exact = DATA.nodes.filter(function (n) { return n.label.toLowerCase() === q; });
    var hits = exact.length ? exact : DATA.nodes.filter(function (n) {
      return n.label.toLowerCase().indexOf(q) >= 0 || n.id.toLowerCase().indexOf(q) >= 0 ||
        n.aliases.toLowerCase().indexOf(q) >= 0;
    });
    var ids = hits.map(function (n) { return n.id; });
    state.matches = ids;
    status.textContent = ids.length + (ids.length === 1 ? " match" : " matches");
    network.selectNodes(ids, false);
    if (ids.length) {
      network.fit({ nodes: ids, animation: false, maxZoomLevel: 1.0 });
      if (ids.length === 1) { showNode(ids[0]); }
    }
    return ids;
  }
  search.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { doSearch(); } });
  search.addEventListener("change", doSearch);
  document.getElementById("search-go").addEventListener("click", doSearch);

  // ---------------------------------------------------------------- details panel
  var panel = document.getElementById("details");
  function addPairs(dl, pairs) {
    pairs.forEach(function (p) {
      if (p[1] === "" || p[1] === null || p[1] === undefined) { return; }
      dl.appendChild(el("dt", p[0]));
      dl.appendChild(el("dd", p[1]));
    });
  }
  function claimsOf(item) {  // a co-membership names its members' tie edges: their claims too
    if (!item.ties || !item.ties.length) { return item.claims || []; }
    var seen = {}, ids = [];
    var add = function (c) { if (!seen[c]) { seen[c] = true; ids.push(c); } };
    (item.claims || []).forEach(add);
    item.ties.forEach(function (t) { ((edgeById[t] || {}).claims || []).forEach(add); });
    // claims are numbered (or, unpacked, keyed) in the order of their IRIs: the view's order
    if (!claimOrder) {
      claimOrder = {};
      Object.keys(DATA.claims).forEach(function (c, i) { claimOrder[c] = i; });
    }
    return ids.sort(function (a, b) { return claimOrder[a] - claimOrder[b]; });
  }
  var claimOrder = null;
  function evidenceOf(item) {  // each claim's evidence is on the page once: DATA.claims[id]
    var list = [];
    claimsOf(item).forEach(function (c) { list = list.concat(DATA.claims[c] || []); });
    return list;
  }
  function addEvidence(list) {
    if (!list || !list.length) { return; }
    panel.appendChild(el("h2", "Evidence (" + list.length + ")"));
    list.forEach(function (ev) {
      if (ev.quote) { panel.appendChild(el("blockquote", "\u201c" + ev.quote + "\u201d")); }
      else if (ev.detail) { panel.appendChild(el("blockquote", "Compiler's words: " + ev.detail)); }
      if (ev.note) { panel.appendChild(el("p", "Compiler's note: " + ev.note, "source")); }
      var what = [];
      if (ev.status) { what.push(ev.status); }
      if (ev.level) { what.push(ev.level.replace(/-/g, " ") + " level"); }
      if (ev.date) { what.push("dated " + ev.date + (ev.date_inferred_from ? " (inferred: " + ev.date_inferred_from + ")" : "")); }
      if (ev.ordinal) { what.push("accession number " + ev.ordinal); }
      if (ev.as_of) { what.push("listed as of " + ev.as_of + " (not a joining date)"); }
      if (ev.planned) { what.push("planned, not yet done"); }
      if (what.length) { panel.appendChild(el("p", what.join(", "), "source")); }
      var src = el("p", null, "source");
      src.appendChild(el("span", "Says: " + (ev.source_label || ev.source || "(no source)")));
      if (ev.certainty) {
        src.appendChild(el("span", " \u00b7 "));
        src.appendChild(el("span", ev.certainty, "cert-" + ev.certainty));
      }
      panel.appendChild(src);
    });
  }
  function showNode(id) {
    var n = nodeById[id];
    if (!n) { return; }
    clear(panel);
    panel.appendChild(el("h1", n.label));
    var dl = el("dl");
    addPairs(dl, [["Kind", n.kind.replace(/-/g, " ")]]);
    addPairs(dl, n.info);
    n.blocs.forEach(function (b) {
      var bl = nodeById[b];
      addPairs(dl, [["Member of", (bl ? bl.label : b) + (n.since[b] ? " (since " + n.since[b] + ")" : " (no joining date claimed)")]]);
    });
    DATA.edges.forEach(function (e) {  // ties that are not membership, in words
      if (e.relation !== "involvement" && e.relation !== "involved-in") { return; }
      if (e.from !== id && e.to !== id) { return; }
      var other = nodeById[e.from === id ? e.to : e.from];
      var lvl = (e.info.filter(function (p) { return p[0] === "Level"; })[0] || [0, ""])[1];
      addPairs(dl, [["Also tied to", (other ? other.label : "") + (lvl ? " (" + lvl + " level, not a member)" : " (not a member)")]]);
    });
    panel.appendChild(dl);
    addEvidence(evidenceOf(n));
    state.shown = id;
  }
  function showEdge(id) {
    var e = edgeById[id];
    if (!e) { return; }
    clear(panel);
    var a = nodeById[e.from], b = nodeById[e.to];
    panel.appendChild(el("h1", a.label + (DATA.directed ? " \u2192 " : " \u2014 ") + b.label));
    var dl = el("dl");
    addPairs(dl, e.info);
    panel.appendChild(dl);
    if (e.links.length > 1 || (e.links[0] && e.links[0].detail)) {
      panel.appendChild(el("h2", "Links (" + e.links.length + ")"));
      var ul = el("ul");
      e.links.forEach(function (l) {
        ul.appendChild(el("li", [(l.kind || "").replace(/-/g, " "), l.detail, l.level ? l.level + " level" : "",
          l.date ? "since " + l.date : "", l.certainty].filter(Boolean).join(" \u00b7 ")));
      });
      panel.appendChild(ul);
    }
    addEvidence(evidenceOf(e));
    state.shown = id;
  }
  // Hover previews; a click opens what is under the pointer (the node clicked, not the one
  // selected or hovered before) and keeps it open until the next click.
  // ---------------------------------------------------------------- legible labels
  // vis-network draws every label big enough to read at the current zoom, also on top of one
  // another. After each change of zoom the labels are placed greedily, biggest node first: a
  // label that would overlap one already placed is left out until zooming in makes room.
  var labelCtx = document.createElement("canvas").getContext("2d");
  var bySize = DATA.nodes.slice().sort(function (a, b) { return b.size - a.size || (a.id < b.id ? -1 : 1); });
  var labelScale = null, labelShown = {};
  function declutter() {
    var scale = network.getScale(), placed = [], updates = [];
    bySize.forEach(function (n) {
      var body = network.body.nodes[n.id];
      if (!body) { return; }
      var lm = body.labelModule, size = lm.fontOptions ? lm.fontOptions.size : 13;
      var readable = !body.options.hidden && size * scale >= 9;  // smaller is not legible
      var show = false;
      if (readable) {
        labelCtx.font = size + "px " + ((lm.fontOptions && lm.fontOptions.face) || "sans-serif");
        var text = canvasLabel[n.id], w = labelCtx.measureText(text).width + 8, h = size * 1.3 + 4;
        var box = { l: body.x - w / 2, t: body.y + (body.shape.height || body.options.size * 2) / 2, w: w, h: h };
        show = placed.every(function (o) {
          return box.l >= o.l + o.w || o.l >= box.l + box.w || box.t >= o.t + o.h || o.t >= box.t + box.h;
        });
        if (show) { placed.push(box); }
      }
      if (labelShown[n.id] !== show) {
        labelShown[n.id] = show;
        updates.push({ id: n.id, label: show ? canvasLabel[n.id] : "" });
      }
    });
    if (updates.length) { nodes.update(updates); }
  }
  network.on("afterDrawing", function () {
    var scale = network.getScale();
    if (labelScale !== null && Math.abs(scale - labelScale) < 1e-9) { return; }
    labelScale = scale;
    declutter();
  });
  network.on("hoverNode", function (p) { if (!state.pinned) { showNode(p.node); } });
  network.on("hoverEdge", function (p) { if (!state.pinned) { showEdge(p.edge); } });
  network.on("click", function (p) {
    var at = p.pointer && p.pointer.DOM ? network.getNodeAt(p.pointer.DOM) : undefined;
    var id = at !== undefined ? at : (p.nodes.length ? p.nodes[0] : undefined);
    state.pinned = false;
    if (id !== undefined) { showNode(id); state.pinned = true; }
    else {
      var eid = p.pointer && p.pointer.DOM ? network.getEdgeAt(p.pointer.DOM) : undefined;
      if (eid === undefined && p.edges.length) { eid = p.edges[0]; }
      if (eid !== undefined) { showEdge(eid); state.pinned = true; }
    }
  });
  document.getElementById("reset-view").addEventListener("click", function () {
    state.pinned = false; network.unselectAll(); fitVisible();
  });

  applyFilters();
  var api = { network: network, nodes: nodes, edges: edges, data: DATA, state: state,
              applyFilters: applyFilters, fit: fitVisible, search: doSearch, showNode: showNode, showEdge: showEdge };
  window.spacecoop = api;
  window.network = network; window.nodes = nodes; window.edges = edges;
  network.once("afterDrawing", function () {
    network.setSize("100%", "100%");
    network.redraw();
    fitVisible();  // once the grid has its final size
    state.drawn = true;
    state.readyMs = performance.now();  // since navigation started
    document.body.dataset.ready = "1";
  });
})();

// clusterplan report: draws the charts (visible ones first, the rest in the background), sorts the
// ranking table, and makes charts print as static pictures. Nothing here touches the network.
(function () {
  "use strict";
  var PREFIX = "@@shared:";
  var shared = JSON.parse(document.getElementById("report-shared").textContent);
  var root = document.documentElement;
  var config = {
    displaylogo: false,
    // Resizing is done below, not by plotly, so that printing keeps the on-screen layout (scaled by CSS).
    responsive: false,
    modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines",
      "hoverClosestCartesian", "hoverCompareCartesian"],
    toImageButtonOptions: {format: "svg"}
  };

  function resolve(value) {
    if (typeof value === "string" && value.indexOf(PREFIX) === 0) {
      var key = value.slice(PREFIX.length);
      return Object.prototype.hasOwnProperty.call(shared, key) ? shared[key] : value;
    }
    if (Array.isArray(value)) { return value.map(resolve); }
    if (value && typeof value === "object") {
      Object.keys(value).forEach(function (k) { value[k] = resolve(value[k]); });
    }
    return value;
  }

  // A viewBox on each SVG layer lets print CSS scale the chart to the page width.
  function freeze(div) {
    var layout = div._fullLayout;
    if (!layout) { return; }
    var w = layout.width, h = layout.height;
    div.querySelectorAll("svg.main-svg").forEach(function (svg) {
      svg.setAttribute("viewBox", "0 0 " + w + " " + h);
      svg.setAttribute("preserveAspectRatio", "xMidYMin meet");
    });
    var box = div.querySelector(".svg-container");
    if (box) { box.style.setProperty("--aspect", w + " / " + h); }
  }

  var charts = Array.prototype.slice.call(document.querySelectorAll(".chart[data-spec]"));
  var drawn = 0, failed = 0;

  function settle() {
    root.setAttribute("data-charts-drawn", String(drawn));
    if (drawn + failed === charts.length) { root.setAttribute("data-charts-ready", failed ? "errors" : "true"); }
  }

  function draw(div) {
    if (div._drawing) { return div._drawing; }
    var spec = JSON.parse(document.getElementById(div.getAttribute("data-spec")).textContent);
    var placeholder = div.querySelector(".chart-placeholder");
    if (placeholder) { placeholder.remove(); }
    div.style.minHeight = "";
    spec.layout.autosize = true;
    div._drawing = Plotly.newPlot(div, resolve(spec.data), spec.layout, config).then(function () {
      freeze(div);
      div.on("plotly_afterplot", function () { freeze(div); });
      drawn += 1;
      settle();
    }, function (error) {
      failed += 1;
      settle();
      console.error("chart " + div.id + " could not be drawn: " + error);
    });
    return div._drawing;
  }

  function drawAll() { return Promise.all(charts.map(draw)); }

  var printing = window.matchMedia ? window.matchMedia("print") : {matches: false};
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    if (printing.matches) { return; }
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      charts.forEach(function (div) { if (div._fullLayout) { Plotly.Plots.resize(div); } });
    }, 250);
  });
  window.clusterplanReport = {drawAll: drawAll, chartCount: charts.length};

  // Visible charts first; the rest one at a time in the background, so the page is usable at once
  // and every chart exists by the time anyone prints.
  if ("IntersectionObserver" in window) {
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) { observer.unobserve(entry.target); draw(entry.target); }
      });
    }, {rootMargin: "400px"});
    charts.forEach(function (div) { observer.observe(div); });
  }
  var queue = charts.slice();
  function background() {
    var next = queue.shift();
    if (!next) { return; }
    draw(next).then(function () { setTimeout(background, 0); });
  }
  window.addEventListener("load", function () { setTimeout(background, 50); });
  window.addEventListener("beforeprint", drawAll);
  if (!charts.length) { settle(); }

  // Sortable tables: a button in each heading; numbers sort by data-value, text by its letters.
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    heads.forEach(function (th, col) {
      var button = th.querySelector("button");
      if (!button) { return; }
      button.addEventListener("click", function () {
        // As the dashboard does: a first click sorts numbers largest first and text A to Z; a second reverses.
        var text = th.getAttribute("data-type") === "text";
        var current = th.getAttribute("aria-sort");
        var ascending = current === "none" || !current ? text : current === "descending";
        heads.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        function key(row) {
          var raw = row.cells[col].getAttribute("data-value");
          if (text) { return (raw || row.cells[col].textContent).toLowerCase(); }
          var n = parseFloat(raw);
          return isNaN(n) ? -Infinity : n;
        }
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
})();

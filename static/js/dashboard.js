/* Renders every chart from its JSON (embedded by the server, same data as the table).
   Charts follow their container's width: a window resize or a phone turned, and a container that changes
   width by itself (a section opened, a chart drawn while hidden) through a ResizeObserver. Each chart is
   drawn by static/js/chart-fit.js (titles wrap, the source note goes under the chart, legends are placed
   after measuring, no toolbar on phones); on small screens app.css hides the Plotly toolbar as well. */
(function () {
  "use strict";
  function draw(el) {
    var promise = window.ChartFit ? window.ChartFit.plot(el, el._fig, el._config)
      : window.Plotly.newPlot(el, el._fig.data, el._fig.layout, el._config);
    return promise.then(function () { el._fitWidth = el.offsetWidth; });
  }
  function fit(el) {
    var width = el.offsetWidth;
    if (width > 0 && el._fitWidth !== undefined && Math.abs(width - el._fitWidth) >= 8 && window.Plotly) {
      el._fitWidth = width;  // height changes (the chart drawing itself) need no new layout
      if (window.ChartFit) { draw(el); } else { window.Plotly.Plots.resize(el); }
    }
  }
  var pending = new Set();
  var observer = window.ResizeObserver ? new window.ResizeObserver(function (entries) {
    entries.forEach(function (entry) { pending.add(entry.target); });
    window.requestAnimationFrame(function () {  // once a frame, whatever the number of changes
      pending.forEach(fit);
      pending.clear();
    });
  }) : null;
  function render() {
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source || !window.Plotly) { return; }
      el._fig = JSON.parse(source.textContent);
      el._config = { responsive: true, displaylogo: false, locale: "da",
                     modeBarButtonsToRemove: ["select2d", "lasso2d"] };
      draw(el).then(function () { if (observer) { observer.observe(el); } });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
}());

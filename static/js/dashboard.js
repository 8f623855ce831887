/* Renders every chart from its JSON (embedded by the server, same data as the table).
   Charts follow their container's width: a window resize or a phone turned (Plotly's `responsive`), and a
   container that changes width by itself (a section opened, a chart drawn while hidden) through a
   ResizeObserver. On small screens the Plotly toolbar is hidden (app.css): it covered the titles, and the
   figure's table links download the data. */
(function () {
  "use strict";
  function fit(el) {
    var width = el.offsetWidth;
    if (width > 0 && width !== el._fitWidth && window.Plotly && el.classList.contains("js-plotly-plot")) {
      el._fitWidth = width;  // height changes (the chart drawing itself) need no new layout
      window.Plotly.Plots.resize(el);
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
      var fig = JSON.parse(source.textContent);
      var config = { responsive: true, displaylogo: false, locale: "da",
                     modeBarButtonsToRemove: ["select2d", "lasso2d"] };
      window.Plotly.newPlot(el, fig.data, fig.layout, config).then(function () {
        el._fitWidth = el.offsetWidth;
        if (observer) { observer.observe(el); }
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
}());

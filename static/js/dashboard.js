/* Renders every chart from its JSON (embedded by the server, same data as the table). */
(function () {
  "use strict";
  function render() {
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source || !window.Plotly) { return; }
      var fig = JSON.parse(source.textContent);
      var config = { responsive: true, displaylogo: false, locale: "da",
                     modeBarButtonsToRemove: ["select2d", "lasso2d"] };
      if (window.ChartFit) {  // static/js/chart-fit.js: titles wrap, notes under the chart, no toolbar on phones
        window.ChartFit.plot(el, fig, config);
      } else {
        window.Plotly.newPlot(el, fig.data, fig.layout, config);
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
}());

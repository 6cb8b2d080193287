// Draw every plotly figure on the page: <div data-plotly="ID"> holds the chart, <script id="ID"> its JSON
// (built by reports/charts.py). plotly.js comes from static/vendor/ (a bundle of the trace types we draw, scripts/plotly/), never from a CDN.
(function () {
  "use strict";
  document.querySelectorAll("[data-plotly]").forEach(function (element) {
    var source = document.getElementById(element.dataset.plotly);
    if (!source || !window.Plotly) return;
    var figure = JSON.parse(source.textContent);
    window.Plotly.newPlot(element, figure.data, figure.layout, { displayModeBar: false, responsive: true });
  });
})();

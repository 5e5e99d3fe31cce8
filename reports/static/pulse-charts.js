// Draws every div.pulse-chart that has a data-figure attribute ({data, layout, config}) with plotly.js.
// Served from the app ('self') with plotly.min.js, so pages need no inline script (CSP script-src 'self').
(function () {
  function draw() {
    if (!window.Plotly) { return; }
    document.querySelectorAll("div.pulse-chart[data-figure]").forEach(function (div) {
      if (div.dataset.drawn) { return; }
      var figure = JSON.parse(div.getAttribute("data-figure"));
      window.Plotly.newPlot(div, figure.data, figure.layout, figure.config || {});
      div.dataset.drawn = "1";
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();

// The console's progressive enhancement: dates and numbers in the reader's own locale and time
// zone, and the insight charts. Every page reads fine without it.
(function () {
  "use strict";
  var dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  var numFmt = new Intl.NumberFormat(undefined);

  function localise(root) {
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (!isNaN(d)) {
        el.title = el.textContent;
        el.textContent = dateFmt.format(d);
      }
    });
    root.querySelectorAll("[data-num]").forEach(function (el) {
      var n = Number(el.getAttribute("data-num"));
      if (!isNaN(n)) el.textContent = numFmt.format(n) + (el.getAttribute("data-unit") || "");
    });
  }

  function charts(root) {
    if (typeof Chart === "undefined") return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) return;
      var src = document.getElementById(canvas.getAttribute("data-chart"));
      if (!src) return;
      canvas.dataset.drawn = "1";
      var spec = JSON.parse(src.textContent);
      new Chart(canvas, {
        type: spec.type || "bar",
        data: spec.data,
        options: Object.assign({ responsive: true, maintainAspectRatio: false, animation: false,
          plugins: { legend: { position: "bottom" } } }, spec.options || {})
      });
    });
  }

  function enhance(root) { localise(root); charts(root); }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSettle", function (e) { enhance(e.target); });
})();

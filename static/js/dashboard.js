// Đồng Hành: the leaders' dashboard. Draws the class-size trend with Chart.js from the numbers
// the page carries (json_script), whether the dashboard came with the page or by htmx.
// No inline script (CSP); the same numbers are in a table for screen readers and printing.
(function () {
  "use strict";

  const COLORS = ["#0f5c4d", "#d4851c", "#3a6fb0", "#a23b72", "#6b8e23", "#7a5c3e"];

  function draw(canvas) {
    if (canvas.dataset.drawn || typeof window.Chart === "undefined") {
      return;
    }
    const source = document.getElementById(canvas.dataset.chart);
    if (!source) {
      return;
    }
    const data = JSON.parse(source.textContent);
    const datasets = data.series.map((s, i) => ({
      label: s.label,
      data: s.values,
      borderColor: COLORS[i % COLORS.length],
      backgroundColor: COLORS[i % COLORS.length],
      tension: 0,
      pointRadius: 2,
    }));
    canvas.dataset.drawn = "1";
    new window.Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: true,
        aspectRatio: window.innerWidth < 576 ? 1.3 : 2.6,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
        // One line per grade block on one axis; the whole school's total is in the table (a
        // second axis would make a change of a few students look like a collapse).
        scales: { y: { ticks: { precision: 0 } } },
      },
    });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", () => drawAll(document));
  // htmx fills the home page's panel after load.
  document.addEventListener("htmx:load", (event) => drawAll(event.target));
  // Print the tables that are folded on screen.
  window.addEventListener("beforeprint", () => {
    document.querySelectorAll("details[data-print-open]").forEach((d) => {
      d.open = true;
    });
  });
})();

// Chart.js charts configured from JSON blocks on the page (no inline scripts: the CSP forbids them).
(function () {
  "use strict";

  function readJSON(id) {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function brandColour() {
    const value = getComputedStyle(document.documentElement).getPropertyValue("--brand").trim();
    return /^#[0-9a-fA-F]{6}$/.test(value) ? value : "#4f46e5";
  }

  function translucent(hex, alpha) {
    const n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + alpha + ")";
  }

  const baseOptions = {
    responsive: true,
    maintainAspectRatio: false,
    interaction: { mode: "index", intersect: false },
    scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    plugins: { legend: { position: "bottom" } },
  };

  // <canvas data-usage-chart data-source="json-id" data-select="#select">: one resource at a time.
  function usageChart(canvas) {
    const data = readJSON(canvas.dataset.source);
    const select = document.querySelector(canvas.dataset.select);
    if (!data || !select) return;
    const colour = brandColour();
    let chart = null;
    function draw(resource) {
      const series = data[resource];
      if (!series) return;
      const datasets = [{
        label: series.label, data: series.values, borderColor: colour,
        backgroundColor: translucent(colour, 0.15), fill: true, tension: 0.25, spanGaps: true,
      }];
      if (series.limit !== null) {
        datasets.push({
          label: "Limit", data: series.labels.map(function () { return series.limit; }),
          borderColor: "#dc3545", borderDash: [6, 4], pointRadius: 0, fill: false,
        });
      }
      if (chart) chart.destroy();
      chart = new Chart(canvas, { type: "line", data: { labels: series.labels, datasets: datasets }, options: baseOptions });
    }
    select.addEventListener("change", function () { draw(select.value); });
    draw(select.value);
  }

  // <canvas data-chart data-source="json-id">: {"type", "labels", "datasets": [{"label", "values"}]};
  // a dataset may name its own "color" (#rrggbb), "type" (a line over bars, say) and "axis":
  // "right" gives it a scale of its own, so a few submissions still show beside a thousand views.
  function simpleChart(canvas) {
    const spec = readJSON(canvas.dataset.source);
    if (!spec) return;
    const brand = brandColour();
    const options = Object.assign({}, baseOptions, { scales: Object.assign({}, baseOptions.scales) });
    if (spec.datasets.some(function (set) { return set.axis === "right"; })) {
      options.scales.right = {
        position: "right", beginAtZero: true, ticks: { precision: 0 }, grid: { drawOnChartArea: false },
      };
    }
    new Chart(canvas, {
      type: spec.type || "bar",
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (set) {
          const named = set.color || set.colour || "";
          const colour = /^#[0-9a-fA-F]{6}$/.test(named) ? named : brand;
          return {
            label: set.label, data: set.values, type: set.type || undefined,
            yAxisID: set.axis === "right" ? "right" : "y",
            borderColor: colour, backgroundColor: translucent(colour, set.type === "line" ? 0.15 : 0.6),
          };
        }),
      },
      options: options,
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof Chart === "undefined") return;
    document.querySelectorAll("canvas[data-usage-chart]").forEach(usageChart);
    document.querySelectorAll("canvas[data-chart]").forEach(simpleChart);
  });
})();

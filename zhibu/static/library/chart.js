// The learning-hours chart: pass rate (bars) and average hours (line), data from json_script.
(function () {
  const el = document.querySelector("[data-chart]");
  if (!el || !window.echarts) return;
  const source = document.getElementById(el.dataset.chart);
  if (!source) return;
  const data = JSON.parse(source.textContent);
  if (!data.names.length) { el.hidden = true; return; }
  const chart = window.echarts.init(el);
  const rate = gettext("达标率（%）"), hours = gettext("人均学时");
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { data: [rate, hours] },
    grid: { left: 40, right: 40, bottom: 80 },
    xAxis: { type: "category", data: data.names, axisLabel: { rotate: 40, interval: 0 } },
    yAxis: [{ type: "value", max: 100, name: "%" }, { type: "value", name: gettext("学时") }],
    series: [
      { name: rate, type: "bar", data: data.rate, itemStyle: { color: "#b71c1c" } },
      { name: hours, type: "line", yAxisIndex: 1, data: data.average },
    ],
  });
  window.addEventListener("resize", () => chart.resize());
})();

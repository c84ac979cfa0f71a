// Training statistics chart: person-times per year, stacked by class category (data from json_script).
document.addEventListener("DOMContentLoaded", () => {
  const el = document.getElementById("chart-years");
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  if (!el || !window.echarts) return;
  const chart = window.echarts.init(el);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { type: "scroll", bottom: 0 },
    grid: { left: 50, right: 20, top: 20, bottom: 60 },
    xAxis: { type: "category", data: data.years },
    yAxis: { type: "value", name: gettext("人次") },
    series: data.series.map((s) => ({ name: s.name, type: "bar", stack: "all", data: s.data })),
  });
  window.addEventListener("resize", () => chart.resize());
});

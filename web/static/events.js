// Draws the event report's charts with ECharts from <script type="application/json" id="event-report-data">.
(() => {
  const source = document.getElementById('event-report-data');
  if (!source || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const textStyle = {fontFamily: '"Noto Sans CJK SC", "WenQuanYi Zen Hei", sans-serif'};
  const tooltip = {renderMode: 'richText'};  // HTML tooltips would need inline styles, which the CSP refuses
  function draw(id, option) {
    const el = document.getElementById(id);
    if (!el) return;
    echarts.init(el).setOption(Object.assign({textStyle, tooltip, animation: false}, option));
    el.dataset.rendered = '1';
  }
  draw('chart-outcomes', {series: [{type: 'pie', radius: '65%', data: data.outcomes.filter((o) => o.value > 0).map((o) => ({name: o.label, value: o.value}))}]});
  draw('chart-county', {
    legend: {top: 0}, xAxis: {type: 'category', data: data.by_county.map((r) => r.label)}, yAxis: {type: 'value', minInterval: 1},
    series: data.outcomes.map((o) => ({name: o.label, type: 'bar', stack: 'all', data: data.by_county.map((r) => r[o.key])})),
  });
})();

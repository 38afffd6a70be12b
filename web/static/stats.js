// Draws the /stats charts with ECharts from the JSON in <script type="application/json" id="stats-data">.
// A chart whose breakdown is empty has no container (the page says 暂无数据 instead), so it is skipped.
(() => {
  const source = document.getElementById('stats-data');
  if (!source || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const font = {fontFamily: '"Noto Sans CJK SC", "WenQuanYi Zen Hei", sans-serif'};
  // richText tooltips are drawn on the canvas: ECharts' HTML tooltips carry inline style attributes,
  // which the Content-Security-Policy (style-src 'self') refuses.
  const tooltip = {renderMode: 'richText'};
  const charts = [];
  function draw(id, option) {
    const el = document.getElementById(id);
    if (!el) return;
    const chart = echarts.init(el);
    chart.setOption(Object.assign({textStyle: font, tooltip}, option));
    charts.push(chart);
    el.dataset.rendered = '1';
  }
  const first = data.funnel.length ? data.funnel[0].value : 0;
  draw('chart-funnel', {series: [{type: 'funnel', sort: 'none', minSize: '6%', gap: 2, left: '4%', width: '56%', top: 10, bottom: 10,
    data: data.funnel.map((s) => ({name: s.stage, value: s.value})),
    label: {position: 'right', formatter: (p) => `${p.name}：${p.value} 项` + (first ? `（${(100 * p.value / first).toFixed(1)}%）` : '')}}]});
  const grid = {left: 8, right: 8, bottom: 8, top: 24, containLabel: true};
  for (const [cid, c] of Object.entries(data.charts)) {
    const names = c.rows.map((r) => r.label), values = c.rows.map((r) => r.value);
    if (c.by === 'type') draw('chart-' + cid, {series: [{type: 'pie', radius: '60%', data: c.rows.map((r) => ({name: r.label, value: r.value}))}]});
    else if (c.by === 'month') draw('chart-' + cid, {grid, xAxis: {type: 'category', data: names}, yAxis: {type: 'value', minInterval: 1}, series: [{type: 'line', data: values, smooth: true}]});
    else draw('chart-' + cid, {grid, xAxis: {type: 'category', data: names, axisLabel: {rotate: 30}}, yAxis: {type: 'value', minInterval: 1}, series: [{type: 'bar', data: values}]});
  }
  window.addEventListener('resize', () => charts.forEach((c) => c.resize()));
})();

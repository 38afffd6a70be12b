// Draws the /stats charts with ECharts from the JSON in <script type="application/json" id="stats-data">.
(() => {
  const source = document.getElementById('stats-data');
  if (!source || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const font = {fontFamily: '"Noto Sans CJK SC", "WenQuanYi Zen Hei", sans-serif'};
  // richText tooltips are drawn on the canvas: ECharts' HTML tooltips carry inline style attributes,
  // which the Content-Security-Policy (style-src 'self') refuses.
  const tooltip = {renderMode: 'richText'};
  function draw(id, option) {
    const el = document.getElementById(id);
    if (!el) return;
    const chart = echarts.init(el);
    chart.setOption(Object.assign({textStyle: font, tooltip}, option));
    el.dataset.rendered = '1';
  }
  draw('chart-funnel', {series: [{type: 'funnel', sort: 'none', data: data.funnel.map((s) => ({name: s.stage, value: s.value})), label: {formatter: '{b}: {c}'}}]});
  for (const [cid, c] of Object.entries(data.charts)) {
    const names = c.rows.map((r) => r.label), values = c.rows.map((r) => r.value);
    if (c.by === 'type') draw('chart-' + cid, {series: [{type: 'pie', radius: '65%', data: c.rows.map((r) => ({name: r.label, value: r.value}))}]});
    else if (c.by === 'month') draw('chart-' + cid, {xAxis: {type: 'category', data: names}, yAxis: {type: 'value'}, series: [{type: 'line', data: values, smooth: true}]});
    else draw('chart-' + cid, {xAxis: {type: 'category', data: names, axisLabel: {rotate: 30}}, yAxis: {type: 'value'}, series: [{type: 'bar', data: values}]});
  }
})();

// Autocomplete on /search from /api/search/suggest (titles and IPC codes) into the query's datalist.
(() => {
  const q = document.querySelector('[data-testid=q]'), list = document.getElementById('suggestions');
  if (!q || !list) return;
  let timer;
  q.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (!q.value.trim()) return;
      const type = document.querySelector('select[name=type]').value;
      const r = await fetch('/api/search/suggest?type=' + encodeURIComponent(type) + '&prefix=' + encodeURIComponent(q.value.trim()));
      if (!r.ok) return;
      const options = (await r.json()).map((s) => { const o = document.createElement('option'); o.value = s; return o; });
      list.replaceChildren(...options);
    }, 150);
  });
})();

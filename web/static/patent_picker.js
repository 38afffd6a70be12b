// The offer form's patent picker: searches the chosen owner's granted, valid patents through
// GET /api/patents (every page of them, not only the first ones the page lists), moves ticked patents to
// the "picked" list, and starts over when an agency switches the owner it publishes for.
(() => {
  const picker = document.querySelector('[data-patent-picker]');
  if (!picker) return;
  const picked = picker.querySelector('[data-picked]');
  const candidates = picker.querySelector('[data-candidates]');
  const q = picker.querySelector('[data-patent-q]');
  const status = picker.querySelector('[data-picker-status]');
  const moreWrap = picker.querySelector('[data-picker-more-wrap]');
  const more = picker.querySelector('[data-picker-more]');
  const ownerSelect = document.querySelector('[data-owner-select]');
  const pageSize = Number(picker.dataset.pageSize) || 20;
  let page = 1, timer = null, seq = 0;

  const pickedIds = () => new Set([...picked.querySelectorAll('input[name=patent_ids]')].map((i) => i.value));

  function row(p) {
    const label = document.createElement('label');
    label.className = 'patent';
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.name = 'patent_ids';
    box.value = String(p.id);
    label.append(box, ` ${p.application_number} ${p.title}（${p.legal_status_zh}）`);
    return label;
  }

  async function load(append) {
    const mine = ++seq;
    const params = new URLSearchParams({owner_org_id: picker.dataset.owner, legal_status: 'valid',
                                        page: String(page), page_size: String(pageSize)});
    const text = q.value.trim();
    if (text) params.set('q', text);
    status.textContent = '正在查找…';
    let body;
    try {
      const r = await fetch('/api/patents?' + params.toString(), {headers: {Accept: 'application/json'}});
      if (!r.ok) throw new Error(String(r.status));
      body = await r.json();
    } catch (e) {
      if (mine === seq) status.textContent = '专利查找失败，请稍后重试。';
      return;
    }
    if (mine !== seq) return;  // a later search answered first
    const have = pickedIds();
    const rows = body.items.filter((p) => !have.has(String(p.id))).map(row);
    if (append) candidates.append(...rows); else candidates.replaceChildren(...rows);
    const shown = (page - 1) * pageSize + body.items.length;
    if (body.total === 0) {
      status.textContent = text ? `未找到与“${text}”相关的有效专利。` : '该权利人名下暂无已授权且有效的专利。';
    } else {
      status.textContent = (text ? `找到 ${body.total} 件有效专利` : `共 ${body.total} 件有效专利`) +
        (shown < body.total ? `，已显示 ${shown} 件。` : '。');
    }
    moreWrap.hidden = shown >= body.total;
  }

  q.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => { page = 1; load(false); }, 250);
  });
  q.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { e.preventDefault(); clearTimeout(timer); page = 1; load(false); }
  });
  more.addEventListener('click', () => { page += 1; load(true); });
  candidates.addEventListener('change', (e) => {
    if (e.target.checked) picked.append(e.target.closest('label'));
  });
  picked.addEventListener('change', (e) => {
    if (!e.target.checked) candidates.prepend(e.target.closest('label'));
  });
  if (ownerSelect) {
    ownerSelect.addEventListener('change', () => {
      picker.dataset.owner = ownerSelect.value;
      const name = ownerSelect.selectedOptions[0].textContent.replace('（托管代理）', '');
      picker.querySelector('[data-owner-name]').textContent = name;
      picker.querySelector('[data-patent-register]').href = '/patents/new?owner_org_id=' + ownerSelect.value;
      picker.querySelector('[data-patent-manage]').href = '/patents?org_id=' + ownerSelect.value;
      picked.replaceChildren();
      q.value = '';
      page = 1;
      load(false);
    });
  }
  // Paging for the list the page rendered: offer "more" when it showed fewer than the owner holds.
  if (/已显示|其余/.test(status.textContent)) moreWrap.hidden = false;
})();

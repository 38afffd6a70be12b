// The top menu stays on one line: when its entries do not fit (desktop widths), the least central ones move
// into a "更多" menu — first publishing and one's own work (order 20–49), then the rest from the end — and come
// back when there is room again. On phones (≤ 760 px) the menu row scrolls sideways instead.
(() => {
  const nav = document.querySelector('header.top nav');
  const more = nav && nav.querySelector('.nav-more');
  if (!more) return;
  const box = more.querySelector('.nav-menu-items');
  const items = [...nav.querySelectorAll(':scope > a[data-order]')];
  const narrow = window.matchMedia('(max-width: 760px)');
  const rank = (a) => { const o = Number(a.dataset.order); return (o >= 20 && o < 50 ? 1000 : 0) + o; };
  const candidates = items.filter((a) => Number(a.dataset.order) >= 12).sort((a, b) => rank(b) - rank(a));
  const header = nav.closest('header');
  const overflowing = () => nav.scrollWidth > nav.clientWidth + 1 || header.scrollWidth > header.clientWidth + 1;
  function layout() {
    more.open = false;
    for (const a of items) more.before(a); // back in their order
    more.hidden = true;
    if (narrow.matches) return;
    more.hidden = false;
    for (const a of candidates) {
      if (!overflowing()) break;
      box.prepend(a);
    }
    const moved = [...box.children].sort((a, b) => items.indexOf(a) - items.indexOf(b));
    moved.forEach((a) => box.append(a));
    more.hidden = moved.length === 0;
  }
  layout();
  let timer;
  window.addEventListener('resize', () => { clearTimeout(timer); timer = setTimeout(layout, 100); });
  document.addEventListener('click', (e) => { // a click elsewhere closes an open menu
    for (const d of document.querySelectorAll('header.top details.nav-menu[open]')) if (!d.contains(e.target)) d.open = false;
  });
})();

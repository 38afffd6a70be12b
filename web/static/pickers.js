// Form pickers: the GB/T 4754 industry picker's second select follows the division chosen in the first
// (data from the <script type="application/json" data-industry-tree> next to it).
(() => {
  for (const picker of document.querySelectorAll('[data-industry-picker]')) {
    const division = picker.querySelector('[data-industry-division]');
    const detail = picker.querySelector('[data-industry-detail]');
    const data = picker.querySelector('[data-industry-tree]');
    if (!division || !detail || !data) continue;
    const tree = JSON.parse(data.textContent);
    division.addEventListener('change', () => {
      const first = detail.options[0];
      const options = (tree[division.value] || []).map(([code, text]) => new Option(text, code));
      detail.replaceChildren(first, ...options);
      detail.value = '';
      detail.disabled = options.length === 0;
    });
    detail.disabled = detail.options.length <= 1;
  }
})();

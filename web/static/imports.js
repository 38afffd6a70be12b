// Import job page: polls the job's progress (GET /api/imports/jobs/{id}, the login cookie authenticates the
// read) and reloads the page, which then shows the result, once the background job has finished.
(() => {
  const source = document.getElementById('import-job');
  if (!source) return;
  const {url} = JSON.parse(source.textContent);
  const bar = document.getElementById('import-bar');
  const status = document.getElementById('import-status');
  async function poll() {
    try {
      const resp = await fetch(url, {headers: {Accept: 'application/json'}, credentials: 'same-origin'});
      if (resp.ok) {
        const job = await resp.json();
        bar.value = job.percent;
        status.textContent = `正在处理：已读取 ${job.rows} 行（${job.percent}%）`;
        if (job.done) { window.location.reload(); return; }
      }
    } catch (e) { /* the network blinked: try again */ }
    setTimeout(poll, 800);
  }
  setTimeout(poll, 500);
})();

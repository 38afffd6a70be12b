// Starts ReDoc on /redoc (the OpenAPI address from the page's data-config; no inline script, see web/security.py).
(() => {
  const root = document.getElementById('redoc');
  const config = JSON.parse(root.dataset.config);
  Redoc.init(config.url, {hideDownloadButton: false, expandResponses: '200,201'}, root);
})();

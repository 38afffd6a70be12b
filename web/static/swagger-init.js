// Starts Swagger UI on /docs (settings from the page's data-config; no inline script, see web/security.py).
(() => {
  const root = document.getElementById('swagger-ui');
  const config = JSON.parse(root.dataset.config);
  window.ui = SwaggerUIBundle({
    url: config.url, dom_id: '#swagger-ui', layout: 'BaseLayout', deepLinking: true,
    showExtensions: true, showCommonExtensions: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    // A browser logged in with the site's cookie sends the CSRF token with "Try it out".
    requestInterceptor: (req) => { req.headers['X-CSRF-Token'] = config.csrfToken; return req; },
  });
})();

// Starts Swagger UI on the API's own OpenAPI document. A file of its own (not an inline script),
// so /docs runs under the same Content-Security-Policy as the web app (script-src 'self').
window.addEventListener("load", () => {
  window.ui = window.SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui" });
});

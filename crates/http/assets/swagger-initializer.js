// Swagger UI reads the service's own document; the online validator badge
// (which would call validator.swagger.io) is turned off.
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  displayRequestDuration: true,
});

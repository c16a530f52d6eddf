// ReDoc renders the service's own document.
Redoc.init("/openapi.json", { expandResponses: "200,201" }, document.getElementById("redoc"));

//! `/openapi.json`, and the Swagger UI (`/docs`) and ReDoc (`/redoc`) pages that
//! read it. Every asset is compiled into the binary (see `assets/VERSIONS` and
//! `scripts/vendor-doc-assets`), and the pages' Content-Security-Policy lets them
//! load nothing from anywhere else, so they work with no internet access.

use actix_web::http::header::{self, ContentType};
use actix_web::{web, HttpResponse};

use crate::openapi::Document;

/// Scripts, styles, images and connections from this server only. Inline styles
/// are allowed because both UIs set element styles at run time; ReDoc renders in a
/// blob worker.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
     connect-src 'self'; worker-src 'self' blob:; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        path: "/docs",
        content_type: "text/html; charset=utf-8",
        body: include_bytes!("../assets/swagger-ui.html"),
    },
    Asset {
        path: "/docs/swagger-ui-bundle.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/swagger-ui/swagger-ui-bundle.js"),
    },
    Asset {
        path: "/docs/swagger-ui.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../assets/swagger-ui/swagger-ui.css"),
    },
    Asset {
        path: "/docs/swagger-initializer.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/swagger-initializer.js"),
    },
    Asset {
        path: "/docs/favicon-32x32.png",
        content_type: "image/png",
        body: include_bytes!("../assets/swagger-ui/favicon-32x32.png"),
    },
    Asset {
        path: "/redoc",
        content_type: "text/html; charset=utf-8",
        body: include_bytes!("../assets/redoc.html"),
    },
    Asset {
        path: "/redoc/redoc.standalone.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/redoc/redoc.standalone.js"),
    },
    Asset {
        path: "/redoc/redoc-initializer.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/redoc-initializer.js"),
    },
];

/// Registers the documentation routes at the root. Any other path under `/docs`
/// or `/redoc` falls through to the JSON 404.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/openapi.json", web::get().to(openapi_json));
    for asset in ASSETS {
        cfg.route(
            asset.path,
            web::get().to(move || async move {
                HttpResponse::Ok()
                    .insert_header((header::CONTENT_TYPE, asset.content_type))
                    .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
                    .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                    .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
                    .body(asset.body)
            }),
        );
    }
}

async fn openapi_json(document: web::Data<Document>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .json(&document.0)
}

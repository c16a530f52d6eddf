//! `/products`: list, read, create and change products.

use actix_web::{web, HttpRequest, HttpResponse};
use domain::{Cents, NewProduct, ProductChanges, ProductId, ProductName};
use persistence::{Product, Store};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::extract::{required, JsonBody, Patch, QueryParams};
use crate::fallback::resource;
use crate::{created, ApiConfig};

/// A product as the API shows it.
#[derive(Debug, Serialize)]
pub struct ProductJson<'a> {
    id: i64,
    name: &'a str,
    price_cents: i64,
}

impl<'a> From<&'a Product> for ProductJson<'a> {
    fn from(product: &'a Product) -> Self {
        Self {
            id: product.id,
            name: &product.name,
            price_cents: product.price_cents,
        }
    }
}

#[derive(Serialize)]
struct ProductListJson<'a> {
    products: Vec<ProductJson<'a>>,
    total: i64,
    limit: i64,
    offset: i64,
}

/// Body of `POST /products`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateProduct {
    name: Option<String>,
    price_cents: Option<i64>,
}

/// Body of `PATCH /products/{product_id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateProduct {
    #[serde(default)]
    name: Patch<String>,
    #[serde(default)]
    price_cents: Patch<i64>,
}

/// Registers the routes under the API prefix.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/products", "GET, POST")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        resource("/products/{product_id}", "GET, PATCH")
            .route(web::get().to(get))
            .route(web::patch().to(update)),
    );
}

async fn list(req: HttpRequest, store: web::Data<Store>) -> Result<HttpResponse, ApiError> {
    let paging = QueryParams::parse(&req, &["limit", "offset"])?.paging()?;
    let page = store.list_products(paging).await?;
    Ok(HttpResponse::Ok().json(ProductListJson {
        products: page.rows.iter().map(ProductJson::from).collect(),
        total: page.total,
        limit: paging.limit(),
        offset: paging.offset(),
    }))
}

async fn get(store: web::Data<Store>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = ProductId::parse_str("product_id", &path)?;
    let product = store.get_product(id).await?;
    Ok(HttpResponse::Ok().json(ProductJson::from(&product)))
}

async fn create(
    store: web::Data<Store>,
    config: web::Data<ApiConfig>,
    body: JsonBody<CreateProduct>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let product = NewProduct {
        name: ProductName::parse("name", &required("name", body.name)?)?,
        price: Cents::price("price_cents", required("price_cents", body.price_cents)?)?,
    };
    let product = store.create_product(&product).await?;
    Ok(created(&config, "products", product.id).json(ProductJson::from(&product)))
}

async fn update(
    store: web::Data<Store>,
    path: web::Path<String>,
    body: JsonBody<UpdateProduct>,
) -> Result<HttpResponse, ApiError> {
    let id = ProductId::parse_str("product_id", &path)?;
    let body = body.0;
    let name = body
        .name
        .into_option("name")?
        .map(|name| ProductName::parse("name", &name))
        .transpose()?;
    let price = body
        .price_cents
        .into_option("price_cents")?
        .map(|cents| Cents::price("price_cents", cents))
        .transpose()?;
    let changes = ProductChanges::new(name, price)?;
    let product = store.update_product(id, &changes).await?;
    Ok(HttpResponse::Ok().json(ProductJson::from(&product)))
}

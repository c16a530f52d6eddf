//! `/products`: list, read, create and change products.

use actix_web::HttpRequest;
use oms_domain::{After, Cents, NewProduct, ProductChanges, ProductId, ProductName, Stock};
use oms_persistence::{Product, Store};
use paperclip::actix::web::{self, Json};
use paperclip::actix::{api_v2_operation, Apiv2Schema};
use serde::{Deserialize, Serialize};

use crate::conditions::{self, Versioned};
use crate::error::ApiError;
use crate::extract::{JsonBody, Patch, QueryParams, Required};
use crate::fallback::resource;
use crate::fields::{self, Named};
use crate::idempotency::{self, Idempotent};
use crate::listing::Listing;
use crate::respond::Created;
use crate::ApiConfig;

/// A product of the catalogue.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ProductJson {
    /// The product's id.
    id: i64,
    /// The product's name.
    name: String,
    /// The current price of one unit, in integer cents.
    price_cents: i64,
    /// 1 when created, one more on every change (stock taken by an order or
    /// given back by a cancellation included); also the `ETag`.
    version: i32,
    /// Units left to sell; `null` when the product's stock is not tracked.
    stock: Option<i32>,
}

impl From<Product> for ProductJson {
    fn from(product: Product) -> Self {
        Self {
            id: product.id.get(),
            name: product.name,
            price_cents: product.price_cents,
            version: product.version,
            stock: product.stock,
        }
    }
}

/// A page of products in id order.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ProductList {
    /// The products of the page.
    products: Vec<ProductJson>,
    /// How many products there are in all.
    total: i64,
    /// The page size used.
    limit: i64,
    /// How many products were skipped.
    offset: i64,
    /// Send it as `cursor` (with the same `limit`) for the next page; `null` after the
    /// last page.
    next_cursor: Option<String>,
}

/// A product to create.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct CreateProduct {
    /// 1–255 characters after trimming.
    #[serde(default)]
    name: Required<String>,
    /// The price of one unit in integer cents, 0 or more.
    #[serde(default)]
    price_cents: Required<i64>,
    /// Units there are to sell, 0 or more; left out or `null`, the product's
    /// stock is not tracked and orders never run out of it.
    #[serde(default)]
    stock: Option<i64>,
}

/// The fields of a product to change; give at least one.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProduct {
    /// A new name, 1–255 characters after trimming.
    #[serde(default)]
    name: Patch<String>,
    /// A new price in integer cents, 0 or more. Orders already placed keep their prices.
    #[serde(default)]
    price_cents: Patch<i64>,
    /// The units now left to sell, 0 or more (set, not added: send `If-Match`
    /// to restock without losing what orders took meanwhile); `null` stops
    /// tracking the product's stock.
    #[serde(default)]
    stock: Patch<i64>,
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

/// List products
///
/// Products in id order, one page at a time, with the number of products in all.
#[api_v2_operation(operation_id = "listProducts", tags(products))]
async fn list(
    req: HttpRequest,
    store: web::Data<Store>,
    config: web::Data<ApiConfig>,
) -> Result<Json<ProductList>, ApiError> {
    let params = QueryParams::parse(&req, crate::PAGING_PARAMS)?;
    let (listing, paging) = Listing::read(&store, &config, &params, "products".to_owned()).await?;
    let page = store.list_products(paging).await?;
    let last = page.rows.last().map(|row| After::Id(row.id.get()));
    Ok(Json(ProductList {
        products: page.rows.into_iter().map(ProductJson::from).collect(),
        total: page.total,
        limit: paging.limit(),
        offset: paging.offset(),
        next_cursor: listing.next(page.more, last),
    }))
}

/// Get a product
///
/// The product with this id, with its current price.
#[api_v2_operation(operation_id = "getProduct", tags(products))]
async fn get(
    store: web::Data<Store>,
    path: web::Path<String>,
) -> Result<Versioned<Json<ProductJson>>, ApiError> {
    let id: ProductId = fields::id("product_id", &path)?;
    let product = store.get_product(id).await?;
    Ok(Versioned::new(product.version, Json(product.into())))
}

/// Create a product
///
/// Adds a product to the catalogue.
#[api_v2_operation(operation_id = "createProduct", tags(products))]
async fn create(
    req: HttpRequest,
    store: web::Data<Store>,
    config: web::Data<ApiConfig>,
    body: JsonBody<CreateProduct>,
) -> Result<Idempotent<Versioned<Created<ProductJson>>>, ApiError> {
    let body = body.0;
    let product = NewProduct {
        name: ProductName::parse(&body.name.get("name")?).named("name")?,
        price: Cents::price(body.price_cents.get("price_cents")?).named("price_cents")?,
        stock: body
            .stock
            .map(|units| Stock::new(units).named("stock"))
            .transpose()?,
    };
    let answer = move |product: &Product| {
        Versioned::new(
            product.version,
            Created::at(&config, "products", product.id, product.clone().into()),
        )
    };
    let keyed = idempotency::keyed(&req, answer.clone())?;
    let outcome = store.create_product(&product, keyed.as_ref()).await?;
    Ok(Idempotent::of(outcome, answer))
}

/// Change a product
///
/// Renames a product, changes its price, sets its stock, or any of these. Orders
/// already placed keep the prices they were placed at. With `If-Match`, the change is made only if the
/// product is still at a version it names (else 412, nothing changed).
#[api_v2_operation(operation_id = "updateProduct", tags(products))]
async fn update(
    req: HttpRequest,
    store: web::Data<Store>,
    path: web::Path<String>,
    body: JsonBody<UpdateProduct>,
) -> Result<Versioned<Json<ProductJson>>, ApiError> {
    let id: ProductId = fields::id("product_id", &path)?;
    let if_match = conditions::if_match(&req)?;
    let body = body.0;
    let name = body
        .name
        .into_option("name")?
        .map(|name| ProductName::parse(&name).named("name"))
        .transpose()?;
    let price = body
        .price_cents
        .into_option("price_cents")?
        .map(|cents| Cents::price(cents).named("price_cents"))
        .transpose()?;
    let stock = body
        .stock
        .into_nullable()
        .map(|stock| {
            stock
                .map(|units| Stock::new(units).named("stock"))
                .transpose()
        })
        .transpose()?;
    let changes = ProductChanges::new(name, price, stock)?;
    let product = store
        .update_product(id, &changes, if_match.as_ref())
        .await?;
    Ok(Versioned::new(product.version, Json(product.into())))
}

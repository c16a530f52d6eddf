//! `/orders`: list with filters and totals, read, place, and change status.

use actix_web::HttpRequest;
use chrono::{DateTime, Utc};
use oms_domain::{
    After, InputError, LineRequest, NewOrder, OrderFilter, OrderId, OrderStatus, ProductId,
    Quantity, UserId,
};
use oms_persistence::{ItemDetails, OrderDetails, Store};
use paperclip::actix::web::{self, Json};
use paperclip::actix::{api_v2_operation, Apiv2Schema};
use paperclip::v2::models::{DataType, DefaultSchemaRaw};
use paperclip::v2::schema::Apiv2Schema as SchemaOf;
use serde::{Deserialize, Serialize};

use crate::access::actor;
use crate::conditions::{self, Versioned};
use crate::error::ApiError;
use crate::extract::{JsonBody, QueryParams, Required};
use crate::fallback::resource;
use crate::fields::{self, Named};
use crate::idempotency::{self, Idempotent};
use crate::listing::Listing;
use crate::respond::Created;
use crate::ApiConfig;

/// An order with its lines and totals.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct OrderJson {
    /// The order's id.
    order_id: i64,
    /// Who placed it.
    user_id: i64,
    /// The user's current full name.
    user_name: String,
    /// Where the order is in its life.
    status: Status,
    /// When it was placed (UTC).
    created_at: DateTime<Utc>,
    /// When its status last changed (UTC); null until then.
    updated_at: Option<DateTime<Utc>>,
    /// Its lines, in the order given.
    items: Vec<ItemJson>,
    /// Σ quantity × price_cents_at_purchase over the lines, in integer cents.
    total_amount_cents: i64,
    /// Σ quantity over the lines.
    total_quantity: i64,
    /// 1 when placed, one more on every change; also the `ETag`.
    version: i32,
}

/// One line of an order.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ItemJson {
    /// The line's id.
    id: i64,
    /// The product bought.
    product_id: i64,
    /// The product's current name.
    product_name: String,
    /// Units bought, 1–1,000,000.
    quantity: i32,
    /// The price of one unit when the order was placed, in integer cents.
    price_cents_at_purchase: i64,
}

/// An order status: `pending`, `paid`, `shipped` or `cancelled`.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(transparent)]
pub struct Status(OrderStatus);

impl SchemaOf for Status {
    fn raw_schema() -> DefaultSchemaRaw {
        DefaultSchemaRaw {
            data_type: Some(DataType::String),
            enum_: OrderStatus::ALL
                .iter()
                .map(|status| status.as_str().into())
                .collect(),
            ..Default::default()
        }
    }
}

impl From<ItemDetails> for ItemJson {
    fn from(item: ItemDetails) -> Self {
        Self {
            id: item.id.get(),
            product_id: item.product_id.get(),
            product_name: item.product_name,
            quantity: item.quantity,
            price_cents_at_purchase: item.price_cents_at_purchase,
        }
    }
}

impl From<OrderDetails> for OrderJson {
    fn from(order: OrderDetails) -> Self {
        Self {
            order_id: order.id.get(),
            user_id: order.user_id.get(),
            user_name: order.user_name,
            status: Status(order.status),
            created_at: order.created_at,
            updated_at: order.updated_at,
            items: order.items.into_iter().map(ItemJson::from).collect(),
            total_amount_cents: order.totals.amount.get(),
            total_quantity: order.totals.quantity,
            version: order.version,
        }
    }
}

/// A page of orders, newest first, with the count and totals of every matching order.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct OrderList {
    /// The orders of the page.
    orders: Vec<OrderJson>,
    /// How many orders match the filters.
    total: i64,
    /// The page size used.
    limit: i64,
    /// How many matching orders were skipped.
    offset: i64,
    /// Σ total_amount_cents over every matching order (not only the page), in integer cents.
    total_amount_cents: i64,
    /// Σ total_quantity over every matching order (not only the page).
    total_quantity: i64,
    /// Send it as `cursor` (with the same filters and `limit`) for the next page;
    /// `null` after the last page.
    next_cursor: Option<String>,
}

/// An order to place.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrder {
    /// The user placing the order.
    #[serde(default)]
    user_id: Required<i64>,
    /// The starting status; `pending` when left out.
    status: Option<String>,
    /// 1–100 lines; a product may appear on several lines.
    #[serde(default)]
    items: Required<Vec<CreateLine>>,
}

/// One line of an order to place.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct CreateLine {
    /// The product to buy; its current price is recorded on the line.
    #[serde(default)]
    product_id: Required<i64>,
    /// How many units, 1–1,000,000.
    #[serde(default)]
    quantity: Required<i64>,
}

/// The new status of an order.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrder {
    /// `pending → paid`, `pending → cancelled`, `paid → shipped` and `paid → cancelled`
    /// are allowed; the current status is a no-op.
    #[serde(default)]
    status: Required<String>,
}

/// Registers the routes under the API prefix.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/orders", "GET, POST")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    // Before `/orders/{order_id}`, which would take `export` for an id.
    .service(resource("/orders/export", "GET").route(web::get().to(crate::export::export)))
    .service(
        resource("/orders/{order_id}", "GET, PATCH")
            .route(web::get().to(get))
            .route(web::patch().to(update)),
    );
}

/// The query parameters of `GET /orders`.
pub const LIST_PARAMS: &[&str] = &[
    "status",
    "user_id",
    "product_id",
    "start_date",
    "end_date",
    "limit",
    "offset",
    "cursor",
];

/// The list's filters of `query`, validated.
pub(crate) fn filter_from(query: &QueryParams) -> Result<OrderFilter, ApiError> {
    let filter = OrderFilter {
        status: query
            .get("status")
            .map(|text| fields::status("status", text))
            .transpose()?,
        user_id: query
            .get("user_id")
            .map(|text| fields::id("user_id", text))
            .transpose()?,
        product_id: query
            .get("product_id")
            .map(|text| fields::id("product_id", text))
            .transpose()?,
        ..OrderFilter::default()
    };
    crate::dates::with_dates(filter, query)
}

/// List orders
///
/// Orders newest first (by creation time, then id), filtered by any combination of
/// status, user, product and creation date, one page at a time. `total`,
/// `total_amount_cents` and `total_quantity` cover every order that matches the
/// filters, not only the page.
#[api_v2_operation(operation_id = "listOrders", tags(orders))]
async fn list(
    req: HttpRequest,
    store: web::Data<Store>,
    config: web::Data<ApiConfig>,
) -> Result<Json<OrderList>, ApiError> {
    let query = QueryParams::parse(&req, LIST_PARAMS)?;
    let filter = filter_from(&query)?;
    let (listing, paging) = Listing::read(&store, &config, &query, list_name(&filter)).await?;
    let page = store.list_orders(&filter, paging).await?;
    let last = page.orders.last().map(|order| After::Time {
        micros: order.created_at.timestamp_micros(),
        id: order.id.get(),
    });
    Ok(Json(OrderList {
        orders: page.orders.into_iter().map(OrderJson::from).collect(),
        total: page.total,
        limit: paging.limit(),
        offset: paging.offset(),
        total_amount_cents: page.total_amount_cents,
        total_quantity: page.total_quantity,
        next_cursor: listing.next(page.more, last),
    }))
}

/// The list of orders a filter selects, written the same way however the
/// filters were spelt, which its cursors are bound to.
fn list_name(filter: &OrderFilter) -> String {
    let instant = |at: Option<DateTime<Utc>>| at.map(|at| at.timestamp_micros());
    format!(
        "orders?status={:?}&user_id={:?}&product_id={:?}&from={:?}&before={:?}",
        filter.status.map(OrderStatus::as_str),
        filter.user_id.map(|id| id.get()),
        filter.product_id.map(|id| id.get()),
        instant(filter.created_from),
        instant(filter.created_before),
    )
}

/// Get an order
///
/// The order with this id, with its lines and totals.
#[api_v2_operation(operation_id = "getOrder", tags(orders))]
async fn get(
    store: web::Data<Store>,
    path: web::Path<String>,
) -> Result<Versioned<Json<OrderJson>>, ApiError> {
    let id: OrderId = fields::id("order_id", &path)?;
    let order = store.get_order(id).await?;
    Ok(Versioned::new(order.version, Json(order.into())))
}

fn new_order(body: CreateOrder) -> Result<NewOrder, ApiError> {
    let user_id = UserId::positive(body.user_id.get("user_id")?).named("user_id")?;
    let status = body
        .status
        .map(|text| fields::status("status", &text))
        .transpose()?;
    let lines = body
        .items
        .get("items")?
        .into_iter()
        .enumerate()
        .map(|(index, line)| {
            let at = |error: InputError| error.within(&format!("items[{index}]"));
            let product_id = line
                .product_id
                .into_option()
                .ok_or_else(|| InputError::invalid("product_id", "product_id is required"))
                .and_then(|id| ProductId::positive(id).named("product_id"))
                .map_err(at)?;
            let quantity = line
                .quantity
                .into_option()
                .ok_or_else(|| InputError::invalid("quantity", "quantity is required"))
                .and_then(|quantity| Quantity::new(quantity).named("quantity"))
                .map_err(at)?;
            Ok(LineRequest {
                product_id,
                quantity,
            })
        })
        .collect::<Result<Vec<_>, InputError>>()?;
    Ok(NewOrder::new(user_id, status, lines).named("items")?)
}

/// Place an order
///
/// Places an order in one transaction: the user and every product must exist, every
/// product that tracks stock must have enough left (what the order takes is taken in
/// the same transaction), each line records its product's current price, and the
/// order, all its lines and its `order.created` event are written together or not at
/// all.
#[api_v2_operation(operation_id = "createOrder", tags(orders))]
async fn create(
    req: HttpRequest,
    store: web::Data<Store>,
    config: web::Data<ApiConfig>,
    body: JsonBody<CreateOrder>,
) -> Result<Idempotent<Versioned<Created<OrderJson>>>, ApiError> {
    let order = new_order(body.0)?;
    let answer = move |placed: &OrderDetails| {
        Versioned::new(
            placed.version,
            Created::at(&config, "orders", placed.id, placed.clone().into()),
        )
    };
    let keyed = idempotency::keyed(&req, answer.clone())?;
    let outcome = store.create_order(&order, &actor(&req), keyed).await?;
    Ok(Idempotent::of(outcome, answer))
}

/// Change an order's status
///
/// Moves the order along its life cycle: `pending → paid`, `pending → cancelled`,
/// `paid → shipped`, `paid → cancelled`. `shipped` and `cancelled` are final. Asking
/// for the status the order already has changes nothing and answers 200. A change is
/// recorded in the order's history (`order.status_changed`) in the same transaction.
/// With `If-Match`, the change is made only if the order is still at a version it
/// names (checked before the move is judged: 412, nothing changed).
#[api_v2_operation(operation_id = "updateOrderStatus", tags(orders))]
async fn update(
    req: HttpRequest,
    store: web::Data<Store>,
    path: web::Path<String>,
    body: JsonBody<UpdateOrder>,
) -> Result<Versioned<Json<OrderJson>>, ApiError> {
    let id: OrderId = fields::id("order_id", &path)?;
    let if_match = conditions::if_match(&req)?;
    let status = fields::status("status", &body.0.status.get("status")?)?;
    let changed = store
        .change_order_status(id, status, &actor(&req), if_match.as_ref())
        .await?;
    Ok(Versioned::new(changed.version, Json(changed.into())))
}

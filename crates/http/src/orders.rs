//! `/orders`: list with filters and totals, read, place, and change status.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use domain::{
    InputError, LineRequest, NewOrder, OrderFilter, OrderId, OrderStatus, ProductId, Quantity,
    UserId,
};
use persistence::{Entity, ItemDetails, OrderDetails, Store, StoreError};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorCode};
use crate::extract::{required, JsonBody, QueryParams};
use crate::fallback::resource;
use crate::{created, ApiConfig};

/// An order as the API shows it.
#[derive(Debug, Serialize)]
pub struct OrderJson<'a> {
    order_id: i64,
    user_id: i64,
    user_name: &'a str,
    status: OrderStatus,
    created_at: DateTime<Utc>,
    updated_at: Option<DateTime<Utc>>,
    items: Vec<ItemJson<'a>>,
    total_amount_cents: i64,
    total_quantity: i64,
}

/// A line of an order as the API shows it.
#[derive(Debug, Serialize)]
pub struct ItemJson<'a> {
    id: i64,
    product_id: i64,
    product_name: &'a str,
    quantity: i32,
    price_cents_at_purchase: i64,
}

impl<'a> From<&'a ItemDetails> for ItemJson<'a> {
    fn from(item: &'a ItemDetails) -> Self {
        Self {
            id: item.id,
            product_id: item.product_id,
            product_name: &item.product_name,
            quantity: item.quantity,
            price_cents_at_purchase: item.price_cents_at_purchase,
        }
    }
}

impl<'a> From<&'a OrderDetails> for OrderJson<'a> {
    fn from(order: &'a OrderDetails) -> Self {
        Self {
            order_id: order.id,
            user_id: order.user_id,
            user_name: &order.user_name,
            status: order.status,
            created_at: order.created_at,
            updated_at: order.updated_at,
            items: order.items.iter().map(ItemJson::from).collect(),
            total_amount_cents: order.totals.amount.get(),
            total_quantity: order.totals.quantity,
        }
    }
}

#[derive(Serialize)]
struct OrderListJson<'a> {
    orders: Vec<OrderJson<'a>>,
    total: i64,
    limit: i64,
    offset: i64,
    total_amount_cents: i64,
    total_quantity: i64,
}

/// Body of `POST /orders`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateOrder {
    user_id: Option<i64>,
    status: Option<String>,
    items: Option<Vec<CreateLine>>,
}

/// One line of `POST /orders`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateLine {
    product_id: Option<i64>,
    quantity: Option<i64>,
}

/// Body of `PATCH /orders/{order_id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrder {
    status: Option<String>,
}

/// Registers the routes under the API prefix.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/orders", "GET, POST")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        resource("/orders/{order_id}", "GET, PATCH")
            .route(web::get().to(get))
            .route(web::patch().to(update)),
    );
}

const LIST_PARAMS: [&str; 7] = [
    "status",
    "user_id",
    "product_id",
    "start_date",
    "end_date",
    "limit",
    "offset",
];

fn filter_from(query: &QueryParams) -> Result<OrderFilter, ApiError> {
    let filter = OrderFilter {
        status: query
            .get("status")
            .map(|text| OrderStatus::parse_input("status", text))
            .transpose()?,
        user_id: query
            .get("user_id")
            .map(|text| UserId::parse_str("user_id", text))
            .transpose()?,
        product_id: query
            .get("product_id")
            .map(|text| ProductId::parse_str("product_id", text))
            .transpose()?,
        ..OrderFilter::default()
    };
    Ok(filter.with_dates(query.get("start_date"), query.get("end_date"))?)
}

async fn list(req: HttpRequest, store: web::Data<Store>) -> Result<HttpResponse, ApiError> {
    let query = QueryParams::parse(&req, &LIST_PARAMS)?;
    let filter = filter_from(&query)?;
    let paging = query.paging()?;
    let page = store
        .list_orders(&filter, paging)
        .await
        .map_err(|error| match error {
            StoreError::Overflow => ApiError::new(
                ErrorCode::ValidationError,
                "the totals of the matching orders do not fit in 64 bits; narrow the filters",
            ),
            other => other.into(),
        })?;
    Ok(HttpResponse::Ok().json(OrderListJson {
        orders: page.orders.iter().map(OrderJson::from).collect(),
        total: page.total,
        limit: paging.limit(),
        offset: paging.offset(),
        total_amount_cents: page.total_amount_cents,
        total_quantity: page.total_quantity,
    }))
}

async fn get(store: web::Data<Store>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = OrderId::parse_str("order_id", &path)?;
    let order = store.get_order(id).await?;
    Ok(HttpResponse::Ok().json(OrderJson::from(&order)))
}

fn new_order(body: CreateOrder) -> Result<NewOrder, ApiError> {
    let user_id = UserId::parse("user_id", required("user_id", body.user_id)?)?;
    let status = body
        .status
        .map(|text| OrderStatus::parse_input("status", &text))
        .transpose()?;
    let lines = required("items", body.items)?
        .into_iter()
        .enumerate()
        .map(|(index, line)| {
            let at = |error: InputError| error.within(&format!("items[{index}]"));
            let product_id = line
                .product_id
                .ok_or_else(|| InputError::invalid("product_id", "product_id is required"))
                .and_then(|id| ProductId::parse("product_id", id))
                .map_err(at)?;
            let quantity = line
                .quantity
                .ok_or_else(|| InputError::invalid("quantity", "quantity is required"))
                .and_then(Quantity::new)
                .map_err(at)?;
            Ok(LineRequest {
                product_id,
                quantity,
            })
        })
        .collect::<Result<Vec<_>, InputError>>()?;
    Ok(NewOrder::new(user_id, status, lines)?)
}

/// Points a storage error of `POST /orders` at the body field that caused it.
fn create_error(order: &NewOrder, error: StoreError) -> ApiError {
    match &error {
        StoreError::NotFound {
            entity: Entity::User,
            ..
        } => ApiError::with_field(ErrorCode::UserNotFound, "user_id", error.to_string()),
        StoreError::NotFound {
            entity: Entity::Product,
            ids,
        } => {
            let lines: Vec<usize> = order
                .lines()
                .iter()
                .enumerate()
                .filter(|(_, line)| ids.contains(&line.product_id.get()))
                .map(|(index, _)| index)
                .collect();
            match lines.as_slice() {
                [index] => ApiError::with_field(
                    ErrorCode::ProductNotFound,
                    format!("items[{index}].product_id"),
                    error.to_string(),
                ),
                _ => ApiError::new(ErrorCode::ProductNotFound, error.to_string()),
            }
        }
        StoreError::Overflow => ApiError::invalid("items", error.to_string()),
        _ => error.into(),
    }
}

async fn create(
    store: web::Data<Store>,
    config: web::Data<ApiConfig>,
    body: JsonBody<CreateOrder>,
) -> Result<HttpResponse, ApiError> {
    let order = new_order(body.0)?;
    let placed = store
        .create_order(&order)
        .await
        .map_err(|error| create_error(&order, error))?;
    Ok(created(&config, "orders", placed.id).json(OrderJson::from(&placed)))
}

async fn update(
    store: web::Data<Store>,
    path: web::Path<String>,
    body: JsonBody<UpdateOrder>,
) -> Result<HttpResponse, ApiError> {
    let id = OrderId::parse_str("order_id", &path)?;
    let status = OrderStatus::parse_input("status", &required("status", body.0.status)?)?;
    let order = store.change_order_status(id, status).await?;
    Ok(HttpResponse::Ok().json(OrderJson::from(&order)))
}

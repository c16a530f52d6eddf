//! `GET /orders/export`: every order a filter selects, as CSV, streamed.
//!
//! The orders are read a chunk at a time by their sort key (as cursor pages
//! are), each chunk with its own connection, and written out as they come: the
//! first bytes leave at once, and memory holds one chunk however many orders
//! match. The export is not a snapshot: an order changed while it runs is
//! written as it was when its chunk was read.

use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, SecondsFormat, Utc};
use futures_util::stream::{self, StreamExt};
use oms_domain::After;
use oms_persistence::{OrderDetails, Store};
use paperclip::actix::api_v2_operation;
use paperclip::actix::web;

use crate::error::ApiError;
use crate::extract::QueryParams;

/// The query parameters of the export: the list's filters.
pub const EXPORT_PARAMS: &[&str] = &["status", "user_id", "product_id", "start_date", "end_date"];

/// Orders read per query.
const CHUNK: i64 = 500;

/// The header row.
const HEADER: &str = "order_id,user_id,status,created_at,updated_at,product_id,product_name,quantity,price_cents_at_purchase,order_total_amount_cents\r\n";

/// Export orders as CSV
///
/// Every order matching the filters (those of the list: `status`, `user_id`,
/// `product_id`, `start_date`, `end_date`), newest first, as CSV (RFC 4180, a header
/// row, then one row per line of each order; with `product_id`, every line of the
/// orders that contain the product). A null is an empty field. The answer streams:
/// it starts at once and the server holds one chunk of orders at a time, however
/// many match.
#[api_v2_operation(operation_id = "exportOrders", tags(orders))]
pub async fn export(req: HttpRequest, store: web::Data<Store>) -> Result<HttpResponse, ApiError> {
    let query = QueryParams::parse(&req, EXPORT_PARAMS)?;
    let filter = crate::orders::filter_from(&query)?;
    let store = store.into_inner();
    let chunks = stream::unfold(Some(None), move |next: Option<Option<After>>| {
        let (store, filter) = (store.clone(), filter.clone());
        async move {
            let after = next?;
            match store.export_orders(&filter, after, CHUNK).await {
                Ok(orders) => {
                    let last = orders.last().map(|order| After::Time {
                        micros: order.created_at.timestamp_micros(),
                        id: order.id.get(),
                    });
                    let more = i64::try_from(orders.len()).is_ok_and(|n| n == CHUNK);
                    Some((Ok(rows(&orders)), more.then_some(last)))
                }
                Err(error) => {
                    // The status line is sent: all that is left is to cut the
                    // answer short, which the client sees as an incomplete body.
                    let error = ApiError::from(error);
                    tracing::warn!(%error, "export stopped");
                    Some((Err(error), None))
                }
            }
        }
    });
    let body = stream::once(async { Ok::<_, ApiError>(Bytes::from_static(HEADER.as_bytes())) })
        .chain(chunks);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .streaming(body))
}

/// The rows of these orders: one per line.
fn rows(orders: &[OrderDetails]) -> Bytes {
    let mut text = String::with_capacity(orders.len() * 3 * 96);
    for order in orders {
        for item in &order.items {
            let fields = [
                order.id.get().to_string(),
                order.user_id.get().to_string(),
                order.status.as_str().to_owned(),
                instant(order.created_at),
                order.updated_at.map(instant).unwrap_or_default(),
                item.product_id.get().to_string(),
                field(&item.product_name),
                item.quantity.to_string(),
                item.price_cents_at_purchase.to_string(),
                order.totals.amount.get().to_string(),
            ];
            text.push_str(&fields.join(","));
            text.push_str("\r\n");
        }
    }
    Bytes::from(text)
}

fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// A text field as RFC 4180 writes it: quoted, with quotes doubled, when it
/// holds a comma, a quote or a line break.
fn field(text: &str) -> String {
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_they_must_be() {
        assert_eq!(field("Pen"), "Pen");
        assert_eq!(field("MacBook Pro 16\""), "\"MacBook Pro 16\"\"\"");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
    }
}

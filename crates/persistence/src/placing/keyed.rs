//! Placing a batch of orders some of which carry idempotency keys: the keys
//! are claimed, the orders whose keys are free are placed, and their answers
//! stored, all in one transaction.

use std::collections::HashSet;

use diesel_async::{AsyncConnection, AsyncPgConnection};

use super::{place, ToPlace};
use crate::error::StoreError;
use crate::idempotency::{self, Claim, Replayable};
use crate::models::OrderDetails;

/// Each order's outcome, in the order given.
pub type Outcomes = Vec<Result<Replayable<OrderDetails>, StoreError>>;

/// Places `orders` as [`place`] does, but each order with an idempotency key
/// once per key: an order whose key was answered before gets that answer (or
/// [`StoreError::IdempotencyKeyReused`] when it is another request), one whose
/// key is held by a request still running gets
/// [`StoreError::IdempotencyKeyInUse`] (so does a second order of the batch
/// with a key already in it), and the others are placed, their answers stored
/// in the transaction that places them. Without keys in the batch this is
/// [`place`], one statement.
pub async fn place_once(
    conn: &mut AsyncPgConnection,
    orders: &[ToPlace],
) -> Result<Outcomes, StoreError> {
    if orders.iter().all(|placing| placing.keyed.is_none()) {
        let outcomes = place(conn, orders).await?;
        return Ok(outcomes
            .into_iter()
            .map(|outcome| outcome.map(Replayable::Fresh))
            .collect());
    }
    conn.transaction(async |conn| place_claimed(conn, orders).await)
        .await
}

/// The placing statement leaves its totals setting on until the transaction
/// ends (see `place_orders.sql`), so it is the last statement here that writes
/// orders.
async fn place_claimed(
    conn: &AsyncPgConnection,
    orders: &[ToPlace],
) -> Result<Outcomes, StoreError> {
    let mut settled: Vec<Option<Result<Replayable<OrderDetails>, StoreError>>> =
        orders.iter().map(|_| None).collect();
    let mut seen = HashSet::new();
    let mut claimed = Vec::new();
    for (place, placing) in orders.iter().enumerate() {
        if let Some(keyed) = &placing.keyed {
            if seen.insert((keyed.request.scope, &keyed.request.key)) {
                claimed.push(place);
            } else {
                settled[place] = Some(Err(StoreError::IdempotencyKeyInUse));
            }
        }
    }
    let requests: Vec<_> = claimed
        .iter()
        .filter_map(|&place| orders[place].keyed.as_ref().map(|keyed| &keyed.request))
        .collect();
    let claims = idempotency::claim(conn, &requests).await?;
    for (&place, claim) in claimed.iter().zip(claims) {
        if let (Some(keyed), claim) = (&orders[place].keyed, claim) {
            if !matches!(claim, Claim::Free) {
                settled[place] = claim.settle(&keyed.request);
            }
        }
    }

    let to_place: Vec<usize> = (0..orders.len())
        .filter(|&place| settled[place].is_none())
        .collect();
    let batch: Vec<ToPlace> = to_place
        .iter()
        .map(|&place| orders[place].clone())
        .collect();
    let placed = if batch.is_empty() {
        Vec::new()
    } else {
        place(conn, &batch).await?
    };
    let mut answers = Vec::new();
    for (&place, outcome) in to_place.iter().zip(&placed) {
        if let Some(keyed) = &orders[place].keyed {
            if let Some(answer) = (keyed.render)(outcome) {
                answers.push((&keyed.request, answer));
            }
        }
    }
    idempotency::record(conn, &answers).await?;
    for (place, outcome) in to_place.into_iter().zip(placed) {
        settled[place] = Some(outcome.map(Replayable::Fresh));
    }
    Ok(settled
        .into_iter()
        .map(|outcome| {
            outcome.unwrap_or_else(|| {
                Err(StoreError::Corrupt(
                    "an order of the batch was neither placed nor settled".to_owned(),
                ))
            })
        })
        .collect())
}

//! Orders placed at the same time share one statement.
//!
//! Placing orders one statement each spends most of the database's work on
//! what every statement costs (a round trip, a commit that waits for the WAL to
//! reach the disk, the tables' statement triggers) rather than on the orders. A
//! [`Placer`] runs at most a few placing statements at a time per pool; orders
//! that arrive while they all run wait in a queue, and the next free slot
//! places everything queued (up to [`MAX_BATCH`] orders) with one statement.
//! An order that arrives when a slot is free is placed at once, so waiting only
//! happens when the database is already busy.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::idempotency::Replayable;
use crate::placing::{Outcomes, ToPlace};
use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};

use crate::models::OrderDetails;
use crate::{placing, Pool, StoreError};

/// The most orders one statement places.
pub const MAX_BATCH: usize = 32;

/// Places the orders given to it through one pool, in batches.
pub(crate) struct Placer {
    pool: Pool,
    queue: Mutex<VecDeque<Waiting>>,
    slots: Arc<Semaphore>,
}

/// An order waiting for a slot, and where its outcome goes.
#[derive(Debug)]
struct Waiting {
    order: ToPlace,
    reply: oneshot::Sender<Result<Replayable<OrderDetails>, StoreError>>,
}

/// Why an order has no outcome: the task placing it stopped without answering
/// (the runtime shut down under it).
#[derive(Debug, thiserror::Error)]
#[error("placing the order stopped before it answered")]
struct Abandoned;

impl Placer {
    /// A placer running at most `slots` statements at a time on `pool`.
    pub(crate) fn new(pool: Pool, slots: usize) -> Arc<Self> {
        Arc::new(Self {
            pool,
            queue: Mutex::default(),
            slots: Arc::new(Semaphore::new(slots.max(1))),
        })
    }

    /// Places `order`, alone or with others, and answers as
    /// [`placing::place_once`] does for it.
    pub(crate) async fn place(
        self: &Arc<Self>,
        order: ToPlace,
    ) -> Result<Replayable<OrderDetails>, StoreError> {
        let (reply, outcome) = oneshot::channel();
        self.queue().push_back(Waiting { order, reply });
        self.dispatch();
        outcome
            .await
            .unwrap_or_else(|_| Err(StoreError::Unavailable(Box::new(Abandoned))))
    }

    fn queue(&self) -> MutexGuard<'_, VecDeque<Waiting>> {
        self.queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Starts a batch on every free slot while orders are waiting. Whoever
    /// queues an order calls it, and so does every batch when it ends: an order
    /// queued while all slots were taken is picked up by the batch that frees
    /// the next one.
    fn dispatch(self: &Arc<Self>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        while let Ok(permit) = Arc::clone(&self.slots).try_acquire_owned() {
            let batch: Vec<Waiting> = {
                let mut queue = self.queue();
                let size = queue.len().min(MAX_BATCH);
                queue.drain(..size).collect()
            };
            if batch.is_empty() {
                return;
            }
            let slot = Slot {
                placer: Arc::clone(self),
                permit: Some(permit),
            };
            // A task of its own, so that a caller that stops waiting cannot
            // abandon the statement, and the other orders with it, halfway.
            runtime.spawn(async move {
                slot.placer.run(batch).await;
                drop(slot);
            });
        }
    }

    /// Places `batch` and answers each order. When the statement fails as a
    /// whole, one order may be to blame (say, a product deleted since it was
    /// read): each order is then placed again on its own, so that only that
    /// order fails.
    async fn run(&self, batch: Vec<Waiting>) {
        let (orders, replies): (Vec<ToPlace>, Vec<_>) = batch
            .into_iter()
            .map(|waiting| (waiting.order, waiting.reply))
            .unzip();
        match self.place_together(&orders).await {
            Ok(outcomes) => answer(replies, outcomes),
            Err(error) if orders.len() == 1 => answer(replies, [Err(error)]),
            // The database, not an order, is to blame: placing each order
            // again would only wait as long again.
            Err(StoreError::Unavailable(cause)) => {
                answer_all(replies, cause, StoreError::Unavailable);
            }
            Err(StoreError::TimedOut(cause)) => answer_all(replies, cause, StoreError::TimedOut),
            Err(StoreError::Corrupt(reason)) => answer(
                replies,
                orders
                    .iter()
                    .map(|_| Err(StoreError::Corrupt(reason.clone()))),
            ),
            Err(_) => {
                for (order, reply) in orders.iter().zip(replies) {
                    match self.place_together(std::slice::from_ref(order)).await {
                        Ok(outcomes) => answer(vec![reply], outcomes),
                        Err(error) => answer(vec![reply], [Err(error)]),
                    }
                }
            }
        }
    }

    async fn place_together(&self, orders: &[ToPlace]) -> Result<Outcomes, StoreError> {
        self.pool
            .with_conn(async |conn| placing::place_once(conn, orders).await)
            .await
    }
}

/// Sends each outcome to its order's caller.
fn answer(
    replies: Vec<oneshot::Sender<Result<Replayable<OrderDetails>, StoreError>>>,
    outcomes: impl IntoIterator<Item = Result<Replayable<OrderDetails>, StoreError>>,
) {
    for (reply, outcome) in replies.into_iter().zip(outcomes) {
        // A caller that stopped waiting needs no answer.
        let _ = reply.send(outcome);
    }
}

/// Answers every order with the same failure of the database: `kind` of one
/// shared `cause`.
fn answer_all(
    replies: Vec<oneshot::Sender<Result<Replayable<OrderDetails>, StoreError>>>,
    cause: Box<dyn std::error::Error + Send + Sync>,
    kind: fn(Box<dyn std::error::Error + Send + Sync>) -> StoreError,
) {
    let cause: Arc<dyn std::error::Error + Send + Sync> = Arc::from(cause);
    let outcomes = replies
        .iter()
        .map(|_| Err(kind(Box::new(Arc::clone(&cause)))))
        .collect::<Vec<_>>();
    answer(replies, outcomes);
}

/// A slot taken by a running batch. Freeing it, even when the batch panicked,
/// dispatches the orders that queued meanwhile.
struct Slot {
    placer: Arc<Placer>,
    permit: Option<OwnedSemaphorePermit>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        drop(self.permit.take());
        self.placer.dispatch();
    }
}

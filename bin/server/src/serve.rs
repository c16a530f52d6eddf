//! `oms serve`: the pools, the background tasks and the HTTP server, until
//! SIGTERM or SIGINT.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpServer;
use anyhow::Context;
use oms_http::{Access, Metrics};
use oms_persistence::{pool, product_cache, warm, ProductCache, Store};

use crate::config::Settings;

/// Serves the API on the prepared database until the process is told to stop,
/// then lets requests in flight finish and closes the pools.
pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let connect = crate::prepare_database(&settings).await?;

    let workers = settings.http_workers();
    let reads = match settings.read_connect_options()? {
        Some(replica) => (0..workers)
            .map(|_| pool::build_pool(&replica, settings.worker_pool_options()))
            .collect(),
        None => Vec::new(),
    };
    let mut stores = Store::per_worker(
        (0..workers)
            .map(|_| pool::build_pool(&connect, settings.worker_pool_options()))
            .collect(),
        reads,
    );
    if settings.product_cache_size > 0 {
        let cache = ProductCache::new(settings.product_cache_size);
        actix_web::rt::spawn(product_cache::listen(
            cache.clone(),
            connect.clone(),
            Duration::from_secs(1),
        ));
        stores = stores
            .into_iter()
            .map(|store| store.with_product_cache(cache.clone()))
            .collect();
    }
    // Any store can close every worker's pool at the end.
    let closer = stores[0].clone();
    let background = Store::new(pool::build_pool(
        &connect,
        settings.single_connection_options(),
    ));
    spawn_day_totals_compaction(background.clone());
    spawn_sweeps(
        background.clone(),
        settings.idempotency_retention(),
        settings.webhook_retention(),
    );
    if settings.db_warm_connections > 0 {
        spawn_warm_ups(
            connect.clone(),
            settings.db_warm_connections,
            closer.clone(),
            background,
        );
    }
    let api = settings.api_config();
    let metrics = Metrics::new();
    if let Some(webhooks) = settings.webhooks()? {
        let counted = oms_webhooks::DeliveryMetrics::new(metrics.registry());
        actix_web::rt::spawn(oms_webhooks::run(connect.clone(), webhooks, counted));
    }
    let access = access(&settings, &connect)?;

    // actix-web calls the factory once on each worker's thread; each takes the
    // next store, so that every worker keeps to connections of its own.
    let next_store = Arc::new(AtomicUsize::new(0));
    let server = HttpServer::new(move || {
        let store = stores[next_store.fetch_add(1, Ordering::Relaxed) % stores.len()].clone();
        oms_http::app(store, api.clone(), metrics.clone(), access.clone())
    })
    .workers(workers)
    .bind((settings.host.as_str(), settings.port))
    .with_context(|| format!("cannot listen on {}:{}", settings.host, settings.port))?
    .shutdown_timeout(settings.shutdown_grace_seconds)
    .run();
    tracing::info!(
        address = %format!("http://{}:{}", settings.host, settings.port),
        schema = settings.schema(),
        "oms is serving"
    );
    server.await.context("the server failed")?;
    closer.close();
    tracing::info!("oms stopped");
    Ok(())
}

/// The key checks, with their own connection (keys are read the first time
/// they are presented, and rate-limit windows now and then). With `AUTH=off`
/// anyone may call the API, which the log says at every start.
fn access(
    settings: &Settings,
    connect: &oms_persistence::ConnectOptions,
) -> anyhow::Result<Access> {
    let store = Store::new(pool::build_pool(connect, settings.access_pool_options()));
    if !settings.auth()? {
        tracing::warn!(
            "AUTH=off: the API answers anyone, without an API key; use this for local work only"
        );
        return Ok(Access::off(store));
    }
    let access = Access::new(store, settings.default_rate_limit()?);
    actix_web::rt::spawn(access.clone().refresh_every(KEY_REFRESH_INTERVAL));
    Ok(access)
}

/// How often revocations made through other servers are looked for: they take
/// effect here within two intervals.
const KEY_REFRESH_INTERVAL: Duration = Duration::from_secs(1);

/// Folds the day totals' pending changes every second, so list totals stay a
/// read of a few thousand rows however fast orders arrive, and vacuums the pending
/// table once [`VACUUM_PENDING_AFTER`] changes have been folded, so it stays a few
/// pages long. A failure (the database is away) is retried at the next tick.
fn spawn_day_totals_compaction(store: Store) {
    actix_web::rt::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        let mut folded_since_vacuum = 0;
        loop {
            tick.tick().await;
            match store.compact_day_totals().await {
                Ok(folded) => folded_since_vacuum += folded,
                Err(error) => tracing::debug!(%error, "day totals compaction skipped"),
            }
            if folded_since_vacuum >= VACUUM_PENDING_AFTER {
                match store.vacuum_day_totals_pending().await {
                    Ok(()) => folded_since_vacuum = 0,
                    Err(error) => tracing::debug!(%error, "pending day totals not vacuumed"),
                }
            }
        }
    });
}

/// Every [`SWEEP_INTERVAL`], removes the answers to idempotency keys older than
/// `keys` (a key is thus reusable at most that long after its retention ends),
/// and webhook attempts and events older than `webhooks`. Every instance
/// sweeps: removing a row twice removes it once. A failure is retried at the
/// next tick.
fn spawn_sweeps(store: Store, keys: Duration, webhooks: Duration) {
    actix_web::rt::spawn(async move {
        let mut tick = tokio::time::interval(SWEEP_INTERVAL);
        loop {
            tick.tick().await;
            match store.sweep_idempotency_keys(keys).await {
                Ok(0) => {}
                Ok(removed) => tracing::debug!(removed, "idempotency keys swept"),
                Err(error) => tracing::debug!(%error, "idempotency keys not swept"),
            }
            match store.sweep_webhooks(webhooks).await {
                Ok(0) => {}
                Ok(removed) => tracing::debug!(removed, "webhook events and attempts swept"),
                Err(error) => tracing::debug!(%error, "webhook events and attempts not swept"),
            }
        }
    });
}

/// How often expired idempotency keys, webhook events and attempts are removed.
const SWEEP_INTERVAL: Duration = Duration::from_secs(60);

/// Reads the indexes requests use into the caches when the server starts, and
/// again whenever the tables were rewritten (a bulk load), pausing while `api`
/// serves requests (see [`warm`]). `watch` looks at the tables every few seconds.
/// A failure only costs speed, so it is logged and tried again.
fn spawn_warm_ups(
    connect: oms_persistence::ConnectOptions,
    connections: usize,
    api: Store,
    watch: Store,
) {
    actix_web::rt::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        let mut warmed = None;
        loop {
            tick.tick().await;
            let tables = match watch.tables().await {
                Ok(tables) if Some(tables) != warmed => tables,
                Ok(_) => continue,
                Err(error) => {
                    tracing::debug!(%error, "tables not looked at");
                    continue;
                }
            };
            match warm::warm(&connect, connections, || api.busy()).await {
                Ok(done) => {
                    warmed = Some(tables);
                    tracing::info!(
                        entries = done.entries,
                        seconds = done.elapsed.as_secs_f64(),
                        "read the indexes requests use into the caches"
                    );
                }
                Err(error) => tracing::warn!(%error, "could not read the indexes into the caches"),
            }
        }
    });
}

/// Folded day-totals changes (dead rows) after which their table is vacuumed:
/// about 80 pages.
const VACUUM_PENDING_AFTER: i64 = 10_000;

//! `oms seed`: deterministic data for trying the API or benchmarking it.

use std::time::Instant;

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use oms_persistence::seed::{self, Progress, Sizes};

use crate::config::Settings;

/// What `oms seed` was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::Args)]
pub struct Options {
    /// Users to generate.
    #[arg(long, env = "SEED_USERS", default_value = "10000", value_parser = count)]
    users: i64,
    /// Products to generate (at least 5).
    #[arg(long, env = "SEED_PRODUCTS", default_value = "1000", value_parser = count)]
    products: i64,
    /// Orders to generate, each with 1 to 5 lines.
    #[arg(long, env = "SEED_ORDERS", default_value = "100000", value_parser = count)]
    orders: i64,
    /// Empty the tables first even if they hold rows.
    #[arg(long, env = "SEED_REPLACE")]
    replace: bool,
}

/// A whole number of at least 1; `_` may group digits (`10_000_000`).
fn count(text: &str) -> Result<i64, String> {
    match text.replace('_', "").parse::<i64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!(
            "must be a whole number of at least 1 (got '{text}')"
        )),
    }
}

/// Prepares the database like `serve` does, then fills it.
pub async fn run(settings: &Settings, options: Options) -> anyhow::Result<()> {
    let connect = crate::prepare_database(settings).await?;
    let mut conn = connect
        .connect()
        .await
        .with_context(|| format!("cannot connect to {}", settings.database_target()))?;
    if !options.replace && seed::has_rows(&mut conn).await? {
        bail!(
            "the tables of schema '{}' already hold rows; run `oms seed --replace` to empty them first",
            settings.schema()
        );
    }
    let sizes = Sizes {
        users: options.users,
        products: options.products,
        orders: options.orders,
    };
    let bar = ProgressBar::new(u64::try_from(sizes.orders).unwrap_or(0));
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} orders {bar:40} {human_pos}/{human_len} ({per_sec:0}, {eta} left) {msg}",
        )
        .expect("a valid progress template"),
    );
    let started = Instant::now();
    seed::fill(&mut conn, sizes, |progress| match progress {
        Progress::Orders(written) => bar.set_position(u64::try_from(written).unwrap_or(0)),
        Progress::BuildingIndex { number, of } => {
            bar.set_message(format!("building index {number} of {of}"));
        }
    })
    .await
    .context("seeding failed")?;
    bar.finish_and_clear();
    println!(
        "seeded {} users, {} products, {} orders in {:.1} s (schema '{}')",
        sizes.users,
        sizes.products.max(5),
        sizes.orders,
        started.elapsed().as_secs_f64(),
        settings.schema()
    );
    Ok(())
}

//! `oms seed`: deterministic data for trying the API or benchmarking it.

use std::time::Instant;

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use oms_persistence::seed::{self, Progress, Sizes};
use oms_persistence::setup;

use crate::config::Settings;

/// What `oms seed` was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    sizes: Sizes,
    replace: bool,
}

impl Options {
    /// Reads `--users N --products N --orders N --replace`.
    pub fn parse(mut args: impl Iterator<Item = String>) -> anyhow::Result<Self> {
        let mut options = Self {
            sizes: Sizes {
                users: 10_000,
                products: 1_000,
                orders: 100_000,
            },
            replace: false,
        };
        while let Some(arg) = args.next() {
            let mut count = |name: &str| -> anyhow::Result<i64> {
                let value = args
                    .next()
                    .with_context(|| format!("{name} needs a number"))?;
                match value.replace('_', "").parse::<i64>() {
                    Ok(n) if n >= 1 => Ok(n),
                    _ => bail!("{name} must be a whole number of at least 1 (got '{value}')"),
                }
            };
            match arg.as_str() {
                "--users" => options.sizes.users = count("--users")?,
                "--products" => options.sizes.products = count("--products")?,
                "--orders" => options.sizes.orders = count("--orders")?,
                "--replace" => options.replace = true,
                other => bail!("unknown seed option '{other}'\n{}", crate::USAGE),
            }
        }
        Ok(options)
    }
}

/// Prepares the database like `serve` does, then fills it.
pub async fn run(settings: &Settings, options: Options) -> anyhow::Result<()> {
    let connect = settings.connect_options()?;
    setup::prepare(&connect, "postgres")
        .await
        .with_context(|| {
            format!(
                "cannot prepare the database at {}",
                settings.database_target()
            )
        })?;
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
    let sizes = options.sizes;
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

//! `oms`: the order-management service.
//!
//! `oms` (or `oms serve`) reads its configuration, prepares the database
//! (creating it and migrating as needed), then serves the API until SIGTERM or
//! SIGINT, finishing the requests in flight before it exits. `oms migrate` only
//! prepares the database, `oms seed` fills it with generated data, `oms keys`
//! creates, lists and revokes API keys, and
//! `oms openapi` and `oms postman` print the OpenAPI document and the Postman
//! collection.

mod cli;
mod config;
mod keys;
mod logs;
mod seed;
mod serve;

use std::process::ExitCode;

use anyhow::Context;
use oms_http::ApiConfig;
use oms_persistence::{setup, ConnectOptions};

use crate::cli::Command;
use crate::config::Settings;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("oms: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    // .env fills in variables the environment does not already set, before
    // the command line reads them.
    match dotenvy::dotenv() {
        Ok(_) => {}
        Err(error) if error.not_found() => {}
        Err(error) => return Err(error).context("cannot read .env"),
    }
    let invocation = cli::parse();
    let settings = Settings::load("config", &invocation.overrides)?;
    match invocation.command {
        Command::Serve => {
            let _logs = logs::init(&settings)?;
            actix_web::rt::System::new().block_on(serve::run(settings))
        }
        Command::Migrate => {
            let _logs = logs::init(&settings)?;
            actix_web::rt::System::new().block_on(async {
                prepare_database(&settings).await?;
                tracing::info!(schema = settings.schema(), "the database is up to date");
                Ok(())
            })
        }
        Command::Seed(options) => {
            let _logs = logs::init(&settings)?;
            actix_web::rt::System::new().block_on(seed::run(&settings, options))
        }
        // No log lines: what `keys` prints is all its output.
        Command::Keys { action } => {
            actix_web::rt::System::new().block_on(keys::run(&settings, action))
        }
        Command::Openapi => print_json(&document(&settings)),
        Command::Postman => {
            let base_url = format!("http://{}:{}", settings.host, settings.port);
            print_json(&oms_http::postman::collection(
                &document(&settings),
                &base_url,
            ))
        }
    }
}

/// Creates the database and schema if missing and applies pending migrations,
/// logging what it did; how to connect to the result.
async fn prepare_database(settings: &Settings) -> anyhow::Result<ConnectOptions> {
    let connect = settings.connect_options()?;
    let report = setup::prepare(&connect, "postgres")
        .await
        .with_context(|| {
            format!(
                "cannot prepare the database at {}; check that PostgreSQL is running there and \
             that DB_HOST, DB_PORT, DB_USER, DB_PASSWORD (or DATABASE_URL) are right",
                settings.database_target()
            )
        })?;
    if report.created_database {
        tracing::info!(database = %settings.database_target(), "created the database");
    }
    for migration in &report.applied {
        tracing::info!(%migration, schema = settings.schema(), "applied migration");
    }
    Ok(connect)
}

fn document(settings: &Settings) -> serde_json::Value {
    oms_http::openapi::Document::build(&ApiConfig::new(&settings.api_v1_prefix)).0
}

fn print_json(value: &serde_json::Value) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value).context("cannot render JSON")?;
    println!("{text}");
    Ok(())
}

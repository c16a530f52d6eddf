//! The command line: `oms [serve | migrate | seed | keys | openapi | postman]`, each
//! command with the settings it reads as options backed by environment
//! variables.

use clap::parser::ValueSource;
use clap::{Arg, ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::config::variables::VARIABLES;
use crate::{keys, seed};

/// oms: an order-management service (users, products, orders) behind a REST API
/// on PostgreSQL.
///
/// Every setting is read from, in rising order: built-in defaults, an optional
/// config.toml in the working directory (keys in lower case), a .env file, the
/// environment, and the command line. With no command, oms serves.
#[derive(Debug, Parser)]
#[command(
    name = "oms",
    version,
    after_help = "Run `oms <COMMAND> --help` for its settings."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Prepare the database (create it, migrate it) and serve the API until
    /// SIGTERM or SIGINT.
    Serve,
    /// Create the database and schema if missing and apply pending
    /// migrations, then exit.
    Migrate,
    /// Fill the database with deterministic demo or benchmark data.
    Seed(seed::Options),
    /// Create, list and revoke API keys.
    Keys {
        /// What to do with keys.
        #[command(subcommand)]
        action: keys::Action,
    },
    /// Print the OpenAPI document (JSON).
    Openapi,
    /// Print the Postman collection generated from the OpenAPI document (JSON).
    Postman,
}

/// The parsed command, and the settings given in the environment or on the
/// command line, as (setting key, value).
#[derive(Debug)]
pub struct Invocation {
    /// The command; `serve` when none was named.
    pub command: Command,
    /// Settings that override `config.toml` and the defaults.
    pub overrides: Vec<(String, String)>,
}

/// Parses the process's arguments; prints help or an error and exits when
/// they ask for it.
pub fn parse() -> Invocation {
    let matches = command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    // `keys` has commands of its own; the settings are read where they end.
    let mut settings = &matches;
    while let Some((_, sub)) = settings.subcommand() {
        settings = sub;
    }
    Invocation {
        command: cli.command.unwrap_or(Command::Serve),
        overrides: overrides(settings),
    }
}

/// The CLI with each command's settings added as options. The command with
/// no name is `serve`: its options are accepted there too, but only listed
/// under `oms serve --help`.
pub fn command() -> clap::Command {
    let root = Cli::command()
        .args(setting_args("serve").map(|arg| arg.hide(true)))
        .args_conflicts_with_subcommands(true);
    ["serve", "migrate", "seed", "keys", "openapi", "postman"]
        .into_iter()
        .fold(root, |root, name| {
            root.mut_subcommand(name, |command| {
                // Global, so that `oms keys create --db-name …` takes them too.
                command.args(setting_args(name).map(|arg| arg.global(name == "keys")))
            })
        })
}

fn setting_args(command: &str) -> impl Iterator<Item = Arg> + '_ {
    VARIABLES
        .iter()
        .filter(move |variable| variable.used.by(command))
        .map(|variable| {
            let arg = Arg::new(variable.name)
                .long(variable.long)
                .env(variable.name)
                .value_name("VALUE")
                .help(variable.help)
                .hide_env_values(variable.secret)
                .help_heading("Settings");
            if variable.default.is_empty() || variable.secret {
                arg
            } else {
                arg.default_value(variable.default)
            }
        })
}

/// The settings given in the environment or on the command line (not those
/// clap filled in from their defaults: `config.toml` may set those).
fn overrides(matches: &ArgMatches) -> Vec<(String, String)> {
    VARIABLES
        .iter()
        .filter(|variable| matches.ids().any(|id| id.as_str() == variable.name))
        .filter(|variable| {
            matches!(
                matches.value_source(variable.name),
                Some(ValueSource::EnvVariable | ValueSource::CommandLine)
            )
        })
        .filter_map(|variable| {
            let value = matches.get_one::<String>(variable.name)?;
            Some((variable.key(), value.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cli_is_well_formed() {
        command().debug_assert();
    }

    #[test]
    fn options_given_on_the_command_line_override_the_rest() {
        let matches = command()
            .try_get_matches_from(["oms", "serve", "--port", "9000", "--db-name", "shop"])
            .unwrap();
        let (_, serve) = matches.subcommand().unwrap();
        let given = overrides(serve);
        assert!(given.contains(&("port".to_owned(), "9000".to_owned())));
        assert!(given.contains(&("db_name".to_owned(), "shop".to_owned())));
        assert!(
            !given.iter().any(|(key, _)| key == "host"),
            "defaults are left to the configuration's own layer: {given:?}"
        );
    }

    #[test]
    fn each_command_takes_only_the_settings_it_reads() {
        assert!(command()
            .try_get_matches_from(["oms", "openapi", "--port", "9000"])
            .is_err());
        assert!(command()
            .try_get_matches_from(["oms", "postman", "--port", "9000"])
            .is_ok());
        assert!(command()
            .try_get_matches_from(["oms", "--port", "9000"])
            .is_ok());
    }
}

//! `mediamagic`: the all-in-one binary. Telemetry, config, then one command.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "mediamagic",
    about = "Media Magic: media, models, GPU jobs and billing behind one GraphQL API"
)]
struct Cli {
    /// Config file (TOML) layered over the built-in defaults; env: MEDIAMAGIC_CONFIG.
    #[arg(long, env = "MEDIAMAGIC_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole stack locally (private Postgres and Redis unless configured).
    Dev,
    /// Run one service (for Kubernetes): `accounts`, `models`, `media`, `jobs`, `worker`,
    /// `billing` or `compat` (the router is the `mediamagic-router` binary).
    Serve {
        /// The service to run.
        role: String,
    },
    /// Apply database migrations.
    Migrate,
    /// Print a subgraph's SDL: `accounts`, `models`, `media`, `jobs`, `worker` or `billing`.
    Sdl {
        /// The subgraph.
        subgraph: String,
    },
    /// Operate event triggers: list dead events, redeliver, invoke by hand.
    Events {
        #[command(subcommand)]
        command: EventsCommand,
    },
    /// Platform admins (the admin scope): grant, revoke (audited).
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Token utilities.
    Tokens {
        #[command(subcommand)]
        command: TokensCommand,
    },
}

#[derive(Subcommand)]
enum EventsCommand {
    /// Print dead events as JSON lines.
    Dead {
        /// Only this trigger.
        #[arg(long)]
        trigger: Option<String>,
    },
    /// Queue an event again (by id), or every dead event of a trigger (--trigger).
    Redeliver {
        /// The event id.
        id: Option<String>,
        /// Every dead event of this trigger.
        #[arg(long)]
        trigger: Option<String>,
    },
    /// Invoke a trigger by hand (op MANUAL) with a JSON payload as the new row.
    Invoke {
        /// The trigger.
        trigger: String,
        /// The payload, e.g. '{"id": "..."}'.
        payload: String,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Make an existing user an admin (from their next log-in).
    Grant {
        /// The user's email.
        email: String,
    },
    /// Take the admin scope away and revoke the user's sessions at once.
    Revoke {
        /// The user's email.
        email: String,
    },
}

#[derive(Subcommand)]
enum TokensCommand {
    /// Print a new Ed25519 key pair (hex) for `auth.*_private_key` / `auth.*_public_key`, and
    /// a random 32-byte secret for `auth.internal_secret`, `auth.events_secret` or
    /// `auth.webhook_secrets_key`.
    Keygen,
    /// Print a complete, fresh key set as `name=value` lines, the keys Secret of the Helm
    /// chart: `mediamagic tokens keyset > keys.env; kubectl create secret generic
    /// mediamagic-keys --from-env-file=keys.env`.
    Keyset,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Sdl { subgraph } => {
            print!("{}", mediamagic::stack::sdl(&subgraph)?);
            Ok(())
        }
        Command::Tokens {
            command: TokensCommand::Keygen,
        } => {
            let (private, public) = mediamagic_kit::tokens::generate_key_pair_hex();
            let secret = mediamagic::secrets::random_secret();
            println!(
                "private_key = \"{private}\"\npublic_key = \"{public}\"\nsecret = \"{secret}\""
            );
            Ok(())
        }
        Command::Tokens {
            command: TokensCommand::Keyset,
        } => {
            print!("{}", mediamagic::secrets::Keys::generate().to_env_file());
            Ok(())
        }
        command => {
            let config = mediamagic::config::load(cli.config.as_deref())?;
            let service = match &command {
                Command::Serve { role } => format!("mediamagic-{role}"),
                _ => "mediamagic".to_owned(),
            };
            mediamagic_kit::telemetry::init_with_tracing(&config.log, &config.tracing, &service)?;
            let result = run(command, config).await;
            mediamagic_kit::otel::flush();
            result
        }
    }
}

/// The configured database URL, or what to set.
fn database_url(
    config: &mediamagic::config::PlatformConfig,
) -> anyhow::Result<&mediamagic_kit::config::Secret<String>> {
    config
        .database
        .url
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("set DATABASE_URL or database.url"))
}

/// Runs a command that needs the config.
async fn run(command: Command, config: mediamagic::config::PlatformConfig) -> anyhow::Result<()> {
    match command {
        Command::Dev => mediamagic::dev::run(config).await,
        Command::Serve { role } => mediamagic::stack::serve(config, &role).await,
        Command::Migrate => {
            let url = database_url(&config)?;
            let applied = mediamagic_kit::db::run_migrations(url.expose()).await?;
            println!("applied {} migration(s)", applied.len());
            Ok(())
        }
        Command::Events { command } => {
            let url = database_url(&config)?;
            let url = url.expose();
            match command {
                EventsCommand::Dead { trigger } => {
                    mediamagic::events_cli::dead(url, trigger.as_deref()).await
                }
                EventsCommand::Redeliver { id, trigger } => {
                    mediamagic::events_cli::redeliver(url, id.as_deref(), trigger.as_deref()).await
                }
                EventsCommand::Invoke { trigger, payload } => {
                    mediamagic::events_cli::invoke(url, &trigger, &payload).await
                }
            }
        }
        Command::Admin { command } => {
            let url = database_url(&config)?;
            let (email, grant) = match &command {
                AdminCommand::Grant { email } => (email.as_str(), true),
                AdminCommand::Revoke { email } => (email.as_str(), false),
            };
            mediamagic::admin_cli::run(url.expose(), email, grant).await
        }
        Command::Sdl { .. } | Command::Tokens { .. } => Ok(()),
    }
}

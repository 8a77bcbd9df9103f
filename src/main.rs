//! `mediamagic`: the all-in-one binary. Telemetry, config, then one command.

use clap::Parser;
use mediamagic::cli::{AdminCommand, Cli, Command, EventsCommand, StorageCommand, TokensCommand};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Sdl { subgraph } => {
            print!("{}", mediamagic::stack::sdl(subgraph.as_str())?);
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
                Command::Serve { role } => format!("mediamagic-{}", role.as_str()),
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
        Command::Serve { role } => mediamagic::stack::serve(config, role.as_str()).await,
        Command::Doctor { role } => {
            let healthy = mediamagic::doctor::run(&config, role.map(|r| r.as_str())).await;
            anyhow::ensure!(healthy, "mediamagic doctor found problems (above)");
            Ok(())
        }
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
        Command::Storage {
            command:
                StorageCommand::Check {
                    repair,
                    orphan_age_hours,
                },
        } => mediamagic::storage_cli::run(&config, repair, orphan_age_hours).await,
        Command::Backup { command, kind } => {
            mediamagic::backup_cli::backup(&config, command, kind).await
        }
        Command::Restore { to } => mediamagic::backup_cli::restore(&config, to.as_deref()).await,
        Command::Agents { command } => mediamagic::agents_cli::run(&config, command).await,
        Command::Agent { url, token } => mediamagic::agents_cli::agent(&config, url, token).await,
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

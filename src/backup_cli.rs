//! `mediamagic backup`, `backup list`, `backup check` and `restore`: what they did, said in
//! plain words.

use crate::{
    backup::{
        self, BackupError,
        operations::{self, Kind},
        pgbackrest::Repository,
        restore,
    },
    cli::{BackupCommand, BackupKind},
    config::PlatformConfig,
};

fn repository(config: &PlatformConfig) -> Result<Repository, BackupError> {
    if config.database.url.is_some() {
        return Err(BackupError::ExternalDatabase);
    }
    Repository::new(config, false)
}

/// Runs `mediamagic backup [list|check] [--type ...]`.
pub async fn backup(
    config: &PlatformConfig,
    command: Option<BackupCommand>,
    kind: Option<BackupKind>,
) -> anyhow::Result<()> {
    let repo = repository(config)?;
    match command {
        None => {
            let started = std::time::Instant::now();
            operations::prepare(&repo).await?;
            let kind = match kind {
                Some(BackupKind::Full) => Kind::Full,
                Some(BackupKind::Diff) => Kind::Diff,
                Some(BackupKind::Incr) => Kind::Incr,
                None => operations::chosen(&operations::inventory(&repo).await?, &config.backup),
            };
            let taken = operations::take(&repo, kind).await?;
            println!(
                "took backup {} ({}): the database's {} stored as {} in {} ({:.1} s)",
                taken.label,
                taken.kind,
                bytes(taken.info.size),
                bytes(taken.info.repository.delta),
                repo.describe(),
                started.elapsed().as_secs_f64()
            );
        }
        Some(BackupCommand::List) => {
            let inventory = operations::inventory(&repo).await?;
            println!("repository: {}", repo.describe());
            if inventory.backups.is_empty() {
                println!("no backups yet: run mediamagic backup (or let dev's schedule take one)");
                return Ok(());
            }
            println!(
                "{:<36} {:<5} {:<20} {:>10} {:>10}",
                "label", "type", "finished (UTC)", "database", "stored"
            );
            for b in &inventory.backups {
                println!(
                    "{:<36} {:<5} {:<20} {:>10} {:>10}",
                    b.label,
                    b.kind,
                    b.stopped().format("%Y-%m-%d %H:%M:%S"),
                    bytes(b.info.size),
                    bytes(b.info.repository.delta)
                );
            }
            if let Some(earliest) = inventory.earliest_target() {
                println!(
                    "restore window: {} to the last archived change (mediamagic restore --to <time>)",
                    earliest.to_rfc3339()
                );
            }
        }
        Some(BackupCommand::Check) => {
            operations::check(&repo).await?;
            println!(
                "the WAL up to now is in {}: everything committed so far can be restored",
                repo.describe()
            );
        }
    }
    Ok(())
}

/// Runs `mediamagic restore [--to <time>]`.
pub async fn restore(config: &PlatformConfig, to: Option<&str>) -> anyhow::Result<()> {
    let target = to.map(backup::parse_time).transpose()?;
    let repo = repository(config)?;
    let restored = restore::restore(&repo, target).await?;
    match restored.target {
        Some(t) => println!(
            "restored the database to {} from {}",
            t.to_rfc3339(),
            repo.describe()
        ),
        None => println!(
            "restored the database to its last archived change from {}",
            repo.describe()
        ),
    }
    println!("  data directory: {}", restored.pg_data.display());
    if let Some(kept) = &restored.replaced {
        println!(
            "  the data it replaced is kept in {} (remove it when satisfied)",
            kept.display()
        );
    }
    println!("  took {:.1} s", restored.took.as_secs_f64());
    println!(
        "next: start mediamagic dev, then run mediamagic storage check (objects made after the restore point are orphans)"
    );
    Ok(())
}

fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

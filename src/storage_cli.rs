//! `mediamagic storage check [--repair]`: media rows and stored objects checked against each
//! other (after a restore, objects made after the restore point are orphans, and media whose
//! objects are gone are missing). Runs as the media service's database role.

use crate::{config::PlatformConfig, stack};
use mediamagic_kit::config::Secret;
use mediamagic_media::{
    Storage,
    commands::storage_check::{self, Repair, StorageReport},
};

/// Checks (and with `repair`, fixes) the configured storage against the media rows.
pub async fn check(
    config: &PlatformConfig,
    repair: bool,
    orphan_age_hours: u32,
) -> anyhow::Result<StorageReport> {
    let mut config = config.clone();
    if config.database.url.is_none() {
        config.database.url = stack::embedded_database_url(&config).map(Secret::new);
    }
    let url = stack::service_database_url(&config, "media")?;
    let pool = mediamagic_kit::db::pool(&url, 2)?;
    // Checking signs no URL: the signing secret and public URL play no part.
    let storage = Storage::from_config(
        &config.media.storage,
        &config.dev.data_dir.join("objects"),
        b"",
        "http://localhost",
    )?;
    let repair = repair.then(|| Repair {
        orphans_older_than: std::time::Duration::from_secs(u64::from(orphan_age_hours) * 3600),
    });
    storage_check::check(&pool, &storage, repair)
        .await
        .map_err(|e| anyhow::anyhow!("storage check: {e:?}"))
}

/// Runs [`check`] and prints each finding as a JSON line, then what it found and did; fails
/// when something found is still there.
pub async fn run(
    config: &PlatformConfig,
    repair: bool,
    orphan_age_hours: u32,
) -> anyhow::Result<()> {
    let report = check(config, repair, orphan_age_hours).await?;
    for missing in &report.missing {
        println!("{}", serde_json::json!({"missing": missing}));
    }
    for orphan in &report.orphans {
        println!("{}", serde_json::json!({"orphan": orphan}));
    }
    println!(
        "checked {} media rows and {} objects: {} live media without their object, {} objects no media names",
        report.rows,
        report.objects,
        report.missing.len(),
        report.orphans.len()
    );
    if repair {
        println!(
            "repaired: {} media marked failed, {} orphans removed (orphans newer than {orphan_age_hours} h are kept)",
            report.marked_failed, report.removed_orphans
        );
    }
    anyhow::ensure!(
        report.clean(),
        "storage and media rows disagree{}",
        if repair {
            " (orphans too recent to remove remain)"
        } else {
            ": run `mediamagic storage check --repair` to fix"
        }
    );
    Ok(())
}

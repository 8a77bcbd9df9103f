//! `mediamagic admin grant|revoke <email>`: the operator act that makes or unmakes a
//! platform admin, on the database directly (audited as `cli:<login user>`).

/// Grants (or revokes) the admin scope of the user with `email`.
pub async fn run(database_url: &str, email: &str, grant: bool) -> anyhow::Result<()> {
    let pool = mediamagic_kit::db::pool(database_url, 2)?;
    let actor = format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    );
    let changed = if grant {
        mediamagic_accounts::commands::admins::grant(&pool, email, &actor).await
    } else {
        mediamagic_accounts::commands::admins::revoke(&pool, email, &actor).await
    }
    .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
    let what = match (grant, changed) {
        (true, true) => "is now an admin (from their next log-in)",
        (true, false) => "was an admin already",
        (false, true) => "is no admin any more; their sessions are revoked",
        (false, false) => "was no admin",
    };
    println!("{email} {what}");
    Ok(())
}

//! `mediamagic events ...`: operate event triggers from the command line (the same store
//! functions as the admin GraphQL fields).

use mediamagic_kit::{db, events::store};

/// Lists dead events (optionally of one trigger) as JSON lines.
pub async fn dead(database_url: &str, trigger: Option<&str>) -> anyhow::Result<()> {
    let pool = db::pool(database_url, 2)?;
    let mut after = 0;
    loop {
        let page = store::dead(&pool, trigger, after, 100).await.map_err(api)?;
        for event in &page {
            println!(
                "{}",
                serde_json::json!({
                    "id": event.id, "seq": event.seq, "trigger": event.trigger_name,
                    "table": format!("{}.{}", event.schema_name, event.table_name),
                    "tries": event.tries, "last_error": event.last_error,
                    "created_at": event.created_at, "event": event.event,
                })
            );
        }
        match page.last() {
            Some(last) if page.len() == 100 => after = last.seq,
            _ => return Ok(()),
        }
    }
}

/// Redelivers one event by id, or every dead event of a trigger.
pub async fn redeliver(
    database_url: &str,
    id: Option<&str>,
    trigger: Option<&str>,
) -> anyhow::Result<()> {
    let pool = db::pool(database_url, 2)?;
    match (id, trigger) {
        (Some(id), None) => {
            let id = uuid::Uuid::parse_str(id)?;
            if store::redeliver(&pool, id).await.map_err(api)? {
                println!("queued {id} again");
            } else {
                anyhow::bail!("event {id} is not dead or delivered (or does not exist)");
            }
        }
        (None, Some(trigger)) => {
            let n = store::redeliver_dead(&pool, trigger).await.map_err(api)?;
            println!("queued {n} dead event(s) of {trigger} again");
        }
        _ => anyhow::bail!("give an event id, or --trigger NAME for all its dead events"),
    }
    Ok(())
}

/// Invokes a trigger by hand with a JSON payload as the new row.
pub async fn invoke(database_url: &str, trigger: &str, payload: &str) -> anyhow::Result<()> {
    let pool = db::pool(database_url, 2)?;
    let payload: serde_json::Value = serde_json::from_str(payload)?;
    let id = store::invoke(&pool, trigger, &payload).await.map_err(api)?;
    println!("{id}");
    Ok(())
}

fn api(err: mediamagic_kit::ApiError) -> anyhow::Error {
    anyhow::anyhow!("{}: {}", err.code(), err.message())
}

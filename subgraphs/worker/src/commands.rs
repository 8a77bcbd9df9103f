//! What the GraphQL layer asks of the worker library: the cluster's picture; and the
//! agents operators issue (`agents`).

pub mod agents;

use crate::{
    WorkerDeps, db,
    graphql::{Agent, CatalogueAvailability, Cluster, MachineType, MachineTypeSlots, Worker},
};
use chrono::Utc;
use mediamagic_jobs::commands::queue;
use mediamagic_kit::ApiResult;
use std::collections::{BTreeMap, BTreeSet};

/// How long stopped or silent workers stay listed, in seconds.
const KEEP_SECONDS: i64 = 3600;

/// The cluster: live workers' drivers and capacity, and the queue's load per machine type.
/// Workers are listed only for the admin scope.
pub async fn cluster(deps: &WorkerDeps, admin: bool) -> ApiResult<Cluster> {
    let mut conn = deps.conn().await?;
    let rows = db::workers::recent(&mut conn, KEEP_SECONDS).await?;
    let agent_rows = if admin {
        db::agents::recent(&mut conn, KEEP_SECONDS).await?
    } else {
        Vec::new()
    };
    drop(conn);
    // Per agent: (slots, busy, live processes) of its live workers.
    let mut by_agent: BTreeMap<uuid::Uuid, (i32, i32, i32)> = BTreeMap::new();
    let load = queue::machine_type_load(&deps.jobs).await?;
    // Silent for three heartbeats: presumed dead.
    let silence = chrono::Duration::milliseconds(3 * deps.config.heartbeat_ms.max(100) as i64);
    let now = Utc::now();
    let mut drivers = BTreeSet::new();
    let mut sandboxes = BTreeSet::new();
    let mut types: BTreeMap<String, MachineType> = BTreeMap::new();
    let mut workers = Vec::new();
    let mut offered: BTreeSet<(String, String)> = BTreeSet::new();
    let mut runtimes = BTreeSet::new();
    for row in rows {
        let alive = row.stopped_at.is_none() && now - row.last_heartbeat_at < silence;
        let capacity: BTreeMap<String, i64> =
            serde_json::from_value(row.capacity.clone()).unwrap_or_default();
        if alive && let Some(agent) = row.agent_id {
            let entry = by_agent.entry(agent).or_default();
            entry.0 += capacity.values().map(|s| *s as i32).sum::<i32>();
            entry.1 += row.busy;
            entry.2 += 1;
        }
        if alive {
            drivers.insert(row.driver.clone());
            sandboxes.insert(row.sandbox.clone());
            for (name, slots) in &capacity {
                let entry = types.entry(name.clone()).or_insert_with(|| empty(name));
                entry.capacity += *slots as i32;
                entry.workers += 1;
                for runtime in &row.runtimes {
                    offered.insert((name.clone(), runtime.clone()));
                }
            }
            runtimes.extend(row.runtimes.iter().cloned());
        }
        workers.push(Worker {
            capacity: capacity
                .into_iter()
                .map(|(machine_type, slots)| MachineTypeSlots {
                    machine_type,
                    slots: slots as i32,
                })
                .collect(),
            id: row.id,
            hostname: row.hostname,
            driver: row.driver,
            sandbox: row.sandbox,
            busy: row.busy,
            started_at: row.started_at,
            last_heartbeat_at: row.last_heartbeat_at,
            alive,
            gpus: serde_json::from_value(row.gpus).unwrap_or_default(),
            runtimes: row.runtimes,
        });
    }
    for entry in load {
        let machine_type = types
            .entry(entry.machine_type.clone())
            .or_insert_with(|| empty(&entry.machine_type));
        machine_type.queued = entry.queued as i32;
        machine_type.busy = entry.active as i32;
    }
    let catalogue = availability(&types, &offered);
    Ok(Cluster {
        drivers: drivers.into_iter().collect(),
        sandboxes: sandboxes.into_iter().collect(),
        machine_types: types.into_values().collect(),
        runtimes: runtimes.into_iter().collect(),
        catalogue,
        workers: if admin { workers } else { Vec::new() },
        agents: agent_rows
            .into_iter()
            .map(|a| {
                let (slots, running_jobs, workers) =
                    by_agent.get(&a.id).copied().unwrap_or_default();
                Agent {
                    name: a.name,
                    site: a.site,
                    machine_types: a.machine_types,
                    slots,
                    running_jobs,
                    workers,
                    last_seen_at: a.last_seen_at,
                    version: a.version,
                    created_at: a.created_at,
                    revoked_at: a.revoked_at,
                }
            })
            .collect(),
    })
}

/// Whether each catalogue model can run, given the live machine types (`types` with
/// capacity) and the `(machine type, runtime)` pairs live workers offer.
fn availability(
    types: &BTreeMap<String, MachineType>,
    offered: &BTreeSet<(String, String)>,
) -> Vec<CatalogueAvailability> {
    crate::domain::runtimes::catalogue_availability(
        |machine_type| types.get(machine_type).is_some_and(|t| t.capacity > 0),
        |machine_type, runtime| offered.contains(&(machine_type.to_owned(), runtime.to_owned())),
        |machine_type| format!("no live worker offers machine type `{machine_type}`"),
    )
    .into_iter()
    .map(|model| CatalogueAvailability {
        slug: model.slug,
        machine_type: model.machine_type,
        runtime: model.runtime,
        runnable: model.runnable.is_ok(),
        hint: model.runnable.err(),
    })
    .collect()
}

fn empty(name: &str) -> MachineType {
    MachineType {
        name: name.to_owned(),
        capacity: 0,
        busy: 0,
        queued: 0,
        workers: 0,
    }
}

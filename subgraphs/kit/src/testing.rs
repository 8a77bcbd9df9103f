//! Test harness: a private Postgres cluster and redis-server per test binary (unless
//! `DATABASE_URL` / `REDIS_URL` point at servers to use), and a fresh database per test,
//! cloned from a template that has every migration applied.
#![allow(clippy::expect_used, clippy::panic)]

use crate::{db, local_services};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use std::sync::OnceLock;
use tokio::sync::{Mutex, OnceCell};

struct Servers {
    /// URL of a maintenance database with the right to create databases.
    admin_url: String,
    redis_url: String,
    /// Keeps the private cluster's directory alive for the binary's lifetime.
    _dir: Option<tempfile::TempDir>,
}

static SERVERS: OnceLock<Servers> = OnceLock::new();
static TEMPLATE: OnceCell<String> = OnceCell::const_new();
static CLONE_LOCK: Mutex<()> = Mutex::const_new(());

fn servers() -> &'static Servers {
    SERVERS.get_or_init(|| {
        let database_url = std::env::var("DATABASE_URL").ok().filter(|v| !v.is_empty());
        let redis_url = std::env::var("REDIS_URL").ok().filter(|v| !v.is_empty());
        let mut dir = None;
        let admin_url = match database_url {
            Some(url) => url,
            None => {
                remove_stale_clusters();
                let tmp = tempfile::Builder::new()
                    .prefix(CLUSTER_PREFIX)
                    .tempdir()
                    .expect("temp dir for the test cluster");
                let port = local_services::free_port().expect("free port");
                let server = local_services::start_postgres(&tmp.path().join("data"), port, false)
                    .unwrap_or_else(|e| panic!("could not start a private Postgres: {e}"));
                // The watchdog stops it when this test binary exits.
                std::mem::forget(server);
                dir = Some(tmp);
                format!("postgres://postgres@127.0.0.1:{port}/postgres")
            }
        };
        let redis_url = match redis_url {
            Some(url) => url,
            None => {
                let port = local_services::free_port().expect("free port");
                let server = local_services::start_redis(None, port)
                    .unwrap_or_else(|e| panic!("could not start a private redis-server: {e}"));
                std::mem::forget(server);
                format!("redis://127.0.0.1:{port}")
            }
        };
        Servers {
            admin_url,
            redis_url,
            _dir: dir,
        }
    })
}

/// Prefix of the private clusters' directories in the temp dir.
const CLUSTER_PREFIX: &str = "mediamagic-test-pg-";

/// Removes the directories of private clusters from earlier test binaries: a binary's
/// statics are never dropped, so its directory outlives it. A directory counts as stale once
/// its Postgres is gone (no `postmaster.pid`, or its process has exited) and it is over ten
/// minutes old, so a cluster another binary is just creating is left alone.
fn remove_stale_clusters() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with(CLUSTER_PREFIX) {
            continue;
        }
        let path = entry.path();
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|at| at.elapsed().ok())
            .is_some_and(|age| age > std::time::Duration::from_secs(600));
        let running = std::fs::read_to_string(path.join("data/postmaster.pid"))
            .ok()
            .and_then(|pid| pid.lines().next()?.trim().parse::<u32>().ok())
            .is_some_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists());
        if old && !running {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{name}?{q}"),
        None => format!("{host_part}/{name}"),
    }
}

async fn template() -> &'static str {
    TEMPLATE
        .get_or_init(|| async {
            let servers = servers();
            let name = format!("mm_template_{}", std::process::id());
            admin(&format!("DROP DATABASE IF EXISTS {name}")).await;
            admin(&format!("CREATE DATABASE {name}")).await;
            db::run_migrations(&with_database(&servers.admin_url, &name))
                .await
                .expect("migrate the template database");
            name
        })
        .await
}

/// A database of its own for one test, with every migration applied. Returns its URL.
pub async fn test_database() -> String {
    let template = template().await;
    let servers = servers();
    let name = format!("mm_test_{}", uuid::Uuid::new_v4().simple());
    let _guard = CLONE_LOCK.lock().await;
    admin(&format!("CREATE DATABASE {name} TEMPLATE {template}")).await;
    with_database(&servers.admin_url, &name)
}

/// An empty database (no migrations), for tests of the migration path itself.
pub async fn empty_database() -> String {
    let servers = servers();
    let name = format!("mm_empty_{}", uuid::Uuid::new_v4().simple());
    admin(&format!("CREATE DATABASE {name}")).await;
    with_database(&servers.admin_url, &name)
}

/// Runs one statement on the test server's maintenance database.
async fn admin(statement: &str) {
    let mut conn = AsyncPgConnection::establish(&servers().admin_url)
        .await
        .expect("connect to the test server");
    conn.batch_execute(statement)
        .await
        .unwrap_or_else(|e| panic!("`{statement}` failed: {e}"));
}

/// URL of the Redis server for this test binary. Tests sharing it must use distinct keys.
pub fn redis_url() -> String {
    servers().redis_url.clone()
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn with_database_replaces_only_the_name() {
        assert_eq!(
            with_database("postgres://u:p@h:5/a?sslmode=disable", "b"),
            "postgres://u:p@h:5/b?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h:5", "b"), "postgres://h:5/b");
    }
}

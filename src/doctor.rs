//! `mediamagic doctor`: checks what running needs, with the config as loaded, and says what
//! to fix. Without `--role` it checks what `mediamagic dev` needs (its own Postgres and Redis
//! from the machine's binaries unless URLs are set, the dev keys); with `--role` what
//! `mediamagic serve <role>` needs (reachable Postgres with every migration applied, Redis,
//! the role's keys, and for media and the worker ffmpeg, storage and the job sandbox); with
//! `--role agent` what `mediamagic agent` needs (the sandbox, GPUs, and a platform that takes
//! its token for its machine types).

use crate::{config::PlatformConfig, secrets::Keys};
use mediamagic_kit::{db_roles, local_services, redis_link::RedisLink};
use std::{path::Path, time::Duration};

/// How one check went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Fine.
    Ok,
    /// Works, but worth knowing.
    Warn,
    /// Missing or broken: running will fail.
    Fail,
}

/// One check's outcome.
#[derive(Debug, Clone)]
pub struct Finding {
    /// What was checked.
    pub subject: &'static str,
    /// How it went.
    pub verdict: Verdict,
    /// What was found, and what to do about it.
    pub detail: String,
}

pub(crate) fn finding(
    subject: &'static str,
    verdict: Verdict,
    detail: impl Into<String>,
) -> Finding {
    Finding {
        subject,
        verdict,
        detail: detail.into(),
    }
}

/// Runs every check for `role` (`None`: `dev`) and prints one line each; whether nothing
/// failed.
pub async fn run(config: &PlatformConfig, role: Option<&str>) -> bool {
    let findings = check(config, role).await;
    for f in &findings {
        let mark = match f.verdict {
            Verdict::Ok => "ok  ",
            Verdict::Warn => "warn",
            Verdict::Fail => "FAIL",
        };
        println!("{mark}  {:<9} {}", f.subject, f.detail);
    }
    let failed = findings
        .iter()
        .filter(|f| f.verdict == Verdict::Fail)
        .count();
    match failed {
        0 => println!(
            "ready for {}",
            match role {
                None => "mediamagic dev".to_owned(),
                Some("agent") => "mediamagic agent".to_owned(),
                Some(r) => format!("serve {r}"),
            }
        ),
        n => println!("{n} problem(s) to fix first"),
    }
    failed == 0
}

/// Every check for `role` (`None`: `dev`; `agent`: what `mediamagic agent` needs).
pub async fn check(config: &PlatformConfig, role: Option<&str>) -> Vec<Finding> {
    if role == Some("agent") {
        let mut findings = vec![
            program("ffmpeg", "-version"),
            program("ffprobe", "-version"),
            sandbox(config).await,
            catalogue(config),
        ];
        findings.extend(crate::doctor_agent::check(config).await);
        return findings;
    }
    let mut findings = vec![database(config, role).await, redis(config, role).await];
    let needs_media_tools = matches!(role, None | Some("media") | Some("worker"));
    if needs_media_tools {
        findings.push(program("ffmpeg", "-version"));
        findings.push(program("ffprobe", "-version"));
    }
    if matches!(role, None | Some("worker")) {
        findings.push(sandbox(config).await);
        if config.worker.enabled {
            findings.push(catalogue(config));
        }
    }
    if matches!(role, None | Some("media")) {
        findings.push(storage(config).await);
    }
    if role != Some("compat") {
        findings.push(keys(config, role));
    }
    findings
}

async fn database(config: &PlatformConfig, role: Option<&str>) -> Finding {
    if let Some(role) = role.filter(|r| *r != "compat") {
        return role_databases(config, role).await;
    }
    let Some(url) = &config.database.url else {
        if role == Some("compat") {
            return finding("postgres", Verdict::Ok, "not needed by compat");
        }
        if role.is_some() {
            return finding(
                "postgres",
                Verdict::Fail,
                "no database configured: set DATABASE_URL (or database.url)",
            );
        }
        return match local_services::postgres_bin_dir() {
            Ok(dir) => finding(
                "postgres",
                Verdict::Ok,
                format!("dev starts its own from {}", dir.display()),
            ),
            Err(e) => finding(
                "postgres",
                Verdict::Fail,
                format!("{e} (apt-get install postgresql; scripts/dev.sh does)"),
            ),
        };
    };
    migrated(url.expose(), "").await
}

/// `serve <role>` connects as the role's own Postgres role(s): each must connect and see
/// every migration applied.
async fn role_databases(config: &PlatformConfig, role: &str) -> Finding {
    let mut roles = Vec::new();
    for service in crate::stack::database_roles_of(role) {
        let name = db_roles::role_name(service);
        let url = match crate::stack::service_database_url(config, service) {
            Ok(url) => url,
            Err(e) => {
                return finding(
                    "postgres",
                    Verdict::Fail,
                    format!("no database configured: {e}"),
                );
            }
        };
        let checked = migrated(&url, &format!("as {name}: ")).await;
        if !matches!(checked.verdict, Verdict::Ok) {
            return checked;
        }
        roles.push(name);
    }
    finding(
        "postgres",
        Verdict::Ok,
        format!(
            "reachable as {}, every migration applied",
            roles.join(" and ")
        ),
    )
}

/// Connects to `url` and checks that every migration is applied; `who` prefixes the message.
async fn migrated(url: &str, who: &str) -> Finding {
    use diesel_async::AsyncConnection;
    let connect = diesel_async::AsyncPgConnection::establish(url);
    let mut conn = match tokio::time::timeout(Duration::from_secs(5), connect).await {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => {
            let hint = if e.to_string().contains("does not exist") {
                "run `mediamagic migrate`: it makes the service roles"
            } else {
                "check DATABASE_URL or database.roles, and that Postgres runs"
            };
            return finding(
                "postgres",
                Verdict::Fail,
                format!("{who}cannot connect: {e} ({hint})"),
            );
        }
        Err(_) => {
            return finding(
                "postgres",
                Verdict::Fail,
                format!("{who}no answer within 5 s (check DATABASE_URL, the network and firewall)"),
            );
        }
    };
    match mediamagic_kit::db::migrations_applied(&mut conn).await {
        Ok(true) => finding(
            "postgres",
            Verdict::Ok,
            format!("{who}reachable, every migration applied"),
        ),
        Ok(false) => finding(
            "postgres",
            Verdict::Fail,
            format!("{who}reachable, but migrations are missing: run `mediamagic migrate`"),
        ),
        // An empty database has no migrations table yet (nor grants for the service roles).
        Err(e) => finding(
            "postgres",
            Verdict::Fail,
            format!(
                "{who}reachable, but no migrations are recorded ({e}): run `mediamagic migrate`"
            ),
        ),
    }
}

async fn redis(config: &PlatformConfig, role: Option<&str>) -> Finding {
    let Some(url) = &config.redis.url else {
        if role.is_some() {
            return finding(
                "redis",
                Verdict::Warn,
                "no Redis configured (REDIS_URL): services run without it, slower to notice \
                 revocations, job updates and queue signals",
            );
        }
        return match local_services::which("redis-server") {
            Some(path) => finding(
                "redis",
                Verdict::Ok,
                format!("dev starts its own ({})", path.display()),
            ),
            None => finding(
                "redis",
                Verdict::Fail,
                "`redis-server` not found (apt-get install redis-server; scripts/dev.sh does)",
            ),
        };
    };
    let link = RedisLink::new(url.expose().clone());
    match tokio::time::timeout(Duration::from_secs(3), link.ping()).await {
        Ok(Ok(())) => finding("redis", Verdict::Ok, "reachable"),
        Ok(Err(e)) => finding(
            "redis",
            Verdict::Warn,
            format!("cannot reach it ({e}): services work without it, check REDIS_URL"),
        ),
        Err(_) => finding(
            "redis",
            Verdict::Warn,
            "no answer within 3 s: services work without it, check REDIS_URL",
        ),
    }
}

fn program(name: &'static str, version_flag: &str) -> Finding {
    let ran = std::process::Command::new(name).arg(version_flag).output();
    match ran {
        Ok(output) if output.status.success() => {
            let first = String::from_utf8_lossy(&output.stdout)
                .lines()
                .next()
                .unwrap_or_default()
                .chars()
                .take(60)
                .collect::<String>();
            finding(name, Verdict::Ok, first)
        }
        _ => finding(
            name,
            Verdict::Fail,
            format!("`{name}` not found or broken (apt-get install ffmpeg; scripts/dev.sh does)"),
        ),
    }
}

async fn sandbox(config: &PlatformConfig) -> Finding {
    if !config.worker.enabled {
        return finding(
            "sandbox",
            Verdict::Ok,
            "no worker here (worker.enabled = false)",
        );
    }
    if config.worker.driver == mediamagic_worker::config::DriverKind::Kubernetes {
        return finding("sandbox", Verdict::Ok, "jobs run as Kubernetes pods");
    }
    match mediamagic_worker::drivers::probe::probe(&config.worker).await {
        Ok(described) if described.starts_with("none") => {
            finding("sandbox", Verdict::Warn, described)
        }
        Ok(described) if described.contains("rlimits only") => finding(
            "sandbox",
            Verdict::Warn,
            format!(
                "{described}: no writable cgroup hierarchy, memory is limited by address space"
            ),
        ),
        Ok(described) => finding("sandbox", Verdict::Ok, format!("{described}, a run works")),
        Err(why) => finding(
            "sandbox",
            Verdict::Fail,
            format!(
                "{why} (apt-get install bubblewrap util-linux; run the worker as root for the \
                 uid switch)"
            ),
        ),
    }
}

/// Which catalogue models this worker can run; one it cannot is a warning saying why (a
/// machine type it has no slots for, or the command that installs a missing runtime).
fn catalogue(config: &PlatformConfig) -> Finding {
    let (runnable, missing) = mediamagic_worker::domain::runtimes::catalogue_on(&config.worker);
    if missing.is_empty() {
        return finding(
            "catalogue",
            Verdict::Ok,
            format!("every model runs here: {}", runnable.join(", ")),
        );
    }
    let lacking: Vec<String> = missing
        .iter()
        .map(|(slug, why)| format!("{slug} ({why})"))
        .collect();
    finding(
        "catalogue",
        Verdict::Warn,
        format!("runs {}; not {}", runnable.join(", "), lacking.join(", ")),
    )
}

async fn storage(config: &PlatformConfig) -> Finding {
    use mediamagic_media::config::StorageConfig;
    let local_root = config.dev.data_dir.join("objects");
    let dir = match &config.media.storage {
        StorageConfig::Local => local_root.as_path(),
        StorageConfig::Directory { path } => path.as_path(),
        StorageConfig::S3(s3) => {
            let store = mediamagic_media::storage::Storage::s3(s3);
            return bucket_storage(store, format!("S3 bucket `{}`", s3.bucket)).await;
        }
        StorageConfig::Gcs(gcs) => {
            let store = mediamagic_media::storage::Storage::gcs(gcs);
            return bucket_storage(store, format!("GCS bucket `{}`", gcs.bucket)).await;
        }
    };
    match writable(dir) {
        Ok(()) => finding(
            "storage",
            Verdict::Ok,
            format!("local files in {}", dir.display()),
        ),
        Err(e) => finding(
            "storage",
            Verdict::Fail,
            format!("cannot write to {}: {e}", dir.display()),
        ),
    }
}

fn writable(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let probe = dir.join(".mediamagic-doctor");
    std::fs::write(&probe, b"ok")?;
    std::fs::remove_file(&probe)
}

/// Writes, signs a URL for and removes a probe object in a bucket.
async fn bucket_storage(
    store: Result<mediamagic_media::storage::Storage, mediamagic_media::storage::StorageError>,
    bucket: String,
) -> Finding {
    let store = match store {
        Ok(store) => store,
        Err(e) => return finding("storage", Verdict::Fail, format!("{bucket} settings: {e}")),
    };
    let key = "mediamagic-doctor/probe";
    let written = tokio::time::timeout(Duration::from_secs(10), async {
        store
            .put_stream(
                key,
                futures_ok(bytes::Bytes::from_static(b"ok")),
                2,
                mediamagic_media::storage::checksum::PartChecksum::Sha256,
            )
            .await?;
        store
            .download_url(key, "text/plain", Duration::from_secs(60))
            .await?;
        store.delete(key).await
    })
    .await;
    match written {
        Ok(Ok(())) => finding(
            "storage",
            Verdict::Ok,
            format!("{bucket} writable, URLs signed"),
        ),
        Ok(Err(e)) => finding(
            "storage",
            Verdict::Fail,
            format!("{bucket}: {e} (check the endpoint, bucket and credentials)"),
        ),
        Err(_) => finding(
            "storage",
            Verdict::Fail,
            format!("{bucket}: no answer within 10 s"),
        ),
    }
}

fn futures_ok(
    bytes: bytes::Bytes,
) -> impl futures::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send + Unpin {
    futures::stream::iter([Ok(bytes)])
}

fn keys(config: &PlatformConfig, role: Option<&str>) -> Finding {
    match role {
        Some(role) => match Keys::for_role(&config.auth, role) {
            Ok(_) => finding(
                "keys",
                Verdict::Ok,
                format!("`{role}` has every key it needs"),
            ),
            Err(e) => finding("keys", Verdict::Fail, e.to_string()),
        },
        None => {
            let file = config.dev.data_dir.join("secrets.toml");
            if file.exists() {
                finding(
                    "keys",
                    Verdict::Ok,
                    format!("dev keys in {}", file.display()),
                )
            } else {
                finding(
                    "keys",
                    Verdict::Ok,
                    format!(
                        "dev generates its keys into {} on first start",
                        file.display()
                    ),
                )
            }
        }
    }
}

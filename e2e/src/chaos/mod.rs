//! The fault-injection harness: the stack as separate processes (one `mediamagic serve
//! <role>` per service, two workers, the router, and a worker agent on a test host of its
//! own that reaches only the router) on a Postgres and a Redis of its own, a
//! mixed workload from several accounts (uploads, deployments of fast jobs with callbacks
//! and idempotency keys, queries), and faults at chosen moments: `kill -9` of each service
//! and of the router (each restarted), a Postgres fast restart, Redis frozen then resumed,
//! a worker frozen past its lease then resumed, the agent killed (and restarted) and cut off
//! past its lease by a real network partition. At the end it checks the invariants and
//! reports how long the API took to answer again after each fault.
//!
//! `e2e/tests/chaos.rs` runs a CI-sized round; `e2e/bench/run.sh chaos` the full size.

mod agent;

use crate::{
    jobs::{Received, receiver},
    own_servers,
};
use agent::ChaosAgent;
use diesel::{
    QueryableByName,
    sql_types::{BigInt, Text},
};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use mediamagic::{
    router_process::{self, RouterLaunch},
    secrets::Keys,
};
use mediamagic_kit::local_services::{LocalServer, free_port};
use serde_json::{Value, json};
use std::{
    collections::{BTreeMap, HashMap, HashSet},
    path::PathBuf,
    process::Stdio,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tokio::process::{Child, Command};

/// Service processes (`mediamagic serve <role>`) of the harness, workers apart.
const ROLES: &[&str] = &["accounts", "models", "media", "jobs", "billing", "compat"];
/// The two worker processes.
const WORKERS: &[&str] = &["worker-a", "worker-b"];
/// The worker agent (`mediamagic agent`, on a test host of its own).
const AGENT: &str = "agent";
/// Longest any one client request may take before it counts as hung.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(40);

/// One fault.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    /// `kill -9` of a process (a role, a worker or `router`), then a restart.
    Kill(&'static str),
    /// Postgres stopped fast and started again.
    PostgresRestart,
    /// Redis frozen (SIGSTOP) for a while, then resumed.
    RedisFreeze,
    /// A worker frozen past its lease, then resumed.
    WorkerFreeze,
    /// The agent's test host cut off from the platform past its lease, then joined again.
    AgentPartition,
}

impl Fault {
    /// Every kind of fault once.
    pub fn every_kind() -> Vec<Fault> {
        let mut all: Vec<Fault> = ROLES.iter().map(|r| Fault::Kill(r)).collect();
        all.push(Fault::Kill("worker-a"));
        all.push(Fault::Kill("router"));
        all.push(Fault::Kill(AGENT));
        all.extend([
            Fault::PostgresRestart,
            Fault::RedisFreeze,
            Fault::WorkerFreeze,
            Fault::AgentPartition,
        ]);
        all
    }

    /// A short name for reports.
    pub fn name(&self) -> String {
        match self {
            Fault::Kill(what) => format!("kill -9 {what}"),
            Fault::PostgresRestart => "postgres restart".into(),
            Fault::RedisFreeze => "redis frozen".into(),
            Fault::WorkerFreeze => "worker frozen past its lease".into(),
            Fault::AgentPartition => "agent cut off past its lease".into(),
        }
    }
}

/// The size of a run.
#[derive(Clone, Debug)]
pub struct ChaosPlan {
    /// Accounts making requests at once.
    pub accounts: usize,
    /// Deployments per account.
    pub jobs_per_account: usize,
    /// Pause between one account's deployments (spread them over the faults).
    pub pace: Duration,
    /// Faults, in order, one every `fault_every`.
    pub faults: Vec<Fault>,
    /// Pause between faults.
    pub fault_every: Duration,
    /// Longest the queue may take to drain after the last fault.
    pub drain_within: Duration,
}

/// What a run saw.
#[derive(Debug, Default)]
pub struct ChaosReport {
    /// Jobs created.
    pub jobs: usize,
    /// Broken invariants (empty when the run passed).
    pub violations: Vec<String>,
    /// Per fault: time from its end (the kill, the stop of Postgres, the resume of what was
    /// frozen) until the API answered an authenticated query again.
    pub recoveries: Vec<(Fault, Duration)>,
    /// Per fault: time from its end until the jobs not yet terminal were back to no more
    /// than just before it (the queue caught up); `None` when it did not within 60 s.
    pub queue_recoveries: Vec<(Fault, Option<Duration>)>,
    /// Time from the end of the faults and of the deployments until every job was terminal.
    pub drained_in: Duration,
    /// Client requests by outcome (`ok`, an error code, `refused` for no connection).
    pub outcomes: BTreeMap<String, usize>,
    /// The worker agent's runs by outcome (none would mean its faults tested nothing).
    pub agent_runs: BTreeMap<String, usize>,
}

/// The stack under test.
pub struct ChaosStack {
    dir: tempfile::TempDir,
    postgres: Option<LocalServer>,
    postgres_port: u16,
    redis_port: u16,
    _redis: LocalServer,
    keys: Keys,
    config: PathBuf,
    ports: HashMap<&'static str, u16>,
    router_port: u16,
    processes: HashMap<&'static str, Child>,
    agent: Option<ChaosAgent>,
    database_url: String,
    http: reqwest::Client,
    /// Keep the services' logs when dropped (a run with violations).
    keep_logs: bool,
}

fn port_key(role: &str) -> &'static str {
    match role {
        "accounts" => "accounts_port",
        "models" => "models_port",
        "media" => "media_port",
        "jobs" => "jobs_port",
        "billing" => "billing_port",
        "compat" => "compat_port",
        _ => "worker_port",
    }
}

impl ChaosStack {
    /// Starts Postgres, Redis, every service process and the router.
    pub async fn start() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        if std::env::var_os("CHAOS_KEEP").is_some() {
            eprintln!("chaos logs under {}", dir.path().display());
        }
        let (postgres, database_url) = own_servers::postgres(&dir.path().join("pg")).await?;
        let postgres_port = postgres.port;
        let (redis, _) = own_servers::redis()?;
        let redis_port = redis.port;
        let keys = Keys::generate();
        let mut ports = HashMap::new();
        for role in ROLES.iter().chain(WORKERS) {
            ports.insert(*role, free_port()?);
        }
        let router_port = free_port()?;
        // The agent's host, and where every process reaches signed object URLs: the router
        // on the host's link (its `/objects/` route), the one address the agent can reach.
        let agent_host = crate::netns::TestHost::create()?;
        let objects_url = format!("http://{}:{router_port}", agent_host.host_ip);
        let config = dir.path().join("platform.toml");
        std::fs::write(
            &config,
            platform_config(
                &database_url,
                redis_port,
                &keys,
                &ports,
                router_port,
                &dir.path().join("objects"),
                &objects_url,
            ),
        )?;
        let mut stack = Self {
            dir,
            postgres: Some(postgres),
            postgres_port,
            redis_port,
            _redis: redis,
            keys,
            config,
            ports,
            router_port,
            processes: HashMap::new(),
            agent: None,
            keep_logs: false,
            database_url,
            http: reqwest::Client::builder()
                .timeout(REQUEST_TIMEOUT)
                .build()?,
        };
        for role in ROLES.iter().chain(WORKERS) {
            stack.spawn(role)?;
        }
        for role in ROLES.iter().chain(WORKERS) {
            stack.wait_ready(role).await?;
        }
        stack.spawn_router().await?;
        stack.agent = Some(
            ChaosAgent::start(
                agent_host,
                stack.dir.path(),
                &stack.database_url,
                router_port,
            )
            .await?,
        );
        Ok(stack)
    }

    /// The router's GraphQL URL.
    pub fn graphql_url(&self) -> String {
        format!("http://127.0.0.1:{}/graphql", self.router_port)
    }

    fn spawn(&mut self, name: &'static str) -> anyhow::Result<()> {
        let role = if WORKERS.contains(&name) {
            "worker"
        } else {
            name
        };
        // Appended: a restarted process keeps what the killed one wrote.
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join(format!("{name}.log")))?;
        let child = Command::new(crate::workspace_binary("mediamagic"))
            .arg("--config")
            .arg(&self.config)
            .args(["serve", role])
            .env("MEDIAMAGIC__WORKER__ID", name)
            .env(
                format!(
                    "MEDIAMAGIC__LISTEN__{}",
                    port_key(name).to_ascii_uppercase()
                ),
                self.ports[name].to_string(),
            )
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true)
            .spawn()?;
        self.processes.insert(name, child);
        Ok(())
    }

    async fn wait_ready(&self, name: &str) -> anyhow::Result<()> {
        let url = format!("http://127.0.0.1:{}/readyz", self.ports[name]);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(answer) = self.http.get(&url).send().await
                && answer.status().is_success()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(self.dir.path().join(format!("{name}.log")))
                    .unwrap_or_default();
                anyhow::bail!("{name} did not become ready; its log:\n{log}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn spawn_router(&mut self) -> anyhow::Result<()> {
        let url = |role: &str| format!("http://127.0.0.1:{}", self.ports[role]);
        let subgraphs = ["accounts", "models", "media", "jobs", "billing"]
            .into_iter()
            .map(|s| (s, format!("{}/graphql", url(s))))
            .chain(std::iter::once((
                "worker",
                format!("{}/graphql", url("worker-a")),
            )))
            .collect();
        let services = [("media", url("media")), ("compat", url("compat"))]
            .into_iter()
            // The agent routes go to a worker service.
            .chain(std::iter::once(("worker", url("worker-a"))))
            .collect();
        let child = router_process::spawn(RouterLaunch {
            binary: router_process::default_binary(),
            base_config: router_process::DEV_CONFIG.to_owned(),
            work_dir: &self.dir.path().join("router"),
            // Also on the agent's link (the services listen on loopback only).
            host: "0.0.0.0",
            port: self.router_port,
            subgraphs,
            services,
            keys: &self.keys,
            redis_url: &format!("redis://127.0.0.1:{}", self.redis_port),
            accounts_url: url("accounts"),
        })
        .await?;
        self.processes.insert("router", child);
        Ok(())
    }

    fn signal(&self, name: &str, signal: &str) {
        if let Some(pid) = self.processes.get(name).and_then(Child::id) {
            let _ = std::process::Command::new("kill")
                .args([format!("-{signal}"), pid.to_string()])
                .status();
        }
    }

    fn signal_redis(&self, signal: &str) {
        own_servers::signal_redis(self.redis_port, signal);
    }

    /// Applies `fault` (restarting what it killed); returns when the fault itself ended:
    /// the kill or the stop, or the resume of what was frozen.
    pub async fn inject(&mut self, fault: &Fault) -> anyhow::Result<Instant> {
        let mut ended = Instant::now();
        match fault {
            Fault::Kill(name) => {
                self.signal(name, "KILL");
                if let Some(mut child) = self.processes.remove(name) {
                    let _ = child.wait().await;
                }
                if *name == AGENT {
                    self.until_the_agent_runs_a_job().await;
                    if let Some(agent) = self.agent.as_mut() {
                        agent.kill_and_restart().await?;
                    }
                } else if *name == "router" {
                    self.spawn_router().await?;
                } else {
                    self.spawn(name)?;
                    self.wait_ready(name).await?;
                }
            }
            Fault::PostgresRestart => {
                if let Some(postgres) = self.postgres.take() {
                    tokio::task::spawn_blocking(move || postgres.stop()).await?;
                }
                ended = Instant::now();
                self.postgres = Some(
                    own_servers::restart_postgres(&self.dir.path().join("pg"), self.postgres_port)
                        .await?,
                );
            }
            Fault::RedisFreeze => {
                self.signal_redis("STOP");
                tokio::time::sleep(Duration::from_secs(3)).await;
                self.signal_redis("CONT");
                ended = Instant::now();
            }
            Fault::WorkerFreeze => {
                // The lease is 2 s: frozen for 4 s, its jobs go to the other worker.
                self.signal("worker-b", "STOP");
                tokio::time::sleep(Duration::from_secs(4)).await;
                self.signal("worker-b", "CONT");
                ended = Instant::now();
            }
            Fault::AgentPartition => {
                // Past the 2 s lease: its runs go to the workers, its late calls are refused.
                self.until_the_agent_runs_a_job().await;
                if let Some(agent) = &self.agent {
                    agent.partition(Duration::from_secs(4)).await?;
                }
                ended = Instant::now();
            }
        }
        Ok(ended)
    }

    /// Waits (up to 10 s) until the agent holds a run, so that its fault hits one.
    async fn until_the_agent_runs_a_job(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(mut conn) = self.db().await
                && count(
                    &mut conn,
                    "SELECT count(*) AS n FROM worker.runs r \
                     JOIN worker.workers w ON w.id = r.worker_id \
                     WHERE w.agent_id IS NOT NULL AND r.outcome IS NULL",
                )
                .await
                .is_ok_and(|n| n > 0)
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn db(&self) -> anyhow::Result<AsyncPgConnection> {
        Ok(AsyncPgConnection::establish(&self.database_url).await?)
    }
}

impl Drop for ChaosStack {
    fn drop(&mut self) {
        if std::env::var_os("CHAOS_KEEP").is_some() || self.keep_logs {
            let kept = tempfile::tempdir().map(|d| d.keep()).unwrap_or_default();
            let _ = std::process::Command::new("cp")
                .arg("-r")
                .arg(self.dir.path())
                .arg(&kept)
                .status();
            eprintln!("chaos logs kept under {}", kept.display());
        }
        // Frozen processes cannot die: resume everything first.
        self.signal_redis("CONT");
        for child in self.processes.values_mut() {
            if let Some(pid) = child.id() {
                let _ = std::process::Command::new("kill")
                    .args(["-CONT", &pid.to_string()])
                    .status();
            }
            let _ = child.start_kill();
        }
        if let Some(postgres) = self.postgres.take() {
            postgres.stop();
        }
    }
}

/// Every event trigger retrying fast, and taken over 7 s (timeout + margin) after a killed
/// dispatcher cut its delivery off.
fn fast_triggers() -> String {
    use mediamagic_accounts::events::{API_KEY_REVOKED, SESSION_REVOKED};
    use mediamagic_billing::events::{BUDGET_EXCEEDED, JOB_USAGE};
    use mediamagic_jobs::events::JOB_STATUS;
    use mediamagic_media::events::{MEDIA_DELETED, MEDIA_LIVE};
    [
        API_KEY_REVOKED,
        SESSION_REVOKED,
        JOB_USAGE,
        BUDGET_EXCEEDED,
        JOB_STATUS,
        MEDIA_LIVE,
        MEDIA_DELETED,
    ]
    .iter()
    .map(|trigger| {
        format!(
            "[events.triggers.{trigger}]\nretries = 30\nbase_interval_ms = 100\n\
                 max_interval_ms = 2000\ntimeout_ms = 5000\nlease_margin_ms = 2000\n"
        )
    })
    .collect()
}

fn platform_config(
    database_url: &str,
    redis_port: u16,
    keys: &Keys,
    ports: &HashMap<&'static str, u16>,
    router_port: u16,
    objects: &std::path::Path,
    objects_url: &str,
) -> String {
    format!(
        r#"
[database]
url = "{database_url}"
max_connections = 8
[redis]
url = "redis://127.0.0.1:{redis_port}"
[auth]
{auth}[log]
format = "json"
filter = "warn"
[listen]
host = "127.0.0.1"
accounts_port = {accounts}
models_port = {models}
media_port = {media}
jobs_port = {jobs}
billing_port = {billing}
compat_port = {compat}
router_port = {router_port}
[media]
storage = {{ kind = "directory", path = "{objects}" }}
public_url = "{objects_url}"
[jobs]
allow_private_callbacks = true
lease_seconds = 2
max_attempts = 5
max_running_per_account = 8
sweep_interval_ms = 200
media_url = "http://127.0.0.1:{media}/graphql"
[worker]
enabled = true
heartbeat_ms = 300
poll_ms = 200
kill_grace_ms = 500
media_url = "http://127.0.0.1:{media}/graphql"
machine_types = {{ cpu = {{ slots = 4 }} }}
[compat]
graphql_url = "http://127.0.0.1:{router_port}/graphql"
{triggers}"#,
        auth = keys.to_toml(),
        triggers = fast_triggers(),
        accounts = ports["accounts"],
        models = ports["models"],
        media = ports["media"],
        jobs = ports["jobs"],
        billing = ports["billing"],
        compat = ports["compat"],
        objects = objects.display(),
    )
}

/// Codes a retry cannot change (the request itself is wrong).
const PERMANENT: &[&str] = &[
    "BAD_USER_INPUT",
    "GRAPHQL_VALIDATION_FAILED",
    "GRAPHQL_PARSE_FAILED",
    "FORBIDDEN",
    "NOT_FOUND",
];

/// The last error answer seen (for the message when a request keeps failing).
static LAST_ERROR: Mutex<String> = Mutex::new(String::new());

/// Outcome counts shared by the workload's tasks.
type Outcomes = Arc<Mutex<BTreeMap<String, usize>>>;

/// One GraphQL call through the router: `Ok(data)`, or the outcome recorded as an error
/// code (`refused` without a connection, `hung` past [`REQUEST_TIMEOUT`]).
async fn call(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
    outcomes: &Outcomes,
) -> Result<Value, String> {
    let mut request = http
        .post(url)
        .json(&json!({"query": query, "variables": variables}));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let outcome = match request.send().await {
        Err(e) if e.is_timeout() => Err("hung".to_owned()),
        Err(_) => Err("refused".to_owned()),
        Ok(response) => match response.json::<Value>().await {
            Err(e) if e.is_timeout() => Err("hung".to_owned()),
            Err(_) => Err("unreadable".to_owned()),
            Ok(body) => match body["errors"][0]["extensions"]["code"].as_str() {
                Some(code) => {
                    if code == "INTERNAL" {
                        eprintln!("chaos: an INTERNAL answer: {}", body["errors"][0]);
                    }
                    *LAST_ERROR.lock().unwrap_or_else(|e| e.into_inner()) =
                        body["errors"][0].to_string();
                    Err(code.to_owned())
                }
                None if body["errors"].is_array() => Err("uncoded".to_owned()),
                None => Ok(body["data"].clone()),
            },
        },
    };
    let key = match &outcome {
        Ok(_) => "ok".to_owned(),
        Err(code) => code.clone(),
    };
    *outcomes
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(key)
        .or_default() += 1;
    outcome
}

/// `call` until it succeeds (faults pass); gives up after `within`.
async fn until_ok(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
    outcomes: &Outcomes,
    within: Duration,
) -> anyhow::Result<Value> {
    let deadline = Instant::now() + within;
    loop {
        match call(http, url, token, query, variables.clone(), outcomes).await {
            Ok(data) => return Ok(data),
            Err(code) if PERMANENT.contains(&code.as_str()) => {
                let last = LAST_ERROR.lock().unwrap_or_else(|e| e.into_inner()).clone();
                anyhow::bail!("`{query}` was refused ({code}): {last}")
            }
            Err(code) if Instant::now() > deadline => {
                let last = LAST_ERROR.lock().unwrap_or_else(|e| e.into_inner()).clone();
                anyhow::bail!("`{query}` kept failing ({code}); last error: {last}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// Uploads an mp3 through the router's multipart GraphQL; retried until it is stored.
async fn upload(http: &reqwest::Client, url: &str, token: &str) -> anyhow::Result<String> {
    let bytes = crate::media::mp3();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (content_type, body) = crate::media::graphql_multipart(
            &json!({"query": "mutation($f: Upload!) { uploadMedia(file: $f) { id } }", "variables": {"f": null}}),
            &json!({"0": ["variables.f"]}),
            &[("0", "in.mp3", "audio/mpeg", &bytes)],
        );
        let sent = http
            .post(url)
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await;
        if let Ok(response) = sent
            && let Ok(body) = response.json::<Value>().await
            && let Some(id) = body["data"]["uploadMedia"]["id"].as_str()
        {
            return Ok(id.to_owned());
        }
        anyhow::ensure!(Instant::now() < deadline, "the upload kept failing");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// The log lines a subscriber received for a job, by job id.
pub type FollowedLogs = Vec<(String, Vec<String>)>;

/// One account's work: sign up, upload, a model, then deployments (each with an
/// idempotency key, retried with it until answered) and reads in between; account 0 also
/// follows every job's log over a subscription that reconnects with its cursor. Returns
/// `(job ids, followed logs)`.
async fn account_workload(
    http: reqwest::Client,
    url: String,
    index: usize,
    jobs: usize,
    pace: Duration,
    callback: String,
    outcomes: Outcomes,
) -> anyhow::Result<(Vec<String>, FollowedLogs)> {
    let email = format!(
        "chaos-{index}-{}@example.com",
        uuid::Uuid::new_v4().simple()
    );
    let long = Duration::from_secs(180);
    let signed = until_ok(
        &http,
        &url,
        None,
        "mutation($e: String!) { signUp(input: {email: $e, password: \"correct horse 1\", name: \"chaos\"}) { token } }",
        json!({"e": email}),
        &outcomes,
        Duration::from_secs(5),
    )
    .await;
    // A sign-up whose answer was lost may have happened: log in then.
    let token = match signed {
        Ok(data) => data["signUp"]["token"].as_str().unwrap_or("").to_owned(),
        Err(_) => until_ok(
            &http,
            &url,
            None,
            "mutation($e: String!) { logIn(input: {email: $e, password: \"correct horse 1\"}) { token } }",
            json!({"e": email}),
            &outcomes,
            long,
        )
        .await?["logIn"]["token"]
            .as_str()
            .unwrap_or("")
            .to_owned(),
    };
    let input = upload(&http, &url, &token).await?;
    let model = until_ok(
        &http,
        &url,
        Some(&token),
        "mutation($i: CreateModelInput!) { createModel(input: $i) { id } }",
        json!({"i": {
            "name": format!("chaos-{index}"),
            "container": "debian:bookworm-slim",
            "command": "sh -c {script} sh {input}",
            "machineType": "cpu",
            "timeoutSeconds": 60,
            "args": {
                "script": {"type": "string", "default": "echo start; sleep 0.3; cp \"$1\" out.mp3; echo done"},
                "input": {"type": "file", "kinds": ["audio"]},
            },
            "outputs": [{"pattern": "out.mp3", "contentType": "audio/mpeg"}],
        }}),
        &outcomes,
        long,
    )
    .await?["createModel"]["id"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    let mut ids = Vec::with_capacity(jobs);
    let mut followers = Vec::new();
    for n in 0..jobs {
        let created = until_ok(
            &http,
            &url,
            Some(&token),
            "mutation($i: CreateDeploymentInput!, $k: String) { \
             createDeployment(input: $i, idempotencyKey: $k) { job { id } } }",
            json!({
                "i": {"model": model, "args": {"input": input}, "callbackUrl": callback},
                "k": format!("chaos-{index}-{n}"),
            }),
            &outcomes,
            long,
        )
        .await?;
        let id = created["createDeployment"]["job"]["id"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        if !ids.contains(&id) {
            if index == 0 {
                followers.push(tokio::spawn(follow_logs(
                    http.clone(),
                    url.clone(),
                    token.clone(),
                    id.clone(),
                )));
            }
            ids.push(id);
        }
        tokio::time::sleep(pace).await;
        // Reads between writes, answered or failed with a code, never hanging.
        let _ = call(
            &http,
            &url,
            Some(&token),
            "{ me { id } myJobs: jobs(first: 5) { totalCount } }",
            json!({}),
            &outcomes,
        )
        .await;
    }
    let mut followed = Vec::with_capacity(followers.len());
    for (follower, id) in followers.into_iter().zip(&ids) {
        followed.push((id.clone(), follower.await??));
    }
    Ok((ids, followed))
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

async fn count(conn: &mut AsyncPgConnection, sql: &str) -> anyhow::Result<i64> {
    let row: Count = diesel::sql_query(sql).get_result(conn).await?;
    Ok(row.n)
}

async fn lines(conn: &mut AsyncPgConnection, sql: &str) -> anyhow::Result<Vec<String>> {
    let rows: Vec<Line> = diesel::sql_query(sql).load(conn).await?;
    Ok(rows.into_iter().map(|r| r.line).collect())
}

/// Runs the workload under `plan`'s faults and checks the invariants.
pub async fn run(plan: &ChaosPlan) -> anyhow::Result<ChaosReport> {
    let mut stack = ChaosStack::start().await?;
    let (callback, received) = receiver(0).await;
    let outcomes: Outcomes = Arc::default();
    let url = stack.graphql_url();
    let workloads: Vec<_> = (0..plan.accounts)
        .map(|index| {
            tokio::spawn(account_workload(
                stack.http.clone(),
                url.clone(),
                index,
                plan.jobs_per_account,
                plan.pace,
                callback.clone(),
                outcomes.clone(),
            ))
        })
        .collect();
    let probe = probe_token(&stack, &outcomes).await?;
    let mut report = ChaosReport::default();
    let mut queue_watch = Vec::new();
    const OPEN_JOBS: &str = "SELECT count(*) AS n FROM jobs.jobs WHERE status NOT IN ('succeeded', 'failed', 'cancelled')";
    for fault in &plan.faults {
        tokio::time::sleep(plan.fault_every).await;
        let before = match stack.db().await {
            Ok(mut conn) => count(&mut conn, OPEN_JOBS).await.ok(),
            Err(_) => None,
        };
        let ended = stack.inject(fault).await?;
        until_ok(
            &stack.http,
            &url,
            Some(&probe),
            "{ me { id } }",
            json!({}),
            &outcomes,
            Duration::from_secs(60),
        )
        .await?;
        report.recoveries.push((fault.clone(), ended.elapsed()));
        // Watched beside the next faults: the loop does not wait for the queue.
        let database_url = stack.database_url.clone();
        let watched = fault.clone();
        queue_watch.push(tokio::spawn(async move {
            let caught_up = async {
                let before = before?;
                let mut conn = AsyncPgConnection::establish(&database_url).await.ok()?;
                let deadline = ended + Duration::from_secs(60);
                while Instant::now() < deadline {
                    match count(&mut conn, OPEN_JOBS).await {
                        Ok(open) if open <= before => return Some(ended.elapsed()),
                        Ok(_) => {}
                        // The connection broke (a later Postgres restart): open another.
                        Err(_) => conn = AsyncPgConnection::establish(&database_url).await.ok()?,
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                None
            }
            .await;
            (watched, caught_up)
        }));
    }
    let mut jobs = Vec::new();
    let mut followed = Vec::new();
    for workload in workloads {
        let (ids, logs) = workload.await??;
        jobs.extend(ids);
        followed.extend(logs);
    }
    // From here nothing new arrives and no fault is injected.
    let settled = Instant::now();
    report.jobs = jobs.len();
    let mut conn = stack.db().await?;
    let deadline = Instant::now() + plan.drain_within;
    loop {
        let open = count(
            &mut conn,
            "SELECT count(*) AS n FROM jobs.jobs WHERE status NOT IN ('succeeded', 'failed', 'cancelled')",
        )
        .await?;
        if open == 0 {
            break;
        }
        if Instant::now() > deadline {
            report.violations.push(format!(
                "{open} jobs not terminal {:?} after the faults",
                plan.drain_within
            ));
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    report.drained_in = settled.elapsed();
    for watch in queue_watch {
        report.queue_recoveries.push(watch.await?);
    }
    // Events: let every handler finish, then nothing may be left or dead.
    let deadline = Instant::now() + Duration::from_secs(60);
    while count(
        &mut conn,
        "SELECT count(*) AS n FROM events.event_log WHERE status IN ('pending', 'processing')",
    )
    .await?
        > 0
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    check_invariants(&mut conn, &jobs, &received, &mut report).await?;
    for outcome in lines(
        &mut conn,
        "SELECT coalesce(r.outcome, 'open') AS line FROM worker.runs r \
         JOIN worker.workers w ON w.id = r.worker_id WHERE w.agent_id IS NOT NULL",
    )
    .await?
    {
        *report.agent_runs.entry(outcome).or_default() += 1;
    }
    if report.agent_runs.is_empty() {
        report.violations.push("the worker agent ran no job".into());
    }
    check_followed_logs(&mut conn, &followed, &mut report).await?;
    report.outcomes = outcomes.lock().unwrap_or_else(|e| e.into_inner()).clone();
    // A failure must say what it is: a hang, an answer without a code or INTERNAL does not.
    for hung in ["hung", "uncoded", "unreadable", "INTERNAL"] {
        if let Some(n) = report.outcomes.get(hung) {
            report.violations.push(format!("{n} requests {hung}"));
        }
    }
    // A run with violations keeps its services' logs, so that a rare one can be explained.
    stack.keep_logs = !report.violations.is_empty();
    Ok(report)
}

async fn probe_token(stack: &ChaosStack, outcomes: &Outcomes) -> anyhow::Result<String> {
    let data = until_ok(
        &stack.http,
        &stack.graphql_url(),
        None,
        "mutation($e: String!) { signUp(input: {email: $e, password: \"correct horse 1\", name: \"probe\"}) { token } }",
        json!({"e": format!("probe-{}@example.com", uuid::Uuid::new_v4().simple())}),
        outcomes,
        Duration::from_secs(30),
    )
    .await?;
    Ok(data["signUp"]["token"].as_str().unwrap_or("").to_owned())
}

/// Each followed log must hold exactly the job's lines, in order: nothing missed across
/// reconnects, nothing twice.
async fn check_followed_logs(
    conn: &mut AsyncPgConnection,
    followed: &FollowedLogs,
    report: &mut ChaosReport,
) -> anyhow::Result<()> {
    for (job, received) in followed {
        let stored = lines(
            conn,
            &format!(
                "SELECT line FROM jobs.job_logs WHERE job_id = '{}' ORDER BY seq",
                uuid::Uuid::parse_str(job)?
            ),
        )
        .await?;
        if stored.iter().all(|l| l != "done") {
            report.violations.push(format!(
                "job {job}: its log lacks the script's lines: {stored:?}"
            ));
        }
        if &stored != received {
            report.violations.push(format!(
                "job {job}: the subscriber received {received:?}, the log holds {stored:?}"
            ));
        }
    }
    if followed.is_empty() {
        report.violations.push("no log was followed".into());
    }
    Ok(())
}

async fn check_invariants(
    conn: &mut AsyncPgConnection,
    jobs: &[String],
    received: &Received,
    report: &mut ChaosReport,
) -> anyhow::Result<()> {
    let violations = &mut report.violations;
    let not_succeeded = lines(
        conn,
        "SELECT id::text || ' ' || status || ' ' || coalesce(error::text, '') AS line \
         FROM jobs.jobs WHERE status <> 'succeeded'",
    )
    .await?;
    if !not_succeeded.is_empty() {
        violations.push(format!("jobs that did not succeed: {not_succeeded:?}"));
    }
    let known: HashSet<&str> = jobs.iter().map(String::as_str).collect();
    let all = lines(conn, "SELECT id::text AS line FROM jobs.jobs").await?;
    let stray_jobs: Vec<&String> = all
        .iter()
        .filter(|id| !known.contains(id.as_str()))
        .collect();
    if !stray_jobs.is_empty() {
        violations.push(format!(
            "jobs nobody asked for (a retry made a duplicate): {stray_jobs:?}"
        ));
    }
    // One set of outputs per job, no stray media.
    let outputs = lines(
        conn,
        "SELECT j.id::text AS line FROM jobs.jobs j WHERE j.status = 'succeeded' AND \
         (cardinality(j.outputs) <> 1 OR (SELECT count(*) FROM media.media m \
           WHERE m.job_id = j.id AND m.status <> 'deleted') <> 1)",
    )
    .await?;
    if !outputs.is_empty() {
        violations.push(format!("jobs without exactly one live output: {outputs:?}"));
    }
    let stray_media = count(
        conn,
        "SELECT count(*) AS n FROM media.media m JOIN jobs.jobs j ON j.id = m.job_id \
         WHERE m.status <> 'deleted' AND NOT (m.id = ANY (j.outputs))",
    )
    .await?;
    if stray_media > 0 {
        violations.push(format!("{stray_media} stray output media"));
    }
    // Usage: exactly one line per run the account pays for (it ended succeeded, failed or
    // cancelled), none for runs that ended by the platform's fault, none without a run.
    let usage = lines(
        conn,
        "SELECT r.job_id::text || '/' || r.attempt || ' ' || coalesce(r.outcome, 'open') \
         || ': ' || count(u.id) AS line \
         FROM worker.runs r LEFT JOIN billing.usage_lines u \
           ON u.job_id = r.job_id AND u.attempt = r.attempt \
         GROUP BY r.job_id, r.attempt, r.outcome \
         HAVING count(u.id) <> CASE WHEN r.outcome IN ('succeeded', 'failed', 'cancelled') \
                                    THEN 1 ELSE 0 END",
    )
    .await?;
    if !usage.is_empty() {
        violations.push(format!(
            "runs charged other than once (or for free): {usage:?}"
        ));
    }
    let orphan_usage = count(
        conn,
        "SELECT count(*) AS n FROM billing.usage_lines u WHERE u.job_id IS NOT NULL AND \
         NOT EXISTS (SELECT 1 FROM worker.runs r WHERE r.job_id = u.job_id AND r.attempt = u.attempt)",
    )
    .await?;
    if orphan_usage > 0 {
        violations.push(format!("{orphan_usage} usage lines without a run"));
    }
    let undelivered = lines(
        conn,
        "SELECT trigger_name || ' ' || status || ' tries ' || tries || ': ' || \
         coalesce(last_error, '') AS line FROM events.event_log \
         WHERE status IN ('dead', 'pending', 'processing')",
    )
    .await?;
    if !undelivered.is_empty() {
        violations.push(format!("events dead or never delivered: {undelivered:#?}"));
    }
    // Callbacks: each job's final event arrived at least once, always under one id.
    let received = received.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut ids_by_job: HashMap<String, HashSet<String>> = HashMap::new();
    for (headers, body) in &received {
        let body: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        let status = body["data"]["status"].as_str().unwrap_or("");
        let job = body["data"]["id"].as_str().unwrap_or("").to_owned();
        if status.eq_ignore_ascii_case("succeeded") {
            let id = headers
                .get("webhook-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            ids_by_job.entry(job).or_default().insert(id);
        }
    }
    for job in jobs {
        match ids_by_job.get(job).map(HashSet::len) {
            Some(1) => {}
            Some(n) => violations.push(format!("job {job}: {n} webhook ids for one event")),
            None => violations.push(format!("job {job}: no callback for its final state")),
        }
    }
    Ok(())
}

/// Follows one job's log over SSE through the router from the start, reconnecting with the
/// last cursor whenever the stream breaks (a killed router or jobs service), until the
/// stream completes; returns the lines in the order received.
async fn follow_logs(
    http: reqwest::Client,
    url: String,
    token: String,
    job: String,
) -> anyhow::Result<Vec<String>> {
    let query = "subscription($id: ID!, $after: String) { jobLogs(id: $id, after: $after) { cursor line } }";
    let mut cursor: Option<String> = None;
    let mut lines = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        anyhow::ensure!(
            Instant::now() < deadline,
            "the log of {job} never completed"
        );
        let sent = http
            .post(&url)
            .bearer_auth(&token)
            .header("accept", "text/event-stream")
            .json(&json!({"query": query, "variables": {"id": job, "after": cursor}}))
            .send()
            .await;
        let Ok(response) = sent else {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        if !response.status().is_success() {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        }
        let mut body = response.bytes_stream();
        let mut buffer = String::new();
        let mut completed = false;
        let mut broken = false;
        'stream: while let Some(chunk) = futures::StreamExt::next(&mut body).await {
            let Ok(chunk) = chunk else {
                broken = true;
                break;
            };
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buffer.find("\n\n") {
                let event: String = buffer.drain(..end + 2).collect();
                if event.lines().any(|l| l.trim() == "event: complete") {
                    completed = true;
                    break 'stream;
                }
                for data in event.lines().filter_map(|l| l.strip_prefix("data:")) {
                    let Ok(payload) = serde_json::from_str::<Value>(data.trim()) else {
                        continue;
                    };
                    if payload["errors"].is_array() {
                        // The subscription failed (a service restarting): start again.
                        broken = true;
                        break 'stream;
                    }
                    let item = &payload["data"]["jobLogs"];
                    if let (Some(c), Some(line)) = (item["cursor"].as_str(), item["line"].as_str())
                    {
                        cursor = Some(c.to_owned());
                        lines.push(line.to_owned());
                    }
                }
            }
        }
        if completed && !broken {
            return Ok(lines);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

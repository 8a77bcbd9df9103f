//! Starting the platform's services: each subgraph on its own listener, sharing one
//! shutdown signal. `dev`, `serve` and the end-to-end tests all go through here.

use crate::{config::PlatformConfig, secrets::Keys};
use mediamagic_accounts::AccountsDeps;
use mediamagic_billing::BillingDeps;
use mediamagic_jobs::{JobsDeps, domain::secret_box::SecretBox};
use mediamagic_kit::{
    db, db_roles,
    events::dispatcher::{Dispatcher, EventMetrics},
    idempotency,
    metrics::Metrics,
    redis_link::RedisLink,
    retention::{self, SweepMetrics},
    server,
    tokens::{TokenIssuer, TokenVerifier},
};
use mediamagic_media::MediaDeps;
use mediamagic_models::ModelsDeps;
use mediamagic_worker::{WorkerDeps, WorkerMetrics};
use std::{net::SocketAddr, sync::Arc};
use tokio::{net::TcpListener, task::JoinHandle};
use tokio_util::sync::CancellationToken;

/// Connection details shared by every service.
#[derive(Clone, Debug)]
pub struct Infra {
    /// Postgres URL of the migrator (dev and tests: the cluster's superuser). Services do not
    /// use it: each connects as its own role ([`Infra::database_url_for`]).
    pub database_url: String,
    /// Each service's own Postgres URL (`database.roles`); a service without one connects as
    /// `mediamagic_<service>`, without a password, to `database_url`'s server and database.
    pub role_urls: std::collections::BTreeMap<String, String>,
    /// Redis URL.
    pub redis_url: String,
    /// Key material.
    pub keys: Keys,
}

impl Infra {
    /// The Postgres URL `service` connects with: as its own role.
    pub fn database_url_for(&self, service: &str) -> String {
        self.role_urls
            .get(service)
            .cloned()
            .unwrap_or_else(|| db_roles::url_as(&self.database_url, &db_roles::role_name(service)))
    }
}

/// A service ready to run: its HTTP app and its event dispatcher.
pub struct Service {
    /// The HTTP app.
    pub app: axum::Router,
    /// Delivers the events of the triggers the service owns (if it owns any).
    pub dispatcher: Option<Dispatcher>,
    /// Whether to run the dispatcher (off when Hasura delivers the events).
    pub dispatch: bool,
    /// The service's scheduled jobs (the retention sweep, event retention, billing's
    /// samples), if any.
    pub retention: Option<tokio_cron_scheduler::JobScheduler>,
    /// A background loop to run with the service (the jobs sweeper), if any.
    pub background: Option<Background>,
    /// The routes `listen.media_objects_port` serves (the media service's object routes).
    pub objects_app: Option<axum::Router>,
}

/// Starts a background loop that ends when the token is cancelled.
pub type Background = Box<dyn FnOnce(CancellationToken) -> JoinHandle<()> + Send>;

/// Builds the accounts service.
pub async fn accounts_service(config: &PlatformConfig, infra: &Infra) -> anyhow::Result<Service> {
    let database_url = infra.database_url_for("accounts");
    let pool = db::pool(&database_url, config.database.max_connections)?;
    let deps = AccountsDeps {
        pool,
        redis: RedisLink::new(&infra.redis_url),
        sessions: Arc::new(TokenIssuer::from_hex(&infra.keys.root_private_key)?),
        internal: TokenVerifier::from_hex(&infra.keys.internal_public_key)?,
        internal_secret: Arc::new(infra.keys.internal_secret.clone()),
        config: Arc::new(config.accounts.clone()),
        hashing: Arc::new(tokio::sync::Semaphore::new(
            config.accounts.max_concurrent_hashes.max(1),
        )),
        retention: Arc::new(config.retention.clone()),
    };
    match mediamagic_accounts::commands::admins::bootstrap(&deps).await {
        Ok(0) => {}
        Ok(granted) => tracing::info!(granted, "admins granted from accounts.admin_emails"),
        Err(err) => tracing::warn!(error = ?err, "could not grant admins from config"),
    }
    let metrics = Metrics::new("accounts")?;
    deps.redis.register(&metrics.registry)?;
    let triggers = mediamagic_accounts::events::triggers(&deps, &config.events.triggers);
    let dispatcher = Dispatcher::new(
        deps.pool.clone(),
        &database_url,
        triggers.clone(),
        EventMetrics::new(&metrics.registry)?,
    );
    let sweeps = SweepMetrics::new(&metrics.registry)?;
    // The events tables are shared: one service (accounts) runs the events' retention job.
    let events_retention = mediamagic_kit::events::cleanup::schedule(
        deps.pool.clone(),
        &config.events.cleanup_schedule,
        config.events.retention_days,
    )
    .await?;
    let (sweeper, policy) = (deps.clone(), config.retention.clone());
    let retention = retention::schedule(
        Some(events_retention),
        &config.retention,
        "accounts",
        sweeps,
        Arc::new(move || {
            let (deps, policy) = (sweeper.clone(), policy.clone());
            Box::pin(async move {
                mediamagic_accounts::commands::retention::sweep(&deps, &policy).await
            })
        }),
    )
    .await?;
    let app = mediamagic_accounts::app(deps, metrics, triggers, infra.keys.events_secret.clone());
    Ok(Service {
        app,
        dispatcher: Some(dispatcher),
        dispatch: config.events.dispatch,
        retention: Some(retention),
        background: None,
        objects_app: None,
    })
}

/// The retention sweep of a service whose only expiring data is its idempotency keys.
async fn keys_sweep(
    config: &PlatformConfig,
    service: &'static str,
    metrics: &Metrics,
    pool: db::DbPool,
    keys: idempotency::Table,
) -> anyhow::Result<tokio_cron_scheduler::JobScheduler> {
    let policy = config.retention.clone();
    retention::schedule(
        None,
        &config.retention,
        service,
        SweepMetrics::new(&metrics.registry)?,
        Arc::new(move || {
            let (pool, policy) = (pool.clone(), policy.clone());
            Box::pin(async move { idempotency::sweep_keys(&pool, keys, &policy).await })
        }),
    )
    .await
}

/// The models settings with the machine types models may name: those the workers serve
/// (`worker.machine_types`, which every role reads from the same config) and the expected ones.
fn models_config(config: &PlatformConfig) -> mediamagic_models::ModelsConfig {
    let mut models = config.models.clone();
    models.known_machine_types = config
        .worker
        .machine_types
        .iter()
        .filter(|(_, m)| m.slots > 0)
        .map(|(name, _)| name.clone())
        .chain(models.expected_machine_types.iter().cloned())
        .collect();
    models
}

/// Builds the models service and loads the built-in catalogue.
pub async fn models_service(config: &PlatformConfig, infra: &Infra) -> anyhow::Result<Service> {
    let deps = ModelsDeps {
        pool: db::pool(
            &infra.database_url_for("models"),
            config.database.max_connections,
        )?,
        internal: TokenVerifier::from_hex(&infra.keys.internal_public_key)?,
        config: Arc::new(models_config(config)),
    };
    mediamagic_models::start(&deps).await?;
    let metrics = Metrics::new("models")?;
    let retention = keys_sweep(
        config,
        "models",
        &metrics,
        deps.pool.clone(),
        mediamagic_models::commands::models::KEYS,
    )
    .await?;
    Ok(Service {
        app: mediamagic_models::app(deps, metrics),
        dispatcher: None,
        dispatch: false,
        retention: Some(retention),
        background: None,
        objects_app: None,
    })
}

/// Builds the media service; `addr` is where it listens (its public URL unless
/// `media.public_url` says otherwise).
pub async fn media_service(
    config: &PlatformConfig,
    infra: &Infra,
    addr: SocketAddr,
) -> anyhow::Result<Service> {
    let public_url = config
        .media
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let storage = mediamagic_media::Storage::from_config(
        &config.media.storage,
        &config.dev.data_dir.join("objects"),
        infra.keys.storage_secret.as_bytes(),
        &public_url,
    )?;
    anyhow::ensure!(
        !infra.keys.storage_secret.is_empty(),
        "auth.storage_secret is not configured: the media service signs object URLs with it"
    );
    let database_url = infra.database_url_for("media");
    let deps = MediaDeps {
        pool: db::pool(&database_url, config.database.max_connections)?,
        internal: TokenVerifier::from_hex(&infra.keys.internal_public_key)?,
        workers: match infra.keys.worker_public_key.as_str() {
            "" => None,
            key => Some(TokenVerifier::from_hex(key)?),
        },
        storage,
        public_url: Arc::new(public_url),
        config: Arc::new(config.media.clone()),
        uploads: mediamagic_media::UploadMetrics::new()?,
    };
    let metrics = Metrics::new("media")?;
    deps.uploads.register(&metrics.registry)?;
    let triggers = mediamagic_media::events::triggers(&deps, &config.events.triggers);
    let dispatcher = Dispatcher::new(
        deps.pool.clone(),
        &database_url,
        triggers.clone(),
        EventMetrics::new(&metrics.registry)?,
    );
    let (sweeper, policy) = (deps.clone(), config.retention.clone());
    let cleanup = retention::schedule(
        None,
        &config.retention,
        "media",
        SweepMetrics::new(&metrics.registry)?,
        Arc::new(move || {
            let (deps, policy) = (sweeper.clone(), policy.clone());
            Box::pin(
                async move { mediamagic_media::commands::retention::sweep(&deps, &policy).await },
            )
        }),
    )
    .await?;
    let objects_app = mediamagic_media::objects_app(&deps);
    let app = mediamagic_media::app(deps, metrics, triggers, infra.keys.events_secret.clone());
    Ok(Service {
        app,
        dispatcher: Some(dispatcher),
        dispatch: config.events.dispatch,
        retention: Some(cleanup),
        background: None,
        objects_app: Some(objects_app),
    })
}

/// The jobs subgraph's dependencies (also what a worker or a test uses to drive the
/// queue); file arguments are checked with the media subgraph at `jobs.media_url`.
pub async fn jobs_deps(config: &PlatformConfig, infra: &Infra) -> anyhow::Result<JobsDeps> {
    let pool = db::pool(
        &infra.database_url_for("jobs"),
        config.database.max_connections,
    )?;
    let internal = TokenVerifier::from_hex(&infra.keys.internal_public_key)?;
    let hub = mediamagic_jobs::Hub::start(RedisLink::new(&infra.redis_url)).await;
    let media_url = config.jobs.media_url.clone().unwrap_or_else(|| {
        format!(
            "http://{}:{}/graphql",
            config.listen.host, config.listen.media_port
        )
    });
    let models = ModelsDeps {
        pool: pool.clone(),
        internal: internal.clone(),
        config: Arc::new(models_config(config)),
    };
    let finisher = mediamagic_jobs::commands::finisher::Finisher::start(
        pool.clone(),
        hub.clone(),
        models.clone(),
    );
    Ok(JobsDeps {
        models,
        pool,
        internal,
        hub,
        // File checks are quick lookups; a stuck media service must not hold deployments.
        http: reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()?,
        callbacks: JobsDeps::callback_client(&config.jobs)?,
        media_url: Arc::new(media_url),
        config: Arc::new(config.jobs.clone()),
        currency: Arc::new(config.billing.currency.clone()),
        secrets: match infra.keys.webhook_secrets_key.as_str() {
            "" => None,
            key => Some(Arc::new(SecretBox::from_hex(key)?)),
        },
        subscriptions: Default::default(),
        watches: mediamagic_jobs::watch::Watches::new()?,
        credential_checks: Default::default(),
        callback_deliveries: JobsDeps::callback_counter()?,
        finisher,
    })
}

/// Builds the jobs service: GraphQL, the `job_status` handler and the sweeper.
pub async fn jobs_service(config: &PlatformConfig, infra: &Infra) -> anyhow::Result<Service> {
    let deps = jobs_deps(config, infra).await?;
    anyhow::ensure!(
        deps.secrets.is_some(),
        "auth.webhook_secrets_key is not configured: the jobs service seals webhook signing \
         secrets with it (`mediamagic tokens keygen` prints one)"
    );
    let metrics = Metrics::new("jobs")?;
    deps.hub.redis().register(&metrics.registry)?;
    metrics
        .registry
        .register(Box::new(deps.callback_deliveries.clone()))?;
    metrics
        .registry
        .register(Box::new(deps.watches.reads_counter()))?;
    let triggers = mediamagic_jobs::events::triggers(&deps, &config.events.triggers);
    let dispatcher = Dispatcher::new(
        deps.pool.clone(),
        &infra.database_url_for("jobs"),
        triggers.clone(),
        EventMetrics::new(&metrics.registry)?,
    );
    let sweeper = deps.clone();
    let (retained, policy) = (deps.clone(), config.retention.clone());
    let retention = retention::schedule(
        None,
        &config.retention,
        "jobs",
        SweepMetrics::new(&metrics.registry)?,
        Arc::new(move || {
            let (deps, policy) = (retained.clone(), policy.clone());
            Box::pin(
                async move { mediamagic_jobs::commands::retention::sweep(&deps, &policy).await },
            )
        }),
    )
    .await?;
    let app = mediamagic_jobs::app(deps, metrics, triggers, infra.keys.events_secret.clone());
    Ok(Service {
        app,
        dispatcher: Some(dispatcher),
        dispatch: config.events.dispatch,
        retention: Some(retention),
        background: Some(Box::new(move |shutdown| {
            tokio::spawn(mediamagic_jobs::run_sweeper(sweeper, shutdown))
        })),
        objects_app: None,
    })
}

/// The worker's dependencies; inputs and outputs go through the media subgraph at
/// `worker.media_url`.
pub async fn worker_deps(
    config: &PlatformConfig,
    infra: &Infra,
    metrics: &Metrics,
) -> anyhow::Result<WorkerDeps> {
    let jobs = jobs_deps(config, infra).await?;
    let media_url = config
        .worker
        .media_url
        .clone()
        .unwrap_or_else(|| jobs.media_url.as_str().to_owned());
    Ok(WorkerDeps {
        jobs,
        pool: db::pool(
            &infra.database_url_for("worker"),
            config.database.max_connections,
        )?,
        worker_key: Arc::new(
            TokenIssuer::from_hex(&infra.keys.worker_private_key).map_err(|e| {
                anyhow::anyhow!("auth.worker_private_key: {e} (`mediamagic tokens keygen`)")
            })?,
        ),
        internal: TokenVerifier::from_hex(&infra.keys.internal_public_key)?,
        http: reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(10))
            .build()?,
        media_url: Arc::new(media_url),
        config: Arc::new(config.worker.clone()),
        metrics: WorkerMetrics::new(&metrics.registry)?,
        stopping: CancellationToken::new(),
    })
}

/// Builds the worker service (listening at `addr`): its subgraph and the agent protocol,
/// and its built-in worker (an agent speaking to it over loopback) when `worker.enabled`.
pub async fn worker_service(
    config: &PlatformConfig,
    infra: &Infra,
    addr: SocketAddr,
) -> anyhow::Result<Service> {
    let metrics = Metrics::new("worker")?;
    let deps = worker_deps(config, infra, &metrics).await?;
    deps.jobs.hub.redis().register(&metrics.registry)?;
    if let Some(provided) = &config.worker.provided_agent {
        let agent = mediamagic_worker::commands::agents::provide(
            &deps.pool,
            mediamagic_worker::commands::agents::NewAgent {
                name: provided.name.clone(),
                machine_types: provided.machine_types.clone(),
                site: None,
            },
            provided
                .token
                .as_ref()
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "worker.provided_agent.token is missing: give it through \
                         MEDIAMAGIC__WORKER__PROVIDED_AGENT__TOKEN"
                    )
                })?
                .expose(),
        )
        .await
        .map_err(|e| anyhow::anyhow!("worker.provided_agent: {}", e.message()))?;
        tracing::info!(agent = %agent.name, "the provided agent is live");
    }
    let builtin = config.worker.enabled;
    let background: Option<Background> = Some({
        let deps = deps.clone();
        Box::new(move |shutdown: CancellationToken| {
            tokio::spawn(async move {
                // Long polls end as the service begins to stop; the built-in worker, which
                // gives its runs back through this service, is awaited before it stops
                // serving (`spawn_service`).
                let stopping = deps.stopping.clone();
                let heard = shutdown.clone();
                let stop = tokio::spawn(async move {
                    heard.cancelled().await;
                    stopping.cancel();
                });
                if builtin {
                    mediamagic_worker::builtin::run(deps, addr, shutdown).await;
                }
                let _ = stop.await;
            })
        }) as Background
    });
    Ok(Service {
        app: mediamagic_worker::app(deps, metrics),
        dispatcher: None,
        dispatch: false,
        retention: None,
        background,
        objects_app: None,
    })
}

/// Builds the billing service: seeds prices, handles `job_usage` and `budget_exceeded`,
/// and samples storage and closes periods on schedule.
pub async fn billing_service(config: &PlatformConfig, infra: &Infra) -> anyhow::Result<Service> {
    let database_url = infra.database_url_for("billing");
    let deps = BillingDeps {
        pool: db::pool(&database_url, config.database.max_connections)?,
        internal: TokenVerifier::from_hex(&infra.keys.internal_public_key)?,
        config: Arc::new(config.billing.clone()),
        storage_quota_bytes: config.media.quotas.storage_bytes,
    };
    mediamagic_billing::start(&deps).await?;
    let metrics = Metrics::new("billing")?;
    let triggers = mediamagic_billing::events::triggers(&deps, &config.events.triggers);
    let dispatcher = Dispatcher::new(
        deps.pool.clone(),
        &database_url,
        triggers.clone(),
        EventMetrics::new(&metrics.registry)?,
    );
    let scheduler = if config.billing.schedule {
        Some(mediamagic_billing::schedule(deps.clone()).await?)
    } else {
        None
    };
    let (pool, policy) = (deps.pool.clone(), config.retention.clone());
    let scheduler = retention::schedule(
        scheduler,
        &config.retention,
        "billing",
        SweepMetrics::new(&metrics.registry)?,
        Arc::new(move || {
            let (pool, policy) = (pool.clone(), policy.clone());
            Box::pin(async move {
                idempotency::sweep_keys(&pool, mediamagic_billing::commands::budgets::KEYS, &policy)
                    .await
            })
        }),
    )
    .await?;
    let app = mediamagic_billing::app(deps, metrics, triggers, infra.keys.events_secret.clone());
    Ok(Service {
        app,
        dispatcher: Some(dispatcher),
        dispatch: config.events.dispatch,
        retention: Some(scheduler),
        background: None,
        objects_app: None,
    })
}

/// Builds the REST compatibility service (seed APIs as clients of the router's GraphQL).
pub fn compat_service(config: &PlatformConfig) -> anyhow::Result<Service> {
    let graphql_url = config.compat.graphql_url.clone().ok_or_else(|| {
        anyhow::anyhow!(
            "set compat.graphql_url (MEDIAMAGIC__COMPAT__GRAPHQL_URL) to the router's GraphQL URL"
        )
    })?;
    let deps = mediamagic_compat::CompatDeps {
        platform: mediamagic_compat::Platform::new(&graphql_url)
            .map_err(|e| anyhow::anyhow!("compat: {e}"))?,
        config: Arc::new(config.compat.clone()),
    };
    Ok(Service {
        app: mediamagic_compat::app(deps, Metrics::new("compat")?),
        dispatcher: None,
        dispatch: false,
        retention: None,
        background: None,
        objects_app: None,
    })
}

/// Builds service `name` (a subgraph or `compat`), listening at `addr`, with only the keys
/// of `infra` that its role holds.
pub async fn service(
    name: &str,
    config: &PlatformConfig,
    infra: &Infra,
    addr: SocketAddr,
) -> anyhow::Result<Service> {
    let infra = &Infra {
        keys: infra.keys.only_for(name),
        ..infra.clone()
    };
    // Until workers speak HTTPS (#37), the worker drives the queue with the jobs role.
    for role in database_roles_of(name) {
        db_roles::check(role, &infra.database_url_for(role)).await?;
    }
    match name {
        "accounts" => accounts_service(config, infra).await,
        "models" => models_service(config, infra).await,
        "media" => media_service(config, infra, addr).await,
        "jobs" => jobs_service(config, infra).await,
        "worker" => worker_service(config, infra, addr).await,
        "billing" => billing_service(config, infra).await,
        "compat" => compat_service(config),
        other => anyhow::bail!("unknown service `{other}`; known: {}", SERVICES.join(", ")),
    }
}

/// The Postgres roles service `name` connects as: its own (the worker: its own and, until
/// workers speak HTTPS (#37), the jobs role, for the queue).
pub fn database_roles_of(name: &str) -> &'static [&'static str] {
    match name {
        "worker" => &["worker", "jobs"],
        other => db_roles::SERVICES
            .iter()
            .find(|s| **s == other)
            .map_or(&[], std::slice::from_ref),
    }
}

/// The configured port of service `name`.
pub fn configured_port(config: &PlatformConfig, name: &str) -> Option<u16> {
    match name {
        "accounts" => Some(config.listen.accounts_port),
        "models" => Some(config.listen.models_port),
        "media" => Some(config.listen.media_port),
        "jobs" => Some(config.listen.jobs_port),
        "worker" => Some(config.listen.worker_port),
        "billing" => Some(config.listen.billing_port),
        "compat" => Some(config.listen.compat_port),
        _ => None,
    }
}

/// A service serving in this process.
pub struct RunningSubgraph {
    /// Its name (one of [`SERVICES`]).
    pub name: &'static str,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its task; ends after shutdown.
    pub task: JoinHandle<()>,
}

impl RunningSubgraph {
    /// Its base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Starts every service ([`SERVICES`]) on `host`, each on the port `port_of` gives it (0: any
/// free port), until `shutdown` is cancelled.
pub async fn start_services(
    config: &PlatformConfig,
    infra: &Infra,
    host: &str,
    port_of: impl Fn(&str) -> u16,
    shutdown: &CancellationToken,
) -> anyhow::Result<Vec<RunningSubgraph>> {
    let mut running = Vec::new();
    for &name in SERVICES {
        let listener = TcpListener::bind((host, port_of(name)))
            .await
            .map_err(|e| {
                anyhow::anyhow!("{name}: cannot listen on {host}:{}: {e}", port_of(name))
            })?;
        let addr = listener.local_addr()?;
        let mut config = config.clone();
        // The jobs subgraph checks file arguments with the media service started here.
        if let Some(media) = running
            .iter()
            .find(|s: &&RunningSubgraph| s.name == "media")
            && config.jobs.media_url.is_none()
        {
            config.jobs.media_url = Some(format!("{}/graphql", media.url()));
        }
        let built = service(name, &config, infra, addr).await?;
        let task = spawn_service(name, listener, built, shutdown.clone());
        running.push(RunningSubgraph { name, addr, task });
    }
    Ok(running)
}

/// `(name, GraphQL URL)` of running subgraphs, as the router's config wants them.
pub fn graphql_urls(running: &[RunningSubgraph]) -> Vec<(&'static str, String)> {
    running
        .iter()
        .filter(|s| SUBGRAPHS.contains(&s.name))
        .map(|s| (s.name, format!("{}/graphql", s.url())))
        .collect()
}

/// `(name, base URL)` of every running service, for the router's forward plugin.
pub fn base_urls(running: &[RunningSubgraph]) -> Vec<(&'static str, String)> {
    running.iter().map(|s| (s.name, s.url())).collect()
}

/// Serves `service` on `listener` and runs its dispatcher, until `shutdown` is cancelled.
pub fn spawn_service(
    name: &'static str,
    listener: TcpListener,
    service: Service,
    shutdown: CancellationToken,
) -> JoinHandle<()> {
    let Service {
        app,
        dispatcher,
        dispatch,
        retention,
        background,
        objects_app: _,
    } = service;
    let background = background.map(|start| start(shutdown.clone()));
    let dispatcher = match dispatcher {
        Some(dispatcher) if dispatch => tokio::spawn(dispatcher.run(shutdown.clone())),
        _ => tokio::spawn(async {}),
    };
    tokio::spawn(async move {
        let _finish = DispatcherGuard(dispatcher);
        let mut background = background.map(DispatcherGuard);
        let _retention = RetentionGuard(retention);
        let addr = listener.local_addr().ok();
        tracing::info!(service = name, ?addr, "listening");
        // The background loop saw the same shutdown; the service keeps serving until it has
        // finished (the built-in worker gives its jobs back through its own service), and
        // counts as stopped only then.
        let until = async move {
            shutdown.cancelled().await;
            if let Some(guard) = background.as_mut() {
                let _ = (&mut guard.0).await;
            }
        };
        if let Err(err) = server::serve(listener, app, until).await {
            tracing::error!(service = name, error = %err, "service stopped with an error");
        }
    })
}

/// The SDL of a subgraph, from the same `build_schema` the service runs.
pub fn sdl(subgraph: &str) -> anyhow::Result<String> {
    match subgraph {
        "accounts" => Ok(mediamagic_accounts::graphql::sdl()),
        "models" => Ok(mediamagic_models::graphql::sdl()),
        "media" => Ok(mediamagic_media::graphql::sdl()),
        "jobs" => Ok(mediamagic_jobs::graphql::sdl()),
        "worker" => Ok(mediamagic_worker::graphql::sdl()),
        "billing" => Ok(mediamagic_billing::graphql::sdl()),
        other => anyhow::bail!(
            "unknown subgraph `{other}`; known: {}",
            SUBGRAPHS.join(", ")
        ),
    }
}

/// The event triggers each subgraph handles (its webhooks are `/events/<trigger>`).
pub const TRIGGERS: &[(&str, &[&str])] = &[
    ("accounts", mediamagic_accounts::events::TRIGGERS),
    ("media", mediamagic_media::events::TRIGGERS),
    ("jobs", mediamagic_jobs::events::TRIGGERS),
    ("billing", mediamagic_billing::events::TRIGGERS),
];

/// Every subgraph, in composition order.
/// (The same list names the database roles: each subgraph owns one schema and one role.)
pub const SUBGRAPHS: &[&str] = db_roles::SERVICES;

/// Every service `dev` starts and `serve` runs: the subgraphs, then the REST compatibility
/// surfaces (not a subgraph: the router forwards their paths to it).
pub const SERVICES: &[&str] = &[
    "accounts", "models", "media", "jobs", "worker", "billing", "compat",
];

/// `mediamagic serve <role>`: one service with configured keys, until SIGTERM.
pub async fn serve(config: PlatformConfig, role: &str) -> anyhow::Result<()> {
    // The REST surfaces hold no state and no keys: they need only the router's URL.
    if role == "compat" {
        let listener =
            TcpListener::bind((config.listen.host.as_str(), config.listen.compat_port)).await?;
        return serve_until_signal("compat", listener, compat_service(&config)?, None).await;
    }
    let keys = Keys::for_role(&config.auth, role)?;
    let role_urls = role_urls(&config)?;
    let database_url = config
        .database
        .url
        .as_ref()
        .map(|u| u.expose().clone())
        .unwrap_or_default();
    // A service needs the migrator's URL only to derive a role URL that is not configured.
    for needed in database_roles_of(role) {
        service_database_url(&config, needed)?;
    }
    let infra = Infra {
        database_url,
        role_urls,
        redis_url: config
            .redis
            .url
            .as_ref()
            .map(|u| u.expose().clone())
            .ok_or_else(|| anyhow::anyhow!("set REDIS_URL or redis.url"))?,
        keys,
    };
    let name = SERVICES
        .iter()
        .copied()
        .find(|s| *s == role)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "unknown role `{role}`; known: {} (the router is the mediamagic-router binary)",
                SERVICES.join(", ")
            )
        })?;
    let port = configured_port(&config, name).unwrap_or_default();
    let listener = TcpListener::bind((config.listen.host.as_str(), port)).await?;
    let mut built = service(name, &config, &infra, listener.local_addr()?).await?;
    let objects = match (config.listen.media_objects_port, built.objects_app.take()) {
        (Some(port), Some(app)) => {
            let listener = TcpListener::bind((config.listen.host.as_str(), port)).await?;
            tracing::info!(addr = ?listener.local_addr().ok(), "serving the object routes alone");
            Some((listener, app))
        }
        _ => None,
    };
    serve_until_signal(name, listener, built, objects).await
}

/// The Postgres URL `service` connects with under `config` alone (for commands run beside a
/// deployment): `database.roles.<service>`, else its role on `database.url`'s server.
pub fn service_database_url(config: &PlatformConfig, service: &str) -> anyhow::Result<String> {
    if let Some(url) = role_urls(config)?.remove(service) {
        return Ok(url);
    }
    let url = config.database.url.as_ref().ok_or_else(|| {
        anyhow::anyhow!(
            "set database.roles.{service} (MEDIAMAGIC__DATABASE__ROLES__{}) or DATABASE_URL",
            service.to_uppercase()
        )
    })?;
    Ok(db_roles::url_as(
        url.expose(),
        &db_roles::role_name(service),
    ))
}

/// The migrator's URL of the cluster `mediamagic dev` is running on `dev.data_dir`, if one
/// is: commands run beside dev find its database without being told the port.
pub fn embedded_database_url(config: &PlatformConfig) -> Option<String> {
    let port = mediamagic_kit::local_services::running_postgres_port(
        &config.dev.data_dir.join("postgres"),
    )?;
    Some(format!("postgres://postgres@127.0.0.1:{port}/mediamagic"))
}

/// The configured URL of each service's role (`database.roles`), refusing unknown services.
pub fn role_urls(
    config: &PlatformConfig,
) -> anyhow::Result<std::collections::BTreeMap<String, String>> {
    config
        .database
        .roles
        .iter()
        .map(|(service, url)| {
            anyhow::ensure!(
                db_roles::SERVICES.contains(&service.as_str()),
                "database.roles.{service}: no such service; roles exist for {}",
                db_roles::SERVICES.join(", ")
            );
            Ok((service.clone(), url.expose().clone()))
        })
        .collect()
}

/// Serves `service` (and `objects`: a second listener with only the object routes) until
/// SIGTERM or Ctrl-C, then lets it finish.
async fn serve_until_signal(
    name: &'static str,
    listener: TcpListener,
    service: Service,
    objects: Option<(TcpListener, axum::Router)>,
) -> anyhow::Result<()> {
    let shutdown = CancellationToken::new();
    let task = spawn_service(name, listener, service, shutdown.clone());
    let objects = objects.map(|(listener, app)| {
        let stop = shutdown.clone();
        tokio::spawn(async move {
            if let Err(err) =
                server::serve(listener, app, async move { stop.cancelled().await }).await
            {
                tracing::error!(error = %err, "the object routes' listener stopped with an error");
            }
        })
    });
    mediamagic_kit::server::shutdown_signal().await;
    shutdown.cancel();
    task.await?;
    if let Some(objects) = objects {
        objects.await?;
    }
    Ok(())
}

/// Waits for nothing; aborts the dispatcher task if the service task is dropped.
struct DispatcherGuard(JoinHandle<()>);

impl Drop for DispatcherGuard {
    fn drop(&mut self) {
        if !self.0.is_finished() {
            self.0.abort();
        }
    }
}

/// Stops the retention job with the service.
struct RetentionGuard(Option<tokio_cron_scheduler::JobScheduler>);

impl Drop for RetentionGuard {
    fn drop(&mut self) {
        if let Some(mut scheduler) = self.0.take() {
            tokio::spawn(async move {
                let _ = scheduler.shutdown().await;
            });
        }
    }
}

//! An agent's side of the platform: the agent protocol's client, plus what it keeps per run
//! (the media token each heartbeat renews, the next log line's number) and the one
//! heartbeat that renews every run's lease at once and tells each run what to do, beside a
//! long poll that hears a cancel as soon as it is asked for.
//! Calls are retried with backoff while the platform cannot be reached, for as long as a
//! lease lasts; a lease lost meanwhile stops its run, as in the cluster.

mod calls;

use super::Claimed;
use crate::agent_api::{
    client::{AgentCallError, AgentClient},
    protocol::{self, RunDirective, RunRef, RunState},
};
use calls::api_error;
use mediamagic_jobs::{commands::queue::Heartbeat, domain::Lease};
use mediamagic_kit::ApiError;
use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, RwLock,
        atomic::{AtomicI64, Ordering},
    },
    time::Duration,
};
use tokio::sync::watch;
use uuid::Uuid;

/// What an agent keeps of one run it holds.
struct RunSlot {
    /// The latest heartbeat answer about it.
    beats: watch::Sender<Option<RunState>>,
    /// Its media token, renewed by heartbeats.
    token: Arc<RwLock<String>>,
    /// The number of its next log line.
    next_line: i64,
    /// Told to stop (cancelled, or its lease gone): no longer watched for a cancel.
    stopping: bool,
}

/// An agent's connection to the platform.
pub struct AgentLink {
    /// Fires when the platform refuses the token.
    refused: tokio::sync::Notify,
    client: AgentClient,
    http: reqwest::Client,
    url: String,
    /// Where `/agent/v1/media/` is served (the platform's URL, but for an agent inside the
    /// platform that reaches the media service directly).
    media_url: String,
    lease_seconds: AtomicI64,
    runs: Mutex<HashMap<(Uuid, i32), RunSlot>>,
    /// Fires when a run is claimed (the cancel long poll then watches it too).
    claimed: tokio::sync::Notify,
    /// The GPUs' latest sample, sent with every heartbeat.
    gpus: Mutex<Option<Vec<protocol::GpuState>>>,
}

impl AgentLink {
    /// A link to the platform at `url` for process `instance`, with `token`; the media
    /// routes at `media_url` when given (else at `url`).
    pub fn new(
        http: reqwest::Client,
        url: &str,
        media_url: Option<&str>,
        token: &str,
        instance: &str,
    ) -> Arc<Self> {
        let url = url.trim_end_matches('/').to_owned();
        Arc::new(Self {
            refused: tokio::sync::Notify::new(),
            client: AgentClient::new(http.clone(), &url, token, instance),
            http,
            media_url: media_url
                .map_or_else(|| url.clone(), |m| m.trim_end_matches('/').to_owned()),
            url,
            lease_seconds: AtomicI64::new(30),
            runs: Mutex::default(),
            claimed: tokio::sync::Notify::new(),
            gpus: Mutex::default(),
        })
    }

    /// The HTTP client.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The platform's base URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The base URL of the media routes (`/agent/v1/media/`).
    pub fn media_url(&self) -> &str {
        &self.media_url
    }

    /// How long a lease lasts without a heartbeat (as the platform said at registration).
    pub fn lease_seconds(&self) -> i64 {
        self.lease_seconds.load(Ordering::Relaxed)
    }

    fn lease_lasts(&self) -> Duration {
        Duration::from_secs(u64::try_from(self.lease_seconds()).unwrap_or(30))
    }

    /// Resolves when the platform refuses the token on a heartbeat.
    pub async fn refused(&self) {
        self.refused.notified().await;
    }

    /// Registers this process; its worker id comes back.
    pub async fn register(
        &self,
        offer: protocol::Register,
    ) -> Result<protocol::Registered, AgentCallError> {
        let registered = self.client.register(offer).await?;
        self.lease_seconds
            .store(registered.lease_seconds, Ordering::Relaxed);
        Ok(registered)
    }

    /// Records that this process stopped.
    pub async fn stop(&self) -> Result<(), AgentCallError> {
        self.client.stop().await.map(|_| ())
    }

    pub(super) async fn claim(
        &self,
        machine_type: &str,
        limit: usize,
        wait: Duration,
    ) -> Result<Vec<Claimed>, crate::error::WorkerError> {
        let limit = u32::try_from(limit.min(protocol::MAX_CLAIM as usize)).unwrap_or(1);
        let wait = wait.min(Duration::from_secs(u64::from(protocol::MAX_WAIT_SECONDS)));
        let claimed = self
            .client
            .claim(machine_type, limit, wait)
            .await
            .map_err(|e| crate::error::WorkerError::Jobs(api_error(e)))?;
        let mut runs = self.lock();
        let handed: Vec<Claimed> = claimed
            .runs
            .into_iter()
            .map(|run| {
                let token = Arc::new(RwLock::new(run.media_token.clone()));
                runs.insert(
                    (run.job, run.attempt),
                    RunSlot {
                        beats: watch::channel(None).0,
                        token: token.clone(),
                        next_line: 1,
                        stopping: false,
                    },
                );
                Claimed::from_agent(run, token)
            })
            .collect();
        drop(runs);
        // After they are held: the cancel long poll asks again with them.
        if !handed.is_empty() {
            self.claimed.notify_one();
        }
        Ok(handed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(Uuid, i32), RunSlot>> {
        self.runs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs the agent's heartbeat every `every` until dropped: renews every held run's
    /// lease and hands each run its answer (and fresh media token).
    pub async fn heartbeats(self: Arc<Self>, every: Duration) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let gpus = self.gpus.lock().unwrap_or_else(|e| e.into_inner()).clone();
            match self.client.heartbeat(self.held(true), gpus).await {
                Ok(answer) => self.hand_out(answer.runs),
                Err(e @ AgentCallError::Refused { status: 401, .. }) => {
                    tracing::error!(error = %e, "the platform refuses this agent's token (revoked?)");
                    self.refused.notify_one();
                }
                Err(e) => {
                    tracing::warn!(error = %e, "a heartbeat failed; runs go on while their leases last")
                }
            }
        }
    }

    /// Keeps the GPUs' latest sample for the next heartbeats.
    pub(crate) fn set_gpus(&self, gpus: Vec<protocol::GpuState>) {
        *self.gpus.lock().unwrap_or_else(|e| e.into_inner()) = Some(gpus);
    }

    /// Gives each run its state (and fresh media token).
    fn hand_out(&self, states: Vec<RunState>) {
        let mut runs = self.lock();
        for state in states {
            if let Some(slot) = runs.get_mut(&(state.job, state.attempt)) {
                slot.stopping |= state.state != RunDirective::Continue;
                if let Some(token) = &state.media_token {
                    *slot.token.write().unwrap_or_else(|e| e.into_inner()) = token.clone();
                }
                slot.beats.send_replace(Some(state));
            }
        }
    }

    /// The runs held (without those told to stop, unless `all`).
    fn held(&self, all: bool) -> Vec<RunRef> {
        self.lock()
            .iter()
            .filter(|(_, slot)| all || !slot.stopping)
            .map(|((job, attempt), _)| RunRef {
                job: *job,
                attempt: *attempt,
            })
            .collect()
    }

    /// Listens for cancels of the runs held until dropped: a long poll per set of runs,
    /// asked again when a run is claimed, so a cancel stops its run at once rather than at
    /// the next heartbeat (which still delivers it should this call fail).
    pub async fn cancels(self: Arc<Self>) {
        loop {
            let held = self.held(false);
            if held.is_empty() {
                self.claimed.notified().await;
                continue;
            }
            let wait = Duration::from_secs(u64::from(protocol::MAX_WAIT_SECONDS));
            tokio::select! {
                answer = self.client.cancels(held, wait) => match answer {
                    Ok(answer) if answer.runs.is_empty() => {
                        // The wait ended (or the platform is stopping): not at once again.
                        tokio::time::sleep(Duration::from_millis(250)).await;
                    }
                    Ok(answer) => self.hand_out(answer.runs),
                    Err(e) => {
                        tracing::debug!(error = %e, "the cancel long poll failed; heartbeats still bring cancels");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                },
                // A run claimed meanwhile: ask again with it.
                _ = self.claimed.notified() => {}
            }
        }
    }

    pub(super) async fn next_beat(&self, lease: &Lease) -> Result<Heartbeat, ApiError> {
        let receiver = self
            .lock()
            .get(&(lease.job, lease.attempt))
            .map(|slot| slot.beats.subscribe());
        let Some(mut receiver) = receiver else {
            return Err(ApiError::Conflict(
                "this agent does not hold the run".into(),
            ));
        };
        receiver
            .changed()
            .await
            .map_err(|_| ApiError::Conflict("the run was forgotten".into()))?;
        let state = receiver.borrow_and_update().clone();
        match state {
            Some(RunState {
                state: RunDirective::Continue,
                ..
            }) => Ok(Heartbeat::Continue),
            Some(RunState {
                state: RunDirective::Cancel,
                reason,
                ..
            }) => Ok(Heartbeat::Cancel(
                reason.unwrap_or_else(|| "cancelled".into()),
            )),
            Some(RunState { reason, .. }) => Err(ApiError::Conflict(
                reason.unwrap_or_else(|| "the lease is gone".into()),
            )),
            None => Err(ApiError::Unavailable("no heartbeat answer yet".into())),
        }
    }
}

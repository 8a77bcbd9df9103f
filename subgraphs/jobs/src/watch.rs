//! Shared fan-out of job changes to the subscriptions of this instance, so that what it costs
//! grows with the updates, not with the subscribers.
//!
//! One dispatcher task hears the hub's signals. For a job that subscriptions watch
//! (`jobUpdated`) it reads the state once and hands it to every watcher (a `watch` channel
//! per job: a watcher always gets the latest state); for an account that subscriptions follow
//! (`myJobs`) it reads the changed job once and broadcasts it to the account's followers.
//! Signals that arrive together are read in one query. As a backstop it re-reads every
//! watched job in one query every [`POLL_WHEN_SIGNALLED`] (more often while signals are
//! down, when followed accounts' recently active jobs are re-read too). Entries nobody
//! watches any more are dropped on the next backstop.

use crate::{
    JobsDeps,
    db::{
        self,
        rows::{ControlRow, JobRow},
    },
    pubsub::POLL_WHEN_SIGNALLED,
};
use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex, OnceLock},
    time::Duration,
};
use tokio::sync::{broadcast, mpsc, watch};
use uuid::Uuid;

/// A job's state as subscriptions show it: the row and whether a cancel was requested.
#[derive(Clone, Debug, PartialEq)]
pub struct JobState {
    /// The job.
    pub job: JobRow,
    /// Whether a cancel request is pending.
    pub cancel_requested: bool,
}

/// What a followed account's subscribers receive.
pub type AccountChange = Arc<JobRow>;

/// Most signals read together in one query.
const BATCH: usize = 512;
/// Buffer of an account's change broadcast (a lagging follower re-reads the account).
const ACCOUNT_BUFFER: usize = 256;

#[derive(Default)]
struct Registry {
    jobs: HashMap<Uuid, watch::Sender<Option<Arc<JobState>>>>,
    accounts: HashMap<Uuid, broadcast::Sender<AccountChange>>,
}

/// The instance's watches; cheap to clone. The dispatcher starts with the first watch.
#[derive(Clone)]
pub struct Watches {
    registry: Arc<Mutex<Registry>>,
    /// Asks the dispatcher to read a newly watched job at once.
    refresh: Arc<OnceLock<mpsc::UnboundedSender<Uuid>>>,
    /// Job rows the dispatcher read (`mediamagic_subscription_job_reads_total`).
    reads: prometheus::IntCounter,
}

impl Watches {
    /// No watches yet (the dispatcher starts with the first one).
    pub fn new() -> Result<Self, prometheus::Error> {
        Ok(Self {
            registry: Arc::default(),
            refresh: Arc::default(),
            reads: prometheus::IntCounter::new(
                "subscription_job_reads_total",
                "Job rows read to update subscriptions (shared by every subscriber of a job)",
            )?,
        })
    }
}

impl Watches {
    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Watches job `id`. Every state the receiver sees comes from the dispatcher's reads, one
    /// after the other, so a watcher never sees a state older than one it saw; a job nobody
    /// watched yet is read at once.
    pub fn watch_job(deps: &JobsDeps, id: Uuid) -> watch::Receiver<Option<Arc<JobState>>> {
        let watches = &deps.watches;
        let refresh = watches.refresh.get_or_init(|| {
            let (sender, requests) = mpsc::unbounded_channel();
            tokio::spawn(dispatch(deps.clone(), requests));
            sender
        });
        let mut registry = watches.registry();
        let (receiver, new) = match registry.jobs.get(&id) {
            Some(sender) => (sender.subscribe(), false),
            None => {
                let (sender, receiver) = watch::channel(None);
                registry.jobs.insert(id, sender);
                (receiver, true)
            }
        };
        drop(registry);
        if new {
            // The dispatcher is gone only when the runtime shuts down.
            let _ = refresh.send(id);
        }
        receiver
    }

    /// Follows every change to `owner`'s jobs from now on.
    pub fn follow_account(deps: &JobsDeps, owner: Uuid) -> broadcast::Receiver<AccountChange> {
        let watches = &deps.watches;
        watches.refresh.get_or_init(|| {
            let (sender, requests) = mpsc::unbounded_channel();
            tokio::spawn(dispatch(deps.clone(), requests));
            sender
        });
        watches
            .registry()
            .accounts
            .entry(owner)
            .or_insert_with(|| broadcast::channel(ACCOUNT_BUFFER).0)
            .subscribe()
    }

    /// The read counter, to register with the service's metrics.
    pub fn reads_counter(&self) -> prometheus::IntCounter {
        self.reads.clone()
    }

    /// Jobs and accounts being watched (for metrics and tests).
    pub fn counts(&self) -> (usize, usize) {
        let registry = self.registry();
        (registry.jobs.len(), registry.accounts.len())
    }

    fn watched(&self, id: &Uuid) -> bool {
        self.registry().jobs.contains_key(id)
    }

    fn followed(&self, owner: &Uuid) -> bool {
        self.registry().accounts.contains_key(owner)
    }

    /// Drops entries nobody watches; the ids still watched and the accounts followed.
    fn prune(&self) -> (Vec<Uuid>, Vec<Uuid>) {
        let mut registry = self.registry();
        registry
            .jobs
            .retain(|_, sender| sender.receiver_count() > 0);
        registry
            .accounts
            .retain(|_, sender| sender.receiver_count() > 0);
        (
            registry.jobs.keys().copied().collect(),
            registry.accounts.keys().copied().collect(),
        )
    }

    fn deliver(&self, state: JobState, to_followers: bool) {
        let registry = self.registry();
        if to_followers && let Some(followers) = registry.accounts.get(&state.job.owner_id) {
            // No follower listening right now is fine.
            let _ = followers.send(Arc::new(state.job.clone()));
        }
        if let Some(watchers) = registry.jobs.get(&state.job.id) {
            watchers.send_if_modified(|current| {
                if current.as_deref() == Some(&state) {
                    return false;
                }
                *current = Some(Arc::new(state));
                true
            });
        }
    }
}

async fn dispatch(deps: JobsDeps, mut requests: mpsc::UnboundedReceiver<Uuid>) {
    let mut signals = deps.hub.subscribe();
    let mut backstop_at = tokio::time::Instant::now() + POLL_WHEN_SIGNALLED;
    loop {
        let mut jobs: HashSet<Uuid> = HashSet::new();
        let mut changed_of_followed: HashSet<Uuid> = HashSet::new();
        let mut backstop = false;
        tokio::select! {
            signal = signals.recv() => match signal {
                Ok(signal) => note(&deps.watches, &signal, &mut jobs, &mut changed_of_followed),
                Err(broadcast::error::RecvError::Lagged(_)) => backstop = true,
                Err(broadcast::error::RecvError::Closed) => return,
            },
            request = requests.recv() => match request {
                Some(id) => {
                    jobs.insert(id);
                }
                None => return,
            },
            _ = tokio::time::sleep_until(backstop_at) => backstop = true,
        }
        // Whatever else already arrived is read in the same query.
        while jobs.len() + changed_of_followed.len() < BATCH {
            match signals.try_recv() {
                Ok(signal) => note(&deps.watches, &signal, &mut jobs, &mut changed_of_followed),
                Err(broadcast::error::TryRecvError::Lagged(_)) => backstop = true,
                Err(_) => break,
            }
        }
        while jobs.len() < BATCH {
            match requests.try_recv() {
                Ok(id) => {
                    jobs.insert(id);
                }
                Err(_) => break,
            }
        }
        let mut recently_active_of = Vec::new();
        if backstop {
            let poll = deps.hub.poll_interval();
            backstop_at = tokio::time::Instant::now() + poll;
            let (watched, followed) = deps.watches.prune();
            jobs.extend(watched);
            if poll < POLL_WHEN_SIGNALLED {
                recently_active_of = followed;
            }
        }
        if let Err(e) =
            read_and_deliver(&deps, &jobs, &changed_of_followed, &recently_active_of).await
        {
            tracing::warn!(error = ?e, "reading changed jobs for subscriptions failed");
            // Soon again, from the backstop.
            backstop_at = backstop_at.min(tokio::time::Instant::now() + Duration::from_millis(200));
        }
    }
}

/// Notes what a signal asks to be read: a watched job, or a changed job of a followed account.
fn note(
    watches: &Watches,
    (channel, payload): &(String, String),
    jobs: &mut HashSet<Uuid>,
    changed_of_followed: &mut HashSet<Uuid>,
) {
    if let Some(id) = channel.strip_prefix("mm:job:") {
        if let Ok(id) = id.parse::<Uuid>()
            && watches.watched(&id)
        {
            jobs.insert(id);
        }
    } else if let Some(owner) = channel.strip_prefix("mm:jobacct:")
        && let (Ok(owner), Ok(job)) = (owner.parse::<Uuid>(), payload.parse::<Uuid>())
        && watches.followed(&owner)
    {
        changed_of_followed.insert(job);
    }
}

async fn read_and_deliver(
    deps: &JobsDeps,
    jobs: &HashSet<Uuid>,
    changed_of_followed: &HashSet<Uuid>,
    recently_active_of: &[Uuid],
) -> mediamagic_kit::ApiResult<()> {
    if jobs.is_empty() && changed_of_followed.is_empty() && recently_active_of.is_empty() {
        return Ok(());
    }
    let mut conn = deps.conn().await?;
    let ids: Vec<Uuid> = jobs.union(changed_of_followed).copied().collect();
    let mut rows = db::jobs::by_ids(&mut conn, &ids).await?;
    let mut to_followers: HashSet<Uuid> = changed_of_followed.clone();
    for owner in recently_active_of {
        let recent = db::jobs::recently_active(&mut conn, *owner, 500).await?;
        to_followers.extend(recent.iter().map(|j| j.id));
        rows.extend(recent);
    }
    deps.watches.reads.inc_by(rows.len() as u64);
    let row_ids: Vec<Uuid> = rows.iter().map(|j| j.id).collect();
    let controls: HashMap<Uuid, ControlRow> = db::jobs::controls(&mut conn, &row_ids)
        .await?
        .into_iter()
        .map(|c| (c.job_id, c))
        .collect();
    drop(conn);
    for job in rows {
        let cancel_requested = controls
            .get(&job.id)
            .is_some_and(|c| c.cancel_requested_at.is_some());
        let followers = to_followers.contains(&job.id);
        deps.watches.deliver(
            JobState {
                job,
                cancel_requested,
            },
            followers,
        );
    }
    Ok(())
}

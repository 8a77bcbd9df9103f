//! What every subscription stream goes through: a cap on the subscriptions one account holds
//! on this service at once (`jobs.max_subscriptions_per_account`, RATE_LIMITED past it), and
//! a check every [`RECHECK`] that the credential it was opened with is still live (a session
//! token not logged out, not revoked by removal from the team it acts for, not expired; an
//! API key not revoked, not expired): once it is not, the stream yields UNAUTHENTICATED and
//! ends. The checks are shared: one task checks every distinct credential of this
//! instance's subscriptions in two queries per [`RECHECK`], however many subscriptions use
//! each.

use crate::JobsDeps;
use diesel::sql_types::{Array, Text};
use diesel_async::RunQueryDsl;
use futures::Stream;
use mediamagic_kit::{ApiError, auth::Actor};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::sync::{mpsc, watch};
use uuid::Uuid;

/// How often a subscription's credential is checked again.
pub const RECHECK: Duration = Duration::from_secs(1);

/// Open subscriptions per account on this service.
#[derive(Clone, Default)]
pub struct SubscriptionCounts(Arc<Mutex<HashMap<Uuid, usize>>>);

/// One open subscription; released on drop.
pub struct SubscriptionPermit {
    counts: SubscriptionCounts,
    account: Uuid,
}

impl SubscriptionCounts {
    /// A permit for one more subscription of `account`, or RATE_LIMITED past `max`.
    pub fn acquire(&self, account: Uuid, max: usize) -> Result<SubscriptionPermit, ApiError> {
        let mut counts = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let open = counts.entry(account).or_insert(0);
        if *open >= max {
            return Err(ApiError::RateLimited(format!(
                "an account may hold at most {max} subscriptions at once; close some first"
            )));
        }
        *open += 1;
        Ok(SubscriptionPermit {
            counts: self.clone(),
            account,
        })
    }
}

impl Drop for SubscriptionPermit {
    fn drop(&mut self) {
        let mut counts = self.counts.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(open) = counts.get_mut(&self.account) {
            *open = open.saturating_sub(1);
            if *open == 0 {
                counts.remove(&self.account);
            }
        }
    }
}

/// The credential a subscription was opened with, as far as it can be revoked.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Credential {
    /// A session token, by its revocation id.
    Session(String),
    /// An API key, by its id.
    ApiKey(Uuid),
}

impl Credential {
    fn of(actor: &Actor) -> Option<Self> {
        match (&actor.session, actor.api_key) {
            (Some(session), _) => Some(Self::Session(session.clone())),
            (None, Some(key)) => Some(Self::ApiKey(key)),
            (None, None) => None,
        }
    }
}

/// Whether each credential subscriptions of this instance use is still live, checked by one
/// task for all of them.
#[derive(Clone, Default)]
pub struct CredentialChecks {
    watched: Arc<Mutex<HashMap<Credential, watch::Sender<bool>>>>,
    started: Arc<std::sync::OnceLock<()>>,
}

impl CredentialChecks {
    /// Watches `credential` (true: live); the checker starts with the first watch.
    fn watch(&self, deps: &JobsDeps, credential: Credential) -> watch::Receiver<bool> {
        self.started.get_or_init(|| {
            tokio::spawn(check_all(deps.clone()));
        });
        let mut watched = self.watched.lock().unwrap_or_else(|e| e.into_inner());
        watched
            .entry(credential)
            .or_insert_with(|| watch::channel(true).0)
            .subscribe()
    }
}

#[derive(diesel::QueryableByName)]
struct Dead {
    #[diesel(sql_type = Text)]
    id: String,
}

/// Every [`RECHECK`]: the watched credentials that are no longer live, in two queries
/// (Postgres is the truth); nobody watching a credential any more drops it.
async fn check_all(deps: JobsDeps) {
    let mut tick = tokio::time::interval(RECHECK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let (sessions, keys): (Vec<String>, Vec<String>) = {
            let mut watched = deps
                .credential_checks
                .watched
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            watched.retain(|_, sender| sender.receiver_count() > 0 && *sender.borrow());
            let mut sessions = Vec::new();
            let mut keys = Vec::new();
            for credential in watched.keys() {
                match credential {
                    Credential::Session(id) => sessions.push(id.clone()),
                    Credential::ApiKey(id) => keys.push(id.to_string()),
                }
            }
            (sessions, keys)
        };
        if sessions.is_empty() && keys.is_empty() {
            continue;
        }
        // A failed check (database away) keeps every stream; the next one decides.
        let Ok(dead) = dead_credentials(&deps, &sessions, &keys).await else {
            continue;
        };
        let watched = deps
            .credential_checks
            .watched
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        for credential in dead {
            if let Some(sender) = watched.get(&credential) {
                sender.send_replace(false);
            }
        }
    }
}

/// Which of `sessions` (revocation ids) and `keys` (API key ids) are revoked, expired or
/// unknown.
async fn dead_credentials(
    deps: &JobsDeps,
    sessions: &[String],
    keys: &[String],
) -> Result<Vec<Credential>, ApiError> {
    let mut conn = deps.pool.get().await?;
    let mut dead = Vec::new();
    if !sessions.is_empty() {
        let rows: Vec<Dead> = diesel::sql_query(
            "SELECT s.id FROM unnest($1::text[]) AS s(id) \
             LEFT JOIN accounts.credential_states a ON a.kind = 'session' AND a.id = s.id \
             WHERE a.id IS NULL OR NOT a.live",
        )
        .bind::<Array<Text>, _>(sessions)
        .load(&mut conn)
        .await?;
        dead.extend(rows.into_iter().map(|r| Credential::Session(r.id)));
    }
    if !keys.is_empty() {
        let rows: Vec<Dead> = diesel::sql_query(
            "SELECT k.id FROM unnest($1::text[]) AS k(id) \
             LEFT JOIN accounts.credential_states a ON a.kind = 'api_key' AND a.id = k.id \
             WHERE a.id IS NULL OR NOT a.live",
        )
        .bind::<Array<Text>, _>(keys)
        .load(&mut conn)
        .await?;
        dead.extend(
            rows.into_iter()
                .filter_map(|r| r.id.parse().ok().map(Credential::ApiKey)),
        );
    }
    Ok(dead)
}

/// The items of `rx` as a subscription stream holding `permit`, ending with
/// UNAUTHENTICATED once the credential of `actor` (the subscriber) is no longer live.
pub fn guarded<T: Send + 'static>(
    rx: mpsc::Receiver<T>,
    deps: JobsDeps,
    actor: &Actor,
    permit: SubscriptionPermit,
) -> impl Stream<Item = async_graphql::Result<T>> + use<T> {
    struct State<T> {
        rx: mpsc::Receiver<T>,
        live: Option<watch::Receiver<bool>>,
        ended: bool,
        _permit: SubscriptionPermit,
    }
    let live = Credential::of(actor).map(|c| deps.credential_checks.watch(&deps, c));
    let state = State {
        rx,
        live,
        ended: false,
        _permit: permit,
    };
    futures::stream::unfold(state, |mut state| async move {
        if state.ended {
            return None;
        }
        let revoked = async {
            match state.live.as_mut() {
                Some(live) => {
                    // Ends (false) when revoked; a closed checker never revokes.
                    if live.wait_for(|live| !*live).await.is_err() {
                        std::future::pending::<()>().await;
                    }
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            item = state.rx.recv() => item.map(|item| (Ok(item), state)),
            _ = revoked => {
                state.ended = true;
                let error = ApiError::Unauthenticated(
                    "the credential of this subscription was revoked or expired".into(),
                );
                Some((Err(error.into()), state))
            }
        }
    })
}

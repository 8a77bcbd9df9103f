//! What every subscription stream goes through: a cap on the subscriptions one account holds
//! on this service at once (`jobs.max_subscriptions_per_account`, RATE_LIMITED past it), and
//! a check every [`RECHECK`] that the credential it was opened with is still live (a session
//! token not logged out, not revoked by removal from the team it acts for, not expired; an
//! API key not revoked, not expired): once it is not, the stream yields UNAUTHENTICATED and
//! ends.

use crate::JobsDeps;
use diesel::sql_types::{Text, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use futures::Stream;
use mediamagic_kit::{ApiError, auth::Actor};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::sync::mpsc;
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

#[derive(diesel::QueryableByName)]
struct Live {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    live: bool,
}

/// The credential a subscription was opened with, as far as it can be revoked.
#[derive(Clone, Debug)]
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

/// Whether `credential` may still be used (Postgres, the truth).
async fn live(deps: &JobsDeps, credential: &Credential) -> Result<bool, ApiError> {
    let mut conn = deps.pool.get().await?;
    let found: Result<Live, _> = match credential {
        Credential::Session(revocation_id) => {
            diesel::sql_query(
                "SELECT (revoked_at IS NULL AND expires_at > now()) AS live \
                 FROM accounts.sessions WHERE revocation_id = $1",
            )
            .bind::<Text, _>(revocation_id)
            .get_result(&mut conn)
            .await
        }
        Credential::ApiKey(key) => {
            diesel::sql_query(
                "SELECT (revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())) \
                 AS live FROM accounts.api_keys WHERE id = $1",
            )
            .bind::<SqlUuid, _>(key)
            .get_result(&mut conn)
            .await
        }
    };
    match found {
        Ok(found) => Ok(found.live),
        Err(diesel::result::Error::NotFound) => Ok(false),
        Err(other) => Err(other.into()),
    }
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
        deps: JobsDeps,
        credential: Option<Credential>,
        tick: tokio::time::Interval,
        ended: bool,
        _permit: SubscriptionPermit,
    }
    let mut tick = tokio::time::interval(RECHECK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let state = State {
        rx,
        deps,
        credential: Credential::of(actor),
        tick,
        ended: false,
        _permit: permit,
    };
    futures::stream::unfold(state, |mut state| async move {
        if state.ended {
            return None;
        }
        loop {
            tokio::select! {
                item = state.rx.recv() => return item.map(|item| (Ok(item), state)),
                _ = state.tick.tick() => {
                    let Some(credential) = state.credential.clone() else { continue };
                    // A failed check (database away) keeps the stream; the next one decides.
                    if let Ok(false) = live(&state.deps, &credential).await {
                        state.ended = true;
                        let error = ApiError::Unauthenticated(
                            "the credential of this subscription was revoked or expired".into(),
                        );
                        return Some((Err(error.into()), state));
                    }
                }
            }
        }
    })
}

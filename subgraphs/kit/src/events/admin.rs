//! Admin operations on events, as GraphQL fields (admin scope) a subgraph merges into its
//! schema: dead events with their invocations, redelivery, and manual invocation.

use super::store::{self, StoredEvent};
use crate::{ActorExt, Scope, db::DbPool, error::ApiError, pagination::page_size};
use async_graphql::{Context, ID, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};

/// What the admin fields need in the schema's data.
#[derive(Clone)]
pub struct EventsAdmin {
    /// The service's pool.
    pub pool: DbPool,
}

fn admin<'c>(ctx: &'c Context<'_>) -> Result<&'c EventsAdmin, ApiError> {
    ctx.actor()?.require_scope(Scope::Admin)?;
    ctx.data::<EventsAdmin>()
        .map_err(|_| ApiError::internal(anyhow::anyhow!("EventsAdmin missing from schema data")))
}

/// One delivery attempt.
#[derive(SimpleObject)]
pub struct EventInvocation {
    /// 1 for the first delivery.
    pub attempt: i32,
    /// `ok`, `error` or `timeout`.
    pub status: String,
    /// How long the handler ran.
    pub duration_ms: i32,
    /// The failure, if any.
    pub error: Option<String>,
}

/// A captured event.
pub struct EventRecord(StoredEvent);

#[Object]
impl EventRecord {
    /// Event id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Position in capture order (use as `after` to page).
    async fn seq(&self) -> String {
        self.0.seq.to_string()
    }
    /// Trigger name.
    async fn trigger(&self) -> &str {
        &self.0.trigger_name
    }
    /// `schema.table` that changed.
    async fn table(&self) -> String {
        format!("{}.{}", self.0.schema_name, self.0.table_name)
    }
    /// `pending`, `processing`, `delivered` or `dead`.
    async fn status(&self) -> &str {
        &self.0.status
    }
    /// Deliveries so far.
    async fn tries(&self) -> i32 {
        self.0.tries
    }
    /// The last failure.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// Capture time.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Hasura's `event` object (op, data, session variables, trace context).
    async fn payload(&self) -> Json<serde_json::Value> {
        Json(self.0.event.clone())
    }
    /// Every delivery attempt.
    async fn invocations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<EventInvocation>> {
        let admin = admin(ctx)?;
        Ok(store::invocations(&admin.pool, self.0.id)
            .await?
            .into_iter()
            .map(|(attempt, status, duration_ms, error)| EventInvocation {
                attempt,
                status,
                duration_ms,
                error,
            })
            .collect())
    }
}

/// Admin queries on events.
#[derive(Default)]
pub struct EventsAdminQuery;

#[Object]
impl EventsAdminQuery {
    /// Dead events (admin), oldest first; page with `after` = the last `seq`.
    async fn dead_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this trigger.")] trigger: Option<String>,
        #[graphql(desc = "Page size (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "The `seq` of the last event of the previous page.")] after: Option<
            String,
        >,
    ) -> async_graphql::Result<Vec<EventRecord>> {
        let admin = admin(ctx)?;
        let after = match after {
            Some(s) => s
                .parse::<i64>()
                .map_err(|_| ApiError::bad_input("after", "use a `seq` from a previous page"))?,
            None => 0,
        };
        let events = store::dead(&admin.pool, trigger.as_deref(), after, page_size(first)?).await?;
        Ok(events.into_iter().map(EventRecord).collect())
    }
}

/// Admin mutations on events.
#[derive(Default)]
pub struct EventsAdminMutation;

#[Object]
impl EventsAdminMutation {
    /// Queues a dead or delivered event again with a fresh retry budget (admin).
    async fn redeliver_event(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<EventRecord> {
        let admin = admin(ctx)?;
        let id = uuid::Uuid::parse_str(&id)
            .map_err(|_| ApiError::bad_input("id", "id must be a UUID"))?;
        let event = store::get(&admin.pool, id).await?;
        if !store::redeliver(&admin.pool, id).await? {
            return Err(ApiError::Conflict(format!(
                "the event is {}; only dead or delivered events can be redelivered",
                event.status
            ))
            .into());
        }
        Ok(EventRecord(store::get(&admin.pool, id).await?))
    }

    /// Queues every dead event of a trigger again; returns how many (admin).
    async fn redeliver_dead_events(
        &self,
        ctx: &Context<'_>,
        trigger: String,
    ) -> async_graphql::Result<i32> {
        let admin = admin(ctx)?;
        Ok(store::redeliver_dead(&admin.pool, &trigger).await? as i32)
    }

    /// Invokes a trigger by hand with `payload` as the new row (Hasura's manual trigger;
    /// op `MANUAL`) (admin).
    async fn invoke_event_trigger(
        &self,
        ctx: &Context<'_>,
        trigger: String,
        payload: Json<serde_json::Value>,
    ) -> async_graphql::Result<EventRecord> {
        let admin = admin(ctx)?;
        let id = store::invoke(&admin.pool, &trigger, &payload.0).await?;
        Ok(EventRecord(store::get(&admin.pool, id).await?))
    }
}

//! `retentionPolicy` and `setRetentionPolicy`: how long the acting account's data is kept.

use crate::{
    AccountsDeps,
    commands::retention::{self, Policy, PolicyRow},
};
use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use mediamagic_kit::ActorExt;

/// How long the account's data is kept; the sweep removes what is older (hourly by default).
#[derive(SimpleObject, Clone, Debug)]
pub struct RetentionPolicy {
    /// Days a job's output media are kept (media a running job still uses are kept).
    pub job_outputs_days: i32,
    /// Days a job's log lines are kept.
    pub job_logs_days: i32,
    /// Days uploaded media are kept; null: until deleted.
    pub source_media_days: Option<i32>,
    /// Days deleted and failed media stay listed (status DELETED/FAILED) before their rows go.
    pub deleted_rows_days: i32,
    /// Days a job's callback attempts are kept.
    pub callback_attempts_days: i32,
    /// Days expired sessions, refresh tokens and invites are kept.
    pub expired_sessions_days: i32,
    /// Hours an upload may stay unfinished before it is removed.
    pub pending_uploads_hours: i32,
    /// The fields that follow the platform's default.
    pub defaults: Vec<String>,
    /// When the account last set its policy; null if it never did.
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<Policy> for RetentionPolicy {
    fn from(p: Policy) -> Self {
        Self {
            job_outputs_days: p.values.job_outputs_days,
            job_logs_days: p.values.job_logs_days,
            source_media_days: p.values.source_media_days,
            deleted_rows_days: p.values.deleted_rows_days,
            callback_attempts_days: p.values.callback_attempts_days,
            expired_sessions_days: p.values.expired_sessions_days,
            pending_uploads_hours: p.values.pending_uploads_hours,
            defaults: p.defaulted.into_iter().map(str::to_owned).collect(),
            updated_at: p.updated_at,
        }
    }
}

/// A whole policy: a field left out (or null) follows the platform's default.
#[derive(InputObject, Clone, Debug, Default)]
pub struct RetentionPolicyInput {
    /// 1 to 36500 days.
    pub job_outputs_days: Option<i32>,
    /// 1 to 36500 days.
    pub job_logs_days: Option<i32>,
    /// 1 to 36500 days.
    pub source_media_days: Option<i32>,
    /// 1 to 36500 days.
    pub deleted_rows_days: Option<i32>,
    /// 1 to 36500 days.
    pub callback_attempts_days: Option<i32>,
    /// 1 to 36500 days.
    pub expired_sessions_days: Option<i32>,
    /// 1 to 8760 hours.
    pub pending_uploads_hours: Option<i32>,
}

/// Retention queries.
#[derive(Default)]
pub struct RetentionQuery;

#[Object]
impl RetentionQuery {
    /// The acting account's retention policy (its owner only: the user, or a team's owners
    /// and admins with a team session token).
    async fn retention_policy(&self, ctx: &Context<'_>) -> async_graphql::Result<RetentionPolicy> {
        let deps = ctx.data::<AccountsDeps>()?;
        Ok(retention::get(deps, ctx.actor()?).await?.into())
    }
}

/// Retention mutations.
#[derive(Default)]
pub struct RetentionMutation;

#[Object]
impl RetentionMutation {
    /// Replaces the acting account's retention policy (same rights as `retentionPolicy`).
    async fn set_retention_policy(
        &self,
        ctx: &Context<'_>,
        input: RetentionPolicyInput,
    ) -> async_graphql::Result<RetentionPolicy> {
        let deps = ctx.data::<AccountsDeps>()?;
        let row = PolicyRow {
            job_outputs_days: input.job_outputs_days,
            job_logs_days: input.job_logs_days,
            source_media_days: input.source_media_days,
            deleted_rows_days: input.deleted_rows_days,
            callback_attempts_days: input.callback_attempts_days,
            expired_sessions_days: input.expired_sessions_days,
            pending_uploads_hours: input.pending_uploads_hours,
            updated_at: None,
        };
        Ok(retention::set(deps, ctx.actor()?, row).await?.into())
    }
}

//! Retention policies: how long each kind of an account's data is kept, read and set by the
//! account's owner (a user for themselves; a team's owners and admins with a team session
//! token). Unset values follow the platform's `[retention.defaults]`. Every service's sweep
//! reads `accounts.retention_policies`; this module also sweeps what accounts own: expired
//! sessions, refresh tokens, sign-ins, invites and idempotency keys.

use crate::{AccountsDeps, db, domain::Role};
use chrono::{DateTime, Utc};
use diesel::{
    OptionalExtension, QueryableByName,
    sql_types::{BigInt, Integer, Nullable, Timestamptz, Uuid as SqlUuid},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use mediamagic_kit::{
    AccountKind, Actor, ApiError, ApiResult, Scope, idempotency,
    retention::{RetentionConfig, RetentionDefaults, Swept, in_batches},
};
use uuid::Uuid;

/// An account's policy as stored: `None` follows the platform default.
#[derive(Clone, Debug, Default, PartialEq, Eq, QueryableByName)]
pub struct PolicyRow {
    /// Days job outputs are kept.
    #[diesel(sql_type = Nullable<Integer>)]
    pub job_outputs_days: Option<i32>,
    /// Days job logs are kept.
    #[diesel(sql_type = Nullable<Integer>)]
    pub job_logs_days: Option<i32>,
    /// Days uploaded media are kept.
    #[diesel(sql_type = Nullable<Integer>)]
    pub source_media_days: Option<i32>,
    /// Days deleted and failed media rows are kept.
    #[diesel(sql_type = Nullable<Integer>)]
    pub deleted_rows_days: Option<i32>,
    /// Days callback attempts are kept.
    #[diesel(sql_type = Nullable<Integer>)]
    pub callback_attempts_days: Option<i32>,
    /// Days expired sessions and invites are kept.
    #[diesel(sql_type = Nullable<Integer>)]
    pub expired_sessions_days: Option<i32>,
    /// Hours an unfinished upload is kept.
    #[diesel(sql_type = Nullable<Integer>)]
    pub pending_uploads_hours: Option<i32>,
    /// When it was last set.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub updated_at: Option<DateTime<Utc>>,
}

/// An account's policy with the defaults filled in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// The values in force.
    pub values: RetentionDefaults,
    /// The fields that follow the platform default (GraphQL names).
    pub defaulted: Vec<&'static str>,
    /// When the account last set its policy.
    pub updated_at: Option<DateTime<Utc>>,
}

fn effective(row: &PolicyRow, defaults: &RetentionDefaults) -> Policy {
    let mut defaulted = Vec::new();
    let mut pick = |own: Option<i32>, default: i32, name: &'static str| {
        own.unwrap_or_else(|| {
            defaulted.push(name);
            default
        })
    };
    let values = RetentionDefaults {
        job_outputs_days: pick(
            row.job_outputs_days,
            defaults.job_outputs_days,
            "jobOutputsDays",
        ),
        job_logs_days: pick(row.job_logs_days, defaults.job_logs_days, "jobLogsDays"),
        deleted_rows_days: pick(
            row.deleted_rows_days,
            defaults.deleted_rows_days,
            "deletedRowsDays",
        ),
        callback_attempts_days: pick(
            row.callback_attempts_days,
            defaults.callback_attempts_days,
            "callbackAttemptsDays",
        ),
        expired_sessions_days: pick(
            row.expired_sessions_days,
            defaults.expired_sessions_days,
            "expiredSessionsDays",
        ),
        pending_uploads_hours: pick(
            row.pending_uploads_hours,
            defaults.pending_uploads_hours,
            "pendingUploadsHours",
        ),
        source_media_days: row.source_media_days.or(defaults.source_media_days),
    };
    if row.source_media_days.is_none() {
        defaulted.push("sourceMediaDays");
    }
    Policy {
        values,
        defaulted,
        updated_at: row.updated_at,
    }
}

/// Only the account's owner reads or sets its policy: the user itself, or a team's owners and
/// admins acting with a team session token (team API keys carry no person).
async fn require_owner(conn: &mut AsyncPgConnection, actor: &Actor) -> ApiResult<()> {
    let refused = || {
        ApiError::Forbidden(
            "only the account's owner (a team's owners and admins, with a team session token) \
             reads and sets its retention policy"
                .into(),
        )
    };
    let user = actor.user_id.ok_or_else(refused)?;
    if actor.account_kind == AccountKind::User {
        return Ok(());
    }
    let membership = db::teams::membership(conn, actor.account_id, user)
        .await?
        .ok_or_else(refused)?;
    if Role::from_db(&membership.role)?.is_admin() {
        Ok(())
    } else {
        Err(refused())
    }
}

async fn stored(conn: &mut AsyncPgConnection, account: Uuid) -> ApiResult<PolicyRow> {
    Ok(diesel::sql_query(
        "SELECT job_outputs_days, job_logs_days, source_media_days, deleted_rows_days,
                callback_attempts_days, expired_sessions_days, pending_uploads_hours, updated_at
         FROM accounts.retention_policies WHERE account_id = $1",
    )
    .bind::<SqlUuid, _>(account)
    .get_result(conn)
    .await
    .optional()?
    .unwrap_or_default())
}

/// The acting account's policy.
pub async fn get(deps: &AccountsDeps, actor: &Actor) -> ApiResult<Policy> {
    actor.require_scope(Scope::Read)?;
    let mut conn = deps.conn().await?;
    require_owner(&mut conn, actor).await?;
    let row = stored(&mut conn, actor.account_id).await?;
    Ok(effective(&row, &deps.retention.defaults))
}

fn check(row: &PolicyRow) -> ApiResult<()> {
    let days = [
        ("jobOutputsDays", row.job_outputs_days),
        ("jobLogsDays", row.job_logs_days),
        ("sourceMediaDays", row.source_media_days),
        ("deletedRowsDays", row.deleted_rows_days),
        ("callbackAttemptsDays", row.callback_attempts_days),
        ("expiredSessionsDays", row.expired_sessions_days),
    ];
    for (field, value) in days {
        if value.is_some_and(|d| !(1..=36_500).contains(&d)) {
            return Err(ApiError::bad_input(
                field,
                format!("{field} is 1 to 36500 days"),
            ));
        }
    }
    if row
        .pending_uploads_hours
        .is_some_and(|h| !(1..=8_760).contains(&h))
    {
        return Err(ApiError::bad_input(
            "pendingUploadsHours",
            "pendingUploadsHours is 1 to 8760 hours",
        ));
    }
    Ok(())
}

/// Replaces the acting account's policy (fields left out follow the platform default).
pub async fn set(deps: &AccountsDeps, actor: &Actor, policy: PolicyRow) -> ApiResult<Policy> {
    actor.require_scope(Scope::Write)?;
    check(&policy)?;
    let mut conn = deps.conn().await?;
    require_owner(&mut conn, actor).await?;
    diesel::sql_query(
        "INSERT INTO accounts.retention_policies (account_id, job_outputs_days, job_logs_days,
             source_media_days, deleted_rows_days, callback_attempts_days,
             expired_sessions_days, pending_uploads_hours, updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())
         ON CONFLICT (account_id) DO UPDATE SET
             job_outputs_days = EXCLUDED.job_outputs_days,
             job_logs_days = EXCLUDED.job_logs_days,
             source_media_days = EXCLUDED.source_media_days,
             deleted_rows_days = EXCLUDED.deleted_rows_days,
             callback_attempts_days = EXCLUDED.callback_attempts_days,
             expired_sessions_days = EXCLUDED.expired_sessions_days,
             pending_uploads_hours = EXCLUDED.pending_uploads_hours,
             updated_by = EXCLUDED.updated_by, updated_at = now()",
    )
    .bind::<SqlUuid, _>(actor.account_id)
    .bind::<Nullable<Integer>, _>(policy.job_outputs_days)
    .bind::<Nullable<Integer>, _>(policy.job_logs_days)
    .bind::<Nullable<Integer>, _>(policy.source_media_days)
    .bind::<Nullable<Integer>, _>(policy.deleted_rows_days)
    .bind::<Nullable<Integer>, _>(policy.callback_attempts_days)
    .bind::<Nullable<Integer>, _>(policy.expired_sessions_days)
    .bind::<Nullable<Integer>, _>(policy.pending_uploads_hours)
    .bind::<Nullable<SqlUuid>, _>(actor.user_id)
    .execute(&mut conn)
    .await?;
    let row = stored(&mut conn, actor.account_id).await?;
    Ok(effective(&row, &deps.retention.defaults))
}

/// Deletes up to `limit` rows of `table` (keyed by `key`) whose `expires_at` is older than
/// the owning account's `expired_sessions_days`; `account` is the SQL naming that account.
async fn expired(
    deps: AccountsDeps,
    table: &'static str,
    key: &'static str,
    account: &'static str,
    default_days: i32,
    limit: i64,
) -> ApiResult<usize> {
    let mut conn = deps.conn().await?;
    Ok(diesel::sql_query(format!(
        "DELETE FROM {table} WHERE {key} IN (
             SELECT t.{key} FROM {table} t
             LEFT JOIN accounts.retention_policies p ON p.account_id = {account}
             WHERE t.expires_at < now() - make_interval(days => COALESCE(p.expired_sessions_days, $1))
             LIMIT $2)"
    ))
    .bind::<Integer, _>(default_days)
    .bind::<BigInt, _>(limit)
    .execute(&mut conn)
    .await?)
}

async fn expired_keys(deps: AccountsDeps, limit: i64) -> ApiResult<usize> {
    let mut conn = deps.conn().await?;
    idempotency::delete_expired(&mut conn, super::keys::KEYS, limit).await
}

/// The accounts part of the retention sweep.
pub async fn sweep(deps: &AccountsDeps, config: &RetentionConfig) -> ApiResult<Swept> {
    let days = config.defaults.expired_sessions_days;
    // Each batch takes a table, the column that keys its rows and the account whose policy
    // applies. Refresh tokens go before the sessions they name; sign-ins in progress have no
    // account yet, so the default applies.
    let tables: [(&'static str, &'static str, &'static str, &'static str); 4] = [
        (
            "refresh_tokens",
            "accounts.refresh_tokens",
            "id",
            "t.user_id",
        ),
        (
            "sessions",
            "accounts.sessions",
            "revocation_id",
            "t.account_id",
        ),
        (
            "oidc_logins",
            "accounts.oidc_logins",
            "state_hash",
            "NULL::uuid",
        ),
        ("invites", "accounts.invites", "id", "t.team_id"),
    ];
    let mut swept = Vec::new();
    for (kind, table, key, account) in tables {
        let removed = in_batches(config, |n| {
            expired(deps.clone(), table, key, account, days, n)
        })
        .await?;
        swept.push((kind, removed));
    }
    let keys = in_batches(config, |n| expired_keys(deps.clone(), n)).await?;
    swept.push(("idempotency_keys", keys));
    Ok(swept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_values_follow_the_defaults_and_say_so() {
        let defaults = RetentionDefaults::default();
        let policy = effective(
            &PolicyRow {
                job_logs_days: Some(2),
                ..PolicyRow::default()
            },
            &defaults,
        );
        assert_eq!(policy.values.job_logs_days, 2);
        assert_eq!(policy.values.job_outputs_days, defaults.job_outputs_days);
        assert!(policy.defaulted.contains(&"jobOutputsDays"));
        assert!(!policy.defaulted.contains(&"jobLogsDays"));
        assert!(policy.defaulted.contains(&"sourceMediaDays"));
    }

    #[test]
    fn values_out_of_range_are_refused() {
        assert!(check(&PolicyRow::default()).is_ok());
        let zero = PolicyRow {
            job_outputs_days: Some(0),
            ..PolicyRow::default()
        };
        assert!(check(&zero).is_err());
        let year_and_a_day = PolicyRow {
            pending_uploads_hours: Some(8_761),
            ..PolicyRow::default()
        };
        assert!(check(&year_and_a_day).is_err());
    }
}

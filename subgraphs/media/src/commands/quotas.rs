//! Upload limits of an account: its storage quota (bytes of live media plus the declared
//! bytes of pending uploads, which are reserved), how many presigned and multipart uploads it
//! may have started and not finished, and how many uploads it may stream through the service
//! at once. The configured values (`media.quotas`) apply unless an admin set the account's
//! own; a refusal is QUOTA_EXCEEDED with the figures.
//!
//! Admission runs inside the transaction that inserts the media row, under a per-account
//! lock, so parallel uploads cannot share the same free space.

use crate::{
    MediaDeps,
    config::QuotaConfig,
    db::{self, quotas::Usage, rows::QuotaRow},
};
use chrono::{Duration, Utc};
use diesel_async::{AsyncPgConnection, scoped_futures::ScopedFutureExt};
use mediamagic_kit::{Actor, ApiError, ApiResult, Scope, db::transaction};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// How long a streaming upload's slot lasts without renewal (a process that dies mid-upload
/// frees it by then).
const SLOT_LEASE: Duration = Duration::seconds(120);

/// The limits that apply to one account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes it may store (live plus pending).
    pub storage_bytes: u64,
    /// Presigned and multipart uploads started and not finished.
    pub pending_uploads: u32,
    /// Uploads streaming through the service at once.
    pub concurrent_uploads: u32,
    /// Whether an admin set any of them for this account.
    pub overridden: bool,
}

/// An account's limits and where it stands.
#[derive(Clone, Debug)]
pub struct QuotaReport {
    /// The limits.
    pub limits: Limits,
    /// What it stores and reserves.
    pub usage: Usage,
    /// Uploads streaming now.
    pub active_uploads: i64,
}

/// What an insert asks of the quota.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Admission {
    /// A presigned or multipart upload: reserves its declared size and counts as pending.
    Pending,
    /// Bytes already streamed in (a direct upload): storage only.
    Stored,
    /// The worker's job outputs (the job's own limits apply).
    Exempt,
}

fn limits_of(config: &QuotaConfig, overrides: Option<&QuotaRow>) -> Limits {
    let pick = |own: Option<i64>, default: u64| own.map_or(default, |v| v.max(0) as u64);
    Limits {
        storage_bytes: pick(
            overrides.and_then(|o| o.storage_bytes),
            config.storage_bytes,
        ),
        pending_uploads: pick(
            overrides.and_then(|o| o.pending_uploads.map(i64::from)),
            config.pending_uploads.into(),
        ) as u32,
        concurrent_uploads: pick(
            overrides.and_then(|o| o.concurrent_uploads.map(i64::from)),
            config.concurrent_uploads.into(),
        ) as u32,
        overridden: overrides.is_some(),
    }
}

async fn limits(
    conn: &mut AsyncPgConnection,
    config: &QuotaConfig,
    account: Uuid,
) -> ApiResult<Limits> {
    let overrides = db::quotas::overrides(conn, account).await?;
    Ok(limits_of(config, overrides.as_ref()))
}

/// Inside an insert's transaction: refuses with QUOTA_EXCEEDED when `bytes` more would pass
/// `account`'s storage quota, or (for a pending upload) when it has too many unfinished.
pub(crate) async fn admit(
    conn: &mut AsyncPgConnection,
    config: &QuotaConfig,
    account: Uuid,
    bytes: u64,
    admission: Admission,
) -> ApiResult<()> {
    if admission == Admission::Exempt {
        return Ok(());
    }
    db::quotas::lock_account(conn, account).await?;
    let limits = limits(conn, config, account).await?;
    let usage = db::quotas::usage(conn, account).await?;
    if admission == Admission::Pending && usage.pending_uploads >= i64::from(limits.pending_uploads)
    {
        return Err(ApiError::QuotaExceeded(format!(
            "the account has {} uploads started and not finished, its limit; finish or abort \
             some (abortUpload) first",
            usage.pending_uploads
        )));
    }
    let used = (usage.stored_bytes + usage.reserved_bytes).max(0) as u64;
    if used.saturating_add(bytes) > limits.storage_bytes {
        return Err(ApiError::QuotaExceeded(format!(
            "this upload needs {bytes} bytes, but the account stores {used} of its {} bytes \
             (live media plus pending uploads); delete media or abort uploads first",
            limits.storage_bytes
        )));
    }
    Ok(())
}

/// Bytes `account` may still store: the most a direct upload may stream.
pub(crate) async fn room(deps: &MediaDeps, account: Uuid) -> ApiResult<u64> {
    let mut conn = deps.conn().await?;
    let limits = limits(&mut conn, &deps.config.quotas, account).await?;
    let usage = db::quotas::usage(&mut conn, account).await?;
    let used = (usage.stored_bytes + usage.reserved_bytes).max(0) as u64;
    Ok(limits.storage_bytes.saturating_sub(used))
}

/// A streaming upload's place among the account's concurrent ones; given back when dropped.
pub struct StreamSlot {
    id: Uuid,
    deps: MediaDeps,
    renewal: CancellationToken,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        self.renewal.cancel();
        let (deps, id) = (self.deps.clone(), self.id);
        // Best effort: a slot not given back expires with its lease.
        tokio::spawn(async move {
            if let Ok(mut conn) = deps.conn().await
                && let Err(e) = db::quotas::release(&mut conn, id, Utc::now()).await
            {
                tracing::warn!(error = %e, "could not give back an upload slot");
            }
        });
    }
}

/// Takes one of `account`'s concurrent-upload slots for a stream through the service, or
/// QUOTA_EXCEEDED when all are taken.
pub(crate) async fn open_stream(deps: &MediaDeps, account: Uuid) -> ApiResult<StreamSlot> {
    let id = Uuid::now_v7();
    let config = deps.config.quotas.clone();
    transaction(&deps.pool, move |conn| {
        async move {
            db::quotas::lock_account(conn, account).await?;
            let limits = limits(conn, &config, account).await?;
            let now = Utc::now();
            let active = db::quotas::active(conn, account, now).await?;
            if active >= i64::from(limits.concurrent_uploads) {
                return Err(ApiError::QuotaExceeded(format!(
                    "the account streams {active} uploads at once, its limit; try again when \
                     one has finished"
                )));
            }
            db::quotas::hold(conn, id, account, now + SLOT_LEASE).await?;
            Ok(())
        }
        .scope_boxed()
    })
    .await?;
    let renewal = CancellationToken::new();
    let (stop, renewer) = (renewal.clone(), deps.clone());
    tokio::spawn(async move {
        let every = (SLOT_LEASE / 3)
            .to_std()
            .unwrap_or(std::time::Duration::from_secs(40));
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(every) => {}
            }
            if let Ok(mut conn) = renewer.conn().await {
                let _ = db::quotas::hold(&mut conn, id, account, Utc::now() + SLOT_LEASE).await;
            }
        }
    });
    Ok(StreamSlot {
        id,
        deps: deps.clone(),
        renewal,
    })
}

/// The acting account's limits and usage.
pub async fn report(deps: &MediaDeps, actor: &Actor) -> ApiResult<QuotaReport> {
    report_of(deps, actor.account_id).await
}

async fn report_of(deps: &MediaDeps, account: Uuid) -> ApiResult<QuotaReport> {
    let mut conn = deps.conn().await?;
    Ok(QuotaReport {
        limits: limits(&mut conn, &deps.config.quotas, account).await?,
        usage: db::quotas::usage(&mut conn, account).await?,
        active_uploads: db::quotas::active(&mut conn, account, Utc::now()).await?,
    })
}

/// An admin's override of `account`'s limits (`None`: the configured value).
#[derive(Clone, Debug, Default)]
pub struct QuotaOverride {
    /// Storage quota, bytes.
    pub storage_bytes: Option<u64>,
    /// Pending uploads.
    pub pending_uploads: Option<u32>,
    /// Concurrent uploads.
    pub concurrent_uploads: Option<u32>,
}

/// Sets `account`'s limits (admin scope); its report.
pub async fn set_limits(
    deps: &MediaDeps,
    actor: &Actor,
    account: Uuid,
    limits: QuotaOverride,
) -> ApiResult<QuotaReport> {
    actor.require_scope(Scope::Admin)?;
    let row = QuotaRow {
        account_id: account,
        storage_bytes: limits
            .storage_bytes
            .map(|b| i64::try_from(b).unwrap_or(i64::MAX)),
        pending_uploads: limits
            .pending_uploads
            .map(|n| i32::try_from(n).unwrap_or(i32::MAX)),
        concurrent_uploads: limits
            .concurrent_uploads
            .map(|n| i32::try_from(n).unwrap_or(i32::MAX)),
        updated_at: Utc::now(),
    };
    let mut conn = deps.conn().await?;
    db::quotas::set_overrides(&mut conn, &row).await?;
    drop(conn);
    report_of(deps, account).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_accounts_own_limits_replace_only_what_they_set() {
        let config = QuotaConfig {
            storage_bytes: 100,
            pending_uploads: 5,
            concurrent_uploads: 2,
        };
        assert_eq!(
            limits_of(&config, None),
            Limits {
                storage_bytes: 100,
                pending_uploads: 5,
                concurrent_uploads: 2,
                overridden: false
            }
        );
        let own = QuotaRow {
            storage_bytes: Some(7),
            ..QuotaRow::default()
        };
        let limits = limits_of(&config, Some(&own));
        assert_eq!(
            (
                limits.storage_bytes,
                limits.pending_uploads,
                limits.overridden
            ),
            (7, 5, true)
        );
    }
}

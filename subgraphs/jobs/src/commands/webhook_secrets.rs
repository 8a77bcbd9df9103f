//! An account's Standard Webhooks signing secret: created on first use, replaced on rotation,
//! sealed at rest ([`crate::domain::secret_box`]). A secret stored in plain text before
//! sealing existed is sealed the first time it is read.

use crate::{
    JobsDeps, db,
    domain::{
        secret_box::{SecretBox, SecretBoxError, Stored},
        signing,
    },
};
use mediamagic_kit::{ApiError, ApiResult, db::DbConn};
use uuid::Uuid;

/// The signing secret of `owner`, created now when it has none.
pub async fn current(deps: &JobsDeps, conn: &mut DbConn, owner: Uuid) -> ApiResult<String> {
    let secrets = secret_box(deps)?;
    let stored = match db::callbacks::stored_secret(conn, owner).await? {
        Some(stored) => stored,
        None => {
            let fresh = secrets
                .seal(owner, &signing::new_secret())
                .map_err(ApiError::internal)?;
            // A concurrent first use may have stored one first: this returns that one.
            db::callbacks::secret(conn, owner, &fresh).await?
        }
    };
    match secrets.open(owner, &stored) {
        Ok(Stored::Sealed(secret)) => Ok(secret),
        Ok(Stored::Plain(secret)) => {
            let sealed = secrets.seal(owner, &secret).map_err(ApiError::internal)?;
            // Only if nobody rotated it meanwhile.
            db::callbacks::reseal(conn, owner, &stored, &sealed).await?;
            Ok(secret)
        }
        Err(error @ SecretBoxError::Unopenable) => {
            tracing::error!(%owner, "{error}: was the key changed? rotateWebhookSecret issues a new secret");
            Err(ApiError::internal(error))
        }
        Err(error) => Err(ApiError::internal(error)),
    }
}

/// Replaces the signing secret of `owner`; returns the new one.
pub async fn rotate(deps: &JobsDeps, conn: &mut DbConn, owner: Uuid) -> ApiResult<String> {
    let secret = signing::new_secret();
    let sealed = secret_box(deps)?
        .seal(owner, &secret)
        .map_err(ApiError::internal)?;
    db::callbacks::rotate(conn, owner, &sealed).await?;
    Ok(secret)
}

fn secret_box(deps: &JobsDeps) -> ApiResult<&SecretBox> {
    deps.secrets.as_deref().ok_or_else(|| {
        ApiError::internal(anyhow::anyhow!(
            "auth.webhook_secrets_key is not configured in this process"
        ))
    })
}

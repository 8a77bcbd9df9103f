//! DataLoaders: every relation is fetched in batches. They load rows whoever owns them; the
//! resolvers that use them check visibility against the acting account.

use crate::{
    ModelsDeps,
    db::{
        self,
        rows::{ModelRow, VersionRow},
    },
};
use async_graphql::dataloader::Loader;
use mediamagic_kit::ApiError;
use std::{collections::HashMap, sync::Arc};
use uuid::Uuid;

/// Models by internal key (what versions refer to).
pub struct ModelLoader(pub ModelsDeps);
/// Models by `(account, id)`: what the account addresses by that id (its own model, else a
/// public one); other accounts' private models are never loaded.
pub struct ModelByIdLoader(pub ModelsDeps);
/// Versions by `(model id, version number)`.
pub struct VersionByNumberLoader(pub ModelsDeps);
/// Versions by version id.
pub struct VersionLoader(pub ModelsDeps);

type LoadError = Arc<ApiError>;

/// A loader failure as a client error (its own code; internal detail goes to the log).
pub(crate) fn load_failed(err: LoadError) -> ApiError {
    ApiError::from_shared(&err, "loading")
}

impl Loader<Uuid> for ModelLoader {
    type Value = ModelRow;
    type Error = LoadError;
    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, ModelRow>, LoadError> {
        let mut conn = self.0.conn().await?;
        let rows = db::models::by_ids(&mut conn, keys)
            .await
            .map_err(ApiError::from)?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

impl Loader<(Uuid, Uuid)> for ModelByIdLoader {
    type Value = ModelRow;
    type Error = LoadError;
    async fn load(
        &self,
        keys: &[(Uuid, Uuid)],
    ) -> Result<HashMap<(Uuid, Uuid), ModelRow>, LoadError> {
        let mut accounts: Vec<Uuid> = keys.iter().map(|(account, _)| *account).collect();
        accounts.sort_unstable();
        accounts.dedup();
        let ids: Vec<Uuid> = keys.iter().map(|(_, id)| *id).collect();
        let mut conn = self.0.conn().await?;
        let rows = db::models::readable_by_any(&mut conn, &accounts, &ids)
            .await
            .map_err(ApiError::from)?;
        let mut found = HashMap::new();
        for account in accounts {
            for row in db::models::own_first(account, rows.clone()) {
                found.insert((account, row.external_id), row);
            }
        }
        Ok(found)
    }
}

impl Loader<(Uuid, i32)> for VersionByNumberLoader {
    type Value = VersionRow;
    type Error = LoadError;
    async fn load(
        &self,
        keys: &[(Uuid, i32)],
    ) -> Result<HashMap<(Uuid, i32), VersionRow>, LoadError> {
        let mut conn = self.0.conn().await?;
        let rows = db::versions::by_numbers(&mut conn, keys)
            .await
            .map_err(ApiError::from)?;
        Ok(rows
            .into_iter()
            .map(|r| ((r.model_id, r.version), r))
            .filter(|(key, _)| keys.contains(key))
            .collect())
    }
}

impl Loader<Uuid> for VersionLoader {
    type Value = VersionRow;
    type Error = LoadError;
    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, VersionRow>, LoadError> {
        let mut conn = self.0.conn().await?;
        let rows = db::versions::by_ids(&mut conn, keys)
            .await
            .map_err(ApiError::from)?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

//! DataLoaders: media looked up by id (the `Media` entity, which the router asks for in
//! batches, for example the outputs of many jobs) are fetched in one query per batch. They
//! load rows whoever owns them; resolvers check ownership against the acting account.

use crate::{
    MediaDeps,
    db::{self, rows::MediaRow},
};
use async_graphql::dataloader::Loader;
use mediamagic_kit::ApiError;
use std::{collections::HashMap, sync::Arc};
use uuid::Uuid;

/// Media by id.
pub struct MediaLoader(pub MediaDeps);

impl Loader<Uuid> for MediaLoader {
    type Value = MediaRow;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, MediaRow>, Self::Error> {
        let mut conn = self.0.conn().await?;
        let rows = db::media::by_ids(&mut conn, keys)
            .await
            .map_err(ApiError::from)?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

/// A loader failure as a client error (its own code; internal detail goes to the log).
pub(crate) fn load_failed(err: Arc<ApiError>) -> ApiError {
    ApiError::from_shared(&err, "loading media")
}

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

/// Tag sources (`media.tag_lineage`) by media id.
pub struct LineageLoader(pub MediaDeps);

impl Loader<Uuid> for LineageLoader {
    type Value = Vec<db::tags::LineageRow>;
    type Error = Arc<ApiError>;

    async fn load(
        &self,
        keys: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<db::tags::LineageRow>>, Self::Error> {
        let mut conn = self.0.conn().await?;
        let rows = db::tags::lineage_of(&mut conn, keys)
            .await
            .map_err(ApiError::from)?;
        let mut by_media: HashMap<Uuid, Vec<db::tags::LineageRow>> = HashMap::new();
        for row in rows {
            by_media.entry(row.media_id).or_default().push(row);
        }
        Ok(by_media)
    }
}

/// A loader failure as a client error (its own code; internal detail goes to the log).
pub(crate) fn load_failed(err: Arc<ApiError>) -> ApiError {
    ApiError::from_shared(&err, "loading media")
}

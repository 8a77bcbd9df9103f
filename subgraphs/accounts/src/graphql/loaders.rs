//! DataLoaders: every relation is fetched in batches.

use crate::{
    AccountsDeps,
    db::{
        self,
        rows::{InviteRow, MembershipRow, TeamRow, UserRow},
    },
};
use async_graphql::dataloader::Loader;
use mediamagic_kit::ApiError;
use std::{collections::HashMap, sync::Arc};
use uuid::Uuid;

/// Users by id.
pub struct UserLoader(pub AccountsDeps);
/// Teams by id.
pub struct TeamLoader(pub AccountsDeps);
/// Memberships by team id.
pub struct MembersLoader(pub AccountsDeps);
/// Memberships by user id.
pub struct UserTeamsLoader(pub AccountsDeps);
/// Open invites by team id.
pub struct InvitesLoader(pub AccountsDeps);

type LoadError = Arc<ApiError>;

impl Loader<Uuid> for UserLoader {
    type Value = UserRow;
    type Error = LoadError;
    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, UserRow>, LoadError> {
        let mut conn = self.0.conn().await?;
        let rows = db::users::by_ids(&mut conn, keys)
            .await
            .map_err(ApiError::from)?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

impl Loader<Uuid> for TeamLoader {
    type Value = TeamRow;
    type Error = LoadError;
    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, TeamRow>, LoadError> {
        let mut conn = self.0.conn().await?;
        let rows = db::teams::by_ids(&mut conn, keys)
            .await
            .map_err(ApiError::from)?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

impl Loader<Uuid> for MembersLoader {
    type Value = Vec<MembershipRow>;
    type Error = LoadError;
    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<MembershipRow>>, LoadError> {
        let mut conn = self.0.conn().await?;
        let rows = db::teams::members_of(&mut conn, keys)
            .await
            .map_err(ApiError::from)?;
        let mut grouped: HashMap<Uuid, Vec<MembershipRow>> = HashMap::new();
        for row in rows {
            grouped.entry(row.team_id).or_default().push(row);
        }
        Ok(grouped)
    }
}

impl Loader<Uuid> for InvitesLoader {
    type Value = Vec<InviteRow>;
    type Error = LoadError;
    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<InviteRow>>, LoadError> {
        let rows = crate::commands::members::open_invites(&self.0, keys).await?;
        let mut grouped: HashMap<Uuid, Vec<InviteRow>> = HashMap::new();
        for row in rows {
            grouped.entry(row.team_id).or_default().push(row);
        }
        Ok(grouped)
    }
}

impl Loader<Uuid> for UserTeamsLoader {
    type Value = Vec<MembershipRow>;
    type Error = LoadError;
    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<MembershipRow>>, LoadError> {
        let mut conn = self.0.conn().await?;
        let rows = db::teams::memberships_of_users(&mut conn, keys)
            .await
            .map_err(ApiError::from)?;
        let mut grouped: HashMap<Uuid, Vec<MembershipRow>> = HashMap::new();
        for row in rows {
            grouped.entry(row.user_id).or_default().push(row);
        }
        Ok(grouped)
    }
}

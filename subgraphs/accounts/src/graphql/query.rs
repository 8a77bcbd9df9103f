//! Queries: `me`, `actingAccount`, `team(id)`, `teams`, `apiKeys`, and federation entities.

use super::types::{ActingAccount, ApiKey, Membership, Team, User, parse_id};
use crate::{AccountsDeps, commands, db};
use async_graphql::{Context, ID, Object};
use mediamagic_kit::{
    ActorExt, ApiError,
    pagination::{Page, decode_cursor, encode_cursor, page_of, page_size},
};

/// Root query type.
#[derive(Default)]
pub struct AccountsQuery;

#[Object]
impl AccountsQuery {
    /// The signed-in person (with a team credential: the person behind it).
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<User> {
        let actor = ctx.actor()?;
        let Some(user_id) = actor.user_id else {
            return Err(ApiError::Forbidden(
                "this credential acts as a team and has no person; query actingAccount".into(),
            )
            .into());
        };
        let deps = ctx.data::<AccountsDeps>()?;
        let mut conn = deps.conn().await?;
        let user = db::users::by_ids(&mut conn, &[user_id])
            .await
            .map_err(ApiError::from)?
            .into_iter()
            .next()
            .ok_or_else(|| ApiError::Unauthenticated("this account no longer exists".into()))?;
        Ok(User::myself(user))
    }

    /// How people can sign in here (no credential needed): a password always, an identity
    /// provider when one is configured (`startOidcLogin`).
    async fn sign_in_methods(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SignInMethod>> {
        let deps = ctx.data::<AccountsDeps>()?;
        let mut methods = vec![SignInMethod::Password];
        if deps.config.oidc_login.is_some() {
            methods.push(SignInMethod::Oidc);
        }
        Ok(methods)
    }

    /// The account the credential acts as: the user, or a team.
    async fn acting_account(&self, ctx: &Context<'_>) -> async_graphql::Result<ActingAccount> {
        let actor = ctx.actor()?;
        Ok(ActingAccount {
            id: actor.account_id,
            kind: actor.account_kind,
            scopes: actor.scopes.clone(),
            user_id: actor.user_id,
        })
    }

    /// A team the acting user belongs to (NOT_FOUND otherwise).
    async fn team(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Team> {
        let actor = ctx.actor()?;
        let deps = ctx.data::<AccountsDeps>()?;
        let team_id = parse_id("id", &id)?;
        Ok(Team(
            commands::teams::visible_team(deps, actor, team_id).await?,
        ))
    }

    /// The acting user's teams and roles.
    async fn teams(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Membership>> {
        let actor = ctx.actor()?;
        let user = actor.require_user()?;
        let deps = ctx.data::<AccountsDeps>()?;
        let mut conn = deps.conn().await?;
        let rows = db::teams::memberships_of_users(&mut conn, &[user])
            .await
            .map_err(ApiError::from)?;
        Ok(rows.into_iter().map(Membership).collect())
    }

    /// API keys of the acting account, newest first.
    async fn api_keys(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> async_graphql::Result<Page<ApiKey>> {
        let actor = ctx.actor()?;
        let deps = ctx.data::<AccountsDeps>()?;
        let limit = page_size(first)?;
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let (rows, total) = commands::keys::list_api_keys(deps, actor, after, limit + 1).await?;
        Ok(page_of(rows, limit, after.is_some(), total, |row| {
            (encode_cursor(row.created_at, row.id), ApiKey(row))
        }))
    }

    /// Federation: a `User` by id (name only unless it is the acting user).
    #[graphql(entity)]
    async fn find_user_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<User>> {
        let deps = ctx.data::<AccountsDeps>()?;
        let Ok(id) = parse_id("id", &id) else {
            return Ok(None);
        };
        let mut conn = deps.conn().await?;
        Ok(db::users::by_ids(&mut conn, &[id])
            .await
            .map_err(ApiError::from)?
            .into_iter()
            .next()
            .map(User::other))
    }

    /// Federation: a `Team` by id, for members (and the team's own credentials) only.
    #[graphql(entity)]
    async fn find_team_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<Team>> {
        let deps = ctx.data::<AccountsDeps>()?;
        let Ok(actor) = ctx.actor() else {
            return Ok(None);
        };
        let Ok(id) = parse_id("id", &id) else {
            return Ok(None);
        };
        Ok(commands::teams::visible_team(deps, actor, id)
            .await
            .ok()
            .map(Team))
    }
}

/// A way to sign in.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInMethod {
    /// Email and password (`logIn`, `signUp`).
    Password,
    /// The configured identity provider (`startOidcLogin`, `completeOidcLogin`).
    Oidc,
}

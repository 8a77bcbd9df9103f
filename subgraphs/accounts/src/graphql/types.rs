//! GraphQL object types of the accounts subgraph.

use super::loaders::{InvitesLoader, MembersLoader, TeamLoader, UserLoader, UserTeamsLoader};
use crate::{
    db::rows::{ApiKeyRow, InviteRow, MembershipRow, TeamRow, UserRow},
    domain::Role,
};
use async_graphql::{
    ComplexObject, Context, ID, Object, SimpleObject,
    dataloader::{DataLoader, Loader},
};
use chrono::{DateTime, Utc};
use mediamagic_kit::{AccountKind, ActorExt, ApiError, Scope};
use std::str::FromStr;
use std::sync::Arc;
use uuid::Uuid;

/// A person with a Media Magic account.
pub struct User {
    pub(crate) row: UserRow,
    /// Whether the caller is this user (shows private fields even before a session exists,
    /// as in the sign-up and log-in payloads).
    pub(crate) is_self: bool,
}

impl User {
    /// A user as seen by someone else (private fields hidden unless the actor is them).
    pub fn other(row: UserRow) -> Self {
        Self {
            row,
            is_self: false,
        }
    }

    /// The caller themselves.
    pub fn myself(row: UserRow) -> Self {
        Self { row, is_self: true }
    }
}

#[Object]
impl User {
    /// The user's id.
    async fn id(&self) -> ID {
        ID(self.row.id.to_string())
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.row.name
    }
    /// Email address; only the user themselves sees it.
    async fn email(&self, ctx: &Context<'_>) -> Option<&str> {
        let me = ctx.actor().ok().and_then(|a| a.user_id);
        (self.is_self || me == Some(self.row.id)).then_some(self.row.email.as_str())
    }
    /// When the account was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }
    /// Teams the user belongs to, with their role; only the user themselves sees them.
    async fn teams(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Membership>> {
        let me = ctx.actor().ok().and_then(|a| a.user_id);
        if !self.is_self && me != Some(self.row.id) {
            return Ok(Vec::new());
        }
        let rows = load::<UserTeamsLoader, _>(ctx, self.row.id).await?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(Membership)
            .collect())
    }
}

/// A team (seed 000's organisation): users sharing resources.
pub struct Team(pub TeamRow);

#[Object]
impl Team {
    /// The team's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The team's name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// When the team was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Members and their roles, oldest first.
    async fn members(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Membership>> {
        let rows = load::<MembersLoader, _>(ctx, self.0.id).await?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(Membership)
            .collect())
    }
    /// The acting user's role in this team, if a member.
    async fn my_role(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Role>> {
        let Some(me) = ctx.actor().ok().and_then(|a| a.user_id) else {
            return Ok(None);
        };
        let rows = load::<MembersLoader, _>(ctx, self.0.id).await?;
        rows.unwrap_or_default()
            .iter()
            .find(|m| m.user_id == me)
            .map(|m| Role::from_db(&m.role))
            .transpose()
            .map_err(Into::into)
    }
    /// Invites not yet accepted and not expired, oldest first (owners and admins;
    /// FORBIDDEN for other members). Their tokens are never shown again.
    async fn pending_invites(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Invite>> {
        let my_role = self.my_role(ctx).await?;
        crate::commands::members::may_see_invites(my_role)?;
        let rows = load::<InvitesLoader, _>(ctx, self.0.id).await?;
        Ok(rows.unwrap_or_default().into_iter().map(Invite).collect())
    }
}

/// An invite waiting for its invitee (its token is shown only once, to the inviter).
pub struct Invite(pub InviteRow);

#[Object]
impl Invite {
    /// The invite's id (for `revokeInvite`).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Invited email.
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// Role on acceptance.
    async fn role(&self) -> async_graphql::Result<Role> {
        Ok(Role::from_db(&self.0.role)?)
    }
    /// Who invited them.
    async fn invited_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(load::<UserLoader, _>(ctx, self.0.invited_by)
            .await?
            .map(User::other))
    }
    /// When it was made.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it expires.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
}

/// A user's membership in a team.
pub struct Membership(pub MembershipRow);

#[Object]
impl Membership {
    /// The member.
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(load::<UserLoader, _>(ctx, self.0.user_id)
            .await?
            .map(User::other))
    }
    /// The member's email (visible to fellow members).
    async fn email(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        Ok(load::<UserLoader, _>(ctx, self.0.user_id)
            .await?
            .map(|u| u.email))
    }
    /// The team.
    async fn team(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Team>> {
        Ok(load::<TeamLoader, _>(ctx, self.0.team_id).await?.map(Team))
    }
    /// The member's role.
    async fn role(&self) -> async_graphql::Result<Role> {
        Ok(Role::from_db(&self.0.role)?)
    }
    /// When they joined.
    async fn joined_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// An API key (the secret itself is shown only once, at creation).
pub struct ApiKey(pub ApiKeyRow);

#[Object]
impl ApiKey {
    /// The key's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Its label.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The first characters of the secret, to recognise it.
    async fn prefix(&self) -> &str {
        &self.0.prefix
    }
    /// The account it acts as.
    async fn owner_id(&self) -> ID {
        ID(self.0.owner_id.to_string())
    }
    /// User or team.
    async fn owner_kind(&self) -> AccountKind {
        AccountKind::from_str(&self.0.owner_kind).unwrap_or(AccountKind::User)
    }
    /// What it may do.
    async fn scopes(&self) -> Vec<Scope> {
        self.0
            .scopes
            .iter()
            .filter_map(|s| Scope::from_str(s).ok())
            .collect()
    }
    /// When it stops working, if ever.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
    /// When it was last used.
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
    /// When it was revoked; revoked keys are refused.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A new API key and its secret.
pub struct CreatedApiKey {
    pub(crate) key: ApiKeyRow,
    pub(crate) secret: Option<String>,
}

#[Object]
impl CreatedApiKey {
    /// The stored key.
    async fn api_key(&self) -> ApiKey {
        ApiKey(self.key.clone())
    }
    /// The secret: send it as `x-mediamagic-key`. It cannot be shown again: null when an
    /// idempotent retry returns a key made earlier (only its hash is kept).
    async fn secret(&self) -> Option<&str> {
        self.secret.as_deref()
    }
}

/// A session token and whom it acts as.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct AuthPayload {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// When the token expires.
    pub expires_at: DateTime<Utc>,
    /// The account the token acts as.
    pub account_id: ID,
    /// User or team.
    pub account_kind: AccountKind,
    /// Exchange it with `refreshSession` for a new session before this one expires (it
    /// rotates: each use gives a new one; presenting a used one again revokes the sign-in).
    /// Issued with sign-ups and log-ins, not with team tokens.
    pub refresh_token: Option<String>,
    /// The identity provider's ID token, after `completeOidcLogin`.
    pub id_token: Option<String>,
    #[graphql(skip)]
    pub(crate) user_row: UserRow,
}

/// A sign-in through the identity provider, started.
#[derive(SimpleObject)]
pub struct OidcLoginStart {
    /// Send the user's browser here; the provider sends it back to the callback with
    /// `code` and `state`.
    pub authorization_url: String,
    /// The state the callback will carry (also inside `authorizationUrl`).
    pub state: String,
    /// The sign-in must come back before this.
    pub expires_at: DateTime<Utc>,
}

#[ComplexObject]
impl AuthPayload {
    /// The person the token belongs to.
    async fn user(&self) -> User {
        User::myself(self.user_row.clone())
    }
}

/// An invite and its one-time token.
pub struct InvitePayload {
    pub(crate) invite: InviteRow,
    pub(crate) token: Option<String>,
}

#[Object]
impl InvitePayload {
    /// The invite's id.
    async fn id(&self) -> ID {
        ID(self.invite.id.to_string())
    }
    /// Invited email.
    async fn email(&self) -> &str {
        &self.invite.email
    }
    /// Role on acceptance.
    async fn role(&self) -> async_graphql::Result<Role> {
        Ok(Role::from_db(&self.invite.role)?)
    }
    /// When the invite expires.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.invite.expires_at
    }
    /// Hand this to the invitee; they pass it to `acceptInvite`. Shown once: null when an
    /// idempotent retry returns an invite made earlier.
    async fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }
}

/// The account a credential acts as.
pub struct ActingAccount {
    pub(crate) id: Uuid,
    pub(crate) kind: AccountKind,
    pub(crate) scopes: Vec<Scope>,
    pub(crate) user_id: Option<Uuid>,
}

#[Object]
impl ActingAccount {
    /// The account's id (a user id or a team id).
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }
    /// User or team.
    async fn kind(&self) -> AccountKind {
        self.kind
    }
    /// What the credential may do.
    async fn scopes(&self) -> &[Scope] {
        &self.scopes
    }
    /// The person behind the credential (absent for team API keys).
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(id) = self.user_id else {
            return Ok(None);
        };
        Ok(load::<UserLoader, _>(ctx, id).await?.map(User::other))
    }
    /// The team, when the credential acts as one.
    async fn team(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Team>> {
        if self.kind != AccountKind::Team {
            return Ok(None);
        }
        Ok(load::<TeamLoader, _>(ctx, self.id).await?.map(Team))
    }
}

/// Parses a UUID argument, naming it on failure.
pub(crate) fn parse_id(field: &str, id: &ID) -> Result<Uuid, ApiError> {
    ApiError::parse_uuid(field, id.as_str())
}

/// Loads one value through the schema's `DataLoader<L>`.
async fn load<L, V>(ctx: &Context<'_>, key: Uuid) -> async_graphql::Result<Option<V>>
where
    L: Loader<Uuid, Value = V, Error = Arc<ApiError>>,
    V: Clone + Send + Sync + 'static,
{
    let loader = ctx.data::<DataLoader<L>>()?;
    loader
        .load_one(key)
        .await
        .map_err(|e| ApiError::internal(anyhow::anyhow!("{e:?}")).into())
}

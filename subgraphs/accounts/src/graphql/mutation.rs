//! Mutations: sign-up and sessions, teams and invites, API keys.

use super::types::{
    AuthPayload, CreatedApiKey, InvitePayload, Membership, OidcLoginStart, Team, parse_id,
};
use crate::{AccountsDeps, commands, commands::auth::IssuedSession, domain::Role};
use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use mediamagic_kit::{ActorExt, Scope, idempotency::IdempotencyKey};

/// Root mutation type.
#[derive(Default)]
pub struct AccountsMutation;

/// Sign-up details.
#[derive(InputObject)]
pub struct SignUpInput {
    /// Email address (normalised to lower case).
    pub email: String,
    /// At least 10 characters, mixing letters with digits or symbols.
    pub password: String,
    /// Display name.
    pub name: String,
}

/// Log-in details.
#[derive(InputObject)]
pub struct LogInInput {
    /// Email address.
    pub email: String,
    /// Password.
    pub password: String,
}

/// A new API key.
#[derive(InputObject)]
pub struct CreateApiKeyInput {
    /// A label to recognise the key by.
    pub name: String,
    /// Create the key for this team (you must be an owner or admin); omit for yourself.
    pub team_id: Option<ID>,
    /// What the key may do; defaults to read and write.
    pub scopes: Option<Vec<Scope>>,
    /// When the key stops working; omit for no expiry.
    pub expires_at: Option<DateTime<Utc>>,
}

fn payload(session: IssuedSession) -> AuthPayload {
    AuthPayload {
        token: session.token,
        token_type: "Bearer".into(),
        expires_at: session.expires_at,
        account_id: ID(session.account_id.to_string()),
        account_kind: session.account_kind,
        refresh_token: session.refresh_token,
        id_token: None,
        user_row: session.user,
    }
}

#[Object]
impl AccountsMutation {
    /// Creates an account and returns a session token (valid three days).
    async fn sign_up(
        &self,
        ctx: &Context<'_>,
        input: SignUpInput,
    ) -> async_graphql::Result<AuthPayload> {
        let deps = ctx.data::<AccountsDeps>()?;
        let session =
            commands::auth::sign_up(deps, &input.email, &input.password, &input.name).await?;
        Ok(payload(session))
    }

    /// Exchanges email and password for a session token (valid three days).
    async fn log_in(
        &self,
        ctx: &Context<'_>,
        input: LogInInput,
    ) -> async_graphql::Result<AuthPayload> {
        let deps = ctx.data::<AccountsDeps>()?;
        Ok(payload(
            commands::auth::log_in(deps, &input.email, &input.password).await?,
        ))
    }

    /// Exchanges a refresh token for a new session and a new refresh token (the old one is
    /// used up). UNAUTHENTICATED when it is unknown, expired or revoked; a refresh token
    /// presented a second time revokes its whole sign-in (every session it issued).
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        refresh_token: String,
    ) -> async_graphql::Result<AuthPayload> {
        let deps = ctx.data::<AccountsDeps>()?;
        Ok(payload(
            commands::refresh::refresh(deps, &refresh_token).await?,
        ))
    }

    /// Starts a sign-in through the configured identity provider (OIDC authorization code
    /// with PKCE): send the browser to `authorizationUrl`. FORBIDDEN when none is configured.
    async fn start_oidc_login(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Where the provider sends the person back with `code` and `state` (a \
                    browser app such as the console, which then calls `completeOidcLogin`): \
                    one of the platform's allowed app callbacks, else BAD_USER_INPUT. \
                    Default: the REST callback `/api/v1/auth/callback`."
        )]
        redirect_uri: Option<String>,
    ) -> async_graphql::Result<OidcLoginStart> {
        let deps = ctx.data::<AccountsDeps>()?;
        let started = commands::oidc_login::start(deps, redirect_uri.as_deref()).await?;
        Ok(OidcLoginStart {
            authorization_url: started.authorization_url,
            state: started.state,
            expires_at: started.expires_at,
        })
    }

    /// Finishes a sign-in with the `code` and `state` the provider sent to the callback:
    /// the user (created on first sign-in), a session and a refresh token.
    async fn complete_oidc_login(
        &self,
        ctx: &Context<'_>,
        code: String,
        state: String,
    ) -> async_graphql::Result<AuthPayload> {
        let deps = ctx.data::<AccountsDeps>()?;
        let completed = commands::oidc_login::complete(deps, &code, &state).await?;
        let mut answer = payload(completed.session);
        answer.id_token = Some(completed.id_token);
        Ok(answer)
    }

    /// Revokes the session token of this request; it fails from the next request on.
    async fn log_out(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let deps = ctx.data::<AccountsDeps>()?;
        Ok(commands::auth::log_out(deps, ctx.actor()?).await?)
    }

    /// Creates a team with you as its owner.
    async fn create_team(
        &self,
        ctx: &Context<'_>,
        name: String,
        #[graphql(
            desc = "Makes a retry safe: the same key with the same name returns the team \
                          the first call made (CONFLICT with another name); remembered for a day."
        )]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<Team> {
        let deps = ctx.data::<AccountsDeps>()?;
        let key = IdempotencyKey::parse("idempotencyKey", idempotency_key.as_deref())?;
        Ok(Team(
            commands::teams::create_team(deps, ctx.actor()?, &name, key).await?,
        ))
    }

    /// Invites an email address into a team (owners and admins). Returns the invite token to
    /// hand to the invitee.
    async fn invite_member(
        &self,
        ctx: &Context<'_>,
        team_id: ID,
        email: String,
        #[graphql(default_with = "Role::Member")] role: Role,
        #[graphql(
            desc = "Makes a retry safe: the same key with the same team, email and role \
                          returns the first call's invite without its token (shown once); \
                          CONFLICT with another request; remembered for a day."
        )]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<InvitePayload> {
        let deps = ctx.data::<AccountsDeps>()?;
        let team_id = parse_id("teamId", &team_id)?;
        let key = IdempotencyKey::parse("idempotencyKey", idempotency_key.as_deref())?;
        let created =
            commands::teams::invite_member(deps, ctx.actor()?, team_id, &email, role, key).await?;
        Ok(InvitePayload {
            invite: created.invite,
            token: created.token,
        })
    }

    /// Joins the team of an invite addressed to your email.
    async fn accept_invite(&self, ctx: &Context<'_>, token: String) -> async_graphql::Result<Team> {
        let deps = ctx.data::<AccountsDeps>()?;
        Ok(Team(
            commands::teams::accept_invite(deps, ctx.actor()?, &token).await?,
        ))
    }

    /// Removes a member (owners and admins; only owners remove admins and owners). The last
    /// owner cannot be removed. The member's team tokens stop working.
    async fn remove_member(
        &self,
        ctx: &Context<'_>,
        team_id: ID,
        user_id: ID,
    ) -> async_graphql::Result<Team> {
        let deps = ctx.data::<AccountsDeps>()?;
        let team_id = parse_id("teamId", &team_id)?;
        let user_id = parse_id("userId", &user_id)?;
        Ok(Team(
            commands::teams::remove_member(deps, ctx.actor()?, team_id, user_id).await?,
        ))
    }

    /// Changes a member's role (owners and admins). Admins move people between MEMBER and
    /// ADMIN; only owners change admins and owners or make owners; anyone may step down.
    /// The last owner cannot step down (CONFLICT).
    async fn change_member_role(
        &self,
        ctx: &Context<'_>,
        team_id: ID,
        user_id: ID,
        role: Role,
    ) -> async_graphql::Result<Membership> {
        let deps = ctx.data::<AccountsDeps>()?;
        let team_id = parse_id("teamId", &team_id)?;
        let user_id = parse_id("userId", &user_id)?;
        Ok(Membership(
            commands::members::change_role(deps, ctx.actor()?, team_id, user_id, role).await?,
        ))
    }

    /// Revokes an invite nobody accepted yet (owners and admins of its team): its token
    /// stops working. An accepted invite is CONFLICT (remove the member instead).
    async fn revoke_invite(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        let deps = ctx.data::<AccountsDeps>()?;
        let id = parse_id("id", &id)?;
        commands::members::revoke_invite(deps, ctx.actor()?, id).await?;
        Ok(true)
    }

    /// Leaves a team. The last owner cannot leave.
    async fn leave_team(&self, ctx: &Context<'_>, team_id: ID) -> async_graphql::Result<bool> {
        let deps = ctx.data::<AccountsDeps>()?;
        let actor = ctx.actor()?;
        let team_id = parse_id("teamId", &team_id)?;
        commands::teams::remove_member(deps, actor, team_id, actor.require_user()?).await?;
        Ok(true)
    }

    /// A session token that acts as the team (for members). Resources it creates belong to
    /// the team.
    async fn create_team_token(
        &self,
        ctx: &Context<'_>,
        team_id: ID,
    ) -> async_graphql::Result<AuthPayload> {
        let deps = ctx.data::<AccountsDeps>()?;
        let team_id = parse_id("teamId", &team_id)?;
        Ok(payload(
            commands::auth::team_token(deps, ctx.actor()?, team_id).await?,
        ))
    }

    /// Creates an API key for yourself or a team you administer. The secret is shown once.
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        input: CreateApiKeyInput,
        #[graphql(
            desc = "Makes a retry safe: the same key with the same input returns the API \
                          key the first call made, without its secret (shown once); CONFLICT \
                          with another input; remembered for a day."
        )]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<CreatedApiKey> {
        let deps = ctx.data::<AccountsDeps>()?;
        let team_id = input
            .team_id
            .as_ref()
            .map(|id| parse_id("teamId", id))
            .transpose()?;
        let created = commands::keys::create_api_key(
            deps,
            ctx.actor()?,
            &input.name,
            team_id,
            input.scopes,
            input.expires_at,
            IdempotencyKey::parse("idempotencyKey", idempotency_key.as_deref())?,
        )
        .await?;
        Ok(CreatedApiKey {
            key: created.key,
            secret: created.secret,
        })
    }

    /// Revokes an API key of the acting account, effective on the next request.
    async fn revoke_api_key(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<super::types::ApiKey> {
        let deps = ctx.data::<AccountsDeps>()?;
        let id = parse_id("id", &id)?;
        Ok(super::types::ApiKey(
            commands::keys::revoke_api_key(deps, ctx.actor()?, id).await?,
        ))
    }
}

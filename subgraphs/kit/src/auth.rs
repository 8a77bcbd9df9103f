//! Who is acting: the [`Actor`] a subgraph reads from the router's internal token.
//!
//! The router turns every accepted credential into a short-lived internal Biscuit in the
//! [`INTERNAL_TOKEN_HEADER`]; subgraphs verify it with the internal public key and never trust
//! plain identity headers. Resolvers take the acting account from the GraphQL context only
//! ([`ActorExt::actor`]).

use crate::{
    error::ApiError,
    tokens::{Claims, TokenVerifier},
};
use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};
use uuid::Uuid;

/// Header that carries the router's internal token to subgraphs. Client values are dropped
/// by the router.
pub const INTERNAL_TOKEN_HEADER: &str = "x-mediamagic-internal";

/// Header that carries the worker's own token to the media service's worker routes (the
/// router never forwards it).
pub const WORKER_TOKEN_HEADER: &str = "x-mediamagic-worker";

/// A request made by the worker for a job attempt it holds (checked against the lease): the
/// media service acts as the job's owner, but only for that job's inputs and outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorkerGrant {
    /// The job the worker runs.
    pub job_id: Uuid,
}

/// The kind of account a credential acts as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, async_graphql::Enum)]
#[serde(rename_all = "lowercase")]
pub enum AccountKind {
    /// A person.
    User,
    /// A team (seed 000's organisation).
    Team,
}

impl AccountKind {
    /// The stable lower-case name stored in databases and tokens.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::User => "user",
            AccountKind::Team => "team",
        }
    }
}

impl fmt::Display for AccountKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AccountKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "user" => Ok(AccountKind::User),
            "team" => Ok(AccountKind::Team),
            other => Err(format!("unknown account kind `{other}`")),
        }
    }
}

/// What a credential may do.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    async_graphql::Enum,
)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Queries and subscriptions.
    Read,
    /// Mutations.
    Write,
    /// Platform administration (events, prices).
    Admin,
}

impl Scope {
    /// The stable lower-case name stored in databases and tokens.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Admin => "admin",
        }
    }

    /// The scopes a fresh user session gets.
    pub fn user_defaults() -> Vec<Scope> {
        vec![Scope::Read, Scope::Write]
    }
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "read" => Ok(Scope::Read),
            "write" => Ok(Scope::Write),
            "admin" => Ok(Scope::Admin),
            other => Err(format!("unknown scope `{other}`")),
        }
    }
}

/// The acting account of a request, as the router vouched for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// The person behind the credential (absent only for credentials with no person).
    pub user_id: Option<Uuid>,
    /// The account the request acts as: the user, or a team.
    pub account_id: Uuid,
    /// Whether [`Actor::account_id`] is a user or a team.
    pub account_kind: AccountKind,
    /// What the credential may do.
    pub scopes: Vec<Scope>,
    /// Revocation id of the session token in use, when the credential is a session token.
    pub session: Option<String>,
    /// Id of the API key in use, when the credential is an API key.
    pub api_key: Option<Uuid>,
}

impl Actor {
    /// Whether the credential carries `scope`.
    pub fn has_scope(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }

    /// Fails with FORBIDDEN unless the credential carries `scope`.
    pub fn require_scope(&self, scope: Scope) -> Result<(), ApiError> {
        if self.has_scope(scope) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "this credential lacks the `{}` scope",
                scope.as_str()
            )))
        }
    }

    /// The person behind the credential, or FORBIDDEN for credentials without one.
    pub fn require_user(&self) -> Result<Uuid, ApiError> {
        self.user_id.ok_or_else(|| {
            ApiError::Forbidden("this operation needs a credential of a person".into())
        })
    }
}

impl From<Claims> for Actor {
    fn from(claims: Claims) -> Self {
        Actor {
            user_id: claims.user_id,
            account_id: claims.account_id,
            account_kind: claims.account_kind,
            scopes: claims.scopes,
            session: claims.session,
            api_key: claims.api_key,
        }
    }
}

/// The identity of a request as resolvers see it: anonymous or an [`Actor`].
#[derive(Clone, Debug)]
pub struct RequestIdentity(pub Option<Actor>);

/// The verified internal token of the request, for a subgraph that calls another one on the
/// caller's behalf (it expires within a minute, like every internal token).
#[derive(Clone, Debug)]
pub struct ForwardedToken(pub String);

/// The internal token header's value, when present and readable (verify it with
/// [`identity_from_headers`] first).
pub fn forwarded_token(headers: &http::HeaderMap) -> Option<ForwardedToken> {
    headers
        .get(INTERNAL_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(|v| ForwardedToken(v.to_owned()))
}

/// Reads the internal token header, if any, into the request's identity.
///
/// A header that is present but does not verify is an error: only the router sets it. A
/// token minted for WebSocket subscriptions (handed to clients) is refused here.
pub fn identity_from_headers(
    verifier: &TokenVerifier,
    headers: &http::HeaderMap,
) -> Result<RequestIdentity, ApiError> {
    identity_from(verifier, headers, false)
}

/// [`identity_from_headers`] for a WebSocket connection, which also takes the token the
/// router hands to clients for subscriptions.
pub fn identity_for_websocket(
    verifier: &TokenVerifier,
    headers: &http::HeaderMap,
) -> Result<RequestIdentity, ApiError> {
    identity_from(verifier, headers, true)
}

fn identity_from(
    verifier: &TokenVerifier,
    headers: &http::HeaderMap,
    websocket: bool,
) -> Result<RequestIdentity, ApiError> {
    let Some(value) = headers.get(INTERNAL_TOKEN_HEADER) else {
        return Ok(RequestIdentity(None));
    };
    let token = value
        .to_str()
        .map_err(|_| ApiError::Unauthenticated("malformed internal token".into()))?;
    let verified = verifier
        .verify(token)
        .map_err(|err| ApiError::Unauthenticated(format!("internal token rejected: {err}")))?;
    if verified.subscriptions_only && !websocket {
        return Err(ApiError::Unauthenticated(
            "this token opens WebSocket subscriptions only".into(),
        ));
    }
    Ok(RequestIdentity(Some(verified.claims.into())))
}

/// Access to the acting account from a GraphQL resolver context.
pub trait ActorExt {
    /// The acting account, or UNAUTHENTICATED for anonymous requests.
    fn actor(&self) -> Result<&Actor, ApiError>;
    /// The acting account, which must carry `write` (for mutations).
    fn writer(&self) -> Result<&Actor, ApiError> {
        let actor = self.actor()?;
        actor.require_scope(Scope::Write)?;
        Ok(actor)
    }
}

impl ActorExt for async_graphql::Context<'_> {
    fn actor(&self) -> Result<&Actor, ApiError> {
        match self.data_opt::<RequestIdentity>() {
            Some(RequestIdentity(Some(actor))) => Ok(actor),
            _ => Err(ApiError::Unauthenticated(
                "sign in, or send a session token or an API key".into(),
            )),
        }
    }
}

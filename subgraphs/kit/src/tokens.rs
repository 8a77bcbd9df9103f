//! Biscuit token formats shared by the accounts subgraph (which issues session tokens),
//! the router (which verifies them and mints internal tokens) and every subgraph (which
//! verifies internal tokens).
//!
//! A token's authority block holds `user`, `account`, `scope`, `expires` and optionally
//! `session` facts plus an expiry check. Clients may attenuate session tokens with extra
//! blocks; [`TokenVerifier::verify`] narrows the scopes to what those blocks still allow
//! (a block with `check if operation("read")` yields a read-only credential).

use crate::auth::{AccountKind, Scope};
use biscuit_auth::{
    AuthorizerLimits, Biscuit, KeyPair, PrivateKey, PublicKey, builder::Algorithm,
    builder_ext::BuilderExt, macros::authorizer, macros::fact,
};
use chrono::{DateTime, Utc};
use std::{
    str::FromStr,
    time::{Duration, SystemTime},
};
use uuid::Uuid;

/// Why a token was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Not a Biscuit, a bad signature, or signed by another key.
    #[error("malformed or forged token")]
    Malformed,
    /// Its expiry check failed.
    #[error("token expired or not authorised")]
    Rejected,
    /// The authority block lacks a fact every token must have.
    #[error("token lacks `{0}`")]
    Missing(&'static str),
    /// A key could not be parsed.
    #[error("invalid key: {0}")]
    Key(String),
    /// Building or signing failed.
    #[error("could not sign a token: {0}")]
    Signing(String),
}

/// The facts of a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claims {
    /// The person behind the credential.
    pub user_id: Option<Uuid>,
    /// The account it acts as.
    pub account_id: Uuid,
    /// User or team.
    pub account_kind: AccountKind,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// When it stops being valid.
    pub expires_at: DateTime<Utc>,
    /// For internal tokens: the revocation id of the session token that was presented.
    pub session: Option<String>,
    /// For internal tokens: the id of the API key that was presented (subscriptions end
    /// when it is revoked).
    pub api_key: Option<Uuid>,
}

/// The facts of a worker token: the worker's own credential towards the media service,
/// signed with the worker key. It names a job attempt the worker holds and no account, so
/// it acts as nobody: the media service checks the lease before it does anything for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerClaims {
    /// The worker (the lease holder's id).
    pub worker_id: String,
    /// The job it runs.
    pub job_id: Uuid,
    /// Which attempt of the job.
    pub attempt: i32,
    /// When it stops being valid.
    pub expires_at: DateTime<Utc>,
}

/// A freshly signed token.
#[derive(Clone, Debug)]
pub struct MintedToken {
    /// The token, base64url.
    pub token: String,
    /// Hex revocation id of the authority block (shared by every attenuation of it).
    pub revocation_id: String,
}

/// A token that passed verification.
#[derive(Clone, Debug)]
pub struct VerifiedToken {
    /// Its facts, with scopes narrowed by attenuation blocks.
    pub claims: Claims,
    /// Hex revocation id of the authority block.
    pub revocation_id: String,
    /// Minted for WebSocket subscriptions only ([`TokenIssuer::mint_for_subscriptions`]):
    /// subgraphs accept it in `connection_init` and nowhere else.
    pub subscriptions_only: bool,
}

/// Parses a hex Ed25519 private key (as printed by `mediamagic tokens keygen`).
pub fn private_key_from_hex(hex: &str) -> Result<KeyPair, TokenError> {
    let key = PrivateKey::from_bytes_hex(hex.trim(), Algorithm::Ed25519)
        .map_err(|err| TokenError::Key(err.to_string()))?;
    Ok(KeyPair::from(&key))
}

/// Parses a hex Ed25519 public key.
pub fn public_key_from_hex(hex: &str) -> Result<PublicKey, TokenError> {
    PublicKey::from_bytes_hex(hex.trim(), Algorithm::Ed25519)
        .map_err(|err| TokenError::Key(err.to_string()))
}

/// A new random key pair as `(private hex, public hex)`.
pub fn generate_key_pair_hex() -> (String, String) {
    let pair = KeyPair::new();
    (pair.private().to_bytes_hex(), pair.public().to_bytes_hex())
}

/// Signs tokens with a private key.
pub struct TokenIssuer {
    keys: KeyPair,
}

impl TokenIssuer {
    /// An issuer for the given key pair.
    pub fn new(keys: KeyPair) -> Self {
        Self { keys }
    }

    /// An issuer from a hex private key.
    pub fn from_hex(private_hex: &str) -> Result<Self, TokenError> {
        Ok(Self::new(private_key_from_hex(private_hex)?))
    }

    /// The matching verifier.
    pub fn verifier(&self) -> TokenVerifier {
        TokenVerifier::new(self.keys.public())
    }

    /// Signs `claims` into a token that subgraphs accept only to open WebSocket
    /// subscriptions (the one the router hands to clients), never on their HTTP routes.
    pub fn mint_for_subscriptions(&self, claims: &Claims) -> Result<MintedToken, TokenError> {
        self.mint_with(claims, Some("subscriptions"))
    }

    /// Signs `claims` into a token.
    pub fn mint(&self, claims: &Claims) -> Result<MintedToken, TokenError> {
        self.mint_with(claims, None)
    }

    fn mint_with(&self, claims: &Claims, purpose: Option<&str>) -> Result<MintedToken, TokenError> {
        let signing = |err: biscuit_auth::error::Token| TokenError::Signing(err.to_string());
        let expires: SystemTime = claims.expires_at.into();
        let mut builder = Biscuit::builder()
            .fact(fact!(
                "account({id}, {kind})",
                id = claims.account_id.to_string(),
                kind = claims.account_kind.as_str()
            ))
            .map_err(signing)?
            .fact(fact!("expires({at})", at = expires))
            .map_err(signing)?
            .check_expiration_date(expires);
        if let Some(user) = claims.user_id {
            builder = builder
                .fact(fact!("user({id})", id = user.to_string()))
                .map_err(signing)?;
        }
        for scope in &claims.scopes {
            builder = builder
                .fact(fact!("scope({s})", s = scope.as_str()))
                .map_err(signing)?;
        }
        if let Some(session) = &claims.session {
            builder = builder
                .fact(fact!("session({s})", s = session.as_str()))
                .map_err(signing)?;
        }
        if let Some(key) = &claims.api_key {
            builder = builder
                .fact(fact!("api_key({k})", k = key.to_string()))
                .map_err(signing)?;
        }
        if let Some(purpose) = purpose {
            builder = builder
                .fact(fact!("purpose({p})", p = purpose))
                .map_err(signing)?;
        }
        let token = builder.build(&self.keys).map_err(signing)?;
        Ok(MintedToken {
            revocation_id: revocation_id(&token),
            token: token.to_base64().map_err(signing)?,
        })
    }
}

impl TokenIssuer {
    /// Signs a worker token.
    pub fn mint_worker(&self, claims: &WorkerClaims) -> Result<String, TokenError> {
        let signing = |err: biscuit_auth::error::Token| TokenError::Signing(err.to_string());
        let expires: SystemTime = claims.expires_at.into();
        let token = Biscuit::builder()
            .fact(fact!(
                "worker({w}, {job}, {attempt})",
                w = claims.worker_id.as_str(),
                job = claims.job_id.to_string(),
                attempt = i64::from(claims.attempt)
            ))
            .map_err(signing)?
            .fact(fact!("expires({at})", at = expires))
            .map_err(signing)?
            .check_expiration_date(expires)
            .build(&self.keys)
            .map_err(signing)?;
        token.to_base64().map_err(signing)
    }
}

/// Verifies tokens against a public key.
#[derive(Clone)]
pub struct TokenVerifier {
    public: PublicKey,
}

impl TokenVerifier {
    /// A verifier for `public`.
    pub fn new(public: PublicKey) -> Self {
        Self { public }
    }

    /// A verifier from a hex public key.
    pub fn from_hex(public_hex: &str) -> Result<Self, TokenError> {
        Ok(Self::new(public_key_from_hex(public_hex)?))
    }

    /// Checks signature and expiry and reads the claims.
    pub fn verify(&self, token: &str) -> Result<VerifiedToken, TokenError> {
        let token =
            Biscuit::from_base64(token.trim(), self.public).map_err(|_| TokenError::Malformed)?;
        let now = SystemTime::now();
        // A client's attenuation blocks may restrict operations: try write, then read-only.
        // Only a failed check means "read-only"; a run limit hit on a busy machine must not
        // silently drop the write scope.
        let (mut authorizer, may_write) = match authorizer_for(&token, now, "write") {
            Ok(authorizer) => (authorizer, true),
            Err(biscuit_auth::error::Token::FailedLogic(_)) => (
                authorizer_for(&token, now, "read").map_err(|_| TokenError::Rejected)?,
                false,
            ),
            Err(_) => return Err(TokenError::Rejected),
        };
        let accounts: Vec<(String, String)> = authorizer
            .query("data($id, $kind) <- account($id, $kind)")
            .map_err(|_| TokenError::Malformed)?;
        let (account_id, kind) = accounts
            .into_iter()
            .next()
            .ok_or(TokenError::Missing("account"))?;
        let users: Vec<(String,)> = authorizer
            .query("data($id) <- user($id)")
            .map_err(|_| TokenError::Malformed)?;
        let scopes: Vec<(String,)> = authorizer
            .query("data($s) <- scope($s)")
            .map_err(|_| TokenError::Malformed)?;
        let expires: Vec<(SystemTime,)> = authorizer
            .query("data($t) <- expires($t)")
            .map_err(|_| TokenError::Malformed)?;
        let sessions: Vec<(String,)> = authorizer
            .query("data($s) <- session($s)")
            .map_err(|_| TokenError::Malformed)?;
        let purposes: Vec<(String,)> = authorizer
            .query("data($p) <- purpose($p)")
            .map_err(|_| TokenError::Malformed)?;
        let api_keys: Vec<(String,)> = authorizer
            .query("data($k) <- api_key($k)")
            .map_err(|_| TokenError::Malformed)?;

        let mut scopes: Vec<Scope> = scopes
            .into_iter()
            .filter_map(|(s,)| Scope::from_str(&s).ok())
            .collect();
        if !may_write {
            scopes.retain(|scope| *scope == Scope::Read);
        }
        scopes.sort();
        scopes.dedup();
        let expires_at = expires
            .into_iter()
            .next()
            .map(|(t,)| DateTime::<Utc>::from(t))
            .ok_or(TokenError::Missing("expires"))?;
        Ok(VerifiedToken {
            revocation_id: revocation_id(&token),
            subscriptions_only: purposes.iter().any(|(p,)| p == "subscriptions"),
            claims: Claims {
                user_id: users
                    .into_iter()
                    .next()
                    .and_then(|(id,)| Uuid::parse_str(&id).ok()),
                account_id: Uuid::parse_str(&account_id).map_err(|_| TokenError::Malformed)?,
                account_kind: AccountKind::from_str(&kind).map_err(|_| TokenError::Malformed)?,
                scopes,
                expires_at,
                session: sessions.into_iter().next().map(|(s,)| s),
                api_key: api_keys
                    .into_iter()
                    .next()
                    .and_then(|(k,)| Uuid::parse_str(&k).ok()),
            },
        })
    }
}

impl TokenVerifier {
    /// Checks a worker token's signature and expiry and reads its claims.
    pub fn verify_worker(&self, token: &str) -> Result<WorkerClaims, TokenError> {
        let token =
            Biscuit::from_base64(token.trim(), self.public).map_err(|_| TokenError::Malformed)?;
        let mut authorizer =
            authorizer_for(&token, SystemTime::now(), "write").map_err(|_| TokenError::Rejected)?;
        let workers: Vec<(String, String, i64)> = authorizer
            .query("data($w, $j, $a) <- worker($w, $j, $a)")
            .map_err(|_| TokenError::Malformed)?;
        let expires: Vec<(SystemTime,)> = authorizer
            .query("data($t) <- expires($t)")
            .map_err(|_| TokenError::Malformed)?;
        let (worker_id, job, attempt) = workers
            .into_iter()
            .next()
            .ok_or(TokenError::Missing("worker"))?;
        Ok(WorkerClaims {
            worker_id,
            job_id: Uuid::parse_str(&job).map_err(|_| TokenError::Malformed)?,
            attempt: i32::try_from(attempt).map_err(|_| TokenError::Malformed)?,
            expires_at: expires
                .into_iter()
                .next()
                .map(|(t,)| DateTime::<Utc>::from(t))
                .ok_or(TokenError::Missing("expires"))?,
        })
    }
}

fn limits() -> AuthorizerLimits {
    AuthorizerLimits {
        max_facts: 200,
        max_iterations: 50,
        // Generous: tokens are tiny, and a loaded 2-core machine (or a debug build) can
        // take several milliseconds to schedule the evaluation.
        max_time: Duration::from_millis(100),
    }
}

/// An authorizer that passed for `operation` at `now`, ready to be queried.
fn authorizer_for(
    token: &Biscuit,
    now: SystemTime,
    operation: &str,
) -> Result<biscuit_auth::Authorizer, biscuit_auth::error::Token> {
    let mut authorizer = authorizer!(
        r#"time({now}); operation({op}); allow if true;"#,
        now = now,
        op = operation
    )
    .set_limits(limits())
    .build(token)?;
    authorizer.authorize()?;
    Ok(authorizer)
}

fn revocation_id(token: &Biscuit) -> String {
    token
        .revocation_identifiers()
        .first()
        .map(hex::encode)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use biscuit_auth::macros::block;

    fn claims(expires_in: chrono::Duration) -> Claims {
        Claims {
            user_id: Some(Uuid::new_v4()),
            account_id: Uuid::new_v4(),
            account_kind: AccountKind::User,
            scopes: vec![Scope::Read, Scope::Write],
            expires_at: Utc::now() + expires_in,
            session: None,
            api_key: None,
        }
    }

    #[test]
    fn a_minted_token_verifies_with_its_claims() {
        let issuer = TokenIssuer::new(KeyPair::new());
        let claims = claims(chrono::Duration::hours(1));
        let minted = issuer.mint(&claims).unwrap();
        let verified = issuer.verifier().verify(&minted.token).unwrap();
        assert_eq!(verified.claims.account_id, claims.account_id);
        assert_eq!(verified.claims.user_id, claims.user_id);
        assert_eq!(verified.claims.scopes, vec![Scope::Read, Scope::Write]);
        assert_eq!(verified.revocation_id, minted.revocation_id);
    }

    #[test]
    fn a_subscription_token_says_so_and_an_ordinary_one_does_not() {
        let issuer = TokenIssuer::new(KeyPair::new());
        let claims = claims(chrono::Duration::minutes(1));

        let for_subscriptions = issuer.mint_for_subscriptions(&claims).unwrap();
        let ordinary = issuer.mint(&claims).unwrap();

        let verifier = issuer.verifier();
        assert!(
            verifier
                .verify(&for_subscriptions.token)
                .unwrap()
                .subscriptions_only
        );
        assert!(!verifier.verify(&ordinary.token).unwrap().subscriptions_only);
    }

    #[test]
    fn an_expired_token_is_rejected() {
        let issuer = TokenIssuer::new(KeyPair::new());
        let minted = issuer.mint(&claims(chrono::Duration::seconds(-5))).unwrap();
        assert!(matches!(
            issuer.verifier().verify(&minted.token),
            Err(TokenError::Rejected)
        ));
    }

    #[test]
    fn a_token_signed_by_another_key_is_rejected() {
        let issuer = TokenIssuer::new(KeyPair::new());
        let forger = TokenIssuer::new(KeyPair::new());
        let minted = forger.mint(&claims(chrono::Duration::hours(1))).unwrap();
        assert!(matches!(
            issuer.verifier().verify(&minted.token),
            Err(TokenError::Malformed)
        ));
    }

    #[test]
    fn a_tampered_token_is_rejected() {
        let issuer = TokenIssuer::new(KeyPair::new());
        let minted = issuer.mint(&claims(chrono::Duration::hours(1))).unwrap();
        let mut bytes = minted.token.into_bytes();
        let middle = bytes.len() / 2;
        bytes[middle] = if bytes[middle] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert!(issuer.verifier().verify(&tampered).is_err());
    }

    #[test]
    fn a_read_only_attenuation_drops_the_write_scope() {
        let issuer = TokenIssuer::new(KeyPair::new());
        let minted = issuer.mint(&claims(chrono::Duration::hours(1))).unwrap();
        let verifier = issuer.verifier();
        let token = Biscuit::from_base64(&minted.token, verifier.public).unwrap();
        let attenuated = token
            .append(block!(r#"check if operation("read");"#))
            .unwrap()
            .to_base64()
            .unwrap();
        let verified = verifier.verify(&attenuated).unwrap();
        assert_eq!(verified.claims.scopes, vec![Scope::Read]);
        assert_eq!(verified.revocation_id, minted.revocation_id);
    }

    #[test]
    fn a_worker_token_names_its_job_and_acts_as_no_account() {
        let worker_keys = TokenIssuer::new(KeyPair::new());
        let claims = WorkerClaims {
            worker_id: "w-1".into(),
            job_id: Uuid::new_v4(),
            attempt: 2,
            expires_at: Utc::now() + chrono::Duration::minutes(5),
        };
        let token = worker_keys.mint_worker(&claims).unwrap();

        let verified = worker_keys.verifier().verify_worker(&token).unwrap();

        assert_eq!(verified.job_id, claims.job_id);
        assert_eq!(verified.attempt, 2);
        assert!(
            matches!(
                worker_keys.verifier().verify(&token),
                Err(TokenError::Missing("account"))
            ),
            "not an account credential even under the same key"
        );
        let session = worker_keys.mint(&claims_for_test()).unwrap();
        assert!(
            worker_keys
                .verifier()
                .verify_worker(&session.token)
                .is_err()
        );
    }

    fn claims_for_test() -> Claims {
        claims(chrono::Duration::hours(1))
    }

    #[test]
    fn facts_added_by_an_attenuation_block_are_not_trusted() {
        let issuer = TokenIssuer::new(KeyPair::new());
        let minted = issuer.mint(&claims(chrono::Duration::hours(1))).unwrap();
        let verifier = issuer.verifier();
        let token = Biscuit::from_base64(&minted.token, verifier.public).unwrap();
        let attenuated = token
            .append(block!(r#"scope("admin");"#))
            .unwrap()
            .to_base64()
            .unwrap();
        let verified = verifier.verify(&attenuated).unwrap();
        assert!(!verified.claims.scopes.contains(&Scope::Admin));
    }
}

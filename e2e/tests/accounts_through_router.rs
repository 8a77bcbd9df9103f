//! The foundation's acceptance tests, through the real router with real HTTP clients.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use biscuit_auth::{Biscuit, macros::block};
use chrono::{Duration, Utc};
use mediamagic_e2e::{Cred, GqlResponse, TestStack, spawn_stack};
use mediamagic_kit::{
    AccountKind, Scope,
    auth::INTERNAL_TOKEN_HEADER,
    tokens::{Claims, TokenIssuer, TokenVerifier, generate_key_pair_hex},
};
use serde_json::json;
use uuid::Uuid;

const ME: &str = "{ me { id name email } }";
const ACTING: &str = "{ actingAccount { id kind scopes } }";

#[tokio::test]
async fn signing_up_then_logging_in_gives_tokens_that_answer_me() {
    let stack = spawn_stack().await;
    let (signup_token, user_id, email) = stack.sign_up("ada").await;

    let login = stack
        .gql(
            Cred::None,
            "mutation($e: String!) { logIn(input: {email: $e, password: \"correct horse 1\"}) { token tokenType expiresAt } }",
            json!({"e": email.to_uppercase()}),
        )
        .await;
    let token = login.data("/logIn/token").as_str().unwrap();
    assert_eq!(login.data("/logIn/tokenType"), "Bearer");
    let expires: chrono::DateTime<Utc> = login
        .data("/logIn/expiresAt")
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let lifetime = expires - Utc::now();
    assert!(
        lifetime > Duration::hours(71) && lifetime <= Duration::hours(72),
        "{lifetime}"
    );

    for token in [signup_token.as_str(), token] {
        let me = stack.gql(Cred::Bearer(token), ME, json!({})).await;
        assert_eq!(me.data("/me/id"), user_id.as_str());
        assert_eq!(me.data("/me/email"), email.as_str());
    }
}

#[tokio::test]
async fn me_works_with_a_user_api_key() {
    let stack = spawn_stack().await;
    let (token, user_id, _) = stack.sign_up("bob").await;
    let (key, _) = stack.create_key(&token, None).await;

    let me = stack.gql(Cred::Key(&key), ME, json!({})).await;
    assert_eq!(me.data("/me/id"), user_id.as_str());
    let acting = stack.gql(Cred::Key(&key), ACTING, json!({})).await;
    assert_eq!(acting.data("/actingAccount/kind"), "USER");
}

#[tokio::test]
async fn a_team_token_and_a_team_key_act_as_the_team() {
    let stack = spawn_stack().await;
    let (token, user_id, _) = stack.sign_up("carol").await;
    let team = stack.create_team(&token, "Acme").await;

    let team_token = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($t: ID!) { createTeamToken(teamId: $t) { token accountId accountKind } }",
            json!({"t": team}),
        )
        .await;
    assert_eq!(team_token.data("/createTeamToken/accountKind"), "TEAM");
    let team_token = team_token
        .data("/createTeamToken/token")
        .as_str()
        .unwrap()
        .to_owned();
    let (team_key, _) = stack.create_key(&token, Some(&team)).await;

    for cred in [Cred::Bearer(&team_token), Cred::Key(&team_key)] {
        let acting = stack.gql(cred, ACTING, json!({})).await;
        assert_eq!(acting.data("/actingAccount/id"), team.as_str(), "{cred:?}");
        assert_eq!(acting.data("/actingAccount/kind"), "TEAM");
    }
    // The team token still knows its person; the team key is the team alone.
    let me = stack.gql(Cred::Bearer(&team_token), ME, json!({})).await;
    assert_eq!(me.data("/me/id"), user_id.as_str());
    let me = stack.gql(Cred::Key(&team_key), ME, json!({})).await;
    assert_eq!(me.error_code(), "FORBIDDEN");
}

/// `me` through router `router` of `stack` with `cred`.
async fn me_at(stack: &TestStack, router: usize, cred: Cred<'_>) -> GqlResponse {
    stack
        .gql_at(stack.router_url(router), cred, &[], ME, json!({}))
        .await
}

#[tokio::test]
async fn a_revoked_api_key_fails_on_the_very_next_request_on_every_router() {
    let mut stack = spawn_stack().await;
    let second = stack.add_router().await;
    let (token, _, _) = stack.sign_up("dave").await;
    let (key, key_id) = stack.create_key(&token, None).await;
    // Both routers have the key cached now.
    for router in [0, second] {
        let me = me_at(&stack, router, Cred::Key(&key)).await;
        assert!(me.body["errors"].is_null(), "{}", me.body);
    }

    let revoked = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }",
            json!({"id": key_id}),
        )
        .await;
    assert!(revoked.data("/revokeApiKey/revokedAt").is_string());

    for router in [0, second] {
        let me = me_at(&stack, router, Cred::Key(&key)).await;
        assert_eq!(me.error_code(), "UNAUTHENTICATED");
        assert_eq!(me.status, 401);
    }
}

#[tokio::test]
async fn a_logged_out_session_fails_on_the_very_next_request_on_every_router() {
    let mut stack = spawn_stack().await;
    let second = stack.add_router().await;
    // Rounds, because each router answers a known session from memory until Redis tells
    // it the state changed: the push must beat the client's next request every time.
    for round in 0..5 {
        let (token, _, _) = stack.sign_up(&format!("hal{round}")).await;
        for _ in 0..3 {
            for router in [0, second] {
                let me = me_at(&stack, router, Cred::Bearer(&token)).await;
                assert!(me.body["errors"].is_null(), "{}", me.body);
            }
        }
        let out = stack
            .gql(Cred::Bearer(&token), "mutation { logOut }", json!({}))
            .await;
        assert_eq!(out.data("/logOut"), true);
        for router in [second, 0] {
            let me = me_at(&stack, router, Cred::Bearer(&token)).await;
            assert_eq!(
                me.error_code(),
                "UNAUTHENTICATED",
                "round {round}, router {router}"
            );
        }
    }
}

#[tokio::test]
async fn expired_forged_and_tampered_tokens_are_unauthenticated() {
    let stack = spawn_stack().await;
    let (token, user_id, _) = stack.sign_up("erin").await;
    let claims = |expires_at| Claims {
        user_id: Some(user_id.parse().unwrap()),
        account_id: user_id.parse().unwrap(),
        account_kind: AccountKind::User,
        scopes: vec![Scope::Read, Scope::Write],
        expires_at,
        session: None,
        api_key: None,
    };
    let root = TokenIssuer::from_hex(&stack.infra.keys.root_private_key).unwrap();
    let expired = root
        .mint(&claims(Utc::now() - Duration::seconds(1)))
        .unwrap()
        .token;
    let (forger_key, _) = generate_key_pair_hex();
    let forged = TokenIssuer::from_hex(&forger_key)
        .unwrap()
        .mint(&claims(Utc::now() + Duration::hours(1)))
        .unwrap()
        .token;
    let mut tampered = token.clone().into_bytes();
    let middle = tampered.len() / 2;
    tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();

    for bad in [
        expired.as_str(),
        forged.as_str(),
        tampered.as_str(),
        "not-a-token",
    ] {
        let me = stack.gql(Cred::Bearer(bad), ME, json!({})).await;
        assert_eq!(me.error_code(), "UNAUTHENTICATED", "{bad}");
    }
    let me = stack
        .gql(
            Cred::Key("3f0b2c9e-0000-4000-8000-000000000000"),
            ME,
            json!({}),
        )
        .await;
    assert_eq!(me.error_code(), "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_client_sent_internal_header_changes_nothing() {
    let stack = spawn_stack().await;
    let (token, user_id, _) = stack.sign_up("frank").await;
    let (victim_token, victim_id, _) = stack.sign_up("grace").await;
    let _ = victim_token;
    // Even a correctly signed internal token (as if leaked) is dropped by the router.
    let internal = TokenIssuer::from_hex(&stack.infra.keys.internal_private_key).unwrap();
    let victim: Uuid = victim_id.parse().unwrap();
    let injected = internal
        .mint(&Claims {
            user_id: Some(victim),
            account_id: victim,
            account_kind: AccountKind::User,
            scopes: vec![Scope::Read, Scope::Write, Scope::Admin],
            expires_at: Utc::now() + Duration::minutes(1),
            session: None,
            api_key: None,
        })
        .unwrap()
        .token;
    let headers = [(INTERNAL_TOKEN_HEADER, injected.as_str())];

    let anonymous = stack
        .gql_at(stack.router_url(0), Cred::None, &headers, ME, json!({}))
        .await;
    assert_eq!(anonymous.error_code(), "UNAUTHENTICATED");
    let mine = stack
        .gql_at(
            stack.router_url(0),
            Cred::Bearer(&token),
            &headers,
            ME,
            json!({}),
        )
        .await;
    assert_eq!(mine.data("/me/id"), user_id.as_str());
}

#[tokio::test]
async fn the_subgraph_refuses_internal_tokens_it_cannot_verify() {
    let stack = spawn_stack().await;
    let (forger_key, _) = generate_key_pair_hex();
    let forged = TokenIssuer::from_hex(&forger_key)
        .unwrap()
        .mint(&Claims {
            user_id: None,
            account_id: Uuid::new_v4(),
            account_kind: AccountKind::User,
            scopes: vec![Scope::Read],
            expires_at: Utc::now() + Duration::minutes(1),
            session: None,
            api_key: None,
        })
        .unwrap()
        .token;
    let url = stack.accounts_url();
    let response = stack
        .gql_at(
            &url,
            Cred::None,
            &[(INTERNAL_TOKEN_HEADER, forged.as_str())],
            ACTING,
            json!({}),
        )
        .await;
    assert_eq!(response.error_code(), "UNAUTHENTICATED");
    assert_eq!(response.status, 401);
}

#[tokio::test]
async fn logging_out_revokes_the_session_token() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("heidi").await;
    let out = stack
        .gql(Cred::Bearer(&token), "mutation { logOut }", json!({}))
        .await;
    assert_eq!(out.data("/logOut"), true);
    let me = stack.gql(Cred::Bearer(&token), ME, json!({})).await;
    assert_eq!(me.error_code(), "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_read_only_attenuated_token_can_query_but_not_mutate() {
    let stack = spawn_stack().await;
    let (token, user_id, _) = stack.sign_up("ivan").await;
    let root = TokenVerifier::from_hex(&stack.infra.keys.root_public_key).unwrap();
    let _ = root;
    let public = biscuit_auth::PublicKey::from_bytes_hex(
        &stack.infra.keys.root_public_key,
        biscuit_auth::builder::Algorithm::Ed25519,
    )
    .unwrap();
    let read_only = Biscuit::from_base64(&token, public)
        .unwrap()
        .append(block!(r#"check if operation("read");"#))
        .unwrap()
        .to_base64()
        .unwrap();

    let me = stack.gql(Cred::Bearer(&read_only), ME, json!({})).await;
    assert_eq!(me.data("/me/id"), user_id.as_str());
    let create = stack
        .gql(
            Cred::Bearer(&read_only),
            "mutation { createTeam(name: \"Nope\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(create.error_code(), "FORBIDDEN");
}

#[tokio::test]
async fn a_duplicate_email_is_a_conflict() {
    let stack = spawn_stack().await;
    let (_, _, email) = stack.sign_up("judy").await;
    let again = stack
        .gql(
            Cred::None,
            "mutation($e: String!) { signUp(input: {email: $e, password: \"another pass 2\", name: \"J\"}) { token } }",
            json!({"e": format!("  {} ", email.to_uppercase())}),
        )
        .await;
    assert_eq!(again.error_code(), "CONFLICT");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let stack = spawn_stack().await;
    let (_, _, email) = stack.sign_up("ken").await;
    let log_in =
        "mutation($e: String!, $p: String!) { logIn(input: {email: $e, password: $p}) { token } }";
    let wrong_password = stack
        .gql(
            Cred::None,
            log_in,
            json!({"e": email, "p": "wrong horse 9"}),
        )
        .await;
    let unknown_email = stack
        .gql(
            Cred::None,
            log_in,
            json!({"e": "nobody-here@example.com", "p": "wrong horse 9"}),
        )
        .await;
    assert_eq!(wrong_password.error_code(), "UNAUTHENTICATED");
    assert_eq!(unknown_email.error_code(), "UNAUTHENTICATED");
    assert_eq!(
        wrong_password.error_message(),
        unknown_email.error_message()
    );
}

#[tokio::test]
async fn repeated_failed_log_ins_are_rate_limited() {
    let stack = spawn_stack().await;
    let (_, _, email) = stack.sign_up("leo").await;
    let log_in =
        "mutation($e: String!, $p: String!) { logIn(input: {email: $e, password: $p}) { token } }";
    for _ in 0..10 {
        let attempt = stack
            .gql(
                Cred::None,
                log_in,
                json!({"e": email, "p": "wrong horse 9"}),
            )
            .await;
        assert_eq!(attempt.error_code(), "UNAUTHENTICATED");
    }
    let blocked = stack
        .gql(
            Cred::None,
            log_in,
            json!({"e": email, "p": "correct horse 1"}),
        )
        .await;
    assert_eq!(blocked.error_code(), "RATE_LIMITED");
}

#[tokio::test]
async fn malformed_input_is_bad_user_input_naming_the_field() {
    let stack = spawn_stack().await;
    let sign_up = "mutation($e: String!, $p: String!) { signUp(input: {email: $e, password: $p, name: \"M\"}) { token } }";
    let bad_email = stack
        .gql(
            Cred::None,
            sign_up,
            json!({"e": "not-an-email", "p": "correct horse 1"}),
        )
        .await;
    assert_eq!(bad_email.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        bad_email
            .body
            .pointer("/errors/0/extensions/field")
            .unwrap(),
        "email"
    );
    let weak = stack
        .gql(
            Cred::None,
            sign_up,
            json!({"e": format!("m{}@example.com", Uuid::new_v4().simple()), "p": "short"}),
        )
        .await;
    assert_eq!(weak.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        weak.body.pointer("/errors/0/extensions/field").unwrap(),
        "password"
    );
    let (token, _, _) = stack.sign_up("mallory").await;
    let bad_id = stack
        .gql(
            Cred::Bearer(&token),
            "{ team(id: \"nope\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(bad_id.error_code(), "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_member_who_is_not_an_admin_cannot_create_team_keys() {
    let stack = spawn_stack().await;
    let (owner, _, _) = stack.sign_up("nina").await;
    let (member, _, member_email) = stack.sign_up("oscar").await;
    let team = stack.create_team(&owner, "Acme").await;
    let role = stack
        .join_team(&owner, &team, &member, &member_email, "MEMBER")
        .await;
    assert_eq!(role, "MEMBER");

    let key = stack
        .gql(
            Cred::Bearer(&member),
            "mutation($t: ID) { createApiKey(input: {name: \"k\", teamId: $t}) { secret } }",
            json!({"t": team}),
        )
        .await;
    assert_eq!(key.error_code(), "FORBIDDEN");
}

#[tokio::test]
async fn a_non_member_cannot_see_the_team() {
    let stack = spawn_stack().await;
    let (owner, _, _) = stack.sign_up("peggy").await;
    let (stranger, _, _) = stack.sign_up("quentin").await;
    let team = stack.create_team(&owner, "Secret").await;
    let seen = stack
        .gql(
            Cred::Bearer(&stranger),
            "query($t: ID!) { team(id: $t) { id } }",
            json!({"t": team}),
        )
        .await;
    assert_eq!(seen.error_code(), "NOT_FOUND");
    let token = stack
        .gql(
            Cred::Bearer(&stranger),
            "mutation($t: ID!) { createTeamToken(teamId: $t) { token } }",
            json!({"t": team}),
        )
        .await;
    assert_eq!(token.error_code(), "NOT_FOUND");
}

#[tokio::test]
async fn the_last_owner_cannot_leave_and_a_removed_member_loses_the_team_token() {
    let stack = spawn_stack().await;
    let (owner, _, _) = stack.sign_up("rita").await;
    let (member, member_id, member_email) = stack.sign_up("sam").await;
    let team = stack.create_team(&owner, "Crew").await;
    let leave = stack
        .gql(
            Cred::Bearer(&owner),
            "mutation($t: ID!) { leaveTeam(teamId: $t) }",
            json!({"t": team}),
        )
        .await;
    assert_eq!(leave.error_code(), "CONFLICT");

    stack
        .join_team(&owner, &team, &member, &member_email, "ADMIN")
        .await;
    let team_token = stack
        .gql(
            Cred::Bearer(&member),
            "mutation($t: ID!) { createTeamToken(teamId: $t) { token } }",
            json!({"t": team}),
        )
        .await;
    let team_token = team_token
        .data("/createTeamToken/token")
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        stack
            .gql(Cred::Bearer(&team_token), ACTING, json!({}))
            .await
            .body["errors"]
            .is_null()
    );

    let removed = stack
        .gql(
            Cred::Bearer(&owner),
            "mutation($t: ID!, $u: ID!) { removeMember(teamId: $t, userId: $u) { members { role } } }",
            json!({"t": team, "u": member_id}),
        )
        .await;
    assert_eq!(
        removed
            .data("/removeMember/members")
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let after = stack
        .gql(Cred::Bearer(&team_token), ACTING, json!({}))
        .await;
    assert_eq!(after.error_code(), "UNAUTHENTICATED");
}

#[tokio::test]
async fn api_keys_are_listed_with_cursor_pagination_and_shown_once() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("trent").await;
    for _ in 0..3 {
        stack.create_key(&token, None).await;
    }
    let list = "query($after: String) { apiKeys(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id prefix name } } }";
    let first = stack.gql(Cred::Bearer(&token), list, json!({})).await;
    assert_eq!(first.data("/apiKeys/totalCount"), 3);
    assert_eq!(first.data("/apiKeys/nodes").as_array().unwrap().len(), 2);
    assert_eq!(first.data("/apiKeys/pageInfo/hasNextPage"), true);
    let cursor = first.data("/apiKeys/pageInfo/endCursor").clone();
    let second = stack
        .gql(Cred::Bearer(&token), list, json!({"after": cursor}))
        .await;
    assert_eq!(second.data("/apiKeys/nodes").as_array().unwrap().len(), 1);
    assert_eq!(second.data("/apiKeys/pageInfo/hasNextPage"), false);
    // The schema has no way to read a secret back.
    let secret = stack
        .gql(
            Cred::Bearer(&token),
            "{ apiKeys { nodes { secret } } }",
            json!({}),
        )
        .await;
    assert!(secret.body["errors"].is_array());
}

#[tokio::test]
async fn an_api_key_records_its_last_use_and_stops_at_its_expiry() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("uma").await;
    let past = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($at: DateTime!) { createApiKey(input: {name: \"old\", expiresAt: $at}) { secret } }",
            json!({"at": (Utc::now() - Duration::minutes(1)).to_rfc3339()}),
        )
        .await;
    assert_eq!(past.error_code(), "BAD_USER_INPUT");

    let created = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($at: DateTime!) { createApiKey(input: {name: \"short\", expiresAt: $at, scopes: [READ]}) { secret apiKey { id scopes lastUsedAt } } }",
            json!({"at": (Utc::now() + Duration::seconds(8)).to_rfc3339()}),
        )
        .await;
    assert!(
        created
            .data("/createApiKey/apiKey")
            .get("lastUsedAt")
            .unwrap()
            .is_null()
    );
    assert_eq!(
        created.data("/createApiKey/apiKey/scopes"),
        &json!(["READ"])
    );
    let key = created
        .data("/createApiKey/secret")
        .as_str()
        .unwrap()
        .to_owned();

    let acting = stack.gql(Cred::Key(&key), ACTING, json!({})).await;
    assert_eq!(acting.data("/actingAccount/scopes"), &json!(["READ"]));
    let read_only = stack
        .gql(
            Cred::Key(&key),
            "mutation { createTeam(name: \"X\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(read_only.error_code(), "FORBIDDEN");
    let listed = stack
        .gql(
            Cred::Bearer(&token),
            "{ apiKeys { nodes { lastUsedAt } } }",
            json!({}),
        )
        .await;
    assert!(
        listed.data("/apiKeys/nodes/0/lastUsedAt").is_string(),
        "{}",
        listed.body
    );

    tokio::time::sleep(std::time::Duration::from_millis(8500)).await;
    let expired = stack.gql(Cred::Key(&key), ACTING, json!({})).await;
    assert_eq!(expired.error_code(), "UNAUTHENTICATED");
}

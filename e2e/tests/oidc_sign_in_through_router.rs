//! Seed 000's sign-in, the way its clients do it, through the router against a small OIDC
//! provider started by the test (e2e::oidc_provider, standing in for Auth0): `GET
//! /api/v1/auth/login` gives the provider's login URL (authorization code with PKCE and
//! state), the provider sends the browser to the callback, which swaps the code for the
//! seed's token fields, `refresh_token` included; refresh tokens rotate and a reused one
//! revokes the whole sign-in. Without a provider the credentials log-in stays.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::{
    Cred, TestStack,
    oidc_provider::{OidcProvider, ProviderUser},
    rest::{RestResponse, call},
    spawn_stack, spawn_stack_with,
};
use serde_json::{Value, json};

async fn stack_with_provider(provider: &OidcProvider) -> TestStack {
    spawn_stack_with(|config| {
        // The callback as clients reach it: on the router.
        let graphql = config.compat.graphql_url.clone().unwrap();
        let base = graphql.trim_end_matches("/graphql");
        config.accounts.oidc_login =
            Some(provider.login_config(&format!("{base}/api/v1/auth/callback")));
    })
    .await
}

fn ada() -> ProviderUser {
    ProviderUser {
        subject: "auth0|ada".into(),
        email: "Ada@Example.com".into(),
        name: "Ada Lovelace".into(),
    }
}

/// What a browser does with the login URL: the provider signs the user in and redirects to
/// the callback; returns the callback URL it redirected to.
async fn sign_in_at_provider(login_url: &str) -> String {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let redirected = browser.get(login_url).send().await.unwrap();
    assert_eq!(redirected.status(), 302, "{:?}", redirected.text().await);
    redirected.headers()["location"]
        .to_str()
        .unwrap()
        .to_owned()
}

async fn get(url: &str) -> RestResponse {
    mediamagic_e2e::rest::read(reqwest::get(url).await.unwrap()).await
}

async fn refresh(stack: &TestStack, token: &Value) -> RestResponse {
    call(
        stack,
        "POST",
        "/api/v1/auth/refresh",
        Cred::None,
        Some(&json!({"refresh_token": token})),
    )
    .await
}

async fn me(stack: &TestStack, token: &Value) -> mediamagic_e2e::GqlResponse {
    stack
        .gql(
            Cred::Bearer(token.as_str().unwrap()),
            "{ me { id email name } }",
            json!({}),
        )
        .await
}

#[tokio::test]
async fn seed_000s_sign_in_flow_gives_working_tokens_and_rotating_refresh_tokens() {
    let provider = OidcProvider::start("mediamagic-web", Some("s3cret"), ada()).await;
    let stack = stack_with_provider(&provider).await;

    // 1. The login URL: the provider's authorization endpoint with PKCE and state.
    let login = call(&stack, "GET", "/api/v1/auth/login", Cred::None, None).await;
    assert_eq!(login.status, 200, "{:?}", login.body);
    let login_url = login.body["login_url"].as_str().unwrap();
    let parsed = reqwest::Url::parse(login_url).unwrap();
    let query: std::collections::HashMap<_, _> = parsed.query_pairs().into_owned().collect();
    assert!(login_url.starts_with(&format!("{}/authorize", provider.issuer)));
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["client_id"], "mediamagic-web");
    assert_eq!(query["state"], login.body["state"].as_str().unwrap());
    assert!(query.contains_key("nonce") && query.contains_key("code_challenge"));

    // 2. The browser signs in at the provider and comes back to the callback.
    let callback = sign_in_at_provider(login_url).await;
    assert!(
        callback.contains("/api/v1/auth/callback?code="),
        "{callback}"
    );
    let tokens = get(&callback).await;
    assert_eq!(tokens.status, 200, "{:?}", tokens.body);
    for field in ["access_token", "refresh_token", "id_token"] {
        assert!(
            !tokens.body[field].as_str().unwrap_or_default().is_empty(),
            "{field}: {:?}",
            tokens.body
        );
    }
    assert_eq!(tokens.body["token_type"], "Bearer");
    let first = me(&stack, &tokens.body["access_token"]).await;
    assert_eq!(first.data("/me/email"), "ada@example.com");
    assert_eq!(first.data("/me/name"), "Ada Lovelace");
    assert!(provider.refusals().is_empty(), "{:?}", provider.refusals());

    // The same callback again (a replayed state and code) signs nobody in.
    let replayed = get(&callback).await;
    assert_eq!(replayed.status, 401, "{:?}", replayed.body);

    // 3. Refresh: a new session and a new refresh token; the old one is used up.
    let refreshed = refresh(&stack, &tokens.body["refresh_token"]).await;
    assert_eq!(refreshed.status, 200, "{:?}", refreshed.body);
    assert_ne!(
        refreshed.body["refresh_token"],
        tokens.body["refresh_token"]
    );
    assert_ne!(refreshed.body["access_token"], tokens.body["access_token"]);
    let second = me(&stack, &refreshed.body["access_token"]).await;
    assert_eq!(second.data("/me/id"), first.data("/me/id"), "the same user");

    // 4. The used refresh token presented again: refused, and the whole sign-in revoked.
    let reused = refresh(&stack, &tokens.body["refresh_token"]).await;
    assert_eq!(reused.status, 401, "{:?}", reused.body);
    let after = refresh(&stack, &refreshed.body["refresh_token"]).await;
    assert_eq!(after.status, 401, "the newest refresh token is revoked too");
    for access in [
        &tokens.body["access_token"],
        &refreshed.body["access_token"],
    ] {
        let gone = me(&stack, access).await;
        assert_eq!(gone.error_code(), "UNAUTHENTICATED", "{}", gone.body);
    }

    // 5. Signing in again works, as the same user.
    let again_url = call(&stack, "GET", "/api/v1/auth/login", Cred::None, None).await;
    let again =
        get(&sign_in_at_provider(again_url.body["login_url"].as_str().unwrap()).await).await;
    assert_eq!(again.status, 200, "{:?}", again.body);
    let third = me(&stack, &again.body["access_token"]).await;
    assert_eq!(third.data("/me/id"), first.data("/me/id"));
}

#[tokio::test]
async fn a_forged_state_a_provider_error_and_a_redirect_request_are_handled() {
    let provider = OidcProvider::start("mediamagic-web", None, ada()).await;
    let stack = stack_with_provider(&provider).await;
    let base = stack.router_url(0).trim_end_matches("/graphql").to_owned();

    let forged = get(&format!(
        "{base}/api/v1/auth/callback?code=abc&state=forged"
    ))
    .await;
    let denied = get(&format!(
        "{base}/api/v1/auth/callback?error=access_denied&error_description=User%20cancelled"
    ))
    .await;
    let incomplete = get(&format!("{base}/api/v1/auth/callback")).await;
    let redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{base}/api/v1/auth/login?redirect=true"))
        .send()
        .await
        .unwrap();

    assert_eq!(forged.status, 401, "{:?}", forged.body);
    assert_eq!(denied.status, 401);
    assert!(
        denied.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("User cancelled")
    );
    assert_eq!(incomplete.status, 400);
    assert_eq!(redirect.status(), 302);
    assert!(
        redirect.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with(&provider.issuer)
    );
}

#[tokio::test]
async fn without_a_provider_the_credentials_log_in_stays_and_refresh_tokens_work_there_too() {
    let stack = spawn_stack().await;
    let (_, _, _) = stack.sign_up_with_email("Grace", "grace@example.com").await;

    let no_credentials = call(&stack, "GET", "/api/v1/auth/login", Cred::None, None).await;
    let logged_in = call(
        &stack,
        "POST",
        "/api/v1/auth/login",
        Cred::None,
        Some(&json!({"email": "grace@example.com", "password": "correct horse 1"})),
    )
    .await;
    let refreshed = refresh(&stack, &logged_in.body["refresh_token"]).await;
    let garbage = refresh(&stack, &json!("mmr_not-a-token")).await;

    assert_eq!(no_credentials.status, 401);
    assert!(
        no_credentials.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no identity provider")
    );
    assert_eq!(logged_in.status, 200, "{:?}", logged_in.body);
    assert_eq!(refreshed.status, 200, "{:?}", refreshed.body);
    assert_eq!(
        me(&stack, &refreshed.body["access_token"])
            .await
            .data("/me/email"),
        "grace@example.com"
    );
    assert_eq!(garbage.status, 401);
}

#[tokio::test]
async fn logging_out_ends_the_sign_ins_refresh_tokens() {
    let stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up_with_email("Linus", "linus@example.com").await;
    let logged_in = call(
        &stack,
        "POST",
        "/api/v1/auth/login",
        Cred::None,
        Some(&json!({"email": "linus@example.com", "password": "correct horse 1"})),
    )
    .await;
    let access = logged_in.body["access_token"].as_str().unwrap().to_owned();

    let out = call(
        &stack,
        "POST",
        "/api/v1/auth/logout",
        Cred::Bearer(&access),
        None,
    )
    .await;
    let refreshed = refresh(&stack, &logged_in.body["refresh_token"]).await;

    assert_eq!(out.status, 204);
    assert_eq!(refreshed.status, 401, "{:?}", refreshed.body);
    // The sign-up's own session is another sign-in: untouched.
    assert_eq!(
        me(&stack, &json!(token)).await.data("/me/email"),
        "linus@example.com"
    );
}

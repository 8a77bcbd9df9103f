//! Router behaviour that depends on its config: introspection and the playground in dev and
//! production, and external OIDC tokens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine;
use mediamagic_e2e::{Cred, spawn_stack};
use serde_json::json;

const PRODUCTION: &str = include_str!("../../router/config/production.yaml");
const INTROSPECTION: &str = "{ __schema { queryType { name } } }";

#[tokio::test]
async fn introspection_and_the_playground_are_on_in_dev_and_off_in_production() {
    let mut stack = spawn_stack().await;
    let production = stack.add_router_with(PRODUCTION).await;

    let dev = stack.gql(Cred::None, INTROSPECTION, json!({})).await;
    assert_eq!(dev.data("/__schema/queryType/name"), "Query");
    let prod = stack
        .gql_at(
            stack.router_url(production),
            Cred::None,
            &[],
            INTROSPECTION,
            json!({}),
        )
        .await;
    assert!(prod.body["errors"].is_array(), "{}", prod.body);
    assert!(
        prod.error_message()
            .to_lowercase()
            .contains("introspection"),
        "{}",
        prod.body
    );

    let page = |url: &str| {
        let url = url.to_owned();
        async move {
            reqwest::Client::new()
                .get(url)
                .header("accept", "text/html")
                .send()
                .await
                .unwrap()
        }
    };
    let dev_page = page(stack.router_url(0)).await;
    assert_eq!(dev_page.status(), 200);
    assert!(
        dev_page
            .text()
            .await
            .unwrap()
            .to_lowercase()
            .contains("graphiql")
    );
    let prod_page = page(stack.router_url(production)).await;
    assert!(
        !prod_page
            .text()
            .await
            .unwrap()
            .to_lowercase()
            .contains("graphiql")
    );
}

#[tokio::test]
async fn an_oidc_jwt_from_the_configured_issuer_acts_as_a_provisioned_user() {
    // The issuer: an Ed25519 key published as a JWKS by a small HTTP server.
    let issuer_key = biscuit_auth::KeyPair::new();
    let x = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(issuer_key.public().to_bytes());
    let jwks = json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": "k1", "alg": "EdDSA", "use": "sig"}]});
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let jwks_url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    let app = axum::Router::new().route(
        "/jwks.json",
        axum::routing::get(move || async move { axum::Json(jwks) }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });

    let mut stack = spawn_stack().await;
    let config = mediamagic::router_process::DEV_CONFIG.replacen(
        "  mediamagic_auth:\n    enabled: true\n    config: {}",
        &format!("  mediamagic_auth:\n    enabled: true\n    config:\n      oidc:\n        issuer: \"https://issuer.test/\"\n        audience: \"mediamagic\"\n        jwks_url: \"{jwks_url}\""),
        1,
    );
    assert!(
        config.contains("jwks_url"),
        "the auth plugin's config was not replaced"
    );
    let router = stack.add_router_with(&config).await;

    let der = issuer_key.to_private_key_der().unwrap();
    let signing = jsonwebtoken::EncodingKey::from_ed_der(&der);
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.kid = Some("k1".into());
    let jwt = |aud: &str, exp: i64| {
        jsonwebtoken::encode(
            &header,
            &json!({"iss": "https://issuer.test/", "aud": aud, "sub": "auth0|42", "exp": exp,
                    "email": "Oidc.User@Example.com", "name": "Oidc User"}),
            &signing,
        )
        .unwrap()
    };
    let now = chrono::Utc::now().timestamp();
    let good = jwt("mediamagic", now + 600);

    let me = stack
        .gql_at(
            stack.router_url(router),
            Cred::Bearer(&good),
            &[],
            "{ me { id email name } }",
            json!({}),
        )
        .await;
    assert_eq!(me.data("/me/email"), "oidc.user@example.com");
    let first_id = me.data("/me/id").clone();
    let again = stack
        .gql_at(
            stack.router_url(router),
            Cred::Bearer(&good),
            &[],
            "{ me { id } }",
            json!({}),
        )
        .await;
    assert_eq!(
        again.data("/me/id"),
        &first_id,
        "the same user on every request"
    );

    for bad in [jwt("someone-else", now + 600), jwt("mediamagic", now - 600)] {
        let refused = stack
            .gql_at(
                stack.router_url(router),
                Cred::Bearer(&bad),
                &[],
                "{ me { id } }",
                json!({}),
            )
            .await;
        assert_eq!(refused.error_code(), "UNAUTHENTICATED");
    }
}

#[tokio::test]
async fn with_persisted_documents_only_the_manifest_s_operations_run() {
    // Arrange: a production router that accepts only the operations of a manifest (the
    // key-value file GraphQL Code Generator's `persistedDocuments` writes), as the chart's
    // `persistedDocuments.enabled` configures it.
    let mut stack = spawn_stack().await;
    let (token, _, _) = stack.sign_up("persisted").await;
    let me = "query Me { me { email } }";
    let id = "sha256:0f5c6f0bcbbca9a1f3c0f3f0e3a7a4d5b4e5f6a7b8c9d0e1f2a3b4c5d6e7f809";
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("persisted-documents.json");
    std::fs::write(&manifest, json!({ id: me }).to_string()).unwrap();
    let config = format!(
        "{PRODUCTION}\npersisted_documents:\n  enabled: true\n  require_id: true\n  \
         storage: {{ type: file, path: {}, watch: true }}\n",
        manifest.display()
    );
    let router = stack.add_router_with(&config).await;
    let url = stack.router_url(router).to_owned();
    let client = reqwest::Client::new();
    let post = async |body: serde_json::Value| -> serde_json::Value {
        client
            .post(&url)
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    };

    // Act: the manifest's operation by id, any other document, an unknown id.
    let known = post(json!({"documentId": id})).await;
    let free = post(json!({"query": "{ me { id email name } }"})).await;
    let unknown = post(json!({"documentId": "sha256:unknown"})).await;

    // Assert: only the first runs.
    assert!(known["data"]["me"]["email"].is_string(), "{known}");
    assert!(free["data"].is_null(), "{free}");
    assert_eq!(
        free["errors"][0]["extensions"]["code"],
        "PERSISTED_DOCUMENT_ID_REQUIRED"
    );
    assert!(unknown["data"].is_null(), "{unknown}");
    assert_eq!(
        unknown["errors"][0]["extensions"]["code"],
        "PERSISTED_DOCUMENT_NOT_FOUND"
    );
}

//! The offline playground in headless Chromium: the page loads with nothing from outside the
//! router (every request is to its origin, and its Content-Security-Policy allows nothing
//! else), GraphiQL introspects the schema, runs a query with the credential from its Headers
//! tab, streams a subscription over the WebSocket, and a screenshot is kept.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::{
    Cred,
    browser::{Browser, GRAPHIQL_RESPONSE, set_editor},
    jobs::upload,
    media::png,
    rest::base,
    spawn_stack,
};
use serde_json::{Value, json};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn the_playground_runs_introspection_a_query_and_a_subscription_offline() {
    let stack = spawn_stack().await;
    let (token, _, email) = stack.sign_up("browser").await;
    let origin = base(&stack);
    let browser = Browser::launch().await;
    let mut page = browser.page().await;
    for domain in [
        "Network.enable",
        "Page.enable",
        "Runtime.enable",
        "Log.enable",
    ] {
        page.call(domain, json!({})).await;
    }

    // A browser opening the GraphQL endpoint lands on the playground, where GraphiQL's
    // introspection fills the documentation explorer.
    let docs = page.open_graphiql(&format!("{origin}/graphql"), WAIT).await;
    assert!(
        docs.contains("Mutation") && docs.contains("Subscription"),
        "{docs}"
    );
    assert_eq!(page.eval("location.pathname").await, "/playground");

    // A query with the credential from the Headers tab.
    let headers = json!({"Authorization": format!("Bearer {token}")}).to_string();
    let answer = page
        .run_in_graphiql(&headers, "query Me { me { email } }", "email", WAIT)
        .await;
    let answer: Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(answer["data"]["me"]["email"], json!(email));

    // A subscription over the WebSocket: a job created elsewhere shows up in the page.
    page.wait_for(
        &set_editor(
            ".graphiql-query-editor",
            "subscription Jobs { myJobs { id status } }",
        ),
        "the query editor",
        WAIT,
    )
    .await;
    // GraphiQL reads the operation name from the editor a moment after a change.
    tokio::time::sleep(Duration::from_millis(500)).await;
    page.eval("document.querySelector('.graphiql-execute-button').click()")
        .await;
    // Give the socket a moment to subscribe, then make a job.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let image = upload(&stack, &token, &png(), "a.png", "image/png").await;
    let deployed = stack
        .gql(
            Cred::Bearer(&token),
            "mutation($a: JSON) { createDeployment(input: {model: \"image-resize\", args: $a}) { job { id } } }",
            json!({"a": {"image": image}}),
        )
        .await;
    let job_id = deployed
        .data("/createDeployment/job/id")
        .as_str()
        .unwrap()
        .to_owned();
    page.wait_for(
        &format!(
            "(() => {{ const v = {GRAPHIQL_RESPONSE}; return v.includes('{job_id}') ? v : ''; }})()"
        ),
        "the subscription event in the page",
        WAIT,
    )
    .await;

    // Offline: every request the page made went to the router itself.
    let requested: Vec<String> = page
        .events_named("Network.requestWillBeSent")
        .filter_map(|e| e["params"]["request"]["url"].as_str().map(str::to_owned))
        .collect();
    assert!(requested.len() >= 5, "{requested:?}");
    let ws_origin = origin.replacen("http://", "ws://", 1);
    for url in &requested {
        assert!(
            url.starts_with(&origin) || url.starts_with(&ws_origin) || url.starts_with("data:"),
            "the page reached outside the router: {url}"
        );
    }
    let blocked: Vec<&Value> = page
        .events_named("Log.entryAdded")
        .filter(|e| {
            e["params"]["entry"]["text"]
                .as_str()
                .is_some_and(|t| t.contains("Content Security Policy"))
        })
        .collect();
    assert!(blocked.is_empty(), "CSP violations: {blocked:?}");

    let png = page.screenshot().await;
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(
        png.len() > 20_000,
        "a blank screenshot is small: {} bytes",
        png.len()
    );
    let dir = std::env::var("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir())
        .join("e2e-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("playground.png"), &png).unwrap();
    eprintln!("screenshot: {}", dir.join("playground.png").display());
}

#[tokio::test]
async fn the_playground_serves_bundled_assets_and_is_off_in_production() {
    let mut stack = spawn_stack().await;
    let production = stack
        .add_router_with(include_str!("../../router/config/production.yaml"))
        .await;
    let origin = base(&stack);
    let client = reqwest::Client::new();

    let page = client
        .get(format!("{origin}/playground"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("default-src 'self'"), "{csp}");
    let html = page.text().await.unwrap();
    assert!(!html.contains("unpkg") && !html.contains("cdn"), "{html}");

    let asset = client
        .get(format!("{origin}/playground/assets/graphiql.min.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(asset.status(), 200);
    assert!(asset.text().await.unwrap().contains("createFetcher"));
    let missing = client
        .get(format!("{origin}/playground/assets/nope.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    let production_base = stack
        .router_url(production)
        .trim_end_matches("/graphql")
        .to_owned();
    // Production answers with the router's generic landing page, not the playground.
    let off = client
        .get(format!("{production_base}/playground"))
        .send()
        .await
        .unwrap();
    let text = off.text().await.unwrap();
    assert!(
        !text.contains("data-graphql") && !text.contains("graphiql.min.js"),
        "{text}"
    );
    let asset = client
        .get(format!(
            "{production_base}/playground/assets/graphiql.min.js"
        ))
        .send()
        .await
        .unwrap();
    assert!(!asset.text().await.unwrap().contains("createFetcher"));
}

//! The web console in real Chromium (Debian's, driven by playwright-core from npm) against a
//! real `mediamagic dev`: the whole journey from the console served on its own origin
//! (`console/tests/journey.mjs`: sign-up, drag-and-drop upload, a multipart upload broken by
//! a lost connection, the page reloaded and the upload resumed, a run form that refuses an
//! out-of-range value, a job followed live to SUCCEEDED, the output played and downloaded,
//! an API key, a model created and edited with its run form generated, media retagged, a team with a second user in another browser context, a revoked session sent
//! back to log-in, axe-core on every page), then again with the console served by the router
//! at `/console/` under its Content-Security-Policy. Also: the checked-in bundle and generated types are what the sources make.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::{
    dev::DevProcess,
    media::mp4,
    oidc_provider::{OidcProvider, ProviderUser},
};
use serde_json::Value;
use std::path::{Path, PathBuf};
use tokio::process::Command;

fn console_dir() -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../console"));
    assert!(
        dir.join("node_modules/playwright-core").exists(),
        "console/ has no node_modules: run scripts/install-deps.sh (npm ci there)"
    );
    dir
}

/// The built console (router/console/dist) on a port of its own: another origin.
async fn static_console() -> u16 {
    let dist = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../router/console/dist"
    ));
    let file = |name: &'static str, content_type: &'static str| {
        let path = dist.join(name);
        axum::routing::get(move || {
            let path = path.clone();
            async move {
                (
                    [(axum::http::header::CONTENT_TYPE, content_type)],
                    std::fs::read(path).unwrap(),
                )
            }
        })
    };
    let app = axum::Router::new()
        .route("/", file("index.html", "text/html; charset=utf-8"))
        .route(
            "/assets/console.js",
            file("assets/console.js", "text/javascript"),
        )
        .route(
            "/assets/console.css",
            file("assets/console.css", "text/css"),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    port
}

/// Runs the journey script; its JSON summary (panics with its log when it failed).
async fn journey(
    console_url: &str,
    api: &str,
    video: &Path,
    big: Option<&Path>,
    mode: &str,
) -> Value {
    let mut command = Command::new("node");
    if let Some(big) = big {
        command.env("BIG_VIDEO", big);
        // The full journey also runs face-detect (the vision runtime the test command
        // installs) on scikit-image's astronaut photograph.
        command.env(
            "IMAGE",
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/astronaut.jpg"),
        );
    }
    let output = command
        .arg("tests/journey.mjs")
        .current_dir(console_dir())
        .env("CONSOLE_URL", console_url)
        .env("API", api)
        .env("VIDEO", video)
        .env("MODE", mode)
        .env_remove("SCREENSHOTS")
        .output()
        .await
        .expect("node runs (scripts/install-deps.sh installs Node.js)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let summary: Value = stdout
        .lines()
        .last()
        .and_then(|line| serde_json::from_str(line).ok())
        .unwrap_or_else(|| panic!("no summary from the journey:\n{stdout}\n{stderr}"));
    assert!(
        output.status.success() && summary["failure"].is_null(),
        "the journey failed: {summary:#}\n{stderr}"
    );
    summary
}

fn assert_accessible(summary: &Value) {
    for (page, violations) in summary["accessibility"].as_object().unwrap() {
        assert_eq!(
            violations.as_array().unwrap().len(),
            0,
            "serious or critical axe-core violations on {page}: {violations}"
        );
    }
}

#[tokio::test]
async fn the_console_runs_the_whole_journey_from_its_own_origin_and_at_console() {
    let data = tempfile::tempdir().unwrap();
    let dev = DevProcess::start(data.path()).await;
    let api = dev.base();
    let video = data.path().join("clip.mp4");
    std::fs::write(&video, mp4()).unwrap();
    // Over 8 MiB (three 5 MiB parts): lossless 720p frames.
    let big = data.path().join("big.mp4");
    let made = Command::new("ffmpeg")
        .args([
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=1280x720:rate=30",
        ])
        .args([
            "-t",
            "7",
            "-c:v",
            "libx264",
            "-qp",
            "0",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ])
        .arg(&big)
        .status()
        .await
        .unwrap();
    assert!(made.success());
    let size = std::fs::metadata(&big).unwrap().len();
    assert!(
        (10_485_761..=15_728_640).contains(&size),
        "three 5 MiB parts: {size}"
    );

    // From its own origin (localhost is another origin than the router's 127.0.0.1).
    let port = static_console().await;
    let summary = journey(
        &format!("http://localhost:{port}/?api={api}"),
        &api,
        &video,
        Some(&big),
        "full",
    )
    .await;
    assert_eq!(
        summary["steps"].as_array().unwrap().len(),
        14,
        "{summary:#}"
    );
    assert_eq!(
        summary["partsSentBeforeBreak"], 2,
        "part 1 sent, part 2 broken"
    );
    assert_eq!(
        summary["partsSentOnResume"], 2,
        "only parts 2 and 3 after the reload"
    );
    assert_eq!(summary["accessibility"].as_object().unwrap().len(), 15);
    assert_eq!(
        summary["modelVersionsListed"], 2,
        "created, then edited: two versions"
    );
    assert_eq!(
        summary["taggedMediaListed"], 1,
        "the retagged media, alone under its tag"
    );
    assert_accessible(&summary);
    assert_eq!(summary["outOfRangeRefused"], true);
    assert_eq!(summary["jobStatus"], "SUCCEEDED");
    // The page never reloads; its final status came over the jobUpdated subscription (a
    // fast job may already be done when the page first asks, so the states seen on the way
    // vary from run to run).
    assert_eq!(summary["jobStatusFrom"], "subscription", "{summary:#}");
    assert!(summary["audioPlayers"].as_u64().unwrap() >= 1);
    assert_eq!(summary["download"]["status"], 200);
    assert!(summary["download"]["bytes"].as_u64().unwrap() > 1000);
    assert_eq!(
        summary["faceSummary"], "1 face found · proposes tags: face.",
        "{summary:#}"
    );
    assert!(summary["resultJson"]["faces"][0]["score"].as_f64().unwrap() > 0.8);
    assert_eq!(summary["teamJourney"], true);
    assert_eq!(summary["loggedOutElsewhere"], true);
    assert_eq!(summary["revokedSessionSentToLogIn"], true);
    assert_eq!(
        summary["teamTokenAfterLogOut"], "UNAUTHENTICATED",
        "{summary:#}"
    );

    // The key the console showed works with curl.
    let key = summary["apiKey"].as_str().unwrap();
    let curl = Command::new("curl")
        .args([
            "-sS",
            &format!("{api}/graphql"),
            "-H",
            "content-type: application/json",
        ])
        .args(["-H", &format!("x-mediamagic-key: {key}")])
        .args(["-d", r#"{"query": "{ me { email } }"}"#])
        .output()
        .await
        .unwrap();
    let me: Value = serde_json::from_slice(&curl.stdout).unwrap();
    assert_eq!(
        me["data"]["me"]["email"],
        summary["aliceEmail"].as_str().unwrap().to_lowercase()
    );

    // The router serves the same console at /console/ (no Node at run time).
    // Every page again, under the router's own Content-Security-Policy.
    let same_origin = journey(&format!("{api}/console/"), &api, &video, None, "full").await;
    assert_eq!(
        same_origin["steps"].as_array().unwrap().len(),
        12,
        "{same_origin:#}"
    );
    assert_eq!(same_origin["teamTokenAfterLogOut"], "UNAUTHENTICATED");
    assert_accessible(&same_origin);
    assert_eq!(same_origin["jobStatus"], "SUCCEEDED");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let bare = client.get(format!("{api}/console")).send().await.unwrap();
    assert_eq!(bare.status(), 301);
    assert_eq!(bare.headers()["location"], "/console/");
    let script = client
        .get(format!("{api}/console/assets/console.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), 200);
    assert!(
        script.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    let page = client.get(format!("{api}/console/")).send().await.unwrap();
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    assert_eq!(
        client
            .get(format!("{api}/console/assets/nope.js"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    dev.stop().await;
}

#[tokio::test]
async fn single_sign_on_brings_the_person_back_to_the_console_signed_in() {
    let provider = OidcProvider::start(
        "mediamagic-console",
        None,
        ProviderUser {
            subject: "sso-ada".into(),
            email: "ada.sso@example.com".into(),
            name: "Ada SSO".into(),
        },
    )
    .await;
    let port = static_console().await;
    let console = format!("http://localhost:{port}/");
    // The operator's settings: the provider, and the console as an allowed app callback.
    let login = provider.login_config("http://127.0.0.1:9/api/v1/auth/callback");
    let data = tempfile::tempdir().unwrap();
    let settings = data.path().join("sso.toml");
    std::fs::write(
        &settings,
        format!(
            "[accounts.oidc_login]\nissuer = {:?}\nauthorization_endpoint = {:?}\n\
             token_endpoint = {:?}\njwks_url = {:?}\nclient_id = {:?}\nredirect_uri = {:?}\n\
             app_redirect_uris = [{console:?}]\n",
            login.issuer,
            login.authorization_endpoint,
            login.token_endpoint,
            login.jwks_url,
            login.client_id,
            login.redirect_uri,
        ),
    )
    .unwrap();
    let dev = DevProcess::start_with(
        data.path(),
        &[("MEDIAMAGIC_CONFIG", settings.to_str().unwrap())],
    )
    .await;
    let api = dev.base();

    // The attack: a sign-in asked to send its code anywhere but an allowed callback.
    let forged: Value = reqwest::Client::new()
        .post(format!("{api}/graphql"))
        .json(&serde_json::json!({"query": "mutation { startOidcLogin(redirectUri: \"https://evil.test/\") { authorizationUrl } }"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        forged["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{forged}"
    );
    assert_eq!(
        forged["errors"][0]["extensions"]["field"], "redirectUri",
        "{forged}"
    );

    let summary = journey(
        &format!("{console}?api={api}"),
        &api,
        &data.path().join("unused.mp4"),
        None,
        "oidc",
    )
    .await;
    assert_eq!(summary["signedInAs"], "Ada SSO", "{summary:#}");
    assert_eq!(summary["landedOn"], format!("http://localhost:{port}"));
    assert_accessible(&summary);
    assert!(provider.refusals().is_empty(), "{:?}", provider.refusals());
    dev.stop().await;
}

/// Runs `npx <args>` in console/ with `env`; panics with the output on failure.
fn npx(args: &[&str], env: (&str, &Path)) {
    let output = std::process::Command::new("npx")
        .args(args)
        .env(env.0, env.1)
        .current_dir(console_dir())
        .output()
        .expect("npx runs");
    assert!(
        output.status.success(),
        "npx {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Every file under `dir`, by relative path.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                found.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    found.sort();
    found
}

#[test]
fn the_checked_in_console_bundle_and_types_are_what_the_sources_make() {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let built = tempfile::tempdir().unwrap();
    npx(
        &["vite", "build", "--logLevel", "error"],
        ("CONSOLE_OUT_DIR", built.path()),
    );
    let generated = tempfile::tempdir().unwrap();
    let out = format!("{}/", generated.path().display());
    npx(
        &["graphql-codegen", "--config", "codegen.ts", "--silent"],
        ("CONSOLE_GQL_OUT", Path::new(&out)),
    );
    for (fresh, checked_in, fix) in [
        (
            built.path(),
            root.join("router/console/dist"),
            "cd console && npm run build",
        ),
        (
            generated.path(),
            root.join("console/src/gql"),
            "cd console && npm run codegen",
        ),
    ] {
        let fresh = files(fresh);
        let names: Vec<&String> = fresh.iter().map(|(n, _)| n).collect();
        let kept = files(&checked_in);
        let kept_names: Vec<&String> = kept.iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            kept_names,
            "{} is stale: run `{fix}`",
            checked_in.display()
        );
        for ((name, a), (_, b)) in fresh.iter().zip(&kept) {
            assert!(
                a == b,
                "{}/{name} is stale: run `{fix}`",
                checked_in.display()
            );
        }
    }
}

#[test]
fn the_console_typechecks_against_the_public_schema() {
    let output = std::process::Command::new("npx")
        .args(["tsc", "--noEmit"])
        .current_dir(console_dir())
        .output()
        .expect("npx runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

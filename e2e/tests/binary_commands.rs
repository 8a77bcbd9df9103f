//! The `mediamagic` commands operators run: migrate, serve, sdl, tokens, doctor, --help and
//! --version.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic::secrets::Keys;
use mediamagic_e2e::workspace_binary;
use mediamagic_kit::{local_services::free_port, testing};
use std::time::Duration;
use tokio::process::Command;

/// The environment giving `serve` every key but the webhook secrets key.
fn token_keys(keys: &Keys) -> [(&'static str, &str); 5] {
    [
        ("MEDIAMAGIC__AUTH__ROOT_PRIVATE_KEY", &keys.root_private_key),
        ("MEDIAMAGIC__AUTH__ROOT_PUBLIC_KEY", &keys.root_public_key),
        (
            "MEDIAMAGIC__AUTH__INTERNAL_PRIVATE_KEY",
            &keys.internal_private_key,
        ),
        (
            "MEDIAMAGIC__AUTH__INTERNAL_PUBLIC_KEY",
            &keys.internal_public_key,
        ),
        ("MEDIAMAGIC__AUTH__INTERNAL_SECRET", &keys.internal_secret),
    ]
}

#[tokio::test]
async fn migrate_applies_every_migration_to_an_empty_database_once() {
    let url = testing::empty_database().await;
    let first = Command::new(workspace_binary("mediamagic"))
        .arg("migrate")
        .env("DATABASE_URL", &url)
        .output()
        .await
        .unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().join("up.sql").exists())
        .count();
    assert!(
        String::from_utf8_lossy(&first.stdout).contains(&format!("applied {migrations} migration")),
        "{}",
        String::from_utf8_lossy(&first.stdout)
    );
    let second = Command::new(workspace_binary("mediamagic"))
        .arg("migrate")
        .env("DATABASE_URL", &url)
        .output()
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&second.stdout).contains("applied 0 migration"));
}

#[tokio::test]
async fn serve_runs_one_service_until_sigterm() {
    let keys = Keys::generate();
    let port = free_port().unwrap();
    let mut child = Command::new(workspace_binary("mediamagic"))
        .args(["serve", "accounts"])
        .env("DATABASE_URL", testing::test_database().await)
        .env("REDIS_URL", testing::redis_url())
        .env("MEDIAMAGIC__LISTEN__ACCOUNTS_PORT", port.to_string())
        .envs(token_keys(&keys))
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let ready_url = format!("http://127.0.0.1:{port}/readyz");
    let mut ready = false;
    for _ in 0..100 {
        if let Ok(response) = reqwest::get(&ready_url).await {
            ready = response.status() == 200;
            if ready {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "accounts became ready");
    Command::new("kill")
        .args(["-TERM", &child.id().unwrap().to_string()])
        .status()
        .await
        .unwrap();
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status}");
}

#[tokio::test]
async fn serve_compat_needs_only_the_routers_url() {
    let port = free_port().unwrap();
    let mut child = Command::new(workspace_binary("mediamagic"))
        .args(["serve", "compat"])
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env("MEDIAMAGIC__LISTEN__COMPAT_PORT", port.to_string())
        .env(
            "MEDIAMAGIC__COMPAT__GRAPHQL_URL",
            "http://127.0.0.1:9/graphql",
        )
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut health = None;
    for _ in 0..100 {
        if let Ok(response) = reqwest::get(format!("http://127.0.0.1:{port}/")).await {
            health = Some(response.text().await.unwrap());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        health
            .unwrap_or_default()
            .contains("Music Separation Server")
    );
    // With the router unreachable, a REST call is a clear 502, not a hang or a crash.
    let answer = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/api/v1/media"))
        .bearer_auth("token")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 502);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        "the platform is unavailable; try again"
    );
    Command::new("kill")
        .args(["-TERM", &child.id().unwrap().to_string()])
        .status()
        .await
        .unwrap();
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status}");
}

#[tokio::test]
async fn serve_without_keys_explains_what_is_missing() {
    let output = Command::new(workspace_binary("mediamagic"))
        .args(["serve", "accounts"])
        .env("DATABASE_URL", "postgres://unused@127.0.0.1:1/x")
        .env("REDIS_URL", "redis://127.0.0.1:1")
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("`accounts` needs auth.root_private_key")
    );
}

#[tokio::test]
async fn sdl_prints_the_subgraph_and_rejects_unknown_names() {
    let known = Command::new(workspace_binary("mediamagic"))
        .args(["sdl", "accounts"])
        .output()
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&known.stdout).contains("type User @key(fields: \"id\")"));
    let unknown = Command::new(workspace_binary("mediamagic"))
        .args(["sdl", "nope"])
        .output()
        .await
        .unwrap();
    assert!(!unknown.status.success());
    let refused = String::from_utf8_lossy(&unknown.stderr);
    assert!(refused.contains("invalid value 'nope'"), "{refused}");
    assert!(
        refused.contains("[possible values: accounts, models, media, jobs, worker, billing]"),
        "{refused}"
    );
}

#[tokio::test]
async fn help_lists_every_role_and_version_prints_the_version() {
    let help = Command::new(workspace_binary("mediamagic"))
        .args(["serve", "--help"])
        .output()
        .await
        .unwrap();
    let version = Command::new(workspace_binary("mediamagic"))
        .arg("--version")
        .output()
        .await
        .unwrap();

    let help = String::from_utf8_lossy(&help.stdout);
    for role in [
        "accounts", "models", "media", "jobs", "worker", "billing", "compat",
    ] {
        assert!(
            help.contains(&format!("- {role}:")),
            "{role} missing:\n{help}"
        );
    }
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("mediamagic {}", env!("CARGO_PKG_VERSION"))
    );
}

/// `mediamagic [--config <config>] doctor` for dev with its data in `data`: success, report.
async fn doctor(data: &std::path::Path, config: Option<&std::path::Path>) -> (bool, String) {
    let mut command = Command::new(workspace_binary("mediamagic"));
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    let output = command
        .arg("doctor")
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env("MEDIAMAGIC__DEV__DATA_DIR", data)
        .output()
        .await
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[tokio::test]
async fn doctor_finds_what_dev_needs_on_this_machine() {
    let data = tempfile::tempdir().unwrap();

    let (ok, report) = doctor(data.path(), None).await;

    assert!(ok, "{report}");
    for subject in [
        "postgres", "redis", "ffmpeg", "ffprobe", "sandbox", "storage", "keys",
    ] {
        assert!(
            report
                .lines()
                .any(|l| l.starts_with("ok") && l.contains(subject)),
            "{subject}:\n{report}"
        );
    }
    assert!(
        report.contains("a run works"),
        "the sandbox probe ran:\n{report}"
    );
    // The vision runtime is installed (the test command does it); dev has no gpu slots.
    let catalogue = report
        .lines()
        .find(|l| l.contains("catalogue"))
        .unwrap_or_else(|| panic!("no catalogue line:\n{report}"));
    assert!(
        catalogue.contains("face-detect, background-remove"),
        "{catalogue}"
    );
    assert!(
        catalogue.contains("not demucs (no `gpu` slots"),
        "{catalogue}"
    );
    assert!(report.contains("ready for mediamagic dev"));

    // Without the runtime's directory, doctor names the command that installs it.
    let config = data.path().join("no-runtimes.toml");
    std::fs::write(&config, "[worker]\nprogram_dirs = []\n").unwrap();
    let (_, report) = doctor(data.path(), Some(&config)).await;
    assert!(
        report.contains("face-detect (needs `vision`: scripts/install-runtime.sh vision)"),
        "{report}"
    );
}

#[tokio::test]
async fn doctor_for_a_role_says_what_is_missing_and_passes_once_it_is_there() {
    let keys = Keys::generate();
    let unreachable = Command::new(workspace_binary("mediamagic"))
        .args(["doctor", "--role", "accounts"])
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/x")
        .env_remove("REDIS_URL")
        .output()
        .await
        .unwrap();
    let unmigrated = Command::new(workspace_binary("mediamagic"))
        .args(["doctor", "--role", "accounts"])
        .env("DATABASE_URL", testing::empty_database().await)
        .env("REDIS_URL", testing::redis_url())
        .envs(token_keys(&keys))
        .output()
        .await
        .unwrap();
    let ready = Command::new(workspace_binary("mediamagic"))
        .args(["doctor", "--role", "accounts"])
        .env("DATABASE_URL", testing::test_database().await)
        .env("REDIS_URL", testing::redis_url())
        .envs(token_keys(&keys))
        .output()
        .await
        .unwrap();

    let report = |o: &std::process::Output| String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(!unreachable.status.success());
    let first = report(&unreachable);
    assert!(
        first.contains("FAIL  postgres  as mediamagic_accounts: cannot connect"),
        "{first}"
    );
    assert!(
        first.contains("FAIL  keys      `accounts` needs auth.root_private_key"),
        "{first}"
    );
    assert!(first.contains("warn  redis"), "{first}");
    assert!(!unmigrated.status.success());
    assert!(
        report(&unmigrated).contains("run `mediamagic migrate`"),
        "{}",
        report(&unmigrated)
    );
    assert!(ready.status.success(), "{}", report(&ready));
    assert!(report(&ready).contains("ready for serve accounts"));
}

#[tokio::test]
async fn serve_jobs_refuses_to_start_without_the_webhook_secrets_key() {
    let keys = Keys::generate();
    let output = Command::new(workspace_binary("mediamagic"))
        .args(["serve", "jobs"])
        .env("DATABASE_URL", testing::test_database().await)
        .env("REDIS_URL", testing::redis_url())
        .env(
            "MEDIAMAGIC__LISTEN__JOBS_PORT",
            free_port().unwrap().to_string(),
        )
        .envs(token_keys(&keys))
        .kill_on_drop(true)
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`jobs` needs auth.webhook_secrets_key"),
        "{stderr}"
    );
}

#[tokio::test]
async fn keygen_prints_a_usable_key_pair() {
    let output = Command::new(workspace_binary("mediamagic"))
        .args(["tokens", "keygen"])
        .output()
        .await
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} = \"")))
            .and_then(|v| v.strip_suffix('"'))
            .unwrap()
            .to_owned()
    };
    mediamagic_jobs::domain::secret_box::SecretBox::from_hex(&field("secret"))
        .expect("the secret is a usable auth.webhook_secrets_key");
    let issuer = mediamagic_kit::tokens::TokenIssuer::from_hex(&field("private_key")).unwrap();
    let verifier = mediamagic_kit::tokens::TokenVerifier::from_hex(&field("public_key")).unwrap();
    let token = issuer
        .mint(&mediamagic_kit::tokens::Claims {
            user_id: None,
            account_id: uuid::Uuid::new_v4(),
            account_kind: mediamagic_kit::AccountKind::Team,
            scopes: vec![mediamagic_kit::Scope::Read],
            expires_at: chrono::Utc::now() + chrono::Duration::minutes(1),
            session: None,
            api_key: None,
        })
        .unwrap();
    assert!(verifier.verify(&token.token).is_ok());
}

#[tokio::test]
async fn agents_issues_a_token_once_lists_agents_without_it_and_revokes_them() {
    let url = testing::test_database().await;
    let agents = |args: &[&str]| {
        let mut command = Command::new(workspace_binary("mediamagic"));
        command.arg("agents").args(args).env("DATABASE_URL", &url);
        async move {
            let out = command.output().await.unwrap();
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            (out.status.success(), text)
        }
    };
    let (ok, created) = agents(&["create", "--name", "rack-7", "--machine-types", "gpu,cpu"]).await;
    assert!(ok, "{created}");
    let token = created
        .lines()
        .find(|l| l.starts_with("mmagent_"))
        .unwrap_or_else(|| panic!("no token printed:\n{created}"))
        .to_owned();
    assert!(created.contains("may run cpu, gpu"), "{created}");

    let (ok, listed) = agents(&["list"]).await;
    assert!(ok, "{listed}");
    let line: serde_json::Value = serde_json::from_str(listed.lines().next().unwrap()).unwrap();
    assert_eq!(line["name"], "rack-7");
    assert!(line["revoked_at"].is_null());
    assert!(!listed.contains(&token), "the token is never shown again");

    let (ok, twice) = agents(&["create", "--name", "rack-7", "--machine-types", "gpu"]).await;
    assert!(!ok && twice.contains("already named `rack-7`"), "{twice}");
    let (ok, bad) = agents(&["create", "--name", "rack 7", "--machine-types", "gpu"]).await;
    assert!(!ok && bad.contains("not an agent name"), "{bad}");

    let (ok, revoked) = agents(&["revoke", "rack-7"]).await;
    assert!(ok && revoked.contains("revoked"), "{revoked}");
    let (ok, again) = agents(&["revoke", "rack-7"]).await;
    assert!(
        !ok && again.contains("no live agent is named `rack-7`"),
        "{again}"
    );

    // A token for a deployment's provided agent: printed, nothing stored.
    let (ok, made) = agents(&["token"]).await;
    let token = made.trim();
    assert!(ok, "{made}");
    assert!(
        mediamagic_worker::domain::agent_token::AgentToken::parse(token).is_some(),
        "{made}"
    );
    let (_, listed) = agents(&["list"]).await;
    assert_eq!(listed.lines().count(), 1, "still only rack-7: {listed}");
}

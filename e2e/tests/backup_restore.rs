//! The restore drill (#38): `mediamagic dev` with backups on (pgBackRest, WAL archived into
//! an encrypted repository) runs a workload, takes a backup, runs more, a time T is noted,
//! more runs, the database is destroyed, and `mediamagic restore --to T` brings it back.
//! The stack then starts on the restored data: everything made before T is there and works
//! (old passwords, an old API key, an old output's bytes, the job history and usage), nothing
//! made after T is, and `mediamagic storage check` names the objects made after T as
//! orphans. Every process is the real binary; the repository is a directory, a SeaweedFS
//! bucket over HTTPS (S3), and a fake-gcs-server bucket over HTTPS (GCS).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::{
    dev::DevProcess,
    public_api::{gql, log_in, post, resize, sign_up, upload},
    workspace_binary,
};
use serde_json::{Value, json};
use std::{
    collections::BTreeSet,
    path::Path,
    process::Output,
    time::{Duration, Instant},
};

/// `mediamagic <args>` beside the dev stack on `data_dir`, as an operator runs it.
fn cli(data_dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    std::process::Command::new(workspace_binary("mediamagic"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env("RUST_BACKTRACE", "0")
        .env("MEDIAMAGIC__DEV__DATA_DIR", data_dir)
        .envs(env.iter().copied())
        .output()
        .expect("mediamagic runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

async fn output_bytes(base: &str, token: &str, job: &str) -> Vec<u8> {
    let data = gql(
        base,
        token,
        "query($j: ID!) { job(id: $j) { outputs { url } } }",
        json!({"j": job}),
    )
    .await;
    let url = data["job"]["outputs"][0]["url"].as_str().unwrap();
    let response = reqwest::get(url).await.unwrap();
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    response.bytes().await.unwrap().to_vec()
}

async fn history(base: &str, token: &str) -> (BTreeSet<String>, Value) {
    let jobs = gql(
        base,
        token,
        "{ jobs(first: 50) { nodes { id status } } }",
        json!({}),
    )
    .await;
    let ids = jobs["jobs"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap().to_owned())
        .collect();
    let usage = gql(
        base,
        token,
        "{ usage { byModel { name machineSeconds attempts amount { amount } } subtotal { amount } } invoices { totalCount } }",
        json!({}),
    )
    .await;
    (ids, usage)
}

async fn wait_for_first_full_backup(data: &Path, env: &[(&str, &str)]) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let listed = cli(data, env, &["backup", "list"]);
        let out = text(&listed);
        if listed.status.success() && out.contains(" full ") {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the schedule took no full backup: {out}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn drill(env: &[(&str, &str)]) {
    let data_dir = tempfile::tempdir().unwrap();
    let data = data_dir.path();
    let dev = DevProcess::start_with(data, env).await;
    let base = dev.base();
    // The schedule takes the first full backup as soon as the stack is up.
    wait_for_first_full_backup(data, env).await;

    // Before the backup: an account with an API key, an upload and a finished job.
    let (alice, alice_email) = sign_up(&base, "alice").await;
    let key = gql(
        &base,
        &alice,
        "mutation { createApiKey(input: {name: \"drill\"}) { secret } }",
        json!({}),
    )
    .await["createApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let first_media = upload(&base, &alice, "first.png").await;
    let (first_job, _) = resize(&base, &alice, &first_media).await;
    let first_output = output_bytes(&base, &alice, &first_job).await;

    let taken = cli(data, env, &["backup"]);
    assert!(taken.status.success(), "{}", text(&taken));
    assert!(
        text(&taken).contains("(incr)"),
        "a full one is fresh: {}",
        text(&taken)
    );

    // After the backup, before T.
    let (_, bob_email) = sign_up(&base, "bob").await;
    let second_media = upload(&base, &alice, "second.png").await;
    resize(&base, &alice, &second_media).await;
    let before = history(&base, &alice).await;
    assert_eq!(before.0.len(), 2);

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let t = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    tokio::time::sleep(Duration::from_millis(1100)).await;

    // After T: none of this may come back.
    let (_, carol_email) = sign_up(&base, "carol").await;
    let late_media = upload(&base, &alice, "late.png").await;
    let (late_job, late_outputs) = resize(&base, &alice, &late_media).await;
    let checked = cli(data, env, &["backup", "check"]);
    assert!(checked.status.success(), "{}", text(&checked));

    let ports = dev.ports();
    // A restore refuses to run under a live database.
    let live = cli(data, env, &["restore", "--to", &t]);
    assert!(!live.status.success());
    assert!(
        text(&live).contains("stop mediamagic dev"),
        "{}",
        text(&live)
    );
    dev.stop().await;

    // Bad input changes nothing: a time outside the window, and the wrong passphrase.
    let pg_version = std::fs::read(data.join("postgres/PG_VERSION")).unwrap();
    let early = cli(data, env, &["restore", "--to", "2020-01-01T00:00:00Z"]);
    assert!(!early.status.success());
    assert!(
        text(&early).contains("outside the recovery window"),
        "{}",
        text(&early)
    );
    let mut wrong = env.to_vec();
    wrong.push(("MEDIAMAGIC__BACKUP__CIPHER_PASS", "not the passphrase"));
    let locked = cli(data, &wrong, &["restore", "--to", &t]);
    assert!(!locked.status.success());
    assert!(
        text(&locked).contains("could not be decrypted"),
        "{}",
        text(&locked)
    );
    assert_eq!(
        std::fs::read(data.join("postgres/PG_VERSION")).unwrap(),
        pg_version
    );
    assert!(!data.join("postgres.restoring").exists());

    // The database's volume is lost.
    std::fs::remove_dir_all(data.join("postgres")).unwrap();
    let restored = cli(data, env, &["restore", "--to", &t]);
    assert!(restored.status.success(), "{}", text(&restored));

    let dev = DevProcess::restart_with(data, ports, env).await;
    let base = dev.base();
    // Made before T: there and usable.
    let alice = log_in(&base, &alice_email).await["data"]["logIn"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("alice logs in with her old password"))
        .to_owned();
    assert!(log_in(&base, &bob_email).await["data"]["logIn"]["token"].is_string());
    let by_key = post(
        &base,
        Some(("x-mediamagic-key", &key)),
        "{ jobs(first: 5) { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(by_key["data"]["jobs"]["totalCount"], 2, "{by_key}");
    assert_eq!(output_bytes(&base, &alice, &first_job).await, first_output);
    assert_eq!(history(&base, &alice).await, before);
    // Made after T: gone.
    let carol = log_in(&base, &carol_email).await;
    assert_eq!(
        carol["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{carol}"
    );
    for (query, id) in [
        ("query($i: ID!) { job(id: $i) { id } }", &late_job),
        ("query($i: ID!) { media(id: $i) { id } }", &late_media),
    ] {
        let gone = post(
            &base,
            Some(("authorization", &format!("Bearer {alice}"))),
            query,
            json!({"i": id}),
        )
        .await;
        assert_eq!(
            gone["errors"][0]["extensions"]["code"], "NOT_FOUND",
            "{gone}"
        );
    }

    // Objects made after T have no rows any more: the storage check names them.
    let check = cli(data, env, &["storage", "check"]);
    assert!(!check.status.success(), "{}", text(&check));
    let orphaned: BTreeSet<String> = String::from_utf8_lossy(&check.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|l| l["orphan"]["key"].as_str().map(str::to_owned))
        .collect();
    let late: Vec<&String> = std::iter::once(&late_media).chain(&late_outputs).collect();
    assert!(
        orphaned.iter().any(|k| k.contains(late_media.as_str())),
        "the late upload is an orphan: {orphaned:?}"
    );
    for key in &orphaned {
        assert!(
            late.iter().any(|id| key.contains(id.as_str())),
            "only objects made after T: {key} in {orphaned:?}"
        );
    }
    assert!(
        text(&check).contains(": 0 live media without their object"),
        "{}",
        text(&check)
    );
    dev.stop().await;
}

#[tokio::test]
async fn a_restore_to_a_time_brings_back_what_was_made_before_it_and_nothing_after() {
    drill(&[
        ("MEDIAMAGIC__BACKUP__ENABLED", "true"),
        ("MEDIAMAGIC__BACKUP__CIPHER_PASS", "the drill's passphrase"),
    ])
    .await;
}

#[tokio::test]
async fn a_restore_from_an_s3_repository_beside_the_media_brings_back_the_same() {
    // SeaweedFS holds the media (plain HTTP) and, in the same bucket under /pgbackrest, the
    // repository (HTTPS with a self-signed certificate, as pgBackRest speaks only HTTPS).
    let store = mediamagic_e2e::seaweed::Seaweed::start_with_https().await;
    let https = store.https_endpoint.clone().unwrap();
    let config_dir = tempfile::tempdir().unwrap();
    let config = |bucket: &str| {
        format!(
            r#"[media]
storage = {{ kind = "s3", endpoint = "{http}", bucket = "media", access_key_id = "mediamagic", secret_access_key = "secret", allow_http = true }}
[backup]
enabled = true
cipher_pass = "the drill's passphrase"
repository = {{ kind = "s3", endpoint = "{https}", bucket = "{bucket}", access_key_id = "mediamagic", secret_access_key = "secret", verify_tls = false }}
"#,
            http = store.endpoint
        )
    };
    let good = config_dir.path().join("s3.toml");
    std::fs::write(&good, config("media")).unwrap();
    let good = good.to_string_lossy().into_owned();
    drill(&[("MEDIAMAGIC_CONFIG", &good)]).await;

    // A bucket that does not exist: a clear error, and the data directory is untouched.
    let missing = config_dir.path().join("missing.toml");
    std::fs::write(&missing, config("no-such-bucket")).unwrap();
    let data = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(data.path().join("postgres")).unwrap();
    std::fs::write(data.path().join("postgres/PG_VERSION"), "15\n").unwrap();
    let refused = cli(
        data.path(),
        &[("MEDIAMAGIC_CONFIG", &missing.to_string_lossy())],
        &["restore"],
    );
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("does it exist"),
        "{}",
        text(&refused)
    );
    assert_eq!(
        std::fs::read_to_string(data.path().join("postgres/PG_VERSION")).unwrap(),
        "15\n"
    );
    assert!(!data.path().join("postgres.restoring").exists());
}

#[tokio::test]
async fn a_restore_from_a_gcs_repository_brings_back_the_same() {
    // fake-gcs-server over HTTPS (self-signed) holds the repository; it takes any OAuth
    // token, so the repository is given one (pgBackRest's `token` key type) instead of a
    // service account's key, whose token exchange needs Google's OAuth server.
    let gcs = mediamagic_e2e::fake_gcs::FakeGcs::start_with_https().await;
    let endpoint = gcs.endpoint.trim_start_matches("https://").to_owned();
    let config_dir = tempfile::tempdir().unwrap();
    let config = config_dir.path().join("gcs.toml");
    std::fs::write(
        &config,
        format!(
            r#"[backup]
enabled = true
cipher_pass = "the drill's passphrase"
repository = {{ kind = "gcs", bucket = "media", endpoint = "{endpoint}", token = "emulator", verify_tls = false }}
"#
        ),
    )
    .unwrap();
    drill(&[("MEDIAMAGIC_CONFIG", &config.to_string_lossy())]).await;
}

#[tokio::test]
async fn a_fresh_database_beside_an_old_repository_is_refused_until_restored_or_moved() {
    let env = [
        ("MEDIAMAGIC__BACKUP__ENABLED", "true"),
        ("MEDIAMAGIC__BACKUP__CIPHER_PASS", "the drill's passphrase"),
    ];
    let data_dir = tempfile::tempdir().unwrap();
    let data = data_dir.path();
    let dev = DevProcess::start_with(data, &env).await;
    wait_for_first_full_backup(data, &env).await;
    dev.stop().await;

    // The database is lost and dev is started again without a restore: archiving into the
    // old cluster's repository would mix two clusters, so dev says what to do instead.
    std::fs::remove_dir_all(data.join("postgres")).unwrap();
    let refused = tokio::time::timeout(Duration::from_secs(120), async {
        tokio::process::Command::new(workspace_binary("mediamagic"))
            .arg("dev")
            .env_remove("DATABASE_URL")
            .env_remove("REDIS_URL")
            .env("RUST_BACKTRACE", "0")
            .env("MEDIAMAGIC__DEV__DATA_DIR", data)
            .env("MEDIAMAGIC__LISTEN__ROUTER_PORT", "0")
            .envs(env)
            .output()
            .await
            .unwrap()
    })
    .await
    .expect("dev gives up instead of serving");
    assert!(!refused.status.success());
    let said = text(&refused);
    assert!(said.contains("another cluster's backups"), "{said}");
    assert!(said.contains("mediamagic restore"), "{said}");

    // Restoring brings the old cluster back (the empty one dev made is kept aside), and dev
    // starts on it.
    let restored = cli(data, &env, &["restore"]);
    assert!(restored.status.success(), "{}", text(&restored));
    let kept = std::fs::read_dir(data)
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("postgres.replaced-")
        })
        .count();
    assert_eq!(kept, 1);
    DevProcess::start_with(data, &env).await.stop().await;
}

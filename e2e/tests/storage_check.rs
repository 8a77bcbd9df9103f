//! `mediamagic storage check` (#38): after the database is restored to an earlier time, media
//! rows and stored objects disagree. The check finds live media whose object is gone and
//! objects no media names; `--repair` marks the former failed with a reason and removes the
//! latter once they are older than the minimum age. Runs against the real stack's storage
//! (local files) as the media service's database role.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::{Cred, TestStack, jobs, media, spawn_stack};
use mediamagic_kit::config::Secret;
use serde_json::json;

async fn media_status(stack: &TestStack, token: &str, id: &str) -> (String, Option<String>) {
    let answer = stack
        .gql(
            Cred::Bearer(token),
            "query($id: ID!) { media(id: $id) { status failure } }",
            json!({"id": id}),
        )
        .await;
    (
        answer.data("/media/status").as_str().unwrap().to_owned(),
        answer
            .body
            .pointer("/data/media/failure")
            .and_then(|f| f.as_str())
            .map(str::to_owned),
    )
}

#[tokio::test]
async fn a_check_finds_media_without_objects_and_objects_without_media_and_repair_fixes_both() {
    let stack = spawn_stack().await;
    let (token, user, _) = stack.sign_up("keeper").await;
    let kept = jobs::upload(&stack, &token, &media::png(), "kept.png", "image/png").await;
    let lost = jobs::upload(&stack, &token, &media::png(), "lost.png", "image/png").await;
    assert_eq!(media_status(&stack, &token, &lost).await.0, "LIVE");

    // What a restore leaves: an object of a row that exists is gone, and an object written
    // after the restore point has no row.
    let root = stack.objects.path();
    std::fs::remove_file(root.join(format!("media/{user}/{lost}"))).unwrap();
    let stray = format!("media/{}/{}", uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    std::fs::create_dir_all(root.join(&stray).parent().unwrap()).unwrap();
    std::fs::write(root.join(&stray), b"made after the restore point").unwrap();
    std::fs::create_dir_all(root.join("media/not-ours")).unwrap();
    std::fs::write(root.join("media/not-ours/x"), b"?").unwrap();

    let mut config = stack.config.clone();
    config.database.url = Some(Secret::new(stack.infra.database_url.clone()));

    let report = mediamagic::storage_cli::check(&config, false, 24)
        .await
        .unwrap();
    let missing: Vec<String> = report
        .missing
        .iter()
        .map(|m| m.media_id.to_string())
        .collect();
    assert_eq!(missing, vec![lost.clone()], "{report:#?}");
    let orphans: Vec<&str> = report.orphans.iter().map(|o| o.key.as_str()).collect();
    let mut expected = vec!["media/not-ours/x", stray.as_str()];
    expected.sort();
    assert_eq!(orphans, expected, "{report:#?}");
    assert!(report.rows >= 2 && report.objects >= 3, "{report:#?}");
    assert!(!report.clean());
    // A report changes nothing.
    assert_eq!(media_status(&stack, &token, &lost).await.0, "LIVE");
    assert!(root.join(&stray).exists());

    // Orphans younger than the minimum age are kept: they may be uploads in flight.
    let careful = mediamagic::storage_cli::check(&config, true, 24)
        .await
        .unwrap();
    assert_eq!(careful.marked_failed, 1);
    assert_eq!(careful.removed_orphans, 0);
    assert!(root.join(&stray).exists());
    let (status, failure) = media_status(&stack, &token, &lost).await;
    assert_eq!(status, "FAILED");
    assert!(
        failure
            .as_deref()
            .unwrap_or("")
            .contains("stored object is missing"),
        "{failure:?}"
    );

    let repaired = mediamagic::storage_cli::check(&config, true, 0)
        .await
        .unwrap();
    assert!(repaired.missing.is_empty(), "{repaired:#?}");
    assert_eq!(repaired.removed_orphans, 2);
    assert!(!root.join(&stray).exists());
    assert!(repaired.clean());

    // What was never lost is untouched: still live, still downloadable.
    assert_eq!(media_status(&stack, &token, &kept).await.0, "LIVE");
    assert!(root.join(format!("media/{user}/{kept}")).exists());
    let again = mediamagic::storage_cli::check(&config, false, 24)
        .await
        .unwrap();
    assert!(
        again.missing.is_empty() && again.orphans.is_empty(),
        "{again:#?}"
    );
}

#[tokio::test]
async fn the_check_runs_with_the_media_role_only() {
    let stack = spawn_stack().await;
    let mut config = stack.config.clone();
    config.database.url = Some(Secret::new(stack.infra.database_url.clone()));
    // Pointed at a role that may not read media, it fails instead of reporting all clean.
    config.database.roles.insert(
        "media".into(),
        Secret::new(mediamagic_kit::db_roles::url_as(
            &stack.infra.database_url,
            "mediamagic_billing",
        )),
    );
    let refused = mediamagic::storage_cli::check(&config, false, 24).await;
    let error = format!("{:?}", refused.expect_err("billing's role reads no media"));
    assert!(error.contains("permission denied"), "{error}");
}

#[tokio::test]
async fn the_command_reports_as_json_lines_fails_until_repaired_and_says_what_it_did() {
    let database = mediamagic_kit::testing::test_database().await;
    let data = tempfile::tempdir().unwrap();
    let stray = format!(
        "objects/media/{}/{}",
        uuid::Uuid::now_v7(),
        uuid::Uuid::now_v7()
    );
    std::fs::create_dir_all(data.path().join(&stray).parent().unwrap()).unwrap();
    std::fs::write(data.path().join(&stray), b"no row names me").unwrap();
    let run = |args: &'static [&'static str]| {
        let database = database.clone();
        let dir = data.path().to_path_buf();
        async move {
            tokio::process::Command::new(mediamagic_e2e::workspace_binary("mediamagic"))
                .args(["storage", "check"])
                .args(args)
                .env("DATABASE_URL", database)
                .env("MEDIAMAGIC__DEV__DATA_DIR", dir)
                .output()
                .await
                .unwrap()
        }
    };

    let report = run(&[]).await;
    let out = String::from_utf8_lossy(&report.stdout);
    assert!(!report.status.success(), "{out}");
    let first: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(
        first["orphan"]["key"],
        stray.trim_start_matches("objects/"),
        "{out}"
    );
    assert!(
        out.contains("0 live media without their object, 1 objects no media names"),
        "{out}"
    );
    assert!(
        String::from_utf8_lossy(&report.stderr).contains("storage check --repair"),
        "{}",
        String::from_utf8_lossy(&report.stderr)
    );
    assert!(data.path().join(&stray).exists());

    let repaired = run(&["--repair", "--orphan-age-hours", "0"]).await;
    let out = String::from_utf8_lossy(&repaired.stdout);
    assert!(repaired.status.success(), "{out}");
    assert!(
        out.contains("0 media marked failed, 1 orphans removed"),
        "{out}"
    );
    assert!(!data.path().join(&stray).exists());
}

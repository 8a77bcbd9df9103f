//! Retention through the router and the services' own scheduled sweeps: an account's short
//! policy removes its old job outputs, uploaded media, log lines, callback attempts,
//! unfinished uploads and deleted rows at the right time, and nothing else: newer data,
//! media a queued job still uses, and another account on the defaults stay. Expired sessions
//! and invites go; the policy is read and set by the account's owner only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use diesel::sql_types::{Text, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use mediamagic_e2e::{
    Cred, TestStack,
    billing::{Attempt, model, play, queue},
    jobs::{deploy, upload},
    media::{mp3, object_files, png, sha},
    spawn_stack_with,
};
use serde_json::json;
use std::time::{Duration, Instant};

const POLICY: &str = "{ retentionPolicy { jobOutputsDays jobLogsDays sourceMediaDays deletedRowsDays callbackAttemptsDays expiredSessionsDays pendingUploadsHours defaults updatedAt } }";
const SET_POLICY: &str = "mutation($input: RetentionPolicyInput!) { setRetentionPolicy(input: $input) { jobOutputsDays sourceMediaDays defaults } }";

async fn stack() -> TestStack {
    spawn_stack_with(|config| {
        // Sweep every second, so the test sees the scheduled job do it.
        config.retention.schedule = "* * * * * *".into();
        config.billing.schedule = false;
    })
    .await
}

async fn db(stack: &TestStack) -> AsyncPgConnection {
    AsyncPgConnection::establish(&stack.infra.database_url)
        .await
        .unwrap()
}

/// Runs `sql` with `$1` bound to `id`.
async fn exec(conn: &mut AsyncPgConnection, sql: &str, id: &str) {
    diesel::sql_query(sql)
        .bind::<Text, _>(id)
        .execute(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn status(stack: &TestStack, token: &str, id: &str) -> Option<String> {
    let answer = stack
        .gql(
            Cred::Bearer(token),
            "query($id: ID!) { media(id: $id) { status } }",
            json!({"id": id}),
        )
        .await;
    answer.body["data"]["media"]["status"]
        .as_str()
        .map(str::to_owned)
}

/// The stored status of media `id` (none once its row is gone).
async fn stored_status(conn: &mut AsyncPgConnection, id: &str) -> Option<String> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        status: String,
    }
    diesel::sql_query("SELECT status FROM media.media WHERE id = $1::uuid")
        .bind::<Text, _>(id)
        .get_result::<Row>(conn)
        .await
        .ok()
        .map(|r| r.status)
}

async fn count(conn: &mut AsyncPgConnection, sql: &str, id: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let n: N = diesel::sql_query(sql)
        .bind::<Text, _>(id)
        .get_result(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    n.n
}

/// Waits until `check` holds (the sweep runs every second).
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    panic!("{what} did not happen within 30 s");
}

async fn finished_job(stack: &TestStack, token: &str, song: &str) -> String {
    let transcode = model(stack, token, "transcode", "cpu", None).await;
    let job = deploy(
        stack,
        token,
        json!({"model": transcode, "args": {"input": song}}),
    )
    .await;
    let now = chrono::Utc::now();
    play(
        stack,
        &queue(stack).await,
        &job,
        "cpu",
        &[Attempt {
            start: now - chrono::Duration::seconds(5),
            end: now,
            outcome: "succeeded",
        }],
    )
    .await;
    job
}

#[tokio::test]
async fn a_short_policy_removes_old_data_at_the_right_time_and_nothing_else() {
    let stack = stack().await;
    let (alice, _, _) = stack.sign_up("alice").await;
    let (bob, _, _) = stack.sign_up("bob").await;
    let mut conn = db(&stack).await;

    // Alice keeps little; Bob stays on the defaults (30 days; uploads kept until deleted).
    let set = stack
        .gql(
            Cred::Bearer(&alice),
            SET_POLICY,
            json!({"input": {"jobOutputsDays": 1, "jobLogsDays": 1, "sourceMediaDays": 2,
                             "deletedRowsDays": 1, "callbackAttemptsDays": 1,
                             "pendingUploadsHours": 1}}),
        )
        .await;
    assert_eq!(set.data("/setRetentionPolicy/sourceMediaDays"), 2);

    // Alice's data: old and new uploads, one old upload a queued job still uses, an old and
    // a new job output, old and new log lines and callback attempts, an old deleted media
    // and an old unfinished upload.
    let song = upload(&stack, &alice, &mp3(), "song.mp3", "audio/mpeg").await;
    let job = finished_job(&stack, &alice, &song).await;
    let old_upload = upload(&stack, &alice, &png(), "old.png", "image/png").await;
    let new_upload = upload(&stack, &alice, &png(), "new.png", "image/png").await;
    let in_use = upload(&stack, &alice, &mp3(), "in-use.mp3", "audio/mpeg").await;
    let separate = model(&stack, &alice, "separate", "gpu", None).await;
    deploy(
        &stack,
        &alice,
        json!({"model": separate, "args": {"input": in_use}}),
    )
    .await;
    let old_output = upload(&stack, &alice, &png(), "out1.png", "image/png").await;
    let new_output = upload(&stack, &alice, &png(), "out2.png", "image/png").await;
    for output in [&old_output, &new_output] {
        diesel::sql_query("UPDATE media.media SET job_id = $1 WHERE id = $2::uuid")
            .bind::<SqlUuid, _>(job.parse::<uuid::Uuid>().unwrap())
            .bind::<Text, _>(output.as_str())
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let gone_media = upload(&stack, &alice, &png(), "deleted.png", "image/png").await;
    stack
        .gql(
            Cred::Bearer(&alice),
            "mutation($id: ID!) { deleteMedia(id: $id) }",
            json!({"id": gone_media}),
        )
        .await
        .data("/deleteMedia");
    let pending = stack
        .gql(
            Cred::Bearer(&alice),
            "mutation($input: CreateUploadInput!) { createUpload(input: $input) { media { id } } }",
            json!({"input": {"filename": "a.png", "contentType": "image/png", "size": 10, "sha256": sha(b"0123456789")}}),
        )
        .await;
    let pending = pending
        .data("/createUpload/media/id")
        .as_str()
        .unwrap()
        .to_owned();
    for (seq_age, line) in [("2 days", "old line"), ("1 hour", "new line")] {
        diesel::sql_query(format!(
            "INSERT INTO jobs.job_logs (job_id, attempt, stream, line, created_at)
             VALUES ($1::uuid, 1, 'stdout', '{line}', now() - interval '{seq_age}')"
        ))
        .bind::<Text, _>(job.as_str())
        .execute(&mut conn)
        .await
        .unwrap();
        diesel::sql_query(format!(
            "INSERT INTO jobs.callback_attempts (job_id, webhook_id, event, url, status_code, duration_ms, created_at)
             VALUES ($1::uuid, 'w', 'job.finished', 'https://example.com/{line}', 200, 5, now() - interval '{seq_age}')"
        ))
        .bind::<Text, _>(job.as_str())
        .execute(&mut conn)
        .await
        .unwrap();
    }

    // Bob's old upload and old output, as old as Alice's.
    let bob_song = upload(&stack, &bob, &mp3(), "song.mp3", "audio/mpeg").await;
    let bob_job = finished_job(&stack, &bob, &bob_song).await;
    let bob_upload = upload(&stack, &bob, &png(), "old.png", "image/png").await;
    let bob_output = upload(&stack, &bob, &png(), "out.png", "image/png").await;
    diesel::sql_query("UPDATE media.media SET job_id = $1 WHERE id = $2::uuid")
        .bind::<SqlUuid, _>(bob_job.parse::<uuid::Uuid>().unwrap())
        .bind::<Text, _>(bob_output.as_str())
        .execute(&mut conn)
        .await
        .unwrap();

    // Time passes for the old ones.
    for id in [&old_upload, &in_use, &old_output, &bob_upload, &bob_output] {
        exec(
            &mut conn,
            "UPDATE media.media SET created_at = now() - interval '3 days' WHERE id = $1::uuid",
            id,
        )
        .await;
    }
    exec(
        &mut conn,
        "UPDATE media.media SET created_at = now() - interval '1 day' WHERE id = $1::uuid",
        &new_upload,
    )
    .await;
    exec(
        &mut conn,
        "UPDATE media.media SET created_at = now() - interval '2 hours' WHERE id = $1::uuid",
        &pending,
    )
    .await;
    let objects_before = object_files(&stack);
    exec(
        &mut conn,
        "UPDATE media.media SET updated_at = now() - interval '2 days' WHERE id = $1::uuid",
        &gone_media,
    )
    .await;

    // The sweeps do their part.
    eventually(
        "the old output, upload and unfinished upload deleted",
        || async {
            let conn = &mut db(&stack).await;
            stored_status(conn, &old_output).await.as_deref() == Some("deleted")
                && stored_status(conn, &old_upload).await.as_deref() == Some("deleted")
                && stored_status(conn, &pending).await.as_deref() == Some("deleted")
        },
    )
    .await;
    eventually("the deleted media's row removed", || async {
        stored_status(&mut db(&stack).await, &gone_media)
            .await
            .is_none()
    })
    .await;
    // Through the API they are gone.
    assert_eq!(status(&stack, &alice, &old_output).await, None);
    eventually("the old log line and callback attempt removed", || {
        let (stack, job) = (&stack, job.clone());
        async move {
            let conn = &mut db(stack).await;
            count(
                conn,
                "SELECT count(*) AS n FROM jobs.job_logs WHERE job_id = $1::uuid AND line = 'old line'",
                &job,
            )
            .await
                == 0
                && count(
                    conn,
                    "SELECT count(*) AS n FROM jobs.callback_attempts WHERE job_id = $1::uuid AND url LIKE '%old line'",
                    &job,
                )
                .await
                    == 0
        }
    })
    .await;

    // And nothing else: the newer data, what a queued job uses, Bob's data on the defaults.
    for (token, id) in [
        (&alice, &new_upload),
        (&alice, &new_output),
        (&alice, &in_use),
        (&alice, &song),
        (&bob, &bob_upload),
        (&bob, &bob_output),
    ] {
        assert_eq!(
            status(&stack, token, id).await.as_deref(),
            Some("LIVE"),
            "{id} must stay"
        );
    }
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM jobs.job_logs WHERE job_id = $1::uuid AND line = 'new line'",
            &job
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM jobs.callback_attempts WHERE job_id = $1::uuid AND url LIKE '%new line'",
            &job
        )
        .await,
        1
    );
    // The removed media's bytes went with it.
    eventually("the deleted media's object removed", || async {
        object_files(&stack) < objects_before
    })
    .await;

    // Each service counts what it swept.
    let media = stack
        .service_urls
        .iter()
        .find(|(name, _)| *name == "media")
        .map(|(_, url)| url.clone())
        .unwrap();
    let metrics = reqwest::get(format!("{media}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("mediamagic_retention_deleted_total{kind=\"job_outputs\""),
        "{metrics}"
    );
}

#[tokio::test]
async fn expired_sessions_and_invites_go_after_their_days() {
    let stack = stack().await;
    let (owner, _, email) = stack.sign_up("owner").await;
    let team = stack.create_team(&owner, "Crew").await;
    let invite = stack
        .gql(
            Cred::Bearer(&owner),
            "mutation($team: ID!) { inviteMember(teamId: $team, email: \"x@example.com\") { id } }",
            json!({"team": team}),
        )
        .await;
    let invite = invite.data("/inviteMember/id").as_str().unwrap().to_owned();
    let fresh = stack
        .gql(
            Cred::Bearer(&owner),
            "mutation($team: ID!) { inviteMember(teamId: $team, email: \"y@example.com\") { id } }",
            json!({"team": team}),
        )
        .await;
    let fresh = fresh.data("/inviteMember/id").as_str().unwrap().to_owned();
    let second_login = stack
        .gql(
            Cred::None,
            "mutation($e: String!) { logIn(input: {email: $e, password: \"correct horse 1\"}) { token } }",
            json!({"e": email}),
        )
        .await;
    second_login.data("/logIn/token");
    let mut conn = db(&stack).await;
    let sessions_before = count(
        &mut conn,
        "SELECT count(*) AS n FROM accounts.sessions s JOIN accounts.users u ON u.id = s.user_id WHERE u.email = $1",
        &email,
    )
    .await;
    // One session and one invite expired 8 days ago (the default keeps them 7).
    exec(
        &mut conn,
        "UPDATE accounts.sessions SET expires_at = now() - interval '8 days'
         WHERE revocation_id = (SELECT s.revocation_id FROM accounts.sessions s
                                JOIN accounts.users u ON u.id = s.user_id
                                WHERE u.email = $1 ORDER BY s.created_at DESC LIMIT 1)",
        &email,
    )
    .await;
    exec(
        &mut conn,
        "UPDATE accounts.invites SET expires_at = now() - interval '8 days' WHERE id = $1::uuid",
        &invite,
    )
    .await;

    eventually("the expired invite removed", || async {
        let mut conn = db(&stack).await;
        count(
            &mut conn,
            "SELECT count(*) AS n FROM accounts.invites WHERE id = $1::uuid",
            &invite,
        )
        .await
            == 0
    })
    .await;
    eventually("the expired session removed", || async {
        let mut conn = db(&stack).await;
        count(
            &mut conn,
            "SELECT count(*) AS n FROM accounts.sessions s JOIN accounts.users u ON u.id = s.user_id WHERE u.email = $1",
            &email,
        )
        .await
            == sessions_before - 1
    })
    .await;
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM accounts.invites WHERE id = $1::uuid",
            &fresh
        )
        .await,
        1
    );
    // The first session still works.
    let me = stack
        .gql(Cred::Bearer(&owner), "{ me { id } }", json!({}))
        .await;
    me.data("/me/id");
}

#[tokio::test]
async fn only_the_accounts_owner_reads_and_sets_its_policy() {
    let stack = stack().await;
    let (owner, _, _) = stack.sign_up("owner").await;

    // A fresh account follows every default.
    let policy = stack.gql(Cred::Bearer(&owner), POLICY, json!({})).await;
    assert_eq!(policy.data("/retentionPolicy/jobOutputsDays"), 30);
    assert!(policy.body["data"]["retentionPolicy"]["sourceMediaDays"].is_null());
    assert_eq!(
        policy
            .data("/retentionPolicy/defaults")
            .as_array()
            .unwrap()
            .len(),
        7
    );

    // Out of range: refused, naming the field.
    let refused = stack
        .gql(
            Cred::Bearer(&owner),
            SET_POLICY,
            json!({"input": {"jobOutputsDays": 0}}),
        )
        .await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        refused.body["errors"][0]["extensions"]["field"],
        "jobOutputsDays"
    );

    // A team's: its admins (with a team token) yes, its members and its API keys no.
    let team = stack.create_team(&owner, "Crew").await;
    let (member, _, member_email) = stack.sign_up("member").await;
    stack
        .join_team(&owner, &team, &member, &member_email, "MEMBER")
        .await;
    let team_token = |token: String| {
        let stack = &stack;
        let team = team.clone();
        async move {
            let answer = stack
                .gql(
                    Cred::Bearer(&token),
                    "mutation($team: ID!) { createTeamToken(teamId: $team) { token } }",
                    json!({"team": team}),
                )
                .await;
            answer
                .data("/createTeamToken/token")
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let owner_team = team_token(owner.clone()).await;
    let member_team = team_token(member.clone()).await;
    let set = stack
        .gql(
            Cred::Bearer(&owner_team),
            SET_POLICY,
            json!({"input": {"jobOutputsDays": 3}}),
        )
        .await;
    assert_eq!(set.data("/setRetentionPolicy/jobOutputsDays"), 3);
    for query in [POLICY, SET_POLICY] {
        let answer = stack
            .gql(
                Cred::Bearer(&member_team),
                query,
                json!({"input": {"jobOutputsDays": 1}}),
            )
            .await;
        assert_eq!(answer.error_code(), "FORBIDDEN", "{query}");
    }
    let (team_key, _) = stack.create_key(&owner, Some(&team)).await;
    let by_key = stack.gql(Cred::Key(&team_key), POLICY, json!({})).await;
    assert_eq!(by_key.error_code(), "FORBIDDEN");
    // The user's own policy is untouched by the team's.
    let own = stack.gql(Cred::Bearer(&owner), POLICY, json!({})).await;
    assert_eq!(own.data("/retentionPolicy/jobOutputsDays"), 30);
}

//! The queue in batches (#35): a claim takes up to a worker's free slots in one statement
//! (fair share inside the batch) and may start them in the same statement; runs end in
//! batches, every row fenced by its own lease, each ended job raising its `job_usage`
//! event once (and `job_status` only when a callback is due). Jobs are deployed through the router; the worker is played through
//! the jobs library's queue API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use mediamagic_e2e::{
    Cred, TestStack, billing::queue, compare::noop_model, jobs, spawn_stack_with,
};
use mediamagic_jobs::commands::queue::{self as jobs_queue, ClaimedJob, RunOutcome};
use serde_json::json;
use std::{collections::HashMap, time::Duration};
use uuid::Uuid;

const MACHINE_TYPE: &str = "gpu";

async fn stack() -> TestStack {
    spawn_stack_with(|config| {
        config.jobs.max_running_per_account = 100;
        config.jobs.lease_seconds = 1;
        config.jobs.sweep_interval_ms = 100;
        // Callbacks to a port nobody listens on (their events are what is checked).
        config.jobs.allow_private_callbacks = true;
    })
    .await
}

/// Signs up `name` and queues `count` jobs of a no-op model for it; returns (token, jobs).
async fn account_with_jobs(stack: &TestStack, name: &str, count: usize) -> (String, Vec<Uuid>) {
    let (token, _, _) = stack.sign_up(name).await;
    let model = noop_model(stack, &token, MACHINE_TYPE).await.unwrap();
    let mut ids = Vec::new();
    for _ in 0..count {
        let id = jobs::deploy(stack, &token, json!({"model": model})).await;
        ids.push(id.parse().unwrap());
    }
    (token, ids)
}

fn owners(batch: &[ClaimedJob]) -> HashMap<Uuid, usize> {
    let mut counts = HashMap::new();
    for claimed in batch {
        *counts.entry(claimed.job.owner_id).or_default() += 1;
    }
    counts
}

fn succeeded() -> RunOutcome {
    RunOutcome::Succeeded {
        outputs: vec![],
        result: None,
    }
}

/// How many `job_usage` events `job` raised with `status`.
async fn usage_events(stack: &TestStack, job: Uuid, status: &str) -> usize {
    events_of(stack, "job_usage", job)
        .await
        .iter()
        .filter(|s| *s == status)
        .count()
}

#[tokio::test]
async fn a_batch_claim_never_gives_one_account_more_than_its_share_when_others_wait() {
    let stack = stack().await;
    // The busy account queued first and most.
    let (_, busy) = account_with_jobs(&stack, "busy", 6).await;
    let (_, second) = account_with_jobs(&stack, "second", 2).await;
    let (_, third) = account_with_jobs(&stack, "third", 2).await;
    let deps = queue(&stack).await;

    let first = jobs_queue::claim_batch(&deps, MACHINE_TYPE, "worker-1", 6, false)
        .await
        .unwrap();
    assert_eq!(first.len(), 6);
    let shares = owners(&first);
    assert_eq!(
        shares.len(),
        3,
        "every waiting account is served: {shares:?}"
    );
    assert!(
        shares.values().all(|&n| n == 2),
        "three accounts wait, so each takes at most ceil(6 / 3) = 2: {shares:?}"
    );
    // Within an account, the oldest jobs first.
    let taken: Vec<Uuid> = first.iter().map(|c| c.job.id).collect();
    assert!(taken.contains(&busy[0]) && taken.contains(&busy[1]));
    assert!(second.iter().chain(&third).all(|id| taken.contains(id)));
    assert!(
        first
            .iter()
            .all(|c| c.job.status == "scheduled" && c.job.attempts == 1)
    );

    // Only the busy account waits now: it may fill the batch.
    let rest = jobs_queue::claim_batch(&deps, MACHINE_TYPE, "worker-1", 6, false)
        .await
        .unwrap();
    let rest_ids: Vec<Uuid> = rest.iter().map(|c| c.job.id).collect();
    assert_eq!(rest_ids, busy[2..].to_vec());
    assert!(
        jobs_queue::claim_batch(&deps, MACHINE_TYPE, "worker-1", 6, false)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_batched_finish_whose_lease_was_taken_over_writes_nothing_for_that_job_and_the_run_learns_it()
 {
    let stack = stack().await;
    let (token, ids) = account_with_jobs(&stack, "fenced-batch", 8).await;
    let deps = queue(&stack).await;
    let claimed = jobs_queue::claim_batch(&deps, MACHINE_TYPE, "worker-1", 8, true)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 8);
    // The first run's worker is cut off past its lease; another worker takes the job over.
    let stale = claimed[0].lease();
    let mut conn = AsyncPgConnection::establish(&stack.infra.database_url)
        .await
        .unwrap();
    diesel::sql_query(
        "UPDATE jobs.job_control SET lease_expires_at = now() - interval '1 second' WHERE job_id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(stale.job)
    .execute(&mut conn)
    .await
    .unwrap();
    let mut takeover = None;
    for _ in 0..100 {
        let batch = jobs_queue::claim_batch(&deps, MACHINE_TYPE, "worker-2", 1, true)
            .await
            .unwrap();
        if let Some(claimed) = batch.into_iter().next() {
            takeover = Some(claimed);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let takeover = takeover.expect("the sweeper queued the job again");
    assert_eq!((takeover.job.id, takeover.job.attempts), (stale.job, 2));

    // Every run of worker-1 ends at once, the stale one among them: one batch.
    let endings = claimed.iter().map(|c| {
        let (deps, lease) = (deps.clone(), c.lease());
        async move { jobs_queue::finish(&deps, &lease, succeeded()).await }
    });
    let answers = futures::future::join_all(endings).await;

    assert!(
        matches!(answers[0], Err(mediamagic_kit::ApiError::Conflict(_))),
        "the stale run learns it lost the job: {:?}",
        answers[0]
    );
    for (answer, id) in answers[1..].iter().zip(&ids[1..]) {
        let job = answer.as_ref().unwrap();
        assert_eq!((job.id, job.status.as_str()), (*id, "succeeded"));
        assert_eq!(usage_events(&stack, *id, "succeeded").await, 1);
    }
    let state = jobs::job(&stack, &token, &stale.job.to_string(), "").await;
    assert_eq!(
        state["status"], "RUNNING",
        "worker-2's run goes on: {state}"
    );
    assert_eq!(state["attempts"], 2);
    assert_eq!(usage_events(&stack, stale.job, "succeeded").await, 0);
    // The run that holds the job finishes it.
    let done = jobs_queue::finish(&deps, &takeover.lease(), succeeded())
        .await
        .unwrap();
    assert_eq!(done.status, "succeeded");
}

#[tokio::test]
async fn a_crash_between_claim_and_start_on_the_folded_path_puts_the_job_back_after_its_lease() {
    let stack = stack().await;
    let (token, ids) = account_with_jobs(&stack, "folded", 1).await;
    let deps = queue(&stack).await;
    let claimed = jobs_queue::claim_batch(&deps, MACHINE_TYPE, "worker-1", 4, true)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    // Started by the claim itself: running, with its start time.
    assert_eq!(claimed[0].job.status, "running");
    assert!(claimed[0].job.started_at.is_some());
    let running = jobs::job(&stack, &token, &ids[0].to_string(), "startedAt").await;
    assert_eq!(running["status"], "RUNNING");

    // The worker dies before it reports anything: the job is queued again after its lease
    // (1 s), counted as an attempt, and the next claim takes it.
    let id = ids[0].to_string();
    let mut state = json!(null);
    for _ in 0..100 {
        state = jobs::job(&stack, &token, &id, "startedAt").await;
        if state["status"] == "QUEUED" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(state["status"], "QUEUED", "{state}");
    assert_eq!(state["attempts"], 1);
    assert!(state["startedAt"].is_null());
    assert!(state["message"].as_str().unwrap().contains("worker"));
    let again = jobs_queue::claim_batch(&deps, MACHINE_TYPE, "worker-2", 4, true)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].job.id, again[0].job.attempts), (ids[0], 2));
    let lost = stack
        .gql(
            Cred::Bearer(&token),
            "query($id: ID!) { job(id: $id) { status } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(lost.data("/job/status"), "RUNNING");
}

/// Events of `trigger` captured for `job`, by the status they carry, in capture order.
async fn events_of(stack: &TestStack, trigger: &str, job: Uuid) -> Vec<String> {
    #[derive(diesel::QueryableByName)]
    struct Event {
        #[diesel(sql_type = diesel::sql_types::Text)]
        status: String,
    }
    let mut conn = AsyncPgConnection::establish(&stack.infra.database_url)
        .await
        .unwrap();
    diesel::sql_query(
        "SELECT event -> 'data' -> 'new' ->> 'status' AS status FROM events.event_log \
         WHERE trigger_name = $1 AND row_key = $2 ORDER BY seq",
    )
    .bind::<diesel::sql_types::Text, _>(trigger)
    .bind::<diesel::sql_types::Text, _>(job.to_string())
    .load::<Event>(&mut conn)
    .await
    .unwrap()
    .into_iter()
    .map(|e| e.status)
    .collect()
}

#[tokio::test]
async fn only_the_transitions_a_handler_acts_on_raise_events() {
    let stack = stack().await;
    let (token, ids) = account_with_jobs(&stack, "quiet", 2).await;
    let model = noop_model(&stack, &token, MACHINE_TYPE).await.unwrap();
    let hook = "http://127.0.0.1:9/media-magic";
    let at_end: Uuid = jobs::deploy(&stack, &token, json!({"model": model, "callbackUrl": hook}))
        .await
        .parse()
        .unwrap();
    let at_start: Uuid = jobs::deploy(
        &stack,
        &token,
        json!({"model": model, "callbackUrl": hook, "callbackOnStart": true}),
    )
    .await
    .parse()
    .unwrap();
    let deps = queue(&stack).await;

    // Every job is claimed without starting (scheduled), released (queued again), claimed
    // again, started, and ends. job_usage hears of each end only; job_status of each insert,
    // and of a start or an end only when its deployment asked for that callback.
    let first = jobs_queue::claim_batch(&deps, MACHINE_TYPE, "worker-1", 8, false)
        .await
        .unwrap();
    assert_eq!(first.len(), 4);
    for claimed in &first {
        jobs_queue::release(&deps, &claimed.lease()).await.unwrap();
    }
    let again = jobs_queue::claim_batch(&deps, MACHINE_TYPE, "worker-1", 8, false)
        .await
        .unwrap();
    let lease = |job: Uuid| again.iter().find(|c| c.job.id == job).unwrap().lease();
    for job in [ids[0], at_end, at_start] {
        jobs_queue::start(&deps, &lease(job)).await.unwrap();
        jobs_queue::finish(&deps, &lease(job), succeeded())
            .await
            .unwrap();
    }
    // One never runs: cancelled while scheduled, it still ends.
    jobs_queue::finish(&deps, &lease(ids[1]), RunOutcome::Cancelled)
        .await
        .unwrap();

    assert_eq!(events_of(&stack, "job_status", ids[0]).await, ["queued"]);
    assert_eq!(
        events_of(&stack, "job_status", at_end).await,
        ["queued", "succeeded"]
    );
    assert_eq!(
        events_of(&stack, "job_status", at_start).await,
        ["queued", "running", "succeeded"]
    );
    assert_eq!(events_of(&stack, "job_status", ids[1]).await, ["queued"]);
    for job in [ids[0], at_end, at_start] {
        assert_eq!(events_of(&stack, "job_usage", job).await, ["succeeded"]);
    }
    assert_eq!(events_of(&stack, "job_usage", ids[1]).await, ["cancelled"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn workers_racing_to_claim_the_same_queue_each_get_a_job_once() {
    // Leases long enough that no job goes back to the queue while the workers race.
    let stack = spawn_stack_with(|config| {
        config.jobs.max_running_per_account = 100;
    })
    .await;
    let (_, first) = account_with_jobs(&stack, "racer-a", 15).await;
    let (_, second) = account_with_jobs(&stack, "racer-b", 15).await;
    let deps = queue(&stack).await;
    let claimers: Vec<_> = (0..6)
        .map(|n| {
            let deps = deps.clone();
            tokio::spawn(async move {
                let worker = format!("racer-{n}");
                let mut mine = Vec::new();
                // Half the workers start in the claim (the folded path), half do not.
                let start = n % 2 == 0;
                loop {
                    let batch = jobs_queue::claim_batch(&deps, MACHINE_TYPE, &worker, 4, start)
                        .await
                        .unwrap();
                    if batch.is_empty() {
                        return (worker, mine);
                    }
                    mine.extend(batch.into_iter().map(|c| (c.job.id, c.control.worker_id)));
                }
            })
        })
        .collect();
    let mut holder: HashMap<Uuid, String> = HashMap::new();
    for claimer in claimers {
        let (worker, claimed) = claimer.await.unwrap();
        for (job, recorded) in claimed {
            assert_eq!(
                recorded.as_deref(),
                Some(worker.as_str()),
                "the lease names its claimer"
            );
            if let Some(other) = holder.insert(job, worker.clone()) {
                panic!("job {job} was claimed by {other} and by {worker}");
            }
        }
    }
    let all: std::collections::HashSet<Uuid> = first.iter().chain(&second).copied().collect();
    assert_eq!(
        holder
            .keys()
            .copied()
            .collect::<std::collections::HashSet<_>>(),
        all
    );
}

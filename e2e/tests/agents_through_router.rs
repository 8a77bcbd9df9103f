//! Worker agents (#37), through the real router: a host holding only the platform's URL and
//! an agent token registers, claims with long polling, renews its leases, and reports a
//! run's start, progress, logs and end over `/agent/v1/`. The attacks first: a client's
//! credential opens nothing there, a token claims only its machine types, an agent acts only
//! on runs it holds, and a revoked agent is refused on its very next call while its job goes
//! back to the queue. The stack's own worker is off, so only the agent runs jobs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use mediamagic_e2e::{
    Cred, TestStack,
    agents::{issue as issue_agent, worker_pool},
    jobs::{deploy, job, script_model, upload, wait_for},
    media::mp3,
    rest::base,
    spawn_stack_with,
};
use mediamagic_worker::{
    agent_api::{
        client::{AgentCallError, AgentClient},
        protocol::{self, LogLine, Outcome, RunDirective, RunRef},
    },
    commands::agents::{self, NewAgent},
};
use serde_json::{Value, json};
use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

async fn stack() -> TestStack {
    spawn_stack_with(|config| {
        config.jobs.sweep_interval_ms = 100;
    })
    .await
}

/// Issues agent `name` a token for `machine_types`.
async fn issue(stack: &TestStack, name: &str, machine_types: &[&str]) -> String {
    issue_agent(stack, name, machine_types, Some("rack 7, Leeds")).await
}

fn client(stack: &TestStack, token: &str, instance: &str) -> AgentClient {
    AgentClient::new(reqwest::Client::new(), &base(stack), token, instance)
}

fn offer(slots: &[(&str, u32)]) -> protocol::Register {
    protocol::Register {
        instance: String::new(),
        hostname: "gpu-box".into(),
        version: "0.1.0-test".into(),
        driver: "local".into(),
        sandbox: "bubblewrap".into(),
        slots: slots
            .iter()
            .map(|(t, n)| (t.to_string(), *n))
            .collect::<BTreeMap<_, _>>(),
        runtimes: Vec::new(),
    }
}

/// A user with a `gpu` model deployed on an uploaded mp3: (session token, job id).
async fn gpu_job(stack: &TestStack) -> (String, String) {
    let (token, _, _) = stack.sign_up("owner").await;
    let model = script_model(stack, &token, "true", "gpu", 60).await;
    let input = upload(stack, &token, &mp3(), "in.mp3", "audio/mpeg").await;
    let job = deploy(
        stack,
        &token,
        json!({"model": model, "args": {"input": input}}),
    )
    .await;
    (token, job)
}

/// Claims the one queued `gpu` job; the attempt it holds.
async fn claim_one(agent: &AgentClient) -> RunRef {
    let claimed = agent.claim("gpu", 1, Duration::ZERO).await.unwrap();
    assert_eq!(claimed.runs.len(), 1, "{claimed:?}");
    RunRef {
        job: claimed.runs[0].job,
        attempt: claimed.runs[0].attempt,
    }
}

/// Agent `name` (one `gpu` slot) holding a started run of a fresh owner's job: (the agent,
/// the owner's token, the job id, the run).
async fn started_run(stack: &TestStack, name: &str) -> (AgentClient, String, String, RunRef) {
    let agent = client(stack, &issue(stack, name, &["gpu"]).await, "box");
    agent.register(offer(&[("gpu", 1)])).await.unwrap();
    let (owner, job_id) = gpu_job(stack).await;
    let run = claim_one(&agent).await;
    agent.start(run, None).await.unwrap();
    (agent, owner, job_id, run)
}

/// The owner cancels the job.
async fn cancel(stack: &TestStack, owner: &str, job_id: &str) {
    let cancelled = stack
        .gql(
            Cred::Bearer(owner),
            "mutation($id: ID!) { cancelJob(id: $id) { id } }",
            json!({"id": job_id}),
        )
        .await;
    assert!(cancelled.body["errors"].is_null(), "{}", cancelled.body);
}

/// The agent reports the run cancelled, and the job ends so.
async fn finish_cancelled(
    stack: &TestStack,
    agent: &AgentClient,
    owner: &str,
    job_id: &str,
    run: RunRef,
) {
    agent.finish(run, Outcome::Cancelled).await.unwrap();
    wait_for(stack, owner, job_id, &["CANCELLED"], Duration::from_secs(5)).await;
}

fn refused_code(result: Result<impl std::fmt::Debug, AgentCallError>) -> String {
    match result {
        Err(e) => e.code().unwrap_or("UNREACHABLE").to_owned(),
        Ok(answer) => panic!("expected a refusal, got {answer:?}"),
    }
}

async fn log_lines(stack: &TestStack, token: &str, job: &str) -> Vec<String> {
    mediamagic_e2e::jobs::all_log_lines(stack, token, job).await
}

#[tokio::test]
async fn an_agent_runs_a_job_through_the_protocol_and_the_owner_sees_it_succeed() {
    let stack = stack().await;
    let token = issue(&stack, "rack-7", &["gpu"]).await;
    let agent = client(&stack, &token, "gpu-box-1");
    let registered = agent.register(offer(&[("gpu", 1)])).await.unwrap();
    assert!(
        registered.worker_id.ends_with("/gpu-box-1"),
        "{registered:?}"
    );
    let (owner, job_id) = gpu_job(&stack).await;

    let claimed = agent.claim("gpu", 1, Duration::ZERO).await.unwrap();
    assert_eq!(claimed.runs.len(), 1, "{claimed:?}");
    let run = RunRef {
        job: claimed.runs[0].job,
        attempt: claimed.runs[0].attempt,
    };
    assert_eq!(run.job.to_string(), job_id);
    assert_eq!(
        job(&stack, &owner, &job_id, "").await["status"],
        "SCHEDULED"
    );
    // The claim carries the platform's half of the plan: what runs and the input's URL.
    let plan = &claimed.runs[0].plan;
    assert_eq!(plan.run.machine_type, "gpu");
    assert_eq!(plan.inputs.len(), 1);
    let fetched = reqwest::get(&plan.inputs[0].url)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        fetched.as_ref(),
        mp3().as_slice(),
        "the input's presigned URL"
    );
    // Its media token opens the media routes through the router, for this job alone.
    let media = |token: &str, job: &str| {
        let token = token.to_owned();
        let body = json!({
            "query": "query($j: ID!, $ids: [ID!]!) { jobInputs(jobId: $j, ids: $ids) { id } }",
            "variables": {"j": job, "ids": [plan.inputs[0].media_id]},
        });
        let url = format!("{}/agent/v1/media/graphql", base(&stack));
        async move {
            reqwest::Client::new()
                .post(url)
                .header("x-mediamagic-worker", token)
                .json(&body)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let inputs = media(&claimed.runs[0].media_token, &job_id).await;
    assert_eq!(
        inputs["data"]["jobInputs"][0]["id"],
        json!(plan.inputs[0].media_id),
        "{inputs}"
    );
    let (_, other_job) = gpu_job(&stack).await;
    let elsewhere = media(&claimed.runs[0].media_token, &other_job).await;
    assert!(
        elsewhere["errors"].is_array(),
        "another job's inputs: {elsewhere}"
    );
    assert_eq!(
        agent
            .start(run, Some("gpu-box".into()))
            .await
            .unwrap()
            .status,
        "running"
    );
    agent
        .progress(run, 0.5, Some("halfway".into()))
        .await
        .unwrap();
    let line = |n: i64| LogLine {
        stream: "stdout".into(),
        line: format!("line {n}"),
    };
    agent
        .logs(run, 1, (1..=3).map(line).collect())
        .await
        .unwrap();
    // The answer to the next batch was lost; the agent sends lines 2 to 4 again.
    agent
        .logs(run, 2, (2..=4).map(line).collect())
        .await
        .unwrap();
    let beat = agent.heartbeat(vec![run], None).await.unwrap();
    assert_eq!(beat.runs[0].state, RunDirective::Continue);
    let renewed = beat.runs[0]
        .media_token
        .clone()
        .expect("a fresh media token");
    let running = job(&stack, &owner, &job_id, "").await;
    assert_eq!(
        (running["status"].as_str(), running["progress"].as_f64()),
        (Some("RUNNING"), Some(0.5))
    );

    let done = agent
        .finish(
            run,
            Outcome::Succeeded {
                outputs: Vec::new(),
                result: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(done.status, "succeeded");
    wait_for(
        &stack,
        &owner,
        &job_id,
        &["SUCCEEDED"],
        Duration::from_secs(5),
    )
    .await;
    // The run is over: its media token opens nothing any more.
    let after = media(&renewed, &job_id).await;
    assert!(after["errors"].is_array(), "after the run: {after}");
    assert_eq!(
        log_lines(&stack, &owner, &job_id).await,
        ["line 1", "line 2", "line 3", "line 4"],
        "every line once, in order"
    );
    // The run is recorded for billing under the agent's worker, with its node.
    let mut conn = AsyncPgConnection::establish(&stack.infra.database_url)
        .await
        .unwrap();
    #[derive(diesel::QueryableByName, Debug)]
    struct Run {
        #[diesel(sql_type = diesel::sql_types::Text)]
        worker_id: String,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        node: Option<String>,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        outcome: Option<String>,
    }
    let runs: Vec<Run> =
        diesel::sql_query("SELECT worker_id, node, outcome FROM worker.runs WHERE job_id = $1")
            .bind::<diesel::sql_types::Uuid, _>(run.job)
            .load(&mut conn)
            .await
            .unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].worker_id, registered.worker_id);
    assert_eq!(
        (runs[0].node.as_deref(), runs[0].outcome.as_deref()),
        (Some("gpu-box"), Some("succeeded"))
    );

    // Operators see the agent in `cluster`; others see no agents.
    let (_, _, admin_email) = stack.sign_up("operator").await;
    let admin = stack.make_admin(&admin_email).await;
    let query = "{ cluster { agents { name site machineTypes slots runningJobs workers version lastSeenAt revokedAt } } }";
    let seen = stack.gql(Cred::Bearer(&admin), query, json!({})).await;
    let listed = seen.data("/cluster/agents")[0].clone();
    assert_eq!(listed["name"], "rack-7", "{}", seen.body);
    assert_eq!(listed["site"], "rack 7, Leeds");
    assert_eq!(listed["machineTypes"], json!(["gpu"]));
    assert_eq!(
        (listed["slots"].as_i64(), listed["workers"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(listed["version"], "0.1.0-test");
    assert!(listed["lastSeenAt"].is_string() && listed["revokedAt"].is_null());
    let hidden = stack.gql(Cred::Bearer(&owner), query, json!({})).await;
    assert_eq!(
        hidden.data("/cluster/agents"),
        &json!([]),
        "{}",
        hidden.body
    );
}

#[tokio::test]
async fn a_claim_waits_for_work_and_answers_as_soon_as_a_job_is_queued() {
    let stack = stack().await;
    let token = issue(&stack, "waiter", &["gpu"]).await;
    let agent = client(&stack, &token, "box");
    agent.register(offer(&[("gpu", 2)])).await.unwrap();

    // Nothing queued: the call waits its full time and answers empty.
    let started = Instant::now();
    let empty = agent.claim("gpu", 2, Duration::from_secs(1)).await.unwrap();
    assert!(empty.runs.is_empty());
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );

    // A job queued while the call waits ends the wait long before its 20 seconds.
    let waiting = {
        let agent = agent.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let claimed = agent.claim("gpu", 2, Duration::from_secs(20)).await;
            (claimed, started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, job_id) = gpu_job(&stack).await;
    let (claimed, waited) = waiting.await.unwrap();
    let claimed = claimed.unwrap();
    assert_eq!(claimed.runs.len(), 1, "{claimed:?}");
    assert_eq!(claimed.runs[0].job.to_string(), job_id);
    assert!(
        waited < Duration::from_secs(15),
        "answered after {waited:?}"
    );
}

#[tokio::test]
async fn client_credentials_open_nothing_on_the_agent_routes() {
    let stack = stack().await;
    let (session, _, _) = stack.sign_up("client").await;
    let (api_key, _) = stack.create_key(&session, None).await;
    let url = format!("{}/agent/v1/claim", base(&stack));
    let body = json!({"instance": "box", "machine_type": "gpu", "limit": 1});
    let well_formed_unknown = format!("mmagent_{}", "ab".repeat(32));
    let attempts: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("nothing", vec![]),
        (
            "a session token",
            vec![("authorization", format!("Bearer {session}"))],
        ),
        ("an API key", vec![("x-mediamagic-key", api_key.clone())]),
        (
            "a session token as the agent token",
            vec![("x-mediamagic-agent-token", session.clone())],
        ),
        (
            "an unknown agent token",
            vec![("x-mediamagic-agent-token", well_formed_unknown)],
        ),
    ];
    for (what, headers) in attempts {
        let mut request = reqwest::Client::new().post(&url).json(&body);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let answer = request.send().await.unwrap();
        let status = answer.status().as_u16();
        let body: Value = answer.json().await.unwrap();
        assert_eq!(status, 401, "{what}: {body}");
        assert_eq!(body["error"]["code"], "UNAUTHENTICATED", "{what}: {body}");
    }
}

#[tokio::test]
async fn an_agent_token_claims_only_the_machine_types_it_was_issued_for() {
    let stack = stack().await;
    let token = issue(&stack, "cpu-only", &["cpu"]).await;
    let agent = client(&stack, &token, "box");
    let refused = agent.register(offer(&[("cpu", 1), ("gpu", 1)])).await;
    assert_eq!(refused_code(refused), "FORBIDDEN");
    agent.register(offer(&[("cpu", 1)])).await.unwrap();
    let (owner, job_id) = gpu_job(&stack).await;
    assert_eq!(
        refused_code(agent.claim("gpu", 1, Duration::ZERO).await),
        "FORBIDDEN"
    );
    assert_eq!(job(&stack, &owner, &job_id, "").await["status"], "QUEUED");
}

#[tokio::test]
async fn an_agent_cannot_act_on_a_run_another_agent_holds() {
    let stack = stack().await;
    let holder = client(&stack, &issue(&stack, "holder", &["gpu"]).await, "box");
    holder.register(offer(&[("gpu", 1)])).await.unwrap();
    // The intruder runs the same machine type and even names its process like the holder's.
    let intruder = client(&stack, &issue(&stack, "intruder", &["gpu"]).await, "box");
    intruder.register(offer(&[("gpu", 1)])).await.unwrap();
    let (owner, job_id) = gpu_job(&stack).await;
    let run = claim_one(&holder).await;

    let lines = vec![LogLine {
        stream: "stdout".into(),
        line: "forged".into(),
    }];
    assert_eq!(refused_code(intruder.start(run, None).await), "CONFLICT");
    assert_eq!(
        refused_code(intruder.progress(run, 0.9, None).await),
        "CONFLICT"
    );
    assert_eq!(refused_code(intruder.logs(run, 1, lines).await), "CONFLICT");
    let forged = Outcome::Failed {
        code: "FORGED".into(),
        message: "not yours".into(),
    };
    assert_eq!(refused_code(intruder.finish(run, forged).await), "CONFLICT");
    assert_eq!(refused_code(intruder.release(run).await), "CONFLICT");
    assert_eq!(
        refused_code(intruder.node(run, "evil-node".into()).await),
        "CONFLICT"
    );
    let beat = intruder.heartbeat(vec![run], None).await.unwrap();
    assert_eq!(beat.runs[0].state, RunDirective::Lost);
    // Its cancel long poll hears only that the run is not its own, and cancels nothing.
    let watched = intruder.cancels(vec![run], Duration::ZERO).await.unwrap();
    assert_eq!(watched.runs[0].state, RunDirective::Lost);
    assert_eq!(watched.runs[0].media_token, None);

    // Nothing changed: the holder's run goes on, and its run record stays open.
    let mut conn = AsyncPgConnection::establish(&stack.infra.database_url)
        .await
        .unwrap();
    #[derive(diesel::QueryableByName)]
    struct Open {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        open: i64,
    }
    let open: Open = diesel::sql_query(
        "SELECT count(*) AS open FROM worker.runs WHERE job_id = $1 AND finished_at IS NULL",
    )
    .bind::<diesel::sql_types::Uuid, _>(run.job)
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(open.open, 1, "the intruder closed the holder's run record");
    let state = job(&stack, &owner, &job_id, "").await;
    assert_eq!(
        (state["status"].as_str(), state["progress"].as_f64()),
        (Some("SCHEDULED"), Some(0.0))
    );
    assert!(log_lines(&stack, &owner, &job_id).await.is_empty());
    assert_eq!(holder.start(run, None).await.unwrap().status, "running");
    // The holder records where its program runs.
    holder.node(run, "gpu-node-3".into()).await.unwrap();
    let placed = job(&stack, &owner, &job_id, "node").await;
    assert_eq!(placed["node"], "gpu-node-3", "{placed}");
}

#[tokio::test]
async fn a_cancel_reaches_an_agent_waiting_on_its_cancel_long_poll_at_once() {
    let stack = stack().await;
    let (agent, owner, job_id, run) = started_run(&stack, "listener").await;
    // Nothing to stop: the wait runs out empty.
    let quiet = agent
        .cancels(vec![run], Duration::from_secs(1))
        .await
        .unwrap();
    assert!(quiet.runs.is_empty(), "{quiet:?}");

    let wait = Duration::from_secs(20);
    let asked = Instant::now();
    let listening = {
        let agent = agent.clone();
        tokio::spawn(async move { agent.cancels(vec![run], wait).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    cancel(&stack, &owner, &job_id).await;
    let heard = listening.await.unwrap().unwrap();
    // Answered by the cancel, not by the end of its wait.
    assert!(asked.elapsed() < wait / 2, "{:?}", asked.elapsed());
    assert_eq!(heard.runs.len(), 1, "{heard:?}");
    assert_eq!(heard.runs[0].state, RunDirective::Cancel);
    assert!(
        heard.runs[0].media_token.is_some(),
        "it may still wind down"
    );
    finish_cancelled(&stack, &agent, &owner, &job_id, run).await;
}

#[tokio::test]
async fn a_revoked_agent_is_refused_on_its_very_next_call_and_its_job_goes_back_to_the_queue() {
    let stack = stack().await;
    let (agent, owner, job_id, run) = started_run(&stack, "leaving").await;

    let revoked = agents::revoke(&worker_pool(&stack), "leaving")
        .await
        .unwrap();
    assert_eq!(revoked.workers, 1);
    assert_eq!(
        refused_code(agent.heartbeat(vec![run], None).await),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        refused_code(agent.progress(run, 0.7, None).await),
        "UNAUTHENTICATED"
    );
    // Given back without spending an attempt, and another agent takes it.
    let queued = wait_for(&stack, &owner, &job_id, &["QUEUED"], Duration::from_secs(5)).await;
    assert_eq!(queued["attempts"], 0, "{queued}");
    let next = client(&stack, &issue(&stack, "next", &["gpu"]).await, "box");
    next.register(offer(&[("gpu", 1)])).await.unwrap();
    let taken = next.claim("gpu", 1, Duration::from_secs(5)).await.unwrap();
    assert_eq!(taken.runs[0].job, run.job);
    // The revoked name may be issued again; the live one may not be issued twice.
    issue(&stack, "leaving", &["gpu"]).await;
    let twice = agents::create(
        &worker_pool(&stack),
        NewAgent {
            name: "leaving".into(),
            machine_types: vec!["gpu".into()],
            site: None,
        },
    )
    .await;
    assert_eq!(twice.unwrap_err().code(), "CONFLICT");
}

#[tokio::test]
async fn a_cancel_reaches_the_agent_on_its_next_heartbeat() {
    let stack = stack().await;
    let (agent, owner, job_id, run) = started_run(&stack, "canceller").await;
    cancel(&stack, &owner, &job_id).await;
    let beat = agent.heartbeat(vec![run], None).await.unwrap();
    assert_eq!(beat.runs[0].state, RunDirective::Cancel, "{beat:?}");
    finish_cancelled(&stack, &agent, &owner, &job_id, run).await;
}

#[tokio::test]
async fn bad_agent_requests_get_a_clear_code_and_change_nothing() {
    let stack = stack().await;
    let token = issue(&stack, "careless", &["gpu"]).await;
    let agent = client(&stack, &token, "box");
    // Not registered yet.
    assert_eq!(
        refused_code(agent.claim("gpu", 1, Duration::ZERO).await),
        "CONFLICT"
    );
    agent.register(offer(&[("gpu", 1)])).await.unwrap();
    assert_eq!(
        refused_code(agent.claim("gpu", 0, Duration::ZERO).await),
        "BAD_USER_INPUT"
    );
    assert_eq!(
        refused_code(agent.claim("gpu", 1, Duration::from_secs(99)).await),
        "BAD_USER_INPUT"
    );
    assert_eq!(
        refused_code(
            client(&stack, &token, "../other")
                .claim("gpu", 1, Duration::ZERO)
                .await
        ),
        "BAD_USER_INPUT"
    );
    let raw = |path: &str, body: &str| {
        reqwest::Client::new()
            .post(format!("{}/agent/v1/{path}", base(&stack)))
            .header("x-mediamagic-agent-token", &token)
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
    };
    let broken = raw("claim", "{not json").await.unwrap();
    assert_eq!(broken.status().as_u16(), 400);
    let body: Value = broken.json().await.unwrap();
    assert_eq!(body["error"]["code"], "BAD_USER_INPUT", "{body}");
    let (_, job_id) = gpu_job(&stack).await;
    let unknown = raw(
        &format!("runs/{job_id}/1/explode"),
        r#"{"instance": "box"}"#,
    )
    .await
    .unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
    let zero = raw(&format!("runs/{job_id}/0/start"), r#"{"instance": "box"}"#)
        .await
        .unwrap();
    assert_eq!(zero.status().as_u16(), 400);
    // Lines numbered from 0, or a stream that is neither stdout nor stderr.
    let run = claim_one(&agent).await;
    let line = |stream: &str| {
        vec![LogLine {
            stream: stream.into(),
            line: "x".into(),
        }]
    };
    assert_eq!(
        refused_code(agent.logs(run, 0, line("stdout")).await),
        "BAD_USER_INPUT"
    );
    assert_eq!(
        refused_code(agent.logs(run, 1, line("stdin")).await),
        "BAD_USER_INPUT"
    );
    let bad_code = Outcome::Failed {
        code: "lower case".into(),
        message: "m".into(),
    };
    assert_eq!(
        refused_code(agent.finish(run, bad_code).await),
        "BAD_USER_INPUT"
    );
    // GPU readings past what a host has, or a cancel wait past the longest.
    let gpu = protocol::GpuState {
        reading: mediamagic_worker::drivers::gpus::nvidia_smi::GpuReading {
            index: 0,
            uuid: "GPU-0".into(),
            name: "card".into(),
            memory_total_mb: 1,
            memory_used_mb: 0,
            utilization_percent: None,
            bus_id: String::new(),
            mig: None,
        },
        runs: 0,
    };
    assert_eq!(
        refused_code(
            agent
                .heartbeat(vec![run], Some(vec![gpu.clone(); protocol::MAX_GPUS + 1]))
                .await
        ),
        "BAD_USER_INPUT"
    );
    // Nor a reading with an outsized field, MIG place included (stored as sent otherwise).
    let mut long = gpu.clone();
    long.reading.bus_id = "0".repeat(10_000);
    let mut long_mig = gpu;
    long_mig.reading.mig = Some(mediamagic_worker::drivers::gpus::mig::MigInstance {
        parent_uuid: "GPU-0".into(),
        profile: "1g.5gb".repeat(2_000),
        gpu_instance: 1,
        compute_instance: 0,
    });
    for reading in [long, long_mig] {
        assert_eq!(
            refused_code(agent.heartbeat(vec![run], Some(vec![reading])).await),
            "BAD_USER_INPUT"
        );
    }
    let too_long = raw(
        "cancels",
        r#"{"instance": "box", "runs": [], "wait_seconds": 26}"#,
    )
    .await
    .unwrap();
    assert_eq!(too_long.status().as_u16(), 400);
    // Still held, untouched.
    assert_eq!(
        agent.heartbeat(vec![run], None).await.unwrap().runs[0].state,
        RunDirective::Continue
    );
}

#[tokio::test]
async fn a_claimed_job_that_cannot_run_is_ended_by_the_platform_and_not_handed_out() {
    let stack = stack().await;
    let agent = client(&stack, &issue(&stack, "planner", &["gpu"]).await, "box");
    agent.register(offer(&[("gpu", 1)])).await.unwrap();
    let (owner, _, _) = stack.sign_up("owner").await;
    let model = script_model(&stack, &owner, "true", "gpu", 60).await;
    let input = upload(&stack, &owner, &mp3(), "in.mp3", "audio/mpeg").await;
    let job_id = deploy(
        &stack,
        &owner,
        json!({"model": model, "args": {"input": input}}),
    )
    .await;
    // The input is deleted before any worker claims the job.
    let deleted = stack
        .gql(
            Cred::Bearer(&owner),
            "mutation($id: ID!) { deleteMedia(id: $id) }",
            json!({"id": input}),
        )
        .await;
    assert!(deleted.body["errors"].is_null(), "{}", deleted.body);
    let claimed = agent.claim("gpu", 1, Duration::ZERO).await.unwrap();
    assert!(claimed.runs.is_empty(), "{claimed:?}");
    let failed = wait_for(&stack, &owner, &job_id, &["FAILED"], Duration::from_secs(5)).await;
    assert_eq!(failed["error"]["code"], "INPUT_UNAVAILABLE", "{failed}");
}

#[tokio::test]
async fn an_agent_token_opens_no_user_route_and_an_old_lease_replayed_gets_nothing() {
    let stack = stack().await;
    let token = issue(&stack, "replayer", &["gpu"]).await;
    // The GraphQL API with only an agent's token: no identity at all.
    let me = stack
        .gql_at(
            stack.router_url(0),
            Cred::None,
            &[("x-mediamagic-agent-token", &token)],
            "{ me { id } }",
            json!({}),
        )
        .await;
    assert_eq!(me.error_code(), "UNAUTHENTICATED", "{}", me.body);
    let as_bearer = stack
        .gql(Cred::Bearer(&token), "{ me { id } }", json!({}))
        .await;
    assert_eq!(
        as_bearer.error_code(),
        "UNAUTHENTICATED",
        "{}",
        as_bearer.body
    );

    // The agent gives its run back; another agent takes the job on the same attempt number.
    let first = client(&stack, &token, "box");
    first.register(offer(&[("gpu", 1)])).await.unwrap();
    let (owner, job_id) = gpu_job(&stack).await;
    let run = claim_one(&first).await;
    first.release(run).await.unwrap();
    let second = client(&stack, &issue(&stack, "successor", &["gpu"]).await, "box");
    second.register(offer(&[("gpu", 1)])).await.unwrap();
    let taken = claim_one(&second).await;
    assert_eq!(taken, run, "the same job and attempt number");
    // The first agent replays its old lease: every call is refused and nothing changes.
    assert_eq!(refused_code(first.start(run, None).await), "CONFLICT");
    let done = Outcome::Succeeded {
        outputs: Vec::new(),
        result: None,
    };
    assert_eq!(refused_code(first.finish(run, done).await), "CONFLICT");
    assert_eq!(
        first.heartbeat(vec![run], None).await.unwrap().runs[0].state,
        RunDirective::Lost
    );
    assert_eq!(
        job(&stack, &owner, &job_id, "").await["status"],
        "SCHEDULED"
    );
    assert_eq!(second.start(run, None).await.unwrap().status, "running");
}

#[tokio::test]
async fn a_provided_agent_is_live_at_start_and_a_new_token_replaces_the_old_one() {
    use mediamagic_worker::{config::ProvidedAgentConfig, domain::agent_token::AgentToken};
    let first = AgentToken::generate().reveal().to_owned();
    let provided = first.clone();
    // The deployment gives the worker service a token (the chart's in-cluster agents).
    let stack = spawn_stack_with(move |config| {
        config.worker.provided_agent = Some(ProvidedAgentConfig {
            name: "in-cluster".into(),
            machine_types: vec!["cpu".into()],
            token: Some(mediamagic_kit::config::Secret::new(provided)),
        });
    })
    .await;
    let agent = client(&stack, &first, "pod-1");
    agent.register(offer(&[("cpu", 2)])).await.unwrap();
    assert_eq!(
        refused_code(agent.register(offer(&[("gpu", 1)])).await),
        "FORBIDDEN",
        "only the machine types provided"
    );

    // A restart with a new token (a rotated secret) replaces the old one at once.
    let pool = worker_pool(&stack);
    let second = AgentToken::generate().reveal().to_owned();
    let in_cluster = || NewAgent {
        name: "in-cluster".into(),
        machine_types: vec!["cpu".into()],
        site: None,
    };
    let again = agents::provide(&pool, in_cluster(), &second).await.unwrap();
    assert_eq!(again.name, "in-cluster");
    assert_eq!(
        refused_code(agent.hello().await),
        "UNAUTHENTICATED",
        "the old token"
    );
    client(&stack, &second, "pod-1")
        .register(offer(&[("cpu", 2)]))
        .await
        .unwrap();
    // Providing the same token again changes nothing; one live agent of the name.
    agents::provide(&pool, in_cluster(), &second).await.unwrap();
    let live: Vec<_> = agents::list(&pool)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.name == "in-cluster" && a.revoked_at.is_none())
        .collect();
    assert_eq!(live.len(), 1);

    // A token an operator revoked is not brought back by a restart; a malformed one is
    // refused with what a token looks like.
    agents::revoke(&pool, "in-cluster").await.unwrap();
    let revived = agents::provide(&pool, in_cluster(), &second).await;
    let refusal = revived.unwrap_err();
    assert_eq!(refusal.code(), "CONFLICT");
    assert!(
        refusal.message().contains("revoked"),
        "{}",
        refusal.message()
    );
    assert_eq!(
        refused_code(client(&stack, &second, "pod-1").hello().await),
        "UNAUTHENTICATED"
    );
    let malformed = agents::provide(&pool, in_cluster(), "not-a-token").await;
    assert_eq!(malformed.unwrap_err().code(), "BAD_USER_INPUT");
}

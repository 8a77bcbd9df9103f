//! Worker recovery with real worker processes (`mediamagic serve worker`) beside a test
//! stack: a worker killed with SIGKILL mid-run takes its program with it and another worker
//! finishes the job (two attempts, one set of outputs); a worker stopped with SIGTERM gives
//! its job back to the queue without spending an attempt.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::{
    Cred, TestStack,
    jobs::{deploy, job, processes_running, script_model, upload, wait_for},
    media::mp3,
    spawn_stack_with, workspace_binary,
};
use serde_json::{Value, json};
use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// A stack without an in-process worker; lost leases are swept quickly.
async fn stack() -> TestStack {
    spawn_stack_with(|config| {
        config.jobs.sweep_interval_ms = 100;
    })
    .await
}

/// A worker process on the stack's database, Redis and media service, with one `cpu` slot
/// and a 2-second lease.
struct WorkerProcess {
    child: Child,
    _config: tempfile::NamedTempFile,
}

impl WorkerProcess {
    fn start(stack: &TestStack, name: &str) -> Self {
        let keys = &stack.infra.keys;
        let config = format!(
            r#"
[database]
url = "{database}"
[redis]
url = "{redis}"
[auth]
# A worker holds its own key and the router's public key, nothing else.
worker_private_key = "{worker_private}"
internal_public_key = "{internal_public}"
[listen]
host = "127.0.0.1"
worker_port = 0
[jobs]
lease_seconds = 2
[worker]
id = "{name}"
heartbeat_ms = 200
kill_grace_ms = 500
media_url = "{media}"
machine_types = {{ cpu = {{ slots = 1 }} }}
"#,
            database = stack.infra.database_url,
            redis = stack.infra.redis_url,
            worker_private = keys.worker_private_key,
            internal_public = keys.internal_public_key,
            media = stack.subgraph_url("media"),
        );
        let file = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
        std::fs::write(file.path(), config).unwrap();
        let child = Command::new(workspace_binary("mediamagic"))
            .arg("--config")
            .arg(file.path())
            .args(["serve", "worker"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("worker process");
        Self {
            child,
            _config: file,
        }
    }

    fn signal(&self, signal: &str) {
        Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .unwrap();
    }

    fn wait(&mut self, within: Duration) {
        let deadline = Instant::now() + within;
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "the worker did not exit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn alive(marker: &str) -> bool {
    !processes_running(marker).is_empty()
}

/// Waits until the job runs attempt `attempt` and its script (whose command line holds
/// `marker`: inside the sandbox `$$` is a pid of its own namespace) is a process here.
async fn running(stack: &TestStack, token: &str, id: &str, attempt: i64, marker: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let state = job(stack, token, id, "").await;
        if state["status"] == "RUNNING" && state["attempts"] == attempt && alive(marker) {
            return;
        }
        assert!(Instant::now() < deadline, "never ran: {state}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// [`LONG_SCRIPT`] with a marker of its own in its command line.
fn long_script() -> (String, String) {
    let marker = format!("run-{}", uuid::Uuid::new_v4().simple());
    (format!(": {marker}; {LONG_SCRIPT}"), marker)
}

/// The account's live media produced by job `id`.
async fn outputs_of(stack: &TestStack, token: &str, id: &str) -> Vec<Value> {
    let listed = stack
        .gql(
            Cred::Bearer(token),
            "{ mediaList(first: 100) { nodes { id jobId status } } }",
            json!({}),
        )
        .await;
    listed
        .data("/mediaList/nodes")
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["jobId"] == id)
        .cloned()
        .collect()
}

const LONG_SCRIPT: &str = "for i in $(seq 1 20); do \
    echo \"::progress 0.$((i * 4)) tick $i\"; sleep 0.2; done; cp \"$1\" out.mp3";

#[tokio::test]
async fn a_job_of_a_killed_worker_is_finished_by_another_with_one_set_of_outputs() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("survivor").await;
    let song = upload(&stack, &token, &mp3(), "song.mp3", "audio/mpeg").await;
    let (script, marker) = long_script();
    let model = script_model(&stack, &token, &script, "cpu", 600).await;
    let mut first = WorkerProcess::start(&stack, "worker-a");
    let id = deploy(
        &stack,
        &token,
        json!({"model": model, "args": {"input": song}}),
    )
    .await;
    running(&stack, &token, &id, 1, &marker).await;

    first.signal("-KILL");
    first.wait(Duration::from_secs(5));
    let deadline = Instant::now() + Duration::from_secs(5);
    while alive(&marker) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!alive(&marker), "the killed worker's program still runs");
    let _second = WorkerProcess::start(&stack, "worker-b");
    let done = wait_for(
        &stack,
        &token,
        &id,
        &["SUCCEEDED", "FAILED"],
        Duration::from_secs(60),
    )
    .await;

    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert_eq!(done["attempts"], 2);
    let runs = job(&stack, &token, &id, "runs { attempt worker outcome }").await["runs"].clone();
    // Each worker process is its service's built-in agent: `<agent id>/<worker.id>`.
    let seen: Vec<(i64, String, String)> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let worker = r["worker"].as_str().unwrap();
            let instance = worker.rsplit('/').next().unwrap();
            (
                r["attempt"].as_i64().unwrap(),
                instance.to_owned(),
                r["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (1, "worker-a".to_owned(), "lost".to_owned()),
            (2, "worker-b".to_owned(), "succeeded".to_owned()),
        ],
        "{runs}"
    );
    let outputs = outputs_of(&stack, &token, &id).await;
    assert_eq!(outputs.len(), 1, "{outputs:?}");
    assert_eq!(done["outputs"][0]["id"], outputs[0]["id"]);
}

#[tokio::test]
async fn a_worker_stopped_with_sigterm_gives_its_job_back_without_spending_an_attempt() {
    let stack = stack().await;
    let (token, _, _) = stack.sign_up("patient").await;
    let song = upload(&stack, &token, &mp3(), "song.mp3", "audio/mpeg").await;
    let (script, marker) = long_script();
    let model = script_model(&stack, &token, &script, "cpu", 600).await;
    let mut first = WorkerProcess::start(&stack, "worker-a");
    let id = deploy(
        &stack,
        &token,
        json!({"model": model, "args": {"input": song}}),
    )
    .await;
    running(&stack, &token, &id, 1, &marker).await;

    first.signal("-TERM");
    first.wait(Duration::from_secs(10));
    let given_back = job(&stack, &token, &id, "runs { outcome }").await;

    assert!(!alive(&marker), "the stopped worker's program still runs");
    assert_eq!(given_back["status"], "QUEUED", "{given_back}");
    assert_eq!(given_back["attempts"], 0);
    assert_eq!(given_back["runs"][0]["outcome"], "released");
    let _second = WorkerProcess::start(&stack, "worker-b");
    let done = wait_for(
        &stack,
        &token,
        &id,
        &["SUCCEEDED", "FAILED"],
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert_eq!(done["attempts"], 1);
}

//! A mocked Kubernetes API server (the one boundary that cannot run here): it accepts
//! batch/v1 Jobs and keeps their manifests for the test to check, plays each Job's pod
//! through a script (pending, running, then success, a failed program, a lost node, or
//! running until deleted), serves the model container's log, and, like the real pod's
//! steps, fetches the first input and uploads a file to the first output URL.

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::StatusCode,
    response::IntoResponse,
    routing::{delete, get, post},
};
use serde_json::{Value, json};
use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// How a Job's pod behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodScript {
    /// Runs for a second, uploads its output, succeeds.
    Succeed,
    /// Runs for a second, then the model exits with this status.
    ExitWith(i32),
    /// Runs for a second, then the pod vanishes with its node.
    NodeLost,
    /// Runs until the Job is deleted.
    Hang,
    /// Succeeds like `Succeed`, its model having written this `result.json`: the upload
    /// step's own shell line for the result runs for real (sh, wc, od) on it.
    SucceedWithResult(&'static str),
}

/// A Job the mock received.
#[derive(Clone, Debug)]
pub struct MockJob {
    /// Its name.
    pub name: String,
    /// The manifest as received.
    pub manifest: Value,
    /// Whether it was deleted.
    pub deleted: bool,
    /// Bytes of the first input the pod fetched.
    pub fetched_bytes: usize,
    created: Instant,
    script: PodScript,
    uploaded: bool,
}

#[derive(Default)]
struct MockState {
    scripts: VecDeque<PodScript>,
    jobs: Vec<MockJob>,
}

/// The running mock.
#[derive(Clone)]
pub struct KubeMock {
    /// Its base URL (the API server URL).
    pub url: String,
    state: Arc<Mutex<MockState>>,
    /// The bytes a succeeding pod uploads as its output.
    output: Arc<Vec<u8>>,
}

/// How long a pod stays pending, then running.
const PENDING: Duration = Duration::from_millis(300);
const RUNNING: Duration = Duration::from_millis(1000);

impl KubeMock {
    /// Starts the mock on a free port; succeeding pods upload `output`.
    pub async fn start(output: Vec<u8>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("mock listener");
        let url = format!("http://{}", listener.local_addr().expect("mock address"));
        let mock = Self {
            url,
            state: Arc::default(),
            output: Arc::new(output),
        };
        let app = Router::new()
            .route("/apis/batch/v1/namespaces/{ns}/jobs", post(create_job))
            .route(
                "/apis/batch/v1/namespaces/{ns}/jobs/{name}",
                delete(delete_job),
            )
            .route("/api/v1/namespaces/{ns}/pods", get(list_pods))
            .route("/api/v1/namespaces/{ns}/pods/{pod}/log", get(pod_log))
            .with_state(mock.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        mock
    }

    /// The script of the next Job created (Jobs past the scripts succeed).
    pub fn push(&self, script: PodScript) {
        self.lock().scripts.push_back(script);
    }

    /// Every Job received, oldest first.
    pub fn jobs(&self) -> Vec<MockJob> {
        self.lock().jobs.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MockState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn env_value(container: &Value, name: &str) -> Option<String> {
    container["env"]
        .as_array()?
        .iter()
        .find(|e| e["name"] == name)
        .and_then(|e| e["value"].as_str())
        .map(str::to_owned)
}

async fn create_job(
    State(mock): State<KubeMock>,
    Path(ns): Path<String>,
    Json(mut manifest): Json<Value>,
) -> impl IntoResponse {
    let name = manifest["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    // The pod's fetch step: the first input URL must serve the file.
    let fetch = &manifest["spec"]["template"]["spec"]["initContainers"][0];
    let fetched_bytes = match env_value(fetch, "INPUT_0_URL") {
        Some(url) => match reqwest::get(&url).await {
            Ok(r) if r.status().is_success() => r.bytes().await.map(|b| b.len()).unwrap_or(0),
            _ => 0,
        },
        None => 0,
    };
    let received = manifest.clone();
    {
        let mut state = mock.lock();
        let script = state.scripts.pop_front().unwrap_or(PodScript::Succeed);
        state.jobs.push(MockJob {
            name: name.clone(),
            manifest: received,
            deleted: false,
            fetched_bytes,
            created: Instant::now(),
            script,
            uploaded: false,
        });
    }
    manifest["metadata"]["uid"] = json!(uuid::Uuid::new_v4().to_string());
    manifest["metadata"]["namespace"] = json!(ns);
    (StatusCode::CREATED, Json(manifest))
}

async fn delete_job(
    State(mock): State<KubeMock>,
    Path((_ns, name)): Path<(String, String)>,
) -> impl IntoResponse {
    let mut state = mock.lock();
    match state.jobs.iter_mut().find(|j| j.name == name) {
        Some(job) => {
            job.deleted = true;
            (
                StatusCode::OK,
                Json(
                    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}),
                ),
            )
        }
        None => (
            StatusCode::NOT_FOUND,
            Json(
                json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "reason": "NotFound", "code": 404}),
            ),
        ),
    }
}

fn container_status(name: &str, state: Value) -> Value {
    json!({"name": name, "image": "image", "imageID": "", "ready": false, "restartCount": 0, "state": state})
}

fn pod(job: &MockJob, ns: &str, phase: &str, node: bool, model: Value) -> Value {
    json!({
        "metadata": {"name": format!("{}-x7k2p", job.name), "namespace": ns, "labels": {"job-name": job.name}},
        "spec": {
            "containers": [{"name": "upload-outputs"}],
            "nodeName": if node { json!("gpu-node-1") } else { Value::Null },
        },
        "status": {
            "phase": phase,
            "initContainerStatuses": [
                container_status("fetch-inputs", json!({"terminated": {"exitCode": 0}})),
                container_status("model", model),
            ],
        },
    })
}

async fn list_pods(
    State(mock): State<KubeMock>,
    Path(ns): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> impl IntoResponse {
    let wanted = query
        .get("labelSelector")
        .and_then(|s| s.strip_prefix("job-name="))
        .unwrap_or_default()
        .to_owned();
    let (job, upload) = {
        let mut state = mock.lock();
        let Some(job) = state.jobs.iter_mut().find(|j| j.name == wanted) else {
            return Json(
                json!({"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": []}),
            );
        };
        let done = job.created.elapsed() > PENDING + RUNNING;
        let succeeds = matches!(
            job.script,
            PodScript::Succeed | PodScript::SucceedWithResult(_)
        );
        let upload = done && succeeds && !job.uploaded;
        job.uploaded |= upload;
        (job.clone(), upload)
    };
    if upload {
        let containers = &job.manifest["spec"]["template"]["spec"]["containers"][0];
        if let Some(url) = env_value(containers, "OUTPUT_0_URL") {
            let _ = reqwest::Client::new()
                .put(&url)
                .header("content-type", "audio/mpeg")
                .body(mock.output.as_ref().clone())
                .send()
                .await;
        }
    }
    let age = job.created.elapsed();
    let running = json!({"running": {"startedAt": "2026-11-22T00:00:00Z"}});
    let item = if job.deleted {
        None
    } else if age < PENDING {
        Some(pod(
            &job,
            &ns,
            "Pending",
            false,
            json!({"waiting": {"reason": "PodInitializing"}}),
        ))
    } else if age < PENDING + RUNNING || job.script == PodScript::Hang {
        Some(pod(&job, &ns, "Pending", true, running))
    } else {
        match job.script {
            PodScript::Succeed | PodScript::SucceedWithResult(_) => Some(pod(
                &job,
                &ns,
                "Succeeded",
                true,
                json!({"terminated": {"exitCode": 0}}),
            )),
            PodScript::ExitWith(code) => Some(pod(
                &job,
                &ns,
                "Failed",
                true,
                json!({"terminated": {"exitCode": code}}),
            )),
            PodScript::NodeLost | PodScript::Hang => None,
        }
    };
    Json(json!({
        "kind": "PodList",
        "apiVersion": "v1",
        "metadata": {},
        "items": item.into_iter().collect::<Vec<_>>(),
    }))
}

async fn pod_log(
    State(mock): State<KubeMock>,
    Path((_ns, pod)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> impl IntoResponse {
    let job = mock.jobs().into_iter().find(|j| pod.starts_with(&j.name));
    let Some(job) = job else {
        return (StatusCode::NOT_FOUND, String::new());
    };
    let text = match query.get("container").map(String::as_str) {
        Some("model") => match job.script {
            PodScript::ExitWith(_) => "model says hi\nsomething broke\n".to_owned(),
            _ => "::progress 0.5 half way\nmodel says hi\n".to_owned(),
        },
        Some("upload-outputs") if job.uploaded => match job.script {
            PodScript::SucceedWithResult(result) => {
                format!("uploaded 0\n{}", result_step(&job.manifest, result))
            }
            _ => "uploaded 0\n".to_owned(),
        },
        _ => String::new(),
    };
    (StatusCode::OK, text)
}

/// What the upload step's result line prints for a model that wrote `result`: the line is
/// taken from the manifest and run with `sh` in a directory holding that `result.json`.
fn result_step(manifest: &Value, result: &str) -> String {
    let script = manifest
        .pointer("/spec/template/spec/containers/0/command/2")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Some(line) = script
        .lines()
        .find(|l| l.starts_with("if [ -f result.json ]"))
    else {
        return String::new();
    };
    let Ok(dir) = tempfile::tempdir() else {
        return String::new();
    };
    if std::fs::write(dir.path().join("result.json"), result).is_err() {
        return String::new();
    }
    std::process::Command::new("sh")
        .args(["-c", line])
        .current_dir(dir.path())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

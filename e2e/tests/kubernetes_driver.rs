//! The Kubernetes driver against a mocked API server (no cluster runs here): jobs of a GPU
//! machine type become batch/v1 Jobs with exactly the configured manifest; success, a failed
//! program, a lost node and cancel, each through the router with a real worker, media
//! service and storage.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic::config::PlatformConfig;
use mediamagic_e2e::{
    Cred, TestStack,
    jobs::{deploy, job, script_model, upload, wait_for},
    kube_mock::{KubeMock, PodScript},
    media::mp3,
    spawn_stack_with,
};
use mediamagic_worker::config::{DriverKind, MachineTypeConfig, Toleration};
use serde_json::json;
use std::time::Duration;

const SCRIPT: &str = "separate --input \"$1\" --output out.mp3";

async fn stack(mock: &KubeMock) -> TestStack {
    let url = mock.url.clone();
    spawn_stack_with(move |config: &mut PlatformConfig| {
        config.jobs.sweep_interval_ms = 100;
        let worker = &mut config.worker;
        worker.enabled = true;
        worker.driver = DriverKind::Kubernetes;
        worker.heartbeat_ms = 200;
        worker.kubernetes.api_url = Some(url);
        worker.kubernetes.namespace = "mm-jobs".into();
        worker.machine_types = [(
            "gpu".to_owned(),
            MachineTypeConfig {
                slots: 2,
                resources: [("nvidia.com/gpu".to_owned(), "1".to_owned())].into(),
                node_selector: [("accelerator".to_owned(), "nvidia-a100".to_owned())].into(),
                tolerations: vec![Toleration {
                    key: "nvidia.com/gpu".into(),
                    operator: "Exists".into(),
                    value: None,
                    effect: Some("NoSchedule".into()),
                }],
                ..Default::default()
            },
        )]
        .into();
    })
    .await
}

/// A signed-up account with an uploaded song and a `gpu` model; returns (token, song, model).
async fn account(stack: &TestStack) -> (String, String, String) {
    let (token, _, _) = stack.sign_up("gpu-user").await;
    let song = upload(stack, &token, &mp3(), "song.mp3", "audio/mpeg").await;
    let model = script_model(stack, &token, SCRIPT, "gpu", 900).await;
    (token, song, model)
}

#[tokio::test]
async fn a_gpu_job_runs_as_a_kubernetes_job_with_the_configured_manifest() {
    let output = mp3();
    let mock = KubeMock::start(output.clone()).await;
    mock.push(PodScript::Succeed);
    let stack = stack(&mock).await;
    let (token, song, model) = account(&stack).await;

    let id = deploy(
        &stack,
        &token,
        json!({"model": model, "args": {"input": song}}),
    )
    .await;
    let done = wait_for(
        &stack,
        &token,
        &id,
        &["SUCCEEDED", "FAILED"],
        Duration::from_secs(60),
    )
    .await;

    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    let jobs = mock.jobs();
    assert_eq!(jobs.len(), 1);
    assert!(jobs[0].fetched_bytes > 0, "the input URL serves the file");
    let manifest = &jobs[0].manifest;
    // The manifest the driver sent is a valid batch/v1 Job for every supported version.
    let unknown = mediamagic_e2e::k8s::validate(&serde_json::to_string(manifest).unwrap())
        .expect("a valid Job manifest");
    assert!(unknown.is_empty(), "{unknown:?}");
    let spec = &manifest["spec"];
    assert_eq!(manifest["metadata"]["namespace"], "mm-jobs");
    assert_eq!(spec["backoffLimit"], 0);
    assert_eq!(spec["activeDeadlineSeconds"], 900);
    assert_eq!(spec["ttlSecondsAfterFinished"], 600);
    let pod = &spec["template"]["spec"];
    assert_eq!(pod["restartPolicy"], "Never");
    assert_eq!(pod["nodeSelector"], json!({"accelerator": "nvidia-a100"}));
    assert_eq!(
        pod["tolerations"],
        json!([{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}])
    );
    let steps: Vec<&str> = pod["initContainers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["fetch-inputs", "model"]);
    let model_container = &pod["initContainers"][1];
    assert_eq!(model_container["image"], "debian:bookworm-slim");
    let input = "/work/inputs/input-song.mp3";
    assert_eq!(
        model_container["command"],
        json!(["sh", "-c", SCRIPT, "sh", input])
    );
    let limits = json!({"nvidia.com/gpu": "1", "memory": "4096Mi", "ephemeral-storage": "32768Mi"});
    assert_eq!(
        model_container["resources"],
        json!({"limits": limits, "requests": limits})
    );
    assert_eq!(pod["containers"][0]["name"], "upload-outputs");
    // Locked down like the local sandbox: no API token, no service addresses, no root.
    assert_eq!(pod["automountServiceAccountToken"], false);
    assert_eq!(pod["enableServiceLinks"], false);
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_eq!(pod["securityContext"]["runAsUser"], 65534);
    assert_eq!(
        pod["securityContext"]["seccompProfile"]["type"],
        "RuntimeDefault"
    );
    let containers = pod["initContainers"]
        .as_array()
        .unwrap()
        .iter()
        .chain(pod["containers"].as_array().unwrap());
    for container in containers {
        let security = &container["securityContext"];
        assert_eq!(security["allowPrivilegeEscalation"], false, "{container}");
        assert_eq!(security["readOnlyRootFilesystem"], true, "{container}");
        assert_eq!(security["runAsNonRoot"], true, "{container}");
        assert_eq!(
            security["capabilities"]["drop"],
            json!(["ALL"]),
            "{container}"
        );
        assert!(
            container["resources"]["limits"]["memory"].is_string(),
            "{container}"
        );
    }
    assert_eq!(
        pod["volumes"][0],
        json!({"name": "work", "emptyDir": {"sizeLimit": "32768Mi"}})
    );
    assert_eq!(
        spec["template"]["metadata"]["labels"]["app.kubernetes.io/component"],
        "tenant-job"
    );
    let text = manifest.to_string();
    let keys = &stack.infra.keys;
    for secret in [
        &keys.root_private_key,
        &keys.internal_private_key,
        &keys.internal_secret,
        &keys.worker_private_key,
        &keys.storage_secret,
        &keys.events_secret,
        &stack.infra.database_url,
        &stack.infra.redis_url,
    ] {
        assert!(
            !text.contains(secret.as_str()),
            "a platform secret is in the pod spec"
        );
    }

    let placed = job(&stack, &token, &id, "driver node logs { lines { line } }").await;
    assert_eq!(placed["driver"], "kubernetes");
    assert_eq!(placed["node"], "gpu-node-1");
    let lines: Vec<&str> = placed["logs"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["line"].as_str().unwrap())
        .collect();
    assert!(lines.contains(&"model says hi"), "{lines:?}");
    let outputs = done["outputs"].as_array().unwrap();
    assert_eq!(
        outputs.len(),
        1,
        "one output; unused upload slots are removed"
    );
    let media = stack
        .gql(
            Cred::Bearer(&token),
            "query($id: ID!) { media(id: $id) { status size sha256 jobId } }",
            json!({"id": outputs[0]["id"]}),
        )
        .await;
    assert_eq!(media.data("/media/status"), "LIVE");
    assert_eq!(
        media.data("/media/size").as_f64().unwrap() as usize,
        output.len()
    );
    assert_eq!(media.data("/media/jobId"), id.as_str());
}

#[tokio::test]
async fn a_program_failing_in_the_pod_fails_the_job_once_with_its_last_lines() {
    let mock = KubeMock::start(mp3()).await;
    mock.push(PodScript::ExitWith(2));
    let stack = stack(&mock).await;
    let (token, song, model) = account(&stack).await;

    let id = deploy(
        &stack,
        &token,
        json!({"model": model, "args": {"input": song}}),
    )
    .await;
    let done = wait_for(
        &stack,
        &token,
        &id,
        &["SUCCEEDED", "FAILED"],
        Duration::from_secs(60),
    )
    .await;

    assert_eq!(done["status"], "FAILED", "{done}");
    assert_eq!(done["attempts"], 1);
    assert_eq!(done["error"]["code"], "EXIT_STATUS");
    let message = done["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("status 2") && message.contains("something broke"),
        "{message}"
    );
    assert!(mock.jobs()[0].deleted, "the failed Job is removed");
}

#[tokio::test]
async fn a_lost_node_runs_the_job_again_as_a_new_kubernetes_job() {
    let mock = KubeMock::start(mp3()).await;
    mock.push(PodScript::NodeLost);
    mock.push(PodScript::Succeed);
    let stack = stack(&mock).await;
    let (token, song, model) = account(&stack).await;

    let id = deploy(
        &stack,
        &token,
        json!({"model": model, "args": {"input": song}}),
    )
    .await;
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
    let jobs = mock.jobs();
    let names: Vec<&str> = jobs.iter().map(|j| j.name.as_str()).collect();
    let simple = id.replace('-', "");
    assert_eq!(names, [format!("mm-{simple}-1"), format!("mm-{simple}-2")]);
    let runs = job(&stack, &token, &id, "runs { outcome }").await["runs"].clone();
    assert_eq!(
        runs,
        json!([{"outcome": "infrastructure"}, {"outcome": "succeeded"}])
    );
}

#[tokio::test]
async fn cancelling_a_job_running_on_kubernetes_deletes_its_job() {
    let mock = KubeMock::start(mp3()).await;
    mock.push(PodScript::Hang);
    let stack = stack(&mock).await;
    let (token, song, model) = account(&stack).await;
    let id = deploy(
        &stack,
        &token,
        json!({"model": model, "args": {"input": song}}),
    )
    .await;
    wait_for(&stack, &token, &id, &["RUNNING"], Duration::from_secs(30)).await;

    stack
        .gql(
            Cred::Bearer(&token),
            "mutation($id: ID!) { cancelJob(id: $id) { id } }",
            json!({"id": id}),
        )
        .await;
    let done = wait_for(&stack, &token, &id, &["CANCELLED"], Duration::from_secs(10)).await;

    assert_eq!(done["error"]["code"], "CANCELLED");
    assert!(mock.jobs()[0].deleted, "the Kubernetes Job is deleted");
}

#[tokio::test]
async fn a_declared_result_comes_back_through_the_pods_upload_step() {
    let mock = KubeMock::start(mp3()).await;
    mock.push(PodScript::SucceedWithResult(
        r#"{"faces": [{"score": 0.93}]}"#,
    ));
    mock.push(PodScript::SucceedWithResult(r#"{"faces": "none"}"#));
    let stack = stack(&mock).await;
    let (token, song, _) = account(&stack).await;
    let model = mediamagic_e2e::jobs::script_model_with(
        &stack,
        &token,
        SCRIPT,
        900,
        json!({"machineType": "gpu", "result": {"schema": {
            "type": "object", "required": ["faces"],
            "properties": {"faces": {"type": "array"}}}}}),
    )
    .await;
    let mut ends = Vec::new();
    for _ in 0..2 {
        let id = deploy(
            &stack,
            &token,
            json!({"model": model, "args": {"input": song}}),
        )
        .await;
        wait_for(
            &stack,
            &token,
            &id,
            &["SUCCEEDED", "FAILED"],
            Duration::from_secs(60),
        )
        .await;
        ends.push(mediamagic_e2e::jobs::job(&stack, &token, &id, "result").await);
    }

    assert_eq!(ends[0]["status"], "SUCCEEDED", "{}", ends[0]);
    assert_eq!(ends[0]["result"], json!({"faces": [{"score": 0.93}]}));
    assert_eq!(ends[1]["status"], "FAILED", "{}", ends[1]);
    assert_eq!(ends[1]["error"]["code"], "RESULT_INVALID");
    assert!(ends[1]["result"].is_null());
}

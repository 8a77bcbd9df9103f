//! The Kubernetes driver: one batch/v1 Job per attempt. The pod runs three steps in order:
//! init container `fetch-inputs` downloads the file arguments from presigned GET URLs into a
//! shared `emptyDir`, init container `model` runs the model's image and command there, and
//! container `upload-outputs` PUTs each declared output to a presigned URL and says which it
//! sent (`uploaded <n>` lines). Resources, node selector and tolerations come from the
//! machine type's config; `backoffLimit: 0` (the queue owns retries),
//! `activeDeadlineSeconds` from the model's timeout, `ttlSecondsAfterFinished` from config.
//! The driver polls the pod, streams the model's log for progress, and deletes the Job on
//! cancel. A pod that disappears (node lost, evicted) is an infrastructure failure.

use super::{DriverRun, RunContext, process::LineSink};
use crate::{
    config::{KubernetesConfig, MachineTypeConfig, WorkerConfig},
    domain::{
        result::{RESULT_FILE, ResultRefused},
        run::{InputFile, RunEnd, RunEvent, RunOutput, RunPlan},
    },
    media_client::OutputTicket,
};
use futures::{AsyncBufReadExt, StreamExt};
use k8s_openapi::api::{batch::v1::Job, core::v1::Pod};
use kube::{
    Api, Client,
    api::{DeleteParams, ListParams, LogParams, PostParams},
};
use mediamagic_models::domain::render::Invocation;
use serde_json::{Value, json};
use std::{sync::Arc, time::Duration};
use tokio::time::Instant;

/// Where the pod's steps share files.
const WORK: &str = "/work";
/// How often the pod is looked at.
const POLL: Duration = Duration::from_millis(500);

/// Why the driver could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("kubernetes driver: {0}")]
pub struct KubernetesSetupError(String);

/// Runs jobs as Kubernetes Jobs.
#[derive(Clone)]
pub struct KubernetesDriver {
    client: Client,
    config: Arc<WorkerConfig>,
}

impl KubernetesDriver {
    /// A driver for the API server of `worker.kubernetes` (in-cluster when no URL is set).
    pub fn new(config: Arc<WorkerConfig>) -> Result<Self, KubernetesSetupError> {
        // The workspace enables both of rustls's providers (hive-router wants aws-lc-rs), so
        // rustls picks none by itself; an error here means one is installed already.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let settings = &config.kubernetes;
        let fail = |e: String| KubernetesSetupError(e);
        let mut kube_config = match &settings.api_url {
            Some(url) => kube::Config::new(url.parse().map_err(|e| fail(format!("{e}")))?),
            None => kube::Config::incluster().map_err(|e| fail(e.to_string()))?,
        };
        kube_config.default_namespace = settings.namespace.clone();
        if let Some(file) = &settings.token_file {
            let token = std::fs::read_to_string(file).map_err(|e| fail(e.to_string()))?;
            let value = http::HeaderValue::from_str(&format!("Bearer {}", token.trim()))
                .map_err(|e| fail(e.to_string()))?;
            kube_config
                .headers
                .push((http::header::AUTHORIZATION, value));
        }
        let client = Client::try_from(kube_config).map_err(|e| fail(e.to_string()))?;
        Ok(Self { client, config })
    }

    /// Runs one attempt as a Job and follows it to its end.
    pub async fn run(&self, plan: &RunPlan, ctx: &RunContext) -> DriverRun {
        let end = match self.run_job(plan, ctx).await {
            Ok(end) => end,
            Err(end) => end,
        };
        DriverRun { end, workdir: None }
    }

    async fn run_job(&self, plan: &RunPlan, ctx: &RunContext) -> Result<RunEnd, RunEnd> {
        let machine = self
            .config
            .machine_types
            .get(&plan.run.machine_type)
            .cloned()
            .unwrap_or_default();
        let command = match plan.invocation(|input| format!("{WORK}/inputs/{}", input.local_name()))
        {
            Ok(Invocation::Exec { program, args }) => {
                std::iter::once(program).chain(args).collect::<Vec<_>>()
            }
            Ok(Invocation::Http { .. }) => {
                return Err(RunEnd::Failed {
                    code: "BAD_COMMAND".into(),
                    message: "`http` models run on the local driver only".into(),
                });
            }
            Err(e) => {
                return Err(RunEnd::Failed {
                    code: "BAD_COMMAND".into(),
                    message: e.to_string(),
                });
            }
        };
        let mut tickets = Vec::new();
        for output in &plan.run.outputs {
            let name = output
                .pattern
                .rsplit('/')
                .next()
                .unwrap_or("output")
                .replace(['*', '?'], "_");
            let ticket = ctx
                .media
                .output_ticket(plan.job_id, &name, &output.content_type, None)
                .await
                .map_err(|e| RunEnd::Infrastructure(e.to_string()))?;
            tickets.push(ticket);
        }
        let name = job_name(plan);
        let manifest = manifest(
            &name,
            plan,
            &command,
            &machine,
            &self.config,
            &plan.inputs,
            &tickets,
        );
        let job: Job = serde_json::from_value(manifest)
            .map_err(|e| RunEnd::Infrastructure(format!("building the Job failed: {e}")))?;
        let jobs: Api<Job> = Api::default_namespaced(self.client.clone());
        jobs.create(&PostParams::default(), &job)
            .await
            .map_err(|e| RunEnd::Infrastructure(format!("creating the Job failed: {e}")))?;
        ctx.log(format!("created Kubernetes Job {name}")).await;
        let end = self.follow(&name, plan, ctx, &tickets).await;
        if !matches!(end, RunEnd::Succeeded { .. }) {
            // Stop whatever still runs; a finished Job is removed by its TTL.
            let _ = jobs.delete(&name, &DeleteParams::background()).await;
        }
        Ok(end)
    }

    /// Polls the Job's pod until it ends, the run is stopped, or the pod is lost.
    async fn follow(
        &self,
        name: &str,
        plan: &RunPlan,
        ctx: &RunContext,
        tickets: &[OutputTicket],
    ) -> RunEnd {
        let pods: Api<Pod> = Api::default_namespaced(self.client.clone());
        let selector = ListParams::default().labels(&format!("job-name={name}"));
        let created = Instant::now();
        let schedule_timeout = Duration::from_secs(self.config.kubernetes.schedule_timeout_seconds);
        let sink = LineSink::new(ctx.events.clone());
        let mut seen: Option<String> = None;
        let mut node_reported = false;
        let mut logs: Option<tokio::task::JoinHandle<()>> = None;
        loop {
            tokio::select! {
                _ = ctx.cancel.cancelled() => return RunEnd::Cancelled,
                _ = ctx.release.cancelled() => return RunEnd::Released,
                _ = tokio::time::sleep(POLL) => {}
            }
            let listed = match pods.list(&selector).await {
                Ok(list) => list.items,
                Err(e) => {
                    tracing::warn!(job = %plan.job_id, error = %e, "listing pods failed");
                    continue;
                }
            };
            let Some(pod) = listed.into_iter().next() else {
                if seen.is_some() {
                    return RunEnd::Infrastructure(
                        "the pod disappeared (its node was lost or it was evicted)".into(),
                    );
                }
                if created.elapsed() > schedule_timeout {
                    return RunEnd::Infrastructure("no pod was created in time".into());
                }
                continue;
            };
            let pod_name = pod.metadata.name.clone().unwrap_or_default();
            seen = Some(pod_name.clone());
            if !node_reported
                && let Some(node) = pod.spec.as_ref().and_then(|s| s.node_name.clone())
            {
                node_reported = true;
                let _ = ctx.events.send(RunEvent::Node(node)).await;
            }
            let status = pod.status.clone().unwrap_or_default();
            let model_state = init_state(&pod, "model");
            if logs.is_none()
                && model_state.is_some_and(|s| s.running.is_some() || s.terminated.is_some())
            {
                logs = Some(tokio::spawn(stream_model_log(
                    pods.clone(),
                    pod_name.clone(),
                    sink.clone(),
                )));
            }
            match status.phase.as_deref() {
                Some("Succeeded") => {
                    if let Some(task) = logs.take() {
                        let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
                    }
                    return self.outputs(&pods, &pod_name, plan, tickets).await;
                }
                Some("Failed") => {
                    if let Some(task) = logs.take() {
                        let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
                    }
                    return failure(&pod, &status, plan, &sink);
                }
                Some("Pending")
                    if pod
                        .spec
                        .as_ref()
                        .and_then(|s| s.node_name.as_ref())
                        .is_none()
                        && created.elapsed() > schedule_timeout =>
                {
                    return RunEnd::Infrastructure(format!(
                        "the pod was not scheduled within {} s (no node fits machine type `{}`)",
                        schedule_timeout.as_secs(),
                        plan.run.machine_type
                    ));
                }
                _ => {}
            }
        }
    }

    /// The outputs the upload step says it sent.
    async fn outputs(
        &self,
        pods: &Api<Pod>,
        pod: &str,
        plan: &RunPlan,
        tickets: &[OutputTicket],
    ) -> RunEnd {
        let params = LogParams {
            container: Some("upload-outputs".into()),
            ..LogParams::default()
        };
        let log = match pods.logs(pod, &params).await {
            Ok(log) => log,
            Err(e) => return RunEnd::Infrastructure(format!("reading the upload log failed: {e}")),
        };
        let sent: Vec<RunOutput> = log
            .lines()
            .filter_map(|line| line.trim().strip_prefix("uploaded ")?.parse::<usize>().ok())
            .filter_map(|n| tickets.get(n))
            .map(|t| RunOutput::Uploaded {
                media_id: t.media_id,
            })
            .collect();
        // A model that declares no outputs (no tickets) succeeds without any.
        if sent.is_empty() && !tickets.is_empty() {
            return RunEnd::Failed {
                code: "OUTPUT_MISSING".into(),
                message: "the program produced none of its declared outputs".into(),
            };
        }
        let result = plan
            .run
            .result
            .as_ref()
            .map(|spec| pod_result(spec, &log, self.config.max_result_bytes));
        RunEnd::succeeded(sent, result)
    }
}

/// The state of init container `name`.
fn init_state(pod: &Pod, name: &str) -> Option<k8s_openapi::api::core::v1::ContainerState> {
    pod.status
        .as_ref()?
        .init_container_statuses
        .as_ref()?
        .iter()
        .find(|s| s.name == name)?
        .state
        .clone()
}

/// Why a failed pod failed.
fn failure(
    pod: &Pod,
    status: &k8s_openapi::api::core::v1::PodStatus,
    plan: &RunPlan,
    sink: &LineSink,
) -> RunEnd {
    if status.reason.as_deref() == Some("DeadlineExceeded") {
        return RunEnd::Failed {
            code: "TIMEOUT".into(),
            message: format!(
                "the model's timeout of {} s was reached and the run was stopped",
                plan.run.timeout_seconds
            ),
        };
    }
    let exit = |name: &str| {
        init_state(pod, name)
            .and_then(|s| s.terminated)
            .map(|t| t.exit_code)
    };
    match (exit("fetch-inputs"), exit("model")) {
        (Some(code), _) if code != 0 => {
            RunEnd::Infrastructure(format!("fetching the inputs failed (exit status {code})"))
        }
        (_, Some(code)) if code != 0 => RunEnd::Failed {
            code: "EXIT_STATUS".into(),
            message: sink
                .take_tail()
                .message(&format!("the program exited with status {code}")),
        },
        (_, Some(_)) => RunEnd::Infrastructure("uploading the outputs failed".into()),
        _ => RunEnd::Infrastructure(format!(
            "the pod failed: {}",
            status
                .reason
                .clone()
                .or_else(|| status.message.clone())
                .unwrap_or_else(|| "no reason given".into())
        )),
    }
}

/// Streams the model container's log into `sink` until it ends.
async fn stream_model_log(pods: Api<Pod>, pod: String, sink: LineSink) {
    let params = LogParams {
        container: Some("model".into()),
        follow: true,
        ..LogParams::default()
    };
    match pods.log_stream(&pod, &params).await {
        Ok(stream) => {
            let mut lines = stream.lines();
            while let Some(Ok(line)) = lines.next().await {
                sink.line("stdout", &line).await;
            }
        }
        Err(e) => tracing::warn!(pod, error = %e, "streaming the model's log failed"),
    }
}

/// Whether `text` has only characters that mean nothing special to `sh` besides globs.
fn shell_safe(text: &str) -> bool {
    !text.is_empty()
        && text.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | '*' | '?' | '+')
        })
}

/// `url` as a job pod should call it: a local-storage object URL moved onto
/// `kubernetes.objects_url` when that is set (path and signed query unchanged).
pub fn pod_url(url: &str, settings: &KubernetesConfig) -> String {
    let Some(base) = settings.objects_url.as_deref() else {
        return url.to_owned();
    };
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    match after_scheme.find('/') {
        Some(slash) if after_scheme[slash..].starts_with("/objects/") => {
            format!("{}{}", base.trim_end_matches('/'), &after_scheme[slash..])
        }
        _ => url.to_owned(),
    }
}

/// `mm-<job>-<attempt>`: a DNS-1123 name unique per attempt.
pub fn job_name(plan: &RunPlan) -> String {
    format!("mm-{}-{}", plan.job_id.simple(), plan.attempt)
}

/// The Job manifest of one attempt.
pub fn manifest(
    name: &str,
    plan: &RunPlan,
    command: &[String],
    machine: &MachineTypeConfig,
    config: &WorkerConfig,
    inputs: &[InputFile],
    tickets: &[OutputTicket],
) -> Value {
    let settings = &config.kubernetes;
    let mut fetch = vec![format!("set -e; mkdir -p {WORK}/inputs")];
    let mut fetch_env = Vec::new();
    for (n, input) in inputs.iter().enumerate() {
        fetch_env.push(
            json!({"name": format!("INPUT_{n}_URL"), "value": pod_url(&input.url, settings)}),
        );
        fetch.push(format!(
            "curl -fsSL --retry 3 -o '{WORK}/inputs/{}' \"$INPUT_{n}_URL\"",
            input.local_name()
        ));
    }
    let mut upload = vec![format!("cd {WORK}")];
    let mut upload_env = Vec::new();
    for (n, (output, ticket)) in plan.run.outputs.iter().zip(tickets).enumerate() {
        // Patterns and types are the model author's text; only plain ones reach a shell.
        if !shell_safe(&output.pattern) || !shell_safe(&output.content_type) {
            continue;
        }
        upload_env.push(
            json!({"name": format!("OUTPUT_{n}_URL"), "value": pod_url(&ticket.url, settings)}),
        );
        upload.push(format!(
            "f=$(ls -1 {pattern} 2>/dev/null | head -n 1); if [ -n \"$f\" ] && [ -f \"$f\" ] && [ ! -L \"$f\" ]; then \
             curl -fsS --retry 3 -X PUT -H 'Content-Type: {content_type}' --upload-file \"$f\" \"$OUTPUT_{n}_URL\" \
             && echo 'uploaded {n}'; fi",
            pattern = output.pattern,
            content_type = output.content_type,
        ));
    }
    if plan.run.result.is_some() {
        // The result comes back in the upload step's log, hex-encoded on one line (so a
        // model's own output can never pose as it), or a note that it was too large.
        upload.push(format!(
            "if [ -f {RESULT_FILE} ] && [ ! -L {RESULT_FILE} ]; then \
             if [ \"$(wc -c < {RESULT_FILE})\" -le {max} ]; then \
             echo \"result $(od -An -v -tx1 {RESULT_FILE} | tr -d ' \\n')\"; \
             else echo 'result-too-large'; fi; fi",
            max = config.max_result_bytes,
        ));
    }
    let limits = config.limits_for(&plan.run.machine_type, &plan.run.limits);
    let mut resources: serde_json::Map<String, Value> = machine
        .resources
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    // The run's limits where the machine type names no resource of its own.
    for (name, value) in [
        ("memory", format!("{}Mi", limits.memory_mb)),
        ("ephemeral-storage", format!("{}Mi", limits.output_mb)),
    ] {
        resources.entry(name).or_insert(Value::String(value));
    }
    let transfer_resources = json!({
        "limits": {"cpu": "500m", "memory": "256Mi"},
        "requests": {"cpu": "50m", "memory": "64Mi"},
    });
    let uid = settings.pod_uid;
    // Every container: no root, no privilege escalation, no capabilities, the runtime's
    // seccomp profile, a read-only root file system (the work and /tmp volumes are writable).
    let locked_down = json!({
        "runAsNonRoot": true,
        "runAsUser": uid,
        "runAsGroup": uid,
        "allowPrivilegeEscalation": false,
        "privileged": false,
        "readOnlyRootFilesystem": true,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    });
    let tolerations: Vec<Value> = machine
        .tolerations
        .iter()
        .map(|t| {
            let mut toleration = json!({"key": t.key, "operator": t.operator});
            if let Some(value) = &t.value {
                toleration["value"] = json!(value);
            }
            if let Some(effect) = &t.effect {
                toleration["effect"] = json!(effect);
            }
            toleration
        })
        .collect();
    let volume_mount = json!([
        {"name": "work", "mountPath": WORK},
        {"name": "tmp", "mountPath": "/tmp"},
    ]);
    let labels = json!({
        "app.kubernetes.io/managed-by": "mediamagic",
        // What the chart's NetworkPolicy selects: tenant code, allowed only the media
        // service's object routes and the egress its model declares.
        "app.kubernetes.io/component": "tenant-job",
        "mediamagic.io/network": if plan.run.network { "egress" } else { "none" },
        "mediamagic.io/job-id": plan.job_id.to_string(),
        "mediamagic.io/attempt": plan.attempt.to_string(),
        "mediamagic.io/machine-type": plan.run.machine_type,
    });
    let mut pod_spec = json!({
        "restartPolicy": "Never",
        // No Kubernetes API credential and no service addresses in the environment.
        "automountServiceAccountToken": false,
        "enableServiceLinks": false,
        "securityContext": {
            "runAsNonRoot": true,
            "runAsUser": uid,
            "runAsGroup": uid,
            "fsGroup": uid,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "volumes": [
            {"name": "work", "emptyDir": {"sizeLimit": format!("{}Mi", limits.output_mb)}},
            {"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}},
        ],
        "initContainers": [
            {
                "name": "fetch-inputs",
                "image": settings.transfer_image,
                "command": ["sh", "-c", fetch.join("\n")],
                "env": fetch_env,
                "volumeMounts": volume_mount,
                "resources": transfer_resources,
                "securityContext": locked_down,
            },
            {
                "name": "model",
                "image": plan.run.container,
                "command": command,
                "workingDir": WORK,
                "env": [
                    {"name": "MEDIAMAGIC_JOB_ID", "value": plan.job_id.to_string()},
                    {"name": "MEDIAMAGIC_ATTEMPT", "value": plan.attempt.to_string()},
                    {"name": "HOME", "value": WORK},
                    {"name": "TMPDIR", "value": "/tmp"},
                ],
                "resources": {"limits": resources, "requests": resources},
                "volumeMounts": volume_mount,
                "securityContext": locked_down,
            },
        ],
        "containers": [{
            "name": "upload-outputs",
            "image": settings.transfer_image,
            "command": ["sh", "-c", upload.join("\n")],
            "env": upload_env,
            "volumeMounts": volume_mount,
            "resources": transfer_resources,
            "securityContext": locked_down,
        }],
    });
    if !machine.node_selector.is_empty() {
        pod_spec["nodeSelector"] = json!(machine.node_selector);
    }
    if !tolerations.is_empty() {
        pod_spec["tolerations"] = json!(tolerations);
    }
    if let Some(account) = &settings.service_account {
        pod_spec["serviceAccountName"] = json!(account);
    }
    json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": settings.namespace, "labels": labels},
        "spec": {
            "backoffLimit": 0,
            "activeDeadlineSeconds": plan.run.timeout_seconds,
            "ttlSecondsAfterFinished": settings.ttl_seconds_after_finished,
            "template": {"metadata": {"labels": labels}, "spec": pod_spec},
        },
    })
}

/// The result the upload step reported in its log (`result <hex>`), checked.
fn pod_result(
    spec: &mediamagic_models::domain::result::ResultSpec,
    log: &str,
    max_bytes: usize,
) -> Result<Value, ResultRefused> {
    for line in log.lines().rev().map(str::trim) {
        if line == "result-too-large" {
            return Err(ResultRefused {
                code: "RESULT_TOO_LARGE",
                message: format!("{RESULT_FILE} is over the limit of {max_bytes} bytes"),
            });
        }
        if let Some(bytes) = line
            .strip_prefix("result ")
            .and_then(|encoded| hex::decode(encoded).ok())
        {
            return crate::domain::result::check(spec, &bytes, max_bytes);
        }
    }
    Err(ResultRefused {
        code: "RESULT_MISSING",
        message: format!("the program wrote no {RESULT_FILE} (the model declares a result)"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_objects_url(url: Option<&str>) -> KubernetesConfig {
        KubernetesConfig {
            objects_url: url.map(str::to_owned),
            ..KubernetesConfig::default()
        }
    }

    #[test]
    fn object_urls_move_onto_the_objects_port_with_their_signature() {
        let settings = with_objects_url(Some("http://mm-media-objects:4013/"));
        assert_eq!(
            pod_url(
                "https://media.example.com/objects/a/b.mp3?expires=1&signature=x",
                &settings
            ),
            "http://mm-media-objects:4013/objects/a/b.mp3?expires=1&signature=x"
        );
    }

    #[test]
    fn other_urls_and_unset_bases_are_left_alone() {
        let s3 = "https://bucket.s3.amazonaws.com/media/a.mp3?X-Amz-Signature=x";
        let settings = with_objects_url(Some("http://mm-media-objects:4013"));
        assert_eq!(pod_url(s3, &settings), s3);
        let local = "http://127.0.0.1:4003/objects/a.mp3?signature=x";
        assert_eq!(pod_url(local, &with_objects_url(None)), local);
    }
}

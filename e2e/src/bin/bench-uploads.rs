//! Benchmark: a 1 GiB upload to a media service process on local storage, by presigned PUT
//! and by seed 000's multipart `/upload`, against a plain file copy on the same disk; and the
//! media process's peak memory (VmHWM) over both.
//!
//! Run with `e2e/bench/run.sh uploads` (release build). Knob: `BENCH_UPLOAD_MIB` (1024).
//! Targets: each upload keeps at least 50% of the copy's throughput; peak memory stays under
//! 100 MB. Exits non-zero when a target is missed.

use anyhow::Context;
use futures::StreamExt;
use mediamagic::secrets::Keys;
use mediamagic_e2e::workspace_binary;
use mediamagic_kit::{
    AccountKind, Scope,
    auth::INTERNAL_TOKEN_HEADER,
    local_services::free_port,
    testing,
    tokens::{Claims, TokenIssuer},
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::{
    io::Write,
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};
use tokio::{io::AsyncReadExt, process::Child};
use uuid::Uuid;

const MIB: u64 = 1024 * 1024;
const READ_CHUNK: usize = 1024 * 1024;

/// The media service process under test.
struct MediaProcess {
    child: Child,
    base: String,
    keys: Keys,
    account: Uuid,
    http: reqwest::Client,
}

impl MediaProcess {
    async fn start(dir: &Path) -> anyhow::Result<Self> {
        let keys = Keys::generate();
        let port = free_port()?;
        let storage = dir.join("objects");
        let config = format!(
            r#"
[database]
url = "{database}"
[redis]
url = "{redis}"
[auth]
{auth}[listen]
host = "127.0.0.1"
media_port = {port}
[media]
max_upload_bytes = {limit}
[media.storage]
kind = "directory"
path = "{storage}"
"#,
            database = testing::test_database().await,
            redis = testing::redis_url(),
            auth = keys.to_toml(),
            limit = 4 * 1024 * MIB,
            storage = storage.display(),
        );
        let config_path = dir.join("media.toml");
        std::fs::write(&config_path, config)?;
        let log = std::fs::File::create(dir.join("media.log"))?;
        let child = tokio::process::Command::new(workspace_binary("mediamagic"))
            .args(["serve", "media"])
            .env("MEDIAMAGIC_CONFIG", &config_path)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true)
            .spawn()?;
        let process = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            keys,
            account: Uuid::now_v7(),
            http: reqwest::Client::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(r) = process
                .http
                .get(format!("{}/readyz", process.base))
                .send()
                .await
                && r.status().is_success()
            {
                return Ok(process);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let log = std::fs::read_to_string(dir.join("media.log")).unwrap_or_default();
        anyhow::bail!("the media service did not become ready; its log:\n{log}")
    }

    fn token(&self) -> anyhow::Result<String> {
        Ok(TokenIssuer::from_hex(&self.keys.internal_private_key)?
            .mint(&Claims {
                user_id: Some(self.account),
                account_id: self.account,
                account_kind: AccountKind::User,
                scopes: vec![Scope::Read, Scope::Write],
                expires_at: chrono::Utc::now() + chrono::Duration::seconds(600),
                session: None,
                api_key: None,
            })?
            .token)
    }

    async fn gql(&self, query: &str, variables: Value) -> anyhow::Result<Value> {
        let body: Value = self
            .http
            .post(format!("{}/graphql", self.base))
            .header(INTERNAL_TOKEN_HEADER, self.token()?)
            .json(&json!({"query": query, "variables": variables}))
            .send()
            .await?
            .json()
            .await?;
        if !body["errors"].is_null() {
            anyhow::bail!("GraphQL error: {body}");
        }
        Ok(body["data"].clone())
    }

    /// Waits until the `media_live` handler is done with `id`, so its work does not overlap
    /// the next measurement.
    async fn processed(&self, id: &str) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(300);
        while Instant::now() < deadline {
            let data = self
                .gql(
                    "query($id: ID!) { media(id: $id) { status metadata { format } } }",
                    json!({"id": id}),
                )
                .await?;
            if data["media"]["status"] == "FAILED" || !data["media"]["metadata"].is_null() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        anyhow::bail!("media {id} was not processed in 300 s")
    }

    /// Peak resident memory of the process, in bytes.
    fn peak_memory(&self) -> anyhow::Result<u64> {
        let pid = self.child.id().context("the media process exited")?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let kib = status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .context("VmHWM missing")?;
        Ok(kib * 1024)
    }
}

/// A file of `size` bytes of pseudo-random data (incompressible, cheap to make).
fn make_source(path: &Path, size: u64) -> anyhow::Result<String> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut hasher = Sha256::new();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut block = vec![0u8; READ_CHUNK];
    let mut left = size;
    while left > 0 {
        for word in block.chunks_exact_mut(8) {
            // xorshift64
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            word.copy_from_slice(&state.to_le_bytes());
        }
        let n = left.min(block.len() as u64) as usize;
        file.write_all(&block[..n])?;
        hasher.update(&block[..n]);
        left -= n as u64;
    }
    file.into_inner()?.sync_all()?;
    Ok(hex::encode(hasher.finalize()))
}

/// `prefix`, the file's bytes read in chunks, then `suffix`, as a request body.
fn file_body(path: PathBuf, prefix: Vec<u8>, suffix: Vec<u8>) -> reqwest::Body {
    let head = futures::stream::once(async move { Ok::<_, std::io::Error>(prefix) });
    let tail = futures::stream::once(async move { Ok::<_, std::io::Error>(suffix) });
    let file = futures::stream::once(async move { tokio::fs::File::open(path).await })
        .map(|opened| {
            futures::stream::unfold(Some(opened), |state| async move {
                let mut file = match state? {
                    Ok(file) => file,
                    Err(e) => return Some((Err(e), None)),
                };
                let mut buf = vec![0u8; READ_CHUNK];
                match file.read(&mut buf).await {
                    Ok(0) => None,
                    Ok(n) => {
                        buf.truncate(n);
                        Some((Ok(buf), Some(Ok(file))))
                    }
                    Err(e) => Some((Err(e), None)),
                }
            })
        })
        .flatten();
    reqwest::Body::wrap_stream(head.chain(file).chain(tail))
}

fn throughput(size: u64, elapsed: Duration) -> f64 {
    size as f64 / MIB as f64 / elapsed.as_secs_f64()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mib: u64 = std::env::var("BENCH_UPLOAD_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let size = mib * MIB;
    // Everything on one disk: the source, the copy and the media service's storage.
    let dir = tempfile::tempdir()?;
    let source = dir.path().join("source.bin");
    println!("making a {mib} MiB source file...");
    let sha256 = make_source(&source, size)?;

    let started = Instant::now();
    std::fs::copy(&source, dir.path().join("copy.bin"))?;
    std::fs::File::open(dir.path().join("copy.bin"))?.sync_all()?;
    let copy = started.elapsed();
    std::fs::remove_file(dir.path().join("copy.bin"))?;

    let media = MediaProcess::start(dir.path()).await?;

    // Presigned: create, PUT straight to the signed URL, finalize (re-reads to verify).
    let ticket = media
        .gql(
            "mutation($i: CreateUploadInput!) { createUpload(input: $i) { url media { id } } }",
            json!({"i": {"filename": "big.mp4", "contentType": "video/mp4", "size": size, "sha256": sha256}}),
        )
        .await?;
    let url = ticket["createUpload"]["url"]
        .as_str()
        .context("upload URL")?;
    let id = ticket["createUpload"]["media"]["id"]
        .as_str()
        .context("media id")?
        .to_owned();
    let started = Instant::now();
    let put = media
        .http
        .put(url)
        .header("content-type", "video/mp4")
        .header("content-length", size)
        .body(file_body(source.clone(), Vec::new(), Vec::new()))
        .send()
        .await?;
    anyhow::ensure!(put.status().is_success(), "PUT failed: {}", put.status());
    let presigned = started.elapsed();
    let started = Instant::now();
    media
        .gql(
            "mutation($id: ID!) { finalizeUpload(id: $id) { status } }",
            json!({"id": id}),
        )
        .await?;
    let finalize = started.elapsed();
    media.processed(&id).await?;

    // Multipart: seed 000's form, hashed while streaming.
    let boundary = "bench-boundary";
    let prefix = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"tags\"\r\n\r\nbench\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"media\"; filename=\"big.mp4\"\r\nContent-Type: video/mp4\r\n\r\n"
    )
    .into_bytes();
    let suffix = format!("\r\n--{boundary}--\r\n").into_bytes();
    let length = prefix.len() as u64 + size + suffix.len() as u64;
    let started = Instant::now();
    let posted = media
        .http
        .post(format!("{}/upload", media.base))
        .header(INTERNAL_TOKEN_HEADER, media.token()?)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header("content-length", length)
        .body(file_body(source.clone(), prefix, suffix))
        .send()
        .await?;
    let status = posted.status();
    let answer: Value = posted.json().await?;
    anyhow::ensure!(status.is_success(), "multipart upload failed: {answer}");
    let multipart = started.elapsed();
    let multipart_id = answer["media"]["id"].as_str().context("media id")?;
    let stored: Value = media
        .gql(
            "query($id: ID!) { media(id: $id) { sha256 } }",
            json!({"id": multipart_id}),
        )
        .await?;
    anyhow::ensure!(
        stored["media"]["sha256"] == sha256.as_str(),
        "the multipart upload's sha256 differs"
    );
    media.processed(multipart_id).await?;
    let peak = media.peak_memory()?;

    let copy_rate = throughput(size, copy);
    let presigned_rate = throughput(size, presigned);
    let multipart_rate = throughput(size, multipart);
    println!("{mib} MiB upload on local storage");
    println!("  file copy:      {copy_rate:>8.1} MiB/s ({copy:.2?})");
    println!(
        "  presigned PUT:  {presigned_rate:>8.1} MiB/s ({presigned:.2?}; {:.0}% of copy); finalize {finalize:.2?}",
        presigned_rate / copy_rate * 100.0
    );
    println!(
        "  multipart POST: {multipart_rate:>8.1} MiB/s ({multipart:.2?}; {:.0}% of copy)",
        multipart_rate / copy_rate * 100.0
    );
    println!("  media service peak memory: {:.1} MB", peak as f64 / 1e6);

    let mut missed = Vec::new();
    if presigned_rate < copy_rate * 0.5 {
        missed.push("presigned PUT under 50% of the copy's throughput");
    }
    if multipart_rate < copy_rate * 0.5 {
        missed.push("multipart under 50% of the copy's throughput");
    }
    if peak >= 100_000_000 {
        missed.push("peak memory at or over 100 MB");
    }
    if missed.is_empty() {
        println!("targets met");
        Ok(())
    } else {
        anyhow::bail!("targets missed: {}", missed.join("; "))
    }
}

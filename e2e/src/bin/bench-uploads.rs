//! Benchmark: a 1 GiB upload to a media service process on local storage, by presigned PUT
//! and by seed 000's multipart `/upload`, against a plain file copy on the same disk; and the
//! media process's peak memory (VmHWM) over both. Then a multipart upload in 64 MiB parts,
//! four at a time, to a fresh media process: interrupted halfway (a part's connection
//! dropped), resumed from `uploadParts`, completed with the declared sha256; its throughput,
//! its `completeUpload` time and that process's peak memory. It runs twice: parts checked
//! with CRC32 (`partChecksum: CRC32`, the fast choice) and with SHA-256 (the default).
//!
//! Run with `e2e/bench/run.sh uploads` (release build). Knobs: `BENCH_UPLOAD_MIB` (1024),
//! `BENCH_PARALLEL_PARTS` (4). Targets: the presigned and direct uploads keep at least 50% of
//! the copy's throughput with peak memory under 100 MB; the multipart upload with CRC32 parts
//! at least 80%, with the media service under 64 MB in both runs. Exits non-zero when a
//! target is missed.

use anyhow::Context;
use futures::StreamExt;
use mediamagic::secrets::Keys;
use mediamagic_e2e::{media::PartCheck as Check, workspace_binary};
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
use tokio::process::Child;
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
    let file =
        futures::stream::once(
            async move { tokio::fs::metadata(&path).await.map(|m| (path, m.len())) },
        )
        .map(|found| match found {
            Ok((path, len)) => range_stream(path, 0, len).left_stream(),
            Err(e) => futures::stream::once(async move { Err(e) }).right_stream(),
        })
        .flatten();
    reqwest::Body::wrap_stream(head.chain(file).chain(tail))
}

/// `len` bytes of the file from `offset`, read in chunks on the blocking pool. A real client
/// sends from another machine; reading straight into fresh buffers (no zero-filling, no
/// copy through tokio's file buffer) keeps the load generator's share of the two cores small.
fn range_stream(
    path: PathBuf,
    offset: u64,
    len: u64,
) -> impl futures::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
    use std::io::{Read, Seek};
    futures::stream::unfold((None::<std::fs::File>, len), move |(file, left)| {
        let path = path.clone();
        async move {
            if left == 0 {
                return None;
            }
            let want = READ_CHUNK.min(left as usize);
            let read = tokio::task::spawn_blocking(move || {
                let mut file = match file {
                    Some(file) => file,
                    None => {
                        let mut file = std::fs::File::open(&path)?;
                        file.seek(std::io::SeekFrom::Start(offset))?;
                        file
                    }
                };
                let mut buf = Vec::with_capacity(want);
                (&mut file).take(want as u64).read_to_end(&mut buf)?;
                Ok::<_, std::io::Error>((file, buf))
            })
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)));
            match read {
                Ok((_, buf)) if buf.is_empty() => None,
                Ok((file, buf)) => {
                    let left = left - buf.len() as u64;
                    Some((Ok(buf), (Some(file), left)))
                }
                Err(e) => Some((Err(e), (None, 0))),
            }
        }
    })
}

/// `len` bytes of the file from `offset`, as a request body.
fn range_body(path: PathBuf, offset: u64, len: u64) -> reqwest::Body {
    reqwest::Body::wrap_stream(range_stream(path, offset, len))
}

/// The checksum of each `part_size` part of the file.
fn part_sums(path: &Path, part_size: u64, check: Check) -> anyhow::Result<Vec<String>> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut sums = Vec::new();
    loop {
        let mut part = Vec::with_capacity(part_size as usize);
        (&mut file).take(part_size).read_to_end(&mut part)?;
        if part.is_empty() {
            return Ok(sums);
        }
        sums.push(check.sum(&part));
    }
}

/// What the multipart phase measured.
struct MultipartRun {
    /// Time spent sending parts (both halves, not the pause between).
    sending: Duration,
    /// `completeUpload`'s time.
    complete: Duration,
    /// Peak memory of its media process.
    peak: u64,
}

/// A part's presigned URL and the headers it must be sent with.
type PartUrl = (String, Vec<(String, String)>);

/// What an upload's parts are: the file, its size, the part size and each part's URL.
struct PartPlan<'a> {
    source: &'a Path,
    size: u64,
    part_size: u64,
    urls: std::collections::HashMap<u64, PartUrl>,
}

/// PUTs parts `numbers` of the file, `parallel` at a time; with `drop_one` the first is cut
/// off halfway (its connection dropped) to play a crash.
async fn put_parts(
    media: &MediaProcess,
    plan: &PartPlan<'_>,
    numbers: &[u64],
    parallel: usize,
    drop_one: bool,
) -> anyhow::Result<()> {
    let (source, part_size, size) = (plan.source, plan.part_size, plan.size);
    let jobs = numbers.iter().enumerate().map(|(i, number)| {
        let (url, headers) = plan.urls[number].clone();
        let offset = (number - 1) * part_size;
        let len = part_size.min(size - offset);
        let dropped = drop_one && i == 0;
        let source = source.to_path_buf();
        let http = media.http.clone();
        async move {
            let body = if dropped {
                let failing = futures::stream::once(async {
                    Err::<Vec<u8>, _>(std::io::Error::other("the connection dropped"))
                });
                reqwest::Body::wrap_stream(range_stream(source, offset, len / 2).chain(failing))
            } else {
                range_body(source, offset, len)
            };
            let mut request = http.put(url).header("content-length", len).body(body);
            for (name, value) in headers {
                request = request.header(name, value);
            }
            let sent = request.send().await;
            match (dropped, sent) {
                (true, _) => Ok(()),
                (false, Ok(answer)) if answer.status().is_success() => Ok(()),
                (false, Ok(answer)) => Err(anyhow::anyhow!("part {number}: {}", answer.status())),
                (false, Err(e)) => Err(anyhow::anyhow!("part {number}: {e}")),
            }
        }
    });
    let results: Vec<anyhow::Result<()>> = futures::stream::iter(jobs)
        .buffer_unordered(parallel)
        .collect()
        .await;
    results.into_iter().collect()
}

async fn multipart_phase(
    dir: &Path,
    source: &Path,
    size: u64,
    sha256: &str,
    parallel: usize,
    check: Check,
) -> anyhow::Result<MultipartRun> {
    let part_size = 64 * MIB;
    let media = MediaProcess::start(dir).await?;
    let sums = part_sums(source, part_size, check)?;
    let field = check.algorithm().to_ascii_lowercase();
    let parts: Vec<Value> = sums
        .iter()
        .enumerate()
        .map(|(i, sum)| json!({"number": i + 1, field.as_str(): sum}))
        .collect();
    let created = media
        .gql(
            "mutation($i: CreateUploadInput!) { createUpload(input: $i) { media { id } multipart { partCount parts { number url headers { name value } } } } }",
            json!({"i": {"filename": "big.mp4", "contentType": "video/mp4", "size": size, "sha256": sha256, "multipart": true, "partSize": part_size, "partChecksum": check.algorithm(), "parts": parts}}),
        )
        .await?;
    let id = created["createUpload"]["media"]["id"]
        .as_str()
        .context("media id")?
        .to_owned();
    let mut urls = std::collections::HashMap::new();
    for part in created["createUpload"]["multipart"]["parts"]
        .as_array()
        .context("part urls")?
    {
        let headers = part["headers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|h| {
                (
                    h["name"].as_str().unwrap_or_default().to_owned(),
                    h["value"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        urls.insert(
            part["number"].as_u64().context("part number")?,
            (part["url"].as_str().context("url")?.to_owned(), headers),
        );
    }
    let count = sums.len() as u64;
    let plan = PartPlan {
        source,
        size,
        part_size,
        urls,
    };
    // The first half, with the first part of the second half cut off: a crash.
    let half = count / 2;
    let first: Vec<u64> = (1..=half).collect();
    let started = Instant::now();
    put_parts(&media, &plan, &first, parallel, false).await?;
    put_parts(&media, &plan, &[half + 1], 1, true).await?;
    let mut sending = started.elapsed();
    // Resume from what the store holds.
    let progress = media
        .gql(
            "query($id: ID!) { uploadParts(id: $id) { missing } }",
            json!({"id": id}),
        )
        .await?;
    let missing: Vec<u64> = progress["uploadParts"]["missing"]
        .as_array()
        .context("missing parts")?
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    anyhow::ensure!(
        missing == (half + 1..=count).collect::<Vec<_>>(),
        "after the crash the store should miss parts {}..={count}, not {missing:?}",
        half + 1
    );
    let started = Instant::now();
    put_parts(&media, &plan, &missing, parallel, false).await?;
    sending += started.elapsed();
    let started = Instant::now();
    let done = media
        .gql(
            "mutation($id: ID!) { completeUpload(id: $id) { status sha256 } }",
            json!({"id": id}),
        )
        .await?;
    let complete = started.elapsed();
    anyhow::ensure!(
        done["completeUpload"]["sha256"] == sha256,
        "the multipart upload's sha256 differs: {done}"
    );
    media.processed(&id).await?;
    Ok(MultipartRun {
        sending,
        complete,
        peak: media.peak_memory()?,
    })
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
    drop(media);
    let parallel: usize = std::env::var("BENCH_PARALLEL_PARTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4);
    let parts = multipart_phase(dir.path(), &source, size, &sha256, parallel, Check::Crc32).await?;
    let sha_parts =
        multipart_phase(dir.path(), &source, size, &sha256, parallel, Check::Sha256).await?;

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
    for (check, run) in [(Check::Crc32, &parts), (Check::Sha256, &sha_parts)] {
        let rate = throughput(size, run.sending);
        println!(
            "  multipart, 64 MiB {} parts x{parallel}: {rate:>8.1} MiB/s ({:.2?} sending, interrupted halfway and resumed; {:.0}% of copy); completeUpload {:.2?}; peak memory {:.1} MB",
            check.algorithm(),
            run.sending,
            rate / copy_rate * 100.0,
            run.complete,
            run.peak as f64 / 1e6
        );
    }
    let parts_rate = throughput(size, parts.sending);

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
    if parts_rate < copy_rate * 0.8 {
        missed.push("multipart CRC32 parts under 80% of the copy's throughput");
    }
    if parts.peak.max(sha_parts.peak) >= 64_000_000 {
        missed.push("multipart: media service peak memory at or over 64 MB");
    }
    if missed.is_empty() {
        println!("targets met");
        Ok(())
    } else {
        anyhow::bail!("targets missed: {}", missed.join("; "))
    }
}

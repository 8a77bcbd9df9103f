//! The worker's side of the media subgraph, on the media service's worker routes with the
//! worker's own token (signed with the worker key, naming the job attempt it holds and no
//! account; the media service checks the lease): input lookups (presigned GET URLs),
//! downloads, and output registration (one streamed multipart upload with lineage to the
//! job; presigned PUT tickets then finalize for runs that upload from elsewhere, such as
//! Kubernetes pods). The worker holds no key that could act as an account.

use crate::{domain::run::InputFile, error::WorkerError};
use chrono::{Duration as ChronoDuration, Utc};
use futures::{StreamExt, TryStreamExt};
use mediamagic_kit::{
    auth::WORKER_TOKEN_HEADER,
    tokens::{TokenIssuer, WorkerClaims},
};
use serde_json::{Value, json};
use std::{path::Path, sync::Arc};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

/// How long a presigned input URL lives: long enough for a pod to start and fetch it.
const INPUT_URL_SECONDS: i32 = 6 * 3600;

/// A media service client for one job attempt the worker holds.
#[derive(Clone)]
pub struct MediaSession {
    http: reqwest::Client,
    /// The worker GraphQL route and the multipart outputs route.
    graphql_url: Arc<String>,
    outputs_url: Arc<String>,
    signer: Signer,
    job: Uuid,
    attempt: i32,
}

/// Where a session's worker tokens come from.
#[derive(Clone)]
enum Signer {
    /// Minted here with the worker key, for the worker id (the in-cluster worker).
    Key {
        issuer: Arc<TokenIssuer>,
        worker_id: Arc<String>,
    },
    /// Given by the platform and renewed with each heartbeat (an agent holds no key).
    Given(Arc<std::sync::RwLock<String>>),
}

/// Where to PUT an output's bytes.
#[derive(Clone, Debug)]
pub struct OutputTicket {
    /// The pending media.
    pub media_id: Uuid,
    /// The presigned URL.
    pub url: String,
    /// Headers to send with the PUT.
    pub headers: Vec<(String, String)>,
}

impl MediaSession {
    /// A session for attempt `attempt` of `job`, held by `worker_id`, against the media
    /// service whose GraphQL endpoint is `url`.
    pub fn new(
        http: reqwest::Client,
        url: Arc<String>,
        worker_key: Arc<TokenIssuer>,
        worker_id: Arc<String>,
        job: Uuid,
        attempt: i32,
    ) -> Self {
        let base = url
            .trim_end_matches('/')
            .trim_end_matches("/graphql")
            .to_owned();
        Self {
            http,
            graphql_url: Arc::new(format!("{base}/internal/worker/graphql")),
            outputs_url: Arc::new(format!("{base}/internal/job-outputs")),
            signer: Signer::Key {
                issuer: worker_key,
                worker_id,
            },
            job,
            attempt,
        }
    }

    /// A session of an agent: through the platform's public URL (`/agent/v1/media/`), with
    /// the token the platform gave for this attempt (`token` is renewed in place).
    pub fn for_agent(
        http: reqwest::Client,
        platform_url: &str,
        token: Arc<std::sync::RwLock<String>>,
        job: Uuid,
        attempt: i32,
    ) -> Self {
        let base = format!(
            "{}{}",
            platform_url.trim_end_matches('/'),
            crate::agent_api::protocol::MEDIA_BASE
        );
        Self {
            http,
            graphql_url: Arc::new(format!("{base}/graphql")),
            outputs_url: Arc::new(format!("{base}/job-outputs")),
            signer: Signer::Given(token),
            job,
            attempt,
        }
    }

    /// A worker token for this job attempt: minted for `ttl` with the worker key, or the one
    /// the platform gave.
    pub fn token(&self) -> Result<String, WorkerError> {
        self.token_for(ChronoDuration::seconds(60))
    }

    /// [`Self::token`] with a chosen lifetime (what the platform hands an agent).
    pub fn token_for(&self, ttl: ChronoDuration) -> Result<String, WorkerError> {
        match &self.signer {
            Signer::Key { issuer, worker_id } => issuer
                .mint_worker(&WorkerClaims {
                    worker_id: worker_id.as_str().to_owned(),
                    job_id: self.job,
                    attempt: self.attempt,
                    expires_at: Utc::now() + ttl,
                })
                .map_err(|e| WorkerError::Media(format!("cannot mint a worker token: {e}"))),
            Signer::Given(token) => Ok(token.read().unwrap_or_else(|e| e.into_inner()).clone()),
        }
    }

    async fn call(&self, query: &str, variables: Value) -> Result<Value, WorkerError> {
        let token = self.token()?;
        let response = self
            .http
            .post(self.graphql_url.as_str())
            .headers(trace_headers())
            .header(WORKER_TOKEN_HEADER, token)
            .json(&json!({"query": query, "variables": variables}))
            .send()
            .await
            .map_err(|e| WorkerError::Media(e.to_string()))?;
        read_answer(response).await
    }

    /// The file arguments `(argument, media id)` with presigned URLs; a media the owner
    /// cannot see (deleted since the deployment) is an error.
    pub async fn inputs(&self, files: &[(String, Uuid)]) -> Result<Vec<InputFile>, WorkerError> {
        if files.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<&Uuid> = files.iter().map(|(_, id)| id).collect();
        let data = self
            .call(
                "query($job: ID!, $ids: [ID!]!, $ttl: Int) { jobInputs(jobId: $job, ids: $ids) { \
                 id name status url(expiresIn: $ttl) } }",
                json!({"job": self.job, "ids": ids, "ttl": INPUT_URL_SECONDS}),
            )
            .await?;
        let entities = data["jobInputs"].as_array().cloned().unwrap_or_default();
        files
            .iter()
            .zip(entities.iter().chain(std::iter::repeat(&Value::Null)))
            .map(|((arg, id), entity)| {
                let url = entity["url"]
                    .as_str()
                    .filter(|_| entity["status"] == "LIVE");
                match url {
                    Some(url) => Ok(InputFile {
                        arg: arg.clone(),
                        media_id: *id,
                        name: entity["name"].as_str().unwrap_or("input").to_owned(),
                        url: url.to_owned(),
                    }),
                    None => Err(WorkerError::Rejected(format!(
                        "the media {id} of argument `{arg}` is no longer available"
                    ))),
                }
            })
            .collect()
    }

    /// Downloads `url` to `path`, at most `max_bytes`.
    pub async fn download(
        &self,
        url: &str,
        path: &Path,
        max_bytes: u64,
    ) -> Result<(), WorkerError> {
        let failed = |e: String| WorkerError::Media(format!("downloading an input failed: {e}"));
        let response = self
            .http
            .get(url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| failed(e.to_string()))?;
        let mut file = tokio::fs::File::create(path)
            .await
            .map_err(|e| failed(e.to_string()))?;
        let mut body = response.bytes_stream();
        let mut written = 0u64;
        while let Some(chunk) = body.try_next().await.map_err(|e| failed(e.to_string()))? {
            written += chunk.len() as u64;
            if written > max_bytes {
                return Err(WorkerError::Rejected(format!(
                    "an input is over the worker's limit of {max_bytes} bytes"
                )));
            }
            file.write_all(&chunk)
                .await
                .map_err(|e| failed(e.to_string()))?;
        }
        file.flush().await.map_err(|e| failed(e.to_string()))?;
        Ok(())
    }

    /// A pending output media of `job` and where to PUT it; `size` and `sha256` when known.
    pub async fn output_ticket(
        &self,
        job: Uuid,
        filename: &str,
        content_type: &str,
        content: Option<(u64, &str)>,
    ) -> Result<OutputTicket, WorkerError> {
        let data = self
            .call(
                "mutation($job: ID!, $input: JobOutputInput!) { \
                 createJobOutputUpload(jobId: $job, input: $input) { \
                 media { id } url headers { name value } } }",
                json!({"job": job, "input": {
                    "filename": filename,
                    "contentType": content_type,
                    "size": content.map(|(size, _)| size as f64),
                    "sha256": content.map(|(_, sha)| sha),
                }}),
            )
            .await?;
        let ticket = &data["createJobOutputUpload"];
        let media_id = ticket["media"]["id"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .ok_or_else(|| WorkerError::Media(format!("no media in {ticket}")))?;
        let headers = ticket["headers"]
            .as_array()
            .map(|headers| {
                headers
                    .iter()
                    .filter_map(|h| Some((h["name"].as_str()?.into(), h["value"].as_str()?.into())))
                    .collect()
            })
            .unwrap_or_default();
        Ok(OutputTicket {
            media_id,
            url: ticket["url"].as_str().unwrap_or_default().to_owned(),
            headers,
        })
    }

    /// Uploads a local file as an output of `job` in one multipart request to the media
    /// service, which hashes it while storing it and registers it live with lineage to the
    /// job (no second read of the file on either side).
    pub async fn upload_output(
        &self,
        job: Uuid,
        path: &Path,
        content_type: &str,
    ) -> Result<Uuid, WorkerError> {
        let failed =
            |e: std::io::Error| WorkerError::Media(format!("reading an output failed: {e}"));
        let file = tokio::fs::File::open(path).await.map_err(failed)?;
        let size = file.metadata().await.map_err(failed)?.len();
        let filename = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".into())
            .replace(['"', '\\', '\r', '\n'], "_");
        let boundary = format!("mediamagic-output-{}", Uuid::new_v4().simple());
        let operations = json!({
            "query": "mutation($job: ID!, $file: Upload!) { uploadJobOutput(jobId: $job, file: $file) { id } }",
            "variables": {"job": job, "file": null},
        });
        let head = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{operations}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{{\"0\":[\"variables.file\"]}}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
        );
        let tail = format!("\r\n--{boundary}--\r\n");
        let length = head.len() as u64 + size + tail.len() as u64;
        let body = futures::stream::once(async move { Ok(bytes::Bytes::from(head)) })
            .chain(tokio_util::io::ReaderStream::with_capacity(
                file,
                256 * 1024,
            ))
            .chain(futures::stream::once(async move {
                Ok(bytes::Bytes::from(tail))
            }));
        let response = self
            .http
            .post(self.outputs_url.as_str())
            .headers(trace_headers())
            .header(WORKER_TOKEN_HEADER, self.token()?)
            .header(
                reqwest::header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header(reqwest::header::CONTENT_LENGTH, length)
            .body(reqwest::Body::wrap_stream(body))
            .send()
            .await
            .map_err(|e| WorkerError::Media(format!("uploading an output failed: {e}")))?;
        let data = read_answer(response).await?;
        data["uploadJobOutput"]["id"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .ok_or_else(|| WorkerError::Media(format!("no media in {data}")))
    }

    /// Verifies an uploaded output and makes it live.
    pub async fn finalize(&self, media: Uuid) -> Result<Uuid, WorkerError> {
        self.call(
            "mutation($id: ID!) { finalizeUpload(id: $id) { id } }",
            json!({"id": media}),
        )
        .await?;
        Ok(media)
    }

    /// Removes outputs of `job` other than `keep` (leftovers of a run whose worker died).
    pub async fn discard_outputs(&self, job: Uuid, keep: &[Uuid]) -> Result<(), WorkerError> {
        self.call(
            "mutation($job: ID!, $keep: [ID!]!) { discardJobOutputs(jobId: $job, keep: $keep) }",
            json!({"job": job, "keep": keep}),
        )
        .await
        .map(|_| ())
    }

    /// Adds `tags` (proposed by the job's result) to the job's input `media`, recording the
    /// job as their source; refused (NOT_FOUND) unless the media is an input of the job
    /// owned by its owner.
    pub async fn tag_input(
        &self,
        job: Uuid,
        media: Uuid,
        tags: &[String],
    ) -> Result<(), WorkerError> {
        self.call(
            "mutation($job: ID!, $media: ID!, $tags: [String!]!) { \
               tagJobInput(jobId: $job, mediaId: $media, tags: $tags) { id } }",
            json!({"job": job, "media": media, "tags": tags}),
        )
        .await
        .map(|_| ())
    }
}

/// `traceparent` of the current span (the run's), so the media service's spans join it.
pub(crate) fn trace_headers() -> reqwest::header::HeaderMap {
    let mut headers = reqwest::header::HeaderMap::new();
    mediamagic_kit::otel::inject_current(&mut headers);
    headers
}

/// The `data` of a media service answer; its first error otherwise (BAD_USER_INPUT and
/// NOT_FOUND mean the job's request cannot be met).
async fn read_answer(response: reqwest::Response) -> Result<Value, WorkerError> {
    let status = response.status();
    let body: Value = response
        .json()
        .await
        .map_err(|e| WorkerError::Media(e.to_string()))?;
    if let Some(errors) = body["errors"].as_array().filter(|e| !e.is_empty()) {
        let code = errors[0]["extensions"]["code"].as_str().unwrap_or("");
        let message = errors[0]["message"].as_str().unwrap_or("").to_owned();
        return Err(if code == "BAD_USER_INPUT" || code == "NOT_FOUND" {
            WorkerError::Rejected(message)
        } else {
            WorkerError::Media(format!("{status}: {message}"))
        });
    }
    if !status.is_success() {
        return Err(WorkerError::Media(format!("{status}: {body}")));
    }
    Ok(body["data"].clone())
}

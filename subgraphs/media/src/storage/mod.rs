//! Object storage through `object_store`: local files (URLs signed by this service with HMAC
//! and served by [`routes`]) or any S3-compatible store (real presigned URLs).
//!
//! Bytes are always streamed: uploads through the service go into multipart writes in
//! chunks, hashing on the way; verification reads the object back as a stream.

pub mod checksum;
pub mod cors;
pub mod gcs;
pub mod listing;
pub mod parts;
mod reading;
pub mod routes;
mod s3_parts;
mod signing;
mod sigv4;

use crate::config::{GcsConfig, S3Config, StorageConfig};
use bytes::Bytes;
use futures::{Stream, StreamExt};
use hmac::Mac;
use object_store::{
    GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart,
    aws::{AmazonS3, AmazonS3Builder},
    local::LocalFileSystem,
    path::Path as ObjectPath,
    signer::Signer,
};
use sha2::{Digest, Sha256};
use std::{path::Path, sync::Arc, time::Duration};
use uuid::Uuid;

pub use signing::SignedQuery;

/// Storage failures.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The object store failed.
    #[error("object store: {0}")]
    Store(#[from] object_store::Error),
    /// More bytes arrived than allowed.
    #[error("the upload is over the limit of {0} bytes")]
    TooLarge(u64),
    /// The client's stream failed.
    #[error("reading the upload: {0}")]
    Body(String),
    /// Local file I/O failed.
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
    /// Bad configuration.
    #[error("storage configuration: {0}")]
    Config(String),
    /// A request the store answered badly (S3 calls made without object_store).
    #[error("object store request: {0}")]
    Http(String),
    /// The store no longer knows the multipart upload.
    #[error("the multipart upload is gone from the store")]
    UploadGone,
    /// A part's bytes differ from the checksum its URL was made for (GCS checks parts
    /// when they are assembled, not when they arrive).
    #[error("part {0}'s bytes do not match its checksum")]
    PartMismatch(u32),
}

/// The object key of a media file.
pub fn media_key(owner: Uuid, id: Uuid) -> String {
    format!("media/{owner}/{id}")
}

/// Where a presigned upload's bytes land: finalize moves them to [`media_key`] before it
/// checks them, so nothing a presigned URL writes later can change a verified object.
pub fn staging_key(owner: Uuid, id: Uuid) -> String {
    format!("staging/{owner}/{id}")
}

/// The media key a staging key or a local multipart part key becomes, when `key` is one.
pub fn finalized_key_of(key: &str) -> Option<String> {
    if let Some(rest) = key.strip_prefix("staging/") {
        return Some(format!("media/{rest}"));
    }
    let rest = key.strip_prefix("parts/")?;
    let (upload, _number) = rest.rsplit_once('/')?;
    Some(format!("media/{upload}"))
}

/// The object key of a media file's thumbnail.
pub fn thumbnail_key(owner: Uuid, id: Uuid) -> String {
    format!("thumbnails/{owner}/{id}.jpg")
}

enum UrlSigner {
    Local { key: Vec<u8>, base_url: String },
    S3(S3Signer),
    Gcs(GcsSigner),
}

/// GCS: `object_store`'s client signs V4 URLs; the data calls go through [`gcs::GcsClient`].
struct GcsSigner {
    signer: Arc<object_store::gcp::GoogleCloudStorage>,
    client: gcs::GcsClient,
}

/// What S3 needs beyond `object_store`'s presigned URLs.
struct S3Signer {
    store: Arc<AmazonS3>,
    /// The same bucket with SHA-256 checksums, for multipart uploads.
    multipart: Arc<AmazonS3>,
    /// Presigns part uploads and part listings.
    presigner: sigv4::Presigner,
    http: reqwest::Client,
}

/// Where media bytes live.
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    signer: Arc<UrlSigner>,
    /// Bytes per write of a streamed upload: S3 parts are at least 5 MiB; local writes keep
    /// memory small.
    chunk: usize,
}

/// Bytes written by a streamed upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    /// How many bytes.
    pub size: u64,
    /// Their checksum in the algorithm asked for, lower-case hex.
    pub checksum: String,
}

const S3_CHUNK: usize = 8 * 1024 * 1024;
const LOCAL_CHUNK: usize = 1024 * 1024;

impl Storage {
    /// Storage as configured; `local_root` is used for `local`, `url_secret` signs local URLs
    /// and `base_url` is where this service serves them.
    pub fn from_config(
        config: &StorageConfig,
        local_root: &Path,
        url_secret: &[u8],
        base_url: &str,
    ) -> Result<Self, StorageError> {
        match config {
            StorageConfig::Local => Self::local(local_root, url_secret, base_url),
            StorageConfig::Directory { path } => Self::local(path, url_secret, base_url),
            StorageConfig::S3(s3) => Self::s3(s3),
            StorageConfig::Gcs(gcs) => Self::gcs(gcs),
        }
    }

    /// Files under `root`.
    pub fn local(root: &Path, url_secret: &[u8], base_url: &str) -> Result<Self, StorageError> {
        std::fs::create_dir_all(root)?;
        let store = LocalFileSystem::new_with_prefix(root)?;
        // A key of its own for URLs, derived from the platform secret.
        let mut mac = signing::HmacSha256::new_from_slice(url_secret)
            .map_err(|e| StorageError::Config(e.to_string()))?;
        mac.update(b"mediamagic media url signing");
        Ok(Self {
            store: Arc::new(store),
            signer: Arc::new(UrlSigner::Local {
                key: mac.finalize().into_bytes().to_vec(),
                base_url: base_url.trim_end_matches('/').to_owned(),
            }),
            chunk: LOCAL_CHUNK,
        })
    }

    /// An S3-compatible bucket.
    pub fn s3(config: &S3Config) -> Result<Self, StorageError> {
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.access_key_id)
            .with_secret_access_key(config.secret_access_key.expose())
            .with_virtual_hosted_style_request(!config.path_style)
            .with_allow_http(config.allow_http);
        if let Some(endpoint) = &config.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        let s3 = Arc::new(builder.clone().build()?);
        let multipart = Arc::new(
            builder
                .with_checksum_algorithm(object_store::aws::Checksum::SHA256)
                .build()?,
        );
        let presigner = sigv4::Presigner {
            endpoint: config
                .endpoint
                .clone()
                .unwrap_or_else(|| format!("https://s3.{}.amazonaws.com", config.region)),
            bucket: config.bucket.clone(),
            region: config.region.clone(),
            access_key_id: config.access_key_id.clone(),
            secret_access_key: config.secret_access_key.expose().clone(),
            path_style: config.path_style,
        };
        Ok(Self {
            store: s3.clone(),
            signer: Arc::new(UrlSigner::S3(S3Signer {
                store: s3,
                multipart,
                presigner,
                http: reqwest::Client::new(),
            })),
            chunk: S3_CHUNK,
        })
    }

    /// A Google Cloud Storage bucket.
    pub fn gcs(config: &GcsConfig) -> Result<Self, StorageError> {
        let mut builder =
            object_store::gcp::GoogleCloudStorageBuilder::new().with_bucket_name(&config.bucket);
        if let Some(key) = &config.key_file {
            builder = builder.with_service_account_path(key.to_string_lossy());
        }
        if let Some(endpoint) = &config.endpoint {
            builder = builder.with_base_url(endpoint);
        }
        let signer = Arc::new(builder.build()?);
        let base = config
            .endpoint
            .clone()
            .unwrap_or_else(|| "https://storage.googleapis.com".into());
        let client = gcs::GcsClient::new(&base, &config.bucket, signer.credentials().clone());
        Ok(Self {
            store: Arc::new(client.clone()),
            signer: Arc::new(UrlSigner::Gcs(GcsSigner { signer, client })),
            chunk: S3_CHUNK,
        })
    }

    /// The most parts one multipart upload may have on this store (GCS composes at most
    /// 1,024 components into one object).
    pub fn max_parts(&self) -> u64 {
        match self.signer.as_ref() {
            UrlSigner::Gcs(_) => gcs::MAX_COMPONENTS,
            UrlSigner::Local { .. } | UrlSigner::S3(_) => 10_000,
        }
    }

    /// A URL the client PUTs the bytes to, valid for `expires_in`.
    pub async fn upload_url(
        &self,
        key: &str,
        content_type: &str,
        expires_in: Duration,
    ) -> Result<String, StorageError> {
        self.signed(http::Method::PUT, key, content_type, expires_in)
            .await
    }

    /// A URL to GET (or HEAD) the object, valid for `expires_in`.
    pub async fn download_url(
        &self,
        key: &str,
        content_type: &str,
        expires_in: Duration,
    ) -> Result<String, StorageError> {
        self.signed(http::Method::GET, key, content_type, expires_in)
            .await
    }

    async fn signed(
        &self,
        method: http::Method,
        key: &str,
        content_type: &str,
        expires_in: Duration,
    ) -> Result<String, StorageError> {
        match self.signer.as_ref() {
            UrlSigner::Local {
                key: secret,
                base_url,
            } => Ok(signing::local_url(
                secret,
                base_url,
                &method,
                key,
                content_type,
                None,
                expires_in,
            )),
            UrlSigner::S3(s3) => Ok(s3
                .store
                .signed_url(method, &ObjectPath::from(key), expires_in)
                .await?
                .to_string()),
            UrlSigner::Gcs(gcs) => Ok(gcs
                .signer
                .signed_url(method, &ObjectPath::from(key), expires_in)
                .await?
                .to_string()),
        }
    }

    /// Checks a local signed URL's query for `method` on `key`.
    pub fn verify_local(
        &self,
        method: &http::Method,
        key: &str,
        query: &SignedQuery,
    ) -> Result<(), &'static str> {
        match self.signer.as_ref() {
            UrlSigner::Local { key: secret, .. } => signing::verify(secret, method, key, query),
            UrlSigner::S3(_) | UrlSigner::Gcs(_) => {
                Err("this service serves objects only from local storage")
            }
        }
    }

    /// The object's size, or `None` when it does not exist.
    pub async fn size(&self, key: &str) -> Result<Option<u64>, StorageError> {
        match self.store.head(&ObjectPath::from(key)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The object's sha256, read as a stream.
    pub async fn sha256(&self, key: &str) -> Result<String, StorageError> {
        let mut stream = reading::into_stream(self.store.get(&ObjectPath::from(key)).await?);
        let mut hasher = Sha256::new();
        while let Some(chunk) = stream.next().await {
            hasher.update(&chunk?);
        }
        Ok(hex::encode(hasher.finalize()))
    }

    /// Moves an object to `to` (replacing what is there); `false` when `from` is missing.
    pub async fn rename(&self, from: &str, to: &str) -> Result<bool, StorageError> {
        match self
            .store
            .rename(&ObjectPath::from(from), &ObjectPath::from(to))
            .await
        {
            Ok(()) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes an object; a missing one is fine (deletion is retried).
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        match self.store.delete(&ObjectPath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Streams `body` into `key` (nothing is visible unless it completes), hashing with
    /// `checksum` on the way; fails with [`StorageError::TooLarge`] past `limit` bytes.
    pub async fn put_stream<S, E>(
        &self,
        key: &str,
        body: S,
        limit: u64,
        checksum: checksum::PartChecksum,
    ) -> Result<Written, StorageError>
    where
        S: Stream<Item = Result<Bytes, E>> + Send,
        E: std::fmt::Display,
    {
        let upload = self.store.put_multipart(&ObjectPath::from(key)).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, self.chunk);
        let mut hasher = checksum.hasher();
        let mut size = 0u64;
        let mut body = std::pin::pin!(body);
        let failure = loop {
            match body.next().await {
                None => break None,
                Some(Err(e)) => break Some(StorageError::Body(e.to_string())),
                Some(Ok(chunk)) => {
                    size += chunk.len() as u64;
                    if size > limit {
                        // Read to the end first, so that the client sees the refusal.
                        mediamagic_kit::body::drain(body.as_mut()).await;
                        break Some(StorageError::TooLarge(limit));
                    }
                    hasher.update(&chunk);
                    // Bounded memory: at most a few chunks in flight.
                    if let Err(e) = writer.wait_for_capacity(2).await {
                        break Some(e.into());
                    }
                    writer.put(chunk);
                }
            }
        };
        if let Some(err) = failure {
            let _ = writer.abort().await;
            return Err(err);
        }
        writer.finish().await?;
        Ok(Written {
            size,
            checksum: hasher.finish(),
        })
    }

    /// Copies an object into a local file (for ffprobe and ffmpeg).
    pub async fn to_file(&self, key: &str, path: &Path) -> Result<(), StorageError> {
        use tokio::io::AsyncWriteExt;
        let mut stream = reading::into_stream(self.store.get(&ObjectPath::from(key)).await?);
        let mut file = tokio::fs::File::create(path).await?;
        while let Some(chunk) = stream.next().await {
            file.write_all(&chunk?).await?;
        }
        file.flush().await?;
        Ok(())
    }

    /// Stores a small local file (a thumbnail).
    pub async fn put_file(&self, key: &str, path: &Path) -> Result<(), StorageError> {
        let bytes = tokio::fs::read(path).await?;
        self.store
            .put(&ObjectPath::from(key), PutPayload::from(bytes))
            .await?;
        Ok(())
    }

    /// Reads an object (a range of it when given), for the local object routes.
    pub(crate) async fn get(
        &self,
        key: &str,
        range: Option<GetRange>,
        head: bool,
    ) -> Result<object_store::GetResult, object_store::Error> {
        self.store
            .get_opts(
                &ObjectPath::from(key),
                GetOptions {
                    range,
                    head,
                    ..GetOptions::default()
                },
            )
            .await
    }
}

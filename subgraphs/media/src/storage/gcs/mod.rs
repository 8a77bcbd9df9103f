//! Google Cloud Storage through its JSON API, as an [`ObjectStore`](object_store::ObjectStore).
//!
//! `object_store`'s own GCS client does the credentials (a service account's key, or the
//! workload's identity from the metadata server) and signs V4 URLs; the data calls are made
//! here against the JSON API (media uploads, `alt=media` downloads, listing, `rewriteTo`,
//! `compose`). Why not `object_store`'s data path: it writes through the XML API and its
//! multipart uploads, which GCS's emulators (`fake-gcs-server`) do not serve, so it could
//! not be tested on this machine the way SeaweedFS tests S3; the JSON API works on both.
//! Large writes are parts composed into the object ([`compose`]): GCS's `compose` takes 32
//! sources a call and an object of at most 1,024 components.

mod assemble;
pub mod compose;
mod store;

use object_store::gcp::GcpCredentialProvider;
use serde::Deserialize;

/// The store's name in errors.
const STORE: &str = "GCS";

/// Most sources one `compose` call takes.
pub const COMPOSE_SOURCES: usize = 32;
/// Most components a composed object may have: the most parts of one upload.
pub const MAX_COMPONENTS: u64 = 1024;

/// A bucket reached through the JSON API.
#[derive(Clone)]
pub struct GcsClient {
    http: reqwest::Client,
    /// `https://storage.googleapis.com`, or an emulator's address.
    base: String,
    bucket: String,
    credentials: GcpCredentialProvider,
}

impl std::fmt::Debug for GcsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GcsClient({}/{})", self.base, self.bucket)
    }
}

impl std::fmt::Display for GcsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "gs://{}", self.bucket)
    }
}

/// An object's metadata as the JSON API gives it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectResource {
    name: String,
    /// Decimal, as a string.
    size: String,
    #[serde(default)]
    etag: Option<String>,
    #[serde(default)]
    generation: Option<String>,
    #[serde(default)]
    updated: Option<chrono::DateTime<chrono::Utc>>,
}

impl ObjectResource {
    fn size(&self) -> u64 {
        self.size.parse().unwrap_or(0)
    }

    fn meta(&self) -> object_store::ObjectMeta {
        object_store::ObjectMeta {
            location: object_store::path::Path::from(self.name.as_str()),
            last_modified: self.updated.unwrap_or_default(),
            size: self.size(),
            e_tag: self.etag.clone(),
            version: self.generation.clone(),
        }
    }
}

impl GcsClient {
    /// A client of `bucket` at `base` with `credentials` (an empty bearer sends none).
    pub fn new(base: &str, bucket: &str, credentials: GcpCredentialProvider) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: base.trim_end_matches('/').to_owned(),
            bucket: bucket.to_owned(),
            credentials,
        }
    }

    fn object_url(&self, name: &str) -> String {
        format!(
            "{}/storage/v1/b/{}/o/{}",
            self.base,
            encode(&self.bucket),
            encode(name)
        )
    }

    fn objects_url(&self) -> String {
        format!("{}/storage/v1/b/{}/o", self.base, encode(&self.bucket))
    }

    fn upload_url(&self) -> String {
        format!(
            "{}/upload/storage/v1/b/{}/o",
            self.base,
            encode(&self.bucket)
        )
    }

    /// A request with the current credential.
    async fn request(
        &self,
        method: reqwest::Method,
        url: &str,
    ) -> object_store::Result<reqwest::RequestBuilder> {
        let credential = self.credentials.get_credential().await?;
        let request = self.http.request(method, url);
        Ok(if credential.bearer.is_empty() {
            request
        } else {
            request.bearer_auth(&credential.bearer)
        })
    }

    /// Sends, and turns an unsuccessful answer into `object_store`'s error for `path`.
    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        path: &str,
    ) -> object_store::Result<reqwest::Response> {
        let response = request.send().await.map_err(|e| generic(e.to_string()))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body = response.text().await.unwrap_or_default();
        let source = format!("{status}: {}", body.chars().take(300).collect::<String>()).into();
        Err(match status.as_u16() {
            404 => object_store::Error::NotFound {
                path: path.to_owned(),
                source,
            },
            412 => object_store::Error::Precondition {
                path: path.to_owned(),
                source,
            },
            _ => object_store::Error::Generic {
                store: STORE,
                source,
            },
        })
    }

    /// The object's metadata.
    pub(crate) async fn metadata(&self, name: &str) -> object_store::Result<ObjectResource> {
        let request = self
            .request(reqwest::Method::GET, &self.object_url(name))
            .await?;
        json(self.send(request, name).await?).await
    }
}

async fn json<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
) -> object_store::Result<T> {
    response
        .json()
        .await
        .map_err(|e| generic(format!("unreadable answer: {e}")))
}

fn generic(message: String) -> object_store::Error {
    object_store::Error::Generic {
        store: STORE,
        source: message.into(),
    }
}

/// Percent-encodes a path segment: every byte but the unreserved ones (`/` included, as the
/// JSON API names objects in one segment).
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_names_are_one_encoded_segment() {
        assert_eq!(encode("media/a b/ü.png"), "media%2Fa%20b%2F%C3%BC.png");
        assert_eq!(encode("x-1_2.~"), "x-1_2.~");
    }
}

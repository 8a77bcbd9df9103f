//! The surfaces' way into the platform: GraphQL over HTTP to the router, as the client.
//! The router forwards the client's credential headers to this service untouched, so every
//! call here is checked, scoped and limited exactly like the same operation sent by a
//! GraphQL client.

use crate::error::RestError;
use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, request::Parts},
};
use bytes::Bytes;
use futures::{Stream, StreamExt};
use serde_json::{Value, json};
use std::{convert::Infallible, time::Duration};

/// Headers that identify the caller (and the request, for traces), passed on to the router.
const PASSED_ON: &[&str] = &[
    "authorization",
    "x-mediamagic-key",
    "x-request-id",
    "traceparent",
    // The client's address as the router saw it (the router trusts it from configured
    // proxies only: `mediamagic_rate_limit.trusted_proxies`).
    "x-forwarded-for",
];

/// Who is calling: their credential headers as sent.
#[derive(Clone, Debug, Default)]
pub struct Caller {
    headers: Vec<(String, String)>,
}

impl Caller {
    /// The caller of a request with `headers`.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let headers = PASSED_ON
            .iter()
            .filter_map(|name| {
                let value = headers.get(*name)?.to_str().ok()?;
                Some(((*name).to_owned(), value.to_owned()))
            })
            .collect();
        Self { headers }
    }

    /// A caller holding a session token.
    pub fn bearer(token: &str) -> Self {
        Self {
            headers: vec![("authorization".into(), format!("Bearer {token}"))],
        }
    }

    /// Whether the caller sent a credential the router understands (a bearer token or an
    /// API key).
    pub fn has_credential(&self) -> bool {
        self.has_bearer()
            || self
                .headers
                .iter()
                .any(|(name, _)| name == "x-mediamagic-key")
    }

    /// The same caller acting with `key` instead (legacy anonymous clients).
    pub fn with_api_key(mut self, key: &str) -> Self {
        self.headers
            .retain(|(name, _)| name != "authorization" && name != "x-mediamagic-key");
        self.headers
            .push(("x-mediamagic-key".into(), key.to_owned()));
        self
    }

    /// `user:password` of an HTTP basic `Authorization` header, if the caller sent one.
    pub fn basic_credentials(&self) -> Option<(String, String)> {
        use base64::Engine;
        let (_, value) = self
            .headers
            .iter()
            .find(|(name, _)| name == "authorization")?;
        let (scheme, encoded) = value.trim().split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("basic") {
            return None;
        }
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (user, password) = text.split_once(':')?;
        Some((user.to_owned(), password.to_owned()))
    }

    fn apply(&self, mut request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        for (name, value) in &self.headers {
            // A basic credential is for the converter's login only, never for GraphQL.
            if name == "authorization" && !self.has_bearer() {
                continue;
            }
            request = request.header(name.as_str(), value.as_str());
        }
        request
    }

    fn has_bearer(&self) -> bool {
        self.headers.iter().any(|(name, value)| {
            name == "authorization"
                && value
                    .get(..7)
                    .is_some_and(|scheme| scheme.eq_ignore_ascii_case("bearer "))
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::from_headers(&parts.headers))
    }
}

/// A GraphQL client of the router.
#[derive(Clone, Debug)]
pub struct Platform {
    http: reqwest::Client,
    graphql_url: String,
}

/// A file to upload as media.
pub struct UploadFile<S> {
    /// Its name, as the client gave it.
    pub filename: String,
    /// Its content type.
    pub content_type: String,
    /// Tags to give it.
    pub tags: Vec<String>,
    /// Its bytes.
    pub bytes: S,
}

impl Platform {
    /// A client of the router's GraphQL endpoint at `graphql_url`.
    pub fn new(graphql_url: &str) -> Result<Self, RestError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| RestError::Upstream(e.to_string()))?;
        Ok(Self {
            http,
            graphql_url: graphql_url.to_owned(),
        })
    }

    /// The router's origin (`http://host:port`), the base of the URLs it serves.
    pub fn origin(&self) -> &str {
        let rest = self
            .graphql_url
            .split_once("://")
            .map_or(self.graphql_url.as_str(), |(_, rest)| rest);
        let host_end = rest.find('/').unwrap_or(rest.len());
        let end = self.graphql_url.len() - rest.len() + host_end;
        &self.graphql_url[..end]
    }

    /// Runs an operation as `caller`; the `data` on success, the first error otherwise.
    pub async fn run(
        &self,
        caller: &Caller,
        query: &str,
        variables: Value,
    ) -> Result<Value, RestError> {
        let request = self
            .http
            .post(&self.graphql_url)
            .json(&json!({"query": query, "variables": variables}));
        let answer = caller
            .apply(request)
            .send()
            .await
            .map_err(|e| RestError::Upstream(e.to_string()))?;
        read_answer(answer).await
    }

    /// Uploads a file as media owned by the caller (the GraphQL multipart request spec's
    /// `uploadMedia`), streaming `file.bytes` through; the new media's `id`, `name`,
    /// `status` and `tags`.
    pub async fn upload<S>(&self, caller: &Caller, file: UploadFile<S>) -> Result<Value, RestError>
    where
        S: Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
    {
        let boundary = format!("mediamagic-{}", uuid::Uuid::new_v4().simple());
        let operations = json!({
            "query": "mutation Upload($file: Upload!, $tags: [String!]) { uploadMedia(file: $file, tags: $tags) { id name status tags } }",
            "variables": {"file": null, "tags": file.tags},
        });
        let head = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{operations}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{{\"0\":[\"variables.file\"]}}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
            header_safe(&file.filename),
            header_safe(&file.content_type),
        );
        let tail = format!("\r\n--{boundary}--\r\n");
        let body = futures::stream::once(async move { Ok(Bytes::from(head)) })
            .chain(file.bytes)
            .chain(futures::stream::once(async move { Ok(Bytes::from(tail)) }));
        let request = self
            .http
            .post(&self.graphql_url)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            // Multipart GraphQL requests must show they are not a plain HTML form (CSRF).
            .header("apollo-require-preflight", "true")
            .body(reqwest::Body::wrap_stream(body));
        let answer = caller
            .apply(request)
            .send()
            .await
            .map_err(|e| RestError::Upstream(e.to_string()))?;
        let data = read_answer(answer).await?;
        Ok(data["uploadMedia"].clone())
    }

    /// GETs a URL the platform handed out (a presigned download), streaming the answer.
    pub async fn download(&self, url: &str) -> Result<reqwest::Response, RestError> {
        let answer = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| RestError::Upstream(e.to_string()))?;
        if !answer.status().is_success() {
            return Err(RestError::Upstream(format!(
                "download answered HTTP {}",
                answer.status()
            )));
        }
        Ok(answer)
    }
}

/// A file name or content type safe inside a quoted multipart header.
fn header_safe(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' | '\\' | '\r' | '\n' => '_',
            c => c,
        })
        .collect()
}

async fn read_answer(answer: reqwest::Response) -> Result<Value, RestError> {
    let status = answer.status();
    let body: Value = answer.json().await.map_err(|e| {
        RestError::Upstream(format!(
            "the router answered HTTP {status} without JSON: {e}"
        ))
    })?;
    if let Some(first) = body["errors"].as_array().and_then(|errors| errors.first()) {
        let code = first["extensions"]["code"].as_str().unwrap_or("INTERNAL");
        let message = first["message"].as_str().unwrap_or("the operation failed");
        return Err(RestError::refused(code, message));
    }
    if !status.is_success() || body["data"].is_null() {
        return Err(RestError::Upstream(format!(
            "the router answered HTTP {status} with no data"
        )));
    }
    Ok(body["data"].clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_origin_is_the_graphql_url_without_its_path() {
        let platform = Platform::new("http://127.0.0.1:4000/graphql").expect("client");
        assert_eq!(platform.origin(), "http://127.0.0.1:4000");
    }

    #[test]
    fn basic_credentials_are_read_but_never_passed_on_as_a_credential() {
        let mut headers = HeaderMap::new();
        // "ann@example.com:s3cret"
        headers.insert(
            "authorization",
            "Basic YW5uQGV4YW1wbGUuY29tOnMzY3JldA=="
                .parse()
                .expect("header"),
        );
        let caller = Caller::from_headers(&headers);
        assert_eq!(
            caller.basic_credentials(),
            Some(("ann@example.com".into(), "s3cret".into()))
        );
        assert!(!caller.has_credential());
    }

    #[test]
    fn a_bearer_token_or_an_api_key_is_a_credential() {
        assert!(Caller::bearer("abc").has_credential());
        assert!(Caller::default().with_api_key("mmk_x").has_credential());
        assert!(!Caller::default().has_credential());
    }

    #[test]
    fn multipart_header_values_cannot_break_out_of_their_quotes() {
        assert_eq!(header_safe("a\"b\r\nc.mp4"), "a_b__c.mp4");
    }
}

//! A REST client for the compatibility surfaces, as curl would call them: JSON bodies with
//! seed 000's content type, credentials as `Authorization: Bearer` or `x-mediamagic-key`.

use crate::{Cred, TestStack};
use serde_json::Value;

/// Seed 000's REST content type.
pub const REST_JSON: &str = "application/mediamagic.rest.v1+json";

/// A REST answer: status, headers and the body (JSON when it parses, else a string).
#[derive(Debug)]
pub struct RestResponse {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body as JSON (a JSON string holding the text when it is not JSON).
    pub body: Value,
}

impl RestResponse {
    /// `error.code` of a JSON error body.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

/// The router's public base URL (`http://127.0.0.1:port`).
pub fn base(stack: &TestStack) -> String {
    stack.router_url(0).trim_end_matches("/graphql").to_owned()
}

/// Sends `method path` with an optional JSON body through the router.
pub async fn call(
    stack: &TestStack,
    method: &str,
    path: &str,
    cred: Cred<'_>,
    body: Option<&Value>,
) -> RestResponse {
    call_at(&base(stack), method, path, cred, body).await
}

/// [`call`] against the router at `base`.
pub async fn call_at(
    base: &str,
    method: &str,
    path: &str,
    cred: Cred<'_>,
    body: Option<&Value>,
) -> RestResponse {
    let url = format!("{base}{path}");
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut request = reqwest::Client::new().request(method, url);
    request = with_cred(request, cred);
    if let Some(body) = body {
        request = request
            .header("content-type", REST_JSON)
            .body(body.to_string());
    }
    read(request.send().await.expect("request")).await
}

/// Adds a credential header.
pub fn with_cred(request: reqwest::RequestBuilder, cred: Cred<'_>) -> reqwest::RequestBuilder {
    match cred {
        Cred::None => request,
        Cred::Bearer(token) => request.bearer_auth(token),
        Cred::Key(key) => request.header("x-mediamagic-key", key),
    }
}

/// Reads an answer.
pub async fn read(response: reqwest::Response) -> RestResponse {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    RestResponse {
        status,
        headers,
        body,
    }
}

//! Helpers shared by the surfaces: reading JSON bodies whatever their content type, the
//! `Idempotency-Key` header, the seeds' date format, snake_case keys, and list paging
//! parameters.

use crate::error::RestError;
use axum::extract::{FromRequest, Request};
use futures::StreamExt;
use serde::{Deserialize, de::DeserializeOwned};
use serde_json::{Map, Value};

/// The `Idempotency-Key` header of a create, if sent: passed on as the mutation's
/// `idempotencyKey` (the platform remembers it for a day). A header that cannot be a key
/// (not ASCII, empty, over [`MAX_IDEMPOTENCY_KEY`] characters) is a bad request, 400, like
/// any bad header.
pub struct IdempotencyKeyHeader(pub Option<String>);

/// The longest idempotency key the platform takes.
const MAX_IDEMPOTENCY_KEY: usize = mediamagic_kit::idempotency::IdempotencyKey::MAX_CHARS;

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for IdempotencyKeyHeader {
    type Rejection = RestError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        parts
            .headers
            .get("idempotency-key")
            .map(|v| match v.to_str() {
                Ok(key) if (1..=MAX_IDEMPOTENCY_KEY).contains(&key.len()) => Ok(key.to_owned()),
                Ok(_) => Err(RestError::BadRequest(format!(
                    "`Idempotency-Key` has 1 to {MAX_IDEMPOTENCY_KEY} characters"
                ))),
                Err(_) => Err(RestError::BadRequest(
                    "`Idempotency-Key` must be ASCII".into(),
                )),
            })
            .transpose()
            .map(Self)
    }
}

/// The largest JSON body a route reads, set on its routes with `Extension(JsonLimit(n))`.
#[derive(Clone, Copy, Debug)]
pub struct JsonLimit(pub usize);

/// Without a [`JsonLimit`]: axum's usual 2 MiB.
const DEFAULT_JSON_LIMIT: usize = 2 * 1024 * 1024;

/// A JSON body, accepted with any content type (seed 000 sends
/// `application/mediamagic.rest.v1+json`, and curl's `-d` sends a form type); malformed
/// JSON is a 400 that says what is wrong, an oversized one a 413.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = RestError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let limit = request
            .extensions()
            .get::<JsonLimit>()
            .map_or(DEFAULT_JSON_LIMIT, |l| l.0);
        let mut body = request.into_body().into_data_stream();
        let mut bytes = Vec::new();
        while let Some(chunk) = body.next().await {
            let chunk = chunk
                .map_err(|e| RestError::BadRequest(format!("could not read the body: {e}")))?;
            if bytes.len() + chunk.len() > limit {
                // Read to the end first, so that a forwarding router sees the 413.
                mediamagic_kit::body::drain(body).await;
                return Err(RestError::TooLarge(format!(
                    "the request body is larger than {limit} bytes"
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        let text: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &bytes
        };
        serde_json::from_slice(text)
            .map(JsonBody)
            .map_err(|e| RestError::BadRequest(format!("the body is not the expected JSON: {e}")))
    }
}

/// Query parameters: axum's `Query`, refusing malformed ones with the surfaces' JSON error
/// (400 `BAD_REQUEST`) rather than a plain-text answer.
pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> axum::extract::FromRequestParts<S> for QueryParams<T> {
    type Rejection = RestError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| QueryParams(value))
            .map_err(|e| RestError::BadRequest(e.body_text()))
    }
}

/// A timestamp as seed 000 prints them (Go's `time.Time` format), from RFC 3339.
pub fn seed_time(value: &Value) -> Value {
    value
        .as_str()
        .and_then(|text| chrono::DateTime::parse_from_rfc3339(text).ok())
        .map(|time| {
            Value::String(
                time.with_timezone(&chrono::Utc)
                    .format("%Y-%m-%d %H:%M:%S%.6f +0000 UTC")
                    .to_string(),
            )
        })
        .unwrap_or(Value::Null)
}

/// `camelCase` keys turned `snake_case`, all the way down.
pub fn snake_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, value)| (snake_case(&key), snake_keys(value)))
                .collect::<Map<_, _>>(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(snake_keys).collect()),
        other => other,
    }
}

/// `exampleOutputs` → `example_outputs`.
pub fn snake_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            if !out.is_empty() {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `example_outputs` → `exampleOutputs`.
pub fn camel_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// An enum value as the seeds print them (`LIVE` → `live`).
pub fn lower(value: &Value) -> Value {
    value
        .as_str()
        .map(|text| Value::String(text.to_ascii_lowercase()))
        .unwrap_or(Value::Null)
}

/// A GraphQL connection's `nodes`, each through `shape`, and the cursor of the next page
/// (null on the last one).
pub fn page_of(connection: &Value, shape: fn(&Value) -> Value) -> (Vec<Value>, Value) {
    let items = connection["nodes"]
        .as_array()
        .map(|nodes| nodes.iter().map(shape).collect())
        .unwrap_or_default();
    let page_info = &connection["pageInfo"];
    let next = if page_info["hasNextPage"] == true {
        page_info["endCursor"].clone()
    } else {
        Value::Null
    };
    (items, next)
}

/// Paging of REST lists: `?limit=` (1..=100) and `?after=` (the `next` cursor of the
/// previous page).
#[derive(Debug, Default, Deserialize)]
pub struct Page {
    /// Page size.
    pub limit: Option<u32>,
    /// Cursor of the previous page's last item.
    pub after: Option<String>,
}

impl Page {
    /// `first` for GraphQL, checked.
    pub fn first(&self, default: u32) -> Result<u32, RestError> {
        match self.limit {
            None => Ok(default.clamp(1, 100)),
            Some(limit @ 1..=100) => Ok(limit),
            Some(_) => Err(RestError::BadRequest(
                "`limit` must be between 1 and 100".into(),
            )),
        }
    }
}

/// Tags from a query parameter: `tags=a,b` (and repeated parameters joined before).
pub fn tag_list(raw: Option<&str>) -> Option<Vec<String>> {
    let tags: Vec<String> = raw?
        .split(',')
        .map(|t| t.trim().trim_matches('"').to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    (!tags.is_empty()).then_some(tags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn times_print_like_seed_000() {
        assert_eq!(
            seed_time(&json!("2022-07-26T05:58:03.259276+00:00")),
            json!("2022-07-26 05:58:03.259276 +0000 UTC")
        );
        assert_eq!(seed_time(&json!(null)), json!(null));
    }

    #[test]
    fn keys_convert_both_ways() {
        assert_eq!(snake_case("exampleOutputs"), "example_outputs");
        assert_eq!(camel_case("example_outputs"), "exampleOutputs");
        assert_eq!(camel_case("id"), "id");
        assert_eq!(
            snake_keys(json!({"byMachineType": [{"machineSeconds": 1}]})),
            json!({"by_machine_type": [{"machine_seconds": 1}]})
        );
    }

    #[test]
    fn tag_parameters_split_on_commas_and_drop_quotes() {
        assert_eq!(
            tag_list(Some("\"hair\", face")),
            Some(vec!["hair".to_owned(), "face".to_owned()])
        );
        assert_eq!(tag_list(Some(" , ")), None);
        assert_eq!(tag_list(None), None);
    }

    #[test]
    fn a_page_size_outside_one_to_a_hundred_is_refused() {
        assert!(
            Page {
                limit: Some(0),
                after: None
            }
            .first(20)
            .is_err()
        );
        assert!(
            Page {
                limit: Some(101),
                after: None
            }
            .first(20)
            .is_err()
        );
        assert_eq!(Page::default().first(20).ok(), Some(20));
    }
}

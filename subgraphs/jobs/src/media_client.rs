//! Asks the media subgraph about file arguments, on the caller's behalf (their internal
//! token), through its federation entity resolver: no reading of the media tables here.

use mediamagic_kit::{ApiError, ApiResult, auth::INTERNAL_TOKEN_HEADER};
use serde_json::{Value, json};
use uuid::Uuid;

/// A media as the acting account sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MediaFacts {
    /// Its id.
    pub id: Uuid,
    /// `IMAGE`, `VIDEO` or `AUDIO`.
    pub kind: String,
    /// `PENDING`, `LIVE`, `FAILED`.
    pub status: String,
}

/// The acting account's media among `ids`, in order (`None` for any it cannot see).
pub async fn lookup(
    http: &reqwest::Client,
    media_url: &str,
    internal_token: &str,
    ids: &[Uuid],
) -> ApiResult<Vec<Option<MediaFacts>>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let representations: Vec<Value> = ids
        .iter()
        .map(|id| json!({"__typename": "Media", "id": id}))
        .collect();
    let unavailable = |detail: String| {
        ApiError::internal(anyhow::anyhow!(
            "media lookup at {media_url} failed: {detail}"
        ))
    };
    let response = http
        .post(media_url)
        .header(INTERNAL_TOKEN_HEADER, internal_token)
        .json(&json!({
            "query": "query($r: [_Any!]!) { _entities(representations: $r) { ... on Media { id kind status } } }",
            "variables": {"r": representations},
        }))
        .send()
        .await
        .map_err(|e| {
            // The media service is down or restarting: the caller may retry.
            tracing::warn!(%media_url, error = %e, "media lookup failed");
            ApiError::Unavailable(
                "the media service is unavailable right now; nothing was queued, try again"
                    .into(),
            )
        })?;
    let status = response.status();
    let body: Value = response
        .json()
        .await
        .map_err(|e| unavailable(e.to_string()))?;
    if body["errors"][0]["extensions"]["code"] == "UNAVAILABLE" {
        return Err(ApiError::Unavailable(
            "the media service cannot reach its database right now; nothing was queued, try again"
                .into(),
        ));
    }
    if !status.is_success() || !body["errors"].is_null() {
        return Err(unavailable(format!("{status}: {body}")));
    }
    let entities = body["data"]["_entities"]
        .as_array()
        .ok_or_else(|| unavailable(format!("no entities in {body}")))?;
    Ok(entities
        .iter()
        .map(|entity| {
            Some(MediaFacts {
                id: entity["id"].as_str()?.parse().ok()?,
                kind: entity["kind"].as_str()?.to_owned(),
                status: entity["status"].as_str()?.to_owned(),
            })
        })
        .collect())
}

//! Callback delivery: the job as JSON, POSTed to the deployment's callback URL and signed the
//! Standard Webhooks way with the account's secret. Every attempt is recorded on the job;
//! the event-trigger dispatcher retries a failed one with backoff, and a delivery that
//! already succeeded is never sent again.

use crate::{
    JobsDeps,
    db::{self, rows::NewCallbackAttempt},
    domain::{callback, signing},
};
use chrono::Utc;
use serde_json::json;
use std::time::Instant;
use tracing::Instrument;
use uuid::Uuid;

/// `job.started` or `job.finished`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallbackEvent {
    /// The job started running.
    Started,
    /// The job reached a terminal state.
    Finished,
}

impl CallbackEvent {
    /// The event type in the payload.
    pub fn as_str(self) -> &'static str {
        match self {
            CallbackEvent::Started => "job.started",
            CallbackEvent::Finished => "job.finished",
        }
    }
}

/// Sends one callback for `job` (an error makes the dispatcher retry).
pub async fn deliver(deps: &JobsDeps, job_id: Uuid, event: CallbackEvent) -> Result<(), String> {
    let mut conn = deps.pool.get().await.map_err(|e| e.to_string())?;
    let Some(job) = db::jobs::by_ids(&mut conn, &[job_id])
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .next()
    else {
        return Ok(());
    };
    let Some(deployment) = db::deployments::by_ids(&mut conn, &[job.deployment_id])
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .next()
    else {
        return Ok(());
    };
    let Some(url) = deployment.callback_url.clone() else {
        return Ok(());
    };
    let webhook_id = format!(
        "job_{}_{}_{}",
        job.id.simple(),
        job.attempts,
        event.as_str()
    );
    if db::callbacks::delivered(&mut conn, &webhook_id)
        .await
        .map_err(|e| e.to_string())?
    {
        return Ok(());
    }
    let secret = super::webhook_secrets::current(deps, &mut conn, job.owner_id)
        .await
        .map_err(|e| format!("{e:?}"))?;
    drop(conn);

    let timestamp = Utc::now().timestamp();
    let body = json!({
        "type": event.as_str(),
        "timestamp": Utc::now().to_rfc3339(),
        "data": {
            "id": job.id,
            "status": job.status.to_uppercase(),
            "progress": job.progress,
            "message": job.message,
            "error": job.error,
            "attempts": job.attempts,
            "outputs": job.outputs,
            "result": job.result,
            "createdAt": job.created_at,
            "startedAt": job.started_at,
            "finishedAt": job.finished_at,
            "deployment": {"id": deployment.id, "name": deployment.name},
            "modelVersionId": job.model_version_id,
        },
    })
    .to_string();
    let started = Instant::now();
    let outcome = send(deps, &url, &webhook_id, timestamp, &secret, &body).await;
    let attempt = NewCallbackAttempt {
        job_id: job.id,
        webhook_id,
        event: event.as_str().to_owned(),
        url,
        status_code: outcome.as_ref().ok().copied().map(i32::from),
        error: match &outcome {
            Ok(status) if !(200..300).contains(status) => Some(format!("answered HTTP {status}")),
            Ok(_) => None,
            Err(e) => Some(e.clone()),
        },
        duration_ms: started.elapsed().as_millis().min(i32::MAX as u128) as i32,
    };
    let mut conn = deps.pool.get().await.map_err(|e| e.to_string())?;
    db::callbacks::record(&mut conn, &attempt)
        .await
        .map_err(|e| e.to_string())?;
    drop(conn);
    deps.hub.job_changed(job.id, job.owner_id).await;
    let outcome = if attempt.error.is_none() {
        "delivered"
    } else {
        "failed"
    };
    deps.callback_deliveries
        .with_label_values(&[event.as_str(), outcome])
        .inc();
    match attempt.error {
        None => Ok(()),
        Some(error) => Err(error),
    }
}

async fn send(
    deps: &JobsDeps,
    url: &str,
    webhook_id: &str,
    timestamp: i64,
    secret: &str,
    body: &str,
) -> Result<u16, String> {
    let parsed = callback::parse_url(url).map_err(|e| e.message())?;
    // Checked again at delivery: the name may resolve somewhere else by now.
    callback::check_destination(&parsed, deps.config.allow_private_callbacks).await?;
    let signature = signing::sign(secret, webhook_id, timestamp, body.as_bytes())?;
    // The receiver may continue the trace (W3C `traceparent` of the delivery's span).
    let span = tracing::info_span!("callback", otel.kind = "client", webhook = %webhook_id);
    let mut trace = reqwest::header::HeaderMap::new();
    span.in_scope(|| mediamagic_kit::otel::inject_current(&mut trace));
    let response = deps
        .callbacks
        .post(parsed)
        .headers(trace)
        .header("content-type", "application/json")
        .header("user-agent", "mediamagic-callbacks")
        .header("webhook-id", webhook_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body.to_owned())
        .send()
        .instrument(span)
        .await
        .map_err(|e| format!("could not deliver: {e}"))?;
    Ok(response.status().as_u16())
}

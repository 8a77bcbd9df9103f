//! The `mediamagic_rate_limit` plugin: per-credential, per-account and per-address request
//! budgets ([`limiter`]), answered `RATE_LIMITED` with HTTP 429 and `Retry-After`
//! past them; every answer carries `RateLimit-Limit`, `RateLimit-Remaining` and
//! `RateLimit-Reset` for its tightest budget.
//!
//! It runs after `mediamagic_auth` (which leaves the [`Caller`] in the request context) and
//! before `mediamagic_forward`. Every request spends the request budget when it arrives;
//! mutations spend the mutation budget once the operation is parsed, log-ins and sign-ups
//! the per-address log-in budget, uploads the upload budget.

pub mod config;
pub mod limiter;

use self::{
    config::{RateConfig, RateLimitPluginConfig},
    limiter::{Bucket, Decision, Limiter, Rate},
};
use crate::{paths::under_any, settings::setting};
use hive_router::{
    PlanExecutionOutput,
    http::StatusCode,
    ntex::{
        http::{
            Response,
            header::{self, HeaderMap, HeaderName, HeaderValue},
        },
        web::{DefaultError, WebRequest},
    },
    plugins::{
        hooks::{
            on_graphql_analysis::{OnGraphqlAnalysisHookPayload, OnGraphqlAnalysisHookResult},
            on_http_request::{OnHttpRequestHookFuture, OnHttpRequestHookPayload},
            on_plugin_init::{OnPluginInitPayload, OnPluginInitResult},
        },
        plugin_context::PluginContext,
        plugin_trait::{EndHookPayload, RouterPlugin, StartHookPayload},
    },
    query_planner::{ast::selection_item::SelectionItem, state::supergraph_state::OperationKind},
};
use mediamagic_kit::AccountKind;
use std::net::IpAddr;
use uuid::Uuid;

/// Who the auth plugin vouched for, left in the request context for this plugin.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The account the credential acts as.
    pub account_id: Uuid,
    /// User or team.
    pub account_kind: AccountKind,
    /// Names the credential (never the secret itself).
    pub credential: String,
}

/// The client's address as this plugin determined it (the forward plugin passes it on as
/// `X-Forwarded-For`).
#[derive(Clone, Copy, Debug)]
pub struct ClientAddress(pub IpAddr);

/// The tightest decision so far for this request (for the response headers).
#[derive(Clone, Copy, Debug)]
struct Spent(Decision);

/// The plugin.
pub struct RateLimitPlugin {
    config: RateLimitPluginConfig,
    limiter: Limiter,
}

#[derive(Debug, thiserror::Error)]
#[error("mediamagic_rate_limit: {0}")]
struct InitError(String);

/// The bucket `name` with budget `config`. The key names the rate too: routers running
/// different configs (a rolling update) keep apart buckets instead of reading each other's
/// timestamps with the wrong rate.
fn bucket(name: String, config: RateConfig) -> Bucket {
    let rate = Rate {
        per_minute: config.per_minute.max(1),
        burst: config.burst.max(1),
    };
    Bucket {
        key: format!("mm:rl:{name}:{}/{}", rate.per_minute, rate.burst),
        rate,
    }
}

/// Which budget a bucket belongs to.
#[derive(Clone, Copy)]
enum Budget {
    Requests,
    Mutations,
    Uploads,
}

impl RateLimitPlugin {
    /// The plugin from its config (Redis URL from the environment when not set).
    pub fn from_config(config: RateLimitPluginConfig) -> Result<Self, String> {
        let redis_url = setting(&config.redis_url, "MEDIAMAGIC__REDIS__URL")
            .ok_or("`redis_url` is not configured (plugin config or environment)")?;
        Ok(Self {
            config,
            limiter: Limiter::new(redis_url),
        })
    }

    /// The caller's buckets of `budget`: its credential's and its account's.
    fn caller_buckets(&self, caller: &Caller, budget: Budget) -> [Bucket; 2] {
        let limits = match caller.account_kind {
            AccountKind::User => &self.config.user,
            AccountKind::Team => &self.config.team,
        };
        let (name, account, credential) = match budget {
            Budget::Requests => ("req", limits.account.requests, limits.credential.requests),
            Budget::Mutations => ("mut", limits.account.mutations, limits.credential.mutations),
            Budget::Uploads => ("upl", limits.account.uploads, limits.credential.uploads),
        };
        [
            bucket(format!("{name}:c:{}", caller.credential), credential),
            bucket(format!("{name}:a:{}", caller.account_id), account),
        ]
    }

    /// The client's address: the peer, or for a trusted proxy the last address it added to
    /// `X-Forwarded-For`.
    fn client_address(&self, request: &WebRequest<DefaultError>) -> Option<IpAddr> {
        let peer = request.peer_addr()?.ip();
        if !self.config.trusted_proxies.contains(&peer) {
            return Some(peer);
        }
        let entries: Vec<IpAddr> = request
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|entry| entry.trim().parse::<IpAddr>().ok())
            .collect();
        // The last entry a trusted proxy did not add is the client as the proxies saw it.
        let forwarded = entries
            .into_iter()
            .rev()
            .find(|address| !self.config.trusted_proxies.contains(address));
        Some(forwarded.unwrap_or(peer))
    }

    fn is_upload(&self, request: &WebRequest<DefaultError>) -> bool {
        let method = request.method().as_str();
        if method != "POST" && method != "PUT" {
            return false;
        }
        let path = request.path();
        let multipart = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("multipart/form-data")
            });
        multipart || under_any(&self.config.upload_paths, path)
    }
}

/// Remembers `decision` if it is tighter than what the request has spent so far.
fn remember(context: &PluginContext, decision: Decision) {
    if decision.limit == 0 {
        return;
    }
    let tighter = match context.get_ref::<Spent>() {
        Some(spent) => !decision.allowed || decision.remaining < spent.0.remaining,
        None => true,
    };
    if tighter {
        context.insert(Spent(decision));
    }
}

/// Writes the `RateLimit-*` headers (and `Retry-After` when refused) for what the request
/// spent; the forward plugin calls it for the answers it relays.
pub fn write_headers(context: &PluginContext, headers: &mut HeaderMap) {
    let Some(spent) = context.get_ref::<Spent>().map(|s| s.0) else {
        return;
    };
    let mut put = |name: &'static str, value: u64| {
        headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
    };
    put("ratelimit-limit", u64::from(spent.limit));
    put("ratelimit-remaining", u64::from(spent.remaining));
    put("ratelimit-reset", spent.reset_seconds);
    if !spent.allowed {
        put("retry-after", spent.retry_after_seconds);
    }
}

const REFUSED_MESSAGE: &str =
    "too many requests; slow down and retry after the time in Retry-After";

/// The 429 answer, in the REST surfaces' shape on their paths, else GraphQL's.
fn refused(rest: bool) -> (Vec<u8>, Response) {
    let body = if rest {
        serde_json::json!({"error": {"code": "RATE_LIMITED", "message": REFUSED_MESSAGE}})
    } else {
        serde_json::json!({"errors": [{
            "message": REFUSED_MESSAGE,
            "extensions": {"code": "RATE_LIMITED"},
        }]})
    };
    let bytes = body.to_string().into_bytes();
    let response = Response::build(StatusCode::TOO_MANY_REQUESTS)
        .header(header::CONTENT_TYPE, "application/json")
        .body(bytes.clone());
    (bytes, response)
}

#[hive_router::async_trait]
impl RouterPlugin for RateLimitPlugin {
    type Config = RateLimitPluginConfig;

    fn plugin_name() -> &'static str {
        "mediamagic_rate_limit"
    }

    fn on_plugin_init(payload: OnPluginInitPayload<Self>) -> OnPluginInitResult<Self> {
        let config = payload.config()?;
        let plugin = Self::from_config(config).map_err(InitError)?;
        payload.initialize_plugin(plugin)
    }

    fn on_http_request<'req>(
        &'req self,
        payload: OnHttpRequestHookPayload<'req>,
    ) -> OnHttpRequestHookFuture<'req> {
        Box::pin(async move {
            let request = &payload.router_http_request;
            let address = self.client_address(request);
            if let Some(address) = address {
                payload.context.insert(ClientAddress(address));
            }
            let path = request.path();
            if under_any(&self.config.counted_downstream, path) {
                return payload.proceed();
            }
            let upload = self.is_upload(request);
            let caller = payload.context.get_ref::<Caller>().map(|c| c.clone());
            let mut buckets = Vec::with_capacity(4);
            match &caller {
                Some(caller) => {
                    buckets.extend(self.caller_buckets(caller, Budget::Requests));
                    if upload {
                        buckets.extend(self.caller_buckets(caller, Budget::Uploads));
                    }
                }
                None if under_any(&self.config.agent_paths, path) => {
                    let who = address.map(|a| a.to_string()).unwrap_or_default();
                    buckets.push(bucket(format!("agent:ip:{who}"), self.config.agents));
                }
                None => {
                    let who = address.map(|a| a.to_string()).unwrap_or_default();
                    buckets.push(bucket(format!("req:ip:{who}"), self.config.anonymous));
                }
            }
            let decision = self.limiter.check(&buckets).await;
            remember(payload.context, decision);
            if !decision.allowed {
                let rest = under_any(&self.config.rest_paths, path);
                let (_, mut response) = refused(rest);
                write_headers(payload.context, response.headers_mut());
                return payload.end_with_response(response);
            }
            payload.on_end(|end| {
                let context = end.context;
                end.map_response(|mut response| {
                    write_headers(context, response.headers_mut());
                    response
                })
                .proceed()
            })
        })
    }

    async fn on_graphql_analysis<'exec>(
        &'exec self,
        payload: &mut OnGraphqlAnalysisHookPayload<'exec>,
    ) -> OnGraphqlAnalysisHookResult {
        let operation = payload.filtered_operation_for_plan;
        if operation.operation_kind != Some(OperationKind::Mutation) {
            return OnGraphqlAnalysisHookResult::Proceed;
        }
        let fields: Vec<&str> = operation
            .selection_set
            .items
            .iter()
            .filter_map(|item| match item {
                SelectionItem::Field(field) => Some(field.name.as_str()),
                _ => None,
            })
            .collect();
        let named = |names: &[String]| fields.iter().any(|f| names.iter().any(|n| n == f));
        let caller = payload.context.get_ref::<Caller>().map(|c| c.clone());
        let mut buckets = Vec::with_capacity(5);
        if named(&self.config.log_in_fields) {
            let who = payload
                .context
                .get_ref::<ClientAddress>()
                .map(|a| a.0.to_string())
                .unwrap_or_default();
            buckets.push(bucket(
                format!("login:ip:{who}"),
                self.config.log_ins_per_address,
            ));
        }
        if let Some(caller) = &caller {
            buckets.extend(self.caller_buckets(caller, Budget::Mutations));
            if named(&self.config.upload_fields) {
                buckets.extend(self.caller_buckets(caller, Budget::Uploads));
            }
        }
        let decision = self.limiter.check(&buckets).await;
        remember(payload.context, decision);
        if decision.allowed {
            return OnGraphqlAnalysisHookResult::Proceed;
        }
        let (body, _) = refused(false);
        OnGraphqlAnalysisHookResult::EndWithResponse(PlanExecutionOutput {
            body,
            error_count: 1,
            status_code: StatusCode::TOO_MANY_REQUESTS,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tighter_or_refused_decision_replaces_the_remembered_one() {
        let context = PluginContext::default();
        let decision = |allowed, remaining| Decision {
            allowed,
            limit: 10,
            remaining,
            reset_seconds: 1,
            retry_after_seconds: if allowed { 0 } else { 2 },
            local: false,
        };
        remember(&context, decision(true, 5));
        remember(&context, decision(true, 7));
        let mut headers = HeaderMap::new();
        write_headers(&context, &mut headers);
        assert_eq!(
            headers.get("ratelimit-remaining").map(|v| v.as_bytes()),
            Some(&b"5"[..])
        );
        assert!(headers.get("retry-after").is_none());
        remember(&context, decision(false, 0));
        write_headers(&context, &mut headers);
        assert_eq!(
            headers.get("retry-after").map(|v| v.as_bytes()),
            Some(&b"2"[..])
        );
    }
}

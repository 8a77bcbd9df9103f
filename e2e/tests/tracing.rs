//! OpenTelemetry end to end, into a small OTLP/HTTP receiver started here: a federated query
//! through the router gives spans of the router and of two subgraphs under the client's
//! trace id, each subgraph's span a child of a router span; a deployment's job run is a
//! trace of its own linked to the deployment request, and its callback carries the trace.
//! (One test per binary: the test process's global subscriber exports the in-process
//! services' spans.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic::router_process::DEV_CONFIG;
use mediamagic_e2e::{
    Cred,
    jobs::{receiver, script_model, upload, wait_for},
    media::mp3,
    spawn_stack_with,
};
use mediamagic_kit::{
    otel::TracingConfig,
    telemetry::{LogConfig, LogFormat},
};
use opentelemetry_proto::tonic::{
    collector::trace::v1::ExportTraceServiceRequest, common::v1::any_value,
};
use prost::Message;
use serde_json::json;
use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

/// One exported span, as the receiver saw it.
#[derive(Clone, Debug)]
struct Seen {
    service: String,
    name: String,
    trace_id: String,
    span_id: String,
    parent: String,
    attributes: Vec<(String, String)>,
    links: Vec<(String, String)>,
}

impl Seen {
    fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

type Spans = Arc<Mutex<Vec<Seen>>>;

fn text(value: &Option<opentelemetry_proto::tonic::common::v1::AnyValue>) -> String {
    match value.as_ref().and_then(|v| v.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

/// An OTLP/HTTP (protobuf) trace receiver on loopback: its base URL and what it got.
async fn otlp_receiver() -> (String, Spans) {
    let spans = Spans::default();
    let seen = spans.clone();
    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(move |body: axum::body::Bytes| {
            let seen = seen.clone();
            async move {
                let request = ExportTraceServiceRequest::decode(body).expect("OTLP protobuf");
                let mut seen = seen.lock().unwrap();
                for resource in request.resource_spans {
                    let service = resource
                        .resource
                        .iter()
                        .flat_map(|r| &r.attributes)
                        .find(|a| a.key == "service.name")
                        .map(|a| text(&a.value))
                        .unwrap_or_default();
                    for span in resource.scope_spans.into_iter().flat_map(|s| s.spans) {
                        seen.push(Seen {
                            service: service.clone(),
                            name: span.name.clone(),
                            trace_id: hex::encode(&span.trace_id),
                            span_id: hex::encode(&span.span_id),
                            parent: hex::encode(&span.parent_span_id),
                            attributes: span
                                .attributes
                                .iter()
                                .map(|a| (a.key.clone(), text(&a.value)))
                                .collect(),
                            links: span
                                .links
                                .iter()
                                .map(|l| (hex::encode(&l.trace_id), hex::encode(&l.span_id)))
                                .collect(),
                        });
                    }
                }
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, spans)
}

/// Waits until `done` holds for the spans received so far (the exporters batch every 5 s).
async fn spans_until(spans: &Spans, done: impl Fn(&[Seen]) -> bool) -> Vec<Seen> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let now = spans.lock().unwrap().clone();
        if done(&now) {
            return now;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "spans so far: {now:#?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

// Several threads: the exporters' requests reach the receiver while the test waits.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_request_is_one_trace_across_the_router_and_the_subgraphs_and_its_job_links_to_it() {
    // Arrange: traces from this process (the in-process services) and from a router whose
    // exporter is switched on, both into the receiver.
    let (otlp, spans) = otlp_receiver().await;
    mediamagic_kit::telemetry::init_with_tracing(
        &LogConfig {
            format: LogFormat::Pretty,
            filter: "info".into(),
        },
        &TracingConfig {
            enabled: true,
            otlp_endpoint: otlp.clone(),
            sampling_ratio: 1.0,
        },
        "mediamagic",
    )
    .unwrap();
    let mut stack = spawn_stack_with(|config| {
        config.worker.enabled = true;
        config.jobs.allow_private_callbacks = true;
    })
    .await;
    let traced = DEV_CONFIG
        .replace(
            "enabled: { from_env: MEDIAMAGIC_TRACING, default: false }",
            "enabled: true",
        )
        .replace(
            "http://127.0.0.1:4318/v1/traces",
            &format!("{otlp}/v1/traces"),
        );
    assert_ne!(traced, DEV_CONFIG, "dev.yaml has the tracing switch");
    let router = stack.add_router_with(&traced).await;
    let url = stack.router_url(router).to_owned();
    let (token, _, _) = stack.sign_up("traced").await;

    // Act: a query that needs two subgraphs, with the client's own trace id.
    let query_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let parent = format!("00-{query_trace}-00f067aa0ba902b7-01");
    let answer = stack
        .gql_at(
            &url,
            Cred::Bearer(&token),
            &[("traceparent", &parent)],
            "{ me { email } models(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert!(answer.body["errors"].is_null(), "{}", answer.body);

    // Assert: the router's spans and both subgraphs' under that trace, parents linked.
    let got = spans_until(&spans, |all| {
        let ours: Vec<&Seen> = all.iter().filter(|s| s.trace_id == query_trace).collect();
        ["accounts", "models"].iter().all(|service| {
            ours.iter()
                .any(|s| s.attribute("mediamagic.service") == Some(service))
        }) && ours.iter().any(|s| s.service != "mediamagic")
    })
    .await;
    let ours: Vec<&Seen> = got.iter().filter(|s| s.trace_id == query_trace).collect();
    let router_spans: Vec<&Seen> = ours
        .iter()
        .copied()
        .filter(|s| s.service != "mediamagic")
        .collect();
    assert!(
        router_spans.iter().any(|s| s.parent == "00f067aa0ba902b7"),
        "the router's root span is a child of the client's: {router_spans:#?}"
    );
    for service in ["accounts", "models"] {
        let span = ours
            .iter()
            .find(|s| s.attribute("mediamagic.service") == Some(service))
            .unwrap();
        assert!(
            router_spans.iter().any(|r| r.span_id == span.parent),
            "{service}'s span {span:#?} has no router parent among {router_spans:#?}"
        );
    }

    // Act: a deployment with a callback, under another client trace id.
    let (hook, received) = receiver(0).await;
    let song = upload(&stack, &token, &mp3(), "song.mp3", "audio/mpeg").await;
    let model = script_model(&stack, &token, "cp \"$1\" out.mp3", "cpu", 60).await;
    let deploy_trace = "0af7651916cd43dd8448eb211c80319c";
    let parent = format!("00-{deploy_trace}-b7ad6b7169203331-01");
    let created = stack
        .gql_at(
            &url,
            Cred::Bearer(&token),
            &[("traceparent", &parent)],
            "mutation($i: CreateDeploymentInput!) { createDeployment(input: $i) { job { id } } }",
            json!({"i": {"model": model, "args": {"input": song}, "callbackUrl": hook}}),
        )
        .await;
    let job = created
        .data("/createDeployment/job/id")
        .as_str()
        .unwrap_or_else(|| panic!("{}", created.body))
        .to_owned();
    let done = wait_for(
        &stack,
        &token,
        &job,
        &["SUCCEEDED", "FAILED"],
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(done["status"], "SUCCEEDED", "{done}");

    // Assert: the run is its own trace, linked to a span of the deployment's trace; the
    // media calls it makes join the run's trace, and so does its callback.
    let got = spans_until(&spans, |all| {
        all.iter()
            .any(|s| s.name.starts_with("run ") && !s.links.is_empty())
    })
    .await;
    let run = got
        .iter()
        .find(|s| s.name.starts_with("run ") && s.attribute("job") == Some(job.as_str()))
        .unwrap_or_else(|| panic!("no run span for {job}: {got:#?}"));
    assert_ne!(run.trace_id, deploy_trace);
    let (linked_trace, linked_span) = &run.links[0];
    assert_eq!(linked_trace, deploy_trace, "{run:#?}");
    assert!(
        got.iter().any(|s| &s.span_id == linked_span
            && s.attribute("mediamagic.service") == Some("jobs")),
        "the link points at the jobs service's span of the deployment request"
    );
    let got = spans_until(&spans, |all| {
        all.iter().any(|s| {
            s.trace_id == run.trace_id && s.attribute("mediamagic.service") == Some("media")
        })
    })
    .await;
    drop(got);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let traceparent = loop {
        let seen = received.lock().unwrap().clone();
        if let Some((headers, _)) = seen.first() {
            break headers
                .get("traceparent")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
        }
        assert!(tokio::time::Instant::now() < deadline, "no callback");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        traceparent.contains(&run.trace_id),
        "the callback continues the run's trace: {traceparent:?}"
    );
}

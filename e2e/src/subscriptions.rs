//! Subscription clients for the tests: graphql-transport-ws over WebSocket and GraphQL over
//! SSE (`accept: text/event-stream`), both through the router like a browser or a script.

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// One subscription over graphql-transport-ws.
pub struct WsSubscription {
    socket: Socket,
}

/// How long a test waits for the next message.
pub const WAIT: Duration = Duration::from_secs(20);

impl WsSubscription {
    /// Exchanges a session token for a subscription token at the router, connects to
    /// `ws_url` (the router's GraphQL endpoint), sends the token in `connection_init`, then
    /// subscribes.
    pub async fn start(ws_url: &str, token: &str, query: &str, variables: Value) -> Self {
        let base = ws_url
            .replacen("ws://", "http://", 1)
            .trim_end_matches("/graphql")
            .to_owned();
        let exchanged: Value = reqwest::Client::new()
            .post(format!("{base}/auth/subscription-token"))
            .bearer_auth(token)
            .send()
            .await
            .expect("token request")
            .json()
            .await
            .expect("token answer");
        let header = exchanged["header"]
            .as_str()
            .expect("header name")
            .to_owned();
        let internal = exchanged["token"].as_str().expect("token").to_owned();
        let mut request = ws_url.into_client_request().expect("ws request");
        request.headers_mut().insert(
            "sec-websocket-protocol",
            HeaderValue::from_static("graphql-transport-ws"),
        );
        let (mut socket, _) = match tokio_tungstenite::connect_async(request).await {
            Ok(connected) => connected,
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                panic!(
                    "the websocket upgrade was refused: HTTP {}",
                    response.status()
                )
            }
            Err(e) => panic!("websocket connect failed: {e}"),
        };
        send(
            &mut socket,
            json!({"type": "connection_init", "payload": {header: internal}}),
        )
        .await;
        loop {
            let message = next_json(&mut socket).await.expect("connection_ack");
            match message["type"].as_str() {
                Some("connection_ack") => break,
                Some("ping") => send(&mut socket, json!({"type": "pong"})).await,
                _ => panic!("expected connection_ack, got {message}"),
            }
        }
        send(
            &mut socket,
            json!({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}}),
        )
        .await;
        Self { socket }
    }

    /// The next `next` payload; `None` when the subscription completed. Panics on errors.
    pub async fn next(&mut self) -> Option<Value> {
        loop {
            let message = next_json(&mut self.socket).await?;
            match message["type"].as_str() {
                Some("next") => {
                    let payload = &message["payload"];
                    assert!(payload["errors"].is_null(), "subscription error: {payload}");
                    return Some(payload.clone());
                }
                Some("complete") => return None,
                Some("ping") => send(&mut self.socket, json!({"type": "pong"})).await,
                Some("pong") => {}
                _ => panic!("subscription error: {message}"),
            }
        }
    }

    /// The next `next` payload or `error` message as it came, errors included; `None` when
    /// the subscription completed or the connection closed.
    pub async fn next_raw(&mut self) -> Option<Value> {
        loop {
            let message = next_json(&mut self.socket).await?;
            match message["type"].as_str() {
                Some("next") => return Some(message["payload"].clone()),
                Some("error") => return Some(json!({"errors": message["payload"]})),
                Some("complete") => return None,
                Some("ping") => send(&mut self.socket, json!({"type": "pong"})).await,
                _ => {}
            }
        }
    }

    /// Leaves (as a client that disconnects).
    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}

async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .expect("websocket send");
}

async fn next_json(socket: &mut Socket) -> Option<Value> {
    loop {
        let message = tokio::time::timeout(WAIT, socket.next())
            .await
            .expect("a subscription message in time")?
            .ok()?;
        match message {
            Message::Text(text) => return serde_json::from_str(&text).ok(),
            Message::Close(_) => return None,
            _ => continue,
        }
    }
}

/// One subscription over SSE.
pub struct SseSubscription {
    body: std::pin::Pin<Box<dyn futures::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buffer: String,
}

impl SseSubscription {
    /// POSTs the subscription to `graphql_url` with `accept: text/event-stream`.
    pub async fn start(graphql_url: &str, token: &str, query: &str, variables: Value) -> Self {
        let response = reqwest::Client::new()
            .post(graphql_url)
            .bearer_auth(token)
            .header("accept", "text/event-stream")
            .json(&json!({"query": query, "variables": variables}))
            .send()
            .await
            .expect("SSE request");
        assert!(
            response.status().is_success(),
            "SSE status {}",
            response.status()
        );
        Self {
            body: Box::pin(response.bytes_stream()),
            buffer: String::new(),
        }
    }

    /// The next `next` event's data; `None` when the stream completed.
    pub async fn next(&mut self) -> Option<Value> {
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let event: String = self.buffer.drain(..end + 2).collect();
                let mut kind = "message";
                let mut data = String::new();
                for line in event.lines() {
                    if let Some(k) = line.strip_prefix("event:") {
                        kind = if k.trim() == "complete" {
                            "complete"
                        } else {
                            "next"
                        };
                    } else if let Some(d) = line.strip_prefix("data:") {
                        data.push_str(d.trim());
                    }
                }
                if kind == "complete" {
                    return None;
                }
                if !data.is_empty() {
                    let payload: Value = serde_json::from_str(&data).ok()?;
                    assert!(payload["errors"].is_null(), "subscription error: {payload}");
                    return Some(payload);
                }
            }
            let chunk = tokio::time::timeout(WAIT, self.body.next())
                .await
                .expect("an SSE event in time")?
                .ok()?;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

/// A raw graphql-transport-ws connection that sends `init_payload` in `connection_init` as
/// it is (credentials included), for tests of how the router treats it.
pub struct WsConnection {
    socket: Socket,
}

/// How a `connection_init` ended.
#[derive(Debug)]
pub enum WsInit {
    /// Acknowledged.
    Acknowledged(Box<WsConnection>),
    /// Closed before the acknowledgement, with this code and reason.
    Closed(u16, String),
}

impl WsConnection {
    /// Connects to `ws_url` and sends `connection_init` with `init_payload`.
    pub async fn open(ws_url: &str, init_payload: Value) -> WsInit {
        let mut request = ws_url.into_client_request().expect("ws request");
        request.headers_mut().insert(
            "sec-websocket-protocol",
            HeaderValue::from_static("graphql-transport-ws"),
        );
        let (mut socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("websocket connect");
        send(
            &mut socket,
            json!({"type": "connection_init", "payload": init_payload}),
        )
        .await;
        loop {
            let frame = tokio::time::timeout(WAIT, socket.next())
                .await
                .expect("an answer to connection_init in time");
            match frame {
                Some(Ok(Message::Text(text))) => {
                    let message: Value = serde_json::from_str(&text).expect("JSON message");
                    match message["type"].as_str() {
                        Some("connection_ack") => {
                            return WsInit::Acknowledged(Box::new(Self { socket }));
                        }
                        Some("ping") => send(&mut socket, json!({"type": "pong"})).await,
                        _ => panic!("expected connection_ack, got {message}"),
                    }
                }
                Some(Ok(Message::Close(frame))) => {
                    let (code, reason) = frame
                        .map(|f| (u16::from(f.code), f.reason.to_string()))
                        .unwrap_or((1005, String::new()));
                    return WsInit::Closed(code, reason);
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => panic!("websocket error: {e}"),
                None => return WsInit::Closed(1006, String::new()),
            }
        }
    }

    /// Starts subscription `id`.
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        send(
            &mut self.socket,
            json!({"id": id, "type": "subscribe", "payload": {"query": query, "variables": variables}}),
        )
        .await;
    }

    /// Ends subscription `id` from the client's side.
    pub async fn complete(&mut self, id: &str) {
        send(&mut self.socket, json!({"id": id, "type": "complete"})).await;
    }

    /// The next `next`, `error` or `complete` message (pings answered); `None` when the
    /// connection closed.
    pub async fn message(&mut self) -> Option<Value> {
        loop {
            let message = next_json(&mut self.socket).await?;
            match message["type"].as_str() {
                Some("ping") => send(&mut self.socket, json!({"type": "pong"})).await,
                Some("pong") => {}
                _ => return Some(message),
            }
        }
    }
}

impl std::fmt::Debug for WsConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WsConnection")
    }
}

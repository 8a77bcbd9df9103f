//! Headless Chromium driven over the DevTools protocol (a WebSocket), for tests that load a
//! page as a person would: navigate, run script in the page, read what it requested and
//! logged, take a screenshot. Chromium comes from Debian (`chromium-headless-shell` or
//! `chromium`, installed by `scripts/install-deps.sh`).

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::{
    path::PathBuf,
    process::Stdio,
    time::{Duration, Instant},
};
use tokio::process::{Child, Command};
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The browser binaries tried, in order.
const BINARIES: &[&str] = &["chromium-headless-shell", "chromium", "google-chrome"];

/// A running headless browser; its whole process group is killed when dropped (Debian's
/// launcher is a shell script, so the browser is not the process we started).
pub struct Browser {
    child: Child,
    _profile: tempfile::TempDir,
    port: u16,
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// One page (tab) under control.
pub struct Page {
    socket: Socket,
    next_id: u64,
    /// Every event received so far (`{"method", "params"}`).
    pub events: Vec<Value>,
}

fn find_binary() -> PathBuf {
    for name in BINARIES {
        for dir in std::env::var("PATH").unwrap_or_default().split(':') {
            let candidate = PathBuf::from(dir).join(name);
            if candidate.exists() {
                return candidate;
            }
        }
    }
    panic!(
        "no headless Chromium found (tried {}); run scripts/install-deps.sh or `apt-get install chromium-headless-shell`",
        BINARIES.join(", ")
    );
}

impl Browser {
    /// Starts the browser with a fresh profile and a 1280×800 window.
    pub async fn launch() -> Self {
        Self::launch_with(&[]).await
    }

    /// [`Browser::launch`] with extra command-line flags (e.g. `--host-resolver-rules=MAP
    /// evil.test 127.0.0.1`, a second origin served by this machine with no network).
    pub async fn launch_with(flags: &[&str]) -> Self {
        let profile = tempfile::tempdir().expect("profile dir");
        let child = Command::new(find_binary())
            .args([
                "--headless",
                // Tests run as root, where Chromium's sandbox cannot start.
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "--window-size=1280,800",
                // Nothing of the browser's own may reach out from this machine.
                "--disable-background-networking",
                "--disable-component-update",
            ])
            .args(flags)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group, so that dropping the browser ends every process of it.
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .expect("chromium starts");
        let port_file = profile.path().join("DevToolsActivePort");
        let deadline = Instant::now() + Duration::from_secs(30);
        let port = loop {
            if let Some(port) = std::fs::read_to_string(&port_file)
                .ok()
                .and_then(|text| text.lines().next()?.trim().parse().ok())
            {
                break port;
            }
            assert!(
                Instant::now() < deadline,
                "chromium did not open its DevTools port"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        Self {
            child,
            _profile: profile,
            port,
        }
    }

    /// Connects to the browser's first page.
    pub async fn page(&self) -> Page {
        let deadline = Instant::now() + Duration::from_secs(30);
        let url = loop {
            let targets: Value =
                match reqwest::get(format!("http://127.0.0.1:{}/json/list", self.port)).await {
                    Ok(response) => response.json().await.unwrap_or(Value::Null),
                    Err(_) => Value::Null,
                };
            if let Some(url) = targets
                .as_array()
                .into_iter()
                .flatten()
                .find(|t| t["type"] == "page")
                .and_then(|t| t["webSocketDebuggerUrl"].as_str())
            {
                break url.to_owned();
            }
            assert!(Instant::now() < deadline, "chromium has no page");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("DevTools connection");
        Page {
            socket,
            next_id: 0,
            events: Vec::new(),
        }
    }
}

impl Page {
    /// Calls a DevTools method; its `result` (panics on a protocol error).
    pub async fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let request = json!({"id": id, "method": method, "params": params});
        self.socket
            .send(Message::Text(request.to_string().into()))
            .await
            .expect("DevTools send");
        loop {
            let message = tokio::time::timeout(Duration::from_secs(30), self.socket.next())
                .await
                .unwrap_or_else(|_| panic!("no answer to {method}"))
                .expect("DevTools connection open")
                .expect("DevTools message");
            let Message::Text(text) = message else {
                continue;
            };
            let value: Value = serde_json::from_str(&text).expect("DevTools JSON");
            if value["id"] == json!(id) {
                if let Some(error) = value.get("error") {
                    panic!("{method} failed: {error}");
                }
                return value["result"].clone();
            }
            if value.get("method").is_some() {
                self.events.push(value);
            }
        }
    }

    /// Evaluates `expression` in the page (awaiting a promise); its value.
    pub async fn eval(&mut self, expression: &str) -> Value {
        let result = self
            .call(
                "Runtime.evaluate",
                json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
            )
            .await;
        if let Some(exception) = result.get("exceptionDetails") {
            panic!("script failed: {exception}\n{expression}");
        }
        result["result"]["value"].clone()
    }

    /// Evaluates `expression` until it is truthy; its value. Panics with `what` after
    /// `timeout`.
    pub async fn wait_for(&mut self, expression: &str, what: &str, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let value = self.eval(expression).await;
            let truthy = !matches!(&value, Value::Null | Value::Bool(false))
                && value != json!("")
                && value != json!(0);
            if truthy {
                return value;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Events received so far with this method name.
    pub fn events_named<'a>(&'a self, method: &'a str) -> impl Iterator<Item = &'a Value> {
        self.events.iter().filter(move |e| e["method"] == method)
    }

    /// A PNG screenshot of the viewport.
    pub async fn screenshot(&mut self) -> Vec<u8> {
        use base64::Engine;
        let shot = self
            .call("Page.captureScreenshot", json!({"format": "png"}))
            .await;
        base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("screenshot data"))
            .expect("screenshot base64")
    }
}

/// Script that sets the text of the visible CodeMirror editor inside `selector` (GraphiQL's
/// `.graphiql-query-editor`, or `.graphiql-editor-tool` for the open Variables/Headers tab);
/// true once it did.
pub fn set_editor(selector: &str, text: &str) -> String {
    format!(
        "(() => {{ const editors = [...document.querySelectorAll('{selector} .CodeMirror')]
              .filter(e => !e.closest('.hidden'));
            if (!editors.length) return false;
            editors[0].CodeMirror.setValue({text}); return true; }})()",
        text = serde_json::to_string(text).expect("JSON string")
    )
}

/// Script whose value is GraphiQL's response pane text ('' while empty).
pub const GRAPHIQL_RESPONSE: &str = "(() => { const e = document.querySelector('.graphiql-response .CodeMirror'); return e ? e.CodeMirror.getValue() : ''; })()";

impl Page {
    /// Loads `url` and waits until the document is complete and shows that URL's origin.
    pub async fn open(&mut self, url: &str) {
        self.call("Page.navigate", json!({"url": url})).await;
        let origin = url.split('/').take(3).collect::<Vec<_>>().join("/");
        self.wait_for(
            &format!("document.readyState === 'complete' && location.origin === {origin:?}"),
            "the page to load",
            Duration::from_secs(30),
        )
        .await;
    }

    /// Loads `url`, waits for GraphiQL, opens the documentation explorer and waits until it
    /// lists the schema (GraphiQL's introspection worked); the explorer's text.
    pub async fn open_graphiql(&mut self, url: &str, timeout: Duration) -> String {
        self.call("Page.navigate", json!({"url": url})).await;
        self.wait_for(
            "document.readyState === 'complete' && !!document.querySelector('.graphiql-container')",
            "GraphiQL to render",
            timeout,
        )
        .await;
        self.wait_for(
            "(() => { const b = document.querySelector('[aria-label=\"Show Documentation Explorer\"]'); if (b) b.click(); return !!b; })()",
            "the docs button",
            timeout,
        )
        .await;
        self.wait_for(
            "(() => { const d = document.querySelector('.graphiql-doc-explorer'); return d && d.innerText.includes('Query') ? d.innerText : ''; })()",
            "the schema in the documentation explorer",
            timeout,
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    /// Puts `headers` (JSON) in the Headers tab and `query` in the editor, runs it, and
    /// returns the response pane once it contains `expect`.
    pub async fn run_in_graphiql(
        &mut self,
        headers: &str,
        query: &str,
        expect: &str,
        timeout: Duration,
    ) -> String {
        self.wait_for(
            &set_editor(".graphiql-editor-tool", headers),
            "the headers editor",
            timeout,
        )
        .await;
        self.wait_for(
            &set_editor(".graphiql-query-editor", query),
            "the query editor",
            timeout,
        )
        .await;
        // GraphiQL reads the operation name from the editor a moment after a change.
        tokio::time::sleep(Duration::from_millis(500)).await;
        self.eval("document.querySelector('.graphiql-execute-button').click()")
            .await;
        let expect = serde_json::to_string(expect).expect("JSON string");
        self.wait_for(
            &format!("(() => {{ const v = {GRAPHIQL_RESPONSE}; return v.includes({expect}) ? v : ''; }})()"),
            "the answer in GraphiQL",
            timeout,
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }
}

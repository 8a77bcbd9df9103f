//! The bare API from a web page on another origin, in headless Chromium, against a real
//! `mediamagic dev` with its defaults: what a customer's web app does, with no console
//! code. The page is served from `http://localhost:<port>` (a different origin from the
//! router's `http://127.0.0.1:<port>`, and allowed by dev's CORS settings), and again from
//! `http://evil.test:<port>` (mapped to this machine by Chromium's host resolver rules, no
//! network), an origin on no list, which the browser must refuse.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine;
use mediamagic_e2e::{browser::Browser, dev::DevProcess, media::mp4};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// A blank page at `/` on every host name, on a port of its own.
async fn page_server() -> u16 {
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(|| async {
            axum::response::Html("<!doctype html><title>customer app</title><p>app</p>")
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    port
}

/// What the page runs: sign-up, a presigned PUT, a one-part multipart upload reading the
/// part's ETag, a GraphQL multipart upload, a deployment followed over graphql-ws with the
/// credential in `connection_init`, the same job over SSE through fetch, and the output's
/// download. Answers a summary, or the first failure's message.
const JOURNEY: &str = r#"
(async () => {
  const out = {};
  const auth = (token) => ({ authorization: 'Bearer ' + token });
  const gql = async (query, variables, token) => {
    const r = await fetch(API + '/graphql', { method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? auth(token) : {}) },
      body: JSON.stringify({ query, variables }) });
    const body = await r.json();
    if (body.errors) throw new Error(query + ': ' + JSON.stringify(body.errors));
    return body.data;
  };
  try {
    const bytes = Uint8Array.from(atob(VIDEO), (c) => c.charCodeAt(0));
    const email = 'page-' + crypto.randomUUID() + '@example.com';
    const token = (await gql('mutation($i: SignUpInput!) { signUp(input: $i) { token } }',
      { i: { email, password: 'correct horse 1', name: 'Page' } })).signUp.token;
    out.signedUp = !!token;

    // A presigned upload: the PUT goes straight to the URL the API handed out.
    const input = { filename: 'clip.mp4', contentType: 'video/mp4', size: bytes.length, sha256: SHA };
    const ticket = (await gql('mutation($i: CreateUploadInput!) { createUpload(input: $i) { media { id } url method headers { name value } } }',
      { i: input }, token)).createUpload;
    const headers = Object.fromEntries(ticket.headers.map((h) => [h.name, h.value]));
    const put = await fetch(ticket.url, { method: ticket.method, headers, body: bytes });
    out.presignedPut = put.status;
    out.presignedEtag = put.headers.get('etag');
    out.finalized = (await gql('mutation($id: ID!) { finalizeUpload(id: $id) { status } }',
      { id: ticket.media.id }, token)).finalizeUpload.status;

    // A multipart upload of one part: the page must read the part's ETag.
    const parts = (await gql('mutation($i: CreateUploadInput!) { createUpload(input: $i) { media { id } multipart { parts { number url method headers { name value } } } } }',
      { i: { ...input, multipart: true, parts: [{ number: 1, sha256: SHA }] } }, token)).createUpload;
    const part = parts.multipart.parts[0];
    const partPut = await fetch(part.url, { method: part.method,
      headers: Object.fromEntries(part.headers.map((h) => [h.name, h.value])), body: bytes });
    out.partPut = partPut.status;
    out.partEtag = partPut.headers.get('etag');
    out.completed = (await gql('mutation($id: ID!) { completeUpload(id: $id) { status } }',
      { id: parts.media.id }, token)).completeUpload.status;

    // The GraphQL multipart request (the router forwards it to the media service).
    const form = new FormData();
    form.append('operations', JSON.stringify({ query: 'mutation($f: Upload!) { uploadMedia(file: $f) { id status } }', variables: { f: null } }));
    form.append('map', JSON.stringify({ 0: ['variables.f'] }));
    form.append('0', new Blob([bytes], { type: 'video/mp4' }), 'clip.mp4');
    const multipart = await fetch(API + '/graphql', { method: 'POST', headers: auth(token), body: form });
    const uploaded = await multipart.json();
    out.multipartUpload = multipart.status;
    const video = uploaded.data.uploadMedia.id;

    // A job, followed live over graphql-ws with the credential in connection_init.
    const job = (await gql('mutation($i: CreateDeploymentInput!) { createDeployment(input: $i) { job { id } } }',
      { i: { model: 'audio-extract', args: { video, bitrate: 128 } } }, token)).createDeployment.job.id;
    out.wsStatuses = await new Promise((resolve, reject) => {
      const seen = [];
      const ws = new WebSocket(API.replace('http', 'ws') + '/graphql', 'graphql-transport-ws');
      const timer = setTimeout(() => { ws.close(); reject(new Error('ws: no end in time: ' + seen)); }, 90000);
      ws.onopen = () => ws.send(JSON.stringify({ type: 'connection_init', payload: auth(token) }));
      ws.onmessage = (event) => {
        const message = JSON.parse(event.data);
        if (message.type === 'connection_ack') {
          ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: {
            query: 'subscription($id: ID!) { jobUpdated(id: $id) { status } }', variables: { id: job } } }));
        } else if (message.type === 'next') {
          const status = message.payload.data.jobUpdated.status;
          if (seen[seen.length - 1] !== status) seen.push(status);
          if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(status)) { clearTimeout(timer); ws.close(); resolve(seen); }
        } else if (message.type === 'error' || message.type === 'complete') {
          clearTimeout(timer); ws.close(); resolve(seen.concat([message.type + ' ' + JSON.stringify(message.payload || {})]));
        }
      };
      ws.onerror = () => { clearTimeout(timer); reject(new Error('ws error')); };
    });

    // The same job over SSE through fetch (the Authorization header, no EventSource).
    const sse = await fetch(API + '/graphql', { method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...auth(token) },
      body: JSON.stringify({ query: 'subscription($id: ID!) { jobUpdated(id: $id) { status } }', variables: { id: job } }) });
    const reader = sse.body.getReader();
    let text = '';
    while (!text.includes('SUCCEEDED')) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    reader.cancel();
    out.sseSawSucceeded = text.includes('SUCCEEDED');

    // The output's download URL, fetched by the page.
    const outputs = (await gql('query($id: ID!) { job(id: $id) { outputs { url } } }', { id: job }, token)).job.outputs;
    const download = await fetch(outputs[0].url);
    out.downloadStatus = download.status;
    out.downloadBytes = (await download.arrayBuffer()).byteLength;
    out.downloadEtag = download.headers.get('etag');
    out.outputUrl = outputs[0].url;
    out.uploadUrl = ticket.url;
    out.token = token;
  } catch (e) {
    out.failure = String(e && e.stack || e);
  }
  return out;
})()
"#;

/// What a page on an unlisted origin tries: each answers `refused` when the browser
/// blocked it (a CORS failure is a TypeError), else the status it could read.
const HOSTILE: &str = r#"
(async () => {
  const attempt = async (url, init) => {
    try { const r = await fetch(url, init); return 'status ' + r.status; }
    catch (e) { return e instanceof TypeError ? 'refused' : String(e); }
  };
  return {
    graphql: await attempt(API + '/graphql', { method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + TOKEN },
      body: JSON.stringify({ query: '{ me { email } }' }) }),
    download: await attempt(OUTPUT, {}),
    upload: await attempt(UPLOAD, { method: 'PUT', headers: { 'content-type': 'video/mp4' }, body: 'x' }),
  };
})()
"#;

#[tokio::test]
async fn a_page_on_another_origin_uses_the_whole_api_and_an_unlisted_origin_is_refused() {
    let data = tempfile::tempdir().unwrap();
    let dev = DevProcess::start(data.path()).await;
    let api = dev.base();
    let page_port = page_server().await;
    let browser = Browser::launch_with(&["--host-resolver-rules=MAP evil.test 127.0.0.1"]).await;
    let mut page = browser.page().await;

    let video = mp4();
    let sha = hex::encode(Sha256::digest(&video));
    // The video last: its base64 could hold the other placeholders' letters.
    let script = JOURNEY
        .replace("API", &format!("{api:?}"))
        .replace("SHA", &format!("{sha:?}"))
        .replace(
            "VIDEO",
            &format!(
                "{:?}",
                base64::engine::general_purpose::STANDARD.encode(&video)
            ),
        );
    page.open(&format!("http://localhost:{page_port}/")).await;
    let out: Value = page.eval(&script).await;
    assert!(out["failure"].is_null(), "{out:#}");
    assert_eq!(out["signedUp"], true);
    assert_eq!(out["presignedPut"], 200, "{out:#}");
    assert_eq!(out["finalized"], "LIVE", "{out:#}");
    assert_eq!(out["partPut"], 200, "{out:#}");
    assert!(
        out["partEtag"].as_str().is_some_and(|e| !e.is_empty()),
        "the part's ETag is readable: {out:#}"
    );
    assert_eq!(out["completed"], "LIVE", "{out:#}");
    assert_eq!(out["multipartUpload"], 200, "{out:#}");
    assert_eq!(
        out["wsStatuses"].as_array().unwrap().last(),
        Some(&json!("SUCCEEDED")),
        "{out:#}"
    );
    assert_eq!(out["sseSawSucceeded"], true, "{out:#}");
    assert_eq!(out["downloadStatus"], 200, "{out:#}");
    assert!(out["downloadBytes"].as_u64().unwrap() > 1000, "{out:#}");

    // The same requests from an origin on no list: the browser refuses them all.
    let hostile = HOSTILE
        .replace("API", &format!("{api:?}"))
        .replace("TOKEN", &format!("{:?}", out["token"].as_str().unwrap()))
        .replace(
            "OUTPUT",
            &format!("{:?}", out["outputUrl"].as_str().unwrap()),
        )
        .replace(
            "UPLOAD",
            &format!("{:?}", out["uploadUrl"].as_str().unwrap()),
        );
    page.open(&format!("http://evil.test:{page_port}/")).await;
    let refused: Value = page.eval(&hostile).await;
    assert_eq!(
        refused,
        json!({"graphql": "refused", "download": "refused", "upload": "refused"})
    );

    // No third-party page anywhere: unknown paths are 404 in our error shape, and a
    // browser opening `/` gets the Media Magic page (scripts keep seed 004's answer).
    let client = reqwest::Client::new();
    for path in ["/console-nope", "/nothing/here", "/graphqlx"] {
        let answer = client.get(format!("{api}{path}")).send().await.unwrap();
        assert_eq!(answer.status(), 404, "{path}");
        let body: Value = answer.json().await.unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "NOT_FOUND",
            "{path}: {body}"
        );
    }
    let home = client
        .get(format!("{api}/"))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), 200);
    let home = home.text().await.unwrap();
    assert!(
        home.contains("<h1>Media Magic</h1>") && home.contains("href=\"/playground\""),
        "{home}"
    );
    assert!(
        !home.contains("https://"),
        "the page loads nothing from elsewhere: {home}"
    );
    let health = client
        .get(format!("{api}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(health.contains("Music Separation Server"), "{health}");

    drop(browser);
    dev.stop().await;
}

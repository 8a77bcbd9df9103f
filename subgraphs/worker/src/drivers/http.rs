//! The `http` invocation kind: a multipart POST of the rendered form fields (file arguments
//! as file parts) to the model server; the response body is saved in the working directory,
//! named by its `Content-Disposition` file name, where the declared outputs are then found.
//! Model server URLs are subject to the same SSRF rule as callbacks unless
//! `worker.allow_private_model_servers` is on.

use super::Interrupted;
use crate::domain::run::RunEnd;
use futures::TryStreamExt;
use mediamagic_models::domain::render::FormField;
use std::{path::Path, time::Duration};
use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;

fn failed(code: &str, message: String) -> Interrupted {
    Interrupted::Failed(RunEnd::Failed {
        code: code.into(),
        message,
    })
}

fn unreachable(message: String) -> Interrupted {
    Interrupted::Failed(RunEnd::Infrastructure(message))
}

/// POSTs `fields` to `url` and saves the response in `dir`.
pub async fn call(
    http: &reqwest::Client,
    url: &str,
    fields: &[FormField],
    dir: &Path,
    allow_private: bool,
    timeout: Duration,
    stop: &CancellationToken,
) -> Result<(), Interrupted> {
    let parsed = mediamagic_jobs::domain::callback::parse_url(url)
        .map_err(|_| failed("BAD_COMMAND", format!("`{url}` is not an http(s) URL")))?;
    mediamagic_jobs::domain::callback::check_destination(&parsed, allow_private)
        .await
        .map_err(|e| failed("BAD_COMMAND", e.replace("callback", "model server")))?;
    let mut form = reqwest::multipart::Form::new();
    for field in fields {
        form = match field {
            FormField::Text { name, value } => form.text(name.clone(), value.clone()),
            FormField::File { name, location } => {
                let file = tokio::fs::File::open(location)
                    .await
                    .map_err(|e| unreachable(format!("reading an input failed: {e}")))?;
                let file_name = Path::new(location)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "input".into());
                let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::new(file));
                form.part(
                    name.clone(),
                    reqwest::multipart::Part::stream(body).file_name(file_name),
                )
            }
        };
    }
    let exchange = async {
        let response = http
            .post(parsed)
            .multipart(form)
            .send()
            .await
            .map_err(|e| unreachable(format!("the model server did not answer: {e}")))?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            let snippet: String = body.chars().take(500).collect();
            return Err(if status.is_server_error() && status.as_u16() != 500 {
                unreachable(format!("the model server answered {status}: {snippet}"))
            } else {
                failed(
                    "HTTP_STATUS",
                    format!("the model server answered {status}: {snippet}"),
                )
            });
        }
        let name = response_file_name(&response);
        let path = dir.join(&name);
        let mut file = tokio::fs::File::create(&path)
            .await
            .map_err(|e| unreachable(format!("saving the response failed: {e}")))?;
        let mut body = response.bytes_stream();
        while let Some(chunk) = body
            .try_next()
            .await
            .map_err(|e| unreachable(format!("reading the response failed: {e}")))?
        {
            file.write_all(&chunk)
                .await
                .map_err(|e| unreachable(format!("saving the response failed: {e}")))?;
        }
        file.flush()
            .await
            .map_err(|e| unreachable(format!("saving the response failed: {e}")))
    };
    tokio::select! {
        done = exchange => done,
        _ = stop.cancelled() => Err(Interrupted::Stopped),
        _ = tokio::time::sleep(timeout) => Err(Interrupted::TimedOut(timeout)),
    }
}

/// The file name of `Content-Disposition` (path parts and odd characters removed), else
/// `output`.
fn response_file_name(response: &reqwest::Response) -> String {
    let header = response
        .headers()
        .get(reqwest::header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let name = header
        .split(';')
        .filter_map(|part| part.trim().strip_prefix("filename="))
        .next()
        .map(|n| n.trim_matches('"'))
        .and_then(|n| n.rsplit(['/', '\\']).next())
        .unwrap_or_default();
    let clean: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .collect();
    if clean.is_empty() || clean.starts_with('.') || clean == "inputs" {
        "output".into()
    } else {
        clean
    }
}

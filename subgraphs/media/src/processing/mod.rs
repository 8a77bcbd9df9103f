//! Metadata (ffprobe) and thumbnails (ffmpeg) of live media.

use serde_json::{Value, json};
use std::path::Path;
use tokio::process::Command;

/// Why a file could not be processed.
#[derive(Debug, thiserror::Error)]
pub enum ProcessingError {
    /// The file is not a readable image, video or audio file (a client problem: no retry).
    #[error("{0}")]
    Unreadable(String),
    /// ffprobe or ffmpeg could not be run (an infrastructure problem: retried).
    #[error("running {0}: {1}")]
    Tool(&'static str, std::io::Error),
}

/// What ffprobe says about a file, in the shape `Media.metadata` exposes.
pub async fn probe(path: &Path) -> Result<Value, ProcessingError> {
    let output = Command::new("ffprobe")
        .args([
            // Uploads are hostile input: a playlist or SDP file must not make ffprobe open
            // network connections or other files' protocols.
            "-protocol_whitelist",
            "file,pipe",
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
        ])
        .arg(path)
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| ProcessingError::Tool("ffprobe", e))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(ProcessingError::Unreadable(format!(
            "the file could not be read: {}",
            stderr.lines().next().unwrap_or("unknown format").trim()
        )));
    }
    let probed: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| ProcessingError::Unreadable(format!("ffprobe output: {e}")))?;
    let streams = probed["streams"].as_array().cloned().unwrap_or_default();
    if streams.is_empty() {
        return Err(ProcessingError::Unreadable(
            "the file has no audio or video streams".into(),
        ));
    }
    let video = streams.iter().find(|s| s["codec_type"] == "video");
    let audio = streams.iter().find(|s| s["codec_type"] == "audio");
    let number = |v: &Value| {
        v.as_str()
            .and_then(|s| s.parse::<f64>().ok())
            .or_else(|| v.as_f64())
    };
    let frame_rate = video
        .and_then(|v| v["avg_frame_rate"].as_str())
        .and_then(|r| r.split_once('/'))
        .and_then(|(n, d)| Some((n.parse::<f64>().ok()?, d.parse::<f64>().ok()?)))
        .filter(|(_, d)| *d > 0.0)
        .map(|(n, d)| (n / d * 1000.0).round() / 1000.0)
        .filter(|r| *r > 0.0);
    Ok(json!({
        "width": video.and_then(|v| v["width"].as_i64()),
        "height": video.and_then(|v| v["height"].as_i64()),
        "duration_seconds": number(&probed["format"]["duration"]),
        "video_codec": video.and_then(|v| v["codec_name"].as_str()),
        "audio_codec": audio.and_then(|a| a["codec_name"].as_str()),
        "bitrate": number(&probed["format"]["bit_rate"]).map(|b| b as i64),
        "frame_rate": frame_rate,
        "format": probed["format"]["format_name"].as_str(),
    }))
}

/// Writes a JPEG thumbnail `width` pixels wide of an image or a video (a frame from the
/// first second) to `out`.
pub async fn thumbnail(
    input: &Path,
    out: &Path,
    width: u32,
    is_video: bool,
    duration: Option<f64>,
) -> Result<(), ProcessingError> {
    let mut command = Command::new("ffmpeg");
    command.args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"]);
    command.args(["-protocol_whitelist", "file,pipe"]);
    if is_video {
        // A frame a little into the video (black first frames are common), within its length.
        let at = duration.map(|d| (d / 10.0).min(1.0)).unwrap_or(0.0);
        command.args(["-ss", &format!("{at:.3}")]);
    }
    let output = command
        .arg("-i")
        .arg(input)
        .args([
            "-frames:v",
            "1",
            "-vf",
            &format!("scale={width}:-2"),
            "-q:v",
            "4",
        ])
        .arg(out)
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| ProcessingError::Tool("ffmpeg", e))?;
    if output.status.success() && out.exists() {
        Ok(())
    } else {
        Err(ProcessingError::Unreadable(format!(
            "no thumbnail could be made: {}",
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .next()
                .unwrap_or("")
                .trim()
        )))
    }
}

//! Metadata (ffprobe, or the header of a still image) and thumbnails (ffmpeg) of live media.

pub mod still;
pub mod still_thumbnail;

use serde_json::{Value, json};
use std::path::Path;
use tokio::{io::AsyncReadExt, process::Command};

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

/// The metadata of the file at `path`, a media of `kind`: a JPEG or PNG image's from its
/// header ([`still`]), anything else's from ffprobe.
pub async fn metadata(path: &Path, kind: &str) -> Result<Value, ProcessingError> {
    if kind == "image" {
        let mut head = Vec::new();
        let read = async {
            let file = tokio::fs::File::open(path).await?;
            file.take(still::HEAD_BYTES as u64)
                .read_to_end(&mut head)
                .await
        };
        if read.await.is_ok()
            && let Some(metadata) = still::metadata(&head)
        {
            return Ok(metadata);
        }
    }
    probe(path).await
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
/// first second) to `out`: a JPEG or PNG image's made in the process, anything else's by
/// ffmpeg.
pub async fn thumbnail(
    input: &Path,
    out: &Path,
    width: u32,
    is_video: bool,
    duration: Option<f64>,
) -> Result<(), ProcessingError> {
    if !is_video && still_thumbnail_into(input, out, width).await {
        return Ok(());
    }
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

/// Makes a JPEG or PNG image's thumbnail in the process ([`still_thumbnail`]); `false` when
/// ffmpeg should make it.
async fn still_thumbnail_into(input: &Path, out: &Path, width: u32) -> bool {
    let small = tokio::fs::metadata(input)
        .await
        .is_ok_and(|m| m.len() <= still_thumbnail::MAX_FILE_BYTES);
    if !small {
        return false;
    }
    let Ok(bytes) = tokio::fs::read(input).await else {
        return false;
    };
    // CPU work: off the async threads.
    let made = tokio::task::spawn_blocking(move || still_thumbnail::thumbnail(&bytes, width))
        .await
        .ok()
        .flatten();
    match made {
        Some(jpeg) => tokio::fs::write(out, jpeg).await.is_ok(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Encodes a 96x64 test pattern with ffmpeg's `args` into `name` under `dir`.
    fn encode(dir: &Path, name: &str, args: &[&str]) -> std::path::PathBuf {
        let out = dir.join(name);
        let status = std::process::Command::new("ffmpeg")
            .args(["-loglevel", "error", "-y", "-f", "lavfi", "-i"])
            .arg("testsrc=size=96x64:rate=1")
            .args(["-frames:v", "1"])
            .args(args)
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success(), "{name}");
        out
    }

    #[tokio::test]
    async fn a_still_images_header_answers_what_ffprobe_answers() {
        let dir = tempfile::tempdir().unwrap();
        let files = [
            encode(dir.path(), "baseline.jpg", &["-q:v", "3"]),
            encode(dir.path(), "gray.jpg", &["-pix_fmt", "gray"]),
            encode(dir.path(), "rgba.png", &["-pix_fmt", "rgba"]),
            encode(dir.path(), "deep.png", &["-pix_fmt", "rgb48be"]),
            encode(dir.path(), "gray.png", &["-pix_fmt", "gray"]),
            // A photograph as a camera pipeline writes it (JFIF, 4:4:4).
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../e2e/tests/fixtures/astronaut.jpg"),
        ];
        for file in &files {
            // Stored without a name, as media objects are.
            let stored = dir.path().join("input");
            std::fs::copy(file, &stored).unwrap();
            let from_header = metadata(&stored, "image").await.unwrap();
            let head = std::fs::read(&stored).unwrap();
            assert!(
                still::metadata(&head).is_some(),
                "{} was read by ffprobe, not its header",
                file.display()
            );
            assert_eq!(
                from_header,
                probe(&stored).await.unwrap(),
                "{}",
                file.display()
            );
        }
        // Not an image this reader knows: ffprobe's answer.
        let webp = encode(dir.path(), "still.webp", &[]);
        assert_eq!(
            metadata(&webp, "image").await.unwrap()["format"],
            "webp_pipe"
        );
    }
}

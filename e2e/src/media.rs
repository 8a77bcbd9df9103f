//! Media fixtures shared by the media, upload and benchmark tests: real files made with
//! ffmpeg, hashes, the files in local storage, and multipart bodies (seed 000's form and the
//! GraphQL multipart request spec).

use crate::TestStack;
use sha2::{Digest, Sha256};
use std::{path::Path, process::Command};

/// Runs ffmpeg with `args` into a file called `name` and returns its bytes.
pub fn ffmpeg_file(args: &[&str], name: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join(name);
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args(args)
        .arg(&out)
        .status()
        .expect("ffmpeg runs");
    assert!(status.success(), "ffmpeg failed");
    std::fs::read(out).expect("ffmpeg output")
}

/// A 640×480 PNG test pattern.
pub fn png() -> Vec<u8> {
    ffmpeg_file(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=640x480",
            "-frames:v",
            "1",
        ],
        "image.png",
    )
}

/// A 2-second 320×240 H.264 video with a sine tone.
pub fn mp4() -> Vec<u8> {
    ffmpeg_file(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=25",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440",
            "-t",
            "2",
            "-pix_fmt",
            "yuv420p",
            "-shortest",
        ],
        "video.mp4",
    )
}

/// A 2-second mp3 sine tone.
pub fn mp3() -> Vec<u8> {
    ffmpeg_file(
        &["-f", "lavfi", "-i", "sine=frequency=440", "-t", "2"],
        "audio.mp3",
    )
}

/// Lower-case hex sha256.
pub fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// How a multipart upload's parts are checked (`partChecksum`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartCheck {
    /// SHA-256 (the default).
    Sha256,
    /// CRC32, 8 hex digits.
    Crc32,
}

impl PartCheck {
    /// Its name in `partChecksum`.
    pub fn algorithm(self) -> &'static str {
        match self {
            PartCheck::Sha256 => "SHA256",
            PartCheck::Crc32 => "CRC32",
        }
    }

    /// The checksum of `bytes`, hex, as `UploadPartInput` takes it.
    pub fn sum(self, bytes: &[u8]) -> String {
        match self {
            PartCheck::Sha256 => sha(bytes),
            PartCheck::Crc32 => format!("{:08x}", crc32fast::hash(bytes)),
        }
    }

    /// A part's `UploadPartInput`: its number and checksum.
    pub fn part(self, number: usize, bytes: &[u8]) -> serde_json::Value {
        match self {
            PartCheck::Sha256 => serde_json::json!({"number": number, "sha256": self.sum(bytes)}),
            PartCheck::Crc32 => serde_json::json!({"number": number, "crc32": self.sum(bytes)}),
        }
    }
}

/// How many files the stack's local object storage holds.
pub fn object_files(stack: &TestStack) -> usize {
    fn walk(dir: &Path) -> usize {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| {
                        let path = e.path();
                        if path.is_dir() { walk(&path) } else { 1 }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(stack.objects.path())
}

const BOUNDARY: &str = "mediamagic-test-boundary";

/// One part of a multipart body: `(field name, file name and content type for files, bytes)`.
pub type Part<'a> = (&'a str, Option<(&'a str, &'a str)>, &'a [u8]);

/// A `multipart/form-data` body of `parts`; returns (content type, body).
pub fn multipart_body(parts: &[Part<'_>]) -> (String, Vec<u8>) {
    let mut body = Vec::new();
    for (name, file, bytes) in parts {
        body.extend(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"").as_bytes(),
        );
        if let Some((filename, content_type)) = file {
            body.extend(
                format!("; filename=\"{filename}\"\r\nContent-Type: {content_type}").as_bytes(),
            );
        }
        body.extend(b"\r\n\r\n");
        body.extend(*bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

/// Seed 000's upload form: `tags`, then the file in `media` (named `download.jpeg`).
pub fn seed_upload_form(file: &[u8], content_type: &str, tags: &str) -> (String, Vec<u8>) {
    multipart_body(&[
        ("tags", None, tags.as_bytes()),
        ("media", Some(("download.jpeg", content_type)), file),
    ])
}

/// A GraphQL multipart request (spec order: `operations`, `map`, the files); each file is
/// `(part name, file name, content type, bytes)`.
pub fn graphql_multipart(
    operations: &serde_json::Value,
    map: &serde_json::Value,
    files: &[(&str, &str, &str, &[u8])],
) -> (String, Vec<u8>) {
    let operations = operations.to_string();
    let map = map.to_string();
    let mut parts: Vec<Part<'_>> = vec![
        ("operations", None, operations.as_bytes()),
        ("map", None, map.as_bytes()),
    ];
    for (name, filename, content_type, bytes) in files {
        parts.push((name, Some((filename, content_type)), bytes));
    }
    multipart_body(&parts)
}

/// What ffprobe says of `bytes`: `(codec of the first stream, duration in seconds)`.
pub fn probe(bytes: &[u8]) -> (String, f64) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("probed");
    std::fs::write(&path, bytes).expect("write");
    let output = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_name:format=duration",
        ])
        .args(["-of", "json"])
        .arg(&path)
        .output()
        .expect("ffprobe runs");
    assert!(output.status.success(), "ffprobe refused the file");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("ffprobe JSON");
    let codec = report["streams"][0]["codec_name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let duration = report["format"]["duration"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .unwrap_or(0.0);
    (codec, duration)
}

//! What a client may upload, parsed once: file name, content type (and the kind it implies),
//! size, sha256, tags.

use crate::config::MediaConfig;
use mediamagic_kit::ApiError;

/// Image, video or audio; other content is rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum)]
pub enum MediaKind {
    /// A still image.
    Image,
    /// A video.
    Video,
    /// Audio.
    Audio,
}

impl MediaKind {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Video => "video",
            MediaKind::Audio => "audio",
        }
    }

    /// Parses the stored text.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "image" => Some(MediaKind::Image),
            "video" => Some(MediaKind::Video),
            "audio" => Some(MediaKind::Audio),
            _ => None,
        }
    }
}

/// Where a media is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum)]
pub enum MediaStatus {
    /// Created; the bytes are not verified yet.
    Pending,
    /// Stored and verified.
    Live,
    /// Upload or processing failed; `failure` says why.
    Failed,
    /// Deleted; the stored objects are being removed.
    Deleted,
}

impl MediaStatus {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaStatus::Pending => "pending",
            MediaStatus::Live => "live",
            MediaStatus::Failed => "failed",
            MediaStatus::Deleted => "deleted",
        }
    }

    /// Parses the stored text.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(MediaStatus::Pending),
            "live" => Some(MediaStatus::Live),
            "failed" => Some(MediaStatus::Failed),
            "deleted" => Some(MediaStatus::Deleted),
            _ => None,
        }
    }
}

/// A valid upload request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadRequest {
    /// Original file name (path components removed).
    pub name: String,
    /// Content type, lower-case, without parameters.
    pub content_type: String,
    /// Image, video or audio.
    pub kind: MediaKind,
    /// Declared size in bytes (direct uploads: the limit applies while streaming).
    pub size: Option<u64>,
    /// Declared sha256 (lower-case hex).
    pub sha256: Option<String>,
    /// Normalised tags.
    pub tags: Vec<String>,
    /// The job that produced the file (job outputs registered by the worker).
    pub job_id: Option<uuid::Uuid>,
}

impl UploadRequest {
    /// Checks an upload request against the limits in `config`.
    pub fn parse(
        config: &MediaConfig,
        filename: &str,
        content_type: &str,
        size: Option<u64>,
        sha256: Option<&str>,
        tags: Vec<String>,
    ) -> Result<Self, ApiError> {
        let name = filename
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or("")
            .trim()
            .to_owned();
        if name.is_empty() || name.chars().count() > 255 || name.chars().any(char::is_control) {
            return Err(ApiError::bad_input(
                "filename",
                "filename must be 1 to 255 characters without control characters",
            ));
        }
        let mut content_type = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        // curl's `-F file=@clip.mp4` (the seeds' examples) sends a generic type for most
        // media; the name's extension says what it is (ffprobe checks the bytes later).
        if (content_type.is_empty() || content_type == "application/octet-stream")
            && let Some(guessed) = type_from_extension(&name)
        {
            content_type = guessed.to_owned();
        }
        let kind = match content_type.split('/').next() {
            Some("image") => MediaKind::Image,
            Some("video") => MediaKind::Video,
            Some("audio") => MediaKind::Audio,
            _ => {
                return Err(ApiError::bad_input(
                    "contentType",
                    format!("`{content_type}` is not an image, video or audio type"),
                ));
            }
        };
        if !config.allowed_content_types.contains(&content_type) {
            return Err(ApiError::bad_input(
                "contentType",
                format!(
                    "`{content_type}` is not accepted; accepted types: {}",
                    config.allowed_content_types.join(", ")
                ),
            ));
        }
        if let Some(size) = size {
            if size == 0 {
                return Err(ApiError::bad_input("size", "the file is empty"));
            }
            if size > config.max_upload_bytes {
                return Err(ApiError::bad_input(
                    "size",
                    format!(
                        "{size} bytes is over the upload limit of {} bytes",
                        config.max_upload_bytes
                    ),
                ));
            }
        }
        let sha256 = sha256.map(parse_sha256).transpose()?;
        Ok(Self {
            name,
            content_type,
            kind,
            size,
            sha256,
            tags: normalise_tags(config, tags)?,
            job_id: None,
        })
    }
}

/// The media type usual for a file name's extension, for clients that send a generic one.
pub fn type_from_extension(name: &str) -> Option<&'static str> {
    let (_, extension) = name.rsplit_once('.')?;
    Some(match extension.to_ascii_lowercase().as_str() {
        "mp4" | "m4v" => "video/mp4",
        "mov" => "video/quicktime",
        "mkv" => "video/x-matroska",
        "webm" => "video/webm",
        "avi" => "video/x-msvideo",
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        "m4a" => "audio/mp4",
        "flac" => "audio/flac",
        "ogg" | "oga" => "audio/ogg",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        _ => return None,
    })
}

/// A sha256 as 64 hex digits, lower-cased.
pub fn parse_sha256(raw: &str) -> Result<String, ApiError> {
    let hex = raw.trim().to_ascii_lowercase();
    if hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(hex)
    } else {
        Err(ApiError::bad_input(
            "sha256",
            "sha256 must be 64 hexadecimal digits",
        ))
    }
}

/// Tags trimmed, lower-cased, unique (first kept), within the configured limits.
pub fn normalise_tags(config: &MediaConfig, raw: Vec<String>) -> Result<Vec<String>, ApiError> {
    let mut tags: Vec<String> = Vec::new();
    for tag in raw {
        // Seed 000's multipart form sends `"hair","face"`: quotes are not part of a tag.
        let tag = tag.trim().trim_matches('"').trim().to_lowercase();
        if tag.is_empty()
            || tag.chars().count() > config.max_tag_length
            || tag.chars().any(char::is_control)
        {
            return Err(ApiError::bad_input(
                "tags",
                format!(
                    "tags are 1 to {} characters without control characters",
                    config.max_tag_length
                ),
            ));
        }
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if tags.len() > config.max_tags {
        return Err(ApiError::bad_input(
            "tags",
            format!("at most {} tags per media", config.max_tags),
        ));
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(content_type: &str, size: Option<u64>) -> Result<UploadRequest, ApiError> {
        UploadRequest::parse(
            &MediaConfig::default(),
            "/home/me/Downloads/download.jpeg",
            content_type,
            size,
            Some(&"AB".repeat(32)),
            vec!["\"hair\"".into(), " Face ".into(), "hair".into()],
        )
    }

    #[test]
    fn a_generic_content_type_is_taken_from_the_file_extension() {
        let config = MediaConfig::default();
        let curl = |name: &str| {
            UploadRequest::parse(
                &config,
                name,
                "application/octet-stream",
                None,
                None,
                vec![],
            )
        };
        let video = curl("video.MP4").unwrap();
        assert_eq!(
            (video.content_type.as_str(), video.kind),
            ("video/mp4", MediaKind::Video)
        );
        assert_eq!(curl("song.mp3").unwrap().content_type, "audio/mpeg");
        assert!(curl("notes.txt").is_err());
        assert!(curl("no-extension").is_err());
        // A declared specific type is kept, whatever the name says.
        let declared =
            UploadRequest::parse(&config, "clip.mp4", "video/webm", None, None, vec![]).unwrap();
        assert_eq!(declared.content_type, "video/webm");
    }

    #[test]
    fn an_upload_request_is_normalised() {
        let request = parse("Image/JPEG; charset=binary", Some(10)).unwrap();
        assert_eq!(request.name, "download.jpeg");
        assert_eq!(request.content_type, "image/jpeg");
        assert_eq!(request.kind, MediaKind::Image);
        assert_eq!(request.sha256.unwrap(), "ab".repeat(32));
        assert_eq!(request.tags, ["hair", "face"]);
    }

    #[test]
    fn other_content_and_bad_sizes_are_rejected_with_the_field() {
        let field = |r: Result<UploadRequest, ApiError>| match r.unwrap_err() {
            ApiError::BadUserInput { field, .. } => field.unwrap(),
            other => panic!("{other:?}"),
        };
        assert_eq!(field(parse("application/pdf", Some(1))), "contentType");
        assert_eq!(field(parse("image/x-unknown", Some(1))), "contentType");
        assert_eq!(field(parse("image/png", Some(0))), "size");
        assert_eq!(field(parse("image/png", Some(u64::MAX))), "size");
        assert!(parse_sha256("xyz").is_err());
    }
}

//! Metadata of still images read from their headers: a JPEG's frame header or a PNG's IHDR
//! chunk says all `Media.metadata` shows of an image, so those need no ffprobe process
//! (about 0.07 s of CPU each, paid for every image a model writes). Anything else, or a
//! header this reader does not fully understand, is left to ffprobe.
//!
//! The answer is what ffprobe answers for the same file, field for field, so clients see no
//! difference: codec `mjpeg` or `png`, format `jpeg_pipe` or `png_pipe`, and the 25 frames
//! a second ffprobe's image demuxers report for a still.

use serde_json::{Value, json};

/// How much of a file the header readers look at: a JPEG's frame header comes after its
/// metadata segments (EXIF, ICC profiles), each at most 64 KiB.
pub const HEAD_BYTES: usize = 1 << 20;

/// The metadata of the JPEG or PNG image starting with `head`, or `None` (ask ffprobe).
pub fn metadata(head: &[u8]) -> Option<Value> {
    let (codec, format, (width, height)) = if head.starts_with(PNG_SIGNATURE) {
        ("png", "png_pipe", png_size(head)?)
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        ("mjpeg", "jpeg_pipe", jpeg_size(head)?)
    } else {
        return None;
    };
    (width > 0 && height > 0).then(|| {
        json!({
            "width": width,
            "height": height,
            "duration_seconds": null,
            "video_codec": codec,
            "audio_codec": null,
            "bitrate": null,
            "frame_rate": 25.0,
            "format": format,
        })
    })
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Width and height from the IHDR chunk, which must come first.
fn png_size(head: &[u8]) -> Option<(u32, u32)> {
    let chunk = head.get(8..8 + 8 + 13)?;
    if chunk.get(0..8)? != b"\0\0\0\x0dIHDR" {
        return None;
    }
    Some((be32(chunk.get(8..12)?)?, be32(chunk.get(12..16)?)?))
}

/// Width and height from the first frame header of a baseline, extended or progressive
/// JPEG (SOF0, SOF1, SOF2); lossless, hierarchical and arithmetic-coded ones go to ffprobe.
fn jpeg_size(head: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    loop {
        // Markers may be preceded by fill bytes (0xFF).
        if *head.get(at)? != 0xFF {
            return None;
        }
        while *head.get(at)? == 0xFF {
            at += 1;
        }
        let marker = *head.get(at)?;
        at += 1;
        match marker {
            // Markers without a length.
            0x01 | 0xD0..=0xD7 => continue,
            0xC0..=0xC2 => {
                let frame = head.get(at..at + 7)?;
                let height = u16::from_be_bytes([frame[3], frame[4]]);
                let width = u16::from_be_bytes([frame[5], frame[6]]);
                return Some((u32::from(width), u32::from(height)));
            }
            // Other frame types, or scan data or the end before any frame header.
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF | 0xD9 | 0xDA => return None,
            _ => {
                let length = head.get(at..at + 2)?;
                let length = usize::from(u16::from_be_bytes([length[0], length[1]]));
                if length < 2 {
                    return None;
                }
                at += length;
            }
        }
    }
}

fn be32(bytes: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = PNG_SIGNATURE.to_vec();
        bytes.extend(13u32.to_be_bytes());
        bytes.extend(b"IHDR");
        bytes.extend(width.to_be_bytes());
        bytes.extend(height.to_be_bytes());
        bytes.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
        bytes
    }

    /// SOI, an APP1 segment of `app_bytes`, a DQT-like segment, then SOF`kind`.
    fn jpeg(kind: u8, width: u16, height: u16, app_bytes: usize) -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE1];
        bytes.extend(u16::try_from(app_bytes + 2).unwrap().to_be_bytes());
        bytes.extend(vec![0u8; app_bytes]);
        bytes.extend([0xFF, 0xFF, 0xDB, 0x00, 0x03, 0x00]);
        bytes.extend([0xFF, 0xC0 + kind, 0x00, 0x11, 0x08]);
        bytes.extend(height.to_be_bytes());
        bytes.extend(width.to_be_bytes());
        bytes.extend([0x03, 0x01, 0x22, 0x00]);
        bytes
    }

    #[test]
    fn a_png_and_a_jpeg_are_read_from_their_headers_as_ffprobe_reads_them() {
        let read = metadata(&png(640, 480)).unwrap();
        assert_eq!(
            (
                &read["width"],
                &read["height"],
                &read["video_codec"],
                &read["format"]
            ),
            (&json!(640), &json!(480), &json!("png"), &json!("png_pipe"))
        );
        assert_eq!(read["frame_rate"], 25.0);
        assert_eq!(read["duration_seconds"], Value::Null);
        for kind in [0, 2] {
            let read = metadata(&jpeg(kind, 512, 384, 30_000)).unwrap();
            assert_eq!(
                (
                    &read["width"],
                    &read["height"],
                    &read["video_codec"],
                    &read["format"]
                ),
                (
                    &json!(512),
                    &json!(384),
                    &json!("mjpeg"),
                    &json!("jpeg_pipe")
                )
            );
        }
    }

    #[test]
    fn anything_unusual_is_left_to_ffprobe() {
        // Lossless and arithmetic-coded JPEGs, a zero size, other formats.
        assert_eq!(metadata(&jpeg(3, 512, 384, 10)), None);
        assert_eq!(metadata(&jpeg(9, 512, 384, 10)), None);
        assert_eq!(metadata(&jpeg(0, 512, 0, 10)), None);
        assert_eq!(metadata(&png(0, 5)), None);
        assert_eq!(metadata(b"RIFF\0\0\0\0WEBPVP8 "), None);
        assert_eq!(metadata(b"GIF89a"), None);
        // A PNG whose first chunk is not IHDR.
        let mut odd = png(1, 1);
        odd[12..16].copy_from_slice(b"tEXt");
        assert_eq!(metadata(&odd), None);
    }

    #[test]
    fn every_truncation_of_a_header_is_refused_without_a_panic() {
        // The readers need a PNG up to its IHDR fields, a JPEG up to its frame's width.
        let whole_jpeg = jpeg(2, 64, 64, 100);
        let jpeg_needed = whole_jpeg.len() - 4;
        for (whole, needed) in [(png(64, 64), 29), (whole_jpeg, jpeg_needed)] {
            assert!(metadata(&whole[..needed]).is_some());
            for end in 0..needed {
                assert_eq!(metadata(&whole[..end]), None, "{end}");
            }
        }
        // A segment length that points past the end, or below its own size.
        let mut bad = jpeg(0, 1, 1, 10);
        bad[4..6].copy_from_slice(&0xFFFFu16.to_be_bytes());
        assert_eq!(metadata(&bad), None);
        bad[4..6].copy_from_slice(&1u16.to_be_bytes());
        assert_eq!(metadata(&bad), None);
    }
}

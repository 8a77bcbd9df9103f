//! Thumbnails of JPEG and PNG images made in the process: decoding, scaling and encoding a
//! photograph takes about 10 ms, where an ffmpeg process costs about 80 ms of CPU, paid for
//! every image a model writes and every image a user uploads. The decoders are memory-safe
//! and run under limits on size and allocation; an image past them, or one they cannot
//! decode, is left to ffmpeg, out of the process, exactly as before.

use image::{ImageFormat, ImageReader, Limits, imageops::FilterType};
use std::io::Cursor;

/// Largest image decoded in the process, per side.
pub const MAX_SIDE: u32 = 8192;
/// Most memory one decode may allocate.
pub const MAX_ALLOC: u64 = 256 << 20;
/// Largest file read into memory for it.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// A JPEG thumbnail `width` pixels wide (the height in proportion, rounded to an even
/// number, as ffmpeg's `scale=<width>:-2` makes it) of the JPEG or PNG image in `bytes`;
/// `None` when ffmpeg should make it (another format, past the limits, or undecodable here).
pub fn thumbnail(bytes: &[u8], width: u32) -> Option<Vec<u8>> {
    let format = match bytes {
        [0x89, b'P', b'N', b'G', ..] => ImageFormat::Png,
        [0xFF, 0xD8, 0xFF, ..] => ImageFormat::Jpeg,
        _ => return None,
    };
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    let image = reader.decode().ok()?;
    let (w, h) = (image.width(), image.height());
    if w == 0 || h == 0 || width == 0 {
        return None;
    }
    let height = (u64::from(h) * u64::from(width) / u64::from(w)).max(1);
    let height = u32::try_from(height.div_ceil(2) * 2).ok()?.min(MAX_SIDE);
    // Alpha is dropped, as ffmpeg drops it for a JPEG.
    let scaled = image::imageops::resize(&image.to_rgb8(), width, height, FilterType::Triangle);
    let mut out = Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&scaled)
        .ok()?;
    Some(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbaImage::from_fn(width, height, |x, y| {
            image::Rgba([
                (x % 256) as u8,
                (y % 256) as u8,
                90,
                if x < width / 2 { 0 } else { 255 },
            ])
        });
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn a_png_becomes_a_jpeg_thumbnail_of_the_asked_width_and_an_even_height() {
        let thumb = thumbnail(&png(640, 427), 320).unwrap();
        let read = image::load_from_memory_with_format(&thumb, ImageFormat::Jpeg).unwrap();
        assert_eq!((read.width(), read.height()), (320, 214));
        let photo = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../e2e/tests/fixtures/astronaut.jpg"),
        )
        .unwrap();
        let read = image::load_from_memory(&thumbnail(&photo, 320).unwrap()).unwrap();
        assert_eq!((read.width(), read.height()), (320, 320));
    }

    #[test]
    fn past_the_limits_or_undecodable_is_left_to_ffmpeg() {
        // A PNG whose header claims 100000 x 100000 pixels (a decompression bomb's shape):
        // refused by the limits before anything that size is allocated.
        let mut bomb = png(2, 2);
        bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let crc = crc32fast::hash(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(thumbnail(&bomb, 320), None);
        // A real image one pixel wider than the limit.
        assert_eq!(thumbnail(&png(MAX_SIDE + 1, 2), 320), None);
        assert!(thumbnail(&png(MAX_SIDE, 2), 320).is_some());
        // Truncated, or another format.
        let whole = png(64, 64);
        assert_eq!(thumbnail(&whole[..whole.len() / 2], 320), None);
        assert_eq!(thumbnail(b"GIF89a....", 320), None);
        assert_eq!(thumbnail(&whole, 0), None);
    }
}

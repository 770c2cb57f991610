//! Encoders for the output formats, and the settings they take from the configuration.

pub mod gif;
pub mod jpeg;
pub mod png;
pub mod tiff;
pub mod tiff_ifd;
pub mod tiff_pyramid;
pub mod webp;

use crate::formats::tiff_compression::Compression;
use crate::pixels::Pixels;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Jpeg,
    Png,
    Gif,
    Webp,
    Tiff,
}

impl OutputFormat {
    pub fn parse(name: &str) -> Option<OutputFormat> {
        match name {
            "jpg" => Some(OutputFormat::Jpeg),
            "png" => Some(OutputFormat::Png),
            "gif" => Some(OutputFormat::Gif),
            "webp" => Some(OutputFormat::Webp),
            "tif" => Some(OutputFormat::Tiff),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Jpeg => "jpg",
            OutputFormat::Png => "png",
            OutputFormat::Gif => "gif",
            OutputFormat::Webp => "webp",
            OutputFormat::Tiff => "tif",
        }
    }

    /// Whether the format keeps transparency (GIF only as on or off for each pixel).
    pub fn has_alpha(self) -> bool {
        self != OutputFormat::Jpeg
    }

    /// The widest and tallest image the format can hold, where it has a limit of its own.
    pub fn max_side(self) -> Option<u32> {
        match self {
            OutputFormat::Jpeg => Some(jpeg::MAX_SIDE),
            OutputFormat::Gif => Some(gif::MAX_SIDE),
            OutputFormat::Webp => Some(webp::MAX_SIDE),
            OutputFormat::Png | OutputFormat::Tiff => None,
        }
    }
}

/// How the encoders that have settings are set, from the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// 1–100, for JPEG output and JPEG-compressed TIFF.
    pub jpeg_quality: u8,
    /// Progressive (multi-scan) JPEG output instead of baseline; never for TIFF's JPEG.
    pub jpeg_progressive: bool,
    /// 1–100, for lossy WebP.
    pub webp_quality: u8,
    pub tiff_compression: Compression,
}

impl Settings {
    /// The widest and tallest image encoded as `format` with these settings: the format's own
    /// limit, and JPEG's for a JPEG-compressed TIFF (its strips are JPEGs as wide as the image).
    pub fn max_side(&self, format: OutputFormat) -> Option<u32> {
        match format {
            OutputFormat::Tiff if self.tiff_compression == Compression::Jpeg => OutputFormat::Jpeg.max_side(),
            _ => format.max_side(),
        }
    }
}

/// One-channel pixels of only 0 and 255 as 1 bit each (1 = white), each row starting on a byte.
pub fn pack_bits(p: &Pixels) -> Vec<u8> {
    debug_assert_eq!(p.channels, 1);
    let row_bytes = (p.width as usize).div_ceil(8);
    let mut out = vec![0u8; row_bytes * p.height as usize];
    for (row, packed) in p.data.chunks_exact(p.width as usize).zip(out.chunks_exact_mut(row_bytes)) {
        for (x, &v) in row.iter().enumerate() {
            if v >= 128 {
                packed[x / 8] |= 0x80 >> (x % 8);
            }
        }
    }
    out
}

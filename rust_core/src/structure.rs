//! What an image file is, read from its headers without decoding pixels.

use std::sync::Arc;

use crate::orientation::Orientation;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
    Tiff,
    Gif,
    Webp,
    Jp2,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "jpeg",
            Format::Png => "png",
            Format::Tiff => "tiff",
            Format::Gif => "gif",
            Format::Webp => "webp",
            Format::Jp2 => "jp2",
        }
    }
}

/// One resolution a decoder can produce directly: a pyramid level or a DCT scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    pub width: u32,
    pub height: u32,
    /// How many full-resolution pixels one pixel of this level spans, per axis.
    pub scale_x: f64,
    pub scale_y: f64,
}

impl Level {
    /// A level of `width`x`height` under a full image of `full_w`x`full_h`; a size that is the
    /// full size divided by a power of two (rounded either way) is taken at that exact factor.
    pub fn new(width: u32, height: u32, full_w: u32, full_h: u32) -> Level {
        let factor = |full: u32, part: u32| -> f64 {
            let ratio = f64::from(full) / f64::from(part.max(1));
            let pow2 = 2f64.powi(ratio.log2().round() as i32);
            let (lo, hi) = ((f64::from(full) / pow2).floor(), (f64::from(full) / pow2).ceil());
            if f64::from(part) == lo || f64::from(part) == hi {
                pow2
            } else {
                ratio
            }
        };
        Level { width, height, scale_x: factor(full_w, width), scale_y: factor(full_h, height) }
    }
}

#[derive(Debug, Clone)]
pub struct Structure {
    pub format: Format,
    /// The stored size (before `orientation` is applied), as are `levels` and `tile`.
    pub width: u32,
    pub height: u32,
    /// Channels of the decoded pixels: 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA.
    pub channels: u8,
    /// Resolutions the decoder reads directly, largest first; `levels[0]` is the full image.
    pub levels: Vec<Level>,
    /// The stored tile size of the full-resolution level, when the file is tiled.
    pub tile: Option<(u32, u32)>,
    /// How the full-resolution pixels are compressed, in the file format's own words.
    pub compression: &'static str,
    /// How the stored pixels stand: requests and info.json see them upright.
    pub orientation: Orientation,
    /// How many pages (separate images) the file holds; this structure is one of them.
    pub pages: usize,
    /// The embedded ICC colour profile, if any.
    pub icc: Option<Arc<[u8]>>,
}

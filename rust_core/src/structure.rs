//! What an image file is, read from its headers without decoding pixels.

use std::sync::Arc;

use crate::geometry::Rect;
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
    /// How far a change to the full image may reach among this level's decoded pixels.
    pub reach: Reach,
}

/// What a level's pixels blend, in its own pixels: a decoded pixel may depend on the source
/// pixels under it and on any within this reach (see `Level::grow`). Each codec sets it from what
/// it knows of how the level was made and coded; the reasoning is beside the numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reach {
    /// How far the filter that made the level from the full image reaches, rounded up.
    pub made: u32,
    /// The blocks the level's pixels were coded in (width, height; lines at multiples of them
    /// from the level's origin): a change anywhere in a block may change all of it.
    pub grid: (u32, u32),
    /// How far decoding a block reaches into its neighbours (chroma upsampling, loop filters).
    pub decoded: u32,
}

impl Reach {
    /// Pixels that are the source's own: nothing blended (PNG, GIF, lossless codings).
    pub const NONE: Reach = Reach { made: 0, grid: (1, 1), decoded: 0 };
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
        Level { width, height, scale_x: factor(full_w, width), scale_y: factor(full_h, height), reach: Reach::NONE }
    }

    pub fn reaching(self, reach: Reach) -> Level {
        Level { reach, ..self }
    }

    /// The level's pixels that may depend on the full image's pixels in `full` (a rectangle of
    /// the stored full-resolution image): its cover at this level, grown by what the filter that
    /// made the level reaches, out to whole coding blocks, and by what decoding reaches, rounded
    /// outward and clipped to the level.
    pub fn grow(&self, full: Rect) -> Rect {
        let Reach { made, grid: (gw, gh), decoded } = self.reach;
        let span = |from: u32, to: u32, scale: f64, grid: u32, size: u32| {
            let lo = (f64::from(from) / scale).floor() as u64;
            let hi = (f64::from(to) / scale).ceil() as u64;
            let (grid, made, decoded) = (u64::from(grid.max(1)), u64::from(made), u64::from(decoded));
            let lo = (lo.saturating_sub(made) / grid * grid).saturating_sub(decoded);
            let hi = ((hi + made).div_ceil(grid) * grid + decoded).min(u64::from(size));
            (lo.min(u64::from(size)) as u32, hi as u32)
        };
        let (x0, x1) = span(full.x, full.right(), self.scale_x, gw, self.width);
        let (y0, y1) = span(full.y, full.bottom(), self.scale_y, gh, self.height);
        Rect::new(x0, y0, x1.saturating_sub(x0), y1.saturating_sub(y0))
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

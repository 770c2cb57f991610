//! EXIF/TIFF orientation: how the stored pixels must be turned to stand upright. Requests are
//! made against the upright image; the plan maps them onto the stored pixels and turns the result.

use crate::geometry::Rect;

/// The eight values of the EXIF/TIFF Orientation tag (274), by what they ask of a viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Orientation {
    #[default]
    Normal,
    MirrorHorizontal,
    Rotate180,
    MirrorVertical,
    Transpose,
    Rotate90,
    Transverse,
    Rotate270,
}

impl Orientation {
    /// The tag's value; anything outside 1–8 is taken as upright, as viewers do.
    pub fn from_tag(value: u64) -> Orientation {
        match value {
            2 => Orientation::MirrorHorizontal,
            3 => Orientation::Rotate180,
            4 => Orientation::MirrorVertical,
            5 => Orientation::Transpose,
            6 => Orientation::Rotate90,
            7 => Orientation::Transverse,
            8 => Orientation::Rotate270,
            _ => Orientation::Normal,
        }
    }

    /// Whether standing the image upright swaps its width and height.
    pub fn transposes(self) -> bool {
        matches!(self, Orientation::Transpose | Orientation::Rotate90 | Orientation::Transverse | Orientation::Rotate270)
    }

    /// A stored size as seen upright.
    pub fn upright(self, (w, h): (u32, u32)) -> (u32, u32) {
        if self.transposes() { (h, w) } else { (w, h) }
    }

    /// The stored rectangle under rectangle `r` of the upright image; `stored` is the stored size.
    pub fn to_stored(self, r: Rect, stored: (u32, u32)) -> Rect {
        let (sw, sh) = stored;
        let (x, y, w, h) = (r.x, r.y, r.w, r.h);
        match self {
            Orientation::Normal => r,
            Orientation::MirrorHorizontal => Rect::new(sw - x - w, y, w, h),
            Orientation::Rotate180 => Rect::new(sw - x - w, sh - y - h, w, h),
            Orientation::MirrorVertical => Rect::new(x, sh - y - h, w, h),
            Orientation::Transpose => Rect::new(y, x, h, w),
            Orientation::Rotate90 => Rect::new(y, sh - x - w, h, w),
            Orientation::Transverse => Rect::new(sw - y - h, sh - x - w, h, w),
            Orientation::Rotate270 => Rect::new(sw - y - h, x, h, w),
        }
    }

    /// The turn that stands stored pixels upright: mirror first (left to right), then rotate
    /// clockwise by the returned degrees.
    pub fn correction(self) -> (bool, u32) {
        match self {
            Orientation::Normal => (false, 0),
            Orientation::MirrorHorizontal => (true, 0),
            Orientation::Rotate180 => (false, 180),
            Orientation::MirrorVertical => (true, 180),
            Orientation::Transpose => (true, 270),
            Orientation::Rotate90 => (false, 90),
            Orientation::Transverse => (true, 90),
            Orientation::Rotate270 => (false, 270),
        }
    }
}

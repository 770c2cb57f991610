//! Redactions in the plan: each rectangle of the upright full image mapped onto the stored
//! pixels, onto the level read, and grown by what that level's pixels blend
//! (`structure::Level::grow`), so that no pixel of any answer depends on a redacted source
//! pixel. The fill is the first step, before any resampling kernel reads the pixels.

use crate::geometry::Rect;
use crate::structure::{Level, Structure};

/// A rectangle of the upright image at full resolution, filled with an RGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Redaction {
    pub rect: Rect,
    pub colour: [u8; 3],
}

impl Redaction {
    /// The part of the rectangle at (`x`, `y`) of `w` x `h` that lies inside an upright image of
    /// `size`; None when nothing does (an empty rectangle, or one wholly outside).
    pub fn clipped(x: i64, y: i64, w: u32, h: u32, colour: [u8; 3], size: (u32, u32)) -> Option<Redaction> {
        let span = |from: i64, len: u32, size: u32| {
            let (lo, hi) = (from.max(0), from.saturating_add(i64::from(len)).min(i64::from(size)));
            (hi > lo).then(|| (lo as u32, (hi - lo) as u32))
        };
        let ((x, w), (y, h)) = (span(x, w, size.0)?, span(y, h, size.1)?);
        Some(Redaction { rect: Rect::new(x, y, w, h), colour })
    }
}

/// The rectangles of `read` (a rectangle of `level`) to fill, in `read`'s own coordinates.
pub fn fills(s: &Structure, level: &Level, read: Rect, redactions: &[Redaction]) -> Vec<(Rect, [u8; 3])> {
    redactions
        .iter()
        .filter_map(|r| {
            let grown = level.grow(s.orientation.to_stored(r.rect, (s.width, s.height)));
            let inside = grown.intersect(&read)?;
            Some((Rect::new(inside.x - read.x, inside.y - read.y, inside.w, inside.h), r.colour))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::structure::Reach;

    #[test]
    fn a_redaction_is_clipped_to_the_image_and_dropped_when_outside_or_empty() {
        let clip = |x, y, w, h| Redaction::clipped(x, y, w, h, [0, 0, 0], (100, 50)).map(|r| r.rect);
        assert_eq!(clip(10, 10, 5, 5), Some(Rect::new(10, 10, 5, 5)));
        assert_eq!(clip(-5, 40, 20, 20), Some(Rect::new(0, 40, 15, 10)));
        assert_eq!(clip(100, 0, 5, 5), None);
        assert_eq!(clip(-5, 0, 5, 5), None);
        assert_eq!(clip(10, 10, 0, 5), None);
        assert_eq!(clip(i64::MAX, i64::MIN, u32::MAX, u32::MAX), None);
    }

    #[test]
    fn a_rectangle_grows_by_what_made_the_level_then_to_whole_blocks_then_by_what_decoding_reaches() {
        let full = Level::new(1000, 800, 1000, 800);
        let r = Rect::new(100, 50, 20, 10);
        assert_eq!(full.grow(r), r);
        let mcus = full.reaching(Reach { made: 0, grid: (16, 16), decoded: 1 });
        assert_eq!(mcus.grow(r), Rect::new(95, 47, 34, 18));
        // A level at a quarter: 25,12.5 to 30,15 covers 25,12 to 30,15; made by a filter reaching 7.
        let quarter = Level::new(250, 200, 1000, 800).reaching(Reach { made: 7, grid: (16, 16), decoded: 1 });
        assert_eq!(quarter.grow(r), Rect::new(15, 0, 34, 33));
        // Clipped to the level.
        assert_eq!(mcus.grow(Rect::new(990, 790, 10, 10)), Rect::new(975, 783, 25, 17));
    }
}

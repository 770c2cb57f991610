//! A decoded image in memory: 8-bit samples, interleaved, rows without padding.

use crate::errors::{Error, Result};
use crate::geometry::Rect;
use crate::limits::Limits;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pixels {
    pub width: u32,
    pub height: u32,
    /// 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA.
    pub channels: u8,
    pub data: Vec<u8>,
}

impl Pixels {
    /// A zeroed buffer, refused before allocation when it would exceed the limits.
    pub fn new(width: u32, height: u32, channels: u8, limits: &Limits) -> Result<Pixels> {
        limits.check(width, height)?;
        let len = width as usize * height as usize * channels as usize;
        Ok(Pixels { width, height, channels, data: vec![0; len] })
    }

    pub fn from_vec(width: u32, height: u32, channels: u8, data: Vec<u8>) -> Result<Pixels> {
        if data.len() != width as usize * height as usize * channels as usize {
            return Err(Error::Format(format!(
                "{} bytes do not make a {width}x{height} image of {channels} channels",
                data.len()
            )));
        }
        Ok(Pixels { width, height, channels, data })
    }

    pub fn row_len(&self) -> usize {
        self.width as usize * self.channels as usize
    }

    pub fn has_alpha(&self) -> bool {
        self.channels == 2 || self.channels == 4
    }

    /// Copy `src` into `self` with its top-left corner at (`x`, `y`) of `self` (which may be
    /// negative, or beyond the edge), clipping to both.
    pub fn blit(&mut self, src: &Pixels, x: i64, y: i64) {
        debug_assert_eq!(self.channels, src.channels);
        let x0 = x.max(0);
        let y0 = y.max(0);
        let x1 = (x + i64::from(src.width)).min(i64::from(self.width));
        let y1 = (y + i64::from(src.height)).min(i64::from(self.height));
        if x1 <= x0 || y1 <= y0 {
            return;
        }
        let c = self.channels as usize;
        let n = (x1 - x0) as usize * c;
        let (dst_row, src_row) = (self.row_len(), src.row_len());
        for d in y0 as usize..y1 as usize {
            let s = (d as i64 - y) as usize;
            let so = s * src_row + (x0 - x) as usize * c;
            let dof = d * dst_row + x0 as usize * c;
            self.data[dof..dof + n].copy_from_slice(&src.data[so..so + n]);
        }
    }

    /// `below`'s rows added under `self`'s; both are as wide and have as many channels.
    pub fn append_rows(&mut self, below: &Pixels) {
        debug_assert_eq!((self.width, self.channels), (below.width, below.channels));
        self.data.extend_from_slice(&below.data);
        self.height += below.height;
    }

    /// A copy of the part of `self` inside `rect`, which must lie within the image.
    pub fn crop(self, rect: Rect) -> Pixels {
        if rect == Rect::new(0, 0, self.width, self.height) {
            return self;
        }
        let c = self.channels as usize;
        let n = rect.w as usize * c;
        let mut data = Vec::with_capacity(n * rect.h as usize);
        for row in rect.y as usize..rect.bottom() as usize {
            let o = row * self.row_len() + rect.x as usize * c;
            data.extend_from_slice(&self.data[o..o + n]);
        }
        Pixels { width: rect.w, height: rect.h, channels: self.channels, data }
    }
}

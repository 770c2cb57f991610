//! Limits on the work one request may cause, passed in as a value and checked before allocating.

use crate::errors::{Error, Result};

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The most pixels any decoded buffer may hold.
    pub max_decode_pixels: u64,
}

impl Default for Limits {
    fn default() -> Self {
        // 2^30 pixels: 3 GiB of RGB, far beyond any single read a request needs.
        Limits { max_decode_pixels: 1 << 30 }
    }
}

impl Limits {
    pub fn check(&self, width: u32, height: u32) -> Result<()> {
        let pixels = u64::from(width) * u64::from(height);
        if pixels > self.max_decode_pixels {
            return Err(Error::Limit(format!(
                "decoding {width}x{height} pixels exceeds the limit of {} pixels",
                self.max_decode_pixels
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_limit_holds_a_gigapixel_and_not_one_pixel_more() {
        let limits = Limits::default();
        assert!(limits.check(1 << 15, 1 << 15).is_ok());
        assert!(matches!(limits.check(1 << 15, (1 << 15) + 1), Err(Error::Limit(_))));
        assert!(matches!(Limits { max_decode_pixels: 100 }.check(11, 10), Err(Error::Limit(_))));
    }
}

//! Limits on the work one request may cause, passed in as a value: the pixels a buffer may hold,
//! checked before allocating, and whether the request still wants the work, checked between the
//! pieces of it (each buffer allocated, chunk decoded, step and band).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::errors::{Error, Result};

#[derive(Debug, Clone)]
pub struct Limits {
    /// The most pixels any decoded buffer may hold.
    pub max_decode_pixels: u64,
    /// Set from outside when the work is no longer wanted (its client left, its deadline passed).
    pub stop: Option<Arc<Stop>>,
}

/// A flag the caller sets to stop a render part-way; the render then fails with `Error::Stopped`
/// at its next check, having held its thread no longer than one piece of work takes.
#[derive(Debug, Default)]
pub struct Stop(AtomicBool);

impl Stop {
    pub fn stop(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn stopped(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

impl Default for Limits {
    fn default() -> Self {
        // 2^30 pixels: 3 GiB of RGB, far beyond any single read a request needs.
        Limits { max_decode_pixels: 1 << 30, stop: None }
    }
}

impl Limits {
    /// These limits, stopped by `stop`.
    pub fn stopped_by(&self, stop: Option<Arc<Stop>>) -> Limits {
        Limits { stop, ..self.clone() }
    }

    /// Whether a buffer of `width` x `height` pixels may be allocated (and the work go on).
    pub fn check(&self, width: u32, height: u32) -> Result<()> {
        self.going()?;
        let pixels = u64::from(width) * u64::from(height);
        if pixels > self.max_decode_pixels {
            return Err(Error::Limit(format!(
                "decoding {width}x{height} pixels exceeds the limit of {} pixels",
                self.max_decode_pixels
            )));
        }
        Ok(())
    }

    /// Whether the work is still wanted.
    pub fn going(&self) -> Result<()> {
        match &self.stop {
            Some(stop) if stop.stopped() => Err(Error::Stopped),
            _ => Ok(()),
        }
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
        let small = Limits { max_decode_pixels: 100, stop: None };
        assert!(matches!(small.check(11, 10), Err(Error::Limit(_))));
    }

    #[test]
    fn stopped_limits_refuse_every_further_piece_of_work() {
        let stop = Arc::new(Stop::default());
        let limits = Limits::default().stopped_by(Some(Arc::clone(&stop)));
        assert!(limits.going().is_ok() && limits.check(10, 10).is_ok());
        stop.stop();
        assert!(matches!(limits.going(), Err(Error::Stopped)));
        assert!(matches!(limits.check(10, 10), Err(Error::Stopped)));
    }
}

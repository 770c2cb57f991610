//! Baseline JPEG, 4:2:0 for colour: what a viewer decodes fastest.

use turbojpeg::{Compressor, Image, PixelFormat, Subsamp};

use crate::errors::{format_error, Result};
use crate::pixels::Pixels;

/// Encode opaque pixels (1 or 3 channels) at `quality` (1–100).
pub fn encode(p: &Pixels, quality: u8) -> Result<Vec<u8>> {
    let err = |e: turbojpeg::Error| format_error(format!("JPEG encoding failed: {e}"));
    let mut c = Compressor::new().map_err(err)?;
    c.set_quality(i32::from(quality.clamp(1, 100))).map_err(err)?;
    let (format, subsamp) = match p.channels {
        1 => (PixelFormat::GRAY, Subsamp::Gray),
        3 => (PixelFormat::RGB, Subsamp::Sub2x2),
        n => return Err(format_error(format!("JPEG cannot hold {n} channels"))),
    };
    c.set_subsamp(subsamp).map_err(err)?;
    let image = Image { pixels: &p.data[..], width: p.width as usize, pitch: p.row_len(), height: p.height as usize, format };
    c.compress_to_vec(image).map_err(err)
}

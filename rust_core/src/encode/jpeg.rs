//! JPEG, 4:2:0 for colour: baseline (what a viewer decodes fastest) or progressive.

use turbojpeg::{Compressor, Image, PixelFormat, Subsamp};

use crate::errors::{format_error, Result};
use crate::icc;
use crate::pixels::Pixels;

/// Encode opaque pixels (1 or 3 channels) at `quality` (1–100), with `icc` embedded if given.
pub fn encode(p: &Pixels, quality: u8, progressive: bool, icc: Option<&[u8]>) -> Result<Vec<u8>> {
    let jpeg = encode_samples(&p.data, p.width, p.height, p.channels, quality, progressive)?;
    Ok(match icc {
        Some(profile) => icc::into_jpeg(jpeg, profile),
        None => jpeg,
    })
}

/// Encode `height` rows of `width` interleaved 8-bit pixels of `channels` (1 or 3) samples.
pub fn encode_samples(data: &[u8], width: u32, height: u32, channels: u8, quality: u8, progressive: bool) -> Result<Vec<u8>> {
    let err = |e: turbojpeg::Error| format_error(format!("JPEG encoding failed: {e}"));
    let mut c = Compressor::new().map_err(err)?;
    c.set_quality(i32::from(quality.clamp(1, 100))).map_err(err)?;
    c.set_progressive(progressive).map_err(err)?;
    let (format, subsamp) = match channels {
        1 => (PixelFormat::GRAY, Subsamp::Gray),
        3 => (PixelFormat::RGB, Subsamp::Sub2x2),
        n => return Err(format_error(format!("JPEG cannot hold {n} channels"))),
    };
    c.set_subsamp(subsamp).map_err(err)?;
    let pitch = width as usize * channels as usize;
    if data.len() != pitch * height as usize {
        return Err(format_error("JPEG encoding got a buffer of the wrong size"));
    }
    let image = Image { pixels: data, width: width as usize, pitch, height: height as usize, format };
    c.compress_to_vec(image).map_err(err)
}

//! PNG with fast deflate; bitonal images as 1-bit gray.

use png::{BitDepth, ColorType, Compression, Encoder};

use crate::encode::pack_bits;
use crate::errors::{format_error, Result};
use crate::pixels::Pixels;

/// Encode `p`; with `bilevel`, a one-channel image of only 0 and 255 is written with 1 bit per pixel.
pub fn encode(p: &Pixels, bilevel: bool) -> Result<Vec<u8>> {
    let err = |e: png::EncodingError| format_error(format!("PNG encoding failed: {e}"));
    let mut out = Vec::new();
    let mut enc = Encoder::new(&mut out, p.width, p.height);
    enc.set_color(match p.channels {
        1 => ColorType::Grayscale,
        2 => ColorType::GrayscaleAlpha,
        3 => ColorType::Rgb,
        _ => ColorType::Rgba,
    });
    enc.set_compression(Compression::Fast);
    let packed;
    let data = if bilevel && p.channels == 1 {
        enc.set_depth(BitDepth::One);
        packed = pack_bits(p);
        &packed
    } else {
        enc.set_depth(BitDepth::Eight);
        &p.data
    };
    let mut writer = enc.write_header().map_err(err)?;
    writer.write_image_data(data).map_err(err)?;
    writer.finish().map_err(err)?;
    Ok(out)
}

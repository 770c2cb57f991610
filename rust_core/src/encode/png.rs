//! PNG with fast deflate; bitonal images as 1-bit gray.

use std::borrow::Cow;

use png::{BitDepth, ColorType, Compression, Encoder, Info};

use crate::encode::pack_bits;
use crate::errors::{format_error, Result};
use crate::pixels::Pixels;

/// Encode `p`, with `icc` embedded if given; with `bilevel`, a one-channel image of only 0 and
/// 255 is written with 1 bit per pixel.
pub fn encode(p: &Pixels, bilevel: bool, icc: Option<&[u8]>) -> Result<Vec<u8>> {
    let err = |e: png::EncodingError| format_error(format!("PNG encoding failed: {e}"));
    let mut out = Vec::new();
    let mut info = Info::with_size(p.width, p.height);
    info.icc_profile = icc.map(Cow::Borrowed);
    let mut enc = Encoder::with_info(&mut out, info).map_err(err)?;
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

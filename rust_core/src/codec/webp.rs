//! WebP through libwebp: lossy and lossless, with alpha. Animated files are refused.

use std::sync::Arc;

use webp::{BitstreamFeatures, BitstreamFormat, Decoder};

use crate::codec::Codec;
use crate::errors::{format_error, unsupported, Result};
use crate::geometry::Rect;
use crate::limits::Limits;
use crate::orientation::Orientation;
use crate::pixels::Pixels;
use crate::source::ByteSource;
use crate::structure::{Format, Level, Reach, Structure};

pub struct WebpCodec {
    source: ByteSource,
    structure: Structure,
}

fn features(data: &[u8]) -> Result<BitstreamFeatures> {
    let f = BitstreamFeatures::new(data).ok_or_else(|| format_error("the WebP header is damaged"))?;
    if f.has_animation() {
        return Err(unsupported("animated WebP images are not read"));
    }
    Ok(f)
}

/// The ICCP chunk of an extended (VP8X) WebP file, if it has one.
fn icc_chunk(data: &[u8]) -> Option<&[u8]> {
    let mut at = 12;
    while let Some(head) = data.get(at..at + 8) {
        let size = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
        let body = data.get(at + 8..at + 8 + size)?;
        if &head[..4] == b"ICCP" {
            return Some(body);
        }
        at += 8 + size + size % 2;
    }
    None
}

/// What a WebP's decoded pixels blend (see `structure::Reach`). Lossless WebP's are the source's.
/// Lossy WebP is coded in 16x16 macroblocks; the loop filter changes up to 3 pixels on either side
/// of a macroblock's edge, and 3 chroma samples (6 pixels) for chroma, and smooth chroma
/// upsampling one more. The encoder also predicts each macroblock from its decoded neighbours
/// above and to the left and picks its quantizers from the whole image, so a lossy WebP made
/// from another image differs beyond any reach: this bounds what decoding spreads, not that.
fn reach(f: &BitstreamFeatures) -> Reach {
    if matches!(f.format(), Some(BitstreamFormat::Lossless)) {
        return Reach::NONE;
    }
    Reach { made: 0, grid: (16, 16), decoded: 7 }
}

impl WebpCodec {
    pub fn open(source: ByteSource, limits: &Limits) -> Result<WebpCodec> {
        let structure = {
            let data = source.read_all()?;
            let f = features(&data)?;
            let (w, h) = (f.width(), f.height());
            limits.check(w, h)?;
            Structure {
                format: Format::Webp,
                width: w,
                height: h,
                channels: if f.has_alpha() { 4 } else { 3 },
                levels: vec![Level::new(w, h, w, h).reaching(reach(&f))],
                tile: None,
                compression: "webp",
                orientation: Orientation::Normal,
                pages: 1,
                icc: icc_chunk(&data).map(Arc::from),
            }
        };
        Ok(WebpCodec { source, structure })
    }
}

impl Codec for WebpCodec {
    fn structure(&self) -> &Structure {
        &self.structure
    }

    fn read(&self, _level: usize, rect: Rect, limits: &Limits) -> Result<Pixels> {
        let data = self.source.read_all()?;
        let f = features(&data)?;
        limits.check(f.width(), f.height())?;
        let image = Decoder::new(&data).decode().ok_or_else(|| format_error("the WebP data could not be decoded"))?;
        let channels = if image.is_alpha() { 4 } else { 3 };
        let pixels = Pixels::from_vec(image.width(), image.height(), channels, image.to_vec())?;
        if pixels.channels != self.structure.channels || (pixels.width, pixels.height) != (self.structure.width, self.structure.height) {
            return Err(format_error("the WebP data changed since it was opened"));
        }
        Ok(pixels.crop(rect))
    }
}

//! Carrying out a plan: decode the planned rectangle, apply its steps in order, encode (or hand
//! the pixels out between the two); or send the stored tile the plan names, cut to the image at
//! an edge.

use std::sync::Arc;

use rayon::prelude::*;

use crate::codec::{chunk_cache, jpeg, Bands, Codec};
use crate::encode::{self, OutputFormat};
use crate::errors::{format_error, unsupported, Result};
use crate::geometry::Rect;
use crate::pixels::Pixels;
use crate::icc;
use crate::limits::Limits;
use crate::ops::{color, orient, overlay, redact, resize};
use crate::plan::{Plan, Step, StoredTile};
use crate::turbo;

/// The whole image at full resolution, stood upright (its orientation applied).
pub fn upright(codec: &dyn Codec, limits: &Limits) -> Result<Pixels> {
    let s = codec.structure();
    let mut p = codec.read(0, Rect::new(0, 0, s.width, s.height), limits)?;
    let (mirror, degrees) = s.orientation.correction();
    if mirror {
        p = orient::mirror(p);
    }
    Ok(orient::rotate(p, degrees))
}

/// The image at full resolution, stood upright, a band of rows at a time from the top down
/// (see `Codec::bands`); None where it is better read whole, and where its stored rows do not
/// run from the top down (stored upside down or turned a quarter: a band would be read from
/// the bottom, or be a band of columns, which costs a pass over every row).
pub fn upright_bands<'a>(codec: &'a dyn Codec, limits: &'a Limits) -> Option<Bands<'a>> {
    let (mirror, degrees) = codec.structure().orientation.correction();
    if degrees != 0 {
        return None;
    }
    let mut bands = codec.bands(limits)?;
    Some(Box::new(move |top, bottom| Ok(if mirror { orient::mirror(bands(top, bottom)?) } else { bands(top, bottom)? })))
}

pub fn render(codec: &dyn Codec, plan: &Plan, limits: &Limits) -> Result<Vec<u8>> {
    if let Ok(tile) = plan.passthrough {
        let jpeg = stored_tile(codec, plan.level, tile)?;
        return Ok(match plan.icc.as_deref() {
            Some(profile) => icc::into_jpeg(jpeg, profile),
            None => jpeg,
        });
    }
    // The pixels read may be shared with the decoded-tile cache: a fill (as every step) works on
    // a copy. Redacted, a plan that then only resizes can still be encoded in bands.
    let p = codec.read_shared(plan.level, plan.read, limits)?;
    let (p, steps) = match &plan.steps[..] {
        [Step::Redact(fills), rest @ ..] => (Arc::new(redact::fill(Arc::unwrap_or_clone(p), fills)), rest),
        steps => (p, steps),
    };
    if let Some(jpeg) = resize_and_encode_in_bands(&p, steps, plan, limits)? {
        return Ok(jpeg);
    }
    let p = run(p, steps, limits)?;
    limits.going()?;
    encode(&p, plan)
}

/// The plan's pixels after every step, before they are encoded (for what draws on them outside
/// the core); a stored tile is decoded like any other.
pub fn pixels(codec: &dyn Codec, plan: &Plan, limits: &Limits) -> Result<Pixels> {
    let p = run(codec.read_shared(plan.level, plan.read, limits)?, &plan.steps, limits)?;
    Ok(Arc::unwrap_or_clone(p))
}

fn run(mut p: Arc<Pixels>, steps: &[Step], limits: &Limits) -> Result<Arc<Pixels>> {
    for step in steps {
        limits.going()?;
        p = Arc::new(match step {
            Step::Redact(fills) => redact::fill(Arc::unwrap_or_clone(p), fills),
            Step::Resize { area, width, height, filter } => resize::resize(&p, *area, *width, *height, *filter, limits)?,
            Step::Mirror => orient::mirror(Arc::unwrap_or_clone(p)),
            Step::Rotate(degrees) => orient::rotate(Arc::unwrap_or_clone(p), *degrees),
            Step::RotateAny { degrees, canvas } => orient::rotate_any(&p, *degrees, *canvas, limits)?,
            Step::Flatten(background) => color::flatten(Arc::unwrap_or_clone(p), *background),
            Step::Overlay(o) => overlay::draw(Arc::unwrap_or_clone(p), o, limits)?,
            Step::Gray => color::to_gray(Arc::unwrap_or_clone(p)),
            Step::Bitonal => color::to_bitonal(Arc::unwrap_or_clone(p)),
        });
    }
    Ok(p)
}

/// `p` encoded as the plan says, with the source's colour profile where it still describes them.
pub fn encode(p: &Pixels, plan: &Plan) -> Result<Vec<u8>> {
    let e = &plan.encoding;
    let icc = plan.icc.as_ref().and_then(|profile| icc::fits(profile, p.channels));
    let icc = icc.as_deref();
    match plan.format {
        OutputFormat::Jpeg => encode::jpeg::encode(p, e.jpeg_quality, e.jpeg_progressive, icc),
        OutputFormat::Png => encode::png::encode(p, plan.bilevel(), icc),
        OutputFormat::Gif => encode::gif::encode(p, plan.bilevel()),
        OutputFormat::Webp => encode::webp::encode(p, e.webp_quality),
        OutputFormat::Tiff => encode::tiff::encode(p, e.tiff_compression, e.jpeg_quality, plan.bilevel(), icc),
    }
}

/// The stored JPEG `tile` of `level`, cut to the image at an edge; a cut is kept in the chunk
/// cache, since it costs a few hundred microseconds and sending it again nothing.
fn stored_tile(codec: &dyn Codec, level: usize, tile: StoredTile) -> Result<Vec<u8>> {
    let Some((width, height)) = tile.cut else {
        return codec.read_stored_jpeg(level, tile.index);
    };
    let stored = codec.stored_chunks(level).ok_or_else(|| unsupported("this image has no stored JPEG tiles"))?;
    let key = (stored.cache_id, level, tile.index);
    if let Some(cut) = chunk_cache::get_cut(&key) {
        return Ok(cut.to_vec());
    }
    let cut = cut(&codec.read_stored_jpeg(level, tile.index)?, stored.size, width, height)?;
    chunk_cache::put_cut(key, Arc::new(cut.clone()));
    Ok(cut)
}

/// The stored JPEG `tile` of a `tile_size` grid cut to its top-left `width` x `height`,
/// losslessly: the blocks kept are not decoded, and a partial block at the new edge keeps its
/// data.
fn cut(tile: &[u8], tile_size: (u32, u32), width: u32, height: u32) -> Result<Vec<u8>> {
    let header = jpeg::read_header(tile)?;
    if (header.width, header.height) == (width, height) {
        return Ok(tile.to_vec());
    }
    // The transform reads every block the stream claims: no more than a tile's worth.
    if header.width > tile_size.0 || header.height > tile_size.1 {
        return Err(format_error("a stored edge tile claims to be larger than a tile"));
    }
    if header.width < width || header.height < height {
        return Err(format_error("a stored edge tile is smaller than the part of the image it holds"));
    }
    turbo::transform(tile, Some((width, height)), 0, "cutting a stored edge tile")
}

/// Output pixels from which a plan that only resizes to a baseline JPEG is done in two bands on
/// two threads: below it, waking the other thread costs more than it saves. Measured on 2 cores,
/// thumbnails of a 12000x10000 pyramid: 100x83 0.10 ms whole, 0.18 in bands; 160x133 0.15 either
/// way; 200x167 0.30 and 0.25; 500x417 1.41 and 0.83.
const BANDS_FROM: u64 = 160 * 160;

/// The same for a plan that only encodes the pixels read (a region at a level's own size), where
/// a band is only encoded. Measured the same way, regions of decoded tiles, ms a render alone and
/// two at once, whole / in bands: 256² 0.21 / 0.19 and 0.15 / 0.18; 384² 0.47 / 0.36 and
/// 0.23 / 0.31; 512² 0.83 / 0.57–0.99 and 0.41 / 0.46; 1024² 3.7 / 2.3 and 2.2 / 1.9; 2048²
/// 17.7 / 10.2–12.0 and 9.7 / 9.4–10.3.
const ENCODED_BANDS_FROM: u64 = 1024 * 1024;

/// A plan that only resizes, or does nothing, before it encodes a baseline JPEG (`steps` are what
/// is left of it to do), carried out in horizontal bands (two, more for large outputs: see
/// `band_cuts`), two at once, each resampled (if need be) and encoded on its own thread and
/// all joined (see `jpeg::join`): the JPEG made in one piece, but for rare rounding when resized
/// (the resampler normalises each band's filter weights on their own). None for any other plan,
/// and for small outputs.
fn resize_and_encode_in_bands(p: &Pixels, steps: &[Step], plan: &Plan, limits: &Limits) -> Result<Option<Vec<u8>>> {
    let (resized, drawn) = match steps {
        [Step::Resize { area, width, height, filter }] => (Some((*area, *width, *height, *filter)), None),
        [Step::Resize { area, width, height, filter }, Step::Overlay(o)] => (Some((*area, *width, *height, *filter)), Some(o)),
        [Step::Overlay(o)] => (None, Some(o)),
        [] => (None, None),
        _ => return Ok(None),
    };
    let (width, height, from) = match resized {
        Some((_, width, height, _)) => (width, height, BANDS_FROM),
        None => (p.width, p.height, ENCODED_BANDS_FROM),
    };
    let e = &plan.encoding;
    // An overlay that makes a gray image colour changes the bands' MCUs: drawn whole instead.
    let channels = p.channels;
    let mcu = encode::jpeg::mcu_rows(channels);
    // The plan has kept the size within JPEG's largest (`OutputFormat::max_side`).
    let fits = u64::from(width) * u64::from(height) >= from && height >= 2 * mcu;
    let promotes = drawn.is_some_and(|o| channels < 3 && o.colourful());
    if plan.format != OutputFormat::Jpeg || e.jpeg_progressive || !matches!(channels, 1 | 3) || !fits || promotes {
        return Ok(None);
    }
    let cuts = band_cuts(width, height, mcu);
    let band = |y0: u32, y1: u32| -> Result<Vec<u8>> {
        limits.going()?;
        let rows = match resized {
            Some((area, _, _, filter)) => {
                // Output rows y0..y1, from the part of `area` they come from; the last band ends
                // where `area` does, not an ulp beyond it.
                let scale = area.height / f64::from(height);
                let top = area.top + f64::from(y0) * scale;
                let bottom = if y1 == height { area.top + area.height } else { area.top + f64::from(y1) * scale };
                resize::resize(p, area.rows(top, bottom), width, y1 - y0, filter, limits)?
            }
            None => {
                let rows = &p.data[y0 as usize * p.row_len()..y1 as usize * p.row_len()];
                match drawn {
                    // Drawn on, so copied; else encoded where they are.
                    Some(_) => Pixels::from_vec(width, y1 - y0, channels, rows.to_vec())?,
                    None => return encode::jpeg::encode_restartable(rows, width, y1 - y0, channels, e.jpeg_quality),
                }
            }
        };
        let b = match drawn {
            Some(o) => overlay::draw_band(rows, o, (width, height), y0, limits)?,
            None => rows,
        };
        limits.going()?;
        encode::jpeg::encode_restartable(&b.data, b.width, b.height, b.channels, e.jpeg_quality)
    };
    let bands = cuts.par_windows(2).map(|w| band(w[0], w[1])).collect::<Result<Vec<_>>>()?;
    encode::jpeg::join(&bands, height, plan.icc.as_deref()).map(Some)
}

/// Output pixels of one band at most, in outputs large enough for more than two: each band is
/// a piece of work the render cannot be stopped in (tens of milliseconds), and its rows are
/// all that is held resized at once.
const BAND_PIXELS: u64 = 8 << 20;

/// Where the bands of a `width` x `height` output begin and end, top to bottom: two, or as many
/// as keep each within `BAND_PIXELS`; all but the last a whole number of `mcu` rows high.
fn band_cuts(width: u32, height: u32, mcu: u32) -> Vec<u32> {
    let pixels = u64::from(width) * u64::from(height);
    let count = pixels.div_ceil(BAND_PIXELS).clamp(2, u64::from(height / mcu).max(2)) as u32;
    let rows = (height / count / mcu).max(1) * mcu;
    let mut cuts: Vec<u32> = (0..count).map(|i| i * rows).collect();
    cuts.push(height);
    cuts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_are_two_halves_until_an_output_is_large_then_each_is_at_most_band_pixels() {
        assert_eq!(band_cuts(1000, 1000, 16), vec![0, 496, 1000]);
        assert_eq!(band_cuts(100, 32, 16), vec![0, 16, 32]);
        let cuts = band_cuts(12000, 10000, 16);
        assert_eq!((cuts[0], *cuts.last().unwrap()), (0, 10000));
        assert!(cuts.len() - 1 >= 14, "{} bands", cuts.len() - 1);
        for w in cuts.windows(2) {
            assert!(w[0] < w[1]);
            assert!(u64::from(w[1] - w[0]) * 12000 <= BAND_PIXELS + 12000 * 16 * 15, "{w:?}");
        }
        assert!(cuts[..cuts.len() - 1].iter().all(|c| c % 16 == 0));
    }
}

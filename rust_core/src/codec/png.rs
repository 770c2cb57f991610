//! PNG: rows are decoded in order (PNG has no random access), but only the rows and columns
//! of the requested rectangle are kept, and decoding stops after its last row; an interlaced
//! image is decoded whole. A reader of the whole image (a pyramid build) takes it band by band
//! from one decoder. Palette and low bit depths are expanded to 8 bits, 16-bit samples reduced
//! to 8.

use std::io::BufReader;
use std::sync::Arc;

use png::{ColorType, Transformations};

use crate::codec::{Bands, Codec};
use crate::errors::{format_error, Error, Result};
use crate::geometry::Rect;
use crate::limits::Limits;
use crate::orientation::Orientation;
use crate::pixels::Pixels;
use crate::source::{ByteSource, Stream};
use crate::structure::{Format, Level, Structure};

pub struct PngCodec {
    source: ByteSource,
    structure: Structure,
}

fn png_error(err: png::DecodingError) -> Error {
    match err {
        png::DecodingError::LimitsExceeded => Error::Limit("the PNG image exceeds the decoding limit".into()),
        png::DecodingError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            format_error("the PNG file ends before its data does")
        }
        other => format_error(format!("PNG data: {other}")),
    }
}

type Reader<'a> = png::Reader<BufReader<Stream<'a>>>;

/// A decoder past the headers, whose image is within the limit.
fn reader<'a>(source: &'a ByteSource, limits: &Limits) -> Result<Reader<'a>> {
    let reader = row_reader(source, limits)?;
    let info = reader.info();
    limits.check(info.width, info.height)?;
    Ok(reader)
}

/// A decoder past the headers, for rows read a band at a time (each band held to the limit).
fn row_reader<'a>(source: &'a ByteSource, limits: &Limits) -> Result<Reader<'a>> {
    let mut decoder = png::Decoder::new(source.stream());
    decoder.set_transformations(Transformations::EXPAND | Transformations::STRIP_16);
    // Eight bytes a pixel (16-bit RGBA) before STRIP_16; saturating, as a huge limit means none.
    let bytes = usize::try_from(limits.max_decode_pixels.saturating_mul(8)).unwrap_or(usize::MAX);
    decoder.set_limits(png::Limits { bytes });
    decoder.read_info().map_err(png_error)
}

/// The next `out.height` rows of `r` into `out`, its columns from `x` on.
/// Rows decoded between two checks that the work is still wanted: a few milliseconds' worth.
const ROWS_PER_CHECK: usize = 64;

fn next_rows(r: &mut Reader<'_>, x: u32, out: &mut Pixels, limits: &Limits) -> Result<()> {
    let (start, len) = (x as usize * out.channels as usize, out.row_len());
    for (n, row) in out.data.chunks_exact_mut(len).enumerate() {
        if n % ROWS_PER_CHECK == 0 {
            limits.going()?;
        }
        let next = r.next_row().map_err(png_error)?.ok_or_else(|| format_error("the PNG image has fewer rows than it declares"))?;
        row.copy_from_slice(next.data().get(start..start + len).ok_or_else(|| format_error("a PNG row is shorter than it should be"))?);
    }
    Ok(())
}

/// Skip `n` rows of `r`.
fn skip_rows(r: &mut Reader<'_>, n: u32, limits: &Limits) -> Result<()> {
    for i in 0..n as usize {
        if i % ROWS_PER_CHECK == 0 {
            limits.going()?;
        }
        r.next_row().map_err(png_error)?.ok_or_else(|| format_error("the PNG image has fewer rows than it declares"))?;
    }
    Ok(())
}

fn channels(color: ColorType) -> u8 {
    match color {
        ColorType::Grayscale => 1,
        ColorType::GrayscaleAlpha => 2,
        ColorType::Rgb | ColorType::Indexed => 3,
        ColorType::Rgba => 4,
    }
}

impl PngCodec {
    pub fn open(source: ByteSource, limits: &Limits) -> Result<PngCodec> {
        let structure = {
            let r = reader(&source, limits)?;
            let (width, height) = (r.info().width, r.info().height);
            Structure {
                format: Format::Png,
                width,
                height,
                channels: channels(r.output_color_type().0),
                levels: vec![Level::new(width, height, width, height)],
                tile: None,
                compression: "deflate",
                orientation: Orientation::Normal,
                pages: 1,
                icc: r.info().icc_profile.as_deref().map(Arc::from),
            }
        };
        Ok(PngCodec { source, structure })
    }
}

impl Codec for PngCodec {
    fn structure(&self) -> &Structure {
        &self.structure
    }

    fn read(&self, _level: usize, rect: Rect, limits: &Limits) -> Result<Pixels> {
        let mut r = reader(&self.source, limits)?;
        let c = channels(r.output_color_type().0);
        if r.info().interlaced {
            let size = r.output_buffer_size().ok_or_else(|| format_error("the PNG image is too large"))?;
            let mut buf = vec![0; size];
            let frame = r.next_frame(&mut buf).map_err(png_error)?;
            buf.truncate(frame.buffer_size());
            return Ok(Pixels::from_vec(frame.width, frame.height, c, buf)?.crop(rect));
        }
        let mut out = Pixels::new(rect.w, rect.h, c, limits)?;
        skip_rows(&mut r, rect.y, limits)?;
        next_rows(&mut r, rect.x, &mut out, limits)?;
        Ok(out)
    }

    /// Rows are decoded in order, so one decoder carries on from band to band (not interlaced).
    fn bands<'a>(&'a self, limits: &'a Limits) -> Option<Bands<'a>> {
        let mut r = row_reader(&self.source, limits).ok().filter(|r| !r.info().interlaced)?;
        let (width, channels) = (self.structure.width, self.structure.channels);
        let mut next = 0;
        Some(Box::new(move |top, bottom| {
            if top != next {
                return Err(format_error("PNG bands are read in order"));
            }
            let mut out = Pixels::new(width, bottom - top, channels, limits)?;
            next_rows(&mut r, 0, &mut out, limits)?;
            next = bottom;
            Ok(out)
        }))
    }
}

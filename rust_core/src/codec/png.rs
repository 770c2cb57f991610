//! PNG: the whole image is decoded (PNG has no random access), palette and low bit depths
//! expanded to 8 bits, 16-bit samples reduced to 8.

use std::io::Cursor;
use std::sync::Arc;

use png::{ColorType, Transformations};

use crate::codec::Codec;
use crate::errors::{format_error, Error, Result};
use crate::geometry::Rect;
use crate::limits::Limits;
use crate::orientation::Orientation;
use crate::pixels::Pixels;
use crate::source::ByteSource;
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

fn reader<'a>(data: &'a [u8], limits: &Limits) -> Result<png::Reader<Cursor<&'a [u8]>>> {
    let mut decoder = png::Decoder::new(Cursor::new(data));
    decoder.set_transformations(Transformations::EXPAND | Transformations::STRIP_16);
    // Eight bytes a pixel (16-bit RGBA) before STRIP_16; saturating, as a huge limit means none.
    let bytes = usize::try_from(limits.max_decode_pixels.saturating_mul(8)).unwrap_or(usize::MAX);
    decoder.set_limits(png::Limits { bytes });
    let reader = decoder.read_info().map_err(png_error)?;
    let info = reader.info();
    limits.check(info.width, info.height)?;
    Ok(reader)
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
            let data = source.read_all()?;
            let r = reader(&data, limits)?;
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
        let data = self.source.read_all()?;
        let mut r = reader(&data, limits)?;
        let size = r.output_buffer_size().ok_or_else(|| format_error("the PNG image is too large"))?;
        let mut buf = vec![0; size];
        let frame = r.next_frame(&mut buf).map_err(png_error)?;
        buf.truncate(frame.buffer_size());
        let c = channels(frame.color_type);
        let pixels = Pixels::from_vec(frame.width, frame.height, c, buf)?;
        Ok(pixels.crop(rect))
    }
}

//! GIF: the first frame, composited onto the logical screen (transparent where it does not
//! cover). Opaque images come out as RGB, others as RGBA.

use std::io::BufReader;
use std::num::NonZeroU64;
use std::sync::Arc;

use gif::{ColorOutput, DecodeOptions, MemoryLimit};

use crate::codec::Codec;
use crate::errors::{format_error, Error, Result};
use crate::geometry::Rect;
use crate::limits::Limits;
use crate::orientation::Orientation;
use crate::pixels::Pixels;
use crate::source::{ByteSource, Stream};
use crate::structure::{Format, Level, Structure};

pub struct GifCodec {
    source: ByteSource,
    structure: Structure,
}

fn gif_error(err: gif::DecodingError) -> Error {
    match err {
        gif::DecodingError::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => format_error("the GIF file ends before its data does"),
        other => format_error(format!("GIF data: {other}")),
    }
}

fn decoder<'a>(source: &'a ByteSource, limits: &Limits) -> Result<gif::Decoder<BufReader<Stream<'a>>>> {
    let mut options = DecodeOptions::new();
    options.set_color_output(ColorOutput::RGBA);
    let bytes = limits.max_decode_pixels.saturating_mul(4).max(1);
    options.set_memory_limit(MemoryLimit::Bytes(NonZeroU64::new(bytes).expect("at least one byte")));
    let d = options.read_info(source.stream()).map_err(gif_error)?;
    limits.check(u32::from(d.width()), u32::from(d.height()))?;
    Ok(d)
}

impl GifCodec {
    pub fn open(source: ByteSource, limits: &Limits) -> Result<GifCodec> {
        let structure = {
            let mut d = decoder(&source, limits)?;
            let (w, h) = (u32::from(d.width()), u32::from(d.height()));
            let frame = d.next_frame_info().map_err(gif_error)?.ok_or_else(|| format_error("the GIF file has no image"))?;
            let covers = (frame.left, frame.top, u32::from(frame.width), u32::from(frame.height)) == (0, 0, w, h);
            let opaque = covers && frame.transparent.is_none();
            Structure {
                format: Format::Gif,
                width: w,
                height: h,
                channels: if opaque { 3 } else { 4 },
                levels: vec![Level::new(w, h, w, h)],
                tile: None,
                compression: "lzw",
                orientation: Orientation::Normal,
                pages: 1,
                icc: d.icc_profile().map(Arc::from),
            }
        };
        Ok(GifCodec { source, structure })
    }
}

impl Codec for GifCodec {
    fn structure(&self) -> &Structure {
        &self.structure
    }

    fn read(&self, _level: usize, rect: Rect, limits: &Limits) -> Result<Pixels> {
        let mut d = decoder(&self.source, limits)?;
        let s = &self.structure;
        let frame = d.read_next_frame().map_err(gif_error)?.ok_or_else(|| format_error("the GIF file has no image"))?;
        let mut canvas = Pixels::new(s.width, s.height, 4, limits)?;
        let piece = Pixels::from_vec(u32::from(frame.width), u32::from(frame.height), 4, frame.buffer.to_vec())?;
        canvas.blit(&piece, i64::from(frame.left), i64::from(frame.top));
        let canvas = canvas.crop(rect);
        Ok(if s.channels == 3 { drop_alpha(canvas) } else { canvas })
    }
}

fn drop_alpha(p: Pixels) -> Pixels {
    let data = p.data.chunks_exact(4).flat_map(|px| [px[0], px[1], px[2]]).collect();
    Pixels { width: p.width, height: p.height, channels: 3, data }
}

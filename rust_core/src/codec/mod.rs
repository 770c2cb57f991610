//! Decoders: each recognises its format from the first bytes, describes the file as a
//! [`Structure`], and reads one rectangle of one level.

pub mod jp2;
pub mod jpeg;
pub mod png;
pub mod tiff;

use crate::errors::{unsupported, Result};
use crate::geometry::Rect;
use crate::limits::Limits;
use crate::pixels::Pixels;
use crate::source::ByteSource;
use crate::structure::{Format, Structure};

pub trait Codec: Send + Sync {
    fn structure(&self) -> &Structure;

    /// The pixels of `rect`, given in the coordinates of `structure().levels[level]`.
    fn read(&self, level: usize, rect: Rect, limits: &Limits) -> Result<Pixels>;
}

/// The format named by a file's first bytes, if it is one the core reads.
pub fn sniff(head: &[u8]) -> Option<Format> {
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Format::Jpeg)
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Format::Png)
    } else if head.starts_with(&jp2::JP2_SIGNATURE) || head.starts_with(&jp2::CODESTREAM_START) {
        Some(Format::Jp2)
    } else if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") || head.starts_with(b"II+\0") || head.starts_with(b"MM\0+") {
        Some(Format::Tiff)
    } else {
        None
    }
}

/// Recognise the format of `source` and read its structure.
pub fn open(source: ByteSource, limits: &Limits) -> Result<Box<dyn Codec>> {
    let head = source.read_prefix(16)?;
    match sniff(&head) {
        Some(Format::Jpeg) => Ok(Box::new(jpeg::JpegCodec::open(source, limits)?)),
        Some(Format::Png) => Ok(Box::new(png::PngCodec::open(source, limits)?)),
        Some(Format::Tiff) => Ok(Box::new(tiff::TiffCodec::open(source, limits)?)),
        Some(Format::Jp2) => Ok(Box::new(jp2::Jp2Codec::open(source, limits)?)),
        None => Err(unsupported("the file is not in a format this server reads (JPEG, PNG, TIFF or JPEG 2000)")),
    }
}

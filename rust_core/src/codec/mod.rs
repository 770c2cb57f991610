//! Decoders: each recognises its format from the first bytes, describes the file as a
//! [`Structure`], and reads one rectangle of one level.

pub mod chunk_cache;
pub mod cmyk;
pub mod gif;
pub mod jp2;
pub mod jpeg;
pub mod jpeg_mcus;
pub mod png;
pub mod tiff;
pub mod webp;

use std::sync::Arc;

use crate::errors::{format_error, unsupported, Error, Result};
use crate::formats::tiff_compression::Compression;
use crate::geometry::Rect;
use crate::limits::Limits;
use crate::pixels::Pixels;
use crate::source::ByteSource;
use crate::structure::{Format, Structure};

pub trait Codec: Send + Sync {
    fn structure(&self) -> &Structure;

    /// The pixels of `rect`, given in the coordinates of `structure().levels[level]`.
    fn read(&self, level: usize, rect: Rect, limits: &Limits) -> Result<Pixels>;

    /// The same pixels, perhaps shared with a cache that keeps them (a small level read whole,
    /// as every thumbnail reads it): no copy is made for a read that does not change them.
    fn read_shared(&self, level: usize, rect: Rect, limits: &Limits) -> Result<Arc<Pixels>> {
        Ok(Arc::new(self.read(level, rect, limits)?))
    }

    /// The image at full resolution as stored, a band of rows at a time from the top down, for
    /// a reader of all of it; None where a band would cost about the whole image (read it whole).
    fn bands<'a>(&'a self, _limits: &'a Limits) -> Option<Bands<'a>> {
        None
    }

    /// How `level` is stored in chunks, for a file stored so: facts from which a caller decides
    /// whether a stored chunk answers a request as it is.
    fn stored_chunks(&self, _level: usize) -> Option<StoredChunks<'_>> {
        None
    }

    /// The complete JPEG stream of JPEG-compressed chunk `index` of `level` (the file's shared
    /// tables merged in), as stored: padded to the full chunk size at an edge.
    fn read_stored_jpeg(&self, _level: usize, _index: u32) -> Result<Vec<u8>> {
        Err(unsupported("this image has no stored JPEG chunks"))
    }
}

/// How one level of a file is stored in chunks (tiles or strips), as the file says.
#[derive(Debug, Clone, Copy)]
pub struct StoredChunks<'a> {
    pub compression: Compression,
    /// Tiles, rather than strips.
    pub tiled: bool,
    /// A chunk's width and height; chunks at the right and bottom edges are stored padded to it.
    pub size: (u32, u32),
    /// The level's width and height.
    pub level: (u32, u32),
    pub colours: StoredColours,
    /// Stored samples per pixel, extra samples included.
    pub samples: u16,
    /// Whether an extra sample is alpha.
    pub alpha: bool,
    /// Each chunk's stored size in bytes, in row-major order.
    pub byte_counts: &'a [u64],
    /// The number under which the chunk cache keeps this opening's chunks.
    pub cache_id: u64,
}

/// What the stored samples of chunks mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredColours {
    YCbCr,
    Rgb,
    Gray,
    /// Inverted gray, a palette, CMYK.
    Other,
}

/// Reads rows `top..bottom` of an image, each band below the one before (see `Codec::bands`).
pub type Bands<'a> = Box<dyn FnMut(u32, u32) -> Result<Pixels> + Send + 'a>;

/// Bands read as any other part of the image, for codecs that read a part for its share.
fn parts<'a>(codec: &'a dyn Codec, limits: &'a Limits) -> Bands<'a> {
    let width = codec.structure().width;
    Box::new(move |top, bottom| codec.read(0, Rect::new(0, top, width, bottom - top), limits))
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
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        Some(Format::Gif)
    } else if head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WEBP" {
        Some(Format::Webp)
    } else {
        None
    }
}

/// Recognise the format of `source` and read the structure of page `page` (from 0).
pub fn open(source: ByteSource, limits: &Limits, page: usize) -> Result<Box<dyn Codec>> {
    if source.size() == 0 {
        return Err(format_error("the image file is empty"));
    }
    let head = source.read_prefix(16)?;
    let codec: Box<dyn Codec> = match sniff(&head) {
        Some(Format::Jpeg) => Box::new(jpeg::JpegCodec::open(source, limits)?),
        Some(Format::Png) => Box::new(png::PngCodec::open(source, limits)?),
        Some(Format::Tiff) => Box::new(tiff::TiffCodec::open(source, limits, page)?),
        Some(Format::Gif) => Box::new(gif::GifCodec::open(source, limits)?),
        Some(Format::Webp) => Box::new(webp::WebpCodec::open(source, limits)?),
        Some(Format::Jp2) => Box::new(jp2::Jp2Codec::open(source, limits)?),
        None => return Err(unsupported("the file is not in a format this server reads (JPEG, PNG, TIFF, GIF, WebP or JPEG 2000)")),
    };
    let pages = codec.structure().pages;
    if page >= pages {
        return Err(Error::Request(format!("page {} does not exist: the image has {pages}", page + 1)));
    }
    Ok(codec)
}

//! One TIFF chunk (tile or strip): fetch its bytes, decompress, undo the predictor and turn
//! its samples into 8-bit pixels.

use std::io::Read;
use std::ops::Range;

use crate::codec::cmyk::{self, CmykToRgb};
use crate::codec::jpeg;
use crate::codec::tiff::layout::{Alpha, Layout, Photometric};
use crate::errors::{format_error, Result};
use crate::formats::tiff_compression::Compression;
use crate::geometry::Rect;
use crate::limits::Limits;
use crate::pixels::Pixels;
use crate::source::ByteSource;

/// Pixel rows held by chunk `index` (the last strip may be short; tiles are always whole).
pub fn chunk_rows(layout: &Layout, index: u32) -> u32 {
    if layout.tiled {
        return layout.chunk_h;
    }
    let first = index * layout.chunk_h;
    layout.chunk_h.min(layout.height - first)
}

/// Decode chunk `index` (row-major in the chunk grid) into `chunk_w` x rows pixels; CMYK comes
/// out as RGB through `cmyk`.
pub fn decode(layout: &Layout, source: &ByteSource, index: u32, limits: &Limits, cmyk: &CmykToRgb) -> Result<Pixels> {
    let rows = chunk_rows(layout, index);
    limits.check(layout.chunk_w, rows)?;
    if layout.compression == Compression::Jpeg {
        return decode_jpeg_part(layout, source, index, Rect::new(0, 0, layout.chunk_w, rows), limits, cmyk);
    }
    decode_rows(layout, source, index, 0, rows, cmyk)
}

/// Decode `part` (in the chunk's own coordinates, within it) of uncompressed chunk `index`:
/// only the bytes of its rows are read, as a row starts at a fixed place.
pub fn decode_uncompressed_part(layout: &Layout, source: &ByteSource, index: u32, part: Rect, limits: &Limits, cmyk: &CmykToRgb) -> Result<Pixels> {
    limits.check(layout.chunk_w, part.h)?;
    let rows = decode_rows(layout, source, index, part.y, part.h, cmyk)?;
    Ok(rows.crop(Rect::new(part.x, 0, part.w, part.h)))
}

/// `rows` rows of chunk `index` from row `first` (see `decompressed`).
fn decode_rows(layout: &Layout, source: &ByteSource, index: u32, first: u32, rows: u32, cmyk: &CmykToRgb) -> Result<Pixels> {
    let planes = if layout.planar { layout.samples as usize } else { 1 };
    let per_plane = if layout.planar { 1 } else { layout.samples as usize };
    let mut planes_data = Vec::with_capacity(planes);
    for plane in 0..planes {
        let raw_index = plane as u64 * layout.chunks_per_plane() + u64::from(index);
        let row_bytes = (layout.chunk_w as usize * per_plane * layout.bits as usize).div_ceil(8);
        let at = |row: u32| row_bytes.checked_mul(row as usize).ok_or_else(|| format_error("a TIFF chunk is too large to address"));
        let start = at(first)?;
        let end = start.checked_add(at(rows)?).ok_or_else(|| format_error("a TIFF chunk is too large to address"))?;
        let mut data = decompressed(layout, source, raw_index as usize, start..end)?;
        if layout.predictor {
            undo_predictor(&mut data, row_bytes, per_plane, layout.bits, layout.little_endian)?;
        }
        planes_data.push(to_8bit(&data, layout, layout.chunk_w, rows, per_plane));
    }
    let samples = if layout.planar { interleave(&planes_data) } else { planes_data.pop().expect("one plane") };
    if layout.photometric == Photometric::Separated && layout.samples == 4 {
        return cmyk.convert(Pixels::from_vec(layout.chunk_w, rows, 4, samples)?);
    }
    to_pixels(layout, samples, layout.chunk_w, rows)
}

/// Decode `part` (in the chunk's own coordinates, within it) of JPEG chunk `index`:
/// libjpeg-turbo does the inverse DCT and colour conversion only for the MCU columns the part
/// touches and stops after its last row, so a corner of a tile costs a fraction of the tile.
pub fn decode_jpeg_part(layout: &Layout, source: &ByteSource, index: u32, part: Rect, limits: &Limits, cmyk: &CmykToRgb) -> Result<Pixels> {
    let empty = || Pixels::new(part.w, part.h, layout.channels(), limits);
    let (offset, count) = (layout.offsets[index as usize], layout.counts[index as usize]);
    if count == 0 {
        return empty();
    }
    let data = jpeg_stream(layout, source, offset, count)?;
    let header = jpeg::read_header(&data)?;
    // A chunk's JPEG may be larger or smaller than the chunk (the last strip of some writers):
    // decode no more than the chunk's area, so a stream that claims a huge size costs nothing.
    let stored = Rect::new(0, 0, header.width.min(layout.chunk_w), header.height.min(chunk_rows(layout, index)));
    let Some(area) = part.intersect(&stored) else {
        return empty();
    };
    let pixels = checked_colours(layout, jpeg::decode(&data, 1, area, limits, cmyk)?)?;
    if area == part {
        return Ok(pixels);
    }
    let mut out = empty()?;
    out.blit(&pixels, i64::from(area.x) - i64::from(part.x), i64::from(area.y) - i64::from(part.y));
    Ok(out)
}

/// `pixels` decoded from a JPEG chunk, refused when their colours are not the directory's.
pub fn checked_colours(layout: &Layout, pixels: Pixels) -> Result<Pixels> {
    if pixels.channels != layout.channels() {
        return Err(format_error("a TIFF JPEG chunk has a different number of colours than its directory"));
    }
    Ok(pixels)
}

/// A JPEG chunk as a complete JPEG stream: the file's shared tables (JPEGTables, itself a JPEG
/// stream: its EOI dropped) merged with the chunk (its SOI dropped).
pub fn jpeg_stream(layout: &Layout, source: &ByteSource, offset: u64, count: u64) -> Result<Vec<u8>> {
    let body = source.read_at(offset, count as usize)?;
    if !body.starts_with(&[0xFF, 0xD8]) {
        return Err(format_error("a TIFF JPEG chunk does not start with a JPEG SOI marker"));
    }
    Ok(match &layout.jpeg_tables {
        Some(tables) if tables.len() >= 4 => {
            let mut v = Vec::with_capacity(tables.len() + body.len());
            v.extend_from_slice(&tables[..tables.len() - 2]);
            v.extend_from_slice(&body[2..]);
            v
        }
        _ => body.into_owned(),
    })
}

/// Bytes `wanted` of the chunk after decompression. Of an uncompressed chunk only those bytes
/// are read; others are decompressed up to their end. A chunk whose stream ends before them is
/// damaged (cut short, or overwritten): an error, as libtiff has it, never rows made up of zeros.
/// An empty chunk (a byte count of 0) is one a writer left out on purpose, and reads as zeros.
fn decompressed(layout: &Layout, source: &ByteSource, raw_index: usize, wanted: Range<usize>) -> Result<Vec<u8>> {
    let (offset, count) = (layout.offsets[raw_index], layout.counts[raw_index] as usize);
    if count == 0 {
        return Ok(vec![0; wanted.len()]);
    }
    let out = match layout.compression {
        Compression::None => match count.min(wanted.end).checked_sub(wanted.start) {
            Some(stored) if stored > 0 => {
                let at = offset.checked_add(wanted.start as u64).ok_or_else(|| format_error("a TIFF chunk lies beyond any file"))?;
                source.read_at(at, stored)?.into_owned()
            }
            _ => Vec::new(),
        },
        _ => {
            let mut all = inflated(layout, &source.read_at(offset, count)?, wanted.end)?;
            all.drain(..wanted.start.min(all.len()));
            all
        }
    };
    if out.len() < wanted.len() {
        return Err(format_error("a TIFF chunk's data ends before its pixels do"));
    }
    Ok(out)
}

/// At most `expected` bytes of a compressed chunk's stream `raw`.
fn inflated(layout: &Layout, raw: &[u8], expected: usize) -> Result<Vec<u8>> {
    Ok(match layout.compression {
        Compression::Deflate => {
            let mut v = Vec::with_capacity(expected);
            flate2::read::ZlibDecoder::new(raw)
                .take(expected as u64)
                .read_to_end(&mut v)
                .map_err(|e| format_error(format!("TIFF deflate data: {e}")))?;
            v
        }
        Compression::Lzw => lzw(raw, expected)?,
        Compression::PackBits => unpack_bits(raw, expected),
        Compression::None | Compression::Jpeg => unreachable!("uncompressed and JPEG chunks are read apart"),
    })
}

/// At most `expected` bytes of a TIFF LZW stream: a few hundred kilobytes of LZW can expand to
/// gigabytes, so decoding stops when the chunk is full rather than at the stream's end.
fn lzw(raw: &[u8], expected: usize) -> Result<Vec<u8>> {
    let mut out = vec![0; expected];
    let mut decoder = weezl::decode::Decoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8);
    let (mut read, mut written) = (0, 0);
    while written < expected {
        let step = decoder.decode_bytes(&raw[read..], &mut out[written..]);
        read += step.consumed_in;
        written += step.consumed_out;
        match step.status {
            Ok(weezl::LzwStatus::Ok) if step.consumed_in + step.consumed_out > 0 => {}
            Ok(_) => break,
            Err(e) => return Err(format_error(format!("TIFF LZW data: {e}"))),
        }
    }
    out.truncate(written);
    Ok(out)
}

fn unpack_bits(raw: &[u8], expected: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(expected);
    let mut i = 0;
    while i < raw.len() && out.len() < expected {
        let n = raw[i] as i8;
        i += 1;
        if n >= 0 {
            let len = (n as usize + 1).min(raw.len() - i);
            out.extend_from_slice(&raw[i..i + len]);
            i += len;
        } else if n != -128 && i < raw.len() {
            out.extend(std::iter::repeat_n(raw[i], (1 - n as isize) as usize));
            i += 1;
        }
    }
    out
}

/// Horizontal differencing (Predictor 2), undone row by row.
fn undo_predictor(data: &mut [u8], row_bytes: usize, samples: usize, bits: u16, little: bool) -> Result<()> {
    match bits {
        8 => {
            for row in data.chunks_exact_mut(row_bytes) {
                for i in samples..row.len() {
                    row[i] = row[i].wrapping_add(row[i - samples]);
                }
            }
        }
        16 => {
            let read = |b: &[u8]| if little { u16::from_le_bytes([b[0], b[1]]) } else { u16::from_be_bytes([b[0], b[1]]) };
            for row in data.chunks_exact_mut(row_bytes) {
                for i in samples..row.len() / 2 {
                    let v = read(&row[2 * i..]).wrapping_add(read(&row[2 * (i - samples)..]));
                    let b = if little { v.to_le_bytes() } else { v.to_be_bytes() };
                    row[2 * i..2 * i + 2].copy_from_slice(&b);
                }
            }
        }
        _ => return Err(format_error("the TIFF predictor is used with a bit depth it does not apply to")),
    }
    Ok(())
}

/// Samples as 8-bit values: 16-bit reduced to their high byte; 1, 2 and 4-bit samples
/// unpacked (palette indices as they are, gray levels stretched to 0–255).
fn to_8bit(data: &[u8], layout: &Layout, width: u32, rows: u32, samples: usize) -> Vec<u8> {
    let n = width as usize * samples;
    match layout.bits {
        8 => data[..n * rows as usize].to_vec(),
        16 => {
            let hi = if layout.little_endian { 1 } else { 0 };
            data.chunks_exact(2).take(n * rows as usize).map(|c| c[hi]).collect()
        }
        bits => {
            let bits = bits as usize;
            let row_bytes = (n * bits).div_ceil(8);
            let max = (1u16 << bits) - 1;
            let stretch = !matches!(layout.photometric, Photometric::Palette(_));
            let mut out = Vec::with_capacity(n * rows as usize);
            for row in data.chunks_exact(row_bytes).take(rows as usize) {
                for i in 0..n {
                    let bit = i * bits;
                    let v = (u16::from(row[bit / 8]) >> (8 - bits - bit % 8)) & max;
                    out.push(if stretch { (v * 255 / max) as u8 } else { v as u8 });
                }
            }
            out
        }
    }
}

fn interleave(planes: &[Vec<u8>]) -> Vec<u8> {
    let n = planes[0].len();
    let mut out = Vec::with_capacity(n * planes.len());
    for i in 0..n {
        out.extend(planes.iter().map(|p| p[i]));
    }
    out
}

/// Stored samples to output pixels: colour channels from the photometric interpretation,
/// then alpha (straightened if premultiplied); other extra samples are dropped.
fn to_pixels(layout: &Layout, samples: Vec<u8>, width: u32, rows: u32) -> Result<Pixels> {
    let spp = layout.samples as usize;
    let out_c = layout.channels() as usize;
    let alpha = layout.alpha != Alpha::None;
    let base = out_c - usize::from(alpha);
    let alpha_at = usize::from(layout.photometric.samples());
    let plain = matches!(layout.photometric, Photometric::BlackIsZero | Photometric::Rgb)
        && spp == out_c
        && layout.alpha != Alpha::Premultiplied;
    if plain {
        return Pixels::from_vec(width, rows, out_c as u8, samples);
    }
    let mut out = Vec::with_capacity(width as usize * rows as usize * out_c);
    for px in samples.chunks_exact(spp) {
        match &layout.photometric {
            Photometric::WhiteIsZero => out.push(255 - px[0]),
            Photometric::Palette(map) => out.extend_from_slice(&map[px[0] as usize]),
            // With extra samples: without a profile (CMYK + alpha files are rare).
            Photometric::Separated => out.extend_from_slice(&cmyk::pixel(px[0], px[1], px[2], px[3])),
            _ => out.extend_from_slice(&px[..base]),
        }
        if alpha {
            let a = px[alpha_at];
            if layout.alpha == Alpha::Premultiplied && a != 0 && a != 255 {
                let start = out.len() - base;
                for v in &mut out[start..] {
                    *v = ((u16::from(*v) * 255 + u16::from(a) / 2) / u16::from(a)).min(255) as u8;
                }
            }
            out.push(a);
        }
    }
    Pixels::from_vec(width, rows, out_c as u8, out)
}

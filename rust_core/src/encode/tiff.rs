//! A single-image TIFF in strips: gray or RGB, alpha as an unassociated extra sample, 8 bits a
//! sample (1 for a bitonal image where the compression allows), compressed as configured.

use std::borrow::Cow;
use std::io::{Cursor, Write};

use flate2::write::ZlibEncoder;
use weezl::encode::Encoder as LzwEncoder;
use weezl::BitOrder;

use crate::encode::tiff_ifd::{self, compression as code, photometric, position, tag, Entry};
use crate::encode::{jpeg, pack_bits};
use crate::errors::{format_error, Result};
use crate::formats::tiff_compression::Compression;
use crate::ops::color;
use crate::pixels::Pixels;

/// The Compression tag's value for `c`.
fn code_of(c: Compression) -> u16 {
    match c {
        Compression::None => code::NONE,
        Compression::Lzw => code::LZW,
        Compression::Deflate => code::DEFLATE,
        Compression::PackBits => code::PACKBITS,
        Compression::Jpeg => code::JPEG,
    }
}

/// Uncompressed bytes a strip holds at most (unless a strip of 16 rows is larger): large
/// enough that each JPEG strip's own headers cost little, small enough for readers that
/// load a strip at a time.
const STRIP_BYTES: usize = 256 * 1024;
/// On photographic tiles (after the predictor), level 2 takes 12 % of the time of zlib's default
/// 6 for 11 % more bytes; level 1 saves little more time and costs 15 % more bytes again.
const DEFLATE_LEVEL: u32 = 2;

/// How the samples are laid out in the file.
struct Layout {
    width: usize,
    height: usize,
    /// Samples in each plane's pixels: all of them, or one when planes are separate.
    samples: usize,
    planes: usize,
    one_bit: bool,
    ycbcr: bool,
    predictor: bool,
    rows_per_strip: usize,
}

impl Layout {
    fn new(p: &Pixels, compression: Compression, bilevel: bool) -> Layout {
        let channels = p.channels as usize;
        let jpeg = compression == Compression::Jpeg;
        let one_bit = bilevel && channels == 1 && !jpeg;
        // A JPEG stream holds one or three components: with alpha, each sample is a plane.
        let planar = jpeg && p.has_alpha();
        let (samples, planes) = if planar { (1, channels) } else { (channels, 1) };
        let mut layout = Layout {
            width: p.width as usize,
            height: p.height as usize,
            samples,
            planes,
            one_bit,
            ycbcr: jpeg && channels == 3,
            // Horizontal differencing makes LZW output about a third smaller on photographs.
            predictor: !one_bit && matches!(compression, Compression::Lzw | Compression::Deflate),
            rows_per_strip: 0,
        };
        // A multiple of 16 rows, as JPEG with 2x2-subsampled chroma requires.
        let rows = (STRIP_BYTES / layout.row_bytes()).max(1) / 16 * 16;
        layout.rows_per_strip = rows.max(16).min(layout.height);
        layout
    }

    fn row_bytes(&self) -> usize {
        if self.one_bit {
            self.width.div_ceil(8)
        } else {
            self.width * self.samples
        }
    }
}

/// Encode `p` (1–4 channels) as a TIFF, with `icc` as its colour profile if given; with
/// `bilevel`, a one-channel image of only 0 and 255 is written with 1 bit per pixel (except with
/// JPEG, which has no such depth).
pub fn encode(p: &Pixels, compression: Compression, jpeg_quality: u8, bilevel: bool, icc: Option<&[u8]>) -> Result<Vec<u8>> {
    // With JPEG, alpha needs planes of their own, and readers (Pillow and libvips among them)
    // misread gray + alpha in separate planes but read RGBA: gray + alpha is written as RGBA,
    // which a gray profile no longer describes.
    let as_rgb = compression == Compression::Jpeg && p.channels == 2;
    let icc = icc.filter(|_| !as_rgb);
    let p = if as_rgb { color::to_rgb(p) } else { Cow::Borrowed(p) };
    let p = p.as_ref();
    let layout = Layout::new(p, compression, bilevel);
    let packed;
    let data = if layout.one_bit {
        packed = pack_bits(p);
        &packed
    } else {
        &p.data
    };
    let mut out = Cursor::new(Vec::new());
    tiff_ifd::write_header(&mut out)?;
    let mut offsets = Vec::new();
    let mut counts = Vec::new();
    let row_bytes = layout.row_bytes();
    for plane in 0..layout.planes {
        for y0 in (0..layout.height).step_by(layout.rows_per_strip) {
            let rows = layout.rows_per_strip.min(layout.height - y0);
            let strip = if layout.planes > 1 {
                Cow::Owned(plane_rows(p, plane, y0, rows))
            } else {
                Cow::Borrowed(&data[y0 * row_bytes..(y0 + rows) * row_bytes])
            };
            let bytes = compress(strip, &layout, rows, compression, jpeg_quality)?;
            offsets.push(position(&mut out)?);
            counts.push(u32::try_from(bytes.len()).map_err(|_| format_error("a TIFF strip is too large"))?);
            out.write_all(&bytes)?;
        }
    }
    let channels = u16::from(p.channels);
    let photometric = if layout.ycbcr {
        photometric::YCBCR
    } else if channels >= 3 {
        photometric::RGB
    } else {
        photometric::MIN_IS_BLACK
    };
    let bits = if layout.one_bit { 1 } else { 8 };
    let mut entries = vec![
        Entry::long(tag::IMAGE_WIDTH, &[p.width]),
        Entry::long(tag::IMAGE_LENGTH, &[p.height]),
        Entry::short(tag::BITS_PER_SAMPLE, &vec![bits; channels as usize]),
        Entry::short(tag::COMPRESSION, &[code_of(compression)]),
        Entry::short(tag::PHOTOMETRIC_INTERPRETATION, &[photometric]),
        Entry::long(tag::STRIP_OFFSETS, &offsets),
        Entry::short(tag::SAMPLES_PER_PIXEL, &[channels]),
        Entry::long(tag::ROWS_PER_STRIP, &[layout.rows_per_strip as u32]),
        Entry::long(tag::STRIP_BYTE_COUNTS, &counts),
        // Square pixels of no stated physical size.
        Entry::rational(tag::X_RESOLUTION, &[(1, 1)]),
        Entry::rational(tag::Y_RESOLUTION, &[(1, 1)]),
        Entry::short(tag::PLANAR_CONFIGURATION, &[if layout.planes > 1 { 2 } else { 1 }]),
        Entry::short(tag::RESOLUTION_UNIT, &[1]),
    ];
    if layout.predictor {
        entries.push(Entry::short(tag::PREDICTOR, &[2]));
    }
    if p.has_alpha() {
        entries.push(Entry::short(tag::EXTRA_SAMPLES, &[2]));
    }
    if layout.ycbcr {
        entries.push(Entry::short(tag::YCBCR_SUBSAMPLING, &[2, 2]));
    }
    if let Some(profile) = icc {
        entries.push(Entry::undefined(tag::ICC_PROFILE, profile));
    }
    let directory = tiff_ifd::write_directory(&mut out, entries)?;
    tiff_ifd::link(&mut out, &[directory])?;
    Ok(out.into_inner())
}

/// `rows` rows from `y0` of one channel of `p`.
fn plane_rows(p: &Pixels, plane: usize, y0: usize, rows: usize) -> Vec<u8> {
    let c = p.channels as usize;
    let start = y0 * p.row_len();
    p.data[start..start + rows * p.row_len()].iter().skip(plane).step_by(c).copied().collect()
}

fn compress<'a>(strip: Cow<'a, [u8]>, layout: &Layout, rows: usize, compression: Compression, quality: u8) -> Result<Cow<'a, [u8]>> {
    let row_bytes = layout.row_bytes();
    let strip = if layout.predictor { Cow::Owned(differences(strip.into_owned(), row_bytes, layout.samples)) } else { strip };
    Ok(match compression {
        Compression::None => strip,
        Compression::Lzw => Cow::Owned(
            LzwEncoder::with_tiff_size_switch(BitOrder::Msb, 8)
                .encode(&strip)
                .map_err(|e| format_error(format!("LZW encoding failed: {e}")))?,
        ),
        Compression::Deflate => {
            let mut z = ZlibEncoder::new(Vec::with_capacity(strip.len() / 2), flate2::Compression::new(DEFLATE_LEVEL));
            z.write_all(&strip)?;
            Cow::Owned(z.finish()?)
        }
        Compression::PackBits => {
            let mut out = Vec::with_capacity(strip.len() + strip.len() / 64 + rows);
            for row in strip.chunks_exact(row_bytes) {
                packbits(row, &mut out);
            }
            Cow::Owned(out)
        }
        Compression::Jpeg => {
            Cow::Owned(jpeg::encode_samples(&strip, layout.width as u32, rows as u32, layout.samples as u8, quality, false)?)
        }
    })
}

/// TIFF Predictor 2: each sample minus the same sample of the pixel to its left, row by row.
fn differences(mut strip: Vec<u8>, row_bytes: usize, samples: usize) -> Vec<u8> {
    for row in strip.chunks_exact_mut(row_bytes) {
        for i in (samples..row.len()).rev() {
            row[i] = row[i].wrapping_sub(row[i - samples]);
        }
    }
    strip
}

/// One row in PackBits: runs of three or more equal bytes as (1 - n, byte), everything else as
/// (n - 1, n literal bytes), at most 128 bytes each.
fn packbits(row: &[u8], out: &mut Vec<u8>) {
    let run_at = |i: usize| {
        let b = row[i];
        row[i..].iter().take(128).take_while(|&&x| x == b).count()
    };
    let mut i = 0;
    while i < row.len() {
        let run = run_at(i);
        if run >= 3 {
            out.push((1 - run as i32) as u8);
            out.push(row[i]);
            i += run;
            continue;
        }
        let start = i;
        while i < row.len() && i - start < 128 && !(i + 2 < row.len() && row[i] == row[i + 1] && row[i] == row[i + 2]) {
            i += 1;
        }
        out.push((i - start - 1) as u8);
        out.extend_from_slice(&row[start..i]);
    }
}

#[cfg(test)]
mod tests {
    use super::packbits;

    fn unpack(mut data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        while let [n, rest @ ..] = data {
            let n = *n as i8;
            if n >= 0 {
                let len = n as usize + 1;
                out.extend_from_slice(&rest[..len]);
                data = &rest[len..];
            } else {
                out.extend(std::iter::repeat_n(rest[0], (1 - i32::from(n)) as usize));
                data = &rest[1..];
            }
        }
        out
    }

    #[test]
    fn packbits_round_trips() {
        let mut rows: Vec<Vec<u8>> = vec![
            vec![7],
            vec![1, 1],
            vec![1, 1, 1],
            vec![0; 300],
            (0..=255).collect(),
            vec![1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5],
        ];
        rows.push((0..1000u32).map(|i| if i % 200 < 130 { (i % 7) as u8 } else { 9 }).collect());
        for row in rows {
            let mut packed = Vec::new();
            packbits(&row, &mut packed);
            assert_eq!(unpack(&packed), row);
        }
    }
}

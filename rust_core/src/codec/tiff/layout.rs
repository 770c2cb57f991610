//! How one TIFF directory stores its pixels: size, chunk grid, compression and sample layout.

use crate::codec::tiff::ifd::{tag, Directory, TiffReader};
use crate::errors::{format_error, unsupported, Result};
use crate::formats::tiff_compression::Compression;
use crate::structure::Reach;

/// The largest stored pixel read: four 16-bit samples (RGBA, or RGB with one extra sample).
const MAX_BITS_PER_PIXEL: u64 = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Photometric {
    WhiteIsZero,
    BlackIsZero,
    Rgb,
    /// RGB entries of the colour map, reduced to 8 bits.
    Palette(Vec<[u8; 3]>),
    /// YCbCr, read only through the JPEG decoder, which converts it to RGB.
    YCbCr,
    /// CMYK inks, converted to RGB.
    Separated,
}

impl Photometric {
    /// Stored samples per pixel that carry colour.
    pub fn samples(&self) -> u16 {
        match self {
            Photometric::Rgb | Photometric::YCbCr => 3,
            Photometric::Separated => 4,
            _ => 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alpha {
    None,
    Straight,
    Premultiplied,
}

#[derive(Debug, Clone)]
pub struct Layout {
    pub width: u32,
    pub height: u32,
    pub tiled: bool,
    pub chunk_w: u32,
    pub chunk_h: u32,
    pub offsets: Vec<u64>,
    pub counts: Vec<u64>,
    pub compression: Compression,
    pub photometric: Photometric,
    pub bits: u16,
    /// Samples per pixel as stored, extra samples included.
    pub samples: u16,
    pub alpha: Alpha,
    /// PlanarConfiguration 2: each sample in its own set of chunks.
    pub planar: bool,
    pub predictor: bool,
    pub jpeg_tables: Option<Vec<u8>>,
    /// YCbCrSubSampling: how much wider and taller a chroma sample is than a pixel.
    pub chroma_subsampling: (u32, u32),
    pub little_endian: bool,
}

impl Layout {
    pub fn read(r: &TiffReader, dir: &Directory) -> Result<Layout> {
        let width = r.uint(dir, tag::IMAGE_WIDTH, None)? as u32;
        let height = r.uint(dir, tag::IMAGE_LENGTH, None)? as u32;
        if width == 0 || height == 0 {
            return Err(format_error("the TIFF image has no pixels"));
        }
        let samples = r.uint(dir, tag::SAMPLES_PER_PIXEL, Some(1))? as u16;
        let bits_all = r.uints(dir, tag::BITS_PER_SAMPLE)?.unwrap_or_else(|| vec![1]);
        let bits = *bits_all.first().ok_or_else(|| format_error("the TIFF BitsPerSample tag has no values"))? as u16;
        if bits_all.iter().any(|&b| b != u64::from(bits)) {
            return Err(unsupported("TIFF samples of different bit depths are not read"));
        }
        if !matches!(bits, 1 | 2 | 4 | 8 | 16) {
            return Err(unsupported(format!("{bits}-bit TIFF samples are not read")));
        }
        // A chunk is held as stored before its extra samples are dropped, so the pixel limit
        // bounds its memory only while a stored pixel is small.
        if u64::from(samples) * u64::from(bits) > MAX_BITS_PER_PIXEL {
            return Err(unsupported(format!("TIFF pixels of {samples} {bits}-bit samples are not read")));
        }
        if r.uint(dir, tag::SAMPLE_FORMAT, Some(1))? != 1 {
            return Err(unsupported("TIFF samples that are not unsigned integers are not read"));
        }
        let compression = match r.uint(dir, tag::COMPRESSION, Some(1))? {
            1 => Compression::None,
            5 => Compression::Lzw,
            8 | 32946 => Compression::Deflate,
            32773 => Compression::PackBits,
            7 => Compression::Jpeg,
            6 => return Err(unsupported("old-style JPEG compression in TIFF (6) is not read")),
            c => return Err(unsupported(format!("TIFF compression {c} is not read"))),
        };
        let photometric = match r.uint(dir, tag::PHOTOMETRIC, None)? {
            0 => Photometric::WhiteIsZero,
            1 => Photometric::BlackIsZero,
            2 => Photometric::Rgb,
            3 => {
                let map = r.uints(dir, tag::COLOR_MAP)?.ok_or_else(|| format_error("a palette TIFF lacks its ColorMap"))?;
                let n = 1usize << bits.min(16);
                if map.len() != 3 * n {
                    return Err(format_error("the TIFF ColorMap has the wrong length"));
                }
                Photometric::Palette((0..n).map(|i| [(map[i] >> 8) as u8, (map[n + i] >> 8) as u8, (map[2 * n + i] >> 8) as u8]).collect())
            }
            6 if compression == Compression::Jpeg => Photometric::YCbCr,
            6 => return Err(unsupported("YCbCr TIFF images are read only when JPEG-compressed")),
            5 if r.uint(dir, tag::INK_SET, Some(1))? == 1 => Photometric::Separated,
            5 => return Err(unsupported("separated TIFF images with inks other than CMYK are not read")),
            p => return Err(unsupported(format!("TIFF photometric interpretation {p} is not read"))),
        };
        let base = photometric.samples();
        if samples < base {
            return Err(format_error("the TIFF has fewer samples per pixel than its colours need"));
        }
        if matches!(photometric, Photometric::Palette(_)) && bits == 16 {
            return Err(unsupported("16-bit palette TIFF images are not read"));
        }
        let extra = r.uints(dir, tag::EXTRA_SAMPLES)?.unwrap_or_default();
        let alpha = match (samples > base, extra.first()) {
            (true, Some(1)) => Alpha::Premultiplied,
            (true, Some(2)) => Alpha::Straight,
            _ => Alpha::None,
        };
        let planar = r.uint(dir, tag::PLANAR_CONFIGURATION, Some(1))? == 2 && samples > 1;
        let predictor = match r.uint(dir, tag::PREDICTOR, Some(1))? {
            1 => false,
            2 => true,
            p => return Err(unsupported(format!("TIFF predictor {p} is not read"))),
        };
        let tiled = r.uints(dir, tag::TILE_WIDTH)?.is_some();
        let (chunk_w, chunk_h, offsets, counts) = if tiled {
            let tw = r.uint(dir, tag::TILE_WIDTH, None)? as u32;
            let th = r.uint(dir, tag::TILE_LENGTH, None)? as u32;
            let offsets = r.uints(dir, tag::TILE_OFFSETS)?.ok_or_else(|| format_error("a tiled TIFF lacks TileOffsets"))?;
            let counts = r.uints(dir, tag::TILE_BYTE_COUNTS)?.ok_or_else(|| format_error("a tiled TIFF lacks TileByteCounts"))?;
            (tw, th, offsets, counts)
        } else {
            let rows = (r.uint(dir, tag::ROWS_PER_STRIP, Some(u64::from(height)))?.min(u64::from(height))) as u32;
            let offsets = r.uints(dir, tag::STRIP_OFFSETS)?.ok_or_else(|| format_error("a TIFF lacks StripOffsets"))?;
            let counts = r.uints(dir, tag::STRIP_BYTE_COUNTS)?.ok_or_else(|| format_error("a TIFF lacks StripByteCounts"))?;
            (width, rows, offsets, counts)
        };
        if chunk_w == 0 || chunk_h == 0 {
            return Err(format_error("the TIFF chunk size is zero"));
        }
        let layout = Layout {
            width,
            height,
            tiled,
            chunk_w,
            chunk_h,
            offsets,
            counts,
            compression,
            photometric,
            bits,
            samples,
            alpha,
            planar,
            predictor,
            jpeg_tables: r.bytes(dir, tag::JPEG_TABLES)?,
            chroma_subsampling: match r.uints(dir, tag::YCBCR_SUBSAMPLING)?.as_deref() {
                Some(&[h, v]) => (h.clamp(1, 4) as u32, v.clamp(1, 4) as u32),
                _ => (2, 2),
            },
            little_endian: r.little_endian(),
        };
        let needed = layout.chunks_per_plane() * if planar { u64::from(samples) } else { 1 };
        if (layout.offsets.len() as u64) < needed || (layout.counts.len() as u64) < needed {
            return Err(format_error("the TIFF has fewer chunk offsets than its chunk grid needs"));
        }
        if compression == Compression::Jpeg && (bits != 8 || planar) {
            return Err(unsupported("JPEG-compressed TIFF is read only with 8-bit interleaved samples"));
        }
        Ok(layout)
    }

    /// What this directory's decoded pixels blend (see `structure::Reach`); `reduced` for a
    /// pyramid level below the full image.
    pub fn reach(&self, reduced: bool) -> Reach {
        // A reduced level was made from the full image by a filter we do not know for files
        // written elsewhere: take it to be Lanczos-3 applied per halving (Casaba's own pyramids,
        // encode/tiff_pyramid.rs, are made exactly so; vips's 2x2 means reach less), which reaches
        // 3 of the new level's pixels each time and so at most 3 + 3/2 + 3/4 + ... < 6 in all,
        // and one more for the rounding of the level's size.
        let made = if reduced { 7 } else { 0 };
        if self.compression != Compression::Jpeg {
            return Reach { made, ..Reach::NONE };
        }
        // Each chunk is a JPEG of its own, coded in MCUs from its corner: 8 pixels times the
        // chroma subsampling the directory states, taken as at least 2 (a 16-pixel grid is also an
        // 8-pixel one, and libtiff, vips and Casaba write 4:2:0 or 4:4:4), and one more pixel for
        // smooth chroma upsampling. Where chunks are not whole MCUs, the MCU grid restarts at
        // each chunk: only lines common to both grids are MCU edges everywhere. The chunks are
        // baseline JPEG in practice; the block smoothing of an incomplete progressive one is
        // not allowed for.
        let (h, v) = self.chroma_subsampling;
        let (mcu_w, mcu_h) = (lcm(16, 8 * h), lcm(16, 8 * v));
        let along = |chunk: u32, mcu: u32| if chunk % mcu == 0 { mcu } else { lcm(chunk, mcu) };
        let grid_w = if self.tiled { along(self.chunk_w, mcu_w) } else { mcu_w };
        Reach { made, grid: (grid_w, along(self.chunk_h, mcu_h)), decoded: 1 }
    }

    pub fn grid(&self) -> (u32, u32) {
        (self.width.div_ceil(self.chunk_w), self.height.div_ceil(self.chunk_h))
    }

    pub fn chunks_per_plane(&self) -> u64 {
        let (cols, rows) = self.grid();
        u64::from(cols) * u64::from(rows)
    }

    /// Channels of the decoded pixels.
    pub fn channels(&self) -> u8 {
        let base = match self.photometric {
            Photometric::Rgb | Photometric::YCbCr | Photometric::Palette(_) | Photometric::Separated => 3,
            _ => 1,
        };
        base + u8::from(self.alpha != Alpha::None)
    }
}

/// The least common multiple, or `u32::MAX` where it is larger (a chunk of billions of pixels
/// claimed by a hostile file: no grid line is common then).
fn lcm(a: u32, b: u32) -> u32 {
    let (mut x, mut y) = (a, b);
    while y != 0 {
        (x, y) = (y, x % y);
    }
    u32::try_from(u64::from(a / x) * u64::from(b)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::lcm;

    #[test]
    fn a_least_common_multiple_beyond_u32_is_u32_max() {
        assert_eq!(lcm(16, 24), 48);
        assert_eq!(lcm(256, 16), 256);
        // A fuzzed TIFF's chunk width (found by decode_tiff): once an overflow.
        assert_eq!(lcm(u32::MAX - 1, 32), u32::MAX);
    }
}

//! A tiled pyramidal TIFF writer: JPEG tiles (each a complete JPEG stream), every level half
//! the one before, down to one tile. What deep-zoom viewers read fastest.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::encode::jpeg;
use crate::encode::tiff_ifd::{self, compression, photometric, position, tag, Entry};
use crate::errors::{format_error, Result};
use crate::limits::Limits;
use crate::ops::resize::{resize, Filter, SourceBox};
use crate::pixels::Pixels;

struct LevelOut {
    width: u32,
    height: u32,
    channels: u8,
    offsets: Vec<u32>,
    counts: Vec<u32>,
}

/// `tile` x `tile` pixels of `p` at (`x`, `y`), edges padded by repeating the last row and column.
fn tile_at(p: &Pixels, x: u32, y: u32, tile: u32) -> Pixels {
    let c = p.channels as usize;
    let mut data = Vec::with_capacity(tile as usize * tile as usize * c);
    for ty in 0..tile {
        let sy = (y + ty).min(p.height - 1) as usize;
        for tx in 0..tile {
            let sx = (x + tx).min(p.width - 1) as usize;
            let o = (sy * p.width as usize + sx) * c;
            data.extend_from_slice(&p.data[o..o + c]);
        }
    }
    Pixels { width: tile, height: tile, channels: p.channels, data }
}

/// Write `pixels` (gray or RGB) as a pyramid to `path`.
pub fn write(path: &Path, pixels: Pixels, tile: u32, quality: u8, icc: Option<&[u8]>, limits: &Limits) -> Result<()> {
    if !matches!(pixels.channels, 1 | 3) || pixels.width == 0 || pixels.height == 0 || tile == 0 || tile % 16 != 0 {
        return Err(format_error("a pyramid needs gray or RGB pixels, at least one, and a tile size that is a multiple of 16"));
    }
    let mut w = BufWriter::new(File::create(path)?);
    tiff_ifd::write_header(&mut w)?;
    let mut levels = Vec::new();
    let mut current = pixels;
    loop {
        let (cols, rows) = (current.width.div_ceil(tile), current.height.div_ceil(tile));
        let mut out = LevelOut { width: current.width, height: current.height, channels: current.channels, offsets: vec![], counts: vec![] };
        for row in 0..rows {
            for col in 0..cols {
                let bytes = jpeg::encode(&tile_at(&current, col * tile, row * tile, tile), quality, false, None)?;
                out.offsets.push(position(&mut w)?);
                out.counts.push(bytes.len() as u32);
                w.write_all(&bytes)?;
            }
        }
        levels.push(out);
        if current.width <= tile && current.height <= tile {
            break;
        }
        let (nw, nh) = (current.width.div_ceil(2), current.height.div_ceil(2));
        let area = SourceBox { left: 0.0, top: 0.0, width: f64::from(current.width), height: f64::from(current.height) };
        current = resize(&current, area, nw, nh, Filter::Lanczos3, limits)?;
    }
    let mut directories = Vec::new();
    for (i, l) in levels.iter().enumerate() {
        let color = l.channels == 3;
        let mut entries = vec![
            Entry::long(tag::NEW_SUBFILE_TYPE, &[u32::from(i > 0)]),
            Entry::long(tag::IMAGE_WIDTH, &[l.width]),
            Entry::long(tag::IMAGE_LENGTH, &[l.height]),
            Entry::short(tag::BITS_PER_SAMPLE, &vec![8; l.channels as usize]),
            Entry::short(tag::COMPRESSION, &[compression::JPEG]),
            Entry::short(tag::PHOTOMETRIC_INTERPRETATION, &[if color { photometric::YCBCR } else { photometric::MIN_IS_BLACK }]),
            Entry::short(tag::SAMPLES_PER_PIXEL, &[u16::from(l.channels)]),
            Entry::short(tag::PLANAR_CONFIGURATION, &[1]),
            Entry::long(tag::TILE_WIDTH, &[tile]),
            Entry::long(tag::TILE_LENGTH, &[tile]),
            Entry::long(tag::TILE_OFFSETS, &l.offsets),
            Entry::long(tag::TILE_BYTE_COUNTS, &l.counts),
        ];
        if color {
            entries.push(Entry::short(tag::YCBCR_SUBSAMPLING, &[2, 2]));
        }
        if let Some(profile) = icc.filter(|_| i == 0) {
            entries.push(Entry::undefined(tag::ICC_PROFILE, profile));
        }
        directories.push(tiff_ifd::write_directory(&mut w, entries)?);
    }
    tiff_ifd::link(&mut w, &directories)?;
    w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(())
}

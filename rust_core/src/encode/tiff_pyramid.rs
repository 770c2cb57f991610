//! A tiled pyramidal TIFF writer: JPEG tiles (each a complete JPEG stream), every level half
//! the one before, down to one tile. What deep-zoom viewers read fastest.
//!
//! The image is taken a band of rows at a time, and every level keeps only the rows that its
//! next row of tiles and the next level's resampling still need, so memory grows with the
//! image's width, not its height. A level is resampled from the one above it band by band
//! with the rows around each band at hand, as it would be whole (but for rounding).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::encode::jpeg;
use crate::encode::tiff_ifd::{self, compression, photometric, position, tag, Entry};
use crate::errors::{format_error, Result};
use crate::limits::Limits;
use crate::ops::resize::{resize, Filter, SourceBox};
use crate::pixels::Pixels;

/// The filter that halves a level into the next.
const FILTER: Filter = Filter::Lanczos3;
/// Rows of the level above kept on either side of the rows a band of the next level is
/// resampled from, in units of the scale between them: Lanczos3 reaches 3, and one more
/// leaves room for rounding.
const REACH: f64 = 4.0;

/// Pixels read at a time by default: 48 MiB of RGB.
pub const BAND_PIXELS: u64 = 1 << 24;

/// One level being written: its rows from `top` on that are still needed, and its tiles so far.
struct Level {
    width: u32,
    height: u32,
    rows: Pixels,
    top: u32,
    /// Rows already written as tiles.
    tiled: u32,
    /// Rows of the next level already resampled from this one.
    halved: u32,
    offsets: Vec<u32>,
    counts: Vec<u32>,
}

impl Level {
    fn new(width: u32, height: u32, channels: u8) -> Level {
        let rows = Pixels { width, height: 0, channels, data: Vec::new() };
        Level { width, height, rows, top: 0, tiled: 0, halved: 0, offsets: Vec::new(), counts: Vec::new() }
    }

    /// The row after the last one held.
    fn end(&self) -> u32 {
        self.top + self.rows.height
    }

    /// Drop the rows before `row`.
    fn forget_before(&mut self, row: u32) {
        let n = row.saturating_sub(self.top).min(self.rows.height);
        self.rows.data.drain(..n as usize * self.rows.row_len());
        self.rows.height -= n;
        self.top += n;
    }

    /// Encode and write every row of tiles whose rows are all held.
    fn write_tiles(&mut self, w: &mut BufWriter<File>, tile: u32, quality: u8) -> Result<()> {
        while self.tiled < self.height {
            let next = self.tiled.saturating_add(tile).min(self.height);
            if next > self.end() {
                break;
            }
            for col in 0..self.width.div_ceil(tile) {
                let bytes = jpeg::encode(&tile_at(&self.rows, col * tile, self.tiled - self.top, tile), quality, false, None)?;
                self.offsets.push(position(w)?);
                self.counts.push(bytes.len() as u32);
                w.write_all(&bytes)?;
            }
            self.tiled = next;
        }
        Ok(())
    }

    /// The next level's rows that the rows held now make, from `halved` on, if any.
    fn halve(&mut self, next: (u32, u32), limits: &Limits) -> Result<Option<Pixels>> {
        let scale = f64::from(self.height) / f64::from(next.1);
        let upto = if self.end() == self.height {
            next.1
        } else {
            // Row y of the next level is resampled from rows up to (y + 0.5 + REACH) * scale.
            ((f64::from(self.end()) / scale - REACH).floor().max(0.0) as u32).min(next.1)
        };
        if upto <= self.halved {
            return Ok(None);
        }
        let top = f64::from(self.top);
        let from = f64::from(self.halved) * scale - top;
        let to = (f64::from(upto) * scale).min(f64::from(self.height)) - top;
        let area = SourceBox { left: 0.0, top: 0.0, width: f64::from(self.width), height: 0.0 }.rows(from, to);
        let band = resize(&self.rows, area, next.0, upto - self.halved, FILTER, limits)?;
        self.halved = upto;
        Ok(Some(band))
    }

    /// The first row still needed: by the next row of tiles, and by the next level's next band.
    fn needed_from(&self, last: bool) -> u32 {
        if last {
            return self.tiled;
        }
        let scale = f64::from(self.height) / f64::from(self.height.div_ceil(2));
        let reach = (f64::from(self.halved) - REACH) * scale;
        self.tiled.min(reach.floor().max(0.0) as u32)
    }
}

/// `tile` x `tile` pixels of `p` at (`x`, `y`), edges padded by repeating the last row and column.
fn tile_at(p: &Pixels, x: u32, y: u32, tile: u32) -> Pixels {
    let c = p.channels as usize;
    let inside = (p.width - x).min(tile) as usize * c;
    let mut data = Vec::with_capacity(tile as usize * tile as usize * c);
    for ty in 0..tile {
        let row = (y + ty).min(p.height - 1) as usize * p.row_len() + x as usize * c;
        let row = &p.data[row..row + inside];
        data.extend_from_slice(row);
        let last = &row[inside - c..];
        for _ in inside / c..tile as usize {
            data.extend_from_slice(last);
        }
    }
    Pixels { width: tile, height: tile, channels: p.channels, data }
}

/// Hand `band` (the next rows of level `i`) to that level: write the tiles it completes, and
/// pass what it lets be resampled on to the next level.
fn feed(levels: &mut [Level], i: usize, band: Pixels, w: &mut BufWriter<File>, tile: u32, quality: u8, limits: &Limits) -> Result<()> {
    let (level, below) = levels[i..].split_first_mut().expect("a level to feed");
    level.rows.append_rows(&band);
    level.write_tiles(w, tile, quality)?;
    if let Some(next) = below.first() {
        if let Some(half) = level.halve((next.width, next.height), limits)? {
            feed(levels, i + 1, half, w, tile, quality, limits)?;
        }
    }
    let last = i + 1 == levels.len();
    let level = &mut levels[i];
    level.forget_before(level.needed_from(last));
    Ok(())
}

/// Write a `width` x `height` image of `channels` (gray or RGB) as a pyramid to `path`, reading
/// it top to bottom with `rows(top, bottom)`: whole rows of tiles making about `band_pixels`
/// pixels at a time (at least one row of tiles), or the whole image at once with `None`.
#[allow(clippy::too_many_arguments)]
pub fn write(
    path: &Path,
    (width, height, channels): (u32, u32, u8),
    band_pixels: Option<u64>,
    mut rows: impl FnMut(u32, u32) -> Result<Pixels>,
    tile: u32,
    quality: u8,
    icc: Option<&[u8]>,
    limits: &Limits,
) -> Result<()> {
    if !matches!(channels, 1 | 3) || width == 0 || height == 0 || tile == 0 || tile % 16 != 0 {
        return Err(format_error("a pyramid needs gray or RGB pixels, at least one, and a tile size that is a multiple of 16"));
    }
    let tile_rows = |pixels: u64| (pixels / u64::from(width) / u64::from(tile)).max(1);
    let band = band_pixels.map_or(height, |pixels| (tile_rows(pixels) * u64::from(tile)).min(u64::from(height)) as u32);
    let mut levels = vec![Level::new(width, height, channels)];
    while let Some(l) = levels.last().filter(|l| l.width > tile || l.height > tile) {
        let (w, h) = (l.width.div_ceil(2), l.height.div_ceil(2));
        levels.push(Level::new(w, h, channels));
    }
    let mut w = BufWriter::new(File::create(path)?);
    tiff_ifd::write_header(&mut w)?;
    let mut top = 0;
    while top < height {
        let bottom = top.saturating_add(band).min(height);
        let pixels = rows(top, bottom)?;
        if (pixels.width, pixels.height, pixels.channels) != (width, bottom - top, channels) {
            return Err(format_error(format!(
                "rows {top} to {bottom} of the image read as {}x{} pixels of {} channel(s), not {width}x{} of {channels}",
                pixels.width,
                pixels.height,
                pixels.channels,
                bottom - top
            )));
        }
        feed(&mut levels, 0, pixels, &mut w, tile, quality, limits)?;
        top = bottom;
    }
    let mut directories = Vec::new();
    for (i, l) in levels.iter().enumerate() {
        let color = channels == 3;
        let mut entries = vec![
            Entry::long(tag::NEW_SUBFILE_TYPE, &[u32::from(i > 0)]),
            Entry::long(tag::IMAGE_WIDTH, &[l.width]),
            Entry::long(tag::IMAGE_LENGTH, &[l.height]),
            Entry::short(tag::BITS_PER_SAMPLE, &vec![8; channels as usize]),
            Entry::short(tag::COMPRESSION, &[compression::JPEG]),
            Entry::short(tag::PHOTOMETRIC_INTERPRETATION, &[if color { photometric::YCBCR } else { photometric::MIN_IS_BLACK }]),
            Entry::short(tag::SAMPLES_PER_PIXEL, &[u16::from(channels)]),
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

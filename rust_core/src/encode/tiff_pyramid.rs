//! A tiled pyramidal TIFF writer: JPEG tiles (each a complete JPEG stream), every level half
//! the one before, down to one tile. What deep-zoom viewers read fastest.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use crate::encode::jpeg;
use crate::errors::{format_error, Result};
use crate::limits::Limits;
use crate::ops::resize::{resize, SourceBox};
use crate::pixels::Pixels;

const SHORT: u16 = 3;
const LONG: u16 = 4;

struct Entry {
    tag: u16,
    kind: u16,
    values: Vec<u32>,
}

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

fn position<W: Seek>(w: &mut W) -> Result<u32> {
    u32::try_from(w.stream_position()?).map_err(|_| format_error("the pyramid is too large for a classic TIFF"))
}

/// Write `pixels` (gray or RGB) as a pyramid to `path`.
pub fn write(path: &Path, pixels: Pixels, tile: u32, quality: u8, limits: &Limits) -> Result<()> {
    if !matches!(pixels.channels, 1 | 3) || pixels.width == 0 || pixels.height == 0 || tile == 0 || tile % 16 != 0 {
        return Err(format_error("a pyramid needs gray or RGB pixels, at least one, and a tile size that is a multiple of 16"));
    }
    let mut w = BufWriter::new(File::create(path)?);
    w.write_all(b"II*\0\0\0\0\0")?;
    let mut levels = Vec::new();
    let mut current = pixels;
    loop {
        let (cols, rows) = (current.width.div_ceil(tile), current.height.div_ceil(tile));
        let mut out = LevelOut { width: current.width, height: current.height, channels: current.channels, offsets: vec![], counts: vec![] };
        for row in 0..rows {
            for col in 0..cols {
                let bytes = jpeg::encode(&tile_at(&current, col * tile, row * tile, tile), quality)?;
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
        current = resize(&current, area, nw, nh, limits)?;
    }
    let mut ifd_offsets = Vec::new();
    let mut next_fields = Vec::new();
    for (i, l) in levels.iter().enumerate() {
        let color = l.channels == 3;
        let mut entries = vec![
            Entry { tag: 254, kind: LONG, values: vec![u32::from(i > 0)] },
            Entry { tag: 256, kind: LONG, values: vec![l.width] },
            Entry { tag: 257, kind: LONG, values: vec![l.height] },
            Entry { tag: 258, kind: SHORT, values: vec![8; l.channels as usize] },
            Entry { tag: 259, kind: SHORT, values: vec![7] },
            Entry { tag: 262, kind: SHORT, values: vec![if color { 6 } else { 1 }] },
            Entry { tag: 277, kind: SHORT, values: vec![u32::from(l.channels)] },
            Entry { tag: 284, kind: SHORT, values: vec![1] },
            Entry { tag: 322, kind: LONG, values: vec![tile] },
            Entry { tag: 323, kind: LONG, values: vec![tile] },
            Entry { tag: 324, kind: LONG, values: l.offsets.clone() },
            Entry { tag: 325, kind: LONG, values: l.counts.clone() },
        ];
        if color {
            entries.push(Entry { tag: 530, kind: SHORT, values: vec![2, 2] });
        }
        // Values that do not fit in an entry go first, each at a word boundary.
        let mut out_of_line = Vec::new();
        for e in &entries {
            let size = if e.kind == SHORT { 2 } else { 4 } * e.values.len();
            if size > 4 {
                if position(&mut w)? % 2 == 1 {
                    w.write_all(&[0])?;
                }
                out_of_line.push(Some(position(&mut w)?));
                write_values(&mut w, e)?;
            } else {
                out_of_line.push(None);
            }
        }
        if position(&mut w)? % 2 == 1 {
            w.write_all(&[0])?;
        }
        ifd_offsets.push(position(&mut w)?);
        w.write_all(&(entries.len() as u16).to_le_bytes())?;
        for (e, at) in entries.iter().zip(&out_of_line) {
            w.write_all(&e.tag.to_le_bytes())?;
            w.write_all(&e.kind.to_le_bytes())?;
            w.write_all(&(e.values.len() as u32).to_le_bytes())?;
            match at {
                Some(offset) => w.write_all(&offset.to_le_bytes())?,
                None => {
                    let mut inline = Vec::new();
                    write_values(&mut inline, e)?;
                    inline.resize(4, 0);
                    w.write_all(&inline)?;
                }
            }
        }
        next_fields.push(position(&mut w)?);
        w.write_all(&0u32.to_le_bytes())?;
    }
    w.seek(SeekFrom::Start(4))?;
    w.write_all(&ifd_offsets[0].to_le_bytes())?;
    for (field, next) in next_fields.iter().zip(ifd_offsets.iter().skip(1)) {
        w.seek(SeekFrom::Start(u64::from(*field)))?;
        w.write_all(&next.to_le_bytes())?;
    }
    w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(())
}

fn write_values(w: &mut impl Write, e: &Entry) -> Result<()> {
    for &v in &e.values {
        if e.kind == SHORT {
            w.write_all(&(v as u16).to_le_bytes())?;
        } else {
            w.write_all(&v.to_le_bytes())?;
        }
    }
    Ok(())
}

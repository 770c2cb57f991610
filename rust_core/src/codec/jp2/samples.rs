//! OpenJPEG's decoded components (32-bit planes of any precision, signed or not) as 8-bit
//! interleaved pixels, the way the other codecs reduce samples: the high byte of deeper
//! samples, shallower ones scaled to the full 0-255 range. Subsampled components (chroma)
//! are widened to the image's size by repeating samples, as Pillow does.

use crate::codec::jp2::openjpeg::Plane;
use crate::errors::{format_error, unsupported, Result};
use crate::pixels::Pixels;

/// One plane as 8-bit samples.
fn to_u8(plane: &Plane<'_>) -> Result<Vec<u8>> {
    let p = plane.precision;
    if !(1..=16).contains(&p) {
        return Err(unsupported(format!("{p}-bit JPEG 2000 samples are not read")));
    }
    let max = (1i32 << p) - 1;
    // Samples lie within the precision's range, give or take the overshoot of lossy coding,
    // so the sum cannot overflow; wrapping keeps the loop free of checks.
    let offset = if plane.signed { 1i32 << (p - 1) } else { 0 };
    let mut out = vec![0u8; plane.data.len()];
    if p >= 8 {
        let shift = p - 8;
        for (o, &v) in out.iter_mut().zip(plane.data) {
            *o = (v.wrapping_add(offset).clamp(0, max) >> shift) as u8;
        }
    } else {
        let table: Vec<u8> = (0..=max).map(|v| ((v * 255 + max / 2) / max) as u8).collect();
        for (o, &v) in out.iter_mut().zip(plane.data) {
            *o = table[v.wrapping_add(offset).clamp(0, max) as usize];
        }
    }
    Ok(out)
}

/// Where the decoded rectangle lies: its first pixel in the reduced image's own coordinates
/// (the reference grid divided by 2^`reduce`, rounded up), and the area decoded on the grid.
#[derive(Debug, Clone, Copy)]
pub struct Placement {
    pub x: u64,
    pub y: u64,
    pub grid_x0: u64,
    pub grid_y0: u64,
    pub reduce: u32,
}

/// For each of `len` output positions from `first`, the index of the subsampled plane's
/// sample that covers it: the plane starts at `origin` in its own coordinates.
fn nearest(first: u64, len: u32, step: u32, origin: u64, plane_len: u32) -> Vec<usize> {
    let last = u64::from(plane_len.max(1) - 1);
    (0..u64::from(len)).map(|i| ((first + i) / u64::from(step)).saturating_sub(origin).min(last) as usize).collect()
}

/// A subsampled plane's samples at every pixel of `out`.
fn widen(bytes: Vec<u8>, plane: &Plane<'_>, at: Placement, out: &Pixels) -> Result<Vec<u8>> {
    if (plane.dx, plane.dy) == (1, 1) && (plane.width, plane.height) == (out.width, out.height) {
        return Ok(bytes);
    }
    if plane.width == 0 || plane.height == 0 || plane.dx == 0 || plane.dy == 0 {
        return Err(format_error("OpenJPEG decoded an empty JPEG 2000 component"));
    }
    let origin = |grid: u64, step: u32| grid.div_ceil(u64::from(step)).div_ceil(1 << at.reduce);
    let cols = nearest(at.x, out.width, plane.dx, origin(at.grid_x0, plane.dx), plane.width);
    let rows = nearest(at.y, out.height, plane.dy, origin(at.grid_y0, plane.dy), plane.height);
    let w = plane.width as usize;
    let mut wide = Vec::with_capacity(out.width as usize * out.height as usize);
    for &r in &rows {
        let row = &bytes[r * w..(r + 1) * w];
        wide.extend(cols.iter().map(|&c| row[c]));
    }
    Ok(wide)
}

/// Write `planes` into `out`, colour first and alpha last, one channel per plane.
pub fn interleave(planes: &[Plane<'_>], at: Placement, out: &mut Pixels) -> Result<()> {
    let mut ordered: Vec<&Plane<'_>> = planes.iter().filter(|p| !p.alpha).collect();
    ordered.extend(planes.iter().filter(|p| p.alpha));
    let bytes = ordered.into_iter().map(|p| widen(to_u8(p)?, p, at, out)).collect::<Result<Vec<_>>>()?;
    match bytes.as_slice() {
        [g] => out.data.copy_from_slice(g),
        [g, a] => {
            for (px, (g, a)) in out.data.chunks_exact_mut(2).zip(g.iter().zip(a)) {
                px.copy_from_slice(&[*g, *a]);
            }
        }
        [r, g, b] => {
            for (px, ((r, g), b)) in out.data.chunks_exact_mut(3).zip(r.iter().zip(g).zip(b)) {
                px.copy_from_slice(&[*r, *g, *b]);
            }
        }
        [r, g, b, a] => {
            for (px, (((r, g), b), a)) in out.data.chunks_exact_mut(4).zip(r.iter().zip(g).zip(b).zip(a)) {
                px.copy_from_slice(&[*r, *g, *b, *a]);
            }
        }
        _ => return Err(unsupported(format!("JPEG 2000 images of {} channels are not read", bytes.len()))),
    }
    Ok(())
}

/// sYCC (ITU-R BT.601 full range, chroma centred on 128) to sRGB, in place; alpha untouched.
pub fn sycc_to_rgb(out: &mut Pixels) {
    let c = usize::from(out.channels);
    for px in out.data.chunks_exact_mut(c) {
        let y = f32::from(px[0]);
        let cb = f32::from(px[1]) - 128.0;
        let cr = f32::from(px[2]) - 128.0;
        let to_u8 = |v: f32| v.round().clamp(0.0, 255.0) as u8;
        px[0] = to_u8(y + 1.402 * cr);
        px[1] = to_u8(y - 0.344_136 * cb - 0.714_136 * cr);
        px[2] = to_u8(y + 1.772 * cb);
    }
}

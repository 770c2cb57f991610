//! Mirroring and rotation (clockwise, as IIIF means it): exact by multiples of 90 degrees, and
//! by any angle onto a canvas that grows to hold the turned image.

use crate::errors::Result;
use crate::limits::Limits;
use crate::pixels::Pixels;

/// Flip left to right.
pub fn mirror(mut p: Pixels) -> Pixels {
    let c = p.channels as usize;
    let row_len = p.row_len();
    for row in p.data.chunks_exact_mut(row_len) {
        let w = row.len() / c;
        for x in 0..w / 2 {
            let (a, b) = (x * c, (w - 1 - x) * c);
            for k in 0..c {
                row.swap(a + k, b + k);
            }
        }
    }
    p
}

/// Rotate clockwise by `degrees`, one of 0, 90, 180 or 270.
pub fn rotate(p: Pixels, degrees: u32) -> Pixels {
    if degrees == 0 {
        return p;
    }
    let c = p.channels as usize;
    let (w, h) = (p.width as usize, p.height as usize);
    let (nw, nh) = if degrees == 180 { (w, h) } else { (h, w) };
    let mut data = vec![0; p.data.len()];
    for y in 0..h {
        for x in 0..w {
            let (nx, ny) = match degrees {
                90 => (h - 1 - y, x),
                180 => (w - 1 - x, h - 1 - y),
                _ => (y, w - 1 - x),
            };
            let s = (y * w + x) * c;
            let d = (ny * nw + nx) * c;
            data[d..d + c].copy_from_slice(&p.data[s..s + c]);
        }
    }
    Pixels { width: nw as u32, height: nh as u32, channels: p.channels, data }
}

/// Clockwise `degrees` as a number of quarter turns (0–3), when they are one.
pub fn quarter_turns(degrees: f64) -> Option<u32> {
    let quarter = degrees / 90.0;
    ((quarter - quarter.round()).abs() < 1e-9).then(|| quarter.round() as u32 % 4)
}

/// The size of a `w` x `h` image turned clockwise by `degrees`: swapped by an odd number of
/// quarter turns, else the bounding box of the turned image (see `rotate_any`).
pub fn turned_size(w: u32, h: u32, degrees: f64) -> (u32, u32) {
    match quarter_turns(degrees) {
        Some(quarters) if quarters % 2 == 1 => (h, w),
        Some(_) => (w, h),
        None => rotated_size(w, h, degrees),
    }
}

/// The bounding box of a `w` x `h` image turned by `degrees`.
fn rotated_size(w: u32, h: u32, degrees: f64) -> (u32, u32) {
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (w, h) = (f64::from(w), f64::from(h));
    // A hair below the exact size, so that float error never adds a row or column.
    let nw = (w * cos.abs() + h * sin.abs() - 1e-6).ceil().max(1.0);
    let nh = (w * sin.abs() + h * cos.abs() - 1e-6).ceil().max(1.0);
    (nw as u32, nh as u32)
}

/// Rotate clockwise by any angle onto a `canvas`-sized image, centred (the plan gives the
/// canvas: the bounding box of the turned image, `turned_size`). The result always has alpha:
/// the corners the image does not cover are transparent. Sampling is bilinear on premultiplied
/// values, so edges are smooth.
pub fn rotate_any(p: &Pixels, degrees: f64, canvas: (u32, u32), limits: &Limits) -> Result<Pixels> {
    let (nw, nh) = canvas;
    let c = p.channels as usize;
    let colors = if c >= 3 { 3 } else { 1 };
    let has_alpha = c == 2 || c == 4;
    let mut out = Pixels::new(nw, nh, colors as u8 + 1, limits)?;
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (cx, cy) = (f64::from(p.width) / 2.0, f64::from(p.height) / 2.0);
    let (ncx, ncy) = (f64::from(nw) / 2.0, f64::from(nh) / 2.0);
    let (w, h) = (p.width as i64, p.height as i64);
    let out_c = colors + 1;
    for y in 0..nh as usize {
        for x in 0..nw as usize {
            // The source point under this output pixel's centre: the inverse of the turn.
            let dx = x as f64 + 0.5 - ncx;
            let dy = y as f64 + 0.5 - ncy;
            let sx = dx * cos + dy * sin + cx - 0.5;
            let sy = -dx * sin + dy * cos + cy - 0.5;
            let (x0, y0) = (sx.floor(), sy.floor());
            let (fx, fy) = (sx - x0, sy - y0);
            let (x0, y0) = (x0 as i64, y0 as i64);
            let mut sum = [0f64; 3];
            let mut alpha = 0f64;
            for (xx, yy, wt) in [(x0, y0, (1.0 - fx) * (1.0 - fy)), (x0 + 1, y0, fx * (1.0 - fy)), (x0, y0 + 1, (1.0 - fx) * fy), (x0 + 1, y0 + 1, fx * fy)] {
                if xx < 0 || yy < 0 || xx >= w || yy >= h || wt == 0.0 {
                    continue;
                }
                let o = (yy as usize * p.width as usize + xx as usize) * c;
                let a = if has_alpha { f64::from(p.data[o + c - 1]) } else { 255.0 } * wt;
                for (k, s) in sum.iter_mut().take(colors).enumerate() {
                    *s += f64::from(p.data[o + k]) * a;
                }
                alpha += a;
            }
            let d = (y * nw as usize + x) * out_c;
            if alpha > 0.0 {
                for (o, s) in out.data[d..d + colors].iter_mut().zip(&sum) {
                    *o = (s / alpha).round().clamp(0.0, 255.0) as u8;
                }
            }
            out.data[d + colors] = alpha.round().clamp(0.0, 255.0) as u8;
        }
    }
    Ok(out)
}

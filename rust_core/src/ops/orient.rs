//! Mirroring and rotation by multiples of 90 degrees (clockwise, as IIIF means it).

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

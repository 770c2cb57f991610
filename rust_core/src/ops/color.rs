//! Colour steps: gray (Rec. 601 luma), bitonal (a threshold on luma), flattening alpha onto a
//! background for formats without transparency, and gray as RGB for encoders that take only
//! colour.

use std::borrow::Cow;

use crate::pixels::Pixels;

pub(crate) fn luma(r: u8, g: u8, b: u8) -> u8 {
    ((299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b) + 500) / 1000) as u8
}

/// One gray channel (plus alpha, if any) from any input.
pub fn to_gray(p: Pixels) -> Pixels {
    if p.channels <= 2 {
        return p;
    }
    let alpha = p.channels == 4;
    let out_c = if alpha { 2 } else { 1 };
    let mut data = Vec::with_capacity(p.width as usize * p.height as usize * out_c);
    for px in p.data.chunks_exact(p.channels as usize) {
        data.push(luma(px[0], px[1], px[2]));
        if alpha {
            data.push(px[3]);
        }
    }
    Pixels { width: p.width, height: p.height, channels: out_c as u8, data }
}

/// Black or white only: luma at or above the middle is white.
pub fn to_bitonal(p: Pixels) -> Pixels {
    let mut g = to_gray(p);
    let c = g.channels as usize;
    for px in g.data.chunks_exact_mut(c) {
        px[0] = if px[0] >= 128 { 255 } else { 0 };
    }
    g
}

/// Composite over an opaque `background` and drop the alpha channel.
pub fn flatten(p: Pixels, background: [u8; 3]) -> Pixels {
    if !p.has_alpha() {
        return p;
    }
    let base = p.channels as usize - 1;
    let bg = if base == 1 { vec![luma(background[0], background[1], background[2])] } else { background.to_vec() };
    let mut data = Vec::with_capacity(p.width as usize * p.height as usize * base);
    for px in p.data.chunks_exact(p.channels as usize) {
        let a = u32::from(px[base]);
        for k in 0..base {
            data.push(((u32::from(px[k]) * a + u32::from(bg[k]) * (255 - a) + 127) / 255) as u8);
        }
    }
    Pixels { width: p.width, height: p.height, channels: base as u8, data }
}

/// Gray as RGB and gray + alpha as RGBA; colour as it is.
pub fn to_rgb(p: &Pixels) -> Cow<'_, Pixels> {
    if p.channels >= 3 {
        return Cow::Borrowed(p);
    }
    let alpha = p.has_alpha();
    let c = p.channels as usize;
    let mut data = Vec::with_capacity(p.width as usize * p.height as usize * (c + 2));
    for px in p.data.chunks_exact(c) {
        data.extend_from_slice(&[px[0], px[0], px[0]]);
        if alpha {
            data.push(px[1]);
        }
    }
    Cow::Owned(Pixels { width: p.width, height: p.height, channels: p.channels + 2, data })
}

//! GIF, one frame. Gray goes through a palette of every gray, so exactly; colour through an
//! exact palette when it has few enough colours, else one of NeuQuant's. GIF transparency is on
//! or off for each pixel: alpha below half is transparent, the rest opaque, and a transparent
//! pixel gets a palette entry of its own.

use std::collections::HashMap;

use color_quant::NeuQuant;
use gif::{Encoder, Frame};

use crate::errors::{format_error, unsupported, Result};
use crate::pixels::Pixels;

pub const MAX_SIDE: u32 = u16::MAX as u32;

/// NeuQuant's sampling factor (1 best, 30 fastest). At 30 it learns from one pixel in 30 in a
/// third of the time of its usual 10, and its colours are as close (mean error 0.75 vs 0.73
/// levels on a photographic tile).
const SPEED: i32 = 30;

/// Encode `p`; with `bilevel`, a gray image of only 0 and 255 gets a two-colour palette.
pub fn encode(p: &Pixels, bilevel: bool) -> Result<Vec<u8>> {
    let (Ok(width), Ok(height)) = (u16::try_from(p.width), u16::try_from(p.height)) else {
        return Err(unsupported(format!("GIF images are at most {MAX_SIDE} pixels wide and high")));
    };
    let (indices, mut palette, transparent) = match p.channels {
        1 | 2 if bilevel => paletted(p, 2, |px| u8::from(px[0] >= 128), vec![0, 0, 0, 255, 255, 255]),
        1 | 2 => gray(p),
        _ => colour(p),
    };
    // GIF tables hold a power of two entries, at least two.
    palette.resize((palette.len() / 3).max(2).next_power_of_two() * 3, 0);
    let frame = Frame { width, height, buffer: indices.into(), transparent, ..Frame::default() };
    let err = |e: gif::EncodingError| format_error(format!("GIF encoding failed: {e}"));
    let mut out = Vec::new();
    let mut encoder = Encoder::new(&mut out, width, height, &palette).map_err(err)?;
    encoder.write_frame(&frame).map_err(err)?;
    encoder.into_inner().map_err(err)?;
    Ok(out)
}

/// Whether a pixel of gray + alpha or RGBA counts as transparent (never one without alpha).
fn is_transparent(px: &[u8]) -> bool {
    matches!(px.len(), 2 | 4) && px[px.len() - 1] < 128
}

/// Indices through `index`, with the entry after `palette`'s `colours` for transparent
/// pixels when there are any.
fn paletted(p: &Pixels, colours: usize, index: impl Fn(&[u8]) -> u8, mut palette: Vec<u8>) -> (Vec<u8>, Vec<u8>, Option<u8>) {
    let c = p.channels as usize;
    let transparent = p.data.chunks_exact(c).any(is_transparent).then_some(colours as u8);
    let indices = match transparent {
        Some(t) => p.data.chunks_exact(c).map(|px| if is_transparent(px) { t } else { index(px) }).collect(),
        None => p.data.chunks_exact(c).map(index).collect(),
    };
    if transparent.is_some() {
        palette.resize((colours + 1) * 3, 0);
    }
    (indices, palette, transparent)
}

/// Every gray its own entry. With transparency, the least used gray gives its entry up and
/// its pixels take the nearest gray in use.
fn gray(p: &Pixels) -> (Vec<u8>, Vec<u8>, Option<u8>) {
    let c = p.channels as usize;
    let palette: Vec<u8> = (0..=255).flat_map(|v| [v, v, v]).collect();
    if !p.data.chunks_exact(c).any(is_transparent) {
        return (p.data.chunks_exact(c).map(|px| px[0]).collect(), palette, None);
    }
    let mut counts = [0u64; 256];
    for px in p.data.chunks_exact(c).filter(|px| !is_transparent(px)) {
        counts[px[0] as usize] += 1;
    }
    let free = (0..=255u8).min_by_key(|&v| counts[v as usize]).unwrap_or(0);
    let nearest = if free == 255 || (free > 0 && counts[free as usize - 1] >= counts[free as usize + 1]) { free - 1 } else { free + 1 };
    let indices = p
        .data
        .chunks_exact(c)
        .map(|px| match px[0] {
            _ if is_transparent(px) => free,
            v if v == free => nearest,
            v => v,
        })
        .collect();
    (indices, palette, Some(free))
}

/// RGB or RGBA: the opaque pixels' colours exactly when there are few enough, else NeuQuant's
/// palette learned from the opaque pixels alone (so no opaque colour maps to the transparent entry).
fn colour(p: &Pixels) -> (Vec<u8>, Vec<u8>, Option<u8>) {
    let c = p.channels as usize;
    let colours = if p.data.chunks_exact(c).any(is_transparent) { 255 } else { 256 };
    let opaque = || p.data.chunks_exact(c).filter(|px| !is_transparent(px));
    if let Some(exact) = distinct_colours(opaque(), colours) {
        let mut palette = vec![0; exact.len() * 3];
        for (rgb, &i) in &exact {
            palette[i as usize * 3..i as usize * 3 + 3].copy_from_slice(rgb);
        }
        return paletted(p, exact.len(), |px| exact[&[px[0], px[1], px[2]]], palette);
    }
    let samples: Vec<u8> = opaque().flat_map(|px| [px[0], px[1], px[2], 255]).collect();
    let quant = NeuQuant::new(SPEED, colours, &samples);
    paletted(p, colours, |px| quant.index_of(&[px[0], px[1], px[2], 255]) as u8, quant.color_map_rgb())
}

/// Each distinct colour and its index, or None when there are more than `most`.
fn distinct_colours<'a>(pixels: impl Iterator<Item = &'a [u8]>, most: usize) -> Option<HashMap<[u8; 3], u8>> {
    let mut found = HashMap::new();
    for px in pixels {
        let next = found.len();
        found.entry([px[0], px[1], px[2]]).or_insert(next as u8);
        if found.len() > most {
            return None;
        }
    }
    Some(found)
}

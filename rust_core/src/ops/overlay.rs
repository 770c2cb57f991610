//! Overlays drawn on the output after every geometric step: an image (a logo, its alpha kept)
//! or a string's label (`text`), composited "over" the pixels at a `Position`, as Cantaloupe
//! places them.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use crate::errors::Result;
use crate::limits::Limits;
use crate::ops::color::to_rgb;
use crate::ops::position::Position;
use crate::ops::resize::{self, Filter, SourceBox};
use crate::ops::text::{self, Label, TextStyle};
use crate::pixels::Pixels;

/// What an overlay draws.
#[derive(Debug)]
pub enum Mark {
    /// RGBA pixels.
    Image(Arc<Pixels>),
    /// Lines separated by '\n', laid out for each size of output (the size shrinks to fit, or the
    /// lines are wrapped to the width).
    Text { text: String, style: TextStyle, labels: Labels },
}

/// The labels drawn for the last few sizes of output: a viewer asks for tile after tile of one
/// size, and laying out and drawing the text costs more than compositing it.
#[derive(Debug, Default)]
pub struct Labels(Mutex<VecDeque<(Canvas, Option<Arc<Label>>)>>);

/// The size of an output.
type Canvas = (u32, u32);

const LABEL_SIZES: usize = 8;

impl Labels {
    fn get(&self, canvas: Canvas, make: impl FnOnce() -> Option<Label>) -> Option<Arc<Label>> {
        let found = self.0.lock().expect("labels").iter().find(|(size, _)| *size == canvas).map(|(_, l)| l.clone());
        if let Some(label) = found {
            return label;
        }
        let label = make().map(Arc::new);
        let mut kept = self.0.lock().expect("labels");
        if kept.len() == LABEL_SIZES {
            kept.pop_front();
        }
        kept.push_back((canvas, label.clone()));
        label
    }
}

#[derive(Debug)]
pub struct Overlay {
    pub mark: Mark,
    pub position: Position,
    /// Pixels between the overlay and the edge it keeps to (not for `Repeat`).
    pub inset: u32,
    /// Outputs narrower or shorter than this get no overlay.
    pub min_output: (u32, u32),
}

impl Overlay {
    /// An image overlay of any pixels, kept as RGBA.
    pub fn image(pixels: Pixels, position: Position, inset: u32, min_output: (u32, u32)) -> Overlay {
        let rgba = with_alpha(&to_rgb(&pixels));
        Overlay { mark: Mark::Image(Arc::new(rgba)), position, inset, min_output }
    }

    pub fn text(text: String, style: TextStyle, position: Position, inset: u32, min_output: (u32, u32)) -> Overlay {
        Overlay { mark: Mark::Text { text, style, labels: Labels::default() }, position, inset, min_output }
    }

    /// Whether it is drawn on an output of this size.
    pub fn applies(&self, output: (u32, u32)) -> bool {
        output.0 >= self.min_output.0 && output.1 >= self.min_output.1
    }

    /// Whether it draws anything that is not gray, so that a gray image under it becomes colour.
    pub fn colourful(&self) -> bool {
        match &self.mark {
            Mark::Image(p) => p.data.chunks_exact(4).any(|px| px[3] > 0 && (px[0] != px[1] || px[1] != px[2])),
            Mark::Text { style, .. } => {
                let seen = |c: [u8; 4]| c[3] > 0 && (c[0] != c[1] || c[1] != c[2]);
                seen(style.color) || seen(style.background) || (style.stroke_width > 0.0 && seen(style.stroke_color))
            }
        }
    }
}

/// RGB as RGBA, opaque; RGBA as it is.
fn with_alpha(p: &Pixels) -> Pixels {
    if p.channels == 4 {
        return p.clone();
    }
    let mut data = Vec::with_capacity(p.width as usize * p.height as usize * 4);
    for px in p.data.chunks_exact(3) {
        data.extend_from_slice(&[px[0], px[1], px[2], 255]);
    }
    Pixels { width: p.width, height: p.height, channels: 4, data }
}

/// `p` with `overlay` drawn on it; a gray image under a colourful overlay becomes colour.
pub fn draw(p: Pixels, overlay: &Overlay, limits: &Limits) -> Result<Pixels> {
    let canvas = (p.width, p.height);
    draw_band(p, overlay, canvas, 0, limits)
}

/// `band`, the rows from `top` of an output of size `canvas`, with the part of `overlay` that
/// falls on them drawn: an output drawn band by band is the output drawn whole.
pub fn draw_band(band: Pixels, overlay: &Overlay, canvas: (u32, u32), top: u32, limits: &Limits) -> Result<Pixels> {
    let mut p = if band.channels < 3 && overlay.colourful() { to_rgb(&band).into_owned() } else { band };
    let ((w, h), inset, top) = (canvas, overlay.inset, i64::from(top));
    match (&overlay.mark, overlay.position) {
        (Mark::Image(mark), Position::Repeat) => {
            // Cantaloupe's tiling: from the centre, back by whole tiles to just off the top left.
            let start = |half: u32, step: u32| -> i64 { -(i64::from(step) - i64::from(half) % i64::from(step)) };
            let (x0, y0) = (start(w.div_ceil(2), mark.width), start(h.div_ceil(2), mark.height));
            for y in (y0..i64::from(h)).step_by(mark.height as usize) {
                for x in (x0..i64::from(w)).step_by(mark.width as usize) {
                    composite(&mut p, mark, (x, y - top));
                }
            }
        }
        (Mark::Image(mark), Position::Scaled) => {
            let scaled = fit_inside(mark, w, h, inset, limits)?;
            let centre = |canvas: u32, size: u32| if size < canvas { i64::from((canvas - size).div_ceil(2)) } else { i64::from(inset) };
            composite(&mut p, &scaled, (centre(w, scaled.width), centre(h, scaled.height) - top));
        }
        (Mark::Image(mark), position) => {
            let at = (position.x(w, mark.width, inset), position.y(h, mark.height, inset) - top);
            composite(&mut p, mark, at);
        }
        (Mark::Text { text, style, labels }, position) => {
            if let Some(label) = labels.get((w, h), || text::label(text, style, (w, h), position, inset)) {
                composite(&mut p, &label.pixels, (label.origin.0, label.origin.1 - top));
            }
        }
    }
    Ok(p)
}

/// `mark` scaled, up or down and keeping its shape, to fit inside a `w` x `h` image less `inset`
/// on every side (the whole image when the inset leaves nothing).
fn fit_inside(mark: &Pixels, w: u32, h: u32, inset: u32, limits: &Limits) -> Result<Pixels> {
    let room = |side: u32| side.checked_sub(inset.saturating_mul(2)).filter(|&r| r > 0).unwrap_or(side);
    let (rw, rh) = (f64::from(room(w)), f64::from(room(h)));
    let scale = (rw / f64::from(mark.width)).min(rh / f64::from(mark.height));
    let width = ((f64::from(mark.width) * scale).round() as u32).clamp(1, room(w));
    let height = ((f64::from(mark.height) * scale).round() as u32).clamp(1, room(h));
    if (width, height) == (mark.width, mark.height) {
        return Ok(mark.clone());
    }
    let area = SourceBox { left: 0.0, top: 0.0, width: f64::from(mark.width), height: f64::from(mark.height) };
    resize::resize(mark, area, width, height, Filter::Lanczos3, limits)
}

fn luma(r: u32, g: u32, b: u32) -> u32 {
    (299 * r + 587 * g + 114 * b + 500) / 1000
}

/// `mark` (RGBA) composited over `base` (1–4 channels) with its top-left at `at`, clipped to
/// `base`; a gray base takes the mark's luma.
pub fn composite(base: &mut Pixels, mark: &Pixels, at: (i64, i64)) {
    debug_assert_eq!(mark.channels, 4);
    let x0 = at.0.max(0);
    let y0 = at.1.max(0);
    let x1 = (at.0 + i64::from(mark.width)).min(i64::from(base.width));
    let y1 = (at.1 + i64::from(mark.height)).min(i64::from(base.height));
    if x1 <= x0 || y1 <= y0 {
        return;
    }
    let c = base.channels as usize;
    let colour = c >= 3;
    let alpha = base.has_alpha();
    let row_len = base.row_len();
    for y in y0..y1 {
        let m_row = (y - at.1) as usize * mark.row_len();
        let b_row = y as usize * row_len;
        for x in x0..x1 {
            let m = &mark.data[m_row + (x - at.0) as usize * 4..][..4];
            let a = u32::from(m[3]);
            if a == 0 {
                continue;
            }
            let b = &mut base.data[b_row + x as usize * c..][..c];
            let src: [u32; 3] = if colour { [m[0].into(), m[1].into(), m[2].into()] } else { [luma(m[0].into(), m[1].into(), m[2].into()); 3] };
            let n = if colour { 3 } else { 1 };
            if alpha {
                // Porter-Duff "over" onto a base that may itself be transparent.
                let ba = u32::from(b[c - 1]);
                let out_a = a * 255 + ba * (255 - a); // alpha x 255
                for k in 0..n {
                    let v = (src[k] * a * 255 + u32::from(b[k]) * ba * (255 - a) + out_a / 2) / out_a;
                    b[k] = v as u8;
                }
                b[c - 1] = ((out_a + 127) / 255) as u8;
            } else {
                for k in 0..n {
                    b[k] = ((src[k] * a + u32::from(b[k]) * (255 - a) + 127) / 255) as u8;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::text::Font;

    fn solid(w: u32, h: u32, channels: u8, value: &[u8]) -> Pixels {
        Pixels::from_vec(w, h, channels, value.repeat(w as usize * h as usize)).unwrap()
    }

    fn at(p: &Pixels, x: u32, y: u32) -> &[u8] {
        let c = p.channels as usize;
        &p.data[(y * p.width + x) as usize * c..][..c]
    }

    #[test]
    fn an_opaque_mark_replaces_and_a_transparent_one_leaves() {
        let mut base = solid(10, 10, 3, &[0, 0, 255]);
        let mut mark = solid(2, 2, 4, &[255, 0, 0, 255]);
        mark.data[3] = 0; // its top-left pixel is transparent
        composite(&mut base, &mark, (4, 4));
        assert_eq!(at(&base, 4, 4), [0, 0, 255]);
        assert_eq!(at(&base, 5, 5), [255, 0, 0]);
        assert_eq!(at(&base, 6, 6), [0, 0, 255]);
    }

    #[test]
    fn half_alpha_blends_and_a_transparent_base_takes_the_mark() {
        let mut base = solid(2, 1, 3, &[0, 0, 0]);
        composite(&mut base, &solid(1, 1, 4, &[255, 255, 255, 128]), (0, 0));
        assert_eq!(at(&base, 0, 0), [128, 128, 128]);
        let mut clear = solid(1, 1, 4, &[0, 0, 0, 0]);
        composite(&mut clear, &solid(1, 1, 4, &[200, 100, 50, 128]), (0, 0));
        assert_eq!(at(&clear, 0, 0), [200, 100, 50, 128]);
    }

    #[test]
    fn marks_off_the_edge_are_clipped() {
        let mut base = solid(4, 4, 1, &[0]);
        composite(&mut base, &solid(3, 3, 4, &[255, 255, 255, 255]), (-2, 2));
        assert_eq!(base.data, [0, 0, 0, 0, 0, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0]);
        composite(&mut base, &solid(3, 3, 4, &[255, 255, 255, 255]), (10, 10));
    }

    #[test]
    fn positions_keep_the_inset() {
        let overlay = Overlay::image(solid(2, 2, 3, &[255, 255, 255]), Position::BottomRight, 1, (0, 0));
        let p = draw(solid(6, 5, 1, &[0]), &overlay, &Limits::default()).unwrap();
        assert_eq!(p.channels, 1, "a gray mark keeps a gray image gray");
        assert_eq!((at(&p, 3, 2), at(&p, 4, 3), at(&p, 5, 4), at(&p, 2, 2)), (&[255][..], &[255][..], &[0][..], &[0][..]));
    }

    #[test]
    fn a_colourful_mark_makes_a_gray_image_colour() {
        let overlay = Overlay::image(solid(1, 1, 3, &[255, 0, 0]), Position::TopLeft, 0, (0, 0));
        let p = draw(solid(3, 3, 1, &[9]), &overlay, &Limits::default()).unwrap();
        assert_eq!((p.channels, at(&p, 0, 0), at(&p, 1, 1)), (3, &[255, 0, 0][..], &[9, 9, 9][..]));
    }

    #[test]
    fn repeat_covers_the_image_from_a_tile_at_its_centre() {
        let mut mark = solid(3, 3, 4, &[0, 0, 0, 0]);
        mark.data[..4].copy_from_slice(&[255, 255, 255, 255]); // a dot at each tile's top left
        let overlay = Overlay::image(mark, Position::Repeat, 50, (0, 0));
        let p = draw(solid(10, 7, 1, &[0]), &overlay, &Limits::default()).unwrap();
        // Centre (5, 4) rounded up as Java's Math.round; tiles start at 5 - 3k and 4 - 3k.
        let dots: Vec<(u32, u32)> = (0..7).flat_map(|y| (0..10).map(move |x| (x, y))).filter(|&(x, y)| at(&p, x, y)[0] == 255).collect();
        let expected: Vec<(u32, u32)> = [1, 4].iter().flat_map(|&y| [2, 5, 8].map(|x| (x, y))).collect();
        assert_eq!(dots, expected);
    }

    #[test]
    fn scaled_fits_inside_the_inset_and_is_centred() {
        let overlay = Overlay::image(solid(2, 1, 3, &[255, 255, 255]), Position::Scaled, 2, (0, 0));
        let p = draw(solid(20, 20, 1, &[0]), &overlay, &Limits::default()).unwrap();
        let lit: Vec<(u32, u32)> = (0..20).flat_map(|y| (0..20).map(move |x| (x, y))).filter(|&(x, y)| at(&p, x, y)[0] > 128).collect();
        let (xs, ys): (Vec<u32>, Vec<u32>) = lit.iter().copied().unzip();
        assert_eq!((xs.iter().min(), xs.iter().max()), (Some(&2), Some(&17)), "16 wide, inside the inset");
        assert_eq!((ys.iter().min(), ys.iter().max()), (Some(&6), Some(&13)), "8 high, centred");
    }

    #[test]
    fn thresholds_are_inclusive() {
        let overlay = Overlay::image(solid(1, 1, 3, &[0, 0, 0]), Position::Center, 0, (400, 300));
        assert!(overlay.applies((400, 300)));
        assert!(!overlay.applies((399, 1000)));
        assert!(!overlay.applies((1000, 299)));
    }

    fn style() -> TextStyle {
        TextStyle {
            font: Font::default_regular(),
            size: 12.0,
            min_size: 8.0,
            glyph_spacing: 0.0,
            color: [255, 0, 0, 255],
            stroke_color: [0, 0, 0, 255],
            stroke_width: 1.0,
            background: [0, 0, 0, 100],
            word_wrap: false,
        }
    }


    #[test]
    fn a_label_is_drawn_once_per_size_of_output() {
        let style = style();
        let overlay = Overlay::text("Hi".into(), style, Position::TopLeft, 0, (0, 0));
        let once = draw(Pixels::from_vec(50, 20, 1, vec![0; 1000]).unwrap(), &overlay, &Limits::default()).unwrap();
        let again = draw(Pixels::from_vec(50, 20, 1, vec![0; 1000]).unwrap(), &overlay, &Limits::default()).unwrap();
        assert_eq!(once, again);
        assert!(once.data.iter().any(|&v| v > 0));
        let Mark::Text { labels, .. } = &overlay.mark else { unreachable!() };
        assert_eq!(labels.0.lock().unwrap().len(), 1);
        for width in 51..51 + LABEL_SIZES as u32 {
            draw(Pixels::from_vec(width, 20, 1, vec![0; width as usize * 20]).unwrap(), &overlay, &Limits::default()).unwrap();
        }
        let kept = labels.0.lock().unwrap();
        assert_eq!(kept.len(), LABEL_SIZES);
        assert!(kept.iter().all(|(size, _)| size.0 > 50), "the oldest size went first");
    }


    fn gradient() -> Pixels {
        let data = (0..40u32 * 30).flat_map(|i| [(i % 40 * 6) as u8, (i / 40 * 8) as u8, 90]).collect();
        Pixels::from_vec(40, 30, 3, data).unwrap()
    }

    fn rows(p: &Pixels, top: u32, bottom: u32) -> Pixels {
        let data = p.data[top as usize * p.row_len()..bottom as usize * p.row_len()].to_vec();
        Pixels::from_vec(p.width, bottom - top, p.channels, data).unwrap()
    }

    #[test]
    fn an_output_drawn_band_by_band_is_the_output_drawn_whole() {
        let mut logo = Pixels::from_vec(7, 5, 4, vec![200; 7 * 5 * 4]).unwrap();
        logo.data[3] = 0;
        let style = style();
        let overlays = [
            Overlay::image(logo.clone(), Position::Repeat, 0, (0, 0)),
            Overlay::image(logo.clone(), Position::Scaled, 2, (0, 0)),
            Overlay::image(logo, Position::LeftCenter, 3, (0, 0)),
            Overlay::text("Ag".into(), style, Position::Center, 0, (0, 0)),
        ];
        let limits = Limits::default();
        for overlay in &overlays {
            let whole = draw(gradient(), overlay, &limits).unwrap();
            let upper = draw_band(rows(&gradient(), 0, 13), overlay, (40, 30), 0, &limits).unwrap();
            let lower = draw_band(rows(&gradient(), 13, 30), overlay, (40, 30), 13, &limits).unwrap();
            assert_eq!([upper.data, lower.data].concat(), whole.data, "{:?}", overlay.position);
        }
    }
}

//! String overlays: a label of text drawn as Cantaloupe's `Java2DUtil.overlayString` draws it
//! (the largest size down to a minimum that fits, its background box and where that box goes,
//! each line aligned in the box, an outline stroke under anti-aliased glyphs), into a small
//! RGBA image the caller lays over the output.

use std::sync::OnceLock;

use ab_glyph::{point, Font as _, FontArc, GlyphId, OutlinedGlyph, Point, PxScale, PxScaleFactor};

use crate::errors::{format_error, Result};
use crate::ops::position::Position;
use crate::pixels::Pixels;

mod stroke;

use stroke::{stroke_outline, Coverage};

static DEJAVU_SANS: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");
static DEJAVU_SANS_BOLD: &[u8] = include_bytes!("../../fonts/DejaVuSans-Bold.ttf");

/// Java's `FontMetrics` adds this before truncating ascent, descent and leading to whole pixels.
const JAVA_ROUNDING_UP: f64 = 0.95;
/// Cantaloupe's "arbitrary fudge": a line's baseline sits this far down its line height.
const BASELINE_FUDGE: f64 = 0.73;
/// The gap Cantaloupe leaves between a visible background's edge and the text.
const BOX_PADDING: u32 = 5;

/// A TrueType or OpenType font; cheap to clone (the parsed font is shared).
#[derive(Clone, Debug)]
pub struct Font(FontArc);

impl Font {
    /// A TrueType/OpenType font from its file's bytes; `Error::Format` when it is not one.
    pub fn from_bytes(data: Vec<u8>) -> Result<Font> {
        FontArc::try_from_vec(data).map(Font).map_err(|_| format_error("not a TrueType or OpenType font"))
    }

    /// The font shipped inside the core (DejaVu Sans), regular.
    pub fn default_regular() -> Font {
        static FONT: OnceLock<Font> = OnceLock::new();
        FONT.get_or_init(|| Font(FontArc::try_from_slice(DEJAVU_SANS).expect("the shipped font parses"))).clone()
    }

    /// The font shipped inside the core (DejaVu Sans), bold.
    pub fn default_bold() -> Font {
        static FONT: OnceLock<Font> = OnceLock::new();
        FONT.get_or_init(|| Font(FontArc::try_from_slice(DEJAVU_SANS_BOLD).expect("the shipped font parses"))).clone()
    }

    /// Font units per em; a font too odd to say is read as the common 2048.
    fn units_per_em(&self) -> f64 {
        f64::from(self.0.units_per_em().unwrap_or(2048.0))
    }
}

/// How a string overlay looks: Cantaloupe's `overlays.BasicStrategy.string.*` settings.
#[derive(Clone, Debug)]
pub struct TextStyle {
    pub font: Font,
    /// The size to try first, in points (pixels per em).
    pub size: f32,
    /// The smallest size to shrink to before giving up.
    pub min_size: f32,
    /// Extra space after each glyph, in ems (Java's `TextAttribute.TRACKING`).
    pub glyph_spacing: f32,
    /// The glyphs' RGBA fill.
    pub color: [u8; 4],
    /// The outline stroke's RGBA colour.
    pub stroke_color: [u8; 4],
    /// Width in pixels of the outline stroke, centred on the glyphs' outline; none at 0.
    pub stroke_width: f32,
    /// The box behind the text; a visible one (alpha > 0) also pads the text by 5 pixels.
    pub background: [u8; 4],
}

/// A string drawn for one output: its background box with a transparent margin around it for the
/// ink Java draws past the box (an accent above a capital, a stroke wider than the padding).
#[derive(Debug)]
pub struct Label {
    /// RGBA.
    pub pixels: Pixels,
    /// The top-left of `pixels` on the output (may be negative).
    pub origin: (i64, i64),
    /// Pixels between each edge of `pixels` and the box.
    pub margin: u32,
}

/// The label for `text` on a `canvas`-sized output; None when it does not fit at min_size or
/// there is nothing to draw.
pub fn label(text: &str, style: &TextStyle, canvas: (u32, u32), position: Position, inset: u32) -> Option<Label> {
    let lines = Lines::new(text, &style.font);
    if lines.0.is_empty() {
        return None;
    }
    let padding = if style.background[3] > 0 { BOX_PADDING } else { 0 };
    let available = |side: u32| i64::from(side) - 2 * i64::from(inset) - 2 * i64::from(padding);
    let size = lines.fitting_size(style, available(canvas.0), available(canvas.1))?;
    let layout = Layout::new(&lines, style, size, canvas, position, inset, padding);
    if layout.box_size.0 == 0 || layout.box_size.1 == 0 {
        return None;
    }
    let margin = i64::from(layout.margin);
    let origin = (layout.box_origin.0 - margin, layout.box_origin.1 - margin);
    Some(Label { pixels: draw(&lines, style, &layout), origin, margin: layout.margin })
}

/// One line's glyphs and its width per point of size: advances without kerning, as Java lays
/// text out unless `TextAttribute.KERNING` is asked for, which Cantaloupe does not.
struct Line {
    glyphs: Vec<GlyphId>,
    /// Pixels of advance per point of font size.
    width_per_point: f64,
    /// The glyphs that advance the pen: only these are followed by the tracking, as Java's
    /// `StandardGlyphVector` adds it (a zero-width mark stays on its base).
    tracked: usize,
}

/// The lines of a string: split at '\n' with empty lines dropped, as Commons Lang's
/// `StringUtils.split` splits them for Cantaloupe.
struct Lines(Vec<Line>);

impl Lines {
    fn new(text: &str, font: &Font) -> Lines {
        let units = font.units_per_em();
        Lines(
            text.split('\n')
                .filter(|line| !line.is_empty())
                .map(|line| {
                    let glyphs: Vec<GlyphId> = line.chars().map(|c| font.0.glyph_id(c)).collect();
                    let advance: f64 = glyphs.iter().map(|&g| f64::from(font.0.h_advance_unscaled(g))).sum();
                    let tracked = glyphs.iter().filter(|&&g| font.0.h_advance_unscaled(g) != 0.0).count();
                    Line { glyphs, width_per_point: advance / units, tracked }
                })
                .collect(),
        )
    }

    /// Each line's width at `size` in whole pixels, as Java's `FontMetrics.stringWidth` gives it.
    fn widths(&self, style: &TextStyle, size: f64) -> Vec<f64> {
        let tracking = f64::from(style.glyph_spacing) * size;
        self.0
            .iter()
            .map(|line| (line.width_per_point * size + tracking * line.tracked as f64 + 0.5).floor().max(0.0))
            .collect()
    }

    /// The size Cantaloupe's loop settles on: from `size` down in steps of one while it is at
    /// least `min_size`, the first at which the widest line and all the lines fit. Fitting only
    /// gets easier as the size falls, so the steps are searched by halving, not walked: a
    /// 10,000-point size costs a few measurements, not thousands.
    fn fitting_size(&self, style: &TextStyle, width: i64, height: i64) -> Option<f64> {
        let (size, min_size) = (f64::from(style.size), f64::from(style.min_size));
        if !size.is_finite() || !min_size.is_finite() || size <= 0.0 || width < 0 || height < 0 {
            return None;
        }
        let fits = |steps: f64| {
            let size = size - steps;
            let widest = self.widths(style, size).into_iter().fold(0.0, f64::max);
            widest <= width as f64 && line_height(&style.font, size) * self.0.len() as f64 <= height as f64
        };
        // The last step keeps the size at least min_size and above zero.
        let last = (size - min_size).floor().min(size.ceil() - 1.0).max(0.0);
        if fits(0.0) {
            return Some(size);
        }
        if !fits(last) {
            return None;
        }
        let (mut too_big, mut fitting) = (0.0, last);
        while fitting - too_big > 1.0 {
            let middle = ((too_big + fitting) / 2.0).floor();
            if fits(middle) {
                fitting = middle;
            } else {
                too_big = middle;
            }
        }
        Some(size - fitting)
    }
}

/// Java's `FontMetrics.getHeight` at `size`: the ascent made whole, plus the descent and leading
/// made whole together, each the way Java makes them.
fn line_height(font: &Font, size: f64) -> f64 {
    let scale = size / font.units_per_em();
    let ascent = f64::from(font.0.ascent_unscaled()) * scale;
    let descent = -f64::from(font.0.descent_unscaled()) * scale;
    let gap = f64::from(font.0.line_gap_unscaled()) * scale;
    let whole = |v: f64| (JAVA_ROUNDING_UP + v).floor();
    whole(ascent) + whole(descent + gap)
}

/// Where the box goes and where each line starts, in whole canvas pixels.
struct Layout {
    size: f64,
    box_origin: (i64, i64),
    box_size: (u32, u32),
    /// Transparent pixels on each side of the box, for ink past it.
    margin: u32,
    /// Each line's pen origin on its baseline, relative to the label's top-left.
    origins: Vec<(i64, i64)>,
}

/// How far ink reaches past the box, in ems beyond half the stroke: the baseline sits 0.73 of a
/// line down, so an accented capital rises above the box, and a descender with a stroke may
/// reach below it.
const INK_OVERSHOOT: f64 = 0.25;

#[derive(Clone, Copy)]
enum Align {
    Left,
    Center,
    Right,
}

impl Layout {
    /// Cantaloupe's `getBoundingBox` and line placement, quirks kept: boxes on the right or the
    /// bottom are moved a further `padding` in from that edge.
    fn new(
        lines: &Lines,
        style: &TextStyle,
        size: f64,
        canvas: (u32, u32),
        position: Position,
        inset: u32,
        padding: u32,
    ) -> Layout {
        use Position::*;
        let widths = lines.widths(style, size);
        let widest = widths.iter().copied().fold(0.0, f64::max);
        let line_height = line_height(&style.font, size);
        let (padding, inset) = (f64::from(padding), f64::from(inset));
        let (w, h) = (f64::from(canvas.0), f64::from(canvas.1));
        let box_w = widest + 2.0 * padding;
        let box_h = line_height * widths.len() as f64 + 2.0 * padding;
        let box_x = match position {
            TopLeft | LeftCenter | BottomLeft => inset,
            TopCenter | Center | BottomCenter => (w - box_w) / 2.0,
            TopRight | RightCenter | BottomRight | Repeat | Scaled => w - box_w - inset - padding,
        };
        let box_y = match position {
            TopLeft | TopCenter | TopRight => inset,
            LeftCenter | Center | RightCenter => (h - box_h) / 2.0,
            BottomLeft | BottomCenter | BottomRight | Repeat | Scaled => h - box_h - inset - padding,
        };
        let align = match position {
            TopLeft | LeftCenter | BottomLeft => Align::Left,
            TopCenter | Center | BottomCenter => Align::Center,
            TopRight | RightCenter | BottomRight | Repeat | Scaled => Align::Right,
        };
        let box_origin = (java_round(box_x), java_round(box_y));
        // A stroke wider than two ems is drawn only as far as one em past the box.
        let margin = ((f64::from(style.stroke_width.max(0.0)) / 2.0).min(size) + size * INK_OVERSHOOT).ceil() as u32 + 1;
        let origins = widths
            .iter()
            .enumerate()
            .map(|(i, &width)| {
                let x = box_x
                    + match align {
                        Align::Left => padding,
                        Align::Center => (box_w - width) / 2.0,
                        Align::Right => widest - width + padding,
                    };
                let y = box_y + line_height * i as f64 + padding + line_height * BASELINE_FUDGE;
                (java_round(x) - box_origin.0 + i64::from(margin), java_round(y) - box_origin.1 + i64::from(margin))
            })
            .collect();
        // The box fits inside the canvas (the size was chosen so), so these are at most its size.
        Layout { size, box_origin, box_size: (box_w as u32, box_h as u32), margin, origins }
    }
}

/// Java's `Math.round`: halves go up.
fn java_round(v: f64) -> i64 {
    (v + 0.5).floor() as i64
}

/// Each glyph of the label with its pen position, in label pixels.
fn placed_glyphs<'a>(
    lines: &'a Lines,
    style: &'a TextStyle,
    layout: &'a Layout,
) -> impl Iterator<Item = (GlyphId, Point)> + 'a {
    let scale = layout.size / style.font.units_per_em();
    let tracking = f64::from(style.glyph_spacing) * layout.size;
    lines.0.iter().zip(&layout.origins).flat_map(move |(line, &(x, y))| {
        let mut pen = x as f64;
        line.glyphs.iter().map(move |&id| {
            let at = point(pen as f32, y as f32);
            let advance = style.font.0.h_advance_unscaled(id);
            if advance != 0.0 {
                pen += f64::from(advance) * scale + tracking;
            }
            (id, at)
        })
    })
}

/// The label: background, then stroke, then text, each composited over what is below.
fn draw(lines: &Lines, style: &TextStyle, layout: &Layout) -> Pixels {
    let m = layout.margin as usize;
    let (width, height) = (layout.box_size.0 as usize + 2 * m, layout.box_size.1 as usize + 2 * m);
    let in_box = |i: usize| (m..m + layout.box_size.0 as usize).contains(&(i % width)) && (m..m + layout.box_size.1 as usize).contains(&(i / width));
    let factor = (layout.size / style.font.units_per_em()) as f32;
    let factor = PxScaleFactor { horizontal: factor, vertical: factor };
    let mut fill = Coverage::new(width, height);
    let mut stroke = (style.stroke_width > 0.001).then(|| Coverage::new(width, height));
    // A glyph is rasterised whole before it is clipped; one far larger than the label (only an
    // odd font's can be) is skipped rather than allowed to allocate beyond the label's size.
    let largest_glyph = width.saturating_mul(height).saturating_mul(16).max(1 << 16) as f32;
    for (id, at) in placed_glyphs(lines, style, layout) {
        let Some(outline) = style.font.0.outline(id) else { continue };
        if let Some(stroke) = stroke.as_mut() {
            stroke_outline(stroke, &outline.curves, at, factor.horizontal, style.stroke_width);
        }
        let glyph = OutlinedGlyph::new(id.with_scale_and_position(PxScale::from(1.0), at), outline, factor);
        let bounds = glyph.px_bounds();
        let outside =
            bounds.max.x <= 0.0 || bounds.max.y <= 0.0 || bounds.min.x >= width as f32 || bounds.min.y >= height as f32;
        if outside || bounds.width() * bounds.height() > largest_glyph {
            continue;
        }
        let (left, top) = (bounds.min.x as i64, bounds.min.y as i64);
        glyph.draw(|x, y, c| {
            let (x, y) = (left + i64::from(x), top + i64::from(y));
            if (0..width as i64).contains(&x) && (0..height as i64).contains(&y) {
                let v = &mut fill.values[y as usize * width + x as usize];
                // Overlapping glyphs are each painted over the others, as Java fills them.
                let c = c.min(1.0);
                *v = *v + c - *v * c;
            }
        });
    }
    let mut data = vec![0u8; width * height * 4];
    for (i, pixel) in data.chunks_exact_mut(4).enumerate() {
        let mut out = [0.0f32; 4];
        if in_box(i) {
            over(&mut out, style.background, 1.0);
        }
        if let Some(stroke) = &stroke {
            over(&mut out, style.stroke_color, stroke.values[i]);
        }
        over(&mut out, style.color, fill.values[i]);
        for (byte, v) in pixel.iter_mut().zip(out) {
            *byte = (v * 255.0).round() as u8;
        }
    }
    Pixels { width: width as u32, height: height as u32, channels: 4, data }
}

/// Porter-Duff "over": `color` with its alpha scaled by `coverage`, onto `dst` (straight RGBA, 0 to 1).
fn over(dst: &mut [f32; 4], color: [u8; 4], coverage: f32) {
    let src_a = f32::from(color[3]) / 255.0 * coverage;
    if src_a <= 0.0 {
        return;
    }
    let out_a = src_a + dst[3] * (1.0 - src_a);
    for c in 0..3 {
        let src = f32::from(color[c]) / 255.0;
        dst[c] = (src * src_a + dst[c] * dst[3] * (1.0 - src_a)) / out_a;
    }
    dst[3] = out_a;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style(size: f32, background: [u8; 4]) -> TextStyle {
        TextStyle {
            font: Font::default_regular(),
            size,
            min_size: 14.0,
            glyph_spacing: 0.0,
            color: [255, 255, 255, 255],
            stroke_color: [0, 0, 0, 255],
            stroke_width: 0.0,
            background,
        }
    }

    /// The label cut to its box, and the box's top-left: what Cantaloupe's box holds.
    fn label(text: &str, style: &TextStyle, canvas: (u32, u32), position: Position, inset: u32) -> Option<(Pixels, (i64, i64))> {
        let l = super::label(text, style, canvas, position, inset)?;
        let m = l.margin;
        let (w, h) = (l.pixels.width - 2 * m, l.pixels.height - 2 * m);
        let rows = (m..m + h).flat_map(|y| {
            let start = ((y * l.pixels.width + m) * 4) as usize;
            l.pixels.data[start..start + w as usize * 4].to_vec()
        });
        let boxed = Pixels::from_vec(w, h, 4, rows.collect()).expect("the box");
        Some((boxed, (l.origin.0 + i64::from(m), l.origin.1 + i64::from(m))))
    }

    #[test]
    fn ink_past_the_box_is_kept_in_the_margin() {
        let s = TextStyle { stroke_width: 6.0, ..style(30.0, [0, 0, 0, 0]) };
        let l = super::label("ÉÅ", &s, (400, 300), Position::TopLeft, 10).expect("fits");
        assert!(l.margin >= 3 + 7, "half the stroke and a quarter em: {}", l.margin);
        assert_eq!(l.origin, (10 - i64::from(l.margin), 10 - i64::from(l.margin)));
        let above_the_box = (0..l.margin).any(|y| (0..l.pixels.width).any(|x| alpha_at(&l.pixels, x, y) > 0));
        assert!(above_the_box, "the accents rise above the box");
    }

    /// The widest line and the line height at `size`, measured as `label` measures them.
    fn measure(text: &str, style: &TextStyle, size: f64) -> (f64, f64) {
        let lines = Lines::new(text, &style.font);
        (lines.widths(style, size).into_iter().fold(0.0, f64::max), line_height(&style.font, size))
    }

    fn alpha_at(p: &Pixels, x: u32, y: u32) -> u8 {
        p.data[((y * p.width + x) * 4 + 3) as usize]
    }

    /// Columns (first, last) that hold any ink with alpha above `min` in rows `rows`.
    fn ink_columns(p: &Pixels, rows: std::ops::Range<u32>, min: u8) -> Option<(u32, u32)> {
        let cols: Vec<u32> = (0..p.width).filter(|&x| rows.clone().any(|y| alpha_at(p, x, y) > min)).collect();
        Some((*cols.first()?, *cols.last()?))
    }

    #[test]
    fn the_box_goes_where_cantaloupe_puts_it_padding_quirk_included() {
        use Position::*;
        let (w, h, inset) = (401.0, 300.0, 10.0);
        for background in [[0, 0, 0, 0], [0, 0, 0, 200]] {
            let style = style(20.0, background);
            let p = if background[3] > 0 { 5.0 } else { 0.0 };
            let (widest, line) = measure("Hello, World", &style, 20.0);
            let (bw, bh) = (widest + 2.0 * p, line + 2.0 * p);
            let round = |v: f64| (v + 0.5).floor() as i64;
            let (left, centre_x, right) = (inset as i64, round((w - bw) / 2.0), round(w - bw - inset - p));
            let (top, centre_y, bottom) = (inset as i64, round((h - bh) / 2.0), round(h - bh - inset - p));
            let expected = [
                (TopLeft, left, top),
                (TopCenter, centre_x, top),
                (TopRight, right, top),
                (LeftCenter, left, centre_y),
                (Center, centre_x, centre_y),
                (RightCenter, right, centre_y),
                (BottomLeft, left, bottom),
                (BottomCenter, centre_x, bottom),
                (BottomRight, right, bottom),
                (Repeat, right, bottom),
                (Scaled, right, bottom),
            ];
            for (position, x, y) in expected {
                let (pixels, origin) = label("Hello, World", &style, (401, 300), position, 10).expect("fits");
                assert_eq!(origin, (x, y), "{position:?} with background {background:?}");
                assert_eq!((f64::from(pixels.width), f64::from(pixels.height)), (bw, bh));
            }
        }
        // With a background, no inset and no room to spare, a right or bottom box is moved the
        // padding past the canvas's left or top edge.
        let style = style(20.0, [9, 9, 9, 255]);
        let (widest, line) = measure("Hi", &style, 20.0);
        let canvas = (widest as u32 + 10, line as u32 + 10);
        let (_, origin) = label("Hi", &style, canvas, BottomRight, 0).unwrap();
        assert_eq!(origin, (-5, -5));
    }

    #[test]
    fn the_size_shrinks_as_javas_loop_does_and_gives_up_below_min_size() {
        let text = "A long caption\nof two lines";
        let s = style(40.0, [0, 0, 0, 0]);
        for width in (120..700).step_by(7) {
            // Cantaloupe's loop, walked one point at a time.
            let mut size = 40.0f64;
            let walked = loop {
                let (widest, line) = measure(text, &s, size);
                if widest <= f64::from(width) - 20.0 && 2.0 * line <= 200.0 - 20.0 {
                    break Some(size);
                }
                if size - 1.0 >= 14.0 {
                    size -= 1.0;
                } else {
                    break None;
                }
            };
            let got = label(text, &s, (width, 200), Position::Center, 10);
            match walked {
                Some(size) => {
                    let (pixels, _) = got.expect("fits");
                    let (widest, line) = measure(text, &s, size);
                    assert_eq!((f64::from(pixels.width), f64::from(pixels.height)), (widest, 2.0 * line), "{width}");
                }
                None => assert!(got.is_none(), "{width}"),
            }
        }
        assert!(label(text, &s, (250, 200), Position::Center, 10).is_some());
        let (widest_at_min, _) = measure(text, &s, 14.0);
        let too_narrow = widest_at_min as u32 + 20 - 1;
        assert!(label(text, &s, (too_narrow, 200), Position::Center, 10).is_none());
        assert!(label(text, &s, (too_narrow + 1, 200), Position::Center, 10).is_some());
    }

    #[test]
    fn lines_are_aligned_in_the_box_by_position() {
        let s = TextStyle { color: [0, 0, 0, 255], ..style(30.0, [0, 0, 0, 0]) };
        let text = "I\nIIIIIIII\n\n";
        let line = line_height(&s.font, 30.0) as u32;
        for (position, check) in [(Position::TopLeft, 0), (Position::Center, 1), (Position::BottomRight, 2)] {
            let (p, _) = label(text, &s, (400, 300), position, 0).expect("fits");
            assert_eq!(p.height, 2 * line, "the empty lines are dropped");
            let first = ink_columns(&p, 0..line, 128).unwrap();
            let second = ink_columns(&p, line..2 * line, 128).unwrap();
            match check {
                0 => assert!(first.0.abs_diff(second.0) <= 1, "{first:?} {second:?}"),
                1 => assert!((first.0 + first.1).abs_diff(second.0 + second.1) <= 2, "{first:?} {second:?}"),
                _ => assert!(first.1.abs_diff(second.1) <= 1, "{first:?} {second:?}"),
            }
            assert!(second.1 - second.0 > 4 * (first.1 - first.0));
        }
    }

    #[test]
    fn a_stroke_shows_only_outside_the_glyphs_and_only_when_it_has_width() {
        let pixel = |p: &Pixels, i: usize| [p.data[4 * i], p.data[4 * i + 1], p.data[4 * i + 2], p.data[4 * i + 3]];
        let base = TextStyle { color: [0, 0, 255, 255], stroke_color: [255, 0, 0, 255], ..style(40.0, [0, 0, 0, 0]) };
        let plain = label("Ok", &base, (300, 100), Position::TopLeft, 0).unwrap().0;
        for width in [0.0, 0.0005] {
            let same =
                label("Ok", &TextStyle { stroke_width: width, ..base.clone() }, (300, 100), Position::TopLeft, 0);
            assert_eq!(same.unwrap().0.data, plain.data);
        }
        let stroked =
            label("Ok", &TextStyle { stroke_width: 4.0, ..base }, (300, 100), Position::TopLeft, 0).unwrap().0;
        let n = (plain.width * plain.height) as usize;
        let (mut red_outside, mut red_inside) = (0, 0);
        for i in 0..n {
            let (s, f) = (pixel(&stroked, i), pixel(&plain, i));
            if s[0] > 200 && s[3] > 200 {
                if f[3] == 0 {
                    red_outside += 1;
                } else if f[3] == 255 {
                    red_inside += 1;
                }
            }
            if f[3] == 255 {
                assert!(s.iter().zip(f).all(|(a, b)| a.abs_diff(b) <= 1), "the fill covers the stroke's inner half");
            }
        }
        assert!(red_outside > 100, "{red_outside}");
        assert_eq!(red_inside, 0);
        assert!(plain.data.chunks_exact(4).all(|p| p[0] == 0));
    }

    #[test]
    fn translucent_colours_are_composited_over() {
        let s = TextStyle { color: [255, 255, 255, 128], ..style(40.0, [0, 0, 0, 128]) };
        let (p, _) = label("l", &s, (300, 100), Position::TopLeft, 0).unwrap();
        assert_eq!(alpha_at(&p, 0, 0), 128);
        assert_eq!(&p.data[..3], &[0, 0, 0]);
        // Where the 'l' covers fully: 0.5 + 0.5 × 0.5 of alpha, and white weighted 0.5 against 0.25 black.
        let full = p.data.chunks_exact(4).max_by_key(|px| px[3]).unwrap();
        assert!((full[3] as i32 - 191).abs() <= 1, "{full:?}");
        assert!((full[0] as i32 - 170).abs() <= 1, "{full:?}");
    }

    #[test]
    fn glyphs_the_font_lacks_are_drawn_as_its_missing_glyph() {
        let s = style(30.0, [0, 0, 0, 0]);
        for text in ["\u{E000}", "漢字", "\u{10FFFF}\u{0}"] {
            let (p, _) = label(text, &s, (300, 100), Position::Center, 0).expect("drawn");
            assert!(p.data.chunks_exact(4).filter(|px| px[3] > 128).count() > 20, "{text:?}");
        }
    }

    #[test]
    fn nothing_to_draw_or_no_room_gives_none() {
        let s = style(18.0, [0, 0, 0, 255]);
        assert!(label("", &s, (300, 100), Position::Center, 0).is_none());
        assert!(label("\n\n", &s, (300, 100), Position::Center, 0).is_none());
        assert!(label("Hello", &s, (5, 5), Position::Center, 0).is_none());
        assert!(label("Hello", &s, (0, 0), Position::Center, 0).is_none());
        assert!(label("Hello", &s, (300, 100), Position::Center, 1000).is_none());
        assert!(label("Hello", &TextStyle { size: f32::NAN, ..s.clone() }, (300, 100), Position::Center, 0).is_none());
        assert!(label("Hello", &TextStyle { size: -3.0, ..s }, (300, 100), Position::Center, 0).is_none());
    }

    #[test]
    fn huge_sizes_and_canvases_cost_no_more_than_the_label() {
        let started = std::time::Instant::now();
        let huge = TextStyle { min_size: 10_000.0, ..style(10_000.0, [0, 0, 0, 255]) };
        assert!(label("Hello", &huge, (100, 100), Position::Center, 0).is_none());
        let (p, _) = label("Hello", &TextStyle { min_size: 14.0, ..huge }, (100, 100), Position::Center, 0).unwrap();
        assert!(p.width <= 100 && p.height <= 100);
        let s = TextStyle { min_size: 1.0, stroke_width: 1e9, ..style(1e9, [0, 0, 0, 255]) };
        let (p, _) = label("Hi", &s, (100, 100), Position::Center, 0).expect("shrunk to fit");
        assert!(p.width <= 100 && p.height <= 100);
        let (p, _) =
            label("Hi", &style(20.0, [0, 0, 0, 255]), (4_000_000_000, 4_000_000_000), Position::BottomRight, 0)
                .expect("fits");
        assert!(p.width < 100 && p.height < 100);
        assert!(started.elapsed().as_secs_f64() < 2.0, "{:?}", started.elapsed());
    }

    #[test]
    fn glyph_spacing_is_ems_after_each_glyph_that_advances() {
        let plain = style(20.0, [0; 4]);
        let spaced = TextStyle { glyph_spacing: 0.1, ..plain.clone() };
        let width = |text: &str, s: &TextStyle| measure(text, s, 20.0).0;
        assert_eq!(width("AAAA", &spaced), width("AAAA", &plain) + 8.0);
        // A combining acute has no advance, so it takes no tracking.
        assert_eq!(width("e\u{301}", &spaced), width("e\u{301}", &plain) + 2.0);
    }

    #[test]
    fn fonts_come_from_bytes_or_from_inside_the_core() {
        assert!(matches!(Font::from_bytes(b"not a font".to_vec()), Err(crate::errors::Error::Format(_))));
        let bold = Font::from_bytes(DEJAVU_SANS_BOLD.to_vec()).unwrap();
        let (regular, _) = measure("Bold", &style(30.0, [0; 4]), 30.0);
        let (wide, _) = measure("Bold", &TextStyle { font: bold, ..style(30.0, [0; 4]) }, 30.0);
        assert!(wide > regular);
        let (default_bold, _) = measure("Bold", &TextStyle { font: Font::default_bold(), ..style(30.0, [0; 4]) }, 30.0);
        assert_eq!(default_bold, wide);
    }
}

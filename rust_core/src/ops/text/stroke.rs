//! The outline stroke under a label's glyphs, and the coverage maps both are drawn into.

use ab_glyph::{OutlineCurve, Point};

/// How far a flattened curve may stray from the true one, in pixels.
const FLATTEN_TOLERANCE: f64 = 0.1;

/// A coverage map (0 to 1 per pixel) the size of the label.
pub(super) struct Coverage {
    pub(super) width: usize,
    pub(super) height: usize,
    pub(super) values: Vec<f32>,
}

impl Coverage {
    pub(super) fn new(width: usize, height: usize) -> Coverage {
        Coverage { width, height, values: vec![0.0; width * height] }
    }
}

/// Java's `BasicStroke(width)` drawn along a glyph's outline, approximated: every point within
/// width/2 of the outline (a band centred on it, inside and out, as Java's stroke is), with a
/// one-pixel soft edge for anti-aliasing. Corners come out round where Java mitres them.
pub(super) fn stroke_outline(stroke: &mut Coverage, curves: &[OutlineCurve], at: Point, scale: f32, width: f32) {
    // Past the label's own size a wider stroke covers nothing more of it, so a huge width costs
    // no more than a label-sized one.
    let reach = (f64::from(width) / 2.0).min((stroke.width + stroke.height) as f64);
    let to_px = |p: &Point| (f64::from(at.x + p.x * scale), f64::from(at.y - p.y * scale));
    for curve in curves {
        match curve {
            OutlineCurve::Line(a, b) => stroke_segment(stroke, to_px(a), to_px(b), reach),
            OutlineCurve::Quad(a, b, c) => {
                let (a, b, c) = (to_px(a), to_px(b), to_px(c));
                let bend = ((a.0 - 2.0 * b.0 + c.0).hypot(a.1 - 2.0 * b.1 + c.1) / (8.0 * FLATTEN_TOLERANCE)).sqrt();
                stroke_flattened(stroke, bend, reach, |t| {
                    let u = 1.0 - t;
                    (u * u * a.0 + 2.0 * u * t * b.0 + t * t * c.0, u * u * a.1 + 2.0 * u * t * b.1 + t * t * c.1)
                });
            }
            OutlineCurve::Cubic(a, b, c, d) => {
                let (a, b, c, d) = (to_px(a), to_px(b), to_px(c), to_px(d));
                let bend = (a.0 - 2.0 * b.0 + c.0)
                    .hypot(a.1 - 2.0 * b.1 + c.1)
                    .max((b.0 - 2.0 * c.0 + d.0).hypot(b.1 - 2.0 * c.1 + d.1));
                let bend = (3.0 * bend / (4.0 * FLATTEN_TOLERANCE)).sqrt();
                stroke_flattened(stroke, bend, reach, |t| {
                    let u = 1.0 - t;
                    let (k0, k1, k2, k3) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
                    (k0 * a.0 + k1 * b.0 + k2 * c.0 + k3 * d.0, k0 * a.1 + k1 * b.1 + k2 * c.1 + k3 * d.1)
                });
            }
        }
    }
}

/// A curve as `pieces` straight segments (at least one, at most 256).
fn stroke_flattened(stroke: &mut Coverage, pieces: f64, reach: f64, at: impl Fn(f64) -> (f64, f64)) {
    let pieces = pieces.ceil().clamp(1.0, 256.0) as usize;
    let mut from = at(0.0);
    for i in 1..=pieces {
        let to = at(i as f64 / pieces as f64);
        stroke_segment(stroke, from, to, reach);
        from = to;
    }
}

/// Raises the coverage of every pixel near the segment a–b to how far inside `reach` of it its
/// centre lies (a one-pixel ramp), keeping the larger of that and what is there.
fn stroke_segment(stroke: &mut Coverage, a: (f64, f64), b: (f64, f64), reach: f64) {
    let margin = reach + 1.0;
    let clip = |lo: f64, hi: f64, side: usize| {
        let lo = (lo - margin).floor().max(0.0);
        let hi = (hi + margin).ceil().min(side as f64);
        (lo as usize, hi.max(lo) as usize)
    };
    let (x0, x1) = clip(a.0.min(b.0), a.0.max(b.0), stroke.width);
    let (y0, y1) = clip(a.1.min(b.1), a.1.max(b.1), stroke.height);
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let length2 = dx * dx + dy * dy;
    for y in y0..y1 {
        let py = y as f64 + 0.5;
        for x in x0..x1 {
            let px = x as f64 + 0.5;
            let t = if length2 > 0.0 { (((px - a.0) * dx + (py - a.1) * dy) / length2).clamp(0.0, 1.0) } else { 0.0 };
            let distance = (px - a.0 - t * dx).hypot(py - a.1 - t * dy);
            let c = (reach + 0.5 - distance).clamp(0.0, 1.0) as f32;
            let v = &mut stroke.values[y * stroke.width + x];
            *v = v.max(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ab_glyph::point;

    #[test]
    fn a_segment_strokes_a_band_of_its_half_width_with_a_soft_edge() {
        let mut c = Coverage::new(20, 20);
        stroke_segment(&mut c, (4.5, 10.5), (16.5, 10.5), 2.0);
        let at = |x: usize, y: usize| c.values[y * 20 + x];
        // Pixel centres 0, 1, 2 and 3 below the line: inside the band, on its soft edge, outside.
        assert_eq!([at(10, 10), at(10, 11), at(10, 12), at(10, 13)], [1.0, 1.0, 0.5, 0.0]);
        // Round ends reach as far past the segment's ends.
        assert_eq!([at(17, 10), at(18, 10), at(19, 10), at(2, 10), at(1, 10)], [1.0, 0.5, 0.0, 0.5, 0.0]);
    }

    #[test]
    fn curves_are_flattened_and_a_huge_width_is_bounded_by_the_map() {
        let mut c = Coverage::new(30, 30);
        let quad = OutlineCurve::Quad(point(0.0, 0.0), point(10.0, 20.0), point(20.0, 0.0));
        stroke_outline(&mut c, std::slice::from_ref(&quad), point(5.0, 25.0), 1.0, 2.0);
        // The curve's top (t = 1/2) is at (15, 15); its chord's midpoint (15, 25) is far from it.
        assert!(c.values[14 * 30 + 14] > 0.8 && c.values[24 * 30 + 14] == 0.0);
        let mut all = Coverage::new(30, 30);
        stroke_outline(&mut all, &[quad], point(5.0, 25.0), 1.0, f32::MAX);
        assert!(all.values.iter().all(|&v| v == 1.0));
    }
}

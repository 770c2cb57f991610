//! Redaction: rectangles of decoded pixels filled with one opaque colour.

use crate::geometry::Rect;
use crate::ops::color::luma;
use crate::pixels::Pixels;

/// `p` with each rectangle (clipped to it) filled with its colour: as gray in gray pixels, and
/// opaque where there is alpha.
pub fn fill(mut p: Pixels, fills: &[(Rect, [u8; 3])]) -> Pixels {
    let c = usize::from(p.channels);
    let row_len = p.row_len();
    let whole = Rect::new(0, 0, p.width, p.height);
    for &(rect, colour) in fills {
        let Some(r) = rect.intersect(&whole) else { continue };
        let sample = pixel(colour, p.channels);
        for y in r.y..r.bottom() {
            let start = y as usize * row_len + r.x as usize * c;
            for px in p.data[start..start + r.w as usize * c].chunks_exact_mut(c) {
                px.copy_from_slice(&sample[..c]);
            }
        }
    }
    p
}

/// One pixel of `colour` in pixels of `channels` (1 to 4).
fn pixel([r, g, b]: [u8; 3], channels: u8) -> [u8; 4] {
    match channels {
        1 | 2 => [luma(r, g, b), 255, 0, 0],
        _ => [r, g, b, 255],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(channels: u8) -> Pixels {
        Pixels::from_vec(4, 3, channels, vec![9; 12 * usize::from(channels)]).expect("pixels")
    }

    #[test]
    fn fills_the_rectangle_only_in_every_layout() {
        for (channels, want) in [(1, vec![76]), (2, vec![76, 255]), (3, vec![255, 0, 0]), (4, vec![255, 0, 0, 255])] {
            let p = fill(image(channels), &[(Rect::new(1, 1, 2, 1), [255, 0, 0])]);
            let c = usize::from(channels);
            for y in 0..3 {
                for x in 0..4 {
                    let at = (y * 4 + x) * c;
                    let inside = y == 1 && (1..3).contains(&x);
                    let expected = if inside { want.clone() } else { vec![9; c] };
                    assert_eq!(p.data[at..at + c], expected[..], "{channels} channels at {x},{y}");
                }
            }
        }
    }

    #[test]
    fn a_rectangle_past_the_edge_is_clipped() {
        let p = fill(image(3), &[(Rect::new(3, 2, 10, 10), [1, 2, 3]), (Rect::new(7, 0, 1, 1), [4, 5, 6])]);
        assert_eq!(p.data[(2 * 4 + 3) * 3..], [1, 2, 3]);
        assert_eq!(p.data.iter().filter(|&&v| v == 9).count(), 11 * 3);
    }
}

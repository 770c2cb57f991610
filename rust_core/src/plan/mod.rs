//! The plan for one request: which level to read, what rectangle of it, and the steps that
//! change something (an overlay among them), or the stored tile that is the answer as it is ([`passthrough`]). Steps
//! with no effect never enter the plan. A request the image cannot answer is refused here as
//! the request's fault (`Error::Request`).

pub mod passthrough;
pub mod redact;

use std::sync::Arc;

use crate::codec::Codec;
use crate::encode::{self, OutputFormat};
use crate::errors::{Error, Result};
use crate::formats::tiff_compression::Compression;
use crate::geometry::Rect;
use crate::icc;
use crate::ops::orient::{quarter_turns, turned_size};
use crate::ops::overlay::Overlay;
use crate::ops::resize::{Filter, SourceBox};
use crate::structure::{Level, Structure};

pub use passthrough::{Refusal, StoredTile};
pub use redact::Redaction;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quality {
    Default,
    Color,
    Gray,
    Bitonal,
}

impl Quality {
    pub fn parse(name: &str) -> Option<Quality> {
        match name {
            "default" => Some(Quality::Default),
            "color" => Some(Quality::Color),
            "gray" => Some(Quality::Gray),
            "bitonal" => Some(Quality::Bitonal),
            _ => None,
        }
    }
}

/// What the request asks for, in the upright image's full-resolution coordinates.
#[derive(Debug, Clone)]
pub struct Operations {
    pub region: Rect,
    /// Output size before rotation.
    pub width: u32,
    pub height: u32,
    pub mirror: bool,
    /// Clockwise degrees, from 0 to 360.
    pub rotation: f64,
    pub quality: Quality,
    pub format: OutputFormat,
    pub encoding: encode::Settings,
    /// What transparent pixels become in a format without alpha.
    pub background: [u8; 3],
    /// Resampling filters for making smaller and larger.
    pub downscale: Filter,
    pub upscale: Filter,
    /// Drawn on the output, when it is at least the overlay's smallest output.
    pub overlay: Option<Arc<Overlay>>,
    /// The pixels go out to be drawn on (by plugins) before they are encoded: no stored tile
    /// can be the answer.
    pub drawn_after: bool,
    /// Filled wherever they show, whatever else the request asks.
    pub redactions: Vec<Redaction>,
}

/// One change to the pixels. A plan holds only steps that change something, in the order
/// they run.
#[derive(Debug, Clone)]
pub enum Step {
    /// Fill these rectangles of the decoded rectangle with their colours: first, so that no
    /// later step reads what they hide.
    Redact(Vec<(Rect, [u8; 3])>),
    /// Resample `area` of the decoded rectangle to `width` x `height`.
    Resize { area: SourceBox, width: u32, height: u32, filter: Filter },
    Mirror,
    /// Clockwise degrees: 90, 180 or 270.
    Rotate(u32),
    /// Clockwise degrees, not a multiple of 90, onto a canvas of this size that holds the
    /// turned image; its uncovered corners are transparent.
    RotateAny { degrees: f64, canvas: (u32, u32) },
    /// Composite over this colour and drop alpha, for a format without transparency.
    Flatten([u8; 3]),
    /// Drawn after the geometry, and before gray or bitonal so that those answers stay so.
    Overlay(Arc<Overlay>),
    Gray,
    Bitonal,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub level: usize,
    /// The rectangle to decode, in the level's coordinates.
    pub read: Rect,
    pub steps: Vec<Step>,
    /// Size of the output image, after every step.
    pub output: (u32, u32),
    pub format: OutputFormat,
    pub encoding: encode::Settings,
    /// The source's colour profile, when it still describes the output's pixels.
    pub icc: Option<Arc<[u8]>>,
    /// The stored JPEG tile that answers the request as it is, or why none does.
    pub passthrough: std::result::Result<StoredTile, Refusal>,
}

/// The region in a level's coordinates: exact factors, and an edge of the image maps to the
/// edge of the level (whose last pixel may stand for fewer full-resolution pixels).
fn area_in_level(level: &Level, s: &Structure, r: &Rect) -> (f64, f64, f64, f64) {
    let x0 = f64::from(r.x) / level.scale_x;
    let y0 = f64::from(r.y) / level.scale_y;
    let x1 = if r.right() == s.width { f64::from(level.width) } else { (f64::from(r.right()) / level.scale_x).min(f64::from(level.width)) };
    let y1 = if r.bottom() == s.height { f64::from(level.height) } else { (f64::from(r.bottom()) / level.scale_y).min(f64::from(level.height)) };
    (x0, y0, x1, y1)
}

const EPS: f64 = 1e-6;

/// The mirror, and the clockwise quarter turns (in degrees), that stand the stored pixels
/// upright before the request's rotation, with the request's mirror: a mirror moved past a
/// rotation reverses it.
fn orient(s: &Structure, mirror: bool) -> (bool, u32) {
    let (fix_mirror, fix_turn) = s.orientation.correction();
    let turn = if mirror { (360 - fix_turn) % 360 } else { fix_turn };
    (fix_mirror ^ mirror, turn)
}

pub fn plan(codec: &dyn Codec, ops: &Operations) -> Result<Plan> {
    let s = codec.structure();
    let (uw, uh) = s.orientation.upright((s.width, s.height));
    if !ops.region.fits_in(uw, uh) {
        let r = ops.region;
        return Err(Error::Request(format!("the region {},{},{},{} is not inside the {uw}x{uh} image", r.x, r.y, r.w, r.h)));
    }
    if ops.width == 0 || ops.height == 0 {
        return Err(Error::Request("the output size is empty".into()));
    }
    if !(0.0..=360.0).contains(&ops.rotation) {
        return Err(Error::Request(format!("the rotation {} is not between 0 and 360", ops.rotation)));
    }
    // The output: the requested size turned by the requested rotation (`bindings` gives Python
    // the same function, so that a request is refused before it reaches the core).
    let output = turned_size(ops.width, ops.height, ops.rotation);
    if let Some(max) = ops.encoding.max_side(ops.format).filter(|&max| output.0 > max || output.1 > max) {
        return Err(Error::Request(format!("{} images are at most {max} pixels wide and high", ops.format.extension())));
    }
    let r = s.orientation.to_stored(ops.region, (s.width, s.height));
    let (out_w, out_h) = s.orientation.upright((ops.width, ops.height));
    // The smallest level that still holds at least as many pixels as the output needs.
    let (tw, th) = (f64::from(out_w), f64::from(out_h));
    let level = (0..s.levels.len())
        .rev()
        .find(|&i| {
            let (x0, y0, x1, y1) = area_in_level(&s.levels[i], s, &r);
            x1 - x0 >= tw - EPS && y1 - y0 >= th - EPS
        })
        .unwrap_or(0);
    let l = &s.levels[level];
    let (x0, y0, x1, y1) = area_in_level(l, s, &r);
    let rx0 = (x0 + EPS).floor().max(0.0) as u32;
    let ry0 = (y0 + EPS).floor().max(0.0) as u32;
    let rx1 = ((x1 - EPS).ceil() as u32).clamp(rx0 + 1, l.width);
    let ry1 = ((y1 - EPS).ceil() as u32).clamp(ry0 + 1, l.height);
    let read = Rect::new(rx0, ry0, rx1 - rx0, ry1 - ry0);
    let area = SourceBox { left: x0 - f64::from(rx0), top: y0 - f64::from(ry0), width: x1 - x0, height: y1 - y0 };
    let exact = area.left.abs() < EPS
        && area.top.abs() < EPS
        && (area.width - tw).abs() < EPS
        && (area.height - th).abs() < EPS
        && read.w == out_w
        && read.h == out_h;
    if let Some(r) = ops.redactions.iter().find(|r| !r.rect.fits_in(uw, uh)) {
        let r = r.rect;
        return Err(Error::Request(format!("the redaction {},{},{},{} is not inside the {uw}x{uh} image", r.x, r.y, r.w, r.h)));
    }
    let mut steps = Vec::new();
    let fills = redact::fills(s, l, read, &ops.redactions);
    if !fills.is_empty() {
        steps.push(Step::Redact(fills));
    }
    if !exact {
        let shrinks = f64::from(out_w) * f64::from(out_h) <= area.width * area.height;
        let filter = if shrinks { ops.downscale } else { ops.upscale };
        steps.push(Step::Resize { area, width: out_w, height: out_h, filter });
    }
    let (mirror, turn) = orient(s, ops.mirror);
    if mirror {
        steps.push(Step::Mirror);
    }
    match quarter_turns(ops.rotation) {
        Some(quarters) => {
            let degrees = (quarters * 90 + turn) % 360;
            if degrees != 0 {
                steps.push(Step::Rotate(degrees));
            }
        }
        None => steps.push(Step::RotateAny { degrees: (ops.rotation + f64::from(turn)) % 360.0, canvas: output }),
    }
    let alpha = s.channels == 2 || s.channels == 4 || steps.iter().any(|s| matches!(s, Step::RotateAny { .. }));
    // Flatten before colour, so that a bitonal image from one with alpha is black and white only.
    if alpha && !ops.format.has_alpha() {
        steps.push(Step::Flatten(ops.background));
    }
    let overlay = ops.overlay.as_ref().filter(|o| o.applies(output));
    if let Some(o) = overlay {
        steps.push(Step::Overlay(o.clone()));
    }
    match ops.quality {
        Quality::Gray if s.channels >= 3 => steps.push(Step::Gray),
        Quality::Bitonal => steps.push(Step::Bitonal),
        _ => {}
    }
    let recoloured = steps.iter().any(|s| matches!(s, Step::Gray | Step::Bitonal));
    // A colourful overlay turns a gray image to colour, which a gray profile no longer describes.
    let channels = if s.channels < 3 && overlay.is_some_and(|o| o.colourful()) { s.channels + 2 } else { s.channels };
    let icc = s.icc.as_ref().filter(|_| !recoloured).and_then(|p| icc::fits(p, channels));
    let request = passthrough::Request { format: ops.format, changes_pixels: !steps.is_empty() || ops.drawn_after, read };
    let passthrough = passthrough::decide(request, codec.stored_chunks(level));
    Ok(Plan { level, read, steps, output, format: ops.format, encoding: ops.encoding, icc, passthrough })
}

impl Plan {
    pub fn bilevel(&self) -> bool {
        self.steps.iter().any(|s| matches!(s, Step::Bitonal))
    }

    pub fn resizes(&self) -> bool {
        self.steps.iter().any(|s| matches!(s, Step::Resize { .. }))
    }

    /// The plan in words, one step a line, for logs, `casaba inspect` and tests.
    pub fn describe(&self, s: &Structure) -> Vec<String> {
        let l = &s.levels[self.level];
        let r = self.read;
        if let Ok(tile) = self.passthrough {
            let how = match tile.cut {
                Some((w, h)) => format!("cut losslessly to {w}x{h}"),
                None => "as it is".to_string(),
            };
            return vec![format!("send stored JPEG tile {} of level {} ({}x{}) {how}", tile.index, self.level, l.width, l.height)];
        }
        let mut lines = vec![format!("read level {} ({}x{}) rect {},{},{},{}", self.level, l.width, l.height, r.x, r.y, r.w, r.h)];
        lines.extend(self.steps.iter().map(|step| match step {
            Step::Redact(fills) => {
                let each = fills.iter().map(|(r, [red, green, blue])| format!("{},{},{},{} #{red:02x}{green:02x}{blue:02x}", r.x, r.y, r.w, r.h));
                format!("redact {}", each.collect::<Vec<_>>().join(" "))
            }
            Step::Resize { area: a, width, height, filter } => {
                format!("resize {:.3},{:.3},{:.3},{:.3} to {width}x{height} ({})", a.left, a.top, a.width, a.height, filter.name())
            }
            Step::Mirror => "mirror".into(),
            Step::Rotate(degrees) => format!("rotate {degrees}"),
            Step::RotateAny { degrees, .. } => format!("rotate {degrees} onto a larger transparent canvas"),
            Step::Flatten(_) => "flatten alpha".into(),
            Step::Overlay(o) => format!("overlay {} inset {}", o.position.name(), o.inset),
            Step::Gray => "gray".into(),
            Step::Bitonal => "bitonal".into(),
        }));
        let e = &self.encoding;
        lines.push(match self.format {
            OutputFormat::Jpeg => format!("encode jpg q{}", e.jpeg_quality),
            OutputFormat::Tiff if e.tiff_compression == Compression::Jpeg => format!("encode tif jpeg q{}", e.jpeg_quality),
            OutputFormat::Tiff => format!("encode tif {}", e.tiff_compression.name()),
            OutputFormat::Webp => format!("encode webp q{}", e.webp_quality),
            OutputFormat::Png | OutputFormat::Gif => format!("encode {}", self.format.extension()),
        });
        lines
    }
}

#[cfg(test)]
mod tests;

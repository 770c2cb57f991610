//! The plan for one request: which level to read, what rectangle of it, and the steps that
//! change something. Steps with no effect never enter the plan.

use crate::encode::OutputFormat;
use crate::errors::{format_error, Result};
use crate::geometry::Rect;
use crate::ops::resize::SourceBox;
use crate::structure::{Level, Structure};

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

/// What the request asks for, in full-resolution coordinates, already validated against the image.
#[derive(Debug, Clone, Copy)]
pub struct Operations {
    pub region: Rect,
    /// Output size before rotation.
    pub width: u32,
    pub height: u32,
    pub mirror: bool,
    /// Clockwise degrees: 0, 90, 180 or 270.
    pub rotation: u32,
    pub quality: Quality,
    pub format: OutputFormat,
    pub jpeg_quality: u8,
    /// What transparent pixels become in a format without alpha.
    pub background: [u8; 3],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorStep {
    Gray,
    Bitonal,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub level: usize,
    /// The rectangle to decode, in the level's coordinates.
    pub read: Rect,
    /// The part of the decoded rectangle to resample to `width` x `height`, when not already that.
    pub resize: Option<SourceBox>,
    pub width: u32,
    pub height: u32,
    pub mirror: bool,
    pub rotation: u32,
    pub color: Option<ColorStep>,
    pub flatten: Option<[u8; 3]>,
    pub format: OutputFormat,
    pub jpeg_quality: u8,
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

pub fn plan(s: &Structure, ops: &Operations) -> Result<Plan> {
    let r = ops.region;
    if r.w == 0 || r.h == 0 || r.right() > s.width || r.bottom() > s.height {
        return Err(format_error(format!("region {r:?} is not inside the {}x{} image", s.width, s.height)));
    }
    if ops.width == 0 || ops.height == 0 {
        return Err(format_error("the output size is empty"));
    }
    if !matches!(ops.rotation, 0 | 90 | 180 | 270) {
        return Err(format_error(format!("rotation {} is not a multiple of 90", ops.rotation)));
    }
    // The smallest level that still holds at least as many pixels as the output needs.
    let (tw, th) = (f64::from(ops.width), f64::from(ops.height));
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
        && read.w == ops.width
        && read.h == ops.height;
    let color = match ops.quality {
        Quality::Gray if s.channels >= 3 => Some(ColorStep::Gray),
        Quality::Bitonal => Some(ColorStep::Bitonal),
        _ => None,
    };
    let has_alpha = s.channels == 2 || s.channels == 4;
    Ok(Plan {
        level,
        read,
        resize: (!exact).then_some(area),
        width: ops.width,
        height: ops.height,
        mirror: ops.mirror,
        rotation: ops.rotation,
        color,
        flatten: (has_alpha && !ops.format.has_alpha()).then_some(ops.background),
        format: ops.format,
        jpeg_quality: ops.jpeg_quality,
    })
}

impl Plan {
    /// The plan in words, one step a line, for logs, `casaba inspect` and tests.
    pub fn steps(&self, s: &Structure) -> Vec<String> {
        let l = &s.levels[self.level];
        let r = self.read;
        let mut steps = vec![format!("read level {} ({}x{}) rect {},{},{},{}", self.level, l.width, l.height, r.x, r.y, r.w, r.h)];
        if let Some(a) = self.resize {
            steps.push(format!(
                "resize {:.3},{:.3},{:.3},{:.3} to {}x{}",
                a.left, a.top, a.width, a.height, self.width, self.height
            ));
        }
        if self.mirror {
            steps.push("mirror".into());
        }
        if self.rotation != 0 {
            steps.push(format!("rotate {}", self.rotation));
        }
        match self.color {
            Some(ColorStep::Gray) => steps.push("gray".into()),
            Some(ColorStep::Bitonal) => steps.push("bitonal".into()),
            None => {}
        }
        if self.flatten.is_some() {
            steps.push("flatten alpha".into());
        }
        steps.push(match self.format {
            OutputFormat::Jpeg => format!("encode jpg q{}", self.jpeg_quality),
            OutputFormat::Png => "encode png".into(),
        });
        steps
    }
}

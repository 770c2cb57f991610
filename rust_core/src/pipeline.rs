//! Carrying out a plan: decode the planned rectangle, apply its steps in order, encode.

use std::sync::Arc;

use crate::codec::Codec;
use crate::encode::{self, OutputFormat};
use crate::errors::Result;
use crate::geometry::Rect;
use crate::pixels::Pixels;
use crate::icc;
use crate::limits::Limits;
use crate::ops::{color, orient, resize};
use crate::plan::{Plan, Step};

/// The whole image at full resolution, stood upright (its orientation applied).
pub fn upright(codec: &dyn Codec, limits: &Limits) -> Result<Pixels> {
    let s = codec.structure();
    let mut p = codec.read(0, Rect::new(0, 0, s.width, s.height), limits)?;
    let (mirror, degrees) = s.orientation.correction();
    if mirror {
        p = orient::mirror(p);
    }
    Ok(orient::rotate(p, degrees))
}

pub fn render(codec: &dyn Codec, plan: &Plan, limits: &Limits) -> Result<Vec<u8>> {
    if let Ok(tile) = plan.passthrough {
        let jpeg = codec.read_stored_jpeg(plan.level, tile)?;
        return Ok(match plan.icc.as_deref() {
            Some(profile) => icc::into_jpeg(jpeg, profile),
            None => jpeg,
        });
    }
    let mut p = codec.read_shared(plan.level, plan.read, limits)?;
    for step in &plan.steps {
        p = Arc::new(match *step {
            Step::Resize { area, width, height, filter } => resize::resize(&p, area, width, height, filter, limits)?,
            Step::Mirror => orient::mirror(Arc::unwrap_or_clone(p)),
            Step::Rotate(degrees) => orient::rotate(Arc::unwrap_or_clone(p), degrees),
            Step::RotateAny(degrees) => orient::rotate_any(&p, degrees, limits)?,
            Step::Flatten(background) => color::flatten(Arc::unwrap_or_clone(p), background),
            Step::Gray => color::to_gray(Arc::unwrap_or_clone(p)),
            Step::Bitonal => color::to_bitonal(Arc::unwrap_or_clone(p)),
        });
    }
    let e = &plan.encoding;
    let icc = plan.icc.as_deref();
    match plan.format {
        OutputFormat::Jpeg => encode::jpeg::encode(&p, e.jpeg_quality, e.jpeg_progressive, icc),
        OutputFormat::Png => encode::png::encode(&p, plan.bilevel(), icc),
        OutputFormat::Gif => encode::gif::encode(&p, plan.bilevel()),
        OutputFormat::Webp => encode::webp::encode(&p, e.webp_quality),
        OutputFormat::Tiff => encode::tiff::encode(&p, e.tiff_compression, e.jpeg_quality, plan.bilevel(), icc),
    }
}

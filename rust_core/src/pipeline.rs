//! Carrying out a plan: decode, resize, orient, colour, encode, in that order.

use crate::codec::Codec;
use crate::encode::{self, OutputFormat};
use crate::errors::Result;
use crate::limits::Limits;
use crate::ops::{color, orient, resize};
use crate::plan::{ColorStep, Plan};

pub fn render(codec: &dyn Codec, plan: &Plan, limits: &Limits) -> Result<Vec<u8>> {
    let mut p = codec.read(plan.level, plan.read, limits)?;
    if let Some(area) = plan.resize {
        p = resize::resize(&p, area, plan.width, plan.height, limits)?;
    }
    if plan.mirror {
        p = orient::mirror(p);
    }
    p = orient::rotate(p, plan.rotation);
    p = match plan.color {
        Some(ColorStep::Gray) => color::to_gray(p),
        Some(ColorStep::Bitonal) => color::to_bitonal(p),
        None => p,
    };
    if let Some(background) = plan.flatten {
        p = color::flatten(p, background);
    }
    match plan.format {
        OutputFormat::Jpeg => encode::jpeg::encode(&p, plan.jpeg_quality),
        OutputFormat::Png => encode::png::encode(&p, plan.color == Some(ColorStep::Bitonal)),
    }
}

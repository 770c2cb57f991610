//! Resampling with fast_image_resize (Lanczos3, SIMD chosen at run time).

use std::cell::RefCell;

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use crate::errors::{format_error, Result};
use crate::limits::Limits;
use crate::pixels::Pixels;

/// A source rectangle with fractional edges, in the source image's pixel coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SourceBox {
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
}

thread_local! {
    static RESIZER: RefCell<Resizer> = RefCell::new(Resizer::new());
}

fn pixel_type(channels: u8) -> PixelType {
    match channels {
        1 => PixelType::U8,
        2 => PixelType::U8x2,
        3 => PixelType::U8x3,
        _ => PixelType::U8x4,
    }
}

/// `src`'s `area` resampled to `width` x `height`; alpha is premultiplied while filtering.
pub fn resize(src: &Pixels, area: SourceBox, width: u32, height: u32, limits: &Limits) -> Result<Pixels> {
    let mut out = Pixels::new(width, height, src.channels, limits)?;
    let kind = pixel_type(src.channels);
    let src_view = ImageRef::new(src.width, src.height, &src.data, kind).map_err(|e| format_error(e.to_string()))?;
    let mut dst_view = Image::from_slice_u8(width, height, &mut out.data, kind).map_err(|e| format_error(e.to_string()))?;
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3))
        .crop(area.left, area.top, area.width, area.height);
    RESIZER
        .with(|r| r.borrow_mut().resize(&src_view, &mut dst_view, &options))
        .map_err(|e| format_error(format!("resize failed: {e}")))?;
    Ok(out)
}

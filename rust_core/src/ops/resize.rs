//! Resampling with fast_image_resize (SIMD chosen at run time), with Cantaloupe's filters.

use std::cell::RefCell;

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{Filter as Kernel, FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

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

impl SourceBox {
    /// The part of this box's columns from `top` to `bottom`, its height rounded down where
    /// need be so that `top + height` never passes `bottom`.
    pub fn rows(self, top: f64, bottom: f64) -> SourceBox {
        let mut height = bottom - top;
        while top + height > bottom && height > 0.0 {
            height = f64::from_bits(height.to_bits() - 1); // the next smaller positive f64
        }
        SourceBox { top, height, ..self }
    }
}

/// The resampling filters of Cantaloupe's `processor.downscale_filter` and `upscale_filter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    Bell,
    Bicubic,
    Box,
    BSpline,
    Hermite,
    Lanczos3,
    Mitchell,
    Triangle,
}

impl Filter {
    pub fn parse(name: &str) -> Option<Filter> {
        Some(match name {
            "bell" => Filter::Bell,
            "bicubic" => Filter::Bicubic,
            "box" => Filter::Box,
            "bspline" => Filter::BSpline,
            "hermite" => Filter::Hermite,
            "lanczos3" => Filter::Lanczos3,
            "mitchell" => Filter::Mitchell,
            "triangle" => Filter::Triangle,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Filter::Bell => "bell",
            Filter::Bicubic => "bicubic",
            Filter::Box => "box",
            Filter::BSpline => "bspline",
            Filter::Hermite => "hermite",
            Filter::Lanczos3 => "lanczos3",
            Filter::Mitchell => "mitchell",
            Filter::Triangle => "triangle",
        }
    }

    fn kernel(self) -> FilterType {
        let custom = |name, func, support| FilterType::Custom(Kernel::new(name, func, support).expect("a positive, finite support"));
        match self {
            Filter::Bell => custom("bell", bell, 1.5),
            Filter::Bicubic => FilterType::CatmullRom,
            Filter::Box => FilterType::Box,
            Filter::BSpline => custom("bspline", bspline, 2.0),
            Filter::Hermite => custom("hermite", hermite, 1.0),
            Filter::Lanczos3 => FilterType::Lanczos3,
            Filter::Mitchell => FilterType::Mitchell,
            Filter::Triangle => FilterType::Bilinear,
        }
    }
}

fn bell(x: f64) -> f64 {
    let x = x.abs();
    if x < 0.5 {
        0.75 - x * x
    } else if x < 1.5 {
        0.5 * (x - 1.5) * (x - 1.5)
    } else {
        0.0
    }
}

fn bspline(x: f64) -> f64 {
    let x = x.abs();
    if x < 1.0 {
        2.0 / 3.0 - x * x + x * x * x / 2.0
    } else if x < 2.0 {
        (2.0 - x).powi(3) / 6.0
    } else {
        0.0
    }
}

fn hermite(x: f64) -> f64 {
    let x = x.abs();
    if x < 1.0 {
        (2.0 * x - 3.0) * x * x + 1.0
    } else {
        0.0
    }
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

/// `src`'s `area` resampled to `width` x `height` with `filter`; alpha is premultiplied while
/// filtering.
pub fn resize(src: &Pixels, area: SourceBox, width: u32, height: u32, filter: Filter, limits: &Limits) -> Result<Pixels> {
    let mut out = Pixels::new(width, height, src.channels, limits)?;
    let kind = pixel_type(src.channels);
    let src_view = ImageRef::new(src.width, src.height, &src.data, kind).map_err(|e| format_error(e.to_string()))?;
    let mut dst_view = Image::from_slice_u8(width, height, &mut out.data, kind).map_err(|e| format_error(e.to_string()))?;
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(filter.kernel()))
        .crop(area.left, area.top, area.width, area.height);
    RESIZER
        .with(|r| r.borrow_mut().resize(&src_view, &mut dst_view, &options))
        .map_err(|e| format_error(format!("resize failed: {e}")))?;
    Ok(out)
}

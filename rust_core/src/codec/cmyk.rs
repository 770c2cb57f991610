//! CMYK to RGB: through the image's own ICC profile when it has a usable one (moxcms), else by
//! `(255 - C) * (255 - K) / 255` per channel, as Pillow and most viewers do without a profile.

use std::sync::Arc;

use moxcms::{ColorProfile, DataColorSpace, Layout, RenderingIntent, Transform8BitExecutor, TransformOptions};

use crate::errors::{format_error, Result};
use crate::pixels::Pixels;

#[derive(Clone)]
pub enum CmykToRgb {
    Naive,
    /// A transform from the image's CMYK profile to sRGB, built once per opened image.
    Profile(Arc<Transform8BitExecutor>),
}

impl CmykToRgb {
    /// Through `icc` when it is a CMYK profile that moxcms can use; a profile it cannot is
    /// ignored, as viewers ignore a broken profile.
    pub fn for_profile(icc: Option<&[u8]>) -> CmykToRgb {
        let transform = icc.and_then(|bytes| ColorProfile::new_from_slice(bytes).ok()).filter(|p| p.color_space == DataColorSpace::Cmyk).and_then(|p| {
            p.create_transform_8bit(Layout::Rgba, &ColorProfile::new_srgb(), Layout::Rgb, TransformOptions { rendering_intent: RenderingIntent::RelativeColorimetric, ..TransformOptions::default() }).ok()
        });
        transform.map_or(CmykToRgb::Naive, CmykToRgb::Profile)
    }

    /// Four-channel ink amounts (0 = no ink) to RGB.
    pub fn convert(&self, p: Pixels) -> Result<Pixels> {
        debug_assert_eq!(p.channels, 4);
        let data = match self {
            CmykToRgb::Naive => p.data.chunks_exact(4).flat_map(|px| pixel(px[0], px[1], px[2], px[3])).collect(),
            CmykToRgb::Profile(t) => {
                let mut out = vec![0; p.data.len() / 4 * 3];
                t.transform(&p.data, &mut out).map_err(|e| format_error(format!("CMYK colour conversion failed: {e}")))?;
                out
            }
        };
        Ok(Pixels { width: p.width, height: p.height, channels: 3, data })
    }
}

/// One CMYK pixel (ink amounts) to RGB without a profile.
pub fn pixel(c: u8, m: u8, y: u8, k: u8) -> [u8; 3] {
    let paper = 255 - u32::from(k);
    [c, m, y].map(|ink| (((255 - u32::from(ink)) * paper + 127) / 255) as u8)
}

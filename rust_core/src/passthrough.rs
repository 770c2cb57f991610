//! Aligned JPEG tile passthrough: when a request is exactly one stored JPEG tile with nothing to
//! change, the tile's bytes (with the file's shared JPEG tables merged in) are the answer; no
//! pixel is decoded. One function decides, and names its reason when it refuses.

use crate::codec::Codec;
use crate::encode::OutputFormat;
use crate::plan::Plan;

/// Why a request is not answered with a stored tile as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The output format is not JPEG.
    NotJpegOutput,
    /// The plan changes pixels (resize, mirror, rotation, colour).
    Processing,
    /// The level is not stored as JPEG tiles (another format or compression, or strips).
    NotJpegTiles,
    /// The region is not exactly one stored tile.
    NotOneTile,
    /// The tile is at the right or bottom edge: its stored JPEG is padded beyond the image.
    EdgeTile,
    /// The tile's colours are not what a viewer reads from a plain JPEG (alpha, CMYK, other
    /// photometric interpretations).
    ColourModel,
    /// The tile's byte count is not that of a real JPEG tile (empty or impossibly large).
    ImplausibleTile,
}

impl Refusal {
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::NotJpegOutput => "the output format is not jpg",
            Refusal::Processing => "the request changes pixels",
            Refusal::NotJpegTiles => "the level is not stored as JPEG tiles",
            Refusal::NotOneTile => "the region is not exactly one stored tile",
            Refusal::EdgeTile => "edge tiles are stored padded",
            Refusal::ColourModel => "the tiles' colour model is not plain JPEG's",
            Refusal::ImplausibleTile => "the tile's stored size is implausible",
        }
    }
}

/// The stored tile (its index in the level's tile grid) that answers `plan` as it is.
pub fn decide(codec: &dyn Codec, plan: &Plan) -> Result<u32, Refusal> {
    if plan.format != OutputFormat::Jpeg {
        return Err(Refusal::NotJpegOutput);
    }
    if !plan.steps.is_empty() {
        return Err(Refusal::Processing);
    }
    codec.stored_jpeg_tile(plan.level, plan.read)
}

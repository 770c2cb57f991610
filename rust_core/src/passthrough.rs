//! Aligned JPEG tile passthrough: when a request is exactly one stored JPEG tile with nothing to
//! change, the tile's bytes (with the file's shared JPEG tables merged in) are the answer; no
//! pixel is decoded. A tile at the right or bottom edge of a level, stored padded to the full
//! tile size, is cut to the image's edge losslessly (its DCT blocks kept as stored, only their
//! entropy coding redone). One function decides, and names its reason when it refuses.

use crate::codec::Codec;
use crate::codec::jpeg;
use crate::encode::OutputFormat;
use crate::errors::{format_error, Result};
use crate::plan::Plan;
use crate::turbo;

/// The stored tile that answers a request: its index in the level's tile grid, and the size to
/// cut it to when it lies at an edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredTile {
    pub index: u32,
    pub cut: Option<(u32, u32)>,
}

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
            Refusal::ColourModel => "the tiles' colour model is not plain JPEG's",
            Refusal::ImplausibleTile => "the tile's stored size is implausible",
        }
    }
}

/// The stored tile that answers `plan`.
pub fn decide(codec: &dyn Codec, plan: &Plan) -> std::result::Result<StoredTile, Refusal> {
    if plan.format != OutputFormat::Jpeg {
        return Err(Refusal::NotJpegOutput);
    }
    if !plan.steps.is_empty() {
        return Err(Refusal::Processing);
    }
    codec.stored_jpeg_tile(plan.level, plan.read)
}

/// The stored JPEG `tile` of a `tile_size` grid cut to its top-left `width` x `height`,
/// losslessly: the blocks kept are not decoded, and a partial block at the new edge keeps its
/// data.
pub fn cut(tile: &[u8], tile_size: (u32, u32), width: u32, height: u32) -> Result<Vec<u8>> {
    let header = jpeg::read_header(tile)?;
    if (header.width, header.height) == (width, height) {
        return Ok(tile.to_vec());
    }
    // The transform reads every block the stream claims: no more than a tile's worth.
    if header.width > tile_size.0 || header.height > tile_size.1 {
        return Err(format_error("a stored edge tile claims to be larger than a tile"));
    }
    if header.width < width || header.height < height {
        return Err(format_error("a stored edge tile is smaller than the part of the image it holds"));
    }
    turbo::transform(tile, Some((width, height)), 0, "cutting a stored edge tile")
}

//! Aligned JPEG tile passthrough: when a request is exactly one stored JPEG tile with nothing to
//! change, the tile's bytes (with the file's shared JPEG tables merged in) are the answer; no
//! pixel is decoded. A tile at the right or bottom edge of a level, stored padded to the full
//! tile size, is cut to the image's edge losslessly (see `pipeline`). One function decides, from
//! the plan and the facts the codec gives of how the level is stored, and names its reason when
//! it refuses.

use crate::codec::{StoredChunks, StoredColours};
use crate::encode::OutputFormat;
use crate::formats::tiff_compression::Compression;
use crate::geometry::Rect;

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

/// What the decision reads of a plan: the output format, whether any step changes pixels, and
/// the rectangle read of the level.
#[derive(Debug, Clone, Copy)]
pub struct Request {
    pub format: OutputFormat,
    pub changes_pixels: bool,
    pub read: Rect,
}

/// The stored tile that answers `request` on a level stored as `stored` says, or why none does.
pub fn decide(request: Request, stored: Option<StoredChunks>) -> Result<StoredTile, Refusal> {
    if request.format != OutputFormat::Jpeg {
        return Err(Refusal::NotJpegOutput);
    }
    if request.changes_pixels {
        return Err(Refusal::Processing);
    }
    let Some(stored) = stored.filter(|s| s.compression == Compression::Jpeg && s.tiled) else {
        return Err(Refusal::NotJpegTiles);
    };
    let rect = request.read;
    let ((tw, th), (width, height)) = (stored.size, stored.level);
    if rect.x % tw != 0 || rect.y % th != 0 {
        return Err(Refusal::NotOneTile);
    }
    // A tile at the right or bottom edge holds the rest of the image, padded.
    let rest = (tw.min(width.saturating_sub(rect.x)), th.min(height.saturating_sub(rect.y)));
    if (rect.w, rect.h) != rest {
        return Err(Refusal::NotOneTile);
    }
    let cut = (rest != (tw, th)).then_some(rest);
    // The stored stream says itself whether it holds YCbCr or RGB (JFIF or Adobe markers,
    // component ids), and a viewer reads it as the core's decoder does; what a plain JPEG
    // cannot carry is alpha or CMYK meant to be shown as RGB.
    let plain = match stored.colours {
        StoredColours::YCbCr | StoredColours::Rgb => stored.samples == 3,
        StoredColours::Gray => stored.samples == 1,
        StoredColours::Other => false,
    };
    if !plain || stored.alpha {
        return Err(Refusal::ColourModel);
    }
    let index = (rect.y / th) * width.div_ceil(tw) + rect.x / tw;
    // A real tile holds at least SOI, a frame and a scan; more than three bytes a sample
    // is beyond any JPEG quality.
    let most = u64::from(tw) * u64::from(th) * u64::from(stored.samples) * 3 + 65_536;
    match stored.byte_counts.get(index as usize) {
        Some(&count) if (64..=most).contains(&count) => Ok(StoredTile { index, cut }),
        _ => Err(Refusal::ImplausibleTile),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 600x500 level in 256x256 JPEG tiles (3x2 of them), every tile 5000 bytes.
    const COUNTS: [u64; 6] = [5000; 6];

    fn tiles() -> StoredChunks<'static> {
        StoredChunks {
            compression: Compression::Jpeg,
            tiled: true,
            size: (256, 256),
            level: (600, 500),
            colours: StoredColours::YCbCr,
            samples: 3,
            alpha: false,
            byte_counts: &COUNTS,
            cache_id: 1,
        }
    }

    fn jpeg(read: Rect) -> Request {
        Request { format: OutputFormat::Jpeg, changes_pixels: false, read }
    }

    #[test]
    fn an_aligned_inner_tile_is_sent_as_it_is() {
        assert_eq!(decide(jpeg(Rect::new(256, 0, 256, 256)), Some(tiles())), Ok(StoredTile { index: 1, cut: None }));
    }

    #[test]
    fn an_edge_tile_is_cut_to_the_image() {
        assert_eq!(decide(jpeg(Rect::new(512, 0, 88, 256)), Some(tiles())), Ok(StoredTile { index: 2, cut: Some((88, 256)) }));
        assert_eq!(decide(jpeg(Rect::new(256, 256, 256, 244)), Some(tiles())), Ok(StoredTile { index: 4, cut: Some((256, 244)) }));
        assert_eq!(decide(jpeg(Rect::new(512, 256, 88, 244)), Some(tiles())), Ok(StoredTile { index: 5, cut: Some((88, 244)) }));
    }

    #[test]
    fn gray_and_rgb_tiles_are_plain_jpeg() {
        let gray = StoredChunks { colours: StoredColours::Gray, samples: 1, ..tiles() };
        assert!(decide(jpeg(Rect::new(0, 0, 256, 256)), Some(gray)).is_ok());
        let rgb = StoredChunks { colours: StoredColours::Rgb, ..tiles() };
        assert!(decide(jpeg(Rect::new(0, 0, 256, 256)), Some(rgb)).is_ok());
    }

    #[test]
    fn another_output_format_is_refused() {
        let request = Request { format: OutputFormat::Png, ..jpeg(Rect::new(0, 0, 256, 256)) };
        assert_eq!(decide(request, Some(tiles())), Err(Refusal::NotJpegOutput));
    }

    #[test]
    fn a_change_to_the_pixels_is_refused() {
        let request = Request { changes_pixels: true, ..jpeg(Rect::new(0, 0, 256, 256)) };
        assert_eq!(decide(request, Some(tiles())), Err(Refusal::Processing));
    }

    #[test]
    fn levels_not_in_jpeg_tiles_are_refused() {
        let one_tile = jpeg(Rect::new(0, 0, 256, 256));
        assert_eq!(decide(one_tile, None), Err(Refusal::NotJpegTiles));
        let strips = StoredChunks { tiled: false, ..tiles() };
        assert_eq!(decide(one_tile, Some(strips)), Err(Refusal::NotJpegTiles));
        let lzw = StoredChunks { compression: Compression::Lzw, ..tiles() };
        assert_eq!(decide(one_tile, Some(lzw)), Err(Refusal::NotJpegTiles));
    }

    #[test]
    fn a_region_that_is_not_one_tile_is_refused() {
        for read in [Rect::new(1, 0, 256, 256), Rect::new(0, 0, 255, 256), Rect::new(0, 0, 512, 256), Rect::new(512, 0, 87, 256)] {
            assert_eq!(decide(jpeg(read), Some(tiles())), Err(Refusal::NotOneTile), "{read:?}");
        }
    }

    #[test]
    fn colours_a_plain_jpeg_cannot_carry_are_refused() {
        let one_tile = jpeg(Rect::new(0, 0, 256, 256));
        let with_alpha = StoredChunks { samples: 4, alpha: true, ..tiles() };
        let cmyk = StoredChunks { colours: StoredColours::Other, samples: 4, ..tiles() };
        let extra_sample = StoredChunks { samples: 4, ..tiles() };
        for stored in [with_alpha, cmyk, extra_sample] {
            assert_eq!(decide(one_tile, Some(stored)), Err(Refusal::ColourModel), "{stored:?}");
        }
    }

    #[test]
    fn implausible_byte_counts_are_refused() {
        let one_tile = jpeg(Rect::new(0, 0, 256, 256));
        for count in [0, 63, 256 * 256 * 9 + 65_537] {
            let counts = [count; 6];
            let stored = StoredChunks { byte_counts: &counts, ..tiles() };
            assert_eq!(decide(one_tile, Some(stored)), Err(Refusal::ImplausibleTile), "{count}");
        }
        let missing = StoredChunks { byte_counts: &COUNTS[..1], ..tiles() };
        assert_eq!(decide(jpeg(Rect::new(256, 0, 256, 256)), Some(missing)), Err(Refusal::ImplausibleTile));
    }
}

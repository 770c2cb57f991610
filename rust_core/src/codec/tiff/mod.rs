//! TIFF: strips and tiles, pyramids as a chain of reduced directories or as SubIFDs.
//!
//! A read decodes only the chunks that meet the requested rectangle of the chosen level.

mod chunk;
mod ifd;
mod layout;

use crate::codec::Codec;
use crate::errors::{format_error, Result};
use crate::geometry::Rect;
use crate::limits::Limits;
use crate::pixels::Pixels;
use crate::source::ByteSource;
use crate::structure::{Format, Level, Structure};

use ifd::{tag, TiffReader};
use layout::Layout;

pub struct TiffCodec {
    source: ByteSource,
    structure: Structure,
    /// One layout per entry of `structure.levels`.
    layouts: Vec<Layout>,
}

/// Whether `candidate` is a reduced version of `full`: smaller, same colours, same aspect.
fn is_level_of(candidate: &Layout, full: &Layout) -> bool {
    if candidate.width >= full.width || candidate.channels() != full.channels() {
        return false;
    }
    // A level's width was rounded to a whole pixel, which moves the height it implies by up to
    // the aspect ratio: several pixels in a narrow image, more than the 1% allowed otherwise.
    let aspect = f64::from(full.height) / f64::from(full.width);
    let expected_h = aspect * f64::from(candidate.width);
    let slack = (expected_h * 0.01).max(1.0) + aspect;
    (f64::from(candidate.height) - expected_h).abs() <= slack
}

impl TiffCodec {
    pub fn open(source: ByteSource, _limits: &Limits) -> Result<TiffCodec> {
        let layouts = {
            let (reader, first) = TiffReader::new(&source)?;
            let chain = reader.chain(first)?;
            let main = chain.first().ok_or_else(|| format_error("the TIFF file has no image directory"))?;
            let full = Layout::read(&reader, main)?;
            let mut candidates = Vec::new();
            let sub_ifds = reader.uints(main, tag::SUB_IFDS)?.unwrap_or_default();
            for offset in sub_ifds {
                candidates.push(reader.directory(offset)?);
            }
            candidates.extend(chain.into_iter().skip(1));
            // Directories that are not levels of the first (other pages, labels, thumbnails in
            // formats we do not read) are skipped rather than refused.
            let mut levels: Vec<Layout> = candidates
                .iter()
                .filter_map(|dir| Layout::read(&reader, dir).ok())
                .filter(|l| is_level_of(l, &full))
                .collect();
            levels.push(full);
            levels.sort_by_key(|l| std::cmp::Reverse(l.width));
            levels.dedup_by(|a, b| a.width == b.width);
            levels
        };
        let full = &layouts[0];
        let structure = Structure {
            format: Format::Tiff,
            width: full.width,
            height: full.height,
            channels: full.channels(),
            levels: layouts.iter().map(|l| Level::new(l.width, l.height, full.width, full.height)).collect(),
            tile: full.tiled.then_some((full.chunk_w, full.chunk_h)),
            compression: full.compression.name(),
        };
        Ok(TiffCodec { source, structure, layouts })
    }
}

impl Codec for TiffCodec {
    fn structure(&self) -> &Structure {
        &self.structure
    }

    fn read(&self, level: usize, rect: Rect, limits: &Limits) -> Result<Pixels> {
        let layout = &self.layouts[level];
        let mut out = Pixels::new(rect.w, rect.h, layout.channels(), limits)?;
        let (cols, _) = layout.grid();
        let first_col = rect.x / layout.chunk_w;
        let last_col = (rect.right() - 1) / layout.chunk_w;
        let first_row = rect.y / layout.chunk_h;
        let last_row = (rect.bottom() - 1) / layout.chunk_h;
        for row in first_row..=last_row {
            for col in first_col..=last_col {
                let index = row * cols + col;
                let chunk = chunk::decode(layout, &self.source, index, limits)?;
                let origin = Rect::new(col * layout.chunk_w, row * layout.chunk_h, chunk.width, chunk.height);
                if let Some(part) = origin.intersect(&rect) {
                    let piece = chunk.crop(Rect::new(part.x - origin.x, part.y - origin.y, part.w, part.h));
                    out.blit(&piece, part.x - rect.x, part.y - rect.y);
                }
            }
        }
        Ok(out)
    }
}

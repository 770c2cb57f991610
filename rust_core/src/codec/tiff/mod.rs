//! TIFF: strips and tiles, pyramids as a chain of reduced directories or as SubIFDs, and
//! multi-page files.
//!
//! A read decodes only the chunks that meet the requested rectangle of the chosen level.

mod chunk;
pub(crate) mod ifd;
mod layout;

use std::sync::Arc;

use rayon::prelude::*;

use crate::codec::chunk_cache::{self, PartRead};
use crate::codec::cmyk::CmykToRgb;
use crate::codec::jpeg;
use crate::codec::jpeg_mcus::McuJpeg;
use crate::codec::{parts, Bands, Codec, StoredChunks, StoredColours};
use crate::errors::{format_error, Error, Result};
use crate::formats::jpeg_markers;
use crate::formats::tiff_compression::Compression;
use crate::geometry::Rect;
use crate::limits::Limits;
use crate::orientation::Orientation;
use crate::pixels::Pixels;
use crate::source::ByteSource;
use crate::structure::{Format, Level, Structure};

use ifd::{tag, TiffReader};
use layout::{Alpha, Layout, Photometric};

pub struct TiffCodec {
    source: ByteSource,
    structure: Structure,
    /// One layout per entry of `structure.levels`.
    layouts: Vec<Layout>,
    cmyk: CmykToRgb,
    /// This opening's number in the decoded-chunk cache.
    id: u64,
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

/// One page of a TIFF: its full-resolution layout first, then its reduced levels.
struct Page {
    levels: Vec<Layout>,
    orientation: u64,
    icc: Option<Vec<u8>>,
}

/// The pages of the main directory chain. A directory that is a reduced version of the page
/// before it (chained pyramids, thumbnails) is a level of that page, as are a page's SubIFDs;
/// any other readable directory starts a new page. Directories in a form not read (labels in
/// unsupported encodings, say) are skipped rather than refused.
fn pages(reader: &TiffReader) -> Result<Vec<Page>> {
    let chain = reader.chain(reader.first_directory())?;
    let first = chain.first().ok_or_else(|| format_error("the TIFF file has no image directory"))?;
    // The first image must be readable: its error is the file's.
    Layout::read(reader, first)?;
    let mut pages: Vec<Page> = Vec::new();
    for dir in &chain {
        let Ok(layout) = Layout::read(reader, dir) else { continue };
        if let Some(page) = pages.last_mut().filter(|p| is_level_of(&layout, &p.levels[0])) {
            page.levels.push(layout);
            continue;
        }
        let mut levels = vec![layout];
        for offset in reader.uints(dir, tag::SUB_IFDS)?.unwrap_or_default() {
            if let Ok(level) = Layout::read(reader, &reader.directory(offset)?) {
                if is_level_of(&level, &levels[0]) {
                    levels.push(level);
                }
            }
        }
        let orientation = reader.uint(dir, tag::ORIENTATION, Some(1))?;
        pages.push(Page { levels, orientation, icc: reader.bytes(dir, tag::ICC_PROFILE)? });
    }
    for page in &mut pages {
        page.levels.sort_by_key(|l| std::cmp::Reverse(l.width));
        page.levels.dedup_by(|a, b| a.width == b.width);
    }
    Ok(pages)
}

impl TiffCodec {
    /// Open page `page` (counted from 0) of the file.
    pub fn open(source: ByteSource, _limits: &Limits, page: usize) -> Result<TiffCodec> {
        let (page, count) = {
            let reader = TiffReader::new(&source)?;
            let mut all = pages(&reader)?;
            let count = all.len();
            if page >= count {
                return Err(Error::Request(format!("page {} does not exist: the image has {count}", page + 1)));
            }
            (all.swap_remove(page), count)
        };
        let full = &page.levels[0];
        // JPEG-compressed CMYK is CMYK to the JPEG decoder whatever the directory says.
        let cmyk = if full.photometric == Photometric::Separated || full.compression == Compression::Jpeg {
            CmykToRgb::for_profile(page.icc.as_deref())
        } else {
            CmykToRgb::Naive
        };
        let structure = Structure {
            format: Format::Tiff,
            width: full.width,
            height: full.height,
            channels: full.channels(),
            levels: page.levels.iter().enumerate().map(|(i, l)| Level::new(l.width, l.height, full.width, full.height).reaching(l.reach(i > 0))).collect(),
            tile: full.tiled.then_some((full.chunk_w, full.chunk_h)),
            compression: full.compression.name(),
            orientation: Orientation::from_tag(page.orientation),
            pages: count,
            icc: page.icc.map(Arc::from),
        };
        Ok(TiffCodec { source, structure, layouts: page.levels, cmyk, id: chunk_cache::new_image() })
    }
}

/// A read that needs at most 1/PART_SHARE of a JPEG chunk decodes only that part (and keeps it
/// out of the decoded-chunk cache) unless the chunk was read in part soon before (see
/// `chunk_cache::PartRead`); larger shares are decoded whole and kept there.
const PART_SHARE: u64 = 2;

/// How to decode a chunk (see `chunk_cache::PartRead`): whole, or only a part (in the chunk's
/// coordinates) from the stored chunk or from the chunk re-coded for partial reads.
#[derive(Clone, Copy)]
enum Way {
    Whole,
    Part(Rect),
    Recoded(Rect),
}

#[derive(Clone, Copy)]
struct Job {
    index: u32,
    way: Way,
}

impl TiffCodec {
    fn decode_chunks(&self, level: usize, jobs: &[Job], limits: &Limits) -> Result<Vec<(Job, Arc<Pixels>)>> {
        let layout = &self.layouts[level];
        let decode = |job: Job| {
            limits.going()?;
            let pixels = match job.way {
                Way::Whole => chunk::decode(layout, &self.source, job.index, limits, &self.cmyk),
                Way::Part(part) if layout.compression == Compression::None => {
                    chunk::decode_uncompressed_part(layout, &self.source, job.index, part, limits, &self.cmyk)
                }
                Way::Part(part) => chunk::decode_jpeg_part(layout, &self.source, job.index, part, limits, &self.cmyk),
                Way::Recoded(part) => self.decode_recoded(level, job.index, part, limits),
            };
            pixels.map(|p| (job, Arc::new(p)))
        };
        // Parts cut from re-coded chunks take tens of microseconds: less than handing them to
        // another thread costs (measured: unaligned regions at c=1, 870 -> 920 req/s).
        if jobs.iter().filter(|j| !matches!(j.way, Way::Recoded(_))).count() < 2 {
            return jobs.iter().map(|&job| decode(job)).collect();
        }
        jobs.par_iter().map(|&job| decode(job)).collect()
    }
}

impl TiffCodec {
    /// `part` of JPEG chunk `index`, cut from the chunk re-coded for partial reads; from the
    /// stored chunk when it cannot be re-coded.
    fn decode_recoded(&self, level: usize, index: u32, part: Rect, limits: &Limits) -> Result<Pixels> {
        let layout = &self.layouts[level];
        let Some(mcus) = self.recoded(level, index, limits)? else {
            return chunk::decode_jpeg_part(layout, &self.source, index, part, limits, &self.cmyk);
        };
        let (jpeg, inside) = mcus.cut(part);
        chunk::checked_colours(layout, jpeg::decode(&jpeg, 1, inside, limits, &self.cmyk)?)
    }

    /// JPEG chunk `index` re-coded for partial reads: kept, or made and kept now; None when it
    /// cannot be (an empty chunk; a progressive or CMYK stream; one not the chunk's size).
    fn recoded(&self, level: usize, index: u32, limits: &Limits) -> Result<Option<Arc<McuJpeg>>> {
        let key = (self.id, level, index);
        if let Some(mcus) = chunk_cache::get_mcus(&key) {
            return Ok(Some(mcus));
        }
        let layout = &self.layouts[level];
        let (offset, count) = (layout.offsets[index as usize], layout.counts[index as usize]);
        if count == 0 {
            return Ok(None);
        }
        let stored = chunk::jpeg_stream(layout, &self.source, offset, count)?;
        let size = (layout.chunk_w, chunk::chunk_rows(layout, index));
        let Ok(mcus) = McuJpeg::new(&stored, size, limits).map(Arc::new) else {
            return Ok(None);
        };
        chunk_cache::put_mcus(key, Arc::clone(&mcus));
        Ok(Some(mcus))
    }

    /// How to decode chunk `index` for a read of `rect`: the part the read needs of an
    /// uncompressed chunk (only its rows are read); a part when the read needs at most
    /// 1/PART_SHARE of a JPEG chunk; else whole.
    fn way(&self, level: usize, index: u32, rect: Rect) -> Way {
        let layout = &self.layouts[level];
        if !matches!(layout.compression, Compression::Jpeg | Compression::None) {
            return Way::Whole;
        }
        let (cols, _) = layout.grid();
        let (x, y) = ((index % cols) * layout.chunk_w, (index / cols) * layout.chunk_h);
        // An edge tile, clipped to the level: a read of all of it in the image reads it whole.
        let chunk = Rect::new(x, y, layout.chunk_w.min(layout.width - x), chunk::chunk_rows(layout, index).min(layout.height - y));
        let Some(inside) = rect.intersect(&chunk) else { return Way::Whole };
        let part = Rect::new(inside.x - x, inside.y - y, inside.w, inside.h);
        if layout.compression == Compression::None {
            return if inside == chunk { Way::Whole } else { Way::Part(part) };
        }
        if u64::from(inside.w) * u64::from(inside.h) * PART_SHARE > u64::from(chunk.w) * u64::from(chunk.h) {
            return Way::Whole;
        }
        let key = (self.id, level, index);
        if chunk_cache::has_mcus(&key) {
            return Way::Recoded(part);
        }
        match chunk_cache::part_read(&key) {
            PartRead::Once => Way::Part(part),
            PartRead::Soon => Way::Whole,
            PartRead::Later => Way::Recoded(part),
        }
    }
}

impl Codec for TiffCodec {
    fn structure(&self) -> &Structure {
        &self.structure
    }

    /// Uncompressed, or in chunks (tiles or strips) of at most a sixteenth of the image: a band
    /// decodes little more than itself.
    fn bands<'a>(&'a self, limits: &'a Limits) -> Option<Bands<'a>> {
        let full = &self.layouts[0];
        let small = u64::from(full.chunk_w) * u64::from(full.chunk_h) * 16 <= u64::from(full.width) * u64::from(full.height);
        (full.compression == Compression::None || small).then(|| parts(self, limits))
    }

    fn read(&self, level: usize, rect: Rect, limits: &Limits) -> Result<Pixels> {
        let layout = &self.layouts[level];
        let mut out = Pixels::new(rect.w, rect.h, layout.channels(), limits)?;
        let (cols, _) = layout.grid();
        let wanted: Vec<u32> = (rect.y / layout.chunk_h..=(rect.bottom() - 1) / layout.chunk_h)
            .flat_map(|row| (rect.x / layout.chunk_w..=(rect.right() - 1) / layout.chunk_w).map(move |col| row * cols + col))
            .collect();
        let mut chunks = Vec::with_capacity(wanted.len());
        let mut missing = Vec::new();
        for &index in &wanted {
            match chunk_cache::get(&(self.id, level, index)) {
                Some(pixels) => chunks.push((Job { index, way: Way::Whole }, pixels)),
                None => missing.push(Job { index, way: self.way(level, index, rect) }),
            }
        }
        for (job, pixels) in self.decode_chunks(level, &missing, limits)? {
            if let Way::Whole = job.way {
                chunk_cache::put((self.id, level, job.index), Arc::clone(&pixels));
            }
            chunks.push((job, pixels));
        }
        for (job, chunk) in &chunks {
            let (mut x, mut y) = ((job.index % cols) * layout.chunk_w, (job.index / cols) * layout.chunk_h);
            if let Way::Part(part) | Way::Recoded(part) = job.way {
                (x, y) = (x + part.x, y + part.y);
            }
            out.blit(chunk, i64::from(x) - i64::from(rect.x), i64::from(y) - i64::from(rect.y));
        }
        Ok(out)
    }

    /// A level read whole is kept whole, beside its chunks: thumbnails and the sizes of
    /// info.json read small levels whole, and then neither assemble nor copy them again.
    fn read_shared(&self, level: usize, rect: Rect, limits: &Limits) -> Result<Arc<Pixels>> {
        let layout = &self.layouts[level];
        if rect != Rect::new(0, 0, layout.width, layout.height) {
            return Ok(Arc::new(self.read(level, rect, limits)?));
        }
        let key = (self.id, level, chunk_cache::WHOLE);
        if let Some(pixels) = chunk_cache::get(&key) {
            return Ok(pixels);
        }
        let pixels = Arc::new(self.read(level, rect, limits)?);
        chunk_cache::put(key, Arc::clone(&pixels));
        Ok(pixels)
    }

    fn stored_chunks(&self, level: usize) -> Option<StoredChunks<'_>> {
        let layout = &self.layouts[level];
        let colours = match layout.photometric {
            Photometric::YCbCr => StoredColours::YCbCr,
            Photometric::Rgb => StoredColours::Rgb,
            Photometric::BlackIsZero => StoredColours::Gray,
            _ => StoredColours::Other,
        };
        Some(StoredChunks {
            compression: layout.compression,
            tiled: layout.tiled,
            size: (layout.chunk_w, layout.chunk_h),
            level: (layout.width, layout.height),
            colours,
            samples: layout.samples,
            alpha: layout.alpha != Alpha::None,
            byte_counts: &layout.counts,
            cache_id: self.id,
        })
    }

    fn read_stored_jpeg(&self, level: usize, index: u32) -> Result<Vec<u8>> {
        let layout = &self.layouts[level];
        if layout.compression != Compression::Jpeg {
            return Err(format_error("the chunk is not stored as JPEG"));
        }
        let i = index as usize;
        let (offset, count) = (layout.offsets.get(i), layout.counts.get(i));
        let (Some(&offset), Some(&count)) = (offset, count) else {
            return Err(format_error("the level has no such chunk"));
        };
        let stream = chunk::jpeg_stream(layout, &self.source, offset, count)?;
        // Sent as it is, the stream meets no decoder here: one whose end is not its EOI marker
        // has been cut short or overwritten, and a viewer would show it as grey.
        if !jpeg_markers::ends_with_eoi(&stream) {
            return Err(format_error("a stored JPEG tile ends before its data does"));
        }
        Ok(stream)
    }
}

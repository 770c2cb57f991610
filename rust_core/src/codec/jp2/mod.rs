//! JPEG 2000: JP2 files and raw codestreams (.j2k, .j2c), decoded by OpenJPEG.
//!
//! Each resolution level of the codestream is a level of the structure, and a read decodes
//! only the tiles and code-blocks that meet the requested rectangle at that resolution. A read
//! across two rows of tiles or more (a thumbnail, a tile of a low level) is decoded in two
//! halves on two threads; a large read within one row of tiles (a tile at full resolution) is
//! decoded on OpenJPEG's own threads when cores are idle.

mod header;
mod openjpeg;
mod samples;
mod view;

use std::sync::Arc;

use crate::codec::{parts, Bands, Codec};
use crate::cores;
use crate::errors::{format_error, unsupported, Error, Result};
use crate::geometry::Rect;
use crate::limits::Limits;
use crate::orientation::Orientation;
use crate::pixels::Pixels;
use crate::source::ByteSource;
use crate::structure::{Format, Level, Reach, Structure};

pub use header::{CODESTREAM_START, JP2_SIGNATURE};
use header::Header;
use openjpeg::Request;
use view::View;

/// Enumerated colour spaces of the JP2 colour box that are read.
const SRGB: u32 = 16;
const GRAY: u32 = 17;
const SYCC: u32 = 18;

/// A read within one row of tiles of at least this many pixels is decoded on idle cores too, on
/// at most `MOST_THREADS` threads: a 256x256 tile at full resolution 7.0 ms -> 5.5-6.2 ms on two
/// cores, for about a fifth more CPU. Starting OpenJPEG's threads costs more than it saves on
/// smaller reads.
const SPREAD_PIXELS: u64 = 1 << 15;
const MOST_THREADS: usize = 4;

/// OpenJPEG's setup costs count against the decode limit as if every 4 bytes were a pixel:
/// what one decoded component of a pixel costs it.
const SETUP_BYTES_PER_PIXEL: u64 = 4;

pub struct Jp2Codec {
    source: ByteSource,
    structure: Structure,
    header: Header,
}

fn ceil_shift(v: u32, by: usize) -> u64 {
    u64::from(v).div_ceil(1 << by)
}

impl Jp2Codec {
    pub fn open(source: ByteSource, limits: &Limits) -> Result<Jp2Codec> {
        let header = Header::read(&source)?;
        let siz = &header.siz;
        // The image's size is its first component's: others may be subsampled (chroma).
        if (siz.components[0].dx, siz.components[0].dy) != (1, 1) {
            return Err(unsupported("JPEG 2000 images whose first component is subsampled are not read"));
        }
        if let Some(c) = siz.components.iter().find(|c| c.precision > 16) {
            return Err(unsupported(format!("{}-bit JPEG 2000 samples are not read", c.precision)));
        }
        if siz.x1 > i32::MAX as u32 || siz.y1 > i32::MAX as u32 {
            return Err(unsupported("JPEG 2000 images reaching beyond 2^31 pixels on the reference grid are not read"));
        }
        let channels = header.boxes.palette_channels.map_or(siz.components.len(), usize::from);
        if !(1..=4).contains(&channels) {
            return Err(unsupported(format!("JPEG 2000 images of {channels} channels are not read (1 to 4 are)")));
        }
        match header.boxes.enumerated {
            None | Some(SRGB | GRAY) => {}
            Some(SYCC) if channels >= 3 && header.boxes.palette_channels.is_none() => {}
            Some(cs) => return Err(unsupported(format!("the JPEG 2000 colour space {cs} is not read"))),
        }
        if header.boxes.premultiplied {
            return Err(unsupported("JPEG 2000 images with premultiplied alpha are not read"));
        }
        check_setup(&header, limits)?;
        // OpenJPEG reads the same headers now, so that a file it rejects fails here.
        let checked = openjpeg::decode(&source, &View::whole(&source), header.container, None)?;
        let declared: Vec<u32> = siz.components.iter().map(|c| u32::from(c.precision)).collect();
        if checked.precisions() != declared {
            return Err(format_error("OpenJPEG reads the JPEG 2000 header differently"));
        }
        let icc = checked.icc();
        drop(checked);
        let (w, h) = (siz.width(), siz.height());
        let mut levels: Vec<Level> = Vec::new();
        for r in 0..usize::from(header.resolutions) {
            let lw = (ceil_shift(siz.x1, r) - ceil_shift(siz.x0, r)) as u32;
            let lh = (ceil_shift(siz.y1, r) - ceil_shift(siz.y0, r)) as u32;
            if lw == 0 || lh == 0 || levels.last().is_some_and(|l| (l.width, l.height) == (lw, lh)) {
                break;
            }
            levels.push(Level::new(lw, lh, w, h).reaching(reach(&header, r as u32)));
        }
        let tiled = siz.tdx < w || siz.tdy < h;
        let structure = Structure {
            format: Format::Jp2,
            width: w,
            height: h,
            channels: channels as u8,
            levels,
            tile: tiled.then_some((siz.tdx.min(w), siz.tdy.min(h))),
            compression: "jpeg2000",
            orientation: Orientation::Normal,
            pages: 1,
            icc: icc.map(Arc::from),
        };
        Ok(Jp2Codec { source, structure, header })
    }
}

/// What the pixels of resolution level `k` (below full by 2^k) blend, in that level's pixels
/// (see `structure::Reach`); one pixel is added for rounding, and all is taken wider by a
/// component's subsampling (a chroma sample also stands for the pixels beside it).
/// - Reversible 5/3: decoding gives back the transform's coefficients exactly, so the full
///   resolution is the source's own pixels, and level k is the LL band, made by the 5-tap
///   low-pass filter k times: it reaches 2 of the band's samples the first time and
///   (reach + 2) / 2 after each further halving, so less than 2 in all.
/// - Irreversible 9/7: the coefficients are quantized, so a decoded pixel depends on every
///   coefficient whose synthesis reaches it, and each of those on the source pixels its analysis
///   reaches. A coefficient of decomposition level j is made from source pixels less than
///   4 * 2^j away (the 9-tap low-pass filter, j times) and is spread back as far by synthesis
///   (7- and 9-tap filters): with D levels, a pixel of level k depends on source pixels less than
///   8 * 2^(D-k) of its own away, the coarsest coefficients' two supports end to end.
///
/// Both assume the code-blocks keep all their coding passes (a lossless 5/3 file, or a 9/7 one
/// quantized with fixed steps): a codestream truncated by rate control chooses its truncation
/// from the whole image, so any pixel may depend on any other, which no growth can bound.
fn reach(header: &Header, k: u32) -> Reach {
    let subsampled = header.siz.components.iter().map(|c| u32::from(c.dx.max(c.dy))).max().unwrap_or(1);
    let blend = match (header.irreversible, k) {
        (true, _) => 8u32 << u32::from(header.most_decompositions).saturating_sub(k).min(24),
        (false, 0) => 0,
        (false, _) => 2,
    };
    if blend == 0 && subsampled == 1 {
        return Reach::NONE;
    }
    Reach { made: (blend + 1).saturating_mul(subsampled), ..Reach::NONE }
}

/// Refuse a file whose headers make OpenJPEG set up more than the limit allows, whatever
/// the request: it keeps coding parameters for every tile, and bookkeeping for the whole of
/// any tile it decodes.
fn check_setup(header: &Header, limits: &Limits) -> Result<()> {
    let bytes = header.setup_bytes();
    if bytes / SETUP_BYTES_PER_PIXEL > limits.max_decode_pixels {
        let siz = &header.siz;
        return Err(Error::Limit(format!(
            "setting up this JPEG 2000 image ({} tile(s) of up to {}x{}) takes OpenJPEG {:.1} MiB, which counts as {} pixels against the decode limit of {}",
            siz.tile_count(),
            siz.tdx.min(siz.width()),
            siz.tdy.min(siz.height()),
            bytes as f64 / f64::from(1 << 20),
            bytes / SETUP_BYTES_PER_PIXEL,
            limits.max_decode_pixels,
        )));
    }
    Ok(())
}

impl Jp2Codec {
    /// Along one axis, the span of the reference grid to decode for level pixels `from..to`
    /// of level `level`, and how many level pixels it holds before `from`. The image spans
    /// `start..end` of the grid and its tiles start at `tile_origin`, every `tile` units.
    ///
    /// Level pixel i covers the grid from (ceil(start / 2^r) + i) * 2^r on. With subsampled
    /// components the span starts on a whole subsampled sample, so that the first pixels get
    /// the chroma a decode of the whole image gives them. With high-throughput code-blocks it
    /// covers whole tiles: OpenJPEG 2.5 decodes an HT code-block of a partly decoded tile into
    /// a buffer it then ignores (ht_dec.c writes t1->data where t1.c reads cblk->decoded_data),
    /// and the pixels come out flat gray.
    #[allow(clippy::too_many_arguments)]
    fn decode_span(
        &self,
        level: usize,
        start: u32,
        end: u32,
        tile_origin: u32,
        tile: u32,
        from: u32,
        to: u32,
        step: impl Fn(&header::Component) -> u8,
    ) -> (u32, u32, u32) {
        let (start, end, tile_origin, tile) = (u64::from(start), u64::from(end), u64::from(tile_origin), u64::from(tile));
        let base = ceil_shift(start as u32, level);
        let mut lo = ((base + u64::from(from)) << level).max(start);
        let mut hi = ((base + u64::from(to)) << level).min(end);
        let step = self.header.siz.components.iter().map(|c| u64::from(step(c))).max().unwrap_or(1) << level;
        lo = (lo - lo % step).max(start);
        if self.header.high_throughput {
            lo = (tile_origin + (lo - tile_origin) / tile * tile).max(start);
            hi = (tile_origin + (hi - tile_origin).div_ceil(tile) * tile).min(end);
        }
        let before = base + u64::from(from) - lo.div_ceil(1 << level);
        (lo as u32, hi as u32, before as u32)
    }
}

/// What OpenJPEG decodes for a read: `area` of the reference grid (x0, y0, x1, y1), `w` x `h`
/// pixels at the level, of which the read's rectangle starts `left` and `top` in.
struct Decode {
    area: [u32; 4],
    left: u32,
    top: u32,
    w: u32,
    h: u32,
}

impl Jp2Codec {
    fn decode(&self, level: usize, rect: Rect) -> Decode {
        let siz = &self.header.siz;
        let (x0, x1, left) = self.decode_span(level, siz.x0, siz.x1, siz.tx0, siz.tdx, rect.x, rect.right(), |c| c.dx);
        let (y0, y1, top) = self.decode_span(level, siz.y0, siz.y1, siz.ty0, siz.tdy, rect.y, rect.bottom(), |c| c.dy);
        let w = (ceil_shift(x1, level) - ceil_shift(x0, level)) as u32;
        let h = (ceil_shift(y1, level) - ceil_shift(y0, level)) as u32;
        Decode { area: [x0, y0, x1, y1], left, top, w, h }
    }

    /// `rect` of `level` cut in two across the tile boundary nearest its middle, when it spans
    /// two rows of tiles or more: tiles are coded apart, so the halves decode on two threads to
    /// the pixels of one read.
    fn halves(&self, level: usize, rect: Rect) -> Option<(Rect, Rect)> {
        let siz = &self.header.siz;
        let base = ceil_shift(siz.y0, level);
        let middle = (base + u64::from(rect.y) + u64::from(rect.h / 2)) << level;
        let (origin, step) = (u64::from(siz.ty0), u64::from(siz.tdy));
        let boundary = origin + (middle.saturating_sub(origin) + step / 2) / step * step;
        let cut = (boundary.div_ceil(1 << level)).checked_sub(base)? as u32;
        (rect.y < cut && cut < rect.bottom()).then(|| {
            (Rect::new(rect.x, rect.y, rect.w, cut - rect.y), Rect::new(rect.x, cut, rect.w, rect.bottom() - cut))
        })
    }

    /// The file as OpenJPEG needs it to decode `[x0, y0, x1, y1]` of the reference grid: only
    /// the tiles that meet it, where the tile-parts are indexed.
    fn view(&self, [x0, y0, x1, y1]: [u32; 4]) -> View {
        let siz = &self.header.siz;
        let Some(parts) = &self.header.tile_parts else {
            return View::whole(&self.source);
        };
        let cols = (x0 - siz.tx0) / siz.tdx..=(x1 - 1 - siz.tx0) / siz.tdx;
        let rows = (y0 - siz.ty0) / siz.tdy..=(y1 - 1 - siz.ty0) / siz.tdy;
        parts.view(siz, cols, rows)
    }
}

impl Codec for Jp2Codec {
    fn structure(&self) -> &Structure {
        &self.structure
    }

    /// Only the code-blocks that meet a band are decoded.
    fn bands<'a>(&'a self, limits: &'a Limits) -> Option<Bands<'a>> {
        Some(parts(self, limits))
    }

    fn read(&self, level: usize, rect: Rect, limits: &Limits) -> Result<Pixels> {
        let l = &self.structure.levels[level];
        if !rect.fits_in(l.width, l.height) {
            return Err(format_error(format!("region {rect:?} is outside the {}x{} level", l.width, l.height)));
        }
        let whole = self.decode(level, rect);
        let Some((upper, lower)) = self.halves(level, rect) else {
            let lent = (u64::from(whole.w) * u64::from(whole.h) >= SPREAD_PIXELS).then(|| cores::lend(MOST_THREADS));
            return self.read_tiles(level, rect, lent.as_ref().map_or(1, cores::Lent::threads), limits);
        };
        // The halves are decoded at the same time: together they are held to the limit.
        limits.check(whole.w, whole.h)?;
        let (upper, lower) = rayon::join(|| self.read_tiles(level, upper, 1, limits), || self.read_tiles(level, lower, 1, limits));
        let mut pixels = upper?;
        pixels.append_rows(&lower?);
        Ok(pixels)
    }
}

impl Jp2Codec {
    /// `rect` of `level`, decoded in one go on `threads` threads.
    fn read_tiles(&self, level: usize, rect: Rect, threads: usize, limits: &Limits) -> Result<Pixels> {
        let siz = &self.header.siz;
        let Decode { area: [x0, y0, x1, y1], left, top, w, h } = self.decode(level, rect);
        limits.check(w, h)?;
        let whole = [x0, y0, x1, y1] == [siz.x0, siz.y0, siz.x1, siz.y1];
        let request = Request { reduce: level as u32, area: (!whole).then_some([x0, y0, x1, y1]), threads };
        let view = request.area.map_or_else(|| View::whole(&self.source), |area| self.view(area));
        let decoded = openjpeg::decode(&self.source, &view, self.header.container, Some(request))?;
        let planes = decoded.planes()?;
        if planes.len() != usize::from(self.structure.channels) {
            return Err(format_error(format!(
                "the JPEG 2000 image decoded to {} components where its header promised {}",
                planes.len(),
                self.structure.channels
            )));
        }
        if planes.iter().any(|p| (p.dx, p.dy) == (1, 1) && (p.width, p.height) != (w, h)) {
            return Err(format_error("OpenJPEG decoded a different area than the one asked for"));
        }
        let mut out = Pixels::new(w, h, self.structure.channels, limits)?;
        let at = samples::Placement {
            x: ceil_shift(siz.x0, level) + u64::from(rect.x - left),
            y: ceil_shift(siz.y0, level) + u64::from(rect.y - top),
            grid_x0: u64::from(x0),
            grid_y0: u64::from(y0),
            reduce: level as u32,
        };
        samples::interleave(&planes, at, &mut out)?;
        if decoded.is_sycc() {
            samples::sycc_to_rgb(&mut out);
        }
        Ok(out.crop(Rect::new(left, top, rect.w, rect.h)))
    }
}

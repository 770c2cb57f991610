//! What a JPEG 2000 file declares, read by the core itself before OpenJPEG sees it: the JP2
//! boxes around the codestream, the codestream's main header (SIZ, COD, COC) and every
//! tile-part header. OpenJPEG allocates from these numbers as soon as it reads them, so the
//! costs they imply are worked out here first (see [`Header::setup_bytes`]).

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use crate::errors::{format_error, Result};
use crate::codec::jp2::view::View;
use crate::source::ByteSource;

pub const JP2_SIGNATURE: [u8; 12] = [0, 0, 0, 12, b'j', b'P', b' ', b' ', 0x0D, 0x0A, 0x87, 0x0A];
/// SOC, then the marker of SIZ, which must follow it.
pub const CODESTREAM_START: [u8; 4] = [0xFF, 0x4F, 0xFF, 0x51];

const SOT: u16 = 0xFF90;
const SOD: u16 = 0xFF93;
const EOC: u16 = 0xFFD9;
const COD: u16 = 0xFF52;
const COC: u16 = 0xFF53;
const TLM: u16 = 0xFF55;
const PPM: u16 = 0xFF60;

/// OpenJPEG 2.5's bookkeeping, in bytes on a 64-bit build (sizeof of its structures): the
/// coding parameters and a 100-entry marker index it keeps for every tile from the moment it
/// reads the main header ...
const TILE_PARAMS_BYTES: u64 = 8500;
const COMPONENT_PARAMS_BYTES: u64 = 1080;
/// ... and, for each tile it decodes, a record per code-block of every resolution (88 bytes,
/// ten 24-byte segment records allocated up front, two tag-tree nodes, allocator overhead)
/// and per precinct (56 bytes and two tag trees), whatever area and resolution is asked for.
const CODE_BLOCK_BYTES: u64 = 400;
const PRECINCT_BYTES: u64 = 160;

/// More tile-parts than 65535 tiles of 255 parts each is not a codestream.
const MAX_TILE_PARTS: usize = 65535 * 255;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// A JP2 file: boxes, one of which holds the codestream.
    Jp2,
    /// A raw codestream (.j2k, .j2c).
    Codestream,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Component {
    /// Bits per sample, 1 to 38 as declared.
    pub precision: u8,
    pub signed: bool,
    pub dx: u8,
    pub dy: u8,
}

/// The image and tile grid on the reference grid (SIZ).
#[derive(Debug, Clone)]
pub struct Siz {
    pub x0: u32,
    pub y0: u32,
    pub x1: u32,
    pub y1: u32,
    pub tx0: u32,
    pub ty0: u32,
    pub tdx: u32,
    pub tdy: u32,
    pub components: Vec<Component>,
}

impl Siz {
    pub fn width(&self) -> u32 {
        self.x1 - self.x0
    }

    pub fn height(&self) -> u32 {
        self.y1 - self.y0
    }

    pub fn tiles_across(&self) -> u32 {
        (self.x1 - self.tx0).div_ceil(self.tdx)
    }

    pub fn tiles_down(&self) -> u32 {
        (self.y1 - self.ty0).div_ceil(self.tdy)
    }

    pub fn tile_count(&self) -> u64 {
        u64::from(self.tiles_across()) * u64::from(self.tiles_down())
    }

    /// Tile `index` on the reference grid, clipped to the image: x0, y0, x1, y1.
    fn tile_rect(&self, index: u64) -> [u64; 4] {
        let across = u64::from(self.tiles_across());
        let (col, row) = (index % across, index / across);
        let x0 = (u64::from(self.tx0) + col * u64::from(self.tdx)).max(u64::from(self.x0));
        let y0 = (u64::from(self.ty0) + row * u64::from(self.tdy)).max(u64::from(self.y0));
        let x1 = (u64::from(self.tx0) + (col + 1) * u64::from(self.tdx)).min(u64::from(self.x1));
        let y1 = (u64::from(self.ty0) + (row + 1) * u64::from(self.tdy)).min(u64::from(self.y1));
        [x0, y0, x1, y1]
    }
}

/// How one tile-component is coded (COD or COC): what OpenJPEG sizes its bookkeeping by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coding {
    /// Resolution levels: decomposition levels + 1.
    pub resolutions: u8,
    /// log2 of the code-block size.
    pub block_w: u8,
    pub block_h: u8,
    /// log2 of the precinct size of each resolution, lowest resolution first.
    pub precincts: Vec<(u8, u8)>,
    /// Code-blocks coded with the high-throughput block coder (HTJ2K, part 15).
    pub high_throughput: bool,
    /// The reversible 5/3 wavelet, rather than the irreversible 9/7.
    pub reversible: bool,
}

/// What the JP2 boxes say about colour, where they say anything.
#[derive(Debug, Clone, Default)]
pub struct Boxes {
    /// The colour box's enumerated colour space (16 sRGB, 17 gray, 18 sYCC, ...); None when the
    /// colour is given by an ICC profile or there is no colour box.
    pub enumerated: Option<u32>,
    /// Channels after the palette is applied, when there is a palette.
    pub palette_channels: Option<u16>,
    /// A channel definition names premultiplied opacity.
    pub premultiplied: bool,
    /// Where the image header box's contents start (height and width first).
    pub ihdr: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct Header {
    pub container: Container,
    pub siz: Siz,
    pub boxes: Boxes,
    /// The fewest resolution levels of any tile-component: how far every tile can be reduced.
    pub resolutions: u8,
    /// The most decomposition levels of any tile-component, and whether any uses the
    /// irreversible 9/7 wavelet: how far a decoded pixel's dependence may reach.
    pub most_decompositions: u8,
    pub irreversible: bool,
    /// The largest size of any tile's coding bookkeeping (see [`Header::setup_bytes`]).
    pub tile_setup_bytes: u64,
    /// Some code-blocks use the high-throughput block coder (HTJ2K).
    pub high_throughput: bool,
    /// Where every tile-part lies, when the core could index them all.
    pub tile_parts: Option<TileParts>,
}

/// The file cut where a read can leave tiles out: what comes before the tile-parts, and each
/// tile-part, in the order of the file.
#[derive(Debug, Clone)]
pub struct TileParts {
    /// The JP2 boxes before the codestream's own box (whose header is written anew), or None
    /// for a raw codestream ...
    pub boxes_end: Option<u64>,
    /// ... among which the image header, whose size must match the codestream's.
    pub ihdr: Option<u64>,
    /// The codestream from its start to its first tile-part ...
    pub main: (u64, u64),
    /// ... in which the SIZ segment's contents lie here ...
    pub siz: (u64, u64),
    pub siz_body: Vec<u8>,
    /// ... and these segments after it, left out of a view: TLM markers give the length of
    /// every tile-part of the file, and OpenJPEG seeks by them, where a view keeps some
    /// tile-parts, numbered anew.
    pub left_out: Vec<(u64, u64)>,
    pub parts: Vec<TilePart>,
}

#[derive(Debug, Clone, Copy)]
pub struct TilePart {
    pub tile: u16,
    /// Where its SOT marker starts, and its length from there (Psot).
    pub start: u64,
    pub len: u64,
    /// TPsot and TNsot: its number among its tile's parts, and how many there are.
    pub number: [u8; 2],
}

/// The image and tile grid of a view: the image from the first tile kept to the last.
struct Cropped {
    x0: u32,
    y0: u32,
    x1: u32,
    y1: u32,
    tx0: u32,
    ty0: u32,
}

impl Cropped {
    fn new(siz: &Siz, cols: &RangeInclusive<u32>, rows: &RangeInclusive<u32>) -> Cropped {
        let grid = |origin: u32, step: u32, i: u32| (u64::from(origin) + u64::from(i) * u64::from(step)).min(u64::from(u32::MAX)) as u32;
        let (tx0, ty0) = (grid(siz.tx0, siz.tdx, *cols.start()), grid(siz.ty0, siz.tdy, *rows.start()));
        Cropped {
            x0: siz.x0.max(tx0),
            y0: siz.y0.max(ty0),
            x1: grid(siz.tx0, siz.tdx, cols.end() + 1).min(siz.x1),
            y1: grid(siz.ty0, siz.tdy, rows.end() + 1).min(siz.y1),
            tx0,
            ty0,
        }
    }
}

impl TileParts {
    /// A codestream of only the tiles in columns `cols` and rows `rows` of the grid, as
    /// OpenJPEG needs it to decode an area inside them: the SIZ segment says that the image
    /// and its tile grid start at the first of them and end with the last, and the tiles are
    /// numbered in that grid. Every coordinate stays where it was on the reference grid, and
    /// with it every wavelet, precinct and code-block: the pixels decode as in the whole file.
    /// OpenJPEG then keeps coding parameters for these tiles only, not for all of them.
    pub fn view(&self, siz: &Siz, cols: RangeInclusive<u32>, rows: RangeInclusive<u32>) -> View {
        let (c0, r0) = (*cols.start(), *rows.start());
        let across = cols.end() - c0 + 1;
        let grid = Cropped::new(siz, &cols, &rows);
        let mut v = View::default();
        if let Some(end) = self.boxes_end {
            match self.ihdr.filter(|&at| at + 8 <= end) {
                Some(at) => {
                    v.source(0, at);
                    let mut size = (grid.y1 - grid.y0).to_be_bytes().to_vec();
                    size.extend_from_slice(&(grid.x1 - grid.x0).to_be_bytes());
                    v.bytes(size);
                    v.source(at + 8, end - at - 8);
                }
                None => v.source(0, end),
            }
            // A codestream box of length 0 runs to the end of the file.
            v.bytes(vec![0, 0, 0, 0, b'j', b'p', b'2', b'c']);
        }
        v.source(self.main.0, self.siz.0 - self.main.0);
        v.bytes(self.cropped_siz(&grid));
        let mut kept = self.siz.1;
        for &(start, end) in &self.left_out {
            v.source(kept, start - kept);
            kept = end;
        }
        v.source(kept, self.main.1 - kept);
        let tiles_across = siz.tiles_across();
        for part in &self.parts {
            let (col, row) = (u32::from(part.tile) % tiles_across, u32::from(part.tile) / tiles_across);
            if !cols.contains(&col) || !rows.contains(&row) {
                continue;
            }
            let index = ((row - r0) * across + (col - c0)) as u16;
            let mut sot = Vec::with_capacity(12);
            sot.extend_from_slice(&SOT.to_be_bytes());
            sot.extend_from_slice(&10u16.to_be_bytes());
            sot.extend_from_slice(&index.to_be_bytes());
            sot.extend_from_slice(&(part.len as u32).to_be_bytes());
            sot.extend_from_slice(&part.number);
            v.bytes(sot);
            v.source(part.start + 12, part.len - 12);
        }
        v.bytes(EOC.to_be_bytes().to_vec());
        v
    }

    fn cropped_siz(&self, g: &Cropped) -> Vec<u8> {
        let mut b = self.siz_body.clone();
        for (at, value) in [(2, g.x1), (6, g.y1), (10, g.x0), (14, g.y0), (26, g.tx0), (30, g.ty0)] {
            b[at..at + 4].copy_from_slice(&value.to_be_bytes());
        }
        let mut segment = Vec::with_capacity(b.len() + 4);
        segment.extend_from_slice(&0xFF51u16.to_be_bytes());
        segment.extend_from_slice(&((b.len() + 2) as u16).to_be_bytes());
        segment.extend_from_slice(&b);
        segment
    }
}

impl Header {
    /// What OpenJPEG allocates before it decodes a pixel: coding parameters for every tile
    /// when it reads the main header, then code-block and precinct records for the whole of
    /// each tile it decodes, at every resolution. A small file can declare many gigabytes.
    pub fn setup_bytes(&self) -> u64 {
        let comps = self.siz.components.len() as u64;
        let params = self.siz.tile_count().saturating_mul(TILE_PARAMS_BYTES + comps * COMPONENT_PARAMS_BYTES);
        params.saturating_add(self.tile_setup_bytes)
    }

    pub fn read(source: &ByteSource) -> Result<Header> {
        let head = source.read_prefix(12)?;
        let (container, boxes_end, start, end, boxes) = if head.starts_with(&JP2_SIGNATURE) {
            let (box_start, start, end, boxes) = read_boxes(source)?;
            (Container::Jp2, Some(box_start), start, end, boxes)
        } else if head.starts_with(&CODESTREAM_START) {
            (Container::Codestream, None, 0, source.size(), Boxes::default())
        } else {
            return Err(format_error("the file is not a JPEG 2000 file"));
        };
        read_codestream(source, container, (boxes_end, start, end), boxes)
    }
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn be64(b: &[u8], at: usize) -> u64 {
    u64::from_be_bytes(b[at..at + 8].try_into().expect("eight bytes"))
}

/// A box header at `at`: (type, start of contents, end of box), the end bounded by `limit`.
fn box_at(source: &ByteSource, at: u64, limit: u64) -> Result<([u8; 4], u64, u64)> {
    let head = source.read_at(at, 8.min((limit - at) as usize))?;
    if head.len() < 8 {
        return Err(format_error("a JP2 box header is cut short"));
    }
    let kind: [u8; 4] = head[4..8].try_into().expect("four bytes");
    let (body, end) = match be32(&head, 0) {
        0 => (at + 8, limit),
        1 => {
            let ext = source.read_at(at + 8, 8)?;
            (at + 16, at.saturating_add(be64(&ext, 0)))
        }
        len => (at + 8, at + u64::from(len)),
    };
    if end < body || end > limit {
        return Err(format_error(format!("the JP2 box {:?} has an impossible length", String::from_utf8_lossy(&kind))));
    }
    Ok((kind, body, end))
}

/// Walk the top-level boxes: where the first `jp2c` box starts, its contents' extent (the
/// codestream) and the colour facts of the `jp2h` box.
fn read_boxes(source: &ByteSource) -> Result<(u64, u64, u64, Boxes)> {
    let size = source.size();
    let mut boxes = Boxes::default();
    let mut header_seen = false;
    let mut at = 0;
    while at < size {
        let (kind, body, end) = box_at(source, at, size)?;
        match &kind {
            b"jp2h" => {
                read_jp2h(source, body, end, &mut boxes)?;
                header_seen = true;
            }
            b"jp2c" => {
                if !header_seen {
                    return Err(format_error("the JP2 codestream comes before its header box"));
                }
                return Ok((at, body, end, boxes));
            }
            _ => {}
        }
        at = end;
    }
    Err(format_error("the JP2 file holds no codestream"))
}

fn read_jp2h(source: &ByteSource, start: u64, end: u64, boxes: &mut Boxes) -> Result<()> {
    let mut at = start;
    let mut colour_seen = false;
    let (mut palette, mut mapping) = (None, false);
    while at < end {
        let (kind, body, box_end) = box_at(source, at, end)?;
        let len = box_end - body;
        match &kind {
            // Only the first colour specification counts (as in OpenJPEG and the standard).
            b"colr" if !colour_seen && len >= 3 => {
                colour_seen = true;
                let b = source.read_at(body, 7.min(len as usize))?;
                if b[0] == 1 {
                    if b.len() < 7 {
                        return Err(format_error("the JP2 colour box is cut short"));
                    }
                    boxes.enumerated = Some(be32(&b, 3));
                }
            }
            b"ihdr" if boxes.ihdr.is_none() && len >= 8 => boxes.ihdr = Some(body),
            // Entries (2 bytes), then the number of columns: the channels it makes.
            b"pclr" if len >= 3 => palette = Some(u16::from(source.read_at(body, 3)?[2])),
            b"cmap" => mapping = true,
            b"cdef" if len >= 2 => {
                let n = source.read_at(body, 2)?;
                let count = u64::from(be16(&n, 0));
                if 2 + 6 * count <= len {
                    let defs = source.read_at(body + 2, (6 * count) as usize)?;
                    boxes.premultiplied = defs.chunks(6).any(|d| be16(d, 2) == 2);
                }
            }
            _ => {}
        }
        at = box_end;
    }
    // OpenJPEG applies a palette only with a component mapping; without one it is ignored.
    if mapping {
        boxes.palette_channels = palette;
    }
    Ok(())
}

/// Reads marker segments of a codestream held in `[start, end)` of the source.
struct Markers<'a> {
    source: &'a ByteSource,
    end: u64,
}

impl Markers<'_> {
    /// The marker at `at` and, for markers with a segment, its contents' extent.
    fn marker(&self, at: u64) -> Result<(u16, u64, u64)> {
        if at + 2 > self.end {
            return Err(format_error("the JPEG 2000 codestream ends inside its headers"));
        }
        let head = self.source.read_at(at, 4.min((self.end - at) as usize))?;
        let marker = be16(&head, 0);
        if marker >> 8 != 0xFF {
            return Err(format_error(format!("the JPEG 2000 codestream has no marker at offset {at}")));
        }
        if marker == SOD || marker == EOC || head.len() < 4 {
            return Ok((marker, at + 2, at + 2));
        }
        let len = u64::from(be16(&head, 2));
        if len < 2 || at + 2 + len > self.end {
            return Err(format_error(format!("the JPEG 2000 marker {marker:04X} has an impossible length")));
        }
        Ok((marker, at + 4, at + 2 + len))
    }

    fn body(&self, start: u64, end: u64) -> Result<Vec<u8>> {
        Ok(self.source.read_at(start, (end - start) as usize)?.into_owned())
    }
}

fn read_siz(b: &[u8]) -> Result<Siz> {
    if b.len() < 36 {
        return Err(format_error("the JPEG 2000 SIZ marker is cut short"));
    }
    let count = usize::from(be16(b, 34));
    if count == 0 || b.len() != 36 + 3 * count {
        return Err(format_error("the JPEG 2000 SIZ marker's length does not match its components"));
    }
    let components = (0..count)
        .map(|i| {
            let s = b[36 + 3 * i];
            Component { precision: (s & 0x7F) + 1, signed: s & 0x80 != 0, dx: b[37 + 3 * i], dy: b[38 + 3 * i] }
        })
        .collect();
    let siz = Siz {
        x1: be32(b, 2),
        y1: be32(b, 6),
        x0: be32(b, 10),
        y0: be32(b, 14),
        tdx: be32(b, 18),
        tdy: be32(b, 22),
        tx0: be32(b, 26),
        ty0: be32(b, 30),
        components,
    };
    if siz.x1 <= siz.x0 || siz.y1 <= siz.y0 {
        return Err(format_error("the JPEG 2000 image has no pixels"));
    }
    if siz.tdx == 0 || siz.tdy == 0 {
        return Err(format_error("the JPEG 2000 tile size is zero"));
    }
    let legal = siz.tx0 <= siz.x0
        && siz.ty0 <= siz.y0
        && u64::from(siz.tx0) + u64::from(siz.tdx) > u64::from(siz.x0)
        && u64::from(siz.ty0) + u64::from(siz.tdy) > u64::from(siz.y0);
    if !legal {
        return Err(format_error("the JPEG 2000 tile grid does not cover the image's origin"));
    }
    // The standard's limit, which OpenJPEG enforces too.
    if siz.tile_count() > 65535 {
        return Err(format_error(format!("the JPEG 2000 image declares {} tiles (at most 65535)", siz.tile_count())));
    }
    if siz.components.iter().any(|c| c.dx == 0 || c.dy == 0) {
        return Err(format_error("a JPEG 2000 component has a sampling step of zero"));
    }
    Ok(siz)
}

/// SPcod or SPcoc: decomposition levels, code-block size, and precinct sizes when `precincts`.
fn read_coding(b: &[u8], precincts: bool) -> Result<Coding> {
    if b.len() < 5 {
        return Err(format_error("a JPEG 2000 coding style marker is cut short"));
    }
    let levels = b[0];
    if levels > 32 {
        return Err(format_error(format!("JPEG 2000 coding with {levels} decomposition levels (at most 32)")));
    }
    let (block_w, block_h) = (b[1].saturating_add(2), b[2].saturating_add(2));
    if block_w > 10 || block_h > 10 || block_w + block_h > 12 {
        return Err(format_error("a JPEG 2000 code-block size is out of range"));
    }
    let resolutions = levels + 1;
    let precincts = if precincts {
        let sizes = b.get(5..5 + usize::from(resolutions)).ok_or_else(|| format_error("JPEG 2000 precinct sizes are cut short"))?;
        let sizes: Vec<(u8, u8)> = sizes.iter().map(|&p| (p & 0x0F, p >> 4)).collect();
        if sizes.iter().skip(1).any(|&(w, h)| w == 0 || h == 0) {
            return Err(format_error("a JPEG 2000 precinct size is zero"));
        }
        sizes
    } else {
        vec![(15, 15); usize::from(resolutions)]
    };
    Ok(Coding { resolutions, block_w, block_h, precincts, high_throughput: b[3] & 0x40 != 0, reversible: b[4] == 1 })
}

/// The coding markers of one header (main or tile): COD, and COC by component.
#[derive(Debug, Clone, Default)]
struct CodingMarkers {
    cod: Option<Coding>,
    coc: BTreeMap<u16, Coding>,
}

impl CodingMarkers {
    fn read(&mut self, marker: u16, b: &[u8], components: usize) -> Result<()> {
        match marker {
            COD => {
                // Scod, then progression order, layers and colour transform, then SPcod.
                if b.len() < 5 {
                    return Err(format_error("the JPEG 2000 COD marker is cut short"));
                }
                self.cod = Some(read_coding(&b[5..], b[0] & 1 != 0)?);
            }
            COC => {
                let wide = components > 256;
                let at = if wide { 2 } else { 1 };
                if b.len() < at + 1 {
                    return Err(format_error("the JPEG 2000 COC marker is cut short"));
                }
                let comp = if wide { be16(b, 0) } else { u16::from(b[0]) };
                if usize::from(comp) >= components {
                    return Err(format_error("a JPEG 2000 COC marker names a component that does not exist"));
                }
                self.coc.insert(comp, read_coding(&b[at + 1..], b[at] & 1 != 0)?);
            }
            _ => {}
        }
        Ok(())
    }

    fn is_empty(&self) -> bool {
        self.cod.is_none() && self.coc.is_empty()
    }
}

/// Each component's coding, by precedence: tile COC, tile COD, main COC, main COD.
fn effective(main: &CodingMarkers, tile: Option<&CodingMarkers>, components: usize) -> Result<Vec<Coding>> {
    (0..components as u16)
        .map(|c| {
            tile.and_then(|t| t.coc.get(&c).or(t.cod.as_ref()))
                .or_else(|| main.coc.get(&c))
                .or(main.cod.as_ref())
                .cloned()
                .ok_or_else(|| format_error("the JPEG 2000 codestream has no COD marker"))
        })
        .collect()
}

fn ceil_shift(v: u64, by: u32) -> u64 {
    if by >= 64 {
        u64::from(v > 0)
    } else {
        v.div_ceil(1 << by)
    }
}

/// Bytes of code-block and precinct records OpenJPEG allocates to decode the tile `rect`.
fn tile_setup_bytes(rect: [u64; 4], siz: &Siz, codings: &[Coding]) -> u64 {
    let mut total: u64 = 0;
    for (comp, coding) in siz.components.iter().zip(codings) {
        let [x0, y0, x1, y1] = rect;
        let tc = [x0.div_ceil(u64::from(comp.dx)), y0.div_ceil(u64::from(comp.dy)), x1.div_ceil(u64::from(comp.dx)), y1.div_ceil(u64::from(comp.dy))];
        for r in 0..coding.resolutions {
            let level = u32::from(coding.resolutions - 1 - r);
            let (rx0, ry0, rx1, ry1) = (ceil_shift(tc[0], level), ceil_shift(tc[1], level), ceil_shift(tc[2], level), ceil_shift(tc[3], level));
            let (ppx, ppy) = coding.precincts[usize::from(r)];
            let (ppx, ppy) = (u32::from(ppx), u32::from(ppy));
            let count = |lo: u64, hi: u64, p: u32| if hi > lo { ceil_shift(hi, p) - (lo >> p) } else { 0 };
            let (px, py) = (count(rx0, rx1, ppx), count(ry0, ry1, ppy));
            // Below the lowest resolution each precinct splits into three bands of half its size.
            let (bands, gx, gy) = if r == 0 { (1, ppx, ppy) } else { (3, ppx - 1, ppy - 1) };
            let (bx, by) = (u32::from(coding.block_w).min(gx), u32::from(coding.block_h).min(gy));
            let (bw, bh) = if r == 0 { (rx1 - rx0, ry1 - ry0) } else { ((rx1 - rx0).div_ceil(2), (ry1 - ry0).div_ceil(2)) };
            let blocks = |n: u64, g: u32, b: u32, len: u64| n.saturating_mul(1 << (g - b)).min((len >> b) + 1 + n);
            let cbx = blocks(px, gx, bx, bw);
            let cby = blocks(py, gy, by, bh);
            let per_band = px.saturating_mul(py).saturating_mul(PRECINCT_BYTES).saturating_add(cbx.saturating_mul(cby).saturating_mul(CODE_BLOCK_BYTES));
            total = total.saturating_add(per_band.saturating_mul(bands));
        }
    }
    total
}

/// Read the codestream in `[start, end)` of the source, whose box (if any) starts at `boxes_end`.
fn read_codestream(source: &ByteSource, container: Container, (boxes_end, start, end): (Option<u64>, u64, u64), boxes: Boxes) -> Result<Header> {
    let m = Markers { source, end };
    let (marker, body, mut at) = m.marker(start + 2)?;
    if source.read_at(start, 2)?[..] != [0xFF, 0x4F] || marker != 0xFF51 {
        return Err(format_error("the JPEG 2000 codestream does not start with SOC and SIZ"));
    }
    let siz_body = m.body(body, at)?;
    let siz = read_siz(&siz_body)?;
    // The SIZ segment from its marker on, which a view writes anew.
    let siz_extent = (body - 4, at);
    let components = siz.components.len();
    let mut main = CodingMarkers::default();
    let mut indexable = true;
    let mut left_out = Vec::new();
    loop {
        let (marker, body, next) = m.marker(at)?;
        if marker == SOT {
            break;
        }
        // PPM holds packet headers for every tile-part in order, so none can be left out.
        indexable &= marker != PPM;
        if marker == TLM {
            left_out.push((at, next));
        }
        if marker == SOD || marker == EOC {
            return Err(format_error("the JPEG 2000 codestream has no tiles"));
        }
        if marker == COD || marker == COC {
            main.read(marker, &m.body(body, next)?, components)?;
        }
        at = next;
    }
    let main_codings = effective(&main, None, components)?;
    // Tile-part headers may code a tile differently from the main header.
    let mut tiles: BTreeMap<u16, CodingMarkers> = BTreeMap::new();
    let main_extent = (start, at);
    let mut parts = Vec::new();
    while at + 12 <= end && parts.len() < MAX_TILE_PARTS {
        let sot = source.read_at(at, 12)?;
        if be16(&sot, 0) != SOT {
            break;
        }
        let (index, length) = (be16(&sot, 4), u64::from(be32(&sot, 6)));
        if u64::from(index) >= siz.tile_count() {
            return Err(format_error(format!("a JPEG 2000 tile-part names tile {index}, which does not exist")));
        }
        let mut h = at + 12;
        loop {
            let (marker, body, next) = m.marker(h)?;
            if marker == SOD || marker == EOC {
                break;
            }
            if marker == COD || marker == COC {
                tiles.entry(index).or_default().read(marker, &m.body(body, next)?, components)?;
            }
            h = next;
        }
        indexable &= be16(&sot, 2) == 10 && length >= 12;
        parts.push(TilePart { tile: index, start: at, len: length, number: [sot[10], sot[11]] });
        if length == 0 {
            break;
        }
        at += length;
    }
    // Every tile-part found, each with its length, up to the end marker or the end.
    indexable &= parts.iter().all(|p| p.start + p.len <= end) && (at == end || (at + 2 <= end && source.read_at(at, 2)?[..] == EOC.to_be_bytes()));
    let tile_parts = indexable.then_some(TileParts { boxes_end, ihdr: boxes.ihdr, main: main_extent, siz: siz_extent, siz_body, left_out, parts });
    let mut resolutions = main_codings.iter().map(|c| c.resolutions).min().unwrap_or(1);
    // Tiles without their own coding differ only in size: a whole tile stands for them all.
    let whole = [0, 0, u64::from(siz.tdx.min(siz.width())), u64::from(siz.tdy.min(siz.height()))];
    let mut tile_setup = tile_setup_bytes(whole, &siz, &main_codings);
    let mut high_throughput = main_codings.iter().any(|c| c.high_throughput);
    let mut most_decompositions = main_codings.iter().map(|c| c.resolutions - 1).max().unwrap_or(0);
    let mut irreversible = main_codings.iter().any(|c| !c.reversible);
    for (&index, markers) in tiles.iter().filter(|(_, t)| !t.is_empty()) {
        let codings = effective(&main, Some(markers), components)?;
        resolutions = resolutions.min(codings.iter().map(|c| c.resolutions).min().unwrap_or(1));
        tile_setup = tile_setup.max(tile_setup_bytes(siz.tile_rect(u64::from(index)), &siz, &codings));
        high_throughput |= codings.iter().any(|c| c.high_throughput);
        most_decompositions = most_decompositions.max(codings.iter().map(|c| c.resolutions - 1).max().unwrap_or(0));
        irreversible |= codings.iter().any(|c| !c.reversible);
    }
    Ok(Header { container, siz, boxes, resolutions, most_decompositions, irreversible, tile_setup_bytes: tile_setup, high_throughput, tile_parts })
}

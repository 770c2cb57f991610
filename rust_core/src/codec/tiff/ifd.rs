//! TIFF and BigTIFF directories: the header, the IFD chain, SubIFDs and tag values.
//!
//! Only tags are read here; chunks are read by offset when a request needs them.

use std::collections::{BTreeMap, HashSet};

use crate::errors::{format_error, Result};
use crate::source::ByteSource;

pub mod tag {
    pub const IMAGE_WIDTH: u16 = 256;
    pub const IMAGE_LENGTH: u16 = 257;
    pub const BITS_PER_SAMPLE: u16 = 258;
    pub const COMPRESSION: u16 = 259;
    pub const PHOTOMETRIC: u16 = 262;
    pub const ORIENTATION: u16 = 274;
    pub const STRIP_OFFSETS: u16 = 273;
    pub const SAMPLES_PER_PIXEL: u16 = 277;
    pub const ROWS_PER_STRIP: u16 = 278;
    pub const STRIP_BYTE_COUNTS: u16 = 279;
    pub const PLANAR_CONFIGURATION: u16 = 284;
    pub const PREDICTOR: u16 = 317;
    pub const COLOR_MAP: u16 = 320;
    pub const TILE_WIDTH: u16 = 322;
    pub const TILE_LENGTH: u16 = 323;
    pub const TILE_OFFSETS: u16 = 324;
    pub const TILE_BYTE_COUNTS: u16 = 325;
    pub const SUB_IFDS: u16 = 330;
    pub const INK_SET: u16 = 332;
    pub const EXTRA_SAMPLES: u16 = 338;
    pub const SAMPLE_FORMAT: u16 = 339;
    pub const JPEG_TABLES: u16 = 347;
    pub const YCBCR_SUBSAMPLING: u16 = 530;
    pub const ICC_PROFILE: u16 = 34675;
}

/// Directories and entries beyond these counts are taken as a damaged or hostile file.
const MAX_ENTRIES: u64 = 4096;
const MAX_DIRECTORIES: usize = 1024;

#[derive(Debug, Clone, Copy)]
struct Entry {
    kind: u16,
    count: u64,
    /// The value itself when it fits in the entry, else the offset of the value.
    inline: [u8; 8],
}

#[derive(Debug, Clone)]
pub struct Directory {
    entries: BTreeMap<u16, Entry>,
    pub next: u64,
}

/// A parsed TIFF header with the means to read directories and values from `source`.
pub struct TiffReader<'a> {
    source: &'a ByteSource,
    little: bool,
    big: bool,
    first: u64,
}

fn type_size(kind: u16) -> Option<u64> {
    Some(match kind {
        1 | 2 | 6 | 7 => 1,
        3 | 8 => 2,
        4 | 9 | 11 | 13 => 4,
        5 | 10 | 12 | 16 | 17 | 18 => 8,
        _ => return None,
    })
}

impl<'a> TiffReader<'a> {
    pub fn new(source: &'a ByteSource) -> Result<TiffReader<'a>> {
        let head = source.read_prefix(16)?;
        if head.len() < 8 {
            return Err(format_error("the TIFF file is too short to have a header"));
        }
        let little = match &head[..2] {
            b"II" => true,
            b"MM" => false,
            _ => return Err(format_error("the TIFF byte-order mark is invalid")),
        };
        let mut r = TiffReader { source, little, big: false, first: 0 };
        let first = match r.u16_at(&head[2..4]) {
            42 => u64::from(r.u32_at(&head[4..8])),
            43 if head.len() >= 16 => {
                r.big = true;
                r.u64_at(&head[8..16])
            }
            _ => return Err(format_error("the TIFF version number is invalid")),
        };
        r.first = first;
        Ok(r)
    }

    fn u16_at(&self, b: &[u8]) -> u16 {
        let a = [b[0], b[1]];
        if self.little { u16::from_le_bytes(a) } else { u16::from_be_bytes(a) }
    }

    fn u32_at(&self, b: &[u8]) -> u32 {
        let a = [b[0], b[1], b[2], b[3]];
        if self.little { u32::from_le_bytes(a) } else { u32::from_be_bytes(a) }
    }

    fn u64_at(&self, b: &[u8]) -> u64 {
        let a: [u8; 8] = b[..8].try_into().expect("eight bytes");
        if self.little { u64::from_le_bytes(a) } else { u64::from_be_bytes(a) }
    }

    /// The offset of the first directory, from the header.
    pub fn first_directory(&self) -> u64 {
        self.first
    }

    pub fn little_endian(&self) -> bool {
        self.little
    }

    pub fn directory(&self, offset: u64) -> Result<Directory> {
        let (count_len, entry_len, next_len) = if self.big { (8, 20, 8) } else { (2, 12, 4) };
        let head = self.source.read_at(offset, count_len)?;
        let count = if self.big { self.u64_at(&head) } else { u64::from(self.u16_at(&head)) };
        if count == 0 || count > MAX_ENTRIES {
            return Err(format_error(format!("a TIFF directory claims {count} entries")));
        }
        let body = self.source.read_at(offset + count_len as u64, (count * entry_len + next_len) as usize)?;
        let mut entries = BTreeMap::new();
        for e in body.chunks_exact(entry_len as usize).take(count as usize) {
            let tag = self.u16_at(&e[0..2]);
            let kind = self.u16_at(&e[2..4]);
            let (count, value) = if self.big {
                (self.u64_at(&e[4..12]), &e[12..20])
            } else {
                (u64::from(self.u32_at(&e[4..8])), &e[8..12])
            };
            let mut inline = [0u8; 8];
            inline[..value.len()].copy_from_slice(value);
            entries.insert(tag, Entry { kind, count, inline });
        }
        let tail = &body[(count * entry_len) as usize..];
        let next = if self.big { self.u64_at(tail) } else { u64::from(self.u32_at(tail)) };
        Ok(Directory { entries, next })
    }

    /// Every directory of the main chain, in file order, refusing loops.
    pub fn chain(&self, first: u64) -> Result<Vec<Directory>> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        let mut offset = first;
        while offset != 0 {
            if !seen.insert(offset) || out.len() >= MAX_DIRECTORIES {
                return Err(format_error("the TIFF directory chain loops or is implausibly long"));
            }
            let dir = self.directory(offset)?;
            offset = dir.next;
            out.push(dir);
        }
        Ok(out)
    }

    fn value_bytes(&self, e: &Entry) -> Result<Vec<u8>> {
        let size = type_size(e.kind).ok_or_else(|| format_error(format!("unknown TIFF field type {}", e.kind)))?;
        let len = e
            .count
            .checked_mul(size)
            .filter(|&l| l <= self.source.size())
            .ok_or_else(|| format_error("a TIFF tag's value is larger than the file"))?;
        let inline_len = if self.big { 8 } else { 4 };
        if len <= inline_len {
            Ok(e.inline[..len as usize].to_vec())
        } else {
            let offset = if self.big { self.u64_at(&e.inline) } else { u64::from(self.u32_at(&e.inline)) };
            Ok(self.source.read_at(offset, len as usize)?.into_owned())
        }
    }

    /// The values of an integer tag, if present.
    pub fn uints(&self, dir: &Directory, tag: u16) -> Result<Option<Vec<u64>>> {
        let Some(e) = dir.entries.get(&tag) else { return Ok(None) };
        let bytes = self.value_bytes(e)?;
        let values = match e.kind {
            1 | 7 => bytes.iter().map(|&b| u64::from(b)).collect(),
            3 => bytes.chunks_exact(2).map(|c| u64::from(self.u16_at(c))).collect(),
            4 | 13 => bytes.chunks_exact(4).map(|c| u64::from(self.u32_at(c))).collect(),
            16 | 18 => bytes.chunks_exact(8).map(|c| self.u64_at(c)).collect(),
            k => return Err(format_error(format!("TIFF tag {tag} has non-integer type {k}"))),
        };
        Ok(Some(values))
    }

    /// The first value of an integer tag, or `default` when the tag is absent.
    pub fn uint(&self, dir: &Directory, tag: u16, default: Option<u64>) -> Result<u64> {
        match self.uints(dir, tag)?.and_then(|v| v.first().copied()) {
            Some(v) => Ok(v),
            None => default.ok_or_else(|| format_error(format!("the TIFF directory lacks required tag {tag}"))),
        }
    }

    /// The raw bytes of a tag (for JPEGTables), if present.
    pub fn bytes(&self, dir: &Directory, tag: u16) -> Result<Option<Vec<u8>>> {
        dir.entries.get(&tag).map(|e| self.value_bytes(e)).transpose()
    }
}

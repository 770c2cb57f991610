//! Writing TIFF structure: the header, image file directories (tags and their values) and the
//! chain that links them. Classic little-endian TIFF, shared by the single-image and the
//! pyramid writers, which write the pixel data themselves.

use std::io::{Seek, SeekFrom, Write};

use crate::errors::{format_error, Result};

/// Tag numbers, by their names in the TIFF 6.0 specification.
pub mod tag {
    pub const NEW_SUBFILE_TYPE: u16 = 254;
    pub const IMAGE_WIDTH: u16 = 256;
    pub const IMAGE_LENGTH: u16 = 257;
    pub const BITS_PER_SAMPLE: u16 = 258;
    pub const COMPRESSION: u16 = 259;
    pub const PHOTOMETRIC_INTERPRETATION: u16 = 262;
    pub const STRIP_OFFSETS: u16 = 273;
    pub const SAMPLES_PER_PIXEL: u16 = 277;
    pub const ROWS_PER_STRIP: u16 = 278;
    pub const STRIP_BYTE_COUNTS: u16 = 279;
    pub const X_RESOLUTION: u16 = 282;
    pub const Y_RESOLUTION: u16 = 283;
    pub const PLANAR_CONFIGURATION: u16 = 284;
    pub const RESOLUTION_UNIT: u16 = 296;
    pub const PREDICTOR: u16 = 317;
    pub const TILE_WIDTH: u16 = 322;
    pub const TILE_LENGTH: u16 = 323;
    pub const TILE_OFFSETS: u16 = 324;
    pub const TILE_BYTE_COUNTS: u16 = 325;
    pub const EXTRA_SAMPLES: u16 = 338;
    pub const YCBCR_SUBSAMPLING: u16 = 530;
    pub const ICC_PROFILE: u16 = 34675;
}

/// Values of the Compression tag.
pub mod compression {
    pub const NONE: u16 = 1;
    pub const LZW: u16 = 5;
    pub const JPEG: u16 = 7;
    pub const DEFLATE: u16 = 8;
    pub const PACKBITS: u16 = 32773;
}

/// Values of the PhotometricInterpretation tag.
pub mod photometric {
    pub const MIN_IS_BLACK: u16 = 1;
    pub const RGB: u16 = 2;
    pub const YCBCR: u16 = 6;
}

/// The values of one tag, in the field type they are written as.
#[derive(Debug, Clone)]
pub enum Values {
    /// Bytes with no meaning to TIFF itself (an embedded ICC profile, say).
    Undefined(Vec<u8>),
    Short(Vec<u16>),
    Long(Vec<u32>),
    /// Numerator and denominator.
    Rational(Vec<(u32, u32)>),
}

impl Values {
    fn field_type(&self) -> u16 {
        match self {
            Values::Undefined(_) => 7,
            Values::Short(_) => 3,
            Values::Long(_) => 4,
            Values::Rational(_) => 5,
        }
    }

    fn count(&self) -> usize {
        match self {
            Values::Undefined(v) => v.len(),
            Values::Short(v) => v.len(),
            Values::Long(v) => v.len(),
            Values::Rational(v) => v.len(),
        }
    }

    fn bytes(&self) -> Vec<u8> {
        match self {
            Values::Undefined(v) => v.clone(),
            Values::Short(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Values::Long(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Values::Rational(v) => v.iter().flat_map(|(n, d)| n.to_le_bytes().into_iter().chain(d.to_le_bytes())).collect(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub tag: u16,
    pub values: Values,
}

impl Entry {
    pub fn undefined(tag: u16, bytes: &[u8]) -> Entry {
        Entry { tag, values: Values::Undefined(bytes.to_vec()) }
    }

    pub fn short(tag: u16, values: &[u16]) -> Entry {
        Entry { tag, values: Values::Short(values.to_vec()) }
    }

    pub fn long(tag: u16, values: &[u32]) -> Entry {
        Entry { tag, values: Values::Long(values.to_vec()) }
    }

    pub fn rational(tag: u16, values: &[(u32, u32)]) -> Entry {
        Entry { tag, values: Values::Rational(values.to_vec()) }
    }
}

/// Where a directory was written: its own offset, and the offset of its field that points to
/// the next directory (zero until `link` fills it in).
#[derive(Debug, Clone, Copy)]
pub struct Directory {
    pub offset: u32,
    next_field: u32,
}

/// The current offset, which must fit the 32 bits of classic TIFF.
pub fn position<W: Seek>(w: &mut W) -> Result<u32> {
    u32::try_from(w.stream_position()?).map_err(|_| format_error("the image is too large for a classic TIFF"))
}

/// The 8-byte header of a little-endian TIFF, its first-directory offset left at zero for `link`.
pub fn write_header<W: Write>(w: &mut W) -> Result<()> {
    w.write_all(b"II*\0\0\0\0\0")?;
    Ok(())
}

fn align<W: Write + Seek>(w: &mut W) -> Result<()> {
    if position(w)? % 2 == 1 {
        w.write_all(&[0])?;
    }
    Ok(())
}

/// Write a directory of `entries` at the current position (values too long to fit in an
/// entry first, each at a word boundary), sorted by tag as TIFF requires.
pub fn write_directory<W: Write + Seek>(w: &mut W, mut entries: Vec<Entry>) -> Result<Directory> {
    entries.sort_by_key(|e| e.tag);
    let mut fields = Vec::with_capacity(entries.len());
    for e in &entries {
        let bytes = e.values.bytes();
        if bytes.len() > 4 {
            align(w)?;
            fields.push(position(w)?.to_le_bytes());
            w.write_all(&bytes)?;
        } else {
            let mut inline = [0u8; 4];
            inline[..bytes.len()].copy_from_slice(&bytes);
            fields.push(inline);
        }
    }
    align(w)?;
    let offset = position(w)?;
    let count = u16::try_from(entries.len()).map_err(|_| format_error("too many TIFF tags"))?;
    w.write_all(&count.to_le_bytes())?;
    for (e, field) in entries.iter().zip(&fields) {
        let count = u32::try_from(e.values.count()).map_err(|_| format_error("too many values in a TIFF tag"))?;
        w.write_all(&e.tag.to_le_bytes())?;
        w.write_all(&e.values.field_type().to_le_bytes())?;
        w.write_all(&count.to_le_bytes())?;
        w.write_all(field)?;
    }
    let next_field = position(w)?;
    w.write_all(&0u32.to_le_bytes())?;
    Ok(Directory { offset, next_field })
}

/// Point the header at the first directory and each directory at the one after it, then
/// return to the end of the file.
pub fn link<W: Write + Seek>(w: &mut W, directories: &[Directory]) -> Result<()> {
    let Some(first) = directories.first() else {
        return Err(format_error("a TIFF needs at least one directory"));
    };
    let end = w.stream_position()?;
    w.seek(SeekFrom::Start(4))?;
    w.write_all(&first.offset.to_le_bytes())?;
    for pair in directories.windows(2) {
        w.seek(SeekFrom::Start(u64::from(pair[0].next_field)))?;
        w.write_all(&pair[1].offset.to_le_bytes())?;
    }
    w.seek(SeekFrom::Start(end))?;
    Ok(())
}

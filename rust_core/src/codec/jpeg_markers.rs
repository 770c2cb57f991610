//! What a JPEG says outside its pixels: the EXIF orientation (APP1), Adobe's colour transform
//! flag (APP14, which also means CMYK samples are stored inverted) and the ICC profile (APP2).

use crate::codec::tiff::ifd::TiffReader;
use crate::orientation::Orientation;
use crate::source::ByteSource;

const EXIF_ORIENTATION: u16 = 274;

#[derive(Debug, Default)]
pub struct Markers {
    pub orientation: Orientation,
    pub adobe: bool,
    pub icc: Option<Vec<u8>>,
}

/// Walk the marker segments up to the first scan. Damaged metadata is ignored, as viewers do:
/// the pixels decide whether the file is usable.
pub fn scan(data: &[u8]) -> Markers {
    let mut m = Markers::default();
    let mut icc_chunks: Vec<(u8, &[u8])> = Vec::new();
    let mut i = 2;
    while i + 4 <= data.len() && data[i] == 0xFF {
        let marker = data[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        if marker == 0xDA || marker == 0xD9 {
            break;
        }
        let len = usize::from(u16::from_be_bytes([data[i + 2], data[i + 3]]));
        let Some(body) = data.get(i + 4..i + 2 + len).filter(|_| len >= 2) else { break };
        match marker {
            0xE1 if body.starts_with(b"Exif\0\0") => m.orientation = exif_orientation(&body[6..]),
            0xE2 if body.starts_with(b"ICC_PROFILE\0") && body.len() > 14 => icc_chunks.push((body[12], &body[14..])),
            0xEE if body.starts_with(b"Adobe") => m.adobe = true,
            _ => {}
        }
        i += 2 + len;
    }
    if !icc_chunks.is_empty() {
        icc_chunks.sort_by_key(|(seq, _)| *seq);
        m.icc = Some(icc_chunks.iter().flat_map(|(_, c)| c.iter().copied()).collect());
    }
    m
}

fn exif_orientation(tiff: &[u8]) -> Orientation {
    let source = ByteSource::Memory(tiff.to_vec());
    let value = TiffReader::new(&source)
        .and_then(|reader| reader.directory(reader.first_directory()).and_then(|dir| reader.uint(&dir, EXIF_ORIENTATION, Some(1))));
    Orientation::from_tag(value.unwrap_or(1))
}

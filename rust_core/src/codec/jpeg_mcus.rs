//! A JPEG re-coded losslessly with a restart marker after every MCU, and where each MCU's
//! entropy-coded bytes lie: any rectangle of MCUs then makes a JPEG of its own, decoded without
//! touching the rest. Stored tiles carry no restart markers, so reading a corner of one
//! otherwise Huffman-decodes every MCU up to the corner's last row, left of it included.

use crate::formats::jpeg_markers::{end_with_intervals, frame_sampling, restart_intervals, segments, Segment};
use crate::errors::{format_error, Result};
use crate::geometry::Rect;
use crate::limits::Limits;
use crate::turbo;

pub struct McuJpeg {
    /// The re-coded JPEG: its markers up to the end of the scan header, then the MCUs.
    data: Vec<u8>,
    /// Where the scan header ends and the first MCU begins.
    scan_start: usize,
    /// Where the frame header's height and width (16 bits each, big-endian) are.
    size_at: usize,
    /// MCU i (row-major) is `data[mcus[i].0..mcus[i].1]`, without the restart marker after it.
    mcus: Vec<(u32, u32)>,
    width: u32,
    height: u32,
    /// An MCU's width and height in pixels.
    mcu: (u32, u32),
    cols: u32,
}

impl McuJpeg {
    /// Re-code `jpeg`, a single-frame JPEG of `size` pixels, with a restart marker after every
    /// MCU; its DCT coefficients are kept as they are. Re-coding holds them all in memory, so
    /// the image must be within `limits`.
    pub fn new(jpeg: &[u8], size: (u32, u32), limits: &Limits) -> Result<McuJpeg> {
        let header = crate::codec::jpeg::read_header(jpeg)?;
        if (header.width, header.height) != size || header.progressive || header.cmyk {
            return Err(format_error("this JPEG is not re-coded for partial reads"));
        }
        limits.check(header.width, header.height)?;
        parse(turbo::transform(jpeg, None, 1, "re-coding a JPEG with restart markers")?)
    }

    /// A JPEG of the MCUs that cover `rect` (in this JPEG's pixels) and one more MCU on each
    /// side that is not the image's edge, and where `rect` lies in it. The extra MCUs give
    /// smooth chroma upsampling the neighbours it has in the whole image, so the pixels of
    /// `rect` come out as a decode of the whole JPEG gives them.
    pub fn cut(&self, rect: Rect) -> (Vec<u8>, Rect) {
        let (mw, mh) = self.mcu;
        let rows = self.mcus.len() as u32 / self.cols;
        let (c0, c1) = ((rect.x / mw).saturating_sub(1), (rect.right().div_ceil(mw) + 1).min(self.cols));
        let (r0, r1) = ((rect.y / mh).saturating_sub(1), (rect.bottom().div_ceil(mh) + 1).min(rows));
        let width = (c1 * mw).min(self.width) - c0 * mw;
        let height = (r1 * mh).min(self.height) - r0 * mh;
        let mut out = Vec::with_capacity(self.scan_start + self.data.len() / (self.cols * rows) as usize * ((c1 - c0) * (r1 - r0)) as usize);
        out.extend_from_slice(&self.data[..self.scan_start]);
        out[self.size_at..self.size_at + 2].copy_from_slice(&(height as u16).to_be_bytes());
        out[self.size_at + 2..self.size_at + 4].copy_from_slice(&(width as u16).to_be_bytes());
        let wanted = (r0..r1).flat_map(|r| (c0..c1).map(move |c| self.mcus[(r * self.cols + c) as usize]));
        end_with_intervals(&mut out, wanted.map(|(start, end)| &self.data[start as usize..end as usize]));
        (out, Rect::new(rect.x - c0 * mw, rect.y - r0 * mh, rect.w, rect.h))
    }

    /// What this takes in memory.
    pub fn bytes(&self) -> usize {
        self.data.len() + self.mcus.len() * std::mem::size_of::<(u32, u32)>()
    }
}

fn parse(data: Vec<u8>) -> Result<McuJpeg> {
    let bad = |what: &str| format_error(format!("a re-coded JPEG {what}"));
    let (mut size_at, mut mcu, mut dims, mut interval, mut scan_start) = (None, None, (0, 0), 0, None);
    for Segment { marker, at, end, body } in segments(&data) {
        match marker {
            0xC0 | 0xC1 if body.len() >= 6 => {
                size_at = Some(at + 5);
                dims = (u32::from(u16::from_be_bytes([body[3], body[4]])), u32::from(u16::from_be_bytes([body[1], body[2]])));
                mcu = frame_sampling(body).map(|(mcu, _)| mcu);
            }
            0xC2..=0xCF if marker != 0xC4 && marker != 0xC8 && marker != 0xCC => return Err(bad("is not baseline")),
            0xDD if body.len() >= 2 => interval = u16::from_be_bytes([body[0], body[1]]),
            0xDA => scan_start = Some(end),
            _ => {}
        }
    }
    let Some(scan_start) = scan_start else { return Err(bad("has no scan")) };
    let (Some(size_at), Some(mcu)) = (size_at, mcu) else { return Err(bad("has no frame header")) };
    if interval != 1 {
        return Err(bad("has no restart marker after every MCU"));
    }
    let (cols, rows) = (dims.0.div_ceil(mcu.0), dims.1.div_ceil(mcu.1));
    let intervals = restart_intervals(&data, scan_start).ok_or_else(|| bad("has a broken scan"))?;
    let mcus: Vec<(u32, u32)> = intervals.into_iter().map(|(start, end)| (start as u32, end as u32)).collect();
    if mcus.len() != (cols * rows) as usize {
        return Err(bad("does not hold one restart interval per MCU"));
    }
    Ok(McuJpeg { data, scan_start, size_at, mcus, width: dims.0, height: dims.1, mcu, cols })
}


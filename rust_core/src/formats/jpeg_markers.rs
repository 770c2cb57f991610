//! A JPEG's marker segments, read by the decoder and written by the encoder, and what they say
//! outside its pixels: the EXIF block (APP1), Adobe's colour transform flag (APP14, which also
//! means CMYK samples are stored inverted) and the ICC profile (APP2).

#[derive(Debug, Default)]
pub struct Markers<'a> {
    /// The EXIF block: a little TIFF file, whose tags the decoder reads.
    pub exif: Option<&'a [u8]>,
    pub adobe: bool,
    pub icc: Option<Vec<u8>>,
}

/// One marker segment: its marker, where it starts (at its 0xFF) and ends, and its contents.
pub struct Segment<'a> {
    pub marker: u8,
    pub at: usize,
    pub end: usize,
    pub body: &'a [u8],
}

/// The marker segments of `data` from after SOI, the scan header (SOS) last; the walk stops
/// early at the end of the image or where the data is not a marker segment.
pub fn segments(data: &[u8]) -> impl Iterator<Item = Segment<'_>> {
    let mut i = 2;
    let mut done = false;
    std::iter::from_fn(move || {
        while !done && i + 4 <= data.len() && data[i] == 0xFF {
            let marker = data[i + 1];
            if marker == 0xFF {
                i += 1;
                continue;
            }
            if marker == 0xD9 {
                break;
            }
            let len = usize::from(u16::from_be_bytes([data[i + 2], data[i + 3]]));
            let body = data.get(i + 4..i + 2 + len).filter(|_| len >= 2)?;
            let segment = Segment { marker, at: i, end: i + 2 + len, body };
            done = marker == 0xDA;
            i += 2 + len;
            return Some(segment);
        }
        None
    })
}

/// What a frame header (SOF) body says of how its components are sampled: the MCU's width and
/// height in pixels, and whether some component is subsampled (so decoding upsamples it).
pub fn frame_sampling(body: &[u8]) -> Option<((u32, u32), bool)> {
    let count = usize::from(*body.get(5)?);
    let components = body.get(6..6 + 3 * count)?;
    let factors: Vec<(u32, u32)> = components.chunks_exact(3).map(|c| (u32::from(c[1] >> 4), u32::from(c[1] & 15))).collect();
    let (h, v) = factors.iter().fold((1, 1), |(h, v), &(ch, cv)| (h.max(ch), v.max(cv)));
    // A single component is coded in blocks of its own, whatever its factors say.
    if count == 1 {
        return Some(((8, 8), false));
    }
    Some(((8 * h, 8 * v), factors.iter().any(|&f| f != (h, v))))
}

/// The sampling (`frame_sampling`) of the first frame header in `data`.
pub fn sampling(data: &[u8]) -> Option<((u32, u32), bool)> {
    let is_frame = |m: u8| matches!(m, 0xC0..=0xCF) && !matches!(m, 0xC4 | 0xC8 | 0xCC);
    segments(data).find(|s| is_frame(s.marker)).and_then(|s| frame_sampling(s.body))
}

/// Whether a JPEG stream ends with its EOI marker, zero bytes after it aside (some writers pad
/// a chunk to a round size).
pub fn ends_with_eoi(data: &[u8]) -> bool {
    let end = data.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    data[..end].ends_with(&[0xFF, 0xD9])
}

/// Whether the file's first scan is its only one: a sequential frame (baseline, extended or
/// lossless) whose first scan holds every component. Each component of a sequential file is in
/// exactly one scan, so no scan can follow that one.
pub fn single_scan(data: &[u8]) -> bool {
    let mut components = None;
    for Segment { marker, body, .. } in segments(data) {
        match marker {
            0xC0 | 0xC1 | 0xC3 => components = body.get(5).copied(),
            0xDA => return components.is_some() && body.first().copied() == components,
            _ => {}
        }
    }
    false
}

/// The restart intervals of the entropy-coded data that starts at `scan` and ends at EOI, each
/// as the range of its bytes without the restart marker after it; None if the data ends first
/// or holds another marker.
pub fn restart_intervals(data: &[u8], scan: usize) -> Option<Vec<(usize, usize)>> {
    let mut intervals = Vec::new();
    let (mut start, mut i) = (scan, scan);
    loop {
        let at = i + data.get(i..)?.iter().position(|&b| b == 0xFF)?;
        match data.get(at + 1)? {
            0x00 => i = at + 2,
            0xFF => i = at + 1,
            0xD0..=0xD7 => {
                intervals.push((start, at));
                (start, i) = (at + 2, at + 2);
            }
            0xD9 => {
                intervals.push((start, at));
                return Some(intervals);
            }
            _ => return None,
        }
    }
}

/// Append restart intervals to `out` in order, restart markers numbered in sequence between
/// them, then EOI: the end of a JPEG whose restart interval is one of them.
pub fn end_with_intervals<'a>(out: &mut Vec<u8>, intervals: impl IntoIterator<Item = &'a [u8]>) {
    for (n, interval) in intervals.into_iter().enumerate() {
        if n > 0 {
            out.extend_from_slice(&[0xFF, 0xD0 + ((n - 1) % 8) as u8]);
        }
        out.extend_from_slice(interval);
    }
    out.extend_from_slice(&[0xFF, 0xD9]);
}

/// Walk the marker segments up to the first scan. Damaged metadata is ignored, as viewers do:
/// the pixels decide whether the file is usable.
pub fn scan(data: &[u8]) -> Markers<'_> {
    let mut m = Markers::default();
    let mut icc_chunks: Vec<(u8, &[u8])> = Vec::new();
    for Segment { marker, body, .. } in segments(data) {
        match marker {
            0xE1 if body.starts_with(b"Exif\0\0") => m.exif = Some(&body[6..]),
            0xE2 if body.starts_with(b"ICC_PROFILE\0") && body.len() > 14 => icc_chunks.push((body[12], &body[14..])),
            0xEE if body.starts_with(b"Adobe") => m.adobe = true,
            _ => {}
        }
    }
    if !icc_chunks.is_empty() {
        icc_chunks.sort_by_key(|(seq, _)| *seq);
        m.icc = Some(icc_chunks.iter().flat_map(|(_, c)| c.iter().copied()).collect());
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SOI, a frame of `components` components (SOF `sof`), a scan of `in_scan` of them, EOI.
    fn stream(sof: u8, components: u8, in_scan: u8) -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8, 0xFF, sof, 0, 8 + 3 * components, 8, 0, 16, 0, 16, components];
        for c in 0..components {
            v.extend_from_slice(&[c + 1, 0x11, 0]);
        }
        v.extend_from_slice(&[0xFF, 0xDA, 0, 6 + 2 * in_scan, in_scan]);
        for c in 0..in_scan {
            v.extend_from_slice(&[c + 1, 0]);
        }
        v.extend_from_slice(&[0, 63, 0, 0x12, 0x34, 0xFF, 0xD9]);
        v
    }

    #[test]
    fn a_sequential_scan_of_every_component_is_the_only_one() {
        assert!(single_scan(&stream(0xC0, 3, 3)));
        assert!(single_scan(&stream(0xC0, 1, 1)));
        assert!(!single_scan(&stream(0xC0, 3, 1)), "a scan per component");
        assert!(!single_scan(&stream(0xC2, 3, 3)), "progressive");
        assert!(!single_scan(&[0xFF, 0xD8]));
    }

    #[test]
    fn the_end_marker_may_be_followed_by_zero_padding_only() {
        assert!(ends_with_eoi(&[0xFF, 0xD8, 1, 0xFF, 0xD9]));
        assert!(ends_with_eoi(&[0xFF, 0xD8, 1, 0xFF, 0xD9, 0, 0, 0]));
        assert!(!ends_with_eoi(&[0xFF, 0xD8, 1, 0xFF, 0xD9, 7]));
        assert!(!ends_with_eoi(&[0xFF, 0xD8, 1, 2, 0, 0]));
        assert!(!ends_with_eoi(&[0, 0]));
    }
}

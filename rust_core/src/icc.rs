//! ICC colour profiles carried from the source to the output, so that colour-managed viewers show
//! the colours the file means. A profile travels only while it still describes the pixels: its
//! colour space must match the output's, and no gray or bitonal step may have intervened.

use std::sync::Arc;

/// A profile's data colour space (bytes 16–19 of its header), if the header is there at all.
pub fn color_space(profile: &[u8]) -> Option<&[u8]> {
    profile.get(16..20).filter(|_| profile.len() >= 128)
}

/// `profile` if it describes pixels of `channels` channels (gray or RGB, with or without alpha).
pub fn fits(profile: &Arc<[u8]>, channels: u8) -> Option<Arc<[u8]>> {
    let wanted: &[u8] = if channels <= 2 { b"GRAY" } else { b"RGB " };
    (color_space(profile) == Some(wanted)).then(|| Arc::clone(profile))
}

/// APP2 segments holding `profile` (split into chunks as the ICC specification says), spliced
/// into a JPEG stream right after its SOI and any APP0.
pub fn into_jpeg(jpeg: Vec<u8>, profile: &[u8]) -> Vec<u8> {
    const CHUNK: usize = 65_519;
    let chunks: Vec<&[u8]> = profile.chunks(CHUNK).collect();
    let mut at = 2;
    if jpeg.get(2..4) == Some(&[0xFF, 0xE0]) {
        at += 2 + usize::from(u16::from_be_bytes([jpeg[4], jpeg[5]]));
    }
    let mut out = Vec::with_capacity(jpeg.len() + profile.len() + 18 * chunks.len());
    out.extend_from_slice(&jpeg[..at]);
    for (i, chunk) in chunks.iter().enumerate() {
        out.extend_from_slice(&[0xFF, 0xE2]);
        out.extend_from_slice(&((chunk.len() + 16) as u16).to_be_bytes());
        out.extend_from_slice(b"ICC_PROFILE\0");
        out.extend_from_slice(&[(i + 1) as u8, chunks.len() as u8]);
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&jpeg[at..]);
    out
}

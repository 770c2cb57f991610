//! JPEG, 4:2:0 for colour: baseline (what a viewer decodes fastest) or progressive; and baseline
//! JPEGs of horizontal bands made apart and joined at restart markers.

use turbojpeg::raw;

use crate::formats::jpeg_markers::{end_with_intervals, restart_intervals, segments, Segment};
use crate::errors::{format_error, Result};
use crate::icc;
use crate::pixels::Pixels;
use crate::turbo::Handle;

/// Encode opaque pixels (1 or 3 channels) at `quality` (1–100), with `icc` embedded if given.
pub fn encode(p: &Pixels, quality: u8, progressive: bool, icc: Option<&[u8]>) -> Result<Vec<u8>> {
    let jpeg = encode_samples(&p.data, p.width, p.height, p.channels, quality, progressive)?;
    Ok(match icc {
        Some(profile) => icc::into_jpeg(jpeg, profile),
        None => jpeg,
    })
}

/// Encode `height` rows of `width` interleaved 8-bit pixels of `channels` (1 or 3) samples.
pub fn encode_samples(data: &[u8], width: u32, height: u32, channels: u8, quality: u8, progressive: bool) -> Result<Vec<u8>> {
    compress(data, width, height, channels, quality, progressive, false)
}

/// libjpeg-turbo's largest width or height (JPEG_MAX_DIMENSION; the format's 16 bits would
/// allow 65,535): a larger image fails to encode, and bands of a taller one would each encode,
/// and join into a JPEG no decoder reads.
pub const MAX_SIDE: u32 = 65_500;

/// Baseline JPEG of samples like `encode_samples`', with a restart marker after every MCU row,
/// to be joined to others by `join`.
pub fn encode_restartable(data: &[u8], width: u32, height: u32, channels: u8, quality: u8) -> Result<Vec<u8>> {
    compress(data, width, height, channels, quality, false, true)
}

fn compress(data: &[u8], width: u32, height: u32, channels: u8, quality: u8, progressive: bool, restarts: bool) -> Result<Vec<u8>> {
    let (format, subsamp) = match channels {
        1 => (raw::TJPF_TJPF_GRAY, raw::TJSAMP_TJSAMP_GRAY),
        3 => (raw::TJPF_TJPF_RGB, raw::TJSAMP_TJSAMP_420),
        n => return Err(format_error(format!("JPEG cannot hold {n} channels"))),
    };
    let pitch = width as usize * channels as usize;
    if data.len() != pitch * height as usize {
        return Err(format_error("JPEG encoding got a buffer of the wrong size"));
    }
    let handle = Handle::new(raw::TJINIT_TJINIT_COMPRESS)?;
    handle.set(raw::TJPARAM_TJPARAM_QUALITY, i32::from(quality.clamp(1, 100)))?;
    handle.set(raw::TJPARAM_TJPARAM_SUBSAMP, subsamp)?;
    handle.set(raw::TJPARAM_TJPARAM_PROGRESSIVE, i32::from(progressive))?;
    handle.set(raw::TJPARAM_TJPARAM_RESTARTROWS, i32::from(restarts))?;
    handle.output("JPEG encoding", |out, size| unsafe {
        raw::tj3Compress8(handle.0, data.as_ptr(), width as i32, pitch as i32, height as i32, format, out, size)
    })
}

/// The height of an MCU row of the JPEG `encode` makes of `channels`-channel pixels.
pub fn mcu_rows(channels: u8) -> u32 {
    if channels == 1 { 8 } else { 16 }
}

/// JPEGs of horizontal bands of one image, top to bottom, all but the last a whole number of
/// MCU rows high (see `mcu_rows`), each made by `encode_restartable` with the same settings,
/// joined into one: each band ends at a restart marker, so the joined stream is the JPEG the
/// whole image encoded at once would be, with a restart marker after every MCU row.
pub fn join(bands: &[Vec<u8>], height: u32, icc: Option<&[u8]>) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(bands.iter().map(Vec::len).sum());
    let mut intervals: Vec<&[u8]> = Vec::new();
    for (i, jpeg) in bands.iter().enumerate() {
        let (scan, size_at) = scan_start(jpeg)?;
        if i == 0 {
            out.extend_from_slice(&jpeg[..scan]);
            out[size_at..size_at + 2].copy_from_slice(&(height as u16).to_be_bytes());
        }
        let band = restart_intervals(jpeg, scan).ok_or_else(|| format_error("a JPEG band has a broken scan"))?;
        intervals.extend(band.into_iter().map(|(start, end)| &jpeg[start..end]));
    }
    end_with_intervals(&mut out, intervals);
    Ok(match icc {
        Some(profile) => icc::into_jpeg(out, profile),
        None => out,
    })
}

/// Where the scan's entropy-coded data starts in `jpeg`, and where its frame header's height is.
fn scan_start(jpeg: &[u8]) -> Result<(usize, usize)> {
    let mut size_at = None;
    for Segment { marker, at, end, .. } in segments(jpeg) {
        match marker {
            0xC0 => size_at = Some(at + 5),
            0xDA => return size_at.map(|s| (end, s)).ok_or_else(|| format_error("a JPEG band has no frame header")),
            _ => {}
        }
    }
    Err(format_error("a JPEG band has no scan"))
}

//! JPEG through libjpeg-turbo: DCT-domain scaling (1/2, 1/4, 1/8) and cropping while decoding.

use std::borrow::Cow;
use std::sync::Arc;

use turbojpeg::raw;

use crate::codec::cmyk::CmykToRgb;
use crate::codec::tiff::ifd::TiffReader;
use crate::codec::{parts, Bands, Codec};
use crate::errors::{format_error, unsupported, Result};
use crate::formats::jpeg_markers;
use crate::geometry::Rect;
use crate::limits::Limits;
use crate::orientation::Orientation;
use crate::pixels::Pixels;
use crate::source::ByteSource;
use crate::structure::{Format, Level, Reach, Structure};
use crate::turbo::Handle;

/// The DCT scale denominators libjpeg-turbo decodes directly, largest image first.
const DCT_DENOMINATORS: [u32; 4] = [1, 2, 4, 8];

/// iMCU width in pixels for each TJSAMP value (TurboJPEG's `tjMCUWidth`, which is a header-only
/// table and not exported by the library).
const MCU_WIDTH: [u32; 7] = [8, 16, 16, 8, 8, 32, 8];

/// A progressive file with more scans than this is refused (libjpeg-turbo's advice against
/// files crafted to take minutes to decode).
const MAX_SCANS: i32 = 500;

/// libjpeg-turbo holds the whole image as DCT coefficients while decoding a progressive or
/// multi-scan file, whatever the scale or crop: at most 6 bytes a pixel (three full-size
/// components of 2 bytes). Without a cap, a file of a few hundred bytes that declares a huge
/// progressive image costs gigabytes.
const COEFFICIENT_BYTES_PER_PIXEL: u64 = 6;

/// Room in that cap, in MiB, for the decoder's other buffers and blocks padded to whole MCUs,
/// so an image of exactly the pixel limit still decodes.
const DECODER_HEADROOM_MIB: u64 = 64;

/// libjpeg-turbo's warnings (by the text of their messages) that leave every pixel as the file
/// has it: bytes skipped between marker segments (padding written by old cameras and editors,
/// found after a complete scan), an unknown JFIF version or Adobe transform code, scan
/// parameters a sequential file should not have and does not need, a damaged ICC chunk. Every
/// other warning means the file ends before its data (JWRN_JPEG_EOF, JWRN_HIT_MARKER) or its
/// data is corrupt (a bad Huffman or arithmetic code, a lost restart marker, an impossible
/// progression), and libjpeg-turbo fills what it could not decode with grey: that is an error,
/// never an image made up in part. libjpeg reports only a file's first warning, so a harmful
/// one after a harmless one goes unseen.
const HARMLESS_WARNINGS: [&str; 5] = [
    "extraneous bytes before marker",
    "unknown JFIF revision number",
    "Unknown Adobe color transform code",
    "Invalid SOS parameters for sequential JPEG",
    "bad ICC marker",
];

/// What a TurboJPEG call's `status` means: an error, or a warning that harms no pixel (ignored).
fn checked(handle: &Handle, status: i32) -> Result<()> {
    let warned = unsafe { raw::tj3GetErrorCode(handle.0) } == raw::TJERR_TJERR_WARNING as i32;
    if status == 0 || (warned && harmless(&handle.message())) {
        return Ok(());
    }
    Err(handle.error())
}

fn harmless(warning: &str) -> bool {
    HARMLESS_WARNINGS.iter().any(|w| warning.contains(w))
}

/// The stream as decoded: a single-scan file without its end marker (EOI) gets one. Some
/// writers leave it out, and libjpeg-turbo cannot tell a file that stops after its last MCU
/// from one cut short (it warns that the file ends early for both). With an EOI in place, a
/// file cut short in its scan is told apart: its scan meets the EOI before its last MCU. A
/// file of several scans (progressive) may be cut between two, which no marker would show:
/// without its EOI it is taken as cut short.
fn ended(data: &[u8]) -> Cow<'_, [u8]> {
    if data.ends_with(&[0xFF, 0xD9]) || !jpeg_markers::single_scan(data) {
        return Cow::Borrowed(data);
    }
    let mut whole = Vec::with_capacity(data.len() + 2);
    whole.extend_from_slice(data);
    whole.extend_from_slice(&[0xFF, 0xD9]);
    Cow::Owned(whole)
}

/// Run `f` with a new decompressor. One is not reused: after a stream with no image (tables
/// only) TurboJPEG reports the previous image's header as this one's, and after a failed
/// header it stays inside that header, so every later file would fail. A new one costs
/// well under a microsecond.
fn with_handle<T>(f: impl FnOnce(&Handle) -> Result<T>) -> Result<T> {
    let handle = Handle::new(raw::TJINIT_TJINIT_DECOMPRESS)?;
    handle.set(raw::TJPARAM_TJPARAM_SCANLIMIT, MAX_SCANS)?;
    f(&handle)
}

/// What a JPEG header says about the image.
#[derive(Debug, Clone, Copy)]
pub struct Header {
    pub width: u32,
    pub height: u32,
    /// One of TurboJPEG's TJSAMP values; -1 when the sampling is not a standard one.
    pub subsampling: i32,
    pub channels: u8,
    /// Whether DCT-domain scaling and cropping apply (not for lossless or 12-bit JPEG).
    pub scalable: bool,
    /// Progressive files are buffered whole while decoding.
    pub progressive: bool,
    /// CMYK or YCCK: decoded as four channels and converted to RGB.
    pub cmyk: bool,
}

impl Header {
    /// Whether a part is decoded alone (cropped in the DCT domain), not cut from the whole.
    fn crops(&self) -> bool {
        self.subsampling >= 0 && self.scalable
    }
}

fn read_header_with(handle: &Handle, data: &[u8]) -> Result<Header> {
    checked(handle, unsafe { raw::tj3DecompressHeader(handle.0, data.as_ptr(), data.len() as raw::size_t) })?;
    // A stream that ends before its frame header reads as tables only: no error, no size.
    if handle.get(raw::TJPARAM_TJPARAM_JPEGWIDTH) < 1 || handle.get(raw::TJPARAM_TJPARAM_JPEGHEIGHT) < 1 {
        return Err(format_error("the JPEG data holds no image"));
    }
    let colorspace = handle.get(raw::TJPARAM_TJPARAM_COLORSPACE);
    let (channels, cmyk) = match colorspace as u32 {
        raw::TJCS_TJCS_GRAY => (1, false),
        raw::TJCS_TJCS_RGB | raw::TJCS_TJCS_YCbCr => (3, false),
        raw::TJCS_TJCS_CMYK | raw::TJCS_TJCS_YCCK => (3, true),
        other => return Err(unsupported(format!("JPEG colour space {other} is not read"))),
    };
    let precision = handle.get(raw::TJPARAM_TJPARAM_PRECISION);
    if precision != 8 {
        return Err(unsupported(format!("{precision}-bit JPEG images are not read")));
    }
    let lossless = handle.get(raw::TJPARAM_TJPARAM_LOSSLESS) != 0;
    Ok(Header {
        width: handle.get(raw::TJPARAM_TJPARAM_JPEGWIDTH) as u32,
        height: handle.get(raw::TJPARAM_TJPARAM_JPEGHEIGHT) as u32,
        subsampling: handle.get(raw::TJPARAM_TJPARAM_SUBSAMP),
        channels,
        scalable: !lossless,
        progressive: handle.get(raw::TJPARAM_TJPARAM_PROGRESSIVE) != 0,
        cmyk,
    })
}

pub fn read_header(data: &[u8]) -> Result<Header> {
    with_handle(|h| read_header_with(h, data))
}

fn scaled(dim: u32, denom: u32) -> u32 {
    dim.div_ceil(denom)
}

/// Decode `rect` of the image scaled by 1/`denom`; `rect` is in scaled coordinates.
/// CMYK and YCCK come out as RGB through `cmyk`.
pub fn decode(data: &[u8], denom: u32, rect: Rect, limits: &Limits, cmyk: &CmykToRgb) -> Result<Pixels> {
    let data = &ended(data)[..];
    with_handle(|handle| {
        let header = read_header_with(handle, data)?;
        if denom != 1 && !header.scalable {
            return Err(unsupported("this JPEG cannot be scaled while decoding"));
        }
        // A buffered image counts at full size against the pixel limit; the memory cap
        // catches multi-scan sequential files, which the header does not reveal.
        if header.progressive {
            limits.check(header.width, header.height)?;
        }
        let budget = limits.max_decode_pixels.saturating_mul(COEFFICIENT_BYTES_PER_PIXEL).div_ceil(1 << 20);
        let budget = budget.saturating_add(DECODER_HEADROOM_MIB).min(i32::MAX as u64) as i32;
        handle.set(raw::TJPARAM_TJPARAM_MAXMEMORY, budget)?;
        let sw = scaled(header.width, denom);
        let sh = scaled(header.height, denom);
        if !rect.fits_in(sw, sh) {
            return Err(format_error(format!("region {rect:?} is outside the {sw}x{sh} JPEG")));
        }
        let factor = raw::tjscalingfactor { num: 1, denom: denom as i32 };
        handle.check(unsafe { raw::tj3SetScalingFactor(handle.0, factor) })?;
        // The left edge of a crop must fall on a (scaled) MCU boundary; decode from there and
        // drop the extra columns afterwards. Smooth chroma upsampling treats the first and last
        // decoded columns as the image's edges, so at least one more column is decoded on each
        // side: without it, a crop starting or ending on an MCU boundary (every aligned tile)
        // gets edge columns whose colour differs from the full decode's.
        let whole = rect == Rect::new(0, 0, sw, sh);
        let mcu = if header.crops() && !whole {
            MCU_WIDTH.get(header.subsampling as usize).map(|&w| scaled(w, denom).max(1))
        } else {
            None
        };
        let read = match mcu {
            Some(m) => {
                let left = rect.x.saturating_sub(1);
                let x = left - left % m;
                Rect::new(x, rect.y, (rect.right() + 1).min(sw) - x, rect.h)
            }
            None => Rect::new(0, 0, sw, sh),
        };
        let region = if read == Rect::new(0, 0, sw, sh) {
            raw::tjregion { x: 0, y: 0, w: 0, h: 0 }
        } else {
            raw::tjregion { x: read.x as i32, y: read.y as i32, w: read.w as i32, h: read.h as i32 }
        };
        handle.check(unsafe { raw::tj3SetCroppingRegion(handle.0, region) })?;
        let (stored_channels, format) = match (header.channels, header.cmyk) {
            (1, _) => (1, raw::TJPF_TJPF_GRAY),
            (_, true) => (4, raw::TJPF_TJPF_CMYK),
            _ => (3, raw::TJPF_TJPF_RGB),
        };
        let mut out = Pixels::new(read.w, read.h, stored_channels, limits)?;
        let status = unsafe {
            raw::tj3Decompress8(
                handle.0,
                data.as_ptr(),
                data.len() as raw::size_t,
                out.data.as_mut_ptr(),
                out.row_len() as i32,
                format,
            )
        };
        checked(handle, status)?;
        let out = out.crop(Rect::new(rect.x - read.x, rect.y - read.y, rect.w, rect.h));
        if !header.cmyk {
            return Ok(out);
        }
        let mut inks = out;
        // Adobe's files store CMYK inverted (0 = full ink).
        if jpeg_markers::scan(data).adobe {
            inks.data.iter_mut().for_each(|v| *v = 255 - *v);
        }
        cmyk.convert(inks)
    })
}

pub struct JpegCodec {
    source: ByteSource,
    structure: Structure,
    denominators: Vec<u32>,
    cmyk: CmykToRgb,
    /// Whether a band of rows is decoded alone, without the pixels of the rest (see `bands`).
    reads_bands: bool,
}

impl JpegCodec {
    pub fn open(source: ByteSource, _limits: &Limits) -> Result<JpegCodec> {
        let data = source.read_all()?;
        let header = read_header(&data)?;
        let (w, h) = (header.width, header.height);
        let mut denominators: Vec<u32> = Vec::new();
        let mut levels: Vec<Level> = Vec::new();
        let usable = if header.scalable { &DCT_DENOMINATORS[..] } else { &DCT_DENOMINATORS[..1] };
        let sampling = jpeg_markers::sampling(&data).ok_or_else(|| format_error("the JPEG has no frame header"))?;
        for &d in usable {
            let (lw, lh) = (scaled(w, d), scaled(h, d));
            if levels.last().is_some_and(|l| (l.width, l.height) == (lw, lh)) {
                break;
            }
            denominators.push(d);
            levels.push(Level::new(lw, lh, w, h).reaching(reach(&header, sampling, d)));
        }
        let markers = jpeg_markers::scan(&data);
        let cmyk = if header.cmyk { CmykToRgb::for_profile(markers.icc.as_deref()) } else { CmykToRgb::Naive };
        let structure = Structure {
            format: Format::Jpeg,
            width: w,
            height: h,
            channels: header.channels,
            levels,
            tile: None,
            compression: "jpeg",
            orientation: markers.exif.map(exif_orientation).unwrap_or_default(),
            pages: 1,
            icc: markers.icc.map(Arc::from),
        };
        drop(data);
        let reads_bands = header.crops() && !header.progressive;
        Ok(JpegCodec { source, structure, denominators, cmyk, reads_bands })
    }
}

/// What the pixels of a level decoded at 1/`denom` blend (see `structure::Reach`). A lossy
/// JPEG's pixels are coded in MCUs (8x8, or 16x8 / 16x16 and so on with chroma subsampling): a
/// change to one pixel may change its whole MCU, and only it, since each block's IDCT (scaled or
/// not) reads its own coefficients. Subsampled chroma is upsampled smoothly ("fancy"), which
/// reads the neighbouring chroma sample: one pixel into the next MCU. A progressive file whose
/// scans leave coefficients unsent is decoded with block smoothing, which reads the DC values of
/// blocks up to two away: two MCUs. Lossless JPEG's pixels are the source's.
pub fn reach(header: &Header, ((mcu_w, mcu_h), subsampled): ((u32, u32), bool), denom: u32) -> Reach {
    if !header.scalable {
        return Reach::NONE;
    }
    let grid = ((mcu_w / denom).max(1), (mcu_h / denom).max(1));
    let smoothing = if header.progressive { 2 * grid.0.max(grid.1) } else { 0 };
    Reach { made: 0, grid, decoded: u32::from(subsampled) + smoothing }
}

const EXIF_ORIENTATION: u16 = 274;

/// The orientation an EXIF block (a little TIFF file) gives; damaged metadata is ignored, as
/// viewers do.
fn exif_orientation(tiff: &[u8]) -> Orientation {
    let source = ByteSource::Memory(tiff.to_vec());
    let value = TiffReader::new(&source)
        .and_then(|reader| reader.directory(reader.first_directory()).and_then(|dir| reader.uint(&dir, EXIF_ORIENTATION, Some(1))));
    Orientation::from_tag(value.unwrap_or(1))
}

impl Codec for JpegCodec {
    fn structure(&self) -> &Structure {
        &self.structure
    }

    /// A sequential file of standard sampling is cropped in the DCT domain: a band costs the
    /// entropy decoding of the rows above it, not their pixels. A progressive one is held whole
    /// for any band (and so is a multi-scan sequential one, which the header does not reveal);
    /// others are decoded whole for any part.
    fn bands<'a>(&'a self, limits: &'a Limits) -> Option<Bands<'a>> {
        self.reads_bands.then(|| parts(self, limits))
    }

    fn read(&self, level: usize, rect: Rect, limits: &Limits) -> Result<Pixels> {
        let data = self.source.read_all()?;
        decode(&data, self.denominators[level], rect, limits, &self.cmyk)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::Error;

    /// A 256x256 JPEG of pixels that do not repeat, baseline or progressive, made by TurboJPEG's
    /// own compressor (the core's encoder is a later layer).
    fn jpeg(progressive: bool) -> Vec<u8> {
        let data: Vec<u8> = (0..256u32).flat_map(|y| (0..256u32).flat_map(move |x| [(x ^ y) as u8, (x * y / 7) as u8, (x + 3 * y) as u8])).collect();
        let image = turbojpeg::Image { pixels: &data[..], width: 256, pitch: 256 * 3, height: 256, format: turbojpeg::PixelFormat::RGB };
        let mut compressor = turbojpeg::Compressor::new().expect("a compressor");
        compressor.set_quality(85).expect("a quality");
        compressor.set_progressive(progressive).expect("progressive or not");
        compressor.compress_to_vec(image).expect("a JPEG")
    }

    fn whole(data: &[u8]) -> Result<Pixels> {
        decode(data, 1, Rect::new(0, 0, 256, 256), &Limits::default(), &CmykToRgb::Naive)
    }

    fn refused(result: Result<Pixels>) -> String {
        match result {
            Err(Error::Format(message)) => message,
            Err(other) => panic!("another error: {other}"),
            Ok(_) => panic!("a damaged JPEG was decoded"),
        }
    }

    #[test]
    fn a_jpeg_cut_short_is_an_error_not_a_picture_filled_with_grey() {
        for progressive in [false, true] {
            let data = jpeg(progressive);
            for cut in [data.len() / 3, data.len() * 9 / 10, data.len() - 10] {
                let message = refused(whole(&data[..cut]));
                assert!(message.contains("premature end") || message.contains("Premature end"), "{message}");
            }
        }
    }

    #[test]
    fn rows_above_the_damage_still_decode() {
        let data = jpeg(false);
        let top = Rect::new(0, 0, 256, 32);
        let cut = decode(&data[..data.len() * 9 / 10], 1, top, &Limits::default(), &CmykToRgb::Naive).expect("the top rows");
        let intact = decode(&data, 1, top, &Limits::default(), &CmykToRgb::Naive).expect("the top rows");
        assert_eq!(cut.data, intact.data);
    }

    #[test]
    fn a_single_scan_without_its_end_marker_is_whole_and_a_progressive_one_is_not() {
        let data = jpeg(false);
        assert_eq!(whole(&data[..data.len() - 2]).expect("the image").data, whole(&data).expect("the image").data);
        let progressive = jpeg(true);
        refused(whole(&progressive[..progressive.len() - 2]));
    }

    #[test]
    fn a_stray_marker_in_the_scan_is_an_error() {
        let data = jpeg(false);
        let middle = data.len() / 2;
        let damaged = [&data[..middle], &[0xFF, 0xD0], &data[middle..]].concat();
        refused(whole(&damaged));
    }

    #[test]
    fn harmless_warnings_leave_the_image_as_it_is() {
        let data = jpeg(false);
        // Padding between SOI and the next marker: libjpeg-turbo warns of extraneous bytes.
        let padded = [&data[..2], &[0x00, 0x00, 0x00], &data[2..]].concat();
        assert_eq!(whole(&padded).expect("the image").data, whole(&data).expect("the image").data);
        let trailing = [&data[..], &[0x12, 0x34, 0x56]].concat();
        assert_eq!(whole(&trailing).expect("the image").data, whole(&data).expect("the image").data);
    }
}

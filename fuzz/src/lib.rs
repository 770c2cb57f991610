//! What the fuzz targets do with their input, through the core's own API as the server's
//! requests use it (`codec::open`, `plan::plan`, `pipeline::render`): any outcome is fine but a
//! panic, an abort, a sanitizer report, a hang or memory beyond libFuzzer's `-rss_limit_mb`.
//!
//! The decode limit is the hostile suite's (tests/core/hostile.py), 16 Mpx rather than the
//! server's 1 Gpx default: the same checks, at a size where an image within the limit fits in
//! the fuzzer's memory budget, so that running over it means an allocation the limit missed.

use std::sync::OnceLock;

use _core::codec::{self, Codec};
use _core::encode::{self, OutputFormat};
use _core::formats::tiff_compression::Compression;
use _core::geometry::Rect;
use _core::limits::Limits;
use _core::ops::resize::Filter;
use _core::pipeline;
use _core::pixels::Pixels;
use _core::plan::{self, Operations, Quality, Redaction};
use _core::source::ByteSource;
use _core::structure::Format;
use arbitrary::Arbitrary;
use libfuzzer_sys::Corpus;

pub const LIMITS: Limits = Limits { max_decode_pixels: 1 << 24, stop: None };

/// Plans reading or making more pixels than this are made but not carried out: encoding a large
/// output is the encoders' cost, and would only slow the search. JPEG output goes up to the size
/// at which the pipeline encodes in bands (`pipeline::ENCODED_BANDS_FROM`).
const MAX_RENDERED: u64 = 1 << 16;
const MAX_RENDERED_JPEG: u64 = 1 << 20;

/// Open `data` as the server opens a file of `format` (its first page, and its second if it has
/// more than one), then answer the requests a viewer makes: a thumbnail of the whole, a region
/// at a reduced size, the last pixel, and a middle region at full size. Input that is not of
/// `format` is rejected, so each target's corpus holds its own format only.
pub fn decode(data: &[u8], format: Format) -> Corpus {
    if codec::sniff(data) != Some(format) {
        return Corpus::Reject;
    }
    let Ok(image) = codec::open(ByteSource::Memory(data.to_vec()), &LIMITS, 0) else {
        return Corpus::Keep;
    };
    answer(image.as_ref());
    if image.structure().pages > 1 {
        if let Ok(second) = codec::open(ByteSource::Memory(data.to_vec()), &LIMITS, 1) {
            answer(second.as_ref());
        }
    }
    Corpus::Keep
}

fn answer(image: &dyn Codec) {
    let s = image.structure();
    let (w, h) = s.orientation.upright((s.width, s.height));
    let scale = (f64::from(w.max(h)) / 64.0).max(1.0);
    let thumb = (((f64::from(w) / scale).round() as u32).max(1), ((f64::from(h) / scale).round() as u32).max(1));
    let half = Rect::new(w / 4, h / 4, (w / 2).max(1), (h / 2).max(1));
    let middle = Rect::new(w / 3, h / 3, (w / 3).clamp(1, 64), (h / 3).clamp(1, 64));
    let requests = [
        (Rect::new(0, 0, w, h), thumb, OutputFormat::Jpeg, 0.0),
        (half, ((half.w / 8).max(1), (half.h / 8).max(1)), OutputFormat::Png, 90.0),
        (Rect::new(w.saturating_sub(1), h.saturating_sub(1), 1, 1), (1, 1), OutputFormat::Png, 0.0),
        (middle, (middle.w, middle.h), OutputFormat::Jpeg, 0.0),
    ];
    for (region, (width, height), format, rotation) in requests {
        let ops = Operations { region, width, height, rotation, format, ..operations() };
        if let Ok(plan) = plan::plan(image, &ops) {
            let _ = pipeline::render(image, &plan, &LIMITS);
        }
    }
}

/// The configuration's defaults: a request with nothing but a region and a size.
fn operations() -> Operations {
    Operations {
        region: Rect::new(0, 0, 1, 1),
        width: 1,
        height: 1,
        mirror: false,
        rotation: 0.0,
        quality: Quality::Default,
        format: OutputFormat::Jpeg,
        encoding: encode::Settings { jpeg_quality: 80, jpeg_progressive: false, webp_quality: 80, tiff_compression: Compression::Lzw },
        background: [255, 255, 255],
        downscale: Filter::Lanczos3,
        upscale: Filter::Lanczos3,
        overlay: None,
        drawn_after: false,
        redactions: Vec::new(),
    }
}

/// One IIIF request, as the Python layer hands it to the core after parsing (region and size
/// in the upright image's pixels, rotation in degrees), with the configuration's choices.
#[derive(Debug, Arbitrary)]
pub struct Request {
    image: u8,
    region: (u32, u32, u32, u32),
    size: (u32, u32),
    mirror: bool,
    /// Hundredths of a degree, so that rotations near the edges of 0..=360 come up often.
    rotation: i32,
    quality: u8,
    format: u8,
    jpeg_quality: u8,
    jpeg_progressive: bool,
    webp_quality: u8,
    tiff_compression: u8,
    downscale: u8,
    upscale: u8,
    drawn_after: bool,
    redactions: Vec<(i64, i64, u32, u32)>,
    /// Read the region's coordinates as a share of the image (in 1/65536ths) rather than as
    /// pixels, so that most regions fall inside it.
    relative: bool,
}

const QUALITIES: [Quality; 4] = [Quality::Default, Quality::Color, Quality::Gray, Quality::Bitonal];
const FORMATS: [OutputFormat; 5] = [OutputFormat::Jpeg, OutputFormat::Png, OutputFormat::Gif, OutputFormat::Webp, OutputFormat::Tiff];
const COMPRESSIONS: [&str; 5] = ["none", "lzw", "deflate", "packbits", "jpeg"];
const FILTERS: [&str; 8] = ["bell", "bicubic", "box", "bspline", "hermite", "lanczos3", "mitchell", "triangle"];

fn pick<T: Copy>(choices: &[T], n: u8) -> T {
    choices[usize::from(n) % choices.len()]
}

/// Plan `request` against one of the [`images`], and carry the plan out when its read and
/// its output are small: a plan must either be refused as the request's fault or be one the
/// pipeline can carry out.
pub fn plan(request: &Request) {
    let images = images();
    let image = images[usize::from(request.image) % images.len()].as_ref();
    let s = image.structure();
    let (w, h) = s.orientation.upright((s.width, s.height));
    let (x, y, rw, rh) = request.region;
    let region = if request.relative {
        let share = |v: u32, of: u32| ((u64::from(v & 0xFFFF) * u64::from(of)) >> 16) as u32;
        Rect::new(share(x, w), share(y, h), share(rw, w).max(1), share(rh, h).max(1))
    } else {
        Rect::new(x, y, rw, rh)
    };
    let filter = |n| Filter::parse(pick(&FILTERS, n)).expect("a filter's name");
    let ops = Operations {
        region,
        width: request.size.0,
        height: request.size.1,
        mirror: request.mirror,
        rotation: f64::from(request.rotation) / 100.0,
        quality: pick(&QUALITIES, request.quality),
        format: pick(&FORMATS, request.format),
        encoding: encode::Settings {
            jpeg_quality: request.jpeg_quality.clamp(1, 100),
            jpeg_progressive: request.jpeg_progressive,
            webp_quality: request.webp_quality.clamp(1, 100),
            tiff_compression: Compression::parse(pick(&COMPRESSIONS, request.tiff_compression)).expect("a compression's name"),
        },
        downscale: filter(request.downscale),
        upscale: filter(request.upscale),
        drawn_after: request.drawn_after,
        redactions: request
            .redactions
            .iter()
            .filter_map(|&(x, y, rw, rh)| Redaction::clipped(x, y, rw, rh, [0, 0, 0], (w, h)))
            .collect(),
        ..operations()
    };
    let Ok(plan) = plan::plan(image, &ops) else { return };
    let level = &s.levels[plan.level];
    assert!(plan.read.fits_in(level.width, level.height), "the plan reads {:?} outside level {level:?}", plan.read);
    let _ = plan.describe(s);
    let pixels = |(w, h): (u32, u32)| u64::from(w) * u64::from(h);
    let most = if plan.format == OutputFormat::Jpeg { MAX_RENDERED_JPEG } else { MAX_RENDERED };
    if pixels((plan.read.w, plan.read.h)) <= MAX_RENDERED_JPEG && pixels(plan.output) <= most {
        let out = pipeline::render(image, &plan, &LIMITS);
        assert!(!matches!(out, Err(_core::errors::Error::Request(_))), "a plan accepted was refused in rendering: {out:?}");
    }
}

/// The images plans are made against, made once: JPEGs in each of the eight EXIF orientations,
/// a gray one, one whose header claims 40000x30000 (planned at any size, rendered where the
/// read is small: its data runs out), a tiled pyramidal JPEG TIFF, and a PNG with alpha.
fn images() -> &'static [Box<dyn Codec>] {
    static IMAGES: OnceLock<Vec<Box<dyn Codec>>> = OnceLock::new();
    IMAGES.get_or_init(|| {
        let rgb = gradient(333, 251, 3);
        let jpeg = encode::jpeg::encode(&rgb, 80, false, None).expect("a JPEG");
        let mut files: Vec<Vec<u8>> = (1..=8).map(|o| with_orientation(&jpeg, o)).collect();
        files.push(encode::jpeg::encode(&gradient(200, 120, 1), 80, false, None).expect("a gray JPEG"));
        files.push(with_size(&jpeg, 40000, 30000));
        files.push(pyramid(&gradient(700, 500, 3)));
        files.push(encode::png::encode(&gradient(150, 90, 4), false, None).expect("a PNG"));
        files
            .into_iter()
            .map(|data| codec::open(ByteSource::Memory(data), &LIMITS, 0).expect("a test image opens"))
            .collect()
    })
}

fn gradient(width: u32, height: u32, channels: u8) -> Pixels {
    let data = (0..height)
        .flat_map(|y| (0..width).flat_map(move |x| (0..channels).map(move |c| (x * 3 + y * 5 + u32::from(c) * 80) as u8)))
        .collect();
    Pixels::from_vec(width, height, channels, data).expect("pixels of the right length")
}

/// `jpeg` with an EXIF block giving orientation `value` (1–8) after its SOI marker.
fn with_orientation(jpeg: &[u8], value: u8) -> Vec<u8> {
    let tiff = [b"MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0".as_slice(), &[value, 0, 0, 0, 0, 0, 0]].concat();
    let body = [b"Exif\0\0".as_slice(), &tiff].concat();
    let len = u16::try_from(body.len() + 2).expect("a short segment").to_be_bytes();
    [&jpeg[..2], &[0xFF, 0xE1], &len, &body, &jpeg[2..]].concat()
}

/// `jpeg` with the size in its frame header replaced.
fn with_size(jpeg: &[u8], width: u16, height: u16) -> Vec<u8> {
    let mut out = jpeg.to_vec();
    let sof = out.windows(2).position(|m| m == [0xFF, 0xC0]).expect("a baseline frame header");
    out[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    out[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    out
}

/// A tiled pyramidal JPEG TIFF of `p`, as `casaba convert` writes one.
fn pyramid(p: &Pixels) -> Vec<u8> {
    let path = std::env::temp_dir().join(format!("casaba-fuzz-pyramid-{}.tif", std::process::id()));
    let mut whole = Some(p.clone());
    let rows = |_, _| Ok(whole.take().expect("the pixels, asked for once"));
    encode::tiff_pyramid::write(&path, (p.width, p.height, p.channels), None, rows, 64, 80, None, &LIMITS).expect("a pyramid");
    let data = std::fs::read(&path).expect("the pyramid just written");
    std::fs::remove_file(&path).expect("removing the pyramid");
    data
}

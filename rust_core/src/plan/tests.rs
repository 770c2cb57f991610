//! The plan's decisions on real images: what the request may ask (its faults are
//! `Error::Request`), the largest side each format holds after rotation, the steps that enter the
//! plan, and when a stored tile is the answer as it is.

use std::sync::atomic::{AtomicU32, Ordering};

use super::*;
use crate::codec::{self, Codec};
use crate::encode::{png, tiff_pyramid};
use crate::errors::Error;
use crate::limits::Limits;
use crate::ops::orient::turned_size;
use crate::ops::position::Position;
use crate::pixels::Pixels;
use crate::source::ByteSource;

fn gradient(width: u32, height: u32) -> Pixels {
    let data = (0..height).flat_map(|y| (0..width).flat_map(move |x| [(x % 256) as u8, (y % 256) as u8, 128])).collect();
    Pixels::from_vec(width, height, 3, data).expect("a whole image")
}

/// A 320x240 RGB PNG.
fn png_image() -> Box<dyn Codec> {
    let bytes = png::encode(&gradient(320, 240), false, None).expect("a PNG");
    codec::open(ByteSource::Memory(bytes), &Limits::default(), 0).expect("an opened PNG")
}

/// A 600x500 pyramidal TIFF in 256x256 JPEG tiles, written to a file of its own (tests run at
/// once).
fn tiled_image() -> Box<dyn Codec> {
    static MADE: AtomicU32 = AtomicU32::new(0);
    let n = MADE.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("casaba-plan-test-{}-{n}.tif", std::process::id()));
    let mut whole = Some(gradient(600, 500));
    let rows = |_, _| Ok(whole.take().expect("the pixels, asked for once"));
    tiff_pyramid::write(&path, (600, 500, 3), None, rows, 256, 85, None, &Limits::default()).expect("a pyramid");
    let codec = codec::open(ByteSource::open(&path).expect("the pyramid"), &Limits::default(), 0).expect("an opened TIFF");
    std::fs::remove_file(&path).expect("the pyramid removed");
    codec
}

fn ops(region: Rect, (width, height): (u32, u32), format: OutputFormat) -> Operations {
    Operations {
        region,
        width,
        height,
        mirror: false,
        rotation: 0.0,
        quality: Quality::Default,
        format,
        encoding: encode::Settings { jpeg_quality: 80, jpeg_progressive: false, webp_quality: 80, tiff_compression: Compression::Lzw },
        background: [255, 255, 255],
        downscale: Filter::Lanczos3,
        upscale: Filter::Lanczos3,
        overlay: None,
        drawn_after: false,
        redactions: Vec::new(),
    }
}

fn full(size: (u32, u32), format: OutputFormat) -> Operations {
    ops(Rect::new(0, 0, 320, 240), size, format)
}

fn refused_as_request(codec: &dyn Codec, ops: &Operations) -> bool {
    matches!(plan(codec, ops), Err(Error::Request(_)))
}

#[test]
fn requests_the_image_cannot_answer_are_the_requests_fault() {
    let image = png_image();
    let bad = [
        ops(Rect::new(0, 0, 321, 240), (10, 10), OutputFormat::Png),
        ops(Rect::new(320, 0, 1, 1), (1, 1), OutputFormat::Png),
        ops(Rect::new(u32::MAX, 0, 2, 2), (2, 2), OutputFormat::Png),
        full((0, 10), OutputFormat::Png),
        Operations { rotation: 360.5, ..full((10, 10), OutputFormat::Png) },
        Operations { rotation: -1.0, ..full((10, 10), OutputFormat::Png) },
    ];
    for o in bad {
        assert!(refused_as_request(image.as_ref(), &o), "{o:?}");
    }
}

#[test]
fn each_format_holds_sides_up_to_its_own_limit() {
    let image = png_image();
    for (format, most) in [(OutputFormat::Jpeg, 65_500), (OutputFormat::Gif, 65_535), (OutputFormat::Webp, 16_383)] {
        assert_eq!(format.max_side(), Some(most));
        assert!(plan(image.as_ref(), &full((most, 1), format)).is_ok(), "{format:?} at {most}");
        assert!(plan(image.as_ref(), &full((1, most), format)).is_ok(), "{format:?} at {most}");
        assert!(refused_as_request(image.as_ref(), &full((most + 1, 1), format)), "{format:?} past {most}");
        assert!(refused_as_request(image.as_ref(), &full((1, most + 1), format)), "{format:?} past {most}");
    }
    for format in [OutputFormat::Png, OutputFormat::Tiff] {
        assert_eq!(format.max_side(), None);
        assert!(plan(image.as_ref(), &full((100_000, 1), format)).is_ok(), "{format:?}");
    }
}

#[test]
fn a_jpeg_compressed_tiff_holds_what_a_jpeg_holds() {
    let image = png_image();
    let mut o = full((65_500, 1), OutputFormat::Tiff);
    o.encoding.tiff_compression = Compression::Jpeg;
    assert!(plan(image.as_ref(), &o).is_ok());
    o.width = 65_501;
    assert!(refused_as_request(image.as_ref(), &o));
}

#[test]
fn the_largest_side_is_checked_after_rotation() {
    let image = png_image();
    // 11,584 turned by 45 degrees is 16,382.3 wide: within WebP's 16,383; 11,585 is not.
    let inside = Operations { rotation: 45.0, ..full((11_584, 11_584), OutputFormat::Webp) };
    assert_eq!(plan(image.as_ref(), &inside).expect("a plan").output, (16_383, 16_383));
    let past = Operations { rotation: 45.0, ..full((11_585, 11_585), OutputFormat::Webp) };
    assert!(refused_as_request(image.as_ref(), &past));
    // A quarter turn swaps the sides: a tall GIF may be as wide as it is tall.
    let turned = Operations { rotation: 90.0, ..full((10, 65_536), OutputFormat::Gif) };
    assert!(refused_as_request(image.as_ref(), &turned));
    // Within JPEG's sides before the turn, past them after it.
    let tilted = Operations { rotation: 3.0, ..full((65_400, 4_000), OutputFormat::Jpeg) };
    assert!(turned_size(65_400, 4_000, 3.0).0 > 65_500);
    assert!(refused_as_request(image.as_ref(), &tilted));
}

#[test]
fn the_output_is_the_requested_size_turned() {
    let image = png_image();
    for rotation in [0.0, 30.0, 45.0, 90.0, 137.5, 180.0, 270.0, 315.0, 360.0] {
        let o = Operations { rotation, ..full((160, 90), OutputFormat::Png) };
        let p = plan(image.as_ref(), &o).expect("a plan");
        assert_eq!(p.output, turned_size(160, 90, rotation), "{rotation}");
        let canvas = p.steps.iter().find_map(|s| match s {
            Step::RotateAny { canvas, .. } => Some(*canvas),
            _ => None,
        });
        assert_eq!(canvas.is_some(), rotation % 90.0 != 0.0, "{rotation}");
        assert!(canvas.is_none_or(|c| c == p.output), "{rotation}");
    }
}

#[test]
fn steps_that_change_nothing_never_enter_the_plan() {
    let image = png_image();
    let p = plan(image.as_ref(), &full((320, 240), OutputFormat::Png)).expect("a plan");
    assert!(p.steps.is_empty(), "{:?}", p.steps);
    let o = Operations { mirror: true, rotation: 90.0, quality: Quality::Gray, ..full((160, 120), OutputFormat::Jpeg) };
    let p = plan(image.as_ref(), &o).expect("a plan");
    assert!(matches!(p.steps[..], [Step::Resize { width: 160, height: 120, .. }, Step::Mirror, Step::Rotate(90), Step::Gray]), "{:?}", p.steps);
    assert_eq!(p.output, (120, 160));
    // A turn by any angle leaves transparent corners: flattened for a format without alpha.
    let o = Operations { rotation: 45.0, ..full((320, 240), OutputFormat::Jpeg) };
    let p = plan(image.as_ref(), &o).expect("a plan");
    assert!(matches!(p.steps[..], [Step::RotateAny { .. }, Step::Flatten(_)]), "{:?}", p.steps);
}

#[test]
fn the_smallest_level_that_holds_the_output_is_read() {
    let image = tiled_image();
    let levels: Vec<(u32, u32)> = image.structure().levels.iter().map(|l| (l.width, l.height)).collect();
    assert_eq!(levels[..2], [(600, 500), (300, 250)]);
    let half = ops(Rect::new(0, 0, 600, 500), (300, 250), OutputFormat::Png);
    let p = plan(image.as_ref(), &half).expect("a plan");
    assert_eq!((p.level, p.read), (1, Rect::new(0, 0, 300, 250)));
    assert!(p.steps.is_empty(), "{:?}", p.steps);
}

#[test]
fn a_stored_tile_is_the_answer_only_when_nothing_changes() {
    let image = tiled_image();
    let tile = ops(Rect::new(256, 0, 256, 256), (256, 256), OutputFormat::Jpeg);
    let p = plan(image.as_ref(), &tile).expect("a plan");
    assert_eq!(p.passthrough, Ok(StoredTile { index: 1, cut: None }));
    assert_eq!(p.describe(image.structure()).len(), 1);
    let edge = ops(Rect::new(512, 256, 88, 244), (88, 244), OutputFormat::Jpeg);
    assert_eq!(plan(image.as_ref(), &edge).expect("a plan").passthrough, Ok(StoredTile { index: 5, cut: Some((88, 244)) }));
    let refusals = [
        (Operations { format: OutputFormat::Png, ..tile.clone() }, Refusal::NotJpegOutput),
        (Operations { mirror: true, ..tile.clone() }, Refusal::Processing),
        (Operations { width: 200, height: 200, ..tile.clone() }, Refusal::Processing),
        (ops(Rect::new(128, 0, 256, 256), (256, 256), OutputFormat::Jpeg), Refusal::NotOneTile),
    ];
    for (o, refusal) in refusals {
        assert_eq!(plan(image.as_ref(), &o).expect("a plan").passthrough, Err(refusal), "{o:?}");
    }
    let png = plan(png_image().as_ref(), &full((320, 240), OutputFormat::Jpeg)).expect("a plan");
    assert_eq!(png.passthrough, Err(Refusal::NotJpegTiles));
}

#[test]
fn an_overlay_is_drawn_before_gray_on_outputs_large_enough_and_no_drawn_output_is_a_stored_tile() {
    let image = tiled_image();
    let mark = Pixels::from_vec(1, 1, 3, vec![255, 0, 0]).expect("pixels");
    let overlay = Some(Arc::new(Overlay::image(mark, Position::BottomRight, 0, (256, 200))));
    let tile = Operations { overlay, ..ops(Rect::new(256, 0, 256, 256), (256, 256), OutputFormat::Jpeg) };
    let p = plan(image.as_ref(), &tile).expect("a plan");
    assert!(matches!(p.steps[..], [Step::Overlay(_)]), "{:?}", p.steps);
    assert_eq!(p.passthrough, Err(Refusal::Processing));
    assert_eq!(p.describe(image.structure())[1], "overlay bottom right inset 0");
    let gray = Operations { quality: Quality::Gray, ..tile.clone() };
    assert!(matches!(plan(image.as_ref(), &gray).expect("a plan").steps[..], [Step::Overlay(_), Step::Gray]));
    let drawn = Operations { overlay: None, drawn_after: true, ..tile.clone() };
    assert_eq!(plan(image.as_ref(), &drawn).expect("a plan").passthrough, Err(Refusal::Processing));
    let small = Operations { width: 255, height: 255, ..tile };
    assert!(matches!(plan(image.as_ref(), &small).expect("a plan").steps[..], [Step::Resize { .. }]));
}

//! Every Python-facing class and function, and the only module that knows Python. Inputs are
//! converted once here; pixel work runs with the GIL released.

mod errors;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use pyo3::exceptions::PyValueError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes};

use crate::codec::{self, chunk_cache, Codec};
use crate::encode::{self, tiff_pyramid, OutputFormat};
use crate::errors::{Error, Result};
use crate::formats::tiff_compression::Compression;
use crate::geometry::Rect;
use crate::icc;
use crate::limits::{Limits, Stop};
use crate::ops::orient::turned_size;
use crate::ops::overlay::Overlay;
use crate::ops::position::Position;
use crate::ops::text::{Font, TextStyle};
use crate::ops::resize::Filter;
use crate::pipeline;
use crate::pixels::Pixels;
use crate::plan::{self, Operations, Plan, Quality, Redaction};
use crate::source::remote::{Chunking, Fetch, Remote};
use crate::source::ByteSource;

/// An opened image: its structure, read from the headers, and the means to read its pixels.
#[pyclass(frozen, name = "Image", module = "casaba._core")]
pub struct PyImage {
    codec: Box<dyn Codec>,
    limits: Limits,
}

/// An overlay, ready to draw on any number of outputs.
#[pyclass(frozen, name = "Overlay", module = "casaba._core")]
pub struct PyOverlay(Arc<Overlay>);

/// A redaction as Python gives it: x, y, width, height and an RGB colour.
type PyRedaction = (i64, i64, u32, u32, (u8, u8, u8));

/// What one request will do to one image, as data.
#[pyclass(frozen, name = "Plan", module = "casaba._core")]
pub struct PyPlan {
    plan: Plan,
    steps: Vec<String>,
}

/// A render's stop flag: `stop()` from any thread ends the render it was given to at its next
/// check, with `StoppedError`.
#[pyclass(frozen, name = "Stop", module = "casaba._core")]
pub struct PyStop(Arc<Stop>);

#[pymethods]
impl PyStop {
    #[new]
    fn new() -> PyStop {
        PyStop(Arc::new(Stop::default()))
    }

    fn stop(&self) {
        self.0.stop();
    }

    #[getter]
    fn stopped(&self) -> bool {
        self.0.stopped()
    }
}

fn page_index(page: usize) -> PyResult<usize> {
    page.checked_sub(1).ok_or_else(|| errors::RequestError::new_err("pages are counted from 1"))
}

fn limits_from(max_decode_pixels: Option<u64>) -> Limits {
    match max_decode_pixels {
        Some(n) if n > 0 => Limits { max_decode_pixels: n, stop: None },
        _ => Limits::default(),
    }
}

#[pymethods]
impl PyImage {
    /// Open page `page` (from 1) of the file at `path` and read its structure.
    #[staticmethod]
    #[pyo3(signature = (path, *, page = 1, max_decode_pixels = None))]
    fn open(py: Python<'_>, path: PathBuf, page: usize, max_decode_pixels: Option<u64>) -> PyResult<PyImage> {
        let limits = limits_from(max_decode_pixels);
        let index = page_index(page)?;
        let codec = py.detach(|| codec::open(ByteSource::open(&path)?, &limits, index))?;
        Ok(PyImage { codec, limits })
    }

    /// Open page `page` (from 1) of an image held in memory.
    #[staticmethod]
    #[pyo3(signature = (data, *, page = 1, max_decode_pixels = None))]
    fn from_bytes(py: Python<'_>, data: &[u8], page: usize, max_decode_pixels: Option<u64>) -> PyResult<PyImage> {
        let limits = limits_from(max_decode_pixels);
        let index = page_index(page)?;
        let codec = py.detach(|| codec::open(ByteSource::Memory(data.to_vec()), &limits, index))?;
        Ok(PyImage { codec, limits })
    }

    /// Open page `page` (from 1) of a `size`-byte object read through `reader.read(offset, length)`,
    /// which must return exactly that many bytes. Reads are rounded out to `chunk_size`-byte
    /// chunks, of which `cache_size` bytes are kept for later reads (0 for either: exact reads).
    /// Whatever the reader raises reaches the caller unchanged.
    #[staticmethod]
    #[pyo3(signature = (reader, size, *, page = 1, max_decode_pixels = None, chunk_size = 65536, cache_size = 1048576))]
    fn open_reader(
        py: Python<'_>,
        reader: Py<PyAny>,
        size: u64,
        page: usize,
        max_decode_pixels: Option<u64>,
        chunk_size: u64,
        cache_size: u64,
    ) -> PyResult<PyImage> {
        let limits = limits_from(max_decode_pixels);
        let index = page_index(page)?;
        let source = ByteSource::Remote(Remote::new(Box::new(PyReader(reader)), size, Chunking { chunk_size, cache_size }));
        let codec = py.detach(|| codec::open(source, &limits, index))?;
        Ok(PyImage { codec, limits })
    }

    /// How many pages the file holds.
    #[getter]
    fn pages(&self) -> usize {
        self.codec.structure().pages
    }

    #[getter]
    fn format(&self) -> &'static str {
        self.codec.structure().format.name()
    }

    /// The width as seen upright (after any EXIF/TIFF orientation).
    #[getter]
    fn width(&self) -> u32 {
        let s = self.codec.structure();
        s.orientation.upright((s.width, s.height)).0
    }

    #[getter]
    fn height(&self) -> u32 {
        let s = self.codec.structure();
        s.orientation.upright((s.width, s.height)).1
    }

    /// The stored orientation, as the EXIF/TIFF tag's value 1–8.
    #[getter]
    fn orientation(&self) -> u8 {
        self.codec.structure().orientation as u8 + 1
    }

    #[getter]
    fn channels(&self) -> u8 {
        self.codec.structure().channels
    }

    /// Sizes the decoder produces directly, largest (the full image) first, upright.
    #[getter]
    fn levels(&self) -> Vec<(u32, u32)> {
        let s = self.codec.structure();
        s.levels.iter().map(|l| s.orientation.upright((l.width, l.height))).collect()
    }

    /// The stored tile size, upright.
    #[getter]
    fn tile_size(&self) -> Option<(u32, u32)> {
        let s = self.codec.structure();
        s.tile.map(|t| s.orientation.upright(t))
    }

    #[getter]
    fn compression(&self) -> &'static str {
        self.codec.structure().compression
    }

    /// Plan a request on the upright image: `region` (x, y, w, h) in full-resolution pixels,
    /// `size` (w, h) before rotation, `rotation` in clockwise degrees. `tiff_compression` is one
    /// of none, lzw, deflate, packbits and jpeg (at `jpeg_quality`). The filters are Cantaloupe's:
    /// bell, bicubic, box, bspline, hermite, lanczos3, mitchell, triangle. `redactions` are
    /// (x, y, w, h, (r, g, b)) rectangles of the upright full image to fill wherever they show: a
    /// part outside the image is left out, and an empty one or one wholly outside is ignored.
    #[pyo3(signature = (
        region, size, *, mirror = false, rotation = 0.0, quality = "default", format = "jpg", jpeg_quality = 80,
        jpeg_progressive = false, webp_quality = 80, tiff_compression = "lzw", background = (255, 255, 255), downscale_filter = "lanczos3",
        upscale_filter = "lanczos3", overlay = None, drawn_after = false, redactions = Vec::new(),
    ))]
    #[allow(clippy::too_many_arguments)]
    fn plan(
        &self,
        region: (u32, u32, u32, u32),
        size: (u32, u32),
        mirror: bool,
        rotation: f64,
        quality: &str,
        format: &str,
        jpeg_quality: u8,
        jpeg_progressive: bool,
        webp_quality: u8,
        tiff_compression: &str,
        background: (u8, u8, u8),
        downscale_filter: &str,
        upscale_filter: &str,
        overlay: Option<&PyOverlay>,
        drawn_after: bool,
        redactions: Vec<PyRedaction>,
    ) -> PyResult<PyPlan> {
        let filter = |name: &str| Filter::parse(name).ok_or_else(|| PyValueError::new_err(format!("unknown resampling filter {name:?}")));
        let quality = Quality::parse(quality).ok_or_else(|| PyValueError::new_err(format!("unknown quality {quality:?}")))?;
        let format = OutputFormat::parse(format).ok_or_else(|| PyValueError::new_err(format!("unknown output format {format:?}")))?;
        let tiff_compression = Compression::parse(tiff_compression)
            .ok_or_else(|| PyValueError::new_err(format!("unknown TIFF compression {tiff_compression:?}")))?;
        let ops = Operations {
            region: Rect::new(region.0, region.1, region.2, region.3),
            width: size.0,
            height: size.1,
            mirror,
            rotation,
            quality,
            format,
            encoding: encode::Settings { jpeg_quality, jpeg_progressive, webp_quality, tiff_compression },
            background: [background.0, background.1, background.2],
            downscale: filter(downscale_filter)?,
            upscale: filter(upscale_filter)?,
            overlay: overlay.map(|o| Arc::clone(&o.0)),
            drawn_after,
            redactions: redactions
                .into_iter()
                .filter_map(|(x, y, w, h, (r, g, b))| Redaction::clipped(x, y, w, h, [r, g, b], (self.width(), self.height())))
                .collect(),
        };
        let plan = plan::plan(self.codec.as_ref(), &ops)?;
        let steps = plan.describe(self.codec.structure());
        Ok(PyPlan { plan, steps })
    }

    /// Write the whole image, upright, as a tiled pyramidal JPEG TIFF at `path` (the form
    /// viewers read fastest), keeping its colour profile; a band of about `band_pixels` pixels
    /// at a time where the image can be read so (`pipeline::upright_bands`), else whole.
    #[pyo3(signature = (path, *, tile = 256, quality = 90, band_pixels = tiff_pyramid::BAND_PIXELS))]
    fn write_pyramid(&self, py: Python<'_>, path: PathBuf, tile: u32, quality: u8, band_pixels: u64) -> PyResult<()> {
        let codec = self.codec.as_ref();
        let s = codec.structure();
        let (width, height) = s.orientation.upright((s.width, s.height));
        let icc = s.icc.as_ref().and_then(|p| icc::fits(p, s.channels));
        py.detach(|| {
            let mut bands = pipeline::upright_bands(codec, &self.limits);
            let band_pixels = bands.is_some().then_some(band_pixels.max(1));
            let rows = |top, bottom| match bands.as_mut() {
                Some(read) => read(top, bottom),
                None => pipeline::upright(codec, &self.limits),
            };
            tiff_pyramid::write(&path, (width, height, s.channels), band_pixels, rows, tile, quality, icc.as_deref(), &self.limits)
        })?;
        Ok(())
    }

    /// Carry out `plan` and return the encoded image; `stop` ends it part-way.
    #[pyo3(signature = (plan, stop = None))]
    fn render<'py>(&self, py: Python<'py>, plan: &PyPlan, stop: Option<&PyStop>) -> PyResult<Bound<'py, PyBytes>> {
        self.check(plan)?;
        let limits = self.limits.stopped_by(stop.map(|s| Arc::clone(&s.0)));
        let bytes = py.detach(|| pipeline::render(self.codec.as_ref(), &plan.plan, &limits))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Carry out `plan` up to its encoding: the pixels, interleaved 8-bit rows, and their
    /// (height, width, channels), for what draws on them before `Plan.encode`; `stop` ends it
    /// part-way.
    #[pyo3(signature = (plan, stop = None))]
    fn render_pixels<'py>(&self, py: Python<'py>, plan: &PyPlan, stop: Option<&PyStop>) -> PyResult<(Bound<'py, PyByteArray>, (u32, u32, u8))> {
        self.check(plan)?;
        let limits = self.limits.stopped_by(stop.map(|s| Arc::clone(&s.0)));
        let p = py.detach(|| pipeline::pixels(self.codec.as_ref(), &plan.plan, &limits))?;
        Ok((PyByteArray::new(py, &p.data), (p.height, p.width, p.channels)))
    }
}

impl PyImage {
    fn check(&self, plan: &PyPlan) -> PyResult<()> {
        let levels = &self.codec.structure().levels;
        let fits = levels.get(plan.plan.level).is_some_and(|l| plan.plan.read.fits_in(l.width, l.height));
        if !fits {
            return Err(PyValueError::new_err("the plan was made for a different image"));
        }
        Ok(())
    }
}

#[pymethods]
impl PyPlan {
    #[getter]
    fn level(&self) -> usize {
        self.plan.level
    }

    /// The rectangle decoded, (x, y, w, h) in the level's coordinates.
    #[getter]
    fn read(&self) -> (u32, u32, u32, u32) {
        let r = self.plan.read;
        (r.x, r.y, r.w, r.h)
    }

    #[getter]
    fn resized(&self) -> bool {
        self.plan.resizes()
    }

    /// Whether the answer is a stored JPEG tile, sent as it is or cut losslessly at an edge
    /// (microseconds to a fraction of a millisecond, nothing decoded).
    #[getter]
    fn passthrough(&self) -> bool {
        self.plan.passthrough.is_ok()
    }

    /// Why the answer is not a stored tile, if it is not.
    #[getter]
    fn passthrough_refusal(&self) -> Option<&'static str> {
        self.plan.passthrough.err().map(|r| r.reason())
    }

    /// The size of the output image, after every step.
    #[getter]
    fn output_size(&self) -> (u32, u32) {
        self.plan.output
    }

    #[getter]
    fn steps(&self) -> Vec<String> {
        self.steps.clone()
    }

    /// Pixels of `shape` (height, width, channels: 1 gray, 2 gray and alpha, 3 RGB, 4 RGBA),
    /// interleaved 8-bit rows, encoded as this plan encodes its output.
    fn encode<'py>(&self, py: Python<'py>, data: &[u8], shape: (u32, u32, u8)) -> PyResult<Bound<'py, PyBytes>> {
        let (height, width, channels) = shape;
        if !(1..=4).contains(&channels) {
            return Err(PyValueError::new_err(format!("{channels} channels; expected 1 to 4")));
        }
        let p = Pixels::from_vec(width, height, channels, data.to_vec())?;
        let bytes = py.detach(|| pipeline::encode(&p, &self.plan))?;
        Ok(PyBytes::new(py, &bytes))
    }

    fn __repr__(&self) -> String {
        format!("<Plan {}>", self.steps.join("; "))
    }
}

fn position(name: &str) -> PyResult<Position> {
    Position::parse(name).ok_or_else(|| PyValueError::new_err(format!("unknown overlay position {name:?}")))
}

#[pymethods]
impl PyOverlay {
    /// An image overlay from an image file's bytes (any format the core reads; PNG keeps its
    /// alpha), drawn at `position` (Cantaloupe's names) `inset` pixels from the edge, on outputs
    /// at least `min_output` (width, height).
    #[staticmethod]
    #[pyo3(signature = (data, *, position = "bottom right", inset = 0, min_output = (0, 0)))]
    fn image(py: Python<'_>, data: &[u8], position: &str, inset: u32, min_output: (u32, u32)) -> PyResult<PyOverlay> {
        let position = self::position(position)?;
        let limits = Limits::default();
        let pixels = py.detach(|| pipeline::upright(codec::open(ByteSource::Memory(data.to_vec()), &limits, 0)?.as_ref(), &limits))?;
        Ok(PyOverlay(Arc::new(Overlay::image(pixels, position, inset, min_output))))
    }

    /// A string overlay, drawn as Cantaloupe draws it: lines split at '\n', at `size` points (a
    /// point is an output pixel) or the largest size down to `min_size` at which it fits, else
    /// not at all; with `word_wrap`, at `size` only, wrapped to the width as Cantaloupe wraps
    /// lines, and drawn if they are not too tall; `glyph_spacing` in ems; RGBA colours; an outline `stroke_width` pixels wide
    /// (0 for none); a box of `background` behind it when that is not transparent. `font` is a
    /// TrueType/OpenType file's bytes, or None for the bundled DejaVu Sans (`bold`: its bold face).
    #[staticmethod]
    #[pyo3(signature = (
        text, *, font = None, bold = false, size = 18.0, min_size = 14.0, glyph_spacing = 0.0, color = (255, 255, 255, 255),
        stroke_color = (0, 0, 0, 255), stroke_width = 0.0, background = (0, 0, 0, 0), position = "bottom right", inset = 0,
        min_output = (0, 0), word_wrap = false,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn string(
        text: String,
        font: Option<Vec<u8>>,
        bold: bool,
        size: f32,
        min_size: f32,
        glyph_spacing: f32,
        color: (u8, u8, u8, u8),
        stroke_color: (u8, u8, u8, u8),
        stroke_width: f32,
        background: (u8, u8, u8, u8),
        position: &str,
        inset: u32,
        min_output: (u32, u32),
        word_wrap: bool,
    ) -> PyResult<PyOverlay> {
        let position = self::position(position)?;
        let font = match font {
            Some(data) => Font::from_bytes(data)?,
            None if bold => Font::default_bold(),
            None => Font::default_regular(),
        };
        let rgba = |c: (u8, u8, u8, u8)| [c.0, c.1, c.2, c.3];
        let style = TextStyle {
            font,
            size,
            min_size,
            word_wrap,
            glyph_spacing,
            color: rgba(color),
            stroke_color: rgba(stroke_color),
            stroke_width,
            background: rgba(background),
        };
        Ok(PyOverlay(Arc::new(Overlay::text(text, style, position, inset, min_output))))
    }

    /// The position's name, e.g. "bottom right".
    #[getter]
    fn position(&self) -> &'static str {
        self.0.position.name()
    }

    #[getter]
    fn inset(&self) -> u32 {
        self.0.inset
    }

    fn __repr__(&self) -> String {
        format!("<Overlay {} inset {}>", self.0.position.name(), self.0.inset)
    }
}

/// A Python object's `read(offset, length) -> bytes`, for a remote source. The GIL is taken only
/// for that call; whatever it raises is handed back to Python unchanged.
struct PyReader(Py<PyAny>);

impl Fetch for PyReader {
    fn fetch(&self, offset: u64, len: usize) -> Result<Vec<u8>> {
        Python::attach(|py| {
            let raised = |e: PyErr| Error::Reader(Box::new(e));
            let got = self.0.bind(py).call_method1(intern!(py, "read"), (offset, len)).map_err(raised)?;
            Ok(got.cast::<PyBytes>().map_err(|e| raised(e.into()))?.as_bytes().to_vec())
        })
    }
}

/// The widest and tallest image the core writes in `format` (one of jpg, png, gif, webp, tif),
/// or None where the format has no limit of its own.
#[pyfunction]
fn max_side(format: &str) -> PyResult<Option<u32>> {
    let format = OutputFormat::parse(format).ok_or_else(|| PyValueError::new_err(format!("unknown output format {format:?}")))?;
    Ok(format.max_side())
}

/// The size of the output of a request for `width` x `height` turned clockwise by `degrees`
/// (0–360), as a plan makes it: swapped by a quarter turn, else the bounding box of the turned
/// image.
#[pyfunction]
fn output_size(width: u32, height: u32, degrees: f64) -> (u32, u32) {
    turned_size(width, height, degrees)
}

/// The overlay position `text` names by Cantaloupe's rules ("center right" is "right center"),
/// by its own name; None when it names none.
#[pyfunction]
fn overlay_position(text: &str) -> Option<&'static str> {
    Position::parse(text).map(Position::name)
}

/// Set the byte budget of the per-process cache of decoded tiles and strips (0 turns it off).
#[pyfunction]
fn set_decoded_tile_cache_size(bytes: usize) {
    chunk_cache::set_budget(bytes);
}

/// What the per-process cache of decoded tiles holds now, in bytes: "decoded" tiles and strips,
/// JPEG tiles "recoded" for partial reads, and stored edge tiles "cut" to the image.
#[pyfunction]
fn decoded_tile_cache_usage() -> HashMap<&'static str, usize> {
    let (decoded, recoded, cut) = chunk_cache::usage();
    HashMap::from([("decoded", decoded), ("recoded", recoded), ("cut", cut)])
}

/// The format named by an image's first bytes (16 are enough), or None when the core does not
/// read it: one of jpeg, png, tiff, gif, webp, jp2.
#[pyfunction]
fn sniff(head: &[u8]) -> Option<&'static str> {
    codec::sniff(head).map(|f| f.name())
}

/// Write gray or RGB pixels as a tiled pyramidal JPEG TIFF at `path`.
#[pyfunction]
#[pyo3(signature = (path, data, width, height, channels, *, tile = 256, quality = 85))]
#[allow(clippy::too_many_arguments)]
fn write_pyramid_tiff(
    py: Python<'_>,
    path: PathBuf,
    data: &[u8],
    width: u32,
    height: u32,
    channels: u8,
    tile: u32,
    quality: u8,
) -> PyResult<()> {
    py.detach(|| {
        let mut whole = Some(Pixels::from_vec(width, height, channels, data.to_vec())?);
        // Read whole, so asked for once.
        let rows = |_, _| Ok(whole.take().expect("the pixels, asked for once"));
        tiff_pyramid::write(&path, (width, height, channels), None, rows, tile, quality, None, &Limits::default())
    })?;
    Ok(())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<PyImage>()?;
    m.add_class::<PyPlan>()?;
    m.add_class::<PyOverlay>()?;
    m.add_class::<PyStop>()?;
    m.add_function(wrap_pyfunction!(sniff, m)?)?;
    m.add_function(wrap_pyfunction!(write_pyramid_tiff, m)?)?;
    m.add_function(wrap_pyfunction!(set_decoded_tile_cache_size, m)?)?;
    m.add_function(wrap_pyfunction!(decoded_tile_cache_usage, m)?)?;
    m.add_function(wrap_pyfunction!(max_side, m)?)?;
    m.add_function(wrap_pyfunction!(output_size, m)?)?;
    m.add_function(wrap_pyfunction!(overlay_position, m)?)?;
    m.add("MAX_PIXELS", Limits::default().max_decode_pixels)?;
    m.add("CoreError", py.get_type::<errors::CoreError>())?;
    m.add("ImageFormatError", py.get_type::<errors::ImageFormatError>())?;
    m.add("UnsupportedError", py.get_type::<errors::UnsupportedError>())?;
    m.add("LimitError", py.get_type::<errors::LimitError>())?;
    m.add("ImageIoError", py.get_type::<errors::ImageIoError>())?;
    m.add("RequestError", py.get_type::<errors::RequestError>())?;
    m.add("StoppedError", py.get_type::<errors::StoppedError>())?;
    Ok(())
}

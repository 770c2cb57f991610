//! OpenJPEG through its C API: one decoder per read, fed from the byte source by our own
//! stream callbacks, its messages captured instead of printed, decoding on the calling thread
//! or, where a read is given more threads, on OpenJPEG's own.

use std::ffi::{c_char, c_void, CStr};
use std::ptr;
use std::sync::Mutex;

use openjpeg_sys as opj;

use crate::codec::jp2::header::Container;
use crate::codec::jp2::view::View;
use crate::errors::{format_error, Error, Result};
use crate::source::ByteSource;

/// OpenJPEG's read-ahead buffer. It is refilled at every tile header passed on the way to the
/// tiles a request needs, so its default (1 MiB) made a 256x256 tile of a 120-tile image about
/// a quarter slower than this; tile data larger than the buffer is read straight into
/// OpenJPEG's own.
const STREAM_BUFFER: usize = 16 << 10;

/// Messages kept from one decoder; a damaged file can make OpenJPEG say the same thing for
/// every code-block.
const MAX_MESSAGES: usize = 8;

/// OpenJPEG's threads report most of their messages one at a time, but not all (a failed
/// allocation), so they are taken under a lock.
#[derive(Default)]
struct Messages(Mutex<Said>);

#[derive(Default)]
struct Said {
    errors: Vec<String>,
    warnings: Vec<String>,
}

impl Messages {
    fn keep(&self, msg: *const c_char, list: impl FnOnce(&mut Said) -> &mut Vec<String>) {
        let mut said = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let list = list(&mut said);
        if list.len() < MAX_MESSAGES && !msg.is_null() {
            let text = unsafe { CStr::from_ptr(msg) }.to_string_lossy();
            list.push(text.trim().to_string());
        }
    }

    /// The first error, or else the first warning.
    fn first(&self) -> Option<String> {
        let said = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        said.errors.first().or(said.warnings.first()).cloned()
    }
}

unsafe extern "C" fn on_error(msg: *const c_char, data: *mut c_void) {
    (*(data as *const Messages)).keep(msg, |said| &mut said.errors);
}

unsafe extern "C" fn on_warning(msg: *const c_char, data: *mut c_void) {
    (*(data as *const Messages)).keep(msg, |said| &mut said.warnings);
}

unsafe extern "C" fn on_info(_msg: *const c_char, _data: *mut c_void) {}

/// Where the stream stands in the view of the source, and what a remote source's reader raised
/// (OpenJPEG only learns that a read failed, and may go on to decode what it has).
struct Cursor<'a> {
    source: &'a ByteSource,
    view: &'a View,
    pos: u64,
    failed: Option<Error>,
}

/// Fill up to `n` bytes; `(OPJ_SIZE_T)-1` at the end of the data or on a read error.
unsafe extern "C" fn stream_read(buf: *mut c_void, n: usize, data: *mut c_void) -> usize {
    let cursor = &mut *(data as *mut Cursor);
    let left = cursor.view.len() - cursor.pos;
    if left == 0 || n == 0 {
        return usize::MAX;
    }
    let k = (n as u64).min(left) as usize;
    let out = std::slice::from_raw_parts_mut(buf as *mut u8, k);
    match cursor.view.read(cursor.source, cursor.pos, out) {
        Ok(()) => {
            cursor.pos += k as u64;
            k
        }
        Err(e @ Error::Reader(_)) => {
            cursor.failed.get_or_insert(e);
            usize::MAX
        }
        Err(_) => usize::MAX,
    }
}

/// Move by `n` bytes (backwards when negative), stopping at either end; returns the bytes
/// actually moved, or -1 when asked to move forward from the end.
unsafe extern "C" fn stream_skip(n: i64, data: *mut c_void) -> i64 {
    let cursor = &mut *(data as *mut Cursor);
    let pos = cursor.pos as i64;
    let target = pos.saturating_add(n).clamp(0, cursor.view.len() as i64);
    if n > 0 && target == pos {
        return -1;
    }
    cursor.pos = target as u64;
    target - pos
}

/// Go to absolute offset `n`: 1 on success, 0 when it lies outside the data.
unsafe extern "C" fn stream_seek(n: i64, data: *mut c_void) -> opj::OPJ_BOOL {
    let cursor = &mut *(data as *mut Cursor);
    if n < 0 || n as u64 > cursor.view.len() {
        return 0;
    }
    cursor.pos = n as u64;
    1
}

/// One decoded component, as OpenJPEG leaves it.
pub struct Plane<'a> {
    pub width: u32,
    pub height: u32,
    /// Sampling step on the reference grid (2 for chroma subsampled 2:1).
    pub dx: u32,
    pub dy: u32,
    pub precision: u32,
    pub signed: bool,
    pub alpha: bool,
    pub data: &'a [i32],
}

/// What a read wants: the resolution to drop to and, unless the whole image, the area on the
/// full-resolution reference grid (x0, y0, x1, y1).
#[derive(Debug, Clone, Copy)]
pub struct Request {
    pub reduce: u32,
    pub area: Option<[u32; 4]>,
    /// Threads to decode on, the caller's included: from two, OpenJPEG's own threads decode
    /// the code-blocks (and the wavelet rows) while the caller waits.
    pub threads: usize,
}

/// An OpenJPEG decoder and its stream, freed together when a read is done.
struct Handles {
    codec: *mut opj::opj_codec_t,
    stream: *mut opj::opj_stream_t,
}

impl Drop for Handles {
    fn drop(&mut self) {
        unsafe {
            if !self.stream.is_null() {
                opj::opj_stream_destroy(self.stream);
            }
            if !self.codec.is_null() {
                opj::opj_destroy_codec(self.codec);
            }
        }
    }
}

/// A decoded image; OpenJPEG hands it over, so it outlives the decoder that made it.
pub struct Decoded(*mut opj::opj_image_t);

impl Drop for Decoded {
    fn drop(&mut self) {
        if !self.0.is_null() {
            unsafe { opj::opj_image_destroy(self.0) }
        }
    }
}

impl Decoded {
    /// Whether OpenJPEG marks the image as sYCC (from the JP2 colour box), which it leaves
    /// to the caller to convert.
    pub fn is_sycc(&self) -> bool {
        // Read as the C int it is: a value outside the Rust enum's would be undefined behaviour.
        let raw = unsafe { ptr::addr_of!((*self.0).color_space).cast::<i32>().read() };
        raw == opj::COLOR_SPACE::OPJ_CLRSPC_SYCC as i32
    }

    /// Each component's precision, as read from the headers.
    pub fn precisions(&self) -> Vec<u32> {
        let image = unsafe { &*self.0 };
        if image.comps.is_null() {
            return Vec::new();
        }
        unsafe { std::slice::from_raw_parts(image.comps, image.numcomps as usize) }.iter().map(|c| c.prec).collect()
    }

    /// The ICC profile of the JP2 colour box, if it has one (OpenJPEG reads it with the header).
    pub fn icc(&self) -> Option<Vec<u8>> {
        let image = unsafe { &*self.0 };
        (!image.icc_profile_buf.is_null() && image.icc_profile_len > 0)
            .then(|| unsafe { std::slice::from_raw_parts(image.icc_profile_buf, image.icc_profile_len as usize) }.to_vec())
    }

    pub fn planes(&self) -> Result<Vec<Plane<'_>>> {
        let image = unsafe { &*self.0 };
        if image.comps.is_null() {
            return Err(format_error("OpenJPEG returned an image without components"));
        }
        let comps = unsafe { std::slice::from_raw_parts(image.comps, image.numcomps as usize) };
        comps
            .iter()
            .map(|c| {
                if c.data.is_null() {
                    return Err(format_error("the JPEG 2000 image lacks the data of a component"));
                }
                let len = c.w as usize * c.h as usize;
                Ok(Plane {
                    width: c.w,
                    height: c.h,
                    dx: c.dx,
                    dy: c.dy,
                    precision: c.prec,
                    signed: c.sgnd != 0,
                    alpha: c.alpha != 0,
                    data: unsafe { std::slice::from_raw_parts(c.data, len) },
                })
            })
            .collect()
    }
}

fn failure(what: &str, messages: &Messages) -> Error {
    match messages.first() {
        Some(d) => format_error(format!("JPEG 2000 data: {what}: {d}")),
        None => format_error(format!("JPEG 2000 data: {what}")),
    }
}

/// Read the headers, and with a request decode it; without one, stop after the headers
/// (to check a file at open time). A failed remote read fails the decode with its own error,
/// even when OpenJPEG carried on without the data.
pub fn decode(source: &ByteSource, view: &View, container: Container, request: Option<Request>) -> Result<Decoded> {
    let mut cursor = Box::new(Cursor { source, view, pos: 0, failed: None });
    let result = decode_from(&mut cursor, container, request);
    match cursor.failed.take() {
        Some(e) => Err(e),
        None => result,
    }
}

fn decode_from(cursor: &mut Cursor, container: Container, request: Option<Request>) -> Result<Decoded> {
    let messages = Box::new(Messages::default());
    let format = match container {
        Container::Jp2 => opj::CODEC_FORMAT::OPJ_CODEC_JP2,
        Container::Codestream => opj::CODEC_FORMAT::OPJ_CODEC_J2K,
    };
    // Declared after the messages (and the caller's cursor), so freed before them: OpenJPEG
    // holds their addresses.
    let mut handles = Handles { codec: ptr::null_mut(), stream: ptr::null_mut() };
    let mut image = Decoded(ptr::null_mut());
    unsafe {
        handles.codec = opj::opj_create_decompress(format);
        if handles.codec.is_null() {
            return Err(format_error("OpenJPEG could not start a decoder"));
        }
        let data = &*messages as *const Messages as *mut c_void;
        opj::opj_set_error_handler(handles.codec, Some(on_error), data);
        opj::opj_set_warning_handler(handles.codec, Some(on_warning), data);
        opj::opj_set_info_handler(handles.codec, Some(on_info), data);
        let mut params = std::mem::zeroed::<opj::opj_dparameters_t>();
        opj::opj_set_default_decoder_parameters(&mut params);
        if opj::opj_setup_decoder(handles.codec, &mut params) == 0 {
            return Err(failure("decoder setup failed", &messages));
        }
        // OpenJPEG's pool (even of one thread) hands every code-block to another thread, so a
        // read of one thread has none. Set explicitly, as OPJ_NUM_THREADS in the environment
        // would otherwise apply.
        let threads = request.map_or(1, |r| r.threads);
        opj::opj_codec_set_threads(handles.codec, if threads > 1 { threads as i32 } else { 0 });

        handles.stream = opj::opj_stream_create(STREAM_BUFFER, 1);
        if handles.stream.is_null() {
            return Err(format_error("OpenJPEG could not create a stream"));
        }
        opj::opj_stream_set_read_function(handles.stream, Some(stream_read));
        opj::opj_stream_set_skip_function(handles.stream, Some(stream_skip));
        opj::opj_stream_set_seek_function(handles.stream, Some(stream_seek));
        opj::opj_stream_set_user_data(handles.stream, cursor as *mut Cursor as *mut c_void, None);
        opj::opj_stream_set_user_data_length(handles.stream, cursor.view.len());

        if opj::opj_read_header(handles.stream, handles.codec, &mut image.0) == 0 || image.0.is_null() {
            return Err(failure("the headers could not be read", &messages));
        }
        if let Some(request) = request {
            if opj::opj_set_decoded_resolution_factor(handles.codec, request.reduce) == 0 {
                return Err(failure("the resolution could not be chosen", &messages));
            }
            if let Some([x0, y0, x1, y1]) = request.area {
                let [x0, y0, x1, y1] = [x0, y0, x1, y1].map(|v| v as i32);
                if opj::opj_set_decode_area(handles.codec, image.0, x0, y0, x1, y1) == 0 {
                    return Err(failure("the area could not be chosen", &messages));
                }
            }
            if opj::opj_decode(handles.codec, handles.stream, image.0) == 0 {
                return Err(failure("decoding failed", &messages));
            }
        }
    }
    Ok(image)
}

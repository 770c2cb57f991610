//! TurboJPEG through its own API (the turbojpeg crate wraps neither restart markers nor every
//! decompression parameter): decompression with cropping, scaling and a memory cap;
//! compression and lossless transforms, with restart markers where asked.

use std::ffi::CStr;

use turbojpeg::raw;

use crate::errors::{format_error, Error, Result};

/// A TurboJPEG instance (a decompressor, compressor or transformer), destroyed when dropped.
pub struct Handle(pub raw::tjhandle);

impl Handle {
    pub fn new(kind: raw::TJINIT) -> Result<Handle> {
        let ptr = unsafe { raw::tj3Init(kind as i32) };
        if ptr.is_null() {
            return Err(format_error("libjpeg-turbo could not start"));
        }
        Ok(Handle(ptr))
    }

    /// The instance's last error, as a problem with the JPEG data.
    pub fn error(&self) -> Error {
        format_error(format!("JPEG data: {}", self.message()))
    }

    /// The instance's last error, or the first warning of its last call.
    pub fn message(&self) -> String {
        unsafe { CStr::from_ptr(raw::tj3GetErrorStr(self.0)) }.to_string_lossy().into_owned()
    }

    pub fn check(&self, status: i32) -> Result<()> {
        if status == 0 {
            Ok(())
        } else {
            Err(self.error())
        }
    }

    pub fn set(&self, param: raw::TJPARAM, value: i32) -> Result<()> {
        self.check(unsafe { raw::tj3Set(self.0, param as i32, value) })
    }

    pub fn get(&self, param: raw::TJPARAM) -> i32 {
        unsafe { raw::tj3Get(self.0, param as i32) }
    }

    /// The buffer that `call`, a TurboJPEG function given where to put the buffer it allocates
    /// and its size, makes: copied out, and freed. A failure is said as `what` failing.
    pub fn output(&self, what: &str, call: impl FnOnce(&mut *mut u8, &mut raw::size_t) -> i32) -> Result<Vec<u8>> {
        let mut out: *mut u8 = std::ptr::null_mut();
        let mut size: raw::size_t = 0;
        let status = call(&mut out, &mut size);
        let result = if status == 0 && !out.is_null() {
            Ok(unsafe { std::slice::from_raw_parts(out, size as usize) }.to_vec())
        } else {
            Err(format_error(format!("{what} failed: {}", self.message())))
        };
        unsafe { raw::tj3Free(out.cast()) };
        result
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        unsafe { raw::tj3Destroy(self.0) }
    }
}

/// `jpeg` losslessly transformed (its DCT blocks kept, their entropy coding redone): cut to the
/// `crop` region's top-left `width` x `height` if given, with a restart marker after every
/// `restart` MCUs (0: none). A failure is said as `what` failing.
pub fn transform(jpeg: &[u8], crop: Option<(u32, u32)>, restart: i32, what: &str) -> Result<Vec<u8>> {
    let handle = Handle::new(raw::TJINIT_TJINIT_TRANSFORM)?;
    handle.set(raw::TJPARAM_TJPARAM_RESTARTBLOCKS, restart)?;
    let (w, h) = crop.unwrap_or((0, 0));
    let t = raw::tjtransform {
        r: raw::tjregion { x: 0, y: 0, w: w as i32, h: h as i32 },
        op: raw::TJXOP_TJXOP_NONE as i32,
        // A cut is sent, and keeps the stream's markers; a re-coded copy is only decoded here.
        options: if crop.is_some() { raw::TJXOPT_CROP as i32 } else { raw::TJXOPT_COPYNONE as i32 },
        data: std::ptr::null_mut(),
        customFilter: None,
    };
    handle.output(what, |out, size| unsafe { raw::tj3Transform(handle.0, jpeg.as_ptr(), jpeg.len() as raw::size_t, 1, out, size, &t) })
}

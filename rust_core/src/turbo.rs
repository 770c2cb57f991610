//! TurboJPEG instances through its own API, for what the turbojpeg crate does not wrap:
//! decompression with cropping, scaling and a memory cap; compression and lossless transforms
//! with restart markers.

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

    fn message(&self) -> String {
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

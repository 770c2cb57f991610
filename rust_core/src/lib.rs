//! Casaba's pixel core, exposed to Python as `casaba._core`. This file only registers.

mod bindings;
pub mod chunk_cache;
pub mod codec;
pub mod cores;
pub mod encode;
pub mod errors;
pub mod geometry;
pub mod icc;
pub mod limits;
pub mod ops;
pub mod passthrough;
pub mod orientation;
pub mod pipeline;
pub mod pixels;
pub mod plan;
pub mod source;
pub mod structure;
pub mod turbo;

use pyo3::prelude::*;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    bindings::register(m)
}

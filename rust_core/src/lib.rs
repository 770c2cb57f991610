//! Casaba's pixel core, exposed to Python as `casaba._core`. This file only registers.
//!
//! The modules are layered, each using only its own layer and earlier ones: the foundation
//! (errors, geometry, limits, pixels, orientation, icc, structure, source, turbo, cores,
//! formats) < codec (reading) < ops (changing pixels) < encode < plan (deciding, passthrough
//! included) < pipeline (carrying a plan out) < bindings (the only one that knows Python).
//! rust_core/tests/layers.rs holds the order and checks every `crate::` reference against it.

mod bindings;
pub mod codec;
pub mod cores;
pub mod encode;
pub mod errors;
pub mod formats;
pub mod geometry;
pub mod icc;
pub mod limits;
pub mod ops;
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

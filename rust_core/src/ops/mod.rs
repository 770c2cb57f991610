//! Where pixels change: resize, mirror and rotate, colour.

pub mod color;
pub mod orient;
pub mod resize;

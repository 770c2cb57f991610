//! Where pixels change: resize, mirror and rotate, colour, and where overlays go.

pub mod color;
pub mod orient;
pub mod position;
pub mod resize;

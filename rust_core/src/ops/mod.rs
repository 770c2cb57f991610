//! Where pixels change: resize, mirror and rotate, colour, where overlays go, and text for them.

pub mod color;
pub mod orient;
pub mod overlay;
pub mod position;
pub mod resize;
pub mod text;

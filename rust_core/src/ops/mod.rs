//! Where pixels change: resize, mirror and rotate, colour, redaction, where overlays go, and text for them.

pub mod color;
pub mod orient;
pub mod overlay;
pub mod position;
pub mod redact;
pub mod resize;
pub mod text;

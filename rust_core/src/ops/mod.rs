//! Where pixels change: resize, mirror and rotate, colour, redaction, and where overlays go.

pub mod color;
pub mod orient;
pub mod position;
pub mod redact;
pub mod resize;

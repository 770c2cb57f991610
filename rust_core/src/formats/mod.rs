//! What the readers and the writers of a file format both know of it: a JPEG's marker segments,
//! TIFF's compressions.

pub mod jpeg_markers;
pub mod tiff_compression;

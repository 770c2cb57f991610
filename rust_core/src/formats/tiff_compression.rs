//! The compressions a TIFF is read and written with: one list for the reader and the writer.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Lzw,
    Deflate,
    PackBits,
    Jpeg,
}

impl Compression {
    /// By the name `name()` gives.
    pub fn parse(name: &str) -> Option<Compression> {
        [Compression::None, Compression::Lzw, Compression::Deflate, Compression::PackBits, Compression::Jpeg]
            .into_iter()
            .find(|c| c.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Lzw => "lzw",
            Compression::Deflate => "deflate",
            Compression::PackBits => "packbits",
            Compression::Jpeg => "jpeg",
        }
    }
}

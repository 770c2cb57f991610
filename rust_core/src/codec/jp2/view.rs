//! The bytes OpenJPEG is given for one read: pieces of the file and bytes made here, such as
//! the file's headers, only the tile-parts of the tiles the read needs (see
//! `header::TileParts::view`), then an end-of-codestream marker.
//!
//! Without a TLM marker OpenJPEG finds a tile by reading every tile-part header before it,
//! refilling its read-ahead buffer at each one: for a tile near the end of a 12000x10000 image
//! of 256x256 tiles that is some 15 MB read for one tile. With one it seeks to the tile, but
//! still sets up coding parameters for every tile of the image. The core indexes the tile-parts
//! once, when it opens the file, and leaves the others out of the stream.

use crate::errors::Result;
use crate::source::ByteSource;

/// One run of the view's bytes.
enum Piece {
    /// `len` bytes of the source from `start`.
    Source { start: u64, len: u64 },
    /// Bytes made here (a rewritten box header, the end marker).
    Bytes(Vec<u8>),
}

impl Piece {
    fn len(&self) -> u64 {
        match self {
            Piece::Source { len, .. } => *len,
            Piece::Bytes(b) => b.len() as u64,
        }
    }
}

/// Pieces one after another; `starts[i]` is where piece i begins in the view.
#[derive(Default)]
pub struct View {
    pieces: Vec<Piece>,
    starts: Vec<u64>,
    len: u64,
}

impl View {
    /// The whole source, as it is.
    pub fn whole(source: &ByteSource) -> View {
        let mut v = View::default();
        v.source(0, source.size());
        v
    }

    pub fn source(&mut self, start: u64, len: u64) {
        self.push(Piece::Source { start, len });
    }

    pub fn bytes(&mut self, bytes: Vec<u8>) {
        self.push(Piece::Bytes(bytes));
    }

    fn push(&mut self, piece: Piece) {
        if piece.len() == 0 {
            return;
        }
        self.starts.push(self.len);
        self.len += piece.len();
        self.pieces.push(piece);
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    /// Fill `out` with the view's bytes from `pos`; the caller keeps within `len()`.
    pub fn read(&self, source: &ByteSource, pos: u64, out: &mut [u8]) -> Result<()> {
        let mut i = self.starts.partition_point(|&s| s <= pos).saturating_sub(1);
        let (mut pos, mut done) = (pos, 0);
        while done < out.len() {
            let into = pos - self.starts[i];
            let n = ((self.pieces[i].len() - into) as usize).min(out.len() - done);
            let target = &mut out[done..done + n];
            match &self.pieces[i] {
                Piece::Source { start, .. } => source.read_into(start + into, target)?,
                Piece::Bytes(b) => target.copy_from_slice(&b[into as usize..into as usize + n]),
            }
            done += n;
            pos += n as u64;
            i += 1;
        }
        Ok(())
    }
}

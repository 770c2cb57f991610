//! Where an image's bytes come from: a file read by offset, bytes already in memory, or an
//! object elsewhere read through a reader ([`remote`]).
//!
//! Decoders ask for byte ranges, so a tiled file costs only the tiles a request touches.

pub mod remote;

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::Path;

use crate::errors::{format_error, Result};
use remote::Remote;

pub enum ByteSource {
    File { file: File, len: u64 },
    Memory(Vec<u8>),
    Remote(Remote),
}

impl ByteSource {
    pub fn open(path: &Path) -> Result<ByteSource> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        Ok(ByteSource::File { file, len })
    }

    pub fn size(&self) -> u64 {
        match self {
            ByteSource::File { len, .. } => *len,
            ByteSource::Memory(v) => v.len() as u64,
            ByteSource::Remote(r) => r.size(),
        }
    }

    /// Exactly `len` bytes from `offset`, or a format error naming what ran past the end.
    pub fn read_at(&self, offset: u64, len: usize) -> Result<Cow<'_, [u8]>> {
        let end = offset.checked_add(len as u64).filter(|&e| e <= self.size());
        if end.is_none() {
            return Err(format_error(format!(
                "a read of {len} bytes at offset {offset} runs past the end of the {}-byte file",
                self.size()
            )));
        }
        match self {
            ByteSource::File { file, .. } => {
                let mut buf = vec![0; len];
                file.read_exact_at(&mut buf, offset)?;
                Ok(Cow::Owned(buf))
            }
            ByteSource::Memory(v) => Ok(Cow::Borrowed(&v[offset as usize..offset as usize + len])),
            ByteSource::Remote(r) => Ok(Cow::Owned(r.read(offset, len)?)),
        }
    }

    /// Fill `buf` with the bytes from `offset`; for decoders that keep their own buffer.
    pub fn read_into(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        match self {
            ByteSource::File { file, .. } => {
                let end = offset.checked_add(buf.len() as u64).filter(|&e| e <= self.size());
                if end.is_none() {
                    return Err(format_error(format!("a read at offset {offset} runs past the end of the file")));
                }
                file.read_exact_at(buf, offset)?;
            }
            ByteSource::Memory(_) | ByteSource::Remote(_) => buf.copy_from_slice(&self.read_at(offset, buf.len())?),
        }
        Ok(())
    }

    /// The first `len` bytes, or the whole file when it is shorter.
    pub fn read_prefix(&self, len: usize) -> Result<Cow<'_, [u8]>> {
        let n = (len as u64).min(self.size()) as usize;
        self.read_at(0, n)
    }

    pub fn read_all(&self) -> Result<Cow<'_, [u8]>> {
        self.read_at(0, self.size() as usize)
    }

    /// The bytes as a buffered stream, for decoders that read in order (PNG, GIF): only a
    /// buffer's worth is held at a time, however large the file.
    pub fn stream(&self) -> BufReader<Stream<'_>> {
        BufReader::with_capacity(STREAM_BUFFER, Stream { source: self, pos: 0 })
    }
}

const STREAM_BUFFER: usize = 64 << 10;

/// A position in a [`ByteSource`], read and moved like a file.
pub struct Stream<'a> {
    source: &'a ByteSource,
    pos: u64,
}

impl Read for Stream<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = (buf.len() as u64).min(self.source.size().saturating_sub(self.pos)) as usize;
        if n > 0 {
            self.source.read_into(self.pos, &mut buf[..n]).map_err(io::Error::other)?;
            self.pos += n as u64;
        }
        Ok(n)
    }
}

impl Seek for Stream<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.source.size().checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = target.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "a seek before the start of the file"))?;
        Ok(self.pos)
    }
}

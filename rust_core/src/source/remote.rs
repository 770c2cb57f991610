//! Bytes that live elsewhere (a web server, an S3 bucket), fetched through a reader (in the
//! server, a Python object's `read(offset, length) -> bytes`; see `bindings`).
//!
//! Reads are rounded out to aligned chunks, and the last few chunks are kept, so the many small
//! reads of a TIFF's directories cost a few round trips, and neighbouring tiles share a fetch.
//! A read larger than the whole chunk cache goes to the reader as it is, and is not kept.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::errors::{Error, Result};

/// What reads an object elsewhere: `len` bytes from `offset`, or the error it met
/// (`Error::Reader`, handed back to the caller as it is).
pub trait Fetch: Send + Sync {
    fn fetch(&self, offset: u64, len: usize) -> Result<Vec<u8>>;
}

/// How reads are rounded and how much of what was fetched is kept.
#[derive(Debug, Clone, Copy)]
pub struct Chunking {
    /// Bytes in one chunk; 0 asks the reader for exactly what each read needs.
    pub chunk_size: u64,
    /// Bytes of chunks kept for later reads; 0 keeps none.
    pub cache_size: u64,
}

pub struct Remote {
    reader: Box<dyn Fetch>,
    len: u64,
    chunk: u64,
    /// How many chunks the cache holds.
    capacity: u64,
    chunks: Mutex<Chunks>,
}

/// The kept chunks, by index, each with the time it was last used.
#[derive(Default)]
struct Chunks {
    by_index: HashMap<u64, (Arc<[u8]>, u64)>,
    clock: u64,
}

impl Chunks {
    fn get(&mut self, index: u64) -> Option<Arc<[u8]>> {
        self.clock += 1;
        let clock = self.clock;
        self.by_index.get_mut(&index).map(|(data, used)| {
            *used = clock;
            data.clone()
        })
    }

    fn put(&mut self, index: u64, data: Arc<[u8]>, capacity: u64) {
        self.clock += 1;
        self.by_index.insert(index, (data, self.clock));
        while self.by_index.len() as u64 > capacity {
            let oldest = self.by_index.iter().min_by_key(|(_, (_, used))| *used).map(|(&i, _)| i);
            match oldest {
                Some(i) => self.by_index.remove(&i),
                None => break,
            };
        }
    }
}

impl Remote {
    pub fn new(reader: Box<dyn Fetch>, len: u64, chunking: Chunking) -> Remote {
        let capacity = chunking.cache_size.checked_div(chunking.chunk_size).unwrap_or(0);
        // Chunks without a cache would only make every read larger.
        let chunk = if capacity == 0 { 0 } else { chunking.chunk_size };
        Remote { reader, len, chunk, capacity, chunks: Mutex::new(Chunks::default()) }
    }

    pub fn size(&self) -> u64 {
        self.len
    }

    /// Exactly `len` bytes from `offset`; the caller has checked that they lie inside the object.
    pub fn read(&self, offset: u64, len: usize) -> Result<Vec<u8>> {
        if len == 0 {
            return Ok(Vec::new());
        }
        let end = offset + len as u64;
        if self.chunk == 0 {
            return self.fetch(offset, len);
        }
        let first = offset / self.chunk;
        let last = (end - 1) / self.chunk;
        if last - first + 1 > self.capacity {
            return self.fetch(offset, len);
        }
        let mut pieces: Vec<Option<Arc<[u8]>>> = {
            let mut chunks = self.chunks.lock().unwrap_or_else(|e| e.into_inner());
            (first..=last).map(|i| chunks.get(i)).collect()
        };
        let missing = |p: &Option<Arc<[u8]>>| p.is_none();
        if let (Some(a), Some(b)) = (pieces.iter().position(missing), pieces.iter().rposition(missing)) {
            // One request from the first missing chunk to the last, even over kept ones between.
            let (lo, hi) = (first + a as u64, first + b as u64);
            let start = lo * self.chunk;
            let stop = ((hi + 1) * self.chunk).min(self.len);
            let data = self.fetch(start, (stop - start) as usize)?;
            let mut chunks = self.chunks.lock().unwrap_or_else(|e| e.into_inner());
            for (k, part) in data.chunks(self.chunk as usize).enumerate() {
                let part: Arc<[u8]> = Arc::from(part);
                let slot = &mut pieces[a + k];
                if slot.is_none() {
                    *slot = Some(part.clone());
                }
                chunks.put(lo + k as u64, part, self.capacity);
            }
        }
        let mut out = Vec::with_capacity(len);
        for (k, piece) in pieces.iter().enumerate() {
            let piece = piece.as_ref().expect("every chunk was fetched");
            let at = (first + k as u64) * self.chunk;
            let from = (offset.max(at) - at) as usize;
            let to = (end.min(at + piece.len() as u64) - at) as usize;
            out.extend_from_slice(&piece[from..to]);
        }
        Ok(out)
    }

    /// One call to the reader, which must return exactly the bytes asked for.
    fn fetch(&self, offset: u64, len: usize) -> Result<Vec<u8>> {
        let bytes = self.reader.fetch(offset, len)?;
        if bytes.len() != len {
            return Err(Error::Io(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!("the reader returned {} bytes where {len} were asked for", bytes.len()),
            )));
        }
        Ok(bytes)
    }
}

//! Decoded chunks (tiles and strips), kept per process within a byte budget and evicted least
//! recently used: neighbouring requests that are not aligned to tiles share most of their tiles,
//! and deep-zoom viewers ask for neighbours. Small levels read whole (thumbnails) are kept whole
//! among them too. Beside them, within an eighth of the budget, stored edge tiles once cut to
//! the image's edge (see `pipeline`): a cut costs a few hundred microseconds, sending it
//! again nothing. And within a budget of their own as large, JPEG chunks re-coded for partial
//! reads (see `jpeg_mcus`): a tenth of the size of their pixels, so that many more chunks of an
//! image read at random places stay at hand.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};

use crate::codec::jpeg_mcus::McuJpeg;
use crate::pixels::Pixels;

/// An opened image (a number no other opening shares), a level and a chunk index.
pub type Key = (u64, usize, u32);

/// The chunk index under which a whole level is kept.
pub const WHOLE: u32 = u32::MAX;

const DEFAULT_BUDGET: usize = 64 << 20;

static NEXT_IMAGE: AtomicU64 = AtomicU64::new(1);
static BUDGET: AtomicUsize = AtomicUsize::new(DEFAULT_BUDGET);
static CACHE: LazyLock<Mutex<Entries<Pixels>>> = LazyLock::new(|| Mutex::new(Entries::default()));
static CUTS: LazyLock<Mutex<Entries<Vec<u8>>>> = LazyLock::new(|| Mutex::new(Entries::default()));
/// The share of the budget cut tiles may take: 1/CUT_SHARE.
const CUT_SHARE: usize = 8;
static MCUS: LazyLock<Mutex<Entries<McuJpeg>>> = LazyLock::new(|| Mutex::new(Entries::default()));
/// The share of the budget re-coded chunks may take: 1/MCU_SHARE.
const MCU_SHARE: usize = 1;
/// Chunks read only in part, the oldest forgotten first (see `part_read`).
static PARTS: LazyLock<Mutex<Parts>> = LazyLock::new(|| Mutex::new(Parts::default()));
/// How many of the last partial reads are remembered.
const PARTS_REMEMBERED: usize = 16384;
/// A chunk read in part again within this many partial reads is wanted soon (see `PartRead`).
const SOON: u64 = 256;

#[derive(Default)]
struct Parts {
    /// Each remembered chunk and the number of its last partial read.
    last: HashMap<Key, u64>,
    order: VecDeque<(Key, u64)>,
    count: u64,
}

/// How to decode a chunk of which a read needs only a part, from when it was last read in part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartRead {
    /// Not lately: decode just the part; a one-off read pays only for what it uses.
    Once,
    /// Within the last few hundred partial reads (the same region again, a neighbour while
    /// panning, smaller tiles than the stored ones): decode it whole, for the cache.
    Soon,
    /// Again, but after many others (reads spread over an image larger than the cache):
    /// re-code it for partial reads (`jpeg_mcus`) and keep that, a tenth of its pixels' size.
    Later,
}

/// Record a read of part of chunk `key` and say how to decode it. With the cache off, `Once`.
pub fn part_read(key: &Key) -> PartRead {
    if BUDGET.load(Ordering::Relaxed) == 0 {
        return PartRead::Once;
    }
    let mut p = lock(&PARTS);
    p.count += 1;
    let now = p.count;
    let before = p.last.insert(*key, now);
    p.order.push_back((*key, now));
    while p.order.len() > PARTS_REMEMBERED {
        let Some((old, at)) = p.order.pop_front() else { break };
        if p.last.get(&old) == Some(&at) {
            p.last.remove(&old);
        }
    }
    match before {
        None => PartRead::Once,
        Some(at) if now - at <= SOON => PartRead::Soon,
        Some(_) => PartRead::Later,
    }
}

/// What an entry weighs against the budget.
trait Weight {
    fn bytes(&self) -> usize;
}

impl Weight for Pixels {
    fn bytes(&self) -> usize {
        self.data.len()
    }
}

impl Weight for McuJpeg {
    fn bytes(&self) -> usize {
        McuJpeg::bytes(self)
    }
}

impl Weight for Vec<u8> {
    fn bytes(&self) -> usize {
        self.len()
    }
}

struct Entries<V> {
    chunks: HashMap<Key, (Arc<V>, u64)>,
    by_use: BTreeMap<u64, Key>,
    bytes: usize,
    clock: u64,
}

impl<V> Default for Entries<V> {
    fn default() -> Self {
        Entries { chunks: HashMap::new(), by_use: BTreeMap::new(), bytes: 0, clock: 0 }
    }
}

/// A number for a newly opened image: its chunks are its own, whatever file it reads.
pub fn new_image() -> u64 {
    NEXT_IMAGE.fetch_add(1, Ordering::Relaxed)
}

/// Set the byte budget (0 turns the cache off), evicting what no longer fits.
pub fn set_budget(bytes: usize) {
    BUDGET.store(bytes, Ordering::Relaxed);
    lock(&CACHE).evict_to(bytes);
    lock(&CUTS).evict_to(bytes / CUT_SHARE);
    lock(&MCUS).evict_to(bytes / MCU_SHARE);
}

/// The bytes held now: decoded chunks, chunks re-coded for partial reads, cut edge tiles.
pub fn usage() -> (usize, usize, usize) {
    (lock(&CACHE).bytes, lock(&MCUS).bytes, lock(&CUTS).bytes)
}

/// A cache's lock: one that a panicking thread left behind still guards consistent data.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub fn get(key: &Key) -> Option<Arc<Pixels>> {
    lock(&CACHE).get(key)
}

pub fn put(key: Key, pixels: Arc<Pixels>) {
    lock(&CACHE).put(key, pixels, BUDGET.load(Ordering::Relaxed));
}

/// A stored edge tile cut to the image, kept by `put_cut`.
pub fn get_cut(key: &Key) -> Option<Arc<Vec<u8>>> {
    lock(&CUTS).get(key)
}

pub fn put_cut(key: Key, jpeg: Arc<Vec<u8>>) {
    lock(&CUTS).put(key, jpeg, BUDGET.load(Ordering::Relaxed) / CUT_SHARE);
}

/// A JPEG chunk re-coded for partial reads, kept by `put_mcus`.
pub fn get_mcus(key: &Key) -> Option<Arc<McuJpeg>> {
    lock(&MCUS).get(key)
}

/// Whether chunk `key` is kept re-coded (without counting as a use).
pub fn has_mcus(key: &Key) -> bool {
    lock(&MCUS).chunks.contains_key(key)
}

pub fn put_mcus(key: Key, jpeg: Arc<McuJpeg>) {
    lock(&MCUS).put(key, jpeg, BUDGET.load(Ordering::Relaxed) / MCU_SHARE);
}

impl<V: Weight> Entries<V> {
    fn get(&mut self, key: &Key) -> Option<Arc<V>> {
        self.clock += 1;
        let now = self.clock;
        let (value, used) = self.chunks.get_mut(key)?;
        let (value, before) = (Arc::clone(value), std::mem::replace(used, now));
        self.by_use.remove(&before);
        self.by_use.insert(now, *key);
        Some(value)
    }

    /// Keep `value` unless it would take more than a quarter of `budget`.
    fn put(&mut self, key: Key, value: Arc<V>, budget: usize) {
        let size = value.bytes();
        if size > budget / 4 {
            return;
        }
        self.clock += 1;
        let now = self.clock;
        if let Some((old, used)) = self.chunks.insert(key, (value, now)) {
            self.bytes -= old.bytes();
            self.by_use.remove(&used);
        }
        self.by_use.insert(now, key);
        self.bytes += size;
        self.evict_to(budget);
    }

    fn evict_to(&mut self, budget: usize) {
        while self.bytes > budget {
            let Some((_, oldest)) = self.by_use.pop_first() else { break };
            if let Some((gone, _)) = self.chunks.remove(&oldest) {
                self.bytes -= gone.bytes();
            }
        }
    }
}

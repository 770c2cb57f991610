//! Decoded chunks (tiles and strips), kept per process within a byte budget and evicted least
//! recently used: neighbouring requests that are not aligned to tiles share most of their tiles,
//! and deep-zoom viewers ask for neighbours. Beside them, within an eighth of the budget, stored
//! edge tiles once cut to the image's edge (see `passthrough::cut`): a cut costs a few hundred
//! microseconds, sending it again nothing.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};

use crate::pixels::Pixels;

/// An opened image (a number no other opening shares), a level and a chunk index.
pub type Key = (u64, usize, u32);

const DEFAULT_BUDGET: usize = 64 << 20;

static NEXT_IMAGE: AtomicU64 = AtomicU64::new(1);
static BUDGET: AtomicUsize = AtomicUsize::new(DEFAULT_BUDGET);
static CACHE: LazyLock<Mutex<Entries<Pixels>>> = LazyLock::new(|| Mutex::new(Entries::default()));
static CUTS: LazyLock<Mutex<Entries<Vec<u8>>>> = LazyLock::new(|| Mutex::new(Entries::default()));
/// The share of the budget cut tiles may take: 1/CUT_SHARE.
const CUT_SHARE: usize = 8;
/// Chunks lately read only in part, the oldest forgotten first (see `first_part`).
static PARTS: LazyLock<Mutex<Parts>> = LazyLock::new(|| Mutex::new(Parts::default()));
/// How many of the last chunks read in part are remembered: few, so that only chunks that
/// reads come back to soon (the same region again, a neighbour while panning) count as wanted
/// again; reads spread at random over a large image keep decoding parts.
const PARTS_REMEMBERED: usize = 256;

#[derive(Default)]
struct Parts {
    keys: HashSet<Key>,
    order: VecDeque<Key>,
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
}

/// A cache's lock: one that a panicking thread left behind still guards consistent data.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Whether a read that needs only part of chunk `key` should decode just that part: yes unless
/// the chunk was read in part lately (then reads come back to it: decode it whole, for the
/// cache). A one-off read pays only for what it uses. With the cache off, always.
pub fn first_part(key: &Key) -> bool {
    if BUDGET.load(Ordering::Relaxed) == 0 {
        return true;
    }
    let mut p = lock(&PARTS);
    if p.keys.remove(key) {
        return false;
    }
    if p.order.len() >= PARTS_REMEMBERED {
        if let Some(oldest) = p.order.pop_front() {
            p.keys.remove(&oldest);
        }
    }
    p.keys.insert(*key);
    p.order.push_back(*key);
    true
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

//! Decoded chunks (tiles and strips), kept per process within a byte budget and evicted least
//! recently used: neighbouring requests that are not aligned to tiles share most of their tiles,
//! and deep-zoom viewers ask for neighbours.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use crate::pixels::Pixels;

/// An opened image (a number no other opening shares), a level and a chunk index.
pub type Key = (u64, usize, u32);

const DEFAULT_BUDGET: usize = 64 << 20;

static NEXT_IMAGE: AtomicU64 = AtomicU64::new(1);
static BUDGET: AtomicUsize = AtomicUsize::new(DEFAULT_BUDGET);
static CACHE: LazyLock<Mutex<Entries>> = LazyLock::new(|| Mutex::new(Entries::default()));
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

#[derive(Default)]
struct Entries {
    chunks: HashMap<Key, (Arc<Pixels>, u64)>,
    by_use: BTreeMap<u64, Key>,
    bytes: usize,
    clock: u64,
}

/// A number for a newly opened image: its chunks are its own, whatever file it reads.
pub fn new_image() -> u64 {
    NEXT_IMAGE.fetch_add(1, Ordering::Relaxed)
}

/// Set the byte budget (0 turns the cache off), evicting what no longer fits.
pub fn set_budget(bytes: usize) {
    BUDGET.store(bytes, Ordering::Relaxed);
    let mut e = CACHE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    e.evict_to(bytes);
}

/// Whether a read that needs only part of chunk `key` should decode just that part: yes unless
/// the chunk was read in part lately (then reads come back to it: decode it whole, for the
/// cache). A one-off read pays only for what it uses. With the cache off, always.
pub fn first_part(key: &Key) -> bool {
    if BUDGET.load(Ordering::Relaxed) == 0 {
        return true;
    }
    let mut p = PARTS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
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
    let mut e = CACHE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    e.clock += 1;
    let now = e.clock;
    let (pixels, used) = e.chunks.get_mut(key)?;
    let (pixels, before) = (Arc::clone(pixels), std::mem::replace(used, now));
    e.by_use.remove(&before);
    e.by_use.insert(now, *key);
    Some(pixels)
}

pub fn put(key: Key, pixels: Arc<Pixels>) {
    let budget = BUDGET.load(Ordering::Relaxed);
    let size = pixels.data.len();
    if size > budget / 4 {
        return;
    }
    let mut e = CACHE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    e.clock += 1;
    let now = e.clock;
    if let Some((old, used)) = e.chunks.insert(key, (pixels, now)) {
        e.bytes -= old.data.len();
        e.by_use.remove(&used);
    }
    e.by_use.insert(now, key);
    e.bytes += size;
    e.evict_to(budget);
}

impl Entries {
    fn evict_to(&mut self, budget: usize) {
        while self.bytes > budget {
            let Some((_, oldest)) = self.by_use.pop_first() else { break };
            if let Some((gone, _)) = self.chunks.remove(&oldest) {
                self.bytes -= gone.data.len();
            }
        }
    }
}

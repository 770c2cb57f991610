//! Cores left idle lately, for work that can use more than one thread but should not take them
//! from other requests: a render alone on the machine may spread over the idle cores, one among
//! others keeps to its own thread.
//!
//! Idle is the machine's idle time in /proc/stat over the last fifth of a second or so, so it
//! counts every process (other workers, other programs) and is not fooled by the moment: a
//! thread just handing a request over is runnable for a few microseconds, a render for
//! milliseconds. Where /proc/stat cannot be read, no core is idle.

use std::fs;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

/// How often the idle time is sampled, and so the span it is averaged over.
const WINDOW: Duration = Duration::from_millis(200);

/// The last sample of /proc/stat: when, and the machine's CPU time in all and idle, in ticks.
static LAST: Mutex<Option<(Instant, u64, u64)>> = Mutex::new(None);
/// Idle cores over the last window, in thousandths.
static IDLE_MILLICORES: AtomicU32 = AtomicU32::new(0);

/// Threads to give one piece of work: its own, and one more for each core that was idle
/// lately (rounded to the nearest), up to `most` and the cores this process may use.
pub fn spare_threads(most: usize) -> usize {
    sample();
    let idle = (IDLE_MILLICORES.load(Ordering::Relaxed) as usize + 500) / 1000;
    let cores = thread::available_parallelism().map_or(1, usize::from);
    (1 + idle).min(most).min(cores).max(1)
}

/// Take a new sample once the last is a window old; a thread that finds another sampling uses
/// the last figure.
fn sample() {
    let Ok(mut last) = LAST.try_lock() else { return };
    let now = Instant::now();
    if last.is_some_and(|(at, ..)| now.duration_since(at) < WINDOW) {
        return;
    }
    let Some((cpus, total, idle)) = fs::read_to_string("/proc/stat").ok().as_deref().and_then(times) else {
        return;
    };
    if let Some((_, total0, idle0)) = *last {
        let (spent, idled) = (total.saturating_sub(total0), idle.saturating_sub(idle0));
        if spent > 0 {
            let millicores = idled.min(spent) * cpus * 1000 / spent;
            IDLE_MILLICORES.store(millicores as u32, Ordering::Relaxed);
        }
    }
    *last = Some((now, total, idle));
}

/// From /proc/stat: the number of CPUs, and the ticks all of them spent in all and idle (idle
/// and waiting for I/O) since boot.
fn times(stat: &str) -> Option<(u64, u64, u64)> {
    let mut lines = stat.lines();
    let ticks: Vec<u64> = lines.next()?.strip_prefix("cpu ")?.split_whitespace().map(|t| t.parse().ok()).collect::<Option<_>>()?;
    if ticks.len() < 5 {
        return None;
    }
    let cpus = lines.filter(|l| l.strip_prefix("cpu").is_some_and(|n| n.starts_with(|c: char| c.is_ascii_digit()))).count() as u64;
    // user, nice, system, idle, iowait, irq, softirq, steal; guest time is within user and nice.
    let total = ticks.iter().take(8).sum();
    Some((cpus.max(1), total, ticks[3] + ticks[4]))
}

#[cfg(test)]
mod tests {
    use super::times;

    #[test]
    fn reads_cpu_times() {
        let stat = "cpu  100 5 50 800 20 1 2 3 0 0\ncpu0 50 2 25 400 10 1 1 2 0 0\ncpu1 50 3 25 400 10 0 1 1 0 0\nintr 1\n";
        assert_eq!(times(stat), Some((2, 981, 820)));
        assert_eq!(times("garbage"), None);
        assert_eq!(times("cpu  1 2 x 4 5"), None);
    }
}

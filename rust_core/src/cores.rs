//! Cores left idle lately, lent to work that can use more than one thread without taking them
//! from other requests: a render alone on the machine may spread over the idle cores, one among
//! others keeps to its own thread.
//!
//! Idle is measured over the last fifth of a second or so, so it counts every process (other
//! workers, other programs) and is not fooled by the moment: a thread handing a request over is
//! runnable for microseconds, a render for milliseconds. It is the idle time in /proc/stat of
//! the CPUs this process may run on or, under a CPU quota (a container's), the quota less what
//! the quota's cgroup used (cgroup v2; under a v1 quota nothing is lent). Cores lent and not yet
//! given back count as busy, so that requests arriving together do not share out one idle core
//! many times.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

/// How often the idle time is sampled, and so the span it is averaged over.
const WINDOW: Duration = Duration::from_millis(200);

/// What idle time is measured on.
enum Gauge {
    /// The CPUs this process may run on, by their ticks in /proc/stat.
    Cpus(Vec<usize>),
    /// A cgroup whose quota (in cores) binds this process, by its CPU usage.
    Quota { dir: PathBuf, cores: f64 },
}

/// One reading: when, and for `Cpus` the idle and all ticks, for `Quota` the µs of CPU used.
#[derive(Clone, Copy)]
struct Reading {
    at: Instant,
    idle: u64,
    total: u64,
}

/// Cores this process may use (std reads the cgroup files for it), and the gauge: found once.
static USABLE: OnceLock<usize> = OnceLock::new();
static GAUGE: OnceLock<Option<Gauge>> = OnceLock::new();
static LAST: Mutex<Option<Reading>> = Mutex::new(None);
/// Idle cores over the last window, in thousandths.
static IDLE_MILLICORES: AtomicU32 = AtomicU32::new(0);
/// Cores lent now.
static LENT: AtomicUsize = AtomicUsize::new(0);

/// Cores lent to one piece of work, given back when dropped.
pub struct Lent(usize);

impl Lent {
    /// Threads for the work: its own and the lent cores'.
    pub fn threads(&self) -> usize {
        1 + self.0
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        LENT.fetch_sub(self.0, Ordering::Relaxed);
    }
}

/// Lend the cores idle lately (rounded to the nearest) that are not lent already, for at most
/// `most` threads in all and no more than this process may use.
pub fn lend(most: usize) -> Lent {
    sample();
    let idle = (IDLE_MILLICORES.load(Ordering::Relaxed) as usize + 500) / 1000;
    let room = most.min(usable()).saturating_sub(1);
    let grant = |lent: usize| idle.saturating_sub(lent).min(room);
    let before = LENT.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |lent| Some(lent + grant(lent)));
    Lent(grant(before.unwrap_or_else(|lent| lent)))
}

fn usable() -> usize {
    *USABLE.get_or_init(|| thread::available_parallelism().map_or(1, usize::from))
}

/// Take a new reading once the last is a window old; a thread that finds another reading uses
/// the last figure.
fn sample() {
    let Some(gauge) = GAUGE.get_or_init(gauge) else { return };
    let Ok(mut last) = LAST.try_lock() else { return };
    let at = Instant::now();
    if last.is_some_and(|r| at.duration_since(r.at) < WINDOW) {
        return;
    }
    let Some(now) = read(gauge, at) else { return };
    if let Some(idle) = last.and_then(|before| idle_millicores(gauge, &before, &now)) {
        IDLE_MILLICORES.store(idle, Ordering::Relaxed);
    }
    *last = Some(now);
}

fn read(gauge: &Gauge, at: Instant) -> Option<Reading> {
    match gauge {
        Gauge::Cpus(cpus) => {
            let (idle, total) = cpu_ticks(&fs::read_to_string("/proc/stat").ok()?, cpus)?;
            Some(Reading { at, idle, total })
        }
        Gauge::Quota { dir, .. } => {
            let used = usage_usec(&fs::read_to_string(dir.join("cpu.stat")).ok()?)?;
            Some(Reading { at, idle: 0, total: used })
        }
    }
}

fn idle_millicores(gauge: &Gauge, before: &Reading, now: &Reading) -> Option<u32> {
    match gauge {
        Gauge::Cpus(cpus) => {
            let total = now.total.checked_sub(before.total).filter(|&t| t > 0)?;
            let idle = now.idle.saturating_sub(before.idle).min(total);
            Some((idle * cpus.len() as u64 * 1000 / total) as u32)
        }
        Gauge::Quota { cores, .. } => {
            let wall = now.at.duration_since(before.at).as_micros() as f64;
            let used = now.total.saturating_sub(before.total) as f64;
            (wall > 0.0).then(|| ((cores - used / wall).max(0.0) * 1000.0) as u32)
        }
    }
}

/// The CPUs this process may run on; under a quota that allows fewer cores than that, the
/// quota's cgroup, or None where it cannot be read.
fn gauge() -> Option<Gauge> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let cpus = status.lines().find_map(|l| l.strip_prefix("Cpus_allowed_list:")).and_then(cpu_list)?;
    if usable() >= cpus.len() {
        return Some(Gauge::Cpus(cpus));
    }
    let (dir, cores) = quota_cgroup()?;
    Some(Gauge::Quota { dir, cores })
}

/// The cgroup v2 group, this process's or an ancestor, with the tightest CPU quota.
fn quota_cgroup() -> Option<(PathBuf, f64)> {
    let own = fs::read_to_string("/proc/self/cgroup").ok()?;
    let relative = own.lines().find_map(|l| l.strip_prefix("0::"))?.trim_start_matches('/').to_string();
    let root = ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"].into_iter().map(Path::new).find(|r| r.join("cgroup.controllers").exists())?;
    let mut dir = root.join(relative);
    let mut tightest: Option<(PathBuf, f64)> = None;
    while dir.starts_with(root) {
        if let Some(cores) = fs::read_to_string(dir.join("cpu.max")).ok().as_deref().and_then(quota) {
            if tightest.as_ref().is_none_or(|(_, c)| cores < *c) {
                tightest = Some((dir.clone(), cores));
            }
        }
        if !dir.pop() {
            break;
        }
    }
    tightest
}

/// "0-3,8,10-11" (a CPU list of /proc/self/status): the CPUs.
fn cpu_list(list: &str) -> Option<Vec<usize>> {
    let mut cpus = Vec::new();
    for part in list.trim().split(',') {
        let (from, to) = part.split_once('-').unwrap_or((part, part));
        let (from, to): (usize, usize) = (from.trim().parse().ok()?, to.trim().parse().ok()?);
        if to < from || to - from > 1 << 16 {
            return None;
        }
        cpus.extend(from..=to);
    }
    Some(cpus)
}

/// From /proc/stat: the ticks `cpus` spent idle (idle and waiting for I/O) and in all since boot.
fn cpu_ticks(stat: &str, cpus: &[usize]) -> Option<(u64, u64)> {
    let (mut idle, mut total, mut found) = (0, 0, 0);
    for line in stat.lines() {
        let Some((name, rest)) = line.split_once(' ') else { continue };
        let Some(cpu) = name.strip_prefix("cpu").and_then(|n| n.parse::<usize>().ok()) else { continue };
        if !cpus.contains(&cpu) {
            continue;
        }
        let ticks: Vec<u64> = rest.split_whitespace().map(|t| t.parse().ok()).collect::<Option<_>>()?;
        if ticks.len() < 5 {
            return None;
        }
        // user, nice, system, idle, iowait, irq, softirq, steal; guest time is within user and nice.
        total += ticks.iter().take(8).sum::<u64>();
        idle += ticks[3] + ticks[4];
        found += 1;
    }
    (found > 0).then_some((idle, total))
}

/// "200000 100000" (cpu.max: quota and period in µs): 2 cores; "max 100000": no quota.
fn quota(max: &str) -> Option<f64> {
    let mut fields = max.split_whitespace();
    let quota: f64 = fields.next()?.parse().ok()?;
    let period: f64 = fields.next()?.parse().ok()?;
    (quota > 0.0 && period > 0.0).then(|| quota / period)
}

/// The CPU time a cgroup used, from its cpu.stat.
fn usage_usec(stat: &str) -> Option<u64> {
    stat.lines().find_map(|l| l.strip_prefix("usage_usec "))?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_cpus_allowed() {
        assert_eq!(cpu_list("0-3,8,10-11\n"), Some(vec![0, 1, 2, 3, 8, 10, 11]));
        assert_eq!(cpu_list("5"), Some(vec![5]));
        assert_eq!(cpu_list("3-1"), None);
        assert_eq!(cpu_list("x"), None);
    }

    #[test]
    fn sums_the_ticks_of_the_cpus_allowed() {
        let stat = "cpu  100 5 50 800 20 1 2 3 0 0\ncpu0 50 2 25 400 10 1 1 2 0 0\ncpu1 50 3 25 400 10 0 1 1 0 0\nintr 1\n";
        assert_eq!(cpu_ticks(stat, &[0, 1]), Some((820, 981)));
        assert_eq!(cpu_ticks(stat, &[1]), Some((410, 490)));
        assert_eq!(cpu_ticks(stat, &[7]), None);
        assert_eq!(cpu_ticks("cpu0 1 2 x 4 5", &[0]), None);
    }

    #[test]
    fn reads_a_cgroup_quota_and_usage() {
        assert_eq!(quota("200000 100000\n"), Some(2.0));
        assert_eq!(quota("max 100000"), None);
        assert_eq!(usage_usec("usage_usec 12345\nuser_usec 1\n"), Some(12345));
    }

    #[test]
    fn idle_time_becomes_idle_cores() {
        let at = Instant::now();
        let cpus = Gauge::Cpus(vec![0, 1]);
        let (before, now) = (Reading { at, idle: 100, total: 1000 }, Reading { at, idle: 150, total: 1100 });
        assert_eq!(idle_millicores(&cpus, &before, &now), Some(1000));
        let quota = Gauge::Quota { dir: PathBuf::new(), cores: 2.0 };
        let later = at + Duration::from_millis(200);
        let (before, now) = (Reading { at, idle: 0, total: 0 }, Reading { at: later, idle: 0, total: 300_000 });
        assert_eq!(idle_millicores(&quota, &before, &now), Some(500));
    }
}

//! What the system says about this process during a benchmark. Memory: the resident
//! set (`VmRSS`) and its peak (`VmHWM`) from `/proc/self/status`, read early in a long
//! workload and at its end; a run that leaks (a task, a timer, a wake left queued)
//! shows as an end far above the start over a million runs. CPU time, which unlike
//! wall time a loaded machine does not inflate: user + system seconds of every
//! thread from `/proc/self/stat`, and the calling thread's time on a core from its
//! CPU clock.

/// Resident and peak resident memory now, in KiB; `None` where `/proc` is missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rss {
    pub rss_kib: u64,
    pub peak_kib: u64,
}

impl Rss {
    pub fn now() -> Option<Rss> {
        parse(&std::fs::read_to_string("/proc/self/status").ok()?)
    }
}

/// The `VmRSS` and `VmHWM` lines of a `/proc/<pid>/status` text.
fn parse(status: &str) -> Option<Rss> {
    let field = |name: &str| {
        status.lines().find_map(|l| l.strip_prefix(name)?.trim().strip_suffix("kB")?.trim().parse::<u64>().ok())
    };
    Some(Rss { rss_kib: field("VmRSS:")?, peak_kib: field("VmHWM:")? })
}

/// Clock ticks per second of `/proc/<pid>/stat` (`USER_HZ`, 100 on every Linux ABI).
const TICKS_PER_SEC: f64 = 100.0;

/// CPU seconds (user + system) this process has used, over all its threads.
pub fn cpu_secs() -> Option<f64> {
    stat_cpu_secs(&std::fs::read_to_string("/proc/self/stat").ok()?)
}

/// Fields 14 and 15 (utime, stime) of a `/proc/<pid>/stat` line, in seconds. The
/// command name (field 2) may hold spaces, so counting starts after its `)`.
fn stat_cpu_secs(stat: &str) -> Option<f64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3.
    let ticks = |field: usize| fields.get(field - 3)?.parse::<u64>().ok();
    Some((ticks(14)? + ticks(15)?) as f64 / TICKS_PER_SEC)
}

/// Seconds the calling thread has run on a core, to the nanosecond:
/// `clock_gettime(CLOCK_THREAD_CPUTIME_ID)`, for which the kernel brings the running
/// thread's time up to date. `/proc/thread-self/schedstat`, read before, was only as
/// fresh as the last scheduler tick (1 to 4 ms): too coarse for a bench round of a
/// few milliseconds, whose ratio then swung from 0.5x to 7x.
#[cfg(unix)]
pub fn thread_cpu_secs() -> Option<f64> {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Some(t.tv_sec as f64 + t.tv_nsec as f64 / 1e9)
}

/// No thread CPU clock here: rates are per wall second.
#[cfg(not(unix))]
pub fn thread_cpu_secs() -> Option<f64> {
    None
}

/// `12.3 MiB` for a size in KiB.
pub fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_resident_and_peak_lines() {
        let status = "Name:\tlockstep\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\nThreads:\t3\n";
        assert_eq!(parse(status), Some(Rss { rss_kib: 10240, peak_kib: 20480 }));
        assert_eq!(parse("Name:\tx\n"), None);
        assert_eq!(mib(1536), "1.5 MiB");
    }

    #[test]
    fn reads_user_and_system_ticks_after_the_command_name() {
        let stat = "42 (lock step) R 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0";
        assert_eq!(stat_cpu_secs(stat), Some(3.0));
        assert_eq!(stat_cpu_secs("42 (x) R"), None);
    }
}

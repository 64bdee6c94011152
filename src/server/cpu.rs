//! CPU time a process has used, user and system together, as the operating system counts it
//! (`/proc/<pid>/stat` on Linux).

use std::time::Duration;

use procfs::process::Process;

/// The CPU time process `pid` has used so far; `None` where the system does not say.
pub fn of_process(pid: u32) -> Option<Duration> {
    used(Process::new(i32::try_from(pid).ok()?).ok()?)
}

/// The CPU time this process has used so far, every thread included.
pub fn of_this_process() -> Option<Duration> {
    used(Process::myself().ok()?)
}

fn used(process: Process) -> Option<Duration> {
    let stat = process.stat().ok()?;
    let ticks = stat.utime + stat.stime;
    let per_second = procfs::ticks_per_second();
    (per_second > 0).then(|| Duration::from_secs_f64(ticks as f64 / per_second as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_done_shows_in_this_process_time() {
        let before = of_this_process().expect("Linux says");
        let mut x = 0u64;
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_millis(300) {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
        }
        let after = of_this_process().expect("Linux says");
        assert!(after > before, "{before:?} then {after:?} ({x})");
        assert!(of_process(std::process::id()).is_some());
        assert_eq!(of_process(u32::MAX), None);
    }
}

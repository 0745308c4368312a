//! Who holds a lease: `host:pid:start`, where start is the process start time, so a reused pid is not mistaken
//! for the process that took the lease.
//!
//! A lease held by a process that is known to be dead (same host, and that pid is gone or started at another
//! time) is reclaimed at once; a lease from another host is reclaimed only when it expires.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    host: String,
    pid: u32,
    start: u64,
}

impl Owner {
    /// This process.
    pub fn current() -> Owner {
        let pid = std::process::id();
        Owner { host: hostname(), pid, start: start_time(pid).unwrap_or(0) }
    }

    pub fn parse(s: &str) -> Option<Owner> {
        let mut parts = s.rsplitn(3, ':');
        let start = parts.next()?.parse().ok()?;
        let pid = parts.next()?.parse().ok()?;
        let host = parts.next()?.to_string();
        Some(Owner { host, pid, start })
    }

    /// True when `owner` names a process on this host that no longer runs.
    pub fn is_dead(owner: &str) -> bool {
        let Some(owner) = Owner::parse(owner) else { return false };
        if owner.host != hostname() {
            return false;
        }
        match start_time(owner.pid) {
            Some(start) => owner.start != 0 && start != owner.start,
            None => !pid_exists(owner.pid),
        }
    }
}

impl fmt::Display for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.host, self.pid, self.start)
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

/// The start time of `pid` in clock ticks since boot (field 22 of `/proc/PID/stat`), on Linux.
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

fn pid_exists(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else { return false };
    // SAFETY: kill with signal 0 only checks whether the process exists; it sends nothing.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_judges_liveness() {
        let me = Owner::current();
        assert_eq!(Owner::parse(&me.to_string()), Some(me.clone()));
        assert!(!Owner::is_dead(&me.to_string()));
        let reused = Owner { start: me.start + 1, ..me.clone() };
        assert!(Owner::is_dead(&reused.to_string()));
        let elsewhere = Owner { host: "another-host".into(), ..reused };
        assert!(!Owner::is_dead(&elsewhere.to_string()));
        assert!(!Owner::is_dead("garbage"));
    }

    #[test]
    fn a_finished_child_is_dead() {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        let owner = Owner { host: hostname(), pid, start: start_time(pid).unwrap_or(1) };
        child.wait().unwrap();
        assert!(Owner::is_dead(&owner.to_string()));
    }
}

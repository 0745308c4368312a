//! Text and JSON renderings of what `reel status` and `reel productions` read.

use std::fmt::Write;

use crate::store::{Check, ProductionSummary, Status};

pub fn status(status: &Status) -> String {
    let mut out = String::new();
    if status.stages.is_empty() {
        out.push_str("no jobs\n");
        return out;
    }
    let mut current: Option<&Option<String>> = None;
    for s in &status.stages {
        if current != Some(&s.production) {
            current = Some(&s.production);
            let title = s.production.as_deref().map_or("library".to_string(), |p| format!("production {p}"));
            let _ = writeln!(out, "{title}");
            let _ = writeln!(
                out,
                "  {:<16} {:>8} {:>8} {:>8} {:>8} {:>8}",
                "stage", "pending", "running", "done", "failed", "skipped"
            );
        }
        let _ = writeln!(
            out,
            "  {:<16} {:>8} {:>8} {:>8} {:>8} {:>8}",
            s.stage, s.pending, s.running, s.done, s.failed, s.skipped
        );
    }
    let t = status.total();
    let _ = writeln!(
        out,
        "  {:<16} {:>8} {:>8} {:>8} {:>8} {:>8}",
        "total", t.pending, t.running, t.done, t.failed, t.skipped
    );
    if !status.running.is_empty() {
        out.push_str("\nrunning:\n");
        for r in &status.running {
            let left =
                r.lease_left_ms.map_or("no lease".to_string(), |ms| format!("lease {:.0} s left", ms as f64 / 1000.0));
            let _ = writeln!(
                out,
                "  {} held by {} ({left})",
                qualified(&r.production, &r.job),
                r.owner.as_deref().unwrap_or("?")
            );
        }
    }
    if !status.failures.is_empty() {
        out.push_str("\nfailures:\n");
        for f in &status.failures {
            let _ = writeln!(
                out,
                "  {} {} ({}, {} attempts): {}",
                f.state,
                qualified(&f.production, &f.job),
                f.kind,
                f.attempts,
                f.error.as_deref().unwrap_or("no message")
            );
        }
    }
    out
}

/// The brief's constraints as last checked, one line each; nothing when the production has no brief.
pub fn checks(checks: &[Check]) -> String {
    let mut out = String::new();
    if checks.is_empty() {
        return out;
    }
    let passed = checks.iter().filter(|c| c.ok).count();
    let _ = writeln!(out, "brief: {passed} of {} constraints met", checks.len());
    for c in checks {
        let _ = writeln!(out, "  {} {:<15} {}", if c.ok { "ok  " } else { "FAIL" }, c.name, c.detail);
    }
    out
}

pub fn productions(list: &[ProductionSummary]) -> String {
    if list.is_empty() {
        return "no productions yet\n".to_string();
    }
    let mut out = format!("{:<24} {:>6} {:>6} {:>7} {:>8}  {}\n", "name", "jobs", "done", "failed", "running", "title");
    for p in list {
        let _ = writeln!(
            out,
            "{:<24} {:>6} {:>6} {:>7} {:>8}  {}",
            p.name,
            p.jobs,
            p.done,
            p.failed,
            p.running,
            p.title.as_deref().unwrap_or("")
        );
    }
    out
}

fn qualified(production: &Option<String>, job: &str) -> String {
    match production {
        Some(p) => format!("{p}/{job}"),
        None => job.to_string(),
    }
}

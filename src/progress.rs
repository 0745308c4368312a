//! Progress reporting from library code. The library emits [`Event`]s to a [`Reporter`]; only the CLI knows how
//! to draw them (an indicatif bar on a terminal, plain lines otherwise).

use std::time::Duration;

/// How one job attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome<'a> {
    Done,
    Retry { message: &'a str, after: Duration },
    Failed { message: &'a str },
    Cancelled,
}

#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// Jobs were evaluated: `total` in scope, `done` already up to date.
    Plan {
        total: u64,
        done: u64,
    },
    /// A job found up to date without running (its key matched its recorded outputs).
    Fresh {
        job: &'a str,
    },
    Started {
        job: &'a str,
        kind: &'a str,
        attempt: u32,
    },
    /// Progress within a job, from 0 to 1, with a few words on where it is (may be empty).
    Progress {
        job: &'a str,
        fraction: f32,
        detail: &'a str,
    },
    Finished {
        job: &'a str,
        outcome: Outcome<'a>,
        elapsed: Duration,
    },
    /// Jobs skipped because a dependency failed.
    Skipped {
        count: u64,
    },
}

pub trait Reporter: Send + Sync {
    fn event(&self, event: Event<'_>);
}

/// Reports nothing.
pub struct Silent;

impl Reporter for Silent {
    fn event(&self, _: Event<'_>) {}
}

//! Drawing scheduler progress: an indicatif bar with rate and ETA when stderr is a terminal, plain lines
//! otherwise. The only module that knows indicatif.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::progress::{Event, Outcome, Reporter};

pub fn reporter(plain: bool) -> Box<dyn Reporter> {
    if !plain && std::io::stderr().is_terminal() { Box::new(Bar::new()) } else { Box::new(Lines::default()) }
}

/// A progress bar over the jobs of a run.
struct Bar {
    bar: ProgressBar,
}

impl Bar {
    fn new() -> Bar {
        let bar = ProgressBar::hidden();
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner:.green} [{elapsed_precise}] {wide_bar:.cyan/blue} {pos}/{len} jobs {per_sec} ETA {eta} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        Bar { bar }
    }
}

impl Reporter for Bar {
    fn event(&self, event: Event<'_>) {
        match event {
            Event::Plan { total, done } => {
                self.bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                self.bar.set_length(total);
                self.bar.set_position(done);
                self.bar.reset_eta();
                self.bar.enable_steady_tick(Duration::from_millis(200));
            }
            Event::Fresh { .. } => {
                if self.bar.length().is_some() {
                    self.bar.inc(1)
                }
            }
            Event::Started { job, .. } => self.bar.set_message(job.to_string()),
            Event::Progress { job, fraction, detail } => {
                self.bar.set_message(format!("{job} {:.0}% {detail}", fraction * 100.0))
            }
            Event::Finished { job, outcome, elapsed } => match outcome {
                Outcome::Done => self.bar.inc(1),
                Outcome::Failed { message } => {
                    self.bar.inc(1);
                    self.bar.println(format!("failed  {job} after {elapsed:.1?}: {message}"));
                }
                Outcome::Retry { message, after } => {
                    self.bar.println(format!("retry   {job} in {after:.1?}: {message}"))
                }
                Outcome::Cancelled => self.bar.println(format!("stopped {job}")),
            },
            Event::Skipped { count } => self.bar.inc(count),
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// One line per finished job, for logs and pipes, and a progress line every ten seconds from long jobs.
struct Lines {
    counts: Mutex<(u64, u64)>,
    last_detail: Mutex<std::time::Instant>,
}

impl Default for Lines {
    fn default() -> Lines {
        Lines { counts: Mutex::default(), last_detail: Mutex::new(std::time::Instant::now()) }
    }
}

impl Lines {
    fn line(&self, finished: bool, text: std::fmt::Arguments<'_>) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if finished {
            counts.0 += 1;
        }
        eprintln!("[{:>5}/{}] {text}", counts.0, counts.1);
    }
}

impl Reporter for Lines {
    fn event(&self, event: Event<'_>) {
        match event {
            Event::Plan { total, done } => {
                *self.counts.lock().unwrap_or_else(|e| e.into_inner()) = (done, total);
                eprintln!("{total} jobs, {done} already done");
            }
            Event::Progress { job, fraction, detail } if !detail.is_empty() => {
                let mut last = self.last_detail.lock().unwrap_or_else(|e| e.into_inner());
                if last.elapsed() >= std::time::Duration::from_secs(10) {
                    *last = std::time::Instant::now();
                    eprintln!("        {job} {:.0}% {detail}", fraction * 100.0);
                }
            }
            Event::Fresh { .. } | Event::Started { .. } | Event::Progress { .. } => {}
            Event::Finished { job, outcome, elapsed } => match outcome {
                Outcome::Done => self.line(true, format_args!("done    {job} ({elapsed:.1?})")),
                Outcome::Failed { message } => self.line(true, format_args!("failed  {job}: {message}")),
                Outcome::Retry { message, after } => {
                    self.line(false, format_args!("retry   {job} in {after:.1?}: {message}"))
                }
                Outcome::Cancelled => self.line(false, format_args!("stopped {job}")),
            },
            Event::Skipped { count } => {
                let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
                counts.0 += count;
                eprintln!("[{:>5}/{}] skipped {count} jobs whose dependencies failed", counts.0, counts.1);
            }
        }
    }
}

//! The learning-rate schedule: linear warmup to the peak, then cosine decay to 10% of the peak at the last step.
//! Without a step budget (a run bounded by minutes only) the rate stays at the peak after warmup, so that the
//! schedule never depends on wall-clock time and resume stays exact. Pure arithmetic; no tensors.

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    pub peak: f64,
    pub warmup: u64,
    pub total: Option<u64>,
}

pub const FINAL_FRACTION: f64 = 0.1;

/// A training run's budget: a number of steps, minutes of training (counted across resumes), or both (whichever
/// ends first).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    pub steps: Option<u64>,
    pub minutes: Option<f64>,
}

impl Budget {
    /// Whether a run at `step` after `elapsed` of training is done.
    pub fn spent(&self, step: u64, elapsed: std::time::Duration) -> bool {
        self.steps.is_some_and(|s| step >= s) || self.minutes.is_some_and(|m| elapsed.as_secs_f64() >= m * 60.0)
    }

    /// Time left at `secs_per_step`, by whichever budget ends first.
    pub fn eta(&self, step: u64, elapsed: std::time::Duration, secs_per_step: f64) -> Option<std::time::Duration> {
        let by_steps = self.steps.map(|s| s.saturating_sub(step) as f64 * secs_per_step);
        let by_time = self.minutes.map(|m| (m * 60.0 - elapsed.as_secs_f64()).max(0.0));
        let secs = match (by_steps, by_time) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b)?,
        };
        secs.is_finite().then(|| std::time::Duration::from_secs_f64(secs.max(0.0)))
    }
}

impl Schedule {
    /// The rate for the update made at `step` (0-based).
    pub fn lr(&self, step: u64) -> f64 {
        if step < self.warmup {
            return self.peak * (step + 1) as f64 / self.warmup as f64;
        }
        let Some(total) = self.total else { return self.peak };
        let span = total.saturating_sub(self.warmup).max(1) as f64;
        let progress = ((step - self.warmup) as f64 / span).min(1.0);
        let floor = self.peak * FINAL_FRACTION;
        floor + (self.peak - floor) * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(warmup: u64, total: Option<u64>, step: u64, expected: f64) {
        let lr = Schedule { peak: 1e-3, warmup, total }.lr(step);
        assert!((lr - expected).abs() < 1e-12, "warmup {warmup} total {total:?} step {step}: {lr} != {expected}");
    }

    #[test]
    fn warmup_then_cosine_to_a_tenth() {
        check(10, Some(110), 0, 1e-4);
        check(10, Some(110), 4, 5e-4);
        check(10, Some(110), 9, 1e-3);
        check(10, Some(110), 10, 1e-3);
        check(10, Some(110), 60, 1e-4 + 9e-4 * 0.5);
        check(10, Some(110), 110, 1e-4);
        check(10, Some(110), 500, 1e-4);
        check(0, Some(100), 0, 1e-3);
        check(10, None, 5000, 1e-3);
        check(10, Some(5), 7, 8e-4);
    }

    #[test]
    fn budget_ends_at_whichever_comes_first() {
        use std::time::Duration;
        let both = Budget { steps: Some(10), minutes: Some(1.0) };
        assert!(!both.spent(9, Duration::from_secs(59)));
        assert!(both.spent(10, Duration::from_secs(1)) && both.spent(1, Duration::from_secs(60)));
        assert_eq!(both.eta(5, Duration::from_secs(0), 2.0), Some(Duration::from_secs(10)));
        assert_eq!(both.eta(5, Duration::from_secs(55), 2.0), Some(Duration::from_secs(5)));
        assert_eq!(Budget { steps: None, minutes: None }.eta(5, Duration::ZERO, 1.0), None);
    }
}

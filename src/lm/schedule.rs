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
}

//! Fast f32 `exp`, `tanh` and `sigmoid` for the fused kernels: plain arithmetic with no library calls, so that the
//! compiler can vectorise the loops that use them (glibc's `tanhf`, called per element, was a fifth of GPT training
//! time). `exp` is a degree-6 polynomial on the reduced argument; relative error below 2e-7 over the range used.

/// e^x, saturating to 0 below −87 and to f32::MAX-ish above 88.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    let x = x.clamp(-87.0, 88.0);
    // x = n·ln2 + r, |r| ≤ ln2/2; e^x = 2^n · e^r.
    // Round to nearest by adding and removing 1.5·2²³ (no `roundf` call, which would stop vectorisation).
    const SHIFT: f32 = 12_582_912.0;
    let n = (x * std::f32::consts::LOG2_E + SHIFT) - SHIFT;
    let r = x - n * 0.693_145_75 - n * 1.428_606_8e-6;
    let p =
        1.0 + r * (1.0 + r * (0.5 + r * (0.166_666_67 + r * (0.041_666_42 + r * (0.008_333_452 + r * 0.001_388_731)))));
    p * f32::from_bits(((n as i32 + 127) as u32) << 23)
}

/// tanh(x) = 1 − 2/(e^{2x} + 1).
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    1.0 - 2.0 / (exp(2.0 * x) + 1.0)
}

/// 1/(1 + e^{−x}).
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_library_functions() {
        for i in -4000..=4000 {
            let x = i as f32 / 100.0;
            let rel = |a: f32, b: f32| (a - b).abs() / b.abs().max(1e-30);
            assert!(rel(exp(x), x.exp()) < 1e-6, "exp({x}) = {} vs {}", exp(x), x.exp());
            assert!((tanh(x) - x.tanh()).abs() < 1e-6, "tanh({x}) = {} vs {}", tanh(x), x.tanh());
            let s = 1.0 / (1.0 + (-x).exp());
            assert!((sigmoid(x) - s).abs() < 1e-6, "sigmoid({x})");
        }
        assert_eq!(exp(-200.0), exp(-87.0));
        assert!(exp(200.0).is_finite() && tanh(100.0) == 1.0 && tanh(-100.0) == -1.0);
    }
}

//! A safe face on the `gemm` crate's f32 matrix product (the one candle's CPU matmul uses) for the fused kernels:
//! row-major slices, optional transposes, overwrite or accumulate. It must not allocate.

use gemm::Parallelism;

/// Whether one product may spread over candle's thread pool or must stay on the calling thread (when the caller is
/// already parallel over independent products).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threads {
    One,
    All,
}

/// A row-major operand: `data` holds `rows × cols` of the matrix as stored; with `t` the operand is its transpose.
#[derive(Clone, Copy)]
pub struct Mat<'a> {
    pub data: &'a [f32],
    pub t: bool,
}

pub fn mat(data: &[f32]) -> Mat<'_> {
    Mat { data, t: false }
}

pub fn mat_t(data: &[f32]) -> Mat<'_> {
    Mat { data, t: true }
}

/// `c (m×n) = [c +] a (m×k) · b (k×n)`, accumulating into `c` when `accumulate`.
///
/// # Panics
/// When a slice is shorter than its shape says.
#[allow(clippy::too_many_arguments)]
pub fn matmul(c: &mut [f32], a: Mat, b: Mat, m: usize, n: usize, k: usize, accumulate: bool, threads: Threads) {
    assert!(c.len() >= m * n && a.data.len() >= m * k && b.data.len() >= k * n, "gemm: slice shorter than shape");
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            c[..m * n].fill(0.0);
        }
        return;
    }
    // (row stride, column stride) of the logical operand in its storage.
    let (a_rs, a_cs) = if a.t { (1, m as isize) } else { (k as isize, 1) };
    let (b_rs, b_cs) = if b.t { (1, k as isize) } else { (n as isize, 1) };
    let parallelism = match (threads, candle_core::utils::get_num_threads()) {
        (Threads::All, n) if n > 1 => Parallelism::Rayon(n),
        _ => Parallelism::None,
    };
    // SAFETY: the asserts above keep every index the strides produce inside the slices; `c` is exclusively borrowed.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.data.as_ptr(),
            a_cs,
            a_rs,
            b.data.as_ptr(),
            b_cs,
            b_rs,
            1.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f32], ta: bool, b: &[f32], tb: bool, m: usize, n: usize, k: usize) -> Vec<f32> {
        let at = |i: usize, p: usize| if ta { a[p * m + i] } else { a[i * k + p] };
        let bt = |p: usize, j: usize| if tb { b[j * k + p] } else { b[p * n + j] };
        (0..m).flat_map(|i| (0..n).map(move |j| (0..k).map(|p| at(i, p) * bt(p, j)).sum())).collect()
    }

    #[test]
    fn matches_a_naive_product_in_every_transpose() {
        let (m, n, k) = (5, 7, 3);
        let a: Vec<f32> = (0..m * k).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..k * n).map(|i| (i as f32 * 0.11).cos()).collect();
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let want = naive(&a, ta, &b, tb, m, n, k);
            let mut c = vec![1.0; m * n];
            matmul(&mut c, Mat { data: &a, t: ta }, Mat { data: &b, t: tb }, m, n, k, false, Threads::All);
            let mut acc = vec![1.0; m * n];
            matmul(&mut acc, Mat { data: &a, t: ta }, Mat { data: &b, t: tb }, m, n, k, true, Threads::One);
            for i in 0..m * n {
                assert!((c[i] - want[i]).abs() < 1e-5, "{ta} {tb} {i}: {} vs {}", c[i], want[i]);
                assert!((acc[i] - 1.0 - want[i]).abs() < 1e-5, "accumulate {ta} {tb} {i}");
            }
        }
    }
}

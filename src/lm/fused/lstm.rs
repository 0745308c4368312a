//! The LSTM recurrence of one layer as one op with its own backward pass (backprop through time).
//!
//! The input projection `x · W_ih + b` of the whole window is one large matmul done by the caller; this op takes
//! its result `xproj (T, B, 4H)` and the recurrent matrix `W_hh (H, 4H)` and runs the steps: per step one
//! `(B, H) · (H, 4H)` product and the gate arithmetic in a single pass. Gate columns are ordered input, forget,
//! output, candidate. The forward pass keeps the gate activations and cell states, so the backward pass is one
//! reverse sweep (one product per step) plus one `(H, T·B) · (T·B, 4H)` product for `∂W_hh`. The initial state is
//! a constant: no gradient flows into it.

use std::sync::{Arc, Mutex};

use candle_core::{CpuStorage, CustomOp2, Layout, Result, Shape, Tensor};

use super::gemm::{Threads, mat, mat_t, matmul};
use super::math::{sigmoid, tanh};
use super::{slice, tensor, with_data};

/// What the forward pass leaves for the backward pass and for the caller.
#[derive(Default)]
struct Saved {
    /// Activated gates `(T, B, 4H)`: σ(i), σ(f), σ(o), tanh(g).
    gates: Vec<f32>,
    /// Cell states `(T, B, H)`.
    cells: Vec<f32>,
}

struct Scan {
    /// `(B, H)` initial hidden and cell state.
    h0: Vec<f32>,
    c0: Vec<f32>,
    saved: Arc<Mutex<Saved>>,
}

impl CustomOp2 for Scan {
    fn name(&self) -> &'static str {
        "lstm-scan"
    }

    fn cpu_fwd(&self, s1: &CpuStorage, l1: &Layout, s2: &CpuStorage, l2: &Layout) -> Result<(CpuStorage, Shape)> {
        let (t, b, h4) = l1.shape().dims3()?;
        let h = h4 / 4;
        if l2.shape().dims2()? != (h, h4) || self.h0.len() != b * h || self.c0.len() != b * h {
            candle_core::bail!("lstm-scan: xproj {:?}, w_hh {:?}, state {}", l1.shape(), l2.shape(), self.h0.len());
        }
        let (xproj, w_hh) = (slice("lstm-scan", s1, l1)?, slice("lstm-scan", s2, l2)?);
        let mut gates = xproj.to_vec();
        let mut cells = vec![0f32; t * b * h];
        let mut hs = vec![0f32; t * b * h];
        let step = b * h;
        for s in 0..t {
            let (done_h, rest_h) = hs.split_at_mut(s * step);
            let (done_c, rest_c) = cells.split_at_mut(s * step);
            let (h_prev, c_prev) = if s == 0 {
                (&self.h0[..], &self.c0[..])
            } else {
                (&done_h[(s - 1) * step..], &done_c[(s - 1) * step..])
            };
            let (h_new, c_new) = (&mut rest_h[..step], &mut rest_c[..step]);
            let g = &mut gates[s * b * h4..(s + 1) * b * h4];
            matmul(g, mat(h_prev), mat(w_hh), b, h4, h, true, Threads::All);
            for r in 0..b {
                let row = &mut g[r * h4..(r + 1) * h4];
                for j in 0..h {
                    let (i, f, o) = (sigmoid(row[j]), sigmoid(row[h + j]), sigmoid(row[2 * h + j]));
                    let cand = tanh(row[3 * h + j]);
                    (row[j], row[h + j], row[2 * h + j], row[3 * h + j]) = (i, f, o, cand);
                    let c = f * c_prev[r * h + j] + i * cand;
                    c_new[r * h + j] = c;
                    h_new[r * h + j] = o * tanh(c);
                }
            }
        }
        *self.saved.lock().map_err(|_| candle_core::Error::Msg("lstm-scan: lock poisoned".into()))? =
            Saved { gates, cells };
        Ok((CpuStorage::F32(hs), Shape::from((t, b, h))))
    }

    fn bwd(
        &self,
        xproj: &Tensor,
        w_hh: &Tensor,
        hs: &Tensor,
        dhs: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let (t, b, h4) = xproj.dims3()?;
        let h = h4 / 4;
        let step = b * h;
        let saved = self.saved.lock().map_err(|_| candle_core::Error::Msg("lstm-scan: lock poisoned".into()))?;
        let (gates, cells) = (&saved.gates, &saved.cells);
        let mut dgates = vec![0f32; t * b * h4];
        with_data("lstm-scan", w_hh, |w_hh| {
            with_data("lstm-scan", dhs, |dhs| {
                let mut dh = vec![0f32; step];
                let mut dc = vec![0f32; step];
                for s in (0..t).rev() {
                    let c_prev = if s == 0 { &self.c0[..] } else { &cells[(s - 1) * step..s * step] };
                    let cell = &cells[s * step..(s + 1) * step];
                    let dg = &mut dgates[s * b * h4..(s + 1) * b * h4];
                    let g = &gates[s * b * h4..(s + 1) * b * h4];
                    for r in 0..b {
                        for j in 0..h {
                            let k = r * h + j;
                            let (i, f, o, cand) =
                                (g[r * h4 + j], g[r * h4 + h + j], g[r * h4 + 2 * h + j], g[r * h4 + 3 * h + j]);
                            let dh_k = dh[k] + dhs[s * step + k];
                            let tc = tanh(cell[k]);
                            let dc_k = dc[k] + dh_k * o * (1.0 - tc * tc);
                            dg[r * h4 + j] = dc_k * cand * i * (1.0 - i);
                            dg[r * h4 + h + j] = dc_k * c_prev[k] * f * (1.0 - f);
                            dg[r * h4 + 2 * h + j] = dh_k * tc * o * (1.0 - o);
                            dg[r * h4 + 3 * h + j] = dc_k * i * (1.0 - cand * cand);
                            dc[k] = dc_k * f;
                        }
                    }
                    // ∂h_{s-1} = ∂gates_s · W_hhᵀ
                    matmul(&mut dh, mat(dg), mat_t(w_hh), b, h, h4, false, Threads::All);
                }
                Ok(())
            })
        })?;
        // ∂W_hh = Σ_s h_{s-1}ᵀ · ∂gates_s, as one product over the window.
        let mut dw = vec![0f32; h * h4];
        with_data("lstm-scan", hs, |hs| {
            let mut prev = Vec::with_capacity(t * step);
            prev.extend_from_slice(&self.h0);
            prev.extend_from_slice(&hs[..(t - 1) * step]);
            matmul(&mut dw, mat_t(&prev), mat(&dgates), h, h4, t * b, false, Threads::All);
            Ok(())
        })?;
        Ok((Some(tensor(dgates, (t, b, h4))?), Some(tensor(dw, (h, h4))?)))
    }
}

/// Runs the recurrence over `xproj (T, B, 4H)` with `w_hh (H, 4H)` from the constant state `h0`, `c0` `(B, H)`.
/// Returns every step's hidden state `(T, B, H)` (differentiable in `xproj` and `w_hh`) and the last cell state
/// `(B, H)` (not differentiable; for decoding).
pub fn scan(xproj: &Tensor, w_hh: &Tensor, h0: &Tensor, c0: &Tensor) -> Result<(Tensor, Tensor)> {
    let (t, b, h4) = xproj.dims3()?;
    if t == 0 {
        candle_core::bail!("lstm-scan: empty window");
    }
    let read = |x: &Tensor| with_data("lstm-scan", &x.detach(), |d| Ok(d.to_vec()));
    let saved = Arc::new(Mutex::new(Saved::default()));
    let op = Scan { h0: read(h0)?, c0: read(c0)?, saved: saved.clone() };
    let hs = xproj.contiguous()?.apply_op2(&w_hh.contiguous()?, op)?;
    let h = h4 / 4;
    let last = {
        let saved = saved.lock().map_err(|_| candle_core::Error::Msg("lstm-scan: lock poisoned".into()))?;
        saved.cells[(t - 1) * b * h..].to_vec()
    };
    Ok((hs, tensor(last, (b, h))?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lm::fused::gradcheck::{check, random};

    #[test]
    fn gradients_match_finite_differences() {
        let (t, b, h) = (4, 2, 3);
        let xproj = (random(&[t, b, 4 * h], 1) * 1.5).unwrap();
        let w_hh = (random(&[h, 4 * h], 2) * 0.8).unwrap();
        let (h0, c0) = ((random(&[b, h], 3) * 0.5).unwrap(), (random(&[b, h], 4) * 0.5).unwrap());
        check("lstm-scan", &|xs| Ok(scan(&xs[0], &xs[1], &h0, &c0)?.0), &[xproj, w_hh], 1e-2, 1e-2);
    }
}

//! Fused CPU kernels with hand-written backward passes, for the ops that dominate training time when they are
//! composed from many small candle ops: the LSTM recurrence ([`lstm`]), causal self-attention ([`attention`]),
//! LayerNorm ([`layer_norm`]) and GELU ([`gelu`]). Each is a candle `CustomOp` whose `bwd` computes its gradients
//! in one pass, so autograd sees one node instead of dozens and allocates a handful of buffers instead of one per
//! op and step. [`gemm`] is their matrix product.
//!
//! They run on the CPU only. [`enabled`] says whether a tensor can take the fused path; on any other device the
//! models fall back to the plain differentiable candle composition, which is also the reference the tests compare
//! values and gradients against (besides finite differences). This module must not know about models or files.

pub mod attention;
pub mod cross_entropy;
pub mod gelu;
pub mod gemm;
pub mod layer_norm;
pub mod linear;
pub mod lstm;
pub mod math;

#[cfg(test)]
pub(crate) mod gradcheck;

use candle_core::{CpuStorage, DType, Layout, Result, Storage, Tensor};

/// Whether `t` can go through the fused kernels: f32 on the CPU.
pub fn enabled(t: &Tensor) -> bool {
    t.device().is_cpu() && t.dtype() == DType::F32
}

/// The contiguous f32 slice behind a CPU storage and layout, or an error naming `op`.
fn slice<'a>(op: &str, s: &'a CpuStorage, l: &Layout) -> Result<&'a [f32]> {
    let CpuStorage::F32(data) = s else { candle_core::bail!("{op}: expected f32 input") };
    match l.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => candle_core::bail!("{op}: input must be contiguous"),
    }
}

/// Runs `f` on the contiguous f32 data of a CPU tensor (made contiguous first if needed), without copying it.
fn with_data<R>(op: &str, t: &Tensor, f: impl FnOnce(&[f32]) -> Result<R>) -> Result<R> {
    let t = t.contiguous()?;
    let (storage, layout) = t.storage_and_layout();
    match &*storage {
        Storage::Cpu(s) => f(slice(op, s, layout)?),
        _ => candle_core::bail!("{op}: the fused kernels run on the CPU only"),
    }
}

/// A new f32 tensor of `shape` on the CPU from `data`.
fn tensor(data: Vec<f32>, shape: impl Into<candle_core::Shape>) -> Result<Tensor> {
    Tensor::from_vec(data, shape, &candle_core::Device::Cpu)
}

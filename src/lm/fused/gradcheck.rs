//! Test support for the fused ops: gradients against central finite differences, and values and gradients against
//! a reference built from plain candle ops.

use candle_core::{Device, Result, Tensor, Var};

use crate::lm::rng::Rng;

/// Uniform values in ±1 from `seed`, as a tensor of `shape`.
pub fn random(shape: &[usize], seed: u64) -> Tensor {
    let mut rng = Rng::new(seed);
    let n = shape.iter().product();
    let data: Vec<f32> = (0..n).map(|_| rng.next_f32() * 2.0 - 1.0).collect();
    Tensor::from_vec(data, shape, &Device::Cpu).unwrap()
}

/// `Σ f(inputs) ⊙ r` for a fixed random `r`, so that every output element weighs differently in the loss.
fn weighted(f: &dyn Fn(&[Tensor]) -> Result<Tensor>, inputs: &[Tensor]) -> Result<Tensor> {
    let out = f(inputs)?;
    let r = random(out.dims(), 99);
    (out * r)?.sum_all()
}

/// The gradients of the weighted loss with respect to each input.
pub fn grads(f: &dyn Fn(&[Tensor]) -> Result<Tensor>, inputs: &[Tensor]) -> Vec<Tensor> {
    let vars: Vec<Var> = inputs.iter().map(|t| Var::from_tensor(t).unwrap()).collect();
    let tensors: Vec<Tensor> = vars.iter().map(|v| v.as_tensor().clone()).collect();
    let g = weighted(f, &tensors).unwrap().backward().unwrap();
    vars.iter().map(|v| g.get(v).expect("input got no gradient").clone()).collect()
}

/// Checks the analytic gradient of every input element against `(L(x+ε) − L(x−ε)) / 2ε`, with the loss summed in
/// f64. Fails when `|numeric − analytic| > tol · (1 + |analytic|)` anywhere.
pub fn check(name: &str, f: &dyn Fn(&[Tensor]) -> Result<Tensor>, inputs: &[Tensor], eps: f32, tol: f32) {
    let analytic = grads(f, inputs);
    let loss = |xs: &[Tensor]| -> f64 {
        let out = f(xs).unwrap();
        let r = random(out.dims(), 99);
        let (o, r) =
            (out.flatten_all().unwrap().to_vec1::<f32>().unwrap(), r.flatten_all().unwrap().to_vec1::<f32>().unwrap());
        o.iter().zip(&r).map(|(a, b)| *a as f64 * *b as f64).sum()
    };
    for (i, input) in inputs.iter().enumerate() {
        let base = input.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let ana = analytic[i].flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let mut worst = 0f32;
        for j in 0..base.len() {
            let at = |delta: f32| {
                let mut v = base.clone();
                v[j] += delta;
                let mut xs = inputs.to_vec();
                xs[i] = Tensor::from_vec(v, input.shape(), &Device::Cpu).unwrap();
                loss(&xs)
            };
            let numeric = ((at(eps) - at(-eps)) / (2.0 * eps as f64)) as f32;
            let err = (numeric - ana[j]).abs() / (1.0 + ana[j].abs());
            assert!(err <= tol, "{name}: input {i} element {j}: numeric {numeric} vs analytic {}", ana[j]);
            worst = worst.max(err);
        }
        println!("{name}: input {i}: {} elements, worst relative error {worst:.2e}", base.len());
    }
}

/// Checks that `fused` and `reference` agree in value and in every input's gradient to `tol` (max abs difference).
pub fn same(
    name: &str,
    fused: &dyn Fn(&[Tensor]) -> Result<Tensor>,
    reference: &dyn Fn(&[Tensor]) -> Result<Tensor>,
    inputs: &[Tensor],
    tol: f32,
) {
    let diff = |a: &Tensor, b: &Tensor| -> f32 {
        (a - b).unwrap().abs().unwrap().flatten_all().unwrap().max(0).unwrap().to_scalar::<f32>().unwrap()
    };
    let (a, b) = (fused(inputs).unwrap(), reference(inputs).unwrap());
    assert_eq!(a.dims(), b.dims(), "{name}: shapes");
    let d = diff(&a, &b);
    assert!(d <= tol, "{name}: values differ by {d}");
    for (i, (ga, gb)) in grads(fused, inputs).iter().zip(grads(reference, inputs)).enumerate() {
        let d = diff(ga, &gb);
        assert!(d <= tol, "{name}: gradient of input {i} differs by {d}");
    }
}

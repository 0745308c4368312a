//! Square RGB crops ↔ the model's tensors: `RgbImage` (8-bit, row-major RGB) ↔ planar `(3, res, res)` f32 in
//! `[0, 1]`, and batches of them. It must not resize, augment or know about models.

use candle_core::{Device, Result, Tensor};
use image::RgbImage;

/// A crop as planar f32: all of R, then G, then B, each row-major.
pub fn to_planar(img: &RgbImage) -> Vec<f32> {
    let n = (img.width() * img.height()) as usize;
    let mut out = vec![0f32; 3 * n];
    for (i, px) in img.pixels().enumerate() {
        for c in 0..3 {
            out[c * n + i] = f32::from(px[c]) / 255.0;
        }
    }
    out
}

/// Stacks planar crops of side `res` into a `(n, 3, res, res)` tensor.
pub fn batch(planar: &[Vec<f32>], res: usize, dev: &Device) -> Result<Tensor> {
    let data: Vec<f32> = planar.iter().flatten().copied().collect();
    Tensor::from_vec(data, (planar.len(), 3, res, res), dev)
}

/// A `(n, 3, res, res)` tensor in `[0, 1]` back to `n` images (values clamped, rounded).
pub fn images(t: &Tensor) -> Result<Vec<RgbImage>> {
    let (n, c, h, w) = t.dims4()?;
    if c != 3 {
        candle_core::bail!("expected 3 channels, got {c}");
    }
    let data = t.to_device(&Device::Cpu)?.flatten_all()?.to_vec1::<f32>()?;
    let plane = h * w;
    Ok((0..n)
        .map(|k| {
            let base = k * 3 * plane;
            RgbImage::from_fn(w as u32, h as u32, |x, y| {
                let i = y as usize * w + x as usize;
                let v = |ch: usize| (data[base + ch * plane + i].clamp(0.0, 1.0) * 255.0).round() as u8;
                image::Rgb([v(0), v(1), v(2)])
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_a_tensor() {
        let img = RgbImage::from_fn(4, 4, |x, y| image::Rgb([(x * 60) as u8, (y * 60) as u8, 200]));
        let planar = to_planar(&img);
        assert_eq!(planar[1], 60.0 / 255.0);
        assert_eq!(planar[16 + 4], 60.0 / 255.0);
        let t = batch(&[planar.clone(), planar], 4, &Device::Cpu).unwrap();
        assert_eq!(t.dims(), &[2, 3, 4, 4]);
        let back = images(&t).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[1], img);
    }
}

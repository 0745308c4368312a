//! The training objectives: reconstruction (L1 + (1 − SSIM)) and the least-squares GAN losses (LSGAN, Mao et al.
//! 2017) on PatchGAN logits. LSGAN rather than the log loss: its gradients do not vanish when the discriminator wins,
//! and it needs no sigmoid or log (only `sqr` and `mean`, which have backward passes). It must not know about
//! optimizers or files.

use candle_core::{Result, Tensor};

use super::ssim::Ssim;

/// `mean |x − y| + (1 − SSIM(x, y))`, a scalar tensor.
pub fn reconstruction(ssim: &Ssim, output: &Tensor, target: &Tensor) -> Result<Tensor> {
    let l1 = (output - target)?.abs()?.mean_all()?;
    let dssim = ssim.mean(output, target)?.affine(-1.0, 1.0)?;
    l1 + dssim
}

/// The generator's adversarial loss: `mean (D(fake) − 1)²`, small when the discriminator takes fakes for real.
pub fn generator(fake_logits: &Tensor) -> Result<Tensor> {
    fake_logits.affine(1.0, -1.0)?.sqr()?.mean_all()
}

/// The discriminator's loss: `½ mean (D(real) − 1)² + ½ mean D(fake)²`.
pub fn discriminator(real_logits: &Tensor, fake_logits: &Tensor) -> Result<Tensor> {
    let real = real_logits.affine(1.0, -1.0)?.sqr()?.mean_all()?;
    let fake = fake_logits.sqr()?.mean_all()?;
    (real + fake)? * 0.5
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::device;

    fn scalar(t: Tensor) -> f32 {
        t.to_scalar::<f32>().unwrap()
    }

    #[test]
    fn losses_take_their_textbook_values() {
        let dev = device();
        let ones = Tensor::ones((2, 1, 4, 4), candle_core::DType::F32, &dev).unwrap();
        let zeros = ones.zeros_like().unwrap();
        assert_eq!(scalar(generator(&ones).unwrap()), 0.0);
        assert_eq!(scalar(generator(&zeros).unwrap()), 1.0);
        assert_eq!(scalar(discriminator(&ones, &zeros).unwrap()), 0.0);
        assert_eq!(scalar(discriminator(&zeros, &ones).unwrap()), 1.0);

        let ssim = Ssim::new(16, 16, &dev).unwrap();
        let x = Tensor::rand(0f32, 1.0, (1, 3, 16, 16), &dev).unwrap();
        assert!(scalar(reconstruction(&ssim, &x, &x).unwrap()).abs() < 1e-5);
        let shifted = (&x * 0.5).unwrap();
        assert!(scalar(reconstruction(&ssim, &shifted, &x).unwrap()) > 0.2);
    }
}

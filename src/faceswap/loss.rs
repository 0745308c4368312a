//! The training objectives: reconstruction (L1 + (1 − SSIM), optionally weighted toward the face) and the
//! least-squares GAN losses (LSGAN, Mao et al. 2017) on PatchGAN logits. LSGAN rather than the log loss: its
//! gradients do not vanish when the discriminator wins, and it needs no sigmoid or log (only `sqr` and `mean`, which
//! have backward passes). It must not know about optimizers or files.

use candle_core::{Device, Result, Tensor};

use super::detail::DetailWeights;
use super::face_weights::FaceWeights;
use super::ssim::Ssim;

/// The reconstruction loss `mean w·|x − y| + (1 − mean w·SSIM(x, y))` over a crop, with per-pixel weights `w` of
/// mean 1. Uniform weights are the plain loss. [`Reconstruction::new`] can weight the pixels the swap will show
/// (the film keeps only what the blend mask lets through, so capacity spent on the crop's background is lost to it;
/// DeepFaceLab trains on masked faces for the same reason), and the face's detail ([`DetailWeights`]: eyes, brows,
/// mouth, in place of DeepFaceLab's landmark-masked eyes and mouth priority). The two multiply.
pub struct Reconstruction {
    ssim: Ssim,
    /// `None` for uniform weights.
    weights: Option<FaceWeights>,
    /// `None` without a detail weight.
    detail: Option<DetailWeights>,
}

impl Reconstruction {
    /// Pixel weights `1 + face_weight · alpha`, with `alpha` the swap's default blend mask ([`FaceWeights`]), times
    /// the target's detail weights of strength `detail_weight`: 0 and 0 give the uniform loss.
    pub fn new(res: usize, face_weight: f64, detail_weight: f64, dev: &Device) -> Result<Reconstruction> {
        let weights =
            if face_weight == 0.0 { None } else { Some(FaceWeights::new(res, 1.0, face_weight as f32, dev)?) };
        let detail = if detail_weight == 0.0 { None } else { Some(DetailWeights::new(res, detail_weight, dev)?) };
        Ok(Reconstruction { ssim: Ssim::new(res, res, dev)?, weights, detail })
    }

    /// The loss of `output` against `target`, both `(b, 3, res, res)`: a scalar tensor.
    pub fn loss(&self, output: &Tensor, target: &Tensor) -> Result<Tensor> {
        let diff = (output - target)?.abs()?;
        let map = self.ssim.map(output, target)?;
        let weighted = |x: Tensor, w: Option<&Tensor>| match w {
            None => Ok(x),
            Some(w) => x.broadcast_mul(w),
        };
        let detail = self.detail.as_ref().map(|d| d.weights(target)).transpose()?;
        let (diff, map) = (
            weighted(diff, self.weights.as_ref().map(|w| &w.full))?,
            weighted(map, self.weights.as_ref().map(|w| &w.valid))?,
        );
        let (diff, map) =
            (weighted(diff, detail.as_ref().map(|d| &d.full))?, weighted(map, detail.as_ref().map(|d| &d.valid))?);
        diff.mean_all()? + map.mean_all()?.affine(-1.0, 1.0)?
    }

    pub fn ssim(&self) -> &Ssim {
        &self.ssim
    }
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

        let rec = Reconstruction::new(16, 0.0, 0.0, &dev).unwrap();
        let x = Tensor::rand(0f32, 1.0, (1, 3, 16, 16), &dev).unwrap();
        assert!(scalar(rec.loss(&x, &x).unwrap()).abs() < 1e-5);
        let shifted = (&x * 0.5).unwrap();
        assert!(scalar(rec.loss(&shifted, &x).unwrap()) > 0.2);
    }

    /// An error at the crop's border costs less with the face weighted, and one at its centre more; without a face
    /// weight the loss is the uniform one.
    #[test]
    fn the_face_weight_moves_the_loss_toward_the_centre() {
        let dev = device();
        let res = 32;
        let x = Tensor::rand(0.3f32, 0.7, (1, 3, res, res), &dev).unwrap();
        // Noise on a 6-pixel frame at the border, or on the middle 8×8.
        let region = |centre: bool| {
            let m: Vec<f32> = (0..res * res)
                .map(|i| {
                    let (r, c) = (i / res, i % res);
                    let border = r < 6 || c < 6 || r >= res - 6 || c >= res - 6;
                    let middle = (12..20).contains(&r) && (12..20).contains(&c);
                    f32::from(if centre { middle } else { border })
                })
                .collect();
            Tensor::from_vec(m, (1, 1, res, res), &dev).unwrap()
        };
        let noise = Tensor::rand(-0.3f32, 0.3, (1, 3, res, res), &dev).unwrap();
        let spoil = |centre| (&x + noise.broadcast_mul(&region(centre)).unwrap()).unwrap();
        let (uniform, face) =
            (Reconstruction::new(res, 0.0, 0.0, &dev).unwrap(), Reconstruction::new(res, 8.0, 0.0, &dev).unwrap());
        let off = Reconstruction::new(res, 0.0, 0.0, &dev).unwrap();
        let (border, centre) = (spoil(false), spoil(true));
        let l = |r: &Reconstruction, y: &Tensor| scalar(r.loss(y, &x).unwrap());
        assert!(l(&face, &border) < 0.5 * l(&uniform, &border), "{} vs {}", l(&face, &border), l(&uniform, &border));
        assert!(l(&face, &centre) > 1.5 * l(&uniform, &centre), "{} vs {}", l(&face, &centre), l(&uniform, &centre));
        assert_eq!(l(&off, &centre), l(&uniform, &centre));
        assert!(l(&face, &x).abs() < 1e-5);
    }

    /// With a detail weight, an error over a dark feature near the centre (an eye) costs more than without, and the
    /// same error on a flat patch of skin costs less.
    #[test]
    fn the_detail_weight_moves_the_loss_toward_the_features() {
        let dev = device();
        let res = 32;
        let inside =
            |r: usize, c: usize, (r0, c0): (usize, usize)| (r0..r0 + 4).contains(&r) && (c0..c0 + 4).contains(&c);
        let plane = |f: &dyn Fn(usize, usize) -> f32| {
            let v: Vec<f32> = (0..3 * res * res).map(|i| f((i % (res * res)) / res, i % res)).collect();
            Tensor::from_vec(v, (1, 3, res, res), &dev).unwrap()
        };
        let eye = (12, 10);
        let target = plane(&|r, c| if inside(r, c, eye) { 0.1 } else { 0.6 });
        // The same change of 0.2 over the eye, or over a 4×4 patch of flat skin.
        let spoil =
            |at| plane(&|r, c| if inside(r, c, eye) { 0.1 } else { 0.6 } + if inside(r, c, at) { 0.2 } else { 0.0 });
        let (uniform, detail) =
            (Reconstruction::new(res, 0.0, 0.0, &dev).unwrap(), Reconstruction::new(res, 0.0, 8.0, &dev).unwrap());
        let l = |r: &Reconstruction, y: &Tensor| scalar(r.loss(y, &target).unwrap());
        let (on_eye, on_skin) = (spoil(eye), spoil((20, 20)));
        assert!(
            l(&detail, &on_eye) > 1.5 * l(&uniform, &on_eye),
            "{} vs {}",
            l(&detail, &on_eye),
            l(&uniform, &on_eye)
        );
        assert!(l(&detail, &on_skin) < l(&uniform, &on_skin), "{} vs {}", l(&detail, &on_skin), l(&uniform, &on_skin));
        assert!(l(&detail, &target).abs() < 1e-5);
    }
}

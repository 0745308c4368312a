//! Sharpness of a picture as the variance of its Laplacian (the 4-neighbour kernel on BT.601 luma, 0–255 scale): a
//! blurred face has little high-frequency energy and a low score. Used to show what the adversarial loss adds to
//! reconstructions. It must not know about models.

use image::RgbImage;

/// Variance of the Laplacian of `img`'s luma over its interior pixels (0 for a picture under 3×3).
pub fn laplacian_variance(img: &RgbImage) -> f64 {
    let (w, h) = (img.width() as usize, img.height() as usize);
    if w < 3 || h < 3 {
        return 0.0;
    }
    let luma: Vec<f64> =
        img.pixels().map(|p| 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2])).collect();
    let mut values = Vec::with_capacity((w - 2) * (h - 2));
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let i = y * w + x;
            values.push(luma[i - 1] + luma[i + 1] + luma[i - w] + luma[i + w] - 4.0 * luma[i]);
        }
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64
}

/// Mean [`laplacian_variance`] of a set of pictures (0 for none).
pub fn mean_laplacian_variance(imgs: &[RgbImage]) -> f64 {
    if imgs.is_empty() {
        return 0.0;
    }
    imgs.iter().map(laplacian_variance).sum::<f64>() / imgs.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_is_zero_and_blur_lowers_it() {
        assert_eq!(laplacian_variance(&RgbImage::from_pixel(16, 16, image::Rgb([90, 90, 90]))), 0.0);
        let checker = RgbImage::from_fn(32, 32, |x, y| {
            let v = if (x / 2 + y / 2) % 2 == 0 { 230 } else { 20 };
            image::Rgb([v, v, v])
        });
        let blurred = image::imageops::blur(&checker, 1.5);
        let (sharp, soft) = (laplacian_variance(&checker), laplacian_variance(&blurred));
        assert!(sharp > 4.0 * soft && soft > 0.0, "sharp {sharp}, blurred {soft}");
        assert_eq!(mean_laplacian_variance(&[]), 0.0);
    }
}

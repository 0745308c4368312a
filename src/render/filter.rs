//! Picture filters: a hook through which a caller changes each conformed frame of a shot before it is encoded, as
//! the face swap does. The renderer hands the filter an RGB picture at the production's frame size and converts it
//! back; the filter knows nothing of FFmpeg, and the renderer nothing of what the filter does.

use ffmpeg::format::Pixel;
use ffmpeg::software::scaling;
use ffmpeg_next as ffmpeg;
use image::RgbImage;

/// Changes the pictures of one shot, in order.
pub trait FrameFilter {
    /// Changes `picture`, output frame `frame` of the shot, shown `time_s` seconds into the source.
    fn apply(&mut self, frame: u64, time_s: f64, picture: &mut RgbImage) -> Result<(), String>;
}

/// yuv420p ⇄ RGB24 at one frame size, with the scalers kept between frames.
pub struct RgbBridge {
    to_rgb: scaling::Context,
    to_yuv: scaling::Context,
    width: u32,
    height: u32,
}

impl RgbBridge {
    pub fn new(width: u32, height: u32) -> Result<Self, ffmpeg::Error> {
        let flags = scaling::Flags::BICUBIC | scaling::Flags::ACCURATE_RND | scaling::Flags::FULL_CHR_H_INT;
        let to_rgb = scaling::Context::get(Pixel::YUV420P, width, height, Pixel::RGB24, width, height, flags)?;
        let to_yuv = scaling::Context::get(Pixel::RGB24, width, height, Pixel::YUV420P, width, height, flags)?;
        Ok(RgbBridge { to_rgb, to_yuv, width, height })
    }

    /// Runs `filter` on a yuv420p frame of the bridge's size, in place.
    pub fn filter(
        &mut self,
        frame: &mut ffmpeg::frame::Video,
        index: u64,
        time_s: f64,
        filter: &mut dyn FrameFilter,
    ) -> Result<(), String> {
        let mut rgb = ffmpeg::frame::Video::empty();
        self.to_rgb.run(frame, &mut rgb).map_err(|e| e.to_string())?;
        let row = self.width as usize * 3;
        let stride = rgb.stride(0);
        let mut pixels = Vec::with_capacity(row * self.height as usize);
        for y in 0..self.height as usize {
            pixels.extend_from_slice(&rgb.data(0)[y * stride..y * stride + row]);
        }
        let mut picture = RgbImage::from_raw(self.width, self.height, pixels).ok_or("frame has the wrong size")?;
        filter.apply(index, time_s, &mut picture)?;
        let stride = rgb.stride(0);
        let data = rgb.data_mut(0);
        for (y, line) in picture.as_raw().chunks_exact(row).enumerate() {
            data[y * stride..y * stride + row].copy_from_slice(line);
        }
        let mut yuv = ffmpeg::frame::Video::empty();
        self.to_yuv.run(&rgb, &mut yuv).map_err(|e| e.to_string())?;
        *frame = yuv;
        Ok(())
    }
}

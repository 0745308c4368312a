//! The one place that decides where candle tensors live: the first CUDA GPU when reel is built with the `cuda`
//! feature and one is present, else the CPU (the default, and the only device reel is tested on). Model code asks
//! here instead of naming a device; it must not pick one itself.

use candle_core::Device;

/// The device models train and run on. Candle's CPU kernels already use every core.
pub fn device() -> Device {
    #[cfg(feature = "cuda")]
    if let Ok(gpu) = Device::new_cuda(0) {
        return gpu;
    }
    Device::Cpu
}

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

/// Keeps candle's element-wise ops on the calling thread unless `CANDLE_NUM_THREADS` says otherwise. Candle spreads
/// element-wise ops over a pool whose threads *spin* while they wait; on a 2-core machine that is also running
/// anything else (another job, a build, the tests' own threads) the spinning thread steals the core its partner
/// needs, and a 64-px face-swap training step took 3 s instead of 0.9 s (measured). Matrix products keep every core
/// (they use rayon, sized by `RAYON_NUM_THREADS`). Call once at process start, before any other thread exists.
pub fn configure_threads() {
    if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        // SAFETY: called from `main` before the async runtime or any other thread starts, so no thread can be
        // reading the environment concurrently.
        unsafe { std::env::set_var("CANDLE_NUM_THREADS", "1") };
    }
}

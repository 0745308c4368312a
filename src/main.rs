//! The `reel` binary: everything lives in the library; this only hands over the product's job handlers.

use std::process::ExitCode;

// candle allocates fresh memory for every tensor op; mimalloc makes training about a quarter faster.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    reel::cli::main(reel::stages::registry())
}

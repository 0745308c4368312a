//! The `reel` binary: everything lives in the library; this only hands over the product's job handlers.

use std::process::ExitCode;

fn main() -> ExitCode {
    reel::cli::main(reel::stages::registry())
}

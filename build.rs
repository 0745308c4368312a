//! Build-time facts for the crate. Migrations: rebuild when one changes. Faces: locate the SeetaFace frontal model
//! that ships inside the `rustface` crate package and hand its absolute path to the compiler as `REEL_SEETA_MODEL`,
//! so `src/faces/mod.rs` can `include_bytes!` it. Nothing is downloaded.
//!
//! A build script cannot see another package's directory. It looks where cargo unpacks crates.io packages, and
//! failing that asks cargo itself (`cargo metadata --offline --locked`), which finds a vendored, git or path copy.
//! Setting `REEL_SEETA_MODEL` to a file path skips the lookup.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const MODEL_FILE: &str = "model/seeta_fd_frontal_v1.0.bin";
/// The package folder of the rustface version in Cargo.lock.
const RUSTFACE: &str = "rustface-0.1.7";
/// Size in bytes of the model shipped with rustface 0.1.7 (sha256 c4619d06…3ff5d).
const MODEL_LEN: u64 = 1_209_904;

fn main() {
    // Rebuild when a migration is added or changed, so `sqlx::migrate!` never embeds a stale set.
    println!("cargo::rerun-if-changed=migrations");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=REEL_SEETA_MODEL");
    let path = match env::var_os("REEL_SEETA_MODEL") {
        Some(path) => PathBuf::from(path),
        None => match in_cargo_registry() {
            Some(path) => path,
            None => locate_in_rustface().unwrap_or_else(|why| fail(&why)),
        },
    };
    match path.metadata() {
        Ok(meta) if meta.len() == MODEL_LEN => {}
        Ok(meta) => fail(&format!("{} is {} bytes, expected {MODEL_LEN}", path.display(), meta.len())),
        Err(err) => fail(&format!("cannot read {}: {err}", path.display())),
    }
    println!("cargo::rerun-if-changed={}", path.display());
    println!("cargo::rustc-env=REEL_SEETA_MODEL={}", path.display());
}

/// The model in the package cargo unpacked from crates.io: `$CARGO_HOME/registry/src/<index>/rustface-0.1.7/`.
/// This is where it is on every ordinary build, and looking needs no cargo call.
fn in_cargo_registry() -> Option<PathBuf> {
    let home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))?;
    let indexes = std::fs::read_dir(home.join("registry").join("src")).ok()?;
    indexes
        .filter_map(Result::ok)
        .map(|index| index.path().join(RUSTFACE).join(MODEL_FILE))
        .find(|model| model.is_file())
}

/// Asks cargo where the resolved `rustface` package lives (a vendored or git copy, say) and returns its model file.
/// Only packages for the target platform are resolved, since `--offline` cannot fetch the others.
fn locate_in_rustface() -> Result<PathBuf, String> {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest_dir = env::var_os("CARGO_MANIFEST_DIR").ok_or("CARGO_MANIFEST_DIR is not set")?;
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline", "--locked", "--filter-platform"])
        .arg(env::var("TARGET").map_err(|_| "TARGET is not set")?)
        .arg("--manifest-path")
        .arg(Path::new(&manifest_dir).join("Cargo.toml"))
        .output()
        .map_err(|err| format!("cannot run cargo metadata: {err}"))?;
    if !output.status.success() {
        return Err(format!("cargo metadata failed: {}", String::from_utf8_lossy(&output.stderr)));
    }
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).map_err(|err| format!("cargo metadata output: {err}"))?;
    let packages = metadata["packages"].as_array().ok_or("cargo metadata output has no packages")?;
    packages
        .iter()
        .filter(|package| package["name"] == "rustface")
        .filter_map(|package| package["manifest_path"].as_str())
        .filter_map(|manifest| Path::new(manifest).parent().map(|dir| dir.join(MODEL_FILE)))
        .find(|model| model.is_file())
        .ok_or_else(|| format!("no rustface package with {MODEL_FILE} in the dependency graph"))
}

fn fail(why: &str) -> ! {
    println!("cargo::error=SeetaFace model not found: {why}; set REEL_SEETA_MODEL to seeta_fd_frontal_v1.0.bin");
    std::process::exit(1);
}

//! reel: a command-line film studio, from a challenge brief to a finished short film.
//!
//! The binary is a thin shell over this library; ARCHITECTURE.md has the map.

pub mod archive;
pub mod assemble;
pub mod atomic;
pub mod av;
pub mod cache;
pub mod cli;
pub mod corpus;
pub mod device;
pub mod diagnostic;
pub mod embed;
pub mod faces;
pub mod faceswap;
pub mod fountain;
pub mod hash;
pub mod ids;
pub mod lm;
pub mod name;
pub mod picture;
pub mod plan;
pub mod production;
pub mod progress;
pub mod render;
pub mod scheduler;
pub mod screenplay;
pub mod stages;
pub mod store;
pub mod subtitle;
pub mod voice;
pub mod workspace;

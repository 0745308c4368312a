//! reel's integration tests: one binary, real SQLite files, real child processes.

mod archive;
mod assemble;
mod challenge;
mod cli;
mod common;
mod corpus;
mod crash;
mod embed;
mod faces;
mod faces_swap;
mod faceset;
#[path = "../bench/faceset.rs"]
mod faceset_crops;
mod faceswap;
#[path = "../testkit/kinds.rs"]
mod kinds;
mod models;
mod produce;
mod render;
mod scheduler;
mod soak;
mod star;
mod voices;

//! The archive: footage analysis on generated fixtures and real footage, and the archive stage.

mod analysis;
pub mod fixtures;
mod stage;

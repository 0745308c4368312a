//! The archive: footage analysis on generated fixtures and real footage, and the archive stage.

mod analysis;
mod fixtures;
mod stage;

//! The archive: footage analysis on generated fixtures and real footage.

mod analysis;
mod fixtures;

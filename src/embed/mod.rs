//! Sentence embeddings for semantic search over film dialogue and shot descriptions.
//!
//! This module owns: loading all-MiniLM-L6-v2 (BERT weights, tokenizer, config) from a local
//! directory, turning texts into L2-normalised 384-dimensional vectors (mean pooling over word
//! pieces, as the sentence-transformers pipeline `Transformer -> Pooling(mean) -> Normalize` does),
//! comparing vectors, and converting vectors to and from bytes for storage.
//!
//! It must not: touch a database (callers store the bytes from [`to_bytes`]), print anything
//! (errors are returned as [`EmbedError`]), or fetch anything from the network (the model files are
//! provided by `make data`).

mod embedder;
mod error;
mod vector;

pub use embedder::{Embedder, MAX_TOKENS};
pub use error::EmbedError;
pub use vector::{cosine, from_bytes, to_bytes};

/// Dimension of every embedding vector produced by [`Embedder::embed`].
pub const DIM: usize = 384;

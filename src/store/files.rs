//! The content-hash cache of input files: a file is re-hashed only when its size or mtime changes.

use super::{Store, StoreError};

impl Store {
    pub async fn cached_hash(&self, path: &str, size: i64, mtime_ns: i64) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar("SELECT hash FROM file_hashes WHERE path = ? AND size = ? AND mtime_ns = ?")
            .bind(path)
            .bind(size)
            .bind(mtime_ns)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| self.err(e))
    }

    pub async fn remember_hash(&self, path: &str, size: i64, mtime_ns: i64, hash: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO file_hashes (path, size, mtime_ns, hash) VALUES (?, ?, ?, ?)
             ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, hash = excluded.hash",
        )
        .bind(path)
        .bind(size)
        .bind(mtime_ns)
        .bind(hash)
        .execute(&self.pool)
        .await
        .map(|_| ())
        .map_err(|e| self.err(e))
    }
}

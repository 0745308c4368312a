//! Newtype ids, so that a production id is never passed where a job id was meant.
//!
//! These are the row ids of the store's tables. Only the store creates them from integers read from the database.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, sqlx::Type)]
        #[sqlx(transparent)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A row of `productions`.
    ProductionId
);
id_type!(
    /// A row of `jobs`.
    JobId
);
id_type!(
    /// A row of `shots`.
    ShotId
);

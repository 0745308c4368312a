//! The job handlers this build of reel ships, by job kind. Each stage issue registers its kinds here.

use crate::scheduler::Registry;

pub fn registry() -> Registry {
    Registry::new()
}

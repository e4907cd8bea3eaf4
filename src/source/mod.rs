//! The local side: walking source folders, filtering, and hashing file content.

pub mod filter;
pub mod hash;
pub mod walk;

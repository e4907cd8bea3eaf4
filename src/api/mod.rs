//! The ScaiDrive HTTP client: typed endpoints over one retrying, pacing, token-refreshing core.
//!
//! [`Client`] owns every rule about talking to the service: the bound on concurrent requests,
//! pacing by the `X-RateLimit-*` headers, one shared pause for all workers after a 429,
//! exponential back-off on 5xx and connection errors, and a single-flight token refresh on
//! 401. Endpoint methods (in [`endpoints`]) describe each request and decode its answer.
//! Every retry is told as a warning ([`notices`] decides how often).

mod auth;
mod client;
mod endpoints;
mod error;
pub mod notices;
mod pacer;
mod types;

/// Files up to this size go by one multipart request; larger ones by resumable sessions.
pub const MULTIPART_LIMIT: u64 = 32 * 1024 * 1024;
/// Chunk size of upload sessions: a power of two within the documented 4 MiB default.
pub const CHUNK_SIZE: u64 = 4 * 1024 * 1024;

pub use client::{Client, ClientConfig, Stats};
pub use endpoints::*;
pub use error::ApiError;
pub use types::*;

//! A local, ScaiDrive-compatible HTTP server: real HTTP on loopback, metadata in SQLite,
//! file bytes content-addressed on disk, the documented status codes, error bodies and rate
//! headers, the recipient side of external links, and fault injection for tests.
//!
//! Start it with [`Server::start`] and a [`Config`]; tests use port 0 and read
//! [`Server::credentials`], [`Server::request_log`] and [`Server::snapshot`].
//!
//! Layout:
//! - `server`: life cycle, default identity, test helpers.
//! - `config`: settings and fault knobs. `role`: roles and permission bits.
//! - `middleware`: request id, error rendering, headers, request log, response drops.
//! - `auth`: bearer tokens and rate charging. `ratelimit`: the budget. `faults`: injection.
//! - `conn`: the listener whose connections can be killed mid-request.
//! - `api`: the `/api/v1` handlers. `recipient`: link pages, downloads, zips.
//! - `local`: `/_local` helpers for out-of-process tools. `lock`: exclusive use of a data dir.
//! - `db`: SQLite schema and queries. `blobs`: content-addressed storage.
//! - `download`: streaming a blob with `Range`. `validate`: FastAPI-style 422s.
//! - `error`: the error type and its wire form. `ids`: ids, secrets, timestamps.

mod api;
mod auth;
mod blobs;
mod config;
mod conn;
mod db;
mod download;
mod error;
mod faults;
mod ids;
mod local;
mod lock;
mod middleware;
mod ratelimit;
mod recipient;
mod request_log;
mod role;
mod server;
mod state;
mod validate;

pub use config::{Config, DEFAULT_CHUNK_SIZE, DEFAULT_MAX_FILE_SIZE, Faults, RateBudget, Storm};
pub use error::Error;
pub use lock::{DirLock, LockError};
pub use request_log::LoggedRequest;
pub use role::Role;
pub use server::{Credentials, Entry, EntryKind, Server};

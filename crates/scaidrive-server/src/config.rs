//! Server settings: where data lives, what address to bind, limits, the rate budget and the
//! fault-injection knobs. Plain data with defaults; nothing here performs I/O.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// Everything [`crate::Server::start`] needs to know.
#[derive(Debug, Clone)]
pub struct Config {
    /// Directory holding the database, blobs, upload sessions and `connection.json`.
    pub data_dir: PathBuf,
    /// Address to bind; port 0 picks a free port.
    pub addr: SocketAddr,
    /// Base used in external-link `url`/`short_url`; defaults to the bound `http://addr`.
    pub public_url: Option<String>,
    /// Per-token request budget; `None` disables rate limiting (headers are still sent).
    pub rate: Option<RateBudget>,
    /// Fault injection, changeable at runtime with [`crate::Server::set_faults`].
    pub faults: Faults,
    /// Per-file size cap in bytes (413 `PAYLOAD_TOO_LARGE` above it).
    pub max_file_size: u64,
    /// Quota of the default share created on first start; `None` means unlimited.
    pub quota_bytes: Option<u64>,
    /// Largest chunk an upload session accepts, advertised by `GET /api/v1/config`.
    pub max_chunk_size: u64,
    /// An upload session untouched for this long answers 410.
    pub upload_session_ttl: Duration,
    /// Write the server's URL to `serve.json` in the data dir while it runs, so that a
    /// `--local` run on the same dir publishes through it instead of failing on the lock.
    /// `serve` sets it; an in-process server that lives for one run does not.
    pub announce: bool,
}

impl Config {
    /// Defaults: `127.0.0.1:0`, no rate limit, no faults, 5 GiB file cap, 4 MiB chunks.
    pub fn new(data_dir: impl Into<PathBuf>) -> Config {
        Config {
            data_dir: data_dir.into(),
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            public_url: None,
            rate: None,
            faults: Faults::default(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            quota_bytes: None,
            max_chunk_size: DEFAULT_CHUNK_SIZE,
            upload_session_ttl: Duration::from_secs(24 * 3600),
            announce: false,
        }
    }
}

/// The documented default per-file cap (5 GiB).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 5_368_709_120;

/// The documented default chunk size (4 MiB).
pub const DEFAULT_CHUNK_SIZE: u64 = 4 * 1024 * 1024;

/// Request units a token may spend per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateBudget {
    /// Units per window (the service documents 1000).
    pub units: u32,
    /// Window length (the service documents 60 s); tests compress it.
    pub window: Duration,
}

impl Default for RateBudget {
    fn default() -> Self {
        RateBudget {
            units: 1000,
            window: Duration::from_secs(60),
        }
    }
}

/// Fault injection for `/api/v1` requests. Random choices come from a generator seeded with
/// `seed`, so a sequential run repeats exactly. Health, config and the token endpoint are never
/// faulted (a dropped refresh response would burn the one-time refresh token for good).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Faults {
    /// Seed of the fault generator; reset whenever faults are set.
    pub seed: u64,
    /// Added before every faultable request.
    pub latency: Duration,
    /// Share (0.0–1.0) of requests answered 500, 502 or 503 without doing any work.
    pub error_rate: f64,
    /// Share (0.0–1.0) of requests that do their work and then lose the response: the
    /// connection is closed before a single byte of the answer is written.
    pub drop_rate: f64,
    /// Periodic 429 storms.
    pub storm: Option<Storm>,
    /// Access tokens older than this answer 401 `AUTH_TOKEN_EXPIRED`.
    pub token_ttl: Option<Duration>,
    /// Overrides `Config::max_file_size` while set.
    pub max_file_size: Option<u64>,
    /// Overrides the quota of every share while set.
    pub quota_bytes: Option<u64>,
}

/// A 429 storm: during the first `length` of every `period` (counted from the moment the faults
/// were set) every faultable request is refused with 429 and `Retry-After: retry_after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Storm {
    /// Cycle length.
    pub period: Duration,
    /// Stormy part at the start of each cycle.
    pub length: Duration,
    /// Advertised wait (rounded up to whole seconds, at least 1).
    pub retry_after: Duration,
}

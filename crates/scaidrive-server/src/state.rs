//! The shared application state handed to every handler: database, blob store, settings,
//! fault injector, rate limiter, request log and the recipient-cookie key.

use std::ops::Deref;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use crate::blobs::BlobStore;
use crate::config::Config;
use crate::db::Db;
use crate::db::identity::Share;
use crate::faults::FaultInjector;
use crate::ratelimit::RateLimiter;
use crate::request_log::RequestLog;
use crate::server::Credentials;

/// Cheap, cloneable handle to [`Shared`].
#[derive(Clone)]
pub(crate) struct AppState(pub(crate) Arc<Shared>);

/// Everything the server shares between requests.
pub(crate) struct Shared {
    pub(crate) db: Db,
    pub(crate) blobs: BlobStore,
    pub(crate) config: Config,
    /// Base of link URLs, without a trailing slash.
    pub(crate) public_url: String,
    pub(crate) faults: FaultInjector,
    pub(crate) rate: RateLimiter,
    pub(crate) log: RequestLog,
    /// Key of the HMAC that signs recipient cookies.
    pub(crate) secret: Vec<u8>,
    /// Where upload-session chunks are kept.
    pub(crate) uploads_dir: PathBuf,
    pub(crate) credentials: Mutex<Credentials>,
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl Shared {
    /// The per-file cap now in force.
    pub(crate) fn max_file_size(&self) -> u64 {
        self.faults
            .current()
            .max_file_size
            .unwrap_or(self.config.max_file_size)
    }

    /// The quota now in force for a share.
    pub(crate) fn quota_for(&self, share: &Share) -> Option<u64> {
        self.faults.current().quota_bytes.or(share.quota_bytes)
    }

    /// The default identity.
    pub(crate) fn credentials(&self) -> Credentials {
        self.credentials
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

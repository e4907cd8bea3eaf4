//! The metadata database: one SQLite file in WAL mode behind a mutex, its schema, and the
//! bridge that runs a closure on it from async code. Queries live in the submodules, one per
//! concept. `synchronous=NORMAL` in WAL mode survives a killed process (only a power cut can
//! lose the last commits), which is the durability the emulator promises.

pub(crate) mod identity;
pub(crate) mod items;
pub(crate) mod links;
pub(crate) mod uploads;
pub(crate) mod versions;

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::Connection;

use crate::error::{ApiError, ApiResult};

/// A cheap handle to the one connection.
#[derive(Clone)]
pub(crate) struct Db {
    conn: Arc<Mutex<Connection>>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY, email TEXT NOT NULL, name TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS shares (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT, share_type TEXT NOT NULL,
    owner_id TEXT NOT NULL, quota_bytes INTEGER, created_at INTEGER NOT NULL,
    modified_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS members (
    share_id TEXT NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL,
    PRIMARY KEY (share_id, user_id));
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, user_id TEXT NOT NULL, secret_hash BLOB NOT NULL,
    issued_at INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, share_id TEXT NOT NULL, parent_key TEXT NOT NULL,
    name TEXT NOT NULL, mime_type TEXT, size INTEGER NOT NULL DEFAULT 0, sha256 TEXT,
    version INTEGER NOT NULL DEFAULT 0, owner_id TEXT NOT NULL, modified_by TEXT NOT NULL,
    created_at INTEGER NOT NULL, modified_at INTEGER NOT NULL, deleted_at INTEGER);
CREATE UNIQUE INDEX IF NOT EXISTS items_live_name
    ON items (share_id, parent_key, name) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS items_parent ON items (parent_key);
CREATE TABLE IF NOT EXISTS versions (
    id TEXT PRIMARY KEY, file_id TEXT NOT NULL, number INTEGER NOT NULL, size INTEGER NOT NULL,
    sha256 TEXT NOT NULL, created_by TEXT NOT NULL, created_at INTEGER NOT NULL,
    UNIQUE (file_id, number));
CREATE TABLE IF NOT EXISTS uploads (
    id TEXT PRIMARY KEY, share_id TEXT NOT NULL, folder_key TEXT NOT NULL,
    file_name TEXT NOT NULL, file_size INTEGER NOT NULL, chunk_size INTEGER NOT NULL,
    total_chunks INTEGER NOT NULL, checksum TEXT, replace_file_id TEXT, mime_type TEXT,
    created_by TEXT NOT NULL, state TEXT NOT NULL, created_at INTEGER NOT NULL,
    touched_at INTEGER NOT NULL, file_id TEXT);
CREATE TABLE IF NOT EXISTS upload_chunks (
    upload_id TEXT NOT NULL, idx INTEGER NOT NULL, size INTEGER NOT NULL,
    PRIMARY KEY (upload_id, idx));
CREATE TABLE IF NOT EXISTS links (
    id TEXT PRIMARY KEY, share_id TEXT NOT NULL, resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL, link_type TEXT NOT NULL, token TEXT NOT NULL UNIQUE,
    short_code TEXT NOT NULL UNIQUE, revoked_at INTEGER, password_hash TEXT,
    expires_at INTEGER, max_downloads INTEGER, download_count INTEGER NOT NULL DEFAULT 0,
    max_views INTEGER, view_count INTEGER NOT NULL DEFAULT 0, options TEXT NOT NULL,
    created_by TEXT NOT NULL, created_at INTEGER NOT NULL, modified_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS links_resource ON links (resource_id);
";

impl Db {
    /// Opens (creating if needed) the database at `path` and applies the schema.
    pub(crate) fn open(path: &Path) -> rusqlite::Result<Db> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.execute_batch(SCHEMA)?;
        Ok(Db {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` on the connection in the blocking pool.
    pub(crate) async fn call<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> ApiResult<T> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut guard)
        })
        .await
        .map_err(ApiError::internal)?
    }

    /// Runs `f` on the connection on the current thread (for synchronous test helpers).
    pub(crate) fn blocking<T>(&self, f: impl FnOnce(&mut Connection) -> T) -> T {
        let mut guard = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut guard)
    }
}

/// Whether `err` is a violated UNIQUE constraint.
pub(crate) fn is_unique_violation(err: &rusqlite::Error) -> bool {
    matches!(
        err,
        rusqlite::Error::SqliteFailure(e, _)
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
    )
}

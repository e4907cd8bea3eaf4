//! The state database: caches that make re-runs cheap and the journal of open upload sessions.
//!
//! It is never the source of truth (the remote is): a run without it, or with a stale one,
//! still converges, it only sends more requests. It holds
//! - the local hash cache: (path, size, mtime, inode) → SHA-256;
//! - what this tool knows of remote files: (file id, size, modified_at) → SHA-256, so a
//!   re-run can skip the per-file metadata request when the listing shows the same figures;
//! - open upload sessions and their confirmed chunks, so a killed run resumes a large file.
//!
//! A database that cannot be opened is replaced by an in-memory one, with a warning.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};

use crate::source::walk::LocalFile;

pub struct State {
    conn: Mutex<Connection>,
}

/// An upload session recorded by an earlier run.
#[derive(Debug, Clone)]
pub struct SavedSession {
    pub session_id: String,
    pub chunk_size: u64,
    pub chunks: BTreeSet<u64>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS hashes (
    path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, inode INTEGER, sha256 TEXT);
CREATE TABLE IF NOT EXISTS remote_files (
    file_id TEXT PRIMARY KEY, size INTEGER, modified_at TEXT, sha256 TEXT);
CREATE TABLE IF NOT EXISTS sessions (
    key TEXT PRIMARY KEY, session_id TEXT, chunk_size INTEGER);
CREATE TABLE IF NOT EXISTS session_chunks (
    session_id TEXT, idx INTEGER, PRIMARY KEY (session_id, idx));
";

impl State {
    /// Opens (or creates) the database at `path`. On failure, returns an in-memory state
    /// and the reason, for a warning.
    pub fn open(path: &Path) -> (State, Option<String>) {
        match Self::try_open(path) {
            Ok(state) => (state, None),
            Err(e) => {
                let reason = format!(
                    "state database {} unusable ({e}); running without it (slower, still exact)",
                    path.display()
                );
                (Self::in_memory(), Some(reason))
            }
        }
    }

    fn try_open(path: &Path) -> rusqlite::Result<State> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.execute_batch(SCHEMA)?;
        Ok(State {
            conn: Mutex::new(conn),
        })
    }

    pub fn in_memory() -> State {
        let conn = Connection::open_in_memory().expect("in-memory sqlite");
        conn.execute_batch(SCHEMA).expect("schema");
        State {
            conn: Mutex::new(conn),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Option<T> {
        // A cache failure must never fail the run: it only costs a recomputation.
        f(&self.conn.lock().expect("state lock")).ok()
    }

    pub fn cached_hash(&self, file: &LocalFile) -> Option<String> {
        self.with(|c| {
            c.prepare_cached(
                "SELECT sha256 FROM hashes WHERE path = ?1 AND size = ?2 AND mtime_ns = ?3 \
                 AND inode = ?4",
            )?
            .query_row(
                params![
                    path_key(&file.abs),
                    int(file.size),
                    file.mtime_ns,
                    int(file.inode)
                ],
                |r| r.get(0),
            )
            .optional()
        })
        .flatten()
    }

    pub fn store_hash(&self, file: &LocalFile, sha256: &str) {
        self.with(|c| {
            c.prepare_cached("INSERT OR REPLACE INTO hashes VALUES (?1, ?2, ?3, ?4, ?5)")?
                .execute(params![
                    path_key(&file.abs),
                    int(file.size),
                    file.mtime_ns,
                    int(file.inode),
                    sha256
                ])
        });
    }

    pub fn remote_checksum(&self, file_id: &str, size: u64, modified_at: &str) -> Option<String> {
        self.with(|c| {
            c.prepare_cached(
                "SELECT sha256 FROM remote_files WHERE file_id = ?1 AND size = ?2 \
                 AND modified_at = ?3",
            )?
            .query_row(params![file_id, int(size), modified_at], |r| r.get(0))
            .optional()
        })
        .flatten()
    }

    pub fn store_remote(&self, file_id: &str, size: u64, modified_at: &str, sha256: &str) {
        self.with(|c| {
            c.prepare_cached("INSERT OR REPLACE INTO remote_files VALUES (?1, ?2, ?3, ?4)")?
                .execute(params![file_id, int(size), modified_at, sha256])
        });
    }

    pub fn session(&self, key: &str) -> Option<SavedSession> {
        self.with(|c| {
            let Some((session_id, chunk_size)) = c
                .prepare_cached("SELECT session_id, chunk_size FROM sessions WHERE key = ?1")?
                .query_row(params![key], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
                })
                .optional()?
            else {
                return Ok(None);
            };
            let chunks = c
                .prepare_cached("SELECT idx FROM session_chunks WHERE session_id = ?1")?
                .query_map(params![session_id], |r| r.get::<_, i64>(0))?
                .map(|r| r.map(|i| u64::try_from(i).unwrap_or(0)))
                .collect::<rusqlite::Result<BTreeSet<u64>>>()?;
            let chunk_size = u64::try_from(chunk_size).unwrap_or(0);
            Ok(Some(SavedSession {
                session_id,
                chunk_size,
                chunks,
            }))
        })
        .flatten()
    }

    pub fn save_session(&self, key: &str, session_id: &str, chunk_size: u64) {
        self.with(|c| {
            c.prepare_cached("INSERT OR REPLACE INTO sessions VALUES (?1, ?2, ?3)")?
                .execute(params![key, session_id, int(chunk_size)])
        });
    }

    pub fn confirm_chunk(&self, session_id: &str, index: u64) {
        self.with(|c| {
            c.prepare_cached("INSERT OR IGNORE INTO session_chunks VALUES (?1, ?2)")?
                .execute(params![session_id, int(index)])
        });
    }

    pub fn forget_session(&self, key: &str) {
        self.with(|c| {
            let id: Option<String> = c
                .query_row(
                    "SELECT session_id FROM sessions WHERE key = ?1",
                    params![key],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(id) = id {
                c.execute(
                    "DELETE FROM session_chunks WHERE session_id = ?1",
                    params![id],
                )?;
            }
            c.execute("DELETE FROM sessions WHERE key = ?1", params![key])
        });
    }
}

/// SQLite integers are signed; sizes and indices stay far below `i64::MAX`.
fn int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn path_key(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_mtime_misses_the_hash_cache() {
        let state = State::in_memory();
        let mut file = LocalFile {
            abs: "/x".into(),
            size: 3,
            mtime_ns: 10,
            inode: 7,
        };
        state.store_hash(&file, "abc");
        assert_eq!(state.cached_hash(&file).as_deref(), Some("abc"));
        file.mtime_ns = 11;
        assert_eq!(state.cached_hash(&file), None);
    }

    #[test]
    fn sessions_remember_confirmed_chunks_until_forgotten() {
        let state = State::in_memory();
        state.save_session("k", "ses_1", 4096);
        state.confirm_chunk("ses_1", 0);
        state.confirm_chunk("ses_1", 2);
        let saved = state.session("k").unwrap();
        assert_eq!(saved.chunks.into_iter().collect::<Vec<_>>(), [0, 2]);
        state.forget_session("k");
        assert!(state.session("k").is_none());
    }
}

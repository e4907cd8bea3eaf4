//! Exclusive use of a data dir: advisory locks on lock files inside it, and the `serve.json`
//! note by which a running `serve` tells other runs on the same dir where it listens.
//!
//! A [`DirLock`] holds an OS advisory lock (`flock` on Unix, `LockFileEx` on Windows) on a file
//! in the dir for as long as it lives; the OS drops the lock when the process ends, however it
//! ends, so a crash never leaves a dir locked. Lock files are never deleted (deleting one
//! while another process waits on it would let two processes "hold" it). Advisory means
//! only cooperating programs are kept out: another program can still open the database.

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The lock file the server holds while it runs.
pub(crate) const SERVER_LOCK: &str = "server.lock";

/// Written by a server started with [`crate::Config::announce`], removed when it stops.
const SERVE_NOTE: &str = "serve.json";

/// An exclusive advisory lock on `DIR/NAME`, released on drop.
#[derive(Debug)]
pub struct DirLock {
    _file: File,
    path: PathBuf,
}

/// Why a [`DirLock`] could not be taken.
#[derive(Debug)]
pub enum LockError {
    /// Another process (or another lock in this one) holds it.
    Busy,
    /// The lock file cannot be created or locked.
    Io(io::Error),
}

impl DirLock {
    /// Takes the lock on `dir/name` (creating the file), without waiting.
    ///
    /// # Errors
    /// [`LockError::Busy`] when it is held, [`LockError::Io`] when the file cannot be used.
    pub fn try_acquire(dir: &Path, name: &str) -> Result<DirLock, LockError> {
        let path = dir.join(name);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(LockError::Io)?;
        match file.try_lock() {
            Ok(()) => Ok(DirLock { _file: file, path }),
            Err(TryLockError::WouldBlock) => Err(LockError::Busy),
            Err(TryLockError::Error(e)) => Err(LockError::Io(e)),
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// What a running `serve` writes to `serve.json`.
#[derive(Debug, Serialize, Deserialize)]
struct ServeNote {
    url: String,
    pid: u32,
}

/// Records that a server at `url` serves `dir` (call only while holding [`SERVER_LOCK`]).
pub(crate) fn write_serve_note(dir: &Path, url: &str) -> io::Result<()> {
    let note = ServeNote {
        url: url.to_owned(),
        pid: std::process::id(),
    };
    std::fs::write(dir.join(SERVE_NOTE), serde_json::to_vec_pretty(&note)?)
}

/// Forgets the note (a stale one from a crashed server, or ours on stop).
pub(crate) fn remove_serve_note(dir: &Path) {
    let _ = std::fs::remove_file(dir.join(SERVE_NOTE));
}

/// The URL of the server that holds `dir`'s lock, if it announced one.
pub(crate) fn read_serve_note(dir: &Path) -> Option<String> {
    let bytes = std::fs::read(dir.join(SERVE_NOTE)).ok()?;
    serde_json::from_slice::<ServeNote>(&bytes)
        .ok()
        .map(|n| n.url)
}

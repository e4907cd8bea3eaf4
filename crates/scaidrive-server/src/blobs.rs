//! Content-addressed file bytes on disk: `blobs/ab/cd/<sha256>`. Bytes are streamed into a temp
//! file under `tmp/` (hashed on the way when asked), then renamed into place, so a blob path
//! always holds complete content. Received frames are queued untouched (no copy) and handed to
//! the blocking pool about every 1 MiB, so the async threads never wait on the disk. Nothing is
//! fsync'd: a killed process loses nothing (the kernel has the pages), a power cut may. Blobs
//! are never garbage-collected.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use sha2::{Digest, Sha256};
use tempfile::{NamedTempFile, TempPath};

const BLOCK: usize = 1 << 20;

/// Where blobs and temp files live.
#[derive(Debug, Clone)]
pub(crate) struct BlobStore {
    root: PathBuf,
    tmp: PathBuf,
}

/// Bytes fully written to a temp file, not yet in the store.
#[derive(Debug)]
pub(crate) struct Staged {
    pub(crate) temp: TempPath,
    pub(crate) size: u64,
    /// Lowercase hex SHA-256, when the writer hashed.
    pub(crate) sha256: Option<String>,
}

/// Why a streamed write stopped.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WriteError {
    /// More than the allowed number of bytes arrived.
    #[error("more than {0} bytes")]
    TooLarge(u64),
    /// The disk failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl BlobStore {
    /// Uses `data_dir/blobs` and `data_dir/tmp`, creating them and emptying `tmp`.
    pub(crate) fn open(data_dir: &Path) -> io::Result<BlobStore> {
        let store = BlobStore {
            root: data_dir.join("blobs"),
            tmp: data_dir.join("tmp"),
        };
        std::fs::create_dir_all(&store.root)?;
        if store.tmp.exists() {
            std::fs::remove_dir_all(&store.tmp)?;
        }
        std::fs::create_dir_all(&store.tmp)?;
        Ok(store)
    }

    /// The path of a blob (which may not exist).
    pub(crate) fn path(&self, sha256: &str) -> PathBuf {
        let (a, b) = (
            &sha256[..2.min(sha256.len())],
            &sha256[2.min(sha256.len())..4.min(sha256.len())],
        );
        self.root.join(a).join(b).join(sha256)
    }

    /// A writer into a fresh temp file; `limit` caps the byte count, `hash` asks for SHA-256.
    pub(crate) fn writer(&self, limit: u64, hash: bool) -> io::Result<BlobWriter> {
        let (file, temp) = NamedTempFile::new_in(&self.tmp)?.into_parts();
        Ok(BlobWriter {
            inner: Some(Inner {
                file,
                hasher: hash.then(Sha256::new),
            }),
            temp,
            pending: Vec::new(),
            pending_len: 0,
            len: 0,
            limit,
        })
    }

    /// An unlinked scratch file in the temp dir (gone once closed).
    pub(crate) fn anonymous(&self) -> io::Result<std::fs::File> {
        tempfile::tempfile_in(&self.tmp)
    }

    /// Moves staged bytes into the store under their hash (a no-op if already there).
    pub(crate) async fn commit(&self, staged: Staged) -> io::Result<String> {
        let sha = staged
            .sha256
            .clone()
            .ok_or_else(|| io::Error::other("unhashed blob"))?;
        let dest = self.path(&sha);
        tokio::task::spawn_blocking(move || {
            if dest.exists() {
                return Ok(());
            }
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent)?;
            }
            staged.temp.persist(&dest).map_err(|e| e.error)
        })
        .await
        .map_err(io::Error::other)??;
        Ok(sha)
    }

    /// Concatenates `parts` into a staged, hashed temp file.
    pub(crate) async fn concat(&self, parts: Vec<PathBuf>) -> io::Result<Staged> {
        let tmp = self.tmp.clone();
        tokio::task::spawn_blocking(move || {
            let (mut out, temp) = NamedTempFile::new_in(&tmp)?.into_parts();
            let mut hasher = Sha256::new();
            let mut buf = vec![0u8; BLOCK];
            let mut size = 0u64;
            for part in parts {
                let mut file = std::fs::File::open(&part)?;
                loop {
                    let n = file.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    hasher.update(&buf[..n]);
                    out.write_all(&buf[..n])?;
                    size += n as u64;
                }
            }
            Ok(Staged {
                temp,
                size,
                sha256: Some(hex::encode(hasher.finalize())),
            })
        })
        .await
        .map_err(io::Error::other)?
    }
}

struct Inner {
    file: std::fs::File,
    hasher: Option<Sha256>,
}

/// Streams bytes into a temp file, about 1 MiB per trip to the blocking pool.
pub(crate) struct BlobWriter {
    inner: Option<Inner>,
    temp: TempPath,
    /// Received frames not yet written (kept as-is: no copy on the async side).
    pending: Vec<Bytes>,
    pending_len: usize,
    len: u64,
    limit: u64,
}

impl BlobWriter {
    /// Appends `data`, failing once more than the limit has arrived.
    pub(crate) async fn write(&mut self, data: &Bytes) -> Result<(), WriteError> {
        self.len += data.len() as u64;
        if self.len > self.limit {
            return Err(WriteError::TooLarge(self.limit));
        }
        self.pending.push(data.clone());
        self.pending_len += data.len();
        if self.pending_len >= BLOCK {
            self.flush().await?;
        }
        Ok(())
    }

    /// Bytes accepted so far.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    async fn flush(&mut self) -> io::Result<()> {
        let frames = std::mem::take(&mut self.pending);
        self.pending_len = 0;
        let mut inner = self
            .inner
            .take()
            .ok_or_else(|| io::Error::other("writer failed"))?;
        let inner = tokio::task::spawn_blocking(move || -> io::Result<Inner> {
            for frame in &frames {
                if let Some(h) = inner.hasher.as_mut() {
                    h.update(frame);
                }
                inner.file.write_all(frame)?;
            }
            Ok(inner)
        })
        .await
        .map_err(io::Error::other)??;
        self.inner = Some(inner);
        Ok(())
    }

    /// Writes what is pending and hands over the temp file.
    pub(crate) async fn finish(mut self) -> io::Result<Staged> {
        if !self.pending.is_empty() {
            self.flush().await?;
        }
        let inner = self
            .inner
            .take()
            .ok_or_else(|| io::Error::other("writer failed"))?;
        Ok(Staged {
            temp: self.temp,
            size: self.len,
            sha256: inner.hasher.map(|h| hex::encode(h.finalize())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn streamed_bytes_land_under_their_hash() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        let mut writer = store.writer(10, true).unwrap();
        writer.write(&Bytes::from_static(b"hello")).await.unwrap();
        let staged = writer.finish().await.unwrap();
        let sha = store.commit(staged).await.unwrap();
        assert_eq!(
            sha,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(std::fs::read(store.path(&sha)).unwrap(), b"hello");
    }

    #[tokio::test]
    async fn a_writer_refuses_bytes_past_its_limit() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        let mut writer = store.writer(3, false).unwrap();
        let err = writer
            .write(&Bytes::from_static(b"four"))
            .await
            .unwrap_err();
        assert!(matches!(err, WriteError::TooLarge(3)));
    }
}

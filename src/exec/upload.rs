//! Sending file content: multipart for small files, resumable sessions for large files and
//! for new versions, with the checks that keep a publish exact.
//!
//! - Content streams from disk; memory holds at most `jobs` chunks, whatever the number of
//!   files sent at once ([`Runtime::chunk_buffers`]).
//! - The SHA-256 is computed while reading and compared with what the service reports.
//! - A file that changes while it is sent (size or mtime moved) is not left published
//!   half-changed: a new file is sent to the trash again, a session is aborted, and the
//!   task fails asking for a re-run.
//! - Each session and its confirmed chunks are journaled in the state database, so a run
//!   that is killed resumes the file where it stopped; a session the service forgot (404,
//!   410) is replaced by a new one.

use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::PathBuf;

use bytes::Bytes;
use futures::StreamExt;

use super::runtime::Runtime;
use super::tasks::Failure;
use crate::api::{ApiError, CHUNK_SIZE, MULTIPART_LIMIT, NewSession, Session};
use crate::report::Event;
use crate::source::walk::LocalFile;

/// The local file a task publishes, as the plan saw it.
pub struct Local {
    pub file: LocalFile,
}

impl Local {
    pub fn new(path: &str, size: u64, mtime_ns: i64) -> Local {
        Local {
            file: LocalFile {
                abs: PathBuf::from(path),
                size,
                mtime_ns,
                inode: 0,
            },
        }
    }

    /// Fails unless the file still has the size and mtime the plan saw; fills in the inode.
    fn check(&mut self) -> Result<(), Failure> {
        let meta = std::fs::metadata(&self.file.abs)
            .map_err(|e| Failure::Other(format!("cannot read {}: {e}", self.file.abs.display())))?;
        let mtime = meta.mtime() * 1_000_000_000 + meta.mtime_nsec();
        if meta.len() != self.file.size || mtime != self.file.mtime_ns {
            return Err(Failure::Other(format!(
                "{} changed since it was planned (or while it was sent); it was not \
                 published: run again",
                self.file.abs.display()
            )));
        }
        self.file.inode = meta.ino();
        Ok(())
    }
}

/// Publishes a new file. Returns the bytes sent.
pub async fn new_file(
    rt: &Runtime,
    share: &str,
    folder: Option<&str>,
    name: &str,
    local: &Local,
) -> Result<u64, Failure> {
    let mut local = Local {
        file: local.file.clone(),
    };
    local.check()?;
    if local.file.size > MULTIPART_LIMIT {
        return session_upload(rt, share, folder, name, None, &mut local).await;
    }
    let size = local.file.size;
    match rt
        .client
        .upload_file(share, folder, name, &local.file.abs, size)
        .await
    {
        Ok(up) => {
            let sent = up.sent_sha256.unwrap_or_default();
            if let Err(changed) = local.check() {
                let _ = rt.client.delete(false, &up.file.id).await;
                return Err(changed);
            }
            if up
                .file
                .checksum_sha256
                .as_deref()
                .is_some_and(|c| c != sent)
            {
                return Err(Failure::Other(format!(
                    "the service stored a different checksum than was sent for {}",
                    local.file.abs.display()
                )));
            }
            let modified = up.file.modified_at.unwrap_or_default();
            rt.state.store_remote(&up.file.id, size, &modified, &sent);
            rt.state.store_hash(&local.file, &sent);
            rt.reporter.event(Event::Sent(size));
            Ok(size)
        }
        Err(e) if e.is_conflict() => adopt_or_replace(rt, share, folder, name, &mut local, e).await,
        Err(e) => Err(Failure::Api(e)),
    }
}

/// Publishes new content for an existing file, as a new version.
pub async fn replace(
    rt: &Runtime,
    share: &str,
    folder: Option<&str>,
    name: &str,
    file_id: &str,
    local: &Local,
) -> Result<u64, Failure> {
    let mut local = Local {
        file: local.file.clone(),
    };
    local.check()?;
    session_upload(rt, share, folder, name, Some(file_id), &mut local).await
}

/// A file of this name exists (a lost answer, or someone else): adopt it when its content is
/// ours, otherwise publish ours as a new version of it.
async fn adopt_or_replace(
    rt: &Runtime,
    share: &str,
    folder: Option<&str>,
    name: &str,
    local: &mut Local,
    conflict: ApiError,
) -> Result<u64, Failure> {
    let children = rt.client.children(share, folder).await?;
    let Some(existing) = children.items.into_iter().find(|c| c.name == name) else {
        return Err(Failure::Api(conflict));
    };
    if existing.is_folder() {
        return Err(Failure::Other(format!(
            "a folder named `{name}` is in the way"
        )));
    }
    let meta = rt.client.file(&existing.id).await?;
    let sha = local_sha(rt, local).await?;
    if meta.checksum_sha256.as_deref() == Some(sha.as_str()) && meta.size == local.file.size {
        let modified = meta.modified_at.unwrap_or_default();
        rt.state.store_remote(&meta.id, meta.size, &modified, &sha);
        return Ok(0);
    }
    Box::pin(session_upload(
        rt,
        share,
        folder,
        name,
        Some(&existing.id),
        local,
    ))
    .await
}

/// The file's SHA-256 (cached, or read whole). Ctrl-C ends the wait (the reading thread
/// finishes on its own; the process does not wait for it).
async fn local_sha(rt: &Runtime, local: &Local) -> Result<String, Failure> {
    let hashes = tokio::select! {
        hashes = crate::plan::hash_all(&rt.state, vec![local.file.clone()], 1) => hashes,
        () = rt.client.until_interrupted() => {
            let endpoint = format!("hashing {}", local.file.abs.display());
            return Err(Failure::Api(ApiError::Interrupted { endpoint }));
        }
    };
    match hashes.into_values().next() {
        Some(Ok(sha)) => Ok(sha),
        Some(Err(e)) => Err(Failure::Other(format!(
            "cannot read {}: {e}",
            local.file.abs.display()
        ))),
        None => Err(Failure::Other("hashing produced nothing".into())),
    }
}

/// Uploads through a resumable session (new file, or new version of `replace`).
async fn session_upload(
    rt: &Runtime,
    share: &str,
    folder: Option<&str>,
    name: &str,
    replace: Option<&str>,
    local: &mut Local,
) -> Result<u64, Failure> {
    let sha = local_sha(rt, local).await?;
    let size = local.file.size;
    let key = format!(
        "{share}|{}|{name}|{size}|{sha}|{}",
        folder.unwrap_or(""),
        replace.unwrap_or("")
    );
    for _ in 0..2 {
        let session = open_session(rt, &key, share, folder, name, replace, size, &sha).await;
        let session = match session {
            Ok(s) => s,
            Err(e) if e.is_conflict() && replace.is_none() => {
                return adopt_or_replace(rt, share, folder, name, local, e).await;
            }
            Err(e) => return Err(Failure::Api(e)),
        };
        if !session.received_chunks.is_empty() {
            let have = session.received_chunks.len();
            let total = session.total_chunks.max(1);
            rt.reporter.event(crate::report::Event::Note(&format!(
                "resuming {}: {have} of {total} chunks are already on the service",
                local.file.abs.display()
            )));
        }
        match send_chunks(rt, &session, local).await {
            Ok(()) => {}
            Err(e) if matches!(e.status(), Some(404 | 410)) => {
                rt.state.forget_session(&key);
                continue;
            }
            Err(e) => return Err(Failure::Api(e)),
        }
        if let Err(changed) = local.check() {
            let _ = abort(rt, &session.session_id).await;
            rt.state.forget_session(&key);
            return Err(changed);
        }
        let result = complete(rt, &session, share, folder, name, &sha).await;
        rt.state.forget_session(&key);
        let (file_id, modified) = result?;
        rt.state.store_remote(&file_id, size, &modified, &sha);
        return Ok(size);
    }
    Err(Failure::Other(
        "the service forgot the upload session twice; run again".into(),
    ))
}

/// How many times a session's complete is sent when the service answers 5xx or not at all.
const COMPLETE_ATTEMPTS: u32 = 5;

/// Resumes the journaled session for `key`, or creates one.
#[allow(clippy::too_many_arguments)]
async fn open_session(
    rt: &Runtime,
    key: &str,
    share: &str,
    folder: Option<&str>,
    name: &str,
    replace: Option<&str>,
    size: u64,
    sha: &str,
) -> Result<Session, ApiError> {
    if let Some(saved) = rt.state.session(key) {
        match rt.client.session(&saved.session_id).await {
            Ok(mut live) => {
                // The service's list is the truth; the journal only fills a gap if the
                // service reports none.
                if live.received_chunks.is_empty() {
                    live.received_chunks = saved.chunks.into_iter().collect();
                }
                return Ok(live);
            }
            Err(e) if matches!(e.status(), Some(404 | 410)) => rt.state.forget_session(key),
            Err(e) => return Err(e),
        }
    }
    let new = NewSession {
        share_id: share,
        folder_id: folder,
        file_name: name,
        file_size: size,
        chunk_size: CHUNK_SIZE,
        checksum_sha256: sha,
        replace_file_id: replace,
    };
    let session = rt.client.create_session(&new).await?;
    rt.state
        .save_session(key, &session.session_id, session.chunk_size);
    Ok(session)
}

/// PUTs every chunk the service does not have yet, in parallel within the request bound.
async fn send_chunks(rt: &Runtime, session: &Session, local: &Local) -> Result<(), ApiError> {
    let have: std::collections::HashSet<u64> = session.received_chunks.iter().copied().collect();
    let total = session.total_chunks.max(1);
    let chunk_size = session.chunk_size.max(1);
    let size = local.file.size;
    let path = local.file.abs.clone();
    let missing: Vec<u64> = (0..total).filter(|i| !have.contains(i)).collect();
    let results: Vec<Result<(), ApiError>> = futures::stream::iter(missing)
        .map(|index| {
            let path = path.clone();
            async move {
                let offset = index * chunk_size;
                let len = chunk_size.min(size.saturating_sub(offset));
                let endpoint =
                    || format!("PUT /api/v1/uploads/{}/chunks/{index}", session.session_id);
                // After Ctrl-C no further chunk is read or sent: the session and the chunks
                // confirmed so far stay journaled, and the next run resumes from there.
                if rt.client.interrupted() {
                    return Err(ApiError::Interrupted {
                        endpoint: endpoint(),
                    });
                }
                let _buffer = rt.chunk_buffers.acquire().await.expect("semaphore open");
                if rt.client.interrupted() {
                    return Err(ApiError::Interrupted {
                        endpoint: endpoint(),
                    });
                }
                let bytes = read_chunk(path, offset, len)
                    .await
                    .map_err(|e| ApiError::Local {
                        endpoint: format!(
                            "PUT /api/v1/uploads/{}/chunks/{index}",
                            session.session_id
                        ),
                        cause: e,
                    })?;
                rt.client
                    .put_chunk(&session.session_id, index, bytes)
                    .await?;
                rt.state.confirm_chunk(&session.session_id, index);
                rt.reporter.event(Event::Sent(len));
                Ok(())
            }
        })
        .buffer_unordered(rt.jobs)
        .collect()
        .await;
    results.into_iter().collect()
}

async fn read_chunk(path: PathBuf, offset: u64, len: u64) -> Result<Bytes, String> {
    tokio::task::spawn_blocking(move || {
        let cannot = |e: std::io::Error| format!("cannot read {}: {e}", path.display());
        let file = std::fs::File::open(&path).map_err(cannot)?;
        let mut buf = vec![0u8; usize::try_from(len).map_err(|e| e.to_string())?];
        file.read_exact_at(&mut buf, offset).map_err(cannot)?;
        Ok(Bytes::from(buf))
    })
    .await
    .map_err(|e| e.to_string())?
}

/// Finalises a session. A lost answer is reconciled by finding the file in its folder.
async fn complete(
    rt: &Runtime,
    session: &Session,
    share: &str,
    folder: Option<&str>,
    name: &str,
    sha: &str,
) -> Result<(String, String), Failure> {
    // A complete is not resent blindly: after a 5xx or a lost answer, the folder is listed
    // first; only when the file is not there with this content (so the session was not
    // completed) is the complete sent again, a few times with a growing pause.
    let mut pause = std::time::Duration::from_millis(200);
    for attempt in 1.. {
        let error = match rt.client.complete_session(&session.session_id).await {
            Ok(body) => {
                let id = body["id"]
                    .as_str()
                    .or_else(|| body["file_id"].as_str())
                    .unwrap_or_default();
                let modified = body["modified_at"].as_str().unwrap_or_default().to_string();
                return Ok((id.to_string(), modified));
            }
            Err(e) if e.is_ambiguous() || e.status().is_some_and(|s| s >= 500) => e,
            Err(e) => return Err(Failure::Api(e)),
        };
        let children = rt.client.children(share, folder).await?;
        let found = children
            .items
            .into_iter()
            .find(|c| c.name == name && !c.is_folder());
        if let Some(found) = found {
            let meta = rt.client.file(&found.id).await?;
            if meta.checksum_sha256.as_deref() == Some(sha) {
                return Ok((meta.id, meta.modified_at.unwrap_or_default()));
            }
        }
        if attempt == COMPLETE_ATTEMPTS {
            return Err(Failure::Api(error));
        }
        tokio::time::sleep(pause).await;
        pause *= 2;
    }
    unreachable!("the loop returns")
}

async fn abort(rt: &Runtime, session_id: &str) -> Result<(), ApiError> {
    rt.client.abort_session(session_id).await
}

//! Resumable upload sessions. Decisions where the API documentation is silent:
//!
//! - Chunk indices are **0-based**: `PUT /api/v1/uploads/{id}/chunks/{i}` for
//!   `i in 0..total_chunks`, raw bytes as the body. Every chunk is exactly `chunk_size` bytes
//!   except the last, which holds the remainder; any other length is a 422. Re-sending an index
//!   replaces it (idempotent).
//! - `GET /api/v1/uploads/{id}` lists `received_chunks` (ascending indices).
//! - `POST …/complete` answers 200 with the file object plus `file_id` and `session_id`. A
//!   missing chunk is 400 `UPLOAD_INCOMPLETE` (with the missing indices); a whole-file checksum
//!   mismatch is 422 `CHECKSUM_MISMATCH` and leaves the session open for corrected chunks.
//!   Completing an already completed session returns the same file again, so a retry after a
//!   lost response is safe.
//! - `DELETE /api/v1/uploads/{id}` aborts (204). An aborted or idle-expired session answers 410.
//! - Sessions are private to the user who created them (404 for anyone else).
//! - The name is checked at creation and again at completion (409 `NAME_CONFLICT`); with
//!   `replace_file_id` the file keeps its name and gets a new version.
//!
//! Chunk bytes are streamed to `uploads/<session>/<index>` without hashing; completion
//! concatenates them while hashing into a blob.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use futures::StreamExt;
use rusqlite::Connection;
use serde_json::{Value, json};

use crate::api::{access, mime, shapes};
use crate::auth::Caller;
use crate::blobs::WriteError;
use crate::db::items::{self, Kind, NewContent};
use crate::db::uploads::{self, State as SessionState, Upload};
use crate::db::versions;
use crate::error::{ApiError, ApiResult, violation};
use crate::ids;
use crate::role::Permission;
use crate::state::AppState;
use crate::validate::{Fields, JsonObject};

const MIN_CHUNK: u64 = 65_536;

fn default_chunk(max: u64) -> u64 {
    let cap = max.clamp(MIN_CHUNK, crate::config::DEFAULT_CHUNK_SIZE);
    1 << (63 - cap.leading_zeros())
}

/// `POST /api/v1/uploads` → 201 session.
pub(crate) async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonObject(body): JsonObject,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let mut f = Fields::new(&body);
    let share_id = f.req_str("share_id");
    let file_name = f.req_str("file_name");
    let file_size = f.req_u64("file_size");
    let chunk_size = f.opt_u64("chunk_size");
    let folder_id = f.opt_str("folder_id");
    let checksum = f.opt_str("checksum_sha256").map(|c| c.to_ascii_lowercase());
    let replace_file_id = f.opt_str("replace_file_id").filter(|r| !r.is_empty());
    let mime_type = f.opt_str("mime_type");
    if let (true, Err(msg)) = (!file_name.is_empty(), items::check_name(&file_name)) {
        f.error("file_name", &msg, "value_error");
    }
    let max_chunk = state.config.max_chunk_size;
    if let Some(c) = chunk_size.filter(|c| !c.is_power_of_two() || *c < MIN_CHUNK || *c > max_chunk)
    {
        f.error(
            "chunk_size",
            &format!("{c} is not a power of two between {MIN_CHUNK} and {max_chunk}"),
            "value_error",
        );
    }
    if checksum
        .as_ref()
        .is_some_and(|c| c.len() != 64 || !c.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        f.error(
            "checksum_sha256",
            "must be 64 hexadecimal characters",
            "value_error",
        );
    }
    f.finish()?;
    let cap = state.max_file_size();
    if file_size > cap {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            format!("file_size {file_size} exceeds the per-file limit of {cap} bytes"),
        ));
    }
    let chunk_size = chunk_size.unwrap_or_else(|| default_chunk(max_chunk));
    let total_chunks = u32::try_from(file_size.div_ceil(chunk_size))
        .map_err(|_| ApiError::invalid(&["body", "file_size"], "too many chunks", "value_error"))?;
    let ttl = ttl_secs(&state);
    let state2 = state.clone();
    let value = state
        .db
        .call(move |conn| {
            let (share, _) = access::require(conn, &caller, &share_id, Permission::Read)?;
            let folder_key = access::folder_key(conn, &share_id, folder_id.as_deref())?;
            let freed = match &replace_file_id {
                Some(id) => {
                    let (file, _) =
                        access::item(conn, &caller, id, Kind::File, Permission::Write, false)?;
                    if file.share_id != share_id {
                        return Err(ApiError::not_found("file", id));
                    }
                    file.size
                }
                None => {
                    access::require(conn, &caller, &share_id, Permission::Create)?;
                    items::ensure_name_free(conn, &share_id, &folder_key, &file_name)?;
                    0
                }
            };
            items::check_quota(conn, &share_id, state2.quota_for(&share), file_size, freed)?;
            let now = ids::now_ms();
            let upload = Upload {
                id: ids::new_id("upl"),
                share_id,
                folder_key,
                file_name,
                file_size,
                chunk_size,
                total_chunks,
                checksum,
                replace_file_id,
                mime_type,
                created_by: caller.user_id,
                state: SessionState::Active,
                created_at: now / 1000,
                touched_at: now,
                file_id: None,
            };
            uploads::insert(conn, &upload)?;
            Ok(shapes::upload(&upload, &[], ttl))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(value)))
}

fn ttl_secs(state: &AppState) -> i64 {
    i64::try_from(state.config.upload_session_ttl.as_secs()).unwrap_or(i64::MAX)
}

/// Loads the caller's session; 410 if aborted or idle too long (completed ones pass when
/// `allow_completed`).
fn load(
    conn: &Connection,
    state: &AppState,
    caller: &Caller,
    id: &str,
    allow_completed: bool,
) -> ApiResult<Upload> {
    let upload = uploads::get(conn, id)?
        .filter(|u| u.created_by == caller.user_id)
        .ok_or_else(|| ApiError::not_found("upload session", id))?;
    match upload.state {
        SessionState::Aborted => Err(ApiError::gone(
            "UPLOAD_SESSION_GONE",
            format!("upload session {id} was aborted"),
        )),
        SessionState::Completed if allow_completed => Ok(upload),
        SessionState::Completed => Err(ApiError::gone(
            "UPLOAD_SESSION_GONE",
            format!("upload session {id} is already completed"),
        )),
        SessionState::Active => {
            let ttl_ms =
                i64::try_from(state.config.upload_session_ttl.as_millis()).unwrap_or(i64::MAX);
            if ids::now_ms().saturating_sub(upload.touched_at) > ttl_ms {
                return Err(ApiError::gone(
                    "UPLOAD_SESSION_EXPIRED",
                    format!("upload session {id} expired after inactivity"),
                ));
            }
            Ok(upload)
        }
    }
}

/// `GET /api/v1/uploads/{session_id}`.
pub(crate) async fn status(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let ttl = ttl_secs(&state);
    let state2 = state.clone();
    let value = state
        .db
        .call(move |conn| {
            let upload = load(conn, &state2, &caller, &id, true)?;
            Ok(shapes::upload(&upload, &uploads::received(conn, &id)?, ttl))
        })
        .await?;
    Ok(Json(value))
}

/// `PUT /api/v1/uploads/{session_id}/chunks/{index}` with the raw chunk bytes.
pub(crate) async fn put_chunk(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, index)): Path<(String, String)>,
    body: Body,
) -> ApiResult<Json<Value>> {
    let Ok(index) = index.parse::<u32>() else {
        return Err(ApiError::invalid(
            &["path", "index"],
            "Input should be a valid integer",
            "int_parsing",
        ));
    };
    let state2 = state.clone();
    let id2 = id.clone();
    let upload = state
        .db
        .call(move |conn| load(conn, &state2, &caller, &id2, false))
        .await?;
    if index >= upload.total_chunks {
        return Err(ApiError::invalid(
            &["path", "index"],
            format!(
                "index must be below total_chunks ({}); indices start at 0",
                upload.total_chunks
            ),
            "less_than",
        ));
    }
    let expected = upload.chunk_len(index);
    let mut writer = state.blobs.writer(expected, false)?;
    let mut stream = body.into_data_stream();
    while let Some(frame) = stream.next().await {
        let bytes = frame.map_err(|e| ApiError::bad_request(format!("reading chunk body: {e}")))?;
        writer.write(&bytes).await.map_err(|e| match e {
            WriteError::TooLarge(_) => wrong_length(index, expected, None),
            WriteError::Io(e) => e.into(),
        })?;
    }
    if writer.len() != expected {
        return Err(wrong_length(index, expected, Some(writer.len())));
    }
    let staged = writer.finish().await?;
    let dir = state.uploads_dir.join(&id);
    tokio::fs::create_dir_all(&dir).await?;
    staged
        .temp
        .persist(dir.join(index.to_string()))
        .map_err(|e| ApiError::from(e.error))?;
    let received = state
        .db
        .call(move |conn| {
            uploads::record_chunk(conn, &id, index, expected, ids::now_ms())?;
            Ok(uploads::received(conn, &id)?.len())
        })
        .await?;
    Ok(Json(json!({
        "session_id": upload.id,
        "chunk_index": index,
        "size": expected,
        "received_count": received,
        "total_chunks": upload.total_chunks,
    })))
}

fn wrong_length(index: u32, expected: u64, got: Option<u64>) -> ApiError {
    let got = got.map_or_else(|| "more".to_owned(), |g| g.to_string());
    ApiError::validation(
        "CHUNK_SIZE_MISMATCH",
        vec![violation(
            &["body"],
            &format!("chunk {index} must be {expected} bytes, got {got}"),
            "value_error",
        )],
    )
}

/// `POST /api/v1/uploads/{session_id}/complete` → the file object.
pub(crate) async fn complete(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let (state2, caller2, id2) = (state.clone(), caller.clone(), id.clone());
    let (upload, received) = state
        .db
        .call(move |conn| {
            let upload = load(conn, &state2, &caller2, &id2, true)?;
            Ok((upload, uploads::received(conn, &id2)?))
        })
        .await?;
    if upload.state == SessionState::Completed {
        return finished_file(&state, caller, upload).await;
    }
    let missing: Vec<u32> = (0..upload.total_chunks)
        .filter(|i| received.binary_search(i).is_err())
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::bad_request(format!(
            "upload incomplete: {} of {} chunks missing",
            missing.len(),
            upload.total_chunks
        ))
        .with_code("UPLOAD_INCOMPLETE")
        .with_details(json!({ "missing_chunks": missing.iter().take(1000).collect::<Vec<_>>() })));
    }
    let dir = state.uploads_dir.join(&id);
    let parts = (0..upload.total_chunks)
        .map(|i| dir.join(i.to_string()))
        .collect();
    let staged = state.blobs.concat(parts).await?;
    let sha = staged.sha256.clone().unwrap_or_default();
    if let Some(expected) = upload.checksum.as_deref().filter(|c| *c != sha) {
        return Err(ApiError::validation(
            "CHECKSUM_MISMATCH",
            vec![violation(
                &["body", "checksum_sha256"],
                &format!("assembled content has SHA-256 {sha}, session declared {expected}"),
                "value_error",
            )],
        ));
    }
    let size = staged.size;
    let sha256 = state.blobs.commit(staged).await?;
    let state2 = state.clone();
    let value = state
        .db
        .call(move |conn| record(conn, &state2, &caller, &id, size, sha256))
        .await?;
    let _ = tokio::fs::remove_dir_all(&dir).await;
    Ok(Json(value))
}

/// Turns a fully assembled session into a file (or a new version) inside one transaction.
fn record(
    conn: &mut Connection,
    state: &AppState,
    caller: &Caller,
    id: &str,
    size: u64,
    sha256: String,
) -> ApiResult<Value> {
    let upload = load(conn, state, caller, id, true)?;
    if upload.state == SessionState::Completed {
        return completed_value(conn, &upload);
    }
    let (share, _) = access::require(conn, caller, &upload.share_id, Permission::Read)?;
    let quota = state.quota_for(&share);
    let mime_type = upload
        .mime_type
        .clone()
        .unwrap_or_else(|| mime::from_name(&upload.file_name).to_owned());
    let content = NewContent {
        size,
        sha256,
        mime_type,
    };
    let item = match &upload.replace_file_id {
        Some(file_id) => {
            access::item(conn, caller, file_id, Kind::File, Permission::Write, false)?;
            versions::add_version(conn, file_id, &content, &caller.user_id, quota)?
        }
        None => {
            access::require(conn, caller, &upload.share_id, Permission::Create)?;
            let key = access::folder_key(conn, &upload.share_id, Some(&upload.folder_key))?;
            items::create_file(
                conn,
                &upload.share_id,
                &key,
                &upload.file_name,
                &content,
                &caller.user_id,
                quota,
            )?
        }
    };
    uploads::close(conn, id, SessionState::Completed, Some(&item.id))?;
    let mut value = shapes::file(&item, &items::path_of(conn, &item)?);
    value["file_id"] = json!(item.id);
    value["session_id"] = json!(id);
    Ok(value)
}

fn completed_value(conn: &Connection, upload: &Upload) -> ApiResult<Value> {
    let file_id = upload.file_id.clone().unwrap_or_default();
    let item = items::get(conn, &file_id)?.ok_or_else(|| ApiError::not_found("file", &file_id))?;
    let mut value = shapes::file(&item, &items::path_of(conn, &item)?);
    value["file_id"] = json!(item.id);
    value["session_id"] = json!(upload.id);
    Ok(value)
}

async fn finished_file(
    state: &AppState,
    _caller: Caller,
    upload: Upload,
) -> ApiResult<Json<Value>> {
    let value = state
        .db
        .call(move |conn| completed_value(conn, &upload))
        .await?;
    Ok(Json(value))
}

/// `DELETE /api/v1/uploads/{session_id}` → 204.
pub(crate) async fn abort(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id2 = id.clone();
    state
        .db
        .call(move |conn| {
            let upload = uploads::get(conn, &id2)?
                .filter(|u| u.created_by == caller.user_id)
                .ok_or_else(|| ApiError::not_found("upload session", &id2))?;
            match upload.state {
                SessionState::Completed => Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "UPLOAD_ALREADY_COMPLETED",
                    format!("upload session {id2} is already completed"),
                )),
                SessionState::Aborted => Ok(()),
                SessionState::Active => {
                    uploads::close(conn, &id2, SessionState::Aborted, None)?;
                    Ok(())
                }
            }
        })
        .await?;
    let _ = tokio::fs::remove_dir_all(state.uploads_dir.join(&id)).await;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_default_chunk_is_the_largest_power_of_two_allowed() {
        assert_eq!(super::default_chunk(5_242_880), 4_194_304);
        assert_eq!(super::default_chunk(1_000_000), 524_288);
        assert_eq!(super::default_chunk(10), 65_536);
    }
}

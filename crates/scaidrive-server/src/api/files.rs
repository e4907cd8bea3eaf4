//! File endpoints: multipart create (streamed to disk while hashed), metadata, rename and
//! restore (`PATCH {"name"}`, `PATCH {"restore": true}` or `{"is_deleted": false}`), delete to
//! trash or for good, and the version list.
//!
//! Multipart create takes `share_id`, optional `folder_id`, optional `name` (which wins over
//! the part's filename) and the `file` part, whose `Content-Type` may be absent (the MIME type
//! then comes from the extension). Unknown fields are ignored.

use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{access, mime, shapes};
use crate::auth::Caller;
use crate::blobs::{Staged, WriteError};
use crate::db::items::{self, Kind, NewContent};
use crate::error::{ApiError, ApiResult, violation};
use crate::role::Permission;
use crate::state::AppState;
use crate::validate::{Fields, JsonObject};

/// 413 for a body over the cap.
pub(crate) fn too_large(err: WriteError) -> ApiError {
    match err {
        WriteError::TooLarge(limit) => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            format!("file exceeds the per-file limit of {limit} bytes"),
        ),
        WriteError::Io(e) => e.into(),
    }
}

fn bad_multipart(err: MultipartError) -> ApiError {
    ApiError::bad_request(format!("malformed multipart body: {}", err.body_text()))
}

async fn text(field: Field<'_>) -> ApiResult<String> {
    field.text().await.map_err(bad_multipart)
}

struct UploadForm {
    share_id: Option<String>,
    folder_id: Option<String>,
    name: Option<String>,
    filename: Option<String>,
    content_type: Option<String>,
    staged: Option<Staged>,
}

async fn read_form(state: &AppState, mut multipart: Multipart) -> ApiResult<UploadForm> {
    let mut form = UploadForm {
        share_id: None,
        folder_id: None,
        name: None,
        filename: None,
        content_type: None,
        staged: None,
    };
    while let Some(mut field) = multipart.next_field().await.map_err(bad_multipart)? {
        match field.name().unwrap_or("") {
            "file" => {
                form.filename = field.file_name().map(str::to_owned);
                form.content_type = field.content_type().map(str::to_owned);
                let mut writer = state.blobs.writer(state.max_file_size(), true)?;
                while let Some(chunk) = field.chunk().await.map_err(bad_multipart)? {
                    writer.write(&chunk).await.map_err(too_large)?;
                }
                form.staged = Some(writer.finish().await?);
            }
            "share_id" => form.share_id = Some(text(field).await?),
            "folder_id" => form.folder_id = Some(text(field).await?),
            "name" => form.name = Some(text(field).await?),
            _ => while field.chunk().await.map_err(bad_multipart)?.is_some() {},
        }
    }
    Ok(form)
}

/// `POST /api/v1/files` (multipart) → 201 file object.
pub(crate) async fn upload(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let multipart = multipart.map_err(|e| {
        ApiError::invalid(
            &["body"],
            format!("expected multipart/form-data: {}", e.body_text()),
            "value_error",
        )
    })?;
    let form = read_form(&state, multipart).await?;
    let name = form
        .name
        .clone()
        .filter(|n| !n.is_empty())
        .or(form.filename.clone());
    let mut errors = Vec::new();
    if form.share_id.as_deref().is_none_or(str::is_empty) {
        errors.push(violation(
            &["body", "share_id"],
            "Field required",
            "missing",
        ));
    }
    if form.staged.is_none() {
        errors.push(violation(&["body", "file"], "Field required", "missing"));
    }
    match name.as_deref().map(items::check_name) {
        None if form.staged.is_some() => {
            errors.push(violation(
                &["body", "name"],
                "a name or a part filename is required",
                "missing",
            ));
        }
        Some(Err(msg)) => errors.push(violation(&["body", "name"], &msg, "value_error")),
        _ => {}
    }
    if !errors.is_empty() {
        return Err(ApiError::validation("VALIDATION_ERROR", errors));
    }
    let (Some(share_id), Some(staged), Some(name)) = (form.share_id, form.staged, name) else {
        return Err(ApiError::bad_request("incomplete form"));
    };

    let mime_type = form
        .content_type
        .filter(|t| !t.is_empty() && t != "application/octet-stream")
        .unwrap_or_else(|| mime::from_name(&name).to_owned());
    let size = staged.size;
    let sha256 = state.blobs.commit(staged).await?;
    let content = NewContent {
        size,
        sha256,
        mime_type,
    };
    let folder_id = form.folder_id.filter(|f| !f.is_empty());
    let state2 = state.clone();
    let value = state
        .db
        .call(move |conn| {
            let (share, _) = access::require(conn, &caller, &share_id, Permission::Create)?;
            let parent = access::folder_key(conn, &share_id, folder_id.as_deref())?;
            let quota = state2.quota_for(&share);
            let item = items::create_file(
                conn,
                &share_id,
                &parent,
                &name,
                &content,
                &caller.user_id,
                quota,
            )?;
            Ok(shapes::file(&item, &items::path_of(conn, &item)?))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(value)))
}

/// `GET /api/v1/files/{file_id}`.
pub(crate) async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(file_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let value = state
        .db
        .call(move |conn| {
            let (item, _) =
                access::item(conn, &caller, &file_id, Kind::File, Permission::Read, false)?;
            Ok(shapes::file(&item, &items::path_of(conn, &item)?))
        })
        .await?;
    Ok(Json(value))
}

/// `PATCH /api/v1/files/{file_id}`: rename and/or restore from the trash.
pub(crate) async fn update(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(file_id): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<Value>> {
    let mut f = Fields::new(&body);
    let name = f.opt_str("name");
    let restore = f.opt_bool("restore").unwrap_or(false) || f.opt_bool("is_deleted") == Some(false);
    if let Some(Err(msg)) = name.as_deref().map(items::check_name) {
        f.error("name", &msg, "value_error");
    }
    if f.has("folder_id") {
        f.error(
            "folder_id",
            "moving files is not supported by the local server",
            "value_error",
        );
    }
    f.finish()?;
    let value = state
        .db
        .call(move |conn| {
            let (mut item, _) = access::item(
                conn,
                &caller,
                &file_id,
                Kind::File,
                Permission::Write,
                restore,
            )?;
            if restore && item.deleted_at.is_some() {
                item = items::restore(conn, &item)?;
            }
            if let Some(name) = name.filter(|n| *n != item.name) {
                item = items::rename(conn, &item, &name, &caller.user_id)?;
            }
            Ok(shapes::file(&item, &items::path_of(conn, &item)?))
        })
        .await?;
    Ok(Json(value))
}

/// Query of `DELETE`.
#[derive(Debug, Deserialize)]
pub(crate) struct DeleteQuery {
    permanent: Option<bool>,
}

/// `DELETE /api/v1/files/{file_id}[?permanent=true]` → 204.
pub(crate) async fn delete(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(file_id): Path<String>,
    Query(q): Query<DeleteQuery>,
) -> ApiResult<StatusCode> {
    let permanent = q.permanent.unwrap_or(false);
    state
        .db
        .call(move |conn| {
            let (item, _) = access::item(
                conn,
                &caller,
                &file_id,
                Kind::File,
                Permission::Delete,
                permanent,
            )?;
            if permanent {
                items::purge(conn, &item)
            } else {
                items::trash(conn, &item)
            }
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/files/{file_id}/versions`, newest first.
pub(crate) async fn versions(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(file_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let list = state
        .db
        .call(move |conn| {
            access::item(conn, &caller, &file_id, Kind::File, Permission::Read, false)?;
            Ok(crate::db::versions::versions(conn, &file_id)?)
        })
        .await?;
    let versions: Vec<Value> = list.iter().map(shapes::version).collect();
    Ok(Json(
        json!({ "versions": versions, "total": versions.len() }),
    ))
}

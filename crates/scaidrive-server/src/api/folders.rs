//! Folder endpoints: create, get (also `root`), children of a folder or `root`, rename
//! (`PATCH {"name"}`), delete to trash (the whole subtree) or for good (`?permanent=true`).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{access, shapes};
use crate::auth::Caller;
use crate::db::items::{self, Kind};
use crate::error::{ApiError, ApiResult};
use crate::ids;
use crate::role::Permission;
use crate::state::AppState;
use crate::validate::{Fields, JsonObject};

/// `POST /api/v1/folders` → 201 folder object.
pub(crate) async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonObject(body): JsonObject,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let mut f = Fields::new(&body);
    let share_id = f.req_str("share_id");
    let name = f.req_str("name");
    let parent_id = f.opt_str("parent_id");
    if let (false, Err(msg)) = (name.is_empty(), items::check_name(&name)) {
        f.error("name", &msg, "value_error");
    }
    f.finish()?;
    let value = state
        .db
        .call(move |conn| {
            access::require(conn, &caller, &share_id, Permission::Create)?;
            let parent = access::folder_key(conn, &share_id, parent_id.as_deref())?;
            let item = items::create_folder(conn, &share_id, &parent, &name, &caller.user_id)?;
            Ok(shapes::folder(&item, &items::path_of(conn, &item)?))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(value)))
}

/// Query of folder reads.
#[derive(Debug, Deserialize)]
pub(crate) struct FolderQuery {
    share_id: Option<String>,
    include_deleted: Option<bool>,
    permanent: Option<bool>,
}

/// `GET /api/v1/folders/{folder_id}` (`root` needs `?share_id=`).
pub(crate) async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(folder_id): Path<String>,
    Query(q): Query<FolderQuery>,
) -> ApiResult<Json<Value>> {
    let value = state
        .db
        .call(move |conn| {
            if folder_id == "root" {
                let share_id = q.share_id.ok_or_else(|| {
                    ApiError::invalid(&["query", "share_id"], "Field required", "missing")
                })?;
                let (share, _) = access::require(conn, &caller, &share_id, Permission::Read)?;
                return Ok(json!({
                    "id": "root", "share_id": share.id, "parent_id": null, "name": "",
                    "type": "folder", "path": "/", "tenant_id": shapes::TENANT_ID,
                    "owner_id": share.owner_id, "created_at": ids::iso(share.created_at),
                    "modified_at": ids::iso(share.modified_at), "is_deleted": false,
                }));
            }
            let (item, _) = access::item(
                conn,
                &caller,
                &folder_id,
                Kind::Folder,
                Permission::Read,
                false,
            )?;
            Ok(shapes::folder(&item, &items::path_of(conn, &item)?))
        })
        .await?;
    Ok(Json(value))
}

/// `GET /api/v1/folders/{folder_id}/children?share_id=…[&include_deleted=true]`.
pub(crate) async fn children(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(folder_id): Path<String>,
    Query(q): Query<FolderQuery>,
) -> ApiResult<Json<Value>> {
    let Some(share_id) = q.share_id.clone() else {
        return Err(ApiError::invalid(
            &["query", "share_id"],
            "Field required",
            "missing",
        ));
    };
    let include_deleted = q.include_deleted.unwrap_or(false);
    let value = state
        .db
        .call(move |conn| {
            access::require(conn, &caller, &share_id, Permission::Read)?;
            let key = access::folder_key(conn, &share_id, Some(&folder_id))?;
            let path = items::folder_path(conn, &key)?;
            let list = items::children(conn, &share_id, &key, include_deleted)?;
            let entries: Vec<Value> = list.iter().map(|i| shapes::child(i, &path)).collect();
            Ok(json!({ "items": entries, "path": path, "total": entries.len() }))
        })
        .await?;
    Ok(Json(value))
}

/// `PATCH /api/v1/folders/{folder_id}` with `{"name"}`.
pub(crate) async fn update(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(folder_id): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<Value>> {
    let mut f = Fields::new(&body);
    let name = f.opt_str("name");
    if let Some(Err(msg)) = name.as_deref().map(items::check_name) {
        f.error("name", &msg, "value_error");
    }
    f.finish()?;
    let value = state
        .db
        .call(move |conn| {
            let (mut item, _) = access::item(
                conn,
                &caller,
                &folder_id,
                Kind::Folder,
                Permission::Write,
                false,
            )?;
            if let Some(name) = name.filter(|n| *n != item.name) {
                item = items::rename(conn, &item, &name, &caller.user_id)?;
            }
            Ok(shapes::folder(&item, &items::path_of(conn, &item)?))
        })
        .await?;
    Ok(Json(value))
}

/// `DELETE /api/v1/folders/{folder_id}[?permanent=true]` → 204.
pub(crate) async fn delete(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(folder_id): Path<String>,
    Query(q): Query<FolderQuery>,
) -> ApiResult<StatusCode> {
    let permanent = q.permanent.unwrap_or(false);
    state
        .db
        .call(move |conn| {
            let (item, _) = access::item(
                conn,
                &caller,
                &folder_id,
                Kind::Folder,
                crate::role::Permission::Delete,
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

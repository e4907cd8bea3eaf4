//! External links: create (needs `SHARE`: owner or admin), list (`{"links": [...], "total"}`,
//! filters `share_id`, `resource_id`, `status`), get, patch, revoke (204, permanent).
//!
//! Decisions: giving both `expires_in_days` and `expires_at` is a 422; `PATCH` may not touch
//! `resource_type`, `resource_id`, `link_type` (422); `null` clears an option (`PATCH
//! {"password": null}` removes the password, `{"max_views": null}` the cap, `{"expires_at":
//! null}` the expiry; a flag set to `null` goes back to its default and is no longer
//! reported); patching a revoked link is 410. Passwords are hashed with Argon2id. A caller sees
//! links they created plus every link of shares where they hold `SHARE`.

use argon2::{Argon2, PasswordHasher};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use rusqlite::Connection;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::users::Page;
use crate::api::{access, shapes};
use crate::auth::Caller;
use crate::db::links::{self, Link};
use crate::db::{identity, items};
use crate::error::{ApiError, ApiResult};
use crate::ids;
use crate::role::Permission;
use crate::state::AppState;
use crate::validate::{Fields, JsonObject};

const STRING_OPTIONS: &[&str] = &[
    "custom_name",
    "custom_message",
    "notification_email",
    "upload_folder_id",
];
const BOOL_OPTIONS: &[&str] = &[
    "require_email",
    "show_download_button",
    "allow_preview",
    "notify_on_access",
    "notify_on_download",
    "notify_on_upload",
];
const LIST_OPTIONS: &[&str] = &["allowed_ips", "allowed_emails", "allowed_extensions"];

/// Hashes a link password (Argon2id, random salt) in the blocking pool.
async fn hash_password(password: String) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(ApiError::internal)
    })
    .await
    .map_err(ApiError::internal)?
}

/// Reads the optional, freely patchable fields into `link`; returns a new password if any.
fn read_options(f: &mut Fields<'_>, link: &mut Link, now: i64) -> Option<Option<String>> {
    for key in STRING_OPTIONS {
        if f.has(key) {
            let value = f.opt_str(key);
            link.options.insert((*key).into(), json!(value));
        }
    }
    for key in BOOL_OPTIONS {
        if f.has(key) {
            match f.opt_bool(key) {
                Some(value) => link.options.insert((*key).into(), json!(value)),
                // `null` puts the flag back to its default: not reported.
                None => link.options.remove(*key),
            };
        }
    }
    for key in LIST_OPTIONS {
        if f.has(key) {
            let value = f.opt_str_list(key);
            link.options.insert((*key).into(), json!(value));
        }
    }
    if f.has("max_file_size") {
        let value = f.opt_u64("max_file_size");
        link.options.insert("max_file_size".into(), json!(value));
    }
    if f.has("max_downloads") {
        link.max_downloads = f.opt_u64("max_downloads");
    }
    if f.has("max_views") {
        link.max_views = f.opt_u64("max_views");
    }
    let days = f.opt_u64("expires_in_days");
    let at = if f.has("expires_at") {
        Some(f.opt_str("expires_at"))
    } else {
        None
    };
    match (days, at) {
        (Some(_), Some(Some(_))) => {
            f.error(
                "expires_at",
                "give either expires_in_days or expires_at, not both",
                "value_error",
            );
        }
        (Some(d), _) => link.expires_at = Some(now + i64::try_from(d).unwrap_or(36500) * 86_400),
        (None, Some(Some(text))) => match ids::parse_iso(&text) {
            Some(t) => link.expires_at = Some(t),
            None => f.error(
                "expires_at",
                "Input should be a valid datetime",
                "datetime_parsing",
            ),
        },
        (None, Some(None)) => link.expires_at = None,
        (None, None) => {}
    }
    if f.has("password") {
        let password = f.opt_str("password");
        if password.as_deref() == Some("") {
            f.error(
                "password",
                "password must not be empty (send null to remove it)",
                "value_error",
            );
        }
        return Some(password);
    }
    None
}

fn check_resource(conn: &Connection, link: &Link) -> ApiResult<()> {
    let found = match link.resource_type.as_str() {
        "share" => link.resource_id == link.share_id,
        kind => items::get(conn, &link.resource_id)?.is_some_and(|i| {
            i.kind.as_str() == kind && i.share_id == link.share_id && i.deleted_at.is_none()
        }),
    };
    if !found {
        return Err(ApiError::not_found(&link.resource_type, &link.resource_id));
    }
    if link.link_type == "UPLOAD" && link.resource_type != "folder" {
        return Err(ApiError::invalid(
            &["body", "link_type"],
            "UPLOAD links need a folder",
            "value_error",
        ));
    }
    Ok(())
}

/// `POST /api/v1/external/links` → 201 link.
pub(crate) async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonObject(body): JsonObject,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let now = ids::now();
    let mut f = Fields::new(&body);
    let resource_type = f.req_str("resource_type");
    let resource_id = f.req_str("resource_id");
    let share_id = f.req_str("share_id");
    let link_type = f.req_str("link_type");
    if !resource_type.is_empty() && !["file", "folder", "share"].contains(&resource_type.as_str()) {
        f.error(
            "resource_type",
            "Input should be 'file', 'folder' or 'share'",
            "enum",
        );
    }
    if !link_type.is_empty() && !["VIEW", "DOWNLOAD", "UPLOAD"].contains(&link_type.as_str()) {
        f.error(
            "link_type",
            "Input should be 'VIEW', 'DOWNLOAD' or 'UPLOAD'",
            "enum",
        );
    }
    let mut link = Link {
        id: ids::new_id("lnk"),
        share_id,
        resource_type,
        resource_id,
        link_type,
        token: ids::random_code(32),
        short_code: ids::random_code(8),
        revoked_at: None,
        password_hash: None,
        expires_at: None,
        max_downloads: None,
        download_count: 0,
        max_views: None,
        view_count: 0,
        options: Map::new(),
        created_by: caller.user_id.clone(),
        created_at: now,
        modified_at: now,
    };
    let password = read_options(&mut f, &mut link, now).flatten();
    if link.link_type == "UPLOAD"
        && !link
            .options
            .get("upload_folder_id")
            .is_some_and(Value::is_string)
    {
        f.error(
            "upload_folder_id",
            "Field required for UPLOAD links",
            "missing",
        );
    }
    f.finish()?;
    if let Some(password) = password {
        link.password_hash = Some(hash_password(password).await?);
    }
    let public_url = state.public_url.clone();
    let value = state
        .db
        .call(move |conn| {
            access::require(conn, &caller, &link.share_id, Permission::Read)?;
            check_resource(conn, &link)?;
            access::require(conn, &caller, &link.share_id, Permission::Share)?;
            links::insert(conn, &link)?;
            Ok(shapes::link(&link, &public_url, now))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(value)))
}

/// Filters of the list.
#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    share_id: Option<String>,
    resource_id: Option<String>,
    status: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
}

fn sharable_shares(conn: &Connection, user_id: &str) -> ApiResult<Vec<String>> {
    Ok(identity::shares_of(conn, user_id)?
        .into_iter()
        .filter(|(_, role)| role.allows(Permission::Share))
        .map(|(s, _)| s.id)
        .collect())
}

/// `GET /api/v1/external/links`.
pub(crate) async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    let (limit, offset) = Page {
        limit: q.limit,
        offset: q.offset,
    }
    .bounds()?;
    let now = ids::now();
    let public_url = state.public_url.clone();
    let value = state
        .db
        .call(move |conn| {
            let shares = sharable_shares(conn, &caller.user_id)?;
            let all = links::list(
                conn,
                &shares,
                &caller.user_id,
                q.share_id.as_deref(),
                q.resource_id.as_deref(),
            )?;
            let matching: Vec<Link> = all
                .into_iter()
                .filter(|l| q.status.as_deref().is_none_or(|s| l.status(now) == s))
                .collect();
            let page: Vec<Value> = matching
                .iter()
                .skip(offset)
                .take(limit)
                .map(|l| shapes::link(l, &public_url, now))
                .collect();
            Ok(json!({ "links": page, "total": matching.len() }))
        })
        .await?;
    Ok(Json(value))
}

fn visible(conn: &Connection, caller: &Caller, id: &str) -> ApiResult<Link> {
    let link = links::get(conn, id)?.ok_or_else(|| ApiError::not_found("link", id))?;
    if link.created_by == caller.user_id {
        return Ok(link);
    }
    let role = identity::role_of(conn, &caller.user_id, &link.share_id)?;
    if role.is_some_and(|r| r.allows(Permission::Share)) {
        Ok(link)
    } else {
        Err(ApiError::not_found("link", id))
    }
}

/// `GET /api/v1/external/links/{link_id}`.
pub(crate) async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let public_url = state.public_url.clone();
    let value = state
        .db
        .call(move |conn| {
            Ok(shapes::link(
                &visible(conn, &caller, &id)?,
                &public_url,
                ids::now(),
            ))
        })
        .await?;
    Ok(Json(value))
}

/// `PATCH /api/v1/external/links/{link_id}`.
pub(crate) async fn update(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<Value>> {
    let (caller2, id2) = (caller.clone(), id.clone());
    let mut link = state
        .db
        .call(move |conn| visible(conn, &caller2, &id2))
        .await?;
    if link.revoked_at.is_some() {
        return Err(ApiError::gone(
            "LINK_REVOKED",
            format!("link {id} is revoked"),
        ));
    }
    let now = ids::now();
    let mut f = Fields::new(&body);
    for key in ["resource_type", "resource_id", "link_type", "share_id"] {
        if f.has(key) {
            f.error(
                key,
                "this field cannot be changed; create a new link instead",
                "value_error",
            );
        }
    }
    let password = read_options(&mut f, &mut link, now);
    f.finish()?;
    match password {
        Some(Some(p)) => link.password_hash = Some(hash_password(p).await?),
        Some(None) => link.password_hash = None,
        None => {}
    }
    let public_url = state.public_url.clone();
    let value = state
        .db
        .call(move |conn| {
            access::require(conn, &caller, &link.share_id, Permission::Share)?;
            links::update(conn, &link)?;
            let fresh =
                links::get(conn, &link.id)?.ok_or_else(|| ApiError::not_found("link", &link.id))?;
            Ok(shapes::link(&fresh, &public_url, now))
        })
        .await?;
    Ok(Json(value))
}

/// `DELETE /api/v1/external/links/{link_id}` → 204 (revocation is permanent).
pub(crate) async fn revoke(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state
        .db
        .call(move |conn| {
            let link = visible(conn, &caller, &id)?;
            access::require(conn, &caller, &link.share_id, Permission::Share)?;
            Ok(links::revoke(conn, &id)?)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

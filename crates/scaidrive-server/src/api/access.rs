//! Permission checks shared by the handlers: a share the caller is not a member of is
//! invisible (404); a member lacking a permission gets 403 `AUTHZ_PERMISSION_DENIED`; a
//! trashed item answers 410.

use rusqlite::Connection;

use crate::auth::Caller;
use crate::db::identity::{self, Share};
use crate::db::items::{self, Item, Kind};
use crate::error::{ApiError, ApiResult};
use crate::role::{Permission, Role};

/// The share and the caller's role, if the role grants `permission`.
pub(crate) fn require(
    conn: &Connection,
    caller: &Caller,
    share_id: &str,
    permission: Permission,
) -> ApiResult<(Share, Role)> {
    let role = identity::role_of(conn, &caller.user_id, share_id)?;
    let (Some(role), Some(share)) = (role, identity::share(conn, share_id)?) else {
        return Err(ApiError::not_found("share", share_id));
    };
    if !role.allows(permission) {
        return Err(ApiError::forbidden(format!(
            "Permission denied: {} on share/{share_id} (role {})",
            permission.name(),
            role.as_str()
        )));
    }
    Ok((share, role))
}

/// Resolves a folder reference (`None`, `"root"` or a folder id) in a share to its key.
pub(crate) fn folder_key(
    conn: &Connection,
    share_id: &str,
    folder_id: Option<&str>,
) -> ApiResult<String> {
    let Some(id) = folder_id.filter(|id| *id != "root" && !id.is_empty()) else {
        return Ok(String::new());
    };
    let item = items::get(conn, id)?
        .filter(|i| i.kind == Kind::Folder && i.share_id == share_id)
        .ok_or_else(|| ApiError::not_found("folder", id))?;
    if item.deleted_at.is_some() {
        return Err(ApiError::gone(
            "RESOURCE_DELETED",
            format!("folder {id} is in the trash"),
        ));
    }
    Ok(item.id)
}

/// Loads an item of `kind` the caller may act on with `permission`; trashed items are refused
/// with 410 unless `allow_trashed`.
pub(crate) fn item(
    conn: &Connection,
    caller: &Caller,
    id: &str,
    kind: Kind,
    permission: Permission,
    allow_trashed: bool,
) -> ApiResult<(Item, Share)> {
    let what = kind.as_str();
    let item = items::get(conn, id)?
        .filter(|i| i.kind == kind)
        .ok_or_else(|| ApiError::not_found(what, id))?;
    let role = identity::role_of(conn, &caller.user_id, &item.share_id)?;
    let Some(role) = role else {
        return Err(ApiError::not_found(what, id));
    };
    let share =
        identity::share(conn, &item.share_id)?.ok_or_else(|| ApiError::not_found(what, id))?;
    if item.deleted_at.is_some() && !allow_trashed {
        return Err(ApiError::gone(
            "RESOURCE_DELETED",
            format!("{what} {id} is in the trash"),
        ));
    }
    if !role.allows(permission) {
        return Err(ApiError::forbidden(format!(
            "Permission denied: {} on {what}/{id} (role {})",
            permission.name(),
            role.as_str()
        )));
    }
    Ok((item, share))
}

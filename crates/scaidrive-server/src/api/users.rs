//! The caller's profile, their shares, and single shares.

use axum::extract::{Path, Query, State};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{access, shapes};
use crate::auth::Caller;
use crate::db::{identity, items};
use crate::error::{ApiError, ApiResult};
use crate::role::Permission;
use crate::state::AppState;

/// `GET /api/v1/users/me`.
pub(crate) async fn me(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> ApiResult<Json<Value>> {
    let user = state
        .db
        .call(move |conn| {
            identity::user(conn, &caller.user_id)?
                .ok_or_else(|| ApiError::not_found("user", &caller.user_id))
        })
        .await?;
    Ok(Json(json!({
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "display_name": user.name,
        "tenant_id": shapes::TENANT_ID,
        "partner_id": null,
        "groups": [],
        "scopes": ["files:read", "files:write"],
        "is_admin": false,
        "admin_role": null,
    })))
}

/// Offset pagination parameters.
#[derive(Debug, Deserialize)]
pub(crate) struct Page {
    pub(crate) limit: Option<usize>,
    pub(crate) offset: Option<usize>,
}

impl Page {
    /// Validated `(limit, offset)`; limit 1–100, default 50.
    pub(crate) fn bounds(&self) -> ApiResult<(usize, usize)> {
        let limit = self.limit.unwrap_or(50);
        if !(1..=100).contains(&limit) {
            return Err(ApiError::invalid(
                &["query", "limit"],
                "Input should be between 1 and 100",
                "less_than_equal",
            ));
        }
        Ok((limit, self.offset.unwrap_or(0)))
    }
}

/// `GET /api/v1/users/me/shares` (also `GET /api/v1/shares`).
pub(crate) async fn my_shares(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(page): Query<Page>,
) -> ApiResult<Json<Value>> {
    let (limit, offset) = page.bounds()?;
    let (total, shares) = state
        .db
        .call(move |conn| {
            let all = identity::shares_of(conn, &caller.user_id)?;
            let total = all.len();
            let mut out = Vec::new();
            for (share, role) in all.into_iter().skip(offset).take(limit) {
                let used = items::used_bytes(conn, &share.id)?;
                out.push(shapes::share_item(&share, role, used));
            }
            Ok((total, out))
        })
        .await?;
    Ok(Json(json!({ "shares": shares, "total": total })))
}

/// `GET /api/v1/shares/{share_id}`.
pub(crate) async fn share(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(share_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let value = state
        .db
        .call(move |conn| {
            let (share, _) = access::require(conn, &caller, &share_id, Permission::Read)?;
            Ok(shapes::share(&share, items::used_bytes(conn, &share.id)?))
        })
        .await?;
    Ok(Json(value))
}

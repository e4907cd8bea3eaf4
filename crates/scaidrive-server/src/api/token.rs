//! `POST /api/v1/auth/token` (form-encoded): the `refresh_token` grant with one-time refresh
//! tokens. The `authorization_code` grant has no identity provider behind it here and answers
//! 400 `AUTH_TOKEN_INVALID`.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Form, Json};
use serde_json::{Value, json};

use crate::db::identity;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Exchanges a refresh token for a new access/refresh pair.
pub(crate) async fn token(
    State(state): State<AppState>,
    Form(form): Form<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    match form.get("grant_type").map(String::as_str) {
        Some("refresh_token") => {}
        Some(other) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "AUTH_TOKEN_INVALID",
                format!("unsupported grant_type `{other}` (the local server only refreshes)"),
            ));
        }
        None => {
            return Err(ApiError::invalid(
                &["body", "grant_type"],
                "Field required",
                "missing",
            ));
        }
    }
    let Some(refresh) = form.get("refresh_token").cloned() else {
        return Err(ApiError::invalid(
            &["body", "refresh_token"],
            "Field required",
            "missing",
        ));
    };
    let used = refresh.clone();
    let pair = state
        .db
        .call(move |conn| identity::rotate_refresh(conn, &refresh))
        .await?;
    let Some(pair) = pair else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "AUTH_TOKEN_INVALID",
            "refresh token is invalid or was already used",
        ));
    };
    let expires_in = state
        .faults
        .current()
        .token_ttl
        .map_or(3600, |t| t.as_secs().max(1));
    if let Ok(mut creds) = state.credentials.lock()
        && creds.refresh_token == used
    {
        creds.token = pair.access.clone();
        creds.refresh_token = pair.refresh.clone();
    }
    Ok(Json(json!({
        "access_token": pair.access,
        "token_type": "Bearer",
        "expires_in": expires_in,
        "refresh_token": pair.refresh,
    })))
}

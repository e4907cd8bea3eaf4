//! Unauthenticated discovery endpoints: health, readiness and server configuration.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::state::AppState;

/// `GET /api/v1/health`.
pub(crate) async fn health() -> Json<Value> {
    Json(json!({ "status": "healthy", "version": env!("CARGO_PKG_VERSION") }))
}

/// `GET /api/v1/ready`.
pub(crate) async fn ready() -> Json<Value> {
    Json(json!({
        "status": "ready",
        "checks": { "database": true, "redis": true, "storage": true, "scaikey": true },
    }))
}

/// `GET /api/v1/config`: version, features and upload limits.
pub(crate) async fn config(State(state): State<AppState>) -> Json<Value> {
    Json(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "features": {
            "semantic_search": false,
            "external_sharing": true,
            "smb_connector": false,
            "sharepoint_connector": false,
        },
        "limits": {
            "max_file_size_bytes": state.max_file_size(),
            "max_upload_chunk_size_bytes": state.config.max_chunk_size,
        },
    }))
}

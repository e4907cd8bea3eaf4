//! Unauthenticated helpers for out-of-process tools under `/_local/`, answered only to
//! loopback peers (403 otherwise):
//!
//! - `GET /_local/requests` → `{"requests": [LoggedRequest…]}`; `DELETE` clears the log (204).
//! - `GET /_local/credentials` → the default identity (as in `connection.json`).
//! - `GET /_local/faults`, `PUT /_local/faults` with `{seed, latency_ms, error_rate, drop_rate,
//!   storm: {period_ms, length_ms, retry_after_ms} | null, token_ttl_ms, max_file_size,
//!   quota_bytes}` (missing keys mean "off").
//! - `GET /_local/snapshot/{share_id}` → `{path: {id, kind, size, sha256, version}}`.

use std::time::Duration;

use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::{Next, from_fn};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::config::{Faults, Storm};
use crate::conn::ConnInfo;
use crate::error::{ApiError, ApiResult};
use crate::server::snapshot_of;
use crate::state::AppState;

/// The `/_local` routes.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/_local/requests", get(requests).delete(clear))
        .route("/_local/credentials", get(credentials))
        .route("/_local/faults", get(faults).put(set_faults))
        .route("/_local/snapshot/{share_id}", get(snapshot))
        .route_layer(from_fn(loopback_only))
}

async fn loopback_only(req: Request, next: Next) -> Response {
    let remote = req
        .extensions()
        .get::<ConnectInfo<ConnInfo>>()
        .map(|c| c.0.remote.ip());
    if remote.is_some_and(|ip| !ip.is_loopback()) {
        return ApiError::forbidden("/_local is only served to loopback clients").into_response();
    }
    next.run(req).await
}

async fn requests(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "requests": state.log.snapshot() }))
}

async fn clear(State(state): State<AppState>) -> StatusCode {
    state.log.clear();
    StatusCode::NO_CONTENT
}

async fn credentials(State(state): State<AppState>) -> Json<Value> {
    Json(json!(state.credentials()))
}

/// Wire form of [`Faults`] with durations in milliseconds.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FaultsWire {
    seed: u64,
    latency_ms: u64,
    error_rate: f64,
    drop_rate: f64,
    storm: Option<StormWire>,
    token_ttl_ms: Option<u64>,
    max_file_size: Option<u64>,
    quota_bytes: Option<u64>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StormWire {
    period_ms: u64,
    length_ms: u64,
    retry_after_ms: u64,
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

async fn faults(State(state): State<AppState>) -> Json<Value> {
    let f = state.faults.current();
    Json(json!(FaultsWire {
        seed: f.seed,
        latency_ms: millis(f.latency),
        error_rate: f.error_rate,
        drop_rate: f.drop_rate,
        storm: f.storm.map(|s| StormWire {
            period_ms: millis(s.period),
            length_ms: millis(s.length),
            retry_after_ms: millis(s.retry_after),
        }),
        token_ttl_ms: f.token_ttl.map(millis),
        max_file_size: f.max_file_size,
        quota_bytes: f.quota_bytes,
    }))
}

async fn set_faults(
    State(state): State<AppState>,
    body: axum::body::Bytes,
) -> ApiResult<StatusCode> {
    let wire: FaultsWire = serde_json::from_slice(&body)
        .map_err(|e| ApiError::invalid(&["body"], e.to_string(), "value_error"))?;
    state.faults.set(Faults {
        seed: wire.seed,
        latency: Duration::from_millis(wire.latency_ms),
        error_rate: wire.error_rate,
        drop_rate: wire.drop_rate,
        storm: wire.storm.map(|s| Storm {
            period: Duration::from_millis(s.period_ms),
            length: Duration::from_millis(s.length_ms),
            retry_after: Duration::from_millis(s.retry_after_ms),
        }),
        token_ttl: wire.token_ttl_ms.map(Duration::from_millis),
        max_file_size: wire.max_file_size,
        quota_bytes: wire.quota_bytes,
    });
    Ok(StatusCode::NO_CONTENT)
}

async fn snapshot(
    State(state): State<AppState>,
    Path(share_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let entries = state
        .db
        .call(move |conn| Ok(snapshot_of(conn, &share_id)?))
        .await?;
    Ok(Json(json!(entries)))
}

//! The outermost layer, wrapped around every route: assigns the request id, renders
//! [`ApiError`]s (and axum's own plain-text rejections) into the documented JSON error body,
//! adds `X-Request-ID` and default `X-RateLimit-*` headers, carries out a fault-injected
//! response drop, and appends to the request log.

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::json;

use crate::conn::ConnInfo;
use crate::error::{ApiError, violation};
use crate::faults::DropResponse;
use crate::ids;
use crate::ratelimit::Quote;
use crate::request_log::{LoggedRequest, redact_path, redact_query};
use crate::state::AppState;

/// Middleware: request id, error rendering, headers, drop, log.
pub(crate) async fn outer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let request_id = ids::new_id("req");
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let conn = req
        .extensions()
        .get::<ConnectInfo<ConnInfo>>()
        .map(|c| c.0.clone());

    let mut response = next.run(req).await;
    if let Some(err) = response.extensions_mut().remove::<ApiError>() {
        fill_error_body(&mut response, &err, &request_id);
    } else if needs_error_body(&response) {
        response = convert_plain_error(response, &request_id).await;
    }

    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert("x-request-id", value);
    }
    if !Quote::present(headers) {
        state.rate.idle().apply(headers);
    }

    let dropped = response.extensions().get::<DropResponse>().is_some();
    if dropped && let Some(conn) = &conn {
        conn.kill();
    }
    if !path.starts_with("/_local") {
        let status = response.status().as_u16();
        state.log.push(LoggedRequest {
            method,
            path: redact_path(&path),
            query: query.as_deref().map(redact_query),
            status,
            dropped,
            request_id,
        });
    }
    response
}

fn fill_error_body(response: &mut Response, err: &ApiError, request_id: &str) {
    let body = err.body(request_id).to_string();
    *response.body_mut() = Body::from(body);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.remove(header::CONTENT_LENGTH);
    if let Some(secs) = err.retry_after {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
}

fn needs_error_body(response: &Response) -> bool {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return false;
    }
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    !(content_type.starts_with("application/json") || content_type.starts_with("text/html"))
}

/// Rewrites a framework rejection (plain text, or empty) into the documented error body.
async fn convert_plain_error(response: Response, request_id: &str) -> Response {
    let (parts, body) = response.into_parts();
    let text = to_bytes(body, 4096).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_owned();
    let status = parts.status;
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_lowercase()
    } else {
        text
    };
    let err = match status {
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ApiError::validation(
                "VALIDATION_ERROR",
                vec![violation(&["body"], &message, "value_error")],
            )
        }
        StatusCode::NOT_FOUND => ApiError::new(status, "NOT_FOUND", message),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::new(status, "METHOD_NOT_ALLOWED", message),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(status, "PAYLOAD_TOO_LARGE", message),
        s if s.is_server_error() => ApiError::new(status, "INTERNAL_ERROR", message),
        _ => ApiError::new(status, "BAD_REQUEST", message),
    };
    let mut rebuilt = Response::from_parts(parts, Body::empty());
    *rebuilt.status_mut() = err.status;
    fill_error_body(&mut rebuilt, &err, request_id);
    rebuilt
}

/// Fallback for unknown routes.
pub(crate) async fn not_found(req: Request) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!("no route for {}", req.uri().path()),
    )
    .with_details(json!({ "method": req.method().as_str() }))
}

//! Bearer-token authentication and rate charging for the authenticated API routes. A valid
//! token becomes a [`Caller`] extension; the request is charged its documented cost against
//! the token's budget; the response gets that token's `X-RateLimit-*` numbers.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::db::identity;
use crate::error::ApiError;
use crate::ids;
use crate::state::AppState;

/// The authenticated user behind a request.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) user_id: String,
}

/// Documented cost of a request in rate units.
pub(crate) fn cost(method: &Method, route: &str) -> u32 {
    let upload = (method == Method::POST && route == "/api/v1/files")
        || route.ends_with("/chunks/{index}")
        || route.ends_with("/content");
    let list = method == Method::GET
        && (route.ends_with("/children")
            || route.ends_with("/versions")
            || route == "/api/v1/users/me/shares"
            || route == "/api/v1/shares"
            || route == "/api/v1/external/links");
    if upload {
        5
    } else if list || method != Method::GET {
        2
    } else {
        1
    }
}

fn unauthorized(code: &'static str, message: &str) -> Response {
    ApiError::new(StatusCode::UNAUTHORIZED, code, message).into_response()
}

/// Middleware: authenticate, charge, annotate.
pub(crate) async fn require_token(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|v| v.trim().to_owned());
    let Some(token) = bearer else {
        return unauthorized("AUTH_TOKEN_INVALID", "missing bearer token");
    };
    let info = match state
        .db
        .call(move |conn| Ok(identity::verify_access(conn, &token)?))
        .await
    {
        Ok(Some(info)) => info,
        Ok(None) => return unauthorized("AUTH_TOKEN_INVALID", "invalid access token"),
        Err(err) => return err.into_response(),
    };
    if let Some(ttl) = state.faults.current().token_ttl {
        let age_ms = ids::now_ms().saturating_sub(info.issued_at);
        if u128::try_from(age_ms).unwrap_or(0) >= ttl.as_millis() {
            return unauthorized("AUTH_TOKEN_EXPIRED", "access token expired; refresh it");
        }
    }

    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| req.uri().path().to_owned(), |m| m.as_str().to_owned());
    let quote = state
        .rate
        .charge(&info.token_id, cost(req.method(), &route));
    if let Some(retry_after) = quote.retry_after {
        let mut err = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITED",
            format!("rate limit exceeded; retry in {retry_after} s"),
        )
        .with_details(json!({
            "dimension": "token",
            "limit": quote.limit,
            "window_seconds": state.rate.window_secs(),
        }));
        err.retry_after = Some(retry_after);
        let mut response = err.into_response();
        quote.apply(response.headers_mut());
        return response;
    }

    req.extensions_mut().insert(Caller {
        user_id: info.user_id,
    });
    let mut response = next.run(req).await;
    quote.apply(response.headers_mut());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_follow_the_documented_classes() {
        assert_eq!(cost(&Method::GET, "/api/v1/files/{file_id}"), 1);
        assert_eq!(
            cost(&Method::GET, "/api/v1/folders/{folder_id}/children"),
            2
        );
        assert_eq!(cost(&Method::POST, "/api/v1/folders"), 2);
        assert_eq!(cost(&Method::POST, "/api/v1/files"), 5);
        assert_eq!(
            cost(&Method::PUT, "/api/v1/uploads/{session_id}/chunks/{index}"),
            5
        );
        assert_eq!(cost(&Method::GET, "/api/v1/files/{file_id}/content"), 5);
    }
}

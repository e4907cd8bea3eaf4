//! API errors and their wire form. Handlers return [`ApiError`]; it travels to the outer
//! middleware as a response extension, which renders it once the request id is known.
//!
//! The body satisfies both documented readers at once:
//! `{"detail": …, "status": "error", "error": {"code", "message", …}, "meta": {"request_id"}}`.
//! For 422 `detail` is FastAPI's array of `{loc, msg, type}`; otherwise it is the message.
//! Every 422 carries that array, including the ones that are not schema failures
//! (`CHECKSUM_MISMATCH`, a chunk of the wrong length), so a client can rely on the shape.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A failed request: status, symbolic code and message, plus optional extras.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    /// FastAPI validation entries; only for 422.
    pub(crate) violations: Vec<Value>,
    /// Seconds to wait; only for 429.
    pub(crate) retry_after: Option<u64>,
    /// Extra machine-readable context (`error.details`).
    pub(crate) details: Option<Box<Value>>,
}

/// Shorthand for handler results.
pub(crate) type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// An error with no extras.
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            violations: Vec::new(),
            retry_after: None,
            details: None,
        }
    }

    /// 404: the thing does not exist or the caller cannot see it.
    pub(crate) fn not_found(what: &str, id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("{what} not found: {id}"),
        )
    }

    /// 410: the thing existed but is trashed, expired, aborted or revoked.
    pub(crate) fn gone(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::GONE, code, message)
    }

    /// 403 `AUTHZ_PERMISSION_DENIED`.
    pub(crate) fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "AUTHZ_PERMISSION_DENIED", message)
    }

    /// 400 `BAD_REQUEST` for malformed input that is not a schema failure.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
    }

    /// 422 with the given FastAPI entries; the message joins their `msg`s.
    pub(crate) fn validation(code: &'static str, violations: Vec<Value>) -> Self {
        let message = violations
            .iter()
            .map(|v| {
                let loc = v["loc"].as_array().map_or(String::new(), |parts| {
                    parts.iter().map(loc_part).collect::<Vec<_>>().join(".")
                });
                format!("{loc}: {}", v["msg"].as_str().unwrap_or("invalid"))
            })
            .collect::<Vec<_>>()
            .join("; ");
        let mut err = Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message);
        err.violations = violations;
        err
    }

    /// 422 for one field.
    pub(crate) fn invalid(loc: &[&str], msg: impl Into<String>, kind: &str) -> Self {
        Self::validation("VALIDATION_ERROR", vec![violation(loc, &msg.into(), kind)])
    }

    /// 500, with the cause logged rather than sent.
    pub(crate) fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "internal server error",
        )
    }

    /// Replaces the symbolic code.
    pub(crate) fn with_code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }

    /// Adds `error.details`.
    pub(crate) fn with_details(mut self, details: Value) -> Self {
        self.details = Some(Box::new(details));
        self
    }

    /// The JSON body, given the request id.
    pub(crate) fn body(&self, request_id: &str) -> Value {
        let detail = if self.status == StatusCode::UNPROCESSABLE_ENTITY {
            Value::Array(self.violations.clone())
        } else {
            Value::String(self.message.clone())
        };
        let mut error = json!({ "code": self.code, "message": self.message });
        if let Some(secs) = self.retry_after {
            error["retry_after"] = json!(secs);
        }
        if let Some(details) = &self.details {
            error["details"] = (**details).clone();
        }
        json!({
            "detail": detail,
            "status": "error",
            "error": error,
            "meta": { "request_id": request_id },
        })
    }
}

fn loc_part(part: &Value) -> String {
    match part {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One FastAPI validation entry.
pub(crate) fn violation(loc: &[&str], msg: &str, kind: &str) -> Value {
    json!({ "loc": loc, "msg": msg, "type": kind })
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = Response::new(axum::body::Body::empty());
        *response.status_mut() = self.status;
        response.extensions_mut().insert(self);
        response
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(err: rusqlite::Error) -> Self {
        Self::internal(format!("database: {err}"))
    }
}

impl From<std::io::Error> for ApiError {
    fn from(err: std::io::Error) -> Self {
        Self::internal(format!("io: {err}"))
    }
}

/// Errors of [`crate::Server::start`]. Each message carries its cause (the OS or SQLite
/// reason), so printing it with `{}` says everything; the cause is not repeated as
/// `source()`, which would make chain printers say it twice.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory of the data dir could not be used.
    #[error("cannot use `{}`: {cause}", path.display())]
    Io {
        /// The path involved.
        path: std::path::PathBuf,
        /// The cause.
        cause: std::io::Error,
    },
    /// The metadata database could not be opened or migrated.
    #[error("cannot open the database `{}`: {cause}", path.display())]
    Database {
        /// The database file.
        path: std::path::PathBuf,
        /// The cause.
        cause: rusqlite::Error,
    },
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {cause}")]
    Bind {
        /// The requested address.
        addr: std::net::SocketAddr,
        /// The cause.
        cause: std::io::Error,
    },
    /// Another server (another `serve`, or the in-process server of a `--local` run) holds
    /// the data dir's lock.
    #[error(
        "the data folder `{}` is in use by another scaidrive-apply run or `serve`{}",
        dir.display(),
        serving.as_ref().map(|url| format!(" (serving at {url})")).unwrap_or_default()
    )]
    Busy {
        /// The data dir.
        dir: std::path::PathBuf,
        /// The URL the holder announced in `serve.json`, when it is a `serve`.
        serving: Option<String>,
    },
    /// Anything else at start-up (named in the message).
    #[error("start-up failed: {0}")]
    Startup(String),
}

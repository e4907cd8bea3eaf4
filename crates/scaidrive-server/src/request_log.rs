//! The request log tests and bench scripts read: one entry per answered (or dropped) request,
//! `/_local/*` excluded.
//!
//! The log is served without a login (to loopback clients, on `/_local/requests`), so it holds
//! no secrets: the link token or short code of a recipient path (`/share/{token}/…`,
//! `/s/{code}`) and the values of secret-looking query parameters are replaced by
//! `<redacted>` before an entry is stored. Bearer tokens and form passwords travel in headers
//! and bodies, which are never logged.

use std::sync::{Mutex, PoisonError};

use serde::Serialize;

/// One request as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggedRequest {
    /// HTTP method, e.g. `POST`.
    pub method: String,
    /// Path without the query string, link tokens redacted (`/share/<redacted>/download`).
    pub path: String,
    /// The raw query string, if any, values of secret parameters redacted.
    pub query: Option<String>,
    /// Status that was (or, for a dropped response, would have been) sent.
    pub status: u16,
    /// True when the fault injector closed the connection instead of answering.
    pub dropped: bool,
    /// The `X-Request-ID` assigned to the request.
    pub request_id: String,
}

/// Append-only in-memory log.
#[derive(Debug, Default)]
pub(crate) struct RequestLog {
    entries: Mutex<Vec<LoggedRequest>>,
}

impl RequestLog {
    /// Appends an entry.
    pub(crate) fn push(&self, entry: LoggedRequest) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(entry);
    }

    /// A copy of every entry so far.
    pub(crate) fn snapshot(&self) -> Vec<LoggedRequest> {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Forgets every entry.
    pub(crate) fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

/// What a secret is replaced with in the log.
pub(crate) const REDACTED: &str = "<redacted>";

/// Query parameters whose values are never logged.
const SECRET_PARAMS: &[&str] = &[
    "password",
    "token",
    "access_token",
    "refresh_token",
    "code",
    "key",
    "secret",
    "signature",
    "sig",
];

/// `path` with the link token (or short code) of a recipient URL replaced.
pub(crate) fn redact_path(path: &str) -> String {
    let mut segments: Vec<&str> = path.split('/').collect();
    // `["", "share", token, …]` or `["", "s", code, …]`.
    if segments.len() > 2
        && segments[0].is_empty()
        && matches!(segments[1], "share" | "s")
        && !segments[2].is_empty()
    {
        segments[2] = REDACTED;
    }
    segments.join("/")
}

/// `query` with the values of secret-looking parameters replaced.
pub(crate) fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if SECRET_PARAMS.contains(&key.to_ascii_lowercase().as_str()) => {
                format!("{key}={REDACTED}")
            }
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_tokens_and_secret_parameters_are_redacted() {
        assert_eq!(redact_path("/share/abc123"), "/share/<redacted>");
        assert_eq!(
            redact_path("/share/abc123/files/fil_1"),
            "/share/<redacted>/files/fil_1"
        );
        assert_eq!(redact_path("/s/XyZ"), "/s/<redacted>");
        assert_eq!(redact_path("/share/"), "/share/");
        assert_eq!(redact_path("/api/v1/shares/shr_1"), "/api/v1/shares/shr_1");
        assert_eq!(
            redact_query("folder=fld_1&Password=hunter2&token=t"),
            "folder=fld_1&Password=<redacted>&token=<redacted>"
        );
        assert_eq!(redact_query("share_id=shr_1"), "share_id=shr_1");
    }
}

//! What can go wrong talking to the service, with everything a user needs to act on it.

use std::fmt;

/// A failed request. Every variant knows the endpoint it was meant for.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// The service answered with an error status.
    Status {
        endpoint: String,
        status: u16,
        code: Option<String>,
        message: String,
        request_id: Option<String>,
    },
    /// The request may or may not have been carried out: the answer was lost.
    Ambiguous { endpoint: String, cause: String },
    /// The request was not carried out (connection refused, bad URL, …).
    Transport { endpoint: String, cause: String },
    /// The service answered with something this client cannot read.
    Decode { endpoint: String, cause: String },
    /// Local trouble while preparing the request (for example reading a file). The cause
    /// names the local path and the OS error; the endpoint is not shown, nothing was sent.
    Local { endpoint: String, cause: String },
    /// Not sent: the run was interrupted (Ctrl-C) before it could be.
    Interrupted { endpoint: String },
    /// Nothing has answered at the service URL since the run started: most likely a wrong
    /// URL, so this is said after a few quick tries rather than after the full back-off.
    Unreachable {
        endpoint: String,
        url: String,
        cause: String,
        tries: usize,
    },
}

impl ApiError {
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Status { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// True for a 409 `NAME_CONFLICT` (or any 409 on a create).
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(409)
    }

    /// True when the request was not sent because the run was interrupted.
    pub fn is_interrupted(&self) -> bool {
        matches!(self, ApiError::Interrupted { .. })
    }

    /// The reason in a few words, for a retry notice: the status (and code), or the innermost
    /// cause of a transport error (e.g. `Connection refused (os error 111)`).
    pub fn reason(&self) -> String {
        let innermost = |cause: &str| cause.rsplit(": ").next().unwrap_or(cause).to_string();
        match self {
            ApiError::Status { status, code, .. } => match code {
                Some(code) => format!("{status} {code}"),
                None => status.to_string(),
            },
            ApiError::Ambiguous { cause, .. } => format!("answer lost: {}", innermost(cause)),
            ApiError::Transport { cause, .. } | ApiError::Unreachable { cause, .. } => {
                innermost(cause)
            }
            ApiError::Decode { .. } => "unexpected answer".to_string(),
            ApiError::Local { cause, .. } => cause.clone(),
            ApiError::Interrupted { .. } => "interrupted".to_string(),
        }
    }

    /// True when the outcome is unknown: the request may have been carried out.
    pub fn is_ambiguous(&self) -> bool {
        matches!(self, ApiError::Ambiguous { .. })
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Status {
                endpoint,
                status,
                code,
                message,
                request_id,
            } => {
                write!(f, "{endpoint} answered {status}")?;
                if let Some(code) = code {
                    write!(f, " {code}")?;
                }
                write!(f, ": {message}")?;
                if let Some(id) = request_id {
                    write!(f, " (request id {id})")?;
                }
                Ok(())
            }
            ApiError::Ambiguous { endpoint, cause } => {
                write!(f, "{endpoint}: the answer was lost ({cause})")
            }
            ApiError::Transport { endpoint, cause } => write!(f, "{endpoint}: {cause}"),
            ApiError::Decode { endpoint, cause } => {
                write!(f, "{endpoint}: unexpected answer: {cause}")
            }
            ApiError::Local { cause, .. } => write!(f, "{cause}"),
            ApiError::Unreachable {
                endpoint,
                url,
                cause,
                tries,
            } => write!(
                f,
                "{endpoint}: cannot connect to {url} ({}; {tries} tries), and nothing has \
                 answered there during this run: check SCAIDRIVE_URL / --url",
                cause.rsplit(": ").next().unwrap_or(cause)
            ),
            ApiError::Interrupted { endpoint } => {
                write!(f, "{endpoint}: not sent, the run was interrupted")
            }
        }
    }
}

impl std::error::Error for ApiError {}

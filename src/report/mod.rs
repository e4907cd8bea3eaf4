//! Everything shown to the user. The engine never prints: it sends [`Event`]s to a
//! [`Reporter`], and commands render plans and summaries through this module.
//!
//! Human output goes to stderr (a live display on a terminal, a plain line at a steady
//! interval otherwise); `--json` sends versioned NDJSON events to stdout. No token or
//! password reaches any of it: they are never part of an event.

mod human;
mod json;
pub mod plan;
mod safe;
pub mod summary;

pub use human::Human;
pub use json::Json;
pub use safe::{terminal_safe, terminal_safe_line};

use crate::plan::Task;

/// Version of the NDJSON event format.
pub const EVENTS_FORMAT: u32 = 1;

/// Something that happened while applying.
pub enum Event<'a> {
    Started {
        tasks: usize,
        bytes: u64,
    },
    TaskStarted {
        task: &'a Task,
    },
    TaskDone {
        task: &'a Task,
        detail: &'a str,
    },
    TaskFailed {
        task: &'a Task,
        error: &'a str,
    },
    /// Stopped by Ctrl-C before it sent everything; the next run picks it up.
    TaskInterrupted {
        task: &'a Task,
    },
    TaskSkipped {
        task: &'a Task,
        because: usize,
    },
    /// Bytes of file content confirmed sent.
    Sent(u64),
    Warning(&'a str),
    /// Worth knowing, not a problem (a large file resumed where an earlier run stopped).
    Note(&'a str),
    Interrupted,
}

/// Receives events; implementations must be cheap, they are called from the coordinator.
pub trait Reporter: Send + Sync {
    fn event(&self, event: Event<'_>);
    /// Clears any live display before the final summary.
    fn finish(&self) {}
}

/// A one-line description of a task, for humans.
pub fn describe(task: &Task) -> String {
    use crate::plan::Action;
    match &task.action {
        Action::CreateFolder { .. } => format!("create folder {}", task.path),
        Action::Upload { size, .. } => format!("upload {} ({})", task.path, human_bytes(*size)),
        Action::Replace { size, .. } => {
            format!(
                "replace {} ({}, {})",
                task.path,
                human_bytes(*size),
                task.reason
            )
        }
        Action::Delete {
            is_folder: true, ..
        } => format!("delete folder {}", task.path),
        Action::Delete { .. } => format!("delete {}", task.path),
        Action::CreateLink { .. } => format!("create link on {}", task.path),
        Action::UpdateLink { .. } => format!("update link on {} ({})", task.path, task.reason),
        Action::RevokeLink { link_id, .. } => {
            format!("revoke link {link_id} on {} ({})", task.path, task.reason)
        }
    }
}

pub fn human_bytes(bytes: u64) -> String {
    indicatif::HumanBytes(bytes).to_string()
}

pub use json::emit as json_emit;

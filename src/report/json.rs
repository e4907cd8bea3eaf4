//! NDJSON events on stdout, one object per line, each with the format version.

use std::io::Write;

use serde_json::json;

use super::{EVENTS_FORMAT, Event, Reporter};

pub struct Json;

impl Reporter for Json {
    fn event(&self, event: Event<'_>) {
        let line = match event {
            Event::Started { tasks, bytes } => {
                json!({"event": "started", "tasks": tasks, "bytes": bytes})
            }
            Event::TaskStarted { task } => {
                json!({
                    "event": "task_started",
                    "task": task.id,
                    "action": task.action.kind(),
                    "path": task.path,
                })
            }
            Event::TaskDone { task, detail } => json!({
                "event": "task_done", "task": task.id, "action": task.action.kind(),
                "path": task.path, "detail": detail, "bytes": task.action.bytes(),
            }),
            Event::TaskFailed { task, error } => json!({
                "event": "task_failed", "task": task.id, "action": task.action.kind(),
                "path": task.path, "error": error,
            }),
            Event::TaskInterrupted { task } => json!({
                "event": "task_interrupted", "task": task.id, "action": task.action.kind(),
                "path": task.path,
            }),
            Event::TaskSkipped { task, because } => json!({
                "event": "task_skipped", "task": task.id, "action": task.action.kind(),
                "path": task.path, "because_of": because,
            }),
            Event::Sent(_) => return,
            Event::Warning(message) => json!({"event": "warning", "message": message}),
            Event::Note(message) => json!({"event": "note", "message": message}),
            Event::Interrupted => json!({"event": "interrupted"}),
        };
        emit(line);
    }
}

/// Writes one event line with the format version.
pub fn emit(mut line: serde_json::Value) {
    line["v"] = EVENTS_FORMAT.into();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
}

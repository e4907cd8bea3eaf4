//! The end-of-run summary and the `--outputs` document.

use std::fmt::Write;
use std::time::Duration;

use serde::Serialize;

use super::human_bytes;

/// What a run did.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Summary {
    pub folders_created: u64,
    pub files_uploaded: u64,
    pub bytes_uploaded: u64,
    pub files_replaced: u64,
    pub deleted: u64,
    pub links_created: u64,
    pub links_updated: u64,
    pub links_kept: u64,
    pub links_revoked: u64,
    pub unchanged: u64,
    pub failed: u64,
    pub skipped: u64,
    pub requests: u64,
    pub request_units: u64,
    pub retries: u64,
    pub rate_limited: u64,
    pub seconds: f64,
    pub interrupted: bool,
    pub links: Vec<LinkOutput>,
}

/// A link as handed to later CI steps.
#[derive(Debug, Clone, Serialize)]
pub struct LinkOutput {
    pub name: String,
    pub id: String,
    pub url: String,
    pub target: String,
    pub share_id: String,
    pub resource_id: String,
}

impl Summary {
    /// True when the run found the shares as the manifest says and wrote nothing.
    fn nothing_changed(&self) -> bool {
        self.folders_created
            + self.files_uploaded
            + self.files_replaced
            + self.deleted
            + self.links_created
            + self.links_updated
            + self.links_revoked
            + self.failed
            + self.skipped
            == 0
    }
}

/// The whole summary: the result, failures, what the run cost, and the links.
pub fn render(s: &Summary) -> String {
    render_with(s, true)
}

/// What `--quiet` shows: the one-line result, failures if any, and the links; not the cost.
pub fn render_quiet(s: &Summary) -> String {
    render_with(s, false)
}

fn render_with(s: &Summary, cost: bool) -> String {
    let mut out = String::new();
    let verdict = if s.interrupted {
        "Interrupted"
    } else if s.failed > 0 {
        "Finished with failures"
    } else if s.nothing_changed() {
        "Nothing to change: checked"
    } else {
        "Done"
    };
    let _ = writeln!(
        out,
        "{verdict} in {}: {} folders created, {} files uploaded ({}), {} replaced, {} deleted, \
         {} unchanged; links: {} created, {} updated, {} kept",
        humantime::format_duration(Duration::from_millis((s.seconds * 1000.0) as u64)),
        s.folders_created,
        s.files_uploaded,
        human_bytes(s.bytes_uploaded),
        s.files_replaced,
        s.deleted,
        s.unchanged,
        s.links_created,
        s.links_updated,
        s.links_kept
    );
    if s.links_revoked > 0 {
        let _ = writeln!(
            out,
            "{} duplicate links revoked (each declared link is one link)",
            s.links_revoked
        );
    }
    if s.failed > 0 || s.skipped > 0 {
        let _ = writeln!(
            out,
            "{} tasks failed, {} skipped because of them",
            s.failed, s.skipped
        );
    }
    if cost {
        let _ = writeln!(
            out,
            "{} requests, {} rate units, {} retries, {} rate-limited",
            s.requests, s.request_units, s.retries, s.rate_limited
        );
    }
    for link in &s.links {
        let _ = writeln!(out, "link {}: {}", link.name, link.url);
    }
    out
}

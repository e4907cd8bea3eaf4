//! A plan for people: a summary read in five seconds, then the item list.

use std::fmt::Write;

use super::{describe, human_bytes, terminal_safe_line};
use crate::plan::{Action, Plan};

/// The documented default rate budget, used for the time estimate.
const UNITS_PER_MINUTE: f64 = 1000.0;

/// Items listed before the list is cut short (unless `all`).
const LIST_LIMIT: usize = 100;

pub fn render(plan: &Plan, link_names: &[String], all: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Plan for {}", plan.manifest);
    for p in &plan.publishes {
        let _ = writeln!(out, "  {} -> {}:{}", p.name, p.share_name, p.target);
        let _ = writeln!(
            out,
            "    create {}, upload {} ({}), replace {} ({}), delete {}, unchanged {}",
            counted(p.folders_to_create, "folder"),
            counted(p.uploads, "file"),
            human_bytes(p.upload_bytes),
            p.replaces,
            human_bytes(p.replace_bytes),
            p.deletes,
            p.unchanged
        );
    }
    for task in &plan.tasks {
        match &task.action {
            Action::CreateLink { link, .. } => {
                let _ = writeln!(
                    out,
                    "  link {}: create on {}",
                    name(link_names, *link),
                    task.path
                );
            }
            Action::UpdateLink { link, .. } => {
                let _ = writeln!(
                    out,
                    "  link {}: update ({})",
                    name(link_names, *link),
                    task.reason
                );
            }
            Action::RevokeLink { link, link_id } => {
                let _ = writeln!(
                    out,
                    "  link {}: revoke the duplicate {link_id} ({})",
                    name(link_names, *link),
                    task.reason
                );
            }
            _ => {}
        }
    }
    for kept in &plan.kept_links {
        let _ = writeln!(out, "  link {}: unchanged {}", kept.name, kept.url);
    }
    let minutes = plan.apply_units as f64 / UNITS_PER_MINUTE;
    let _ = writeln!(
        out,
        "  requests: observing cost {} units; applying needs about {} units \
         (about {} within ScaiDrive's documented 1000 units/minute)",
        plan.observe_units,
        plan.apply_units,
        humantime::format_duration(std::time::Duration::from_secs(
            (minutes * 60.0).ceil() as u64
        ))
    );
    for warning in &plan.warnings {
        let _ = writeln!(out, "  warning: {}", terminal_safe_line(warning));
    }
    if plan.tasks.is_empty() {
        let _ = writeln!(out, "\nNo changes. The shares match the manifest.");
        return out;
    }
    let _ = writeln!(out, "\n{}:", counted(plan.tasks.len() as u64, "change"));
    let limit = if all { usize::MAX } else { LIST_LIMIT };
    for task in plan.tasks.iter().take(limit) {
        let sign = match task.action {
            Action::Delete { .. } | Action::RevokeLink { .. } => '-',
            Action::Replace { .. } | Action::UpdateLink { .. } => '~',
            _ => '+',
        };
        let _ = writeln!(out, "  {sign} {}", terminal_safe_line(&describe(task)));
    }
    if plan.tasks.len() > limit {
        let _ = writeln!(
            out,
            "  … and {} more (-v lists all, --json gives all)",
            plan.tasks.len() - limit
        );
    }
    out
}

/// `1 file`, `2 files`: a count with its noun (regular English plurals only).
pub(crate) fn counted(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn name(names: &[String], index: usize) -> &str {
    names.get(index).map_or("?", String::as_str)
}

//! Prune: remote items that the sources no longer have, and the guards around deleting them.
//!
//! Deletes stay inside the publish's own target folder, wait for every other task of the
//! publish, never touch anything below a local folder that could not be read (nor an item
//! whose local namesake is a pipe, socket or device), and are refused as a whole when they
//! would exceed `settings.max_delete`. That cap counts every item that would go, the content
//! of a deleted folder included, though a folder needs a single request.

use super::Action;
use super::build::{Scope, Tasks};
use crate::remote::RemoteEntry;

/// Adds a delete task for each remote item of `scope` that the sources lack, when pruning.
pub(super) fn plan_prune(
    index: usize,
    scope: &Scope,
    max_delete: usize,
    tasks: &mut Tasks,
    problems: &mut Vec<String>,
) {
    if !scope.publish.prune || scope.observed.root.is_none() {
        return;
    }
    let unreadable: Vec<&str> = scope
        .local
        .unreadable
        .iter()
        .map(|(r, _)| r.as_str())
        .chain(scope.local.skipped_special.iter().map(String::as_str))
        .collect();
    let protected = |rel: &str| {
        unreadable
            .iter()
            .any(|u| u.is_empty() || rel == *u || rel.starts_with(&format!("{u}/")))
    };
    let uploads: Vec<usize> = tasks
        .list
        .iter()
        .filter(|t| t.publish == index && !matches!(t.action, Action::Delete { .. }))
        .map(|t| t.id)
        .collect();
    let mut deletes = 0;
    let mut deleted_folders: Vec<String> = Vec::new();
    for (rel, entry) in &scope.observed.entries {
        let (is_folder, id) = match entry {
            RemoteEntry::Folder { id } => (true, id),
            RemoteEntry::File { id, .. } => (false, id),
        };
        let present = if is_folder {
            scope.local.folders.contains(rel)
        } else {
            scope.local.files.contains_key(rel)
        };
        let under_deleted = deleted_folders
            .iter()
            .any(|d| rel.starts_with(&format!("{d}/")));
        if present || protected(rel) {
            continue;
        }
        deletes += 1;
        if under_deleted {
            continue;
        }
        if is_folder {
            deleted_folders.push(rel.clone());
        }
        let action = Action::Delete {
            id: id.clone(),
            is_folder,
        };
        tasks.push(
            index,
            scope.remote_path(rel),
            action,
            "not in the sources (prune)",
            uploads.clone(),
        );
    }
    if deletes > max_delete {
        problems.push(format!(
            "publish `{}`: prune would delete {deletes} items (files and folders, counting \
             what deleted folders hold), more than settings.max_delete ({max_delete}); check \
             the sources, or raise max_delete",
            scope.publish.name
        ));
    }
}

//! Same-name files: deciding whether a remote file already holds the local content.
//!
//! Sizes are compared first; only where they agree are checksums needed. The remote SHA-256
//! comes from the state cache (keyed by file id, size and `modified_at`) or, failing that, one
//! metadata read per file; the local one from the hash cache or a fresh read of the file.

use std::collections::HashMap;

use futures::StreamExt;

use super::build::{Tasks, created_id};
use super::{Action, FolderRef};
use crate::api::{ApiError, Client};
use crate::manifest::{Manifest, OnChange};
use crate::remote;
use crate::source::walk::LocalFile;
use crate::state::State;

/// A file whose content must be compared before deciding.
pub(super) struct Comparison {
    pub publish: usize,
    pub path: String,
    pub parent: FolderRef,
    pub name: String,
    pub local: LocalFile,
    pub file_id: String,
    /// The remote's `modified_at`, or empty when the sizes differ (no checksum needed).
    pub modified_at: String,
}

/// What [`resolve_comparisons`] found besides the tasks it added.
pub(super) struct Decided {
    /// How many files of each publish (by index) need no change.
    pub unchanged: HashMap<usize, u64>,
    /// Files that differ but are kept, as `settings.on_change` is `skip`, for the report.
    pub kept_different: Vec<String>,
}

/// Decides each same-name file: unchanged, or replaced. Fetches remote checksums only when
/// sizes agree and the state cache does not know them; hashes local files only then too.
pub(super) async fn resolve_comparisons(
    client: &Client,
    state: &State,
    manifest: &Manifest,
    compare: Vec<Comparison>,
    tasks: &mut Tasks,
    problems: &mut Vec<String>,
    jobs: usize,
) -> Result<Decided, ApiError> {
    let same_size: Vec<&Comparison> = compare
        .iter()
        .filter(|c| !c.modified_at.is_empty())
        .collect();
    let unknown: Vec<String> = same_size
        .iter()
        .filter(|c| {
            state
                .remote_checksum(&c.file_id, c.local.size, &c.modified_at)
                .is_none()
        })
        .map(|c| c.file_id.clone())
        .collect();
    let fetched = remote::checksums(client, unknown, jobs).await?;
    let local_hashes = hash_all(
        state,
        same_size.iter().map(|c| c.local.clone()).collect(),
        jobs,
    )
    .await;
    let mut unchanged: HashMap<usize, u64> = HashMap::new();
    let mut kept_different = Vec::new();
    for c in compare {
        let reason = if c.modified_at.is_empty() {
            "size differs"
        } else {
            let remote = match fetched.get(&c.file_id) {
                Some((sha, _)) => {
                    state.store_remote(&c.file_id, c.local.size, &c.modified_at, sha);
                    Some(sha.clone())
                }
                None => state.remote_checksum(&c.file_id, c.local.size, &c.modified_at),
            };
            let local = local_hashes.get(&c.local.abs);
            match (remote, local) {
                (Some(r), Some(Ok(l))) if &r == l => {
                    *unchanged.entry(c.publish).or_default() += 1;
                    continue;
                }
                (_, Some(Err(e))) => {
                    problems.push(format!("cannot read {}: {e}", c.local.abs.display()));
                    continue;
                }
                _ => "content differs",
            }
        };
        match manifest.settings.on_change {
            OnChange::Replace => {
                let after = created_id(&c.parent).into_iter().collect();
                let action = Action::Replace {
                    parent: c.parent,
                    name: c.name,
                    file_id: c.file_id,
                    local: c.local.abs.display().to_string(),
                    size: c.local.size,
                    mtime_ns: c.local.mtime_ns,
                };
                tasks.push(c.publish, c.path, action, reason, after);
            }
            OnChange::Skip => {
                *unchanged.entry(c.publish).or_default() += 1;
                kept_different.push(format!(
                    "{} differs from {} ({reason}); kept as it is, as settings.on_change is \
                     `skip`",
                    c.path,
                    c.local.abs.display()
                ));
            }
            OnChange::Fail => problems.push(format!(
                "{} differs from {} ({reason}) and settings.on_change is `fail`; \
                 set it to `replace` to publish the new content",
                c.path,
                c.local.abs.display()
            )),
        }
    }
    Ok(Decided {
        unchanged,
        kept_different,
    })
}

/// SHA-256 of each file, from the cache or computed (and cached), `jobs` at a time.
pub async fn hash_all(
    state: &State,
    files: Vec<LocalFile>,
    jobs: usize,
) -> HashMap<std::path::PathBuf, Result<String, String>> {
    let mut out = HashMap::new();
    let mut todo = Vec::new();
    for file in files {
        match state.cached_hash(&file) {
            Some(sha) => {
                out.insert(file.abs.clone(), Ok(sha));
            }
            None => todo.push(file),
        }
    }
    let computed: Vec<_> = futures::stream::iter(todo)
        .map(|file| async move {
            let path = file.abs.clone();
            let sha = tokio::task::spawn_blocking(move || crate::source::hash::sha256_file(&path))
                .await
                .expect("hash task");
            (file, sha)
        })
        .buffer_unordered(jobs.clamp(1, 4))
        .collect()
        .await;
    for (file, sha) in computed {
        if let Ok(sha) = &sha {
            state.store_hash(&file, sha);
        }
        out.insert(file.abs, sha.map_err(|e| e.to_string()));
    }
    out
}

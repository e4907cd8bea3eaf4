//! Observing the remote without changing it: resolving shares and target paths, and listing
//! each publish's target subtree folder by folder, with bounded concurrency.
//!
//! The API has no lookup by path and no recursive listing, so a target path is resolved one
//! segment at a time from the share root, and a subtree is listed one folder per request.
//! Only folders that the sources also have are listed (a remote-only folder needs no listing
//! unless prune is on), and a folder this run creates is never listed: it is empty.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use futures::StreamExt;
use futures::stream::FuturesUnordered;

use crate::api::{ApiError, Child, Client, ShareItem};

/// A folder id; `None` is the share root.
pub type FolderId = Option<String>;

/// One item seen remotely, by its path relative to a publish's target folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteEntry {
    Folder {
        id: String,
    },
    File {
        id: String,
        size: u64,
        modified_at: String,
    },
}

/// What exists at and below one publish's target.
#[derive(Debug, Clone, Default)]
pub struct ObservedTree {
    /// The target folder, when it exists.
    pub root: Option<FolderId>,
    /// When the target does not exist: the deepest existing ancestor and the names of the
    /// folders still to create below it.
    pub missing: Option<(FolderId, Vec<String>)>,
    /// A target-path segment that is a file, not a folder.
    pub blocked_by_file: Option<String>,
    pub entries: BTreeMap<String, RemoteEntry>,
    /// Folders (relative) whose content was listed.
    pub listed: BTreeSet<String>,
}

/// Resolves a share given by id (`shr_…`) or by name among the caller's shares.
pub fn resolve_share<'a>(shares: &'a [ShareItem], wanted: &str) -> Result<&'a ShareItem, String> {
    if let Some(share) = shares.iter().find(|s| s.id == wanted) {
        return Ok(share);
    }
    let named: Vec<_> = shares.iter().filter(|s| s.name == wanted).collect();
    match named.as_slice() {
        [one] => Ok(one),
        [] => {
            let known: Vec<_> = shares
                .iter()
                .map(|s| format!("{} ({})", s.name, s.id))
                .collect();
            Err(format!(
                "no share named or with id `{wanted}` is visible to this token; visible: {}",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ))
        }
        _ => Err(format!(
            "several shares are named `{wanted}`: name it by id instead"
        )),
    }
}

/// Lists the target subtree of one publish.
///
/// `wanted` tells which relative folders are worth listing (those the sources have); with
/// `everything` (prune), every remote folder below the target is listed.
pub async fn observe(
    client: &Client,
    share_id: &str,
    segments: &[String],
    wanted: &BTreeSet<String>,
    everything: bool,
    jobs: usize,
) -> Result<ObservedTree, ApiError> {
    let mut tree = ObservedTree::default();
    let mut parent: FolderId = None;
    for (i, segment) in segments.iter().enumerate() {
        let children = client.children(share_id, parent.as_deref()).await?;
        match children.items.iter().find(|c| &c.name == segment) {
            Some(c) if c.is_folder() => parent = Some(c.id.clone()),
            Some(_) => {
                tree.blocked_by_file = Some(format!("/{}", segments[..=i].join("/")));
                return Ok(tree);
            }
            None => {
                tree.missing = Some((parent, segments[i..].to_vec()));
                return Ok(tree);
            }
        }
    }
    tree.root = Some(parent.clone());
    list_subtree(
        client, share_id, parent, wanted, everything, jobs, &mut tree,
    )
    .await?;
    Ok(tree)
}

async fn list_subtree(
    client: &Client,
    share_id: &str,
    root: FolderId,
    wanted: &BTreeSet<String>,
    everything: bool,
    jobs: usize,
    tree: &mut ObservedTree,
) -> Result<(), ApiError> {
    let mut queue: Vec<(String, FolderId)> = vec![(String::new(), root)];
    let mut running = FuturesUnordered::new();
    loop {
        while running.len() < jobs.max(1) {
            let Some((rel, id)) = queue.pop() else { break };
            running.push(async move {
                let listed = client.children(share_id, id.as_deref()).await;
                (rel, listed)
            });
        }
        let Some((rel, listed)) = running.next().await else {
            break;
        };
        let children = listed?;
        tree.listed.insert(rel.clone());
        for child in children.items {
            let child_rel = if rel.is_empty() {
                child.name.clone()
            } else {
                format!("{rel}/{}", child.name)
            };
            if child.is_folder() && (everything || wanted.contains(&child_rel)) {
                queue.push((child_rel.clone(), Some(child.id.clone())));
            }
            tree.entries.insert(child_rel, entry_of(child));
        }
    }
    Ok(())
}

fn entry_of(child: Child) -> RemoteEntry {
    if child.is_folder() {
        RemoteEntry::Folder { id: child.id }
    } else {
        RemoteEntry::File {
            id: child.id,
            size: child.size.unwrap_or(0),
            modified_at: child.modified_at.unwrap_or_default(),
        }
    }
}

/// Fetches the checksums of the given files with bounded concurrency.
pub async fn checksums(
    client: &Client,
    file_ids: Vec<String>,
    jobs: usize,
) -> Result<HashMap<String, (String, String)>, ApiError> {
    let results: Vec<_> = futures::stream::iter(file_ids)
        .map(|id| async move { client.file(&id).await.map(|meta| (id, meta)) })
        .buffer_unordered(jobs.max(1))
        .collect()
        .await;
    let mut out = HashMap::new();
    for result in results {
        let (id, meta) = result?;
        let sha = meta.checksum_sha256.unwrap_or_default();
        out.insert(id, (sha, meta.modified_at.unwrap_or_default()));
    }
    Ok(out)
}

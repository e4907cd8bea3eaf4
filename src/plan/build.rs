//! Building the plan: local walk, remote observation, and the diff into tasks.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use sha2::{Digest, Sha256};

use super::compare::{Comparison, resolve_comparisons};
use super::links::plan_links;
use super::names::{colliding, invalid_name};
use super::prune::plan_prune;
use super::{Action, FolderRef, Plan, PublishSummary, Task};
use crate::api::{ApiError, CHUNK_SIZE, Client, MULTIPART_LIMIT};
use crate::manifest::{Manifest, Publish};
use crate::remote::{self, ObservedTree, RemoteEntry};
use crate::source::filter::Filter;
use crate::source::walk::{LocalTree, walk};
use crate::state::State;

/// Why no plan could be made.
#[derive(Debug)]
pub enum PlanError {
    /// Problems with the sources or the remote that must be fixed first; all of them.
    Problems(Vec<String>),
    /// The service could not be observed.
    Api(ApiError),
}

impl From<ApiError> for PlanError {
    fn from(e: ApiError) -> Self {
        PlanError::Api(e)
    }
}

/// Everything known about one publish entry while planning.
pub(super) struct Scope<'a> {
    pub publish: &'a Publish,
    pub share_id: String,
    /// Share-relative path of the target folder, without trailing `/` (`""` = share root).
    pub base: String,
    pub local: LocalTree,
    pub observed: ObservedTree,
    /// Where each relative folder (the target is `""`) is or will be.
    pub folders: BTreeMap<String, FolderRef>,
}

impl Scope<'_> {
    pub fn remote_path(&self, rel: &str) -> String {
        match (self.base.is_empty(), rel.is_empty()) {
            (_, true) if self.base.is_empty() => "/".to_string(),
            (_, true) => self.base.clone(),
            _ => format!("{}/{rel}", self.base),
        }
    }
}

/// Collects tasks and keeps their ids dense.
#[derive(Default)]
pub(super) struct Tasks {
    pub list: Vec<Task>,
}

impl Tasks {
    pub fn push(
        &mut self,
        publish: usize,
        path: String,
        action: Action,
        reason: &str,
        after: Vec<usize>,
    ) -> usize {
        let id = self.list.len();
        self.list.push(Task {
            id,
            publish,
            path,
            action,
            reason: reason.to_string(),
            after,
        });
        id
    }
}

/// Computes the plan for `manifest`. Sends only read requests.
pub async fn build(
    manifest: &Manifest,
    label: &str,
    client: &Client,
    state: &State,
    jobs: usize,
) -> Result<Plan, PlanError> {
    let units_before = client.stats().units.load(Ordering::Relaxed);
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let shares = client.my_shares().await?.shares;
    let mut scopes = Vec::new();
    for publish in &manifest.publish {
        let filter = match Filter::new(&publish.include, &publish.exclude) {
            Ok(f) => f,
            Err(e) => {
                problems.extend(
                    e.into_iter()
                        .map(|p| format!("publish `{}`: {p}", publish.name)),
                );
                continue;
            }
        };
        let (symlinks, gitignore) = (manifest.settings.symlinks, manifest.settings.gitignore);
        let owned = publish.clone();
        let local = tokio::task::spawn_blocking(move || walk(&owned, &filter, symlinks, gitignore))
            .await
            .expect("walk task");
        check_local(publish, &local, &mut problems, &mut warnings);
        let share = match remote::resolve_share(&shares, &publish.to.share) {
            Ok(s) => s,
            Err(e) => {
                problems.push(format!("publish `{}`: {e}", publish.name));
                continue;
            }
        };
        let segments: Vec<String> = publish
            .to
            .segments()
            .into_iter()
            .map(String::from)
            .collect();
        let observed = remote::observe(
            client,
            &share.id,
            &segments,
            &local.folders,
            publish.prune,
            jobs,
        )
        .await?;
        let base = segments.iter().map(|s| format!("/{s}")).collect::<String>();
        scopes.push(Scope {
            publish,
            share_id: share.id.clone(),
            base,
            local,
            observed,
            folders: BTreeMap::new(),
        });
    }

    let mut tasks = Tasks::default();
    let mut summaries = Vec::new();
    let mut compare = Vec::new();
    for (index, scope) in scopes.iter_mut().enumerate() {
        let publish_index = manifest
            .publish
            .iter()
            .position(|p| std::ptr::eq(p, scope.publish));
        let index = publish_index.unwrap_or(index);
        plan_folders(index, scope, &mut tasks, &mut problems);
        plan_files(index, scope, &mut tasks, &mut compare, &mut problems);
    }
    let decided = resolve_comparisons(
        client,
        state,
        manifest,
        compare,
        &mut tasks,
        &mut problems,
        jobs,
    )
    .await?;
    warnings.extend(decided.kept_different);
    let unchanged = decided.unchanged;
    for (index, scope) in scopes.iter().enumerate() {
        plan_prune(
            index,
            scope,
            manifest.settings.max_delete,
            &mut tasks,
            &mut problems,
        );
        summaries.push(summarise(
            index,
            scope,
            &shares,
            &tasks,
            unchanged.get(&index).copied(),
        ));
    }
    let kept_links = plan_links(manifest, &scopes, client, &mut tasks, &mut problems).await?;
    if !problems.is_empty() {
        return Err(PlanError::Problems(problems));
    }
    super::dag::check(&tasks.list).map_err(|e| PlanError::Problems(vec![e]))?;
    let observe_units = client.stats().units.load(Ordering::Relaxed) - units_before;
    let apply_units = tasks.list.iter().map(|t| units_of(&t.action)).sum();
    Ok(Plan {
        format: super::FORMAT,
        manifest: label.to_string(),
        publishes: summaries,
        fingerprint: fingerprint(&scopes, &kept_links),
        tasks: tasks.list,
        kept_links,
        warnings,
        observe_units,
        apply_units,
    })
}

fn check_local(
    publish: &Publish,
    local: &LocalTree,
    problems: &mut Vec<String>,
    warnings: &mut Vec<String>,
) {
    let from = publish.from.display();
    for rel in local.folders.iter().chain(local.files.keys()) {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        if let Some(why) = invalid_name(name) {
            problems.push(format!(
                "publish `{}`: {from}/{rel}: {why}; rename it or exclude it",
                publish.name
            ));
        }
    }
    let all = local
        .folders
        .iter()
        .chain(local.files.keys())
        .map(String::as_str);
    for group in colliding(all) {
        problems.push(format!(
            "publish `{}`: names the service may treat as one (case or Unicode form): {}; \
             rename all but one or exclude them",
            publish.name,
            group.join(", ")
        ));
    }
    for (rel, why) in &local.unreadable {
        warnings.push(format!(
            "publish `{}`: cannot read {from}/{rel}: {why}; it is left as it is remotely",
            publish.name
        ));
    }
    for rel in &local.skipped_links {
        warnings.push(format!(
            "publish `{}`: skipped symbolic link {from}/{rel}",
            publish.name
        ));
    }
    for rel in &local.skipped_special {
        warnings.push(format!(
            "publish `{}`: skipped {from}/{rel}: not a regular file (a pipe, socket or device)",
            publish.name
        ));
    }
}

fn plan_folders(index: usize, scope: &mut Scope, tasks: &mut Tasks, problems: &mut Vec<String>) {
    let name = &scope.publish.name;
    if let Some(path) = &scope.observed.blocked_by_file {
        problems.push(format!(
            "publish `{name}`: the target path {path} is a file on the share, not a folder; \
             move it away or choose another `to.path`"
        ));
        return;
    }
    let target = match (&scope.observed.root, &scope.observed.missing) {
        (Some(id), _) => FolderRef::Existing(id.clone()),
        (None, Some((parent, names))) => {
            let mut current = FolderRef::Existing(parent.clone());
            let depth = scope.publish.to.segments().len() - names.len();
            let segments = scope.publish.to.segments();
            for (i, folder) in names.iter().enumerate() {
                let path = format!("/{}", segments[..depth + i + 1].join("/"));
                let after = created_id(&current).into_iter().collect();
                let action = Action::CreateFolder {
                    parent: current,
                    name: folder.clone(),
                };
                current = FolderRef::Created(tasks.push(
                    index,
                    path,
                    action,
                    "target folder missing",
                    after,
                ));
            }
            current
        }
        (None, None) => return,
    };
    scope.folders.insert(String::new(), target);
    let rels: Vec<String> = scope.local.folders.iter().cloned().collect();
    for rel in rels {
        let (parent_rel, folder) = split(&rel);
        let Some(parent) = scope.folders.get(parent_rel).cloned() else {
            continue;
        };
        let known = scope.observed.listed.contains(parent_rel);
        match scope.observed.entries.get(&rel).filter(|_| known) {
            Some(RemoteEntry::Folder { id }) => {
                scope
                    .folders
                    .insert(rel, FolderRef::Existing(Some(id.clone())));
            }
            Some(RemoteEntry::File { .. }) => problems.push(format!(
                "publish `{name}`: {} is a file on the share but a folder locally; \
                 delete or rename one of them",
                scope.remote_path(&rel)
            )),
            None => {
                let after = created_id(&parent).into_iter().collect();
                let path = scope.remote_path(&rel);
                let action = Action::CreateFolder {
                    parent,
                    name: folder.to_string(),
                };
                let id = tasks.push(index, path, action, "new folder", after);
                scope.folders.insert(rel, FolderRef::Created(id));
            }
        }
    }
}

fn plan_files(
    index: usize,
    scope: &Scope,
    tasks: &mut Tasks,
    compare: &mut Vec<Comparison>,
    problems: &mut Vec<String>,
) {
    for (rel, file) in &scope.local.files {
        let (parent_rel, name) = split(rel);
        let Some(parent) = scope.folders.get(parent_rel).cloned() else {
            continue;
        };
        let path = scope.remote_path(rel);
        let known = scope.observed.listed.contains(parent_rel);
        let after: Vec<usize> = created_id(&parent).into_iter().collect();
        let upload = |parent, reason: &str, tasks: &mut Tasks| {
            let action = Action::Upload {
                parent,
                name: name.to_string(),
                local: file.abs.display().to_string(),
                size: file.size,
                mtime_ns: file.mtime_ns,
            };
            tasks.push(index, path.clone(), action, reason, after.clone());
        };
        match scope.observed.entries.get(rel).filter(|_| known) {
            None => upload(parent, "new file", tasks),
            Some(RemoteEntry::Folder { .. }) => problems.push(format!(
                "publish `{}`: {path} is a folder on the share but a file locally; \
                 delete or rename one of them",
                scope.publish.name
            )),
            Some(RemoteEntry::File {
                id,
                size,
                modified_at,
            }) => compare.push(Comparison {
                publish: index,
                path: path.clone(),
                parent,
                name: name.to_string(),
                local: file.clone(),
                file_id: id.clone(),
                modified_at: if *size == file.size {
                    modified_at.clone()
                } else {
                    String::new()
                },
            }),
        }
    }
}

fn summarise(
    index: usize,
    scope: &Scope,
    shares: &[crate::api::ShareItem],
    tasks: &Tasks,
    unchanged: Option<u64>,
) -> PublishSummary {
    let mut s = PublishSummary {
        name: scope.publish.name.clone(),
        share_id: scope.share_id.clone(),
        share_name: shares
            .iter()
            .find(|x| x.id == scope.share_id)
            .map(|x| x.name.clone())
            .unwrap_or_default(),
        target: scope.remote_path(""),
        unchanged: unchanged.unwrap_or(0),
        ..PublishSummary::default()
    };
    for task in tasks.list.iter().filter(|t| t.publish == index) {
        match &task.action {
            Action::CreateFolder { .. } => s.folders_to_create += 1,
            Action::Upload { size, .. } => {
                s.uploads += 1;
                s.upload_bytes += size;
            }
            Action::Replace { size, .. } => {
                s.replaces += 1;
                s.replace_bytes += size;
            }
            Action::Delete { .. } => s.deletes += 1,
            _ => {}
        }
    }
    s
}

/// Rate units an action is expected to cost when nothing is retried.
fn units_of(action: &Action) -> u64 {
    match action {
        Action::Upload { size, .. } if *size <= MULTIPART_LIMIT => 5,
        Action::Upload { size, .. } | Action::Replace { size, .. } => {
            4 + 5 * size.div_ceil(CHUNK_SIZE).max(1)
        }
        _ => 2,
    }
}

fn fingerprint(scopes: &[Scope], kept: &[super::KeptLink]) -> String {
    let mut h = Sha256::new();
    for scope in scopes {
        h.update(format!(
            "{}|{}|{:?}|{:?}\n",
            scope.share_id, scope.base, scope.observed.root, scope.observed.missing
        ));
        for (rel, entry) in &scope.observed.entries {
            h.update(format!("{rel}|{entry:?}\n"));
        }
        for (rel, file) in &scope.local.files {
            h.update(format!("{rel}|{}|{}\n", file.size, file.mtime_ns));
        }
    }
    for link in kept {
        h.update(format!("{}|{}\n", link.link, link.link_id));
    }
    hex::encode(h.finalize())
}

pub(super) fn created_id(folder: &FolderRef) -> Option<usize> {
    match folder {
        FolderRef::Created(id) => Some(*id),
        FolderRef::Existing(_) => None,
    }
}

/// Splits a relative path into its parent (`""` at the top) and its last name.
fn split(rel: &str) -> (&str, &str) {
    rel.rsplit_once('/').unwrap_or(("", rel))
}

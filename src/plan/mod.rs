//! The plan: every change a run will make, with its reason, as a DAG of tasks.
//!
//! A plan is computed by [`build`] from the manifest, the local sources and the observed
//! remote. It is exact: `apply` executes these tasks and nothing else. It serialises to a
//! versioned JSON document (for `plan --json` and `plan --out`) that holds no secret: link
//! passwords are re-read from the environment when a saved plan is applied.

mod build;
mod compare;
pub mod dag;
pub mod links;
mod names;
mod prune;

pub use build::{PlanError, build};
pub use compare::hash_all;
pub use names::invalid_name;

use serde::{Deserialize, Serialize};

/// Version of the plan document's format.
pub const FORMAT: u32 = 1;

/// Where a task's parent folder comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FolderRef {
    /// A folder that exists: its id, or `None` for the share root.
    Existing(Option<String>),
    /// The folder that task number N creates.
    Created(usize),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    CreateFolder {
        parent: FolderRef,
        name: String,
    },
    Upload {
        parent: FolderRef,
        name: String,
        local: String,
        size: u64,
        mtime_ns: i64,
    },
    Replace {
        parent: FolderRef,
        name: String,
        file_id: String,
        local: String,
        size: u64,
        mtime_ns: i64,
    },
    Delete {
        id: String,
        is_folder: bool,
    },
    CreateLink {
        link: usize,
        target: FolderRef,
    },
    UpdateLink {
        link: usize,
        link_id: String,
        fields: Vec<String>,
    },
    /// A second active link with a declared link's identity (two runs at once can make one):
    /// the manifest declares one link, so the others are revoked.
    RevokeLink {
        link: usize,
        link_id: String,
    },
}

impl Action {
    pub fn kind(&self) -> &'static str {
        match self {
            Action::CreateFolder { .. } => "create_folder",
            Action::Upload { .. } => "upload",
            Action::Replace { .. } => "replace",
            Action::Delete { .. } => "delete",
            Action::CreateLink { .. } => "create_link",
            Action::UpdateLink { .. } => "update_link",
            Action::RevokeLink { .. } => "revoke_link",
        }
    }

    /// Bytes this action sends.
    pub fn bytes(&self) -> u64 {
        match self {
            Action::Upload { size, .. } | Action::Replace { size, .. } => *size,
            _ => 0,
        }
    }
}

/// One node of the DAG.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub id: usize,
    /// Index of the publish entry (or, for links, of the link's publish).
    pub publish: usize,
    /// The remote path it acts on, share-relative.
    pub path: String,
    #[serde(flatten)]
    pub action: Action,
    pub reason: String,
    pub after: Vec<usize>,
}

/// A link the plan keeps as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptLink {
    pub link: usize,
    pub name: String,
    pub url: String,
    pub link_id: String,
    /// The share-relative path of the linked folder.
    pub path: String,
    pub resource_id: String,
}

/// Per-publish figures for the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishSummary {
    pub name: String,
    pub share_id: String,
    pub share_name: String,
    pub target: String,
    pub folders_to_create: u64,
    pub uploads: u64,
    pub upload_bytes: u64,
    pub replaces: u64,
    pub replace_bytes: u64,
    pub deletes: u64,
    pub unchanged: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub format: u32,
    /// The manifest this plan was made from (as given on the command line).
    pub manifest: String,
    pub publishes: Vec<PublishSummary>,
    pub tasks: Vec<Task>,
    pub kept_links: Vec<KeptLink>,
    pub warnings: Vec<String>,
    /// Hash of everything observed, local and remote; a saved plan is refused when it moved.
    pub fingerprint: String,
    /// Rate units the observation cost.
    pub observe_units: u64,
    /// Rate units the apply is expected to cost.
    pub apply_units: u64,
}

impl Plan {
    pub fn has_changes(&self) -> bool {
        !self.tasks.is_empty()
    }
}

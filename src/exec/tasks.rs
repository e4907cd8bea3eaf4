//! What each kind of task does, including how it recovers from the answers that make
//! idempotency hard: a 409 on a create adopts what is there; a link create whose answer was
//! lost is reconciled by listing the target's links, never by creating a second one.

use super::runtime::Runtime;
use super::upload;
use crate::api::ApiError;
use crate::plan::Action;
use crate::plan::links::{adopt, create_body, update_body};

/// A finished task: what it sent and a detail for the report.
pub struct Done {
    pub bytes: u64,
    pub detail: String,
}

impl Done {
    fn nothing() -> Done {
        Done {
            bytes: 0,
            detail: String::new(),
        }
    }
}

/// Why a task did not finish.
pub enum NotDone {
    /// It failed. The message says where (the endpoint) and the service's answer (status,
    /// message, request id), or for local trouble the local path and the OS error; it does
    /// not name the task: the reporter does that, once.
    Failed(String),
    /// Ctrl-C stopped it before it could send everything; the next run picks it up (an upload
    /// session resumes from its journaled chunks).
    Interrupted,
}

/// Runs task `id`.
pub async fn run(rt: &Runtime, id: usize) -> Result<Done, NotDone> {
    let task = &rt.plan.tasks[id];
    let share = rt.share_id(task.publish).to_string();
    let result = match &task.action {
        Action::CreateFolder { parent, name } => {
            let parent = rt.folder_id(parent);
            create_folder(rt, &share, parent.as_deref(), name)
                .await
                .map(|folder| {
                    rt.record_folder(id, folder);
                    Done::nothing()
                })
        }
        Action::Upload {
            parent,
            name,
            local,
            size,
            mtime_ns,
        } => {
            let parent = rt.folder_id(parent);
            let file = upload::Local::new(local, *size, *mtime_ns);
            upload::new_file(rt, &share, parent.as_deref(), name, &file)
                .await
                .map(|bytes| Done {
                    bytes,
                    detail: String::new(),
                })
        }
        Action::Replace {
            parent,
            name,
            file_id,
            local,
            size,
            mtime_ns,
        } => {
            let parent = rt.folder_id(parent);
            let file = upload::Local::new(local, *size, *mtime_ns);
            upload::replace(rt, &share, parent.as_deref(), name, file_id, &file)
                .await
                .map(|bytes| Done {
                    bytes,
                    detail: String::new(),
                })
        }
        Action::Delete {
            id: item,
            is_folder,
        } => rt
            .client
            .delete(*is_folder, item)
            .await
            .map(|()| Done::nothing())
            .map_err(Failure::Api),
        Action::CreateLink { link, target } => {
            let resource = rt.folder_id(target);
            create_link(rt, &share, resource.as_deref(), *link).await
        }
        Action::RevokeLink { link_id, .. } => rt
            .client
            .revoke_link(link_id)
            .await
            .map(|()| Done::nothing())
            .map_err(Failure::Api),
        Action::UpdateLink {
            link,
            link_id,
            fields,
        } => {
            let options = &rt.manifest.links[*link].options;
            match rt
                .client
                .update_link(link_id, update_body(options, fields))
                .await
            {
                Ok(remote) => {
                    let detail = remote.url.clone();
                    rt.record_link(*link, remote);
                    Ok(Done { bytes: 0, detail })
                }
                Err(e) => Err(Failure::Api(e)),
            }
        }
    };
    result.map_err(|failure| match failure {
        Failure::Api(e) if e.is_interrupted() => NotDone::Interrupted,
        failure => NotDone::Failed(failure.message()),
    })
}

/// Why a task failed.
pub enum Failure {
    Api(ApiError),
    Other(String),
}

impl Failure {
    fn message(self) -> String {
        match self {
            Failure::Api(e) => format!("{e}{}", hint(&e)),
            Failure::Other(e) => e,
        }
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Api(e)
    }
}

/// What to do about the errors a user can act on.
fn hint(e: &ApiError) -> &'static str {
    match e.status() {
        Some(401) => {
            "; the token was refused: set a valid SCAIDRIVE_TOKEN (and \
                      SCAIDRIVE_REFRESH_TOKEN to renew it automatically)"
        }
        Some(403) => {
            "; the token lacks permission here (links need the admin or owner role \
                      on the share)"
        }
        Some(413) => "; the file is larger than the service accepts: exclude it",
        Some(507) => {
            "; the share's quota is exhausted: free space or raise the quota, then \
                      run again (what was published is intact)"
        }
        _ => "",
    }
}

/// Creates a folder, or adopts the one a lost answer or a racing client already made.
pub async fn create_folder(
    rt: &Runtime,
    share: &str,
    parent: Option<&str>,
    name: &str,
) -> Result<String, Failure> {
    match rt.client.create_folder(share, parent, name).await {
        Ok(created) => Ok(created.id),
        Err(e) if e.is_conflict() => {
            let children = rt.client.children(share, parent).await?;
            match children.items.into_iter().find(|c| c.name == name) {
                Some(c) if c.is_folder() => Ok(c.id),
                Some(_) => Err(Failure::Other(format!(
                    "a file named `{name}` is in the way; delete or rename it"
                ))),
                None => Err(Failure::Api(e)),
            }
        }
        Err(e) => Err(Failure::Api(e)),
    }
}

/// Creates a link. When the answer is lost the link may exist: list, adopt it if it does,
/// and only otherwise try again.
async fn create_link(
    rt: &Runtime,
    share: &str,
    resource: Option<&str>,
    link: usize,
) -> Result<Done, Failure> {
    let options = &rt.manifest.links[link].options;
    let body = create_body(options, share, resource);
    let resource_id = resource.unwrap_or(share);
    let mut last = None;
    for _ in 0..5 {
        match rt.client.create_link(body.clone()).await {
            Ok(remote) => return Ok(finish_link(rt, link, remote)),
            Err(e) if e.is_ambiguous() || e.status().is_some_and(|s| s >= 500) => {
                let links = rt.client.links_of(share, resource_id).await?.links;
                if let Some(remote) = adopt(&links, options) {
                    return Ok(finish_link(rt, link, remote));
                }
                last = Some(e);
            }
            Err(e) => return Err(Failure::Api(e)),
        }
    }
    Err(Failure::Api(last.expect("at least one attempt")))
}

fn finish_link(rt: &Runtime, link: usize, remote: crate::api::RemoteLink) -> Done {
    let detail = remote.url.clone();
    rt.record_link(link, remote);
    Done { bytes: 0, detail }
}

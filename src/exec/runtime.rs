//! What every running task shares: the client, the state, the plan, and the ids learned so
//! far (folders this run created, links it made).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::api::{Client, RemoteLink};
use crate::manifest::Manifest;
use crate::plan::{Action, FolderRef, Plan};
use crate::report::Reporter;
use crate::report::summary::LinkOutput;
use crate::state::State;

pub struct Runtime {
    pub client: Client,
    pub state: Arc<State>,
    pub manifest: Arc<Manifest>,
    pub plan: Arc<Plan>,
    pub reporter: Arc<dyn Reporter>,
    pub jobs: usize,
    /// Chunk buffers in memory, across every file: read a chunk only with a permit, and keep
    /// it until the chunk is sent. This bounds memory by `jobs` chunks however many large
    /// files are sent at once.
    pub chunk_buffers: tokio::sync::Semaphore,
    created: Mutex<HashMap<usize, String>>,
    links: Mutex<HashMap<usize, RemoteLink>>,
}

impl Runtime {
    pub fn new(
        client: Client,
        state: Arc<State>,
        manifest: Arc<Manifest>,
        plan: Arc<Plan>,
        reporter: Arc<dyn Reporter>,
        jobs: usize,
    ) -> Runtime {
        Runtime {
            client,
            state,
            manifest,
            plan,
            reporter,
            jobs: jobs.max(1),
            chunk_buffers: tokio::sync::Semaphore::new(jobs.max(1)),
            created: Mutex::new(HashMap::new()),
            links: Mutex::new(HashMap::new()),
        }
    }

    /// The id of a folder; `None` is the share root. A created folder's task has run
    /// before any task that refers to it (the DAG guarantees it).
    pub fn folder_id(&self, folder: &FolderRef) -> Option<String> {
        match folder {
            FolderRef::Existing(id) => id.clone(),
            FolderRef::Created(task) => {
                let created = self.created.lock().expect("runtime lock");
                Some(
                    created
                        .get(task)
                        .cloned()
                        .expect("prerequisite folder was created"),
                )
            }
        }
    }

    pub fn record_folder(&self, task: usize, id: String) {
        self.created.lock().expect("runtime lock").insert(task, id);
    }

    pub fn record_link(&self, link: usize, remote: RemoteLink) {
        self.links
            .lock()
            .expect("runtime lock")
            .insert(link, remote);
    }

    pub fn share_id(&self, publish: usize) -> &str {
        &self.plan.publishes[publish].share_id
    }

    /// Every declared link whose URL is known after the run, in manifest order.
    pub fn link_outputs(&self) -> Vec<LinkOutput> {
        let links = self.links.lock().expect("runtime lock");
        let mut out = Vec::new();
        for (index, link) in self.manifest.links.iter().enumerate() {
            let kept = self.plan.kept_links.iter().find(|k| k.link == index);
            let task = self.plan.tasks.iter().find(|t| match &t.action {
                Action::CreateLink { link, .. } | Action::UpdateLink { link, .. } => *link == index,
                _ => false,
            });
            let (remote, target, publish) = match (links.get(&index), kept, task) {
                (Some(r), _, Some(t)) => (
                    (r.id.clone(), r.url.clone(), r.resource_id.clone()),
                    t.path.clone(),
                    t.publish,
                ),
                (None, Some(k), _) => {
                    let publish = self
                        .plan
                        .publishes
                        .iter()
                        .position(|p| k.path.starts_with(&p.target));
                    let remote = (k.link_id.clone(), k.url.clone(), k.resource_id.clone());
                    (remote, k.path.clone(), publish.unwrap_or(0))
                }
                _ => continue,
            };
            let (id, url, resource_id) = remote;
            let share_id = self.plan.publishes.get(publish).map(|p| p.share_id.clone());
            out.push(LinkOutput {
                name: link.name.clone(),
                id,
                url,
                target,
                share_id: share_id.unwrap_or_default(),
                resource_id,
            });
        }
        out
    }
}

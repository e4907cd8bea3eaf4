//! The executor: runs a plan's DAG with bounded concurrency.
//!
//! One coordinator owns the readiness bookkeeping ([`crate::plan::dag::Ready`]), the summary
//! and the reporter; workers are spawned tasks that send their result back when they end. At
//! most `jobs` tasks run at once, and the API client separately bounds requests in flight to
//! `jobs` (a large file's chunks run in parallel inside that bound). A failed task skips only
//! what depends on it; `--fail-fast` stops launching at the first failure.
//!
//! The first Ctrl-C stops launching tasks and interrupts the client: no new request is sent,
//! not even the next chunk of a large file or a retry, while the requests in flight end (or
//! time out); the run then reports and exits 130. An upload session stays journaled with its
//! confirmed chunks, so the next run resumes it. A second Ctrl-C exits 130 at once.

mod runtime;
mod tasks;
mod upload;

pub use runtime::Runtime;

use std::sync::Arc;

use tokio::task::JoinSet;

use crate::plan::Action;
use crate::plan::dag::Ready;
use crate::report::Event;
use crate::report::summary::Summary;
use tasks::{Done, NotDone};

/// How a run ended.
pub struct Outcome {
    pub summary: Summary,
}

/// Runs every task of the plan in `runtime`.
pub async fn execute(runtime: Arc<Runtime>, fail_fast: bool) -> Outcome {
    let plan = runtime.plan.clone();
    let reporter = runtime.reporter.clone();
    let after: Vec<Vec<usize>> = plan.tasks.iter().map(|t| t.after.clone()).collect();
    let mut ready = Ready::new(&after);
    let mut running = JoinSet::new();
    let mut summary = Summary::default();
    let mut stop = false;
    let bytes = plan.tasks.iter().map(|t| t.action.bytes()).sum();
    reporter.event(Event::Started {
        tasks: plan.tasks.len(),
        bytes,
    });
    let mut ctrl_c = interrupts();
    loop {
        while !stop && running.len() < runtime.jobs {
            let Some(id) = ready.pop() else { break };
            reporter.event(Event::TaskStarted {
                task: &plan.tasks[id],
            });
            let rt = runtime.clone();
            running.spawn(async move { (id, tasks::run(&rt, id).await) });
        }
        if running.is_empty() {
            break;
        }
        tokio::select! {
            Some(()) = ctrl_c.recv() => {
                if summary.interrupted {
                    reporter.finish();
                    eprintln!(
                        "interrupted again: exiting now, without waiting for the requests in \
                         flight (the next run resumes what they were doing)"
                    );
                    std::process::exit(crate::exit::INTERRUPTED);
                }
                summary.interrupted = true;
                stop = true;
                runtime.client.interrupt();
                reporter.event(Event::Interrupted);
            }
            Some(joined) = running.join_next() => {
                let (id, result) = joined.expect("task panicked");
                let task = &plan.tasks[id];
                match result {
                    Ok(done) => {
                        count(&mut summary, &task.action, &done);
                        reporter.event(Event::TaskDone { task, detail: &done.detail });
                        ready.done(id);
                    }
                    Err(NotDone::Interrupted) => {
                        reporter.event(Event::TaskInterrupted { task });
                    }
                    Err(NotDone::Failed(error)) => {
                        summary.failed += 1;
                        reporter.event(Event::TaskFailed { task, error: &error });
                        for skipped in ready.failed(id) {
                            summary.skipped += 1;
                            let task = &plan.tasks[skipped];
                            reporter.event(Event::TaskSkipped { task, because: id });
                        }
                        stop |= fail_fast;
                    }
                }
            }
        }
    }
    summary.unchanged = plan.publishes.iter().map(|p| p.unchanged).sum();
    summary.links_kept = plan.kept_links.len() as u64;
    summary.links = runtime.link_outputs();
    Outcome { summary }
}

/// Ctrl-C (SIGINT), each time it is pressed. Should the handler not install, nothing is
/// received and Ctrl-C keeps its default effect (the process ends at once).
fn interrupts() -> tokio::sync::mpsc::UnboundedReceiver<()> {
    let (send, receive) = tokio::sync::mpsc::unbounded_channel();
    if let Ok(mut signals) =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
    {
        tokio::spawn(async move {
            while signals.recv().await.is_some() {
                if send.send(()).is_err() {
                    break;
                }
            }
        });
    }
    receive
}

fn count(summary: &mut Summary, action: &Action, done: &Done) {
    match action {
        Action::CreateFolder { .. } => summary.folders_created += 1,
        Action::Upload { .. } => {
            summary.files_uploaded += 1;
            summary.bytes_uploaded += done.bytes;
        }
        Action::Replace { .. } => {
            summary.files_replaced += 1;
            summary.bytes_uploaded += done.bytes;
        }
        Action::Delete { .. } => summary.deleted += 1,
        Action::CreateLink { .. } => summary.links_created += 1,
        Action::UpdateLink { .. } => summary.links_updated += 1,
        Action::RevokeLink { .. } => summary.links_revoked += 1,
    }
}

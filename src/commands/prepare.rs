//! The steps `plan` and `apply` share: load the manifest, connect, open the state, and
//! compute the plan.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::connect::{Connection, connect};
use crate::cli::RunArgs;
use crate::exit;
use crate::manifest::{self, Manifest};
use crate::plan::{self, Plan, PlanError};
use crate::state::State;

/// Everything ready to apply.
pub struct Prepared {
    pub manifest: Arc<Manifest>,
    pub connection: Connection,
    pub state: Arc<State>,
    pub plan: Plan,
    pub jobs: usize,
}

/// Prepares a run, or returns the exit code after reporting why it cannot start.
pub async fn prepare(
    args: &RunArgs,
    manifest_path: &Path,
    say: &dyn Fn(&str),
) -> Result<Prepared, i32> {
    let manifest = manifest::load(manifest_path).map_err(|e| {
        // A manifest error is several lines (message, snippet, hint), each said on its own.
        e.to_string().lines().for_each(&say);
        exit::USAGE
    })?;
    let jobs = args.jobs.map_or(manifest.settings.jobs, usize::from);
    let connection = connect(&args.connect, jobs).await.map_err(|e| {
        say(&format!("error: {}", e.message));
        e.exit
    })?;
    if let Some(notice) = &connection.notice {
        say(&format!("note: {notice}"));
    }
    connection.client.set_verbosity(args.verbosity());
    let state_path = state_path(args, manifest_path, connection.local_data.as_deref());
    let (state, warning) = State::open(&state_path);
    if let Some(warning) = warning {
        say(&format!("warning: {warning}"));
    }
    let label = manifest_path.display().to_string();
    let plan = plan::build(&manifest, &label, &connection.client, &state, jobs)
        .await
        .map_err(|e| {
            match e {
                PlanError::Problems(problems) => {
                    let count = problems.len() as u64;
                    let problems_line = crate::report::plan::counted(count, "problem");
                    say(&format!("error: {problems_line} must be fixed first:"));
                    for p in problems {
                        say(&format!("  - {p}"));
                    }
                }
                PlanError::Api(e) => say(&format!("error: cannot observe the share: {e}")),
            }
            exit::FAILURE
        })?;
    Ok(Prepared {
        manifest: Arc::new(manifest),
        connection,
        state: Arc::new(state),
        plan,
        jobs,
    })
}

fn state_path(args: &RunArgs, manifest: &Path, local_data: Option<&Path>) -> PathBuf {
    if let Some(path) = &args.state {
        return path.clone();
    }
    if let Some(data) = local_data {
        let _ = std::fs::create_dir_all(data);
        return data.join("client-state.db");
    }
    manifest
        .parent()
        .unwrap_or(Path::new("."))
        .join(".scaidrive-state.db")
}

/// Prints a line on stderr.
pub fn stderr_line(line: &str) {
    eprintln!("{}", crate::report::terminal_safe_line(line));
}

//! `apply`: make the shares look like the manifest says, or execute a saved plan exactly.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use crate::cli::ApplyArgs;
use crate::exec::{self, Runtime};
use crate::exit;
use crate::plan::Plan;
use crate::report::{self, Reporter};

use super::prepare::{prepare, stderr_line};

pub async fn run(args: &ApplyArgs) -> i32 {
    let started = Instant::now();
    let saved = match read_saved_plan(&args.run.manifest) {
        Ok(saved) => saved,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let manifest_path = saved
        .as_ref()
        .map_or(args.run.manifest.clone(), |p| PathBuf::from(&p.manifest));
    let prepared = match prepare(&args.run, &manifest_path, &stderr_line).await {
        Ok(p) => p,
        Err(code) => return code,
    };
    if let Some(saved) = &saved
        && (saved.fingerprint != prepared.plan.fingerprint || saved.tasks != prepared.plan.tasks)
    {
        eprintln!(
            "error: the share or the sources changed since the plan in {} was made; it was not \
             applied. Run `scaidrive-apply plan` again and review the new plan.",
            args.run.manifest.display()
        );
        return exit::FAILURE;
    }
    let reporter: Arc<dyn Reporter> = if args.run.json {
        Arc::new(report::Json)
    } else {
        Arc::new(report::Human::new(args.run.verbosity()))
    };
    for warning in &prepared.plan.warnings {
        reporter.event(report::Event::Warning(warning));
    }
    let client = prepared.connection.client.clone();
    // Retry warnings go through the reporter from now on (a live bar stays intact; `--json`
    // makes them events).
    let warnings = reporter.clone();
    client.set_warnings(Arc::new(move |line: &str| {
        warnings.event(report::Event::Warning(line));
    }));
    let runtime = Arc::new(Runtime::new(
        client.clone(),
        prepared.state.clone(),
        prepared.manifest.clone(),
        Arc::new(prepared.plan),
        reporter.clone(),
        prepared.jobs,
    ));
    let mut outcome = exec::execute(runtime, args.fail_fast).await;
    reporter.finish();
    let s = &mut outcome.summary;
    let stats = client.stats();
    s.requests = stats.requests.load(Ordering::Relaxed);
    s.request_units = stats.units.load(Ordering::Relaxed);
    s.retries = stats.retries.load(Ordering::Relaxed);
    s.rate_limited = stats.rate_limited.load(Ordering::Relaxed);
    s.seconds = started.elapsed().as_secs_f64();
    if let Some(path) = &args.outputs
        && let Err(e) = write_outputs(path, s)
    {
        eprintln!("error: cannot write outputs to {}: {e}", path.display());
    }
    if args.run.json {
        let mut line = serde_json::to_value(&*s).expect("summary serialises");
        line["event"] = "finished".into();
        report::json_emit(line);
    } else if args.run.quiet {
        eprint!(
            "{}",
            report::terminal_safe(&report::summary::render_quiet(s))
        );
    } else {
        eprint!("{}", report::terminal_safe(&report::summary::render(s)));
    }
    if s.interrupted {
        exit::INTERRUPTED
    } else if s.failed > 0 {
        exit::FAILURE
    } else {
        exit::SUCCESS
    }
}

/// A plan file saved by `plan --out`, when the argument is one.
fn read_saved_plan(path: &Path) -> Result<Option<Plan>, String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(None);
    };
    if !text.trim_start().starts_with('{') {
        return Ok(None);
    }
    let plan: Plan = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{} is not a plan saved by `plan --out`: {e}",
            path.display()
        )
    })?;
    if plan.format != crate::plan::FORMAT {
        return Err(format!(
            "{} is a plan of format {}, this version reads format {}; make it again",
            path.display(),
            plan.format,
            crate::plan::FORMAT
        ));
    }
    Ok(Some(plan))
}

fn write_outputs(path: &Path, s: &report::summary::Summary) -> std::io::Result<()> {
    let doc = serde_json::json!({ "format": 1, "links": s.links, "summary": s });
    std::fs::write(
        path,
        serde_json::to_string_pretty(&doc).expect("outputs serialise") + "\n",
    )
}

//! `plan`: show what `apply` would change, sending only read requests.

use crate::cli::PlanArgs;
use crate::exit;

use super::prepare::{prepare, stderr_line};

pub async fn run(args: &PlanArgs) -> i32 {
    let prepared = match prepare(&args.run, &args.run.manifest, &stderr_line).await {
        Ok(p) => p,
        // With --detailed-exitcode, 2 means "changes pending": every error is 1 there.
        Err(_) if args.detailed_exitcode => return exit::FAILURE,
        Err(code) => return code,
    };
    let plan = &prepared.plan;
    if let Some(out) = &args.out {
        let text = serde_json::to_string_pretty(plan).expect("plan serialises");
        if let Err(e) = std::fs::write(out, text + "\n") {
            eprintln!("error: cannot write the plan to {}: {e}", out.display());
            return exit::FAILURE;
        }
    }
    if args.run.json {
        println!(
            "{}",
            serde_json::to_string_pretty(plan).expect("plan serialises")
        );
    } else if !args.run.quiet {
        let names: Vec<String> = prepared
            .manifest
            .links
            .iter()
            .map(|l| l.name.clone())
            .collect();
        let text = crate::report::plan::render(plan, &names, args.run.verbose > 0);
        print!("{}", crate::report::terminal_safe(&text));
        if let Some(out) = &args.out {
            println!(
                "\nSaved to {}; `scaidrive-apply apply {}` executes exactly this.",
                out.display(),
                out.display()
            );
        }
    }
    match (args.detailed_exitcode, plan.has_changes()) {
        (true, true) => exit::CHANGES_PENDING,
        _ => exit::SUCCESS,
    }
}

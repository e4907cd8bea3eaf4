//! One module per subcommand; each turns parsed arguments into work and an exit code.

mod apply;
mod connect;
mod explain;
mod plan;
mod prepare;
mod schema;
mod serve;
mod validate;

use crate::cli::Command;
use crate::exit;

/// Runs one command and returns the process exit code.
pub fn run(command: Command) -> i32 {
    match command {
        Command::Validate(args) => validate::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Schema => schema::run(),
        Command::Apply(args) => block_on(apply::run(&args)),
        Command::Plan(args) => block_on(plan::run(&args)),
        Command::Serve(args) => block_on(serve::run(&args)),
    }
}

fn block_on(future: impl Future<Output = i32>) -> i32 {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => {
            let code = runtime.block_on(future);
            // Whatever still runs is a file being hashed for a run that was interrupted: its
            // result is not needed, so the process does not wait for it.
            runtime.shutdown_background();
            code
        }
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            exit::FAILURE
        }
    }
}

//! The `scaidrive-apply` binary: everything is in the library, [`scaidrive_apply::cli`].

use std::process::ExitCode;

fn main() -> ExitCode {
    let code = scaidrive_apply::cli::main();
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

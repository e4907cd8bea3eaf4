//! `explain`: say whether a local path is published, and which rule decided.

use crate::cli::ExplainArgs;
use crate::exit;

pub fn run(_args: &ExplainArgs) -> i32 {
    eprintln!("error: explain is not built yet");
    exit::FAILURE
}

//! `validate`: check a manifest without contacting the service.
//!
//! Success prints one summary line; otherwise every problem is printed (stderr) and the exit
//! code is [`exit::USAGE`]. Sources are read (they must exist), nothing is sent anywhere.

use crate::cli::ValidateArgs;
use crate::{exit, manifest};

/// Validates `args.manifest` and returns the exit code.
pub fn run(args: &ValidateArgs) -> i32 {
    match manifest::load(&args.manifest) {
        Ok(m) => {
            let plural =
                |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
            eprintln!(
                "{}: valid ({}, {})",
                args.manifest.display(),
                plural(m.publish.len(), "publish entry").replace("entrys", "entries"),
                plural(m.links.len(), "link")
            );
            exit::SUCCESS
        }
        Err(e) => {
            eprint!("{e}");
            exit::USAGE
        }
    }
}

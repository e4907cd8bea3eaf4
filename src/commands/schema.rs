//! `schema`: print the JSON Schema of the manifest format (the same text as
//! `schemas/manifest.schema.json`).

use crate::{exit, manifest};

/// Prints the schema on stdout.
pub fn run() -> i32 {
    print!("{}", manifest::json_schema());
    exit::SUCCESS
}

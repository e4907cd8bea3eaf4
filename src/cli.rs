//! The command line: argument definitions (clap derive) and dispatch to [`crate::commands`].

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::commands;

/// Publish local folders to ScaiDrive shares, with links, from a YAML manifest.
///
/// `scaidrive-apply MANIFEST` is the same as `scaidrive-apply apply MANIFEST`.
#[derive(Debug, Parser)]
#[command(
    name = "scaidrive-apply",
    version,
    override_usage = "scaidrive-apply [apply] [OPTIONS] <MANIFEST>\n       \
                      scaidrive-apply <COMMAND> [OPTIONS] ..."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommand names, for treating anything else as `apply`'s arguments.
const COMMANDS: &[&str] = &[
    "apply", "plan", "validate", "explain", "schema", "serve", "help",
];

/// Inserts `apply` when no argument names a subcommand, so that `scaidrive-apply MANIFEST`
/// means `scaidrive-apply apply MANIFEST`. Options may come before the subcommand
/// (`scaidrive-apply --local plan MANIFEST`): the subcommand is moved to the front. Only a
/// first argument that is an option is looked past, so a manifest that happens to be called
/// `plan` is still a manifest when it comes first.
pub fn with_default_command(mut args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let is_command = |a: &std::ffi::OsString| a.to_str().is_some_and(|a| COMMANDS.contains(&a));
    let Some(first) = args.get(1).and_then(|a| a.to_str()) else {
        return args;
    };
    if COMMANDS.contains(&first) || matches!(first, "-h" | "--help" | "-V" | "--version") {
        return args;
    }
    let named = first
        .starts_with('-')
        .then(|| args.iter().skip(2).position(is_command));
    match named.flatten() {
        Some(at) => {
            let command = args.remove(at + 2);
            args.insert(1, command);
        }
        None => args.insert(1, "apply".into()),
    }
    args
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Make the shares look like the manifest says (the default command).
    Apply(ApplyArgs),
    /// Show what `apply` would change, without changing anything.
    Plan(PlanArgs),
    /// Check a manifest without contacting the service.
    Validate(ValidateArgs),
    /// Say whether a local path is published, and which rule decided.
    Explain(ExplainArgs),
    /// Print the JSON Schema of the manifest format.
    Schema,
    /// Run the built-in local ScaiDrive server.
    Serve(ServeArgs),
}

/// Where the service is and how to authenticate.
#[derive(Debug, Clone, Args)]
pub struct ConnectArgs {
    /// Run against the built-in local server, keeping its data in --local-data.
    #[arg(long, conflicts_with_all = ["url", "token"])]
    pub local: bool,

    /// Data folder of the built-in local server used by --local [default: .scaidrive-local
    /// in the current folder].
    #[arg(long, value_name = "DIR", requires = "local")]
    pub local_data: Option<PathBuf>,

    /// Base URL of the ScaiDrive service.
    #[arg(long, env = "SCAIDRIVE_URL", value_name = "URL")]
    pub url: Option<String>,

    /// Access token (a service token or an access token).
    #[arg(
        long,
        env = "SCAIDRIVE_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,

    /// Refresh token, used to get a new access token when the current one expires.
    #[arg(
        long,
        env = "SCAIDRIVE_REFRESH_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub refresh_token: Option<String>,
}

/// Options shared by `apply` and `plan`.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// The manifest (or, for `apply`, a plan file saved by `plan --out`).
    #[arg(value_name = "MANIFEST")]
    pub manifest: PathBuf,

    /// Concurrent requests, 1 to 256 [default: the manifest's settings.jobs, or 8].
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: Option<u16>,

    /// Machine-readable output on stdout (NDJSON events for apply, a plan document for plan).
    #[arg(long)]
    pub json: bool,

    /// More detail (repeat for more).
    #[arg(short, long, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Only errors and the final result (for apply: the one-line result and the links).
    #[arg(short, long)]
    pub quiet: bool,

    /// State database [default: .scaidrive-state.db beside the manifest; --local: in its data].
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,

    #[command(flatten)]
    pub connect: ConnectArgs,
}

impl RunArgs {
    /// -1 with `--quiet`, otherwise the number of `-v`.
    pub fn verbosity(&self) -> i8 {
        if self.quiet {
            -1
        } else {
            i8::try_from(self.verbose).unwrap_or(i8::MAX)
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub run: RunArgs,

    /// Stop launching tasks at the first failure.
    #[arg(long)]
    pub fail_fast: bool,

    /// Write the links and ids that were published as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub outputs: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub run: RunArgs,

    /// Save the plan to FILE, for `apply FILE` to execute exactly.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Exit 0 when there is nothing to do, 2 when there are changes, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ValidateArgs {
    /// The manifest to check.
    #[arg(value_name = "MANIFEST")]
    pub manifest: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct ExplainArgs {
    /// The manifest whose rules apply.
    #[arg(value_name = "MANIFEST")]
    pub manifest: PathBuf,

    /// A local path, relative to the current folder or absolute.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Folder for the server's database and file bytes (created if missing).
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,

    /// Address to listen on; a non-loopback address needs --allow-remote.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8787")]
    pub addr: SocketAddr,

    /// Allow --addr to be reachable from other machines (no TLS, test data only).
    #[arg(long)]
    pub allow_remote: bool,
}

/// Parses the command line, runs the command and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse_from(with_default_command(std::env::args_os().collect())) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if !e.use_stderr() {
                crate::exit::SUCCESS
            } else if detailed_exitcode(std::env::args_os()) {
                crate::exit::FAILURE
            } else {
                crate::exit::USAGE
            };
        }
    };
    commands::run(cli.command)
}

/// Whether the command line asks for `plan --detailed-exitcode`, whose 2 means "changes
/// pending", so that a usage error there must exit 1 instead.
fn detailed_exitcode(args: impl Iterator<Item = std::ffi::OsString>) -> bool {
    args.skip(1).any(|a| a == "--detailed-exitcode")
}

#[cfg(test)]
mod tests {
    use super::with_default_command;

    fn args(line: &str) -> Vec<String> {
        let argv = line.split(' ').map(Into::into).collect();
        with_default_command(argv)
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn a_bare_manifest_means_apply() {
        assert_eq!(args("sa m.yaml"), ["sa", "apply", "m.yaml"]);
        assert_eq!(
            args("sa --local -j 4 m.yaml"),
            ["sa", "apply", "--local", "-j", "4", "m.yaml"]
        );
    }

    #[test]
    fn a_subcommand_after_options_is_moved_to_the_front() {
        assert_eq!(
            args("sa --local plan m.yaml"),
            ["sa", "plan", "--local", "m.yaml"]
        );
        assert_eq!(
            args("sa plan --local m.yaml"),
            ["sa", "plan", "--local", "m.yaml"]
        );
    }

    #[test]
    fn a_manifest_named_like_a_subcommand_is_still_a_manifest_when_it_comes_first() {
        assert_eq!(
            args("sa ./plan --json"),
            ["sa", "apply", "./plan", "--json"]
        );
        assert_eq!(args("sa --help"), ["sa", "--help"]);
    }
}

//! Process exit codes, all in one place.

/// Everything that was asked for is done (or, for `plan --detailed-exitcode`, nothing to do).
pub const SUCCESS: i32 = 0;
/// Some task failed; the rest ran.
pub const FAILURE: i32 = 1;
/// The command line or the manifest is wrong; nothing was sent. (`plan --detailed-exitcode`
/// exits [`FAILURE`] instead, as its 2 means [`CHANGES_PENDING`].)
pub const USAGE: i32 = 2;
/// `plan --detailed-exitcode`: there are changes to apply.
pub const CHANGES_PENDING: i32 = 2;
/// Interrupted by Ctrl-C; in-flight requests were allowed to finish.
pub const INTERRUPTED: i32 = 130;

//! scaidrive-apply: publish local folders to ScaiDrive shares, with links, from a manifest.
//!
//! The engine reads a [`manifest`], walks the [`source`] folders, observes the remote
//! ([`remote`]), diffs both into a [`plan`] (a DAG of tasks), and runs it with the [`exec`]
//! executor through the [`api`] client. [`state`] caches what makes re-runs cheap and resumes
//! interrupted uploads; [`report`] owns every line shown to the user.

pub mod api;
pub mod cli;
pub mod commands;
pub mod exec;
pub mod exit;
pub mod manifest;
pub mod plan;
pub mod remote;
pub mod report;
pub mod source;
pub mod state;

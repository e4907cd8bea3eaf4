//! The resolved manifest: the form the engine consumes, with paths absolute, environment
//! variables expanded and defaults filled in. Nothing here is located in the YAML text; the
//! located raw form is in `raw`.

use std::fmt;
use std::path::PathBuf;

use serde::Deserialize;

/// A manifest that was read, checked and resolved.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The folder holding the manifest; relative paths are resolved against it.
    pub base_dir: PathBuf,
    /// Run-wide settings, defaults filled in.
    pub settings: Settings,
    /// The publish entries, in manifest order; names are unique and targets do not overlap.
    pub publish: Vec<Publish>,
    /// The links, in manifest order; names are unique and each targets a published folder.
    pub links: Vec<Link>,
}

/// Run-wide settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Concurrent requests.
    pub jobs: usize,
    /// What to do when a published file's content differs from the local file.
    pub on_change: OnChange,
    /// How symbolic links in sources are treated.
    pub symlinks: Symlinks,
    /// Delete remote items inside a publish's target that the sources no longer have.
    pub prune: bool,
    /// Refuse to delete more than this many items in one run.
    pub max_delete: usize,
    /// Honour `.gitignore` files found in the sources.
    pub gitignore: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            jobs: 8,
            on_change: OnChange::Replace,
            symlinks: Symlinks::Skip,
            prune: false,
            max_delete: 1000,
            gitignore: false,
        }
    }
}

/// `settings.on_change`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnChange {
    /// Upload the new content as a new version of the remote file.
    Replace,
    /// Leave the remote file as it is.
    Skip,
    /// Report the difference as an error.
    Fail,
}

/// `settings.symlinks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Symlinks {
    /// Leave symbolic links out (they are listed in the report).
    Skip,
    /// Publish what they point at; loops are reported.
    Follow,
}

/// One local source folder published to one remote folder.
#[derive(Debug, Clone)]
pub struct Publish {
    /// Unique among the publish entries.
    pub name: String,
    /// Absolute (canonical) path of the source folder, which exists.
    pub from: PathBuf,
    /// Include globs; `["**"]` when the manifest lists none.
    pub include: Vec<String>,
    /// Exclude globs.
    pub exclude: Vec<String>,
    /// The remote folder the source's content goes into.
    pub to: RemotePath,
    /// Delete remote items under `to` that the source no longer has.
    pub prune: bool,
}

/// A folder in a share: the share by id (`shr_…`) or by name, and a `/`-separated path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemotePath {
    /// Share id (`shr_…`) or share name.
    pub share: String,
    /// Absolute path, `/` for the share's root, otherwise `/a/b` (no trailing `/`).
    #[serde(default = "root_path")]
    pub path: String,
}

fn root_path() -> String {
    "/".to_string()
}

impl RemotePath {
    /// The path's folder names, root first.
    pub fn segments(&self) -> Vec<&str> {
        self.path.split('/').filter(|s| !s.is_empty()).collect()
    }
}

/// An external link the manifest declares.
#[derive(Debug, Clone)]
pub struct Link {
    /// Unique among the links.
    pub name: String,
    /// The published folder the link opens.
    pub target: LinkTarget,
    /// What the service stores for the link.
    pub options: LinkOptions,
}

/// What a link points at; always a folder this manifest publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkTarget {
    /// The root folder of the publish entry with this name.
    Publish(String),
    /// A folder given by share and path.
    Folder(RemotePath),
}

/// What recipients of a link may do (`UPLOAD` links are not supported).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum LinkType {
    /// Preview only.
    View,
    /// Preview and download.
    Download,
}

impl LinkType {
    /// The API's spelling (`VIEW`, `DOWNLOAD`).
    pub fn as_api(self) -> &'static str {
        match self {
            LinkType::View => "VIEW",
            LinkType::Download => "DOWNLOAD",
        }
    }
}

/// The link settings the service stores, as the manifest declares them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LinkOptions {
    /// Always set by [`super::load`]; `None` only in hand-built values.
    pub link_type: Option<LinkType>,
    /// From the environment; never printed.
    pub password: Option<Secret>,
    /// Applies when the link is created.
    pub expires_in_days: Option<u32>,
    /// RFC 3339 timestamp.
    pub expires_at: Option<String>,
    /// At least 1.
    pub max_downloads: Option<u64>,
    /// At least 1.
    pub max_views: Option<u64>,
    /// CIDR blocks, each valid with no host bits set.
    pub allowed_ips: Option<Vec<String>>,
    /// Plausible email addresses; only with `require_email: Some(true)`.
    pub allowed_emails: Option<Vec<String>>,
    /// Ask recipients for their email before access.
    pub require_email: Option<bool>,
    /// Name shown to recipients (after `${VAR}` expansion).
    pub custom_name: Option<String>,
    /// Message shown to recipients (after `${VAR}` expansion).
    pub custom_message: Option<String>,
    /// VIEW links only.
    pub show_download_button: Option<bool>,
    /// DOWNLOAD links only.
    pub allow_preview: Option<bool>,
    /// Email the owner on access.
    pub notify_on_access: Option<bool>,
    /// Email the owner on download.
    pub notify_on_download: Option<bool>,
    /// Where notifications go instead of the owner's address.
    pub notification_email: Option<String>,
    /// Set a new password on a link that already exists (passwords cannot be read back).
    pub rotate_password: bool,
}

/// A value that must never be shown: its `Debug` and `Display` print a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: String) -> Secret {
        Secret(value)
    }

    /// The value itself, for the one place that sends it to the service.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

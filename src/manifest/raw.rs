//! The manifest as written: every field optional and located, before any check.
//!
//! These types are the single description of the format. `decode` fills them from the YAML
//! tree (collecting type errors as it goes), `check` validates and resolves them, and the
//! JSON Schema in `schemas/manifest.schema.json` is generated from them with schemars, so the
//! schema editors see and the parser cannot drift apart: a unit test compares each type's key
//! list with its schema properties.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};

use super::problem::Pos;

/// A value together with the place it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct At<T> {
    /// The value.
    pub value: T,
    /// Where the value was written.
    pub pos: Pos,
}

impl<T: JsonSchema> JsonSchema for At<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}

/// A scaidrive-apply manifest: local folders to publish to ScaiDrive shares, and the external
/// links to hand out for them.
#[derive(Debug, Default, JsonSchema)]
#[schemars(title = "scaidrive-apply manifest", deny_unknown_fields)]
pub struct RawManifest {
    /// Format version. Must be 1.
    #[schemars(required, with = "u32", range(min = 1, max = 1))]
    pub version: Option<At<i128>>,
    /// Run-wide settings; every one has a default.
    #[serde(default)]
    #[schemars(with = "RawSettings")]
    pub settings: Option<RawSettings>,
    /// The folders to publish, at least one.
    #[schemars(required, with = "Vec<RawPublish>", length(min = 1))]
    pub publish: Option<At<Vec<RawPublish>>>,
    /// External links to create (or keep) on published folders.
    #[serde(default)]
    #[schemars(with = "Vec<RawLink>")]
    pub links: Option<At<Vec<RawLink>>>,
}

/// Run-wide settings.
#[derive(Debug, Default, JsonSchema)]
#[schemars(rename = "Settings", deny_unknown_fields)]
pub struct RawSettings {
    /// Requests in flight at once (1 to 256). Default 8. `-j` on the command line wins.
    #[serde(default)]
    #[schemars(with = "u32", range(min = 1, max = 256))]
    pub jobs: Option<At<i128>>,
    /// When a published file differs from the local one: `replace` it with a new version
    /// (default), `skip` it, or `fail`.
    #[serde(default)]
    #[schemars(with = "OnChangeName")]
    pub on_change: Option<At<String>>,
    /// Symbolic links in sources: `skip` them (default) or `follow` them.
    #[serde(default)]
    #[schemars(with = "SymlinksName")]
    pub symlinks: Option<At<String>>,
    /// Delete remote items inside each publish's target that the source no longer has
    /// (to the trash). Default false. A publish entry may override it.
    #[serde(default)]
    #[schemars(with = "bool")]
    pub prune: Option<At<bool>>,
    /// Refuse to delete more than this many items in one run. Default 1000.
    #[serde(default)]
    #[schemars(with = "u64")]
    pub max_delete: Option<At<i128>>,
    /// Honour `.gitignore` files found inside the sources. Default false.
    #[serde(default)]
    #[schemars(with = "bool")]
    pub gitignore: Option<At<bool>>,
}

/// `settings.on_change` values.
#[derive(JsonSchema)]
#[schemars(rename = "OnChange")]
#[allow(dead_code, reason = "describes the schema only")]
enum OnChangeName {
    #[schemars(rename = "replace")]
    Replace,
    #[schemars(rename = "skip")]
    Skip,
    #[schemars(rename = "fail")]
    Fail,
}

/// `settings.symlinks` values.
#[derive(JsonSchema)]
#[schemars(rename = "Symlinks")]
#[allow(dead_code, reason = "describes the schema only")]
enum SymlinksName {
    #[schemars(rename = "skip")]
    Skip,
    #[schemars(rename = "follow")]
    Follow,
}

/// One local folder published to one folder of a share.
#[derive(Debug, Default, JsonSchema)]
#[schemars(rename = "Publish", deny_unknown_fields)]
pub struct RawPublish {
    /// A unique name, used by links' `target` and in messages.
    #[schemars(required, with = "String", length(min = 1))]
    pub name: Option<At<String>>,
    /// The local folder, relative to the manifest's folder or absolute. `${VAR}` is
    /// expanded.
    #[schemars(required, with = "String", length(min = 1))]
    pub from: Option<At<String>>,
    /// Globs of files to publish, relative to `from`. Default: everything (`**`).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub include: Option<At<Vec<At<String>>>>,
    /// Globs of files to leave out, relative to `from`. A trailing `/` means a folder and
    /// everything in it.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub exclude: Option<At<Vec<At<String>>>>,
    /// The remote folder the content of `from` is published into.
    #[schemars(required, with = "RawRemotePath")]
    pub to: Option<RawRemotePath>,
    /// Overrides `settings.prune` for this entry.
    #[serde(default)]
    #[schemars(with = "bool")]
    pub prune: Option<At<bool>>,
}

/// A folder of a share.
#[derive(Debug, Default, Clone, JsonSchema)]
#[schemars(rename = "RemotePath", deny_unknown_fields)]
pub struct RawRemotePath {
    /// Where the mapping starts (for messages).
    #[schemars(skip)]
    pub pos: Pos,
    /// The share, by id (`shr_…`) or by name. `${VAR}` is expanded.
    #[schemars(required, with = "String", length(min = 1))]
    pub share: Option<At<String>>,
    /// An absolute `/`-separated folder path inside the share. Default `/` (the share's
    /// root). `${VAR}` is expanded.
    #[serde(default)]
    #[schemars(with = "String", pattern(r"^/"))]
    pub path: Option<At<String>>,
}

/// What a link points at.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(rename = "LinkTarget")]
#[serde(untagged)]
pub enum RawLinkTarget {
    /// The root folder of the publish entry with this name.
    Publish(#[schemars(with = "String")] At<String>),
    /// A folder inside a published tree, by share and path.
    Folder(RawRemotePath),
}

/// An external link on a published folder.
#[derive(Debug, Default, JsonSchema)]
#[schemars(rename = "Link", deny_unknown_fields)]
pub struct RawLink {
    /// Where the mapping starts (for messages).
    #[schemars(skip)]
    pub pos: Pos,
    /// A unique name, used in messages and in the `--outputs` file.
    #[schemars(required, with = "String", length(min = 1))]
    pub name: Option<At<String>>,
    /// A publish entry's name (its root folder), or `{share, path}` of a folder inside a
    /// published tree.
    #[schemars(required, with = "RawLinkTarget")]
    pub target: Option<RawLinkTarget>,
    /// What recipients may do: `VIEW` (preview only) or `DOWNLOAD` (preview and download).
    #[serde(rename = "type")]
    #[schemars(required, with = "LinkTypeName")]
    pub link_type: Option<At<String>>,
    /// The password recipients must enter. Only as `${VAR}` (or `${VAR:-default}`): secrets
    /// come from the environment, never from the manifest.
    #[serde(default)]
    #[schemars(with = "String", pattern(r"^\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}$"))]
    pub password: Option<At<String>>,
    /// Set the password again on a link that already exists, on every run (passwords cannot
    /// be read back, so a changed password is only applied when this is true; plan then
    /// always shows a change). Default false.
    #[serde(default)]
    #[schemars(with = "bool")]
    pub rotate_password: Option<At<bool>>,
    /// Expire the link this many days after it is created (at least 1).
    #[serde(default)]
    #[schemars(with = "u32", range(min = 1))]
    pub expires_in_days: Option<At<i128>>,
    /// Expire the link at this RFC 3339 time (for example `2027-01-31T23:59:59Z`).
    #[serde(default)]
    #[schemars(with = "String", extend("format" = "date-time"))]
    pub expires_at: Option<At<String>>,
    /// The link stops working after this many downloads (at least 1).
    #[serde(default)]
    #[schemars(with = "u64", range(min = 1))]
    pub max_downloads: Option<At<i128>>,
    /// The link stops working after this many views (at least 1).
    #[serde(default)]
    #[schemars(with = "u64", range(min = 1))]
    pub max_views: Option<At<i128>>,
    /// Only these source networks may open the link (CIDR, for example `10.0.0.0/8`).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub allowed_ips: Option<At<Vec<At<String>>>>,
    /// Only these people may open the link (use with `require_email: true`).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub allowed_emails: Option<At<Vec<At<String>>>>,
    /// Ask recipients for their email address before access.
    #[serde(default)]
    #[schemars(with = "bool")]
    pub require_email: Option<At<bool>>,
    /// The name recipients see instead of the folder's name. `${VAR}` is expanded.
    #[serde(default)]
    #[schemars(with = "String")]
    pub custom_name: Option<At<String>>,
    /// A message shown to recipients. `${VAR}` is expanded.
    #[serde(default)]
    #[schemars(with = "String")]
    pub custom_message: Option<At<String>>,
    /// `VIEW` links: whether to show the download prompt.
    #[serde(default)]
    #[schemars(with = "bool")]
    pub show_download_button: Option<At<bool>>,
    /// `DOWNLOAD` links: whether recipients can preview files.
    #[serde(default)]
    #[schemars(with = "bool")]
    pub allow_preview: Option<At<bool>>,
    /// Email the owner when the link is opened.
    #[serde(default)]
    #[schemars(with = "bool")]
    pub notify_on_access: Option<At<bool>>,
    /// Email the owner when something is downloaded.
    #[serde(default)]
    #[schemars(with = "bool")]
    pub notify_on_download: Option<At<bool>>,
    /// Send notifications to this address instead of the owner's.
    #[serde(default)]
    #[schemars(with = "String", email)]
    pub notification_email: Option<At<String>>,
}

/// `type` values of a link.
#[derive(JsonSchema)]
#[schemars(rename = "LinkType")]
#[allow(dead_code, reason = "describes the schema only")]
enum LinkTypeName {
    /// Recipients can preview, not download.
    #[schemars(rename = "VIEW")]
    View,
    /// Recipients can preview and download.
    #[schemars(rename = "DOWNLOAD")]
    Download,
}

/// The keys each mapping accepts, in the order the reference documents them.
pub(crate) mod keys {
    /// Top level.
    pub(crate) const MANIFEST: &[&str] = &["version", "settings", "publish", "links"];
    /// `settings`.
    pub(crate) const SETTINGS: &[&str] = &[
        "jobs",
        "on_change",
        "symlinks",
        "prune",
        "max_delete",
        "gitignore",
    ];
    /// A `publish` entry.
    pub(crate) const PUBLISH: &[&str] = &["name", "from", "include", "exclude", "to", "prune"];
    /// `to`, or a link's `{share, path}` target.
    pub(crate) const REMOTE_PATH: &[&str] = &["share", "path"];
    /// A `links` entry.
    pub(crate) const LINK: &[&str] = &[
        "name",
        "target",
        "type",
        "password",
        "rotate_password",
        "expires_in_days",
        "expires_at",
        "max_downloads",
        "max_views",
        "allowed_ips",
        "allowed_emails",
        "require_email",
        "custom_name",
        "custom_message",
        "show_download_button",
        "allow_preview",
        "notify_on_access",
        "notify_on_download",
        "notification_email",
    ];
}

#[cfg(test)]
mod tests {
    use super::keys;

    /// The decoder's key lists and the schema's properties describe the same format.
    #[test]
    fn decoder_keys_match_the_schema_properties() {
        let schema: serde_json::Value = serde_json::from_str(&super::super::json_schema()).unwrap();
        let names = |value: &serde_json::Value| -> Vec<String> {
            value["properties"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect()
        };
        let defs = &schema["$defs"];
        let cases = [
            (names(&schema), keys::MANIFEST),
            (names(&defs["Settings"]), keys::SETTINGS),
            (names(&defs["Publish"]), keys::PUBLISH),
            (names(&defs["RemotePath"]), keys::REMOTE_PATH),
            (names(&defs["Link"]), keys::LINK),
        ];
        for (schema_keys, decoder_keys) in cases {
            assert_eq!(schema_keys, decoder_keys);
        }
    }
}

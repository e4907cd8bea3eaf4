//! From the YAML tree to the raw manifest types, recording every shape and type problem.
//!
//! Nothing here stops at the first mistake: a field that cannot be read is left empty and
//! reported, and decoding goes on with its siblings, so that `validate` lists every problem
//! of a manifest in one run. Meaning (do the paths exist, are names unique…) is checked later,
//! in `check`.

use super::fields::{self, Fields, Sink, boolean, integer, string, strings};
use super::raw::{
    At, RawLink, RawLinkTarget, RawManifest, RawPublish, RawRemotePath, RawSettings, keys,
};
use super::tree::{Kind, Node};

/// Decodes the whole document.
pub(crate) fn manifest(node: &Node, sink: &mut Sink<'_>) -> RawManifest {
    let Some(fields) = Fields::read(node, "the manifest", keys::MANIFEST, sink) else {
        return RawManifest::default();
    };
    let version = fields.require("version", "the manifest", sink);
    let publish = fields.require("publish", "the manifest", sink);
    RawManifest {
        version: version.and_then(|n| integer(n, "version", sink)),
        settings: fields.get("settings").and_then(|n| settings(n, sink)),
        publish: publish.and_then(|n| fields::list(n, "publish", sink, publish_entry)),
        links: fields
            .get("links")
            .and_then(|n| fields::list(n, "links", sink, link)),
    }
}

fn settings(node: &Node, sink: &mut Sink<'_>) -> Option<RawSettings> {
    if matches!(node.kind, Kind::Null) {
        return Some(RawSettings::default());
    }
    let f = Fields::read(node, "`settings`", keys::SETTINGS, sink)?;
    Some(RawSettings {
        jobs: f.get("jobs").and_then(|n| integer(n, "jobs", sink)),
        on_change: f
            .get("on_change")
            .and_then(|n| string(n, "on_change", sink)),
        symlinks: f.get("symlinks").and_then(|n| string(n, "symlinks", sink)),
        prune: f.get("prune").and_then(|n| boolean(n, "prune", sink)),
        max_delete: f
            .get("max_delete")
            .and_then(|n| integer(n, "max_delete", sink)),
        gitignore: f
            .get("gitignore")
            .and_then(|n| boolean(n, "gitignore", sink)),
    })
}

fn publish_entry(node: &Node, sink: &mut Sink<'_>) -> Option<RawPublish> {
    let what = "a publish entry";
    let f = Fields::read(node, what, keys::PUBLISH, sink)?;
    let name = f.require("name", what, sink);
    let from = f.require("from", what, sink);
    let to = f.require("to", what, sink);
    Some(RawPublish {
        name: name.and_then(|n| string(n, "name", sink)),
        from: from.and_then(|n| string(n, "from", sink)),
        include: f.get("include").and_then(|n| strings(n, "include", sink)),
        exclude: f.get("exclude").and_then(|n| strings(n, "exclude", sink)),
        to: to.and_then(|n| remote_path(n, "`to`", sink)),
        prune: f.get("prune").and_then(|n| boolean(n, "prune", sink)),
    })
}

fn remote_path(node: &Node, what: &str, sink: &mut Sink<'_>) -> Option<RawRemotePath> {
    let f = Fields::read(node, what, keys::REMOTE_PATH, sink)?;
    let share = f.require("share", what, sink);
    Some(RawRemotePath {
        pos: node.pos,
        share: share.and_then(|n| string(n, "share", sink)),
        path: f.get("path").and_then(|n| string(n, "path", sink)),
    })
}

fn link(node: &Node, sink: &mut Sink<'_>) -> Option<RawLink> {
    let what = "a link";
    let f = Fields::read(node, what, keys::LINK, sink)?;
    let name = f.require("name", what, sink);
    let target = f.require("target", what, sink);
    let link_type = f.require("type", what, sink);
    let text = |key: &str, sink: &mut Sink<'_>| f.get(key).and_then(|n| string(n, key, sink));
    let flag = |key: &str, sink: &mut Sink<'_>| f.get(key).and_then(|n| boolean(n, key, sink));
    let number = |key: &str, sink: &mut Sink<'_>| f.get(key).and_then(|n| integer(n, key, sink));
    let texts = |key: &str, sink: &mut Sink<'_>| f.get(key).and_then(|n| strings(n, key, sink));
    Some(RawLink {
        pos: node.pos,
        name: name.and_then(|n| string(n, "name", sink)),
        target: target.and_then(|n| link_target(n, sink)),
        link_type: link_type.and_then(|n| string(n, "type", sink)),
        password: text("password", sink),
        rotate_password: flag("rotate_password", sink),
        expires_in_days: number("expires_in_days", sink),
        expires_at: text("expires_at", sink),
        max_downloads: number("max_downloads", sink),
        max_views: number("max_views", sink),
        allowed_ips: texts("allowed_ips", sink),
        allowed_emails: texts("allowed_emails", sink),
        require_email: flag("require_email", sink),
        custom_name: text("custom_name", sink),
        custom_message: text("custom_message", sink),
        show_download_button: flag("show_download_button", sink),
        allow_preview: flag("allow_preview", sink),
        notify_on_access: flag("notify_on_access", sink),
        notify_on_download: flag("notify_on_download", sink),
        notification_email: text("notification_email", sink),
    })
}

fn link_target(node: &Node, sink: &mut Sink<'_>) -> Option<RawLinkTarget> {
    match &node.kind {
        Kind::Map(_) => remote_path(node, "a link's `target`", sink).map(RawLinkTarget::Folder),
        _ => string(node, "target", sink).map(|s: At<String>| RawLinkTarget::Publish(s)),
    }
}

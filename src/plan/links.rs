//! Planning links: find each declared link among the target's active links, and decide
//! whether to keep it, update it or create it.
//!
//! The service has no uniqueness on links, so a link's identity is (resource, link type,
//! custom name). The manifest is the whole truth for a link's options: an option it does not
//! declare is unset on the service (`false` for `require_email` and `notify_*`, else `null`),
//! so removing a line removes the setting. Passwords cannot be read back: a link that has one keeps it unless the
//! manifest asks to rotate it. `expires_in_days` applies only when a link is created, and
//! while it is declared the link's expiry is left as it is; an absolute `expires_at`, or no
//! expiry at all, is reconciled on every run.

use serde_json::{Value, json};

use super::build::{Scope, Tasks, created_id};
use super::{Action, FolderRef, KeptLink};
use crate::api::{ApiError, Client, RemoteLink};
use crate::manifest::{LinkOptions, LinkTarget, LinkType, Manifest};

pub(super) async fn plan_links(
    manifest: &Manifest,
    scopes: &[Scope<'_>],
    client: &Client,
    tasks: &mut Tasks,
    problems: &mut Vec<String>,
) -> Result<Vec<KeptLink>, ApiError> {
    let mut kept = Vec::new();
    let mut seen: Vec<(Identity, &str)> = Vec::new();
    for (index, link) in manifest.links.iter().enumerate() {
        let Some((scope_index, rel)) = find_target(manifest, scopes, &link.target) else {
            problems.push(format!(
                "link `{}`: its target is not a folder any publish entry creates; point \
                 `target` at a publish name or at a published folder",
                link.name
            ));
            continue;
        };
        let scope = &scopes[scope_index];
        let Some(folder) = scope.folders.get(&rel).cloned() else {
            problems.push(format!(
                "link `{}`: {} is not among the published folders",
                link.name,
                scope.remote_path(&rel)
            ));
            continue;
        };
        let prefix = scope.remote_path(&rel);
        let identity = Identity {
            share_id: scope.share_id.clone(),
            path: prefix.clone(),
            link_type: link_type(&link.options),
            custom_name: link.options.custom_name.clone(),
        };
        if let Some((_, first)) = seen.iter().find(|(i, _)| *i == identity) {
            problems.push(format!(
                "links `{first}` and `{}` are the same link to the service: both open {} with \
                 type {} and the same custom_name; give each a distinct `custom_name`",
                link.name,
                prefix,
                identity.link_type.as_api()
            ));
            continue;
        }
        seen.push((identity, &link.name));
        let after: Vec<usize> = tasks
            .list
            .iter()
            .filter(|t| t.publish == scope_index && !matches!(t.action, Action::Delete { .. }))
            .filter(|t| {
                t.path == prefix || t.path.starts_with(&format!("{prefix}/")) || prefix == "/"
            })
            .map(|t| t.id)
            .chain(created_id(&folder))
            .collect();
        let (existing, duplicates) = match &folder {
            FolderRef::Existing(id) => {
                let resource = id.clone().unwrap_or_else(|| scope.share_id.clone());
                let links = client.links_of(&scope.share_id, &resource).await?.links;
                let mut matching = all_matches(&links, &link.options).into_iter();
                (matching.next(), matching.collect())
            }
            FolderRef::Created(_) => (None, Vec::new()),
        };
        for duplicate in duplicates {
            let action = Action::RevokeLink {
                link: index,
                link_id: duplicate.id,
            };
            let reason = "another active link with the same target, type and custom_name";
            tasks.push(scope_index, prefix.clone(), action, reason, after.clone());
        }
        match existing {
            None => {
                let action = Action::CreateLink {
                    link: index,
                    target: folder,
                };
                tasks.push(scope_index, prefix, action, "new link", after);
            }
            Some(remote) => {
                let fields = changed_fields(&link.options, &remote);
                if fields.is_empty() {
                    kept.push(KeptLink {
                        link: index,
                        name: link.name.clone(),
                        url: remote.url.clone(),
                        link_id: remote.id.clone(),
                        path: prefix.clone(),
                        resource_id: remote.resource_id.clone(),
                    });
                } else {
                    let reason = format!(
                        "changed: {}",
                        describe_changes(&link.options, &remote, &fields)
                    );
                    let action = Action::UpdateLink {
                        link: index,
                        link_id: remote.id,
                        fields,
                    };
                    tasks.push(scope_index, prefix, action, &reason, after);
                }
            }
        }
    }
    Ok(kept)
}

/// What the service tells links apart by, once targets are resolved: `validate` cannot see
/// that a publish name and a `{share, path}` with the share written another way are one folder.
#[derive(PartialEq)]
struct Identity {
    share_id: String,
    path: String,
    link_type: LinkType,
    custom_name: Option<String>,
}

/// The publish (by scope index) and relative folder a link points at.
fn find_target(
    manifest: &Manifest,
    scopes: &[Scope],
    target: &LinkTarget,
) -> Option<(usize, String)> {
    match target {
        LinkTarget::Publish(name) => {
            let publish = manifest.publish.iter().find(|p| &p.name == name)?;
            let i = scopes
                .iter()
                .position(|s| std::ptr::eq(s.publish, publish))?;
            Some((i, String::new()))
        }
        LinkTarget::Folder(path) => {
            let wanted: Vec<&str> = path.segments();
            scopes.iter().enumerate().find_map(|(i, s)| {
                let same_share = s.publish.to.share == path.share || s.share_id == path.share;
                let base = s.publish.to.segments();
                let below = wanted.len() >= base.len() && wanted[..base.len()] == base[..];
                (same_share && below).then(|| (i, wanted[base.len()..].join("/")))
            })
        }
    }
}

fn link_type(options: &LinkOptions) -> LinkType {
    options.link_type.unwrap_or(LinkType::Download)
}

fn find_match(links: &[RemoteLink], options: &LinkOptions) -> Option<RemoteLink> {
    all_matches(links, options).into_iter().next()
}

/// The active links with the identity `options` declare, the one to keep first: the oldest by
/// `created_at` (ties in the service's order, as ids are opaque), so that the URL people
/// already have stays.
fn all_matches(links: &[RemoteLink], options: &LinkOptions) -> Vec<RemoteLink> {
    let mut found: Vec<RemoteLink> = links
        .iter()
        .filter(|l| l.status.as_deref().is_none_or(|s| s == "active"))
        .filter(|l| {
            l.link_type == link_type(options).as_api() && l.custom_name == options.custom_name
        })
        .cloned()
        .collect();
    found.sort_by(|a, b| a.created_at.cmp(&b.created_at));
    found
}

/// The settings the manifest declares, as API fields (without the password).
fn declared(options: &LinkOptions) -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    let mut put = |key, value: Option<Value>| {
        if let Some(v) = value {
            out.push((key, v));
        }
    };
    put("expires_at", options.expires_at.clone().map(Value::from));
    put("max_downloads", options.max_downloads.map(Value::from));
    put("max_views", options.max_views.map(Value::from));
    put("allowed_ips", options.allowed_ips.clone().map(Value::from));
    put(
        "allowed_emails",
        options.allowed_emails.clone().map(Value::from),
    );
    put("require_email", options.require_email.map(Value::from));
    put(
        "custom_message",
        options.custom_message.clone().map(Value::from),
    );
    put(
        "show_download_button",
        options.show_download_button.map(Value::from),
    );
    put("allow_preview", options.allow_preview.map(Value::from));
    put(
        "notify_on_access",
        options.notify_on_access.map(Value::from),
    );
    put(
        "notify_on_download",
        options.notify_on_download.map(Value::from),
    );
    put(
        "notification_email",
        options.notification_email.clone().map(Value::from),
    );
    out
}

/// What an option absent from the manifest means on the service.
#[derive(Clone, Copy)]
enum Unset {
    /// No value: `null` (no limit, no expiry, no list, no text, the service's default).
    Null,
    /// The flag is off; the service reports `false` or nothing.
    False,
}

/// Every option the manifest is the whole truth for: (API field, what absence means).
/// `password` is apart (write-only); `custom_name` is part of the identity.
const RECONCILED: &[(&str, Unset)] = &[
    ("expires_at", Unset::Null),
    ("max_downloads", Unset::Null),
    ("max_views", Unset::Null),
    ("allowed_ips", Unset::Null),
    ("allowed_emails", Unset::Null),
    ("require_email", Unset::False),
    ("custom_message", Unset::Null),
    ("show_download_button", Unset::Null),
    ("allow_preview", Unset::Null),
    ("notify_on_access", Unset::False),
    ("notify_on_download", Unset::False),
    ("notification_email", Unset::Null),
];

/// The value of every reconciled field the manifest wants, declared or not; `None` for
/// `expires_at` of an `expires_in_days` link (its expiry was set at creation; kept as is).
fn wanted(options: &LinkOptions) -> Vec<(&'static str, Option<Value>)> {
    let declared = declared(options);
    RECONCILED
        .iter()
        .map(|&(key, unset)| {
            if key == "expires_at" && options.expires_in_days.is_some() {
                return (key, None);
            }
            let value = declared
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.clone())
                .unwrap_or(match unset {
                    Unset::Null => Value::Null,
                    Unset::False => Value::Bool(false),
                });
            (key, Some(value))
        })
        .collect()
}

/// Fields whose remote value differs from the manifest.
fn changed_fields(options: &LinkOptions, remote: &RemoteLink) -> Vec<String> {
    let actual = serde_json::to_value(remote).unwrap_or_default();
    let mut fields: Vec<String> = wanted(options)
        .into_iter()
        .filter_map(|(key, want)| Some((key, want?)))
        .filter(|(key, want)| !same_value(key, want, &actual[*key]))
        .map(|(key, _)| key.to_string())
        .collect();
    // An `expires_in_days` link dates itself once: at creation, or when it has no expiry.
    if options.expires_in_days.is_some() && remote.expires_at.is_none() {
        fields.push("expires_at".to_string());
    }
    if options.rotate_password || options.password.is_some() != remote.password_required {
        fields.push("password".to_string());
    }
    fields
}

/// `max_views 7 -> none, password`: each changed field with its old and new value, but the
/// password (write-only, and a secret), and an expiry to be dated from `expires_in_days`.
fn describe_changes(options: &LinkOptions, remote: &RemoteLink, fields: &[String]) -> String {
    let actual = serde_json::to_value(remote).unwrap_or_default();
    let wanted = wanted(options);
    let shown = |v: &Value| match v {
        Value::Null => "none".to_string(),
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    fields
        .iter()
        .map(|field| {
            let want = wanted
                .iter()
                .find(|(k, _)| k == field)
                .and_then(|(_, v)| v.as_ref());
            match want {
                Some(want) => format!(
                    "{field} {} -> {}",
                    shown(&actual[field.as_str()]),
                    shown(want)
                ),
                None if field == "expires_at" => format!(
                    "expires_at none -> in {} days",
                    options.expires_in_days.unwrap_or_default()
                ),
                None => field.clone(),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn same_value(key: &str, want: &Value, have: &Value) -> bool {
    if want == &Value::Bool(false) && have.is_null() {
        // A flag the service does not report is off.
        return true;
    }
    if key == "expires_at" && !want.is_null() {
        let parse = |v: &Value| {
            v.as_str().and_then(|s| {
                time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
            })
        };
        return parse(want).is_some() && parse(want) == parse(have);
    }
    want == have
}

/// The body of a link create.
pub fn create_body(options: &LinkOptions, share_id: &str, resource: Option<&str>) -> Value {
    let mut body = json!({
        "resource_type": if resource.is_some() { "folder" } else { "share" },
        "resource_id": resource.unwrap_or(share_id),
        "share_id": share_id,
        "link_type": link_type(options).as_api(),
    });
    for (key, value) in declared(options) {
        body[key] = value;
    }
    if let Some(days) = options.expires_in_days {
        body["expires_in_days"] = days.into();
    }
    if let Some(name) = &options.custom_name {
        body["custom_name"] = name.clone().into();
    }
    if let Some(password) = &options.password {
        body["password"] = password.expose().into();
    }
    body
}

/// The body of a link update carrying `fields`.
pub fn update_body(options: &LinkOptions, fields: &[String]) -> Value {
    let mut body = json!({});
    for (key, value) in wanted(options) {
        if let Some(value) = value
            && fields.iter().any(|f| f == key)
        {
            body[key] = value;
        }
    }
    if let Some(days) = options.expires_in_days
        && fields.iter().any(|f| f == "expires_at")
    {
        let at = time::OffsetDateTime::now_utc() + time::Duration::days(i64::from(days));
        let text = at.format(&time::format_description::well_known::Rfc3339);
        body["expires_at"] = text.unwrap_or_default().into();
    }
    if fields.iter().any(|f| f == "password") {
        body["password"] = options
            .password
            .as_ref()
            .map(|p| p.expose().to_string())
            .into();
    }
    body
}

/// Finds, among `links`, the one a create with `options` would have made.
pub fn adopt(links: &[RemoteLink], options: &LinkOptions) -> Option<RemoteLink> {
    find_match(links, options)
}

//! The meaning of the `links` section: each link is checked and resolved into a [`Link`].
//!
//! A link must point at a published folder (the engine creates links only on folders this
//! manifest publishes), use a type the tool supports, take its password from the
//! environment, and have options the API accepts. Two links the service could not tell apart
//! (same folder, `type` and `custom_name`) are refused. Password values are never shown in a
//! message, not even in part.

use std::net::IpAddr;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::check::{Checked, Checker, is_within};
use super::interpolate;
use super::model::{Link, LinkOptions, LinkTarget, LinkType, RemotePath, Secret};
use super::problem::Pos;
use super::raw::{At, RawLink, RawLinkTarget};

/// What the service tells links apart by: the folder, the type and the custom name. A folder
/// is a publish entry's name or a `{share, path}`; the two spellings of one folder are
/// compared here only when the share is written the same way (plan compares the rest).
#[derive(PartialEq)]
struct Identity {
    folder: Folder,
    link_type: LinkType,
    custom_name: Option<String>,
}

#[derive(PartialEq)]
enum Folder {
    Publish(String),
    Path(RemotePath),
}

/// A link already seen: its name (if it has a usable one), where it is written, its identity.
struct Seen {
    name: Option<String>,
    pos: Pos,
    identity: Option<Identity>,
}

impl Checker<'_, '_> {
    /// Checks and resolves every link against the checked publish entries.
    ///
    /// `declared` names every publish entry written, including those that failed their
    /// checks: a link to one of them is not reported again, but its name and identity are
    /// still compared with the other links'.
    pub(crate) fn links(
        &mut self,
        raw: &[RawLink],
        publishes: &[Checked],
        declared: &[String],
    ) -> Vec<Link> {
        let complete = publishes.len() == declared.len();
        let mut links: Vec<Link> = Vec::new();
        let mut seen: Vec<Seen> = Vec::new();
        for entry in raw {
            let name = entry.name.as_ref().and_then(|n| self.name(n, "link"));
            if let Some(name) = &name
                && let Some(first) = seen
                    .iter()
                    .find(|s| s.name.as_deref() == Some(name.value.as_str()))
            {
                self.duplicate_name(name, first.pos, "links");
            }
            let (target, folder) = match &entry.target {
                None => (None, None),
                Some(RawLinkTarget::Publish(p)) if !complete && declared.contains(&p.value) => {
                    (None, Some(Folder::Publish(p.value.clone())))
                }
                Some(RawLinkTarget::Publish(p)) => {
                    let target = self.target_publish(p, publishes);
                    (target, Some(Folder::Publish(p.value.clone())))
                }
                Some(RawLinkTarget::Folder(raw_path)) => {
                    match self.remote_path(raw_path, "target") {
                        None => (None, None),
                        Some((path, pos)) => {
                            let target = self.target_folder(&path, pos, publishes, complete);
                            (target, Some(folder_of(path, publishes)))
                        }
                    }
                }
            };
            let pos = name.as_ref().map_or(entry.pos, |n| n.pos);
            let identity = folder.and_then(|folder| self.identity(entry, folder));
            if let Some(identity) = &identity
                && let Some(first) = seen.iter().find(|s| s.identity.as_ref() == Some(identity))
            {
                self.same_identity(first, name.as_ref().map(|n| n.value.as_str()), pos);
            }
            seen.push(Seen {
                name: name.as_ref().map(|n| n.value.clone()),
                pos,
                identity,
            });
            let options = self.options(entry);
            if let (Some(name), Some(target), Some(options)) = (name, target, options) {
                links.push(Link {
                    name: name.value,
                    target,
                    options,
                });
            }
        }
        links
    }

    /// The identity of a link whose type is valid and whose `custom_name` expands (the
    /// problems of those fields are reported by [`Self::options`]).
    fn identity(&self, entry: &RawLink, folder: Folder) -> Option<Identity> {
        let link_type = match entry.link_type.as_ref()?.value.as_str() {
            "VIEW" => LinkType::View,
            "DOWNLOAD" => LinkType::Download,
            _ => return None,
        };
        let custom_name = match &entry.custom_name {
            None => None,
            Some(n) => Some(interpolate::expand(&n.value, self.lookup).ok()?),
        };
        Some(Identity {
            folder,
            link_type,
            custom_name,
        })
    }

    fn same_identity(&mut self, first: &Seen, name: Option<&str>, pos: Pos) {
        let label = |name: Option<&str>, pos: Pos| match name {
            Some(n) => format!("`{n}` (line {})", pos.line),
            None => format!("on line {}", pos.line),
        };
        let message = format!(
            "links {} and {} are the same link to the service: same target, `type` and \
             `custom_name`",
            label(first.name.as_deref(), first.pos),
            label(name, pos)
        );
        let hint = "give each a distinct `custom_name` (a link is recognised by its target, \
                    `type` and `custom_name`), or remove one of them";
        let problem = super::problem::Problem::new(pos, message, hint)
            .with_related(first.pos, "the first of them");
        self.sink.push(problem);
    }

    fn target_publish(&mut self, name: &At<String>, publishes: &[Checked]) -> Option<LinkTarget> {
        if publishes.iter().any(|c| c.publish.name == name.value) {
            return Some(LinkTarget::Publish(name.value.clone()));
        }
        let names: Vec<&str> = publishes.iter().map(|c| c.publish.name.as_str()).collect();
        let hint = match super::fields::suggest(&name.value, &names) {
            Some(n) => format!("did you mean `{n}`?"),
            None if names.is_empty() => "add the publish entry it should point at".into(),
            None => format!("use one of {}", super::fields::list_keys(&names)),
        };
        let message = format!(
            "link target `{}` is not the name of a publish entry",
            name.value
        );
        self.sink.error(name.pos, message, hint);
        None
    }

    fn target_folder(
        &mut self,
        path: &RemotePath,
        pos: Pos,
        publishes: &[Checked],
        complete: bool,
    ) -> Option<LinkTarget> {
        let published = publishes
            .iter()
            .any(|c| c.publish.to.share == path.share && is_within(&path.path, &c.publish.to.path));
        if published {
            return Some(LinkTarget::Folder(path.clone()));
        }
        if !complete {
            // A publish entry with problems of its own may be the one that covers it.
            return None;
        }
        self.sink.error(
            pos,
            format!(
                "link target `{}` in share `{}` is not inside any published folder",
                path.path, path.share
            ),
            "links can only point at folders this manifest publishes: use a publish \
             entry's name, or a path under one of the `to` folders",
        );
        None
    }

    fn options(&mut self, raw: &RawLink) -> Option<LinkOptions> {
        let before = self.sink.problems.len();
        let link_type = raw.link_type.as_ref().and_then(|t| self.link_type(t));
        let password = raw.password.as_ref().and_then(|p| self.password(p));
        let mut options = LinkOptions {
            link_type,
            password,
            rotate_password: raw.rotate_password.as_ref().is_some_and(|r| r.value),
            require_email: value(raw.require_email.as_ref()),
            show_download_button: value(raw.show_download_button.as_ref()),
            allow_preview: value(raw.allow_preview.as_ref()),
            notify_on_access: value(raw.notify_on_access.as_ref()),
            notify_on_download: value(raw.notify_on_download.as_ref()),
            ..LinkOptions::default()
        };
        if options.rotate_password && raw.password.is_none() {
            let pos = raw.rotate_password.as_ref().map_or(raw.pos, |r| r.pos);
            let hint = "add `password: ${VAR}`, or remove `rotate_password`";
            self.sink.error(
                pos,
                "`rotate_password` is true but the link has no password",
                hint,
            );
        }
        self.expiry(raw, &mut options);
        options.max_downloads = raw
            .max_downloads
            .as_ref()
            .and_then(|n| self.count(n, "max_downloads"));
        options.max_views = raw
            .max_views
            .as_ref()
            .and_then(|n| self.count(n, "max_views"));
        options.allowed_ips = raw.allowed_ips.as_ref().map(|ips| self.cidrs(ips));
        options.allowed_emails = raw.allowed_emails.as_ref().map(|list| {
            list.value
                .iter()
                .filter(|e| self.email(e, "allowed_emails"))
                .map(|e| e.value.clone())
                .collect()
        });
        if let Some(list) = &raw.allowed_emails
            && options.require_email != Some(true)
        {
            let hint = "add `require_email: true` (recipients prove their address with a code)";
            self.sink.error(
                list.pos,
                "`allowed_emails` needs `require_email: true`",
                hint,
            );
        }
        options.notification_email = raw
            .notification_email
            .as_ref()
            .filter(|e| self.email(e, "notification_email"))
            .map(|e| e.value.clone());
        options.custom_name = raw
            .custom_name
            .as_ref()
            .and_then(|n| self.expand(n, "custom_name"));
        options.custom_message = raw
            .custom_message
            .as_ref()
            .and_then(|m| self.expand(m, "custom_message"));
        self.type_specific(raw, link_type);
        (self.sink.problems.len() == before).then_some(options)
    }

    fn link_type(&mut self, t: &At<String>) -> Option<LinkType> {
        match t.value.as_str() {
            "VIEW" => return Some(LinkType::View),
            "DOWNLOAD" => return Some(LinkType::Download),
            _ => {}
        }
        let upper = t.value.to_ascii_uppercase();
        let hint = match upper.as_str() {
            "VIEW" | "DOWNLOAD" => format!("write it in capitals: `type: {upper}`"),
            "UPLOAD" => "UPLOAD links (collecting files from others) are not supported: this \
                         tool publishes; use VIEW or DOWNLOAD"
                .to_string(),
            _ => "use `VIEW` (preview only) or `DOWNLOAD` (preview and download)".to_string(),
        };
        self.sink
            .error(t.pos, format!("link `type` cannot be `{}`", t.value), hint);
        None
    }

    fn password(&mut self, p: &At<String>) -> Option<Secret> {
        if !interpolate::is_single_reference(&p.value) {
            self.sink.error(
                p.pos,
                "`password` is written into the manifest (its value is not shown here)",
                "secrets come from the environment only: write `password: ${LINK_PASSWORD}` \
                 and set LINK_PASSWORD when running",
            );
            return None;
        }
        let value = self.expand(p, "password")?;
        if value.is_empty() {
            let hint = "set the variable to a non-empty password, or remove `password`";
            self.sink.error(p.pos, "`password` comes out empty", hint);
            return None;
        }
        Some(Secret::new(value))
    }

    fn expiry(&mut self, raw: &RawLink, options: &mut LinkOptions) {
        if let (Some(days), Some(_)) = (&raw.expires_in_days, &raw.expires_at) {
            let hint = "keep one: `expires_in_days` (counted from creation) or `expires_at` \
                        (a fixed time)";
            self.sink.error(
                days.pos,
                "a link has both `expires_in_days` and `expires_at`",
                hint,
            );
        }
        if let Some(days) = &raw.expires_in_days {
            match u32::try_from(days.value) {
                Ok(n) if n >= 1 => options.expires_in_days = Some(n),
                _ => self.sink.error(
                    days.pos,
                    format!(
                        "`expires_in_days` is {}, not a positive number of days",
                        days.value
                    ),
                    "use 1 or more, or remove it for a link that does not expire",
                ),
            }
        }
        if let Some(at) = &raw.expires_at {
            options.expires_at = self.timestamp(at);
        }
    }

    fn timestamp(&mut self, at: &At<String>) -> Option<String> {
        let Ok(time) = OffsetDateTime::parse(&at.value, &Rfc3339) else {
            self.sink.error(
                at.pos,
                format!("`expires_at` `{}` is not an RFC 3339 time", at.value),
                "write a date, time and offset, e.g. `expires_at: \"2027-01-31T23:59:59Z\"`",
            );
            return None;
        };
        if time <= OffsetDateTime::now_utc() {
            let hint = "use a time in the future, or remove `expires_at`";
            self.sink.error(
                at.pos,
                format!("`expires_at` `{}` is in the past", at.value),
                hint,
            );
            return None;
        }
        Some(at.value.clone())
    }

    fn count(&mut self, n: &At<i128>, field: &str) -> Option<u64> {
        match u64::try_from(n.value) {
            Ok(v) if v >= 1 => Some(v),
            _ => {
                let hint = format!("use 1 or more, or remove `{field}` for no limit");
                self.sink.error(
                    n.pos,
                    format!("`{field}` is {}, must be at least 1", n.value),
                    hint,
                );
                None
            }
        }
    }

    fn cidrs(&mut self, ips: &At<Vec<At<String>>>) -> Vec<String> {
        let mut out = Vec::new();
        for ip in &ips.value {
            match cidr(&ip.value) {
                Ok(()) => out.push(ip.value.clone()),
                Err(hint) => {
                    let message = format!("`allowed_ips` entry `{}` is not a CIDR block", ip.value);
                    self.sink.error(ip.pos, message, hint);
                }
            }
        }
        out
    }

    fn email(&mut self, e: &At<String>, field: &str) -> bool {
        let plausible = e.value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        }) && !e.value.chars().any(char::is_whitespace);
        if !plausible {
            let hint = "write an address like `name@example.com`";
            self.sink.error(
                e.pos,
                format!("`{field}` `{}` is not an email address", e.value),
                hint,
            );
        }
        plausible
    }

    fn type_specific(&mut self, raw: &RawLink, link_type: Option<LinkType>) {
        let mismatch = match link_type {
            Some(LinkType::Download) => raw
                .show_download_button
                .as_ref()
                .map(|f| (f.pos, "show_download_button", "VIEW")),
            Some(LinkType::View) => raw
                .allow_preview
                .as_ref()
                .map(|f| (f.pos, "allow_preview", "DOWNLOAD")),
            None => None,
        };
        if let Some((pos, field, applies)) = mismatch {
            let message = format!("`{field}` applies to {applies} links only");
            self.sink.error(
                pos,
                message,
                format!("remove it, or make the link `type: {applies}`"),
            );
        }
    }
}

/// A `{share, path}` folder, as the publish entry whose root it is when the share is written
/// the same way.
fn folder_of(path: RemotePath, publishes: &[Checked]) -> Folder {
    match publishes.iter().find(|c| c.publish.to == path) {
        Some(c) => Folder::Publish(c.publish.name.clone()),
        None => Folder::Path(path),
    }
}

fn value(flag: Option<&At<bool>>) -> Option<bool> {
    flag.map(|f| f.value)
}

/// Checks `address/prefix`; the error is a hint.
fn cidr(text: &str) -> Result<(), String> {
    let Some((address, prefix)) = text.split_once('/') else {
        let bits = if text.contains(':') { 128 } else { 32 };
        return Err(format!(
            "add a prefix length, e.g. `{text}/{bits}` for one address"
        ));
    };
    let Ok(address) = address.parse::<IpAddr>() else {
        return Err("write an IPv4 or IPv6 address before the `/`".into());
    };
    let max = if address.is_ipv4() { 32 } else { 128 };
    match prefix.parse::<u32>() {
        Ok(bits) if bits <= max => {
            let host_bits = match address {
                IpAddr::V4(a) => u128::from(u32::from(a) & u32::MAX.checked_shr(bits).unwrap_or(0)),
                IpAddr::V6(a) => u128::from(a) & u128::MAX.checked_shr(bits).unwrap_or(0),
            };
            if host_bits == 0 {
                Ok(())
            } else {
                Err(
                    "the address has bits set after the prefix: use the network's first address"
                        .into(),
                )
            }
        }
        _ => Err(format!(
            "the prefix length must be a number from 0 to {max}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::cidr;

    #[test]
    fn cidr_blocks_are_checked() {
        assert!(cidr("10.0.0.0/8").is_ok());
        assert!(cidr("192.168.1.7/32").is_ok());
        assert!(cidr("0.0.0.0/0").is_ok());
        assert!(cidr("2001:db8::/32").is_ok());
        assert!(cidr("10.0.0.1/8").is_err());
        assert!(cidr("10.0.0.0/33").is_err());
        assert!(cidr("10.0.0.0").is_err());
        assert!(cidr("example.com/8").is_err());
    }
}

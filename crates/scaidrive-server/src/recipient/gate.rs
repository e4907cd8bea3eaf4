//! Who may open a link right now: the link must exist and be active (revoked, expired, capped
//! or pointing at a trashed resource → 410), the peer must match `allowed_ips` (403), and a
//! password-protected link needs a signed cookie. The cookie, `sdl_<link id>`, holds an expiry
//! and an HMAC-SHA256 over the link id, its password hash and that expiry, keyed with a secret
//! kept in the database: changing the password invalidates every cookie. `require_email` and
//! `allowed_emails` are stored but not enforced (no mail is sent by the local server).

use std::net::IpAddr;

use argon2::{Argon2, PasswordHash, PasswordVerifier};
use axum::http::{HeaderMap, StatusCode, header};
use hmac::{Hmac, KeyInit, Mac};
use rusqlite::Connection;
use sha2::Sha256;

use crate::db::items::{self, Item};
use crate::db::links::{self, Link};
use crate::ids;

/// How long a password cookie lasts.
const COOKIE_SECS: i64 = 24 * 3600;

/// A refusal, rendered as an HTML page.
#[derive(Debug, Clone)]
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    pub(crate) title: &'static str,
    pub(crate) message: String,
}

impl Refusal {
    fn new(status: StatusCode, title: &'static str, message: impl Into<String>) -> Self {
        Refusal {
            status,
            title,
            message: message.into(),
        }
    }
}

/// An open link and its target (`None` target = the share root).
#[derive(Debug, Clone)]
pub(crate) struct Opened {
    pub(crate) link: Link,
    pub(crate) target: Option<Item>,
}

impl Opened {
    /// The folder key of a folder or share link.
    pub(crate) fn folder_key(&self) -> String {
        self.target
            .as_ref()
            .map_or_else(String::new, |t| t.id.clone())
    }

    /// Whether the link points at a single file.
    pub(crate) fn is_file(&self) -> bool {
        self.link.resource_type == "file"
    }
}

/// Finds a link by token or short code and checks that it may be used at all.
pub(crate) fn open(conn: &Connection, key: &str, peer: Option<IpAddr>) -> Result<Opened, Refusal> {
    let link = links::by_public(conn, key).ok().flatten().ok_or_else(|| {
        Refusal::new(
            StatusCode::NOT_FOUND,
            "Link not found",
            "There is no link at this address.",
        )
    })?;
    let now = ids::now();
    match link.status(now) {
        "revoked" => return Err(gone("This link was revoked by its owner.")),
        "expired" => return Err(gone("This link has expired.")),
        _ => {}
    }
    if link.max_views.is_some_and(|m| link.view_count >= m) {
        return Err(gone("This link has reached its view limit."));
    }
    if link.max_downloads.is_some_and(|m| link.download_count >= m) {
        return Err(gone("This link has reached its download limit."));
    }
    let allowed: Vec<String> = link
        .options
        .get("allowed_ips")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    if !allowed.is_empty() && !peer.is_some_and(|ip| allowed.iter().any(|c| cidr_contains(c, ip))) {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "This link cannot be opened from your network.",
        ));
    }
    let target = if link.resource_type == "share" {
        None
    } else {
        let item = items::get(conn, &link.resource_id).ok().flatten();
        match item {
            Some(item) if item.deleted_at.is_none() => Some(item),
            _ => return Err(gone("The shared item is no longer available.")),
        }
    };
    Ok(Opened { link, target })
}

fn gone(message: &str) -> Refusal {
    Refusal::new(StatusCode::GONE, "Link unavailable", message)
}

/// Whether `cidr` (`10.0.0.0/8`, `::1/128` or a bare address) contains `ip`.
pub(crate) fn cidr_contains(cidr: &str, ip: IpAddr) -> bool {
    let (addr, bits) = cidr
        .split_once('/')
        .map_or((cidr, None), |(a, b)| (a, Some(b)));
    let Ok(net) = addr.trim().parse::<IpAddr>() else {
        return false;
    };
    let ip = match (net, ip) {
        (IpAddr::V4(_), IpAddr::V6(v6)) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        _ => ip,
    };
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let bits: u32 = bits
                .and_then(|b| b.trim().parse().ok())
                .unwrap_or(32)
                .min(32);
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(n) & mask == u32::from(i) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let bits: u32 = bits
                .and_then(|b| b.trim().parse().ok())
                .unwrap_or(128)
                .min(128);
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(n) & mask == u128::from(i) & mask
        }
        _ => false,
    }
}

fn mac(secret: &[u8], link: &Link, expiry: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    let hash = link.password_hash.as_deref().unwrap_or("");
    mac.update(format!("{}|{hash}|{expiry}", link.id).as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn cookie_name(link: &Link) -> String {
    format!("sdl_{}", link.id)
}

/// Whether the request may see the link's content (no password, or a valid cookie).
pub(crate) fn is_unlocked(secret: &[u8], link: &Link, headers: &HeaderMap) -> bool {
    if link.password_hash.is_none() {
        return true;
    }
    let name = cookie_name(link);
    let value = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned());
    let Some((expiry, given)) = value.as_deref().and_then(|v| v.split_once('.')) else {
        return false;
    };
    let Ok(expiry) = expiry.parse::<i64>() else {
        return false;
    };
    let expected = mac(secret, link, expiry);
    expiry > ids::now()
        && bool::from(subtle::ConstantTimeEq::ct_eq(
            expected.as_bytes(),
            given.as_bytes(),
        ))
}

/// The `Set-Cookie` value unlocking `link` for a day.
pub(crate) fn unlock_cookie(secret: &[u8], link: &Link) -> String {
    let expiry = ids::now() + COOKIE_SECS;
    format!(
        "{}={expiry}.{}; Path=/; Max-Age={COOKIE_SECS}; HttpOnly; SameSite=Lax",
        cookie_name(link),
        mac(secret, link, expiry)
    )
}

/// Checks a password against the link's Argon2 hash (slow: call from the blocking pool).
pub(crate) fn password_matches(link: &Link, password: &str) -> bool {
    let Some(stored) = link.password_hash.as_deref() else {
        return true;
    };
    PasswordHash::new(stored).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::cidr_contains;

    #[test]
    fn cidrs_match_by_prefix() {
        let local = "127.0.0.1".parse().unwrap();
        assert!(cidr_contains("127.0.0.0/8", local));
        assert!(cidr_contains("127.0.0.1", local));
        assert!(!cidr_contains("10.0.0.0/8", local));
        assert!(cidr_contains("0.0.0.0/0", local));
        assert!(cidr_contains("::1/128", "::1".parse().unwrap()));
        assert!(!cidr_contains("garbage", local));
    }
}

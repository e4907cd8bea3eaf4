//! Identifiers, secrets and timestamps: prefixed ULID ids (`fil_…`), random secrets, the
//! wall clock in Unix seconds and its ISO-8601 `Z` rendering.

use rand::Rng;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A fresh id such as `fld_01J…` (type prefix, underscore, ULID).
pub(crate) fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", ulid::Ulid::generate())
}

/// `len` random bytes from the OS-seeded generator, hex encoded.
pub(crate) fn random_hex(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A random string of `len` characters from `[0-9A-Za-z]`.
pub(crate) fn random_code(len: usize) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut bytes = vec![0u8; len];
    rand::rng().fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

/// Now, in whole Unix seconds.
pub(crate) fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// Now, in Unix milliseconds.
pub(crate) fn now_ms() -> i64 {
    i64::try_from(OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// `2026-04-23T10:15:00Z` for a Unix second.
pub(crate) fn iso(ts: i64) -> String {
    let Ok(t) = OffsetDateTime::from_unix_timestamp(ts) else {
        return String::new();
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Parses an RFC 3339 timestamp (any offset) into Unix seconds.
pub(crate) fn parse_iso(text: &str) -> Option<i64> {
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .map(OffsetDateTime::unix_timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_round_trips_through_parse() {
        assert_eq!(iso(1_776_939_300), "2026-04-23T10:15:00Z");
        assert_eq!(parse_iso("2026-04-23T10:15:00Z"), Some(1_776_939_300));
        assert_eq!(parse_iso("2026-04-23T12:15:00+02:00"), Some(1_776_939_300));
        assert_eq!(parse_iso("yesterday"), None);
    }

    #[test]
    fn ids_carry_their_prefix() {
        assert!(new_id("fil").starts_with("fil_"));
        assert_eq!(random_hex(16).len(), 32);
        assert_eq!(random_code(8).len(), 8);
    }
}

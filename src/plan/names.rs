//! Names the service may refuse or confuse, found before any request changes anything.
//!
//! The service documents no naming rules, so these are deliberately conservative: what is
//! portable to every major file system and cannot be mistaken for another name.

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;

/// Why `name` cannot be published as is, if it cannot.
pub fn invalid_name(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("the name is empty")
    } else if name.len() > 255 {
        Some("the name is longer than 255 bytes")
    } else if name.chars().any(char::is_control) {
        Some("the name contains a control character")
    } else if name.contains(['\\', ':', '*', '?', '"', '<', '>', '|']) {
        Some(r#"the name contains one of \ : * ? " < > |"#)
    } else if name.ends_with('.') || name.ends_with(' ') {
        Some("the name ends with a dot or a space")
    } else if name.starts_with(' ') {
        Some("the name starts with a space")
    } else {
        None
    }
}

/// Groups of sibling names that a service comparing names case-insensitively or after
/// Unicode normalisation would treat as one. `names` are full relative paths.
pub fn colliding<'a>(names: impl Iterator<Item = &'a str>) -> Vec<Vec<String>> {
    let mut groups: HashMap<String, Vec<String>> = HashMap::new();
    for path in names {
        let folded: String = path.nfc().flat_map(char::to_lowercase).collect();
        groups.entry(folded).or_default().push(path.to_string());
    }
    let mut out: Vec<Vec<String>> = groups.into_values().filter(|g| g.len() > 1).collect();
    out.iter_mut().for_each(|g| g.sort());
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portable_names_pass_and_others_say_why() {
        assert_eq!(invalid_name("Résumé final.pdf"), None);
        assert!(invalid_name("trailing.").is_some());
        assert!(invalid_name("a\u{7}b").is_some());
        assert!(invalid_name(&"x".repeat(256)).is_some());
    }

    #[test]
    fn case_and_normalisation_twins_collide() {
        let names = [
            "a/Read.md",
            "a/read.md",
            "caf\u{e9}",
            "cafe\u{301}",
            "other",
        ];
        let groups = colliding(names.into_iter());
        assert_eq!(groups.len(), 2);
    }
}

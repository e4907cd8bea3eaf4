//! `${VAR}` expansion from the environment, for the fields where per-run values belong.
//!
//! Syntax: `${NAME}` is the value of the environment variable `NAME` (an error if it is not
//! set); `${NAME:-fallback}` is the value of `NAME`, or `fallback` when `NAME` is unset or
//! empty; `$$` is a literal `$`. A `$` followed by anything else is kept as it is. Names are
//! letters, digits and `_`, not starting with a digit. There is no nesting, no other shell
//! syntax, and the fallback cannot contain `}`. Expanded values are not expanded again.

/// Why a text could not be expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ExpandError {
    /// `${NAME}` where `NAME` is not set.
    Missing(String),
    /// `${…}` that is not a valid reference.
    Malformed(String),
}

/// Expands every reference in `text`, looking variables up with `lookup`.
///
/// # Errors
///
/// Every missing variable and malformed reference, in order of appearance.
pub(crate) fn expand(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, Vec<ExpandError>> {
    let mut out = String::with_capacity(text.len());
    let mut errors = Vec::new();
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            let Some(close) = body.find('}') else {
                errors.push(ExpandError::Malformed(format!("${{{body}")));
                return Err(errors);
            };
            match reference(&body[..close]) {
                Some((name, fallback)) => match (lookup(name), fallback) {
                    (Some(value), Some(_)) if !value.is_empty() => out.push_str(&value),
                    (Some(value), None) => out.push_str(&value),
                    (_, Some(fallback)) => out.push_str(fallback),
                    (None, None) => errors.push(ExpandError::Missing(name.to_string())),
                },
                None => errors.push(ExpandError::Malformed(format!("${{{}}}", &body[..close]))),
            }
            rest = &body[close + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// True when `text` is exactly one reference (`${NAME}` or `${NAME:-fallback}`).
pub(crate) fn is_single_reference(text: &str) -> bool {
    text.strip_prefix("${")
        .and_then(|t| t.strip_suffix('}'))
        .is_some_and(|body| !body.contains('}') && reference(body).is_some())
}

/// True when `text` contains something that looks like a reference.
pub(crate) fn has_reference(text: &str) -> bool {
    text.contains("${")
}

/// Splits `NAME` or `NAME:-fallback`; `None` when the name is not valid.
fn reference(body: &str) -> Option<(&str, Option<&str>)> {
    let (name, fallback) = match body.split_once(":-") {
        Some((name, fallback)) => (name, Some(fallback)),
        None => (body, None),
    };
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    (first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')).then_some((name, fallback))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "HOME" => Some("/home/me".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn set_variables_are_substituted() {
        assert_eq!(expand("${HOME}/docs", &env).unwrap(), "/home/me/docs");
    }

    #[test]
    fn fallback_applies_when_unset_or_empty() {
        assert_eq!(expand("${NOPE:-x}", &env).unwrap(), "x");
        assert_eq!(expand("${EMPTY:-x}", &env).unwrap(), "x");
        assert_eq!(expand("${HOME:-x}", &env).unwrap(), "/home/me");
    }

    #[test]
    fn every_missing_variable_is_named() {
        let errors = expand("${A}/${B}", &env).unwrap_err();
        assert_eq!(
            errors,
            vec![
                ExpandError::Missing("A".into()),
                ExpandError::Missing("B".into())
            ]
        );
    }

    #[test]
    fn double_dollar_and_lone_dollar_stay_literal() {
        assert_eq!(expand("$$5 and $5", &env).unwrap(), "$5 and $5");
    }

    #[test]
    fn malformed_references_are_errors() {
        assert!(matches!(
            expand("${1X}", &env).unwrap_err()[0],
            ExpandError::Malformed(_)
        ));
        assert!(matches!(
            expand("${HOME", &env).unwrap_err()[0],
            ExpandError::Malformed(_)
        ));
    }

    #[test]
    fn single_reference_is_recognised() {
        assert!(is_single_reference("${PW}"));
        assert!(is_single_reference("${PW:-demo}"));
        assert!(!is_single_reference("x${PW}"));
        assert!(!is_single_reference("${A}${B}"));
        assert!(!is_single_reference("hunter2"));
    }
}

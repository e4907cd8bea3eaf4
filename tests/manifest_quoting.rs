//! YAML's implicit typing does not leak into string fields: `no`, `on`, `1e3` and `0755` are
//! kept as written, while `~` (null) in a string field is refused with a hint to quote it.

use std::path::Path;

use scaidrive_apply::manifest::{self, Manifest, Problem};

fn load(yaml: &str) -> Result<Manifest, Vec<Problem>> {
    let dir = tempfile::tempdir().unwrap();
    for folder in ["no", "on", "1e3", "0755", "~"] {
        std::fs::create_dir(dir.path().join(folder)).unwrap();
    }
    manifest::from_text(yaml, dir.path(), &|_| None)
}

fn publish(name: &str, from: &str, share: &str) -> String {
    format!(
        "version: 1\npublish:\n  - name: {name}\n    from: {from}\n    to: {{share: {share}}}\n"
    )
}

#[test]
fn no_on_and_1e3_stay_strings_in_string_fields() {
    for word in ["no", "on", "1e3", "0755"] {
        let m = load(&publish(word, word, word)).unwrap_or_else(|p| panic!("{word}: {p:?}"));
        assert_eq!(m.publish[0].name, word);
        assert_eq!(m.publish[0].to.share, word);
        assert!(m.publish[0].from.ends_with(word), "{word}");
    }
}

#[test]
fn yes_and_true_are_kept_as_text_in_a_name() {
    let m = load(&publish("yes", "no", "true")).unwrap();
    assert_eq!(m.publish[0].name, "yes");
    assert_eq!(m.publish[0].to.share, "true");
}

#[test]
fn tilde_in_a_string_field_is_an_error_that_says_to_quote_it() {
    let problems = load(&publish("~", "no", "s")).unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].pos.line, 3);
    assert!(problems[0].message.contains("null"), "{problems:?}");
    assert!(problems[0].hint.contains("quote"), "{problems:?}");
}

#[test]
fn quoted_tilde_is_text() {
    let m = load(&publish("\"~\"", "\"~\"", "s")).unwrap();
    assert_eq!(m.publish[0].name, "~");
    assert!(m.publish[0].from.ends_with("~"));
}

#[test]
fn empty_value_in_a_string_field_is_an_error() {
    let problems =
        load("version: 1\npublish:\n  - name:\n    from: no\n    to: {share: s}\n").unwrap_err();
    assert_eq!(problems[0].pos.line, 3, "{problems:?}");
    assert!(problems[0].hint.contains("quote"), "{problems:?}");
}

#[test]
fn numbers_in_globs_stay_as_written() {
    let yaml = "version: 1\npublish:\n  - name: a\n    from: no\n    exclude: [1e3, 0755, no]\n    \
                to: {share: s}\n";
    let m = load(yaml).unwrap();
    assert_eq!(m.publish[0].exclude, ["1e3", "0755", "no"]);
}

#[test]
fn relative_sources_start_at_the_manifest_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("conf/site")).unwrap();
    std::fs::write(dir.path().join("conf/m.yaml"), publish("a", "site", "s")).unwrap();
    let m = manifest::load(&dir.path().join("conf/m.yaml")).unwrap();
    assert_eq!(
        m.publish[0].from,
        dir.path().join("conf/site").canonicalize().unwrap()
    );
    assert!(Path::new(&m.publish[0].from).is_absolute());
}

#[test]
fn variables_and_fallbacks_are_expanded() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("docs")).unwrap();
    let yaml = "version: 1\npublish:\n  - name: a\n    from: ${ROOT}\n    \
                to: {share: s, path: \"/r/${REL:-2026}\"}\nlinks:\n  - name: l\n    target: a\n    \
                type: DOWNLOAD\n    password: ${PW:-demo}\n    custom_name: Docs ${REL:-x}\n";
    let root = dir.path().join("docs").display().to_string();
    let env = move |name: &str| (name == "ROOT").then(|| root.clone());
    let m = manifest::from_text(yaml, dir.path(), &env).unwrap();
    assert_eq!(m.publish[0].to.path, "/r/2026");
    let options = &m.links[0].options;
    assert_eq!(options.password.as_ref().unwrap().expose(), "demo");
    assert_eq!(format!("{:?}", options.password), "Some(<redacted>)");
    assert_eq!(options.custom_name.as_deref(), Some("Docs x"));
}

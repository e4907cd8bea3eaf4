//! A table of broken manifests: `validate` refuses each with exit code 2, naming the line and
//! saying what is wrong and what to do.

use std::path::Path;

use assert_cmd::Command;

/// A broken manifest, the line its (first) problem is on, and fragments the message and the
/// hint must contain.
struct Case {
    name: &'static str,
    yaml: &'static str,
    line: usize,
    expect: &'static [&'static str],
}

const HEAD: &str =
    "version: 1\npublish:\n  - name: site\n    from: site\n    to: { share: S, path: /p }\n";

/// Cases whose text starts with `+` get [`HEAD`] (five lines) put in front of them.
const CASES: &[Case] = &[
    Case {
        name: "version_must_be_one",
        yaml: "version: 2\npublish: []\n",
        line: 1,
        expect: &["version 1", "set `version: 1`"],
    },
    Case {
        name: "a_second_yaml_document_is_named_as_such",
        yaml: "+---\nversion: 1\n",
        line: 6,
        expect: &["second YAML document", "remove the `---` line"],
    },
    Case {
        name: "only_comments_is_an_empty_manifest",
        yaml: "# publish: nothing yet\n\n# version: 1\n",
        line: 1,
        expect: &["the manifest is empty", "start it with `version: 1`"],
    },
    Case {
        name: "a_nested_list_in_exclude_names_the_item",
        yaml: "+    exclude: [\"*.tmp\", [\"x\"]]\n",
        line: 6,
        expect: &[
            "each item of `exclude` must be a string",
            "plain or quoted strings",
        ],
    },
    Case {
        name: "an_unset_password_variable_says_to_set_it_not_to_default_it",
        yaml: "+links:\n  - name: l\n    target: site\n    type: DOWNLOAD\n    \
               password: ${LINK_PW_UNSET}\n",
        line: 10,
        expect: &[
            "`LINK_PW_UNSET`",
            "which is not set",
            "never in the manifest",
        ],
    },
    Case {
        name: "version_is_required",
        yaml: "publish:\n  - name: a\n    from: site\n    to: {share: S}\n",
        line: 1,
        expect: &["has no `version`", "add `version:`"],
    },
    Case {
        name: "unknown_top_level_key_suggests_the_close_one",
        yaml: "version: 1\npubish: []\n",
        line: 2,
        expect: &["unknown key `pubish`", "did you mean `publish`?"],
    },
    Case {
        name: "unknown_publish_key_suggests_exclude",
        yaml: "+    exlude: [\"*.tmp\"]\n",
        line: 6,
        expect: &["unknown key `exlude`", "did you mean `exclude`?"],
    },
    Case {
        name: "unknown_key_without_a_close_one_lists_the_keys",
        yaml: "+    colour: red\n",
        line: 6,
        expect: &["unknown key `colour`", "remove it", "`include`"],
    },
    Case {
        name: "duplicate_key_names_both_lines",
        yaml: concat!(
            "version: 1\n",
            "publish:\n",
            "  - name: a\n",
            "    name: b\n",
            "    from: site\n",
            "    to: {share: S}\n",
        ),
        line: 4,
        expect: &[
            "written twice",
            "lines 3 and 4",
            "m.yaml:3:5",
            "delete the other",
        ],
    },
    Case {
        name: "empty_publish_name_is_refused",
        yaml: "version: 1\npublish:\n  - name: \"\"\n    from: site\n    to: {share: S}\n",
        line: 3,
        expect: &["empty `name`", "give it a name"],
    },
    Case {
        name: "publish_names_are_unique",
        yaml: "+  - name: site\n    from: site\n    to: { share: S, path: /q }\n",
        line: 6,
        expect: &["named `site` (lines 3 and 6)", "unique name"],
    },
    Case {
        name: "missing_source_folder_is_named",
        yaml: "version: 1\npublish:\n  - name: a\n    from: nowhere\n    to: {share: S}\n",
        line: 4,
        expect: &["nowhere", "cannot be read", "create it or fix `from`"],
    },
    Case {
        name: "source_that_is_a_file_is_refused",
        yaml: "version: 1\npublish:\n  - name: a\n    from: file.txt\n    to: {share: S}\n",
        line: 4,
        expect: &["is a file, not a folder", "point `from` at the folder"],
    },
    Case {
        name: "missing_variable_in_from_is_named",
        yaml: "version: 1\npublish:\n  - name: a\n    from: ${NOPE_VAR}/x\n    to: {share: S}\n",
        line: 4,
        expect: &["`NOPE_VAR`", "not set", "set `NOPE_VAR`"],
    },
    Case {
        name: "relative_remote_path_is_refused",
        yaml: "version: 1\npublish:\n  - name: a\n    from: site\n    to: {share: S, path: p/q}\n",
        line: 5,
        expect: &["is not absolute", "start it with `/`"],
    },
    Case {
        name: "dot_dot_in_remote_path_is_refused",
        yaml: concat!(
            "version: 1\n",
            "publish:\n",
            "  - name: a\n",
            "    from: site\n",
            "    to: {share: S, path: /p/../q}\n",
        ),
        line: 5,
        expect: &["`..` segment", "without them"],
    },
    Case {
        name: "empty_segment_in_remote_path_is_refused",
        yaml: concat!(
            "version: 1\n",
            "publish:\n",
            "  - name: a\n",
            "    from: site\n",
            "    to: {share: S, path: /p//q}\n",
        ),
        line: 5,
        expect: &["empty segment", "remove the extra `/`"],
    },
    Case {
        name: "nested_targets_are_refused",
        yaml: "+  - name: inner\n    from: site\n    to: { share: S, path: /p/q }\n",
        line: 8,
        expect: &["nested folders", "its own folder"],
    },
    Case {
        name: "same_target_twice_is_refused",
        yaml: "+  - name: twin\n    from: site\n    to: { share: S, path: /p }\n",
        line: 8,
        expect: &["the same folder", "m.yaml:5:", "its own folder"],
    },
    Case {
        name: "bad_glob_is_located",
        yaml: "+    include: [\"docs/[a\"]\n",
        line: 6,
        expect: &["not a valid glob", "fix the pattern"],
    },
    Case {
        name: "empty_include_list_is_refused",
        yaml: "+    include: []\n",
        line: 6,
        expect: &["empty list", "remove `include`"],
    },
    Case {
        name: "glob_leaving_the_source_is_refused",
        yaml: "+    exclude: [\"../secret\"]\n",
        line: 6,
        expect: &["`..` segments", "fix the pattern"],
    },
    Case {
        name: "link_to_unknown_publish_suggests_a_name",
        yaml: "+links:\n  - name: l\n    target: stie\n    type: VIEW\n",
        line: 8,
        expect: &[
            "`stie` is not the name of a publish entry",
            "did you mean `site`?",
        ],
    },
    Case {
        name: "link_to_unpublished_folder_is_refused",
        yaml: "+links:\n  - name: l\n    target: { share: S, path: /elsewhere }\n    type: VIEW\n",
        line: 8,
        expect: &[
            "not inside any published folder",
            "folders this manifest publishes",
        ],
    },
    Case {
        name: "upload_links_are_not_supported",
        yaml: "+links:\n  - name: l\n    target: site\n    type: UPLOAD\n",
        line: 9,
        expect: &["cannot be `UPLOAD`", "not supported"],
    },
    Case {
        name: "lowercase_link_type_asks_for_capitals",
        yaml: "+links:\n  - name: l\n    target: site\n    type: download\n",
        line: 9,
        expect: &["cannot be `download`", "`type: DOWNLOAD`"],
    },
    Case {
        name: "link_type_is_required",
        yaml: "+links:\n  - name: l\n    target: site\n",
        line: 7,
        expect: &["has no `type`", "add `type:`"],
    },
    Case {
        name: "literal_password_is_refused",
        yaml: "+links:\n  - name: l\n    target: site\n    type: VIEW\n    password: hunter2\n",
        line: 10,
        expect: &["written into the manifest", "from the environment"],
    },
    Case {
        name: "password_variable_must_be_set",
        yaml: concat!(
            "+links:\n",
            "  - name: l\n",
            "    target: site\n",
            "    type: VIEW\n",
            "    password: ${LINK_PW_UNSET}\n",
        ),
        line: 10,
        expect: &["`LINK_PW_UNSET`", "not set", "set `LINK_PW_UNSET`"],
    },
    Case {
        name: "both_expiries_are_refused",
        yaml: concat!(
            "+links:\n",
            "  - name: l\n",
            "    target: site\n",
            "    type: VIEW\n",
            "    expires_in_days: 3\n",
            "    expires_at: \"2999-01-01T00:00:00Z\"\n",
        ),
        line: 10,
        expect: &["both `expires_in_days` and `expires_at`", "keep one"],
    },
    Case {
        name: "expires_at_must_be_rfc3339",
        yaml: concat!(
            "+links:\n",
            "  - name: l\n",
            "    target: site\n",
            "    type: VIEW\n",
            "    expires_at: next tuesday\n",
        ),
        line: 10,
        expect: &["not an RFC 3339 time", "2027-01-31T23:59:59Z"],
    },
    Case {
        name: "expires_at_in_the_past_is_refused",
        yaml: concat!(
            "+links:\n",
            "  - name: l\n",
            "    target: site\n",
            "    type: VIEW\n",
            "    expires_at: \"2001-01-01T00:00:00Z\"\n",
        ),
        line: 10,
        expect: &["in the past", "in the future"],
    },
    Case {
        name: "zero_max_downloads_is_refused",
        yaml: "+links:\n  - name: l\n    target: site\n    type: DOWNLOAD\n    max_downloads: 0\n",
        line: 10,
        expect: &["at least 1", "use 1 or more"],
    },
    Case {
        name: "cidr_with_host_bits_is_refused",
        yaml: concat!(
            "+links:\n",
            "  - name: l\n",
            "    target: site\n",
            "    type: VIEW\n",
            "    allowed_ips: [\"10.0.0.1/8\"]\n",
        ),
        line: 10,
        expect: &["not a CIDR block", "first address"],
    },
    Case {
        name: "bare_address_asks_for_a_prefix",
        yaml: concat!(
            "+links:\n",
            "  - name: l\n",
            "    target: site\n",
            "    type: VIEW\n",
            "    allowed_ips: [\"192.168.1.9\"]\n",
        ),
        line: 10,
        expect: &["not a CIDR block", "192.168.1.9/32"],
    },
    Case {
        name: "implausible_email_is_refused",
        yaml: concat!(
            "+links:\n",
            "  - name: l\n",
            "    target: site\n",
            "    type: VIEW\n",
            "    notification_email: someone\n",
        ),
        line: 10,
        expect: &["not an email address", "name@example.com"],
    },
    Case {
        name: "allowed_emails_need_require_email",
        yaml: concat!(
            "+links:\n",
            "  - name: l\n",
            "    target: site\n",
            "    type: VIEW\n",
            "    allowed_emails: [a@example.com]\n",
        ),
        line: 10,
        expect: &["needs `require_email: true`", "add `require_email: true`"],
    },
    Case {
        name: "rotate_password_needs_a_password",
        yaml: "+links:\n  - name: l\n    target: site\n    type: VIEW\n    rotate_password: true\n",
        line: 10,
        expect: &["no password", "add `password: ${VAR}`"],
    },
    Case {
        name: "link_names_are_unique",
        yaml: concat!(
            "+links:\n",
            "  - name: l\n",
            "    target: site\n",
            "    type: VIEW\n",
            "  - name: l\n",
            "    target: site\n",
            "    type: DOWNLOAD\n",
        ),
        line: 10,
        expect: &["two links are named `l`", "unique name"],
    },
    Case {
        name: "preview_option_on_a_view_link_is_refused",
        yaml: "+links:\n  - name: l\n    target: site\n    type: VIEW\n    allow_preview: true\n",
        line: 10,
        expect: &["applies to DOWNLOAD links only", "`type: DOWNLOAD`"],
    },
    Case {
        name: "jobs_zero_is_refused",
        yaml: concat!(
            "version: 1\n",
            "settings: { jobs: 0 }\n",
            "publish:\n",
            "  - name: a\n",
            "    from: site\n",
            "    to: {share: S}\n",
        ),
        line: 2,
        expect: &["outside 1 to 256", "from 1 to 256"],
    },
    Case {
        name: "jobs_over_256_is_refused",
        yaml: concat!(
            "version: 1\n",
            "settings:\n",
            "  jobs: 1000\n",
            "publish:\n",
            "  - name: a\n",
            "    from: site\n",
            "    to: {share: S}\n",
        ),
        line: 3,
        expect: &["`jobs` is 1000", "from 1 to 256"],
    },
    Case {
        name: "unknown_on_change_lists_the_choices",
        yaml: concat!(
            "version: 1\n",
            "settings:\n",
            "  on_change: overwrite\n",
            "publish:\n",
            "  - name: a\n",
            "    from: site\n",
            "    to: {share: S}\n",
        ),
        line: 3,
        expect: &["cannot be `overwrite`", "`replace`, `skip` and `fail`"],
    },
    Case {
        name: "yes_is_not_a_boolean",
        yaml: "+    prune: yes\n",
        line: 6,
        expect: &["must be `true` or `false`", "write `true` or `false`"],
    },
    Case {
        name: "tilde_in_a_string_field_says_to_quote_it",
        yaml: "version: 1\npublish:\n  - name: a\n    from: site\n    to: {share: ~}\n",
        line: 5,
        expect: &["reads as null", "quote it"],
    },
    Case {
        name: "string_where_a_list_belongs_is_refused",
        yaml: "+    include: \"*.html\"\n",
        line: 6,
        expect: &["must be a list", "write a list"],
    },
    Case {
        name: "number_where_a_mapping_belongs_is_refused",
        yaml: "version: 1\npublish:\n  - 42\n",
        line: 3,
        expect: &["must be a mapping", "`key: value` lines"],
    },
    Case {
        name: "yaml_syntax_error_is_located",
        yaml: "version: 1\npublish:\n  - name: [site\n",
        line: 3,
        expect: &["bracket", "fix the YAML syntax"],
    },
    Case {
        name: "variables_in_names_are_not_expanded",
        yaml: "version: 1\npublish:\n  - name: ${WHO}\n    from: site\n    to: {share: S}\n",
        line: 3,
        expect: &["not expanded", "write the name literally"],
    },
    Case {
        name: "malformed_reference_is_explained",
        yaml: "version: 1\npublish:\n  - name: a\n    from: ${1DIR}\n    to: {share: S}\n",
        line: 4,
        expect: &["not a valid `${NAME}` reference", "`$$` for a literal `$`"],
    },
    Case {
        name: "links_with_the_same_identity_are_refused",
        yaml: concat!(
            "+links:\n",
            "  - name: a\n",
            "    target: site\n",
            "    type: VIEW\n",
            "  - name: b\n",
            "    target: site\n",
            "    type: VIEW\n",
        ),
        line: 10,
        expect: &[
            "links `a` (line 7) and `b` (line 10) are the same link",
            "m.yaml:7:",
            "distinct `custom_name`",
        ],
    },
    Case {
        name: "a_publish_name_and_its_folder_are_the_same_target",
        yaml: concat!(
            "+links:\n",
            "  - name: a\n",
            "    target: { share: S, path: /p }\n",
            "    type: DOWNLOAD\n",
            "    custom_name: Batch\n",
            "    max_views: 3\n",
            "  - name: b\n",
            "    target: site\n",
            "    type: DOWNLOAD\n",
            "    custom_name: Batch\n",
        ),
        line: 12,
        expect: &[
            "links `a` (line 7) and `b` (line 12) are the same link",
            "distinct `custom_name`",
        ],
    },
    Case {
        name: "empty_file_is_refused",
        yaml: "\n",
        line: 1,
        expect: &["is empty", "version: 1"],
    },
];

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("site")).unwrap();
    std::fs::write(dir.path().join("site/index.html"), "<h1>hi</h1>").unwrap();
    std::fs::write(dir.path().join("file.txt"), "x").unwrap();
    dir
}

fn validate(dir: &Path, yaml: &str) -> (i32, String) {
    std::fs::write(dir.join("m.yaml"), yaml).unwrap();
    let output = Command::cargo_bin("scaidrive-apply")
        .unwrap()
        .current_dir(dir)
        .env_remove("NOPE_VAR")
        .env_remove("LINK_PW_UNSET")
        .args(["validate", "m.yaml"])
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn every_broken_manifest_is_refused_with_its_line_and_fix() {
    assert!(CASES.len() >= 25);
    let dir = workspace();
    let mut failures = Vec::new();
    for case in CASES {
        let yaml = match case.yaml.strip_prefix('+') {
            Some(rest) => format!("{HEAD}{rest}"),
            None => case.yaml.to_string(),
        };
        let (code, stderr) = validate(dir.path(), &yaml);
        let located = format!("m.yaml:{}:", case.line);
        let mut missing: Vec<&str> = case
            .expect
            .iter()
            .copied()
            .filter(|e| !stderr.contains(e))
            .collect();
        if !stderr.contains(&located) {
            missing.push(&located);
        }
        if !stderr.contains("hint: ") {
            missing.push("hint: ");
        }
        if code != 2 || !missing.is_empty() {
            failures.push(format!(
                "{}: exit {code}, missing {missing:?}\n{stderr}",
                case.name
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn all_problems_are_reported_at_once() {
    let dir = workspace();
    let yaml = "version: 2\npublish:\n  - name: a\n    from: nowhere\n    exlude: []\n    \
                to: {share: S, path: rel}\nlinks:\n  - name: l\n    target: a\n    type: UPLOAD\n";
    let (code, stderr) = validate(dir.path(), yaml);
    assert_eq!(code, 2);
    for line in [1, 4, 5, 6, 10] {
        assert!(
            stderr.contains(&format!("m.yaml:{line}:")),
            "line {line} missing:\n{stderr}"
        );
    }
    assert!(stderr.contains("5 problems in `m.yaml`"), "{stderr}");
}

/// Link checks run and report even when publish entries have problems of their own.
#[test]
fn link_problems_are_reported_beside_publish_problems() {
    let dir = workspace();
    let yaml = concat!(
        "version: 1\n",
        "publish:\n",
        "  - name: a\n",
        "    from: nowhere\n",
        "    to: { share: S, path: rel }\n",
        "links:\n",
        "  - name: l\n",
        "    target: a\n",
        "    type: VIEW\n",
        "  - name: l\n",
        "    target: a\n",
        "    type: DOWNLOAD\n",
        "  - name: m\n",
        "    target: a\n",
        "    type: DOWNLOAD\n",
    );
    let (code, stderr) = validate(dir.path(), yaml);
    assert_eq!(code, 2);
    for expected in [
        "m.yaml:4:",
        "m.yaml:5:",
        "two links are named `l` (lines 7 and 10)",
        "links `l` (line 10) and `m` (line 13) are the same link",
        "4 problems in `m.yaml`",
    ] {
        assert!(stderr.contains(expected), "`{expected}` missing:\n{stderr}");
    }
}

#[test]
fn a_literal_password_never_appears_in_the_output() {
    let dir = workspace();
    let yaml = format!(
        "{HEAD}links:\n  - {{name: l, target: site, type: VIEW, password: hunter2, tpye: x}}\n"
    );
    let (code, stderr) = validate(dir.path(), &yaml);
    assert_eq!(code, 2);
    assert!(!stderr.contains("hunter2"), "{stderr}");
    assert!(stderr.contains("did you mean `type`?"), "{stderr}");
}

#[test]
fn alias_bomb_is_refused() {
    let dir = workspace();
    let mut yaml = String::from("version: 1\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..8 {
        let p = i - 1;
        yaml.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let (code, stderr) = validate(dir.path(), &yaml);
    assert_eq!(code, 2);
    assert!(stderr.contains("alias"), "{stderr}");
    assert!(stderr.contains("hint: "), "{stderr}");
}

#[test]
fn valid_manifest_prints_a_one_line_summary() {
    let dir = workspace();
    let yaml = format!(
        "{HEAD}links:\n  - name: l\n    target: site\n    type: DOWNLOAD\n    password: ${{PW}}\n"
    );
    std::fs::write(dir.path().join("m.yaml"), yaml).unwrap();
    let output = Command::cargo_bin("scaidrive-apply")
        .unwrap()
        .current_dir(dir.path())
        .env("PW", "s3cret-from-env")
        .args(["validate", "m.yaml"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "m.yaml: valid (1 publish entry, 1 link)\n");
}

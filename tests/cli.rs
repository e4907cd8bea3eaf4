//! The command line itself: its help text (pinned by snapshots), its exit codes for wrong
//! usage, and the errors a run gives before it sends anything.

use assert_cmd::Command;

fn bin() -> Command {
    let mut cmd = Command::cargo_bin("scaidrive-apply").unwrap();
    cmd.env_remove("SCAIDRIVE_URL")
        .env_remove("SCAIDRIVE_TOKEN")
        .env_remove("SCAIDRIVE_REFRESH_TOKEN")
        .env("COLUMNS", "100");
    cmd
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn manifest(dir: &tempfile::TempDir) -> String {
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/a.txt"), "a").unwrap();
    let path = dir.path().join("m.yaml");
    std::fs::write(
        &path,
        "version: 1\npublish:\n  - name: site\n    from: src\n    to: { share: Docs, path: /x }\n",
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

/// A data folder path that no one can create: it lies below a regular file, whoever runs the
/// test (root included).
fn unusable_data_dir(dir: &tempfile::TempDir) -> std::path::PathBuf {
    std::fs::write(dir.path().join("file"), "x").unwrap();
    dir.path().join("file/data")
}

#[test]
fn help_texts_are_pinned() {
    for args in [
        vec!["--help"],
        vec!["apply", "--help"],
        vec!["plan", "--help"],
        vec!["serve", "--help"],
    ] {
        let (code, stdout, _) = run(bin().args(&args));
        assert_eq!(code, 0);
        let name = args.iter().filter(|a| !a.starts_with('-')).copied();
        let name = std::iter::once("help")
            .chain(name)
            .collect::<Vec<_>>()
            .join("-");
        insta::assert_snapshot!(name, stdout);
    }
}

#[test]
fn without_a_connection_the_error_says_what_to_set_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let m = manifest(&dir);
    for command in [vec![m.as_str()], vec!["plan", m.as_str()]] {
        let (code, _, stderr) = run(bin().args(&command));
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("SCAIDRIVE_URL"), "{stderr}");
        assert!(stderr.contains("SCAIDRIVE_TOKEN"), "{stderr}");
        assert!(stderr.contains("--local"), "{stderr}");
    }
}

#[test]
fn plain_http_to_another_host_is_refused_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let m = manifest(&dir);
    let (code, _, stderr) = run(bin()
        .args(["plan", &m])
        .env("SCAIDRIVE_URL", "http://drive.example.com")
        .env("SCAIDRIVE_TOKEN", "sda_not_a_real_token"));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("refusing plain http://"), "{stderr}");
    assert!(stderr.contains("drive.example.com"), "{stderr}");
    assert!(!stderr.contains("sda_not_a_real_token"), "{stderr}");
}

#[test]
fn usage_mistakes_exit_2_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let m = manifest(&dir);
    let cases: [(&[&str], &str); 6] = [
        (&["plan", &m, "--no-such-flag"], "--no-such-flag"),
        (&["plan", "-j", "0", &m], "1..=256"),
        (&["apply", "--jobs", "257", &m], "1..=256"),
        (
            &["validate", "/no/such/manifest.yaml"],
            "/no/such/manifest.yaml",
        ),
        (&["plan", "-j", "lots", &m], "lots"),
        (&["explain", &m], "PATH"),
    ];
    for (args, named) in cases {
        let (code, _, stderr) = run(bin().args(args));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(
            stderr.contains(named),
            "{args:?} should name {named}: {stderr}"
        );
    }
}

#[test]
fn a_valid_manifest_validates_with_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let m = manifest(&dir);
    let (code, stdout, stderr) = run(bin().args(["validate", &m]));
    assert_eq!(code, 0, "{stdout}{stderr}");
}

#[test]
fn detailed_exitcode_reports_every_error_as_1_not_as_changes() {
    let dir = tempfile::tempdir().unwrap();
    let m = manifest(&dir);
    let broken = dir.path().join("broken.yaml");
    std::fs::write(
        &broken,
        "version: 1
publsh: []
",
    )
    .unwrap();
    let broken = broken.to_str().unwrap();
    let cases: [&[&str]; 4] = [
        &["plan", "--detailed-exitcode", broken],
        &["plan", "--detailed-exitcode", "/no/such/manifest.yaml"],
        &["plan", "--detailed-exitcode", &m],
        &["plan", "--detailed-exitcode", "--no-such-flag", &m],
    ];
    for args in cases {
        let (code, _, stderr) = run(bin().args(args));
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert!(stderr.contains("error"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_manifest_that_is_not_text_or_is_a_folder_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("m.yaml");
    std::fs::write(&binary, b"\xff\xfe\x00version").unwrap();
    let (code, _, stderr) = run(bin().args(["validate", binary.to_str().unwrap()]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("save it as UTF-8"), "{stderr}");
    let (code, _, stderr) = run(bin().args(["validate", dir.path().to_str().unwrap()]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("name the manifest file"), "{stderr}");
}

#[test]
fn serve_on_a_port_in_use_says_why_and_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let data = dir.path().join("data");
    let (code, _, stderr) = run(bin()
        .args(["serve", "--data", data.to_str().unwrap()])
        .args(["--addr", &addr]));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")),
        "{stderr}"
    );
    assert!(stderr.contains("in use"), "{stderr}");
    assert!(stderr.contains("pass --addr 127.0.0.1:0"), "{stderr}");
}

#[test]
fn serve_with_an_unusable_data_dir_gives_the_os_reason() {
    let dir = tempfile::tempdir().unwrap();
    let data = unusable_data_dir(&dir);
    let (code, _, stderr) = run(bin().args([
        "serve",
        "--data",
        data.to_str().unwrap(),
        "--addr",
        "127.0.0.1:0",
    ]));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("cannot use"), "{stderr}");
    assert!(stderr.contains("Not a directory"), "{stderr}");
    assert!(stderr.contains("with --data"), "{stderr}");
}

#[test]
fn a_local_run_on_a_damaged_database_names_the_sqlite_reason() {
    let dir = tempfile::tempdir().unwrap();
    let m = manifest(&dir);
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("scaidrive.db"), vec![b'x'; 4096]).unwrap();
    let (code, _, stderr) =
        run(bin().args(["--local", "--local-data", data.to_str().unwrap(), &m]));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("scaidrive.db"), "{stderr}");
    assert!(stderr.contains("file is not a database"), "{stderr}");
    assert!(stderr.contains("--local-data"), "{stderr}");
}

#[test]
fn serve_refuses_a_non_loopback_address_without_allow_remote() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for addr in ["0.0.0.0:0", "[::]:0", "192.0.2.7:0"] {
        let (code, _, stderr) = run(bin()
            .args(["serve", "--data", data.to_str().unwrap()])
            .args(["--addr", addr]));
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("refusing to listen on"), "{stderr}");
        assert!(stderr.contains("without TLS"), "{stderr}");
        assert!(stderr.contains("/_local"), "{stderr}");
        assert!(stderr.contains("--allow-remote"), "{stderr}");
    }
    assert!(!data.exists(), "nothing was started");
}

#[test]
fn serve_with_allow_remote_warns_before_starting() {
    let dir = tempfile::tempdir().unwrap();
    // The data dir is unusable, so the server stops before it binds: tests bind loopback only.
    let data = unusable_data_dir(&dir);
    let (code, _, stderr) = run(bin().args([
        "serve",
        "--data",
        data.to_str().unwrap(),
        "--addr",
        "0.0.0.0:0",
        "--allow-remote",
    ]));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("warning: listening on 0.0.0.0:0"),
        "{stderr}"
    );
    assert!(stderr.contains("without TLS"), "{stderr}");
    assert!(stderr.contains("cannot use"), "{stderr}");
}

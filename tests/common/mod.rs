//! The integration-test harness: a real local ScaiDrive server on 127.0.0.1 (port 0), real
//! source files in a temporary folder, and the real binary run as a child process.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use scaidrive_server::{Config, Credentials, EntryKind, Server};
use sha2::{Digest, Sha256};

pub struct Env {
    pub dir: tempfile::TempDir,
    pub server: Server,
    pub creds: Credentials,
}

/// What a run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

impl Env {
    pub async fn start() -> Env {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(configure: impl FnOnce(&mut Config)) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::new(dir.path().join("server"));
        configure(&mut config);
        let server = Server::start(config).await.unwrap();
        let creds = server.credentials();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        Env { dir, server, creds }
    }

    pub fn src(&self) -> PathBuf {
        self.dir.path().join("src")
    }

    /// Writes a source file (relative to `src/`), creating its folders.
    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) {
        let path = self.src().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    /// Writes `manifest.yaml` beside `src/`, with `{share}` replaced by the share name.
    pub fn manifest(&self, yaml: &str) -> PathBuf {
        let path = self.dir.path().join("manifest.yaml");
        std::fs::write(&path, yaml.replace("{share}", &self.creds.share_name)).unwrap();
        path
    }

    /// A manifest publishing all of `src/` to `/pub`, with one password link.
    pub fn simple_manifest(&self) -> PathBuf {
        self.manifest(
            "version: 1\n\
             publish:\n  - name: site\n    from: src\n    to: { share: {share}, path: /pub }\n\
             links:\n  - name: dl\n    target: site\n    type: DOWNLOAD\n\
             \x20   password: ${LINK_PASSWORD}\n    custom_name: Test batch\n",
        )
    }

    /// Runs the binary with the connection in the environment.
    pub async fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[]).await
    }

    pub async fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_scaidrive-apply"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("SCAIDRIVE_URL", self.server.url())
            .env("SCAIDRIVE_TOKEN", &self.creds.token)
            .env("SCAIDRIVE_REFRESH_TOKEN", &self.creds.refresh_token)
            .env("LINK_PASSWORD", "correct horse battery staple")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().await.unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// The remote tree below `prefix` (e.g. `/pub`): relative path → `dir` or file SHA-256.
    pub fn remote_tree(&self, prefix: &str) -> BTreeMap<String, String> {
        let snapshot = self.server.snapshot(&self.creds.share_id);
        let mut out = BTreeMap::new();
        for (path, entry) in snapshot {
            let Some(rel) = path.strip_prefix(&format!("{prefix}/")) else {
                continue;
            };
            let value = match entry.kind {
                EntryKind::Folder => "dir".to_string(),
                _ => entry.sha256.clone().unwrap_or_default(),
            };
            out.insert(rel.to_string(), value);
        }
        out
    }

    /// The local tree of `src/`, in the same shape as [`Env::remote_tree`].
    pub fn local_tree(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        local_walk(&self.src(), &self.src(), &mut out);
        out
    }

    /// Requests the server saw that change something.
    pub fn writes(&self) -> Vec<String> {
        self.server
            .request_log()
            .into_iter()
            .filter(|r| r.method != "GET" && !r.path.starts_with("/api/v1/auth"))
            .map(|r| format!("{} {} {}", r.method, r.path, r.status))
            .collect()
    }
}

fn local_walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        let rel = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if entry.file_type().unwrap().is_dir() {
            out.insert(rel, "dir".into());
            local_walk(root, &path, out);
        } else {
            out.insert(
                rel,
                hex::encode(Sha256::digest(std::fs::read(&path).unwrap())),
            );
        }
    }
}

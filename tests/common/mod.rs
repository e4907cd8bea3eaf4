//! The integration-test harness: a real local ScaiDrive server on 127.0.0.1 (port 0), real
//! source files in a temporary folder, and the real binary run as a child process.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use scaidrive_server::{Config, Credentials, EntryKind, Faults, LoggedRequest, Server};
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

/// The link password every manifest of these tests uses (from `LINK_PASSWORD`).
pub const LINK_PASSWORD: &str = "correct horse battery staple";

/// How long any single run of the binary may take before the test fails instead of hanging.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(120);

pub struct Env {
    pub dir: tempfile::TempDir,
    pub server: Server,
    /// The identity at start. Tokens rotate when refreshed: runs use the server's current ones.
    pub creds: Credentials,
    /// Every token, refresh token and password handed to a run: none may appear in its output.
    secrets: Mutex<Vec<String>>,
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
        let secrets = vec![
            creds.token.clone(),
            creds.refresh_token.clone(),
            LINK_PASSWORD.to_string(),
        ];
        Env {
            dir,
            server,
            creds,
            secrets: Mutex::new(secrets),
        }
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
        let child = self.spawn_env(args, env);
        child.wait(self).await
    }

    /// Starts the binary without waiting, with the server's current credentials (refresh
    /// tokens are one-time: an earlier run may have rotated them).
    pub fn spawn(&self, args: &[&str]) -> Spawned {
        self.spawn_env(args, &[])
    }

    pub fn spawn_env(&self, args: &[&str], env: &[(&str, &str)]) -> Spawned {
        self.spawn_through(&[], args, env)
    }

    /// Runs the binary with the file permissions applying to it even when the tests run as
    /// root (which reads any file): as root, through `setpriv` without the capabilities that
    /// bypass them.
    pub async fn run_unprivileged(&self, args: &[&str]) -> Run {
        let root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
        let wrapper: &[&str] = if root {
            &[
                "setpriv",
                "--inh-caps=-dac_override,-dac_read_search",
                "--bounding-set=-dac_override,-dac_read_search",
            ]
        } else {
            &[]
        };
        self.spawn_through(wrapper, args, &[]).wait(self).await
    }

    /// Starts the binary, through `wrapper` (a program and its arguments) when not empty.
    fn spawn_through(&self, wrapper: &[&str], args: &[&str], env: &[(&str, &str)]) -> Spawned {
        let creds = self.server.credentials();
        self.remember_secrets(&creds);
        let binary = env!("CARGO_BIN_EXE_scaidrive-apply");
        let mut cmd = match wrapper.split_first() {
            Some((program, rest)) => {
                let mut cmd = tokio::process::Command::new(program);
                cmd.args(rest).arg(binary);
                cmd
            }
            None => tokio::process::Command::new(binary),
        };
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("SCAIDRIVE_URL", self.server.url())
            .env("SCAIDRIVE_TOKEN", &creds.token)
            .env("SCAIDRIVE_REFRESH_TOKEN", &creds.refresh_token)
            .env("LINK_PASSWORD", LINK_PASSWORD)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stdout = drain(child.stdout.take().unwrap());
        let stderr = drain(child.stderr.take().unwrap());
        Spawned {
            child,
            stdout,
            stderr,
        }
    }

    fn remember_secrets(&self, creds: &Credentials) {
        let mut secrets = self.secrets.lock().unwrap();
        for s in [&creds.token, &creds.refresh_token] {
            if !secrets.contains(s) {
                secrets.push(s.clone());
            }
        }
    }

    /// Fails when a token, refresh token or link password appears in a run's output.
    #[track_caller]
    pub fn assert_no_secrets(&self, run: &Run) {
        self.remember_secrets(&self.server.credentials());
        let secrets = self.secrets.lock().unwrap().clone();
        for (name, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
            for secret in &secrets {
                assert!(
                    !text.contains(secret.as_str()),
                    "a secret appeared in {name}:\n{text}"
                );
            }
            assert!(
                !text.contains("sda_"),
                "something like an access token appeared in {name}:\n{text}"
            );
        }
    }

    /// Waits until the request log satisfies `done`; fails after `timeout`.
    pub async fn wait_for_log(&self, timeout: Duration, done: impl Fn(&[LoggedRequest]) -> bool) {
        let start = Instant::now();
        while !done(&self.server.request_log()) {
            assert!(
                start.elapsed() < timeout,
                "the awaited requests did not happen within {timeout:?}"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Writes `files` small files spread over nested folders, all with distinct content.
    pub fn tree(&self, files: usize) {
        const DIRS: [&str; 9] = [
            "",
            "a/",
            "a/b/",
            "a/b/c/",
            "docs/",
            "docs/api/v1/",
            "media/img/",
            "media/Résumé folder/",
            "deep/1/2/3/4/",
        ];
        for i in 0..files {
            let dir = DIRS[i % DIRS.len()];
            let body = format!("file {i}: {}\n", "lorem ipsum ".repeat(i % 97));
            self.write(&format!("{dir}f{i:04}.txt"), body);
        }
        std::fs::create_dir_all(self.src().join("empty/folder")).unwrap();
    }

    /// Writes a file of `size` deterministic pseudo-random bytes (every chunk differs).
    pub fn write_big(&self, rel: &str, size: usize, seed: u64) {
        let mut state = seed | 1;
        let mut data = Vec::with_capacity(size + 8);
        while data.len() < size {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            data.extend_from_slice(&state.to_le_bytes());
        }
        data.truncate(size);
        self.write(rel, data);
    }

    /// Stops faults, rate limits and quotas so that the checks themselves are not faulted.
    pub fn calm(&self) {
        self.server.set_faults(Faults::default());
        self.server.set_rate(None);
        self.server.set_quota(&self.creds.share_id, None);
    }

    /// The end state every test wants: the remote `/pub` equals the source byte for byte,
    /// nothing else is in the share, no item is a renamed duplicate, and the one declared link
    /// exists exactly once.
    pub async fn assert_converged(&self, links: usize) {
        self.calm();
        let remote = self.remote_tree("/pub");
        let local = self.local_tree();
        if remote != local {
            let extra: Vec<_> = remote.keys().filter(|k| !local.contains_key(*k)).collect();
            let missing: Vec<_> = local.keys().filter(|k| !remote.contains_key(*k)).collect();
            let differ: Vec<_> = local
                .iter()
                .filter(|(k, v)| remote.get(*k).is_some_and(|r| r != *v))
                .map(|(k, _)| k)
                .collect();
            panic!("remote differs: extra {extra:?}, missing {missing:?}, different {differ:?}");
        }
        let snapshot = self.server.snapshot(&self.creds.share_id);
        for path in snapshot.keys() {
            assert!(
                path == "/pub" || path.starts_with("/pub/"),
                "unexpected item {path}"
            );
            let name = path.rsplit('/').next().unwrap();
            assert!(!looks_renamed(name), "a renamed duplicate: {path}");
        }
        let pub_id = snapshot.get("/pub").expect("/pub exists").id.clone();
        let (active, all) = self.links_on(&pub_id).await;
        assert_eq!(active, links, "active links on /pub");
        assert_eq!(all, links, "links of any status on /pub");
    }

    /// (active, all) external links on a resource, asked of the server's API.
    pub async fn links_on(&self, resource_id: &str) -> (usize, usize) {
        let active = self.links_with(resource_id, Some("active")).await;
        let all = self.links_with(resource_id, None).await;
        (active.len(), all.len())
    }

    /// The active external links on a resource, as the server's API reports them.
    pub async fn active_links(&self, resource_id: &str) -> Vec<serde_json::Value> {
        self.links_with(resource_id, Some("active")).await
    }

    /// The external links on a resource with `status` (any, when `None`).
    async fn links_with(&self, resource_id: &str, status: Option<&str>) -> Vec<serde_json::Value> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let creds = self.server.credentials();
        let url = format!("{}/api/v1/external/links", self.server.url());
        let mut query = vec![
            ("share_id", creds.share_id.as_str()),
            ("resource_id", resource_id),
            ("limit", "100"),
        ];
        if let Some(status) = status {
            query.push(("status", status));
        }
        let response = reqwest::Client::new()
            .get(&url)
            .bearer_auth(&creds.token)
            .query(&query)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "GET {url}: {response:?}");
        let body: serde_json::Value = response.json().await.unwrap();
        body["links"].as_array().unwrap().clone()
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

    /// The bytes of every file in `src/`.
    pub fn local_bytes(&self) -> u64 {
        fn walk(dir: &Path) -> u64 {
            let mut total = 0;
            for entry in std::fs::read_dir(dir).unwrap() {
                let entry = entry.unwrap();
                let meta = entry.metadata().unwrap();
                total += if meta.is_dir() {
                    walk(&entry.path())
                } else {
                    meta.len()
                };
            }
            total
        }
        walk(&self.src())
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

/// A running binary whose output is being collected.
pub struct Spawned {
    pub child: tokio::process::Child,
    stdout: tokio::task::JoinHandle<String>,
    stderr: tokio::task::JoinHandle<String>,
}

impl Spawned {
    /// Waits for the exit (bounded by [`RUN_TIMEOUT`]) and checks that no secret leaked.
    pub async fn wait(mut self, env: &Env) -> Run {
        let status = tokio::time::timeout(RUN_TIMEOUT, self.child.wait())
            .await
            .expect("the run did not end in time")
            .unwrap();
        let run = Run {
            code: status.code().unwrap_or(-1),
            stdout: self.stdout.await.unwrap(),
            stderr: self.stderr.await.unwrap(),
        };
        env.assert_no_secrets(&run);
        run
    }

    /// SIGKILL: nothing runs after it.
    pub async fn kill(mut self, env: &Env) -> Run {
        self.child.start_kill().unwrap();
        self.wait(env).await
    }

    /// SIGINT, as Ctrl-C sends it.
    pub fn interrupt(&self) {
        let pid = self.child.id().expect("still running");
        let status = std::process::Command::new("kill")
            .args(["-INT", &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

fn drain(
    mut pipe: impl tokio::io::AsyncRead + Unpin + Send + 'static,
) -> tokio::task::JoinHandle<String> {
    tokio::spawn(async move {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf).await;
        String::from_utf8_lossy(&buf).into_owned()
    })
}

/// Names like `a (1).txt` or `a (2)`: what an auto-renaming server would make of a duplicate.
fn looks_renamed(name: &str) -> bool {
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    stem.ends_with(')')
        && stem
            .rsplit_once(" (")
            .is_some_and(|(_, n)| n.trim_end_matches(')').parse::<u32>().is_ok())
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

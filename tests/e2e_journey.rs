//! The whole journey on real content, through the real binary: a few thousand files of the
//! Rust toolchain's HTML documentation are published with `--local` and a password-protected
//! download link; `serve` on the same data folder then answers the recipient side, over HTTP
//! and in a headless Chromium; a re-run sends no write; a changed and a removed file are
//! planned, then applied, as exactly those two changes. What the test saw is written to
//! `e2e-journey.txt` in the target folder.
//!
//! Skipped with a printed reason when the documentation (or, for the browser step, chromium)
//! is missing and `CI` is unset; under `CI=true` both must be present.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{Cursor, Read};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Top-level entries of the documentation tree that make up the subset (with every file
/// directly in the root): about 2,700 files in nested folders, `std/collections` among them.
const SUBSET: &[&str] = &["static.files", "std"];

/// The subfolder downloaded as a zip, relative to the documentation root.
const ZIP_FOLDER: &str = "std/collections";

/// A file changed, and a file removed, before the last plan and apply.
const CHANGED: &str = "std/collections/index.html";
const REMOVED: &str = "std/collections/hash_map/struct.DefaultHasher.html";

const PASSWORD: &str = "e2e correct horse battery staple";

/// The link URLs that `--local` runs make point at `serve`'s default address.
const DEFAULT_SERVE: &str = "127.0.0.1:8787";

const MANIFEST: &str = "\
# Modelled on manifests/rust-docs.yaml, with a password download link and prune.
version: 1
settings:
  jobs: 16
  on_change: replace
  prune: true
publish:
  - name: rust-docs
    from: ${RUST_DOCS}
    exclude:
      - \"**/*.map\"
    to: { share: Local, path: /rust-docs }
links:
  - name: rust-docs-download
    target: rust-docs
    type: DOWNLOAD
    password: ${LINK_PASSWORD}
    custom_name: Rust documentation
";

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Kills a process group (the child and whatever it started) when dropped.
struct Group {
    child: Child,
    what: String,
}

impl Group {
    fn spawn(mut cmd: Command, what: &str) -> Group {
        cmd.process_group(0);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
        Group {
            child,
            what: what.to_owned(),
        }
    }

    /// Waits for the child to exit, at most `limit`; panics (and the drop kills) after that.
    fn wait(&mut self, limit: Duration) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                start.elapsed() < limit,
                "{} did not finish within {limit:?}",
                self.what
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        let pgid = self.child.id();
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{pgid}")])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a run of a program produced.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

impl Run {
    #[track_caller]
    fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// Runs `cmd` to completion within `limit`, its output captured in files under `scratch`.
fn run_bounded(mut cmd: Command, what: &str, scratch: &Path, limit: Duration) -> Run {
    let out_path = scratch.join("last.stdout");
    let err_path = scratch.join("last.stderr");
    cmd.stdin(Stdio::null())
        .stdout(File::create(&out_path).unwrap())
        .stderr(File::create(&err_path).unwrap());
    let start = Instant::now();
    let mut group = Group::spawn(cmd, what);
    let status = group.wait(limit);
    let elapsed = start.elapsed();
    drop(group);
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&std::fs::read(out_path).unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&std::fs::read(err_path).unwrap()).into_owned(),
        elapsed,
    }
}

/// The journey's folders and how to run the binary in them.
struct Journey {
    root: tempfile::TempDir,
}

impl Journey {
    fn docs(&self) -> PathBuf {
        self.root.path().join("docs")
    }

    fn data(&self) -> PathBuf {
        self.root.path().join("data")
    }

    fn manifest(&self) -> PathBuf {
        self.root.path().join("rust-docs.yaml")
    }

    fn scratch(&self) -> PathBuf {
        self.root.path().join("scratch")
    }

    fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_scaidrive-apply"));
        cmd.args(args)
            .current_dir(self.root.path())
            .env_remove("SCAIDRIVE_URL")
            .env_remove("SCAIDRIVE_TOKEN")
            .env_remove("SCAIDRIVE_REFRESH_TOKEN")
            .env_remove("RUST_LOG")
            .env("RUST_DOCS", self.docs())
            .env("LINK_PASSWORD", PASSWORD);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd
    }

    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let what = format!("scaidrive-apply {}", args.join(" "));
        let cmd = self.command(args, env);
        tokio::task::block_in_place(|| {
            run_bounded(cmd, &what, &self.scratch(), Duration::from_secs(180))
        })
    }
}

/// `serve` on a free loopback port, killed when dropped.
struct Serve {
    _group: Group,
    addr: String,
}

impl Serve {
    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start_serve(journey: &Journey, http: &reqwest::Client) -> Serve {
    let addr = format!("127.0.0.1:{}", free_port());
    let data = journey.data();
    let mut cmd = journey.command(
        &["serve", "--data", data.to_str().unwrap(), "--addr", &addr],
        &[],
    );
    cmd.stdin(Stdio::null())
        .stdout(File::create(journey.scratch().join("serve.stdout")).unwrap())
        .stderr(File::create(journey.scratch().join("serve.stderr")).unwrap());
    let mut group = Group::spawn(cmd, "scaidrive-apply serve");
    let start = Instant::now();
    loop {
        if let Some(status) = group.exited() {
            let err = std::fs::read_to_string(journey.scratch().join("serve.stderr"));
            panic!("serve exited ({status}) before answering: {err:?}");
        }
        let health = http
            .get(format!("http://{addr}/api/v1/health"))
            .send()
            .await;
        if health.is_ok_and(|r| r.status().is_success()) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "serve did not answer on {addr} within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Serve {
        _group: group,
        addr,
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Every file below `dir`, sorted, as paths relative to `root` with `/` separators.
fn files_below(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            files_below(root, &path, out);
        } else if kind.is_file() {
            let rel = path.strip_prefix(root).unwrap();
            out.push(rel.to_str().unwrap().replace('\\', "/"));
        }
    }
}

/// Copies the subset of the documentation into `dest`; returns (files, bytes).
fn copy_subset(docs: &Path, dest: &Path) -> (usize, u64) {
    let mut picked = Vec::new();
    for entry in std::fs::read_dir(docs).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            picked.push(entry.file_name().to_str().unwrap().to_owned());
        }
    }
    for top in SUBSET {
        files_below(docs, &docs.join(top), &mut picked);
    }
    let mut bytes = 0;
    for rel in &picked {
        let to = dest.join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        bytes += std::fs::copy(docs.join(rel), &to).unwrap();
    }
    (picked.len(), bytes)
}

/// The tree below `root`: relative path → `dir` or the file's SHA-256.
fn local_tree(root: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            if path.is_dir() {
                out.insert(rel, "dir".into());
                walk(root, &path, out);
            } else {
                out.insert(rel, sha256_hex(&std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// The server's snapshot below `/rust-docs`, as (relative path → entry JSON).
async fn remote_entries(
    http: &reqwest::Client,
    serve: &Serve,
    share_id: &str,
) -> BTreeMap<String, Value> {
    let url = format!("{}/_local/snapshot/{share_id}", serve.url());
    let snapshot: BTreeMap<String, Value> =
        http.get(url).send().await.unwrap().json().await.unwrap();
    snapshot
        .into_iter()
        .filter_map(|(path, entry)| {
            let rel = path.strip_prefix("/rust-docs/")?.to_owned();
            Some((rel, entry))
        })
        .collect()
}

/// The remote tree in the shape of [`local_tree`].
fn remote_tree(entries: &BTreeMap<String, Value>) -> BTreeMap<String, String> {
    entries
        .iter()
        .map(|(path, entry)| {
            let value = match entry["sha256"].as_str() {
                Some(sha) if entry["kind"] == "file" => sha.to_owned(),
                _ => "dir".to_owned(),
            };
            (path.clone(), value)
        })
        .collect()
}

/// The server's request log, cleared afterwards.
async fn take_requests(http: &reqwest::Client, serve: &Serve) -> Vec<Value> {
    let url = format!("{}/_local/requests", serve.url());
    let log: Value = http.get(&url).send().await.unwrap().json().await.unwrap();
    let status = http.delete(&url).send().await.unwrap().status();
    assert_eq!(status, StatusCode::NO_CONTENT);
    log["requests"].as_array().cloned().unwrap_or_default()
}

/// Requests that change something (neither reads nor token refreshes).
fn writes(log: &[Value]) -> Vec<String> {
    log.iter()
        .filter(|r| {
            r["method"] != "GET" && !r["path"].as_str().unwrap().starts_with("/api/v1/auth")
        })
        .map(|r| {
            format!(
                "{} {} {}",
                r["method"].as_str().unwrap(),
                r["path"].as_str().unwrap(),
                r["status"]
            )
        })
        .collect()
}

/// `(requests, rate units)` from the summary line `N requests, M rate units, …`.
fn requests_and_units(stderr: &str) -> (u64, u64) {
    let line = stderr
        .lines()
        .find(|l| l.contains(" requests, ") && l.contains(" rate units"))
        .unwrap_or_else(|| panic!("no requests line in:\n{stderr}"));
    let numbers: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    (numbers[0], numbers[1])
}

/// The link URL printed as `link NAME: URL`.
fn link_url(stderr: &str) -> String {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("link rust-docs-download: "))
        .unwrap_or_else(|| panic!("no link line in:\n{stderr}"))
        .trim()
        .to_owned()
}

/// `http://host:port/share/TOKEN` with the token hidden.
fn redact(url: &str) -> String {
    match url.rsplit_once('/') {
        Some((base, token)) => format!("{base}/{}…", &token[..token.len().min(4)]),
        None => url.to_owned(),
    }
}

/// `s` with the character references the server writes (`&amp;`, `&#x2F;`, …) decoded.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find(';') else { break };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The anchors of a page: (href, text), character references decoded.
fn anchors(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find("<a ") {
        rest = &rest[at + 3..];
        let Some(open) = rest.find('>') else { break };
        let Some(close) = rest.find("</a>") else {
            break;
        };
        let tag = &rest[..open];
        if let Some(start) = tag.find("href=\"") {
            let value = &tag[start + 6..];
            if let Some(end) = value.find('"') {
                out.push((unescape(&value[..end]), unescape(&rest[open + 1..close])));
            }
        }
        rest = &rest[close..];
    }
    out
}

/// The action of the page's password form, which must post a field named `password`.
fn password_form_action(html: &str) -> String {
    let form = html
        .find("<form ")
        .map(|at| &html[at..])
        .unwrap_or_else(|| panic!("no form on the page:\n{html}"));
    let tag = &form[..form.find('>').unwrap()];
    assert!(tag.contains("method=\"post\""), "{tag}");
    let body = &form[..form.find("</form>").unwrap()];
    assert!(body.contains("name=\"password\""), "{body}");
    let action = tag
        .split_once("action=\"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(action, _)| unescape(action))
        .unwrap_or_else(|| panic!("the form has no action: {tag}"));
    assert!(action.starts_with('/'), "{action}");
    action
}

fn href_of(html: &str, text: &str) -> String {
    anchors(html)
        .into_iter()
        .find(|(_, t)| t == text)
        .map(|(href, _)| href)
        .unwrap_or_else(|| panic!("no link `{text}` on the page:\n{html}"))
}

/// A page or file fetched with the unlock cookie.
async fn fetch(http: &reqwest::Client, url: &str, cookie: &str) -> (StatusCode, Vec<u8>) {
    let response = http.get(url).header(COOKIE, cookie).send().await.unwrap();
    let status = response.status();
    (status, response.bytes().await.unwrap().to_vec())
}

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser"].iter().find_map(|name| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .find(|p| p.is_file())
        })
    })
}

/// Runs headless chromium on `url` with a fresh profile; `output` is `--dump-dom` (returns the
/// DOM) or `--screenshot=FILE`.
fn chromium_run(browser: &Path, scratch: &Path, url: &str, output: &str) -> String {
    let profile = tempfile::tempdir_in(scratch).unwrap();
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        "--window-size=1100,900",
        // Lets the unlock page's form submission and redirect finish before the output.
        "--virtual-time-budget=10000",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .arg(output)
    .arg(url);
    let run = tokio::task::block_in_place(|| {
        run_bounded(cmd, "chromium", scratch, Duration::from_secs(90))
    });
    assert_eq!(run.code, 0, "chromium failed:\n{}", run.stderr);
    run.stdout
}

/// A local page that posts the password where the link page's form posts, as a person filling
/// that form does (headless chromium cannot type into a page).
fn unlock_page(scratch: &Path, action: &str, password: &str) -> String {
    let path = scratch.join("unlock.html");
    let html = format!(
        "<!doctype html><form id=f method=post action=\"{action}\">\
         <input type=password name=password value=\"{password}\"></form>\
         <script>document.getElementById('f').submit()</script>"
    );
    std::fs::write(&path, html).unwrap();
    format!("file://{}", path.display())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rust_docs_journey() {
    let sysroot = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let source = Path::new(&sysroot).join("share/doc/rust/html");
    if !source.join("std").is_dir() {
        assert!(
            !in_ci(),
            "CI=true but the Rust documentation is missing at {} (rustup component add rust-docs)",
            source.display()
        );
        eprintln!(
            "skipping: the Rust documentation is not installed at {} and CI is unset",
            source.display()
        );
        return;
    }
    let browser = chromium();
    if browser.is_none() {
        assert!(
            !in_ci(),
            "CI=true but chromium is not installed (apt-get install -y chromium)"
        );
        eprintln!("the browser step will be skipped: chromium is not installed and CI is unset");
    }
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    let mut seen = String::new();
    let started = Instant::now();

    // 1. The subset and the manifest.
    let journey = Journey {
        root: tempfile::tempdir().unwrap(),
    };
    std::fs::create_dir_all(journey.scratch()).unwrap();
    let t = Instant::now();
    let (files, bytes) = copy_subset(&source, &journey.docs());
    assert!(
        (1500..=4000).contains(&files),
        "the subset has {files} files"
    );
    std::fs::write(journey.manifest(), MANIFEST).unwrap();
    let manifest = journey.manifest();
    let manifest = manifest.to_str().unwrap();
    let data = journey.data();
    let data = data.to_str().unwrap();
    let _ = writeln!(
        seen,
        "source: {files} files, {:.1} MiB from {} ({:?} to copy)",
        bytes as f64 / 1048576.0,
        source.display(),
        t.elapsed()
    );

    // 2. Publish with the in-process server, then serve the same data.
    let first = journey
        .run(&["--local", "--local-data", data, manifest], &[])
        .ok();
    let printed = link_url(&first.stderr);
    let (requests, units) = requests_and_units(&first.stderr);
    let _ = writeln!(
        seen,
        "first run (--local): {:?}, {requests} requests, {units} rate units\n  {}",
        first.elapsed,
        first
            .stderr
            .lines()
            .find(|l| l.starts_with("Done"))
            .unwrap_or("?")
    );
    assert!(
        printed.starts_with(&format!("http://{DEFAULT_SERVE}/share/")),
        "{printed}"
    );
    // Every local folder, and the target folder /rust-docs itself.
    let dirs = local_tree(&journey.docs())
        .values()
        .filter(|v| *v == "dir")
        .count()
        + 1;
    assert!(
        first.stderr.contains(&format!(
            ": {dirs} folders created, {files} files uploaded ("
        )),
        "{}",
        first.stderr
    );

    // The README's re-run: the same command again has nothing to do.
    let local_again = journey
        .run(&["--local", "--local-data", data, manifest], &[])
        .ok();
    assert!(
        local_again.stderr.contains(&format!(
            ": 0 folders created, 0 files uploaded (0 B), 0 replaced, 0 deleted, {files} \
             unchanged; links: 0 created, 0 updated, 1 kept"
        )),
        "{}",
        local_again.stderr
    );
    assert_eq!(link_url(&local_again.stderr), printed, "the same link");
    let (requests, units) = requests_and_units(&local_again.stderr);
    let _ = writeln!(
        seen,
        "re-run (--local): {:?}, {requests} requests, {units} rate units, nothing to do",
        local_again.elapsed
    );
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let serve = start_serve(&journey, &http).await;
    let link = printed.replacen(DEFAULT_SERVE, &serve.addr, 1);
    let _ = writeln!(
        seen,
        "link printed: {} (opened at {})",
        redact(&printed),
        redact(&link)
    );
    let connection: Value =
        serde_json::from_slice(&std::fs::read(journey.data().join("connection.json")).unwrap())
            .unwrap();
    let share_id = connection["share_id"].as_str().unwrap().to_owned();
    let token = connection["token"].as_str().unwrap().to_owned();
    let published = remote_entries(&http, &serve, &share_id).await;
    assert_eq!(remote_tree(&published), local_tree(&journey.docs()));

    // 3. The recipient side over HTTP.
    let locked = http.get(&link).send().await.unwrap();
    assert_eq!(locked.status(), StatusCode::UNAUTHORIZED);
    let locked = locked.text().await.unwrap();
    assert!(locked.contains("type=\"password\""), "{locked}");
    let names_shown = |page: &str| page.contains("static.files") || page.contains("std/");
    assert!(!names_shown(&locked), "{locked}");
    // Everything below posts to where the page's own form posts.
    let form_url = format!("{}{}", serve.url(), password_form_action(&locked));
    let wrong = http
        .post(&form_url)
        .form(&[("password", "not the password")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.headers().get(SET_COOKIE).is_none());
    let wrong = wrong.text().await.unwrap();
    assert!(!names_shown(&wrong), "{wrong}");
    assert!(wrong.contains("Wrong password"), "{wrong}");
    let right = http
        .post(&form_url)
        .form(&[("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), StatusCode::SEE_OTHER);
    let location = right.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(link.ends_with(&location), "{location}");
    let cookie = right.headers()[SET_COOKIE].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let (status, page) = fetch(&http, &link, &cookie).await;
    let page = String::from_utf8(page).unwrap();
    assert_eq!(status, StatusCode::OK, "{page}");
    let top: BTreeSet<String> = anchors(&page).into_iter().map(|(_, t)| t).collect();
    for expected in ["std/", "static.files/", "index.html", "Download all (zip)"] {
        assert!(top.contains(expected), "`{expected}` not listed: {top:?}");
    }
    let origin = serve.url();
    let index = format!("{origin}{}", href_of(&page, "index.html"));
    let (status, body) = fetch(&http, &index, &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body == std::fs::read(journey.docs().join("index.html")).unwrap(),
        "the downloaded index.html differs from the source"
    );
    let mut folder_page = page.clone();
    for part in ZIP_FOLDER.split('/') {
        let url = format!("{origin}{}", href_of(&folder_page, &format!("{part}/")));
        let (status, body) = fetch(&http, &url, &cookie).await;
        assert_eq!(status, StatusCode::OK);
        folder_page = String::from_utf8(body).unwrap();
    }
    let zip_url = format!("{origin}{}", href_of(&folder_page, "Download all (zip)"));
    let t = Instant::now();
    let (status, zip_bytes) = fetch(&http, &zip_url, &cookie).await;
    assert_eq!(status, StatusCode::OK);
    let mut archive = zip::ZipArchive::new(Cursor::new(&zip_bytes)).unwrap();
    let mut unzipped = BTreeMap::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().trim_end_matches('/').to_owned();
        if entry.is_dir() {
            unzipped.insert(name, "dir".to_owned());
        } else {
            let mut content = Vec::new();
            entry.read_to_end(&mut content).unwrap();
            unzipped.insert(name, sha256_hex(&content));
        }
    }
    let expected = local_tree(&journey.docs().join(ZIP_FOLDER));
    let expected_files: BTreeMap<_, _> = expected.iter().filter(|(_, v)| *v != "dir").collect();
    let unzipped_files: BTreeMap<_, _> = unzipped.iter().filter(|(_, v)| *v != "dir").collect();
    assert_eq!(unzipped_files, expected_files, "the zip of {ZIP_FOLDER}");
    let _ = writeln!(
        seen,
        "recipient over HTTP: locked page 401 with a password form, wrong password 401, right \
         password 303 + cookie; listing shows {} entries; index.html byte-identical; \
         {ZIP_FOLDER} zip: {} files, {} KiB, equal to the source ({:?})",
        top.len(),
        unzipped_files.len(),
        zip_bytes.len() / 1024,
        t.elapsed()
    );

    // 4. The link page in a headless browser.
    if let Some(browser) = &browser {
        let t = Instant::now();
        let scratch = journey.scratch();
        let dom = chromium_run(browser, &scratch, &link, "--dump-dom");
        assert!(dom.contains("type=\"password\""), "{dom}");
        assert!(!names_shown(&dom), "{dom}");
        let unlock = unlock_page(&scratch, &form_url, PASSWORD);
        let dom = chromium_run(browser, &scratch, &unlock, "--dump-dom");
        assert!(
            dom.contains("std/"),
            "the unlocked page shows no listing: {dom}"
        );
        assert!(dom.contains("static.files/"), "{dom}");
        assert!(dom.contains("Download all (zip)"), "{dom}");
        assert!(!dom.contains("type=\"password\""), "{dom}");
        let shots = [
            (link.clone(), target.join("e2e-journey-password.png")),
            (unlock, target.join("e2e-journey-listing.png")),
        ];
        for (url, png) in &shots {
            chromium_run(
                browser,
                &scratch,
                url,
                &format!("--screenshot={}", png.display()),
            );
            let header = std::fs::read(png).unwrap();
            assert!(
                header.starts_with(b"\x89PNG"),
                "{} is no PNG",
                png.display()
            );
        }
        let _ = writeln!(
            seen,
            "browser ({}): the link page shows a password form and no names; after posting \
             the password the listing renders; screenshots {} and {} ({:?})",
            browser.display(),
            shots[0].1.display(),
            shots[1].1.display(),
            t.elapsed()
        );
    } else {
        let _ = writeln!(seen, "browser: skipped, chromium is not installed");
    }

    // 5. The re-run, against `serve`, with the state the first run kept.
    let state = journey.data().join("client-state.db");
    let state = state.to_str().unwrap();
    let remote = [("SCAIDRIVE_URL", serve.url()), ("SCAIDRIVE_TOKEN", token)];
    let remote: Vec<(&str, &str)> = remote.iter().map(|(k, v)| (*k, v.as_str())).collect();
    take_requests(&http, &serve).await;
    let again = journey
        .run(&["apply", "--state", state, manifest], &remote)
        .ok();
    let log = take_requests(&http, &serve).await;
    assert_eq!(writes(&log), Vec::<String>::new(), "{}", again.stderr);
    assert!(
        again
            .stderr
            .contains("0 folders created, 0 files uploaded (0 B), 0 replaced, 0 deleted"),
        "{}",
        again.stderr
    );
    assert!(
        again.stderr.contains("links: 0 created, 0 updated, 1 kept"),
        "{}",
        again.stderr
    );
    let (requests, units) = requests_and_units(&again.stderr);
    let _ = writeln!(
        seen,
        "re-run (against serve): {:?}, {requests} requests ({} seen by the server, 0 writes), \
         {units} rate units\n  {}",
        again.elapsed,
        log.len(),
        again
            .stderr
            .lines()
            .find(|l| l.starts_with("Nothing to change"))
            .expect("a re-run says that nothing changed")
    );

    // 6. One file changed, one removed: the plan says exactly that, apply does exactly that.
    let docs = journey.docs();
    let mut changed = std::fs::read(docs.join(CHANGED)).unwrap();
    changed.extend_from_slice(b"\n<!-- changed by the e2e journey -->\n");
    std::fs::write(docs.join(CHANGED), &changed).unwrap();
    std::fs::remove_file(docs.join(REMOVED)).unwrap();
    let plan = journey.run(
        &["plan", "--detailed-exitcode", "--state", state, manifest],
        &remote,
    );
    assert_eq!(plan.code, 2, "{}\n{}", plan.stdout, plan.stderr);
    assert_eq!(
        writes(&take_requests(&http, &serve).await),
        Vec::<String>::new()
    );
    let items: Vec<&str> = plan
        .stdout
        .lines()
        .filter(|l| ["  + ", "  ~ ", "  - "].iter().any(|p| l.starts_with(p)))
        // `  ~ replace PATH (41.46 KiB, size differs)`: the path, without the detail.
        .map(|l| l.split_once(" (").map_or(l, |(item, _)| item))
        .collect();
    assert_eq!(
        items,
        [
            format!("  ~ replace /rust-docs/{CHANGED}").as_str(),
            &format!("  - delete /rust-docs/{REMOVED}")
        ],
        "{}",
        plan.stdout
    );
    assert!(plan.stdout.contains("\n2 changes:"), "{}", plan.stdout);
    assert!(
        plan.stdout.contains(&format!(
            "create 0 folders, upload 0 files (0 B), replace 1 ({:.2} KiB), delete 1, \
             unchanged {}",
            changed.len() as f64 / 1024.0,
            files - 2
        )),
        "{}",
        plan.stdout
    );
    let change = journey
        .run(&["apply", "--state", state, manifest], &remote)
        .ok();
    let log = take_requests(&http, &serve).await;
    let after = remote_entries(&http, &serve, &share_id).await;
    assert_eq!(remote_tree(&after), local_tree(&docs));
    let differs: BTreeSet<&str> = published
        .keys()
        .chain(after.keys())
        .filter(|p| published.get(*p) != after.get(*p))
        .map(String::as_str)
        .collect();
    assert_eq!(
        differs,
        BTreeSet::from([CHANGED, REMOVED]),
        "items that changed on the share"
    );
    assert_eq!(
        after[CHANGED]["id"], published[CHANGED]["id"],
        "replaced in place"
    );
    assert_eq!(after[CHANGED]["version"], 2);
    let written = writes(&log);
    let removed_id = published[REMOVED]["id"].as_str().unwrap();
    let deletes: Vec<&String> = written.iter().filter(|w| w.starts_with("DELETE")).collect();
    assert_eq!(deletes.len(), 1, "{written:?}");
    assert!(deletes[0].contains(removed_id), "{written:?}");
    assert!(
        written.iter().all(|w| !w.contains("/folders")
            && !w.contains("/external/links")
            && !w.starts_with("POST /api/v1/files ")),
        "{written:?}"
    );
    let _ = writeln!(
        seen,
        "change: plan listed exactly `~ replace {CHANGED}` and `- delete {REMOVED}`; apply \
         {:?} sent {} writes ({}); the share equals the source byte for byte, only those two \
         items differ",
        change.elapsed,
        written.len(),
        written.join(", ")
    );
    let _ = writeln!(seen, "total: {:?}", started.elapsed());

    let report = target.join("e2e-journey.txt");
    std::fs::write(&report, &seen).unwrap();
    println!("{seen}(written to {})", report.display());
}

//! Publishing through the faults a real service and a real CI runner produce: random 5xx, 429
//! storms and a tight rate budget, expiring tokens, lost answers, a full quota, SIGKILL and
//! Ctrl-C half way, and a file that changes while it is sent. Every test ends with the remote
//! equal to the source byte for byte, no duplicate folder, file or link, and no secret in any
//! output (checked on every run by the harness).

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::{Env, Run};
use scaidrive_server::{Faults, LoggedRequest, RateBudget, Storm};

/// Small files in most tests: a few hundred, over nested folders.
const FILES: usize = 300;
const MIB: usize = 1024 * 1024;
/// How long a test waits for the run to reach the point where it interferes.
const WAIT: Duration = Duration::from_secs(60);

fn is_file_upload(r: &LoggedRequest) -> bool {
    r.method == "POST" && r.path == "/api/v1/files"
}

fn is_chunk_put(r: &LoggedRequest) -> bool {
    r.method == "PUT" && r.path.starts_with("/api/v1/uploads/") && r.path.contains("/chunks/")
}

fn ok(r: &LoggedRequest) -> bool {
    (200..300).contains(&r.status)
}

/// `(session id, chunk index)` of every chunk PUT in `log` that the service accepted.
fn accepted_chunks(log: &[LoggedRequest]) -> BTreeSet<(String, u64)> {
    log.iter()
        .filter(|r| is_chunk_put(r) && ok(r))
        .map(|r| {
            let rest = r.path.trim_start_matches("/api/v1/uploads/");
            let (session, index) = rest.split_once("/chunks/").unwrap();
            (session.to_string(), index.parse().unwrap())
        })
        .collect()
}

#[track_caller]
fn exit_code(run: &Run, code: i32) {
    assert_eq!(
        run.code, code,
        "exit code\nstdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
}

fn path(manifest: &std::path::Path) -> &str {
    manifest.to_str().unwrap()
}

/// With the faults off, runs `manifest` again and checks that the share equals the source,
/// with exactly one link: what every interrupted or faulted run must come back to.
async fn rerun_converges(env: &Env, manifest: &std::path::Path, args: &[&str]) -> Run {
    env.calm();
    let mut all = vec![path(manifest)];
    all.extend_from_slice(args);
    let run = env.run(&all).await;
    exit_code(&run, 0);
    env.assert_converged(1).await;
    run
}

#[tokio::test(flavor = "multi_thread")]
async fn five_percent_server_errors_are_retried_to_an_exact_tree() {
    let env = Env::start().await;
    env.tree(FILES);
    env.write_big("big/blob.bin", 34 * MIB, 1);
    let manifest = env.simple_manifest();
    env.server.set_faults(Faults {
        seed: 5,
        error_rate: 0.05,
        ..Faults::default()
    });
    let run = env.run(&[path(&manifest), "-v"]).await;
    exit_code(&run, 0);
    let errors = env
        .server
        .request_log()
        .iter()
        .filter(|r| r.status >= 500)
        .count();
    assert!(errors > 0, "the fault injector produced no 5xx");
    env.assert_converged(1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tight_rate_budget_is_paced_without_provoking_429s() {
    let env = Env::start().await;
    env.tree(200);
    let manifest = env.simple_manifest();
    env.server.set_rate(Some(RateBudget {
        units: 300,
        window: Duration::from_secs(2),
    }));
    let run = env.run(&["--json", path(&manifest)]).await;
    exit_code(&run, 0);
    let log = env.server.request_log();
    let limited = log.iter().filter(|r| r.status == 429).count();
    // The budget is several windows' worth of work; a client that did not pace itself would
    // meet a 429 at every window. A pacing client meets at most a stray one at a window's edge.
    assert!(
        limited <= 8,
        "{limited} answers were 429 out of {}",
        log.len()
    );
    env.assert_converged(1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn storms_of_429_pause_every_worker_and_the_run_finishes() {
    let env = Env::start().await;
    env.tree(200);
    let manifest = env.simple_manifest();
    let period = Duration::from_secs(2);
    env.server.set_rate(Some(RateBudget {
        units: 400,
        window: Duration::from_secs(2),
    }));
    env.server.set_faults(Faults {
        storm: Some(Storm {
            period,
            length: Duration::from_millis(300),
            retry_after: Duration::from_secs(1),
        }),
        ..Faults::default()
    });
    let started = Instant::now();
    let run = env.run(&[path(&manifest), "-v"]).await;
    exit_code(&run, 0);
    let storms = started.elapsed().as_secs_f64() / period.as_secs_f64() + 1.0;
    let log = env.server.request_log();
    let limited = log.iter().filter(|r| r.status == 429).count();
    // Each storm refuses the requests in flight when it starts (at most `jobs` = 8); the
    // shared pause (Retry-After 1 s outlasts the 300 ms storm) keeps the rest from hitting it.
    let bound = (8.0 * (storms + 1.0)) as usize;
    assert!(limited > 0, "no storm was met");
    assert!(
        limited <= bound,
        "{limited} answers were 429 over {storms:.1} storms (bound {bound})"
    );
    env.assert_converged(1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_expiring_every_two_seconds_are_refreshed_once_for_all_workers() {
    let env = Env::start().await;
    env.tree(FILES);
    let manifest = env.simple_manifest();
    let ttl = Duration::from_secs(2);
    env.server.set_faults(Faults {
        token_ttl: Some(ttl),
        latency: Duration::from_millis(80),
        ..Faults::default()
    });
    let started = Instant::now();
    let run = env.run(&["--json", path(&manifest)]).await;
    exit_code(&run, 0);
    let elapsed = started.elapsed();
    let log = env.server.request_log();
    let refreshes: Vec<_> = log
        .iter()
        .filter(|r| r.path == "/api/v1/auth/token")
        .collect();
    let expired = log.iter().filter(|r| r.status == 401).count();
    assert!(!refreshes.is_empty(), "no refresh in {elapsed:?}");
    assert!(
        refreshes.iter().all(|r| r.status == 200),
        "a refresh was refused (two workers raced with one-time refresh tokens): {refreshes:?}"
    );
    // One refresh per expiry, not one per worker that met the 401.
    let bound = (elapsed.as_secs_f64() / ttl.as_secs_f64()).ceil() as usize + 1;
    assert!(
        refreshes.len() <= bound,
        "{} refreshes in {elapsed:?} ({expired} answers were 401)",
        refreshes.len()
    );
    env.assert_converged(1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_percent_lost_answers_leave_exactly_one_of_everything() {
    let env = Env::start().await;
    env.tree(FILES);
    env.write_big("big/blob.bin", 34 * MIB, 2);
    let manifest = env.simple_manifest();
    env.server.set_faults(Faults {
        seed: 10,
        drop_rate: 0.10,
        ..Faults::default()
    });
    let run = env.run(&["--json", path(&manifest)]).await;
    exit_code(&run, 0);
    let log = env.server.request_log();
    let dropped: Vec<_> = log.iter().filter(|r| r.dropped).collect();
    assert!(
        dropped.iter().any(|r| r.method == "POST"),
        "no create lost its answer: {dropped:?}"
    );
    let link_creates = log
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/api/v1/external/links" && ok(r))
        .count();
    assert_eq!(link_creates, 1, "links created");
    env.assert_converged(1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_quota_fails_clearly_harms_nothing_and_a_rerun_converges() {
    let env = Env::start().await;
    env.tree(FILES);
    let manifest = env.simple_manifest();
    env.server
        .set_quota(&env.creds.share_id, Some(env.local_bytes() / 2));
    let run = env.run(&[path(&manifest), "-v"]).await;
    exit_code(&run, 1);
    let failed: Vec<_> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("FAILED"))
        .collect();
    assert!(!failed.is_empty(), "{}", run.stderr);
    for line in &failed {
        assert!(line.contains("/pub/"), "names the file: {line}");
        assert!(line.contains("507"), "names the status: {line}");
        assert!(line.contains("raise the quota"), "says what to do: {line}");
    }
    let remote = env.remote_tree("/pub");
    let local = env.local_tree();
    for (rel, sha) in &remote {
        assert_eq!(local.get(rel), Some(sha), "{rel} was published damaged");
    }
    assert!(remote.len() < local.len(), "the quota stopped nothing");
    env.server.set_quota(&env.creds.share_id, None);
    let again = env.run(&["--json", path(&manifest)]).await;
    exit_code(&again, 0);
    env.assert_converged(1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_during_many_small_uploads_then_a_rerun_converges() {
    let env = Env::start().await;
    env.tree(400);
    let manifest = env.simple_manifest();
    env.server.set_faults(Faults {
        latency: Duration::from_millis(15),
        ..Faults::default()
    });
    let child = env.spawn(&[path(&manifest), "-v"]);
    env.wait_for_log(WAIT, |log| {
        log.iter().filter(|r| is_file_upload(r) && ok(r)).count() >= 60
    })
    .await;
    let killed = child.kill(&env).await;
    assert_eq!(killed.code, -1, "killed by a signal: {killed:?}");
    assert!(env.remote_tree("/pub").len() < env.local_tree().len());
    rerun_converges(&env, &manifest, &["--json"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_inside_a_large_file_resumes_without_resending_confirmed_chunks() {
    let env = Env::start().await;
    env.tree(20);
    env.write_big("big/blob.bin", 60 * MIB, 7);
    let manifest = env.simple_manifest();
    env.server.set_faults(Faults {
        latency: Duration::from_millis(200),
        ..Faults::default()
    });
    let child = env.spawn(&[path(&manifest), "-v", "-j", "4"]);
    env.wait_for_log(WAIT, |log| accepted_chunks(log).len() >= 4)
        .await;
    let killed = child.kill(&env).await;
    assert_eq!(killed.code, -1, "killed by a signal: {killed:?}");
    env.calm();
    let first = accepted_chunks(&env.server.request_log());
    assert!(first.len() < 15, "the file was complete before the kill");
    env.server.clear_request_log();
    let run = env.run(&["--json", path(&manifest)]).await;
    exit_code(&run, 0);
    let resumed = "chunks are already on the service";
    assert!(
        run.stdout.contains("\"event\":\"note\"") && run.stdout.contains(resumed),
        "the resume is not told: {}",
        run.stdout
    );
    let second = accepted_chunks(&env.server.request_log());
    let resent: Vec<_> = env
        .server
        .request_log()
        .iter()
        .filter(|r| is_chunk_put(r))
        .filter(|r| {
            first
                .iter()
                .any(|(s, i)| r.path.ends_with(&format!("{s}/chunks/{i}")))
        })
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(
        resent,
        Vec::<String>::new(),
        "confirmed chunks were sent again"
    );
    assert_eq!(
        first.len() + second.len(),
        15,
        "run 1 sent {first:?}, run 2 sent {second:?}"
    );
    let sessions: BTreeSet<_> = first.iter().chain(&second).map(|(s, _)| s).collect();
    assert_eq!(sessions.len(), 1, "the second run resumed the same session");
    env.assert_converged(1).await;
}

/// A session journaled by a killed run but expired on the service since (410) is not
/// resumed: the next run starts a new one and publishes the file whole.
#[tokio::test(flavor = "multi_thread")]
async fn an_expired_session_is_replaced_by_a_new_one() {
    let env = Env::start_with(|c| c.upload_session_ttl = Duration::from_secs(2)).await;
    env.write_big("big/blob.bin", 60 * MIB, 11);
    let manifest = env.simple_manifest();
    env.server.set_faults(Faults {
        latency: Duration::from_millis(200),
        ..Faults::default()
    });
    let child = env.spawn(&[path(&manifest), "-j", "2"]);
    env.wait_for_log(WAIT, |log| accepted_chunks(log).len() >= 2)
        .await;
    child.kill(&env).await;
    env.calm();
    let first: BTreeSet<_> = accepted_chunks(&env.server.request_log())
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert_eq!(first.len(), 1, "one session before the kill");
    tokio::time::sleep(Duration::from_secs(3)).await;
    env.server.clear_request_log();
    let run = env.run(&[path(&manifest)]).await;
    exit_code(&run, 0);
    let log = env.server.request_log();
    let gone = log.iter().filter(|r| r.status == 410).count();
    assert!(
        gone >= 1,
        "the old session was asked for and found gone: {log:?}"
    );
    let second: BTreeSet<_> = accepted_chunks(&log).into_iter().map(|(s, _)| s).collect();
    assert_eq!(second.len(), 1, "{second:?}");
    assert!(
        first.is_disjoint(&second),
        "a new session: {first:?} then {second:?}"
    );
    assert_eq!(accepted_chunks(&log).len(), 15, "the whole file, once");
    env.assert_converged(1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_exits_130_and_a_rerun_converges() {
    let env = Env::start().await;
    env.tree(FILES);
    let manifest = env.simple_manifest();
    env.server.set_faults(Faults {
        latency: Duration::from_millis(20),
        ..Faults::default()
    });
    let child = env.spawn(&["--json", path(&manifest)]);
    env.wait_for_log(WAIT, |log| {
        log.iter().filter(|r| is_file_upload(r) && ok(r)).count() >= 40
    })
    .await;
    child.interrupt();
    let run = child.wait(&env).await;
    exit_code(&run, 130);
    assert!(
        run.stdout.contains(r#""event":"interrupted""#),
        "{}",
        run.stdout
    );
    assert!(env.remote_tree("/pub").len() < env.local_tree().len());
    rerun_converges(&env, &manifest, &["-v"]).await;
}

/// Ctrl-C inside a large file stops at the chunk in flight: the run exits 130 without sending
/// the rest, and the next run resumes the session without resending a confirmed chunk.
#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_inside_a_large_file_stops_at_the_chunk_in_flight_and_a_rerun_resumes() {
    let env = Env::start().await;
    env.write_big("big/blob.bin", 40 * MIB, 13);
    let manifest = env.simple_manifest();
    let latency = Duration::from_millis(500);
    env.server.set_faults(Faults {
        latency,
        ..Faults::default()
    });
    let child = env.spawn(&[path(&manifest), "-v", "-j", "1"]);
    env.wait_for_log(WAIT, |log| !accepted_chunks(log).is_empty())
        .await;
    let before = accepted_chunks(&env.server.request_log());
    child.interrupt();
    let signalled = Instant::now();
    let run = child.wait(&env).await;
    let took = signalled.elapsed();
    exit_code(&run, 130);
    let first = accepted_chunks(&env.server.request_log());
    // 10 chunks of 4 MiB; with one request at a time only the chunk in flight may end after
    // the signal (two, should the signal land between one answer and the next request).
    assert!(
        first.len() - before.len() <= 2,
        "{} chunks were sent after the signal: {first:?}",
        first.len() - before.len()
    );
    // The chunk in flight ends within `latency` plus its transfer; sending the other 8 or so
    // would take over 4 s.
    assert!(
        took < Duration::from_millis(2500),
        "exited {took:?} after the signal"
    );
    assert!(run.stderr.contains("interrupted"), "{}", run.stderr);
    assert!(!run.stderr.contains("FAILED"), "{}", run.stderr);
    env.calm();
    env.server.clear_request_log();
    let again = env.run(&["--json", path(&manifest)]).await;
    exit_code(&again, 0);
    let log = env.server.request_log();
    let second = accepted_chunks(&log);
    let resent: Vec<_> = log
        .iter()
        .filter(|r| is_chunk_put(r))
        .filter(|r| {
            first
                .iter()
                .any(|(s, i)| r.path.ends_with(&format!("{s}/chunks/{i}")))
        })
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(
        resent,
        Vec::<String>::new(),
        "confirmed chunks were sent again"
    );
    assert_eq!(first.len() + second.len(), 10, "{first:?} then {second:?}");
    let sessions: BTreeSet<_> = first.iter().chain(&second).map(|(s, _)| s).collect();
    assert_eq!(sessions.len(), 1, "the second run resumed the same session");
    env.assert_converged(1).await;
}

/// A second Ctrl-C does not wait for the request in flight.
#[tokio::test(flavor = "multi_thread")]
async fn a_second_ctrl_c_exits_at_once() {
    let env = Env::start().await;
    env.write_big("big/blob.bin", 40 * MIB, 17);
    let manifest = env.simple_manifest();
    let child = env.spawn(&[path(&manifest), "-j", "1"]);
    env.wait_for_log(WAIT, |log| !accepted_chunks(log).is_empty())
        .await;
    // From now on every request takes 5 s: the next chunk but one is certainly slow.
    env.server.set_faults(Faults {
        latency: Duration::from_secs(5),
        ..Faults::default()
    });
    env.wait_for_log(WAIT, |log| accepted_chunks(log).len() >= 2)
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    child.interrupt();
    tokio::time::sleep(Duration::from_millis(300)).await;
    child.interrupt();
    let signalled = Instant::now();
    let run = child.wait(&env).await;
    let took = signalled.elapsed();
    exit_code(&run, 130);
    assert!(
        took < Duration::from_millis(1500),
        "exited {took:?} after the second signal"
    );
    assert!(run.stderr.contains("interrupted again"), "{}", run.stderr);
    rerun_converges(&env, &manifest, &["--json"]).await;
}

/// Every failure is said once: which task, then where and what answered (the endpoint, the
/// status, the service's message and request id), or for a local read error the local path
/// and the OS error.
#[tokio::test(flavor = "multi_thread")]
async fn failures_name_the_task_once_with_the_endpoint_status_and_request_id() {
    use std::os::unix::fs::PermissionsExt;

    let env = Env::start().await;
    env.write("fine.txt", "fine");
    env.write("secret.txt", "unreadable");
    env.write_big("locked.bin", 33 * MIB, 19);
    env.write("too-big.txt", vec![b'x'; 4096]);
    for name in ["secret.txt", "locked.bin"] {
        let file = env.src().join(name);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).unwrap();
    }
    let manifest = env.simple_manifest();
    env.server.set_faults(Faults {
        max_file_size: Some(1024),
        ..Faults::default()
    });
    let run = env.run_unprivileged(&[path(&manifest)]).await;
    for name in ["secret.txt", "locked.bin"] {
        let file = env.src().join(name);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    exit_code(&run, 1);
    let failed: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("FAILED"))
        .collect();
    assert_eq!(failed.len(), 3, "{}", run.stderr);
    let line = |name: &str| {
        *failed
            .iter()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("no failure for {name}: {}", run.stderr))
    };
    for name in ["secret.txt", "locked.bin", "too-big.txt"] {
        let line = line(name);
        assert!(
            line.starts_with(&format!("FAILED: upload /pub/{name} (")),
            "{line}"
        );
        assert_eq!(line.matches("upload ").count(), 1, "said twice: {line}");
    }
    for name in ["secret.txt", "locked.bin"] {
        let local = env.src().join(name);
        let expected = format!(
            ": cannot read {}: Permission denied (os error 13)",
            local.display()
        );
        let line = line(name);
        assert!(line.ends_with(&expected), "{line}");
        assert!(
            !line.contains("/api/v1"),
            "no endpoint for a local error: {line}"
        );
    }
    let refused = env
        .server
        .request_log()
        .into_iter()
        .find(|r| r.status == 413)
        .expect("a 413 answer");
    let line = line("too-big.txt");
    let endpoint = format!(
        "{} {} answered 413 PAYLOAD_TOO_LARGE: ",
        refused.method, refused.path
    );
    assert!(line.contains(&endpoint), "{line}");
    assert!(
        line.contains(&format!("(request id {})", refused.request_id)),
        "{line}"
    );
    assert!(line.contains("exclude it"), "the hint: {line}");
}

/// A URL where nothing answers fails within seconds, says which URL and what to check, and
/// tells each retry on the way.
#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_url_fails_quickly_and_names_the_url() {
    let env = Env::start().await;
    env.tree(5);
    let manifest = env.simple_manifest();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let started = Instant::now();
    let run = env
        .run(&["plan", "-v", "--url", &url, "--token", "x", path(&manifest)])
        .await;
    let took = started.elapsed();
    exit_code(&run, 1);
    assert!(took < Duration::from_secs(8), "took {took:?}");
    let error = run
        .stderr
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_else(|| panic!("{}", run.stderr));
    assert!(
        error.contains(&format!("cannot connect to {url}")),
        "{error}"
    );
    assert!(error.contains("Connection refused"), "{error}");
    assert!(error.contains("check SCAIDRIVE_URL / --url"), "{error}");
    let warnings: Vec<_> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(warnings.len(), 2, "with -v every retry: {}", run.stderr);
    assert!(
        warnings[0].contains("Connection refused")
            && warnings[0].contains("attempt 1 of 3 failed, retrying in 0.5 s"),
        "{}",
        warnings[0]
    );
    assert!(
        warnings[1].contains("attempt 2 of 3 failed, retrying in 1.0 s"),
        "{}",
        warnings[1]
    );
    assert!(env.server.request_log().is_empty());
}

/// Once the service has answered, its errors are retried with the normal back-off, and every
/// retry is told with `-v`; by default only a few lines are.
#[tokio::test(flavor = "multi_thread")]
async fn retries_are_told_every_one_with_v_and_a_few_by_default() {
    let env = Env::start().await;
    env.tree(60);
    let manifest = env.simple_manifest();
    env.server.set_faults(Faults {
        seed: 3,
        error_rate: 0.2,
        ..Faults::default()
    });
    let told = |run: &Run| {
        run.stderr
            .lines()
            .filter(|l| l.starts_with("warning:") && l.contains("retrying in"))
            .count()
    };
    let errors = |env: &Env| {
        env.server
            .request_log()
            .iter()
            .filter(|r| r.status >= 500)
            .filter(|r| !(r.method == "POST" && r.path == "/api/v1/external/links"))
            .count()
    };
    let run = env.run(&[path(&manifest), "-v"]).await;
    exit_code(&run, 0);
    let sample = run
        .stderr
        .lines()
        .find(|l| l.starts_with("warning:") && l.contains("retrying in"))
        .unwrap_or_else(|| panic!("no retry told: {}", run.stderr));
    assert!(sample.contains(" failed, retrying in "), "{sample}");
    assert!(sample.contains("attempt 1 of 9"), "{sample}");
    assert!(sample.contains("/api/v1/"), "{sample}");
    // Every 5xx is retried and told (but a link create's, which is reconciled, not retried).
    // A lost answer is told as lost, whether or not the server logged a status for it (a 5xx
    // sent while the body was still streaming reaches the client as a broken pipe; a pooled
    // connection closed as it was reused reaches the server not at all): so the two counts
    // may differ by the lost ones, and by no more.
    let lost = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning:") && l.contains("answer lost"))
        .count();
    assert!(
        told(&run).abs_diff(errors(&env)) <= lost,
        "{} told, {} errors, {lost} lost: {}",
        told(&run),
        errors(&env),
        run.stderr
    );

    let env = Env::start().await;
    env.tree(120);
    let manifest = env.simple_manifest();
    env.server.set_faults(Faults {
        seed: 4,
        error_rate: 0.2,
        ..Faults::default()
    });
    let run = env.run(&[path(&manifest)]).await;
    exit_code(&run, 0);
    let (lines, faulted) = (told(&run), errors(&env));
    assert!(lines > 0, "{}", run.stderr);
    assert!(
        faulted >= 8 && lines < faulted / 2,
        "{lines} told, {faulted} errors"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn json_events_and_the_outputs_file_carry_the_link() {
    let env = Env::start().await;
    env.tree(30);
    let manifest = env.simple_manifest();
    let outputs = env.dir.path().join("outputs.json");
    let run = env
        .run(&[
            "--json",
            "--outputs",
            outputs.to_str().unwrap(),
            path(&manifest),
        ])
        .await;
    exit_code(&run, 0);
    let events: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(events.iter().all(|e| e["v"] == 1), "{}", run.stdout);
    let last = events.last().expect("events");
    assert_eq!(last["event"], "finished", "{}", run.stdout);
    assert_eq!(last["failed"], 0);
    assert!(events.iter().any(|e| e["event"] == "started"));
    let snapshot = env.server.snapshot(&env.creds.share_id);
    let pub_id = &snapshot["/pub"].id;
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&outputs).unwrap()).unwrap();
    let links = doc["links"].as_array().unwrap();
    assert_eq!(links.len(), 1, "{doc}");
    let link = &links[0];
    assert_eq!(link["name"], "dl");
    assert_eq!(link["resource_id"], pub_id.as_str());
    assert_eq!(link["share_id"], env.creds.share_id.as_str());
    assert!(
        link["id"].as_str().is_some_and(|id| !id.is_empty()),
        "{doc}"
    );
    let url = link["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/share/", env.server.url())),
        "{url}"
    );
    let finished_links = last["links"].as_array().unwrap();
    assert_eq!(finished_links[0]["url"], url);
    env.assert_converged(1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_that_changes_while_it_is_sent_is_not_published_half_changed() {
    let env = Env::start().await;
    env.tree(10);
    env.write_big("big/blob.bin", 40 * MIB, 3);
    let manifest = env.simple_manifest();
    env.server.set_faults(Faults {
        latency: Duration::from_millis(200),
        ..Faults::default()
    });
    let child = env.spawn(&[path(&manifest), "-v", "-j", "2"]);
    env.wait_for_log(WAIT, |log| !accepted_chunks(log).is_empty())
        .await;
    // Replaced atomically, as an editor or a build would: same size, new content and mtime.
    let fresh = env.dir.path().join("blob.new");
    std::fs::write(&fresh, {
        let mut bytes = std::fs::read(env.src().join("big/blob.bin")).unwrap();
        bytes.iter_mut().for_each(|b| *b = b.wrapping_add(1));
        bytes
    })
    .unwrap();
    std::fs::rename(&fresh, env.src().join("big/blob.bin")).unwrap();
    let run = child.wait(&env).await;
    exit_code(&run, 1);
    let failed: Vec<_> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("FAILED"))
        .collect();
    assert_eq!(failed.len(), 1, "{}", run.stderr);
    assert!(failed[0].contains("blob.bin"), "{}", failed[0]);
    assert!(failed[0].contains("changed"), "{}", failed[0]);
    assert!(failed[0].contains("run again"), "{}", failed[0]);
    assert_eq!(env.remote_tree("/pub").get("big/blob.bin"), None);
    rerun_converges(&env, &manifest, &["--json"]).await;
}

//! The retrying core every endpoint goes through.
//!
//! 5xx, lost answers and connection errors are retried with exponential back-off (jitter,
//! capped at 10 s, `max_attempts`); a 429 waits the shared pause. Each retry is told as a
//! warning ([`super::notices`]).
//!
//! A connection error before anything at the URL has answered in this run is most likely a
//! wrong URL, not an outage: it is tried [`UNANSWERED_TRIES`] times, [`UNANSWERED_PAUSE`]
//! apart (and longer each time), then fails with [`ApiError::Unreachable`], which says to
//! check the URL. Once any answer (of any status) has arrived, the normal back-off applies.
//! Known limit: a host that drops connection attempts silently costs the connect timeout
//! (10 s) per try, so about 30 s before that message.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use bytes::Bytes;
use reqwest::{Method, StatusCode};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::auth::Auth;
use super::error::ApiError;
use super::notices::{Notices, Sink};
use super::pacer::Pacer;

/// How many 429 answers one request may meet before it gives up.
const MAX_RATE_LIMITED: usize = 50;

/// Tries of a request that meets a connection error while nothing has ever answered.
pub const UNANSWERED_TRIES: usize = 3;
/// The wait after the first of those tries; it grows linearly (0.5 s, then 1 s).
pub const UNANSWERED_PAUSE: Duration = Duration::from_millis(500);

/// How to reach the service.
#[derive(Clone)]
pub struct ClientConfig {
    pub base_url: String,
    pub token: String,
    pub refresh_token: Option<String>,
    /// Requests in flight at once.
    pub jobs: usize,
    /// Attempts for a request that fails with 5xx, 429 or a connection error.
    pub max_attempts: usize,
}

/// Counters of what a run cost.
#[derive(Debug, Default)]
pub struct Stats {
    pub requests: AtomicU64,
    pub units: AtomicU64,
    pub writes: AtomicU64,
    pub retries: AtomicU64,
    pub rate_limited: AtomicU64,
    pub refreshes: AtomicU64,
}

/// A cheap, cloneable handle to the client.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: String,
    auth: Auth,
    pacer: Pacer,
    permits: Semaphore,
    stats: Stats,
    max_attempts: usize,
    /// Cancelled by [`Client::interrupt`]: no request is sent after it.
    stop: CancellationToken,
    /// Whether anything at the URL has answered during this run.
    answered: AtomicBool,
    notices: Notices,
}

/// What a request carries. Bodies are rebuilt for every attempt.
pub enum Payload {
    Empty,
    Json(serde_json::Value),
    Form(Vec<(&'static str, String)>),
    Bytes(Bytes),
    /// A multipart upload of a local file, hashed as it streams.
    File(FileUpload),
}

pub struct FileUpload {
    pub fields: Vec<(&'static str, String)>,
    pub path: PathBuf,
    pub name: String,
    pub size: u64,
    /// The SHA-256 of the bytes actually sent by the last attempt.
    pub sent_sha256: Arc<Mutex<Option<String>>>,
}

/// One request, described.
pub struct Call {
    pub method: Method,
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub payload: Payload,
    /// Rate units the service charges for it.
    pub cost: u32,
    /// Whether it may be sent again when its answer was lost. Creates whose duplicate the
    /// service would refuse (409) are safe; link creates are not.
    pub resend_when_lost: bool,
    pub is_write: bool,
}

impl Call {
    pub fn new(method: Method, path: impl Into<String>, cost: u32) -> Call {
        let is_write = method != Method::GET;
        Call {
            method,
            path: path.into(),
            query: Vec::new(),
            payload: Payload::Empty,
            cost,
            resend_when_lost: true,
            is_write,
        }
    }

    pub fn query(mut self, key: &'static str, value: impl Into<String>) -> Call {
        self.query.push((key, value.into()));
        self
    }

    pub fn payload(mut self, payload: Payload) -> Call {
        self.payload = payload;
        self
    }

    pub fn not_resendable(mut self) -> Call {
        self.resend_when_lost = false;
        self
    }

    fn endpoint(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Client, String> {
        check_url(&config.base_url)?;
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_secs(120))
            .pool_max_idle_per_host(config.jobs.max(1) * 2)
            .user_agent(concat!("scaidrive-apply/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot set up the HTTP client: {e}"))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base: config.base_url.trim_end_matches('/').to_string(),
                auth: Auth::new(config.token, config.refresh_token),
                pacer: Pacer::default(),
                permits: Semaphore::new(config.jobs.max(1)),
                stats: Stats::default(),
                max_attempts: config.max_attempts.max(1),
                stop: CancellationToken::new(),
                answered: AtomicBool::new(false),
                notices: Notices::default(),
            }),
        })
    }

    pub fn stats(&self) -> &Stats {
        &self.inner.stats
    }

    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    /// How many retry warnings to show: -1 none, 0 a few, 1+ every one.
    pub fn set_verbosity(&self, verbosity: i8) {
        self.inner.notices.set_verbosity(verbosity);
    }

    /// Where retry warnings go (by default, `warning: …` lines on stderr).
    pub fn set_warnings(&self, sink: Sink) {
        self.inner.notices.set_sink(sink);
    }

    /// Stops sending: from now on every request not yet sent, and every retry, fails at once
    /// with [`ApiError::Interrupted`]. Requests already sent are left to end.
    pub fn interrupt(&self) {
        self.inner.stop.cancel();
    }

    pub fn interrupted(&self) -> bool {
        self.inner.stop.is_cancelled()
    }

    /// Resolves once [`Client::interrupt`] has been called.
    pub async fn until_interrupted(&self) {
        self.inner.stop.cancelled().await;
    }

    /// Sends `call`, retrying what the service asks to retry, and returns the answer's body.
    /// After [`Client::interrupt`] it sends nothing more, and a retry's wait ends at once.
    pub async fn send(&self, call: &Call) -> Result<Bytes, ApiError> {
        let inner = &self.inner;
        let mut backoff = ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(200))
            .with_max_delay(Duration::from_secs(10))
            .with_jitter()
            .with_max_times(inner.max_attempts)
            .build();
        let mut refreshed = false;
        let mut rate_limited = 0;
        let mut unanswered = 0;
        let mut failed = 0;
        loop {
            let (generation, token) = inner.auth.token();
            let outcome = self.attempt(call, &token).await;
            let retry_in = match &outcome {
                Ok(_) => return outcome,
                Err(e) => match e {
                    ApiError::Status { status: 401, .. } if !refreshed => {
                        refreshed = true;
                        if self.refresh(generation).await {
                            continue;
                        }
                        return outcome;
                    }
                    // The pause itself is taken by the pacer, shared by every worker.
                    ApiError::Status { status: 429, .. } if rate_limited < MAX_RATE_LIMITED => {
                        rate_limited += 1;
                        Some(Duration::ZERO)
                    }
                    ApiError::Status { status, .. }
                        if transient(*status) && call.resend_when_lost =>
                    {
                        backoff.next()
                    }
                    ApiError::Transport { endpoint, cause }
                        if !inner.answered.load(Ordering::Relaxed) =>
                    {
                        unanswered += 1;
                        if unanswered >= UNANSWERED_TRIES {
                            return Err(ApiError::Unreachable {
                                endpoint: endpoint.clone(),
                                url: inner.base.clone(),
                                cause: cause.clone(),
                                tries: unanswered,
                            });
                        }
                        Some(UNANSWERED_PAUSE * u32::try_from(unanswered).unwrap_or(1))
                    }
                    ApiError::Transport { .. } => backoff.next(),
                    ApiError::Ambiguous { .. } if call.resend_when_lost => backoff.next(),
                    _ => None,
                },
            };
            let Some(delay) = retry_in else {
                return outcome;
            };
            failed += 1;
            if let Err(error) = &outcome {
                let most = if unanswered > 0 && !inner.answered.load(Ordering::Relaxed) {
                    UNANSWERED_TRIES
                } else {
                    inner.max_attempts + 1
                };
                self.tell_retry(call, error, failed, most, delay);
            }
            inner.stats.retries.fetch_add(1, Ordering::Relaxed);
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = inner.stop.cancelled() => return Err(interrupted(call)),
            }
        }
    }

    /// Tells that attempt `failed` (of at most `most`) met `error` and what happens next.
    fn tell_retry(
        &self,
        call: &Call,
        error: &ApiError,
        failed: usize,
        most: usize,
        delay: Duration,
    ) {
        let endpoint = call.endpoint();
        let reason = error.reason();
        let (kind, line) = match error.status() {
            Some(429) => (
                "429".to_string(),
                format!(
                    "{endpoint}: {reason} (rate-limited), attempt {failed}; every request \
                     waits {:.1} s",
                    self.inner.pacer.paused_for().as_secs_f64()
                ),
            ),
            status => (
                match (status, error) {
                    (Some(status), _) => status.to_string(),
                    (None, ApiError::Ambiguous { .. }) => "lost answer".to_string(),
                    (None, _) => "connection".to_string(),
                },
                format!(
                    "{endpoint}: {reason}; attempt {failed} of {most} failed, retrying in \
                     {:.1} s",
                    delay.as_secs_f64()
                ),
            ),
        };
        self.inner.notices.retry(&kind, &line);
    }

    async fn attempt(&self, call: &Call, token: &str) -> Result<Bytes, ApiError> {
        let inner = &self.inner;
        // Waiting for a turn is not being in flight: an interruption ends the wait.
        let _permit = tokio::select! {
            permit = inner.permits.acquire() => permit.expect("semaphore open"),
            () = inner.stop.cancelled() => return Err(interrupted(call)),
        };
        let ticket = tokio::select! {
            ticket = inner.pacer.acquire(call.cost) => ticket,
            () = inner.stop.cancelled() => return Err(interrupted(call)),
        };
        if inner.stop.is_cancelled() {
            inner.pacer.release(ticket);
            return Err(interrupted(call));
        }
        let endpoint = call.endpoint();
        let url = format!("{}{}", inner.base, call.path);
        let mut request = inner
            .http
            .request(call.method.clone(), url)
            .bearer_auth(token);
        if !call.query.is_empty() {
            request = request.query(&call.query);
        }
        request = match build_payload(request, &call.payload).await {
            Ok(r) => r,
            Err(cause) => {
                inner.pacer.release(ticket);
                return Err(ApiError::Local { endpoint, cause });
            }
        };
        inner.stats.requests.fetch_add(1, Ordering::Relaxed);
        inner
            .stats
            .units
            .fetch_add(u64::from(call.cost), Ordering::Relaxed);
        if call.is_write {
            inner.stats.writes.fetch_add(1, Ordering::Relaxed);
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => {
                inner.pacer.release(ticket);
                return Err(transport_error(endpoint, &e));
            }
        };
        inner.answered.store(true, Ordering::Relaxed);
        inner.pacer.observe(ticket, response.headers());
        let status = response.status();
        let retry_after = retry_after(response.headers());
        let body = response.bytes().await.map_err(|e| ApiError::Ambiguous {
            endpoint: endpoint.clone(),
            cause: error_chain(&e),
        })?;
        if status.is_success() {
            return Ok(body);
        }
        let error = status_error(endpoint, status, &body);
        if status == StatusCode::TOO_MANY_REQUESTS {
            inner.stats.rate_limited.fetch_add(1, Ordering::Relaxed);
            let body_hint = error_retry_after(&body);
            let wait = retry_after.or(body_hint).unwrap_or(Duration::from_secs(1));
            let jitter = 1.0 + rand::random::<f64>() * 0.2;
            inner.pacer.pause(wait.mul_f64(jitter));
        }
        Err(error)
    }

    async fn refresh(&self, generation: u64) -> bool {
        let inner = &self.inner;
        let ok = inner
            .auth
            .refresh(generation, |refresh_token| async move {
                let url = format!("{}/api/v1/auth/token", inner.base);
                let form = [
                    ("grant_type", "refresh_token"),
                    ("refresh_token", &refresh_token),
                ];
                let response = inner.http.post(url).form(&form).send().await.ok()?;
                inner.answered.store(true, Ordering::Relaxed);
                inner.stats.requests.fetch_add(1, Ordering::Relaxed);
                if !response.status().is_success() {
                    return None;
                }
                let grant: super::TokenGrant = response.json().await.ok()?;
                Some((grant.access_token, grant.refresh_token))
            })
            .await;
        if ok {
            inner.stats.refreshes.fetch_add(1, Ordering::Relaxed);
        }
        ok
    }
}

async fn build_payload(
    request: reqwest::RequestBuilder,
    payload: &Payload,
) -> Result<reqwest::RequestBuilder, String> {
    Ok(match payload {
        Payload::Empty => request,
        Payload::Json(value) => request.json(value),
        Payload::Form(fields) => request.form(fields),
        Payload::Bytes(bytes) => request
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(bytes.clone()),
        Payload::File(upload) => request.multipart(file_form(upload).await?),
    })
}

/// A multipart form whose file part streams from disk and hashes what it sends.
async fn file_form(upload: &FileUpload) -> Result<reqwest::multipart::Form, String> {
    use futures::StreamExt;

    let file = tokio::fs::File::open(&upload.path)
        .await
        .map_err(|e| format!("cannot read {}: {e}", upload.path.display()))?;
    let digest = Arc::new(Mutex::new(Sha256::new()));
    let feed = digest.clone();
    let out = upload.sent_sha256.clone();
    *out.lock().expect("hash lock") = None;
    let stream = tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024)
        .map(move |chunk| {
            if let Ok(bytes) = &chunk {
                feed.lock().expect("hash lock").update(bytes);
            }
            chunk
        })
        .chain(futures::stream::once(async move {
            let hash = std::mem::take(&mut *digest.lock().expect("hash lock"));
            *out.lock().expect("hash lock") = Some(hex::encode(hash.finalize()));
            Ok::<_, std::io::Error>(Bytes::new())
        }));
    let part = reqwest::multipart::Part::stream_with_length(
        reqwest::Body::wrap_stream(stream),
        upload.size,
    )
    .file_name(upload.name.clone());
    let mut form = reqwest::multipart::Form::new();
    for (key, value) in &upload.fields {
        form = form.text(*key, value.clone());
    }
    Ok(form.part("file", part))
}

/// Statuses that say "try again": the service's own failures and an overloaded gateway. A
/// 507 (quota), 501 or 505 would answer the same every time.
fn transient(status: u16) -> bool {
    matches!(status, 500 | 502 | 503 | 504)
}

fn check_url(url: &str) -> Result<(), String> {
    let Some(rest) = url.strip_prefix("http://") else {
        return if url.starts_with("https://") {
            Ok(())
        } else {
            Err(format!("the service URL `{url}` must start with https://"))
        };
    };
    let host = rest.split(['/', '?']).next().unwrap_or("");
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    let loopback = host == "localhost"
        || host == "[::1]"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback());
    if loopback {
        Ok(())
    } else {
        Err(format!(
            "refusing plain http:// to `{host}`: tokens would travel unencrypted; use https:// \
             (plain http is allowed only to loopback)"
        ))
    }
}

fn interrupted(call: &Call) -> ApiError {
    ApiError::Interrupted {
        endpoint: call.endpoint(),
    }
}

fn transport_error(endpoint: String, e: &reqwest::Error) -> ApiError {
    let cause = error_chain(e);
    if e.is_connect() || e.is_builder() {
        ApiError::Transport { endpoint, cause }
    } else {
        ApiError::Ambiguous { endpoint, cause }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn status_error(endpoint: String, status: StatusCode, body: &[u8]) -> ApiError {
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let code = json["error"]["code"].as_str().map(str::to_string);
    let message = json["error"]["message"]
        .as_str()
        .or_else(|| json["detail"].as_str())
        .map(str::to_string)
        .or_else(|| json.get("detail").map(|d| d.to_string()))
        .unwrap_or_else(|| {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            if text.is_empty() {
                status.canonical_reason().unwrap_or("").to_string()
            } else {
                text.chars().take(300).collect()
            }
        });
    let request_id = json["meta"]["request_id"].as_str().map(str::to_string);
    ApiError::Status {
        endpoint,
        status: status.as_u16(),
        code,
        message,
        request_id,
    }
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return Some(Duration::from_secs_f64(seconds.max(0.0)));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

fn error_retry_after(body: &[u8]) -> Option<Duration> {
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    json["error"]["retry_after"]
        .as_f64()
        .map(|s| Duration::from_secs_f64(s.max(0.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_refused_except_to_loopback() {
        assert!(check_url("http://127.0.0.1:8787").is_ok());
        assert!(check_url("http://localhost:1/x").is_ok());
        assert!(check_url("https://scaidrive.example").is_ok());
        let err = check_url("http://drive.example.com").unwrap_err();
        assert!(err.contains("drive.example.com"), "{err}");
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("retry-after", "3".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        let later = std::time::SystemTime::now() + Duration::from_secs(30);
        h.insert(
            "retry-after",
            httpdate::fmt_http_date(later).parse().unwrap(),
        );
        let d = retry_after(&h).unwrap();
        assert!(
            d > Duration::from_secs(25) && d <= Duration::from_secs(30),
            "{d:?}"
        );
    }

    #[test]
    fn error_body_of_either_shape_is_read() {
        let e = status_error(
            "GET /x".into(),
            StatusCode::CONFLICT,
            br#"{"detail":"taken"}"#,
        );
        assert_eq!(e.to_string(), "GET /x answered 409: taken");
        let body =
            br#"{"error":{"code":"NAME_CONFLICT","message":"exists"},"meta":{"request_id":"r1"}}"#;
        let e = status_error("GET /x".into(), StatusCode::CONFLICT, body);
        assert_eq!(
            e.to_string(),
            "GET /x answered 409 NAME_CONFLICT: exists (request id r1)"
        );
    }
}

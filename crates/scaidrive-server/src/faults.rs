//! Fault injection for `/api/v1` requests: added latency, 429 storms, random 500/502/503
//! answered without doing the work, and responses dropped after the work is done. Every
//! request draws the same number of values from one generator seeded by `Faults::seed`, so a
//! sequential client sees the same faults on every run. Health, readiness, config and the auth
//! endpoints are exempt.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::json;

use crate::config::Faults;
use crate::error::ApiError;
use crate::state::AppState;

/// Response extension asking the outer middleware to close the connection instead of answering.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DropResponse;

/// What the injector decided for one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Verdict {
    Pass { drop: bool },
    Fail(StatusCode),
    Storm { retry_after: u64 },
}

struct Inner {
    faults: Faults,
    rng: StdRng,
    epoch: Instant,
}

/// The current faults and their seeded generator.
pub(crate) struct FaultInjector {
    inner: Mutex<Inner>,
}

impl FaultInjector {
    /// Starts with `faults`.
    pub(crate) fn new(faults: Faults) -> Self {
        let rng = StdRng::seed_from_u64(faults.seed);
        FaultInjector {
            inner: Mutex::new(Inner {
                faults,
                rng,
                epoch: Instant::now(),
            }),
        }
    }

    /// Replaces the faults, reseeding the generator and restarting the storm clock.
    pub(crate) fn set(&self, faults: Faults) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.rng = StdRng::seed_from_u64(faults.seed);
        inner.epoch = Instant::now();
        inner.faults = faults;
    }

    /// A copy of the current faults.
    pub(crate) fn current(&self) -> Faults {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .faults
            .clone()
    }

    /// Decides one request's fate and its added latency.
    pub(crate) fn decide(&self) -> (Duration, Verdict) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let error_roll: f64 = inner.rng.random();
        let drop_roll: f64 = inner.rng.random();
        let kind_roll: u32 = inner.rng.random_range(0..3);
        let faults = &inner.faults;
        if let Some(storm) = faults.storm {
            let elapsed = inner.epoch.elapsed();
            let period = storm.period.max(Duration::from_millis(1));
            let phase = Duration::from_nanos(
                u64::try_from(elapsed.as_nanos() % period.as_nanos()).unwrap_or(0),
            );
            if phase < storm.length {
                let secs =
                    storm.retry_after.as_secs() + u64::from(storm.retry_after.subsec_nanos() > 0);
                return (
                    faults.latency,
                    Verdict::Storm {
                        retry_after: secs.max(1),
                    },
                );
            }
        }
        if error_roll < faults.error_rate {
            let status = [
                StatusCode::INTERNAL_SERVER_ERROR,
                StatusCode::BAD_GATEWAY,
                StatusCode::SERVICE_UNAVAILABLE,
            ][kind_roll as usize];
            return (faults.latency, Verdict::Fail(status));
        }
        (
            faults.latency,
            Verdict::Pass {
                drop: drop_roll < faults.drop_rate,
            },
        )
    }
}

fn is_exempt(path: &str) -> bool {
    matches!(
        path,
        "/health" | "/api/v1/health" | "/api/v1/ready" | "/api/v1/config"
    ) || path.starts_with("/api/v1/auth/")
}

/// Middleware applying the current faults to a request.
pub(crate) async fn inject(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if is_exempt(req.uri().path()) {
        return next.run(req).await;
    }
    let (latency, verdict) = state.faults.decide();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match verdict {
        Verdict::Storm { retry_after } => {
            let mut err = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMITED",
                format!("rate limit exceeded (injected storm); retry in {retry_after} s"),
            )
            .with_details(
                json!({ "dimension": "tenant", "limit": 0, "window_seconds": retry_after }),
            );
            err.retry_after = Some(retry_after);
            err.into_response()
        }
        Verdict::Fail(status) => {
            let code = match status {
                StatusCode::BAD_GATEWAY => "UPSTREAM_UNAVAILABLE",
                StatusCode::SERVICE_UNAVAILABLE => "SERVICE_UNAVAILABLE",
                _ => "INTERNAL_ERROR",
            };
            ApiError::new(status, code, "injected failure").into_response()
        }
        Verdict::Pass { drop } => {
            let mut response = next.run(req).await;
            if drop {
                response.extensions_mut().insert(DropResponse);
            }
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdicts(faults: &Faults, n: usize) -> Vec<Verdict> {
        let injector = FaultInjector::new(faults.clone());
        (0..n).map(|_| injector.decide().1).collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_faults() {
        let faults = Faults {
            seed: 7,
            error_rate: 0.3,
            drop_rate: 0.3,
            ..Faults::default()
        };
        let first = verdicts(&faults, 200);
        assert_eq!(first, verdicts(&faults, 200));
        assert!(first.iter().any(|v| matches!(v, Verdict::Fail(_))));
        assert!(
            first
                .iter()
                .any(|v| matches!(v, Verdict::Pass { drop: true }))
        );
        assert!(
            first
                .iter()
                .any(|v| matches!(v, Verdict::Pass { drop: false }))
        );
    }

    #[test]
    fn no_faults_pass_everything() {
        assert!(
            verdicts(&Faults::default(), 100)
                .iter()
                .all(|v| *v == Verdict::Pass { drop: false })
        );
    }
}

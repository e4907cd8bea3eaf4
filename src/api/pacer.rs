//! Pacing by the service's rate budget, shared by every worker.
//!
//! The service reports the budget of the current window in `X-RateLimit-Limit`,
//! `X-RateLimit-Remaining` and `X-RateLimit-Reset` (a Unix second). Before each request the
//! pacer reserves the request's cost from what it believes is left; when that is not enough it
//! waits for the window to reset instead of provoking a 429. A 429 that still arrives pauses
//! every worker until its `Retry-After` has passed.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;

/// Shared pacing state. Cheap to call from many tasks; no lock is held across an await.
#[derive(Debug, Default)]
pub struct Pacer {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    limit: Option<i64>,
    remaining: Option<i64>,
    reset_at: Option<Instant>,
    in_flight: i64,
    pause_until: Option<Instant>,
}

impl Pacer {
    /// Waits until `cost` units may be spent, then reserves them.
    pub async fn acquire(&self, cost: u32) {
        loop {
            let wait = self.try_reserve(i64::from(cost), Instant::now());
            match wait {
                None => return,
                Some(delay) => tokio::time::sleep(delay).await,
            }
        }
    }

    fn try_reserve(&self, cost: i64, now: Instant) -> Option<Duration> {
        let mut s = self.state.lock().expect("pacer lock");
        if let Some(until) = s.pause_until {
            if until > now {
                return Some(until - now);
            }
            s.pause_until = None;
        }
        if let (Some(reset), Some(limit)) = (s.reset_at, s.limit)
            && reset <= now
        {
            s.remaining = Some(limit - s.in_flight);
            s.reset_at = None;
        }
        if let (Some(remaining), Some(reset)) = (s.remaining, s.reset_at)
            && remaining < cost
        {
            // A little past the reset second, so the service has rolled its window too.
            return Some(reset.saturating_duration_since(now) + Duration::from_millis(50));
        }
        s.remaining = s.remaining.map(|r| r - cost);
        s.in_flight += cost;
        None
    }

    /// Records the budget reported by a response to a request that reserved `cost`.
    pub fn observe(&self, cost: u32, headers: &HeaderMap) {
        let mut s = self.state.lock().expect("pacer lock");
        s.in_flight -= i64::from(cost);
        let number = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<i64>().ok())
        };
        if let Some(limit) = number("x-ratelimit-limit") {
            s.limit = Some(limit);
        }
        if let Some(remaining) = number("x-ratelimit-remaining") {
            let seen = remaining - s.in_flight;
            s.remaining = Some(s.remaining.map_or(seen, |r| r.min(seen)));
        }
        if let Some(reset) = number("x-ratelimit-reset") {
            let now_epoch = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            let ahead =
                Duration::from_secs(u64::try_from(reset).unwrap_or(0)).saturating_sub(now_epoch);
            let reset_at = Instant::now() + ahead;
            if s.reset_at
                .is_none_or(|known| reset_at > known + Duration::from_millis(500))
            {
                // A new window: trust the service's figure.
                if let Some(remaining) = number("x-ratelimit-remaining") {
                    s.remaining = Some(remaining - s.in_flight);
                }
            }
            s.reset_at = Some(reset_at);
        }
    }

    /// Releases a reservation whose request got no answer.
    pub fn release(&self, cost: u32) {
        self.state.lock().expect("pacer lock").in_flight -= i64::from(cost);
    }

    /// Stops every worker from sending until `delay` has passed.
    pub fn pause(&self, delay: Duration) {
        let mut s = self.state.lock().expect("pacer lock");
        let until = Instant::now() + delay;
        s.pause_until = Some(s.pause_until.map_or(until, |u| u.max(until)));
        s.remaining = Some(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(limit: i64, remaining: i64, reset_in: u64) -> HeaderMap {
        let reset = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + reset_in;
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-limit", HeaderValue::from(limit));
        h.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
        h.insert("x-ratelimit-reset", HeaderValue::from(reset));
        h
    }

    #[test]
    fn spends_freely_while_the_budget_lasts() {
        let p = Pacer::default();
        assert_eq!(p.try_reserve(5, Instant::now()), None);
        p.observe(5, &headers(100, 95, 30));
        assert_eq!(p.try_reserve(5, Instant::now()), None);
    }

    #[test]
    fn waits_for_the_reset_when_the_budget_is_spent() {
        let p = Pacer::default();
        assert_eq!(p.try_reserve(5, Instant::now()), None);
        p.observe(5, &headers(100, 3, 30));
        let wait = p.try_reserve(5, Instant::now()).expect("must wait");
        assert!(wait > Duration::from_secs(25), "{wait:?}");
    }

    #[test]
    fn a_pause_holds_every_caller() {
        let p = Pacer::default();
        p.pause(Duration::from_secs(3));
        assert!(p.try_reserve(1, Instant::now()).is_some());
    }
}

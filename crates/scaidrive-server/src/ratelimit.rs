//! The per-token request budget: fixed windows that open at a token's first request, charged
//! in documented units (list 2, write 2, metadata read 1, upload/chunk/content 5). Produces the
//! `X-RateLimit-*` numbers for every response, also when limiting is off (then the budget shown
//! is the documented 1000 and it never runs down, so clients that pace themselves never wait).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, HeaderName, HeaderValue};

use crate::config::RateBudget;

/// The numbers behind the rate-limit headers, and whether the request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Quote {
    pub(crate) limit: u32,
    pub(crate) remaining: u32,
    /// Unix second at which the window resets.
    pub(crate) reset: u64,
    /// Set when refused: whole seconds to wait (at least 1).
    pub(crate) retry_after: Option<u64>,
}

struct Window {
    opened: Instant,
    opened_at: SystemTime,
    used: u32,
}

/// Budgets per token.
#[derive(Default)]
pub(crate) struct RateLimiter {
    budget: Mutex<Option<RateBudget>>,
    windows: Mutex<HashMap<String, Window>>,
}

static LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
static REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
static RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");

fn unix_ceil(t: SystemTime) -> u64 {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

fn ceil_secs(d: Duration) -> u64 {
    (d.as_secs() + u64::from(d.subsec_nanos() > 0)).max(1)
}

impl RateLimiter {
    /// A limiter with the given budget (`None` = unlimited).
    pub(crate) fn new(budget: Option<RateBudget>) -> Self {
        RateLimiter {
            budget: Mutex::new(budget),
            windows: Mutex::default(),
        }
    }

    /// Replaces the budget and forgets every window.
    pub(crate) fn set_budget(&self, budget: Option<RateBudget>) {
        *self.budget.lock().unwrap_or_else(PoisonError::into_inner) = budget;
        self.windows
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    fn budget(&self) -> Option<RateBudget> {
        *self.budget.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The window length in whole seconds (documented 60 when limiting is off).
    pub(crate) fn window_secs(&self) -> u64 {
        ceil_secs(self.budget().unwrap_or_default().window)
    }

    /// Headers for a request that spends nothing (no token, or limiting off).
    pub(crate) fn idle(&self) -> Quote {
        let budget = self.budget().unwrap_or_default();
        Quote {
            limit: budget.units,
            remaining: budget.units,
            reset: unix_ceil(SystemTime::now() + budget.window),
            retry_after: None,
        }
    }

    /// Spends `cost` units of `key`'s window, or refuses without spending.
    pub(crate) fn charge(&self, key: &str, cost: u32) -> Quote {
        let Some(budget) = self.budget() else {
            return self.idle();
        };
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        let window = windows.entry(key.to_owned()).or_insert_with(|| Window {
            opened: now,
            opened_at: SystemTime::now(),
            used: 0,
        });
        if now.duration_since(window.opened) >= budget.window {
            *window = Window {
                opened: now,
                opened_at: SystemTime::now(),
                used: 0,
            };
        }
        let reset = unix_ceil(window.opened_at + budget.window);
        if window.used + cost > budget.units {
            let wait = budget
                .window
                .saturating_sub(now.duration_since(window.opened));
            return Quote {
                limit: budget.units,
                remaining: budget.units - window.used,
                reset,
                retry_after: Some(ceil_secs(wait)),
            };
        }
        window.used += cost;
        Quote {
            limit: budget.units,
            remaining: budget.units - window.used,
            reset,
            retry_after: None,
        }
    }
}

impl Quote {
    /// Writes the three `X-RateLimit-*` headers.
    pub(crate) fn apply(&self, headers: &mut HeaderMap) {
        headers.insert(LIMIT.clone(), HeaderValue::from(self.limit));
        headers.insert(REMAINING.clone(), HeaderValue::from(self.remaining));
        headers.insert(RESET.clone(), HeaderValue::from(self.reset));
    }

    /// Whether a response already carries the headers.
    pub(crate) fn present(headers: &HeaderMap) -> bool {
        headers.contains_key(&LIMIT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_refuses_once_spent_and_reports_the_wait() {
        let limiter = RateLimiter::new(Some(RateBudget {
            units: 10,
            window: Duration::from_secs(30),
        }));
        assert_eq!(limiter.charge("t", 5).remaining, 5);
        assert_eq!(limiter.charge("t", 5).remaining, 0);
        let refused = limiter.charge("t", 1);
        assert_eq!(refused.remaining, 0);
        assert!(refused.retry_after.is_some_and(|s| (1..=30).contains(&s)));
        assert_eq!(limiter.charge("other", 2).remaining, 8);
    }

    #[test]
    fn without_a_budget_nothing_runs_down() {
        let limiter = RateLimiter::new(None);
        for _ in 0..2000 {
            assert_eq!(limiter.charge("t", 5).retry_after, None);
        }
        assert_eq!(limiter.charge("t", 5).remaining, 1000);
    }
}

//! Pacing by the service's rate budget, shared by every worker.
//!
//! The service reports the budget of the current window in `X-RateLimit-Limit`,
//! `X-RateLimit-Remaining` and `X-RateLimit-Reset` (a Unix second). Answers arrive out of
//! order, so the pacer trusts the answer to the request that was *sent* last: its figure
//! already counts everything sent before it, and the pacer subtracts what it reserved for
//! requests sent after it. When the estimate cannot cover a request's cost, the request waits
//! for the window to reset instead of provoking a 429. A 429 that still arrives pauses every
//! worker until its `Retry-After` has passed.
//!
//! A service that does not count (the local server with limiting off reports a full budget
//! on every answer) therefore never makes anyone wait.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;

/// Shared pacing state. Cheap to call from many tasks; no lock is held across an await.
#[derive(Debug, Default)]
pub struct Pacer {
    state: Mutex<State>,
}

/// A reservation: which request it was, its cost, and how much had been reserved once it
/// was made.
#[derive(Debug, Clone, Copy)]
pub struct Ticket {
    seq: u64,
    cost: u64,
    reserved_through: u64,
}

#[derive(Debug, Default)]
struct State {
    next_seq: u64,
    /// Units reserved since the pacer was made.
    reserved: u64,
    /// Units reserved by requests not answered yet.
    in_flight: u64,
    /// The service's word, from the answer to the latest-sent request that was answered.
    report: Option<Report>,
    pause_until: Option<Instant>,
}

#[derive(Debug, Clone, Copy)]
struct Report {
    seq: u64,
    limit: i64,
    remaining: i64,
    /// `reserved` when the request behind this report had been reserved.
    reserved_through: u64,
    /// When the window ends; unknown right after a window rolled, until the next answer.
    reset_at: Option<Instant>,
}

impl Pacer {
    /// Waits until `cost` units may be spent, then reserves them.
    pub async fn acquire(&self, cost: u32) -> Ticket {
        loop {
            match self.try_reserve(u64::from(cost), Instant::now()) {
                Ok(ticket) => return ticket,
                Err(delay) => tokio::time::sleep(delay).await,
            }
        }
    }

    fn try_reserve(&self, cost: u64, now: Instant) -> Result<Ticket, Duration> {
        let mut s = self.state.lock().expect("pacer lock");
        if let Some(until) = s.pause_until {
            if until > now {
                return Err(until - now);
            }
            s.pause_until = None;
        }
        let (reserved, in_flight, latest) = (s.reserved, s.in_flight, s.next_seq);
        if let Some(report) = &mut s.report {
            if report.reset_at.is_some_and(|at| at <= now) {
                // The window rolled: a full budget, less what is still in flight (it may be
                // charged to the new window) and what is sent from now on. Answers to older
                // requests may describe the old window: only newer ones are believed.
                report.remaining = report.limit;
                report.reserved_through = reserved - in_flight;
                report.seq = latest;
                report.reset_at = None;
            }
            let since = i64::try_from(reserved - report.reserved_through).unwrap_or(i64::MAX);
            let left = report.remaining.saturating_sub(since);
            let cost = i64::try_from(cost).unwrap_or(i64::MAX);
            // A request dearer than a whole window is sent anyway rather than never.
            if left < cost && cost <= report.limit {
                // A little past the reset second, so the service has rolled its window too;
                // with the end unknown, soon again, when an answer will have told it.
                let until = report
                    .reset_at
                    .map_or(Duration::ZERO, |at| at.saturating_duration_since(now));
                return Err(until + Duration::from_millis(50));
            }
        }
        s.reserved += cost;
        s.in_flight += cost;
        s.next_seq += 1;
        Ok(Ticket {
            seq: s.next_seq,
            cost,
            reserved_through: s.reserved,
        })
    }

    /// Forgets a reservation whose request got no answer.
    pub fn release(&self, ticket: Ticket) {
        self.state.lock().expect("pacer lock").in_flight -= ticket.cost;
    }

    /// Records the budget reported by the answer to the request behind `ticket`.
    pub fn observe(&self, ticket: Ticket, headers: &HeaderMap) {
        self.release(ticket);
        let number = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<i64>().ok())
        };
        let (Some(limit), Some(remaining), Some(reset)) = (
            number("x-ratelimit-limit"),
            number("x-ratelimit-remaining"),
            number("x-ratelimit-reset"),
        ) else {
            return;
        };
        let now_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let ahead =
            Duration::from_secs(u64::try_from(reset).unwrap_or(0)).saturating_sub(now_epoch);
        if ahead.is_zero() {
            // It describes a window that has ended.
            return;
        }
        let mut s = self.state.lock().expect("pacer lock");
        if s.report.is_some_and(|r| r.seq >= ticket.seq) {
            return;
        }
        s.report = Some(Report {
            seq: ticket.seq,
            limit,
            remaining,
            reserved_through: ticket.reserved_through,
            reset_at: Some(Instant::now() + ahead),
        });
    }

    /// Stops every worker from sending until `delay` has passed.
    pub fn pause(&self, delay: Duration) {
        let mut s = self.state.lock().expect("pacer lock");
        let until = Instant::now() + delay;
        s.pause_until = Some(s.pause_until.map_or(until, |u| u.max(until)));
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

    fn reserve(p: &Pacer, cost: u64) -> Ticket {
        p.try_reserve(cost, Instant::now()).expect("no wait")
    }

    #[test]
    fn spends_freely_while_the_budget_lasts() {
        let p = Pacer::default();
        let t = reserve(&p, 5);
        p.observe(t, &headers(100, 95, 30));
        reserve(&p, 5);
    }

    #[test]
    fn waits_for_the_reset_when_the_budget_is_spent() {
        let p = Pacer::default();
        let t = reserve(&p, 5);
        p.observe(t, &headers(100, 3, 30));
        let wait = p.try_reserve(5, Instant::now()).expect_err("must wait");
        assert!(wait > Duration::from_secs(25), "{wait:?}");
    }

    #[test]
    fn reservations_after_the_last_answer_count_against_it() {
        let p = Pacer::default();
        let t = reserve(&p, 5);
        p.observe(t, &headers(100, 12, 30));
        reserve(&p, 5);
        reserve(&p, 5);
        assert!(p.try_reserve(5, Instant::now()).is_err());
    }

    #[test]
    fn a_late_answer_to_an_earlier_request_does_not_overrule_a_newer_one() {
        let p = Pacer::default();
        let early = reserve(&p, 5);
        let late = reserve(&p, 5);
        p.observe(late, &headers(100, 2, 30));
        p.observe(early, &headers(100, 95, 30));
        assert!(p.try_reserve(5, Instant::now()).is_err());
    }

    #[test]
    fn a_service_that_never_counts_never_makes_anyone_wait() {
        let p = Pacer::default();
        for _ in 0..10_000 {
            let t = reserve(&p, 5);
            p.observe(t, &headers(1000, 1000, 60));
        }
    }

    #[test]
    fn a_new_window_still_counts_the_requests_in_flight() {
        let p = Pacer::default();
        let t = reserve(&p, 5);
        p.observe(t, &headers(10, 5, 1));
        let _in_flight = reserve(&p, 5);
        let later = Instant::now() + Duration::from_secs(3);
        assert!(p.try_reserve(5, later).is_ok());
        assert!(p.try_reserve(5, later).is_err());
    }

    #[test]
    fn a_pause_holds_every_caller() {
        let p = Pacer::default();
        p.pause(Duration::from_secs(3));
        assert!(p.try_reserve(1, Instant::now()).is_err());
    }
}

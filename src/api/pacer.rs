//! Pacing by the service's rate budget, shared by every worker.
//!
//! The service reports the budget of the current window on every answer:
//! `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (a Unix second).
//! Answers arrive out of order, and a request sent earlier may be charged later, so the order
//! in which requests were sent says little. What the figures themselves say is more
//! reliable: a later `Reset` is a later window, and within one window `Remaining` only goes
//! down. The pacer therefore believes the lowest `Remaining` of the latest window it has
//! seen, an exact picture of every answered request, and counts every request still
//! unanswered as not yet charged. That estimate never overspends; it can underspend only while
//! answers are outstanding, so a worker that finds it short waits for the next answer (or for
//! the window to reset, whichever comes first) rather than for the reset alone.
//!
//! When the reset time passes, the budget is taken to be full again, less what is still in
//! flight (it may be charged to the new window). A 429 that still arrives pauses every worker
//! until its `Retry-After` has passed.
//!
//! `X-RateLimit-Reset` has a resolution of one second and the pacer waits for a little past
//! it, so a run loses up to about one second per window to rounding: under 2% of the
//! documented 60-second window.
//!
//! A service that does not count (the local server with limiting off reports a full budget
//! on every answer) therefore never makes anyone wait.

use std::pin::pin;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;
use tokio::sync::Notify;

/// How long past the reported reset second a worker waits, so that the service has rolled its
/// window too.
const PAST_RESET: Duration = Duration::from_millis(50);

/// Shared pacing state. Cheap to call from many tasks; no lock is held across an await.
#[derive(Debug, Default)]
pub struct Pacer {
    state: Mutex<State>,
    /// Woken on every answer: an answer can make room in the estimate.
    answered: Notify,
}

/// A reservation of `cost` units for one request.
#[derive(Debug, Clone, Copy)]
pub struct Ticket {
    cost: u64,
}

#[derive(Debug, Default)]
struct State {
    /// Units of requests sent and not answered yet.
    in_flight: u64,
    /// The service's latest word on the budget.
    report: Option<Report>,
    pause_until: Option<Instant>,
}

#[derive(Debug, Clone, Copy)]
struct Report {
    limit: u64,
    remaining: u64,
    /// The `X-RateLimit-Reset` second the figures belong to.
    reset: u64,
    /// When that window ends here; `None` once it has, until an answer describes the next.
    reset_at: Option<Instant>,
}

/// The figures of one answer's rate-limit headers.
#[derive(Debug, Clone, Copy)]
struct Figures {
    limit: u64,
    remaining: u64,
    reset: u64,
}

/// Why a request cannot be sent yet.
#[derive(Debug, PartialEq, Eq)]
struct Wait {
    /// How long at most.
    until: Duration,
    /// Whether an answer to a request in flight may make room sooner.
    on_answer: bool,
}

impl Pacer {
    /// Waits until `cost` units may be spent, then reserves them.
    pub async fn acquire(&self, cost: u32) -> Ticket {
        loop {
            // Registered before looking, so that an answer in between is not missed.
            let mut answered = pin!(self.answered.notified());
            answered.as_mut().enable();
            let wait = match self.try_reserve(u64::from(cost), Instant::now()) {
                Ok(ticket) => return ticket,
                Err(wait) => wait,
            };
            if wait.on_answer {
                tokio::select! {
                    () = answered => {}
                    () = tokio::time::sleep(wait.until) => {}
                }
            } else {
                tokio::time::sleep(wait.until).await;
            }
        }
    }

    fn try_reserve(&self, cost: u64, now: Instant) -> Result<Ticket, Wait> {
        let mut s = self.state.lock().expect("pacer lock");
        if let Some(until) = s.pause_until {
            if until > now {
                return Err(Wait {
                    until: until - now,
                    on_answer: false,
                });
            }
            s.pause_until = None;
        }
        let in_flight = s.in_flight;
        if let Some(report) = &mut s.report {
            if report.reset_at.is_some_and(|at| at <= now) {
                report.remaining = report.limit;
                report.reset_at = None;
            }
            let left = report.remaining.saturating_sub(in_flight);
            // A request dearer than a whole window is sent anyway rather than never.
            if left < cost && cost <= report.limit {
                let until = report
                    .reset_at
                    .map_or(Duration::ZERO, |at| at.saturating_duration_since(now));
                return Err(Wait {
                    until: until + PAST_RESET,
                    on_answer: in_flight > 0,
                });
            }
        }
        s.in_flight += cost;
        Ok(Ticket { cost })
    }

    /// Forgets a reservation whose request got no answer.
    pub fn release(&self, ticket: Ticket) {
        self.state.lock().expect("pacer lock").in_flight -= ticket.cost;
        self.answered.notify_waiters();
    }

    /// Records the budget reported by the answer to the request behind `ticket`.
    pub fn observe(&self, ticket: Ticket, headers: &HeaderMap) {
        let number = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let figures = match (
            number("x-ratelimit-limit"),
            number("x-ratelimit-remaining"),
            number("x-ratelimit-reset"),
        ) {
            (Some(limit), Some(remaining), Some(reset)) => Some(Figures {
                limit,
                remaining,
                reset,
            }),
            _ => None,
        };
        self.record(ticket, figures, Instant::now(), SystemTime::now());
    }

    fn record(&self, ticket: Ticket, figures: Option<Figures>, now: Instant, wall: SystemTime) {
        let mut s = self.state.lock().expect("pacer lock");
        s.in_flight -= ticket.cost;
        if let Some(f) = figures {
            let now_epoch = wall.duration_since(UNIX_EPOCH).unwrap_or_default();
            let ahead = Duration::from_secs(f.reset).saturating_sub(now_epoch);
            // A window that has ended says nothing about the budget now.
            let newer = match s.report {
                None => true,
                Some(r) => f.reset > r.reset || (f.reset == r.reset && f.remaining < r.remaining),
            };
            if !ahead.is_zero() && newer {
                s.report = Some(Report {
                    limit: f.limit,
                    remaining: f.remaining,
                    reset: f.reset,
                    reset_at: Some(now + ahead),
                });
            }
        }
        drop(s);
        self.answered.notify_waiters();
    }

    /// How long the shared pause after a 429 still lasts.
    pub fn paused_for(&self) -> Duration {
        let s = self.state.lock().expect("pacer lock");
        s.pause_until.map_or(Duration::ZERO, |u| {
            u.saturating_duration_since(Instant::now())
        })
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

    const EPOCH_NOW: u64 = 1_800_000_000;

    fn wall() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(EPOCH_NOW)
    }

    fn figures(limit: u64, remaining: u64, reset_in: u64) -> Option<Figures> {
        Some(Figures {
            limit,
            remaining,
            reset: EPOCH_NOW + reset_in,
        })
    }

    fn reserve(p: &Pacer, cost: u64, now: Instant) -> Ticket {
        p.try_reserve(cost, now).expect("no wait")
    }

    #[test]
    fn spends_freely_while_the_budget_lasts() {
        let (p, now) = (Pacer::default(), Instant::now());
        let t = reserve(&p, 5, now);
        p.record(t, figures(100, 95, 30), now, wall());
        for _ in 0..19 {
            reserve(&p, 5, now);
        }
        assert!(p.try_reserve(5, now).is_err());
    }

    #[test]
    fn waits_for_the_reset_when_the_budget_is_spent() {
        let (p, now) = (Pacer::default(), Instant::now());
        let t = reserve(&p, 5, now);
        p.record(t, figures(100, 3, 30), now, wall());
        let wait = p.try_reserve(5, now).expect_err("must wait");
        assert_eq!(wait.until, Duration::from_secs(30) + PAST_RESET);
        assert!(!wait.on_answer, "nothing in flight to wait for");
        assert!(p.try_reserve(5, now + Duration::from_secs(31)).is_ok());
    }

    #[test]
    fn requests_in_flight_count_as_not_yet_charged() {
        let (p, now) = (Pacer::default(), Instant::now());
        let t = reserve(&p, 5, now);
        p.record(t, figures(100, 12, 30), now, wall());
        let a = reserve(&p, 5, now);
        let _b = reserve(&p, 5, now);
        let wait = p.try_reserve(5, now).expect_err("12 - 10 < 5");
        assert!(wait.on_answer, "an answer may show the budget is larger");
        // The answer to `a` shows it had already been charged before the first answer: the
        // figure stays, and room is made.
        p.record(a, figures(100, 12, 30), now, wall());
        assert!(p.try_reserve(5, now).is_ok());
    }

    #[test]
    fn a_request_sent_earlier_but_charged_later_is_not_overlooked() {
        let (p, now) = (Pacer::default(), Instant::now());
        // `early` is sent first but reaches the service after `late`.
        let early = reserve(&p, 5, now);
        let late = reserve(&p, 5, now);
        p.record(late, figures(100, 10, 30), now, wall());
        // With `early` unanswered, only 10 - 5 are certain.
        assert!(p.try_reserve(10, now).is_err());
        p.record(early, figures(100, 5, 30), now, wall());
        assert!(p.try_reserve(5, now).is_ok());
        assert!(p.try_reserve(1, now).is_err());
    }

    #[test]
    fn the_lowest_figure_of_a_window_wins_whatever_the_order_of_answers() {
        let (p, now) = (Pacer::default(), Instant::now());
        let a = reserve(&p, 5, now);
        let b = reserve(&p, 5, now);
        p.record(b, figures(100, 2, 30), now, wall());
        p.record(a, figures(100, 95, 30), now, wall());
        assert!(p.try_reserve(5, now).is_err());
    }

    #[test]
    fn a_later_window_replaces_an_earlier_one() {
        let (p, now) = (Pacer::default(), Instant::now());
        let a = reserve(&p, 5, now);
        let b = reserve(&p, 5, now);
        p.record(a, figures(100, 0, 1), now, wall());
        let later = now + Duration::from_secs(2);
        let wall_later = wall() + Duration::from_secs(2);
        p.record(b, figures(100, 95, 32), later, wall_later);
        // An old window's figure is ignored, however low.
        let c = reserve(&p, 5, later);
        p.record(c, figures(100, 0, 1), later, wall_later);
        assert!(p.try_reserve(5, later).is_ok());
    }

    #[test]
    fn a_service_that_never_counts_never_makes_anyone_wait() {
        let (p, now) = (Pacer::default(), Instant::now());
        for _ in 0..10_000 {
            let t = reserve(&p, 5, now);
            p.record(t, figures(1000, 1000, 60), now, wall());
        }
    }

    #[test]
    fn a_new_window_still_counts_the_requests_in_flight() {
        let (p, now) = (Pacer::default(), Instant::now());
        let t = reserve(&p, 5, now);
        p.record(t, figures(10, 5, 1), now, wall());
        let _in_flight = reserve(&p, 5, now);
        let later = now + Duration::from_secs(3);
        assert!(p.try_reserve(5, later).is_ok());
        assert!(p.try_reserve(5, later).is_err());
    }

    #[test]
    fn an_answer_without_figures_still_frees_its_reservation() {
        let (p, now) = (Pacer::default(), Instant::now());
        let t = reserve(&p, 5, now);
        p.record(t, figures(10, 10, 30), now, wall());
        let a = reserve(&p, 5, now);
        let _b = reserve(&p, 5, now);
        assert!(p.try_reserve(5, now).is_err());
        p.record(a, None, now, wall());
        assert!(p.try_reserve(5, now).is_ok());
    }

    #[test]
    fn a_pause_holds_every_caller() {
        let p = Pacer::default();
        p.pause(Duration::from_secs(3));
        let wait = p.try_reserve(1, Instant::now()).expect_err("paused");
        assert!(!wait.on_answer);
    }

    #[tokio::test]
    async fn a_waiting_worker_wakes_when_an_answer_makes_room() {
        let p = std::sync::Arc::new(Pacer::default());
        let now = Instant::now();
        let t = reserve(&p, 5, now);
        p.record(t, figures(100, 10, 60), now, wall());
        let a = reserve(&p, 5, now);
        let _b = reserve(&p, 5, now);
        let waiter = tokio::spawn({
            let p = p.clone();
            async move { p.acquire(5).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiter.is_finished(), "no room yet");
        p.record(a, figures(100, 10, 60), Instant::now(), wall());
        let woke = tokio::time::timeout(Duration::from_secs(5), waiter).await;
        assert!(woke.is_ok(), "still waiting for a reset a minute away");
    }
}

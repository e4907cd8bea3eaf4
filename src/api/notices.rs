//! Telling the user about retries: one warning line per retry, thinned out so that a long
//! outage or a 429 storm does not flood the output.
//!
//! With `-v` every retry is told. By default the first retry of each kind (each status, a
//! connection error, a lost answer) is told at once, and after that at most one line every
//! [`QUIET_INTERVAL`], which also counts the retries not told since. With `-q` none is told:
//! `-q` shows only errors and the final result, and the summary counts the retries.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// At default verbosity, the shortest time between two notices of a kind already told.
pub const QUIET_INTERVAL: Duration = Duration::from_secs(5);

/// Where a notice line goes (without the `warning: ` prefix).
pub type Sink = Arc<dyn Fn(&str) + Send + Sync>;

pub struct Notices {
    state: Mutex<State>,
}

struct State {
    /// -1 quiet, 0 default, 1+ verbose.
    verbosity: i8,
    sink: Sink,
    kinds: HashSet<String>,
    last: Option<Instant>,
    /// Retries not told since the last notice.
    untold: u64,
}

impl Default for Notices {
    fn default() -> Notices {
        Notices {
            state: Mutex::new(State {
                verbosity: 0,
                sink: Arc::new(|line| eprintln!("warning: {line}")),
                kinds: HashSet::new(),
                last: None,
                untold: 0,
            }),
        }
    }
}

impl Notices {
    pub fn set_verbosity(&self, verbosity: i8) {
        self.state.lock().expect("notices lock").verbosity = verbosity;
    }

    pub fn set_sink(&self, sink: Sink) {
        self.state.lock().expect("notices lock").sink = sink;
    }

    /// A retry of `kind` is about to happen; `line` says what, why, which attempt and how long
    /// the wait is.
    pub fn retry(&self, kind: &str, line: &str) {
        let told = {
            let mut s = self.state.lock().expect("notices lock");
            s.decide(kind, Instant::now())
                .map(|untold| (s.sink.clone(), untold))
        };
        if let Some((sink, untold)) = told {
            match untold {
                0 => sink(line),
                n => sink(&format!("{line} ({n} more retries since the last notice)")),
            }
        }
    }
}

impl State {
    /// Whether to tell this retry, and if so how many were not told before it.
    fn decide(&mut self, kind: &str, now: Instant) -> Option<u64> {
        let tell = match self.verbosity {
            ..0 => false,
            0 => {
                let new_kind = self.kinds.insert(kind.to_string());
                new_kind || self.last.is_none_or(|at| now - at >= QUIET_INTERVAL)
            }
            _ => true,
        };
        if !tell {
            self.untold += 1;
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.untold))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(verbosity: i8) -> State {
        State {
            verbosity,
            sink: Arc::new(|_| {}),
            kinds: HashSet::new(),
            last: None,
            untold: 0,
        }
    }

    #[test]
    fn by_default_the_first_of_each_kind_then_one_every_few_seconds() {
        let mut s = state(0);
        let t = Instant::now();
        assert_eq!(s.decide("503", t), Some(0));
        assert_eq!(s.decide("503", t + Duration::from_secs(1)), None);
        assert_eq!(s.decide("connection", t + Duration::from_secs(2)), Some(1));
        assert_eq!(s.decide("503", t + Duration::from_secs(3)), None);
        assert_eq!(s.decide("503", t + Duration::from_secs(4)), None);
        assert_eq!(s.decide("503", t + Duration::from_secs(7)), Some(2));
    }

    #[test]
    fn verbose_tells_every_retry_and_quiet_none() {
        let mut verbose = state(1);
        let mut quiet = state(-1);
        let t = Instant::now();
        for _ in 0..5 {
            assert_eq!(verbose.decide("503", t), Some(0));
            assert_eq!(quiet.decide("503", t), None);
        }
    }
}

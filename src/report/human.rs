//! Human progress on stderr: a live bar on a terminal, a plain line every few seconds in CI.
//! Both show files and bytes done, the rate, and the transfers in progress.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{Event, Reporter, describe};
use crate::plan::{Action, Task};

/// How often a plain progress line is written when stderr is not a terminal.
const PLAIN_INTERVAL: Duration = Duration::from_secs(10);

pub struct Human {
    verbosity: i8,
    bar: Option<ProgressBar>,
    started: Instant,
    total_tasks: AtomicU64,
    total_bytes: AtomicU64,
    done_tasks: AtomicU64,
    sent_bytes: AtomicU64,
    last_line: Mutex<Instant>,
    /// Uploads in progress: task id to remote path.
    sending: Mutex<BTreeMap<usize, String>>,
}

impl Human {
    /// `verbosity`: -1 quiet, 0 normal, 1+ every task.
    pub fn new(verbosity: i8) -> Human {
        let live = std::io::stderr().is_terminal() && verbosity >= 0;
        let bar = live.then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:30} {bytes}/{total_bytes} \
                     {bytes_per_sec} ETA {eta} {msg}",
                )
                .expect("valid template"),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Human {
            verbosity,
            bar,
            started: Instant::now(),
            total_tasks: AtomicU64::new(0),
            total_bytes: AtomicU64::new(0),
            done_tasks: AtomicU64::new(0),
            sent_bytes: AtomicU64::new(0),
            last_line: Mutex::new(Instant::now()),
            sending: Mutex::new(BTreeMap::new()),
        }
    }

    fn say(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(super::terminal_safe_line(line)),
            None => eprintln!("{}", super::terminal_safe_line(line)),
        }
    }

    /// The transfers in progress, shortly: the first by path and how many more.
    fn transfers(&self) -> String {
        let sending = self.sending.lock().expect("progress lock");
        let Some(first) = sending.values().min() else {
            return String::new();
        };
        match sending.len() {
            1 => format!(", sending {first}"),
            n => format!(", sending {first} and {} more", n - 1),
        }
    }

    fn track(&self, task: &Task, started: bool) {
        if !matches!(task.action, Action::Upload { .. } | Action::Replace { .. }) {
            return;
        }
        let mut sending = self.sending.lock().expect("progress lock");
        if started {
            sending.insert(task.id, task.path.clone());
        } else {
            sending.remove(&task.id);
        }
    }

    fn tick(&self) {
        let done = self.done_tasks.load(Ordering::Relaxed);
        let total = self.total_tasks.load(Ordering::Relaxed);
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{done}/{total} tasks{}", self.transfers()));
            return;
        }
        let mut last = self.last_line.lock().expect("progress lock");
        if self.verbosity < 0 || last.elapsed() < PLAIN_INTERVAL {
            return;
        }
        *last = Instant::now();
        let sent = self.sent_bytes.load(Ordering::Relaxed);
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        eprintln!(
            "progress: {done}/{total} tasks, {} of {} sent, {}/s, {:.0}s elapsed{}",
            super::human_bytes(sent),
            super::human_bytes(self.total_bytes.load(Ordering::Relaxed)),
            super::human_bytes((sent as f64 / secs) as u64),
            secs,
            self.transfers()
        );
    }
}

impl Reporter for Human {
    fn event(&self, event: Event<'_>) {
        match event {
            Event::Started { tasks, bytes } => {
                self.total_tasks.store(tasks as u64, Ordering::Relaxed);
                self.total_bytes.store(bytes, Ordering::Relaxed);
                if let Some(bar) = &self.bar {
                    bar.set_length(bytes);
                }
            }
            Event::TaskStarted { task } => self.track(task, true),
            Event::TaskDone { task, detail } => {
                self.track(task, false);
                self.done_tasks.fetch_add(1, Ordering::Relaxed);
                if self.verbosity > 0 {
                    let extra = if detail.is_empty() {
                        String::new()
                    } else {
                        format!(" {detail}")
                    };
                    self.say(&format!("done: {}{extra}", describe(task)));
                }
                self.tick();
            }
            Event::TaskFailed { task, error } => {
                self.track(task, false);
                self.done_tasks.fetch_add(1, Ordering::Relaxed);
                self.say(&format!("FAILED: {}: {error}", describe(task)));
            }
            Event::TaskInterrupted { task } => {
                self.track(task, false);
                if self.verbosity > 0 {
                    self.say(&format!(
                        "stopped: {} (the next run picks it up)",
                        describe(task)
                    ));
                }
            }
            Event::TaskSkipped { task, because } => {
                if self.verbosity >= 0 {
                    self.say(&format!(
                        "skipped: {} (task {because} failed)",
                        describe(task)
                    ));
                }
            }
            Event::Sent(bytes) => {
                self.sent_bytes.fetch_add(bytes, Ordering::Relaxed);
                if let Some(bar) = &self.bar {
                    bar.inc(bytes);
                }
            }
            Event::Warning(message) => {
                if self.verbosity >= 0 {
                    self.say(&format!("warning: {message}"));
                }
            }
            Event::Note(message) => {
                if self.verbosity >= 0 {
                    self.say(&format!("note: {message}"));
                }
            }
            Event::Interrupted => self.say(
                "interrupted: letting requests in flight finish, sending no new ones \
                     (Ctrl-C again to exit at once)",
            ),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

//! Progress of a long campaign: a bar with runs, runs per second, violations and time
//! left on a terminal; a plain line every few seconds in CI logs. Wall-clock time is
//! read here for people only; it never reaches a run.

use std::cell::Cell;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// How often a plain progress line is printed when stderr is not a terminal.
const PLAIN_EVERY: Duration = Duration::from_secs(5);

pub struct Progress {
    started: Instant,
    bar: Option<ProgressBar>,
    last_line: Cell<Duration>,
    total: Option<u64>,
    budget: Option<Duration>,
}

impl Progress {
    /// `total` runs if known, and the time budget if any.
    pub fn new(total: Option<u64>, budget: Option<Duration>) -> Progress {
        #[allow(clippy::disallowed_methods)] // Wall time for people, never for runs.
        let started = Instant::now();
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = match total {
                Some(n) => ProgressBar::new(n),
                None => ProgressBar::new_spinner(),
            };
            let template = if total.is_some() {
                "{bar:30} {pos}/{len} runs  {per_sec}  {msg}  eta {eta}"
            } else {
                "{spinner} {pos} runs  {per_sec}  {msg}"
            };
            bar.set_style(ProgressStyle::with_template(template).expect("the template is valid"));
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Progress { started, bar, last_line: Cell::new(Duration::ZERO), total, budget }
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Whether the time budget is spent.
    pub fn out_of_time(&self) -> bool {
        self.budget.is_some_and(|b| self.elapsed() >= b)
    }

    pub fn update(&self, runs: u64, violations: u64) {
        let elapsed = self.elapsed();
        let left = self.budget.map(|b| b.saturating_sub(elapsed));
        if let Some(bar) = &self.bar {
            bar.set_position(runs);
            let time_left = left.map_or(String::new(), |l| format!(", {}s left", l.as_secs()));
            bar.set_message(format!("{violations} violations{time_left}"));
        } else if elapsed >= self.last_line.get() + PLAIN_EVERY {
            self.last_line.set(elapsed);
            let of = self.total.map_or(String::new(), |t| format!("/{t}"));
            let time_left = left.map_or(String::new(), |l| format!(", {}s left", l.as_secs()));
            eprintln!(
                "progress: {runs}{of} runs, {violations} violations, {:.0} runs/s{time_left}",
                runs as f64 / elapsed.as_secs_f64().max(1e-9)
            );
        }
    }

    /// Prints `line` above the bar (or plainly), so findings are not overdrawn.
    pub fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| print!("{line}")),
            None => print!("{line}"),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

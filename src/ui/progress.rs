//! A progress bar on stderr that appears only for work that lasts: it is created after 0.7 s,
//! never when stderr is not a terminal or the user asked for quiet.
//!
//! The ETA is ours, not indicatif's `{eta}`: the bar only exists from 0.7 s on, so indicatif saw
//! the work already done arrive in one instant and extrapolated from that burst and from the last
//! few steps ("54 % eta 3 s" for an export that took 14 s more). [`Eta`] divides the work left by
//! the average rate over all the time since the work started.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

pub struct Progress {
    bar: Option<ProgressBar>,
    /// The run this bar is one line of ([`Run`]), if any.
    multi: Option<MultiProgress>,
    enabled: bool,
    started: Instant,
    total: u64,
    label: String,
}

const DELAY: Duration = Duration::from_millis(700);

/// Time left from the work done so far: `(total − done) / (done / elapsed)`. Pure (the caller
/// passes the clock), so it is tested with made-up times.
#[derive(Debug, Clone, Copy)]
pub struct Eta {
    total: u64,
}

impl Eta {
    pub fn new(total: u64) -> Self {
        Self { total }
    }

    /// Seconds left after `done` units in `elapsed_s` seconds; `None` before there is a rate.
    pub fn left_s(&self, done: u64, elapsed_s: f64) -> Option<f64> {
        if done == 0 || elapsed_s.is_nan() || elapsed_s <= 0.0 {
            return None;
        }
        let rate = done as f64 / elapsed_s;
        Some(self.total.saturating_sub(done) as f64 / rate)
    }

    /// "eta 12 s", "eta 3 min 05 s", or "eta …" before there is a rate.
    pub fn text(&self, done: u64, elapsed_s: f64) -> String {
        match self.left_s(done, elapsed_s) {
            None => String::from("eta …"),
            Some(s) => {
                let s = s.ceil() as u64;
                if s < 60 {
                    format!("eta {s} s")
                } else {
                    format!("eta {} min {:02} s", s / 60, s % 60)
                }
            }
        }
    }
}

impl Progress {
    pub fn new(total: u64, label: impl Into<String>, quiet: bool) -> Self {
        let enabled = !quiet && std::io::stderr().is_terminal();
        Self {
            bar: None,
            multi: None,
            enabled,
            started: Instant::now(),
            total,
            label: label.into(),
        }
    }

    pub fn set(&mut self, done: u64) {
        if !self.enabled {
            return;
        }
        let elapsed = self.started.elapsed();
        if self.bar.is_none() && elapsed >= DELAY && done < self.total {
            let bar = ProgressBar::new(self.total);
            let style = ProgressStyle::with_template("{prefix} [{bar:30}] {percent:>3}% {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(self.label.clone());
            let bar = match &self.multi {
                Some(m) => m.add(bar),
                None => bar,
            };
            self.bar = Some(bar);
        }
        if let Some(b) = &self.bar {
            b.set_position(done);
            b.set_message(Eta::new(self.total).text(done, elapsed.as_secs_f64()));
        }
    }

    /// [`set`](Self::set) for callbacks that report the total with every step (e.g.
    /// `Player::start`'s): a bar created before the total is known takes it from here.
    pub fn set_of(&mut self, done: u64, total: u64) {
        self.total = total;
        self.set(done);
    }

    pub fn finish(self) {
        if let Some(b) = self.bar {
            b.finish_and_clear();
        }
    }
}

/// Progress of a run of several files at once: one line for the whole run (files done of all,
/// elapsed time) above one [`Progress`] line per file in flight. Drawn only on a terminal and
/// when not quiet.
pub struct Run {
    multi: MultiProgress,
    /// The whole run's line, for more than one file.
    overall: Option<ProgressBar>,
    quiet: bool,
}

impl Run {
    pub fn new(files: u64, label: &str, quiet: bool) -> Self {
        let enabled = !quiet && std::io::stderr().is_terminal();
        let multi = MultiProgress::with_draw_target(if enabled {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        });
        let overall = (files > 1).then(|| {
            let bar = multi.add(ProgressBar::new(files));
            let style = ProgressStyle::with_template("{prefix} {pos}/{len} files [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_prefix(label.to_string());
            bar
        });
        Self {
            multi,
            overall,
            quiet,
        }
    }

    /// A line for one file of the run (shown, like any [`Progress`], once it lasts 0.7 s).
    pub fn file(&self, total: u64, label: impl Into<String>) -> Progress {
        let mut p = Progress::new(total, label, self.quiet);
        p.multi = Some(self.multi.clone());
        p
    }

    /// One more file is done.
    pub fn done_one(&self) {
        if let Some(b) = &self.overall {
            b.inc(1);
        }
    }

    /// Runs `f` (which prints) with the bars out of the way.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.multi.suspend(f)
    }

    pub fn finish(self) {
        if let Some(b) = self.overall {
            b.finish_and_clear();
        }
        let _ = self.multi.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eta_from_the_average_rate_since_the_start() {
        let eta = Eta::new(1000);
        assert_eq!(eta.left_s(0, 1.0), None);
        assert_eq!(eta.left_s(10, 0.0), None);
        // Steady 100 units/s, first asked at 0.7 s (when the bar appears, 70 units done): the
        // time left is 9.3 s, not the "70 units in no time" a bar created late would see.
        assert!((eta.left_s(70, 0.7).expect("rate") - 9.3).abs() < 1e-9);
        // 540 of 1000 after 6.3 s (a slow start, then faster): 460 / (540 / 6.3) = 5.37 s.
        assert!((eta.left_s(540, 6.3).expect("rate") - 460.0 * 6.3 / 540.0).abs() < 1e-9);
        assert_eq!(eta.left_s(1000, 9.0), Some(0.0));
    }

    #[test]
    fn eta_text() {
        let eta = Eta::new(100);
        assert_eq!(eta.text(0, 0.5), "eta …");
        assert_eq!(eta.text(50, 10.0), "eta 10 s");
        assert_eq!(eta.text(10, 10.0), "eta 1 min 30 s");
        assert_eq!(eta.text(1, 1.0), "eta 1 min 39 s");
    }
}

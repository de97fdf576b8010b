//! A progress bar on stderr that appears only for work that lasts: it is shown after 0.7 s,
//! never when stderr is not a terminal or the user asked for quiet.
//!
//! The time left is indicatif's `{eta}`. The bar exists, hidden, from the first step on: a bar
//! created only when it is shown saw the work already done arrive in one instant and
//! extrapolated from that burst ("54 % eta 3 s" for an export that took 14 s more).

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

pub struct Progress {
    /// Counting from the start, drawn once the work has lasted [`DELAY`]; `None` when disabled.
    bar: Option<ProgressBar>,
    shown: bool,
    /// The run this bar is one line of ([`Run`]), if any.
    multi: Option<MultiProgress>,
    started: Instant,
}

const DELAY: Duration = Duration::from_millis(700);

impl Progress {
    pub fn new(total: u64, label: impl Into<String>, quiet: bool) -> Self {
        Self::with_enabled(total, label, !quiet && std::io::stderr().is_terminal())
    }

    fn with_enabled(total: u64, label: impl Into<String>, enabled: bool) -> Self {
        let bar = enabled.then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
            let style = ProgressStyle::with_template("{prefix} [{bar:30}] {percent:>3}% eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(label.into());
            bar
        });
        Self {
            bar,
            shown: false,
            multi: None,
            started: Instant::now(),
        }
    }

    pub fn set(&mut self, done: u64) {
        let Some(bar) = &self.bar else {
            return;
        };
        bar.set_position(done);
        let total = bar.length().unwrap_or(0);
        if !self.shown && self.started.elapsed() >= DELAY && done < total {
            match &self.multi {
                Some(m) => {
                    m.add(bar.clone());
                }
                None => bar.set_draw_target(ProgressDrawTarget::stderr()),
            }
            self.shown = true;
        }
    }

    /// [`set`](Self::set) for callbacks that report the total with every step (e.g.
    /// `Player::start`'s): a bar created before the total is known takes it from here.
    pub fn set_of(&mut self, done: u64, total: u64) {
        if let Some(b) = &self.bar {
            b.set_length(total);
        }
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
            // The elapsed time moves on between files too (it stood still for minutes while
            // album-length files were in flight).
            if enabled {
                bar.enable_steady_tick(std::time::Duration::from_secs(1));
            }
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

    /// The bar counts from the first step, hidden, so indicatif's estimate of the time left
    /// covers all the work; it is drawn only once the work lasts.
    #[test]
    fn the_bar_counts_from_the_start_and_shows_late() {
        let mut p = Progress::with_enabled(1000, "x", true);
        p.set(70);
        let bar = p.bar.clone().expect("enabled");
        assert_eq!(bar.position(), 70);
        assert!(bar.is_hidden() && !p.shown);
        p.set_of(80, 2000);
        assert_eq!((bar.position(), bar.length()), (80, Some(2000)));
        let mut off = Progress::with_enabled(1000, "x", false);
        off.set(10);
        assert!(off.bar.is_none());
    }
}

//! A progress bar on stderr that appears only for work that lasts: it is created after 0.7 s,
//! never when stderr is not a terminal or the user asked for quiet.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

pub struct Progress {
    bar: Option<ProgressBar>,
    enabled: bool,
    started: Instant,
    total: u64,
    label: String,
}

const DELAY: Duration = Duration::from_millis(700);

impl Progress {
    pub fn new(total: u64, label: impl Into<String>, quiet: bool) -> Self {
        let enabled = !quiet && std::io::stderr().is_terminal();
        Self {
            bar: None,
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
        if self.bar.is_none() && self.started.elapsed() >= DELAY && done < self.total {
            let bar = ProgressBar::new(self.total);
            let style = ProgressStyle::with_template("{msg} [{bar:30}] {percent:>3}% eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            bar.set_style(style);
            bar.set_message(self.label.clone());
            self.bar = Some(bar);
        }
        if let Some(b) = &self.bar {
            b.set_position(done);
        }
    }

    pub fn finish(self) {
        if let Some(b) = self.bar {
            b.finish_and_clear();
        }
    }
}

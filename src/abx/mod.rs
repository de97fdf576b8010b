//! The state of a blind ABX session, with no clock, device or terminal.
//!
//! In each trial the listener hears A, B and X, where X is secretly A or B, and says which.
//! The hidden choice of a trial is drawn only when that trial starts, from a source the caller
//! provides: fresh OS randomness per trial in real use (so nothing about later trials exists in
//! memory or can be predicted from earlier ones), a seeded generator for reproducible tests.
//! Times are passed in by the caller (seconds since the session started): this module reads no
//! clock. The score is judged with [`stats::verdict`]. Pure like `dsp` (which it uses only for the
//! seeded generator), but not signal processing, so it lives beside it.

pub mod stats;

use crate::dsp::dither::XorShift64;
use serde::{Deserialize, Serialize};
use stats::Verdict;

/// One of the two compared profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Choice {
    A,
    B,
}

impl Choice {
    /// "A" or "B".
    pub fn label(self) -> &'static str {
        match self {
            Choice::A => "A",
            Choice::B => "B",
        }
    }

    /// A for `false`, B for `true` (a fair coin maps to a fair choice).
    pub fn from_bit(bit: bool) -> Self {
        if bit {
            Choice::B
        } else {
            Choice::A
        }
    }
}

/// One answered trial.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    pub hidden: Choice,
    pub answer: Choice,
    pub correct: bool,
    /// When the trial started, seconds since the session started.
    pub t_start_s: f64,
    /// When the answer was given, seconds since the session started.
    pub t_answer_s: f64,
}

/// Misuse of the session's order of calls.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AbxError {
    #[error("all {0} trials are already answered")]
    Finished(u32),
    #[error("trial {0} has already started and is waiting for an answer")]
    TrialInProgress(u32),
    #[error("no trial is in progress: start one before answering")]
    NoTrial,
}

/// Where hidden choices come from; called once per trial, at the trial's start.
pub type HiddenSource = Box<dyn FnMut() -> Choice + Send>;

/// A seeded, deterministic source: the same seed gives the same hidden sequence.
pub fn seeded_source(seed: u64) -> HiddenSource {
    let mut rng = XorShift64::seeded(seed);
    // The top bit: xorshift64*'s best-mixed output bit.
    Box::new(move || Choice::from_bit(rng.next_u64() >> 63 == 1))
}

/// A blind ABX session of a fixed number of trials.
pub struct AbxSession {
    planned: u32,
    source: HiddenSource,
    trials: Vec<Trial>,
    /// The trial in progress: its hidden choice and start time.
    current: Option<(Choice, f64)>,
}

impl std::fmt::Debug for AbxSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the hidden choice of the trial in progress.
        f.debug_struct("AbxSession")
            .field("planned", &self.planned)
            .field("answered", &self.trials.len())
            .field("in_progress", &self.current.is_some())
            .finish()
    }
}

impl AbxSession {
    /// `trials` planned trials, hidden choices drawn from `source` one trial at a time.
    pub fn new(trials: u32, source: HiddenSource) -> Self {
        Self {
            planned: trials,
            source,
            trials: Vec::with_capacity(trials as usize),
            current: None,
        }
    }

    /// Starts the next trial at `t_s` and returns its hidden choice (the player needs it to
    /// route X; the listener must not see it).
    pub fn start_trial(&mut self, t_s: f64) -> Result<Choice, AbxError> {
        if self.current.is_some() {
            return Err(AbxError::TrialInProgress(self.trial_number()));
        }
        if self.finished() {
            return Err(AbxError::Finished(self.planned));
        }
        let hidden = (self.source)();
        self.current = Some((hidden, t_s));
        Ok(hidden)
    }

    /// Answers the trial in progress at `t_s`; returns the recorded trial.
    pub fn answer(&mut self, answer: Choice, t_s: f64) -> Result<Trial, AbxError> {
        let (hidden, t_start_s) = self.current.take().ok_or(AbxError::NoTrial)?;
        let trial = Trial {
            hidden,
            answer,
            correct: hidden == answer,
            t_start_s,
            t_answer_s: t_s,
        };
        self.trials.push(trial);
        Ok(trial)
    }

    /// 1-based number of the trial in progress, or of the next one to start.
    pub fn trial_number(&self) -> u32 {
        self.trials.len() as u32 + 1
    }

    /// Planned number of trials.
    pub fn planned(&self) -> u32 {
        self.planned
    }

    /// Answered trials, in order.
    pub fn trials(&self) -> &[Trial] {
        &self.trials
    }

    /// (correct, answered).
    pub fn score(&self) -> (u32, u32) {
        let k = self.trials.iter().filter(|t| t.correct).count() as u32;
        (k, self.trials.len() as u32)
    }

    /// P(at least this score by guessing) over the answered trials.
    pub fn p_value(&self) -> f64 {
        let (k, n) = self.score();
        stats::binomial_p_at_least(k, n, 0.5)
    }

    /// The score judged in words, over the answered trials.
    pub fn verdict(&self) -> Verdict {
        let (k, n) = self.score();
        stats::verdict(k, n)
    }

    /// All planned trials answered.
    pub fn finished(&self) -> bool {
        self.trials.len() as u32 >= self.planned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only these tests need them.
    impl AbxSession {
        /// A reproducible session (tests, `--seed`).
        fn seeded(trials: u32, seed: u64) -> Self {
            Self::new(trials, seeded_source(seed))
        }

        /// The hidden choice of the trial in progress, if any.
        fn current_hidden(&self) -> Option<Choice> {
            self.current.map(|(h, _)| h)
        }
    }

    #[test]
    fn nearby_seeds_give_different_sequences() {
        let seq = |seed| {
            let mut s = seeded_source(seed);
            (0..16).map(|_| s()).collect::<Vec<_>>()
        };
        let all: Vec<_> = (0..20).map(seq).collect();
        for i in 0..all.len() {
            for j in i + 1..all.len() {
                assert_ne!(all[i], all[j], "seeds {i} and {j}");
            }
        }
    }

    fn scripted(hidden: Vec<Choice>) -> HiddenSource {
        let mut it = hidden.into_iter();
        Box::new(move || it.next().unwrap_or(Choice::A))
    }

    #[test]
    fn records_trials_and_scores() {
        use Choice::{A, B};
        let mut s = AbxSession::new(4, scripted(vec![A, B, B, A]));
        let answers = [A, B, A, B];
        for (i, &ans) in answers.iter().enumerate() {
            let t0 = i as f64 * 10.0;
            let hidden = s.start_trial(t0).unwrap();
            assert_eq!(s.current_hidden(), Some(hidden));
            let t = s.answer(ans, t0 + 3.5).unwrap();
            assert_eq!(t.hidden, hidden);
            assert_eq!(t.correct, hidden == ans);
            assert_eq!((t.t_start_s, t.t_answer_s), (t0, t0 + 3.5));
        }
        assert!(s.finished());
        assert_eq!(s.score(), (2, 4));
        // P(X ≥ 2 | n = 4) = (6 + 4 + 1) / 16.
        assert!((s.p_value() - 11.0 / 16.0).abs() < 1e-12);
        assert_eq!(s.start_trial(50.0), Err(AbxError::Finished(4)));
    }

    #[test]
    fn call_order_is_enforced() {
        let mut s = AbxSession::seeded(2, 1);
        assert_eq!(s.answer(Choice::A, 0.0), Err(AbxError::NoTrial));
        s.start_trial(0.0).unwrap();
        assert_eq!(s.start_trial(1.0), Err(AbxError::TrialInProgress(1)));
        assert_eq!(s.trials().len(), 0);
        assert!(!format!("{s:?}").contains("hidden"));
    }

    #[test]
    fn draws_hidden_choice_only_when_a_trial_starts() {
        use std::sync::atomic::{AtomicU32, Ordering};
        use std::sync::Arc;
        let calls = Arc::new(AtomicU32::new(0));
        let c = Arc::clone(&calls);
        let mut s = AbxSession::new(
            3,
            Box::new(move || {
                c.fetch_add(1, Ordering::SeqCst);
                Choice::B
            }),
        );
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        s.start_trial(0.0).unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        s.answer(Choice::B, 1.0).unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn seeded_sessions_repeat_and_look_fair() {
        let hidden = |seed| {
            let mut s = AbxSession::seeded(1000, seed);
            (0..1000)
                .map(|i| {
                    let h = s.start_trial(f64::from(i)).unwrap();
                    s.answer(Choice::A, f64::from(i)).unwrap();
                    h
                })
                .collect::<Vec<_>>()
        };
        let a = hidden(7);
        assert_eq!(a, hidden(7));
        assert_ne!(a, hidden(8));
        // A fair coin gives 500 ± 16 (1 σ) B's in 1000; allow 4 σ.
        let b = a.iter().filter(|&&c| c == Choice::B).count();
        assert!((436..=564).contains(&b), "{b} B's of 1000");
    }
}

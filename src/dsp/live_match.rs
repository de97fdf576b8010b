//! Loudness matching on a signal that has no end (`iemsim live`): both sides measured all the
//! time over a sliding window of the recent past (ITU-R BS.1770-4 K-weighted, gated), and gains
//! that glide towards the match no faster than [`MAX_GLIDE_DB_PER_S`] and hold still in silence.
//!
//! `play` measures a whole file once and matches on that; a stream has no whole, so the match
//! follows the recent past instead. What is matched is the *difference* between the two sides'
//! loudness on the same music, which depends on the music's spectrum (how much of its energy
//! falls where the two profiles differ), not on how loud the music is.
//!
//! Why a [`WINDOW_S`] = 10 s window: the spectrum that sets the difference changes with the
//! arrangement (a bass-heavy chorus, a vocal-only verse) on the time scale of phrases. BS.1770's
//! 3 s short-term window would follow single notes, so the target itself would wander by about
//! a dB with every kick drum and the gain would chase it all the time (pumping); a whole-song
//! (integrated) window would need a minute to forget the previous song. Ten seconds holds a few
//! bars at any tempo (four bars of 4/4 at 96 bpm), and with the glide of 1 dB/s a new song's
//! typical few-dB difference is matched within its first ten seconds or so. Inside the window
//! BS.1770's gates apply (absolute −70 LUFS, relative −10 LU), so pauses do not dilute it.
//!
//! Why at most 1 dB/s: a level change spread over a second is heard as the music getting
//! softer or louder, never as a step (the engine additionally smooths each update into a
//! 300 ms glide), and so slow a change cannot pump with the beat. And none in silence: when
//! the last 400 ms (a BS.1770 momentary block) of both sides are below [`SILENCE_LUFS`], or
//! the window holds less than [`MIN_MEASURED_S`] of gated audio, the gains stay where they are,
//! so a pause between songs does not drift the match and the next song starts where the last
//! one ended.
//!
//! Pure: no clocks (the caller says how much time passed), no allocation after `new`.

use super::loudness::{gated_loudness, lufs, match_gains};
use std::collections::VecDeque;

/// The sliding window (see the module docs for why 10 s).
pub const WINDOW_S: f64 = 10.0;
/// The fastest a matching gain moves.
pub const MAX_GLIDE_DB_PER_S: f64 = 1.0;
/// Below this (momentary loudness of both sides) the input counts as silence: gains hold.
/// 10 LU above BS.1770's absolute gate: the noise floor of a paused stream (dither, a hiss)
/// must not steer the match either.
pub const SILENCE_LUFS: f64 = -60.0;
/// Gated audio the window must hold before its loudness means anything.
pub const MIN_MEASURED_S: f64 = 1.0;

/// 100 ms steps per 400 ms gating block (blocks overlap by 75 %).
const STEPS_PER_BLOCK: usize = 4;

/// Sliding-window loudness of two sides of the same input, and the gains that match them.
#[derive(Debug, Clone)]
pub struct LiveMatch {
    channels: usize,
    /// Frames per 100 ms step (libebur128: (rate + 5) / 10).
    step: usize,
    in_step: usize,
    acc: [f64; 2],
    /// Weighted energy sums of the last [`WINDOW_S`] of 100 ms steps, oldest first.
    steps: VecDeque<[f64; 2]>,
    window_steps: usize,
    /// Current output gains (dB), moving towards the match.
    gain_db: [f64; 2],
}

/// What the matcher knows now (for the status line).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchStatus {
    /// Gated loudness of each side over the window at 0 dB gain (−∞: nothing measured yet).
    pub window_lufs: [f64; 2],
    /// Loudness of each side over the last 400 ms at 0 dB gain.
    pub momentary_lufs: [f64; 2],
    /// The gains that would match the window now (dB), if it can be matched.
    pub target_db: Option<[f64; 2]>,
    /// The gains now (dB).
    pub gain_db: [f64; 2],
    /// True while the gains hold because the input is silent or too little is measured.
    pub holding: bool,
}

impl LiveMatch {
    /// A matcher for interleaved `channels`-channel audio at `rate` Hz, starting at `start_db`
    /// (the gains from before any measurement: e.g. each side's anti-clip preamp).
    pub fn new(channels: usize, rate: u32, start_db: [f64; 2]) -> Self {
        let step = (rate as usize + 5) / 10;
        let window_steps = (WINDOW_S * 10.0).round() as usize;
        Self {
            channels: channels.max(1),
            step: step.max(1),
            in_step: 0,
            acc: [0.0; 2],
            steps: VecDeque::with_capacity(window_steps + 1),
            window_steps,
            gain_db: start_db,
        }
    }

    /// Adds the same stretch of input through both sides, already K-weighted (interleaved, at
    /// 0 dB gain). Every channel weighs 1: front left and right, as headphones play them.
    /// `a` and `b` must have the same length; extra frames of the longer one are ignored.
    pub fn add(&mut self, a: &[f64], b: &[f64]) {
        let ch = self.channels;
        for (fa, fb) in a.chunks_exact(ch).zip(b.chunks_exact(ch)) {
            self.acc[0] += fa.iter().map(|x| x * x).sum::<f64>();
            self.acc[1] += fb.iter().map(|x| x * x).sum::<f64>();
            self.in_step += 1;
            if self.in_step == self.step {
                if self.steps.len() == self.window_steps {
                    self.steps.pop_front();
                }
                self.steps.push_back(self.acc);
                self.acc = [0.0; 2];
                self.in_step = 0;
            }
        }
    }

    /// Mean square of each 400 ms block of side `i` in the window.
    fn blocks(&self, i: usize) -> impl Iterator<Item = f64> + Clone + '_ {
        let n = self.steps.len();
        let len = (STEPS_PER_BLOCK * self.step) as f64;
        (STEPS_PER_BLOCK..=n).map(move |end| {
            (end - STEPS_PER_BLOCK..end)
                .map(|k| self.steps[k][i])
                .sum::<f64>()
                / len
        })
    }

    /// Gated loudness of both sides over the window (LUFS at 0 dB gain).
    pub fn window_lufs(&self) -> [f64; 2] {
        [0, 1].map(|i| gated_loudness(self.blocks(i)).0)
    }

    /// Loudness of both sides over the last 400 ms (−∞ before there is that much).
    pub fn momentary_lufs(&self) -> [f64; 2] {
        [0, 1].map(|i| self.blocks(i).last().map_or(f64::NEG_INFINITY, lufs))
    }

    /// The gains (dB) that make both sides equally loud over the window, each side starting
    /// from `base_db` (its anti-clip preamp; only the louder side is lowered, as in `play`), or
    /// `None` while the gains should hold (silence now, or too little measured).
    pub fn target_db(&self, base_db: [f64; 2]) -> Option<[f64; 2]> {
        let m = self.momentary_lufs();
        // NaN-proof: anything but a finite level above the threshold holds.
        if m[0].max(m[1]).partial_cmp(&SILENCE_LUFS) != Some(std::cmp::Ordering::Greater) {
            return None;
        }
        // Blocks start every 100 ms: this many make MIN_MEASURED_S of gated audio.
        let min_blocks = (MIN_MEASURED_S * 10.0).round() as usize;
        // Each side's gated loudness over the window, and how many blocks passed the gates.
        let [(la, na), (lb, nb)] = [0, 1].map(|i| gated_loudness(self.blocks(i)));
        if na < min_blocks || nb < min_blocks || !(la.is_finite() && lb.is_finite()) {
            return None;
        }
        Some(match_gains([la + base_db[0], lb + base_db[1]], base_db))
    }

    /// Moves the gains towards [`Self::target_db`] by at most `dt_s` × [`MAX_GLIDE_DB_PER_S`]
    /// (holding when there is no target) and returns them.
    pub fn advance(&mut self, dt_s: f64, base_db: [f64; 2]) -> [f64; 2] {
        if let Some(t) = self.target_db(base_db) {
            let max = MAX_GLIDE_DB_PER_S * dt_s.max(0.0);
            for (g, t) in self.gain_db.iter_mut().zip(t) {
                *g += (t - *g).clamp(-max, max);
            }
        }
        self.gain_db
    }

    /// The gains now (dB).
    pub fn gains_db(&self) -> [f64; 2] {
        self.gain_db
    }

    /// Everything the status line shows.
    pub fn status(&self, base_db: [f64; 2]) -> MatchStatus {
        let target_db = self.target_db(base_db);
        MatchStatus {
            window_lufs: self.window_lufs(),
            momentary_lufs: self.momentary_lufs(),
            target_db,
            gain_db: self.gain_db,
            holding: target_db.is_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::TAU;

    const RATE: u32 = 48_000;

    /// `seconds` of a stereo 997 Hz sine of amplitude `amp` in both channels, fed to the matcher
    /// as if already K-weighted.
    fn sine(amp: f64, seconds: f64) -> Vec<f64> {
        let n = (seconds * f64::from(RATE)) as usize;
        let w = TAU * 997.0 / f64::from(RATE);
        (0..n)
            .flat_map(|k| {
                let v = amp * (w * k as f64).sin();
                [v, v]
            })
            .collect()
    }

    fn expected_lufs(amp: f64) -> f64 {
        -0.691 + 10.0 * (amp * amp).log10()
    }

    /// BS.1770-4's formula, in closed form: a stereo sine of amplitude A has mean square A²/2
    /// per channel, A² summed over both, so it reads −0.691 + 10·log10(A²) LUFS.
    #[test]
    fn window_loudness_is_the_closed_form_of_a_sine() {
        let mut m = LiveMatch::new(2, RATE, [0.0; 2]);
        let (a, b) = (sine(0.1, 3.0), sine(0.05, 3.0));
        m.add(&a, &b);
        let l = m.window_lufs();
        assert!((l[0] - expected_lufs(0.1)).abs() < 0.01, "{l:?}");
        assert!((l[1] - expected_lufs(0.05)).abs() < 0.01, "{l:?}");
        // 6.02 dB apart: 20·log10(2).
        assert!((l[0] - l[1] - 20.0 * 2f64.log10()).abs() < 0.01);
    }

    /// The window forgets: after 10 s of a new level, only the new level counts.
    #[test]
    fn the_window_slides() {
        let mut m = LiveMatch::new(2, RATE, [0.0; 2]);
        let loud = sine(0.5, 5.0);
        m.add(&loud, &loud);
        let quiet = sine(0.1, WINDOW_S + 0.5);
        m.add(&quiet, &quiet);
        let l = m.window_lufs();
        assert!((l[0] - expected_lufs(0.1)).abs() < 0.01, "{l:?}");
    }

    /// Side A 6 dB louder: the target lowers A by 6.02 dB and leaves B; the gain gets there at
    /// exactly 1 dB/s (never faster), then stays.
    #[test]
    fn gains_glide_at_most_one_db_per_second_to_the_match() {
        let mut m = LiveMatch::new(2, RATE, [0.0; 2]);
        let (a, b) = (sine(0.2, 2.0), sine(0.1, 2.0));
        m.add(&a, &b);
        let t = m.target_db([0.0; 2]).expect("a target after 2 s of tone");
        assert!(
            (t[0] + 20.0 * 2f64.log10()).abs() < 0.01 && t[1] == 0.0,
            "{t:?}"
        );
        let mut prev = m.gains_db();
        let mut steps = 0;
        // 0.1 s per update, the signal continuing in between.
        let (a, b) = (sine(0.2, 0.1), sine(0.1, 0.1));
        while (m.gains_db()[0] - t[0]).abs() > 1e-9 {
            m.add(&a, &b);
            let g = m.advance(0.1, [0.0; 2]);
            assert!((g[0] - prev[0]).abs() <= 0.1 + 1e-12, "{prev:?} -> {g:?}");
            assert_eq!(g[1], 0.0);
            prev = g;
            steps += 1;
            assert!(steps < 100, "never got there: {g:?}");
        }
        // 6.02 dB at 1 dB/s: 61 updates of 0.1 s.
        assert_eq!(steps, 61);
    }

    /// Silence (and near-silence below −60 LUFS) holds the gains; so does the first second.
    #[test]
    fn gains_hold_in_silence_and_before_a_second_is_measured() {
        let mut m = LiveMatch::new(2, RATE, [-1.0, -2.0]);
        let (a, b) = (sine(0.2, 0.8), sine(0.1, 0.8));
        m.add(&a, &b);
        assert_eq!(
            m.target_db([-1.0, -2.0]),
            None,
            "less than a second measured"
        );
        assert_eq!(m.advance(1.0, [-1.0, -2.0]), [-1.0, -2.0]);
        let (a, b) = (sine(0.2, 2.0), sine(0.1, 2.0));
        m.add(&a, &b);
        let g = m.advance(0.5, [-1.0, -2.0]);
        assert_ne!(g, [-1.0, -2.0]);
        // Near-silence: a −70 dBFS hiss, far below −60 LUFS.
        let hiss = sine(10f64.powf(-70.0 / 20.0), 1.0);
        m.add(&hiss, &hiss);
        assert!(m.status([-1.0, -2.0]).holding);
        assert_eq!(m.advance(5.0, [-1.0, -2.0]), g);
    }
}

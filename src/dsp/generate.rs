//! Test signals, generated block by block (so any length streams in constant memory).
//!
//! Everything is deterministic: noise comes from a seeded xorshift generator and the music is a
//! fixed score, so the same kind, rate, length and seed always give the same samples. Levels are
//! chosen so no signal exceeds about −3 dBFS: profiles with `--preamp auto` then cannot clip them.

use super::dither::XorShift64;
use super::filter::{Coefficients, FilterKind, FilterSpec};
use std::f64::consts::{PI, TAU};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// Exponential (log) sine sweep from 20 Hz to 20 kHz (or to 0.45 × rate if lower).
    Sweep,
    /// Pink noise (−3 dB/octave), Paul Kellet's refined filter on white noise.
    Pink,
    /// A sine at the given frequency.
    Tone(f64),
    /// Noise bursts shaped like "s", "sh" and "t".
    Sibilants,
    /// Bass notes from 30 to 120 Hz over a kick drum.
    BassNotes,
    /// A short piece: kick, bass line, chords, hi-hats and a cymbal.
    Music,
}

impl Kind {
    /// Channels of the generated file: the music is stereo, test signals are mono.
    pub fn channels(self) -> usize {
        match self {
            Kind::Music => 2,
            _ => 1,
        }
    }

    /// Whether the signal has noise in it, so that a seed changes it.
    pub fn uses_seed(self) -> bool {
        matches!(self, Kind::Pink | Kind::Sibilants | Kind::Music)
    }

    /// Default length in seconds.
    pub fn default_seconds(self) -> f64 {
        match self {
            Kind::Music => 24.0,
            _ => 10.0,
        }
    }
}

/// Peak amplitude of the sweep and tone (−6 dBFS).
pub const SINE_AMPLITUDE: f64 = 0.5;
/// Fade in/out on every signal, so the first and last samples are not clicks; at most a quarter
/// of the signal at each end (a 3 ms tone faded over 10 ms never rose above −31 dBFS).
const FADE_S: f64 = 0.01;

/// A streaming generator of interleaved frames.
pub struct Generator {
    kind: Kind,
    rate: f64,
    frames: u64,
    pos: u64,
    channels: usize,
    rng: XorShift64,
    pink: [f64; 7],
    phase: f64,
    voices: Voices,
}

impl Generator {
    /// `rate` in Hz (> 0), `seconds` > 0. A tone at or above Nyquist is the caller's error to report.
    pub fn new(kind: Kind, rate: u32, seconds: f64, seed: u64) -> Self {
        let rate_f = f64::from(rate);
        let frames = (seconds * rate_f).round().max(1.0) as u64;
        Self {
            kind,
            rate: rate_f,
            frames,
            pos: 0,
            channels: kind.channels(),
            rng: XorShift64::seeded(seed),
            pink: [0.0; 7],
            phase: 0.0,
            voices: Voices::new(rate_f),
        }
    }

    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Total frames this generator produces.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Fills `buf` with the next whole frames; returns the frames written (0 at the end).
    pub fn fill(&mut self, buf: &mut [f64]) -> usize {
        let ch = self.channels;
        let n = ((buf.len() / ch) as u64).min(self.frames - self.pos) as usize;
        for frame in buf[..n * ch].chunks_exact_mut(ch) {
            let t = self.pos as f64 / self.rate;
            let fade = self.fade(t);
            match self.kind {
                Kind::Sweep => frame[0] = fade * self.sweep(t),
                Kind::Tone(f) => {
                    frame[0] = fade * SINE_AMPLITUDE * self.phase.sin();
                    self.phase = (self.phase + TAU * f / self.rate) % TAU;
                }
                Kind::Pink => frame[0] = fade * self.pink(),
                Kind::Sibilants => {
                    let white = self.rng.uniform() * 2.0 - 1.0;
                    frame[0] = fade * self.voices.sibilant(t, white);
                }
                Kind::BassNotes => frame[0] = fade * self.voices.bass_notes(t),
                Kind::Music => {
                    let w = std::array::from_fn(|_| self.rng.uniform() * 2.0 - 1.0);
                    let [l, r] = self.voices.music(t, w);
                    frame[0] = fade * l;
                    frame[1] = fade * r;
                }
            }
            self.pos += 1;
        }
        n
    }

    fn fade(&self, t: f64) -> f64 {
        let end = self.frames as f64 / self.rate;
        let edge = t.min(end - t).max(0.0);
        let fade_s = FADE_S.min(end / 4.0);
        if edge >= fade_s {
            1.0
        } else {
            // Raised cosine: no corner in the envelope either.
            0.5 - 0.5 * (PI * edge / fade_s).cos()
        }
    }

    /// Farina's exponential sweep: instantaneous frequency f1·(f2/f1)^(t/T).
    fn sweep(&self, t: f64) -> f64 {
        let f1 = 20.0;
        let f2 = 20_000f64.min(0.45 * self.rate);
        let dur = self.frames as f64 / self.rate;
        let k = (f2 / f1).ln();
        let phase = TAU * f1 * dur / k * ((t / dur * k).exp() - 1.0);
        SINE_AMPLITUDE * phase.sin()
    }

    /// Paul Kellet's "refined" pink filter (accurate to ±0.05 dB above 9.2 Hz at 44.1 kHz), scaled
    /// to −18 dBFS RMS; its peaks stay near −4 dBFS (over 2 minutes), so the ±0.7 guard never
    /// cuts (at the old scale, −14.3 dBFS RMS, it clipped 83 samples in 10 s).
    fn pink(&mut self) -> f64 {
        let w = self.rng.uniform() * 2.0 - 1.0;
        let b = &mut self.pink;
        b[0] = 0.99886 * b[0] + w * 0.0555179;
        b[1] = 0.99332 * b[1] + w * 0.0750759;
        b[2] = 0.96900 * b[2] + w * 0.1538520;
        b[3] = 0.86650 * b[3] + w * 0.3104856;
        b[4] = 0.55000 * b[4] + w * 0.5329522;
        b[5] = -0.7616 * b[5] - w * 0.0168980;
        let out = b.iter().sum::<f64>() + w * 0.5362;
        b[6] = w * 0.115926;
        (out * 0.0718).clamp(-0.7, 0.7)
    }
}

/// One mono biquad with its own state (for shaping noise inside the generator).
#[derive(Clone)]
struct Biquad {
    c: Coefficients,
    s: [f64; 4],
}

impl Biquad {
    fn new(kind: FilterKind, fc_hz: f64, q: f64, rate: f64) -> Self {
        let fc = fc_hz.min(0.45 * rate);
        let spec = FilterSpec::new(kind, fc, 0.0, q);
        // The specs here are constants well inside the valid range; a pass-through is the fallback.
        let c = spec.coefficients(rate).unwrap_or(Coefficients::IDENTITY);
        Self { c, s: [0.0; 4] }
    }

    #[inline]
    fn run(&mut self, x: f64) -> f64 {
        let [x1, x2, y1, y2] = self.s;
        let c = &self.c;
        let y = c.b0 * x + c.b1 * x1 + c.b2 * x2 - c.a1 * y1 - c.a2 * y2;
        self.s = [x, x1, y, y1];
        y
    }
}

/// A band of noise: high-pass then low-pass (each 12 dB/octave), normalised so white noise in
/// comes out with the same RMS whatever the band and the rate (the level does not depend on `rate`).
#[derive(Clone)]
struct Band {
    hp: Biquad,
    lp: Biquad,
    norm: f64,
}

impl Band {
    fn new(lo_hz: f64, hi_hz: f64, rate: f64) -> Self {
        let hp = Biquad::new(FilterKind::HighPass, lo_hz, 0.707, rate);
        let lp = Biquad::new(FilterKind::LowPass, hi_hz, 0.707, rate);
        // White noise has a flat spectrum: the output power is the mean of |H|² over 0..Nyquist.
        const N: usize = 2048;
        let mean_power = (0..N)
            .map(|i| {
                let f = (i as f64 + 0.5) / N as f64 * rate / 2.0;
                hp.c.magnitude_squared(f, rate) * lp.c.magnitude_squared(f, rate)
            })
            .sum::<f64>()
            / N as f64;
        let norm = if mean_power > 1e-12 {
            mean_power.sqrt().recip()
        } else {
            0.0
        };
        Self { hp, lp, norm }
    }

    #[inline]
    fn run(&mut self, x: f64) -> f64 {
        // Clamped at 3.5 sigma: filtered noise is nearly Gaussian, and its rare high peaks would
        // otherwise decide the file's peak level (inaudible on hats and cymbals).
        (self.norm * self.lp.run(self.hp.run(x))).clamp(-2.0, 2.0)
    }
}

/// Envelope of a struck sound: a 2 ms linear attack, then exponential decay with time constant `tau`.
#[inline]
fn strike(dt: f64, tau: f64) -> f64 {
    if dt < 0.0 {
        0.0
    } else if dt < 0.002 {
        dt / 0.002
    } else {
        (-(dt - 0.002) / tau).exp()
    }
}

/// A kick drum hit `dt` seconds ago: a sine gliding from 110 Hz down to 45 Hz, plus a short click.
#[inline]
fn kick(dt: f64) -> f64 {
    if !(0.0..0.6).contains(&dt) {
        return 0.0;
    }
    // Phase of f(t) = 45 + 65·e^(−t/0.04): 2π(45t + 65·0.04·(1 − e^(−t/0.04))).
    let phase = TAU * (45.0 * dt + 65.0 * 0.04 * (1.0 - (-dt / 0.04).exp()));
    let body = phase.sin() * strike(dt, 0.18);
    let click = (TAU * 1800.0 * dt).sin() * strike(dt, 0.004) * 0.3;
    body + click
}

/// The instruments, with the filter state their noise needs.
struct Voices {
    hat: [Band; 2],
    cymbal: [Band; 2],
    s: Band,
    sh: Band,
    t: Band,
}

/// Music tempo: 120 beats per minute.
const BEAT_S: f64 = 0.5;
const BAR_S: f64 = 4.0 * BEAT_S;

/// Root of each bar's chord (Hz, octave 1: 30–62 Hz, so the bass line reaches the sub-bass) and the
/// chord's three upper notes (Hz): Em, C, G, D — four bars, repeated.
const PROGRESSION: [(f64, [f64; 3]); 4] = [
    (41.20, [164.81, 196.00, 246.94]), // E1 · E3 G3 B3
    (32.70, [130.81, 164.81, 196.00]), // C1 · C3 E3 G3
    (49.00, [196.00, 246.94, 293.66]), // G1 · G3 B3 D4
    (36.71, [146.83, 185.00, 220.00]), // D1 · D3 F#3 A3
];

/// The lead line, one eighth note each (Hz; 0 = rest): E minor pentatonic around 660-1175 Hz.
const MELODY: [f64; 16] = [
    659.26, 0.0, 783.99, 880.00, 987.77, 0.0, 880.00, 783.99, //
    659.26, 587.33, 0.0, 659.26, 783.99, 0.0, 1174.66, 987.77,
];

impl Voices {
    fn new(rate: f64) -> Self {
        Self {
            hat: std::array::from_fn(|_| Band::new(7000.0, 14000.0, rate)),
            cymbal: std::array::from_fn(|_| Band::new(4500.0, 12000.0, rate)),
            s: Band::new(5000.0, 9500.0, rate),
            sh: Band::new(2200.0, 6000.0, rate),
            t: Band::new(3000.0, 9000.0, rate),
        }
    }

    /// "s" (300 ms), "sh" (300 ms), "t" (30 ms burst) with gaps, repeated every 1.2 s.
    fn sibilant(&mut self, t: f64, white: f64) -> f64 {
        let c = t % 1.2;
        // Each filter runs on every sample so its state stays continuous.
        let s = self.s.run(white);
        let sh = self.sh.run(white);
        let tt = self.t.run(white);
        let hump = |start: f64, len: f64| {
            let x = (c - start) / len;
            if (0.0..1.0).contains(&x) {
                (PI * x).sin().powf(0.7)
            } else {
                0.0
            }
        };
        0.22 * s * hump(0.05, 0.30)
            + 0.20 * sh * hump(0.50, 0.30)
            + 0.30 * tt * strike(c - 0.95, 0.012)
    }

    /// Notes at 30, 40, 50, 60, 80, 100 and 120 Hz (1 s each, then again), a kick every beat.
    fn bass_notes(&mut self, t: f64) -> f64 {
        const NOTES: [f64; 7] = [30.0, 40.0, 50.0, 60.0, 80.0, 100.0, 120.0];
        let i = (t as usize) % NOTES.len();
        let dt = t.fract();
        // Smooth 50 ms attack and release inside each second.
        let env = (dt / 0.05).min(1.0) * ((1.0 - dt) / 0.05).clamp(0.0, 1.0);
        let note = 0.32 * (TAU * NOTES[i] * t).sin() * env;
        note + 0.30 * kick(t % BEAT_S)
    }

    /// One stereo frame of the piece at time `t`; `white` is fresh noise per channel.
    fn music(&mut self, t: f64, white: [f64; 2]) -> [f64; 2] {
        let bar = (t / BAR_S) as usize;
        let in_bar = t % BAR_S;
        let beat = in_bar / BEAT_S;
        let (root, chord) = PROGRESSION[bar % PROGRESSION.len()];

        // Kick on beats 1 and 3, and on the "and" of 4 every other bar.
        let mut k = kick(in_bar) + kick(in_bar - 2.0 * BEAT_S);
        if bar % 2 == 1 {
            k += 0.7 * kick(in_bar - 3.5 * BEAT_S);
        }

        // Bass: the root on each beat (octave 1, down to 32.7 Hz) with its octave above, plucked.
        let dt_beat = in_bar % BEAT_S;
        let octave_up = if (beat as usize) % 2 == 1 { 2.0 } else { 1.0 };
        let f = root * octave_up;
        let pluck = strike(dt_beat, 0.35) * (1.0 - (-(BEAT_S - dt_beat) / 0.01).exp());
        let bass = pluck * ((TAU * f * t).sin() + 0.35 * (TAU * 2.0 * f * t).sin());

        // Chords: a soft pad per bar, slightly detuned left/right for width.
        let pad_env = (in_bar / 0.15).min(1.0) * ((BAR_S - in_bar) / 0.15).clamp(0.0, 1.0);
        let mut pad = [0.0; 2];
        for (i, &n) in chord.iter().enumerate() {
            let detune = 1.0 + 0.0015 * (i as f64 + 1.0);
            pad[0] += (TAU * n * t).sin() + 0.25 * (TAU * 2.0 * n * t).sin();
            pad[1] += (TAU * n * detune * t).sin() + 0.25 * (TAU * 2.0 * n * detune * t).sin();
        }

        // A plucked lead in the midrange (0.5-3 kHz with its harmonics): one note per eighth.
        let eighth_idx_all = (t / (BEAT_S / 2.0)) as usize;
        let lead_f = MELODY[eighth_idx_all % MELODY.len()];
        let lead = if lead_f > 0.0 {
            let dt = t % (BEAT_S / 2.0);
            let env = strike(dt, 0.09);
            env * ((TAU * lead_f * t).sin()
                + 0.5 * (TAU * 2.0 * lead_f * t).sin()
                + 0.25 * (TAU * 3.0 * lead_f * t).sin())
        } else {
            0.0
        };

        // Hi-hats on every eighth note, open on the off-beats of beat 4; a cymbal at every 4th bar.
        let eighth = in_bar % (BEAT_S / 2.0);
        let eighth_idx = (in_bar / (BEAT_S / 2.0)) as usize;
        let hat_tau = if eighth_idx == 7 { 0.12 } else { 0.03 };
        let accent = if eighth_idx.is_multiple_of(2) {
            1.0
        } else {
            0.7
        };
        let crash_bar = bar.is_multiple_of(4);
        // The drummer hits the crash instead of the hat on its downbeat.
        let hat_env = if crash_bar && eighth_idx == 0 {
            0.0
        } else {
            accent * strike(eighth, hat_tau)
        };
        let crash_env = if crash_bar { strike(in_bar, 1.1) } else { 0.0 };
        let mut out = [0.0; 2];
        for ch in 0..2 {
            let hat = self.hat[ch].run(white[ch]);
            let cym = self.cymbal[ch].run(white[ch]);
            // Hats a little right, the cymbal a little left.
            let hat_pan = if ch == 0 { 0.8 } else { 1.0 };
            let cym_pan = if ch == 0 { 1.0 } else { 0.8 };
            out[ch] = 0.85
                * (0.26 * k
                    + 0.14 * bass
                    + 0.025 * pad[ch] * pad_env
                    + 0.09 * lead
                    + 0.16 * hat_pan * hat * hat_env
                    + 0.13 * cym_pan * cym * crash_env);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_seed_gives_its_own_noise() {
        // Seeds 2k and 2k+1 once gave one file (the seed was mixed twice and its low bit lost),
        // and nearby seeds' streams were XOR-related. Neighbours must be uncorrelated from the
        // first sample.
        let noise = |seed| {
            let mut g = Generator::new(Kind::Pink, 48_000, 0.5, seed);
            let mut out = vec![0.0; g.frames() as usize * g.channels()];
            g.fill(&mut out);
            // First differences: near white, so the correlation of two independent runs is
            // ~1/sqrt(n), not the large chance values of pink noise's slow drift.
            out.windows(2).map(|w| w[1] - w[0]).collect::<Vec<f64>>()
        };
        let runs: Vec<Vec<f64>> = (0..6).map(noise).collect();
        for (i, a) in runs.iter().enumerate() {
            for b in &runs[i + 1..] {
                let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
                let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
                let r = dot / (norm(a) * norm(b));
                assert!(r.abs() < 0.05, "seeds {i} and another correlate: {r}");
            }
        }
        assert_eq!(noise(4), noise(4), "the same seed, the same noise");
    }

    fn render(kind: Kind, rate: u32, seconds: f64) -> Vec<f64> {
        let mut g = Generator::new(kind, rate, seconds, 1);
        let mut out = vec![0.0; g.frames() as usize * g.channels()];
        let mut done = 0;
        // Odd block size: block boundaries must not matter.
        while done < out.len() {
            let end = (done + 999 * g.channels()).min(out.len());
            let n = g.fill(&mut out[done..end]);
            assert!(n > 0);
            done += n * g.channels();
        }
        out
    }

    fn peak(x: &[f64]) -> f64 {
        x.iter().fold(0.0f64, |m, v| m.max(v.abs()))
    }

    /// Goertzel-free check: the power of `x` correlated with a sine/cosine at `f`.
    fn tone_amplitude(x: &[f64], f: f64, rate: f64) -> f64 {
        let (mut re, mut im) = (0.0, 0.0);
        for (n, v) in x.iter().enumerate() {
            let p = TAU * f * n as f64 / rate;
            re += v * p.cos();
            im += v * p.sin();
        }
        2.0 * (re * re + im * im).sqrt() / x.len() as f64
    }

    #[test]
    fn lengths_and_channels() {
        assert_eq!(render(Kind::Music, 44_100, 1.0).len(), 2 * 44_100);
        assert_eq!(render(Kind::Sweep, 48_000, 0.5).len(), 24_000);
    }

    #[test]
    fn deterministic_for_a_seed_and_different_across_seeds() {
        let a = render(Kind::Music, 22_050, 2.0);
        let b = render(Kind::Music, 22_050, 2.0);
        assert_eq!(a, b);
        let mut g = Generator::new(Kind::Pink, 22_050, 1.0, 2);
        let mut c = vec![0.0; 22_050];
        g.fill(&mut c);
        assert_ne!(render(Kind::Pink, 22_050, 1.0), c);
    }

    #[test]
    fn tone_has_its_frequency_and_level() {
        let x = render(Kind::Tone(1000.0), 48_000, 1.0);
        // Skip the fades; an integer number of cycles in the window.
        let mid = &x[4800..43_200];
        assert!((tone_amplitude(mid, 1000.0, 48_000.0) - SINE_AMPLITUDE).abs() < 1e-3);
        assert!(tone_amplitude(mid, 1100.0, 48_000.0) < 1e-3);
        assert_eq!(x[0], 0.0);
    }

    /// A tone shorter than two fades still reaches its level: the fades take a quarter of it at
    /// each end (faded over 10 ms, 3 ms of 1 kHz peaked at 0.054 of it, −31 dBFS).
    #[test]
    fn a_short_tone_reaches_its_level() {
        let x = render(Kind::Tone(1000.0), 48_000, 0.003);
        assert_eq!(x.len(), 144);
        let peak = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!((peak / SINE_AMPLITUDE - 1.0).abs() < 0.01, "{peak}");
        assert_eq!(x[0], 0.0);
    }

    #[test]
    fn nothing_exceeds_minus_3_dbfs_and_no_nan() {
        for kind in [
            Kind::Sweep,
            Kind::Pink,
            Kind::Tone(440.0),
            Kind::Sibilants,
            Kind::BassNotes,
            Kind::Music,
        ] {
            for rate in [8_000, 44_100, 96_000] {
                let x = render(kind, rate, 8.5);
                let p = peak(&x);
                assert!(x.iter().all(|v| v.is_finite()), "{kind:?} at {rate}");
                assert!(p < 0.708, "{kind:?} at {rate}: peak {p}");
                assert!(p > 0.1, "{kind:?} at {rate}: too quiet, peak {p}");
            }
        }
    }

    /// Pink noise at the level its doc gives, and no sample at the guard (which a test of the
    /// peak alone cannot tell from a clipped signal).
    #[test]
    fn pink_is_minus_18_dbfs_rms_and_never_at_the_guard() {
        let x = render(Kind::Pink, 44_100, 60.0);
        let left: Vec<f64> = x.iter().step_by(2).copied().collect();
        let rms = (left.iter().map(|v| v * v).sum::<f64>() / left.len() as f64).sqrt();
        assert!(
            (20.0 * rms.log10() + 18.0).abs() < 0.3,
            "{} dBFS",
            20.0 * rms.log10()
        );
        assert_eq!(left.iter().filter(|v| v.abs() >= 0.7).count(), 0);
    }

    #[test]
    fn music_exercises_sub_bass_and_the_sibilance_region() {
        let rate = 44_100.0;
        let x = render(Kind::Music, 44_100, 8.0);
        let left: Vec<f64> = x.iter().step_by(2).copied().collect();
        // The bass line's E1 (41.2 Hz) root and the 5-9 kHz hats/cymbal carry real energy.
        assert!(tone_amplitude(&left[..88_200], 41.2, rate) > 0.01);
        // Above 5 kHz within 24 dB of the whole (measured: 17 dB down; without the hats and the
        // cymbal it would be about 45 dB down).
        let hf = high_band_rms(&left, rate, 5000.0);
        let all = (left.iter().map(|v| v * v).sum::<f64>() / left.len() as f64).sqrt();
        assert!(hf > all / 16.0, "above 5 kHz rms {hf}, all {all}");
    }

    /// RMS after a steep-ish high-pass built from two independent one-pole differencers.
    fn high_band_rms(x: &[f64], rate: f64, fc: f64) -> f64 {
        let a = (-TAU * fc / rate).exp();
        let (mut y1, mut x1, mut z1, mut w1) = (0.0, 0.0, 0.0, 0.0);
        let mut sum = 0.0;
        for &v in x {
            // One-pole high-pass, twice (12 dB/octave).
            let y = a * (y1 + v - x1);
            x1 = v;
            y1 = y;
            let z = a * (z1 + y - w1);
            w1 = y;
            z1 = z;
            sum += z * z;
        }
        (sum / x.len() as f64).sqrt()
    }

    #[test]
    fn sweep_starts_low_and_ends_high() {
        let rate = 48_000.0;
        let x = render(Kind::Sweep, 48_000, 4.0);
        let zero_crossing_rate = |s: &[f64]| {
            let c = s.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
            c as f64 * rate / s.len() as f64
        };
        // f(t) = 20·1000^(t/T): its mean over 0.4-0.6 s is 47.6 Hz; at t = 3.5 s it is 8.4 kHz.
        let early = zero_crossing_rate(&x[19_200..28_800]);
        let late = zero_crossing_rate(&x[167_000..169_000]);
        assert!((early - 47.6).abs() < 3.0, "{early}");
        assert!((late / 8_434.0 - 1.0).abs() < 0.03, "{late}");
    }
}

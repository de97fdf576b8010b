//! Band energies of a signal: how much power a rendered demo puts where (e.g. "the BA profile
//! has 4 dB more energy at 6-9 kHz than neutral").
//!
//! Welch's method (P. D. Welch, "The use of fast Fourier transform for the estimation of power
//! spectra", IEEE Trans. Audio Electroacoust. 15(2), 1967): Hann-windowed segments of 8192
//! samples with 50 % overlap, periodograms averaged. The scaling makes the sum over a band the
//! signal's mean power in that band (Parseval with the window's energy Σw² divided out), so a
//! sine of amplitude A reads A²/2 in any band that holds its main lobe, independent of window
//! and FFT length. Powers are relative to a full-scale amplitude of 1 (a full-scale sine is
//! −3.01 dB), and channels add as power.

use iemsim_fft::{Complex, RealToComplex};
use std::sync::Arc;

/// Welch segment length (samples) up to 48 kHz: 5.9 Hz bins, 171 ms segments at 48 kHz.
pub const SEGMENT: usize = 8192;

/// The segment length at `rate` Hz: [`SEGMENT`], doubled at higher rates so the bins stay
/// under 6 Hz (at 192 kHz fixed 8192-sample segments made 23 Hz bins, and the 31.5 Hz octave
/// band of a 40 Hz sine read −13.7 dB for −9.0).
pub fn segment_for(rate: f64) -> usize {
    SEGMENT.max(((rate / 6.0).max(1.0) as usize).next_power_of_two())
}

/// A one-sided power spectrum: `power[k]` is the mean power (amplitude² units) in bin k, whose
/// centre is k·rate/fft_len. Summing bins over a band gives the band's power.
#[derive(Debug, Clone, PartialEq)]
pub struct Spectrum {
    pub rate: f64,
    pub fft_len: usize,
    pub power: Vec<f64>,
}

impl Spectrum {
    /// Welch power spectrum of interleaved `samples` with `channels` channels, channels summed
    /// as power. Signals shorter than a segment ([`segment_for`] the rate) use one zero-padded segment of their own
    /// length; the tail that does not fill a whole segment is left out. The same as feeding
    /// [`Welch`] the whole signal.
    pub fn welch(samples: &[f64], channels: usize, rate: f64) -> Self {
        let mut w = Welch::new(channels, rate);
        w.add(samples);
        w.finish()
    }

    /// Hz per bin.
    pub fn bin_hz(&self) -> f64 {
        self.rate / self.fft_len as f64
    }

    /// Mean power in the bins whose centres lie in [lo_hz, hi_hz] (0 for an empty band).
    pub fn band_power(&self, lo_hz: f64, hi_hz: f64) -> f64 {
        let df = self.bin_hz();
        let first = (lo_hz.max(0.0) / df).ceil() as usize;
        let last = ((hi_hz / df).floor().max(-1.0) as isize).min(self.power.len() as isize - 1);
        if last < first as isize {
            return 0.0;
        }
        self.power[first..=last as usize].iter().sum()
    }

    /// [`Self::band_power`] in dB (−∞ for silence or an empty band).
    pub fn band_db(&self, lo_hz: f64, hi_hz: f64) -> f64 {
        power_db(self.band_power(lo_hz, hi_hz))
    }

    /// Power within ±1/6 octave of `f_hz` (a 1/3-octave band), widened to at least ±2 bins so
    /// the Hann main lobe of a tone at `f_hz` is always inside it, in dB.
    pub fn level_db(&self, f_hz: f64) -> f64 {
        let (lo, hi) = narrow_band(f_hz, self.bin_hz());
        self.band_db(lo, hi)
    }
}

/// Welch's method block by block, in constant memory whatever the length: each channel keeps
/// the last segment's frames ([`segment_for`] the rate), and every full segment (hop half a segment, so 50 % overlap) is
/// windowed, transformed and added to that channel's sum of periodograms as soon as it is
/// complete. The segments are fixed, so the result does not depend on the total length or on
/// how the signal is split into blocks; only a signal shorter than one segment, known at the
/// end, is analysed as one zero-padded segment of its own length.
pub struct Welch {
    channels: usize,
    rate: f64,
    /// The segment length ([`segment_for`] the rate).
    seg: usize,
    window: Vec<f64>,
    /// A real-input FFT: only the one-sided bins Welch keeps are computed.
    fft: Arc<dyn RealToComplex<f64>>,
    /// One windowed, zero-padded segment of one channel, then the FFT's scratch.
    input: Vec<f64>,
    bins: Vec<Complex<f64>>,
    scratch: Vec<Complex<f64>>,
    /// The frames of the segment being filled, interleaved (at most `seg`).
    pending: Vec<f64>,
    /// Each channel's sum of |X|² over the segments so far.
    power: Vec<Vec<f64>>,
    segments: usize,
}

impl Welch {
    pub fn new(channels: usize, rate: f64) -> Self {
        let channels = channels.max(1);
        let seg = segment_for(rate);
        let fft = iemsim_fft::forward(seg);
        Self {
            channels,
            rate,
            seg,
            window: hann(seg),
            input: fft.make_input_vec(),
            bins: fft.make_output_vec(),
            scratch: fft.make_scratch_vec(),
            fft,
            pending: Vec::with_capacity(seg * channels),
            power: vec![vec![0.0; seg / 2 + 1]; channels],
            segments: 0,
        }
    }

    /// Adds interleaved frames (a partial last frame is ignored).
    pub fn add(&mut self, samples: &[f64]) {
        let ch = self.channels;
        let mut rest = &samples[..samples.len() / ch * ch];
        while !rest.is_empty() {
            let room = self.seg * ch - self.pending.len();
            let (now, later) = rest.split_at(room.min(rest.len()));
            self.pending.extend_from_slice(now);
            rest = later;
            if self.pending.len() == self.seg * ch {
                self.segment(self.seg);
                self.segments += 1;
                // Keep the second half: it is the first half of the next segment.
                self.pending.drain(..self.seg / 2 * ch);
            }
        }
    }

    /// Adds the first `seg` pending frames of every channel, windowed by `self.window`.
    fn segment(&mut self, seg: usize) {
        let ch = self.channels;
        for (c, power) in self.power.iter_mut().enumerate() {
            for (i, v) in self.input.iter_mut().enumerate() {
                *v = if i < seg {
                    self.pending[i * ch + c] * self.window[i]
                } else {
                    0.0
                };
            }
            // Fails only for buffers of other lengths than the plan's, and these are its own.
            let done =
                self.fft
                    .process_with_scratch(&mut self.input, &mut self.bins, &mut self.scratch);
            debug_assert!(done.is_ok(), "{done:?}");
            for (p, x) in power.iter_mut().zip(&self.bins) {
                *p += x.norm_sqr();
            }
        }
    }

    /// The spectrum of everything added.
    pub fn finish(mut self) -> Spectrum {
        let fft_len = self.seg;
        let frames = self.pending.len() / self.channels;
        if self.segments == 0 && frames >= 2 {
            self.window = hann(frames);
            self.segment(frames);
            self.segments = 1;
        }
        let mut power = vec![0.0; fft_len / 2 + 1];
        if self.segments > 0 {
            for ch in &self.power {
                for (p, c) in power.iter_mut().zip(ch) {
                    *p += c;
                }
            }
            let w_energy: f64 = self.window.iter().map(|w| w * w).sum();
            // Parseval: Σ_all bins |X|² = N_fft Σ(xw)², and E[Σ(xw)²] = power · Σw². Bins other
            // than DC and Nyquist stand for their negative-frequency mirror too, hence the 2.
            let scale = 1.0 / (fft_len as f64 * w_energy * self.segments as f64);
            let last = power.len() - 1;
            for (k, p) in power.iter_mut().enumerate() {
                *p *= if k == 0 || k == last {
                    scale
                } else {
                    2.0 * scale
                };
            }
        }
        Spectrum {
            rate: self.rate,
            fft_len,
            power,
        }
    }
}

/// ISO 266 octave-band centres from 31.5 Hz to 16 kHz; each band spans centre/√2 to centre·√2.
pub const OCTAVE_CENTRES_HZ: [f64; 10] = [
    31.5, 63.0, 125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0, 16_000.0,
];

/// 1/6-octave steps from 20 Hz to 20.2 kHz (61 points): where smoothed spectra are reported.
pub fn sixth_octave_grid() -> Vec<f64> {
    (0..=60)
        .map(|i| 20.0 * 2f64.powf(f64::from(i) / 6.0))
        .collect()
}

impl Spectrum {
    /// Power in each octave band of [`OCTAVE_CENTRES_HZ`] that starts below Nyquist (the 16 kHz
    /// band ends there at 44.1 kHz), divided by `channels`
    /// (the mean channel's mean square), in dB: (centre Hz, dB). A band's RMS level, measured
    /// in the frequency domain (Parseval), so a steady signal's bands add up to its power. Not
    /// a burst's at either end of a file: Welch's whole segments leave out what follows the last
    /// one (under half a segment, 93 ms at 44.1 kHz) and weigh the first and last half segment
    /// less. Zero-padding them in instead was tried and rejected: a tone cut off at the file's
    /// ends then spread to −44 dB into the next octave band (2 s at full scale), where the
    /// whole signal's own spectrum has −70 dB.
    pub fn octave_bands_db(&self, channels: usize) -> Vec<(f64, f64)> {
        let per = channels.max(1) as f64;
        OCTAVE_CENTRES_HZ
            .iter()
            .filter(|&&f| f / 2f64.sqrt() < self.rate / 2.0)
            .map(|&f| {
                let p = self.band_power(f / 2f64.sqrt(), f * 2f64.sqrt()) / per;
                (f, power_db(p))
            })
            .collect()
    }

    /// The long-term average spectrum smoothed over 1/`fraction` octave, as power density
    /// (dB re full-scale amplitude² per Hz) at each of `freqs_hz`: the mean of the bins within
    /// ±1/(2·fraction) octave, at least ±1 bin so low frequencies never fall between bins.
    /// Pink noise reads as a straight line falling 3.01 dB per octave.
    pub fn smoothed_db(&self, fraction: f64, freqs_hz: &[f64]) -> Vec<(f64, f64)> {
        let df = self.bin_hz();
        let k = 2f64.powf(1.0 / (2.0 * fraction));
        freqs_hz
            .iter()
            .filter(|&&f| f * k < self.rate / 2.0)
            .map(|&f| {
                let first = ((f / k).min(f - df) / df).ceil().max(1.0) as usize;
                let last = (((f * k).max(f + df) / df).floor() as usize).min(self.power.len() - 1);
                let n = (last + 1).saturating_sub(first).max(1);
                let p: f64 = self.power.get(first..=last).map_or(0.0, |b| b.iter().sum());
                (f, power_db(p / n as f64 / df))
            })
            .collect()
    }
}

/// ±1/6 octave around `f_hz`, widened to at least ±2 bins of `bin_hz` (see [`Spectrum::level_db`]).
pub fn narrow_band(f_hz: f64, bin_hz: f64) -> (f64, f64) {
    let k = 2f64.powf(1.0 / 6.0);
    (
        (f_hz / k).min(f_hz - 2.0 * bin_hz),
        (f_hz * k).max(f_hz + 2.0 * bin_hz),
    )
}

/// Periodic Hann window (the DFT-even form used for spectral analysis, Harris 1978).
fn hann(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / n as f64).cos())
        .collect()
}

/// 10·log10(power), −∞ for 0.
pub fn power_db(p: f64) -> f64 {
    if p > 0.0 {
        10.0 * p.log10()
    } else {
        f64::NEG_INFINITY
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::dither::XorShift64;
    use std::f64::consts::TAU;

    /// Mean power (dB re full-scale amplitude 1) of interleaved `samples` in [lo_hz, hi_hz].
    fn band_energy_db(samples: &[f64], channels: usize, rate: f64, lo_hz: f64, hi_hz: f64) -> f64 {
        Spectrum::welch(samples, channels, rate).band_db(lo_hz, hi_hz)
    }

    /// Power within ±1/6 octave of `f_hz` (see [`Spectrum::level_db`]), in dB.
    fn level_at_db(samples: &[f64], channels: usize, rate: f64, f_hz: f64) -> f64 {
        Spectrum::welch(samples, channels, rate).level_db(f_hz)
    }

    fn sine(amp: f64, f: f64, rate: f64, n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| amp * (TAU * f * i as f64 / rate).sin())
            .collect()
    }

    fn db(p: f64) -> f64 {
        10.0 * p.log10()
    }

    /// A sine of amplitude A has mean power A²/2, wherever its frequency falls between bins.
    /// A 33 Hz sine of amplitude 0.5 (its Hann main lobe inside the band) reads its power
    /// (−9.03 dB) in the 31.5 Hz octave band at any rate: with fixed 8192-sample segments, 192 kHz
    /// made 23 Hz bins and a 40 Hz sine read −13.7 dB there.
    #[test]
    fn the_low_octave_bands_hold_at_high_rates() {
        for rate in [44_100.0, 96_000.0, 192_000.0] {
            let x: Vec<f64> = (0..(rate as usize) * 3)
                .map(|n| 0.5 * (TAU * 33.0 * n as f64 / rate).sin())
                .collect();
            let s = Spectrum::welch(&x, 1, rate);
            assert!(s.bin_hz() < 6.0, "{rate}: {} Hz bins", s.bin_hz());
            let band = s.octave_bands_db(1)[0];
            assert!((band.1 + 9.03).abs() < 0.3, "{rate} Hz: {band:?}");
        }
    }

    #[test]
    fn sine_power_is_half_amplitude_squared() {
        let rate = 48_000.0;
        for &(amp, f) in &[(0.5, 1000.0), (0.1, 1003.7), (0.9, 62.5), (0.25, 9876.5)] {
            let x = sine(amp, f, rate, 48_000);
            let got = band_energy_db(&x, 1, rate, f / 1.5, f * 1.5);
            let want = db(amp * amp / 2.0);
            assert!(
                (got - want).abs() < 0.05,
                "{amp} at {f} Hz: {got} vs {want}"
            );
            let got = level_at_db(&x, 1, rate, f);
            assert!((got - want).abs() < 0.05, "level_at {f}: {got} vs {want}");
        }
    }

    #[test]
    fn six_db_louder_sine_reads_six_db_higher() {
        let rate = 44_100.0;
        let quiet = sine(0.2, 1000.0, rate, 44_100);
        let loud = sine(0.4, 1000.0, rate, 44_100);
        let d = level_at_db(&loud, 1, rate, 1000.0) - level_at_db(&quiet, 1, rate, 1000.0);
        assert!((d - 20.0 * 2f64.log10()).abs() < 1e-6, "{d}");
        assert!((d - 6.02).abs() < 0.01);
    }

    /// White noise has a flat spectrum: band power ∝ bandwidth, and the total is its variance.
    #[test]
    fn white_noise_power_is_proportional_to_bandwidth() {
        let rate = 48_000.0;
        let mut rng = XorShift64::new(3);
        let x: Vec<f64> = (0..480_000).map(|_| rng.uniform() - 0.5).collect();
        // Uniform on [-1/2, 1/2): variance 1/12.
        let total = Spectrum::welch(&x, 1, rate).band_power(0.0, rate / 2.0);
        assert!((db(total) - db(1.0 / 12.0)).abs() < 0.1, "{}", db(total));
        let narrow = band_energy_db(&x, 1, rate, 1000.0, 2000.0);
        let wide = band_energy_db(&x, 1, rate, 4000.0, 12_000.0);
        assert!((wide - narrow - db(8.0)).abs() < 0.5, "{wide} - {narrow}");
        // And the absolute level: 1/12 spread evenly over 24 kHz.
        let want = db(1.0 / 12.0 * 1000.0 / 24_000.0);
        assert!((narrow - want).abs() < 0.5, "{narrow} vs {want}");
    }

    #[test]
    fn channels_add_as_power() {
        let rate = 48_000.0;
        let a = sine(0.5, 1000.0, rate, 20_000);
        let stereo: Vec<f64> = a.iter().flat_map(|&s| [s, 0.0]).collect();
        let both: Vec<f64> = a.iter().flat_map(|&s| [s, -s]).collect();
        let mono = level_at_db(&a, 1, rate, 1000.0);
        assert!((level_at_db(&stereo, 2, rate, 1000.0) - mono).abs() < 1e-9);
        assert!((level_at_db(&both, 2, rate, 1000.0) - mono - db(2.0)).abs() < 1e-9);
    }

    /// Pink noise made by shaping white noise's spectrum by 1/√f (so it is exactly pink, not
    /// produced by the code under test): equal power in every octave band, and a smoothed
    /// spectral density falling 10·log10(2) = 3.01 dB per octave.
    #[test]
    fn pink_noise_is_flat_per_octave_and_falls_3_db_per_octave() {
        let rate = 48_000.0;
        let n = 1 << 20;
        let mut rng = XorShift64::new(11);
        let mut white: Vec<f64> = (0..n).map(|_| rng.uniform() - 0.5).collect();
        let forward = iemsim_fft::forward(n);
        let mut bins = forward.make_output_vec();
        forward.process(&mut white, &mut bins).expect("sizes");
        for (k, b) in bins.iter_mut().enumerate() {
            let f = k as f64 * rate / n as f64;
            *b *= if f < 10.0 { 0.0 } else { 1.0 / f.sqrt() };
        }
        // The Nyquist bin of a real signal is real (1/√f keeps it so).
        let mut x = vec![0.0; n];
        iemsim_fft::inverse(n)
            .process(&mut bins, &mut x)
            .expect("sizes");
        x.iter_mut().for_each(|v| *v *= 40.0 / n as f64);
        let s = Spectrum::welch(&x, 1, rate);
        let bands = s.octave_bands_db(1);
        assert_eq!(bands.len(), 10);
        let mid = bands[5].1;
        for &(f, db) in &bands[2..] {
            assert!(
                (db - mid).abs() < 0.5,
                "{f} Hz band {db} dB vs {mid} dB at 1 kHz"
            );
        }
        let grid = crate::dsp::response::log_grid(100.0, 10_000.0, 60);
        let pts = s.smoothed_db(6.0, &grid);
        // Least-squares slope of dB against octaves.
        let xs: Vec<f64> = pts.iter().map(|p| p.0.log2()).collect();
        let ys: Vec<f64> = pts.iter().map(|p| p.1).collect();
        let (mx, my) = (xs.iter().sum::<f64>() / 60.0, ys.iter().sum::<f64>() / 60.0);
        let slope = xs
            .iter()
            .zip(&ys)
            .map(|(x, y)| (x - mx) * (y - my))
            .sum::<f64>()
            / xs.iter().map(|x| (x - mx).powi(2)).sum::<f64>();
        assert!(
            (slope + 10.0 * 2f64.log10()).abs() < 0.1,
            "{slope} dB/octave"
        );
    }

    /// White noise's density is its variance over the bandwidth, at every frequency.
    #[test]
    fn smoothed_density_of_white_noise() {
        let rate = 48_000.0;
        let mut rng = XorShift64::new(5);
        let x: Vec<f64> = (0..480_000).map(|_| rng.uniform() - 0.5).collect();
        let want = db(1.0 / 12.0 / 24_000.0);
        for (f, d) in
            Spectrum::welch(&x, 1, rate).smoothed_db(6.0, &[20.0, 200.0, 2000.0, 15_000.0])
        {
            assert!((d - want).abs() < 1.0, "{f} Hz: {d} vs {want}");
        }
    }

    /// Welch by the definition, with a direct DFT (no FFT library): Hann segments of
    /// [`SEGMENT`] with 50 % overlap (or one zero-padded segment of a short signal's length),
    /// one-sided |X|² averaged and scaled by N·Σw².
    fn welch_by_definition(x: &[f64]) -> Vec<f64> {
        let seg = if x.len() < SEGMENT { x.len() } else { SEGMENT };
        let w = hann(seg);
        let starts: Vec<usize> = (0..)
            .map(|i| i * SEGMENT / 2)
            .take_while(|s| s + seg <= x.len())
            .collect();
        let bins = SEGMENT / 2 + 1;
        // e^(−2πjm/N) for every m: the angle k·i is reduced exactly (mod N) before the lookup.
        let turns: Vec<(f64, f64)> = (0..SEGMENT)
            .map(|m| (TAU * m as f64 / SEGMENT as f64).sin_cos())
            .collect();
        let mut power = vec![0.0; bins];
        for &s in &starts {
            for (k, p) in power.iter_mut().enumerate() {
                let (mut re, mut im) = (0.0, 0.0);
                for i in 0..seg {
                    let (sin, cos) = turns[(k * i) % SEGMENT];
                    let v = x[s + i] * w[i];
                    re += v * cos;
                    im -= v * sin;
                }
                *p += re * re + im * im;
            }
        }
        let w_energy: f64 = w.iter().map(|v| v * v).sum();
        let scale = 1.0 / (SEGMENT as f64 * w_energy * starts.len() as f64);
        for (k, p) in power.iter_mut().enumerate() {
            *p *= if k == 0 || k == bins - 1 {
                scale
            } else {
                2.0 * scale
            };
        }
        power
    }

    /// The FFT gives what the definition gives, within 1e-9 of each bin (and a floor of 1e-12
    /// of the total power, where rounding of a near-empty bin decides): on a signal of one
    /// segment and a half (two overlapping segments) and on a short one (zero-padded).
    #[test]
    fn welch_matches_a_direct_dft() {
        let rate = 48_000.0;
        let mut rng = XorShift64::new(17);
        for n in [SEGMENT + SEGMENT / 2, 3000] {
            let x: Vec<f64> = (0..n)
                .map(|i| 0.3 * (TAU * 1234.5 * i as f64 / rate).sin() + 0.1 * (rng.uniform() - 0.5))
                .collect();
            let got = Spectrum::welch(&x, 1, rate).power;
            let want = welch_by_definition(&x);
            let total: f64 = want.iter().sum();
            for (k, (g, w)) in got.iter().zip(&want).enumerate() {
                assert!(
                    (g - w).abs() <= 1e-9 * w + 1e-12 * total,
                    "n {n}, bin {k}: {g} vs {w}"
                );
            }
        }
    }

    /// A sine exactly on bin k0 puts A²/2 into bins k0-1..=k0+1 in the periodic Hann's closed
    /// form: the window's DFT is N/2 at 0 and −N/4 at ±1, so the shares are 1/4, 1/16 and 1/16
    /// of N²A²/4 over N·Σw² = N·3N/8: 2/3 and 1/6 of A²/2 (one-sided, doubled).
    #[test]
    fn sine_on_a_bin_has_the_closed_form_hann_shares() {
        let rate = 48_000.0;
        let (amp, k0) = (0.5, 300);
        let f = k0 as f64 * rate / SEGMENT as f64;
        let x = sine(amp, f, rate, SEGMENT * 4);
        let p = Spectrum::welch(&x, 1, rate).power;
        let half = amp * amp / 2.0;
        for (k, want) in [
            (k0 - 1, half / 6.0),
            (k0, half * 2.0 / 3.0),
            (k0 + 1, half / 6.0),
        ] {
            assert!(
                (p[k] / want - 1.0).abs() < 1e-9,
                "bin {k}: {} vs {want}",
                p[k]
            );
        }
        assert!(p[k0 + 2] < half * 1e-20 && p[k0 - 2] < half * 1e-20);
    }

    #[test]
    fn short_and_silent_signals() {
        let rate = 48_000.0;
        let x = sine(0.5, 3000.0, rate, 3000);
        let got = level_at_db(&x, 1, rate, 3000.0);
        assert!((got - db(0.125)).abs() < 0.1, "{got}");
        assert_eq!(
            band_energy_db(&[0.0; 20_000], 1, rate, 100.0, 200.0),
            f64::NEG_INFINITY
        );
        assert_eq!(
            band_energy_db(&[], 2, rate, 100.0, 200.0),
            f64::NEG_INFINITY
        );
        assert_eq!(band_energy_db(&x, 1, rate, 500.0, 400.0), f64::NEG_INFINITY);
    }
}

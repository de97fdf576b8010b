//! Loudness per ITU-R BS.1770-4 (integrated, LUFS) and EBU Tech 3342 (range, LU), and the gains
//! that make profiles equally loud.
//!
//! The meter is in two parts: [`k_weighting`] gives the two K-weighting biquads, which the caller
//! runs as a cascade of their own through the one `dsp::chain` kernel (`render`'s lanes, `levels`);
//! [`GatedMeter`] then gates the K-weighted blocks. Why our own meter: it runs in the same pass as
//! the export or analysis, on f64 samples, with the speaker mask the downmix uses. The `ebur128`
//! crate (a port of libebur128) is the independent reference in the tests: the two agree within
//! 0.01 LU.
//!
//! K-weighting coefficients for any rate follow libebur128's derivation from the analogue prototypes
//! of BS.1770's pre-filter (high shelf, +4 dB near 1.7 kHz) and RLB high-pass (38 Hz); at 48 kHz they
//! reproduce the coefficients published in BS.1770.

use super::filter::Coefficients;
use std::f64::consts::PI;

/// BS.1770's offset: a 997 Hz sine at −23 dBFS in both stereo channels reads −23 LUFS.
const OFFSET: f64 = -0.691;
/// Blocks below this are silence and never count.
const ABSOLUTE_GATE_LUFS: f64 = -70.0;
/// Blocks more than this far below the (absolute-gated) mean do not count.
const RELATIVE_GATE_LU: f64 = -10.0;

/// Loudness (LUFS) of a K-weighted, channel-weighted mean square.
pub(crate) fn lufs(mean_square: f64) -> f64 {
    OFFSET + 10.0 * mean_square.log10()
}

/// BS.1770's gating of 400 ms blocks (their mean squares): the absolute gate, then the relative
/// gate [`RELATIVE_GATE_LU`] below the mean of the blocks that passed it. The loudness of the
/// blocks that pass both and how many they are; −∞ and 0 when none do. Allocation-free: the live
/// matcher runs it on the audio thread.
pub(crate) fn gated_loudness(blocks: impl Iterator<Item = f64> + Clone) -> (f64, usize) {
    fn mean(blocks: impl Iterator<Item = f64>) -> (f64, usize) {
        let (s, n) = blocks.fold((0.0, 0usize), |(s, n), e| (s + e, n + 1));
        (s / n as f64, n)
    }
    let absolute = blocks.filter(|&e| lufs(e) > ABSOLUTE_GATE_LUFS);
    let (m, n) = mean(absolute.clone());
    if n == 0 {
        return (f64::NEG_INFINITY, 0);
    }
    let gate = lufs(m) + RELATIVE_GATE_LU;
    match mean(absolute.filter(|&e| lufs(e) > gate)) {
        (_, 0) => (f64::NEG_INFINITY, 0),
        (m, n) => (lufs(m), n),
    }
}

/// The two K-weighting stages (pre-filter shelf, then RLB high-pass) at `rate` Hz.
pub fn k_weighting(rate: f64) -> [Coefficients; 2] {
    // Stage 1: high shelf.
    let (f0, g, q) = (
        1_681.974_450_955_533,
        3.999_843_853_973_347,
        0.707_175_236_955_419_6,
    );
    let k = (PI * f0 / rate).tan();
    let vh = 10f64.powf(g / 20.0);
    let vb = vh.powf(0.499_666_774_154_541_6);
    let a0 = 1.0 + k / q + k * k;
    let shelf = Coefficients {
        b0: (vh + vb * k / q + k * k) / a0,
        b1: 2.0 * (k * k - vh) / a0,
        b2: (vh - vb * k / q + k * k) / a0,
        a1: 2.0 * (k * k - 1.0) / a0,
        a2: (1.0 - k / q + k * k) / a0,
    };
    // Stage 2: RLB high-pass; BS.1770 keeps the unnormalised numerator 1, −2, 1.
    let (f0, q) = (38.135_470_876_024_44, 0.500_327_037_323_877_3);
    let k = (PI * f0 / rate).tan();
    let a0 = 1.0 + k / q + k * k;
    let rlb = Coefficients {
        b0: 1.0,
        b1: -2.0,
        b2: 1.0,
        a1: 2.0 * (k * k - 1.0) / a0,
        a2: (1.0 - k / q + k * k) / a0,
    };
    [shelf, rlb]
}

/// BS.1770-4 channel weights (table 3) for `channels` channels laid out as `mask` says (a
/// WAVE_FORMAT_EXTENSIBLE `dwChannelMask`; 0 or a mask that does not fit: Microsoft's default
/// layout for the count, the same rule as the downmix in [`super::channels::ChannelMap`]).
/// Front left, right and centre (and left/right of centre) weigh 1; LFE is not measured; side
/// and back channels weigh 1.41 (+1.5 dB), as libebur128 and ffmpeg's ebur128 weigh surrounds;
/// height channels (elevation ≥ 30°) weigh 1.
/// A count with no known layout (more than 8 channels and no mask) weighs every channel 1.
pub fn channel_weights(channels: usize, mask: u32) -> Vec<f64> {
    use super::channels::{default_layout, layout_of_mask, Speaker};
    let Some(layout) = layout_of_mask(mask, channels).or_else(|| default_layout(channels)) else {
        return vec![1.0; channels];
    };
    layout
        .iter()
        .map(|s| match s {
            Speaker::Lfe => 0.0,
            Speaker::BackLeft
            | Speaker::BackRight
            | Speaker::BackCentre
            | Speaker::SideLeft
            | Speaker::SideRight => SURROUND_WEIGHT,
            _ => 1.0,
        })
        .collect()
}

/// BS.1770-4's surround weight G (+1.5 dB), as published (1.41, not 10^0.075).
const SURROUND_WEIGHT: f64 = 1.41;

/// Gated integrated loudness of a signal that has ALREADY been K-weighted (fed block by block).
#[derive(Debug, Clone)]
pub struct GatedMeter {
    weights: Vec<f64>,
    /// Frames per 100 ms step (libebur128: (rate + 5) / 10).
    step: usize,
    in_step: usize,
    acc: f64,
    /// Weighted energy sum of each complete 100 ms step.
    steps: Vec<f64>,
}

impl GatedMeter {
    /// A meter for `channels` channels whose speakers `mask` names (0: the default layout).
    pub fn new(channels: usize, mask: u32, rate: u32) -> Self {
        Self {
            weights: channel_weights(channels, mask),
            step: (rate as usize + 5) / 10,
            in_step: 0,
            acc: 0.0,
            steps: Vec::new(),
        }
    }

    /// Adds interleaved K-weighted frames.
    pub fn add(&mut self, kweighted: &[f64]) {
        let ch = self.weights.len();
        for frame in kweighted.chunks_exact(ch) {
            let mut e = 0.0;
            for (x, w) in frame.iter().zip(&self.weights) {
                e += w * x * x;
            }
            self.acc += e;
            self.in_step += 1;
            if self.in_step == self.step {
                self.steps.push(self.acc);
                self.acc = 0.0;
                self.in_step = 0;
            }
        }
    }

    /// Integrated loudness in LUFS (−∞ for silence or less than 400 ms).
    pub fn integrated_lufs(&self) -> f64 {
        // 400 ms blocks overlapping by 75%: four consecutive 100 ms steps each.
        let len = (4 * self.step) as f64;
        gated_loudness(self.steps.windows(4).map(|w| w.iter().sum::<f64>() / len)).0
    }
}

impl GatedMeter {
    /// Loudness range in LU per EBU Tech 3342: short-term loudness (3 s windows, one every
    /// 100 ms), absolute gate −70 LUFS, relative gate 20 LU below the gated mean, then the spread
    /// between the 10th and 95th percentiles. 0 for less than 3 s or silence.
    pub fn loudness_range_lu(&self) -> f64 {
        let window = SHORT_TERM_STEPS * self.step;
        let abs: Vec<f64> = self
            .steps
            .windows(SHORT_TERM_STEPS)
            .map(|w| w.iter().sum::<f64>() / window as f64)
            .filter(|&e| lufs(e) > ABSOLUTE_GATE_LUFS)
            .collect();
        if abs.is_empty() {
            return 0.0;
        }
        let mean = abs.iter().sum::<f64>() / abs.len() as f64;
        let gate = lufs(mean) + LRA_RELATIVE_GATE_LU;
        let mut kept: Vec<f64> = abs.into_iter().map(lufs).filter(|&l| l > gate).collect();
        kept.sort_by(f64::total_cmp);
        if kept.is_empty() {
            return 0.0;
        }
        let pct = |p: f64| kept[((kept.len() - 1) as f64 * p).round() as usize];
        pct(0.95) - pct(0.10)
    }
}

/// 100 ms steps in a 3 s short-term window (EBU Tech 3341/3342).
const SHORT_TERM_STEPS: usize = 30;
/// EBU Tech 3342's relative gate for the loudness range.
const LRA_RELATIVE_GATE_LU: f64 = -20.0;

/// Output gains (dB) for two sides so both play at the loudness of the quieter one, given each
/// side's loudness at its `base_db` gain (the anti-clipping preamp). Only ever lowers the louder side,
/// so matching can never push a signal into clipping.
pub fn match_gains(loudness_lufs: [f64; 2], base_db: [f64; 2]) -> [f64; 2] {
    let l = loudness_lufs;
    if !(l[0].is_finite() && l[1].is_finite()) {
        return base_db; // silence: nothing to match
    }
    let target = l[0].min(l[1]);
    [base_db[0] + target - l[0], base_db[1] + target - l[1]]
}

/// Sample-peak ceiling of `export --match` (dBFS): 0.1 dB below full scale, so ±1 LSB of dither
/// and rounding cannot reach it.
pub const MATCH_CEILING_DBFS: f64 = -0.1;

/// The rule of `export --match`: output gains (dB) that make every output equally loud, at the
/// highest common loudness at which no output's sample peak exceeds `ceiling_dbfs`.
///
/// `levels` are (integrated loudness in LUFS, sample peak in dBFS) of each output at 0 dB gain.
/// Gain is linear, so output i at gain g reads `lufs + g` and peaks at `peak + g`; the target T
/// must satisfy `peak_i + T − lufs_i ≤ ceiling` for every i, and the highest such T is
/// `min_i(lufs_i − peak_i) + ceiling`. Returns the gains and T, or None when an output is silent
/// (no loudness to match). Sample peak, not true peak: iemsim writes PCM whose samples are what
/// clips; a later lossy encode or a DAC's inter-sample overs are outside this promise.
pub fn match_to_ceiling(levels: &[(f64, f64)], ceiling_dbfs: f64) -> Option<(Vec<f64>, f64)> {
    if levels.is_empty() || levels.iter().any(|(l, p)| !l.is_finite() || !p.is_finite()) {
        return None;
    }
    let target = levels
        .iter()
        .map(|(l, p)| l - p)
        .fold(f64::INFINITY, f64::min)
        + ceiling_dbfs;
    Some((levels.iter().map(|(l, _)| target - l).collect(), target))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::Chain;

    /// Integrated loudness (LUFS) and loudness range (LU) of interleaved `samples`.
    fn integrated_and_range(samples: &[f64], channels: usize, rate: u32) -> (f64, f64) {
        let channels = channels.max(1);
        let mut chain = Chain::new(k_weighting(f64::from(rate)).to_vec(), channels, 0.0);
        let mut meter = GatedMeter::new(channels, 0, rate);
        let mut block = Vec::with_capacity(4096 * channels);
        for chunk in samples.chunks(4096 * channels) {
            block.clear();
            block.extend_from_slice(chunk);
            chain.process(&mut block);
            meter.add(&block);
        }
        (meter.integrated_lufs(), meter.loudness_range_lu())
    }

    fn measure(x: &[f64], ch: usize, rate: u32) -> f64 {
        let k = k_weighting(f64::from(rate));
        let mut chain = Chain::new(k.to_vec(), ch, 0.0);
        let mut y = x.to_vec();
        chain.process(&mut y);
        let mut m = GatedMeter::new(ch, 0, rate);
        m.add(&y);
        m.integrated_lufs()
    }

    /// A −20 dBFS 1 kHz sine in both stereo channels: BS.1770 gives
    /// −0.691 + 10·log10(2 · A²/2 · |K(1 kHz)|²), with |K| the two K-weighting stages' gain at
    /// 1 kHz evaluated from their transfer functions (about +0.69 dB there, hence the offset).
    #[test]
    fn sine_loudness_from_the_k_weighting_gain() {
        let rate = 48_000u32;
        let amp = 10f64.powf(-20.0 / 20.0);
        let x: Vec<f64> = (0..rate as usize * 5)
            .flat_map(|i| {
                let v = amp * (std::f64::consts::TAU * 1000.0 * i as f64 / f64::from(rate)).sin();
                [v, v]
            })
            .collect();
        let k_db: f64 = k_weighting(f64::from(rate))
            .iter()
            .map(|c| c.magnitude_db(1000.0, f64::from(rate)))
            .sum();
        let want = -0.691 + 10.0 * (2.0 * amp * amp / 2.0).log10() + k_db;
        let (got, lra) = integrated_and_range(&x, 2, rate);
        assert!((got - want).abs() < 0.01, "{got} LUFS vs {want}");
        assert!((got + 20.0).abs() < 0.05, "{got}");
        assert!(
            lra.abs() < 0.01,
            "a steady tone has no loudness range: {lra}"
        );
    }

    /// Loudness range against libebur128 on a signal that steps between three levels.
    #[test]
    fn loudness_range_agrees_with_libebur128() {
        let rate = 48_000u32;
        let mut x = Vec::new();
        for (i, db) in [-30.0, -20.0, -25.0, -12.0, -30.0, -18.0]
            .iter()
            .enumerate()
        {
            let a = 10f64.powf(db / 20.0);
            for n in 0..rate as usize * 6 {
                let t = (i * 6 * rate as usize + n) as f64 / f64::from(rate);
                x.push(a * (std::f64::consts::TAU * 440.0 * t).sin());
            }
        }
        let (_, ours) = integrated_and_range(&x, 1, rate);
        let mut e = ebur128::EbuR128::new(1, rate, ebur128::Mode::LRA).expect("ebur128");
        e.add_frames_f64(&x).expect("frames");
        let theirs = e.loudness_range().expect("lra");
        assert!(ours > 10.0, "{ours}");
        assert!(
            (ours - theirs).abs() < 0.5,
            "ours {ours} LU, libebur128 {theirs}"
        );
    }

    fn reference(x: &[f64], ch: usize, rate: u32) -> f64 {
        let mut e = ebur128::EbuR128::new(ch as u32, rate, ebur128::Mode::I).expect("ebur128");
        e.add_frames_f64(x).expect("frames");
        e.loudness_global().expect("loudness")
    }

    fn noise(frames: usize, ch: usize, seed: u64) -> Vec<f64> {
        let mut r = crate::dsp::dither::XorShift64::new(seed);
        (0..frames * ch).map(|_| r.uniform() - 0.5).collect()
    }

    #[test]
    fn published_48k_coefficients() {
        // ITU-R BS.1770-4, table 1 and 2.
        let [s, r] = k_weighting(48_000.0);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(close(s.b0, 1.535_124_859_586_97));
        assert!(close(s.b1, -2.691_696_189_406_38));
        assert!(close(s.b2, 1.198_392_810_852_85));
        assert!(close(s.a1, -1.690_659_293_182_41));
        assert!(close(s.a2, 0.732_480_774_215_85));
        assert!(close(r.a1, -1.990_047_454_833_98));
        assert!(close(r.a2, 0.990_072_250_366_21));
    }

    #[test]
    fn stereo_997_hz_at_minus_23_dbfs_reads_minus_23_lufs() {
        let rate = 48_000;
        let a = 10f64.powf(-23.0 / 20.0);
        let x: Vec<f64> = (0..rate as usize * 10)
            .flat_map(|n| {
                let v = a * (2.0 * PI * 997.0 * n as f64 / f64::from(rate)).sin();
                [v, v]
            })
            .collect();
        let l = measure(&x, 2, rate);
        assert!((l + 23.0).abs() < 0.05, "{l}");
    }

    #[test]
    fn agrees_with_ebur128_within_a_hundredth_of_a_lu() {
        for (rate, ch) in [(44_100, 2), (48_000, 1), (96_000, 2), (22_050, 6)] {
            let mut x = noise(rate as usize * 7, ch, u64::from(rate));
            // Make the gating matter: a quiet passage and a silent one.
            let n = x.len();
            x[n / 3..n / 2].iter_mut().for_each(|v| *v *= 0.01);
            x[n / 2..n * 3 / 5].iter_mut().for_each(|v| *v = 0.0);
            let ours = measure(&x, ch, rate);
            let theirs = reference(&x, ch, rate);
            assert!(
                (ours - theirs).abs() < 0.01,
                "{rate} Hz {ch} ch: {ours} vs {theirs}"
            );
        }
    }

    /// BS.1770-4 table 3 by speaker, read from the layout the mask names: 7.1's side pair
    /// weighs 1.41 like its back pair (it weighed 0, as channels 7 and 8 of the old
    /// count-only table), 5.1 with side surrounds (0x60F) the same as with back ones (0x3F),
    /// and LCRS (0x107) weighs its back centre as a surround instead of as quad's back right.
    #[test]
    fn channel_weights_follow_the_speaker_mask() {
        let s = SURROUND_WEIGHT;
        assert_eq!(channel_weights(8, 0x63F), [1.0, 1.0, 1.0, 0.0, s, s, s, s]);
        assert_eq!(channel_weights(8, 0), channel_weights(8, 0x63F));
        assert_eq!(channel_weights(6, 0x60F), [1.0, 1.0, 1.0, 0.0, s, s]);
        assert_eq!(channel_weights(6, 0x3F), [1.0, 1.0, 1.0, 0.0, s, s]);
        assert_eq!(channel_weights(4, 0x107), [1.0, 1.0, 1.0, s]);
        assert_eq!(channel_weights(4, 0), [1.0, 1.0, s, s]);
        assert_eq!(channel_weights(2, 0), [1.0, 1.0]);
        assert_eq!(channel_weights(1, 0), [1.0]);
        // A mask that does not name every channel falls back to the default layout.
        assert_eq!(channel_weights(6, 0x3), channel_weights(6, 0x3F));
        assert_eq!(channel_weights(12, 0), vec![1.0; 12]);
        // Height speakers are placed (elevation ≥ 30°: weight 1), not a reason to fall back:
        // FL FR FC LFE TC weighed its LFE as quad's back left (+1.5 dB, a tone there read -12
        // LUFS where ffmpeg reads -70), and 5.1.2 (0x560F) its heights as side surrounds.
        assert_eq!(channel_weights(5, 0x80F), [1.0, 1.0, 1.0, 0.0, 1.0]);
        assert_eq!(channel_weights(4, 0x800B), [1.0, 1.0, 0.0, 1.0]);
        assert_eq!(
            channel_weights(8, 0x560F),
            [1.0, 1.0, 1.0, 0.0, s, s, 1.0, 1.0]
        );
    }

    /// 7.1 against libebur128 (the `ebur128` crate) told which speaker each channel is: side
    /// surrounds count +1.5 dB there too.
    #[test]
    fn seven_one_agrees_with_ebur128_given_the_same_speakers() {
        let (rate, ch) = (48_000, 8);
        let x = noise(rate as usize * 5, ch, 71);
        let mut k = crate::dsp::Chain::new(k_weighting(f64::from(rate)).to_vec(), ch, 0.0);
        let mut y = x.clone();
        k.process(&mut y);
        let mut m = GatedMeter::new(ch, 0x63F, rate);
        m.add(&y);
        let ours = m.integrated_lufs();
        let mut e = ebur128::EbuR128::new(ch as u32, rate, ebur128::Mode::I).expect("ebur128");
        use ebur128::Channel::*;
        for (i, c) in [
            Left,
            Right,
            Center,
            Unused,
            LeftSurround,
            RightSurround,
            LeftSurround,
            RightSurround,
        ]
        .into_iter()
        .enumerate()
        {
            e.set_channel(i as u32, c).expect("channel");
        }
        e.add_frames_f64(&x).expect("frames");
        let theirs = e.loudness_global().expect("loudness");
        assert!((ours - theirs).abs() < 0.01, "{ours} vs {theirs}");
        // The old count-only weights left the side pair out: about 1 LU quieter here.
        let mut old = GatedMeter::new(ch, 0x63F, rate);
        let s = SURROUND_WEIGHT;
        old.weights = vec![1.0, 1.0, 1.0, 0.0, s, s, 0.0, 0.0];
        old.add(&y);
        assert!(ours - old.integrated_lufs() > 0.5);
    }

    #[test]
    fn silence_is_minus_infinity_and_match_keeps_base() {
        assert_eq!(measure(&vec![0.0; 96_000], 2, 48_000), f64::NEG_INFINITY);
        assert_eq!(
            match_gains([f64::NEG_INFINITY, -20.0], [-1.0, -2.0]),
            [-1.0, -2.0]
        );
    }

    #[test]
    fn match_to_ceiling_levels_everyone_and_the_loudest_peak_touches_the_ceiling() {
        // A: -20 LUFS peaking at -6 dBFS (crest 14 dB); B: -14 LUFS peaking at -1 dBFS (crest 13 dB).
        let (g, target) = match_to_ceiling(&[(-20.0, -6.0), (-14.0, -1.0)], -0.1).unwrap();
        // The larger crest factor (A, 14 dB) limits: T = -0.1 - 14 = -14.1 LUFS.
        assert!((target - (-14.1)).abs() < 1e-12, "{target}");
        assert!(
            (g[0] - 5.9).abs() < 1e-12 && (g[1] - (-0.1)).abs() < 1e-12,
            "{g:?}"
        );
        assert!((-6.0 + g[0] - (-0.1)).abs() < 1e-12); // A's peak lands on the ceiling
        assert!(-1.0 + g[1] < -0.1 + 1e-12); // B's stays below
        assert_eq!(
            match_to_ceiling(&[(f64::NEG_INFINITY, -90.0), (-14.0, -1.0)], -0.1),
            None
        );
    }

    #[test]
    fn matching_lowers_only_the_louder_side() {
        let g = match_gains([-18.0, -21.5], [-3.0, -4.0]);
        assert!((g[0] - (-6.5)).abs() < 1e-12);
        assert!((g[1] - (-4.0)).abs() < 1e-12);
    }
}

//! One biquad filter: its user-facing specification and its normalised coefficients.
//!
//! Coefficients come from the RBJ Audio-EQ-Cookbook formulas as implemented by the `biquad` crate,
//! always in `f64`. Building and processing are kept apart (as in CamillaDSP's
//! `BiquadCoefficients::from_config`): a [`FilterSpec`] is validated and turned into
//! [`Coefficients`] once, when a chain is built; the hot loop in [`super::chain`] only runs them.

use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

/// The filter shapes a profile may use (RBJ cookbook names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterKind {
    /// Bell boost or cut around `fc_hz`; `q` sets the width.
    Peaking,
    /// Boost or cut everything below `fc_hz` (gain reached at DC).
    LowShelf,
    /// Boost or cut everything above `fc_hz` (gain reached at Nyquist).
    HighShelf,
    /// Second-order low-pass (12 dB/octave); `gain_db` is ignored.
    LowPass,
    /// Second-order high-pass (12 dB/octave); `gain_db` is ignored.
    HighPass,
}

impl FilterKind {
    /// Whether `gain_db` means anything for this kind.
    pub fn uses_gain(self) -> bool {
        matches!(self, Self::Peaking | Self::LowShelf | Self::HighShelf)
    }

    pub fn is_shelf(self) -> bool {
        matches!(self, Self::LowShelf | Self::HighShelf)
    }

    /// Short label for tables: `PK`, `LS`, `HS`, `LP`, `HP` (Equalizer APO's spelling).
    pub fn short(self) -> &'static str {
        match self {
            Self::Peaking => "PK",
            Self::LowShelf => "LS",
            Self::HighShelf => "HS",
            Self::LowPass => "LP",
            Self::HighPass => "HP",
        }
    }
}

/// A filter as a person writes it: kind, centre/corner frequency, gain and Q.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FilterSpec {
    pub kind: FilterKind,
    pub fc_hz: f64,
    #[serde(default)]
    pub gain_db: f64,
    /// The width as a Q. With `bw_oct`, the analogue Q of that bandwidth (for tables and
    /// messages); the coefficients then come from the bandwidth itself.
    pub q: f64,
    /// A peaking filter's width as given in octaves (Equalizer APO `BW Oct`, CamillaDSP
    /// `bandwidth`), kept as given because those programs turn it into coefficients at the rate in
    /// use with the digital (pre-warped) cookbook form, which no single Q matches at every rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bw_oct: Option<f64>,
}

/// A number as a refusal shows it: as written for everyday values, in exponent form when huge or
/// tiny (`1e308`, not 309 digits), so a typo's message stays one short line.
#[derive(Debug, Clone, Copy)]
pub struct Num(pub f64);

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v = self.0;
        if v.is_finite() && v != 0.0 && !(1e-4..1e7).contains(&v.abs()) {
            write!(f, "{v:e}")
        } else {
            write!(f, "{v}")
        }
    }
}

/// Why a [`FilterSpec`] cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FilterError {
    #[error("fc {} Hz is not a positive finite frequency", Num(*.fc_hz))]
    BadFrequency { fc_hz: f64 },
    #[error("Q {} is not a positive finite number", Num(*.q))]
    BadQ { q: f64 },
    #[error("bandwidth {} octaves is not between 0 and {MAX_BW_OCT}", Num(*.bw_oct))]
    BadBandwidth { bw_oct: f64 },
    #[error("gain {} dB is not finite or beyond ±{MAX_ABS_GAIN_DB} dB", Num(*.gain_db))]
    BadGain { gain_db: f64 },
    #[error("fc {} Hz is at or above the Nyquist frequency ({nyquist_hz} Hz) of {sample_rate} Hz audio", Num(*.fc_hz))]
    AboveNyquist {
        fc_hz: f64,
        nyquist_hz: f64,
        sample_rate: f64,
    },
    #[error("the filter is unstable at {sample_rate} Hz (poles outside the unit circle)")]
    Unstable { sample_rate: f64 },
}

/// Largest |gain| of one filter, wherever it comes from (a file, `--filter`, the fitter): beyond
/// this a profile is a mistake, not a tuning. The stricter of the two limits there were (40 dB
/// here, 30 dB for files): every built-in, fitted and fixture profile stays within ±12 dB.
pub const MAX_ABS_GAIN_DB: f64 = 30.0;

/// Widest bandwidth accepted (octaves): 20 spans more than the audio band.
pub const MAX_BW_OCT: f64 = 20.0;

/// How close (relative) to the Nyquist frequency an fc counts as exactly on it, for
/// [`FilterSpec::is_identity_at`]: `22050` or `22050.000001` at 44.1 kHz.
pub const NYQUIST_TOLERANCE: f64 = 1e-9;

/// The analogue Q of a bandwidth of `bw_oct` octaves, √(2^N)/(2^N − 1) (RBJ cookbook: 1/Q =
/// 2 sinh(ln2/2 · BW)): the Q tables show for such a filter.
pub fn analogue_q(bw_oct: f64) -> f64 {
    let x = bw_oct.exp2();
    x.sqrt() / (x - 1.0)
}

impl FilterSpec {
    pub const fn new(kind: FilterKind, fc_hz: f64, gain_db: f64, q: f64) -> Self {
        Self {
            kind,
            fc_hz,
            gain_db,
            q,
            bw_oct: None,
        }
    }

    /// A peaking filter whose width is `bw_oct` octaves (see [`Self::bw_oct`]).
    pub fn peaking_bw(fc_hz: f64, gain_db: f64, bw_oct: f64) -> Self {
        Self {
            q: analogue_q(bw_oct),
            bw_oct: Some(bw_oct),
            ..Self::new(FilterKind::Peaking, fc_hz, gain_db, 0.0)
        }
    }

    /// The Q the coefficients use at `sample_rate`: `q`, or for a bandwidth in octaves the Q with
    /// the same α as the RBJ cookbook's digital form, α = sin ω0 · sinh(ln2/2 · BW · ω0 / sin ω0)
    /// (α = sin ω0 / (2Q)), which is what Equalizer APO and CamillaDSP compute.
    pub fn q_at(&self, sample_rate: f64) -> f64 {
        match self.bw_oct {
            None => self.q,
            Some(bw) => {
                let w0 = 2.0 * PI * self.fc_hz / sample_rate;
                let s = w0.sin();
                let alpha = s * (std::f64::consts::LN_2 / 2.0 * bw * w0 / s).sinh();
                s / (2.0 * alpha)
            }
        }
    }

    /// Checks the numbers that do not depend on the sample rate.
    pub fn validate(&self) -> Result<(), FilterError> {
        if !(self.fc_hz.is_finite() && self.fc_hz > 0.0) {
            return Err(FilterError::BadFrequency { fc_hz: self.fc_hz });
        }
        if !(self.q.is_finite() && self.q > 0.0) {
            return Err(FilterError::BadQ { q: self.q });
        }
        if let Some(bw) = self.bw_oct {
            if !(bw.is_finite() && bw > 0.0 && bw < MAX_BW_OCT) {
                return Err(FilterError::BadBandwidth { bw_oct: bw });
            }
        }
        if !self.gain_db.is_finite() || self.gain_db.abs() > MAX_ABS_GAIN_DB {
            return Err(FilterError::BadGain {
                gain_db: self.gain_db,
            });
        }
        Ok(())
    }

    /// Whether this filter is exactly the identity at `sample_rate` because its `fc_hz` is the
    /// Nyquist frequency (to a relative [`NYQUIST_TOLERANCE`]). At ω0 = π the cookbook has
    /// cos ω0 = −1, sin ω0 = 0, so with a Q, α = sin ω0 / (2Q) = 0, and in closed form:
    /// - peaking: b = a = [1, 2, 1]: H = 1 (AutoEq writes `PK Fc 22050 Hz` for 44.1 kHz);
    /// - high shelf: b = a = 2A·[1, 2, 1]: H = 1 (the shelf starts at Nyquist);
    /// - low-pass: b = a = [1, 2, 1]: H = 1 (it cuts from Nyquist on);
    /// - low shelf: b = 2A²·[1, 2, 1], a = 2·[1, 2, 1]: H = A², a broadband gain, not the identity;
    /// - high-pass: b = 0: silence;
    /// - a peak given in octaves: α = sin ω0 · sinh(ln2/2 · BW · ω0 / sin ω0) grows without bound
    ///   as ω0 → π, and H → A² (a bell BW octaves wide centred on Nyquist), not the identity.
    ///
    /// The identity cases are left out of the cascade (running them would put a double pole on
    /// z = −1); the others stay refused. Leaving one out changes nothing in the sound, unlike
    /// dropping a filter above Nyquist, which is why that is refused rather than dropped.
    pub fn is_identity_at(&self, sample_rate: f64) -> bool {
        let nyquist_hz = sample_rate / 2.0;
        let at_nyquist = (self.fc_hz - nyquist_hz).abs() <= NYQUIST_TOLERANCE * nyquist_hz;
        at_nyquist
            && match self.kind {
                FilterKind::Peaking => self.bw_oct.is_none(),
                FilterKind::HighShelf | FilterKind::LowPass => true,
                FilterKind::LowShelf | FilterKind::HighPass => false,
            }
    }

    /// Normalised coefficients at `sample_rate`, or why there are none.
    ///
    /// A filter whose `fc_hz` is at or above Nyquist has no meaning at this rate: callers drop it
    /// (with a warning) rather than let it produce NaN or an unstable cascade; one that is the
    /// identity there ([`Self::is_identity_at`]) is [`Coefficients::IDENTITY`], which cascades
    /// leave out.
    pub fn coefficients(&self, sample_rate: f64) -> Result<Coefficients, FilterError> {
        self.validate()?;
        if self.is_identity_at(sample_rate) {
            return Ok(Coefficients::IDENTITY);
        }
        let nyquist_hz = sample_rate / 2.0;
        if self.fc_hz >= nyquist_hz {
            return Err(FilterError::AboveNyquist {
                fc_hz: self.fc_hz,
                nyquist_hz,
                sample_rate,
            });
        }
        let kind = match self.kind {
            FilterKind::Peaking => biquad::Type::PeakingEQ(self.gain_db),
            FilterKind::LowShelf => biquad::Type::LowShelf(self.gain_db),
            FilterKind::HighShelf => biquad::Type::HighShelf(self.gain_db),
            FilterKind::LowPass => biquad::Type::LowPass,
            FilterKind::HighPass => biquad::Type::HighPass,
        };
        let c = biquad::Coefficients::<f64>::from_normalized_params(
            kind,
            self.fc_hz / nyquist_hz,
            self.q_at(sample_rate),
        )
        .map_err(|_| FilterError::AboveNyquist {
            fc_hz: self.fc_hz,
            nyquist_hz,
            sample_rate,
        })?;
        let coeffs = Coefficients {
            b0: c.b0,
            b1: c.b1,
            b2: c.b2,
            a1: c.a1,
            a2: c.a2,
        };
        if !coeffs.is_stable() {
            return Err(FilterError::Unstable { sample_rate });
        }
        Ok(coeffs)
    }
}

/// Normalised biquad coefficients (a0 = 1): H(z) = (b0 + b1 z⁻¹ + b2 z⁻²) / (1 + a1 z⁻¹ + a2 z⁻²).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coefficients {
    pub b0: f64,
    pub b1: f64,
    pub b2: f64,
    pub a1: f64,
    pub a2: f64,
}

impl Coefficients {
    /// The identity filter.
    pub const IDENTITY: Self = Self {
        b0: 1.0,
        b1: 0.0,
        b2: 0.0,
        a1: 0.0,
        a2: 0.0,
    };

    /// Both poles strictly inside the unit circle (Jury's conditions for a second-order denominator),
    /// and every coefficient finite.
    pub fn is_stable(&self) -> bool {
        let finite = [self.b0, self.b1, self.b2, self.a1, self.a2]
            .iter()
            .all(|v| v.is_finite());
        finite && self.a2.abs() < 1.0 && self.a1.abs() < 1.0 + self.a2
    }

    /// |H(e^{jω})|² at frequency `f_hz`, evaluated in closed form from the coefficients.
    pub fn magnitude_squared(&self, f_hz: f64, sample_rate: f64) -> f64 {
        let w = 2.0 * PI * f_hz / sample_rate;
        let (c1, s1) = (w.cos(), w.sin());
        let (c2, s2) = ((2.0 * w).cos(), (2.0 * w).sin());
        let nr = self.b0 + self.b1 * c1 + self.b2 * c2;
        let ni = -(self.b1 * s1 + self.b2 * s2);
        let dr = 1.0 + self.a1 * c1 + self.a2 * c2;
        let di = -(self.a1 * s1 + self.a2 * s2);
        (nr * nr + ni * ni) / (dr * dr + di * di)
    }

    /// Gain in dB at `f_hz`.
    pub fn magnitude_db(&self, f_hz: f64, sample_rate: f64) -> f64 {
        10.0 * self.magnitude_squared(f_hz, sample_rate).log10()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FS: f64 = 48_000.0;

    /// The cookbook's design equations fix these values exactly, independently of how the
    /// coefficients are computed: a peaking filter has `gain_db` at fc; a low shelf has `gain_db`
    /// at DC and 0 dB at Nyquist; a high shelf the reverse; LP/HP have -3.01 dB at fc when Q = 1/√2.
    #[test]
    fn cookbook_design_points_hold() {
        for &g in &[-12.0, -3.0, 0.5, 6.0, 12.0] {
            for &fc in &[31.5, 100.0, 1000.0, 8000.0, 16000.0] {
                for &q in &[0.5, 0.707, 2.0, 6.0] {
                    let pk = FilterSpec::new(FilterKind::Peaking, fc, g, q)
                        .coefficients(FS)
                        .unwrap();
                    assert!(
                        (pk.magnitude_db(fc, FS) - g).abs() < 1e-9,
                        "peak {fc} {g} {q}"
                    );
                    assert!(pk.magnitude_db(0.0, FS).abs() < 1e-9);
                    let ls = FilterSpec::new(FilterKind::LowShelf, fc, g, q.min(1.0))
                        .coefficients(FS)
                        .unwrap();
                    assert!((ls.magnitude_db(0.0, FS) - g).abs() < 1e-9, "ls dc");
                    assert!(ls.magnitude_db(FS / 2.0, FS).abs() < 1e-9, "ls nyq");
                    // The cookbook shelf passes through half the gain (in dB) at fc.
                    assert!((ls.magnitude_db(fc, FS) - g / 2.0).abs() < 1e-9, "ls mid");
                    let hs = FilterSpec::new(FilterKind::HighShelf, fc, g, q.min(1.0))
                        .coefficients(FS)
                        .unwrap();
                    assert!(hs.magnitude_db(0.0, FS).abs() < 1e-9, "hs dc");
                    assert!((hs.magnitude_db(FS / 2.0, FS) - g).abs() < 1e-9, "hs nyq");
                    assert!((hs.magnitude_db(fc, FS) - g / 2.0).abs() < 1e-9, "hs mid");
                }
            }
        }
        let lp = FilterSpec::new(
            FilterKind::LowPass,
            1000.0,
            0.0,
            std::f64::consts::FRAC_1_SQRT_2,
        );
        let lp = lp.coefficients(FS).unwrap();
        assert!((lp.magnitude_db(1000.0, FS) + 3.0103).abs() < 1e-3);
        assert!(lp.magnitude_db(0.0, FS).abs() < 1e-9);
    }

    /// The RBJ cookbook's peaking EQ, `[b0, b1, b2, a1, a2]` normalised by a0, typed from the
    /// cookbook's formulas for A, ω0 and α.
    fn cookbook_peaking(a: f64, w0: f64, alpha: f64) -> [f64; 5] {
        let a0 = 1.0 + alpha / a;
        [
            (1.0 + alpha * a) / a0,
            -2.0 * w0.cos() / a0,
            (1.0 - alpha * a) / a0,
            -2.0 * w0.cos() / a0,
            (1.0 - alpha / a) / a0,
        ]
    }

    /// Published value: RBJ peaking EQ, fs = 48 kHz, f0 = 1 kHz, Q = 1, +6 dB, computed by hand
    /// from the cookbook formulas (A = 10^(6/40), w0 = 2π·1000/48000, α = sin(w0)/2).
    #[test]
    fn matches_hand_computed_cookbook_coefficients() {
        let a = 10f64.powf(6.0 / 40.0);
        let w0 = 2.0 * PI * 1000.0 / FS;
        let alpha = w0.sin() / 2.0;
        let want = cookbook_peaking(a, w0, alpha);
        let c = FilterSpec::new(FilterKind::Peaking, 1000.0, 6.0, 1.0)
            .coefficients(FS)
            .unwrap();
        let got = [c.b0, c.b1, c.b2, c.a1, c.a2];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{got:?} vs {want:?}");
        }
        // Numbers printed to 6 places, as a check that the formula above was typed right.
        assert!(
            (c.b0 - 1.043_953).abs() < 1e-6 && (c.a2 - 0.911_675).abs() < 1e-6,
            "{c:?}"
        );
    }

    /// A peak given by its bandwidth in octaves has the RBJ cookbook's digital-form α,
    /// α = sin ω0 · sinh(ln2/2 · BW · ω0 / sin ω0), at every rate: its coefficients equal the
    /// cookbook's computed by hand from that α (to rounding), and its gain at fc is the given
    /// gain. Before, the analogue Q √(2^N)/(2^N − 1) was used whatever the rate
    /// (0.57 dB off at 8 kHz and 1.36 dB at 12 kHz, for +6 dB and 1 octave at 48 kHz).
    #[test]
    fn bandwidth_peaks_use_the_digital_cookbook_form_at_every_rate() {
        for fs in [44_100.0, 48_000.0, 96_000.0] {
            for fc in [1000.0, 8000.0, 12_000.0, 16_000.0] {
                for (gain, bw) in [(6.0, 1.0), (-4.5, 0.3), (3.0, 2.5)] {
                    let a = 10f64.powf(gain / 40.0);
                    let w0 = 2.0 * PI * fc / fs;
                    let alpha = w0.sin() * (2f64.ln() / 2.0 * bw * w0 / w0.sin()).sinh();
                    let want = cookbook_peaking(a, w0, alpha);
                    let c = FilterSpec::peaking_bw(fc, gain, bw)
                        .coefficients(fs)
                        .unwrap();
                    let got = [c.b0, c.b1, c.b2, c.a1, c.a2];
                    for (g, w) in got.iter().zip(want) {
                        assert!(
                            (g - w).abs() < 1e-13,
                            "{fs} {fc} {gain} {bw}: {got:?} vs {want:?}"
                        );
                    }
                    assert!((c.magnitude_db(fc, fs) - gain).abs() < 1e-9);
                }
            }
        }
        // The analogue Q gives a different filter at 12 kHz / 48 kHz (the 1.36 dB).
        let digital = FilterSpec::peaking_bw(12_000.0, 6.0, 1.0)
            .coefficients(48_000.0)
            .unwrap();
        let analogue = FilterSpec::new(FilterKind::Peaking, 12_000.0, 6.0, analogue_q(1.0))
            .coefficients(48_000.0)
            .unwrap();
        let most = (1..2000)
            .map(|i| {
                let f = i as f64 * 11.0;
                (digital.magnitude_db(f, 48_000.0) - analogue.magnitude_db(f, 48_000.0)).abs()
            })
            .fold(0.0, f64::max);
        assert!(most > 1.0, "{most}");
    }

    /// The RBJ cookbook's `[b0, b1, b2, a0, a1, a2]` (not normalised) for `kind` at ω0 = π
    /// exactly, typed from the cookbook with cos ω0 = −1 and α = sin ω0 / (2Q) = 0.
    fn cookbook_at_nyquist(kind: FilterKind, a: f64) -> [f64; 6] {
        let (c, alpha, sa) = (-1.0, 0.0, a.sqrt());
        match kind {
            FilterKind::Peaking => [
                1.0 + alpha * a,
                -2.0 * c,
                1.0 - alpha * a,
                1.0 + alpha / a,
                -2.0 * c,
                1.0 - alpha / a,
            ],
            FilterKind::LowShelf => [
                a * ((a + 1.0) - (a - 1.0) * c + 2.0 * sa * alpha),
                2.0 * a * ((a - 1.0) - (a + 1.0) * c),
                a * ((a + 1.0) - (a - 1.0) * c - 2.0 * sa * alpha),
                (a + 1.0) + (a - 1.0) * c + 2.0 * sa * alpha,
                -2.0 * ((a - 1.0) + (a + 1.0) * c),
                (a + 1.0) + (a - 1.0) * c - 2.0 * sa * alpha,
            ],
            FilterKind::HighShelf => [
                a * ((a + 1.0) + (a - 1.0) * c + 2.0 * sa * alpha),
                -2.0 * a * ((a - 1.0) + (a + 1.0) * c),
                a * ((a + 1.0) + (a - 1.0) * c - 2.0 * sa * alpha),
                (a + 1.0) - (a - 1.0) * c + 2.0 * sa * alpha,
                2.0 * ((a - 1.0) - (a + 1.0) * c),
                (a + 1.0) - (a - 1.0) * c - 2.0 * sa * alpha,
            ],
            FilterKind::LowPass => [
                (1.0 - c) / 2.0,
                1.0 - c,
                (1.0 - c) / 2.0,
                1.0 + alpha,
                -2.0 * c,
                1.0 - alpha,
            ],
            FilterKind::HighPass => [
                (1.0 + c) / 2.0,
                -(1.0 + c),
                (1.0 + c) / 2.0,
                1.0 + alpha,
                -2.0 * c,
                1.0 - alpha,
            ],
        }
    }

    /// AutoEq writes `PK Fc 22050 Hz` for 44.1 kHz (oratory1990's HD 650), which was refused as
    /// "at or above the Nyquist frequency". In closed form, only the kinds whose numerator equals
    /// their denominator at ω0 = π are the identity there: those are accepted as
    /// [`Coefficients::IDENTITY`]; a low shelf (a broadband gain A²), a high-pass (silence) and a
    /// peak given in octaves (α → ∞: a bell on Nyquist) stay refused, as does anything above.
    #[test]
    fn only_filters_that_are_the_identity_at_nyquist_are_accepted_there() {
        let a = 10f64.powf(2.2 / 40.0);
        for kind in [
            FilterKind::Peaking,
            FilterKind::LowShelf,
            FilterKind::HighShelf,
            FilterKind::LowPass,
            FilterKind::HighPass,
        ] {
            let [b0, b1, b2, a0, a1, a2] = cookbook_at_nyquist(kind, a);
            // H(z) = (b0 + b1 z⁻¹ + b2 z⁻²) / (a0 + a1 z⁻¹ + a2 z⁻²), all multiples of [1, 2, 1]
            // (or zero): its value anywhere but z = −1 is the ratio of the leading terms.
            let h = b0 / a0;
            assert!((b1 / a1 - h).abs() < 1e-12, "{kind:?}");
            assert!((b2 / a2 - h).abs() < 1e-12, "{kind:?}");
            let identity = (h - 1.0).abs() < 1e-12;
            match kind {
                FilterKind::LowShelf => assert!((h - a * a).abs() < 1e-12),
                FilterKind::HighPass => assert_eq!(h, 0.0),
                _ => assert!(identity, "{kind:?}: {h}"),
            }
            for fs in [44_100.0, 48_000.0, 88_200.0] {
                let f = FilterSpec::new(kind, fs / 2.0, 2.2, 1.76);
                assert_eq!(f.is_identity_at(fs), identity, "{kind:?} {fs}");
                match f.coefficients(fs) {
                    Ok(c) => assert!(identity && c == Coefficients::IDENTITY, "{kind:?}"),
                    Err(e) => assert!(
                        !identity && matches!(e, FilterError::AboveNyquist { .. }),
                        "{kind:?}: {e}"
                    ),
                }
                // Written with a little rounding (`22050.0000001`): the same filter.
                let near = FilterSpec::new(kind, fs / 2.0 * (1.0 + 1e-12), 2.2, 1.76);
                assert_eq!(near.is_identity_at(fs), identity);
                // Above Nyquist, refused whatever the kind.
                let above = FilterSpec::new(kind, fs / 2.0 + 1.0, 2.2, 1.76);
                assert!(!above.is_identity_at(fs));
                assert!(above.coefficients(fs).is_err());
            }
        }
        let bw = FilterSpec::peaking_bw(22_050.0, 2.2, 1.0);
        assert!(!bw.is_identity_at(44_100.0) && bw.coefficients(44_100.0).is_err());
        // Below Nyquist a peak is still its bell.
        let below = FilterSpec::new(FilterKind::Peaking, 22_050.0, 2.2, 1.76);
        assert!(!below.is_identity_at(48_000.0));
        let c = below.coefficients(48_000.0).unwrap();
        assert!((c.magnitude_db(22_050.0, 48_000.0) - 2.2).abs() < 1e-9);
    }

    #[test]
    fn rejects_nyquist_and_nonsense() {
        // A low shelf at Nyquist is a broadband gain, a peak above it nothing: both refused (a
        // peak exactly at it is the identity: see above).
        for f in [
            FilterSpec::new(FilterKind::LowShelf, 24_000.0, 3.0, 1.0),
            FilterSpec::new(FilterKind::Peaking, 24_001.0, 3.0, 1.0),
        ] {
            assert!(matches!(
                f.coefficients(FS),
                Err(FilterError::AboveNyquist { .. })
            ));
        }
        assert!(matches!(
            FilterSpec::new(FilterKind::Peaking, f64::NAN, 3.0, 1.0).validate(),
            Err(FilterError::BadFrequency { .. })
        ));
        assert!(matches!(
            FilterSpec::new(FilterKind::Peaking, 100.0, 3.0, 0.0).validate(),
            Err(FilterError::BadQ { .. })
        ));
        assert!(matches!(
            FilterSpec::new(FilterKind::Peaking, 100.0, 90.0, 1.0).validate(),
            Err(FilterError::BadGain { .. })
        ));
    }
}

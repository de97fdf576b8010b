//! Correction EQ as AutoEq makes it: the rules `iemsim fit --invert` and a headphone measurement
//! CSV (`--headphones X.csv`) follow, so a correction sounds like the one AutoEq publishes.
//!
//! A simulation (an IEM's deviation) is fitted exactly, peaks included: it is that IEM's sound. A
//! correction is different: it is heard on top of a real ear and a real fit, where narrow treble
//! features of a coupler measurement are not what the listener hears, and large boosts cost
//! headroom and distortion. AutoEq's published practice (jaakkopasanen/AutoEq, `constants.py`:
//! `DEFAULT_MAX_GAIN = 6`, `DEFAULT_TREBLE_SMOOTHING_F_LOWER/UPPER = 6000/8000`,
//! `DEFAULT_SMOOTHING_WINDOW_SIZE = 1/12`, `DEFAULT_TREBLE_SMOOTHING_WINDOW_SIZE = 2`,
//! `DEFAULT_PEAKING_FILTER_MAX_FC = 10000`), which [`curve`] and [`config`] apply:
//! 1. the error (measurement − target) is smoothed over 1/12 octave below 6 kHz and over 2 octaves
//!    above 8 kHz, blended in between;
//! 2. the correction is its negation, with boosts limited to +6 dB ([`MAX_BOOST_DB`]);
//! 3. below the measurement's lowest frequency nothing is fitted (the error is held flat, not
//!    extrapolated), and with boosts capped a bass roll-off below the rig's reliable range (a leaky
//!    seal) is not chased beyond +6 dB;
//! 4. no boost above 10 kHz ([`NO_BOOST_ABOVE_HZ`]): peaks stay at or below it and the summed
//!    response is held at 0 dB there (to within 0.05 dB: `fit::CEILING_TOLERANCE_DB`).

use super::fit::{self, FitConfig};

/// Largest boost of a correction (dB): AutoEq's `DEFAULT_MAX_GAIN`.
pub const MAX_BOOST_DB: f64 = 6.0;

/// Where the treble smoothing starts and where it is complete (Hz).
pub const TREBLE_SMOOTHING_HZ: (f64, f64) = (6_000.0, 8_000.0);

/// Smoothing window below and above the treble transition (octaves).
pub const SMOOTHING_OCT: f64 = 1.0 / 12.0;
pub const TREBLE_SMOOTHING_OCT: f64 = 2.0;

/// No boost above this frequency (Hz).
pub const NO_BOOST_ABOVE_HZ: f64 = 10_000.0;

/// A correction fits only what was measured, so its measurement may start this high (Hz; every
/// other fit needs the whole band): above it, the bass a correction is mostly about is missing.
pub const MEASURED_FROM_AT_MOST_HZ: f64 = 100.0;

/// The fit constraints of a correction: the defaults, plus the +6 dB ceiling on the summed
/// response and no boost above 10 kHz; `measured_from_hz` (the measurement's lowest frequency)
/// raises the band's lower edge, so nothing below the measured range is fitted.
pub fn config(max_filters: usize, measured_from_hz: f64) -> FitConfig {
    let d = FitConfig::default();
    FitConfig {
        max_filters,
        max_boost_hz: NO_BOOST_ABOVE_HZ,
        band_hz: (d.band_hz.0.max(measured_from_hz), d.band_hz.1),
        // A tenth of a dB below the limit: the ceiling holds to within its tolerance (the printed
        // filters are rounded), so the summed boost stays within +6 dB.
        max_total_boost_db: Some(MAX_BOOST_DB - 2.0 * fit::CEILING_TOLERANCE_DB),
        hard_ceilings: true,
        ..d
    }
}

/// The correction curve for `deviation` (measurement − target, dB) at ascending `freqs_hz`:
/// smoothed as AutoEq smooths it, negated, boosts limited to [`MAX_BOOST_DB`].
pub fn curve(freqs_hz: &[f64], deviation: &[f64]) -> Vec<f64> {
    let fine = smooth(freqs_hz, deviation, SMOOTHING_OCT);
    let wide = smooth(freqs_hz, deviation, TREBLE_SMOOTHING_OCT);
    let (lo, hi) = (TREBLE_SMOOTHING_HZ.0.ln(), TREBLE_SMOOTHING_HZ.1.ln());
    freqs_hz
        .iter()
        .zip(fine.iter().zip(&wide))
        .map(|(f, (a, b))| {
            let k = ((f.ln() - lo) / (hi - lo)).clamp(0.0, 1.0);
            (-((1.0 - k) * a + k * b)).min(MAX_BOOST_DB)
        })
        .collect()
}

/// Mean of `v` over a window `width_oct` wide centred (in log frequency) on each point; near the
/// ends the window holds what there is. Linear time (prefix sums and two moving edges).
pub fn smooth(freqs_hz: &[f64], v: &[f64], width_oct: f64) -> Vec<f64> {
    let n = freqs_hz.len().min(v.len());
    let mut prefix = Vec::with_capacity(n + 1);
    prefix.push(0.0);
    for x in &v[..n] {
        prefix.push(prefix[prefix.len() - 1] + x);
    }
    let half = 2f64.powf(width_oct / 2.0);
    let (mut a, mut b) = (0, 0);
    (0..n)
        .map(|i| {
            let (lo, hi) = (freqs_hz[i] / half, freqs_hz[i] * half);
            while a < n && freqs_hz[a] < lo {
                a += 1;
            }
            while b < n && freqs_hz[b] <= hi {
                b += 1;
            }
            (prefix[b] - prefix[a]) / (b - a) as f64
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> Vec<f64> {
        (0..695).map(|n| 20.0 * 1.01f64.powi(n)).collect()
    }

    #[test]
    fn smoothing_is_a_moving_mean_in_log_frequency() {
        let f = grid();
        // A straight line in log f is unchanged away from the ends; a one-point spike spreads
        // over the window's points (1/12 octave ≈ 5.8 point spacings on this grid: 5 points).
        let line: Vec<f64> = f.iter().map(|x| x.ln()).collect();
        let s = smooth(&f, &line, 1.0);
        assert!((s[300] - line[300]).abs() < 1e-9);
        let mut spike = vec![0.0; f.len()];
        spike[300] = 7.0;
        let s = smooth(&f, &spike, SMOOTHING_OCT);
        let covered = s.iter().filter(|v| **v > 0.0).count();
        assert!((5..=7).contains(&covered), "{covered}");
        assert!((s[300] * covered as f64 - 7.0).abs() < 1.5, "{}", s[300]);
    }

    #[test]
    fn treble_features_are_smoothed_away_and_boosts_limited() {
        let f = grid();
        // A narrow −10 dB dip at 12 kHz (wants +10 dB) and a −15 dB bass (wants +15 dB).
        let dev: Vec<f64> = f
            .iter()
            .map(|&x| {
                if (11_500.0..12_500.0).contains(&x) {
                    -10.0
                } else if x < 50.0 {
                    -15.0
                } else {
                    0.0
                }
            })
            .collect();
        let c = curve(&f, &dev);
        assert!(c.iter().all(|v| *v <= MAX_BOOST_DB));
        let at = |hz: f64| c[f.iter().position(|x| *x >= hz).unwrap()];
        assert_eq!(at(20.0), MAX_BOOST_DB);
        // Spread over 2 octaves: the 1/12-octave dip is about 1/24 of its depth.
        assert!(at(12_000.0) < 1.0, "{}", at(12_000.0));
        assert!(at(1_000.0).abs() < 1e-12);
    }
}

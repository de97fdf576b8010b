//! Frequency-response maths: the closed-form magnitude of a cascade on any frequency grid.
//! Pure functions; the same code serves `show`, auto-preamp, plots and (later) fitting.

use super::filter::Coefficients;

/// ISO 266 nominal 1/3-octave centre frequencies from 20 Hz to 20 kHz (31 bands).
pub const THIRD_OCTAVE_CENTRES_HZ: [f64; 31] = [
    20.0, 25.0, 31.5, 40.0, 50.0, 63.0, 80.0, 100.0, 125.0, 160.0, 200.0, 250.0, 315.0, 400.0,
    500.0, 630.0, 800.0, 1000.0, 1250.0, 1600.0, 2000.0, 2500.0, 3150.0, 4000.0, 5000.0, 6300.0,
    8000.0, 10_000.0, 12_500.0, 16_000.0, 20_000.0,
];

/// `n` log-spaced frequencies from `lo_hz` to `hi_hz` inclusive.
pub fn log_grid(lo_hz: f64, hi_hz: f64, n: usize) -> Vec<f64> {
    if n < 2 {
        return vec![lo_hz];
    }
    let ratio = (hi_hz / lo_hz).ln() / (n - 1) as f64;
    (0..n).map(|i| lo_hz * (ratio * i as f64).exp()).collect()
}

/// Points on a chart's response curve: 1/48 octave from 20 Hz to 20 kHz, fine enough that a
/// Q = 10 peak is drawn within 0.1 dB of its top.
pub const CURVE_POINTS: usize = 481;

/// The magnitude response of `coeffs` as (Hz, dB) points from 20 Hz to 20 kHz (below Nyquist):
/// the one curve the plots, `show`, the play screen's chart and the demos draw.
pub fn curve(coeffs: &[Coefficients], sample_rate: f64) -> Vec<(f64, f64)> {
    curve_grid(&[coeffs], sample_rate)
        .into_iter()
        .map(|f| (f, cascade_db(coeffs, f, sample_rate)))
        .collect()
}

/// The frequencies a response curve is drawn at: [`CURVE_POINTS`] on a log grid from 20 Hz to
/// 20 kHz (below Nyquist), plus the exact peaks and dips of each cascade of `cascades` ([`extrema`]):
/// a narrow peak falls between grid points (a Q 200, +20 dB peak was drawn at +5 dB, beside
/// `show`'s +20.0).
pub fn curve_grid(cascades: &[&[Coefficients]], sample_rate: f64) -> Vec<f64> {
    let mut grid: Vec<f64> = log_grid(20.0, 20_000.0, CURVE_POINTS)
        .into_iter()
        .filter(|&f| f < sample_rate / 2.0)
        .collect();
    for coeffs in cascades.iter().filter(|c| !c.is_empty()) {
        grid.extend(extrema(coeffs, sample_rate, 0.0).iter().map(|e| e.hz));
    }
    grid.sort_by(f64::total_cmp);
    grid.dedup();
    grid
}

/// Frames until the slowest pole of `coeffs` has decayed to `level` (e.g. 1e-3 = −60 dB) of its
/// start: ln(level) / ln(r) for the largest pole radius r (for 1 + a1·z⁻¹ + a2·z⁻², √a2 when the
/// poles are a complex pair, else the larger real root's magnitude). This is how long a cascade
/// started from silence mid-signal takes to forget its start: a +6 dB, Q 6 peak at 20 Hz at
/// 48 kHz has r ≈ 1 − α/A = 1 − 1/6480 (135 ms per neper), 0.93 s to −60 dB. 0 for no
/// filters; `usize::MAX` for an unstable or marginal pole (never settles).
pub fn settle_frames(coeffs: &[Coefficients], level: f64) -> usize {
    let r = coeffs.iter().map(pole_radius).fold(0.0, f64::max);
    if r == 0.0 {
        return 0;
    }
    if r >= 1.0 || !r.is_finite() {
        return usize::MAX;
    }
    let n = level.ln() / r.ln();
    if n.is_finite() && n >= 0.0 {
        n.ceil().min(usize::MAX as f64) as usize
    } else {
        usize::MAX
    }
}

/// The largest |pole| of one biquad: the roots of z² + a1·z + a2.
fn pole_radius(c: &Coefficients) -> f64 {
    let d = c.a1 * c.a1 - 4.0 * c.a2;
    if d < 0.0 {
        c.a2.max(0.0).sqrt()
    } else {
        let s = d.sqrt();
        ((-c.a1 + s) / 2.0).abs().max(((-c.a1 - s) / 2.0).abs())
    }
}

/// Gain of the cascade `coeffs` at `f_hz` (dB), excluding any output gain.
pub fn cascade_db(coeffs: &[Coefficients], f_hz: f64, sample_rate: f64) -> f64 {
    coeffs
        .iter()
        .map(|c| c.magnitude_db(f_hz, sample_rate))
        .sum()
}

/// Gain of the cascade at each frequency in `freqs_hz` (dB).
pub fn cascade_db_at(coeffs: &[Coefficients], freqs_hz: &[f64], sample_rate: f64) -> Vec<f64> {
    freqs_hz
        .iter()
        .map(|&f| cascade_db(coeffs, f, sample_rate))
        .collect()
}

/// The largest gain of the cascade anywhere from DC to Nyquist (dB; 0 if it only cuts).
///
/// Evaluated at DC and on a dense grid (1/96 octave from 1 Hz), then refined by golden-section
/// search around every local maximum of the grid and around every resonance (a biquad's pole
/// pair), so the value is within 0.001 dB of the true peak. (From 10 Hz, as it once was, a bass
/// shelf still rising below it was missed: AutoEq's HD 600 EQ boosted DC 0.044 dB past
/// `--preamp auto`. Refined around the best grid point only, a peak narrower than the grid step
/// was missed: Q 4.46 at 11 014 Hz of 22 050 Hz, or Q 200 anywhere, came out 5 dB louder.)
pub fn max_boost_db(coeffs: &[Coefficients], sample_rate: f64) -> f64 {
    max_boost(coeffs, sample_rate).1
}

/// [`max_boost_db`] and where it is: (Hz, dB); the frequency is that of the largest gain even
/// when the cascade only cuts (the dB is then 0).
pub fn max_boost(coeffs: &[Coefficients], sample_rate: f64) -> (f64, f64) {
    // Nyquist itself: stopping at 0.9999 of it left a peak 1 Hz below it at 44.1 kHz out (+0.13
    // dB found for +6: `--preamp auto` let it through 5.9 dB too loud).
    let top = sample_rate / 2.0;
    let n = (top.log2() * 96.0).ceil() as usize + 1;
    let grid = log_grid(1.0, top, n);
    let gains = cascade_db_at(coeffs, &grid, sample_rate);
    // Brackets for the search: the neighbours of each local maximum of the grid, and a few
    // bandwidths around each resonance, which may lie between two grid points unseen.
    let last = grid.len() - 1;
    let local_maxima = (0..grid.len()).filter(|&i| {
        (i == 0 || gains[i] > gains[i - 1]) && (i == last || gains[i] >= gains[i + 1])
    });
    let mut brackets: Vec<(f64, f64)> = local_maxima
        .map(|i| (grid[i.saturating_sub(1)], grid[(i + 1).min(last)]))
        .collect();
    brackets.extend(coeffs.iter().filter_map(|c| {
        let (hz, bandwidth) = resonance(c, sample_rate)?;
        let (lo, hi) = (
            (hz - 4.0 * bandwidth).max(1.0),
            (hz + 4.0 * bandwidth).min(top),
        );
        (lo < hi).then_some((lo, hi))
    }));
    // Repeated filters (a file that lists one filter many times) share their bracket.
    brackets.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.total_cmp(&y.1)));
    brackets.dedup();
    let searched = brackets
        .into_iter()
        .map(|(lo, hi)| golden(coeffs, sample_rate, lo, hi, 1.0));
    // Below 1 Hz only DC: a shelf's or a pass filter's response runs on to it monotonically (a
    // filter centred below 1 Hz is no audio filter).
    let dc = (0.0, cascade_db(coeffs, 0.0, sample_rate));
    // The first of the largest: the grid, then the searches, then DC.
    let points = grid.iter().copied().zip(gains.iter().copied());
    let first_largest = |best: (f64, f64), p: (f64, f64)| if p.1 > best.1 { p } else { best };
    let (hz, db) = points
        .chain(searched)
        .chain([dc])
        .fold((grid[0], gains[0]), first_largest);
    (hz, db.max(0.0))
}

/// Where a biquad resonates: the frequency of its complex pole pair and the approximate -3 dB
/// bandwidth it gives, (1 − r)·fs/π for pole radius r (Hz, Hz); None for real poles.
fn resonance(c: &Coefficients, sample_rate: f64) -> Option<(f64, f64)> {
    // Denominator 1 + a1 z⁻¹ + a2 z⁻²: complex poles when a1² < 4·a2, at radius √a2.
    if !(c.a2 > 0.0 && c.a1 * c.a1 < 4.0 * c.a2) {
        return None;
    }
    let r = c.a2.sqrt();
    let theta = (-c.a1 / (2.0 * r)).clamp(-1.0, 1.0).acos();
    let hz = theta * sample_rate / std::f64::consts::TAU;
    let bandwidth = ((1.0 - r).abs() * sample_rate / std::f64::consts::PI).max(1e-3);
    Some((hz, bandwidth))
}

/// Golden-section search (in log frequency) for the largest `sign · gain` between `lo_hz` and
/// `hi_hz`, where the response has one extremum: `sign` 1 finds a peak, −1 a dip. Returns
/// (Hz, dB).
fn golden(
    coeffs: &[Coefficients],
    sample_rate: f64,
    lo_hz: f64,
    hi_hz: f64,
    sign: f64,
) -> (f64, f64) {
    let (mut a, mut b) = (lo_hz.ln(), hi_hz.ln());
    let phi = (5f64.sqrt() - 1.0) / 2.0;
    let g = |x: f64| sign * cascade_db(coeffs, x.exp(), sample_rate);
    // One new evaluation per step (the other inner point is kept), down to a bracket 1e-9 wide in
    // log frequency: far inside any peak (Q 10 000 is 1e-4 wide), about 45 steps for the widest.
    let (mut c, mut d) = (b - phi * (b - a), a + phi * (b - a));
    let (mut gc, mut gd) = (g(c), g(d));
    for _ in 0..100 {
        if b - a <= 1e-9 {
            break;
        }
        if gc > gd {
            (b, d, gd) = (d, c, gc);
            c = b - phi * (b - a);
            gc = g(c);
        } else {
            (a, c, gc) = (c, d, gd);
            d = a + phi * (b - a);
            gd = g(d);
        }
    }
    let f = ((a + b) / 2.0).exp();
    (f, cascade_db(coeffs, f, sample_rate))
}

/// A local maximum (peak) or minimum (dip) of a response.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Extremum {
    pub kind: ExtremumKind,
    pub hz: f64,
    pub db: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExtremumKind {
    Peak,
    Dip,
}

/// The true peaks and dips of the cascade from 20 Hz to 20 kHz (or just below Nyquist), in
/// ascending frequency. A 1/3-octave table samples the response at fixed centres and misses
/// narrow features between them (a Q 4 peak is about 1/3 octave wide); here the closed-form
/// response is scanned at 1/96 octave and every local extremum is refined by golden-section
/// search to within 0.001 dB. Extrema within `min_db` of 0 dB are left out (ripples of shelves
/// meeting, numerical flatness).
pub fn extrema(coeffs: &[Coefficients], sample_rate: f64, min_db: f64) -> Vec<Extremum> {
    let hi = (sample_rate / 2.0 * 0.9999).min(20_000.0);
    let lo = 20.0f64.min(hi / 2.0);
    let n = ((hi / lo).log2() * 96.0).ceil() as usize + 1;
    let grid = log_grid(lo, hi, n);
    let g = cascade_db_at(coeffs, &grid, sample_rate);
    let mut out = Vec::new();
    for i in 1..grid.len().saturating_sub(1) {
        let (l, m, r) = (g[i - 1], g[i], g[i + 1]);
        let (kind, sign) = if m > l && m >= r {
            (ExtremumKind::Peak, 1.0)
        } else if m < l && m <= r {
            (ExtremumKind::Dip, -1.0)
        } else {
            continue;
        };
        let (hz, db) = golden(coeffs, sample_rate, grid[i - 1], grid[i + 1], sign);
        out.push(Extremum { kind, hz, db });
    }
    // Left out: those within `min_db` of 0 dB that also stand less than `min_db` above (below)
    // the neighbouring extremum or band edge on either side. By level alone, a peak at −0.005 dB
    // between dips of −10.6 and −7.3 dB was left out, and the list showed two dips in a row.
    let edge = (
        g.first().copied().unwrap_or(0.0),
        g.last().copied().unwrap_or(0.0),
    );
    let level = |i: Option<usize>, at_edge: f64| i.map_or(at_edge, |i: usize| out[i].db);
    let keep: Vec<bool> = (0..out.len())
        .map(|i| {
            let db = out[i].db;
            let before = level(i.checked_sub(1), edge.0);
            let after = level(Some(i + 1).filter(|&j| j < out.len()), edge.1);
            let prominence = (db - before).abs().min((db - after).abs());
            db.abs() >= min_db || prominence >= min_db
        })
        .collect();
    out.into_iter()
        .zip(keep)
        .filter_map(|(e, k)| k.then_some(e))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::filter::{FilterKind, FilterSpec};

    #[test]
    fn max_boost_of_a_single_peak_is_its_gain() {
        let c = [FilterSpec::new(FilterKind::Peaking, 7777.0, 5.5, 4.0)
            .coefficients(48_000.0)
            .unwrap()];
        assert!((max_boost_db(&c, 48_000.0) - 5.5).abs() < 1e-3);
        // A peaking filter's largest gain is at its centre (bilinear warping moves the centre
        // of an RBJ peak by far less than 0.1 % at 7.8 kHz / 48 kHz: the cookbook prewarps).
        let (hz, _) = max_boost(&c, 48_000.0);
        assert!((hz / 7777.0 - 1.0).abs() < 1e-3, "{hz}");
        let cut = [FilterSpec::new(FilterKind::Peaking, 1000.0, -5.0, 1.0)
            .coefficients(48_000.0)
            .unwrap()];
        assert_eq!(max_boost_db(&cut, 48_000.0), 0.0);
        let ls = [FilterSpec::new(FilterKind::LowShelf, 100.0, 6.0, 0.7)
            .coefficients(48_000.0)
            .unwrap()];
        assert!((max_boost_db(&ls, 48_000.0) - 6.0).abs() < 0.01);
        // A shelf rises all the way to DC, where the cookbook's low shelf is exactly A² (its
        // gain): the search reaches it. (From 10 Hz it found +6.456 dB for AutoEq's HD 600 shelf,
        // 105 Hz +6.5 dB Q 0.71, so `--preamp auto` left DC 0.044 dB louder than it went in.)
        let hd600 = [FilterSpec::new(FilterKind::LowShelf, 105.0, 6.5, 0.71)
            .coefficients(48_000.0)
            .unwrap()];
        // (Its Q, a little above 1/√2, lifts it a hair above A² just above DC.)
        let (hz, db) = max_boost(&hd600, 48_000.0);
        assert!(
            hz < 10.0 && (6.5 - 1e-9..6.51).contains(&db),
            "{db} dB at {hz} Hz"
        );
        assert!(db >= cascade_db(&hd600, 0.0, 48_000.0) - 1e-12);
        assert!((cascade_db(&hd600, 0.0, 48_000.0) - 6.5).abs() < 1e-9);
    }

    /// A peak narrower than the 1/96-octave grid, beside a broad one that wins on the grid, is
    /// found: its RBJ peak is exactly its gain at fc. Refined around the best grid point only,
    /// these read the broad peak's +1 dB (or +3), and `--preamp auto` let the narrow one through
    /// 5 dB too loud: the etymotic-er2xr profile at 22 050 Hz (Q 4.46 at 11 014 Hz, 5 Hz wide
    /// that close to Nyquist), Q 200 and Q 1000 peaks in a user's EQ file.
    #[test]
    fn max_boost_finds_a_peak_narrower_than_the_grid() {
        for (fs, fc, gain, q) in [
            (22_050.0, 11_014.0, 6.5, 4.46),
            (44_100.0, 22_000.0, 6.0, 4.0),
            (44_100.0, 22_049.0, 9.0, 4.0),
            (48_000.0, 1013.0, 6.0, 200.0),
            (48_000.0, 7919.0, 6.0, 200.0),
            (48_000.0, 5001.0, 10.0, 1000.0),
            // On the skirt of a broad +6 dB peak: no local maximum of the grid near it.
            (48_000.0, 1301.0, 3.0, 1000.0),
            (48_000.0, 1703.0, 3.0, 1000.0),
        ] {
            let c = [
                FilterSpec::new(FilterKind::Peaking, 1000.0, 6.0, 0.5)
                    .coefficients(fs)
                    .unwrap(),
                FilterSpec::new(FilterKind::Peaking, fc, gain, q)
                    .coefficients(fs)
                    .unwrap(),
            ];
            // The closed form at fc, where the narrow peak has all its gain (plus the broad
            // one's little there): the true maximum is at least that.
            let at_fc = cascade_db(&c, fc, fs);
            assert!(at_fc > gain - 0.01, "{at_fc} at {fc} Hz");
            let (hz, db) = max_boost(&c, fs);
            assert!(
                db >= at_fc - 1e-3,
                "{fc} Hz Q {q} at {fs} Hz: {db} dB at {hz} Hz, {at_fc} at fc"
            );
            assert!((hz / fc - 1.0).abs() < 1e-3, "{hz} Hz for {fc}");
        }
    }

    fn peaking(fc: f64, gain: f64, q: f64) -> Coefficients {
        FilterSpec::new(FilterKind::Peaking, fc, gain, q)
            .coefficients(48_000.0)
            .unwrap()
    }

    /// RBJ's peaking EQ is pre-warped so its extremum is exactly at fc with exactly the gain
    /// (Audio-EQ-Cookbook): a narrow peak between 1/3-octave centres is found where it is.
    #[test]
    fn extrema_of_single_peaks_and_dips_are_at_fc_with_their_gain() {
        for (fc, gain, q) in [(8500.0, 3.0, 4.0), (1234.0, -5.0, 2.0), (60.0, 2.0, 0.7)] {
            let e = extrema(&[peaking(fc, gain, q)], 48_000.0, 0.1);
            assert_eq!(e.len(), 1, "{e:?}");
            let kind = if gain > 0.0 {
                ExtremumKind::Peak
            } else {
                ExtremumKind::Dip
            };
            assert_eq!(e[0].kind, kind);
            assert!((e[0].hz / fc - 1.0).abs() < 1e-3, "{e:?} for fc {fc}");
            assert!((e[0].db - gain).abs() < 1e-3, "{e:?} for gain {gain}");
        }
        // A flat cascade and a plain shelf have none.
        assert!(extrema(&[], 48_000.0, 0.1).is_empty());
        let shelf = FilterSpec::new(FilterKind::HighShelf, 3000.0, 4.0, 0.7)
            .coefficients(48_000.0)
            .unwrap();
        assert!(extrema(&[shelf], 48_000.0, 0.1).is_empty());
    }

    /// Two features far apart: each extremum is the largest (smallest) value of the closed-form
    /// response near it, checked against a brute-force 1/2000-octave scan.
    #[test]
    fn extrema_of_a_cascade_match_a_fine_scan() {
        let c = [peaking(700.0, 6.0, 1.5), peaking(9000.0, -4.0, 5.0)];
        let e = extrema(&c, 48_000.0, 0.1);
        assert_eq!(e.len(), 2, "{e:?}");
        let scan = |lo: f64, hi: f64, sign: f64| {
            log_grid(lo, hi, 4000)
                .into_iter()
                .map(|f| sign * cascade_db(&c, f, 48_000.0))
                .fold(f64::NEG_INFINITY, f64::max)
                * sign
        };
        assert_eq!(e[0].kind, ExtremumKind::Peak);
        assert!((e[0].db - scan(300.0, 1500.0, 1.0)).abs() < 1e-3, "{e:?}");
        assert_eq!(e[1].kind, ExtremumKind::Dip);
        assert!(
            (e[1].db - scan(6000.0, 12_000.0, -1.0)).abs() < 1e-3,
            "{e:?}"
        );
    }

    /// A peak near 0 dB between two deep dips stands out by their depth: it is listed, so peaks
    /// and dips alternate (by level alone it was left out: two dips in a row). A near-0 ripple
    /// between flat stretches still is not.
    #[test]
    fn a_prominent_extremum_near_0_db_is_listed() {
        let c = [peaking(250.0, -8.0, 6.0), peaking(4000.0, -8.0, 6.0)];
        let e = extrema(&c, 48_000.0, 0.1);
        let kinds: Vec<ExtremumKind> = e.iter().map(|x| x.kind).collect();
        assert_eq!(
            kinds,
            [ExtremumKind::Dip, ExtremumKind::Peak, ExtremumKind::Dip],
            "{e:?}"
        );
        assert!(
            e[1].db.abs() < 0.1 && e[1].hz > 250.0 && e[1].hz < 4000.0,
            "{e:?}"
        );
        let ripple = [peaking(1000.0, 0.05, 1.0)];
        assert!(extrema(&ripple, 48_000.0, 0.1).is_empty());
    }

    /// The curve of one peaking filter tops out at its fc and gain (RBJ: |H(fc)| = A²).
    #[test]
    fn curve_of_a_peak_tops_at_fc() {
        let c = [FilterSpec::new(FilterKind::Peaking, 1000.0, 6.0, 2.0)
            .coefficients(48_000.0)
            .unwrap()];
        let pts = curve(&c, 48_000.0);
        // The grid, and the peak itself.
        assert_eq!(pts.len(), CURVE_POINTS + 1);
        let top = |pts: &[(f64, f64)]| {
            pts.iter()
                .copied()
                .fold((0.0, f64::MIN), |a, p| if p.1 > a.1 { p } else { a })
        };
        let t = top(&pts);
        assert!((t.0 / 1000.0).log2().abs() < 1e-6, "{t:?}");
        assert!((t.1 - 6.0).abs() < 1e-6, "{t:?}");
        // A peak far narrower than the grid's spacing (1.45 %) is drawn at its gain: a Q 200,
        // +20 dB peak was drawn at +5 dB. And a dip at its depth.
        let narrow = [
            FilterSpec::new(FilterKind::Peaking, 993.0, 20.0, 200.0),
            FilterSpec::new(FilterKind::Peaking, 3000.0, -20.0, 200.0),
        ]
        .map(|f| f.coefficients(48_000.0).unwrap());
        let pts = curve(&narrow, 48_000.0);
        let t = top(&pts);
        assert!(
            (t.0 - 993.0).abs() < 0.01 && (t.1 - 20.0).abs() < 1e-3,
            "{t:?}"
        );
        let low = pts
            .iter()
            .copied()
            .fold((0.0, f64::MAX), |a, p| if p.1 < a.1 { p } else { a });
        assert!(
            (low.0 - 3000.0).abs() < 0.01 && (low.1 + 20.0).abs() < 1e-3,
            "{low:?}"
        );
        // At 22.05 kHz Nyquist the top of the grid is dropped.
        assert!(curve(&c, 32_000.0).last().unwrap().0 < 16_000.0);
    }

    #[test]
    fn log_grid_ends_and_spacing() {
        let g = log_grid(20.0, 20_000.0, 31);
        assert!((g[0] - 20.0).abs() < 1e-9 && (g[30] - 20_000.0).abs() < 1e-6);
        assert!((g[1] / g[0] - 10f64.powf(0.1)).abs() < 1e-9);
    }
}

#[cfg(test)]
mod settle_tests {
    use super::*;
    use crate::dsp::filter::{FilterKind, FilterSpec};

    /// The decay time from the pole radius agrees with the impulse response measured through the
    /// difference equation (written out here): the last sample above −60 dB of the peak
    /// magnitude is within 10 % of `settle_frames`, for a slow and a fast filter.
    #[test]
    fn settle_time_matches_the_measured_impulse_response() {
        for (kind, fc, gain, q) in [
            (FilterKind::Peaking, 20.0, 6.0, 6.0),
            (FilterKind::LowShelf, 105.0, 6.0, 0.7),
            (FilterKind::HighPass, 30.0, 0.0, 0.707),
        ] {
            let c = FilterSpec::new(kind, fc, gain, q)
                .coefficients(48_000.0)
                .unwrap();
            let n = settle_frames(&[c], 1e-3);
            // The impulse response minus its direct part decays with the poles.
            let (mut x1, mut x2, mut y1, mut y2) = (0.0, 0.0, 0.0, 0.0);
            let mut last = 0;
            let mut h = Vec::new();
            for i in 0..n * 3 + 10 {
                let x = if i == 0 { 1.0 } else { 0.0 };
                let y = c.b0 * x + c.b1 * x1 + c.b2 * x2 - c.a1 * y1 - c.a2 * y2;
                (x2, x1, y2, y1) = (x1, x, y1, y);
                h.push(y);
            }
            // Envelope: the largest magnitude from each sample on (oscillating responses).
            let mut tail_max = vec![0.0f64; h.len() + 1];
            for i in (0..h.len()).rev() {
                tail_max[i] = tail_max[i + 1].max(h[i].abs());
            }
            for i in 2..h.len() {
                if tail_max[i] > 1e-3 * tail_max[2] {
                    last = i;
                }
            }
            let rel = (last as f64 - n as f64).abs() / n as f64;
            assert!(
                rel < 0.1,
                "{kind:?} {fc} Hz: measured {last}, from the pole {n}"
            );
        }
        assert_eq!(settle_frames(&[], 1e-3), 0);
    }

    #[test]
    fn a_q6_peak_at_20_hz_takes_longer_than_the_old_fixed_100_ms() {
        let c = FilterSpec::new(FilterKind::Peaking, 20.0, 6.0, 6.0)
            .coefficients(48_000.0)
            .unwrap();
        let s = settle_frames(&[c], 1e-3) as f64 / 48_000.0;
        // ln(1000) / ln(1 / r) with r = sqrt(a2) ≈ 1 − α/A, α = sin(ω0)/(2Q), A = 10^(6/40).
        let w0 = 2.0 * std::f64::consts::PI * 20.0 / 48_000.0;
        let alpha_over_a = w0.sin() / 12.0 / 10f64.powf(6.0 / 40.0);
        let expected = 1000f64.ln() / alpha_over_a / 48_000.0;
        assert!(
            (s - expected).abs() / expected < 0.01,
            "{s} s vs {expected} s"
        );
        assert!(s > 0.8, "{s} s");
    }
}

//! Tests of the fitter against independent facts: curves made from known filters by the RBJ
//! cookbook formulas written out again here (not the crate's coefficient code), and the limits.

use super::*;

const FS: f64 = 48_000.0;

#[path = "../../tests/common/rbj.rs"]
mod rbj;

/// |H| in dB of one filter by the independent cookbook reference (`tests/common/rbj.rs`).
fn rbj_db(kind: FilterKind, fc: f64, gain_db: f64, q: f64, f: f64) -> f64 {
    rbj::magnitude_db(kind.short(), fc, gain_db, q, FS, f)
}

/// AutoEq's standard grid, 20·1.01^n Hz.
fn grid() -> Vec<f64> {
    (0..695).map(|n| 20.0 * 1.01f64.powi(n)).collect()
}

/// A small deterministic generator (64-bit LCG, Knuth's MMIX constants) for random PEQs.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next()
    }
}

#[test]
fn recovers_random_peqs_from_their_closed_form_response() {
    let f = grid();
    let mut rng = Lcg(2024);
    for case in 0..8 {
        // A low shelf and 5 peaks at random, within the constraints, the peaks an octave apart
        // at least in spirit (log-uniform from 40 Hz to 9 kHz).
        let mut truth = vec![(
            FilterKind::LowShelf,
            rng.range(40.0, 200.0),
            rng.range(-8.0, 8.0),
            rng.range(0.5, 0.9),
        )];
        for _ in 0..5 {
            truth.push((
                FilterKind::Peaking,
                (rng.range(40f64.ln(), 9000f64.ln())).exp(),
                rng.range(-9.0, 9.0),
                rng.range(0.5, 4.0),
            ));
        }
        let curve: Vec<f64> = f
            .iter()
            .map(|&x| truth.iter().map(|t| rbj_db(t.0, t.1, t.2, t.3, x)).sum())
            .collect();
        let got = fit(&f, &curve, &FitConfig::default());
        // Recomputed independently from the fitted numbers.
        let band: Vec<f64> = f
            .iter()
            .zip(&curve)
            .filter(|(x, _)| (20.0..=10_000.0).contains(*x))
            .map(|(&x, c)| {
                got.filters
                    .iter()
                    .map(|s| rbj_db(s.kind, s.fc_hz, s.gain_db, s.q, x))
                    .sum::<f64>()
                    - c
            })
            .collect();
        let mean = band.iter().sum::<f64>() / band.len() as f64;
        let rms = (band.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / band.len() as f64).sqrt();
        assert!(
            rms < 0.15,
            "case {case}: rms {rms:.3} dB\n{truth:?}\n{:?}",
            got.filters
        );
        assert!(
            (rms - got.error.rms_db).abs() < 1e-6,
            "case {case}: reported {:?}",
            got.error
        );
    }
}

#[test]
fn keeps_to_the_constraints_on_an_extreme_curve() {
    // A curve no 10 filters can follow: ±20 dB steps and a +15 dB spike at 16 kHz.
    let f = grid();
    let curve: Vec<f64> = f
        .iter()
        .map(|&x| match x {
            x if x < 60.0 => -20.0,
            x if (3000.0..3300.0).contains(&x) => 20.0,
            x if x > 15_000.0 => 15.0,
            _ => 0.0,
        })
        .collect();
    let cfg = FitConfig::default();
    let got = fit(&f, &curve, &cfg);
    assert!(got.filters.len() <= 10);
    for s in &got.filters {
        assert!(s.gain_db.abs() <= 12.0 + 1e-9, "{s:?}");
        assert!(s.q <= 6.0 + 1e-9, "{s:?}");
        assert!(!(s.fc_hz > 14_000.0 && s.gain_db > 0.0), "{s:?}");
        assert!(
            !(s.kind == FilterKind::HighShelf && s.gain_db > 0.0),
            "{s:?}"
        );
        s.validate().unwrap();
    }
    let cfg3 = FitConfig {
        max_filters: 3,
        ..cfg
    };
    assert!(fit(&f, &curve, &cfg3).filters.len() <= 3);
}

#[test]
fn is_deterministic_and_a_flat_curve_needs_nothing() {
    let f = grid();
    let curve: Vec<f64> = f.iter().map(|x| 3.0 * (x / 1000.0).ln().sin()).collect();
    let a = fit(&f, &curve, &FitConfig::default());
    let b = fit(&f, &curve, &FitConfig::default());
    assert_eq!(a, b);
    // 0 dB everywhere (the level is anchored at 0 dB, as the deviation curves are).
    let flat = fit(&f, &vec![0.0; f.len()], &FitConfig::default());
    assert!(flat.filters.is_empty(), "{:?}", flat.filters);
    assert!(flat.error.rms_db < 1e-9);
}

//! `src/commands/demo/numbers.rs`'s functions (the command layer is not in the unit-test build: see `src/lib.rs`).

use iemsim::commands::demo::numbers::*;
use iemsim::dsp::analysis::Spectrum;
use iemsim::dsp::dither::XorShift64;

#[test]
fn around_is_the_band_level_db_uses() {
    let mut rng = XorShift64::new(7);
    let x: Vec<f64> = (0..100_000).map(|_| rng.uniform() - 0.5).collect();
    for rate in [44_100.0, 48_000.0] {
        let s = Spectrum::welch(&x, 1, rate);
        for f in [30.0, 50.0, 100.0, 1000.0, 8000.0] {
            let (lo, hi) = Band::Around(f).edges(rate);
            assert!(lo < f && f < hi);
            assert_eq!(s.band_db(lo, hi), s.level_db(f), "{f} Hz at {rate}");
        }
    }
}

#[test]
fn labels() {
    let m = Measure::new(Band::Range(5000.0, 9000.0), Band::Range(500.0, 2000.0));
    assert_eq!(m.label(), "5-9 kHz re 0.5-2 kHz");
    assert_eq!(Band::Range(250.0, 2000.0).label(), "250 Hz-2 kHz");
    assert_eq!(Band::Around(30.0).label(), "30 Hz");
    assert_eq!(Band::Around(1000.0).label(), "1 kHz");
    assert_eq!(Band::Range(20.0, 60.0).label(), "20-60 Hz");
}

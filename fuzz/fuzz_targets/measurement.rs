//! Any bytes, read as a frequency-response CSV the way iemsim reads measurements.
//!
//! Waits for `io::measurement` (another branch): built only with `--features measurement` until
//! the lead removes `required-features` from this target in Cargo.toml. Adjust the marked call
//! to the reader's pure parse function; everything else is the property check.
//!
//! Properties: never panics; an accepted file gives at least one point, frequencies finite,
//! positive and strictly increasing, levels finite.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // ADJUST: the reader's pure entry point (text + source name, no I/O).
    let Ok(m) = iemsim::io::measurement::parse(text, "fuzz.csv") else {
        return;
    };
    // ADJUST: field names of the parsed measurement.
    let (freqs, levels) = (&m.freqs_hz, &m.levels_db);
    assert!(!freqs.is_empty());
    assert_eq!(freqs.len(), levels.len());
    for w in freqs.windows(2) {
        assert!(
            w[0] < w[1],
            "frequencies not strictly increasing: {} then {}",
            w[0],
            w[1]
        );
    }
    for (&f, &l) in freqs.iter().zip(levels) {
        assert!(f.is_finite() && f > 0.0, "frequency {f}");
        assert!(l.is_finite(), "level {l}");
    }
});

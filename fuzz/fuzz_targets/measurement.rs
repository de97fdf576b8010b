//! Any bytes, read as a frequency-response CSV the way iemsim reads measurements.
//!
//! The bytes go through `from_utf8_lossy` and the pure `parse`, as `measurement::read` does.
//!
//! Properties: never panics; an accepted file gives at least one point, frequencies finite,
//! positive and strictly increasing, levels finite.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let path = std::path::Path::new("fuzz.csv");
    let Ok(m) = iemsim::io::measurement::parse(&text, path) else {
        return;
    };
    let (freqs, levels) = (&m.freqs_hz, &m.db);
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

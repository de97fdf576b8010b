//! Shared by the benchmarks: the 10-filter profile the issues' performance bars are stated for.

use iemsim::dsp::{FilterKind, FilterSpec, Profile};

/// Ten RBJ filters of every kind a profile uses, spread over the audio band.
pub fn ten_filters() -> Profile {
    use FilterKind::*;
    let f = FilterSpec::new;
    Profile {
        name: "bench10".into(),
        description: "10-filter benchmark profile".into(),
        preamp_db: -6.0,
        filters: vec![
            f(LowShelf, 60.0, -6.0, 0.7),
            f(Peaking, 120.0, 3.0, 0.8),
            f(Peaking, 250.0, 2.0, 0.7),
            f(Peaking, 500.0, -1.5, 1.0),
            f(Peaking, 1000.0, 1.0, 1.2),
            f(Peaking, 2000.0, -2.0, 1.5),
            f(Peaking, 3000.0, -4.0, 2.0),
            f(Peaking, 5500.0, 2.5, 3.0),
            f(Peaking, 8000.0, 5.0, 4.0),
            f(HighShelf, 12_000.0, -3.0, 0.7),
        ],
        source: "benchmark".into(),
        channels: Vec::new(),
        behind: None,
        channel_count: None,
    }
}

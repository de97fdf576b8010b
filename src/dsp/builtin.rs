//! The built-in profiles and where their numbers come from.
//!
//! Every profile is a deviation from the Harman in-ear 2019 v2 target: played on neutral
//! (Harman-like) headphones, `ba` approximates how a typical balanced-armature IEM colours music.
//! Curves were derived from the public measurements bundled in `samples/measurements/` (MIT, via
//! AutoEq; see its README): each IEM normalised to 0 dB over 500 Hz–2 kHz, minus the normalised
//! Harman target, averaged over the class, smoothed to 1/6 octave, then fitted with at most 8 RBJ
//! biquads, no filter boosting above 14 kHz and at most +3 dB of response there (coupler
//! measurements are unreliable above ~10 kHz). The test
//! `tests/profiles_vs_measurements.rs` recomputes each curve from the CSVs and checks the documented
//! RMS error.

use super::filter::{FilterKind::*, FilterSpec};
use super::profile::Profile;

const fn f(kind: super::filter::FilterKind, fc_hz: f64, gain_db: f64, q: f64) -> FilterSpec {
    FilterSpec::new(kind, fc_hz, gain_db, q)
}

/// Names of the built-ins, in the order `iemsim profiles` lists them.
pub const NAMES: [&str; 7] = [
    "neutral",
    "ba",
    "dd",
    "v-hybrid",
    "sibilance",
    "bass-rolloff",
    "diffuse-field",
];

/// All built-in profiles.
pub fn profiles() -> Vec<Profile> {
    vec![
        neutral(),
        ba(),
        dd(),
        v_hybrid(),
        sibilance(),
        bass_rolloff(),
        diffuse_field(),
    ]
}

fn profile(name: &str, description: &str, filters: &[FilterSpec], source: &str) -> Profile {
    Profile {
        name: name.to_string(),
        description: description.to_string(),
        preamp_db: 0.0,
        filters: filters.to_vec(),
        source: source.to_string(),
    }
    .with_auto_preamp()
}

impl Profile {
    /// Sets `preamp_db` to −(largest boost at 48 kHz), the headroom the filters need.
    fn with_auto_preamp(mut self) -> Self {
        self.preamp_db = -(self.max_boost_db(48_000.0) * 10.0).ceil() / 10.0;
        self
    }
}

/// The reference: no filters. Whatever your headphones do is what you hear.
fn neutral() -> Profile {
    profile(
        "neutral",
        "The reference: no change (the Harman in-ear 2019 target your headphones are assumed to follow)",
        &[],
        "No filters.",
    )
}

/// Mean of 3 BA IEMs (Etymotic ER4SR, Campfire Audio Andromeda 2020, BGVP DM6).
fn ba() -> Profile {
    profile(
        "ba",
        "Typical balanced-armature IEM: less deep bass, lean upper mids around 3 kHz, clear but thin",
        &[
            f(LowShelf, 63.0, -6.6, 0.6),
            f(Peaking, 241.0, 4.1, 0.64),
            f(Peaking, 1986.0, 5.4, 1.17),
            f(Peaking, 2650.0, -8.4, 0.78),
        ],
        "Class mean of Etymotic ER4SR, Campfire Audio Andromeda 2020, BGVP DM6 minus Harman IE 2019 v2.",
    )
}

/// Mean of 6 single/dual-DD IEMs.
fn dd() -> Profile {
    profile(
        "dd",
        "Typical dynamic-driver IEM: warmer, fuller mid-bass, a treble peak near 8 kHz",
        &[
            f(LowShelf, 47.0, -6.1, 0.59),
            f(Peaking, 216.0, 4.5, 0.63),
            f(Peaking, 3311.0, -1.4, 0.4),
            f(Peaking, 8254.0, 7.1, 4.42),
        ],
        "Class mean of Moondrop SSR, SSP, Aria, KBEAR Believe, Tin HiFi T2, Shure SE215 minus Harman IE 2019 v2.",
    )
}

/// Mean of 4 hybrid IEMs.
fn v_hybrid() -> Profile {
    profile(
        "v-hybrid",
        "V-shaped hybrid (dynamic woofer + BA tweeter): boosted bass, scooped 3 kHz, bright 8 kHz",
        &[
            f(LowShelf, 169.0, -1.0, 1.0),
            f(Peaking, 142.0, 5.5, 0.58),
            f(Peaking, 3143.0, -5.1, 2.71),
            f(Peaking, 8001.0, 5.9, 6.0),
        ],
        "Class mean of Sony IER-Z1R, KZ ZSN Pro, KZ ZS10 Pro, BQEYZ Spring 2 minus Harman IE 2019 v2.",
    )
}

/// The 3 IEMs with the largest 5–9 kHz excess.
fn sibilance() -> Profile {
    profile(
        "sibilance",
        "Exaggerated 5-9 kHz peak, BA-style: harsh 's', 'sh' and 't' sounds, splashy cymbals",
        &[
            f(Peaking, 2765.0, -2.4, 4.54),
            f(Peaking, 8053.0, 6.9, 3.04),
            f(HighShelf, 13_661.0, 0.6, 1.0),
        ],
        "Mean deviation of Moondrop SSR, BGVP DM6, Moondrop SSP above 3 kHz.",
    )
}

/// Etymotic ER4SR below 1 kHz.
fn bass_rolloff() -> Profile {
    profile(
        "bass-rolloff",
        "BA-style low-end loss: sub-bass below ~100 Hz fades away (as with a shallow fit or a bass-light BA)",
        &[f(LowShelf, 101.0, -12.0, 0.59), f(Peaking, 485.0, -1.2, 1.43)],
        "Etymotic ER4SR deviation from Harman IE 2019 v2 below 1 kHz.",
    )
}

/// Diffuse-field (GRAS KEMAR) target minus Harman.
fn diffuse_field() -> Profile {
    profile(
        "diffuse-field",
        "The older diffuse-field neutral target: much less bass, more upper treble than Harman",
        &[
            f(LowShelf, 68.0, -11.4, 0.59),
            f(Peaking, 92.0, -4.0, 0.4),
            f(Peaking, 2479.0, 2.6, 1.88),
            f(Peaking, 6461.0, -4.2, 1.5),
            f(Peaking, 10_903.0, 4.8, 0.78),
        ],
        "Diffuse-field (GRAS KEMAR) target minus Harman IE 2019 v2.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_are_valid_practical_and_named_in_order() {
        let all = profiles();
        let names: Vec<&str> = all.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, NAMES);
        for p in &all {
            p.validate().unwrap();
            assert!(
                p.filters.len() <= 8,
                "{} has {} filters",
                p.name,
                p.filters.len()
            );
            assert!(!p.description.is_empty() && !p.source.is_empty());
            for spec in &p.filters {
                assert!(
                    !(spec.fc_hz > 14_000.0 && spec.gain_db > 0.0),
                    "{}: boost above 14 kHz",
                    p.name
                );
            }
            // Whatever the source rate, no boost lands above 14 kHz in the response either.
            let boost_above_14k = p
                .response_db(
                    &crate::dsp::response::log_grid(14_000.0, 23_000.0, 50),
                    48_000.0,
                )
                .into_iter()
                .fold(f64::NEG_INFINITY, f64::max);
            assert!(
                boost_above_14k <= 3.0,
                "{}: {boost_above_14k} dB above 14 kHz",
                p.name
            );
        }
    }
}

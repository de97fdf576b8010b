//! The built-in profiles and where their numbers come from.
//!
//! Every profile is a deviation from the Harman in-ear 2019 v2 target: played on neutral
//! (Harman-like) headphones, `ba` approximates how a typical balanced-armature IEM colours music.
//! Curves were derived from the public measurements bundled in `samples/measurements/` (MIT, via
//! AutoEq; see its README): each IEM normalised to 0 dB over 500 Hz–2 kHz, minus the normalised
//! Harman target, averaged over the class, smoothed to 1/6 octave, then fitted with at most 8 RBJ
//! biquads by least squares (several starting points; 20 Hz–10 kHz at full weight, 10–14 kHz at 0.3;
//! a small penalty on each gain so no two filters cancel each other), no filter boosting above
//! 14 kHz and at most +3 dB of response there (coupler measurements are unreliable above ~10 kHz). The test
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
    pub(crate) fn with_auto_preamp(mut self) -> Self {
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
        "No filters: the reference itself (RMS error 0 dB by construction).",
    )
}

/// Class mean of the 3 BA IEMs in `samples/measurements/iem/ba/` (Etymotic ER4SR, Campfire Audio
/// Andromeda 2020, BGVP DM6; ANALYSIS by class: -5.0 dB at 20-60 Hz, -3.9 dB at 2-5 kHz), fitted
/// with 6 biquads. Across the three the spread is large (±4 dB): a "typical" BA is a loose idea.
fn ba() -> Profile {
    profile(
        "ba",
        "Typical balanced-armature IEM: sub-bass rolled off below ~60 Hz, recessed 2.5-4 kHz presence, a narrow peak near 8.5 kHz",
        &[
            f(LowShelf, 65.0, -6.5, 0.59),
            f(Peaking, 247.0, 4.1, 0.57),
            f(Peaking, 1640.0, 2.9, 1.23),
            f(Peaking, 2542.0, -3.7, 0.40),
            f(Peaking, 3080.0, -2.9, 2.16),
            f(Peaking, 8586.0, 4.4, 5.2),
        ],
        "Class mean of Etymotic ER4SR, Campfire Audio Andromeda 2020, BGVP DM6 (AutoEq, MIT) minus Harman IE 2019 v2; least-squares fit, RMS error 0.27 dB over 20 Hz-10 kHz.",
    )
}

/// Class mean of the 6 DD IEMs in `samples/measurements/iem/dd/` (Moondrop SSR, SSP, Aria, KBEAR
/// Believe, Tin HiFi T2, Shure SE215), fitted with 6 biquads.
fn dd() -> Profile {
    profile(
        "dd",
        "Typical dynamic-driver IEM: a little less sub-bass, fuller upper bass around 200 Hz, a treble peak near 8 kHz",
        &[
            f(LowShelf, 49.0, -6.1, 0.58),
            f(Peaking, 218.0, 4.5, 0.54),
            f(Peaking, 824.0, -1.2, 1.58),
            f(Peaking, 3014.0, -2.2, 1.45),
            f(Peaking, 6280.0, -2.9, 3.71),
            f(Peaking, 8099.0, 5.6, 5.26),
        ],
        "Class mean of Moondrop SSR, SSP, Aria, KBEAR Believe, Tin HiFi T2, Shure SE215 (AutoEq, MIT) minus Harman IE 2019 v2; least-squares fit, RMS error 0.21 dB over 20 Hz-10 kHz.",
    )
}

/// Class mean of the 4 hybrids in `samples/measurements/iem/hybrid/` (Sony IER-Z1R, KZ ZSN Pro,
/// KZ ZS10 Pro, BQEYZ Spring 2), fitted with 6 biquads.
fn v_hybrid() -> Profile {
    profile(
        "v-hybrid",
        "V-shaped hybrid (dynamic woofer + BA tweeter): boosted bass, scooped 3 kHz, bright 8 kHz",
        &[
            f(LowShelf, 44.0, -0.7, 1.0),
            f(Peaking, 129.0, 3.7, 0.76),
            f(Peaking, 248.0, 2.6, 1.31),
            f(Peaking, 3097.0, -5.2, 3.09),
            f(Peaking, 5931.0, -2.1, 3.42),
            f(Peaking, 7924.0, 6.2, 4.99),
        ],
        "Class mean of Sony IER-Z1R, KZ ZSN Pro, KZ ZS10 Pro, BQEYZ Spring 2 (AutoEq, MIT) minus Harman IE 2019 v2; least-squares fit, RMS error 0.46 dB over 20 Hz-10 kHz.",
    )
}

/// Mean deviation of the 3 IEMs with the largest 5–9 kHz excess (Moondrop SSR, BGVP DM6, Moondrop
/// SSP), kept between 3 and 12 kHz (cosine tapers 2–3 kHz and 12–16 kHz), fitted with 4 biquads.
fn sibilance() -> Profile {
    profile(
        "sibilance",
        "Exaggerated 5-9 kHz peak (the 3 most sibilant IEMs measured): harsh 's', 'sh' and 't' sounds, splashy cymbals",
        &[
            f(Peaking, 2799.0, -2.7, 3.09),
            f(Peaking, 8186.0, 2.2, 0.65),
            f(Peaking, 8288.0, 5.4, 3.69),
            f(Peaking, 11_068.0, -4.2, 3.13),
        ],
        "Mean deviation of Moondrop SSR, BGVP DM6, Moondrop SSP (AutoEq, MIT) from Harman IE 2019 v2, 3-12 kHz only; least-squares fit, RMS error 0.19 dB over 20 Hz-10 kHz.",
    )
}

/// Etymotic ER4SR deviation below 1 kHz (taper 500 Hz–1 kHz), fitted with 2 biquads.
fn bass_rolloff() -> Profile {
    profile(
        "bass-rolloff",
        "BA-style low-end loss: sub-bass below ~100 Hz fades away (as with a shallow fit or a bass-light BA)",
        &[f(LowShelf, 100.0, -12.0, 0.58), f(Peaking, 483.0, -1.2, 1.42)],
        "Etymotic ER4SR (AutoEq, MIT) deviation from Harman IE 2019 v2 below 1 kHz; least-squares fit, RMS error 0.24 dB over 20 Hz-10 kHz.",
    )
}

/// Diffuse-field (GRAS KEMAR) target minus Harman IE 2019 v2, fitted with 6 biquads (its
/// +5..+7 dB above 12 kHz is only followed up to 14 kHz: no boosts are placed above that).
fn diffuse_field() -> Profile {
    profile(
        "diffuse-field",
        "The older diffuse-field neutral target: much less bass, more upper treble than Harman",
        &[
            f(LowShelf, 62.0, -10.9, 0.60),
            f(Peaking, 84.0, -4.7, 0.40),
            f(Peaking, 2502.0, 2.8, 1.74),
            f(Peaking, 6985.0, -3.6, 1.66),
            f(Peaking, 8812.0, 3.3, 2.26),
            f(HighShelf, 7875.0, 2.3, 1.0),
        ],
        "Diffuse-field (GRAS KEMAR) target minus Harman IE 2019 v2 (AutoEq, MIT); least-squares fit, RMS error 0.22 dB over 20 Hz-10 kHz.",
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

//! The built-in profiles and where their numbers come from.
//!
//! Every profile is a deviation from the Harman in-ear 2019 v2 target: played on neutral
//! (Harman-like) headphones, `ba` approximates how a typical balanced-armature IEM colours music.
//! Curves were derived from the public measurements bundled in `samples/measurements/` (MIT, via
//! AutoEq; see its README): each IEM normalised to 0 dB over 500 Hz–2 kHz, minus the normalised
//! Harman target, averaged over the class. `ba`, `dd`, `v-hybrid` and `sibilance` were fitted by the
//! one fitter, [`super::fit`] (the per-IEM profiles' too), with 8 (sibilance 4) filters; the older
//! `bass-rolloff` and `diffuse-field` by an earlier least-squares fit with the same limits (no filter
//! boosting above 14 kHz; coupler measurements are unreliable above ~10 kHz). The test
//! `tests/formats/profiles_vs_measurements.rs` recomputes each curve from the CSVs, checks the documented
//! RMS error, and refits the fitted ones to show the stored numbers are the fitter's.

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
        filters: filters.to_vec(),
        source: source.to_string(),
        ..Default::default()
    }
    .with_auto_preamp()
}

impl Profile {
    /// Sets `preamp_db` to what `--preamp auto` gives at 48 kHz, from the same function, so
    /// `profiles --json`, `show` and `export` agree (a rounded-up copy once said −3.8 for −3.74).
    pub(crate) fn with_auto_preamp(mut self) -> Self {
        self.preamp_db = self.preamp_db(super::profile::Preamp::Auto, 48_000.0);
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

/// Class mean of the 10 BA IEMs in `samples/measurements/iem/ba/`, fitted by [`super::fit`] with 8
/// filters. Band means ± SD across the class (dB, deviation from Harman IE 2019 v2, 20-60 Hz,
/// 60-250 Hz, 0.25-2 kHz, 2-5 kHz, 5-9 kHz, 9-16 kHz): -3.3 ± 3.7, +1.9 ± 2.7, +0.9 ± 0.6,
/// -3.6 ± 1.9, -1.2 ± 3.1, -0.4 ± 4.4. Only the 2-5 kHz dip is shared by most of them.
fn ba() -> Profile {
    profile(
        "ba",
        "Typical balanced-armature IEM: sub-bass rolled off below ~60 Hz, recessed 2-5 kHz presence, a narrow peak near 8.1 kHz",
        &[
            f(LowShelf, 56.0, -4.80, 0.600),
            f(Peaking, 2960.0, -3.91, 1.425),
            f(Peaking, 220.0, 3.91, 0.547),
            f(Peaking, 8605.0, 3.91, 3.456),
            f(Peaking, 7987.0, -3.76, 0.603),
            f(Peaking, 872.0, -1.28, 1.736),
            f(Peaking, 1685.0, 1.11, 1.505),
            f(Peaking, 7979.0, 4.00, 5.028),
        ],
        "Class mean of 10 BA IEMs (64 Audio U12t, Audiosense DT200 and T180, BGVP DM6 and DM8, Campfire Audio Andromeda 2020 and Pathfinder, Custom Art FIBAE 7 Unlimited, DUNU SA3, Etymotic ER4SR; AutoEq, MIT) minus Harman IE 2019 v2; \
         class spread (mean ± SD across the 10): 20-60 Hz -3.3 ± 3.7 dB, 60-250 Hz +1.9 ± 2.7, 2-5 kHz -3.6 ± 1.9, 5-9 kHz -1.2 ± 3.1, 9-16 kHz -0.4 ± 4.4; \
         fitted with 8 filters, RMS error 0.08 dB over 20 Hz-10 kHz (mean offset removed).",
    )
}

/// Class mean of the 10 DD IEMs in `samples/measurements/iem/dd/`, fitted with 8 filters. Band
/// means ± SD: -1.9 ± 3.8, +2.3 ± 1.7, +0.9 ± 0.4, -1.8 ± 2.0, -0.3 ± 2.7, +1.8 ± 3.5.
fn dd() -> Profile {
    profile(
        "dd",
        "Typical dynamic-driver IEM: a little less sub-bass (less rolled off than ba), the same upper-bass hump as ba (+3.7 dB near 210 Hz), a treble peak near 8.1 kHz",
        &[
            f(LowShelf, 52.0, -3.18, 0.629),
            f(Peaking, 8084.0, 5.73, 5.830),
            f(Peaking, 210.0, 3.89, 0.543),
            f(Peaking, 3223.0, -2.78, 1.363),
            f(Peaking, 4784.0, 1.39, 4.157),
            f(Peaking, 852.0, -1.38, 1.041),
            f(Peaking, 1349.0, 1.02, 1.774),
            f(Peaking, 6314.0, -2.89, 2.456),
        ],
        "Class mean of 10 DD IEMs (7Hz Salnotes Zero, BLON BL-03, CCA CRA, Etymotic ER2XR, KBEAR Believe, Moondrop Aria, SSP and SSR, Shure SE215, Tin HiFi T2; AutoEq, MIT) minus Harman IE 2019 v2; \
         class spread (mean ± SD across the 10): 20-60 Hz -1.9 ± 3.8 dB, 60-250 Hz +2.3 ± 1.7, 2-5 kHz -1.8 ± 2.0, 5-9 kHz -0.3 ± 2.7, 9-16 kHz +1.8 ± 3.5; \
         fitted with 8 filters, RMS error 0.10 dB over 20 Hz-10 kHz (mean offset removed).",
    )
}

/// Class mean of the 10 hybrids in `samples/measurements/iem/hybrid/`, fitted with 8 filters. Band
/// means ± SD: +0.0 ± 1.9, +3.3 ± 2.4, +0.7 ± 0.7, -2.9 ± 1.4, +0.3 ± 2.9, +1.6 ± 3.4.
fn v_hybrid() -> Profile {
    profile(
        "v-hybrid",
        "V-shaped hybrid (dynamic woofer + BA tweeter): boosted bass, scooped 3 kHz, bright 8 kHz",
        &[
            f(Peaking, 7982.0, 6.73, 5.355),
            f(Peaking, 3231.0, -5.81, 1.263),
            f(Peaking, 173.0, 4.42, 0.477),
            f(Peaking, 6239.0, -1.98, 2.631),
            f(Peaking, 823.0, -2.25, 0.835),
            f(Peaking, 1652.0, 2.89, 1.018),
            f(Peaking, 4740.0, 2.22, 4.894),
            f(Peaking, 24.0, -0.96, 0.503),
        ],
        "Class mean of 10 hybrids (AFUL Performer 5, Audiosense AQ7, BGVP DMG, BQEYZ Spring 2, Campfire Audio Dorado 2020, CCA C10, DUNU EST 112, KZ ZS10 Pro and ZSN Pro, Sony IER-Z1R; AutoEq, MIT) minus Harman IE 2019 v2; \
         class spread (mean ± SD across the 10): 20-60 Hz +0.0 ± 1.9 dB, 60-250 Hz +3.3 ± 2.4, 2-5 kHz -2.9 ± 1.4, 5-9 kHz +0.3 ± 2.9, 9-16 kHz +1.6 ± 3.4; \
         fitted with 8 filters, RMS error 0.13 dB over 20 Hz-10 kHz (mean offset removed).",
    )
}

/// Mean deviation of the 3 IEMs with the largest 5–9 kHz excess among the 31 bundled (BGVP DMG, a
/// hybrid, +5.8 dB; Moondrop SSR, a DD, +4.3; BGVP DM6, a BA, +4.2), kept between 3 and 12 kHz
/// (cosine tapers 2–3 kHz and 12–16 kHz), fitted with 4 filters.
fn sibilance() -> Profile {
    profile(
        "sibilance",
        "Exaggerated 5-9 kHz peak (the 3 most sibilant IEMs measured): harsh 's', 'sh' and 't' sounds, splashy cymbals",
        &[
            f(Peaking, 8301.0, 9.12, 3.308),
            f(Peaking, 3030.0, -3.63, 2.520),
            f(Peaking, 5926.0, 2.97, 3.537),
            f(Peaking, 11_069.0, -1.74, 2.370),
        ],
        "Mean deviation of BGVP DMG, Moondrop SSR, BGVP DM6 (AutoEq, MIT) from Harman IE 2019 v2, 3-12 kHz only; fitted with 4 filters, RMS error 0.16 dB over 20 Hz-10 kHz (mean offset removed).",
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

    /// (dB, Hz) of the largest response of `p` between `lo` and `hi` Hz at 48 kHz (`show`'s).
    fn peak(p: &Profile, lo: f64, hi: f64) -> (f64, f64) {
        let f = crate::dsp::response::log_grid(lo, hi, 2000);
        let db = p.response_db(&f, 48_000.0);
        f.into_iter()
            .zip(db)
            .map(|(f, d)| (d, f))
            .fold(
                (f64::NEG_INFINITY, 0.0),
                |m, x| if x.0 > m.0 { x } else { m },
            )
    }

    /// What the descriptions say is in the responses: `ba` said "a narrow peak near 8.5 kHz"
    /// (`show ba`: 8.14 kHz), and `dd` "fuller upper bass around 200 Hz" where `ba` and `dd` peak
    /// at the same +3.7 dB (224 and 209 Hz).
    #[test]
    fn descriptions_agree_with_the_responses() {
        let by_name = |n: &str| profiles().into_iter().find(|p| p.name == n).unwrap();
        let (ba, dd) = (by_name("ba"), by_name("dd"));
        for p in [&ba, &dd] {
            let (_, hz) = peak(p, 5000.0, 12_000.0);
            let said = format!("peak near {:.1} kHz", hz / 1000.0);
            assert!(
                p.description.contains(&said),
                "{}: {}",
                p.name,
                p.description
            );
        }
        let (ba_db, _) = peak(&ba, 100.0, 500.0);
        let (dd_db, dd_hz) = peak(&dd, 100.0, 500.0);
        assert!((ba_db - dd_db).abs() < 0.1, "ba {ba_db} dB, dd {dd_db} dB");
        let said = format!(
            "same upper-bass hump as ba ({dd_db:+.1} dB near {:.0} Hz)",
            (dd_hz / 10.0).round() * 10.0
        );
        assert!(dd.description.contains(&said), "{said}: {}", dd.description);
        // "A little less sub-bass (less rolled off than ba)": below Harman, above ba.
        let f = crate::dsp::response::log_grid(20.0, 60.0, 20);
        let (b, d) = (ba.response_db(&f, 48_000.0), dd.response_db(&f, 48_000.0));
        assert!(
            d.iter().zip(&b).all(|(d, b)| *d < 0.5 && d > b),
            "{d:?} vs {b:?}"
        );
    }
}

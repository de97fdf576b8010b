//! What each demo says and plays. Pure: no files, no printing.
//!
//! Every measured fact quoted here comes from the IEM measurements bundled in
//! `samples/measurements/` (AutoEq, MIT; see its README): each curve normalised to 0 dB over
//! 0.5–2 kHz, minus the Harman in-ear 2019 v2 target normalised the same way, averaged over a band
//! on AutoEq's log grid; class figures are mean ± standard deviation across the IEMs of the class
//! (n = 10 BA, 10 DD, 10 hybrid). `tests/formats/profiles_vs_measurements.rs` recomputes the profiles from the
//! same files. Figures about a profile's filters are computed here from the profile itself, so
//! they cannot drift from `src/dsp/builtin.rs`.

mod bass;
mod sibilance;
pub mod signatures;

use super::material::{Sample, Source};
use super::numbers::{Band, Measure};
use super::{DemoKind, DemoPart};
use crate::dsp::{builtin, response, Profile};

/// The rate the closed-form figures in the text are computed at (the material's).
pub const RATE: f64 = super::material::RATE as f64;

/// The six bands of the class-mean table (Hz).
pub const BANDS: [(f64, f64); 6] = [
    (20.0, 60.0),
    (60.0, 250.0),
    (250.0, 2000.0),
    (2000.0, 5000.0),
    (5000.0, 9000.0),
    (9000.0, 16_000.0),
];

/// Class means (mean, SD) per band of [`BANDS`], deviation from Harman IE 2019 v2 (dB).
pub const BA_MEANS: [(f64, f64); 6] = [
    (-3.3, 3.7),
    (1.9, 2.7),
    (0.9, 0.6),
    (-3.6, 1.9),
    (-1.2, 3.1),
    (-0.4, 4.4),
];
pub const DD_MEANS: [(f64, f64); 6] = [
    (-1.9, 3.8),
    (2.3, 1.7),
    (0.9, 0.4),
    (-1.8, 2.0),
    (-0.3, 2.7),
    (1.8, 3.5),
];
pub const HYBRID_MEANS: [(f64, f64); 6] = [
    (0.0, 1.9),
    (3.3, 2.4),
    (0.7, 0.7),
    (-2.9, 1.4),
    (0.3, 2.9),
    (1.6, 3.4),
];

/// The reference band every measurement is normalised to.
pub const MIDRANGE: Band = Band::Range(500.0, 2000.0);

pub fn title(kind: DemoKind) -> &'static str {
    match kind {
        DemoKind::Sibilance => "Sibilance: the hiss in s, sh and t",
        DemoKind::Bass => "Bass roll-off: where the lowest octave goes",
        DemoKind::Signatures => "Driver signatures: neutral, BA, DD, V-shaped hybrid",
    }
}

/// The explanation shown before the first part.
pub fn intro(kind: DemoKind) -> String {
    match kind {
        DemoKind::Sibilance => sibilance::intro(),
        DemoKind::Bass => bass::intro(),
        DemoKind::Signatures => signatures::intro(),
    }
}

/// The parts of a demo, in playing order.
pub fn parts(kind: DemoKind) -> Vec<DemoPart> {
    let parts = match kind {
        DemoKind::Sibilance => sibilance::parts(),
        DemoKind::Bass => bass::parts(),
        DemoKind::Signatures => signatures::parts(),
    };
    parts
        .into_iter()
        .enumerate()
        .map(|(i, (title, text, source, a, b, measures))| DemoPart {
            slug: format!("{:02}-{}", i + 1, slugify(&title)),
            title,
            text,
            source,
            a: a.to_string(),
            b: b.to_string(),
            measures,
            kind,
        })
        .collect()
}

type PartSpec = (
    String,
    String,
    Source,
    &'static str,
    &'static str,
    Vec<Measure>,
);

pub fn slugify(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// A built-in profile by name (the names used here are constants; a test checks them all).
pub fn profile(name: &str) -> Profile {
    builtin::profiles()
        .into_iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("demo text names an unknown built-in profile '{name}'"))
}

/// (dB, Hz) of the largest response of `p` between `lo` and `hi` Hz.
fn peak(p: &Profile, lo: f64, hi: f64) -> (f64, f64) {
    let f = response::log_grid(lo, hi, 400);
    let db = p.response_db(&f, RATE);
    f.into_iter()
        .zip(db)
        .map(|(f, d)| (d, f))
        .fold(
            (f64::NEG_INFINITY, 0.0),
            |m, x| if x.0 > m.0 { x } else { m },
        )
}

/// Response of `p` at `f` relative to 1 kHz (dB).
fn re_1k(p: &Profile, f: f64) -> f64 {
    let db = p.response_db(&[f, 1000.0], RATE);
    db[0] - db[1]
}

/// The mean response of `p` over `lo`-`hi` Hz minus over 0.5-2 kHz (dB): a band's "filters"
/// figure, comparable with a class mean of [`BANDS`].
fn band_re_mid(p: &Profile, lo: f64, hi: f64) -> f64 {
    Band::Range(lo, hi).response_db(p, RATE) - MIDRANGE.response_db(p, RATE)
}

/// "+3.7 dB near 210 Hz" / "+3.0 dB near 8.1 kHz": the largest response of `p` between `lo`
/// and `hi` Hz, its frequency to 10 Hz (to 0.1 kHz above 1 kHz).
fn peak_text(p: &Profile, lo: f64, hi: f64) -> String {
    let (db, hz) = peak(p, lo, hi);
    if hz >= 1000.0 {
        format!("{db:+.1} dB near {:.1} kHz", hz / 1000.0)
    } else {
        format!("{db:+.1} dB near {:.0} Hz", (hz / 10.0).round() * 10.0)
    }
}

/// "Profile name: description (source)" for the profiles of a part.
fn about(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| {
            let p = profile(n);
            format!("{}: {}. Source: {}", p.name, p.description, p.source)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

const DATA: &str = "The measured figures come from the IEM measurements bundled in samples/measurements \
(AutoEq, MIT): 10 balanced-armature (BA), 10 dynamic-driver (DD) and 10 hybrid IEMs on 711-type ear \
simulators, each normalised to 0 dB over 0.5-2 kHz and given as the deviation from the Harman in-ear \
2019 v2 target (the tuning listeners preferred on average in Harman's blind tests). Ten IEMs per class \
is still a small sample: read a class mean as \"these IEMs\", not \"all BAs\".";

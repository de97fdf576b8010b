//! Per-IEM built-in profiles: one for each measurement bundled in `samples/measurements/iem/`,
//! named `iem:<brand-model>` (`iem:moondrop-ssr`), made by the one fitter ([`crate::dsp::fit`])
//! from the IEM's deviation ([`crate::dsp::deviation`]).
//!
//! The CSVs are embedded with `include_str!` (for plots and for refitting); the fitted filters are
//! data, generated from them and committed beside each CSV as `<model> ParametricEQ.txt` (an
//! Equalizer APO / AutoEq file, read with the profile-file parser), so no run fits anything and
//! every platform gets the same profiles. Sources and measurers: the README beside the
//! CSVs. Parsing the embedded text reuses `io::measurement::parse`, the parser of measurement files.

use crate::dsp::deviation;
use crate::dsp::filter::FilterSpec;
use crate::dsp::fit::{self, FitConfig, FitError};
use crate::dsp::profile::Profile;
use crate::io::measurement::{self, Measurement, MeasurementError};
use crate::io::profile_file::Format;
use std::path::Path;
use std::sync::OnceLock;

/// Driver-type class, as the class profiles group them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IemClass {
    Ba,
    Dd,
    Hybrid,
    Planar,
}

impl IemClass {
    pub fn label(self) -> &'static str {
        match self {
            Self::Ba => "BA",
            Self::Dd => "DD",
            Self::Hybrid => "hybrid",
            Self::Planar => "planar",
        }
    }
}

/// One bundled measurement and what is known about the IEM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct IemMeasurement {
    /// `brand-model`, the profile name without `iem:`.
    pub slug: &'static str,
    /// The model as its maker writes it.
    pub model: &'static str,
    pub class: IemClass,
    /// Driver configuration as `N KIND (+ N KIND)… (remark)`, KIND one of BA, DD, EST, piezo,
    /// planar magnetic; where it was checked is in the measurements README.
    pub drivers: &'static str,
    /// Who measured it (AutoEq's measurement folder).
    pub measurer: &'static str,
    /// Path inside the repository, for messages and documentation.
    pub path: &'static str,
    #[serde(skip)]
    pub csv: &'static str,
    /// The shipped fit, `<model> ParametricEQ.txt` beside the CSV (see [`fitted_files`]).
    #[serde(skip)]
    pub fit: &'static str,
}

impl IemMeasurement {
    /// The profile name, `iem:<slug>`.
    pub fn profile_name(&self) -> String {
        format!("{PREFIX}{}", self.slug)
    }
}

/// Profile names of per-IEM profiles start with this.
pub const PREFIX: &str = "iem:";

/// The folder of `samples/measurements/iem/` that holds a class's measurements, with its path.
macro_rules! folder {
    (Ba) => {
        "samples/measurements/iem/ba/"
    };
    (Dd) => {
        "samples/measurements/iem/dd/"
    };
    (Hybrid) => {
        "samples/measurements/iem/hybrid/"
    };
    (Planar) => {
        "samples/measurements/iem/planar/"
    };
}

/// `<root>samples/measurements/iem/<class folder>/<model><ending>`.
macro_rules! measured {
    ($root:literal, $class:ident, $model:literal, $ending:literal) => {
        concat!($root, folder!($class), $model, $ending)
    };
}

/// The catalogue from its rows `(slug, model, class, drivers, measurer)`, each CSV being
/// `samples/measurements/iem/<class folder>/<model>.csv`.
macro_rules! catalog {
    ($(($slug:literal, $model:literal, $class:ident, $drivers:literal, $measurer:literal)),* $(,)?) => {
        &[$(IemMeasurement {
            slug: $slug,
            model: $model,
            class: IemClass::$class,
            drivers: $drivers,
            measurer: $measurer,
            path: measured!("", $class, $model, ".csv"),
            csv: include_str!(measured!("../../", $class, $model, ".csv")),
            fit: include_str!(measured!("../../", $class, $model, " ParametricEQ.txt")),
        }),*]
    };
}

/// Every bundled IEM measurement, by class then name.
pub const CATALOG: &[IemMeasurement] = catalog! {
    ("64-audio-u12t", "64 Audio U12t", Ba, "12 BA (m15 Apex module)", "Super Review"),
    ("audiosense-dt200", "Audiosense DT200", Ba, "2 BA", "Super Review"),
    ("audiosense-t180", "Audiosense T180", Ba, "1 BA", "Super Review"),
    ("bgvp-dm6", "BGVP DM6", Ba, "5 BA", "Super Review"),
    ("bgvp-dm8", "BGVP DM8", Ba, "8 BA", "Super Review"),
    ("campfire-audio-andromeda-2020", "Campfire Audio Andromeda 2020", Ba, "5 BA", "Super Review"),
    ("campfire-audio-pathfinder", "Campfire Audio Pathfinder", Ba, "2 BA", "Super Review"),
    ("custom-art-fibae-7-unlimited", "Custom Art FIBAE 7 Unlimited", Ba, "7 BA", "Super Review"),
    ("dunu-sa3", "DUNU SA3", Ba, "3 BA", "Super Review"),
    ("etymotic-er4sr", "Etymotic ER4SR", Ba, "1 BA", "HypetheSonics"),
    ("7hz-salnotes-zero", "7Hz Salnotes Zero", Dd, "1 DD", "Super Review"),
    ("blon-bl-03", "BLON BL-03", Dd, "1 DD", "Super Review"),
    ("cca-cra", "CCA CRA", Dd, "1 DD", "Super Review"),
    ("etymotic-er2xr", "Etymotic ER2XR", Dd, "1 DD", "Super Review"),
    ("kbear-believe", "KBEAR Believe", Dd, "1 DD (beryllium)", "Super Review"),
    ("moondrop-aria", "Moondrop Aria", Dd, "1 DD", "Super Review"),
    ("moondrop-ssp", "Moondrop SSP", Dd, "1 DD", "Super Review"),
    ("moondrop-ssr", "Moondrop SSR", Dd, "1 DD", "Super Review"),
    ("shure-se215", "Shure SE215", Dd, "1 DD", "Super Review"),
    ("tin-hifi-t2", "Tin HiFi T2", Dd, "2 DD", "Super Review"),
    ("aful-performer-5", "AFUL Performer 5", Hybrid, "1 DD + 4 BA", "Super Review"),
    ("audiosense-aq7", "Audiosense AQ7", Hybrid, "1 DD + 6 BA", "Super Review"),
    ("bgvp-dmg", "BGVP DMG", Hybrid, "2 DD + 4 BA (silver filter)", "Super Review"),
    ("bqeyz-spring-2", "BQEYZ Spring 2", Hybrid, "1 DD + 1 BA + 1 piezo", "Hi End Portable"),
    ("campfire-audio-dorado-2020", "Campfire Audio Dorado 2020", Hybrid, "1 DD + 1 BA", "Super Review"),
    ("cca-c10", "CCA C10", Hybrid, "1 DD + 4 BA", "Super Review"),
    ("dunu-est-112", "DUNU EST 112", Hybrid, "1 DD + 1 BA + 2 EST", "Super Review"),
    ("kz-zs10-pro", "KZ ZS10 Pro", Hybrid, "1 DD + 4 BA", "Super Review"),
    ("kz-zsn-pro", "KZ ZSN Pro", Hybrid, "1 DD + 1 BA", "Super Review"),
    ("sony-ier-z1r", "Sony IER-Z1R", Hybrid, "2 DD + 1 BA", "Super Review"),
    ("7hz-timeless", "7Hz Timeless", Planar, "1 planar magnetic", "Super Review"),
};

/// The Harman in-ear 2019 v2 target (AutoEq, MIT): the reference every profile deviates from.
pub const HARMAN_IN_EAR_2019_CSV: &str =
    include_str!("../../samples/measurements/targets/harman_in-ear_2019v2.csv");
/// The diffuse-field target (GRAS KEMAR, AutoEq, MIT).
pub const DIFFUSE_FIELD_CSV: &str =
    include_str!("../../samples/measurements/targets/diffuse_field_gras_kemar.csv");

/// Parses an embedded CSV (named by its repository path in errors).
pub fn parse_embedded(csv: &str, path: &str) -> Result<Measurement, MeasurementError> {
    measurement::parse(csv, Path::new(path))
}

/// The measured deviation of `iem` from the Harman in-ear 2019 v2 target on AutoEq's standard grid
/// (what its profile reproduces; plots show it beside the fitted curve).
pub fn measured_deviation(iem: &IemMeasurement) -> Result<(Vec<f64>, Vec<f64>), MeasurementError> {
    let m = parse_embedded(iem.csv, iem.path)?;
    let t = parse_embedded(
        HARMAN_IN_EAR_2019_CSV,
        "samples/measurements/targets/harman_in-ear_2019v2.csv",
    )?;
    Ok(deviation::deviation(
        (&m.freqs_hz, &m.db),
        (&t.freqs_hz, &t.db),
    ))
}

/// A fitted per-IEM profile and its error against the measured deviation.
#[derive(Debug, Clone, PartialEq)]
pub struct IemProfile {
    pub iem: IemMeasurement,
    pub profile: Profile,
    pub error: FitError,
}

/// The per-IEM profile of `iem` (default constraints: ≤ 10 filters, |gain| ≤ 12 dB, Q ≤ 6, no
/// boost above 14 kHz), from the shipped fit, made once per process and IEM; an IEM without a
/// shipped fit (not from the catalogue) is fitted.
pub fn profile(iem: &IemMeasurement) -> Result<&'static IemProfile, MeasurementError> {
    static CACHE: OnceLock<Vec<OnceLock<IemProfile>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| CATALOG.iter().map(|_| OnceLock::new()).collect());
    let index = CATALOG
        .iter()
        .position(|c| c == iem)
        .unwrap_or(CATALOG.len());
    if let Some(done) = cache.get(index).and_then(OnceLock::get) {
        return Ok(done);
    }
    let made = match shipped_filters(iem) {
        Some(filters) => {
            let (freqs, dev) = measured_deviation(iem)?;
            let cfg = FitConfig::default();
            let error = fit::fit_error(&filters, &freqs, &dev, cfg.band_hz, cfg.sample_rate);
            assemble(iem, filters, error)
        }
        None => fit_profile(iem)?,
    };
    match cache.get(index) {
        Some(cell) => Ok(cell.get_or_init(|| made)),
        // Not from the catalogue: nothing to cache it in (leaked once; callers pass catalogue entries).
        None => Ok(Box::leak(Box::new(made))),
    }
}

/// Fits `iem`'s profile from its CSV: what the shipped table holds.
pub fn fit_profile(iem: &IemMeasurement) -> Result<IemProfile, MeasurementError> {
    let (freqs, dev) = measured_deviation(iem)?;
    let fitted = fit::fit(&freqs, &dev, &FitConfig::default());
    Ok(assemble(iem, fitted.filters, fitted.error))
}

/// The filters of `iem`'s shipped fit (its error is recomputed from them: the fitter's own
/// error is of the same rounded filters); `None` for an IEM without one, which is then fitted.
fn shipped_filters(iem: &IemMeasurement) -> Option<Vec<FilterSpec>> {
    let source = iem.path.replace(".csv", " ParametricEQ.txt");
    let parsed = Format::EqApo.parse(iem.fit, &source).ok()?;
    (!parsed.filters.is_empty()).then_some(parsed.filters)
}

fn assemble(iem: &IemMeasurement, filters: Vec<FilterSpec>, e: FitError) -> IemProfile {
    let cfg = FitConfig::default();
    let count = filters.len();
    let profile = Profile {
        name: iem.profile_name(),
        description: format!(
            "{} ({}, {} class) as measured, relative to the Harman in-ear 2019 target",
            iem.model,
            iem.drivers,
            iem.class.label()
        ),
        filters,
        source: format!(
            "{} measurement by {} (AutoEq, MIT; {}) minus Harman IE 2019 v2, both normalised to 0 dB over 0.5-2 kHz; \
             fitted with {} filters (|gain| <= {} dB, Q <= {}, no boost above {} kHz), RMS error {:.2} dB over 20 Hz-10 kHz \
             (mean offset removed), worst {:+.2} dB at {:.0} Hz.",
            iem.model,
            iem.measurer,
            iem.path,
            count,
            cfg.max_gain_db,
            cfg.max_q,
            cfg.max_boost_hz / 1000.0,
            e.rms_db,
            e.worst_db,
            e.worst_hz
        ),
        ..Default::default()
    };
    let profile = profile.with_auto_preamp();
    IemProfile {
        iem: *iem,
        profile,
        error: e,
    }
}

/// The shipped fits, fitted now from every CSV of the catalogue: each file's repository path
/// (`<model> ParametricEQ.txt` beside its CSV) and text, the profile as an Equalizer APO file.
/// `cargo run --release --example fit_iems` writes them after a fitter change.
pub fn fitted_files() -> Result<Vec<(String, String)>, MeasurementError> {
    let mut files = Vec::new();
    for iem in CATALOG {
        let fitted = fit_profile(iem)?;
        let text = Format::EqApo
            .write(&fitted.profile)
            .map_err(|e| MeasurementError::data(Path::new(iem.path), e.to_string()))?;
        files.push((
            iem.path.replace(".csv", " ParametricEQ.txt"),
            format!("# Generated by `cargo run --release --example fit_iems` from the CSV beside it; do not edit.\n{text}"),
        ));
    }
    Ok(files)
}

/// The catalogue entry whose profile name is `name` (exactly, as `find` resolves it).
pub fn by_name(name: &str) -> Option<&'static IemMeasurement> {
    let slug = name.strip_prefix(PREFIX)?;
    CATALOG.iter().find(|c| c.slug == slug)
}

/// Every per-IEM profile name, in catalogue order.
pub fn names() -> Vec<String> {
    CATALOG.iter().map(IemMeasurement::profile_name).collect()
}

#[cfg(test)]
#[path = "iems_tests.rs"]
mod tests;

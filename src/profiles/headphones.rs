//! Headphone compensation: the listener's own headphones' correction, put in front of a profile.
//!
//! The profiles describe an IEM as a deviation from a neutral reference (the Harman target). Played
//! on headphones that are not neutral, that deviation is heard on top of the headphones' own. The
//! correction (AutoEq's `ParametricEQ.txt` for those headphones, or one fitted here from their
//! measurement) brings them to the Harman target first, so the profile lands on a reference response.
//!
//! The combination is ONE cascade: the correction's filters followed by the profile's, in one
//! [`Profile`]. Everything downstream (the `--preamp auto` rule = −largest boost of the combined
//! response, loudness matching, A/B, export) then sees the whole chain, and both sides of an A/B get
//! the same correction because every command passes each resolved profile through [`through`].

use super::{load_file, ResolveError};
use crate::dsp::deviation;
use crate::dsp::fit::{self, FitConfig};
use crate::dsp::{correction, ChannelFilters, Profile};
use crate::error::{Class, Error, Subject};
use crate::io::measurement::{self, Measurement, MeasurementError};
use crate::profiles::iems;
use std::path::{Path, PathBuf};

/// The Harman over-ear 2018 target as published in AutoEq (jaakkopasanen/AutoEq, MIT).
pub const HARMAN_OVER_EAR_2018_CSV: &str =
    include_str!("../../samples/measurements/targets/harman_over-ear_2018.csv");

/// The `--headphone-target` a measurement CSV is corrected to when none is given.
pub const DEFAULT_TARGET: &str = "harman-over-ear-2018";

/// Why no headphone correction could be made.
#[derive(Debug, thiserror::Error)]
pub enum HeadphonesError {
    /// A correction file that does not parse (the inner error names the file and line).
    #[error("headphone correction: {0}")]
    Profile(#[from] ResolveError),
    #[error("headphone correction: {0}")]
    Measurement(#[from] MeasurementError),
    /// The target a measurement is fitted to gives none (a file gone, a name no target has).
    #[error("headphone correction: {source}{}", if *.remembered { format!(" ({REMEMBERED_TARGET})") } else { String::new() })]
    Target {
        source: MeasurementError,
        /// Taken from the settings (`config set headphone-target`), not from the command line.
        remembered: bool,
    },
    #[error("{}: not a headphone correction (give an AutoEq ParametricEQ.txt, a .toml/.yml profile, or a measurement .csv)", path.display())]
    UnknownFormat { path: PathBuf },
    #[error("{}: no such file (headphone correction{})", path.display(), if *.remembered { ", remembered by `iemsim config set headphones`; `iemsim config unset headphones` forgets it" } else { "" })]
    Missing { path: PathBuf, remembered: bool },
    #[error(transparent)]
    Settings(#[from] super::settings::SettingsError),
    /// `--headphone-target` given where no measurement is fitted (it was ignored, exit 0).
    #[error("--headphone-target is for a headphone measurement .csv, and {}", match correction {
        Some(p) => format!("the correction in use, {}, is not a measurement .csv", p.display()),
        None => "no headphone correction is in use".to_owned(),
    })]
    TargetUnused { correction: Option<PathBuf> },
}

/// Where a remembered target that gives none comes from, and how to drop it (as a remembered
/// headphone file that is gone says): the error named only the file or name, which the command
/// line did not hold.
const REMEMBERED_TARGET: &str = "the target remembered by `iemsim config set headphone-target`; \
                                 `iemsim config unset headphone-target` forgets it";

impl HeadphonesError {
    /// This error, saying the target was the remembered one when it is the target's.
    pub fn with_remembered_target(self) -> Self {
        match self {
            Self::Target { source, .. } => Self::Target {
                source,
                remembered: true,
            },
            e => e,
        }
    }
}

/// Everything but a config folder the system cannot provide is the user's to fix (exit 2).
impl From<HeadphonesError> for Error {
    fn from(e: HeadphonesError) -> Self {
        let path = match e {
            HeadphonesError::Settings(e) => return e.into(),
            HeadphonesError::Profile(e) => return Error::from(e).context("headphone correction"),
            HeadphonesError::Measurement(e) => {
                return Error::from(e).context("headphone correction")
            }
            HeadphonesError::Target { source, remembered } => {
                let e = Error::from(source).context("headphone correction");
                return if remembered {
                    e.note(REMEMBERED_TARGET)
                } else {
                    e
                };
            }
            HeadphonesError::TargetUnused { .. } => {
                return Error::usage("--headphone-target", e.to_string())
            }
            HeadphonesError::UnknownFormat { ref path }
            | HeadphonesError::Missing { ref path, .. } => path.clone(),
        };
        Self::of(Class::Input, Some(Subject::File(path)), e)
    }
}

/// The correction a command applies: `--headphones FILE` if given, else the remembered one
/// (`iemsim config set headphones FILE`) unless `disabled` (`--no-headphones`); `None` for none.
/// A measurement CSV, given or remembered, is corrected to `target` (`--headphone-target`), else
/// to the remembered target (`config set headphone-target`): a given `.csv` once ignored the
/// remembered target and was fitted to harman-over-ear-2018. A `target` given with no measurement
/// to fit (no correction, or an EQ) is refused: it was silently ignored.
pub fn choose(
    explicit: Option<&Path>,
    target: Option<&str>,
    disabled: bool,
    rate_hz: Option<f64>,
) -> Result<Option<Correction>, HeadphonesError> {
    let unused = |correction: Option<&Path>| HeadphonesError::TargetUnused {
        correction: correction.map(Path::to_path_buf),
    };
    match explicit {
        Some(path) if target.is_some() && !is_csv(path) => return Err(unused(Some(path))),
        // Only a given measurement without --headphone-target needs the remembered settings.
        Some(path) if target.is_some() || !is_csv(path) => {
            return Correction::load(path, target, rate_hz, Source::Argument).map(Some)
        }
        None if disabled && target.is_some() => return Err(unused(None)),
        None if disabled => return Ok(None),
        _ => {}
    }
    // A config folder this user may not read (another user's HOME, a sandbox) remembers nothing for
    // this run; so does a config.toml that cannot be read (a FIFO, a device, over 1 MB), with a
    // line on stderr (it was silent: a remembered correction was dropped unsaid). A file that reads
    // but does not parse is still an error (`iemsim config get|set|unset` report all of them).
    let s = match super::settings::load() {
        Err(ref e @ super::settings::SettingsError::Io { ref source, .. }) => {
            if source.kind() != std::io::ErrorKind::PermissionDenied {
                crate::io::diag::diag!("iemsim: {e}; remembered settings not used for this run");
            }
            super::settings::Settings::default()
        }
        Err(super::settings::SettingsError::NoFolder) => super::settings::Settings::default(),
        r => r?,
    };
    if target.is_some() && explicit.is_none() && !s.headphones.as_deref().is_some_and(is_csv) {
        return Err(unused(s.headphones.as_deref()));
    }
    let remembered_target = target.is_none() && s.headphone_target.is_some();
    let target = target.or(s.headphone_target.as_deref());
    let correction = match (explicit, s.headphones) {
        (Some(path), _) => Correction::load(path, target, rate_hz, Source::Argument).map(Some),
        (None, Some(path)) => {
            Correction::load(&path, target, rate_hz, Source::Remembered).map(Some)
        }
        (None, None) => Ok(None),
    };
    match correction {
        Err(e) if remembered_target => Err(e.with_remembered_target()),
        c => c,
    }
}

/// The headphone file a run uses and the target a measurement is fitted to, as [`choose`]
/// resolves them: the given ones, else the remembered ones (`iemsim config set`), else no file
/// and [`DEFAULT_TARGET`]. For what a command draws or says beside the correction itself (a
/// settings file that cannot be read remembers nothing here; `choose` reports it).
pub fn file_and_target(
    explicit: Option<&Path>,
    target: Option<&str>,
    disabled: bool,
) -> (Option<PathBuf>, String) {
    let s = super::settings::load().unwrap_or_default();
    let file = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None if disabled => None,
        None => s.headphones.clone(),
    };
    let target = target
        .map(str::to_owned)
        .or(s.headphone_target)
        .unwrap_or_else(|| DEFAULT_TARGET.to_string());
    (file, target)
}

/// A measurement (`.csv`, any case), not an EQ.
pub fn is_csv(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
}

/// The filters that bring the listener's headphones to the reference, and where they came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Correction {
    pub profile: Profile,
    /// One line for the user: the file, and the target for a fitted measurement.
    pub label: String,
}

impl Correction {
    /// What the correction holds, for the one line each command prints: `10 filters`, and for
    /// one with channels of their own, which (`2 filters, per channel: 1 (left), 2 (right)`).
    pub fn summary(&self) -> String {
        let n = crate::ui::fmt::count(self.profile.filter_count(), "filter");
        if !self.profile.is_per_channel() {
            return n;
        }
        let chans: Vec<String> = self
            .profile
            .channels
            .iter()
            .map(|c| crate::dsp::profile::channel_label(c.channel))
            .collect();
        format!("{n}, per channel: {}", chans.join(", "))
    }
}

/// Where a correction comes from: an explicit `--headphones`, or the remembered one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Argument,
    Remembered,
}

impl Correction {
    /// Loads `path`: a `.csv` is a measurement of the headphones, corrected to `target`
    /// (`harman-over-ear-2018` when `None`) by the PEQ fitter; anything else is a profile file
    /// (AutoEq / Equalizer APO `.txt`, `.toml`, `.yml`) holding the correction itself.
    pub fn load(
        path: &Path,
        target: Option<&str>,
        rate_hz: Option<f64>,
        source: Source,
    ) -> Result<Self, HeadphonesError> {
        if !path.exists() {
            return Err(HeadphonesError::Missing {
                path: path.to_path_buf(),
                remembered: source == Source::Remembered,
            });
        }
        if is_csv(path) {
            let target = target.unwrap_or(DEFAULT_TARGET);
            let m = measurement::read(path)?;
            let band = (
                correction::MEASURED_FROM_AT_MOST_HZ,
                deviation::ERROR_BAND_HZ.1,
            );
            m.check_covers(band, path)?;
            let t = target_measurement(target).map_err(|source| HeadphonesError::Target {
                source,
                remembered: false,
            })?;
            let mut profile = correction_for(&m, &t);
            profile.name = format!("{} (correction)", stem(path));
            profile.description = format!("correction of {} to {target}", path.display());
            profile.source = format!("{} from {}", profile.source, path.display());
            return Ok(Self {
                label: format!("{} (fitted to {})", path.display(), full_name(target)),
                profile,
            });
        }
        if crate::io::profile_file::Format::from_path(path).is_none() {
            return Err(HeadphonesError::UnknownFormat {
                path: path.to_path_buf(),
            });
        }
        let profile = load_file(path, rate_hz)?;
        Ok(Self {
            label: path.display().to_string(),
            profile,
        })
    }
}

/// `profile` as it plays: through `correction` when there is one (the correction's filters, then
/// the profile's, as one cascade; the preamps add, gains in series, for `--preamp profile`, and
/// `--preamp auto` is computed from the combined response by whoever renders it). The one place
/// commands and the player decide this.
pub fn through(correction: Option<&Correction>, profile: Profile) -> Profile {
    match correction {
        Some(c) => {
            let mut both = combine(&c.profile, profile);
            if let Some(b) = both.behind.as_mut() {
                b.label.clone_from(&c.label);
            }
            both
        }
        None => profile,
    }
}

/// `profile` behind `correction`: one profile whose cascade is the correction's filters followed by
/// the profile's (which are the correction's is kept in [`Profile::behind`]) (biquads in series multiply their responses, so the dB responses add). Each
/// channel's own part is the correction's for that channel, then the profile's, with their gains
/// added: a correction's `Channel:` sections (TOML `[[channels]]`, CamillaDSP per-channel steps)
/// were dropped here, and every channel got only its shared filters.
pub fn combine(correction: &Profile, profile: Profile) -> Profile {
    let mut filters = correction.filters.clone();
    filters.extend(profile.filters);
    let channels = combine_channels(&correction.channels, profile.channels);
    // Which filters are the correction's, to number each filter by its owner's list.
    let behind = crate::dsp::profile::Behind {
        label: correction.name.clone(),
        channels_needed: correction.channels_needed(),
        shared_filters: correction.filters.len(),
        part_filters: correction
            .channels
            .iter()
            .map(|c| (c.channel, c.filters.len()))
            .collect(),
    };
    Profile {
        description: format!(
            "{} (through the headphone correction '{}')",
            profile.description, correction.name
        ),
        preamp_db: profile.preamp_db + correction.preamp_db,
        filters,
        channels,
        behind: Some(behind),
        ..profile
    }
}

/// The per-channel parts of two cascades in series (both in ascending channel order, as
/// [`Profile::channels`] keeps them): every channel either names, its filters `first`'s then
/// `then`'s, its gains added.
fn combine_channels(first: &[ChannelFilters], then: Vec<ChannelFilters>) -> Vec<ChannelFilters> {
    let mut out: Vec<ChannelFilters> = first.to_vec();
    for part in then {
        match out.binary_search_by_key(&part.channel, |c| c.channel) {
            Ok(i) => {
                out[i].gain_db += part.gain_db;
                out[i].filters.extend(part.filters);
            }
            Err(i) => out.insert(i, part),
        }
    }
    out
}

/// The targets iemsim carries, by the names every command accepts (`harman` is the in-ear one).
const BUILTIN_TARGETS: &[(&str, &str)] = &[
    ("harman-over-ear-2018", HARMAN_OVER_EAR_2018_CSV),
    ("harman-in-ear-2019", iems::HARMAN_IN_EAR_2019_CSV),
    ("harman", iems::HARMAN_IN_EAR_2019_CSV),
    ("diffuse-field", iems::DIFFUSE_FIELD_CSV),
];

/// The bundled targets' names, as every command accepts them (what shell completion offers).
pub fn target_names() -> impl Iterator<Item = &'static str> {
    BUILTIN_TARGETS.iter().map(|(n, _)| *n)
}

/// `name`, and which target it is when it is a short name for one (`harman = harman-in-ear-2019`:
/// for headphones, whose default is the over-ear one, `harman` alone read as that).
fn full_name(name: &str) -> String {
    let csv = BUILTIN_TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|t| t.1);
    match BUILTIN_TARGETS.iter().find(|(_, c)| Some(*c) == csv) {
        Some((full, _)) if *full != name => format!("{name} = {full}"),
        _ => name.to_string(),
    }
}

/// Whether `name` is one of the bundled targets rather than a file.
pub fn is_builtin_target(name: &str) -> bool {
    BUILTIN_TARGETS.iter().any(|(n, _)| *n == name)
}

/// `harman-over-ear-2018`, `harman-in-ear-2019` (or `harman`), `diffuse-field`, or a target CSV
/// file covering the band a fit is judged on, as `fit --target` asks of one: a target from 200 Hz
/// to 5 kHz only was held flat outside it, for a headphone correction and a chart alike.
pub fn target_measurement(name: &str) -> Result<Measurement, MeasurementError> {
    match BUILTIN_TARGETS.iter().find(|(n, _)| *n == name) {
        Some((n, csv)) => iems::parse_embedded(csv, n),
        // A bare word that is no file was meant as a target name: say which there are.
        None if !Path::new(name).exists() && Path::new(name).extension().is_none() => {
            let targets = target_names().collect::<Vec<_>>().join(", ");
            let problem =
                format!("no such target; the targets are {targets}, or a target's CSV file");
            Err(MeasurementError::data(Path::new(name), problem))
        }
        None => {
            let m = measurement::read(Path::new(name))?;
            m.check_covers(deviation::ERROR_BAND_HZ, Path::new(name))?;
            Ok(m)
        }
    }
}

/// The correction EQ of headphones measured as `m`: −(m − target), both normalised over
/// 0.5–2 kHz, fitted by AutoEq's rules ([`correction`]: treble smoothed, boosts ≤ +6 dB, none
/// above 10 kHz), what `iemsim fit --invert` computes.
pub fn correction_for(m: &Measurement, target: &Measurement) -> Profile {
    let (grid, dev) = deviation::deviation((&m.freqs_hz, &m.db), (&target.freqs_hz, &target.db));
    let curve = correction::curve(&grid, &dev);
    let from_hz = m.freqs_hz.first().copied().unwrap_or(grid[0]);
    let cfg = correction::config(FitConfig::default().max_filters, from_hz);
    let fitted = fit::fit(&grid, &curve, &cfg);
    let mut profile = Profile {
        filters: fitted.filters,
        source: format!(
            "fitted by iemsim by AutoEq's rules (treble smoothed above {:.0} kHz, boosts <= {:+.0} dB, none above {:.0} kHz): \
             RMS error {:.2} dB over {:.0} Hz-{:.0} kHz",
            correction::TREBLE_SMOOTHING_HZ.0 / 1000.0,
            correction::MAX_BOOST_DB,
            correction::NO_BOOST_ABOVE_HZ / 1000.0,
            fitted.error.rms_db,
            cfg.band_hz.0,
            cfg.band_hz.1 / 1000.0
        ),
        ..Default::default()
    };
    // Its headroom, as `fit --invert` writes it into the file (−largest boost, to 0.01 dB rounded
    // down): `--preamp profile` gave a .csv correction none, 5.9 dB less than the same correction
    // from the .txt `fit` writes, and its boosts went through to the output.
    let auto = profile.preamp_db(crate::dsp::Preamp::Auto, 48_000.0);
    profile.preamp_db = (auto * 100.0).floor() / 100.0;
    profile
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "headphones".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::filter::{FilterKind, FilterSpec};

    fn pk(fc: f64, gain: f64) -> FilterSpec {
        FilterSpec::new(FilterKind::Peaking, fc, gain, 1.0)
    }

    #[test]
    fn combine_puts_the_correction_first_and_adds_preamps() {
        let c = Profile {
            name: "hd600".into(),
            preamp_db: -6.0,
            filters: vec![pk(100.0, 6.0)],
            ..Default::default()
        };
        let p = Profile {
            name: "ba".into(),
            description: "BA".into(),
            preamp_db: -1.0,
            filters: vec![pk(3000.0, 3.0), pk(8000.0, -2.0)],
            source: "s".into(),
            ..Default::default()
        };
        let both = combine(&c, p);
        assert_eq!(both.name, "ba");
        assert_eq!(
            both.filters,
            vec![pk(100.0, 6.0), pk(3000.0, 3.0), pk(8000.0, -2.0)]
        );
        assert_eq!(both.preamp_db, -7.0);
    }

    /// A filter dropped from a profile behind a correction is numbered by its owner's list, the
    /// one `iemsim show` gives each alone (shared filters, then each channel's), not by its place
    /// in the combined cascade, where the correction's come first.
    #[test]
    fn dropped_filters_keep_their_owners_numbers() {
        let part = |channel: usize, filters: Vec<FilterSpec>| ChannelFilters {
            channel,
            gain_db: 0.0,
            filters,
        };
        // At 8 kHz everything from 4 kHz up is dropped.
        let c = Profile {
            name: "hp".into(),
            filters: vec![pk(100.0, 1.0), pk(6000.0, 1.0)],
            channels: vec![part(1, vec![pk(300.0, 1.0), pk(5000.0, 1.0)])],
            ..Default::default()
        };
        let p = Profile {
            name: "p".into(),
            filters: vec![pk(1000.0, 1.0), pk(4500.0, 1.0), pk(2000.0, 1.0)],
            channels: vec![
                part(0, vec![pk(7000.0, 1.0)]),
                part(1, vec![pk(200.0, 1.0), pk(7500.0, 1.0)]),
            ],
            ..Default::default()
        };
        // By hand: p's list is 1k, 4.5k, 2k, L 7k, R 200, R 7.5k; hp's is 100, 6k, R 300, R 5k.
        let got: Vec<(Option<String>, usize, f64)> = combine(&c, p)
            .dropped(8000.0)
            .into_iter()
            .map(|d| (d.correction, d.index, d.spec.fc_hz))
            .collect();
        let hp = || Some("hp".to_string());
        assert_eq!(
            got,
            [
                (hp(), 2, 6000.0),
                (None, 2, 4500.0),
                (None, 4, 7000.0),
                (hp(), 4, 5000.0),
                (None, 6, 7500.0),
            ]
        );
    }

    /// A correction's per-channel parts were dropped (only its shared filters and preamp were
    /// kept): with a per-channel profile too, each channel must get the correction's part and
    /// the profile's. Checked against the cookbook's closed form (`tests/common/rbj.rs`), not
    /// iemsim's filters.
    #[test]
    fn combine_keeps_the_per_channel_parts_of_both() {
        use crate::dsp::rbj_reference as rbj;
        let part = |channel: usize, gain_db: f64, filters: Vec<FilterSpec>| ChannelFilters {
            channel,
            gain_db,
            filters,
        };
        let pkq = |fc: f64, gain: f64, q: f64| FilterSpec::new(FilterKind::Peaking, fc, gain, q);
        // The tester's hpch.txt: L a 4 dB peak at 200 Hz, R 1.5 dB down and a 5 dB dip at 5 kHz.
        let c = Profile {
            name: "hpch".into(),
            preamp_db: -2.0,
            channels: vec![
                part(0, 0.0, vec![pkq(200.0, 4.0, 2.0)]),
                part(1, -1.5, vec![pkq(5000.0, -5.0, 3.0)]),
            ],
            ..Default::default()
        };
        let p = Profile {
            name: "p".into(),
            preamp_db: -1.0,
            filters: vec![pkq(1000.0, 2.0, 1.0)],
            channels: vec![
                part(1, -0.5, vec![pkq(3000.0, 3.0, 2.0)]),
                part(2, 1.0, vec![pkq(100.0, -3.0, 1.0)]),
            ],
            ..Default::default()
        };
        let both = combine(&c, p);
        assert_eq!(both.preamp_db, -3.0);
        assert_eq!(both.filter_count(), 5);
        let chans: Vec<(usize, f64, usize)> = both
            .channels
            .iter()
            .map(|c| (c.channel, c.gain_db, c.filters.len()))
            .collect();
        assert_eq!(chans, [(0, 0.0, 1), (1, -2.0, 2), (2, 1.0, 1)]);
        // Per channel (own gain, no preamp): the shared 1 kHz peak plus each part's filters.
        let fs = 48_000.0;
        let pk = |f0: f64, g: f64, q: f64, f: f64| rbj::magnitude_db("PK", f0, g, q, fs, f);
        for f in [100.0, 200.0, 1000.0, 3000.0, 5000.0] {
            let shared = pk(1000.0, 2.0, 1.0, f);
            let want = [
                shared + pk(200.0, 4.0, 2.0, f),
                shared - 2.0 + pk(5000.0, -5.0, 3.0, f) + pk(3000.0, 3.0, 2.0, f),
                shared + 1.0 + pk(100.0, -3.0, 1.0, f),
            ];
            for (ch, w) in want.iter().enumerate() {
                let got = both.channel_response_db(ch, &[f], fs)[0];
                assert!(
                    (got - w).abs() < 1e-9,
                    "channel {ch} at {f} Hz: {got} vs {w}"
                );
            }
        }
        // Mono has no left or right: refused, as a per-channel profile is.
        assert!(both.check_channels(1).is_err() && both.check_channels(3).is_ok());
        // A per-channel correction alone makes a shared profile per channel.
        let neutral = Profile {
            channels: Vec::new(),
            filters: Vec::new(),
            ..both.clone()
        };
        let n = combine(&c, neutral);
        assert_eq!(n.channels, c.channels);
        assert!(n.check_channels(1).is_err());
    }

    /// Audio without the channels a correction names blames the correction, by its label; the
    /// profile is blamed only for channels of its own the audio lacks.
    #[test]
    fn channel_refusals_name_the_part_that_needs_the_channel() {
        let part = |channel: usize| ChannelFilters {
            channel,
            gain_db: -1.0,
            filters: Vec::new(),
        };
        let profile = |name: &str, channels: Vec<ChannelFilters>| Profile {
            name: name.into(),
            filters: vec![pk(1000.0, 2.0)],
            channels,
            ..Default::default()
        };
        let hp = Correction {
            profile: profile("hp", vec![part(0), part(1)]),
            label: "hp.txt".into(),
        };
        let refusal =
            |p: Profile, channels: usize| match through(Some(&hp), p).check_channels(channels) {
                Err(e) => e.to_string(),
                Ok(()) => String::new(),
            };
        let shared = refusal(profile("ba", Vec::new()), 1);
        assert!(
            shared.starts_with("the headphone correction 'hp.txt' gives channel 2 (right)"),
            "{shared}"
        );
        assert!(shared.contains("the audio is mono"), "{shared}");
        // Stereo has both of the correction's channels: a third is the profile's to answer for.
        let own = refusal(profile("surround", vec![part(2)]), 2);
        assert!(
            own.starts_with("profile 'surround' gives channel 3"),
            "{own}"
        );
        assert_eq!(refusal(profile("surround", vec![part(2)]), 3), "");
        // Without a correction nothing is blamed on one.
        let alone = through(None, profile("left", vec![part(0)])).check_channels(1);
        assert!(alone.is_err_and(|e| e.to_string().starts_with("profile 'left'")));
    }

    #[test]
    fn bundled_over_ear_target_is_autoeqs() {
        let t = target_measurement("harman-over-ear-2018").unwrap();
        // AutoEq's standard grid: 695 points from 20 Hz; published values at the ends.
        assert_eq!(t.freqs_hz.len(), 695);
        assert_eq!((t.freqs_hz[0], t.db[0]), (20.0, 3.86));
        assert_eq!(t.db[t.db.len() - 1], -22.92);
    }

    #[test]
    fn a_measurement_equal_to_its_target_needs_almost_no_correction() {
        let t = target_measurement("harman-over-ear-2018").unwrap();
        let p = correction_for(&t, &t);
        let r = p.response_db(&[100.0, 1000.0, 3000.0, 8000.0], 48_000.0);
        assert!(r.iter().all(|d| d.abs() < 0.5), "{r:?}");
    }
}

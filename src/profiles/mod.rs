//! Finding a profile from what the user typed after `-p`: a file, or a built-in or user profile name.
//!
//! The one lookup every command uses (export, play, abx, show, demo and the play screen's profile
//! keys). A value is a file when it ends in `.toml`, `.txt` or `.yml`/`.yaml`, or names an existing
//! file; otherwise it is a name, looked up among the built-ins and the user's profile folder with a
//! "did you mean" suggestion.

pub mod headphones;
pub mod iems;
pub mod settings;

use crate::dsp::{builtin, profile, Profile, ProfileError};
use crate::error::{Class, Error, Subject};
use crate::io::profile_file::{self, Format, ProfileFileError};
use std::path::{Path, PathBuf};

/// Environment variable that replaces the platform config folder (for tests and portable setups).
pub const CONFIG_DIR_ENV: &str = "IEMSIM_CONFIG_DIR";

/// Where a listed profile comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    Builtin,
    /// A file in the user's profile folder.
    User(PathBuf),
}

/// A profile that `iemsim profiles` lists.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub profile: Profile,
    pub origin: Origin,
}

/// Why a `-p` value gives no profile.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error(transparent)]
    Unknown(#[from] ProfileError),
    #[error(transparent)]
    Invalid(#[from] ProfileFileError),
    #[error("{}: cannot read the profile: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A bundled measurement that does not parse (a build defect, reported rather than panicking).
    #[error(transparent)]
    Measurement(#[from] crate::io::measurement::MeasurementError),
    /// A profile that parses but does more than any tuning does (see [`MAX_PEAK_BOOST_DB`]):
    /// refused before its filters can overflow the audio.
    #[error("{}: {message}", path.display())]
    Limit { path: PathBuf, message: String },
    #[error("{}: not a profile file (iemsim reads .toml, .txt = Equalizer APO / AutoEq, .yml/.yaml = CamillaDSP)", path.display())]
    UnknownFormat { path: PathBuf },
    #[error("{}: is a folder, not a profile (name a .toml, .txt or .yml file in it, or a profile `iemsim profiles` lists)", path.display())]
    Folder { path: PathBuf },
    #[error("an empty profile name: name one that `iemsim profiles` lists, or a profile file")]
    Blank,
    /// A file in the user's profile folder that parses but is not listed (its name is taken),
    /// or the folder itself when it cannot be read.
    #[error("{}: {message}", path.display())]
    Skipped { path: PathBuf, message: String },
    /// A name found nowhere while the user's profile folder could not be read (`folder` says why).
    #[error("{unknown}; {folder}")]
    UnreadFolder {
        unknown: ProfileError,
        folder: Box<ResolveError>,
    },
}

/// A profile the user named or wrote that cannot be used: always theirs to fix (exit code 2).
impl From<ResolveError> for Error {
    fn from(e: ResolveError) -> Self {
        match e {
            ResolveError::Unknown(e) => e.into(),
            ResolveError::UnreadFolder { ref unknown, .. } => {
                let name = match unknown {
                    ProfileError::Unknown { name, .. } => name.clone(),
                    _ => String::new(),
                };
                Self::of(Class::Input, Some(Subject::Argument(name)), e)
            }
            ResolveError::Invalid(e) => e.into(),
            ResolveError::Measurement(e) => e.into(),
            ResolveError::Read { ref path, .. }
            | ResolveError::Limit { ref path, .. }
            | ResolveError::UnknownFormat { ref path }
            | ResolveError::Folder { ref path }
            | ResolveError::Skipped { ref path, .. } => {
                let subject = Subject::File(path.clone());
                Self::of(Class::Input, Some(subject), e)
            }
            ResolveError::Blank => {
                Self::of(Class::Input, Some(Subject::Argument(String::new())), e)
            }
        }
    }
}

/// iemsim's config folder: `$IEMSIM_CONFIG_DIR`, else the platform's (e.g. `~/.config/iemsim`).
pub fn config_dir() -> Option<PathBuf> {
    match std::env::var_os(CONFIG_DIR_ENV) {
        Some(d) if !d.is_empty() => Some(PathBuf::from(d)),
        _ => dirs::config_dir().map(|d| d.join("iemsim")),
    }
}

/// The user's profile folder (`CONFIG/profiles`), whose files `iemsim profiles` lists.
pub fn user_dir() -> Option<PathBuf> {
    config_dir().map(|d| d.join("profiles"))
}

/// The largest boost a profile file's cascade may reach at any frequency (dB). Each filter is
/// limited to ±30 dB, but boosts at one frequency add up: 400 filters of +29.9 dB overflowed
/// the audio into NaN. No tuning boosts anything by 60 dB (a thousandfold in amplitude).
pub const MAX_PEAK_BOOST_DB: f64 = 60.0;

/// Whether a `-p` value means a file rather than a name.
pub fn is_file_spec(spec: &str) -> bool {
    Format::from_path(Path::new(spec)).is_some() || Path::new(spec).is_file()
}

/// Loads a profile file; with `rate_hz`, also checks that every filter lies below its Nyquist frequency.
pub fn load_file(path: &Path, rate_hz: Option<f64>) -> Result<Profile, ResolveError> {
    let format = Format::from_path(path).ok_or_else(|| ResolveError::UnknownFormat {
        path: path.to_path_buf(),
    })?;
    let bytes = crate::io::bounded::read_regular(path, crate::io::bounded::TEXT_LIMIT).map_err(
        |source| ResolveError::Read {
            path: path.to_path_buf(),
            source,
        },
    )?;
    let name = path.display().to_string();
    let text = profile_file::decode_text(&bytes, &name)?;
    parse_text(format, &text, path, rate_hz)
}

/// The profile `text` (in `format`, as the file `path` would hold it) with every rule a loaded
/// file meets; what writes a profile (the fitter) checks its text with it, so it never writes a
/// file iemsim refuses to read.
pub fn parse_text(
    format: Format,
    text: &str,
    path: &Path,
    rate_hz: Option<f64>,
) -> Result<Profile, ResolveError> {
    let name = path.display().to_string();
    let (profile, lines) = format.parse_with_lines(text, &name)?;
    check_totals(&profile, path, rate_hz)?;
    if let Some(rate) = rate_hz {
        profile_file::check_rate(&profile, &lines, &name, rate)?;
    }
    Ok(profile)
}

/// What a profile file may do in total: a cascade (filters, preamps and channel gains) boosting
/// no frequency by more than [`MAX_PEAK_BOOST_DB`] (at `rate_hz`, else 48 kHz). The parsers already refuse more than
/// [`profile_file::MAX_FILTERS`] filters.
fn check_totals(profile: &Profile, path: &Path, rate_hz: Option<f64>) -> Result<(), ResolveError> {
    // Every gain on the way: a channel's preamp was counted here, the shared one not.
    let boost = profile.max_total_gain_db(rate_hz.unwrap_or(48_000.0));
    // NaN (an overflowed response) is refused too.
    if boost.is_nan() || boost > MAX_PEAK_BOOST_DB {
        return Err(ResolveError::Limit {
            path: path.to_path_buf(),
            message: format!(
                "the filters and preamps add up to a boost of {boost:+.1} dB, more than the {MAX_PEAK_BOOST_DB} dB iemsim accepts (overlapping boosts add up: a typo?)"
            ),
        });
    }
    Ok(())
}

/// Whether `name` belongs to iemsim: a built-in profile or the `iem:` namespace of the bundled
/// per-IEM profiles (even a slug the catalogue does not have yet). A user file may not take it.
pub fn is_reserved_name(name: &str) -> bool {
    let n = name.trim();
    builtin::NAMES.iter().any(|b| b.eq_ignore_ascii_case(n)) || is_iem_name(n)
}

/// Whether `name` is in the `iem:` namespace (in any case).
fn is_iem_name(name: &str) -> bool {
    name.trim()
        .get(..iems::PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(iems::PREFIX))
}

/// A file in the user's profile folder that gives no profile (or the folder itself, when it
/// cannot be read), and why.
pub struct Unusable {
    pub path: PathBuf,
    /// The name the file gives its profile, when it parsed (the name was taken).
    pub name: Option<String>,
    pub why: ResolveError,
}

/// The profiles in the user's folder, and the files (or the folder) that could not be used.
fn user_files() -> (Vec<Listed>, Vec<Unusable>) {
    let mut listed = Vec::new();
    let mut problems = Vec::new();
    let Some(dir) = user_dir() else {
        return (listed, problems);
    };
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        // No folder: no user profiles.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (listed, problems),
        // Any other failure was taken for no folder too: a file in its place, or a folder that
        // may not be read, left the user's profiles out without a word.
        Err(e) => {
            problems.push(unreadable_folder(dir, &e));
            return (listed, problems);
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        // By name only: a FIFO, a device or a folder named like a profile is reported by
        // `load_file` (which never blocks on one), not left out silently.
        .filter(|p| Format::from_path(p).is_some())
        // Hidden files (an editor's or a sync tool's) are not profiles the user put there.
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    paths.sort();
    for path in paths {
        match load_file(&path, None) {
            Ok(p) => match name_taken(&p.name, &listed) {
                Some(why) => problems.push(Unusable {
                    why: ResolveError::Skipped {
                        path: path.clone(),
                        message: format!(
                            "name '{}' {why}; rename it (a TOML file's `name`, a CamillaDSP \
                             file's `title`, a text file's `# name:` line, else the file's own name)",
                            p.name
                        ),
                    },
                    path,
                    name: Some(p.name),
                }),
                None => listed.push(Listed {
                    profile: p,
                    origin: Origin::User(path),
                }),
            },
            Err(why) => problems.push(Unusable {
                path,
                name: None,
                why,
            }),
        }
    }
    (listed, problems)
}

/// Why a user file may not take the profile name `name`, if so: it is iemsim's, or a file
/// listed before it (`listed`) has it.
fn name_taken(name: &str, listed: &[Listed]) -> Option<String> {
    let taken_by = listed
        .iter()
        .find(|l| l.profile.name.eq_ignore_ascii_case(name))
        .and_then(|l| match &l.origin {
            Origin::User(other) => Some(other.display().to_string()),
            _ => None,
        });
    if is_iem_name(name) {
        Some("starts with 'iem:', which names the per-IEM profiles".to_string())
    } else if is_reserved_name(name) {
        Some("is already taken by the built-in profile".to_string())
    } else {
        taken_by.map(|other| format!("is already taken by {other}"))
    }
}

/// The user's profile folder `dir` that exists but cannot be read (`e`).
fn unreadable_folder(dir: PathBuf, e: &std::io::Error) -> Unusable {
    let message = if dir.exists() && !dir.is_dir() {
        "is not a folder, so no profiles are read from it (your own profiles go in a folder \
         of this name)"
            .to_string()
    } else {
        format!("cannot read the profile folder: {e}")
    };
    Unusable {
        why: ResolveError::Skipped {
            path: dir.clone(),
            message,
        },
        path: dir,
        name: None,
    }
}

/// Why `spec`, a name found nowhere, gives no profile, when the user's folder says more than
/// "unknown profile": a file of that name (its stem, in any case) or claiming it that could not
/// be used (`play -a broken` with a broken `broken.toml`, `show mine2` with a `mine2.txt` whose
/// name another file had, said "unknown profile" and suggested an unrelated name), or the folder
/// itself unreadable.
fn why_unknown(spec: &str, unusable: Vec<Unusable>, unknown: ProfileError) -> ResolveError {
    let spec = spec.trim();
    let is_folder = |u: &Unusable| Some(&u.path) == user_dir().as_ref();
    let stem_is = |u: &Unusable| {
        u.path
            .file_stem()
            .is_some_and(|s| s.to_string_lossy().eq_ignore_ascii_case(spec))
    };
    let named = |u: &Unusable| {
        u.name
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(spec))
    };
    let mut unusable = unusable;
    let found = (unusable.iter().position(|u| !is_folder(u) && stem_is(u)))
        .or_else(|| unusable.iter().position(named));
    if let Some(i) = found {
        return unusable.swap_remove(i).why;
    }
    match unusable.into_iter().find(is_folder) {
        Some(folder) => ResolveError::UnreadFolder {
            unknown,
            folder: Box::new(folder.why),
        },
        None => unknown.into(),
    }
}

/// The built-ins followed by the user's profiles, and the user files that could not be used.
pub fn all() -> (Vec<Listed>, Vec<String>) {
    let (all, unusable) = all_files();
    (all, unusable.iter().map(|u| u.why.to_string()).collect())
}

/// As [`all`], with the unusable files themselves.
fn all_files() -> (Vec<Listed>, Vec<Unusable>) {
    let (user, problems) = user_files();
    let mut all: Vec<Listed> = builtin::profiles()
        .into_iter()
        .map(|profile| Listed {
            profile,
            origin: Origin::Builtin,
        })
        .collect();
    all.extend(user);
    (all, problems)
}

/// The warning for a `-p` name that a file in the user's profile folder also gives itself, which
/// is then skipped (a `ba.toml` beside the built-in `ba`, or a second file of one name): only
/// `iemsim profiles` said so, and `-p ba` used the built-in without a word. It names the file and
/// how to use it; for a file of that name that could not be read, why. None for a file path, or a
/// name no skipped file gives itself.
pub fn shadowed_warning(spec: &str) -> Option<String> {
    if is_file_spec(spec) {
        return None;
    }
    let name = spec.trim();
    let (all, unusable) = all_files();
    let named = |u: &&Unusable| {
        u.name
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
    };
    // A file that did not parse gives itself no name: its own name (`ba.toml`) is the one it
    // would have had, unless it says otherwise inside.
    let broken = |u: &&Unusable| {
        u.name.is_none()
            && u.path.is_file()
            && u.path
                .file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(|s| s.eq_ignore_ascii_case(name))
    };
    let skipped = unusable
        .iter()
        .find(named)
        .or_else(|| unusable.iter().find(broken))?;
    let used = match all
        .iter()
        .find(|l| l.profile.name.eq_ignore_ascii_case(name))
    {
        Some(Listed {
            origin: Origin::User(path),
            ..
        }) => format!("the profile in {}", path.display()),
        Some(l) => format!("the built-in profile '{}'", l.profile.name),
        None => format!("iemsim's own profile '{name}'"),
    };
    if skipped.name.is_none() {
        return Some(format!(
            "'{name}' means {used}; a file of that name in your profile folder is not used: {}",
            skipped.why
        ));
    }
    let path = skipped.path.display().to_string();
    let quoted = match path.contains(char::is_whitespace) {
        true => format!("\"{path}\""),
        false => path.clone(),
    };
    Some(format!(
        "'{name}' means {used}, not {path}, which gives itself that name too and is skipped: to use the \
         file, give its path (-p {quoted}), or rename it (`iemsim profiles` lists what is skipped)"
    ))
}

/// The profile's part of an output's name (`song.LABEL.wav`): for a file, the file name the user
/// gave (`-p ~/eq/warm.txt` → `warm`), never the `name` the file claims; else the profile's name.
/// Made portable by the output namer, which every output name goes through.
pub fn output_label(spec: &str, profile: &Profile) -> String {
    if is_file_spec(spec) {
        profile_file::stem_name(spec)
    } else {
        profile.name.clone()
    }
}

/// [`output_label`] of each `-p` value, made distinct where two files share a stem
/// (`-p x/eq.toml -p y/eq.txt`): such a file's label gains its extension (`eq-toml`), then its
/// folder's name (`x-eq-txt`). Labels that still clash (one profile named twice) stay, for the
/// collision check to refuse.
pub fn output_labels(specs: &[String], profiles: &[Profile]) -> Vec<String> {
    let mut labels: Vec<String> = specs
        .iter()
        .zip(profiles)
        .map(|(s, p)| output_label(s, p))
        .collect();
    for longer in [with_extension as fn(&Path) -> String, with_folder] {
        let clashing: Vec<usize> = (0..labels.len())
            .filter(|&i| {
                is_file_spec(&specs[i])
                    && (0..labels.len()).any(|j| {
                        j != i && specs[j] != specs[i] && labels[j].eq_ignore_ascii_case(&labels[i])
                    })
            })
            .collect();
        for i in clashing {
            labels[i] = longer(Path::new(&specs[i]));
        }
    }
    labels
}

/// `eq-txt` for `x/eq.txt`.
fn with_extension(path: &Path) -> String {
    let stem = profile_file::stem_name(&path.to_string_lossy());
    match path.extension() {
        Some(ext) => format!("{stem}-{}", ext.to_string_lossy()),
        None => stem,
    }
}

/// `x-eq-txt` for `x/eq.txt`.
fn with_folder(path: &Path) -> String {
    let folder = path
        .parent()
        .and_then(Path::file_name)
        .map(|f| f.to_string_lossy().into_owned());
    match folder {
        Some(f) => format!("{f}-{}", with_extension(path)),
        None => with_extension(path),
    }
}

/// The profile a `-p` value means: a file (by extension, or an existing path) or a name. `rate_hz`,
/// when the caller knows the audio's rate, makes a file's filters at or above Nyquist an error
/// naming their line (built-ins drop such filters with a warning instead).
pub fn resolve(spec: &str, rate_hz: Option<f64>) -> Result<Profile, ResolveError> {
    if is_file_spec(spec) {
        return load_file(Path::new(spec), rate_hz);
    }
    let (all, unusable) = all_files();
    // User files may name themselves with capitals ("Moondrop Chu"); names match in any case.
    if let Some(l) = all
        .iter()
        .find(|l| l.profile.name.eq_ignore_ascii_case(spec.trim()))
    {
        return match (&l.origin, rate_hz) {
            // A user file by its name obeys the same Nyquist rule as by its path.
            (Origin::User(path), Some(_)) => load_file(path, rate_hz),
            _ => Ok(l.profile.clone()),
        };
    }
    let profiles: Vec<Profile> = all.into_iter().map(|l| l.profile).collect();
    // Per-IEM profiles (`iem:moondrop-ssr`) are fitted from their measurement on first use, so
    // they join the candidates by name only.
    let iem_names = iems::names();
    let names: Vec<&str> = profiles
        .iter()
        .map(|p| p.name.as_str())
        .chain(iem_names.iter().map(String::as_str))
        .collect();
    let found = match profile::find_name(&names, spec) {
        Ok(found) => found,
        // What the name is instead, when that says more than "did you mean".
        Err(_) if spec.trim().is_empty() => return Err(ResolveError::Blank),
        Err(_) if Path::new(spec).is_dir() => {
            return Err(ResolveError::Folder {
                path: PathBuf::from(spec),
            })
        }
        // A file of that name in the user's folder that could not be used: why, not a guess.
        Err(e) => return Err(why_unknown(spec, unusable, e)),
    };
    if let Some(iem) = iems::by_name(found) {
        return Ok(iems::profile(iem)?.profile.clone());
    }
    Ok(profile::find(&profiles, found)?.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 60 dB limit is on the whole cascade's boost, every gain on the way counted: a
    /// channel's `Preamp:` was counted into it and the shared preamp not (30 dB of filters with
    /// a channel's +35 dB refused as "the filters add up to +65 dB", 99 dB with a shared +40 dB
    /// passed).
    #[test]
    fn the_boost_limit_counts_every_gain_on_the_way() {
        let read = |text: &str| parse_text(Format::EqApo, text, Path::new("b.txt"), None);
        let refusal = |text: &str| read(text).map(|_| ()).unwrap_err().to_string();
        let filter = |n: u32, db: f64| format!("Filter {n}: ON PK Fc 100 Hz Gain {db} dB Q 0.7\n");
        let channel_preamp = format!("{}Channel: L\nPreamp: 35 dB\n", filter(1, 30.0));
        let e = refusal(&channel_preamp);
        assert!(
            e.contains("b.txt: the filters and preamps add up to a boost of +65.0 dB"),
            "{e}"
        );
        let shared_preamp = format!("Preamp: 40 dB\n{}{}", filter(1, 30.0), filter(2, 29.0));
        assert!(refusal(&shared_preamp).contains("boost of +99.0 dB"));
        // The usual file: a preamp that takes the boost back, however large the filters' is.
        let taken_back = format!("Preamp: -20 dB\n{}{}", filter(1, 30.0), filter(2, 29.0));
        assert!(read(&taken_back).is_ok());
        // A channel's own filters count with the shared ones.
        let per_channel = format!(
            "{}Channel: R\n{}{}",
            filter(1, 30.0),
            filter(2, 29.0),
            filter(3, 2.0)
        );
        let e = refusal(&per_channel);
        assert!(e.contains("boost of +61.0 dB"), "{e}");
    }
}

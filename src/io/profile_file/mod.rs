//! Profiles as files: iemsim's TOML, AutoEq `ParametricEQ.txt` / Equalizer APO, and CamillaDSP YAML.
//!
//! Each format has a pure `parse(text, source) -> Result<Profile, ProfileFileError>` (no I/O, never
//! panics, so it can be fuzzed) and a `write(&Profile) -> Result<String, ProfileFileError>`. Every
//! number is checked once here, at the edge, with the file, line and field named; invalid input never
//! reaches `dsp`. Writers print numbers in Rust's shortest round-trip form, so converting between the
//! formats preserves every filter exactly (the Equalizer APO writer adds a 0 to a number with exactly
//! three decimals, which Equalizer APO would read as a thousands point: `eqapo::apo_num`).

pub mod camilladsp;
pub mod eqapo;
pub mod toml;

use crate::dsp::filter::{Num, MAX_ABS_GAIN_DB};
use crate::dsp::profile::MAX_CHANNELS;
use crate::dsp::{ChannelFilters, FilterKind, FilterSpec, Profile};
use crate::error::{Class, Error, Subject};
use std::path::Path;

/// Q used where a format lets a filter leave it out (Equalizer APO's `LS`/`HS`/`LP`/`HP`): 1/√2,
/// the RBJ cookbook's shelf slope S = 1 (the steepest without overshoot) and the Butterworth pass
/// filter. AutoEq writes its shelves with `Q 0.70`, the same shape to two decimals.
pub const DEFAULT_Q: f64 = std::f64::consts::FRAC_1_SQRT_2;

/// Why a profile file cannot be used. `file` is the name given to the parser (usually the path).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProfileFileError {
    /// A problem on one line, with the field it concerns.
    #[error("{file}:{line}: {field}: {message}")]
    Field {
        file: String,
        line: usize,
        field: String,
        message: String,
    },
    /// A problem with the file as a whole.
    #[error("{file}: {message}")]
    File { file: String, message: String },
    /// The profile holds something the target format cannot say.
    #[error("{file}: filter {index} ({kind}) cannot be written as {format}: {why}")]
    Inexpressible {
        file: String,
        index: usize,
        kind: String,
        format: &'static str,
        why: String,
    },
}

impl ProfileFileError {
    /// A problem with `field` on `line` of `file`.
    pub fn field(file: &str, line: usize, field: impl Into<String>, message: String) -> Self {
        Self::Field {
            file: file.to_string(),
            line,
            field: field.into(),
            message,
        }
    }

    /// A problem with `file` as a whole.
    pub fn file(file: &str, message: String) -> Self {
        Self::File {
            file: file.to_string(),
            message,
        }
    }
}

/// A profile file that does not parse or cannot be converted: the user's to fix (exit code 2).
impl From<ProfileFileError> for Error {
    fn from(e: ProfileFileError) -> Self {
        let file = match &e {
            ProfileFileError::Field { file, .. }
            | ProfileFileError::File { file, .. }
            | ProfileFileError::Inexpressible { file, .. } => file.clone(),
        };
        Self::of(Class::Input, Some(Subject::File(file.into())), e)
    }
}

/// The three file formats, chosen by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// iemsim's own documented TOML (`.toml`).
    Toml,
    /// AutoEq `ParametricEQ.txt` / Equalizer APO `config.txt` (`.txt`).
    EqApo,
    /// A CamillaDSP configuration (`.yml`, `.yaml`).
    CamillaDsp,
}

impl Format {
    /// The format a path's extension names, if any.
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "toml" => Some(Self::Toml),
            "txt" => Some(Self::EqApo),
            "yml" | "yaml" => Some(Self::CamillaDsp),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Toml => "iemsim TOML",
            Self::EqApo => "Equalizer APO / AutoEq",
            Self::CamillaDsp => "CamillaDSP YAML",
        }
    }

    /// Parses `text` (already decoded; a leading BOM is ignored) named `source` in errors.
    pub fn parse(self, text: &str, source: &str) -> Result<Profile, ProfileFileError> {
        self.parse_with_lines(text, source).map(|(p, _)| p)
    }

    /// As [`Self::parse`], plus where each filter is (its 1-based line and frequency field), in
    /// the order of [`Profile::all_filters`] (for checks that need the sample rate).
    pub fn parse_with_lines(
        self,
        text: &str,
        source: &str,
    ) -> Result<(Profile, Vec<Place>), ProfileFileError> {
        check_size(text, source)?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let (mut profile, lines) = match self {
            Self::Toml => toml::parse_with_lines(text, source),
            Self::EqApo => eqapo::parse_with_lines(text, source),
            Self::CamillaDsp => camilladsp::parse_with_lines(text, source),
        }?;
        for text in [&mut profile.name, &mut profile.description] {
            *text = one_line(text);
        }
        Ok((profile, lines))
    }

    /// The profile as this format's text.
    pub fn write(self, profile: &Profile) -> Result<String, ProfileFileError> {
        match self {
            Self::Toml => Ok(toml::write(profile)),
            Self::EqApo => eqapo::write(profile),
            Self::CamillaDsp => camilladsp::write(profile),
        }
    }
}

/// Decodes a file's bytes as UTF-8 (BOM allowed) with an error naming the file (and UTF-16, the
/// one other encoding a Windows editor saves, by name).
pub fn decode_text(bytes: &[u8], source: &str) -> Result<String, ProfileFileError> {
    if let Some(encoding) = crate::io::text::utf16(bytes) {
        return Err(ProfileFileError::file(
            source,
            crate::io::text::utf16_problem(encoding),
        ));
    }
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        ProfileFileError::file(
            source,
            format!(
                "not UTF-8 text (invalid byte at offset {}); save it as UTF-8",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// A shelf slope in dB per octave (S = slope/12, as CamillaDSP and Equalizer APO write it) as
/// the equivalent RBJ Q at `gain_db`, or None if impossible.
pub fn slope_to_q(slope_db: f64, gain_db: f64) -> Option<f64> {
    let s = slope_db / 12.0;
    let a = 10f64.powf(gain_db / 40.0);
    let x = (a + 1.0 / a) * (1.0 / s - 1.0) + 2.0;
    (s > 0.0 && x > 0.0 && x.is_finite()).then(|| 1.0 / x.sqrt())
}

/// `text` on one line: each run of line breaks and tabs (with the spaces around them) becomes
/// one space (the other control characters are shown escaped on output). A name or description is shown in a column of `profiles`, a title, a legend: a
/// line feed in one printed a line of its own there (a file could forge a listing line).
fn one_line(text: &str) -> String {
    if !text.contains(['\n', '\r', '\t']) {
        return text.to_string();
    }
    text.split(['\n', '\r', '\t'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The largest Q a profile file may hold.
pub const MAX_Q: f64 = 1000.0;
/// The narrowest Q a file may give: below it a filter is wider than the audio band many times
/// over, and below about 1e-20 its coefficients are no longer stable in f64 (the fuzzer's
/// `Q 1e-30` was accepted, then dropped at render time as "above Nyquist").
pub const MIN_Q: f64 = 0.001;

/// The lowest fc a profile file may give.
pub const MIN_FC_HZ: f64 = 1.0;

/// The Nyquist frequency of the highest sample rate iemsim reads (192 kHz).
pub const MAX_FC_HZ: f64 = 96_000.0;

/// A number [`check_filter`] checks, for the caller to name as its file does (`Fc` in an
/// Equalizer APO file, `filters.a.freq` in a CamillaDSP one, `fc_hz` in iemsim's TOML): a refusal
/// named the TOML field whatever the format, a name the file does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    Fc,
    /// The width: the file's Q, or the bandwidth or slope the Q was made from.
    Q,
    Gain,
}

/// Checks one filter's numbers (rate-independent rules); `bad` makes the error for the field
/// the file gave it in.
pub fn check_filter(
    spec: &FilterSpec,
    bad: impl Fn(Checked, String) -> ProfileFileError,
) -> Result<(), ProfileFileError> {
    // A Q made from a bandwidth is not in the file: say what it came from.
    let q = match spec.bw_oct {
        Some(bw) => format!("Q {} (from {} octaves)", Num(spec.q), Num(bw)),
        None => format!("Q {}", Num(spec.q)),
    };
    // Below 1 Hz is no audio frequency: a typo (or a unit mix-up), not a tuning.
    let (field, message) = if !(spec.fc_hz.is_finite() && spec.fc_hz >= MIN_FC_HZ) {
        let hz = Num(spec.fc_hz);
        (
            Checked::Fc,
            format!("{hz} Hz is not an audio frequency (at least {MIN_FC_HZ} Hz)"),
        )
    } else if spec.fc_hz >= MAX_FC_HZ {
        // Whatever the rate, a filter at or above the Nyquist frequency of the fastest rate
        // iemsim plays (192 kHz) can never apply: refused at the edge even before the rate is
        // known (the fuzzer found 8.6e19 Hz accepted, which the CamillaDSP writer then wrote as
        // an integer that no YAML reader takes).
        (Checked::Fc, format!(
            "{} Hz is at or above {MAX_FC_HZ} Hz, the Nyquist frequency of the highest sample rate iemsim handles",
            Num(spec.fc_hz)
        ))
    } else if !(spec.q.is_finite() && spec.q > 0.0) {
        (Checked::Q, format!("{q} is not a positive number"))
    } else if spec.q < MIN_Q {
        // No EQ uses a Q past a few dozen; 1e37 (found by the fuzzer) is a typo, and was written
        // to CamillaDSP YAML as an integer too large for any reader.
        (
            Checked::Q,
            format!("{q} is below {MIN_Q} (not a tuning: a typo?)"),
        )
    } else if spec.q > MAX_Q {
        (
            Checked::Q,
            format!("{q} is beyond {MAX_Q} (not a tuning: a typo?)"),
        )
    } else if spec.gain_db.is_nan() {
        (Checked::Gain, "the gain is not a number (NaN)".into())
    } else if !spec.gain_db.is_finite() || spec.gain_db.abs() > MAX_ABS_GAIN_DB {
        let db = Num(spec.gain_db);
        (
            Checked::Gain,
            format!("{db} dB is beyond ±{MAX_ABS_GAIN_DB} dB (not a tuning: a typo?)"),
        )
    } else {
        return Ok(());
    };
    Err(bad(field, message))
}

/// A [`check_filter`] refusal of a shelf's Q made from a slope in dB (`slope_db`), which the
/// file does not hold, saying where it came from.
pub fn from_slope(slope_db: Option<f64>, message: String) -> String {
    match slope_db {
        Some(db) => format!("the Q of a {} dB slope: {message}", Num(db)),
        None => message,
    }
}

/// Checks the preamp (finite, within ±40 dB as [`Profile::validate`] requires).
pub fn check_preamp(
    db: f64,
    field: &'static str,
    file: &str,
    line: usize,
) -> Result<(), ProfileFileError> {
    if !db.is_finite() || db.abs() > 40.0 {
        let why = format!("{} dB is not a number within ±40 dB", Num(db));
        return Err(ProfileFileError::field(file, line, field, why));
    }
    Ok(())
}

/// Where a filter is in its file: its 1-based line, and the field its frequency is in as the file
/// names it (`Fc` in an Equalizer APO file, `filters.NAME.freq` in a CamillaDSP one, `fc_hz` in
/// iemsim's TOML), for [`check_rate`], which runs after parsing: it named `fc_hz` whatever the
/// format, a field no .txt or .yml file holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub line: usize,
    pub fc_field: String,
}

impl Place {
    pub fn new(line: usize, fc_field: impl Into<String>) -> Self {
        Self {
            line,
            fc_field: fc_field.into(),
        }
    }
}

/// The one Nyquist rule of every command (export, analyze, abx, play, show): a file's filter at
/// or above the Nyquist frequency of `rate_hz` is an error naming its line and field (`places` in
/// the order of [`Profile::all_filters`]), never dropped: dropping it would change the sound. The one
/// exception is a filter that is exactly the identity there (a peak with a Q at exactly Nyquist,
/// as AutoEq writes `PK Fc 22050 Hz` for 44.1 kHz: [`FilterSpec::is_identity_at`]): it changes
/// nothing, so it is accepted and left out of the cascade.
pub fn check_rate(
    profile: &Profile,
    places: &[Place],
    file: &str,
    rate_hz: f64,
) -> Result<(), ProfileFileError> {
    for ((_, spec), place) in profile.all_filters().zip(places) {
        if spec.fc_hz >= rate_hz / 2.0 && !spec.is_identity_at(rate_hz) {
            // An Equalizer APO LS/HS with a Q or slope is placed off its written Fc (see
            // `eqapo::shelf`), hardly ever at a whole number: such a number is not in the file,
            // so say where it came from.
            let shelf_txt = matches!(spec.kind, FilterKind::LowShelf | FilterKind::HighShelf)
                && Format::from_path(Path::new(file)) == Some(Format::EqApo)
                && spec.fc_hz.fract() != 0.0;
            let hz = format!("{:.1}", spec.fc_hz);
            return Err(ProfileFileError::field(
                file,
                place.line,
                place.fc_field.clone(),
                format!(
                    "{} Hz{} is at or above the Nyquist frequency ({} Hz) of {rate_hz} Hz audio",
                    hz.strip_suffix(".0").unwrap_or(&hz),
                    if shelf_txt {
                        " (the shelf's own frequency: an LS/HS with a Q or slope is placed off \
                         its Fc, as Equalizer APO places it)"
                    } else {
                        ""
                    },
                    rate_hz / 2.0
                ),
            ));
        }
    }
    Ok(())
}

/// Byte offset to 1-based line number, in O(log n) per question after one O(n) pass: asking
/// each filter's line by rescanning the text made parsing quadratic (a 40,000-filter TOML took
/// 41 s).
pub struct LineIndex {
    /// Offsets of every `\n`.
    breaks: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        Self {
            breaks: text
                .bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i)
                .collect(),
        }
    }

    /// The line of byte `offset`.
    pub fn line(&self, offset: usize) -> usize {
        self.breaks.partition_point(|&b| b < offset) + 1
    }
}

/// The largest profile file read (1 MB): a profile is a few dozen lines; anything this big is not
/// one, and refusing it bounds the time and memory every parser may take.
pub const MAX_FILE_BYTES: usize = 1 << 20;

/// The most filters one profile file may hold, over all its channels (a fitted profile has 10).
pub const MAX_FILTERS: usize = 1000;

/// Refuses text over [`MAX_FILE_BYTES`], before any parser sees it.
pub fn check_size(text: &str, file: &str) -> Result<(), ProfileFileError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(ProfileFileError::file(
            file,
            format!(
                "{} bytes is too large for a profile file (at most {MAX_FILE_BYTES} bytes)",
                text.len()
            ),
        ));
    }
    Ok(())
}

/// Which channels the filters and gains being read apply to.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    All,
    /// 0-based channel indices, ascending, each once.
    Some(Vec<usize>),
}

/// A profile being read: the shared part and each channel's, with each filter's place, in the
/// order of [`Profile::all_filters`] once finished.
pub struct Builder {
    file: String,
    profile: Profile,
    lines: Vec<Place>,
    /// Per channel: its own filters with their places.
    parts: Vec<(ChannelFilters, Vec<Place>)>,
    count: usize,
}

impl Builder {
    pub fn new(file: &str, name: String) -> Self {
        Self {
            file: file.to_string(),
            profile: Profile {
                name,
                ..Default::default()
            },
            lines: Vec::new(),
            parts: Vec::new(),
            count: 0,
        }
    }

    pub fn profile_mut(&mut self) -> &mut Profile {
        &mut self.profile
    }

    fn part(&mut self, channel: usize) -> &mut (ChannelFilters, Vec<Place>) {
        let i = match self.parts.binary_search_by_key(&channel, |p| p.0.channel) {
            Ok(i) => i,
            Err(i) => {
                let part = ChannelFilters {
                    channel,
                    gain_db: 0.0,
                    filters: Vec::new(),
                };
                self.parts.insert(i, (part, Vec::new()));
                i
            }
        };
        &mut self.parts[i]
    }

    /// Adds a filter (already checked) for `sel`, read at `place`.
    pub fn filter(
        &mut self,
        sel: &Selection,
        spec: FilterSpec,
        place: Place,
    ) -> Result<(), ProfileFileError> {
        let line = place.line;
        let n = match sel {
            Selection::All => 1,
            Selection::Some(c) => c.len(),
        };
        self.count += n;
        if self.count > MAX_FILTERS {
            return Err(ProfileFileError::field(&self.file, line, "filters", format!(
                    "more than {MAX_FILTERS} filters (over all channels); a profile has a few dozen at most"
                )));
        }
        match sel {
            Selection::All => {
                self.profile.filters.push(spec);
                self.lines.push(place);
            }
            Selection::Some(chs) => {
                for &c in chs {
                    let part = self.part(c);
                    part.0.filters.push(spec);
                    part.1.push(place.clone());
                }
            }
        }
        Ok(())
    }

    /// Adds `db` of gain for `sel` (a preamp), read at `line`.
    /// `field`: the file's name for it, which a refusal names (`Preamp`, `gain_db`).
    pub fn gain(
        &mut self,
        sel: &Selection,
        db: f64,
        line: usize,
        field: &'static str,
    ) -> Result<(), ProfileFileError> {
        match sel {
            Selection::All => {
                self.profile.preamp_db += db;
                check_preamp(self.profile.preamp_db, field, &self.file, line)
            }
            Selection::Some(chs) => {
                for &c in chs {
                    let part = self.part(c);
                    part.0.gain_db += db;
                    let g = part.0.gain_db;
                    check_preamp(g, field, &self.file, line)?;
                }
                Ok(())
            }
        }
    }

    /// The profile and its filters' places. With `channels` (the file's channel count, when it
    /// says), parts that give every one of those channels the same filters and gain are folded
    /// into the shared part: `channels: [0, 1]` on a stereo configuration is every channel.
    pub fn finish(mut self, channels: Option<usize>) -> (Profile, Vec<Place>) {
        let all_same = channels.is_some_and(|n| {
            n > 0
                && self.parts.len() == n
                && self.parts.iter().enumerate().all(|(i, p)| {
                    p.0.channel == i
                        && p.0.filters == self.parts[0].0.filters
                        && p.0.gain_db == self.parts[0].0.gain_db
                })
        });
        if all_same {
            let (first, lines) = self.parts.swap_remove(0);
            self.profile.filters.extend(first.filters);
            self.profile.preamp_db += first.gain_db;
            self.lines.extend(lines);
            self.parts.clear();
        }
        let mut lines = self.lines;
        for (part, l) in self.parts {
            if part.filters.is_empty() && part.gain_db == 0.0 {
                continue;
            }
            lines.extend(l);
            self.profile.channels.push(part);
        }
        if !self.profile.channels.is_empty() {
            self.profile.channel_count = channels;
        }
        (self.profile, lines)
    }
}

/// The channel count a profile's file stated, when it says more than its channels' own filters
/// do (channels after the last of them, as in a 4-channel CamillaDSP configuration filtering only
/// 1 and 2): what a writer must state for the channels to survive a conversion. `None` when the
/// count is the one a reader assumes anyway (every channel named, or a stereo pair).
pub fn count_beyond_channels(profile: &Profile) -> Option<usize> {
    let named = profile.channels_needed().max(2);
    (profile.channel_count).filter(|&n| profile.is_per_channel() && n > named)
}

/// Refuses a channel index iemsim cannot hold (`what` names it as the file does).
pub fn check_channel(
    c: usize,
    what: &str,
    file: &str,
    line: usize,
    field: &str,
) -> Result<usize, ProfileFileError> {
    if c >= MAX_CHANNELS {
        let why = format!("{what} is beyond the {MAX_CHANNELS} channels iemsim handles");
        return Err(ProfileFileError::field(file, line, field, why));
    }
    Ok(c)
}

/// A file's stem, the name a profile gets when the file names none.
pub fn stem_name(source: &str) -> String {
    Path::new(source)
        .file_stem()
        .map(|s| s.to_string_lossy().trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "profile".into())
}

/// Refuses a pass filter with a gain, which `format` has no place for (naming it by its number
/// in the order of [`Profile::all_filters`], from 1).
fn check_pass_gains(profile: &Profile, format: &'static str) -> Result<(), ProfileFileError> {
    let mut filters = profile.all_filters().map(|(_, f)| f).enumerate();
    match filters.find(|(_, f)| !f.kind.uses_gain() && f.gain_db != 0.0) {
        Some((i, f)) => Err(ProfileFileError::Inexpressible {
            file: profile.name.clone(),
            index: i + 1,
            kind: kind_name(f.kind).into(),
            format,
            why: format!(
                "a pass filter has no gain there, and this one says {} dB",
                f.gain_db
            ),
        }),
        None => Ok(()),
    }
}

/// Names for tables and messages: `peaking`, `low_shelf`…
pub fn kind_name(kind: FilterKind) -> &'static str {
    match kind {
        FilterKind::Peaking => "peaking",
        FilterKind::LowShelf => "low_shelf",
        FilterKind::HighShelf => "high_shelf",
        FilterKind::LowPass => "low_pass",
        FilterKind::HighPass => "high_pass",
    }
}

/// Shortest text that parses back to exactly `x` (Rust's `Display` for f64 round-trips).
pub fn num(x: f64) -> String {
    format!("{x}")
}

#[cfg(test)]
mod tests;

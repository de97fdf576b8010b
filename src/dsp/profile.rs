//! Profiles: named lists of filters that approximate how a type of IEM colours sound, relative to
//! a neutral reference (the Harman in-ear 2019 v2 target).
//!
//! A profile is plain data (serde), so later it can come from a file (TOML, AutoEq ParametricEQ.txt,
//! Equalizer APO, CamillaDSP). The built-ins live in [`super::builtin`] with their sources.

use super::chain::{ChannelStages, Stages};
use super::filter::{Coefficients, FilterError, FilterSpec};
use super::response;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Short name used on the command line (`ba`, `dd`, …).
    pub name: String,
    /// One line a newcomer understands.
    pub description: String,
    /// Gain the profile's author recommends before the filters (dB, usually ≤ 0).
    #[serde(default)]
    pub preamp_db: f64,
    #[serde(default)]
    pub filters: Vec<FilterSpec>,
    /// Where the numbers come from (measurements, fit and its error).
    #[serde(default)]
    pub source: String,
    /// Filters and gains only some channels get, on top of `filters` and `preamp_db` (CamillaDSP
    /// pipeline steps with `channels:`, Equalizer APO `Channel:` sections), in ascending channel
    /// order, one entry per channel. Empty for the usual profile: `filters` on every channel.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<ChannelFilters>,
    /// The correction in front of this profile when it has channels of its own (set by
    /// `profiles::headphones::through`), so that [`Self::check_channels`] blames the correction,
    /// not the profile, for channels the audio lacks. Never read from or written to a file.
    #[serde(skip)]
    pub behind: Option<Behind>,
    /// The channel count the file this came from states (a CamillaDSP `devices: capture:
    /// channels:`) when channels of its own remain, so that writing it back states it too: a
    /// 4-channel configuration filtering channels 0 and 1 written as a stereo one reads back as
    /// filtering every channel. `None`: unstated.
    #[serde(skip)]
    pub channel_count: Option<usize>,
}

/// The headphone correction a profile plays behind: its label, the channels it needs (0: none of
/// its own) and how many filters of the cascade are its, which come first (its shared ones ahead
/// of the profile's, and on each channel its part ahead of the profile's), so that a filter is
/// told by its owner's number, the one `iemsim show` gives it alone.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Behind {
    pub label: String,
    pub channels_needed: usize,
    /// How many of `filters` are the correction's.
    pub shared_filters: usize,
    /// How many of each channel's part are the correction's, by channel.
    pub part_filters: Vec<(usize, usize)>,
}

/// What one channel gets besides the filters and preamp every channel gets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelFilters {
    /// 0-based (0 = left and 1 = right of a stereo file); 1-based in JSON, as in profile files,
    /// messages and `show`'s `channel_responses`.
    #[serde(serialize_with = "one_based::ser", deserialize_with = "one_based::de")]
    pub channel: usize,
    /// Gain on top of the profile's preamp (dB).
    #[serde(default)]
    pub gain_db: f64,
    /// Filters after the shared ones (a cascade's order does not change its response).
    #[serde(default)]
    pub filters: Vec<FilterSpec>,
}

/// A channel index as people and files count (1 = left), for serde.
mod one_based {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn ser<S: Serializer>(channel: &usize, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(*channel as u64 + 1)
    }

    pub fn de<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
        let n = u64::deserialize(d)?;
        n.checked_sub(1)
            .and_then(|c| usize::try_from(c).ok())
            .ok_or_else(|| serde::de::Error::custom("channels count from 1"))
    }
}

/// The most channels a per-channel profile may name (7.1 has 8; CamillaDSP configs rarely more).
pub const MAX_CHANNELS: usize = 32;

/// How a person names channel `c` (0-based): `1 (left)`, `2 (right)`, `3`…
pub fn channel_label(c: usize) -> String {
    match c {
        0 => "1 (left)".into(),
        1 => "2 (right)".into(),
        _ => format!("{}", c + 1),
    }
}

/// How much gain to apply before the filters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preamp {
    /// −(largest boost of the response): a full-scale sine can never exceed 0 dBFS.
    Auto,
    /// The profile's own `preamp_db`.
    Profile,
    /// A fixed value in dB.
    Db(f64),
}

/// A filter left out because it cannot exist at this sample rate.
#[derive(Debug, Clone, PartialEq)]
pub struct DroppedFilter {
    /// Its number in its owner's list: the profile's, as `iemsim show PROFILE` numbers them, or
    /// the headphone correction's, as `iemsim show CORRECTION` does.
    pub index: usize,
    /// Its place in this cascade's [`Profile::all_filters`] (1-based): with a headphone
    /// correction in front, the correction's filters come first.
    pub position: usize,
    /// The headphone correction's label when the filter is the correction's, not the profile's.
    pub correction: Option<String>,
    pub spec: FilterSpec,
    pub reason: FilterError,
}

impl DroppedFilter {
    /// The one sentence every command (export, analyze, abx, play) says about it.
    pub fn message(&self, profile: &str) -> String {
        format!(
            "{} filter {} ({} {} Hz) dropped: {}",
            self.owner(profile),
            self.index,
            self.spec.kind.short(),
            self.spec.fc_hz,
            self.reason
        )
    }

    /// Whose filter it is, in `profile`'s cascade: `profile 'ba'` or `the headphone correction
    /// 'hp.txt'`.
    pub fn owner(&self, profile: &str) -> String {
        match &self.correction {
            Some(label) => format!("the headphone correction '{label}'"),
            None => format!("profile '{profile}'"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProfileError {
    #[error("unknown profile '{name}'{}", suggestion_text(.suggestion))]
    Unknown {
        name: String,
        suggestion: Option<String>,
    },
    #[error("profile '{name}' is ambiguous: it matches {} (`iemsim profiles --iem` lists them all)", .candidates.join(", "))]
    Ambiguous {
        name: String,
        candidates: Vec<String>,
    },
    #[error("profile '{profile}', filter {index}: {source}")]
    InvalidFilter {
        profile: String,
        index: usize,
        source: FilterError,
    },
    #[error("profile '{profile}': preamp {preamp_db} dB is not a finite number within ±40 dB")]
    InvalidPreamp { profile: String, preamp_db: f64 },
    #[error("profile '{profile}': {message}")]
    InvalidChannels { profile: String, message: String },
    /// `what` is `profile`, or `the headphone correction` when `name` is the correction's label.
    #[error("{what} '{name}' gives channel {} its own filters, but {}; \
             its filters would apply to the wrong channels", channel_label(*.channel), audio_text(*.channels))]
    MissingChannel {
        what: &'static str,
        name: String,
        channel: usize,
        channels: usize,
    },
}

fn audio_text(channels: usize) -> String {
    match channels {
        1 => "the audio is mono, with no left or right".to_string(),
        n => format!("the audio has {n} channels"),
    }
}

fn suggestion_text(s: &Option<String>) -> String {
    match s {
        Some(s) => format!(" (did you mean '{s}'? `iemsim profiles` lists them all)"),
        None => " (`iemsim profiles` lists them all)".to_string(),
    }
}

impl Profile {
    /// Checks every number once, at the edge, so invalid input never reaches the DSP.
    /// Filter numbers are 1-based in messages, as a person counts them.
    pub fn validate(&self) -> Result<(), ProfileError> {
        if !self.preamp_db.is_finite() || self.preamp_db.abs() > 40.0 {
            return Err(ProfileError::InvalidPreamp {
                profile: self.name.clone(),
                preamp_db: self.preamp_db,
            });
        }
        for (i, f) in self.all_filters().enumerate() {
            f.1.validate()
                .map_err(|source| ProfileError::InvalidFilter {
                    profile: self.name.clone(),
                    index: i + 1,
                    source,
                })?;
        }
        let bad = |message: String| ProfileError::InvalidChannels {
            profile: self.name.clone(),
            message,
        };
        for (i, c) in self.channels.iter().enumerate() {
            if c.channel >= MAX_CHANNELS {
                return Err(bad(format!(
                    "channel {} is beyond the {MAX_CHANNELS} channels iemsim handles",
                    c.channel + 1
                )));
            }
            if i > 0 && self.channels[i - 1].channel >= c.channel {
                return Err(bad(
                    "the channels are not in ascending order, once each".into()
                ));
            }
            if !c.gain_db.is_finite() || (self.preamp_db + c.gain_db).abs() > 40.0 {
                return Err(bad(format!(
                    "channel {}: gain {} dB is not a finite number within ±40 dB with the preamp",
                    channel_label(c.channel),
                    c.gain_db
                )));
            }
        }
        Ok(())
    }

    /// Whether some channels get filters or gains of their own.
    pub fn is_per_channel(&self) -> bool {
        !self.channels.is_empty()
    }

    /// How many channels the audio needs for every per-channel part to have its channel (0 for a
    /// profile without any).
    pub fn channels_needed(&self) -> usize {
        self.channels.last().map_or(0, |c| c.channel + 1)
    }

    /// Every filter with the channel it is only for (`None`: every channel), in the order
    /// messages number them: the shared ones, then each channel's.
    pub fn all_filters(&self) -> impl Iterator<Item = (Option<usize>, &FilterSpec)> {
        self.filters.iter().map(|f| (None, f)).chain(
            self.channels
                .iter()
                .flat_map(|c| c.filters.iter().map(move |f| (Some(c.channel), f))),
        )
    }

    /// How many filters there are in all (shared and per channel).
    pub fn filter_count(&self) -> usize {
        self.filters.len() + self.channels.iter().map(|c| c.filters.len()).sum::<usize>()
    }

    /// Channel `c`'s own part, if it has one.
    fn part(&self, c: usize) -> Option<&ChannelFilters> {
        self.channels.iter().find(|p| p.channel == c)
    }

    /// What channel `c` runs at `sample_rate`: its coefficients (the shared filters, then its
    /// own) and its gain on top of the preamp (dB).
    pub fn channel_coefficients(&self, c: usize, sample_rate: f64) -> (Vec<Coefficients>, f64) {
        let mut kept = self.coefficients(sample_rate).0;
        let gain_db = match self.part(c) {
            Some(p) => {
                kept.extend(
                    p.filters
                        .iter()
                        .filter(|f| !f.is_identity_at(sample_rate))
                        .filter_map(|f| f.coefficients(sample_rate).ok()),
                );
                p.gain_db
            }
            None => 0.0,
        };
        (kept, gain_db)
    }

    /// Refuses audio of `channels` channels if the profile gives a channel it does not have its
    /// own filters: applying them to another channel, or leaving them out, would both be wrong.
    /// Every command checks this where it learns the channel count, before [`Self::stages`].
    pub fn check_channels(&self, channels: usize) -> Result<(), ProfileError> {
        // Mono has no left: a left-only profile's filters are no more the mono channel's than
        // a left/right profile's are.
        let lacks = |needed: usize| needed > channels || (channels == 1 && needed > 0);
        // The correction behind the profile first, then the profile: (what, name, channels needed).
        let behind = (self.behind.as_ref())
            .map(|b| ("the headphone correction", &b.label, b.channels_needed));
        let own = ("profile", &self.name, self.channels_needed());
        match behind.into_iter().chain([own]).find(|p| lacks(p.2)) {
            Some((what, name, needed)) => Err(ProfileError::MissingChannel {
                what,
                name: name.clone(),
                channel: needed - 1,
                channels,
            }),
            None => Ok(()),
        }
    }

    /// The cascades for audio of `channels` channels at `sample_rate` (filters that cannot exist
    /// there left out: [`Self::dropped`]). Channel `c` gets exactly its own filters and gain,
    /// never another channel's; a part for a channel the audio lacks is left out, which
    /// [`Self::check_channels`] refuses first.
    pub fn stages(&self, sample_rate: f64, channels: usize) -> Stages {
        if !self.is_per_channel() {
            return Stages::Shared(self.coefficients(sample_rate).0);
        }
        Stages::PerChannel(
            (0..channels)
                .map(|c| {
                    let (coeffs, gain_db) = self.channel_coefficients(c, sample_rate);
                    ChannelStages { coeffs, gain_db }
                })
                .collect(),
        )
    }

    /// Every filter (shared and per channel) that cannot exist at `sample_rate`.
    pub fn dropped(&self, sample_rate: f64) -> Vec<DroppedFilter> {
        self.all_filters()
            .zip(self.owners())
            .enumerate()
            .filter_map(|(i, ((_, spec), (correction, index)))| {
                spec.coefficients(sample_rate)
                    .err()
                    .map(|reason| DroppedFilter {
                        index,
                        position: i + 1,
                        correction: correction.map(str::to_string),
                        spec: *spec,
                        reason,
                    })
            })
            .collect()
    }

    /// For each of [`Self::all_filters`], in order, whose it is (the headphone correction's
    /// label, `None` for the profile's own) and its number among its owner's filters. Both
    /// number as `all_filters` does (shared, then each channel's), so counting each owner's
    /// filters in that order gives the numbers `iemsim show` gives each alone.
    fn owners(&self) -> Vec<(Option<&str>, usize)> {
        let (mut own, mut theirs) = (0, 0);
        let mut at = (None, 0);
        let mut out = Vec::with_capacity(self.filter_count());
        for (channel, _) in self.all_filters() {
            // The place of this filter within its part (the shared filters or one channel's).
            at = if at.0 == Some(channel) {
                (at.0, at.1 + 1)
            } else {
                (Some(channel), 0)
            };
            let corrections = self.behind.as_ref().map_or(0, |b| match channel {
                None => b.shared_filters,
                Some(c) => b.part_filters.iter().find(|p| p.0 == c).map_or(0, |p| p.1),
            });
            match &self.behind {
                Some(b) if at.1 < corrections => {
                    theirs += 1;
                    out.push((Some(b.label.as_str()), theirs));
                }
                _ => {
                    own += 1;
                    out.push((None, own));
                }
            }
        }
        out
    }

    /// The channels whose responses may differ, to describe each: none for a shared profile,
    /// else every channel it names and at least a stereo pair (a left-only part leaves the right
    /// channel with the shared filters alone, a response of its own).
    pub fn distinct_channels(&self) -> std::ops::Range<usize> {
        match self.channels_needed() {
            0 => 0..0,
            n => 0..n.max(2),
        }
    }

    /// The coefficients of the filters every channel gets (`filters`; a per-channel profile's own
    /// parts are in [`Self::stages`]) usable at `sample_rate`, and the filters dropped because their fc is at or
    /// above Nyquist there (e.g. a 16 kHz shelf on 22.05 kHz audio is fine, on 8 kHz audio it is not).
    /// A filter that is the identity there ([`FilterSpec::is_identity_at`]) is in neither.
    pub fn coefficients(&self, sample_rate: f64) -> (Vec<Coefficients>, Vec<DroppedFilter>) {
        let mut kept = Vec::with_capacity(self.filters.len());
        let mut dropped = Vec::new();
        let owners = self.owners();
        for ((index, spec), (correction, own)) in self.filters.iter().enumerate().zip(owners) {
            // The identity there (a peak exactly at Nyquist): nothing to run, nothing dropped.
            if spec.is_identity_at(sample_rate) {
                continue;
            }
            match spec.coefficients(sample_rate) {
                Ok(c) => kept.push(c),
                Err(reason) => dropped.push(DroppedFilter {
                    index: own,
                    position: index + 1,
                    correction: correction.map(str::to_string),
                    spec: *spec,
                    reason,
                }),
            }
        }
        (kept, dropped)
    }

    /// Largest boost of the filters at `sample_rate` (dB, ≥ 0); for a per-channel profile, of
    /// the loudest channel, its own gain included.
    pub fn max_boost_db(&self, sample_rate: f64) -> f64 {
        self.max_boost(sample_rate).1
    }

    /// [`Profile::max_boost_db`] and where it is (Hz, dB).
    pub fn max_boost(&self, sample_rate: f64) -> (f64, f64) {
        if !self.is_per_channel() {
            return response::max_boost(&self.coefficients(sample_rate).0, sample_rate);
        }
        self.distinct_channels()
            .map(|c| {
                let (coeffs, gain_db) = self.channel_coefficients(c, sample_rate);
                let (hz, db) = response::max_boost(&coeffs, sample_rate);
                (hz, db + gain_db)
            })
            .fold((0.0, 0.0), |a, b| if b.1 > a.1 { b } else { a })
    }

    /// Largest gain the whole profile gives any frequency at `sample_rate` (dB): its filters'
    /// boost ([`Self::max_boost_db`], a channel's own gain included) with the preamp.
    pub fn max_total_gain_db(&self, sample_rate: f64) -> f64 {
        self.max_boost_db(sample_rate) + self.preamp_db
    }

    /// The preamp (dB) that `choice` means for this profile at `sample_rate`.
    pub fn preamp_db(&self, choice: Preamp, sample_rate: f64) -> f64 {
        match choice {
            // `0.0 -`, not `-`: no boost gives +0 dB, not a "-0.0 dB" preamp in reports.
            Preamp::Auto => 0.0 - self.max_boost_db(sample_rate),
            Preamp::Profile => self.preamp_db,
            Preamp::Db(db) => db,
        }
    }

    /// Magnitude response of the filters (no preamp) at `freqs_hz`, in dB. For a per-channel
    /// profile, the mean (in dB) of its channels' responses, each with its own gain: one summary
    /// for charts and tables; [`Self::channel_response_db`] gives each channel's, and
    /// [`Self::power_response_db`] what a power spectrum over the channels sees.
    pub fn response_db(&self, freqs_hz: &[f64], sample_rate: f64) -> Vec<f64> {
        let n = self.distinct_channels().len();
        if n == 0 {
            return response::cascade_db_at(
                &self.coefficients(sample_rate).0,
                freqs_hz,
                sample_rate,
            );
        }
        let mut sum = vec![0.0; freqs_hz.len()];
        for c in self.distinct_channels() {
            for (s, v) in sum
                .iter_mut()
                .zip(self.channel_response_db(c, freqs_hz, sample_rate))
            {
                *s += v / n as f64;
            }
        }
        sum
    }

    /// Channel `c`'s response at `freqs_hz` (dB): its filters and its own gain (no preamp).
    pub fn channel_response_db(&self, c: usize, freqs_hz: &[f64], sample_rate: f64) -> Vec<f64> {
        let (coeffs, gain_db) = self.channel_coefficients(c, sample_rate);
        response::cascade_db_at(&coeffs, freqs_hz, sample_rate)
            .into_iter()
            .map(|v| v + gain_db)
            .collect()
    }

    /// The response at `freqs_hz` (dB, no preamp) that a power spectrum summed over channels sees
    /// (demo numbers, checked against one): a per-channel profile's channels, each fed the same
    /// signal, averaged as power rather than in dB as [`Self::response_db`] does. A left-only
    /// +6 dB peak at 1 kHz with a right-only -4 dB shelf at 100 Hz: 100 Hz re 1 kHz is -4.98 dB
    /// as power, -3.97 as the dB mean, where the demo's rendered files measured -4.91.
    pub fn power_response_db(&self, freqs_hz: &[f64], sample_rate: f64) -> Vec<f64> {
        let channels = self.distinct_channels();
        if channels.is_empty() {
            return self.response_db(freqs_hz, sample_rate);
        }
        let share = 1.0 / channels.len() as f64;
        let mut power = vec![0.0; freqs_hz.len()];
        for c in channels {
            for (p, db) in power
                .iter_mut()
                .zip(self.channel_response_db(c, freqs_hz, sample_rate))
            {
                *p += share * 10f64.powf(db / 10.0);
            }
        }
        power.iter().map(|p| 10.0 * p.log10()).collect()
    }

    /// The response curve charts draw (see [`response::curve`]); for a per-channel profile, the
    /// mean of its channels' as in [`Self::response_db`].
    pub fn response_curve(&self, sample_rate: f64) -> Vec<(f64, f64)> {
        if !self.is_per_channel() {
            return response::curve(&self.coefficients(sample_rate).0, sample_rate);
        }
        let freqs = self.curve_grid(sample_rate);
        freqs
            .iter()
            .copied()
            .zip(self.response_db(&freqs, sample_rate))
            .collect()
    }

    /// The frequencies this profile's curves are drawn at ([`response::curve_grid`]): the log
    /// grid and the exact peaks and dips of every channel's cascade.
    pub fn curve_grid(&self, sample_rate: f64) -> Vec<f64> {
        let cascades: Vec<Vec<Coefficients>> = std::iter::once(self.coefficients(sample_rate).0)
            .chain(
                self.distinct_channels()
                    .map(|c| self.channel_coefficients(c, sample_rate).0),
            )
            .collect();
        let refs: Vec<&[Coefficients]> = cascades.iter().map(Vec::as_slice).collect();
        response::curve_grid(&refs, sample_rate)
    }
}

/// Finds a profile by name among `all`, suggesting the nearest name when there is no match.
pub fn find<'a>(all: &'a [Profile], name: &str) -> Result<&'a Profile, ProfileError> {
    let names: Vec<&str> = all.iter().map(|p| p.name.as_str()).collect();
    let found = find_name(&names, name)?;
    all.iter()
        .find(|p| p.name == found)
        .ok_or_else(|| ProfileError::Unknown {
            name: name.to_string(),
            suggestion: None,
        })
}

/// Resolves what a person typed to one of `names`: exactly; else ignoring case and punctuation
/// (`Moondrop SSR`, `iem:moondrop_ssr` → `iem:moondrop-ssr`); else the one name in which it is a
/// run of whole words (`ssr`, `er4sr`). Several candidates are an error listing them; none, a "did you mean".
pub fn find_name<'a>(names: &[&'a str], name: &str) -> Result<&'a str, ProfileError> {
    let wanted = name.trim().to_ascii_lowercase();
    if let Some(n) = names.iter().find(|n| **n == wanted) {
        return Ok(n);
    }
    let key = squash(&wanted);
    // Per-IEM names also match without their `iem:` prefix.
    let bare = |n: &str| squash(n.strip_prefix("iem:").unwrap_or(n));
    let exact: Vec<&'a str> = names
        .iter()
        .copied()
        .filter(|n| !key.is_empty() && (squash(n) == key || bare(n) == key))
        .collect();
    // `iem:ssr` is a run of words of a per-IEM name, as `ssr` is of any name.
    let (iem_only, words) = match wanted.strip_prefix("iem:") {
        Some(rest) => (true, squash(rest)),
        None => (false, key.clone()),
    };
    let partial: Vec<&'a str> = names
        .iter()
        .copied()
        .filter(|n| !iem_only || n.starts_with("iem:"))
        .filter(|n| words.len() >= 2 && whole_words(n.strip_prefix("iem:").unwrap_or(n), &words))
        .collect();
    for found in [exact, partial] {
        match found.as_slice() {
            [one] => return Ok(one),
            [] => {}
            many => {
                return Err(ProfileError::Ambiguous {
                    name: name.to_string(),
                    candidates: many.iter().map(|s| s.to_string()).collect(),
                })
            }
        }
    }
    let suggestion = names
        .iter()
        .map(|n| {
            (
                edit_distance(&wanted, n).min(edit_distance(&key, &bare(n))),
                *n,
            )
        })
        .filter(|(d, n)| {
            *d <= 2.max(n.len() / 3) || n.starts_with(&wanted) || wanted.starts_with(*n)
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n.to_string());
    Err(ProfileError::Unknown {
        name: name.to_string(),
        suggestion,
    })
}

/// Whether `key` (squashed) is a run of whole words of `name`: `ssr` or `moondrop ssr` in
/// `moondrop-ssr`, but not `ssr` in `bass-rolloff` nor the typo `bass-rollof`.
fn whole_words(name: &str, key: &str) -> bool {
    let words: Vec<String> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(squash)
        .collect();
    (0..words.len()).any(|i| (i + 1..=words.len()).any(|j| words[i..j].concat() == key))
}

/// Lower-case letters and digits only: how names compare when case and punctuation do not matter.
fn squash(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Levenshtein distance (insert, delete, substitute), for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::builtin;
    use crate::dsp::filter::FilterKind;

    #[test]
    fn unknown_names_get_a_suggestion() {
        let all = builtin::profiles();
        let err = find(&all, "bass-rollof").unwrap_err();
        assert!(
            err.to_string().contains("did you mean 'bass-rolloff'"),
            "{err}"
        );
        let err = find(&all, "v-hybird").unwrap_err();
        assert!(err.to_string().contains("'v-hybrid'"), "{err}");
        // The name without punctuation, or a whole word of it, is enough.
        assert_eq!(find(&all, "vhybrid").unwrap().name, "v-hybrid");
        assert_eq!(find(&all, "rolloff").unwrap().name, "bass-rolloff");
        assert!(matches!(
            find(&all, "zzzzzzzzzz"),
            Err(ProfileError::Unknown {
                suggestion: None,
                ..
            })
        ));
        assert_eq!(find(&all, "BA").unwrap().name, "ba");
    }

    #[test]
    fn names_match_ignoring_case_and_punctuation_and_by_unique_part() {
        let names = [
            "ba",
            "v-hybrid",
            "iem:moondrop-ssr",
            "iem:moondrop-ssp",
            "iem:etymotic-er4sr",
        ];
        for typed in [
            "ssr",
            "Moondrop SSR",
            "iem:moondrop_ssr",
            "MOONDROP-ssr",
            "moondropssr",
            // With the prefix, a part is found as without it (it was unknown).
            "iem:ssr",
            "IEM:SSR",
        ] {
            assert_eq!(
                find_name(&names, typed).unwrap(),
                "iem:moondrop-ssr",
                "{typed}"
            );
        }
        assert_eq!(find_name(&names, "ER4SR").unwrap(), "iem:etymotic-er4sr");
        // The prefix keeps to per-IEM names: `iem:hybrid` is not `v-hybrid`.
        assert!(find_name(&names, "iem:hybrid").is_err());
        // A part of a word is not enough (a typo gets a suggestion instead).
        assert!(find_name(&names, "er4").is_err());
        assert_eq!(find_name(&names, "V Hybrid").unwrap(), "v-hybrid");
        let err = find_name(&names, "moondrop").unwrap_err().to_string();
        assert!(
            err.contains("ambiguous") && err.contains("iem:moondrop-ssr, iem:moondrop-ssp"),
            "{err}"
        );
        let err = find_name(&names, "moondrop-sxr").unwrap_err().to_string();
        assert!(err.contains("did you mean 'iem:moondrop-s"), "{err}");
    }

    #[test]
    fn filters_above_nyquist_are_dropped_not_nan() {
        let p = Profile {
            name: "t".into(),
            filters: vec![
                FilterSpec::new(FilterKind::Peaking, 1000.0, 3.0, 1.0),
                FilterSpec::new(FilterKind::HighShelf, 5000.0, 3.0, 0.7),
            ],
            ..Default::default()
        };
        let (kept, dropped) = p.coefficients(8000.0);
        assert_eq!(kept.len(), 1);
        assert_eq!(dropped.len(), 1);
        assert_eq!(dropped[0].index, 2);
        assert!(p
            .response_db(&[100.0, 3999.0], 8000.0)
            .iter()
            .all(|v| v.is_finite()));
    }

    #[test]
    fn invalid_filters_are_named() {
        let mut p = builtin::profiles()[1].clone();
        p.filters[1].q = -1.0;
        let msg = p.validate().unwrap_err().to_string();
        assert!(msg.contains("filter 2") && msg.contains("Q -1"), "{msg}");
    }

    /// Left: +6 dB peak at 1 kHz (Q 1); right: -4 dB low shelf at 100 Hz (Q 0.7) and -1 dB.
    /// Reference: numpy, RBJ cookbook biquads at 44.1 kHz, |H_L|² and |H_R|²·10^-0.1 averaged,
    /// 10·log10 relative to 1 kHz (the mean in dB, as `response_db`, gives -4.976, -4.862 and
    /// -3.967).
    #[test]
    fn power_response_adds_the_channels_as_power() {
        let part = |channel, gain_db, filters| ChannelFilters {
            channel,
            gain_db,
            filters,
        };
        let profile = Profile {
            name: "pc".into(),
            preamp_db: -3.0,
            channels: vec![
                part(
                    0,
                    0.0,
                    vec![FilterSpec::new(FilterKind::Peaking, 1000.0, 6.0, 1.0)],
                ),
                part(
                    1,
                    -1.0,
                    vec![FilterSpec::new(FilterKind::LowShelf, 100.0, -4.0, 0.7)],
                ),
            ],
            ..Profile::default()
        };
        let db = profile.power_response_db(&[30.0, 50.0, 100.0, 1000.0], 44_100.0);
        for (got, want) in db.iter().zip([-5.582, -5.521, -4.982]) {
            assert!((got - db[3] - want).abs() < 0.005, "{db:?}: want {want}");
        }
        // Without channels of its own, the one response.
        let shared = Profile {
            filters: vec![FilterSpec::new(FilterKind::Peaking, 1000.0, 6.0, 1.0)],
            ..Profile::default()
        };
        let at = [1000.0];
        assert_eq!(
            shared.power_response_db(&at, 44_100.0),
            shared.response_db(&at, 44_100.0)
        );
    }
}

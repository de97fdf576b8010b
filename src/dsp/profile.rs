//! Profiles: named lists of filters that approximate how a type of IEM colours sound, relative to
//! a neutral reference (the Harman in-ear 2019 v2 target).
//!
//! A profile is plain data (serde), so later it can come from a file (TOML, AutoEq ParametricEQ.txt,
//! Equalizer APO, CamillaDSP). The built-ins live in [`super::builtin`] with their sources.

use super::filter::{Coefficients, FilterError, FilterSpec};
use super::response;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    pub index: usize,
    pub spec: FilterSpec,
    pub reason: FilterError,
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
        for (i, f) in self.filters.iter().enumerate() {
            f.validate().map_err(|source| ProfileError::InvalidFilter {
                profile: self.name.clone(),
                index: i + 1,
                source,
            })?;
        }
        Ok(())
    }

    /// The coefficients usable at `sample_rate`, and the filters dropped because their fc is at or
    /// above Nyquist there (e.g. a 16 kHz shelf on 22.05 kHz audio is fine, on 8 kHz audio it is not).
    pub fn coefficients(&self, sample_rate: f64) -> (Vec<Coefficients>, Vec<DroppedFilter>) {
        let mut kept = Vec::with_capacity(self.filters.len());
        let mut dropped = Vec::new();
        for (index, spec) in self.filters.iter().enumerate() {
            match spec.coefficients(sample_rate) {
                Ok(c) => kept.push(c),
                Err(reason) => dropped.push(DroppedFilter {
                    index: index + 1,
                    spec: *spec,
                    reason,
                }),
            }
        }
        (kept, dropped)
    }

    /// Largest boost of the filters at `sample_rate` (dB, ≥ 0).
    pub fn max_boost_db(&self, sample_rate: f64) -> f64 {
        response::max_boost_db(&self.coefficients(sample_rate).0, sample_rate)
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

    /// Magnitude response of the filters (no preamp) at `freqs_hz`, in dB.
    pub fn response_db(&self, freqs_hz: &[f64], sample_rate: f64) -> Vec<f64> {
        response::cascade_db_at(&self.coefficients(sample_rate).0, freqs_hz, sample_rate)
    }

    /// The response curve charts draw (see [`response::curve`]).
    pub fn response_curve(&self, sample_rate: f64) -> Vec<(f64, f64)> {
        response::curve(&self.coefficients(sample_rate).0, sample_rate)
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
    let partial: Vec<&'a str> = names
        .iter()
        .copied()
        .filter(|n| key.len() >= 2 && whole_words(n.strip_prefix("iem:").unwrap_or(n), &key))
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
        ] {
            assert_eq!(
                find_name(&names, typed).unwrap(),
                "iem:moondrop-ssr",
                "{typed}"
            );
        }
        assert_eq!(find_name(&names, "ER4SR").unwrap(), "iem:etymotic-er4sr");
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
            description: String::new(),
            preamp_db: 0.0,
            filters: vec![
                FilterSpec::new(FilterKind::Peaking, 1000.0, 3.0, 1.0),
                FilterSpec::new(FilterKind::HighShelf, 5000.0, 3.0, 0.7),
            ],
            source: String::new(),
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
}

//! CamillaDSP configuration files (YAML), read and written.
//!
//! Read: the `filters:` entries of `type: Biquad` (`Peaking` with `freq`/`gain` and `q` or
//! `bandwidth`; `Lowshelf`/`Highshelf` with `q` or `slope`; `Lowpass`/`Highpass` with `q`) and
//! `type: Gain` (summed into the preamp), in the order the `pipeline:`'s `Filter` steps apply
//! them (file order when there is no pipeline). A step's `channels:` list (CamillaDSP 3 and later;
//! none = every channel) or `channel:` (the 2.x spelling of one channel) says which channels its
//! filters apply to, as in CamillaDSP: channel `c` runs the steps that name it, so left and right
//! may have filters (and `Gain`s) of their own. The channel count is `devices: capture: channels:`
//! (2 when the file has no `devices:`); a step naming a channel beyond it is refused, as
//! CamillaDSP refuses it. Mixers, processors and other filter types are refused by name.
//!
//! Conversions follow the formulas CamillaDSP itself uses (its `filters/biquad.rs`, after the RBJ
//! cookbook): a shelf `slope` in dB/octave is S = slope/12, and
//! 1/Q = √((A + 1/A)(1/S − 1) + 2) with A = 10^(gain/40), the same coefficients exactly. A peaking
//! `bandwidth` is kept in octaves and turned into coefficients at the rate in use with the
//! cookbook's digital form, as CamillaDSP does (`FilterSpec::bw_oct`), and written back as
//! `bandwidth`.
//!
//! Written: a complete configuration that runs as it is in CamillaDSP 4 and later
//! (`camilladsp profile.yml` reads raw 32-bit stereo from stdin and writes it to stdout at 48 kHz;
//! change `devices:` for your sound card), with a `Gain` filter for the preamp and one pipeline step
//! applying everything to every channel. The sample format is spelled `S32_LE`, the name CamillaDSP
//! uses since 4.0 (3.x called it `S32LE` and 4.x refuses that); the `filters:` and `pipeline:` are
//! the same in 3.x, 4.x and 5.x. tests/formats/camilladsp.rs runs the files in CamillaDSP itself.
//! `serde_norway` parses: `serde_yaml` is deprecated and unmaintained, `serde_norway` is its
//! maintained fork with the same serde API, and a YAML parser is not something to hand-write.

use super::{
    check_channel, check_filter, num, stem_name, Builder, Checked, Place, ProfileFileError,
    Selection,
};
use crate::dsp::profile::channel_label;
use crate::dsp::{FilterKind, FilterSpec, Profile};
use serde::Deserialize;
use serde_norway::{Mapping, Value};
use std::collections::HashMap;

/// The sections CamillaDSP knows, and no others: it refuses a file with any other key (a typed
/// `Filters:`, a docker-compose file), which iemsim read as a profile without filters.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    title: Option<String>,
    description: Option<String>,
    filters: Option<Mapping>,
    pipeline: Option<Vec<Step>>,
    devices: Option<Value>,
    /// Only for the steps that use them, which are refused by name.
    #[serde(rename = "mixers")]
    _mixers: Option<Value>,
    #[serde(rename = "processors")]
    _processors: Option<Value>,
}

/// A pipeline step: a misspelt key (`chanels:`) is refused, as CamillaDSP refuses it; read as
/// every channel, it put a one-channel filter on all of them.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    #[serde(rename = "type")]
    kind: String,
    channels: Option<Vec<u64>>,
    /// CamillaDSP 2.x: one channel per step.
    channel: Option<u64>,
    #[serde(default)]
    names: Vec<String>,
    #[serde(default)]
    bypassed: Option<bool>,
    #[serde(rename = "description")]
    _description: Option<Value>,
    /// A Mixer's or Processor's step, refused by its type.
    #[serde(rename = "name")]
    _name: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FilterDef {
    #[serde(rename = "type")]
    kind: String,
    parameters: Value,
    #[serde(rename = "description")]
    _description: Option<Value>,
}

#[derive(Deserialize)]
struct BiquadParams {
    #[serde(rename = "type")]
    kind: String,
    freq: Option<f64>,
    gain: Option<f64>,
    q: Option<f64>,
    bandwidth: Option<f64>,
    slope: Option<f64>,
    /// Keys of no filter type: CamillaDSP refuses them for Lowpass and Highpass (its Peaking and
    /// shelf parameters accept them).
    #[serde(flatten)]
    other: Mapping,
}

/// CamillaDSP refuses other keys here (`scael: linear` read as dB changed the gain).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GainParams {
    gain: f64,
    scale: Option<String>,
    #[serde(default)]
    inverted: Option<bool>,
    #[serde(default)]
    mute: Option<bool>,
}

/// Parses a CamillaDSP configuration (never panics), with each filter's 1-based line number (the
/// line naming it under `filters:`).
pub fn parse_with_lines(
    text: &str,
    source: &str,
) -> Result<(Profile, Vec<Place>), ProfileFileError> {
    let config = read_config(text, source)?;
    let keys = key_lines(text);
    let definitions = filter_lines(text);
    let line_of_key = |name: &str| keys.get(name).copied().unwrap_or(1);
    let n_channels = capture_channels(&config, line_of_key("capture"), source)?;
    let defs = by_name(config.filters.unwrap_or_default(), &line_of_key, source)?;
    let order = filters_in_order(config.pipeline.as_deref(), &defs, n_channels, source)?;
    let name = config
        .title
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| stem_name(source));
    let mut b = Builder::new(source, name);
    b.profile_mut().description = config.description.unwrap_or_default();
    b.profile_mut().source = read_source_comment(text);
    // Each definition is converted once, whatever the number of steps naming it.
    let mut converted: HashMap<&str, Converted> = HashMap::new();
    for (name, sel) in &order {
        let line = definitions
            .get(name.as_str())
            .copied()
            .unwrap_or_else(|| line_of_key(name));
        let c = match converted.get(name.as_str()) {
            Some(c) => *c,
            None => *converted
                .entry(name)
                .or_insert(convert(&defs, name, line, source)?),
        };
        match c {
            Converted::Gain(db) => b.gain(sel, db, line, "gain")?,
            Converted::Biquad(spec) => {
                b.filter(sel, spec, Place::new(line, format!("filters.{name}.freq")))?
            }
        }
    }
    Ok(b.finish(Some(n_channels)))
}

/// The filter definitions keyed by their names as text: CamillaDSP reads `1:` as the name "1"
/// (a number key was left out, so a file of `1:` and `2:` applied nothing). A key that is no
/// scalar (`~`, a list) names no filter: refused.
fn by_name(
    defs: Mapping,
    line_of_key: &dyn Fn(&str) -> usize,
    source: &str,
) -> Result<Mapping, ProfileFileError> {
    defs.into_iter()
        .map(|(key, def)| {
            let name = match &key {
                Value::String(_) => return Ok((key, def)),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => {
                    return Err(ProfileFileError::field(
                        source,
                        line_of_key("filters"),
                        "filters",
                        "a filter's name is not text".into(),
                    ))
                }
            };
            Ok((Value::String(name), def))
        })
        .collect()
}

/// The YAML as a [`Config`], after the nesting check; a syntax error names its line.
fn read_config(text: &str, source: &str) -> Result<Config, ProfileFileError> {
    check_flow_depth(text, source)?;
    let config: Config = serde_norway::from_str(text).map_err(|e| match e.location() {
        Some(l) => ProfileFileError::field(source, l.line(), "yaml", e.to_string()),
        None => ProfileFileError::file(source, e.to_string()),
    })?;
    // An empty file (or only a title) is no EQ, as an Equalizer APO file without a line is not.
    if config.filters.is_none() && config.pipeline.is_none() {
        return Err(ProfileFileError::file(
            source,
            "has neither `filters:` nor `pipeline:`: not a CamillaDSP EQ".into(),
        ));
    }
    Ok(config)
}

/// The pipeline's channel count: what is captured (iemsim reads no mixers); 2 when unsaid.
/// `line`: the line of `capture:`, for the error.
fn capture_channels(config: &Config, line: usize, source: &str) -> Result<usize, ProfileFileError> {
    let field = "devices.capture.channels";
    let count = config
        .devices
        .as_ref()
        .and_then(|d| d.get("capture"))
        .and_then(|c| c.get("channels"));
    match count.map(Value::as_u64) {
        None => Ok(2),
        Some(Some(n)) if n >= 1 => {
            let last = usize::try_from(n - 1).unwrap_or(usize::MAX);
            Ok(check_channel(last, &format!("{n} channels"), source, line, field)? + 1)
        }
        Some(_) => Err(ProfileFileError::field(
            source,
            line,
            field,
            "not a channel count".into(),
        )),
    }
}

/// The filters' names in the order they apply, each with the channels it applies to: the
/// pipeline's Filter steps (bypassed ones left out), or every definition on all channels when
/// there is no pipeline.
fn filters_in_order(
    pipeline: Option<&[Step]>,
    defs: &Mapping,
    n_channels: usize,
    source: &str,
) -> Result<Vec<(String, Selection)>, ProfileFileError> {
    let Some(steps) = pipeline else {
        return Ok(defs
            .keys()
            .filter_map(|k| k.as_str().map(|k| (k.to_string(), Selection::All)))
            .collect());
    };
    let mut names = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let what = format!("pipeline step {} ({})", i + 1, step.kind);
        let whole = |message: String| ProfileFileError::file(source, format!("{what}{message}"));
        if step.kind != "Filter" {
            return Err(whole(
                ": iemsim reads pipelines of Filter steps only".into(),
            ));
        }
        // `name:` belongs to Mixer and Processor steps; CamillaDSP refuses it on a Filter step.
        if step._name.is_some() {
            return Err(whole(": a Filter step takes `names:`, not `name:`".into()));
        }
        if step.bypassed == Some(true) {
            continue;
        }
        let sel = step_channels(step, n_channels).map_err(whole)?;
        names.extend(step.names.iter().map(|n| (n.clone(), sel.clone())));
    }
    Ok(names)
}

/// The channels a pipeline step applies to (`channels` or CamillaDSP 2.x's `channel`; all when
/// neither), each once and in order; the error is the rest of a sentence about the step.
fn step_channels(step: &Step, n_channels: usize) -> Result<Selection, String> {
    let list = match (&step.channels, step.channel) {
        (Some(_), Some(_)) => return Err(" gives both `channels` and `channel`; give one".into()),
        (Some(c), None) => c.clone(),
        (None, Some(c)) => vec![c],
        (None, None) => return Ok(Selection::All),
    };
    let mut chs = Vec::with_capacity(list.len());
    for c in list {
        if c >= n_channels as u64 {
            return Err(format!(
                " names channel {c}, but the pipeline has {n_channels} (0 to {}; devices: \
                 capture: channels)",
                n_channels - 1
            ));
        }
        let c = c as usize;
        if chs.contains(&c) {
            // CamillaDSP refuses it too ("duplicated channel").
            return Err(format!(" names channel {c} twice"));
        }
        chs.push(c);
    }
    chs.sort_unstable();
    Ok(Selection::Some(chs))
}

/// The deepest nesting of flow collections (`[…]`, `{…}`) read: a CamillaDSP configuration
/// needs 3. The YAML parser takes time superlinear in the nesting depth (200 KB of nested
/// brackets took 40–195 s), so deeper text is refused before it reaches the parser.
pub const MAX_FLOW_DEPTH: usize = 32;

/// The most `[` and `{` a configuration may hold: four per filter (flow-style definitions and
/// pipeline lists) for [`super::MAX_FILTERS`] filters, and some to spare.
pub const MAX_BRACKETS: usize = 4 * super::MAX_FILTERS + 256;

/// Refuses flow collections nested deeper than [`MAX_FLOW_DEPTH`], in one pass. Brackets inside
/// quoted scalars and comments do not count; a quote opens a scalar only where YAML starts one
/// (after `:`, `-`, `,`, `?`, an opening bracket, or at the start of a line), so `it's` in a plain
/// scalar is just text. A crafted text can mislead that scan (a plain scalar that looks like a
/// quote), so the opening brackets are also counted, with no exception: at most
/// [`MAX_BRACKETS`], which bounds the depth, and the parser's time, whatever the scan thought
/// (12,000 nested brackets took the parser 0.94 s; [`MAX_BRACKETS`] about 0.1 s).
fn check_flow_depth(text: &str, source: &str) -> Result<(), ProfileFileError> {
    let opening = text.bytes().filter(|b| matches!(b, b'[' | b'{')).count();
    if opening > MAX_BRACKETS {
        return Err(ProfileFileError::file(source, format!(
                "{opening} opening brackets; a CamillaDSP configuration of {} filters needs fewer than {MAX_BRACKETS}",
                super::MAX_FILTERS
            )));
    }
    let (mut depth, mut line) = (0usize, 1usize);
    let mut prev = '\n';
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            '#' if prev.is_whitespace() => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        break;
                    }
                }
                prev = '\n';
                continue;
            }
            '"' | '\'' if matches!(prev, '\n' | ':' | '-' | ',' | '?' | '[' | '{') => {
                let mut escaped = false;
                for q in chars.by_ref() {
                    if q == '\n' {
                        line += 1;
                    }
                    if c == '"' && q == '\\' && !escaped {
                        escaped = true;
                        continue;
                    }
                    if q == c && !escaped {
                        break;
                    }
                    escaped = false;
                }
                prev = c;
                continue;
            }
            '[' | '{' => {
                depth += 1;
                if depth > MAX_FLOW_DEPTH {
                    return Err(ProfileFileError::field(source, line, "yaml", format!(
                            "brackets nested more than {MAX_FLOW_DEPTH} deep; a CamillaDSP configuration needs a few"
                        )));
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if !c.is_whitespace() || c == '\n' {
            prev = c;
        }
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Converted {
    Gain(f64),
    Biquad(FilterSpec),
}

/// Filter `name` of `defs` as a gain or a checked biquad.
fn convert(
    defs: &Mapping,
    name: &str,
    line: usize,
    source: &str,
) -> Result<Converted, ProfileFileError> {
    let err = |field: &str, message: String| {
        let at = match field {
            "" => format!("filters.{name}"),
            _ => format!("filters.{name}.{field}"),
        };
        ProfileFileError::field(source, line, at, message)
    };
    let def = defs.get(Value::String(name.to_string())).ok_or_else(|| {
        err(
            "",
            "the pipeline names a filter that `filters:` does not define".into(),
        )
    })?;
    let def: FilterDef =
        serde_norway::from_value(def.clone()).map_err(|e| err("", e.to_string()))?;
    match def.kind.as_str() {
        "Gain" => {
            let g: GainParams = serde_norway::from_value(def.parameters)
                .map_err(|e| err("parameters", e.to_string()))?;
            if g.inverted == Some(true) || g.mute == Some(true) {
                return Err(err(
                    "parameters",
                    "inverted or muted gains are not supported".into(),
                ));
            }
            let db = match g.scale.as_deref() {
                None | Some("dB") => g.gain,
                Some("linear") if g.gain > 0.0 => 20.0 * g.gain.log10(),
                Some(other) => {
                    return Err(err(
                        "scale",
                        format!("'{other}' (expected dB, or linear with a positive gain)"),
                    ))
                }
            };
            super::check_preamp(db, "gain", source, line)?;
            Ok(Converted::Gain(db))
        }
        "Biquad" => {
            let p: BiquadParams = serde_norway::from_value(def.parameters)
                .map_err(|e| err("parameters", e.to_string()))?;
            let spec = biquad(&p, &err)?;
            // Named as this file names them: a Q made from `bandwidth` or `slope` is theirs.
            let (width, slope_db) = match (p.q, p.bandwidth, p.slope) {
                (_, Some(_), _) => ("bandwidth", None),
                (None, None, Some(db)) => ("slope", Some(db)),
                _ => ("q", None),
            };
            check_filter(&spec, |checked, message| match checked {
                Checked::Fc => err("freq", message),
                Checked::Gain => err("gain", message),
                Checked::Q => err(width, super::from_slope(slope_db, message)),
            })?;
            Ok(Converted::Biquad(spec))
        }
        other => Err(err(
            "type",
            format!("{other} filters are not supported (iemsim reads Biquad and Gain)"),
        )),
    }
}

fn biquad(
    p: &BiquadParams,
    err: &dyn Fn(&str, String) -> ProfileFileError,
) -> Result<FilterSpec, ProfileFileError> {
    // The type first: a `Free` biquad has no freq, and "freq: missing" would mislead.
    let kind = match p.kind.as_str() {
        "Peaking" => FilterKind::Peaking,
        "Lowshelf" => FilterKind::LowShelf,
        "Highshelf" => FilterKind::HighShelf,
        "Lowpass" => FilterKind::LowPass,
        "Highpass" => FilterKind::HighPass,
        other => {
            return Err(err(
                "parameters.type",
                format!("{other} biquads are not supported (Peaking, Lowshelf, Highshelf, Lowpass, Highpass)"),
            ))
        }
    };
    let freq = p.freq.ok_or_else(|| err("freq", "missing".into()))?;
    let need_gain = || p.gain.ok_or_else(|| err("gain", "missing".into()));
    Ok(match kind {
        FilterKind::Peaking if p.slope.is_some() => {
            return Err(err("slope", "a Peaking filter takes q or bandwidth".into()))
        }
        FilterKind::Peaking => match (p.q, p.bandwidth) {
            (Some(q), None) => FilterSpec::new(FilterKind::Peaking, freq, need_gain()?, q),
            (None, Some(bw)) if bw > 0.0 && bw < crate::dsp::filter::MAX_BW_OCT => {
                FilterSpec::peaking_bw(freq, need_gain()?, bw)
            }
            (None, Some(bw)) => {
                return Err(err("bandwidth", format!("{bw} octaves is not usable")))
            }
            (Some(_), Some(_)) => {
                return Err(err("q", "give either q or bandwidth, not both".into()))
            }
            // (`Q:` is another key: CamillaDSP's keys are lower case.)
            (None, None) => {
                return Err(err(
                    "q",
                    "neither q nor bandwidth is given (lower case)".into(),
                ))
            }
        },
        FilterKind::LowShelf | FilterKind::HighShelf if p.bandwidth.is_some() => {
            return Err(err(
                "bandwidth",
                format!("a {} filter takes q or slope", p.kind),
            ))
        }
        FilterKind::LowShelf | FilterKind::HighShelf => {
            let gain = need_gain()?;
            let q = match (p.q, p.slope) {
                (Some(q), None) => q,
                (None, Some(slope)) => super::slope_to_q(slope, gain).ok_or_else(|| {
                    err(
                        "slope",
                        format!("{slope} dB/octave is not possible with {gain} dB of gain"),
                    )
                })?,
                (Some(_), Some(_)) => {
                    return Err(err("q", "give either q or slope, not both".into()))
                }
                (None, None) => {
                    return Err(err("q", "neither q nor slope is given (lower case)".into()))
                }
            };
            FilterSpec::new(kind, freq, gain, q)
        }
        FilterKind::LowPass | FilterKind::HighPass => {
            if p.gain.is_some() || p.bandwidth.is_some() || p.slope.is_some() || !p.other.is_empty()
            {
                return Err(err(
                    "gain",
                    format!("a {} filter takes freq and q only", p.kind),
                ));
            }
            FilterSpec::new(
                kind,
                freq,
                0.0,
                p.q.ok_or_else(|| err("q", "missing".into()))?,
            )
        }
    })
}

/// The line of each filter definition: the keys one level inside the top-level `filters:` block
/// (a filter named `gain` is not its neighbour's `gain:` parameter). Block style only; a
/// flow-style block (`filters: {…}`) falls back to [`key_lines`].
fn filter_lines(text: &str) -> HashMap<&str, usize> {
    let mut lines = HashMap::new();
    let (mut inside, mut indent) = (false, None);
    for (i, l) in text.lines().enumerate() {
        let t = l.trim_start();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let depth = l.len() - t.len();
        if depth == 0 {
            inside = t.starts_with("filters:");
            continue;
        }
        if !inside || *indent.get_or_insert(depth) != depth {
            continue;
        }
        if let Some((key, _)) = t.split_once(':') {
            lines.entry(unquoted(key.trim())).or_insert(i + 1);
        }
    }
    lines
}

/// The line of each indented `name:` key (the first one), found in one pass: the line defining
/// filter `name`, or 1 when none is found.
fn key_lines(text: &str) -> HashMap<&str, usize> {
    let mut keys = HashMap::new();
    for (i, l) in text.lines().enumerate() {
        let t = l.trim_start();
        if l.len() == t.len() {
            continue;
        }
        let Some((key, _)) = t.split_once(':') else {
            continue;
        };
        keys.entry(unquoted(key)).or_insert(i + 1);
    }
    keys
}

/// A YAML key without its double quotes (`"gain": …`).
fn unquoted(key: &str) -> &str {
    key.strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .unwrap_or(key)
}

fn read_source_comment(text: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix("# source:"))
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// YAML's printable characters (`c-printable`) less its line breaks other than `\n`/`\r` (NEL,
/// U+2028, U+2029 break lines in YAML 1.1, which libyaml follows): nothing else may appear raw in a
/// YAML stream, not even in a comment, so the writer escapes the rest in quoted scalars and blanks
/// it in comments.
fn yaml_printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{a0}'..='\u{2027}' | '\u{202a}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
        || c >= '\u{10000}'
}

/// A YAML double-quoted scalar: JSON's escapes (valid YAML), plus `\uXXXX` for the characters
/// JSON leaves raw but YAML forbids (DEL, the C1 controls, U+FFFE/U+FFFF).
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in serde_json::to_string(s)
        .unwrap_or_else(|_| "\"\"".into())
        .chars()
    {
        if yaml_printable(c) {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{:04x}", c as u32));
        }
    }
    out
}

/// Text for a `#` comment line: one line of printable characters (a comment cannot escape).
fn comment_text(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c == '\r' || c == '\n' || !yaml_printable(c) {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// The profile as a runnable CamillaDSP (4 and later) configuration.
pub fn write(profile: &Profile) -> Result<String, ProfileFileError> {
    super::check_pass_gains(profile, "CamillaDSP")?;
    let mut out = String::new();
    // Every channel the profile names, and at least a stereo pair, or the count its own
    // configuration stated.
    let channels = profile
        .channels_needed()
        .max(2)
        .max(profile.channel_count.unwrap_or(0));
    let audio = match channels {
        2 => "stereo".to_string(),
        n => format!("{n}-channel audio"),
    };
    out.push_str(
        "# Written by iemsim for CamillaDSP 4 or later (3.x: write the formats as S32LE). Runs as it\n",
    );
    out.push_str(&format!(
        "# is: raw 32-bit {audio} at 48 kHz from stdin to stdout; set `devices:` for your sound card\n"
    ));
    out.push_str("# (the filters do not depend on it).\n");

    if !profile.source.is_empty() {
        out.push_str(&format!("# source: {}\n", comment_text(&profile.source)));
    }
    out.push_str(&format!("title: {}\n", quoted(&profile.name)));
    out.push_str(&format!("description: {}\n", quoted(&profile.description)));
    out.push_str(&format!(
        "devices:\n  samplerate: 48000\n  chunksize: 1024\n  capture:\n    type: Stdin\n    channels: {channels}\n    format: S32_LE\n  playback:\n    type: Stdout\n    channels: {channels}\n    format: S32_LE\n",
    ));
    out.push_str("filters:\n");
    let mut index = 0;
    let mut steps = Vec::new();
    // The shared part (its preamp written even at 0 dB), then each channel's own.
    let shared = std::iter::once((None, profile.preamp_db, &profile.filters));
    let parts = (profile.channels.iter()).map(|p| (Some(p.channel), p.gain_db, &p.filters));
    for (channel, gain_db, filters) in shared.chain(parts) {
        let mut names = Vec::new();
        if channel.is_none() || gain_db != 0.0 {
            let name = channel.map_or("preamp".into(), |c| format!("gain_channel_{c}"));
            out.push_str(&format!(
                "  {name}:\n    type: Gain\n    parameters:\n      gain: {}\n      scale: dB\n",
                num(gain_db)
            ));
            names.push(name);
        }
        names.extend(biquads(filters, &mut index, &mut out));
        let description = match channel {
            None => "the profile, on every channel".to_string(),
            Some(c) => format!("channel {} only", channel_label(c)),
        };
        steps.push((description, channel, names));
    }
    out.push_str("pipeline:\n");
    for (description, channel, names) in steps {
        out.push_str(&format!(
            "  - type: Filter\n    description: {}\n",
            quoted(&description)
        ));
        if let Some(c) = channel {
            out.push_str(&format!("    channels: [{c}]\n"));
        }
        out.push_str("    names:\n");
        for n in &names {
            out.push_str(&format!("      - {n}\n"));
        }
    }
    Ok(out)
}

/// `filters:` entries for `filters` (named `filter_NN`, numbered on from `index`), and their names.
fn biquads(filters: &[FilterSpec], index: &mut usize, out: &mut String) -> Vec<String> {
    let mut names = Vec::new();
    for f in filters {
        *index += 1;
        let name = format!("filter_{index:02}");
        let ty = match f.kind {
            FilterKind::Peaking => "Peaking",
            FilterKind::LowShelf => "Lowshelf",
            FilterKind::HighShelf => "Highshelf",
            FilterKind::LowPass => "Lowpass",
            FilterKind::HighPass => "Highpass",
        };
        out.push_str(&format!(
            "  {name}:\n    type: Biquad\n    parameters:\n      type: {ty}\n      freq: {}\n",
            num(f.fc_hz)
        ));
        if f.kind.uses_gain() {
            out.push_str(&format!("      gain: {}\n", num(f.gain_db)));
        }
        match f.bw_oct {
            Some(bw) => out.push_str(&format!("      bandwidth: {}\n", num(bw))),
            None => out.push_str(&format!("      q: {}\n", num(f.q))),
        }
        names.push(name);
    }
    names
}

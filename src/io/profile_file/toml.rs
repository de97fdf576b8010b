//! iemsim's own profile format (TOML), documented in the README:
//!
//! ```toml
//! name = "my-iem"
//! description = "What it sounds like, in one line"
//! source = "Where the numbers come from"
//! preamp_db = -6.3
//!
//! [[filters]]
//! type = "low_shelf"     # peaking | low_shelf | high_shelf | low_pass | high_pass
//! fc_hz = 105
//! gain_db = 6.5          # not for low_pass / high_pass
//! q = 0.7                # or, for peaking: bw_oct = 1 (octaves)
//!
//! channel_count = 4      # optional, with [[channels]]: the channels there are, when more than
//!                        # the last one named (a 4-channel CamillaDSP config filtering 1 and 2)
//!
//! [[channels]]           # optional: what one channel gets besides the above
//! channel = 2            # 1 = left, 2 = right, …
//! gain_db = -0.5         # optional, on top of preamp_db
//! [[channels.filters]]
//! type = "peaking"
//! fc_hz = 3000
//! gain_db = -2
//! q = 2
//! ```
//!
//! Parsed with the `toml` crate through serde, with spans kept so every error names its line.

use super::{
    check_channel, check_filter, kind_name, num, stem_name, Builder, Checked, LineIndex, Place,
    ProfileFileError, Selection,
};
use crate::dsp::{FilterKind, FilterSpec, Profile};
use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    name: Option<Spanned<String>>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    source: String,
    preamp_db: Option<Spanned<f64>>,
    /// Absent, not empty, in a file that is not a profile (see `parse_with_lines`).
    filters: Option<Vec<Spanned<Filter>>>,
    /// The channels there are (a CamillaDSP configuration's), when more than `channels` name.
    channel_count: Option<Spanned<i64>>,
    channels: Option<Vec<Spanned<Channel>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Channel {
    /// 1-based.
    channel: Spanned<i64>,
    gain_db: Option<Spanned<f64>>,
    #[serde(default)]
    filters: Vec<Spanned<Filter>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Filter {
    #[serde(rename = "type")]
    kind: Spanned<String>,
    fc_hz: Spanned<f64>,
    gain_db: Option<Spanned<f64>>,
    q: Option<Spanned<f64>>,
    /// A peaking filter's width in octaves, instead of `q`.
    bw_oct: Option<Spanned<f64>>,
}

/// Parses the text (never panics), with each filter's 1-based line number.
pub fn parse_with_lines(
    text: &str,
    source: &str,
) -> Result<(Profile, Vec<Place>), ProfileFileError> {
    let index = LineIndex::new(text);
    let file: File = ::toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| index.line(s.start)).unwrap_or(1);
        ProfileFileError::field(source, line, "toml", e.message().trim().to_string())
    })?;
    let at = |span: std::ops::Range<usize>| index.line(span.start);
    let err = |line, field: &str, message| ProfileFileError::field(source, line, field, message);
    // An empty file (no key at all, comments at most) was read as a flat profile: say so
    // instead, as for an Equalizer APO file with no line. A name alone is a flat profile.
    if file.name.is_none()
        && file.description.is_empty()
        && file.source.is_empty()
        && file.preamp_db.is_none()
        && file.filters.is_none()
        && file.channels.is_none()
    {
        return Err(ProfileFileError::file(
            source,
            "has no profile in it (a flat one says `filters = []`)".into(),
        ));
    }
    let name = match &file.name {
        Some(n) if n.get_ref().trim().is_empty() => {
            return Err(err(at(n.span()), "name", "the name is empty".into()))
        }
        Some(n) => n.get_ref().trim().to_string(),
        None => stem_name(source),
    };
    let mut b = Builder::new(source, name);
    if let Some(p) = &file.preamp_db {
        b.gain(&Selection::All, *p.get_ref(), at(p.span()), "preamp_db")?;
    }
    for f in file.filters.iter().flatten() {
        let (spec, line) = filter(f, source, &at)?;
        b.filter(&Selection::All, spec, Place::new(line, "fc_hz"))?;
    }
    let mut seen = Vec::new();
    for part in file.channels.iter().flatten() {
        let part = part.get_ref();
        let n = *part.channel.get_ref();
        let cline = at(part.channel.span());
        let c = match usize::try_from(n) {
            Ok(k) if k >= 1 => {
                check_channel(k - 1, &format!("channel {k}"), source, cline, "channel")?
            }
            _ => {
                let why = format!("{n} is not a channel number (1 = left, 2 = right, …)");
                return Err(err(cline, "channel", why));
            }
        };
        if seen.contains(&c) {
            let why = format!("channel {n} has two [[channels]] tables; merge them");
            return Err(err(cline, "channel", why));
        }
        seen.push(c);
        let sel = Selection::Some(vec![c]);
        if let Some(g) = &part.gain_db {
            b.gain(&sel, *g.get_ref(), at(g.span()), "gain_db")?;
        }
        for f in &part.filters {
            let (spec, fl) = filter(f, source, &at)?;
            b.filter(&sel, spec, Place::new(fl, "fc_hz"))?;
        }
    }
    let (mut profile, lines) = b.finish(None);
    if let Some(n) = &file.channel_count {
        profile.channel_count = Some(channel_count(n, &profile, source, &at)?);
    }
    profile.description = file.description;
    profile.source = file.source;
    Ok((profile, lines))
}

/// `channel_count`, refused unless there are `[[channels]]`, it has room for every channel they
/// name, and iemsim handles that many.
fn channel_count(
    n: &Spanned<i64>,
    profile: &Profile,
    source: &str,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> Result<usize, ProfileFileError> {
    let line = at(n.span());
    let count = *n.get_ref();
    let err = |message| ProfileFileError::field(source, line, "channel_count", message);
    if !profile.is_per_channel() {
        return Err(err(
            "is for a profile with [[channels]]: without them every channel gets the same filters"
                .into(),
        ));
    }
    let needed = profile.channels_needed();
    match usize::try_from(count) {
        Ok(c) if c >= needed => {
            check_channel(
                c - 1,
                &format!("{c} channels"),
                source,
                line,
                "channel_count",
            )?;
            Ok(c)
        }
        _ => Err(err(format!(
            "{count} is not a channel count with room for channel {needed} ([[channels]])"
        ))),
    }
}

/// One `[[filters]]` table as a checked filter, and the line it is reported at.
fn filter(
    f: &Spanned<Filter>,
    source: &str,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> Result<(FilterSpec, usize), ProfileFileError> {
    let line = at(f.span());
    let f = f.get_ref();
    let err = |line, field: &str, message| ProfileFileError::field(source, line, field, message);
    let field_err =
        |span: std::ops::Range<usize>, field: &str, message| err(at(span), field, message);
    let kind = parse_kind(f.kind.get_ref()).ok_or_else(|| {
        field_err(
            f.kind.span(),
            "type",
            format!(
                "unknown filter type '{}' (peaking, low_shelf, high_shelf, low_pass, high_pass)",
                f.kind.get_ref()
            ),
        )
    })?;
    let gain_db = match &f.gain_db {
        Some(g) if !kind.uses_gain() && *g.get_ref() != 0.0 => {
            let why = format!("a {} filter has no gain; remove gain_db", kind_name(kind));
            return Err(field_err(g.span(), "gain_db", why));
        }
        Some(g) => *g.get_ref(),
        None if kind.uses_gain() => {
            let why = format!("a {} filter needs gain_db", kind_name(kind));
            return Err(err(line, "gain_db", why));
        }
        None => 0.0,
    };
    let spec = match (&f.q, &f.bw_oct) {
        (Some(q), None) => FilterSpec::new(kind, *f.fc_hz.get_ref(), gain_db, *q.get_ref()),
        (None, Some(bw)) if kind == FilterKind::Peaking => {
            let n = *bw.get_ref();
            if !(n > 0.0 && n < crate::dsp::filter::MAX_BW_OCT) {
                return Err(field_err(
                    bw.span(),
                    "bw_oct",
                    format!("{n} octaves is not a usable bandwidth"),
                ));
            }
            FilterSpec::peaking_bw(*f.fc_hz.get_ref(), gain_db, n)
        }
        (None, Some(bw)) => {
            return Err(field_err(
                bw.span(),
                "bw_oct",
                format!("a {} filter takes q, not bw_oct", kind_name(kind)),
            ))
        }
        (Some(_), Some(bw)) => {
            return Err(field_err(
                bw.span(),
                "bw_oct",
                "give q or bw_oct, not both".into(),
            ))
        }
        (None, None) => {
            return Err(field_err(
                f.fc_hz.span(),
                "q",
                "the width (q, or bw_oct for peaking) is missing".into(),
            ))
        }
    };
    // Name and point at the field that is wrong: a Q made from `bw_oct` is that field's.
    check_filter(&spec, |checked, message| {
        let (field, span) = match checked {
            Checked::Fc => ("fc_hz", Some(f.fc_hz.span())),
            Checked::Q => match &f.bw_oct {
                Some(bw) => ("bw_oct", Some(bw.span())),
                None => ("q", f.q.as_ref().map(Spanned::span)),
            },
            Checked::Gain => ("gain_db", f.gain_db.as_ref().map(Spanned::span)),
        };
        err(span.map_or(line, at), field, message)
    })?;
    Ok((spec, at(f.fc_hz.span())))
}

/// `peaking`, `low_shelf`… (also `PK`, `LS`, `HS`, `LP`, `HP`, `lowshelf`), any case.
fn parse_kind(s: &str) -> Option<FilterKind> {
    let k = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
    Some(match k.as_str() {
        "peaking" | "pk" | "peak" => FilterKind::Peaking,
        "low_shelf" | "lowshelf" | "ls" | "lsc" => FilterKind::LowShelf,
        "high_shelf" | "highshelf" | "hs" | "hsc" => FilterKind::HighShelf,
        "low_pass" | "lowpass" | "lp" | "lpq" => FilterKind::LowPass,
        "high_pass" | "highpass" | "hp" | "hpq" => FilterKind::HighPass,
        _ => return None,
    })
}

/// TOML string literal (quoted and escaped by the `toml` crate).
fn quoted(s: &str) -> String {
    ::toml::Value::String(s.to_string()).to_string()
}

/// The profile as iemsim TOML.
pub fn write(profile: &Profile) -> String {
    let mut out = String::new();
    out.push_str(&format!("name = {}\n", quoted(&profile.name)));
    out.push_str(&format!("description = {}\n", quoted(&profile.description)));
    out.push_str(&format!("source = {}\n", quoted(&profile.source)));
    out.push_str(&format!("preamp_db = {}\n", float(profile.preamp_db)));
    if let Some(n) = super::count_beyond_channels(profile) {
        out.push_str(&format!("channel_count = {n}\n"));
    }
    filter_tables(&profile.filters, "filters", &mut out);
    for part in &profile.channels {
        out.push_str(&format!("\n[[channels]]\nchannel = {}\n", part.channel + 1));
        if part.gain_db != 0.0 {
            out.push_str(&format!("gain_db = {}\n", float(part.gain_db)));
        }
        filter_tables(&part.filters, "channels.filters", &mut out);
    }
    out
}

/// One `[[table]]` per filter.
fn filter_tables(filters: &[FilterSpec], table: &str, out: &mut String) {
    for f in filters {
        out.push_str(&format!("\n[[{table}]]\n"));
        out.push_str(&format!("type = \"{}\"\n", kind_name(f.kind)));
        out.push_str(&format!("fc_hz = {}\n", float(f.fc_hz)));
        if f.kind.uses_gain() {
            out.push_str(&format!("gain_db = {}\n", float(f.gain_db)));
        }
        match f.bw_oct {
            Some(bw) => out.push_str(&format!("bw_oct = {}\n", float(bw))),
            None => out.push_str(&format!("q = {}\n", float(f.q))),
        }
    }
}

/// A TOML float: `105.0`, not the integer `105` (both read back exactly; a float reads as meant).
fn float(x: f64) -> String {
    let s = num(x);
    if s.contains(['.', 'e', 'E', 'i', 'n']) {
        s
    } else {
        format!("{s}.0")
    }
}

//! AutoEq `ParametricEQ.txt` / Equalizer APO configuration files.
//!
//! Syntax (Equalizer APO's configuration reference): one `Command: parameters` per line;
//! `Preamp: -6.3 dB` (several preamps add up, as in Equalizer APO since 0.8);
//! `Filter N: ON TYPE Fc F Hz Gain G dB Q Q` where the number N is optional and not interpreted,
//! and `BW Oct N` may replace `Q` on peaking filters (kept in octaves: Equalizer APO computes its
//! coefficients at the rate in use with the cookbook's digital form, see `FilterSpec::bw_oct`). `OFF` and `None` filters are skipped, `#` starts a
//! comment (at the start of a line or after a filter's values), blank lines, CRLF line ends and a
//! UTF-8 BOM are fine. Lines Equalizer APO skips are skipped too: a line without a colon, a command
//! it does not know (Room EQ Wizard's `Filter Settings file` export, with its `Dated:` and `Notes:`
//! headers, reads as it plays there), and REW's `T60 target … ms` after a `Modal` filter; REW's
//! `LS Q`/`HP Q` types are `LS`/`HP` with the line's Q, as Equalizer APO reads them. A line that
//! reads as a command but would be skipped there (`Preamp -3 dB` without its colon, `Preamp 2:`,
//! `Fliter 1: ON …`) is refused. Names and units are matched
//! case-sensitively and `Hz`/`dB` are required after `Fc`/`Gain`, as Equalizer APO's patterns do
//! (see [`exact_case`]): a line it would ignore is refused, never applied.
//!
//! Types: `PK`/`PEQ`/`Modal` peaking; `LSC`/`LS` low shelf and `HSC`/`HS` high shelf;
//! `LPQ`/`HPQ` low/high pass with Q; `LP`/`HP` low/high pass without Q (Q = 1/√2,
//! [`super::DEFAULT_Q`]). Shelves follow Equalizer APO's own code (BiQuadFilterFactory.cpp): a
//! `Q`, else a slope in dB after the type (`LS 6dB`, S = slope/12), else S = 0.9; `LS`/`HS` with a
//! Q or slope name the corner frequency (see [`shelf`]; a Q is turned into its slope first). Numbers as Equalizer APO reads them: a
//! decimal comma is a point (in `Preamp:` too, which may end in a `# comment`), `Fc 2.500 Hz` is
//! Room EQ Wizard's 2500 Hz, and a non-breaking space inside the Fc value is a thousands separator. Notch, band-pass
//! and all-pass filters have no iemsim equivalent and are refused by name.
//!
//! `Channel: L`, `Channel: R`, `Channel: 1 2` (1-based numbers, as Equalizer APO counts) and
//! `Channel: all` select the channels the following `Preamp` and `Filter` lines apply to, as in
//! Equalizer APO; the speaker names of surround layouts (`C`, `SUB`, `RL`…) depend on the device
//! and are refused by name. A `# channels: N` comment (written by [`write`], skipped by Equalizer
//! APO) states how many channels there are when that is more than the `Channel:` lines name (a
//! 4-channel CamillaDSP configuration filtering only L and R), so a conversion back keeps them.
//! Equalizer APO's other commands (`Include`, `GraphicEQ`, `Device`…)
//! would change the sound in a way iemsim cannot reproduce, so they are refused too, never ignored.

use super::{
    check_channel, check_filter, num, stem_name, Builder, Checked, Place, ProfileFileError,
    Selection, DEFAULT_Q,
};
use crate::dsp::profile::channel_label;
use crate::dsp::{FilterKind, FilterSpec, Profile};

/// Parses the text (never panics), with each filter's 1-based line number.
pub fn parse_with_lines(
    text: &str,
    source: &str,
) -> Result<(Profile, Vec<Place>), ProfileFileError> {
    let mut b = Builder::new(source, stem_name(source));
    let mut sel = Selection::All;
    let mut commands = 0;
    let mut stated_channels = None;
    // Classic Mac line ends (CR only): one "line" held the whole file.
    let text: std::borrow::Cow<str> = if text.contains('\n') {
        text.into()
    } else {
        text.replace('\r', "\n").into()
    };
    for (i, raw) in text.split('\n').enumerate() {
        let n = i + 1;
        let line = raw.trim_end_matches('\r').trim();
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            stated_channels = read_comment(comment.trim(), b.profile_mut()).or(stated_channels);
            continue;
        }
        let err = |field: &str, message: String| ProfileFileError::field(source, n, field, message);
        let Some((command, params)) = line.split_once(':') else {
            // Equalizer APO skips a line without a colon (Room EQ Wizard's `Filter Settings
            // file` and `Room EQ V5.20` headers); one that reads as a command lost its colon.
            if lost_its_colon(line) {
                return Err(err(
                    "line",
                    format!(
                        "'{}' needs a colon after its command (`Preamp:`, `Channel:`, `Filter \
                         1:`): Equalizer APO ignores a line without one",
                        clip(line)
                    ),
                ));
            }
            continue;
        };
        let command = command.trim();
        let params = params.trim();
        let Some(known) = command_of(command, params, &err)? else {
            continue;
        };
        commands += usize::from(matches!(known, "Preamp" | "Filter"));
        match known {
            "Preamp" => {
                let db = parse_db(params).ok_or_else(|| {
                    err(
                        "Preamp",
                        format!("'{}' is not a number of dB", clip(params)),
                    )
                })?;
                b.gain(&sel, db, n, "Preamp")?;
            }
            "Filter" => {
                if let Some(spec) = parse_filter(params, &err)? {
                    b.filter(&sel, spec, Place::new(n, "Fc"))?;
                }
            }
            _ => sel = parse_channels(params, source, n, &err)?,
        }
    }
    // Nothing to apply is more likely a failed download or save than a wish for no change.
    if commands == 0 {
        return Err(ProfileFileError::file(
            source,
            "has no Preamp or Filter line (an empty file?); for no change use `-p neutral`".into(),
        ));
    }
    let (mut profile, places) = b.finish(None);
    // Only a count the `Channel:` lines leave room for: they say which channels there are.
    if profile.is_per_channel() {
        profile.channel_count = stated_channels.filter(|&n| n >= profile.channels_needed());
    }
    Ok((profile, places))
}

/// Which of iemsim's commands a `command: params` line is (`None`: a line Equalizer APO skips),
/// refusing what Equalizer APO would read differently or iemsim cannot reproduce.
fn command_of(
    command: &str,
    params: &str,
    err: &dyn Fn(&str, String) -> ProfileFileError,
) -> Result<Option<&'static str>, ProfileFileError> {
    let word = command.split_whitespace().next().unwrap_or("");
    // `Filter1:` is a filter too: Equalizer APO only asks that the command start with it.
    let word = match word.get(..6) {
        Some(head)
            if head.eq_ignore_ascii_case("Filter")
                && word[6..].bytes().all(|c| c.is_ascii_digit()) =>
        {
            head
        }
        _ => word,
    };
    let known = ["Preamp", "Filter", "Channel"]
        .into_iter()
        .find(|k| k.eq_ignore_ascii_case(word));
    if let Some(k) = known {
        exact_case(word, k, err)?;
        // `Preamp` and `Channel` are whole commands to Equalizer APO (`Filter` a prefix).
        if k != "Filter" && command != k {
            return Err(err(
                k,
                format!(
                    "'{}' is not `{k}`: Equalizer APO reads only `{k}:` itself and would \
                     ignore this line",
                    clip(command)
                ),
            ));
        }
    } else if OTHER_COMMANDS.iter().any(|c| c.eq_ignore_ascii_case(word)) {
        return Err(err(
            "command",
            format!(
                "'{}' is not supported (iemsim reads Preamp, Filter and Channel)",
                clip(command)
            ),
        ));
    } else if params.split_whitespace().next().is_some_and(switched) {
        return Err(err(
            "command",
            format!(
                "'{}' is not an Equalizer APO command, so it would ignore this filter \
                 (write `Filter:` or `Filter 1:`)",
                clip(command)
            ),
        ));
    } else {
        // A command Equalizer APO does not know changes nothing there (Room EQ Wizard's
        // `Dated:`, `Notes:` and `Equaliser:` lines).
        return Ok(None);
    }
    Ok(known)
}

/// Equalizer APO's commands besides `Preamp`, `Filter` and `Channel` (its filter factories): each
/// changes the sound in a way iemsim cannot reproduce, so a file using one is refused.
const OTHER_COMMANDS: [&str; 14] = [
    "Copy",
    "Delay",
    "Convolution",
    "GraphicEQ",
    "Include",
    "Device",
    "Stage",
    "If",
    "ElseIf",
    "Else",
    "EndIf",
    "Eval",
    "VSTPlugin",
    "LoudnessCorrection",
];

/// Whether a line without a colon, which Equalizer APO skips, was meant as a command: `Preamp -3
/// dB`, `Channel L`, `Filter 1 ON PK …` (not Room EQ Wizard's `Filter Settings file` header).
fn lost_its_colon(line: &str) -> bool {
    let mut words = line.split_whitespace();
    let first = words.next().unwrap_or("").to_ascii_lowercase();
    ["preamp", "channel"].contains(&first.as_str())
        || (first.starts_with("filter") && words.any(switched))
}

/// `ON` or `OFF`, in any case: what a filter's parameters start with.
fn switched(word: &str) -> bool {
    word.eq_ignore_ascii_case("ON") || word.eq_ignore_ascii_case("OFF")
}

/// `all`, or channels by Equalizer APO's names for a stereo pair (`L`, `R`) or 1-based numbers.
fn parse_channels(
    params: &str,
    source: &str,
    n: usize,
    err: &dyn Fn(&str, String) -> ProfileFileError,
) -> Result<Selection, ProfileFileError> {
    if params.eq_ignore_ascii_case("all") {
        return Ok(Selection::All);
    }
    let mut chs = Vec::new();
    for t in params.split_whitespace() {
        let c = match t.to_ascii_uppercase().as_str() {
            "L" => 0,
            "R" => 1,
            // "use … or all" was the advice for `Channel: all L`, which used all.
            "ALL" => {
                return Err(err(
                    "Channel",
                    "'all' stands alone: write `Channel: all`, or the channels one by one".into(),
                ))
            }
            u => match u.parse::<usize>() {
                Ok(k) if k >= 1 => check_channel(k - 1, &format!("channel {k}"), source, n, "Channel")?,
                _ => {
                    return Err(err(
                        "Channel",
                        format!(
                            "'{}' is not a channel iemsim can place: use L, R, channel numbers from 1, or all \
                             (speaker names such as C, SUB or RL depend on the device's layout)",
                            clip(t)
                        ),
                    ))
                }
            },
        };
        if !chs.contains(&c) {
            chs.push(c);
        }
    }
    if chs.is_empty() {
        return Err(err(
            "Channel",
            "no channel named (L, R, numbers from 1, or all)".into(),
        ));
    }
    chs.sort_unstable();
    Ok(Selection::Some(chs))
}

/// `# name: …`, `# description: …`, `# source: …` as [`write`] puts them; other comments are
/// just comments. Returns the count a `# channels: N` comment states (see [`write`]).
fn read_comment(comment: &str, profile: &mut Profile) -> Option<usize> {
    let (key, value) = comment.split_once(':')?;
    let value = value.trim().to_string();
    match key.trim() {
        "name" if !value.is_empty() => profile.name = value,
        "description" => profile.description = value,
        "source" => profile.source = value,
        "channels" => {
            return value
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=crate::dsp::profile::MAX_CHANNELS).contains(n))
        }
        _ => {}
    }
    None
}

/// `-6.3 dB`, `-6.3dB`, `-6.3` or `-6,3 dB`, and any of them followed by a `#` comment, as
/// Equalizer APO reads a preamp (PreampFilterFactory.cpp: commas become points, then
/// `swscanf(" %lf dB")` takes the number and ignores what follows it). A decimal comma was
/// refused here though filter lines took it. Other text after the number stays refused.
fn parse_db(s: &str) -> Option<f64> {
    let s = s.replace(',', ".");
    let s = s
        .split_once('#')
        .map_or(s.as_str(), |(value, _)| value)
        .trim();
    let s = s
        .strip_suffix("dB")
        .or_else(|| s.strip_suffix("db"))
        .or_else(|| s.strip_suffix("DB"))
        .unwrap_or(s);
    parse_num(s.trim())
}

/// A finite decimal number.
fn parse_num(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// A line's text shortened for a message.
fn clip(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}

/// `ON PK Fc 105 Hz Gain 6.5 dB Q 0.70` → a filter, or None for `OFF`.
fn parse_filter(
    params: &str,
    err: &dyn Fn(&str, String) -> ProfileFileError,
) -> Result<Option<FilterSpec>, ProfileFileError> {
    // Equalizer APO reads a decimal comma as a point (German Windows writes `Fc 1000,5 Hz`).
    let params = params.replace(',', ".");
    let params = fc_without_nbsp(&params);
    let tokens: Vec<&str> = params.split_whitespace().collect();
    match tokens.first() {
        Some(t) if t.eq_ignore_ascii_case("ON") => exact_case(t, "ON", err)?,
        // Equalizer APO skips any filter not switched `ON`, `off` as well.
        Some(t) if t.eq_ignore_ascii_case("OFF") => return Ok(None),
        _ => {
            return Err(err(
                "Filter",
                "expected ON or OFF after `Filter:`".to_string(),
            ))
        }
    }
    let Some(type_token) = tokens.get(1) else {
        return Err(err("type", "the filter type is missing".into()));
    };
    // Room EQ Wizard's empty slot: Equalizer APO adds no filter for it.
    if type_token.eq_ignore_ascii_case("None") {
        return Ok(None);
    }
    let (kind, q_optional) = filter_kind(type_token, err)?;
    // What Equalizer APO does not read: a `# comment`, Room EQ Wizard's `T60 target 300 ms`
    // after a `Modal` filter.
    let end = (tokens.iter())
        .position(|t| t.starts_with('#') || *t == "T60")
        .unwrap_or(tokens.len());
    let mut rest = &tokens[2..end.max(2)];
    // Room EQ Wizard's `LS Q`, `HS Q`, `LP Q`, `HP Q` (filters with a Q): Equalizer APO's type
    // is the letters before the space, and it finds the `Q` with a number later in the line.
    if rest.len() > 1 && rest[0] == "Q" && parse_num(rest[1]).is_none() {
        rest = &rest[1..];
    }
    // `LS 6dB`, `HSC 12 dB`: a shelf's slope in dB (per octave), S = slope / 12.
    let slope = match rest.first().map(|t| slope_db(t, rest.get(1), err)) {
        Some(slope) => slope?,
        None => None,
    };
    let slope = match slope {
        Some((db, used)) if kind.is_shelf() => {
            rest = &rest[used..];
            Some(db)
        }
        Some(_) => {
            return Err(err(
                "type",
                format!("a slope in dB is for shelves, not {type_token} filters"),
            ))
        }
        None => None,
    };
    let w = widths(rest, kind, err)?;
    let fc =
        w.fc.ok_or_else(|| err("Fc", "the frequency (`Fc … Hz`) is missing".into()))?;
    let gain = if kind.uses_gain() {
        w.gain
            .ok_or_else(|| err("Gain", "the gain (`Gain … dB`) is missing".into()))?
    } else {
        0.0
    };
    let spec = if let Some(n) = w.bw {
        FilterSpec::peaking_bw(fc, gain, n)
    } else if kind.is_shelf() {
        shelf(type_token, kind, fc, gain, w.q, slope, err)?
    } else {
        let q = match w.q {
            Some(q) => q,
            None if q_optional => DEFAULT_Q,
            None => return Err(err("Q", "the Q (`Q …`) is missing".into())),
        };
        FilterSpec::new(kind, fc, gain, q)
    };
    // Named as this file names them: a Q made from `BW Oct` or a shelf's slope is theirs.
    let (width, slope_db) = match (w.bw, w.q, slope) {
        (Some(_), ..) => ("BW Oct", None),
        (None, None, Some(db)) => ("slope", Some(db)),
        _ => ("Q", None),
    };
    check_filter(&spec, |checked, message| match checked {
        Checked::Fc => err("Fc", message),
        Checked::Gain => err("Gain", message),
        Checked::Q => err(width, super::from_slope(slope_db, message)),
    })?;
    Ok(Some(spec))
}

/// `params` with the non-breaking spaces inside the `Fc` value taken out: `Fc 1 000 Hz` with
/// U+00A0 as the thousands separator (as Windows writes numbers for French, Czech, Russian…
/// locales) is 1000 Hz in Equalizer APO (BiQuadFilterFactory: its Fc pattern takes U+00A0 among
/// the number's characters, and `getFreq` removes it); it was read as `Fc 1` followed by a
/// stray `000`. Only the Fc value: Equalizer APO's other fields take no U+00A0.
fn fc_without_nbsp(params: &str) -> std::borrow::Cow<'_, str> {
    const NBSP: char = '\u{a0}';
    if !params.contains(NBSP) {
        return params.into();
    }
    // The `Fc` keyword: at the start or after whitespace, any case (`widths` then refuses a case Equalizer APO would not read).
    let lower = params.to_ascii_lowercase();
    let at = lower.match_indices("fc").map(|(i, _)| i).find(|&i| {
        params[..i]
            .chars()
            .next_back()
            .is_none_or(char::is_whitespace)
            && params[i + 2..]
                .chars()
                .next()
                .is_some_and(char::is_whitespace)
    });
    let Some(at) = at else {
        return params.into();
    };
    // Up to the value (the spaces after `Fc`, U+00A0 among them, stay), then the value: Equalizer
    // APO's characters of an Fc value, `[-+0-9.eE\u00A0]`.
    let start = params.len() - params[at + 2..].trim_start().len();
    let value = &params[start..];
    let len = value
        .find(|c: char| !(c.is_ascii_digit() || "+-.eE".contains(c) || c == NBSP))
        .unwrap_or(value.len());
    // Separators inside the number go; one after it stays the space it reads as (`1 000 Hz`).
    let number = value[..len].trim_end_matches(NBSP);
    let after = &value[number.len()..];
    format!("{}{}{after}", &params[..start], number.replace(NBSP, "")).into()
}

/// `6dB` or `6 dB` (the token after it): the slope and how many tokens it took.
fn slope_db(
    token: &str,
    next: Option<&&str>,
    err: &dyn Fn(&str, String) -> ProfileFileError,
) -> Result<Option<(f64, usize)>, ProfileFileError> {
    if let Some((n, unit)) = split_unit(token, "dB") {
        if let Some(v) = parse_num(n) {
            exact_case(unit, "dB", err)?;
            return Ok(Some((v, 1)));
        }
    }
    let (Some(v), Some(unit)) = (parse_num(token), next) else {
        return Ok(None);
    };
    if !unit.eq_ignore_ascii_case("dB") {
        return Ok(None);
    }
    exact_case(unit, "dB", err)?;
    Ok(Some((v, 2)))
}

/// `token` split into its number and `unit` written right after it (`100Hz`, `6dB`; the unit in
/// any case, for [`exact_case`] to judge), if so.
fn split_unit<'a>(token: &'a str, unit: &str) -> Option<(&'a str, &'a str)> {
    let n = token.len().checked_sub(unit.len()).filter(|&n| n > 0)?;
    let (num, u) = (token.get(..n)?, token.get(n..)?);
    (!unit.is_empty() && u.eq_ignore_ascii_case(unit)).then_some((num, u))
}

/// Equalizer APO matches its names and units case-sensitively (`Filter`, `ON`, `PK`, `Fc`, `Hz`,
/// `Gain`, `dB`, `Q`, `BW Oct`; BiQuadFilterFactory.cpp's patterns, `Preamp` and `Channel` as
/// whole commands) and skips a line or filter that spells one in another case, so `filter 1: on
/// pk fc 100 hz …` changes nothing there. iemsim refuses it rather than apply what Equalizer APO
/// would not. (`Channel:`'s speaker names are read in any case, as Equalizer APO does.)
fn exact_case(
    token: &str,
    name: &str,
    err: &dyn Fn(&str, String) -> ProfileFileError,
) -> Result<(), ProfileFileError> {
    if token == name {
        return Ok(());
    }
    Err(err(
        name,
        format!(
            "'{}' must be written `{name}`: Equalizer APO reads its names case-sensitively and \
             would ignore this line",
            clip(token)
        ),
    ))
}

/// What follows the type: `Fc`, `Gain`, `Q` or `BW Oct`.
#[derive(Default)]
struct Widths {
    fc: Option<f64>,
    gain: Option<f64>,
    q: Option<f64>,
    bw: Option<f64>,
}

fn widths(
    tokens: &[&str],
    kind: FilterKind,
    err: &dyn Fn(&str, String) -> ProfileFileError,
) -> Result<Widths, ProfileFileError> {
    let mut w = Widths::default();
    let mut i = 0;
    while let Some(token) = tokens.get(i) {
        i += 1;
        let Some(key) = ["Fc", "Gain", "Q", "BW"]
            .into_iter()
            .find(|k| k.eq_ignore_ascii_case(token))
        else {
            return Err(err(
                "Filter",
                format!("unexpected '{}' (expected Fc, Gain or Q)", clip(token)),
            ));
        };
        exact_case(token, key, err)?;
        let twice = match key {
            "Fc" => w.fc.is_some(),
            "Gain" => w.gain.is_some(),
            _ => w.q.is_some() || w.bw.is_some(),
        };
        if twice {
            let what = if matches!(key, "Q" | "BW") {
                "the width (Q or BW Oct)".to_string()
            } else {
                format!("`{key}`")
            };
            return Err(err(key, format!("{what} is given twice; give it once")));
        }
        if key == "Gain" && !kind.uses_gain() {
            return Err(err(
                "Gain",
                format!(
                    "a {} filter has no gain; remove `Gain`",
                    super::kind_name(kind)
                ),
            ));
        }
        if key == "BW" {
            if kind != FilterKind::Peaking {
                return Err(err(
                    "BW",
                    "a bandwidth (`BW Oct`) is for peaking filters; give a Q".into(),
                ));
            }
            match tokens.get(i) {
                Some(u) if u.eq_ignore_ascii_case("Oct") => exact_case(u, "Oct", err)?,
                _ => {
                    return Err(err(
                        "BW",
                        "expected `BW Oct N` (bandwidth in octaves)".into(),
                    ))
                }
            }
            i += 1;
        }
        let field = match key {
            "Fc" => ("Fc", "Hz"),
            "Gain" => ("Gain", "dB"),
            "Q" => ("Q", ""),
            _ => ("BW Oct", ""),
        };
        let (x, text) = number(tokens, &mut i, field, err)?;
        match key {
            "Fc" => w.fc = Some(rew_thousands(x, text)),
            "Gain" => w.gain = Some(x),
            "Q" => w.q = Some(x),
            _ => {
                if !(x > 0.0 && x < crate::dsp::filter::MAX_BW_OCT) {
                    return Err(err("BW", format!("{x} octaves is not a usable bandwidth")));
                }
                // Kept as octaves: the coefficients depend on the rate (see `FilterSpec::bw_oct`).
                w.bw = Some(x);
            }
        }
    }
    Ok(w)
}

/// The number at `tokens[*i]` for `(name, unit)`, and its text; the unit follows, with or
/// without a space (`Fc 100 Hz`, `Fc 100Hz`). Equalizer APO drops a filter whose `Fc` has no
/// `Hz` or whose `Gain` has no `dB` (its patterns require them), so a missing unit is refused.
fn number<'a>(
    tokens: &[&'a str],
    i: &mut usize,
    (name, unit): (&str, &str),
    err: &dyn Fn(&str, String) -> ProfileFileError,
) -> Result<(f64, &'a str), ProfileFileError> {
    let v = tokens.get(*i).copied().unwrap_or("");
    *i += 1;
    let (v, attached) = match split_unit(v, unit) {
        Some((n, u)) if parse_num(n).is_some() => {
            exact_case(u, unit, err)?;
            (n, true)
        }
        _ => (v, unit.is_empty()),
    };
    let x = parse_num(v).ok_or_else(|| err(name, format!("`{name}` needs a number after it")))?;
    if !attached {
        expect_unit(tokens, i, unit, name, err)?;
    }
    Ok((x, v))
}

/// Equalizer APO's reading of `Fc 2.500 Hz`: a point before the last three of five or more
/// digits is Room EQ Wizard's thousands separator, so 2500 Hz.
fn rew_thousands(x: f64, text: &str) -> f64 {
    let b = text.as_bytes();
    let thousands = b.len() >= 5 && !text.contains(['e', 'E']) && b.get(b.len() - 4) == Some(&b'.');
    if thousands {
        x * 1000.0
    } else {
        x
    }
}

/// A shelf as Equalizer APO makes it: a `Q`, else a slope (`LS 6dB`, S = slope/12), else S = 0.9.
/// `LS`/`HS` (no `C`) with a Q or a slope name the corner frequency: the biquad's own frequency is
/// `Fc · 10^(|gain| / 80 / S)` (divided for `HS`), as on a Behringer DCX2496, where a Q is first
/// turned into the slope S it equals at that gain, `S = 1 / ((1/Q² − 2) / (A + 1/A) + 1)` with
/// A = 10^(gain/40) (Equalizer APO's `BiQuadFilter::initialize`, and its editor's
/// `BiQuadFilterGUI`). The Q itself was used as S: `LS Fc 105 Hz Gain 6.5 dB Q 0.70` was built
/// at 137 Hz where Equalizer APO builds it at 127.1 Hz.
fn shelf(
    type_token: &str,
    kind: FilterKind,
    fc: f64,
    gain: f64,
    q: Option<f64>,
    slope: Option<f64>,
    err: &dyn Fn(&str, String) -> ProfileFileError,
) -> Result<FilterSpec, ProfileFileError> {
    let as_q = |slope_db: f64| {
        super::slope_to_q(slope_db, gain).ok_or_else(|| {
            err(
                "slope",
                format!("a {slope_db} dB slope is not possible with {gain} dB of gain"),
            )
        })
    };
    let (q, corner_slope) = match (q, slope) {
        (Some(_), Some(_)) => {
            return Err(err(
                "Q",
                "give the shelf a Q or a slope in dB, not both".into(),
            ))
        }
        (Some(q), None) => (q, Some(q_to_slope(q, gain))),
        (None, Some(db)) => (as_q(db)?, Some(db / 12.0)),
        (None, None) => (as_q(0.9 * 12.0)?, None),
    };
    let corner = !type_token.to_ascii_uppercase().ends_with('C');
    let given = fc;
    let fc = match corner_slope {
        Some(w) if corner && w > 0.0 && w.is_finite() => {
            let factor = 10f64.powf(gain.abs() / 80.0 / w);
            if kind == FilterKind::LowShelf {
                fc * factor
            } else {
                fc / factor
            }
        }
        _ => fc,
    };
    // The moved frequency is the filter's: refused, it is named with where it came from, not
    // as a number the file never holds ("fc_hz: 0.416 Hz is not an audio frequency").
    if corner && !(super::MIN_FC_HZ..MAX_SHELF_HZ).contains(&fc) {
        return Err(err(
            "Fc",
            format!(
                "{} Fc {} Hz puts its shelf at {} Hz (Equalizer APO moves an LS/HS corner \
                 frequency by the gain and slope), outside {} Hz-{} kHz: use {}C for the shelf's \
                 own frequency, or another Q or slope",
                type_token.to_ascii_uppercase(),
                super::Num(given),
                if fc < 10.0 {
                    format!("{fc:.3}")
                } else {
                    format!("{fc:.0}")
                },
                super::MIN_FC_HZ,
                MAX_SHELF_HZ / 1000.0,
                type_token.to_ascii_uppercase()
            ),
        ));
    }
    Ok(FilterSpec::new(kind, fc, gain, q))
}

/// Half the highest rate iemsim plays (192 kHz): a shelf moved past it exists at no rate.
const MAX_SHELF_HZ: f64 = 96_000.0;

/// The shelf slope S that a Q equals at `gain_db` (the RBJ cookbook's α from S and from Q set
/// equal), as Equalizer APO computes it for the corner-frequency shift. Positive and finite for
/// every Q > 0: 1/Q² − 2 + A + 1/A > 0 as A + 1/A ≥ 2.
fn q_to_slope(q: f64, gain_db: f64) -> f64 {
    let a = 10f64.powf(gain_db / 40.0);
    1.0 / ((1.0 / (q * q) - 2.0) / (a + 1.0 / a) + 1.0)
}

/// The kind an Equalizer APO filter type names, and whether its Q may be left out (shelves and
/// the first-order-looking `LP`/`HP` default to [`DEFAULT_Q`]).
fn filter_kind(
    type_token: &str,
    err: &dyn Fn(&str, String) -> ProfileFileError,
) -> Result<(FilterKind, bool), ProfileFileError> {
    let ty = type_token.to_ascii_uppercase();
    let kind = match ty.as_str() {
        "PK" | "PEQ" | "MODAL" => (FilterKind::Peaking, false),
        "LSC" | "LS" => (FilterKind::LowShelf, true),
        "HSC" | "HS" => (FilterKind::HighShelf, true),
        "LPQ" => (FilterKind::LowPass, false),
        "HPQ" => (FilterKind::HighPass, false),
        "LP" => (FilterKind::LowPass, true),
        "HP" => (FilterKind::HighPass, true),
        "NO" | "BP" | "AP" | "IIR" => {
            return Err(err(
                "type",
                format!(
                    "{ty} filters are not supported (iemsim has peaking, shelf, low- and high-pass filters)"
                ),
            ))
        }
        _ => {
            return Err(err(
                "type",
                format!("unknown filter type '{}' (PK, LSC, HSC, LS, HS, LP, HP, LPQ, HPQ)", clip(type_token)),
            ))
        }
    };
    exact_case(type_token, if ty == "MODAL" { "Modal" } else { &ty }, err)?;
    Ok(kind)
}

fn expect_unit(
    tokens: &[&str],
    i: &mut usize,
    unit: &str,
    field: &str,
    err: &dyn Fn(&str, String) -> ProfileFileError,
) -> Result<(), ProfileFileError> {
    match tokens.get(*i) {
        Some(u) if *u == unit => {
            *i += 1;
            Ok(())
        }
        Some(u) if u.eq_ignore_ascii_case(unit) => exact_case(u, unit, err),
        found => Err(err(
            field,
            format!(
                "expected {unit} after the number, found {}: Equalizer APO drops a filter \
                 without it (`{field} 100 {unit}`)",
                found.map_or("the end of the line".into(), |u| format!("'{}'", clip(u)))
            ),
        )),
    }
}

/// The profile as an Equalizer APO / AutoEq file (CRLF-free; Equalizer APO reads LF fine).
/// Shelves are written as `LSC`/`HSC` and pass filters as `LPQ`/`HPQ`, so Q is always explicit.
pub fn write(profile: &Profile) -> Result<String, ProfileFileError> {
    let mut out = String::new();
    out.push_str(&format!("# name: {}\n", one_line(&profile.name)));
    if !profile.description.is_empty() {
        out.push_str(&format!(
            "# description: {}\n",
            one_line(&profile.description)
        ));
    }
    if !profile.source.is_empty() {
        out.push_str(&format!("# source: {}\n", one_line(&profile.source)));
    }
    // Channels after the last with filters of its own (a 4-channel CamillaDSP configuration
    // filtering only 1 and 2): no `Channel:` line says them, so a comment does, which Equalizer
    // APO skips and [`parse_with_lines`] reads. Without it, converting back wrote a stereo
    // configuration, whose equal left and right then read as every channel's filters.
    if let Some(n) = super::count_beyond_channels(profile) {
        out.push_str(&format!("# channels: {n}\n"));
    }
    out.push_str(&format!("Preamp: {} dB\n", apo_num(profile.preamp_db)));
    super::check_pass_gains(profile, "Equalizer APO")?;
    let mut index = 0;
    filter_lines(&profile.filters, &mut index, &mut out);
    for part in &profile.channels {
        // Equalizer APO numbers channels from 1; L and R are the names people know.
        let name = match part.channel {
            0 => "L".to_string(),
            1 => "R".to_string(),
            c => (c + 1).to_string(),
        };
        out.push_str(&format!(
            "# channel {}\nChannel: {name}\n",
            channel_label(part.channel)
        ));
        if part.gain_db != 0.0 {
            out.push_str(&format!("Preamp: {} dB\n", apo_num(part.gain_db)));
        }
        filter_lines(&part.filters, &mut index, &mut out);
    }
    Ok(out)
}

/// One `Filter N:` line per filter, numbered on from `index`.
fn filter_lines(filters: &[FilterSpec], index: &mut usize, out: &mut String) {
    for f in filters {
        *index += 1;
        let ty = match f.kind {
            FilterKind::Peaking => "PK",
            FilterKind::LowShelf => "LSC",
            FilterKind::HighShelf => "HSC",
            FilterKind::LowPass => "LPQ",
            FilterKind::HighPass => "HPQ",
        };
        out.push_str(&format!(
            "Filter {index}: ON {ty} Fc {} Hz",
            apo_num(f.fc_hz)
        ));
        if f.kind.uses_gain() {
            out.push_str(&format!(" Gain {} dB", apo_num(f.gain_db)));
        }
        match f.bw_oct {
            Some(bw) if f.kind.uses_gain() => out.push_str(&format!(" BW Oct {}\n", apo_num(bw))),
            _ => out.push_str(&format!(" Q {}\n", apo_num(f.q))),
        }
    }
}

/// `x` as [`num`] writes it (the shortest text that reads back exactly), but never with exactly
/// three digits after the point: `15.625` becomes `15.6250`. Equalizer APO (and iemsim's reader,
/// [`rew_thousands`]) take `Fc 15.625 Hz` for Room EQ Wizard's thousands point, 15625 Hz, so
/// `profile convert` wrote a 15.625 Hz filter that read back 1000 times higher. The trailing zero
/// changes no value; it is added to every number, so no reader that applies the rule more widely
/// than to Fc misreads one either.
fn apo_num(x: f64) -> String {
    let s = num(x);
    match s.split_once('.') {
        Some((_, frac)) if frac.len() == 3 && frac.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{s}0")
        }
        _ => s,
    }
}

fn one_line(s: &str) -> String {
    s.replace(['\r', '\n'], " ")
}

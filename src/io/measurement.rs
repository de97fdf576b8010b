//! Frequency-response CSVs as AutoEq publishes them (`frequency,raw`) and the common variants:
//! more columns (`frequency,raw,smoothed,error,…`), other header names (`Freq`, `Hz`, `SPL`, `dB`,
//! `magnitude`), no header, `;` or tab or space separators, decimal commas with `;`, and comment
//! lines (`#`, `*` as REW writes them). [`read`] reads a file (bounded in size); [`parse`] works on
//! text, so the embedded data the built-in profiles are fitted to and the files share one parser.

use crate::dsp::filter::Num;
use crate::error::{Class, Error, Subject};
use std::path::{Path, PathBuf};

/// Reads and parses a measurement file.
pub fn read(path: &Path) -> Result<Measurement, MeasurementError> {
    let bytes =
        super::bounded::read_regular(path, super::bounded::CSV_LIMIT).map_err(|source| {
            MeasurementError::Read {
                path: path.into(),
                source,
            }
        })?;
    parse_bytes(&bytes, path)
}

/// Parses a measurement file's bytes: UTF-8 (a BOM is fine; a stray Latin-1 byte in a comment
/// reads as U+FFFD); UTF-16 is refused by name, as profile files are: read as UTF-8 it gave "'…'
/// is not a frequency" about text that looked fine in any editor.
pub fn parse_bytes(bytes: &[u8], path: &Path) -> Result<Measurement, MeasurementError> {
    if let Some(encoding) = super::text::utf16(bytes) {
        return Err(MeasurementError::data(
            path,
            super::text::utf16_problem(encoding),
        ));
    }
    if bytes[..bytes.len().min(512)].contains(&0) {
        let problem = format!("binary data (an audio file?), not {WANTED}");
        return Err(MeasurementError::data(path, problem));
    }
    parse(&String::from_utf8_lossy(bytes), path)
}

/// What a measurement file is, for messages about a file that is something else.
const WANTED: &str = "a measurement: a CSV of frequency and level rows (e.g. AutoEq's)";

/// The first row that is not a comment: the header or the first data row, unless the file is
/// empty or a profile.
fn first_row<'a>(rows: &[(usize, &'a str)], path: &Path) -> Result<&'a str, MeasurementError> {
    let data = |problem: String| MeasurementError::data(path, problem);
    let Some(&(_, first)) = rows.first() else {
        return Err(data("no data (empty file)".into()));
    };
    match profile_instead(first) {
        Some(what) => Err(data(format!("{what}, not {WANTED}"))),
        None => Ok(first),
    }
}

/// Names a profile file given where a measurement belongs, by its first line: its numbers are
/// filters, not a response, and "'Filter' is not a frequency" said so only by accident.
fn profile_instead(first: &str) -> Option<&'static str> {
    let lower = first.to_ascii_lowercase();
    let word = |w: &str| lower.starts_with(w);
    // `filters:` (CamillaDSP) before `Filter 1:` (Equalizer APO), which it starts like.
    // `title:` and `description:` open the files iemsim writes.
    let yaml = [
        "pipeline:",
        "filters:",
        "devices:",
        "---",
        "title:",
        "description:",
    ];
    if yaml.into_iter().any(word) {
        Some("a CamillaDSP configuration")
    } else if word("graphiceq:") {
        Some("an Equalizer APO GraphicEQ (AutoEq's GraphicEQ.txt: an EQ curve)")
    } else if word("preamp:") || word("filter") || word("channel:") || word("eq:") {
        Some("an Equalizer APO / AutoEq ParametricEQ profile (filters)")
    } else if word("name =") || word("name=") || word("[[filters]]") || word("description =") {
        Some("an iemsim profile (.toml)")
    } else {
        None
    }
}

/// A measured (or target) frequency response: ascending frequencies and levels in dB.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    pub freqs_hz: Vec<f64>,
    pub db: Vec<f64>,
}

#[derive(Debug, thiserror::Error)]
pub enum MeasurementError {
    #[error("{}: cannot read: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}, line {line}: {problem}", .path.display())]
    Line {
        path: PathBuf,
        line: usize,
        problem: String,
    },
    #[error("{}: {problem}", .path.display())]
    Data { path: PathBuf, problem: String },
}

impl MeasurementError {
    /// What is wrong with the data of `path` as a whole.
    pub fn data(path: &Path, problem: impl Into<String>) -> Self {
        let (path, problem) = (path.into(), problem.into());
        Self::Data { path, problem }
    }
}

/// A measurement the user named that cannot be read or used: theirs to fix (exit code 2).
impl From<MeasurementError> for Error {
    fn from(e: MeasurementError) -> Self {
        let path = match &e {
            MeasurementError::Read { path, .. }
            | MeasurementError::Line { path, .. }
            | MeasurementError::Data { path, .. } => path.clone(),
        };
        Self::of(Class::Input, Some(Subject::File(path)), e)
    }
}

/// Fewer points than this is not a frequency response.
pub const MIN_POINTS: usize = 10;

/// A level further than this from 0 dB (either way) is not a measurement: refused, as it would
/// only turn into absurd filter gains (±1e300 dB) downstream.
pub const MAX_LEVEL_DB: f64 = 200.0;

/// A frequency above this is not a measurement of sound (the data go to 20-48 kHz): refused, as
/// a level is past [`MAX_LEVEL_DB`].
pub const MAX_FREQ_HZ: f64 = 1e6;

/// How far (octaves) a measurement may stop short of a band it is used over: the last half
/// octave is held flat, anything more would be invented data.
pub const COVERAGE_SLACK_OCT: f64 = 0.5;

impl Measurement {
    /// Refuses a measurement that does not cover `band_hz` (to within [`COVERAGE_SLACK_OCT`] at
    /// each end), naming the range it does cover; `path` names it.
    pub fn check_covers(&self, band_hz: (f64, f64), path: &Path) -> Result<(), MeasurementError> {
        let (Some(&lo), Some(&hi)) = (self.freqs_hz.first(), self.freqs_hz.last()) else {
            return Ok(());
        };
        let slack = 2f64.powf(COVERAGE_SLACK_OCT);
        if lo <= band_hz.0 * slack && hi >= band_hz.1 / slack {
            return self.check_no_hole(band_hz, path);
        }
        // Frequencies that stop at 20 or below are kHz, not Hz (`0.02,7.76`): say so.
        let khz = if hi <= 20.0 {
            " (frequencies in kHz? iemsim reads Hz)"
        } else {
            ""
        };
        Err(MeasurementError::data(
            path,
            format!(
                "covers only {} to {}{khz}; iemsim needs data over {} to {}",
                hz(lo),
                hz(hi),
                hz(band_hz.0),
                hz(band_hz.1)
            ),
        ))
    }

    /// Refuses a hole wider than [`MAX_GAP_OCT`] between two points inside `band_hz`: a fit
    /// there follows the straight line across it (no points from 200 Hz to 8 kHz were fitted
    /// with an RMS error of 0.06 dB, against that line), invented data as much as beyond the ends.
    fn check_no_hole(&self, band_hz: (f64, f64), path: &Path) -> Result<(), MeasurementError> {
        let widest = self
            .freqs_hz
            .windows(2)
            .map(|w| (w[0].max(band_hz.0), w[1].min(band_hz.1)))
            .filter(|(a, b)| b > a)
            .max_by(|x, y| (x.1 / x.0).total_cmp(&(y.1 / y.0)));
        match widest {
            Some((a, b)) if (b / a).log2() > MAX_GAP_OCT => Err(MeasurementError::data(
                path,
                format!(
                    "has no points from {} to {} ({} octaves, more than {MAX_GAP_OCT}); iemsim \
                     needs data across {} to {}",
                    hz(a),
                    hz(b),
                    // Rounded up: a hole of 2.004 octaves is not "2.0", which passes.
                    ((b / a).log2() * 100.0).ceil() / 100.0,
                    hz(band_hz.0),
                    hz(band_hz.1)
                ),
            )),
            _ => Ok(()),
        }
    }
}

/// The widest stretch (octaves) without a point that a measurement may have inside the band it
/// is used over: octave-band data (1 octave apart) pass, a hole of several octaves does not.
pub const MAX_GAP_OCT: f64 = 2.0;

/// `20 Hz`, `9.5 kHz`: a frequency as people write it.
fn hz(f: f64) -> String {
    if f >= 1000.0 {
        format!("{} kHz", (f / 100.0).round() / 10.0)
    } else if f >= 10.0 {
        format!("{} Hz", f.round())
    } else {
        // Not "0 Hz" for 0.02 Hz (kHz read as Hz).
        format!("{} Hz", (f * 100.0).round() / 100.0)
    }
}

/// Parses measurement text; `path` only names the source in errors.
pub fn parse(text: &str, path: &Path) -> Result<Measurement, MeasurementError> {
    let line_err = |line: usize, problem: String| MeasurementError::Line {
        path: path.into(),
        line,
        problem,
    };
    let rows: Vec<(usize, &str)> = super::text::lines(text)
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim().trim_start_matches('\u{feff}')))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#') && !l.starts_with('*'))
        .collect();
    // Excel's `sep=;` line names the separator; the header follows it.
    // (Quoted, `"sep=;"`, as a CSV writer may quote it.)
    let (sep_line, rows) = match rows.split_first() {
        Some((&(_, l), rest)) if is_sep_line(l.trim_matches('"')) => {
            (l.trim_matches('"').chars().nth(4), rest)
        }
        _ => (None, &rows[..]),
    };
    let first = first_row(rows, path)?;
    let sep = sep_line.unwrap_or_else(|| separator(first));
    // Quoted names (`"frequency","raw"`) are names as much as quoted values are values.
    let header: Vec<String> = names(first, sep);
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let has_header = header.first().is_some_and(|c| number(c, sep).is_none());
    let (freq_col, level_col) = if has_header {
        columns(&header).map_err(|problem| line_err(rows[0].0, problem))?
    } else {
        (0, 1)
    };
    let data = &rows[usize::from(has_header)..];
    if !has_header && sep == ',' {
        decimal_commas_without_header(data).map_err(|(line, problem)| line_err(line, problem))?;
    }
    let mut freqs_hz = Vec::with_capacity(rows.len());
    let mut db = Vec::with_capacity(rows.len());
    for &(line, row) in data {
        let cols = split(row, sep);
        // More values than the header names (a trailing empty field is no value): decimal commas.
        let values = cols.iter().filter(|c| !c.is_empty()).count();
        if has_header && sep == ',' && values > header.len() {
            // Decimal commas split a value in two; values that all have their point do not.
            let why = if cols.iter().all(|c| c.is_empty() || c.contains('.')) {
                "name every column in the header"
            } else {
                "decimal commas? With those, separate the columns with `;` or tabs"
            };
            return Err(line_err(
                line,
                format!("{values} columns under a header of {}: {why}", header.len()),
            ));
        }
        if cols.len() <= freq_col.max(level_col) {
            return Err(line_err(
                line,
                format!(
                    "expected at least {} columns (frequency and level), found {}",
                    freq_col.max(level_col) + 1,
                    cols.len()
                ),
            ));
        }
        let f = number(cols[freq_col], sep)
            .ok_or_else(|| line_err(line, format!("'{}' is not a frequency", cols[freq_col])))?;
        let v = number(cols[level_col], sep)
            .ok_or_else(|| line_err(line, format!("'{}' is not a level in dB", cols[level_col])))?;
        check_point(f, v).map_err(|problem| line_err(line, problem))?;
        if freqs_hz.last().is_some_and(|&prev| f <= prev) {
            return Err(line_err(
                line,
                format!("frequency {f} Hz does not increase (frequencies must be ascending)"),
            ));
        }
        freqs_hz.push(f);
        db.push(v);
    }
    if freqs_hz.len() < MIN_POINTS {
        return Err(MeasurementError::data(
            path,
            format!(
                "only {} data points; a frequency response needs at least {MIN_POINTS}",
                freqs_hz.len()
            ),
        ));
    }
    Ok(Measurement { freqs_hz, db })
}

/// A frequency in audio's range (above 0, up to 1 MHz) and a level that can be a sound's.
fn check_point(f: f64, v: f64) -> Result<(), String> {
    if !(f > 0.0 && f.is_finite()) {
        Err(format!("frequency {} is not positive", Num(f)))
    } else if f > MAX_FREQ_HZ {
        Err(format!(
            "frequency {} Hz is not audio (above 1 MHz)",
            Num(f)
        ))
    } else if v.abs() > MAX_LEVEL_DB {
        Err(format!(
            "level {} dB is not a sound level (more than {MAX_LEVEL_DB} dB from 0)",
            Num(v)
        ))
    } else {
        Ok(())
    }
}

/// Excel's `sep=X` line.
fn is_sep_line(l: &str) -> bool {
    l.len() == 5 && l.is_char_boundary(4) && l[..4].eq_ignore_ascii_case("sep=")
}

fn separator(line: &str) -> char {
    [';', '\t', ',']
        .into_iter()
        .find(|c| line.contains(*c))
        .unwrap_or(' ')
}

/// The names a level column's header may have (besides `raw`): any name containing one of these.
const LEVEL_NAMES: [&str; 6] = ["spl", "db", "magnitude", "amplitude", "level", "response"];

/// Which columns of a header hold the frequency and the level, by their names, as for either:
/// the frequency is the first frequency-like name (`frequency`, `Freq(Hz)`, `Hz`), else the first
/// column; the level is `raw` when named, else the first level-like name ([`LEVEL_NAMES`]), else
/// the one column that is not the frequency. (The frequency was always the first column, so
/// `raw,frequency` read its levels as frequencies.) With several other columns and none of those
/// names (`frequency,error,smoothed,target`, an AutoEq result without `raw`), which one is the
/// measurement cannot be told: refused, naming the columns (the first of them, `error`, was
/// fitted, exit 0).
fn columns(header: &[&str]) -> Result<(usize, usize), String> {
    let names: Vec<String> = header.iter().map(|h| h.to_ascii_lowercase()).collect();
    let freq = names
        .iter()
        .position(|n| n.contains("freq"))
        .or_else(|| names.iter().position(|n| n.contains("hz")))
        .unwrap_or(0);
    let levels: Vec<usize> = (0..names.len())
        .filter(|&i| i != freq && LEVEL_NAMES.iter().any(|k| names[i].contains(k)))
        .collect();
    let quoted = |cols: &mut dyn Iterator<Item = usize>| {
        cols.map(|i| format!("`{}`", header[i]))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let named = match (names.iter().position(|n| n == "raw"), levels.as_slice()) {
        (Some(raw), _) => Some(raw),
        (None, [] | [_]) => levels.first().copied(),
        // `Frequency (Hz),Target (dB),Measured SPL (dB)`: the first was fitted, a flat target.
        (None, _) => {
            return Err(format!(
                "which column is the level? {} all name a level; rename the measurement's column \
                 to `raw`",
                quoted(&mut levels.iter().copied())
            ))
        }
    };
    let others: Vec<usize> = (0..names.len()).filter(|&i| i != freq).collect();
    match (named, others.as_slice()) {
        (Some(level), _) => Ok((freq, level)),
        (None, [only]) => Ok((freq, *only)),
        (None, []) => Ok((freq, usize::from(freq == 0))),
        (None, _) => Err(format!(
            "which column is the level? The header names {}, and none is `raw` or a level's name \
             (one containing {}); rename the measurement's column to `raw`",
            quoted(&mut (0..header.len())),
            LEVEL_NAMES
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Without a header, comma-separated rows whose values are written with decimal commas split
/// into more fields than there are columns: AutoEq's grid as `20,7,76` (20 Hz, 7.76 dB) reads as
/// 20 Hz, 7 dB and a third column. Refused (line, problem) when rows disagree in their number of
/// values (`1000,0,06` beside `2000,1`), or when every row has three (four: the frequency's
/// decimals split off too, `22,44,0,07`) and the last is a decimal part, not a column: the second and third values have no decimal point, every third is
/// unsigned digits, and one has a leading zero (`06`) or all have the same number of digits
/// (`7,4`, `-9,7`: levels to one decimal, which never show a leading zero). A real third column
/// (phase in degrees, as REW writes) has signs or decimal points, and whole numbers of one width
/// throughout are no plausible measurement column; the frequency may have a decimal point
/// (`20.00,7,37`).
fn decimal_commas_without_header(rows: &[(usize, &str)]) -> Result<(), (usize, String)> {
    let hint = "decimal commas? With those, separate the columns with `;` or tabs";
    fn values(row: &str) -> Vec<&str> {
        split(row, ',')
            .into_iter()
            .filter(|c| !c.is_empty())
            .collect()
    }
    let Some(&(first_line, first)) = rows.first() else {
        return Ok(());
    };
    let n = values(first).len();
    for &(line, row) in rows {
        let m = values(row).len();
        if m != n {
            return Err((
                line,
                format!("{m} values where line {first_line} has {n}: {hint}"),
            ));
        }
    }
    // Three values: the level's decimal part split off; four: the frequency's too (`22,44,0,07`).
    let ordinal = match n {
        3 => "third",
        4 => "fourth",
        _ => return Ok(()),
    };
    let levels = rows.iter().map(|&(_, row)| values(row));
    if levels
        .clone()
        .any(|v| v[1..].iter().any(|c| c.contains('.')))
    {
        return Ok(());
    }
    let lasts: Vec<(usize, &str)> = rows
        .iter()
        .zip(levels)
        .map(|(&(line, _), v)| (line, v[n - 1].trim_matches('"')))
        .collect();
    // `lasts` is never empty (`rows` is not); a decimal part is never signed.
    if !lasts
        .iter()
        .all(|(_, t)| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
    {
        return Ok(());
    }
    let (first_line, width) = (lasts[0].0, lasts[0].1.len());
    let (line, why) = match lasts
        .iter()
        .find(|(_, t)| t.len() > 1 && t.starts_with('0'))
    {
        Some(&(line, t)) => (line, format!("'{t}' has a leading zero")),
        None if lasts.iter().all(|(_, t)| t.len() == width) => (
            first_line,
            match width {
                1 => format!("every {ordinal} value has one digit"),
                _ => format!("every {ordinal} value has {width} digits"),
            },
        ),
        None => return Ok(()),
    };
    Err((
        line,
        format!(
            "the {ordinal} values are decimal parts, not a column (no sign or decimal point, and \
             {why}): {hint}"
        ),
    ))
}

/// A header's column names, unquoted. Separated by spaces, a unit in brackets belongs to the name
/// before it: `Frequency (Hz) SPL (dB)` names two columns, not four.
fn names(header: &str, sep: char) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for c in split(header, sep).into_iter().map(|c| c.trim_matches('"')) {
        match names.last_mut() {
            Some(name) if sep == ' ' && c.starts_with(['(', '[']) => {
                name.push(' ');
                name.push_str(c);
            }
            _ => names.push(c.to_string()),
        }
    }
    names
}

fn split(line: &str, sep: char) -> Vec<&str> {
    if sep == ' ' {
        line.split_whitespace().collect()
    } else {
        line.split(sep).map(str::trim).collect()
    }
}

/// A finite number; with `;` or tab separators a decimal comma is accepted (`20,5`).
fn number(s: &str, sep: char) -> Option<f64> {
    let s = s.trim().trim_matches('"');
    let v = if sep != ',' && s.contains(',') {
        s.replace(',', ".").parse::<f64>().ok()?
    } else {
        s.parse::<f64>().ok()?
    };
    v.is_finite().then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Measurement, MeasurementError> {
        parse(text, Path::new("m.csv"))
    }

    fn rows(n: usize, f: impl Fn(f64, f64) -> String) -> String {
        (0..n)
            .map(|i| f(20.0 * 1.5f64.powi(i as i32), i as f64 * 0.5))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn reads_the_autoeq_format_and_its_variants() {
        let plain = format!("frequency,raw\n{}", rows(12, |f, v| format!("{f},{v}")));
        let m = p(&plain).unwrap();
        assert_eq!(m.freqs_hz.len(), 12);
        assert_eq!((m.freqs_hz[1], m.db[1]), (30.0, 0.5));
        // AutoEq result files: raw is not the 2nd column everywhere.
        let more = format!(
            "frequency,smoothed,raw,error\n{}",
            rows(12, |f, v| format!("{f},99,{v},7"))
        );
        assert_eq!(p(&more).unwrap(), m);
        // Quoted names: `"raw"` is the level, not the last column (a flat target was fitted).
        let quoted = format!(
            "\"frequency\",\"raw\",\"target (dB)\"\n{}",
            rows(12, |f, v| format!("\"{f}\",\"{v}\",\"0\""))
        );
        assert_eq!(p(&quoted).unwrap(), m);
        // Excel's separator line before the header, quoted or not.
        let excel = format!(
            "sep=;\nFrequency;Raw\n{}",
            rows(12, |f, v| format!("{f};{v}").replace('.', ","))
        );
        assert_eq!(p(&excel).unwrap(), m);
        assert_eq!(p(&excel.replacen("sep=;", "\"sep=;\"", 1)).unwrap(), m);
        let no_header = rows(12, |f, v| format!("{f}\t{v}"));
        assert_eq!(p(&no_header).unwrap(), m);
        let semi = format!(
            "Freq;SPL\n{}",
            rows(12, |f, v| format!("{f};{v}").replace('.', ","))
        );
        assert_eq!(p(&semi).unwrap(), m);
        let rew = format!(
            "* Measurement data\n* Freq(Hz) SPL(dB) Phase(degrees)\n{}",
            rows(12, |f, v| format!("{f} {v} 0.0"))
        );
        assert_eq!(p(&rew).unwrap(), m);
        let named = format!("Hz,magnitude\n{}", rows(12, |f, v| format!("{f},{v}")));
        assert_eq!(p(&named).unwrap(), m);
        // Units in brackets after spaced names were names of their own: `(dB)` a second level
        // column, refused as ambiguous.
        for header in ["Frequency (Hz) SPL (dB)", "Frequency [Hz]  Magnitude [dB]"] {
            let spaced = format!("{header}\n{}", rows(12, |f, v| format!("{f} {v}")));
            assert_eq!(p(&spaced).unwrap(), m, "{header}");
        }
        let phase = format!(
            "Freq (Hz) SPL (dB) Phase (deg)\n{}",
            rows(12, |f, v| format!("{f} {v} 10.5"))
        );
        assert_eq!(p(&phase).unwrap(), m);
    }

    #[test]
    fn absurd_levels_and_a_band_not_covered_are_refused() {
        let huge = format!(
            "frequency,raw\n{}\n1e6,1e300",
            rows(12, |f, v| format!("{f},{v}"))
        );
        let e = p(&huge).unwrap_err().to_string();
        assert!(
            e.contains("line 14") && e.contains("not a sound level"),
            "{e}"
        );
        // Shown as 1e300, not as 301 digits.
        assert!(e.contains("level 1e300 dB") && e.len() < 120, "{e}");
        let far = format!(
            "frequency,raw\n{}\n1e308,0",
            rows(12, |f, v| format!("{f},{v}"))
        );
        let e = p(&far).unwrap_err().to_string();
        assert!(
            e.contains("line 14: frequency 1e308 Hz is not audio"),
            "{e}"
        );
        // A value more than the header names, all with decimal points, is a column without a
        // name, not decimal commas.
        let extra = format!(
            "frequency,raw\n{}",
            rows(12, |f, v| format!("{f:.2},{v:.2},-10.50"))
        );
        let e = p(&extra).unwrap_err().to_string();
        assert!(
            e.contains("line 2: 3 columns under a header of 2: name every column"),
            "{e}"
        );
        // A trailing comma is no extra column.
        let trailing = format!("frequency,raw\n{}", rows(12, |f, v| format!("{f},{v},")));
        assert_eq!(p(&trailing).unwrap().freqs_hz.len(), 12);
        // Decimal commas between comma separators: named as such, not as a frequency out of order.
        let e = p("frequency,raw\n20,00,10,06\n20,20,10,09\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 2: 4 columns under a header of 2: decimal commas?"),
            "{e}"
        );
        assert!(p(&format!(
            "frequency,raw\n{}\n1e6,-200",
            rows(12, |f, v| format!("{f},{v}"))
        ))
        .is_ok());
        // 20 Hz · 1.5^n: 20 Hz to 1.7 kHz (12 rows) does not reach 10 kHz.
        let m = p(&format!(
            "frequency,raw\n{}",
            rows(12, |f, v| format!("{f},{v}"))
        ))
        .unwrap();
        let e = m
            .check_covers((20.0, 10_000.0), Path::new("m.csv"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("m.csv: covers only 20 Hz to 1.7 kHz"), "{e}");
        // Half an octave short at each end is still covered.
        let near = Measurement {
            freqs_hz: vec![28.0, 100.0, 300.0, 1000.0, 3000.0, 7_100.0],
            db: vec![0.0; 6],
        };
        assert!(near
            .check_covers((20.0, 10_000.0), Path::new("m.csv"))
            .is_ok());
        let treble_only = Measurement {
            freqs_hz: vec![10_000.0, 20_000.0],
            db: vec![0.0; 2],
        };
        let e = treble_only
            .check_covers((20.0, 10_000.0), Path::new("m.csv"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("covers only 10 kHz to 20 kHz"), "{e}");
        // Frequencies in kHz (AutoEq's grid / 1000): the message suggests it.
        let khz = Measurement {
            freqs_hz: vec![0.02, 1.0, 19.96],
            db: vec![0.0; 3],
        };
        let e = khz
            .check_covers((20.0, 10_000.0), Path::new("m.csv"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("covers only 0.02 Hz to 20 Hz (frequencies in kHz? iemsim reads Hz)"),
            "{e}"
        );
        assert!(!near
            .check_covers((20.0, 100_000.0), Path::new("m.csv"))
            .unwrap_err()
            .to_string()
            .contains("kHz?"));
    }

    /// A hole inside the band is invented data too: no points from 200 Hz to 8 kHz was fitted
    /// (against the straight line across it). Octave-band data, a point an octave apart, pass;
    /// a hole outside the band does not matter.
    #[test]
    fn a_hole_inside_the_band_is_refused() {
        let octaves: Vec<f64> = (0..11).map(|k| 20.0 * 2f64.powi(k)).collect();
        let octave_bands = Measurement {
            db: vec![0.0; octaves.len()],
            freqs_hz: octaves,
        };
        assert!(octave_bands
            .check_covers((20.0, 10_000.0), Path::new("m.csv"))
            .is_ok());
        let hole = Measurement {
            freqs_hz: vec![20.0, 50.0, 100.0, 200.0, 8_000.0, 10_000.0, 20_000.0],
            db: vec![0.0; 7],
        };
        let e = hole
            .check_covers((20.0, 10_000.0), Path::new("m.csv"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("m.csv: has no points from 200 Hz to 8 kHz (5.33 octaves, more than 2)"),
            "{e}"
        );
        assert!(hole.check_covers((20.0, 150.0), Path::new("m.csv")).is_ok());
    }

    /// A header's names choose the frequency column as they choose the level's: `raw,frequency`
    /// read column 0 (the levels) as frequencies.
    #[test]
    fn header_names_choose_the_frequency_column_too() {
        let m = p(&format!(
            "frequency,raw\n{}",
            rows(12, |f, v| format!("{f},{v}"))
        ))
        .unwrap();
        let swapped = format!("raw,frequency\n{}", rows(12, |f, v| format!("{v},{f}")));
        assert_eq!(p(&swapped).unwrap(), m);
        let spl_first = format!("SPL;Freq(Hz)\n{}", rows(12, |f, v| format!("{v};{f}")));
        assert_eq!(p(&spl_first).unwrap(), m);
        // A level column without a level-like name: the one that is not the frequency.
        let unnamed = format!("left,Hz\n{}", rows(12, |f, v| format!("{v},{f}")));
        assert_eq!(p(&unnamed).unwrap(), m);
        let phase_between = format!("Hz,phase,dB\n{}", rows(12, |f, v| format!("{f},-45,{v}")));
        assert_eq!(p(&phase_between).unwrap(), m);
    }

    /// Without a header, `20,7,76` (AutoEq's grid written with decimal commas) read as 20 Hz and
    /// 7 dB, silently. Rows that disagree in their number of values are refused, and so are
    /// three-value rows whose third value is a decimal part; a real third column is read.
    #[test]
    fn decimal_commas_without_a_header_are_refused() {
        // As the tester's file holds them (AutoEq's rounded grid, 2 decimals).
        let autoeq = "20,7,76\n21,7,78\n22,7,86\n23,7,91\n998,-0,01\n1008,0,06\n\
            1019,0,12\n1136,1,00\n1148,1,09\n19956,-22,65\n";
        let e = p(autoeq).unwrap_err().to_string();
        assert!(
            e.contains("m.csv, line 5: the third values are decimal parts, not a column (no sign")
                && e.contains("'01' has a leading zero")
                && e.contains("decimal commas?"),
            "{e}"
        );
        // Frequencies and levels both with decimal commas: four values.
        let e = p("20,00,4,63\n22,44,0,07\n25,12,-1,50\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 2: the fourth values are decimal parts") && e.contains("'07'"),
            "{e}"
        );
        // Levels to one decimal show no leading zero, but every decimal part is one digit; the
        // frequency may have its own decimal point.
        for one in [
            "20,4,6\n50,2,1\n100,-1,5\n1000,0,0\n20000,-9,7\n",
            "20.00,7,37\n25.50,7,12\n",
        ] {
            let e = p(one).unwrap_err().to_string();
            assert!(
                e.contains("line 1: the third values are decimal parts"),
                "{e}"
            );
        }
        // A level that happens to be whole (`1000,5`) among the others.
        let mixed = "20,7,76\n21,7,78\n1000,5\n1100,5,12\n";
        let e = p(mixed).unwrap_err().to_string();
        assert!(
            e.contains("line 3: 2 values where line 1 has 3: decimal commas?"),
            "{e}"
        );
        // Legitimate three-column files (frequency, SPL, phase) are read, whole numbers too.
        let phase = rows(12, |f, v| format!("{f},{v},-12.5"));
        assert_eq!(p(&phase).unwrap().freqs_hz.len(), 12);
        let whole = (0..12)
            .map(|i| format!("{},{},{}", 20 * (i + 1), 80 + i, [-170, 5, 45, 120][i % 4]))
            .collect::<Vec<_>>()
            .join("\n");
        let m = p(&whole).unwrap();
        assert_eq!((m.freqs_hz[1], m.db[1]), (40.0, 81.0));
        // Two digits everywhere: decimal parts written to two places, though none of these has
        // a leading zero; whole numbers of one width are no measurement's column.
        let two = (0..12)
            .map(|i| format!("{},{},{}", 20 * (i + 1), 80 + i, 10 + i))
            .collect::<Vec<_>>()
            .join("\n");
        let e = p(&two).unwrap_err().to_string();
        assert!(e.contains("every third value has 2 digits"), "{e}");
    }

    /// A CR-only CSV (classic Mac OS) said "only 0 data points": one line, the header.
    #[test]
    fn cr_line_ends_end_lines() {
        let lf = format!("frequency,raw\n{}\n", rows(12, |f, v| format!("{f},{v}")));
        let m = p(&lf).unwrap();
        assert_eq!(p(&lf.replace('\n', "\r")).unwrap(), m);
        assert_eq!(p(&lf.replace('\n', "\r\n")).unwrap(), m);
        // Lines still count from 1 with CRs.
        let bad = lf.replace('\n', "\r").replacen("30,0.5", "30,x", 1);
        let e = p(&bad).unwrap_err().to_string();
        assert!(e.contains("m.csv, line 3: 'x' is not a level"), "{e}");
    }

    /// A WAV or a profile given as a measurement said "'\0WAVEfmt' is not a frequency" or
    /// "'Filter' is not a frequency"; now what the file is is named.
    #[test]
    fn audio_and_profiles_are_named_not_parsed() {
        let path = Path::new("x");
        let mut wav = b"RIFF\x24\0\0\0WAVEfmt \x10\0\0\0".to_vec();
        wav.extend([0u8; 64]);
        let e = parse_bytes(&wav, path).unwrap_err().to_string();
        assert!(
            e.starts_with("x: binary data (an audio file?), not a measurement"),
            "{e}"
        );
        for (text, what) in [
            (
                "Preamp: -6.2 dB\nFilter 1: ON PK Fc 100 Hz Gain 3 dB Q 1\n",
                "Equalizer APO",
            ),
            (
                "# made by hand\nFilter: ON PK Fc 100 Hz Gain 3 dB Q 1\n",
                "Equalizer APO",
            ),
            ("name = \"x\"\ndescription = \"y\"\n", "iemsim profile"),
            ("filters:\n  a:\n    type: Biquad\n", "CamillaDSP"),
            (
                "# Written by iemsim\ntitle: \"x\"\ndescription: \"\"\n",
                "CamillaDSP",
            ),
            ("GraphicEQ: 20 -2.0; 21 -2.1; 22 -2.2\n", "GraphicEQ"),
        ] {
            let e = p(text).unwrap_err().to_string();
            assert!(
                e.contains(what) && e.contains("not a measurement: a CSV"),
                "{e}"
            );
        }
        // A header that merely starts like a word of theirs is still a header.
        let csv = format!("frequency,raw\n{}\n", rows(12, |f, v| format!("{f},{v}")));
        assert!(p(&csv).is_ok());
    }

    /// A UTF-16 measurement said "'…' is not a frequency" (read as UTF-8); now it is named.
    #[test]
    fn utf16_is_refused_by_name() {
        let lf = format!("frequency,raw\n{}\n", rows(12, |f, v| format!("{f},{v}")));
        let path = Path::new("m.csv");
        for (bytes, enc) in [
            (
                lf.encode_utf16()
                    .flat_map(u16::to_le_bytes)
                    .collect::<Vec<u8>>(),
                "UTF-16 LE",
            ),
            (
                [0xfe, 0xff]
                    .into_iter()
                    .chain(lf.encode_utf16().flat_map(u16::to_be_bytes))
                    .collect(),
                "UTF-16 BE",
            ),
        ] {
            let e = parse_bytes(&bytes, path).unwrap_err().to_string();
            assert_eq!(
                e,
                format!("m.csv: is {enc} text, not UTF-8; save it as UTF-8 (in Notepad: Save As, Encoding: UTF-8)")
            );
        }
        assert_eq!(parse_bytes(lf.as_bytes(), path).unwrap(), p(&lf).unwrap());
    }

    /// `frequency,error,smoothed,target` (an AutoEq result without `raw`) fitted the `error`
    /// column, silently: several columns besides the frequency and no level's name among them
    /// is refused, naming them and the names taken.
    #[test]
    fn several_unnamed_level_columns_are_refused_naming_them() {
        let m = p(&format!(
            "frequency,raw\n{}",
            rows(12, |f, v| format!("{f},{v}"))
        ))
        .unwrap();
        let unnamed = format!(
            "frequency,error,smoothed,target\n{}",
            rows(12, |f, v| format!("{f},{v},1,2"))
        );
        let e = p(&unnamed).unwrap_err().to_string();
        assert!(
            e.starts_with(
                "m.csv, line 1: which column is the level? The header names `frequency`, \
                 `error`, `smoothed`, `target`, and none is `raw` or a level's name (one \
                 containing `spl`, `db`, `magnitude`, `amplitude`, `level`, `response`)"
            ),
            "{e}"
        );
        // With `raw` or a level's name among them, that one is read; one other column is it.
        let named = format!(
            "frequency,error,raw,target\n{}",
            rows(12, |f, v| format!("{f},7,{v},2"))
        );
        assert_eq!(p(&named).unwrap(), m);
        let spl = format!(
            "Hz;error;SPL(dB)\n{}",
            rows(12, |f, v| format!("{f};7;{v}"))
        );
        assert_eq!(p(&spl).unwrap(), m);
        let one = format!("frequency,left\n{}", rows(12, |f, v| format!("{f},{v}")));
        assert_eq!(p(&one).unwrap(), m);
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let bad = format!(
            "frequency,raw\n{}\n1e6,abc",
            rows(12, |f, v| format!("{f},{v}"))
        );
        let e = p(&bad).unwrap_err().to_string();
        assert!(e.contains("m.csv, line 14") && e.contains("'abc'"), "{e}");
        let desc = "frequency,raw\n20,1\n10,1";
        let e = p(desc).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("ascending"), "{e}");
        let e = p("frequency,raw\n20,1\n").unwrap_err().to_string();
        assert!(e.contains("only 1 data points"), "{e}");
        let e = p("").unwrap_err().to_string();
        assert!(e.contains("empty"), "{e}");
        let e = p("frequency\n20\n30").unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("columns"), "{e}");
    }

    /// Two level-like names and no `raw` (`Frequency (Hz),Target (dB),Measured SPL (dB)`): the
    /// first was fitted, here a flat target, with exit 0. Refused, naming both.
    #[test]
    fn several_level_names_without_raw_are_refused_naming_them() {
        let text = format!(
            "Frequency (Hz),Target (dB),Measured SPL (dB)\n{}",
            rows(12, |f, v| format!("{f},0,{v}"))
        );
        let e = p(&text).unwrap_err().to_string();
        assert!(
            e.contains("`Target (dB)`, `Measured SPL (dB)` all name a level"),
            "{e}"
        );
        // One of them named `raw` is the level.
        let text = format!(
            "Frequency (Hz),Target (dB),raw\n{}",
            rows(12, |f, v| format!("{f},0,{v}"))
        );
        assert!(p(&text).is_ok());
    }
}

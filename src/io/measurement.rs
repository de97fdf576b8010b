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
                path: path.to_path_buf(),
                source,
            }
        })?;
    let text = String::from_utf8_lossy(&bytes);
    parse(&text, path)
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
            return Ok(());
        }
        Err(MeasurementError::Data {
            path: path.to_path_buf(),
            problem: format!(
                "covers only {} to {}; a fit needs data over {} to {}",
                hz(lo),
                hz(hi),
                hz(band_hz.0),
                hz(band_hz.1)
            ),
        })
    }
}

/// `20 Hz`, `9.5 kHz`: a frequency as people write it.
fn hz(f: f64) -> String {
    if f >= 1000.0 {
        format!("{} kHz", (f / 100.0).round() / 10.0)
    } else {
        format!("{} Hz", f.round())
    }
}

/// Parses measurement text; `path` only names the source in errors.
pub fn parse(text: &str, path: &Path) -> Result<Measurement, MeasurementError> {
    let line_err = |line: usize, problem: String| MeasurementError::Line {
        path: path.to_path_buf(),
        line,
        problem,
    };
    let rows: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim().trim_start_matches('\u{feff}')))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#') && !l.starts_with('*'))
        .collect();
    let Some(&(_, first)) = rows.first() else {
        return Err(MeasurementError::Data {
            path: path.to_path_buf(),
            problem: "no data (empty file)".into(),
        });
    };
    let sep = separator(first);
    let header = split(first, sep);
    let has_header = header.first().is_some_and(|c| number(c, sep).is_none());
    let level_col = if has_header { level_column(&header) } else { 1 };
    let mut freqs_hz = Vec::with_capacity(rows.len());
    let mut db = Vec::with_capacity(rows.len());
    for &(line, row) in rows.iter().skip(usize::from(has_header)) {
        let cols = split(row, sep);
        // More values than the header names (a trailing empty field is no value): decimal commas.
        let values = cols.iter().filter(|c| !c.is_empty()).count();
        if has_header && sep == ',' && values > header.len() {
            return Err(line_err(
                line,
                format!(
                    "{values} columns under a header of {}: decimal commas? With those, separate \
                     the columns with `;` or tabs",
                    header.len()
                ),
            ));
        }
        if cols.len() <= level_col {
            return Err(line_err(
                line,
                format!(
                    "expected at least {} columns (frequency and level), found {}",
                    level_col + 1,
                    cols.len()
                ),
            ));
        }
        let f = number(cols[0], sep)
            .ok_or_else(|| line_err(line, format!("'{}' is not a frequency", cols[0])))?;
        let v = number(cols[level_col], sep)
            .ok_or_else(|| line_err(line, format!("'{}' is not a level in dB", cols[level_col])))?;
        if !(f > 0.0 && f.is_finite()) {
            return Err(line_err(
                line,
                format!("frequency {} is not positive", Num(f)),
            ));
        }
        if f > MAX_FREQ_HZ {
            return Err(line_err(
                line,
                format!("frequency {} Hz is not audio (above 1 MHz)", Num(f)),
            ));
        }
        if v.abs() > MAX_LEVEL_DB {
            return Err(line_err(
                line,
                format!(
                    "level {} dB is not a sound level (more than {MAX_LEVEL_DB} dB from 0)",
                    Num(v)
                ),
            ));
        }
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
        return Err(MeasurementError::Data {
            path: path.to_path_buf(),
            problem: format!(
                "only {} data points; a frequency response needs at least {MIN_POINTS}",
                freqs_hz.len()
            ),
        });
    }
    Ok(Measurement { freqs_hz, db })
}

fn separator(line: &str) -> char {
    [';', '\t', ',']
        .into_iter()
        .find(|c| line.contains(*c))
        .unwrap_or(' ')
}

/// Which column of a header holds the level: `raw` when named, else the first level-like name,
/// else the second.
fn level_column(header: &[&str]) -> usize {
    let names: Vec<String> = header.iter().map(|h| h.to_ascii_lowercase()).collect();
    names
        .iter()
        .position(|n| n == "raw")
        .or_else(|| {
            names.iter().position(|n| {
                ["spl", "db", "magnitude", "amplitude", "level", "response"]
                    .iter()
                    .any(|k| n.contains(k))
            })
        })
        .unwrap_or(1)
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
            freqs_hz: vec![28.0, 1000.0, 7_100.0],
            db: vec![0.0; 3],
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
}

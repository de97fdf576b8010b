//! A minimal frequency-response CSV reader for `show --measurement`: rows of `frequency,dB`
//! (AutoEq's `frequency,raw` and similar), header and comment lines skipped.
//!
//! Stand-in until the measurement reader of the per-IEM-profile work (`io::measurement`) lands:
//! that one knows AutoEq's variants and normalisation; swap this module for it.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum FrCsvError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: line {line}: expected `frequency,dB` with a positive frequency")]
    BadRow { path: PathBuf, line: usize },
    #[error("{path}: no `frequency,dB` rows")]
    Empty { path: PathBuf },
}

/// (Hz, dB) rows in file order.
pub fn read(path: &Path) -> Result<Vec<(f64, f64)>, FrCsvError> {
    let text = std::fs::read_to_string(path).map_err(|source| FrCsvError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text).map_err(|e| match e {
        Some(line) => FrCsvError::BadRow {
            path: path.to_path_buf(),
            line,
        },
        None => FrCsvError::Empty {
            path: path.to_path_buf(),
        },
    })
}

/// Rows of `text`; Err(Some(line)) for a malformed data row, Err(None) when there are none.
pub fn parse(text: &str) -> Result<Vec<(f64, f64)>, Option<usize>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        let header = line.starts_with(|c: char| c.is_alphabetic() || c == '"');
        if line.is_empty() || line.starts_with('#') || (header && out.is_empty()) {
            continue; // blank, comment, or header
        }
        let mut cols = line.split([',', ';', '\t']).map(str::trim);
        let f = cols.next().and_then(|c| c.parse::<f64>().ok());
        let db = cols.next().and_then(|c| c.parse::<f64>().ok());
        match (f, db) {
            (Some(f), Some(db)) if f > 0.0 && f.is_finite() && db.is_finite() => out.push((f, db)),
            _ => return Err(Some(i + 1)),
        }
    }
    if out.is_empty() {
        Err(None)
    } else {
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn autoeq_rows_and_errors() {
        assert_eq!(
            parse("frequency,raw\n20.00,5.21\n\n20.20,5.22\n"),
            Ok(vec![(20.0, 5.21), (20.2, 5.22)])
        );
        assert_eq!(parse("# c\n100;1.5\n"), Ok(vec![(100.0, 1.5)]));
        assert_eq!(parse("frequency,raw\n20,x\n"), Err(Some(2)));
        assert_eq!(parse("frequency,raw\n"), Err(None));
        assert_eq!(parse("frequency,raw\n-5,1\n"), Err(Some(2)));
    }
}

//! Frequency-response CSV files: read here, parsed by the pure [`crate::dsp::measurement`].

pub use crate::dsp::measurement::{parse, Measurement, MeasurementError, MIN_POINTS};
use std::path::Path;

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

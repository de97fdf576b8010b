//! Test helper: the bundled and fixture frequency-response CSVs read independently of the library
//! (`io::measurement`), and the deviation from the Harman in-ear 2019 v2 target computed the way the
//! profiles document it: each curve normalised to 0 dB over 500 Hz–2 kHz, then subtracted.
//!
//! Use it as `crate::common::measurements`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// `samples/measurements/` (targets, per-class IEM measurements).
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/measurements")
}

/// The Harman in-ear 2019 v2 target.
pub fn harman_in_ear() -> PathBuf {
    data_dir().join("targets/harman_in-ear_2019v2.csv")
}

/// (frequency Hz, level dB) rows of an AutoEq CSV (`frequency,raw` with a header line).
pub fn load(path: &Path) -> (Vec<f64>, Vec<f64>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let num = |v: Option<&str>, line: &str| -> f64 {
        v.and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("{}: bad row {line:?}", path.display()))
    };
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut it = l.split(',');
            (num(it.next(), l), num(it.next(), l))
        })
        .unzip()
}

/// `y` shifted so its mean over 500 Hz–2 kHz is 0 dB.
pub fn normalised(f: &[f64], y: &[f64]) -> Vec<f64> {
    let band: Vec<f64> = f
        .iter()
        .zip(y)
        .filter(|(f, _)| (500.0..=2000.0).contains(*f))
        .map(|(_, y)| *y)
        .collect();
    let mean = band.iter().sum::<f64>() / band.len() as f64;
    y.iter().map(|v| v - mean).collect()
}

/// A measurement's deviation from the Harman in-ear 2019 v2 target, both normalised (they must
/// share a frequency grid, as AutoEq's files do).
pub fn deviation(path: &Path) -> (Vec<f64>, Vec<f64>) {
    let (f, harman) = load(&harman_in_ear());
    let (f2, iem) = load(path);
    assert_eq!(
        f,
        f2,
        "{}: frequency grid differs from the target's",
        path.display()
    );
    let h = normalised(&f, &harman);
    let d = normalised(&f, &iem)
        .iter()
        .zip(&h)
        .map(|(a, b)| a - b)
        .collect();
    (f, d)
}

//! The charts commands draw: profile responses (`show --plot`, demo exports) and spectra
//! (`analyze --plot`, demo exports). Turns dsp results into `ui::plot`'s plain data and writes the
//! file atomically; shared here so the commands do not reach into each other.

use crate::dsp::Profile;
use crate::error::usage;
use crate::io::atomic::TempFile;
use crate::io::fr_csv;
use crate::ui::plot::{self, Chart, Curve, Format, Size, Style};
use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;

/// The Harman in-ear 2019 v2 target the profiles are deviations from (AutoEq, MIT), compiled in
/// so `--measurement` works from any folder.
const HARMAN_IE_2019: &str =
    include_str!("../../samples/measurements/targets/harman_in-ear_2019v2.csv");

/// Parses `--size`, with a message naming the limits.
pub fn parse_size(s: &str) -> Result<Size> {
    Size::parse(s).ok_or_else(|| {
        usage(format!(
            "--size '{s}': expected WIDTHxHEIGHT in pixels, from {}x{} to 4000x4000 (e.g. 1200x700)",
            Size::MIN.width,
            Size::MIN.height
        ))
    })
}

/// The chart format `path` asks for (checked before any work is done).
pub fn format_of(path: &Path) -> Result<Format> {
    Format::from_path(path).ok_or_else(|| {
        usage(format!(
            "{}: a chart is written as .png or .svg; name the file FILE.png or FILE.svg",
            path.display()
        ))
    })
}

/// Draws `chart` into `path` (PNG or SVG by its extension), replacing an existing file only once
/// the new one is complete.
pub fn write(path: &Path, chart: &Chart, size: Size) -> Result<()> {
    let format = format_of(path)?;
    let bytes = plot::render(chart, size, format)?;
    let cannot = |e: std::io::Error| usage(format!("{}: cannot write: {e}", path.display()));
    let (tmp, mut file) = TempFile::create(path).map_err(cannot)?;
    file.write_all(&bytes).map_err(cannot)?;
    file.sync_all().map_err(cannot)?;
    tmp.commit(true).map_err(cannot)
}

/// The dashed 0 dB line every response chart carries.
fn neutral_reference() -> Curve {
    Curve {
        label: "neutral (Harman IE 2019)".into(),
        points: vec![(plot::FREQ_LO_HZ, 0.0), (plot::FREQ_HI_HZ, 0.0)],
        style: Style::reference(),
    }
}

/// The responses of `profiles` at `rate` over the neutral reference. A profile with no filters
/// is the reference itself and gets no curve of its own.
pub fn responses(profiles: &[Profile], rate: f64, title: &str) -> Chart {
    let mut curves = vec![neutral_reference()];
    let drawn = profiles.iter().filter(|p| !p.filters.is_empty());
    for (i, p) in drawn.enumerate() {
        curves.push(Curve {
            label: p.name.clone(),
            points: p.response_curve(rate),
            style: Style::series(i),
        });
    }
    Chart {
        title: title.into(),
        subtitle: format!(
            "Magnitude response of each profile's filters, i.e. its deviation from the Harman in-ear 2019 target (computed at {} kHz)",
            rate / 1000.0
        ),
        y_label: "Gain re neutral (dB)".into(),
        y_range: None,
        curves,
    }
}

/// A measured response as its deviation from the Harman in-ear 2019 target, both normalised
/// to 0 dB mean over 500 Hz-2 kHz (how the built-in profiles were derived), drawn as series
/// `i`'s measurement. The hook for per-IEM profiles: their fitted curve beside the measured
/// deviation.
pub fn measured_deviation(path: &Path, i: usize) -> Result<Curve> {
    let measured = fr_csv::read(path).map_err(|e| usage(e.to_string()))?;
    let target = fr_csv::parse(HARMAN_IE_2019)
        .map_err(|_| anyhow::anyhow!("the bundled Harman target does not parse"))?;
    let m0 = mid_mean(&measured).with_context(|| {
        usage(format!(
            "{}: no points between 500 Hz and 2 kHz to align it by",
            path.display()
        ))
    })?;
    let t0 = mid_mean(&target).context("the bundled Harman target has no 500 Hz-2 kHz points")?;
    let points = measured
        .iter()
        .filter_map(|&(f, db)| interpolate(&target, f).map(|t| (f, (db - m0) - (t - t0))))
        .collect();
    let name = path.file_stem().map_or_else(
        || path.display().to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    Ok(Curve {
        label: format!("{name} (measured)"),
        points,
        style: Style::measured(i),
    })
}

fn mid_mean(pts: &[(f64, f64)]) -> Option<f64> {
    let mid: Vec<f64> = pts
        .iter()
        .filter(|p| (500.0..=2000.0).contains(&p.0))
        .map(|p| p.1)
        .collect();
    (!mid.is_empty()).then(|| mid.iter().sum::<f64>() / mid.len() as f64)
}

/// Linear interpolation in log frequency; `None` outside the curve.
fn interpolate(pts: &[(f64, f64)], f: f64) -> Option<f64> {
    let j = pts.iter().position(|p| p.0 >= f)?;
    if j == 0 {
        return ((pts[0].0 - f).abs() < 1e-9).then_some(pts[0].1);
    }
    let ((f0, v0), (f1, v1)) = (pts[j - 1], pts[j]);
    Some(v0 + (v1 - v0) * (f / f0).ln() / (f1 / f0).ln())
}

/// Long-term average spectra (label, (Hz, dB) points) on one chart, the first as the
/// unprocessed reference.
pub fn spectra(title: &str, subtitle: &str, series: &[(String, Vec<(f64, f64)>)]) -> Chart {
    let curves = series
        .iter()
        .enumerate()
        .map(|(i, (label, pts))| Curve {
            label: label.clone(),
            points: pts.clone(),
            style: if i == 0 {
                Style {
                    marker: plot::Marker::None,
                    ..Style::series(6)
                }
            } else {
                Style::series(i - 1)
            },
        })
        .collect();
    Chart {
        title: title.into(),
        subtitle: subtitle.into(),
        y_label: "Level (dB re FS² per Hz, 1/6-octave smoothed)".into(),
        y_range: spectrum_range(series),
        curves,
    }
}

/// From 60 dB below the loudest point to 5 dB above it: deep enough for the treble of most
/// music, without a silent channel's −∞ stretching the axis.
fn spectrum_range(series: &[(String, Vec<(f64, f64)>)]) -> Option<(f64, f64)> {
    let top = series
        .iter()
        .flat_map(|(_, p)| p.iter().map(|q| q.1))
        .filter(|v| v.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    top.is_finite().then(|| {
        let hi = ((top + 5.0) / 10.0).ceil() * 10.0;
        (hi - 70.0, hi)
    })
}

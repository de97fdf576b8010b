//! The charts commands draw: profile responses (`show --plot`, demo exports) and spectra
//! (`analyze --plot`, demo exports). Turns dsp results into `ui::plot`'s plain data and writes the
//! file atomically; shared here so the commands do not reach into each other.

use crate::dsp::Profile;
use crate::error::usage;
use crate::io::atomic::TempFile;
use crate::ui::plot::{self, Chart, Curve, Format, Size, Style};
use anyhow::Result;
use std::io::Write;
use std::path::Path;

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
    let drawn = profiles.iter().filter(|p| p.filter_count() > 0);
    let mut i = 0;
    for p in drawn {
        if !p.is_per_channel() {
            curves.push(Curve {
                label: p.name.clone(),
                points: p.response_curve(rate),
                style: Style::series(i),
            });
            i += 1;
            continue;
        }
        // A per-channel profile: one curve per channel.
        let grid: Vec<f64> = crate::dsp::response::curve(&[], rate)
            .iter()
            .map(|p| p.0)
            .collect();
        for c in p.distinct_channels() {
            curves.push(Curve {
                label: format!(
                    "{}, channel {}",
                    p.name,
                    crate::dsp::profile::channel_label(c)
                ),
                points: grid
                    .iter()
                    .copied()
                    .zip(p.channel_response_db(c, &grid, rate))
                    .collect(),
                style: Style::series(i),
            });
            i += 1;
        }
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

/// A measurement CSV (AutoEq's `frequency,raw` and its variants, read by `io::measurement`) as
/// its deviation from the Harman in-ear 2019 target, both normalised to 0 dB over 0.5-2 kHz: the
/// same `dsp::deviation` the per-IEM profiles are fitted to, drawn as series `i`'s measurement.
pub fn measured_deviation(path: &Path, i: usize) -> Result<Curve> {
    let m = crate::io::measurement::read(path)?;
    let t = crate::dsp::iems::parse_embedded(
        crate::dsp::iems::HARMAN_IN_EAR_2019_CSV,
        "samples/measurements/targets/harman_in-ear_2019v2.csv",
    )?;
    let (freqs, dev) = crate::dsp::deviation::deviation((&m.freqs_hz, &m.db), (&t.freqs_hz, &t.db));
    let name = path.file_stem().map_or_else(
        || path.display().to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    Ok(Curve {
        label: format!("{name} (measured)"),
        points: freqs.into_iter().zip(dev).collect(),
        style: Style::measured(i),
    })
}

/// For a per-IEM profile (`iem:...`), its measured deviation, to judge the fit by eye beside the
/// fitted curve; `None` for any other profile.
pub fn iem_measured_deviation(profile: &Profile, i: usize) -> Result<Option<Curve>> {
    let Some(iem) = crate::dsp::iems::by_name(&profile.name) else {
        return Ok(None);
    };
    let (freqs, dev) = crate::dsp::iems::measured_deviation(iem)?;
    Ok(Some(Curve {
        label: format!("{} (measured)", iem.model),
        points: freqs.into_iter().zip(dev).collect(),
        style: Style::measured(i),
    }))
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

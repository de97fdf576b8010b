//! The charts commands draw: profile responses (`show --plot`, demo exports) and spectra
//! (`analyze --plot`, demo exports). Turns dsp results into `ui::plot`'s plain data and writes the
//! file atomically; shared here so the commands do not reach into each other.

use crate::dsp::Profile;
use crate::error::Error;
use crate::error::Result;
use crate::ui::plot::{self, Chart, Curve, Format, Size, Style};
use std::path::Path;

/// Parses `--size`, with a message naming the limits.
pub fn parse_size(s: &str) -> Result<Size> {
    Size::parse(s).ok_or_else(|| {
        Error::usage("--size", format!(
            "--size '{s}': expected WIDTHxHEIGHT in pixels, from {}x{} to 4000x4000 (e.g. 1200x700)",
            Size::MIN.width,
            Size::MIN.height
        ))
    })
}

/// The chart format `path` asks for (checked before any work is done).
pub fn format_of(path: &Path) -> Result<Format> {
    Format::from_path(path).ok_or_else(|| {
        Error::usage(
            "--plot",
            format!(
                "{}: a chart is written as .png or .svg; name the file FILE.png or FILE.svg",
                path.display()
            ),
        )
    })
}

/// Refuses, before any work, a chart file that cannot or may not be written: an existing file
/// without `replace` (`--force`), anything but a regular file even with it (a FIFO, a device, a
/// link to one), a missing or read-only folder; as export refuses its outputs.
pub fn check_destination(path: &Path, replace: bool) -> Result<()> {
    format_of(path)?;
    crate::io::sink_types::check_destination(path, replace)?;
    Ok(())
}

/// Draws `chart` into `path` (PNG or SVG by its extension), written to a temporary file and named
/// when complete: an existing file is replaced (only a regular one) only with `replace`, and
/// one that appeared meanwhile is not.
pub fn write(path: &Path, chart: &Chart, size: Size, replace: bool) -> Result<()> {
    // A PNG carries iemsim's mark, as its audio outputs do: a demo export run again replaces
    // its own charts and refuses someone's picture that only has a chart's name.
    write_marked(path, chart, (size, &crate::io::tags::mark()), replace)
}

/// [`write`], a PNG marked with `software` (a demo's charts name the demo: `demo::demo_mark`).
pub fn write_marked(
    path: &Path,
    chart: &Chart,
    (size, software): (Size, &str),
    replace: bool,
) -> Result<()> {
    let format = format_of(path)?;
    let bytes = plot::render(chart, size, format, software)?;
    if format == Format::Png {
        warn_missing_glyphs(path, chart);
    }
    let exists = "exists (it appeared while the chart was drawn); use --force to replace it";
    super::write_atomic(path, &bytes, replace, Some(exists))
}

/// Says once, on stderr, which characters of a PNG chart's text its font cannot draw (they come
/// out as empty boxes: CJK, emoji...), and that an SVG chart keeps them.
fn warn_missing_glyphs(path: &Path, chart: &Chart) {
    let missing = plot::missing_glyphs(chart);
    if missing.is_empty() {
        return;
    }
    let shown: String = missing.iter().take(8).collect();
    let more = if missing.len() > 8 { "…" } else { "" };
    crate::io::diag::diag!(
        "iemsim: warning: {}: the chart's font has no glyph for {shown}{more}, drawn as empty boxes; \
         a .svg chart keeps them",
        path.display()
    );
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
/// is the reference itself and gets no curve of its own, but keeps its place in the colour
/// order: profile `i` of a run is drawn in [`Style::series`]`(i)` on every chart of that run
/// (responses, its measurement, the spectra after it), so one colour means one profile.
pub fn responses(profiles: &[Profile], rate: f64, title: &str) -> Chart {
    let mut curves = vec![neutral_reference()];
    let drawn = profiles
        .iter()
        .enumerate()
        .filter(|(_, p)| p.filter_count() > 0);
    for (i, p) in drawn {
        if !p.is_per_channel() {
            curves.push(Curve {
                label: p.name.clone(),
                points: p.response_curve(rate),
                style: Style::series(i),
            });
            continue;
        }
        // A per-channel profile: one curve per channel, in the profile's colour (the first
        // solid with its markers, the others dashed without: where the channels agree, the same
        // markers a little apart along the curve looked like a glitch).
        let grid = p.curve_grid(rate);
        for (k, c) in p.distinct_channels().enumerate() {
            let style = channel_style(k, Style::series(i));
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
                style,
            });
        }
    }
    Chart {
        title: title.into(),
        subtitle: format!(
            "Magnitude response of each profile's filters, i.e. its deviation from the Harman in-ear 2019 target ({})",
            computed_at(rate)
        ),
        y_label: "Gain re neutral (dB)".into(),
        y_range: None,
        curves,
    }
}

/// "computed at 48 kHz"; below 40 kHz also where the profiles' curves end: at 8 kHz they
/// stopped at 4 kHz on a 20 kHz axis with nothing saying why.
fn computed_at(rate: f64) -> String {
    let at = format!("computed at {} kHz", rate / 1000.0);
    if rate / 2.0 < 20_000.0 {
        format!("{at}: no audio above {} kHz", rate / 2000.0)
    } else {
        at
    }
}

/// What a profile's curve, column or side is called when it plays through a headphone
/// correction: `NAME + headphone EQ` (`show --plot`, `analyze`, the demos alike).
pub const THROUGH_HEADPHONES: &str = " + headphone EQ";

/// Relabels a [`responses`] chart whose profiles play through the headphone correction `hp`:
/// the title, the subtitle and every profile's curve say so. Without it a curve holding the
/// correction's bump read "neutral", under a subtitle calling it the profile's deviation from
/// the target.
pub fn through_headphones(
    chart: &mut Chart,
    hp: &crate::profiles::headphones::Correction,
    rate: f64,
) {
    chart.title.push_str(THROUGH_HEADPHONES);
    chart.subtitle = format!(
        "Every curve as it plays: through the headphone correction {} ({})",
        hp.profile.name,
        computed_at(rate)
    );
    for curve in chart.curves.iter_mut().skip(1) {
        curve.label.push_str(THROUGH_HEADPHONES);
    }
}

/// A measurement CSV (AutoEq's `frequency,raw` and its variants, read by `io::measurement`) as
/// its deviation from `target` (`harman-in-ear-2019`, `harman-over-ear-2018` for headphones, or
/// a target CSV), both normalised to 0 dB over 0.5-2 kHz: the same `dsp::deviation` the
/// per-IEM profiles are fitted to, drawn as series `i`'s measurement.
pub fn measured_deviation(path: &Path, target: &str, i: usize) -> Result<Curve> {
    let m = crate::io::measurement::read(path)?;
    // As `fit` asks of it: a measurement of 5-20 kHz only was drawn held flat below 5 kHz, and
    // normalised over 0.5-2 kHz on that invented stretch.
    m.check_covers(crate::dsp::deviation::ERROR_BAND_HZ, path)?;
    let t = crate::profiles::headphones::target_measurement(target)?;
    let (freqs, dev) = crate::dsp::deviation::deviation((&m.freqs_hz, &m.db), (&t.freqs_hz, &t.db));
    let name = path.file_stem().map_or_else(
        || path.display().to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    Ok(Curve {
        label: format!("{name} (measured, re {target})"),
        points: freqs.into_iter().zip(dev).collect(),
        style: Style::measured(i),
    })
}

/// `curve` as heard through `correction` (the correction's response at `rate` added to every
/// point, as a cascade adds in dB), relabelled so the chart says so: a measurement drawn beside
/// profiles that play through a headphone correction must carry it too, or like is not
/// compared with like. A per-channel correction gives one curve per channel (its own filters and
/// gain), drawn as the profiles' channels are (the first solid, the others dashed): their mean
/// was drawn, which no channel plays.
pub fn through_correction(curve: Curve, correction: &Profile, rate: f64) -> Vec<Curve> {
    let freqs: Vec<f64> = curve.points.iter().map(|p| p.0).collect();
    let head = match curve.label.strip_suffix(')') {
        Some(head) => format!("{head}, + headphone EQ"),
        None => format!("{} (+ headphone EQ", curve.label),
    };
    let shifted = |add: Vec<f64>, label: String, style: Style| Curve {
        label,
        points: curve
            .points
            .iter()
            .zip(add)
            .map(|(p, a)| (p.0, p.1 + a))
            .collect(),
        style,
    };
    if !correction.is_per_channel() {
        let label = match curve.label.strip_suffix(')') {
            Some(_) => format!("{head})"),
            None => format!("{} + headphone EQ", curve.label),
        };
        return vec![shifted(
            correction.response_db(&freqs, rate),
            label,
            curve.style,
        )];
    }
    correction
        .distinct_channels()
        .enumerate()
        .map(|(k, c)| {
            let style = channel_style(k, curve.style);
            // The channel right after the name: a long label is shortened in its middle, and
            // the channel was what went ("…(measured, + headp… (clipped < -12 dB)" twice).
            let ch = crate::dsp::profile::channel_label(c);
            let label = match curve.label.rfind(" (measured") {
                Some(at) => format!("{}, channel {ch}{}", &curve.label[..at], &head[at..]) + ")",
                None => format!("{head}, channel {ch})"),
            };
            shifted(
                correction.channel_response_db(c, &freqs, rate),
                label,
                style,
            )
        })
        .collect()
}

/// The style of channel `k` of a curve drawn per channel in `style`: the first as it is, the
/// others dashed without markers; but a measurement stays dotted (dashed is a profile's channel:
/// the two looked the same) and its other channels wear crosses.
fn channel_style(k: usize, style: Style) -> Style {
    match (k, style.line) {
        (0, _) => style,
        (_, plot::Line::Dotted) => Style {
            marker: plot::Marker::Cross,
            ..style
        },
        _ => Style {
            line: plot::Line::Dashed,
            marker: plot::Marker::None,
            ..style
        },
    }
}

/// For a per-IEM profile (`iem:...`), its measured deviation, to judge the fit by eye beside the
/// fitted curve; `None` for any other profile.
pub fn iem_measured_deviation(profile: &Profile, i: usize) -> Result<Option<Curve>> {
    let Some(iem) = crate::profiles::iems::by_name(&profile.name) else {
        return Ok(None);
    };
    let (freqs, dev) = crate::profiles::iems::measured_deviation(iem)?;
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
                    colour: plot::INPUT_BLACK,
                    marker: plot::Marker::None,
                    ..Style::series(0)
                }
            } else {
                Style::series(i - 1)
            },
        })
        .collect();
    Chart {
        title: title.into(),
        subtitle: subtitle.into(),
        y_label: "Power density (dB re FS²/Hz, 1/6-octave smoothed)".into(),
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

//! The drawing itself, one generic function for both backends so PNG and SVG look the same.

use super::{Chart, Curve, Line, Marker, PlotError, Rgb, Size};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::sync::OnceLock;

/// The frequency axis: the audible range.
pub const FREQ_LO_HZ: f64 = 20.0;
pub const FREQ_HI_HZ: f64 = 20_000.0;

/// Labelled frequencies: the 1-2-5 series a reader expects on an audio chart.
const LABELS_HZ: [f64; 10] = [
    20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10_000.0, 20_000.0,
];
/// ISO 266 octave-band centres: the light vertical grid.
const OCTAVES_HZ: [f64; 10] = [
    31.5, 63.0, 125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0, 16_000.0,
];
const DECADES_HZ: [f64; 3] = [100.0, 1000.0, 10_000.0];

static EMBEDDED_FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
const FAMILY: &str = "sans-serif";

fn register_font() -> Result<(), PlotError> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE.get_or_init(|| {
        plotters::style::register_font(FAMILY, FontStyle::Normal, EMBEDDED_FONT).is_ok()
    });
    ok.then_some(()).ok_or(PlotError::Font)
}

/// Where the data is drawn, in pixels, and the value range it shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlotArea {
    /// Left and right pixel columns of the plotting area (20 Hz and 20 kHz).
    pub x0: i32,
    pub x1: i32,
    /// Top and bottom pixel rows (`y_hi` and `y_lo`).
    pub y0: i32,
    pub y1: i32,
    pub y_lo: f64,
    pub y_hi: f64,
    /// Value between horizontal grid lines.
    pub y_step: f64,
}

/// Pixels scale with the chart's size relative to the default 1200 × 700.
fn scale(size: Size) -> f64 {
    (f64::from(size.width) / 1200.0)
        .min(f64::from(size.height) / 700.0)
        .max(0.4)
}

fn px(v: f64, s: f64) -> i32 {
    (v * s).round() as i32
}

/// The plotting area of `chart` drawn at `size`; the legend takes the right-hand column.
pub fn plot_area(chart: &Chart, size: Size) -> PlotArea {
    let s = scale(size);
    let (w, h) = (size.width as i32, size.height as i32);
    let top = px(
        if chart.subtitle.is_empty() {
            70.0
        } else {
            96.0
        },
        s,
    );
    let legend = legend_width(chart, s);
    let (y_lo, y_hi, y_step) = y_range(chart);
    PlotArea {
        x0: px(70.0, s),
        x1: w - legend - px(20.0, s),
        y0: top,
        y1: h - px(56.0, s),
        y_lo,
        y_hi,
        y_step,
    }
}

/// The legend column's width: the longest label at the legend font, plus the line sample.
fn legend_width(chart: &Chart, s: f64) -> i32 {
    let longest = chart
        .curves
        .iter()
        .map(|c| c.label.chars().count())
        .max()
        .unwrap_or(0);
    // DejaVu Sans averages about 0.55 em per character.
    let text = (longest as f64 * 0.55 * 17.0 * s) as i32;
    (px(70.0, s) + text).clamp(px(120.0, s), px(360.0, s))
}

/// The farthest from 0 dB an axis reaches. A measurement may hold anything (1e15 dB took the grid
/// loop forever); what lies beyond is drawn off the chart.
const Y_LIMIT_DB: f64 = 1000.0;

/// The grid step of a value range: the smallest 1-2-5 step (…, 1, 2, 5, 10, 20, …) that divides
/// `span` into at most 12 parts, in constant time whatever the span.
pub(crate) fn grid_step(span: f64) -> f64 {
    let span = if span.is_finite() {
        span.max(1e-9)
    } else {
        2.0 * Y_LIMIT_DB
    };
    let raw = span / 12.0;
    let mag = 10f64.powf(raw.log10().floor().max(0.0));
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|&st| span / st <= 12.0)
        .unwrap_or(10.0 * mag)
}

/// The value range: fixed, or the curves' range within 20 Hz-20 kHz (and at least ±5) rounded
/// out to grid steps; never beyond ±[`Y_LIMIT_DB`], and at most 12 grid steps.
fn y_range(chart: &Chart) -> (f64, f64, f64) {
    let (lo, hi) = chart.y_range.unwrap_or_else(|| {
        let vals = chart.curves.iter().flat_map(|c| {
            c.points
                .iter()
                .filter(|(f, v)| v.is_finite() && (FREQ_LO_HZ..=FREQ_HI_HZ).contains(f))
                .map(|&(_, v)| v)
        });
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in vals {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if !lo.is_finite() {
            return (-6.0, 6.0);
        }
        // At least ±5 dB around 0 so a 1 dB wiggle does not fill the chart, and 0 always shows.
        (lo.min(-5.0) - 1.0, hi.max(5.0) + 1.0)
    });
    let clamp = |v: f64| v.clamp(-Y_LIMIT_DB, Y_LIMIT_DB);
    let (lo, hi) = (clamp(lo), clamp(hi).max(clamp(lo) + 1e-9));
    let step = grid_step(hi - lo);
    let (lo, hi) = if chart.y_range.is_some() {
        (lo, hi)
    } else {
        ((lo / step).floor() * step, (hi / step).ceil() * step)
    };
    (lo, hi, step)
}

fn colour((r, g, b): Rgb) -> RGBColor {
    RGBColor(r, g, b)
}

fn font(size_px: f64, c: RGBColor) -> TextStyle<'static> {
    (FAMILY, size_px).into_font().color(&c)
}

fn hz_label(f: f64) -> String {
    if f >= 1000.0 {
        format!("{}k", f / 1000.0)
    } else {
        format!("{f}")
    }
}

fn err<E: std::fmt::Debug>(e: E) -> PlotError {
    PlotError::Draw(format!("{e:?}"))
}

pub fn rgb(chart: &Chart, size: Size) -> Result<Vec<u8>, PlotError> {
    let mut buf = vec![255u8; size.width as usize * size.height as usize * 3];
    {
        let root =
            BitMapBackend::with_buffer(&mut buf, (size.width, size.height)).into_drawing_area();
        draw(&root, chart, size)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

pub fn svg(chart: &Chart, size: Size) -> Result<String, PlotError> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (size.width, size.height)).into_drawing_area();
        draw(&root, chart, size)?;
        root.present().map_err(err)?;
    }
    Ok(out)
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
    size: Size,
) -> Result<(), PlotError> {
    register_font()?;
    let s = scale(size);
    let a = plot_area(chart, size);
    let ink = RGBColor(40, 40, 40);
    root.fill(&WHITE).map_err(err)?;

    // Title, subtitle, value-axis label.
    let centre = (a.x0 + a.x1) / 2;
    let top = Pos::new(HPos::Center, VPos::Top);
    root.draw_text(
        &chart.title,
        &font(26.0 * s, ink).pos(top),
        (centre, px(14.0, s)),
    )
    .map_err(err)?;
    if !chart.subtitle.is_empty() {
        root.draw_text(
            &chart.subtitle,
            &font(16.0 * s, RGBColor(90, 90, 90)).pos(top),
            (centre, px(48.0, s)),
        )
        .map_err(err)?;
    }
    let bottom_left = Pos::new(HPos::Left, VPos::Bottom);
    root.draw_text(
        &chart.y_label,
        &font(16.0 * s, ink).pos(bottom_left),
        (px(12.0, s), a.y0 - px(16.0, s)),
    )
    .map_err(err)?;

    let (w, h) = (size.width as i32, size.height as i32);
    let lx = |f: f64| f.log10();
    let mut cc = ChartBuilder::on(root)
        .margin_left(a.x0 as u32)
        .margin_right((w - a.x1) as u32)
        .margin_top(a.y0 as u32)
        .margin_bottom((h - a.y1) as u32)
        .build_cartesian_2d(lx(FREQ_LO_HZ)..lx(FREQ_HI_HZ), a.y_lo..a.y_hi)
        .map_err(err)?;
    let grid = |g: u8| ShapeStyle::from(&RGBColor(g, g, g)).stroke_width(1);

    // Horizontal grid and value labels.
    let n_steps = ((a.y_hi - a.y_lo) / a.y_step).round() as i64;
    let signed = a.y_lo < 0.0 && a.y_hi > 0.0;
    for i in 0..=n_steps {
        let v = a.y_lo + i as f64 * a.y_step;
        let g = if v.abs() < 1e-9 { 150 } else { 225 };
        cc.draw_series(std::iter::once(PathElement::new(
            vec![(lx(FREQ_LO_HZ), v), (lx(FREQ_HI_HZ), v)],
            grid(g),
        )))
        .map_err(err)?;
        let (_, py) = cc.backend_coord(&(lx(FREQ_LO_HZ), v));
        let text = if signed && v > 0.0 {
            format!("+{v}")
        } else {
            format!("{v}")
        };
        root.draw_text(
            &text,
            &font(15.0 * s, ink).pos(Pos::new(HPos::Right, VPos::Center)),
            (a.x0 - px(8.0, s), py),
        )
        .map_err(err)?;
    }
    // Vertical grid: octave lines light, decade lines darker; ticks and labels on the 1-2-5 series.
    for (freqs, g) in [(&OCTAVES_HZ[..], 232u8), (&DECADES_HZ[..], 175u8)] {
        for &f in freqs {
            cc.draw_series(std::iter::once(PathElement::new(
                vec![(lx(f), a.y_lo), (lx(f), a.y_hi)],
                grid(g),
            )))
            .map_err(err)?;
        }
    }
    for &f in &LABELS_HZ {
        let (x, _) = cc.backend_coord(&(lx(f), a.y_lo));
        root.draw(&PathElement::new(
            vec![(x, a.y1), (x, a.y1 + px(6.0, s))],
            ShapeStyle::from(&ink).stroke_width(1),
        ))
        .map_err(err)?;
        root.draw_text(
            &hz_label(f),
            &font(15.0 * s, ink).pos(top),
            (x, a.y1 + px(9.0, s)),
        )
        .map_err(err)?;
    }
    root.draw_text(
        "Frequency (Hz)",
        &font(16.0 * s, ink).pos(top),
        (centre, a.y1 + px(30.0, s)),
    )
    .map_err(err)?;
    root.draw(&Rectangle::new(
        [(a.x0, a.y0), (a.x1, a.y1)],
        ShapeStyle::from(&RGBColor(120, 120, 120)).stroke_width(1),
    ))
    .map_err(err)?;

    // The curves, first to last (so the first series is under the rest), then the legend.
    let n_series = chart.curves.len().max(1);
    for (i, c) in chart.curves.iter().enumerate() {
        draw_curve(&mut cc, c, s)?;
        let marks = marker_points(c, i, n_series, &a);
        for p in marks {
            draw_marker(root, cc.backend_coord(&(lx(p.0), p.1)), c, s)?;
        }
    }
    draw_legend(root, chart, &a, s)
}

fn line_style(c: &Curve, s: f64) -> ShapeStyle {
    ShapeStyle::from(&colour(c.style.colour))
        .stroke_width(((f64::from(c.style.width)) * s).round().max(1.0) as u32)
}

/// Runs of finite points inside the axis, in (log10 f, value) coordinates.
fn runs(c: &Curve) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for &(f, v) in &c.points {
        if f > 0.0 && f.is_finite() && v.is_finite() {
            if let Some(last) = out.last_mut() {
                last.push((f.log10(), v));
            }
        } else if out.last().is_some_and(|r| !r.is_empty()) {
            out.push(Vec::new());
        }
    }
    out.retain(|r| r.len() > 1);
    out
}

fn draw_curve<DB: DrawingBackend>(
    cc: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    c: &Curve,
    s: f64,
) -> Result<(), PlotError> {
    let style = line_style(c, s);
    for run in runs(c) {
        match c.style.line {
            Line::Solid => {
                cc.draw_series(std::iter::once(PathElement::new(run, style)))
                    .map_err(err)?;
            }
            Line::Dashed => {
                cc.draw_series(DashedLineSeries::new(
                    run,
                    px(10.0, s).max(2) as u32,
                    px(7.0, s).max(2) as u32,
                    style,
                ))
                .map_err(err)?;
            }
            Line::Dotted => {
                let r = (f64::from(c.style.width) * s / 2.0).round().max(1.0) as u32;
                let fill = colour(c.style.colour).filled();
                cc.draw_series(DottedLineSeries::new(
                    run,
                    0u32,
                    px(6.0, s).max(2) as u32,
                    move |p| Circle::new(p, r, fill),
                ))
                .map_err(err)?;
            }
        }
    }
    Ok(())
}

/// Marker positions: four per decade, staggered between series so markers do not sit on each
/// other, at the curve's value there (interpolated in log frequency).
fn marker_points(c: &Curve, i: usize, n: usize, a: &PlotArea) -> Vec<(f64, f64)> {
    if c.style.marker == Marker::None {
        return Vec::new();
    }
    let per_decade = 4.0;
    let offset = (i as f64 + 0.5) / n as f64;
    let decades = (FREQ_HI_HZ / FREQ_LO_HZ).log10();
    let mut out = Vec::new();
    let mut k = 0.0;
    while (k + offset) / per_decade < decades {
        let f = FREQ_LO_HZ * 10f64.powf((k + offset) / per_decade);
        if let Some(v) = interpolate(&c.points, f) {
            if (a.y_lo..=a.y_hi).contains(&v) {
                out.push((f, v));
            }
        }
        k += 1.0;
    }
    out
}

fn interpolate(points: &[(f64, f64)], f: f64) -> Option<f64> {
    let j = points.iter().position(|&(pf, _)| pf >= f)?;
    let (f1, v1) = points[j];
    if j == 0 {
        return ((f1 - f).abs() < 1e-9 && v1.is_finite()).then_some(v1);
    }
    let (f0, v0) = points[j - 1];
    let t = (f / f0).ln() / (f1 / f0).ln();
    let v = v0 + t * (v1 - v0);
    v.is_finite().then_some(v)
}

fn draw_marker<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    c: &Curve,
    s: f64,
) -> Result<(), PlotError> {
    let col = colour(c.style.colour);
    let r = px(6.0, s).max(3);
    let fill = col.filled();
    let outline = ShapeStyle::from(&col).stroke_width(px(2.5, s).max(1) as u32);
    match c.style.marker {
        Marker::None => Ok(()),
        Marker::Circle => root.draw(&Circle::new((x, y), r, fill)),
        Marker::Square => root.draw(&Rectangle::new(
            [(x - r + 1, y - r + 1), (x + r - 1, y + r - 1)],
            fill,
        )),
        Marker::Triangle => root.draw(&Polygon::new(
            vec![(x, y - r - 1), (x + r, y + r - 1), (x - r, y + r - 1)],
            fill,
        )),
        Marker::Diamond => root.draw(&Polygon::new(
            vec![
                (x, y - r - 1),
                (x + r + 1, y),
                (x, y + r + 1),
                (x - r - 1, y),
            ],
            fill,
        )),
        Marker::Cross => root
            .draw(&PathElement::new(
                vec![(x - r, y - r), (x + r, y + r)],
                outline,
            ))
            .and_then(|_| {
                root.draw(&PathElement::new(
                    vec![(x - r, y + r), (x + r, y - r)],
                    outline,
                ))
            }),
    }
    .map_err(err)
}

/// The legend: one row per curve in the right-hand column, a line sample in the curve's style
/// (with its marker) and the label.
fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
    a: &PlotArea,
    s: f64,
) -> Result<(), PlotError> {
    let x = a.x1 + px(20.0, s);
    let row = px(30.0, s);
    let sample = px(44.0, s);
    for (i, c) in chart.curves.iter().enumerate() {
        let y = a.y0 + px(12.0, s) + i as i32 * row;
        let style = line_style(c, s);
        match c.style.line {
            Line::Solid => root
                .draw(&PathElement::new(vec![(x, y), (x + sample, y)], style))
                .map_err(err)?,
            Line::Dashed => {
                let (dash, gap) = (px(10.0, s), px(7.0, s));
                let mut x0 = x;
                while x0 < x + sample {
                    let x1 = (x0 + dash).min(x + sample);
                    root.draw(&PathElement::new(vec![(x0, y), (x1, y)], style))
                        .map_err(err)?;
                    x0 = x1 + gap;
                }
            }
            Line::Dotted => {
                let r = (f64::from(c.style.width) * s / 2.0).round().max(1.0) as i32;
                let mut x0 = x + r;
                while x0 < x + sample {
                    root.draw(&Circle::new((x0, y), r, colour(c.style.colour).filled()))
                        .map_err(err)?;
                    x0 += px(6.0, s).max(2);
                }
            }
        }
        draw_marker(root, (x + sample / 2, y), c, s)?;
        root.draw_text(
            &c.label,
            &font(17.0 * s, RGBColor(40, 40, 40)).pos(Pos::new(HPos::Left, VPos::Center)),
            (x + sample + px(10.0, s), y),
        )
        .map_err(err)?;
    }
    Ok(())
}

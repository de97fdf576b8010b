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

/// The characters of `chart`'s text (title, subtitle, axis label, legend) that the embedded font
/// has no glyph for, each once in order of appearance: a PNG draws them as empty boxes (an SVG
/// names the text and leaves the glyphs to the viewer's fonts). Asked of the font itself, not
/// guessed by Unicode range.
pub fn missing_glyphs(chart: &Chart) -> Vec<char> {
    use ab_glyph::Font;
    let Ok(font) = ab_glyph::FontRef::try_from_slice(EMBEDDED_FONT) else {
        return Vec::new();
    };
    let labels = chart.curves.iter().map(|c| c.label.as_str());
    let texts = [&chart.title, &chart.subtitle, &chart.y_label].map(String::as_str);
    let mut missing = Vec::new();
    for c in texts.into_iter().chain(labels).flat_map(str::chars) {
        if !c.is_control() && font.glyph_id(c).0 == 0 && !missing.contains(&c) {
            missing.push(c);
        }
    }
    missing
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

/// Pixels scale with the chart's size relative to the default 1200 × 700: in proportion above it,
/// and as the square root of the ratio below it, so that text on a small chart stays readable
/// (a 480 × 300 chart's labels were 6 px in proportion; they are 10 px).
pub(super) fn scale(size: Size) -> f64 {
    let ratio = (f64::from(size.width) / 1200.0).min(f64::from(size.height) / 700.0);
    if ratio >= 1.0 {
        ratio
    } else {
        ratio.sqrt().max(0.4)
    }
}

fn px(v: f64, s: f64) -> i32 {
    (v * s).round() as i32
}

/// The plotting area of `chart` drawn at `size`; the legend takes the right-hand column.
pub fn plot_area(chart: &Chart, size: Size) -> PlotArea {
    let s = scale(size);
    let (w, h) = (size.width as i32, size.height as i32);
    let title_px = if chart.subtitle.is_empty() {
        70.0
    } else {
        96.0
    };
    let top = px(title_px, s) + subtitle_lines(chart, size, s).1;
    let (y_lo, y_hi, y_step) = y_range(chart);
    // The legend as drawn: with the clipping notes the labels may get.
    let legend = legend_width(&clip(chart, y_lo, y_hi).0, s);
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
    (px(70.0, s) + text).clamp(px(120.0, s), px(460.0, s))
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

/// Above this frequency a measurement says little about what is heard (coupler resonances,
/// insertion depth: AutoEq treats >10 kHz as low-confidence) and a roll-off there, such as
/// ER4SR's −30 dB at 20 kHz, must not decide the scale for the whole chart.
const RELIABLE_HI_HZ: f64 = 16_000.0;
/// How far values above [`RELIABLE_HI_HZ`] may go past the range below it before they are
/// clipped instead of stretching the axis.
const TOP_OCTAVE_SLACK_DB: f64 = 3.0;
/// No automatic range goes past ±this: beyond it the data is broken, not interesting, and the
/// grid must stay a dozen lines (a 1e15 dB level once meant 10^13 of them).
const MAX_ABS_DB: f64 = 60.0;

/// The value range: fixed, or the curves' robust range within 20 Hz-20 kHz (and at least ±5)
/// rounded out to grid steps (about 12, never beyond ±[`Y_LIMIT_DB`] even for a fixed range).
/// Robust: the range below 16 kHz, widened by what lies above only up to
/// [`TOP_OCTAVE_SLACK_DB`], and never past ±[`MAX_ABS_DB`]; what lies outside is clipped and
/// marked by [`clip`]. Constant work per point, whatever the values.
fn y_range(chart: &Chart) -> (f64, f64, f64) {
    let (lo, hi) = chart.y_range.unwrap_or_else(|| {
        let (core, top) = value_extents(chart);
        let Some((mut lo, mut hi)) = core.or(top) else {
            return (-6.0, 6.0);
        };
        if let (Some(_), Some((tlo, thi))) = (core, top) {
            lo = lo.min(tlo.max(lo - TOP_OCTAVE_SLACK_DB));
            hi = hi.max(thi.min(hi + TOP_OCTAVE_SLACK_DB));
        }
        // At least ±5 dB around 0 so a 1 dB wiggle does not fill the chart, and 0 always shows;
        // a dB of room, but never past ±MAX_ABS_DB (±61 dB rounded out to ±80).
        let room = |v: f64| v.clamp(-MAX_ABS_DB, MAX_ABS_DB);
        (room(lo.min(-5.0) - 1.0), room(hi.max(5.0) + 1.0))
    });
    let clamp = |v: f64| v.clamp(-Y_LIMIT_DB, Y_LIMIT_DB);
    let (lo, hi) = (clamp(lo), clamp(hi).max(clamp(lo) + 1e-9));
    let mut step = grid_step(hi - lo);
    if chart.y_range.is_some() {
        return (lo, hi, step);
    }
    // Rounded out to the gridlines, a span can need more than 12 of them (−17.5..+7.5 by 2 is
    // −18..+8, 13): then the next step, until it fits.
    let mut out = (lo, hi);
    for _ in 0..4 {
        out = ((lo / step).floor() * step, (hi / step).ceil() * step);
        if (out.1 - out.0) / step <= 12.0 + 1e-9 {
            break;
        }
        step = grid_step(out.1 - out.0 + step);
    }
    (out.0, out.1, step)
}

/// A (min, max) of values, if there were any.
type Extent = Option<(f64, f64)>;

/// The finite values' (min, max) from 20 Hz up to [`RELIABLE_HI_HZ`], and above it to 20 kHz.
/// Only a measurement (a dotted curve) is unreliable up there: a profile's own response is exact
/// at every frequency (an 18 kHz, +12 dB peak was clipped at +8).
fn value_extents(chart: &Chart) -> (Extent, Extent) {
    let (mut core, mut top): (Extent, Extent) = (None, None);
    let points = chart
        .curves
        .iter()
        .flat_map(|c| c.points.iter().map(|p| (*p, c.style.line == Line::Dotted)));
    for ((f, v), measured) in points {
        if !v.is_finite() || !(FREQ_LO_HZ..=FREQ_HI_HZ).contains(&f) {
            continue;
        }
        let slot = if f <= RELIABLE_HI_HZ || !measured {
            &mut core
        } else {
            &mut top
        };
        *slot = Some(slot.map_or((v, v), |(l, h)| (l.min(v), h.max(v))));
    }
    (core, top)
}

/// `chart` with every value clamped into `lo..=hi`, each curve that had to be clamped saying so
/// in its legend label, and the clamped points themselves (per curve, in (Hz, edge value)) for
/// the marks that show where a curve leaves the chart.
pub(super) fn clip(chart: &Chart, lo: f64, hi: f64) -> (Chart, Vec<Vec<(f64, f64)>>) {
    let mut out = chart.clone();
    let mut marks = Vec::with_capacity(out.curves.len());
    for c in &mut out.curves {
        let (mut below, mut above) = (false, false);
        let mut clamped = Vec::new();
        for p in c.points.iter_mut().filter(|p| p.1.is_finite()) {
            below |= p.1 < lo;
            above |= p.1 > hi;
            if !(lo..=hi).contains(&p.1) {
                p.1 = p.1.clamp(lo, hi);
                clamped.push(*p);
            }
        }
        let note = match (below, above) {
            (true, true) => Some(format!("clipped < {lo:+} and > {hi:+} dB")),
            (true, false) => Some(format!("clipped < {lo:+} dB")),
            (false, true) => Some(format!("clipped > {hi:+} dB")),
            (false, false) => None,
        };
        if let Some(note) = note {
            c.label = format!("{} ({note})", c.label);
        }
        marks.push(clamped);
    }
    (out, marks)
}

/// The subtitle as drawn (one line, or two when one would shrink it below 85 % of its size, as
/// legend labels do), and the height the second line adds above the plot.
pub(super) fn subtitle_lines(chart: &Chart, size: Size, s: f64) -> (Vec<(String, f64, i32)>, i32) {
    if chart.subtitle.is_empty() {
        return (Vec::new(), 0);
    }
    let width = f64::from(size.width) - 2.0 * 12.0 * s;
    let lines = label_lines(&chart.subtitle, 16.0 * s, width, 2.3 * 16.0 * s);
    let extra = match lines.as_slice() {
        [_, (_, size_px, _)] => (1.1 * size_px).round() as i32,
        _ => 0,
    };
    (lines, extra)
}

/// The largest font size up to `size_px` at which `text` fits in `width_px` (DejaVu Sans
/// averages about 0.55 em per character), but never below 60 % of it: a long title shrinks
/// instead of running off both edges of the chart.
fn fitting(size_px: f64, text: &str, width_px: f64) -> f64 {
    let chars = text.chars().count().max(1) as f64;
    (width_px / (chars * 0.55)).clamp(size_px * 0.6, size_px)
}

/// `text` as drawn at `size_px` in `width_px`: whole when it fits, else its start and its end
/// with "…" between, so a legend label keeps its "(clipped …)" note and a title its last name.
pub(super) fn elided(text: &str, size_px: f64, width_px: f64) -> String {
    let fits = (width_px / (size_px * 0.55)).floor().max(8.0) as usize;
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= fits {
        return text.to_string();
    }
    // The end kept is a clipping note, whole, or a third.
    let note = text
        .rfind(" (clipped")
        .map_or(0, |at| text[at..].chars().count());
    let tail = note.max((fits - 1) / 3).min((fits - 1) / 2);
    let head = fits - 1 - tail;
    let mut out: String = chars[..head].iter().collect();
    out.push('…');
    out.extend(&chars[chars.len() - tail..]);
    out
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
    let wh = (size.width, size.height);
    paint(BitMapBackend::with_buffer(&mut buf, wh), chart, size)?;
    Ok(buf)
}

/// Draws `chart` as an SVG document.
pub fn svg(chart: &Chart, size: Size) -> Result<String, PlotError> {
    let mut out = String::new();
    let wh = (size.width, size.height);
    paint(SVGBackend::with_string(&mut out, wh), chart, size)?;
    Ok(out)
}

/// Draws `chart` on `backend` and finishes it (the backend is dropped on return, which the SVG
/// backend needs to have written its document out).
fn paint<DB: DrawingBackend>(backend: DB, chart: &Chart, size: Size) -> Result<(), PlotError> {
    register_font()?;
    let root = backend.into_drawing_area();
    draw(&root, chart, size)
        .and_then(|()| root.present())
        .map_err(err)
}

/// The chart's coordinates: log10 frequency across, the value up.
type Axes<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// What drawing on a backend returns; [`err`] makes it a [`PlotError`] once, in [`paint`].
type Drawn<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Text and frame colour.
const INK: RGBColor = RGBColor(40, 40, 40);

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &Chart, size: Size) -> Drawn<DB> {
    let s = scale(size);
    let a = plot_area(chart, size);
    let (clipped, clip_marks) = clip(chart, a.y_lo, a.y_hi);
    // Markers stand on the data, never on a stretch clamped to the frame's edge (a marker on
    // the −70 dB edge read as a value of −70 dB where the curve was at −110).
    let unclipped = chart;
    let chart = &clipped;
    root.fill(&WHITE)?;
    draw_titles(root, chart, &a, size, s)?;

    let (w, h) = (size.width as i32, size.height as i32);
    let mut cc = ChartBuilder::on(root)
        .margin_left(a.x0 as u32)
        .margin_right((w - a.x1) as u32)
        .margin_top(a.y0 as u32)
        .margin_bottom((h - a.y1) as u32)
        .build_cartesian_2d(FREQ_LO_HZ.log10()..FREQ_HI_HZ.log10(), a.y_lo..a.y_hi)?;
    draw_value_grid(root, &mut cc, &a, s)?;
    draw_frequency_grid(root, &mut cc, &a, s)?;
    root.draw(&Rectangle::new(
        [(a.x0, a.y0), (a.x1, a.y1)],
        ShapeStyle::from(&RGBColor(120, 120, 120)).stroke_width(1),
    ))?;

    // The curves, first to last (so the first series is under the rest), then the legend.
    let n_series = chart.curves.len().max(1);
    for (i, c) in chart.curves.iter().enumerate() {
        draw_curve(&mut cc, c, s)?;
        let marks = marker_points(&unclipped.curves[i], i, n_series, &a);
        for p in marks {
            draw_marker(root, cc.backend_coord(&(p.0.log10(), p.1)), c, s)?;
        }
        draw_clip_marks(root, &cc, c, &clip_marks[i], &a, s)?;
    }
    draw_legend(root, chart, &a, s)
}

/// A grid line from `from` to `to` (in chart coordinates), `g` its grey.
fn grid_line<DB: DrawingBackend>(
    cc: &mut Axes<'_, DB>,
    from: (f64, f64),
    to: (f64, f64),
    g: u8,
) -> Drawn<DB> {
    let style = ShapeStyle::from(&RGBColor(g, g, g)).stroke_width(1);
    cc.draw_series(std::iter::once(PathElement::new(vec![from, to], style)))?;
    Ok(())
}

/// Title, subtitle and the value axis's label.
fn draw_titles<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
    a: &PlotArea,
    size: Size,
    s: f64,
) -> Drawn<DB> {
    let top = Pos::new(HPos::Center, VPos::Top);
    // Titles centre on the whole image: over the plot alone a long one runs off the left edge.
    let image_centre = size.width as i32 / 2;
    let width = f64::from(size.width) - 2.0 * 12.0 * s;
    let size_px = fitting(26.0 * s, &chart.title, width);
    root.draw_text(
        &elided(&chart.title, size_px, width),
        &font(size_px, INK).pos(top),
        (image_centre, px(14.0, s)),
    )?;
    let grey = RGBColor(90, 90, 90);
    match subtitle_lines(chart, size, s).0.as_slice() {
        [] => {}
        [(line, size_px, _)] => root.draw_text(
            line,
            &font(*size_px, grey).pos(top),
            (image_centre, px(48.0, s)),
        )?,
        lines => {
            let centre = Pos::new(HPos::Center, VPos::Center);
            for (line, size_px, dy) in lines {
                // The first line's top where a single line's is.
                let y = px(48.0, s) + dy.abs() + (size_px / 2.0).round() as i32 + dy;
                root.draw_text(line, &font(*size_px, grey).pos(centre), (image_centre, y))?;
            }
        }
    }
    let bottom_left = Pos::new(HPos::Left, VPos::Bottom);
    root.draw_text(
        &chart.y_label,
        &font(16.0 * s, INK).pos(bottom_left),
        (px(12.0, s), a.y0 - px(16.0, s)),
    )
}

/// Horizontal grid lines every `y_step` (the 0 line darker) and their value labels (signed
/// when the axis spans 0).
fn draw_value_grid<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    cc: &mut Axes<'_, DB>,
    a: &PlotArea,
    s: f64,
) -> Drawn<DB> {
    let n_steps = ((a.y_hi - a.y_lo) / a.y_step).round() as i64;
    let signed = a.y_lo < 0.0 && a.y_hi > 0.0;
    for i in 0..=n_steps {
        let v = a.y_lo + i as f64 * a.y_step;
        let g = if v.abs() < 1e-9 { 150 } else { 225 };
        grid_line(cc, (FREQ_LO_HZ.log10(), v), (FREQ_HI_HZ.log10(), v), g)?;
        let (_, py) = cc.backend_coord(&(FREQ_LO_HZ.log10(), v));
        let text = if signed && v > 0.0 {
            format!("+{v}")
        } else {
            format!("{v}")
        };
        root.draw_text(
            &text,
            &font(15.0 * s, INK).pos(Pos::new(HPos::Right, VPos::Center)),
            (a.x0 - px(8.0, s), py),
        )?;
    }
    Ok(())
}

/// Vertical grid: octave lines light, decade lines darker; ticks and labels on the 1-2-5
/// series, and the axis's name.
fn draw_frequency_grid<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    cc: &mut Axes<'_, DB>,
    a: &PlotArea,
    s: f64,
) -> Drawn<DB> {
    let top = Pos::new(HPos::Center, VPos::Top);
    // The light grid at the labelled frequencies (it stood at octave centres, 31.5…16k, so the
    // unlabelled line beside "200" was 250 Hz), the decades darker.
    for (freqs, g) in [(&LABELS_HZ[..], 232u8), (&DECADES_HZ[..], 175u8)] {
        for &f in freqs {
            grid_line(cc, (f.log10(), a.y_lo), (f.log10(), a.y_hi), g)?;
        }
    }
    for &f in &LABELS_HZ {
        let (x, _) = cc.backend_coord(&(f.log10(), a.y_lo));
        root.draw(&PathElement::new(
            vec![(x, a.y1), (x, a.y1 + px(6.0, s))],
            ShapeStyle::from(&INK).stroke_width(1),
        ))?;
        root.draw_text(
            &hz_label(f),
            &font(15.0 * s, INK).pos(top),
            (x, a.y1 + px(9.0, s)),
        )?;
    }
    let centre = (a.x0 + a.x1) / 2;
    root.draw_text(
        "Frequency (Hz)",
        &font(16.0 * s, INK).pos(top),
        (centre, a.y1 + px(30.0, s)),
    )
}

/// Small open triangles along the edge where `c` was clipped, pointing the way the data goes
/// (one every ~1/12 octave at most, so a long clipped stretch reads as a row of arrows).
fn draw_clip_marks<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    cc: &Axes<'_, DB>,
    c: &Curve,
    clamped: &[(f64, f64)],
    a: &PlotArea,
    s: f64,
) -> Drawn<DB> {
    // None before the first mark: `x - i32::MIN` overflowed, and in a release build wrapped
    // to a negative gap that skipped every mark.
    let mut last_x: Option<i32> = None;
    let r = px(6.0, s).max(3);
    let gap = px(16.0, s).max(6);
    for &(f, v) in clamped {
        if f <= 0.0 {
            continue;
        }
        let (x, y) = cc.backend_coord(&(f.log10(), v));
        if last_x.is_some_and(|l| x.saturating_sub(l) < gap) {
            continue;
        }
        last_x = Some(x);
        // A filled arrowhead inside the frame, its tip on the edge, pointing where the curve
        // went: an outline half under the line (or past the frame) was easily missed.
        let dir = if v <= a.y_lo { 1 } else { -1 };
        let base = y - dir * 2 * r;
        root.draw(&Polygon::new(
            vec![(x - r, base), (x, y), (x + r, base)],
            colour(c.style.colour).filled(),
        ))?;
    }
    Ok(())
}

fn line_style(c: &Curve, s: f64) -> ShapeStyle {
    ShapeStyle::from(&colour(c.style.colour))
        .stroke_width(((f64::from(c.style.width)) * s).round().max(1.0) as u32)
}

/// Runs of finite points inside the axis, in (log10 f, value) coordinates.
fn runs(c: &Curve) -> Vec<Vec<(f64, f64)>> {
    c.points
        .split(|&(f, v)| !(f > 0.0 && f.is_finite() && v.is_finite()))
        .filter(|run| run.len() > 1)
        .map(|run| run.iter().map(|&(f, v)| (f.log10(), v)).collect())
        .collect()
}

fn draw_curve<DB: DrawingBackend>(cc: &mut Axes<'_, DB>, c: &Curve, s: f64) -> Drawn<DB> {
    let style = line_style(c, s);
    for run in runs(c) {
        match c.style.line {
            Line::Solid => {
                for piece in hairpins_apart(cc, run) {
                    cc.draw_series(std::iter::once(PathElement::new(piece, style)))?;
                }
            }
            Line::Dashed => {
                cc.draw_series(DashedLineSeries::new(
                    run,
                    px(10.0, s).max(2) as u32,
                    px(7.0, s).max(2) as u32,
                    style,
                ))?;
            }
            Line::Dotted => {
                let r = (f64::from(c.style.width) * s / 2.0).round().max(1.0) as u32;
                let fill = colour(c.style.colour).filled();
                cc.draw_series(DottedLineSeries::new(
                    run,
                    0u32,
                    px(6.0, s).max(2) as u32,
                    move |p| Circle::new(p, r, fill),
                ))?;
            }
        }
    }
    Ok(())
}

/// `run` cut at its hairpin turns (an inner angle under 60° on the image: a narrow peak's tip):
/// a thick line joined there is mitred into a spike far past the point (a +20 dB peak at 1 kHz
/// grew a line down to −15 dB). The pieces meet at the point, each ending square.
fn hairpins_apart<DB: DrawingBackend>(
    cc: &Axes<'_, DB>,
    run: Vec<(f64, f64)>,
) -> Vec<Vec<(f64, f64)>> {
    let px = |p: &(f64, f64)| {
        let (x, y) = cc.backend_coord(p);
        (f64::from(x), f64::from(y))
    };
    let mut pieces = vec![Vec::new()];
    for (i, &p) in run.iter().enumerate() {
        if let Some(piece) = pieces.last_mut() {
            piece.push(p);
        }
        let (Some(before), Some(after)) = (i.checked_sub(1).map(|j| run[j]), run.get(i + 1)) else {
            continue;
        };
        let (o, a, b) = (px(&p), px(&before), px(after));
        let (u, w) = ((a.0 - o.0, a.1 - o.1), (b.0 - o.0, b.1 - o.1));
        let lengths = u.0.hypot(u.1) * w.0.hypot(w.1);
        if lengths > 0.0 && (u.0 * w.0 + u.1 * w.1) / lengths > 0.5 {
            pieces.push(vec![p]);
        }
    }
    pieces.retain(|p| p.len() > 1);
    pieces
}

/// Marker positions: four per decade, staggered between series so markers do not sit on each
/// other, at the curve's value there (interpolated in log frequency).
pub(super) fn marker_points(c: &Curve, i: usize, n: usize, a: &PlotArea) -> Vec<(f64, f64)> {
    if c.style.marker == Marker::None {
        return Vec::new();
    }
    let per_decade = 4.0;
    let offset = (i as f64 + 0.5) / n as f64;
    let decades = (FREQ_HI_HZ / FREQ_LO_HZ).log10();
    (0..)
        .map(|k| (f64::from(k) + offset) / per_decade)
        .take_while(|&d| d < decades)
        .map(|d| FREQ_LO_HZ * 10f64.powf(d))
        .filter_map(|f| Some((f, interpolate(&c.points, f)?)))
        .filter(|(_, v)| (a.y_lo..=a.y_hi).contains(v))
        .collect()
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
) -> Drawn<DB> {
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
        Marker::Cross => [(y - r, y + r), (y + r, y - r)]
            .into_iter()
            .try_for_each(|(y0, y1)| {
                root.draw(&PathElement::new(vec![(x - r, y0), (x + r, y1)], outline))
            }),
    }
}

/// The legend: one row per curve in the right-hand column, a line sample in the curve's style
/// (with its marker) and the label.
fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
    a: &PlotArea,
    s: f64,
) -> Drawn<DB> {
    let x = a.x1 + px(20.0, s);
    let (width, height) = root.dim_in_pixel();
    // Rows closer together (and their text smaller) when there are more than the column holds.
    let rows = chart.curves.len().max(1) as i32;
    let row = px(30.0, s)
        .min((height as i32 - a.y0 - px(24.0, s)) / rows)
        .max(4);
    let sample = px(44.0, s);
    let room = f64::from(width) - f64::from(x + sample + px(16.0, s));
    let base = (17.0 * s).min(f64::from(row) * 0.8);
    for (i, c) in chart.curves.iter().enumerate() {
        let y = a.y0 + px(12.0, s) + i as i32 * row;
        let style = line_style(c, s);
        match c.style.line {
            Line::Solid => root.draw(&PathElement::new(vec![(x, y), (x + sample, y)], style))?,
            Line::Dashed => {
                let (dash, gap) = (px(10.0, s), px(7.0, s));
                let mut x0 = x;
                while x0 < x + sample {
                    let x1 = (x0 + dash).min(x + sample);
                    root.draw(&PathElement::new(vec![(x0, y), (x1, y)], style))?;
                    x0 = x1 + gap;
                }
            }
            Line::Dotted => {
                let r = (f64::from(c.style.width) * s / 2.0).round().max(1.0) as i32;
                let mut x0 = x + r;
                while x0 < x + sample {
                    root.draw(&Circle::new((x0, y), r, colour(c.style.colour).filled()))?;
                    x0 += px(6.0, s).max(2);
                }
            }
        }
        draw_marker(root, (x + sample / 2, y), c, s)?;
        for (line, size_px, dy) in label_lines(&c.label, base, room, f64::from(row)) {
            root.draw_text(
                &line,
                &font(size_px, RGBColor(40, 40, 40)).pos(Pos::new(HPos::Left, VPos::Center)),
                (x + sample + px(10.0, s), y + dy),
            )?;
        }
    }
    Ok(())
}

/// A legend label as drawn: (text, font size, offset from the row's centre). Each label on its
/// own: one long label (a measurement through a correction) used to shrink every row's text, to
/// about 10 px. One line at the legend size when it fits; else two lines, split at the space
/// nearest the middle, when they are larger than one shrunk line would be and the row holds them;
/// else one line shrunk to 60 % at most, its middle elided.
pub(super) fn label_lines(label: &str, base: f64, room: f64, row: f64) -> Vec<(String, f64, i32)> {
    let chars = label.chars().count().max(1) as f64;
    let one = (room / (chars * 0.55)).min(base);
    if one >= base * 0.85 {
        return vec![(label.to_string(), one, 0)];
    }
    let half = label.chars().count() / 2;
    let split = label
        .char_indices()
        .filter(|(_, ch)| *ch == ' ')
        .map(|(at, _)| at)
        .min_by_key(|&at| label[..at].chars().count().abs_diff(half));
    if let Some(at) = split {
        let (first, second) = (label[..at].trim_end(), label[at..].trim_start());
        let longer = first.chars().count().max(second.chars().count()).max(1) as f64;
        let two = (room / (longer * 0.55)).min(base).min(row / 2.3);
        if two > one && two >= base * 0.6 {
            let dy = (two * 0.55).round() as i32;
            return vec![
                (elided(first, two, room), two, -dy),
                (elided(second, two, room), two, dy),
            ];
        }
    }
    let size = one.max(base * 0.6);
    vec![(elided(label, size, room), size, 0)]
}

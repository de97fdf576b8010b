//! The two magnitude responses overlaid on a log-frequency axis.
//!
//! ratatui's `Chart` is linear and spaces axis labels evenly, so the x data are log10(Hz) and the
//! decade labels (20, 100, 1k, 10k, 20k) are written by hand under the columns where those
//! frequencies land. The graph's left edge is found the way `Chart` lays itself out (ratatui-widgets
//! 0.3 `Chart::layout`): y-label width, then one column for the y axis.
//!
//! Under `NO_COLOR` (no-color.org; crossterm then drops every colour) the two sides are told apart
//! by shape, not only by weight: A stays a braille line, B becomes a row of `•` dots, dense when
//! it is live and sparse when not, and the title's legend uses the same two marks.

use super::widgets::{rounded, side_color};
use super::{Live, SideView};
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType};
use ratatui::Frame;

const F_LO: f64 = 20.0;
const F_HI: f64 = 20_000.0;
/// Tick frequencies and their labels.
const TICKS: [(f64, &str); 5] = [
    (20.0, "20"),
    (100.0, "100"),
    (1000.0, "1k"),
    (10_000.0, "10k"),
    (20_000.0, "20k"),
];
/// The y range always spans at least ±6 dB, so small deviations are not blown up to full height.
const MIN_SPAN_DB: f64 = 6.0;
/// Y-label column width (labels are right-aligned into it).
const Y_LABEL_W: usize = 4;

/// Points inside 20 Hz–20 kHz mapped to (log10 Hz, dB), non-finite dropped.
fn log_points(resp: &[(f64, f64)]) -> Vec<(f64, f64)> {
    resp.iter()
        .filter(|(f, db)| f.is_finite() && db.is_finite() && *f >= F_LO && *f <= F_HI)
        .map(|(f, db)| (f.log10(), *db))
        .collect()
}

/// y bounds: ±the data's largest deviation, at least 6 dB, rounded out to a multiple of 6 dB. The
/// three y labels (bottom, middle, top) are then whole numbers and the middle one is 0 dB, on the
/// row of the flat line: −6..+12 labelled its middle +3, and the few rows of a terminal put that
/// label on the row the 0 dB line was drawn on.
pub fn y_bounds(series: &[&[(f64, f64)]]) -> [f64; 2] {
    let ys = series.iter().flat_map(|s| s.iter().map(|p| p.1));
    let m = ys.fold(MIN_SPAN_DB, |m, y| m.max(y.abs()));
    let m = (m / 6.0).ceil() * 6.0;
    [-m, m]
}

/// How the two curves are told apart.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Ink {
    /// Side colours; both curves are braille lines.
    Color,
    /// No colours reach the terminal: B is drawn in dots.
    Shapes,
}

impl Ink {
    /// What the terminal will show: crossterm's own `NO_COLOR` rule (set and not empty), read once.
    pub fn from_env() -> Self {
        if crossterm::style::Colored::ansi_color_disabled_memoized() {
            Ink::Shapes
        } else {
            Ink::Color
        }
    }
}

/// Draws the response chart for `sides` into `area`; the live side's curve is thick and drawn
/// last (on top).
pub fn draw_response(frame: &mut Frame, area: Rect, sides: &[SideView; 2], live: Live) {
    draw_response_in(frame, area, sides, live, Ink::from_env());
}

/// [`draw_response`] with the ink given.
pub fn draw_response_in(
    frame: &mut Frame,
    area: Rect,
    sides: &[SideView; 2],
    live: Live,
    ink: Ink,
) {
    let pts: Vec<Vec<(f64, f64)>> = sides.iter().map(|s| log_points(s.response_db)).collect();
    let [y_lo, y_hi] = y_bounds(&[&pts[0], &pts[1]]);
    let zero = [(F_LO.log10(), 0.0), (F_HI.log10(), 0.0)];

    let side_live = |s: &SideView| s.label == live.letter();
    let live_idx = (0..2).find(|&i| side_live(&sides[i]));
    // Canvas cells carry only a colour (no bold), and each dataset is its own layer that replaces
    // the cells below it, so "bold" is one dataset drawn as a band three braille dots tall.
    // Inside the two borders, right of the y labels and the axis column.
    let graph_w = area.width.saturating_sub(Y_LABEL_W as u16 + 3).max(1);
    let graph_h = area.height.saturating_sub(4).max(1);
    let dot = (y_hi - y_lo) / (f64::from(graph_h) * 4.0 - 1.0).max(1.0);
    let dotted = |s: &SideView| ink == Ink::Shapes && s.label == 'B';
    // Dots one per cell column when live, one every fourth when not.
    let dots: Vec<Vec<(f64, f64)>> = (0..2)
        .map(|i| {
            let every = if Some(i) == live_idx { 1 } else { 4 };
            if dotted(&sides[i]) {
                columns(&pts[i], usize::from(graph_w), every)
            } else {
                Vec::new()
            }
        })
        .collect();
    let thick = live_idx
        .filter(|&i| !dotted(&sides[i]))
        .map(|i| band(&pts[i], 2 * usize::from(graph_w), dot))
        .unwrap_or_default();
    let mut datasets = vec![line(&zero, Color::DarkGray)];
    // The other side first, the live side last so it is on top where they cross.
    let order = (0..2).filter(|&i| Some(i) != live_idx).chain(live_idx);
    for i in order {
        let color = side_color_of(&sides[i]);
        datasets.push(if dotted(&sides[i]) {
            // A row of `•`, one per point (see [`columns`]).
            dataset(&dots[i], color, GraphType::Scatter, Marker::Dot)
        } else if Some(i) == live_idx {
            line(&thick, color)
        } else {
            line(&pts[i], color)
        });
    }

    let title = response_title(sides, area.width, &side_live, &dotted);
    let block = rounded(Style::new().fg(Color::DarkGray)).title(title);
    let inner = block.inner(area);
    let ylab = |v: f64| {
        let t = if v == 0.0 {
            String::from("0")
        } else {
            format!("{v:+.0}")
        };
        Line::from(format!("{t:>Y_LABEL_W$}"))
    };
    let chart = Chart::new(datasets)
        .block(block)
        .x_axis(
            Axis::default()
                .bounds([F_LO.log10(), F_HI.log10()])
                // Blank labels: reserve the label row (filled below) and draw the axis line.
                .labels(["", ""])
                .style(Style::new().fg(Color::DarkGray)),
        )
        .y_axis(
            Axis::default()
                .bounds([y_lo, y_hi])
                .labels([ylab(y_lo), ylab((y_lo + y_hi) / 2.0), ylab(y_hi)])
                .style(Style::new().fg(Color::DarkGray)),
        );
    frame.render_widget(chart, area);
    draw_x_labels(frame, inner);
}

/// A zigzag through `pts` (log10 Hz, dB) that, drawn as one line, fills a band ±`half` around the
/// curve: at each of `columns` evenly spaced x it goes from y-half to y+half (alternating
/// direction), so every braille column gets a vertical stroke.
fn band(pts: &[(f64, f64)], columns: usize, half: f64) -> Vec<(f64, f64)> {
    let (Some(first), Some(last)) = (pts.first(), pts.last()) else {
        return Vec::new();
    };
    let (x0, x1) = (F_LO.log10(), F_HI.log10());
    let mut out = Vec::with_capacity(2 * columns);
    let mut seg = 0;
    for k in 0..columns {
        let x = x0 + (x1 - x0) * k as f64 / (columns.max(2) - 1) as f64;
        if x < first.0 || x > last.0 {
            continue;
        }
        let y = interpolate(pts, &mut seg, x);
        let (lo, hi) = (y - half, y + half);
        let (a, b) = if k % 2 == 0 { (lo, hi) } else { (hi, lo) };
        out.extend([(x, a), (x, b)]);
    }
    out
}

/// The curve's y at `x` (linear between points), for ascending `x` across calls: `seg` is the
/// segment found last time. `pts` must not be empty.
fn interpolate(pts: &[(f64, f64)], seg: &mut usize, x: f64) -> f64 {
    if pts.len() == 1 {
        return pts[0].1;
    }
    while *seg + 1 < pts.len() - 1 && pts[*seg + 1].0 < x {
        *seg += 1;
    }
    let (a, b) = (pts[*seg], pts[*seg + 1]);
    let t = if b.0 > a.0 {
        (x - a.0) / (b.0 - a.0)
    } else {
        0.0
    };
    a.1 + t.clamp(0.0, 1.0) * (b.1 - a.1)
}

/// One point per `every`-th of `columns` cell columns, at the column's centre: drawn with
/// [`Marker::Dot`] that is one `•` per chosen cell along the curve.
fn columns(pts: &[(f64, f64)], columns: usize, every: usize) -> Vec<(f64, f64)> {
    let (Some(first), Some(last)) = (pts.first(), pts.last()) else {
        return Vec::new();
    };
    let (x0, x1) = (F_LO.log10(), F_HI.log10());
    let mut seg = 0;
    (0..columns.max(1))
        .step_by(every.max(1))
        .map(|c| x0 + (x1 - x0) * (c as f64 + 0.5) / columns.max(1) as f64)
        .filter(|&x| x >= first.0 && x <= last.0)
        .map(|x| (x, interpolate(pts, &mut seg, x)))
        .collect()
}

/// A braille line through the points.
fn line(data: &[(f64, f64)], color: Color) -> Dataset<'_> {
    dataset(data, color, GraphType::Line, Marker::Braille)
}

fn dataset(data: &[(f64, f64)], color: Color, kind: GraphType, marker: Marker) -> Dataset<'_> {
    Dataset::default()
        .data(data)
        .graph_type(kind)
        .marker(marker)
        .style(Style::new().fg(color))
}

fn side_color_of(s: &SideView) -> Color {
    side_color(if s.label == 'B' { Live::B } else { Live::A })
}

/// Writes the decade labels on the chart's bottom row (inside `inner`, the chart's block interior).
fn draw_x_labels(frame: &mut Frame, inner: Rect) {
    if inner.height < 3 || inner.width < 12 {
        return;
    }
    let y = inner.bottom() - 1;
    let left_w = (Y_LABEL_W as u16).min(inner.width / 3);
    let graph_left = inner.left() + left_w + 1;
    let graph_w = inner.right().saturating_sub(graph_left);
    if graph_w < 2 {
        return;
    }
    let span = F_HI.log10() - F_LO.log10();
    let buf = frame.buffer_mut();
    let mut free_from = inner.left();
    for (i, (f, label)) in TICKS.iter().enumerate() {
        let frac = (f.log10() - F_LO.log10()) / span;
        let col = graph_left + (frac * (graph_w - 1) as f64).round() as u16;
        let w = label.len() as u16;
        // First label starts at its tick, last ends at it, the others are centred on it.
        let x = if i == 0 {
            col
        } else if i == TICKS.len() - 1 {
            col + 1 - w
        } else {
            col.saturating_sub(w / 2)
        };
        if x < free_from || x + w > inner.right() {
            continue; // would overlap its neighbour: skip rather than garble
        }
        buf.set_string(x, y, label, Style::new().fg(Color::Gray));
        free_from = x + w + 1;
    }
}

/// " response ━ A ba ━ B dd (dB) ": each side's name in its colour (bold when live), cut with
/// "…" to what the border leaves it.
fn response_title(
    sides: &[SideView],
    width: u16,
    side_live: &dyn Fn(&SideView) -> bool,
    dotted: &dyn Fn(&SideView) -> bool,
) -> Line<'static> {
    let name_w = usize::from(width).saturating_sub(27) / 2;
    let mut spans = vec![Span::raw(" response ")];
    for s in sides {
        let mut st = Style::new().fg(side_color_of(s));
        if side_live(s) {
            st = st.bold();
        }
        let mark = if dotted(s) { '•' } else { '━' };
        spans.push(Span::styled(
            format!(
                "{mark} {} {} ",
                s.label,
                super::widgets::ellipsize(s.profile, name_w.max(4))
            ),
            st,
        ));
    }
    spans.push(Span::raw("(dB) "));
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The screen after drawing flat curves at +4 dB (A) and -4 dB (B).
    fn screen(live: Live, ink: Ink, w: u16, h: u16) -> ratatui::buffer::Buffer {
        let flat = |db: f64| -> Vec<(f64, f64)> {
            (0..=30)
                .map(|i| (20.0 * 1000f64.powf(i as f64 / 30.0), db))
                .collect()
        };
        let (ra, rb) = (flat(4.0), flat(-4.0));
        let side = |label, r| SideView {
            label,
            profile: "p",
            description: "",
            gain_db: 0.0,
            response_db: r,
        };
        let sides = [side('A', &ra), side('B', &rb)];
        super::super::testing::draw(w, h, |f| draw_response_in(f, f.area(), &sides, live, ink))
    }

    /// Lit braille dots per colour after drawing flat curves at +4 dB (A) and -4 dB (B).
    fn dots(live: Live, w: u16, h: u16) -> (u32, u32) {
        let buf = screen(live, Ink::Color, w, h);
        let count = |c: Color| -> u32 {
            buf.content()
                .iter()
                .filter(|cell| cell.fg == c)
                .filter_map(|cell| cell.symbol().chars().next())
                .filter(|ch| ('\u{2801}'..='\u{28FF}').contains(ch))
                .map(|ch| (ch as u32 - 0x2800).count_ones())
                .sum()
        };
        (count(side_color(Live::A)), count(side_color(Live::B)))
    }

    #[test]
    fn live_curve_is_three_dots_thick() {
        for (w, h) in [(80, 12), (120, 25)] {
            // One dot per braille column (2 per cell) for a flat line, three for the live one.
            let cols = 2 * (w as u32 - 2 - Y_LABEL_W as u32 - 1);
            assert_eq!(dots(Live::A, w, h), (3 * cols, cols), "{w}x{h}");
            assert_eq!(dots(Live::B, w, h), (cols, 3 * cols), "{w}x{h}");
        }
    }

    /// (cells showing `•` and the rows they are on, rows with lit braille, the title row).
    fn shapes(live: Live, ink: Ink, w: u16, h: u16) -> (usize, Vec<u16>, Vec<u16>, String) {
        let buf = screen(live, ink, w, h);
        let (mut dots, mut dot_rows, mut braille_rows) = (0, Vec::new(), Vec::new());
        for y in 1..h {
            for x in 0..w {
                let sym = buf[(x, y)].symbol();
                if sym == "•" {
                    dots += 1;
                    dot_rows.push(y);
                } else if sym.chars().any(|c| ('\u{2801}'..='\u{28FF}').contains(&c)) {
                    braille_rows.push(y);
                }
            }
        }
        dot_rows.dedup();
        braille_rows.sort_unstable();
        braille_rows.dedup();
        let title = (0..w).map(|x| buf[(x, 0)].symbol()).collect();
        (dots, dot_rows, braille_rows, title)
    }

    #[test]
    fn without_colour_the_sides_differ_by_shape() {
        let (w, h) = (80, 12);
        let cells = usize::from(w) - 2 - Y_LABEL_W - 1;
        for (live, want) in [(Live::A, cells.div_ceil(4)), (Live::B, cells)] {
            let (dots, dot_rows, braille_rows, title) = shapes(live, Ink::Shapes, w, h);
            // B is a row of dots below the 0 dB line, one per cell when live, every 4th when not;
            // A (+4 dB) and the 0 dB line stay braille, above the dots.
            assert_eq!(dots, want, "{live:?}");
            assert_eq!(dot_rows.len(), 1, "{live:?}: {dot_rows:?}");
            assert!(braille_rows.iter().all(|&r| r < dot_rows[0]), "{live:?}");
            assert!(
                title.contains("━ A p") && title.contains("• B p"),
                "{title}"
            );
        }
        // With colours, both are lines and the legend says so.
        let (dots, _, _, title) = shapes(Live::A, Ink::Color, w, h);
        assert_eq!(dots, 0);
        assert!(title.contains("━ B p"), "{title}");
    }

    #[test]
    fn y_range_has_a_floor_and_rounds_out() {
        assert_eq!(y_bounds(&[&[(1.0, 0.5)], &[(2.0, -1.0)]]), [-6.0, 6.0]);
        assert_eq!(y_bounds(&[&[(1.0, 7.0)], &[(2.0, -13.0)]]), [-18.0, 18.0]);
        assert_eq!(y_bounds(&[&[(1.0, 9.5)], &[(2.0, 0.0)]]), [-12.0, 12.0]);
        assert_eq!(y_bounds(&[&[], &[]]), [-6.0, 6.0]);
    }

    #[test]
    fn points_are_log_frequency_and_clipped_to_the_audio_band() {
        let p = log_points(&[
            (10.0, 1.0),
            (100.0, 2.0),
            (1000.0, f64::NAN),
            (10_000.0, 3.0),
            (40_000.0, 4.0),
        ]);
        assert_eq!(p, vec![(2.0, 2.0), (4.0, 3.0)]);
    }
}

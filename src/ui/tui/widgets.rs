//! Building blocks shared by the play and ABX screens: big letters, the position bar, the level
//! meter, status and key-hint lines, and the help popup.

use super::{Live, StatusView};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};
use ratatui::Frame;

/// Side colours: fixed per letter so the eye learns them; X has its own.
pub fn side_color(side: Live) -> Color {
    match side {
        Live::A => Color::Cyan,
        Live::B => Color::Magenta,
        Live::X => Color::Yellow,
    }
}

use crate::ui::fmt::{clock, clock_tenths};

/// A side's box: thick and bold in its colour when it is the one heard, else rounded and dim.
pub fn side_block(on: bool, color: Color) -> Block<'static> {
    if on {
        Block::bordered()
            .border_type(BorderType::Thick)
            .border_style(Style::new().fg(color).add_modifier(Modifier::BOLD))
    } else {
        rounded(Style::new().fg(Color::DarkGray))
    }
}

/// A box with rounded corners, its border in `border`.
pub fn rounded(border: Style) -> Block<'static> {
    Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(border)
}

/// Cuts `s` to at most `max` characters, marking the cut with '…'.
pub fn ellipsize(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// Block letters: 3 rows of half blocks (5 wide) for small terminals, 5 rows (10 wide) for big ones.
pub fn big_letter(side: Live, tall: bool) -> &'static [&'static str] {
    match (side, tall) {
        (Live::A, false) => &["▄▀▀▀▄", "█▄▄▄█", "█   █"],
        (Live::B, false) => &["█▀▀▀▄", "█▀▀▀▄", "█▄▄▄▀"],
        (Live::X, false) => &["▀▄ ▄▀", "  █  ", "▄▀ ▀▄"],
        (Live::A, true) => &[
            "  ██████  ",
            "██      ██",
            "██████████",
            "██      ██",
            "██      ██",
        ],
        (Live::B, true) => &[
            "████████  ",
            "██      ██",
            "████████  ",
            "██      ██",
            "████████  ",
        ],
        (Live::X, true) => &[
            "██      ██",
            "  ██  ██  ",
            "    ██    ",
            "  ██  ██  ",
            "██      ██",
        ],
    }
}

/// Draws `side`'s block letter centred in `area` (the taller font when it fits) above `caption`,
/// centred on the last row.
pub fn draw_big_letter(frame: &mut Frame, area: Rect, side: Live, style: Style, caption: Line) {
    let [area, row] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
    let tall = area.height >= 5 && area.width >= 10;
    let glyph = big_letter(side, tall);
    let lines: Vec<Line> = glyph.iter().map(|r| Line::from(*r)).collect();
    let h = glyph.len() as u16;
    let inner = area.centered_vertically(Constraint::Length(h.min(area.height)));
    frame.render_widget(Paragraph::new(lines).style(style).centered(), inner);
    frame.render_widget(caption.centered(), row);
}

/// One line: "1:23 / 4:56 ━━━━━●──[───]──" with the loop region highlighted and a pending loop
/// start marked, plus a loop summary when there is room.
pub fn position_line(
    width: u16,
    pos: f64,
    dur: f64,
    loop_s: Option<(f64, f64)>,
    pending: Option<f64>,
) -> Line<'static> {
    // The position can run a little past the end (the resampler's tail): never "0:25 / 0:24".
    let pos = if dur > 0.0 { pos.min(dur) } else { pos };
    let time = format!(" {} / {} ", clock(pos), clock(dur));
    let tail = match (loop_s, pending) {
        (Some((a, b)), _) => format!(" loop {}–{} ", clock_tenths(a), clock_tenths(b)),
        (None, Some(a)) => format!(" loop from {}… ", clock_tenths(a)),
        (None, None) => String::from(" "),
    };
    let w = width as usize;
    let fixed = time.chars().count() + tail.chars().count();
    let (bar_w, tail) = if w >= fixed + 10 {
        (w - fixed, tail)
    } else {
        (
            w.saturating_sub(time.chars().count() + 1),
            String::from(" "),
        )
    };
    let mut spans = vec![Span::styled(time, Style::new().bold())];
    let cell = |t: f64| -> usize {
        if dur > 0.0 && bar_w > 0 && t.is_finite() {
            (((t / dur).clamp(0.0, 1.0)) * (bar_w - 1) as f64).round() as usize
        } else {
            0
        }
    };
    let here = cell(pos);
    let loop_cells = loop_s.map(|(a, b)| (cell(a), cell(b)));
    let pending_cell = pending.map(cell);
    for i in 0..bar_w {
        let in_loop = loop_cells.is_some_and(|(a, b)| i >= a && i <= b);
        let (sym, mut style) = if i == here && dur > 0.0 {
            ("●", Style::new().fg(Color::White).bold())
        } else if loop_cells.is_some_and(|(a, _)| i == a) || pending_cell == Some(i) {
            ("[", Style::new().fg(Color::Green).bold())
        } else if loop_cells.is_some_and(|(_, b)| i == b) {
            ("]", Style::new().fg(Color::Green).bold())
        } else if i < here {
            ("━", Style::new().fg(Color::Blue))
        } else {
            ("─", Style::new().fg(Color::DarkGray))
        };
        if in_loop && sym != "●" {
            style = style.fg(Color::Green);
        }
        spans.push(Span::styled(sym, style));
    }
    spans.push(Span::styled(tail, Style::new().fg(Color::Green)));
    Line::from(spans)
}

/// Meter range: -60 dBFS (empty) to 0 dBFS (full).
const METER_FLOOR_DB: f64 = -60.0;

/// One meter row: "L ███████████░░░░░  -12.3 dBFS". Yellow above -12 dBFS, red above -3 dBFS —
/// the last few dB before the converter clips.
pub fn level_line(label: &str, dbfs: f64, width: u16) -> Line<'static> {
    let value = if dbfs.is_finite() && dbfs > -100.0 {
        format!(" {:>6} dBFS", crate::ui::fmt::level(dbfs))
    } else {
        String::from("   -inf dBFS")
    };
    let head = format!("{label} ");
    let bar_w = (width as usize).saturating_sub(head.chars().count() + value.chars().count());
    let mut spans = vec![Span::styled(head, Style::new().bold())];
    for i in 0..bar_w {
        // The level a cell stands for: its upper edge on the -60..0 scale.
        let cell_db = METER_FLOOR_DB * (1.0 - (i + 1) as f64 / bar_w as f64);
        let lit = dbfs.is_finite() && dbfs >= cell_db - METER_FLOOR_DB.abs() / bar_w as f64 / 2.0;
        let color = if cell_db > -3.0 {
            Color::Red
        } else if cell_db > -12.0 {
            Color::Yellow
        } else {
            Color::Green
        };
        spans.push(if lit {
            Span::styled("█", Style::new().fg(color))
        } else {
            Span::styled("░", Style::new().fg(Color::DarkGray))
        });
    }
    let value_style = if dbfs > -3.0 {
        Style::new().fg(Color::Red).bold()
    } else {
        Style::new()
    };
    spans.push(Span::styled(value, value_style));
    Line::from(spans)
}

/// "device · 48000 Hz · 512 frames · load 0.9% · underruns 0" (+ `extra`), cut to `width` by
/// shortening the device name first. Underruns turn red: they are audible clicks.
pub fn status_line(s: &StatusView, show_load: bool, extra: &str, width: u16) -> Line<'static> {
    let mut rest = format!(" · {} Hz · {} frames", s.rate_hz, s.buffer_frames);
    if show_load {
        rest.push_str(&format!(" · load {:.1}%", s.load_pct));
    }
    let under = format!(" · underruns {}", s.underruns);
    let extra = if extra.is_empty() {
        String::new()
    } else {
        format!(" · {extra}")
    };
    let used = 1 + rest.chars().count() + under.chars().count() + extra.chars().count();
    let dev_w = (width as usize).saturating_sub(used).max(8);
    let dim = Style::new().fg(Color::Gray);
    let under_style = if s.underruns > 0 {
        Style::new().fg(Color::Red).bold()
    } else {
        dim
    };
    Line::from(vec![
        Span::styled(format!(" {}", ellipsize(s.device, dev_w)), dim),
        Span::styled(rest, dim),
        Span::styled(under, under_style),
        Span::styled(extra, dim),
    ])
}

/// A key hint: key, label, and rank. When the row is too narrow the hints of the highest rank go
/// first, from the end; rank [`ALWAYS`] stays (help, quit, and on the ABX screen Enter and both
/// answers: dropping from the end alone split `A/1 X is A` from `B/2 X is B` and dropped Enter
/// before the listening hints).
pub type Hint = (&'static str, &'static str, u8);

/// The rank of a hint that is never dropped.
pub const ALWAYS: u8 = 0;

/// Columns of " key label  key label  " (a space, then each hint with two spaces after it).
fn hints_width(items: &[Hint]) -> usize {
    1 + items
        .iter()
        .map(|(k, l, _)| k.chars().count() + l.chars().count() + 3)
        .sum::<usize>()
}

/// The hints kept at `width`, in order: those of the highest rank go first, from the end, until
/// the rest fit; those of rank [`ALWAYS`] stay even when they do not.
fn kept_hints(items: &[Hint], width: u16) -> Vec<Hint> {
    let mut keep: Vec<bool> = vec![true; items.len()];
    let kept = |keep: &[bool]| -> Vec<Hint> {
        items
            .iter()
            .zip(keep)
            .filter(|(_, &k)| k)
            .map(|(i, _)| *i)
            .collect()
    };
    let mut drop_order: Vec<usize> = (0..items.len()).filter(|&i| items[i].2 != ALWAYS).collect();
    drop_order.sort_by_key(|&i| std::cmp::Reverse((items[i].2, i)));
    for i in drop_order {
        if hints_width(&kept(&keep)) <= width as usize {
            break;
        }
        keep[i] = false;
    }
    kept(&keep)
}

const HINT_KEY: Style = Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD);
const HINT_LABEL: Style = Style::new().fg(Color::Gray);

/// Key hints "key label  key label …", cut to `width` by rank (see [`Hint`]).
pub fn hints_line(items: &[Hint], width: u16) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    for (k, l, _) in kept_hints(items, width) {
        spans.push(Span::styled(k.to_string(), HINT_KEY));
        spans.push(Span::styled(format!(" {l}  "), HINT_LABEL));
    }
    Line::from(spans)
}

/// [`hints_line`] on as many rows of `width` as the hints of rank [`ALWAYS`] need: on one row
/// they were cut at the screen's edge when they did not fit (the ABX screen's below 39 columns,
/// `q quit` first). A hint goes whole to the next row; one wider than a row is wrapped at the
/// spaces of its label, its key kept with the first word. Where they fit, [`hints_line`]'s row.
pub fn hints_lines(items: &[Hint], width: u16) -> Vec<Line<'static>> {
    let kept = kept_hints(items, width);
    let w = usize::from(width);
    if hints_width(&kept) <= w + 2 {
        return vec![hints_line(items, width)];
    }
    let mut rows = Vec::new();
    let mut spans = vec![Span::raw(" ")];
    let mut col = 1;
    for (key, label, _) in kept {
        let whole = key.chars().count() + 1 + label.chars().count();
        if col > 1 && col + 2 + whole > w {
            rows.push(Line::from(std::mem::replace(
                &mut spans,
                vec![Span::raw(" ")],
            )));
            col = 1;
        } else if col > 1 {
            spans.push(Span::raw("  "));
            col += 2;
        }
        spans.push(Span::styled(key.to_string(), HINT_KEY));
        col += key.chars().count();
        for (i, word) in label.split(' ').enumerate() {
            let n = word.chars().count();
            if i > 0 && col + 1 + n > w {
                rows.push(Line::from(std::mem::replace(
                    &mut spans,
                    vec![Span::raw(" ")],
                )));
                spans.push(Span::styled(word.to_string(), HINT_LABEL));
                col = 1 + n;
            } else {
                spans.push(Span::styled(format!(" {word}"), HINT_LABEL));
                col += 1 + n;
            }
        }
    }
    rows.push(Line::from(spans));
    rows
}

/// The message row: a transient message, else the pending loop start waiting for its end, else
/// nothing.
pub fn message_line(
    message: Option<&str>,
    loop_pending_start: Option<f64>,
) -> Option<Line<'static>> {
    match (message, loop_pending_start) {
        (Some(m), _) => Some(Line::from(format!(" {m}")).style(Style::new().fg(Color::Yellow))),
        (None, Some(t)) => Some(
            Line::from(format!(
                " loop start marked at {} — press l again to mark the end",
                clock_tenths(t)
            ))
            .style(Style::new().fg(Color::Green)),
        ),
        (None, None) => None,
    }
}

/// Rows the message line takes at `width`: up to 3 for a long message (a refused profile's
/// line was cut off in mid-word at the screen's edge), else 1.
pub fn message_rows(message: Option<&str>, width: u16) -> u16 {
    let len = message.map_or(0, |m| crate::ui::fmt::columns(m) + 1);
    let width = usize::from(width.max(1));
    len.div_ceil(width).clamp(1, 3) as u16
}

/// Draws [`message_line`] into `area` (of [`message_rows`] rows), wrapped at words.
pub fn draw_message(frame: &mut Frame, area: Rect, message: Option<&str>, pending: Option<f64>) {
    if let Some(line) = message_line(message, pending) {
        frame.render_widget(Paragraph::new(line).wrap(Wrap { trim: false }), area);
    }
}

/// The help overlay: a bordered popup centred over `area`, clearing what is beneath it.
pub fn help_popup(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line>) {
    let content_w = lines.iter().map(Line::width).max().unwrap_or(0) as u16;
    let w = (content_w + 4)
        .min(area.width.saturating_sub(2))
        .max(20.min(area.width));
    let h = (lines.len() as u16 + 2).min(area.height);
    let popup = area.centered(Constraint::Length(w), Constraint::Length(h));
    frame.render_widget(Clear, popup);
    let block = rounded(Style::new().fg(Color::Yellow))
        .title(Line::from(format!(" {title} ")).bold())
        .title_bottom(Line::from(" ? or Esc closes ").right_aligned());
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        popup,
    );
}

/// Help rows: a key column as wide as the longest key plus two spaces, then the explanation, so
/// a long key ("↑ ↓, PgUp PgDn") never runs into its text and the explanations line up.
pub fn help_rows(rows: &[(&str, &str)]) -> Vec<Line<'static>> {
    let key_w = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0)
        + 2;
    rows.iter()
        .map(|(key, what)| {
            Line::from(vec![
                Span::styled(
                    format!(" {key:<key_w$}"),
                    Style::new().fg(Color::Yellow).bold(),
                ),
                Span::raw(what.to_string()),
            ])
        })
        .collect()
}

/// The header row: `title` (spans), then "· file" in gray, cut to the room left `slack` columns
/// short of the row, and the [`play_state`] badge at the right.
pub fn draw_header(
    frame: &mut Frame,
    area: Rect,
    mut title: Vec<Span<'static>>,
    slack: usize,
    file: &str,
    badge: Span<'static>,
) {
    let [left, right] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(badge.width() as u16)])
            .areas(area);
    let used: usize = title.iter().map(Span::width).sum();
    let room = (left.width as usize).saturating_sub(used + slack);
    title.push(Span::styled(
        format!("· {}", ellipsize(file, room)),
        Style::new().fg(Color::Gray),
    ));
    frame.render_widget(Line::from(title), left);
    frame.render_widget(Line::from(badge), right);
}

/// The "NO DEVICE" / "PAUSED" / "playing" badge: while a lost device is being opened again the
/// screen must not say "playing" (the message saying so is up for a few seconds only).
pub fn play_state(paused: bool, device_lost: bool) -> Span<'static> {
    let alert = |text, bg| Span::styled(text, Style::new().fg(Color::Black).bg(bg).bold());
    if device_lost {
        alert(" NO DEVICE: reopening ", Color::Red)
    } else if paused {
        alert(" PAUSED ", Color::Yellow)
    } else {
        Span::styled(" ▶ playing ", Style::new().fg(Color::Green))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(l: &Line) -> String {
        l.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn help_keys_get_a_column_as_wide_as_the_longest() {
        let long = "Ctrl-Shift-PageDown or F12"; // longer than the old fixed 16 columns
        let rows = help_rows(&[("q", "quit"), (long, "scroll far"), ("?", "help")]);
        let texts: Vec<String> = rows.iter().map(text).collect();
        let at: Vec<usize> = texts
            .iter()
            .zip(["quit", "scroll far", "help"])
            .map(|(t, w)| t.chars().count() - w.chars().count())
            .collect();
        // Explanations start in one column, two spaces after the longest key.
        assert_eq!(at, vec![1 + long.chars().count() + 2; 3], "{texts:?}");
        assert!(texts[1].contains("F12  scroll far"), "{texts:?}");
    }

    #[test]
    fn ellipsis() {
        assert_eq!(ellipsize("abc", 3), "abc");
        assert_eq!(ellipsize("abcdef", 4), "abc…");
        assert_eq!(ellipsize("abc", 0), "");
    }

    #[test]
    fn meter_fills_in_proportion_and_reds_near_full_scale() {
        let lit = |l: &Line| l.spans.iter().filter(|s| s.content == "█").count();
        // "L " + 60 cells + " -xx.x dBFS" (12): one cell per dB.
        let w = 2 + 60 + 12;
        assert_eq!(lit(&level_line("L", 0.0, w)), 60);
        assert_eq!(lit(&level_line("L", -30.0, w)), 30);
        assert_eq!(lit(&level_line("L", -60.0, w)), 0);
        assert_eq!(lit(&level_line("L", f64::NEG_INFINITY, w)), 0);
        let full = level_line("L", 0.0, w);
        let last = full
            .spans
            .iter()
            .rfind(|s| s.content == "█")
            .map(|s| s.style.fg);
        assert_eq!(last, Some(Some(Color::Red)));
        assert!(text(&level_line("R", f64::NEG_INFINITY, w)).contains("-inf dBFS"));
        assert!(text(&full).contains("0.0 dBFS"));
    }

    #[test]
    fn position_bar_marks_cursor_and_loop() {
        let l = position_line(60, 30.0, 120.0, Some((60.0, 90.0)), None);
        let t = text(&l);
        assert!(t.starts_with(" 0:30 / 2:00 "), "{t}");
        // Loop ends with tenths, rounded down like every clock: the same text as the message.
        assert!(t.contains("loop 1:00.0–1:30.0"), "{t}");
        let tenths = text(&position_line(60, 4.56, 120.0, Some((4.56, 7.89)), None));
        assert!(tenths.contains("loop 0:04.5–0:07.8"), "{tenths}");
        // Past the end (the resampler's tail) it reads the end, never "0:25 / 0:24".
        let end = text(&position_line(60, 25.02, 24.6, None, None));
        assert!(end.starts_with(" 0:24 / 0:24 "), "{end}");
        let bar: String = t.chars().filter(|c| "●[]━─".contains(*c)).collect();
        let at = |c: char| bar.chars().position(|x| x == c).unwrap_or(usize::MAX);
        let n = bar.chars().count();
        // Cursor a quarter in, loop from half to three quarters.
        assert_eq!(at('●'), ((n - 1) as f64 * 0.25).round() as usize);
        assert_eq!(at('['), ((n - 1) as f64 * 0.5).round() as usize);
        assert_eq!(at(']'), ((n - 1) as f64 * 0.75).round() as usize);
        assert_eq!(t.chars().count(), 60);
    }

    #[test]
    fn hints_go_by_rank_and_a_rank_always_stays_whole() {
        let items = [
            ("A/1", "X is A", ALWAYS),
            ("B/2", "X is B", ALWAYS),
            ("a/b/x", "listen", 1),
            ("tab", "cycle", 2),
            ("q", "quit", ALWAYS),
        ];
        // " A/1 X is A  B/2 X is B  a/b/x listen  tab cycle  q quit  " is 1+12+12+14+11+8 = 58.
        let t = text(&hints_line(&items, 58));
        assert!(t.contains("tab cycle") && t.contains("a/b/x listen"), "{t}");
        // Rank 2 goes before rank 1, although listen comes first.
        let t = text(&hints_line(&items, 57));
        assert!(!t.contains("tab") && t.contains("a/b/x listen"), "{t}");
        for w in [10, 20, 30, 44] {
            let t = text(&hints_line(&items, w));
            assert!(
                t.contains("X is A") && t.contains("X is B") && t.contains("q quit"),
                "{t}"
            );
            assert!(!t.contains("listen") && !t.contains("cycle"), "{w}: {t}");
        }
    }

    /// The ABX screen's hints of rank ALWAYS are 39 columns on one row: narrower, they go on
    /// more rows, each hint whole on one (or wrapped at its label's spaces when wider than a
    /// row), no row wider than the screen, nothing dropped or reordered.
    #[test]
    fn hints_too_wide_for_a_row_take_more_rows() {
        let items = [
            ("A/1", "X is A", ALWAYS),
            ("B/2", "X is B", ALWAYS),
            ("a/b/x", "listen", 1),
            ("?", "help", ALWAYS),
            ("q", "quit", ALWAYS),
        ];
        let rows = |w: u16| -> Vec<String> { hints_lines(&items, w).iter().map(text).collect() };
        assert_eq!(rows(80), [text(&hints_line(&items, 80))]);
        // " A/1 X is A  B/2 X is B  ? help  q quit" is 39 columns.
        assert_eq!(rows(39), [text(&hints_line(&items, 39))]);
        assert_eq!(rows(38), [" A/1 X is A  B/2 X is B  ? help", " q quit"]);
        assert_eq!(rows(30), [" A/1 X is A  B/2 X is B", " ? help  q quit"]);
        assert_eq!(rows(20), [" A/1 X is A", " B/2 X is B  ? help", " q quit"]);
        // "enter start the trials" is 22 columns: at 20 its label goes on at a space.
        let intro = [("enter", "start the trials", ALWAYS), ("q", "quit", ALWAYS)];
        let rows: Vec<String> = hints_lines(&intro, 20).iter().map(text).collect();
        assert_eq!(rows, [" enter start the", " trials  q quit"]);
    }

    #[test]
    fn hints_keep_help_and_quit_when_narrow() {
        let items = [
            ("space", "pause", 1),
            ("l", "loop", 1),
            ("?", "help", ALWAYS),
            ("q", "quit", ALWAYS),
        ];
        let t = text(&hints_line(&items, 22));
        assert!(t.contains("? help") && t.contains("q quit"), "{t}");
        assert!(!t.contains("loop"), "{t}");
        // Exactly fits: " " + "space pause  " + "l loop  " + "? help  " + "q quit  ".
        let t = text(&hints_line(&items, 38));
        assert!(t.contains("space pause") && t.contains("l loop"), "{t}");
        let t = text(&hints_line(&items, 37));
        assert!(!t.contains("l loop") && t.contains("space pause"), "{t}");
        let t = text(&hints_line(&items, 80));
        assert!(t.contains("space pause") && t.contains("l loop"), "{t}");
    }
}

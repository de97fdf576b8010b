//! The ABX screen. It must not leak the answer, so it draws only what is identical whether the
//! hidden X is A or B: no response chart, no level meter, no match gains, and no audio-callback
//! load either (if the engine only runs the selected chain, load differs with X's filter count).
//! Per-trial correctness is shown only after the last trial.

use super::widgets::{
    draw_big_letter, draw_header, draw_message, help_popup, help_rows, hints_lines, message_line,
    message_rows, play_state, position_line, rounded, side_block, side_color, status_line, Hint,
    ALWAYS,
};
use super::{AbxIntro, AbxView, Live};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};
use ratatui::Frame;

/// Terminals at least this tall get the 5-row letters.
const TALL: u16 = 34;

/// Draws the ABX screen over the whole frame.
pub fn draw_abx(frame: &mut Frame, v: &AbxView) {
    let area = frame.area();
    let tall = area.height >= TALL;
    let hint_lines = hints_lines(&hint_items(v), area.width);
    let rows = rows(
        area.height,
        if tall { 9 } else { 6 },
        message_rows(v.message, area.width),
        hint_lines.len() as u16,
        message_line(v.message, v.loop_pending_start).is_some(),
    );
    let [header, names, progress, boxes, position, body, message, status, hints] =
        Layout::vertical(rows.map(Constraint::Length)).areas(area);

    // " iemsim abx " is 12 columns; the file gets the row less 16 of them.
    let title = vec![Span::styled(" iemsim abx ", Style::new().bold())];
    let badge = play_state(v.paused, v.device_lost);
    draw_header(frame, header, title, 4, v.file, badge);
    frame.render_widget(
        Line::from(vec![
            Span::styled(" A", Style::new().fg(side_color(Live::A)).bold()),
            Span::raw(format!(" = {}    ", v.a)),
            Span::styled("B", Style::new().fg(side_color(Live::B)).bold()),
            Span::raw(format!(" = {}    ", v.b)),
            Span::styled("X", Style::new().fg(side_color(Live::X)).bold()),
            Span::raw(" = A or B, hidden"),
        ]),
        names,
    );
    frame.render_widget(progress_line(v, progress.width), progress);
    draw_boxes(frame, boxes, v.listening);
    frame.render_widget(
        position_line(
            position.width,
            v.position_s,
            v.duration_s,
            v.loop_s,
            v.loop_pending_start,
        ),
        position,
    );
    match (v.finished, v.intro) {
        (Some(verdict), _) => draw_results(frame, body, verdict, v.answered),
        (None, Some(intro)) => draw_intro(frame, body, intro, v.trials),
        (None, None) => draw_instructions(frame, body),
    }
    draw_message(frame, message, v.message, v.loop_pending_start);
    frame.render_widget(status_line(&v.status, false, "", status.width), status);
    frame.render_widget(Paragraph::new(hint_lines), hints);
    if v.show_help {
        help_popup(frame, area, "ABX keys", help_lines());
    }
}

/// The rows of the screen's parts at `height`, top to bottom: header, names, progress, boxes,
/// position, body, message, status and hints, the boxes `boxes` rows tall, the message and hints
/// as many as they need. Short of rows, the hints (how to answer and quit) are kept first, then
/// the message when it `says` something, then the one-row parts from the top and the status; the
/// boxes and the body get what is left. Laid out top to bottom, the bottom rows went first: below
/// 8 rows there were no hints, and the ABX screen had no way to say how to answer or quit.
fn rows(height: u16, boxes: u16, message: u16, hints: u16, says: bool) -> [u16; 9] {
    let mut left = height;
    let mut take = |want: u16| {
        let got = want.min(left);
        left -= got;
        got
    };
    let hints = take(hints);
    let said = if says { take(message) } else { 0 };
    let [header, names, progress, position, status] = [(); 5].map(|()| take(1));
    let message = if says { said } else { take(message) };
    let boxes = take(boxes);
    let body = take(u16::MAX);
    [
        header, names, progress, boxes, position, body, message, status, hints,
    ]
}

/// "trial 3/16  ■■□□…": progress only; the squares say which trials are done, never how they went.
fn progress_line(v: &AbxView, width: u16) -> Line<'static> {
    let (done, label) = match v.finished {
        None if v.intro.is_some() => (
            0,
            format!(" {} to come ", crate::ui::fmt::count(v.trials, "trial")),
        ),
        Some(_) if v.answered.len() < v.trials => (
            v.answered.len(),
            format!(
                " finished after {} of {} ",
                v.answered.len(),
                crate::ui::fmt::count(v.trials, "trial")
            ),
        ),
        Some(_) => (
            v.trials,
            format!(" finished: {} ", crate::ui::fmt::count(v.trials, "trial")),
        ),
        None => (
            v.trial.saturating_sub(1).min(v.trials),
            format!(" trial {}/{} ", v.trial, v.trials),
        ),
    };
    let room = (width as usize).saturating_sub(label.chars().count() + 1);
    let mut spans = vec![Span::styled(label, Style::new().fg(Color::Yellow).bold())];
    if v.trials <= room {
        spans.push(Span::styled("■".repeat(done), Style::new().fg(Color::Gray)));
        spans.push(Span::styled(
            "□".repeat(v.trials - done),
            Style::new().fg(Color::DarkGray),
        ));
    }
    Line::from(spans)
}

/// Three boxes A | B | X with block letters (5 rows when the box is tall enough); the one being
/// heard is bright with a thick border.
fn draw_boxes(frame: &mut Frame, area: Rect, listening: Live) {
    let cols = Layout::horizontal([Constraint::Fill(1); 3]).split(area);
    for (side, col) in [Live::A, Live::B, Live::X].into_iter().zip(cols.iter()) {
        let on = side == listening;
        let color = side_color(side);
        let mut block = side_block(on, color);
        if on {
            block = block.title(Line::from(" ● listening ").style(Style::new().fg(color).bold()));
        }
        let inner = block.inner(*col);
        frame.render_widget(block, *col);
        let style = if on {
            Style::new().fg(color).bold()
        } else {
            Style::new().fg(Color::DarkGray)
        };
        let key_hint = format!("key {}", side.letter().to_ascii_lowercase());
        let key_hint = Line::from(key_hint).style(Style::new().fg(Color::DarkGray));
        draw_big_letter(frame, inner, side, style, key_hint);
    }
}

/// A key as the panels name it.
fn key(k: &'static str) -> Span<'static> {
    Span::styled(k, Style::new().fg(Color::Yellow).bold())
}

fn draw_instructions(frame: &mut Frame, area: Rect) {
    let lines = vec![
        Line::from(vec![
            Span::raw("Listen to "),
            key("a"),
            Span::raw(", "),
            key("b"),
            Span::raw(" and "),
            key("x"),
            Span::raw(" as often as you like, then answer: is X the same as A or as B?"),
        ]),
        Line::from(""),
        Line::from(vec![
            key("Shift-A"),
            Span::raw(" or "),
            key("1"),
            Span::raw("  X is A        "),
            key("Shift-B"),
            Span::raw(" or "),
            key("2"),
            Span::raw("  X is B"),
        ]),
    ];
    let title = Line::from(" your answer ");
    panel(frame, area, lines, title, Color::DarkGray);
}

/// Before the first trial: how far the loudness analysis is, then how to start.
fn draw_intro(frame: &mut Frame, area: Rect, intro: AbxIntro, trials: usize) {
    let lines = match intro {
        AbxIntro::Analysing(p) => {
            let p = p.clamp(0.0, 1.0);
            let width = 20;
            let filled = (p * width as f64).round() as usize;
            vec![
                Line::from(vec![
                    Span::raw("Measuring the loudness of A and B on the whole file  "),
                    Span::styled("█".repeat(filled), Style::new().fg(Color::Yellow)),
                    Span::styled(
                        "░".repeat(width - filled),
                        Style::new().fg(Color::DarkGray),
                    ),
                    Span::styled(format!(" {:.0} %", p * 100.0), Style::new().bold()),
                ]),
                Line::from(""),
                Line::from(
                    "The trials start with the final matching gains, so that level cannot give X away.",
                ),
                Line::from(vec![
                    Span::raw("Meanwhile, listen to "),
                    key("a"),
                    Span::raw(" and "),
                    key("b"),
                    Span::raw("."),
                ]),
            ]
        }
        AbxIntro::Ready => vec![
            Line::from(Span::styled(
                "Ready: the matching gains are final.",
                Style::new().fg(Color::Green).bold(),
            )),
            Line::from(""),
            Line::from(vec![
                Span::raw("Press "),
                key("Enter"),
                Span::raw(format!(
                    " to start trial 1 of {trials}; then listen to a, b and x, and answer: is X the same as A or as B?"
                )),
            ]),
        ],
    };
    let title = Line::from(" before the trials ");
    panel(frame, area, lines, title, Color::DarkGray);
}

fn draw_results(frame: &mut Frame, area: Rect, verdict: &str, answered: &[bool]) {
    let correct = answered.iter().filter(|&&c| c).count();
    let mut lines: Vec<Line> = verdict.lines().map(|l| Line::from(l.to_string())).collect();
    lines.push(Line::from(""));
    let mut marks = vec![Span::styled(
        format!("{correct}/{} correct: ", answered.len()),
        Style::new().bold(),
    )];
    for (i, &ok) in answered.iter().enumerate() {
        let (sym, color) = if ok {
            ("✓", Color::Green)
        } else {
            ("✗", Color::Red)
        };
        marks.push(Span::raw(format!("{} ", i + 1)));
        marks.push(Span::styled(
            format!("{sym}  "),
            Style::new().fg(color).bold(),
        ));
    }
    lines.push(Line::from(marks));
    let title = Line::from(" result ").bold();
    panel(frame, area, lines, title, Color::Yellow);
}

/// `lines` wrapped in a rounded box at the top of `area`, as tall as they need plus borders (at
/// most all of it), so a short panel does not stretch over a big terminal.
fn panel(frame: &mut Frame, area: Rect, lines: Vec<Line>, title: Line, border: Color) {
    let text = Paragraph::new(lines).wrap(Wrap { trim: true });
    let inner = Rect::new(
        0,
        0,
        area.width.saturating_sub(2),
        area.height.saturating_sub(2),
    );
    let h = wrapped_rows(&text, inner)
        .saturating_add(2)
        .min(area.height);
    let block = rounded(Style::new().fg(border)).title(title);
    frame.render_widget(text.block(block), Rect { height: h, ..area });
}

/// Rows `text` takes drawn in `area` (at most its height), counted by drawing it on a scratch
/// buffer: ratatui 0.30 says how many rows a wrapped paragraph takes only behind an unstable
/// feature. A row per `width` characters of each line was short of it when words wrap early,
/// and the panel's last row was cut off: `Shift-B or 2  X is B` at 30 columns.
fn wrapped_rows(text: &Paragraph, area: Rect) -> u16 {
    let mut scratch = Buffer::empty(area);
    text.clone().render(area, &mut scratch);
    (0..area.height)
        .rev()
        .find(|&y| (0..area.width).any(|x| scratch[(x, y)].symbol() != " "))
        .map_or(0, |y| y + 1)
}

/// The hints, ranked (see [`Hint`]): Enter and the answer pair are kept with help and quit;
/// listening goes after seeking and looping.
fn hint_items(v: &AbxView) -> Vec<Hint> {
    let pause = if v.paused { "play" } else { "pause" };
    if v.finished.is_none() && v.intro.is_some() {
        let mut items = Vec::new();
        if v.intro == Some(AbxIntro::Ready) {
            items.push(("enter", "start the trials", ALWAYS));
        }
        items.extend([
            ("a/b", "listen", 1),
            ("space", pause, 2),
            ("←/→", "seek", 2),
            ("?", "help", ALWAYS),
            ("q", "quit", ALWAYS),
        ]);
        return items;
    }
    if v.finished.is_some() {
        return vec![
            ("a/b/x", "listen", 1),
            ("space", pause, 1),
            ("?", "help", ALWAYS),
            ("q", "quit", ALWAYS),
        ];
    }
    vec![
        ("A/1", "X is A", ALWAYS),
        ("B/2", "X is B", ALWAYS),
        ("a/b/x", "listen", 1),
        ("tab", "cycle", 2),
        ("space", pause, 2),
        ("←/→", "seek", 2),
        ("l", "loop", 2),
        ("?", "help", ALWAYS),
        ("q", "quit", ALWAYS),
    ]
}

fn help_lines() -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::from(" Is X the same as A or as B? Listen as often as you like.").bold(),
        Line::from(""),
    ];
    lines.extend(help_rows(&[
        ("Enter", "start the trials (once the gains are final)"),
        ("a / b / x", "listen to A / B / X"),
        ("tab", "cycle A → B → X"),
        ("Shift-A or 1", "answer: X is A"),
        ("Shift-B or 2", "answer: X is B"),
        ("space", "pause / resume"),
        ("← / →", "seek back / forward 5 s"),
        ("l", "loop: mark start, mark end, clear"),
        ("?", "show / hide this help"),
        ("q, Ctrl-C", "quit"),
        ("Esc", "close this help, else quit"),
    ]));
    lines.extend([
        Line::from(""),
        Line::from(" Loudness matching is always on, so level cannot give X away."),
        Line::from(" Results per trial are shown only at the end."),
    ]);
    lines
}

#[cfg(test)]
mod tests;

//! The `play` / `demo` screen: which side is live (big letter), both profiles with their match
//! gains, position, the two responses, output levels, engine status and key hints.

use super::chart::draw_response;
use super::widgets::{
    draw_big_letter, ellipsize, fmt_time, help_popup, help_row, hints_line, level_line, play_state,
    position_line, side_color, status_line,
};
use super::{Live, PlayView, SideView};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Padding, Paragraph, Wrap};
use ratatui::Frame;

/// Terminals at least this tall get the 5-row letters and taller side boxes.
const TALL: u16 = 34;
/// Terminals at least this wide put the demo text beside the chart instead of above it.
const WIDE: u16 = 110;

/// Draws the play (or demo, when `v.text`/`v.part` are set) screen over the whole frame.
pub fn draw_play(frame: &mut Frame, v: &PlayView) {
    let area = frame.area();
    let tall = area.height >= TALL;
    let [header, sides, position, keys, body, meters, message, status, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(if tall { 7 } else { 5 }),
        Constraint::Length(1),
        Constraint::Length(if tall { 1 } else { 0 }),
        Constraint::Min(0),
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);

    draw_header(frame, header, v);
    draw_sides(frame, sides, v, tall);
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
    if tall {
        frame.render_widget(profile_keys_line(v, keys.width), keys);
    }
    draw_body(frame, body, v);
    let [l, r] = Layout::vertical([Constraint::Length(1); 2]).areas(meters);
    frame.render_widget(level_line(" L", v.level_dbfs[0], meters.width), l);
    frame.render_widget(level_line(" R", v.level_dbfs[1], meters.width), r);
    draw_message(frame, message, v);
    let matching = if v.matching {
        "matching on"
    } else {
        "matching off"
    };
    frame.render_widget(status_line(&v.status, true, matching, status.width), status);
    frame.render_widget(hints_line(&hint_items(v), hints.width), hints);

    if v.show_help {
        help_popup(frame, area, "keys", help_lines(v));
    }
}

fn is_demo(v: &PlayView) -> bool {
    v.text.is_some() || v.part.is_some()
}

fn draw_header(frame: &mut Frame, area: Rect, v: &PlayView) {
    let badge = play_state(v.paused);
    let badge_w = badge.width() as u16;
    let [left, right] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(badge_w)]).areas(area);
    let mut spans = vec![Span::styled(
        if is_demo(v) {
            " iemsim demo "
        } else {
            " iemsim play "
        },
        Style::new().bold(),
    )];
    if let Some((i, n, title)) = v.part {
        spans.push(Span::styled(
            format!("· part {}/{n}: {title} ", i + 1),
            Style::new().fg(Color::Yellow).bold(),
        ));
    }
    let used: usize = spans.iter().map(Span::width).sum();
    let room = (left.width as usize).saturating_sub(used + 3);
    spans.push(Span::styled(
        format!("· {}", ellipsize(v.file, room)),
        Style::new().fg(Color::Gray),
    ));
    frame.render_widget(Line::from(spans), left);
    frame.render_widget(Line::from(badge), right);
}

fn draw_sides(frame: &mut Frame, area: Rect, v: &PlayView, tall: bool) {
    let big_w = if tall { 14 } else { 9 };
    let [a, mid, b] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(big_w),
        Constraint::Fill(1),
    ])
    .areas(area);
    draw_side(frame, a, &v.sides[0], v);
    draw_side(frame, b, &v.sides[1], v);
    if v.live != Live::X {
        let style = Style::new().fg(side_color(v.live)).bold();
        let [glyph, caption] =
            Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(mid);
        draw_big_letter(frame, glyph, v.live, style);
        frame.render_widget(Line::from("live").style(style).centered(), caption);
    }
}

fn draw_side(frame: &mut Frame, area: Rect, s: &SideView, v: &PlayView) {
    let side = if s.label == 'B' { Live::B } else { Live::A };
    let live = v.live == side;
    let color = side_color(side);
    let (border, title) = if live {
        (
            Style::new().fg(color).add_modifier(Modifier::BOLD),
            Line::from(format!(" {} ● LIVE ", s.label)).style(Style::new().fg(color).bold()),
        )
    } else {
        (
            Style::new().fg(Color::DarkGray),
            Line::from(format!(" {} ", s.label)).style(Style::new().fg(color)),
        )
    };
    let block = Block::bordered()
        .border_type(if live {
            BorderType::Thick
        } else {
            BorderType::Rounded
        })
        .border_style(border)
        .padding(Padding::horizontal(1))
        .title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [name, desc, gain] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(inner);
    let name_style = if live {
        Style::new().fg(color).bold()
    } else {
        Style::new().bold()
    };
    frame.render_widget(Line::from(s.profile).style(name_style), name);
    frame.render_widget(
        Paragraph::new(s.description)
            .style(Style::new().fg(Color::Gray))
            .wrap(Wrap { trim: true }),
        desc,
    );
    let gain_line = if v.matching {
        Line::from(vec![
            Span::styled("match ", Style::new().fg(Color::Gray)),
            Span::raw(format!("{:+.1} dB", s.gain_db)),
        ])
    } else {
        Line::from(Span::styled("matching off", Style::new().fg(Color::Gray)))
    };
    frame.render_widget(gain_line, gain);
}

/// Chart, plus the demo text panel beside it (wide terminals) or above it.
fn draw_body(frame: &mut Frame, area: Rect, v: &PlayView) {
    let Some(text) = v.text else {
        draw_response(frame, area, &v.sides, v.live);
        return;
    };
    let (text_area, chart_area) = if area.width >= WIDE {
        let [c, t] = Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
            .areas(area);
        (t, c)
    } else {
        // The text is the point of a demo: it gets the rows it needs while a readable chart
        // still fits below, and the whole body (no chart) when it would not.
        let want = wrapped_rows(text, area.width.saturating_sub(2)).saturating_add(2);
        let h = if want + MIN_CHART_ROWS <= area.height {
            want
        } else if area.height >= 2 * MIN_CHART_ROWS {
            area.height - MIN_CHART_ROWS
        } else {
            area.height
        };
        let [t, c] = Layout::vertical([Constraint::Length(h), Constraint::Min(0)]).areas(area);
        (t, c)
    };
    let title = match v.part {
        Some((i, n, t)) => format!(" part {}/{n}: {t} ", i + 1),
        None => String::from(" about "),
    };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(Style::new().fg(Color::DarkGray))
        .title(Line::from(title).style(Style::new().fg(Color::Yellow).bold()))
        .title_bottom(Line::from(" n next · p previous ").right_aligned());
    frame.render_widget(
        Paragraph::new(text).block(block).wrap(Wrap { trim: true }),
        text_area,
    );
    if chart_area.height >= MIN_CHART_ROWS {
        draw_response(frame, chart_area, &v.sides, v.live);
    }
}

/// Below this many rows (borders, axis and labels take four) the chart says nothing.
const MIN_CHART_ROWS: u16 = 8;

/// Rows `text` takes when greedily word-wrapped at `width`, as `Paragraph` with `Wrap` does
/// (words longer than the width are split).
pub(super) fn wrapped_rows(text: &str, width: u16) -> u16 {
    let w = width.max(1) as usize;
    let mut rows = 0usize;
    for line in text.lines() {
        let mut col = 0usize;
        rows += 1;
        for word in line.split_whitespace() {
            let n = word.chars().count();
            let need = if col == 0 { n } else { col + 1 + n };
            if need <= w {
                col = need;
            } else if n <= w {
                rows += 1;
                col = n;
            } else {
                // Split across rows: fill the current one, then whole rows, then the rest.
                let first = if col == 0 { 0 } else { 1 };
                let rest = n;
                rows += first + (rest - 1) / w;
                col = (rest - 1) % w + 1;
            }
        }
    }
    rows.min(u16::MAX as usize) as u16
}

fn draw_message(frame: &mut Frame, area: Rect, v: &PlayView) {
    let line = match (v.message, v.loop_pending_start) {
        (Some(m), _) => Line::from(format!(" {m}")).style(Style::new().fg(Color::Yellow)),
        (None, Some(t)) => Line::from(format!(
            " loop start marked at {} — press l again to mark the end",
            fmt_time(t)
        ))
        .style(Style::new().fg(Color::Green)),
        (None, None) => return,
    };
    frame.render_widget(line, area);
}

/// "1-9 into the live side: 1 neutral  2 ba  …", as many as fit (all are in the help).
fn profile_keys_line(v: &PlayView, width: u16) -> Line<'static> {
    let mut spans = vec![Span::styled(
        " keys 1-9 load into the live side: ",
        Style::new().fg(Color::Gray),
    )];
    let mut used: usize = spans.iter().map(Span::width).sum();
    for (i, (name, _)) in v.profiles.iter().take(9).enumerate() {
        let item_w = 2 + name.chars().count() + 2;
        if used + item_w > width as usize {
            break;
        }
        used += item_w;
        spans.push(Span::styled(
            format!("{} ", i + 1),
            Style::new().fg(Color::Yellow).bold(),
        ));
        spans.push(Span::raw(format!("{name}  ")));
    }
    Line::from(spans)
}

fn hint_items(v: &PlayView) -> Vec<(&'static str, &'static str)> {
    let mut items = vec![
        ("space", if v.paused { "play" } else { "pause" }),
        ("a/b/tab", "switch"),
    ];
    if is_demo(v) {
        items.push(("n/p", "part"));
    }
    items.extend([
        ("←/→", "seek"),
        ("l", "loop"),
        ("m", "match"),
        ("1-9", "profile"),
        ("?", "help"),
        ("q", "quit"),
    ]);
    items
}

fn help_lines(v: &PlayView) -> Vec<Line<'static>> {
    let mut lines = vec![
        help_row("space", "pause / resume"),
        help_row("a / b", "listen to side A / side B"),
        help_row("tab", "switch between A and B"),
        help_row("← / →", "seek back / forward 5 s"),
        help_row("l", "loop: mark start, mark end, clear"),
        help_row("m", "loudness matching on / off"),
        help_row("1-9", "load a profile into the live side"),
    ];
    if is_demo(v) {
        lines.push(help_row("n / p", "next / previous part"));
    }
    lines.push(help_row("?", "show / hide this help"));
    lines.push(help_row("q, Esc, Ctrl-C", "quit"));
    if !v.profiles.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::from(" profiles (keys 1-9):").bold());
        for (i, (name, desc)) in v.profiles.iter().take(9).enumerate() {
            lines.push(Line::from(vec![
                Span::styled(
                    format!(" {} ", i + 1),
                    Style::new().fg(Color::Yellow).bold(),
                ),
                Span::styled(format!("{name:<14}"), Style::new().bold()),
                Span::styled(ellipsize(desc, 50), Style::new().fg(Color::Gray)),
            ]));
        }
    }
    lines
}

#[cfg(test)]
mod tests;

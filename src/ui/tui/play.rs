//! The `play` / `demo` screen: which side is live (big letter), both profiles with their match
//! gains, position, the two responses, output levels, engine status and key hints.

use super::chart::draw_response;
use super::widgets::{
    draw_big_letter, draw_header, draw_message, ellipsize, help_popup, help_rows, hints_line,
    level_line, message_rows, play_state, position_line, rounded, side_block, side_color,
    status_line, Hint, ALWAYS,
};
use super::{Live, PlayView, SideView};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Padding, Paragraph};
use ratatui::Frame;

/// Terminals at least this tall get the 5-row letters and taller side boxes.
const TALL: u16 = 34;
/// Terminals at least this wide put the demo text beside the chart instead of above it.
const WIDE: u16 = 110;

/// Draws the play (or demo, when `v.text`/`v.part` are set) screen over the whole frame.
/// Returns the demo text's scroll offset as drawn (`v.text_scroll` clamped; 0 without text):
/// the caller keeps it, so that ↑ after holding ↓ past the end moves at once.
pub fn draw_play(frame: &mut Frame, v: &PlayView) -> u16 {
    let area = frame.area();
    let tall = area.height >= TALL;
    let [header, sides, position, keys, body, meters, message, status, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(if tall { 7 } else { 5 }),
        Constraint::Length(1),
        Constraint::Length(if tall { 1 } else { 0 }),
        Constraint::Min(0),
        Constraint::Length(2),
        Constraint::Length(message_rows(v.message, area.width)),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);

    let mut title = vec![Span::styled(
        if is_demo(v) {
            " iemsim demo "
        } else {
            " iemsim play "
        },
        Style::new().bold(),
    )];
    if let Some((i, n, part)) = v.part {
        title.push(Span::styled(
            format!("· part {}/{n}: {part} ", i + 1),
            Style::new().fg(Color::Yellow).bold(),
        ));
    }
    let badge = play_state(v.paused, v.device_lost);
    draw_header(frame, header, title, 3, v.file, badge);
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
    let text = draw_body(frame, body, v);
    let [l, r] = Layout::vertical([Constraint::Length(1); 2]).areas(meters);
    frame.render_widget(level_line(" L", v.level_dbfs[0], meters.width), l);
    frame.render_widget(level_line(" R", v.level_dbfs[1], meters.width), r);
    draw_message(frame, message, v.message, v.loop_pending_start);
    let matching = match (v.matching, v.estimating) {
        (true, None) => "matching on (exact)".to_string(),
        (true, Some(p)) => format!("matching on (estimated, exact {:.0}%)", p * 100.0),
        (false, _) => "matching off".to_string(),
    };
    frame.render_widget(
        status_line(&v.status, true, &matching, status.width),
        status,
    );
    frame.render_widget(hints_line(&hint_items(v, text.cut), hints.width), hints);

    if v.show_help {
        help_popup(frame, area, "keys", help_lines(v));
    }
    text.scroll
}

fn is_demo(v: &PlayView) -> bool {
    v.text.is_some() || v.part.is_some()
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
        draw_big_letter(frame, mid, v.live, style, Line::from("live").style(style));
    }
}

fn draw_side(frame: &mut Frame, area: Rect, s: &SideView, v: &PlayView) {
    let side = if s.label == 'B' { Live::B } else { Live::A };
    let live = v.live == side;
    let color = side_color(side);
    let title = if live {
        Line::from(format!(" {} ● LIVE ", s.label)).style(Style::new().fg(color).bold())
    } else {
        Line::from(format!(" {} ", s.label)).style(Style::new().fg(color))
    };
    let block = side_block(live, color)
        .padding(Padding::horizontal(1))
        .title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    // One row (a terminal 10 rows high) is the name's: the layout gave it to the gain, and
    // neither side said which profile it plays.
    let gain_rows = u16::from(inner.height >= 2);
    let [name, desc, gain] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(gain_rows),
    ])
    .areas(inner);
    let name_style = if live {
        Style::new().fg(color).bold()
    } else {
        Style::new().bold()
    };
    let profile = ellipsize(s.profile, usize::from(name.width));
    frame.render_widget(Line::from(profile).style(name_style), name);
    let rows: Vec<Line> = clipped_rows(s.description, desc.width, desc.height)
        .into_iter()
        .map(Line::from)
        .collect();
    frame.render_widget(
        Paragraph::new(rows).style(Style::new().fg(Color::Gray)),
        desc,
    );
    let gain_line = if v.matching {
        Line::from(vec![
            Span::styled("match ", Style::new().fg(Color::Gray)),
            Span::raw(format!("{} dB", crate::ui::fmt::db(s.gain_db))),
        ])
    } else {
        Line::from(Span::styled("matching off", Style::new().fg(Color::Gray)))
    };
    frame.render_widget(gain_line, gain);
}

/// `text` wrapped to `width` columns ([`wrap_text`]) in at most `height` rows. When it does not
/// all fit, the last row ends in "…" ([`with_ellipsis`]): clipped as it came, a side box read
/// "Typical dynamic-driver IEM: a" or "a narrow peak near 8.1" (its "kHz" lost) as if that were
/// all.
pub(super) fn clipped_rows(text: &str, width: u16, height: u16) -> Vec<String> {
    let mut rows = wrap_text(text, width);
    if rows.len() <= usize::from(height) {
        return rows;
    }
    rows.truncate(usize::from(height));
    if let Some(last) = rows.last_mut() {
        *last = with_ellipsis(last, usize::from(width.max(1)));
    }
    rows
}

/// `row`, which more text follows, ending in "…" within `width` characters: whole words are
/// dropped from its end until the "…" fits, and with them a number at the end (its unit, or
/// what it is of, was cut off) and punctuation left dangling. Only a row of one word too long
/// for that is cut inside the word.
fn with_ellipsis(row: &str, width: usize) -> String {
    let mut words: Vec<&str> = row.split_whitespace().collect();
    while let Some(last) = words.last() {
        let used = words.iter().map(|w| w.chars().count() + 1).sum::<usize>();
        if used <= width && (words.len() == 1 || !is_number(last)) {
            break;
        }
        words.pop();
    }
    if words.is_empty() {
        return ellipsize(&format!("{row}…"), width);
    }
    let kept = words.join(" ");
    let kept = kept.trim_end_matches([',', ':', ';', '(', '-', '–', '—']);
    format!("{kept}…")
}

/// A word that is a figure: its first letter or digit is a digit ("8.1", "(+3.7", "~60", "2-5").
fn is_number(word: &str) -> bool {
    word.chars()
        .find(|c| c.is_alphanumeric())
        .is_some_and(|c| c.is_ascii_digit())
}

/// How the demo text panel was drawn.
#[derive(Default)]
struct TextDrawn {
    /// Rows scrolled off the top (clamped).
    scroll: u16,
    /// Not all of the text fits the panel.
    cut: bool,
}

/// Chart, plus the demo text panel beside it (wide terminals) or above it.
fn draw_body(frame: &mut Frame, area: Rect, v: &PlayView) -> TextDrawn {
    let Some(text) = v.text else {
        draw_response(frame, area, &v.sides, v.live);
        return TextDrawn::default();
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
    let rows = wrap_text(text, text_area.width.saturating_sub(2));
    let visible = text_area.height.saturating_sub(2) as usize;
    let max_scroll = rows.len().saturating_sub(visible).min(u16::MAX as usize) as u16;
    let scroll = v.text_scroll.min(max_scroll);
    let title = match v.part {
        Some((i, n, t)) => format!(" part {}/{n}: {t} ", i + 1),
        None => String::from(" about "),
    };
    let more = Style::new().fg(Color::Yellow);
    let mut block = rounded(Style::new().fg(Color::DarkGray))
        .title(Line::from(title).style(Style::new().fg(Color::Yellow).bold()))
        .title_bottom(Line::from(part_keys(v.part)).right_aligned());
    if scroll > 0 {
        block = block.title_top(Line::from(" more ↑ ").style(more).right_aligned());
    }
    if max_scroll > 0 {
        let hint = if scroll < max_scroll {
            " ↑↓ scroll · more ↓ "
        } else {
            " ↑↓ scroll "
        };
        block = block.title_bottom(Line::from(hint).style(more).left_aligned());
    }
    let shown: Vec<Line> = rows
        .into_iter()
        .skip(scroll as usize)
        .take(visible)
        .map(Line::from)
        .collect();
    frame.render_widget(Paragraph::new(shown).block(block), text_area);
    if chart_area.height >= MIN_CHART_ROWS {
        draw_response(frame, chart_area, &v.sides, v.live);
    }
    TextDrawn {
        scroll,
        cut: max_scroll > 0,
    }
}

/// Below this many rows (borders, axis and labels take four) the chart says nothing.
const MIN_CHART_ROWS: u16 = 8;

/// Rows `text` takes in the demo panel at `width` columns (see [`wrap_text`]).
pub(super) fn wrapped_rows(text: &str, width: u16) -> u16 {
    wrap_text(text, width).len().min(u16::MAX as usize) as u16
}

/// `text` cut into rows of at most `width` characters, as the demo panel shows it. A line that
/// fits is kept as it is, so the spacing of the numbers table survives (ratatui's trimming `Wrap`
/// collapses it); a longer one is wrapped greedily at spaces, and a word longer than a row starts
/// a row of its own and is split. The panel draws exactly these rows, so scrolling can count them:
/// ratatui 0.30 reports the rows a wrapped `Paragraph` takes only behind an unstable feature.
/// Pipe tables are drawn as aligned columns ([`super::table`]).
pub(super) fn wrap_text(text: &str, width: u16) -> Vec<String> {
    let w = width.max(1) as usize;
    let mut rows = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if super::table::is_table_row(line) {
            // A pipe table: aligned columns, one row per line (never wrapped mid-cell).
            let mut table = vec![line];
            while let Some(next) = lines.next_if(|l| super::table::is_table_row(l)) {
                table.push(next);
            }
            rows.extend(super::table::render_table(&table, w));
            continue;
        }
        let line = line.trim_end();
        if line.chars().count() <= w {
            rows.push(line.to_string());
            continue;
        }
        let mut row = String::new();
        let mut col = 0usize;
        for word in line.split_whitespace() {
            let n = word.chars().count();
            if col > 0 && col + 1 + n <= w {
                row.push(' ');
                row.push_str(word);
                col += 1 + n;
                continue;
            }
            if col > 0 {
                rows.push(std::mem::take(&mut row));
            }
            let chars: Vec<char> = word.chars().collect();
            let mut chunks = chars.chunks(w).peekable();
            while let Some(chunk) = chunks.next() {
                if chunks.peek().is_some() {
                    rows.push(chunk.iter().collect());
                } else {
                    row = chunk.iter().collect();
                    col = chunk.len();
                }
            }
        }
        rows.push(row);
    }
    rows
}

/// What n and p do in this part: the last part has no "next" (n says so and stays).
fn part_keys(part: Option<(usize, usize, &str)>) -> &'static str {
    match part {
        Some((i, n, _)) if i + 1 >= n && i > 0 => " last part · p previous ",
        Some((i, n, _)) if i + 1 >= n => " only part ",
        Some((0, _, _)) => " n next ",
        _ => " n next · p previous ",
    }
}

/// The digit keys that select one of `profiles` profiles: only as many as there are ("1-7").
pub(super) fn digit_keys(profiles: usize) -> &'static str {
    const KEYS: [&str; 10] = [
        "", "1", "1-2", "1-3", "1-4", "1-5", "1-6", "1-7", "1-8", "1-9",
    ];
    KEYS[profiles.min(9)]
}

/// "1-7 into the live side: 1 neutral  2 ba  …", as many as fit (all are in the help).
fn profile_keys_line(v: &PlayView, width: u16) -> Line<'static> {
    let mut spans = vec![Span::styled(
        format!(
            " keys {} load into the live side: ",
            digit_keys(v.profiles.len())
        ),
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

/// The key hints; `text_cut`: the demo text does not fit its panel (so ↑↓ scroll it).
fn hint_items(v: &PlayView, text_cut: bool) -> Vec<Hint> {
    let mut items = vec![
        ("space", if v.paused { "play" } else { "pause" }, 1),
        ("a/b/tab", "switch", 1),
    ];
    if is_demo(v) {
        items.push(("n/p", "part", 1));
    }
    if text_cut {
        items.push(("↑↓", "scroll", 1));
    }
    items.extend([
        ("←/→", "seek", 1),
        ("l", "loop", 1),
        ("m", "match", 1),
        (digit_keys(v.profiles.len()), "profile", 1),
    ]);
    if !is_demo(v) {
        items.push(("p", "pick", 1));
    }
    items.extend([("?", "help", ALWAYS), ("q", "quit", ALWAYS)]);
    items
}

fn help_lines(v: &PlayView) -> Vec<Line<'static>> {
    let mut rows = vec![
        ("space", "pause / resume"),
        ("a / b", "listen to side A / side B"),
        ("tab", "switch between A and B"),
        ("← / →", "seek back / forward 5 s"),
        ("l", "loop: mark start, mark end, clear"),
        ("m", "loudness matching on / off"),
        (
            digit_keys(v.profiles.len()),
            "load a profile into the live side",
        ),
    ];
    if is_demo(v) {
        rows.push(("n / p", "next / previous part"));
        rows.push(("↑ ↓, PgUp PgDn", "scroll the text"));
    } else {
        rows.push(("p", "pick any profile (per-IEM too): type to filter"));
    }
    rows.push(("?", "show / hide this help"));
    rows.push(("q, Ctrl-C", "quit"));
    rows.push(("Esc", "close this help, else quit"));
    let mut lines = help_rows(&rows);
    if !v.profiles.is_empty() {
        lines.push(Line::from(""));
        lines.push(
            Line::from(format!(
                " profiles (keys {}):",
                digit_keys(v.profiles.len())
            ))
            .bold(),
        );
        // A column as wide as the longest name, so a long name never runs into its description.
        let name_w = v
            .profiles
            .iter()
            .take(9)
            .map(|(n, _)| n.chars().count())
            .max()
            .unwrap_or(0)
            + 2;
        for (i, (name, desc)) in v.profiles.iter().take(9).enumerate() {
            lines.push(Line::from(vec![
                Span::styled(
                    format!(" {} ", i + 1),
                    Style::new().fg(Color::Yellow).bold(),
                ),
                Span::styled(format!("{name:<name_w$}"), Style::new().bold()),
                Span::styled(ellipsize(desc, 50), Style::new().fg(Color::Gray)),
            ]));
        }
    }
    lines
}

#[cfg(test)]
mod tests;

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
    let [header, sides, position, body, meters, message, status, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(if tall { 7 } else { 5 }),
        Constraint::Length(1),
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
        let want = wrapped_rows(text, area.width.saturating_sub(2)) + 2;
        let h = want.clamp(3, (area.height / 2).max(3));
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
    draw_response(frame, chart_area, &v.sides, v.live);
}

/// Rows `text` needs when wrapped at `width` (word-wrap estimate: never less than the real count
/// by more than a row per paragraph, which only costs a blank line).
fn wrapped_rows(text: &str, width: u16) -> u16 {
    let w = width.max(1) as usize;
    text.lines()
        .map(|l| l.chars().count().div_ceil(w).max(1) as u16)
        .sum()
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
mod tests {
    use super::super::widgets::big_letter;
    use super::super::StatusView;
    use super::*;
    use ratatui::backend::TestBackend;
    use ratatui::buffer::Buffer;
    use ratatui::Terminal;

    const RESP_A: [(f64, f64); 5] = [
        (20.0, -2.0),
        (100.0, 0.0),
        (1000.0, 0.0),
        (5000.0, 4.0),
        (20000.0, 1.0),
    ];
    const RESP_B: [(f64, f64); 5] = [
        (20.0, 5.0),
        (100.0, 3.0),
        (1000.0, 0.0),
        (5000.0, -2.0),
        (20000.0, -4.0),
    ];
    const PROFILES: [(&str, &str); 3] = [
        ("neutral", "the target itself"),
        ("diffuse-field", "bright, thin bass"),
        ("v-hybrid", "boosted bass and treble"),
    ];

    fn view() -> PlayView<'static> {
        PlayView {
            file: "samples/music.wav",
            live: Live::A,
            sides: [
                SideView {
                    label: 'A',
                    profile: "diffuse-field",
                    description: "bright, thin bass",
                    gain_db: 1.2,
                    response_db: &RESP_A,
                },
                SideView {
                    label: 'B',
                    profile: "v-hybrid",
                    description: "boosted bass and treble",
                    gain_db: -0.7,
                    response_db: &RESP_B,
                },
            ],
            position_s: 83.0,
            duration_s: 296.0,
            loop_s: None,
            loop_pending_start: None,
            paused: false,
            matching: true,
            level_dbfs: [-12.0, f64::NEG_INFINITY],
            status: StatusView {
                device: "Test Device",
                rate_hz: 48000,
                buffer_frames: 512,
                load_pct: 0.94,
                underruns: 3,
            },
            profiles: &PROFILES,
            show_help: false,
            message: None,
            text: None,
            part: None,
        }
    }

    fn render(v: &PlayView, w: u16, h: u16) -> Buffer {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| draw_play(f, v)).unwrap();
        t.backend().buffer().clone()
    }

    fn rows(b: &Buffer) -> Vec<String> {
        (0..b.area.height)
            .map(|y| (0..b.area.width).map(|x| b[(x, y)].symbol()).collect())
            .collect()
    }

    fn has(b: &Buffer, s: &str) -> bool {
        rows(b).iter().any(|r| r.contains(s))
    }

    /// The block letter appears as consecutive rows at one column.
    fn has_glyph(b: &Buffer, g: &[&str]) -> bool {
        let r = rows(b);
        r.windows(g.len()).any(|win| {
            win[0].match_indices(g[0]).any(|(i, _)| {
                let col = win[0][..i].chars().count();
                win.iter().zip(g).all(|(row, gr)| {
                    let tail: String = row.chars().skip(col).collect();
                    tail.starts_with(gr)
                })
            })
        })
    }

    #[test]
    fn shows_live_side_names_and_gains_at_both_sizes() {
        for (w, h, tall) in [(80, 24, false), (120, 40, true)] {
            let b = render(&view(), w, h);
            assert!(has_glyph(&b, big_letter(Live::A, tall)), "{w}x{h}");
            assert!(!has_glyph(&b, big_letter(Live::B, tall)), "{w}x{h}");
            assert!(has(&b, "A ● LIVE"));
            assert!(has(&b, "diffuse-field") && has(&b, "v-hybrid"));
            assert!(has(&b, "+1.2 dB") && has(&b, "-0.7 dB"));
            assert!(has(&b, "music.wav"));
            assert!(has(&b, "1:23 / 4:56"));
            assert!(has(&b, "▶ playing") && !has(&b, "PAUSED"));
        }
        let mut v = view();
        v.live = Live::B;
        let b = render(&v, 80, 24);
        assert!(has_glyph(&b, big_letter(Live::B, false)));
        assert!(!has_glyph(&b, big_letter(Live::A, false)));
        assert!(has(&b, "B ● LIVE") && !has(&b, "A ● LIVE"));
    }

    #[test]
    fn paused_status_and_message() {
        let mut v = view();
        v.paused = true;
        v.matching = false;
        v.message = Some("profile 'x' not found");
        for (w, h) in [(80, 24), (120, 40)] {
            let b = render(&v, w, h);
            assert!(has(&b, "PAUSED"));
            assert!(has(&b, "profile 'x' not found"));
            for s in [
                "Test Device",
                "48000 Hz",
                "512 frames",
                "load 0.9%",
                "underruns 3",
            ] {
                assert!(has(&b, s), "{s} missing at {w}x{h}");
            }
            assert!(has(&b, "matching off"));
            assert!(!has(&b, "+1.2 dB"), "gains hidden when matching is off");
        }
    }

    #[test]
    fn chart_has_decade_labels_and_both_curves() {
        for (w, h) in [(80, 24), (120, 40)] {
            for live in [Live::A, Live::B] {
                let mut v = view();
                v.live = live;
                let b = render(&v, w, h);
                let r = rows(&b);
                let tick_row = r.iter().find(|row| row.contains(" 1k ")).expect("1k label");
                for t in ["20", "100", "10k", "20k"] {
                    assert!(tick_row.contains(t), "{t} missing: {tick_row}");
                }
                // Both curves are drawn, each in its side's colour (thickness: chart.rs tests).
                for c in [Color::Cyan, Color::Magenta] {
                    assert!(
                        b.content().iter().any(|cell| cell.fg == c
                            && cell
                                .symbol()
                                .chars()
                                .all(|ch| ('\u{2801}'..='\u{28FF}').contains(&ch))),
                        "{c:?} curve at {w}x{h}"
                    );
                }
                let _ = live;
            }
        }
    }

    #[test]
    fn levels_and_loop() {
        let mut v = view();
        v.loop_s = Some((60.0, 90.0));
        let b = render(&v, 80, 24);
        assert!(has(&b, "-12.0 dBFS") && has(&b, "-inf dBFS"));
        assert!(has(&b, "loop 1:00–1:30"));
        v.loop_s = None;
        v.loop_pending_start = Some(60.0);
        let b = render(&v, 80, 24);
        assert!(has(&b, "loop start marked at 1:00"));
    }

    #[test]
    fn help_overlay() {
        let mut v = view();
        assert!(!has(&render(&v, 80, 24), "loudness matching on / off"));
        v.show_help = true;
        for (w, h) in [(80, 24), (120, 40)] {
            let b = render(&v, w, h);
            assert!(has(&b, "loudness matching on / off"), "{w}x{h}");
            assert!(has(&b, "q, Esc, Ctrl-C"));
            assert!(has(&b, "1 neutral"));
            assert!(!has(&b, "n / p"), "no demo keys in play help");
        }
    }

    #[test]
    fn demo_text_and_part() {
        let mut v = view();
        v.text = Some("Sibilance is the harsh edge on s and t sounds, around 5 to 10 kHz.");
        v.part = Some((1, 4, "what it is"));
        for (w, h) in [(80, 24), (120, 40)] {
            let b = render(&v, w, h);
            assert!(has(&b, "part 2/4: what it is"), "{w}x{h}");
            assert!(has(&b, "Sibilance is the harsh"), "{w}x{h}");
            assert!(has(&b, "n/p part"), "{w}x{h}");
            assert!(has(&b, "1k"), "chart still shown at {w}x{h}");
        }
        v.show_help = true;
        assert!(has(&render(&v, 80, 24), "next / previous part"));
    }

    #[test]
    #[ignore = "prints screens for eyeballing: cargo test --release dump_ -- --ignored --nocapture"]
    fn dump_screens() {
        let mut v = view();
        for (w, h) in [(80, 24), (120, 40)] {
            println!("{}", rows(&render(&v, w, h)).join("\n"));
        }
        v.text = Some("Sibilance is the harsh edge on s and t sounds, around 5 to 10 kHz. Listen to the cymbals and the singer's consonants.");
        v.part = Some((1, 4, "what it is"));
        v.paused = true;
        v.loop_s = Some((60.0, 90.0));
        for (w, h) in [(80, 24), (120, 40)] {
            println!("{}", rows(&render(&v, w, h)).join("\n"));
        }
        v.show_help = true;
        println!("{}", rows(&render(&v, 80, 24)).join("\n"));
    }

    #[test]
    fn tiny_terminals_do_not_panic() {
        let mut v = view();
        v.show_help = true;
        v.text = Some("text");
        for (w, h) in [(1, 1), (10, 3), (30, 8), (80, 10), (200, 60)] {
            render(&v, w, h);
        }
    }
}

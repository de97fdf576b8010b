//! The ABX screen. It must not leak the answer, so it draws only what is identical whether the
//! hidden X is A or B: no response chart, no level meter, no match gains, and no audio-callback
//! load either (if the engine only runs the selected chain, load differs with X's filter count).
//! Per-trial correctness is shown only after the last trial.

use super::widgets::{
    draw_big_letter, ellipsize, help_popup, help_row, hints_line, play_state, position_line,
    side_color, status_line,
};
use super::{AbxView, Live};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};
use ratatui::Frame;

/// Terminals at least this tall get the 5-row letters.
const TALL: u16 = 34;

/// Draws the ABX screen over the whole frame.
pub fn draw_abx(frame: &mut Frame, v: &AbxView) {
    let area = frame.area();
    let tall = area.height >= TALL;
    let [header, names, progress, boxes, position, body, status, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(if tall { 9 } else { 6 }),
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);

    draw_header(frame, header, v);
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
        position_line(position.width, v.position_s, v.duration_s, v.loop_s, None),
        position,
    );
    match v.finished {
        Some(verdict) => draw_results(frame, body, verdict, v.answered),
        None => draw_instructions(frame, body),
    }
    frame.render_widget(status_line(&v.status, false, "", status.width), status);
    frame.render_widget(hints_line(&hint_items(v), hints.width), hints);
    if v.show_help {
        help_popup(frame, area, "ABX keys", help_lines());
    }
}

fn draw_header(frame: &mut Frame, area: Rect, v: &AbxView) {
    let badge = play_state(v.paused);
    let [left, right] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(badge.width() as u16)])
            .areas(area);
    let room = (left.width as usize).saturating_sub(16);
    frame.render_widget(
        Line::from(vec![
            Span::styled(" iemsim abx ", Style::new().bold()),
            Span::styled(
                format!("· {}", ellipsize(v.file, room)),
                Style::new().fg(Color::Gray),
            ),
        ]),
        left,
    );
    frame.render_widget(Line::from(badge), right);
}

/// "trial 3/16  ■■□□…": progress only; the squares say which trials are done, never how they went.
fn progress_line(v: &AbxView, width: u16) -> Line<'static> {
    let (done, label) = match v.finished {
        Some(_) if v.answered.len() < v.trials => (
            v.answered.len(),
            format!(
                " finished after {} of {} trials ",
                v.answered.len(),
                v.trials
            ),
        ),
        Some(_) => (v.trials, format!(" finished: {} trials ", v.trials)),
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
        let block = if on {
            Block::bordered()
                .border_type(BorderType::Thick)
                .border_style(Style::new().fg(color).add_modifier(Modifier::BOLD))
                .title(Line::from(" ● listening ").style(Style::new().fg(color).bold()))
        } else {
            Block::bordered()
                .border_type(BorderType::Rounded)
                .border_style(Style::new().fg(Color::DarkGray))
        };
        let inner = block.inner(*col);
        frame.render_widget(block, *col);
        let style = if on {
            Style::new().fg(color).bold()
        } else {
            Style::new().fg(Color::DarkGray)
        };
        let [glyph, key] =
            Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(inner);
        draw_big_letter(frame, glyph, side, style);
        let key_hint = format!("key {}", side.letter().to_ascii_lowercase());
        frame.render_widget(
            Line::from(key_hint)
                .style(Style::new().fg(Color::DarkGray))
                .centered(),
            key,
        );
    }
}

fn draw_instructions(frame: &mut Frame, area: Rect) {
    let key = |k: &'static str| Span::styled(k, Style::new().fg(Color::Yellow).bold());
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
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(Style::new().fg(Color::DarkGray))
        .title(" your answer ");
    let area = fit_height(area, &lines);
    frame.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: true }),
        area,
    );
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
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(Style::new().fg(Color::Yellow))
        .title(Line::from(" result ").bold());
    let area = fit_height(area, &lines);
    frame.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: true }),
        area,
    );
}

/// The top of `area`, as tall as `lines` wrapped to its inner width plus borders (at most all of
/// it), so a short panel does not stretch over a big terminal.
fn fit_height(area: Rect, lines: &[Line]) -> Rect {
    let w = area.width.saturating_sub(2).max(1) as usize;
    let rows: usize = lines.iter().map(|l| l.width().div_ceil(w).max(1)).sum();
    let h = (rows as u16).saturating_add(2).min(area.height);
    Rect { height: h, ..area }
}

fn hint_items(v: &AbxView) -> Vec<(&'static str, &'static str)> {
    if v.finished.is_some() {
        return vec![
            ("a/b/x", "listen"),
            ("space", if v.paused { "play" } else { "pause" }),
            ("?", "help"),
            ("q", "quit"),
        ];
    }
    vec![
        ("A/1", "X is A"),
        ("B/2", "X is B"),
        ("a/b/x", "listen"),
        ("tab", "cycle"),
        ("space", if v.paused { "play" } else { "pause" }),
        ("←/→", "seek"),
        ("l", "loop"),
        ("?", "help"),
        ("q", "quit"),
    ]
}

fn help_lines() -> Vec<Line<'static>> {
    vec![
        Line::from(" Is X the same as A or as B? Listen as often as you like.").bold(),
        Line::from(""),
        help_row("a / b / x", "listen to A / B / X"),
        help_row("tab", "cycle A → B → X"),
        help_row("Shift-A or 1", "answer: X is A"),
        help_row("Shift-B or 2", "answer: X is B"),
        help_row("space", "pause / resume"),
        help_row("← / →", "seek back / forward 5 s"),
        help_row("l", "loop: mark start, mark end, clear"),
        help_row("?", "show / hide this help"),
        help_row("q, Esc, Ctrl-C", "quit"),
        Line::from(""),
        Line::from(" Loudness matching is always on, so level cannot give X away."),
        Line::from(" Results per trial are shown only at the end."),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::widgets::big_letter;
    use super::super::StatusView;
    use super::*;
    use ratatui::backend::TestBackend;
    use ratatui::buffer::Buffer;
    use ratatui::Terminal;

    fn view<'a>(answered: &'a [bool], finished: Option<&'a str>) -> AbxView<'a> {
        AbxView {
            file: "samples/music.wav",
            a: "diffuse-field",
            b: "v-hybrid",
            trial: 3,
            trials: 16,
            listening: Live::X,
            position_s: 12.0,
            duration_s: 30.0,
            loop_s: None,
            paused: false,
            answered,
            finished,
            show_help: false,
            status: StatusView {
                device: "Test Device",
                rate_hz: 48000,
                buffer_frames: 512,
                load_pct: 3.7,
                underruns: 0,
            },
        }
    }

    fn render(v: &AbxView, w: u16, h: u16) -> Buffer {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| draw_abx(f, v)).unwrap();
        t.backend().buffer().clone()
    }

    fn text(b: &Buffer) -> String {
        (0..b.area.height)
            .map(|y| {
                (0..b.area.width)
                    .map(|x| b[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn has_glyph(b: &Buffer, g: &[&str]) -> bool {
        let rows: Vec<String> = text(b).lines().map(String::from).collect();
        rows.windows(g.len()).any(|win| {
            win[0].match_indices(g[0]).any(|(i, _)| {
                let col = win[0][..i].chars().count();
                win.iter()
                    .zip(g)
                    .all(|(r, gr)| r.chars().skip(col).collect::<String>().starts_with(gr))
            })
        })
    }

    #[test]
    fn shows_trial_names_listening_and_status() {
        for (w, h, tall) in [(80, 24, false), (120, 40, true)] {
            let t = text(&render(&view(&[true, false], None), w, h));
            for s in [
                "trial 3/16",
                "diffuse-field",
                "v-hybrid",
                "● listening",
                "0:12 / 0:30",
                "48000 Hz",
                "512 frames",
                "underruns 0",
                "X is A",
                "X is B",
                "▶ playing",
            ] {
                assert!(t.contains(s), "{s} missing at {w}x{h}:\n{t}");
            }
            let b = render(&view(&[], None), w, h);
            for side in [Live::A, Live::B, Live::X] {
                assert!(has_glyph(&b, big_letter(side, tall)), "{side:?} at {w}x{h}");
            }
        }
        let mut v = view(&[], None);
        v.paused = true;
        assert!(text(&render(&v, 80, 24)).contains("PAUSED"));
    }

    /// Nothing on screen may differ with what X is: no gains, levels, load or chart.
    #[test]
    fn nothing_that_could_reveal_x() {
        let answered = [true, false];
        for finished in [None, Some("You could tell them apart (p = 0.002).")] {
            for (w, h) in [(80, 24), (120, 40)] {
                let mut v = view(&answered, finished);
                v.show_help = finished.is_none();
                let t = text(&render(&v, w, h));
                for s in ["dB", "match +", "match -", "load", "%", "20k", "1k"] {
                    assert!(!t.contains(s), "{s:?} shown at {w}x{h}:\n{t}");
                }
                assert!(
                    !t.chars().any(|c| ('\u{2801}'..='\u{28FF}').contains(&c)),
                    "no braille chart at {w}x{h}"
                );
            }
        }
    }

    #[test]
    fn per_trial_results_only_after_the_end() {
        for (w, h) in [(80, 24), (120, 40)] {
            let right = render(&view(&[true, true], None), w, h);
            let wrong = render(&view(&[false, false], None), w, h);
            assert_eq!(
                right, wrong,
                "correctness leaked during the test at {w}x{h}"
            );
            let t = text(&right);
            assert!(!t.contains('✓') && !t.contains('✗'));

            let done = [true, false, true];
            let t = text(&render(&view(&done, Some("2 of 3: not significant")), w, h));
            assert!(t.contains("2 of 3: not significant"), "{t}");
            assert!(t.contains("2/3 correct"), "{t}");
            assert!(
                t.contains("1 ✓") && t.contains("2 ✗") && t.contains("3 ✓"),
                "{t}"
            );
            assert!(t.contains("finished after 3 of 16 trials"), "{t}");
        }
    }

    #[test]
    fn help_overlay() {
        let mut v = view(&[], None);
        assert!(!text(&render(&v, 80, 24)).contains("answer: X is A"));
        v.show_help = true;
        for (w, h) in [(80, 24), (120, 40)] {
            let t = text(&render(&v, w, h));
            assert!(
                t.contains("answer: X is A") && t.contains("Shift-B or 2"),
                "{t}"
            );
            assert!(t.contains("q, Esc, Ctrl-C"), "{t}");
        }
    }

    #[test]
    #[ignore = "prints screens for eyeballing: cargo test --release dump_ -- --ignored --nocapture"]
    fn dump_abx_screens() {
        let done = [
            true, false, true, true, true, false, true, true, true, true, true, true,
        ];
        for (w, h) in [(80, 24), (120, 40)] {
            println!("{}", text(&render(&view(&[], None), w, h)));
            println!(
                "{}",
                text(&render(
                    &view(
                        &done,
                        Some("10 of 12 correct: p = 0.019. You can hear the difference.")
                    ),
                    w,
                    h
                ))
            );
        }
        let mut v = view(&[], None);
        v.show_help = true;
        println!("{}", text(&render(&v, 80, 24)));
    }

    #[test]
    fn tiny_terminals_do_not_panic() {
        let answered = [true; 40];
        let mut v = view(&answered, Some("verdict"));
        v.show_help = true;
        for (w, h) in [(1, 1), (10, 3), (30, 8), (80, 10), (200, 60)] {
            render(&v, w, h);
        }
    }
}

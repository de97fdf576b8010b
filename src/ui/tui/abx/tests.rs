//! Rendering tests for the abx screen: TestBackend at 80x24 and 120x40, asserting on cells.

use super::super::testing::{draw, has_glyph, text};
use super::super::widgets::big_letter;
use super::super::StatusView;
use super::*;
use ratatui::buffer::Buffer;

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
        loop_pending_start: None,
        paused: false,
        device_lost: false,
        message: None,
        answered,
        finished,
        show_help: false,
        intro: None,
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
    draw(w, h, |f| draw_abx(f, v))
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

/// Before the first trial: the analysis's progress (no trial counted yet, no answer keys
/// offered), then the way to start; Enter is offered only once the gains are final.
#[test]
fn the_intro_shows_the_analysis_then_how_to_start() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut v = view(&[], None);
        v.trial = 1;
        v.listening = Live::A;
        v.intro = Some(AbxIntro::Analysing(0.42));
        let t = text(&render(&v, w, h));
        for s in [
            "before the trials",
            "42 %",
            "16 trials to come",
            "Measuring the loudness",
        ] {
            assert!(t.contains(s), "{s} missing at {w}x{h}:\n{t}");
        }
        for s in ["trial 1/16", "X is A", "start the trials", "Enter"] {
            assert!(!t.contains(s), "{s} shown while analysing at {w}x{h}:\n{t}");
        }
        v.intro = Some(AbxIntro::Ready);
        let t = text(&render(&v, w, h));
        for s in ["Ready", "Enter", "trial 1 of 16"] {
            assert!(t.contains(s), "{s} missing at {w}x{h}:\n{t}");
        }
        assert!(!t.contains("42 %"), "{t}");
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
        assert!(
            t.contains("q, Ctrl-C") && t.contains("close this help"),
            "{t}"
        );
        assert!(t.contains("? or Esc closes"), "{t}");
    }
}

#[test]
fn loop_feedback() {
    let mut v = view(&[], None);
    v.loop_pending_start = Some(12.0);
    v.message = Some("loop start marked; press l again at the end");
    for (w, h) in [(80, 24), (120, 40)] {
        let t = text(&render(&v, w, h));
        assert!(
            t.contains("loop start marked; press l again at the end"),
            "{t}"
        );
        assert!(t.contains("loop from 0:12"), "{t}");
    }
    // Once the message has gone, the pending start is still explained.
    v.message = None;
    let t = text(&render(&v, 80, 24));
    assert!(t.contains("loop start marked at 0:12"), "{t}");
    v.loop_pending_start = None;
    let t = text(&render(&v, 80, 24));
    assert!(!t.contains("loop start marked"), "{t}");
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

/// At 40 columns and less the key hints kept `A/1 X is A` without `B/2 X is B`, and the intro lost
/// `enter start the trials` to the listening hints: both answers and Enter stay, with quit.
#[test]
fn narrow_hints_keep_both_answers_and_enter() {
    let hints = |v: &AbxView, w: u16| {
        let t = text(&render(v, w, 24));
        t.lines().last().unwrap_or_default().to_string()
    };
    for w in [39, 40] {
        let h = hints(&view(&[], None), w);
        assert!(
            h.contains("A/1 X is A") && h.contains("B/2 X is B"),
            "{w}: {h}"
        );
        assert!(h.contains("q quit"), "{w}: {h}");
        let mut v = view(&[], None);
        v.intro = Some(AbxIntro::Ready);
        let h = hints(&v, w);
        assert!(h.contains("enter start the trials"), "{w}: {h}");
    }
    // With room, every hint, in order.
    let h = hints(&view(&[], None), 120);
    assert!(
        h.contains("A/1 X is A  B/2 X is B  a/b/x listen  tab cycle"),
        "{h}"
    );
}

/// Below 39 columns the hints of rank ALWAYS (" A/1 X is A  B/2 X is B  ? help  q quit" is 39
/// columns; " enter start the trials  ? help  q quit" is 39 too) were cut at the edge, `q quit`
/// first; below 8 rows the hint row was not drawn at all. They now take the rows they need, at
/// the bottom, kept before any other part: every screen says how to answer, start and quit.
#[test]
fn narrow_and_short_terminals_keep_every_way_to_answer_start_and_quit() {
    let answered = [true, false, true];
    for (w, h) in [
        (20, 5),
        (20, 10),
        (30, 5),
        (30, 8),
        (30, 24),
        (38, 5),
        (38, 10),
    ] {
        let main = view(&answered, None);
        let mut ready = view(&[], None);
        ready.intro = Some(AbxIntro::Ready);
        let mut analysing = view(&[], None);
        analysing.intro = Some(AbxIntro::Analysing(0.4));
        let finished = view(&answered, Some("2/3 correct"));
        let mut noted = view(&[], None);
        noted.intro = Some(AbxIntro::Ready);
        noted.message = Some("resampling 8000 Hz → 48000 Hz (the device's rate)");
        let cases: [(&AbxView, &[&str]); 5] = [
            (&main, &["A/1 X is A", "B/2 X is B", "? help", "q quit"]),
            (&ready, &["enter start the", "trials", "? help", "q quit"]),
            (&analysing, &["? help", "q quit"]),
            (&finished, &["? help", "q quit"]),
            (
                &noted,
                &["enter start the", "trials", "q quit", "resampling 8000 Hz"],
            ),
        ];
        for (v, wanted) in cases {
            let t = text(&render(v, w, h));
            // Whole on a row each (a word cut at the edge is not read).
            for s in wanted {
                assert!(t.lines().any(|l| l.contains(s)), "{s} at {w}x{h}:\n{t}");
            }
        }
    }
}

/// The answer panel's height was a row per `width` characters of each line, short of the rows
/// its words wrap to: at 30 columns the last, `Shift-B or 2  X is B`, was cut off.
#[test]
fn the_answer_panel_is_as_tall_as_its_wrapped_words() {
    for w in [30, 34, 80] {
        let t = text(&render(&view(&[], None), w, 24));
        assert!(t.contains("Shift-A or 1  X is A"), "{w}:\n{t}");
        assert!(t.contains("Shift-B or 2  X is B"), "{w}:\n{t}");
    }
}

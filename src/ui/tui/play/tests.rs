//! Rendering tests for the play screen: TestBackend at 80x24 and 120x40, asserting on cells.

use super::super::testing::{draw, has_glyph, rows};
use super::super::widgets::big_letter;
use super::super::StatusView;
use super::*;
use ratatui::buffer::Buffer;

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
        device_lost: false,
        matching: true,
        estimating: None,
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
        text_scroll: 0,
        part: None,
    }
}

fn render(v: &PlayView, w: u16, h: u16) -> Buffer {
    draw(w, h, |f| {
        draw_play(f, v);
    })
}

fn has(b: &Buffer, s: &str) -> bool {
    rows(b).iter().any(|r| r.contains(s))
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

/// While a lost device is opened again the header says so, not "playing" (the tester saw a
/// frozen "▶ playing" for most of the 30 s wait once the message had expired).
#[test]
fn a_lost_device_is_shown_not_playing() {
    let mut v = view();
    v.device_lost = true;
    for (w, h) in [(80, 24), (120, 40)] {
        let b = render(&v, w, h);
        assert!(has(&b, "NO DEVICE"), "at {w}x{h}");
        assert!(!has(&b, "playing"), "at {w}x{h}");
    }
    assert!(has(&render(&view(), 80, 24), "playing"));
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
    // A long message wraps onto a second row instead of being cut off at the edge.
    v.message = Some(
        "/home/me/.config/iemsim/profiles/zhigh.txt:2: fc_hz: 30000 Hz is at or above the \
         Nyquist frequency (24000 Hz) of 48000 Hz audio",
    );
    let b = render(&v, 80, 24);
    assert!(has(&b, "Nyquist frequency (24000 Hz) of 48000 Hz audio"));
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
    assert!(has(&b, "loop 1:00.0–1:30.0"));
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
        assert!(has(&b, "q, Ctrl-C") && has(&b, "close this help, else quit"));
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
    let b = render(&v, 80, 24);
    assert!(has(&b, "next / previous part") && has(&b, "scroll the text"));
    // The longest key (14 columns) keeps two spaces before its text, and every explanation
    // starts in one column (the old fixed 16-column key field ran longer keys together).
    let r = rows(&b);
    let col = |what: &str| {
        let line = r.iter().find(|l| l.contains(what)).expect(what);
        line[..line.find(what).unwrap()].chars().count()
    };
    assert!(
        r.iter().any(|l| l.contains("PgUp PgDn  scroll the text")),
        "{r:#?}"
    );
    assert_eq!(col("pause / resume"), col("scroll the text"), "{r:#?}");
    assert_eq!(col("quit"), col("next / previous part"), "{r:#?}");
}

#[test]
fn profile_keys_listed_on_tall_terminals() {
    let t = rows(&render(&view(), 120, 40)).join("\n");
    assert!(t.contains("1 neutral  2 diffuse-field  3 v-hybrid"), "{t}");
}

#[test]
fn wrapped_rows_matches_greedy_word_wrap() {
    assert_eq!(wrapped_rows("", 10), 0);
    assert_eq!(wrapped_rows("one", 10), 1);
    // "aaaa bbbb" fits 9; "cccc" goes to row 2.
    assert_eq!(wrapped_rows("aaaa bbbb cccc", 9), 2);
    assert_eq!(wrapped_rows("aaaa bbbb cccc", 8), 3);
    assert_eq!(wrapped_rows("first\n\nthird", 20), 3);
    // A 25-letter word at width 10 takes 3 rows.
    assert_eq!(wrapped_rows(&"x".repeat(25), 10), 3);
}

#[test]
fn wrap_text_keeps_lines_that_fit_and_splits_the_rest() {
    // A table row that fits keeps its spacing.
    assert_eq!(wrap_text("| a  |  b |", 11), ["a  b"]);
    assert_eq!(wrap_text("aaaa bbbb cccc", 9), ["aaaa bbbb", "cccc"]);
    // One that does not is re-spaced as it is wrapped.
    assert_eq!(wrap_text("ab  cd   ", 5), ["ab cd"]);
    assert_eq!(wrap_text("x\n\ny", 3), ["x", "", "y"]);
    assert_eq!(
        wrap_text(&format!("ab {}", "x".repeat(12)), 5),
        ["ab", "xxxxx", "xxxxx", "xx"]
    );
    // Nothing longer than the width, nothing lost.
    let text = "Sibilance is the harsh, splashy edge on s, t and ch sounds.\n".repeat(5);
    for w in [1, 7, 20, 80] {
        let rows = wrap_text(&text, w);
        assert!(rows.iter().all(|r| r.chars().count() <= w as usize), "{w}");
        let words = |s: &str| s.split_whitespace().collect::<String>();
        assert_eq!(words(&rows.concat()), words(&text), "{w}");
    }
}

/// A long text: numbered lines, so which ones are on screen is plain.
fn numbered(n: usize) -> String {
    (1..=n)
        .map(|i| format!("line {i:02} of the text"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn long_demo_text_scrolls_to_its_last_line() {
    let long = numbered(60);
    let mut v = view();
    v.text = Some(&long);
    v.part = Some((0, 2, "what it is"));
    for (w, h) in [(80, 24), (100, 30), (120, 40)] {
        v.text_scroll = 0;
        let b = render(&v, w, h);
        assert!(has(&b, "line 01") && !has(&b, "line 60"), "{w}x{h}");
        assert!(has(&b, "more ↓") && !has(&b, "more ↑"), "{w}x{h}");
        assert!(has(&b, "↑↓ scroll"), "{w}x{h}");
        // Scrolling one row moves the text by one row.
        v.text_scroll = 1;
        let b = render(&v, w, h);
        assert!(!has(&b, "line 01") && has(&b, "line 02"), "{w}x{h}");
        assert!(has(&b, "more ↑"), "{w}x{h}");
        // Far past the end: clamped so the last line sits at the bottom of the panel.
        v.text_scroll = u16::MAX;
        let mut drawn = 0;
        let b = draw(w, h, |f| drawn = draw_play(f, &v));
        assert!(has(&b, "line 60 of the text"), "{w}x{h}");
        assert!(!has(&b, "more ↓") && has(&b, "more ↑"), "{w}x{h}");
        let r = rows(&b);
        let last = r.iter().position(|l| l.contains("line 60")).unwrap();
        assert!(
            r[last + 1].contains('╰'),
            "last line at the bottom at {w}x{h}"
        );
        // The clamped value is returned and draws the same screen.
        assert!(drawn > 0 && drawn < 60, "{drawn} at {w}x{h}");
        v.text_scroll = drawn;
        assert_eq!(render(&v, w, h), b, "{w}x{h}");
        // ...and one row less shows one line more at the top.
        v.text_scroll = drawn - 1;
        let first = |b: &Buffer| {
            rows(b)
                .iter()
                .find_map(|l| l.split("line ").nth(1).map(|n| n[..2].to_string()))
        };
        let at_end = first(&b).unwrap();
        let before = first(&render(&v, w, h)).unwrap();
        assert_eq!(
            before.parse::<u32>().unwrap() + 1,
            at_end.parse::<u32>().unwrap()
        );
    }
}

#[test]
fn short_demo_text_does_not_scroll() {
    let mut v = view();
    v.text = Some("Two lines\nof text.");
    v.part = Some((0, 2, "what it is"));
    v.text_scroll = 5;
    let mut drawn = 1;
    let b = draw(80, 24, |f| drawn = draw_play(f, &v));
    assert_eq!(drawn, 0);
    assert!(has(&b, "Two lines") && has(&b, "of text."));
    assert!(!has(&b, "more ↓") && !has(&b, "more ↑") && !has(&b, "scroll"));
    // Play has no text and nothing to scroll.
    draw(80, 24, |f| drawn = draw_play(f, &view()));
    assert_eq!(drawn, 0);
}

#[test]
fn long_demo_text_takes_the_body_on_small_terminals() {
    let long = "Sibilance is the harsh, splashy edge on s, t and ch sounds. ".repeat(12);
    let mut v = view();
    v.text = Some(&long);
    v.part = Some((0, 3, "what it is"));
    let small = rows(&render(&v, 80, 24)).join("\n");
    assert!(!small.contains("10k"), "chart yields to the text at 80x24");
    let big = rows(&render(&v, 120, 40)).join("\n");
    assert!(big.contains("10k"), "chart beside the text at 120x40");
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

/// Only the digits that have a profile are offered ("1-3" for three), and on the demo's last
/// part the footer does not promise a next one.
#[test]
fn digit_keys_and_part_footer_say_what_exists() {
    let mut v = view();
    v.show_help = true;
    let b = render(&v, 100, 40);
    assert!(has(&b, "profiles (keys 1-3)"), "{:?}", rows(&b));
    assert!(!rows(&b).iter().any(|r| r.contains("1-9")));
    // The help's name column is as wide as the longest name plus a gap.
    assert!(has(&b, "diffuse-field  bright"), "{:?}", rows(&b));
    let mut v = view();
    v.text = Some("some text");
    v.part = Some((1, 2, "second"));
    let b = render(&v, 100, 40);
    assert!(
        has(&b, "last part · p previous") && !has(&b, "n next"),
        "{:?}",
        rows(&b)
    );
    v.part = Some((0, 2, "first"));
    let b = render(&v, 100, 40);
    assert!(has(&b, "n next"), "{:?}", rows(&b));
}

#[test]
fn the_signatures_class_table_is_drawn_as_columns_at_80_columns() {
    // The class table of `iemsim demo signatures`' intro (ui imports nothing of the commands,
    // so the text is copied here; commands/demo/text.rs draws the same table).
    let intro = format!(
        "Four classic tunings. Class means in dB (mean ± SD across the IEMs of the class):\n\n{}\n\nThe ± is often as large as the mean.",
        concat!(
            "| class         | 20-60 Hz   | 60-250 Hz  | 250 Hz-2 kHz | 2-5 kHz    | 5-9 kHz    | 9-16 kHz   |\n",
            "|---------------|------------|------------|--------------|------------|------------|------------|\n",
            "| BA (n=10)     | -3.3 ± 3.7 | +1.9 ± 2.7 | +0.9 ± 0.6   | -3.6 ± 1.9 | -1.2 ± 3.1 | -0.4 ± 4.4 |\n",
            "| DD (n=10)     | -1.9 ± 3.8 | +2.3 ± 1.7 | +0.9 ± 0.4   | -1.8 ± 2.0 | -0.3 ± 2.7 | +1.8 ± 3.5 |\n",
            "| hybrid (n=10) | +0.0 ± 1.9 | +3.3 ± 2.4 | +0.7 ± 0.7   | -2.9 ± 1.4 | +0.3 ± 2.9 | +1.6 ± 3.4 |\n",
        )
    );
    let mut v = view();
    v.text = Some(&intro);
    let b = render(&v, 80, 40);
    let r = rows(&b);
    // Each class is one screen row holding its name and all six "mean ± SD" cells: the raw
    // markdown row wrapped mid-cell before, spreading a class over two rows with its pipes.
    // (A cell too wide for the panel is cut with "…", so look for the class names' start.)
    for class in ["BA (n", "DD (n", "hybrid ("] {
        let row = r.iter().find(|l| l.contains(class)).expect(class);
        assert_eq!(row.matches('±').count(), 6, "{class}: {r:#?}");
        assert!(!row.contains("| "), "{class}: {r:#?}");
    }
    // The columns line up: the first ± of each class row is in the same column.
    let cols: Vec<usize> = ["BA (n", "DD (n", "hybrid ("]
        .iter()
        .map(|c| {
            let row = r.iter().find(|l| l.contains(c)).unwrap();
            row[..row.find('±').unwrap()].chars().count()
        })
        .collect();
    assert!(cols.iter().all(|&c| c == cols[0]), "{cols:?}\n{r:#?}");
}

/// Text from files (a profile's name and description, the file name, a message) cannot steer
/// the terminal: an OSC title sequence, a clear-screen CSI and a carriage return reach no cell
/// (ratatui leaves every control character out of the buffer), and the text around them shows.
#[test]
fn control_characters_from_files_never_reach_the_terminal() {
    let mut v = view();
    v.file = "song\u{1b}]0;pwned\u{7}.wav";
    v.sides[0].profile = "evil\u{1b}[2Jname";
    v.sides[0].description = "line\rover\u{9b}31m";
    v.message = Some("bad\u{1b}]2;title\u{7}message");
    v.show_help = false;
    for (w, h) in [(80, 24), (120, 40)] {
        let b = render(&v, w, h);
        let cells: String = rows(&b).concat();
        assert!(!cells.chars().any(char::is_control), "{cells:?}");
        assert!(has(&b, "evil[2Jname"), "{:#?}", rows(&b));
    }
}

/// In a terminal 10 rows high each side box has one row inside: it shows the profile's name
/// (it showed the gain, and neither name was anywhere on the screen).
#[test]
fn a_one_row_side_box_shows_the_profile_name() {
    let v = view();
    let b = render(&v, 80, 10);
    assert!(
        has(&b, "diffuse-field") && has(&b, "v-hybrid"),
        "{}",
        rows(&b).join("\n")
    );
    // Two rows and more keep the name and the gain.
    let b = render(&v, 80, 24);
    assert!(
        has(&b, "diffuse-field") && has(&b, "match +1.2 dB"),
        "{}",
        rows(&b).join("\n")
    );
}

const BA: &str =
    "Typical balanced-armature IEM: sub-bass rolled off below ~60 Hz, recessed 2-5 kHz \
                  presence, a narrow peak near 8.1 kHz";
const DD: &str =
    "Typical dynamic-driver IEM: a little less sub-bass (less rolled off than ba), the \
                  same upper-bass hump as ba (+3.7 dB near 210 Hz), a treble peak near 8.1 kHz";

/// The description a side box shows, its rows joined: from the row and column where it starts
/// (in the left or right half) down to the box's border or its gain row.
fn side_description(b: &Buffer, right: bool, start: &str) -> String {
    let r = rows(b);
    let half = usize::from(b.area.width / 2);
    let (y, x) = r
        .iter()
        .enumerate()
        .find_map(|(y, row)| {
            row.match_indices(start)
                .map(|(i, _)| row[..i].chars().count())
                .find(|&x| (x >= half) == right)
                .map(|x| (y, x))
        })
        .unwrap_or_else(|| panic!("no {start}: {r:#?}"));
    let mut seen = Vec::new();
    for row in &r[y..] {
        let seg: String = row
            .chars()
            .skip(x)
            .take_while(|&c| !matches!(c, '│' | '┃'))
            .collect();
        let seg = seg.trim();
        if seg.is_empty() || seg.starts_with("match ") || seg.starts_with('─') {
            break;
        }
        seen.push(seg.to_string());
    }
    seen.join(" ")
}

/// A shown description is the whole text, or a word-boundary start of it ending in "…", never
/// on a number whose unit was cut off.
fn check_cut(shown: &str, full: &str, at: &str) -> bool {
    if shown == full {
        return false;
    }
    let kept = shown
        .strip_suffix('…')
        .unwrap_or_else(|| panic!("{at}: cut without …: {shown:?}"));
    assert!(
        full.starts_with(kept),
        "{at}: {shown:?} is not a start of {full:?}"
    );
    let next = full[kept.len()..].chars().next();
    assert!(
        next.is_some_and(|c| !c.is_alphanumeric() && c != '.'),
        "{at}: cut inside a word: {shown:?}"
    );
    let last = kept.split_whitespace().last().unwrap_or("");
    assert!(!is_number(last), "{at}: ends on a figure: {shown:?}");
    true
}

/// The side boxes clipped a long description to their height with nothing to say so: at 80x24
/// side B read "Typical dynamic-driver IEM: a", at 100x30 (a demo part) side A ended "a narrow
/// peak near 8.1", its "kHz" gone.
#[test]
fn a_cut_description_ends_in_an_ellipsis_at_a_word() {
    let mut v = view();
    v.sides[0].description = BA;
    v.sides[1].description = DD;
    let mut cuts = 0;
    for demo in [false, true] {
        if demo {
            v.text = Some("The numbers: the level at 30, 50 and 100 Hz relative to 1 kHz.");
            v.part = Some((1, 3, "ba vs dd"));
        }
        for (w, h) in [(60, 20), (80, 24), (100, 30), (120, 40), (200, 50)] {
            let b = render(&v, w, h);
            for (right, full) in [(false, BA), (true, DD)] {
                let at = format!("{w}x{h} demo {demo} side {}", if right { 'B' } else { 'A' });
                cuts += usize::from(check_cut(
                    &side_description(&b, right, "Typical"),
                    full,
                    &at,
                ));
            }
        }
    }
    assert!(cuts >= 4, "only {cuts} cut descriptions seen");
    // The two the tester saw.
    assert!(side_description(&render(&view_with(DD), 80, 24), true, "Typical").ends_with('…'));
    let a = side_description(&render(&v, 100, 30), false, "Typical");
    assert!(a.ends_with('…') && !a.contains("8.1"), "{a}");
}

fn view_with(b_description: &'static str) -> PlayView<'static> {
    let mut v = view();
    v.sides[1].description = b_description;
    v
}

#[test]
fn with_ellipsis_drops_whole_words_and_a_stranded_figure() {
    assert_eq!(
        with_ellipsis("Typical dynamic-driver IEM: a", 29),
        "Typical dynamic-driver IEM…"
    );
    assert_eq!(
        with_ellipsis("presence, a narrow peak near 8.1", 40),
        "presence, a narrow peak near…"
    );
    assert_eq!(with_ellipsis("hump as ba (+3.7", 40), "hump as ba…");
    assert_eq!(with_ellipsis("short words", 40), "short words…");
    // One word too long for the row: cut inside it, the only way to fit.
    assert_eq!(with_ellipsis("balanced-armature", 8), "balance…");
    assert_eq!(
        clipped_rows("aaa bbb ccc ddd eee", 7, 2),
        ["aaa bbb", "ccc…"]
    );
    assert_eq!(clipped_rows("aaa bbb ccc", 7, 2), ["aaa bbb", "ccc"]);
    assert!(clipped_rows("aaa bbb", 7, 0).is_empty());
}

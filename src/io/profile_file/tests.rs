//! Parser and writer tests: published syntax, the errors' file/line/field, exact round trips.

use super::*;
use crate::dsp::{ChannelFilters, FilterKind::*, FilterSpec, Profile};

fn err_text(r: Result<Profile, ProfileFileError>) -> String {
    match r {
        Ok(p) => panic!("expected an error, got {p:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn eqapo_syntax_variants() {
    // BOM, CRLF, comments, blank lines, OFF, numbered and unnumbered filters, no-Q shelves and
    // pass filters, LPQ/HPQ with Q, BW Oct, `Channel: all`, preamps that add up.
    let text = "\u{feff}# my EQ\r\nPreamp: -3 dB\r\n\r\nChannel: all\r\nPreamp: -1.5 dB\r\n\
        Filter 1: ON PK Fc 1000 Hz Gain -2.5 dB Q 1.41\r\n\
        Filter 2: OFF PK Fc 2000 Hz Gain 9 dB Q 1\r\n\
        Filter: ON LS Fc 100 Hz Gain 4 dB\r\n\
        Filter 4: ON HS Fc 8000 Hz Gain -3 dB\r\n\
        Filter 5: ON HP Fc 20 Hz\r\n\
        Filter 6: ON LPQ Fc 18000 Hz Q 0.5\r\n\
        Filter 7: ON PK Fc 500 Hz Gain 1 dB BW Oct 1\r\n";
    let p = Format::EqApo.parse(text, "x.txt").expect("parses");
    assert_eq!(p.preamp_db, -4.5);
    assert_eq!(p.filters.len(), 6, "the OFF filter is skipped");
    assert_eq!(p.filters[0], FilterSpec::new(Peaking, 1000.0, -2.5, 1.41));
    // No Q: a shelf gets Equalizer APO's slope S = 0.9 at Fc, a pass filter Q = 1/√2.
    let s09 = |g: f64| {
        let a = 10f64.powf(g / 40.0);
        1.0 / ((a + 1.0 / a) * (1.0 / 0.9 - 1.0) + 2.0).sqrt()
    };
    assert_eq!(
        p.filters[1],
        FilterSpec::new(LowShelf, 100.0, 4.0, s09(4.0))
    );
    assert_eq!(
        p.filters[2],
        FilterSpec::new(HighShelf, 8000.0, -3.0, s09(-3.0))
    );
    assert_eq!(
        p.filters[3],
        FilterSpec::new(HighPass, 20.0, 0.0, DEFAULT_Q)
    );
    assert_eq!(p.filters[4], FilterSpec::new(LowPass, 18000.0, 0.0, 0.5));
    // One octave, kept as given; its analogue Q (for tables) is √2 (RBJ: 1/Q = 2 sinh(ln2/2 · BW)).
    assert_eq!(p.filters[5].bw_oct, Some(1.0));
    assert!((p.filters[5].q - std::f64::consts::SQRT_2).abs() < 1e-12);
    assert_eq!(p.name, "x");
}

/// Shelves as Equalizer APO builds them (filters/BiQuadFilterFactory.cpp, BiQuadFilter.cpp,
/// BiQuad.cpp): `LS`/`HS` with a Q or a slope name the corner, the biquad sits at
/// Fc · 10^(|gain|/80/S), a Q taken as the S it equals at that gain; no Q is S = 0.9 (no shift);
/// `6dB` is S = 0.5. The references are that code's RBJ responses at 48 kHz, computed
/// apart from iemsim (Python, from the cookbook's formulas). REW's `Fc 12.000 Hz` is 12 kHz, a
/// decimal comma a point, `Filter1:` and `Modal` are what Equalizer APO takes them for.
#[test]
fn eqapo_shelves_and_numbers_are_read_as_equalizer_apo_reads_them() {
    // (filter, f Hz, |H| dB there at 48 kHz, the biquad's own frequency in Hz), computed by a
    // numpy transcription of Equalizer APO's source, not iemsim's code: BiQuadFilterFactory.cpp
    // (a Q, else a slope `LS 6dB` as S = slope/12, else S = 0.9 with no corner shift),
    // BiQuadFilter::initialize (`LS`/`HS` with a Q or slope: a Q first becomes
    // S = 1/((1/Q² − 2)/(A + 1/A) + 1), A = 10^(gain/40); then fc · 10^(|gain|/80/S), divided for
    // HS) and BiQuad.cpp (the cookbook's shelf, α from Q or from S), evaluated as |H(e^jω)|.
    // The first three used Q itself as S (6.61, 8.14, -5.32 dB; `LS Fc 105 Hz Gain 6.5 dB Q 0.70`
    // at 137 Hz instead of 127.05 Hz).
    let cases: [(&str, f64, f64, f64); 10] = [
        (
            "ON LS Fc 100 Hz Gain 10 dB Q 0.7",
            125.0,
            5.615_402_5,
            134.023_138,
        ),
        (
            "ON LS Fc 100 Hz Gain 10 dB Q 0.7",
            100.0,
            7.401_743_6,
            134.023_138,
        ),
        (
            "ON HS Fc 8000 Hz Gain -8 dB Q 0.7",
            6800.0,
            -4.595_469_7,
            6_327.730_451,
        ),
        (
            "ON LS Fc 105 Hz Gain 6.5 dB Q 0.70",
            105.0,
            4.366_647_8,
            127.053_840,
        ),
        (
            "ON HS Fc 3000 Hz Gain 6 dB Q 1.2",
            4000.0,
            6.676_064_6,
            2_807.358_231,
        ),
        (
            "ON HSC Fc 8000 Hz Gain -8 dB Q 0.7",
            6800.0,
            -2.649_536_4,
            8000.0,
        ),
        ("ON LS Fc 100 Hz Gain 10 dB", 60.0, 8.412_302_7, 100.0),
        ("ON LSC Fc 100 Hz Gain 10 dB", 60.0, 8.412_302_7, 100.0),
        (
            "ON LS 6dB Fc 100 Hz Gain 10 dB",
            200.0,
            4.471_526_9,
            177.827_941,
        ),
        (
            "ON HS 9 dB Fc 3000 Hz Gain 6 dB",
            4000.0,
            4.917_420_3,
            2_382.984_704,
        ),
    ];
    for (filter, f, want, fc) in cases {
        let text = format!("Filter 1: {filter}\n");
        let p = Format::EqApo.parse(&text, "x.txt").expect(filter);
        let got = p.filters[0]
            .coefficients(48_000.0)
            .expect("stable")
            .magnitude_db(f, 48_000.0);
        assert!(
            (got - want).abs() < 1e-6,
            "{filter} at {f} Hz: {got} dB, want {want}"
        );
        let got_fc = p.filters[0].fc_hz;
        assert!(
            (got_fc - fc).abs() < 1e-5,
            "{filter}: fc {got_fc} Hz, want {fc}"
        );
    }
    let text = "Filter1: ON Modal Fc 1000,5 Hz Gain -3,5 dB Q 2\nFilter 2: ON PK Fc 12.000 Hz Gain -6 dB Q 4\n\
        Filter 3: ON PK Fc 1000.5 Hz Gain 1 dB Q 1\nFilter 4: ON PK Fc 100Hz Gain 3dB Q 1\n";
    let p = Format::EqApo.parse(text, "x.txt").expect("parses");
    let cr_only = text.replace('\n', "\r");
    assert_eq!(Format::EqApo.parse(&cr_only, "x.txt").expect("CR only"), p);
    let fcs: Vec<f64> = p.filters.iter().map(|f| f.fc_hz).collect();
    assert_eq!(fcs, [1000.5, 12_000.0, 1000.5, 100.0]);
    assert_eq!(p.filters[0].gain_db, -3.5);
    for (bad, says) in [
        (
            "ON PK 6dB Fc 100 Hz Gain 3 dB Q 1",
            "slope in dB is for shelves",
        ),
        ("ON LS 6dB Fc 100 Hz Gain 3 dB Q 1", "a Q or a slope"),
    ] {
        let e = err_text(Format::EqApo.parse(&format!("Filter: {bad}\n"), "a.txt"));
        assert!(e.starts_with("a.txt:1:") && e.contains(says), "{e}");
    }
}

/// An LS/HS whose corner frequency moves out of audio (Equalizer APO's rule, by gain and slope)
/// is refused naming the file's Fc and where it went, not a number the file never holds.
#[test]
fn a_shelf_moved_out_of_audio_names_the_files_fc() {
    for (line, at) in [
        (
            "ON HS Fc 688.7 Hz Gain -5.76 dB Q 0.103",
            "HS Fc 688.7 Hz puts its shelf at 0.416 Hz",
        ),
        (
            "ON LS Fc 5000 Hz Gain 12 dB Q 0.2",
            "LS Fc 5000 Hz puts its shelf at 170189 Hz",
        ),
    ] {
        let e = err_text(Format::EqApo.parse(&format!("Filter 1: {line}\n"), "s.txt"));
        assert!(e.starts_with("s.txt:1: Fc: ") && e.contains(at), "{e}");
    }
    // The same with a C: the shelf's own frequency, as given.
    let p = Format::EqApo.parse(
        "Filter 1: ON HSC Fc 688.7 Hz Gain -5.76 dB Q 0.103\n",
        "s.txt",
    );
    assert_eq!(p.map(|p| p.filters[0].fc_hz).ok(), Some(688.7));
}

/// A gain out of range names the field the file used: TOML's per-channel `gain_db` was called
/// `preamp_db`, and so was Equalizer APO's `Preamp:` line.
#[test]
fn a_gain_out_of_range_names_the_files_own_field() {
    let toml = "name = \"x\"\n[[channels]]\nchannel = 1\ngain_db = 100\n";
    let e = err_text(Format::Toml.parse(toml, "c.toml"));
    assert!(
        e.starts_with("c.toml:4: gain_db: 100 dB is not a number within"),
        "{e}"
    );
    let e = err_text(Format::Toml.parse("name = \"x\"\npreamp_db = -50\n", "p.toml"));
    assert!(e.starts_with("p.toml:2: preamp_db: -50 dB"), "{e}");
    for text in [
        "Preamp: 100 dB\n",
        "Channel: L\nPreamp: 30 dB\nPreamp: 30 dB\n",
    ] {
        let e = err_text(Format::EqApo.parse(text, "a.txt"));
        assert!(
            e.contains(": Preamp: ") && e.contains("dB is not a number within"),
            "{e}"
        );
    }
}

/// Numbers as Equalizer APO's source reads them: `Preamp: -4,7 dB` (PreampFilterFactory: commas
/// become points, then `swscanf(" %lf dB")`, which ignores what follows the number, so a
/// `# note` after it too) was refused as "not a number of dB"; `Fc 1 000 Hz` with U+00A0 as the
/// thousands separator (BiQuadFilterFactory: the Fc pattern takes U+00A0, `getFreq` removes it)
/// was read as `Fc 1` and a stray `000`. Other fields take no U+00A0 there, and neither does
/// iemsim; other text after a preamp stays refused.
#[test]
fn eqapo_preamp_commas_comments_and_nbsp_thousands() {
    let read = |text: &str| Format::EqApo.parse(text, "n.txt");
    let filter = "Filter 1: ON PK Fc 1000 Hz Gain 1 dB Q 1\n";
    for (line, db) in [
        ("Preamp: -4,7 dB", -4.7),
        ("Preamp: -4,7dB", -4.7),
        ("Preamp: -3 dB # note", -3.0),
        ("Preamp: -3 # note, with a comma", -3.0),
        ("Preamp: +1,25 dB", 1.25),
    ] {
        let p = read(&format!("{line}\n{filter}")).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert_eq!(p.preamp_db, db, "{line}");
    }
    let e = err_text(read(&format!("Preamp: -3 dB loud\n{filter}")));
    assert!(
        e.starts_with("n.txt:1: Preamp:") && e.contains("not a number of dB"),
        "{e}"
    );
    // Per channel too.
    let p =
        read("Channel: R\nPreamp: -1,5 dB\nFilter 1: ON PK Fc 1000 Hz Gain 1 dB Q 1\n").unwrap();
    assert_eq!(p.channels[0].gain_db, -1.5);
    for (fc_text, fc) in [
        ("1\u{a0}000 Hz", 1000.0),
        ("12\u{a0}000,5 Hz", 12_000.5),
        ("\u{a0}2\u{a0}500\u{a0}Hz", 2500.0),
        ("2\u{a0}500Hz", 2500.0),
    ] {
        let line = format!("Filter 1: ON PK Fc {fc_text} Gain 1 dB Q 1\n");
        let p = read(&line).unwrap_or_else(|e| panic!("{line:?}: {e}"));
        assert_eq!(p.filters[0].fc_hz, fc, "{line:?}");
        assert_eq!((p.filters[0].gain_db, p.filters[0].q), (1.0, 1.0));
    }
    // U+00A0 elsewhere is only a space between words, as before.
    let p = read("Filter 1: ON PK Fc 1000 Hz Gain\u{a0}2 dB Q\u{a0}3\n").unwrap();
    assert_eq!((p.filters[0].gain_db, p.filters[0].q), (2.0, 3.0));
    let e = err_text(read("Filter 1: ON PK Fc 1000 Hz Gain 1 dB Q 1\u{a0}5\n"));
    assert!(e.starts_with("n.txt:1: "), "{e}");
}

#[test]
fn eqapo_refusals_name_line_and_field() {
    let e = err_text(Format::EqApo.parse(
        "Preamp: -1 dB\nChannel: C\nFilter: ON PK Fc 10 Hz Gain 1 dB Q 1\n",
        "a.txt",
    ));
    assert!(
        e.starts_with("a.txt:2: Channel:") && e.contains("'C'") && e.contains("layout"),
        "{e}"
    );
    let e = err_text(Format::EqApo.parse("Filter 1: ON NO Fc 50 Hz\n", "a.txt"));
    assert!(
        e.contains("a.txt:1: type") && e.contains("NO filters are not supported"),
        "{e}"
    );
    let e = err_text(Format::EqApo.parse("\n\nFilter 3: ON XX Fc 50 Hz\n", "a.txt"));
    assert!(
        e.contains("a.txt:3: type") && e.contains("unknown filter type 'XX'"),
        "{e}"
    );
    let e = err_text(Format::EqApo.parse("Filter 1: ON PK Fc 0 Hz Gain 1 dB Q 1\n", "a.txt"));
    assert!(e.contains("a.txt:1: Fc"), "{e}");
    // A Q so small its filter is unstable in f64 was accepted, then dropped at render time.
    let e =
        err_text(Format::EqApo.parse("Filter 1: ON PK Fc 1000 Hz Gain 3 dB Q 1e-30\n", "a.txt"));
    assert!(e.contains("a.txt:1: Q") && e.contains("below 0.001"), "{e}");
    let e = err_text(Format::EqApo.parse("Filter 1: ON PK Fc 100 Hz Gain 31 dB Q 1\n", "a.txt"));
    assert!(e.contains("a.txt:1: Gain") && e.contains("±30"), "{e}");
    // One gain limit: what a file may not give a filter, no other way in (`--filter`, the
    // fitter's output, a built-in) may either; 35 dB passed `FilterSpec::validate` when it
    // allowed ±40 dB.
    for gain_db in [30.5, -35.0, 39.0] {
        let spec = FilterSpec::new(Peaking, 100.0, gain_db, 1.0);
        assert!(
            check_filter(&spec, |_, m| ProfileFileError::file("a.txt", m)).is_err(),
            "{gain_db}"
        );
        assert!(spec.validate().is_err(), "{gain_db}");
    }
    let edge = FilterSpec::new(Peaking, 100.0, 30.0, 1.0);
    assert!(
        check_filter(&edge, |_, m| ProfileFileError::file("a.txt", m)).is_ok()
            && edge.validate().is_ok()
    );
    let e = err_text(Format::EqApo.parse("Filter 1: ON PK Fc 100 Hz Gain 1 dB Q 0\n", "a.txt"));
    assert!(e.contains("a.txt:1: Q: Q 0"), "{e}");
    let e = err_text(Format::EqApo.parse("Filter 1: ON PK Fc 100 Hz Gain 1 dB\n", "a.txt"));
    assert!(e.contains("a.txt:1: Q") && e.contains("missing"), "{e}");
    let e = err_text(Format::EqApo.parse("Include: other.txt\n", "a.txt"));
    assert!(e.contains("'Include' is not supported"), "{e}");
}

/// A Room EQ Wizard `Filter Settings file` export, as Equalizer APO plays it (FilterEngine.cpp skips
/// lines without a colon and commands no factory knows; BiQuadFilterFactory.cpp adds nothing for
/// `None`, reads the type as the letters after `ON`, and finds `Fc`, `Gain` and `Q` anywhere after
/// it). iemsim refused the whole file at its first line. Each REW spelling must read as the plain
/// Equalizer APO line it stands for.
#[test]
fn eqapo_reads_room_eq_wizard_exports_as_equalizer_apo_plays_them() {
    let rew = "Filter Settings file\n\nRoom EQ V5.20\nDated: Nov 8, 2021 10:38:00 AM\n\nNotes:\n\n\
               Equaliser: Generic\nSep 29 23:34:13 2021\n\
               Filter  1: ON  PK       Fc   46.50 Hz  Gain  -9.40 dB  Q  4.470\n\
               Filter  2: ON  None\n\
               Filter  3: ON  LS Q     Fc  500.00 Hz  Gain    3.0 dB Q   0.71\n\
               Filter  4: ON  HP Q     Fc   20.00 Hz  Q   0.50\n\
               Filter  5: ON  Modal    Fc   25.00 Hz  Gain  -7.00 dB  Q 16.139  T60 target   300 ms\n\
               Filter  6: ON  PK  Fc 46.5 Hz  Gain -9.4 dB  Q 4.47 # room mode\n";
    let plain = "Filter: ON PK Fc 46.5 Hz Gain -9.4 dB Q 4.47\n\
                 Filter: ON LS Fc 500 Hz Gain 3 dB Q 0.71\n\
                 Filter: ON HP Fc 20 Hz Q 0.5\n\
                 Filter: ON Modal Fc 25 Hz Gain -7 dB Q 16.139\n\
                 Filter: ON PK Fc 46.5 Hz Gain -9.4 dB Q 4.47\n";
    let got = Format::EqApo.parse(rew, "x.txt").expect("REW export");
    let want = Format::EqApo.parse(plain, "x.txt").expect("plain");
    assert_eq!(got.filters, want.filters);
    assert_eq!(got.filters.len(), 5);
    // The REW shelf is Equalizer APO's `LS` with a Q: a corner frequency, moved up from 500 Hz.
    assert!(got.filters[1].fc_hz > 520.0, "{:?}", got.filters[1]);
    assert_eq!(got.filters[2].q, 0.5);
}

/// Lines Equalizer APO would skip though they read as a command are refused, not skipped: it
/// reads `Preamp` and `Channel` only as whole commands, and nothing without a colon.
#[test]
fn eqapo_refuses_commands_equalizer_apo_would_skip() {
    let pk = "Filter: ON PK Fc 100 Hz Gain 1 dB Q 1";
    for (line, want) in [
        (
            "Preamp 2: -6 dB",
            "x.txt:1: Preamp: 'Preamp 2' is not `Preamp`",
        ),
        (
            "Channel x: L",
            "x.txt:1: Channel: 'Channel x' is not `Channel`",
        ),
        (
            "Preamp -3 dB",
            "x.txt:1: line: 'Preamp -3 dB' needs a colon",
        ),
        ("Channel L", "x.txt:1: line: 'Channel L' needs a colon"),
        (
            "Filter 1 ON PK Fc 1 Hz",
            "x.txt:1: line: 'Filter 1 ON PK Fc 1 Hz' needs a colon",
        ),
        (
            "Fliter 1: ON PK Fc 100 Hz",
            "'Fliter 1' is not an Equalizer APO command",
        ),
        ("GraphicEQ: 20 -3; 100 0", "'GraphicEQ' is not supported"),
    ] {
        let e = err_text(Format::EqApo.parse(&format!("{line}\n{pk}\n"), "x.txt"));
        assert!(e.starts_with(want) || e.contains(want), "{line}: {e}");
    }
    // Nothing but skipped lines is still an empty file.
    let e = err_text(Format::EqApo.parse("Filter Settings file\nNotes: none\n", "x.txt"));
    assert!(e.starts_with("x.txt: has no Preamp or Filter line"), "{e}");
}

/// Equalizer APO matches `Preamp`, `Channel`, `Filter`, `ON`, the types, `Fc`/`Hz`, `Gain`/`dB`,
/// `Q` and `BW Oct` case-sensitively and drops a filter without its `Hz` or `dB`
/// (BiQuadFilterFactory.cpp's patterns), so each line below changes nothing there. iemsim applied
/// every one of them (exit 0); it now refuses each, naming the line and the word.
#[test]
fn eqapo_names_and_units_as_equalizer_apo_spells_them() {
    let pk = "ON PK Fc 1000 Hz Gain 3 dB Q 1";
    let cases = [
        (
            "preamp: -3 dB".to_string(),
            "Preamp: 'preamp' must be written `Preamp`",
        ),
        (
            format!("filter 1: {pk}"),
            "Filter: 'filter' must be written `Filter`",
        ),
        (
            format!("FILTER: {pk}"),
            "Filter: 'FILTER' must be written `Filter`",
        ),
        (format!("channel: L\nFilter: {pk}"), "Channel: 'channel'"),
        ("Filter: on PK Fc 1000 Hz Gain 3 dB Q 1".into(), "ON: 'on'"),
        ("Filter: ON pk Fc 1000 Hz Gain 3 dB Q 1".into(), "PK: 'pk'"),
        (
            "Filter: ON MODAL Fc 1000 Hz Gain 3 dB Q 1".into(),
            "Modal: 'MODAL'",
        ),
        ("Filter: ON lsc Fc 100 Hz Gain 3 dB".into(), "LSC: 'lsc'"),
        ("Filter: ON PK fc 1000 Hz Gain 3 dB Q 1".into(), "Fc: 'fc'"),
        ("Filter: ON PK Fc 1000 hz Gain 3 dB Q 1".into(), "Hz: 'hz'"),
        ("Filter: ON PK Fc 1000HZ Gain 3 dB Q 1".into(), "Hz: 'HZ'"),
        (
            "Filter: ON PK Fc 1000 Hz gain 3 dB Q 1".into(),
            "Gain: 'gain'",
        ),
        ("Filter: ON PK Fc 1000 Hz Gain 3 DB Q 1".into(), "dB: 'DB'"),
        ("Filter: ON PK Fc 1000 Hz Gain 3 dB q 1".into(), "Q: 'q'"),
        (
            "Filter: ON PK Fc 1000 Hz Gain 3 dB bw Oct 1".into(),
            "BW: 'bw'",
        ),
        (
            "Filter: ON PK Fc 1000 Hz Gain 3 dB BW oct 1".into(),
            "Oct: 'oct'",
        ),
        ("Filter: ON LS 6db Fc 100 Hz Gain 3 dB".into(), "dB: 'db'"),
        ("Filter: ON HS 6 DB Fc 100 Hz Gain 3 dB".into(), "dB: 'DB'"),
        (
            "Filter: ON PK Fc 1000 Gain 3 dB Q 1".into(),
            "Fc: expected Hz after the number, found 'Gain'",
        ),
        (
            "Filter: ON PK Fc 1000 Hz Gain 3 Q 1".into(),
            "Gain: expected dB after the number, found 'Q'",
        ),
        (
            "Filter: ON HP Fc 100".into(),
            "Fc: expected Hz after the number, found the end of the line",
        ),
    ];
    for (line, want) in &cases {
        let e = err_text(Format::EqApo.parse(&format!("Preamp: 0 dB\n{line}\n"), "a.txt"));
        assert!(
            e.starts_with("a.txt:2: ") && e.contains(want),
            "{line}: {e}"
        );
    }
    // What Equalizer APO reads as written stays read: `Preamp` without `dB` or with `db`
    // (swscanf(" %lf dB") stops after the number), `Filter1`, `OFF` in any case (anything but
    // `ON` is skipped), speaker names in any case (ChannelFilterFactory upper-cases them).
    let p = Format::EqApo
        .parse(
            &format!("Preamp: -3\nPreamp: -1 db\nChannel: l\nFilter1: {pk}\nFilter 2: off {pk}\n"),
            "a.txt",
        )
        .unwrap();
    assert_eq!(p.preamp_db, -4.0);
    assert_eq!(p.channels.len(), 1);
    assert_eq!(p.channels[0].filters.len(), 1);
}

#[test]
fn toml_errors_name_line_and_field() {
    let head = "name = \"t\"\npreamp_db = -2\n\n[[filters]]\ntype = \"peaking\"\n";
    let cases = [
        ("fc_hz = 0\ngain_db = 1\nq = 1\n", "t.toml:6: fc_hz"),
        ("fc_hz = -5\ngain_db = 1\nq = 1\n", "t.toml:6: fc_hz"),
        ("fc_hz = 100\ngain_db = 1\nq = 0\n", "t.toml:8: q"),
        ("fc_hz = 100\ngain_db = -31\nq = 1\n", "t.toml:7: gain_db"),
    ];
    for (rest, want) in cases {
        let e = err_text(Format::Toml.parse(&format!("{head}{rest}"), "t.toml"));
        assert!(e.starts_with(want), "{want}: {e}");
    }
    let e = err_text(Format::Toml.parse(
        "[[filters]]\ntype = \"bell\"\nfc_hz = 1\ngain_db = 1\nq = 1\n",
        "t.toml",
    ));
    assert!(
        e.starts_with("t.toml:2: type: unknown filter type 'bell'"),
        "{e}"
    );
    let e = err_text(Format::Toml.parse("name = \"t\"\ncolour = 3\n", "t.toml"));
    assert!(
        e.starts_with("t.toml:2: toml:") && e.contains("colour"),
        "{e}"
    );
    let e = err_text(Format::Toml.parse(
        "[[filters]]\ntype = \"low_pass\"\nfc_hz = 100\ngain_db = 3\nq = 1\n",
        "t.toml",
    ));
    assert!(
        e.contains("t.toml:4: gain_db") && e.contains("no gain"),
        "{e}"
    );
}

#[test]
fn camilladsp_reads_bandwidth_slope_and_gain() {
    let text = "filters:\n  g:\n    type: Gain\n    parameters:\n      gain: -4.5\n      scale: dB\n  \
        pk:\n    type: Biquad\n    parameters:\n      type: Peaking\n      freq: 1000\n      gain: 3\n      bandwidth: 1\n  \
        ls:\n    type: Biquad\n    parameters:\n      type: Lowshelf\n      freq: 100\n      gain: 6\n      slope: 12\n  \
        hp:\n    type: Biquad\n    parameters:\n      type: Highpass\n      freq: 20\n      q: 0.5\n\
        pipeline:\n  - type: Filter\n    channels: [0, 1]\n    names: [g, hp, pk]\n  - type: Filter\n    channels: [0, 1]\n    names: [ls]\n";
    let p = Format::CamillaDsp.parse(text, "c.yml").expect("parses");
    assert_eq!(p.preamp_db, -4.5);
    // Pipeline order, not file order.
    assert_eq!(p.filters[0], FilterSpec::new(HighPass, 20.0, 0.0, 0.5));
    assert_eq!(p.filters[1], FilterSpec::peaking_bw(1000.0, 3.0, 1.0));
    // A 12 dB/octave slope is the cookbook's S = 1, i.e. Q = 1/√2 whatever the gain.
    assert_eq!(p.filters[2].kind, LowShelf);
    assert!((p.filters[2].q - DEFAULT_Q).abs() < 1e-12);
}

#[test]
fn camilladsp_refusals() {
    let f = "filters:\n  a:\n    type: Biquad\n    parameters:\n      type: Peaking\n      freq: 100\n      gain: 1\n      q: 1\n";
    let e = err_text(Format::CamillaDsp.parse(&format!("{f}pipeline:\n  - type: Filter\n    channels: [0]\n    names: [a]\n  - type: Filter\n    channels: [2]\n    names: [a]\n"), "c.yml"));
    assert!(
        e.contains("pipeline step 2 (Filter) names channel 2"),
        "{e}"
    );
    let e = err_text(Format::CamillaDsp.parse(
        &format!(
            "{f}pipeline:\n  - type: Filter\n    channels: [0]\n    channel: 0\n    names: [a]\n"
        ),
        "c.yml",
    ));
    assert!(e.contains("pipeline step 1 (Filter) gives both"), "{e}");
    let e = err_text(Format::CamillaDsp.parse(
        &format!("{f}pipeline:\n  - type: Mixer\n    name: m\n"),
        "c.yml",
    ));
    assert!(e.contains("pipeline step 1 (Mixer)"), "{e}");
    let e = err_text(Format::CamillaDsp.parse(&f.replace("Peaking", "Notch"), "c.yml"));
    assert!(
        e.starts_with("c.yml:2: filters.a.parameters.type") && e.contains("Notch"),
        "{e}"
    );
    let e = err_text(Format::CamillaDsp.parse(&f.replace("freq: 100", "freq: 0"), "c.yml"));
    assert!(e.starts_with("c.yml:2: filters.a.freq"), "{e}");
}

/// Keys CamillaDSP does not know are refused where it refuses them (top level, pipeline steps,
/// filter definitions): a typed `Filters:` or `chanels:` was read as no filters, or as a filter on
/// every channel, exit 0. A file with no EQ in it (empty, a docker-compose file) is refused too.
#[test]
fn camilladsp_unknown_keys_and_files_without_eq_are_refused() {
    let bass = "{type: Biquad, parameters: {type: Lowshelf, freq: 100, gain: 6, q: 0.7}}";
    // At the top level, in a step, in a filter's definition (with the line), and inside
    // `parameters:`, where CamillaDSP refuses other keys: a Gain (`scael: linear` read as dB
    // turned 0.5 into +0.5 dB) and a pass filter; and `name:` on a Filter step.
    for (text, want) in [
        (
            format!("Filters:\n  bass: {bass}\n"),
            "c.yml:1: yaml: unknown field `Filters`",
        ),
        (
            format!("filters:\n  bass: {bass}\npipeline:\n  - {{type: Filter, chanels: [0], names: [bass]}}\n"),
            "c.yml:4: yaml: pipeline[0]: unknown field `chanels`",
        ),
        (
            "filters:\n  bass: {type: Biquad, descr: x, parameters: {type: Lowshelf, freq: 100, gain: 6, q: 0.7}}\n".to_string(),
            "c.yml:2: filters.bass: unknown field `descr`",
        ),
        (
            "filters:\n  g: {type: Gain, parameters: {gain: 0.5, scael: linear}}\n".to_string(),
            "unknown field `scael`",
        ),
        (
            "filters:\n  lp: {type: Biquad, parameters: {type: Lowpass, freq: 100, qq: 0.7}}\n"
                .to_string(),
            "a Lowpass filter takes freq and q only",
        ),
        (
            format!("filters:\n  bass: {bass}\npipeline:\n  - {{type: Filter, name: bass}}\n"),
            "takes `names:`, not `name:`",
        ),
    ] {
        let e = err_text(Format::CamillaDsp.parse(&text, "c.yml"));
        assert!(e.contains(want), "{e}");
    }
    for text in [
        "",
        "title: x\n",
        "version: \"3\"\nservices:\n  web:\n    image: nginx\n",
    ] {
        assert!(Format::CamillaDsp.parse(text, "c.yml").is_err(), "{text:?}");
    }
    // What CamillaDSP accepts still reads: descriptions, unused mixers and processors.
    let p = Format::CamillaDsp
        .parse(
            "mixers: {}\nprocessors: {}\nfilters:\n  bass: {type: Biquad, description: d, parameters: {type: Lowshelf, freq: 100, gain: 6, q: 0.7}}\n\
             pipeline:\n  - {type: Filter, description: d, bypassed: false, names: [bass]}\n",
            "c.yml",
        )
        .unwrap();
    assert_eq!(p.filters.len(), 1);
    // The same for iemsim's own TOML: an empty file is no profile; a name alone is a flat one.
    for text in ["", "# nothing yet\n"] {
        let e = err_text(Format::Toml.parse(text, "p.toml"));
        assert!(e.contains("filters = []"), "{e}");
    }
    for text in ["filters = []\n", "name = \"flat\"\n"] {
        assert!(Format::Toml.parse(text, "p.toml").is_ok(), "{text}");
    }
}

/// A 4-channel configuration filtering channels 0 and 1 is written back as 4 channels: written
/// as a stereo one, it read back as filtering every channel (channels 3 and 4 changed, +5 dB).
#[test]
fn camilladsp_keeps_the_channel_count_it_read() {
    let text = "devices: {samplerate: 48000, chunksize: 1024, capture: {type: Stdin, channels: 4, format: S32_LE}, playback: {type: Stdout, channels: 4, format: S32_LE}}\n\
        filters:\n  bass: {type: Biquad, parameters: {type: Lowshelf, freq: 100, gain: 6, q: 0.7}}\n\
        pipeline:\n  - {type: Filter, channels: [0, 1], names: [bass]}\n";
    let p = Format::CamillaDsp.parse(text, "q.yml").unwrap();
    assert!(p.filters.is_empty());
    assert_eq!(p.channels.len(), 2);
    let back = Format::CamillaDsp
        .parse(&Format::CamillaDsp.write(&p).unwrap(), "back.yml")
        .unwrap();
    assert_eq!((back.filters, back.channels), (p.filters, p.channels));
}

/// CamillaDSP reads a key `1:` as the name "1": such filters are applied, with or without a
/// pipeline naming them (they were left out: a file of them applied nothing, exit 0).
#[test]
fn camilladsp_filters_named_by_numbers_are_applied() {
    let f = "filters:\n  1:\n    type: Biquad\n    parameters: {type: Peaking, freq: 100, gain: 6, q: 1}\n  \
        2:\n    type: Biquad\n    parameters: {type: Peaking, freq: 1000, gain: 3, q: 1}\n";
    let p = Format::CamillaDsp.parse(f, "c.yml").expect("parses");
    assert_eq!(
        p.filters,
        [
            FilterSpec::new(Peaking, 100.0, 6.0, 1.0),
            FilterSpec::new(Peaking, 1000.0, 3.0, 1.0)
        ]
    );
    let piped = format!("{f}pipeline:\n  - type: Filter\n    names: [\"2\"]\n");
    let p = Format::CamillaDsp.parse(&piped, "c.yml").expect("parses");
    assert_eq!(p.filters, [FilterSpec::new(Peaking, 1000.0, 3.0, 1.0)]);
    let e = err_text(Format::CamillaDsp.parse(&f.replace("  1:", "  ~:"), "c.yml"));
    assert!(e.contains("a filter's name is not text"), "{e}");
    let e = err_text(Format::CamillaDsp.parse(&piped.replace("[\"2\"]", "[b]"), "c.yml"));
    assert!(
        e.contains("filters.b:") && !e.contains("filters.b.:"),
        "{e}"
    );
}

/// Every kind, numbers that have no short decimal form, a preamp and text needing escapes.
fn awkward() -> Profile {
    Profile {
        name: "round \"trip\"".into(),
        description: "all: kinds # and symbols ±".into(),
        preamp_db: -6.300000000000001,
        filters: vec![
            FilterSpec::new(LowShelf, 105.0, 6.5, 0.7),
            FilterSpec::new(
                Peaking,
                100.0 * (0.1 + 0.2),
                1.0 / 3.0,
                std::f64::consts::PI,
            ),
            FilterSpec::new(HighShelf, 10_000.000_000_1, -2.999_999_999, DEFAULT_Q),
            FilterSpec::new(LowPass, 19_999.5, 0.0, 0.5),
            FilterSpec::new(HighPass, 12.25, 0.0, 1e-3),
            FilterSpec::new(Peaking, 8445.0, -0.0, 5.82),
            FilterSpec::peaking_bw(4321.5, 2.5, 1.0 / 3.0),
        ],
        source: "made up for the test".into(),
        channels: Vec::new(),
        behind: None,
        channel_count: None,
    }
}

/// [`awkward`] with filters and gains of its own on the right channel and on channel 4.
fn awkward_per_channel() -> Profile {
    let mut p = awkward();
    p.channels = vec![
        ChannelFilters {
            channel: 1,
            gain_db: -1.0 / 3.0,
            filters: vec![FilterSpec::new(Peaking, 3000.0, -2.25, 1.0 / 7.0)],
        },
        ChannelFilters {
            channel: 3,
            gain_db: 0.0,
            filters: vec![
                FilterSpec::new(HighShelf, 9000.5, 4.0, 0.5),
                FilterSpec::new(LowPass, 15000.0, 0.0, 0.8),
            ],
        },
    ];
    p
}

#[test]
fn every_pair_of_formats_round_trips_exactly_both_ways() {
    let formats = [Format::Toml, Format::EqApo, Format::CamillaDsp];
    for p in [awkward(), awkward_per_channel()] {
        for a in formats {
            for b in formats {
                // p → a → b → a: the filters and preamp survive exactly.
                let in_a = a.parse(&a.write(&p).unwrap(), "a").unwrap();
                let in_b = b.parse(&b.write(&in_a).unwrap(), "b").unwrap();
                let back = a.parse(&a.write(&in_b).unwrap(), "a").unwrap();
                for q in [&in_a, &in_b, &back] {
                    assert_eq!(q.filters, p.filters, "{a:?} -> {b:?}");
                    assert_eq!(q.channels, p.channels, "{a:?} -> {b:?}");
                    assert_eq!(q.preamp_db, p.preamp_db, "{a:?} -> {b:?}");
                    assert_eq!(q.name, p.name, "{a:?} -> {b:?}");
                    assert_eq!(q.description, p.description, "{a:?} -> {b:?}");
                }
            }
        }
    }
}

/// `profile convert t1.toml -o t1.txt` wrote a 15.625 Hz peak as `Fc 15.625 Hz`, which Equalizer
/// APO (and iemsim) read as Room EQ Wizard's thousands point: 15625 Hz (exit 0). Numbers with
/// exactly three decimals, in every field, go through every format and back exactly, and no
/// `Fc` the Equalizer APO writer prints is one that Equalizer APO's own rule
/// (BiQuadFilterFactory::getFreq: five or more characters, no `e`, a point fourth from the end:
/// times 1000, transcribed here) would multiply.
#[test]
fn numbers_with_three_decimals_round_trip_through_every_format() {
    let p = Profile {
        name: "t1".into(),
        description: String::new(),
        preamp_db: -1.125,
        filters: vec![
            FilterSpec::new(Peaking, 15.625, 6.125, 1.125),
            FilterSpec::new(LowShelf, 1.125, -2.375, 0.625),
            FilterSpec::new(HighShelf, 1000.125, 3.5, 0.707),
            FilterSpec::new(HighPass, 12.345, 0.0, 2.125),
            FilterSpec::peaking_bw(2500.5, -4.125, 1.125),
        ],
        source: String::new(),
        channels: vec![ChannelFilters {
            channel: 1,
            gain_db: -2.875,
            filters: vec![FilterSpec::new(Peaking, 31.25, 1.625, 4.375)],
        }],
        behind: None,
        channel_count: None,
    };
    let formats = [Format::Toml, Format::EqApo, Format::CamillaDsp];
    for a in formats {
        for b in formats {
            let in_a = a.parse(&a.write(&p).unwrap(), "a").unwrap();
            let in_b = b.parse(&b.write(&in_a).unwrap(), "b").unwrap();
            for q in [&in_a, &in_b] {
                assert_eq!(q.filters, p.filters, "{a:?} -> {b:?}");
                assert_eq!(q.channels, p.channels, "{a:?} -> {b:?}");
                assert_eq!(q.preamp_db, p.preamp_db, "{a:?} -> {b:?}");
            }
        }
    }
    let text = Format::EqApo.write(&p).unwrap();
    let eapo_freq = |s: &str| {
        let x: f64 = s.parse().unwrap();
        let b = s.as_bytes();
        if b.len() >= 5 && !s.contains(['e', 'E']) && b[b.len() - 4] == b'.' {
            x * 1000.0
        } else {
            x
        }
    };
    let fcs: Vec<f64> = text
        .lines()
        .filter_map(|l| l.split_once(" Fc "))
        .map(|(_, rest)| eapo_freq(rest.split_whitespace().next().unwrap()))
        .collect();
    assert_eq!(
        fcs,
        [15.625, 1.125, 1000.125, 12.345, 2500.5, 31.25],
        "{text}"
    );
    assert!(
        text.contains("Fc 15.6250 Hz") && text.contains("Preamp: -1.1250 dB"),
        "{text}"
    );
}

#[test]
fn pass_filters_with_gain_cannot_be_written_where_gain_has_no_place() {
    let mut p = awkward();
    p.filters[3].gain_db = 3.0;
    for f in [Format::EqApo, Format::CamillaDsp] {
        let e = f.write(&p).unwrap_err().to_string();
        assert!(
            e.contains("filter 4 (low_pass)") && e.contains("no gain"),
            "{e}"
        );
    }
}

#[test]
fn parsers_never_panic_on_cut_or_mangled_input() {
    let p = awkward();
    for f in [Format::Toml, Format::EqApo, Format::CamillaDsp] {
        let text = f.write(&p).unwrap();
        let chars: Vec<char> = text.chars().collect();
        for cut in 0..chars.len() {
            let s: String = chars[..cut].iter().collect();
            let _ = f.parse(&s, "cut");
            let mangled: String = chars
                .iter()
                .enumerate()
                .map(|(i, &c)| {
                    if i == cut {
                        ['-', ':', '\n', '9', 'é'][i % 5]
                    } else {
                        c
                    }
                })
                .collect();
            let _ = f.parse(&mangled, "mangled");
        }
    }
}

/// Found by `fuzz/` (profile_eqapo): a control character in a text field made the CamillaDSP
/// writer produce a file no YAML parser accepts (YAML 1.2 allows only `c-printable` characters,
/// even in comments), so `profile convert x.txt -o x.yml` wrote an unreadable file.
#[test]
fn camilladsp_writes_text_with_control_characters_readably() {
    let mut p = awkward();
    p.name = "del\u{7f} c1\u{85}\u{9b} ls\u{2028} nonchar\u{fffe}".into();
    p.description = "bell\u{7}\u{7f}".into();
    p.source = "from\u{1} a \u{7f}\u{85} file".into();
    let text = camilladsp::write(&p).unwrap();
    let back = Format::CamillaDsp
        .parse(&text, "c.yml")
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(back.name, p.name);
    assert_eq!(back.description, p.description);
    // A comment cannot escape: the unprintable characters become spaces.
    assert_eq!(back.source, "from  a    file");
    assert_eq!(back.filters, p.filters);
}

/// Found by the `profile_toml` fuzz target: an absurd fc (8.6e19 Hz) parsed, and the CamillaDSP
/// writer then wrote it as an integer literal that its own reader (and CamillaDSP's) rejects.
/// Any fc at or above 96 kHz (Nyquist at 192 kHz) is refused at the edge, naming file and line.
#[test]
fn frequencies_no_rate_can_play_are_refused_in_every_format() {
    let toml = "name = \"x\"\n\n[[filters]]\ntype = \"peaking\"\nfc_hz = 85844444444444444446.0\ngain_db = 4.4\nq = 5.2\n";
    let e = err_text(Format::Toml.parse(toml, "x.toml"));
    assert!(e.contains("x.toml") && e.contains("fc_hz"), "{e}");
    let txt = "Filter 1: ON PK Fc 96000 Hz Gain 1 dB Q 1\n";
    let e = err_text(Format::EqApo.parse(txt, "x.txt"));
    assert!(e.contains("x.txt"), "{e}");
    let huge_q = "Filter 1: ON PK Fc 1000 Hz Gain 1 dB Q 1e37\n";
    let e = err_text(Format::EqApo.parse(huge_q, "q.txt"));
    assert!(e.contains("q.txt") && e.contains("Q 1e37 is beyond"), "{e}");
    // Huge numbers are shown in exponent form, so the message stays one short line.
    let e = err_text(Format::Toml.parse(toml, "x.toml"));
    assert!(
        e.contains("8.584444444444444e19 Hz") && e.len() < 200,
        "{e}"
    );
    let huge_gain = "Preamp: -1e308 dB\nFilter 1: ON PK Fc 1000 Hz Gain 1 dB Q 1\n";
    let e = err_text(Format::EqApo.parse(huge_gain, "g.txt"));
    assert!(e.contains("-1e308 dB") && e.len() < 120, "{e}");
    let ok = "Filter 1: ON PK Fc 20000 Hz Gain 1 dB Q 1\n";
    assert!(Format::EqApo.parse(ok, "ok.txt").is_ok());
}

/// Equalizer APO: `Channel:` selects what the following lines apply to, until the next one;
/// numbers count from 1, L and R are the first two, `all` returns to every channel.
#[test]
fn eqapo_channel_sections_apply_to_their_channels_only() {
    let text = "Preamp: -6 dB\nFilter: ON PK Fc 100 Hz Gain 2 dB Q 1\n\
        Channel: L\nPreamp: -1 dB\nFilter: ON PK Fc 1000 Hz Gain 3 dB Q 1\n\
        Channel: R\nFilter: ON PK Fc 2000 Hz Gain -3 dB Q 2\n\
        Channel: 1 2\nFilter: ON LSC Fc 50 Hz Gain 1 dB Q 0.7071067811865476\n\
        Channel: all\nFilter: ON HSC Fc 9000 Hz Gain -1 dB Q 0.7071067811865476\n";
    let (p, lines) = Format::EqApo.parse_with_lines(text, "c.txt").unwrap();
    assert_eq!(p.preamp_db, -6.0);
    assert_eq!(
        p.filters,
        [
            FilterSpec::new(Peaking, 100.0, 2.0, 1.0),
            FilterSpec::new(HighShelf, 9000.0, -1.0, DEFAULT_Q)
        ]
    );
    let shelf = FilterSpec::new(LowShelf, 50.0, 1.0, DEFAULT_Q);
    assert_eq!(
        p.channels,
        [
            ChannelFilters {
                channel: 0,
                gain_db: -1.0,
                filters: vec![FilterSpec::new(Peaking, 1000.0, 3.0, 1.0), shelf]
            },
            ChannelFilters {
                channel: 1,
                gain_db: 0.0,
                filters: vec![FilterSpec::new(Peaking, 2000.0, -3.0, 2.0), shelf]
            },
        ]
    );
    // Lines in the order of `all_filters`: shared, then left's, then right's.
    let lines: Vec<usize> = lines.iter().map(|p| p.line).collect();
    assert_eq!(lines, [2, 11, 5, 9, 7, 9]);
    // Filters from `Channel: 3` on: a third channel, refused on stereo audio.
    let p = Format::EqApo
        .parse(
            "Channel: 3\nFilter: ON PK Fc 100 Hz Gain 1 dB Q 1\n",
            "c.txt",
        )
        .unwrap();
    assert_eq!(p.channels_needed(), 3);
    let e = p.check_channels(2).unwrap_err().to_string();
    assert!(e.contains("channel 3") && e.contains("2 channels"), "{e}");
    // A left-only profile on mono audio: mono has no left, so it is refused like L+R is.
    let left = "Channel: L\nFilter: ON PK Fc 100 Hz Gain 1 dB Q 1\n";
    let p = Format::EqApo.parse(left, "l.txt").unwrap();
    assert!(p.check_channels(2).is_ok());
    let e = p.check_channels(1).unwrap_err().to_string();
    assert!(e.contains("channel 1 (left)") && e.contains("mono"), "{e}");
}

/// CamillaDSP: a step's `channels` (or 2.x `channel`) is what its filters and gains apply to; one
/// step per channel with the same filters is every channel once (not twice); a list covering
/// every captured channel is the shared part.
#[test]
fn camilladsp_steps_apply_to_their_channels_only() {
    let head = "devices: {samplerate: 48000, chunksize: 1024, capture: {type: Stdin, channels: 2, format: S32_LE}, playback: {type: Stdout, channels: 2, format: S32_LE}}\n\
        filters:\n  g: {type: Gain, parameters: {gain: -3}}\n  \
        a: {type: Biquad, parameters: {type: Peaking, freq: 1000, gain: 6, q: 1}}\n  \
        b: {type: Biquad, parameters: {type: Peaking, freq: 3000, gain: -2, q: 2}}\n";
    // 2.x: one step per channel, the same filter in both: +6 dB once on each channel.
    let p = Format::CamillaDsp.parse(
        &format!("{head}pipeline:\n  - {{type: Filter, channel: 0, names: [a]}}\n  - {{type: Filter, channel: 1, names: [a]}}\n"),
        "c.yml",
    )
    .unwrap();
    assert_eq!(p.filters, [FilterSpec::new(Peaking, 1000.0, 6.0, 1.0)]);
    assert!(p.channels.is_empty());
    // Left only.
    let p = Format::CamillaDsp.parse(
        &format!("{head}pipeline:\n  - {{type: Filter, channels: [0], names: [g, a]}}\n  - {{type: Filter, names: [b]}}\n"),
        "c.yml",
    )
    .unwrap();
    assert_eq!(p.filters, [FilterSpec::new(Peaking, 3000.0, -2.0, 2.0)]);
    assert_eq!(p.preamp_db, 0.0);
    assert_eq!(
        p.channels,
        [ChannelFilters {
            channel: 0,
            gain_db: -3.0,
            filters: vec![FilterSpec::new(Peaking, 1000.0, 6.0, 1.0)]
        }]
    );
    // `channels: [0, 1]` of a stereo pipeline is every channel.
    let p = Format::CamillaDsp
        .parse(
            &format!("{head}pipeline:\n  - {{type: Filter, channels: [1, 0], names: [a]}}\n"),
            "c.yml",
        )
        .unwrap();
    assert!(p.channels.is_empty() && p.filters.len() == 1);
}

/// A per-channel profile's cascades: each channel gets the shared filters and its own, and its
/// own gain; the response of each channel is its filters' only.
#[test]
fn per_channel_profiles_give_each_channel_its_own_cascade() {
    use crate::dsp::Stages;
    let p = awkward_per_channel();
    let fs = 48_000.0;
    let Stages::PerChannel(per) = p.stages(fs, 4) else {
        panic!("per channel")
    };
    assert_eq!(per.len(), 4);
    let shared = p.coefficients(fs).0;
    assert_eq!(per[0].coeffs, shared);
    assert_eq!(per[2].coeffs, shared);
    assert_eq!(per[1].coeffs.len(), shared.len() + 1);
    assert_eq!(per[1].gain_db, -1.0 / 3.0);
    assert_eq!(per[3].coeffs.len(), shared.len() + 2);
    // Channel 2 at 3 kHz: the shared response plus its own -2.25 dB peak and gain.
    let r0 = p.channel_response_db(0, &[3000.0], fs)[0];
    let r1 = p.channel_response_db(1, &[3000.0], fs)[0];
    assert!((r1 - r0 - (-2.25 - 1.0 / 3.0)).abs() < 1e-9, "{r0} {r1}");
    assert!(p.check_channels(3).is_err() && p.check_channels(4).is_ok());
}

/// Bounded parsing: more than 1 MB, more than 1,000 filters, or brackets nested deeper than a
/// configuration needs are refused with the file (and line) named, before any costly work.
#[test]
fn oversized_profiles_are_refused_with_a_clear_message() {
    let big = format!("# {}\n", "x".repeat(MAX_FILE_BYTES));
    for f in [Format::Toml, Format::EqApo, Format::CamillaDsp] {
        let e = err_text(f.parse(&big, "big"));
        assert!(e.starts_with("big: ") && e.contains("too large"), "{e}");
    }
    let many: String = (0..=MAX_FILTERS)
        .map(|i| format!("Filter: ON PK Fc {} Hz Gain 1 dB Q 1\n", 100 + i))
        .collect();
    let e = err_text(Format::EqApo.parse(&many, "many.txt"));
    assert!(
        e.starts_with(&format!("many.txt:{}: filters", MAX_FILTERS + 1)) && e.contains("1000"),
        "{e}"
    );
    let ok: String = many
        .lines()
        .take(MAX_FILTERS)
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        Format::EqApo.parse(&ok, "ok.txt").unwrap().filters.len(),
        MAX_FILTERS
    );
    // One filter on two channels counts twice (whole lines: half a line was refused on its own).
    let half = |n: usize| -> String {
        let lines: String = many.lines().take(n).map(|l| format!("{l}\n")).collect();
        format!("Channel: L R\n{lines}")
    };
    let e = err_text(Format::EqApo.parse(&half(MAX_FILTERS / 2 + 1), "b.txt"));
    assert!(e.contains(": filters") && e.contains("1000"), "{e}");
    assert!(Format::EqApo.parse(&half(MAX_FILTERS / 2), "b.txt").is_ok());
    let deep = format!("filters: {}{}\n", "[".repeat(40), "]".repeat(40));
    let e = err_text(Format::CamillaDsp.parse(&deep, "d.yml"));
    assert!(
        e.starts_with("d.yml:1: yaml") && e.contains("nested"),
        "{e}"
    );
    // Brackets hidden from the depth scan by a fake quote are still counted.
    let hidden = format!("a: x - '\nfilters: {}\n", "[".repeat(5000));
    let e = err_text(Format::CamillaDsp.parse(&hidden, "h.yml"));
    assert!(e.contains("opening brackets"), "{e}");
}

/// Every parser refuses what the TOML reader refuses: a field given twice, a width given twice
/// (Q and BW), a gain on a pass filter, and an fc below 1 Hz.
#[test]
fn duplicate_or_contradictory_fields_are_refused() {
    for (text, want) in [
        (
            "Filter: ON PK Fc 100 Hz Fc 200 Hz Gain 1 dB Q 1\n",
            "x.txt:1: Fc",
        ),
        (
            "Filter: ON PK Fc 100 Hz Gain 1 dB Gain 2 dB Q 1\n",
            "x.txt:1: Gain",
        ),
        ("Filter: ON PK Fc 100 Hz Gain 1 dB Q 1 Q 2\n", "x.txt:1: Q"),
        (
            "Filter: ON PK Fc 100 Hz Gain 1 dB Q 1 BW Oct 1\n",
            "x.txt:1: BW",
        ),
        (
            "Filter: ON PK Fc 100 Hz Gain 1 dB BW Oct 1 Q 1\n",
            "x.txt:1: Q",
        ),
        ("Filter: ON LPQ Fc 100 Hz Gain 3 dB Q 1\n", "x.txt:1: Gain"),
        ("Filter: ON PK Fc 0.5 Hz Gain 1 dB Q 1\n", "x.txt:1: Fc"),
    ] {
        let e = err_text(Format::EqApo.parse(text, "x.txt"));
        assert!(e.starts_with(want), "{text}: {e}");
    }
    let f =
        |params: &str| format!("filters:\n  a:\n    type: Biquad\n    parameters: {{{params}}}\n");
    for (params, want) in [
        (
            "type: Peaking, freq: 100, freq: 200, gain: 1, q: 1",
            "duplicate",
        ),
        (
            "type: Peaking, freq: 100, gain: 1, q: 1, bandwidth: 1",
            "either q or bandwidth",
        ),
        ("type: Lowpass, freq: 100, gain: 3, q: 1", "freq and q only"),
        (
            "type: Lowshelf, freq: 100, gain: 3, q: 1, slope: 6",
            "either q or slope",
        ),
        ("type: Peaking, freq: 0.2, gain: 1, q: 1", "audio frequency"),
    ] {
        let e = err_text(Format::CamillaDsp.parse(&f(params), "c.yml"));
        assert!(e.contains(want), "{params}: {e}");
    }
    let e = err_text(Format::Toml.parse(
        "[[filters]]\ntype = \"peaking\"\nfc_hz = 100\nfc_hz = 200\ngain_db = 1\nq = 1\n",
        "t.toml",
    ));
    assert!(e.starts_with("t.toml:4"), "{e}");
    let e = err_text(Format::Toml.parse(
        "[[filters]]\ntype = \"peaking\"\nfc_hz = 100\ngain_db = 1\nq = 1\nbw_oct = 1\n",
        "t.toml",
    ));
    assert!(e.contains("not both"), "{e}");
}

/// A file with nothing to apply (empty, or comments only) is refused, naming it: more likely a
/// failed download than a wish for no change. A preamp alone, or a switched-off filter, is content.
#[test]
fn an_eqapo_file_with_nothing_to_apply_is_refused() {
    for text in ["", "\n\n", "# AutoEq\n# nothing else\n"] {
        let e = err_text(Format::EqApo.parse(text, "e.txt"));
        assert!(e.starts_with("e.txt: has no Preamp or Filter line"), "{e}");
    }
    assert!(Format::EqApo.parse("Preamp: -3 dB\n", "p.txt").is_ok());
    assert!(Format::EqApo
        .parse("Filter 1: OFF PK Fc 1000 Hz Gain 1 dB Q 1\n", "o.txt")
        .is_ok());
}

/// CamillaDSP: a filter named like a parameter (`gain`) is blamed on its own definition's line,
/// not on the `gain:` of the filter above; `channels: [0, 0]` is refused as CamillaDSP refuses
/// it; a `Free` biquad is named as unsupported (it has no freq to miss).
#[test]
fn camilladsp_definition_lines_duplicate_channels_and_free_biquads() {
    let cfg = |pipeline_channels: &str, second: &str| {
        format!(
            "devices:\n  samplerate: 48000\n  chunksize: 1024\n  capture: {{type: Stdin, channels: 2, format: S32_LE}}\n  \
             playback: {{type: Stdout, channels: 2, format: S32_LE}}\nfilters:\n  peak:\n    type: Biquad\n    \
             parameters:\n      type: Peaking\n      freq: 1000\n      gain: 3\n      q: 1\n  gain:\n{second}pipeline:\n  - type: Filter\n    \
             channels: {pipeline_channels}\n    names: [peak, gain]\n"
        )
    };
    let loud = "    type: Gain\n    parameters:\n      gain: 100\n";
    let e = err_text(Format::CamillaDsp.parse(&cfg("[0, 1]", loud), "k.yml"));
    assert!(e.starts_with("k.yml:14:"), "{e}");
    let fine = "    type: Gain\n    parameters:\n      gain: -1\n";
    let e = err_text(Format::CamillaDsp.parse(&cfg("[0, 0]", fine), "k.yml"));
    assert!(e.contains("channel 0 twice"), "{e}");
    let free = "    type: Biquad\n    parameters: {type: Free, a1: 0.1, a2: 0.0, b0: 1.0, b1: 0.0, b2: 0.0}\n";
    let e = err_text(Format::CamillaDsp.parse(&cfg("[0, 1]", free), "k.yml"));
    assert!(e.contains("Free biquads are not supported"), "{e}");
}

/// A line feed in a name or description printed a line of its own in `profiles` and `show`
/// (a file could forge a listing line): both are read as one line.
#[test]
fn names_and_descriptions_are_one_line() {
    let text =
        "name = \"two\\nlines\"\ndescription = \"x\\n  neutral        FAKE line\\r\\n\\tend\"\n\n\
        [[filters]]\ntype = \"peaking\"\nfc_hz = 1000\ngain_db = 1\nq = 1\n";
    let p = Format::Toml.parse(text, "s.toml").unwrap();
    assert_eq!(p.name, "two lines");
    assert_eq!(p.description, "x neutral        FAKE line end");
}

/// oratory1990's Sennheiser HD 650 `ParametricEQ.txt` from AutoEq, as an outside tester had it
/// (filter 5 is a peak at 22050 Hz, exactly the Nyquist frequency of 44.1 kHz).
const HD650_NYQUIST_PEAK: &str = "Filter 1: ON PK Fc 31 Hz Gain 6.8 dB Q 0.92
Filter 2: ON PK Fc 2021 Hz Gain 2.0 dB Q 3.03
Filter 3: ON PK Fc 5288 Hz Gain 3.4 dB Q 1.28
Filter 4: ON PK Fc 18694 Hz Gain -7.8 dB Q 0.82
Filter 5: ON PK Fc 22050 Hz Gain 2.2 dB Q 1.76
Filter 6: ON PK Fc 62 Hz Gain 2.0 dB Q 2.42
Filter 7: ON PK Fc 178 Hz Gain -2.3 dB Q 0.90
Filter 8: ON PK Fc 3126 Hz Gain -1.2 dB Q 5.51
Filter 9: ON PK Fc 4182 Hz Gain 2.0 dB Q 10.06
Filter 10: ON PK Fc 12877 Hz Gain 1.3 dB Q 4.48";

/// That file was refused at 44.1 kHz ("22050 Hz is at or above the Nyquist frequency"), though
/// its filter 5 is the identity there: now it is accepted, and its cascade at 44.1 kHz is the
/// other nine filters' exactly (nothing dropped, nothing warned). Above Nyquist stays refused, and
/// so does a low shelf exactly at it (a broadband gain, not the identity).
#[test]
fn a_peak_exactly_at_nyquist_is_accepted_and_left_out() {
    use crate::dsp::Stages;
    let fs = 44_100.0;
    let (p, lines) = Format::EqApo
        .parse_with_lines(HD650_NYQUIST_PEAK, "hd650.txt")
        .unwrap();
    check_rate(&p, &lines, "hd650.txt", fs).expect("accepted at 44.1 kHz");
    let mut without = p.clone();
    without.filters.remove(4);
    let (kept, dropped) = p.coefficients(fs);
    assert!(dropped.is_empty() && p.dropped(fs).is_empty());
    assert_eq!(kept.len(), 9);
    assert_eq!(kept, without.coefficients(fs).0);
    assert_eq!(p.stages(fs, 2), Stages::Shared(kept));
    let grid: Vec<f64> = (0..400).map(|i| 20.0 * 1.017f64.powi(i)).collect();
    assert_eq!(p.response_db(&grid, fs), without.response_db(&grid, fs));
    assert_eq!(p.max_boost(fs), without.max_boost(fs));
    // At 48 kHz it is a bell like any other.
    assert_eq!(p.coefficients(48_000.0).0.len(), 10);
    // A channel's own peak at Nyquist is left out of its cascade too.
    let per = Format::EqApo
        .parse(
            "Channel: L\nFilter: ON PK Fc 22050 Hz Gain 3 dB Q 1\n",
            "l.txt",
        )
        .unwrap();
    assert!(per.channel_coefficients(0, fs).0.is_empty());
    // Above Nyquist (at 32 kHz), and a low shelf exactly at it: refused, naming the line.
    let e = check_rate(&p, &lines, "hd650.txt", 32_000.0).unwrap_err();
    assert!(e.to_string().contains("hd650.txt:4: Fc: "), "{e}");
    let shelf = "Filter 1: ON LSC Fc 22050 Hz Gain 2.2 dB Q 0.7\n";
    let (p, lines) = Format::EqApo.parse_with_lines(shelf, "ls.txt").unwrap();
    let e = check_rate(&p, &lines, "ls.txt", fs)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("ls.txt:1: Fc: 22050 Hz is at or above the Nyquist frequency"),
        "{e}"
    );
    // A corner LS is placed above its Fc: the number said is the one used, and why it is not
    // the file's (it read "23037.468447791012 Hz" with nothing more).
    let shelf = "Filter 1: ON LS Fc 22050 Hz Gain -3 dB Q 1\n";
    let (p, lines) = Format::EqApo.parse_with_lines(shelf, "ls.txt").unwrap();
    let e = check_rate(&p, &lines, "ls.txt", fs)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(
            "ls.txt:1: Fc: 23037.5 Hz (the shelf's own frequency: an LS/HS with a Q or slope"
        ),
        "{e}"
    );
}

/// A filter at or above the rate's Nyquist frequency is refused naming the file's own field, as
/// every other refusal does: it named iemsim's TOML `fc_hz` in a .txt (which says `Fc`) and a
/// .yml (`filters.NAME.freq`), shared filters and a channel's own alike.
#[test]
fn nyquist_refusals_name_the_files_own_field() {
    let refusal = |format: Format, text: &str, file: &str| {
        let (p, places) = format.parse_with_lines(text, file).unwrap();
        check_rate(&p, &places, file, 48_000.0)
            .unwrap_err()
            .to_string()
    };
    let txt = "Preamp: -3 dB\nFilter 1: ON PK Fc 1000 Hz Gain 2 dB Q 1\n\
               Channel: R\nFilter 2: ON HSC Fc 30000 Hz Gain 2 dB Q 0.7\n";
    let e = refusal(Format::EqApo, txt, "hi.txt");
    assert!(
        e.starts_with("hi.txt:4: Fc: 30000 Hz is at or above the Nyquist frequency (24000 Hz)"),
        "{e}"
    );
    let yml = "filters:\n  low:\n    type: Biquad\n    parameters: {type: Peaking, freq: 100, gain: 1, q: 1}\n\
               \x20 air:\n    type: Biquad\n    parameters: {type: Peaking, freq: 25000, gain: 1, q: 1}\n\
               pipeline:\n  - type: Filter\n    channels: [1]\n    names: [low, air]\n";
    let e = refusal(Format::CamillaDsp, yml, "hi.yml");
    assert!(
        e.starts_with("hi.yml:5: filters.air.freq: 25000 Hz is at or above"),
        "{e}"
    );
    let toml = "[[filters]]\ntype = \"low_pass\"\nfc_hz = 25000\nq = 0.7\n";
    let e = refusal(Format::Toml, toml, "hi.toml");
    assert!(
        e.starts_with("hi.toml:3: fc_hz: 25000 Hz is at or above"),
        "{e}"
    );
}

/// Messages that named the wrong problem: `Channel: all L` was told to "use … or all", a
/// CamillaDSP `Q:` (upper case) to "give either q or bandwidth", a NaN gain was "beyond ±30 dB".
#[test]
fn messages_name_the_problem_there_is() {
    let e = err_text(Format::EqApo.parse(
        "Channel: all L\nFilter 1: ON PK Fc 1000 Hz Gain 3 dB Q 1\n",
        "c.txt",
    ));
    assert!(e.contains("'all' stands alone"), "{e}");
    let e = err_text(Format::CamillaDsp.parse(
        "filters:\n  p: {type: Biquad, parameters: {type: Peaking, freq: 1000, gain: 3, Q: 0.7}}\n",
        "c.yml",
    ));
    assert!(
        e.contains("neither q nor bandwidth is given (lower case)"),
        "{e}"
    );
    let e = err_text(Format::Toml.parse(
        "[[filters]]\ntype = \"peaking\"\nfc_hz = 100\ngain_db = nan\nq = 1\n",
        "p.toml",
    ));
    assert!(
        e.contains("p.toml:4: gain_db: the gain is not a number"),
        "{e}"
    );
}

/// A profile saved as UTF-16 (Notepad's old "Unicode") said "not UTF-8 text (invalid byte at
/// offset 0)", or with no byte order mark was read as text with NULs between the letters; it is
/// named as UTF-16, as a measurement CSV is.
#[test]
fn utf16_profiles_are_named_as_such() {
    let text = "Preamp: -3 dB\r\nFilter 1: ON PK Fc 100 Hz Gain 3 dB Q 1\r\n";
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let bom_le = [&[0xff, 0xfe][..], &le].concat();
    for bytes in [le, bom_le] {
        let e = decode_text(&bytes, "p.txt").unwrap_err().to_string();
        assert!(
            e.starts_with("p.txt: is UTF-16 LE text, not UTF-8; save it as UTF-8"),
            "{e}"
        );
    }
    assert_eq!(decode_text(text.as_bytes(), "p.txt").unwrap(), text);
}

/// Every refusal of a filter's numbers names the field as the file writes it: Equalizer APO's
/// `Fc`, `Gain`, `Q`, `BW Oct` and the shelf slope, CamillaDSP's `freq`, `gain`, `q`, `bandwidth`
/// and `slope` under `filters.NAME` (its configuration reference), TOML's `bw_oct`. They all
/// named iemsim's TOML fields (`b.txt:1: q: Q 2000 is beyond 1000`), which neither file holds.
#[test]
fn filter_refusals_name_the_files_own_field() {
    let apo = [
        ("PK Fc 0.5 Hz Gain 3 dB Q 1", "Fc"),
        ("PK Fc 100000 Hz Gain 3 dB Q 1", "Fc"),
        ("PK Fc 100 Hz Gain 31 dB Q 1", "Gain"),
        ("PK Fc 100 Hz Gain 3 dB Q 0", "Q"),
        ("PK Fc 100 Hz Gain 3 dB Q 0.0001", "Q"),
        ("PK Fc 100 Hz Gain 3 dB Q 2000", "Q"),
        // Q = 2^(N/2) / (2^N − 1): 1.4e5 for 1e-5 octaves, 9.8e-4 for 19.99.
        ("PK Fc 100 Hz Gain 3 dB BW Oct 0.00001", "BW Oct"),
        ("PK Fc 100 Hz Gain 3 dB BW Oct 19.99", "BW Oct"),
        // S = 1e-6/12 at 3 dB: Q = 1/√((A + 1/A)(1/S − 1) + 2) ≈ 2.0e-4.
        ("LSC 0.000001dB Fc 100 Hz Gain 3 dB", "slope"),
    ];
    for (filter, field) in apo {
        let text = format!("Preamp: -3 dB\nFilter 1: ON {filter}\n");
        let e = err_text(Format::EqApo.parse(&text, "b.txt"));
        assert!(
            e.starts_with(&format!("b.txt:2: {field}: ")),
            "{filter}: {e}"
        );
    }
    let e =
        err_text(Format::EqApo.parse("Filter: ON LSC 0.000001dB Fc 100 Hz Gain 3 dB\n", "b.txt"));
    assert!(e.contains("1e-6 dB slope"), "{e}");
    let camilla = [
        ("{type: Peaking, freq: 0.5, gain: 3, q: 1}", "freq"),
        ("{type: Peaking, freq: .inf, gain: 3, q: 1}", "freq"),
        ("{type: Peaking, freq: 100000, gain: 3, q: 1}", "freq"),
        ("{type: Peaking, freq: 100, gain: .nan, q: 1}", "gain"),
        ("{type: Highshelf, freq: 100, gain: 31, q: 1}", "gain"),
        ("{type: Peaking, freq: 100, gain: 3, q: 0}", "q"),
        ("{type: Lowpass, freq: 100, q: 0.0001}", "q"),
        ("{type: Peaking, freq: 100, gain: 3, q: 2000}", "q"),
        (
            "{type: Peaking, freq: 100, gain: 3, bandwidth: 0.00001}",
            "bandwidth",
        ),
        (
            "{type: Lowshelf, freq: 100, gain: 3, slope: 0.000001}",
            "slope",
        ),
    ];
    for (params, field) in camilla {
        let text = format!("filters:\n  a:\n    type: Biquad\n    parameters: {params}\n");
        let e = err_text(Format::CamillaDsp.parse(&text, "b.yml"));
        assert!(
            e.starts_with(&format!("b.yml:2: filters.a.{field}: ")),
            "{params}: {e}"
        );
    }
    let text = "[[filters]]\ntype = \"peaking\"\nfc_hz = 100\ngain_db = 3\nbw_oct = 0.00001\n";
    let e = err_text(Format::Toml.parse(text, "b.toml"));
    assert!(
        e.starts_with("b.toml:5: bw_oct: ") && e.contains("from 1e-5 octaves"),
        "{e}"
    );
}

/// The channel count a CamillaDSP configuration states survives Equalizer APO text and TOML when
/// it is more than their channel sections name (there is no `Channel:` line for a channel without
/// filters of its own): a `# channels: N` comment, a `channel_count` key. A stereo one, or one
/// whose every channel has filters, writes neither; a count too small for the sections is ignored
/// in a comment and refused as a key.
#[test]
fn a_stated_channel_count_survives_text_and_toml() {
    let yml = "devices: {samplerate: 48000, chunksize: 1024, capture: {type: Stdin, channels: 6, \
               format: S32_LE}, playback: {type: Stdout, channels: 6, format: S32_LE}}\n\
               filters:\n  b: {type: Biquad, parameters: {type: Peaking, freq: 1000, gain: 6, q: 1.5}}\n\
               pipeline:\n  - {type: Filter, channels: [0, 1], names: [b]}\n";
    let p = Format::CamillaDsp.parse(yml, "six.yml").unwrap();
    assert_eq!(p.channel_count, Some(6));
    let txt = Format::EqApo.write(&p).unwrap();
    assert!(txt.contains("\n# channels: 6\n"), "{txt}");
    let toml = Format::Toml.write(&p).unwrap();
    assert!(toml.contains("\nchannel_count = 6\n"), "{toml}");
    for (format, text) in [(Format::EqApo, &txt), (Format::Toml, &toml)] {
        let back = format.parse(text, "back").unwrap();
        assert_eq!((back.channel_count, &back.channels), (Some(6), &p.channels));
    }
    let mut stereo = p.clone();
    stereo.channel_count = Some(2);
    assert!(!Format::EqApo.write(&stereo).unwrap().contains("channels:"));
    assert!(!Format::Toml
        .write(&stereo)
        .unwrap()
        .contains("channel_count"));
    let small = "# channels: 1\nChannel: R\nFilter: ON PK Fc 100 Hz Gain 1 dB Q 1\n";
    assert_eq!(
        Format::EqApo.parse(small, "s.txt").unwrap().channel_count,
        None
    );
    let small = "channel_count = 1\n[[channels]]\nchannel = 2\ngain_db = 1\n";
    let e = Format::Toml.parse(small, "s.toml").unwrap_err().to_string();
    assert!(
        e.starts_with("s.toml:1: channel_count: 1 is not a channel count with room for channel 2"),
        "{e}"
    );
    let e = Format::Toml
        .parse("filters = []\nchannel_count = 4\n", "s.toml")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("s.toml:2: channel_count: is for a profile with [[channels]]"),
        "{e}"
    );
}

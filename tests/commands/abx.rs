//! `src/commands/abx/mod.rs`'s functions (the command layer is not in the unit-test build: see `src/lib.rs`).

use iemsim::abx::{Choice, Trial};
use iemsim::commands::abx::*;

#[test]
fn parses_answer_lists() {
    use Choice::{A, B};
    assert_eq!(
        parse_answers("a,b,B, a\nb\tA").unwrap(),
        vec![A, B, B, A, B, A]
    );
    // An empty field would move every later answer one trial back: refused.
    let e = parse_answers(" a,,b \n").unwrap_err();
    assert!(e.contains("answer 2 is empty"), "{e}");
    assert!(parse_answers(",a")
        .unwrap_err()
        .contains("answer 1 is empty"));
    assert_eq!(parse_answers("a,b,\n").unwrap(), vec![A, B]);
    assert_eq!(parse_answers("\na\nb,\na\n\n").unwrap(), vec![A, B, A]);
    let e = parse_answers("a\n\nb\na\n").unwrap_err();
    assert!(e.contains("answer 2 is empty"), "{e}");
    assert_eq!(parse_answers("1 2,A").unwrap(), vec![A, B, A]);
    let e = parse_answers("a,b,c").unwrap_err();
    assert!(e.contains("answer 3 is \"c\""), "{e}");
    assert!(parse_answers(" ,\n").is_err());
    assert!(parse_answers("ab").is_err());
}

#[test]
fn trial_line_wording() {
    let t = Trial {
        hidden: Choice::B,
        answer: Choice::B,
        correct: true,
        t_start_s: 0.0,
        t_answer_s: 1.0,
    };
    assert_eq!(
        trial_line(3, 16, &t),
        "trial 3/16: X was B, you said B — correct"
    );
}

/// A profile of one peaking filter at `fc_hz`, as a user file gives it.
fn one_peak(name: &str, fc_hz: f64) -> iemsim::dsp::Profile {
    use iemsim::dsp::{FilterKind, FilterSpec, Profile};
    Profile {
        name: name.into(),
        description: String::new(),
        preamp_db: 0.0,
        filters: vec![FilterSpec::new(FilterKind::Peaking, fc_hz, 6.0, 1.0)],
        channels: Vec::new(),
        source: String::new(),
        behind: None,
        channel_count: None,
    }
}

/// The interactive ABX warned of the filters dropped at the FILE's rate (before the device was
/// open), though they run at the device's: an 8 kHz file on a 48 kHz device was said to lose
/// six filters the 48 kHz chain applies. What it says is now the player's notes at the device's
/// rate (those `play` says), a dropped filter as the warning every command gives.
#[test]
fn the_filters_are_said_at_the_rate_they_run_at() {
    use iemsim::playback::player::rate_notes;
    let [ba, dd] = ["ba", "dd"].map(|n| iemsim::profiles::resolve(n, None).expect(n));
    // An 8 kHz file on a 48 kHz device: every filter is below 24 kHz (ba's and dd's highest,
    // 8605 and 8084 Hz in `iemsim show ba`/`dd`): the resampling, and nothing dropped.
    let notes = rate_notes(&[ba.clone(), dd.clone()], 8_000, 48_000);
    let lines = device_lines(&notes, [&ba, &dd], 48_000);
    assert_eq!(
        lines,
        ["iemsim: note: resampling 8000 Hz → 48000 Hz (the device's rate): loudness, preamp and \
          filters are computed at 48000 Hz"],
    );
    // A device at the file's 8 kHz: ba's 4, 5 and 8 and dd's 2, 5 and 8 are at or above its
    // 4 kHz Nyquist frequency, the warnings `prepare` gave before (the same lines).
    let notes = rate_notes(&[ba.clone(), dd.clone()], 8_000, 8_000);
    let lines = device_lines(&notes, [&ba, &dd], 8_000);
    let expected: Vec<String> = [
        ("ba", 4),
        ("ba", 5),
        ("ba", 8),
        ("dd", 2),
        ("dd", 5),
        ("dd", 8),
    ]
    .iter()
    .map(|(p, i)| format!("iemsim: warning: profile '{p}' filter {i} (PK "))
    .collect();
    assert_eq!(lines.len(), expected.len(), "{lines:?}");
    for (line, start) in lines.iter().zip(&expected) {
        assert!(
            line.starts_with(start) && line.ends_with("(4000 Hz) of 8000 Hz audio"),
            "{line}"
        );
    }
    // 30 kHz is below the Nyquist frequency of a 96 kHz file (48 kHz), above a 48 kHz
    // device's (24 kHz): dropped, and said so at 48 kHz.
    let (air, ultra) = (one_peak("air", 30_000.0), one_peak("ultra", 50_000.0));
    let notes = rate_notes(&[air.clone(), ultra.clone()], 96_000, 48_000);
    let lines = device_lines(&notes, [&air, &ultra], 48_000);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0].starts_with("iemsim: note: resampling 96000 Hz → 48000 Hz"));
    for (line, name) in lines[1..].iter().zip(["air", "ultra"]) {
        assert!(
            line.starts_with(&format!("iemsim: warning: profile '{name}' filter 1 (PK "))
                && line.ends_with("(24000 Hz) of 48000 Hz audio"),
            "{line}"
        );
    }
    // The intro leaves to those lines what the file's own rate drops too (ultra's 50 kHz).
    let said = said_at_file_rate([&air, &ultra], 96_000, 48_000);
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].starts_with("profile 'ultra' filter 1"), "{said:?}");
}

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

/// The interactive ABX said the filters dropped at the file's rate (before its screen) and
/// nothing of the player's notes: a file resampled for the device, and a filter dropped at the
/// device's lower rate, were said nowhere. What it says now is every note but those it said.
#[test]
fn the_notes_at_the_devices_rate_are_said_once() {
    use iemsim::playback::player::rate_notes;
    // 30 kHz is below the Nyquist frequency of a 96 kHz file (48 kHz), above a 48 kHz
    // device's (24 kHz); 50 kHz is above both: prepare warned of it already.
    let (air, ultra) = (one_peak("air", 30_000.0), one_peak("ultra", 50_000.0));
    let notes = rate_notes(&[air.clone(), ultra.clone()], 96_000, 48_000);
    let left = unsaid_notes(&notes, [&air, &ultra], 96_000, 48_000);
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(
        left[0].starts_with("resampling 96000 Hz → 48000 Hz"),
        "{left:?}"
    );
    assert!(
        left[1].starts_with("profile 'air' filter 1 (PK 30000 Hz) dropped")
            && left[1].ends_with("(24000 Hz) of 48000 Hz audio"),
        "{left:?}"
    );
    // A device at the file's rate: the dropped filters are prepare's own warnings (ba's 4, 5
    // and 8 and dd's 2, 5 and 8 are above 4 kHz, `iemsim show ba`/`dd`), said once, not twice.
    let [ba, dd] = ["ba", "dd"].map(|n| iemsim::profiles::resolve(n, None).expect(n));
    let notes = rate_notes(&[ba.clone(), dd.clone()], 8_000, 8_000);
    assert_eq!(notes.len(), 6, "{notes:?}");
    assert!(unsaid_notes(&notes, [&ba, &dd], 8_000, 8_000).is_empty());
    // An 8 kHz file on a 48 kHz device: the resampling, and nothing dropped.
    let notes = rate_notes(&[ba.clone(), dd.clone()], 8_000, 48_000);
    let left = unsaid_notes(&notes, [&ba, &dd], 8_000, 48_000);
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(
        left[0].starts_with("resampling 8000 Hz → 48000 Hz"),
        "{left:?}"
    );
}

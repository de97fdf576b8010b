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

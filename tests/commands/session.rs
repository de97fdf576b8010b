//! `src/commands/session.rs`'s functions (the command layer is not in the unit-test build: see `src/lib.rs`).

use iemsim::commands::session::*;
use iemsim::playback::engine::Side;
use std::time::{Duration, Instant};

/// Underrun advice that comes while the answer to a key is up waits its turn (it replaced
/// it at once before, so under load "A is now v-hybrid" could vanish before a draw); a key's
/// answer still replaces whatever is up.
#[test]
fn what_the_player_says_waits_behind_the_answer_to_a_key() {
    let t0 = Instant::now();
    let s = |secs: f64| t0 + Duration::from_secs_f64(secs);
    let mut m = Messages::new(None, t0, MESSAGE_FOR);
    m.tell("note".into(), t0);
    assert_eq!(m.text(), Some("note"), "nothing up: at once");
    m.say("A is now dd".into(), s(1.0));
    assert_eq!(m.text(), Some("A is now dd"), "a key's answer replaces");
    m.tell("underruns: raise --buffer".into(), s(1.1));
    m.expire(s(4.9));
    assert_eq!(m.text(), Some("A is now dd"), "still its 4 s");
    m.expire(s(5.1));
    assert_eq!(
        m.text(),
        Some("underruns: raise --buffer"),
        "then the advice"
    );
    m.expire(s(9.0));
    assert_eq!(
        m.text(),
        Some("underruns: raise --buffer"),
        "for its own 4 s"
    );
    m.expire(s(9.2));
    assert_eq!(m.text(), None);
}

#[test]
fn loading_the_other_sides_profile_says_a_equals_b() {
    assert_eq!(load_notice(Side::B, "dd", false), "B is now dd");
    let n = load_notice(Side::A, "dd", true);
    assert!(n.starts_with("A is now dd") && n.contains("A = B"), "{n}");
}

//! The play screen's profile picker (`p`), driven for real in a tmux pane on the private
//! PulseAudio stack: typing filters, Enter loads a per-IEM profile into the live side, and that
//! side's box then names the IEM, its class and its fit error.

use crate::common::tmux;
use crate::common::tui;

#[test]
fn p_picks_a_per_iem_profile_by_typing_part_of_its_name() {
    let Some(stack) = tui::stack() else {
        return;
    };
    let t = tmux::iemsim("picker", (100, 30), &stack.env(), &["play"], "");
    t.wait_for("the play screen", |s| s.contains("LIVE"));

    t.keys(&["p"]);
    let s = t.wait_for("the picker", |s| s.contains("load a profile"));
    // Built-ins and per-IEM profiles alike, each with its class.
    assert!(s.contains("built-in"), "{s}");
    // Letters are the query while it is open: q does not quit, a does not switch.
    t.keys(&["q"]);
    t.wait_for("q typed", |s| s.contains("> q"));
    t.keys(&["BSpace"]);
    // Case and punctuation do not matter: "ER 4SR" finds iem:etymotic-er4sr.
    t.keys(&["-l", "ER 4SR"]);
    let s = t.wait_for("one match", |s| s.contains("1 of "));
    let row = s
        .lines()
        .find(|l| l.contains("iem:etymotic-er4sr"))
        .unwrap_or("");
    assert!(row.contains("BA"), "class not shown:\n{s}");
    t.keys(&["Enter"]);
    let s = t.wait_for("A loaded", |s| s.contains("A is now iem:etymotic-er4sr"));
    assert!(!s.contains("load a profile"), "picker still open:\n{s}");
    // The A box names the IEM, its class and how well the filters fit its measurement.
    let s = t.wait_for("A box", |s| s.contains("fit error"));
    assert!(s.contains("ER4SR") && s.contains("BA"), "{s}");

    // Esc closes the picker without loading anything and without quitting.
    t.keys(&["Tab"]);
    t.keys(&["p"]);
    t.wait_for("the picker again", |s| s.contains("load a profile"));
    t.keys(&["Escape"]);
    let s = t.wait_for("picker closed", |s| !s.contains("load a profile"));
    assert!(s.contains("LIVE") && !s.contains("B is now"), "{s}");
    t.keys(&["q"]);
    let s = t.wait_for("exit", |s| s.contains("EXIT="));
    assert!(s.contains("EXIT=0"), "{s}");
}

/// Issue: the picker listed `ba` and `bass-rolloff` above `iem:moondrop-ssr` for "ssr", and
/// loading the other side's profile said nothing. Now the name match is highlighted first, and
/// `3` (dd, B's profile) into A says "A = B".
#[test]
fn the_picker_puts_name_matches_first_and_a_equals_b_is_noticed() {
    let Some(stack) = tui::stack() else {
        return;
    };
    let t = tmux::iemsim("ranking", (100, 30), &stack.env(), &["play"], "");
    t.wait_for("playing", |s| s.contains("LIVE") && s.contains("playing"));
    t.keys(&["p"]);
    t.wait_for("picker", |s| s.contains("load a profile"));
    t.keys(&["s", "s", "r"]);
    let s = t.wait_for("filtered", |s| s.contains("> ssr"));
    let first = s.lines().find(|l| l.contains("│▶")).unwrap_or("");
    assert!(first.contains("iem:moondrop-ssr"), "first match:\n{s}");
    t.keys(&["Escape"]);
    t.wait_for("picker closed", |s| !s.contains("load a profile"));
    t.keys(&["3"]);
    t.wait_for("A = B notice", |s| s.contains("A = B"));
    t.keys(&["q"]);
    let s = t.wait_for("exit", |s| s.contains("EXIT="));
    assert!(s.contains("EXIT=0"), "{s}");
}

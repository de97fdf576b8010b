//! The `iemsim live` screen driven for real in a tmux pane: it captures the monitor of one private
//! PulseAudio null sink and plays to another, and keys 1-9 and `p` load a profile into the live
//! side as they do in `play`.

use crate::common::{pulse, tmux, tui};

#[test]
fn digit_keys_and_the_picker_load_a_profile_into_the_live_side() {
    let Some(out) = tui::stack() else {
        return;
    };
    let Some(apps) = pulse::PulseStack::start() else {
        return;
    };
    let input = format!("{}.monitor", apps.sink());
    let args = ["live", "-a", "ba", "-b", "dd", "--input", &input];
    let t = tmux::iemsim("live-keys", (100, 30), &out.env(), &args, "");
    t.wait_for("the live screen", |s| s.contains("A LIVE ba"));

    // 4: the fourth built-in (v-hybrid) into A, the live side; B keeps dd.
    t.keys(&["4"]);
    let s = t.wait_for("A loaded", |s| s.contains("A is now v-hybrid"));
    assert!(s.contains("A LIVE v-hybrid") && s.contains("dd"), "{s}");

    // p on B: typing filters, Enter loads the per-IEM profile into B.
    t.keys(&["Tab"]);
    t.wait_for("B live", |s| s.contains("B LIVE dd"));
    t.keys(&["p"]);
    t.wait_for("the picker", |s| s.contains("load a profile"));
    t.keys(&["-l", "ER 4SR"]);
    t.wait_for("one match", |s| s.contains("1 of "));
    t.keys(&["Enter"]);
    let s = t.wait_for("B loaded", |s| s.contains("B is now iem:etymotic-er4sr"));
    assert!(s.contains("B LIVE iem:etymotic-er4sr"), "{s}");
    assert!(
        s.contains("A") && s.contains("v-hybrid"),
        "A lost its profile:\n{s}"
    );
    assert!(s.contains("0 underruns"), "{s}");

    t.keys(&["q"]);
    let s = t.wait_for("exit", |s| s.contains("EXIT="));
    assert!(s.contains("EXIT=0"), "{s}");
}

//! The `iemsim live` screen driven for real in a tmux pane: it captures the monitor of one private
//! PulseAudio null sink and plays to another, and keys 1-9 and `p` load a profile into the live
//! side as they do in `play`.

use crate::common::{pulse, tmux, tui};

use std::process::Command;
use std::time::{Duration, Instant};
use tmux::{sh_quote, Tmux};

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

/// A closed terminal (a killed tmux, a dead ssh session) ends `live` as it ends `play`, with exit
/// code 0 and the terminal abandoned. Restoring it panicked (exit code 101): ratatui reports the
/// cursor it cannot show with `eprintln!`, to the dead terminal. iemsim runs in a session of its
/// own (`setsid`), so it gets the hang-up alone, no SIGHUP, and its shell outlives the pane to
/// write the exit code down.
#[test]
fn a_closed_terminal_ends_live_with_exit_code_0() {
    let Some(out) = tui::stack() else {
        return;
    };
    if !Command::new("setsid")
        .arg("true")
        .status()
        .is_ok_and(|s| s.success())
    {
        pulse::skipped("no setsid: a hang-up without SIGHUP cannot be made");
        return;
    }
    let Some(apps) = pulse::PulseStack::start() else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let rc = tmp.path().join("rc");
    let input = format!("{}.monitor", apps.sink());
    let inner = format!(
        "env {}{} live -a ba -b dd --input {}; echo $? > {}",
        tmux::shell_env(&out.env()),
        sh_quote(env!("CARGO_BIN_EXE_iemsim")),
        sh_quote(&input),
        sh_quote(rc.to_str().expect("utf-8 path"))
    );
    let t = Tmux::start(
        "live-hup",
        100,
        30,
        &format!("exec setsid -w sh -c {}", sh_quote(&inner)),
    );
    t.wait_for("the live screen", |s| s.contains("A LIVE ba"));
    let t0 = Instant::now();
    t.hang_up();
    let code = loop {
        match std::fs::read_to_string(&rc) {
            Ok(code) if code.ends_with('\n') => break code,
            // A bound, not a timing check: a process left running fails, a slow exit does not.
            _ if t0.elapsed() > Duration::from_secs(30) => {
                panic!("live still running 30 s after its terminal closed")
            }
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    assert_eq!(code.trim(), "0", "exit code after the hang-up");
}

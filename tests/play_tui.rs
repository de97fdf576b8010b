//! The terminal UI of `iemsim play`, driven for real: the binary runs in a tmux pane on the private
//! PulseAudio stack, keys go in with `send-keys`, the screen comes back with `capture-pane`.

#[path = "common/pulse.rs"]
mod pulse;

use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    session: String,
}

impl Tmux {
    fn run(args: &[&str]) -> Option<String> {
        let o = Command::new("tmux").args(args).output().ok()?;
        o.status
            .success()
            .then(|| String::from_utf8_lossy(&o.stdout).into_owned())
    }

    fn screen(&self) -> String {
        Self::run(&["capture-pane", "-p", "-t", &self.session]).unwrap_or_default()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.session];
        args.extend_from_slice(keys);
        Self::run(&args);
    }

    /// Waits until the screen satisfies `pred` (5 s at most) and returns it.
    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "waited 5 s for {what}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        Self::run(&["kill-session", "-t", &self.session]);
    }
}

/// The "A"/"B" box that is live has the heavy border and the LIVE tag on its first line.
fn live_side(screen: &str) -> Option<char> {
    let line = screen.lines().find(|l| l.contains("LIVE"))?;
    let at = line.find("LIVE")?;
    let left = line.find('A').unwrap_or(usize::MAX);
    let right = line.rfind('B').unwrap_or(usize::MAX);
    if left < at && (right > at || right == usize::MAX) && line[..at].contains("A ●") {
        Some('A')
    } else if line[..at].contains("B ●") {
        Some('B')
    } else {
        None
    }
}

#[test]
fn the_play_screen_switches_pauses_changes_profiles_and_restores_the_terminal() {
    if Tmux::run(&["-V"]).is_none() {
        if std::env::var("IEMSIM_REQUIRE_AUDIO").is_ok_and(|v| v == "1") {
            panic!("tmux is required for the terminal UI test");
        }
        eprintln!("\n=== SKIPPED: tmux is not installed ===\n");
        return;
    }
    let Some(stack) = pulse::PulseStack::start() else {
        return;
    };
    let session = format!("iemsim-play-{}", std::process::id());
    let env: String = stack
        .env()
        .iter()
        .map(|(k, v)| format!("{k}='{v}' "))
        .collect();
    let cmd = format!(
        "env {env} '{}' play; echo EXIT=$?; stty -a | grep -o -- '-icanon'; sleep 30",
        env!("CARGO_BIN_EXE_iemsim")
    );
    assert!(Tmux::run(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "100",
        "-y",
        "30",
        "-c",
        env!("CARGO_MANIFEST_DIR"),
        &cmd,
    ])
    .is_some());
    let t = Tmux { session };

    let s = t.wait_for("the play screen", |s| {
        s.contains("LIVE") && s.contains("matching on")
    });
    assert_eq!(live_side(&s), Some('A'), "{s}");
    assert!(s.contains("ba") && s.contains("dd") && s.contains("music.wav"));
    assert!(s.contains("underruns 0"), "{s}");

    t.keys(&["Tab"]);
    t.wait_for("B live", |s| live_side(s) == Some('B'));
    t.keys(&["a"]);
    t.wait_for("A live", |s| live_side(s) == Some('A'));
    t.keys(&["space"]);
    t.wait_for("paused", |s| s.contains("PAUSED") || s.contains("paused"));
    t.keys(&["space"]);
    t.wait_for("playing", |s| s.contains("playing"));
    t.keys(&["m"]);
    t.wait_for("matching off", |s| s.contains("matching off"));
    t.keys(&["4"]); // v-hybrid into the live side (A)
    t.wait_for("A is v-hybrid", |s| s.contains("v-hybrid"));
    t.keys(&["?"]);
    t.wait_for("help", |s| {
        s.contains("quit") && s.contains("profiles (keys 1-9)")
    });
    t.keys(&["?"]);
    t.keys(&["q"]);
    let s = t.wait_for("exit", |s| s.contains("EXIT="));
    assert!(s.contains("EXIT=0"), "{s}");
    // The terminal is back in canonical mode (raw mode was undone).
    assert!(!s.contains("-icanon"), "terminal left in raw mode:\n{s}");
}

#[test]
fn the_demo_screen_steps_through_parts_and_cleans_up() {
    if Tmux::run(&["-V"]).is_none() {
        if std::env::var("IEMSIM_REQUIRE_AUDIO").is_ok_and(|v| v == "1") {
            panic!("tmux is required for the terminal UI test");
        }
        eprintln!("\n=== SKIPPED: tmux is not installed ===\n");
        return;
    }
    let Some(stack) = pulse::PulseStack::start() else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let session = format!("iemsim-demo-{}", std::process::id());
    let env: String = stack
        .env()
        .iter()
        .map(|(k, v)| format!("{k}='{v}' "))
        .collect();
    let cmd = format!(
        "env {env} TMPDIR='{}' '{}' demo sibilance; echo EXIT=$?; sleep 30",
        tmp.path().display(),
        env!("CARGO_BIN_EXE_iemsim")
    );
    assert!(Tmux::run(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "120",
        "-y",
        "40",
        "-c",
        env!("CARGO_MANIFEST_DIR"),
        &cmd,
    ])
    .is_some());
    let t = Tmux { session };
    let s = t.wait_for("part 1", |s| s.contains("part 1/2") && s.contains("LIVE"));
    assert!(s.contains("neutral") && s.contains("sibilance") && s.contains("Sibilance is"));
    t.keys(&["n"]);
    t.wait_for("part 2", |s| {
        s.contains("part 2/2") && s.contains("ba vs dd")
    });
    t.keys(&["p"]);
    t.wait_for("part 1 again", |s| s.contains("part 1/2"));
    t.keys(&["q"]);
    let s = t.wait_for("exit", |s| s.contains("EXIT="));
    assert!(s.contains("EXIT=0"), "{s}");
    let left: Vec<_> = std::fs::read_dir(tmp.path()).expect("tmp").collect();
    assert!(
        left.is_empty(),
        "the rendered material is removed: {left:?}"
    );
}

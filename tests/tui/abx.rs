//! The interactive ABX screen, driven for real in a tmux pane on the private PulseAudio stack:
//! it opens at once on an intro that shows the loudness analysis, and the trials can start only
//! once the gains are final.

use crate::common::tmux;
use crate::common::tui;

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// A `minutes`-long mono pink noise at 48 kHz, made once per run and length: long enough that
/// the exact loudness pass takes a while (30 minutes: about 3 s here, more under load), while
/// the screen is up in a fraction of a second. Runs pass `--no-cache`, so each measures it.
pub fn long_wav(minutes: u32) -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    static MADE: Mutex<Vec<u32>> = Mutex::new(Vec::new());
    let dir = DIR.get_or_init(|| tempfile::tempdir().expect("tmp"));
    let path = dir.path().join(format!("pink-{minutes}min.wav"));
    let mut made = MADE.lock().unwrap_or_else(|e| e.into_inner());
    if !made.contains(&minutes) {
        let seconds = (minutes * 60).to_string();
        let o = Command::new(env!("CARGO_BIN_EXE_iemsim"))
            .args([
                "generate",
                "pink",
                "--seconds",
                &seconds,
                "--rate",
                "48000",
                "-o",
            ])
            .arg(&path)
            .output()
            .expect("generate");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        made.push(minutes);
    }
    path
}

/// The old `abx` measured the whole file behind a progress bar and opened its screen after:
/// the intro with the analysis in progress never showed. Now the intro is up while the
/// analysis runs; Enter then is refused (and an answer key too), and once the gains are final
/// Enter starts trial 1. The log records the exact gains: those the scripted mode measures on
/// the whole file (itself checked against the `ebur128` crate in tests/cli/abx.rs).
#[test]
fn the_abx_intro_opens_before_the_analysis_and_trials_wait_for_it() {
    let Some(stack) = tui::stack() else {
        return;
    };
    let wav = long_wav(30);
    let wav = wav.to_str().expect("utf-8 path");
    let tmp = tempfile::tempdir().expect("tmp");
    let log = tmp.path().join("abx.jsonl");
    let log_s = log.to_str().expect("utf-8 path");
    let args = ["abx", wav, "--log", log_s, "--no-cache", "--trials", "4"];
    let t = tmux::iemsim("abx-intro", (100, 30), &stack.env(), &args, "");
    let s = t.wait_for("the intro", |s| s.contains("before the trials"));
    assert!(
        s.contains("Measuring the loudness") && s.contains("4 trials to come"),
        "the intro opened only after the analysis:\n{s}"
    );
    assert!(!s.contains("trial 1/4"), "{s}");
    t.keys(&["Enter"]);
    let s = t.wait_for("Enter refused, or the analysis over", |s| {
        s.contains("the trials start with the final gains") || s.contains("Ready")
    });
    assert!(
        s.contains("the trials start with the final gains") && !s.contains("trial 1/4"),
        "Enter during the analysis (or the analysis ended before Enter arrived):\n{s}"
    );
    t.keys(&["1"]);
    let s = t.wait_for("no answer before a trial", |s| s.contains("no trial yet"));
    assert!(!s.contains("trial 1/4"), "{s}");
    // A and B can be heard meanwhile; X does not exist yet.
    t.keys(&["b"]);
    t.keys(&["x"]);
    t.wait_for("no X yet", |s| {
        s.contains("X is chosen when the trials start")
    });

    t.wait_for("the gains final", |s| s.contains("Ready"));
    t.keys(&["Enter"]);
    let s = t.wait_for("trial 1", |s| s.contains("trial 1/4"));
    assert!(!s.contains("before the trials"), "{s}");
    // A held answer key (ten presses in one read, as a repeating key sends them) answers one
    // trial: each repeat answered the next, blind.
    t.keys(&["1"; 10]);
    let s = t.wait_for("the repeats ignored", |s| {
        s.contains("one answer per key press")
    });
    assert!(s.contains("trial 2/4") && !s.contains("trial 3/4"), "{s}");
    t.keys(&["q"]);
    let s = t.wait_for("exit", |s| s.contains("EXIT="));
    assert!(s.contains("EXIT=0"), "{s}");

    let text = std::fs::read_to_string(&log).expect("the session is logged");
    let record: Value = serde_json::from_str(text.trim()).expect("one JSON record");
    assert_eq!(record["completed"], false, "{record}");
    // The gains the scripted mode logs (its measuring is the exact whole-file pass).
    let scripted_log = tmp.path().join("scripted.jsonl");
    let o = Command::new(env!("CARGO_BIN_EXE_iemsim"))
        .args([
            "abx",
            wav,
            "--no-tui",
            "--no-cache",
            "--answers",
            "a",
            "--log",
        ])
        .arg(&scripted_log)
        .output()
        .expect("scripted abx");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&scripted_log).expect("scripted log");
    let scripted: Value = serde_json::from_str(text.trim()).expect("one JSON record");
    for side in ["a", "b"] {
        let (heard, exact) = (
            record["gains_db"][side].as_f64().expect("gain"),
            scripted["gains_db"][side].as_f64().expect("gain"),
        );
        assert!(
            (heard - exact).abs() < 1e-6,
            "{side}: trials at {heard} dB, exact {exact} dB"
        );
    }
    assert_eq!(record["file_sha256"], scripted["file_sha256"]);
}

/// At the end of a short file the player rewinds and pauses ("end of the file: space plays it
/// again"); the next trial then stayed paused, and its answers were given in silence. A new
/// trial plays again.
#[test]
fn a_trial_after_the_end_of_the_file_plays_again() {
    let Some(stack) = tui::stack() else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let wav = tmp.path().join("short.wav");
    let o = Command::new(env!("CARGO_BIN_EXE_iemsim"))
        .args([
            "generate",
            "pink",
            "--seconds",
            "2",
            "--rate",
            "48000",
            "-o",
        ])
        .arg(&wav)
        .output()
        .expect("generate");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let log = tmp.path().join("abx.jsonl");
    let args = [
        "abx",
        wav.to_str().expect("utf-8 path"),
        "--log",
        log.to_str().expect("utf-8 path"),
        "--no-cache",
        "--trials",
        "3",
    ];
    let t = tmux::iemsim("abx-end", (100, 30), &stack.env(), &args, "");
    t.wait_for("the gains final", |s| s.contains("Ready"));
    t.keys(&["Enter"]);
    t.wait_for("trial 1", |s| s.contains("trial 1/3"));
    t.wait_for("the end of the file", |s| s.contains("PAUSED"));
    t.keys(&["1"]);
    let s = t.wait_for("trial 2 playing", |s| {
        s.contains("trial 2/3") && !s.contains("PAUSED")
    });
    assert!(!s.contains("PAUSED"), "{s}");
    t.keys(&["q"]);
    let s = t.wait_for("exit", |s| s.contains("EXIT="));
    assert!(s.contains("EXIT=0"), "{s}");
}

/// `iemsim generate pink --seconds SECONDS` at 48 kHz into `dir`.
fn pink(dir: &std::path::Path, seconds: &str) -> PathBuf {
    let wav = dir.join(format!("pink-{seconds}s.wav"));
    let o = Command::new(env!("CARGO_BIN_EXE_iemsim"))
        .args([
            "generate",
            "pink",
            "--seconds",
            seconds,
            "--rate",
            "48000",
            "-o",
        ])
        .arg(&wav)
        .output()
        .expect("generate");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    wav
}

/// A clip shorter than one 0.4 s BS.1770 block has no integrated loudness (ITU-R BS.1770-4:
/// loudness is gated over 400 ms blocks), so the sides cannot be matched: the intro said
/// "Ready" with A and B at their preamps only, 8 dB apart on pink noise through `sibilance`,
/// and X was told by its level. Refused with exit 2 before any trial; nothing is logged.
#[test]
fn a_clip_without_a_loudness_is_refused_before_the_trials() {
    let Some(stack) = tui::stack() else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let wav = pink(tmp.path(), "0.3");
    let log = tmp.path().join("abx.jsonl");
    let args = [
        "abx",
        wav.to_str().expect("utf-8 path"),
        "-a",
        "neutral",
        "-b",
        "sibilance",
        "--log",
        log.to_str().expect("utf-8 path"),
        "--no-cache",
    ];
    let t = tmux::iemsim("abx-short", (120, 30), &stack.env(), &args, "");
    let s = t.wait_for("exit", |s| s.contains("EXIT="));
    assert!(s.contains("EXIT=2"), "{s}");
    assert!(
        s.contains("pink-0.3s.wav: no loudness to match"),
        "no reason given:\n{s}"
    );
    assert!(!log.exists(), "a refused session was logged");
}

/// `kill -TERM` / `-INT` / `-HUP` on the intro, before the first trial, exited 0 ("quit before
/// the first trial") where the same signal mid-session exits 128 + n: now 128 + n here too,
/// saying it was stopped and that nothing was logged.
#[test]
fn a_signal_on_the_intro_sets_the_exit_code() {
    let Some(stack) = tui::stack() else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let wav = pink(tmp.path(), "2");
    let log = tmp.path().join("abx.jsonl");
    let env = tmux::shell_env(&stack.env());
    for (sig, name, code) in [
        (libc::SIGTERM, "SIGTERM", 143),
        (libc::SIGINT, "SIGINT", 130),
        (libc::SIGHUP, "SIGHUP", 129),
    ] {
        let pidfile = tmp.path().join(format!("{name}.pid"));
        let cmd = format!(
            "env {env}sh -c {script}; echo EXIT=$?; sleep 30",
            script = tmux::sh_quote(&format!(
                "echo $$ > {}; exec {} abx {} --log {} --no-cache",
                tmux::sh_quote(pidfile.to_str().expect("utf-8 path")),
                tmux::sh_quote(env!("CARGO_BIN_EXE_iemsim")),
                tmux::sh_quote(wav.to_str().expect("utf-8 path")),
                tmux::sh_quote(log.to_str().expect("utf-8 path")),
            )),
        );
        let t = tmux::Tmux::start(&format!("abx-{name}"), 120, 30, &cmd);
        t.wait_for("the intro", |s| s.contains("before the trials"));
        let pid: i32 = std::fs::read_to_string(&pidfile)
            .expect("pid file")
            .trim()
            .parse()
            .expect("pid");
        // SAFETY: kill(2) on the process this test started.
        unsafe { libc::kill(pid, sig) };
        let s = t.wait_for("exit", |s| s.contains("EXIT="));
        assert!(s.contains(&format!("EXIT={code}")), "{name}: {s}");
        assert!(
            s.contains(&format!("stopped by {name}")) && s.contains("nothing logged"),
            "{name}: {s}"
        );
        assert!(!log.exists(), "{name}: nothing to log before a trial");
    }
}

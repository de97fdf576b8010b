//! Options a mode has no use for, and values no run can use, across the commands: each was
//! accepted and ignored (exit 0, no word), or ran for ever, until an exploratory pass found it.
//! Now each is refused (exit 2) with a message naming the option, before anything is written;
//! what is accepted but changes nothing a user might expect it to says so on stderr.

use crate::common::cli::{run as iemsim, run_with_config, text};
use std::fs;
use std::path::Path;

/// A 1 s stereo input, an Equalizer APO correction and a measurement CSV in `dir`.
fn inputs(dir: &Path) {
    let o = iemsim(
        &["generate", "music", "-o", "in.wav", "--seconds", "1"],
        dir,
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    fs::write(
        dir.join("eq.txt"),
        "Preamp: -3 dB\nFilter 1: ON PK Fc 1000 Hz Gain 3 dB Q 1\n",
    )
    .unwrap();
    let m = crate::common::cli::root().join("samples/measurements/iem/ba/BGVP DM6.csv");
    fs::copy(m, dir.join("m.csv")).unwrap();
}

#[test]
fn options_a_mode_ignores_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    inputs(d);
    let cases: &[(&[&str], &str)] = &[
        // The target cancels when A is compared with B; with a profile as B it was a wrong fit.
        (
            &["fit", "m.csv", "--like", "dd", "--target", "diffuse-field"],
            "--target",
        ),
        (&["fit", "m.csv", "--force"], "--output"),
        // Matching sets each output's gain: --preamp was dropped without a word.
        (
            &[
                "export",
                "in.wav",
                "-p",
                "ba",
                "-p",
                "dd",
                "--out-dir",
                "o",
                "--preamp",
                "-10",
            ],
            "--preamp",
        ),
        (
            &[
                "export", "in.wav", "-p", "ba", "-p", "dd", "--match", "--preamp", "profile",
            ],
            "--preamp",
        ),
        (
            &["export", "in.wav", "-p", "ba", "-o", "-", "--force"],
            "--force",
        ),
        (
            &["export", "in.wav", "-p", "ba", "-o", "-", "--skip-existing"],
            "--skip-existing",
        ),
        (
            &["export", "in.wav", "-p", "ba", "-o", "j.wav", "-j", "2"],
            "--jobs",
        ),
        // The input column never goes through the correction.
        (
            &["analyze", "in.wav", "--headphones", "eq.txt"],
            "--headphones",
        ),
        (
            &["analyze", "in.wav", "--headphone-target", "harman"],
            "--headphone-target",
        ),
        (&["live", "--setup", "-a", "nosuch"], "--setup"),
        (&["live", "--setup", "--json"], "--setup"),
        // `--undo` needs `--setup`, which clap did not check with these present: a session ran.
        (&["live", "--undo", "--no-tui", "--duration", "1"], "--undo"),
        (&["live", "--undo", "--input", "x"], "--undo"),
        (
            &["live", "--setup", "--headphones", "missing.txt"],
            "--setup",
        ),
        (
            &["abx", "--summary", "a.jsonl", "--log", "b.jsonl"],
            "--log",
        ),
        // `inf` and 1e300 ran for ever; `--loop` then said "without --duration".
        (
            &[
                "play",
                "in.wav",
                "--no-tui",
                "--duration",
                "inf",
                "--loop",
                "0-1",
            ],
            "--duration",
        ),
        (
            &["play", "in.wav", "--no-tui", "--duration", "1e300"],
            "--duration",
        ),
        (
            &[
                "play",
                "in.wav",
                "--no-tui",
                "--duration",
                "1",
                "--switch-every",
                "inf",
            ],
            "--switch-every",
        ),
        (&["live", "--no-tui", "--duration", "inf"], "--duration"),
        // A negative number reaches the option's check, not clap's "unexpected argument '-1'".
        (
            &["generate", "tone", "-o", "t.wav", "--seconds", "-1"],
            "--seconds -1",
        ),
        (&["fit", "m.csv", "--max-filters", "-1"], "--max-filters"),
        (
            &["show", "ba", "--plot", "s.svg", "--size", "-5x5"],
            "--size '-5x5'",
        ),
        (&["config", "set", "headphones", ""], "needs a value"),
        (&["config", "set", "headphone-target", " "], "needs a value"),
    ];
    for (args, needle) in cases {
        let o = iemsim(args, d);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("unexpected argument"), "{args:?}: {err}");
    }
    for made in ["o", "j.wav", "t.wav", "s.svg", "a.jsonl", "b.jsonl"] {
        assert!(!d.join(made).exists(), "{made} was written");
    }
}

/// What is accepted but leaves something out says so: a filter above Nyquist missing from a
/// chart, and a remembered target that the remembered EQ never uses.
#[test]
fn accepted_options_that_change_less_than_expected_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    inputs(d);
    let o = iemsim(&["show", "ba", "--rate", "16000", "--plot", "p.svg"], d);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains("filter 4") && err.contains("left out of the chart"),
        "{err}"
    );
    let o = iemsim(&["show", "ba", "--plot", "q.svg"], d);
    assert!(!text(&o.stderr).contains("left out"), "{}", text(&o.stderr));

    let config = d.join("config");
    let set =
        |kv: &[&str]| run_with_config(&[&["config", "set"][..], kv].concat(), d, Some(&config));
    assert!(set(&["headphones", "eq.txt"]).status.success());
    let o = set(&["headphone-target", "harman"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("is an EQ, not a measurement .csv"),
        "{}",
        text(&o.stderr)
    );
    // With a measurement as headphones the target is used: no note.
    assert!(set(&["headphones", "m.csv"]).status.success());
    let o = set(&["headphone-target", "harman-over-ear-2018"]);
    assert!(!text(&o.stderr).contains("note"), "{}", text(&o.stderr));
}

/// `man export extra` said "the commands are " and nothing after.
#[test]
fn man_names_a_command_without_subcommands() {
    let o = iemsim(&["man", "export", "extra"], Path::new("."));
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("`export` has no commands of its own"), "{err}");
}

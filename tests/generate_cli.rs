//! `iemsim generate` through the real binary: the files are what they claim, existing files are
//! never replaced without --force, and bad arguments get one clear line and exit code 2.

use std::process::{Command, Output};

fn iemsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iemsim"))
        .args(args)
        .output()
        .expect("run iemsim")
}

#[test]
fn writes_the_promised_format_and_never_clobbers() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("tone.wav");
    let o = dir.path().join("tone.wav").display().to_string();
    let r = iemsim(&[
        "generate",
        "tone",
        "-o",
        &o,
        "--freq",
        "440",
        "--seconds",
        "0.5",
        "--rate",
        "22050",
        "--bits",
        "24",
    ]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let reader = hound::WavReader::open(&out).expect("wav");
    let spec = reader.spec();
    assert_eq!(
        (spec.sample_rate, spec.bits_per_sample, spec.channels),
        (22_050, 24, 1)
    );
    assert_eq!(reader.duration(), 11_025);
    let before = std::fs::read(&out).expect("read");

    let r = iemsim(&["generate", "sweep", "-o", &o]);
    assert_eq!(r.status.code(), Some(2));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("tone.wav") && err.contains("--force"), "{err}");
    assert_eq!(std::fs::read(&out).expect("read"), before, "untouched");

    let r = iemsim(&["generate", "sweep", "-o", &o, "--force", "--seconds", "0.2"]);
    assert!(r.status.success());
    assert_ne!(std::fs::read(&out).expect("read"), before);
}

#[test]
fn bad_arguments_are_refused_clearly() {
    let dir = tempfile::tempdir().expect("tmp");
    let o = dir.path().join("x.wav").display().to_string();
    let missing = dir.path().join("no/such/x.wav").display().to_string();
    for (args, needle) in [
        (
            vec!["generate", "tone", "-o", &o, "--freq", "30000"],
            "--freq",
        ),
        (
            vec!["generate", "pink", "-o", &o, "--rate", "4000"],
            "--rate",
        ),
        (
            vec!["generate", "pink", "-o", &o, "--seconds", "0"],
            "--seconds",
        ),
        (vec!["generate", "music", "-o", &missing], "no/such"),
    ] {
        let r = iemsim(&args);
        assert_eq!(r.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&r.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    assert!(
        std::fs::read_dir(dir.path()).expect("dir").next().is_none(),
        "nothing written"
    );
}

#[test]
fn play_refuses_scripted_options_without_no_tui_before_touching_a_device() {
    for args in [
        vec!["play", "--switch-every", "2"],
        vec!["play", "--no-tui", "--switch-every", "0"],
        vec!["play", "--start", "1:xx"],
        vec!["play", "--loop", "20-10"],
    ] {
        let r = iemsim(&args);
        assert_eq!(
            r.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
    }
}

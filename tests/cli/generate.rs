//! `iemsim generate` through the real binary: the files are what they claim, existing files are
//! never replaced without --force, and bad arguments get one clear line and exit code 2.

use crate::common::cli;
use crate::common::tools;

use cli::iemsim;
use tools::sox;

/// `iemsim generate tone --freq 440 --seconds 0.5 -o OUT MORE…`.
fn half_second_of_440_hz(out: &str, more: &[&str]) -> std::process::Output {
    let mut args = vec![
        "generate",
        "tone",
        "--freq",
        "440",
        "--seconds",
        "0.5",
        "-o",
        out,
    ];
    args.extend_from_slice(more);
    iemsim(&args)
}

#[test]
fn writes_the_promised_format_and_never_clobbers() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("tone.wav");
    let o = dir.path().join("tone.wav").display().to_string();
    let r = half_second_of_440_hz(&o, &["--rate", "22050", "--bits", "24"]);
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
        // Less than one sample was rounded up to a 1-frame file.
        (
            vec!["generate", "pink", "-o", &o, "--seconds", "0.0000001"],
            "one sample",
        ),
        // Not one cycle in the file: 1e-9 Hz was a silent file with exit 0.
        (
            vec!["generate", "tone", "-o", &o, "--freq", "1e-9"],
            "less than one cycle",
        ),
        (
            vec![
                "generate",
                "tone",
                "-o",
                &o,
                "--freq",
                "5",
                "--seconds",
                "0.1",
            ],
            "at least 10 Hz",
        ),
        // The advice is a tone the rate takes: 44052.86343612335 Hz was suggested at 44.1 kHz.
        (
            vec![
                "generate",
                "tone",
                "-o",
                &o,
                "--seconds",
                "0.0000227",
                "--rate",
                "44100",
            ],
            "no tone below half the rate (22050 Hz) fits",
        ),
        (
            vec![
                "generate",
                "tone",
                "-o",
                &o,
                "--freq",
                "100",
                "--seconds",
                "0.003",
            ],
            "at least 333.34 Hz",
        ),
        (vec!["generate", "music", "-o", &missing], "no/such"),
        // Options the signal has no use for were accepted and ignored.
        (
            vec!["generate", "sweep", "-o", &o, "--freq", "440"],
            "--freq is for `tone` only: `sweep`",
        ),
        (
            vec!["generate", "pink", "-o", &o, "--freq", "440"],
            "--freq is for `tone` only",
        ),
        (
            vec!["generate", "tone", "-o", &o, "--seed", "7"],
            "`tone` has no noise to seed",
        ),
        (
            vec!["generate", "sweep", "-o", &o, "--seed", "7"],
            "--seed is for",
        ),
        (
            vec!["generate", "bass-notes", "-o", &o, "--seed", "7"],
            "`bass-notes` has no noise to seed",
        ),
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

/// sox's `stat` value on the line starting with `name`.
fn stat(report: &str, name: &str) -> f64 {
    report
        .lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.rsplit(':').next())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name} in {report}"))
}

/// `-o NAME.flac` writes FLAC, as `export` does: sox reads a 24-bit FLAC holding the 440 Hz tone
/// at half scale. (generate used to write a WAV under any name.)
#[test]
fn the_extension_picks_flac_as_in_export() {
    if !tools::have(&["sox"]) {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("a440.FLAC");
    let o = out.display().to_string();
    let r = half_second_of_440_hz(&o, &["--bits", "24"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert_eq!(&std::fs::read(&out).expect("read")[..4], b"fLaC");
    assert_eq!(sox(&["--i", "-t", &o]).trim(), "flac");
    assert_eq!(sox(&["--i", "-p", &o]).trim(), "24");
    assert_eq!(sox(&["--i", "-s", &o]).trim(), "22050");
    let st = sox(&[&o, "-n", "stat"]);
    assert!((stat(&st, "Maximum amplitude") - 0.5).abs() < 1e-3, "{st}");
    assert!((stat(&st, "Rough   frequency") - 440.0).abs() < 5.0, "{st}");
    // Only the file: the write went through a temporary that was renamed.
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);

    // An existing FLAC is not replaced without --force.
    let before = std::fs::read(&out).expect("read");
    let r = iemsim(&["generate", "sweep", "-o", &o]);
    assert_eq!(r.status.code(), Some(2));
    assert_eq!(std::fs::read(&out).expect("read"), before, "untouched");

    // `-o -` with --format flac: FLAC on standard output, the report on standard error.
    let r = iemsim(&[
        "generate",
        "pink",
        "-o",
        "-",
        "--format",
        "flac",
        "--seconds",
        "0.2",
    ]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert_eq!(&r.stdout[..4], b"fLaC");
    assert!(String::from_utf8_lossy(&r.stderr).contains("FLAC"));
}

/// Names generate cannot write are refused with exit 2 before anything is generated, with
/// export's messages; nothing is left in the folder. (x.mp3 used to become a WAV named x.mp3.)
#[test]
fn unwritable_output_names_are_refused_first() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    std::fs::create_dir(d.join("sub")).expect("mkdir");
    let at = |n: &str| d.join(n).display().to_string();
    for (name, extra, says) in [
        ("x.mp3", vec![], "x.mp3: iemsim writes .wav and .flac"),
        ("noext", vec![], "noext: iemsim writes .wav and .flac"),
        ("x.wav", vec!["--format", "flac"], "--format says flac"),
        (
            "x.flac",
            vec!["--bits", "32f"],
            "FLAC output is 16- or 24-bit",
        ),
        ("sub", vec![], "sub: is a folder"),
    ] {
        let o = at(name);
        let mut args = vec!["generate", "tone", "-o", &o, "--seconds", "0.1"];
        args.extend(extra);
        let r = iemsim(&args);
        let err = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{name}: {err}");
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
        assert!(err.contains(says), "{name}: {err}");
        let names: Vec<_> = std::fs::read_dir(d)
            .expect("dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["sub"], "{name}");
    }
}

#[test]
fn play_refuses_scripted_options_without_no_tui_before_touching_a_device() {
    for args in [
        vec!["play", "--switch-every", "2"],
        vec!["play", "--no-tui", "--switch-every", "0"],
        vec!["play", "--start", "1:xx"],
        // Read as 159 s, 60 s and 5 s: a typo seeked elsewhere.
        vec!["play", "--start", "1:99"],
        vec!["play", "--start", "0:60"],
        vec!["play", "--start", "00:00:00:05"],
        vec!["play", "--start", "1.5:00"],
        vec!["play", "--loop", "20-10"],
        // Each end fades over 5 ms: this played silence, and a loop under a frame was dropped.
        vec!["play", "--loop", "5-5.001"],
        vec!["play", "--loop", "5-5.4"],
        vec!["play", "--loop", "5-5.00001"],
        // --start outside --loop was ignored silently (playback began at the loop).
        vec!["play", "--loop", "1-2", "--start", "10"],
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

/// `--json` reports the seed the noise was made with, and `null` for a signal without noise.
#[test]
fn the_json_report_gives_a_seed_only_to_signals_with_noise() {
    let dir = tempfile::tempdir().expect("tmp");
    for (kind, more, seed) in [
        ("pink", vec!["--seed", "7"], serde_json::json!(7)),
        ("music", vec![], serde_json::json!(1)),
        ("tone", vec!["--freq", "440"], serde_json::Value::Null),
    ] {
        let o = dir.path().join(format!("{kind}.wav")).display().to_string();
        let mut args = vec!["generate", kind, "-o", &o, "--seconds", "0.2", "--json"];
        args.extend(more);
        let r = iemsim(&args);
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        let v: serde_json::Value = serde_json::from_slice(&r.stdout).expect("JSON");
        assert_eq!(v["seed"], seed, "{kind}: {v}");
    }
}

/// The command's summary lists "noise" among its signals, and `generate noise` was refused
/// ("invalid value 'noise'"); it is pink noise, byte for byte, under the name `pink`.
#[test]
fn noise_as_the_summary_says_is_pink_noise() {
    let dir = tempfile::tempdir().expect("tmp");
    let made: Vec<(Vec<u8>, String)> = ["noise", "pink"]
        .into_iter()
        .map(|kind| {
            let o = dir.path().join(format!("{kind}.wav")).display().to_string();
            let r = iemsim(&["generate", kind, "-o", &o, "--seconds", "0.2", "--json"]);
            assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
            let v: serde_json::Value = serde_json::from_slice(&r.stdout).expect("JSON");
            (std::fs::read(&o).expect("read"), v["kind"].to_string())
        })
        .collect();
    assert!(made[0].0 == made[1].0, "the same samples");
    assert_eq!(made[0].1, made[1].1);
}

/// The length reported is the length written, a whole number of frames: 1.23456789 s at 8 kHz
/// is round(9876.54312) = 9877 frames, 9877 / 8000 = 1.234625 s (it said 1.23456789 s); a
/// length the rate holds exactly reads as given.
#[test]
fn the_length_reported_is_the_length_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = cli::run(
        &[
            "generate",
            "pink",
            "--seconds",
            "1.23456789",
            "--rate",
            "8000",
            "-o",
            "p.wav",
            "--json",
        ],
        d,
    );
    assert!(o.status.success(), "{}", cli::stderr(&o));
    let v = cli::json_of(&o);
    assert_eq!(v["frames"], 9877, "{v}");
    assert_eq!(v["seconds"].as_f64(), Some(1.234625), "{v}");
    let o = cli::run(
        &[
            "generate",
            "pink",
            "--seconds",
            "1.23456789",
            "--rate",
            "8000",
            "-o",
            "q.wav",
        ],
        d,
    );
    let text = cli::text(&o.stdout);
    assert!(text.contains(" 1.234625 s, 8000 Hz"), "{text}");
    let o = cli::run(
        &[
            "generate",
            "pink",
            "--seconds",
            "0.3",
            "--rate",
            "44100",
            "-o",
            "r.wav",
        ],
        d,
    );
    let text = cli::text(&o.stdout);
    assert!(text.contains(" 0.3 s, 44100 Hz"), "{text}");
}

/// 32-bit or float FLAC is refused with the way to get it: a .wav name for a file, `--format
/// wav` for standard output, which has no name to change (it said "needs a .wav output").
#[test]
fn flac_bits_advice_fits_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let tone = |out: &str| {
        cli::run(
            &[
                "generate",
                "tone",
                "--seconds",
                "0.1",
                "-o",
                out,
                "--format",
                "flac",
                "--bits",
                "32",
            ],
            d,
        )
    };
    let o = tone("-");
    let err = cli::stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("32-bit int needs --format wav (or use --bits 24)"),
        "{err}"
    );
    let o = tone("t.flac");
    let err = cli::stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("32-bit int needs a .wav output (or use --bits 24)"),
        "{err}"
    );
    // export says the same.
    let o = cli::run(&["generate", "tone", "--seconds", "0.1", "-o", "in.wav"], d);
    assert!(o.status.success(), "{}", cli::stderr(&o));
    let o = cli::run(
        &[
            "export", "in.wav", "-p", "neutral", "-o", "-", "--format", "flac", "--bits", "32",
        ],
        d,
    );
    let err = cli::stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("32-bit int needs --format wav (or use --bits 24)"),
        "{err}"
    );
}

//! `export --match`: the outputs of one input are equally loud by an independent BS.1770 meter
//! (the `ebur128` crate, a port of libebur128), none clips, and the report says each loudness.

use crate::common::cli;

use cli::run as iemsim;
use std::path::Path;
use std::process::Output;

fn music() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples/music.wav")
        .display()
        .to_string()
}

/// Integrated loudness (LUFS) and sample peak (linear) of a WAV, measured without iemsim's code.
fn measure(path: &Path) -> (f64, f64) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let scale = 2f64.powi(i32::from(spec.bits_per_sample) - 1);
    let x: Vec<f64> = r
        .samples::<i32>()
        .map(|s| f64::from(s.unwrap()) / scale)
        .collect();
    let mut m = ebur128::EbuR128::new(u32::from(spec.channels), spec.sample_rate, ebur128::Mode::I)
        .unwrap();
    m.add_frames_f64(&x).unwrap();
    (
        m.loudness_global().unwrap(),
        x.iter().fold(0.0, |a, v| a.max(v.abs())),
    )
}

fn report(o: &Output) -> Vec<serde_json::Value> {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()["outputs"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn several_profiles_are_matched_by_default_within_a_tenth_of_a_lu_and_none_clips() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let r = report(&iemsim(
        &[
            "export",
            &music(),
            "-p",
            "neutral",
            "-p",
            "sibilance",
            "--out-dir",
            d,
            "--json",
        ],
        dir.path(),
    ));
    let mut measured = Vec::new();
    for out in &r {
        let path = Path::new(out["output"].as_str().unwrap());
        let (lufs, peak) = measure(path);
        assert_eq!(out["clipped_samples"], 0, "{out}");
        assert!(
            peak < 1.0 && 20.0 * peak.log10() <= -0.1 + 0.01,
            "{out}: peak {peak}"
        );
        // The report's loudness is what an independent meter reads.
        let said = out["loudness_lufs"]
            .as_f64()
            .expect("loudness in the report");
        assert!((said - lufs).abs() < 0.1, "{out}: measured {lufs}");
        measured.push(lufs);
    }
    assert!((measured[0] - measured[1]).abs() < 0.1, "{measured:?}");
    // Without matching (the old behaviour) the two differ by several LU: the test can fail.
    let r = report(&iemsim(
        &[
            "export",
            &music(),
            "-p",
            "neutral",
            "-p",
            "sibilance",
            "--out-dir",
            d,
            "--json",
            "--no-match",
            "--force",
        ],
        dir.path(),
    ));
    assert!(r.iter().all(|o| o.get("loudness_lufs").is_none()));
    let l: Vec<f64> = r
        .iter()
        .map(|o| measure(Path::new(o["output"].as_str().unwrap())).0)
        .collect();
    assert!((l[0] - l[1]).abs() > 1.0, "{l:?}");
}

#[test]
fn a_files_preamp_is_kept_replaced_or_overridden() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let hd600 = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/autoeq/Sennheiser HD 600 ParametricEQ.txt");
    let hd600 = hd600.to_str().unwrap();
    let show = iemsim(&["show", hd600, "--rate", "44100", "--json"], d);
    let show: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    let auto = show["auto_preamp_db"].as_f64().unwrap();
    assert!(auto < -6.0 && auto > -7.0, "{auto}");
    for (choice, want) in [("profile", -6.3), ("auto", auto), ("-2.5", -2.5)] {
        let r = report(&iemsim(
            &[
                "export",
                &music(),
                "-p",
                hd600,
                "--preamp",
                choice,
                "-o",
                "x.wav",
                "--force",
                "--json",
            ],
            d,
        ));
        assert_eq!(r[0]["preamp_db"].as_f64().unwrap(), want, "{choice}");
    }
}

/// `--match` with one profile has nothing to match: refused as a usage error naming the flag, not
/// silently ignored (the output would have kept --preamp while the user asked for a match).
#[test]
fn match_with_one_profile_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let o = iemsim(&["export", &music(), "-p", "ba", "--match"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    let err = crate::common::cli::stderr(&o);
    assert!(
        err.contains("--match") && err.contains("one profile"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// A 0.3 s clip at −1 dBFS has no BS.1770 loudness (its blocks are 0.4 s): the warning says so
/// and why, rather than calling it silent.
#[test]
fn a_clip_too_short_to_measure_is_not_called_silent() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let made = iemsim(
        &["generate", "tone", "--seconds", "0.3", "-o", "short.wav"],
        d,
    );
    assert!(made.status.success(), "{}", cli::text(&made.stderr));
    let o = iemsim(&["export", "short.wav", "-p", "ba", "-p", "dd"], d);
    let err = cli::text(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("no loudness to match (BS.1770 needs 0.4 s") && !err.contains("silent"),
        "{err}"
    );
}

/// Standard input is read once and cannot be measured first: an explicit `--match` is refused
/// before anything is written, as with one profile (it warned and wrote unmatched outputs, exit
/// 0); without it, several profiles still export, with a warning that they use --preamp.
#[test]
fn match_on_standard_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let wav = std::fs::read(music()).unwrap();
    let two = ["export", "-", "-p", "ba", "-p", "dd"];
    let o = cli::run_with_stdin(&[&two[..], &["--match"]].concat(), d, &wav);
    let err = cli::stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--match cannot match standard input") && err.contains("read once"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(d).unwrap().count(), 0);
    let o = cli::run_with_stdin(&two, d, &wav);
    let err = cli::stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("cannot be loudness-matched"), "{err}");
    assert!(d.join("stdin.ba.wav").is_file() && d.join("stdin.dd.wav").is_file());
}

/// Damages `path` halfway: 4000 bytes of a FLAC's frames overwritten, so its frames there fail
/// their checksums. Only a decoder that gets that far sees it (its header still reads).
fn damage_halfway(path: &Path) {
    let mut b = std::fs::read(path).unwrap();
    let n = b.len();
    b[n / 2..n / 2 + 4000].fill(0x55);
    std::fs::write(path, b).unwrap();
}

/// With several profiles an output in the way was found only after the measuring pass had read
/// the whole input; with one it was refused at once. The input here is damaged halfway, so a run
/// that decodes it before checking its outputs fails on the damage instead: the refusal must come
/// first, word for word as with one profile. A folder's run likewise: an output's name taken by a
/// folder (which `--skip-existing` does not judge) refuses the run before any input is read (each
/// input was read, then failed on it: "2 of 2 files failed").
#[test]
fn outputs_in_the_way_are_refused_before_any_input_is_decoded() {
    use cli::stderr;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let made = iemsim(&["generate", "tone", "-o", "t.flac", "--seconds", "20"], d);
    assert!(made.status.success(), "{}", stderr(&made));
    damage_halfway(&d.join("t.flac"));
    std::fs::write(d.join("t.ba.flac"), b"").unwrap();
    let refused = "iemsim: t.ba.flac: already exists (use --force to replace it)\n";
    for profiles in [&["-p", "ba"][..], &["-p", "ba", "-p", "dd"]] {
        let o = iemsim(&[&["export", "t.flac"][..], profiles].concat(), d);
        assert_eq!(o.status.code(), Some(2), "{profiles:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), refused, "{profiles:?}");
    }
    // The damage is there to be found: with the way clear, the measuring pass finds it.
    std::fs::remove_file(d.join("t.ba.flac")).unwrap();
    let o = iemsim(&["export", "t.flac", "-p", "ba", "-p", "dd"], d);
    assert!(stderr(&o).contains("corrupt"), "{}", stderr(&o));

    std::fs::create_dir_all(d.join("W")).unwrap();
    std::fs::create_dir_all(d.join("Wo/b.dd.flac")).unwrap();
    std::fs::rename(d.join("t.flac"), d.join("W/a.flac")).unwrap();
    let made = iemsim(&["generate", "tone", "-o", "W/b.flac", "--seconds", "1"], d);
    assert!(made.status.success(), "{}", stderr(&made));
    let args = ["export", "W", "-p", "ba", "-p", "dd", "--out-dir", "Wo"];
    let o = iemsim(&[&args[..], &["--skip-existing"]].concat(), d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "iemsim: Wo/b.dd.flac: is a folder; name an output file\n"
    );
    let left: Vec<_> = std::fs::read_dir(d.join("Wo")).unwrap().collect();
    assert_eq!(left.len(), 1, "nothing was written: {left:?}");
}

//! Headphone compensation through the binary: `--headphones FILE` is the correction's filters
//! followed by the profile's, one cascade; `iemsim config` remembers it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const HD600: &str = "tests/fixtures/autoeq/Sennheiser HD 600 ParametricEQ.txt";
const CHU: &str = "tests/fixtures/autoeq/Moondrop Chu ParametricEQ.txt";

fn iemsim(config: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iemsim"))
        .env("IEMSIM_CONFIG_DIR", config)
        .args(args)
        .output()
        .expect("run iemsim")
}

fn ok(o: Output) -> Output {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o
}

/// The `Filter N:` lines of an Equalizer APO / AutoEq file.
fn filter_lines(path: &str) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("fixture")
        .lines()
        .filter(|l| l.starts_with("Filter"))
        .map(str::to_string)
        .collect()
}

/// One Equalizer APO file holding HD600's filters, then Chu's, numbered 1..N.
fn concatenated(dir: &Path) -> PathBuf {
    let mut text = String::from("Preamp: 0 dB\n");
    for (i, l) in filter_lines(HD600)
        .iter()
        .chain(&filter_lines(CHU))
        .enumerate()
    {
        let rest = l.split_once(':').expect("Filter N: ...").1;
        text.push_str(&format!("Filter {}:{rest}\n", i + 1));
    }
    let p = dir.join("both.txt");
    std::fs::write(&p, text).expect("write");
    p
}

#[test]
fn export_with_headphones_equals_one_file_with_both_cascades() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let input = d.join("in.wav");
    let input_s = input.to_str().expect("utf8");
    ok(iemsim(
        d,
        &[
            "generate",
            "pink",
            "-o",
            input_s,
            "--seconds",
            "1",
            "--rate",
            "48000",
        ],
    ));
    let both = concatenated(d);
    let a = d.join("a.wav");
    let b = d.join("b.wav");
    let common = ["--bits", "32f", "--dither", "none", "-q"];
    let o = ok(iemsim(
        d,
        &[
            &[
                "export",
                input_s,
                "-p",
                CHU,
                "--headphones",
                HD600,
                "-o",
                a.to_str().unwrap(),
            ][..],
            &common,
        ]
        .concat(),
    ));
    // One line names the correction applied.
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("Headphone correction:") && err.contains("HD 600"),
        "{err}"
    );
    ok(iemsim(
        d,
        &[
            &[
                "export",
                input_s,
                "-p",
                both.to_str().unwrap(),
                "-o",
                b.to_str().unwrap(),
            ][..],
            &common,
        ]
        .concat(),
    ));
    let (a, b) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    assert!(a.len() > 48_000 * 4, "a float WAV of one second");
    assert!(a == b, "the outputs differ");
}

fn show_json(config: &Path, args: &[&str]) -> serde_json::Value {
    let o = ok(iemsim(config, &[&["show"][..], args, &["--json"]].concat()));
    serde_json::from_slice(&o.stdout).expect("json")
}

fn response(j: &serde_json::Value) -> Vec<(f64, f64)> {
    j["response"]
        .as_array()
        .expect("response")
        .iter()
        .map(|p| (p["hz"].as_f64().unwrap(), p["db"].as_f64().unwrap()))
        .collect()
}

/// Biquads in series multiply, so the dB responses add: the combined response is the sum of the
/// correction's and the profile's, and the filters are the correction's then the profile's.
#[test]
fn show_reports_the_combined_filters_and_response() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let both = show_json(d, &["ba", "--headphones", HD600]);
    let hp = show_json(d, &[HD600]);
    let ba = show_json(d, &["ba"]);
    let filters = |j: &serde_json::Value| j["profile"]["filters"].as_array().unwrap().clone();
    let expected: Vec<_> = filters(&hp).into_iter().chain(filters(&ba)).collect();
    assert_eq!(filters(&both), expected);
    let (rb, rh, rp) = (response(&both), response(&hp), response(&ba));
    assert_eq!(rb.len(), rh.len());
    for ((b, h), p) in rb.iter().zip(&rh).zip(&rp) {
        assert_eq!(b.0, h.0);
        assert!(
            (b.1 - (h.1 + p.1)).abs() < 1e-9,
            "{} Hz: {} vs {} + {}",
            b.0,
            b.1,
            h.1,
            p.1
        );
    }
    // The HD 600 correction lifts the bass (a +6.5 dB low shelf at 105 Hz) under the profile.
    assert!(rb[0].1 - rp[0].1 > 5.0);
    // One preamp rule over the whole: auto = −(largest boost of the combined response).
    let auto = both["auto_preamp_db"].as_f64().unwrap();
    assert!((auto + both["max_boost_db"].as_f64().unwrap()).abs() < 1e-9);
}

#[test]
fn config_remembers_forgets_and_is_overridden() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let get = |d: &Path| {
        String::from_utf8(ok(iemsim(d, &["config", "get", "headphones"])).stdout).unwrap()
    };
    assert_eq!(get(d), "");
    ok(iemsim(d, &["config", "set", "headphones", HD600]));
    let stored = get(d);
    let expected = std::fs::canonicalize(HD600).unwrap();
    assert_eq!(Path::new(stored.trim()), expected);
    let toml = std::fs::read_to_string(d.join("config.toml")).unwrap();
    assert!(toml.contains("headphones = "), "{toml}");
    // Remembered: show applies it without --headphones (one line on stderr says so) ...
    let o = ok(iemsim(d, &["show", "ba", "--json"]));
    assert!(String::from_utf8_lossy(&o.stderr).contains("Headphone correction:"));
    let with = show_json(d, &["ba"]);
    assert_eq!(with["profile"]["filters"].as_array().unwrap().len(), 18);
    // ... --no-headphones turns it off for one run ...
    let o = ok(iemsim(d, &["show", "ba", "--json", "--no-headphones"]));
    assert!(o.stderr.is_empty());
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["profile"]["filters"].as_array().unwrap().len(), 8);
    // ... and unset forgets it, and says so (and says when there was nothing to forget).
    let o = ok(iemsim(d, &["config", "unset", "headphones"]));
    let said = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(said.starts_with("headphones unset (was "), "{said}");
    assert_eq!(get(d), "");
    let o = ok(iemsim(d, &["config", "unset", "headphones"]));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "headphones was not set\n"
    );
    let j = show_json(d, &["ba"]);
    assert_eq!(j["profile"]["filters"].as_array().unwrap().len(), 8);
}

/// A `config.toml` that is a link into a dotfiles folder is written through, not replaced by a
/// file of its own (the dotfiles copy kept the old setting).
#[cfg(unix)]
#[test]
fn config_writes_through_a_linked_config_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let dotfiles = tempfile::tempdir().expect("tmp");
    let real = dotfiles.path().join("config.toml");
    std::fs::write(&real, "headphone-target = \"harman\"\n").unwrap();
    std::os::unix::fs::symlink(&real, d.join("config.toml")).unwrap();
    ok(iemsim(
        d,
        &["config", "set", "headphone-target", "diffuse-field"],
    ));
    assert!(d.join("config.toml").is_symlink());
    let toml = std::fs::read_to_string(&real).unwrap();
    assert!(toml.contains("diffuse-field"), "{toml}");
}

/// Every target name the check accepts is remembered as that name: `harman` and `diffuse-field`
/// were saved as paths in the current folder (exit 0), and every later command with a remembered
/// `.csv` correction then failed with "no such target".
#[test]
fn config_keeps_every_target_name_as_a_name() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let csv = "tests/fixtures/measurements/Sennheiser HD 600.csv";
    for name in ["harman", "diffuse-field", "harman-in-ear-2019"] {
        ok(iemsim(d, &["config", "set", "headphone-target", name]));
        let o = ok(iemsim(d, &["config", "get", "headphone-target"]));
        assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), name);
        ok(iemsim(d, &["config", "set", "headphones", csv]));
        // Without a key, every setting (there was no way to see them all but config.toml).
        let o = ok(iemsim(d, &["config", "get"]));
        let all = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(
            all.contains(&format!("\nheadphone-target = {name}\n")),
            "{all}"
        );
        assert!(all.starts_with("headphones = /"), "{all}");
        ok(iemsim(d, &["show", "ba", "--json"]));
    }
}

/// A remembered target applies to a measurement given with `--headphones` too: it was fitted to
/// harman-over-ear-2018 whatever `config set headphone-target` said.
#[test]
fn a_given_measurement_takes_the_remembered_target() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let csv = "tests/fixtures/measurements/Sennheiser HD 600.csv";
    let filters = |extra: &[&str]| {
        let mut args = vec!["ba", "--headphones", csv];
        args.extend_from_slice(extra);
        show_json(d, &args)["profile"]["filters"].clone()
    };
    let over_ear = filters(&["--headphone-target", "harman-over-ear-2018"]);
    let in_ear = filters(&["--headphone-target", "harman-in-ear-2019"]);
    assert_ne!(over_ear, in_ear);
    ok(iemsim(
        d,
        &["config", "set", "headphone-target", "harman-in-ear-2019"],
    ));
    assert_eq!(filters(&[]), in_ear);
    // The option still wins over the remembered target.
    assert_eq!(
        filters(&["--headphone-target", "harman-over-ear-2018"]),
        over_ear
    );
    // `harman`, the in-ear target's short name, is said in full: beside headphones, whose
    // default is the over-ear one, "(fitted to harman)" did not say which.
    let o = ok(iemsim(
        d,
        &[
            "show",
            "ba",
            "--headphones",
            csv,
            "--headphone-target",
            "harman",
        ],
    ));
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(
        said.contains("(fitted to harman = harman-in-ear-2019)"),
        "{said}"
    );
    // `export --json` names the correction as `analyze --json` does (it had no such field).
    let wav = d.join("in.wav").display().to_string();
    let out = d.join("out.wav").display().to_string();
    ok(iemsim(
        d,
        &["generate", "tone", "--seconds", "1", "-o", &wav],
    ));
    let export = [
        "export",
        &wav,
        "-o",
        &out,
        "-p",
        "ba",
        "--headphones",
        csv,
        "--json",
    ];
    let analyze = ["analyze", &wav, "-p", "ba", "--headphones", csv, "--json"];
    for args in [&export[..], &analyze[..]] {
        let o = ok(iemsim(d, args));
        let j: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
        let named = j["headphones"].as_str().unwrap_or_default();
        assert!(named.contains("HD 600.csv (fitted to"), "{args:?}: {j}");
    }
}

/// `--headphone-target` with no measurement to fit was accepted and ignored (exit 0): with no
/// correction, with `--no-headphones`, with an EQ given or remembered. Now each is refused by
/// name; with a measurement, given or remembered, it still applies.
#[test]
fn a_headphone_target_with_nothing_to_fit_is_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let csv = "tests/fixtures/measurements/Sennheiser HD 600.csv";
    let refused = |args: &[&str], needle: &str| {
        let o = iemsim(d, args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("--headphone-target") && err.contains(needle),
            "{args:?}: {err}"
        );
    };
    let t = ["--headphone-target", "bogus"];
    refused(
        &["show", "ba", t[0], t[1]],
        "no headphone correction is in use",
    );
    refused(
        &["show", "ba", "--no-headphones", t[0], t[1]],
        "no headphone correction",
    );
    refused(
        &["show", "ba", "--headphones", HD600, t[0], t[1]],
        "is not a measurement .csv",
    );
    ok(iemsim(d, &["config", "set", "headphones", HD600]));
    refused(
        &["show", "ba", t[0], t[1]],
        "Sennheiser HD 600 ParametricEQ.txt, is not a measurement .csv",
    );
    ok(iemsim(d, &["config", "set", "headphones", csv]));
    let o = iemsim(
        d,
        &["show", "ba", "--headphone-target", "harman-in-ear-2019"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn a_bad_headphone_file_is_exit_2_naming_file_and_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let bad = d.join("bad.txt");
    std::fs::write(
        &bad,
        "Preamp: -3 dB\nFilter 1: ON PK Fc 100 Hz Gain 3 dB Q 1\nFilter 2: ON PK Fc abc Hz Gain 1 dB Q 1\n",
    )
    .unwrap();
    for args in [
        vec!["show", "ba", "--headphones", bad.to_str().unwrap()],
        vec![
            "export",
            "-p",
            "ba",
            "--headphones",
            bad.to_str().unwrap(),
            "-o",
            "-",
        ],
        vec!["config", "set", "headphones", bad.to_str().unwrap()],
    ] {
        let o = iemsim(d, &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("bad.txt:3"), "{args:?}: {err}");
        assert!(o.stdout.is_empty(), "{args:?}");
    }
    // A missing file is exit 2 too, named.
    let o = iemsim(d, &["show", "ba", "--headphones", "nowhere.txt"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("nowhere.txt"));
    // A broken config.toml names its line too.
    std::fs::write(
        d.join("config.toml"),
        "# mine\nheadphones = \"a.txt\"\nfoo = 1\n",
    )
    .unwrap();
    let o = iemsim(d, &["show", "ba"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("config.toml: line 3: unknown field `foo`"),
        "{err}"
    );
    // One that is not text is broken too: it was taken for an unreadable file, and the
    // remembered headphones were silently left out (exit 0).
    std::fs::write(d.join("config.toml"), b"headphones = \"a.txt\"\n\xff\xfe").unwrap();
    let o = iemsim(d, &["show", "ba"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("config.toml: not UTF-8 text"), "{err}");
}

/// A measurement CSV is corrected to the target by the fitter: headphones that measure exactly
/// like the Harman over-ear 2018 target need (almost) no correction.
#[test]
fn a_measurement_that_is_the_target_gets_a_flat_correction() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let t = "samples/measurements/targets/harman_over-ear_2018.csv";
    let both = show_json(
        d,
        &[
            "ba",
            "--headphones",
            t,
            "--headphone-target",
            "harman-over-ear-2018",
        ],
    );
    let ba = show_json(d, &["ba"]);
    for (b, p) in response(&both).iter().zip(response(&ba)) {
        if b.0 <= 10_000.0 {
            assert!((b.1 - p.1).abs() < 0.5, "{} Hz: {} vs {}", b.0, b.1, p.1);
        }
    }
}

/// The one Nyquist rule holds for the headphone file too, in every command: `export` of the
/// bundled sample (its built-in copy), of a folder, and `demo --export` dropped its 23 kHz filter
/// with a warning (exit 0) where `analyze`, `play` and `show` refused it.
#[test]
fn a_headphone_filter_above_nyquist_is_refused_by_export_and_demo_too() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let ny = d.join("ny.txt");
    std::fs::write(&ny, "Filter 1: ON PK Fc 23000 Hz Gain 1 dB Q 1\n").unwrap();
    let ny = ny.to_str().unwrap();
    let songs = d.join("songs");
    std::fs::create_dir(&songs).unwrap();
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 44_100,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(songs.join("a.wav"), spec).unwrap();
    for i in 0..8_820 {
        w.write_sample(((i % 100) * 100) as i16).unwrap();
    }
    w.finalize().unwrap();
    let out = d.join("out.wav");
    let demo = d.join("demo");
    let runs: [Vec<&str>; 3] = [
        vec![
            "export",
            "-p",
            "ba",
            "--headphones",
            ny,
            "-o",
            out.to_str().unwrap(),
        ],
        vec![
            "export",
            songs.to_str().unwrap(),
            "-p",
            "ba",
            "--headphones",
            ny,
        ],
        vec![
            "demo",
            "sibilance",
            "--export",
            demo.to_str().unwrap(),
            "--headphones",
            ny,
        ],
    ];
    for args in runs {
        let o = Command::new(env!("CARGO_BIN_EXE_iemsim"))
            .env("IEMSIM_CONFIG_DIR", d.join("cfg"))
            .current_dir(d)
            .args(&args)
            .output()
            .expect("run iemsim");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("ny.txt:1") && err.contains("Nyquist"),
            "{args:?}: {err}"
        );
    }
    assert!(!out.exists() && !songs.join("a.ba.wav").exists());
}

/// `analyze` measures each profile through the correction (given here, or remembered, where it
/// is easy to forget): its column read just `neutral`, and a -6 dB change at 1 kHz looked like
/// the profile's own. The column, the JSON label and a `headphones` field now say so; the input's
/// column is the file as it is. Checked against the same analysis without the correction.
#[test]
fn analyze_labels_the_columns_that_went_through_a_correction() {
    let cfg = tempfile::tempdir().expect("tmp");
    let json = |extra: &[&str]| -> serde_json::Value {
        let args = [
            &["analyze", "samples/music.wav", "-p", "neutral", "--json"],
            extra,
        ]
        .concat();
        serde_json::from_slice(&ok(iemsim(cfg.path(), &args)).stdout).expect("JSON")
    };
    let plain = json(&[]);
    let through = json(&["--headphones", HD600]);
    assert_eq!(plain["headphones"], serde_json::Value::Null);
    assert!(
        through["headphones"]
            .as_str()
            .unwrap_or("")
            .contains("HD 600"),
        "{}",
        through["headphones"]
    );
    assert_eq!(plain["versions"][1]["label"], "neutral");
    assert_eq!(through["versions"][1]["label"], "neutral + headphone EQ");
    assert_eq!(through["versions"][1]["profile"], "neutral");
    assert_eq!(through["versions"][0]["label"], "input");
    // The input is not corrected; the profile's column is (HD 600's EQ moves the level).
    assert_eq!(
        plain["versions"][0]["octave_bands_db"],
        through["versions"][0]["octave_bands_db"]
    );
    assert_ne!(
        plain["versions"][1]["octave_bands_db"],
        through["versions"][1]["octave_bands_db"]
    );
    let table = ok(iemsim(
        cfg.path(),
        &[
            "analyze",
            "samples/music.wav",
            "-p",
            "neutral",
            "--headphones",
            HD600,
        ],
    ));
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("neutral + headphone EQ"), "{text}");
}

/// The tester's per-channel correction: its `Channel:` sections were dropped (both channels came
/// out flat at the shared -2 dB preamp, exit 0). Each channel of a stereo impulse must come out as
/// the cookbook's cascade for that channel (`tests/common/rbj.rs`, independent of iemsim's
/// filters); with a per-channel profile too, both apply per channel; a mono file is refused, as
/// for a per-channel profile; the one line, `config set` and `show` name the channels.
#[test]
fn a_per_channel_correction_applies_per_channel() {
    use crate::common::rbj;
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let hp = d.join("hpch.txt");
    std::fs::write(
        &hp,
        "Preamp: -2 dB\nChannel: L\nFilter 1: ON PK Fc 200 Hz Gain 4 dB Q 2\nChannel: R\n\
         Preamp: -1.5 dB\nFilter 2: ON PK Fc 5000 Hz Gain -5 dB Q 3\n",
    )
    .unwrap();
    let prof = d.join("p.txt");
    std::fs::write(
        &prof,
        "Preamp: -1 dB\nFilter 1: ON PK Fc 1000 Hz Gain 2 dB Q 1\nChannel: R\n\
         Filter 2: ON PK Fc 3000 Hz Gain 3 dB Q 2\n",
    )
    .unwrap();
    let (hp, prof) = (hp.to_str().unwrap(), prof.to_str().unwrap());
    let impulse = |path: &Path, channels: u16| {
        let spec = hound::WavSpec {
            channels,
            sample_rate: 48_000,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        let mut w = hound::WavWriter::create(path, spec).unwrap();
        for i in 0..4_800 {
            for _ in 0..channels {
                w.write_sample(if i == 0 { 0.5f32 } else { 0.0 }).unwrap();
            }
        }
        w.finalize().unwrap();
    };
    let (stereo, mono) = (d.join("st.wav"), d.join("mono.wav"));
    impulse(&stereo, 2);
    impulse(&mono, 1);
    let mut x = vec![0.0; 4_800];
    x[0] = 0.5;
    let flat = rbj::cascade::<&str>(&[], 48_000.0, 0.0, &x, 1);
    let one = |filters: &[(&str, f64, f64, f64)], preamp: f64| {
        rbj::cascade(filters, 48_000.0, preamp, &x, 1)
    };
    let cases: [(&str, [Vec<f64>; 2]); 2] = [
        (
            "neutral",
            [
                one(&[("PK", 200.0, 4.0, 2.0)], -2.0),
                one(&[("PK", 5000.0, -5.0, 3.0)], -3.5),
            ],
        ),
        (
            prof,
            [
                one(&[("PK", 200.0, 4.0, 2.0), ("PK", 1000.0, 2.0, 1.0)], -3.0),
                one(
                    &[
                        ("PK", 5000.0, -5.0, 3.0),
                        ("PK", 1000.0, 2.0, 1.0),
                        ("PK", 3000.0, 3.0, 2.0),
                    ],
                    -4.5,
                ),
            ],
        ),
    ];
    for (p, want) in cases {
        let out = d.join("out.wav");
        let o = ok(iemsim(
            d,
            &[
                "export",
                stereo.to_str().unwrap(),
                "-p",
                p,
                "--headphones",
                hp,
                "--bits",
                "32f",
                "--preamp",
                "profile",
                "--no-match",
                "--dither",
                "none",
                "--force",
                "-o",
                out.to_str().unwrap(),
            ],
        ));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("(2 filters, per channel: 1 (left), 2 (right), before each profile)"),
            "{err}"
        );
        let mut r = hound::WavReader::open(&out).unwrap();
        let got: Vec<f64> = r.samples::<f32>().map(|s| f64::from(s.unwrap())).collect();
        for (c, w) in want.iter().enumerate() {
            let ch: Vec<f64> = got.iter().skip(c).step_by(2).copied().collect();
            let worst = ch
                .iter()
                .zip(w)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            assert!(worst < 1e-6, "{p}, channel {}: off by {worst}", c + 1);
            // Not the old output: the shared preamp alone.
            let old = ch
                .iter()
                .zip(&flat)
                .map(|(a, b)| (a - b * 10f64.powf(-0.1)).abs());
            assert!(old.fold(0.0, f64::max) > 1e-3, "{p}, channel {}", c + 1);
        }
    }
    // Mono has no left or right: refused (exit 2), nothing written.
    let out1 = d.join("out1.wav");
    let o = iemsim(
        d,
        &[
            "export",
            mono.to_str().unwrap(),
            "-p",
            "neutral",
            "--headphones",
            hp,
            "-o",
            out1.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("the audio is mono"), "{err}");
    // The correction's channels are what mono lacks: it is named, not the profile.
    assert!(
        err.contains(&format!(
            "the headphone correction '{hp}' gives channel 2 (right)"
        )) && !err.contains("profile 'neutral'"),
        "{err}"
    );
    assert!(!out1.exists());
    // `show` lists the correction's filters with their channels, per channel.
    let o = ok(iemsim(d, &["show", "neutral", "--headphones", hp]));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(!text.contains("No filters."), "{text}");
    assert!(
        text.contains("Channel 1 (left): response") && text.contains("Channel 2 (right): response"),
        "{text}"
    );
    let o = ok(iemsim(d, &["config", "set", "headphones", hp]));
    assert!(String::from_utf8_lossy(&o.stdout)
        .contains("(2 filters, per channel: 1 (left), 2 (right))"));
}

/// A measurement given as the correction (`--headphones X.csv`) and the file `fit --invert`
/// writes from it are the same correction, headroom included: the .csv route had a 0 dB preamp,
/// so `--preamp profile` let its +5.9 dB boost through (HD 600: a -3.7 dB preamp against the
/// .txt route's -9.7 dB). Both exports must now be the same bytes, and `show` gives the preamp.
#[test]
fn a_csv_correction_has_the_headroom_of_the_file_fit_writes() {
    let cfg = tempfile::tempdir().expect("tmp");
    let dir = cfg.path();
    let csv = "tests/fixtures/measurements/Sennheiser HD 600.csv";
    let txt = dir.join("hd600.txt").display().to_string();
    let target = ["--target", "harman-over-ear-2018"];
    ok(iemsim(
        dir,
        &[&["fit", csv, "--invert", "-o", &txt][..], &target[..]].concat(),
    ));
    let export = |hp: &str, out: &str| {
        let out = dir.join(out).display().to_string();
        let mut args = vec![
            "export",
            "samples/music.wav",
            "-p",
            "neutral",
            "--headphones",
            hp,
        ];
        if hp.ends_with(".csv") {
            args.extend(["--headphone-target", "harman-over-ear-2018"]);
        }
        args.extend([
            "--preamp",
            "profile",
            "--no-match",
            "--bits",
            "32f",
            "-o",
            &out,
        ]);
        ok(iemsim(dir, &args));
        std::fs::read(&out).expect("output")
    };
    assert!(
        export(csv, "a.wav") == export(&txt, "b.wav"),
        "the two routes differ"
    );
    let show = ok(iemsim(
        dir,
        &[
            "show",
            "neutral",
            "--headphones",
            csv,
            "--headphone-target",
            "harman-over-ear-2018",
        ],
    ));
    let text = String::from_utf8_lossy(&show.stdout);
    assert!(text.contains("Preamp: -5.9"), "{text}");
}

/// A folder export said "Headphone correction: …" once for the run and once more for each file
/// (51 lines for 50 files): each file's rate check announced it again. Once now.
#[test]
fn a_folder_export_names_the_correction_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let folder = d.join("in");
    std::fs::create_dir(&folder).unwrap();
    for i in 0..3 {
        let out = folder.join(format!("t{i}.wav"));
        let o = iemsim(
            d,
            &[
                "generate",
                "tone",
                "--seconds",
                "0.2",
                "-o",
                out.to_str().unwrap(),
            ],
        );
        ok(o);
    }
    let hd600 = Path::new(env!("CARGO_MANIFEST_DIR")).join(HD600);
    let out = d.join("out");
    let o = ok(iemsim(
        d,
        &[
            "export",
            folder.to_str().unwrap(),
            "-p",
            "ba",
            "--headphones",
            hd600.to_str().unwrap(),
            "--out-dir",
            out.to_str().unwrap(),
            "-q",
        ],
    ));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.matches("Headphone correction:").count(), 1, "{err}");
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 3);
}

/// A remembered `headphone-target` that gives no target says it is the remembered one and how
/// to forget it, as a remembered headphone file that is gone does: `show neutral` said only
/// "headphone correction: …/mytgt.csv: cannot read" or "nonsense: no such target", neither on
/// the command line. A target given on the command line is not called remembered.
#[test]
fn a_bad_remembered_headphone_target_says_it_is_remembered() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = d.join("cfg");
    let csv = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/measurements/Sennheiser HD 600.csv");
    let target = d.join("mytgt.csv");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("samples/measurements/targets/harman_over-ear_2018.csv"),
        &target,
    )
    .unwrap();
    ok(iemsim(
        &config,
        &["config", "set", "headphones", csv.to_str().unwrap()],
    ));
    let t = target.to_str().unwrap();
    ok(iemsim(&config, &["config", "set", "headphone-target", t]));
    std::fs::remove_file(&target).unwrap();
    let remembered = "(the target remembered by `iemsim config set headphone-target`; \
                      `iemsim config unset headphone-target` forgets it)";
    let o = iemsim(&config, &["show", "neutral"]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains(t) && e.contains(remembered), "{e}");
    // `config set headphones` fits to the remembered target too.
    let o = iemsim(
        &config,
        &["config", "set", "headphones", csv.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains(remembered), "{e}");
    let settings = format!(
        "headphones = {:?}\nheadphone-target = \"nonsense\"\n",
        csv.to_str().unwrap()
    );
    std::fs::write(config.join("config.toml"), settings).unwrap();
    let o = iemsim(&config, &["show", "neutral"]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("nonsense: no such target") && e.contains(remembered),
        "{e}"
    );
    // Given on the command line, it is not the remembered one.
    let o = iemsim(
        &config,
        &["show", "neutral", "--headphone-target", "nonsense2"],
    );
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("nonsense2: no such target") && !e.contains("remembered"),
        "{e}"
    );
}

/// A dropped filter is numbered by its owner's list: the profile's as `iemsim show ba` numbers
/// them (ba's 8.6, 8.0 and 8.0 kHz peaks are its filters 4, 5 and 8, dropped at 8 kHz), the
/// headphone correction's by its own (a correction fitted to a measurement, whose filters at or
/// above 4 kHz are dropped at 8 kHz: its numbers in `show neutral --headphones`, where it is
/// the whole cascade). The correction's filters come first in the cascade, so the profile's
/// were said as theirs plus the correction's count, and named the profile's.
#[test]
fn dropped_filters_are_numbered_by_their_owner() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let config = d.join("config");
    let hp = "tests/fixtures/measurements/Sennheiser HD 600.csv";
    let wav = d.join("r8k.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&wav, spec).expect("wav");
    for i in 0..8000 {
        let x = 0.3 * (2.0 * std::f64::consts::PI * 440.0 * f64::from(i) / 8000.0).sin();
        w.write_sample((x * 32767.0) as i16).expect("sample");
    }
    w.finalize().expect("finalize");
    let wav = wav.to_str().unwrap();
    let json =
        |o: &Output| -> serde_json::Value { serde_json::from_slice(&o.stdout).expect("json") };
    // The references: `show ba` alone, and the correction alone (behind no filters), at 8 kHz.
    let alone = json(&ok(iemsim(
        &config,
        &["show", "ba", "--rate", "8000", "--json"],
    )));
    let own = alone["dropped_filters"].clone();
    assert_eq!(own, serde_json::json!([4, 5, 8]), "{alone}");
    let table = ok(iemsim(
        &config,
        &["show", "neutral", "--headphones", hp, "--rate", "8000"],
    ));
    let label = String::from_utf8_lossy(&table.stderr)
        .lines()
        .find_map(|l| l.strip_prefix("Headphone correction: "))
        .and_then(|l| l.rsplit_once(" ("))
        .expect("the correction's line")
        .0
        .to_string();
    let table = String::from_utf8_lossy(&table.stdout).into_owned();
    // The rows of filters at or above Nyquist: (number, fc).
    let theirs: Vec<(u64, f64)> = table
        .lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            let n = w.first()?.parse::<u64>().ok()?;
            let fc = w.get(2)?.parse::<f64>().ok()?;
            (fc >= 4000.0).then_some((n, fc))
        })
        .collect();
    assert!(!theirs.is_empty(), "{table}");
    let numbers: Vec<u64> = theirs.iter().map(|t| t.0).collect();
    let mut said: Vec<String> = [(4, 8605), (5, 7987), (8, 7979)]
        .iter()
        .map(|(n, fc)| format!("profile 'ba' filter {n} (PK {fc} Hz) dropped"))
        .collect();
    said.extend(
        numbers
            .iter()
            .map(|n| format!("the headphone correction '{label}' filter {n} (")),
    );
    let out = d.join("out.wav");
    let export = ok(iemsim(
        &config,
        &[
            "export",
            wav,
            "-p",
            "ba",
            "--headphones",
            hp,
            "-o",
            out.to_str().unwrap(),
            "--json",
        ],
    ));
    let analyze = ok(iemsim(
        &config,
        &["analyze", wav, "-p", "ba", "--headphones", hp],
    ));
    let png = d.join("c.png");
    let plot = ok(iemsim(
        &config,
        &[
            "show",
            "ba",
            "--headphones",
            hp,
            "--rate",
            "8000",
            "--plot",
            png.to_str().unwrap(),
        ],
    ));
    let shifted = format!("profile 'ba' filter {} (PK 8605 Hz)", 4 + numbers.len());
    for (what, o) in [
        ("export", &export),
        ("analyze", &analyze),
        ("show --plot", &plot),
    ] {
        let err = String::from_utf8_lossy(&o.stderr);
        for s in &said {
            assert!(err.contains(s.as_str()), "{what}: no {s:?} in {err}");
        }
        assert!(!err.contains(&shifted), "{what}: {err}");
    }
    let v = json(&export);
    assert_eq!(v["outputs"][0]["dropped_filters"], own, "{v}");
    assert_eq!(
        v["outputs"][0]["dropped_correction_filters"],
        serde_json::json!(numbers),
        "{v}"
    );
    let with = ok(iemsim(
        &config,
        &["show", "ba", "--headphones", hp, "--rate", "8000", "--json"],
    ));
    let v = json(&with);
    assert_eq!(v["dropped_filters"], own, "{v}");
    assert_eq!(
        v["dropped_correction_filters"],
        serde_json::json!(numbers),
        "{v}"
    );
}

/// Two `config set` at once keep both keys: each read the file, checked its value (a
/// measurement's fit takes a while) and wrote back its own read, so the one that wrote last
/// dropped the other's key (the file kept one key in 7 of 8 runs). Now each change is read and
/// written under a lock beside the file.
#[test]
fn concurrent_config_sets_keep_both_keys() {
    let csv = "tests/fixtures/measurements/KZ ZS6.csv";
    for _ in 0..3 {
        let dir = tempfile::tempdir().expect("tmp");
        let d = dir.path();
        let spawn = |args: &[&str]| {
            Command::new(env!("CARGO_BIN_EXE_iemsim"))
                .env("IEMSIM_CONFIG_DIR", d)
                .args(args)
                .output()
        };
        std::thread::scope(|s| {
            let slow = s.spawn(|| spawn(&["config", "set", "headphones", csv]));
            std::thread::sleep(std::time::Duration::from_millis(50));
            let fast = s.spawn(|| spawn(&["config", "set", "headphone-target", "harman"]));
            for h in [slow, fast] {
                ok(h.join().expect("thread").expect("run iemsim"));
            }
        });
        let all = String::from_utf8(ok(iemsim(d, &["config", "get"])).stdout).unwrap();
        assert!(all.contains("ZS6.csv"), "{all}");
        assert!(all.contains("headphone-target = harman"), "{all}");
    }
}

/// A target CSV (or a measurement drawn by `show --measurement`) that covers only part of the
/// band is refused as `fit --target` refuses it: a target of 200 Hz-5 kHz only was held flat
/// outside it, and the correction fitted to it (or the curve drawn from it) was invented there.
#[test]
fn a_target_or_drawn_measurement_covering_part_of_the_band_is_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let csv = "tests/fixtures/measurements/Sennheiser HD 600.csv";
    let text = std::fs::read_to_string(csv).expect("fixture");
    let mut lines = text.lines();
    let head = lines.next().expect("header");
    let keep = |name: &str, band: (f64, f64)| {
        let rows = lines.clone().filter(|l| {
            let f: f64 = l
                .split(',')
                .next()
                .and_then(|f| f.parse().ok())
                .unwrap_or(0.0);
            (band.0..=band.1).contains(&f)
        });
        let path = d.join(name);
        let body: Vec<&str> = std::iter::once(head).chain(rows).collect();
        std::fs::write(&path, body.join("\n") + "\n").unwrap();
        path.display().to_string()
    };
    let narrow = keep("narrow.csv", (200.0, 5000.0));
    let high = keep("high.csv", (5000.0, 20000.0));
    let png = d.join("p.png").display().to_string();
    for args in [
        vec![
            "show",
            "ba",
            "--headphones",
            csv,
            "--headphone-target",
            &narrow,
        ],
        vec!["config", "set", "headphone-target", &narrow],
        vec!["show", "ba", "--plot", &png, "--measurement", &high],
        vec![
            "show",
            "ba",
            "--plot",
            &png,
            "--measurement",
            csv,
            "--measurement-target",
            &narrow,
        ],
        vec!["fit", csv, "--target", &narrow],
    ] {
        let o = iemsim(d, &args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("covers only") && err.contains("needs data over 20 Hz to 10 kHz"),
            "{args:?}: {err}"
        );
    }
    assert!(!d.join("p.png").exists() && !d.join("config.toml").exists());
    ok(iemsim(
        d,
        &["show", "ba", "--plot", &png, "--measurement", csv],
    ));
}

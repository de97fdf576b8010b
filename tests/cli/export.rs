//! Drives the real `iemsim export` binary: formats round-trip, bad input is refused clearly (exit 2,
//! one line naming the file, nothing left behind), and the output matches an independent float64
//! RBJ cascade written here from the cookbook formulas.

use crate::common::cli;
use crate::common::rbj;

use cli::{run as iemsim, stderr};
use std::f64::consts::PI;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A deterministic test signal: two sines plus a little chirp, -6 dBFS peak, per channel different.
fn signal(frames: usize, channels: usize, rate: u32) -> Vec<f64> {
    let fs = f64::from(rate);
    (0..frames)
        .flat_map(|i| {
            let t = i as f64 / fs;
            (0..channels).map(move |c| {
                let f1 = 55.0 * (c + 1) as f64;
                0.25 * (2.0 * PI * f1 * t).sin()
                    + 0.2 * (2.0 * PI * 3100.0 * t + c as f64).sin()
                    + 0.05 * (2.0 * PI * (200.0 + 4000.0 * t) * t).sin()
            })
        })
        .collect()
}

fn write_wav(path: &Path, data: &[f64], channels: u16, rate: u32, bits: u16, float: bool) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: if float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    let scale = 2f64.powi(i32::from(bits) - 1);
    for &v in data {
        if float {
            w.write_sample(v as f32).unwrap();
        } else if bits == 8 {
            w.write_sample(((v * scale).round() as i32).clamp(-128, 127) as i8)
                .unwrap();
        } else {
            w.write_sample(
                ((v * scale).round() as i64).clamp(-(scale as i64), scale as i64 - 1) as i32,
            )
            .unwrap();
        }
    }
    w.finalize().unwrap();
}

/// Reads any WAV as f64 in [-1, 1) with its spec.
fn read_wav(path: &Path) -> (hound::WavSpec, Vec<f64>) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let data = match spec.sample_format {
        hound::SampleFormat::Float => r.samples::<f32>().map(|s| f64::from(s.unwrap())).collect(),
        hound::SampleFormat::Int => {
            let scale = 2f64.powi(i32::from(spec.bits_per_sample) - 1);
            r.samples::<i32>()
                .map(|s| f64::from(s.unwrap()) / scale)
                .collect()
        }
    };
    (spec, data)
}

/// The `dd` profile's filters, as shown by `iemsim show dd --json` (read through the CLI so the test
/// follows the built-in data, while the arithmetic above stays independent).
fn profile_filters(dir: &Path, name: &str) -> Vec<(String, f64, f64, f64)> {
    let o = iemsim(&["show", name, "--json"], dir);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["profile"]["filters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let kind = match f["kind"].as_str().unwrap() {
                "peaking" => "PK",
                "low_shelf" => "LS",
                "high_shelf" => "HS",
                k => panic!("reference has no {k}"),
            };
            (
                kind.to_string(),
                f["fc_hz"].as_f64().unwrap(),
                f["gain_db"].as_f64().unwrap(),
                f["q"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

#[test]
fn float_output_matches_float64_reference_below_minus_90_dbfs() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.wav");
    let data = signal(48_000 * 3, 2, 48_000);
    write_wav(&input, &data, 2, 48_000, 32, true);
    for name in ["ba", "dd", "v-hybrid", "bass-rolloff", "diffuse-field"] {
        let out = dir.path().join(format!("{name}.wav"));
        let o = iemsim(
            &[
                "export",
                "in.wav",
                "-p",
                name,
                "-o",
                out.to_str().unwrap(),
                "--bits",
                "32f",
                "--preamp",
                "-6",
            ],
            dir.path(),
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let filters = profile_filters(dir.path(), name);
        let f: Vec<(&str, f64, f64, f64)> = filters
            .iter()
            .map(|(k, a, b, c)| (k.as_str(), *a, *b, *c))
            .collect();
        // The input as the file holds it (f32), then the reference in f64.
        let (_, held) = read_wav(&input);
        let want = rbj::cascade(&f, 48_000.0, -6.0, &held, 2);
        let (spec, got) = read_wav(&out);
        assert_eq!(
            (spec.channels, spec.sample_rate, spec.bits_per_sample),
            (2, 48_000, 32)
        );
        let err_db = 20.0 * max_abs_diff(&got, &want).log10();
        assert!(
            err_db < -90.0,
            "{name}: max abs difference {err_db:.1} dBFS"
        );
    }
}

#[test]
fn integer_output_within_one_lsb_of_reference_without_dither() {
    let dir = tempfile::tempdir().unwrap();
    for bits in [16u16, 24] {
        let input = dir.path().join(format!("in{bits}.wav"));
        let data = signal(44_100 * 2, 2, 44_100);
        write_wav(&input, &data, 2, 44_100, bits, false);
        let out = dir.path().join(format!("out{bits}.wav"));
        let o = iemsim(
            &[
                "export",
                input.to_str().unwrap(),
                "-p",
                "dd",
                "-o",
                out.to_str().unwrap(),
                "--dither",
                "none",
                "--preamp",
                "-3",
            ],
            dir.path(),
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let filters = profile_filters(dir.path(), "dd");
        let f: Vec<(&str, f64, f64, f64)> = filters
            .iter()
            .map(|(k, a, b, c)| (k.as_str(), *a, *b, *c))
            .collect();
        let (_, held) = read_wav(&input);
        let want = rbj::cascade(&f, 44_100.0, -3.0, &held, 2);
        let (spec, got) = read_wav(&out);
        assert_eq!(spec.bits_per_sample, bits);
        let lsb = 1.0 / 2f64.powi(i32::from(bits) - 1);
        let worst = max_abs_diff(&got, &want) / lsb;
        assert!(worst <= 1.0, "{bits}-bit: worst error {worst:.3} LSB");
    }
}

#[test]
fn every_supported_format_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    // (bits, float, channels, rate)
    let cases = [
        (8, false, 1, 8_000),
        (16, false, 2, 44_100),
        (24, false, 6, 96_000),
        (32, false, 2, 48_000),
        (32, true, 8, 192_000),
        (16, false, 3, 22_050),
    ];
    for (bits, float, ch, rate) in cases {
        let input = dir
            .path()
            .join(format!("in_{bits}_{float}_{ch}_{rate}.wav"));
        let data = signal(rate as usize / 10, ch as usize, rate);
        write_wav(&input, &data, ch, rate, bits, float);
        // neutral + --preamp 0 + no dither = identity: output must equal input exactly (same format),
        // and every output format must hold the input to within its own resolution.
        for out_bits in ["16", "24", "32", "32f"] {
            let out = dir
                .path()
                .join(format!("o_{bits}_{float}_{ch}_{rate}_{out_bits}.wav"));
            let o = iemsim(
                &[
                    "export",
                    input.to_str().unwrap(),
                    "-p",
                    "neutral",
                    "-o",
                    out.to_str().unwrap(),
                    "--bits",
                    out_bits,
                    "--dither",
                    "none",
                    "--preamp",
                    "0",
                    "-q",
                ],
                dir.path(),
            );
            assert!(
                o.status.success(),
                "{bits}/{float}/{ch}/{rate} -> {out_bits}: {}",
                stderr(&o)
            );
            let (ispec, idata) = read_wav(&input);
            let (ospec, odata) = read_wav(&out);
            assert_eq!(
                (ospec.channels, ospec.sample_rate),
                (ispec.channels, ispec.sample_rate)
            );
            let out_lsb = match out_bits {
                "16" => 1.0 / 32768.0,
                "24" => 1.0 / 8_388_608.0,
                "32" => 1.0 / 2_147_483_648.0,
                _ => 1e-7,
            };
            let err = max_abs_diff(&idata, &odata);
            assert!(
                err <= out_lsb * 0.5 + 1e-12,
                "{bits}/{float}/{ch}/{rate} -> {out_bits}: error {err:e}"
            );
        }
        // Default output format = input format.
        let out = dir
            .path()
            .join(format!("default_{bits}_{float}_{ch}_{rate}.wav"));
        let o = iemsim(
            &[
                "export",
                input.to_str().unwrap(),
                "-p",
                "ba",
                "-o",
                out.to_str().unwrap(),
                "-q",
            ],
            dir.path(),
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let (ospec, _) = read_wav(&out);
        let want_bits = if bits == 8 { 16 } else { bits };
        assert_eq!(
            (
                ospec.bits_per_sample,
                ospec.sample_format == hound::SampleFormat::Float
            ),
            (want_bits, float)
        );
    }
}

#[test]
fn default_names_batch_folders_and_no_clobber() {
    let dir = tempfile::tempdir().unwrap();
    let music = dir.path().join("song.wav");
    write_wav(&music, &signal(4410, 2, 44_100), 2, 44_100, 16, false);
    write_wav(
        &dir.path().join("voice.wav"),
        &signal(4410, 1, 44_100),
        1,
        44_100,
        16,
        false,
    );
    let o = iemsim(&["export", ".", "-p", "ba", "-p", "dd"], dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    for f in ["song.ba.wav", "song.dd.wav", "voice.ba.wav", "voice.dd.wav"] {
        assert!(dir.path().join(f).is_file(), "{f} missing");
    }
    let before = fs::read(dir.path().join("song.ba.wav")).unwrap();
    // Running again must refuse (exit 2), name the file, touch nothing, and not re-process outputs.
    let o = iemsim(&["export", "song.wav", "-p", "ba"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("song.ba.wav") && stderr(&o).contains("--force"),
        "{}",
        stderr(&o)
    );
    assert_eq!(fs::read(dir.path().join("song.ba.wav")).unwrap(), before);
    let o = iemsim(&["export", ".", "-p", "ba", "--force", "-q"], dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !dir.path().join("song.ba.ba.wav").exists(),
        "outputs were taken as inputs"
    );
    assert_no_partials(dir.path());
}

#[test]
fn auto_preamp_never_clips_a_full_scale_sine_sweep() {
    let dir = tempfile::tempdir().unwrap();
    // A full-scale log sweep through every profile: auto preamp must keep every sample within full scale.
    let fs = 48_000.0;
    let n = 48_000 * 4;
    let k = (20_000f64 / 20.0).ln();
    let data: Vec<f64> = (0..n)
        .map(|i| {
            let t = i as f64 / fs;
            let dur = n as f64 / fs;
            (2.0 * PI * 20.0 * dur / k * ((t / dur * k).exp() - 1.0)).sin() * 0.999
        })
        .collect();
    write_wav(&dir.path().join("sweep.wav"), &data, 1, 48_000, 32, true);
    for name in [
        "ba",
        "dd",
        "v-hybrid",
        "sibilance",
        "bass-rolloff",
        "diffuse-field",
    ] {
        let o = iemsim(&["export", "sweep.wav", "-p", name, "--json"], dir.path());
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let out = &v["outputs"][0];
        assert_eq!(out["clipped_samples"], 0, "{name}: {v}");
        assert!(out["peak_dbfs"].as_f64().unwrap() <= 0.05, "{name}: {v}");
    }
}

/// Auto preamp bounds each frequency's gain, not the peaks: on a hard-clipped master (a square-ish
/// 100 Hz wave at full scale) the filters' phase shifts realign its harmonics past full scale.
/// The report counts the clipped samples and names the preamp that avoids them, which does.
#[test]
fn a_clipping_export_names_the_preamp_that_avoids_it() {
    let dir = tempfile::tempdir().unwrap();
    let data: Vec<f64> = (0..44_100)
        .map(|i| (2.8 * (2.0 * PI * 100.0 * f64::from(i) / 44_100.0).sin()).clamp(-1.0, 1.0))
        .collect();
    write_wav(&dir.path().join("loud.wav"), &data, 1, 44_100, 16, false);
    let o = iemsim(&["export", "loud.wav", "-p", "ba"], dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let out = cli::text(&o.stdout);
    assert!(out.contains("dBFS before clipping"), "{out}");
    // Float keeps the overs: they are counted, not called clipped.
    let f = iemsim(
        &[
            "export", "loud.wav", "-p", "ba", "--bits", "32f", "-o", "f.wav",
        ],
        dir.path(),
    );
    let text = cli::text(&f.stdout);
    assert!(
        text.contains("samples past 0 dBFS (kept in float") && !text.contains("CLIPPED"),
        "{text}"
    );
    let hint = out
        .split("CLIPPED (--preamp ")
        .nth(1)
        .unwrap_or_else(|| panic!("no clipping hint: {out}"));
    let preamp: f64 = hint.split(' ').next().unwrap().parse().unwrap();
    assert!(preamp < -3.7, "{out}");
    let arg = format!("--preamp={preamp}");
    let o = iemsim(
        &["export", "loud.wav", "-p", "ba", &arg, "--force"],
        dir.path(),
    );
    let out = cli::text(&o.stdout);
    assert!(out.contains("no clipping"), "{out}");
    let (_, samples) = read_wav(&dir.path().join("loud.ba.wav"));
    let peak = samples.iter().fold(0f64, |m, x| m.max(x.abs()));
    assert!(20.0 * peak.log10() <= -0.1 + 0.01, "peak {peak}");
}

/// One sample over full scale is "1 sample", not "1 samples", clipped (integer) or kept (float):
/// a lone full-scale sample among quiet ones, raised 1 dB with no filter, is the only one over.
#[test]
fn one_clipped_sample_is_one_sample() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut data = vec![0.25; 4800];
    data[2400] = 0.99;
    write_wav(&d.join("one.wav"), &data, 1, 48_000, 16, false);
    let run = |bits: &str| {
        let o = iemsim(
            &[
                "export", "one.wav", "-p", "neutral", "--preamp", "1", "--bits", bits, "-o",
                "x.wav", "--force",
            ],
            d,
        );
        assert!(o.status.success(), "{}", stderr(&o));
        cli::text(&o.stdout)
    };
    let out = run("16");
    assert!(out.contains(", 1 sample CLIPPED (--preamp "), "{out}");
    let out = run("32f");
    assert!(
        out.contains(", 1 sample past 0 dBFS (kept in float"),
        "{out}"
    );
    // Two over: the plural stays.
    data[100] = 0.99;
    write_wav(&d.join("one.wav"), &data, 1, 48_000, 16, false);
    let out = run("16");
    assert!(out.contains(", 2 samples CLIPPED (--preamp "), "{out}");
}

/// The preamp a clipping export advises is one `--preamp` accepts, and it stops the clipping,
/// however deep: two +25 dB peaks at 100 Hz make `auto` -50 dB, and a 100 Hz square wave at
/// -0.09 dBFS then peaks near +2 dBFS (its harmonics realigned), so the advice is about -52 dB,
/// past the ±40 dB --preamp once took. A float input 30 dB past full scale needs a cut of
/// 30 dB more.
#[test]
fn a_deep_advised_preamp_is_accepted_and_stops_the_clipping() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(
        d.join("big.txt"),
        "Filter 1: ON PK Fc 100 Hz Gain 25 dB Q 0.7\nFilter 2: ON PK Fc 100 Hz Gain 25 dB Q 0.7\n",
    )
    .unwrap();
    // 480 frames a period: a square wave with no sample on its edges.
    let square = |amp: f64| -> Vec<f64> {
        (0..96_000)
            .map(|i| if (i / 240) % 2 == 0 { amp } else { -amp })
            .collect()
    };
    write_wav(&d.join("sq.wav"), &square(0.99), 1, 48_000, 16, false);
    write_wav(
        &d.join("hot.wav"),
        &square(0.99 * 10f64.powf(1.5)),
        1,
        48_000,
        32,
        true,
    );
    for (input, deeper_than) in [("sq.wav", -50.0), ("hot.wav", -80.0)] {
        let o = iemsim(
            &["export", input, "-p", "big.txt", "-o", "x.wav", "--force"],
            d,
        );
        let out = cli::text(&o.stdout);
        assert!(o.status.success(), "{input}: {}", stderr(&o));
        let advice = out
            .split("(--preamp ")
            .nth(1)
            .unwrap_or_else(|| panic!("{input}: no clipping advice: {out}"));
        let preamp: f64 = advice.split(' ').next().unwrap().parse().unwrap();
        assert!(preamp < deeper_than, "{input}: {out}");
        let arg = format!("--preamp={preamp}");
        let o = iemsim(
            &[
                "export", input, "-p", "big.txt", "-o", "x.wav", &arg, "--force",
            ],
            d,
        );
        let out = cli::text(&o.stdout);
        assert!(o.status.success(), "{input} {arg}: {}", stderr(&o));
        assert!(out.contains("no clipping"), "{input} {arg}: {out}");
        let (_, samples) = read_wav(&d.join("x.wav"));
        let peak = samples.iter().fold(0f64, |m, x| m.max(x.abs()));
        assert!(20.0 * peak.log10() <= -0.1 + 0.01, "{input}: peak {peak}");
    }
}

fn assert_no_partials(dir: &Path) {
    let left: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

/// Each bad input: exit code 2, one line on stderr naming the file, no output file, no panic.
#[test]
fn bad_inputs_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = d.join("good.wav");
    write_wav(&good, &signal(4800, 2, 48_000), 2, 48_000, 16, false);
    let bytes = fs::read(&good).unwrap();
    fs::write(
        d.join("text.wav"),
        b"this is not audio at all, just some text padding padding",
    )
    .unwrap();
    fs::write(d.join("header.wav"), &bytes[..30]).unwrap();
    fs::write(d.join("data.wav"), &bytes[..bytes.len() / 2]).unwrap();
    let mut zero = bytes.clone();
    zero[22] = 0; // channels = 0
    zero[23] = 0;
    fs::write(d.join("zero.wav"), &zero).unwrap();
    let mut alaw = bytes.clone();
    alaw[20] = 6; // format tag 6 = A-law
    fs::write(d.join("alaw.wav"), &alaw).unwrap();
    let mut absurd = bytes.clone();
    absurd[24..28].copy_from_slice(&1_000_000u32.to_le_bytes()); // sample rate
    absurd[28..32].copy_from_slice(&4_000_000u32.to_le_bytes()); // byte rate, kept consistent
    fs::write(d.join("absurd.wav"), &absurd).unwrap();
    let mut huge = bytes.clone();
    let data_len_at = bytes.windows(4).position(|w| w == b"data").unwrap() + 4;
    huge[data_len_at..data_len_at + 4].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    fs::write(d.join("huge.wav"), &huge).unwrap();
    fs::write(d.join("empty.wav"), b"").unwrap();

    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["export", "text.wav", "-p", "ba"],
            "text.wav",
            "not an audio file",
        ),
        (
            &["export", "header.wav", "-p", "ba"],
            "header.wav",
            "truncated",
        ),
        (&["export", "data.wav", "-p", "ba"], "data.wav", "truncated"),
        (
            &["export", "zero.wav", "-p", "ba"],
            "zero.wav",
            "0 channels",
        ),
        (
            &["export", "alaw.wav", "-p", "ba"],
            "alaw.wav",
            "unsupported",
        ),
        (
            &["export", "absurd.wav", "-p", "ba"],
            "absurd.wav",
            "sample rate",
        ),
        (&["export", "huge.wav", "-p", "ba"], "huge.wav", "truncated"),
        (
            &["export", "empty.wav", "-p", "ba"],
            "empty.wav",
            "zero frames",
        ),
        (
            &["export", "missing.wav", "-p", "ba"],
            "missing.wav",
            "cannot open",
        ),
        (
            &["export", "good.wav", "-p", "bass-rollof"],
            "bass-rollof",
            "did you mean 'bass-rolloff'",
        ),
        // A missing --out-dir is created; one that cannot be (under a file) is refused.
        (
            &[
                "export",
                "good.wav",
                "-p",
                "ba",
                "--out-dir",
                "good.wav/sub",
            ],
            "good.wav/sub",
            "cannot create the output folder",
        ),
        (
            &["export", "good.wav", "-p", "ba", "-o", "nowhere/x.wav"],
            "nowhere/x.wav",
            "does not exist",
        ),
        (
            &["export", "good.wav", "-p", "ba", "-o", "good.wav"],
            "good.wav",
            "over the input",
        ),
        (
            &[
                "export",
                "good.wav",
                "-p",
                "ba",
                "-o",
                "./good.wav",
                "--force",
            ],
            "good.wav",
            "over the input",
        ),
    ];
    for (args, names, says) in cases {
        let o = iemsim(args, d);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(names), "{args:?} should name {names}: {err}");
        assert!(
            err.to_lowercase().contains(&says.to_lowercase()),
            "{args:?} should say {says}: {err}"
        );
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "{args:?}: one line expected: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
    // A bad --preamp is clap's usage error, as for every argument clap checks: its first line
    // says all (value, argument, what is expected), then clap's pointer to --help.
    let o = iemsim(&["export", "good.wav", "-p", "ba", "--preamp", "loud"], d);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    let first = err.lines().next().unwrap_or_default();
    assert!(
        first.contains("'loud'")
            && first.contains("--preamp")
            && first.contains(
                "expected auto, profile or a number of dB (a cut of any depth, a boost up to +40)"
            ),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(fs::read(&good).unwrap(), bytes, "the input was modified");
    let mut names: Vec<String> = fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "absurd.wav",
            "alaw.wav",
            "data.wav",
            "empty.wav",
            "good.wav",
            "header.wav",
            "huge.wav",
            "text.wav",
            "zero.wav"
        ]
    );
}

fn listing(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let bytes = if p.is_file() {
                fs::read(&p).unwrap()
            } else {
                Vec::new()
            };
            (p.file_name().unwrap().to_string_lossy().into_owned(), bytes)
        })
        .collect();
    v.sort();
    v
}

/// `a.wav` and `a.WAV` both map to `a.ba.wav`: refused before anything is written (exit 2, naming
/// both inputs), with or without --force, and an existing `a.ba.wav` is left alone. Before, the
/// second input failed on (or with --force overwrote) the first one's fresh output. Every clash is
/// named, one line each: before, only the first was, and the user renamed files one run at a time.
#[test]
fn batch_outputs_that_collide_are_refused_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = signal(4800, 2, 48_000);
    write_wav(&d.join("a.wav"), &data, 2, 48_000, 16, false);
    write_wav(&d.join("a.WAV"), &data[..4000], 2, 48_000, 16, false);
    write_wav(&d.join("b.wav"), &data, 2, 48_000, 16, false);
    let before = listing(d);
    for force in [false, true] {
        let mut args = vec!["export", ".", "-p", "dd", "-p", "ba"];
        if force {
            args.push("--force");
        }
        let o = iemsim(&args, d);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        // Two profiles, so two clashes, one line each under the count.
        assert_eq!(err.lines().count(), 3, "{err}");
        assert!(err.contains("2 outputs clash"), "{err}");
        for out in ["a.dd.wav", "a.ba.wav"] {
            let line = err.lines().find(|l| l.contains(out)).unwrap_or_default();
            assert!(
                line.contains("a.wav") && line.contains("a.WAV"),
                "{out}: {err}"
            );
        }
        assert_eq!(listing(d), before, "nothing written (force: {force})");
    }
    // An output already there from an earlier run is not touched by the refused run either.
    fs::write(d.join("a.ba.wav"), b"earlier output").unwrap();
    let before = listing(d);
    let o = iemsim(&["export", ".", "-p", "ba", "--force"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let clash_lines = stderr(&o).lines().filter(|l| l.contains("a.WAV")).count();
    assert_eq!(clash_lines, 1, "one clash, one line: {}", stderr(&o));
    assert!(!stderr(&o).contains("outputs clash"), "{}", stderr(&o));
    assert_eq!(listing(d), before);
    // One input, the same profile twice: the same rule, the same refusal.
    let o = iemsim(&["export", "b.wav", "-p", "ba", "-p", "ba"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!d.join("b.ba.wav").exists());
    // Without the clash the folder exports.
    fs::remove_file(d.join("a.WAV")).unwrap();
    let o = iemsim(&["export", ".", "-p", "dd"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(d.join("a.dd.wav").is_file() && d.join("b.dd.wav").is_file());
}

/// A single input that fails with `--json`: the report says so in `failed`, as a folder's does
/// (stdout was empty, so a script reading the report had nothing), beside the error on stderr.
#[test]
fn a_failed_single_export_is_in_the_json_report() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = signal(2400, 1, 48_000);
    write_wav(&d.join("x.wav"), &data, 1, 48_000, 16, false);
    let bytes = fs::read(d.join("x.wav")).unwrap();
    fs::write(d.join("cut.wav"), &bytes[..bytes.len() / 2 + 1]).unwrap();
    let o = iemsim(&["export", "cut.wav", "-p", "ba", "--json"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("a JSON report");
    assert_eq!(v["outputs"].as_array().map(Vec::len), Some(0), "{v}");
    let failed = &v["failed"][0];
    assert_eq!(failed["input"], "cut.wav", "{v}");
    let error = failed["error"].as_str().unwrap_or_default();
    assert!(
        error.starts_with("cut.wav: ") && stderr(&o).contains(error),
        "{v}"
    );
}

/// Inputs named like earlier outputs (`X.PROFILE.wav`, any case) are left out, and each one is
/// reported: a line on stderr and an entry in --json's `skipped`. Before, they vanished silently.
#[test]
fn folder_export_reports_what_it_skips() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = signal(2400, 1, 48_000);
    for name in ["x.wav", "x.ba.wav", "y.DD.wav", "z.notaprofile.wav"] {
        write_wav(&d.join(name), &data, 1, 48_000, 16, false);
    }
    let o = iemsim(&["export", ".", "-p", "v-hybrid", "--json"], d);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    let skip_lines: Vec<&str> = err.lines().filter(|l| l.contains("skipping")).collect();
    assert_eq!(skip_lines.len(), 2, "{err}");
    assert!(
        skip_lines[0].contains("x.ba.wav") && skip_lines[0].contains("'ba'"),
        "{err}"
    );
    assert!(
        skip_lines[1].contains("y.DD.wav") && skip_lines[1].contains("'dd'"),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let skipped: Vec<String> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            assert!(!s["reason"].as_str().unwrap().is_empty());
            Path::new(s["path"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(skipped, ["x.ba.wav", "y.DD.wav"]);
    let outputs: Vec<&str> = v["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["output"].as_str().unwrap())
        .collect();
    assert_eq!(outputs.len(), 2, "{v}");
    assert!(outputs.iter().any(|o| o.ends_with("x.v-hybrid.wav")));
    assert!(outputs
        .iter()
        .any(|o| o.ends_with("z.notaprofile.v-hybrid.wav")));
    // A folder of nothing but earlier outputs: the skips are listed and the refusal says why.
    let only = d.join("only");
    fs::create_dir(&only).unwrap();
    write_wav(&only.join("s.ba.wav"), &data, 1, 48_000, 16, false);
    let o = iemsim(&["export", "only", "-p", "dd"], d);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.lines().next().unwrap().contains("skipping"), "{err}");
    assert!(err.contains("all skipped"), "{err}");
}

/// Output problems the user fixes by naming another path exit 2 (not 1, a machine failure), with
/// one line naming the path, and leave nothing behind: `-o` naming a folder, a folder nobody may
/// write to, a "folder" that is a file; so does an input that cannot seek (a pipe). Permission
/// bits do not stop root, so the read-only case writes under /sys, which refuses new files to
/// everyone.
#[test]
fn output_problems_and_unseekable_inputs_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_wav(
        &d.join("in.wav"),
        &signal(4800, 2, 48_000),
        2,
        48_000,
        16,
        false,
    );
    fs::create_dir(d.join("folder")).unwrap();
    let mut outs = vec!["folder", "in.wav/x.wav"];
    let sysfs = Path::new("/sys/kernel").is_dir();
    if sysfs {
        outs.push("/sys/iemsim-test.wav");
    } else {
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            b"\nSKIPPED: output_problems_and_unseekable_inputs_exit_2: (in part) no /sys here\n",
        );
    }
    for out in outs {
        let before = listing(d);
        let o = iemsim(&["export", "in.wav", "-p", "ba", "-o", out], d);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "-o {out}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(out), "{err}");
        assert_eq!(listing(d), before, "-o {out} left something");
        assert!(!Path::new(out).is_file() || out == "in.wav/x.wav");
        let g = iemsim(&["generate", "tone", "--seconds", "0.1", "-o", out], d);
        assert_eq!(
            g.status.code(),
            Some(2),
            "generate -o {out}: {}",
            stderr(&g)
        );
    }
    // A pipe as input is streamed now (tests/cli/decode.rs); one that closes without audio is a
    // clear exit 2 naming it, and nothing is written.
    let mut child = Command::new(env!("CARGO_BIN_EXE_iemsim"))
        .args(["export", "/dev/stdin", "-p", "ba", "-o", "piped.wav"])
        .current_dir(d)
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdin.take()); // closed without a byte
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("/dev/stdin"), "{err}");
    assert!(!d.join("piped.wav").exists());
    // A FIFO nobody writes to: refused at once instead of blocking in open().
    let fifo = d.join("fifo.wav");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let o = iemsim(&["export", "fifo.wav", "-p", "ba", "-o", "f.wav"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

/// A folder exported on several threads (`-j 3`, and the default: every core) writes exactly the
/// bytes of a one-at-a-time run (`-j 1`), WAV and FLAC, dither included: the dither is seeded per
/// output, not per worker. The reports come in input order whatever finished first.
#[test]
fn parallel_folder_export_is_byte_identical_to_one_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let src = d.join("in");
    fs::create_dir(&src).unwrap();
    // Different lengths, so the workers finish out of order.
    for (i, secs) in [3.0, 0.5, 2.0, 0.2, 1.0, 0.7].iter().enumerate() {
        let frames = (48_000.0 * secs) as usize;
        let data = signal(frames, 2, 48_000);
        write_wav(&src.join(format!("t{i}.wav")), &data, 2, 48_000, 24, false);
    }
    let mut runs = Vec::new();
    for (name, jobs) in [("j1", Some("1")), ("j3", Some("3")), ("jd", None)] {
        let out = d.join(name);
        fs::create_dir(&out).unwrap();
        for format in ["wav", "flac"] {
            let mut args = vec![
                "export",
                "in",
                "-p",
                "ba",
                "-p",
                "dd",
                "--format",
                format,
                "--out-dir",
                name,
            ];
            if let Some(j) = jobs {
                args.extend(["--jobs", j]);
            }
            let o = iemsim(&args, d);
            assert!(o.status.success(), "{name}: {}", stderr(&o));
            let lines: Vec<String> = String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
                .collect();
            let mut sorted = lines.clone();
            sorted.sort();
            assert_eq!(lines, sorted, "{name}: reports out of input order");
            assert_eq!(lines.len(), 12, "{name}: {lines:?}");
        }
        runs.push(listing(&out));
    }
    assert_eq!(runs[0].len(), 24);
    assert!(runs[0] == runs[1], "-j 3 wrote other bytes than -j 1");
    assert!(
        runs[0] == runs[2],
        "the default --jobs wrote other bytes than -j 1"
    );
}

/// Every entry of a folder is exported or named on stderr (and in --json) with its reason: a
/// hidden file, a sub-folder (no --recursive), an unsupported codec by name, something that is
/// not audio, an earlier output; then one summary line. A missing --out-dir is created.
#[test]
fn folder_names_every_entry_it_leaves_out_and_sums_up() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let src = d.join("album");
    fs::create_dir_all(src.join("bonus")).unwrap();
    let data = signal(2400, 2, 48_000);
    for name in ["01 a.wav", "02 b.wav", "03 b.ba.wav", ".hidden.wav"] {
        write_wav(&src.join(name), &data, 2, 48_000, 16, false);
    }
    fs::write(src.join("cover.jpg"), b"not audio").unwrap();
    fs::write(src.join("notes.txt"), b"not audio").unwrap();
    fs::write(src.join("old.mp2"), b"MPEG audio iemsim does not read").unwrap();
    fs::write(src.join("20 rip.opus"), b"OggS").unwrap();
    let o = iemsim(
        &[
            "export",
            "album",
            "-p",
            "dd",
            "--out-dir",
            "new/out",
            "--json",
        ],
        d,
    );
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    let skipped = |name: &str| {
        err.lines()
            .find(|l| l.contains("skipping") && l.contains(name))
            .unwrap_or_else(|| panic!("no line for {name}: {err}"))
            .to_string()
    };
    assert!(skipped(".hidden.wav").contains("hidden"));
    assert!(skipped("bonus").contains("--recursive"));
    assert!(skipped("20 rip.opus").contains("Opus"));
    assert!(skipped("cover.jpg").contains("not audio"));
    assert!(skipped("notes.txt").contains("not audio"));
    // Audio iemsim does not read is named so, not "not audio" (MP2 was).
    assert!(skipped("old.mp2").contains("unsupported codec: MPEG audio Layer II"));
    assert!(skipped("03 b.ba.wav").contains("'ba'"));
    assert!(
        err.contains("2 inputs → 2 outputs, 7 skipped, 0 failed, in "),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["skipped"].as_array().unwrap().len(), 7, "{v}");
    assert_eq!(v["outputs"].as_array().unwrap().len(), 2, "{v}");
    assert!(d.join("new/out/01 a.dd.wav").is_file());
}

/// `--skip-existing` resumes an interrupted folder run: inputs whose outputs exist are left out,
/// each with a line, and only the missing outputs are written.
#[test]
fn skip_existing_resumes_a_folder_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let src = d.join("in");
    fs::create_dir(&src).unwrap();
    let data = signal(2400, 2, 48_000);
    for name in ["a.wav", "b.wav"] {
        write_wav(&src.join(name), &data, 2, 48_000, 16, false);
    }
    let o = iemsim(&["export", "in", "-p", "dd", "--out-dir", "out"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    let first = fs::read(d.join("out/a.dd.wav")).unwrap();
    // Without it, existing outputs are not replaced, and the refusal is one line before anything
    // is written (it was one failure per file, then "2 of 2 files failed").
    let o = iemsim(&["export", "in", "-p", "dd", "--out-dir", "out"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("2 of the 2 outputs exist already")
            && err.contains("--skip-existing")
            && err.contains("--force")
            && !err.contains("files failed"),
        "{err}"
    );
    assert_eq!(fs::read(d.join("out/a.dd.wav")).unwrap(), first);
    // As if the first run had been stopped before b.
    fs::remove_file(d.join("out/b.dd.wav")).unwrap();
    let o = iemsim(
        &[
            "export",
            "in",
            "-p",
            "dd",
            "--out-dir",
            "out",
            "--skip-existing",
        ],
        d,
    );
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.lines()
            .any(|l| l.contains("skipping") && l.contains("a.wav") && l.contains("exist")),
        "{err}"
    );
    assert!(
        err.contains("2 inputs → 1 output, 1 done already (--skip-existing), 0 skipped, 0 failed"),
        "{err}"
    );
    assert!(d.join("out/b.dd.wav").is_file());
    assert_eq!(fs::read(d.join("out/a.dd.wav")).unwrap(), first);

    // An input with only some of its outputs (stopped between two renames, or a profile added):
    // the missing ones are written, at the level the whole matched run gives them, and the
    // others kept, each with a line (this was refused: "1 of the 4 outputs exist already").
    let both = ["export", "in", "-p", "ba", "-p", "dd", "--out-dir", "both"];
    let o = iemsim(&both, d);
    assert!(o.status.success(), "{}", stderr(&o));
    let whole_ba = fs::read(d.join("both/b.ba.wav")).unwrap();
    fs::remove_file(d.join("both/b.ba.wav")).unwrap();
    let o = iemsim(&[&both[..], &["--skip-existing"]].concat(), d);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.lines()
            .any(|l| l.contains("keeping") && l.contains("b.dd.wav")),
        "{err}"
    );
    assert!(
        err.contains("2 inputs → 1 output, 1 done already (--skip-existing), 0 skipped, 0 failed"),
        "{err}"
    );
    assert_eq!(fs::read(d.join("both/b.ba.wav")).unwrap(), whole_ba);
}

/// Earlier outputs are known by iemsim's mark (WAV `ISFT`, FLAC `ENCODER`), whatever the profile
/// kind and whatever they are called now: outputs of a built-in, a per-IEM and a file profile,
/// renamed, in WAV and FLAC, are each listed as an earlier output and not exported again (the
/// name rule alone processed `x.iem:moondrop-ssr.wav` again). The input itself is exported.
#[test]
fn earlier_outputs_are_known_by_their_mark_whatever_their_name() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir(d.join("in")).unwrap();
    write_wav(
        &d.join("in/song.wav"),
        &signal(4800, 2, 48_000),
        2,
        48_000,
        16,
        false,
    );
    fs::write(
        d.join("my.txt"),
        "Preamp: -1 dB\nFilter: ON PK Fc 1000 Hz Gain 3 dB Q 1\n",
    )
    .unwrap();
    let made = [
        ("ba", "in/a.wav"),
        ("iem:moondrop-ssr", "in/b.flac"),
        ("my.txt", "in/c.wav"),
    ];
    for (p, out) in made {
        let o = iemsim(&["export", "in/song.wav", "-p", p, "-o", out, "-q"], d);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let o = iemsim(
        &["export", "in", "-p", "dd", "--out-dir", "out", "--json"],
        d,
    );
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    for (_, out) in made {
        assert!(
            err.lines()
                .any(|l| l.contains(out) && l.contains("earlier output") && l.contains("iemsim")),
            "{out}: {err}"
        );
    }
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["skipped"].as_array().map(Vec::len), Some(3), "{v}");
    let written: Vec<_> = fs::read_dir(d.join("out")).unwrap().collect();
    assert_eq!(written.len(), 1, "only song.wav is an input");
    assert!(d.join("out/song.dd.wav").is_file());
}

/// A folder with one audio input that fails still prints its summary line and, with `--json`,
/// its report (`outputs`, `skipped`, `failed`), as a folder of several does: the one input's
/// error was returned alone, stdout empty. A file named on the command line keeps its own error.
#[test]
fn a_folder_of_one_failing_input_still_reports() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir(d.join("one")).unwrap();
    fs::write(d.join("one/zero.wav"), b"").unwrap();
    fs::write(d.join("one/n.txt"), b"x").unwrap();
    let o = iemsim(&["export", "one", "-p", "ba", "--json"], d);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.matches("zero.wav").count(), 1, "{err}");
    assert!(
        err.contains("1 input → 0 outputs, 1 skipped, 1 failed"),
        "{err}"
    );
    assert!(err.contains("1 of 1 files failed"), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["outputs"].as_array().unwrap().len(), 0, "{v}");
    assert_eq!(v["skipped"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["failed"][0]["input"], "one/zero.wav", "{v}");
    let o = iemsim(&["export", "one/zero.wav", "-p", "ba", "--json"], d);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    // Its --json report says so too (stdout was empty).
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["failed"][0]["input"], "one/zero.wav", "{v}");
    // A folder with nothing to export: what was left out is in the report all the same.
    fs::remove_file(d.join("one/zero.wav")).unwrap();
    let o = iemsim(&["export", "one", "-p", "ba", "--json"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["skipped"][0]["path"], "one/n.txt", "{v}");
}

/// A folder file whose rate a profile cannot take (a filter above its Nyquist frequency) is
/// named with the profile's line: the line named only the profile, not which file failed.
#[test]
fn a_profile_a_folder_file_cannot_take_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir(d.join("in")).unwrap();
    write_wav(
        &d.join("in/a48.wav"),
        &signal(4800, 1, 48_000),
        1,
        48_000,
        16,
        false,
    );
    write_wav(
        &d.join("in/b8.wav"),
        &signal(800, 1, 8_000),
        1,
        8_000,
        16,
        false,
    );
    fs::write(
        d.join("hi.txt"),
        "Filter 1: ON PK Fc 6000 Hz Gain 3 dB Q 1\n",
    )
    .unwrap();
    let o = iemsim(&["export", "in", "-p", "hi.txt", "--out-dir", "out"], d);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("iemsim: in/b8.wav: hi.txt:1: Fc: 6000 Hz is at or above"),
        "{err}"
    );
    assert!(d.join("out/a48.hi.wav").is_file());
}

/// `--skip-existing`'s summary adds up: each input is exported, done already or failed, and the
/// other entries are skipped. The inputs done already were counted among the skipped too, and the
/// error counted only the inputs tried ("3 inputs → 0 outputs, 4 skipped, 1 failed", then
/// "1 of 1 files failed").
#[test]
fn skip_existing_summary_counts_each_entry_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir(d.join("in")).unwrap();
    let data = signal(2400, 2, 48_000);
    for name in ["a.wav", "b.wav"] {
        write_wav(&d.join("in").join(name), &data, 2, 48_000, 16, false);
    }
    fs::write(d.join("in/bad.wav"), b"RIFF....WAVEjunk").unwrap();
    let o = iemsim(&["export", "in", "-p", "ba"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = iemsim(
        &["export", "in", "-p", "ba", "--skip-existing", "--json"],
        d,
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("3 inputs → 0 outputs, 2 done already (--skip-existing), 2 skipped, 1 failed"),
        "{err}"
    );
    assert!(err.contains("1 of 3 files failed"), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // Each entry once, with its reason: the 2 outputs of the first run, the 2 inputs done.
    assert_eq!(v["skipped"].as_array().unwrap().len(), 4, "{v}");
    assert_eq!(v["failed"].as_array().unwrap().len(), 1, "{v}");
}

/// Usage errors come before any work, in one line: `--out-dir` naming a file failed once per
/// input ("X.ba.wav: the output folder does not exist") and `-o` with a folder came after a skip
/// line for each of its other entries.
#[test]
fn out_dir_on_a_file_and_o_with_a_folder_are_refused_first() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir(d.join("in")).unwrap();
    let data = signal(2400, 2, 48_000);
    for name in ["a.wav", "b.wav"] {
        write_wav(&d.join("in").join(name), &data, 2, 48_000, 16, false);
    }
    fs::write(d.join("in/notes.txt"), b"x").unwrap();
    fs::write(d.join("some.wav"), b"x").unwrap();
    let o = iemsim(&["export", "in", "-p", "ba", "--out-dir", "some.wav"], d);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(
        err.trim_end(),
        "iemsim: --out-dir some.wav is a file, not a folder"
    );
    let o = iemsim(&["export", "in", "-p", "ba", "-o", "x.wav"], d);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("-o/--output names one file"), "{err}");
    assert_eq!(fs::read(d.join("some.wav")).unwrap(), b"x");
    assert!(!d.join("x.wav").exists());
}

/// A folder's skip lines say what each entry is: an earlier FLAC output is named like
/// `NAME.PROFILE.flac` (the line said `.wav` whatever the extension), and a symbolic link to
/// nothing is a broken link (it was "not a regular file").
#[cfg(unix)]
#[test]
fn skip_lines_name_a_flac_output_and_a_broken_link() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir(d.join("in")).unwrap();
    write_wav(
        &d.join("in/a.wav"),
        &signal(2400, 2, 48_000),
        2,
        48_000,
        16,
        false,
    );
    fs::write(d.join("in/old.ba.flac"), b"x").unwrap();
    std::os::unix::fs::symlink("gone.wav", d.join("in/link.wav")).unwrap();
    std::os::unix::fs::symlink("loop2.wav", d.join("in/loop1.wav")).unwrap();
    std::os::unix::fs::symlink("loop1.wav", d.join("in/loop2.wav")).unwrap();
    let o = iemsim(&["export", "in", "-p", "dd", "--out-dir", "out"], d);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    let line = |name: &str| {
        err.lines()
            .find(|l| l.contains("skipping") && l.contains(name))
            .unwrap_or_else(|| panic!("no line for {name}: {err}"))
            .to_string()
    };
    assert!(line("old.ba.flac").contains("(NAME.PROFILE.flac)"), "{err}");
    assert!(line("link.wav").contains("a broken symbolic link"), "{err}");
    // Two links that point at each other: a loop, not a link to something missing.
    assert!(
        line("loop1.wav").contains("a loop of symbolic links"),
        "{err}"
    );
}

/// Two inputs whose names differ only in bytes that are not UTF-8 (`a\xFF.wav`, `a\xFE.wav`) are
/// two files with two outputs (`a%FF.ba.wav`, `a%FE.ba.wav`): their outputs' names were lossy
/// text (`a\u{FFFD}.ba.wav` for both), so the folder was refused. Two that do collide are named
/// with their bytes escaped.
#[test]
fn names_that_are_not_utf8_collide_only_when_they_are_one_name() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = signal(2400, 1, 48_000);
    let name = |b: &[u8]| d.join(std::ffi::OsStr::from_bytes(b));
    write_wav(&name(b"a\xFF.wav"), &data, 1, 48_000, 16, false);
    write_wav(&name(b"a\xFE.wav"), &data, 1, 48_000, 16, false);
    let o = iemsim(&["export", ".", "-p", "ba"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    // Each invalid byte is written %XX in the output's name.
    assert!(d.join("a%FF.ba.wav").is_file() && d.join("a%FE.ba.wav").is_file());
    // `A\xFF.WAV` is `a\xFF.wav` on a case-insensitive filesystem: refused, bytes shown.
    fs::remove_file(name(b"a\xFE.wav")).unwrap();
    write_wav(&name(b"A\xFF.WAV"), &data, 1, 48_000, 16, false);
    let o = iemsim(&["export", ".", "-p", "dd"], d);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("\\xFF"), "{err}");
}

/// Every `--json` serialises a path that is not UTF-8, each such byte as `%XX` (the escape of the
/// output names), and succeeds: `export DIR --json` exited 1 with nothing on stdout after writing
/// `bad%FF.ba.wav` (serde_json: "path contains invalid UTF-8 characters"), `analyze --json`
/// exited 1, and `generate -o NAME --json` panicked after writing the file.
#[test]
fn json_reports_name_paths_that_are_not_utf8() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = |args: &[&OsStr]| {
        let o = cli::command().args(args).current_dir(d).output().unwrap();
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        let json: serde_json::Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {}", cli::text(&o.stdout)));
        json
    };
    let s = OsStr::new;
    fs::create_dir(d.join("n2")).unwrap();
    let bad = OsStr::from_bytes(b"n2/bad\xFF.wav");
    let g = run(&[
        s("generate"),
        s("tone"),
        s("--seconds"),
        s("0.05"),
        s("-o"),
        bad,
        s("--json"),
    ]);
    assert_eq!(g["output"], "n2/bad%FF.wav");
    let e = run(&[s("export"), s("n2"), s("-p"), s("ba"), s("--json"), s("-q")]);
    assert_eq!(e["outputs"][0]["input"], "n2/bad%FF.wav", "{e}");
    assert_eq!(e["outputs"][0]["output"], "n2/bad%FF.ba.wav", "{e}");
    assert!(d.join("n2/bad%FF.ba.wav").is_file());
    // Skipped (the earlier output, by its name) and failed entries too.
    fs::write(d.join(OsStr::from_bytes(b"n2/x\xFE.wav")), b"not audio").unwrap();
    let o = cli::command()
        .args([s("export"), s("n2"), s("-p"), s("dd"), s("--json"), s("-q")])
        .current_dir(d)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON despite a failure");
    assert_eq!(e["failed"][0]["input"], "n2/x%FE.wav", "{e}");
    assert_eq!(e["skipped"][0]["path"], "n2/bad%FF.ba.wav", "{e}");
    let a = run(&[s("analyze"), bad, s("--json")]);
    assert_eq!(a["input"], "n2/bad%FF.wav");
}

/// A folder export never replaces a user's own file that only has an output's name, even with
/// `--force`: `song.dd.wav` (the user's, no iemsim tag) beside `song.wav` was skipped as "named
/// like an output", then `--force` replaced it (exit 0). Refused now before anything is written,
/// naming it and what to do; iemsim's own earlier output and an empty file are replaced, and a
/// single file's `-o FILE --force` replaces what the user named.
#[test]
fn force_in_a_folder_replaces_only_iemsims_own_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let src = d.join("lv2");
    fs::create_dir(&src).unwrap();
    write_wav(
        &src.join("song.wav"),
        &signal(2400, 2, 48_000),
        2,
        48_000,
        16,
        false,
    );
    let users = src.join("song.dd.wav");
    write_wav(&users, &signal(1200, 1, 44_100), 1, 44_100, 16, false);
    let mine = fs::read(&users).unwrap();
    for force in [false, true] {
        let mut args = vec!["export", "lv2", "-p", "dd"];
        if force {
            args.push("--force");
        }
        let o = iemsim(&args, d);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            err.contains("lv2/song.dd.wav exists and iemsim did not write it")
                && err.contains("even with --force")
                && err.contains("-o lv2/song.dd.wav --force"),
            "{err}"
        );
        assert_eq!(fs::read(&users).unwrap(), mine, "force: {force}");
    }
    // An empty file holds nothing to lose: replaced with --force; then iemsim's own output is.
    fs::write(&users, b"").unwrap();
    for _ in 0..2 {
        let o = iemsim(&["export", "lv2", "-p", "dd", "--force", "-q"], d);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(fs::metadata(&users).unwrap().len() > 44);
    }
    // The user names the file: -o replaces it.
    fs::write(&users, &mine).unwrap();
    let o = iemsim(
        &[
            "export",
            "lv2/song.wav",
            "-p",
            "dd",
            "-o",
            "lv2/song.dd.wav",
            "--force",
            "-q",
        ],
        d,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_ne!(fs::read(&users).unwrap(), mine);
}

/// `--skip-existing` keeps only complete outputs: an empty file, garbage and a cut-short output at
/// an output's name were counted as done ("2 done already"); now each is written again, with a
/// line saying why, byte-identical to the first run's output. A file of the user's that reads as
/// audio but is not the output (another channel count) is refused, as with `--force`.
#[test]
fn skip_existing_redoes_outputs_that_are_not_complete() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir(d.join("in")).unwrap();
    let data = signal(2400, 2, 48_000);
    for name in ["a.wav", "b.wav", "c.wav"] {
        write_wav(&d.join("in").join(name), &data, 2, 48_000, 16, false);
    }
    let o = iemsim(&["export", "in", "-p", "dd", "--out-dir", "out", "-q"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    let whole = fs::read(d.join("out/a.dd.wav")).unwrap();
    fs::write(d.join("out/a.dd.wav"), b"").unwrap();
    fs::write(d.join("out/b.dd.wav"), b"not a wav at all").unwrap();
    fs::write(d.join("out/c.dd.wav"), &whole[..whole.len() / 2]).unwrap();
    let resume = [
        "export",
        "in",
        "-p",
        "dd",
        "--out-dir",
        "out",
        "--skip-existing",
    ];
    // Something that is not audio at an output's name is not iemsim's to replace (a text file
    // was, as a cut recording was: "redoing", exit 0): refused before anything is written.
    let o = iemsim(&resume, d);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "out/b.dd.wav exists and iemsim did not write it (it is not audio iemsim wrote)"
        ),
        "{err}"
    );
    assert_eq!(
        fs::read(d.join("out/b.dd.wav")).unwrap(),
        b"not a wav at all"
    );
    assert_eq!(fs::read(d.join("out/a.dd.wav")).unwrap(), b"");
    fs::remove_file(d.join("out/b.dd.wav")).unwrap();
    let o = iemsim(&resume, d);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("redoing out/a.dd.wav: it exists but is not a complete output (it is empty)"),
        "{err}"
    );
    // iemsim's own output cut short: its header still says who wrote it.
    assert!(
        err.contains("redoing out/c.dd.wav: it exists but is not a complete output"),
        "{err}"
    );
    assert!(err.contains("3 inputs → 3 outputs"), "{err}");
    for name in ["a", "b", "c"] {
        let out = d.join(format!("out/{name}.dd.wav"));
        assert_eq!(fs::read(&out).unwrap(), whole, "{name}");
        // Read by hound, not iemsim's own reader.
        let r = hound::WavReader::open(&out).unwrap();
        assert_eq!((r.duration(), r.spec().channels), (2400, 2));
    }
    // Whole now: all three are kept.
    let o = iemsim(
        &[
            "export",
            "in",
            "-p",
            "dd",
            "--out-dir",
            "out",
            "--skip-existing",
        ],
        d,
    );
    assert!(stderr(&o).contains("3 done already"), "{}", stderr(&o));
    // Someone's own recording at an output's name is not replaced.
    write_wav(&d.join("out/a.dd.wav"), &data[..2400], 1, 48_000, 16, false);
    let mine = fs::read(d.join("out/a.dd.wav")).unwrap();
    let o = iemsim(
        &[
            "export",
            "in",
            "-p",
            "dd",
            "--out-dir",
            "out",
            "--skip-existing",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("iemsim did not write it"),
        "{}",
        stderr(&o)
    );
    assert_eq!(fs::read(d.join("out/a.dd.wav")).unwrap(), mine);
    // Nor is one cut short (a full disk): it was "redone" over, with exit 0.
    let cut = &mine[..mine.len() - 1000];
    fs::write(d.join("out/a.dd.wav"), cut).unwrap();
    let o = iemsim(&resume, d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("damaged or cut short"),
        "{}",
        stderr(&o)
    );
    assert_eq!(fs::read(d.join("out/a.dd.wav")).unwrap(), cut);
}

/// `--skip-existing --json` listed what it wrote and the inputs done already, but not an output
/// it kept beside one it wrote again: a script could not tell that output existed. It is
/// listed under `skipped` now, with its reason.
#[test]
fn skip_existing_json_lists_the_outputs_it_kept() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir(d.join("in")).unwrap();
    write_wav(
        &d.join("in/a.wav"),
        &signal(2400, 2, 48_000),
        2,
        48_000,
        16,
        false,
    );
    let args = [
        "export",
        "in",
        "-p",
        "ba",
        "-p",
        "dd",
        "--out-dir",
        "out",
        "-q",
    ];
    assert!(iemsim(&args, d).status.success());
    fs::remove_file(d.join("out/a.dd.wav")).unwrap();
    let o = iemsim(&[&args[..], &["--skip-existing", "--json"]].concat(), d);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["outputs"].as_array().unwrap().len(), 1, "{j}");
    assert_eq!(j["outputs"][0]["output"], "out/a.dd.wav", "{j}");
    let skipped = j["skipped"].as_array().unwrap();
    assert!(
        skipped.iter().any(|s| s["path"] == "out/a.ba.wav"
            && s["reason"]
                .as_str()
                .unwrap()
                .starts_with("kept: a complete output")),
        "{j}"
    );
}

/// A file of the user's at an output's name that fits it exactly (the input's rate, channels,
/// length and sample format) but that iemsim did not write was kept as "done already", exit 0:
/// its input was never exported, and a single file's "output" was the untouched input. Now it
/// is refused as any file of the user's is, in a folder and alone, and left as it was.
#[test]
fn skip_existing_never_takes_a_users_file_for_a_done_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir(d.join("in")).unwrap();
    let data = signal(2400, 2, 48_000);
    write_wav(&d.join("in/a.wav"), &data, 2, 48_000, 16, false);
    // Untagged, as another program writes it, and of exactly the output's shape.
    write_wav(&d.join("in/a.dd.wav"), &data, 2, 48_000, 16, false);
    let mine = fs::read(d.join("in/a.dd.wav")).unwrap();
    for args in [
        &["export", "in", "-p", "dd", "--skip-existing"][..],
        &["export", "in/a.wav", "-p", "dd", "--skip-existing"],
    ] {
        let o = iemsim(args, d);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("done already"), "{err}");
        assert_eq!(fs::read(d.join("in/a.dd.wav")).unwrap(), mine);
    }
    let o = iemsim(&["export", "in", "-p", "dd", "--skip-existing"], d);
    assert!(
        stderr(&o).contains("iemsim did not write it (it has no iemsim tag)"),
        "{}",
        stderr(&o)
    );
}

/// A FLAC output cut short, or damaged inside, read as complete: its header says its length
/// whatever is left, and `--skip-existing` kept it ("outputs exist already", exit 0) while
/// `flac -t` failed. It is decoded to its end now, and redone.
#[test]
fn skip_existing_redoes_a_cut_flac_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_wav(
        &d.join("in.wav"),
        &signal(48_000, 2, 48_000),
        2,
        48_000,
        16,
        false,
    );
    let args = ["export", "in.wav", "-p", "ba", "--format", "flac", "-q"];
    let o = iemsim(&args, d);
    assert!(o.status.success(), "{}", stderr(&o));
    let whole = fs::read(d.join("in.ba.flac")).unwrap();
    fs::write(d.join("in.ba.flac"), &whole[..whole.len() * 2 / 3]).unwrap();
    let o = iemsim(&[&args[..], &["--skip-existing"]].concat(), d);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("redoing in.ba.flac"), "{err}");
    assert_eq!(fs::read(d.join("in.ba.flac")).unwrap(), whole);
}

/// An `.m4b` (an AAC audiobook: MP4, as `.m4a`) in a folder is exported, not skipped as "not
/// audio (by its extension)"; its output has its source's length (MP4's gapless trim).
#[test]
fn a_folder_exports_m4b_audiobooks() {
    if !crate::common::tools::have(&["ffmpeg"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir(d.join("in")).unwrap();
    write_wav(
        &d.join("t.wav"),
        &signal(4800, 1, 48_000),
        1,
        48_000,
        16,
        false,
    );
    let (src, book) = (d.join("t.wav"), d.join("in/book.m4b"));
    crate::common::tools::ffmpeg(&[
        "-i",
        src.to_str().unwrap(),
        "-c:a",
        "aac",
        "-f",
        "ipod",
        book.to_str().unwrap(),
    ]);
    let o = iemsim(&["export", "in", "-p", "ba", "-q"], d);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(!err.contains("skipping"), "{err}");
    let r = hound::WavReader::open(d.join("in/book.ba.wav")).unwrap();
    assert_eq!(r.duration(), 4800);
}

/// The default output format follows what the input holds, not its name: a WAV named
/// `take.mp3` got a FLAC (its extension said lossy, the decoder lossless, so not a WAV).
#[test]
fn a_wav_by_another_name_gives_a_wav() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_wav(
        &d.join("take.mp3"),
        &signal(4800, 2, 48_000),
        2,
        48_000,
        16,
        false,
    );
    let o = iemsim(&["export", "take.mp3", "-p", "ba"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(d.join("take.ba.wav").is_file());
    assert!(!d.join("take.ba.flac").exists());
}

/// `--out-dir` inside the input folder: the run that made it listed it as an input left out
/// ("skipping V/out: a sub-folder ... export the sub-folder on its own", "1 skipped"), and so
/// did every later run. The output folder, and the sub-folder holding it, are where the run
/// writes: no entry of the listing. Another sub-folder still is.
#[test]
fn an_out_dir_inside_the_input_folder_is_not_a_skipped_entry() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("V/sub")).unwrap();
    write_wav(
        &d.join("V/a.wav"),
        &signal(4800, 2, 48_000),
        2,
        48_000,
        16,
        false,
    );
    let args = [
        "export",
        "V",
        "-p",
        "ba",
        "--out-dir",
        "V/out/deep",
        "--json",
    ];
    // Made by the run, then there before it.
    for extra in [&[][..], &["--force"]] {
        let o = iemsim(&[&args[..], extra].concat(), d);
        let err = stderr(&o);
        assert!(o.status.success(), "{extra:?}: {err}");
        assert!(!err.contains("skipping V/out"), "{extra:?}: {err}");
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let skipped: Vec<&str> = v["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["path"].as_str().unwrap())
            .collect();
        assert_eq!(skipped, ["V/sub"], "{extra:?}");
        assert!(d.join("V/out/deep/a.ba.wav").is_file());
    }
}

/// A folder at an output's name was refused as a file that "cannot be read to see what wrote
/// it", with advice that fails (`-o Yo/x.dd.wav --force`: "is a folder"). It is said to be a
/// folder, and only advice that works is given.
#[test]
fn a_folder_at_an_outputs_name_is_called_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("Y")).unwrap();
    fs::create_dir_all(d.join("Yo/x.dd.wav")).unwrap();
    write_wav(
        &d.join("Y/x.wav"),
        &signal(4800, 2, 48_000),
        2,
        48_000,
        16,
        false,
    );
    let o = iemsim(
        &[
            "export",
            "Y",
            "-p",
            "ba",
            "-p",
            "dd",
            "--out-dir",
            "Yo",
            "--force",
        ],
        d,
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("Yo/x.dd.wav exists and iemsim did not write it (it is a folder)"),
        "{err}"
    );
    assert!(
        err.contains("export into another folder with --out-dir"),
        "{err}"
    );
    assert!(!err.contains("--force to replace it"), "{err}");
    assert!(!d.join("Yo/x.ba.wav").exists());
}

/// `café.wav` written with `é` (U+00E9, NFC) and with `e` + U+0301 (NFD) are two files here, but
/// one name on macOS's file systems: their outputs would clash there. The clash check compared
/// names lower-cased only, and let both through; it is refused as names differing in case are.
#[test]
fn names_differing_only_in_unicode_normalisation_clash() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("U")).unwrap();
    let data = signal(4800, 2, 48_000);
    for name in ["caf\u{e9}.wav", "cafe\u{301}.wav"] {
        write_wav(&d.join("U").join(name), &data, 2, 48_000, 16, false);
    }
    let o = iemsim(&["export", "U", "-p", "ba", "--out-dir", "out"], d);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("differ only in case or in how their accents are encoded"),
        "{err}"
    );
    assert!(!d.join("out").exists(), "nothing was written");
}

/// The peak reported is the file's: that of the integers written, after rounding and dither,
/// read back here with hound. A 1 kHz sine at 0.7 of a 16-bit step (−93.4 dBFS) is written as
/// ±1 step (−90.3 dBFS) plain, and up to ±2 or more with TPDF dither; the old report gave the
/// sine's own peak before quantisation, −93.4 dBFS, for both.
#[test]
fn the_peak_reported_is_that_of_the_samples_written() {
    let dir = tempfile::tempdir().unwrap();
    let step = 1.0 / 32_768.0;
    let data: Vec<f64> = (0..48_000)
        .map(|i| 0.7 * step * (2.0 * PI * 1000.0 * f64::from(i) / 48_000.0).sin())
        .collect();
    write_wav(&dir.path().join("quiet.wav"), &data, 1, 48_000, 32, true);
    for dither in ["none", "tpdf"] {
        let args = [
            "export",
            "quiet.wav",
            "-p",
            "neutral",
            "--preamp",
            "0",
            "--bits",
            "16",
        ];
        let out = format!("q-{dither}.wav");
        let o = iemsim(
            &[&args[..], &["--dither", dither, "-o", &out, "--json"]].concat(),
            dir.path(),
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let reported = v["outputs"][0]["peak_dbfs"].as_f64().unwrap();
        let (_, written) = read_wav(&dir.path().join(&out));
        let peak = written.iter().fold(0f64, |m, x| m.max(x.abs()));
        assert!(peak >= step, "{dither}: the file is silent");
        let file_dbfs = 20.0 * peak.log10();
        assert!(
            (reported - file_dbfs).abs() < 1e-6,
            "{dither}: reported {reported} dBFS, the file's peak is {file_dbfs} dBFS"
        );
    }
}

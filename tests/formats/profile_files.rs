//! Profiles as files through the real binary: published AutoEq files load as distributed, and each
//! format's output equals an independent float64 RBJ reference (preamp included). `cli/profile.rs`
//! has conversion, the user folder and refusals.

use crate::common::cli;
use crate::common::rbj;

use cli::{autoeq_fixture as fixture, run_with_config as iemsim, show_json, stderr};
use std::f64::consts::PI;
use std::path::{Path, PathBuf};

#[test]
fn published_autoeq_files_load_as_distributed() {
    let dir = tempfile::tempdir().unwrap();
    // The HD 600 file's numbers, typed in from the file as published.
    let hd600 = [
        ("low_shelf", 105.0, 6.5, 0.70),
        ("peaking", 125.0, -2.7, 0.55),
        ("peaking", 8445.0, 3.3, 1.61),
        ("peaking", 522.0, 0.7, 1.02),
        ("peaking", 1298.0, -1.2, 2.14),
        ("high_shelf", 10000.0, -3.1, 0.70),
        ("peaking", 3158.0, -1.8, 3.67),
        ("peaking", 2166.0, 0.9, 3.32),
        ("peaking", 6639.0, 2.2, 5.82),
        ("peaking", 5434.0, -1.2, 5.70),
    ];
    let v = show_json(dir.path(), fixture("Sennheiser HD 600").to_str().unwrap());
    assert_eq!(v["preamp_db"], -6.3);
    let got = cli::filters(&v["profile"]["filters"]);
    let want: Vec<(String, f64, f64, f64)> = hd600
        .iter()
        .map(|&(k, a, b, c)| (k.to_string(), a, b, c))
        .collect();
    assert_eq!(got, want);
    for (name, preamp, first_fc) in [
        ("Moondrop Chu", -2.2, 105.0),
        ("Moondrop Blessing 2", -5.5, 105.0),
    ] {
        let v = show_json(dir.path(), fixture(name).to_str().unwrap());
        assert_eq!(v["preamp_db"], preamp, "{name}");
        let f = v["profile"]["filters"].as_array().unwrap();
        assert_eq!(f.len(), 10, "{name}");
        assert_eq!(f[0]["fc_hz"], first_fc, "{name}");
        assert_eq!(f[5]["kind"], "high_shelf", "{name}");
    }
}

/// A deterministic wide-band signal at -12 dBFS-ish, different per channel.
fn signal(frames: usize, rate: f64) -> Vec<f64> {
    let mut s = 0x2545_f491_4f6c_dd1du64;
    (0..frames * 2)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let noise = (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            0.2 * noise + 0.1 * (2.0 * PI * 997.0 * (i / 2) as f64 / rate).sin()
        })
        .collect()
}

/// Kind (`PK`, `LS`, `HS`, `LSs`, `HSs`, `LP`, `HP`), f0 Hz, gain dB, Q (or S for `LSs`/`HSs`).
type Filter = (&'static str, f64, f64, f64);

/// The cascade by the independent cookbook reference (`common/rbj.rs`), direct form I per channel
/// of interleaved stereo, then the preamp.
fn reference(filters: &[(&str, f64, f64, f64)], preamp_db: f64, fs: f64, x: &[f64]) -> Vec<f64> {
    rbj::cascade(filters, fs, preamp_db, x, 2)
}

fn read_f32_wav(path: &Path) -> Vec<f64> {
    let mut r = hound::WavReader::open(path).unwrap();
    r.samples::<f32>().map(|s| f64::from(s.unwrap())).collect()
}

#[test]
fn each_format_matches_a_float64_rbj_reference_below_minus_90_dbfs() {
    let dir = tempfile::tempdir().unwrap();
    let fs = 48_000.0;
    let input = dir.path().join("in.wav");
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 48_000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(&input, spec).unwrap();
    for v in signal(48_000, fs) {
        w.write_sample(v as f32).unwrap();
    }
    w.finalize().unwrap();
    std::fs::write(
        dir.path().join("all.toml"),
        "name = \"all\"\npreamp_db = -4.25\n\n[[filters]]\ntype = \"high_pass\"\nfc_hz = 30\nq = 0.6\n\n\
         [[filters]]\ntype = \"low_shelf\"\nfc_hz = 120\ngain_db = 5\nq = 0.8\n\n\
         [[filters]]\ntype = \"peaking\"\nfc_hz = 3000\ngain_db = -4\nq = 2.5\n\n\
         [[filters]]\ntype = \"high_shelf\"\nfc_hz = 9000\ngain_db = 3\nq = 0.7\n\n\
         [[filters]]\ntype = \"low_pass\"\nfc_hz = 18000\nq = 0.9\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("camilla.yml"),
        "filters:\n  pre:\n    type: Gain\n    parameters:\n      gain: -3.5\n      scale: dB\n  \
         shelf:\n    type: Biquad\n    parameters:\n      type: Lowshelf\n      freq: 200\n      gain: 6\n      slope: 6\n  \
         bell:\n    type: Biquad\n    parameters:\n      type: Peaking\n      freq: 2500\n      gain: 4\n      q: 3\n\
         pipeline:\n  - type: Filter\n    names: [pre, shelf, bell]\n",
    )
    .unwrap();
    let hd600: Vec<Filter> = vec![
        ("LS", 105.0, 6.5, 0.70),
        ("PK", 125.0, -2.7, 0.55),
        ("PK", 8445.0, 3.3, 1.61),
        ("PK", 522.0, 0.7, 1.02),
        ("PK", 1298.0, -1.2, 2.14),
        ("HS", 10000.0, -3.1, 0.70),
        ("PK", 3158.0, -1.8, 3.67),
        ("PK", 2166.0, 0.9, 3.32),
        ("PK", 6639.0, 2.2, 5.82),
        ("PK", 5434.0, -1.2, 5.70),
    ];
    let cases: Vec<(PathBuf, Vec<Filter>, f64)> = vec![
        (fixture("Sennheiser HD 600"), hd600, -6.3),
        (
            dir.path().join("all.toml"),
            vec![
                ("HP", 30.0, 0.0, 0.6),
                ("LS", 120.0, 5.0, 0.8),
                ("PK", 3000.0, -4.0, 2.5),
                ("HS", 9000.0, 3.0, 0.7),
                ("LP", 18000.0, 0.0, 0.9),
            ],
            -4.25,
        ),
        // A 6 dB/octave CamillaDSP slope is the cookbook's S = 0.5.
        (
            dir.path().join("camilla.yml"),
            vec![("LSs", 200.0, 6.0, 0.5), ("PK", 2500.0, 4.0, 3.0)],
            -3.5,
        ),
    ];
    let held = read_f32_wav(&input);
    for (i, (file, filters, preamp)) in cases.iter().enumerate() {
        let out = dir.path().join(format!("out{i}.wav"));
        let o = iemsim(
            &[
                "export",
                "in.wav",
                "-p",
                file.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
                "--bits",
                "32f",
                "--preamp",
                "profile",
            ],
            dir.path(),
            None,
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let want = reference(filters, *preamp, fs, &held);
        let got = read_f32_wav(&out);
        assert_eq!(got.len(), want.len());
        let err = got
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        let err_db = 20.0 * err.log10();
        assert!(err_db < -90.0, "{}: {err_db:.1} dBFS", file.display());
    }
}

/// Per-channel files (Equalizer APO `Channel:` sections, CamillaDSP steps with `channel:` (2.x) or
/// `channels:`, iemsim TOML `[[channels]]`) through `export`: each channel equals the float64 RBJ
/// reference of exactly the filters and gains its format applies to it. Before per-channel
/// support, a 2.x config with one step per channel got every filter twice on every channel
/// (+12 dB for +6), and `channels: [0]` filtered the right channel too.
#[test]
fn per_channel_files_filter_each_channel_as_their_format_says() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fs = 48_000.0;
    let input = d.join("in.wav");
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 48_000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(&input, spec).unwrap();
    for v in signal(24_000, fs) {
        w.write_sample(v as f32).unwrap();
    }
    w.finalize().unwrap();
    let devices = "devices: {samplerate: 48000, chunksize: 1024, capture: {type: Stdin, channels: 2, format: S32_LE}, playback: {type: Stdout, channels: 2, format: S32_LE}}\n";
    let defs = "filters:\n  \
        pre: {type: Gain, parameters: {gain: -3, scale: dB}}\n  \
        bell: {type: Biquad, parameters: {type: Peaking, freq: 1000, gain: 6, q: 1}}\n  \
        air: {type: Biquad, parameters: {type: Highshelf, freq: 8000, gain: -4, q: 0.7}}\n";
    let files = [
        (
            "eqapo.txt",
            "Preamp: -2 dB\nFilter 1: ON PK Fc 1000 Hz Gain 6 dB Q 1\n\
             Channel: R\nPreamp: -1.5 dB\nFilter 2: ON HSC Fc 8000 Hz Gain -4 dB Q 0.7\n\
             Channel: L\nFilter 3: ON PK Fc 250 Hz Gain -3 dB Q 2\n"
                .to_string(),
        ),
        (
            "camilla2x.yml",
            format!("{devices}{defs}pipeline:\n  - {{type: Filter, channel: 0, names: [pre, bell]}}\n  - {{type: Filter, channel: 1, names: [pre, bell]}}\n"),
        ),
        (
            "left-only.yml",
            format!("{devices}{defs}pipeline:\n  - {{type: Filter, channels: [0], names: [bell, air]}}\n  - {{type: Filter, names: [pre]}}\n"),
        ),
        (
            "channels.toml",
            "name = \"c\"\npreamp_db = -1\n\n[[channels]]\nchannel = 2\ngain_db = -2\n\n\
             [[channels.filters]]\ntype = \"peaking\"\nfc_hz = 3000\ngain_db = 5\nq = 3\n"
                .to_string(),
        ),
    ];
    // Per file: (left filters, left gain dB, right filters, right gain dB).
    type Side = (Vec<Filter>, f64);
    let want: [(Side, Side); 4] = [
        (
            (
                vec![("PK", 1000.0, 6.0, 1.0), ("PK", 250.0, -3.0, 2.0)],
                -2.0,
            ),
            (
                vec![("PK", 1000.0, 6.0, 1.0), ("HS", 8000.0, -4.0, 0.7)],
                -3.5,
            ),
        ),
        (
            (vec![("PK", 1000.0, 6.0, 1.0)], -3.0),
            (vec![("PK", 1000.0, 6.0, 1.0)], -3.0),
        ),
        (
            (
                vec![("PK", 1000.0, 6.0, 1.0), ("HS", 8000.0, -4.0, 0.7)],
                -3.0,
            ),
            (vec![], -3.0),
        ),
        ((vec![], -1.0), (vec![("PK", 3000.0, 5.0, 3.0)], -3.0)),
    ];
    let held = read_f32_wav(&input);
    for ((name, text), (left, right)) in files.iter().zip(want) {
        std::fs::write(d.join(name), text).unwrap();
        let out = d.join(format!("{name}.wav"));
        let args = [
            "export",
            "in.wav",
            "-p",
            name,
            "-o",
            out.to_str().unwrap(),
            "--bits",
            "32f",
            "--preamp",
            "profile",
        ];
        let o = iemsim(&args, d, None);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let got = read_f32_wav(&out);
        for (c, (filters, gain)) in [left, right].iter().enumerate() {
            let x: Vec<f64> = held.iter().skip(c).step_by(2).copied().collect();
            let want = rbj::cascade(filters, fs, *gain, &x, 1);
            let err = got
                .iter()
                .skip(c)
                .step_by(2)
                .zip(&want)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            let err_db = 20.0 * err.log10();
            assert!(err_db < -90.0, "{name} channel {c}: {err_db:.1} dBFS");
        }
        // `show` gives one response per channel (a 2.x config with the same filters on both
        // channels is one shared cascade).
        let v = show_json(d, d.join(name).to_str().unwrap());
        let n = v["channel_responses"].as_array().map_or(0, Vec::len);
        assert_eq!(n, if *name == "camilla2x.yml" { 0 } else { 2 }, "{name}");
        // Both lists number channels as the files and messages do, from 1 (the profile's
        // own list was 0-based: a script would have put the right channel's filters on the left).
        let numbers = |list: &serde_json::Value| -> Vec<u64> {
            let list = list.as_array().map_or(&[][..], Vec::as_slice);
            list.iter().filter_map(|c| c["channel"].as_u64()).collect()
        };
        let own = numbers(&v["profile"]["channels"]);
        assert!(own.iter().all(|c| [1, 2].contains(c)), "{name}: {own:?}");
        if n > 0 {
            assert_eq!(numbers(&v["channel_responses"]), [1, 2], "{name}");
        }
    }
    // Mono audio has no right channel: refused with exit 2, naming the profile and channel.
    let mono = d.join("mono.wav");
    let mut w = hound::WavWriter::create(
        &mono,
        hound::WavSpec {
            channels: 1,
            ..spec
        },
    )
    .unwrap();
    for v in signal(1000, fs) {
        w.write_sample(v as f32).unwrap();
    }
    w.finalize().unwrap();
    let o = iemsim(
        &["export", "mono.wav", "-p", "eqapo.txt", "-o", "m.wav"],
        d,
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("channel 2 (right)") && e.contains("mono"), "{e}");
    assert!(!d.join("m.wav").exists());
}

//! `iemsim show --plot` and `iemsim analyze` through the real binary: charts of the promised format
//! and size, analysis numbers that agree with ffmpeg's EBU R128 meter, and bad arguments refused
//! with exit code 2.

use crate::common::cli;
use crate::common::tools;

use cli::{iemsim, stderr};
use std::path::Path;
use std::process::Command;

fn png_size(path: &Path) -> (u32, u32) {
    let file = std::fs::File::open(path).expect("the PNG exists");
    let info = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .expect("a valid PNG");
    (info.info().width, info.info().height)
}

#[test]
fn show_plots_several_profiles_as_png_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("fr.png");
    let o = iemsim(&[
        "show",
        "ba",
        "dd",
        "v-hybrid",
        "--plot",
        png.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(png_size(&png), (1200, 700));

    let small = dir.path().join("small.png");
    let o = iemsim(&[
        "show",
        "ba",
        "--plot",
        small.to_str().unwrap(),
        "--size",
        "800x450",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(png_size(&small), (800, 450));

    let svg = dir.path().join("fr.svg");
    let m = "samples/measurements/iem/ba/BGVP DM6.csv";
    let o = iemsim(&[
        "show",
        "ba",
        "--plot",
        svg.to_str().unwrap(),
        "--measurement",
        m,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("well-formed SVG");
    assert!(doc
        .descendants()
        .any(|n| n.text().map(str::trim) == Some("BGVP DM6 (measured, re harman-in-ear-2019)")));
}

/// DejaVu Sans has no CJK or emoji: a PNG chart draws them as empty boxes, so the run says which
/// characters (asked of the font: é, which it has, is not named) and that an SVG keeps them. An
/// SVG chart, and a PNG whose text the font covers, say nothing of it.
#[test]
fn a_png_chart_says_which_characters_its_font_cannot_draw() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("p.toml");
    std::fs::write(
        &profile,
        "name = \"耳机 🎧 é\"\ndescription = \"x\"\nsource = \"\"\npreamp_db = 0\n\n\
         [[filters]]\ntype = \"peaking\"\nfc_hz = 1000.0\ngain_db = 3\nq = 1\n",
    )
    .unwrap();
    let chart = |name: &str, p: &str| {
        let out = dir.path().join(name);
        let o = iemsim(&["show", p, "--plot", out.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
        stderr(&o)
    };
    let said = chart("cjk.png", profile.to_str().unwrap());
    assert!(
        said.contains("cjk.png: the chart's font has no glyph for 耳机🎧, drawn as empty boxes"),
        "{said}"
    );
    assert!(said.contains("a .svg chart keeps them"), "{said}");
    for (name, p) in [("cjk.svg", profile.to_str().unwrap()), ("ba.png", "ba")] {
        let said = chart(name, p);
        assert!(!said.contains("no glyph"), "{name}: {said}");
    }
}

/// With a headphone correction the chart says so in its title and legend, the measured curve
/// of a per-IEM profile carries the correction too (like with like), and a measurement can be
/// compared with the over-ear target.
#[test]
fn show_plot_through_a_headphone_correction_says_so_and_draws_like_with_like() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("hp.svg");
    let o = iemsim(&[
        "show",
        "iem:moondrop-ssr",
        "--headphones",
        "tests/fixtures/autoeq/Sennheiser HD 600 ParametricEQ.txt",
        "--plot",
        svg.to_str().unwrap(),
        "--measurement",
        "samples/measurements/iem/ba/BGVP DM6.csv",
        "--measurement-target",
        "harman-over-ear-2018",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(cli::text(&o.stdout).contains("through the headphone correction"));
    let texts = svg_text(&svg);
    let has = |want: &str| texts.contains(want);
    assert!(has("+ headphone EQ"), "{texts:?}");
    assert!(has("through the headphone correction"), "{texts:?}");
    assert!(has("iem:moondrop-ssr + headphone EQ"), "{texts:?}");
    assert!(has("Moondrop SSR (measured, + headphone EQ)"), "{texts:?}");
    assert!(
        has("BGVP DM6 (measured, re harman-over-ear-2018, + headphone EQ)"),
        "{texts:?}"
    );
}

/// The text an SVG chart shows, each piece once, in order, joined by spaces: a legend label on
/// two lines reads as one.
fn svg_text(svg: &Path) -> String {
    let text = std::fs::read_to_string(svg).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("well-formed SVG");
    let mut pieces: Vec<&str> = doc
        .descendants()
        .filter_map(|n| n.text().map(str::trim))
        .filter(|t| !t.is_empty())
        .collect();
    pieces.dedup();
    pieces.join(" ")
}

/// The headphone measurement drawn beside its correction is compared with the correction's own
/// target: the remembered one (`config set headphone-target`) too. The legend said the default
/// over-ear target while the correction was fitted to diffuse-field.
#[test]
fn show_plot_compares_the_headphone_measurement_with_the_remembered_target() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("hp.svg");
    let csv = "tests/fixtures/measurements/Sennheiser HD 600.csv";
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_iemsim"))
            .env("IEMSIM_CONFIG_DIR", dir.path())
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(args)
            .output()
            .expect("run");
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    };
    run(&["config", "set", "headphone-target", "diffuse-field"]);
    let plot = svg.to_str().unwrap();
    run(&[
        "show",
        "ba",
        "--headphones",
        csv,
        "--plot",
        plot,
        "--measurement",
        csv,
    ]);
    let text = svg_text(&svg);
    // (A long legend entry goes on two lines, or is shortened in its middle.)
    assert!(
        text.contains("HD 600 (measured, re diffuse-"),
        "another target: {text}"
    );
    assert!(
        !text.contains("re harman-over-ear"),
        "the default target: {text}"
    );
}

/// A curve that leaves the axis gets a triangle on the edge where it leaves (the legend says
/// "clipped"): none was ever drawn, as the first mark's spacing test overflowed.
#[test]
fn a_clipped_curve_is_marked_on_the_edge() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("er4.svg");
    let o = iemsim(&[
        "show",
        "iem:etymotic-er4sr",
        "--plot",
        svg.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.contains("clipped"),
        "the legend says a curve is clipped"
    );
    // Filled arrowheads: three corners, the tip on the frame's bottom edge below the others.
    let triangles = text
        .split("<polygon")
        .skip(1)
        .filter_map(|e| e.split("points=\"").nth(1)?.split('"').next())
        .filter(|pts| {
            let p: Vec<(i32, i32)> = pts
                .split_whitespace()
                .filter_map(|xy| {
                    let (x, y) = xy.split_once(',')?;
                    Some((x.parse().ok()?, y.parse().ok()?))
                })
                .collect();
            p.len() == 3 && p[1].1 > p[0].1 && p[0].1 == p[2].1
        })
        .count();
    assert!(triangles >= 1, "no clip mark drawn: {text}");
}

#[test]
fn show_refuses_bad_plot_arguments_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).display().to_string();
    let bad_csv = p("bad.csv");
    std::fs::write(&bad_csv, "frequency,raw\n20,abc\n").unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["show".into(), "ba".into(), "--plot".into(), p("x.jpg")],
            ".png or .svg",
        ),
        (
            vec![
                "show".into(),
                "ba".into(),
                "--plot".into(),
                p("x.png"),
                "--size".into(),
                "10x10".into(),
            ],
            "--size",
        ),
        (
            vec![
                "show".into(),
                "ba".into(),
                "bax".into(),
                "--plot".into(),
                p("x.png"),
            ],
            "bax",
        ),
        (
            vec![
                "show".into(),
                "ba".into(),
                "--plot".into(),
                p("x.png"),
                "--measurement".into(),
                bad_csv.clone(),
            ],
            "line 2",
        ),
        (
            vec![
                "show".into(),
                "ba".into(),
                "--plot".into(),
                p("no/such/dir/x.png"),
            ],
            // Refused before any work now, as exports refuse it.
            "the output folder does not exist",
        ),
    ];
    for (args, needle) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = iemsim(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
        assert!(!dir.path().join("x.png").exists());
    }
}

/// ffmpeg's `ebur128` filter prints `I: … LUFS`, `LRA: … LU` and `Peak: … dBFS` (true peak).
fn ffmpeg_r128(path: &str) -> Option<(f64, f64, f64)> {
    let o = Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-nostats",
            "-i",
            path,
            "-af",
            "ebur128=peak=true",
            "-f",
            "null",
            "-",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&o.stderr);
    let summary = &text[text.rfind("Summary:")?..];
    let value = |key: &str| -> Option<f64> {
        let line = summary.lines().find(|l| l.trim_start().starts_with(key))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    Some((value("I:")?, value("LRA:")?, value("Peak:")?))
}

#[test]
fn analyze_agrees_with_ffmpeg_and_charts_the_spectra() {
    if !tools::have(&["ffmpeg"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a.png");
    let o = iemsim(&[
        "analyze",
        "-p",
        "ba",
        "-p",
        "dd",
        "--json",
        "--plot",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(png_size(&out), (1200, 700));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let versions = v["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 3);
    assert_eq!(versions[1]["profile"], "ba");
    let input = &versions[0];
    let num = |key: &str| input[key].as_f64().unwrap_or(f64::NAN);
    // The crest factor is the sample peak over the RMS of the channel it is in, computed here
    // from the samples themselves.
    let mut r = hound::WavReader::open("samples/music.wav").unwrap();
    let scale = 2f64.powi(r.spec().bits_per_sample as i32 - 1);
    let (mut peak, mut sum_sq) = ([0f64; 2], [0f64; 2]);
    for (i, s) in r.samples::<i32>().enumerate() {
        let x = f64::from(s.unwrap()) / scale;
        peak[i % 2] = peak[i % 2].max(x.abs());
        sum_sq[i % 2] += x * x;
    }
    let c = usize::from(peak[1] > peak[0]);
    let frames = r.duration() as f64;
    let crest = 20.0 * (peak[c] / (sum_sq[c] / frames).sqrt()).log10();
    assert!((num("crest_factor_db") - crest).abs() < 1e-6, "{crest}");
    assert!(num("true_peak_dbtp") >= num("sample_peak_dbfs"));
    assert_eq!(input["octave_bands_db"].as_array().unwrap().len(), 10);
    let Some((i, lra, tp)) = ffmpeg_r128("samples/music.wav") else {
        panic!("ffmpeg is needed for this test (apt-get install ffmpeg; .ci/run installs it)");
    };
    // ffmpeg prints one decimal.
    assert!(
        (num("integrated_lufs") - i).abs() <= 0.1,
        "{} vs ffmpeg {i}",
        num("integrated_lufs")
    );
    assert!(
        (num("loudness_range_lu") - lra).abs() <= 0.3,
        "{} vs ffmpeg {lra}",
        num("loudness_range_lu")
    );
    assert!(
        (num("true_peak_dbtp") - tp).abs() <= 0.2,
        "{} vs ffmpeg {tp}",
        num("true_peak_dbtp")
    );
    // The profile's preamp lowers everything by about its value.
    let ba = &versions[1];
    assert!(ba["preamp_db"].as_f64().unwrap() < 0.0);
    assert!(ba["integrated_lufs"].as_f64().unwrap() < num("integrated_lufs"));
}

#[test]
fn analyze_refuses_bad_input_with_exit_2() {
    let o = iemsim(&["analyze", "no-such-file.wav"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = iemsim(&["analyze", "-p", "nope"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = iemsim(&["analyze", "--plot", "x.gif"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

/// A silent file's chart has no curve, and the warning says so (it was "Spectra charted" and an
/// empty frame), and a one-frame file's says it is too short, not silent (it said silent while
/// its table read −6 dB RMS); a tone in the LFE alone has no BS.1770 loudness, and the reason given says why
/// (it named only "shorter than 0.4 s, or below its -70 LUFS gate"). The JSON's rate is an
/// integer, as in `generate --json` and `export --json`.
#[test]
fn analyze_says_why_a_file_has_no_curve_or_no_loudness() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, channels: u16, at: &dyn Fn(u32, u16) -> i16| {
        let wav = dir.path().join(name);
        let spec = hound::WavSpec {
            channels,
            sample_rate: 48_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(&wav, spec).unwrap();
        for i in 0..48_000u32 {
            for c in 0..channels {
                w.write_sample(at(i, c)).unwrap();
            }
        }
        w.finalize().unwrap();
        wav.to_str().unwrap().to_string()
    };
    let silent = write("silent.wav", 2, &|_, _| 0);
    let png = dir.path().join("s.png");
    let o = iemsim(&[
        "analyze",
        &silent,
        "--json",
        "--plot",
        png.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("is silent: the chart has no curve"),
        "{}",
        stderr(&o)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["sample_rate"].as_u64(), Some(48_000), "{v}");
    // One frame at half scale (RMS −6.0 dB in the table) is too short for a spectrum, not silent.
    let one = dir.path().join("one.wav");
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 48_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&one, spec).unwrap();
    w.write_sample(16_384i16).unwrap();
    w.write_sample(-16_384i16).unwrap();
    w.finalize().unwrap();
    let o = iemsim(&[
        "analyze",
        one.to_str().unwrap(),
        "--plot",
        png.to_str().unwrap(),
        "--force",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("one.wav has too little audio for a spectrum: the chart has no curve"),
        "{}",
        stderr(&o)
    );
    // 5.1: L R C LFE Ls Rs, a 60 Hz tone in the LFE (channel 4) only.
    let lfe = write("lfe.wav", 6, &|i, c| {
        if c == 3 {
            (8000.0 * (std::f64::consts::TAU * 60.0 * f64::from(i) / 48_000.0).sin()) as i16
        } else {
            0
        }
    });
    let o = iemsim(&["analyze", &lfe]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("only in the LFE (weight 0)"), "{out}");
}

/// A clip shorter than a BS.1770 gating block (400 ms) has no loudness, so its profiles cannot be
/// level-matched: the chart says so instead of "+0.0 dB to match", names the one short window
/// its spectrum comes from, and the table explains the -inf.
#[test]
fn analyze_of_a_clip_too_short_for_loudness_says_it_is_not_matched() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("clip.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 48_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&wav, spec).unwrap();
    for i in 0..4800u32 {
        // 0.1 s of a loud 1 kHz tone.
        let x = (f64::from(i) * std::f64::consts::TAU * 1000.0 / 48_000.0).sin();
        w.write_sample((x * 16_000.0) as i16).unwrap();
    }
    w.finalize().unwrap();
    let svg = dir.path().join("clip.svg");
    let args = [
        "analyze",
        "clip.wav",
        "-p",
        "ba",
        "-p",
        "iem:moondrop-ssr",
        "--plot",
        "clip.svg",
    ];
    let o = cli::run(&args, dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let out = cli::text(&o.stdout);
    // A long profile name gets a column of its own, not run into its neighbour's.
    let head: Vec<&str> = out.lines().nth(2).unwrap().split_whitespace().collect();
    assert_eq!(head, ["input", "ba", "iem:moondrop-ssr"], "{out}");
    assert!(
        out.contains("(-inf: no BS.1770 loudness: shorter than 0.4 s"),
        "{out}"
    );
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert!(chart.contains("ba (not level-matched)"), "{chart}");
    assert!(!chart.contains("dB to match"), "{chart}");
    assert!(chart.contains("one Hann window of 4800 samples"), "{chart}");
}

/// `analyze` measures block by block (constant memory) and reports what the whole-signal analysis
/// it replaced reported on the bundled sample: these numbers were printed by that version (the
/// whole file in memory, every measure over all of it at once), to the last digit for the peaks
/// and loudness; the spectra add their channels in another order, hence the tolerance. `ba`'s
/// true peak is the 32-tap interpolator's, 0.014 dB nearer the exact band-limited peak (−7.18 by
/// FFT upsampling; ffmpeg's `ebur128` −7.19) than the 16-tap one's −7.2285.
#[test]
fn analyze_numbers_are_those_of_the_whole_signal_analysis() {
    let o = iemsim(&["analyze", "-p", "ba", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["duration_s"].as_f64(), Some(24.0));
    #[rustfmt::skip]
    let want: [(&str, [f64; 5], [f64; 10]); 2] = [
        ("input",
         [-20.33009078576157, 1.3507551884865876, -3.8778585404234778, -3.8778585404234778, -21.47221526536906],
         [-29.047890472407726, -24.888467288499907, -29.90367168743103, -33.07889880532813, -38.058389212925725,
          -35.24183698084058, -40.28141734111869, -42.00743382907778, -34.90377768572474, -37.45068045862409]),
        ("ba",
         [-23.78914065702016, 1.0568720434555203, -7.214347795917687, -7.584067352697261, -25.327397081093665],
         [-35.81133694617816, -29.591773365315763, -31.742809145688522, -33.20020984295152, -40.858152005308085,
          -39.35898719446553, -44.96631928708606, -49.30476938942165, -38.912132158772145, -42.76333625017307]),
    ];
    let keys = [
        "integrated_lufs",
        "loudness_range_lu",
        "true_peak_dbtp",
        "sample_peak_dbfs",
        "rms_dbfs",
    ];
    for (version, (label, levels, bands)) in v["versions"].as_array().unwrap().iter().zip(want) {
        assert_eq!(version["label"], label);
        for (key, want) in keys.iter().zip(levels) {
            let got = version[key].as_f64().unwrap_or(f64::NAN);
            assert!((got - want).abs() < 1e-9, "{label} {key}: {got} vs {want}");
        }
        let got = version["octave_bands_db"].as_array().unwrap();
        assert_eq!(got.len(), bands.len());
        for (g, want) in got.iter().zip(bands) {
            let g = g[1].as_f64().unwrap_or(f64::NAN);
            assert!((g - want).abs() < 1e-9, "{label} band: {g} vs {want}");
        }
    }
}

/// A silent file's crest factor (peak minus RMS, both -inf) is undefined: "n/a" in the table and
/// null in the JSON, not "-inf" as if it were a level.
#[test]
fn analyze_of_silence_has_no_crest_factor() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("silence.wav");
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 44_100,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&wav, spec).unwrap();
    for _ in 0..2 * 88_200 {
        w.write_sample(0i16).unwrap();
    }
    w.finalize().unwrap();
    let wav = wav.to_str().unwrap();
    let o = iemsim(&["analyze", wav]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let crest = out
        .lines()
        .find(|l| l.starts_with("crest factor"))
        .unwrap_or_default();
    assert!(crest.trim_end().ends_with("n/a"), "{out}");
    let o = iemsim(&["analyze", wav, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v.to_string().contains("\"crest_factor_db\":null"), "{v}");
}

/// `show --plot` and `analyze --plot` refuse an existing file without `--force` (they replaced
/// it silently, a symbolic link included, which became a regular file), before any work and
/// leaving it as it was; with `--force` a regular file is replaced (atomically, like exports),
/// and a FIFO is refused even then.
#[cfg(unix)]
#[test]
fn plots_refuse_an_existing_file_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = cli::run(&["generate", "tone", "--seconds", "0.5", "-o", "t.wav"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::write(d.join("mine.png"), b"my picture").unwrap();
    std::os::unix::fs::symlink("mine.png", d.join("link.png")).unwrap();
    let show = |file: &str, force: bool| {
        let mut a = vec!["show", "ba", "--plot", file];
        a.extend(force.then_some("--force"));
        cli::run(&a, d)
    };
    let analyze = |file: &str, force: bool| {
        let mut a = vec!["analyze", "t.wav", "-p", "ba", "--plot", file];
        a.extend(force.then_some("--force"));
        cli::run(&a, d)
    };
    for run in [
        &show as &dyn Fn(&str, bool) -> std::process::Output,
        &analyze,
    ] {
        for file in ["mine.png", "link.png"] {
            let o = run(file, false);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{file}: {err}");
            assert!(err.contains(file) && err.contains("--force"), "{err}");
            assert_eq!(std::fs::read(d.join("mine.png")).unwrap(), b"my picture");
            assert!(std::fs::symlink_metadata(d.join("link.png"))
                .unwrap()
                .file_type()
                .is_symlink());
        }
    }
    let fifo = d.join("pipe.png");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    for run in [
        &show as &dyn Fn(&str, bool) -> std::process::Output,
        &analyze,
    ] {
        let o = run("pipe.png", true);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
        let o = run("mine.png", true);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(png_size(&d.join("mine.png")), (1200, 700));
        std::fs::write(d.join("mine.png"), b"my picture").unwrap();
    }
}

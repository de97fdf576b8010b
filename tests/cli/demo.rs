//! Drives the real `iemsim demo … --export DIR`: the files are there and are valid WAVs, the README
//! holds the text and the numbers, and every printed number agrees with a band-power computation
//! written here (hound to decode, a textbook radix-2 FFT checked against a direct DFT, our own
//! Hann window and Welch averaging; nothing from iemsim's `dsp`). Re-exporting without --force is refused and changes
//! nothing.

use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::SystemTime;

/// Runs iemsim from the project folder (where the bundled samples are) unless `cwd` is given.
fn iemsim(args: &[&str], cwd: Option<&Path>) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iemsim"))
        .args(args)
        .current_dir(cwd.unwrap_or(Path::new(env!("CARGO_MANIFEST_DIR"))))
        .output()
        .expect("run iemsim")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Exports `kind` into `dir` with --json and returns the parsed report.
fn export_json(kind: &str, dir: &Path, cwd: Option<&Path>) -> Value {
    let o = iemsim(
        &["demo", kind, "--export", dir.to_str().unwrap(), "--json"],
        cwd,
    );
    assert!(o.status.success(), "{kind}: {}", text(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{kind}: bad JSON ({e})"))
}

/// Interleaved samples in [-1, 1), channels and rate.
fn read_wav(path: &Path) -> (Vec<f64>, usize, f64) {
    let mut r = hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let spec = r.spec();
    assert_eq!(spec.sample_format, hound::SampleFormat::Int);
    let scale = 2f64.powi(i32::from(spec.bits_per_sample) - 1);
    let data = r
        .samples::<i32>()
        .map(|s| f64::from(s.unwrap()) / scale)
        .collect();
    (
        data,
        usize::from(spec.channels),
        f64::from(spec.sample_rate),
    )
}

/// Welch power spectrum: Hann-windowed segments of `SEG` samples, 50 % overlap, periodograms
/// averaged, channels summed. Only ratios of band sums are used, so the overall scale is irrelevant.
const SEG: usize = 8192;

struct Spectrum {
    power: Vec<f64>,
    bin_hz: f64,
}

fn welch(x: &[f64], ch: usize, rate: f64) -> Spectrum {
    let frames = x.len() / ch;
    assert!(frames >= SEG, "file too short for the check");
    let w: Vec<f64> = (0..SEG)
        .map(|i| (std::f64::consts::PI * i as f64 / SEG as f64).sin().powi(2))
        .collect();
    let mut power = vec![0.0; SEG / 2 + 1];
    let (mut re, mut im) = (vec![0.0; SEG], vec![0.0; SEG]);
    let table = twiddles(SEG);
    // Two channels per transform, one as the real part and one as the imaginary: for real l and
    // r, Z = FFT(l + i·r) gives |L[k]|² + |R[k]|² = (|Z[k]|² + |Z[N−k]|²) / 2 (with r = 0 for an
    // odd last channel, that is |L[k]|²), the channels' summed power at half the transforms.
    for c in (0..ch).step_by(2) {
        let mut start = 0;
        while start + SEG <= frames {
            for (i, (r, m)) in re.iter_mut().zip(&mut im).enumerate() {
                let frame = &x[(start + i) * ch..];
                *r = frame[c] * w[i];
                *m = if c + 1 < ch { frame[c + 1] * w[i] } else { 0.0 };
            }
            fft(&mut re, &mut im, &table);
            for (k, p) in power.iter_mut().enumerate() {
                let j = (SEG - k) % SEG;
                *p += 0.5 * (re[k] * re[k] + im[k] * im[k] + re[j] * re[j] + im[j] * im[j]);
            }
            start += SEG / 2;
        }
    }
    Spectrum {
        power,
        bin_hz: rate / SEG as f64,
    }
}

/// In-place iterative radix-2 FFT (Cooley–Tukey, decimation in time): bit-reversed order, then
/// butterflies with the twiddles of [`twiddles`]`(n)`.
/// Written here so the check shares nothing with the code under test; it replaced the rustfft
/// dev-dependency, whose planner alone was half of this test binary's compile time.
fn fft(re: &mut [f64], im: &mut [f64], twiddles: &[(f64, f64)]) {
    let n = re.len();
    assert!(n.is_power_of_two() && im.len() == n && twiddles.len() == n / 2);
    let mut j = 0;
    for i in 1..n {
        let mut bit = n >> 1;
        while j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
        if i < j {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    let mut len = 2;
    while len <= n {
        let stride = n / len;
        for start in (0..n).step_by(len) {
            for k in 0..len / 2 {
                let (wr, wi) = twiddles[k * stride];
                let (a, b) = (start + k, start + k + len / 2);
                let (tr, ti) = (re[b] * wr - im[b] * wi, re[b] * wi + im[b] * wr);
                (re[b], im[b]) = (re[a] - tr, im[a] - ti);
                (re[a], im[a]) = (re[a] + tr, im[a] + ti);
            }
        }
        len <<= 1;
    }
}

/// e^(−2πik/n) for k < n/2, each computed directly (no recurrence, so no drift): the twiddles of
/// every stage of an `n`-point [`fft`] (stage `len` takes every (n/len)-th).
fn twiddles(n: usize) -> Vec<(f64, f64)> {
    let step = -2.0 * std::f64::consts::PI / n as f64;
    (0..n / 2)
        .map(|k| ((step * k as f64).cos(), (step * k as f64).sin()))
        .collect()
}

/// The FFT above against the DFT's definition, on a signal with no symmetry to hide an error.
#[test]
fn the_reference_fft_matches_a_direct_dft() {
    let n = 64;
    let x: Vec<f64> = (0..n)
        .map(|i| ((i * i) % 17) as f64 - 0.3 * i as f64)
        .collect();
    let (mut re, mut im) = (x.clone(), vec![0.0; n]);
    fft(&mut re, &mut im, &twiddles(n));
    for k in 0..n {
        let (mut dr, mut di) = (0.0, 0.0);
        for (t, v) in x.iter().enumerate() {
            let a = -2.0 * std::f64::consts::PI * (k * t) as f64 / n as f64;
            (dr, di) = (dr + v * a.cos(), di + v * a.sin());
        }
        assert!(
            (re[k] - dr).abs() < 1e-9 && (im[k] - di).abs() < 1e-9,
            "bin {k}"
        );
    }
}

/// Two channels per transform sum the same power as one transform per channel: three channels
/// with nothing in common (an odd count, so the last goes alone) against three mono spectra.
#[test]
fn channel_pairs_in_one_transform_sum_each_channels_power() {
    let frames = SEG * 2;
    let signal = |c: usize, t: usize| (((t * (7 + 5 * c)) % 23) as f64 - 11.0) / 11.0;
    let x: Vec<f64> = (0..frames)
        .flat_map(|t| (0..3).map(move |c| signal(c, t)))
        .collect();
    let together = welch(&x, 3, 48_000.0);
    let mut apart = vec![0.0; SEG / 2 + 1];
    for c in 0..3 {
        let mono: Vec<f64> = (0..frames).map(|t| signal(c, t)).collect();
        for (a, p) in apart.iter_mut().zip(welch(&mono, 1, 48_000.0).power) {
            *a += p;
        }
    }
    for (k, (a, b)) in together.power.iter().zip(&apart).enumerate() {
        assert!((a - b).abs() <= 1e-9 * b.max(1.0), "bin {k}: {a} vs {b}");
    }
}

impl Spectrum {
    /// Sum over the bins whose centre frequency lies in [lo, hi].
    fn band(&self, lo: f64, hi: f64) -> f64 {
        self.power
            .iter()
            .enumerate()
            .filter(|&(k, _)| {
                let f = k as f64 * self.bin_hz;
                f >= lo && f <= hi
            })
            .map(|(_, p)| p)
            .sum()
    }

    fn ratio_db(&self, band: &Value, reference: &Value) -> f64 {
        let b = |v: &Value, i: usize| v[i].as_f64().unwrap();
        10.0 * (self.band(b(band, 0), b(band, 1)) / self.band(b(reference, 0), b(reference, 1)))
            .log10()
    }
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

/// Checks every file of the report and recomputes every number; returns
/// (part index, profile, measure) → value_db for the caller's own assertions.
fn check_report(report: &Value) -> BTreeMap<(usize, String, String), f64> {
    let mut values = BTreeMap::new();
    let parts = report["parts"].as_array().expect("parts");
    assert!(!parts.is_empty());
    let readme = fs::read_to_string(s(&report["readme"])).expect("README.md");
    assert!(readme.contains(s(&report["title"])));
    for (i, part) in parts.iter().enumerate() {
        assert!(readme.contains(s(&part["title"])), "README lacks part {i}");
        assert!(
            readme.contains(s(&part["text"])),
            "README lacks part {i}'s text"
        );
        let files = &part["files"];
        for key in ["response_png", "spectra_png"] {
            let png = PathBuf::from(s(&files[key]));
            let reader = png::Decoder::new(std::io::BufReader::new(
                fs::File::open(&png).expect("the chart exists"),
            ))
            .read_info()
            .expect("a valid PNG");
            assert_eq!((reader.info().width, reader.info().height), (1200, 700));
            let name = png.file_name().unwrap().to_string_lossy().into_owned();
            assert!(
                readme.contains(&format!("]({name})")),
                "README does not show {name}"
            );
        }
        let paths: Vec<PathBuf> = ["source", "a", "b"]
            .iter()
            .map(|k| PathBuf::from(s(&files[k])))
            .collect();
        // Sample counts, not file sizes: a header may hold a reserved (JUNK) chunk for RF64.
        let (lens, spectra): (Vec<usize>, Vec<Spectrum>) = paths
            .iter()
            .map(|p| {
                let (x, ch, rate) = read_wav(p);
                assert_eq!((ch, rate), (2, 44_100.0), "{}", p.display());
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                assert!(readme.contains(&name), "README does not name {name}");
                (x.len(), welch(&x, ch, rate))
            })
            .unzip();
        assert!(
            lens.iter().all(|&l| l == lens[0]),
            "A, B and source differ in length"
        );
        let numbers = part["numbers"].as_array().expect("numbers");
        assert!(!numbers.is_empty());
        for n in numbers {
            let profile = s(&n["profile"]);
            let side = if profile == s(&part["a"]) { 1 } else { 2 };
            assert!(side == 1 || profile == s(&part["b"]), "{profile}");
            let value = spectra[side].ratio_db(&n["band_hz"], &n["reference_hz"]);
            let source = spectra[0].ratio_db(&n["band_hz"], &n["reference_hz"]);
            let what = format!("part {i} {profile} {}", s(&n["measure"]));
            assert!(
                (value - f(&n["value_db"])).abs() < 0.5,
                "{what}: {value} vs {n}"
            );
            assert!(
                (source - f(&n["source_db"])).abs() < 0.5,
                "{what}: {source} vs {n}"
            );
            let change = f(&n["value_db"]) - f(&n["source_db"]);
            assert!((change - f(&n["change_db"])).abs() < 1e-9, "{what}");
            // The printed table holds the value as "+x.y".
            assert!(
                readme.contains(&format!("{:+.1}", f(&n["value_db"])).replace("-0.0", "+0.0")),
                "{what}: README lacks the value"
            );
            values.insert(
                (i, profile.to_string(), s(&n["measure"]).to_string()),
                value,
            );
        }
    }
    values
}

/// (name → (length, modified)) of every file in `dir`.
fn snapshot(dir: &Path) -> BTreeMap<String, (u64, SystemTime)> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                (m.len(), m.modified().unwrap()),
            )
        })
        .collect()
}

#[test]
fn sibilance_export_numbers_match_and_the_peak_shows() {
    let tmp = tempfile::tempdir().unwrap();
    // A folder that does not exist yet, two levels down: created.
    let dir = tmp.path().join("out/sibilance");
    let report = export_json("sibilance", &dir, None);
    assert_eq!(report["demo"], "sibilance");
    let v = check_report(&report);
    let m = "5-9 kHz re 0.5-2 kHz".to_string();
    let neutral = v[&(0, "neutral".into(), m.clone())];
    let sib = v[&(0, "sibilance".into(), m)];
    assert!(sib > neutral + 2.0, "sibilance {sib} vs neutral {neutral}");
    let intro = s(&report["intro"]);
    assert!(intro.contains("5-9 kHz") && intro.contains("one hybrid, one DD and one BA"));
    // 2 parts × (source, A, B, response and spectra charts) + README.
    assert_eq!(snapshot(&dir).len(), 11);
}

#[test]
fn bass_export_numbers_match_and_rolloff_is_at_least_6_db() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("bass");
    let report = export_json("bass", &dir, None);
    let v = check_report(&report);
    let m = "30 Hz re 1 kHz".to_string();
    let neutral = v[&(0, "neutral".into(), m.clone())];
    let roll = v[&(0, "bass-rolloff".into(), m)];
    assert!(
        roll <= neutral - 6.0,
        "bass-rolloff {roll} vs neutral {neutral}"
    );
    // The measured response agrees with the filters' closed form (the material has energy at
    // every frequency measured).
    for part in report["parts"].as_array().unwrap() {
        for n in part["numbers"].as_array().unwrap() {
            let (c, fl) = (f(&n["change_db"]), f(&n["filters_db"]));
            // The text says they agree "within about half a dB".
            assert!((c - fl).abs() <= 0.5, "{n}");
        }
    }

    // Again without --force: exit 2, one line naming a file, nothing touched.
    let before = snapshot(&dir);
    let readme_before = fs::read(dir.join("README.md")).unwrap();
    let o = iemsim(&["demo", "bass", "--export", dir.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("--force") && err.contains(".wav"), "{err}");
    assert!(o.stdout.is_empty());
    assert_eq!(snapshot(&dir), before);
    assert_eq!(fs::read(dir.join("README.md")).unwrap(), readme_before);

    // With --force: replaced, and byte-identical (the render is deterministic).
    let first = s(&report["parts"][0]["files"]["b"]).to_string();
    let bytes = fs::read(&first).unwrap();
    let o = iemsim(
        &["demo", "bass", "--export", dir.to_str().unwrap(), "--force"],
        None,
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(fs::read(&first).unwrap(), bytes);
    assert_eq!(snapshot(&dir).len(), before.len());
    // The plain output is the README text.
    let out = text(&o.stdout);
    assert!(out.contains("| 30 Hz re 1 kHz"), "{out}");
    assert!(out.contains(&String::from_utf8_lossy(&readme_before).to_string()));
}

#[test]
fn signatures_tour_without_the_samples_folder() {
    let tmp = tempfile::tempdir().unwrap();
    // Run from a folder without samples/: the material built into the binary plays, no stand-in.
    let dir = tmp.path().join("sig");
    let report = export_json("signatures", &dir, Some(tmp.path()));
    let v = check_report(&report);
    let parts = report["parts"].as_array().unwrap();
    let bs: Vec<&str> = parts.iter().map(|p| s(&p["b"])).collect();
    assert_eq!(bs, ["diffuse-field", "ba", "dd", "v-hybrid"]);
    assert!(parts.iter().all(|p| s(&p["a"]) == "neutral"));
    let notes = parts[0]["notes"].as_array().unwrap();
    assert!(
        notes.iter().all(|n| !s(n).contains("not found")),
        "{notes:?}"
    );
    // The V shape, measured: more 60-250 Hz and less 2-5 kHz than neutral.
    let at = |i: usize, p: &str, m: &str| v[&(i, p.to_string(), m.to_string())];
    assert!(
        at(3, "v-hybrid", "60-250 Hz re 0.5-2 kHz")
            > at(3, "neutral", "60-250 Hz re 0.5-2 kHz") + 2.0
    );
    assert!(
        at(3, "v-hybrid", "2-5 kHz re 0.5-2 kHz") < at(3, "neutral", "2-5 kHz re 0.5-2 kHz") - 1.0
    );
}

#[test]
fn export_into_a_file_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("not-a-folder");
    fs::write(&file, b"x").unwrap();
    let o = iemsim(&["demo", "bass", "--export", file.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("not a folder"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(fs::read(&file).unwrap(), b"x");
}

/// The demo renders each part in one pass from the material in memory; its A and B files must be
/// exactly what `iemsim export` writes from the material file with the gain the report gives
/// (the export path decodes the file: the same samples, the same cascade, the same dither).
#[test]
fn demo_outputs_are_what_export_writes_from_the_material() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sib");
    let report = export_json("sibilance", &dir, None);
    let mut compared = 0;
    for part in report["parts"].as_array().unwrap() {
        let files = &part["files"];
        for (i, side) in ["a", "b"].into_iter().enumerate() {
            let gain = part["gains_db"][i].to_string();
            let out = tmp.path().join(format!("{}-{side}.wav", s(&part["slug"])));
            let o = iemsim(
                &[
                    "export",
                    s(&files["source"]),
                    "-p",
                    s(&part[side]),
                    "--preamp",
                    &gain,
                    "-o",
                    out.to_str().unwrap(),
                    "--quiet",
                ],
                None,
            );
            assert!(o.status.success(), "{}", text(&o.stderr));
            let demo = std::fs::read(s(&files[side])).unwrap();
            assert!(
                demo == std::fs::read(&out).unwrap(),
                "{}: the demo's file differs from export's",
                s(&files[side])
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 4);
}

/// `--json` describes an export: without `--export` it printed the demo's text with exit 0, so
/// a script reading JSON got prose. Now a usage error naming what it needs.
#[test]
fn json_without_export_is_refused() {
    let o = iemsim(&["demo", "bass", "--no-tui", "--json"], None);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--json goes with --export DIR"), "{err}");
    // clap's usage line suggested `--export <DIR> --no-tui --json`, itself refused.
    assert!(!err.contains("--export <DIR> --no-tui"), "{err}");
    assert!(o.stdout.is_empty(), "{}", text(&o.stdout));
}

/// A `--device` that matches nothing was refused after the demo's whole intro had been printed
/// (16 lines); the device is opened before any text now, as `play` and `live` do.
#[test]
fn a_wrong_device_is_refused_before_the_text() {
    let o = iemsim(
        &[
            "demo",
            "bass",
            "--no-tui",
            "--device",
            "no-such-device-here",
        ],
        None,
    );
    assert!(!o.status.success());
    assert!(o.stdout.is_empty(), "{}", text(&o.stdout));
    assert!(
        text(&o.stderr).contains("no audio output device"),
        "{}",
        text(&o.stderr)
    );
}

/// Options with nothing to do in the mode chosen were accepted and ignored (exit 0): `--device`
/// and `--buffer` with `--export` (which plays nothing), `--force` without it; `--export -` made
/// a folder named `-`. Each is refused now (exit 2), nothing written.
#[test]
fn options_the_mode_has_no_use_for_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let d = dir.to_str().unwrap();
    for (args, needle) in [
        (
            vec!["demo", "bass", "--export", d, "--device", "x"],
            "--device",
        ),
        (
            vec!["demo", "bass", "--export", d, "--buffer", "512"],
            "--buffer",
        ),
        (
            vec!["demo", "bass", "--no-tui", "--force"],
            "--force goes with --export DIR",
        ),
        (vec!["demo", "bass", "--export", d, "--no-tui"], "--no-tui"),
        (vec!["demo", "bass", "--export", "-"], "standard output"),
    ] {
        let o = iemsim(&args, Some(tmp.path()));
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    assert_eq!(
        fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "something was written"
    );
}

/// The tester's `README.md` ("my notes") in the export folder was replaced by `--force`, and the
/// refusal without it called the file "this demo's". Now only the demo's own earlier files (the
/// WAVs and charts by iemsim's mark, the README by its last line) and empty ones are replaced;
/// anything else is refused by name before a file is written, with or without --force.
#[test]
fn force_replaces_only_the_demos_own_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sib");
    let d = dir.to_str().unwrap();
    let run = |force: bool| {
        let mut args = vec!["demo", "sibilance", "--export", d, "--no-headphones"];
        if force {
            args.push("--force");
        }
        iemsim(&args, None)
    };
    let refused = |force: bool, names: &[&str]| {
        let before = snapshot(&dir);
        let o = run(force);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "force {force}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains("iemsim did not write"), "{err}");
        for n in names {
            assert!(err.contains(n), "{n} not named: {err}");
        }
        assert_eq!(snapshot(&dir), before, "force {force}: the folder changed");
    };
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("README.md"), "my notes\n").unwrap();
    refused(false, &["README.md"]);
    refused(true, &["README.md"]);
    assert_eq!(
        fs::read_to_string(dir.join("README.md")).unwrap(),
        "my notes\n"
    );

    // An empty file holds nothing to lose.
    fs::write(dir.join("README.md"), "").unwrap();
    assert!(run(true).status.success());
    let readme = fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(readme.contains("# iemsim demo"), "{readme}");
    // Its own files: refused without --force as the demo's own, replaced with it.
    let o = run(false);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("11 of this demo's files") && err.contains("earlier `iemsim demo`"));
    assert!(run(true).status.success());
    assert_eq!(fs::read_to_string(dir.join("README.md")).unwrap(), readme);

    // Notes added to its README, and a picture of the user's at a chart's name: theirs now.
    fs::write(
        dir.join("README.md"),
        format!("{readme}\nMy notes on part 2.\n"),
    )
    .unwrap();
    let chart = "01-neutral-vs-sibilance.response.png";
    fs::write(dir.join(chart), b"\x89PNG not iemsim's").unwrap();
    refused(true, &["README.md", chart]);
    refused(false, &["README.md", chart, "earlier `iemsim demo`"]);
}

/// A remembered headphone correction (`config set headphones`) changed the demo's audio and
/// numbers, but the README, the table and the `--json` report never said so: the table read
/// "A: neutral" over a column holding the correction's +3 dB at 1 kHz. Now the sides are
/// `NAME + headphone EQ`, the README names the correction file in one line, and the report has a
/// `headphones` field (null without one), as `analyze` has.
#[test]
fn a_remembered_headphone_correction_is_named_in_the_export() {
    let tmp = tempfile::tempdir().unwrap();
    let hp = tmp.path().join("hp.txt");
    fs::write(
        &hp,
        "Preamp: -3 dB\nFilter 1: ON PK Fc 1000 Hz Gain 3 dB Q 1\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_iemsim"))
            .env("IEMSIM_CONFIG_DIR", tmp.path())
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("run iemsim");
        assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
        o
    };
    run(&["config", "set", "headphones", hp.to_str().unwrap()]);
    let export = |name: &str, extra: &[&str]| -> Value {
        let dir = tmp.path().join(name);
        let args = [
            &["demo", "bass", "--export", dir.to_str().unwrap(), "--json"],
            extra,
        ]
        .concat();
        serde_json::from_slice(&run(&args).stdout).expect("JSON")
    };
    let through = export("dh", &[]);
    let plain = export("plain", &["--no-headphones"]);
    assert!(
        s(&through["headphones"]).ends_with("hp.txt"),
        "{}",
        through["headphones"]
    );
    assert_eq!(plain["headphones"], Value::Null);
    // The numbers went through it: neutral's filters are the correction's +3 dB at 1 kHz.
    let neutral_30 = |r: &Value| f(&r["parts"][0]["numbers"][0]["filters_db"]);
    assert_eq!(
        s(&through["parts"][0]["numbers"][0]["measure"]),
        "30 Hz re 1 kHz"
    );
    assert!(
        (neutral_30(&through) + 3.0).abs() < 0.1,
        "{}",
        neutral_30(&through)
    );
    assert!(neutral_30(&plain).abs() < 1e-6);
    let readme = fs::read_to_string(s(&through["readme"])).unwrap();
    let line = readme
        .lines()
        .find(|l| l.starts_with("Headphone correction: "))
        .unwrap_or_else(|| panic!("no line names the correction:\n{readme}"));
    assert!(line.contains(hp.to_str().unwrap()), "{line}");
    assert!(readme.contains("| A: neutral + headphone EQ | B: bass-rolloff + headphone EQ |"));
    assert!(readme.contains("A = ba + headphone EQ"));
    let plain_readme = fs::read_to_string(s(&plain["readme"])).unwrap();
    assert!(
        !plain_readme.contains("headphone EQ") && !plain_readme.contains("Headphone correction")
    );
    assert!(plain_readme.contains("| A: neutral | B: bass-rolloff |"));
}

/// With a per-channel correction, "filters" averaged the channels in dB while "change" is
/// measured on a spectrum that adds them as power: 100 Hz re 1 kHz for neutral read -3.97 dB of
/// filters against a measured -4.91, beyond the "within about half a dB" the text says. The
/// reference figures are numpy's: RBJ cookbook biquads at 44.1 kHz, left +6 dB peak at 1 kHz
/// (Q 1), right -4 dB shelf at 100 Hz (Q 0.7) 1 dB down, |H|² averaged over the two channels.
#[test]
fn per_channel_headphones_filters_sum_the_channels_as_measured() {
    let tmp = tempfile::tempdir().unwrap();
    let hp = tmp.path().join("pc.txt");
    fs::write(
        &hp,
        "Preamp: -3 dB\nChannel: L\nFilter 1: ON PK Fc 1000 Hz Gain 6 dB Q 1\n\
         Channel: R\nPreamp: -1 dB\nFilter 2: ON LSC Fc 100 Hz Gain -4 dB Q 0.7\n",
    )
    .unwrap();
    let dir = tmp.path().join("bass");
    let o = iemsim(
        &[
            "demo",
            "bass",
            "--export",
            dir.to_str().unwrap(),
            "--headphones",
            hp.to_str().unwrap(),
            "--json",
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let report: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let neutral: Vec<&Value> = report["parts"][0]["numbers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["profile"] == "neutral")
        .collect();
    let want = [
        ("30 Hz re 1 kHz", -5.582),
        ("50 Hz re 1 kHz", -5.521),
        ("100 Hz re 1 kHz", -4.982),
    ];
    assert_eq!(neutral.len(), want.len());
    for (n, (measure, db)) in neutral.iter().zip(want) {
        assert_eq!(s(&n["measure"]), measure);
        assert!((f(&n["filters_db"]) - db).abs() < 0.01, "{n}: want {db}");
    }
    for part in report["parts"].as_array().unwrap() {
        for n in part["numbers"].as_array().unwrap() {
            let (c, fl) = (f(&n["change_db"]), f(&n["filters_db"]));
            assert!((c - fl).abs() <= 0.5, "{n}");
        }
    }
}

/// The largest peak `show --json` lists for each of `names` between `lo` and `hi` Hz, at the
/// demo material's rate: (dB, Hz), and each profile's description.
fn show_peaks(names: &[&str], lo: f64, hi: f64) -> Vec<(f64, f64, String)> {
    let args = [
        &["show"],
        names,
        &["--json", "--rate", "44100", "--no-headphones"],
    ]
    .concat();
    let o = iemsim(&args, None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let j: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    j.as_array()
        .expect("one entry per profile")
        .iter()
        .map(|p| {
            let (db, hz) = p["extrema"]
                .as_array()
                .expect("extrema")
                .iter()
                .filter(|e| e["kind"] == "peak" && (lo..hi).contains(&f(&e["hz"])))
                .map(|e| (f(&e["db"]), f(&e["hz"])))
                .fold(
                    (f64::NEG_INFINITY, 0.0),
                    |m, x| if x.0 > m.0 { x } else { m },
                );
            (db, hz, s(&p["profile"]["description"]).to_string())
        })
        .collect()
}

/// What the demo texts and descriptions say, checked against the responses `show` and the export
/// compute: "the DD is fuller around 200 Hz" (ba and dd both peak at +3.7 dB there), a BA peak
/// "near 8 kHz" / "near 8.5 kHz" (`show ba`: 8.14 kHz), filters "comparable with the class means"
/// and a hybrid with "+1.6 at 9-16 kHz" (its profile gives +0.1 there).
#[test]
fn demo_texts_state_what_the_profiles_do() {
    let tmp = tempfile::tempdir().unwrap();
    let treble = show_peaks(&["ba", "dd"], 5000.0, 12_000.0);
    let hump = show_peaks(&["ba", "dd"], 100.0, 500.0);
    let near = |(db, hz): (f64, f64)| match hz >= 1000.0 {
        true => format!("{db:+.1} dB near {:.1} kHz", hz / 1000.0),
        false => format!("{db:+.1} dB near {:.0} Hz", (hz / 10.0).round() * 10.0),
    };
    for (db, hz, description) in &treble {
        let said = format!("peak near {:.1} kHz", hz / 1000.0);
        assert!(
            description.contains(&said),
            "{said}: {description} ({db} dB)"
        );
    }
    assert!(hump[1]
        .2
        .contains(&format!("({})", near((hump[1].0, hump[1].1)))));

    let sig = export_json("signatures", &tmp.path().join("sig"), None);
    let part = |i: usize| s(&sig["parts"][i]["text"]).to_string();
    assert!(part(1).contains(&format!(
        "({} in the profile)",
        near((treble[0].0, treble[0].1))
    )));
    assert!(part(2).contains(&format!(
        "({} in the profile)",
        near((treble[1].0, treble[1].1))
    )));
    let humps = format!(
        "hump, {}, is as high as the BA's, {}",
        near((hump[1].0, hump[1].1)),
        near((hump[0].0, hump[0].1))
    );
    assert!(part(2).contains(&humps), "{humps}: {}", part(2));
    // Band by band, the class profiles' filters (parts 2-4, side B) against the class means in
    // the intro's table: where they differ by more than half a dB, the intro gives the figures.
    let intro = s(&sig["intro"]);
    let filters = |i: usize, band: &str| {
        let numbers = sig["parts"][i]["numbers"].as_array().unwrap();
        let n = numbers
            .iter()
            .find(|n| n["profile"] == sig["parts"][i]["b"] && s(&n["measure"]).starts_with(band))
            .unwrap_or_else(|| panic!("part {i}: no {band}"));
        f(&n["filters_db"])
    };
    let rows: Vec<Vec<f64>> = ["| BA (n=10)", "| DD (n=10)", "| hybrid (n=10)"]
        .iter()
        .map(|row| {
            let line = intro.lines().find(|l| l.starts_with(row)).expect(row);
            line.split('|')
                .skip(2)
                .filter_map(|c| c.split('±').next()?.trim().parse().ok())
                .collect()
        })
        .collect();
    let bands = [
        "20-60 Hz",
        "60-250 Hz",
        "250 Hz-2 kHz",
        "2-5 kHz",
        "5-9 kHz",
        "9-16 kHz",
    ];
    let mut unfollowed = 0;
    for (b, band) in bands.iter().enumerate() {
        let got: Vec<f64> = (1..4).map(|i| filters(i, &format!("{band} re"))).collect();
        if (0..3).all(|k| (got[k] - rows[k][b]).abs() <= 0.5) {
            continue;
        }
        unfollowed += 1;
        let said = format!(
            "at {band} the BA, DD and hybrid profiles give {:+.1}, {:+.1} and {:+.1} dB",
            got[0], got[1], got[2]
        );
        assert!(intro.contains(&said), "{said}: {intro}");
    }
    assert!(unfollowed > 0, "the check found nothing to check");
    let vh = filters(3, "9-16 kHz re");
    let said = format!("gives only {vh:+.1} dB at 9-16 kHz");
    assert!(part(3).contains(&said), "{said}: {}", part(3));

    // The bass demo's BA against DD, from its own filters figures (relative to 1 kHz).
    let bass = export_json("bass", &tmp.path().join("bass"), None);
    let p = &bass["parts"][1];
    let at = |profile: &str, m: &str| {
        let numbers = p["numbers"].as_array().unwrap();
        let n = numbers
            .iter()
            .find(|n| n["profile"] == profile && n["measure"] == m);
        f(&n.expect("measure")["filters_db"])
    };
    let more = |m: &str| at("dd", m) - at("ba", m);
    let said = format!(
        "{:+.1} dB more than the BA at 30 Hz, {:+.1} at 100 Hz",
        more("30 Hz re 1 kHz"),
        more("100 Hz re 1 kHz")
    );
    let text = s(&p["text"]);
    assert!(text.contains(&said), "{said}: {text}");
    let humps = format!(
        "hump (BA {}, DD {})",
        near((hump[0].0, hump[0].1)),
        near((hump[1].0, hump[1].1))
    );
    assert!(text.contains(&humps), "{humps}: {text}");
}

/// Sibilance and bass share `02-ba-vs-dd.*` (and README.md): bass's export into sibilance's
/// folder was refused as "6 of this demo's files … from an earlier `iemsim demo` export", and
/// with --force it replaced sibilance's files and README ("Bass roll-off"), leaving sibilance's
/// `01-*` without one. Another demo's export is refused now, with or without --force, naming
/// the demo that wrote it; the same demo's own export is still replaced with --force.
#[test]
fn another_demos_export_in_the_folder_is_refused_even_with_force() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v1");
    let d = dir.to_str().unwrap();
    let export = |kind: &str, force: bool| {
        let mut args = vec!["demo", kind, "--export", d, "--no-headphones"];
        if force {
            args.push("--force");
        }
        iemsim(&args, None)
    };
    assert!(export("sibilance", false).status.success());
    let before = snapshot(&dir);
    let readme = fs::read_to_string(dir.join("README.md")).unwrap();
    for force in [false, true] {
        let o = export("bass", force);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "force {force}: {err}");
        assert!(err.contains("`iemsim demo sibilance`"), "{err}");
        assert!(err.contains("another folder"), "{err}");
        assert!(!err.contains("use --force"), "{err}");
        assert_eq!(snapshot(&dir), before, "force {force}: the folder changed");
    }
    // Without its README the files' own marks still say whose they are.
    fs::remove_file(dir.join("README.md")).unwrap();
    let o = export("bass", true);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("`iemsim demo sibilance`"), "{err}");
    fs::write(dir.join("README.md"), &readme).unwrap();
    // The same demo's export is its own: replaced with --force.
    assert!(export("sibilance", true).status.success());
    assert_eq!(fs::read_to_string(dir.join("README.md")).unwrap(), readme);
}

/// A line edited in the middle of the demo's README was refused "because its last line is not
/// the one `iemsim demo` ends its README with", though that line was intact: the text above it no
/// longer matched its fingerprint, and the refusal now says that.
#[test]
fn an_edited_readme_is_refused_for_its_edit_not_its_last_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d8");
    let d = dir.to_str().unwrap();
    let args = ["demo", "bass", "--export", d, "--no-headphones", "--force"];
    assert!(iemsim(&args, None).status.success());
    let path = dir.join("README.md");
    let readme = fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = readme.lines().map(str::to_string).collect();
    lines[2].push_str(" X");
    fs::write(&path, lines.join("\n") + "\n").unwrap();
    let o = iemsim(&args, None);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("README.md (it was edited"), "{err}");
    assert!(!err.contains("last line is not"), "{err}");
    // Its last line gone: that is the reason then.
    fs::write(&path, lines[..lines.len() - 1].join("\n") + "\n").unwrap();
    let err = text(&iemsim(&args, None).stderr);
    assert!(err.contains("its last line is not the one"), "{err}");
}

/// A demo export stopped by SIGINT kept the parts it had finished but said only "no partial file
/// was left behind", and `--json` printed nothing. It now counts the files kept on stderr, says
/// the README was not written and how to finish, and `--json` prints its report with
/// `"interrupted": "SIGINT"`, `readme` null and the files kept (exactly those in the folder).
#[test]
fn an_interrupted_demo_export_says_what_it_kept_and_how_to_finish() {
    use std::process::Stdio;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d3");
    let child = Command::new(env!("CARGO_BIN_EXE_iemsim"))
        .args(["demo", "signatures", "--export", dir.to_str().unwrap()])
        .args(["--json", "--no-headphones"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let wavs = || {
        fs::read_dir(&dir).map_or(0, |d| {
            d.filter(|e| {
                let e = e.as_ref().unwrap();
                e.file_name().to_string_lossy().ends_with(".wav")
            })
            .count()
        })
    };
    let start = std::time::Instant::now();
    while wavs() < 2 {
        assert!(start.elapsed().as_secs() < 60, "no WAV written in 60 s");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let o = child.wait_with_output().unwrap();
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(128 + libc::SIGINT), "{err}");
    let left: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!left.contains(&"README.md".to_string()), "{left:?}");
    // signatures: 4 parts of 5 files, and the README.
    let kept = format!("{} of the demo's 21 files kept", left.len());
    assert!(err.contains(&kept), "{kept:?} not in {err}");
    assert!(err.contains("--force to finish"), "{err}");
    let report: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("bad JSON ({e}): {}", text(&o.stdout)));
    assert_eq!(report["interrupted"], "SIGINT");
    assert!(report["readme"].is_null());
    let mut listed: Vec<String> = report["kept"]
        .as_array()
        .unwrap()
        .iter()
        .map(report_name)
        .collect();
    let mut left = left;
    listed.sort();
    left.sort();
    assert_eq!(listed, left);
}

/// The file name of a path in a JSON report.
fn report_name(p: &Value) -> String {
    Path::new(p.as_str().unwrap())
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

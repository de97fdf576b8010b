//! iemsim's CamillaDSP YAML (`iemsim profile convert X -o X.yml`) run in the real CamillaDSP.
//!
//! Two facts from CamillaDSP itself, for every built-in profile, two per-IEM ones, the AutoEq
//! files under tests/fixtures and a file using every filter type:
//! - `camilladsp --check` accepts the written file as it is (it is meant to run unchanged);
//! - with its `devices:` replaced by a raw float file in and out, CamillaDSP's output equals
//!   `iemsim export` of the same profile (32-bit float, `--preamp profile`, no headphone
//!   correction) within -90 dBFS. Both compute RBJ biquads in f64, so what is left is float32
//!   rounding; a wrong preamp, gain, Q or filter type would show as tens of dB.
//!
//! Runs when `camilladsp` is on PATH (.ci/run installs it), prints `SKIPPED:` otherwise, and fails
//! instead when IEMSIM_REQUIRE_CAMILLADSP=1 or IEMSIM_REQUIRE_ALL=1 (CI).

use crate::common::tools;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const RATE: u32 = 48_000;
const FRAMES: usize = 48_000;

fn iemsim(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iemsim"))
        .args(args)
        .current_dir(dir)
        .env("IEMSIM_CONFIG_DIR", dir.join("config"))
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn ok(o: Output, what: &str) -> Output {
    assert!(
        o.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// True when CamillaDSP can be run; otherwise prints why and skips, or fails in CI.
fn camilladsp_here() -> bool {
    let found = Command::new("camilladsp")
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        let why = "camilladsp is not on PATH (.ci/run installs it with cargo install)";
        assert!(
            !tools::required("IEMSIM_REQUIRE_CAMILLADSP"),
            "IEMSIM_REQUIRE_CAMILLADSP=1 or IEMSIM_REQUIRE_ALL=1 but {why}"
        );
        tools::skipped(why);
    }
    found
}

fn camilladsp(args: &[&str], dir: &Path) -> Output {
    Command::new("camilladsp")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Profiles to check: every built-in (as `iemsim profiles --json` lists them), two per-IEM
/// profiles, the AutoEq fixtures, and a TOML file with one filter of each type.
fn profiles(dir: &Path) -> Vec<String> {
    let o = ok(iemsim(&["profiles", "--json"], dir), "profiles --json");
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut names: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    assert!(names.len() >= 7, "{names:?}");
    names.push("iem:moondrop-ssr".into());
    names.push("iem:64-audio-u12t".into());
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/autoeq");
    for f in std::fs::read_dir(&fixtures).unwrap() {
        let p = f.unwrap().path();
        if p.extension().is_some_and(|e| e == "txt") {
            names.push(p.to_str().unwrap().to_string());
        }
    }
    let all = dir.join("all-types.toml");
    std::fs::write(
        &all,
        "name = \"all-types\"\npreamp_db = -7.5\n\
         [[filters]]\ntype = \"high_pass\"\nfc_hz = 35\nq = 0.6\n\
         [[filters]]\ntype = \"low_shelf\"\nfc_hz = 105\ngain_db = 6.5\nq = 0.71\n\
         [[filters]]\ntype = \"peaking\"\nfc_hz = 3100\ngain_db = -4.2\nq = 2.3\n\
         [[filters]]\ntype = \"high_shelf\"\nfc_hz = 9000\ngain_db = -3\nq = 0.5\n\
         [[filters]]\ntype = \"low_pass\"\nfc_hz = 19000\nq = 0.9\n",
    )
    .unwrap();
    names.push(all.to_str().unwrap().to_string());
    // Per-channel: Equalizer APO sections written back as CamillaDSP steps with `channels:`.
    let lr = dir.join("left-right.txt");
    std::fs::write(
        &lr,
        "Preamp: -6 dB\nFilter 1: ON LSC Fc 105 Hz Gain 5 dB Q 0.7\n\
         Channel: L\nFilter 2: ON PK Fc 3000 Hz Gain -3 dB Q 2\n\
         Channel: R\nPreamp: -1 dB\nFilter 3: ON PK Fc 6000 Hz Gain 4 dB Q 3\nFilter 4: ON HSC Fc 10000 Hz Gain -2 dB Q 0.7\n",
    )
    .unwrap();
    names.push(lr.to_str().unwrap().to_string());
    names
}

/// `iemsim profile convert P -o NAME.yml`; returns the file's path.
fn convert(profile: &str, i: usize, dir: &Path) -> PathBuf {
    let yml = dir.join(format!("p{i}.yml"));
    ok(
        iemsim(
            &["profile", "convert", profile, "-o", yml.to_str().unwrap()],
            dir,
        ),
        profile,
    );
    yml
}

#[test]
fn written_configs_pass_camilladsps_own_check() {
    if !camilladsp_here() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (i, p) in profiles(d).iter().enumerate() {
        let yml = convert(p, i, d);
        let o = camilladsp(&["--check", yml.to_str().unwrap()], d);
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success() && out.contains("Config is valid"),
            "{p}: camilladsp --check: {out}{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// A folder holding [`signal`] as `in.raw` (what CamillaDSP reads) and `in.wav` (what iemsim
/// reads), and the signal.
fn signal_files() -> (tempfile::TempDir, Vec<f32>) {
    let dir = tempfile::tempdir().unwrap();
    let input = signal();
    std::fs::write(dir.path().join("in.raw"), f32_bytes(&input)).unwrap();
    std::fs::write(dir.path().join("in.wav"), float_wav(&input)).unwrap();
    (dir, input)
}

/// 1 s of stereo test signal, float32: a 20 Hz-20 kHz exponential sweep on the left, white noise
/// (xorshift) on the right, both at -12 dBFS peak.
fn signal() -> Vec<f32> {
    let mut x: u32 = 0x1234_5678;
    let mut out = Vec::with_capacity(FRAMES * 2);
    let (f0, f1, t1) = (20.0f64, 20_000.0f64, FRAMES as f64 / f64::from(RATE));
    let k = (f1 / f0).ln();
    for n in 0..FRAMES {
        let t = n as f64 / f64::from(RATE);
        let phase = 2.0 * std::f64::consts::PI * f0 * t1 / k * ((t / t1 * k).exp() - 1.0);
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let noise = (f64::from(x) / f64::from(u32::MAX)) * 2.0 - 1.0;
        out.push((0.25 * phase.sin()) as f32);
        out.push((0.25 * noise) as f32);
    }
    out
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|s| s.to_le_bytes()).collect()
}

fn f32s(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// A 32-bit float WAV (WAVE_FORMAT_IEEE_FLOAT) of `v` at [`RATE`].
fn float_wav(v: &[f32]) -> Vec<u8> {
    float_wav_at(v, RATE)
}

/// The same at `rate`.
fn float_wav_at(v: &[f32], rate: u32) -> Vec<u8> {
    let data = f32_bytes(v);
    let mut w = b"RIFF".to_vec();
    w.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    w.extend_from_slice(b"WAVEfmt ");
    w.extend_from_slice(&16u32.to_le_bytes());
    w.extend_from_slice(&3u16.to_le_bytes());
    w.extend_from_slice(&2u16.to_le_bytes());
    w.extend_from_slice(&rate.to_le_bytes());
    w.extend_from_slice(&(rate * 8).to_le_bytes());
    w.extend_from_slice(&8u16.to_le_bytes());
    w.extend_from_slice(&32u16.to_le_bytes());
    w.extend_from_slice(b"data");
    w.extend_from_slice(&(data.len() as u32).to_le_bytes());
    w.extend_from_slice(&data);
    w
}

/// The samples of a 32-bit float WAV written by iemsim (its `data` chunk).
fn wav_samples(w: &[u8]) -> Vec<f32> {
    let at = w.windows(4).position(|c| c == b"data").expect("data chunk");
    let len = u32::from_le_bytes(w[at + 4..at + 8].try_into().unwrap()) as usize;
    f32s(&w[at + 8..at + 8 + len])
}

/// Our YAML with `devices:` reading `in.raw` and writing `out.raw` (float32 stereo, raw).
fn with_file_devices(yml: &Path, out: &Path) {
    let text = std::fs::read_to_string(yml).unwrap();
    let mut config: serde_norway::Value = serde_norway::from_str(&text).unwrap();
    let devices: serde_norway::Value = serde_norway::from_str(&format!(
        "samplerate: {RATE}\nchunksize: 1024\n\
         capture: {{type: RawFile, filename: in.raw, channels: 2, format: F32_LE}}\n\
         playback: {{type: File, filename: {}, channels: 2, format: F32_LE}}\n",
        out.display()
    ))
    .unwrap();
    config["devices"] = devices;
    std::fs::write(
        yml.with_extension("run.yml"),
        serde_norway::to_string(&config).unwrap(),
    )
    .unwrap();
}

#[test]
fn camilladsp_filters_as_iemsim_exports() {
    if !camilladsp_here() {
        return;
    }
    let (dir, input) = signal_files();
    let d = dir.path();
    let mut worst = f64::MIN;
    for (i, p) in profiles(d).iter().enumerate() {
        let yml = convert(p, i, d);
        let out = d.join(format!("p{i}.out.raw"));
        with_file_devices(&yml, &out);
        let run = yml.with_extension("run.yml");
        ok(
            camilladsp(&["-l", "warn", run.to_str().unwrap()], d),
            &format!("camilladsp on {p}"),
        );
        let theirs = f32s(&std::fs::read(&out).unwrap());
        let wav = d.join(format!("p{i}.wav"));
        ok(
            iemsim(
                &[
                    "export",
                    "in.wav",
                    "-p",
                    p,
                    "--preamp",
                    "profile",
                    "--no-headphones",
                    "--bits",
                    "32f",
                    "-q",
                    "-o",
                    wav.to_str().unwrap(),
                ],
                d,
            ),
            &format!("export {p}"),
        );
        let ours = wav_samples(&std::fs::read(&wav).unwrap());
        assert_eq!(ours.len(), input.len(), "{p}: iemsim's length");
        assert_eq!(theirs.len(), input.len(), "{p}: CamillaDSP's length");
        let err = ours
            .iter()
            .zip(&theirs)
            .map(|(a, b)| f64::from((a - b).abs()))
            .fold(0.0, f64::max);
        // The filters changed the signal (not a pass-through on both sides), except `neutral`.
        let changed = ours
            .iter()
            .zip(&input)
            .map(|(a, b)| f64::from((a - b).abs()))
            .fold(0.0, f64::max);
        let db = 20.0 * err.max(1e-300).log10();
        eprintln!(
            "{p}: max |CamillaDSP - iemsim| {db:.1} dBFS (the profile changes the signal by up to {:.1} dBFS)",
            20.0 * changed.max(1e-300).log10()
        );
        worst = worst.max(db);
        if p != "neutral" {
            assert!(changed > 1e-2, "{p}: the output is the input");
        }
        assert!(
            db < -90.0,
            "{p}: CamillaDSP and iemsim differ by {db:.1} dBFS"
        );
    }
    eprintln!("worst: {worst:.1} dBFS");
}

/// The other direction: a configuration written by hand the way CamillaDSP users write them
/// (shelves by `slope` in dB/octave, a peak by `bandwidth` in octaves, a `Gain` in dB, several
/// pipeline steps), read by iemsim (`export -p file.yml`) and run by CamillaDSP. The slope
/// conversion is CamillaDSP's own formula, and a `bandwidth` is kept in octaves and turned into
/// coefficients at the rate in use with the cookbook's digital form as CamillaDSP does, so both
/// agree to float32 rounding (the analogue Q iemsim used before differed by -79 dBFS here).
#[test]
fn camilladsp_and_iemsim_read_a_hand_written_config_alike() {
    if !camilladsp_here() {
        return;
    }
    let (dir, input) = signal_files();
    let d = dir.path();
    let filters = "filters:\n\
        \x20 volume:\n    type: Gain\n    parameters: {gain: -4.5, scale: dB}\n\
        \x20 bass:\n    type: Biquad\n    parameters: {type: Lowshelf, freq: 90, gain: 5, slope: 6}\n\
        \x20 air:\n    type: Biquad\n    parameters: {type: Highshelf, freq: 7000, gain: -2.5, slope: 12}\n\
        \x20 mid:\n    type: Biquad\n    parameters: {type: Peaking, freq: 1000, gain: -3, bandwidth: 1}\n";
    let cases = [
        (
            "shelves",
            "  - type: Filter\n    names: [volume, bass]\n  - type: Filter\n    names: [air]\n",
            -90.0,
        ),
        (
            "peak-bandwidth",
            "  - type: Filter\n    names: [mid]\n",
            -90.0,
        ),
    ];
    for (name, pipeline, limit) in cases {
        let yml = d.join(format!("{name}.yml"));
        std::fs::write(
            &yml,
            format!("devices: {{samplerate: {RATE}, chunksize: 1024, capture: {{type: Stdin, channels: 2, format: S32_LE}}, playback: {{type: Stdout, channels: 2, format: S32_LE}}}}\n{filters}pipeline:\n{pipeline}"),
        )
        .unwrap();
        let out = d.join(format!("{name}.out.raw"));
        with_file_devices(&yml, &out);
        let run = yml.with_extension("run.yml");
        ok(
            camilladsp(&["-l", "warn", run.to_str().unwrap()], d),
            &format!("camilladsp on {name}"),
        );
        let theirs = f32s(&std::fs::read(&out).unwrap());
        let wav = d.join(format!("{name}.wav"));
        let yml_arg = yml.to_str().unwrap();
        let wav_arg = wav.to_str().unwrap();
        let args = [
            "export",
            "in.wav",
            "-p",
            yml_arg,
            "--preamp",
            "profile",
            "--no-headphones",
            "--bits",
            "32f",
            "-q",
            "-o",
            wav_arg,
        ];
        ok(iemsim(&args, d), &format!("export {name}"));
        let ours = wav_samples(&std::fs::read(&wav).unwrap());
        assert_eq!((ours.len(), theirs.len()), (input.len(), input.len()));
        let err = ours
            .iter()
            .zip(&theirs)
            .map(|(a, b)| f64::from((a - b).abs()))
            .fold(0.0, f64::max);
        let db = 20.0 * err.max(1e-300).log10();
        let changed = ours
            .iter()
            .zip(&input)
            .map(|(a, b)| f64::from((a - b).abs()))
            .fold(0.0, f64::max);
        eprintln!("{name}: max |CamillaDSP - iemsim| {db:.1} dBFS");
        assert!(db < limit, "{name}: {db:.1} dBFS");
        assert!(changed > 1e-2, "{name}: the output is the input");
    }
}

/// CamillaDSP's channel selection, run in CamillaDSP itself: a step's `channels:` applies its
/// filters and gains to those channels only, the other channel keeps what its own steps give it.
/// iemsim's export of the same file equals CamillaDSP's output on both channels (float32
/// rounding); before per-channel support, `channels: [0]` filtered the right channel too. The
/// 2.x layout (`channel: N`, one step per channel) is checked too when this CamillaDSP still
/// accepts it; iemsim reads it as 2.x applied it, one channel per step.
#[test]
fn camilladsp_and_iemsim_apply_per_channel_steps_alike() {
    if !camilladsp_here() {
        return;
    }
    let (dir, input) = signal_files();
    let d = dir.path();
    let filters = "filters:\n\
        \x20 volume: {type: Gain, parameters: {gain: -4.5, scale: dB}}\n\
        \x20 trim: {type: Gain, parameters: {gain: 2, scale: dB}}\n\
        \x20 bass: {type: Biquad, parameters: {type: Lowshelf, freq: 90, gain: 5, q: 0.7}}\n\
        \x20 bell: {type: Biquad, parameters: {type: Peaking, freq: 1000, gain: 6, q: 1.5}}\n\
        \x20 air: {type: Biquad, parameters: {type: Highshelf, freq: 7000, gain: -3, q: 0.7}}\n";
    let cases = [
        (
            "left-only",
            "  - {type: Filter, channels: [0], names: [bell, bass]}\n",
        ),
        (
            "right-only",
            "  - {type: Filter, channels: [1], names: [trim, air]}\n",
        ),
        (
            "each-its-own",
            "  - {type: Filter, names: [volume]}\n  - {type: Filter, channels: [0], names: [bell]}\n  - {type: Filter, channels: [1], names: [trim, air, bass]}\n",
        ),
        (
            "both-listed",
            "  - {type: Filter, channels: [0, 1], names: [bell]}\n  - {type: Filter, channels: [1], names: [air]}\n",
        ),
        (
            "camilladsp-2x",
            "  - {type: Filter, channel: 0, names: [bell]}\n  - {type: Filter, channel: 1, names: [bell]}\n",
        ),
    ];
    for (name, pipeline) in cases {
        let yml = d.join(format!("{name}.yml"));
        std::fs::write(
            &yml,
            format!("devices: {{samplerate: {RATE}, chunksize: 1024, capture: {{type: Stdin, channels: 2, format: S32_LE}}, playback: {{type: Stdout, channels: 2, format: S32_LE}}}}\n{filters}pipeline:\n{pipeline}"),
        )
        .unwrap();
        let out = d.join(format!("{name}.out.raw"));
        with_file_devices(&yml, &out);
        let run = yml.with_extension("run.yml");
        let theirs = camilladsp(&["-l", "warn", run.to_str().unwrap()], d);
        if name == "camilladsp-2x" && !theirs.status.success() {
            eprintln!(
                "{name}: this CamillaDSP refuses the 2.x layout ({}); iemsim reads it as 2.x did",
                String::from_utf8_lossy(&theirs.stderr).trim()
            );
            continue;
        }
        ok(theirs, &format!("camilladsp on {name}"));
        let theirs = f32s(&std::fs::read(&out).unwrap());
        let wav = d.join(format!("{name}.wav"));
        let args = [
            "export",
            "in.wav",
            "-p",
            yml.to_str().unwrap(),
            "--preamp",
            "profile",
            "--no-headphones",
            "--bits",
            "32f",
            "-q",
            "-o",
            wav.to_str().unwrap(),
        ];
        ok(iemsim(&args, d), &format!("export {name}"));
        let ours = wav_samples(&std::fs::read(&wav).unwrap());
        assert_eq!((ours.len(), theirs.len()), (input.len(), input.len()));
        for c in 0..2 {
            let pick = |v: &[f32]| v.iter().skip(c).step_by(2).copied().collect::<Vec<f32>>();
            let (o, t, i) = (pick(&ours), pick(&theirs), pick(&input));
            let diff = |a: &[f32], b: &[f32]| {
                a.iter()
                    .zip(b)
                    .map(|(x, y)| f64::from((x - y).abs()))
                    .fold(0.0, f64::max)
            };
            let db = 20.0 * diff(&o, &t).max(1e-300).log10();
            eprintln!("{name} channel {c}: max |CamillaDSP - iemsim| {db:.1} dBFS");
            assert!(db < -90.0, "{name} channel {c}: {db:.1} dBFS");
            // A channel no step names is CamillaDSP's input, and iemsim's.
            let untouched = (name == "left-only" && c == 1) || (name == "right-only" && c == 0);
            assert_eq!(diff(&o, &i) == 0.0, untouched, "{name} channel {c}");
        }
    }
}

/// Peaks given by `bandwidth` at 1, 8, 12 and 16 kHz, at 44.1, 48 and 96 kHz: CamillaDSP and
/// iemsim give the same output to float32 rounding at every rate (CamillaDSP computes the
/// bandwidth's α at the rate in use; a Q fixed once differs by up to 1.4 dB at 12 kHz).
#[test]
fn bandwidth_peaks_match_camilladsp_at_every_rate() {
    if !camilladsp_here() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = signal();
    std::fs::write(d.join("in.raw"), f32_bytes(&input)).unwrap();
    for rate in [44_100u32, 48_000, 96_000] {
        std::fs::write(d.join("in.wav"), float_wav_at(&input, rate)).unwrap();
        let yml = d.join(format!("bw{rate}.yml"));
        let out = d.join(format!("bw{rate}.out.raw"));
        std::fs::write(
            &yml,
            format!(
                "devices:\n  samplerate: {rate}\n  chunksize: 1024\n  \
                 capture: {{type: RawFile, filename: in.raw, channels: 2, format: F32_LE}}\n  \
                 playback: {{type: File, filename: {}, channels: 2, format: F32_LE}}\n\
                 filters:\n\
                 \x20 a: {{type: Biquad, parameters: {{type: Peaking, freq: 1000, gain: 6, bandwidth: 1}}}}\n\
                 \x20 b: {{type: Biquad, parameters: {{type: Peaking, freq: 8000, gain: -5, bandwidth: 0.7}}}}\n\
                 \x20 c: {{type: Biquad, parameters: {{type: Peaking, freq: 12000, gain: 6, bandwidth: 1}}}}\n\
                 \x20 e: {{type: Biquad, parameters: {{type: Peaking, freq: 16000, gain: -4, bandwidth: 2}}}}\n\
                 pipeline:\n  - {{type: Filter, names: [a, b, c, e]}}\n",
                out.display()
            ),
        )
        .unwrap();
        ok(
            camilladsp(&["-l", "warn", yml.to_str().unwrap()], d),
            &format!("camilladsp at {rate} Hz"),
        );
        let theirs = f32s(&std::fs::read(&out).unwrap());
        let wav = d.join(format!("bw{rate}.wav"));
        let args = [
            "export",
            "in.wav",
            "-p",
            yml.to_str().unwrap(),
            "--preamp",
            "profile",
            "--no-headphones",
            "--bits",
            "32f",
            "-q",
            "-o",
            wav.to_str().unwrap(),
        ];
        ok(iemsim(&args, d), &format!("export at {rate} Hz"));
        let ours = wav_samples(&std::fs::read(&wav).unwrap());
        assert_eq!((ours.len(), theirs.len()), (input.len(), input.len()));
        let err = ours
            .iter()
            .zip(&theirs)
            .map(|(a, b)| f64::from((a - b).abs()))
            .fold(0.0, f64::max);
        let db = 20.0 * err.max(1e-300).log10();
        eprintln!("bandwidth peaks at {rate} Hz: max |CamillaDSP - iemsim| {db:.1} dBFS");
        assert!(db < -90.0, "{rate} Hz: {db:.1} dBFS");
    }
}

/// A 4-channel configuration through Equalizer APO text and back (`yml -> txt -> yml`) runs in
/// CamillaDSP exactly as the original does, channel by channel, and states 4 channels. Equalizer
/// APO's `Channel:` lines name only the channels with filters of their own: a configuration
/// filtering channels 1 and 2 alike came back as a stereo one (and read as every channel's
/// filters, so CamillaDSP filtered channels 3 and 4 too), one filtering 1 to 3 as a 3-channel one.
#[test]
fn four_channels_survive_equalizer_apo_text() {
    if !camilladsp_here() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Four channels of independent white noise (xorshift), -12 dBFS peak.
    let mut x: u32 = 0x9e37_79b9;
    let input: Vec<f32> = (0..FRAMES * 4)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (0.25 * ((f64::from(x) / f64::from(u32::MAX)) * 2.0 - 1.0)) as f32
        })
        .collect();
    std::fs::write(d.join("in.raw"), f32_bytes(&input)).unwrap();
    let devices = |out: &str| {
        format!(
            "devices: {{samplerate: {RATE}, chunksize: 1024, \
             capture: {{type: RawFile, filename: in.raw, channels: 4, format: F32_LE}}, \
             playback: {{type: File, filename: {out}, channels: 4, format: F32_LE}}}}\n"
        )
    };
    let filters = "filters:\n\
        \x20 bass: {type: Biquad, parameters: {type: Lowshelf, freq: 90, gain: 5, q: 0.7}}\n\
        \x20 bell: {type: Biquad, parameters: {type: Peaking, freq: 1000, gain: 6, q: 1.5}}\n\
        \x20 air: {type: Biquad, parameters: {type: Highshelf, freq: 7000, gain: -3, q: 0.7}}\n\
        \x20 dip: {type: Biquad, parameters: {type: Peaking, freq: 3000, gain: -4, q: 2}}\n";
    let cases = [
        ("front-pair", "  - {type: Filter, channels: [0, 1], names: [bell]}\n"),
        (
            "three-of-four",
            "  - {type: Filter, channels: [0, 1], names: [bell]}\n  - {type: Filter, channels: [2], names: [bass]}\n",
        ),
        (
            "each-its-own",
            "  - {type: Filter, channels: [0], names: [bell]}\n  - {type: Filter, channels: [1], names: [air]}\n  \
             - {type: Filter, channels: [2], names: [bass]}\n  - {type: Filter, channels: [3], names: [dip]}\n",
        ),
    ];
    for (name, pipeline) in cases {
        let original = d.join(format!("{name}.yml"));
        let body = format!("{filters}pipeline:\n{pipeline}");
        let out = format!("{name}.out.raw");
        std::fs::write(&original, format!("{}{body}", devices(&out))).unwrap();
        let (txt, back) = (
            d.join(format!("{name}.txt")),
            d.join(format!("{name}.back.yml")),
        );
        for (from, to) in [(&original, &txt), (&txt, &back)] {
            let args = [
                "profile",
                "convert",
                from.to_str().unwrap(),
                "-o",
                to.to_str().unwrap(),
            ];
            ok(
                iemsim(&args, d),
                &format!("{name}: convert to {}", to.display()),
            );
        }
        // As written: valid, and 4 channels (read by the YAML parser, not iemsim).
        let check = camilladsp(&["--check", back.to_str().unwrap()], d);
        assert!(
            check.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&check.stdout)
        );
        let text = std::fs::read_to_string(&back).unwrap();
        let config: serde_norway::Value = serde_norway::from_str(&text).unwrap();
        assert_eq!(
            config["devices"]["capture"]["channels"].as_u64(),
            Some(4),
            "{name}:\n{text}"
        );
        // Run both on the same 4-channel file.
        let back_out = format!("{name}.back.out.raw");
        let mut config = config;
        config["devices"] = serde_norway::from_str::<serde_norway::Value>(&devices(&back_out))
            .unwrap()["devices"]
            .clone();
        let run = d.join(format!("{name}.back.run.yml"));
        std::fs::write(&run, serde_norway::to_string(&config).unwrap()).unwrap();
        for yml in [&original, &run] {
            ok(
                camilladsp(&["-l", "warn", yml.to_str().unwrap()], d),
                &format!("camilladsp {name}"),
            );
        }
        let (a, b) = (
            std::fs::read(d.join(&out)).unwrap(),
            std::fs::read(d.join(&back_out)).unwrap(),
        );
        let (a, b) = (f32s(&a), f32s(&b));
        assert_eq!(a.len(), input.len(), "{name}");
        for c in 0..4 {
            let pick = |v: &[f32]| v.iter().skip(c).step_by(4).copied().collect::<Vec<f32>>();
            let diff = (pick(&a).iter().zip(pick(&b)))
                .map(|(x, y)| f64::from((x - y).abs()))
                .fold(0.0, f64::max);
            let db = 20.0 * diff.max(1e-300).log10();
            eprintln!(
                "{name} channel {}: max |original - round trip| {db:.1} dBFS",
                c + 1
            );
            assert!(
                db < -120.0,
                "{name} channel {}: {db:.1} dBFS\n{text}",
                c + 1
            );
        }
    }
}

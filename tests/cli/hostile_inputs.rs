//! The hostile-input corpus of issue 20: one case per item, each ending in correct output or a
//! one-line refusal (exit 2), or exit 1 for a machine failure, within a time bound.

use crate::common::cli;
use crate::common::tools;

use cli::{command, run_with_config, stderr, text};
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

/// `iemsim ARGS` in `dir` (empty settings), killed after `limit` (a hang is a failure).
fn bounded(args: &[&str], dir: &Path, config: Option<&Path>, limit: Duration) -> Output {
    let empty = dir.join("no-config");
    let mut child = command()
        .args(args)
        .current_dir(dir)
        .env("IEMSIM_CONFIG_DIR", config.unwrap_or(&empty))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run iemsim");
    let t0 = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if t0.elapsed() > limit {
            let _ = child.kill();
            let o = child.wait_with_output().expect("output");
            panic!(
                "iemsim {args:?} still running after {limit:?}: {}",
                stderr(&o)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn iemsim(args: &[&str], dir: &Path) -> Output {
    run_with_config(args, dir, None)
}

/// An Equalizer APO file of `filters` lines.
fn eqapo(filters: impl IntoIterator<Item = String>) -> String {
    let mut s = String::from("Preamp: 0 dB\n");
    for (i, f) in filters.into_iter().enumerate() {
        s.push_str(&format!("Filter {}: ON {f}\n", i + 1));
    }
    s
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A short tone WAV at `rate` Hz in `dir`.
fn tone(dir: &Path, name: &str, rate: u32) {
    let rate = rate.to_string();
    let o = iemsim(
        &[
            "generate",
            "tone",
            "--freq",
            "1000",
            "--seconds",
            "1",
            "--rate",
            &rate,
            "-o",
            name,
        ],
        dir,
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

// Item 4: what a profile can do in total.

#[test]
fn item4_more_than_1000_filters_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let many = eqapo((0..1001).map(|i| format!("PK Fc {} Hz Gain 0.01 dB Q 1", 100 + i)));
    std::fs::write(d.join("many.txt"), many).unwrap();
    let o = iemsim(&["show", "many.txt"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("1000"), "{}", stderr(&o));
}

#[test]
fn item4_a_cascade_boosting_beyond_the_cap_is_refused_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tone(d, "in.wav", 48_000);
    let loud = eqapo((0..400).map(|_| "PK Fc 1000 Hz Gain 29.9 dB Q 1".to_string()));
    std::fs::write(d.join("loud.txt"), loud).unwrap();
    let o = iemsim(&["export", "in.wav", "-p", "loud.txt", "--bits", "32f"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("loud.txt") && stderr(&o).contains("60 dB"),
        "{}",
        stderr(&o)
    );
    assert_eq!(files_in(d), ["in.wav", "loud.txt"]);
}

/// 500 boosts then 500 equal cuts: a flat response (so within the caps), whose first half
/// overflows the samples to infinity. The writer refuses them (exit 1) and leaves no file.
#[test]
fn item4_a_non_finite_sample_is_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tone(d, "in.wav", 48_000);
    let up = (0..500).map(|_| "PK Fc 1000 Hz Gain 29.9 dB Q 1".to_string());
    let down = (0..500).map(|_| "PK Fc 1000 Hz Gain -29.9 dB Q 1".to_string());
    std::fs::write(d.join("flat.txt"), eqapo(up.chain(down))).unwrap();
    for bits in ["32f", "16"] {
        let o = bounded(
            &[
                "export", "in.wav", "-p", "flat.txt", "--bits", bits, "-o", "out.wav",
            ],
            d,
            None,
            Duration::from_secs(60),
        );
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(stderr(&o).contains("overflowed"), "{}", stderr(&o));
        assert_eq!(files_in(d), ["flat.txt", "in.wav"], "{bits}");
    }
}

/// Float input near the top of the 32-bit range, boosted: finite in f64 (the cascade's
/// precision), infinite once written as 32-bit float. Refused like any overflow (every sample
/// of the output was infinite, exit 0).
#[test]
fn a_sample_beyond_the_float_range_is_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 44_100,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(d.join("huge.wav"), spec).unwrap();
    for _ in 0..40_000 {
        w.write_sample(3e38_f32).unwrap();
    }
    w.finalize().unwrap();
    let args = [
        "export", "huge.wav", "-p", "v-hybrid", "--preamp", "3", "--bits", "32f",
    ];
    let o = iemsim(&[&args[..], &["-o", "o.wav"]].concat(), d);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("32-bit float range"), "{}", stderr(&o));
    assert_eq!(files_in(d), ["huge.wav"]);
}

// Item 5: one Nyquist rule, one message, in every command.

#[test]
fn item5_every_command_refuses_a_filter_above_nyquist_alike() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tone(d, "in.wav", 16_000);
    std::fs::write(
        d.join("high.txt"),
        "Preamp: -1 dB\nFilter 1: ON PK Fc 1000 Hz Gain 1 dB Q 1\nFilter 2: ON PK Fc 9000 Hz Gain 3 dB Q 1\n",
    )
    .unwrap();
    let msg =
        "high.txt:3: Fc: 9000 Hz is at or above the Nyquist frequency (8000 Hz) of 16000 Hz audio";
    let runs: [&[&str]; 5] = [
        &["export", "in.wav", "-p", "high.txt"],
        &["analyze", "in.wav", "-p", "high.txt"],
        &[
            "abx",
            "in.wav",
            "-a",
            "high.txt",
            "-b",
            "ba",
            "--no-tui",
            "--answers",
            "a",
        ],
        &[
            "play",
            "in.wav",
            "-a",
            "high.txt",
            "-b",
            "ba",
            "--no-tui",
            "--duration",
            "1",
        ],
        // A folder: the rule applies to each file at its own rate.
        &["export", ".", "-p", "high.txt", "--out-dir", "out"],
    ];
    std::fs::create_dir(d.join("out")).unwrap();
    for args in runs {
        let o = bounded(args, d, None, Duration::from_secs(60));
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(msg), "{args:?}: {}", stderr(&o));
    }
    assert!(files_in(&d.join("out")).is_empty());
    // Standard input's rate is known once its header is read: the same refusal, before any
    // output exists.
    let o = command()
        .args(["export", "-", "-p", "high.txt", "-o", "piped.wav"])
        .current_dir(d)
        .env("IEMSIM_CONFIG_DIR", d.join("no-config"))
        .stdin(std::fs::File::open(d.join("in.wav")).unwrap())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "stdin: {}", stderr(&o));
    assert!(stderr(&o).contains(msg), "stdin: {}", stderr(&o));
    assert!(!d.join("piped.wav").exists());
}

/// oratory1990's HD 650 `ParametricEQ.txt` (AutoEq) has `PK Fc 22050 Hz`, exactly the Nyquist
/// frequency of 44.1 kHz, where a peak is the identity: every command refused the file at
/// 44.1 kHz. Now it is accepted with that filter left out (`show`'s response is the other nine
/// filters'), and a low shelf exactly at Nyquist (a broadband gain) is still refused.
#[test]
fn item5_a_peak_exactly_at_nyquist_is_accepted_by_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tone(d, "in.wav", 44_100);
    let lines = [
        "Filter 1: ON PK Fc 31 Hz Gain 6.8 dB Q 0.92",
        "Filter 2: ON PK Fc 2021 Hz Gain 2.0 dB Q 3.03",
        "Filter 3: ON PK Fc 5288 Hz Gain 3.4 dB Q 1.28",
        "Filter 4: ON PK Fc 18694 Hz Gain -7.8 dB Q 0.82",
        "Filter 5: ON PK Fc 22050 Hz Gain 2.2 dB Q 1.76",
        "Filter 6: ON PK Fc 62 Hz Gain 2.0 dB Q 2.42",
        "Filter 7: ON PK Fc 178 Hz Gain -2.3 dB Q 0.90",
        "Filter 8: ON PK Fc 3126 Hz Gain -1.2 dB Q 5.51",
        "Filter 9: ON PK Fc 4182 Hz Gain 2.0 dB Q 10.06",
        "Filter 10: ON PK Fc 12877 Hz Gain 1.3 dB Q 4.48",
    ];
    std::fs::write(d.join("hd650.txt"), lines.join("\n")).unwrap();
    let nine: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| !l.contains("22050"))
        .collect();
    std::fs::write(d.join("nine.txt"), nine.join("\n")).unwrap();
    let runs: [&[&str]; 4] = [
        &["show", "hd650.txt", "--rate", "44100"],
        &["export", "in.wav", "-p", "hd650.txt", "-o", "out.wav"],
        &[
            "export",
            "in.wav",
            "-p",
            "ba",
            "--headphones",
            "hd650.txt",
            "-o",
            "hp.wav",
        ],
        &["analyze", "in.wav", "-p", "hd650.txt"],
    ];
    for args in runs {
        let o = bounded(args, d, None, Duration::from_secs(60));
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("warning"), "{args:?}: {}", stderr(&o));
    }
    let show = |file: &str| {
        let o = iemsim(&["show", file, "--rate", "44100", "--json"], d);
        assert!(o.status.success(), "{}", stderr(&o));
        let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        (j["response"].clone(), j["max_boost_db"].clone())
    };
    assert_eq!(show("hd650.txt"), show("nine.txt"));
    std::fs::write(
        d.join("ls.txt"),
        "Filter 1: ON LSC Fc 22050 Hz Gain 2.2 dB Q 0.7\n",
    )
    .unwrap();
    let o = iemsim(&["show", "ls.txt", "--rate", "44100"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("ls.txt:1: Fc: 22050 Hz is at or above the Nyquist frequency (22050 Hz) of 44100 Hz audio"),
        "{}",
        stderr(&o)
    );
}

/// A built-in profile is made for every rate, so its filter above a low rate's Nyquist frequency
/// is dropped (refusing would make the built-ins unusable on 16 kHz speech), but never silently:
/// every command says the same sentence.
#[test]
fn item5_every_command_warns_alike_when_a_builtin_filter_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tone(d, "in.wav", 16_000);
    // `ba`'s 8.6 kHz peak cannot exist at 16 kHz.
    let msg = "iemsim: warning: profile 'ba' filter 4 (PK 8605 Hz) dropped: fc 8605 Hz is at or above the Nyquist frequency (8000 Hz) of 16000 Hz audio";
    let runs: [&[&str]; 3] = [
        &["export", "in.wav", "-p", "ba", "-q"],
        &["analyze", "in.wav", "-p", "ba"],
        &[
            "abx",
            "in.wav",
            "-a",
            "ba",
            "-b",
            "dd",
            "--no-tui",
            "--answers",
            "a",
            "--log",
            "x.log",
        ],
    ];
    for args in runs {
        let o = bounded(args, d, None, Duration::from_secs(60));
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(msg), "{args:?}: {}", stderr(&o));
    }
}

// Item 8: the built-in sample stands in only for an omitted INPUT.

#[test]
fn item8_a_typed_samples_path_is_never_the_builtin_sample() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = iemsim(&["export", "samples/music.wav", "-p", "ba"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("samples/music.wav"), "{}", stderr(&o));
    assert!(files_in(d).is_empty(), "{:?}", files_in(d));
    // Without INPUT, the built-in sample it is.
    let o = iemsim(&["analyze", "--json"], d);
    assert!(o.status.success(), "{}", stderr(&o));
}

// Item 7: the built-in and `iem:` names are iemsim's.

#[test]
fn item7_a_user_profile_cannot_take_an_iem_name() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = d.join("config");
    std::fs::create_dir_all(config.join("profiles")).unwrap();
    std::fs::write(
        config.join("profiles/fake.toml"),
        "name = \"iem:moondrop-ssr\"\ndescription = \"USER COPY\"\n\n[[filters]]\ntype = \"peaking\"\nfc_hz = 1000\ngain_db = 12\nq = 1\n",
    )
    .unwrap();
    let o = run_with_config(&["show", "iem:moondrop-ssr", "--json"], d, Some(&config));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !text(&o.stdout).contains("USER COPY"),
        "{}",
        text(&o.stdout)
    );
    let o = run_with_config(&["profiles"], d, Some(&config));
    assert!(o.status.success(), "{}", stderr(&o));
    let all = format!("{}{}", text(&o.stdout), stderr(&o));
    assert!(
        all.contains("fake.toml") && all.contains("starts with 'iem:'"),
        "{all}"
    );
}

// Item 13: output names come from sanitised, portable components.

#[test]
fn item13_a_profile_name_never_steers_the_output_path() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("a/b/c")).unwrap();
    tone(&d.join("a/b/c"), "in.wav", 48_000);
    std::fs::write(
        d.join("evil.toml"),
        "name = \"../../../escaped\"\n\n[[filters]]\ntype = \"peaking\"\nfc_hz = 1000\ngain_db = 1\nq = 1\n",
    )
    .unwrap();
    let o = iemsim(&["export", "a/b/c/in.wav", "-p", "evil.toml"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    // Named after the file the user gave, in the input's folder, nowhere else.
    assert_eq!(files_in(&d.join("a/b/c")), ["in.evil.wav", "in.wav"]);
    assert_eq!(files_in(d), ["a", "evil.toml"]);
}

#[test]
fn item13_per_iem_outputs_have_portable_names_and_old_ones_are_still_recognised() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tone(d, "in.wav", 48_000);
    let o = iemsim(&["export", "in.wav", "-p", "iem:moondrop-ssr"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(files_in(d), ["in.iem-moondrop-ssr.wav", "in.wav"]);
    // An output of an earlier version (`x.iem:SLUG.wav`) and of this one are not inputs.
    std::fs::copy(d.join("in.wav"), d.join("old.iem:moondrop-ssr.wav")).unwrap();
    std::fs::create_dir(d.join("out")).unwrap();
    let o = iemsim(&["export", ".", "-p", "ba", "--out-dir", "out"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(files_in(&d.join("out")), ["in.ba.wav"]);
}

#[test]
fn portable_names_unit() {
    // The rule itself, through the library.
    use iemsim::render::listing::portable_name;
    assert_eq!(portable_name("iem:moondrop-ssr"), "iem-moondrop-ssr");
    assert_eq!(portable_name("a*b?c\"d<e>f|g\\h/i"), "a-b-c-d-e-f-g-h-i");
    assert_eq!(portable_name("warm. . "), "warm");
    assert_eq!(portable_name("x\u{1b}]0;t\u{7}y"), "x-]0;t-y");
    assert_eq!(portable_name(".."), "profile");
    // Windows refuses a device name as a file's first part, whatever follows it.
    use iemsim::render::listing::not_reserved;
    for (stem, out) in [
        ("CON", "CON_"),
        ("con.take2", "con_.take2"),
        ("Com7", "Com7_"),
        ("lpt1 ", "lpt1 _"),
        ("CONSOLE", "CONSOLE"),
        ("COM10", "COM10"),
        ("song", "song"),
    ] {
        assert_eq!(not_reserved(stem.into()), out);
    }
    // A long name keeps its start and a hash of the whole, so long names stay apart.
    let (a, b) = ("z".repeat(100) + "1", "z".repeat(100) + "2");
    let (pa, pb) = (portable_name(&a), portable_name(&b));
    assert!(pa.len() <= 80 && pa.starts_with(&"z".repeat(71)) && pa.as_bytes()[71] == b'~');
    assert_ne!(pa, pb);
    assert_eq!(
        portable_name(&"é".repeat(50)).len(),
        70 + 9,
        "cut at a character"
    );
}

/// Two inputs whose long names differ only past the cut get outputs of their own (both were cut
/// to the same 80 bytes and the export refused), each name within 255 bytes.
#[test]
fn long_input_names_that_differ_late_get_distinct_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("in")).unwrap();
    let long = "z".repeat(200);
    for n in ["1", "2"] {
        tone(&d.join("in"), &format!("{long}{n}.wav"), 48_000);
    }
    let o = iemsim(
        &["export", "in", "-p", "iem:moondrop-ssr", "--out-dir", "out"],
        d,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let outs = files_in(&d.join("out"));
    assert_eq!(outs.len(), 2, "{outs:?}");
    assert!(outs
        .iter()
        .all(|n| n.len() <= 255 && n.starts_with(&"z".repeat(100))));
}

// Item 16: `--force` replaces the contents, not the permissions.

#[cfg(unix)]
#[test]
fn item16_force_keeps_the_replaced_files_permission_bits() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tone(d, "in.wav", 48_000);
    std::fs::write(d.join("out.wav"), b"old").unwrap();
    std::fs::set_permissions(d.join("out.wav"), std::fs::Permissions::from_mode(0o600)).unwrap();
    let o = iemsim(
        &["export", "in.wav", "-p", "ba", "-o", "out.wav", "--force"],
        d,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let mode = std::fs::metadata(d.join("out.wav"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(std::fs::metadata(d.join("out.wav")).unwrap().len() > 1000);
}

// Item 11: only regular files, only up to a size; nothing hangs or grows memory.

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let o = std::process::Command::new("mkfifo").arg(path).output();
    assert!(o.is_ok_and(|o| o.status.success()), "mkfifo {path:?}");
}

#[cfg(unix)]
#[test]
fn item11_fifos_and_devices_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    mkfifo(&d.join("p.txt"));
    mkfifo(&d.join("m.csv"));
    let limit = Duration::from_secs(20);
    let o = bounded(&["show", "p.txt"], d, None, limit);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("p.txt") && stderr(&o).contains("not a regular file"),
        "{}",
        stderr(&o)
    );
    let o = bounded(&["fit", "m.csv"], d, None, limit);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("FIFO"), "{}", stderr(&o));
    // A config.toml that is a FIFO hung every command: now one that cannot be read is ignored
    // for the run (as an unreadable config folder is), said in one line (it was silent, so a
    // remembered headphone correction was dropped unsaid), and reported by `config`.
    let config = d.join("config");
    std::fs::create_dir(&config).unwrap();
    mkfifo(&config.join("config.toml"));
    let o = bounded(
        &["export", "-p", "ba", "-o", "x.wav"],
        d,
        Some(&config),
        limit,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("config.toml")
            && stderr(&o).contains("FIFO")
            && stderr(&o).contains("not used for this run"),
        "{}",
        stderr(&o)
    );
    let o = bounded(&["config", "get", "headphones"], d, Some(&config), limit);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("config.toml") && stderr(&o).contains("FIFO"),
        "{}",
        stderr(&o)
    );
    // A FIFO or folder named like a profile in the user's folder is reported, not left out
    // silently (nor waited for).
    let profiles = config.join("profiles");
    std::fs::create_dir(&profiles).unwrap();
    mkfifo(&profiles.join("f.toml"));
    std::fs::create_dir(profiles.join("d.txt")).unwrap();
    let o = bounded(&["profiles"], d, Some(&config), limit);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for says in [
        "f.toml: cannot read the profile: is a FIFO",
        "d.txt: cannot read the profile: is a folder",
    ] {
        assert!(stderr(&o).contains(says), "{}", stderr(&o));
    }
}

/// A 1 GB (sparse) `.txt` in the profile folder: `-p ba` neither reads it nor waits for it, under
/// a 600 MB address-space cap (the whole file was read, 2.1 GB, on every run).
#[cfg(unix)]
#[test]
fn item11_a_huge_file_in_the_profile_folder_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = d.join("config");
    std::fs::create_dir_all(config.join("profiles")).unwrap();
    let f = std::fs::File::create(config.join("profiles/huge.txt")).unwrap();
    f.set_len(1 << 30).unwrap();
    let bin = env!("CARGO_BIN_EXE_iemsim");
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v 600000; exec '{bin}' show ba --json"))
        .current_dir(d)
        .env("IEMSIM_CONFIG_DIR", &config)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v 600000; exec '{bin}' profiles"))
        .current_dir(d)
        .env("IEMSIM_CONFIG_DIR", &config)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("huge.txt") && stderr(&o).contains("1.0 GB"),
        "{}",
        stderr(&o)
    );
}

// Item 12: what a file says is shown, never obeyed by the terminal.

#[test]
fn item12_control_characters_from_files_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("osc.toml"),
        "name = \"x\\u001b]0;pwned\\u0007y\\rz\"\ndescription = \"d\\u001b[2J\"\n\n[[filters]]\ntype = \"peaking\"\nfc_hz = 1000\ngain_db = 1\nq = 1\n",
    )
    .unwrap();
    let o = iemsim(&["show", "osc.toml"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = text(&o.stdout);
    assert!(!out.contains('\u{1b}') && !out.contains('\r'), "{out:?}");
    assert!(out.contains("\\u001b]0;pwned"), "{out:?}");
    // An error echoing a line of the file.
    std::fs::write(
        d.join("bad.txt"),
        "Filter 1: ON PK Fc 1000 Hz Gain 1 dB Q 1 \u{1b}]0;pwned\u{7}\nFilter 2: ON XX\u{1b}[2J Fc 1 Hz\n",
    )
    .unwrap();
    let o = iemsim(&["show", "bad.txt"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!stderr(&o).contains('\u{1b}'), "{:?}", stderr(&o));
    // A line break in the file's name keeps the error on one line (it split it in two).
    #[cfg(unix)]
    {
        std::fs::copy(d.join("bad.txt"), d.join("bad\nname.txt")).unwrap();
        let o = iemsim(&["show", "bad\nname.txt"], d);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert_eq!(stderr(&o).trim_end().lines().count(), 1, "{:?}", stderr(&o));
        assert!(
            stderr(&o).starts_with("iemsim: bad\\nname.txt:1: "),
            "{:?}",
            stderr(&o)
        );
    }
    // `--json` stays JSON with C1 controls and DEL in a name (they were written `\u{85}`).
    std::fs::write(
        d.join("nel.toml"),
        "name = \"NEL\\u0085here\\u007f\"\n[[filters]]\ntype = \"peaking\"\nfc_hz = 1000\ngain_db = 3\nq = 1\n",
    )
    .unwrap();
    let o = iemsim(&["show", "nel.toml", "--json"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert_eq!(v["profile"]["name"], "NEL\u{85}here\u{7f}", "{v}");
}

// Item 9: absurd measurement levels draw in bounded time.

#[test]
fn item9_a_measurement_of_1e15_db_does_not_hang_the_chart() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut csv = String::from("frequency,raw\n");
    for i in 0..200 {
        let f = 20.0 * 1000f64.powf(f64::from(i) / 199.0);
        let level = if i % 2 == 0 { 1e15 } else { -1e15 };
        csv.push_str(&format!("{f},{level}\n"));
    }
    std::fs::write(d.join("m.csv"), csv).unwrap();
    let o = bounded(
        &["show", "ba", "--plot", "c.png", "--measurement", "m.csv"],
        d,
        None,
        Duration::from_secs(30),
    );
    // Drawn (off the chart), or refused as absurd: either way at once.
    assert!(matches!(o.status.code(), Some(0 | 2)), "{}", stderr(&o));
}

// Item 15: a stderr that cannot be written changes nothing.

#[cfg(unix)]
#[test]
fn item15_a_full_stderr_never_panics_a_batch_and_the_error_is_printed_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("in")).unwrap();
    std::fs::create_dir(d.join("out")).unwrap();
    tone(&d.join("in"), "good.wav", 48_000);
    std::fs::write(d.join("in/bad.wav"), b"RIFF....WAVEjunk").unwrap();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let o = command()
        .args(["export", "in", "-p", "ba", "--out-dir", "out"])
        .current_dir(d)
        .env("IEMSIM_CONFIG_DIR", d.join("no-config"))
        .stderr(full)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(files_in(&d.join("out")), ["good.ba.wav"]);
    // With a stderr that works: the bad file's error once, then one summary line.
    std::fs::remove_file(d.join("out/good.ba.wav")).unwrap();
    let o = iemsim(&["export", "in", "-p", "ba", "--out-dir", "out"], d);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.matches("bad.wav").count(), 1, "{err}");
    assert!(err.contains("1 of 2 files failed"), "{err}");
    // --json lists the failed input with its error, beside what was written.
    let args = [
        "export",
        "in",
        "-p",
        "ba",
        "--out-dir",
        "out",
        "--json",
        "--force",
    ];
    let o = iemsim(&args, d);
    assert_eq!(o.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let failed = v["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{v}");
    assert!(failed[0]["input"].as_str().unwrap().ends_with("bad.wav"));
    assert!(!failed[0]["error"].as_str().unwrap().is_empty());
    assert_eq!(v["outputs"].as_array().unwrap().len(), 1, "{v}");
}

// Item 14: damaged AAC/ALAC packets are bad input (exit 2, "corrupt"), never a machine failure.

#[test]
fn item14_corrupt_aac_and_alac_packets_exit_2() {
    if !tools::have(&["ffmpeg"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tone(d, "in.wav", 44_100);
    let mut corrupt = 0;
    for (codec, name) in [("aac", "a.m4a"), ("alac", "b.m4a")] {
        let o = std::process::Command::new("ffmpeg")
            .args(["-hide_banner", "-loglevel", "error", "-y", "-i", "in.wav"])
            .args(["-c:a", codec, name])
            .current_dir(d)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        let good = std::fs::read(d.join(name)).unwrap();
        // A fixed pseudo-random sequence (LCG): the same mutants every run.
        let mut seed: u64 = 42;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) as usize % n
        };
        for i in 0..40 {
            let mut b = good.clone();
            for _ in 0..1 + next(8) {
                let at = good.len() / 3 + next(good.len() * 2 / 3);
                b[at] = next(256) as u8;
            }
            std::fs::write(d.join("m.m4a"), &b).unwrap();
            let o = bounded(
                &["analyze", "m.m4a", "--json"],
                d,
                None,
                Duration::from_secs(30),
            );
            assert!(
                matches!(o.status.code(), Some(0 | 2)),
                "{codec} mutant {i}: {}",
                stderr(&o)
            );
            corrupt += usize::from(stderr(&o).contains("corrupt"));
        }
    }
    assert!(corrupt > 0, "no mutant was reported as corrupt");
}

// Item 16: a bad output path is the user's to fix (exit 2), before anything is written.

#[cfg(unix)]
#[test]
fn item16_bad_output_paths_exit_2_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    mkfifo(&d.join("p.toml"));
    let limit = Duration::from_secs(60);
    let o = bounded(
        &["profile", "convert", "ba", "-o", "p.toml", "--force"],
        d,
        None,
        limit,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = bounded(
        &["demo", "bass", "--export", "/proc/iemsim-x"],
        d,
        None,
        limit,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    std::fs::create_dir(d.join("demo")).unwrap();
    mkfifo(&d.join("demo/README.md"));
    let o = bounded(
        &["demo", "bass", "--export", "demo", "--force"],
        d,
        None,
        limit,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("README.md"), "{}", stderr(&o));
    assert_eq!(files_in(&d.join("demo")), ["README.md"]);
}

/// `-p ""` was answered "did you mean 'ba'?", and `-p FOLDER` "unknown profile": each now says
/// what it is. A folder named like a profile does not hide the profile.
#[test]
fn a_blank_or_folder_profile_says_what_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for name in ["eqs", "ba"] {
        std::fs::create_dir(d.join(name)).unwrap();
    }
    for (spec, says) in [
        ("", "empty profile name"),
        ("  ", "empty profile name"),
        ("eqs", "is a folder"),
    ] {
        let o = iemsim(&["show", spec], d);
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains(says), "{spec:?}: {}", stderr(&o));
    }
    let o = iemsim(&["show", "ba"], d);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// A broken file in the profile folder, asked for by its name, says what is wrong with it: it
/// said "unknown profile 'broken'" and suggested an unrelated name.
#[test]
fn a_broken_user_profile_asked_for_by_name_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir_all(config.join("profiles")).unwrap();
    std::fs::write(
        config.join("profiles/broken.toml"),
        "name = \"broken\"\n[[filters]]\nkind = \"peak\"\n",
    )
    .unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_iemsim"))
        .args(["show", "Broken"])
        .env("IEMSIM_CONFIG_DIR", &config)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("broken.toml:3") && e.contains("unknown field `kind`"),
        "{e}"
    );
    assert!(!e.contains("unknown profile"), "{e}");
}

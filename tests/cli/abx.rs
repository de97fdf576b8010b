//! Drives the real `iemsim abx` binary. Scripted mode (`--no-tui --answers`): the score and
//! p-value, clear refusals of bad input (exit 2), loudness-match gains that really equalise
//! loudness, and a log that stays valid JSON lines when writers are killed or run at the same
//! time. Interactive mode: in a tmux terminal on a real (PulseAudio null sink) device, when both
//! are available: answering, the screen not depending on X, abandoning and hanging up.

use crate::common::cli;
use crate::common::tmux;
use crate::common::tui;

use cli::{command as bin, run as iemsim, text};
use tmux::{sh_quote, Tmux};

use serde_json::Value;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// A 0.5 s stereo 16-bit tone: enough for the command to validate and hash.
fn make_wav(dir: &Path) -> PathBuf {
    let path = dir.join("tone.wav");
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 44_100,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&path, spec).unwrap();
    for i in 0..22_050 {
        let v = (8000.0 * (i as f64 * 0.0627).sin()) as i16;
        w.write_sample(v).unwrap();
        w.write_sample(-v).unwrap();
    }
    w.finalize().unwrap();
    path
}

fn log_lines(log: &Path) -> Vec<Value> {
    let content = fs::read_to_string(log).unwrap();
    assert!(
        content.is_empty() || content.ends_with('\n'),
        "log ends mid-line"
    );
    content
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad log line {l:?}: {e}")))
        .collect()
}

fn gains_of(record: &Value) -> (f64, f64) {
    let g = &record["gains_db"];
    (g["a"].as_f64().unwrap(), g["b"].as_f64().unwrap())
}

/// `secs` of stereo 44.1 kHz 16-bit: 50 Hz, 3 kHz and 8 kHz at once, where the profiles differ
/// most (bass shelf, presence, treble), so matching has real work to do.
fn make_multitone(dir: &Path, secs: f64) -> PathBuf {
    let path = dir.join("multi.wav");
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 44_100,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&path, spec).unwrap();
    for i in 0..(secs * 44_100.0) as usize {
        let t = i as f64 / 44_100.0;
        let tau = std::f64::consts::TAU;
        let x = 0.25 * (tau * 50.0 * t).sin()
            + 0.15 * (tau * 3000.0 * t).sin()
            + 0.1 * (tau * 8000.0 * t).sin();
        let v = (x * 32767.0) as i16;
        w.write_sample(v).unwrap();
        w.write_sample(v).unwrap();
    }
    w.finalize().unwrap();
    path
}

/// Integrated loudness (LUFS) of a WAV by the `ebur128` crate (a port of libebur128), which
/// shares no code with iemsim's own meter.
fn ebur128_lufs(path: &Path) -> f64 {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let samples: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => r.samples::<f32>().map(Result::unwrap).collect(),
        hound::SampleFormat::Int => {
            let scale = 2f32.powi(i32::from(spec.bits_per_sample) - 1);
            r.samples::<i32>()
                .map(|s| s.unwrap() as f32 / scale)
                .collect()
        }
    };
    let mut m = ebur128::EbuR128::new(u32::from(spec.channels), spec.sample_rate, ebur128::Mode::I)
        .unwrap();
    m.add_frames_f32(&samples).unwrap();
    m.loudness_global().unwrap()
}

fn answers_of(record: &Value, key: &str) -> Vec<String> {
    record["trials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t[key].as_str().unwrap().to_lowercase())
        .collect()
}

#[test]
fn seeded_run_answering_the_hidden_sequence_scores_sixteen_of_sixteen() {
    let dir = tempfile::tempdir().unwrap();
    let wav = make_wav(dir.path());
    let log = dir.path().join("logs/abx.jsonl");
    let (wav_s, log_s) = (wav.to_str().unwrap(), log.to_str().unwrap());
    let all_a = vec!["a"; 16].join(",");
    let base = ["abx", wav_s, "--no-tui", "--seed", "7", "--log", log_s];

    // First pass: learn the hidden sequence of seed 7 from the JSON report.
    let mut args = base.to_vec();
    args.extend(["--json", "--answers", &all_a]);
    let o = iemsim(&args, dir.path());
    assert!(o.status.success(), "{}", text(&o.stderr));
    let first: Value = serde_json::from_slice(&o.stdout).unwrap();
    let hidden = answers_of(&first, "hidden");
    assert_eq!(hidden.len(), 16);
    let k_first = hidden.iter().filter(|h| *h == "a").count() as u64;
    assert_eq!(first["k"], k_first);

    // Second pass: the same seed gives the same sequence; answer it exactly.
    let answers = hidden.join(",");
    let mut args = base.to_vec();
    args.extend(["--answers", &answers]);
    let o = iemsim(&args, dir.path());
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let third = format!(
        "trial 3/16: X was {h}, you said {h} — correct",
        h = hidden[2].to_uppercase()
    );
    assert!(out.contains(&third), "{out}");
    assert!(out.contains("score: 16/16 correct"), "{out}");
    assert!(
        out.contains("p = 1.5e-5 < 0.05: you reliably heard a difference"),
        "{out}"
    );

    let lines = log_lines(&log);
    assert_eq!(lines.len(), 2);
    let r = &lines[1];
    assert_eq!(r["k"], 16);
    assert_eq!(r["n"], 16);
    assert_eq!(r["trials_planned"], 16);
    assert_eq!(r["completed"], true);
    assert_eq!(r["seed"], 7);
    assert_eq!(r["profile_a"], "ba");
    assert_eq!(r["profile_b"], "dd");
    // Both at most 0 dB (anti-clipping preamp, then only the louder side goes down); whether
    // they equalise loudness is checked against ebur128 in its own test.
    let (ga, gb) = gains_of(r);
    assert!(ga <= 0.0 && gb <= 0.0 && ga != gb, "{ga} {gb}");
    assert_eq!(r["gains_db"], first["gains_db"]);
    // 1 / 2^16 exactly.
    assert_eq!(r["p_value"].as_f64().unwrap(), 1.0 / 65536.0);
    assert_eq!(answers_of(r, "hidden"), hidden);
    assert_eq!(answers_of(r, "answer"), hidden);
    for t in r["trials"].as_array().unwrap() {
        assert_eq!(t["correct"], true);
        let (s, a) = (
            t["t_start_s"].as_f64().unwrap(),
            t["t_answer_s"].as_f64().unwrap(),
        );
        assert!(0.0 <= s && s <= a, "{s} {a}");
    }
    // The value itself is checked against `sha256sum` below; here its form and stability.
    let sha = r["file_sha256"].as_str().unwrap();
    assert_eq!(sha.len(), 64);
    assert!(sha.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(lines[0]["file_sha256"], r["file_sha256"]);
    assert!(r["file"].as_str().unwrap().ends_with("tone.wav"));
    let time = r["time"].as_str().unwrap();
    assert!(
        time.len() == 24 && time.ends_with('Z') && &time[10..11] == "T",
        "{time}"
    );
}

#[test]
fn sha256_matches_the_system_tool_when_present() {
    let dir = tempfile::tempdir().unwrap();
    let wav = make_wav(dir.path());
    let Ok(o) = Command::new("sha256sum").arg(&wav).output() else {
        // The unit test checks the FIPS 180-2 vector without it.
        tmux::skipped("no sha256sum (coreutils) here");
        return;
    };
    let want = text(&o.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let log = dir.path().join("log.jsonl");
    let o = iemsim(
        &[
            "abx",
            wav.to_str().unwrap(),
            "--no-tui",
            "--answers",
            "a",
            "--trials",
            "1",
            "--log",
            log.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(log_lines(&log)[0]["file_sha256"], want.as_str());
}

#[test]
fn bad_input_exits_2_with_one_clear_line_and_logs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let wav = make_wav(dir.path());
    let log = dir.path().join("log.jsonl");
    let (wav_s, log_s) = (wav.to_str().unwrap(), log.to_str().unwrap());
    fs::write(dir.path().join("broken.wav"), b"RIFF\x10\0\0\0WAVEjunk").unwrap();
    let too_many = vec!["b"; 17].join(",");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--no-tui", "--answers", &too_many],
            "17 answers for 16 trials",
        ),
        (vec!["--no-tui", "--answers", "a,b,x"], "answer 3 is \"x\""),
        (vec!["--no-tui", "--answers", " , "], "no answers"),
        (vec!["--no-tui", "--answers", "missing.txt"], "missing.txt"),
        (vec!["--answers", "a,b"], "--no-tui"),
        (vec!["--no-tui"], "--no-tui needs --answers"),
        (
            vec!["--no-tui", "--answers", "a", "--trials", "0"],
            "--trials 0",
        ),
        (vec!["--no-tui", "--answers", "a", "-b", "nope"], "nope"),
        // Identical sides: nothing to tell apart, whatever the answers.
        (
            vec!["--no-tui", "--answers", "a", "-a", "ba", "-b", "ba"],
            "same filters",
        ),
        // The same response from other filter lists: a cascade's response is the product of its
        // stages' (their order does not matter), and a 0 dB peaking filter is the identity
        // (RBJ cookbook: A = 1 makes b = a).
        (
            vec!["--no-tui", "--answers", "a", "-a", "ba", "-b", "ba_rev.txt"],
            "A (ba) and B (ba_rev.txt) are the same filters",
        ),
        (
            vec![
                "--no-tui",
                "--answers",
                "a",
                "-a",
                "neutral",
                "-b",
                "pk0.txt",
            ],
            "are the same filters",
        ),
    ];
    let o = iemsim(&["profile", "convert", "ba", "-o", "ba.txt"], dir.path());
    assert!(o.status.success(), "{}", text(&o.stderr));
    let ba = fs::read_to_string(dir.path().join("ba.txt")).unwrap();
    let (filters, other): (Vec<&str>, Vec<&str>) =
        ba.lines().partition(|l| l.starts_with("Filter"));
    assert!(filters.len() > 2, "{ba}");
    let reversed: Vec<&str> = other.into_iter().chain(filters.into_iter().rev()).collect();
    fs::write(dir.path().join("ba_rev.txt"), reversed.join("\n")).unwrap();
    let pk = |gain: &str| format!("Preamp: 0 dB\nFilter 1: ON PK Fc 1000 Hz Gain {gain} dB Q 1\n");
    fs::write(dir.path().join("pk0.txt"), pk("0")).unwrap();
    fs::write(dir.path().join("pk01.txt"), pk("0.1")).unwrap();
    for (extra, needle) in cases {
        let mut args = vec!["abx", wav_s, "--log", log_s];
        args.extend(extra.iter().copied());
        let o = iemsim(&args, dir.path());
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
    let o = iemsim(
        &[
            "abx",
            "broken.wav",
            "--no-tui",
            "--answers",
            "a",
            "--log",
            log_s,
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("broken.wav"));
    assert!(!log.exists(), "nothing may be logged for refused input");
    // A 0.1 dB peak is a difference (if not an audible one): the test is the listener's.
    let args = [
        "abx",
        wav_s,
        "--no-tui",
        "--answers",
        "a",
        "-a",
        "neutral",
        "-b",
        "pk01.txt",
    ];
    let o = iemsim(&[&args[..], &["--log", log_s]].concat(), dir.path());
    assert!(o.status.success(), "{}", text(&o.stderr));
}

/// A clip shorter than one 0.4 s BS.1770 block, or silent, has no integrated loudness
/// (ITU-R BS.1770-4 gates 400 ms blocks at -70 LUFS), so A and B cannot be matched: the session
/// ran with the sides at their preamps only (0 and -8.98 dB for neutral/sibilance, 8.3 dB apart
/// by RMS on pink noise) and logged it as a normal session. Refused with exit 2, nothing logged.
#[test]
fn a_clip_without_a_loudness_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let short = dir.path().join("short.wav");
    let o = iemsim(
        &[
            "generate",
            "pink",
            "--seconds",
            "0.3",
            "-o",
            short.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let silent = dir.path().join("silent.wav");
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 48_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&silent, spec).unwrap();
    for _ in 0..2 * 96_000 {
        w.write_sample(0i16).unwrap();
    }
    w.finalize().unwrap();
    let log = dir.path().join("log.jsonl");
    for (wav, name) in [(&short, "short.wav"), (&silent, "silent.wav")] {
        let args = [
            "abx",
            wav.to_str().unwrap(),
            "--no-tui",
            "--answers",
            "a",
            "-a",
            "neutral",
            "-b",
            "sibilance",
            "--log",
            log.to_str().unwrap(),
            "--no-cache",
        ];
        let o = iemsim(&args, dir.path());
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains(&format!("{name}: no loudness to match")),
            "{name}: {err}"
        );
        assert!(o.stdout.is_empty(), "{name}: {}", text(&o.stdout));
        assert!(!log.exists(), "{name}: a refused session was logged");
    }
}

#[test]
fn answers_from_a_file_and_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let wav = make_wav(dir.path());
    let log = dir.path().join("log.jsonl");
    let (wav_s, log_s) = (wav.to_str().unwrap(), log.to_str().unwrap());
    fs::write(dir.path().join("answers.txt"), "\u{feff}A b\nB\n a,").unwrap();
    let o = iemsim(
        &[
            "abx",
            wav_s,
            "--no-tui",
            "--trials",
            "4",
            "--answers",
            "answers.txt",
            "--log",
            log_s,
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let mut child = bin()
        .args([
            "abx",
            wav_s,
            "--no-tui",
            "--trials",
            "3",
            "--answers",
            "-",
            "--log",
            log_s,
        ])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"b\nb\nA\n").unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let lines = log_lines(&log);
    assert_eq!(answers_of(&lines[0], "answer"), ["a", "b", "b", "a"]);
    assert_eq!(answers_of(&lines[1], "answer"), ["b", "b", "a"]);
    assert!(lines
        .iter()
        .all(|r| r["completed"] == true && r.get("seed").is_none()));
}

/// A profile file named like a built-in is named as given, on screen and in the log, and the
/// log tells the two apart by their filters.
#[test]
fn two_profiles_of_one_name_are_named_as_given() {
    let dir = tempfile::tempdir().unwrap();
    let wav = make_wav(dir.path());
    let log = dir.path().join("log.jsonl");
    fs::create_dir(dir.path().join("x")).unwrap();
    fs::write(
        dir.path().join("x/ba.txt"),
        "Filter 1: ON PK Fc 500 Hz Gain 6 dB Q 1\n",
    )
    .unwrap();
    let args = ["abx", wav.to_str().unwrap(), "--no-tui", "--trials", "2"];
    let mut args = args.to_vec();
    args.extend(["-a", "x/ba.txt", "-b", "ba", "--answers", "a,b"]);
    args.extend(["--log", log.to_str().unwrap()]);
    let o = iemsim(&args, dir.path());
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.starts_with("ABX: A = x/ba.txt, B = ba on"), "{out}");
    let r = &log_lines(&log)[0];
    assert_eq!(
        (&r["profile_a"], &r["profile_b"]),
        (&"x/ba.txt".into(), &"ba".into())
    );
    let hashes = r["filters_sha256"].as_array().unwrap();
    assert!(
        hashes[0] != hashes[1] && hashes[0].as_str().unwrap().len() == 64,
        "{r}"
    );
}

#[test]
fn fewer_answers_log_an_abandoned_session() {
    let dir = tempfile::tempdir().unwrap();
    let wav = make_wav(dir.path());
    let log = dir.path().join("log.jsonl");
    let o = iemsim(
        &[
            "abx",
            wav.to_str().unwrap(),
            "--no-tui",
            "--seed",
            "3",
            "--answers",
            "a,b,a,b,a",
            "--log",
            log.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("trial 5/16"), "{out}");
    assert!(out.contains("stopped after 5 of 16 trials"), "{out}");
    let r = &log_lines(&log)[0];
    assert_eq!(r["completed"], false);
    assert_eq!(r["n"], 5);
    assert_eq!(r["trials_planned"], 16);
    assert_eq!(r["trials"].as_array().unwrap().len(), 5);
}

#[test]
fn interactive_mode_without_a_terminal_is_refused_before_anything_plays() {
    let dir = tempfile::tempdir().unwrap();
    let wav = make_wav(dir.path());
    let log = dir.path().join("log.jsonl");
    // stdout is a pipe here: no screen to draw on.
    let o = iemsim(
        &["abx", wav.to_str().unwrap(), "--log", log.to_str().unwrap()],
        dir.path(),
    );
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("needs a terminal") && err.contains("--no-tui"),
        "{err}"
    );
    assert!(!log.exists());
}

/// The logged gains, applied to exports of A and B, give equal loudness by an independent meter
/// (and without them the two differ, so the check has something to catch).
#[test]
fn logged_gains_equalise_loudness() {
    let dir = tempfile::tempdir().unwrap();
    let wav = make_multitone(dir.path(), 3.0);
    let log = dir.path().join("log.jsonl");
    let o = iemsim(
        &[
            "abx",
            wav.to_str().unwrap(),
            "--no-tui",
            "--trials",
            "1",
            "--answers",
            "a",
            "--log",
            log.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let (ga, gb) = gains_of(&log_lines(&log)[0]);
    let export = |profile: &str, preamp: f64| {
        let out = dir.path().join(format!("{profile}.{preamp}.wav"));
        let o = iemsim(
            &[
                "export",
                wav.to_str().unwrap(),
                "-p",
                profile,
                "--preamp",
                &preamp.to_string(),
                "--bits",
                "32f",
                "-q",
                "-o",
                out.to_str().unwrap(),
            ],
            dir.path(),
        );
        assert!(o.status.success(), "{}", text(&o.stderr));
        ebur128_lufs(&out)
    };
    let (la, lb) = (export("ba", ga), export("dd", gb));
    assert!(
        (la - lb).abs() < 0.05,
        "A {la} LUFS, B {lb} LUFS at {ga}/{gb} dB"
    );
    let (ua, ub) = (export("ba", 0.0), export("dd", 0.0));
    assert!((ua - ub).abs() > 0.5, "unmatched A {ua}, B {ub}: no test");
}

/// Many scripted sessions run at once, each appending a ~100-trial line: every line parses and
/// none is lost.
#[test]
fn concurrent_sessions_do_not_interleave() {
    let dir = tempfile::tempdir().unwrap();
    let wav = make_wav(dir.path());
    let log = dir.path().join("log.jsonl");
    let answers = vec!["a"; 100].join(",");
    let children: Vec<_> = (0..12)
        .map(|i| {
            bin()
                .args([
                    "abx",
                    wav.to_str().unwrap(),
                    "--no-tui",
                    "--trials",
                    "100",
                    "--seed",
                    &i.to_string(),
                    "--answers",
                    &answers,
                    "--log",
                    log.to_str().unwrap(),
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    let lines = log_lines(&log);
    assert_eq!(lines.len(), 12);
    let mut seeds: Vec<u64> = lines.iter().map(|r| r["seed"].as_u64().unwrap()).collect();
    seeds.sort_unstable();
    assert_eq!(seeds, (0..12).collect::<Vec<u64>>());
}

/// Writers SIGKILLed at assorted moments (before, during and after their append) never damage a
/// complete line, the next append removes a cut-off fragment, and finished sessions are all there.
#[test]
fn log_stays_valid_when_writers_are_killed() {
    let dir = tempfile::tempdir().unwrap();
    let wav = make_wav(dir.path());
    let log = dir.path().join("log.jsonl");
    let answers = vec!["b"; 1000].join(",");
    let mut finished = 0;
    for round in 0..60u64 {
        let mut child = bin()
            .args([
                "abx",
                wav.to_str().unwrap(),
                "--no-tui",
                "--trials",
                "1000",
                "--seed",
                &round.to_string(),
                "--answers",
                &answers,
                "--log",
                log.to_str().unwrap(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // 0-5.9 ms: spans start-up, hashing, the trials and the write of a ~90 KB line.
        std::thread::sleep(Duration::from_micros(round * 100));
        let _ = child.kill();
        if child.wait().unwrap().success() {
            finished += 1;
        }
        // Right after a kill, every complete line parses; only a final fragment without its
        // '\n' may be a cut-off write (the next append removes it).
        let content = fs::read_to_string(&log).unwrap_or_default();
        let complete = &content[..content.rfind('\n').map_or(0, |i| i + 1)];
        for l in complete.lines() {
            serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("round {round}: {e}"));
        }
    }
    // Let two writers always finish, so the file holds at least some complete lines.
    for _ in 0..2 {
        let o = iemsim(
            &[
                "abx",
                wav.to_str().unwrap(),
                "--no-tui",
                "--trials",
                "1000",
                "--answers",
                &answers,
                "--log",
                log.to_str().unwrap(),
            ],
            dir.path(),
        );
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    let lines = log_lines(&log);
    // A run killed after its append but before exiting has a line without counting as finished.
    assert!(
        (finished + 2..=62).contains(&lines.len()),
        "{} lines, {finished} killed runs had finished",
        lines.len()
    );
    for r in &lines {
        assert_eq!(r["trials"].as_array().unwrap().len(), 1000);
    }
}

/// `--log` naming something that is not an ABX log (a WAV, a text file, another program's JSON)
/// is refused before the first trial with exit 2 and one line, and the file is left byte for
/// byte; a valid log is appended to, and a valid log whose last line was torn by a killed writer
/// loses only that fragment. (Before, any file was cut to its last newline and appended to.)
#[test]
fn log_refuses_foreign_files_and_keeps_them_intact() {
    let dir = tempfile::tempdir().unwrap();
    let wav = make_wav(dir.path());
    let wav_s = wav.to_str().unwrap().to_string();
    let run = |log: &Path| {
        iemsim(
            &[
                "abx",
                &wav_s,
                "--no-tui",
                "--trials",
                "2",
                "--seed",
                "5",
                "--answers",
                "a,b",
                "--log",
                log.to_str().unwrap(),
            ],
            dir.path(),
        )
    };
    // A valid log to start from, written by iemsim itself.
    let log = dir.path().join("log.jsonl");
    let o = run(&log);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let valid = fs::read(&log).unwrap();
    assert_eq!(log_lines(&log).len(), 1);

    let other_wav = dir.path().join("other.wav");
    fs::copy(&wav, &other_wav).unwrap();
    let notes = dir.path().join("notes.txt");
    fs::write(&notes, "remember the milk\nand the eggs\n").unwrap();
    let json = dir.path().join("config.json");
    fs::write(&json, "{\"volume\": 3, \"time\": \"now\"}\n").unwrap();
    for foreign in [&other_wav, &notes, &json] {
        let before = fs::read(foreign).unwrap();
        let o = run(foreign);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{}: {err}", foreign.display());
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("not an ABX log"), "{err}");
        assert!(o.stdout.is_empty(), "refused before the first trial");
        assert_eq!(
            fs::read(foreign).unwrap(),
            before,
            "{} changed",
            foreign.display()
        );
    }

    // A valid log is appended to, its bytes kept.
    let o = run(&log);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let two = fs::read(&log).unwrap();
    assert_eq!(&two[..valid.len()], &valid[..]);
    assert_eq!(log_lines(&log).len(), 2);

    // A torn last line, as a SIGKILLed writer leaves it (the start of a record, no '\n'):
    // the fragment goes, every complete record stays.
    let mut torn = two.clone();
    torn.extend_from_slice(&valid[..valid.len() / 2]);
    fs::write(&log, &torn).unwrap();
    let o = run(&log);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let after = fs::read(&log).unwrap();
    assert_eq!(&after[..two.len()], &two[..]);
    assert_eq!(log_lines(&log).len(), 3);

    // A valid log followed by a foreign last line (no '\n') is not ours to cut: refused.
    let mut foreign_tail = after.clone();
    foreign_tail.extend_from_slice(b"my own note");
    fs::write(&log, &foreign_tail).unwrap();
    let o = run(&log);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert_eq!(fs::read(&log).unwrap(), foreign_tail);
}

/// The X box (third of A | B | X) is the one drawn with the thick "listening" border.
/// A log that cannot be written is refused before the first trial (a path under a file, a
/// folder without write permission); and when the append fails only at the end (`/proc`, where
/// even root cannot create a file), the finished session's score is printed before the error,
/// not lost with its log line.
#[test]
fn an_unwritable_log_never_costs_a_session() {
    let dir = tempfile::tempdir().unwrap();
    let wav = make_wav(dir.path());
    let wav = wav.to_str().unwrap();
    fs::write(dir.path().join("notes.txt"), "mine\n").unwrap();
    let session = |log: &str| {
        let args = [
            "abx",
            wav,
            "--no-tui",
            "--trials",
            "2",
            "--answers",
            "a,b",
            "--log",
            log,
        ];
        iemsim(&args, dir.path())
    };
    let o = session("notes.txt/abx.jsonl");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).is_empty(),
        "a trial ran: {}",
        text(&o.stdout)
    );
    assert!(
        text(&o.stderr).contains("Not a directory"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
        "mine\n"
    );
    if cfg!(target_os = "linux") && Path::new("/proc/self").is_dir() {
        let o = session("/proc/iemsim-abx-test.jsonl");
        let out = text(&o.stdout);
        assert_ne!(o.status.code(), Some(0), "{out}");
        assert!(
            out.contains("score: ") && !out.contains("logged to"),
            "{out}"
        );
        assert!(
            text(&o.stderr).contains("cannot append"),
            "{}",
            text(&o.stderr)
        );
    }
}

fn listening_to_x(screen: &str) -> bool {
    screen.lines().nth(3).is_some_and(|l| {
        l.trim_start().starts_with('╭')
            && l.contains("┏ ● listening")
            && l.trim_end().ends_with('┓')
    })
}

/// The screen with what may legitimately change between two moments blanked: the trial
/// progress line, the position line (clock and bar) and the device line's underrun count.
fn masked(screen: &str) -> String {
    screen
        .lines()
        .enumerate()
        .map(|(i, l)| match i {
            2 | 9 => String::new(),
            // The device line from its frame count on: underruns (a loaded machine's, not X's)
            // change its text and colour.
            _ => match l.find(" frames") {
                Some(at) => l[..at].to_string(),
                None => l.to_string(),
            },
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The screen, [`masked`], once two captures 30 ms apart are alike: one capture can land in the
/// middle of a redraw (a status line cut short, on a loaded machine), which is not X's doing.
fn settled(t: &Tmux) -> String {
    let mut last = masked(&t.screen(true));
    for _ in 0..100 {
        std::thread::sleep(std::time::Duration::from_millis(30));
        let now = masked(&t.screen(true));
        if now == last {
            break;
        }
        last = now;
    }
    last
}

/// The real interactive mode in a terminal (tmux) on a real device (a PulseAudio null sink):
/// starting from the intro, answering three trials; the screen while listening to X is the same, colours included, when
/// X is A and when X is B; the log line has the player's gains; Ctrl-C and a closed terminal log
/// the session as abandoned and the terminal is restored.
#[test]
fn interactive_session_in_a_terminal() {
    let Some(stack) = tui::stack() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let wav = make_multitone(dir.path(), 4.0);
    let log = dir.path().join("log.jsonl");
    let scripted_log = dir.path().join("scripted.jsonl");
    let (wav_s, log_s) = (wav.to_str().unwrap(), log.to_str().unwrap());

    // A seed whose hidden sequence has X = A in one trial and X = B in another (from the
    // scripted mode, which draws the same sequence), plus the gains scripted mode logs.
    let (seed, hidden, scripted_gains) = (1..=50u64)
        .find_map(|seed| {
            let o = iemsim(
                &[
                    "abx",
                    wav_s,
                    "--no-tui",
                    "--json",
                    "--trials",
                    "3",
                    "--seed",
                    &seed.to_string(),
                    "--answers",
                    "a,a,a",
                    "--log",
                    scripted_log.to_str().unwrap(),
                ],
                dir.path(),
            );
            assert!(o.status.success(), "{}", text(&o.stderr));
            let r: Value = serde_json::from_slice(&o.stdout).unwrap();
            let hidden = answers_of(&r, "hidden");
            (hidden[0] != hidden[2]).then(|| (seed, hidden, gains_of(&r)))
        })
        .expect("a seed with both A and B among the hidden choices");

    let env = tmux::shell_env(&stack.env());
    let session = |name: &str, seed: u64| {
        let command = format!(
            "cd {} && env {env}{} abx {} --trials 3 --seed {seed} --log {}; echo EXIT=$?; sleep 60",
            sh_quote(dir.path().to_str().unwrap()),
            sh_quote(env!("CARGO_BIN_EXE_iemsim")),
            sh_quote(wav_s),
            sh_quote(log_s),
        );
        let t = Tmux::start(name, 100, 30, &command);
        // The intro first: Enter starts the trials once the gains are final (a 4-second file is
        // measured whole at once).
        t.wait_for("the intro, ready", |s| {
            s.contains("before the trials") && s.contains("Ready")
        });
        t.keys(&["Enter"]);
        t
    };

    // A completed session, answered correctly.
    let t = session("done", seed);
    let first = t.wait_text("trial 1/3");
    // The too-few-trials warning printed before the screen is on the screen too (it used to be
    // hidden behind the full-screen UI).
    assert!(first.contains("warning: with 3 trials even 3/3"), "{first}");
    t.keys(&["x"]);
    t.wait_for("listening to X", listening_to_x);
    let mut x_screens = Vec::new();
    for (i, h) in hidden.iter().enumerate() {
        // Listening stays on X from trial to trial; X follows each trial's hidden side.
        t.wait_for("X in this trial", |s| {
            s.contains(&format!("trial {}/3", i + 1)) && listening_to_x(s)
        });
        x_screens.push((h.clone(), settled(&t)));
        // An answer key counts 0.7 s after the one before it (a held key repeats).
        std::thread::sleep(std::time::Duration::from_millis(800));
        t.keys(&[if h == "a" { "A" } else { "2" }]);
    }
    let end = t.wait_text("finished: 3 trials");
    assert!(end.contains("3/3 correct"), "{end}");
    let (on_a, on_b) = (
        x_screens.iter().find(|(h, _)| h == "a").unwrap(),
        x_screens.iter().find(|(h, _)| h == "b").unwrap(),
    );
    assert_eq!(on_a.1, on_b.1, "the screen differs between X = A and X = B");
    t.keys(&["q"]);
    let after = t.wait_text("EXIT=");
    assert!(after.contains("EXIT=0"), "{after}");
    assert!(after.contains("score: 3/3 correct"), "{after}");
    assert!(
        !after.contains("trial 1/3"),
        "terminal not restored:\n{after}"
    );
    let r = &log_lines(&log)[0];
    assert_eq!(r["completed"], true);
    assert_eq!((r["k"].as_u64(), r["n"].as_u64()), (Some(3), Some(3)));
    assert_eq!(r["seed"], seed);
    assert_eq!(answers_of(r, "hidden"), hidden);
    let (ga, gb) = gains_of(r);
    assert!(ga != 0.0 && gb != 0.0 && ga != gb, "{ga} {gb}");
    // The player's gains are the ones scripted mode computes (and checks against ebur128).
    assert!(
        (ga - scripted_gains.0).abs() < 1e-9 && (gb - scripted_gains.1).abs() < 1e-9,
        "player {ga}/{gb}, scripted {scripted_gains:?}"
    );
    drop(t);

    // Ctrl-C after one answer: abandoned, partial score printed on the restored terminal.
    let t = session("ctrlc", seed);
    t.wait_text("trial 1/3");
    t.keys(&["1"]);
    t.wait_text("trial 2/3");
    t.keys(&["C-c"]);
    let after = t.wait_text("EXIT=");
    assert!(after.contains("EXIT=0"), "{after}");
    assert!(after.contains("stopped after 1 of 3 trials"), "{after}");
    drop(t);
    let r = &log_lines(&log)[1];
    assert_eq!(r["completed"], false);
    assert_eq!(r["n"], 1);

    // The terminal closing (SIGHUP) mid-session still logs it as abandoned.
    let t = session("hup", seed);
    t.wait_text("trial 1/3");
    t.keys(&["2"]);
    t.wait_text("trial 2/3");
    t.hang_up();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while log_lines(&log).len() < 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "no log line after SIGHUP"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
    let r = &log_lines(&log)[2];
    assert_eq!(r["completed"], false);
    assert_eq!(r["n"], 1);
    assert_eq!(answers_of(r, "answer"), ["b"]);
}

/// Fewer than 5 trials cannot reach p < 0.05 even all correct (4/4 by guessing: 1/16 = 0.0625):
/// the session runs (practice is fine) but a warning says so up front and names the minimum.
#[test]
fn too_few_trials_to_show_anything_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let wav = make_wav(dir.path());
    let log = dir.path().join("log.jsonl");
    for (trials, answers, warned) in [("4", "a,b,a,b", true), ("5", "a,b,a,b,a", false)] {
        let o = iemsim(
            &[
                "abx",
                wav.to_str().unwrap(),
                "--no-tui",
                "--answers",
                answers,
                "--trials",
                trials,
                "--log",
                log.to_str().unwrap(),
            ],
            dir.path(),
        );
        let err = text(&o.stderr);
        assert!(o.status.success(), "{err}");
        assert_eq!(
            err.contains("p = 0.0625"),
            warned,
            "--trials {trials}: {err}"
        );
        assert_eq!(
            err.contains("--trials 5"),
            warned,
            "--trials {trials}: {err}"
        );
    }
}

/// `abx --summary` tables the sessions the scripted runs logged and pools the completed ones
/// of a pair (either order) into one test over all their trials; an abandoned session is listed
/// but not pooled; a foreign file is refused with exit 2.
#[test]
fn summary_tables_sessions_and_pools_each_pair() {
    let dir = tempfile::tempdir().unwrap();
    let wav = make_wav(dir.path());
    let log = dir.path().join("abx.jsonl");
    let (wav_s, log_s) = (wav.to_str().unwrap(), log.to_str().unwrap());
    let run = |a: &str, b: &str, answers: &str, trials: &str| {
        let args = [
            "abx",
            wav_s,
            "-a",
            a,
            "-b",
            b,
            "--trials",
            trials,
            "--no-tui",
            "--seed",
            "3",
            "--log",
            log_s,
            "--answers",
            answers,
        ];
        let o = iemsim(&args, dir.path());
        assert!(o.status.success(), "{}", text(&o.stderr));
    };
    let all_a = vec!["a"; 16].join(",");
    run("ba", "dd", &all_a, "16");
    run("dd", "ba", &all_a, "16");
    run("ba", "dd", "a,a,a", "16"); // abandoned after 3
    run("neutral", "ba", &all_a, "16");
    let records = log_lines(&log);
    assert_eq!(records.len(), 4);
    // The pooled score of ba/dd from the log itself, and its p by independent counting.
    let (k, n) = (
        records[0]["k"].as_u64().unwrap() + records[1]["k"].as_u64().unwrap(),
        32u64,
    );
    let tail: u128 = (k..=n).map(|i| binomial(n, i)).sum();
    let p = tail as f64 / 2f64.powi(32);

    let o = iemsim(&["abx", "--summary", log_s, "--json"], dir.path());
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["sessions"].as_array().unwrap().len(), 4);
    assert_eq!(v["abandoned"], 1);
    let pairs = v["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 2, "{pairs:?}");
    assert_eq!(pairs[0]["sessions"], 2);
    assert_eq!(pairs[0]["k"].as_u64().unwrap(), k);
    assert_eq!(pairs[0]["n"].as_u64().unwrap(), n);
    let got = pairs[0]["p_value"].as_f64().unwrap();
    assert!((got - p).abs() <= 1e-12 * p.max(1e-300), "{got} vs {p}");
    assert_eq!(pairs[1]["profiles"][0], "neutral");

    // The text form: one row per session, the abandoned one marked, the pooled line.
    let o = iemsim(&["abx", "--log", log_s, "--summary"], dir.path());
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert_eq!(out.matches("tone.wav").count(), 4, "{out}");
    assert_eq!(out.matches("(abandoned)").count(), 1, "{out}");
    assert!(
        out.contains(&format!("ba / dd: 2 sessions on 1 file, {k}/32 correct")),
        "{out}"
    );
    assert!(out.contains("1 session not pooled"), "{out}");

    // A CJK file name takes two columns a character: the columns after it stay in line.
    std::fs::copy(&wav, dir.path().join("音楽.wav")).unwrap();
    let wide = [
        "abx",
        "音楽.wav",
        "--trials",
        "2",
        "--no-tui",
        "--seed",
        "3",
        "--log",
        log_s,
        "--answers",
        "a,a",
    ];
    let o = iemsim(&wide, dir.path());
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = iemsim(&["abx", "--summary", log_s], dir.path());
    let out = text(&o.stdout);
    let at = |row: &str| {
        let before = &row[..row.find("ba / dd").unwrap()];
        before
            .chars()
            .map(|c| if c == '音' || c == '楽' { 2 } else { 1 })
            .sum::<usize>()
    };
    let rows: Vec<usize> = out
        .lines()
        .filter(|l| l.contains("ba / dd  "))
        .map(at)
        .collect();
    assert!(
        rows.len() == 3 && rows.iter().all(|&c| c == rows[0]),
        "{rows:?}\n{out}"
    );

    // A file that is not a log is refused, and an empty/missing one says so.
    let o = iemsim(&["abx", "--summary", wav_s], dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("not an ABX log"),
        "{}",
        text(&o.stderr)
    );
    // A log named that is not there is a typo, not an empty history (it said "no ABX sessions
    // logged yet", exit 0).
    let missing = dir.path().join("none.jsonl");
    let o = iemsim(&["abx", "--summary", missing.to_str().unwrap()], dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("none.jsonl: no such log"));
    std::fs::write(&missing, "").unwrap();
    let o = iemsim(&["abx", "--summary", missing.to_str().unwrap()], dir.path());
    assert!(o.status.success());
    assert!(text(&o.stdout).contains("no ABX sessions logged yet"));
}

/// C(n, k) by the multiplicative formula in u128 (independent of the crate's Pascal triangle).
/// A name heard through a headphone correction has another hash (it is of what was heard) than
/// without one: with sessions of both in the log every name was shown with a hash
/// (`ba #390308`, `ba #0edcba`), as if there were two `ba` profiles. The pair says `(through …)`.
#[test]
fn a_name_through_headphones_is_not_shown_as_another_profile() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.jsonl");
    let line = |hp: &str, a: &str, b: &str| {
        format!(
            r#"{{"time":"2026-12-05T13:40:12.345Z","file":"/x.wav","file_sha256":"00","profile_a":"ba","profile_b":"dd","gains_db":{{"a":0.0,"b":0.0}},"trials_planned":1,"trials":[{{"hidden":"A","answer":"A","correct":true,"t_start_s":0.0,"t_answer_s":1.0}}],"k":1,"n":1,"p_value":0.5,"completed":true{hp},"filters_sha256":["{a}","{b}"]}}"#
        ) + "\n"
    };
    let text_log = line(r#","headphones":"/eq/hp.txt""#, "390308aa", "558066aa")
        + &line("", "0edcbaaa", "771149aa");
    fs::write(&log, text_log).unwrap();
    let o = iemsim(&["abx", "--summary", log.to_str().unwrap()], dir.path());
    let out = text(&o.stdout);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(!out.contains('#'), "{out}");
    assert!(out.contains("ba / dd (through /eq/hp.txt)"), "{out}");
}

fn binomial(n: u64, k: u64) -> u128 {
    let k = k.min(n - k);
    (0..k).fold(1u128, |acc, i| acc * u128::from(n - i) / u128::from(i + 1))
}

/// The loudness cache (shared with `play`): scripted ABX fills it with one entry per profile; a
/// second run uses it (a planted value changes the logged gains); a corrupt entry is ignored and
/// rewritten; `--no-cache` neither reads nor writes it; another profile or a changed file misses.
#[test]
fn the_loudness_cache_is_used_checked_and_invalidated() {
    let dir = tempfile::tempdir().unwrap();
    let wav = make_multitone(dir.path(), 3.0);
    let cache = dir.path().join("cache");
    let entries_dir = cache.join("iemsim").join("loudness");
    let log = dir.path().join("log.jsonl");
    let run = |b: &str, extra: &[&str]| {
        let o = bin()
            .args(["abx", wav.to_str().unwrap(), "-a", "ba", "-b", b])
            .args(["--no-tui", "--trials", "1", "--answers", "a", "--log"])
            .arg(&log)
            .args(extra)
            .env("XDG_CACHE_HOME", &cache)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o.stderr));
        gains_of(log_lines(&log).last().unwrap())
    };
    let entries = || -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = fs::read_dir(&entries_dir)
            .map(|d| d.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default();
        v.sort();
        v
    };
    let plant = |lufs: f64| {
        for p in entries() {
            let key = p.file_name().unwrap().to_str().unwrap().to_string();
            let body = format!(
                "iemsim loudness cache 1\n{key}\nlufs {:016x}\n",
                lufs.to_bits()
            );
            fs::write(&p, body).unwrap();
        }
    };
    let same = |x: (f64, f64), y: (f64, f64)| (x.0 - y.0).abs() < 1e-9 && (x.1 - y.1).abs() < 1e-9;

    let measured = run("dd", &[]);
    assert_eq!(entries().len(), 2, "one entry per profile");
    // Used: equal planted loudness for both sides gives other gains than the measured ones.
    plant(-30.0);
    let from_cache = run("dd", &[]);
    assert!(!same(from_cache, measured), "the cache was not read");
    // --no-cache: measured again, and the planted entries left alone.
    assert!(same(run("dd", &["--no-cache"]), measured));
    assert!(fs::read_to_string(&entries()[0])
        .unwrap()
        .contains(&format!("{:016x}", (-30.0f64).to_bits())));
    // Corrupt entries: ignored (measured again) and rewritten with the measured values.
    for p in entries() {
        fs::write(p, "not a cache entry\n").unwrap();
    }
    assert!(same(run("dd", &[]), measured));
    for p in entries() {
        assert!(fs::read_to_string(p)
            .unwrap()
            .starts_with("iemsim loudness cache 1\n"));
    }
    // Another profile on B: one more entry (ba's is reused).
    run("neutral", &[]);
    assert_eq!(entries().len(), 3);
    // The file rewritten (other content): both profiles miss.
    make_multitone_into(&wav, 3.5);
    run("dd", &[]);
    assert_eq!(entries().len(), 5);
}

/// [`make_multitone`]'s signal, `secs` long, written over `path`.
fn make_multitone_into(path: &Path, secs: f64) {
    let tmp = tempfile::tempdir().unwrap();
    let made = make_multitone(tmp.path(), secs);
    fs::copy(made, path).unwrap();
}

/// The log says which headphone correction a session was heard through (it had no trace of a
/// remembered one), and `--summary` pools only sessions heard alike.
#[test]
fn the_log_names_the_headphone_correction() {
    let dir = tempfile::tempdir().unwrap();
    let wav = make_wav(dir.path());
    let log = dir.path().join("abx.jsonl");
    let hp = dir.path().join("hp.txt");
    std::fs::write(
        &hp,
        "Preamp: -3 dB\nFilter 1: ON PK Fc 1000 Hz Gain 3 dB Q 1\n",
    )
    .unwrap();
    let (wav_s, log_s, hp_s) = (
        wav.to_str().unwrap(),
        log.to_str().unwrap(),
        hp.to_str().unwrap(),
    );
    let base = [
        "abx",
        wav_s,
        "--no-tui",
        "--trials",
        "2",
        "--answers",
        "a,a",
    ];
    for extra in [&["--headphones", hp_s][..], &[]] {
        let mut args = base.to_vec();
        args.extend(["--log", log_s]);
        args.extend(extra);
        let o = iemsim(&args, dir.path());
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    let lines = log_lines(&log);
    assert_eq!(lines[0]["headphones"].as_str(), Some(hp_s));
    assert!(lines[1].get("headphones").is_none(), "{}", lines[1]);
    let o = iemsim(&["abx", "--summary", log_s, "--json"], dir.path());
    assert!(o.status.success(), "{}", text(&o.stderr));
    let s: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["pairs"].as_array().unwrap().len(), 2, "{s}");
}

/// Options with nothing to do in the mode chosen were accepted and ignored (exit 0): `--device`
/// and `--buffer` in the scripted mode (which plays nothing), and a session's options with
/// `--summary` (which only reads the log), `--headphone-target` among them. Each is refused
/// now (exit 2), and the log is not created.
#[test]
fn options_the_mode_has_no_use_for_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("abx.jsonl");
    let l = log.to_str().unwrap();
    let scripted = [
        "abx",
        "--no-tui",
        "--answers",
        "a,b",
        "--trials",
        "2",
        "--log",
        l,
    ];
    for (extra, needle) in [
        (&["--device", "x"][..], "--device"),
        (&["--buffer", "512"][..], "--buffer"),
    ] {
        let o = iemsim(&[&scripted[..], extra].concat(), dir.path());
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", text(&o.stderr));
        assert!(text(&o.stderr).contains(needle), "{}", text(&o.stderr));
    }
    for extra in [
        &["--trials", "3"][..],
        &["--seed", "1"],
        &["-a", "dd"],
        &["--headphone-target", "harman-in-ear-2019"],
        &["--no-headphones"],
        &["--device", "x"],
        &["--no-cache"],
    ] {
        let o = iemsim(&[&["abx", "--summary", l][..], extra].concat(), dir.path());
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", text(&o.stderr));
        assert!(text(&o.stderr).contains("--summary"), "{}", text(&o.stderr));
    }
    assert!(!log.exists(), "the log was created");
}

//! `iemsim live` end to end through a real audio stack: a known signal is played (paplay) into a
//! second PulseAudio null sink, `iemsim live --no-tui` captures that sink's monitor and plays to
//! the test's own sink, and `parecord` records what reached it.
//!
//! Checked against independent evidence: every 20 ms of the recording is the input through one
//! of the two profiles as `iemsim export` renders them offline (a different code path: file in,
//! file out), found by cross-correlation (the live path's latency is unknown and moves a little
//! as the drift control works); the side changes where the scripted switches say, every
//! `--switch-every` seconds of the input's own time; and the two sides' loudness in the
//! recording, measured by the `ebur128` crate (a port of libebur128, not our meter), converges
//! to within 0.5 LU.

use crate::common::{cli, pulse, tools};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

const RATE: usize = 48_000;
const SWITCH_EVERY_S: f64 = 4.0;
const DURATION_S: f64 = 18.0;
/// A and B: on this bass-heavy input they differ in loudness by several dB more than on pink
/// noise (the gains matching starts from), so the match has to move, at 1 dB/s, and converge.
const PROFILES: [&str; 2] = ["neutral", "bass-rolloff"];
/// Analysis block: 20 ms.
const BLOCK: usize = RATE / 50;

/// 24 s of stationary, non-periodic noise with its energy low (white noise through two leaky
/// integrators, poles at 38 and 154 Hz: −12 dB/octave above), where the two profiles differ
/// most: stationary so that any two stretches are equally loud, non-periodic so
/// cross-correlation has one peak, and so little treble that a lag off by a fraction of a
/// sample (the drift control moves it continuously) leaves a residual below −40 dB.
fn write_input(path: &Path) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: RATE as u32,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("input wav");
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut white = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    };
    let (mut brown, mut low) = (0.0, 0.0);
    for _ in 0..RATE * 24 {
        brown = 0.995 * brown + 0.02 * white();
        low = 0.98 * low + 0.05 * brown;
        let v = (0.5 * low) as f32;
        w.write_sample(v).expect("sample");
        w.write_sample(v).expect("sample");
    }
    w.finalize().expect("finalize");
}

fn read_left(path: &Path) -> Vec<f32> {
    let mut r = hound::WavReader::open(path).expect("wav");
    r.samples::<f32>()
        .step_by(2)
        .map(|s| s.expect("sample"))
        .collect()
}

fn dot(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| f64::from(x) * f64::from(y))
        .sum()
}

/// Residual of `y` against `r` at the best gain, relative to `y` (dB).
fn residual_db(y: &[f32], r: &[f32]) -> f64 {
    let (yr, rr, yy) = (dot(y, r), dot(r, r), dot(y, y));
    if rr <= 0.0 || yy <= 0.0 {
        return 0.0;
    }
    let res = (yy - yr * yr / rr).max(1e-30);
    10.0 * (res / yy).log10()
}

/// The lag (recording index − reference index) in `lo..=hi` where `y[at..at+n]` best matches.
fn best_lag(y: &[f32], r: &[f32], at: usize, n: usize, lo: isize, hi: isize) -> Option<isize> {
    let seg = y.get(at..at + n)?;
    (lo..=hi)
        .filter_map(|lag| {
            let start = at as isize - lag;
            if start < 0 || start as usize + n > r.len() {
                return None;
            }
            let rs = &r[start as usize..start as usize + n];
            let c = dot(seg, rs) / dot(rs, rs).max(1e-30).sqrt();
            Some((lag, c.abs()))
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(lag, _)| lag)
}

fn loudness(stereo: &[f32]) -> f64 {
    let mut m = ebur128::EbuR128::new(2, RATE as u32, ebur128::Mode::I).expect("meter");
    m.add_frames_f32(stereo).expect("frames");
    m.loudness_global().expect("loudness")
}

#[test]
fn live_plays_the_input_through_the_live_side_switches_on_time_and_matches_loudness() {
    if !tools::have(&["paplay"]) {
        return;
    }
    let Some(out) = pulse::PulseStack::start() else {
        return;
    };
    let Some(apps) = pulse::PulseStack::start() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let input = dir.path().join("in.wav");
    write_input(&input);
    // The offline references: each profile at 0 dB (the gains are fitted per block below).
    for p in PROFILES {
        let o = cli::iemsim(&[
            "export",
            &input.display().to_string(),
            "-p",
            p,
            "--preamp",
            "0",
            "--bits",
            "32f",
            "-o",
            &dir.path().join(format!("{p}.wav")).display().to_string(),
        ]);
        assert!(o.status.success(), "{}", cli::stderr(&o));
    }
    let refs = [
        read_left(&dir.path().join(format!("{}.wav", PROFILES[0]))),
        read_left(&dir.path().join(format!("{}.wav", PROFILES[1]))),
    ];

    let capture = pulse::Capture::start(&out);
    let mut live = cli::command()
        .args([
            "live",
            "--no-tui",
            "--json",
            "-a",
            PROFILES[0],
            "-b",
            PROFILES[1],
            "--switch-every",
            &SWITCH_EVERY_S.to_string(),
            "--duration",
            &DURATION_S.to_string(),
            "--input",
            &format!("{}.monitor", apps.sink()),
        ])
        .envs(out.env())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run iemsim live");
    let mut lines = BufReader::new(live.stdout.take().expect("stdout")).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    let start: serde_json::Value = match serde_json::from_str(&first) {
        Ok(v) => v,
        Err(e) => {
            let _ = live.kill();
            let err = live
                .wait_with_output()
                .map(|o| cli::stderr(&o))
                .unwrap_or_default();
            panic!("no start line ({e}): {first:?} {err}")
        }
    };
    assert_eq!(start["event"], "start");
    // The input is named as the user named it, not only by the ALSA device it goes through.
    let source = format!("{}.monitor", apps.sink());
    assert!(
        start["input"].as_str().is_some_and(|i| i.contains(&source)),
        "{start}"
    );
    // The known signal into the apps' sink, now that live captures its monitor.
    let mut player = Command::new("paplay")
        .arg(format!("--device={}", apps.sink()))
        .arg(&input)
        .envs(apps.env())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("paplay");
    let events: Vec<serde_json::Value> = lines
        .map_while(Result::ok)
        .map(|l| serde_json::from_str(&l).expect("json line"))
        .collect();
    let status = live.wait().expect("wait");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let _ = player.kill();
    let _ = player.wait();
    let (rate, channels, cap) = capture.stop();
    assert!(status.success(), "live failed: {events:?}");
    assert_eq!((rate as usize, channels), (RATE, 2));
    let switches: Vec<&serde_json::Value> =
        events.iter().filter(|e| e["event"] == "switch").collect();
    let end = events.last().expect("end");
    assert_eq!(end["event"], "end");
    let expected_switches = (DURATION_S / SWITCH_EVERY_S).ceil() as usize - 1;
    assert_eq!(switches.len(), expected_switches, "{events:?}");

    // Where the input starts in the recording: the first sound, refined by cross-correlation.
    let y: Vec<f32> = cap.iter().step_by(2).copied().collect();
    let c0 = y
        .iter()
        .position(|v| v.abs() > 1e-3)
        .expect("the input reached the output");
    let quarter = RATE as isize / 8;
    let mut lag = best_lag(
        &y,
        &refs[0],
        c0 + RATE / 2,
        BLOCK,
        c0 as isize - quarter,
        c0 as isize + 64,
    )
    .expect("the start lines up");
    // Block by block (20 ms, so the drift control's ratio, at most 1 % off, moves the lag by
    // at most 10 samples inside one): follow the lag, pick the profile that explains the
    // block, keep both residuals. A resync (the excess of a stalled output skipped) jumps the
    // lag: a block nothing explains is searched again over ±125 ms.
    let residuals = |at: usize, lo: isize, hi: isize| {
        [0, 1].map(|s| {
            best_lag(&y, &refs[s], at, BLOCK, lo, hi).map_or((0.0, 0), |l| {
                let st = (at as isize - l) as usize;
                (residual_db(&y[at..at + BLOCK], &refs[s][st..st + BLOCK]), l)
            })
        })
    };
    // Sound: the recording goes on in silence after the run.
    let last_sound = y.iter().rposition(|v| v.abs() > 1e-3).unwrap_or(0);
    let at0 = lag.max(0) as usize + BLOCK;
    let mut blocks: Vec<(usize, f64, f64)> = Vec::new(); // (side, its residual, the other's)
    let mut at = at0;
    while at + 2 * BLOCK < last_sound {
        let mut r = residuals(at, lag - 16, lag + 16);
        if r[0].0.min(r[1].0) > -15.0 {
            r = residuals(at, lag - quarter, lag + quarter);
        }
        let side = usize::from(r[1].0 < r[0].0);
        lag = r[side].1;
        blocks.push((side, r[side].0, r[1 - side].0));
        at += BLOCK;
    }
    let explained = |b: &(usize, f64, f64)| b.1 < -20.0 && b.2 > b.1 + 6.0;
    let good = blocks.iter().filter(|b| explained(b)).count();
    let mut sorted: Vec<f64> = blocks.iter().map(|b| b.1).collect();
    sorted.sort_by(f64::total_cmp);
    eprintln!(
        "live e2e: {} blocks of 20 ms, {good} explained by one profile (residual < -20 dB, the \
         other >= 6 dB worse); residual median {:.1} dB, 90th percentile {:.1} dB; latency {} s; \
         underruns {}, overruns {}, resyncs {}",
        blocks.len(),
        sorted.get(sorted.len() / 2).copied().unwrap_or(0.0),
        sorted.get(sorted.len() * 9 / 10).copied().unwrap_or(0.0),
        end["latency"]["total_s"],
        end["underruns"],
        end["overruns"],
        end["resyncs"]
    );
    assert!(blocks.len() >= 500, "only {} blocks of sound", blocks.len());
    assert!(
        good * 10 >= blocks.len() * 9,
        "the recording is the input through one profile in only {good} of {} blocks",
        blocks.len()
    );

    // The sides in the order and at the times scripted: runs of one side (ambiguous blocks,
    // e.g. a crossfade's or an underrun's, skipped), A first, changing every SWITCH_EVERY_S of
    // output time. A change is placed midway between the last block of the old side and the
    // first of the new, give or take half the ambiguous stretch between them.
    let mut runs: Vec<(usize, usize, usize)> = Vec::new(); // (side, first block, last block)
    for (i, b) in blocks.iter().enumerate() {
        if !explained(b) {
            continue;
        }
        match runs.last_mut() {
            Some(r) if r.0 == b.0 => r.2 = i,
            _ => runs.push((b.0, i, i)),
        }
    }
    assert_eq!(runs.first().map(|r| r.0), Some(0), "starts on A: {runs:?}");
    // paplay starts just after live does: every scripted switch after the first sound is heard.
    let heard = runs.len() - 1;
    assert!(
        heard + 1 >= expected_switches && heard <= expected_switches,
        "{heard} side changes heard, {expected_switches} scripted: {runs:?}"
    );
    let block_s = BLOCK as f64 / RATE as f64;
    let changes: Vec<(f64, f64)> = runs
        .windows(2)
        .map(|w| {
            let (last_old, first_new) = (w[0].2 as f64, w[1].1 as f64);
            (
                (last_old + first_new + 1.0) / 2.0 * block_s,
                (first_new - last_old) / 2.0 * block_s,
            )
        })
        .collect();
    for c in changes.windows(2) {
        let gap_s = c[1].0 - c[0].0;
        let slack = 0.06 + c[0].1 + c[1].1;
        assert!(
            (gap_s - SWITCH_EVERY_S).abs() <= slack,
            "sides changed {gap_s:.3} s apart (± {slack:.3}), scripted every {SWITCH_EVERY_S} s: {runs:?}"
        );
    }

    // Loudness: the last whole stretch of each side (the match has had 10 s to converge),
    // less 100 ms at each end (the crossfades), equally loud.
    let mut lufs = [f64::NAN; 2];
    for k in (1..runs.len()).rev() {
        let (side, from, to) = runs[k - 1];
        let (a, b) = (at0 + (from + 5) * BLOCK, at0 + (to - 5) * BLOCK);
        if b > a + RATE && lufs[side].is_nan() {
            lufs[side] = loudness(&cap[2 * a..2 * b]);
        }
    }
    let (side0, from0, first_to) = runs[0];
    let first = loudness(&cap[2 * (at0 + from0 * BLOCK)..2 * (at0 + first_to * BLOCK)]);
    eprintln!(
        "live e2e loudness: first stretch ({}) {first:.2} LUFS; last A {:.2} LUFS, last B {:.2} LUFS",
        ["A", "B"][side0],
        lufs[0],
        lufs[1]
    );
    eprintln!(
        "live e2e gains: start {} dB, end {} dB",
        start["gain_db"], end["gain_db"]
    );
    let moved = |i: usize| {
        (end["gain_db"][i].as_f64().unwrap_or(0.0) - start["gain_db"][i].as_f64().unwrap_or(0.0))
            .abs()
    };
    assert!(
        moved(0).max(moved(1)) > 1.0,
        "the match hardly moved from its start: the check below would prove nothing"
    );
    assert!(
        (lufs[0] - lufs[1]).abs() < 0.5,
        "sides not matched within 0.5 LU: A {:.2}, B {:.2}",
        lufs[0],
        lufs[1]
    );
}

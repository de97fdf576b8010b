//! The device layer against a real, clock-paced device (a PulseAudio null sink, see
//! tests/common/pulse.rs): what we render is what the device plays, at the device's pace.
//! Skips loudly without PulseAudio; fails instead under IEMSIM_REQUIRE_AUDIO=1 (.ci/run).

use crate::common::pulse;

use iemsim::playback::device::{self, DeviceError};
use std::f64::consts::TAU;
use std::process::Command;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const RATE: u32 = 48_000;
const FREQ: f64 = 997.0; // prime to the rate: every sample phase differs, no lucky aliasing
const AMP: f32 = 0.25;
const TONE_FRAMES: u64 = 72_000; // 1.5 s
/// Enough callbacks for 3 s of periods down to 256 frames.
const MAX_CALLBACKS: usize = 1024;

/// The reference signal, sample by sample (f64 phase so it does not drift).
fn tone(frame: u64) -> f32 {
    if frame < TONE_FRAMES {
        ((TAU * FREQ * frame as f64 / f64::from(RATE)).sin() as f32) * AMP
    } else {
        0.0
    }
}

/// Per-callback (frames rendered before it, wall time) log, filled by the audio thread without
/// locks or allocation: atomics in a pre-allocated array.
struct CallbackLog {
    t0: Instant,
    count: AtomicUsize,
    frames: Vec<AtomicU64>,
    nanos: Vec<AtomicU64>,
}

impl CallbackLog {
    fn new() -> Self {
        CallbackLog {
            t0: Instant::now(),
            count: AtomicUsize::new(0),
            frames: (0..MAX_CALLBACKS).map(|_| AtomicU64::new(0)).collect(),
            nanos: (0..MAX_CALLBACKS).map(|_| AtomicU64::new(0)).collect(),
        }
    }
    fn record(&self, frames_before: u64) {
        let i = self.count.load(Ordering::Relaxed);
        if i < MAX_CALLBACKS {
            self.frames[i].store(frames_before, Ordering::Relaxed);
            let ns = self.t0.elapsed().as_nanos() as u64;
            self.nanos[i].store(ns, Ordering::Relaxed);
            self.count.store(i + 1, Ordering::Release);
        }
    }
    fn entries(&self) -> Vec<(u64, f64)> {
        let n = self.count.load(Ordering::Acquire);
        (0..n)
            .map(|i| {
                (
                    self.frames[i].load(Ordering::Relaxed),
                    self.nanos[i].load(Ordering::Relaxed) as f64 * 1e-9,
                )
            })
            .collect()
    }
}

/// One play-and-capture of the tone: what the device received and how fast it took it.
struct Attempt {
    /// A device error during play (only a starved machine should cause one here).
    error: Option<DeviceError>,
    alignment: pulse::Alignment,
    /// Captured left channel from the tone's start, inserted silence (underruns) removed.
    degapped: Vec<f32>,
    /// Non-silent span as a listener would time it (gaps included), seconds.
    audible_s: f64,
    pacing: f64,
    stats: device::DeviceStats,
    granted: Option<u32>,
    min_callback: u64,
}

fn play_tone(stack: &pulse::PulseStack) -> Attempt {
    let capture = pulse::Capture::start(stack);
    let out = device::open(None, RATE).expect("open the default device");
    assert_eq!(
        (out.rate(), out.channels(), out.sample_format().as_str()),
        (RATE, 2, "f32"),
        "the null sink is 48 kHz float stereo: no conversion should be chosen"
    );
    assert_eq!(
        out.buffer_frames(),
        Some(device::PREFERRED_BUFFER_FRAMES),
        "fixed period requested"
    );
    let channels = usize::from(out.channels());

    let log = Arc::new(CallbackLog::new());
    let log_cb = Arc::clone(&log);
    let mut frame: u64 = 0;
    let started = Instant::now();
    let running = out
        .start(move |buf: &mut [f32]| {
            log_cb.record(frame);
            for f in buf.chunks_mut(channels) {
                let x = tone(frame);
                f.iter_mut().for_each(|s| *s = x);
                frame += 1;
            }
        })
        .expect("start the stream");
    let granted = running.buffer_frames();

    // Play the tone and 0.5 s of silence after it, then keep the stream `tail()` longer: the
    // device still holds a buffer.
    let end = TONE_FRAMES + u64::from(RATE) / 2;
    let mut error = None;
    while running.stats().frames < end && error.is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "stalled: {:?}",
            running.stats()
        );
        error = running.error();
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(running.tail());
    let stats = running.stats();
    let error = error.or_else(|| running.error());
    drop(running);
    let (rate, ch, samples) = capture.stop();
    assert_eq!((rate, ch), (RATE, 2));

    // Left and right must be identical (we wrote the same value to both).
    let left: Vec<f32> = samples.chunks(2).map(|f| f[0]).collect();
    assert!(
        samples.chunks(2).all(|f| f[0] == f[1]),
        "channels differ: interleaving is wrong"
    );
    let reference: Vec<f32> = (0..TONE_FRAMES + 4_800).map(tone).collect();
    let alignment = pulse::align(&left, &reference, 1e-6).expect("the tone reached the device");
    let mut degapped = Vec::with_capacity(reference.len());
    let mut i = alignment.start;
    while i < alignment.end {
        let run = left[i..alignment.end]
            .iter()
            .take_while(|x| **x == 0.0)
            .count();
        if run >= 2 && i + run < alignment.end {
            i += run; // inserted silence, not part of the tone
        } else {
            degapped.push(left[i]);
            i += 1;
        }
    }
    let loud = |x: &f32| x.abs() > 1e-3;
    let first = left.iter().position(loud).expect("tone");
    let last = left.iter().rposition(loud).expect("tone");
    // The tone starts at sin(0) = 0: its first audible sample is its frame 1.
    let audible_s = (last + 2 - first) as f64 / f64::from(RATE);

    // Pacing: wall time between callbacks vs frames rendered in between, after the prefill
    // (the first periods are requested at once) and over the whole tone.
    let entries = log.entries();
    let a = *entries.iter().find(|(f, _)| *f >= 4_800).expect("log");
    let b = *entries.iter().rev().find(|(f, _)| *f <= end).expect("log");
    let pacing = (b.1 - a.1) / ((b.0 - a.0) as f64 / f64::from(RATE));
    let min_callback = entries
        .windows(2)
        .map(|w| w[1].0 - w[0].0)
        .min()
        .unwrap_or(0);
    Attempt {
        error,
        alignment,
        degapped,
        audible_s,
        pacing,
        stats,
        granted,
        min_callback,
    }
}

#[test]
fn plays_exactly_what_we_render_at_the_device_pace() {
    let Some(stack) = pulse::PulseStack::start() else {
        return;
    };
    let _env = stack.in_process();
    // Our code is deterministic: a bug fails every attempt. A loaded machine can starve the
    // audio threads (ours, libpulse's, the server's) and insert silence: retry that, loudly,
    // and in the end report it rather than fail (timing is not guaranteed, so not asserted;
    // under two busy loops all 3 attempts glitched, with 4-26 gaps each).
    const ATTEMPTS: usize = 3;
    for attempt in 1..=ATTEMPTS {
        let t = play_tone(&stack);
        let al = &t.alignment;
        println!(
            "attempt {attempt}: {al:?}; audible {:.4} s; pacing {:.4}; {:?}; periods {}..={} (granted {:?})",
            t.audible_s, t.pacing, t.stats, t.min_callback, t.stats.max_callback_frames, t.granted
        );
        // --- deterministic: our bugs would fail every attempt --------------------------
        assert_eq!(al.foreign, 0, "captured samples that we never rendered");
        let seg = &t.degapped[..t.degapped.len().min(TONE_FRAMES as usize)];
        // Median spacing of rising zero crossings (interpolated): robust to a dropout.
        let crossings: Vec<f64> = seg
            .windows(2)
            .enumerate()
            .filter(|(_, w)| w[0] < 0.0 && w[1] >= 0.0)
            .map(|(i, w)| i as f64 + f64::from(w[0] / (w[0] - w[1])))
            .collect();
        let mut periods: Vec<f64> = crossings.windows(2).map(|w| w[1] - w[0]).collect();
        periods.sort_by(f64::total_cmp);
        let freq = f64::from(RATE) / periods[periods.len() / 2];
        let peak = seg.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        let rms =
            (seg.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / seg.len() as f64).sqrt();
        println!(
            "frequency {freq:.3} Hz, peak {peak:.5}, rms·√2 {:.5}",
            rms * 2f64.sqrt()
        );
        assert!((freq - FREQ).abs() < 0.5, "played {freq:.3} Hz, want 997");
        assert!((peak - AMP).abs() < 0.01, "peak {peak}");
        assert!(
            (rms * 2f64.sqrt() - f64::from(AMP)).abs() < 0.01,
            "rms {rms}"
        );
        // ALSA's pulse plugin grants 2/3 of the period asked (the 2-period ring cut in 3): 1365
        // for 2048; a sound card gives 2048. Either way: what the stream said, and fixed.
        assert_eq!(
            Some(t.stats.max_callback_frames),
            t.granted.map(u64::from),
            "callback size"
        );
        assert!(t.stats.max_callback_frames <= u64::from(device::PREFERRED_BUFFER_FRAMES));
        assert_eq!(t.min_callback, t.stats.max_callback_frames, "fixed period");

        // --- timing: the device's pace, no audible dropouts ------------------------------
        // Sample-exact and complete, no audible dropout, at the device's pace.
        let clean = t.error.is_none()
            && al.missing == 0
            && al.matched == TONE_FRAMES + 4_800
            && (t.audible_s - 1.5).abs() < 0.020
            && (0.97..=1.03).contains(&t.pacing);
        if clean {
            return;
        }
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            format!(
                "\n=== GLITCH (attempt {attempt}/{ATTEMPTS}): tone audible {:.4} s (want 1.5 ± 0.02), \
                 {} gaps / {} frames of inserted silence, {} frames lost, pacing {:.4}, error {:?}: \
                 the machine is too busy ===\n",
                t.audible_s, al.gaps, al.gap_frames, al.missing, t.pacing, t.error
            )
            .as_bytes(),
        );
    }
    pulse::skipped(&format!(
        "(in part) the timing checks: no glitch-free playback in {ATTEMPTS} attempts, the \
         machine is too busy (see GLITCH lines); the content checks passed every attempt"
    ));
}

#[test]
fn losing_the_sound_server_mid_play_is_reported_not_a_panic() {
    let Some(stack) = pulse::PulseStack::start_private() else {
        return;
    };
    let _env = stack.in_process();
    let capture = pulse::Capture::start(&stack);
    let out = device::open(None, RATE).expect("open");
    let running = out.start(|buf: &mut [f32]| buf.fill(0.0)).expect("start");
    let t = Instant::now();
    while running.stats().frames < u64::from(RATE) / 5 {
        assert!(t.elapsed() < Duration::from_secs(5), "never started");
        assert_eq!(running.error(), None);
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(running.error(), None);
    assert!(stack.kill_server(), "stop the private server");
    drop(capture);
    let t = Instant::now();
    let err = loop {
        if let Some(e) = running.error() {
            break e;
        }
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "no error 5 s after the server died: {:?}",
            running.stats()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    println!(
        "{:.2} s after the server died: {err}",
        t.elapsed().as_secs_f64()
    );
    assert!(matches!(err, DeviceError::Lost { .. }), "{err:?}");
    assert!(err.to_string().contains("stopped working"), "{err}");
    drop(running); // stopping a dead stream must not hang or panic either
}

fn iemsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_iemsim"))
}

#[test]
fn devices_lists_the_default_device_through_the_stack() {
    let Some(stack) = pulse::PulseStack::start() else {
        return;
    };
    let out = iemsim()
        .arg("devices")
        .envs(stack.env())
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.lines().any(|l| l.starts_with("* default")),
        "default not marked:\n{text}"
    );
    assert!(text.contains("f32"), "{text}");
    // The server's sinks, which --device takes since play reaches them by name, are listed.
    let sinks = text
        .split("Sound server sinks")
        .nth(1)
        .unwrap_or_else(|| panic!("no server sinks listed:\n{text}"));
    assert!(
        sinks.lines().any(|l| l.trim() == stack.sink()),
        "{} not listed:\n{text}",
        stack.sink()
    );

    let out = iemsim()
        .args(["devices", "--json"])
        .envs(stack.env())
        .output()
        .expect("run");
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let list = v.as_array().expect("array");
    let default: Vec<_> = list
        .iter()
        .filter(|d| d["is_default"] == true && d["kind"] == "output")
        .collect();
    assert_eq!(default.len(), 1, "{v}");
    // Inputs are listed too (`iemsim live --input`): the server's default source.
    assert!(
        list.iter()
            .any(|d| d["kind"] == "input" && d["is_default"] == true),
        "no default input: {v}"
    );
    assert_eq!(default[0]["name"], "default");
    let ok_rate = default[0]["rates"]
        .as_array()
        .expect("rates")
        .iter()
        .any(|r| r[0].as_u64() <= Some(48_000) && r[1].as_u64() >= Some(48_000));
    assert!(ok_rate, "{v}");
}

/// Does this machine have a sound card? (Then a "bare" environment still has devices.)
fn has_sound_card() -> bool {
    std::fs::read_to_string("/proc/asound/cards")
        .map(|s| !s.contains("no soundcards") && !s.trim().is_empty())
        .unwrap_or(false)
}

#[test]
fn devices_on_a_machine_without_sound_says_so_and_exits_1() {
    if has_sound_card() {
        pulse::skipped("this machine has a sound card; the no-device case cannot be staged");
        return;
    }
    // No audio server reachable (and none autospawned), stock ALSA configuration.
    let out = iemsim()
        .args(["devices"])
        .env_remove("ALSA_CONFIG_PATH")
        .env_remove("PULSE_SINK")
        .env("PULSE_SERVER", "unix:/nonexistent/pulse.sock")
        .env("PULSE_COOKIE", "/nonexistent/cookie")
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    // With pactl to ask, the server that cannot be reached is named, as play and live name it;
    // without, there is just no device.
    let pactl = Command::new("pactl").arg("--version").output().is_ok();
    let said = match pactl {
        true => "cannot reach its sound server",
        false => "no audio output device found",
    };
    assert!(err.contains(said) && err.contains("iemsim export"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line, no library noise: {err}");
}

#[test]
fn devices_are_chosen_by_name_and_an_unknown_name_lists_the_real_ones() {
    let Some(stack) = pulse::PulseStack::start() else {
        return;
    };
    let _env = stack.in_process();
    let out = device::open(Some("PULSE"), RATE).expect("case-insensitive exact id");
    assert_eq!(out.device_name(), "pulse");
    assert!(!out.is_default());
    let out = device::open(Some("sound server"), RATE).expect("part of the description");
    assert!(["default", "pulse"].contains(&out.device_name()), "{out:?}");
    match device::open(Some("no-such-card"), RATE) {
        Err(DeviceError::NotFound { name, available }) => {
            assert_eq!(name, "no-such-card");
            assert!(available.contains(&"default".to_string()), "{available:?}");
            assert!(!available.contains(&"null".to_string()), "{available:?}");
            // The server's sinks, which --device takes too, are named with them.
            assert!(available.iter().any(|a| a == stack.sink()), "{available:?}");
        }
        other => panic!("want NotFound, got {other:?}"),
    }
    // A blank or short name never lands on a hidden device (ALSA's `null` matched "" and "a"
    // by its description, and "played" a whole file in 0.1 s into nothing).
    for blank in ["", "  "] {
        match device::open(Some(blank), RATE) {
            Err(DeviceError::NotFound { .. }) => {}
            other => panic!("{blank:?}: want NotFound, got {other:?}"),
        }
    }
    for short in ["a", "discard"] {
        if let Ok(out) = device::open(Some(short), RATE) {
            assert_ne!(out.device_name(), "null", "{short:?}");
        }
    }
    // A name nothing matches is the user's to fix: exit 2, like an unknown profile (a missing
    // or failing device stays exit 1).
    for args in [
        &[
            "play",
            "--device",
            "no-such-card",
            "--no-tui",
            "--duration",
            "1",
        ][..],
        &[
            "live",
            "--input",
            "no-such-source",
            "--no-tui",
            "--duration",
            "1",
        ][..],
        // Without --input this was refused as feedback between the default sink and its
        // monitor, naming a device the user had not asked for.
        &[
            "live",
            "--device",
            "no-such-card",
            "--no-tui",
            "--duration",
            "1",
        ][..],
    ] {
        let o = iemsim().args(args).envs(stack.env()).output().expect("run");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("no-such-"), "{args:?}: {err}");
    }
}

/// `live --setup` and `--undo` on a private server (its own sink named iemsim, so the user's is
/// never touched), and both the setup and the players when the server cannot be reached: they
/// say so, exit 1 (`--undo` said "no sink to remove" and exited 0; `play` printed ALSA's raw
/// "Connection refused (111)").
#[test]
fn setup_and_a_server_that_cannot_be_reached_say_what_is_wrong() {
    let Some(stack) = pulse::PulseStack::start_private() else {
        return;
    };
    let run = |args: &[&str], server: Option<&str>| {
        let mut c = iemsim();
        c.args(args).envs(stack.env());
        if let Some(s) = server {
            c.env("PULSE_SERVER", s);
        }
        let o = c.output().expect("run");
        let out = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        (o.status.code(), out)
    };
    let (code, out) = run(&["live", "--setup"], None);
    assert_eq!(code, Some(0), "{out}");
    // play takes a server sink by name too (live did, play said "no device matches").
    let (code, out) = run(
        &[
            "play",
            "--device",
            "iemsim",
            "--no-tui",
            "--duration",
            "0.3",
        ],
        None,
    );
    assert!(code == Some(0) && out.contains("(iemsim)"), "{out}");
    assert!(!out.contains("also matches"), "an exact name: {out}");
    // Part of a name that matches several sources (the monitors of both sinks) is noted, naming
    // the one taken and the others; before, the first was taken without a word.
    let (_, out) = run(
        &[
            "live",
            "--input",
            "monitor",
            "--no-tui",
            "--duration",
            "0.3",
        ],
        None,
    );
    assert!(out.contains("--input 'monitor' also matches"), "{out}");
    let (code, out) = run(&["live", "--setup", "--undo"], None);
    assert!(code == Some(0) && out.contains("removed"), "{out}");
    let (code, out) = run(&["live", "--setup", "--undo"], None);
    assert!(code == Some(0) && out.contains("no `iemsim` sink"), "{out}");
    let nowhere = "unix:/nonexistent/iemsim-test/native";
    for args in [&["live", "--setup", "--undo"][..], &["live", "--setup"][..]] {
        let (code, out) = run(args, Some(nowhere));
        assert_eq!(code, Some(1), "{args:?}: {out}");
        assert!(out.contains("PulseAudio or PipeWire"), "{args:?}: {out}");
    }
    let (code, out) = run(&["play", "--no-tui", "--duration", "1"], Some(nowhere));
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("sound server"), "{out}");
    // A source named on a server that is down: not "no input matches" (exit 2).
    let live = [
        "live",
        "--input",
        "iemsim.monitor",
        "--no-tui",
        "--duration",
        "1",
    ];
    let (code, out) = run(&live, Some(nowhere));
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("cannot reach its sound server"), "{out}");
    // `devices` says the same (it said "no audio output device found"), plain and JSON.
    for args in [&["devices"][..], &["devices", "--json"][..]] {
        let (code, out) = run(args, Some(nowhere));
        assert_eq!(code, Some(1), "{args:?}: {out}");
        assert!(
            out.contains("cannot reach its sound server"),
            "{args:?}: {out}"
        );
    }
}

/// `play --json` whose sound server dies mid-play (and does not come back within the time it is
/// waited for: 30 s, here 3 s through `IEMSIM_DEVICE_WAIT_S`) ends its event stream with `lost`,
/// then an error event (it stopped after `start`, the reason only on stderr), and exits 1: the run
/// did not play what it was asked to. A malformed wait is refused by name before anything plays.
#[test]
fn a_json_stream_ends_with_the_error_that_ended_it() {
    use std::io::{BufRead, BufReader};
    let Some(stack) = pulse::PulseStack::start_private() else {
        return;
    };
    let bad = iemsim()
        .args(["play", "--no-tui", "--json", "--duration", "1"])
        .envs(stack.env())
        .env("IEMSIM_DEVICE_WAIT_S", "0")
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(2), "{err}");
    assert!(
        err.contains("IEMSIM_DEVICE_WAIT_S") && err.contains("\"0\""),
        "{err}"
    );
    let capture = pulse::Capture::start(&stack);
    let t = Instant::now();
    let mut child = iemsim()
        .args(["play", "--no-tui", "--json", "--duration", "6"])
        .envs(stack.env())
        .env("IEMSIM_DEVICE_WAIT_S", "3")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    assert!(first.contains("\"start\""), "{first}");
    assert!(stack.kill_server(), "stop the private server");
    drop(capture);
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(1), "{rest:?}");
    let last: serde_json::Value =
        serde_json::from_str(rest.last().expect("an error event")).expect("JSON");
    assert_eq!(last["event"], "error", "{rest:?}");
    assert_eq!(last["exit_code"], 1);
    assert!(
        last["message"]
            .as_str()
            .unwrap_or("")
            .contains("did not come back within 3 s"),
        "{last}"
    );
    assert!(rest.iter().any(|l| l.contains("\"lost\"")), "{rest:?}");
    // It waited the 3 s asked for, not the default 30.
    assert!(t.elapsed() < Duration::from_secs(15), "{:?}", t.elapsed());
}

/// `live --input iemsim.monitor`, then `live --setup --undo` in another terminal: the server moves
/// the capture to its default source, here the monitor of the sink live plays to, a feedback
/// loop the start-up check refuses. Live now re-checks where its streams are and stops, saying
/// why (it went on recording its own output, louder and louder).
#[test]
fn live_stops_when_the_server_moves_it_into_feedback() {
    use std::io::{BufRead, BufReader};
    let Some(stack) = pulse::PulseStack::start_private() else {
        return;
    };
    let env = stack.env();
    let setup = |args: &[&str]| {
        let o = iemsim().args(args).envs(env.clone()).output().expect("run");
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    setup(&["live", "--setup"]);
    let monitor = format!("{}.monitor", stack.sink());
    let default = Command::new("pactl")
        .args(["set-default-source", &monitor])
        .envs(env.clone())
        .status()
        .expect("pactl");
    assert!(default.success());
    let mut child = iemsim()
        .args(["live", "--no-tui", "--json", "--duration", "20"])
        .args(["--input", "iemsim.monitor"])
        .envs(env.clone())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    assert!(first.contains("\"start\""), "{first}");
    setup(&["live", "--setup", "--undo"]);
    let t = Instant::now();
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(1), "{rest:?}");
    assert!(t.elapsed() < Duration::from_secs(10), "{rest:?}");
    let last = rest.last().expect("an error event");
    assert!(
        last.contains("\"error\"") && last.contains("feedback"),
        "{last}"
    );
}

/// A sound server that restarts under `live` (an update, `systemctl --user restart`) is back
/// after a few seconds: live opens its devices again once it is, rather than ending the session
/// on the first failed attempt, and says so on its event stream.
#[test]
fn live_waits_for_a_sound_server_that_comes_back() {
    use std::io::{BufRead, BufReader};
    let Some(stack) = pulse::PulseStack::start_private_with(&["music"]) else {
        return;
    };
    let mut child = iemsim()
        .args(["live", "--no-tui", "--json", "--duration", "8"])
        .args(["--input", "music.monitor", "--device", "vsink"])
        .envs(stack.server_env())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    assert!(first.contains("\"start\""), "{first}");
    assert!(stack.restart_server(Duration::from_secs(3)), "restart");
    let events: Vec<serde_json::Value> = lines
        .map_while(Result::ok)
        .filter_map(|l| serde_json::from_str(&l).ok())
        .collect();
    let status = child.wait().expect("wait");
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["event"].as_str()).collect();
    assert_eq!(status.code(), Some(0), "{events:?}");
    let at = |kind: &str| {
        events
            .iter()
            .find(|e| e["event"] == kind)
            .and_then(|e| e["t_s"].as_f64())
    };
    let (Some(lost), Some(back)) = (at("lost"), at("restart")) else {
        panic!("no lost and restart events: {kinds:?}");
    };
    assert!(
        back - lost >= 2.0,
        "back {back} s, lost {lost} s: {kinds:?}"
    );
    let end = events.last().expect("end");
    assert_eq!(end["event"], "end", "{kinds:?}");
    assert_eq!(end["restarts"], 1, "{end}");
}

/// The same for `play` (and so `abx` and `demo`, which share its player): a server restarting
/// mid-play is waited for, and playback goes on from where it was, not from the start.
#[test]
fn play_goes_on_where_it_was_after_the_sound_server_comes_back() {
    use std::io::{BufRead, BufReader};
    let Some(stack) = pulse::PulseStack::start_private_with(&[]) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let music = dir.path().join("m.wav");
    let gen = iemsim()
        .args(["generate", "music", "--seconds", "30", "-o"])
        .arg(&music)
        .output()
        .expect("run");
    assert!(
        gen.status.success(),
        "{}",
        String::from_utf8_lossy(&gen.stderr)
    );
    let mut child = iemsim()
        .args([
            "play",
            "--no-tui",
            "--json",
            "--duration",
            "8",
            "--device",
            "vsink",
        ])
        .arg(&music)
        .envs(stack.server_env())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    assert!(first.contains("\"start\""), "{first}");
    std::thread::sleep(Duration::from_secs(2));
    assert!(stack.restart_server(Duration::from_secs(3)), "restart");
    let events: Vec<serde_json::Value> = lines
        .map_while(Result::ok)
        .filter_map(|l| serde_json::from_str(&l).ok())
        .collect();
    let status = child.wait().expect("wait");
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["event"].as_str()).collect();
    assert_eq!(status.code(), Some(0), "{events:?}");
    let event = |kind: &str| {
        events
            .iter()
            .find(|e| e["event"] == kind)
            .unwrap_or_else(|| panic!("no {kind} event: {kinds:?}"))
    };
    let f = |e: &serde_json::Value, k: &str| e[k].as_f64().unwrap_or(f64::NAN);
    let (lost, back, end) = (event("lost"), event("restart"), event("end"));
    // Away for the server's 3 s, less the time it took to notice; the played seconds stand still
    // meanwhile, so the outage does not come off the end of the 8 s.
    assert!(f(back, "down_s") >= 1.5, "{events:?}");
    assert!((f(back, "t_s") - f(lost, "t_s")).abs() < 0.5, "{events:?}");
    // It plays on from where it stopped (about 2 s in), not from the start, for the rest of
    // the 8 s.
    assert!(f(lost, "position_s") >= 1.5, "{lost}");
    assert!(
        (f(back, "position_s") - f(lost, "position_s")).abs() < 0.5,
        "{events:?}"
    );
    let after = f(end, "position_s") - f(back, "position_s");
    let played = f(end, "t_s") - f(back, "t_s");
    assert!(
        (after - played).abs() < 0.5,
        "{after} s of file in {played} s: {events:?}"
    );
    assert!((f(end, "t_s") - 8.0).abs() < 0.1, "{end}");
    assert_eq!(end["restarts"], 1, "{end}");
    // Played seconds are the audio rendered: the second a loss takes to be noticed, in which
    // nothing is heard, no longer counts (t_s ran about 1 s ahead of the file at `lost`, and
    // the 8 s ended about 1 s early in the file).
    assert!(
        (f(lost, "t_s") - f(lost, "position_s")).abs() < 0.3,
        "{lost}"
    );
    assert!(f(end, "position_s") > 7.7, "{end}");
}

/// A sink that stalls for a while (suspended: PulseAudio still takes a new stream's first
/// buffer, then asks for nothing) is one outage, however many attempts it takes: a reopened
/// device is back only once it keeps asking for audio. Each attempt's first buffer used to count
/// as the device coming back, so every retry was a new loss, and five of them in ten seconds
/// ended the run (exit 1) long before the wait for the device was over.
#[test]
fn play_waits_out_a_stalled_sink_as_one_outage() {
    use std::io::{BufRead, BufReader};
    let Some(stack) = pulse::PulseStack::start() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let music = dir.path().join("m.wav");
    let gen = iemsim()
        .args(["generate", "music", "--seconds", "10", "-o"])
        .arg(&music)
        .output()
        .expect("run");
    assert!(
        gen.status.success(),
        "{}",
        String::from_utf8_lossy(&gen.stderr)
    );
    let mut child = iemsim()
        .args(["play", "--no-tui", "--json", "--duration", "3"])
        .arg(&music)
        .envs(stack.env())
        .env("IEMSIM_DEVICE_WAIT_S", "20")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    assert!(first.contains("\"start\""), "{first}");
    let suspend = |on: &str| {
        let ok = Command::new("pactl")
            .args(["suspend-sink", stack.sink(), on])
            .envs(stack.server_env())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "pactl suspend-sink {on}");
    };
    // Stalled for 6 s: noticed after 2 s (the stall detection), so about 4 s without a device.
    std::thread::sleep(Duration::from_millis(1500));
    suspend("1");
    std::thread::sleep(Duration::from_secs(6));
    suspend("0");
    let events: Vec<serde_json::Value> = lines
        .map_while(Result::ok)
        .filter_map(|l| serde_json::from_str(&l).ok())
        .collect();
    let status = child.wait().expect("wait");
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["event"].as_str()).collect();
    assert_eq!(status.code(), Some(0), "{events:?}");
    let of = |kind: &str| {
        events
            .iter()
            .filter(|e| e["event"] == kind)
            .collect::<Vec<_>>()
    };
    let (lost, back, end) = (of("lost"), of("restart"), of("end"));
    assert_eq!((lost.len(), back.len(), end.len()), (1, 1, 1), "{kinds:?}");
    let f = |e: &serde_json::Value, k: &str| e[k].as_f64().unwrap_or(f64::NAN);
    let (lost, back, end) = (lost[0], back[0], end[0]);
    assert!(f(back, "down_s") >= 3.5, "{back}");
    assert!(f(back, "down_s") < 6.5, "{back}");
    assert_eq!(end["restarts"], 1, "{end}");
    // It plays on from where it stopped: at the restart, the file is further only by what the
    // reopened stream played while it proved it runs (a quarter second or so) and its buffer.
    let ahead = f(back, "position_s") - f(lost, "position_s");
    assert!((0.0..0.7).contains(&ahead), "{ahead} s ahead: {events:?}");
    // What the failed attempts' streams took (never heard) is neither skipped nor played.
    let t_ahead = f(back, "t_s") - f(lost, "t_s");
    assert!(
        (ahead - t_ahead).abs() < 0.05,
        "{ahead} s of file in {t_ahead} s: {events:?}"
    );
    let after = f(end, "position_s") - f(back, "position_s");
    let played = f(end, "t_s") - f(back, "t_s");
    assert!(
        (after - played).abs() < 0.2,
        "{after} s of file in {played} s: {events:?}"
    );
    assert!((f(end, "t_s") - 3.0).abs() < 0.1, "{end}");
}

/// The same for `live`: its output stalling (the sink suspended) is one outage, however many
/// attempts it takes, and the restart says how long it lasted.
#[test]
fn live_waits_out_a_stalled_sink_as_one_outage() {
    use std::io::{BufRead, BufReader};
    let Some(stack) = pulse::PulseStack::start_private_with(&["music"]) else {
        return;
    };
    let mut child = iemsim()
        .args(["live", "--no-tui", "--json", "--duration", "9"])
        .args(["--input", "music.monitor", "--device", "vsink"])
        .envs(stack.server_env())
        .env("IEMSIM_DEVICE_WAIT_S", "20")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    assert!(first.contains("\"start\""), "{first}");
    let suspend = |on: &str| {
        let ok = Command::new("pactl")
            .args(["suspend-sink", "vsink", on])
            .envs(stack.server_env())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "pactl suspend-sink {on}");
    };
    std::thread::sleep(Duration::from_millis(1000));
    suspend("1");
    std::thread::sleep(Duration::from_secs(6));
    suspend("0");
    let events: Vec<serde_json::Value> = lines
        .map_while(Result::ok)
        .filter_map(|l| serde_json::from_str(&l).ok())
        .collect();
    let status = child.wait().expect("wait");
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["event"].as_str()).collect();
    assert_eq!(status.code(), Some(0), "{events:?}");
    let of = |kind: &str| {
        events
            .iter()
            .filter(|e| e["event"] == kind)
            .collect::<Vec<_>>()
    };
    let (lost, back, end) = (of("lost"), of("restart"), of("end"));
    assert_eq!((lost.len(), back.len(), end.len()), (1, 1, 1), "{kinds:?}");
    let down_s = back[0]["down_s"].as_f64().unwrap_or(f64::NAN);
    assert!((3.5..6.5).contains(&down_s), "{}", back[0]);
    assert_eq!(end[0]["restarts"], 1, "{}", end[0]);
}

/// A sink named iemsim that `--setup` did not make (here a remap sink): `--setup` said it
/// "created a virtual sink `iemsim`" while the server named its new one `iemsim.2`, and told the
/// user to route into `iemsim`, the other sink. It is refused now (exit 2: the user's to fix; nothing created, the
/// other sink's module named), and `--undo` leaves that sink alone. Then, with the apps' sink
/// made the default output, the feedback refusal told a user who gave no --device to "drop
/// `--device iemsim`"; it now says to set the default back, or to name the headphones.
#[test]
fn setup_refuses_a_sink_of_its_name_it_did_not_make() {
    let Some(stack) = pulse::PulseStack::start_private() else {
        return;
    };
    // The server's default sink decides where live plays: no PULSE_SINK of the stack's.
    let env: Vec<_> = stack
        .env()
        .into_iter()
        .filter(|(k, _)| k != "PULSE_SINK")
        .collect();
    let pactl = |args: &[&str]| {
        let o = Command::new("pactl")
            .args(args)
            .envs(env.clone())
            .output()
            .expect("pactl");
        assert!(o.status.success(), "pactl {args:?}");
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    let run = |args: &[&str]| {
        let o = iemsim().args(args).envs(env.clone()).output().expect("run");
        let out = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        (o.status.code(), out)
    };
    let master = format!("master={}", stack.sink());
    let remap = pactl(&[
        "load-module",
        "module-remap-sink",
        "sink_name=iemsim",
        &master,
    ]);
    let sinks = || pactl(&["list", "short", "sinks"]);
    let before = sinks();
    let (code, out) = run(&["live", "--setup"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(!out.contains("created a virtual sink"), "{out}");
    assert!(
        out.contains(&format!("pactl unload-module {remap}")),
        "{out}"
    );
    let (code, out) = run(&["live", "--setup", "--undo"]);
    assert!(code == Some(0) && out.contains("left as it is"), "{out}");
    assert!(
        out.contains(&format!("pactl unload-module {remap}")),
        "{out}"
    );
    assert_eq!(sinks(), before, "a sink was made or removed");
    pactl(&["unload-module", &remap]);

    let (code, out) = run(&["live", "--setup"]);
    assert!(code == Some(0) && out.contains("created"), "{out}");
    pactl(&["set-default-sink", "iemsim"]);
    let live = [
        "live",
        "--no-tui",
        "--duration",
        "2",
        "--input",
        "iemsim.monitor",
    ];
    let (code, out) = run(&live);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("feedback") && out.contains("set-default-sink"),
        "{out}"
    );
    assert!(
        !out.contains("--device iemsim"),
        "no --device was given: {out}"
    );
    let (code, out) = run(&[&live[..], &["--device", "iemsim"]].concat());
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("drop `--device iemsim`"), "{out}");
    pactl(&["set-default-sink", stack.sink()]);
    let (code, out) = run(&["live", "--setup", "--undo"]);
    assert!(code == Some(0) && out.contains("removed"), "{out}");
}

/// `live -a/-b FILE` and `--headphones FILE` obey the one Nyquist rule at the rate the chain runs
/// at, the output's (the stack's 48 kHz sink): a filter at 30 kHz is refused (exit 2, the file's
/// line, as play/show/export say it), where live dropped it in silence and ran on the others.
/// One at 20 kHz, below 24 kHz, still plays.
#[test]
fn live_refuses_a_filter_at_the_outputs_nyquist_as_the_other_commands_do() {
    let Some(stack) = pulse::PulseStack::start_private_with(&["cap"]) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let file = |fc: u32| {
        let p = dir.path().join(format!("hi{fc}.toml"));
        let filters = format!(
            "name = \"hi{fc}\"\n\
             [[filters]]\ntype = \"peaking\"\nfc_hz = {fc}\ngain_db = 6\nq = 1\n\
             [[filters]]\ntype = \"peaking\"\nfc_hz = 1000\ngain_db = -3\nq = 1\n"
        );
        std::fs::write(&p, filters).expect("write");
        p.display().to_string()
    };
    let (hi, ok) = (file(30_000), file(20_000));
    let run = |extra: &[&str]| {
        let o = iemsim()
            .args([
                "live",
                "--input",
                "cap.monitor",
                "--no-tui",
                "--duration",
                "0.5",
            ])
            .args(["--no-match", "--no-headphones"])
            .args(extra)
            .envs(stack.env())
            .env("IEMSIM_CONFIG_DIR", dir.path())
            .output()
            .expect("run");
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let said = ":4: fc_hz: 30000 Hz is at or above the Nyquist frequency (24000 Hz) of 48000 Hz";
    for args in [
        ["-a", hi.as_str(), "-b", "neutral"],
        ["-a", "neutral", "-b", hi.as_str()],
    ] {
        let (code, err) = run(&args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains(said), "{args:?}: {err}");
    }
    let o = iemsim()
        .args([
            "live",
            "--input",
            "cap.monitor",
            "--no-tui",
            "--duration",
            "0.5",
        ])
        .args([
            "--no-match",
            "-a",
            "neutral",
            "-b",
            "ba",
            "--headphones",
            hi.as_str(),
        ])
        .envs(stack.env())
        .env("IEMSIM_CONFIG_DIR", dir.path())
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("headphone correction: {hi}{said}")),
        "{err}"
    );
    let (code, err) = run(&["-a", ok.as_str(), "-b", "neutral"]);
    assert_eq!(code, Some(0), "{err}");
}

/// `live --setup` takes as its own only a null sink loaded with its own arguments: a user's
/// `iemsim` sink with others (a rate, a description) was "already there" and then unloaded by
/// `--undo`; now it is refused with exit 2 (a refusal the user can fix, not a failure) and
/// left alone. Three `--setup` at once make one sink (they made iemsim, iemsim.2, iemsim.3).
#[test]
fn setup_leaves_a_foreign_iemsim_sink_alone_and_runs_one_at_a_time() {
    let Some(stack) = pulse::PulseStack::start_private() else {
        return;
    };
    let runtime = tempfile::tempdir().expect("tmp");
    let cmd = |prog: &str, args: &[&str]| {
        let mut c = Command::new(prog);
        c.args(args)
            .envs(stack.env())
            .env("XDG_RUNTIME_DIR", runtime.path());
        c
    };
    let sinks = || {
        let o = cmd("pactl", &["list", "short", "sinks"])
            .output()
            .expect("pactl");
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter_map(|l| l.split('\t').nth(1).map(str::to_string))
            .filter(|n| n == "iemsim" || n.starts_with("iemsim."))
            .collect::<Vec<_>>()
    };
    let bin = env!("CARGO_BIN_EXE_iemsim");
    let load = [
        "load-module",
        "module-null-sink",
        "sink_name=iemsim",
        "rate=96000",
    ];
    let o = cmd(
        "pactl",
        &[&load[..], &["sink_properties=device.description=MyBus"]].concat(),
    )
    .output()
    .expect("pactl");
    let module = String::from_utf8_lossy(&o.stdout).trim().to_string();
    let o = cmd(bin, &["live", "--setup"]).output().expect("run");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("did not make it"), "{err}");
    let o = cmd(bin, &["live", "--setup", "--undo"])
        .output()
        .expect("run");
    assert!(o.status.success());
    assert_eq!(sinks(), ["iemsim"], "the user's sink stays");
    // And --undo says so, with the module that made it (it said "no `iemsim` sink to remove").
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(
        said.contains("is not one, so it was left as it is")
            && said.contains(&format!("pactl unload-module {module}")),
        "{said}"
    );
    cmd("pactl", &["unload-module", &module])
        .output()
        .expect("pactl");
    let runs: Vec<_> = (0..3)
        .map(|_| cmd(bin, &["live", "--setup"]).spawn().expect("run"))
        .collect();
    for mut r in runs {
        assert!(r.wait().expect("wait").success());
    }
    assert_eq!(sinks(), ["iemsim"]);
    let o = cmd(bin, &["live", "--setup", "--undo"])
        .output()
        .expect("run");
    assert!(o.status.success());
    assert!(sinks().is_empty());
}

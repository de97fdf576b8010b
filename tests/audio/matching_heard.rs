//! Loudness matching measures what the listener hears: a 5.1 file played on a stereo device (or
//! logged by a scripted ABX, which assumes headphones) is matched as its ITU-R BS.775 stereo
//! downmix, not as its six channels. The reference downmix is made by sox, with the standard's
//! coefficients written out here, so the test does not lean on iemsim's own channel map.
//!
//! Why it matters: BS.1770 weighs the surrounds +1.5 dB while the downmix gives them −3 dB against
//! the fronts, so with bass-heavy fronts and bright surrounds the A/B loudness difference of two
//! tunings (one bassier, one brighter) measured on the six channels is not the one heard.

use crate::common::cli;
use crate::common::pulse;
use crate::common::tools;

use serde_json::Value;
use std::path::Path;

/// 5.1 (L R C LFE Ls Rs): brown noise on the fronts, white noise on the surrounds, a little
/// speech-band tone on the centre; 4 s at 48 kHz, float.
fn surround(dir: &Path) -> String {
    let p = dir.join("surround-5.1.wav");
    let s = p.to_str().expect("utf-8 path").to_string();
    tools::sox(&[
        "-n",
        "-r",
        "48000",
        "-c",
        "6",
        "-b",
        "32",
        "-e",
        "floating-point",
        &s,
        "synth",
        "4",
        "brownnoise",
        "brownnoise",
        "sine",
        "700",
        "sine",
        "40",
        "whitenoise",
        "whitenoise",
        "vol",
        "0.25",
    ]);
    s
}

/// The BS.775 3/2 → 2/0 downmix of `src` by sox: L' = n·(L + 0.7071·C + 0.7071·Ls), LFE left out,
/// n = 1/(1 + 2·0.7071) so nothing clips.
fn downmix(src: &str, dir: &Path) -> String {
    let p = dir.join("downmix.wav");
    let s = p.to_str().expect("utf-8 path").to_string();
    // BS.775's −3 dB (its tables give 0.7071), written out rather than FRAC_1_SQRT_2 on purpose.
    #[allow(clippy::approx_constant)]
    const K: f64 = 0.707_106_781;
    let n = 1.0 / (1.0 + 2.0 * K);
    let (f, k) = (format!("{n:.9}"), format!("{:.9}", K * n));
    let left = format!("1v{f},3v{k},5v{k}");
    let right = format!("2v{f},3v{k},6v{k}");
    tools::sox(&[
        src,
        "-e",
        "floating-point",
        "-b",
        "32",
        &s,
        "remix",
        &left,
        &right,
    ]);
    s
}

/// The A and B gains (dB) `iemsim play --no-tui --json` reports in its start event.
fn played_gains(stack: &pulse::PulseStack, input: &str) -> [f64; 2] {
    let o = cli::command()
        .envs(stack.env())
        .args([
            "play",
            input,
            "-a",
            "ba",
            "-b",
            "dd",
            "--no-tui",
            "--duration",
            "0.2",
            "--json",
        ])
        .output()
        .expect("run iemsim");
    assert!(o.status.success(), "{}", cli::stderr(&o));
    let start: Value = cli::text(&o.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["event"] == "start")
        .expect("a start event");
    assert_eq!(start["channels"], 2, "the virtual device is stereo");
    ["a", "b"].map(|s| {
        start[s]["gain_matched_db"]
            .as_f64()
            .unwrap_or_else(|| panic!("no gain_matched_db in {start}"))
    })
}

/// The A and B gains a scripted ABX session logs.
fn logged_gains(input: &str, dir: &Path) -> [f64; 2] {
    let log = dir.join(format!(
        "{}.jsonl",
        Path::new(input).file_stem().unwrap().to_string_lossy()
    ));
    let o = cli::run(
        &[
            "abx",
            input,
            "-a",
            "ba",
            "-b",
            "dd",
            "--no-tui",
            "--trials",
            "2",
            "--seed",
            "1",
            "--answers",
            "a,b",
            "--log",
            log.to_str().unwrap(),
        ],
        dir,
    );
    assert!(o.status.success(), "{}", cli::stderr(&o));
    let text = std::fs::read_to_string(&log).expect("log written");
    let rec: Value = serde_json::from_str(text.lines().last().expect("a record")).expect("json");
    ["a", "b"].map(|s| rec["gains_db"][s].as_f64().expect("gain"))
}

fn difference(g: [f64; 2]) -> f64 {
    g[0] - g[1]
}

#[test]
fn a_surround_file_is_matched_as_its_stereo_downmix_sounds() {
    if !tools::have(&["sox"]) {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let five_one = surround(dir.path());
    let stereo = downmix(&five_one, dir.path());

    // Scripted ABX (no device: headphones assumed).
    let (g51, g2) = (
        logged_gains(&five_one, dir.path()),
        logged_gains(&stereo, dir.path()),
    );
    assert!(
        (difference(g51) - difference(g2)).abs() < 0.01,
        "ABX: A-B {:.3} dB on the 5.1 file, {:.3} dB on its downmix",
        difference(g51),
        difference(g2)
    );

    // The player, on the stereo virtual device.
    let Some(stack) = pulse::PulseStack::start() else {
        return;
    };
    let (p51, p2) = (
        played_gains(&stack, &five_one),
        played_gains(&stack, &stereo),
    );
    assert!(
        (difference(p51) - difference(p2)).abs() < 0.01,
        "play: A-B {:.3} dB on the 5.1 file, {:.3} dB on its downmix",
        difference(p51),
        difference(p2)
    );
    // And the two agree with each other, as the ABX log promises.
    assert!((difference(p51) - difference(g51)).abs() < 0.01);
}

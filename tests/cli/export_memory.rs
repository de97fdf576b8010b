//! Memory stays bounded whatever the file length: exporting a 10-minute 44.1 kHz 16-bit stereo
//! file (106 MB on disk, 423 MB as f64 frames) keeps the real binary's peak RSS under 40 MB, and
//! analysing it (true peak, loudness range, spectra) under 64 MB. Ten minutes is enough to tell
//! streaming from holding the file: the file itself is larger than either bound (a reader that
//! kept it, even as 16-bit samples, fails); an hour took six times as long to test and proves
//! nothing more (`IEMSIM_BENCH_SECONDS=3600 benches/compare-sox.sh` reports the 1-hour peak).

use iemsim::dsp::dither::Dither;
use iemsim::io::{OutFormat, WavSink};
use std::process::Command;
use std::time::Duration;

fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Runs iemsim in `dir` to success; its peak RSS (KiB), sampled every 20 ms.
fn peak_rss_kb(dir: &std::path::Path, args: &[&str]) -> u64 {
    let mut child = Command::new(env!("CARGO_BIN_EXE_iemsim"))
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut peak_kb = 0;
    let status = loop {
        if let Some(kb) = vm_hwm_kb(child.id()) {
            peak_kb = peak_kb.max(kb);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{args:?}");
    assert!(peak_kb > 0, "could not read the child's VmHWM");
    peak_kb
}

#[test]
fn long_export_and_analysis_in_bounded_memory() {
    if !std::path::Path::new("/proc/self/status").exists() {
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            b"\nSKIPPED: long_export_and_analysis_in_bounded_memory: no /proc to read peak RSS from\n",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    const SECONDS: u64 = 600;
    let input = dir.path().join("long.wav");
    let mut sink = WavSink::create(&input, 2, 44_100, OutFormat::I16, Dither::None, false).unwrap();
    let block: Vec<f64> = (0..44_100 * 2)
        .map(|i| ((i as f64) * 0.0123).sin() * 0.3)
        .collect();
    for _ in 0..SECONDS {
        sink.write(&block).unwrap();
    }
    sink.finish().unwrap();
    // Larger than both bounds, so a reader holding the file cannot pass.
    assert!(std::fs::metadata(&input).unwrap().len() > 100 * 1024 * 1024);

    let peak_kb = peak_rss_kb(dir.path(), &["export", "long.wav", "-p", "dd", "-q"]);
    assert!(peak_kb < 40 * 1024, "peak RSS {} MB", peak_kb / 1024);
    eprintln!(
        "10-minute export peak RSS: {:.1} MB",
        peak_kb as f64 / 1024.0
    );
    let out = std::fs::metadata(dir.path().join("long.dd.wav"))
        .unwrap()
        .len();
    // A 44-byte canonical header, every frame (600 s x 44100 Hz x 2 ch x 2 bytes) and iemsim's
    // mark: a LIST/INFO chunk with ISFT "iemsim VERSION" (NUL-terminated, padded to even). (The
    // input, written without knowing its length, also holds a 36-byte chunk reserved for RF64.)
    let mark = format!("iemsim {}", env!("CARGO_PKG_VERSION"));
    let list = 8 + 4 + 8 + (mark.len() as u64 + 1).next_multiple_of(2);
    assert_eq!(out, 44 + SECONDS * 44_100 * 4 + list);
    // analyze once held the whole file (and each profile's version) in memory: 2.5 GB an hour.
    let peak_kb = peak_rss_kb(dir.path(), &["analyze", "long.wav", "-p", "dd", "--json"]);
    assert!(
        peak_kb < 64 * 1024,
        "analyze peak RSS {} MB",
        peak_kb / 1024
    );
    eprintln!(
        "10-minute analyze peak RSS: {:.1} MB",
        peak_kb as f64 / 1024.0
    );
}

//! Export throughput, side by side with sox, in one run: `cargo bench --bench export`.
//!
//! Exports a 10-minute 48 kHz 24-bit stereo file through a 10-filter profile with iemsim's own
//! export path (decode -> f64 cascade -> TPDF dither -> atomic write), then runs sox with the same
//! RBJ filters (`bass`/`equalizer`/`treble` with Q widths; sox's filters are the cookbook's) on the
//! same file, and prints both wall times, the ratio, and iemsim's peak RSS.
//!
//! Set IEMSIM_BENCH_SECONDS to change the length (default 600).

use iemsim::commands::export::{export_file, ExportOptions};
use iemsim::dsp::dither::Dither;
use iemsim::dsp::{FilterKind, Preamp, Profile};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

mod common;
use common::ten_filters;

/// The same filters as sox effects.
fn sox_effects(p: &Profile) -> Vec<String> {
    let mut args = vec!["gain".to_string(), format!("{}", p.preamp_db)];
    for s in &p.filters {
        let q = format!("{}q", s.q);
        let (fc, g) = (format!("{}", s.fc_hz), format!("{}", s.gain_db));
        match s.kind {
            FilterKind::LowShelf => args.extend(["bass".into(), g, fc, q]),
            FilterKind::HighShelf => args.extend(["treble".into(), g, fc, q]),
            FilterKind::Peaking => args.extend(["equalizer".into(), fc, q, g]),
            _ => unreachable!(),
        }
    }
    args
}

fn make_input(path: &Path, seconds: u32) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 48_000,
        bits_per_sample: 24,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("create bench input");
    let mut rng = iemsim::dsp::dither::XorShift64::new(7);
    let mut phase = 0.0f64;
    for _ in 0..(48_000 * seconds) {
        phase += 2.0 * std::f64::consts::PI * 441.0 / 48_000.0;
        let noise = rng.uniform() - 0.5;
        let v = (0.3 * phase.sin() + 0.2 * noise) * 8_388_607.0;
        w.write_sample(v as i32).expect("write");
        w.write_sample((-v) as i32).expect("write");
    }
    w.finalize().expect("finalize");
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<f64>()
                    .unwrap_or(0.0)
            })
        })
        .unwrap_or(0.0)
        / 1024.0
}

fn main() {
    // `cargo test --benches` runs bench targets with --bench absent: do nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let seconds: u32 = std::env::var("IEMSIM_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.wav");
    eprintln!("making a {seconds} s 48 kHz 24-bit stereo input…");
    make_input(&input, seconds);
    let rss_before = peak_rss_mb();
    let profile = ten_filters();
    let opts = ExportOptions {
        format: None,
        container: None,
        dither: Dither::Tpdf,
        preamp: Preamp::Profile,
        force: true,
        quiet: true,
    };
    let out = dir.path().join("iemsim.wav");
    let t = Instant::now();
    export_file(&input, &[(profile.clone(), out.clone())], &opts).expect("iemsim export");
    let ours = t.elapsed().as_secs_f64();
    let rss = peak_rss_mb();

    let sox_out = dir.path().join("sox.wav");
    let t = Instant::now();
    let status = Command::new("sox")
        .arg(&input)
        .arg(&sox_out)
        .args(sox_effects(&profile))
        .status();
    let sox = t.elapsed().as_secs_f64();
    println!("export {seconds} s 48 kHz 24-bit stereo, 10 filters:");
    println!("  iemsim  {ours:7.3} s  ({:6.0}x real time, peak RSS {rss:.1} MB; {rss_before:.1} MB before export)", f64::from(seconds) / ours);
    match status {
        Ok(s) if s.success() => {
            println!(
                "  sox     {sox:7.3} s  ({:6.0}x real time)",
                f64::from(seconds) / sox
            );
            println!(
                "  iemsim is {:.1}x faster than sox (bar: >= 3x)",
                sox / ours
            );
        }
        _ => println!("  sox     not run (install sox: apt-get install -y sox)"),
    }
}

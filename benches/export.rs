//! Export throughput, side by side with sox, in one run: `cargo bench --bench export`.
//!
//! Exports a 10-minute 48 kHz 24-bit stereo file through a 10-filter profile (written as an
//! Equalizer APO `ParametricEQ.txt`) with iemsim, to 32-bit float and to 24-bit TPDF-dithered
//! output, and the same with no filters (the I/O floor: decode + encode); then sox with the same
//! RBJ filters (`bass`/`equalizer`/`treble` with Q widths; sox's filters are the cookbook's) and
//! ffmpeg `-filter_threads 1` with one `biquad` per filter carrying our exact coefficients
//! (`precision=f64`); and 24-bit FLAC output against `flac -5` and ffmpeg's FLAC encoder (time
//! and size). Prints wall times (the minimum of IEMSIM_BENCH_RUNS runs, default 3: the
//! machine may be shared), ratios, and each program's peak RSS.
//!
//! Set IEMSIM_BENCH_SECONDS to change the length (default 600).

use iemsim::dsp::dither::Dither;
use iemsim::dsp::{FilterKind, Preamp, Profile};
use iemsim::io::OutFormat;
use iemsim::render::export::{export_file, ExportOptions};
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

/// The profile as an Equalizer APO / AutoEq `ParametricEQ.txt`.
fn parametric_eq_txt(p: &Profile) -> String {
    let mut t = format!("Preamp: {} dB\n", p.preamp_db);
    for (i, s) in p.filters.iter().enumerate() {
        let kind = match s.kind {
            FilterKind::LowShelf => "LSC",
            FilterKind::HighShelf => "HSC",
            _ => "PK",
        };
        t += &format!(
            "Filter {}: ON {kind} Fc {} Hz Gain {} dB Q {}\n",
            i + 1,
            s.fc_hz,
            s.gain_db,
            s.q
        );
    }
    t
}

/// The same filters as ffmpeg `biquad`s with our exact (normalised, a0 = 1) coefficients.
fn ffmpeg_filters(p: &Profile) -> String {
    let mut f = vec![format!("volume={}dB:precision=double", p.preamp_db)];
    for c in p.coefficients(48_000.0).0 {
        f.push(format!(
            "biquad=a0=1:a1={:e}:a2={:e}:b0={:e}:b1={:e}:b2={:e}:precision=f64",
            c.a1, c.a2, c.b0, c.b1, c.b2
        ));
    }
    f.join(",")
}

/// Runs a command; returns (wall seconds, peak RSS in MB of that child) or None if it failed.
fn timed(cmd: &mut Command) -> Option<(f64, f64)> {
    let t = Instant::now();
    let child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let mut status = 0;
    // SAFETY: plain wait4 on our own child; `ru` is a valid out-parameter.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut ru) };
    let secs = t.elapsed().as_secs_f64();
    (pid > 0 && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0)
        .then_some((secs, ru.ru_maxrss as f64 / 1024.0))
}

/// The minimum over `runs` runs (the machine is shared: the minimum is the least disturbed).
fn best(runs: usize, mut f: impl FnMut() -> Option<(f64, f64)>) -> Option<(f64, f64)> {
    (0..runs)
        .filter_map(|_| f())
        .fold(None, |acc: Option<(f64, f64)>, (t, r)| {
            Some(acc.map_or((t, r), |(bt, br)| (bt.min(t), br.max(r))))
        })
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
    let runs: usize = std::env::var("IEMSIM_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.wav");
    eprintln!("making a {seconds} s 48 kHz 24-bit stereo input…");
    make_input(&input, seconds);
    let profile = ten_filters();
    let eq = dir.path().join("ParametricEQ.txt");
    std::fs::write(&eq, parametric_eq_txt(&profile)).expect("write profile");
    let flat = dir.path().join("flat.txt");
    std::fs::write(&flat, "Preamp: 0 dB\n").expect("write profile");
    let exe = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/iemsim");
    let out = dir.path().join("out.wav");
    let cli = |profile: &Path, bits: &str| {
        let mut c = Command::new(&exe);
        c.arg("export")
            .arg(&input)
            .arg("-p")
            .arg(profile)
            .arg("-o")
            .arg(&out);
        c.args(["--bits", bits, "--force", "-q"]);
        c
    };
    // The CLI takes `-p FILE.txt` once the profiles branch is merged; until then the same export
    // runs in-process through `export_file` (same code path after profile parsing).
    let cli_ok = timed(&mut cli(&eq, "32f")).is_some();
    let in_process = |p: &Profile, format: OutFormat| {
        let opts = ExportOptions {
            format: Some(format),
            container: None,
            dither: Dither::Tpdf,
            preamp: Preamp::Profile,
            force: true,
            skip_existing: false,
            quiet: true,
        };
        let t = Instant::now();
        export_file(&input, &[(p.clone(), out.clone())], &opts).ok()?;
        Some((t.elapsed().as_secs_f64(), peak_rss_mb()))
    };
    let mut flat_profile = profile.clone();
    flat_profile.filters.clear();
    flat_profile.preamp_db = 0.0;
    let ours = |p: &Path, prof: &Profile, bits: &str, format: OutFormat| {
        best(runs, || {
            if cli_ok {
                timed(&mut cli(p, bits))
            } else {
                in_process(prof, format)
            }
        })
    };
    let f32_run = ours(&eq, &profile, "32f", OutFormat::F32);
    let i24_run = ours(&eq, &profile, "24", OutFormat::I24);
    let floor_f32 = ours(&flat, &flat_profile, "32f", OutFormat::F32);
    let floor_i24 = ours(&flat, &flat_profile, "24", OutFormat::I24);
    let sox = |bits: &[&str]| {
        best(runs, || {
            timed(
                Command::new("sox")
                    .arg(&input)
                    .args(bits)
                    .arg(dir.path().join("sox.wav"))
                    .args(sox_effects(&profile)),
            )
        })
    };
    let sox_f32 = sox(&["-e", "floating-point", "-b", "32"]);
    let sox_i24 = sox(&["-b", "24"]);
    let ffmpeg = |codec: &str| {
        best(runs, || {
            timed(
                Command::new("ffmpeg")
                    .args([
                        "-hide_banner",
                        "-nostdin",
                        "-y",
                        "-filter_threads",
                        "1",
                        "-i",
                    ])
                    .arg(&input)
                    .args(["-af", &ffmpeg_filters(&profile), "-c:a", codec])
                    .arg(dir.path().join("ffmpeg.wav")),
            )
        })
    };
    let ff_f32 = ffmpeg("pcm_f32le");
    let ff_i24 = ffmpeg("pcm_s24le");

    let how = if cli_ok {
        "the CLI with -p ParametricEQ.txt"
    } else {
        "in-process export_file (the CLI does not take -p FILE.txt yet); RSS = this process"
    };
    println!(
        "export {seconds} s 48 kHz 24-bit stereo, 10 filters; min of {runs} runs; iemsim = {how}"
    );
    let row = |name: &str, r: Option<(f64, f64)>| match r {
        Some((t, rss)) => println!(
            "  {name:<34} {t:7.3} s  {:6.0}x real time  peak RSS {rss:6.1} MB",
            f64::from(seconds) / t
        ),
        None => println!("  {name:<34} not run (missing or failed)"),
    };
    flac_rows(&exe, &input, &eq, dir.path(), runs, seconds, cli_ok);
    for (label, ours, floor, sox, ff) in [
        ("32-bit float", f32_run, floor_f32, sox_f32, ff_f32),
        ("24-bit TPDF-dithered", i24_run, floor_i24, sox_i24, ff_i24),
    ] {
        println!(" {label} output:");
        row("iemsim", ours);
        row("iemsim, no filters (I/O floor)", floor);
        row("sox", sox);
        row("ffmpeg -filter_threads 1 (biquad)", ff);
        if let Some((t, _)) = ours {
            let frames = f64::from(seconds) * 48_000.0;
            if let Some((fl, _)) = floor {
                println!(
                    "  I/O floor share {:.0} %; filtering {:.2} ns per stage-sample (over the floor)",
                    fl / t * 100.0,
                    (t - fl).max(0.0) / (frames * 2.0 * 10.0) * 1e9
                );
            }
            if let Some((s, _)) = sox {
                println!("  iemsim is {:.1}x faster than sox (bar: >= 5x)", s / t);
            }
            if let Some((f, _)) = ff {
                println!("  iemsim is {:.1}x faster than ffmpeg (bar: >= 3x)", f / t);
            }
        }
    }
}

/// FLAC output: iemsim's export straight to 24-bit FLAC, against the reference encoder
/// (`flac -5`) and ffmpeg's FLAC encoder compressing the same export written as WAV (so they
/// only encode; iemsim also decodes and filters). Time and size.
fn flac_rows(
    exe: &Path,
    input: &Path,
    eq: &Path,
    dir: &Path,
    runs: usize,
    seconds: u32,
    cli_ok: bool,
) {
    println!(" 24-bit FLAC output (iemsim: decode + filter + encode; the others encode its WAV):");
    if !cli_ok {
        println!("  not run (the CLI does not take -p FILE.txt)");
        return;
    }
    let export = |out: &Path| {
        let mut c = Command::new(exe);
        c.arg("export")
            .arg(input)
            .arg("-p")
            .arg(eq)
            .arg("-o")
            .arg(out)
            .args(["--bits", "24", "--force", "-q"]);
        c
    };
    let wav = dir.join("flac-input.wav");
    if timed(&mut export(&wav)).is_none() {
        println!("  not run (the WAV export failed)");
        return;
    }
    let ours = dir.join("iemsim.flac");
    let reference = dir.join("flac5.flac");
    let ff = dir.join("ffmpeg.flac");
    let results = [
        ("iemsim", best(runs, || timed(&mut export(&ours))), &ours),
        (
            "flac -5",
            best(runs, || {
                timed(
                    Command::new("flac")
                        .args(["-5", "-f", "-s", "-o"])
                        .arg(&reference)
                        .arg(&wav),
                )
            }),
            &reference,
        ),
        (
            "ffmpeg -c:a flac",
            best(runs, || {
                timed(
                    Command::new("ffmpeg")
                        .args(["-hide_banner", "-nostdin", "-y", "-i"])
                        .arg(&wav)
                        .args(["-c:a", "flac"])
                        .arg(&ff),
                )
            }),
            &ff,
        ),
    ];
    let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len()) as f64 / 1e6;
    let base = size(&reference);
    for (name, r, path) in results {
        match r {
            Some((t, rss)) => println!(
                "  {name:<34} {t:7.3} s  {:6.0}x real time  peak RSS {rss:6.1} MB  {:8.2} MB{}",
                f64::from(seconds) / t,
                size(path),
                if base > 0.0 {
                    format!(" ({:+.2} % vs flac -5)", (size(path) / base - 1.0) * 100.0)
                } else {
                    String::new()
                }
            ),
            None => println!("  {name:<34} not run (missing or failed)"),
        }
    }
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

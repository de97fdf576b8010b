//! `iemsim generate`: test signals and the bundled music, written atomically, to WAV or FLAC by
//! the same output rule as `export` (`io::sink::check_output`).

use crate::cli::{GenerateArgs, SignalKind};
use crate::commands::out;
use crate::dsp::dither::Dither;
use crate::dsp::generate::{Generator, Kind};
use crate::error::Error;
use crate::error::Result;
use crate::io::sink::check_output;
use crate::io::{Sink, SinkSpec, Tags, Target};
use clap::ValueEnum;

/// `generate --json`.
#[derive(serde::Serialize)]
struct JsonReport<'a> {
    #[serde(serialize_with = "crate::io::diag::json_path")]
    output: &'a std::path::Path,
    container: crate::io::Container,
    kind: &'a str,
    seconds: f64,
    sample_rate: u32,
    channels: usize,
    format: crate::io::OutFormat,
    /// `null` for the kinds without noise.
    seed: Option<u64>,
    peak_dbfs: f64,
    frames: u64,
}

/// The seed when none is given (`--help` says so).
const DEFAULT_SEED: u64 = 1;
/// A tone's frequency when none is given (`--help` says so).
const DEFAULT_FREQ_HZ: f64 = 1000.0;

/// Longest signal `generate` writes (a 1-hour file is already hundreds of MB).
const MAX_SECONDS: f64 = 3600.0;

pub fn run(args: &GenerateArgs) -> Result<()> {
    // The name first: nothing is generated for an output that cannot be written.
    let container = check_output(&args.output, args.format.map(|f| f.container()))?;
    if !(8_000..=192_000).contains(&args.rate) {
        return Err(Error::usage(
            "--rate",
            format!("--rate {} is outside 8000-192000 Hz", args.rate),
        ));
    }
    let kind_name = args
        .kind
        .to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default();
    let (kind, seconds) = kind_and_seconds(args, &kind_name)?;
    let format = args.bits.out_format();
    let target = Target::new(&args.output, args.force);
    let to_stdout = target == Target::Stdout;
    container
        .check_format(format, to_stdout)
        .map_err(|m| Error::usage("--output", format!("{}: {m}", args.output.display())))?;
    let seed = kind
        .uses_seed()
        .then_some(args.seed.unwrap_or(DEFAULT_SEED));
    let mut gen = Generator::new(kind, args.rate, seconds, seed.unwrap_or(DEFAULT_SEED));
    let channels = gen.channels();
    let spec = SinkSpec {
        channels: channels as u16,
        sample_rate: args.rate,
        format,
        dither: Dither::Tpdf,
        channel_mask: 0,
        tags: Tags::default(),
        frames: Some(gen.frames()),
    };
    let mut sink = Sink::create(&target, container, &spec)?;
    let mut buf = vec![0.0; 8192 * channels];
    loop {
        let n = gen.fill(&mut buf);
        if n == 0 {
            break;
        }
        sink.write(&buf[..n * channels])?;
    }
    let stats = sink.finish()?;
    // The length written, a whole number of frames: --seconds 1.23456789 at 8 kHz is 9877
    // frames, 1.234625 s (a length the rate holds exactly reads as given: 0.1 s is 0.1 s).
    let seconds = stats.frames as f64 / f64::from(args.rate);
    if args.report.json {
        let report = JsonReport {
            output: &args.output,
            container,
            kind: &kind_name,
            seconds,
            sample_rate: args.rate,
            channels,
            format,
            seed,
            peak_dbfs: stats.peak_dbfs(),
            frames: stats.frames,
        };
        // The file is written: a report that cannot be made is said, never a panic (a name
        // that is not UTF-8 panicked here; paths are escaped now, see `io::diag::json_path`).
        let json = serde_json::to_string_pretty(&report)
            .map_err(|e| Error::machine(format!("cannot write the --json report: {e}")))?;
        return out::report(&json, to_stdout);
    }
    out::report(
        &format!(
            "{}: {} {seconds} s, {} Hz, {} ch, {} {}, peak {} dBFS",
            args.output.display(),
            kind_name,
            args.rate,
            channels,
            container.extension().to_uppercase(),
            format.label(),
            crate::ui::fmt::level(stats.peak_dbfs())
        ),
        to_stdout,
    )
}

/// The signal asked for, and its length: `--freq` below Nyquist, at least one sample (a shorter
/// request was rounded up to one, silently) and at most [`MAX_SECONDS`].
fn kind_and_seconds(args: &GenerateArgs, name: &str) -> Result<(Kind, f64)> {
    let kind = match args.kind {
        SignalKind::Sweep => Kind::Sweep,
        SignalKind::Pink => Kind::Pink,
        SignalKind::Tone => {
            let nyquist = f64::from(args.rate) / 2.0;
            let freq = args.freq.unwrap_or(DEFAULT_FREQ_HZ);
            if !(freq > 0.0 && freq < nyquist) {
                return Err(Error::usage(
                    "--freq",
                    format!(
                        "--freq {freq} Hz must be above 0 and below half the rate ({nyquist} Hz)"
                    ),
                ));
            }
            Kind::Tone(freq)
        }
        SignalKind::Sibilants => Kind::Sibilants,
        SignalKind::BassNotes => Kind::BassNotes,
        SignalKind::Music => Kind::Music,
    };
    // An option the signal has no use for was accepted and ignored: say so instead.
    if args.freq.is_some() && !matches!(kind, Kind::Tone(_)) {
        return Err(Error::usage(
            "--freq",
            format!("--freq is for `tone` only: `{name}` has no frequency to set"),
        ));
    }
    if args.seed.is_some() && !kind.uses_seed() {
        return Err(Error::usage(
            "--seed",
            format!(
                "--seed is for `pink`, `sibilants` and `music` only: `{name}` has no noise to seed"
            ),
        ));
    }
    let seconds = args.seconds.unwrap_or_else(|| kind.default_seconds());
    let shortest = 1.0 / f64::from(args.rate);
    if !(seconds >= shortest && seconds <= MAX_SECONDS) {
        return Err(Error::usage(
            "--seconds",
            format!(
                "--seconds {seconds} must be at least one sample ({shortest:.2e} s at {} Hz) and at most {MAX_SECONDS}",
                args.rate
            ),
        ));
    }
    // A tone the file does not hold one cycle of is a slope, or silence (1e-9 Hz for 10 s peaked
    // at -144 dBFS), not a tone.
    if let Kind::Tone(freq) = kind {
        if freq * seconds < 1.0 {
            // The lowest tone that fits, rounded up to 0.01 Hz, when it is below half the rate
            // (it was suggested at 44052.86343612335 Hz, which the rate then refused).
            let lowest = (100.0 / seconds).ceil() / 100.0;
            let nyquist = f64::from(args.rate) / 2.0;
            let advice = if lowest < nyquist {
                format!("give at least {lowest} Hz, or more --seconds")
            } else {
                format!(
                    "no tone below half the rate ({nyquist} Hz) fits in it: give more --seconds \
                     (a tone of F Hz needs 1/F s)"
                )
            };
            return Err(Error::usage(
                "--freq",
                format!("--freq {freq} Hz: {seconds} s hold less than one cycle of it; {advice}"),
            ));
        }
    }
    Ok((kind, seconds))
}

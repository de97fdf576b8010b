//! `iemsim export`: one decoding pass per input, one output per profile.

use super::input_or_default;
use crate::cli::{DitherArg, ExportArgs, FormatArg};
use crate::commands::out::outln;
use crate::dsp::dither::Dither;
use crate::dsp::loudness::{match_to_ceiling, MATCH_CEILING_DBFS};
use crate::dsp::{gain_to_db, Preamp, Profile};
use crate::error::usage;
use crate::io::atomic::same_file;
use crate::io::{Container, Decoder, OutFormat, Sink, SinkSpec, Target};
use crate::matching::analyse_levels;
use crate::render;
use crate::ui::progress::Progress;
use anyhow::{Context, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Frames per processing block: large enough to amortise per-block work, small enough to stay in cache.
pub const BLOCK_FRAMES: usize = 16_384;

/// Everything about how to write outputs, resolved from the command line.
#[derive(Debug, Clone, Copy)]
pub struct ExportOptions {
    /// None: keep the input's format.
    pub format: Option<OutFormat>,
    /// `--format`: None follows each output's extension (standard output: WAV).
    pub container: Option<Container>,
    pub dither: Dither,
    pub preamp: Preamp,
    pub force: bool,
    pub quiet: bool,
}

/// What one output got.
#[derive(Debug, Clone, Serialize)]
pub struct OutputReport {
    pub input: PathBuf,
    pub output: PathBuf,
    pub profile: String,
    pub container: Container,
    pub format: OutFormat,
    pub preamp_db: f64,
    pub peak_dbfs: f64,
    pub clipped_samples: u64,
    pub frames: u64,
    pub sample_rate: u32,
    pub dropped_filters: Vec<usize>,
    /// Integrated loudness of the output (ITU-R BS.1770, LUFS), when the outputs were matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loudness_lufs: Option<f64>,
    /// NaN/±Inf input samples replaced by silence (issue 11 item 1).
    pub nonfinite_samples: u64,
}

pub fn run(args: &ExportArgs) -> Result<()> {
    let input = input_or_default(args.input.as_deref())?;
    // A single input's rate is known now: a profile file's filters at or above its Nyquist
    // frequency are then an error naming their line (rather than dropped with a warning).
    let rate = if input.is_file() {
        Some(f64::from(Decoder::open(&input)?.info().sample_rate))
    } else {
        None
    };
    let hp = super::headphones(&args.hp, rate)?;
    let profiles = args
        .profiles
        .iter()
        .map(|n| {
            Ok(super::through(
                hp.as_ref(),
                crate::profiles::resolve(n, rate)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    // Several outputs of one input are compared: make them equally loud unless told otherwise.
    let matching = !args.no_match && (args.match_loudness || profiles.len() > 1);
    let container = args.format.map(|f| match f {
        FormatArg::Wav => Container::Wav,
        FormatArg::Flac => Container::Flac,
    });
    if let Some(out) = &args.output {
        check_output_name(out, container)?;
    }
    let opts = ExportOptions {
        format: args.bits.as_deref().and_then(OutFormat::parse),
        container,
        dither: match args.dither {
            DitherArg::Tpdf => Dither::Tpdf,
            DitherArg::None => Dither::None,
        },
        preamp: parse_preamp(&args.preamp)?,
        force: args.force,
        quiet: args.quiet || args.report.json,
    };
    if let Some(dir) = &args.out_dir {
        if !dir.is_dir() {
            return Err(usage(format!(
                "{}: the output folder does not exist",
                dir.display()
            )));
        }
    }
    let (inputs, skipped) = if input.is_dir() {
        let listing = list_wavs(&input)?;
        report_skipped(&listing.skipped);
        if listing.files.is_empty() {
            return Err(usage(format!(
                "{}: no .wav files to export in this folder{}",
                input.display(),
                if listing.skipped.is_empty() {
                    ""
                } else {
                    " (all skipped, see above)"
                }
            )));
        }
        (listing.files, listing.skipped)
    } else {
        (vec![input.clone()], Vec::new())
    };
    if args.output.is_some() && (inputs.len() != 1 || profiles.len() != 1 || input.is_dir()) {
        return Err(usage("-o/--output names one file: use it with one input file and one profile, or use --out-dir"));
    }
    // When standard output carries the audio, the reports go to stderr.
    let to_stdout = args.output.as_deref().is_some_and(is_stdout);
    let plan: Vec<(PathBuf, Vec<(Profile, PathBuf)>)> = inputs
        .iter()
        .map(|file| {
            let jobs = profiles
                .iter()
                .map(|p| {
                    let out = args.output.clone().unwrap_or_else(|| {
                        let c = container.unwrap_or_else(|| default_container(file));
                        default_output(file, &p.name, args.out_dir.as_deref(), c)
                    });
                    (p.clone(), out)
                })
                .collect();
            (file.clone(), jobs)
        })
        .collect();
    check_collisions(&plan)?;
    let mut reports = Vec::new();
    let mut first_error = None;
    for (file, jobs) in &plan {
        match export_matched(file, jobs, &opts, matching) {
            Ok(r) => {
                if !args.report.json {
                    r.iter().try_for_each(|r| print_report(r, to_stdout))?;
                }
                reports.extend(r);
            }
            // In a batch, one bad file does not stop the others; the exit code still reports it.
            Err(e) if inputs.len() > 1 => {
                eprintln!("iemsim: {e:#}");
                first_error.get_or_insert(e);
            }
            Err(e) => return Err(e),
        }
    }
    if args.report.json {
        let report = JsonReport {
            outputs: &reports,
            skipped: &skipped,
        };
        let json = serde_json::to_string_pretty(&report)?;
        if to_stdout {
            eprintln!("{json}");
        } else {
            outln!("{json}")?;
        }
    }
    match first_error {
        Some(e) => Err(e.context(format!(
            "{} of {} files failed",
            inputs.len() - reports.len() / profiles.len().max(1),
            inputs.len()
        ))),
        None => Ok(()),
    }
}

/// `auto`, `profile` or a number of dB.
pub fn parse_preamp(s: &str) -> Result<Preamp> {
    match s.trim() {
        "auto" => Ok(Preamp::Auto),
        "profile" => Ok(Preamp::Profile),
        other => match other
            .trim_end_matches("dB")
            .trim_end_matches("db")
            .trim()
            .parse::<f64>()
        {
            Ok(db) if db.is_finite() && db.abs() <= 40.0 => Ok(Preamp::Db(db)),
            _ => Err(usage(format!(
                "--preamp '{other}': expected auto, profile or a number of dB within ±40"
            ))),
        },
    }
}

/// `-o -`: the audio goes to standard output.
fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Refuses, before any work, an `-o` iemsim cannot write: an extension other than `.wav`/`.flac`
/// (never written as WAV under that name), one that contradicts `--format`, or a folder.
fn check_output_name(out: &Path, format: Option<Container>) -> Result<()> {
    crate::io::sink::check_output(out, format)?;
    Ok(())
}

/// The format of an output named after its input: WAV for WAV input, FLAC for other lossless
/// input, WAV for lossy input (a FLAC of decoded MP3 only looks lossless).
///
/// The decoder says whether a source is lossless (ALAC in .m4a too); an input it cannot open
/// falls back to the extension (its error is reported when it is exported).
pub fn default_container(input: &Path) -> Container {
    let is_wav = input
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["wav", "wave", "rf64"].contains(&e.to_ascii_lowercase().as_str()));
    let lossless = match Decoder::open(input) {
        Ok(d) if d.is_seekable() => d.info().lossless,
        _ => input.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            ["flac", "wv", "ape", "aif", "aiff"].contains(&e.to_ascii_lowercase().as_str())
        }),
    };
    if lossless && !is_wav && !crate::io::decode::builtin::is_builtin(input) {
        Container::Flac
    } else {
        Container::Wav
    }
}

/// `DIR/stem.PROFILE.EXT`, DIR being the input's folder unless `out_dir` is given.
pub fn default_output(
    input: &Path,
    profile: &str,
    out_dir: Option<&Path>,
    container: Container,
) -> PathBuf {
    let stem = input
        .file_stem()
        .filter(|_| input.as_os_str() != "-")
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "stdin".into());
    // Built-in material and standard input have no folder of their own: write here.
    let here = input.as_os_str() == "-" || crate::io::decode::builtin::is_builtin(input);
    let dir = out_dir.map(Path::to_path_buf).unwrap_or_else(|| {
        // A bare name stays bare (`song.ba.flac`, not `./song.ba.flac`).
        match input.parent() {
            _ if here => PathBuf::new(),
            Some(p) => p.to_path_buf(),
            None => PathBuf::new(),
        }
    });
    dir.join(format!("{stem}.{profile}.{}", container.extension()))
}

/// `export --json`: what was written, and which inputs of a folder were left out and why.
#[derive(Serialize)]
struct JsonReport<'a> {
    outputs: &'a [OutputReport],
    skipped: &'a [Skipped],
}

/// A file in an input folder that export leaves out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
}

/// The files of an input folder: what to export, and what is left out.
#[derive(Debug, Default)]
pub struct Listing {
    pub files: Vec<PathBuf>,
    pub skipped: Vec<Skipped>,
}

/// Extensions of the formats `io::decode` reads (folder mode picks these up).
pub const AUDIO_EXTENSIONS: &[&str] = &[
    "wav", "wave", "rf64", "flac", "mp3", "ogg", "oga", "m4a", "mp4",
];

/// The audio files in `dir`, sorted, leaving out earlier outputs (`NAME.PROFILE.wav`, the
/// profile part compared without case) so a second run does not export its own outputs.
pub fn list_wavs(dir: &Path) -> Result<Listing> {
    let names = crate::dsp::builtin::NAMES;
    let mut candidates: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot list the folder", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .is_some_and(|e| AUDIO_EXTENSIONS.iter().any(|a| e.eq_ignore_ascii_case(a)))
        })
        .collect();
    candidates.sort();
    let mut listing = Listing::default();
    for p in candidates {
        let stem = p
            .file_stem()
            .map(|s| s.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        match names.iter().find(|n| stem.ends_with(&format!(".{n}"))) {
            Some(profile) => listing.skipped.push(Skipped {
                reason: format!(
                    "named like an output of profile '{profile}' (NAME.PROFILE.wav); rename it to export it"
                ),
                path: p,
            }),
            None => listing.files.push(p),
        }
    }
    Ok(listing)
}

/// One stderr line per skipped input, so nothing is left out silently.
fn report_skipped(skipped: &[Skipped]) {
    use std::io::Write;
    for s in skipped {
        // Not eprintln!: a stderr that cannot be written must not panic the export.
        let _ = writeln!(
            std::io::stderr(),
            "iemsim: skipping {}: {}",
            s.path.display(),
            s.reason
        );
    }
}

/// Refuses a plan in which two outputs, or an output and an input, would be one file, before
/// anything is written: `a.wav` and `a.WAV` both map to `a.ba.wav`, and the second would fail on
/// (or with --force overwrite) the file the first just wrote. Names are compared case-folded too,
/// since on a case-insensitive filesystem (macOS, Windows, FAT/exFAT media) names that differ only
/// in case are one file. Refusing (exit 2, naming both inputs) keeps every output name
/// predictable; the user renames one input or exports it separately.
pub fn check_collisions(plan: &[(PathBuf, Vec<(Profile, PathBuf)>)]) -> Result<()> {
    use std::collections::HashMap;
    let fold = |p: &Path| p.to_string_lossy().to_lowercase();
    let mut inputs: HashMap<String, &Path> = HashMap::new();
    for (input, _) in plan {
        inputs.insert(fold(input), input);
    }
    let mut outputs: HashMap<String, (&Path, &str, &Path)> = HashMap::new();
    for (input, jobs) in plan {
        for (profile, out) in jobs {
            let key = fold(out);
            if let Some((other_in, other_profile, other_out)) = outputs.get(&key) {
                let what = if other_out == out {
                    "would both be written to"
                } else {
                    "would be written to names that differ only in case,"
                };
                return Err(usage(format!(
                    "{} [{}] and {} [{}] {what} {}{}; rename one input or export it separately (nothing was written)",
                    other_in.display(),
                    other_profile,
                    input.display(),
                    profile.name,
                    other_out.display(),
                    if other_out == out { String::new() } else { format!(" and {}", out.display()) }
                )));
            }
            if let Some(other_in) = inputs.get(&key).filter(|i| **i != input.as_path()) {
                return Err(usage(format!(
                    "{} [{}] would be written to {}, which is (or on a case-insensitive filesystem would be) the input {}; rename one of them (nothing was written)",
                    input.display(),
                    profile.name,
                    out.display(),
                    other_in.display()
                )));
            }
            outputs.insert(key, (input, &profile.name, out));
        }
    }
    Ok(())
}

/// Reads `input` once and writes one output per `(profile, path)`.
///
/// All outputs are checked before any work (exists, same as input, folder missing), so a refusal
/// costs nothing and leaves nothing behind.
pub fn export_file(
    input: &Path,
    jobs: &[(Profile, PathBuf)],
    opts: &ExportOptions,
) -> Result<Vec<OutputReport>> {
    export_matched(input, jobs, opts, false)
}

/// As [`export_file`]; with `matching` and more than one output, a measurement pass first sets
/// every output's gain by [`match_to_ceiling`] (equal BS.1770 loudness, sample peaks ≤ −0.1 dBFS),
/// measured by the same analysis `play` matches with. The gains replace `opts.preamp`.
pub fn export_matched(
    input: &Path,
    jobs: &[(Profile, PathBuf)],
    opts: &ExportOptions,
    matching: bool,
) -> Result<Vec<OutputReport>> {
    let mut src = Decoder::open(input)?;
    let info = *src.info();
    let fs = f64::from(info.sample_rate);
    let format = opts.format.unwrap_or_else(|| info.out_format());
    let tags = src.tags().clone();
    let mut targets = Vec::with_capacity(jobs.len());
    for (i, (_, out)) in jobs.iter().enumerate() {
        let (target, container) = if is_stdout(out) {
            (Target::Stdout, opts.container.unwrap_or(Container::Wav))
        } else {
            let target = Target::File {
                path: out.clone(),
                replace: opts.force,
            };
            (target, Container::from_path(out).unwrap_or(Container::Wav))
        };
        let format = match opts.format {
            Some(f) => {
                container
                    .check_format(f)
                    .map_err(|m| usage(format!("{}: {m}", out.display())))?;
                f
            }
            None => container.fit_format(format),
        };
        targets.push((target, container, format));
        if !is_stdout(out) && same_file(out, input) {
            return Err(crate::io::WavError::SameAsInput { path: out.clone() }.into());
        }
        if jobs[..i].iter().any(|(_, o)| o == out) {
            return Err(usage(format!(
                "{}: two profiles would write the same file",
                out.display()
            )));
        }
    }
    let matched = if matching && jobs.len() > 1 && !src.is_seekable() {
        eprintln!(
            "iemsim: warning: {}: a stream is read once, so its outputs cannot be loudness-matched; they use --preamp (save it to a file to match)",
            src.name()
        );
        None
    } else if matching && jobs.len() > 1 {
        match_gains(input, jobs, opts.quiet)?
    } else {
        None
    };
    let mut lanes = Vec::with_capacity(jobs.len());
    let mut meta = Vec::with_capacity(jobs.len());
    for (i, ((profile, _), (target, container, format))) in jobs.iter().zip(&targets).enumerate() {
        let (coeffs, dropped) = profile.coefficients(fs);
        for d in &dropped {
            eprintln!(
                "iemsim: warning: profile '{}' filter {} ({} {} Hz) dropped: {}",
                profile.name,
                d.index,
                d.spec.kind.short(),
                d.spec.fc_hz,
                d.reason
            );
        }
        let gain_db = match &matched {
            Some((gains, _)) => gains[i],
            None => profile.preamp_db(opts.preamp, fs),
        };
        let spec = SinkSpec {
            channels: info.channels,
            sample_rate: info.sample_rate,
            format: *format,
            dither: opts.dither,
            tags: tags.clone(),
            frames: info.length_known.then_some(info.frames),
        };
        let sink = Sink::create(target, *container, &spec)?;
        lanes.push(render::Lane {
            coeffs,
            gain_db,
            sink,
        });
        meta.push((gain_db, dropped.iter().map(|d| d.index).collect::<Vec<_>>()));
    }
    let mut progress = Progress::new(info.frames, src.name(), opts.quiet);
    let stats = render::render(&mut src, lanes, BLOCK_FRAMES, &mut |done| {
        progress.set(done)
    })?;
    progress.finish();
    if let Some(w) = src.nonfinite_warning() {
        eprintln!("iemsim: warning: {w}");
    }
    let nonfinite_samples = src.nonfinite().count;
    let reports = stats
        .into_iter()
        .zip(meta)
        .zip(jobs.iter().zip(&targets))
        .map(
            |((stats, (preamp_db, dropped_filters)), ((profile, out), (_, container, format)))| {
                OutputReport {
                    input: input.to_path_buf(),
                    output: out.clone(),
                    profile: profile.name.clone(),
                    container: *container,
                    format: *format,
                    preamp_db,
                    peak_dbfs: stats.peak_dbfs(),
                    clipped_samples: stats.clipped,
                    frames: stats.frames,
                    sample_rate: info.sample_rate,
                    dropped_filters,
                    loudness_lufs: matched.as_ref().map(|(_, target)| *target),
                    nonfinite_samples,
                }
            },
        )
        .collect();
    Ok(reports)
}

/// The measurement pass of `--match`: each profile's loudness and peak at 0 dB, then the gains.
/// None (with a warning) for silent input, where there is no loudness to match.
fn match_gains(
    input: &Path,
    jobs: &[(Profile, PathBuf)],
    quiet: bool,
) -> Result<Option<(Vec<f64>, f64)>> {
    let profiles: Vec<&Profile> = jobs.iter().map(|(p, _)| p).collect();
    let total = Decoder::open(input)?.info().frames;
    let mut progress = Progress::new(
        total,
        format!("{} (measuring loudness)", input.display()),
        quiet,
    );
    let levels = analyse_levels(input, &profiles, &mut |done, _| progress.set(done))?;
    progress.finish();
    let pairs: Vec<(f64, f64)> = levels
        .iter()
        .map(|l| (l.lufs, gain_to_db(l.sample_peak)))
        .collect();
    let result = match_to_ceiling(&pairs, MATCH_CEILING_DBFS);
    if result.is_none() {
        eprintln!(
            "iemsim: warning: {}: silent, so there is no loudness to match; outputs use --preamp",
            input.display()
        );
    }
    Ok(result)
}

fn print_report(r: &OutputReport, to_stderr: bool) -> Result<()> {
    let clip = if r.clipped_samples == 0 {
        "no clipping".to_string()
    } else {
        format!(
            "{} samples CLIPPED (try --preamp auto or a lower value)",
            r.clipped_samples
        )
    };
    let line = format!(
        "{}  [{}]  {} {}, {} {} dB, peak {} dBFS, {clip}{}",
        r.output.display(),
        r.profile,
        r.container.extension().to_uppercase(),
        r.format.label(),
        if r.loudness_lufs.is_some() {
            "gain"
        } else {
            "preamp"
        },
        crate::ui::fmt::db(r.preamp_db),
        crate::ui::fmt::level(r.peak_dbfs),
        r.loudness_lufs
            .map(|l| format!(", loudness {} LUFS (matched)", crate::ui::fmt::level(l)))
            .unwrap_or_default()
    );
    if to_stderr {
        // Not eprintln!: a stderr that cannot be written must not panic the export.
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "{line}");
    } else {
        outln!("{line}")?;
    }
    Ok(())
}

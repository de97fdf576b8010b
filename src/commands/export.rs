//! `iemsim export`: one decoding pass per input, one output per profile.

use super::{find_profile, input_or_default};
use crate::cli::{DitherArg, ExportArgs};
use crate::dsp::dither::Dither;
use crate::dsp::{Preamp, Profile};
use crate::error::usage;
use crate::io::atomic::same_file;
use crate::io::{OutFormat, WavSink, WavSource};
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
    pub format: OutFormat,
    pub preamp_db: f64,
    pub peak_dbfs: f64,
    pub clipped_samples: u64,
    pub frames: u64,
    pub sample_rate: u32,
    pub dropped_filters: Vec<usize>,
}

pub fn run(args: &ExportArgs) -> Result<()> {
    let input = input_or_default(args.input.as_deref())?;
    let profiles = args
        .profiles
        .iter()
        .map(|n| find_profile(n))
        .collect::<Result<Vec<_>>>()?;
    let opts = ExportOptions {
        format: args.bits.as_deref().and_then(OutFormat::parse),
        dither: match args.dither {
            DitherArg::Tpdf => Dither::Tpdf,
            DitherArg::None => Dither::None,
        },
        preamp: parse_preamp(&args.preamp)?,
        force: args.force,
        quiet: args.quiet || args.json,
    };
    if let Some(dir) = &args.out_dir {
        if !dir.is_dir() {
            return Err(usage(format!(
                "{}: the output folder does not exist",
                dir.display()
            )));
        }
    }
    let inputs = if input.is_dir() {
        list_wavs(&input)?
    } else {
        vec![input.clone()]
    };
    if args.output.is_some() && (inputs.len() != 1 || profiles.len() != 1 || input.is_dir()) {
        return Err(usage("-o/--output names one file: use it with one input file and one profile, or use --out-dir"));
    }
    let mut reports = Vec::new();
    let mut first_error = None;
    for file in &inputs {
        let jobs: Vec<(Profile, PathBuf)> = profiles
            .iter()
            .map(|p| {
                (
                    p.clone(),
                    args.output
                        .clone()
                        .unwrap_or_else(|| default_output(file, &p.name, args.out_dir.as_deref())),
                )
            })
            .collect();
        match export_file(file, &jobs, &opts) {
            Ok(r) => {
                if !args.json {
                    r.iter().for_each(print_report);
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
    if args.json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
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

/// `DIR/stem.PROFILE.wav`, DIR being the input's folder unless `out_dir` is given.
pub fn default_output(input: &Path, profile: &str, out_dir: Option<&Path>) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let dir = out_dir
        .map(Path::to_path_buf)
        .unwrap_or_else(|| crate::io::atomic::parent_dir(input));
    dir.join(format!("{stem}.{profile}.wav"))
}

/// The `.wav` files in `dir`, sorted, leaving out earlier outputs (`NAME.PROFILE.wav`).
fn list_wavs(dir: &Path) -> Result<Vec<PathBuf>> {
    let names = crate::dsp::builtin::NAMES;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot list the folder", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("wav")))
        .filter(|p| {
            let stem = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            !names.iter().any(|n| stem.ends_with(&format!(".{n}")))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(usage(format!(
            "{}: no .wav files in this folder",
            dir.display()
        )));
    }
    Ok(files)
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
    let mut src = WavSource::open(input)?;
    let info = *src.info();
    let fs = f64::from(info.sample_rate);
    let format = opts.format.unwrap_or_else(|| info.out_format());
    for (i, (_, out)) in jobs.iter().enumerate() {
        if same_file(out, input) {
            return Err(crate::io::WavError::SameAsInput { path: out.clone() }.into());
        }
        if jobs[..i].iter().any(|(_, o)| o == out) {
            return Err(usage(format!(
                "{}: two profiles would write the same file",
                out.display()
            )));
        }
    }
    let mut lanes = Vec::with_capacity(jobs.len());
    let mut meta = Vec::with_capacity(jobs.len());
    for (profile, out) in jobs {
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
        let gain_db = profile.preamp_db(opts.preamp, fs);
        let sink = WavSink::create(
            out,
            info.channels,
            info.sample_rate,
            format,
            opts.dither,
            opts.force,
        )?;
        lanes.push(render::Lane {
            coeffs,
            gain_db,
            sink,
        });
        meta.push((gain_db, dropped.iter().map(|d| d.index).collect::<Vec<_>>()));
    }
    let mut progress = Progress::new(info.frames, format!("{}", input.display()), opts.quiet);
    let stats = render::render(&mut src, lanes, BLOCK_FRAMES, &mut |done| {
        progress.set(done)
    })?;
    progress.finish();
    let reports = stats
        .into_iter()
        .zip(meta)
        .zip(jobs)
        .map(
            |((stats, (preamp_db, dropped_filters)), (profile, out))| OutputReport {
                input: input.to_path_buf(),
                output: out.clone(),
                profile: profile.name.clone(),
                format,
                preamp_db,
                peak_dbfs: stats.peak_dbfs(),
                clipped_samples: stats.clipped,
                frames: stats.frames,
                sample_rate: info.sample_rate,
                dropped_filters,
            },
        )
        .collect();
    Ok(reports)
}

fn print_report(r: &OutputReport) {
    let clip = if r.clipped_samples == 0 {
        "no clipping".to_string()
    } else {
        format!(
            "{} samples CLIPPED (try --preamp auto or a lower value)",
            r.clipped_samples
        )
    };
    println!(
        "{}  [{}]  {}, preamp {} dB, peak {} dBFS, {clip}",
        r.output.display(),
        r.profile,
        r.format.label(),
        crate::ui::fmt::db(r.preamp_db),
        crate::ui::fmt::level(r.peak_dbfs)
    );
}

//! `iemsim fit MEASUREMENT.csv`: the PEQ that makes neutral audio sound like the measured IEM (or,
//! with `--invert`, its correction EQ; with `--like B.csv`, A corrected towards B), by the same fitter
//! that makes the per-IEM built-ins.

use crate::cli::FitArgs;
use crate::commands::out::outln;
use crate::dsp::deviation;
use crate::dsp::fit::{self, FitConfig, FitError};
use crate::dsp::iems;
use crate::dsp::{FilterSpec, Profile};
use crate::io::measurement::{self, Measurement};
use anyhow::{Context, Result};
use serde::Serialize;
use std::io::Write;
use std::path::Path;

#[derive(Serialize)]
struct FitReport<'a> {
    measurement: String,
    target: &'a str,
    mode: &'static str,
    like: Option<String>,
    filters: &'a [FilterSpec],
    preamp_db: f64,
    error: FitError,
    output: Option<String>,
}

pub fn run(args: &FitArgs) -> Result<()> {
    if !(1..=20).contains(&args.max_filters) {
        return Err(crate::error::usage(format!(
            "--max-filters {} is outside 1-20",
            args.max_filters
        )));
    }
    let target = target(&args.target)?;
    let a = measurement::read(&args.measurement)?;
    let (grid, dev_a) = deviation_of(&a, &target);
    let (mode, curve) = match (&args.like, args.invert) {
        (Some(b), _) => {
            let (_, dev_b) = deviation_of(&measurement::read(b)?, &target);
            (
                "like",
                dev_b.iter().zip(&dev_a).map(|(b, a)| b - a).collect(),
            )
        }
        (None, true) => ("correction", dev_a.iter().map(|v| -v).collect()),
        (None, false) => ("simulation", dev_a),
    };
    let cfg = FitConfig {
        max_filters: args.max_filters,
        ..FitConfig::default()
    };
    let fitted = fit::fit(&grid, &curve, &cfg);
    let stem = args
        .measurement
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "fit".into());
    let profile = Profile {
        name: stem.clone(),
        description: format!("{stem} ({mode}), fitted by iemsim"),
        preamp_db: 0.0,
        channels: Vec::new(),
        filters: fitted.filters.clone(),
        source: String::new(),
    };
    let preamp_db = profile.preamp_db(crate::dsp::Preamp::Auto, 48_000.0);
    if let Some(out) = &args.output {
        write_profile(out, &profile, preamp_db, args.force)?;
    }
    let e = fitted.error;
    if args.report.json {
        let report = FitReport {
            measurement: args.measurement.display().to_string(),
            target: &args.target,
            mode,
            like: args.like.as_ref().map(|p| p.display().to_string()),
            filters: &fitted.filters,
            preamp_db,
            error: e,
            output: args.output.as_ref().map(|p| p.display().to_string()),
        };
        outln!("{}", serde_json::to_string_pretty(&report)?)?;
        return Ok(());
    }
    let what = match (mode, &args.like) {
        ("like", Some(b)) => format!(
            "{} sounding like {}",
            args.measurement.display(),
            b.display()
        ),
        ("correction", _) => format!("correction EQ for {}", args.measurement.display()),
        _ => format!(
            "{} as heard on a {} reference",
            args.measurement.display(),
            args.target
        ),
    };
    outln!("{what}: {} filters", fitted.filters.len())?;
    outln!()?;
    outln!("  #  type        fc Hz   gain dB      Q")?;
    for (i, f) in fitted.filters.iter().enumerate() {
        outln!(
            "{:3}  {:<10} {:7.0}  {:+8.2}  {:5.3}",
            i + 1,
            format!("{:?}", f.kind),
            f.fc_hz,
            f.gain_db,
            f.q
        )?;
    }
    outln!()?;
    outln!(
        "RMS error {:.2} dB over 20 Hz-10 kHz (mean offset removed); worst {:+.2} dB at {:.0} Hz",
        e.rms_db,
        e.worst_db,
        e.worst_hz
    )?;
    outln!("Preamp {preamp_db:+.1} dB (the largest boost; nothing clips)")?;
    if let Some(out) = &args.output {
        outln!("Wrote {}", out.display())?;
    }
    Ok(())
}

/// `harman`, `diffuse-field`, or a CSV file.
fn target(name: &str) -> Result<Measurement> {
    let embedded = match name {
        "harman" => Some(("harman", iems::HARMAN_IN_EAR_2019_CSV)),
        "diffuse-field" => Some(("diffuse-field", iems::DIFFUSE_FIELD_CSV)),
        _ => None,
    };
    match embedded {
        Some((n, csv)) => Ok(iems::parse_embedded(csv, n)?),
        None => Ok(measurement::read(Path::new(name))?),
    }
}

fn deviation_of(m: &Measurement, target: &Measurement) -> (Vec<f64>, Vec<f64>) {
    deviation::deviation((&m.freqs_hz, &m.db), (&target.freqs_hz, &target.db))
}

/// Writes the fitted profile in the format `path`'s extension names (`.toml`, `.txt` = Equalizer
/// APO / AutoEq, `.yml`/`.yaml` = CamillaDSP), through the same writers as `profile convert`, with
/// the fit's preamp, atomically (temporary file + rename; never clobbering without `--force`).
pub fn write_profile(path: &Path, profile: &Profile, preamp_db: f64, force: bool) -> Result<()> {
    use crate::io::profile_file::Format;
    let format = Format::from_path(path).ok_or_else(|| {
        crate::error::usage(format!(
            "{}: iemsim writes profiles as .toml, .txt (Equalizer APO / AutoEq) or .yml (CamillaDSP)",
            path.display()
        ))
    })?;
    if !force && path.exists() {
        return Err(crate::error::usage(format!(
            "{}: exists; add --force to replace it",
            path.display()
        )));
    }
    let mut p = profile.clone();
    p.preamp_db = preamp_db;
    let text = format.write(&p)?;
    let (tmp, mut file) = crate::io::atomic::TempFile::create(path)
        .map_err(|e| crate::error::usage(format!("{}: cannot create: {e}", path.display())))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("{}: cannot write", path.display()))?;
    tmp.commit(force)
        .map_err(|e| crate::error::usage(format!("{}: cannot write: {e}", path.display())))
}

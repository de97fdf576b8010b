//! `iemsim fit MEASUREMENT.csv`: the PEQ that makes neutral audio sound like the measured IEM (or,
//! with `--invert`, its correction EQ by AutoEq's rules; with `--like B`, A corrected towards B),
//! by the same fitter that makes the per-IEM built-ins.

use crate::cli::FitArgs;
use crate::commands::out::outln;
use crate::dsp::fit::{self, Fit, FitConfig, FitError};
use crate::dsp::{correction, deviation};
use crate::dsp::{FilterSpec, Profile};
use crate::error::{Context, Error, Result};
use crate::io::measurement::{self, Measurement};
use crate::io::profile_file::Format;
use crate::profiles::iems;
use crate::profiles::{self, headphones};
use serde::Serialize;
use std::io::Write;
use std::path::Path;

#[derive(Serialize)]
struct FitReport<'a> {
    name: &'a str,
    #[serde(serialize_with = "crate::io::diag::json_path")]
    measurement: &'a Path,
    target: &'a str,
    mode: &'static str,
    like: Option<String>,
    /// The band the error is judged on (Hz).
    band_hz: (f64, f64),
    filters: &'a [FilterSpec],
    preamp_db: f64,
    error: FitError,
    #[serde(serialize_with = "crate::io::diag::json_opt_path")]
    output: Option<&'a Path>,
}

/// What B is in `--like B`: its deviation from the target on the standard grid, and its name.
struct Like {
    name: String,
    source: String,
    deviation: Vec<f64>,
}

/// What is fitted: the curve (dB on the standard grid), under which constraints, in which mode
/// (`simulation`, `correction` or `like`), and the name the profile gets.
struct Goal {
    mode: &'static str,
    name: String,
    curve: Vec<f64>,
    cfg: FitConfig,
    /// What the profile is (its description) and the rules it was fitted by.
    what: String,
    rules: String,
    /// What the error is measured against, when it is not the exact curve: `--invert` (without
    /// `--exact`) fits AutoEq's smoothed, boost-capped correction curve, so its RMS and worst
    /// error are against that curve, not against the negated deviation the exact modes fit.
    against: &'static str,
}

pub fn run(args: &FitArgs) -> Result<()> {
    if !(1..=20).contains(&args.max_filters) {
        return Err(Error::usage(
            "--max-filters",
            format!("--max-filters {} is outside 1-20", args.max_filters),
        ));
    }
    // -o is refused before the fit, as every output is before the work (a fit takes seconds).
    let format = match &args.output {
        Some(out) => Some(check_output(args, out)?),
        None => None,
    };
    let target_m = headphones::target_measurement(&args.target)?;
    let band = deviation::ERROR_BAND_HZ;
    let a = measurement::read(&args.measurement)
        .map_err(|e| profile_named(&args.measurement).unwrap_or_else(|| e.into()))?;
    let a_band = if args.invert && !args.exact {
        (correction::MEASURED_FROM_AT_MOST_HZ, band.1)
    } else {
        band
    };
    a.check_covers(a_band, &args.measurement)?;
    let (grid, dev_a) = deviation_of(&a, &target_m);
    let like = args.like.as_deref().map(|b| like(b, &target_m, &grid));
    let like = like.transpose()?;
    let goal = goal(args, &a, &grid, dev_a, like.as_ref());
    let fitted = fit::fit(&grid, &goal.curve, &goal.cfg);
    let profile = Profile {
        name: goal.name.clone(),
        description: goal.what.clone(),
        filters: fitted.filters.clone(),
        source: provenance(args, like.as_ref(), &goal, &fitted),
        ..Profile::default()
    };
    let preamp_db = profile.preamp_db(crate::dsp::Preamp::Auto, 48_000.0);
    if let (Some(out), Some(format)) = (&args.output, format) {
        write_profile(out, format, &profile, preamp_db, args.force)?;
    }
    if args.report.json {
        let report = FitReport {
            name: &goal.name,
            measurement: &args.measurement,
            target: &args.target,
            mode: goal.mode,
            like: args.like.clone(),
            band_hz: goal.cfg.band_hz,
            filters: &fitted.filters,
            preamp_db,
            error: fitted.error,
            output: args.output.as_deref(),
        };
        outln!("{}", serde_json::to_string_pretty(&report)?)?;
        return Ok(());
    }
    print_fit(args, &goal, &fitted, preamp_db)
}

/// The curve to fit for the mode the arguments ask for: B's deviation minus A's (`--like`), A's
/// deviation negated (`--invert --exact`), AutoEq's correction curve (`--invert`), or A's
/// deviation itself.
fn goal(
    args: &FitArgs,
    a: &Measurement,
    grid: &[f64],
    dev_a: Vec<f64>,
    like: Option<&Like>,
) -> Goal {
    let stem = stem(&args.measurement);
    let m = args.measurement.display();
    let cfg = FitConfig {
        max_filters: args.max_filters,
        ..FitConfig::default()
    };
    let exact = || "exact fit".to_string();
    match (like, args.invert) {
        (Some(b), _) => Goal {
            mode: "like",
            name: format!("{stem} \u{2192} {}", b.name),
            curve: b.deviation.iter().zip(&dev_a).map(|(b, a)| b - a).collect(),
            cfg,
            what: format!("{m} sounding like {}", b.name),
            rules: exact(),
            against: "",
        },
        (None, true) if args.exact => Goal {
            mode: "correction",
            name: format!("{stem} (correction)"),
            curve: dev_a.iter().map(|v| -v).collect(),
            cfg,
            what: format!("correction EQ for {m}"),
            rules: exact(),
            against: "",
        },
        (None, true) => Goal {
            mode: "correction",
            name: format!("{stem} (correction)"),
            curve: correction::curve(grid, &dev_a),
            cfg: correction::config(args.max_filters, a.freqs_hz[0]),
            what: format!("correction EQ for {m}"),
            rules: format!(
                "AutoEq's rules: treble smoothed above {:.0} kHz, boosts <= {:+.0} dB, none above {:.0} kHz",
                correction::TREBLE_SMOOTHING_HZ.0 / 1000.0,
                correction::MAX_BOOST_DB,
                correction::NO_BOOST_ABOVE_HZ / 1000.0
            ),
            against: " vs the smoothed, boost-capped correction target",
        },
        (None, false) => Goal {
            mode: "simulation",
            name: stem,
            curve: dev_a,
            cfg,
            what: format!("{m} as heard on a {} reference", args.target),
            rules: exact(),
            against: "",
        },
    }
}

/// The profile's `source`: where the numbers come from, the rules, the constraints and how
/// close the fit is.
fn provenance(args: &FitArgs, like: Option<&Like>, goal: &Goal, fitted: &Fit) -> String {
    let cfg = &goal.cfg;
    let mut source = format!(
        "fitted by iemsim from {} against the {} target",
        args.measurement.display(),
        args.target
    );
    if let Some(b) = like {
        source.push_str(&format!(" and {}", b.source));
    }
    source.push_str(&format!(
        "; {}, {}; {} (|gain| <= {} dB, Q <= {}); {}",
        goal.mode,
        goal.rules,
        crate::ui::fmt::count(fitted.filters.len(), "filter"),
        cfg.max_gain_db,
        cfg.max_q,
        error_text(goal, fitted, ",")
    ));
    source
}

/// How close the fit is, over the band the error is judged on ("RMS error 0.52 dB over 20
/// Hz-10 kHz (mean offset removed), worst …"), with `sep` before the worst error.
fn error_text(goal: &Goal, fitted: &Fit, sep: &str) -> String {
    let (e, band) = (fitted.error, goal.cfg.band_hz);
    format!(
        "RMS error {:.2} dB{} over {}-{} (mean offset removed){sep} worst {:+.2} dB at {:.0} Hz",
        e.rms_db,
        goal.against,
        hz(band.0),
        hz(band.1),
        e.worst_db,
        e.worst_hz
    )
}

/// The human report: the filter table, the error and the preamp.
fn print_fit(args: &FitArgs, goal: &Goal, fitted: &Fit, preamp_db: f64) -> Result<()> {
    // One line, whatever the file's name holds (a line break split it in two).
    let head = format!(
        "{} ({}): {}, named '{}'",
        goal.what,
        goal.rules,
        crate::ui::fmt::count(fitted.filters.len(), "filter"),
        goal.name
    );
    outln!("{}", crate::io::diag::one_line(&head))?;
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
    outln!("{}", error_text(goal, fitted, ";"))?;
    outln!(
        "Preamp {} dB (minus the largest boost, as export's --preamp auto)",
        crate::ui::fmt::db(preamp_db)
    )?;
    if let Some(out) = &args.output {
        outln!("Wrote {}", out.display())?;
    }
    Ok(())
}

/// The refusal of a profile's name given where the measurement belongs (`iemsim fit ba`), which
/// said "cannot read: No such file"; None when `spec` is a file or names no profile.
fn profile_named(spec: &Path) -> Option<Error> {
    if spec.exists() {
        return None;
    }
    let profile = profiles::resolve(spec.to_str()?, None).ok()?;
    let measured = match iems::by_name(&profile.name) {
        Some(iem) => format!(" (its measurement is {} in iemsim's source)", iem.path),
        None => String::new(),
    };
    let name = spec.display().to_string();
    let quoted = match name.contains(' ') {
        true => format!("\"{name}\""),
        false => name.clone(),
    };
    Some(Error::input(
        spec,
        format!(
            "{name}: a profile, not a measurement{measured}: fit takes a measurement CSV; \
             `--like {quoted}` makes a measured IEM sound like this profile"
        ),
    ))
}

/// B of `--like B`: a measurement CSV, a per-IEM name (`iem:moondrop-ssr`, `Moondrop SSR`: its
/// bundled measurement), or any other profile the tool knows (built-in, user folder, file): a
/// profile is a deviation from the Harman in-ear target by definition, so its response is used.
fn like(spec: &str, target: &Measurement, grid: &[f64]) -> Result<Like> {
    let path = Path::new(spec);
    let is_csv = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if is_csv || (path.is_file() && !profiles::is_file_spec(spec)) {
        let m = measurement::read(path)?;
        m.check_covers(deviation::ERROR_BAND_HZ, path)?;
        let (_, d) = deviation_of(&m, target);
        return Ok(Like {
            name: stem(path),
            source: format!("{} (--like)", path.display()),
            deviation: d,
        });
    }
    let profile = profiles::resolve(spec, None)?;
    super::warn_shadowed(spec);
    // A per-IEM profile named on the command line is fitted to its measurement; a file is its
    // filters, whatever name it gives itself (`profile convert iem:… -o x.txt`, then edited).
    let named_iem = iems::by_name(&profile.name).filter(|_| !profiles::is_file_spec(spec));
    if let Some(iem) = named_iem {
        let m = iems::parse_embedded(iem.csv, iem.path)?;
        let (_, d) = deviation_of(&m, target);
        return Ok(Like {
            name: profile.name,
            source: format!("{} ({} measurement, --like)", iem.path, iem.measurer),
            deviation: d,
        });
    }
    // One EQ is fitted: a profile with channels of its own gives the mean of theirs, said so.
    let mut source = format!("the response of profile '{}' (--like)", profile.name);
    if profile.is_per_channel() {
        let what = format!(
            "the mean of its {} channels' responses, one EQ for every channel",
            profile.distinct_channels().len()
        );
        eprintln!(
            "iemsim: note: {} has filters of its own per channel: fitted to {what}",
            profile.name
        );
        source = format!("{source}, {what}");
    }
    Ok(Like {
        source,
        deviation: profile.response_db(grid, 48_000.0),
        name: profile.name,
    })
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "fit".into())
}

/// `20 Hz`, `10 kHz`.
fn hz(f: f64) -> String {
    if f >= 1000.0 {
        format!("{} kHz", (f / 100.0).round() / 10.0)
    } else {
        format!("{:.0} Hz", f)
    }
}

fn deviation_of(m: &Measurement, target: &Measurement) -> (Vec<f64>, Vec<f64>) {
    deviation::deviation((&m.freqs_hz, &m.db), (&target.freqs_hz, &target.db))
}

/// The format `path`'s extension names (`.toml`, `.txt` = Equalizer APO / AutoEq, `.yml`/`.yaml`
/// = CamillaDSP), once `path` is known to be neither an input nor a place iemsim may not write
/// (never clobbering without `--force`).
fn check_output(args: &FitArgs, path: &Path) -> Result<Format> {
    let format = Format::from_path(path).ok_or_else(|| {
        Error::usage("--output", format!(
            "{}: iemsim writes profiles as .toml, .txt (Equalizer APO / AutoEq) or .yml/.yaml (CamillaDSP)",
            path.display()
        ))
    })?;
    let like = args.like.as_deref().map(Path::new);
    let read = [
        Some(args.measurement.as_path()),
        Some(Path::new(&args.target)),
        like,
    ];
    crate::io::sink_types::check_not_input(path, read.into_iter().flatten())?;
    // The one destination rule of every output (a folder, a device, an existing file).
    crate::io::sink_types::check_destination(path, args.force)?;
    Ok(format)
}

/// Writes the fitted `profile` to `path` in `format` (checked by [`check_output`]) through the
/// same writers as `profile convert`, with the fit's preamp, atomically (temporary file +
/// rename), once it reads back.
fn write_profile(
    path: &Path,
    format: Format,
    profile: &Profile,
    preamp_db: f64,
    force: bool,
) -> Result<()> {
    let mut p = profile.clone();
    // To 0.01 dB, rounded down so it still leaves room for the largest boost: the exact value
    // printed 17 significant digits into a file people read and edit.
    p.preamp_db = (preamp_db * 100.0).floor() / 100.0;
    let text = format.write(&p)?;
    // What the fitter writes, iemsim reads back: a measurement with absurd steps (±100 dB) fitted
    // to a preamp of −47 dB, past the ±40 dB a profile file may hold.
    crate::profiles::parse_text(format, &text, path, None).map_err(|e| {
        Error::input(
            path,
            format!(
                "{}: not written: the fit is not a profile iemsim can read back ({e}); do the \
                 measurement's levels look right?",
                path.display()
            ),
        )
    })?;
    let (tmp, mut file) = crate::io::atomic::TempFile::create(path)
        .map_err(|e| crate::error::output_error(path, "cannot create", e))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("{}: cannot write", path.display()))?;
    tmp.commit(force)
        .map_err(|e| crate::error::output_error(path, "cannot write", e))
}

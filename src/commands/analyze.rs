//! `iemsim analyze [INPUT] [-p PROFILE…]`: loudness, peaks, octave bands and the long-term
//! spectrum of a file and of the file through each profile, as a table, JSON or a chart.

use super::{charts, input_or_default};
use crate::cli::AnalyzeArgs;
use crate::commands::out::outln;
use crate::dsp::levels::SignalStats;
use crate::dsp::{Preamp, Profile};
use crate::error::{Error, Result};
use crate::io::Decoder;
use crate::render::export::{Stderr, BLOCK_FRAMES};
use crate::render::{render, Lane};
use serde::Serialize;
use std::path::Path;

/// One measured version: the input as it is, or through a profile.
#[derive(Serialize)]
struct Version {
    /// "input" or the profile's name.
    label: String,
    profile: Option<String>,
    /// Export's automatic anti-clipping preamp applied before the filters (dB).
    preamp_db: Option<f64>,
    #[serde(flatten)]
    stats: SignalStats,
}

#[derive(Serialize)]
struct Report<'a> {
    #[serde(serialize_with = "crate::io::diag::json_path")]
    input: &'a Path,
    /// Hz, an integer as `generate --json` and `export --json` write it.
    sample_rate: u32,
    channels: usize,
    duration_s: f64,
    /// The headphone correction every profile column went through (given or remembered), whose
    /// columns are labelled `NAME + headphone EQ`; the input's column never goes through it.
    headphones: Option<String>,
    versions: Vec<Version>,
}

pub fn run(args: &AnalyzeArgs) -> Result<()> {
    let input = input_or_default(args.input.as_deref())?;
    let given = [
        (args.hp.headphones.is_some(), "--headphones"),
        (args.hp.headphone_target.is_some(), "--headphone-target"),
    ];
    if let Some((_, name)) = given.iter().find(|g| g.0 && args.profiles.is_empty()) {
        return Err(Error::usage(
            *name,
            format!("{name} applies to the -p columns (each profile as it plays through the correction); the input itself is measured as it is: add -p PROFILE"),
        ));
    }
    let size = match &args.plot {
        Some(path) => {
            charts::format_of(path)?;
            let names = args.profiles.iter().map(std::path::Path::new);
            let read = names.chain(args.hp.files()).chain([input.as_path()]);
            crate::io::sink_types::check_not_input(path, read)?;
            charts::check_destination(path, args.chart.force)?;
            Some(charts::parse_size(&args.chart.size)?)
        }
        None => None,
    };
    // One decoding pass, one lane per version, every measure block by block: memory stays
    // constant whatever the length (an hour-long mix included).
    let mut src = Decoder::open(&input)?;
    let info = *src.info();
    let rate = info.sample_rate;
    let fs = f64::from(rate);
    let channels = usize::from(info.channels);
    // Resolved at the audio's rate: a filter at or above its Nyquist frequency is refused, as by
    // every command (`profile_file::check_rate`), never dropped from what is measured. Each
    // profile as it plays: through the headphone correction when one is given or remembered.
    // Without -p only the input is measured: no correction applies (a remembered one is not
    // announced), and one given for this run is refused rather than shown and ignored.
    let hp = if args.profiles.is_empty() {
        None
    } else {
        super::headphones(&args.hp, Some(fs))?
    };
    let profiles = super::resolve_all(hp.as_ref(), &args.profiles, Some(fs))?;
    let (mut versions, frames) = measure(&mut src, &profiles, fs, channels)?;
    // A remembered correction is easy to forget: the columns say it, not only stderr.
    if hp.is_some() {
        for v in versions.iter_mut().skip(1) {
            v.label.push_str(" + headphone EQ");
        }
    }
    // Damaged packets or non-finite samples were measured as silence: say so.
    if let Some(w) = src.nonfinite_warning() {
        crate::io::diag::diag!("iemsim: warning: {w}");
    }
    let report = Report {
        input: &input,
        sample_rate: rate,
        channels,
        duration_s: frames as f64 / fs,
        headphones: hp.as_ref().map(|c| c.label.clone()),
        versions,
    };
    if let (Some(path), Some(size)) = (&args.plot, size) {
        chart_spectra(&report, path, size, args.chart.force)?;
    }
    if args.report.json {
        outln!("{}", serde_json::to_string_pretty(&report)?)?;
        return Ok(());
    }
    print_table(&report)?;
    if let Some(path) = &args.plot {
        outln!("\nSpectra charted in {}", path.display())?;
    }
    Ok(())
}

/// Measures the input and the input through each profile (with export's anti-clipping preamp)
/// in one decoding pass; returns the versions, the input's first, and the frames decoded.
fn measure(
    src: &mut Decoder,
    profiles: &[Profile],
    fs: f64,
    channels: usize,
) -> Result<(Vec<Version>, u64)> {
    let mut lanes = vec![Lane::stats(Vec::new(), 0.0)];
    // Each lane's profile and preamp: none for the input's (render gives one result per lane).
    let mut measured = vec![(None, None)];
    for p in profiles {
        // Export's anti-clipping preamp: the one rule, `Profile::preamp_db`.
        let preamp_db = p.preamp_db(Preamp::Auto, fs);
        // A built-in's filter above Nyquist is dropped with the warning export gives.
        let (stages, _) = crate::render::export::stages(p, fs, channels, &mut Stderr)?;
        lanes.push(Lane::stats(stages, preamp_db));
        measured.push((Some(p.name.clone()), Some(preamp_db)));
    }
    let mut frames = 0;
    // A progress bar on a terminal: an hour-long file takes half a minute.
    let mut bar = crate::ui::progress::Progress::new(
        src.info().frames,
        format!("{} (analysing)", src.name()),
        false,
    );
    let rendered = render(src, lanes, BLOCK_FRAMES, &mut |done| {
        frames = done;
        bar.set(done);
    })?;
    bar.finish();
    let versions = rendered
        .into_iter()
        .zip(measured)
        .map(|(r, (profile, preamp_db))| {
            let lost = || Error::machine("an analysis lane lost its statistics");
            let stats = r.stats.ok_or_else(lost)?;
            let label = profile.clone().unwrap_or_else(|| "input".into());
            Ok(Version {
                label,
                profile,
                preamp_db,
                stats,
            })
        });
    let versions = versions.collect::<Result<Vec<_>>>()?;
    Ok((versions, frames))
}

/// Charts every version's long-term spectrum in `path`, level-matched to the input (by
/// integrated loudness), so the chart shows what each profile changes in the balance, not the
/// anti-clipping preamp that moves it all down.
fn chart_spectra(
    report: &Report,
    path: &Path,
    size: crate::ui::plot::Size,
    force: bool,
) -> Result<()> {
    let name = file_name(report.input);
    let input_lufs = report.versions[0].stats.integrated_lufs;
    let series: Vec<(String, Vec<(f64, f64)>)> = report
        .versions
        .iter()
        .map(|v| {
            // The gain that brings this version to the input's loudness; None when either has
            // no loudness (−∞ LUFS: shorter than one 400 ms gating block, or silent).
            let shift = Some(input_lufs - v.stats.integrated_lufs).filter(|d| d.is_finite());
            let label = match (v.preamp_db, shift) {
                (None, _) => format!("{name} (input)"),
                (Some(_), Some(shift)) => {
                    format!("{} ({} dB to match)", v.label, crate::ui::fmt::db(shift))
                }
                (Some(_), None) => format!("{} (not level-matched)", v.label),
            };
            // The input against itself is 0 dB; a version without loudness is drawn as it is.
            let shift = shift.unwrap_or(0.0);
            let points = v
                .stats
                .ltas_db
                .iter()
                .map(|&(f, d)| (f, d + shift))
                .collect();
            (label, points)
        })
        .collect();
    // A signal shorter than one Welch segment is one Hann window of its own length (coarser bins).
    let fs = f64::from(report.sample_rate);
    let segment = crate::dsp::analysis::segment_for(fs);
    let frames = (report.duration_s * fs).round();
    let method = if frames < segment as f64 {
        format!("one Hann window of {frames} samples (shorter than {segment})")
    } else {
        format!("Welch, Hann {segment}, 50 % overlap")
    };
    // A file with no spectrum was charted as an empty frame, said to be "Spectra charted" and
    // nothing more. It is silent, or too short for one (a frame alone makes no segment, and a
    // 2-frame window is 0 on its first): its table's levels are not −∞ then.
    let versions = &report.versions;
    let no_curve = versions
        .iter()
        .all(|v| v.stats.ltas_db.iter().all(|p| !p.1.is_finite()));
    let matching = if no_curve {
        let silent = versions
            .iter()
            .all(|v| v.stats.sample_peak_dbfs == f64::NEG_INFINITY);
        let (why, none) = match silent {
            true => ("is silent", "silent"),
            false => ("has too little audio for a spectrum", "too little audio"),
        };
        crate::io::diag::diag!(
            "iemsim: warning: {} {why}: the chart has no curve to draw",
            report.input.display()
        );
        format!("{none}: no spectrum to draw")
    } else if versions.iter().all(|v| v.stats.integrated_lufs.is_finite()) {
        "each profile level-matched to the input (BS.1770 loudness)".to_owned()
    } else {
        format!("not level-matched ({NO_LOUDNESS})")
    };
    let chart = charts::spectra(
        &format!("Long-term average spectrum: {name}"),
        &format!("{method}, channels summed as power; {matching}"),
        &series,
    );
    charts::write(path, &chart, size, force)
}

/// Why a version has no BS.1770 loudness to match (the gate leaves no 400 ms block; the LFE
/// weighs 0, so sound there alone has none either).
const NO_LOUDNESS: &str =
    "no BS.1770 loudness: shorter than 0.4 s, below its -70 LUFS gate, or only in the LFE (weight 0)";

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn num(v: f64) -> String {
    if v.is_finite() {
        crate::ui::fmt::level(v)
    } else if v.is_nan() {
        // A silent file's crest factor (peak minus RMS, both -inf) is undefined, not -inf.
        "n/a".into()
    } else if v > 0.0 {
        "+inf".into()
    } else {
        "-inf".into()
    }
}

fn print_table(r: &Report) -> Result<()> {
    outln!(
        "{}: {} Hz, {} ch, {:.1} s",
        r.input.display(),
        r.sample_rate,
        r.channels,
        r.duration_s
    )?;
    outln!()?;
    // Each column as wide as its label and two spaces (`iem:moondrop-ssr`), 10 at least.
    let widths: Vec<usize> = r
        .versions
        .iter()
        .map(|v| (v.label.chars().count() + 2).max(10))
        .collect();
    let cells = |f: &dyn Fn(&Version) -> String| -> String {
        r.versions
            .iter()
            .zip(&widths)
            .map(|(v, &w)| format!("{:>w$}", f(v)))
            .collect()
    };
    outln!("{:<26}{}", "", cells(&|v| v.label.clone()))?;
    let row = |name: &str, f: &dyn Fn(&Version) -> String| outln!("{name:<26}{}", cells(f));
    row("preamp dB", &|v| {
        v.preamp_db.map_or("-".into(), crate::ui::fmt::db)
    })?;
    row("loudness LUFS", &|v| num(v.stats.integrated_lufs))?;
    if r.versions
        .iter()
        .any(|v| !v.stats.integrated_lufs.is_finite())
    {
        outln!("  (-inf: {NO_LOUDNESS})")?;
    }
    row("loudness range LU", &|v| num(v.stats.loudness_range_lu))?;
    row("true peak dBTP", &|v| num(v.stats.true_peak_dbtp))?;
    row("sample peak dBFS", &|v| num(v.stats.sample_peak_dbfs))?;
    row("RMS dBFS", &|v| num(v.stats.rms_dbfs))?;
    row("crest factor dB", &|v| num(v.stats.crest_factor_db))?;
    outln!("octave bands, RMS dBFS:")?;
    for (b, &(centre, _)) in r.versions[0].stats.octave_bands_db.iter().enumerate() {
        let label = if centre >= 1000.0 {
            format!("  {} kHz", centre / 1000.0)
        } else {
            format!("  {centre} Hz")
        };
        row(&label, &|v| num(v.stats.octave_bands_db[b].1))?;
    }
    Ok(())
}

//! `iemsim analyze [INPUT] [-p PROFILE…]`: loudness, peaks, octave bands and the long-term
//! spectrum of a file and of the file through each profile, as a table, JSON or a chart.

use super::{charts, input_or_default};
use crate::cli::AnalyzeArgs;
use crate::commands::out::outln;
use crate::dsp::levels::SignalStats;
use crate::dsp::Preamp;
use crate::io::whole::Audio;
use crate::profiles::resolve;
use crate::render::export::BLOCK_FRAMES;
use crate::render::{render, Frames, Lane};
use anyhow::Result;
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
    input: &'a Path,
    sample_rate: f64,
    channels: usize,
    duration_s: f64,
    versions: Vec<Version>,
}

pub fn run(args: &AnalyzeArgs) -> Result<()> {
    let input = input_or_default(args.input.as_deref())?;
    // Each profile as it plays: through the headphone correction when one is given or remembered.
    let hp = super::headphones(&args.hp, None)?;
    let profiles = args
        .profiles
        .iter()
        .map(|name| Ok(super::through(hp.as_ref(), resolve(name, None)?)))
        .collect::<Result<Vec<_>>>()?;
    let size = match &args.plot {
        Some(path) => {
            charts::format_of(path)?;
            Some(charts::parse_size(&args.chart.size)?)
        }
        None => None,
    };
    let audio = Audio::read(&input)?;
    let rate = audio.rate.round() as u32;
    let mut versions = vec![Version {
        label: "input".into(),
        profile: None,
        preamp_db: None,
        stats: SignalStats::measure(&audio.samples, audio.channels, rate),
    }];
    for p in &profiles {
        // Export's anti-clipping preamp: the one rule, `Profile::preamp_db`.
        let preamp_db = p.preamp_db(Preamp::Auto, audio.rate);
        // One profile at a time through the render path: the input in memory plus one version.
        p.check_channels(audio.channels)?;
        let lane = Lane::keep(p.stages(audio.rate, audio.channels), preamp_db);
        let mut src = Frames::new(&audio.samples, audio.channels, rate);
        let y = render(&mut src, vec![lane], BLOCK_FRAMES, &mut |_| {})?
            .pop()
            .and_then(|r| r.samples)
            .unwrap_or_default();
        versions.push(Version {
            label: p.name.clone(),
            profile: Some(p.name.clone()),
            preamp_db: Some(preamp_db),
            stats: SignalStats::measure(&y, audio.channels, rate),
        });
    }
    let report = Report {
        input: &input,
        sample_rate: audio.rate,
        channels: audio.channels,
        duration_s: audio.duration_s(),
        versions,
    };
    if let (Some(path), Some(size)) = (&args.plot, size) {
        let name = file_name(&input);
        let series: Vec<(String, Vec<(f64, f64)>)> = report
            .versions
            .iter()
            .map(|v| {
                let label = match &v.preamp_db {
                    Some(g) => format!("{} ({g:+.1} dB preamp)", v.label),
                    None => format!("{name} (input)"),
                };
                (label, v.stats.ltas_db.clone())
            })
            .collect();
        let chart = charts::spectra(
            &format!("Long-term average spectrum: {name}"),
            "Welch, Hann 8192, 50 % overlap, channels averaged; each profile with export's anti-clipping preamp",
            &series,
        );
        charts::write(path, &chart, size)?;
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

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.1}")
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
    let head: String = r
        .versions
        .iter()
        .map(|v| format!("{:>10}", v.label))
        .collect();
    outln!("{:<26}{head}", "")?;
    let row = |name: &str, f: &dyn Fn(&Version) -> String| {
        let cells: String = r.versions.iter().map(|v| format!("{:>10}", f(v))).collect();
        outln!("{name:<26}{cells}")
    };
    row("preamp dB", &|v| {
        v.preamp_db.map_or("-".into(), |g| format!("{g:+.1}"))
    })?;
    row("loudness LUFS", &|v| num(v.stats.integrated_lufs))?;
    row("loudness range LU", &|v| num(v.stats.loudness_range_lu))?;
    row("true peak dBTP", &|v| num(v.stats.true_peak_dbtp))?;
    row("sample peak dBFS", &|v| num(v.stats.sample_peak_dbfs))?;
    row("RMS dBFS", &|v| num(v.stats.rms_dbfs))?;
    row("crest factor dB", &|v| num(v.stats.crest_factor_db))?;
    outln!("octave bands, RMS dB:")?;
    let bands = r.versions[0].stats.octave_bands_db.len();
    for b in 0..bands {
        let centre = r.versions[0].stats.octave_bands_db[b].0;
        let label = if centre >= 1000.0 {
            format!("  {} kHz", centre / 1000.0)
        } else {
            format!("  {centre} Hz")
        };
        row(&label, &|v| num(v.stats.octave_bands_db[b].1))?;
    }
    Ok(())
}

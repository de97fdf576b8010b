//! Arguments of the commands that look at profiles and measurements: `profiles`, `fit`, `show`,
//! `analyze`.

use super::{ChartSize, HeadphoneArgs, ReportArgs};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ProfilesArgs {
    #[command(flatten)]
    pub report: ReportArgs,
    /// List the per-IEM profiles (`iem:moondrop-ssr`, …) with class, drivers and fit error (the
    /// fits ship with iemsim, made from the bundled measurements).
    #[arg(long)]
    pub iem: bool,
}

/// `iemsim fit`: a PEQ fitted to a measurement.
#[derive(Debug, Args)]
pub struct FitArgs {
    /// The IEM's frequency response: an AutoEq-style CSV (`frequency,raw`; more columns, other
    /// header names, `;` or tab separators and no header are fine).
    pub measurement: PathBuf,
    /// The neutral reference: `harman` (= `harman-in-ear-2019`, Harman in-ear 2019 v2),
    /// `harman-over-ear-2018` (for headphones), `diffuse-field`, or a CSV file. Not with --like:
    /// A is compared with B directly.
    #[arg(
        long,
        default_value = "harman",
        conflicts_with = "like",
        value_name = "harman|harman-in-ear-2019|harman-over-ear-2018|diffuse-field|TARGET.csv",
        value_parser = super::shared::TARGET_VALUE,
        hide_possible_values = true
    )]
    pub target: String,
    /// At most this many filters (1-20).
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub max_filters: usize,
    /// Fit the correction EQ instead (what brings this IEM or headphone to the target), by
    /// AutoEq's rules: the error is smoothed over 1/12 octave, over 2 octaves above 6-8 kHz
    /// (treble features of a coupler are not what an ear hears); the filters together boost
    /// +6 dB at most anywhere (a hard limit on their summed response), so a bass roll-off below
    /// the rig's reliable range is not chased; nothing below the measurement's lowest frequency
    /// is fitted (it may start as high as 100 Hz, give or take half an octave); no boost above
    /// 10 kHz (peaks at or below it, and their sum above it at most +0.05 dB, checked every 1/96
    /// octave). Named "NAME (correction)".
    #[arg(long, conflicts_with = "like")]
    pub invert: bool,
    /// With --invert: fit the exact negated deviation instead (no smoothing, each filter within
    /// the ±12 dB per-filter limit but no limit on their sum, boosts up to 14 kHz), as iemsim did
    /// before AutoEq's rules.
    #[arg(long, requires = "invert")]
    pub exact: bool,
    /// Make MEASUREMENT sound like B: its correction plus B's deviation, as one PEQ (an exact
    /// fit), named "A → B". B is a measurement CSV, a per-IEM profile (`iem:moondrop-ssr`,
    /// `"Moondrop SSR"`: its bundled measurement) or any other profile name or file (its response
    /// is B's deviation from the Harman in-ear target).
    #[arg(long, value_name = "B.csv|PROFILE")]
    pub like: Option<String>,
    /// Write the filters to this file, in the format its extension names: `.txt` (Equalizer APO /
    /// AutoEq ParametricEQ.txt), `.toml` (iemsim) or `.yml`/`.yaml` (CamillaDSP).
    #[arg(short = 'o', long, value_name = "PROFILE.txt")]
    pub output: Option<PathBuf>,
    /// Replace an existing output file.
    #[arg(long, requires = "output")]
    pub force: bool,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    #[command(flatten)]
    pub hp: HeadphoneArgs,
    /// Profile name(s) (see `iemsim profiles`) or file(s) (.toml, .txt = Equalizer APO / AutoEq,
    /// .yml = CamillaDSP); with --plot, their responses are overlaid.
    #[arg(required = true, value_name = "PROFILE")]
    pub profiles: Vec<String>,
    /// Sample rate the response is computed at (Hz), 8000-192000.
    #[arg(long, default_value_t = 48_000)]
    pub rate: u32,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Draw the magnitude responses as a chart instead: FILE.png or FILE.svg (an existing file is
    /// replaced only with --force; a PNG's font has no CJK or emoji, an SVG keeps them).
    #[arg(long, value_name = "FILE.png|FILE.svg", conflicts_with = "json")]
    pub plot: Option<PathBuf>,
    #[command(flatten)]
    pub chart: ChartSize,
    /// A measured frequency response to overlay (CSV rows `frequency,dB`, e.g. AutoEq's), drawn
    /// as its deviation from --measurement-target, comparable with the profiles; repeat for
    /// several. With a headphone correction, the correction is added to it as to the profiles.
    #[arg(long = "measurement", value_name = "CSV", requires = "plot")]
    pub measurements: Vec<PathBuf>,
    /// What --measurement is compared with: harman-in-ear-2019 (IEMs), harman-over-ear-2018
    /// (headphones) or a target CSV [default: harman-in-ear-2019; for the CSV given as
    /// --headphones, --headphone-target]
    #[arg(
        long,
        value_name = "TARGET",
        requires = "measurements",
        value_parser = super::shared::TARGET_VALUE,
        hide_possible_values = true
    )]
    pub measurement_target: Option<String>,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Audio file to analyse (WAV, FLAC, MP3, Ogg Vorbis, M4A) [default: samples/music.wav, built in]
    pub input: Option<PathBuf>,
    #[command(flatten)]
    pub hp: HeadphoneArgs,
    /// Also measure the input through this profile (with export's automatic anti-clipping
    /// preamp); repeat for several.
    #[arg(short = 'p', long = "profile", value_name = "PROFILE")]
    pub profiles: Vec<String>,
    /// Draw the long-term average spectra (input and each profile) as a chart: FILE.png or
    /// FILE.svg (an existing file is replaced only with --force; a PNG's font has no CJK or
    /// emoji, an SVG keeps them).
    #[arg(long, value_name = "FILE.png|FILE.svg")]
    pub plot: Option<PathBuf>,
    #[command(flatten)]
    pub chart: ChartSize,
    #[command(flatten)]
    pub report: ReportArgs,
}

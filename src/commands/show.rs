//! `iemsim show PROFILE…`: filters, response table and peak boost of each profile, or with
//! `--plot` their responses on one chart.

use super::charts;
use crate::cli::ShowArgs;
use crate::commands::out::outln;
use crate::dsp::response::{self, ExtremumKind, THIRD_OCTAVE_CENTRES_HZ};
use crate::dsp::{ChannelStages, Preamp, Stages};
use crate::error::{Error, Result};
use crate::render::export::dropped_numbers;
use crate::ui::fmt;
use serde::Serialize;

#[derive(Serialize)]
struct ResponsePoint {
    hz: f64,
    db: f64,
}

#[derive(Serialize)]
struct ShowReport<'a> {
    profile: &'a crate::dsp::Profile,
    sample_rate: u32,
    max_boost_db: f64,
    /// Where that boost is (Hz); absent when the profile only cuts.
    #[serde(skip_serializing_if = "Option::is_none")]
    max_boost_hz: Option<f64>,
    /// The profile's own preamp (`--preamp profile`; from the file for a profile file).
    preamp_db: f64,
    /// What `--preamp auto` applies at this rate.
    auto_preamp_db: f64,
    /// The profile's filters dropped at this rate, by their numbers in `iemsim show PROFILE`.
    dropped_filters: Vec<usize>,
    /// The headphone correction's, by their numbers in its own list.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    dropped_correction_filters: Vec<usize>,
    response: Vec<ResponsePoint>,
    /// The true peaks and dips (the table above samples fixed centres and can miss them).
    extrema: Vec<response::Extremum>,
    /// A per-channel profile: each channel's response (the one above is their mean in dB).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    channel_responses: Vec<ChannelReport>,
}

#[derive(Serialize)]
struct ChannelReport {
    /// 1-based, as people count (1 = left).
    channel: usize,
    /// Its gain on top of the preamp.
    gain_db: f64,
    max_boost_db: f64,
    response: Vec<ResponsePoint>,
    extrema: Vec<response::Extremum>,
}

/// The cascades to describe: every channel's (gain 0), or each channel's with its own gain.
fn views(p: &crate::dsp::Profile, fs: f64) -> Vec<ChannelStages> {
    match p.stages(fs, p.distinct_channels().len()) {
        Stages::Shared(coeffs) => vec![ChannelStages {
            coeffs,
            gain_db: 0.0,
        }],
        Stages::PerChannel(per) => per,
    }
}

/// A cascade's response at `freqs` (its gain added).
fn db_at(v: &ChannelStages, freqs: &[f64], fs: f64) -> Vec<f64> {
    response::cascade_db_at(&v.coeffs, freqs, fs)
        .into_iter()
        .map(|db| db + v.gain_db)
        .collect()
}

/// The peaks and dips (the channel's gain added).
fn extrema(v: &ChannelStages, fs: f64) -> Vec<response::Extremum> {
    let mut e = response::extrema(&v.coeffs, fs, EXTREMUM_MIN_DB);
    for x in &mut e {
        x.db += v.gain_db;
    }
    e
}

/// Peaks and dips smaller than this are not listed (shelf ripples, numerical flatness).
const EXTREMUM_MIN_DB: f64 = 0.1;

pub fn run(args: &ShowArgs) -> Result<()> {
    if !(8_000..=192_000).contains(&args.rate) {
        return Err(Error::usage(
            "--rate",
            format!("--rate {} Hz is outside 8000-192000 Hz", args.rate),
        ));
    }
    let fs = f64::from(args.rate);
    // With --headphones (or a remembered correction) each profile is shown as the one cascade
    // that plays: the correction, then the profile.
    let hp = crate::commands::headphones(&args.hp, Some(fs))?;
    let profiles = crate::commands::resolve_all(hp.as_ref(), &args.profiles, Some(fs))?;
    if let Some(path) = &args.plot {
        use std::path::{Path, PathBuf};
        let names = args.profiles.iter().map(Path::new);
        let target = args.measurement_target.as_deref().map(Path::new);
        let measured = args.measurements.iter().map(PathBuf::as_path).chain(target);
        crate::io::sink_types::check_not_input(path, names.chain(measured).chain(args.hp.files()))?;
        return plot(args, path, &profiles, hp.as_ref());
    }
    let mut json = Vec::new();
    for (i, p) in profiles.iter().enumerate() {
        if i > 0 && !args.report.json {
            outln!()?;
        }
        show_one(args, p, &mut json)?;
    }
    if args.report.json {
        let out = match json.len() {
            1 => json.remove(0),
            _ => serde_json::Value::Array(json),
        };
        outln!("{}", serde_json::to_string_pretty(&out)?)?;
    }
    Ok(())
}

/// `--plot`: every profile's response (and any `--measurement`) on one chart. With a headphone
/// correction the profiles are drawn as they play (through it), and so are the measurements
/// beside them, and the title says so.
fn plot(
    args: &ShowArgs,
    path: &std::path::Path,
    profiles: &[crate::dsp::Profile],
    hp: Option<&crate::profiles::headphones::Correction>,
) -> Result<()> {
    charts::check_destination(path, args.chart.force)?;
    let size = charts::parse_size(&args.chart.size)?;
    let rate = f64::from(args.rate);
    let names: Vec<&str> = profiles.iter().map(|p| p.name.as_str()).collect();
    let title = format!("Frequency response: {}", names.join(", "));
    let mut chart = charts::responses(profiles, rate, &title);
    if let Some(c) = hp {
        charts::through_headphones(&mut chart, c, rate);
    }
    let like = |c: crate::ui::plot::Curve| match hp {
        Some(h) => charts::through_correction(c, &h.profile, rate),
        None => vec![c],
    };
    // A per-IEM profile brings its measured deviation, in its own colour, so the fit can be
    // judged by eye.
    for (i, p) in profiles.iter().enumerate() {
        if let Some(c) = charts::iem_measured_deviation(p, i)? {
            chart.curves.extend(like(c));
        }
    }
    for (j, m) in args.measurements.iter().enumerate() {
        let target = measurement_target(args, m);
        let c = charts::measured_deviation(m, &target, profiles.len() + j)?;
        chart.curves.extend(like(c));
    }
    charts::write(path, &chart, size, args.chart.force)?;
    // The table marks them; the chart cannot, so a filter missing from it is said here.
    for p in profiles {
        for d in p.dropped(rate) {
            crate::io::diag::diag!(
                "iemsim: note: {} (left out of the chart)",
                d.message(&p.name)
            );
        }
    }
    // One line, whatever the file's or the profiles' names hold.
    let done = format!(
        "{}: {} on one chart, {}x{}{}",
        path.display(),
        names.join(", "),
        size.width,
        size.height,
        hp.map_or("", |_| " (through the headphone correction)")
    );
    outln!("{}", crate::io::diag::one_line(&done))?;
    Ok(())
}

/// The target a `--measurement` is compared with: `--measurement-target`; else, for the CSV that
/// is also the headphone measurement in use (given or remembered), its target (given or
/// remembered); else the in-ear target.
fn measurement_target(args: &ShowArgs, measurement: &std::path::Path) -> String {
    if let Some(t) = &args.measurement_target {
        return t.clone();
    }
    // The correction's own target: given, else remembered (it was the default even when
    // `config set headphone-target` said otherwise, and the legend named the wrong target).
    let (file, target) = crate::profiles::headphones::file_and_target(
        args.hp.headphones.as_deref(),
        args.hp.headphone_target.as_deref(),
        args.hp.no_headphones,
    );
    match file {
        Some(h) if crate::io::atomic::same_file(&h, measurement) => target,
        _ => "harman-in-ear-2019".to_string(),
    }
}

/// The text (or one JSON object, pushed to `json`) for one profile.
fn show_one(
    args: &ShowArgs,
    p: &crate::dsp::Profile,
    json: &mut Vec<serde_json::Value>,
) -> Result<()> {
    let fs = f64::from(args.rate);
    let dropped_filters = p.dropped(fs);
    // The table lists the whole cascade (a headphone correction's filters first): by place.
    let dropped: Vec<usize> = dropped_filters.iter().map(|d| d.position).collect();
    let freqs: Vec<f64> = THIRD_OCTAVE_CENTRES_HZ
        .iter()
        .copied()
        .filter(|&f| f < fs / 2.0)
        .collect();
    let views = views(p, fs);
    let (max_boost_hz, max_boost) = p.max_boost(fs);
    // A boost that prints as +0.0 dB is none, with no place: at 8 kHz the sibilance profile's
    // 9.6e-16 dB of rounding at Nyquist read "+0.0 dB at 4.00k Hz".
    let max_boost_hz = Some(max_boost_hz).filter(|_| fmt::db(max_boost) != "+0.0");
    // The one function `export --preamp auto` and `profiles --json` use too.
    let auto_preamp = p.preamp_db(Preamp::Auto, fs);
    if args.report.json {
        // A per-channel profile reports each channel's extrema; a shared one, its own.
        let (extrema, channel_responses) = match p.is_per_channel() {
            true => (Vec::new(), channel_reports(&views, &freqs, fs)),
            false => (extrema(&views[0], fs), Vec::new()),
        };
        let report = ShowReport {
            profile: p,
            sample_rate: args.rate,
            max_boost_db: max_boost,
            max_boost_hz,
            preamp_db: p.preamp_db,
            auto_preamp_db: auto_preamp,
            dropped_filters: dropped_numbers(&dropped_filters, false),
            dropped_correction_filters: dropped_numbers(&dropped_filters, true),
            response: points(&freqs, &p.response_db(&freqs, fs)),
            extrema,
            channel_responses,
        };
        json.push(serde_json::to_value(&report)?);
        return Ok(());
    }
    // A file that says nothing of itself (an AutoEq ParametricEQ.txt) shows no empty fields.
    // On a terminal, long paragraphs wrap at words, indented under their first line.
    let columns = crate::ui::fmt::stdout_columns();
    match p.description.as_str() {
        "" => outln!("{}", p.name)?,
        d => outln!("{}", fmt::wrap(&format!("{}: {d}", p.name), 0, 2, columns))?,
    }
    if !p.source.is_empty() {
        outln!(
            "{}",
            fmt::wrap(&format!("Source: {}", p.source), 0, 2, columns)
        )?;
    }
    if p.preamp_db != 0.0 {
        // `show` has no --preamp: this is the profile's own, which export applies on request
        // (with a correction, the two preamps together: the correction's was called the profile's).
        let whose = match p.behind {
            Some(_) => "the profile's and the headphone correction's",
            None => "the profile's own",
        };
        outln!(
            "Preamp: {} dB ({whose}; export's --preamp profile applies it)",
            fmt::db(p.preamp_db)
        )?;
    }
    outln!()?;
    print_filters(p, &dropped, fs)?;
    for (c, v) in views.iter().enumerate() {
        print_response(args, p.is_per_channel().then_some(c), v, &freqs, fs)?;
    }
    outln!()?;
    outln!(
        "Peak boost: {} dB{}{} (export's --preamp auto applies {} dB)",
        fmt::db(max_boost),
        // A shelf's boost is greatest where it flattens out, which can be 0 Hz or Nyquist.
        max_boost_hz.map_or(String::new(), |hz| boost_place(hz, &views, fs)),
        if p.is_per_channel() {
            " on the loudest channel"
        } else {
            ""
        },
        fmt::db(auto_preamp)
    )?;
    Ok(())
}

/// `db` at `freqs`, as the JSON report's points.
fn points(freqs: &[f64], db: &[f64]) -> Vec<ResponsePoint> {
    freqs
        .iter()
        .zip(db)
        .map(|(&hz, &db)| ResponsePoint { hz, db })
        .collect()
}

/// Each channel's response for the JSON report of a per-channel profile.
fn channel_reports(views: &[ChannelStages], freqs: &[f64], fs: f64) -> Vec<ChannelReport> {
    views
        .iter()
        .enumerate()
        .map(|(c, v)| ChannelReport {
            channel: c + 1,
            gain_db: v.gain_db,
            max_boost_db: (response::max_boost_db(&v.coeffs, fs) + v.gain_db).max(0.0),
            response: points(freqs, &db_at(v, freqs, fs)),
            extrema: extrema(v, fs),
        })
        .collect()
}

/// The filter table (with each filter's channel for a per-channel profile, and a note on those
/// `dropped` above Nyquist, by 1-based index, and on those left out at `fs` as the identity
/// there: a peak exactly at Nyquist, which AutoEq writes for 44.1 kHz, read as a filter at work).
fn print_filters(p: &crate::dsp::Profile, dropped: &[usize], fs: f64) -> Result<()> {
    if p.filter_count() == 0 {
        outln!("No filters.")?;
        return Ok(());
    }
    let per_channel = p.is_per_channel();
    let head = if per_channel { "  channel  " } else { "" };
    outln!("  #  type        fc Hz   gain dB      Q{head}")?;
    for (i, (channel, f)) in p.all_filters().enumerate() {
        let gain = if f.kind.uses_gain() {
            format!("{:+8.1}", f.gain_db)
        } else {
            "       -".into()
        };
        let note = if dropped.contains(&(i + 1)) {
            "  (dropped: above Nyquist)"
        } else if f.is_identity_at(fs) {
            "  (left out: no effect at Nyquist)"
        } else {
            ""
        };
        let on = match (per_channel, channel) {
            (false, _) => String::new(),
            (true, None) => "  all".into(),
            (true, Some(c)) => format!("  {}", crate::dsp::profile::channel_label(c)),
        };
        outln!(
            "{:3}  {:<10} {:7.0}  {gain}  {:5.2}{on}{note}",
            i + 1,
            format!("{:?}", f.kind),
            f.fc_hz,
            f.q
        )?;
    }
    Ok(())
}

/// One cascade's response: the 1/3-octave table with its bars, then the exact peaks and dips.
fn print_response(
    args: &ShowArgs,
    channel: Option<usize>,
    v: &ChannelStages,
    freqs: &[f64],
    fs: f64,
) -> Result<()> {
    outln!()?;
    match channel {
        None => outln!("Response at {} Hz (1/3-octave centres):", args.rate)?,
        Some(c) => outln!(
            "Channel {}: response at {} Hz (1/3-octave centres){}:",
            crate::dsp::profile::channel_label(c),
            args.rate,
            if v.gain_db != 0.0 {
                format!(", its own gain {} dB included", fmt::db(v.gain_db))
            } else {
                String::new()
            }
        )?,
    }
    for (f, d) in freqs.iter().zip(&db_at(v, freqs, fs)) {
        // The centres' own names (31.5, 1.25k, 3.15k, 12.5k), as `analyze` names its bands:
        // `{:.1}` made 1250 "1.2k", and `{:.0}` made 31.5 "32".
        let label = if *f >= 1000.0 {
            let k = format!("{:.2}", f / 1000.0);
            format!("{}k", k.trim_end_matches('0').trim_end_matches('.'))
        } else {
            format!("{f}")
        };
        outln!("  {label:>6} Hz {:>6} dB  {}", fmt::db(*d), bar(*d))?;
    }
    outln!()?;
    let extrema = extrema(v, fs);
    if extrema.is_empty() {
        outln!("Peaks and dips: none (the response is monotonic or flat).")?;
        return Ok(());
    }
    outln!("Peaks and dips (exact, between the centres too):")?;
    for e in &extrema {
        let kind = match e.kind {
            ExtremumKind::Peak => "peak",
            ExtremumKind::Dip => "dip ",
        };
        outln!(
            "  {kind} {:>9} Hz {:>6} dB",
            precise_hz(e.hz),
            fmt::db(e.db)
        )?;
    }
    Ok(())
}

/// A text bar centred on 0 dB: `····|███` for +3 dB, one cell per dB, clamped at ±12: a longer
/// one ends in an arrow (`◀███…|`, `|…███▶`), so -30 dB does not look like -12.
pub fn bar(db: f64) -> String {
    let cells = db.abs().round() as usize;
    let body = "█".repeat(if cells > 12 { 11 } else { cells });
    match (db >= 0.0, cells > 12) {
        (true, false) => format!("{:>12}|{body}", ""),
        (true, true) => format!("{:>12}|{body}▶", ""),
        (false, false) => format!("{body:>12}|"),
        (false, true) => format!("◀{body}|"),
    }
}

/// Where the peak boost is, for its line: the place of the same peak in the peaks-and-dips list
/// when it is one of them (two searches ending 1e-7 apart rounded 5555 Hz to 5.55k in one and
/// 5.56k in the other), outside the audio band only when it reads past 20 Hz-20 kHz (a peak at
/// exactly 20 kHz was "above 20 kHz" at 44.1 kHz and "at 20.00k Hz" at 48 kHz).
fn boost_place(hz: f64, views: &[ChannelStages], fs: f64) -> String {
    let listed = views
        .iter()
        .flat_map(|v| extrema(v, fs))
        .filter(|e| e.kind == ExtremumKind::Peak)
        .map(|e| e.hz)
        .find(|f| (f / hz).ln().abs() < 1e-6);
    match snapped(listed.unwrap_or(hz)) {
        hz if hz < 20.0 => " below 20 Hz".to_string(),
        hz if hz > 20_000.0 => " above 20 kHz".to_string(),
        hz => format!(" at {} Hz", precise_hz(hz)),
    }
}

/// `f` to six significant figures: a searched peak lies within about 1e-7 of the truth either
/// way, which these rounding places do not show (a filter's 20 kHz is 20 kHz).
fn snapped(f: f64) -> f64 {
    if !(f.is_finite() && f > 0.0) {
        return f;
    }
    let scale = 10f64.powi(5 - f.log10().floor() as i32);
    (f * scale).round() / scale
}

/// A measured frequency to three significant figures: "8.53k", "247", "61.2".
fn precise_hz(f: f64) -> String {
    let f = snapped(f);
    if f >= 1000.0 {
        format!("{:.2}k", f / 1000.0)
    } else if f >= 100.0 {
        format!("{f:.0}")
    } else {
        format!("{f:.1}")
    }
}

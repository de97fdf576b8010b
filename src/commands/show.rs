//! `iemsim show PROFILE…`: filters, response table and peak boost of each profile, or with
//! `--plot` their responses on one chart.

use super::{charts, find_profile};
use crate::cli::ShowArgs;
use crate::dsp::response::{self, THIRD_OCTAVE_CENTRES_HZ};
use anyhow::Result;
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
    auto_preamp_db: f64,
    dropped_filters: Vec<usize>,
    response: Vec<ResponsePoint>,
}

pub fn run(args: &ShowArgs) -> Result<()> {
    if !(8_000..=192_000).contains(&args.rate) {
        return Err(crate::error::usage(format!(
            "--rate {} Hz is outside 8000-192000 Hz",
            args.rate
        )));
    }
    let profiles = args
        .profiles
        .iter()
        .map(|name| find_profile(name))
        .collect::<Result<Vec<_>>>()?;
    if let Some(path) = &args.plot {
        return plot(args, path, &profiles);
    }
    let mut json = Vec::new();
    for (i, p) in profiles.iter().enumerate() {
        if i > 0 && !args.json {
            println!();
        }
        show_one(args, p, &mut json)?;
    }
    if args.json {
        let out = match json.len() {
            1 => json.remove(0),
            _ => serde_json::Value::Array(json),
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    Ok(())
}

/// `--plot`: every profile's response (and any `--measurement`) on one chart.
fn plot(args: &ShowArgs, path: &std::path::Path, profiles: &[crate::dsp::Profile]) -> Result<()> {
    charts::format_of(path)?;
    let size = charts::parse_size(&args.size)?;
    let names: Vec<&str> = profiles.iter().map(|p| p.name.as_str()).collect();
    let title = format!("Frequency response: {}", names.join(", "));
    let mut chart = charts::responses(profiles, f64::from(args.rate), &title);
    for (i, m) in args.measurements.iter().enumerate() {
        chart.curves.push(charts::measured_deviation(m, i)?);
    }
    charts::write(path, &chart, size)?;
    println!(
        "{}: {} on one chart, {}x{}",
        path.display(),
        names.join(", "),
        size.width,
        size.height
    );
    Ok(())
}

/// The text (or one JSON object, pushed to `json`) for one profile.
fn show_one(
    args: &ShowArgs,
    p: &crate::dsp::Profile,
    json: &mut Vec<serde_json::Value>,
) -> Result<()> {
    let fs = f64::from(args.rate);
    let (coeffs, dropped) = p.coefficients(fs);
    let freqs: Vec<f64> = THIRD_OCTAVE_CENTRES_HZ
        .iter()
        .copied()
        .filter(|&f| f < fs / 2.0)
        .collect();
    let db = response::cascade_db_at(&coeffs, &freqs, fs);
    let max_boost = response::max_boost_db(&coeffs, fs);
    if args.json {
        let report = ShowReport {
            profile: p,
            sample_rate: args.rate,
            max_boost_db: max_boost,
            auto_preamp_db: -max_boost,
            dropped_filters: dropped.iter().map(|d| d.index).collect(),
            response: freqs
                .iter()
                .zip(&db)
                .map(|(&hz, &db)| ResponsePoint { hz, db })
                .collect(),
        };
        json.push(serde_json::to_value(&report)?);
        return Ok(());
    }
    println!("{}: {}", p.name, p.description);
    println!("Source: {}", p.source);
    println!();
    if p.filters.is_empty() {
        println!("No filters.");
    } else {
        println!("  #  type        fc Hz   gain dB      Q");
        for (i, f) in p.filters.iter().enumerate() {
            let gain = if f.kind.uses_gain() {
                format!("{:+8.1}", f.gain_db)
            } else {
                "       -".into()
            };
            let note = if dropped.iter().any(|d| d.index == i + 1) {
                "  (dropped: above Nyquist)"
            } else {
                ""
            };
            println!(
                "{:3}  {:<10} {:7.0}  {gain}  {:5.2}{note}",
                i + 1,
                format!("{:?}", f.kind),
                f.fc_hz,
                f.q
            );
        }
    }
    println!();
    println!("Response at {} Hz (1/3-octave centres):", args.rate);
    for (f, d) in freqs.iter().zip(&db) {
        let label = if *f >= 1000.0 {
            format!("{:.1}k", f / 1000.0).replace(".0k", "k")
        } else {
            format!("{f:.0}")
        };
        println!("  {label:>6} Hz {d:+6.1} dB  {}", bar(*d));
    }
    println!();
    println!(
        "Peak boost: {max_boost:+.1} dB (export's --preamp auto applies {:+.1} dB)",
        -max_boost
    );
    Ok(())
}

/// A text bar centred on 0 dB: `····|███` for +3 dB, one cell per dB, clamped at ±12.
fn bar(db: f64) -> String {
    let cells = db.abs().round().min(12.0) as usize;
    if db >= 0.0 {
        format!("{:>12}|{}", "", "█".repeat(cells))
    } else {
        format!("{:>12}|", "█".repeat(cells))
    }
}

/// Nominal band names as printed on equalisers: `31.5`, `250`, `1.25k`, `12.5k`, `20k`.
pub fn hz_label(f: f64) -> String {
    let trim = |s: String| s.trim_end_matches('0').trim_end_matches('.').to_string();
    if f >= 1000.0 {
        format!("{}k", trim(format!("{:.2}", f / 1000.0)))
    } else {
        trim(format!("{f:.1}"))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn band_labels() {
        let l: Vec<String> = [20.0, 31.5, 250.0, 1000.0, 1250.0, 12_500.0, 20_000.0]
            .iter()
            .map(|&f| super::hz_label(f))
            .collect();
        assert_eq!(l, ["20", "31.5", "250", "1k", "1.25k", "12.5k", "20k"]);
    }
}

//! `iemsim profiles`: the built-ins, one line each; `--iem`: the per-IEM profiles with their fit.

use crate::cli::ProfilesArgs;
use crate::dsp::builtin;
use crate::dsp::iems::{self, IemProfile};
use anyhow::Result;
use serde::Serialize;

pub fn run(args: &ProfilesArgs) -> Result<()> {
    if args.iem {
        return list_iems(args.json);
    }
    let all = builtin::profiles();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&all)?);
        return Ok(());
    }
    let width = all.iter().map(|p| p.name.len()).max().unwrap_or(0);
    for p in &all {
        println!("{:width$}  {}", p.name, p.description);
    }
    println!(
        "\nPer-IEM profiles ({} measured IEMs, e.g. iem:moondrop-ssr): iemsim profiles --iem",
        iems::CATALOG.len()
    );
    println!("Details and response: iemsim show PROFILE");
    Ok(())
}

#[derive(Serialize)]
struct IemRow<'a> {
    name: String,
    model: &'a str,
    class: &'a str,
    drivers: &'a str,
    measurer: &'a str,
    filters: usize,
    rms_error_db: f64,
    worst_error_db: f64,
    worst_hz: f64,
    profile: &'a crate::dsp::Profile,
}

/// Fits every bundled IEM (two at a time: each fit is independent) and prints one line each.
fn list_iems(json: bool) -> Result<()> {
    let fitted: Vec<&'static IemProfile> = std::thread::scope(|s| {
        let (first, second) = iems::CATALOG.split_at(iems::CATALOG.len() / 2);
        let other = s.spawn(|| {
            second
                .iter()
                .map(iems::profile)
                .collect::<Result<Vec<_>, _>>()
        });
        let mine = first
            .iter()
            .map(iems::profile)
            .collect::<Result<Vec<_>, _>>();
        let theirs = other
            .join()
            .map_err(|_| anyhow::anyhow!("a fitting thread failed"))?;
        anyhow::Ok(mine?.into_iter().chain(theirs?).collect())
    })?;
    let rows: Vec<IemRow> = fitted
        .iter()
        .map(|f| IemRow {
            name: f.iem.profile_name(),
            model: f.iem.model,
            class: f.iem.class.label(),
            drivers: f.iem.drivers,
            measurer: f.iem.measurer,
            filters: f.profile.filters.len(),
            rms_error_db: f.error.rms_db,
            worst_error_db: f.error.worst_db,
            worst_hz: f.error.worst_hz,
            profile: &f.profile,
        })
        .collect();
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(0);
    let dw = rows.iter().map(|r| r.drivers.len()).max().unwrap_or(0);
    println!(
        "{:width$}  {:6}  {:dw$}  filters  fit error (20 Hz-10 kHz)",
        "profile", "class", "drivers"
    );
    for r in &rows {
        println!(
            "{:width$}  {:6}  {:dw$}  {:7}  {:.2} dB RMS, worst {:+.2} dB at {:.0} Hz",
            r.name, r.class, r.drivers, r.filters, r.rms_error_db, r.worst_error_db, r.worst_hz
        );
    }
    println!(
        "\nEach is the IEM's measured deviation from the Harman in-ear 2019 target (AutoEq, MIT), fitted with \
         <= 10 filters. Use them anywhere a profile goes: iemsim play -a iem:moondrop-ssr -b iem:etymotic-er4sr"
    );
    Ok(())
}

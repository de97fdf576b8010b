//! `iemsim profiles`: the built-ins and the user's own profiles, one line each; `--iem`: the
//! per-IEM profiles with their fit.

use crate::cli::ProfilesArgs;
use crate::commands::out::outln;
use crate::error::Result;
use crate::profiles::iems::{self, IemProfile};
use crate::profiles::{self, Origin};
use serde::Serialize;

#[derive(Serialize)]
struct Entry<'a> {
    #[serde(flatten)]
    profile: &'a crate::dsp::Profile,
    /// `builtin` or `user`.
    origin: &'static str,
    /// The file, for a user profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
}

pub fn run(args: &ProfilesArgs) -> Result<()> {
    if args.iem {
        return list_iems(args.report.json);
    }
    let (all, problems) = profiles::all();
    // One line per unusable file in the user's folder: reported, never fatal.
    for p in &problems {
        crate::io::diag::diag!("iemsim: warning: skipped {p}");
    }
    if args.report.json {
        let entries: Vec<Entry> = all
            .iter()
            .map(|l| Entry {
                profile: &l.profile,
                origin: match l.origin {
                    Origin::Builtin => "builtin",
                    Origin::User(_) => "user",
                },
                path: match &l.origin {
                    Origin::User(p) => Some(crate::io::diag::escaped(p.as_os_str()).into_owned()),
                    Origin::Builtin => None,
                },
            })
            .collect();
        outln!("{}", serde_json::to_string_pretty(&entries)?)?;
        return Ok(());
    }
    // A longer name (a user's file may name itself anything) goes on a line of its own, so one
    // long name does not push every description to the right.
    const MAX_NAME_COLUMNS: usize = 28;
    let width = all
        .iter()
        .map(|l| crate::ui::fmt::columns(&l.profile.name))
        .filter(|&w| w <= MAX_NAME_COLUMNS)
        .max()
        .unwrap_or(0);
    // On a terminal, a description goes on under itself, not from the first column.
    let columns = crate::ui::fmt::stdout_columns();
    for l in &all {
        let mark = match l.origin {
            Origin::Builtin => "",
            Origin::User(_) => "[user] ",
        };
        let text = format!("{mark}{}", l.profile.description);
        let text = crate::ui::fmt::wrap(&text, width + 2, width + 2, columns);
        if crate::ui::fmt::columns(&l.profile.name) > width {
            outln!("{}", l.profile.name)?;
            outln!("{}  {text}", crate::ui::fmt::pad("", width))?;
        } else {
            outln!("{}  {text}", crate::ui::fmt::pad(&l.profile.name, width))?;
        }
    }
    let per_iem = format!(
        "Per-IEM profiles ({} measured IEMs, e.g. iem:moondrop-ssr): iemsim profiles --iem",
        iems::CATALOG.len()
    );
    outln!("\n{}", crate::ui::fmt::wrap(&per_iem, 0, 2, columns))?;
    let details = match profiles::user_dir() {
        Some(d) => format!(
            "Details and response: iemsim show PROFILE. Your own profiles (.toml, .txt, .yml) go in {}",
            d.display()
        ),
        None => "Details and response: iemsim show PROFILE".to_string(),
    };
    outln!("{}", crate::ui::fmt::wrap(&details, 0, 2, columns))?;
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

/// Every per-IEM profile (shipped fits: no fitting at run time), one line each.
fn list_iems(json: bool) -> Result<()> {
    let fitted: Vec<&'static IemProfile> = iems::CATALOG
        .iter()
        .map(iems::profile)
        .collect::<Result<_, _>>()?;
    let rows: Vec<IemRow> = fitted
        .iter()
        .map(|f| IemRow {
            name: f.iem.profile_name(),
            model: f.iem.model,
            class: f.iem.class.label(),
            drivers: f.iem.drivers,
            measurer: f.iem.measurer,
            filters: f.profile.filter_count(),
            rms_error_db: f.error.rms_db,
            worst_error_db: f.error.worst_db,
            worst_hz: f.error.worst_hz,
            profile: &f.profile,
        })
        .collect();
    if json {
        outln!("{}", serde_json::to_string_pretty(&rows)?)?;
        return Ok(());
    }
    let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(0);
    let dw = rows.iter().map(|r| r.drivers.len()).max().unwrap_or(0);
    outln!(
        "{:width$}  {:6}  {:dw$}  filters  fit error (20 Hz-10 kHz)",
        "profile",
        "class",
        "drivers"
    )?;
    for r in &rows {
        outln!(
            "{:width$}  {:6}  {:dw$}  {:7}  {:.2} dB RMS, worst {:+.2} dB at {:.0} Hz",
            r.name,
            r.class,
            r.drivers,
            r.filters,
            r.rms_error_db,
            r.worst_error_db,
            r.worst_hz
        )?;
    }
    outln!(
        "\nEach is the IEM's measured deviation from the Harman in-ear 2019 target (AutoEq, MIT), fitted with \
         <= 10 filters. Use them anywhere a profile goes: iemsim play -a iem:moondrop-ssr -b iem:etymotic-er4sr"
    )?;
    Ok(())
}

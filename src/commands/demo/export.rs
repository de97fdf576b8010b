//! `iemsim demo KIND --export DIR`: every part as WAV files plus a README with the text and numbers.
//!
//! Per part (see [`super::part`]): `<slug>.source.wav` (the material), `<slug>.<A>.wav` and
//! `<slug>.<B>.wav` (through each profile, loudness-matched like the player: the louder side is
//! turned down to the quieter one's BS.1770 loudness, on top of the anti-clipping preamp). Nothing is
//! replaced without `--force`, with it only the demo's own earlier files and empty ones
//! ([`check_existing`]), and a refusal happens before any file is written.

use super::part::{chart_paths, profile_path, render_part, RenderedPart};
use super::{kind_name, material, report, DemoPart};
use crate::cli::DemoArgs;
use crate::commands::out::outln;
use crate::error::Error;
use crate::error::Result;
use crate::ui::fmt::count;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Every file the export of `parts` writes (README last).
pub fn planned_files(parts: &[DemoPart], dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for p in parts {
        files.push(material::source_path(p, dir));
        files.push(profile_path(p, &p.a, dir));
        if p.b != p.a {
            files.push(profile_path(p, &p.b, dir));
        }
        let (response, spectra) = chart_paths(p, dir);
        files.push(response);
        files.push(spectra);
    }
    files.push(dir.join("README.md"));
    files
}

/// Everything `--json` prints.
#[derive(Debug, Serialize)]
struct JsonReport<'a> {
    demo: &'a str,
    title: &'a str,
    intro: String,
    #[serde(serialize_with = "crate::io::diag::json_path")]
    dir: &'a Path,
    #[serde(serialize_with = "crate::io::diag::json_path")]
    readme: PathBuf,
    /// The headphone correction both sides of every part went through (given or remembered),
    /// whose sides the README, table and charts label `NAME + headphone EQ`; null without one.
    headphones: Option<String>,
    parts: &'a [RenderedPart],
}

pub fn run(args: &DemoArgs, parts: &[DemoPart], dir: &Path) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::input(
            dir,
            format!("{}: exists and is not a folder", dir.display()),
        ));
    }
    let created = !dir.exists();
    std::fs::create_dir_all(dir)
        .map_err(|e| crate::error::output_error(dir, "cannot create the export folder", e))?;
    let result = write_all(args, parts, dir);
    if result.is_err() && created {
        // A failed run leaves no trace: the folder it made goes again (only if still empty).
        let _ = std::fs::remove_dir(dir);
    }
    result
}

fn write_all(args: &DemoArgs, parts: &[DemoPart], dir: &Path) -> Result<()> {
    check_existing(&planned_files(parts, dir), args.force)?;
    let hp = crate::commands::headphones(&args.hp, Some(f64::from(super::material::RATE)))?;
    let rendered = parts
        .iter()
        .map(|p| render_part(p, dir, args.force, hp.as_ref()))
        .collect::<Result<Vec<_>>>()?;
    let readme = report::readme(args.kind, &rendered, hp.as_ref());
    let readme_path = dir.join("README.md");
    crate::commands::write_atomic(&readme_path, readme.as_bytes(), args.force, None)?;
    if args.report.json {
        let r = JsonReport {
            demo: kind_name(args.kind),
            title: super::title(args.kind),
            intro: super::intro(args.kind),
            dir,
            readme: readme_path,
            headphones: hp.as_ref().map(|c| c.label.clone()),
            parts: &rendered,
        };
        outln!("{}", serde_json::to_string_pretty(&r)?)?;
    } else {
        crate::commands::out::text(&readme)?;
        outln!(
            "\nWrote {} files to {}",
            planned_files(parts, dir).len(),
            dir.display()
        )?;
    }
    Ok(())
}

/// Refuses, before the first file is written, what is in the way at the export's names. Even
/// with --force only regular files are replaced (a FIFO or folder in the way is refused here, not
/// after fifteen files, then exit 1), and of those only the demo's own: empty files and files
/// iemsim wrote (its mark in a WAV's or PNG's header, the README's last line), as a folder export
/// does; the user's own `README.md` in the folder was replaced. Without --force nothing is
/// replaced, and the message says which files are there and whose they look like.
fn check_existing(planned: &[PathBuf], force: bool) -> Result<()> {
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for p in planned {
        if std::fs::symlink_metadata(p).is_err() {
            continue;
        }
        if let Err(what) = crate::io::atomic::check_replaceable(p) {
            return Err(Error::input(p, format!(
                "{}: is {what}, not a regular file: iemsim only replaces regular files, even with --force (nothing was written)",
                p.display()
            )));
        }
        if !p.exists() {
            continue; // a dangling link: nothing to lose
        }
        match not_ours(p) {
            None => ours.push(p),
            Some(why) => theirs.push((p, why)),
        }
    }
    refusal(&ours, &theirs, force).map_or(Ok(()), Err)
}

/// The one-line refusal for what is at the export's names: `ours` (the demo's own earlier files,
/// or empty ones) and `theirs` (with why they are not), or None when the export may go ahead.
fn refusal(ours: &[&PathBuf], theirs: &[(&PathBuf, &str)], force: bool) -> Option<Error> {
    let their_names = || {
        let each = theirs
            .iter()
            .map(|(p, why)| format!("{} ({why})", report::file_name(p)));
        list(each.collect())
    };
    if let Some(&(first, _)) = theirs.first() {
        let (n, them) = (theirs.len(), if theirs.len() == 1 { "it" } else { "them" });
        let msg = if force {
            format!(
                "{}: {} in the folder {} this demo's names but iemsim did not write {them}: {}. A \
                 demo export replaces only its own earlier files (and empty ones), even with \
                 --force; nothing was written: move or rename {them}, or export into another folder",
                first.display(),
                count(n, "file"),
                if n == 1 { "has one of" } else { "have" },
                their_names()
            )
        } else {
            let own = match ours.len() {
                0 => String::new(),
                k => format!(
                    ", and {k} from an earlier `iemsim demo` export ({})",
                    list(ours.iter().map(|p| report::file_name(p)).collect())
                ),
            };
            format!(
                "{}: {} with this demo's names {} in the folder already (nothing was written): \
                 {n} that iemsim did not write: {}{own}. --force replaces only the demo's own: \
                 move or rename the others, or export into another folder",
                first.display(),
                count(n + ours.len(), "file"),
                if n + ours.len() == 1 { "is" } else { "are" },
                their_names()
            )
        };
        return Some(Error::input(first, msg));
    }
    let first = ours.first().filter(|_| !force)?;
    Some(Error::input(
        first,
        format!(
            "{}: {} of this demo's files {} in the folder already, all from an earlier \
             `iemsim demo` export ({}); nothing was written: use --force to replace them",
            first.display(),
            ours.len(),
            if ours.len() == 1 { "is" } else { "are" },
            list(ours.iter().map(|p| report::file_name(p)).collect())
        ),
    ))
}

/// Why the file at one of the export's names is not the demo's own (None: it is, or it is empty):
/// a WAV by its iemsim mark (`render::owner`, as a folder export judges its outputs), a chart by
/// the mark in its PNG header, the README by its last line ([`report::is_own_readme`]).
fn not_ours(path: &Path) -> Option<&'static str> {
    if std::fs::metadata(path).is_ok_and(|m| m.len() == 0) {
        return None;
    }
    match path.extension().and_then(|e| e.to_str()) {
        Some("wav") => crate::render::owner::not_ours(path),
        Some("png") => crate::render::owner::png_not_ours(path),
        _ => match crate::io::bounded::read_regular(path, crate::io::bounded::TEXT_LIMIT) {
            Ok(bytes) if report::is_own_readme(&String::from_utf8_lossy(&bytes)) => None,
            Ok(_) => Some("its last line is not the one `iemsim demo` ends its README with"),
            Err(_) => Some("it cannot be read, or is too large, to be a README iemsim wrote"),
        },
    }
}

/// The first three of `items`, then how many more.
fn list(items: Vec<String>) -> String {
    let shown = items[..items.len().min(3)].join(", ");
    match items.len().saturating_sub(3) {
        0 => shown,
        n => format!("{shown} and {n} more"),
    }
}

//! `iemsim demo KIND --export DIR`: every part as WAV files plus a README with the text and numbers.
//!
//! Per part (see [`super::part`]): `<slug>.source.wav` (the material), `<slug>.<A>.wav` and
//! `<slug>.<B>.wav` (through each profile, loudness-matched like the player: the louder side is
//! turned down to the quieter one's BS.1770 loudness, on top of the anti-clipping preamp). Nothing is
//! replaced without `--force`, and a refusal happens before any file is written.

use super::part::{chart_paths, profile_path, render_part, RenderedPart};
use super::{kind_name, material, report, DemoPart};
use crate::cli::DemoArgs;
use crate::commands::out::outln;
use crate::error::Error;
use crate::error::Result;
use crate::io::atomic::TempFile;
use serde::Serialize;
use std::io::Write;
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
    // Even with --force only regular files are replaced: a FIFO or folder in the way is refused
    // before the first file is written, not after fifteen (then exit 1).
    for p in planned_files(parts, dir) {
        if std::fs::symlink_metadata(&p).is_ok() {
            if let Err(what) = crate::io::atomic::check_replaceable(&p) {
                return Err(Error::input(&p, format!(
                    "{}: is {what}, not a regular file: iemsim only replaces regular files, even with --force (nothing was written)",
                    p.display()
                )));
            }
        }
    }
    if !args.force {
        let existing: Vec<PathBuf> = planned_files(parts, dir)
            .into_iter()
            .filter(|p| p.exists())
            .collect();
        if let Some(first) = existing.first() {
            return Err(Error::input(first, format!(
                "{}: {} of this demo's files {} in the folder already (nothing was written); use --force to replace them",
                first.display(),
                existing.len(),
                if existing.len() == 1 { "is" } else { "are" }
            )));
        }
    }
    let hp = crate::commands::headphones(&args.hp, Some(f64::from(super::material::RATE)))?;
    let rendered = parts
        .iter()
        .map(|p| render_part(p, dir, args.force, hp.as_ref()))
        .collect::<Result<Vec<_>>>()?;
    let readme = report::readme(args.kind, &rendered);
    let readme_path = dir.join("README.md");
    write_text(&readme_path, &readme, args.force)?;
    if args.report.json {
        let r = JsonReport {
            demo: kind_name(args.kind),
            title: super::title(args.kind),
            intro: super::intro(args.kind),
            dir,
            readme: readme_path,
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

/// Writes `text` to `path` atomically (temporary file, then rename).
fn write_text(path: &Path, text: &str, replace: bool) -> Result<()> {
    let cannot = |e| crate::error::output_error(path, "cannot write", e);
    let (tmp, mut file) = TempFile::create(path).map_err(cannot)?;
    file.write_all(text.as_bytes()).map_err(cannot)?;
    file.sync_all().map_err(cannot)?;
    drop(file);
    tmp.commit(replace).map_err(cannot)?;
    Ok(())
}

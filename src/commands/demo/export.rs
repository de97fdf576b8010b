//! `iemsim demo KIND --export DIR`: every part as WAV files plus a README with the text and numbers.
//!
//! Per part: `<slug>.source.wav` (the material), `<slug>.<A>.wav` and `<slug>.<B>.wav` (through
//! each profile via `export::export_file`, loudness-matched like the player: the louder side is
//! turned down to the quieter one's BS.1770 loudness, on top of the anti-clipping preamp). Nothing is
//! replaced without `--force`, and a refusal happens before any file is written.

use super::material::{self, Material};
use super::numbers::{self, Audio, Number};
use super::{report, DemoKind, DemoPart};
use crate::cli::DemoArgs;
use crate::commands::export::{export_file, ExportOptions};
use crate::commands::out::outln;
use crate::commands::{charts, find_profile, through};
use crate::dsp::analysis::sixth_octave_grid;
use crate::dsp::dither::Dither;
use crate::dsp::Preamp;
use crate::error::usage;
use crate::io::atomic::TempFile;
use crate::profiles::headphones::Correction;
use crate::render::matching;
use crate::ui::plot::Size;
use anyhow::{Context, Result};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The files of one rendered part.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartFiles {
    pub source: PathBuf,
    pub a: PathBuf,
    pub b: PathBuf,
    /// Chart of the two profiles' responses.
    pub response_png: PathBuf,
    /// Chart of the material's spectrum before and after each profile.
    pub spectra_png: PathBuf,
}

/// One part, rendered and measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RenderedPart {
    pub title: String,
    pub slug: String,
    pub text: String,
    pub a: String,
    pub b: String,
    /// What the source file holds, piece by piece, with its start time.
    pub material: Vec<String>,
    /// Stand-ins for missing samples (normally empty).
    pub notes: Vec<String>,
    pub seconds: f64,
    pub files: PartFiles,
    /// Output gain of A and B (dB): anti-clipping preamp plus loudness match.
    pub gains_db: [f64; 2],
    /// Samples that clipped in A and B (0 expected).
    pub clipped_samples: [u64; 2],
    /// For A then B, every measure of the part.
    pub numbers: Vec<Number>,
}

/// `DIR/<slug>.<profile>.wav`.
pub fn profile_path(part: &DemoPart, profile: &str, dir: &Path) -> PathBuf {
    dir.join(format!("{}.{profile}.wav", part.slug))
}

/// The part's two charts: (responses, spectra).
pub fn chart_paths(part: &DemoPart, dir: &Path) -> (PathBuf, PathBuf) {
    (
        dir.join(format!("{}.response.png", part.slug)),
        dir.join(format!("{}.spectra.png", part.slug)),
    )
}

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

/// Renders `part`'s material and its A and B versions into `dir`, then measures them.
/// `replace`: overwrite existing files (otherwise an existing file is an error).
/// `hp`: the headphone correction in front of both profiles.
pub fn render_part(
    part: &DemoPart,
    dir: &Path,
    replace: bool,
    hp: Option<&Correction>,
) -> Result<RenderedPart> {
    let source = material::source_path(part, dir);
    let Material {
        pieces,
        notes,
        seconds,
        ..
    } = material::render(&part.source, &source, replace)
        .with_context(|| format!("rendering the material of part '{}'", part.title))?;
    let profiles = [
        through(hp, find_profile(&part.a)?),
        through(hp, find_profile(&part.b)?),
    ];
    let gains_db =
        matching::match_pair(&source, [&profiles[0], &profiles[1]], &mut |_, _| {})?.gain_db;
    let paths = [
        profile_path(part, &part.a, dir),
        profile_path(part, &part.b, dir),
    ];
    let mut clipped_samples = [0; 2];
    for i in 0..2 {
        if i == 1 && part.b == part.a {
            break;
        }
        let opts = ExportOptions {
            format: None,
            container: None,
            dither: Dither::Tpdf,
            preamp: Preamp::Db(gains_db[i]),
            force: replace,
            quiet: true,
        };
        let reports = export_file(&source, &[(profiles[i].clone(), paths[i].clone())], &opts)?;
        clipped_samples[i] = reports.iter().map(|r| r.clipped_samples).sum();
    }
    let src_spec = numbers::spectrum(&Audio::read(&source)?);
    let grid = sixth_octave_grid();
    let mut ltas = vec![("material".to_string(), src_spec.smoothed_db(6.0, &grid))];
    let mut numbers = Vec::new();
    for (i, (profile, path)) in profiles.iter().zip(&paths).enumerate() {
        let out_spec = numbers::spectrum(&Audio::read(path)?);
        numbers.extend(numbers::numbers(
            profile,
            &out_spec,
            &src_spec,
            &part.measures,
        ));
        if i == 0 || part.b != part.a {
            let side = if i == 0 { 'A' } else { 'B' };
            let label = format!("{side}: {} ({:+.1} dB)", profile.name, gains_db[i]);
            ltas.push((label, out_spec.smoothed_db(6.0, &grid)));
        }
    }
    let (response_png, spectra_png) = chart_paths(part, dir);
    let title = format!("{}: frequency responses", part.title);
    let chart = charts::responses(&profiles, src_spec.rate, &title);
    charts::write(&response_png, &chart, Size::DEFAULT)?;
    let chart = charts::spectra(
        &format!("{}: the material before and after", part.title),
        "Long-term average spectra, 1/6-octave smoothed; each side with its loudness-matched output gain",
        &ltas,
    );
    charts::write(&spectra_png, &chart, Size::DEFAULT)?;
    let [a, b] = paths;
    Ok(RenderedPart {
        title: part.title.clone(),
        slug: part.slug.clone(),
        text: part.text.clone(),
        a: part.a.clone(),
        b: part.b.clone(),
        material: pieces,
        notes,
        seconds,
        files: PartFiles {
            source,
            a,
            b,
            response_png,
            spectra_png,
        },
        gains_db,
        clipped_samples,
        numbers,
    })
}

/// Everything `--json` prints.
#[derive(Debug, Serialize)]
struct JsonReport<'a> {
    demo: &'a str,
    title: &'a str,
    intro: String,
    dir: &'a Path,
    readme: PathBuf,
    parts: &'a [RenderedPart],
}

pub fn run(args: &DemoArgs, parts: &[DemoPart], dir: &Path) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(usage(format!(
            "{}: exists and is not a folder",
            dir.display()
        )));
    }
    let created = !dir.exists();
    std::fs::create_dir_all(dir)
        .with_context(|| format!("{}: cannot create the export folder", dir.display()))?;
    let result = write_all(args, parts, dir);
    if result.is_err() && created {
        // A failed run leaves no trace: the folder it made goes again (only if still empty).
        let _ = std::fs::remove_dir(dir);
    }
    result
}

fn write_all(args: &DemoArgs, parts: &[DemoPart], dir: &Path) -> Result<()> {
    if !args.force {
        let existing: Vec<PathBuf> = planned_files(parts, dir)
            .into_iter()
            .filter(|p| p.exists())
            .collect();
        if let Some(first) = existing.first() {
            return Err(usage(format!(
                "{}: {} of this demo's files already exist in the folder (nothing was written); use --force to replace them",
                first.display(),
                existing.len()
            )));
        }
    }
    let hp = crate::commands::headphones(&args.hp, None)?;
    let rendered = parts
        .iter()
        .map(|p| render_part(p, dir, args.force, hp.as_ref()))
        .collect::<Result<Vec<_>>>()?;
    let readme = report::readme(args.kind, &rendered);
    let readme_path = dir.join("README.md");
    write_text(&readme_path, &readme, args.force)?;
    if args.json {
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

/// The command-line name of a demo.
pub fn kind_name(kind: DemoKind) -> &'static str {
    match kind {
        DemoKind::Sibilance => "sibilance",
        DemoKind::Bass => "bass",
        DemoKind::Signatures => "signatures",
    }
}

/// Writes `text` to `path` atomically (temporary file, then rename).
fn write_text(path: &Path, text: &str, replace: bool) -> Result<()> {
    let ctx = || format!("{}: cannot write", path.display());
    let (tmp, mut file) = TempFile::create(path).with_context(ctx)?;
    file.write_all(text.as_bytes()).with_context(ctx)?;
    file.sync_all().with_context(ctx)?;
    drop(file);
    tmp.commit(replace).with_context(ctx)?;
    Ok(())
}

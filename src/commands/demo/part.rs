//! One demo part rendered and measured in one pass over its material: the material is made in
//! memory and written once ([`material::render`] keeps the samples as written), then one render
//! pass meters both profiles' loudness on them (for the matching gains) and a second writes A and
//! B, each with its own gain, while taking their spectra. Nothing is decoded back from a file.

use super::material::{self, Material};
use super::numbers::{self, Number};
use super::DemoPart;
use crate::commands::{charts, resolve_through};
use crate::dsp::analysis::{sixth_octave_grid, Spectrum};
use crate::dsp::Profile;
use crate::error::{Context, Error, Result};
use crate::io::{Container, Sink, Target};
use crate::profiles::headphones::Correction;
use crate::render::export::{stages, Stderr, BLOCK_FRAMES};
use crate::render::matching::{levels_of, Matched};
use crate::render::{render, Frames, Lane, Out};
use crate::ui::plot::{Chart, Size};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The files of one rendered part.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartFiles {
    #[serde(serialize_with = "crate::io::diag::json_path")]
    pub source: PathBuf,
    #[serde(serialize_with = "crate::io::diag::json_path")]
    pub a: PathBuf,
    #[serde(serialize_with = "crate::io::diag::json_path")]
    pub b: PathBuf,
    /// Chart of the two profiles' responses.
    #[serde(serialize_with = "crate::io::diag::json_path")]
    pub response_png: PathBuf,
    /// Chart of the material's spectrum before and after each profile.
    #[serde(serialize_with = "crate::io::diag::json_path")]
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
    /// Stand-ins for missing samples: none since the samples are built in (`[]`, kept in the
    /// report for the scripts that read it).
    pub notes: Vec<String>,
    pub seconds: f64,
    pub files: PartFiles,
    /// Output gain of A and B (dB): anti-clipping preamp plus loudness match.
    pub gains_db: [f64; 2],
    /// Samples that clipped in A and B (0 expected).
    pub clipped_samples: [u64; 2],
    /// For A then B, every measure of the part.
    pub numbers: Vec<Number>,
    /// The headphone correction in front of both sides (its label), if any: the files, charts
    /// and numbers include it (the report's top-level `headphones` says so once).
    #[serde(skip)]
    pub headphones: Option<String>,
}

impl RenderedPart {
    /// How side `profile` is called: `NAME + headphone EQ` when it played through a correction.
    pub fn side_label(&self, profile: &str) -> String {
        side_label(profile, self.headphones.is_some())
    }
}

/// `profile`, with ` + headphone EQ` when it plays `through` a correction.
fn side_label(profile: &str, through: bool) -> String {
    match through {
        true => format!("{profile}{}", charts::THROUGH_HEADPHONES),
        false => profile.to_string(),
    }
}

/// `DIR/<slug>.<profile>.wav`.
pub fn profile_path(part: &DemoPart, profile: &str, dir: &Path) -> PathBuf {
    let profile = crate::render::listing::portable_name(profile);
    dir.join(format!("{}.{profile}.wav", part.slug))
}

/// The part's two charts: (responses, spectra).
pub fn chart_paths(part: &DemoPart, dir: &Path) -> (PathBuf, PathBuf) {
    (
        dir.join(format!("{}.response.png", part.slug)),
        dir.join(format!("{}.spectra.png", part.slug)),
    )
}

/// Renders `part`'s material and its A and B versions into `dir`, measuring them on the way.
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
        seconds,
        samples,
    } = material::render(
        &part.source,
        &source,
        replace,
        super::demo_comment(part.kind),
    )
    .with_context(|| format!("rendering the material of part '{}'", part.title))?;
    let profiles = [
        resolve_through(hp, &part.a, None)?,
        resolve_through(hp, &part.b, None)?,
    ];
    let rate = material::RATE;
    // Pass 1: both sides' loudness at 0 dB, then the gains the player would apply.
    let mut frames = Frames::new(&samples, material::CHANNELS, rate);
    let levels = levels_of(&mut frames, &[&profiles[0], &profiles[1]], &mut |_| {})?;
    let lufs = [levels[0].lufs, levels[1].lufs];
    let gains_db = Matched::new(lufs, [&profiles[0], &profiles[1]], f64::from(rate)).gain_db;
    // Pass 2: A and B written (B only when it differs), each with its gain, spectra taken.
    let paths = [
        profile_path(part, &part.a, dir),
        profile_path(part, &part.b, dir),
    ];
    let sides = if part.b == part.a { 1 } else { 2 };
    let (clipped_samples, out_specs) = write_sides(
        &samples,
        &profiles,
        gains_db,
        (&paths[..sides], super::demo_comment(part.kind)),
        replace,
    )?;
    let through = hp.is_some();
    let (numbers, ltas) = measure_sides(part, &profiles, gains_db, &samples, &out_specs, through);
    let (response_png, spectra_png) = chart_paths(part, dir);
    draw_charts(
        part,
        (&profiles, hp),
        &ltas,
        (&response_png, &spectra_png),
        replace,
    )?;
    let [a, b] = paths;
    Ok(RenderedPart {
        title: part.title.clone(),
        slug: part.slug.clone(),
        text: part.text.clone(),
        a: part.a.clone(),
        b: part.b.clone(),
        material: pieces,
        notes: Vec::new(),
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
        headphones: hp.map(|c| c.label.clone()),
    })
}

/// A chart's curve: its label and its (Hz, dB) points.
type Curve = (String, Vec<(f64, f64)>);

/// Pass 2: writes each side's file at `paths` (one per side written: B = A writes A only), with
/// its gain and the material's `comment` (carried as export carries an input's tags), taking its
/// spectrum on the way; returns the samples clipped and the spectra.
fn write_sides(
    samples: &[f64],
    profiles: &[Profile; 2],
    gains_db: [f64; 2],
    (paths, comment): (&[PathBuf], String),
    replace: bool,
) -> Result<([u64; 2], Vec<Spectrum>)> {
    let rate = material::RATE;
    let frames = (samples.len() / material::CHANNELS) as u64;
    let spec = material::wav_spec(comment, Some(frames));
    let mut lanes = Vec::with_capacity(paths.len());
    for (i, path) in paths.iter().enumerate() {
        let target = Target::File {
            path: path.clone(),
            replace,
        };
        let sink = Sink::create(&target, Container::Wav, &spec)?;
        let (coeffs, _) = stages(
            &profiles[i],
            f64::from(rate),
            material::CHANNELS,
            &mut Stderr,
        )?;
        lanes.push(Lane {
            coeffs,
            gain_db: gains_db[i],
            out: Out {
                file: Some(sink),
                spectrum: true,
                ..Out::default()
            },
        });
    }
    let mut frames = Frames::new(samples, material::CHANNELS, rate);
    let rendered = render(&mut frames, lanes, BLOCK_FRAMES, &mut |_| {})?;
    let mut clipped_samples = [0; 2];
    let mut out_specs: Vec<Spectrum> = Vec::with_capacity(paths.len());
    for (i, r) in rendered.into_iter().enumerate() {
        clipped_samples[i] = r.file.map_or(0, |s| s.clipped);
        out_specs.push(
            r.spectrum
                .ok_or_else(|| Error::machine("a demo lane lost its spectrum"))?,
        );
    }
    Ok((clipped_samples, out_specs))
}

/// The part's measures for A then B from the material's spectrum and each side's (B = A: one
/// spectrum for both), and the smoothed spectra the chart draws (the material's, then each
/// side's written, labelled as played `through` a headphone correction or not).
fn measure_sides(
    part: &DemoPart,
    profiles: &[Profile; 2],
    gains_db: [f64; 2],
    samples: &[f64],
    out_specs: &[Spectrum],
    through: bool,
) -> (Vec<Number>, Vec<Curve>) {
    let sides = out_specs.len();
    let src_spec = Spectrum::welch(samples, material::CHANNELS, f64::from(material::RATE));
    let grid = sixth_octave_grid();
    let mut ltas = vec![("material".to_string(), src_spec.smoothed_db(6.0, &grid))];
    let mut numbers = Vec::new();
    for (i, profile) in profiles.iter().enumerate() {
        // B = A: one file, one spectrum.
        let out_spec = &out_specs[i.min(sides - 1)];
        numbers.extend(numbers::numbers(
            profile,
            out_spec,
            &src_spec,
            &part.measures,
        ));
        if i < sides {
            let side = if i == 0 { 'A' } else { 'B' };
            let name = side_label(&profile.name, through);
            let label = format!("{side}: {name} ({:+.1} dB)", gains_db[i]);
            ltas.push((label, out_spec.smoothed_db(6.0, &grid)));
        }
    }
    (numbers, ltas)
}

/// The part's two charts: the profiles' responses, and the spectra before and after; both say
/// when the profiles played through the headphone correction `hp`, as `show --plot` does.
fn draw_charts(
    part: &DemoPart,
    (profiles, hp): (&[Profile; 2], Option<&Correction>),
    ltas: &[Curve],
    (response_png, spectra_png): (&Path, &Path),
    replace: bool,
) -> Result<()> {
    let mark = super::demo_mark(part.kind);
    let chart = response_chart(part, profiles, hp);
    charts::write_marked(response_png, &chart, (Size::DEFAULT, &mark), replace)?;
    let mut subtitle = "Long-term average spectra, 1/6-octave smoothed; each side with its \
                        loudness-matched output gain"
        .to_string();
    if let Some(c) = hp {
        subtitle.push_str(&format!(
            ", through the headphone correction {}",
            c.profile.name
        ));
    }
    let chart = charts::spectra(
        &format!("{}: the material before and after", part.title),
        &subtitle,
        ltas,
    );
    charts::write_marked(spectra_png, &chart, (Size::DEFAULT, &mark), replace)
}

/// The part's response chart: each profile's filters, through the headphone correction `hp` when
/// there is one (and then labelled so, as `show --plot` labels it).
pub fn response_chart(part: &DemoPart, profiles: &[Profile; 2], hp: Option<&Correction>) -> Chart {
    let rate = f64::from(material::RATE);
    let title = format!("{}: frequency responses", part.title);
    let mut chart = charts::responses(profiles, rate, &title);
    if let Some(c) = hp {
        charts::through_headphones(&mut chart, c, rate);
    }
    chart
}

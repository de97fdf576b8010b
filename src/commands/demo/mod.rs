//! `iemsim demo sibilance|bass|signatures`: guided listening with the explanation and the numbers.
//!
//! A demo is a list of [`DemoPart`]s (pure data from [`text`]): what to say, which material to play
//! ([`material::Source`]) and which two profiles to compare (A and B). Two ways to run it:
//! `--export DIR` renders every part to WAV files plus a README with the text and the measured
//! numbers (no audio device; this is what the tests drive), and the interactive way, where the
//! player flips between A and B on the rendered material ([`play_parts`]).

pub mod export;
pub mod material;
pub mod numbers;
pub mod report;
pub mod text;

use crate::cli::DemoArgs;
pub use crate::cli::DemoKind;
use anyhow::{anyhow, Result};
pub use export::{render_part, RenderedPart};
pub use material::{render_source, Sample, Source};
pub use numbers::{Band, Measure, Number};
pub use text::{intro, parts, title};

/// One step of a demo: text on screen while the material plays through profile A or B.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoPart {
    /// Short heading ("neutral vs sibilance").
    pub title: String,
    /// File-name stem, unique within the demo and in playing order ("01-neutral-vs-sibilance").
    pub slug: String,
    /// The explanation shown while the part plays (plain text, paragraphs split by blank lines).
    pub text: String,
    /// What to play.
    pub source: Source,
    /// Profile names of side A and side B.
    pub a: String,
    pub b: String,
    /// The numbers this part reports for A and B.
    pub measures: Vec<Measure>,
}

pub fn run(args: &DemoArgs) -> Result<()> {
    let parts = parts(args.kind);
    match &args.export {
        Some(dir) => export::run(args, &parts, dir),
        None => play_parts(&parts, args),
    }
}

/// Plays the parts one after another with the A/B player, the part's text on screen (n/p step).
///
/// What the driver needs: [`title`] and [`intro`] for the opening screen; per part, either
/// [`render_source`]`(part, tmp)` (the material only, 44.1 kHz stereo, then play it with
/// A = `part.a`, B = `part.b`) or [`render_part`]`(part, tmp, true)`, which also writes the A and B
/// files and measures them (well under a second per part) so [`report::numbers_table`] can go
/// under `part.text`; the file to play is then `rendered.files.source`.
pub fn play_parts(_parts: &[DemoPart], _args: &DemoArgs) -> Result<()> {
    Err(anyhow!(
        "interactive demo: not wired yet; use --export DIR to render the demo to WAV files"
    ))
}

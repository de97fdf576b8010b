//! Loudness analysis of a file through several profiles, for matching: one render pass with a
//! loudness lane per profile (decode once → each profile's cascade → BS.1770 meter).
//!
//! Offline work, used by `export --match`, scripted ABX and the demo exports as well as by the
//! player before it starts: so it is a use of [`crate::render`], not part of `playback`.

use super::{render, Lane, Mapped, Source};
use crate::dsp::loudness::match_gains;
use crate::dsp::{Preamp, Profile};
use crate::io::{Decoder, WavError};
use std::path::Path;

pub use super::Levels;

/// Frames per analysis block.
const BLOCK: usize = 16_384;

/// How two profiles are made to play equally loud on one file: each side's anti-clipping preamp
/// (minus its largest boost), then the louder side turned down to the quieter one's integrated
/// loudness. The one rule `play`, `abx` (its log) and `demo` (its exports) all apply.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Matched {
    /// Loudness through each profile at 0 dB gain (LUFS).
    pub lufs: [f64; 2],
    /// Anti-clipping preamp of each side (dB).
    pub preamp_db: [f64; 2],
    /// Output gain of each side with matching on (dB).
    pub gain_db: [f64; 2],
}

impl Matched {
    /// From the loudness at 0 dB gain and the profiles, at the rate the loudness was measured.
    pub fn new(lufs: [f64; 2], profiles: [&Profile; 2], rate: f64) -> Self {
        let preamp_db = profiles.map(|p| p.preamp_db(Preamp::Auto, rate));
        Self::from_parts(lufs, preamp_db)
    }

    /// With known preamps (e.g. one side replaced, the other kept).
    pub fn from_parts(lufs: [f64; 2], preamp_db: [f64; 2]) -> Self {
        let at_preamp = [lufs[0] + preamp_db[0], lufs[1] + preamp_db[1]];
        Self {
            lufs,
            preamp_db,
            gain_db: match_gains(at_preamp, preamp_db),
        }
    }
}

/// How many channels the listener hears when nobody says: headphones.
pub const HEADPHONE_CHANNELS: usize = 2;

/// Measures `path` through both profiles (one decoding pass) as it is heard on `heard`
/// channels (see [`Mapped`]), and matches them.
pub fn match_pair(
    path: &Path,
    profiles: [&Profile; 2],
    heard: usize,
    on_progress: &mut dyn FnMut(u64, u64),
) -> Result<Matched, WavError> {
    let (l, _, rate) = measure(path, &profiles, heard, on_progress)?;
    Ok(Matched::new(
        [l[0].lufs, l[1].lufs],
        profiles,
        f64::from(rate),
    ))
}

/// Integrated loudness (LUFS, at 0 dB output gain) of `path` through each profile as it is heard
/// on `heard` channels (the player's device: mixed the way the feeder mixes it), computed at the
/// file's rate in one decoding pass; plus the decoder's warning about replaced non-finite samples
/// (so the caller can warn once). `on_progress(done, total)` follows the pass.
pub fn analyse_heard(
    path: &Path,
    profiles: &[&Profile],
    heard: usize,
    on_progress: &mut dyn FnMut(u64, u64),
) -> Result<(Vec<f64>, Option<String>), WavError> {
    let (levels, warning, _) = measure(path, profiles, heard, on_progress)?;
    Ok((levels.into_iter().map(|l| l.lufs).collect(), warning))
}

/// One decoder, one pass: the levels, the decoder's warning and the file's rate, measured on the
/// file mixed to `heard` channels. (`export --match` measures the file's own channels, which is
/// what it writes: it calls [`levels_of`] on the decoder itself.)
fn measure(
    path: &Path,
    profiles: &[&Profile],
    heard: usize,
    on_progress: &mut dyn FnMut(u64, u64),
) -> Result<(Vec<Levels>, Option<String>, u32), WavError> {
    crate::io::decode::require_seekable(path, "loudness matching reads the input more than once")?;
    let mut src = Decoder::open(path)?;
    let (total, rate) = (src.info().frames, src.info().sample_rate);
    let progress = &mut |done| on_progress(done, total);
    let levels = levels_of(&mut Mapped::new(&mut src, heard), profiles, progress)?;
    Ok((levels, src.nonfinite_warning(), rate))
}

/// Each profile's [`Levels`] on `src` at 0 dB output gain: one loudness lane per profile.
pub fn levels_of(
    src: &mut dyn Source,
    profiles: &[&Profile],
    on_progress: &mut dyn FnMut(u64),
) -> Result<Vec<Levels>, WavError> {
    let fs = f64::from(src.sample_rate());
    let channels = src.channels();
    let lanes = profiles
        .iter()
        .map(|p| Lane::loudness(p.stages(fs, channels), 0.0))
        .collect();
    render(src, lanes, BLOCK, on_progress)?
        .into_iter()
        .map(|r| r.levels.ok_or_else(lost))
        .collect()
}

/// A loudness lane that came back without its levels: a bug, reported rather than a panic.
fn lost() -> WavError {
    WavError::Read {
        path: "(analysis)".into(),
        source: std::io::Error::other("loudness analysis stopped unexpectedly"),
    }
}

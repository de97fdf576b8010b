//! Loudness analysis of a file through several profiles in one decoding pass, for matching.
//!
//! Offline work (decode → chain → BS.1770 meter), used by `export --match`, scripted ABX and the
//! demo exports as well as by the player before it starts: so it lives in the library layer, next
//! to [`crate::render`], not in `playback` (which re-exports it as `playback::matching`).

use crate::dsp::loudness::{k_weighting, match_gains, GatedMeter};
use crate::dsp::{Chain, Preamp, Processor, Profile};
use crate::io::{Decoder, WavError};
use std::path::Path;

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

/// Measures `path` through both profiles and matches them.
pub fn match_pair(
    path: &Path,
    profiles: [&Profile; 2],
    on_progress: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<Matched, WavError> {
    let rate = f64::from(Decoder::open(path)?.info().sample_rate);
    let l = analyse(path, &profiles, on_progress)?;
    Ok(Matched::new([l[0], l[1]], profiles, rate))
}

/// Integrated loudness (LUFS, at 0 dB output gain) of `path` through each profile, computed at the
/// file's rate. Each profile gets its own thread and reader (decoding is cheap next to filtering),
/// so two profiles cost one on a 2-core machine. `on_progress(done, total)` follows the first.
pub fn analyse(
    path: &Path,
    profiles: &[&Profile],
    on_progress: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<Vec<f64>, WavError> {
    Ok(analyse_counting(path, profiles, on_progress)?.0)
}

/// [`analyse`], plus the non-finite samples the decoder replaced (so the caller can warn once).
pub fn analyse_counting(
    path: &Path,
    profiles: &[&Profile],
    on_progress: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<(Vec<f64>, Option<String>), WavError> {
    let (levels, warning) = analyse_levels_counting(path, profiles, on_progress)?;
    Ok((levels.into_iter().map(|l| l.lufs).collect(), warning))
}

/// What one profile does to a file's level, at 0 dB output gain.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Levels {
    /// Integrated loudness (ITU-R BS.1770, LUFS); −∞ for silence.
    pub lufs: f64,
    /// Largest absolute sample value (1.0 = full scale).
    pub sample_peak: f64,
}

/// As [`analyse`], with each profile's sample peak too (for `export --match`, which must not clip).
pub fn analyse_levels(
    path: &Path,
    profiles: &[&Profile],
    on_progress: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<Vec<Levels>, WavError> {
    Ok(analyse_levels_counting(path, profiles, on_progress)?.0)
}

/// [`analyse_levels`], plus the decoder's warning about replaced non-finite samples.
pub fn analyse_levels_counting(
    path: &Path,
    profiles: &[&Profile],
    on_progress: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<(Vec<Levels>, Option<String>), WavError> {
    crate::io::decode::require_seekable(path, "loudness matching reads the input more than once")?;
    let all: Result<Vec<(Levels, Option<String>)>, WavError> = std::thread::scope(|s| {
        let mut progress = Some(on_progress);
        let handles: Vec<_> = profiles
            .iter()
            .map(|p| {
                let report = progress.take();
                s.spawn(move || {
                    let mut none = |_: u64, _: u64| {};
                    analyse_one(path, p, report.unwrap_or(&mut none))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(WavError::Read {
                        path: path.to_path_buf(),
                        source: std::io::Error::other("loudness analysis stopped unexpectedly"),
                    })
                })
            })
            .collect()
    });
    let all = all?;
    let warning = all.first().and_then(|(_, w)| w.clone());
    Ok((all.into_iter().map(|(l, _)| l).collect(), warning))
}

fn analyse_one(
    path: &Path,
    profile: &Profile,
    on_progress: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<(Levels, Option<String>), WavError> {
    let mut src = Decoder::open(path)?;
    let info = *src.info();
    let fs = f64::from(info.sample_rate);
    let ch = usize::from(info.channels);
    let (coeffs, _) = profile.coefficients(fs);
    // Two cascades, so the peak is taken between the profile and the K-weighting.
    let mut chain = Chain::new(coeffs, ch, 0.0);
    let mut k = Chain::new(k_weighting(fs).to_vec(), ch, 0.0);
    let mut sample_peak = 0.0f64;
    let mut meter = GatedMeter::new(ch, info.sample_rate);
    let mut buf = vec![0.0; BLOCK * ch];
    let mut done = 0u64;
    loop {
        let n = src.read(&mut buf)?;
        if n == 0 {
            break;
        }
        let w = &mut buf[..n * ch];
        chain.process(w);
        sample_peak = w.iter().fold(sample_peak, |m, v| m.max(v.abs()));
        k.process(w);
        meter.add(w);
        done += n as u64;
        on_progress(done, info.frames);
    }
    let levels = Levels {
        lufs: meter.integrated_lufs(),
        sample_peak,
    };
    Ok((levels, src.nonfinite_warning()))
}

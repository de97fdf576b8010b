//! Loudness analysis of a file through several profiles in one decoding pass, for matching.

use crate::dsp::loudness::{k_weighting, GatedMeter};
use crate::dsp::{Chain, Processor, Profile};
use crate::io::{WavError, WavSource};
use std::path::Path;

/// Frames per analysis block.
const BLOCK: usize = 16_384;

/// Integrated loudness (LUFS, at 0 dB output gain) of `path` through each profile, computed at the
/// file's rate. `on_progress(done, total)` is called per block.
pub fn analyse(
    path: &Path,
    profiles: &[&Profile],
    on_progress: &mut dyn FnMut(u64, u64),
) -> Result<Vec<f64>, WavError> {
    let mut src = WavSource::open(path)?;
    let info = *src.info();
    let fs = f64::from(info.sample_rate);
    let ch = usize::from(info.channels);
    let kw = k_weighting(fs);
    let mut lanes: Vec<(Chain, GatedMeter)> = profiles
        .iter()
        .map(|p| {
            let (mut coeffs, _) = p.coefficients(fs);
            coeffs.extend_from_slice(&kw);
            (
                Chain::new(coeffs, ch, 0.0),
                GatedMeter::new(ch, info.sample_rate),
            )
        })
        .collect();
    let mut buf = vec![0.0; BLOCK * ch];
    let mut work = vec![0.0; BLOCK * ch];
    let mut done = 0u64;
    loop {
        let n = src.read(&mut buf)?;
        if n == 0 {
            break;
        }
        for (chain, meter) in &mut lanes {
            let w = &mut work[..n * ch];
            w.copy_from_slice(&buf[..n * ch]);
            chain.process(w);
            meter.add(w);
        }
        done += n as u64;
        on_progress(done, info.frames);
    }
    Ok(lanes.iter().map(|(_, m)| m.integrated_lufs()).collect())
}

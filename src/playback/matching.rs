//! Loudness analysis of a file through several profiles in one decoding pass, for matching.

use crate::dsp::loudness::{k_weighting, GatedMeter};
use crate::dsp::{Chain, Processor, Profile};
use crate::io::{WavError, WavSource};
use std::path::Path;

/// Frames per analysis block.
const BLOCK: usize = 16_384;

/// Integrated loudness (LUFS, at 0 dB output gain) of `path` through each profile, computed at the
/// file's rate. Each profile gets its own thread and reader (decoding is cheap next to filtering),
/// so two profiles cost one on a 2-core machine. `on_progress(done, total)` follows the first.
pub fn analyse(
    path: &Path,
    profiles: &[&Profile],
    on_progress: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<Vec<f64>, WavError> {
    std::thread::scope(|s| {
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
    })
}

fn analyse_one(
    path: &Path,
    profile: &Profile,
    on_progress: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<f64, WavError> {
    let mut src = WavSource::open(path)?;
    let info = *src.info();
    let fs = f64::from(info.sample_rate);
    let ch = usize::from(info.channels);
    let (mut coeffs, _) = profile.coefficients(fs);
    coeffs.extend_from_slice(&k_weighting(fs));
    let mut chain = Chain::new(coeffs, ch, 0.0);
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
        meter.add(w);
        done += n as u64;
        on_progress(done, info.frames);
    }
    Ok(meter.integrated_lufs())
}

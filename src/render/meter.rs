//! What a lane measures besides (or instead of) writing a file: the BS.1770 loudness and sample
//! peak (loudness matching, `export --match`, ABX gains, demo gains) and the long-term spectrum
//! (demo numbers and charts). Run in the render's writer thread, after the file (if any) got the
//! block, so metering overlaps filtering.

use crate::dsp::analysis::Spectrum;
use crate::dsp::loudness::{k_weighting, GatedMeter};
use crate::dsp::{Chain, Processor};

/// What one lane's signal measured, at the lane's output gain.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Levels {
    /// Integrated loudness (ITU-R BS.1770-4 gating, LUFS); −∞ for silence.
    pub lufs: f64,
    /// Largest absolute sample value (1.0 = full scale).
    pub sample_peak: f64,
}

/// Sample peak, then K-weighting (its own cascade, so the peak is the lane's signal's) into the
/// gated meter.
pub(super) struct Loudness {
    k: Chain,
    meter: GatedMeter,
    peak: f64,
}

impl Loudness {
    /// `mask`: the speakers of the channels (a `dwChannelMask`; 0 for the default layout),
    /// which set their BS.1770 weights.
    pub(super) fn new(channels: usize, mask: u32, rate: u32) -> Self {
        Self {
            k: Chain::new(k_weighting(f64::from(rate)).to_vec(), channels, 0.0),
            meter: GatedMeter::new(channels, mask, rate),
            peak: 0.0,
        }
    }

    /// Meters `block`, K-weighting it in place (the lane's last use of the block).
    pub(super) fn add(&mut self, block: &mut [f64]) {
        self.peak = block.iter().fold(self.peak, |m, v| m.max(v.abs()));
        self.k.process(block);
        self.meter.add(block);
    }

    pub(super) fn finish(self) -> Levels {
        Levels {
            lufs: self.meter.integrated_lufs(),
            sample_peak: self.peak,
        }
    }
}

/// Keeps the lane's whole signal: for Welch's method, whose segment length depends on the total
/// length (`Spectrum::welch`), and for measures that need all of it at once (`analyze`'s true
/// peak, loudness range, spectra). When the lane writes a file,
/// it keeps the samples as stored (after dither and quantisation): the spectrum is the file's.
pub(super) struct Keep {
    samples: Vec<f64>,
    channels: usize,
    rate: u32,
}

impl Keep {
    /// `frames`: the expected length (0 if unknown), reserved at once.
    pub(super) fn new(channels: usize, rate: u32, frames: u64) -> Self {
        let expected = usize::try_from(frames)
            .unwrap_or(0)
            .saturating_mul(channels);
        Self {
            samples: Vec::with_capacity(expected),
            channels,
            rate,
        }
    }

    pub(super) fn add(&mut self, block: &[f64]) {
        self.samples.extend_from_slice(block);
    }

    /// Where a file's samples as stored go (see [`crate::io::Sink::write_echo`]).
    pub(super) fn samples(&mut self) -> &mut Vec<f64> {
        &mut self.samples
    }

    /// The spectrum (if asked for) and the samples (if asked for).
    pub(super) fn finish(self, spectrum: bool, keep: bool) -> (Option<Spectrum>, Option<Vec<f64>>) {
        let s =
            spectrum.then(|| Spectrum::welch(&self.samples, self.channels, f64::from(self.rate)));
        (s, keep.then_some(self.samples))
    }
}

//! What a lane measures besides (or instead of) writing a file: the BS.1770 loudness and sample
//! peak (loudness matching, `export --match`, ABX gains, demo gains), the long-term spectrum
//! (demo numbers and charts) and `analyze`'s statistics. Run in the render's writer thread, after
//! the file (if any) got the block, so metering overlaps filtering.

pub(super) use crate::dsp::analysis::Welch;
use crate::dsp::loudness::{k_weighting, GatedMeter};
use crate::dsp::Chain;

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

//! A cascade of biquads for N interleaved channels, run in `f64` whatever the I/O format.
//!
//! Why f64: a low-frequency shelf has poles very close to z = 1, and an f32 state drifts to about
//! -80 dBFS of error against a float64 reference; f64 state keeps the error far below -90 dBFS.
//!
//! Two ways to run the same arithmetic: [`scalar`] (stage by stage, the reference) and
//! [`wavefront`] (all stages at once, SIMD lanes = (stage, channel) pairs), picked per CPU by
//! [`Kernel::best`]. Both are independent of how the caller cuts the signal into blocks: the scalar
//! path bit for bit, the wavefront paths too (each stage does the same operations on the same
//! samples whatever the block edges); the FMA paths differ from the scalar one by rounding only
//! (bounded in the tests).
//!
//! Denormals: a cascade fed silence after a signal decays towards zero and, with rounding, can
//! settle into subnormal values (limit cycles of a few ulps), on which many CPUs compute 10–100×
//! slower. The state is flushed instead of setting FTZ/DAZ: every [`FLUSH_FRAMES`] frames counted
//! from the last reset (a fixed grid, so the output still does not depend on block sizes), state
//! values below [`FLUSH_BELOW`] (−2000 dB, far below any output format's resolution) become exactly
//! 0. FTZ/DAZ would be x86-only (FPCR.FZ on ARM), would change the floating-point environment of
//! threads we do not own (the audio backend's callback thread), and LLVM assumes the default
//! environment, so changing it under compiled Rust code is not sound.

mod isa;
mod scalar;
#[cfg(test)]
mod tests;
mod wavefront;

pub use isa::Kernel;

use super::filter::Coefficients;
use wavefront::{Segment, MAX_REGS};

/// Frames between two state flushes (see the module documentation).
pub const FLUSH_FRAMES: usize = 4096;
/// State magnitudes below this become 0 at each flush.
pub const FLUSH_BELOW: f64 = 1e-100;

/// A processor that works on whole blocks of interleaved frames (CamillaDSP's `Filter` trait idea:
/// per-block calls, never per-sample virtual calls).
pub trait Processor: Send {
    /// Filters `buf` (interleaved, `channels()` samples per frame) in place.
    fn process(&mut self, buf: &mut [f64]);
    /// Forgets all history (after a seek, or between files).
    fn reset(&mut self);
    fn channels(&self) -> usize;
}

/// One cascade of biquads with its own state per channel, and a fixed linear output gain.
#[derive(Debug, Clone)]
pub struct Chain {
    coeffs: Vec<Coefficients>,
    channels: usize,
    gain: f64,
    kernel: Kernel,
    /// Scalar kernel: `state[stage * channels + ch] = [x1, x2, y1, y2]`.
    state: Vec<[f64; 4]>,
    /// Wavefront kernels: channels per lane group (1 or 2) ...
    group_channels: usize,
    /// ... and for each group, the segments of the cascade, run one after the other.
    groups: Vec<Vec<Segment>>,
    /// Frames since the last flush.
    since_flush: usize,
    /// Frames the slowest pole takes to decay to −60 dB ([`Chain::settle_frames`]).
    settle_frames: usize,
}

/// The level a started chain's transient must decay to before it is heard: −60 dB.
const SETTLE_LEVEL: f64 = 1e-3;

impl Chain {
    /// A cascade of `coeffs` for `channels` channels with output gain `gain_db`, run by the
    /// fastest kernel this CPU has.
    ///
    /// # Panics
    /// If `channels == 0` (a programming error: readers reject 0-channel files at the edge).
    pub fn new(coeffs: Vec<Coefficients>, channels: usize, gain_db: f64) -> Self {
        Self::build(coeffs, channels, gain_db, Kernel::best())
    }

    /// The same with a chosen kernel (tests and benchmarks); `None` if this CPU cannot run it.
    pub fn with_kernel(
        coeffs: Vec<Coefficients>,
        channels: usize,
        gain_db: f64,
        kernel: Kernel,
    ) -> Option<Self> {
        kernel
            .available()
            .then(|| Self::build(coeffs, channels, gain_db, kernel))
    }

    fn build(coeffs: Vec<Coefficients>, channels: usize, gain_db: f64, kernel: Kernel) -> Self {
        assert!(channels > 0, "a chain needs at least one channel");
        let (mut state, mut groups) = (Vec::new(), Vec::new());
        let group_channels = if channels.is_multiple_of(2) { 2 } else { 1 };
        if kernel == Kernel::Scalar {
            state = vec![[0.0; 4]; coeffs.len() * channels];
        } else if !coeffs.is_empty() {
            let stages: Vec<[f64; 5]> = coeffs
                .iter()
                .map(|c| [c.b0, c.b1, c.b2, c.a1, c.a2])
                .collect();
            let w = kernel.lanes();
            let per_seg_max = MAX_REGS * (w / group_channels);
            let segs = stages.len().div_ceil(per_seg_max);
            let per_seg = stages.len().div_ceil(segs);
            let one_group: Vec<Segment> = stages
                .chunks(per_seg)
                .map(|s| Segment::new(s, w, group_channels))
                .collect();
            groups = vec![one_group; channels / group_channels];
        }
        Self {
            settle_frames: super::response::settle_frames(&coeffs, SETTLE_LEVEL),
            coeffs,
            channels,
            gain: db_to_gain(gain_db),
            kernel,
            state,
            group_channels,
            groups,
            since_flush: 0,
        }
    }

    /// Frames until the transient of a chain started mid-signal (from silent state) has decayed
    /// to −60 dB: set by its slowest pole (`response::settle_frames`).
    pub fn settle_frames(&self) -> usize {
        self.settle_frames
    }

    /// The kernel running this chain.
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }

    /// Every value of the filter state (for tests of the state's numerical health).
    pub fn state_values(&self) -> impl Iterator<Item = f64> + '_ {
        self.state
            .iter()
            .flatten()
            .chain(self.groups.iter().flatten().flat_map(|s| s.state.iter()))
            .copied()
    }

    /// Runs the cascade over whole frames, without the gain and without crossing a flush point.
    fn filter(&mut self, buf: &mut [f64]) {
        let ch = self.channels;
        if self.kernel == Kernel::Scalar {
            for (c, st) in self.coeffs.iter().zip(self.state.chunks_exact_mut(ch)) {
                scalar::stage(c, st, buf);
            }
            return;
        }
        let cg = self.group_channels;
        for (g, segs) in self.groups.iter_mut().enumerate() {
            for seg in segs {
                isa::run(self.kernel, seg, buf, ch, g * cg, cg);
            }
        }
    }

    fn flush(&mut self) {
        let tiny = |v: &mut f64| {
            if v.abs() < FLUSH_BELOW {
                *v = 0.0;
            }
        };
        self.state.iter_mut().flatten().for_each(tiny);
        self.groups
            .iter_mut()
            .flatten()
            .flat_map(|s| s.state.iter_mut())
            .for_each(tiny);
    }
}

impl Processor for Chain {
    fn process(&mut self, buf: &mut [f64]) {
        let ch = self.channels;
        let whole = buf.len() / ch * ch;
        let buf = &mut buf[..whole];
        let mut rest = &mut buf[..];
        while !rest.is_empty() {
            let frames = (rest.len() / ch).min(FLUSH_FRAMES - self.since_flush);
            let (now, later) = rest.split_at_mut(frames * ch);
            self.filter(now);
            self.since_flush += frames;
            if self.since_flush == FLUSH_FRAMES {
                self.flush();
                self.since_flush = 0;
            }
            rest = later;
        }
        if self.gain != 1.0 {
            let g = self.gain;
            buf.iter_mut().for_each(|v| *v *= g);
        }
    }

    fn reset(&mut self) {
        self.state.iter_mut().for_each(|s| *s = [0.0; 4]);
        self.groups
            .iter_mut()
            .flatten()
            .for_each(|s| s.state.iter_mut().for_each(|v| *v = 0.0));
        self.since_flush = 0;
    }

    fn channels(&self) -> usize {
        self.channels
    }
}

/// dB to linear amplitude.
#[inline]
pub fn db_to_gain(db: f64) -> f64 {
    10f64.powf(db / 20.0)
}

/// Linear amplitude to dB (−∞ for 0).
#[inline]
pub fn gain_to_db(gain: f64) -> f64 {
    20.0 * gain.log10()
}

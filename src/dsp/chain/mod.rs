//! A cascade of biquads for N interleaved channels, run in `f64` whatever the I/O format.
//!
//! Why f64: a low-frequency shelf has poles very close to z = 1, and an f32 state drifts to about
//! -80 dBFS of error against a float64 reference; f64 state keeps the error far below -90 dBFS.
//!
//! Two ways to run the same arithmetic: [`scalar`] (stage by stage, the reference) and
//! [`wavefront`] (all stages at once, SIMD lanes = (stage, channel) pairs), picked per CPU in
//! [`isa`]. Offline chains ([`Chain::new`]) take [`Kernel::best`]; the real-time playback paths
//! take [`Chain::realtime`], which never runs AVX-512 in the audio callback. Both are independent of how the caller cuts the signal into blocks: the scalar
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

/// What each channel's cascade is.
#[derive(Debug, Clone, PartialEq)]
pub enum Stages {
    /// Every channel runs the same cascade (the common case).
    Shared(Vec<Coefficients>),
    /// Channel `c` runs `per_channel[c]` with its own extra gain (CamillaDSP pipeline steps with
    /// `channels:`, Equalizer APO `Channel:` sections); a channel beyond the list runs no filter.
    PerChannel(Vec<ChannelStages>),
}

/// One channel's cascade and the gain (dB) it gets on top of the chain's.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChannelStages {
    pub coeffs: Vec<Coefficients>,
    pub gain_db: f64,
}

impl From<Vec<Coefficients>> for Stages {
    fn from(c: Vec<Coefficients>) -> Self {
        Self::Shared(c)
    }
}

impl Stages {
    /// Each of `channels` channels' cascade and extra gain (dB).
    fn per_channel(&self, channels: usize) -> Vec<(&[Coefficients], f64)> {
        (0..channels)
            .map(|c| match self {
                Self::Shared(s) => (s.as_slice(), 0.0),
                Self::PerChannel(p) => p
                    .get(c)
                    .map(|s| (s.coeffs.as_slice(), s.gain_db))
                    .unwrap_or((&[], 0.0)),
            })
            .collect()
    }
}

/// One cascade of biquads with its own state per channel, and a fixed linear output gain.
#[derive(Debug, Clone)]
pub struct Chain {
    /// Scalar kernel: `coeffs[stage * channels + ch]` (shorter per-channel cascades padded with
    /// identity stages).
    coeffs: Vec<Coefficients>,
    channels: usize,
    /// The output gain of every channel, when they are all the same ...
    gain: Option<f64>,
    /// ... else each channel's.
    gains: Vec<f64>,
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
    /// A cascade of `stages` (one list of coefficients for every channel, or [`Stages`] per
    /// channel) for `channels` channels with output gain `gain_db`, run by the fastest kernel
    /// this CPU has ([`Kernel::best`]): for offline work.
    ///
    /// # Panics
    /// If `channels == 0` (a programming error: readers reject 0-channel files at the edge).
    pub fn new(stages: impl Into<Stages>, channels: usize, gain_db: f64) -> Self {
        Self::build(stages.into(), channels, gain_db, Kernel::best())
    }

    /// The same for the audio callback: the fastest kernel without AVX-512
    /// ([`Kernel::best_realtime`]).
    pub fn realtime(stages: impl Into<Stages>, channels: usize, gain_db: f64) -> Self {
        Self::build(stages.into(), channels, gain_db, Kernel::best_realtime())
    }

    /// The same with a chosen kernel (tests and benchmarks); `None` if this CPU cannot run it.
    pub fn with_kernel(
        stages: impl Into<Stages>,
        channels: usize,
        gain_db: f64,
        kernel: Kernel,
    ) -> Option<Self> {
        kernel
            .available()
            .then(|| Self::build(stages.into(), channels, gain_db, kernel))
    }

    fn build(stages: Stages, channels: usize, gain_db: f64, kernel: Kernel) -> Self {
        assert!(channels > 0, "a chain needs at least one channel");
        debug_assert!(
            !matches!(&stages, Stages::PerChannel(p) if p.len() > channels),
            "a per-channel cascade for more channels than the chain has"
        );
        let per_channel = stages.per_channel(channels);
        let gains: Vec<f64> = per_channel
            .iter()
            .map(|(_, g)| db_to_gain(gain_db + g))
            .collect();
        let gain = gains.iter().all(|g| *g == gains[0]).then_some(gains[0]);
        let n_stages = per_channel.iter().map(|(c, _)| c.len()).max().unwrap_or(0);
        let settle_frames = per_channel
            .iter()
            .map(|(c, _)| super::response::settle_frames(c, SETTLE_LEVEL))
            .max()
            .unwrap_or(0);
        let (mut coeffs, mut state, mut groups) = (Vec::new(), Vec::new(), Vec::new());
        let group_channels = if channels.is_multiple_of(2) { 2 } else { 1 };
        if kernel == Kernel::Scalar {
            coeffs = (0..n_stages)
                .flat_map(|s| {
                    per_channel
                        .iter()
                        .map(move |(c, _)| c.get(s).copied().unwrap_or(Coefficients::IDENTITY))
                })
                .collect();
            state = vec![[0.0; 4]; n_stages * channels];
        } else if n_stages > 0 {
            let stages: Vec<Vec<[f64; 5]>> = per_channel
                .iter()
                .map(|(cs, _)| cs.iter().map(|c| [c.b0, c.b1, c.b2, c.a1, c.a2]).collect())
                .collect();
            let w = kernel.lanes();
            let per_seg_max = MAX_REGS * (w / group_channels);
            let segs = n_stages.div_ceil(per_seg_max);
            let per_seg = n_stages.div_ceil(segs);
            groups = stages
                .chunks(group_channels)
                .map(|group| {
                    (0..segs)
                        .map(|k| {
                            let part: Vec<&[[f64; 5]]> = group
                                .iter()
                                .map(|st| {
                                    let a = (k * per_seg).min(st.len());
                                    let b = ((k + 1) * per_seg).min(st.len());
                                    &st[a..b]
                                })
                                .collect();
                            Segment::new(&part, w)
                        })
                        .collect()
                })
                .collect();
        }
        Self {
            settle_frames,
            coeffs,
            channels,
            gain,
            gains,
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
            for (c, st) in self
                .coeffs
                .chunks_exact(ch)
                .zip(self.state.chunks_exact_mut(ch))
            {
                scalar::stage(c, st, buf);
            }
            return;
        }
        let cg = self.group_channels;
        for (g, segs) in self.groups.iter_mut().enumerate() {
            for seg in segs {
                // SAFETY: `build` only selects a kernel whose `available()` is true on this CPU
                // (`with_kernel` checks it, `new`/`realtime` pick among available ones), and
                // lays out groups so that `g * cg + cg <= ch`.
                unsafe { isa::run(self.kernel, seg, buf, ch, g * cg, cg) };
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

/// Whole blocks of interleaved frames, never one sample at a time (CamillaDSP's `Filter` idea);
/// one kind of processor, so no trait.
impl Chain {
    /// Filters `buf` (interleaved, `channels()` samples per frame) in place.
    pub fn process(&mut self, buf: &mut [f64]) {
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
        match self.gain {
            Some(1.0) => {}
            Some(g) => buf.iter_mut().for_each(|v| *v *= g),
            None => {
                for frame in buf.chunks_exact_mut(ch) {
                    frame.iter_mut().zip(&self.gains).for_each(|(v, g)| *v *= g);
                }
            }
        }
    }

    /// Forgets all history (after a seek, or between files).
    pub fn reset(&mut self) {
        self.state.iter_mut().for_each(|s| *s = [0.0; 4]);
        self.groups
            .iter_mut()
            .flatten()
            .for_each(|s| s.state.iter_mut().for_each(|v| *v = 0.0));
        self.since_flush = 0;
    }

    pub fn channels(&self) -> usize {
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

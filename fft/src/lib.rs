//! The FFT code iemsim runs, in f64: rubato's synchronous FFT resampler (playback at a device's
//! rate, loudness measured at that rate) and realfft's real transforms (the Welch spectra).
//!
//! Why a crate of its own: rustfft is generic, so every crate that names a concrete
//! `FftFixedIn<f64>` or `RealFftPlanner<f64>` compiles all of its scalar, SSE and AVX
//! butterflies for f32 and f64 again. iemsim's library did, and so did its unit-test build: a
//! quarter of each one's compile time (`cargo test --release --no-run` of the crate went from
//! 162.6 s to 124.0 s of wall time on 2 cores without them). Behind these plain, non-generic
//! functions the code is compiled once, here, as a dependency.

use std::sync::Arc;

pub use realfft::num_complex::Complex;
pub use realfft::{ComplexToReal, RealToComplex};
pub use rubato::{ResampleError, ResamplerConstructionError};

/// The forward real FFT of `len` points (realfft's plan for this machine's SIMD).
pub fn forward(len: usize) -> Arc<dyn RealToComplex<f64>> {
    realfft::RealFftPlanner::<f64>::new().plan_fft_forward(len)
}

/// The inverse real FFT of `len` points (unnormalised, as realfft's: scale by `1/len`).
pub fn inverse(len: usize) -> Arc<dyn ComplexToReal<f64>> {
    realfft::RealFftPlanner::<f64>::new().plan_fft_inverse(len)
}

/// rubato's synchronous FFT resampler (`FftFixedIn<f64>`): whole blocks of `block` input frames
/// per channel in, planar buffers out, no allocation per block.
pub struct FftResampler(rubato::FftFixedIn<f64>);

impl FftResampler {
    /// From `in_hz` to `out_hz`, `channels` channels, `block` input frames per call, the FFT
    /// split into `sub_chunks` (rubato's trade between latency and work).
    pub fn new(
        in_hz: usize,
        out_hz: usize,
        block: usize,
        sub_chunks: usize,
        channels: usize,
    ) -> Result<Self, ResamplerConstructionError> {
        rubato::FftFixedIn::new(in_hz, out_hz, block, sub_chunks, channels).map(Self)
    }

    /// The most frames one call can write per channel (size the output buffers to it).
    pub fn output_frames_max(&self) -> usize {
        rubato::Resampler::output_frames_max(&self.0)
    }

    /// Output frames of delay: the first this many output frames precede the input's start.
    pub fn output_delay(&self) -> usize {
        rubato::Resampler::output_delay(&self.0)
    }

    /// Forgets the signal so far (after a seek).
    pub fn reset(&mut self) {
        rubato::Resampler::reset(&mut self.0);
    }

    /// Resamples one whole block (`input`: one buffer per channel) into `output`; returns the
    /// input frames read and the output frames written per channel.
    pub fn process_into_buffer(
        &mut self,
        input: &[Vec<f64>],
        output: &mut [Vec<f64>],
    ) -> Result<(usize, usize), ResampleError> {
        rubato::Resampler::process_into_buffer(&mut self.0, input, output, None)
    }

    /// A last, short block (`None`: the resampler's tail only), completed with silence.
    pub fn process_partial_into_buffer(
        &mut self,
        input: Option<&[Vec<f64>]>,
        output: &mut [Vec<f64>],
    ) -> Result<(usize, usize), ResampleError> {
        rubato::Resampler::process_partial_into_buffer(&mut self.0, input, output, None)
    }
}

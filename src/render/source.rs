//! What a render reads: a decoder, or frames already in memory (a demo's material, made in memory
//! and written once, is filtered from memory instead of being decoded back from its file).

use crate::dsp::channels::ChannelMap;
use crate::io::{Decoder, WavError};

/// Interleaved f64 frames, read block by block.
pub trait Source: Send {
    fn channels(&self) -> usize;
    fn sample_rate(&self) -> u32;
    /// Frames in all, when known up front (0 if not): lets whole-signal taps allocate once.
    fn frames(&self) -> u64;
    /// Fills `buf` with whole frames; the number of frames read, 0 at the end.
    fn read(&mut self, buf: &mut [f64]) -> Result<usize, WavError>;
    /// Which speaker each channel is (a WAVE_FORMAT_EXTENSIBLE `dwChannelMask`), 0 if unknown.
    fn channel_mask(&self) -> u32 {
        0
    }
}

impl Source for Decoder {
    fn channels(&self) -> usize {
        usize::from(self.info().channels)
    }

    fn sample_rate(&self) -> u32 {
        self.info().sample_rate
    }

    fn frames(&self) -> u64 {
        self.info().frames
    }

    fn read(&mut self, buf: &mut [f64]) -> Result<usize, WavError> {
        Ok(Decoder::read(self, buf)?)
    }

    fn channel_mask(&self) -> u32 {
        self.info().channel_mask
    }
}

/// Frames held in memory.
pub struct Frames<'a> {
    samples: &'a [f64],
    channels: usize,
    rate: u32,
    pos: usize,
}

impl<'a> Frames<'a> {
    /// `samples` interleaved, `channels` (≥ 1) per frame; a partial last frame is ignored.
    pub fn new(samples: &'a [f64], channels: usize, rate: u32) -> Self {
        let channels = channels.max(1);
        let whole = samples.len() / channels * channels;
        Self {
            samples: &samples[..whole],
            channels,
            rate,
            pos: 0,
        }
    }
}

impl Source for Frames<'_> {
    fn channels(&self) -> usize {
        self.channels
    }

    fn sample_rate(&self) -> u32 {
        self.rate
    }

    fn frames(&self) -> u64 {
        (self.samples.len() / self.channels) as u64
    }

    fn read(&mut self, buf: &mut [f64]) -> Result<usize, WavError> {
        let n = (buf.len() / self.channels * self.channels).min(self.samples.len() - self.pos);
        buf[..n].copy_from_slice(&self.samples[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n / self.channels)
    }
}

/// Another source as it is heard on `outputs` channels: mixed by [`ChannelMap`] (ITU-R BS.775
/// for a downmix), the one mapping the player's feeder applies. Loudness matching measures
/// through it, so a 5.1 file is matched as its stereo downmix sounds, not as its six channels
/// would (BS.1770 weighs surrounds +1.5 dB; the downmix gives them −3 dB against the fronts).
pub struct Mapped<'a> {
    inner: &'a mut dyn Source,
    map: ChannelMap,
    buf: Vec<f64>,
}

impl<'a> Mapped<'a> {
    pub fn new(inner: &'a mut dyn Source, outputs: usize) -> Self {
        let map = ChannelMap::with_mask(inner.channels(), inner.channel_mask(), outputs);
        Self {
            inner,
            map,
            buf: Vec::new(),
        }
    }
}

impl Source for Mapped<'_> {
    fn channels(&self) -> usize {
        self.map.outputs()
    }

    fn sample_rate(&self) -> u32 {
        self.inner.sample_rate()
    }

    fn frames(&self) -> u64 {
        self.inner.frames()
    }

    fn read(&mut self, buf: &mut [f64]) -> Result<usize, WavError> {
        let frames = buf.len() / self.map.outputs();
        // Sized once for the caller's block: render reads the same block size every time.
        self.buf.resize(frames * self.map.inputs(), 0.0);
        let n = self.inner.read(&mut self.buf)?;
        Ok(self.map.apply_into(&self.buf[..n * self.map.inputs()], buf))
    }
}

/// Another source at another rate (rubato's FFT resampler, the one the player's feeder uses), so
/// `play` measures loudness where its chains run: at the device's rate. A filter between the two
/// Nyquist frequencies is then kept or dropped in the measurement as it is in what is heard.
/// The output starts with the resampler's delay and ends with its tail (silence, which BS.1770's
/// absolute gate leaves out of the loudness).
pub struct Resampled<'a> {
    inner: &'a mut dyn Source,
    rate: u32,
    resampler: iemsim_fft::FftResampler,
    read_buf: Vec<f64>,
    planar: Vec<Vec<f64>>,
    /// rubato's output, one buffer per channel, as long as its longest block.
    resampled: Vec<Vec<f64>>,
    /// Resampled frames not handed out yet (interleaved), and how far they have been read.
    out: Vec<f64>,
    at: usize,
    done: bool,
}

/// Input frames per resampler block.
const RESAMPLE_BLOCK: usize = 4096;

impl<'a> Resampled<'a> {
    /// `inner` at `rate` Hz; fails with the reason if rubato cannot convert these rates.
    pub fn new(inner: &'a mut dyn Source, rate: u32) -> Result<Self, WavError> {
        let ch = inner.channels();
        let resampler = iemsim_fft::FftResampler::new(
            inner.sample_rate() as usize,
            rate as usize,
            RESAMPLE_BLOCK,
            2,
            ch,
        )
        .map_err(|e| resample_error(&e.to_string()))?;
        Ok(Self {
            inner,
            rate,
            read_buf: vec![0.0; RESAMPLE_BLOCK * ch],
            planar: vec![Vec::with_capacity(RESAMPLE_BLOCK); ch],
            resampled: vec![vec![0.0; resampler.output_frames_max()]; ch],
            out: Vec::with_capacity(resampler.output_frames_max() * ch),
            resampler,
            at: 0,
            done: false,
        })
    }

    /// Resamples the next block (the last one padded with silence, then the resampler's tail).
    fn refill(&mut self) -> Result<(), WavError> {
        let ch = self.planar.len();
        let mut n = 0;
        while n < RESAMPLE_BLOCK {
            let got = self.inner.read(&mut self.read_buf[n * ch..])?;
            if got == 0 {
                break;
            }
            n += got;
        }
        for (c, p) in self.planar.iter_mut().enumerate() {
            p.clear();
            p.extend(self.read_buf[..n * ch].iter().skip(c).step_by(ch));
            p.resize(RESAMPLE_BLOCK, 0.0);
        }
        // Into the buffers made once in `new` (rubato's `process` would allocate every block).
        let written = if n == 0 {
            self.done = true;
            self.resampler
                .process_partial_into_buffer(None, &mut self.resampled)
        } else {
            self.resampler
                .process_into_buffer(&self.planar, &mut self.resampled)
        }
        .map_err(|e| resample_error(&e.to_string()))?
        .1;
        self.out.clear();
        self.at = 0;
        for f in 0..written {
            self.out.extend(self.resampled.iter().map(|p| p[f]));
        }
        Ok(())
    }
}

impl Source for Resampled<'_> {
    fn channels(&self) -> usize {
        self.planar.len()
    }

    fn sample_rate(&self) -> u32 {
        self.rate
    }

    fn frames(&self) -> u64 {
        let r = f64::from(self.rate) / f64::from(self.inner.sample_rate());
        (self.inner.frames() as f64 * r).ceil() as u64
    }

    fn read(&mut self, buf: &mut [f64]) -> Result<usize, WavError> {
        let ch = self.channels();
        while self.at >= self.out.len() {
            if self.done {
                return Ok(0);
            }
            self.refill()?;
        }
        let n = (buf.len() / ch * ch).min(self.out.len() - self.at);
        buf[..n].copy_from_slice(&self.out[self.at..self.at + n]);
        self.at += n;
        Ok(n / ch)
    }
}

fn resample_error(reason: &str) -> WavError {
    WavError::Internal(format!(
        "resampling for the loudness measurement failed: {reason}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_reads_whole_frames_to_the_end() {
        let x: Vec<f64> = (0..11).map(f64::from).collect();
        let mut f = Frames::new(&x, 2, 48_000);
        let mut buf = [0.0; 7];
        assert_eq!(f.read(&mut buf).unwrap(), 3);
        assert_eq!(&buf[..6], &x[..6]);
        assert_eq!(f.read(&mut buf).unwrap(), 2);
        assert_eq!(&buf[..4], &x[6..10]);
        assert_eq!(f.read(&mut buf).unwrap(), 0);
    }

    /// A 1 kHz sine resampled 44.1 → 48 kHz keeps its frequency and level: the same count of
    /// zero crossings per second and the same RMS, at the new rate.
    #[test]
    fn resampled_keeps_frequency_and_level() {
        let w = 2.0 * std::f64::consts::PI * 1000.0 / 44_100.0;
        let x: Vec<f64> = (0..44_100)
            .map(|n| 0.5 * (w * f64::from(n)).sin())
            .collect();
        let mut f = Frames::new(&x, 1, 44_100);
        let mut r = Resampled::new(&mut f, 48_000).unwrap();
        assert_eq!(r.sample_rate(), 48_000);
        let mut y = Vec::new();
        let mut buf = [0.0; 1000];
        loop {
            let n = r.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            y.extend_from_slice(&buf[..n]);
        }
        assert!(y.len() >= 48_000, "{}", y.len());
        // The middle half second, clear of the resampler's delay and tail.
        let mid = &y[12_000..36_000];
        let rms = (mid.iter().map(|v| v * v).sum::<f64>() / mid.len() as f64).sqrt();
        assert!((rms - 0.5 / 2f64.sqrt()).abs() < 1e-3, "rms {rms}");
        let crossings = mid
            .windows(2)
            .filter(|p| (p[0] < 0.0) != (p[1] < 0.0))
            .count();
        assert!(
            (999..=1001).contains(&crossings),
            "{crossings} crossings in 0.5 s"
        );
    }
}

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
}

//! The decode-ahead thread: reads the WAV, maps its channels to the device's, resamples to the
//! device rate (rubato's synchronous FFT resampler) and keeps the ring buffer ahead of the callback.
//! Seeks and loops happen here, so the callback only ever reads a ring (CamillaDSP likewise keeps file
//! and device I/O on threads of their own).

use super::engine::{fade_in, raised_cosine, Control};
use crate::error::{Class, Error};
use crate::io::{Decoder, WavError};
use iemsim_fft::FftResampler;
use std::sync::atomic::Ordering::*;
use std::sync::Arc;
use std::thread;
use std::time::Duration;
use thiserror::Error;

/// File frames decoded per step.
const BLOCK: usize = 1024;

/// How file channels become device channels: the library's one rule (ITU-R BS.775 downmix).
pub use crate::dsp::channels::ChannelMap;

/// Why the feeder could not start or stopped.
#[derive(Debug, Error)]
pub enum FeedError {
    #[error("{0}")]
    Read(#[source] WavError),
    /// Playing without resampling would be at the wrong pitch and speed: refuse instead.
    #[error("cannot resample {file_hz} Hz audio to the device's {device_hz} Hz: {reason}")]
    ResamplerSetup {
        file_hz: u32,
        device_hz: u32,
        reason: String,
    },
    #[error("resampling {file_hz} Hz to {device_hz} Hz failed: {reason}")]
    Resample {
        file_hz: u32,
        device_hz: u32,
        reason: String,
    },
    #[error("cannot start the decoding thread: {0}")]
    Thread(#[source] std::io::Error),
}

/// Reading the file decides for itself; a resampler or a thread that fails is the machine's.
impl From<FeedError> for Error {
    fn from(e: FeedError) -> Self {
        match e {
            FeedError::Read(e) => e.into(),
            e @ (FeedError::ResamplerSetup { .. }
            | FeedError::Resample { .. }
            | FeedError::Thread(_)) => Self::of(Class::Machine, None, e),
        }
    }
}

impl From<crate::io::DecodeError> for FeedError {
    fn from(e: crate::io::DecodeError) -> Self {
        FeedError::Read(WavError::Decode(e))
    }
}

impl From<WavError> for FeedError {
    fn from(e: WavError) -> Self {
        FeedError::Read(e)
    }
}

/// rubato's synchronous FFT resampler from `file_hz` to `device_hz`, or `None` when the rates
/// are equal. An error names both rates: a silent fallback to no resampling would play at the
/// wrong pitch.
pub fn resampler(
    file_hz: u32,
    device_hz: u32,
    channels: usize,
) -> Result<Option<FftResampler>, FeedError> {
    if file_hz == device_hz {
        return Ok(None);
    }
    FftResampler::new(file_hz as usize, device_hz as usize, BLOCK, 2, channels)
        .map(Some)
        .map_err(|e| FeedError::ResamplerSetup {
            file_hz,
            device_hz,
            reason: e.to_string(),
        })
}

/// The most device frames one decoded block can turn into (sizes the ring).
pub fn max_block_frames(file_rate: u32, device_rate: u32) -> usize {
    (BLOCK as f64 * f64::from(device_rate) / f64::from(file_rate)).ceil() as usize * 2 + 64
}

/// Starts the feeder thread. It ends when `ctl.shutdown` is set or the ring's consumer is gone;
/// a read or resampling error ends it too (the error is its result, the callback then sees the
/// end of the file). Fails at once, before anything plays, when the resampler cannot be built.
pub fn spawn(
    mut src: Decoder,
    ctl: Arc<Control>,
    mut ring: rtrb::Producer<f32>,
    device_rate: u32,
    device_ch: usize,
) -> Result<thread::JoinHandle<Result<(), FeedError>>, FeedError> {
    let mut f = Feeder::new(&src, device_rate, device_ch)?;
    thread::Builder::new()
        .name("iemsim-feeder".into())
        .spawn(move || {
            let r = f.run(&mut src, &ctl, &mut ring);
            ctl.eof.store(true, Release);
            r
        })
        .map_err(FeedError::Thread)
}

struct Feeder {
    file_hz: u32,
    device_hz: u32,
    file_ch: usize,
    device_ch: usize,
    frames: u64,
    map: ChannelMap,
    resampler: Option<FftResampler>,
    /// Resampler output frames still to drop (its delay), after a start or a seek.
    skip: usize,
    read_buf: Vec<f64>,
    planar: Vec<Vec<f64>>,
    /// The resampler's output, one buffer per device channel of `out_max` frames (made once:
    /// rubato's `process` would allocate every block).
    resampled: Vec<Vec<f64>>,
    out: Vec<f32>,
    /// Most device frames one decoded block can become.
    out_max: usize,
    /// Loop-edge fade length (file frames) and how much of a fade-in is still to apply.
    fade_frames: usize,
    fade_in_left: usize,
    epoch: u64,
}

impl Feeder {
    fn new(src: &Decoder, device_rate: u32, device_ch: usize) -> Result<Self, FeedError> {
        let info = src.info();
        let file_ch = usize::from(info.channels);
        let resampler = resampler(info.sample_rate, device_rate, device_ch)?;
        let skip = resampler.as_ref().map_or(0, |r| r.output_delay());
        let out_max = resampler.as_ref().map_or(BLOCK, |r| r.output_frames_max());
        Ok(Self {
            file_hz: info.sample_rate,
            device_hz: device_rate,
            file_ch,
            device_ch,
            frames: info.frames,
            map: ChannelMap::with_mask(file_ch, info.channel_mask, device_ch),
            resampler,
            skip,
            read_buf: vec![0.0; BLOCK * file_ch],
            planar: vec![Vec::with_capacity(BLOCK); device_ch],
            resampled: vec![vec![0.0; out_max]; device_ch],
            out: Vec::with_capacity(out_max * 2 * device_ch),
            out_max,
            fade_frames: (info.sample_rate as usize / 200).max(1),
            fade_in_left: 0,
            epoch: 0,
        })
    }

    fn run(
        &mut self,
        src: &mut Decoder,
        ctl: &Control,
        ring: &mut rtrb::Producer<f32>,
    ) -> Result<(), FeedError> {
        let mut at_end = false;
        loop {
            if ctl.shutdown.load(Acquire) || ring.is_abandoned() {
                return Ok(());
            }
            if ctl.seek_epoch.load(Acquire) != self.epoch {
                if !self.seek(src, ctl, ring)? {
                    return Ok(());
                }
                at_end = false;
                continue;
            }
            // Room for a whole resampled block (or nothing to do): wait a little.
            let need = (self.out_max + 64) * self.device_ch;
            if at_end || ring.slots() < need {
                thread::sleep(Duration::from_millis(2));
                continue;
            }
            at_end = self.step(src, ctl)?;
            self.push(ring);
        }
    }

    /// Decodes one block into `self.out` (device channels and rate, interleaved). Returns true at
    /// the end of the file (then `self.out` holds the resampler's tail).
    fn step(&mut self, src: &mut Decoder, ctl: &Control) -> Result<bool, FeedError> {
        let n = self.fill(src, ctl)?;
        if n == 0 {
            self.flush_resampler()?;
            ctl.eof.store(true, Release);
            return Ok(true);
        }
        ctl.eof.store(false, Release);
        self.convert(n)?;
        Ok(false)
    }

    /// Reads a whole block into `read_buf`, going on from the loop start when the loop end is
    /// reached, so the resampler always gets whole blocks of music: a short block at the loop end
    /// used to be padded with up to a block of silence (about 21 ms per pass at 48 kHz). Fewer
    /// than `BLOCK` frames only at the end of the file.
    fn fill(&mut self, src: &mut Decoder, ctl: &Control) -> Result<usize, FeedError> {
        let ch = self.file_ch;
        let mut n = 0;
        while n < BLOCK {
            let (ls, le) = (ctl.loop_start.load(Acquire), ctl.loop_end.load(Acquire));
            let looping = le > ls && le <= self.frames;
            let pos = src.position();
            if looping && pos >= le {
                src.seek(ls)?;
                self.fade_in_left = self.fade_frames;
                continue;
            }
            let mut want = BLOCK - n;
            if looping {
                want = want.min((le - pos) as usize);
            }
            let got = src.read(&mut self.read_buf[n * ch..(n + want) * ch])?;
            if got == 0 {
                break;
            }
            self.loop_fades(n, got, looping.then_some((pos, le)));
            n += got;
        }
        Ok(n)
    }

    /// A loop's jump back is an edit in the music: 5 ms raised-cosine fades on both sides of it keep
    /// it from clicking, however the two ends differ. Applies to the `n` frames read at frame
    /// `at` of `read_buf`; `looping`: the file frame they start at and the loop's end. The
    /// fade-out goes by file position, so it is whole however the reads before the end were cut
    /// (a read that ended a few frames before it, a decoder's short packet).
    fn loop_fades(&mut self, at: usize, n: usize, looping: Option<(u64, u64)>) {
        let ch = self.file_ch;
        let f = self.fade_frames.max(1);
        let part = &mut self.read_buf[at * ch..(at + n) * ch];
        self.fade_in_left = fade_in(part, ch, f, self.fade_in_left);
        let Some((pos, le)) = looping else {
            return;
        };
        // Frames in the last `f` before the loop's end: frame `le - 1 - k` gets w(k).
        let fade_from = le.saturating_sub(f as u64).max(pos);
        let end = le.min(pos + n as u64);
        for p in fade_from..end {
            let i = (p - pos) as usize;
            let g = raised_cosine((le - 1 - p) as usize, f);
            part[i * ch..(i + 1) * ch].iter_mut().for_each(|v| *v *= g);
        }
    }

    /// The seek handshake (see `Control::request_seek`). Returns false if asked to shut down.
    fn seek(
        &mut self,
        src: &mut Decoder,
        ctl: &Control,
        ring: &mut rtrb::Producer<f32>,
    ) -> Result<bool, FeedError> {
        loop {
            let want = ctl.seek_epoch.load(Acquire);
            ctl.feeder_stopped_epoch.store(want, Release);
            if ctl.drained_epoch.load(Acquire) == want {
                let frame = ctl.seek_frame.load(Acquire).min(self.frames);
                src.seek(frame)?;
                if let Some(r) = self.resampler.as_mut() {
                    r.reset();
                    self.skip = r.output_delay();
                }
                self.epoch = want;
                self.fade_in_left = 0;
                ctl.eof.store(false, Release);
                return Ok(true);
            }
            if ctl.shutdown.load(Acquire) || ring.is_abandoned() {
                return Ok(false);
            }
            thread::sleep(Duration::from_millis(1));
        }
    }

    /// `n` decoded frames → device channels → device rate → interleaved f32 in `self.out`.
    fn convert(&mut self, n: usize) -> Result<(), FeedError> {
        self.planar.iter_mut().for_each(Vec::clear);
        self.map
            .apply_planar(&self.read_buf[..n * self.file_ch], &mut self.planar);
        match self.resampler.as_mut() {
            None => interleave(&self.planar, 0..n, &mut self.out),
            Some(r) => {
                // Only the file's last block is short (`fill`); the resampler needs whole blocks,
                // so it is completed with silence, which is what follows the end anyway.
                for p in &mut self.planar {
                    p.resize(BLOCK, 0.0);
                }
                let done = r.process_into_buffer(&self.planar, &mut self.resampled);
                self.take_resampled(done)?;
            }
        }
        Ok(())
    }

    fn flush_resampler(&mut self) -> Result<(), FeedError> {
        if let Some(r) = self.resampler.as_mut() {
            let done = r.process_partial_into_buffer(None, &mut self.resampled);
            self.take_resampled(done)?;
        }
        Ok(())
    }

    /// Appends what the resampler made to `self.out`, less what is left of its delay.
    fn take_resampled(
        &mut self,
        done: Result<(usize, usize), iemsim_fft::ResampleError>,
    ) -> Result<(), FeedError> {
        let (_, n) = done.map_err(|e| FeedError::Resample {
            file_hz: self.file_hz,
            device_hz: self.device_hz,
            reason: e.to_string(),
        })?;
        let drop = self.skip.min(n);
        self.skip -= drop;
        interleave(&self.resampled, drop..n, &mut self.out);
        Ok(())
    }

    fn push(&mut self, ring: &mut rtrb::Producer<f32>) {
        let mut rest: &[f32] = &self.out;
        // The caller made sure there is room; if the callback is slow, wait rather than drop.
        while !rest.is_empty() {
            let (_, left) = ring.push_partial_slice(rest);
            rest = left;
            if !rest.is_empty() {
                if ring.is_abandoned() {
                    break;
                }
                thread::sleep(Duration::from_millis(1));
            }
        }
        self.out.clear();
    }
}

fn interleave(planar: &[Vec<f64>], frames: std::ops::Range<usize>, out: &mut Vec<f32>) {
    for i in frames {
        for p in planar {
            out.push(p[i] as f32);
        }
    }
}

#[cfg(test)]
#[path = "feeder_tests.rs"]
mod feeder_tests;

//! The capture stream (`iemsim live`; the device is picked in the parent module, as outputs
//! are): its callback hands interleaved `f32` to a closure under the same real-time rules as
//! the output side (no allocation, locks or printing: integer formats are converted in scratch
//! memory allocated before the start).

use super::stream::Counters;
use super::{alsa_quiet, DeviceError, Input, Running};
use cpal::traits::DeviceTrait;
use cpal::{InputCallbackInfo, SampleFormat, SizedSample};
use std::sync::Arc;

/// Frames converted per call of the capture closure when the device delivers integers.
const SCRATCH_FRAMES: usize = 4096;

impl Input {
    /// Starts capturing: `capture` is called on the audio thread with interleaved `f32`
    /// (`channels()` per frame) and the time from the capture to the callback, when the backend
    /// tells. It must not block or allocate. Capture stops when the returned [`Running`] drops
    /// (its `stats().latency_us` is then the capture-to-callback delay).
    pub fn start(
        self,
        capture: impl FnMut(&[f32]) + Send + 'static,
    ) -> Result<Running, DeviceError> {
        let _quiet = alsa_quiet::Guard::new();
        let (config, counters, queue, err_cb) = self.stream_parts();
        let channels = usize::from(self.choice.channels).max(1);
        let stats = Arc::clone(&counters);
        let device = &self.device;
        let built = match self.choice.format {
            SampleFormat::F32 => {
                let mut capture = capture;
                device.build_input_stream::<f32, _, _>(
                    config,
                    move |data: &[f32], info: &InputCallbackInfo| {
                        record(&stats, data.len() / channels, info);
                        capture(data);
                    },
                    err_cb,
                    None,
                )
            }
            SampleFormat::I32 => device.build_input_stream::<i32, _, _>(
                config,
                converting(channels, stats, capture, |x: i32| {
                    x as f32 / 2_147_483_648.0
                }),
                err_cb,
                None,
            ),
            SampleFormat::I16 => device.build_input_stream::<i16, _, _>(
                config,
                converting(channels, stats, capture, |x: i16| f32::from(x) / 32_768.0),
                err_cb,
                None,
            ),
            other => return Err(self.unsupported(other)),
        };
        // Errors name it as the input it is (an output of the same name may be open too): by the
        // source the server's device captures, as the start line does, else as "(input)".
        let shown = crate::playback::routing::shown_name(&self.name, "PULSE_SOURCE");
        let label = match shown == self.name {
            true => format!("{} (input)", self.name),
            false => shown,
        };
        self.play(built, counters, queue, (label, true))
    }
}

/// Audio thread: relaxed atomics only (see `Counters::record_frames`).
fn record(counters: &Counters, frames: usize, info: &InputCallbackInfo) {
    let ts = info.timestamp();
    counters.record_frames(frames, ts.callback.checked_duration_since(ts.capture));
}

/// Capture callback for a device that delivers integers: convert into pre-allocated scratch
/// (in chunks if the callback is larger), then hand on. Full scale 2^15 / 2^31, as WAV reads.
fn converting<T: SizedSample + Copy + Send + 'static>(
    channels: usize,
    counters: Arc<Counters>,
    mut capture: impl FnMut(&[f32]) + Send + 'static,
    convert: fn(T) -> f32,
) -> impl FnMut(&[T], &InputCallbackInfo) + Send + 'static {
    let mut scratch = vec![0.0f32; SCRATCH_FRAMES * channels];
    move |data: &[T], info: &InputCallbackInfo| {
        record(&counters, data.len() / channels, info);
        for part in data.chunks(scratch.len()) {
            let buf = &mut scratch[..part.len()];
            for (o, &x) in buf.iter_mut().zip(part) {
                *o = convert(x);
            }
            capture(buf);
        }
    }
}

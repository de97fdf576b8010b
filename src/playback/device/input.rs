//! Capture devices (`iemsim live`): listing, picking one by any part of its name as `--device`
//! does for outputs, and the capture stream, whose callback hands interleaved `f32` to a
//! closure under the same real-time rules as the output side (no allocation, locks or
//! printing: integer formats are converted in scratch memory allocated before the start).

use super::error::translate;
use super::stream::{error_callback, Counters, Reported};
use super::{alsa_quiet, choose_config, describe, device_description, device_id};
use super::{DeviceError, DeviceInfo, Running, NOT_LISTED};
use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{BufferSize, InputCallbackInfo, SampleFormat, SizedSample, StreamConfig};
use std::sync::Arc;

/// Frames converted per call of the capture closure when the device delivers integers.
const SCRATCH_FRAMES: usize = 4096;

/// A capture device with a chosen stream format, not running yet.
pub struct Input {
    device: cpal::Device,
    name: String,
    description: String,
    is_default: bool,
    choice: super::Choice,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("name", &self.name)
            .field("choice", &self.choice)
            .finish()
    }
}

/// Lists the capture devices of the default host (same rules as [`super::list_devices`]);
/// an empty list is not an error here (`iemsim devices` still shows the outputs).
pub fn list_input_devices() -> Vec<DeviceInfo> {
    let _quiet = alsa_quiet::Guard::new();
    let host = cpal::default_host();
    let default_id = host.default_input_device().map(|d| device_id(&d));
    let Ok(devices) = host.input_devices() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for d in devices {
        let id = device_id(&d);
        if NOT_LISTED.contains(&id.as_str()) {
            continue;
        }
        let Ok(ranges) = d.supported_input_configs() else {
            continue;
        };
        let ranges: Vec<_> = ranges.collect();
        if ranges.is_empty() {
            continue;
        }
        out.push(describe(
            &d,
            default_id.as_deref() == Some(id.as_str()),
            &ranges,
        ));
    }
    out
}

/// Picks the capture device (`None`: the default one; `Some(s)`: the exact id, else the first
/// whose id or description contains `s`, ignoring case) and a stream format: `want_rate` if it
/// can (the output's rate, so only the clocks' drift needs resampling), else as for outputs.
pub fn open_input(
    name: Option<&str>,
    want_rate: u32,
    period_frames: u32,
) -> Result<Input, DeviceError> {
    let _quiet = alsa_quiet::Guard::new();
    let host = cpal::default_host();
    let default_id = host.default_input_device().map(|d| device_id(&d));
    let device = match name {
        None => host
            .default_input_device()
            .ok_or(DeviceError::NoInputDevice)?,
        Some(wanted) => {
            let devices: Vec<cpal::Device> = host
                .input_devices()
                .map_err(|e| translate(e, wanted, false))?
                .collect();
            let needle = wanted.to_lowercase();
            let found = devices
                .iter()
                .position(|d| device_id(d).to_lowercase() == needle)
                .or_else(|| {
                    devices.iter().position(|d| {
                        device_id(d).to_lowercase().contains(&needle)
                            || device_description(d).to_lowercase().contains(&needle)
                    })
                });
            match found.and_then(|i| devices.into_iter().nth(i)) {
                Some(d) => d,
                None => {
                    return Err(DeviceError::InputNotFound {
                        name: wanted.to_string(),
                        available: list_input_devices().into_iter().map(|d| d.name).collect(),
                    })
                }
            }
        }
    };
    let name = device_id(&device);
    let is_default = default_id.as_deref() == Some(name.as_str());
    let ranges: Vec<_> = device
        .supported_input_configs()
        .map_err(|e| translate(e, &name, is_default))?
        .collect();
    let default_rate = device.default_input_config().ok().map(|c| c.sample_rate());
    let choice =
        choose_config(&ranges, want_rate, default_rate, period_frames).ok_or_else(|| {
            DeviceError::UnsupportedConfig {
                device: name.clone(),
                detail: format!(
                    "it captures {}; iemsim needs f32, i32 or i16 samples",
                    describe(&device, is_default, &ranges).formats.join(", ")
                ),
            }
        })?;
    Ok(Input {
        description: device_description(&device),
        device,
        name,
        is_default,
        choice,
    })
}

impl Input {
    pub fn rate(&self) -> u32 {
        self.choice.rate
    }
    pub fn channels(&self) -> u16 {
        self.choice.channels
    }
    pub fn device_name(&self) -> &str {
        &self.name
    }
    /// The host's description ("PulseAudio Sound Server"): tells a sound server from a card.
    pub fn description(&self) -> &str {
        &self.description
    }
    pub fn buffer_frames(&self) -> Option<u32> {
        self.choice.buffer_frames
    }

    /// Starts capturing: `capture` is called on the audio thread with interleaved `f32`
    /// (`channels()` per frame) and the time from the capture to the callback, when the backend
    /// tells. It must not block or allocate. Capture stops when the returned [`Running`] drops
    /// (its `stats().latency_us` is then the capture-to-callback delay).
    pub fn start(
        self,
        capture: impl FnMut(&[f32]) + Send + 'static,
    ) -> Result<Running, DeviceError> {
        let _quiet = alsa_quiet::Guard::new();
        let config = StreamConfig {
            channels: self.choice.channels,
            sample_rate: self.choice.rate,
            buffer_size: match self.choice.buffer_frames {
                Some(n) => BufferSize::Fixed(n),
                None => BufferSize::Default,
            },
        };
        let counters = Arc::new(Counters::default());
        let (producer, consumer) = rtrb::RingBuffer::<Reported>::new(16);
        let err_cb = error_callback(Arc::clone(&counters), producer);
        let channels = usize::from(self.choice.channels).max(1);
        let stats = Arc::clone(&counters);
        let built = match self.choice.format {
            SampleFormat::F32 => {
                let mut capture = capture;
                self.device.build_input_stream::<f32, _, _>(
                    config,
                    move |data: &[f32], info: &InputCallbackInfo| {
                        record(&stats, data.len() / channels, info);
                        capture(data);
                    },
                    err_cb,
                    None,
                )
            }
            SampleFormat::I32 => self.device.build_input_stream::<i32, _, _>(
                config,
                converting(channels, stats, capture, |x: i32| {
                    x as f32 / 2_147_483_648.0
                }),
                err_cb,
                None,
            ),
            SampleFormat::I16 => self.device.build_input_stream::<i16, _, _>(
                config,
                converting(channels, stats, capture, |x: i16| f32::from(x) / 32_768.0),
                err_cb,
                None,
            ),
            other => {
                return Err(DeviceError::UnsupportedConfig {
                    device: self.name,
                    detail: format!("sample format {other}"),
                })
            }
        };
        let stream = built.map_err(|e| translate(e, &self.name, self.is_default))?;
        stream
            .play()
            .map_err(|e| translate(e, &self.name, self.is_default))?;
        Ok(Running::new(
            stream,
            counters,
            consumer,
            // Errors name it as the input it is (an output of the same name may be open too).
            format!("{} (input)", self.name),
            self.is_default,
            self.choice.rate,
        ))
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

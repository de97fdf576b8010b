//! Output device selection and the audio-thread wrapper around a render closure (cpal 0.18).
//!
//! Why a wrapper: the rest of the program renders interleaved `f32` and must not care whether the
//! card wants `i16`, `i32` or `f32`, nor about cpal's error kinds. The audio callback obeys the
//! real-time rules (no allocation, no locks, no printing, no panics — see Ross Bencina, "Real-time
//! audio programming 101: time waits for nothing", 2011): scratch memory is allocated before the
//! stream starts, statistics are relaxed atomics, errors travel through a wait-free `rtrb` queue.
//!
//! Buffer size: we ask for a fixed period of [`PREFERRED_BUFFER_FRAMES`]. cpal's `Default` leaves
//! the choice to the backend, which through PulseAudio can mean a 2 s buffer — switching profiles
//! would then lag by seconds. cpal's ALSA host makes the ring 2 periods for `Fixed`; ALSA's
//! PulseAudio plugin cuts that ring into 3 periods. Measured through PulseAudio on a 2-core VM
//! (tone played and recorded back, gaps counted; "load" = load average):
//!
//! | period asked | period got | callback→sound | clean runs, load ~6 | clean runs, load ~9 |
//! |--------------|------------|----------------|---------------------|---------------------|
//! | 512          | 341        | ~14 ms         | 1 of 5              | 0 of 8              |
//! | 1024         | 682        | ~30 ms         | 4 of 5              | 0 of 8              |
//! | 1536         | 1024       | ~48 ms         | —                   | 6 of 8              |
//! | 2048         | 1365       | ~55–64 ms      | 5 of 5              | 15 of 16            |
//!
//! (An idle machine is clean at every size.) Dropouts are the worst thing an A/B listening tool can
//! do, but so is a switch that lags: the bar is 100 ms from key press to sound. Measured with
//! `iemsim play --no-tui --json --buffer N` (pick-up by the next callback + the output latency
//! cpal reports): 2048 gives 90–113 ms, over the bar; 1024 gives 39–48 ms and stays clean unless
//! the machine is heavily overloaded, so 1024 is the default.
//! [`open_with_period`] trades latency for robustness.
//!
//! Layout: this file lists devices (outputs and captures alike) and picks one and its stream
//! format; `error.rs` holds [`DeviceError`], `stream.rs` the playing stream and its audio-thread
//! callbacks, `input.rs` the capture stream's, and `alsa_quiet.rs` the guard that keeps alsa-lib quiet while we probe.

mod alsa_quiet;
mod error;
mod input;
mod stream;

pub use error::DeviceError;
pub use stream::{DeviceStats, Realtime, Running};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{
    BufferSize, SampleFormat, StreamConfig, SupportedBufferSize, SupportedStreamConfigRange,
};
use error::translate;
use serde::Serialize;
use std::sync::Arc;
use stream::{error_callback, Counters, Reported};

/// The period we ask for when the device allows it (frames per callback; see the module docs).
pub const PREFERRED_BUFFER_FRAMES: u32 = 1024;
/// The rate we fall back to when the file's rate is not supported (the common native rate).
pub const FALLBACK_RATE: u32 = 48_000;

/// One output device as `iemsim devices` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceInfo {
    /// The short name to pass to `--device` (ALSA: `default`, `pulse`, `hw:CARD=...`).
    pub name: String,
    /// The host's human description, e.g. "PulseAudio Sound Server".
    pub description: String,
    pub is_default: bool,
    /// Supported sample-rate ranges, inclusive (min, max), sorted and de-duplicated.
    pub rates: Vec<(u32, u32)>,
    /// Sample formats as cpal names them (f32, i16, ...), best first.
    pub formats: Vec<String>,
    /// Supported channel counts, ascending.
    pub channels: Vec<u16>,
}

/// The stream format we settled on (pure data; see [`choose_config`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub format: SampleFormat,
    pub channels: u16,
    pub rate: u32,
    /// `None`: the backend could not tell its range, we leave the size to it.
    pub buffer_frames: Option<u32>,
}

/// Which way the sound goes: outputs and capture devices are listed and picked alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Output,
    Input,
}

impl Direction {
    fn default_device(self, host: &cpal::Host) -> Option<cpal::Device> {
        match self {
            Direction::Output => host.default_output_device(),
            Direction::Input => host.default_input_device(),
        }
    }

    fn devices(self, host: &cpal::Host) -> Result<Vec<cpal::Device>, cpal::Error> {
        Ok(match self {
            Direction::Output => host.output_devices()?.collect(),
            Direction::Input => host.input_devices()?.collect(),
        })
    }

    fn ranges(self, d: &cpal::Device) -> Result<Vec<SupportedStreamConfigRange>, cpal::Error> {
        Ok(match self {
            Direction::Output => d.supported_output_configs()?.collect(),
            Direction::Input => d.supported_input_configs()?.collect(),
        })
    }

    fn default_rate(self, d: &cpal::Device) -> Option<u32> {
        let config = match self {
            Direction::Output => d.default_output_config(),
            Direction::Input => d.default_input_config(),
        };
        config.ok().map(|c| c.sample_rate())
    }
}

/// A device with a chosen stream format, not running yet: an [`Output`] or an [`Input`].
#[derive(Debug)]
pub struct Picked<Way> {
    device: cpal::Device,
    name: String,
    is_default: bool,
    choice: Choice,
    way: std::marker::PhantomData<Way>,
}

/// The two ways of a [`Picked`] device (types only: an output cannot be started as a capture).
#[derive(Debug)]
pub enum Out {}
#[derive(Debug)]
pub enum In {}

/// An output device with a chosen stream format, not playing yet ([`Output::start`]).
pub type Output = Picked<Out>;
/// A capture device with a chosen stream format, not running yet ([`Input::start`]).
pub type Input = Picked<In>;

/// The devices of the default host that can report a format, but for [`NOT_LISTED`].
fn list(dir: Direction) -> Result<Vec<DeviceInfo>, cpal::Error> {
    let _quiet = alsa_quiet::Guard::new();
    let host = cpal::default_host();
    let default_id = dir.default_device(&host).map(|d| device_id(&d));
    let mut out = Vec::new();
    for d in dir.devices(&host)? {
        let id = device_id(&d);
        if NOT_LISTED.contains(&id.as_str()) {
            continue;
        }
        let Ok(ranges) = dir.ranges(&d) else {
            continue;
        };
        if !ranges.is_empty() {
            out.push(describe(
                &d,
                default_id.as_deref() == Some(id.as_str()),
                &ranges,
            ));
        }
    }
    Ok(out)
}

/// Lists the output devices of the default host. Devices that cannot report a format (e.g. the
/// ALSA `default` on a machine without a sound card) are left out, and so are [`NOT_LISTED`];
/// none left means [`DeviceError::NoDevice`].
pub fn list_devices() -> Result<Vec<DeviceInfo>, DeviceError> {
    let out = list(Direction::Output).map_err(|e| translate(e, "default", true))?;
    if out.is_empty() {
        return Err(DeviceError::NoDevice);
    }
    Ok(out)
}

/// Lists the capture devices of the default host (same rules as [`list_devices`]); an empty
/// list is not an error here (`iemsim devices` still shows the outputs).
pub fn list_input_devices() -> Vec<DeviceInfo> {
    list(Direction::Input).unwrap_or_default()
}

/// ALSA devices `iemsim devices` does not probe. `null` discards the sound without pacing (not an
/// output anyone hears, and it exists even with no sound card). `jack` needs a running JACK
/// server; probing it without one makes libjack print to stderr and set SIGPIPE to "ignore"
/// (which breaks `iemsim devices | head`). Both can still be chosen by name with `--device`.
pub const NOT_LISTED: &[&str] = &["null", "jack"];

/// Picks the device (`None`: the default one; `Some(s)`: the first whose name contains `s`,
/// ignoring case) and a stream format for it. `want_rate` is the file's rate: used as is when the
/// device supports it, so nothing needs resampling.
pub fn open(name: Option<&str>, want_rate: u32) -> Result<Output, DeviceError> {
    open_with_period(name, want_rate, PREFERRED_BUFFER_FRAMES)
}

/// [`open`] with another period (frames per callback) than [`PREFERRED_BUFFER_FRAMES`]; the
/// device clamps it into its supported range.
pub fn open_with_period(
    name: Option<&str>,
    want_rate: u32,
    period_frames: u32,
) -> Result<Output, DeviceError> {
    pick(Direction::Output, name, want_rate, period_frames)
}

/// Picks the capture device (as [`open`] picks an output) and a stream format: `want_rate` if it
/// can (the output's rate, so only the clocks' drift needs resampling), else as for outputs.
pub fn open_input(
    name: Option<&str>,
    want_rate: u32,
    period_frames: u32,
) -> Result<Input, DeviceError> {
    pick(Direction::Input, name, want_rate, period_frames)
}

fn pick<Way>(
    dir: Direction,
    name: Option<&str>,
    want_rate: u32,
    period_frames: u32,
) -> Result<Picked<Way>, DeviceError> {
    let _quiet = alsa_quiet::Guard::new();
    let host = cpal::default_host();
    let default = dir.default_device(&host);
    let default_id = default.as_ref().map(device_id);
    let device = match name {
        None => default.ok_or(match dir {
            Direction::Output => DeviceError::NoDevice,
            Direction::Input => DeviceError::NoInputDevice,
        })?,
        Some(wanted) => {
            let devices = dir
                .devices(&host)
                .map_err(|e| translate(e, wanted, false))?;
            let needle = wanted.trim().to_lowercase();
            // The exact id first ("pulse" must not pick "pulse_monitor"), then any substring
            // of the id or the description, of a listed device only: a blank or short name
            // (`""`, `a`) must not land on ALSA's hidden `null`, which discards the sound.
            let found = devices
                .iter()
                .position(|d| !needle.is_empty() && device_id(d).to_lowercase() == needle)
                .or_else(|| {
                    devices.iter().position(|d| {
                        let id = device_id(d);
                        !needle.is_empty()
                            && !NOT_LISTED.contains(&id.as_str())
                            && (id.to_lowercase().contains(&needle)
                                || device_description(d).to_lowercase().contains(&needle))
                    })
                });
            match found.and_then(|i| devices.into_iter().nth(i)) {
                Some(d) => d,
                None => {
                    // What `iemsim devices` shows (devices that answer, not every ALSA
                    // plugin name), and the sound server's sinks or sources, which the
                    // commands take by name too.
                    let mut available: Vec<String> = list(dir)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|d| d.name)
                        .collect();
                    available.extend(match dir {
                        Direction::Output => crate::playback::routing::sink_names(),
                        Direction::Input => crate::playback::routing::source_names(),
                    });
                    let name = wanted.to_string();
                    return Err(match dir {
                        Direction::Output => DeviceError::NotFound { name, available },
                        Direction::Input => DeviceError::InputNotFound { name, available },
                    });
                }
            }
        }
    };
    let name = device_id(&device);
    let is_default = default_id.as_deref() == Some(name.as_str());
    let ranges = dir
        .ranges(&device)
        .map_err(|e| translate(e, &name, is_default))?;
    let default_rate = dir.default_rate(&device);
    let choice =
        choose_config(&ranges, want_rate, default_rate, period_frames).ok_or_else(|| {
            DeviceError::UnsupportedConfig {
                device: name.clone(),
                detail: format!(
                    "it {} {}; iemsim needs f32, i32 or i16 samples",
                    match dir {
                        Direction::Output => "offers",
                        Direction::Input => "captures",
                    },
                    describe(&device, is_default, &ranges).formats.join(", ")
                ),
            }
        })?;
    Ok(Picked {
        device,
        name,
        is_default,
        choice,
        way: std::marker::PhantomData,
    })
}

/// Chooses the stream format, in this order of importance:
/// 1. a sample format we can write: f32 (no conversion), else i32, else i16;
/// 2. the rate: the file's rate if supported (no resampling), else 48 kHz, else the device's
///    default rate, else the highest it supports;
/// 3. channels: 2, else the smallest count above 2, else mono;
/// 4. the format rank from 1 (f32 over i32 over i16).
///
/// The period is `period_frames` clamped into the supported range.
pub fn choose_config(
    ranges: &[SupportedStreamConfigRange],
    want_rate: u32,
    default_rate: Option<u32>,
    period_frames: u32,
) -> Option<Choice> {
    let rate_for = |r: &SupportedStreamConfigRange| -> (u32, u32) {
        // (score, rate): higher score is better.
        if r.contains_rate(want_rate) {
            (3, want_rate)
        } else if r.contains_rate(FALLBACK_RATE) {
            (2, FALLBACK_RATE)
        } else if let Some(d) = default_rate.filter(|&d| r.contains_rate(d)) {
            (1, d)
        } else {
            (0, r.max_sample_rate())
        }
    };
    let channel_score = |c: u16| -> u32 {
        match c {
            2 => u32::MAX,
            0 => 0,
            1 => 1,
            // 3 beats 8: fewer unused channels to fill.
            n => u32::MAX - 1 - u32::from(n),
        }
    };
    ranges
        .iter()
        .filter(|r| format_rank(r.sample_format()).is_some() && r.channels() >= 1)
        .max_by_key(|r| {
            let (rate_score, rate) = rate_for(r);
            (
                rate_score,
                channel_score(r.channels()),
                format_rank(r.sample_format()),
                rate,
            )
        })
        .map(|r| Choice {
            format: r.sample_format(),
            channels: r.channels(),
            rate: rate_for(r).1,
            buffer_frames: match *r.buffer_size() {
                SupportedBufferSize::Range { min, max } if min <= max && max > 0 => {
                    Some(period_frames.clamp(min.max(1), max))
                }
                _ => None,
            },
        })
}

fn format_rank(f: SampleFormat) -> Option<u8> {
    match f {
        SampleFormat::F32 => Some(3),
        SampleFormat::I32 => Some(2),
        SampleFormat::I16 => Some(1),
        _ => None,
    }
}

fn describe(
    d: &cpal::Device,
    is_default: bool,
    ranges: &[SupportedStreamConfigRange],
) -> DeviceInfo {
    let mut rates: Vec<(u32, u32)> = ranges
        .iter()
        .map(|r| (r.min_sample_rate(), r.max_sample_rate()))
        .collect();
    rates.sort_unstable();
    rates.dedup();
    let mut formats: Vec<SampleFormat> = ranges.iter().map(|r| r.sample_format()).collect();
    formats.sort_by_key(|f| std::cmp::Reverse(format_rank(*f)));
    formats.dedup();
    let mut channels: Vec<u16> = ranges.iter().map(|r| r.channels()).collect();
    channels.sort_unstable();
    channels.dedup();
    DeviceInfo {
        name: device_id(d),
        description: device_description(d),
        is_default,
        rates,
        formats: formats.iter().map(|f| f.to_string()).collect(),
        channels,
    }
}

/// The host's short name for the device, e.g. ALSA's `default`, `pulse`, `hw:CARD=PCH,DEV=0`
/// (what `--device` matches first; the `alsa:` host prefix is dropped).
fn device_id(d: &cpal::Device) -> String {
    match d.id() {
        Ok(id) => id.id().to_string(),
        Err(_) => d.to_string(),
    }
}

/// The host's human description ("PulseAudio Sound Server"), first line only; empty if unknown.
fn device_description(d: &cpal::Device) -> String {
    d.description()
        .map(|desc| desc.name().lines().next().unwrap_or("").trim().to_string())
        .unwrap_or_default()
}

impl<Way> Picked<Way> {
    pub fn rate(&self) -> u32 {
        self.choice.rate
    }
    pub fn channels(&self) -> u16 {
        self.choice.channels
    }
    /// The fixed period we requested (frames per callback), or `None` when the backend decides.
    pub fn buffer_frames(&self) -> Option<u32> {
        self.choice.buffer_frames
    }
    pub fn device_name(&self) -> &str {
        &self.name
    }
    /// The device's sample format ("f32", "i32", "i16"); the render closure always sees f32.
    pub fn sample_format(&self) -> String {
        self.choice.format.to_string()
    }
    pub fn is_default(&self) -> bool {
        self.is_default
    }

    /// What every stream starts from: its config, fresh counters, and the error queue with the
    /// error callback that feeds it.
    fn stream_parts(
        &self,
    ) -> (
        StreamConfig,
        Arc<Counters>,
        rtrb::Consumer<Reported>,
        impl FnMut(cpal::Error) + Send + 'static,
    ) {
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
        (config, counters, consumer, err_cb)
    }

    /// The error for a sample format no stream of ours converts.
    fn unsupported(&self, format: SampleFormat) -> DeviceError {
        DeviceError::UnsupportedConfig {
            device: self.name.clone(),
            detail: format!("sample format {format}"),
        }
    }

    /// Starts the `built` stream and wraps it; `label` names it in later errors.
    fn play(
        &self,
        built: Result<cpal::Stream, cpal::Error>,
        counters: Arc<Counters>,
        queue: rtrb::Consumer<Reported>,
        (label, capture): (String, bool),
    ) -> Result<Running, DeviceError> {
        let stream = built.map_err(|e| translate(e, &self.name, self.is_default))?;
        stream
            .play()
            .map_err(|e| translate(e, &self.name, self.is_default))?;
        Ok(Running::new(
            stream,
            counters,
            queue,
            (label, capture),
            self.is_default,
            self.choice.rate,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(ch: u16, lo: u32, hi: u32, f: SampleFormat) -> SupportedStreamConfigRange {
        SupportedStreamConfigRange::new(
            ch,
            lo,
            hi,
            SupportedBufferSize::Range { min: 64, max: 8192 },
            f,
        )
    }

    #[test]
    fn prefers_file_rate_then_48k_then_default() {
        let r = [range(2, 8000, 192_000, SampleFormat::F32)];
        assert_eq!(
            choose_config(&r, 44_100, None, 512).map(|c| c.rate),
            Some(44_100)
        );
        let r = [range(2, 48_000, 48_000, SampleFormat::F32)];
        assert_eq!(
            choose_config(&r, 44_100, None, 512).map(|c| c.rate),
            Some(48_000)
        );
        let r = [range(2, 32_000, 44_100, SampleFormat::F32)];
        assert_eq!(
            choose_config(&r, 96_000, Some(32_000), 512).map(|c| c.rate),
            Some(32_000)
        );
        assert_eq!(
            choose_config(&r, 96_000, None, 512).map(|c| c.rate),
            Some(44_100)
        );
    }

    #[test]
    fn prefers_f32_stereo_and_a_512_frame_period() {
        let r = [
            range(1, 48_000, 48_000, SampleFormat::F32),
            range(2, 48_000, 48_000, SampleFormat::I16),
            range(2, 48_000, 48_000, SampleFormat::F32),
            range(2, 48_000, 48_000, SampleFormat::I32),
        ];
        let c = choose_config(&r, 48_000, None, 512).unwrap();
        assert_eq!((c.format, c.channels), (SampleFormat::F32, 2));
        assert_eq!(c.buffer_frames, Some(512));
        // Without f32, i32 beats i16; stereo i16 beats mono f32.
        let c = choose_config(&r[..2], 48_000, None, 512).unwrap();
        assert_eq!((c.format, c.channels), (SampleFormat::I16, 2));
        let c = choose_config(&[r[1], r[3]], 48_000, None, 512).unwrap();
        assert_eq!(c.format, SampleFormat::I32);
    }

    #[test]
    fn rate_match_outranks_format_and_unusable_formats_are_skipped() {
        let r = [
            range(2, 44_100, 44_100, SampleFormat::I16),
            range(2, 22_050, 22_050, SampleFormat::F32),
            range(2, 44_100, 44_100, SampleFormat::U8),
        ];
        let c = choose_config(&r, 44_100, None, 512).unwrap();
        assert_eq!((c.format, c.rate), (SampleFormat::I16, 44_100));
        assert_eq!(choose_config(&r[2..], 44_100, None, 512), None);
        assert_eq!(choose_config(&[], 44_100, None, 512), None);
    }

    #[test]
    fn buffer_is_clamped_into_the_supported_range_or_left_to_the_backend() {
        let mk = |b| SupportedStreamConfigRange::new(2, 48_000, 48_000, b, SampleFormat::F32);
        let big = [mk(SupportedBufferSize::Range {
            min: 1024,
            max: 4096,
        })];
        assert_eq!(
            choose_config(&big, 48_000, None, 512)
                .unwrap()
                .buffer_frames,
            Some(1024)
        );
        let small = [mk(SupportedBufferSize::Range { min: 16, max: 256 })];
        assert_eq!(
            choose_config(&small, 48_000, None, 512)
                .unwrap()
                .buffer_frames,
            Some(256)
        );
        let unknown = [mk(SupportedBufferSize::Unknown)];
        assert_eq!(
            choose_config(&unknown, 48_000, None, 512)
                .unwrap()
                .buffer_frames,
            None
        );
    }
}

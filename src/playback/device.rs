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
//! do, but so is a switch that lags: the bar is 100 ms from key press to sound. 2048 gives ~95 ms
//! (one 28 ms period waiting for the next callback + ~65 ms in the device), too close; 1024 gives
//! ~45 ms and stays clean unless the machine is heavily overloaded, so 1024 is the default.
//! [`open_with_period`] trades latency for robustness.

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{
    BufferSize, ErrorKind, OutputCallbackInfo, SampleFormat, SizedSample, StreamConfig,
    SupportedBufferSize, SupportedStreamConfigRange,
};
use serde::Serialize;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The period we ask for when the device allows it (frames per callback; see the module docs).
pub const PREFERRED_BUFFER_FRAMES: u32 = 1024;
/// The rate we fall back to when the file's rate is not supported (the common native rate).
pub const FALLBACK_RATE: u32 = 48_000;
/// Frames rendered per `render` call when the device needs a format conversion; a larger
/// callback is served in several chunks, so no callback size can outgrow the scratch buffer.
const SCRATCH_FRAMES: usize = 4096;

/// What went wrong with the audio device, phrased so the user knows what to try next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceError {
    #[error(
        "no audio output device found; on a headless machine there is no sound card — try \
         `iemsim export` to write WAVs instead, or start PulseAudio"
    )]
    NoDevice,
    #[error(
        "no audio output device matches \"{name}\"; available: {} (see `iemsim devices`)",
        list_or_none(available)
    )]
    NotFound {
        name: String,
        available: Vec<String>,
    },
    #[error(
        "audio device \"{device}\" is busy (another program holds it); close that program or pick \
         another device with --device"
    )]
    Busy { device: String },
    #[error(
        "audio device \"{device}\" offers no usable output format ({detail}); pick another device \
         with --device (see `iemsim devices`)"
    )]
    UnsupportedConfig { device: String, detail: String },
    #[error(
        "audio device \"{device}\" stopped working ({detail}); it may have been unplugged or its \
         sound server stopped — check it and try again"
    )]
    Lost { device: String, detail: String },
    #[error("audio device error: {detail}")]
    Other { detail: String },
}

fn list_or_none(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

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

/// Counters the audio thread keeps, readable at any time without stopping it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeviceStats {
    /// Data callbacks so far.
    pub callbacks: u64,
    /// Frames handed to the device so far (the device consumed them, or holds them in its buffer).
    pub frames: u64,
    /// Largest callback seen, in frames.
    pub max_callback_frames: u64,
    /// Buffer underruns the backend reported (audible glitches).
    pub xruns: u64,
    /// Latest predicted delay between the callback and the sound leaving the device, µs
    /// (0 when the backend gives no timestamp).
    pub latency_us: u64,
    /// The audio thread got real-time scheduling (see `promote_this_thread`).
    pub realtime: bool,
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

/// A device with a chosen stream format, not playing yet.
pub struct Output {
    device: cpal::Device,
    name: String,
    is_default: bool,
    choice: Choice,
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Output")
            .field("name", &self.name)
            .field("is_default", &self.is_default)
            .field("choice", &self.choice)
            .finish()
    }
}

/// Lists the output devices of the default host. Devices that cannot report a format (e.g. the
/// ALSA `default` on a machine without a sound card) are left out, and so are [`NOT_LISTED`];
/// none left means [`DeviceError::NoDevice`].
pub fn list_devices() -> Result<Vec<DeviceInfo>, DeviceError> {
    let _quiet = alsa_quiet::Guard::new();
    let host = cpal::default_host();
    let default_id = host.default_output_device().map(|d| device_id(&d));
    let devices = host
        .output_devices()
        .map_err(|e| translate(e, "default", true))?;
    let mut out = Vec::new();
    for d in devices {
        let id = device_id(&d);
        if NOT_LISTED.contains(&id.as_str()) {
            continue;
        }
        let Ok(ranges) = d.supported_output_configs() else {
            continue;
        };
        let ranges: Vec<SupportedStreamConfigRange> = ranges.collect();
        if ranges.is_empty() {
            continue;
        }
        let is_default = default_id.as_deref() == Some(id.as_str());
        out.push(describe(&d, is_default, &ranges));
    }
    if out.is_empty() {
        return Err(DeviceError::NoDevice);
    }
    Ok(out)
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
    let _quiet = alsa_quiet::Guard::new();
    let host = cpal::default_host();
    let (device, is_default) = match name {
        None => (
            host.default_output_device().ok_or(DeviceError::NoDevice)?,
            true,
        ),
        Some(wanted) => {
            let devices: Vec<cpal::Device> = host
                .output_devices()
                .map_err(|e| translate(e, wanted, false))?
                .collect();
            let needle = wanted.to_lowercase();
            // The exact id first ("pulse" must not pick "pulse_monitor"), then any substring
            // of the id or the description.
            let found = devices
                .iter()
                .position(|d| device_id(d).to_lowercase() == needle)
                .or_else(|| {
                    devices.iter().position(|d| {
                        device_id(d).to_lowercase().contains(&needle)
                            || device_description(d).to_lowercase().contains(&needle)
                    })
                });
            match found {
                Some(i) => {
                    let default_id = host.default_output_device().map(|d| device_id(&d));
                    let d = devices.into_iter().nth(i).ok_or(DeviceError::NoDevice)?;
                    let is_default = default_id.as_deref() == Some(device_id(&d).as_str());
                    (d, is_default)
                }
                None => {
                    return Err(DeviceError::NotFound {
                        name: wanted.to_string(),
                        // What `iemsim devices` shows (devices that answer), not every ALSA
                        // plugin name.
                        available: list_devices()
                            .map(|l| l.into_iter().map(|d| d.name).collect())
                            .unwrap_or_default(),
                    });
                }
            }
        }
    };
    let name = device_id(&device);
    let ranges: Vec<SupportedStreamConfigRange> = device
        .supported_output_configs()
        .map_err(|e| translate(e, &name, is_default))?
        .collect();
    let default_rate = device.default_output_config().ok().map(|c| c.sample_rate());
    let choice =
        choose_config(&ranges, want_rate, default_rate, period_frames).ok_or_else(|| {
            DeviceError::UnsupportedConfig {
                device: name.clone(),
                detail: format!(
                    "it offers {}; iemsim needs f32, i32 or i16 samples",
                    describe(&device, is_default, &ranges).formats.join(", ")
                ),
            }
        })?;
    Ok(Output {
        device,
        name,
        is_default,
        choice,
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

/// Maps a cpal error to ours. `is_default`: on a machine without a sound card the default ALSA
/// device still exists by name (`default` → card 0) but cannot open: that is "no device", not a
/// device that was lost.
fn translate(e: cpal::Error, device: &str, is_default: bool) -> DeviceError {
    let detail = e.to_string();
    match e.kind() {
        ErrorKind::HostUnavailable => DeviceError::NoDevice,
        ErrorKind::DeviceNotAvailable if is_default => DeviceError::NoDevice,
        ErrorKind::DeviceNotAvailable | ErrorKind::StreamInvalidated => DeviceError::Lost {
            device: device.to_string(),
            detail,
        },
        ErrorKind::DeviceBusy => DeviceError::Busy {
            device: device.to_string(),
        },
        ErrorKind::UnsupportedConfig | ErrorKind::UnsupportedOperation => {
            DeviceError::UnsupportedConfig {
                device: device.to_string(),
                detail,
            }
        }
        _ => DeviceError::Other {
            detail: format!("{device}: {detail}"),
        },
    }
}

impl Output {
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

    /// Starts playing: `render` is called on the audio thread with an interleaved buffer of
    /// `channels()` × n frames to fill completely. It must not block or allocate. Audio stops
    /// when the returned [`Running`] is dropped.
    pub fn start(
        self,
        render: impl FnMut(&mut [f32]) + Send + 'static,
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
        let channels = usize::from(self.choice.channels);
        let stats = Arc::clone(&counters);
        let built = match self.choice.format {
            SampleFormat::F32 => {
                let mut render = render;
                self.device.build_output_stream::<f32, _, _>(
                    config,
                    move |data: &mut [f32], info: &OutputCallbackInfo| {
                        stats.record(data.len() / channels, info);
                        render(data);
                    },
                    err_cb,
                    None,
                )
            }
            SampleFormat::I32 => self.device.build_output_stream::<i32, _, _>(
                config,
                converting(channels, stats, render, f32_to_i32),
                err_cb,
                None,
            ),
            SampleFormat::I16 => self.device.build_output_stream::<i16, _, _>(
                config,
                converting(channels, stats, render, f32_to_i16),
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
        let period = stream.buffer_size().ok();
        Ok(Running {
            stream,
            counters,
            watch: Mutex::new(Watch {
                queue: consumer,
                fatal: None,
                suspect: None,
                last_callbacks: 0,
                last_progress: Instant::now(),
                paused: false,
            }),
            name: self.name,
            is_default: self.is_default,
            period,
            rate: self.choice.rate,
        })
    }
}

/// How long the callbacks may stop after a non-fatal-looking backend error before we call the
/// device lost (e.g. the PulseAudio sink vanished: ALSA reports an xrun, then `snd_pcm_prepare`
/// fails with EIO, and no callback comes again).
const STALL_AFTER_ERROR: Duration = Duration::from_secs(1);
/// How long the callbacks may stop with no error at all (a frozen server) before we give up.
const STALL: Duration = Duration::from_secs(2);

/// A playing stream. Keep it alive while audio should play; dropping it stops the sound at once
/// (so keep it [`Running::tail`] past the last sample you care about: the device still holds a
/// buffer).
pub struct Running {
    stream: cpal::Stream,
    counters: Arc<Counters>,
    watch: Mutex<Watch>,
    name: String,
    is_default: bool,
    period: Option<u32>,
    rate: u32,
}

/// Main-thread side of the error channel (the lock is never taken by the audio thread).
struct Watch {
    queue: rtrb::Consumer<Reported>,
    fatal: Option<DeviceError>,
    /// A backend error that is fatal only if the callbacks do not resume after it:
    /// (error, callbacks seen when it happened, when `error()` first saw it).
    suspect: Option<(cpal::Error, u64, Instant)>,
    last_callbacks: u64,
    last_progress: Instant,
    paused: bool,
}

/// An error from the stream thread, with the callback count at that moment.
struct Reported {
    error: cpal::Error,
    callbacks: u64,
}

impl Running {
    /// The first fatal error of the stream (sticky), e.g. the device vanished mid-play. Call it
    /// regularly (every ~50–100 ms): besides the errors cpal reports, it notices a stream whose
    /// callbacks stopped, which is how a lost PulseAudio device shows through ALSA. Underruns
    /// and errors the stream recovers from are not fatal (underruns: [`DeviceStats::xruns`]).
    pub fn error(&self) -> Option<DeviceError> {
        let mut w = match self.watch.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if w.fatal.is_some() {
            return w.fatal.clone();
        }
        let now = Instant::now();
        while let Ok(r) = w.queue.pop() {
            match r.error.kind() {
                ErrorKind::DeviceNotAvailable
                | ErrorKind::HostUnavailable
                | ErrorKind::StreamInvalidated
                | ErrorKind::PermissionDenied => {
                    // The default device that never produced a callback never existed (headless).
                    let never_ran = r.callbacks == 0;
                    w.fatal = Some(translate(r.error, &self.name, self.is_default && never_ran));
                    return w.fatal.clone();
                }
                _ => {
                    if w.suspect.is_none() {
                        w.suspect = Some((r.error, r.callbacks, now));
                    }
                }
            }
        }
        let callbacks = self.counters.callbacks.load(Ordering::Acquire);
        if callbacks != w.last_callbacks {
            w.last_callbacks = callbacks;
            w.last_progress = now;
        }
        // Two callbacks after the error: the stream recovered, it was a glitch.
        if matches!(&w.suspect, Some((_, at, _)) if callbacks > at + 1) {
            w.suspect = None;
        }
        if w.paused {
            return None;
        }
        let lost = |detail: String| DeviceError::Lost {
            device: self.name.clone(),
            detail,
        };
        if let Some((e, _, seen)) = &w.suspect {
            if now.duration_since(*seen) >= STALL_AFTER_ERROR
                && now.duration_since(w.last_progress) >= STALL_AFTER_ERROR
            {
                w.fatal = Some(lost(e.to_string()));
            }
        } else if now.duration_since(w.last_progress) >= STALL {
            w.fatal = Some(lost(format!(
                "it stopped asking for audio {} s ago",
                STALL.as_secs()
            )));
        }
        w.fatal.clone()
    }

    pub fn stats(&self) -> DeviceStats {
        self.counters.snapshot()
    }

    /// The period the backend actually granted (frames per callback), when it tells.
    pub fn buffer_frames(&self) -> Option<u32> {
        self.period
    }

    /// How long to keep this alive after the callback that rendered the last sample you want
    /// heard: the device's reported latency or, if it reports none, a 2-period ring — plus 50 ms.
    pub fn tail(&self) -> Duration {
        let reported = Duration::from_micros(self.counters.latency_us.load(Ordering::Relaxed));
        let ring = Duration::from_secs_f64(
            2.0 * f64::from(self.period.unwrap_or(PREFERRED_BUFFER_FRAMES))
                / f64::from(self.rate.max(1)),
        );
        reported.max(ring) + Duration::from_millis(50)
    }

    pub fn device_name(&self) -> &str {
        &self.name
    }

    /// Pauses the stream (cpal `pause`); while paused, a stall is not an error.
    pub fn pause(&self) -> Result<(), DeviceError> {
        self.set_paused(true);
        self.stream
            .pause()
            .map_err(|e| translate(e, &self.name, false))
    }

    /// Resumes after [`Running::pause`].
    pub fn resume(&self) -> Result<(), DeviceError> {
        self.stream
            .play()
            .map_err(|e| translate(e, &self.name, false))?;
        self.set_paused(false);
        Ok(())
    }

    fn set_paused(&self, paused: bool) {
        let mut w = match self.watch.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        w.paused = paused;
        w.last_progress = Instant::now();
    }
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running")
            .field("name", &self.name)
            .field("stats", &self.stats())
            .finish()
    }
}

#[derive(Default)]
struct Counters {
    callbacks: AtomicU64,
    frames: AtomicU64,
    max_callback_frames: AtomicU64,
    xruns: AtomicU64,
    latency_us: AtomicU64,
    realtime: AtomicBool,
}

impl Counters {
    /// Audio thread: relaxed atomics only (wait-free), plus one syscall on the first callback.
    fn record(&self, frames: usize, info: &OutputCallbackInfo) {
        if self.callbacks.load(Ordering::Relaxed) == 0 {
            self.realtime
                .store(promote_this_thread(), Ordering::Relaxed);
        }
        let n = frames as u64;
        self.frames.fetch_add(n, Ordering::Relaxed);
        self.max_callback_frames.fetch_max(n, Ordering::Relaxed);
        let ts = info.timestamp();
        if let Some(d) = ts.playback.checked_duration_since(ts.callback) {
            self.latency_us.store(
                d.as_micros().min(u128::from(u64::MAX)) as u64,
                Ordering::Relaxed,
            );
        }
        // Last, so a reader that sees the callback count also sees its frames.
        self.callbacks.fetch_add(1, Ordering::Release);
    }

    fn snapshot(&self) -> DeviceStats {
        let callbacks = self.callbacks.load(Ordering::Acquire);
        DeviceStats {
            callbacks,
            frames: self.frames.load(Ordering::Relaxed),
            max_callback_frames: self.max_callback_frames.load(Ordering::Relaxed),
            xruns: self.xruns.load(Ordering::Relaxed),
            latency_us: self.latency_us.load(Ordering::Relaxed),
            realtime: self.realtime.load(Ordering::Relaxed),
        }
    }
}

/// Asks for real-time round-robin scheduling for the calling (audio) thread, just below
/// PulseAudio's own (SCHED_RR 5), as JACK and cpal's optional `realtime` feature do: on a busy
/// CPU a normal-priority thread can miss the refill deadline of a short ring. Needs permission
/// (root, CAP_SYS_NICE, or an RLIMIT_RTPRIO such as the `audio` group's); without it nothing
/// changes and `DeviceStats::realtime` stays false.
#[cfg(target_os = "linux")]
fn promote_this_thread() -> bool {
    let param = libc::sched_param { sched_priority: 4 };
    // SAFETY: pid 0 = the calling thread; `param` is a valid sched_param for SCHED_RR.
    unsafe { libc::sched_setscheduler(0, libc::SCHED_RR, &param) == 0 }
}

#[cfg(not(target_os = "linux"))]
fn promote_this_thread() -> bool {
    false
}

/// Error callback (stream thread): count underruns, queue everything fatal, never print.
fn error_callback(
    counters: Arc<Counters>,
    mut queue: rtrb::Producer<Reported>,
) -> impl FnMut(cpal::Error) + Send + 'static {
    move |e: cpal::Error| match e.kind() {
        ErrorKind::Xrun => {
            counters.xruns.fetch_add(1, Ordering::Relaxed);
        }
        // Informational: the stream keeps running.
        ErrorKind::RealtimeDenied | ErrorKind::DeviceChanged => {}
        _ => {
            // Full queue: the first errors are already there, the later ones add nothing.
            let _ = queue.push(Reported {
                error: e,
                callbacks: counters.callbacks.load(Ordering::Acquire),
            });
        }
    }
}

/// Data callback for a device that does not take f32: render into pre-allocated f32 scratch
/// (in chunks if the callback is larger than it), then convert.
fn converting<T: SizedSample + Send + 'static>(
    channels: usize,
    counters: Arc<Counters>,
    mut render: impl FnMut(&mut [f32]) + Send + 'static,
    convert: fn(f32) -> T,
) -> impl FnMut(&mut [T], &OutputCallbackInfo) + Send + 'static {
    let mut scratch = vec![0.0f32; SCRATCH_FRAMES * channels.max(1)];
    move |data: &mut [T], info: &OutputCallbackInfo| {
        counters.record(data.len() / channels.max(1), info);
        for out in data.chunks_mut(scratch.len()) {
            let buf = &mut scratch[..out.len()];
            render(buf);
            for (o, &x) in out.iter_mut().zip(buf.iter()) {
                *o = convert(x);
            }
        }
    }
}

/// Full scale is 2^31 − 1; `as` saturates out-of-range values and maps NaN to 0 (no panic).
fn f32_to_i32(x: f32) -> i32 {
    (f64::from(x) * f64::from(i32::MAX)).round() as i32
}

fn f32_to_i16(x: f32) -> i16 {
    (x * f32::from(i16::MAX)).round() as i16
}

/// alsa-lib prints its complaints ("ALSA lib confmisc.c: cannot find card '0'", ...) straight to
/// stderr while we probe devices. The errors reach us as return values anyway, so while a
/// `Guard` lives, alsa-lib's thread-local error handler (`snd_lib_error_set_local`, alsa-lib ≥
/// 1.1.6) drops the text on this thread.
#[cfg(target_os = "linux")]
mod alsa_quiet {
    use std::ffi::{c_char, c_int, c_void};

    type LocalHandler = Option<
        unsafe extern "C" fn(
            *const c_char,
            c_int,
            *const c_char,
            c_int,
            *const c_char,
            *mut c_void,
        ),
    >;

    #[link(name = "asound")]
    extern "C" {
        fn snd_lib_error_set_local(func: LocalHandler) -> LocalHandler;
    }

    unsafe extern "C" fn swallow(
        _file: *const c_char,
        _line: c_int,
        _func: *const c_char,
        _err: c_int,
        _fmt: *const c_char,
        _args: *mut c_void,
    ) {
    }

    pub struct Guard(LocalHandler);

    impl Guard {
        pub fn new() -> Self {
            // SAFETY: sets a thread-local function pointer; `swallow` matches
            // snd_local_error_handler_t (va_list is passed as a pointer on Linux ABIs) and
            // ignores every argument.
            Guard(unsafe { snd_lib_error_set_local(Some(swallow)) })
        }
    }

    impl Drop for Guard {
        fn drop(&mut self) {
            // SAFETY: restores the handler that was installed before (usually none).
            unsafe {
                snd_lib_error_set_local(self.0);
            }
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod alsa_quiet {
    pub struct Guard;
    impl Guard {
        pub fn new() -> Self {
            Guard
        }
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

    #[test]
    fn integer_conversion_saturates_and_rounds() {
        assert_eq!(f32_to_i16(1.0), i16::MAX);
        assert_eq!(f32_to_i16(-2.0), i16::MIN);
        assert_eq!(f32_to_i16(f32::NAN), 0);
        assert_eq!(f32_to_i16(0.5), 16_384); // 16383.5 rounds away from zero
        assert_eq!(f32_to_i32(1.0), i32::MAX);
        assert_eq!(f32_to_i32(-1.5), i32::MIN);
        assert_eq!(f32_to_i32(0.25), 536_870_912); // 2^31 − 1 over 4, rounded
    }

    #[test]
    fn integer_devices_get_the_rendered_stream_converted_in_scratch_sized_chunks() {
        use cpal::{OutputStreamTimestamp, StreamInstant};
        let counters = Arc::new(Counters::default());
        let mut next = 0u32;
        // A ramp, so any reordering, gap or repeat between chunks shows.
        let render = move |buf: &mut [f32]| {
            for f in buf.chunks_mut(2) {
                let x = (next % 1000) as f32 / 1000.0;
                f[0] = x;
                f[1] = -x;
                next += 1;
            }
        };
        let mut cb = converting(2, Arc::clone(&counters), render, f32_to_i16);
        let t = StreamInstant::new(1, 0);
        let info = OutputCallbackInfo::new(OutputStreamTimestamp {
            callback: t,
            playback: StreamInstant::new(1, 20_000_000),
        });
        let frames = SCRATCH_FRAMES * 2 + 123; // three chunks
        let mut data = vec![0i16; frames * 2];
        cb(&mut data, &info);
        for (i, f) in data.chunks(2).enumerate() {
            let x = (i % 1000) as f32 / 1000.0;
            assert_eq!((f[0], f[1]), (f32_to_i16(x), f32_to_i16(-x)), "frame {i}");
        }
        let st = counters.snapshot();
        assert_eq!((st.callbacks, st.frames), (1, frames as u64));
        assert_eq!(st.max_callback_frames, frames as u64);
        assert_eq!(st.latency_us, 20_000);
    }

    #[test]
    fn messages_say_what_to_try() {
        let m = DeviceError::NoDevice.to_string();
        assert!(
            m.contains("iemsim export") && m.contains("PulseAudio"),
            "{m}"
        );
        let m = DeviceError::NotFound {
            name: "usb".into(),
            available: vec!["default".into(), "pulse".into()],
        }
        .to_string();
        assert!(m.contains("\"usb\"") && m.contains("default, pulse"), "{m}");
        let e = cpal::Error::new(ErrorKind::DeviceNotAvailable);
        assert_eq!(translate(e.clone(), "default", true), DeviceError::NoDevice);
        assert!(matches!(
            translate(e, "usb", false),
            DeviceError::Lost { .. }
        ));
    }
}

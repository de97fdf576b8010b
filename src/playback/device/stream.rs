//! The playing stream: [`Output::start`], the audio-thread callbacks and the main-thread watch
//! that turns backend errors and stalls into [`DeviceError`]s. Separate from device selection
//! because everything here runs under the real-time rules (see the parent module's docs).

use super::alsa_quiet;
use super::error::translate;
use super::{DeviceError, Output, PREFERRED_BUFFER_FRAMES};
use crate::dsp::dither;
use cpal::traits::{DeviceTrait, StreamTrait};
use cpal::{ErrorKind, OutputCallbackInfo, SampleFormat, SizedSample};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::*};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Frames rendered per `render` call when the device needs a format conversion; a larger
/// callback is served in several chunks, so no callback size can outgrow the scratch buffer.
const SCRATCH_FRAMES: usize = 4096;

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
    /// Whether the audio thread runs at real-time priority (see [`Realtime`]).
    pub realtime: Realtime,
}

/// The audio thread's priority. cpal asks for real-time scheduling itself (its `realtime`
/// feature, through `audio_thread_priority`: RLIMIT_RTPRIO or rtkit) on a device it drives
/// directly; it does not on a sound server's ALSA plugin (PulseAudio, PipeWire), whose own thread
/// is the real-time one: a real-time client of it risks priority inversion and SIGXCPU.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Realtime {
    /// No callback yet.
    #[default]
    Unknown,
    Granted,
    /// Asked for and refused (no CAP_SYS_NICE, RLIMIT_RTPRIO or rtkit): underruns are likelier
    /// on a busy machine.
    Denied,
    /// Not asked for: the device is a sound server's, which schedules the audio itself.
    NotRequested,
}

impl Realtime {
    /// What to tell the listener, when there is something to tell.
    pub fn note(self) -> Option<&'static str> {
        (self == Self::Denied).then_some(
            "real-time priority for the audio thread was not granted (it needs CAP_SYS_NICE, an \
             RLIMIT_RTPRIO such as the audio group's, or rtkit): underruns are likelier on a busy \
             machine; --buffer 4096 helps",
        )
    }
}

impl Output {
    /// Starts playing: `render` is called on the audio thread with an interleaved buffer of
    /// `channels()` × n frames to fill completely. It must not block or allocate. Audio stops
    /// when the returned [`Running`] is dropped.
    pub fn start(
        self,
        render: impl FnMut(&mut [f32]) + Send + 'static,
    ) -> Result<Running, DeviceError> {
        let _quiet = alsa_quiet::Guard::new();
        let (config, counters, queue, err_cb) = self.stream_parts();
        let channels = usize::from(self.choice.channels);
        let stats = Arc::clone(&counters);
        let device = &self.device;
        let built = match self.choice.format {
            SampleFormat::F32 => {
                let mut render = render;
                device.build_output_stream::<f32, _, _>(
                    config,
                    move |data: &mut [f32], info: &OutputCallbackInfo| {
                        stats.record(data.len() / channels, info);
                        render(data);
                    },
                    err_cb,
                    None,
                )
            }
            SampleFormat::I32 => device.build_output_stream::<i32, _, _>(
                config,
                converting(channels, stats, render, f32_to_i32),
                err_cb,
                None,
            ),
            SampleFormat::I16 => device.build_output_stream::<i16, _, _>(
                config,
                converting(channels, stats, render, f32_to_i16),
                err_cb,
                None,
            ),
            other => return Err(self.unsupported(other)),
        };
        self.play(built, counters, queue, (self.name.clone(), false))
    }
}

impl Running {
    /// Wraps a started stream (output here, capture in `input.rs`) with its counters and the
    /// queue its error callback writes to.
    pub(super) fn new(
        stream: cpal::Stream,
        counters: Arc<Counters>,
        queue: rtrb::Consumer<Reported>,
        (name, capture): (String, bool),
        is_default: bool,
        rate: u32,
    ) -> Self {
        let period = stream.buffer_size().ok();
        Running {
            _stream: stream,
            counters,
            watch: Mutex::new(Watch {
                queue,
                fatal: None,
                suspect: None,
                last_callbacks: 0,
                last_progress: Instant::now(),
            }),
            name,
            capture,
            is_default,
            period,
            rate,
        }
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
    /// Held, never read: the sound stops when it drops.
    _stream: cpal::Stream,
    counters: Arc<Counters>,
    watch: Mutex<Watch>,
    name: String,
    /// A capture stream (its device delivers audio rather than asks for it).
    capture: bool,
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
}

/// An error from the stream thread, with the callback count at that moment.
pub(super) struct Reported {
    error: cpal::Error,
    callbacks: u64,
}

impl Running {
    /// The first fatal error of the stream (sticky), e.g. the device vanished mid-play. Call it
    /// regularly (every ~50–100 ms): besides the errors cpal reports, it notices a stream whose
    /// callbacks stopped, which is how a lost PulseAudio device shows through ALSA. Underruns
    /// and errors the stream recovers from are not fatal (underruns: [`DeviceStats::xruns`]).
    pub fn error(&self) -> Option<DeviceError> {
        let mut w = crate::io::lock(&self.watch);
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
        let callbacks = self.counters.callbacks.load(Acquire);
        if callbacks != w.last_callbacks {
            w.last_callbacks = callbacks;
            w.last_progress = now;
        }
        // Two callbacks after the error: the stream recovered, it was a glitch.
        if matches!(&w.suspect, Some((_, at, _)) if callbacks > at + 1) {
            w.suspect = None;
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
            let stopped = match self.capture {
                true => "delivering",
                false => "asking for",
            };
            w.fatal = Some(lost(format!(
                "it stopped {stopped} audio {} s ago",
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
    /// heard: the device's reported latency (to that callback's first frame) or, if it reports
    /// none, a 2-period ring — plus the period itself, the callback's last frame being heard a
    /// period after its first (without it a stop at 8 kHz through PulseAudio cut the last
    /// 0.15 s), plus 50 ms.
    pub fn tail(&self) -> Duration {
        let reported = Duration::from_micros(self.counters.latency_us.load(Relaxed));
        let period = Duration::from_secs_f64(
            f64::from(self.period.unwrap_or(PREFERRED_BUFFER_FRAMES)) / f64::from(self.rate.max(1)),
        );
        reported.max(2 * period) + period + Duration::from_millis(50)
    }

    pub fn device_name(&self) -> &str {
        &self.name
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
pub(super) struct Counters {
    callbacks: AtomicU64,
    frames: AtomicU64,
    max_callback_frames: AtomicU64,
    xruns: AtomicU64,
    latency_us: AtomicU64,
    /// The audio thread's scheduling policy is a real-time one (read on the first callback).
    realtime: AtomicBool,
    /// cpal reported `RealtimeDenied` (before the first callback, on the audio thread).
    realtime_denied: AtomicBool,
}

impl Counters {
    /// Audio thread: relaxed atomics only (wait-free), plus one syscall on the first callback
    /// (reading the priority cpal gave the thread before its first callback).
    fn record(&self, frames: usize, info: &OutputCallbackInfo) {
        let ts = info.timestamp();
        self.record_frames(frames, ts.playback.checked_duration_since(ts.callback));
    }

    /// [`Counters::record`] for any stream: `delay` is the time between the callback and the
    /// sound leaving (output) or being captured by (input) the device, when the backend tells.
    pub(super) fn record_frames(&self, frames: usize, delay: Option<Duration>) {
        if self.callbacks.load(Relaxed) == 0 {
            self.realtime.store(this_thread_is_realtime(), Relaxed);
        }
        let n = frames as u64;
        self.frames.fetch_add(n, Relaxed);
        self.max_callback_frames.fetch_max(n, Relaxed);
        if let Some(d) = delay {
            self.latency_us
                .store(d.as_micros().min(u128::from(u64::MAX)) as u64, Relaxed);
        }
        // Last, so a reader that sees the callback count also sees its frames.
        self.callbacks.fetch_add(1, Release);
    }

    fn snapshot(&self) -> DeviceStats {
        let callbacks = self.callbacks.load(Acquire);
        DeviceStats {
            callbacks,
            frames: self.frames.load(Relaxed),
            max_callback_frames: self.max_callback_frames.load(Relaxed),
            xruns: self.xruns.load(Relaxed),
            latency_us: self.latency_us.load(Relaxed),
            realtime: if self.realtime_denied.load(Relaxed) {
                Realtime::Denied
            } else if self.callbacks.load(Relaxed) == 0 {
                Realtime::Unknown
            } else if self.realtime.load(Relaxed) {
                Realtime::Granted
            } else {
                Realtime::NotRequested
            },
        }
    }
}

/// Whether the calling (audio) thread has a real-time scheduling policy, as cpal's `realtime`
/// feature sets it (the project no longer calls `sched_setscheduler` itself: that failed silently
/// without CAP_SYS_NICE, and made a sound server's client real-time, which cpal avoids).
#[cfg(target_os = "linux")]
fn this_thread_is_realtime() -> bool {
    // SAFETY: pid 0 = the calling thread; sched_getscheduler has no other input.
    let policy = unsafe { libc::sched_getscheduler(0) };
    policy == libc::SCHED_FIFO || policy == libc::SCHED_RR
}

#[cfg(not(target_os = "linux"))]
fn this_thread_is_realtime() -> bool {
    false
}

/// Error callback (stream thread): count underruns, queue everything fatal, never print.
pub(super) fn error_callback(
    counters: Arc<Counters>,
    mut queue: rtrb::Producer<Reported>,
) -> impl FnMut(cpal::Error) + Send + 'static {
    move |e: cpal::Error| match e.kind() {
        ErrorKind::Xrun => {
            counters.xruns.fetch_add(1, Relaxed);
        }
        // Informational: the stream keeps running.
        ErrorKind::RealtimeDenied => counters.realtime_denied.store(true, Relaxed),
        ErrorKind::DeviceChanged => {}
        _ => {
            // Full queue: the first errors are already there, the later ones add nothing.
            let _ = queue.push(Reported {
                error: e,
                callbacks: counters.callbacks.load(Acquire),
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

/// The files' convention ([`dither::to_int`]: full scale 2^31, clamped, NaN → 0), so a device and
/// an exported file get the same integers.
fn f32_to_i32(x: f32) -> i32 {
    dither::to_int(f64::from(x), 32)
}

/// As [`f32_to_i32`], full scale 2^15.
fn f32_to_i16(x: f32) -> i16 {
    // In range by construction: to_int clamps to [−2^15, 2^15 − 1].
    dither::to_int(f64::from(x), 16) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_conversion_saturates_and_rounds() {
        // Full scale 2^15 / 2^31 as WAV defines it: −1.0 is the most negative integer (the old
        // 2^15 − 1 scaling gave −32767 here), +1.0 clamps to the largest.
        assert_eq!(f32_to_i16(-1.0), i16::MIN);
        assert_eq!(f32_to_i16(1.0), i16::MAX);
        assert_eq!(f32_to_i16(-2.0), i16::MIN);
        assert_eq!(f32_to_i16(f32::NAN), 0);
        assert_eq!(f32_to_i16(0.5), 16_384); // exactly 2^14
        assert_eq!(f32_to_i16(1.5 / 32_768.0), 2); // a tie, to even (the old scaling gave 1)
        assert_eq!(f32_to_i32(-1.0), i32::MIN);
        assert_eq!(f32_to_i32(1.0), i32::MAX);
        assert_eq!(f32_to_i32(-1.5), i32::MIN);
        assert_eq!(f32_to_i32(0.25), 536_870_912); // exactly 2^29
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
}

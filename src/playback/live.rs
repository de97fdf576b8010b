//! A live A/B session (`iemsim live`): capture callback → ring → pump thread (channels, drift
//! resampling, loudness) → ring → the same [`Engine`] `play` uses on the output callback, so
//! both profiles run all the time and a switch is the same click-free crossfade.
//!
//! Both callbacks stay real-time safe: the capture callback only copies into an `rtrb` ring
//! ([`capture_into`]), the output callback is `Engine::render`; everything that allocates or
//! sleeps (resampling, metering, matching) is on the pump thread.

use super::device::{self, Running};
use super::engine::{Control, Engine, Side, SideChain};
use super::live_pump::{self, load, Pump, PumpSetup, PumpStats, SideLoad};
use super::routing;
use crate::dsp::{Preamp, Profile};
use crate::error::{Error, Result};
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering::*};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The period `live` asks the output for (frames per callback) unless `--buffer` says
/// otherwise: twice `play`'s. Through PulseAudio (whose ALSA plugin grants 2/3 of it and makes
/// the buffer 3 periods) 1024 gives our stream a 43 ms buffer on the server, and on a loaded
/// 2-core machine the server's thread and ours were both late by more than that a few times in
/// ten minutes (measured: 2 underruns in 600 s at load 5-7, `benches/live-soak.sh`; the
/// server logged an "implicit underrun" of our stream and of the app's at the same moment);
/// each one costs ALSA a new stream (the plugin's prepare), and the new stream's first
/// `snd_pcm_avail_delay` fails with EIO while the server has sent it no timing yet
/// (alsa-plugins issue #65: the plugin compares `-PA_ERR_NODATA` with `PA_ERR_NODATA`), which
/// is how a soak lost its output before. 2048 gives 85 ms. It costs no switching speed that
/// `play`'s bar (100 ms from key to sound) does not allow: a switch is the engine's crossfade at
/// the next output callback, and what is still buffered after it is the device's buffer.
pub const LIVE_PERIOD_FRAMES: u32 = 2 * device::PREFERRED_BUFFER_FRAMES;

/// What to run.
#[derive(Debug, Clone)]
pub struct LiveConfig {
    pub profiles: [Profile; 2],
    /// Capture device (`None`: the default).
    pub input: Option<String>,
    /// Output device (`None`: the default).
    pub device: Option<String>,
    pub buffer_frames: Option<u32>,
    /// The capture rate to ask for (`None`: the output's, so that only the clocks' drift is
    /// resampled). Soak runs set another (`IEMSIM_LIVE_INPUT_RATE`) to put a rate conversion
    /// on our resampler instead of the sound server's.
    pub input_rate: Option<u32>,
    pub matching: bool,
    /// Matched gains to start from (dB), e.g. where a restarted session left off; `None`: the
    /// match on pink noise.
    pub start_gain_db: Option<[f64; 2]>,
}

/// One side as the screen shows it.
#[derive(Debug, Clone, Serialize)]
pub struct LiveSide {
    pub profile: String,
    pub description: String,
    pub preamp_db: f64,
}

/// Where the input→output latency goes, each part measured while running (seconds).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Latency {
    /// Capture to the capture callback (the backend's timestamps).
    pub capture_s: f64,
    /// Mean time in the capture ring (its mean fill).
    pub capture_ring_s: f64,
    /// The resampler's group delay.
    pub resampler_s: f64,
    /// Mean time in the output ring (its mean fill, held at the target by the drift control).
    pub output_ring_s: f64,
    /// Output callback to the sound leaving the device (the backend's timestamps).
    pub output_s: f64,
    pub total_s: f64,
}

/// Underruns and overruns by where they happened (this session's, since the output started).
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Glitches {
    /// Times the output ring ran dry (the pump fell behind): the engine faded into the gap.
    pub ring_underruns: u64,
    /// Underruns the output device reported (through PulseAudio: the server's buffer for our
    /// stream ran dry, ALSA's xrun; the stream is prepared again and what it held is lost).
    pub device_underruns: u64,
    /// Capture frames lost because the capture ring or the output ring was full.
    pub lost_frames: u64,
    /// Overruns the capture device reported (its buffer overflowed before we read it).
    pub device_overruns: u64,
}

/// A running live session.
pub struct LiveSession {
    pub ctl: Arc<Control>,
    pub stats: Arc<PumpStats>,
    capture: Option<Running>,
    output: Option<Running>,
    pump: Option<JoinHandle<Result<(), String>>>,
    /// Profiles loaded while running, on their way to the pump.
    loads: mpsc::Sender<Box<SideLoad>>,
    profiles: [Profile; 2],
    /// Capture frames the callback could not store (ring full).
    capture_lost: Arc<AtomicU64>,
    pub sides: [LiveSide; 2],
    pub input_name: String,
    pub input_rate: u32,
    pub input_channels: u16,
    pub device_name: String,
    pub device_rate: u32,
    pub device_channels: u16,
    pub buffer_frames: Option<u32>,
    /// The output ring's target fill (frames at the device rate).
    pub target_fill_frames: usize,
    resampler_delay_frames: usize,
}

/// The capture callback body: copies `data` into the ring; what does not fit is counted as
/// lost (an overrun) rather than waited for. Never allocates, locks or blocks.
pub fn capture_into(
    ring: &mut rtrb::Producer<f32>,
    lost: &AtomicU64,
    channels: usize,
    data: &[f32],
) {
    let room = (ring.slots() / channels) * channels;
    let n = (data.len() / channels * channels).min(room);
    let _ = ring.push_entire_slice(&data[..n]);
    if n < data.len() {
        lost.fetch_add(((data.len() - n) / channels) as u64, Relaxed);
    }
}

/// The sizes the live path runs with, from the periods the devices granted.
struct Plan {
    in_rate: u32,
    in_ch: usize,
    out_rate: u32,
    out_ch: usize,
    out_period: usize,
    /// The output ring's target fill (frames at the output rate).
    target_fill: usize,
    out_capacity: usize,
    in_capacity: usize,
}

impl Plan {
    /// `asked`: the capture's and the output's period as asked for (used when the backend
    /// does not tell what it granted).
    fn new(input: &device::Input, output: &device::Output, asked: [u32; 2]) -> Plan {
        let (in_rate, out_rate) = (input.rate(), output.rate());
        let (in_ch, out_ch) = (
            usize::from(input.channels()).max(1),
            usize::from(output.channels()),
        );
        let fs = f64::from(out_rate);
        // Target: a period of each device, a resampler chunk, and 10 ms for the pump thread's
        // scheduling (all at the output rate).
        let to_out = |frames: u32, rate: u32| f64::from(frames) * fs / f64::from(rate);
        let in_period = input.buffer_frames().unwrap_or(asked[0]);
        let out_period = output.buffer_frames().unwrap_or(asked[1]);
        let target_fill = (f64::from(out_period)
            + to_out(in_period, in_rate)
            + to_out(live_pump::CHUNK_FRAMES as u32, in_rate)
            + 0.010 * fs) as usize;
        // Both rings hold 2 s: a sound server can deliver a capture in bursts (a PulseAudio
        // null sink's monitor sends up to 2 s at once after its sink was idle), and a burst
        // that fits is trimmed by the pump's faded resync; one that overflows a ring is lost
        // unfaded (an overrun).
        Plan {
            in_rate,
            in_ch,
            out_rate,
            out_ch,
            out_period: out_period as usize,
            target_fill,
            out_capacity: (target_fill * 4).max(2 * out_rate as usize) * out_ch,
            in_capacity: (in_period as usize * 4).max(2 * in_rate as usize) * in_ch,
        }
    }
}

/// Opens the output, refuses profiles its channels cannot carry, then opens the capture.
fn open_devices(cfg: &LiveConfig) -> Result<(device::Input, device::Output, Plan)> {
    let period = cfg.buffer_frames.unwrap_or(LIVE_PERIOD_FRAMES);
    let output = device::open_with_period(cfg.device.as_deref(), device::FALLBACK_RATE, period)?;
    for p in &cfg.profiles {
        p.check_channels(usize::from(output.channels()))?;
    }
    // The capture keeps `play`'s period: a late read is no xrun there (PulseAudio holds up to
    // 4 MB for a record stream and delivers it in a burst, which the rings absorb), and each
    // capture period is latency.
    let in_period = cfg.buffer_frames.unwrap_or(device::PREFERRED_BUFFER_FRAMES);
    let want_rate = cfg.input_rate.unwrap_or(output.rate());
    let input = device::open_input(cfg.input.as_deref(), want_rate, in_period)?;
    let plan = Plan::new(&input, &output, [in_period, period]);
    Ok((input, output, plan))
}

/// The stats a session starts with: the starting gains, nothing measured yet.
fn fresh_stats(start_gain_db: [f64; 2]) -> Arc<PumpStats> {
    let stats = Arc::new(PumpStats::default());
    for (i, g) in start_gain_db.iter().enumerate() {
        stats.gain_db_bits[i].store(g.to_bits(), Relaxed);
        stats.window_lufs_bits[i].store(f64::NEG_INFINITY.to_bits(), Relaxed);
        stats.momentary_lufs_bits[i].store(f64::NEG_INFINITY.to_bits(), Relaxed);
    }
    stats.ratio_bits.store(1f64.to_bits(), Relaxed);
    stats.clock_bits.store(f64::NAN.to_bits(), Relaxed);
    stats.holding.store(true, Relaxed);
    stats
}

const NO_AUDIO: &str = "is it running? (a sink's monitor delivers silence even when nothing \
                        plays, a stopped device delivers nothing)";

/// Waits until the capture delivers and the output ring holds `prefill` frames. A capture of a
/// fresh PulseAudio null sink's monitor can take ~2 s to deliver its first block (measured:
/// parecord gets nothing for 2 s either), more than the stream watch's stall limit: so the
/// first block is awaited on our own clock.
fn wait_for_input(capture: &Running, engine: &Engine, prefill: usize, name: &str) -> Result<()> {
    let silent = |s: u64| {
        let why = format!("the input \"{name}\" delivered no audio for {s} s: {NO_AUDIO}");
        Err(Error::machine(why))
    };
    let until = Instant::now() + Duration::from_secs(6);
    while capture.stats().callbacks == 0 {
        if Instant::now() > until {
            return silent(6);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let until = Instant::now() + Duration::from_secs(3);
    while engine.buffered_frames() < prefill {
        if let Some(e) = capture.error() {
            return Err(e.into());
        }
        if Instant::now() > until {
            return silent(3);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    Ok(())
}

fn live_side(p: &Profile, preamp_db: f64) -> LiveSide {
    LiveSide {
        profile: p.name.clone(),
        description: p.description.clone(),
        preamp_db,
    }
}

impl LiveSession {
    /// Opens both devices, refuses a mismatch of channels the profiles need, and starts
    /// capture, pump and output (the output once the ring holds its target fill).
    pub fn start(cfg: LiveConfig) -> Result<LiveSession> {
        let (input, output, plan) = open_devices(&cfg)?;
        let fs = f64::from(plan.out_rate);
        let preamp_db = [0, 1].map(|i| cfg.profiles[i].preamp_db(Preamp::Auto, fs));
        let start_gain_db = cfg.start_gain_db.unwrap_or_else(|| {
            live_pump::pink_prior(&cfg.profiles, plan.out_ch, plan.out_rate, preamp_db)
        });

        let ctl = Arc::new(Control::new(cfg.matching));
        let (out_tx, out_rx) = rtrb::RingBuffer::<f32>::new(plan.out_capacity);
        let (mut in_tx, in_rx) = rtrb::RingBuffer::<f32>::new(plan.in_capacity);
        let ch = plan.out_ch;
        let side = |i| SideChain::new(&cfg.profiles[i], ch, fs, start_gain_db[i], preamp_db[i]);
        let (engine, handles) = Engine::new(
            Arc::clone(&ctl),
            out_rx,
            [side(0), side(1)],
            plan.out_ch,
            plan.out_rate,
            plan.out_rate,
        );
        let pump = Pump::new(
            PumpSetup {
                in_rate: plan.in_rate,
                in_channels: plan.in_ch,
                out_rate: plan.out_rate,
                out_channels: plan.out_ch,
                target_fill: plan.target_fill,
                profiles: cfg.profiles.clone(),
                preamp_db,
                start_gain_db,
            },
            plan.out_capacity,
        )
        .map_err(Error::machine)?;
        let resampler_delay_frames = pump.delay_frames;
        let stats = fresh_stats(start_gain_db);

        let capture_lost = Arc::new(AtomicU64::new(0));
        let lost = Arc::clone(&capture_lost);
        let input_name = routing::shown_name(input.device_name(), "PULSE_SOURCE");
        let input_channels = input.channels();
        let in_ch = plan.in_ch;
        let capture =
            input.start(move |data: &[f32]| capture_into(&mut in_tx, &lost, in_ch, data))?;
        let (loads, loads_rx) = mpsc::channel();
        let pump_thread = {
            let (ctl, stats) = (Arc::clone(&ctl), Arc::clone(&stats));
            std::thread::Builder::new()
                .name("iemsim-live-pump".into())
                .spawn(move || live_pump::run(pump, in_rx, out_tx, handles, loads_rx, ctl, stats))?
        };
        // The output starts once the ring holds its target plus two periods: a starting
        // output takes about that much at once to fill its own buffer (measured through
        // PulseAudio: 3 periods of 682 frames in the first callbacks).
        let prefill = plan.target_fill + 2 * plan.out_period;
        wait_for_input(&capture, &engine, prefill, &input_name)?;
        let output = output.start(engine.into_callback(fs))?;
        // Counted from the first sound on: what the start-up lost (a null sink's monitor
        // delivers its first seconds in one burst) was never going to be heard.
        capture_lost.store(0, Relaxed);
        stats.overruns.store(0, Relaxed);
        Ok(LiveSession {
            ctl,
            stats,
            buffer_frames: output.buffer_frames(),
            device_name: routing::shown_name(output.device_name(), "PULSE_SINK"),
            capture: Some(capture),
            output: Some(output),
            pump: Some(pump_thread),
            loads,
            capture_lost,
            sides: [0, 1].map(|i| live_side(&cfg.profiles[i], preamp_db[i])),
            profiles: cfg.profiles,
            input_name,
            input_rate: plan.in_rate,
            input_channels,
            device_rate: plan.out_rate,
            device_channels: plan.out_ch as u16,
            target_fill_frames: plan.target_fill,
            resampler_delay_frames,
        })
    }

    /// Loads `profile` into the live side, click-free (it warms up muted and crossfades in), and
    /// starts matching again from the new pair's match on pink noise. The chains and that match
    /// are built here, on the calling thread; the pump swaps them in. Returns the side loaded.
    pub fn load_profile(&mut self, profile: Profile) -> Result<Side> {
        let side = self.ctl.live();
        let ch = usize::from(self.device_channels);
        profile.check_channels(ch)?;
        let mut pair = self.profiles.clone();
        pair[side.index()] = profile;
        let load = SideLoad::build(&pair, side, ch, self.device_rate);
        let preamp_db = load.preamp_db;
        self.loads
            .send(load)
            .map_err(|_| Error::machine("the live audio path stopped"))?;
        self.sides[side.index()] = live_side(&pair[side.index()], preamp_db);
        self.profiles = pair;
        Ok(side)
    }

    /// Both sides' profiles now.
    pub fn profiles(&self) -> &[Profile; 2] {
        &self.profiles
    }

    /// A device lost, or the pump stopped with an error.
    pub fn check(&mut self) -> Result<()> {
        for r in [&self.capture, &self.output].into_iter().flatten() {
            if let Some(e) = r.error() {
                return Err(e.into());
            }
        }
        if let Some(h) = self.pump.take_if(|h| h.is_finished()) {
            return Err(Error::machine(match h.join() {
                Ok(Err(e)) => e,
                Ok(Ok(())) => "the live audio path stopped".into(),
                Err(_) => "the live audio thread stopped unexpectedly".into(),
            }));
        }
        Ok(())
    }

    /// Output underruns: the ring ran dry (ours) plus those the backend reported.
    pub fn underruns(&self) -> u64 {
        let g = self.glitches();
        g.ring_underruns + g.device_underruns
    }

    /// Overruns: capture frames lost (capture ring full, output ring full) plus capture xruns
    /// the backend reported.
    pub fn overruns(&self) -> u64 {
        let g = self.glitches();
        g.lost_frames + g.device_overruns
    }

    /// Where the underruns and overruns come from.
    pub fn glitches(&self) -> Glitches {
        let xruns = |r: &Option<Running>| r.as_ref().map_or(0, |r| r.stats().xruns);
        Glitches {
            ring_underruns: self.ctl.underruns.load(Relaxed),
            device_underruns: xruns(&self.output),
            lost_frames: self.capture_lost.load(Relaxed) + self.stats.overruns.load(Relaxed),
            device_overruns: xruns(&self.capture),
        }
    }

    /// The matched gains now (dB), whether matching is on or not.
    pub fn matched_gains_db(&self) -> [f64; 2] {
        [0, 1].map(|i| load(&self.stats.gain_db_bits[i]))
    }

    /// The gains now (dB): matched (gliding) or the plain preamps.
    pub fn gains_db(&self) -> [f64; 2] {
        if self.ctl.matching() {
            self.matched_gains_db()
        } else {
            [0, 1].map(|i| self.sides[i].preamp_db)
        }
    }

    /// Both sides' loudness over the matching window at 0 dB (LUFS).
    pub fn window_lufs(&self) -> [f64; 2] {
        [0, 1].map(|i| load(&self.stats.window_lufs_bits[i]))
    }

    /// Both sides' loudness over the last 400 ms at 0 dB (LUFS).
    pub fn momentary_lufs(&self) -> [f64; 2] {
        [0, 1].map(|i| load(&self.stats.momentary_lufs_bits[i]))
    }

    /// Whether matching is holding still (silence, or not enough measured yet).
    pub fn holding(&self) -> bool {
        self.stats.holding.load(Relaxed)
    }

    /// Times the excess of a stalled output was skipped (see `live_pump`'s resync).
    pub fn resyncs(&self) -> u64 {
        self.stats.resyncs.load(Relaxed)
    }

    /// Resampling ratio relative to nominal (the drift correction).
    pub fn drift_ratio(&self) -> f64 {
        load(&self.stats.ratio_bits)
    }

    /// The clocks' drift the resampler corrects (ppm), once the correction has settled
    /// (3 minutes after the start or a resync); None before.
    pub fn clock_drift_ppm(&self) -> Option<f64> {
        let m = load(&self.stats.clock_bits);
        m.is_finite().then_some(m * 1e6)
    }

    /// The input→output latency as measured now.
    pub fn latency(&self) -> Latency {
        let us = |r: &Option<Running>| {
            r.as_ref()
                .map_or(0.0, |r| r.stats().latency_us as f64 / 1e6)
        };
        let out_rate = f64::from(self.device_rate);
        let capture_s = us(&self.capture);
        let capture_ring_s = load(&self.stats.in_fill_bits) / f64::from(self.input_rate);
        let resampler_s = self.resampler_delay_frames as f64 / out_rate;
        let output_ring_s = load(&self.stats.out_fill_bits) / out_rate;
        let output_s = us(&self.output);
        Latency {
            capture_s,
            capture_ring_s,
            resampler_s,
            output_ring_s,
            output_s,
            total_s: capture_s + capture_ring_s + resampler_s + output_ring_s + output_s,
        }
    }

    /// The output's callbacks so far (0 once shut down): a reopened output is back once they keep
    /// coming (see `playback::reconnect`).
    pub fn output_callbacks(&self) -> u64 {
        self.output.as_ref().map_or(0, |o| o.stats().callbacks)
    }

    /// Output frames rendered so far.
    pub fn frames_rendered(&self) -> u64 {
        self.ctl.frames_rendered.load(Acquire)
    }

    /// Stops capture, pump and output in place (dropping it again does nothing more), the
    /// output faded out first as `play` does when it stops (a cut at full level clicks).
    pub fn shutdown(&mut self) {
        super::player::fade_out(&self.ctl, self.output.as_ref());
        self.ctl.shutdown.store(true, Release);
        self.capture.take();
        self.output.take();
        if let Some(h) = self.pump.take() {
            let _ = h.join();
        }
    }
}

impl Drop for LiveSession {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Where `live` captures from and plays to: the `--input` it was given (`None` once it names a
/// server source, which `PULSE_SOURCE` then selects) and the output device. Refuses an input that
/// matches nothing, naming what there is, and a capture of the very sink it plays to (feedback).
pub fn route(
    want_input: Option<&str>,
    device: Option<String>,
) -> Result<(Option<String>, Option<String>)> {
    let mut input = want_input.map(str::to_string);
    let mut input_server = true;
    if let Some(want) = want_input {
        let inputs = device::list_input_devices();
        let pairs = inputs
            .iter()
            .map(|d| (d.name.as_str(), d.description.as_str()));
        let (named, others) = routing::resolve_name(pairs, routing::source_names, want);
        routing::note_others("--input", want, &named, &others);
        if let Some(d) = inputs
            .iter()
            .find(|d| matches!(&named, routing::Named::Device(n) if *n == d.name))
        {
            input_server = routing::is_server_device(&d.name, &d.description);
        } else if let routing::Named::Server(src) = named {
            // Before any audio thread exists: libpulse reads it when the stream connects.
            std::env::set_var("PULSE_SOURCE", &src);
            input = None;
        } else if let Some(detail) = routing::server_down() {
            // Not "no input matches": its sources are on a server that is not there.
            return Err(super::DeviceError::NoServer {
                device: want.to_string(),
                detail,
            }
            .into());
        } else {
            let mut available: Vec<String> = inputs.into_iter().map(|d| d.name).collect();
            available.extend(routing::source_names());
            return Err(super::DeviceError::InputNotFound {
                name: want.to_string(),
                available,
            }
            .into());
        }
    }
    // The default device, or a server sink reached through it, goes to the server; a named ALSA
    // device may be a card of its own.
    let mut output_server = true;
    if let Some(want) = device.as_deref() {
        let outputs = device::list_devices().unwrap_or_default();
        let pairs = outputs
            .iter()
            .map(|d| (d.name.as_str(), d.description.as_str()));
        // A --device nothing has: opening the output says so, with what there is; the default
        // sink's feedback refusal named a device the user did not ask for.
        if routing::resolve_name(pairs, routing::sink_names, want).0 == routing::Named::Unknown {
            return Ok((input, device));
        }
        let w = want.to_lowercase();
        output_server = (outputs.iter())
            .find(|d| {
                d.name.to_lowercase().contains(&w) || d.description.to_lowercase().contains(&w)
            })
            .is_none_or(|d| routing::is_server_device(&d.name, &d.description));
    }
    if input_server && output_server {
        if let Some((sink, source, from)) = routing::effective_sink_source() {
            routing::check_feedback(&sink, &source, from)
                .map_err(|m| crate::error::Error::usage("--input", m))?;
        }
    }
    Ok((input, device))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What fits is copied in order; what does not is counted, whole frames only.
    #[test]
    fn capture_copies_what_fits_and_counts_the_rest() {
        let (mut tx, mut rx) = rtrb::RingBuffer::<f32>::new(10);
        let lost = AtomicU64::new(0);
        let data: Vec<f32> = (0..8).map(|v| v as f32).collect();
        capture_into(&mut tx, &lost, 2, &data);
        assert_eq!(lost.load(Relaxed), 0);
        capture_into(&mut tx, &lost, 2, &data);
        // 2 slots left: one frame fits, three are lost.
        assert_eq!(lost.load(Relaxed), 3);
        let got: Vec<f32> = std::iter::from_fn(|| rx.pop().ok()).collect();
        assert_eq!(got, [0., 1., 2., 3., 4., 5., 6., 7., 0., 1.]);
    }
}

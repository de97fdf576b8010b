//! A live A/B session (`iemsim live`): capture callback → ring → pump thread (channels, drift
//! resampling, loudness) → ring → the same [`Engine`] `play` uses on the output callback, so
//! both profiles run all the time and a switch is the same click-free crossfade.
//!
//! Both callbacks stay real-time safe: the capture callback only copies into an `rtrb` ring
//! ([`capture_into`]), the output callback is `Engine::render`; everything that allocates or
//! sleeps (resampling, metering, matching) is on the pump thread.

use super::device::{self, Running};
use super::engine::{Control, Engine, Side, SideChain};
use super::live_pump::{self, load, Pump, PumpSetup, PumpStats};
use crate::dsp::{db_to_gain, Chain, Preamp, Profile};
use crate::error::{Error, Result};
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering::*};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What to run.
#[derive(Debug, Clone)]
pub struct LiveConfig {
    pub profiles: [Profile; 2],
    /// Capture device (`None`: the default).
    pub input: Option<String>,
    /// Output device (`None`: the default).
    pub device: Option<String>,
    pub buffer_frames: Option<u32>,
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
    #[serde(skip)]
    pub response: Vec<(f64, f64)>,
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

/// A running live session.
pub struct LiveSession {
    pub ctl: Arc<Control>,
    pub stats: Arc<PumpStats>,
    capture: Option<Running>,
    output: Option<Running>,
    pump: Option<JoinHandle<Result<(), String>>>,
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
    pub started: Instant,
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
    if let Ok(mut chunk) = ring.write_chunk(n) {
        let (a, b) = chunk.as_mut_slices();
        let (d1, d2) = data[..n].split_at(a.len());
        a.copy_from_slice(d1);
        b.copy_from_slice(d2);
        chunk.commit_all();
    }
    if n < data.len() {
        lost.fetch_add(((data.len() - n) / channels) as u64, Relaxed);
    }
}

impl LiveSession {
    /// Opens both devices, refuses a mismatch of channels the profiles need, and starts
    /// capture, pump and output (the output once the ring holds its target fill).
    pub fn start(cfg: LiveConfig) -> Result<LiveSession> {
        let t0 = Instant::now();
        let period = cfg.buffer_frames.unwrap_or(device::PREFERRED_BUFFER_FRAMES);
        let output =
            device::open_with_period(cfg.device.as_deref(), device::FALLBACK_RATE, period)?;
        let out_rate = output.rate();
        let out_ch = usize::from(output.channels());
        for p in &cfg.profiles {
            p.check_channels(out_ch)?;
        }
        let input = device::open_input(cfg.input.as_deref(), out_rate, period)?;
        let in_rate = input.rate();
        let in_ch = usize::from(input.channels()).max(1);
        let fs = f64::from(out_rate);
        let preamp_db = [0, 1].map(|i| cfg.profiles[i].preamp_db(Preamp::Auto, fs));
        let start_gain_db = cfg
            .start_gain_db
            .unwrap_or_else(|| live_pump::pink_prior(&cfg.profiles, out_ch, out_rate, preamp_db));

        // Target: a period of each device, a resampler chunk, and 10 ms for the pump thread's
        // scheduling (all at the output rate).
        let to_out = |frames: u32, rate: u32| f64::from(frames) * fs / f64::from(rate);
        let in_period = input.buffer_frames().unwrap_or(period);
        let out_period = output.buffer_frames().unwrap_or(period);
        let target_fill = (f64::from(out_period)
            + to_out(in_period, in_rate)
            + to_out(live_pump::CHUNK_FRAMES as u32, in_rate)
            + 0.010 * fs) as usize;
        // Both rings hold 2 s: a sound server can deliver a capture in bursts (a PulseAudio
        // null sink's monitor sends up to 2 s at once after its sink was idle), and a burst
        // that fits is trimmed by the pump's faded resync; one that overflows a ring is lost
        // unfaded (an overrun).
        let out_capacity = (target_fill * 4).max(2 * out_rate as usize) * out_ch;
        let in_capacity = (in_period as usize * 4).max(2 * in_rate as usize) * in_ch;

        let ctl = Arc::new(Control::new(cfg.matching));
        let (out_tx, out_rx) = rtrb::RingBuffer::<f32>::new(out_capacity);
        let (mut in_tx, in_rx) = rtrb::RingBuffer::<f32>::new(in_capacity);
        let side = |i: usize| SideChain {
            chain: Box::new(Chain::new(cfg.profiles[i].stages(fs, out_ch), out_ch, 0.0)),
            gain_matched: db_to_gain(start_gain_db[i]),
            gain_plain: db_to_gain(preamp_db[i]),
        };
        let (mut engine, handles) = Engine::new(
            Arc::clone(&ctl),
            out_rx,
            [side(0), side(1)],
            out_ch,
            out_rate,
            out_rate,
        );
        let pump = Pump::new(
            PumpSetup {
                in_rate,
                in_channels: in_ch,
                out_rate,
                out_channels: out_ch,
                target_fill,
                profiles: cfg.profiles.clone(),
                preamp_db,
                start_gain_db,
            },
            out_capacity,
        )
        .map_err(Error::machine)?;
        let resampler_delay_frames = pump.delay_frames;
        let stats = Arc::new(PumpStats::default());
        for (i, g) in start_gain_db.iter().enumerate() {
            stats.gain_db_bits[i].store(g.to_bits(), Relaxed);
            stats.window_lufs_bits[i].store(f64::NEG_INFINITY.to_bits(), Relaxed);
            stats.momentary_lufs_bits[i].store(f64::NEG_INFINITY.to_bits(), Relaxed);
        }
        stats.ratio_bits.store(1f64.to_bits(), Relaxed);
        stats.holding.store(true, Relaxed);

        let capture_lost = Arc::new(AtomicU64::new(0));
        let lost = Arc::clone(&capture_lost);
        let input_name = input.device_name().to_string();
        let input_channels = input.channels();
        let capture =
            input.start(move |data: &[f32]| capture_into(&mut in_tx, &lost, in_ch, data))?;

        let pump_thread = {
            let (ctl, stats) = (Arc::clone(&ctl), Arc::clone(&stats));
            std::thread::Builder::new()
                .name("iemsim-live-pump".into())
                .spawn(move || live_pump::run(pump, in_rx, out_tx, handles, ctl, stats))?
        };

        // A capture of a fresh PulseAudio null sink's monitor can take ~2 s to deliver its
        // first block (measured: parecord gets nothing for 2 s either), more than the stream
        // watch's stall limit: wait for the first block on our own clock first.
        let until = Instant::now() + Duration::from_secs(6);
        while capture.stats().callbacks == 0 {
            if Instant::now() > until {
                return Err(Error::machine(format!(
                    "the input \"{input_name}\" delivered no audio for 6 s: is it running? (a \
                     sink's monitor delivers silence even when nothing plays, a stopped device \
                     delivers nothing)"
                )));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        // The output starts once the ring holds its target plus two periods: a starting
        // output takes about that much at once to fill its own buffer (measured through
        // PulseAudio: 3 periods of 682 frames in the first callbacks).
        let prefill = target_fill + 2 * out_period as usize;
        let until = Instant::now() + Duration::from_secs(3);
        while engine.buffered_frames() < prefill {
            if let Some(e) = capture.error() {
                return Err(e.into());
            }
            if Instant::now() > until {
                return Err(Error::machine(format!(
                    "the input \"{input_name}\" delivered no audio for 3 s: is it running? (a \
                     sink's monitor delivers silence even when nothing plays, a stopped device \
                     delivers nothing)"
                )));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        let load_ctl = Arc::clone(&ctl);
        let drate = fs;
        let output = output.start(move |buf: &mut [f32]| {
            let t = Instant::now();
            engine.render(buf);
            let period = (buf.len() / out_ch) as f64 / drate;
            if period > 0.0 {
                let load = (t.elapsed().as_secs_f64() / period) as f32;
                load_ctl.load_bits.store(load.to_bits(), Relaxed);
            }
        })?;
        // Counted from the first sound on: what the start-up lost (a null sink's monitor
        // delivers its first seconds in one burst) was never going to be heard.
        capture_lost.store(0, Relaxed);
        stats.overruns.store(0, Relaxed);
        let sides = [0, 1].map(|i| LiveSide {
            profile: cfg.profiles[i].name.clone(),
            description: cfg.profiles[i].description.clone(),
            preamp_db: preamp_db[i],
            response: cfg.profiles[i].response_curve(48_000.0),
        });
        Ok(LiveSession {
            ctl,
            stats,
            buffer_frames: output.buffer_frames(),
            device_name: output.device_name().to_string(),
            capture: Some(capture),
            output: Some(output),
            pump: Some(pump_thread),
            capture_lost,
            sides,
            input_name,
            input_rate: in_rate,
            input_channels,
            device_rate: out_rate,
            device_channels: out_ch as u16,
            target_fill_frames: target_fill,
            resampler_delay_frames,
            started: t0,
        })
    }

    /// A device lost, or the pump stopped with an error.
    pub fn check(&mut self) -> Result<()> {
        for r in [&self.capture, &self.output].into_iter().flatten() {
            if let Some(e) = r.error() {
                return Err(e.into());
            }
        }
        if self.pump.as_ref().is_some_and(JoinHandle::is_finished) {
            if let Some(h) = self.pump.take() {
                match h.join() {
                    Ok(Err(e)) => return Err(Error::machine(e)),
                    Ok(Ok(())) => return Err(Error::machine("the live audio path stopped")),
                    Err(_) => {
                        return Err(Error::machine("the live audio thread stopped unexpectedly"))
                    }
                }
            }
        }
        Ok(())
    }

    pub fn live(&self) -> Side {
        self.ctl.live()
    }
    pub fn set_live(&self, side: Side) {
        self.ctl.set_live(side);
    }
    pub fn matching(&self) -> bool {
        self.ctl.matching.load(Relaxed)
    }
    pub fn set_matching(&self, on: bool) {
        self.ctl.matching.store(on, Relaxed);
    }
    pub fn toggle_pause(&self) -> bool {
        let p = !self.ctl.paused.load(Relaxed);
        self.ctl.paused.store(p, Relaxed);
        p
    }
    pub fn paused(&self) -> bool {
        self.ctl.paused.load(Relaxed)
    }

    /// Output underruns: the ring ran dry (ours) plus those the backend reported.
    pub fn underruns(&self) -> u64 {
        self.ctl.underruns.load(Relaxed) + self.output.as_ref().map_or(0, |r| r.stats().xruns)
    }

    /// Overruns: capture frames lost (capture ring full, output ring full) plus capture xruns
    /// the backend reported.
    pub fn overruns(&self) -> u64 {
        self.capture_lost.load(Relaxed)
            + self.stats.overruns.load(Relaxed)
            + self.capture.as_ref().map_or(0, |r| r.stats().xruns)
    }

    /// The matched gains now (dB), whether matching is on or not.
    pub fn matched_gains_db(&self) -> [f64; 2] {
        [0, 1].map(|i| load(&self.stats.gain_db_bits[i]))
    }

    /// The gains now (dB): matched (gliding) or the plain preamps.
    pub fn gains_db(&self) -> [f64; 2] {
        if self.matching() {
            [0, 1].map(|i| load(&self.stats.gain_db_bits[i]))
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

    pub fn load_pct(&self) -> f64 {
        f64::from(self.ctl.load()) * 100.0
    }

    /// Output peak per channel (dBFS) since the last call.
    pub fn take_levels_dbfs(&self) -> [f64; 2] {
        self.ctl
            .take_peaks()
            .map(|p| 20.0 * f64::from(p).max(1e-10).log10())
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

    /// Output frames rendered so far.
    pub fn frames_rendered(&self) -> u64 {
        self.ctl.frames_rendered.load(Acquire)
    }

    /// Stops capture, pump and output.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
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

//! The live path's middle thread (not real-time): takes what the capture callback put in its
//! ring, maps its channels to the output's, resamples it to the output's clock with rubato's
//! adaptive sinc resampler, and keeps the output ring at a target fill by nudging the ratio
//! ([`DriftControl`]). It also measures both sides' loudness on what it forwards (the side
//! chains and K-weighting, off the audio threads) and sends the engine the gliding matched
//! gains ([`crate::dsp::live_match`]).
//!
//! Two clocks: the capture device and the output device each run on their own crystal, so
//! "48 kHz" in and "48 kHz" out differ by tens to hundreds of ppm (a 0.01 % difference is a
//! frame every 0.2 s: an hour of it is 360 ms). Without correction the ring between them
//! empties (underruns) or fills up (overruns, and the latency grows) over a long session.

use super::engine::{realtime_chain, Control, EngineCmd, EngineHandles, Side, SideChain};
use crate::dsp::live_match::LiveMatch;
use crate::dsp::loudness::k_weighting;
use crate::dsp::{channels::ChannelMap, Chain, Profile};
use rubato::{
    Resampler, SincFixedIn, SincInterpolationParameters, SincInterpolationType, WindowFunction,
};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::*};
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// Capture frames per resampler call: 5.3 ms at 48 kHz (the latency it adds), small enough that
/// the output ring is refilled in steps much shorter than a period.
pub const CHUNK_FRAMES: usize = 256;
/// The resampler's range around nominal (the drift control stays within [`MAX_CORRECTION`]).
const MAX_RELATIVE: f64 = 1.02;
/// How far the drift control may move the ratio from nominal: ±1 %. Crystals agree within
/// ±0.01 %, a badly trimmed USB device within ±0.1 %, but software clocks do worse: two
/// PulseAudio null sinks on a machine loaded by two compilers drifted 0.45 % apart here (the
/// busier sink renders late and never catches up). The ratio must follow whatever the devices
/// do; the limit only stops a broken device from dragging the pitch anywhere.
const MAX_CORRECTION: f64 = 0.01;
/// How often the matched gains are updated (output time).
const MATCH_UPDATE_S: f64 = 0.1;

/// Counters and levels the pump publishes (relaxed atomics; f64 as bits).
#[derive(Debug, Default)]
pub struct PumpStats {
    /// Frames lost because a ring was full: the capture ring (callback side) or the output ring.
    pub overruns: AtomicU64,
    /// Mean fill of the output ring (frames) and of the capture ring (capture frames).
    pub out_fill_bits: AtomicU64,
    pub in_fill_bits: AtomicU64,
    /// Resampling ratio relative to nominal.
    pub ratio_bits: AtomicU64,
    /// The clocks' mismatch the ratio corrects ([`DriftControl::clock_mismatch`]); NaN until
    /// it has settled.
    pub clock_bits: AtomicU64,
    /// Window loudness (LUFS, at 0 dB) and gains (dB) per side, and whether matching holds.
    pub window_lufs_bits: [AtomicU64; 2],
    pub momentary_lufs_bits: [AtomicU64; 2],
    pub gain_db_bits: [AtomicU64; 2],
    pub holding: AtomicBool,
    /// Capture frames forwarded so far.
    pub frames_in: AtomicU64,
    /// Times the output ring held far more than its target and the excess was skipped.
    pub resyncs: AtomicU64,
}

fn store(a: &AtomicU64, v: f64) {
    a.store(v.to_bits(), Relaxed);
}

pub fn load(a: &AtomicU64) -> f64 {
    f64::from_bits(a.load(Relaxed))
}

/// A PI controller that keeps a ring's mean fill at a target by a relative resampling ratio.
///
/// The fill is a sawtooth (the output callback takes a period at once, the capture side adds in
/// steps), so it is smoothed first (time constant [`DriftControl::SMOOTH_S`]). The loop: the
/// fill error `e` (seconds of audio) changes by `(r − 1) + δ` per second, `δ` being the clock
/// mismatch; with `r = 1 + KP·e + KI·∫e` the integral takes over `δ` and the error returns to
/// zero. KP = 0.1/s (a 10 s time constant: slow enough that the ratio's ripple from the
/// smoothed sawtooth stays below 0.01 % = 0.2 cents, far below audible pitch change), KI =
/// KP²/4 (critically damped). A 0.1 % mismatch then leaves at most ~15 ms of fill error; the
/// ratio never moves more than [`MAX_CORRECTION`] from nominal.
#[derive(Debug, Clone)]
pub struct DriftControl {
    target_frames: f64,
    rate: f64,
    smoothed: Option<f64>,
    integral_s2: f64,
    ratio: f64,
    /// Time since the controller started (seconds of observations).
    running_s: f64,
}

impl DriftControl {
    pub const KP: f64 = 0.1;
    pub const KI: f64 = Self::KP * Self::KP / 4.0;
    pub const SMOOTH_S: f64 = 0.5;
    /// When the integral is taken as the clocks' mismatch: the loop's double pole at −KP/2 decays
    /// as (1 + t/τ)·e^(−t/τ), τ = 20 s, so after 9τ what is left of a start 190 ms off its
    /// target is about 20 ppm (simulated). Before, the ratio is mostly the start-up fill.
    pub const SETTLED_S: f64 = 180.0;

    /// Keeps a ring of `rate` Hz frames at `target_frames`.
    pub fn new(target_frames: f64, rate: f64) -> Self {
        Self {
            target_frames,
            rate,
            smoothed: None,
            integral_s2: 0.0,
            ratio: 1.0,
            running_s: 0.0,
        }
    }

    /// One observation of the fill, `dt_s` after the previous one; returns the new ratio
    /// (output frames per input frame, relative to nominal), within ±[`MAX_CORRECTION`].
    pub fn update(&mut self, fill_frames: f64, dt_s: f64) -> f64 {
        let a = (dt_s / Self::SMOOTH_S).clamp(0.0, 1.0);
        let s = match self.smoothed {
            None => fill_frames,
            Some(s) => s + a * (fill_frames - s),
        };
        self.smoothed = Some(s);
        let e = (self.target_frames - s) / self.rate;
        let lim = MAX_CORRECTION;
        // Anti-windup: the integral alone never asks for more than the limit.
        self.integral_s2 = (self.integral_s2 + e * dt_s).clamp(-lim / Self::KI, lim / Self::KI);
        self.ratio = (1.0 + Self::KP * e + Self::KI * self.integral_s2).clamp(1.0 - lim, 1.0 + lim);
        self.running_s += dt_s;
        self.ratio
    }

    /// The clocks' mismatch the ratio corrects (relative: the consumer's rate over the
    /// producer's, minus 1), once settled ([`Self::SETTLED_S`]): the integral part of the ratio,
    /// free of the proportional part's ripple and of the start-up fill.
    pub fn clock_mismatch(&self) -> Option<f64> {
        (self.running_s >= Self::SETTLED_S).then_some(Self::KI * self.integral_s2)
    }

    pub fn smoothed_fill(&self) -> f64 {
        self.smoothed.unwrap_or(0.0)
    }

    pub fn ratio(&self) -> f64 {
        self.ratio
    }
}

/// What the pump needs to know about the two ends.
pub struct PumpSetup {
    pub in_rate: u32,
    pub in_channels: usize,
    pub out_rate: u32,
    pub out_channels: usize,
    /// The output ring's target fill (output frames).
    pub target_fill: usize,
    pub profiles: [Profile; 2],
    /// Each side's anti-clip preamp (dB): the gain with matching off, and matching's base.
    pub preamp_db: [f64; 2],
    /// The gains matching starts from (dB), before the stream has been measured.
    pub start_gain_db: [f64; 2],
}

/// A profile loaded into one side of a running session (keys 1-9 and the picker). Built on the
/// control thread: the chains allocate and the new pair's pink-noise prior takes tens of ms of
/// CPU, longer than the pump may stop; the pump only swaps it in ([`Pump::load`]).
pub struct SideLoad {
    pub side: Side,
    /// What the engine plays: it warms up muted and crossfades in, as in `play`.
    pub play: SideChain,
    /// The same profile's chain for the pump's loudness meter.
    pub meter: Chain,
    /// Its anti-clip preamp (dB).
    pub preamp_db: f64,
    /// The new pair's match on pink noise (dB): where matching starts again.
    pub start_gain_db: [f64; 2],
}

impl SideLoad {
    /// `pair`: both sides' profiles after the load (`pair[side]` is the new one).
    pub fn build(pair: &[Profile; 2], side: Side, channels: usize, rate: u32) -> Box<Self> {
        let fs = f64::from(rate);
        let preamp_db = [0, 1].map(|i| pair[i].preamp_db(crate::dsp::Preamp::Auto, fs));
        let start_gain_db = pink_prior(pair, channels, rate, preamp_db);
        let i = side.index();
        Box::new(SideLoad {
            side,
            play: SideChain::new(&pair[i], channels, fs, start_gain_db[i], preamp_db[i]),
            meter: realtime_chain(&pair[i], channels, fs),
            preamp_db: preamp_db[i],
            start_gain_db,
        })
    }
}

/// The pump's state; [`Pump::step`] is one pass (tests drive it without threads).
pub struct Pump {
    in_ch: usize,
    out_ch: usize,
    out_rate: f64,
    map: ChannelMap,
    resampler: SincFixedIn<f64>,
    read_buf: Vec<f64>,
    planar_in: Vec<Vec<f64>>,
    planar_out: Vec<Vec<f64>>,
    out: Vec<f64>,
    meter_a: Vec<f64>,
    meter_b: Vec<f64>,
    sides: [Chain; 2],
    kweight: [Chain; 2],
    matcher: LiveMatch,
    preamp_db: [f64; 2],
    sent_db: [f64; 2],
    since_match_frames: usize,
    pub drift: DriftControl,
    in_fill: Option<f64>,
    out_capacity: usize,
    resync: Resync,
    /// Capture frames still to skip in a resync.
    skip_in: usize,
    target_fill: usize,
    in_rate: f64,
    /// Resampler delay (output frames).
    pub delay_frames: usize,
}

/// Where a resync is: the ring held far more than its target (the output stalled, or started
/// late, while the capture went on), so the pump skips the excess instead of playing it late
/// for ever (the drift control's ±1 % would need 100 s per second of excess). The cut is
/// faded: the chunk before it fades out, the one after fades in (a chunk is 5 ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resync {
    Off,
    FadeOut,
    Skip,
    FadeIn,
}

/// The fill above which a resync happens: twice the target (at least 50 ms more than it), so
/// the sawtooth of periods and the pump's scheduling never trigger one.
fn resync_above(target: usize, rate: f64) -> f64 {
    (2.0 * target as f64).max(target as f64 + 0.05 * rate)
}

/// The resampler: sinc of 128 taps at 0.95 × Nyquist, 256 points per tap interpolated linearly
/// (rubato's suggestion for a good-quality asynchronous resampler; the linear step between
/// 256 sinc points keeps its error near −100 dB).
fn make_resampler(
    in_rate: u32,
    out_rate: u32,
    channels: usize,
) -> Result<SincFixedIn<f64>, String> {
    let params = SincInterpolationParameters {
        sinc_len: 128,
        f_cutoff: 0.95,
        oversampling_factor: 256,
        interpolation: SincInterpolationType::Linear,
        window: WindowFunction::BlackmanHarris2,
    };
    SincFixedIn::new(
        f64::from(out_rate) / f64::from(in_rate),
        MAX_RELATIVE,
        params,
        CHUNK_FRAMES,
        channels,
    )
    .map_err(|e| format!("cannot resample {in_rate} Hz to {out_rate} Hz: {e}"))
}

impl Pump {
    pub fn new(s: PumpSetup, out_capacity: usize) -> Result<Self, String> {
        let resampler = make_resampler(s.in_rate, s.out_rate, s.out_channels)?;
        let out_max = resampler.output_frames_max();
        let rate = f64::from(s.out_rate);
        let chain = |p: &Profile| realtime_chain(p, s.out_channels, rate);
        let k = || Chain::realtime(k_weighting(rate).to_vec(), s.out_channels, 0.0);
        Ok(Self {
            in_ch: s.in_channels,
            out_ch: s.out_channels,
            out_rate: rate,
            map: ChannelMap::new(s.in_channels, s.out_channels),
            delay_frames: resampler.output_delay(),
            resampler,
            read_buf: vec![0.0; CHUNK_FRAMES * s.in_channels],
            planar_in: vec![Vec::with_capacity(CHUNK_FRAMES); s.out_channels],
            planar_out: vec![vec![0.0; out_max]; s.out_channels],
            out: vec![0.0; out_max * s.out_channels],
            meter_a: vec![0.0; out_max * s.out_channels],
            meter_b: vec![0.0; out_max * s.out_channels],
            sides: [chain(&s.profiles[0]), chain(&s.profiles[1])],
            kweight: [k(), k()],
            matcher: LiveMatch::new(s.out_channels, s.out_rate, s.start_gain_db),
            preamp_db: s.preamp_db,
            sent_db: s.start_gain_db,
            since_match_frames: 0,
            drift: DriftControl::new(s.target_fill as f64, rate),
            in_fill: None,
            out_capacity,
            resync: Resync::Off,
            skip_in: 0,
            target_fill: s.target_fill,
            in_rate: f64::from(s.in_rate),
        })
    }

    /// One pass: forwards every whole chunk waiting in `input` to `output`, then updates the
    /// drift control and (every [`MATCH_UPDATE_S`]) the matched gains. Returns the capture
    /// frames forwarded (0: nothing to do yet).
    pub fn step(
        &mut self,
        input: &mut rtrb::Consumer<f32>,
        output: &mut rtrb::Producer<f32>,
        handles: &mut EngineHandles,
        stats: &PumpStats,
    ) -> Result<usize, String> {
        let waiting = input.slots() / self.in_ch;
        let a = 0.05;
        let f = waiting as f64;
        self.in_fill = Some(self.in_fill.map_or(f, |s| s + a * (f - s)));
        store(&stats.in_fill_bits, self.in_fill.unwrap_or(0.0));
        let mut forwarded = 0;
        while input.slots() / self.in_ch >= CHUNK_FRAMES {
            let n = CHUNK_FRAMES * self.in_ch;
            if let Ok(chunk) = input.read_chunk(n) {
                for (d, s) in self.read_buf.iter_mut().zip(chunk) {
                    *d = f64::from(s);
                }
            }
            forwarded += CHUNK_FRAMES;
            if self.resync == Resync::Skip {
                self.skip_in = self.skip_in.saturating_sub(CHUNK_FRAMES);
                if self.skip_in == 0 {
                    self.resync = Resync::FadeIn;
                }
                continue;
            }
            let frames_out = self.resample()?;
            self.fade(frames_out);
            self.push(output, frames_out, stats);
            self.measure(frames_out);
            let dt = CHUNK_FRAMES as f64 / self.in_rate;
            let fill = (self.out_capacity - output.slots()) / self.out_ch;
            let ratio = self.drift.update(fill as f64, dt);
            if self.resync == Resync::Off
                && self.drift.smoothed_fill() > resync_above(self.target_fill, self.out_rate)
            {
                let excess = fill.saturating_sub(self.target_fill) as f64;
                self.skip_in = (excess * self.in_rate / self.out_rate) as usize;
                self.resync = Resync::FadeOut;
                self.drift = DriftControl::new(self.target_fill as f64, self.out_rate);
                stats.resyncs.fetch_add(1, Relaxed);
            }
            // `ramp`: the ratio slides across the next chunk instead of stepping.
            let _ = self.resampler.set_resample_ratio_relative(ratio, true);
            self.since_match_frames += frames_out;
            if self.since_match_frames as f64 >= MATCH_UPDATE_S * self.out_rate {
                let dt = self.since_match_frames as f64 / self.out_rate;
                self.since_match_frames = 0;
                self.update_gains(dt, handles, stats);
            }
        }
        if forwarded > 0 {
            stats.frames_in.fetch_add(forwarded as u64, Relaxed);
            store(&stats.out_fill_bits, self.drift.smoothed_fill());
            store(&stats.ratio_bits, self.drift.ratio());
            store(
                &stats.clock_bits,
                self.drift.clock_mismatch().unwrap_or(f64::NAN),
            );
        }
        // Replaced chains come back from the audio thread to be freed here.
        while handles.trash.pop().is_ok() {}
        Ok(forwarded)
    }

    /// Swaps a newly loaded profile in: the engine gets its chain (click-free: it warms up muted,
    /// then crossfades in), the meter measures it from now on, and matching starts again from
    /// the new pair's pink-noise match. Both sides' window restarts, not only the loaded one's:
    /// the match compares the two sides on the same stretch of music, and the old window holds
    /// the other profile. Gives the load back when the engine's queue is full (try again later).
    pub fn load(
        &mut self,
        load: Box<SideLoad>,
        handles: &mut EngineHandles,
    ) -> Result<(), Box<SideLoad>> {
        if handles.cmds.slots() == 0 {
            return Err(load);
        }
        let (side, load) = (load.side, *load);
        let i = side.index();
        // Cannot fail: there is a free slot and this thread is the queue's only producer.
        let _ = handles.cmds.push(EngineCmd::Install {
            side,
            chain: load.play,
        });
        self.sides[i] = load.meter;
        self.preamp_db[i] = load.preamp_db;
        self.matcher = LiveMatch::new(self.out_ch, self.out_rate as u32, load.start_gain_db);
        // The loaded side starts at its new gain; the other side's is sent with the next update.
        self.sent_db[i] = load.start_gain_db[i];
        self.since_match_frames = 0;
        Ok(())
    }

    /// `read_buf` (a chunk of capture frames) → output channels and clock in `out`.
    fn resample(&mut self) -> Result<usize, String> {
        self.planar_in.iter_mut().for_each(Vec::clear);
        self.map.apply_planar(&self.read_buf, &mut self.planar_in);
        let (_, frames) = self
            .resampler
            .process_into_buffer(&self.planar_in, &mut self.planar_out, None)
            .map_err(|e| format!("resampling the capture failed: {e}"))?;
        let ch = self.out_ch;
        for (c, plane) in self.planar_out.iter().enumerate() {
            for (k, &v) in plane[..frames].iter().enumerate() {
                self.out[k * ch + c] = v;
            }
        }
        Ok(frames)
    }

    /// Applies a resync's fade to the chunk in `out` and moves the resync on.
    fn fade(&mut self, frames: usize) {
        let down = match self.resync {
            Resync::FadeOut => true,
            Resync::FadeIn => false,
            Resync::Off | Resync::Skip => return,
        };
        let ch = self.out_ch;
        let w = |k| super::engine::raised_cosine(k, frames);
        let g = |k| if down { 1.0 - w(k) } else { w(k) };
        super::engine::scale_frames(&mut self.out[..frames * ch], ch, g);
        self.resync = if down { Resync::Skip } else { Resync::Off };
        if down && self.skip_in == 0 {
            self.resync = Resync::FadeIn;
        }
    }

    fn push(&mut self, output: &mut rtrb::Producer<f32>, frames: usize, stats: &PumpStats) {
        let n = frames * self.out_ch;
        let room = (output.slots() / self.out_ch) * self.out_ch;
        let fits = n.min(room);
        if let Ok(chunk) = output.write_chunk_uninit(fits) {
            chunk.fill_from_iter(self.out[..fits].iter().map(|&s| s as f32));
        }
        if fits < n {
            stats
                .overruns
                .fetch_add(((n - fits) / self.out_ch) as u64, Relaxed);
        }
    }

    /// Both sides' K-weighted loudness of what was just forwarded.
    fn measure(&mut self, frames: usize) {
        let n = frames * self.out_ch;
        self.meter_a[..n].copy_from_slice(&self.out[..n]);
        self.meter_b[..n].copy_from_slice(&self.out[..n]);
        self.sides[0].process(&mut self.meter_a[..n]);
        self.sides[1].process(&mut self.meter_b[..n]);
        self.kweight[0].process(&mut self.meter_a[..n]);
        self.kweight[1].process(&mut self.meter_b[..n]);
        self.matcher.add(&self.meter_a[..n], &self.meter_b[..n]);
    }

    fn update_gains(&mut self, dt: f64, handles: &mut EngineHandles, stats: &PumpStats) {
        let gains = self.matcher.advance(dt, self.preamp_db);
        let st = self.matcher.status(self.preamp_db);
        for (i, g) in gains.iter().enumerate() {
            store(&stats.window_lufs_bits[i], st.window_lufs[i]);
            store(&stats.momentary_lufs_bits[i], st.momentary_lufs[i]);
            store(&stats.gain_db_bits[i], *g);
        }
        stats.holding.store(st.holding, Relaxed);
        let moved = (0..2).any(|i| (gains[i] - self.sent_db[i]).abs() > 0.001);
        // Both or neither (a half-sent pair is sent whole next time).
        if moved && handles.send_gains_db(gains) {
            self.sent_db = gains;
        }
    }
}

/// The gains to start matching from: the match of the two profiles on pink noise (−3 dB per
/// octave, the average spectrum of music), so the first seconds are already close and the
/// glide only corrects what this music's spectrum adds.
pub fn pink_prior(
    profiles: &[Profile; 2],
    channels: usize,
    rate: u32,
    preamp_db: [f64; 2],
) -> [f64; 2] {
    use crate::dsp::generate::{Generator, Kind};
    let fs = f64::from(rate);
    let mut g = Generator::new(Kind::Pink, rate, 3.0, 23);
    let mut mono = vec![0.0; 4096];
    let mut m = LiveMatch::new(channels, rate, preamp_db);
    let mut sides = profiles
        .clone()
        .map(|p| Chain::new(p.stages(fs, channels), channels, 0.0));
    let mut k = [0, 1].map(|_| Chain::new(k_weighting(fs).to_vec(), channels, 0.0));
    loop {
        let n = g.fill(&mut mono);
        if n == 0 {
            break;
        }
        let inter: Vec<f64> = mono[..n]
            .iter()
            .flat_map(|&v| std::iter::repeat_n(v, channels))
            .collect();
        let mut a = inter.clone();
        let mut b = inter;
        sides[0].process(&mut a);
        sides[1].process(&mut b);
        k[0].process(&mut a);
        k[1].process(&mut b);
        m.add(&a, &b);
    }
    m.target_db(preamp_db).unwrap_or(preamp_db)
}

/// Runs [`Pump::step`] until `ctl.shutdown` (or a ring's other end is gone), swapping in the
/// profiles `loads` brings.
pub fn run(
    mut pump: Pump,
    mut input: rtrb::Consumer<f32>,
    mut output: rtrb::Producer<f32>,
    mut handles: EngineHandles,
    loads: mpsc::Receiver<Box<SideLoad>>,
    ctl: Arc<Control>,
    stats: Arc<PumpStats>,
) -> Result<(), String> {
    let mut waiting: Option<Box<SideLoad>> = None;
    while !ctl.shutdown.load(Acquire) && !input.is_abandoned() && !output.is_abandoned() {
        if let Some(l) = waiting.take().or_else(|| loads.try_recv().ok()) {
            waiting = pump.load(l, &mut handles).err();
        }
        let n = pump.step(&mut input, &mut output, &mut handles, &stats)?;
        if n == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::db_to_gain;

    /// A consumer 0.1 % faster than the producer (a nudged clock): the controller settles at a
    /// ratio 0.1 % above nominal and, after the first minute, holds the fill within 15 ms of
    /// the target; it never runs dry.
    #[test]
    fn drift_control_absorbs_a_clock_mismatch() {
        let rate = 48_000.0;
        let target = 2400.0;
        let mut d = DriftControl::new(target, rate);
        let mut fill = target;
        let dt = 256.0 / rate;
        let mut worst: f64 = 0.0;
        for k in 0..(600.0 / dt) as usize {
            let r = d.update(fill, dt);
            // Produced: 256 × r frames; consumed: 256 × 1.001 frames.
            fill += 256.0 * r - 256.0 * 1.001;
            if k as f64 * dt > 60.0 {
                worst = worst.max((fill - target).abs());
            }
            assert!(fill > 0.0, "ran dry at {k}");
        }
        assert!((d.ratio() - 1.001).abs() < 2e-5, "ratio {}", d.ratio());
        assert!(worst < 0.015 * rate, "fill strayed {worst} frames");
    }

    /// The mismatch reported is the clocks' (±30 ppm), not the start-up: the fill starts 100 ms
    /// over its target, the consumer takes whole 2048-frame periods (the sawtooth), its clock
    /// 100 or -300 ppm off. At 30 s the ratio is still far from it, and nothing is reported.
    #[test]
    fn the_clock_mismatch_is_told_once_settled() {
        let (rate, target) = (48_000.0, 4096.0);
        for mismatch in [1e-4, -3e-4] {
            let mut d = DriftControl::new(target, rate);
            let (mut fill, mut due) = (target + 4800.0, 0.0);
            let dt = 480.0 / rate;
            for k in 1..=(200.0 / dt) as usize {
                fill += 480.0 * d.update(fill, dt);
                due += 480.0 * (1.0 + mismatch);
                while due >= 2048.0 {
                    (fill, due) = (fill - 2048.0, due - 2048.0);
                }
                let t = k as f64 * dt;
                if (t - 30.0).abs() < dt / 2.0 {
                    assert!((d.ratio() - 1.0 - mismatch).abs() > 3e-4, "{}", d.ratio());
                }
                if (t - DriftControl::SETTLED_S).abs() > dt {
                    assert_eq!(d.clock_mismatch().is_some(), t > DriftControl::SETTLED_S);
                }
            }
            let told = d.clock_mismatch().unwrap_or(f64::NAN);
            assert!((told - mismatch).abs() < 3e-5, "{mismatch}: told {told}");
        }
    }

    /// Brown-ish stereo noise (white through a leaky integrator: little treble, so the resampler's
    /// band edge at 0.95 × Nyquist takes nothing measurable), `secs` of it.
    fn noise(seed: &mut u64, secs: f64) -> Vec<f32> {
        let mut brown = 0.0;
        let n = (secs * 48_000.0) as usize;
        let mut out = Vec::with_capacity(2 * n);
        for _ in 0..n {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            let white = (*seed >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0;
            brown = 0.99 * brown + 0.1 * white;
            out.extend([(0.3 * brown) as f32; 2]);
        }
        out
    }

    struct Rig {
        pump: Pump,
        in_tx: rtrb::Producer<f32>,
        in_rx: rtrb::Consumer<f32>,
        out_tx: rtrb::Producer<f32>,
        out_rx: rtrb::Consumer<f32>,
        handles: EngineHandles,
        cmd_rx: rtrb::Consumer<EngineCmd>,
        stats: PumpStats,
    }

    impl Rig {
        /// Feeds `signal` through the pump in 10 ms callbacks, draining its output.
        fn feed(&mut self, signal: &[f32]) {
            for block in signal.chunks(480 * 2) {
                let n = block.len().min(self.in_tx.slots());
                if let Ok(mut c) = self.in_tx.write_chunk(n) {
                    let (a, b) = c.as_mut_slices();
                    let (x, y) = block[..n].split_at(a.len());
                    a.copy_from_slice(x);
                    b.copy_from_slice(y);
                    c.commit_all();
                }
                self.pump
                    .step(
                        &mut self.in_rx,
                        &mut self.out_tx,
                        &mut self.handles,
                        &self.stats,
                    )
                    .expect("step");
                while self.out_rx.pop().is_ok() {}
            }
        }
    }

    fn ebur128_lufs(stereo: &[f32]) -> f64 {
        let mut m = ebur128::EbuR128::new(2, 48_000, ebur128::Mode::I).expect("meter");
        m.add_frames_f32(stereo).expect("frames");
        m.loudness_global().expect("loudness")
    }

    /// Keys 1-9 / the picker in `live`: the loaded profile's chain goes to the engine (once, for
    /// the live side, at the new pair's pink-noise match), the other side's gain follows to that
    /// match, and the meter measures the new profile on a fresh window: its loudness is that of
    /// the input through the new profile as the `ebur128` crate (libebur128's port) measures it,
    /// not a mix with the old profile's.
    #[test]
    fn a_loaded_profile_is_installed_metered_and_matched_afresh() {
        let rate = 48_000u32;
        let fs = f64::from(rate);
        let get = |n: &str| crate::profiles::resolve(n, None).expect(n);
        let pair = [get("neutral"), get("ba")];
        let preamp_db = [0, 1].map(|i| pair[i].preamp_db(crate::dsp::Preamp::Auto, fs));
        let pump = Pump::new(
            PumpSetup {
                in_rate: rate,
                in_channels: 2,
                out_rate: rate,
                out_channels: 2,
                target_fill: 4800,
                profiles: pair.clone(),
                preamp_db,
                start_gain_db: preamp_db,
            },
            1 << 20,
        )
        .expect("pump");
        let (in_tx, in_rx) = rtrb::RingBuffer::<f32>::new(1 << 14);
        let (out_tx, out_rx) = rtrb::RingBuffer::<f32>::new(1 << 20);
        let (cmds, cmd_rx) = rtrb::RingBuffer::new(8);
        let (_trash_tx, trash) = rtrb::RingBuffer::new(8);
        let mut rig = Rig {
            pump,
            in_tx,
            in_rx,
            out_tx,
            out_rx,
            handles: EngineHandles { cmds, trash },
            cmd_rx,
            stats: PumpStats::default(),
        };
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        rig.feed(&noise(&mut seed, 4.0));
        let before_b = load(&rig.stats.window_lufs_bits[1]);
        while rig.cmd_rx.pop().is_ok() {}

        let new_pair = [pair[0].clone(), get("bass-rolloff")];
        let sl = SideLoad::build(&new_pair, Side::B, 2, rate);
        let want = sl.start_gain_db;
        let want_preamp = new_pair[1].preamp_db(crate::dsp::Preamp::Auto, fs);
        assert!(rig.pump.load(sl, &mut rig.handles).is_ok());
        match rig.cmd_rx.pop() {
            Ok(EngineCmd::Install { side, chain }) => {
                assert_eq!(side, Side::B);
                assert!((chain.gain_matched - db_to_gain(want[1])).abs() < 1e-12);
                assert!((chain.gain_plain - db_to_gain(want_preamp)).abs() < 1e-12);
            }
            _ => panic!("no Install for the loaded side"),
        }

        let after = noise(&mut seed, 4.5);
        rig.feed(&after[..2 * 24_000]);
        assert!(
            rig.stats.holding.load(Relaxed),
            "0.5 s after a load the match holds"
        );
        let mut a_gain = None;
        while let Ok(cmd) = rig.cmd_rx.pop() {
            if let EngineCmd::SetGain {
                side: Side::A,
                gain_matched,
            } = cmd
            {
                a_gain = Some(gain_matched);
            }
        }
        let a_gain = a_gain.expect("the other side's gain follows the new pair's match");
        assert!((a_gain - db_to_gain(want[0])).abs() < 1e-9);
        rig.feed(&after[2 * 24_000..]);

        // The reference: the input since the load through the new profile at 0 dB.
        let mut through: Vec<f64> = after.iter().map(|&v| f64::from(v)).collect();
        Chain::new(new_pair[1].stages(fs, 2), 2, 0.0).process(&mut through);
        let through: Vec<f32> = through.iter().map(|&v| v as f32).collect();
        let reference = ebur128_lufs(&through);
        let now_b = load(&rig.stats.window_lufs_bits[1]);
        assert!(
            (before_b - reference).abs() > 1.0,
            "the profiles must differ on this input: {before_b} vs {reference}"
        );
        assert!(
            (now_b - reference).abs() < 0.2,
            "side B reads {now_b} LUFS, the new profile gives {reference} (old: {before_b})"
        );
    }
}

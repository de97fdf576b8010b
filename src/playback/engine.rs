//! The audio callback body: a plain function over buffers (`Engine::render`), testable without a
//! device (the cpal `beep` example's `write_data` idea).
//!
//! Both profiles' chains run on every block, so an A/B switch is a crossfade between two outputs that
//! are already warm: sample-accurate, 20 ms raised-cosine, and audible within one buffer plus the fade.
//! The raised-cosine weights sum to 1 (not equal-power): A and B are the same music through two
//! filters, i.e. highly correlated, and for correlated signals a sum-to-one fade keeps the level flat
//! where an equal-power fade would bulge by up to 3 dB mid-way.
//!
//! Real-time rules, kept here and proven by `tests/alloc/engine.rs`: `render` never allocates, locks,
//! blocks, prints or panics. Audio arrives through an `rtrb` ring filled by the feeder thread; control
//! arrives through atomics in [`Control`] and, for new chains, through an `rtrb` queue (the old chain
//! goes back through another queue, so it is freed off the audio thread).

pub use super::control::{Control, Side};
use crate::dsp::{db_to_gain, Chain, Profile};
use std::sync::atomic::Ordering::*;

/// Frames processed per inner step (the scratch buffers' size; any callback size works).
pub const CHUNK_FRAMES: usize = 1024;
/// Length of an A/B crossfade.
pub const CROSSFADE_S: f64 = 0.020;
/// Time constant of gain changes (loudness matching on/off, pause, seek).
const GAIN_TAU_S: f64 = 0.004;
/// Fade on each side of an underrun's gap: the end of what arrived fades out, the audio after the
/// gap fades in (raised cosine), so a late feeder is a short dip instead of two clicks.
pub const UNDERRUN_FADE_S: f64 = 0.003;
/// A newly installed chain runs muted until its slowest pole has decayed to −60 dB
/// (`Chain::settle_frames`: 0.93 s for a +6 dB, Q 6 peak at 20 Hz; tens of ms for most profiles), then
/// is faded in; at least this long, so even a chain of fast filters starts from a settled state...
const WARM_MIN_S: f64 = 0.020;
/// ... and at most this long, so a pathological pole (a 2 Hz shelf) cannot hold a switch for ever.
const WARM_MAX_S: f64 = 2.0;
/// Length of a matched-gain glide (provisional → exact loudness gains, or a re-match after the
/// other side's profile changed): even in dB, so a 1 dB correction moves 0.004 dB per ms,
/// far below what the ear hears as a step (a level change spread over ≥ 100 ms is heard as a
/// smooth fade, not a click; the 4 ms smoothing below is for changes the listener asked for).
pub const GLIDE_S: f64 = 0.300;

/// A chain with the two output gains it can play at (linear).
pub struct SideChain {
    pub chain: Box<Chain>,
    /// Gain with loudness matching on (anti-clip preamp + match).
    pub gain_matched: f64,
    /// Gain with matching off (anti-clip preamp only).
    pub gain_plain: f64,
}

impl SideChain {
    /// `profile`'s [`realtime_chain`] playing at `matched_db` with matching on and `plain_db`
    /// (its anti-clip preamp) with matching off.
    pub fn new(
        profile: &Profile,
        channels: usize,
        rate: f64,
        matched_db: f64,
        plain_db: f64,
    ) -> Self {
        SideChain {
            chain: Box::new(realtime_chain(profile, channels, rate)),
            gain_matched: db_to_gain(matched_db),
            gain_plain: db_to_gain(plain_db),
        }
    }

    /// The gain it plays at with loudness matching on or off.
    #[inline]
    fn gain(&self, matching: bool) -> f64 {
        if matching {
            self.gain_matched
        } else {
            self.gain_plain
        }
    }
}

/// The chain of `profile` at `rate` with 0 dB gain (the engine applies the gains), with a kernel
/// the audio callback may run (no AVX-512: [`Chain::realtime`]); `live`'s meters use it too,
/// running beside the callbacks for the whole session. (The callers refuse first a profile
/// giving a channel the device lacks its own filters: [`Profile::check_channels`].)
pub fn realtime_chain(profile: &Profile, channels: usize, rate: f64) -> Chain {
    Chain::realtime(profile.stages(rate, channels), channels, 0.0)
}

/// Messages to the callback that carry owned data.
pub enum EngineCmd {
    /// Replace the chain of a side: it warms up muted, then crossfades in.
    Install { side: Side, chain: SideChain },
    /// New matched gain for a side (the exact loudness arrived, or the other side's profile
    /// changed): a [`GLIDE_S`] glide even in dB, never a step.
    SetGain { side: Side, gain_matched: f64 },
}

struct Pending {
    side: usize,
    chain: SideChain,
    age: usize,
    /// Frames it runs muted before fading in.
    warm: usize,
    mix: f64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Flow {
    Playing,
    /// Waiting for the feeder to stop, then draining the ring.
    Flushing {
        epoch: u64,
    },
}

/// The callback state. Built (with every allocation) on the control thread, then moved into the
/// audio callback.
pub struct Engine {
    ctl: std::sync::Arc<Control>,
    ring: rtrb::Consumer<f32>,
    cmds: rtrb::Consumer<EngineCmd>,
    trash: rtrb::Producer<SideChain>,
    sides: [SideChain; 2],
    pending: Option<Pending>,
    /// A replaced chain that did not fit in `trash` yet (never dropped here).
    stash: Option<SideChain>,
    channels: usize,
    /// File frames per device frame (the feeder resamples; positions are reported in file frames).
    file_per_device: f64,
    xin: Vec<f64>,
    xa: Vec<f64>,
    xb: Vec<f64>,
    xp: Vec<f64>,
    /// 0 = all A, 1 = all B.
    mix: f64,
    mix_step: f64,
    target: usize,
    gain_now: [f64; 2],
    gain_coef: f64,
    /// Matched-gain glides in progress: per-frame factor, frames left, and where each lands.
    glide: [Glide; 2],
    glide_frames: usize,
    run_gain: f64,
    /// The least and most frames a new chain warms up for (see [`WARM_MIN_S`]).
    warm_frames: [usize; 2],
    /// Underrun fade length (device frames), and how much of a fade-in after a gap is left.
    underrun_fade: usize,
    fade_in_left: usize,
    flow: Flow,
    epoch: u64,
    base_position: u64,
    consumed: u64,
    /// The stream frame (on `Control::frames_rendered`'s count) the chunk being rendered starts at.
    frame: u64,
    /// The stream frame just past the last one that had audio from the ring.
    audio_end: u64,
}

/// A matched gain moving to a new value by a constant factor per frame (even in dB).
#[derive(Clone, Copy, Default)]
struct Glide {
    factor: f64,
    left: usize,
    to: f64,
}

/// Where one chunk's mix is heading: the sides' gains (matched or plain), the pending chain's,
/// the run gain (0 stopping, 1 playing), the crossfade position (0 = A, 1 = B).
#[derive(Clone, Copy)]
struct MixTargets {
    gain: [f64; 2],
    pending_gain: f64,
    run: f64,
    mix: f64,
    gliding: bool,
    matching: bool,
}

/// Queues that connect the control thread with an [`Engine`].
pub struct EngineHandles {
    pub cmds: rtrb::Producer<EngineCmd>,
    pub trash: rtrb::Consumer<SideChain>,
}

impl EngineHandles {
    /// Sends matched gains (dB) for both sides, or neither if the queue has no room for both
    /// (a half-sent pair would leave the sides unmatched); true if sent. Allocation-free.
    pub fn send_gains_db(&mut self, gains_db: [f64; 2]) -> bool {
        if self.cmds.slots() < 2 {
            return false;
        }
        for (side, g) in [(Side::A, gains_db[0]), (Side::B, gains_db[1])] {
            let _ = self.cmds.push(EngineCmd::SetGain {
                side,
                gain_matched: db_to_gain(g),
            });
        }
        true
    }
}

impl Engine {
    /// `channels`/`device_rate`: the device's; `file_rate`: the file's (positions are in its frames).
    pub fn new(
        ctl: std::sync::Arc<Control>,
        ring: rtrb::Consumer<f32>,
        sides: [SideChain; 2],
        channels: usize,
        device_rate: u32,
        file_rate: u32,
    ) -> (Self, EngineHandles) {
        let (cmd_tx, cmd_rx) = rtrb::RingBuffer::new(8);
        let (trash_tx, trash_rx) = rtrb::RingBuffer::new(8);
        let rate = f64::from(device_rate);
        let live = ctl.live.load(Acquire) as usize;
        let matching = ctl.matching.load(Relaxed);
        let gain_now = [0, 1].map(|i| sides[i].gain(matching));
        let n = CHUNK_FRAMES * channels;
        let engine = Self {
            ctl,
            ring,
            cmds: cmd_rx,
            trash: trash_tx,
            sides,
            pending: None,
            stash: None,
            channels,
            file_per_device: f64::from(file_rate) / rate,
            xin: vec![0.0; n],
            xa: vec![0.0; n],
            xb: vec![0.0; n],
            xp: vec![0.0; n],
            mix: live as f64,
            mix_step: 1.0 / (CROSSFADE_S * rate),
            target: live,
            gain_now,
            gain_coef: 1.0 - (-1.0 / (GAIN_TAU_S * rate)).exp(),
            glide: [Glide::default(); 2],
            glide_frames: ((GLIDE_S * rate) as usize).max(1),
            run_gain: 1.0,
            warm_frames: [(WARM_MIN_S * rate) as usize, (WARM_MAX_S * rate) as usize],
            underrun_fade: ((UNDERRUN_FADE_S * rate) as usize).max(1),
            fade_in_left: 0,
            flow: Flow::Playing,
            epoch: 0,
            base_position: 0,
            consumed: 0,
            frame: 0,
            audio_end: 0,
        };
        (
            engine,
            EngineHandles {
                cmds: cmd_tx,
                trash: trash_rx,
            },
        )
    }

    /// Where playback starts (file frames), before the first `render`.
    pub fn set_position(&mut self, frame: u64) {
        self.base_position = frame;
        self.consumed = 0;
        // Mid-file (`--start`, a loop, a restart), the first sample is anything: fade it in, as
        // after a seek. From the top, the file's own start plays as it is.
        if frame > 0 {
            self.run_gain = 0.0;
        }
    }

    /// Frames waiting in the ring.
    pub fn buffered_frames(&self) -> usize {
        self.ring.slots() / self.channels
    }

    /// The device callback: [`Engine::render`], its time over the buffer's period published as
    /// the load (`device_rate`: frames per second).
    pub fn into_callback(mut self, device_rate: f64) -> impl FnMut(&mut [f32]) + Send + 'static {
        move |buf: &mut [f32]| {
            let t = std::time::Instant::now();
            self.render(buf);
            let period = (buf.len() / self.channels) as f64 / device_rate;
            if period > 0.0 {
                let load = (t.elapsed().as_secs_f64() / period) as f32;
                self.ctl.load_bits.store(load.to_bits(), Relaxed);
            }
        }
    }

    /// Fills `out` (interleaved, the device's channel count). The callback body.
    pub fn render(&mut self, out: &mut [f32]) {
        self.frame = self.ctl.frames_rendered.load(Relaxed);
        self.poll_control();
        let ch = self.channels;
        let stop_at = self.ctl.stop_at.load(Relaxed);
        for chunk in out.chunks_mut(CHUNK_FRAMES * ch) {
            // A chunk the scheduled stop falls inside is rendered in two: the fade starts at
            // its frame, not at the next chunk or buffer.
            let before = stop_at.saturating_sub(self.frame);
            if stop_at != 0 && before > 0 && before < (chunk.len() / ch) as u64 {
                let (head, tail) = chunk.split_at_mut(before as usize * ch);
                self.render_counted(head);
                self.render_counted(tail);
            } else {
                self.render_counted(chunk);
            }
        }
        self.ctl
            .frames_rendered
            .fetch_add((out.len() / ch) as u64, Relaxed);
        self.fold_loop();
        self.publish_position();
        if !self.glide.iter().any(|g| g.left > 0) {
            self.ctl.gliding.store(false, Release);
        }
    }

    /// [`Self::render_chunk`], then the stream frame moved past it.
    fn render_counted(&mut self, out: &mut [f32]) {
        self.render_chunk(out);
        self.frame += (out.len() / self.channels) as u64;
    }

    fn poll_control(&mut self) {
        // A replaced chain waiting to leave the audio thread.
        if let Some(old) = self.stash.take() {
            if let Err(rtrb::PushError::Full(old)) = self.trash.push(old) {
                self.stash = Some(old);
            }
        }
        // One install at a time: the next message waits until the previous chain has faded in.
        if self.pending.is_none() && self.stash.is_none() {
            match self.cmds.pop() {
                Ok(EngineCmd::Install { side, chain }) => {
                    let [lo, hi] = self.warm_frames;
                    let warm = chain.chain.settle_frames().clamp(lo, hi);
                    self.pending = Some(Pending {
                        side: side.index(),
                        chain,
                        age: 0,
                        warm,
                        mix: 0.0,
                    });
                }
                Ok(EngineCmd::SetGain { side, gain_matched }) => {
                    self.start_glide(side.index(), gain_matched);
                    // Gliding is said before the command counts as taken (see `Control`).
                    let gliding = self.glide.iter().any(|g| g.left > 0);
                    self.ctl.gliding.store(gliding, Release);
                    self.ctl.gains_received.fetch_add(1, Release);
                }
                Err(_) => {}
            }
        }
        // `live` before the seek: a switch stored after a seek request (ABX's next trial) is seen
        // with it.
        let live = self.ctl.live.load(Acquire) as usize;
        let want = self.ctl.seek_epoch.load(Acquire);
        if want != self.epoch {
            self.flow = Flow::Flushing { epoch: want };
        }
        // A switch that comes with a seek waits for the fade-out, then is made in silence (see
        // `render_chunk`): no crossfade is heard, whether the side changes or not.
        let flushing = matches!(self.flow, Flow::Flushing { .. });
        if live != self.target && !(flushing && self.run_gain > 0.0) {
            self.take_switch(live);
        }
    }

    fn take_switch(&mut self, live: usize) {
        self.target = live;
        self.ctl.switches.fetch_add(1, Relaxed);
        self.ctl
            .last_switch_position
            .store(self.position_now().0, Relaxed);
        self.ctl.last_switch_frame.store(self.frame, Relaxed);
    }

    /// One chunk of the callback: input from the ring (faded at an underrun's edges), both
    /// sides (and a pending replacement) filtered, then mixed into `out`.
    fn render_chunk(&mut self, out: &mut [f32]) {
        let frames = out.len() / self.channels;
        let n = frames * self.channels;
        let stop_at = self.ctl.stop_at.load(Relaxed);
        let paused = self.ctl.paused.load(Relaxed) || (stop_at != 0 && self.frame >= stop_at);
        let stop = paused || matches!(self.flow, Flow::Flushing { .. });
        // Faded out and stopped: silence, and the ring is left alone (or emptied when seeking).
        if stop && self.run_gain < 1e-4 {
            self.run_gain = 0.0;
            out.fill(0.0);
            // Silent: a side change needs no crossfade.
            let live = self.ctl.live.load(Acquire) as usize;
            if live != self.target {
                self.take_switch(live);
            }
            self.mix = self.target as f64;
            if let Flow::Flushing { epoch } = self.flow {
                self.try_finish_flush(epoch);
            }
            return;
        }
        self.take_input(n, stop);
        self.filter_input(n);
        let peak = self.mix_sides(out, frames, stop);
        self.finish_pending();
        self.publish_peaks(peak);
    }

    /// Fills `xin[..n]` from the ring; a shortfall is an underrun (or the end of the file), and
    /// the audio around a gap is faded rather than stepped.
    #[inline]
    fn take_input(&mut self, n: usize, stop: bool) {
        let got = self.read_ring(n);
        let got_frames = got / self.channels;
        if got_frames > 0 {
            self.audio_end = self.frame + got_frames as u64;
        }
        self.fade_in_after_gap(got_frames);
        if got < n && !stop {
            self.on_shortfall(got);
        }
        self.consumed += got_frames as u64;
    }

    /// Whole frames from the ring into `xin[..n]`, zeros after them; how many samples came.
    #[inline]
    fn read_ring(&mut self, n: usize) -> usize {
        let ch = self.channels;
        let xin = &mut self.xin[..n];
        let mut got = 0;
        let avail = (self.ring.slots().min(n) / ch) * ch;
        if avail > 0 {
            if let Ok(chunk) = self.ring.read_chunk(avail) {
                let (s1, s2) = chunk.as_slices();
                for (d, &s) in xin.iter_mut().zip(s1.iter().chain(s2.iter())) {
                    *d = f64::from(s);
                }
                chunk.commit_all();
                got = avail;
            }
        }
        xin[got..].fill(0.0);
        got
    }

    /// After a gap, the audio comes back faded in (over the first of the `got_frames` read).
    #[inline]
    fn fade_in_after_gap(&mut self, got_frames: usize) {
        let ch = self.channels;
        let xin = &mut self.xin[..got_frames * ch];
        self.fade_in_left = fade_in(xin, ch, self.underrun_fade, self.fade_in_left);
    }

    /// Fewer than the chunk's samples came (`got`) while playing: the end of the file (finished
    /// once nothing comes), or an underrun, counted, whose last audio fades out.
    #[inline]
    fn on_shortfall(&mut self, got: usize) {
        if self.ctl.eof.load(Acquire) {
            if got == 0 {
                self.ctl.end_frame.store(self.audio_end, Relaxed);
                self.ctl.finished.store(true, Release);
            }
            return;
        }
        self.ctl.underruns.fetch_add(1, Relaxed);
        // What did arrive ends in a fade-out rather than a step to silence (when the previous
        // block took the ring's last frame, there is nothing left to fade).
        let ch = self.channels;
        let got_frames = got / ch;
        let f = self.underrun_fade;
        let m = f.min(got_frames);
        let tail = &mut self.xin[(got_frames - m) * ch..got];
        scale_frames(tail, ch, |i| raised_cosine(m - 1 - i, f));
        self.fade_in_left = f;
    }

    /// Both sides (and a pending replacement) filter the same input.
    #[inline]
    fn filter_input(&mut self, n: usize) {
        self.xa[..n].copy_from_slice(&self.xin[..n]);
        self.xb[..n].copy_from_slice(&self.xin[..n]);
        self.sides[0].chain.process(&mut self.xa[..n]);
        self.sides[1].chain.process(&mut self.xb[..n]);
        if let Some(p) = self.pending.as_mut() {
            self.xp[..n].copy_from_slice(&self.xin[..n]);
            p.chain.chain.process(&mut self.xp[..n]);
        }
    }

    /// Mixes the filtered sides into `out` at the live side's gain, crossfading, gliding and
    /// fading a pending chain in when anything moves; returns each channel's peak.
    #[inline]
    fn mix_sides(&mut self, out: &mut [f32], frames: usize, stop: bool) -> [f32; 2] {
        let matching = self.ctl.matching.load(Relaxed);
        let mut to = MixTargets {
            gain: [self.sides[0].gain(matching), self.sides[1].gain(matching)],
            pending_gain: self
                .pending
                .as_ref()
                .map_or(0.0, |p| p.chain.gain(matching)),
            run: if stop { 0.0 } else { 1.0 },
            mix: self.target as f64,
            gliding: self.glide.iter().any(|g| g.left > 0),
            matching,
        };
        let steady = self.pending.is_none()
            && !to.gliding
            && self.mix == to.mix
            && self.run_gain == to.run
            && self.gain_now == to.gain;
        let peak = if steady {
            self.mix_steady(out, frames * self.channels)
        } else {
            self.mix_moving(out, frames, &mut to)
        };
        // Smoothing approaches its target exponentially: land on it, so the steady path can take over.
        for (g, t) in self.gain_now.iter_mut().zip(to.gain) {
            if (*g - t).abs() < 1e-9 {
                *g = t;
            }
        }
        if (self.run_gain - to.run).abs() < 1e-9 {
            self.run_gain = to.run;
        }
        peak
    }

    /// Nothing is moving (the usual case): one side at a constant gain. The same numbers
    /// [`Self::mix_moving`] gives (its weights are exactly 0 and 1 here), without per-sample
    /// cosines and smoothing.
    #[inline]
    fn mix_steady(&mut self, out: &mut [f32], n: usize) -> [f32; 2] {
        let ch = self.channels;
        let mut peak = [0.0f32; 2];
        let (g, y) = if self.target == 0 {
            (self.gain_now[0], &self.xa[..n])
        } else {
            (self.gain_now[1], &self.xb[..n])
        };
        let run = self.run_gain;
        for (k, (o, &v)) in out.iter_mut().zip(y).enumerate() {
            let v = (run * (g * v)) as f32;
            *o = v;
            if let Some(p) = peak.get_mut(k % ch) {
                *p = p.max(v.abs());
            }
        }
        peak
    }

    /// The general mix, per sample: the A/B crossfade, the gains smoothed towards `to` (a glide
    /// moving the matched ones), the run gain (pause, seek) and a pending chain fading in after
    /// its warm-up.
    #[inline]
    fn mix_moving(&mut self, out: &mut [f32], frames: usize, to: &mut MixTargets) -> [f32; 2] {
        let ch = self.channels;
        let mut peak = [0.0f32; 2];
        for f in 0..frames {
            // Crossfade position and smoothed gains, per sample.
            if self.mix < to.mix {
                self.mix = (self.mix + self.mix_step).min(to.mix);
            } else if self.mix > to.mix {
                self.mix = (self.mix - self.mix_step).max(to.mix);
            }
            let wb = 0.5 - 0.5 * (std::f64::consts::PI * self.mix).cos();
            let wa = 1.0 - wb;
            if to.gliding {
                for (i, t) in to.gain.iter_mut().enumerate() {
                    if self.step_glide(i) && to.matching {
                        *t = self.sides[i].gain_matched;
                    }
                }
            }
            for (g, t) in self.gain_now.iter_mut().zip(to.gain) {
                *g += (t - *g) * self.gain_coef;
            }
            self.run_gain += (to.run - self.run_gain) * self.gain_coef;
            let mut pw = 0.0;
            if let Some(p) = self.pending.as_mut() {
                p.age += 1;
                if p.age > p.warm {
                    p.mix = (p.mix + self.mix_step).min(1.0);
                }
                pw = 0.5 - 0.5 * (std::f64::consts::PI * p.mix).cos();
            }
            for c in 0..ch {
                let k = f * ch + c;
                let mut ya = self.gain_now[0] * self.xa[k];
                let mut yb = self.gain_now[1] * self.xb[k];
                if let Some(p) = self.pending.as_ref() {
                    let yp = to.pending_gain * self.xp[k];
                    if p.side == 0 {
                        ya = (1.0 - pw) * ya + pw * yp;
                    } else {
                        yb = (1.0 - pw) * yb + pw * yp;
                    }
                }
                let y = (self.run_gain * (wa * ya + wb * yb)) as f32;
                out[k] = y;
                if let Some(p) = peak.get_mut(c) {
                    *p = p.max(y.abs());
                }
            }
        }
        peak
    }

    /// Each channel's peak of the chunk, for the meters (a mono device's on both).
    #[inline]
    fn publish_peaks(&self, peak: [f32; 2]) {
        for (c, p) in peak.iter().enumerate() {
            // Non-negative floats order like their bit patterns.
            self.ctl.peak_bits[c].fetch_max(p.to_bits(), Relaxed);
        }
        if self.channels == 1 {
            self.ctl.peak_bits[1].fetch_max(peak[0].to_bits(), Relaxed);
        }
    }

    /// Starts moving side `i`'s matched gain to `to` over [`GLIDE_S`] (at once if either end is
    /// silence, where a ratio means nothing; the 4 ms smoothing still applies then).
    fn start_glide(&mut self, i: usize, to: f64) {
        let from = self.sides[i].gain_matched;
        if from > 0.0 && to > 0.0 && from.is_finite() && to.is_finite() {
            let n = self.glide_frames;
            self.glide[i] = Glide {
                factor: (to / from).powf(1.0 / n as f64),
                left: n,
                to,
            };
        } else {
            self.sides[i].gain_matched = to;
            self.glide[i].left = 0;
        }
    }

    /// One frame of side `i`'s glide; true if its matched gain moved.
    fn step_glide(&mut self, i: usize) -> bool {
        let g = &mut self.glide[i];
        if g.left == 0 {
            return false;
        }
        g.left -= 1;
        let s = &mut self.sides[i];
        s.gain_matched = if g.left == 0 {
            g.to
        } else {
            s.gain_matched * g.factor
        };
        true
    }

    /// A pending chain that has fully faded in takes over its side; the old one leaves via `trash`.
    fn finish_pending(&mut self) {
        let done = self.pending.as_ref().is_some_and(|p| p.mix >= 1.0);
        if !done {
            return;
        }
        if let Some(p) = self.pending.take() {
            let old = std::mem::replace(&mut self.sides[p.side], p.chain);
            // The new chain comes with its own gain: a glide meant for the old one is over.
            self.glide[p.side].left = 0;
            self.gain_now[p.side] = self.sides[p.side].gain(self.ctl.matching.load(Relaxed));
            if let Err(rtrb::PushError::Full(old)) = self.trash.push(old) {
                self.stash = Some(old);
            }
            self.ctl.installs.fetch_add(1, Release);
        }
    }

    /// Once the feeder has stopped filling for `epoch`, empty the ring, reset the filters and play on
    /// from the new position.
    fn try_finish_flush(&mut self, epoch: u64) {
        if self.ctl.feeder_stopped_epoch.load(Acquire) != epoch {
            return;
        }
        let n = self.ring.slots();
        if let Ok(chunk) = self.ring.read_chunk(n) {
            chunk.commit_all();
        }
        for s in &mut self.sides {
            s.chain.reset();
        }
        if let Some(p) = self.pending.as_mut() {
            p.chain.chain.reset();
        }
        self.base_position = self.ctl.seek_frame.load(Acquire);
        self.consumed = 0;
        // The seek's own gain ramp fades the new position in.
        self.fade_in_left = 0;
        self.epoch = epoch;
        self.flow = Flow::Playing;
        self.ctl.finished.store(false, Release);
        // The new position before the epoch: whoever sees the seek done sees where it went.
        self.ctl.position.store(self.base_position, Relaxed);
        self.ctl.drained_epoch.store(epoch, Release);
    }

    /// Where playback is, and whether it has gone round the loop: then it is counted from inside
    /// the loop, not from where it entered.
    fn position_now(&self) -> (u64, bool) {
        let pos = self.base_position + (self.consumed as f64 * self.file_per_device) as u64;
        let (ls, le) = (
            self.ctl.loop_start.load(Relaxed),
            self.ctl.loop_end.load(Relaxed),
        );
        if le > ls && pos >= le && self.base_position < le {
            (ls + (pos - ls) % (le - ls), true)
        } else {
            (pos, false)
        }
    }

    /// Once playback has gone round the loop, counts from where it really is (inside the loop)
    /// instead of from where it entered: otherwise clearing the loop made the clock jump to the
    /// entry point plus all the time looped (and ←/→ seek from there).
    fn fold_loop(&mut self) {
        if let (pos, true) = self.position_now() {
            self.base_position = pos;
            self.consumed = 0;
        }
    }

    fn publish_position(&self) {
        self.ctl.position.store(self.position_now().0, Relaxed);
    }
}

/// Raised-cosine weight of frame `k` of an `n`-frame fade-in (0 at k = 0, near 1 at k = n - 1).
pub(super) fn raised_cosine(k: usize, n: usize) -> f64 {
    0.5 - 0.5 * (std::f64::consts::PI * k as f64 / n as f64).cos()
}

/// Goes on with an `n`-frame raised-cosine fade-in that has `left` frames to go, over the start of
/// `buf` (interleaved, `ch` channels) as far as it reaches; returns the frames left after it.
#[inline]
pub(super) fn fade_in(buf: &mut [f64], ch: usize, n: usize, left: usize) -> usize {
    let m = left.min(buf.len() / ch);
    scale_frames(&mut buf[..m * ch], ch, |i| raised_cosine(n - left + i, n));
    left - m
}

/// Multiplies every sample of frame `i` of `buf` (interleaved, `ch` channels) by `gain(i)`: a
/// fade, allocation-free for the audio callback.
pub(super) fn scale_frames(buf: &mut [f64], ch: usize, mut gain: impl FnMut(usize) -> f64) {
    for (i, frame) in buf.chunks_exact_mut(ch).enumerate() {
        let g = gain(i);
        frame.iter_mut().for_each(|v| *v *= g);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// A mono engine at `rate` over a ring of `ring` samples, both sides unfiltered at the given
    /// linear gains (matched and plain alike).
    fn mono_engine(
        ctl: &Arc<Control>,
        rate: u32,
        ring: usize,
        gains: [f64; 2],
    ) -> (Engine, EngineHandles, rtrb::Producer<f32>) {
        let (tx, rx) = rtrb::RingBuffer::new(ring);
        let side = |g: f64| SideChain {
            chain: Box::new(Chain::new(Vec::new(), 1, 0.0)),
            gain_matched: g,
            gain_plain: g,
        };
        let sides = [side(gains[0]), side(gains[1])];
        let (engine, handles) = Engine::new(Arc::clone(ctl), rx, sides, 1, rate, rate);
        (engine, handles, tx)
    }

    /// `play --no-tui --duration`'s stop at 8 kHz in 4096-frame buffers (half a second): the
    /// fade starts at the frame asked for, mid-buffer, and is silent (−80 dB, 9.2 time
    /// constants of 4 ms) 40 ms later; a switch says the frame its crossfade began at. The old
    /// engine had no such frame: it stopped where the caller noticed, a buffer or more late.
    #[test]
    fn a_scheduled_stop_fades_from_its_frame_mid_buffer() {
        let rate = 8_000u32;
        let ctl = Arc::new(Control::new(true));
        let (mut engine, _handles, mut tx) = mono_engine(&ctl, rate, rate as usize * 2, [1.0, 1.0]);
        for _ in 0..rate * 2 {
            tx.push(0.5).unwrap();
        }
        let mut out = vec![0.0f32; 4096];
        engine.render(&mut out);
        let stop = 4096 + 1500;
        ctl.stop_at.store(stop, Relaxed);
        ctl.set_live(Side::B);
        engine.render(&mut out);
        assert_eq!(ctl.last_switch_frame.load(Relaxed), 4096);
        let k = (stop - 4096) as usize;
        assert!(
            out[..k].iter().all(|&v| (v - 0.5).abs() < 1e-6),
            "faded before its frame"
        );
        // One sample in: 0.5 × e^(−1/32), the 4 ms time constant at 8 kHz.
        let first = 0.5 * (-1.0f64 / 32.0).exp();
        assert!((f64::from(out[k]) - first).abs() < 1e-6, "{}", out[k]);
        let silent = k + (0.040 * f64::from(rate)) as usize;
        assert!(
            out[silent..].iter().all(|&v| v.abs() < 0.5e-4),
            "{}",
            out[silent]
        );
    }

    /// Press `l`, `l` a second later, wait 10 s, `l`: after the loop is cleared the clock goes
    /// on from inside the loop. Fails on the old engine, whose clock jumped to the loop's entry
    /// plus every second looped.
    #[test]
    fn clearing_a_loop_keeps_the_clock_inside_it() {
        let rate = 48_000u32;
        let ctl = Arc::new(Control::new(true));
        let (mut engine, _handles, mut tx) =
            mono_engine(&ctl, rate, rate as usize * 12, [1.0, 1.0]);
        let (a, b) = (u64::from(rate), 2 * u64::from(rate));
        ctl.loop_start.store(a, Relaxed);
        ctl.loop_end.store(b, Relaxed);
        engine.set_position(a);
        for _ in 0..rate * 11 {
            tx.push(0.1).unwrap();
        }
        let mut out = vec![0.0f32; 480];
        // Ten and a quarter seconds of looping.
        for _ in 0..(rate as usize * 41 / 4) / out.len() {
            engine.render(&mut out);
        }
        let looping = ctl.position.load(Relaxed);
        assert!((a..b).contains(&looping), "{looping}");
        ctl.loop_end.store(0, Relaxed);
        engine.render(&mut out);
        let after = ctl.position.load(Relaxed);
        assert!(
            after >= looping && after - looping <= 480,
            "clock jumped from {looping} to {after} when the loop was cleared"
        );
    }

    /// ABX's next trial: a seek with a side change. The change waits for the seek's fade-out and
    /// is made in silence: the fade-out is the old side's level alone, falling by the same factor
    /// each sample (a crossfade to the other side under it would bend that curve, and told the
    /// listener whether X had changed), and the fade-in is the new side's alone.
    #[test]
    fn a_switch_with_a_seek_is_made_in_silence() {
        let rate = 48_000u32;
        let ctl = Arc::new(Control::new(true));
        let (mut engine, _handles, mut tx) = mono_engine(&ctl, rate, rate as usize, [1.0, 0.25]);
        let fill = |tx: &mut rtrb::Producer<f32>| {
            while tx.push(0.5).is_ok() {}
        };
        fill(&mut tx);
        let mut block = vec![0.0f32; 480];
        for _ in 0..10 {
            engine.render(&mut block);
        }
        ctl.request_seek(1000);
        ctl.set_live(Side::B);
        // The feeder's part of the handshake: stopped at once, refills after the drain.
        ctl.feeder_stopped_epoch
            .store(ctl.seek_epoch.load(Acquire), Release);
        let mut out = Vec::new();
        for _ in 0..40 {
            engine.render(&mut block);
            out.extend_from_slice(&block);
            if ctl.drained_epoch.load(Acquire) == ctl.seek_epoch.load(Acquire) {
                fill(&mut tx);
            }
        }
        let silent = out.iter().position(|v| v.abs() < 1e-5).expect("a fade-out");
        let ratios: Vec<f64> = out[..silent]
            .windows(2)
            .filter(|w| w[0].abs() > 1e-3)
            .map(|w| f64::from(w[1]) / f64::from(w[0]))
            .collect();
        let (lo, hi) = ratios
            .iter()
            .fold((f64::MAX, f64::MIN), |(l, h), &r| (l.min(r), h.max(r)));
        assert!(
            hi - lo < 1e-4,
            "fade-out ratios {lo}..{hi}: a crossfade under it"
        );
        // Back in on B alone: it rises to B's 0.125 and never above.
        let back = &out[silent..];
        let peak = back.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!((peak - 0.125).abs() < 1e-3, "fade-in peak {peak}");
        assert_eq!(ctl.switches.load(Acquire), 1);
    }

    /// A matched-gain change (the exact loudness arriving) is a glide, not a step: on a sine, no
    /// output step between neighbouring samples exceeds the largest step of the sine itself at the
    /// larger of the two gains, and the gain does land on the new value.
    #[test]
    fn a_matched_gain_change_glides_without_a_click() {
        let rate = 48_000u32;
        let ctl = Arc::new(Control::new(true));
        let (mut engine, mut handles, mut tx) =
            mono_engine(&ctl, rate, rate as usize * 4, [0.5, 0.5]);
        let w = 2.0 * std::f64::consts::PI * 1000.0 / f64::from(rate);
        let x: Vec<f32> = (0..rate as usize * 2)
            .map(|n| (0.8 * (w * n as f64).sin()) as f32)
            .collect();
        for &v in &x {
            tx.push(v).unwrap();
        }
        let mut out = vec![0.0f32; x.len()];
        let (before, after) = out.split_at_mut(rate as usize / 2);
        for b in before.chunks_mut(480) {
            engine.render(b);
        }
        // +6 dB on the live side, as a change in the exact gain would bring.
        handles
            .cmds
            .push(EngineCmd::SetGain {
                side: Side::A,
                gain_matched: 1.0,
            })
            .unwrap();
        for b in after.chunks_mut(480) {
            engine.render(b);
        }
        let own_step = x
            .windows(2)
            .map(|p| f64::from((p[1] - p[0]).abs()))
            .fold(0.0, f64::max);
        let worst = out
            .windows(2)
            .map(|p| f64::from((p[1] - p[0]).abs()))
            .fold(0.0, f64::max);
        assert!(
            worst <= own_step * 1.0 * 1.001,
            "step {worst} > the sine's own {own_step} at the final gain"
        );
        // Landed: the last 10 ms peak at 0.8 × 1.0.
        let tail = out[out.len() - 480..]
            .iter()
            .fold(0.0f32, |m, v| m.max(v.abs()));
        assert!((tail - 0.8).abs() < 0.01, "tail peak {tail}");
        // And it took the glide's length, not the 4 ms smoothing: 100 ms after the change the
        // gain is still well below its target.
        let at = rate as usize / 2 + rate as usize / 10;
        let mid = out[at..at + 480].iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(
            mid < 0.75,
            "100 ms into the glide the peak is already {mid}"
        );
    }
}

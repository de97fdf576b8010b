//! A playing A/B session: the file, two profiles matched in loudness, the feeder thread, the engine
//! on the device. `play`, `abx` and `demo` all drive one of these; they never touch the callback.

use super::device::{self, Running};
use super::engine::{Control, Engine, EngineCmd, EngineHandles, Side, SideChain};
use super::feeder;
use crate::dsp::{db_to_gain, Chain, Preamp, Profile};
use crate::io::{Decoder, Info};
use crate::render::loudness_cache::Cache;
use crate::render::matching::{self, Heard, Matched};
use anyhow::Result;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering::*};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How much audio the feeder keeps ahead of the callback.
const RING_S: f64 = 0.5;
/// Audio decoded before the device starts (no underrun at the start).
const PREFILL_S: f64 = 0.1;

/// What to play.
#[derive(Debug, Clone)]
pub struct PlayerConfig {
    pub input: PathBuf,
    pub profiles: [Profile; 2],
    pub device: Option<String>,
    /// Frames per callback to ask for (`None`: the device layer's default).
    pub buffer_frames: Option<u32>,
    pub matching: bool,
    pub start_s: f64,
    pub loop_s: Option<(f64, f64)>,
    pub quiet: bool,
    /// Measure the exact loudness before any sound (ABX: a gain that moves mid-trial would tell
    /// the sides apart); otherwise start at once on an estimate and glide to the exact gains.
    pub exact_first: bool,
    /// Use the loudness cache (`--no-cache` turns it off).
    pub cache: bool,
}

/// How far the matching gains are along: estimated from a sample of the file, or exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchState {
    Estimated,
    Exact,
}

/// The exact gains arrived (what the scripted mode reports as a line).
#[derive(Debug, Clone, Serialize)]
pub struct ExactArrived {
    /// Seconds since the player started.
    pub t_s: f64,
    /// Matched gains before (the estimate) and now (exact), dB.
    pub from_db: [f64; 2],
    pub gain_db: [f64; 2],
    /// The exact pass failed (the estimate stays): why.
    pub error: Option<String>,
    /// The decoder's warning about replaced non-finite samples.
    pub warning: Option<String>,
}

/// A background exact pass that finished: for which sides (and which of their loads).
struct JobDone {
    sides: Vec<(usize, u64)>,
    result: Result<matching::Exact, String>,
}

/// One side as the UI shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SideInfo {
    pub profile: String,
    pub description: String,
    /// Loudness of the file through the profile at 0 dB gain (LUFS).
    pub loudness_lufs: f64,
    /// Anti-clipping preamp (−largest boost).
    pub preamp_db: f64,
    /// Output gain with matching on (preamp + match).
    pub gain_matched_db: f64,
    /// Magnitude response (Hz, dB) for the chart.
    #[serde(skip)]
    pub response: Vec<(f64, f64)>,
}

pub struct Player {
    pub ctl: Arc<Control>,
    running: Option<Running>,
    feeder: Option<JoinHandle<Result<(), feeder::FeedError>>>,
    handles: EngineHandles,
    pub info: Info,
    pub input: PathBuf,
    pub sides: [SideInfo; 2],
    profiles: [Profile; 2],
    pub device_name: String,
    pub device_rate: u32,
    pub device_channels: u16,
    pub buffer_frames: Option<u32>,
    /// Time spent measuring loudness before playback.
    pub analysis_s: f64,
    /// Whether each side's matching gain is exact yet.
    exact: [bool; 2],
    /// The load each side's pending exact pass belongs to (a later load makes it stale).
    job_of: [u64; 2],
    jobs: u64,
    job_tx: Sender<JobDone>,
    job_rx: Receiver<JobDone>,
    /// Progress of the latest background pass, per mille.
    exact_permille: Arc<AtomicU32>,
    /// Exact gains not yet accepted by the engine's queue (sent again by `check`).
    unsent_gains: Option<[f64; 2]>,
    arrived: Option<ExactArrived>,
    /// Seconds from `start` to the last exact gains, once they came.
    pub exact_after_s: Option<f64>,
    cache: Option<Cache>,
    started: Instant,
    /// What the listener should know about rates: the file is resampled to the device's rate
    /// (loudness, preamp and filters are then computed there), filters dropped above its Nyquist.
    pub notes: Vec<String>,
    /// From `Player::start` to the first callback.
    pub first_callback_s: Option<f64>,
    /// `rewind_when_finished` already went back to the start for this ending.
    rewound: bool,
    /// The headphone correction the caller put in front of both sides; profiles loaded later
    /// (the play screen's keys) go through it too, via [`Player::through_headphones`].
    pub headphones: Option<crate::profiles::headphones::Correction>,
}

/// Builds the chain of `profile` at `rate` with 0 dB gain (the engine applies the gains).
/// (The callers refuse first a profile giving a channel the device lacks its own filters:
/// [`Profile::check_channels`].)
fn chain_for(profile: &Profile, channels: usize, rate: f64) -> Chain {
    Chain::new(profile.stages(rate, channels), channels, 0.0)
}

fn response_points(profile: &Profile) -> Vec<(f64, f64)> {
    profile.response_curve(48_000.0)
}

impl Player {
    /// Measures the file's loudness through both profiles (reporting `(frames done, frames in the
    /// file)` to `on_progress`, from the analysis threads), then starts the device. The progress
    /// display is the caller's: playback does not depend on the user interface.
    pub fn start(
        cfg: PlayerConfig,
        on_progress: &mut (dyn FnMut(u64, u64) + Send),
    ) -> Result<Player> {
        let t0 = Instant::now();
        crate::io::decode::require_seekable(
            &cfg.input,
            "play measures its loudness first, then plays it and seeks in it",
        )?;
        let src = Decoder::open(&cfg.input)?;
        let info = *src.info();
        let file_rate = f64::from(info.sample_rate);

        let output = device::open_with_period(
            cfg.device.as_deref(),
            info.sample_rate,
            cfg.buffer_frames.unwrap_or(device::PREFERRED_BUFFER_FRAMES),
        )?;
        let device_rate = output.rate();
        let device_channels = output.channels();
        let dch = usize::from(device_channels);
        let drate = f64::from(device_rate);
        for p in &cfg.profiles {
            p.check_channels(dch)?;
        }

        // Loudness of the file through both profiles, as the device will play it (mixed to its
        // channels): from the cache, else measured whole before anything plays (`exact_first`),
        // else estimated from a bounded sample now and measured exactly in the background.
        let t_analysis = Instant::now();
        let heard = Heard {
            channels: dch,
            rate_hz: Some(device_rate),
        };
        let notes = rate_notes(&cfg.profiles, info.sample_rate, device_rate);
        let cache = if cfg.cache { Cache::open() } else { None };
        let pair = [&cfg.profiles[0], &cfg.profiles[1]];
        let cached = matching::cached_heard(&cfg.input, &pair, heard, cache.as_ref());
        let (l, exact) = if let [Some(a), Some(b)] = cached[..] {
            ([a, b], [true; 2])
        } else if cfg.exact_first {
            let e = matching::exact_heard(&cfg.input, &pair, heard, cache.as_ref(), on_progress)?;
            if let (Some(w), false) = (e.warning, cfg.quiet) {
                crate::io::diag::diag!("iemsim: warning: {w}");
            }
            ([e.lufs[0], e.lufs[1]], [true; 2])
        } else {
            let (est, whole) = matching::estimate_heard(&cfg.input, &pair, heard)?;
            let l = [0, 1].map(|i| cached[i].unwrap_or(est[i]));
            if whole {
                matching::store_heard(&cfg.input, &pair, &l, heard, cache.as_ref());
            }
            (l, [0, 1].map(|i| whole || cached[i].is_some()))
        };
        let analysis_s = t_analysis.elapsed().as_secs_f64();
        // Preamps (largest boost) at the rate the chains run at, like the loudness.
        let m = Matched::new(l, pair, drate);
        let (lufs, pre, gains) = (m.lufs, m.preamp_db, m.gain_db);

        let ctl = Arc::new(Control::new(cfg.matching));
        let frames = info.frames;
        let to_frame = |s: f64| ((s.max(0.0) * file_rate) as u64).min(frames);
        if let Some((a, b)) = cfg.loop_s {
            ctl.loop_start.store(to_frame(a), Relaxed);
            ctl.loop_end.store(to_frame(b), Relaxed);
        }
        let start_frame = match cfg.loop_s {
            Some((a, _)) => to_frame(a),
            None => to_frame(cfg.start_s),
        };
        let mut src = src;
        if start_frame > 0 {
            src.seek(start_frame)?;
        }
        // At least 0.5 s, and room for a few resampled blocks whatever the rate ratio.
        let ring_len = ((RING_S * drate) as usize)
            .max(4 * feeder::max_block_frames(info.sample_rate, device_rate))
            * dch;
        let (producer, consumer) = rtrb::RingBuffer::new(ring_len);
        let side = |i: usize| SideChain {
            chain: Box::new(chain_for(&cfg.profiles[i], dch, drate)),
            gain_matched: db_to_gain(gains[i]),
            gain_plain: db_to_gain(pre[i]),
        };
        let (mut engine, handles) = Engine::new(
            Arc::clone(&ctl),
            consumer,
            [side(0), side(1)],
            dch,
            device_rate,
            info.sample_rate,
        );
        engine.set_position(start_frame);
        let feeder = feeder::spawn(src, Arc::clone(&ctl), producer, device_rate, dch)?;

        // Let the feeder get ahead before the device asks for anything.
        let prefill_until = Instant::now() + Duration::from_secs(1);
        while engine.buffered_frames() < (PREFILL_S * drate) as usize
            && !ctl.eof.load(Acquire)
            && Instant::now() < prefill_until
        {
            std::thread::sleep(Duration::from_millis(2));
        }

        let load_ctl = Arc::clone(&ctl);
        let running = output.start(move |buf: &mut [f32]| {
            let t = Instant::now();
            engine.render(buf);
            let period = (buf.len() / dch) as f64 / drate;
            if period > 0.0 {
                let load = (t.elapsed().as_secs_f64() / period) as f32;
                load_ctl.load_bits.store(load.to_bits(), Relaxed);
            }
        })?;
        let buffer_frames = running.buffer_frames();
        let device_name = running.device_name().to_string();

        // Wait for the first callback (it tells the device really runs).
        let mut first_callback_s = None;
        let until = Instant::now() + Duration::from_secs(2);
        while Instant::now() < until {
            if running.stats().callbacks > 0 {
                first_callback_s = Some(t0.elapsed().as_secs_f64());
                break;
            }
            if let Some(e) = running.error() {
                return Err(e.into());
            }
            std::thread::sleep(Duration::from_millis(1));
        }

        let sides = [0, 1].map(|i| SideInfo {
            profile: cfg.profiles[i].name.clone(),
            description: cfg.profiles[i].description.clone(),
            loudness_lufs: lufs[i],
            preamp_db: pre[i],
            gain_matched_db: gains[i],
            response: response_points(&cfg.profiles[i]),
        });
        let (job_tx, job_rx) = channel();
        let mut player = Player {
            ctl,
            running: Some(running),
            feeder: Some(feeder),
            handles,
            info,
            input: cfg.input,
            sides,
            profiles: cfg.profiles,
            headphones: None,
            device_name,
            device_rate,
            device_channels,
            buffer_frames,
            analysis_s,
            first_callback_s,
            rewound: false,
            exact,
            job_of: [0; 2],
            jobs: 0,
            job_tx,
            job_rx,
            exact_permille: Arc::new(AtomicU32::new(0)),
            unsent_gains: None,
            arrived: None,
            exact_after_s: exact.iter().all(|&e| e).then_some(analysis_s),
            notes,
            cache,
            started: t0,
        };
        // The exact pass starts once the device plays, so it never delays the first sound.
        let todo: Vec<usize> = (0..2).filter(|&i| !exact[i]).collect();
        player.spawn_exact(&todo);
        Ok(player)
    }

    /// Whether the matching gains are exact (both sides) or still estimates.
    pub fn match_state(&self) -> MatchState {
        if self.exact.iter().all(|&e| e) {
            MatchState::Exact
        } else {
            MatchState::Estimated
        }
    }

    /// Progress of the exact pass in the background, 0 to 1.
    pub fn exact_progress(&self) -> f64 {
        f64::from(self.exact_permille.load(Relaxed)) / 1000.0
    }

    /// The exact gains' arrival, once (for the scripted mode's line).
    pub fn take_exact_arrived(&mut self) -> Option<ExactArrived> {
        self.arrived.take()
    }

    /// Measures `sides` exactly on a thread of their own; `check` picks the result up.
    fn spawn_exact(&mut self, sides: &[usize]) {
        if sides.is_empty() {
            return;
        }
        let mut tagged = Vec::new();
        for &i in sides {
            self.jobs += 1;
            self.job_of[i] = self.jobs;
            tagged.push((i, self.jobs));
        }
        let profiles: Vec<Profile> = sides.iter().map(|&i| self.profiles[i].clone()).collect();
        let (input, heard) = (self.input.clone(), self.heard());
        let (tx, cache) = (self.job_tx.clone(), self.cache.clone());
        let permille = Arc::clone(&self.exact_permille);
        permille.store(0, Relaxed);
        let spawned = std::thread::Builder::new()
            .name("iemsim-loudness".into())
            .spawn(move || {
                // Below the feeder and the UI: on a busy machine the background pass takes
                // longer, never the music. (Linux: the nice value is per thread, and the render
                // loop's own threads inherit it.)
                #[cfg(target_os = "linux")]
                // SAFETY: nice() only changes this thread's scheduling priority.
                unsafe {
                    libc::nice(10);
                }
                let refs: Vec<&Profile> = profiles.iter().collect();
                let mut progress = |done: u64, total: u64| {
                    let p = (done.saturating_mul(1000) / total.max(1)).min(1000);
                    permille.store(p as u32, Relaxed);
                };
                let result =
                    matching::exact_heard(&input, &refs, heard, cache.as_ref(), &mut progress)
                        .map_err(|e| e.to_string());
                let _ = tx.send(JobDone {
                    sides: tagged,
                    result,
                });
            });
        if let Err(e) = spawned {
            self.arrived = Some(ExactArrived {
                t_s: self.started.elapsed().as_secs_f64(),
                from_db: self.gains_db(),
                gain_db: self.gains_db(),
                error: Some(format!("cannot start the loudness analysis: {e}")),
                warning: None,
            });
        }
    }

    /// How the listener hears the file: the device's channels, at the device's rate.
    fn heard(&self) -> Heard {
        Heard {
            channels: usize::from(self.device_channels),
            rate_hz: Some(self.device_rate),
        }
    }

    fn gains_db(&self) -> [f64; 2] {
        [0, 1].map(|i| self.sides[i].gain_matched_db)
    }

    /// Takes finished exact passes: the sides they are still current for get their exact
    /// loudness, and both sides' matched gains glide to the new match.
    fn take_exact(&mut self) {
        let mut changed = false;
        let mut error = None;
        let mut warning = None;
        while let Ok(done) = self.job_rx.try_recv() {
            match done.result {
                Ok(e) => {
                    for (k, &(i, id)) in done.sides.iter().enumerate() {
                        if self.job_of[i] == id {
                            self.sides[i].loudness_lufs = e.lufs[k];
                            self.exact[i] = true;
                            changed = true;
                        }
                    }
                    warning = warning.or(e.warning);
                }
                Err(e) => {
                    if done.sides.iter().any(|&(i, id)| self.job_of[i] == id) {
                        error = Some(e);
                    }
                }
            }
        }
        if !(changed || error.is_some()) {
            return;
        }
        let from_db = self.gains_db();
        if changed {
            let l = [self.sides[0].loudness_lufs, self.sides[1].loudness_lufs];
            let pre = [self.sides[0].preamp_db, self.sides[1].preamp_db];
            let gains = Matched::from_parts(l, pre).gain_db;
            for (s, g) in self.sides.iter_mut().zip(gains) {
                s.gain_matched_db = g;
            }
            self.unsent_gains = Some(gains);
            if self.match_state() == MatchState::Exact {
                self.exact_after_s = Some(self.started.elapsed().as_secs_f64());
            }
        }
        self.arrived = Some(ExactArrived {
            t_s: self.started.elapsed().as_secs_f64(),
            from_db,
            gain_db: self.gains_db(),
            error,
            warning,
        });
    }

    /// Hands matched gains still waiting to the engine (it glides to them).
    fn send_gains(&mut self) {
        let Some(g) = self.unsent_gains else {
            return;
        };
        // Both or neither: a half-sent pair is sent whole again (the same target twice is harmless).
        if self.handles.cmds.slots() >= 2 {
            for (side, gain) in [(Side::A, g[0]), (Side::B, g[1])] {
                let _ = self.handles.cmds.push(EngineCmd::SetGain {
                    side,
                    gain_matched: db_to_gain(gain),
                });
            }
            self.unsent_gains = None;
        }
    }

    pub fn duration_s(&self) -> f64 {
        self.info.duration_s()
    }

    /// The playback position, or the target of a seek still under way (so the screen and the
    /// next relative seek agree with what was asked for).
    pub fn position_s(&self) -> f64 {
        self.ctl.position_or_target() as f64 / f64::from(self.info.sample_rate)
    }

    pub fn live(&self) -> Side {
        self.ctl.live()
    }

    pub fn set_live(&self, side: Side) {
        self.ctl.set_live(side);
    }

    pub fn toggle_pause(&self) -> bool {
        let p = !self.ctl.paused.load(Relaxed);
        self.ctl.paused.store(p, Relaxed);
        p
    }

    pub fn paused(&self) -> bool {
        self.ctl.paused.load(Relaxed)
    }

    pub fn matching(&self) -> bool {
        self.ctl.matching.load(Relaxed)
    }

    pub fn set_matching(&self, on: bool) {
        self.ctl.matching.store(on, Relaxed);
    }

    fn frame_of(&self, s: f64) -> u64 {
        ((s.max(0.0) * f64::from(self.info.sample_rate)) as u64).min(self.info.frames)
    }

    pub fn seek_s(&self, s: f64) {
        let s = s.clamp(0.0, self.duration_s());
        self.ctl.request_seek(self.frame_of(s));
    }

    /// Seeks `d_s` seconds from where playback is or is about to be (see
    /// `Control::position_or_target`).
    pub fn seek_by(&self, d_s: f64) {
        self.seek_s(self.position_s() + d_s);
    }

    /// Loop `a..b` seconds (and jump to `a`), or clear the loop.
    pub fn set_loop(&self, range: Option<(f64, f64)>) {
        match range {
            Some((a, b)) if b > a => {
                self.ctl.loop_start.store(self.frame_of(a), Release);
                self.ctl.loop_end.store(self.frame_of(b), Release);
                self.seek_s(a);
            }
            _ => self.ctl.loop_end.store(0, Release),
        }
    }

    pub fn loop_s(&self) -> Option<(f64, f64)> {
        let (a, b) = (
            self.ctl.loop_start.load(Relaxed),
            self.ctl.loop_end.load(Relaxed),
        );
        let r = f64::from(self.info.sample_rate);
        (b > a).then(|| (a as f64 / r, b as f64 / r))
    }

    /// True once the whole file has been played (and no loop is set).
    pub fn finished(&self) -> bool {
        self.ctl.finished.load(Acquire)
    }

    /// For the interactive screens, called once per frame: when the file has played to its end,
    /// pause and go back to the start (once), so `space` plays it again.
    pub fn rewind_when_finished(&mut self) {
        if self.finished() && self.loop_s().is_none() {
            if !self.rewound {
                self.ctl.paused.store(true, Relaxed);
                self.seek_s(0.0);
                self.rewound = true;
            }
        } else {
            self.rewound = false;
        }
    }

    /// Output peak per channel (dBFS) since the last call.
    pub fn take_levels_dbfs(&self) -> [f64; 2] {
        self.ctl
            .take_peaks()
            .map(|p| 20.0 * f64::from(p).max(1e-10).log10())
    }

    /// The backend's latest estimate of callback-to-speaker delay, when it gives timestamps.
    pub fn output_latency_s(&self) -> Option<f64> {
        let us = self.running.as_ref()?.stats().latency_us;
        (us > 0).then(|| us as f64 / 1e6)
    }

    /// Whether the audio thread runs at real-time priority (known after the first callback).
    pub fn realtime(&self) -> crate::playback::Realtime {
        self.running
            .as_ref()
            .map_or(Default::default(), |r| r.stats().realtime)
    }

    /// Underruns: the feeder fell behind (ours) plus those the backend reported.
    pub fn underruns(&self) -> u64 {
        self.ctl.underruns.load(Relaxed) + self.running.as_ref().map_or(0, |r| r.stats().xruns)
    }

    pub fn load_pct(&self) -> f64 {
        f64::from(self.ctl.load()) * 100.0
    }

    /// `profile` behind this player's headphone correction, if any.
    pub fn through_headphones(&self, profile: Profile) -> Profile {
        crate::profiles::headphones::through(self.headphones.as_ref(), profile)
    }

    pub fn profile(&self, side: Side) -> &Profile {
        &self.profiles[side.index()]
    }

    /// A fatal device error (device lost mid-play), or a decode error from the feeder.
    pub fn check(&mut self) -> Result<()> {
        if let Some(e) = self.running.as_ref().and_then(Running::error) {
            return Err(e.into());
        }
        if self.feeder.as_ref().is_some_and(JoinHandle::is_finished) {
            if let Some(h) = self.feeder.take() {
                match h.join() {
                    Ok(Err(e)) => return Err(e.into()),
                    Ok(Ok(())) => {}
                    Err(_) => anyhow::bail!("the decoding thread stopped unexpectedly"),
                }
            }
        }
        // Replaced chains come back from the audio thread to be freed here.
        while self.handles.trash.pop().is_ok() {}
        self.take_exact();
        self.send_gains();
        Ok(())
    }

    /// Puts `profile` on `side` (a click-free crossfade once its filters have settled), and
    /// re-matches loudness of both sides: at once from the cache or an estimate (bounded work,
    /// so the screen does not freeze), then exactly in the background (a glide).
    pub fn set_profile(&mut self, side: Side, profile: Profile) -> Result<()> {
        let i = side.index();
        let fs = f64::from(self.device_rate);
        let heard = self.heard();
        profile.check_channels(usize::from(self.device_channels))?;
        let measuring = |e| anyhow::anyhow!("measuring {}: {e}", self.input.display());
        let cached = matching::cached_heard(&self.input, &[&profile], heard, self.cache.as_ref());
        let (new_lufs, exact) = match cached[0] {
            Some(l) => (vec![l], true),
            None => matching::estimate_heard(&self.input, &[&profile], heard).map_err(measuring)?,
        };
        let mut l = [self.sides[0].loudness_lufs, self.sides[1].loudness_lufs];
        l[i] = new_lufs[0];
        let mut pre = [self.sides[0].preamp_db, self.sides[1].preamp_db];
        pre[i] = profile.preamp_db(Preamp::Auto, fs);
        let gains = Matched::from_parts(l, pre).gain_db;
        let drate = f64::from(self.device_rate);
        let chain = SideChain {
            chain: Box::new(chain_for(
                &profile,
                usize::from(self.device_channels),
                drate,
            )),
            gain_matched: db_to_gain(gains[i]),
            gain_plain: db_to_gain(pre[i]),
        };
        self.handles
            .cmds
            .push(EngineCmd::Install { side, chain })
            .map_err(|_| anyhow::anyhow!("a profile change is still in progress; try again"))?;
        let o = side.other().index();
        self.unsent_gains = None;
        let _ = self.handles.cmds.push(EngineCmd::SetGain {
            side: side.other(),
            gain_matched: db_to_gain(gains[o]),
        });
        self.sides[i] = SideInfo {
            profile: profile.name.clone(),
            description: profile.description.clone(),
            loudness_lufs: new_lufs[0],
            preamp_db: pre[i],
            gain_matched_db: gains[i],
            response: response_points(&profile),
        };
        self.sides[o].gain_matched_db = gains[o];
        self.profiles[i] = profile;
        self.exact[i] = exact;
        if exact {
            // Any pass still running for the old profile is stale now.
            self.jobs += 1;
            self.job_of[i] = self.jobs;
        } else {
            self.spawn_exact(&[i]);
        }
        Ok(())
    }

    /// Stops cleanly: lets the device play out what it still holds (its latency + 50 ms), then
    /// stops the stream and the feeder.
    pub fn stop(mut self) {
        let tail = self.running.as_ref().map_or(Duration::ZERO, |r| r.tail());
        std::thread::sleep(tail);
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.ctl.shutdown.store(true, Release);
        self.running.take();
        if let Some(h) = self.feeder.take() {
            let _ = h.join();
        }
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Notes on rates for the listener: the file resampled to the device's rate, and any filter of
/// either profile dropped there because it lies above the device's Nyquist frequency.
fn rate_notes(profiles: &[Profile; 2], file_hz: u32, device_hz: u32) -> Vec<String> {
    let mut notes = Vec::new();
    if file_hz != device_hz {
        notes.push(format!(
            "resampling {file_hz} Hz → {device_hz} Hz (the device's rate): loudness, preamp and filters are computed at {device_hz} Hz"
        ));
    }
    for p in profiles {
        for d in p.coefficients(f64::from(device_hz)).1 {
            notes.push(d.message(&p.name));
        }
    }
    notes
}

/// What to tell the listener when underruns start: the device ran dry because the callback
/// period is too short for this machine. A buffer twice as long (a power of two, at least 1024
/// frames, the size that played without underruns on the machines we measured) usually cures it.
pub fn underrun_advice(underruns: u64, buffer_frames: Option<u32>) -> String {
    let now = buffer_frames.unwrap_or(device::PREFERRED_BUFFER_FRAMES);
    let suggest = now.saturating_mul(2).max(1024).next_power_of_two();
    format!(
        "{underruns} underrun{} (audible dropouts): the {now}-frame buffer is too short here; try --buffer {suggest}",
        if underruns == 1 { "" } else { "s" }
    )
}

/// The bundled-sample-relative display name of a file.
pub fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

#[cfg(test)]
mod tests {
    use crate::dsp::{FilterKind, FilterSpec, Preamp, Profile};

    /// A +6 dB bell at 30 kHz exists at 96 kHz and not at 48 kHz (above Nyquist): on a 48 kHz
    /// device it is dropped, and the preamp the player applies (computed at the device's rate)
    /// has no boost to make room for; both notes say so.
    #[test]
    fn rates_are_the_devices_and_resampling_is_said() {
        let p = Profile {
            name: "air".into(),
            description: String::new(),
            preamp_db: 0.0,
            filters: vec![FilterSpec::new(FilterKind::Peaking, 30_000.0, 6.0, 1.0)],
            channels: Vec::new(),
            source: String::new(),
        };
        assert!(p.preamp_db(Preamp::Auto, 96_000.0) < -5.0);
        assert_eq!(p.preamp_db(Preamp::Auto, 48_000.0), 0.0);
        let flat = Profile {
            filters: Vec::new(),
            ..p.clone()
        };
        let notes = super::rate_notes(&[p.clone(), p], 96_000, 48_000);
        assert!(
            notes[0].contains("resampling 96000 Hz → 48000 Hz"),
            "{notes:?}"
        );
        assert!(
            notes[1].starts_with("profile 'air' filter 1 (")
                && notes[1].ends_with("of 48000 Hz audio"),
            "{notes:?}"
        );
        assert!(super::rate_notes(&[flat.clone(), flat], 48_000, 48_000).is_empty());
    }

    #[test]
    fn underrun_advice_suggests_a_longer_buffer() {
        let a = super::underrun_advice(36, Some(64));
        assert!(
            a.starts_with("36 underruns") && a.contains("--buffer 1024"),
            "{a}"
        );
        assert!(super::underrun_advice(1, Some(1500)).contains("1 underrun ("));
        assert!(super::underrun_advice(2, Some(1500)).contains("--buffer 4096"));
    }
}

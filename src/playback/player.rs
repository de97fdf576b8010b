//! A playing A/B session: the file, two profiles matched in loudness, the feeder thread, the engine
//! on the device. `play`, `abx` and `demo` all drive one of these; they never touch the callback.

use super::device::{self, Running};
use super::engine::{Control, Engine, EngineCmd, EngineHandles, Side, SideChain};
use super::feeder;
use super::loudness_jobs::{FileMeasure, Jobs, Report};
use super::reconnect::{Confirm, Reconnect, Reconnector};
use crate::dsp::{Preamp, Profile};
use crate::error::{Error, Result};
use crate::io::{Decoder, Info};
use crate::render::loudness_cache::Cache;
use crate::render::matching::{self, Heard, Matched};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering::*;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The feeder thread, which ends with its error if decoding or resampling failed.
type FeederThread = JoinHandle<Result<(), feeder::FeedError>>;

/// How much audio the feeder keeps ahead of the callback.
const RING_S: f64 = 0.5;
/// Audio decoded before the device starts (no underrun at the start).
const PREFILL_S: f64 = 0.1;
/// The pause ramp's time to silence (−80 dB: 9.2 of the engine's 4 ms time constants), waited
/// for on stop.
const STOP_FADE: Duration = Duration::from_millis(40);

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

/// A profile loaded mid-play, on its way to the engine: it is installed once its provisional
/// loudness is known, so the first thing heard of it is already matched.
struct Load {
    id: u64,
    profile: Profile,
    preamp_db: f64,
    /// Its loudness once a worker reported it, and whether that is exact.
    lufs: Option<(f64, bool)>,
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
    feeder: Option<FeederThread>,
    handles: EngineHandles,
    pub info: Info,
    pub input: PathBuf,
    pub sides: [SideInfo; 2],
    /// The profiles the engine plays (a profile loading is in `loading` until installed).
    profiles: [Profile; 2],
    pub device_name: String,
    pub device_rate: u32,
    pub device_channels: u16,
    pub buffer_frames: Option<u32>,
    /// Time spent measuring loudness before playback.
    pub analysis_s: f64,
    /// Whether each side's matching gain is exact yet.
    exact: [bool; 2],
    /// The loudness work in the background (the exact passes, profiles loaded mid-play).
    jobs: Jobs,
    /// Per side, a profile loaded mid-play that the engine does not play yet.
    loading: [Option<Load>; 2],
    /// The start's exact pass is still to be spawned (see [`Player::spawn_start_pass`]).
    start_pass: bool,
    /// Something the listener should be told (a load that failed), for the screen to take.
    notice: Option<String>,
    /// Exact gains not yet accepted by the engine's queue (sent again by `check`).
    unsent_gains: Option<[f64; 2]>,
    /// Matched-gain commands and chains sent to the engine (see [`Player::gains_settled`]).
    gains_sent: u64,
    installs_sent: u64,
    arrived: Option<ExactArrived>,
    /// Seconds from `start` to the last exact gains, once they came.
    pub exact_after_s: Option<f64>,
    started: Instant,
    /// What the listener should know about rates: the file is resampled to the device's rate
    /// (loudness, preamp and filters are then computed there), filters dropped above its Nyquist.
    pub notes: Vec<String>,
    /// From `Player::start` to the first callback.
    pub first_callback_s: Option<f64>,
    /// Where in the file playback began (seconds): `--start`, or the loop's start.
    pub began_at_s: f64,
    /// `rewind_when_finished` already went back to the start for this ending.
    rewound: bool,
    /// The headphone correction the caller put in front of both sides; profiles loaded later
    /// (the play screen's keys) go through it too: the screen puts them behind this one.
    pub headphones: Option<crate::profiles::headphones::Correction>,
    /// The device asked for and the frames per callback, to open it again when it is lost.
    device_request: (Option<String>, u32),
    /// A lost device: opened again for a while (see `playback::reconnect`).
    reconnect: Reconnector,
    /// Where the stream on probation started (see [`Player::rewind_attempt`]).
    attempt: Option<Attempt>,
}

/// Where a reopened stream started: the file frame, the frames rendered and the seek epoch.
#[derive(Debug, Clone, Copy)]
struct Attempt {
    frame: u64,
    rendered: u64,
    seek_epoch: u64,
}

/// Shows `p` on `side`: its name, description and the response the screen draws, at the
/// device's rate, where the filters run (at 48 kHz an 8 kHz device's chart showed peaks above
/// its 4 kHz Nyquist limit, filters that were dropped).
fn show(side: &mut SideInfo, p: &Profile, device_rate: u32) {
    side.profile = p.name.clone();
    side.description = p.description.clone();
    side.response = p.response_curve(f64::from(device_rate));
}

/// Loudness of the file through both profiles, as the device will play it (mixed to its
/// channels), and whether each is exact: from the cache, else measured whole before anything
/// plays (`exact_first`), else estimated from a bounded sample now and measured exactly in the
/// background.
fn first_loudness(
    cfg: &PlayerConfig,
    heard: Heard,
    cache: Option<&Cache>,
    on_progress: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<([f64; 2], [bool; 2])> {
    let pair = [&cfg.profiles[0], &cfg.profiles[1]];
    let cached = matching::cached_heard(&cfg.input, &pair, heard, cache);
    if let [Some(a), Some(b)] = cached[..] {
        return Ok(([a, b], [true; 2]));
    }
    if cfg.exact_first {
        let e = matching::exact_heard(&cfg.input, &pair, heard, cache, on_progress)?;
        if let (Some(w), false) = (e.warning, cfg.quiet) {
            crate::io::diag::diag!("iemsim: warning: {w}");
        }
        return Ok(([e.lufs[0], e.lufs[1]], [true; 2]));
    }
    let (est, whole) = matching::estimate_heard(&cfg.input, &pair, heard)?;
    let l = [0, 1].map(|i| cached[i].unwrap_or(est[i]));
    if whole {
        matching::store_heard(&cfg.input, &pair, &l, heard, cache);
    }
    Ok((l, [0, 1].map(|i| whole || cached[i].is_some())))
}

/// Sets the loop (if any) on `ctl`; returns the frame playing starts at: `start_s` (clamped to
/// the file), or the loop's start when `start_s` is outside the loop.
fn place(cfg: &PlayerConfig, ctl: &Control, info: &Info) -> u64 {
    if let Some((a, b)) = cfg.loop_s {
        ctl.loop_start.store(frame_at(info, a), Relaxed);
        ctl.loop_end.store(frame_at(info, b), Relaxed);
    }
    match cfg.loop_s {
        Some((a, b)) if !(a..b).contains(&cfg.start_s) => frame_at(info, a),
        _ => frame_at(info, cfg.start_s),
    }
}

/// The frame of the file at `s` seconds, clamped to the file.
fn frame_at(info: &Info, s: f64) -> u64 {
    ((s.max(0.0) * f64::from(info.sample_rate)) as u64).min(info.frames)
}

/// The engine on a ring the feeder thread fills from `src` from `start_frame` on, with the
/// ring prefilled (up to a second's wait) so the device's first calls find audio; then started
/// on `output`.
fn start_feeding(
    output: device::Output,
    mut src: Decoder,
    ctl: &Arc<Control>,
    sides: [SideChain; 2],
    start_frame: u64,
    dch: usize,
) -> Result<(Running, EngineHandles, FeederThread)> {
    let device_rate = output.rate();
    if start_frame > 0 {
        src.seek(start_frame)?;
    }
    let drate = f64::from(device_rate);
    let file_rate = src.info().sample_rate;
    // At least 0.5 s, and room for a few resampled blocks whatever the rate ratio.
    let ring_len =
        ((RING_S * drate) as usize).max(4 * feeder::max_block_frames(file_rate, device_rate)) * dch;
    let (producer, consumer) = rtrb::RingBuffer::new(ring_len);
    let (mut engine, handles) = Engine::new(
        Arc::clone(ctl),
        consumer,
        sides,
        dch,
        device_rate,
        file_rate,
    );
    engine.set_position(start_frame);
    let feeder = feeder::spawn(src, Arc::clone(ctl), producer, device_rate, dch)?;
    // Let the feeder get ahead before the device asks for anything.
    let prefill_until = Instant::now() + Duration::from_secs(1);
    while engine.buffered_frames() < (PREFILL_S * drate) as usize
        && !ctl.eof.load(Acquire)
        && Instant::now() < prefill_until
    {
        std::thread::sleep(Duration::from_millis(2));
    }
    let running = output.start(engine.into_callback(drate))?;
    Ok((running, handles, feeder))
}

/// Waits (up to 2 s) for the first callback, which tells the device really runs; the seconds
/// from `t0` to it, or the device's error.
fn first_callback(running: &Running, t0: Instant) -> Result<Option<f64>> {
    let until = Instant::now() + Duration::from_secs(2);
    while Instant::now() < until {
        if running.stats().callbacks > 0 {
            return Ok(Some(t0.elapsed().as_secs_f64()));
        }
        if let Some(e) = running.error() {
            return Err(e.into());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    Ok(None)
}

/// The shortest loop any command sets (`play --loop`, the `l` key of `play` and `abx`): each
/// end fades over 5 ms, and a loop of a few milliseconds played silence or nothing.
pub const MIN_LOOP_S: f64 = 0.5;

/// The loop the `l` key sets between its mark and the position now, in either order (marking,
/// then seeking back, marks an earlier end: that was refused as "a loop must be at least 0.5 s
/// long"); `None` when it is shorter than [`MIN_LOOP_S`].
pub fn loop_between(mark_s: f64, now_s: f64) -> Option<(f64, f64)> {
    let (a, b) = (mark_s.min(now_s), mark_s.max(now_s));
    (b - a >= MIN_LOOP_S).then_some((a, b))
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
        let reconnect = Reconnector::new()?;
        crate::io::decode::require_seekable(
            &cfg.input,
            "play measures its loudness first, then plays it and seeks in it",
        )?;
        let mut src = Decoder::open(&cfg.input)?;
        src.measure_length()?;
        let info = *src.info();

        let period = cfg.buffer_frames.unwrap_or(device::PREFERRED_BUFFER_FRAMES);
        let device_request = (cfg.device.clone(), period);
        let output = device::open_with_period(cfg.device.as_deref(), info.sample_rate, period)?;
        let device_rate = output.rate();
        let device_channels = output.channels();
        let dch = usize::from(device_channels);
        let drate = f64::from(device_rate);
        for p in &cfg.profiles {
            p.check_channels(dch)?;
        }

        let t_analysis = Instant::now();
        let heard = Heard {
            channels: dch,
            rate_hz: Some(device_rate),
        };
        let notes = rate_notes(&cfg.profiles, info.sample_rate, device_rate);
        let cache = if cfg.cache { Cache::open() } else { None };
        let (l, exact) = first_loudness(&cfg, heard, cache.as_ref(), on_progress)?;
        let analysis_s = t_analysis.elapsed().as_secs_f64();
        // Preamps (largest boost) at the rate the chains run at, like the loudness.
        let m = Matched::new(l, [&cfg.profiles[0], &cfg.profiles[1]], drate);
        let (lufs, pre, gains) = (m.lufs, m.preamp_db, m.gain_db);

        let ctl = Arc::new(Control::new(cfg.matching));
        let start_frame = place(&cfg, &ctl, &info);
        let side = |i: usize| SideChain::new(&cfg.profiles[i], dch, drate, gains[i], pre[i]);
        let (running, handles, feeder) =
            start_feeding(output, src, &ctl, [side(0), side(1)], start_frame, dch)?;
        let buffer_frames = running.buffer_frames();
        let device_name = super::routing::shown_name(running.device_name(), "PULSE_SINK");
        let first_callback_s = first_callback(&running, t0)?;

        let sides = [0, 1].map(|i| SideInfo {
            profile: cfg.profiles[i].name.clone(),
            description: cfg.profiles[i].description.clone(),
            loudness_lufs: lufs[i],
            preamp_db: pre[i],
            gain_matched_db: gains[i],
            response: cfg.profiles[i].response_curve(f64::from(device_rate)),
        });
        let measure = FileMeasure {
            input: cfg.input.clone(),
            heard,
            cache,
        };
        Ok(Player {
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
            began_at_s: start_frame as f64 / f64::from(info.sample_rate),
            rewound: false,
            exact,
            jobs: Jobs::new(Arc::new(measure)),
            loading: [None, None],
            start_pass: !exact.iter().all(|&e| e),
            notice: None,
            unsent_gains: None,
            gains_sent: 0,
            installs_sent: 0,
            arrived: None,
            exact_after_s: exact.iter().all(|&e| e).then_some(analysis_s),
            notes,
            started: t0,
            device_request,
            reconnect,
            attempt: None,
        })
    }

    /// The listener waits for the exact gains (ABX, before its first trial): the exact passes
    /// run at the UI's priority rather than below it (on a machine busy with other work a
    /// lowered priority made a 30-minute file's pass take minutes). Call before the first
    /// [`Player::check`].
    pub fn exact_is_awaited(&mut self) {
        self.jobs.set_background(false);
    }

    /// The exact pass of the sides the start left estimated: spawned by the first `check`, once
    /// the device plays (so it never delays the first sound, and the caller could say first
    /// whether the listener waits for it).
    fn spawn_start_pass(&mut self) {
        if !std::mem::take(&mut self.start_pass) {
            return;
        }
        let todo = (0..2)
            .filter(|&i| !self.exact[i] && self.loading[i].is_none())
            .map(|i| (i, self.profiles[i].clone()))
            .collect();
        if let Err(e) = self.jobs.spawn_exact(todo) {
            let error = format!("cannot start the loudness analysis: {e}");
            self.arrive(self.gains_db(), Some(error), None);
        }
    }

    /// Whether the matching gains are exact (both sides, nothing loading) or still estimates.
    pub fn match_state(&self) -> MatchState {
        if self.exact.iter().all(|&e| e) && self.loading.iter().all(Option::is_none) {
            MatchState::Exact
        } else {
            MatchState::Estimated
        }
    }

    /// The gains heard are final: exact, and every gain and chain sent has reached the engine
    /// and finished moving (glides over, installs faded in). ABX starts its trials only then, so
    /// no level moves during a trial.
    pub fn gains_settled(&self) -> bool {
        self.match_state() == MatchState::Exact
            && self.unsent_gains.is_none()
            && self.ctl.installs.load(Acquire) == self.installs_sent
            && self.ctl.gains_received.load(Acquire) == self.gains_sent
            && !self.ctl.gliding.load(Acquire)
    }

    /// Progress of the exact pass in the background, 0 to 1.
    pub fn exact_progress(&self) -> f64 {
        self.jobs.progress()
    }

    /// The exact gains' arrival, once (for the scripted mode's line).
    pub fn take_exact_arrived(&mut self) -> Option<ExactArrived> {
        self.arrived.take()
    }

    /// What the listener should be told, once: a profile load that failed, or what the exact
    /// pass found in the file (damaged packets, non-finite samples).
    pub fn take_notice(&mut self) -> Option<String> {
        self.notice.take()
    }

    fn gains_db(&self) -> [f64; 2] {
        [0, 1].map(|i| self.sides[i].gain_matched_db)
    }

    /// Takes the workers' reports: a loaded profile's provisional loudness (it can now be
    /// installed), and finished exact passes (the sides they are still current for get their
    /// exact loudness, and both sides' matched gains glide to the new match).
    fn take_reports(&mut self) {
        let mut changed = false;
        let mut error = None;
        let mut warning = None;
        while let Some(report) = self.jobs.try_report() {
            match report {
                Report::Provisional { side, id, result } => {
                    let Some(load) = self.loading[side].as_mut().filter(|l| l.id == id) else {
                        continue;
                    };
                    match result {
                        Ok(l) => load.lufs = Some(l),
                        Err(e) => {
                            // The side keeps playing what it played; the screen says why.
                            let name = &load.profile.name;
                            self.notice = Some(format!("cannot load {name}: {e}"));
                            self.loading[side] = None;
                            // The screen shows the profile the side really plays again.
                            let (s, p) = (&mut self.sides[side], &self.profiles[side]);
                            show(s, p, self.device_rate);
                        }
                    }
                }
                Report::Exact { sides, result } => match result {
                    Ok(e) => {
                        for (k, &(i, id)) in sides.iter().enumerate() {
                            if !self.jobs.is_current(i, id) {
                                continue;
                            }
                            let l = e.lufs.get(k).copied().unwrap_or(f64::NEG_INFINITY);
                            match self.loading[i].as_mut() {
                                // Not installed yet: it will be, at the exact gain.
                                Some(load) => load.lufs = Some((l, true)),
                                None => {
                                    self.sides[i].loudness_lufs = l;
                                    self.exact[i] = true;
                                    changed = true;
                                }
                            }
                        }
                        warning = warning.or(e.warning);
                    }
                    Err(e) => {
                        if sides.iter().any(|&(i, id)| self.jobs.is_current(i, id)) {
                            error = Some(e);
                        }
                    }
                },
            }
        }
        if !(changed || error.is_some()) {
            return;
        }
        let from_db = self.gains_db();
        if changed {
            self.adopt_gains(self.matched_now());
        }
        // The screen says it too (damaged packets, NaN samples: heard as silence).
        if let Some(w) = &warning {
            self.notice.get_or_insert_with(|| w.clone());
        }
        self.arrive(from_db, error, warning);
    }

    /// Notes the exact pass's end for [`Self::take_exact_arrived`]: the gains now, moved from
    /// `from_db`.
    fn arrive(&mut self, from_db: [f64; 2], error: Option<String>, warning: Option<String>) {
        self.arrived = Some(ExactArrived {
            t_s: self.started.elapsed().as_secs_f64(),
            from_db,
            gain_db: self.gains_db(),
            error,
            warning,
        });
    }

    /// The matched gains of what the engine plays (or is installing), from each side's
    /// loudness and preamp.
    fn matched_now(&self) -> [f64; 2] {
        let (l, pre) = self.levels();
        Matched::from_parts(l, pre).gain_db
    }

    /// Each side's loudness (LUFS) and preamp (dB), as shown.
    fn levels(&self) -> ([f64; 2], [f64; 2]) {
        let s = &self.sides;
        (
            [s[0].loudness_lufs, s[1].loudness_lufs],
            [s[0].preamp_db, s[1].preamp_db],
        )
    }

    /// Installs the loaded profiles whose loudness is known: the chain warms up muted, then
    /// crossfades in at its matched gain, and the other side glides to the new match. A full
    /// command queue (a previous change still fading in) leaves it for the next call.
    fn install_ready(&mut self) {
        for i in 0..2 {
            let Some((lufs, exact)) = self.loading[i].as_ref().and_then(|l| l.lufs) else {
                continue;
            };
            if self.handles.cmds.slots() < 3 {
                return;
            }
            let Some(load) = self.loading[i].take() else {
                continue;
            };
            let (mut l, mut pre) = self.levels();
            (l[i], pre[i]) = (lufs, load.preamp_db);
            let gains = Matched::from_parts(l, pre).gain_db;
            let ch = usize::from(self.device_channels);
            let drate = f64::from(self.device_rate);
            let chain = SideChain::new(&load.profile, ch, drate, gains[i], pre[i]);
            let side = Side::from_index(i as u8);
            if self
                .handles
                .cmds
                .push(EngineCmd::Install { side, chain })
                .is_err()
            {
                // Cannot happen (room was checked), but nothing is lost if it does.
                self.loading[i] = Some(load);
                return;
            }
            self.installs_sent += 1;
            self.sides[i].loudness_lufs = lufs;
            self.sides[i].preamp_db = pre[i];
            self.profiles[i] = load.profile;
            self.exact[i] = exact;
            // Both sides' gains after the install: the other side glides to the new match (for
            // this side it is the gain it was installed with: no change).
            self.adopt_gains(gains);
        }
    }

    /// New matched gains for both sides: shown, to be sent to the engine, and the time they
    /// became exact noted when they are.
    fn adopt_gains(&mut self, gains: [f64; 2]) {
        for (s, g) in self.sides.iter_mut().zip(gains) {
            s.gain_matched_db = g;
        }
        self.unsent_gains = Some(gains);
        if self.match_state() == MatchState::Exact {
            self.exact_after_s = Some(self.started.elapsed().as_secs_f64());
        }
    }

    /// Hands matched gains still waiting to the engine (it glides to them).
    fn send_gains(&mut self) {
        let Some(g) = self.unsent_gains else {
            return;
        };
        // Both or neither: a half-sent pair is sent whole again (the same target twice is harmless).
        if self.handles.send_gains_db(g) {
            self.gains_sent += 2;
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

    /// Where the listener is in the file (seconds): [`Player::position_s`] less the output's
    /// latency, the audio handed to the device but not heard yet. For the screens' clock and
    /// the loop marks `l` sets: at 8 kHz through PulseAudio the handed position ran 0.2 s ahead
    /// of the ear (9 ms at 48 kHz).
    pub fn heard_s(&self) -> f64 {
        let seeking = self.ctl.seek_epoch.load(Acquire) != self.ctl.drained_epoch.load(Acquire);
        let latency = self.output_latency_s().filter(|_| !seeking).unwrap_or(0.0);
        heard_position(self.position_s(), latency, self.loop_s())
    }

    /// Seconds of sound the device has been given since it started (kept across a restart),
    /// which is where in what is heard, counted from its first sample, anything done now lands.
    pub fn played_s(&self) -> f64 {
        self.ctl.frames_rendered.load(Acquire) as f64 / f64::from(self.device_rate)
    }

    /// Where in what is heard (seconds on the clock of [`Player::played_s`]) the last A/B
    /// crossfade began.
    pub fn last_switch_s(&self) -> f64 {
        self.ctl.last_switch_frame.load(Acquire) as f64 / f64::from(self.device_rate)
    }

    /// Ends the sound `s` seconds into what is heard (on the clock of [`Player::played_s`]): the
    /// callback starts the stop fade [`STOP_FADE`] before, at that frame wherever it falls in a
    /// buffer. Stopping once `played_s` reached `s` overplayed by up to a buffer (half a
    /// second at 8 kHz through PulseAudio) plus the fade.
    pub fn end_at_s(&self, s: f64) {
        let frame = ((s - STOP_FADE.as_secs_f64()) * f64::from(self.device_rate)).round();
        // 0 means no stop: the earliest is frame 1.
        self.ctl.stop_at.store((frame.max(1.0)) as u64, Release);
    }

    /// Whether the device was lost and is being opened again (see [`Self::check`]).
    pub fn device_lost(&self) -> bool {
        self.reconnect.is_down()
    }

    /// Seeks to `s` seconds. A seek past the loop's end leaves the loop, which is cleared (true
    /// is returned): the feeder would otherwise jump straight back into it while the clock went
    /// on from the target. A seek before the loop's start plays into it.
    pub fn seek_s(&self, s: f64) -> bool {
        let s = s.clamp(0.0, self.duration_s());
        let frame = frame_at(&self.info, s);
        let (ls, le) = (
            self.ctl.loop_start.load(Acquire),
            self.ctl.loop_end.load(Acquire),
        );
        let left_loop = le > ls && frame >= le;
        if left_loop {
            self.ctl.loop_end.store(0, Release);
        }
        self.ctl.request_seek(frame);
        left_loop
    }

    /// Seeks `d_s` seconds from where playback is or is about to be (see
    /// `Control::position_or_target`); true if that left the loop (see [`Player::seek_s`]).
    pub fn seek_by(&self, d_s: f64) -> bool {
        self.seek_s(self.position_s() + d_s)
    }

    /// Loop `a..b` seconds (and jump to `a`), or clear the loop.
    pub fn set_loop(&self, range: Option<(f64, f64)>) {
        match range {
            Some((a, b)) if b > a => {
                self.ctl.loop_start.store(frame_at(&self.info, a), Release);
                self.ctl.loop_end.store(frame_at(&self.info, b), Release);
                let _ = self.seek_s(a);
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

    /// Once the file has played to its end ([`Self::finished`]): where its sound ended, in
    /// seconds on the clock of [`Self::played_s`]. `played_s` itself, read then, fell short by
    /// up to the buffer the callback was still rendering when it found the end.
    pub fn ended_s(&self) -> Option<f64> {
        self.finished()
            .then(|| self.ctl.end_frame.load(Acquire) as f64 / f64::from(self.device_rate))
    }

    /// For the interactive screens, called once per frame: when the file has played to its end,
    /// pause and go back to the start (once), so `space` plays it again. True when it just did
    /// (for the screen to say so: a clock back at 0:00 alone looked like a fault).
    pub fn rewind_when_finished(&mut self) -> bool {
        if self.finished() && self.loop_s().is_none() {
            if !self.rewound {
                self.ctl.paused.store(true, Relaxed);
                let _ = self.seek_s(0.0);
                self.rewound = true;
                return true;
            }
        } else {
            self.rewound = false;
        }
        false
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

    /// Underruns a longer buffer could have prevented: [`Self::underruns`] without those of an
    /// outage (the stream restarting runs dry once or twice whatever its buffer).
    pub fn underruns_to_advise(&self) -> u64 {
        self.reconnect.underruns_not_of_outages(self.underruns())
    }

    /// At the end of a timed run: an error if the device is lost and not back.
    pub fn check_back(&self) -> Result<()> {
        self.reconnect.check_back()
    }

    /// Time without a device (see [`Reconnector::time_down`]).
    pub fn time_down(&self) -> Duration {
        self.reconnect.time_down()
    }

    /// Times a lost device was opened again.
    pub fn restarts(&self) -> u64 {
        self.reconnect.restarted
    }

    /// The profile on `side`: the one loading, else the one playing.
    pub fn profile(&self, side: Side) -> &Profile {
        let i = side.index();
        self.loading[i]
            .as_ref()
            .map_or(&self.profiles[i], |l| &l.profile)
    }

    /// Keeps the session going, called every UI frame: takes the loudness work's reports and
    /// hands the engine what is due. A device lost mid-play is opened again (see
    /// `playback::reconnect`), where playback was, sides, gains and loop kept: what there is to
    /// tell about it is returned. Errors: a decode error from the feeder, a device error that is
    /// not a loss, a device that did not come back.
    pub fn check(&mut self) -> Result<Option<Reconnect>> {
        let underruns = self.underruns();
        self.reconnect.note_underruns(underruns);
        if self.reconnect.is_down() {
            return self.reopen();
        }
        if let Some(e) = self.running.as_ref().and_then(Running::error) {
            let why = self.reconnect.lost(e.into())?;
            // The old stream closes before a new one opens (a device that allows one client at
            // a time would refuse the new one otherwise).
            self.shutdown();
            return Ok(self.reopen()?.or(Some(Reconnect::Waiting(why))));
        }
        if let Some(h) = self.feeder.take_if(|h| h.is_finished()) {
            match h.join() {
                Ok(Err(e)) => return Err(e.into()),
                Ok(Ok(())) => {}
                Err(_) => return Err(Error::machine("the decoding thread stopped unexpectedly")),
            }
        }
        // Replaced chains come back from the audio thread to be freed here.
        while self.handles.trash.pop().is_ok() {}
        self.spawn_start_pass();
        self.take_reports();
        self.install_ready();
        self.send_gains();
        Ok(None)
    }

    /// One attempt to open the lost device again, when it is due; a reopened one is back once it
    /// keeps asking for audio ([`Reconnector::confirm`]). A stream that stalls or fails before
    /// is closed, and the outage goes on from where it began.
    fn reopen(&mut self) -> Result<Option<Reconnect>> {
        if self.reconnect.on_probation() {
            let (callbacks, error) = self
                .running
                .as_ref()
                .map_or((0, None), |r| (r.stats().callbacks, r.error()));
            return match self.reconnect.confirm(callbacks, error.map(Error::from))? {
                Confirm::Pending => Ok(None),
                Confirm::Back(why) => {
                    self.attempt = None;
                    Ok(Some(Reconnect::Back(why)))
                }
                Confirm::Failed => {
                    self.shutdown();
                    self.rewind_attempt();
                    Ok(None)
                }
            };
        }
        if !self.reconnect.due() {
            return Ok(None);
        }
        match self.restart_stream() {
            Ok(()) => {
                self.reconnect.reopened();
                Ok(None)
            }
            Err(e) => self.reconnect.failed(e).map(|()| None),
        }
    }

    /// After a failed attempt (its stream closed): its position and rendered frames back to where
    /// it started, so the next attempt plays on from there and the first buffer the stalled
    /// device took (never heard) neither skips audio nor counts as played. A seek the listener
    /// made meanwhile stands.
    fn rewind_attempt(&mut self) {
        let Some(a) = self.attempt.take() else {
            return;
        };
        if self.ctl.seek_epoch.load(Acquire) == a.seek_epoch {
            self.ctl.position.store(a.frame, Relaxed);
        }
        self.ctl.frames_rendered.store(a.rendered, Relaxed);
    }

    /// Plays on from where playback was (or was seeking to), on a new stream of the device asked
    /// for: a fresh feeder and engine, each side's chain at the gains it had. The device must
    /// come back at the rate and channel count the chains and gains were made for.
    fn restart_stream(&mut self) -> Result<()> {
        let (device, period) = &self.device_request;
        let output = device::open_with_period(device.as_deref(), self.info.sample_rate, *period)?;
        if (output.rate(), output.channels()) != (self.device_rate, self.device_channels) {
            return Err(Error::machine(format!(
                "the device came back at {} Hz, {} channels (it played {} Hz, {} channels)",
                output.rate(),
                output.channels(),
                self.device_rate,
                self.device_channels
            )));
        }
        let start_frame = self.ctl.position_or_target();
        let ctl = Arc::new(self.ctl.carried_over());
        ctl.position.store(start_frame, Relaxed);
        let attempt = Attempt {
            frame: start_frame,
            rendered: ctl.frames_rendered.load(Acquire),
            seek_epoch: ctl.seek_epoch.load(Acquire),
        };
        let dch = usize::from(self.device_channels);
        let drate = f64::from(self.device_rate);
        let (gains, pre) = (self.gains_db(), self.levels().1);
        let side = |i: usize| SideChain::new(&self.profiles[i], dch, drate, gains[i], pre[i]);
        let chains = [side(0), side(1)];
        let mut src = Decoder::open(&self.input)?;
        src.measure_length()?;
        let (running, handles, feeder) =
            start_feeding(output, src, &ctl, chains, start_frame, dch)?;
        first_callback(&running, Instant::now())?;
        self.attempt = Some(attempt);
        // The new engine acknowledges from zero; the chains carry the gains already sent.
        (self.installs_sent, self.gains_sent) = (0, 0);
        self.unsent_gains = None;
        self.ctl = ctl;
        self.handles = handles;
        self.running = Some(running);
        self.feeder = Some(feeder);
        Ok(())
    }

    /// Puts `profile` on `side` without waiting for anything: a worker finds its loudness (the
    /// cache, else an estimate from a bounded sample of the file), then the engine crossfades it
    /// in at its matched gain (once its filters have settled) and an exact pass follows in the
    /// background, its correction a glide. Until the estimate is in (tens of milliseconds, about
    /// as long as the new filters take to settle anyway), the side plays its previous profile:
    /// the first thing heard of a new profile is already matched, never louder or quieter for a
    /// moment, which is the very bias matching is there to remove. The screen names the new
    /// profile at once.
    pub fn set_profile(&mut self, side: Side, profile: Profile) -> Result<()> {
        let i = side.index();
        profile.check_channels(usize::from(self.device_channels))?;
        let preamp_db = profile.preamp_db(Preamp::Auto, f64::from(self.device_rate));
        let id = self
            .jobs
            .request(i, profile.clone())
            .map_err(|e| Error::machine(format!("cannot start the loudness analysis: {e}")))?;
        show(&mut self.sides[i], &profile, self.device_rate);
        self.loading[i] = Some(Load {
            id,
            profile,
            preamp_db,
            lufs: None,
        });
        Ok(())
    }

    /// Stops cleanly (also when dropped): fades out as a pause does, lets the device play out
    /// what it still holds (its latency + 50 ms), then stops the stream and the feeder. Cutting
    /// the stream mid-note was a click on every quit.
    pub fn stop(self) {}

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
        fade_out(&self.ctl, self.running.as_ref());
        self.shutdown();
    }
}

/// The pause's fade, then the device's tail: about 0.1 s at the defaults. Nothing to wait for
/// when the device has failed.
pub(super) fn fade_out(ctl: &Control, running: Option<&Running>) {
    if let Some(r) = running.filter(|r| r.error().is_none()) {
        ctl.paused.store(true, Relaxed);
        std::thread::sleep(STOP_FADE + r.tail());
    }
}

/// `handed_s` less `latency_s`, back round the loop when the audio heard is still from before
/// its last jump; never before the start.
fn heard_position(handed_s: f64, latency_s: f64, loop_s: Option<(f64, f64)>) -> f64 {
    let h = handed_s - latency_s;
    match loop_s {
        Some((a, b)) if handed_s >= a && h < a => (b - (a - h)).max(a),
        _ => h.max(0.0),
    }
}

/// Notes on rates for the listener: the file resampled to the device's rate, and any filter of
/// either profile dropped there because it lies above the device's Nyquist frequency (a
/// channel's own too: [`Profile::dropped`]; the shared ones alone left a channel's unsaid).
pub fn rate_notes(profiles: &[Profile; 2], file_hz: u32, device_hz: u32) -> Vec<String> {
    let mut notes = Vec::new();
    if file_hz != device_hz {
        notes.push(format!(
            "resampling {file_hz} Hz → {device_hz} Hz (the device's rate): loudness, preamp and filters are computed at {device_hz} Hz"
        ));
    }
    for p in profiles {
        for d in p.dropped(f64::from(device_hz)) {
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
    #[test]
    fn a_loop_is_between_its_ends_in_either_order() {
        use super::loop_between;
        assert_eq!(loop_between(10.9, 2.0), Some((2.0, 10.9)));
        assert_eq!(loop_between(2.0, 10.9), Some((2.0, 10.9)));
        assert_eq!(loop_between(5.0, 5.3), None);
        assert_eq!(loop_between(5.3, 5.0), None);
    }

    use crate::dsp::{FilterKind, FilterSpec, Preamp, Profile};

    mod loading {
        use super::super::*;
        use crate::playback::loudness_jobs::tests::{estimated_lufs, exact_lufs, profile, Gated};

        const RATE: u32 = 48_000;

        /// A player on no device: its engine is driven here, a block at a time, as the callback
        /// would; loudness comes from `measure` (exact at the start).
        fn offline(measure: Arc<Gated>, names: [&str; 2]) -> (Player, Engine) {
            let ctl = Arc::new(Control::new(true));
            let (_producer, consumer) = rtrb::RingBuffer::new(4096);
            let profiles = names.map(profile);
            let pre = profiles
                .each_ref()
                .map(|p| p.preamp_db(Preamp::Auto, f64::from(RATE)));
            let lufs = profiles.each_ref().map(exact_lufs);
            let gains = Matched::from_parts(lufs, pre).gain_db;
            let side = |i| SideChain::new(&profiles[i], 2, f64::from(RATE), gains[i], pre[i]);
            let (engine, handles) = Engine::new(
                Arc::clone(&ctl),
                consumer,
                [side(0), side(1)],
                2,
                RATE,
                RATE,
            );
            let sides = [0, 1].map(|i| SideInfo {
                profile: profiles[i].name.clone(),
                description: String::new(),
                loudness_lufs: lufs[i],
                preamp_db: pre[i],
                gain_matched_db: gains[i],
                response: Vec::new(),
            });
            let info = Info {
                channels: 2,
                sample_rate: RATE,
                bits: 16,
                float: false,
                frames: u64::from(RATE) * 600,
                length_known: true,
                codec: "PCM",
                container: "WAV",
                lossless: true,
                channel_mask: 0,
            };
            let player = Player {
                ctl,
                running: None,
                feeder: None,
                handles,
                info,
                input: PathBuf::from("ten-minutes.wav"),
                sides,
                profiles,
                device_name: "none".into(),
                device_rate: RATE,
                device_channels: 2,
                buffer_frames: None,
                analysis_s: 0.0,
                exact: [true; 2],
                jobs: Jobs::new(measure),
                loading: [None, None],
                start_pass: false,
                notice: None,
                unsent_gains: None,
                gains_sent: 0,
                installs_sent: 0,
                arrived: None,
                exact_after_s: None,
                started: Instant::now(),
                notes: Vec::new(),
                first_callback_s: None,
                began_at_s: 0.0,
                rewound: false,
                headphones: None,
                device_request: (None, 0),
                reconnect: Reconnector::default(),
                attempt: None,
            };
            (player, engine)
        }

        /// What the UI loop does once per frame, and the callback in between, until `done`.
        fn run_until(player: &mut Player, engine: &mut Engine, done: impl Fn(&Player) -> bool) {
            let mut out = vec![0.0f32; 2 * 512];
            for _ in 0..2000 {
                player.check().expect("check");
                if done(player) {
                    return;
                }
                engine.render(&mut out);
                std::thread::sleep(Duration::from_millis(1));
            }
            panic!("never got there");
        }

        /// The number key's call returns while the estimate is still held back (measured inline,
        /// the estimate would wait for a gate nobody opens, and fail); nothing reaches the engine
        /// until the estimate does; then the new chain is installed at the estimated match and
        /// the gains glide to the exact one, with no load pending and both sides exact.
        /// The heard position: the handed one less the latency, round the loop just after a jump,
        /// never negative.
        #[test]
        fn the_heard_position_is_the_handed_one_less_the_latency() {
            assert!((heard_position(3.24, 0.24, None) - 3.0).abs() < 1e-12);
            assert_eq!(heard_position(0.1, 0.24, None), 0.0);
            // Loop 1-2 s: 0.1 s after the jump back, the ear still hears 1.86 s.
            let round = heard_position(1.1, 0.24, Some((1.0, 2.0)));
            assert!((round - 1.86).abs() < 1e-12, "{round}");
            // Before entering the loop, nothing wraps.
            assert!((heard_position(0.9, 0.24, Some((1.0, 2.0))) - 0.66).abs() < 1e-12);
        }

        #[test]
        fn a_profile_loaded_mid_play_waits_for_nothing_and_reaches_exact_gains() {
            let (m, open) = Gated::new();
            let (mut player, mut engine) = offline(m.clone(), ["neutral", "dd"]);
            let ba = profile("ba");
            player.set_profile(Side::A, ba.clone()).expect("load");
            // The screen names it at once; the engine still plays the old chain, untouched.
            assert_eq!(player.sides[0].profile, "ba");
            assert_eq!(player.profile(Side::A).name, "ba");
            assert_eq!(player.match_state(), MatchState::Estimated);
            for _ in 0..5 {
                player.check().expect("check");
            }
            assert_eq!(
                player.handles.cmds.slots(),
                8,
                "sent before its loudness was known"
            );
            open.send(()).expect("gate");

            // Estimated: installed at the gains the estimate gives (the louder side turned down
            // to the quieter: ITU-style matching, written out here).
            run_until(&mut player, &mut engine, |p| p.loading[0].is_none());
            let pre = [ba.preamp_db(Preamp::Auto, 48e3), player.sides[1].preamp_db];
            let expect = |l: [f64; 2]| {
                let at = [l[0] + pre[0], l[1] + pre[1]];
                let target = at[0].min(at[1]);
                [pre[0] + target - at[0], pre[1] + target - at[1]]
            };
            let dd = profile("dd");
            let est = expect([estimated_lufs(&ba), exact_lufs(&dd)]);
            let exact = expect([exact_lufs(&ba), exact_lufs(&dd)]);
            assert!(est != exact);
            // The exact pass may already be in by the time the install is sent.
            let g = player.gains_db();
            assert!(g == est || g == exact, "{g:?} vs {est:?} / {exact:?}");

            run_until(&mut player, &mut engine, |p| {
                p.match_state() == MatchState::Exact
                    && p.ctl.installs.load(Acquire) == 1
                    && p.handles.cmds.slots() == 8
            });
            assert_eq!(player.gains_db(), exact);
            run_until(&mut player, &mut engine, Player::gains_settled);
            assert_eq!(player.sides[0].loudness_lufs, exact_lufs(&ba));
            assert_eq!(player.profile(Side::A).name, "ba");
            assert_eq!(m.estimates.load(SeqCst), 1);
            assert_eq!(m.exacts.load(SeqCst), 1);
        }
    }

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
            behind: None,
            channel_count: None,
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
        assert!(super::rate_notes(&[flat.clone(), flat.clone()], 48_000, 48_000).is_empty());
        // The same bell as the left channel's own filter (its filter 1 of all): dropped alike,
        // and said alike. Only the shared filters were.
        let left = Profile {
            name: "left".into(),
            channels: vec![crate::dsp::ChannelFilters {
                channel: 0,
                gain_db: 0.0,
                filters: vec![FilterSpec::new(FilterKind::Peaking, 30_000.0, 6.0, 1.0)],
            }],
            ..flat
        };
        let notes = super::rate_notes(&[left.clone(), left], 96_000, 48_000);
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert!(
            notes[1].starts_with("profile 'left' filter 1 (PK 30000 Hz) dropped")
                && notes[1].ends_with("(24000 Hz) of 48000 Hz audio"),
            "{notes:?}"
        );
    }

    /// Issue 22: the audio callback never runs AVX-512 (it lowers the clock of older Intel
    /// cores); offline work may. Every chain `play` and `live` hand the engine (at start and on
    /// a profile change) comes from `realtime_chain`. On a CPU with AVX-512 the offline constructor
    /// picks it, so this test tells the two apart there.
    #[test]
    fn the_engine_chains_never_run_avx512() {
        use crate::dsp::chain::Kernel;
        let p = crate::playback::loudness_jobs::tests::profile("ba");
        for channels in [1, 2, 6] {
            let chain = crate::playback::engine::realtime_chain(&p, channels, 48_000.0);
            assert_ne!(chain.kernel(), Kernel::Avx512, "{channels} ch");
            assert_eq!(chain.kernel(), Kernel::best_realtime(), "{channels} ch");
        }
        if Kernel::Avx512.available() {
            let offline = crate::dsp::Chain::new(p.stages(48_000.0, 2), 2, 0.0);
            assert_eq!(offline.kernel(), Kernel::Avx512);
        }
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
